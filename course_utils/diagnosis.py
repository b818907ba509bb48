"""Read a training run's learning curves and say what went wrong: :func:`diagnose`.

A run is one of five things, and the rules below decide which, in this order:

1. **unstable**: a loss is NaN or infinite; or the training loss climbs to ``exploding``
   times its first-epoch value, or blows up during the first epoch (``blowup``); or a loss
   jumps up and down: in the second half of the run it strays more than ``unstable_wiggle``
   of its range from the nearest curve that only falls, or falls and then rises
   (:func:`valley_fit`, :func:`wiggle`).
2. **overfitting**: the validation loss has risen more than ``overfit_rise`` above its
   minimum (:func:`rise_above_minimum`) while the training loss kept falling.
3. **not converged**: both losses are still falling steeply at the end: over the last
   ``window`` epochs they fall at ``falling_pace`` or more of their average pace since
   epoch 2 (:func:`recent_fall`), so they are not levelling off. More epochs would help.
4. **underfitting**: the training loss has levelled off high (a training error of
   ``high_error`` or more when the history holds an accuracy; else a training loss still
   above ``high_loss`` of its first-epoch value), with training and validation close
   together (a :func:`relative_gap` below ``close_gap``).
5. **good fit**: none of the above.

Every threshold is a named argument of :func:`diagnose`; lesson 07 explains each default
and shows runs where a simpler rule fails. The module is pure Python and NumPy: it never
imports TensorFlow, so it reads a stored history as quickly as a live one.

Examples
--------
>>> history = {"loss": [1.1, 0.52, 0.38, 0.30, 0.24, 0.19, 0.15, 0.12],
...            "val_loss": [0.61, 0.44, 0.37, 0.345, 0.351, 0.36, 0.38, 0.41]}
>>> result = diagnose(history)
>>> result.verdict, result.best_epoch
('overfitting', 4)
>>> round(relative_gap(0.01, 0.10), 2), round(relative_gap(0.14, 0.15), 2)
(0.9, 0.07)
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from course_utils._validation import check_int, check_real, describe

__all__ = [
    "HISTORIES_FILE",
    "MIN_EPOCHS",
    "VERDICTS",
    "Diagnosis",
    "check_history",
    "diagnose",
    "error_pair",
    "load_histories",
    "recent_fall",
    "relative_gap",
    "rise_above_minimum",
    "valley_fit",
    "wiggle",
]

VERDICTS = ("good fit", "overfitting", "underfitting", "not converged", "unstable")
"""What :func:`diagnose` can conclude, one verdict per run."""
MIN_EPOCHS = 3
"""The fewest epochs a diagnosis needs: with two, every curve is a straight line."""
HISTORIES_FILE = Path(__file__).resolve().parent / "data_files" / "histories_07.json"
"""Lesson 07's stored runs, made by ``./course histories`` (``course_utils/tooling/histories.py``)."""
WIGGLE_FLOOR = 0.05
"""A nearly flat curve's wiggle is measured against this share of its median, not its tiny range."""


# ---------------------------------------------------------------------------
# The measures, one function each
# ---------------------------------------------------------------------------
def _series(name: str, values, minimum: int = 1, unit: str = "epoch") -> np.ndarray:
    """A 1-D float array of at least ``minimum`` numbers, one per ``unit`` (NaN and infinity allowed)."""
    wrong = ValueError(f"{name} must be a sequence of numbers, one per {unit}, got {describe(values)}.")
    if isinstance(values, (str, bytes, Mapping)) or values is None:
        raise wrong
    try:
        raw = np.asarray(values)
        if raw.dtype.kind not in "iuf" and not (
            raw.dtype.kind == "O" and all(_is_real(v) for v in raw.ravel().tolist())
        ):
            raise wrong  # text, True/False, complex numbers, None, ragged lists
        array = raw.astype(float)
    except (TypeError, ValueError, OverflowError):
        raise wrong from None
    if array.ndim != 1:
        raise ValueError(f"{name} must be one number per {unit} (1-D), got an array of shape {array.shape}.")
    if len(array) < minimum:
        raise ValueError(f"{name} must hold at least {minimum} {unit}s, got {len(array)}.")
    return array


def _is_real(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _window(window, epochs: int) -> int:
    """The window actually used: at most half the run, so that the run has a past to compare with."""
    window = check_int("window", window, minimum=1)
    return max(1, min(window, epochs // 2))


def relative_gap(train_loss, val_loss) -> float:
    """The share of the validation loss that the training loss does not have: ``(val - train) / val``.

    0 when the two are equal, close to 1 when the training loss is far below the
    validation loss (a model that memorised its training images), negative when the
    training loss is the higher one (dropout or augmentation make training harder). Unlike
    the difference ``val - train``, it does not depend on the scale of the loss: a training
    error of 1% against a validation error of 10% gives 0.9, 14% against 15% gives 0.07.

    Parameters
    ----------
    train_loss, val_loss : float
        Losses (or errors) of one epoch; ``val_loss`` must be > 0.

    Examples
    --------
    >>> relative_gap(0.12, 0.41)
    0.7073170731707317
    >>> round(relative_gap(0.3, 0.25), 3)
    -0.2
    """
    train = check_real("train_loss", train_loss, 0)
    val = check_real("val_loss", val_loss, 0, min_inclusive=False)
    return (val - train) / val


def rise_above_minimum(val_losses, window: int = 3) -> float:
    """How far the validation loss ends above its minimum, as a fraction of that minimum.

    The end is the median of the last ``window`` epochs (only those from the best epoch
    on), so one noisy epoch does not decide. 0 when the last epoch is the lowest.

    Examples
    --------
    >>> round(rise_above_minimum([0.61, 0.44, 0.37, 0.345, 0.351, 0.36, 0.38, 0.41]), 3)
    0.101
    >>> rise_above_minimum([0.9, 0.5, 0.4, 0.35])
    0.0
    """
    values = _series("val_losses", val_losses, minimum=1)
    if not np.isfinite(values).all():
        raise ValueError(
            "val_losses must be finite numbers: a NaN or infinite loss means training is unstable."
        )
    best = int(np.argmin(values))
    lowest = float(values[best])
    if lowest <= 0:
        raise ValueError(f"val_losses must be > 0 to measure a relative rise, got a minimum of {lowest}.")
    start = max(best, len(values) - _window(window, len(values))) if len(values) > 1 else best
    end = float(np.median(values[start:]))
    return max(0.0, (end - lowest) / lowest)


def recent_fall(values, window: int = 3) -> tuple[float, float]:
    """How steeply a loss is still falling at the end of a run.

    Returns ``(slope, pace)``:

    - ``slope``: the fall per epoch over the last ``window`` epochs, as a fraction of the
      value where that window starts (0.05 = 5% per epoch; negative when the loss rises);
    - ``pace``: that fall per epoch divided by the average fall per epoch since epoch 2.
      A curve that is levelling off has a pace well below 1; a curve that falls as fast as
      ever (a learning rate too small, or a run stopped too soon) has a pace near 1. The
      first epoch is left out of the average: its loss is averaged while the weights were
      still random, so its fall says little.

    The window is at most half the run. The pace is 0 when the loss has not fallen since epoch 2.

    Examples
    --------
    >>> slope, pace = recent_fall([2.38, 2.33, 2.28, 2.24, 2.21, 2.17, 2.13, 2.10, 2.06, 2.03])
    >>> round(slope, 3), round(pace, 2)
    (0.016, 0.89)
    >>> slope, pace = recent_fall([1.98, 1.58, 1.27, 1.04, 0.92, 0.85, 0.81, 0.79, 0.78, 0.77])
    >>> round(slope, 3), round(pace, 2)
    (0.016, 0.13)
    """
    series = _series("values", values, minimum=2)
    if not np.isfinite(series).all():
        raise ValueError("values must be finite numbers: a NaN or infinite loss means training is unstable.")
    n = len(series)
    w = _window(window, n)
    start, end = float(series[-1 - w]), float(series[-1])
    slope = (start - end) / w / start if start > 0 else 0.0
    average = (float(series[1]) - end) / (n - 2) if n > 2 else (float(series[0]) - end)
    pace = ((start - end) / w) / average if average > 0 else 0.0
    return slope, pace


def _decreasing_fit_errors(values: np.ndarray) -> tuple[np.ndarray, list]:
    """Squared error of the best non-increasing fit of each prefix, and the blocks of the whole fit.

    Pool-adjacent-violators: a value above the block before it is merged into it, as the
    mean of the two, until the means fall from left to right.
    """
    blocks: list[list[float]] = []  # [sum, count, sum of squares]
    errors = np.empty(len(values))
    total = 0.0
    for i, value in enumerate(values):
        blocks.append([value, 1, value * value])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] < blocks[-1][0] / blocks[-1][1]:
            last = blocks.pop()
            previous = blocks.pop()
            total -= _block_error(previous) + _block_error(last)
            merged = [previous[0] + last[0], previous[1] + last[1], previous[2] + last[2]]
            blocks.append(merged)
            total += _block_error(merged)
        errors[i] = total
    return errors, blocks


def _block_error(block) -> float:
    total, count, squares = block
    return max(0.0, squares - total * total / count)


def _decreasing_fit(values: np.ndarray) -> np.ndarray:
    _, blocks = _decreasing_fit_errors(values)
    return np.concatenate([np.full(count, total / count) for total, count, _ in blocks])


def valley_fit(values) -> np.ndarray:
    """The curve closest to ``values`` that only falls, or falls and then rises.

    That is the shape of a healthy loss curve: a training loss falls; a validation loss
    falls, and rises again once the model overfits. The fit is the least-squares
    "valley-shaped" curve (non-increasing up to some epoch, non-decreasing after it).
    A curve that jumps up and down strays far from it: see :func:`wiggle`.

    Examples
    --------
    >>> valley_fit([3.0, 1.0, 2.0, 4.0]).tolist()
    [3.0, 1.0, 2.0, 4.0]
    >>> valley_fit([3.0, 1.0, 2.0, 1.0, 4.0]).tolist()
    [3.0, 1.0, 1.5, 1.5, 4.0]
    """
    series = _series("values", values, minimum=1)
    if not np.isfinite(series).all():
        raise ValueError("values must be finite numbers to fit a curve through them.")
    left, _ = _decreasing_fit_errors(series)
    right_reversed, _ = _decreasing_fit_errors(series[::-1])
    right = right_reversed[::-1]  # right[k]: error of the best non-decreasing fit of series[k:]
    n = len(series)
    costs = [left[k] + (right[k + 1] if k + 1 < n else 0.0) for k in range(n)]
    k = int(np.argmin(costs))
    falling = _decreasing_fit(series[: k + 1])
    rising = _decreasing_fit(series[k + 1 :][::-1])[::-1] if k + 1 < n else np.empty(0)
    return np.concatenate([falling, rising])


def wiggle(values) -> float:
    """How far a curve jumps up and down: its largest distance from :func:`valley_fit`, over its range.

    The distance is measured over the second half of the run only: a bump while the model
    is still finding its way is common and harmless, a loss that still jumps late is not.
    It is divided by the range of the whole curve (or by ``WIGGLE_FLOOR`` times its median,
    when the curve is almost flat). 0 for a curve that only falls, or that falls and then
    rises; the smooth curve runs through the middle of a jump, so a loss that jumps back and
    forth by a fifth of its range has a wiggle of about 0.1.

    Examples
    --------
    >>> wiggle([1.0, 0.6, 0.45, 0.4, 0.42, 0.5])
    0.0
    >>> round(wiggle([1.0, 0.6, 0.9, 0.5, 0.8, 0.45]), 2)
    0.27
    """
    series = _series("values", values, minimum=1)
    fit = valley_fit(series)
    scale = _scale(series)
    if scale == 0:
        return 0.0
    half = len(series) // 2
    return float(np.abs(series - fit)[half:].max() / scale)


def error_pair(history) -> tuple[str, str] | None:
    """The accuracy-like metric pair of a history (``('accuracy', 'val_accuracy')``), or None.

    A metric counts when its name says it is maximised (``accuracy``, ``auc``, ``precision``,
    ...: see :func:`course_utils.history.monitor_mode`), its ``val_`` twin is present and all
    its values lie between 0 and 1, so that ``1 - value`` is an error rate. ``accuracy``
    comes first when there are several.

    Examples
    --------
    >>> error_pair({"loss": [1.0], "val_loss": [1.0], "acc": [0.5], "val_acc": [0.5]})
    ('acc', 'val_acc')
    >>> error_pair({"loss": [1.0], "val_loss": [1.0], "mae": [3.0], "val_mae": [3.0]}) is None
    True
    """
    from course_utils.history import history_dict, monitor_mode

    values = history_dict(history)
    names = sorted(key for key in values if not key.startswith("val_") and "val_" + key in values)
    names.sort(key=lambda key: key != "accuracy")
    for name in names:
        if name == "loss" or monitor_mode(name) != "max":
            continue
        both = np.array(values[name] + values["val_" + name], dtype=float)
        finite = both[np.isfinite(both)]
        if finite.size and finite.min() >= 0 and finite.max() <= 1:
            return name, "val_" + name
    return None


# ---------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Diagnosis:
    """What :func:`diagnose` concluded about a run.

    Attributes
    ----------
    verdict : str
        One of :data:`VERDICTS`.
    best_epoch : int or None
        The epoch (counted from 1) with the lowest validation loss; None when every
        validation loss is NaN.
    epochs : int
        How many epochs the run has.
    reasons : tuple of str
        The measured figures behind the verdict, as sentences.
    advice : tuple of str
        What to try next.
    figures : dict
        The measures by name (``gap_at_best``, ``gap_at_end``, ``rise``, ``train_slope``,
        ``val_slope``, ``train_pace``, ``val_pace``, ``train_wiggle``, ``val_wiggle``,
        ``train_error``, ``val_error``): None where a measure cannot be computed.
    """

    verdict: str
    best_epoch: int | None
    epochs: int
    reasons: tuple[str, ...]
    advice: tuple[str, ...]
    figures: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}.")

    def __str__(self) -> str:
        best = (
            f"best epoch {self.best_epoch} of {self.epochs}" if self.best_epoch else f"{self.epochs} epochs"
        )
        lines = [f"{self.verdict} ({best})", "why:"]
        lines += [f"  - {reason}" for reason in self.reasons]
        lines.append("try next:")
        lines += [f"  - {advice}" for advice in self.advice]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colours = {
            "good fit": "#1a7f37",
            "overfitting": "#b35900",
            "underfitting": "#0550ae",
            "not converged": "#8250df",
            "unstable": "#cf222e",
        }
        best = (
            f"best epoch {self.best_epoch} of {self.epochs}" if self.best_epoch else f"{self.epochs} epochs"
        )

        def items(texts):
            return "".join(f"<li>{html.escape(text)}</li>" for text in texts)

        return (
            f'<div style="border-left: 4px solid {colours[self.verdict]}; padding: 0.3em 0.8em;">'
            f'<strong style="color: {colours[self.verdict]};">{html.escape(self.verdict)}</strong> '
            f"({best})<br>why:<ul>{items(self.reasons)}</ul>try next:<ul>{items(self.advice)}</ul></div>"
        )


# ---------------------------------------------------------------------------
# The diagnoser
# ---------------------------------------------------------------------------
ADVICE = {
    "unstable": (
        "Lower the learning rate, by 3 to 10 times.",
        "Check the inputs: pixels scaled to [0, 1], and a loss that matches the labels.",
        "If it still jumps, use larger batches or clip the gradients (clipnorm=1.0 in the optimizer).",
    ),
    "overfitting": (
        "Keep the best epoch's weights: ModelCheckpoint(save_best_only=True) or "
        "EarlyStopping(restore_best_weights=True).",
        "Get more training images, or augment the ones you have.",
        "Make the model smaller, or regularize it: dropout, L2 (lesson 08).",
    ),
    "not converged": (
        "Train for more epochs; EarlyStopping(monitor='val_loss') stops at the right time.",
        "If both curves fall slowly and smoothly, try a larger learning rate.",
    ),
    "underfitting": (
        "Make the model bigger: more filters or units, or more layers.",
        "Train longer only while the training loss still falls.",
        "If the loss hardly moved from its first epoch, check the learning rate: too high and too "
        "low both stall training.",
    ),
    "good fit": (
        "Keep the best epoch's weights and evaluate once on the test set.",
        "A better score now needs more data or a better architecture, not more epochs.",
    ),
}
#: The measures :func:`diagnose` reports in ``Diagnosis.figures`` (None where one cannot be computed).
FIGURES = (
    "gap_at_best",
    "gap_at_end",
    "rise",
    "train_slope",
    "train_pace",
    "val_slope",
    "val_pace",
    "train_wiggle",
    "val_wiggle",
    "train_rebound",
    "train_error",
    "val_error",
    "error_gap",
    "accuracy_drop",
)


def _percent(value: float) -> str:
    """A share as a percentage: whole when it is one (10%), else with one decimal (10.1%)."""
    percent = 100 * value
    if not math.isfinite(percent):
        return f"{percent}%"
    return f"{percent:.0f}%" if abs(percent - round(percent)) < 0.05 else f"{percent:.1f}%"


def _loss(value: float) -> str:
    return f"{value:.3g}"


def _first_bad(values: np.ndarray) -> int | None:
    bad = np.flatnonzero(~np.isfinite(values))
    return int(bad[0]) if bad.size else None


def check_history(history) -> dict[str, list[float]]:
    """The per-epoch lists of a History or dict that has ``loss`` and ``val_loss``.

    Raises
    ------
    TypeError
        If ``history`` is neither a Keras History nor a dict.
    ValueError
        If it has no ``loss`` or no ``val_loss``, lists of unequal length, values that are
        not numbers, or a negative loss.

    Examples
    --------
    >>> check_history({"loss": [0.5, 0.4], "val_loss": [0.6, 0.5]})["val_loss"]
    [0.6, 0.5]
    >>> check_history([0.5, 0.4])
    Traceback (most recent call last):
    ...
    TypeError: history must be the History returned by model.fit(...) or a dict of per-epoch lists such as {'loss': [...], 'val_loss': [...]}, got list.
    """
    from course_utils.history import history_dict

    values = getattr(history, "history", history)
    if not isinstance(values, Mapping):
        raise TypeError(
            "history must be the History returned by model.fit(...) or a dict of per-epoch lists "
            f"such as {{'loss': [...], 'val_loss': [...]}}, got {type(history).__name__}."
        )
    for key, series in values.items():
        # NumPy would read [1.0, True, 0.4] as [1.0, 1.0, 0.4]: a True among numbers is refused here
        if isinstance(series, (list, tuple)) and any(isinstance(v, (bool, np.bool_)) for v in series):
            raise ValueError(
                f"history[{key!r}] must hold numbers, one per epoch, got True or False among them."
            )
    values = history_dict(values)
    if "loss" not in values:
        raise ValueError(f"history has no 'loss': it holds {sorted(values)}.")
    if "val_loss" not in values:
        raise ValueError(
            f"history has no validation keys ('val_loss'): it holds {sorted(values)}. "
            "Fit with validation_data=(x_val, y_val) so that Keras measures the validation loss."
        )
    for key in ("loss", "val_loss"):
        if any(value < 0 for value in values[key]):
            raise ValueError(f"history[{key!r}] must hold losses >= 0, got {min(values[key])} among them.")
    return values


def _scale(values: np.ndarray) -> float:
    """A curve's range, or ``WIGGLE_FLOOR`` times its median when it is almost flat."""
    return max(float(values.max() - values.min()), WIGGLE_FLOOR * abs(float(np.median(values))))


def _rebound(values: np.ndarray, window: int) -> float:
    """How far the end of a curve (median of the window, from its minimum on) is above its minimum, over its range."""
    best = int(np.argmin(values))
    end = float(np.median(values[max(best, len(values) - _window(window, len(values))) :]))
    scale = _scale(values)
    return (end - float(values[best])) / scale if scale > 0 else 0.0


def _measure(values: dict, pair, window: int) -> dict:
    """Every figure of :data:`FIGURES` for a run whose losses are finite."""
    train = np.asarray(values["loss"], dtype=float)
    val = np.asarray(values["val_loss"], dtype=float)
    best = int(np.argmin(val))
    figures = dict.fromkeys(FIGURES)
    if val[best] > 0:
        figures["gap_at_best"] = relative_gap(train[best], val[best])
        figures["rise"] = rise_above_minimum(val, window)
    if val[-1] > 0:
        figures["gap_at_end"] = relative_gap(train[-1], val[-1])
    figures["train_slope"], figures["train_pace"] = recent_fall(train, window)
    figures["val_slope"], figures["val_pace"] = recent_fall(val, window)
    figures["train_wiggle"], figures["val_wiggle"] = wiggle(train), wiggle(val)
    figures["train_rebound"] = _rebound(train, window)
    if pair is not None:
        accuracy = np.asarray(values[pair[0]], dtype=float)
        val_accuracy = np.asarray(values[pair[1]], dtype=float)
        if np.isfinite(accuracy).all() and np.isfinite(val_accuracy).all():
            figures["train_error"] = 1 - float(accuracy[-1])
            figures["val_error"] = 1 - float(val_accuracy[-1])
            figures["error_gap"] = figures["val_error"] - figures["train_error"]
            figures["accuracy_drop"] = float(accuracy.max() - accuracy[-1])
    return figures


def diagnose(
    history,
    *,
    window: int = 3,
    overfit_rise: float = 0.10,
    overfit_error_gap: float = 0.10,
    overfit_gap: float = 0.90,
    falling_pace: float = 0.5,
    falling_slope: float = 0.001,
    high_error: float = 0.10,
    high_loss: float = 0.30,
    close_gap: float = 0.35,
    unstable_wiggle: float = 0.10,
    exploding: float = 1.5,
    blowup: float = 5.0,
    accuracy_drop: float = 0.10,
    loss_rebound: float = 0.10,
    min_epochs: int = MIN_EPOCHS,
) -> Diagnosis:
    """Name what a training run's learning curves say: one of :data:`VERDICTS`, with reasons.

    The rules, in the order they are tried (each threshold is an argument below):

    1. **unstable**: a loss is NaN or infinite; the first epoch's training loss is ``blowup``
       times its validation loss or more (it exploded during that epoch); a later training
       loss reaches ``exploding`` times the first one; training goes backwards (the training
       accuracy ends ``accuracy_drop`` below its best, or the training loss ``loss_rebound`` of
       its range above its minimum); or a loss jumps up and down (:func:`wiggle` of
       ``unstable_wiggle`` or more).
    2. **overfitting**: the validation loss ends ``overfit_rise`` or more above its minimum
       while the training loss kept falling (:func:`rise_above_minimum`); or the validation
       loss has levelled off while the model does far better on its training images: a
       validation error ``overfit_error_gap`` above the training error (without an accuracy,
       a :func:`relative_gap` of ``overfit_gap`` or more).
    3. **not converged**: both losses still fall at ``falling_pace`` or more of their average
       pace since epoch 2 (:func:`recent_fall`): they have not started to level off.
    4. **underfitting**: the training loss has levelled off high (a training error of
       ``high_error`` or more; without an accuracy, a last training loss of ``high_loss`` or
       more of its first), with training and validation close (a relative gap below ``close_gap``).
    5. **good fit**: none of these.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``model.fit`` returned, or its ``.history`` dict of per-epoch lists. It needs
        ``loss`` and ``val_loss``; an accuracy pair (``accuracy``/``val_accuracy``, or any
        other maximised metric between 0 and 1: :func:`error_pair`) is used when present.
    window : int, default=3
        How many epochs "the end of the run" means (at most half the run).
    overfit_rise : float, default=0.10
        10% is above the epoch-to-epoch noise of a validation loss measured on a few hundred
        images, and below what an overfitting run gains within a few epochs.
    overfit_error_gap, overfit_gap : float, default=0.10 and 0.90
        A validation error 10 points above the training error (1% against 11%) means the model
        has learned its training images much better than the task. Without an accuracy, a
        relative gap of 0.9 (a validation loss ten times the training loss) says the same.
    falling_pace : float, default=0.5
        A curve that is levelling off falls, at the end, at well under half its average pace;
        a run stopped too soon, or with a learning rate too small, falls as fast as ever.
    falling_slope : float, default=0.001
        A fall under 0.1% per epoch is a flat curve's noise, not a fall.
    high_error, high_loss : float, default=0.10 and 0.30
        What "high" means for the training error (the source notes' underfitting example has
        14%; a small CNN on digits reaches under 2%), or, without an accuracy, for the last
        training loss as a share of the first.
    close_gap : float, default=0.35
        Training and validation are "close together" below this relative gap.
    unstable_wiggle : float, default=0.10
        Smooth runs stay below 0.03; a loss that jumps up and down by a fifth of the distance it
        has fallen, or more, is unstable.
    exploding, blowup : float, default=1.5 and 5.0
        The first epoch's training loss is averaged over an untrained model, so later ones are
        lower, and it is rarely more than twice the validation loss measured after it.
    accuracy_drop, loss_rebound : float, default=0.10 and 0.10
        A healthy training accuracy never ends 10 points below its best, and a healthy training
        loss never climbs back a tenth of its range (dropout's noise stays below both).
    min_epochs : int, default=3
        Fewer epochs than this cannot be diagnosed: two points always make a straight line.

    Returns
    -------
    Diagnosis

    Raises
    ------
    TypeError
        If ``history`` is neither a History nor a dict.
    ValueError
        If it has no ``loss`` or no validation keys, fewer than ``min_epochs`` epochs, lists of
        unequal length or values that are not numbers; or if a threshold is out of range.

    Examples
    --------
    >>> diagnose({"loss": [2.4, 2.3, 2.25, 2.2, 2.15, 2.1], "val_loss": [2.3, 2.25, 2.2, 2.15, 2.1, 2.05]}).verdict
    'not converged'
    >>> print(diagnose({"loss": [1.0, 0.5, float("nan")], "val_loss": [0.9, 0.6, float("nan")]}))
    unstable (best epoch 2 of 3)
    why:
      - The training loss is NaN or infinite from epoch 3: the weights overflowed.
    try next:
      - Lower the learning rate, by 3 to 10 times.
      - Check the inputs: pixels scaled to [0, 1], and a loss that matches the labels.
      - If it still jumps, use larger batches or clip the gradients (clipnorm=1.0 in the optimizer).
    >>> diagnose({"loss": [1.0, 0.5, 0.4]})
    Traceback (most recent call last):
    ...
    ValueError: history has no validation keys ('val_loss'): it holds ['loss']. Fit with validation_data=(x_val, y_val) so that Keras measures the validation loss.
    """
    limits = {
        "overfit_rise": check_real("overfit_rise", overfit_rise, 0, min_inclusive=False),
        "overfit_error_gap": check_real("overfit_error_gap", overfit_error_gap, 0, 1, min_inclusive=False),
        "overfit_gap": check_real("overfit_gap", overfit_gap, 0, 1, min_inclusive=False),
        "falling_pace": check_real("falling_pace", falling_pace, 0, min_inclusive=False),
        "falling_slope": check_real("falling_slope", falling_slope, 0),
        "high_error": check_real("high_error", high_error, 0, 1),
        "high_loss": check_real("high_loss", high_loss, 0, 1),
        "close_gap": check_real("close_gap", close_gap, 0, 1, min_inclusive=False),
        "unstable_wiggle": check_real("unstable_wiggle", unstable_wiggle, 0, min_inclusive=False),
        "exploding": check_real("exploding", exploding, 1, min_inclusive=False),
        "blowup": check_real("blowup", blowup, 1, min_inclusive=False),
        "accuracy_drop": check_real("accuracy_drop", accuracy_drop, 0, 1, min_inclusive=False),
        "loss_rebound": check_real("loss_rebound", loss_rebound, 0, 1, min_inclusive=False),
    }
    window = check_int("window", window, minimum=1)
    min_epochs = check_int("min_epochs", min_epochs, minimum=MIN_EPOCHS)
    values = check_history(history)
    n = len(values["loss"])
    if n < min_epochs:
        raise ValueError(
            f"diagnose needs at least {min_epochs} epochs (min_epochs) to read a trend, got {n}: "
            "train for more epochs."
        )
    train = np.asarray(values["loss"], dtype=float)
    val = np.asarray(values["val_loss"], dtype=float)
    pair = error_pair(values)
    finite = np.isfinite(val)
    best = int(np.argmin(np.where(finite, val, np.inf))) + 1 if finite.any() else None

    def result(verdict: str, reasons, figures=None, extra_advice=()) -> Diagnosis:
        figures = figures if figures is not None else dict.fromkeys(FIGURES)
        return Diagnosis(verdict, best, n, tuple(reasons), (*ADVICE[verdict], *extra_advice), figures)

    blown = _blown_up(train, val, limits)
    if blown:
        return result("unstable", blown)
    figures = _measure(values, pair, window)
    w = _window(window, n)
    facts = _Facts(train, val, best, n, w, pair, figures, limits)
    for verdict, rule in (
        ("unstable", facts.unstable),
        ("overfitting", facts.overfitting),
        ("not converged", facts.not_converged),
        ("underfitting", facts.underfitting),
    ):
        reasons = rule()
        if reasons:
            return result(verdict, reasons, figures)
    return result("good fit", facts.good_fit(), figures, facts.good_fit_advice())


def _blown_up(train: np.ndarray, val: np.ndarray, limits: dict) -> list[str] | None:
    """Reasons when a loss is NaN or infinite, or exploded: the run cannot be measured further."""
    bad_train, bad_val = _first_bad(train), _first_bad(val)
    if bad_train is not None or bad_val is not None:
        which, epoch = ("training", bad_train) if bad_train is not None else ("validation", bad_val)
        if bad_train is not None and bad_val is not None and bad_val < bad_train:
            which, epoch = "validation", bad_val
        return [f"The {which} loss is NaN or infinite from epoch {epoch + 1}: the weights overflowed."]
    if val[0] > 0 and train[0] >= limits["blowup"] * val[0]:
        return [
            f"The first epoch's training loss ({_loss(train[0])}) is {train[0] / val[0]:.0f} times its "
            f"validation loss ({_loss(val[0])}) (unstable from {limits['blowup']:g} times): the loss "
            "exploded during that epoch.",
            f"After it the training loss stays near {_loss(float(np.median(train[1:])))}.",
        ]
    peak = int(np.argmax(train[1:])) + 1
    if train[0] > 0 and train[peak] >= limits["exploding"] * train[0]:
        return [
            f"The training loss climbs to {_loss(train[peak])} at epoch {peak + 1}, "
            f"{train[peak] / train[0]:.1f} times its first-epoch value ({_loss(train[0])}) "
            f"(unstable from {limits['exploding']:g} times): it is exploding."
        ]
    return None


@dataclass
class _Facts:
    """One run's measures, and the rules that read them (each returns its reasons, or None)."""

    train: np.ndarray
    val: np.ndarray
    best: int
    n: int
    w: int
    pair: tuple[str, str] | None
    figures: dict
    limits: dict

    # sentences shared by several verdicts
    def best_sentence(self) -> str:
        return f"The validation loss is lowest at epoch {self.best} of {self.n} ({_loss(self.val[self.best - 1])})."

    def fall_sentence(self) -> str:
        f = self.figures
        return (
            f"Over the last {self.w} epochs the training loss falls {_percent(f['train_slope'])} per epoch and "
            f"the validation loss {_percent(f['val_slope'])} per epoch, at {f['train_pace']:.2f} and "
            f"{f['val_pace']:.2f} times their average pace since epoch 2."
        )

    def gap_sentence(self) -> str | None:
        at_best, at_end = self.figures["gap_at_best"], self.figures["gap_at_end"]
        if at_best is None or at_end is None:
            return None
        return (
            f"The relative gap (val_loss - loss) / val_loss is {at_best:.2f} at the best epoch ({self.best}) "
            f"and {at_end:.2f} at the last ({self.n})."
        )

    def error_sentence(self) -> str | None:
        if self.figures["train_error"] is None:
            return None
        return (
            f"At the last epoch the error (1 - {self.pair[0]}) is {_percent(self.figures['train_error'])} on "
            f"the training images and {_percent(self.figures['val_error'])} on the validation images."
        )

    def context(self) -> list[str]:
        return [s for s in (self.gap_sentence(), self.error_sentence()) if s]

    def still_falling(self, curve: str) -> bool:
        f, limits = self.figures, self.limits
        return f[f"{curve}_slope"] >= limits["falling_slope"] and f[f"{curve}_pace"] >= limits["falling_pace"]

    # the rules
    def unstable(self) -> list[str] | None:
        f, limits = self.figures, self.limits
        if f["accuracy_drop"] is not None and f["accuracy_drop"] >= limits["accuracy_drop"]:
            accuracy = self.pair[0]
            return [
                f"Training goes backwards: the training {accuracy} ends {_percent(f['accuracy_drop'])} below "
                f"its best (unstable from {_percent(limits['accuracy_drop'])}).",
                self.best_sentence(),
            ]
        if f["train_rebound"] >= limits["loss_rebound"]:
            return [
                f"Training goes backwards: the training loss ends {_percent(f['train_rebound'])} of its range "
                f"above its minimum (unstable from {_percent(limits['loss_rebound'])}).",
                self.best_sentence(),
            ]
        wiggly = max(f["train_wiggle"], f["val_wiggle"])
        if wiggly >= limits["unstable_wiggle"]:
            which = "validation" if f["val_wiggle"] >= f["train_wiggle"] else "training"
            return [
                f"The {which} loss jumps up and down: in the second half of the run it strays "
                f"{_percent(wiggly)} of its range from the nearest curve that falls, or falls then rises "
                f"(unstable from {_percent(limits['unstable_wiggle'])}).",
                self.best_sentence(),
            ]
        return None

    def overfitting(self) -> list[str] | None:
        f, limits, train = self.figures, self.limits, self.train
        if f["rise"] is not None and f["rise"] >= limits["overfit_rise"] and train[-1] < train[self.best - 1]:
            return [
                self.best_sentence(),
                f"Over the last {self.w} epochs it is {_percent(f['rise'])} above that minimum (overfitting "
                f"from {_percent(limits['overfit_rise'])}), while the training loss kept falling, from "
                f"{_loss(train[self.best - 1])} to {_loss(train[-1])}.",
                *self.context(),
            ]
        if self.still_falling("val"):
            return None
        levelled = (
            f"The validation loss has levelled off (it falls at {f['val_pace']:.2f} of its average pace, "
            f"under {limits['falling_pace']:.2f})"
        )
        if f["error_gap"] is not None:
            if f["error_gap"] >= limits["overfit_error_gap"]:
                return [
                    f"{levelled}, while the model does far better on its training images: an error of "
                    f"{_percent(f['train_error'])} on them against {_percent(f['val_error'])} on the validation "
                    f"images, {_percent(f['error_gap'])} apart (overfitting from {_percent(limits['overfit_error_gap'])}).",
                    self.best_sentence(),
                    *[s for s in (self.gap_sentence(),) if s],
                ]
            return None
        gap = f["gap_at_end"]
        if gap is not None and gap >= limits["overfit_gap"]:
            return [
                f"{levelled}, while the training loss is far below it: a relative gap of {gap:.2f} at the "
                f"last epoch (overfitting from {limits['overfit_gap']:.2f}).",
                self.best_sentence(),
            ]
        return None

    def not_converged(self) -> list[str] | None:
        if self.still_falling("train") and self.still_falling("val"):
            return [
                self.fall_sentence()
                + f" Both are still falling steeply (from {self.limits['falling_pace']:.2f} "
                "of the average pace): they have not started to level off.",
                self.best_sentence(),
                *self.context(),
            ]
        return None

    def _level(self) -> tuple[bool, str]:
        f, limits = self.figures, self.limits
        if f["train_error"] is not None:
            return (
                f["train_error"] >= limits["high_error"],
                f"the training error is {_percent(f['train_error'])} (high from {_percent(limits['high_error'])})",
            )
        share = self.train[-1] / self.train[0] if self.train[0] > 0 else 0.0
        return (
            share >= limits["high_loss"],
            f"the training loss is still {_percent(share)} of its first-epoch value "
            f"(high from {_percent(limits['high_loss'])})",
        )

    def underfitting(self) -> list[str] | None:
        high, level = self._level()
        gap = self.figures["gap_at_end"]
        if high and gap is not None and gap < self.limits["close_gap"]:
            return [
                f"The training loss has levelled off high: {level}.",
                f"Training and validation are close together: a relative gap of {gap:.2f} at the last "
                f"epoch (close below {self.limits['close_gap']:.2f}).",
                self.fall_sentence(),
                *[s for s in (self.error_sentence(),) if s],
            ]
        return None

    def good_fit(self) -> list[str]:
        high, level = self._level()
        reasons = [self.best_sentence(), self.fall_sentence()]
        if high:
            reasons.append(f"Although {level}, training and validation are far apart: not a simple underfit.")
        return reasons + self.context()

    def good_fit_advice(self) -> tuple[str, ...]:
        gap = self.figures["gap_at_end"]
        if gap is not None and gap >= self.limits["close_gap"]:
            return (
                "The training loss is well below the validation loss: more data or regularization can narrow "
                "the gap before the validation loss starts to rise.",
            )
        return ()


# ---------------------------------------------------------------------------
# Stored runs
# ---------------------------------------------------------------------------
def load_histories(path=None) -> dict:
    """Read a file of stored runs: ``{'made_by': {...}, 'runs': {group: [run, ...]}}``.

    Lesson 07's runs are in :data:`HISTORIES_FILE` (the default). Each run is a dict with
    ``name``, ``label`` (the verdict it was made to show), ``description``, ``settings`` (how
    to train it again) and ``history`` (the per-epoch lists of ``model.fit``); ``made_by``
    records the command, the date and the machine. Reading needs neither Keras nor TensorFlow.

    Raises
    ------
    ValueError
        If ``path`` is not an existing file of stored runs (``./course histories`` makes lesson 07's).

    Examples
    --------
    >>> stored = load_histories()
    >>> stored["made_by"]["command"], sorted(stored["runs"])[:2]
    ('./course histories', ['capacity_sweep', 'clinic'])
    """
    if path is None:
        path = HISTORIES_FILE
    if not isinstance(path, (str, Path)) or not str(path).strip():
        raise ValueError(f"path must be the name of a file of stored runs, or None, got {describe(path)}.")
    path = Path(path)
    if not path.is_file():
        raise ValueError(
            f"path {str(path)!r} is not a file: lesson 07's stored runs are made by ./course histories."
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"path {str(path)!r} is not a file of stored runs: {error}") from None
    if not isinstance(document, dict) or not {"made_by", "runs"} <= set(document):
        raise ValueError(f"path {str(path)!r} is not a file of stored runs written by ./course histories.")
    return document
