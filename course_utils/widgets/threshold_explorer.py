"""Move a decision threshold over real model scores and watch precision and recall trade off.

The logic is :func:`threshold_state`, a pure function the tests call directly. The widget
:func:`threshold_explorer` only turns the slider value into a call and draws the result.

Examples
--------
>>> state = threshold_state([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], threshold=0.5)
>>> state["counts"]
{'tp': 1, 'fp': 0, 'fn': 1, 'tn': 2}
>>> str(state["metrics"].precision), str(state["metrics"].recall)
('1', '1/2')
"""

from __future__ import annotations

import numpy as np

from course_utils.core import metrics as _metrics
from course_utils.core._constraints import Count, Flag, Real, Satisfies, validate_arguments
from course_utils.core._validation import check_numbers, describe

__all__ = [
    "build_threshold_explorer",
    "figure_png",
    "threshold_explorer",
    "threshold_state",
    "threshold_table",
]


MAX_THRESHOLDS = 1000
"""The most rows :func:`threshold_table` computes."""


def _binary_labels(y_true) -> np.ndarray:
    """0/1 labels (a Keras ``(n, 1)`` array too)."""
    if isinstance(y_true, np.ndarray) and y_true.ndim == 2 and y_true.shape[1] == 1:
        y_true = y_true[:, 0]
    labels = _metrics.check_labels("y_true", y_true)
    if not set(labels.tolist()) <= {0, 1}:
        raise ValueError("y_true must hold only 0 and 1.")
    return labels


def _threshold(threshold) -> float:
    return _metrics.check_probability("threshold", threshold)


LABELS_AND_SCORES = {
    "y_true": Satisfies(
        _binary_labels, "labels 0 and 1, one per sample", valid=[0, 1, 1], invalid=[[0, 2], [0.5], 1]
    ),
    "scores": Satisfies(
        lambda scores: _metrics.check_scores(scores, probabilities=True),
        "scores from 0 to 1, one per sample",
        valid=[0.2, 0.6, 0.9],
        invalid=[[1.5], [-0.1], [float("nan")], 0.5],
    ),
}
"""True 0/1 labels and probability scores: that they are as many is checked in the body."""
THRESHOLD = Satisfies(_threshold, "a probability from 0 to 1", valid=0.5, invalid=[1.5, -0.1])
"""A threshold: a sample is predicted positive when its score is at least this."""


def _same_length(labels, values) -> None:
    if len(labels) != len(values):
        raise ValueError(f"y_true and scores must have the same length, got {len(labels)} and {len(values)}.")


@validate_arguments(**LABELS_AND_SCORES, threshold=THRESHOLD)
def threshold_state(y_true, scores, threshold=0.5) -> dict:
    """Everything the widget shows for one threshold.

    Parameters
    ----------
    y_true : sequence of 0/1
        True labels (1 = positive).
    scores : sequence of float in [0, 1]
        The model's scores for the positive class (for example sigmoid outputs).
    threshold : float in [0, 1], default=0.5
        A sample is predicted positive when ``score >= threshold``.

    Returns
    -------
    dict
        ``threshold``, ``counts`` (tp, fp, fn, tn), ``metrics`` (a
        :class:`course_utils.core.metrics.BinaryMetrics`), ``confusion`` (2x2 array, rows = true
        [negative, positive], columns = predicted) and ``point`` (recall, precision) for the
        precision-recall curve.
    """
    labels, values = y_true, scores
    _same_length(labels, values)
    predictions = _metrics.threshold_predictions(values, threshold)
    tp, fp, fn, tn = _metrics.binary_counts(labels, predictions, positive=1)
    result = _metrics.binary_metrics(tp, fp, fn, tn)
    return {
        "threshold": threshold,
        "counts": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
        "metrics": result,
        "confusion": np.array([[tn, fp], [fn, tp]], dtype=np.int64),
        "point": (float(result.recall), float(result.precision)),
    }


def _thresholds(thresholds) -> list[float]:
    array = check_numbers("thresholds", thresholds, ndim=1)  # a sequence of numbers, never a bare one
    if not 0 < len(array) <= MAX_THRESHOLDS:
        raise ValueError(
            f"thresholds must be a list of 1 to {MAX_THRESHOLDS} probabilities, got {describe(thresholds)}."
        )
    return [_metrics.check_probability(f"thresholds[{i}]", t) for i, t in enumerate(array.tolist())]


THRESHOLDS = Satisfies(
    _thresholds,
    f"a list of 1 to {MAX_THRESHOLDS} probabilities",
    valid=(0.3, 0.7),
    invalid=[0.5, [], [1.5], [0.5] * (MAX_THRESHOLDS + 1)],
)
"""The thresholds of :func:`threshold_table`'s rows."""


@validate_arguments(**LABELS_AND_SCORES, thresholds=THRESHOLDS, decimals=Count(0, _metrics.MAX_DECIMALS))
def threshold_table(y_true, scores, thresholds=(0.1, 0.3, 0.5, 0.7, 0.9), decimals: int = 3):
    """Rows of (threshold, TP, FP, FN, TN, precision, recall, F1) for a few thresholds.

    Examples
    --------
    >>> threshold_table([0, 1, 1], [0.2, 0.6, 0.9], thresholds=(0.5,))
    [(0.5, 2, 0, 0, 1, 1.0, 1.0, 1.0)]
    """
    labels, values = y_true, scores
    _same_length(labels, values)
    rows = []
    for threshold in thresholds:
        state = threshold_state(labels, values, threshold)
        m = state["metrics"]
        rows.append(
            (
                state["threshold"],
                m.tp,
                m.fp,
                m.fn,
                m.tn,
                round(float(m.precision), decimals),
                round(float(m.recall), decimals),
                round(float(m.f1), decimals),
            )
        )
    return rows


def _describe(state) -> str:
    m = state["metrics"]
    c = state["counts"]
    lines = [
        f"threshold {state['threshold']:.2f}: predict positive when score >= threshold",
        f"TP={c['tp']}  FP={c['fp']}  FN={c['fn']}  TN={c['tn']}",
        f"precision {float(m.precision):.3f}   recall {float(m.recall):.3f}   "
        f"F1 {float(m.f1):.3f}   accuracy {float(m.accuracy):.3f}",
    ]
    lines.extend(f"note: {note}" for note in m.notes)
    return "\n".join(lines)


def _figure(fig):
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise ValueError(f"fig must be a matplotlib Figure, got {describe(fig)}.")
    return fig


def _a_figure():
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(1, 1))[0]


FIGURE = Satisfies(_figure, "a matplotlib Figure", valid=_a_figure, invalid=[3, "figure"])
"""A matplotlib figure."""


@validate_arguments(fig=FIGURE, close=Flag())
def figure_png(fig, close: bool = True) -> bytes:
    """Render a matplotlib figure to PNG bytes (for an ``ipywidgets.Image``), then close it."""
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=72)
    if close:
        plt.close(fig)
    return buffer.getvalue()


def _class_names(class_names) -> tuple[str, str]:
    if (
        isinstance(class_names, (str, bytes))
        or not isinstance(class_names, (list, tuple))
        or len(class_names) != 2
        or not all(isinstance(name, str) for name in class_names)
    ):
        raise ValueError(
            f"class_names must be a pair of names (strings: class 0, class 1), got {describe(class_names)}."
        )
    return tuple(class_names)


EXPLORER = {
    **LABELS_AND_SCORES,
    "threshold": THRESHOLD,
    "step": Real(0, 1, min_inclusive=False),
    "class_names": Satisfies(
        _class_names,
        "a pair of names (strings: class 0, class 1)",
        valid=("no", "yes"),
        invalid=["ab", ("a",), ("a", 1)],
    ),
}
"""The arguments of the explorer: the labels and scores, the starting threshold, the slider's step and
the names of the two classes."""


@validate_arguments(**EXPLORER)
def build_threshold_explorer(y_true, scores, threshold=0.5, step=0.01, class_names=("negative", "positive")):
    """Build the explorer without showing it: returns ``(box, update)``.

    ``box`` is an ``ipywidgets.VBox`` (slider, text, image); ``update()`` redraws it for the
    slider's current value. :func:`threshold_explorer` displays the box, then calls ``update``.
    The picture is an ``ipywidgets.Image``, not an ``Output`` widget, so the saved notebook
    holds no output that depends on a browser.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from course_utils.plots.images import plot_confusion_matrix, plot_precision_recall_curve

    labels, values = y_true, scores
    _same_length(labels, values)
    precision, recall, _ = _metrics.precision_recall_curve(labels, values)
    slider = widgets.FloatSlider(
        value=float(threshold),
        min=0.0,
        max=1.0,
        step=step,
        description="threshold",
        continuous_update=False,
        readout_format=".2f",
    )
    text = widgets.HTML()
    image = widgets.Image(format="png")

    # One figure for the widget's lifetime: an update redraws the matrix and moves the point.
    fig, (ax_cm, ax_pr) = plt.subplots(1, 2, figsize=(7.5, 3.2))
    plt.close(fig)  # drawn into the Image widget only, never shown by pyplot
    plot_precision_recall_curve(precision, recall, point=(np.nan, np.nan), ax=ax_pr)
    point = ax_pr.lines[-1]

    def update(change=None):
        state = threshold_state(labels, values, slider.value)
        text.value = "<pre>" + _describe(state) + "</pre>"
        ax_cm.clear()
        plot_confusion_matrix(state["confusion"], class_names=list(class_names), ax=ax_cm)
        point.set_data([state["point"][0]], [state["point"][1]])
        if change is None:
            fig.tight_layout()
        image.value = figure_png(fig, close=False)

    slider.observe(update, names="value")
    return widgets.VBox([slider, text, image]), update


@validate_arguments(**EXPLORER)
def threshold_explorer(
    y_true, scores, threshold=0.5, step=0.01, class_names=("negative", "positive")
) -> None:
    """Show a slider over the threshold, with the confusion matrix and the precision-recall curve.

    Parameters
    ----------
    y_true, scores
        As for :func:`threshold_state`.
    threshold : float, default=0.5
        The starting threshold.
    step : float, default=0.01
        Slider step.
    class_names : pair of str
        Names of class 0 and class 1.

    Returns
    -------
    None
        The widget is displayed by the call itself.
    """
    from IPython.display import display

    box, update = build_threshold_explorer(y_true, scores, threshold, step, class_names)
    display(box)
    update()
