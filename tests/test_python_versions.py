"""The supported Pythons are stated once (pyproject's requires-python) and said the same everywhere."""

import re
import subprocess
import tomllib

from packaging.specifiers import SpecifierSet

from course_tools import ROOT

CANDIDATES = [f"3.{minor}" for minor in range(6, 20)]


def _requires_python() -> list[str]:
    spec = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    return [version for version in CANDIDATES if version in spec]


def test_the_course_command_reads_the_range_from_pyproject():
    result = subprocess.run(
        [str(ROOT / "course"), "supported-pythons"], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == _requires_python()


def test_find_python_gives_an_interpreter_of_that_version_or_fails():
    for version in _requires_python():
        result = subprocess.run(
            [str(ROOT / "course"), "find-python", version], capture_output=True, text=True
        )
        if result.returncode == 0:
            interpreter = result.stdout.strip()
            check = subprocess.run(
                [interpreter, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True
            )
            assert check.stdout.strip() == str(tuple(int(p) for p in version.split(".")))
    missing = subprocess.run([str(ROOT / "course"), "find-python", "3.99"], capture_output=True, text=True)
    assert missing.returncode != 0 and missing.stdout == ""


def test_the_readme_names_exactly_the_supported_pythons():
    readme = (ROOT / "README.md").read_text()
    sentence = re.search(r"You need Python[^.]*\d\.\d+[^\n]*", readme)
    assert sentence, "the README no longer says which Python is needed"
    named = re.findall(r"\b3\.\d+\b", sentence.group(0))
    assert sorted(set(named), key=lambda v: int(v.split(".")[1])) == _requires_python()
    # the recommended one (named first) is the oldest supported, the one Binder uses
    assert named[0] == _requires_python()[0]


def test_ci_runs_the_newest_supported_python_and_binder_the_oldest():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./course supported-pythons | tail -n 1" in ci and './course find-python "$newest"' in ci
    assert 'COURSE_PYTHON="$interpreter" ./course test' in ci
    assert "is not installed here" in ci
    environment = (ROOT / "environment.yml").read_text()
    assert f"python={_requires_python()[0]}" in environment
