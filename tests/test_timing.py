"""./course timings: the two tables it writes say when and where they were measured in the same words."""

from __future__ import annotations

import platform

from course_tools import ROOT, timing


def _last_run_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("Last run: "))


def test_both_tables_describe_the_machine_alike(tmp_path, monkeypatch):
    monkeypatch.setattr(timing, "measure", lambda path: {"seconds": 2.0, "mb": 100.0})
    notebook = ROOT / "notebooks" / "05_training_a_cnn.ipynb"
    timings = timing.write_table(
        {"notebooks/05_training_a_cnn.ipynb": {"seconds": 2.0, "mb": 100.0}}, tmp_path / "a.md"
    )
    cost = timing.determinism_cost([notebook], repeats=1, table=tmp_path / "b.md")
    machine = f"Python {platform.python_version()}, {platform.machine()}"
    assert _last_run_line(timings) == f"{timing._last_run()}." and machine in timings
    assert _last_run_line(cost).startswith(f"{timing._last_run()}, load average ")
