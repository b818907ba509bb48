"""Helpers for the "Designing CNNs" course.

``import course_utils`` is fast and never imports TensorFlow. The first code cell of
every notebook is::

    import course_utils
    course_utils.setup()            # or setup(keras=True) when the notebook uses Keras

The submodules teach one topic each (``arithmetic``, ``params``, ``metrics``, ...);
import them where they are needed.
"""

from __future__ import annotations

from course_utils.core._environment import (
    __version__,
    cpu_count,
    describe_environment,
    environment_report,
    release_memory,
    seed_everything,
    setup,
)

__all__ = [
    "__version__",
    "cpu_count",
    "describe_environment",
    "environment_report",
    "release_memory",
    "seed_everything",
    "setup",
]
