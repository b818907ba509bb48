"""Checkers for the exercises of lesson 06 (metrics).

The exercises use one screening model: it flags chest X-rays for a second look. Its counts
are :data:`EXERCISE_COUNTS`. Every expected value, and every wrong value that a known
mistake gives, is computed here with :mod:`course_utils.core.metrics`, the module the lesson teaches.

Examples
--------
>>> check_f1(...)
Unfinished: replace the `...` in F1 with your answer, then run the cell again.
>>> bool(check_f1(0.48))
True
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from course_utils.checks.framework import (
    Feedback,
    check_array,
    check_choice,
    check_function,
    check_number,
    checker,
)
from course_utils.core import metrics as _m

__all__ = [
    "EXERCISE_COUNTS",
    "EXERCISE_Y_PRED",
    "EXERCISE_Y_TRUE",
    "FUNCTION_CASES",
    "RARE_DISEASE_COUNTS",
    "check_average",
    "check_binary_metrics_function",
    "check_confusion_matrix",
    "check_f1",
    "check_precision",
    "check_rare_disease_recall",
    "check_recall",
    "check_specificity",
    "reference_binary_metrics",
    "rounded_early_f1_values",
]

#: The screening model of the exercises: 200 X-rays, 13 of them with the finding.
EXERCISE_COUNTS = {"tp": 12, "fp": 25, "fn": 1, "tn": 162}

#: Labels for the confusion-matrix exercise (0 = cat, 1 = dog, 2 = bird).
EXERCISE_Y_TRUE = [0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2]
EXERCISE_Y_PRED = [0, 0, 1, 2, 1, 1, 1, 0, 1, 2, 1, 2]

#: One person in a million has the disease; the model always answers "healthy".
RARE_DISEASE_COUNTS = {"tp": 0, "fp": 0, "fn": 1, "tn": 999_999}

#: Count tables (tp, fp, fn, tn) the function exercise is tested on; no denominator is zero.
FUNCTION_CASES = [(10, 22, 8, 60), (100, 70, 30, 800), (12, 25, 1, 162), (3, 1, 7, 5), (50, 5, 5, 40)]

#: Decimals to which a learner may round precision and recall before computing F1.
EARLY_ROUNDING_DECIMALS = (1, 2, 3, 4)


def _exercise_metrics() -> _m.BinaryMetrics:
    return _m.binary_metrics(**EXERCISE_COUNTS)


def _percent_misconception(expected, name):
    return (
        expected * 100,
        f"You gave {name} as a percentage: give it as a fraction between 0 and 1 (for example 0.25, not 25).",
    )


@checker
def check_precision(answer) -> Feedback:
    """Exercise 1: precision of the screening model, TP / (TP + FP).

    Examples
    --------
    >>> check_precision(0.32).status
    'wrong'
    """
    m = _exercise_metrics()
    c = EXERCISE_COUNTS
    misconceptions = [
        (
            m.recall,
            "That is the recall, TP / (TP + FN): precision and recall are swapped. "
            "Precision asks: of the X-rays the model flagged, how many really have the finding?",
        ),
        (
            m.specificity,
            "That is the specificity, TN / (TN + FP). Some texts call precision "
            "'specificity', but they are different: precision looks only at the "
            "flagged X-rays (TP + FP).",
        ),
        (
            Fraction(c["fp"], c["tp"] + c["fp"]),
            "That is the share of flagged X-rays that are false alarms, FP / (TP + FP). Precision is "
            "the other share: the flagged X-rays that are right.",
        ),
        (
            Fraction(c["tp"], sum(c.values())),
            "You divided by every X-ray. Precision divides by the X-rays the model flagged: TP + FP.",
        ),
        _percent_misconception(m.precision, "precision"),
    ]
    return check_number(
        answer,
        m.precision,
        name="precision",
        misconceptions=misconceptions,
        hint="Precision = TP / (TP + FP).",
    )


@checker
def check_recall(answer) -> Feedback:
    """Exercise 2: recall (sensitivity) of the screening model, TP / (TP + FN).

    Examples
    --------
    >>> check_recall(12 / 13).status
    'correct'
    """
    m = _exercise_metrics()
    c = EXERCISE_COUNTS
    misconceptions = [
        (
            m.precision,
            "That is the precision, TP / (TP + FP): precision and recall are swapped. "
            "Recall asks: of the X-rays that really have the finding, how many did the "
            "model flag?",
        ),
        (
            m.specificity,
            "That is the specificity, the recall of the negative class, "
            "TN / (TN + FP). Recall is about the actual positives.",
        ),
        (
            Fraction(c["fn"], c["tp"] + c["fn"]),
            "That is the miss rate, FN / (TP + FN): the share of positives the model missed. "
            "Recall is the share it found.",
        ),
        _percent_misconception(m.recall, "recall"),
    ]
    return check_number(
        answer, m.recall, name="recall", misconceptions=misconceptions, hint="Recall = TP / (TP + FN)."
    )


@checker
def check_specificity(answer) -> Feedback:
    """Exercise 3: specificity of the screening model, TN / (TN + FP).

    Examples
    --------
    >>> check_specificity(Fraction(162, 187)).status
    'correct'
    """
    m = _exercise_metrics()
    c = EXERCISE_COUNTS
    misconceptions = [
        (
            m.precision,
            "That is the precision, TP / (TP + FP). Specificity is not another name "
            "for precision: it is the share of actual negatives that the model "
            "correctly leaves alone, TN / (TN + FP).",
        ),
        (
            m.recall,
            "That is the recall of the positive class. Specificity is the same idea for the negative class.",
        ),
        (
            Fraction(c["fp"], c["tn"] + c["fp"]),
            "That is the false-positive rate, FP / (TN + FP). Specificity is 1 minus it.",
        ),
        (
            Fraction(c["tn"], c["tn"] + c["fn"]),
            "You divided by the X-rays predicted negative (TN + FN). Specificity divides by the "
            "actual negatives: TN + FP.",
        ),
        _percent_misconception(m.specificity, "specificity"),
    ]
    return check_number(
        answer,
        m.specificity,
        name="specificity",
        misconceptions=misconceptions,
        hint="Specificity = TN / (TN + FP).",
    )


def rounded_early_f1_values() -> list:
    """F1 values that rounding or cutting precision and recall (or 2PR and P + R) too early gives.

    Examples
    --------
    >>> 0.475 in [round(v, 3) for v in rounded_early_f1_values()]
    True
    """
    m = _exercise_metrics()
    p, r = m.precision, m.recall
    values = set()
    for decimals in EARLY_ROUNDING_DECIMALS:
        values.add(float(_m.harmonic_mean(round(float(p), decimals), round(float(r), decimals))))
        values.add(float(_m.harmonic_mean(_m.truncate(p, decimals), _m.truncate(r, decimals))))
        cut = _m.truncate(_m.truncate(2 * p * r, decimals) / _m.truncate(p + r, decimals), decimals)
        values.add(float(cut))
    return sorted(v for v in values if not np.isclose(v, float(m.f1), rtol=1e-9, atol=0))


@checker
def check_f1(answer) -> Feedback:
    """Exercise 4: F1 of the screening model, exact: 2PR / (P + R) = 2TP / (2TP + FP + FN).

    Examples
    --------
    >>> check_f1(10**400).status
    'wrong'
    """
    m = _exercise_metrics()
    early = (
        "You rounded too early: rounding or cutting precision, recall or 2PR to a few decimals "
        "before dividing changes the answer. Keep exact values (fractions.Fraction, or the full "
        "floats) and round once at the end."
    )
    misconceptions = [
        (
            (m.precision + m.recall) / 2,
            "That is the arithmetic mean (P + R) / 2. F1 is the "
            "harmonic mean 2PR / (P + R), which stays close to the "
            "smaller of the two.",
        ),
        (m.accuracy, "That is the accuracy. F1 ignores the true negatives."),
        (m.precision, "That is the precision alone. F1 combines precision and recall."),
        (m.recall, "That is the recall alone. F1 combines precision and recall."),
        (2 * m.precision * m.recall, "You computed 2PR but did not divide by (P + R)."),
        _percent_misconception(m.f1, "F1"),
    ]
    misconceptions += [(value, early) for value in rounded_early_f1_values()]
    return check_number(
        answer,
        m.f1,
        name="F1",
        misconceptions=misconceptions,
        hint="F1 = 2PR / (P + R), with P the precision and R the recall.",
    )


def _exercise_confusion_matrix() -> np.ndarray:
    return _m.confusion_matrix(EXERCISE_Y_TRUE, EXERCISE_Y_PRED, num_classes=3)


@checker
def check_confusion_matrix(answer) -> Feedback:
    """Exercise 5: the 3x3 confusion matrix of :data:`EXERCISE_Y_TRUE` against :data:`EXERCISE_Y_PRED`.

    Examples
    --------
    >>> check_confusion_matrix(_exercise_confusion_matrix().T).status
    'wrong'
    """
    expected = _exercise_confusion_matrix()
    misconceptions = [
        (
            expected.T,
            "Your matrix is transposed: its rows are the predicted classes. The course, "
            "scikit-learn and Keras all use rows = true class, columns = predicted "
            "class, so row i adds up to the number of samples of class i.",
        ),
        (
            expected / expected.sum(axis=1, keepdims=True),
            "You divided each row by its total: that is a normalized matrix. Give the counts.",
        ),
    ]
    return check_array(
        answer,
        expected,
        name="confusion matrix",
        atol=0,
        misconceptions=misconceptions,
        hint="cm[i, j] counts the samples of true class i predicted as class j.",
    )


def reference_binary_metrics(tp, fp, fn, tn):
    """(accuracy, precision, recall, specificity, f1) as floats: the exercise's reference."""
    m = _m.binary_metrics(tp, fp, fn, tn)
    return tuple(float(getattr(m, name)) for name in _m.METRIC_NAMES)


def _swapped_precision_recall(tp, fp, fn, tn):
    a, p, r, s, f = reference_binary_metrics(tp, fp, fn, tn)
    return (a, r, p, s, f)


def _specificity_as_precision(tp, fp, fn, tn):
    a, p, r, s, f = reference_binary_metrics(tp, fp, fn, tn)
    return (a, s, r, s, f)


def _arithmetic_mean_f1(tp, fp, fn, tn):
    a, p, r, s, f = reference_binary_metrics(tp, fp, fn, tn)
    return (a, p, r, s, (p + r) / 2)


@checker(answer="function")
def check_binary_metrics_function(function) -> Feedback:
    """Exercise 6: the learner's ``my_binary_metrics(tp, fp, fn, tn)`` against the course's reference.

    Any sequence of the five values is right: a tuple, a list or a NumPy array.

    Examples
    --------
    >>> check_binary_metrics_function(lambda *counts: list(reference_binary_metrics(*counts))).status
    'correct'
    """
    feedback = check_function(
        function,
        reference_binary_metrics,
        FUNCTION_CASES,
        name="my_binary_metrics",
        misconceptions=[
            (
                _swapped_precision_recall,
                "Precision and recall are swapped: precision divides by "
                "the predicted positives (TP + FP), recall by the actual "
                "positives (TP + FN).",
            ),
            (
                _specificity_as_precision,
                "Your precision is the specificity TN / (TN + FP). Precision is TP / (TP + FP).",
            ),
            (
                _arithmetic_mean_f1,
                "Your F1 is the arithmetic mean (P + R) / 2. F1 is the harmonic mean 2PR / (P + R).",
            ),
        ],
        hint="Return the five values in the order (accuracy, precision, recall, specificity, f1).",
    )
    return feedback


@checker
def check_average(answer) -> Feedback:
    """Exercise 8: which average of precision equals the accuracy when each image has one label?

    Examples
    --------
    >>> check_average("macro").status
    'wrong'
    """
    return check_choice(
        answer,
        "micro",
        ["macro", "micro"],
        name="average",
        misconceptions={
            "macro": "Macro averaging takes the plain mean of the per-class values, so "
            "a rare class counts as much as a common one; it generally "
            "differs from the accuracy. Think of pooling every class's TP "
            "and FP first."
        },
        explanation="Pooled over the classes, every wrong prediction is one FP (for the "
        "predicted class) and one FN (for the true class), so micro precision = "
        "micro recall = accuracy.",
    )


@checker
def check_rare_disease_recall(answer) -> Feedback:
    """Exercise 7: recall of the model that always answers "healthy" for a one-in-a-million disease.

    Examples
    --------
    >>> check_rare_disease_recall(0.999999).status
    'wrong'
    """
    m = _m.binary_metrics(**RARE_DISEASE_COUNTS)
    return check_number(
        answer,
        m.recall,
        name="recall",
        misconceptions=[
            (
                m.accuracy,
                "That is the accuracy, which is almost 1 because nearly everyone is "
                "healthy. Recall looks only at the sick people: how many did the model "
                "find?",
            ),
            (
                m.specificity,
                "That is the specificity: the share of healthy people called "
                "healthy. Recall is about the sick people.",
            ),
        ],
        hint="Recall = TP / (TP + FN): of the sick people, the share the model finds.",
    )
