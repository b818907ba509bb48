"""The exercises make the learner compute: no answer is printed in its lesson.

Every number a lesson shows (in its text and in its saved outputs) is collected, and each
exercise answer is compared with them. Answers of 10 or less are left out: such small
counts (layers, stages, kernel sizes) appear in every lesson for other reasons. Tuple
answers are compared as they would be printed, "(3, 4)".
"""

from __future__ import annotations

import re
from fractions import Fraction

import nbformat
import numpy as np
import pytest
from exercise_answers import ANSWERS

from course_tools import ROOT
from course_utils.checks import (
    capstone,
    convolution_arithmetic,
    metrics,
    overfitting,
    padding_and_stride,
    parameter_counting,
    pooling,
    regularization,
    training,
)

LESSONS = {
    "01_convolution_arithmetic": convolution_arithmetic,
    "02_padding_and_stride": padding_and_stride,
    "03_pooling": pooling,
    "04_parameter_counting": parameter_counting,
    "05_training_a_cnn": training,
    "06_metrics": metrics,
    "07_overfitting_diagnosis": overfitting,
    "08_regularization_and_tuning": regularization,
    "09_capstone_designing_a_cnn": capstone,
}
NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])\d+(?:\.\d+)?")


def lesson_text(stem: str) -> str:
    notebook = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    parts = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def printed_numbers(text: str) -> set[Fraction]:
    return {Fraction(match.replace(",", "")) for match in NUMBER.findall(text)}


def exercise_answers(module):
    """``(checker name, answer)`` for every number or array exercise of a lesson module, each answer
    worked out in ``tests/exercise_answers.py`` (which ``tests/test_checker_feedback.py`` holds every
    checker to)."""
    return [
        (checker.__name__, answer)
        for checker, answer in ANSWERS.items()
        if checker.__module__ == module.__name__ and not isinstance(answer, str)
    ]


def test_the_number_pattern_reads_thousands_and_decimals():
    assert printed_numbers("220,234 parameters, 0.556 and 3.5; conv2d_params x1") == {
        Fraction(220234),
        Fraction(556, 1000),
        Fraction(7, 2),
    }


@pytest.mark.parametrize("stem", LESSONS)
def test_no_exercise_answer_is_printed_in_its_lesson(stem):
    text = lesson_text(stem)
    numbers = printed_numbers(text)
    answers = exercise_answers(LESSONS[stem])
    assert answers
    copied = []
    for name, answer in answers:
        array = np.asarray(answer)
        if array.ndim == 0:
            if abs(Fraction(float(array))) > 10 and Fraction(float(array)) in numbers:
                copied.append((name, answer))
        elif array.ndim == 1:
            shown = "(" + ", ".join(str(v) for v in array.tolist()) + ")"
            if shown in text:
                copied.append((name, shown))
    assert not copied, f"answers printed in notebooks/{stem}.ipynb: {copied}"
