"""./course reset NN: one exercise notebook back to its start, with the learner's version kept.

The command runs on a copy of the repository's solutions/ and exercises/ (with the environment that
runs these tests), so the real exercises/ never changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_tools.exercises import expected_exercises

ROOT = Path(__file__).resolve().parents[1]
NAME = "03_pooling.ipynb"


@pytest.fixture
def course(tmp_path):
    """A folder with the course command, pyproject.toml, solutions/, exercises/, course_tools/ and scripts/
    (what it runs: scripts/ names the MNIST subset's source, which ./course checks is fetched)."""
    stamp = Path(sys.prefix) / ".course-installed"
    if not stamp.exists():
        pytest.skip("needs the environment that ./course makes (run ./course test)")
    if (
        stamp.read_text(encoding="utf-8").strip()
        != hashlib.sha256(
            (ROOT / "pyproject.toml").read_bytes() + (ROOT / "constraints.txt").read_bytes()
        ).hexdigest()
    ):
        # ./course in the copy would reinstall this environment from the copy (COURSE_VENV is this one),
        # leaving every later kernel without course_utils once the copy is deleted
        pytest.skip("this environment was made from another pyproject.toml: run ./course test to refresh it")
    # constraints.txt: ./course's environment stamp; README.md: the repository address of the Colab badges
    for name in ("course", "pyproject.toml", "constraints.txt", "README.md"):
        shutil.copy2(ROOT / name, tmp_path / name)
    for folder in ("solutions", "exercises", "course_tools", "scripts"):
        shutil.copytree(
            ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("backups", ".*", "__pycache__")
        )
    return tmp_path


def reset(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "COURSE_PYTHON"}
    env["COURSE_VENV"] = sys.prefix
    return subprocess.run(
        [str(root / "course"), "reset", *args], capture_output=True, text=True, env=env, timeout=300
    )


def fresh_text(name: str = NAME) -> str:
    """What ./course exercises writes for this exercise."""
    return expected_exercises()[ROOT / "exercises" / name]


def write_an_answer(path: Path, answer: str) -> str:
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "= ..." in c.source)
    cell.source = cell.source.replace("= ...", f"= {answer}", 1)
    nbformat.write(nb, path)
    return path.read_text(encoding="utf-8")


@pytest.mark.slow
def test_reset_writes_the_fresh_exercise_and_keeps_every_version_of_the_learner(course):
    exercise = course / "exercises" / NAME
    first = write_an_answer(exercise, "41")
    result = reset(course, "03")
    assert result.returncode == 0, result.stderr
    assert exercise.read_text(encoding="utf-8") == fresh_text()
    backups = sorted((course / "exercises" / "backups").glob("03_pooling.*.ipynb"))
    assert [b.read_text(encoding="utf-8") for b in backups] == [first]
    assert f"exercises/backups/{backups[0].name}" in result.stdout
    assert "Reload Notebook from Disk" in result.stdout

    # a second reset in the same second keeps the second version too, next to the first
    second = write_an_answer(exercise, "42")
    assert reset(course, "3").returncode == 0
    kept = {
        b.read_text(encoding="utf-8") for b in (course / "exercises" / "backups").glob("03_pooling.*.ipynb")
    }
    assert kept == {first, second}
    assert exercise.read_text(encoding="utf-8") == fresh_text()


@pytest.mark.slow
def test_reset_of_an_untouched_or_missing_exercise_keeps_no_backup(course):
    assert "held no work of yours" in reset(course, "03_pooling").stdout
    (course / "exercises" / "01_convolution_arithmetic.ipynb").unlink()
    assert reset(course, "exercises/01_convolution_arithmetic.ipynb").returncode == 0
    assert not (course / "exercises" / "backups").exists()
    assert (course / "exercises" / "01_convolution_arithmetic.ipynb").read_text(
        encoding="utf-8"
    ) == fresh_text("01_convolution_arithmetic.ipynb")


@pytest.mark.parametrize("args", [(), ("42",), ("pooling",), ("03", "04")])
def test_reset_names_the_lessons_when_the_argument_is_not_one(course, args):
    before = {p.name: p.read_bytes() for p in (course / "exercises").glob("*.ipynb")}
    result = reset(course, *args)
    assert result.returncode == 2
    assert "./course reset 03" in result.stderr
    assert "Lessons with exercises: " + ", ".join(
        sorted(p.name[:2] for p in (ROOT / "solutions").glob("*.ipynb"))
    ) in (result.stderr)
    assert {p.name: p.read_bytes() for p in (course / "exercises").glob("*.ipynb")} == before


def test_help_lists_reset(course):
    result = subprocess.run([str(course / "course"), "help"], capture_output=True, text=True)
    assert "./course reset NN" in result.stdout
