"""Plot a Keras training history: loss and accuracy, for training and validation.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> history = {"loss": [0.9, 0.5, 0.4], "val_loss": [0.8, 0.6, 0.65],
...            "accuracy": [0.7, 0.85, 0.9], "val_accuracy": [0.75, 0.82, 0.81]}
>>> fig = plot_history(history)
>>> [ax.get_title() for ax in fig.axes]
['loss', 'accuracy']
>>> best_epoch(history)
2
>>> early_stopping_epoch(history["val_loss"], patience=1)
3

``best_epoch`` and ``early_stopping_epoch`` are pure; matplotlib is imported only to draw.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["best_epoch", "early_stopping_epoch", "history_dict", "plot_history"]


def history_dict(history) -> dict[str, list[float]]:
    """Return the per-epoch values of a ``keras.callbacks.History`` or of a plain dict.

    Raises
    ------
    ValueError
        If ``history`` is neither, is empty, or its lists have different lengths.
    """
    values = getattr(history, "history", history)
    if not isinstance(values, Mapping) or not values:
        raise ValueError(
            "history must be the History returned by model.fit(...) or a non-empty dict "
            f"such as {{'loss': [...], 'val_loss': [...]}}, got {type(history).__name__}."
        )
    result = {str(key): [float(v) for v in np.ravel(value)] for key, value in values.items()}
    lengths = {len(value) for value in result.values()}
    if len(lengths) != 1 or 0 in lengths:
        raise ValueError(
            f"every entry of history must hold one value per epoch, got lengths "
            f"{ {key: len(value) for key, value in result.items()} }."
        )
    return result


def best_epoch(history, monitor: str = "val_loss") -> int:
    """The epoch (counted from 1) with the best ``monitor`` value: lowest loss, highest accuracy.

    This is the epoch that ``ModelCheckpoint(save_best_only=True, monitor=monitor)`` keeps.
    """
    values = history_dict(history)
    if monitor not in values:
        raise ValueError(f"monitor must be one of {sorted(values)}, got {monitor!r}.")
    series = np.asarray(values[monitor])
    index = np.argmin(series) if "loss" in monitor else np.argmax(series)
    return int(index) + 1


def early_stopping_epoch(values, patience: int, mode: str = "min", min_delta: float = 0.0):
    """The epoch (counted from 1) at which ``keras.callbacks.EarlyStopping`` stops training.

    Keras counts the epochs since the last improvement; once that count reaches
    ``patience``, training stops at the end of that epoch. An improvement is a value lower
    than the best so far by more than ``min_delta`` (``mode='min'``, for a loss), or higher
    (``mode='max'``, for an accuracy). If the count never reaches ``patience``, training
    runs to the last epoch, whose number is returned.

    Parameters
    ----------
    values : sequence of float
        The monitored value at each epoch, e.g. ``history.history['val_loss']``.
    patience : int
        Epochs without improvement to wait (>= 0).
    mode : {'min', 'max'}, default='min'
    min_delta : float, default=0.0

    Examples
    --------
    >>> early_stopping_epoch([0.5, 0.4, 0.45, 0.41, 0.42, 0.3], patience=3)
    5
    """
    from course_utils._validation import check_int

    series = [float(v) for v in np.ravel(values)]
    if not series:
        raise ValueError("values must hold at least one epoch.")
    patience = check_int("patience", patience, minimum=0)
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}.")
    sign = 1.0 if mode == "min" else -1.0
    best = np.inf
    wait = 0
    for epoch, value in enumerate(series):
        wait += 1
        if sign * value < best - abs(min_delta):
            best = sign * value
            wait = 0
            continue
        if wait >= patience and epoch > 0:
            return epoch + 1
    return len(series)


def plot_history(history, metrics=("loss", "accuracy"), mark_best: str | None = "val_loss"):
    """Plot each metric per epoch, training (solid) against validation (dashed).

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``model.fit`` returned, or its ``.history`` dict.
    metrics : sequence of str, default=('loss', 'accuracy')
        One panel per metric that the history holds; ``'val_' + name`` is drawn when present.
    mark_best : str or None, default='val_loss'
        Draw a vertical line at the best epoch of this series (None: no line).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    values = history_dict(history)
    names = [name for name in metrics if name in values]
    if not names:
        raise ValueError(f"metrics {tuple(metrics)!r} are not in the history, which holds {sorted(values)}.")
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.2), squeeze=False)
    best = best_epoch(values, mark_best) if mark_best and mark_best in values else None
    for ax, name in zip(axes[0], names, strict=True):
        epochs = np.arange(1, len(values[name]) + 1)
        ax.plot(epochs, values[name], "o-", label="training")
        if "val_" + name in values:
            ax.plot(epochs, values["val_" + name], "s--", label="validation")
        if best is not None:
            ax.axvline(best, color="grey", linestyle=":", label=f"best epoch ({best})")
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.set_xticks(epochs)
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig
