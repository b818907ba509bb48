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

What the curves say (the best epoch, the early-stopping epoch) is computed by the pure
module :mod:`course_utils.engines.history`; its functions are importable from here too.
"""

from __future__ import annotations

import numpy as np

from course_utils.core._constraints import OrNone, Satisfies, validate_arguments
from course_utils.core._validation import describe
from course_utils.engines.history import HISTORY, best_epoch, early_stopping_epoch, history_dict

__all__ = ["best_epoch", "early_stopping_epoch", "history_dict", "plot_history"]

MAX_PANELS = 8
"""The most metrics :func:`plot_history` draws, one panel each."""
MAX_EPOCH_TICKS = 20
"""Up to this many epochs, every epoch gets a tick on the x axis."""


def _metric_names(metrics) -> list[str]:
    names = [metrics] if isinstance(metrics, str) else metrics
    if not isinstance(names, (list, tuple)) or not names or not all(isinstance(n, str) for n in names):
        raise ValueError(
            f"metrics must be a metric name or a list of names such as ('loss',), got {describe(metrics)}."
        )
    return list(names)


def _marked_metric(mark_best) -> str:
    if not isinstance(mark_best, str):
        raise ValueError(
            f"mark_best must be a metric name such as 'val_loss', or None, got {describe(mark_best)}."
        )
    return mark_best


METRICS = Satisfies(
    _metric_names,
    "a metric name or a list of names such as ('loss',)",
    valid=("loss",),
    invalid=[(), [3], [b"loss"], 3],
)
"""The metrics :func:`plot_history` draws, as a list of names."""
MARK_BEST = OrNone(
    Satisfies(_marked_metric, "a metric name such as 'val_loss'", valid="val_loss", invalid=[1])
)
"""The series whose best epoch is marked, or None (no line)."""


@validate_arguments(history=HISTORY, metrics=METRICS, mark_best=MARK_BEST)
def plot_history(history, metrics=("loss", "accuracy"), mark_best: str | None = "val_loss"):
    """Plot each metric per epoch, training (solid) against validation (dashed).

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``model.fit`` returned, or its ``.history`` dict.
    metrics : str or sequence of str, default=('loss', 'accuracy')
        One panel per metric that the history holds; ``'val_' + name`` is drawn when present.
    mark_best : str or None, default='val_loss'
        Draw a vertical line at the best epoch of this series (:func:`best_epoch`;
        None: no line). No line is drawn when the series is missing or all NaN.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    values, wanted = history, metrics
    names = [name for name in wanted if name in values]
    if not names:
        raise ValueError(f"metrics {tuple(wanted)!r} are not in the history, which holds {sorted(values)}.")
    if len(names) > MAX_PANELS:
        raise ValueError(
            f"metrics names {len(names)} series; plot_history draws at most {MAX_PANELS} panels."
        )
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.2), squeeze=False)
    marked = mark_best in values and not np.isnan(values[mark_best]).all()
    best = best_epoch(values, mark_best) if marked else None
    for ax, name in zip(axes[0], names, strict=True):
        epochs = np.arange(1, len(values[name]) + 1)
        ax.plot(epochs, values[name], "o-", label="training")
        if "val_" + name in values:
            ax.plot(epochs, values["val_" + name], "s--", label="validation")
        if best is not None:
            ax.axvline(best, color="grey", linestyle=":", label=f"best epoch ({best})")
        ax.set_title(name)
        ax.set_xlabel("epoch")
        if len(epochs) <= MAX_EPOCH_TICKS:
            ax.set_xticks(epochs)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig
