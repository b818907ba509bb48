"""Saved lessons and solutions look as a learner will see them after Restart & Run All."""

import re
from pathlib import Path

import pytest

from course_tools import ROOT
from course_tools.colab import install_cell
from course_tools.notebooks import read

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
def test_first_code_cell_installs_on_colab_and_the_second_sets_up_the_course(path: Path):
    # The install cell does nothing outside Colab and prints nothing (tests/test_colab.py checks its form).
    install, setup = _code_cells(path)[:2]
    assert install.source == install_cell() and install.outputs == [], (
        "run python -m course_tools.colab cells"
    )
    assert "import course_utils" in setup.source and "course_utils.setup(" in setup.source


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


# What depends on the learner's machine rather than on the course. Compared outputs (after
# tests/sanitize.cfg) must contain none of it; a cell that shows such a value is tagged
# nbval-ignore-output with its reason. See CONTRIBUTING, "Outputs that a test compares".
MACHINE_DEPENDENT = {
    "a Python version": re.compile(r"Python 3\.\d+\.\d+"),
    "an absolute path": re.compile(r"(?<![\w.])/(?:home|root|Users|var|private|opt|usr|srv|mnt)/"),
    "a Windows path": re.compile(r"\b[A-Z]:\\\\"),
    "a date": re.compile(r"\b20\d\d-\d\d-\d\d\b"),
    "a clock time": re.compile(r"\b\d\d:\d\d:\d\d\b"),
    "a timing": re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|µs|us|ns|seconds?|sec)\b|\b\d+\.\d+\s?s\b"),
    "a CPU count": re.compile(r"\b(?:threads|CPUs?|cores?)\s*[:=]?\s*\d+\b|\b\d+\s+(?:CPUs?|cores)\b"),
}


def _sanitizers():
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "tests" / "sanitize.cfg")
    return [(re.compile(config[s]["regex"]), config[s]["replace"]) for s in config.sections()]


def _compared_texts(cell):
    for output in cell.outputs:
        if output.output_type == "stream":
            yield output.text
        for key in ("text/plain", "text/html"):
            if key in output.get("data", {}):
                yield output.data[key]


@pytest.mark.parametrize("path", SAVED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_compared_outputs_do_not_depend_on_the_machine(path: Path):
    sanitizers = _sanitizers()
    for number, cell in enumerate(_code_cells(path)):
        if set(cell.metadata.get("tags", [])) & {"nbval-ignore-output", "nbval-skip"}:
            continue
        for text in _compared_texts(cell):
            for regex, replace in sanitizers:
                text = regex.sub(replace, text)
            for what, pattern in MACHINE_DEPENDENT.items():
                found = pattern.search(text)
                assert not found, (
                    f"cell {number} shows {what} ({found.group(0)!r}): sanitize it or ignore the cell"
                )


def test_the_machine_check_catches_what_it_names():
    samples = {
        "a Python version": "Designing CNNs 0.1.0 | Python 3.13.0 | NumPy",
        "an absolute path": "saved to /home/ada/course/best.weights.h5",
        "a date": "Last run: 2026-11-23",
        "a clock time": "started 17:25:58",
        "a timing": "loops: 9.9 ms | 2.5 s per epoch",
        "a CPU count": "running on 8 CPUs",
    }
    for what, text in samples.items():
        assert MACHINE_DEPENDENT[what].search(text), what
    for innocent in (
        "Conv2D(16, kernel_size=3)",
        "loss 0.144  accuracy 0.960",
        "5 stages",
        "(None, 26, 26, 16)",
    ):
        assert not any(p.search(innocent) for p in MACHINE_DEPENDENT.values()), innocent
