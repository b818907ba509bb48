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
