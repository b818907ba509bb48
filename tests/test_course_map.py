"""The course map is written once (course_utils.engines.lessons) and the README says the same."""

import re

import pytest

from course_tools import ROOT
from course_utils.engines.lessons import FOLDERS, LESSONS

README = (ROOT / "README.md").read_text()


def _row(number: str) -> dict:
    match = re.search(rf"^\| {number} \| (?P<title>[^|]+) \| (?P<objective>[^|]+) \|", README, re.M)
    assert match, f"the README's lesson table has no row for lesson {number}"
    return {key: value.strip() for key, value in match.groupdict().items()}


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.number)
@pytest.mark.parametrize("folder", FOLDERS)
def test_the_map_says_which_notebooks_the_repository_holds(lesson, folder):
    """The map reads no folder (it is the same wherever the package is installed): it must agree with them."""
    assert lesson.available(folder) == (ROOT / folder / lesson.filename).exists(), (
        f"{folder}/{lesson.filename}: set exercises= or planned= of lesson {lesson.number} in course_utils/engines/lessons.py"
    )


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_notebook_of_the_repository_is_on_the_map(folder):
    on_the_map = {lesson.filename for lesson in LESSONS}
    assert {path.name for path in (ROOT / folder).glob("*.ipynb")} <= on_the_map


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.number)
def test_readme_row_says_what_the_course_map_says(lesson):
    row = _row(lesson.number)
    assert row["objective"] == lesson.objective
    if lesson.available():
        assert row["title"] == f"[{lesson.title}](notebooks/{lesson.filename})"
    else:
        assert row["title"] == f"{lesson.title} (planned)", (
            "a lesson that does not exist yet is marked planned"
        )


def test_the_readme_intro_does_not_promise_planned_lessons_as_present():
    intro = README.split("\n\n- ")[0]
    planned = [lesson for lesson in LESSONS if not lesson.available()]
    if planned:
        assert "planned" in intro, "the introduction must say which lessons are still planned"


# "lesson 08", "lessons 07-09", "the capstone" (lesson 09)
REFERENCE = re.compile(r"\b[Ll]essons? (\d\d)(?:\s*(?:-|to|and|,)\s*(\d\d))?|\b(?:the )?capstone\b")
PLANNED = re.compile(r"\bplanned\b")


def _references(text: str):
    for line in text.splitlines():
        for match in REFERENCE.finditer(line):
            numbers = {n for n in match.groups() if n} or {"09"}
            if match.group(1) and match.group(2):
                numbers = {f"{n:02d}" for n in range(int(match.group(1)), int(match.group(2)) + 1)}
            yield line, numbers


def test_references_to_lessons_that_do_not_exist_yet_say_planned():
    from course_tools.notebooks import course_notebooks, read

    existing = {lesson.number for lesson in LESSONS if lesson.available()}
    problems = []
    for path in course_notebooks():
        for cell in read(path).cells:
            if cell.cell_type != "markdown":
                continue
            for line, numbers in _references(cell.source):
                missing = numbers - existing
                if missing and not PLANNED.search(line):
                    problems.append(
                        f"{path.name}: lesson {sorted(missing)} does not exist yet: {line.strip()[:100]}"
                    )
                if not missing and PLANNED.search(line) and numbers <= existing and "lesson" in line.lower():
                    problems.append(
                        f"{path.name}: lesson {sorted(numbers)} exists now, drop 'planned': {line[:100]}"
                    )
    assert not problems, "\n".join(problems)


def test_the_reference_check_reads_ranges_and_the_capstone():
    assert [n for _, n in _references("lessons 07-09 train models")] == [{"07", "08", "09"}]
    assert [n for _, n in _references("the capstone answers it")] == [{"09"}]
    assert [n for _, n in _references("see lesson 05")] == [{"05"}]
