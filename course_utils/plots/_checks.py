"""Argument checks shared by the plotting helpers: sizes, axes, names and pixel scales."""

from __future__ import annotations

import numpy as np

from course_utils.core._constraints import Constraint, Real, Satisfies
from course_utils.core._validation import describe

__all__ = [
    "AXES",
    "NAMES",
    "SIZE",
    "check_names",
    "figure_size",
    "pixel_scale",
]

MAX_INCHES = 20.0
"""The largest size (in inches) of one picture in a figure."""
MAX_PICTURES = 64
"""The most pictures one figure draws."""
MAX_FIGURE_INCHES = 200.0
"""The largest width or height of a whole figure, in inches."""


SIZE = Real(0, MAX_INCHES, min_inclusive=False, example=1.0)
"""A size in inches, a finite number > 0 and at most ``MAX_INCHES``: the plotting helpers' ``size``,
``cell_size`` and such."""


def figure_size(width: float, height: float, name: str, value: float) -> tuple[float, float]:
    """``(width, height)`` after checking the whole figure stays drawable; ``name`` is the size argument."""
    if max(width, height) > MAX_FIGURE_INCHES:
        raise ValueError(
            f"{name}={value:g} makes a figure {width:.0f} x {height:.0f} inches, larger than "
            f"{MAX_FIGURE_INCHES:g}: choose a smaller {name} or fewer pictures."
        )
    return (width, height)


def _axes(ax):
    """None (draw in a new figure) or a matplotlib ``Axes``."""
    from matplotlib.axes import Axes

    if ax is not None and not isinstance(ax, Axes):
        raise ValueError(f"ax must be a matplotlib Axes (from plt.subplots) or None, got {describe(ax)}.")
    return ax


AXES = Satisfies(
    _axes,
    "None or a matplotlib Axes (from plt.subplots)",
    valid=None,
    invalid=[3, "ax", [None]],
)
"""Where to draw: an ``ax`` argument; None draws in a new figure."""


def check_names(name: str, names, count: int | None = None, per: str = "picture") -> list[str] | None:
    """None, or a list of names (of ``count`` names when given): a list, tuple or 1-D array of strings.

    A name is a string: a number, None or a nested list among them is refused, not written as
    its ``str``.
    """
    if names is None:
        return None
    how_many = "" if count is None else f"{count} "
    if (
        isinstance(names, (str, bytes))
        or not isinstance(names, (list, tuple, np.ndarray))
        or (isinstance(names, np.ndarray) and names.ndim != 1)
    ):
        raise ValueError(f"{name} must be a list of {how_many}names (strings), got {describe(names)}.")
    names = list(names)
    wrong = [n for n in names if not isinstance(n, str)]
    if wrong:
        raise ValueError(f"{name} must hold names (strings), got {describe(wrong[0])} among them.")
    if count is not None and len(names) != count:
        raise ValueError(f"{name} must hold {count} names, one per {per}, got {len(names)}.")
    return [str(n) for n in names]


class Names(Constraint):
    """None, or a list of names whose number no other argument fixes (:func:`check_names`), as a list."""

    def check(self, name, value):
        return check_names(name, value)

    def describe(self):
        return "None or a list of names (strings)"

    def _valid(self):
        return None

    def _invalid(self):
        return [*super()._invalid(), "a", 3, ["a", 3], [["a"]], np.array([["a"]])]


NAMES = Names()
"""Names (class names, titles) when no other argument says how many there must be."""


def pixel_scale(name: str, images) -> float:
    """The value of a white pixel: 255 (uint8, or 0-255 floats) or 1 (0-1 floats).

    The scale is decided once for the whole array: integers are 0-255; floats are 0-1
    when they all are, and 0-255 otherwise. Values outside 0-255, NaN or infinity are
    refused, since no scale would draw them correctly.
    """
    try:
        array = np.asarray(images)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of pixel values, got {describe(images)}.") from None
    if array.dtype == bool:
        return 1.0
    if array.dtype.kind not in "iuf" or array.size == 0:
        raise ValueError(
            f"{name} must be a non-empty array of pixel values (numbers), got {describe(images)} of dtype {array.dtype}."
        )
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must hold finite pixel values, got NaN or infinity.")
    low, high = float(array.min()), float(array.max())
    if low < 0 or high > 255:
        raise ValueError(
            f"{name} must hold pixel values from 0 to 1 or from 0 to 255, got values from {low:g} to {high:g}: "
            "undo any standardisation before drawing."
        )
    return 1.0 if array.dtype.kind == "f" and high <= 1 else 255.0
