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
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["best_epoch", "history_dict", "plot_history"]


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
        raise ValueError(f"every entry of history must hold one value per epoch, got lengths "
                         f"{ {key: len(value) for key, value in result.items()} }.")
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
    values = history_dict(history)
    names = [name for name in metrics if name in values]
    if not names:
        raise ValueError(f"metrics {tuple(metrics)!r} are not in the history, which holds "
                         f"{sorted(values)}.")
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
