"""The course map is written once (course_utils.lessons) and the README says the same."""

import re

import pytest

from course_utils.lessons import LESSONS
from course_utils.tooling.notebooks import ROOT

README = (ROOT / "README.md").read_text()


def _row(number: str) -> dict:
    match = re.search(rf"^\| {number} \| (?P<title>[^|]+) \| (?P<objective>[^|]+) \|", README, re.M)
    assert match, f"the README's lesson table has no row for lesson {number}"
    return {key: value.strip() for key, value in match.groupdict().items()}


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
