"""Training histories: the per-epoch values that ``model.fit`` records, and what to read from them.

Pure Python and NumPy: :func:`best_epoch` is the epoch a ``ModelCheckpoint(save_best_only=True)``
keeps, :func:`early_stopping_epoch` the one at which ``EarlyStopping`` stops, both without
TensorFlow. :mod:`course_utils.plots.training` draws the curves.

Examples
--------
>>> history = {"loss": [0.9, 0.5, 0.4], "val_loss": [0.8, 0.6, 0.65],
...            "accuracy": [0.7, 0.85, 0.9], "val_accuracy": [0.75, 0.82, 0.81]}
>>> best_epoch(history)
2
>>> best_epoch(history, "val_accuracy")
2
>>> early_stopping_epoch(history["val_loss"], patience=1)
3
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from course_utils.core._constraints import Count, Option, Real, Satisfies, Series, validate_arguments
from course_utils.core._validation import MAX_EPOCHS, check_series, describe

__all__ = [
    "MAX_EPOCHS",
    "MAXIMIZED_METRICS",
    "best_epoch",
    "early_stopping_epoch",
    "history_dict",
    "monitor_mode",
]

MODES = ("auto", "min", "max")
"""How :func:`monitor_mode` reads a metric: from its name, lower is better, higher is better."""

MAXIMIZED_METRICS = ("acc", "auc", "precision", "recall", "f1", "fbeta", "iou", "specificity", "sensitivity")
"""Parts of a metric name that make ``mode='auto'`` maximise it: accuracy-like metrics."""


def _history_values(history) -> dict[str, list[float]]:
    """The per-epoch values of a History or a dict, checked (the reader of :data:`HISTORY`)."""
    values = getattr(history, "history", history)
    if not isinstance(values, Mapping) or not values:
        raise ValueError(
            "history must be the History returned by model.fit(...) or a non-empty dict "
            f"such as {{'loss': [...], 'val_loss': [...]}}, got {type(history).__name__}."
        )
    result = {
        str(key): check_series(f"history[{key!r}]", value, min_size=0).tolist()
        for key, value in values.items()
    }
    lengths = {len(value) for value in result.values()}
    if len(lengths) != 1 or 0 in lengths:
        raise ValueError(
            f"every entry of history must hold one value per epoch, got lengths "
            f"{ {key: len(value) for key, value in result.items()} }."
        )
    return result


HISTORY = Satisfies(
    _history_values,
    "a keras.callbacks.History or a dict of per-epoch values of one length",
    valid=lambda: {"loss": [0.9, 0.5, 0.4], "val_loss": [0.8, 0.6, 0.65]},
    invalid=[{}, {"loss": 0.5}, {"loss": [0.5, None]}, {"loss": [0.5], "val_loss": [0.5, 0.4]}],
)
"""A training history (:func:`history_dict`), as a dict of lists: the helpers that read one share it."""


@validate_arguments(history=HISTORY)
def history_dict(history) -> dict[str, list[float]]:
    """Return the per-epoch values of a ``keras.callbacks.History`` or of a plain dict.

    Each entry must be a sequence of numbers, one per epoch: a bare number is not a one-epoch
    history.

    Raises
    ------
    ValueError
        If ``history`` is neither, is empty, holds something other than sequences of numbers,
        or its lists have different lengths.

    Examples
    --------
    >>> history_dict({"loss": [0.5, 0.25]})
    {'loss': [0.5, 0.25]}
    >>> history_dict({"val_loss": 0.3})
    Traceback (most recent call last):
    ...
    ValueError: history['val_loss'] must be a sequence of numbers (a list, a tuple or an array), one per epoch, got the single number 0.3: a sequence of one number is written [0.3].
    """
    return history


def _metric_name(monitor) -> str:
    if not isinstance(monitor, str):
        raise ValueError(f"monitor must be a metric name such as 'val_loss', got {describe(monitor)}.")
    return monitor


MONITOR = Satisfies(
    _metric_name, "a metric name such as 'val_loss'", valid="val_loss", invalid=[1, b"val_loss"]
)
"""The name of a monitored metric (a string)."""


@validate_arguments(monitor=MONITOR, mode=Option(*MODES))
def monitor_mode(monitor: str, mode: str = "auto") -> str:
    """Return ``'min'`` or ``'max'``: whether a lower or a higher ``monitor`` value is better.

    ``mode='auto'`` decides from the name, as Keras callbacks do: an accuracy-like metric
    (a name containing one of ``MAXIMIZED_METRICS``, such as ``'val_accuracy'`` or
    ``'auc'``) is maximised; everything else (losses, errors such as ``'val_mae'``) is
    minimised.

    Examples
    --------
    >>> monitor_mode("val_loss"), monitor_mode("val_accuracy"), monitor_mode("val_mae")
    ('min', 'max', 'min')
    >>> monitor_mode("val_mae", mode="max")
    'max'
    """
    if mode != "auto":
        return mode
    name = monitor.lower()
    if name.endswith("loss"):
        return "min"
    return "max" if any(part in name for part in MAXIMIZED_METRICS) else "min"


@validate_arguments(history=HISTORY, monitor=MONITOR, mode=Option(*MODES))
def best_epoch(history, monitor: str = "val_loss", mode: str = "auto") -> int:
    """The epoch (counted from 1) with the best ``monitor`` value.

    This is the epoch that ``ModelCheckpoint(save_best_only=True, monitor=monitor)`` keeps.
    Which value is best is :func:`monitor_mode`'s answer: the lowest loss or error, the
    highest accuracy. On a tie, the first epoch wins. An epoch whose value is NaN (training
    diverged) is never the best, although a Keras checkpoint that sees NaN at the first
    epoch keeps it and never improves on it: that epoch was not the best one.

    Parameters
    ----------
    history : keras.callbacks.History or dict
    monitor : str, default='val_loss'
    mode : {'auto', 'min', 'max'}, default='auto'

    Raises
    ------
    ValueError
        If ``monitor`` is not in the history, or all its values are NaN.

    Examples
    --------
    >>> best_epoch({"val_loss": [0.5, float("nan"), 0.4]})
    3
    >>> best_epoch({"val_mae": [3.0, 2.0, 2.5]}, "val_mae")
    2
    """
    direction = monitor_mode(monitor, mode)
    if monitor not in history:
        raise ValueError(f"monitor must be one of {sorted(history)}, got {monitor!r}.")
    series = np.asarray(history[monitor])
    if np.isnan(series).all():
        raise ValueError(
            f"every value of {monitor!r} is NaN: there is no best epoch (did training diverge?)."
        )
    index = np.nanargmin(series) if direction == "min" else np.nanargmax(series)
    return int(index) + 1


def _improves(value: float, best: float, mode: str, min_delta: float) -> bool:
    """Keras's test of an improvement: ``value + min_delta < best`` (or ``value - min_delta > best``),
    the sum in Python floats and the comparison in float32, as ``keras.ops`` compares Python floats."""
    with np.errstate(over="ignore"):
        if mode == "min":
            return bool(np.float32(value + min_delta) < np.float32(best))
        return bool(np.float32(value - min_delta) > np.float32(best))


@validate_arguments(values=Series(), patience=Count(0), mode=Option("min", "max"), min_delta=Real())
def early_stopping_epoch(values, patience: int, mode: str = "min", min_delta: float = 0.0) -> int:
    """The epoch (counted from 1) at which ``keras.callbacks.EarlyStopping`` stops training.

    Keras counts the epochs since the last improvement; once that count reaches
    ``patience``, training stops at the end of that epoch. An improvement is a value lower
    than the best so far by more than ``min_delta`` (``mode='min'``, for a loss), or higher
    (``mode='max'``, for an accuracy), decided as Keras decides it: ``value + min_delta`` is
    compared with the best in float32, so that 0.3 after 0.4 with ``min_delta=0.1`` is no
    improvement, in Keras as here. As in Keras, the first epoch always counts as an
    improvement, and a NaN never does (after a NaN first epoch nothing improves on it). If
    the count never reaches ``patience``, training runs to the last epoch, whose number is
    returned.

    Parameters
    ----------
    values : sequence of float
        The monitored value at each epoch, e.g. ``history.history['val_loss']``.
    patience : int
        Epochs without improvement to wait (>= 0).
    mode : {'min', 'max'}, default='min'
    min_delta : float, default=0.0
        The smallest change that counts as an improvement (its sign is ignored, as in Keras).

    Examples
    --------
    >>> early_stopping_epoch([0.5, 0.4, 0.45, 0.41, 0.42, 0.3], patience=3)
    5
    """
    series = values.tolist()
    min_delta = abs(min_delta)
    best = None  # as in Keras: the first epoch is always an improvement, even a NaN one
    wait = 0
    for epoch, value in enumerate(series):
        wait += 1
        if best is None or _improves(value, best, mode, min_delta):
            best = value
            wait = 0
            continue
        if wait >= patience and epoch > 0:
            return epoch + 1
    return len(series)
