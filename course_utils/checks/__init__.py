"""Exercise checkers: the framework and one module per lesson.

The framework (:mod:`course_utils.checks.framework`) is re-exported here, so a
lesson module or a notebook can write ``from course_utils.checks import Feedback,
check_number``. The lesson modules hold one checker per exercise:
``convolution_arithmetic``, ``padding_and_stride``, ``pooling``,
``parameter_counting``, ``training``, ``metrics``, ``overfitting``, ``regularization`` and
``capstone``. Every 95% interval is checked with :func:`check_z_number`: one z policy for
every lesson (1.96 or its full precision is right, z = 2 is refused with its reason).

Examples
--------
>>> check_number(31, 30, name="output width", misconceptions={31: "You forgot the floor."}, hint="")
Not yet: output width = 31 is not right. You forgot the floor.
"""

from __future__ import annotations

from course_utils.checks.framework import (
    Feedback,
    check_answer,
    check_array,
    check_choice,
    check_design,
    check_function,
    check_number,
    check_z_number,
    checker,
    describe,
    is_placeholder,
    unfinished,
    wrong_form,
)

__all__ = [
    "Feedback",
    "check_answer",
    "check_array",
    "check_choice",
    "check_design",
    "check_function",
    "check_number",
    "check_z_number",
    "checker",
    "describe",
    "is_placeholder",
    "unfinished",
    "wrong_form",
]
