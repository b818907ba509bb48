"""What an exercise checker passes to the checker framework, caught by a spy (for the tests)."""

from __future__ import annotations

import importlib

FRAMEWORK_FUNCTIONS = ("check_number", "check_array", "check_function", "check_choice", "check_design")


def framework_call(checker, answer=..., **extra):
    """``(framework function name, args, kwargs)`` of the first framework call ``checker`` makes.

    ``(None, (), {})`` for a checker with its own logic that calls no framework function.
    """
    module = importlib.import_module(checker.__module__)
    calls = []
    saved = {name: getattr(module, name) for name in FRAMEWORK_FUNCTIONS if hasattr(module, name)}

    def spy(name, original):
        def record(*args, **kwargs):
            calls.append((name, args, kwargs))
            return original(*args, **kwargs)

        return record

    try:
        for name, original in saved.items():
            setattr(module, name, spy(name, original))
        checker(answer, **extra)
    finally:
        for name, original in saved.items():
            setattr(module, name, original)
    return calls[0] if calls else (None, (), {})
