"""Show images with their labels, confusion matrices and precision-recall curves.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import numpy as np
>>> images = np.zeros((4, 8, 8, 1), dtype=np.uint8)
>>> fig = show_image_grid(images, labels=[0, 1, 2, 3], predictions=[0, 1, 2, 0])
>>> [ax.get_title() for ax in fig.axes]
['0', '1', '2', 'true 3\\npred 0']
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from course_utils.core._constraints import (
    Count,
    Flag,
    Labels,
    OrNone,
    Satisfies,
    Text,
    validate_arguments,
)
from course_utils.core._validation import check_numbers, describe
from course_utils.plots._checks import AXES, MAX_PICTURES, NAMES, SIZE, check_names, figure_size, pixel_scale

__all__ = ["plot_confusion_matrix", "plot_precision_recall_curve", "show_image_grid"]

MISTAKE_COLOUR = "#c62828"
MAX_CLASSES_DRAWN = 50
"""The most classes :func:`plot_confusion_matrix` draws (each cell gets its count)."""


def _name(value, class_names):
    """What a grid titles a label with: its class name when ``class_names`` are given, else the label."""
    return str(value) if class_names is None else class_names[int(value)]


def _check_named(name, labels, class_names):
    """With class names, every label must be an index into them: a label without a name is refused."""
    if class_names is None:
        return
    if labels.dtype.kind == "U":
        raise ValueError(
            f"{name} holds strings such as {str(labels[0])!r}, which name themselves: class_names are for "
            "integer labels 0, 1, ...; leave class_names out."
        )
    outside = labels[(labels < 0) | (labels >= len(class_names))]
    if outside.size:
        raise ValueError(
            f"{name} holds {int(outside[0])}, which has no name in class_names ({len(class_names)} names, "
            f"for labels 0 to {len(class_names) - 1})."
        )


def _grid_images(images) -> tuple[np.ndarray, float]:
    """The images as an (n, height, width[, 3]) array, and the value of a white pixel (:func:`pixel_scale`)."""
    try:
        shape = np.shape(images)
    except (TypeError, ValueError):
        shape = None
    if shape is not None and len(shape) == 4 and shape[-1] == 1:
        shape = shape[:-1]
    if shape is None or len(shape) not in (3, 4) or (len(shape) == 4 and shape[-1] != 3):
        raise ValueError(
            "images must have shape (n, height, width), (n, height, width, 1) or "
            f"(n, height, width, 3), got {describe(images) if shape is None else shape}."
        )
    if shape[0] == 0:
        raise ValueError("images is empty: there is nothing to show.")
    white = pixel_scale("images", images)
    return np.asarray(images).reshape(shape), white


GRID_IMAGES = Satisfies(
    _grid_images,
    "images of shape (n, height, width), (n, height, width, 1) or (n, height, width, 3), 0-1 or 0-255",
    valid=lambda: np.zeros((2, 4, 4), dtype=np.uint8),
    invalid=[np.zeros((4, 4)), np.zeros((0, 4, 4)), np.zeros((2, 4, 4, 2)), np.full((2, 4, 4), -1.0)],
)
"""The images :func:`show_image_grid` draws, as ``(array, white)``: the array and its white value."""


@validate_arguments(
    images=GRID_IMAGES,
    labels=Labels(),
    predictions=OrNone(Labels()),
    class_names=NAMES,
    ncols=Count(),
    max_images=Count(1, MAX_PICTURES),
    size=SIZE,
)
def show_image_grid(
    images,
    labels,
    predictions=None,
    class_names=None,
    ncols: int = 8,
    max_images: int = 32,
    size: float = 1.1,
):
    """Show images in a grid, titled with their true labels and, if given, the predictions.

    A wrong prediction is titled ``true X / pred Y`` in red with a red frame.

    Parameters
    ----------
    images : array_like, shape (n, height, width) or (n, height, width, channels)
        1 or 3 channels, with pixel values from 0 to 255 (uint8 or float) or from 0 to 1
        (float). The scale is read from the values of all the images; anything else (for
        example standardised images with negative values) is refused, never drawn wrong.
    labels : sequence of int
        True labels, one per image (integers or strings; None, NaN, fractions and True/False are
        refused: they are not labels).
    predictions : sequence of int, optional
        Predicted labels, one per image.
    class_names : sequence of str, optional
        Names shown instead of label numbers: every label (and prediction) must be one of
        0 to ``len(class_names) - 1``, so that no image is titled by a bare number.
    ncols : int, default=8
        Images per row.
    max_images : int, default=32
        Only the first ``max_images`` are shown (at most 64).
    size : float, default=1.1
        Size of one image in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    images, white = images
    if len(labels) != len(images):
        raise ValueError(
            f"labels must hold one label per image: got {len(labels)} labels for {len(images)} images."
        )
    if predictions is not None:
        if len(predictions) != len(images):
            raise ValueError(
                f"predictions must hold one label per image: got {len(predictions)} for {len(images)} images."
            )
    _check_named("labels", labels, class_names)
    if predictions is not None:
        _check_named("predictions", predictions, class_names)
        if (predictions.dtype.kind == "U") != (labels.dtype.kind == "U"):
            raise ValueError(
                "predictions must be labels of the same kind as labels (both integers or both strings)."
            )
    n = min(len(images), max_images)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=figure_size(size * ncols, (size + 0.35) * nrows, "size", size), squeeze=False
    )
    for i, ax in enumerate(axes.ravel()):
        if i >= n:
            ax.remove()
            continue
        image = images[i].astype(float) / white  # RGB images must be 0-1 floats for imshow
        ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        true_name = _name(labels[i], class_names)
        if predictions is None or predictions[i] == labels[i]:
            ax.set_title(true_name, fontsize="small")
        else:
            ax.set_title(
                f"true {true_name}\npred {_name(predictions[i], class_names)}",
                fontsize="small",
                color=MISTAKE_COLOUR,
            )
            for spine in ax.spines.values():
                spine.set_edgecolor(MISTAKE_COLOUR)
                spine.set_linewidth(2.5)
    fig.tight_layout()
    return fig


def _counts(cm) -> np.ndarray:
    """A confusion matrix: a square matrix of integer counts >= 0, of at most ``MAX_CLASSES_DRAWN`` classes."""
    try:
        matrix = np.asarray(cm)
    except (TypeError, ValueError):
        matrix = np.asarray(None)  # refused just below
    if (
        matrix.ndim != 2
        or matrix.shape[0] != matrix.shape[1]
        or matrix.shape[0] == 0
        or not np.issubdtype(matrix.dtype, np.integer)
        or (matrix < 0).any()
    ):
        raise ValueError(
            "cm must be a square matrix of integer counts >= 0, got "
            f"{matrix.dtype} array of shape {matrix.shape}."
        )
    k = matrix.shape[0]
    if k > MAX_CLASSES_DRAWN:
        raise ValueError(f"cm has {k} classes; plot_confusion_matrix draws at most {MAX_CLASSES_DRAWN}.")
    return matrix


CONFUSION_MATRIX = Satisfies(
    _counts,
    f"a square matrix of integer counts >= 0 (at most {MAX_CLASSES_DRAWN} classes)",
    valid=lambda: np.array([[5, 1], [2, 7]]),
    invalid=[[[0.5]], [[1, 2]], [[-1]], np.zeros((0, 0), dtype=int), np.zeros((51, 51), dtype=int)],
)
"""The counts :func:`plot_confusion_matrix` draws, as an integer array."""


@validate_arguments(cm=CONFUSION_MATRIX, normalize=Flag(), ax=AXES)
def plot_confusion_matrix(cm, class_names=None, normalize: bool = False, ax=None):
    """Draw a confusion matrix as a heatmap: rows = true class, columns = predicted class.

    Parameters
    ----------
    cm : array_like of int, shape (k, k)
        For example from :func:`course_utils.core.metrics.confusion_matrix`.
    class_names : sequence of str, optional
        Tick labels.
    normalize : bool, default=False
        Colour by the share of each row (the recall of each class) instead of counts.
        The cells always show the counts.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made otherwise.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_confusion_matrix([[5, 1], [2, 7]], class_names=["no", "yes"])
    >>> ax.get_ylabel(), ax.get_xlabel()
    ('true class', 'predicted class')
    """
    matrix = cm
    k = matrix.shape[0]
    names = check_names("class_names", class_names, k) or [str(i) for i in range(k)]
    if ax is None:
        _, ax = plt.subplots(figsize=(0.45 * k + 2.2, 0.45 * k + 1.8))
    colours = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1) if normalize else matrix
    ax.imshow(colours, cmap="Blues")
    threshold = colours.max() / 2 if colours.max() > 0 else 1
    for i in range(k):
        for j in range(k):
            ax.text(
                j,
                i,
                str(matrix[i, j]),
                ha="center",
                va="center",
                fontsize="small" if k > 4 else "medium",
                color="white" if colours[i, j] > threshold else "black",
            )
    ax.set_xticks(
        range(k),
        names,
        rotation=45 if max(map(len, names)) > 2 else 0,
        ha="right" if max(map(len, names)) > 2 else "center",
    )
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    return ax


def _as_rates(name, values, allow_nan=False) -> np.ndarray:
    """Numbers between 0 and 1 as a 1-D float array (NaN allowed for a point not yet placed)."""
    array = check_numbers(name, values, min_size=0, allow_nan=allow_nan).ravel()
    known = array[~np.isnan(array)] if allow_nan else array
    if not np.all((known >= 0) & (known <= 1)):  # False for NaN and infinity
        raise ValueError(f"{name} must hold numbers between 0 and 1, got {describe(values)}.")
    return array


def _rates(name: str) -> Satisfies:
    """The constraint of a sequence of numbers between 0 and 1 (:func:`_as_rates`)."""
    return Satisfies(
        lambda values: _as_rates(name, values),
        "a sequence of numbers between 0 and 1",
        valid=[0.5, 1.0],
        invalid=[[1.5], [-0.1], [float("nan")], 0.5],
    )


def _point(point) -> np.ndarray:
    point = _as_rates("point", point, allow_nan=True)
    if point.size != 2:
        raise ValueError(f"point must be a (recall, precision) pair, got {point.size} numbers.")
    return point


POINT = OrNone(
    Satisfies(
        _point,
        "a (recall, precision) pair of numbers between 0 and 1",
        valid=(0.5, 1.0),
        invalid=[(0.5,), (2, 0.5)],
    )
)
"""The operating point (NaN: not placed yet), or None."""


@validate_arguments(
    precision=_rates("precision"), recall=_rates("recall"), point=POINT, ax=AXES, label=Text(optional=True)
)
def plot_precision_recall_curve(precision, recall, point=None, ax=None, label=None):
    """Draw precision against recall, optionally with one marked operating point.

    Parameters
    ----------
    precision, recall : array_like
        For example from :func:`course_utils.core.metrics.precision_recall_curve`.
    point : (recall, precision) pair, optional
        The point of the current threshold, drawn as a red dot.
    ax : matplotlib.axes.Axes, optional
    label : str, optional
        Legend label of the curve.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_precision_recall_curve([0.5, 0.7, 1.0], [1.0, 0.8, 0.4], point=(0.8, 0.7))
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('recall', 'precision')
    """
    if precision.shape != recall.shape or precision.size == 0:
        raise ValueError(
            "precision and recall must be non-empty and of the same length, got "
            f"{precision.size} and {recall.size}."
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(4.0, 3.4))
    ax.plot(recall, precision, "-", drawstyle="steps-post", label=label)
    if point is not None:
        ax.plot([point[0]], [point[1]], "o", color=MISTAKE_COLOUR, markersize=8)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.05)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.grid(alpha=0.3)
    if label:
        ax.legend(fontsize="small")
    return ax
