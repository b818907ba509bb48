"""The test markers that cannot be written beside the test they mark.

``pyproject.toml`` declares the three markers; ``./course test --fast`` leaves out all three.

- ``notebooks``: every cell that nbval runs, in ``notebooks/``, ``solutions/`` or a named
  ``exercises/`` notebook (the tests in ``tests/`` that run notebooks carry it themselves);
- ``browser``: the tests of ``tests/test_browser.py``, which drive a real JupyterLab;
- ``slow``: the doctests whose examples train a model.

A test module marks its own slow tests, with ``pytestmark = pytest.mark.slow`` or
``@pytest.mark.slow`` (``tests/test_markers.py`` checks the ones that train).
This file is at the root so that it also marks a run of ``./course test notebooks`` alone.
"""

import re

import pytest

BROWSER_TESTS = "test_browser.py"
# model.fit, or a course function whose whole purpose is a training run
TRAINING_EXAMPLE = re.compile(r"\.fit\(|\btrain_recipe\(|(?<![\w.])search\(")


def _trains(item) -> bool:
    """A doctest whose examples train a model."""
    test = getattr(item, "dtest", None)
    return test is not None and any(TRAINING_EXAMPLE.search(example.source) for example in test.examples)


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebooks)
        elif item.path.name == BROWSER_TESTS:
            item.add_marker(pytest.mark.browser)
        elif _trains(item):
            item.add_marker(pytest.mark.slow)
