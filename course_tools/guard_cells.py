"""Move the asserts that keep a lesson's prose in step with its code out of the learner's way.

A lesson states numbers in its text and checks them with ``assert`` lines, so that the text can
never drift from what the code computes. Those lines matter to the course, not to the learner
reading the cell. This command moves them out of each learner cell into the code cell that
follows it, a *guard cell*: tagged ``keep-in-step`` and ``remove-cell`` (the website leaves it
out) and collapsed in JupyterLab (``jupyter.source_hidden``). The guard cell still runs with
Restart & Run All and under the notebook tests, so a drifting number still fails.

Usage::

    python -m course_tools.guard_cells notebooks/*.ipynb     # move, then re-execute the notebooks
    python -m course_tools.guard_cells --check notebooks/*.ipynb

An assert moves when nothing after it in its cell can change what it reads: no later statement
of the cell assigns, deletes or calls a method of a name the assert reads, or passes that name to
a function other than ``print`` or ``display``. Asserts inside loops or conditions stay where they
are. Running the command again changes nothing.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

import nbformat

from course_tools.notebooks import read, write

GUARD_TAG = "keep-in-step"
"""The tag of a guard cell (with ``remove-cell``, which the website honours)."""
GUARD_TAGS = [GUARD_TAG, "remove-cell"]
GUARD_HEADER = "# Checks that keep this lesson's text in step with what the code above computes.\n"
HARMLESS_CALLS = frozenset({"print", "display"})
"""Functions that read the names passed to them and change nothing."""


def is_guard(cell) -> bool:
    """Whether ``cell`` is a guard cell."""
    return cell.cell_type == "code" and GUARD_TAG in cell.metadata.get("tags", [])


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _touched(statement: ast.AST) -> set[str]:
    """The names a statement may change: assigned, deleted, a method's owner, or a call's argument.

    What a ``print`` or ``display`` call shows is only read, calls inside it included.
    """
    touched = set()
    if isinstance(statement, ast.Call) and isinstance(statement.func, ast.Name):
        if statement.func.id in HARMLESS_CALLS:
            return touched
    for node in ast.iter_child_nodes(statement):
        touched |= _touched(node)
    if isinstance(statement, ast.Name) and isinstance(statement.ctx, (ast.Store, ast.Del)):
        touched.add(statement.id)
    elif isinstance(statement, (ast.Attribute, ast.Subscript)) and isinstance(
        statement.ctx, (ast.Store, ast.Del)
    ):
        touched |= _names(statement.value)
    elif isinstance(statement, ast.Call):
        if isinstance(statement.func, ast.Attribute):
            touched |= _names(statement.func.value)
        for argument in [*statement.args, *(k.value for k in statement.keywords)]:
            touched |= _names(argument)
    return touched


def _movable(body: list[ast.stmt]) -> list[ast.Assert]:
    """The top-level asserts of ``body`` that can move to the end of the cell unchanged.

    Nothing after the assert may change what it reads. An assert itself only reads (the course's
    asserts call no function that changes its arguments), and the asserts keep their order.
    """
    movable = []
    for index, statement in enumerate(body):
        if not isinstance(statement, ast.Assert):
            continue
        later = [s for s in body[index + 1 :] if not isinstance(s, ast.Assert)]
        if not _names(statement) & set().union(*(_touched(s) for s in later)):
            movable.append(statement)
    return movable


def split_source(source: str) -> tuple[str, str]:
    """``source`` without its movable asserts, and those asserts (with the comments just above them).

    >>> split_source("x = 2\\n# the text says 2\\nassert x == 2\\nprint(x)\\n")
    ('x = 2\\nprint(x)\\n', '# the text says 2\\nassert x == 2\\n')
    >>> split_source("x = 2\\nassert x == 2\\nx += 1\\n")
    ('x = 2\\nassert x == 2\\nx += 1\\n', '')
    >>> split_source("%timeit f()\\n")
    ('%timeit f()\\n', '')
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: such a cell is left as it is
        return source, ""
    lines = source.splitlines(keepends=True)
    taken: set[int] = set()
    moved = []
    for statement in _movable(tree.body):
        first = statement.lineno - 1
        while first > 0 and lines[first - 1].lstrip().startswith("#") and first - 1 not in taken:
            first -= 1
        span = range(first, statement.end_lineno)
        taken.update(span)
        moved.append("".join(lines[i] for i in span))
    if not moved:
        return source, ""
    kept = [line for i, line in enumerate(lines) if i not in taken]
    text = "".join(kept)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    text = text.strip("\n")
    guard = "".join(chunk if chunk.endswith("\n") else chunk + "\n" for chunk in moved)
    return (text + "\n" if text else ""), guard


def _guard_cell(asserts: str):
    cell = nbformat.v4.new_code_cell(GUARD_HEADER + asserts.rstrip("\n"))
    cell.metadata["tags"] = list(GUARD_TAGS)
    cell.metadata["jupyter"] = {"source_hidden": True}
    return cell


def _add_guard(cells: list, asserts: str) -> None:
    """Append ``asserts`` to ``cells`` as a guard cell, or to the guard cell that ends them."""
    if cells and is_guard(cells[-1]):
        cells[-1].source = cells[-1].source.rstrip("\n") + "\n" + asserts.rstrip("\n")
    else:
        cells.append(_guard_cell(asserts))


def move_asserts(nb) -> int:
    """Move ``nb``'s movable asserts into guard cells, in place. Return how many cells changed."""
    changed = 0
    cells = []
    for cell in nb.cells:
        if is_guard(cell):
            if cells and is_guard(cells[-1]):  # two guard cells in a row become one
                _add_guard(cells, cell.source.removeprefix(GUARD_HEADER))
                changed += 1
            else:
                cells.append(cell)
            continue
        asserts = ""
        if cell.cell_type == "code":
            kept, asserts = split_source(cell.source)
        if not asserts:
            cells.append(cell)
            continue
        changed += 1
        if kept.strip():
            cell.source = kept.rstrip("\n")
            cells.append(cell)
        _add_guard(cells, asserts)
    nb.cells = cells
    return changed


def learner_cells_ending_in_asserts(nb) -> list[int]:
    """Indices of code cells a learner reads (not guard cells) whose last statement is an assert."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or is_guard(cell):
            continue
        try:
            body = ast.parse(cell.source).body
        except SyntaxError:
            continue
        if body and isinstance(body[-1], ast.Assert):
            found.append(index)
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="change nothing; fail if an assert would move")
    args = parser.parse_args(argv)
    would_move = 0
    for path in args.notebooks:
        nb = read(path)
        changed = move_asserts(nb)
        if changed and not args.check:
            write(nb, path)
            print(f"{path}: {changed} cells lost their asserts to guard cells (re-execute it)")
        would_move += changed
    if args.check and would_move:
        print(f"{would_move} cells still hold asserts that can move: run python -m course_tools.guard_cells")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
