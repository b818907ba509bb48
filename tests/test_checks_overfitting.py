"""The lesson 07 checkers: right answers pass in every form, each mistake is named, junk is refused.

Expected values come from the course's helpers; the clinic's and exercise 6's runs from the
stored histories that ``./course histories`` made.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from course_utils.checks import framework
from course_utils.checks import overfitting as check
from course_utils.diagnosis import diagnose, load_histories, relative_gap
from course_utils.history import best_epoch


@pytest.fixture(autouse=True)
def strict(monkeypatch):
    monkeypatch.setattr(framework, "STRICT", True)


def assert_feedback(feedback, status, *fragments):
    assert feedback.status == status, str(feedback)
    for fragment in fragments:
        assert fragment.lower() in feedback.message.lower(), str(feedback)


# ---------------------------------------------------------------- exercise 1


def test_relative_gap_function_right_and_wrong():
    def mine(train_loss, val_loss):
        return 1 - train_loss / val_loss

    assert_feedback(check.check_relative_gap(mine), "correct")
    assert_feedback(check.check_relative_gap(lambda t, v: v - t), "wrong", "depends on the scale")
    assert_feedback(
        check.check_relative_gap(lambda t, v: (v - t) / t), "wrong", "divided by the training loss"
    )
    assert_feedback(
        check.check_relative_gap(lambda t, v: abs(v - t) / v), "wrong", "(val_loss - train_loss) / val_loss"
    )

    def unfinished(train_loss, val_loss):
        raise NotImplementedError

    assert_feedback(check.check_relative_gap(unfinished), "unfinished")


# ---------------------------------------------------------------- exercises 2 and 3


def test_the_exercise_history_is_not_a_lesson_run_and_overfits():
    history = check.EXERCISE_HISTORY
    assert diagnose(history).verdict == "overfitting"
    lesson = load_histories()["runs"]
    assert all(
        run["history"]["val_loss"][:3] != history["val_loss"][:3] for runs in lesson.values() for run in runs
    )


@pytest.mark.parametrize("form", [5, 5.0, np.int64(5), np.float32(5), Fraction(5)])
def test_best_epoch_in_every_form(form):
    assert best_epoch(check.EXERCISE_HISTORY) == 5
    assert_feedback(check.check_best_epoch(form), "correct")


@pytest.mark.parametrize(
    "answer, fragment",
    [
        (4, "starts at 0"),
        (7, "highest validation accuracy"),
        (10, "training loss is lowest"),
        (1, "closest"),
        (6, "Find the lowest value"),
        ("5", "remove the quotes"),
    ],
)
def test_best_epoch_mistakes_are_named(answer, fragment):
    assert_feedback(
        check.check_best_epoch(answer), "invalid" if isinstance(answer, str) else "wrong", fragment
    )


def _gap(epoch):
    h = check.EXERCISE_HISTORY
    return relative_gap(h["loss"][epoch - 1], h["val_loss"][epoch - 1])


@pytest.mark.parametrize("form", [_gap(5), np.float64(_gap(5)), np.float32(_gap(5)), round(_gap(5), 4)])
def test_gap_at_best_in_every_form_and_to_four_decimals(form):
    assert_feedback(check.check_gap_at_best(form), "correct")


@pytest.mark.parametrize("form", [_gap(10), np.float32(_gap(10)), round(_gap(10), 4), Fraction(44, 53)])
def test_gap_at_last_in_every_form(form):
    assert_feedback(check.check_gap_at_last(form), "correct")


@pytest.mark.parametrize(
    "answer, fragment",
    [
        (0.385 - 0.29, "difference val - train"),
        ((0.385 - 0.29) / 0.29, "divided by the training loss"),
        (_gap(6), "next epoch"),
        (_gap(10), "at the last epoch"),
        (_gap(7), "highest validation accuracy"),
        (round(_gap(5), 2), "rounded to 2 decimals"),
        (0.5, "lowest val_loss"),
    ],
)
def test_gap_at_best_mistakes_are_named(answer, fragment):
    assert_feedback(check.check_gap_at_best(answer), "wrong", fragment)


@pytest.mark.parametrize(
    "answer, fragment",
    [
        (0.53 - 0.09, "difference val - train"),
        ((0.53 - 0.09) / 0.09, "divided by the training loss"),
        (-_gap(10), "sign is flipped"),
        (_gap(5), "at the best epoch"),
        (_gap(9), "one epoch before the last"),
        ((0.53, 0.09), "single number"),
    ],
)
def test_gap_at_last_mistakes_are_named(answer, fragment):
    expected = "invalid" if isinstance(answer, tuple) else "wrong"
    assert_feedback(check.check_gap_at_last(answer), expected, fragment)


# ---------------------------------------------------------------- exercise 4


def test_error_bar_right_with_z_196_or_2():
    p, n = check.ERROR_BAR_ACCURACY, check.ERROR_BAR_IMAGES
    assert_feedback(check.check_error_bar(1.96 * math.sqrt(p * (1 - p) / n)), "correct")
    assert_feedback(check.check_error_bar(2 * math.sqrt(p * (1 - p) / n)), "correct")


@pytest.mark.parametrize(
    "answer, fragment",
    [
        (math.sqrt(0.92 * 0.08 / 250), "one standard error"),
        (1.96 * 0.92 * 0.08 / 250, "square root"),
        (196 * math.sqrt(0.92 * 0.08 / 250), "percentage points"),
        (2 * 1.96 * math.sqrt(0.92 * 0.08 / 250), "whole width"),
        (1.96 / math.sqrt(250), "p (1 - p)"),
        (0.05, "sqrt(p (1 - p) / n)"),
    ],
)
def test_error_bar_mistakes_are_named(answer, fragment):
    assert_feedback(check.check_error_bar(answer), "wrong", fragment)


# ---------------------------------------------------------------- exercise 5: the clinic


def test_the_clinic_has_8_to_12_runs_covering_every_verdict():
    runs = load_histories()["runs"]["clinic"]
    assert 8 <= len(runs) <= 12
    assert {run["label"] for run in runs} == {
        "good fit",
        "overfitting",
        "underfitting",
        "not converged",
        "unstable",
    }
    assert list(check.clinic()) == [run["name"] for run in runs]


RIGHT = {run["name"]: run["label"] for run in load_histories()["runs"]["clinic"]}


def test_clinic_right_labels_pass_whatever_the_case_and_spaces():
    assert_feedback(check.check_clinic_labels(RIGHT), "correct")
    shouted = {name.lower(): f"  {label.upper()} " for name, label in RIGHT.items()}
    assert_feedback(check.check_clinic_labels(shouted), "correct")


def _first(label):
    return next(name for name, right in RIGHT.items() if right == label)


@pytest.mark.parametrize(
    "right, given, fragment",
    [
        (
            "not converged",
            "underfitting",
            "both curves are still falling: not converged yet, not underfitting",
        ),
        ("underfitting", "not converged", "more epochs will not help"),
        ("overfitting", "good fit", "that gap is overfitting"),
        ("good fit", "overfitting", "not overfitting by itself"),
        ("unstable", "overfitting", "jumps up and down"),
        ("overfitting", "unstable", "rises steadily"),
        ("good fit", "not converged", "look again"),
    ],
)
def test_each_clinic_confusion_is_named(right, given, fragment):
    name = _first(right)
    feedback = check.check_clinic_labels({**RIGHT, name: given})
    assert_feedback(
        feedback,
        "wrong",
        f"{len(RIGHT) - 1} of {len(RIGHT)} runs are right",
        f"{name}: you said {given}",
        fragment,
    )


@pytest.mark.parametrize(
    "answer, status, fragment",
    [
        (..., "unfinished", "replace the `...`"),
        ({name: ... for name in RIGHT}, "unfinished", "every `...`"),
        (list(RIGHT.values()), "invalid", "should be a dict"),
        ({"A": "overfitting"}, "invalid", "missing"),
        ({**RIGHT, "Z": "good fit"}, "invalid", "not runs of the clinic"),
        ({**RIGHT, "A": "overfit"}, "invalid", "must be one of"),
        ({**RIGHT, "A": 3}, "invalid", "must be one of"),
    ],
)
def test_clinic_answers_of_the_wrong_form(answer, status, fragment):
    assert_feedback(check.check_clinic_labels(answer), status, fragment)


# ---------------------------------------------------------------- exercise 6: the cure


def _clinic_run(name):
    return check.clinic()[name]


def test_the_run_to_cure_overfits():
    reference = check.cure_reference()
    assert diagnose(reference).verdict == "overfitting"
    assert_feedback(check.check_cure(reference), "wrong", "still overfits")


def test_a_good_fit_that_generalizes_better_is_a_cure():
    good = _clinic_run(_first("good fit"))
    assert max(good["val_accuracy"]) >= max(check.cure_reference()["val_accuracy"]) + check.CURE_GAIN
    assert_feedback(check.check_cure(good), "correct", "good fit")

    class History:
        history = good

    assert_feedback(check.check_cure(History()), "correct")


@pytest.mark.parametrize(
    "label, fragment",
    [("underfitting", "now underfits"), ("not converged", "more epochs"), ("unstable", "unstable")],
)
def test_a_cure_that_breaks_something_else_is_told_what(label, fragment):
    assert_feedback(check.check_cure(_clinic_run(_first(label))), "wrong", fragment)


def test_a_healthy_run_that_generalizes_no_better_is_not_a_cure(monkeypatch):
    good = _clinic_run(_first("good fit"))
    needed = max(good["val_accuracy"]) - max(check.cure_reference()["val_accuracy"]) + 0.01
    monkeypatch.setattr(check, "CURE_GAIN", needed)
    assert_feedback(check.check_cure(good), "wrong", "generalize better")


@pytest.mark.parametrize(
    "history, fragment",
    [
        ([0.5, 0.4, 0.3], "should be what model.fit(...) returned"),
        ({"loss": [1.0, 0.5, 0.4]}, "validation"),
        ({"loss": [1.0, 0.5], "val_loss": [1.0, 0.6]}, "at least 3"),
        ({"loss": [1.0, 0.5, 0.4], "val_loss": [1.0, 0.6, 0.5]}, "val_accuracy"),
    ],
)
def test_cure_answers_of_the_wrong_form(history, fragment):
    assert_feedback(check.check_cure(history), "invalid", fragment)
