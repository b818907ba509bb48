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
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from course_tools import ROOT
from course_tools.colab import build_wheel
from course_utils.engines.diagnosis import load_histories
from course_utils.engines.lessons import course_map
from course_utils.engines.stored_runs import load_capstone, load_sweeps

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


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
    # what the lessons read at run time: the digits, the stored runs, the pretrained trunks
    kinds = {Path(name).suffix for name in names if "/data_files/" in name}
    assert {".npz", ".json", ".h5", ".sha256"} <= kinds, kinds


def _metadata(wheel, names) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(next(name for name in names if name.endswith(".dist-info/METADATA"))).decode()
    return Parser().parsestr(text).get_all("Requires-Dist")


def test_the_wheel_requires_ranges_and_tensorflow_only_as_an_extra(wheel, names):
    # Colab preinstalls `tensorflow`: a requirement on `tensorflow-cpu` would install a second TensorFlow.
    requirements = [Requirement(text) for text in _metadata(wheel, names)]
    always = {r.name: r for r in requirements if r.marker is None}
    assert {"keras", "numpy", "matplotlib", "scikit-learn", "keras-tuner", "ipywidgets"} <= set(always)
    assert not {"tensorflow", "tensorflow-cpu", "jupyterlab", "ipykernel"} & set(always), sorted(always)
    assert all(r.specifier and "==" not in str(r.specifier) for r in always.values()), always
    extras = {r.name: str(r.marker) for r in requirements if r.marker is not None}
    assert extras["tensorflow"] == 'extra == "tensorflow"' and extras["tensorflow-cpu"] == 'extra == "cpu"'
    assert always["keras"].specifier.contains("3.15.1") and not always["keras"].specifier.contains("4.0")


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
