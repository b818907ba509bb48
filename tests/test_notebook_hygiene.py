"""Saved lessons and solutions look as a learner will see them after Restart & Run All."""

import re
from pathlib import Path

import pytest

from course_utils.tooling.notebooks import ROOT, read

SAVED = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))
IGNORE_TAGS = {"nbval-ignore-output", "nbval-skip", "nbval-raises-exception"}


def _code_cells(path):
    return [cell for cell in read(path).cells if cell.cell_type == "code"]


@pytest.mark.parametrize("path", SAVED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_saved_after_restart_and_run_all(path: Path):
    counts = [cell.execution_count for cell in _code_cells(path)]
    assert counts == list(range(1, len(counts) + 1)), f"execution counts {counts}: use ./course execute"


@pytest.mark.parametrize("path", SAVED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_errors_or_stderr_in_saved_outputs(path: Path):
    for cell in _code_cells(path):
        for output in cell.outputs:
            assert output.output_type != "error", cell.source[:80]
            assert not (output.output_type == "stream" and output.name == "stderr"), output.text[:200]


@pytest.mark.parametrize("path", SAVED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_first_code_cell_sets_up_the_course(path: Path):
    first = _code_cells(path)[0].source
    assert "import course_utils" in first and "course_utils.setup(" in first


@pytest.mark.parametrize("path", SAVED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_cells_excluded_from_comparison_say_why(path: Path):
    for cell in _code_cells(path):
        tags = set(cell.metadata.get("tags", [])) & IGNORE_TAGS
        if tags:
            assert re.match(r"#\s*nbval-[a-z-]+:\s*\S", cell.source), (
                f"cell tagged {sorted(tags)} must start with '# nbval-...: <reason>': {cell.source[:80]!r}"
            )


@pytest.mark.parametrize("path", SAVED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_keras_3_habits(path: Path):
    for cell in _code_cells(path):
        assert "input_shape=" not in cell.source, "use keras.Input(shape=...) as the first layer"
        assert ".hdf5" not in cell.source, "Keras 3 checkpoints end in .weights.h5 or .keras"
        assert "verbose=1" not in cell.source, "progress bars change from run to run: use verbose=0"


@pytest.mark.parametrize("path", sorted((ROOT / "solutions").glob("*.ipynb")), ids=lambda p: p.name)
def test_solutions_have_at_least_five_exercises(path: Path):
    regions = sum(cell.source.count("# BEGIN SOLUTION") for cell in _code_cells(path))
    assert regions >= 5, f"{path.name} has {regions} solution regions"
