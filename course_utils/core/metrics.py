"""Classification metrics computed exactly: confusion matrices, precision, recall, F1.

Everything here is pure Python and NumPy (no TensorFlow, no scikit-learn), so a learner can
read each formula. Binary metrics are returned as :class:`fractions.Fraction` values, so
that no rounding happens before the final display: the tumour example of lesson 06 gives
an F1 score of exactly 2/5, not the 39% obtained by rounding intermediate values.

Conventions, the same as scikit-learn and Keras:

* A confusion matrix has **rows = true class, columns = predicted class**.
* A score is predicted positive when ``score >= threshold``.
* A metric whose denominator is zero (for example precision when the model predicts no
  positive at all) takes the value ``zero_division`` (0 by default, as in scikit-learn)
  and the result carries a note saying so. No ``ZeroDivisionError`` ever reaches the learner.

How sure a measured accuracy is (lesson 05): :func:`accuracy_interval` gives its standard
error and a confidence interval, :func:`accuracy_difference_interval` the same for the
difference between two models scored on the same test images.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from fractions import Fraction
from statistics import NormalDist

import numpy as np

from course_utils.core._constraints import Count, Flag, Labels, Option, Satisfies, validate_arguments
from course_utils.core._validation import (
    LARGEST_INT,
    check_int,
    check_option,
    check_real,
    describe,
    exact_fraction,
)
from course_utils.core._validation import check_labels as _read_labels

__all__ = [
    "BinaryMetrics",
    "ConfidenceInterval",
    "accuracy_difference_interval",
    "accuracy_interval",
    "averaged_metrics",
    "binary_counts",
    "binary_metrics",
    "check_labels",
    "check_probability",
    "check_scores",
    "confusion_matrix",
    "harmonic_mean",
    "one_vs_rest_counts",
    "per_class_metrics",
    "precision_recall_curve",
    "threshold_predictions",
    "truncate",
]

METRIC_NAMES = ("accuracy", "precision", "recall", "specificity", "f1")
MAX_DECIMALS = 100
"""The most decimal places :func:`truncate` and :meth:`BinaryMetrics.percent` keep."""
MAX_CLASSES = 1000
"""The most classes a confusion matrix may have (it has this many squared cells)."""


def _check_zero_division(value) -> Fraction:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or value not in (0, 1):
        raise ValueError(f"zero_division must be 0 or 1, got {describe(value)}.")
    return Fraction(int(value))


ZERO_DIVISION = Satisfies(_check_zero_division, "0 or 1", valid=0, invalid=[2, 0.5, True, -1])
"""``zero_division``: the value of a metric whose denominator is zero (0 or 1, as in scikit-learn)."""
COUNTS = {name: Count(0) for name in ("tp", "fp", "fn", "tn")}
"""The four counts of a binary confusion matrix: integers >= 0."""


def _ratio(
    numerator: int, denominator: int, name: str, why: str, zero_division: Fraction, notes: list[str]
) -> Fraction:
    if denominator == 0:
        notes.append(f"{name} is undefined ({why}); it is set to {zero_division}.")
        return zero_division
    return Fraction(numerator, denominator)


@dataclass(frozen=True)
class BinaryMetrics:
    """The five binary metrics as exact fractions, with the counts they come from.

    Attributes
    ----------
    tp, fp, fn, tn : int
        True positives, false positives, false negatives, true negatives.
    accuracy, precision, recall, specificity, f1 : fractions.Fraction
        The exact metrics. ``float(m.f1)`` gives a float, :meth:`percent` a rounded percentage.
    notes : tuple of str
        One note per metric whose denominator was zero.
    """

    tp: int
    fp: int
    fn: int
    tn: int
    accuracy: Fraction
    precision: Fraction
    recall: Fraction
    specificity: Fraction
    f1: Fraction
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Fraction]:
        """The five metrics as a dict of exact fractions."""
        return {name: getattr(self, name) for name in METRIC_NAMES}

    def as_floats(self) -> dict[str, float]:
        """The five metrics as a dict of floats (rounded only by the float type)."""
        return {name: float(value) for name, value in self.as_dict().items()}

    def percent(self, name: str, decimals: int = 1) -> float:
        """One metric as a percentage rounded to ``decimals`` places, rounded once, exactly, at the end.

        Examples
        --------
        >>> binary_metrics(tp=10, fp=22, fn=8, tn=60).percent("recall")
        55.6
        """
        check_option("name", name, METRIC_NAMES)
        decimals = check_int("decimals", decimals, minimum=0, maximum=MAX_DECIMALS)
        return float(round(getattr(self, name) * 100, decimals))

    def __str__(self) -> str:
        width = max(len(name) for name in METRIC_NAMES)
        lines = [f"TP={self.tp}  FP={self.fp}  FN={self.fn}  TN={self.tn}"]
        for name, value in self.as_dict().items():
            lines.append(f"{name:<{width}}  {value!s:>9}  = {float(value) * 100:6.2f}%")
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle):  # IPython display: the readable table
        printer.text(str(self))


@validate_arguments(**COUNTS, zero_division=ZERO_DIVISION)
def binary_metrics(tp, fp, fn, tn, zero_division=0) -> BinaryMetrics:
    """Accuracy, precision, recall, specificity and F1 from the four counts, exactly.

    Parameters
    ----------
    tp, fp, fn, tn : int
        True positives, false positives, false negatives and true negatives (integers >= 0,
        not all zero).
    zero_division : {0, 1}, default=0
        The value given to a metric whose denominator is zero, as in scikit-learn.
        The result's ``notes`` say which metrics were affected.

    Returns
    -------
    BinaryMetrics
        ``accuracy = (TP + TN) / total``, ``precision = TP / (TP + FP)``,
        ``recall = TP / (TP + FN)`` (also called sensitivity), ``specificity = TN / (TN + FP)``,
        ``f1 = 2 TP / (2 TP + FP + FN)``, which equals ``2PR / (P + R)``.

    Raises
    ------
    ValueError
        If a count is not an integer >= 0, or all four counts are zero.

    Examples
    --------
    The tumour example: 10 true positives, 22 false positives, 8 false negatives, 60 true negatives.

    >>> m = binary_metrics(tp=10, fp=22, fn=8, tn=60)
    >>> m.accuracy, m.precision, m.recall, m.f1
    (Fraction(7, 10), Fraction(5, 16), Fraction(5, 9), Fraction(2, 5))
    >>> m.percent("specificity")
    73.2

    A model that never predicts the positive class has no defined precision:

    >>> m = binary_metrics(tp=0, fp=0, fn=3, tn=97)
    >>> m.precision
    Fraction(0, 1)
    >>> m.notes[0]
    'precision is undefined (the model predicted no positive: TP + FP = 0); it is set to 0.'
    """
    zero = zero_division
    total = tp + fp + fn + tn
    if total == 0:
        raise ValueError("tp, fp, fn and tn are all 0: there is no sample to measure.")
    notes: list[str] = []
    accuracy = Fraction(tp + tn, total)
    precision = _ratio(tp, tp + fp, "precision", "the model predicted no positive: TP + FP = 0", zero, notes)
    recall = _ratio(tp, tp + fn, "recall", "there is no actual positive: TP + FN = 0", zero, notes)
    specificity = _ratio(tn, tn + fp, "specificity", "there is no actual negative: TN + FP = 0", zero, notes)
    f1 = _ratio(
        2 * tp,
        2 * tp + fp + fn,
        "f1",
        "there is no positive, actual or predicted: 2TP + FP + FN = 0",
        zero,
        notes,
    )
    return BinaryMetrics(tp, fp, fn, tn, accuracy, precision, recall, specificity, f1, tuple(notes))


def _share(name: str) -> Satisfies:
    """A number between 0 and 1 kept as given (a fraction stays exact, a NumPy float becomes a float)."""

    def read(value):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
            raise ValueError(f"{name} must be a number between 0 and 1, got {describe(value)}.")
        # keep fractions exact; NumPy floats (Keras gives float32) become Python floats
        return value if isinstance(value, Fraction) else float(value)

    return Satisfies(
        read, "a number between 0 and 1", valid=Fraction(1, 2), invalid=[1.5, -0.1, True, math.nan]
    )


@validate_arguments(precision=_share("precision"), recall=_share("recall"))
def harmonic_mean(precision, recall):
    """The F1 formula ``2PR / (P + R)``, exact when given fractions; 0 when ``P + R = 0``.

    Works with floats too, which is how rounding too early creeps in.

    Examples
    --------
    >>> harmonic_mean(Fraction(5, 16), Fraction(5, 9))
    Fraction(2, 5)
    >>> harmonic_mean(0.5, 0.5)
    0.5
    """
    if precision + recall == 0:
        return precision * 0
    return 2 * precision * recall / (precision + recall)


@validate_arguments(
    value=Satisfies(
        lambda value: exact_fraction("value", value),
        "a finite real number",
        valid=0.3472,
        invalid=[math.nan, math.inf, True],
    ),
    decimals=Count(0, MAX_DECIMALS),
)
def truncate(value, decimals: int = 2) -> Fraction:
    """Cut ``value`` to ``decimals`` places (toward zero), as a hand calculation often does.

    Used to show how cutting intermediate results changes a final answer. A float is the
    decimal number it stands for (:func:`course_utils.core._validation.exact_fraction`): 0.29 cut
    to 2 places is 0.29, also when it comes as Keras's ``np.float32(0.29)``, whose binary
    value is a little below 0.29.

    Examples
    --------
    >>> truncate(Fraction(5, 9), 2)
    Fraction(11, 20)
    >>> float(truncate(0.3472, 2))
    0.34
    >>> float(truncate(np.float32(0.29), 2))  # Keras predicts float32
    0.29
    """
    scale = 10**decimals
    return Fraction(int(value * scale), scale)


def check_labels(name: str, values) -> np.ndarray:
    """Return ``values`` as a 1-D array of class labels: integers (whole floats too) or strings.

    The course's one reader of labels (:func:`course_utils.core._validation.check_labels`): None
    and NaN (missing labels), True/False, and strings mixed with numbers are refused, and
    scores (floats such as 0.9) too, with a hint to threshold them first, since comparing
    scores with labels silently counts almost everything as wrong.

    Examples
    --------
    >>> check_labels("y_pred", [0, 1, 1]).tolist()
    [0, 1, 1]
    >>> check_labels("y_pred", [0.2, 0.9])
    Traceback (most recent call last):
    ...
    ValueError: y_pred holds scores such as 0.2, not class labels: turn scores into labels first, ...
    >>> check_labels("y_true", [1, 0, 1, None])
    Traceback (most recent call last):
    ...
    ValueError: y_true holds None, which is not a class label (a missing label?).
    """
    _check_name(name)
    return _read_labels(name, values)


def _check_name(name) -> None:
    """The name of the argument a checker checks, for its messages: a string."""
    if not isinstance(name, str):
        raise ValueError(f"name must be the name of the argument checked (a string), got {describe(name)}.")


def _sorted_labels(values) -> list:
    try:
        return sorted(values)
    except TypeError:
        kinds = sorted({type(v).__name__ for v in values})
        raise ValueError(
            f"y_true and y_pred mix labels of different kinds ({', '.join(kinds)}): give labels=[...] "
            "in the order you want, or use one kind."
        ) from None


@validate_arguments(y_true=Labels(), y_pred=Labels())
def confusion_matrix(y_true, y_pred, num_classes=None, labels=None) -> np.ndarray:
    """Count (true, predicted) pairs: rows = true class, columns = predicted class.

    Parameters
    ----------
    y_true, y_pred : sequence
        The true and predicted labels, of the same length (1-D).
    num_classes : int, optional
        The labels are the integers ``0 .. num_classes - 1``.
    labels : sequence, optional
        The labels in row/column order (any values, e.g. strings). Give ``num_classes`` or
        ``labels``, not both. With neither, the sorted labels found in either array are used.

    Returns
    -------
    numpy.ndarray of int64, shape (n_labels, n_labels)
        ``cm[i, j]`` = number of samples of true class ``labels[i]`` predicted as ``labels[j]``.

    Raises
    ------
    ValueError
        If the lengths differ, a label is outside ``labels`` or ``0 .. num_classes - 1``,
        or both ``num_classes`` and ``labels`` are given.

    Examples
    --------
    >>> confusion_matrix([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], num_classes=3)
    array([[1, 1, 0],
           [0, 2, 0],
           [1, 0, 0]])
    >>> confusion_matrix(["cat", "dog"], ["dog", "dog"], labels=["cat", "dog"])
    array([[0, 1],
           [0, 1]])
    """
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true and y_pred must have the same length, got {len(y_true)} and {len(y_pred)}.")
    if num_classes is not None and labels is not None:
        raise ValueError("Give num_classes or labels, not both.")
    labels_given = labels is not None
    if num_classes is not None:
        num_classes = check_int("num_classes", num_classes, minimum=1, maximum=MAX_CLASSES)
        labels = list(range(num_classes))
    elif labels is None:
        labels = _sorted_labels(set(y_true.tolist()) | set(y_pred.tolist()))
        if not labels:
            raise ValueError("y_true and y_pred are empty: give labels or num_classes.")
    else:
        labels = check_labels("labels", labels).tolist()
        if len(labels) == 0 or len(set(labels)) != len(labels):
            raise ValueError(f"labels must be a non-empty list without repeats, got {describe(labels)}.")
    if len(labels) > MAX_CLASSES:
        raise ValueError(
            f"y_true and y_pred hold {len(labels):,} different labels, more than the {MAX_CLASSES:,} "
            "classes a confusion matrix here may have: are these really class labels?"
        )
    index = {label: i for i, label in enumerate(labels)}
    n = len(labels)
    matrix = np.zeros((n, n), dtype=np.int64)
    given = (
        f" (num_classes={num_classes})" if num_classes is not None else " (labels)" if labels_given else ""
    )
    for name, array in (("y_true", y_true), ("y_pred", y_pred)):
        unknown = sorted({value for value in array.tolist() if value not in index}, key=str)
        if unknown:
            raise ValueError(
                f"{name} contains labels {unknown[:5]!r} that are not among the labels "
                f"{labels if n <= 12 else str(labels[:12]) + '...'}{given}."
            )
    rows = np.array([index[value] for value in y_true.tolist()], dtype=np.int64)
    cols = np.array([index[value] for value in y_pred.tolist()], dtype=np.int64)
    np.add.at(matrix, (rows, cols), 1)
    return matrix


def _check_matrix(cm) -> np.ndarray:
    try:
        matrix = np.asarray(cm)
    except (TypeError, ValueError):
        matrix = np.asarray(None)  # refused just below, with the usual message
    if (
        matrix.ndim != 2
        or matrix.shape[0] != matrix.shape[1]
        or matrix.shape[0] < 2
        or not np.issubdtype(matrix.dtype, np.integer)
        or (matrix < 0).any()
    ):
        raise ValueError(
            "cm must be a square confusion matrix (at least 2x2) of integer counts >= 0, "
            f"got {matrix.dtype} array of shape {matrix.shape}."
        )
    total = matrix.sum(dtype=object)
    if total == 0:
        raise ValueError("cm holds no sample (all counts are 0).")
    if total > LARGEST_INT:
        raise ValueError(
            f"cm holds {describe(total)} samples in all: counts this large are surely a mistake."
        )
    return matrix.astype(np.int64)


CONFUSION_MATRIX = Satisfies(
    _check_matrix,
    "a square confusion matrix (at least 2x2) of integer counts >= 0",
    valid=lambda: np.array([[5, 1, 0], [2, 3, 1], [0, 1, 4]]),
    invalid=[np.zeros((2, 2), dtype=int), np.ones((2, 3), dtype=int), [[1.5, 0], [0, 1]], [[-1, 2], [0, 1]]],
)
"""``cm``: rows = true class, columns = predicted class."""


@validate_arguments(cm=CONFUSION_MATRIX, k=Count(0))
def one_vs_rest_counts(cm, k) -> tuple[int, int, int, int]:
    """``(tp, fp, fn, tn)`` for class ``k`` against all the others.

    With rows = true and columns = predicted: TP is ``cm[k, k]``, FN is the rest of row ``k``,
    FP is the rest of column ``k``.

    Examples
    --------
    >>> cm = confusion_matrix([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], num_classes=3)
    >>> one_vs_rest_counts(cm, 1)
    (2, 1, 0, 2)
    """
    matrix = cm
    if k >= matrix.shape[0]:
        raise ValueError(f"k must be a class index from 0 to {matrix.shape[0] - 1}, got {k}.")
    tp = int(matrix[k, k])
    fn = int(matrix[k, :].sum()) - tp
    fp = int(matrix[:, k].sum()) - tp
    tn = int(matrix.sum()) - tp - fn - fp
    return tp, fp, fn, tn


@validate_arguments(y_true=Labels(), y_pred=Labels())
def binary_counts(y_true, y_pred, positive=1) -> tuple[int, int, int, int]:
    """``(tp, fp, fn, tn)`` from two label sequences, for the class ``positive``.

    Examples
    --------
    >>> binary_counts([1, 1, 0, 0, 1], [1, 0, 0, 1, 1])
    (2, 1, 1, 1)
    >>> binary_counts([1, 0, 1], [0.9, 0.2, 0.7])
    Traceback (most recent call last):
    ...
    ValueError: y_pred holds scores such as 0.9, not class labels: turn scores into labels first, ...
    """
    if (
        isinstance(positive, (bool, np.bool_))
        or not isinstance(positive, (numbers.Integral, str))
        or (isinstance(positive, numbers.Integral) and abs(int(positive)) > LARGEST_INT)
    ):
        raise ValueError(
            f"positive must be the label of the positive class (an int or a str), got {describe(positive)}."
        )
    text_labels = "U" in (y_true.dtype.kind, y_pred.dtype.kind)
    if (len(y_true) or len(y_pred)) and isinstance(positive, str) != text_labels:
        kind = "strings" if text_labels else "integers"
        raise ValueError(
            f"positive must be a label of the same kind as y_true and y_pred ({kind}), got {describe(positive)}."
        )
    if len(y_true) != len(y_pred) or len(y_true) == 0:
        raise ValueError(
            "y_true and y_pred must be non-empty and of the same length, "
            f"got {len(y_true)} and {len(y_pred)}."
        )
    actual = y_true == positive
    predicted = y_pred == positive
    tp = int(np.sum(actual & predicted))
    fp = int(np.sum(~actual & predicted))
    fn = int(np.sum(actual & ~predicted))
    tn = int(np.sum(~actual & ~predicted))
    return tp, fp, fn, tn


@validate_arguments(cm=CONFUSION_MATRIX, zero_division=ZERO_DIVISION)
def per_class_metrics(cm, zero_division=0) -> list[BinaryMetrics]:
    """One :class:`BinaryMetrics` per class (one against the rest), in row order.

    Examples
    --------
    >>> cm = confusion_matrix([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], num_classes=3)
    >>> [str(m.recall) for m in per_class_metrics(cm)]
    ['1/2', '1', '0']
    """
    return [binary_metrics(*one_vs_rest_counts(cm, k), zero_division=zero_division) for k in range(len(cm))]


@validate_arguments(cm=CONFUSION_MATRIX, average=Option("macro", "micro"), zero_division=ZERO_DIVISION)
def averaged_metrics(cm, average="macro", zero_division=0) -> dict[str, Fraction]:
    """Precision, recall and F1 over all classes, averaged the ``'macro'`` or ``'micro'`` way.

    * ``'macro'``: compute each class's metric, then take the plain mean. Every class counts
      the same, however rare it is.
    * ``'micro'``: add up TP, FP and FN over the classes, then compute one metric. Every
      sample counts the same. With one label per sample, micro precision, recall and F1 all
      equal the accuracy.

    Macro F1 is the mean of the per-class F1 scores, as in scikit-learn.

    Examples
    --------
    >>> cm = confusion_matrix([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], num_classes=3)
    >>> {name: str(value) for name, value in averaged_metrics(cm, "macro").items()}
    {'precision': '7/18', 'recall': '1/2', 'f1': '13/30'}
    >>> {name: str(value) for name, value in averaged_metrics(cm, "micro").items()}
    {'precision': '3/5', 'recall': '3/5', 'f1': '3/5'}
    """
    matrix = cm
    if average == "macro":
        per_class = per_class_metrics(matrix, zero_division=zero_division)
        n = len(per_class)
        return {
            name: sum((getattr(m, name) for m in per_class), Fraction(0)) / n
            for name in ("precision", "recall", "f1")
        }
    counts = [one_vs_rest_counts(matrix, k) for k in range(matrix.shape[0])]
    tp, fp, fn, tn = (sum(c[i] for c in counts) for i in range(4))
    pooled = binary_metrics(tp, fp, fn, tn, zero_division=zero_division)
    return {"precision": pooled.precision, "recall": pooled.recall, "f1": pooled.f1}


def _read_scores(scores, probabilities: bool = False) -> np.ndarray:
    """``scores`` as a 1-D float array; with ``probabilities``, each between 0 and 1."""
    message = "scores must be a non-empty 1-D array of numbers (one score per sample)"
    try:
        array = np.asarray(scores)
    except (TypeError, ValueError):
        raise ValueError(f"{message}, got {describe(scores)}.") from None
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or array.size == 0 or array.dtype.kind not in "iuf":
        raise ValueError(f"{message}, got {describe(scores)} of dtype {array.dtype}.")
    array = array.astype(float)
    if not np.all(np.isfinite(array)):
        raise ValueError("scores must be finite numbers (no NaN or infinity).")
    if probabilities and (array.min() < 0 or array.max() > 1):
        raise ValueError(
            f"scores must be probabilities between 0 and 1 (sigmoid or softmax outputs), got values "
            f"from {array.min():g} to {array.max():g}: apply a sigmoid to logits first."
        )
    return array


_BAD_SCORES = [[], [[0.1, 0.2]], ["a"], [math.nan], [0.5, math.inf]]
SCORES = Satisfies(
    _read_scores,
    "a non-empty 1-D array of numbers (one score per sample)",
    valid=[0.1, 0.9],
    invalid=_BAD_SCORES,
)
"""``scores``: one number per sample (a Keras ``(n, 1)`` prediction too)."""
PROBABILITY_SCORES = Satisfies(
    lambda scores: _read_scores(scores, probabilities=True),
    "a non-empty 1-D array of probabilities between 0 and 1",
    valid=[0.1, 0.5, 0.9],
    invalid=[*_BAD_SCORES, [-1.5, 2.0]],
)
"""``scores`` that are probabilities: sigmoid or softmax outputs."""


@validate_arguments(scores=SCORES, probabilities=Flag())
def check_scores(scores, probabilities: bool = False) -> np.ndarray:
    """Return ``scores`` as a 1-D float array (a Keras ``(n, 1)`` prediction is accepted).

    With ``probabilities=True`` every score must lie between 0 and 1, as sigmoid and
    softmax outputs do.

    Examples
    --------
    >>> check_scores(np.array([[0.25], [0.75]], dtype=np.float32)).tolist()
    [0.25, 0.75]
    >>> check_scores([-1.5, 2.0], probabilities=True)
    Traceback (most recent call last):
    ...
    ValueError: scores must be probabilities between 0 and 1 (sigmoid or softmax outputs), got values from -1.5 to 2: apply a sigmoid to logits first.
    """
    return _read_scores(scores, probabilities)


def check_probability(name: str, value) -> float:
    """Return ``value`` as a float after checking it is a probability between 0 and 1.

    A value in (1, 100] looks like a percentage, and the message says so.

    Examples
    --------
    >>> check_probability("threshold", 0.25)
    0.25
    >>> check_probability("threshold", 30)
    Traceback (most recent call last):
    ...
    ValueError: threshold must be a probability between 0 and 1, got 30; did you mean 0.3?
    """
    _check_name(name)
    try:
        return check_real(name, value, 0, 1)
    except ValueError:
        hint = ""
        if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and 1 < value <= 100:
            hint = f"; did you mean {float(value) / 100:g}?"
        raise ValueError(
            f"{name} must be a probability between 0 and 1, got {describe(value)}{hint or '.'}"
        ) from None


def _probability(name: str) -> Satisfies:
    """An argument that is a probability (:func:`check_probability`, which names it)."""
    return Satisfies(
        lambda value: check_probability(name, value),
        "a probability between 0 and 1",
        valid=0.5,
        invalid=[30, -0.1, 1.5, math.nan, True],
    )


@validate_arguments(scores=PROBABILITY_SCORES, threshold=_probability("threshold"))
def threshold_predictions(scores, threshold=0.5) -> np.ndarray:
    """Turn scores (e.g. sigmoid outputs) into 0/1 predictions: 1 when ``score >= threshold``.

    Keras metrics such as ``keras.metrics.Precision`` use ``score > threshold``; the two
    differ only for a score exactly equal to the threshold.

    Examples
    --------
    >>> threshold_predictions([0.1, 0.5, 0.9], threshold=0.5)
    array([0, 1, 1])
    >>> threshold_predictions([0.1, 0.5, 0.9], threshold=50)
    Traceback (most recent call last):
    ...
    ValueError: threshold must be a probability between 0 and 1, got 50; did you mean 0.5?
    """
    return (scores >= threshold).astype(np.int64)


@validate_arguments(y_true=Labels())
def precision_recall_curve(y_true, scores):
    """Precision and recall of the positive class (label 1) at every distinct score threshold.

    Parameters
    ----------
    y_true : sequence of 0/1
        The true labels, with at least one positive.
    scores : sequence of float
        The model's scores for the positive class.

    Returns
    -------
    precision, recall, thresholds : numpy.ndarray of float
        ``precision[i]`` and ``recall[i]`` when predicting positive for ``score >= thresholds[i]``.
        Thresholds increase, so recall decreases from 1.

    Examples
    --------
    >>> p, r, t = precision_recall_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> t.tolist(), p.tolist(), r.tolist()
    ([0.1, 0.35, 0.4, 0.8], [0.5, 0.6666666666666666, 0.5, 1.0], [1.0, 1.0, 0.5, 0.5])
    """
    labels = y_true
    array = check_scores(scores)
    if len(labels) != len(array):
        raise ValueError(f"y_true and scores must have the same length, got {len(labels)} and {len(array)}.")
    if not set(np.unique(labels).tolist()) <= {0, 1}:
        raise ValueError("y_true must hold only 0 and 1.")
    positives = int(np.sum(labels == 1))
    if positives == 0:
        raise ValueError("y_true has no positive (label 1): recall is undefined everywhere.")
    order = np.argsort(-array, kind="stable")
    sorted_scores = array[order]
    sorted_labels = labels[order]
    tps = np.cumsum(sorted_labels == 1)
    predicted = np.arange(1, len(array) + 1)
    # keep the last index of each run of equal scores: all of them are >= that threshold
    last = np.r_[np.nonzero(np.diff(sorted_scores))[0], len(array) - 1]
    thresholds = sorted_scores[last][::-1]
    precision = (tps[last] / predicted[last])[::-1]
    recall = (tps[last] / positives)[::-1]
    return precision, recall, thresholds


# --- how sure a measured accuracy is (lesson 05) -------------------------------------------

FEWEST_FOR_NORMAL = 10
"""The normal approximation behind the intervals is trusted from this many right and wrong
answers on (for a difference: images on which the two models disagree)."""


@dataclass(frozen=True)
class ConfidenceInterval:
    """A measured accuracy (or difference of accuracies), its standard error and an interval.

    Attributes
    ----------
    estimate : float
        What was measured: an accuracy, or the accuracy of model B minus that of model A.
    standard_error : float
        How much the estimate would vary from one test set of this size to the next.
    z : float
        Standard errors on each side of the estimate (1.96 for a 95% interval).
    low, high : float
        The interval ``estimate ± z * standard_error``, cut to the values the estimate can
        take (0 to 1 for an accuracy, -1 to 1 for a difference).
    confidence : float
        The share of such intervals that contain the true value (0.95 for 95%).
    n : int
        The number of test images.
    notes : tuple of str
        Warnings, for example when too few mistakes make the normal approximation rough.
    """

    estimate: float
    standard_error: float
    z: float
    low: float
    high: float
    confidence: float
    n: int
    notes: tuple[str, ...] = field(default=())

    @classmethod
    def around(cls, estimate, standard_error, z, *, lowest, confidence, n, notes=()) -> ConfidenceInterval:
        """The interval ``estimate ± z * standard_error``, cut to ``lowest`` .. 1.

        ``lowest`` is 0 for an accuracy and -1 for a difference of two accuracies.

        >>> ConfidenceInterval.around(0.9, 0.1, 1.96, lowest=0.0, confidence=0.95, n=10).high
        1.0
        """
        return cls(
            estimate=estimate,
            standard_error=standard_error,
            z=z,
            low=max(lowest, estimate - z * standard_error),
            high=min(1.0, estimate + z * standard_error),
            confidence=confidence,
            n=n,
            notes=tuple(notes),
        )

    @property
    def half_width(self) -> float:
        """``z * standard_error``: the ± of the interval before it is cut to the possible values."""
        return self.z * self.standard_error

    def contains(self, value) -> bool:
        """True when ``value`` lies in the interval (ends included).

        Examples
        --------
        >>> accuracy_interval(0.96, 1000).contains(0.95)
        True
        """
        return self.low <= check_real("value", value) <= self.high

    def __str__(self) -> str:
        text = (
            f"{self.estimate:.3f} ± {self.half_width:.3f} "
            f"({self.confidence * 100:g}% interval {self.low:.3f} to {self.high:.3f}, {self.n:,} images)"
        )
        return "\n".join([text, *(f"note: {note}" for note in self.notes)])

    def _repr_pretty_(self, printer, cycle):  # IPython display: the readable line
        printer.text(str(self))


def _z_score(confidence) -> tuple[float, float]:
    """``(confidence, z)``: the number of standard errors that a two-sided interval reaches."""
    try:
        confidence = check_real("confidence", confidence, 0, 1, min_inclusive=False, max_inclusive=False)
    except ValueError:
        hint = "."
        if isinstance(confidence, numbers.Real) and not isinstance(confidence, (bool, np.bool_)):
            if 1 < confidence < 100:
                hint = f"; did you mean {float(confidence) / 100:g}?"
        raise ValueError(
            f"confidence must be a number between 0 and 1 (both excluded), such as 0.95 for a 95% "
            f"interval, got {describe(confidence)}{hint}"
        ) from None
    return confidence, NormalDist().inv_cdf(0.5 + confidence / 2)


CONFIDENCE = Satisfies(
    lambda confidence: _z_score(confidence)[0],
    "a number between 0 and 1 (both excluded), such as 0.95 for a 95% interval",
    valid=0.95,
    invalid=[0, 1, 95, math.nan, True],
)
"""``confidence``: the share of such intervals that contain the true value."""


@validate_arguments(accuracy=_probability("accuracy"), n=Count(), confidence=CONFIDENCE)
def accuracy_interval(accuracy, n, confidence=0.95) -> ConfidenceInterval:
    """The standard error and confidence interval of an accuracy measured on ``n`` test images.

    Each test image is right or wrong, so the number of right answers varies from one test
    set to the next like a coin with ``accuracy`` for heads: its standard error is
    ``sqrt(accuracy * (1 - accuracy) / n)``. The interval reaches ``z`` standard errors on each
    side (the normal approximation; ``z = 1.96`` for 95%), cut to 0 and 1.

    Parameters
    ----------
    accuracy : float
        The measured accuracy, between 0 and 1 (``model.evaluate`` gives it).
    n : int
        The number of images it was measured on.
    confidence : float, default=0.95
        Between 0 and 1 (excluded): 0.95 for a 95% interval.

    Returns
    -------
    ConfidenceInterval
        With a note when fewer than ``FEWEST_FOR_NORMAL`` answers are wrong (or right): the
        approximation is then rough, and with none at all it gives a standard error of 0.

    Examples
    --------
    >>> interval = accuracy_interval(0.96, 1000)
    >>> round(interval.standard_error, 4), round(interval.half_width, 4)
    (0.0062, 0.0121)
    >>> print(interval)
    0.960 ± 0.012 (95% interval 0.948 to 0.972, 1,000 images)
    >>> print(accuracy_interval(1.0, 50))  # doctest: +NORMALIZE_WHITESPACE
    1.000 ± 0.000 (95% interval 1.000 to 1.000, 50 images)
    note: 0 wrong answers out of 50: the normal approximation needs at least 10, so a
    standard error of 0 does not mean certainty. Score the model on more images.
    >>> accuracy_interval(96.6, 1000)
    Traceback (most recent call last):
    ...
    ValueError: accuracy must be a probability between 0 and 1, got 96.6; did you mean 0.966?
    """
    confidence, z = _z_score(confidence)
    standard_error = math.sqrt(accuracy * (1 - accuracy) / n)
    notes = []
    right = round(exact_fraction("accuracy", accuracy) * n)
    fewest, which = min((right, "right"), (n - right, "wrong"))
    if fewest < FEWEST_FOR_NORMAL:
        why = (
            "a standard error of 0 does not mean certainty"
            if standard_error == 0
            else "the interval is only rough"
        )
        notes.append(
            f"{fewest} {which} answer{'s' if fewest != 1 else ''} out of {n:,}: the normal approximation "
            f"needs at least {FEWEST_FOR_NORMAL}, so {why}. Score the model on more images."
        )
    return ConfidenceInterval.around(
        accuracy, standard_error, z, lowest=0.0, confidence=confidence, n=n, notes=notes
    )


def _check_correct(name: str, values) -> np.ndarray:
    """A 1-D array of right (True, 1) and wrong (False, 0) answers, one per test image."""
    message = (
        f"{name} must be a non-empty 1-D sequence of True/False (or 1/0), one per test image: "
        "whether the model was right, such as predictions == y_test"
    )
    if isinstance(values, (str, bytes)) or values is None:
        raise ValueError(f"{message}; got {describe(values)}.")
    try:
        array = np.asarray(values)
    except (TypeError, ValueError):
        raise ValueError(f"{message}; got {describe(values)}.") from None
    if array.ndim != 1 or array.size == 0 or array.dtype.kind not in "biuf":
        raise ValueError(f"{message}; got {describe(values)} of dtype {array.dtype}.")
    if array.dtype.kind != "b" and not np.isin(array, (0, 1)).all():
        raise ValueError(f"{message}; got values other than 0 and 1, such as predicted labels or scores.")
    return array.astype(bool)


def _correct(name: str) -> Satisfies:
    """One right/wrong answer per test image (:func:`_check_correct`, which names the argument)."""
    return Satisfies(
        lambda values: _check_correct(name, values),
        "a non-empty 1-D sequence of True/False (or 1/0), one per test image",
        valid=[True, False, True, True],
        invalid=[[], [2, 0], [0.5], [[True]], "TF"],
    )


@validate_arguments(correct_a=_correct("correct_a"), correct_b=_correct("correct_b"), confidence=CONFIDENCE)
def accuracy_difference_interval(correct_a, correct_b, confidence=0.95) -> ConfidenceInterval:
    """How sure the difference between two models' accuracies on the same test images is.

    Both models answer the same images, so the images both get right (or both get wrong)
    say nothing about which is better: only the images where they disagree count. With
    ``d`` = 1 where only B is right, -1 where only A is right and 0 elsewhere, the estimate is
    the mean of ``d`` (B's accuracy minus A's) and its standard error is
    ``sqrt((b + c - (b - c)**2 / n)) / n``, where ``b`` and ``c`` count the images only B and
    only A get right. An interval that holds 0 cannot tell the two models apart.

    Parameters
    ----------
    correct_a, correct_b : sequence of bool
        One value per test image, in the same order: whether model A (B) was right.
    confidence : float, default=0.95
        Between 0 and 1 (excluded).

    Returns
    -------
    ConfidenceInterval
        Of B's accuracy minus A's, cut to -1 and 1; with a note when the models disagree
        on fewer than ``FEWEST_FOR_NORMAL`` images.

    Examples
    --------
    >>> a = [True] * 90 + [False] * 10   # A: 90 of 100 right
    >>> b = [True] * 85 + [False] * 3 + [True] * 10 + [False] * 2   # B: 95 right; they disagree on 11
    >>> interval = accuracy_difference_interval(a, b)
    >>> round(interval.estimate, 3), round(interval.standard_error, 4)
    (0.05, 0.0328)
    >>> interval.contains(0)  # 100 images cannot tell these two apart
    True
    """
    a, b = correct_a, correct_b
    if len(a) != len(b):
        raise ValueError(
            f"correct_a and correct_b must hold one value per test image each, in the same order, "
            f"got {len(a):,} and {len(b):,} values."
        )
    confidence, z = _z_score(confidence)
    n = len(a)
    only_b, only_a = int(np.sum(b & ~a)), int(np.sum(a & ~b))
    estimate = (only_b - only_a) / n
    standard_error = math.sqrt(max(0.0, only_b + only_a - (only_b - only_a) ** 2 / n)) / n
    notes = []
    if only_a + only_b < FEWEST_FOR_NORMAL:
        notes.append(
            f"the models disagree on {only_a + only_b} of {n:,} images: the normal approximation needs "
            f"at least {FEWEST_FOR_NORMAL}, so the interval is only rough. Compare them on more images."
        )
    return ConfidenceInterval.around(
        estimate, standard_error, z, lowest=-1.0, confidence=confidence, n=n, notes=notes
    )
