"""What an exercise checker passes to the checker framework, caught by a spy (for the tests).

The tests read a checker's misconceptions, hint and options from it. Its expected value is only
ever compared with the answer worked out independently in ``exercise_answers.py``: a value taken
from the checker itself could never show that the checker expects a wrong one.
"""

from __future__ import annotations

import importlib

from course_utils.checks import framework

FRAMEWORK_FUNCTIONS = ("check_number", "check_array", "check_function", "check_choice", "check_design")


def framework_call(checker, answer=..., **extra):
    """``(framework function name, args, kwargs)`` of the first framework call ``checker`` makes.

    The call is caught where the lesson module makes it and inside the framework, so that a
    checker built on a framework helper (``check_z_number`` calls ``check_number`` with every
    right value and named mistake) is seen with what it finally compares.
    ``(None, (), {})`` for a checker with its own logic that calls no framework function.
    """
    module = importlib.import_module(checker.__module__)
    calls = []
    saved = [
        (owner, name, getattr(owner, name))
        for owner in (module, framework)
        for name in FRAMEWORK_FUNCTIONS
        if hasattr(owner, name)
    ]

    def spy(name, original):
        def record(*args, **kwargs):
            calls.append((name, args, kwargs))
            return original(*args, **kwargs)

        return record

    try:
        for owner, name, original in saved:
            setattr(owner, name, spy(name, original))
        checker(answer, **extra)
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)
    return calls[0] if calls else (None, (), {})
