"""The asserts that keep a lesson's prose in step stay out of the learner's way (course_tools/guard_cells.py)."""

from __future__ import annotations

import ast

import nbformat
import pytest

from course_tools.guard_cells import (
    GUARD_HEADER,
    GUARD_TAGS,
    is_guard,
    learner_cells_ending_in_asserts,
    move_asserts,
    split_source,
)
from course_tools.notebooks import course_notebooks, read

LESSONS = course_notebooks(("notebooks",))


def _code(source, **metadata):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.update(metadata)
    return cell


def test_trailing_and_safe_asserts_move_with_their_comments():
    kept, moved = split_source(
        "x = compute()\n# the text says 4\nassert x == 4\nprint(x)\nassert x > 0\n\ndisplay(x)\nassert x < 9\n"
    )
    assert kept == "x = compute()\nprint(x)\n\ndisplay(x)\n"
    assert moved == "# the text says 4\nassert x == 4\nassert x > 0\nassert x < 9\n"


@pytest.mark.parametrize(
    "later",
    [
        "x = 5",  # assigned
        "x += 1",  # assigned in place
        "del x",  # deleted
        "x.append(3)",  # a method of x
        "x[0] = 1",  # an item of x
        "x.size = 1",  # an attribute of x
        "train(x)",  # passed to a function that may change it
        "train(data=x)",  # passed by keyword
    ],
)
def test_an_assert_stays_when_a_later_line_may_change_what_it_reads(later):
    source = f"x = [1]\nassert len(x) == 1\n{later}\n"
    assert split_source(source) == (source, "")


def test_what_print_and_display_show_is_only_read():
    assert split_source("x = 1\nassert x == 1\nprint(f'{x}', describe(x))\n")[1] == "assert x == 1\n"
    assert split_source("x = 1\nassert x == 1\ndisplay(x)\n")[1] == "assert x == 1\n"


def test_asserts_inside_loops_and_magic_cells_stay():
    loop = "for x in range(3):\n    assert x < 3\nprint('done')\n"
    assert split_source(loop) == (loop, "")
    assert split_source("%timeit f()\nassert True\n") == ("%timeit f()\nassert True\n", "")


def test_moving_makes_a_collapsed_hidden_guard_cell_and_is_idempotent():
    nb = nbformat.v4.new_notebook()
    nb.cells = [_code("x = 2\nassert x == 2\ny = 3\nassert y == 3"), _code("assert True")]
    assert move_asserts(nb) == 2
    assert [cell.source for cell in nb.cells] == [
        "x = 2\ny = 3",
        GUARD_HEADER + "assert x == 2\nassert y == 3\n" + "assert True",
    ]
    guard = nb.cells[1]
    assert is_guard(guard) and guard.metadata["tags"] == GUARD_TAGS
    assert guard.metadata["jupyter"] == {"source_hidden": True}
    before = nbformat.writes(nb)
    assert move_asserts(nb) == 0 and nbformat.writes(nb) == before


def test_the_check_finds_a_learner_cell_ending_in_asserts():
    nb = nbformat.v4.new_notebook()
    nb.cells = [_code("x = 1\nassert x"), _code("assert True", tags=list(GUARD_TAGS)), _code("y = 1")]
    assert learner_cells_ending_in_asserts(nb) == [0]


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.name)
def test_no_learner_cell_ends_in_asserts(path):
    nb = read(path)
    ending = learner_cells_ending_in_asserts(nb)
    assert not ending, f"{path.name}: cells {ending} end in asserts; run python -m course_tools.guard_cells"
    assert move_asserts(nb) == 0, (
        f"{path.name}: asserts can still move; run python -m course_tools.guard_cells"
    )


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.name)
def test_guard_cells_hold_only_checks_and_are_hidden(path):
    for cell in read(path).cells:
        if not is_guard(cell):
            continue
        assert cell.metadata["tags"] == GUARD_TAGS and cell.metadata["jupyter"] == {"source_hidden": True}
        assert cell.source.startswith(GUARD_HEADER) and not cell.outputs
        assert all(isinstance(statement, ast.Assert) for statement in ast.parse(cell.source).body)


def test_most_of_the_lessons_asserts_sit_in_guard_cells():
    """The asserts left in learner cells are inside loops or read something a later line changes."""
    guarded = visible = 0
    for path in LESSONS:
        for cell in read(path).cells:
            if cell.cell_type != "code":
                continue
            try:
                count = sum(isinstance(node, ast.Assert) for node in ast.walk(ast.parse(cell.source)))
            except SyntaxError:
                continue
            if is_guard(cell):
                guarded += count
            else:
                visible += count
    assert guarded > 4 * visible, (guarded, visible)
