"""The installed package stands alone: a wheel of the repository holds ``course_utils`` and its data, no tooling.

The wheel is built from a copy of what packaging reads (``pyproject.toml``, the README, the licence,
``course_utils/`` and, beside it as in the repository, ``course_tools/``), so that nothing left over
in the checkout (a ``build/`` folder) can slip into it. It is then unpacked into an empty folder and
imported from there by a fresh interpreter whose working folder is outside the repository: what
the lessons read (the stored runs, the pretrained trunks, the bundled digits, the course map) must
come from the package alone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from course_tools import ROOT
from course_utils.engines.diagnosis import load_histories
from course_utils.engines.lessons import course_map
from course_utils.engines.stored_runs import load_capstone, load_sweeps

pytestmark = pytest.mark.slow

PACKAGING = ("pyproject.toml", "README.md", "LICENSE")
"""The files besides the packages that building the wheel reads."""
SETUPTOOLS_NEEDED = 77
"""The first setuptools that reads ``license = "MIT"`` (pyproject.toml's [build-system] asks for it)."""


def _build_isolation() -> list[str]:
    """Build with this environment's setuptools when it is new enough (no index needed), else in pip's
    isolated build environment, which installs the setuptools that pyproject.toml asks for."""
    try:
        major = int(metadata.version("setuptools").split(".")[0])
    except (metadata.PackageNotFoundError, ValueError):
        return []
    return ["--no-build-isolation"] if major >= SETUPTOOLS_NEEDED else []


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in PACKAGING:
        shutil.copy(ROOT / name, source / name)
    for package in ("course_utils", "course_tools"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--quiet", "--disable-pip-version-check",
         "-w", str(out), *_build_isolation()],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def names(wheel) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_the_wheel_holds_the_package_and_no_tooling(names):
    assert not [name for name in names if "course_tools" in name or "/tooling/" in name]
    top = {name.split("/")[0] for name in names}
    assert {folder for folder in top if not folder.endswith(".dist-info")} == {"course_utils"}
    modules = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "course_utils").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert modules <= set(names), sorted(modules - set(names))


def test_the_wheel_holds_every_data_file(names):
    data = {path.relative_to(ROOT).as_posix() for path in (ROOT / "course_utils" / "data_files").iterdir()}
    assert data and data <= set(names), sorted(data - set(names))


CHECK = """
import json, sys
sys.path.insert(0, sys.argv[1])
import course_utils
from course_utils.engines import lessons, stored_runs, transfer
from course_utils.engines.data import load_dataset
from course_utils.engines.diagnosis import load_histories
from course_utils.engines.tuning import load_results

sweeps, capstone = stored_runs.load_sweeps(), stored_runs.load_capstone()
(x_train, _), (x_test, _) = load_dataset("mnist_subset")
print(json.dumps({
    "package": course_utils.__file__,
    "sweeps": {group: len(runs) for group, runs in sweeps["groups"].items()},
    "capstone": {group: len(runs) for group, runs in capstone["groups"].items()},
    "pretrained": [transfer.weights_file(source).is_file() for source in transfer.SOURCES],
    "histories": sorted(load_histories()["runs"]),
    "benchmark": load_results("benchmark")["command"],
    "digits": [len(x_train), len(x_test)],
    "course_map": lessons.course_map().rows(),
    "tooling": sorted(name for name in sys.modules if name.split(".")[0] == "course_tools"),
}))
"""


def test_the_unpacked_wheel_works_outside_the_repository(wheel, tmp_path):
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-c", CHECK, str(site)],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(found["package"]).is_relative_to(site), found["package"]
    assert found["sweeps"] == {group: len(runs) for group, runs in load_sweeps()["groups"].items()}
    assert found["capstone"] == {group: len(runs) for group, runs in load_capstone()["groups"].items()}
    assert found["histories"] == sorted(load_histories()["runs"])
    assert found["pretrained"] and all(found["pretrained"])
    assert found["benchmark"].startswith("./course benchmark") and found["digits"] == [4000, 1000]
    assert found["course_map"] == course_map().rows()  # the same map with no repository around it
    assert found["tooling"] == []
