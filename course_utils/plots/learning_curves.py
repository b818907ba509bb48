"""Draw learning curves for lesson 07: one run up to an epoch, many runs side by side, and sweeps.

The figures draw what :mod:`course_utils.engines.diagnosis` measures: the best epoch, and the
valley-shaped curve (:func:`course_utils.engines.diagnosis.valley_fit`) that a healthy loss follows.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> history = {"loss": [0.9, 0.5, 0.4, 0.35], "val_loss": [0.8, 0.6, 0.62, 0.7],
...            "accuracy": [0.7, 0.85, 0.9, 0.92], "val_accuracy": [0.75, 0.82, 0.81, 0.8]}
>>> fig = plot_learning_curves(history, upto=3)
>>> [ax.get_title() for ax in fig.axes]
['loss (epochs 1-3 of 4)', 'accuracy (epochs 1-3 of 4)']
>>> fig = plot_runs({"A": history, "B": history}, columns=2)
>>> len(fig.axes)
2
"""

from __future__ import annotations

import numpy as np

from course_utils.core._constraints import Count, Flag, Numbers, OrNone, Satisfies, Text, validate_arguments
from course_utils.core._validation import check_int, check_text, describe
from course_utils.engines.diagnosis import LOSS_HISTORY, check_history
from course_utils.plots._checks import AXES, SIZE

__all__ = ["MAX_RUNS", "plot_learning_curves", "plot_runs", "plot_sweep"]

MAX_RUNS = 24
"""The most runs :func:`plot_runs` draws in one figure."""
TRAIN_STYLE = {"color": "#1f77b4", "marker": "o", "markersize": 3, "label": "training"}
VAL_STYLE = {"color": "#d62728", "marker": "s", "markersize": 3, "linestyle": "--", "label": "validation"}


def _runs(runs) -> dict[str, dict[str, list[float]]]:
    """The histories of ``runs`` (a non-empty dict of name -> history, at most ``MAX_RUNS``), checked."""
    if not isinstance(runs, dict) or not runs:
        raise ValueError(f"runs must be a non-empty dict of name -> history, got {describe(runs)}.")
    if len(runs) > MAX_RUNS:
        raise ValueError(f"runs holds {len(runs)} runs; plot_runs draws at most {MAX_RUNS}.")
    histories = {}
    for name, history in runs.items():
        try:
            histories[name] = check_history(history)
        except (TypeError, ValueError) as error:
            raise ValueError(f"runs[{name!r}] is not a run's history: {error}") from None
    return histories


RUNS = Satisfies(
    _runs,
    f"a non-empty dict of name -> history (at most {MAX_RUNS})",
    valid=lambda: {"A": LOSS_HISTORY.valid_value()},
    invalid=[{}, [], {"A": [0.5]}, dict.fromkeys(range(MAX_RUNS + 1), {"loss": [0.5], "val_loss": [0.5]})],
)
"""The runs :func:`plot_runs` draws, as a dict of name -> per-epoch lists."""


def _titles(titles) -> dict:
    if not isinstance(titles, dict):
        raise ValueError(f"titles must be a dict of name -> title, or None, got {describe(titles)}.")
    return titles


TITLES = OrNone(Satisfies(_titles, "a dict of name -> title", valid={}, invalid=[["A"], "A"]))
"""A title per run, or None; that each names a run of ``runs`` is checked in the body."""

POINTS = {"ndim": 1, "min_size": 2, "unit": "point"}
"""A curve's values: a 1-D sequence of at least 2 real numbers (no text, None, True/False or complex
numbers)."""
CURVE = Numbers(**POINTS, allow_nan=True, allow_inf=True)
"""A training or validation curve: NaN and infinity (a diverged run) are drawn as gaps."""


def _limits(values) -> tuple[float, float]:
    finite = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    if finite.size == 0:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    pad = 0.05 * (high - low) if high > low else 0.05 * max(abs(high), 1.0)
    return low - pad, high + pad


def _log_scale(train, val) -> bool:
    """An exploding loss (5 times where it started, or more) reads better on a log axis, unless a
    loss is 0 or below: a log axis would drop that point without a word."""
    if any(np.isfinite(v) and v <= 0 for v in list(train) + list(val)):
        return False
    values = np.asarray([v for v in list(train) + list(val) if np.isfinite(v) and v > 0], dtype=float)
    start = (
        min(v for v in (train[0], val[0]) if np.isfinite(v)) if np.isfinite([train[0], val[0]]).any() else 0
    )
    return values.size > 1 and start > 0 and values.max() > 5 * start


@validate_arguments(history=LOSS_HISTORY, show_fit=Flag(), title=Text(optional=True))
def plot_learning_curves(
    history,
    upto: int | None = None,
    metric: str | None = "auto",
    show_fit: bool = False,
    axes=None,
    title: str | None = None,
):
    """Plot loss (and a metric) per epoch, training against validation, up to epoch ``upto``.

    The axes keep the limits of the whole run, so that a slider moving ``upto`` shows the
    curves growing rather than the axes jumping. A dotted line marks the best epoch so far
    (lowest validation loss).

    Parameters
    ----------
    history : keras.callbacks.History or dict
        Needs ``loss`` and ``val_loss``.
    upto : int, optional
        The last epoch drawn (1 to the number of epochs); default: all of them.
    metric : str or None, default='auto'
        A second panel for this metric and its ``val_`` twin; ``'auto'`` takes the accuracy
        pair when there is one (:func:`course_utils.engines.diagnosis.error_pair`); None draws the loss only.
    show_fit : bool, default=False
        Also draw the nearest curve that falls, or falls then rises
        (:func:`course_utils.engines.diagnosis.valley_fit`) through the validation loss.
    axes : sequence of matplotlib Axes, optional
        Where to draw (one per panel); default: a new figure.
    title : str, optional
        A title above the figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from course_utils.engines.diagnosis import error_pair, valley_fit

    values = history
    epochs = len(values["loss"])
    upto = epochs if upto is None else check_int("upto", upto, minimum=1, maximum=epochs)
    if isinstance(metric, str) and metric == "auto":
        pair = error_pair(values)
        metric = pair[0] if pair else None
    elif metric is not None and (
        not isinstance(metric, str) or metric not in values or f"val_{metric}" not in values
    ):
        raise ValueError(
            f"metric must be 'auto', None or a name whose val_ twin is in the history "
            f"({sorted(values)}), got {describe(metric)}."
        )
    names = ["loss"] + ([metric] if metric else [])
    created = axes is None
    if created:
        fig, axes = plt.subplots(1, len(names), figsize=(4.3 * len(names), 3.1), squeeze=False)
        axes = list(axes[0])
    else:
        from matplotlib.axes import Axes

        axes = (
            list(np.ravel(np.asarray(axes, dtype=object)))
            if isinstance(axes, (list, tuple, np.ndarray))
            else [axes]
        )
        if len(axes) != len(names) or not all(isinstance(ax, Axes) for ax in axes):
            raise ValueError(
                f"axes must hold {len(names)} matplotlib Axes (one per panel {names}), got {describe(axes)}."
            )
        fig = axes[0].figure
    x = np.arange(1, epochs + 1)
    val_loss = np.asarray(values["val_loss"][:upto], dtype=float)
    best = (
        int(np.nanargmin(np.where(np.isfinite(val_loss), val_loss, np.nan))) + 1
        if np.isfinite(val_loss).any()
        else None
    )
    for ax, name in zip(axes, names, strict=True):
        ax.clear()
        train, val = values[name], values["val_" + name]
        ax.plot(x[:upto], train[:upto], **TRAIN_STYLE)
        ax.plot(x[:upto], val[:upto], **VAL_STYLE)
        if name == "loss" and show_fit and upto >= 2 and np.isfinite(val_loss).all():
            ax.plot(
                x[:upto], valley_fit(val_loss), color="grey", linewidth=1, alpha=0.7, label="smooth valley"
            )
        if best is not None:
            ax.axvline(best, color="grey", linestyle=":", label=f"best epoch ({best})")
        ax.set_xlim(0.5, epochs + 0.5)
        if name == "loss" and _log_scale(train, val):
            ax.set_yscale("log")
        else:
            ax.set_ylim(*_limits(train + val))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_title(f"{name} (epochs 1-{upto} of {epochs})" if upto < epochs else name)
        ax.legend(fontsize="small")
    if title:
        fig.suptitle(title)
    if created:
        fig.tight_layout()
    return fig


@validate_arguments(runs=RUNS, columns=Count(1, MAX_RUNS), size=SIZE, titles=TITLES)
def plot_runs(runs, columns: int = 4, titles=None, size: float = 2.6):
    """Small multiples: the training and validation loss of each run, one panel per run.

    Parameters
    ----------
    runs : dict of name -> history
        The runs, drawn in the dict's order.
    columns : int, default=4
    titles : dict of name -> str, optional
        A title per run (default: its name).
    size : float, default=2.6
        Width of one panel in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    histories = runs
    for key, text in (titles or {}).items():
        if key not in runs:
            raise ValueError(
                f"titles names {key!r}, which is not a run of runs ({', '.join(map(repr, runs))})."
            )
        check_text(f"titles[{key!r}]", text)
    columns = min(columns, len(histories))
    rows = -(-len(histories) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(size * columns, 0.8 * size * rows), squeeze=False)
    for ax, (name, values) in zip(axes.flat, histories.items()):
        x = np.arange(1, len(values["loss"]) + 1)
        ax.plot(x, values["loss"], color=TRAIN_STYLE["color"], linewidth=1.2)
        ax.plot(x, values["val_loss"], color=VAL_STYLE["color"], linestyle="--", linewidth=1.2)
        if _log_scale(values["loss"], values["val_loss"]):
            ax.set_yscale("log")
        ax.set_title(str((titles or {}).get(name, name)), fontsize="medium")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize="x-small")
    for ax in list(axes.flat)[len(histories) :]:
        ax.axis("off")
    fig.legend(["training loss", "validation loss"], loc="lower center", ncol=2, fontsize="small")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


@validate_arguments(
    x=Numbers(**POINTS),
    train=CURVE,
    val=CURVE,
    xlabel=Text(),
    ylabel=Text(),
    log_x=Flag(),
    ax=AXES,
    title=Text(optional=True),
)
def plot_sweep(x, train, val, xlabel: str, ylabel: str = "loss", log_x: bool = True, ax=None, title=None):
    """Training and validation values against a setting (model size, number of images).

    With ``log_x=True`` (a log axis) every ``x`` must be above 0: a log axis cannot show 0 or a
    negative setting, and matplotlib would drop those points without a word.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    xs, ys_train, ys_val = x, train, val
    if not xs.shape == ys_train.shape == ys_val.shape:
        raise ValueError(
            f"x, train and val must have the same length, got {len(xs)}, {len(ys_train)} and {len(ys_val)}."
        )
    if log_x and (xs <= 0).any():
        raise ValueError(
            f"x must be above 0 with log_x=True, got {xs[xs <= 0][0]:g}: a log axis cannot show it; "
            "give log_x=False."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 3.2))
    ax.plot(xs, ys_train, **TRAIN_STYLE)
    ax.plot(xs, ys_val, **VAL_STYLE)
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize="small")
    return ax
