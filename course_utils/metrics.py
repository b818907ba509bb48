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
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from course_utils._validation import check_int

__all__ = [
    "BinaryMetrics",
    "averaged_metrics",
    "binary_counts",
    "binary_metrics",
    "confusion_matrix",
    "harmonic_mean",
    "one_vs_rest_counts",
    "per_class_metrics",
    "precision_recall_curve",
    "threshold_predictions",
    "truncate",
]

METRIC_NAMES = ("accuracy", "precision", "recall", "specificity", "f1")


def _check_count(name, value) -> int:
    """A count is an integer >= 0 (NumPy integers are accepted)."""
    return check_int(name, value, minimum=0)


def _check_zero_division(value) -> Fraction:
    if isinstance(value, bool) or value not in (0, 1):
        raise ValueError(f"zero_division must be 0 or 1, got {value!r}.")
    return Fraction(int(value))


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
        """One metric as a percentage rounded to ``decimals`` places, rounded once at the end.

        Examples
        --------
        >>> binary_metrics(tp=10, fp=22, fn=8, tn=60).percent("recall")
        55.6
        """
        if name not in METRIC_NAMES:
            raise ValueError(f"name must be one of {METRIC_NAMES}, got {name!r}.")
        check_int("decimals", decimals, minimum=0)
        return round(float(getattr(self, name)) * 100, decimals)

    def __str__(self) -> str:
        width = max(len(name) for name in METRIC_NAMES)
        lines = [f"TP={self.tp}  FP={self.fp}  FN={self.fn}  TN={self.tn}"]
        for name, value in self.as_dict().items():
            lines.append(f"{name:<{width}}  {value!s:>9}  = {float(value) * 100:6.2f}%")
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle):  # IPython display: the readable table
        printer.text(str(self))


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
    tp = _check_count("tp", tp)
    fp = _check_count("fp", fp)
    fn = _check_count("fn", fn)
    tn = _check_count("tn", tn)
    zero = _check_zero_division(zero_division)
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
    for name, value in (("precision", precision), ("recall", recall)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
            raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}.")
    if precision + recall == 0:
        return precision * 0
    return 2 * precision * recall / (precision + recall)


def truncate(value, decimals: int = 2) -> Fraction:
    """Cut ``value`` to ``decimals`` places (toward zero), as a hand calculation often does.

    Used to show how cutting intermediate results changes a final answer.

    Examples
    --------
    >>> truncate(Fraction(5, 9), 2)
    Fraction(11, 20)
    >>> float(truncate(0.3472, 2))
    0.34
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"value must be a real number, got {value!r}.")
    decimals = check_int("decimals", decimals, minimum=0)
    scale = 10**decimals
    exact = Fraction(value).limit_denominator(10**12) if isinstance(value, float) else Fraction(value)
    return Fraction(int(exact * scale), scale)


def _as_label_array(name, values) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence of labels, got shape {array.shape}.")
    return array


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
    y_true = _as_label_array("y_true", y_true)
    y_pred = _as_label_array("y_pred", y_pred)
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true and y_pred must have the same length, got {len(y_true)} and {len(y_pred)}.")
    if num_classes is not None and labels is not None:
        raise ValueError("Give num_classes or labels, not both.")
    if num_classes is not None:
        num_classes = check_int("num_classes", num_classes, minimum=1)
        labels = list(range(num_classes))
    elif labels is None:
        labels = sorted(set(y_true.tolist()) | set(y_pred.tolist()))
        if not labels:
            raise ValueError("y_true and y_pred are empty: give labels or num_classes.")
    else:
        labels = list(np.asarray(labels).tolist())
        if len(labels) == 0 or len(set(labels)) != len(labels):
            raise ValueError(f"labels must be a non-empty list without repeats, got {labels!r}.")
    index = {label: i for i, label in enumerate(labels)}
    n = len(labels)
    matrix = np.zeros((n, n), dtype=np.int64)
    for name, array in (("y_true", y_true), ("y_pred", y_pred)):
        unknown = sorted({value for value in array.tolist() if value not in index}, key=str)
        if unknown:
            raise ValueError(
                f"{name} contains labels {unknown[:5]!r} that are not among the labels "
                f"{labels if n <= 12 else str(labels[:12]) + '...'}."
            )
    rows = np.array([index[value] for value in y_true.tolist()], dtype=np.int64)
    cols = np.array([index[value] for value in y_pred.tolist()], dtype=np.int64)
    np.add.at(matrix, (rows, cols), 1)
    return matrix


def _check_matrix(cm) -> np.ndarray:
    matrix = np.asarray(cm)
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
    if matrix.sum() == 0:
        raise ValueError("cm holds no sample (all counts are 0).")
    return matrix


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
    matrix = _check_matrix(cm)
    k = check_int("k", k, minimum=0)
    if k >= matrix.shape[0]:
        raise ValueError(f"k must be a class index from 0 to {matrix.shape[0] - 1}, got {k}.")
    tp = int(matrix[k, k])
    fn = int(matrix[k, :].sum()) - tp
    fp = int(matrix[:, k].sum()) - tp
    tn = int(matrix.sum()) - tp - fn - fp
    return tp, fp, fn, tn


def binary_counts(y_true, y_pred, positive=1) -> tuple[int, int, int, int]:
    """``(tp, fp, fn, tn)`` from two label sequences, for the class ``positive``.

    Examples
    --------
    >>> binary_counts([1, 1, 0, 0, 1], [1, 0, 0, 1, 1])
    (2, 1, 1, 1)
    """
    y_true = _as_label_array("y_true", y_true)
    y_pred = _as_label_array("y_pred", y_pred)
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


def per_class_metrics(cm, zero_division=0) -> list[BinaryMetrics]:
    """One :class:`BinaryMetrics` per class (one against the rest), in row order.

    Examples
    --------
    >>> cm = confusion_matrix([0, 0, 1, 1, 2], [0, 1, 1, 1, 0], num_classes=3)
    >>> [str(m.recall) for m in per_class_metrics(cm)]
    ['1/2', '1', '0']
    """
    matrix = _check_matrix(cm)
    return [
        binary_metrics(*one_vs_rest_counts(matrix, k), zero_division=zero_division)
        for k in range(matrix.shape[0])
    ]


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
    matrix = _check_matrix(cm)
    if average not in ("macro", "micro"):
        raise ValueError(f"average must be 'macro' or 'micro', got {average!r}.")
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


def _check_scores(scores) -> np.ndarray:
    array = np.asarray(scores, dtype=float) if not isinstance(scores, np.ndarray) else scores
    if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"scores must be a non-empty 1-D array of numbers, got shape {np.shape(array)}.")
    if not np.all(np.isfinite(array)):
        raise ValueError("scores must be finite numbers (no NaN or infinity).")
    return array


def threshold_predictions(scores, threshold=0.5) -> np.ndarray:
    """Turn scores (e.g. sigmoid outputs) into 0/1 predictions: 1 when ``score >= threshold``.

    Keras metrics such as ``keras.metrics.Precision`` use ``score > threshold``; the two
    differ only for a score exactly equal to the threshold.

    Examples
    --------
    >>> threshold_predictions([0.1, 0.5, 0.9], threshold=0.5)
    array([0, 1, 1])
    """
    array = _check_scores(scores)
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real) or not np.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number, got {threshold!r}.")
    return (array >= threshold).astype(np.int64)


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
    labels = _as_label_array("y_true", y_true)
    array = _check_scores(scores)
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
