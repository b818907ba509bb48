"""Shared pytest configuration.

The TensorFlow environment variables are set here, once, before any test module can
import Keras; tests that need Keras take the session-wide ``keras`` fixture.
Hypothesis runs derandomized and without its example database, so two runs of the
suite in a row test the same cases and give the same result.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

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


ONE_CPU_TEST = "test_training_notebook_passes_with_another_thread_count"


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what will not run
def pytest_collection_modifyitems(session, config, items):
    """Start the selected one-CPU runs of the training notebooks in the background, now."""
    paths = [
        item.callspec.params["path"] for item in items if getattr(item, "originalname", "") == ONE_CPU_TEST
    ]
    if paths and not config.option.collectonly:
        import test_training_outputs

        test_training_outputs.start_in_background(paths)


def pytest_sessionfinish(session, exitstatus):
    import sys

    module = sys.modules.get("test_training_outputs")
    if module is not None:
        module.stop_background()
