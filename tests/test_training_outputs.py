"""Outputs that come out of training are compared within a stated tolerance, on any machine.

- The comparison itself (``course_tools.nbval_tolerance``): numbers within the
  tolerance pass, anything else fails, property-tested.
- The nbval extension is active in ``./course test``: a tiny notebook run through nbval.
- "Another machine" inside the suite: every notebook that trains passes nbval with another
  thread count (one CPU when the machine has more, else two threads), as a learner's laptop,
  Binder or a CI machine of another CPU kind would run it. Those runs start in the background
  as soon as the tests are collected (``conftest.py``, with ``background_runs.py``), one notebook
  at a time on one CPU, while the rest of the suite (mostly single-threaded) uses the other; each
  test waits for its result.
- A real regression in a training cell still fails.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from background_runs import run_pytest, started, worker_cpu
from hypothesis import assume, given
from hypothesis import strategies as st

from course_tools import ROOT
from course_tools.nbval_tolerance import TAG, Tolerance, compare_text, parse_tolerance
from course_tools.notebooks import read, write

FIT = re.compile(r"\.fit\(")


def _trains(path) -> bool:
    return any(cell.cell_type == "code" and FIT.search(cell.source) for cell in read(path).cells)


COMPARED = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))
TRAINING = [path for path in COMPARED if _trains(path)]
TRAINING_EXERCISES = [path for path in sorted((ROOT / "exercises").glob("*.ipynb")) if _trains(path)] or [
    pytest.param(None, marks=pytest.mark.skip(reason="no exercise notebook trains a model yet"))
]


# ---------------------------------------------------------------- the comparison


def test_reads_the_stated_tolerance():
    assert parse_tolerance("# nbval-tolerance: abs=0.01 int=3 rel=0.1; why\nx") == Tolerance(0.01, 3, 0.1)
    assert parse_tolerance("# nbval-tolerance: int=2; one image may change class") == Tolerance(int=2)


@pytest.mark.parametrize(
    "first_line",
    [
        "# nbval-tolerance: abs=0.01",  # no reason
        "# nbval-tolerance: ; no tolerance",
        "# nbval-tolerance: abs=-1; negative",
        "# nbval-tolerance: abs=nan; not a number",
        "# nbval-tolerance: int=1.5; half a count",
        "# nbval-tolerance: abs=0.1 abs=0.2; twice",
        "# nbval-tolerance: tol=0.1; unknown key",
        "# nbval-ignore-output: another tag",
        "",
    ],
)
def test_a_bad_tolerance_line_is_refused_with_the_expected_form(first_line):
    with pytest.raises(ValueError, match="nbval-tolerance"):
        parse_tolerance(first_line + "\nprint(1)")


_TABLE = "epoch  loss   accuracy\n{:5d}  {:.3f}  {:.3f}\n"


@given(
    epoch=st.integers(1, 99),
    loss=st.floats(0, 5),
    accuracy=st.floats(0, 1),
    shift=st.floats(-0.0099, 0.0099),
)
def test_numbers_within_the_tolerance_agree(epoch, loss, accuracy, shift):
    saved = _TABLE.format(epoch, loss, accuracy)
    # format() re-rounds, so the printed change is at most |shift| + 0.001
    computed = _TABLE.format(epoch, loss + shift, min(1.0, max(0.0, accuracy - shift)))
    assert compare_text(saved, computed, Tolerance(abs=0.011)) is None


@given(loss=st.floats(0, 5), change=st.floats(0.02, 10))
def test_a_number_beyond_the_tolerance_is_reported(loss, change):
    saved, computed = _TABLE.format(3, loss, 0.5), _TABLE.format(3, loss + change, 0.5)
    message = compare_text(saved, computed, Tolerance(abs=0.01))
    assert message is not None and "differs from the saved" in message and "allowed: 0.01" in message


@given(count=st.integers(0, 10_000), change=st.integers(-3, 3), beyond=st.integers(4, 1000))
def test_counts_use_the_integer_tolerance(count, change, beyond):
    assume(count + change >= 0)
    tolerance = Tolerance(abs=0.5, int=3)
    assert compare_text(f"TP {count} of 10,000", f"TP {count + change} of 10,000", tolerance) is None
    assert compare_text(f"TP {count} of 10,000", f"TP {count + beyond} of 10,000", tolerance) is not None
    # thousands separators are read as one number
    assert compare_text("220,234 parameters", "220,237 parameters", tolerance) is None
    assert compare_text("220,234 parameters", "221,234 parameters", tolerance) is not None


@pytest.mark.parametrize(
    "saved, computed",
    [
        ("val_accuracy 0.961", "accuracy 0.961"),  # other words
        ("9 epochs", "9 epochs, stopped early"),  # more text
        ("loss 0.144 0.150", "loss 0.144"),  # a row went missing
        ("loss 0.144", "loss 0.144 0.150"),  # a row appeared
        ("worst digit: 8", "worst digit: eight"),
        ("loss 0.144", "loss 0"),  # written differently
        ("loss nan", "loss 0.1"),
        ("loss 0.1", "loss nan"),
    ],
)
def test_any_change_of_text_or_layout_is_a_difference(saved, computed):
    assert compare_text(saved, computed, Tolerance(abs=1, int=100)) is not None


def test_columns_that_realign_are_not_a_difference():
    assert compare_text("    9  0.033\n", "   10  0.033\n", Tolerance(int=1)) is None
    assert compare_text("loss nan", "loss nan", Tolerance()) is None


def test_relative_tolerance_scales_with_the_saved_value():
    assert compare_text("MACs 1,000,000", "MACs 1,009,000", Tolerance(rel=0.01)) is None
    assert compare_text("MACs 1,000,000", "MACs 1,011,000", Tolerance(rel=0.01)) is not None


# ---------------------------------------------------------------- the notebooks follow the rule


def _tagged_cells(path):
    return [c for c in read(path).cells if c.cell_type == "code" and TAG in c.metadata.get("tags", [])]


@pytest.mark.parametrize("path", COMPARED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_tolerance_cell_states_a_readable_tolerance(path):
    for cell in _tagged_cells(path):
        parse_tolerance(cell.source)  # raises with the expected form
        assert cell.outputs, "a tolerance cell must show the learner its numbers"


def test_training_notebooks_are_found():
    names = {path.name for path in TRAINING}
    assert {"05_training_a_cnn.ipynb", "06_metrics.ipynb"} <= names, names


# ---------------------------------------------------------------- nbval with the extension


def _tiny_notebook(path, tagged: bool):
    header = f"# {TAG}: abs=0.01; the value comes from the environment in this test\n" if tagged else ""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        header + "import os\nprint(f\"loss {float(os.environ['LOSS']):.3f} after 3 epochs\")",
        execution_count=1,
    )
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="loss 0.500 after 3 epochs\n")]
    if tagged:
        cell.metadata["tags"] = [TAG]
    nb.cells = [cell]
    write(nb, path)
    return path


@pytest.mark.parametrize(
    "tagged, loss, passes",
    [(True, "0.505", True), (True, "0.52", False), (False, "0.505", False), (False, "0.5", True)],
)
@pytest.mark.slow
def test_nbval_compares_tagged_cells_within_the_tolerance(tmp_path, tagged, loss, passes):
    path = _tiny_notebook(tmp_path / "tiny.ipynb", tagged)
    result = run_pytest([path], env_extra={"LOSS": loss}, timeout=120)
    assert (result.returncode == 0) is passes, result.stdout[-3000:]
    if tagged and not passes:
        assert "differs from the saved 0.500" in result.stdout and "allowed: 0.01" in result.stdout


@pytest.mark.parametrize("path", TRAINING, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.slow
@pytest.mark.notebooks
def test_training_notebook_passes_with_another_thread_count(path):
    running = started(path)
    result = running.result() if running is not None else run_pytest([path], one_cpu=True)
    assert result.returncode == 0, result.stdout[-6000:]


@pytest.mark.parametrize("path", TRAINING_EXERCISES, ids=lambda p: f"exercises/{getattr(p, 'name', '')}")
@pytest.mark.slow
@pytest.mark.notebooks
def test_training_exercise_runs_with_another_thread_count(path):
    test = f"tests/test_exercises.py::test_unfinished_exercise_notebook_runs_all_and_every_checker_says_unfinished[{path.name}]"
    result = run_pytest([test], one_cpu=True)
    assert result.returncode == 0, result.stdout[-6000:]


@pytest.mark.slow
@pytest.mark.notebooks
def test_a_real_regression_in_a_training_cell_still_fails(tmp_path):
    """Lesson 05 with a smaller learning rate, its saved outputs unchanged: nbval must fail."""
    lesson = ROOT / "notebooks" / "05_training_a_cnn.ipynb"
    nb = read(lesson)
    changed = [c for c in nb.cells if c.cell_type == "code" and "learning_rate=0.003" in c.source]
    assert len(changed) == 1
    changed[0].source = changed[0].source.replace("learning_rate=0.003", "learning_rate=0.001")
    broken = tmp_path / lesson.name
    write(nb, broken)
    result = run_pytest([broken], one_cpu=True)
    assert result.returncode != 0
    failed = re.findall(r"FAILED \S*::Cell (\d+)", result.stdout)
    assert failed, result.stdout[-3000:]
    training_table = next(
        i
        for i, c in enumerate(cell for cell in nb.cells if cell.cell_type == "code")
        if 'print("epoch  loss' in c.source
    )
    assert str(training_table) in failed, (failed, training_table)
    # the note comes from the tolerant comparison: a number beyond "allowed: 0.01", or a changed layout
    assert f"{TAG}: Tolerance(abs=0.01" in result.stdout, result.stdout[-3000:]


@pytest.mark.parametrize(
    ("worker", "background", "cpu"),
    [
        (None, True, 3),
        (None, False, 1),
        ("gw0", False, 1),
        ("gw1", False, 3),
        ("gw2", True, 1),
        ("master", True, 3),
    ],
)
def test_a_one_cpu_run_takes_its_workers_cpu(monkeypatch, worker, background, cpu):
    # two pytest-xdist workers never pin their one-CPU runs to the same CPU
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    if worker is not None:
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    assert worker_cpu({3, 1}, background=background) == cpu
