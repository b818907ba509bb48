"""Exercises are generated from solutions, stay in sync, and Run All cleanly when unfinished."""

import re
import textwrap
from pathlib import Path

import nbformat
import pytest

from course_tools import ROOT
from course_tools.exercises import (
    SolutionMarkupError,
    exercise_from_solution,
    out_of_date,
    strip_solutions,
)
from course_tools.notebooks import make_client, read

EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))
FEEDBACK = re.compile(r"^(Correct|Not yet|Unfinished|Check the type): ", re.MULTILINE)


def test_exercises_are_up_to_date_with_solutions():
    stale = out_of_date()
    assert not stale, "run ./course exercises; out of date: " + ", ".join(
        str(p.relative_to(ROOT)) for p in stale
    )


def test_every_solution_has_an_exercise():
    solutions = {p.name for p in (ROOT / "solutions").glob("*.ipynb")}
    assert solutions == {p.name for p in EXERCISES}


def test_assignments_become_placeholders_and_checker_calls_stay():
    source = textwrap.dedent(
        """\
        from course_utils.checks import pooling as check
        # BEGIN SOLUTION
        import numpy as np
        height, width = 14, 14
        stages: int = int(np.log2(256 // 8))
        for i in range(3):
            print(i)
        # END SOLUTION
        check.check_stages(stages)"""
    )
    assert strip_solutions(source).splitlines() == [
        "from course_utils.checks import pooling as check",
        "# Your code here",
        "import numpy as np",
        "height = ...  # your answer",
        "width = ...  # your answer",
        "stages = ...  # your answer",
        "check.check_stages(stages)",
    ]


def test_functions_keep_signature_and_docstring():
    source = textwrap.dedent(
        '''\
        # BEGIN SOLUTION
        def conv_size(width, kernel_size, strides=1):
            """Output width of a 'valid' convolution."""
            return (width - kernel_size) // strides + 1
        # END SOLUTION'''
    )
    namespace = {}
    exec(strip_solutions(source), namespace)
    function = namespace["conv_size"]
    assert function.__doc__ == "Output width of a 'valid' convolution."
    with pytest.raises(NotImplementedError):
        function(5, 3)


def test_indented_regions_keep_valid_python():
    source = textwrap.dedent(
        """\
        def pool(x):
            # BEGIN SOLUTION
            out = x.max()
            return out
            # END SOLUTION"""
    )
    stripped = strip_solutions(source)
    compile(stripped, "<cell>", "exec")
    assert "    out = ...  # your answer" in stripped and "return out" not in stripped


@pytest.mark.parametrize(
    "source, fragment",
    [
        ("# BEGIN SOLUTION\nx = 1", "has no"),
        ("x = 1\n# END SOLUTION", "without"),
        ("# BEGIN SOLUTION\nx = = 1\n# END SOLUTION", "not valid Python"),
    ],
)
def test_bad_markup_is_reported(source, fragment):
    with pytest.raises(SolutionMarkupError, match=fragment):
        strip_solutions(source)


def test_solution_only_and_markdown_answer_cells():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Exercises"),
        nbformat.v4.new_markdown_cell(
            "Shown only with the solutions.", metadata={"tags": ["solutions-only"]}
        ),
        nbformat.v4.new_markdown_cell("Because pooling has no weights.", metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("# BEGIN SOLUTION\nx = 2\n# END SOLUTION\nx", execution_count=1),
    ]
    nb.cells[3].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    exercise = exercise_from_solution(nb, "07_demo.ipynb")
    sources = [cell.source for cell in exercise.cells]
    assert "Shown only with the solutions." not in sources
    assert "Because pooling" not in "".join(sources) and "*Write your answer here.*" in sources
    assert "solutions/07_demo.ipynb" in sources[1]
    code = exercise.cells[-1]
    assert code.outputs == [] and code.execution_count is None


def _feedback_titles(nb) -> list[str]:
    titles = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "") or output.get("data", {}).get("text/plain", "")
            titles += FEEDBACK.findall(text)
    return titles


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.name)
@pytest.mark.slow
@pytest.mark.notebooks
def test_unfinished_exercise_notebook_runs_all_and_every_checker_says_unfinished(path: Path):
    nb = read(path)
    make_client(nb, path).execute()  # raises CellExecutionError if any cell raises
    exercise_titles = _feedback_titles(nb)
    solution_titles = _feedback_titles(read(ROOT / "solutions" / path.name))
    assert exercise_titles, "the exercise notebook shows no checker feedback"
    assert set(exercise_titles) == {"Unfinished"}, exercise_titles
    assert solution_titles.count("Correct") == len(solution_titles)
    assert len(exercise_titles) == len(solution_titles)
