"""Checkers of lesson 06: right, each misconception, unfinished and wrongly typed answers."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given
from hypothesis import strategies as st

from course_utils.checks import metrics as check

C = check.EXERCISE_COUNTS
TP, FP, FN, TN = C["tp"], C["fp"], C["fn"], C["tn"]
# independent values, computed here from the definitions
PRECISION = TP / (TP + FP)
RECALL = TP / (TP + FN)
SPECIFICITY = TN / (TN + FP)
F1 = 2 * PRECISION * RECALL / (PRECISION + RECALL)
ACCURACY = (TP + TN) / (TP + FP + FN + TN)

CHECKERS = [
    check.check_precision,
    check.check_recall,
    check.check_specificity,
    check.check_f1,
    check.check_confusion_matrix,
    check.check_binary_metrics_function,
    check.check_average,
    check.check_rare_disease_recall,
]


def status(feedback):
    return feedback.status


@pytest.mark.parametrize("checker", CHECKERS)
@pytest.mark.parametrize("placeholder", [Ellipsis, None])
def test_unfinished(checker, placeholder):
    assert status(checker(placeholder)) == "unfinished"


@pytest.mark.parametrize("checker", CHECKERS)
@given(
    st.one_of(
        st.text(max_size=4),
        st.integers(),
        st.floats(),
        st.lists(st.integers(), max_size=3),
        st.just(object()),
        st.booleans(),
    )
)
def test_never_raises(checker, answer):
    assert status(checker(answer)) in ("correct", "wrong", "unfinished", "invalid")


def test_right_answers():
    assert check.check_precision(PRECISION)
    assert check.check_precision(Fraction(TP, TP + FP))
    assert check.check_recall(RECALL)
    assert check.check_specificity(SPECIFICITY)
    assert check.check_f1(F1)
    assert check.check_f1(round(F1, 2))  # the exercise's F1 has exactly two decimals


def test_precision_misconceptions():
    for wrong, word in [
        (RECALL, "swapped"),
        (SPECIFICITY, "specificity"),
        (FP / (TP + FP), "false alarms"),
        (TP / (TP + FP + FN + TN), "every X-ray"),
        (PRECISION * 100, "percentage"),
    ]:
        feedback = check.check_precision(wrong)
        assert status(feedback) == "wrong" and word in feedback.message, (wrong, feedback)


def test_recall_misconceptions():
    for wrong, word in [(PRECISION, "swapped"), (SPECIFICITY, "specificity"), (FN / (TP + FN), "miss rate")]:
        feedback = check.check_recall(wrong)
        assert status(feedback) == "wrong" and word in feedback.message


def test_specificity_misconceptions():
    for wrong, word in [
        (PRECISION, "not another name for precision"),
        (RECALL, "recall"),
        (FP / (TN + FP), "false-positive rate"),
        (TN / (TN + FN), "predicted negative"),
    ]:
        feedback = check.check_specificity(wrong)
        assert status(feedback) == "wrong" and word in feedback.message


def test_f1_misconceptions():
    feedback = check.check_f1((PRECISION + RECALL) / 2)
    assert "arithmetic mean" in feedback.message
    # rounding too early, the seed's way: cut 2PR and P+R to two decimals
    cut = int(2 * PRECISION * RECALL * 100) / 100 / (int((PRECISION + RECALL) * 100) / 100)
    for early in (
        int(cut * 100) / 100,
        2 * round(PRECISION, 2) * round(RECALL, 2) / (round(PRECISION, 2) + round(RECALL, 2)),
    ):
        feedback = check.check_f1(early)
        assert status(feedback) == "wrong" and "too early" in feedback.message, early
    assert "accuracy" in check.check_f1(ACCURACY).message
    assert "percentage" in check.check_f1(F1 * 100).message


def test_typed_answers():
    assert status(check.check_precision("0.3")) == "invalid"
    assert status(check.check_f1([F1])) == "invalid"
    assert status(check.check_confusion_matrix("matrix")) == "invalid"
    assert status(check.check_average(1)) == "invalid"
    assert status(check.check_binary_metrics_function(3)) == "invalid"


def test_confusion_matrix_checker():
    right = skm.confusion_matrix(check.EXERCISE_Y_TRUE, check.EXERCISE_Y_PRED)
    assert check.check_confusion_matrix(right)
    assert check.check_confusion_matrix(right.tolist())
    assert not np.array_equal(right, right.T)
    feedback = check.check_confusion_matrix(right.T)
    assert status(feedback) == "wrong" and "transposed" in feedback.message
    normalized = right / right.sum(axis=1, keepdims=True)
    assert "normalized" in check.check_confusion_matrix(normalized).message
    assert status(check.check_confusion_matrix(right[:2])) == "wrong"


def good_metrics(tp, fp, fn, tn):
    p, r = tp / (tp + fp), tp / (tp + fn)
    return ((tp + tn) / (tp + fp + fn + tn), p, r, tn / (tn + fp), 2 * p * r / (p + r))


def test_binary_metrics_function():
    assert check.check_binary_metrics_function(good_metrics)

    def swapped(tp, fp, fn, tn):
        a, p, r, s, f = good_metrics(tp, fp, fn, tn)
        return a, r, p, s, f

    def specificity_for_precision(tp, fp, fn, tn):
        a, p, r, s, f = good_metrics(tp, fp, fn, tn)
        return a, s, r, s, f

    def arithmetic(tp, fp, fn, tn):
        a, p, r, s, f = good_metrics(tp, fp, fn, tn)
        return a, p, r, s, (p + r) / 2

    for function, word in [
        (swapped, "swapped"),
        (specificity_for_precision, "specificity"),
        (arithmetic, "arithmetic mean"),
    ]:
        feedback = check.check_binary_metrics_function(function)
        assert status(feedback) == "wrong" and word in feedback.message

    def unfinished(tp, fp, fn, tn):
        raise NotImplementedError

    assert status(check.check_binary_metrics_function(unfinished)) == "unfinished"
    assert status(check.check_binary_metrics_function(lambda *a: 1 / 0)) == "wrong"


def exact_metrics(tp, fp, fn, tn):
    """The five metrics as exact Fractions, as exercises 1-4 of the lesson compute them."""
    p, r = Fraction(tp, tp + fp), Fraction(tp, tp + fn)
    return (Fraction(tp + tn, tp + fp + fn + tn), p, r, Fraction(tn, tn + fp), 2 * p * r / (p + r))


@pytest.mark.parametrize(
    "form",
    [
        tuple,  # a tuple of Fractions
        list,
        lambda values: np.array(values, dtype=object),
        lambda values: tuple(Decimal(v.numerator) / Decimal(v.denominator) for v in values),
        lambda values: tuple(np.float32(float(v)) for v in values),
        lambda values: (float(values[0]), *values[1:]),  # a float among Fractions
    ],
)
def test_binary_metrics_function_accepts_every_numeric_form_exercises_1_to_4_accept(form):
    feedback = check.check_binary_metrics_function(lambda *counts: form(exact_metrics(*counts)))
    assert feedback.status == "correct", feedback.message
    for value in exact_metrics(TP, FP, FN, TN)[1:4]:  # exercises 1-3 take these Fractions
        assert isinstance(value, Fraction)
    assert check.check_precision(exact_metrics(TP, FP, FN, TN)[1])


def test_binary_metrics_function_still_refuses_wrong_fractions():
    def swapped(tp, fp, fn, tn):
        a, p, r, s, f = exact_metrics(tp, fp, fn, tn)
        return a, r, p, s, f

    feedback = check.check_binary_metrics_function(swapped)
    assert status(feedback) == "wrong" and "swapped" in feedback.message


def test_average_and_rare_disease():
    assert check.check_average("micro")
    assert "plain mean" in check.check_average("macro").message
    assert check.check_rare_disease_recall(0)
    feedback = check.check_rare_disease_recall(1 - 1e-6)
    assert status(feedback) == "wrong" and "accuracy" in feedback.message
