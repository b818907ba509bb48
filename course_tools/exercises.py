"""Generate ``exercises/`` from ``solutions/``.

``solutions/`` is the source of truth. In a solution's code cell, the lines
between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` are what the learner writes.
The generator replaces each such region with placeholders:

* an assignment ``name = value`` becomes ``name = ...`` (a tuple target becomes
  one line per name), so the checker that follows answers "unfinished";
* a ``def`` keeps its signature and docstring, and its body becomes
  ``raise NotImplementedError``, which the function checker reports as unfinished;
* an ``import`` is kept; any other statement is dropped for a ``# Your code here`` line.

Markdown cells tagged ``solution`` become an answer prompt, and cells tagged
``solutions-only`` are dropped. Outputs are cleared. Usage::

    python -m course_tools.exercises            # rewrite exercises/
    python -m course_tools.exercises --check    # exit 1 if exercises/ is out of date
    python -m course_tools.exercises --reset 03 # one exercise back to its start (./course reset)
"""

from __future__ import annotations

import argparse
import ast
import copy
import datetime
import shutil
import sys
import textwrap
from pathlib import Path

import nbformat

from course_tools import ROOT
from course_tools.colab import with_badge
from course_tools.notebooks import read

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
ANSWER_PROMPT = "*Write your answer here.*"
UNFINISHED = 'raise NotImplementedError("Write this part, then run the cell again.")'
HEADER = (
    "> **Exercises.** This notebook is generated from `solutions/{name}` by `./course exercises`.\n"
    "> Replace each `...` with your answer and run the cell: the checker below it gives feedback.\n"
    "> Running every cell of the unfinished notebook is safe: the checkers say what is left to do."
)


class SolutionMarkupError(ValueError):
    """A solution cell whose markers or region cannot be turned into placeholders."""


def _placeholder_lines(region: str) -> list[str]:
    """The placeholder statements that replace one solution region (unindented)."""
    try:
        tree = ast.parse(textwrap.dedent(region))
    except SyntaxError as error:
        raise SolutionMarkupError(f"solution region is not valid Python: {error}") from None
    lines: list[str] = []
    dropped = False
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
                for item in names:
                    lines.append(f"{ast.unparse(item)} = ...  # your answer")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stub = copy.deepcopy(node)
            docstring = ast.get_docstring(node, clean=False)
            body: list[ast.stmt] = [ast.Expr(ast.Constant(docstring))] if docstring else []
            body.append(ast.parse(UNFINISHED).body[0])
            stub.body = body
            lines.extend(ast.unparse(stub).splitlines())
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            lines.append(ast.unparse(node))
        else:
            dropped = True
    if dropped or not lines:
        lines.insert(0, "# Your code here")
    return lines


def strip_solutions(source: str) -> str:
    """Replace every solution region of a code cell's source with placeholders.

    Examples
    --------
    >>> print(strip_solutions("# BEGIN SOLUTION\\nwidth = (32 - 5) // 1 + 1\\n# END SOLUTION\\ncheck(width)"))
    width = ...  # your answer
    check(width)
    """
    out: list[str] = []
    lines = source.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() != BEGIN:
            if line.strip() == END:
                raise SolutionMarkupError(f"{END!r} without {BEGIN!r} at line {i + 1}.")
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        try:
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == END)
        except StopIteration:
            raise SolutionMarkupError(f"{BEGIN!r} at line {i + 1} has no {END!r}.") from None
        region = "\n".join(lines[i + 1 : end])
        placeholders = _placeholder_lines(region)
        if indent and all(p.startswith("#") for p in placeholders):
            placeholders.append(UNFINISHED)
        out.extend(indent + p if p else p for p in placeholders)
        i = end + 1
    return "\n".join(out)


def exercise_from_solution(solution: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Build the exercise notebook (without outputs) from a solution notebook."""
    nb = copy.deepcopy(solution)
    cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "solutions-only" in tags:
            continue
        if cell.cell_type == "markdown" and "solution" in tags:
            cell.source = ANSWER_PROMPT
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source)
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        cells.append(cell)
    # The Colab badge opens the exercise, not its solution (course_tools.colab writes the solution's).
    if cells and cells[0].cell_type == "markdown":
        cells[0].source = with_badge(cells[0].source, f"exercises/{name}")
    header = nbformat.v4.new_markdown_cell(HEADER.format(name=name))
    header.id = "exercise-header"
    nb.cells = cells[:1] + [header] + cells[1:]
    nb.metadata.pop("widgets", None)
    return nb


def expected_exercises() -> dict[Path, str]:
    """Map each exercise path to the text ``./course exercises`` would write there."""
    result = {}
    for solution_path in sorted((ROOT / "solutions").glob("*.ipynb")):
        nb = exercise_from_solution(read(solution_path), solution_path.name)
        result[ROOT / "exercises" / solution_path.name] = nbformat.writes(nb) + "\n"
    return result


def out_of_date() -> list[Path]:
    """Exercise files that are missing, stale, or have no solution any more."""
    expected = expected_exercises()
    stale = [
        path
        for path, text in expected.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    orphans = [p for p in sorted((ROOT / "exercises").glob("*.ipynb")) if p not in expected]
    return stale + orphans


def _reset_usage(given: str, root: Path) -> str:
    lessons = sorted(path.name[:2] for path in (root / "solutions").glob("*.ipynb"))
    return (
        f"./course reset needs one lesson number, such as ./course reset 03; got {given or 'nothing'}.\n"
        f"Lessons with exercises: {', '.join(lessons)}."
    )


def reset_exercise(lesson: str, root: Path = ROOT) -> list[str]:
    """Write one exercise notebook afresh from its solution, keeping the learner's version.

    The learner's notebook, if it differs from a fresh one, is first copied to
    ``exercises/backups/`` under a time-stamped name that never overwrites an earlier copy.

    Parameters
    ----------
    lesson : str
        The lesson: its number (``"3"``, ``"03"``) or its notebook's name (``"03_pooling"``).
    root : Path
        The repository (a copy of it in the tests).

    Returns
    -------
    list of str
        What was done, one sentence each, for the learner.

    Raises
    ------
    ValueError
        If ``lesson`` names no lesson with exercises (the message lists them).
    """
    lessons = {path.name[:2]: path for path in sorted((root / "solutions").glob("*.ipynb"))}
    digits = "".join(c for c in Path(str(lesson)).name[:2] if c.isdigit())
    number = digits.zfill(2) if digits else ""
    if number not in lessons:
        raise ValueError(_reset_usage(lesson, root))
    solution = lessons[number]
    exercise = root / "exercises" / solution.name
    fresh = exercise_from_solution(read(solution), solution.name)
    nbformat.validate(fresh)
    text = nbformat.writes(fresh) + "\n"
    said = []
    if exercise.exists() and exercise.read_text(encoding="utf-8") != text:
        backups = root / "exercises" / "backups"
        backups.mkdir(exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H%M%S")
        backup, n = backups / f"{exercise.stem}.{stamp}.ipynb", 1
        while backup.exists():
            backup, n = backups / f"{exercise.stem}.{stamp}-{n}.ipynb", n + 1
        shutil.copy2(exercise, backup)
        said.append(f"Your version of {exercise.name} is kept as {backup.relative_to(root)}.")
    elif exercise.exists():
        said.append(f"{exercise.name} held no work of yours: nothing to keep.")
    exercise.parent.mkdir(exist_ok=True)
    exercise.write_text(text, encoding="utf-8")
    said.append(f"exercises/{exercise.name} is fresh again, from solutions/{solution.name}.")
    said.append(
        "If it is open in JupyterLab, use File > Reload Notebook from Disk now, "
        "so that the old version is not saved over it."
    )
    return said


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Generate exercises/ from solutions/.")
    parser.add_argument("--check", action="store_true", help="only report stale exercises")
    parser.add_argument(
        "--reset", nargs="*", metavar="NN", help="write one exercise afresh (./course reset NN)"
    )
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.reset is not None:
        try:
            if len(args.reset) != 1:
                raise ValueError(_reset_usage(" ".join(args.reset), args.root))
            print("\n".join(reset_exercise(args.reset[0], args.root)))
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
        return 0
    if args.check:
        stale = out_of_date()
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)}")
        return 1 if stale else 0
    (ROOT / "exercises").mkdir(exist_ok=True)
    for path, text in expected_exercises().items():
        nbformat.validate(nbformat.reads(text, as_version=4))
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    for path in sorted((ROOT / "exercises").glob("*.ipynb")):
        if path not in expected_exercises():
            path.unlink()
            print(f"removed {path.relative_to(ROOT)} (its solution is gone)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
