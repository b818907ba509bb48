"""Open in Colab: every notebook's badge and install cell, the install cell's behaviour, and runs as on Colab.

The slow tests build a wheel from the checkout, make (or reuse) the Colab-like environment of
``course_tools.colab`` (the newest releases from PyPI, never the pins) and run notebooks in it; they
also show that the run fails when the install cell or the package data is broken.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import nbformat
import pytest

from course_tools import ROOT, colab
from course_tools.exercises import expected_exercises
from course_tools.notebooks import read

ALL = colab.notebook_paths(colab.FOLDERS)


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_notebook_opens_in_colab_and_installs_the_course_there(path: Path):
    nb = read(path)
    relative = path.relative_to(ROOT).as_posix()
    assert nb.cells[0].cell_type == "markdown"
    assert nb.cells[0].source.startswith(colab.badge(relative) + "\n\n"), (
        "run python -m course_tools.colab cells"
    )
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code[0].source == colab.install_cell(), "run python -m course_tools.colab cells"
    assert sum(cell.source.count(colab.INSTALL_MARKER) for cell in code) == 1


def test_the_badge_and_install_cell_come_from_the_readme_address():
    readme = (ROOT / "README.md").read_text()
    assert "\n[repository]: https://github.com/designing-cnns/designing-cnns\n" in readme
    assert colab.colab_link("notebooks/05_training_a_cnn.ipynb") == (
        "https://colab.research.google.com/github/designing-cnns/designing-cnns/blob/main/notebooks/05_training_a_cnn.ipynb"
    )
    assert (
        '"designing-cnns @ git+https://github.com/designing-cnns/designing-cnns@main"' in colab.install_cell()
    )


def test_the_cells_script_is_idempotent_and_has_nothing_left_to_write():
    assert colab.write_cells(check=True) == []
    nb = read(ROOT / "notebooks" / "01_convolution_arithmetic.ipynb")
    again = colab.with_colab_cells(nb, "notebooks/01_convolution_arithmetic.ipynb")
    assert nbformat.writes(again) == nbformat.writes(
        read(ROOT / "notebooks" / "01_convolution_arithmetic.ipynb")
    )


def test_an_old_install_cell_is_replaced_and_a_missing_one_added():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 99 · Title"),
        nbformat.v4.new_code_cell(colab.INSTALL_MARKER + " (an older form)\nprint('old')"),
        nbformat.v4.new_code_cell("import course_utils\n\ncourse_utils.setup()"),
    ]
    done = colab.with_colab_cells(nb, "notebooks/99_title.ipynb")
    assert [cell.source for cell in done.cells[1:]] == [
        colab.install_cell(),
        "import course_utils\n\ncourse_utils.setup()",
    ]
    nb.cells.pop(1)
    assert colab.with_colab_cells(nb, "notebooks/99_title.ipynb").cells[1].source == colab.install_cell()


def test_generated_exercises_get_their_own_badge_and_the_install_cell():
    for path, text in expected_exercises().items():
        nb = nbformat.reads(text, as_version=4)
        assert nb.cells[0].source.startswith(colab.badge(f"exercises/{path.name}")), path.name
        assert next(cell for cell in nb.cells if cell.cell_type == "code").source == colab.install_cell()


def _run_install_cell(on_colab: bool, monkeypatch, returncode: int = 0) -> tuple[list, str]:
    """Run the install cell's code as a kernel would; return the commands it ran and what it printed."""
    calls = []

    def fake_run(command, **kwargs):
        calls.append((command, kwargs))
        return subprocess.CompletedProcess(command, returncode, stdout="pip said no\n", stderr="")

    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        exec(colab.install_cell(), {})
    return calls, printed.getvalue()


def test_outside_colab_the_install_cell_does_nothing_and_prints_nothing(monkeypatch):
    monkeypatch.setenv("COURSE_WHEEL", "/nowhere/designing_cnns-0.1.0-py3-none-any.whl")
    assert _run_install_cell(False, monkeypatch) == ([], "")


def test_on_colab_the_install_cell_installs_quietly_from_the_repository_or_course_wheel(monkeypatch):
    monkeypatch.delenv("COURSE_WHEEL", raising=False)
    calls, printed = _run_install_cell(True, monkeypatch)
    assert printed == "" and len(calls) == 1
    command, kwargs = calls[0]
    assert command == [sys.executable, "-m", "pip", "install", "--quiet", colab.install_requirement()]
    assert kwargs["capture_output"]
    monkeypatch.setenv("COURSE_WHEEL", "/tmp/designing_cnns-0.1.0-py3-none-any.whl")
    calls, _ = _run_install_cell(True, monkeypatch)
    assert calls[0][0][-1] == "/tmp/designing_cnns-0.1.0-py3-none-any.whl"


def test_a_failed_install_raises_with_pips_words(monkeypatch):
    with pytest.raises(RuntimeError, match="Installing the course failed:\npip said no"):
        _run_install_cell(True, monkeypatch, returncode=1)


def test_lessons_are_named_by_number_or_path():
    assert [p.name for p in colab.lesson_paths(["05"])] == ["05_training_a_cnn.ipynb"]
    assert len(colab.lesson_paths([])) == len(list((ROOT / "notebooks").glob("*.ipynb")))
    with pytest.raises(ValueError, match="'77'"):
        colab.lesson_paths(["77"])


def test_the_colab_environment_never_asks_for_the_pins_or_tensorflow_cpu():
    requirements = colab.colab_requirements()
    assert not [r for r in requirements if "==" in r]
    assert any(r.startswith("tensorflow>=") for r in requirements)
    assert not any(r.startswith("tensorflow-cpu") for r in requirements)


# --------------------------------------------------------------------------- runs as on Colab (slow)

PROBE_CELLS = [
    # what a lesson reads from the package at run time: the digits, the stored runs, a pretrained trunk
    (
        "from course_utils.engines import stored_runs, transfer\n"
        "from course_utils.engines.data import load_dataset\n\n"
        '(x_train, _), (x_test, _) = load_dataset("mnist_subset")\n'
        "print(len(x_train), len(x_test), len(stored_runs.load_sweeps()['groups']) > 0,\n"
        "      all(transfer.weights_file(s).is_file() for s in transfer.SOURCES))",
        "4000 1000 True True\n",
    ),
]


def _probe_notebook(folder: Path, install: bool = True) -> Path:
    """A small notebook with the course's first cells and one cell that reads the package data."""
    nb = nbformat.v4.new_notebook()
    cells = [nbformat.v4.new_code_cell("import course_utils\n\ncourse_utils.setup(verbose=False)")]
    if install:
        cells.insert(0, nbformat.v4.new_code_cell(colab.install_cell()))
    for source, output in PROBE_CELLS:
        cell = nbformat.v4.new_code_cell(source)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=output)]
        cells.append(cell)
    for count, cell in enumerate(cells, start=1):
        cell.execution_count = count  # saved after a run, as nbval wants
    nb.cells = [nbformat.v4.new_markdown_cell("# Probe"), *cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "probe.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def colab_env(tmp_path_factory):
    """(environment, wheel): the Colab-like environment of the newest releases and a wheel of the checkout."""
    try:
        versions = colab.resolve_newest()
    except RuntimeError as error:
        pytest.skip(f"needs PyPI to resolve the newest releases: {str(error)[-300:]}")
    venv, _ = colab.colab_environment(versions)
    return venv, colab.build_wheel(tmp_path_factory.mktemp("wheel"))


def _without_data_files(wheel: Path, target: Path) -> Path:
    broken = target / wheel.name
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(broken, "w") as out:
        for item in source.infolist():
            if "/data_files/" not in item.filename:
                out.writestr(item, source.read(item))
    return broken


@pytest.mark.slow
@pytest.mark.notebooks
def test_a_notebook_runs_as_on_colab_only_through_its_install_cell(colab_env, tmp_path):
    venv, wheel = colab_env
    good = colab.run_as_on_colab(_probe_notebook(tmp_path), venv, wheel, tmp_path / "good")
    assert good.returncode == 0, good.stdout[-4000:]
    # without the install cell the course is not there: the checkout's course_utils is out of reach
    bare = tmp_path / "bare"
    bare.mkdir()
    missing = colab.run_as_on_colab(_probe_notebook(bare, install=False), venv, wheel, tmp_path / "missing")
    assert missing.returncode != 0 and "No module named 'course_utils'" in missing.stdout, missing.stdout[
        -3000:
    ]


@pytest.mark.slow
@pytest.mark.notebooks
def test_a_wheel_without_its_data_files_fails_the_run(colab_env, tmp_path):
    venv, wheel = colab_env
    (tmp_path / "broken").mkdir()
    broken = _without_data_files(wheel, tmp_path / "broken")
    result = colab.run_as_on_colab(_probe_notebook(tmp_path), venv, broken, tmp_path / "run")
    assert result.returncode != 0 and "mnist" in result.stdout.lower(), result.stdout[-3000:]


@pytest.mark.slow
@pytest.mark.notebooks
def test_a_broken_install_cell_fails_the_run(colab_env, tmp_path):
    venv, _ = colab_env
    result = colab.run_as_on_colab(
        _probe_notebook(tmp_path), venv, tmp_path / "no_such.whl", tmp_path / "run"
    )
    assert result.returncode != 0 and "Installing the course failed" in result.stdout, result.stdout[-3000:]


@pytest.mark.slow
@pytest.mark.notebooks
def test_lesson_01_runs_as_on_colab(colab_env, tmp_path):
    venv, wheel = colab_env
    lesson = ROOT / "notebooks" / "01_convolution_arithmetic.ipynb"
    result = colab.run_as_on_colab(lesson, venv, wheel, tmp_path)
    assert result.returncode == 0, result.stdout[-6000:]
