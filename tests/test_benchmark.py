"""./course benchmark: the recipe's time as a ratio to a reference workload measured in the same run.

The training itself is what the command measures; it is not re-run here. The reference workload
is timed once, briefly, to show it trains lesson 05's CNN.
"""

from __future__ import annotations

import json
import time

import pytest

from course_tools import benchmark
from course_utils.engines import tuning


def _run(seed, accuracy, seconds, reference):
    return {
        "seed": seed,
        "epochs": 20,
        "test_accuracy": accuracy,
        "val_accuracy": 0.98,
        "fit_seconds": seconds,
        "fit_cpu_seconds": 2 * seconds,
        "reference_seconds": reference,
        "ratio": round(seconds / reference, 2),
        "others_cpu_seconds": 0.0,
        "load_average_before": 0.5,
    }


def test_the_summary_reads_the_median_run_and_the_median_ratio():
    runs = [_run(0, 0.985, 20.0, 10.0), _run(1, 0.979, 21.0, 10.0), _run(2, 0.978, 19.0, 10.0)]
    summary = benchmark.summarize(runs)
    assert summary["median_test_accuracy"] == 0.979 and not summary["target_met"]  # under 98%
    assert (summary["min_test_accuracy"], summary["max_test_accuracy"]) == (0.978, 0.985)
    assert summary["median_ratio"] == 2.0 and (summary["min_ratio"], summary["max_ratio"]) == (1.9, 2.1)
    # the same runs on a machine twice as slow: the seconds double, the ratio and the verdict do not
    fast = [_run(s, 0.99, t, 12.0) for s, t in enumerate((24.0, 26.0, 28.0))]
    slow = [_run(s, 0.99, 2 * t, 24.0) for s, t in enumerate((24.0, 26.0, 28.0))]
    assert benchmark.summarize(fast)["target_met"] and benchmark.summarize(slow)["target_met"]
    assert benchmark.summarize(fast)["median_ratio"] == benchmark.summarize(slow)["median_ratio"]
    # a recipe that takes more than TARGET_RATIO references misses the target, whatever the seconds
    heavy = [_run(s, 0.99, benchmark.TARGET_RATIO * 10.0 + 1.0, 10.0) for s in range(3)]
    assert not benchmark.summarize(heavy)["target_met"]


def test_the_page_shows_every_run_the_ratio_the_seconds_and_the_machine():
    runs = [_run(0, 0.981, 21.5, 10.0), _run(1, 0.983, 22.0, 11.0)]
    document = {
        "command": "./course benchmark --runs 2",
        "date": "2030-01-01",
        "machine": {"cpu": "a CPU", "cpus": 2},
        "recipe": dict(tuning.RECIPE),
        "runs": runs,
        **benchmark.summarize(runs),
    }
    page = benchmark.markdown(document)
    assert "`./course benchmark --runs 2`" in page and "**Target met**" in page
    assert "98.10%" in page and "98.30%" in page and "21.5" in page and "2.15" in page
    assert f"costing at most {benchmark.TARGET_RATIO:g} times the CPU time of a reference workload" in page
    assert all(f"`{key}`" in page for key in tuning.RECIPE)
    assert "- cpu: a CPU" in page
    assert f"(`{benchmark.MODULE}`)" in page  # the module that made the file, as it records it


def test_the_stored_page_is_the_stored_results_written_out():
    """docs/benchmark_08.md says what benchmark_08.json holds, the module that made it included."""
    document = json.loads(benchmark.JSON_FILE.read_text(encoding="utf-8"))
    assert benchmark.MARKDOWN_FILE.read_text(encoding="utf-8") == benchmark.markdown(document)
    assert f"(`{document['module']}`)" in benchmark.markdown(document)


@pytest.mark.slow
def test_the_reference_workload_trains_lesson_05s_cnn(keras, monkeypatch):
    import numpy as np

    monkeypatch.setattr(benchmark, "REFERENCE_EPOCHS", 1)
    x = np.random.default_rng(0).random((64, 28, 28, 1), dtype=np.float32)
    seconds, cpu_seconds = benchmark.reference_seconds(x, np.arange(64) % 10)
    assert 0 < seconds < 60 and 0 < cpu_seconds


def test_bad_arguments_are_refused(capsys):
    with pytest.raises(SystemExit):
        benchmark.main(["--runs", "0"])
    assert "--runs must be from 1 to 20" in capsys.readouterr().err


def test_machine_busy_seconds_counts_this_process():
    before = benchmark.machine_busy_seconds()
    if before is None:
        pytest.skip("no /proc/stat on this system")
    started = time.process_time()
    while time.process_time() - started < 0.3:
        pass
    assert benchmark.machine_busy_seconds() - before >= 0.25


def test_a_runs_record_stores_its_accuracies_as_every_stored_run_command_does():
    """Accuracies go through run_store.stored (6 significant digits), as in runs_08.json and capstone_09.json."""
    import types

    import numpy as np

    from course_tools.run_store import stored

    run = types.SimpleNamespace(
        epochs=20, history={"val_accuracy": [0.5, 0.9812345678]}, fit_seconds=21.04, fit_cpu_seconds=40.26
    )
    record = benchmark.run_record(1, run, np.float32(0.982), (10.0, 20.0), 0.5, 0.0)
    assert record["test_accuracy"] == stored(np.float32(0.982)) == 0.982
    assert record["val_accuracy"] == stored(0.9812345678) == 0.981235
    assert (
        record["fit_seconds"],
        record["reference_cpu_seconds"],
        record["ratio"],
        record["wall_ratio"],
    ) == (
        21.0,
        20.0,
        2.01,
        2.1,
    )
    assert set(record) == set(_run(1, 0.98, 21.0, 10.0)) | {"reference_cpu_seconds", "wall_ratio"}
