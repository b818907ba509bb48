"""Shared pytest configuration.

The TensorFlow environment variables are set here, once, before any test module can
import Keras; tests that need Keras take the session-wide ``keras`` fixture.
Hypothesis runs derandomized and without its example database, so two runs of the
suite in a row test the same cases and give the same result.
The one-CPU runs of the training notebooks start in the background once the tests are
collected (``background_runs.py``, a plain module: no test module is imported here), except
under pytest-xdist, where they are tests like any other.

``./course test`` runs the suite on one pytest-xdist worker per CPU with ``--dist loadfile``: a
notebook's cells share one kernel and a module's tests share its fixtures, so each file runs
whole on one worker.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import background_runs
import matplotlib
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

settings.register_profile(
    "course",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("course")


@pytest.fixture(scope="session")
def keras():
    """The ``keras`` module, imported once for the whole session (TensorFlow takes seconds)."""
    import keras

    return keras


@pytest.fixture(scope="session")
def mnist_conversion():
    """``scripts/convert_mnist_subset.py`` as a module: it names and reads the bundled MNIST subset's source."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "convert_mnist_subset.py"
    spec = importlib.util.spec_from_file_location("convert_mnist_subset", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what will not run
def pytest_collection_modifyitems(session, config, items):
    """Start the selected one-CPU runs of the training notebooks in the background, now
    (in one pytest process only: under pytest-xdist each of those tests runs its own)."""
    if background_runs.xdist_worker() is not None:
        return
    paths = [
        item.callspec.params["path"]
        for item in items
        if getattr(item, "originalname", "") == background_runs.ONE_CPU_TEST
    ]
    if paths and not config.option.collectonly:
        background_runs.start(paths)


def pytest_sessionfinish(session, exitstatus):
    background_runs.stop()
