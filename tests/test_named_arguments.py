"""The core modules pass named values between their functions, not long rows of positional ones.

A call such as ``_reasons(rules, full, shape, sizes, target, objects, report, max_params, tried,
min_filters)`` can swap two arguments of the same type without any error. In these modules a
function takes at most ``MAX_POSITIONAL`` positional parameters and a call passes at most that many
positional arguments: more go by keyword, or travel together in a small frozen dataclass.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import course_utils

MAX_POSITIONAL = 6
"""The most positional parameters (or arguments) a function (or call) of these modules has."""
MODULES = ("engines.planner", "core.params", "engines.layer_specs", "core.arithmetic", "engines.diagnosis")


def _long_rows(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            count = len(node.args.posonlyargs) + len(node.args.args)
            if count > MAX_POSITIONAL:
                found.append(f"line {node.lineno}: def {node.name} takes {count} positional parameters")
        elif isinstance(node, ast.Call) and len(node.args) > MAX_POSITIONAL:
            found.append(
                f"line {node.lineno}: {ast.unparse(node.func)} gets {len(node.args)} positional arguments"
            )
    return found


def test_the_check_finds_long_rows():
    source = "def f(a, b, c, d, e, f, g):\n    return g\n\nf(1, 2, 3, 4, 5, 6, 7)\nf(1, 2, 3, 4, 5, 6, g=7)\n"
    assert _long_rows(source) == [
        "line 1: def f takes 7 positional parameters",
        "line 4: f gets 7 positional arguments",
    ]


@pytest.mark.parametrize("module", MODULES)
def test_no_long_rows_of_positional_arguments(module):
    source = (Path(course_utils.__file__).parent.joinpath(*module.split(".")).with_suffix(".py")).read_text(
        encoding="utf-8"
    )
    assert not _long_rows(source)
