"""Read a training run's learning curves and say what went wrong: :func:`diagnose`.

A run is one of five things, and the rules below decide which, in this order:

1. **unstable**: a loss is NaN or infinite, or explodes; or training goes backwards (the
   training loss ends ``loss_rebound`` of its range above its minimum); or the losses jump up
   and down **more than once** from epoch 3 on: at least two epochs stand out of their curve
   by ``unstable_wiggle`` of its range, as a peak or a dip (:func:`jumps`). One isolated bump is
   noise, not instability.
2. **overfitting**: the validation loss ends ``overfit_rise`` above its lowest level while the
   training loss kept falling (:func:`rise_above_minimum`: the lowest level is a 3-epoch
   average, so a lucky dip is not a minimum, and the rise is measured against the loss's
   scale, so that 0.002 -> 0.003 is not a rise).
3. **not converged**: both losses still fall steeply at the end: at least ``falling_slope``
   per epoch and at ``falling_pace`` of their average pace since epoch 2 (:func:`recent_fall`).
4. **overfitting**, again: the validation loss has levelled off while the model does far
   better on its training images: a validation error ``overfit_error_gap`` or more above the
   training error **and** more than twice it. Below that, the gap is **modest**.
5. **underfitting**: the training error has levelled off high (``high_error``), with training
   and validation close together (a :func:`relative_gap` within ``close_gap`` either way).
6. **good fit**: none of the above.

Training figures are read **as the model predicts** when the history holds them
(``train_loss``, ``train_accuracy``: :func:`course_utils.engines.inference_metrics.training_set_metrics`).
Keras's own ``loss`` and ``accuracy`` are epoch averages measured with dropout and augmentation
on: when they read worse than the validation figures, the gap says nothing, and the result
says so.

Every threshold is a named argument of :func:`diagnose`; lesson 07 explains each default
and the runs that fixed it. The module is pure Python and NumPy: it never imports
TensorFlow, so it reads a stored history as quickly as a live one.

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
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from course_utils.core._constraints import Count, Real, Satisfies, Series, validate_arguments
from course_utils.engines.data import DATA_DIR
from course_utils.engines.history import HISTORY, history_dict, monitor_mode
from course_utils.engines.stored_runs import STORED_PATH, read_stored

__all__ = [
    "HISTORIES_FILE",
    "MIN_EPOCHS",
    "VERDICTS",
    "Diagnosis",
    "check_history",
    "diagnose",
    "error_pair",
    "far_apart",
    "jumps",
    "load_histories",
    "recent_fall",
    "relative_gap",
    "rise_above_minimum",
    "valley_fit",
    "wiggle",
]

VERDICTS = ("good fit", "overfitting", "underfitting", "not converged", "unstable")
CEILING_ERROR = 0.01
"""A validation error at or below this is at the ceiling: a loss still falling there has little left to give."""
"""What :func:`diagnose` can conclude, one verdict per run."""
MIN_EPOCHS = 3
"""The fewest epochs a diagnosis needs: with two, every curve is a straight line."""
HISTORIES_FILE = DATA_DIR / "histories_07.json"
"""Lesson 07's stored runs, made by ``./course histories``."""
WIGGLE_FLOOR = 0.05
"""A nearly flat curve's jumps are measured against this share of its median, not its tiny range."""
JUMPS_FROM = 3
"""Jumps are counted from this epoch on: the first two are the model finding its way."""
RISE_FLOOR = 0.1
"""A rise is measured against the lowest validation loss, but never against less than this share of
the first epoch's: a loss near zero (0.002 -> 0.003) has no room for a meaningful relative rise."""


# ---------------------------------------------------------------------------
# The measures, one function each
# ---------------------------------------------------------------------------
def _window(window, epochs: int) -> int:
    """The window actually used: at most half the run, so that the run has a past to compare with."""
    return max(1, min(window, epochs // 2))


@validate_arguments(train_loss=Real(0), val_loss=Real(0, min_inclusive=False))
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
    train, val = train_loss, val_loss
    return (val - train) / val


@validate_arguments(train_error=Real(0, 1), val_error=Real(0, 1), gap=Real(0, 1, min_inclusive=False))
def far_apart(train_error, val_error, gap: float = 0.05) -> bool:
    """Whether a model does far better on its training images: the overfitting half of the source notes' rule.

    Far apart means a validation error at least ``gap`` above the training error **and** more
    than twice it: at least half of the validation mistakes are mistakes the model does not make
    on images it has seen. A smaller gap is a **modest** one.

    Examples
    --------
    >>> far_apart(0.01, 0.10), far_apart(0.003, 0.062), far_apart(0.14, 0.15)
    (True, True, False)
    >>> far_apart(0.07, 0.13), far_apart(0.0, 0.026)
    (False, False)
    """
    train, val = train_error, val_error
    return val - train >= gap and val > 2 * train


@validate_arguments(val_losses=Series(), window=Count())
def rise_above_minimum(val_losses, window: int = 3) -> float:
    """How far the validation loss ends above its lowest level, as a share of the loss's scale.

    - **Its lowest level** is the lowest average of ``window`` consecutive epochs (at most
      half the run): one lucky epoch is not a minimum the model can be trusted to reach.
    - **The end** is the last epoch: the weights a run ends with.
    - **The scale** is that lowest level, but never less than :data:`RISE_FLOOR` (a tenth) of
      the first epoch's validation loss: a loss that fell from 0.69 to 0.002 and ends at
      0.003 has not risen by 50% in any sense that matters.

    0 when the end is at (or below) the lowest level.

    Examples
    --------
    >>> round(rise_above_minimum([0.61, 0.44, 0.37, 0.345, 0.351, 0.36, 0.38, 0.41]), 3)
    0.165
    >>> rise_above_minimum([0.9, 0.5, 0.4, 0.35])
    0.0
    >>> round(rise_above_minimum([0.69, 0.2, 0.01, 0.002, 0.002, 0.002, 0.003]), 4)
    0.0145
    """
    values = val_losses
    if not np.isfinite(values).all():
        raise ValueError(
            "val_losses must be finite numbers: a NaN or infinite loss means training is unstable."
        )
    lowest = _lowest_level(values, _window(window, len(values)) if len(values) > 1 else 1)
    scale = max(lowest, RISE_FLOOR * float(values[0]))
    if scale <= 0:
        raise ValueError(f"val_losses must be > 0 to measure a relative rise, got a minimum of {lowest}.")
    return max(0.0, (float(values[-1]) - lowest) / scale)


def _lowest_level(values: np.ndarray, window: int) -> float:
    """The lowest mean of ``window`` consecutive values."""
    return float(np.convolve(values, np.ones(window) / window, mode="valid").min())


@validate_arguments(values=Series(min_size=2), window=Count())
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
    series = values
    if not np.isfinite(series).all():
        raise ValueError("values must be finite numbers: a NaN or infinite loss means training is unstable.")
    n = len(series)
    w = _window(window, n)
    start, end = float(series[-1 - w]), float(series[-1])
    slope = (start - end) / w / start if start > 0 else 0.0
    average = (float(series[1]) - end) / (n - 2) if n > 2 else (float(series[0]) - end)
    pace = ((start - end) / w) / average if average > 0 else 0.0
    return slope, pace


@dataclass(frozen=True)
class _Block:
    """Consecutive values that the non-increasing fit replaces by their mean."""

    total: float
    count: int
    squares: float  # the sum of their squares

    @property
    def mean(self) -> float:
        return self.total / self.count

    @property
    def error(self) -> float:
        """The squared error of the values against their mean."""
        return max(0.0, self.squares - self.total * self.total / self.count)

    def merged(self, other: _Block) -> _Block:
        return _Block(
            total=self.total + other.total,
            count=self.count + other.count,
            squares=self.squares + other.squares,
        )


def _decreasing_fit_errors(values: np.ndarray) -> tuple[np.ndarray, list[_Block]]:
    """Squared error of the best non-increasing fit of each prefix, and the blocks of the whole fit.

    Pool-adjacent-violators: a value above the block before it is merged into it, as the
    mean of the two, until the means fall from left to right.
    """
    blocks: list[_Block] = []
    errors = np.empty(len(values))
    total = 0.0
    for i, value in enumerate(values):
        blocks.append(_Block(total=value, count=1, squares=value * value))
        while len(blocks) > 1 and blocks[-2].mean < blocks[-1].mean:
            last = blocks.pop()
            previous = blocks.pop()
            total -= previous.error + last.error
            blocks.append(previous.merged(last))
            total += blocks[-1].error
        errors[i] = total
    return errors, blocks


def _decreasing_fit(values: np.ndarray) -> np.ndarray:
    _, blocks = _decreasing_fit_errors(values)
    return np.concatenate([np.full(block.count, block.mean) for block in blocks])


@validate_arguments(values=Series())
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
    series = values
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


def _jump_sizes(values) -> np.ndarray:
    """How far each epoch from epoch :data:`JUMPS_FROM` on jumps, over the curve's scale.

    A jump is a peak or a dip: an epoch above (or below) both its neighbours, by the distance to
    the nearer one (its distance from the median of the three). An epoch on a rising or falling
    stretch has none, and the curve's lowest epoch is the bottom of its valley, not a jump. The
    first two epochs are left out (the model is finding its way), and so is the last epoch (it
    has one neighbour). The scale is the curve's range,
    or :data:`WIGGLE_FLOOR` times its median when the curve is almost flat.
    """
    series = np.asarray(values, dtype=float)
    if not np.isfinite(series).all():
        raise ValueError("values must be finite numbers to measure their jumps.")
    if len(series) < 3:
        return np.zeros(0)
    scale = _scale(series)
    if scale == 0:
        return np.zeros(0)
    neighbours = np.median(np.stack([series[:-2], series[1:-1], series[2:]]), axis=0)
    sizes = np.abs(series[1:-1] - neighbours) / scale  # epochs 2 .. n-1
    lowest = int(np.argmin(series))
    if 1 <= lowest <= len(series) - 2:
        sizes[lowest - 1] = 0.0  # the bottom of the valley
    return sizes[JUMPS_FROM - 2 :] if len(sizes) > JUMPS_FROM - 2 else np.zeros(0)


@validate_arguments(values=Series())
def wiggle(values) -> float:
    """How far a curve jumps up and down: its largest jump from epoch 3 on.

    A jump is a peak or a dip: an epoch above (or below) both its neighbours, by its distance to
    the nearer one, as a share of the curve's range; the curve's lowest epoch is the bottom of its
    valley, not a dip. A curve that only falls, or falls and then rises,
    has no jump; a loss that jumps back and forth by a fifth of its range has jumps of about 0.2.

    Examples
    --------
    >>> wiggle([1.0, 0.6, 0.45, 0.4, 0.42, 0.5])
    0.0
    >>> round(wiggle([1.0, 0.6, 0.9, 0.5, 0.8, 0.45, 0.7, 0.4]), 2)
    0.5
    """
    sizes = _jump_sizes(values)
    return float(sizes.max()) if sizes.size else 0.0


@validate_arguments(size=Real(0, min_inclusive=False), values=Series())
def jumps(values, size: float = 0.15) -> int:
    """How many epochs from epoch 3 on jump by ``size`` or more (see :func:`wiggle`).

    One jump is a bump: noise. Two or more, counted over the training and validation losses
    together, is a run that does not settle: :func:`diagnose` calls it unstable.

    Examples
    --------
    >>> jumps([1.0, 0.6, 0.5, 0.45, 0.44, 0.6, 0.43, 0.42, 0.41, 0.40])
    1
    >>> jumps([1.0, 0.6, 0.5, 0.45, 0.6, 0.42, 0.62, 0.4, 0.6, 0.38])
    5
    """
    return int((_jump_sizes(values) >= size).sum())


@validate_arguments(history=HISTORY)
def error_pair(history) -> tuple[str, str] | None:
    """The accuracy-like metric pair of a history (``('accuracy', 'val_accuracy')``), or None.

    A metric counts when its name says it is maximised (``accuracy``, ``auc``, ``precision``,
    ...: see :func:`course_utils.engines.history.monitor_mode`), its ``val_`` twin is present and all
    its values lie between 0 and 1, so that ``1 - value`` is an error rate. ``accuracy``
    comes first when there are several.

    Examples
    --------
    >>> error_pair({"loss": [1.0], "val_loss": [1.0], "acc": [0.5], "val_acc": [0.5]})
    ('acc', 'val_acc')
    >>> error_pair({"loss": [1.0], "val_loss": [1.0], "mae": [3.0], "val_mae": [3.0]}) is None
    True
    """
    values = history
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
        The measures by name (see :data:`FIGURES`): None where a measure cannot be computed.
    also : dict
        Other verdicts the curves honestly support, each with the figure that supports it
        (``{'overfitting': 'the validation loss also ends 45% above ...'}``): a run near a
        rule's line, or one that shows two things at once. Empty when the reading is clear.
    """

    verdict: str
    best_epoch: int | None
    epochs: int
    reasons: tuple[str, ...]
    advice: tuple[str, ...]
    figures: dict = field(default_factory=dict, compare=False)
    also: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}.")
        for other in self.also:
            if other not in VERDICTS or other == self.verdict:
                raise ValueError(f"also must name other verdicts among {VERDICTS}, got {other!r}.")

    @property
    def acceptable(self) -> tuple[str, ...]:
        """The verdict, then every other reading the curves support."""
        return (self.verdict, *self.also)

    def __str__(self) -> str:
        best = (
            f"best epoch {self.best_epoch} of {self.epochs}" if self.best_epoch else f"{self.epochs} epochs"
        )
        lines = [f"{self.verdict} ({best})", "why:"]
        lines += [f"  - {reason}" for reason in self.reasons]
        if self.also:
            lines.append("also defensible:")
            lines += [f"  - {other}: {why}" for other, why in self.also.items()]
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
            f"({best})<br>why:<ul>{items(self.reasons)}</ul>"
            + (
                f"also defensible:<ul>{items(f'{other}: {why}' for other, why in self.also.items())}</ul>"
                if self.also
                else ""
            )
            + f"try next:<ul>{items(self.advice)}</ul></div>"
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
#: ``inference`` is True when the training figures were measured as the model predicts.
FIGURES = (
    "inference",
    "gap_at_best",
    "gap_at_end",
    "rise",
    "train_slope",
    "train_pace",
    "val_slope",
    "val_pace",
    "train_wiggle",
    "val_wiggle",
    "jumps",
    "train_rebound",
    "train_error",
    "val_error",
    "error_gap",
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


def _loss_history(history) -> dict[str, list[float]]:
    """The per-epoch lists of a history with ``loss`` and ``val_loss`` (the reader of :data:`LOSS_HISTORY`)."""
    values = getattr(history, "history", history)
    if not isinstance(values, Mapping):
        raise TypeError(
            "history must be the History returned by model.fit(...) or a dict of per-epoch lists "
            f"such as {{'loss': [...], 'val_loss': [...]}}, got {type(history).__name__}."
        )
    values = history_dict(values)  # refuses True/False among the numbers, which NumPy would read as 1 and 0
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


LOSS_HISTORY = Satisfies(
    _loss_history,
    "a keras.callbacks.History or a dict of per-epoch lists with 'loss' and 'val_loss'",
    valid=lambda: {"loss": [0.9, 0.5, 0.4], "val_loss": [0.8, 0.6, 0.65]},
    invalid=[[0.5, 0.4], {}, {"loss": [0.5]}, {"val_loss": [0.5]}, {"loss": [-0.5], "val_loss": [0.5]}],
)
"""A training history with its losses (:func:`check_history`): the helpers that diagnose one share it."""


@validate_arguments(history=LOSS_HISTORY)
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
    return history


def _scale(values: np.ndarray) -> float:
    """A curve's range, or ``WIGGLE_FLOOR`` times its median when it is almost flat."""
    return max(float(values.max() - values.min()), WIGGLE_FLOOR * abs(float(np.median(values))))


def _rebound(values: np.ndarray, window: int) -> float:
    """How far the end of a curve (median of the window, from its minimum on) is above its minimum, over its range."""
    best = int(np.argmin(values))
    end = float(np.median(values[max(best, len(values) - _window(window, len(values))) :]))
    scale = _scale(values)
    return (end - float(values[best])) / scale if scale > 0 else 0.0


def _training_figures(values: dict, metric: str | None) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """The training loss and accuracy (``metric``, None: none) to compare with validation: as the
    model predicts when recorded."""
    from course_utils.engines.inference_metrics import inference_keys

    recorded = inference_keys(values)
    loss = np.asarray(values[recorded.get("loss", "loss")], dtype=float)
    accuracy = None
    if metric is not None:
        accuracy = np.asarray(values[recorded.get(metric, metric)], dtype=float)
    inference = "loss" in recorded and (metric is None or metric in recorded)
    if not inference or not (np.isfinite(loss).all() and (accuracy is None or np.isfinite(accuracy).all())):
        # without both (or with a diverged record), Keras's own training figures
        loss = np.asarray(values["loss"], dtype=float)
        accuracy = None if metric is None else np.asarray(values[metric], dtype=float)
        inference = False
    return loss, accuracy, inference


def _measure(values: dict, metric: str | None, val_metric: str | None, window: int, jump: float) -> dict:
    """Every figure of :data:`FIGURES` for a run whose losses are finite; ``metric`` and ``val_metric``
    name its accuracy pair (:func:`error_pair`), None when it has none."""
    train = np.asarray(values["loss"], dtype=float)
    val = np.asarray(values["val_loss"], dtype=float)
    seen_loss, seen_accuracy, inference = _training_figures(values, metric)
    best = int(np.argmin(val))
    figures = dict.fromkeys(FIGURES)
    figures["inference"] = inference
    if val[best] > 0:
        figures["gap_at_best"] = relative_gap(max(float(seen_loss[best]), 0.0), val[best])
    if val[-1] > 0:
        figures["gap_at_end"] = relative_gap(max(float(seen_loss[-1]), 0.0), val[-1])
    if val[best] > 0 or val[0] > 0:
        figures["rise"] = rise_above_minimum(val, window)
    figures["train_slope"], figures["train_pace"] = recent_fall(train, window)
    figures["val_slope"], figures["val_pace"] = recent_fall(val, window)
    figures["train_wiggle"], figures["val_wiggle"] = wiggle(train), wiggle(val)
    figures["jumps"] = jumps(train, jump) + jumps(val, jump)
    figures["train_rebound"] = _rebound(train, window)
    if val_metric is not None:
        val_accuracy = np.asarray(values[val_metric], dtype=float)
        if np.isfinite(seen_accuracy).all() and np.isfinite(val_accuracy).all():
            figures["train_error"] = 1 - float(seen_accuracy[-1])
            figures["val_error"] = 1 - float(val_accuracy[-1])
            figures["error_gap"] = figures["val_error"] - figures["train_error"]
    return figures


@validate_arguments(
    overfit_rise=Real(0, min_inclusive=False),
    overfit_error_gap=Real(0, 1, min_inclusive=False),
    overfit_gap=Real(0, 1, min_inclusive=False),
    falling_pace=Real(0, min_inclusive=False),
    falling_slope=Real(0),
    high_error=Real(0, 1),
    high_loss=Real(0, 1),
    close_gap=Real(0, 1, min_inclusive=False),
    unstable_wiggle=Real(0, min_inclusive=False),
    exploding=Real(1, min_inclusive=False),
    blowup=Real(1, min_inclusive=False),
    loss_rebound=Real(0, 1, min_inclusive=False),
    window=Count(),
    min_epochs=Count(MIN_EPOCHS),
    history=LOSS_HISTORY,
)
def diagnose(
    history,
    *,
    window: int = 3,
    overfit_rise: float = 0.10,
    overfit_error_gap: float = 0.05,
    overfit_gap: float = 0.90,
    falling_pace: float = 0.5,
    falling_slope: float = 0.005,
    high_error: float = 0.10,
    high_loss: float = 0.30,
    close_gap: float = 0.35,
    unstable_wiggle: float = 0.15,
    exploding: float = 1.5,
    blowup: float = 5.0,
    loss_rebound: float = 0.10,
    min_epochs: int = MIN_EPOCHS,
) -> Diagnosis:
    """Name what a training run's learning curves say: one of :data:`VERDICTS`, with reasons.

    The rules, in the order they are tried (each threshold is an argument below):

    1. **unstable**: a loss is NaN or infinite; the first epoch's training loss is ``blowup``
       times its validation loss or more (it exploded during that epoch); a later training
       loss reaches ``exploding`` times the first one; training goes backwards (the training
       loss ends ``loss_rebound`` of its range above its minimum); or the losses jump up and
       down more than once: two or more epochs from epoch 3 on, over both curves, jump by
       ``unstable_wiggle`` of their curve's range (:func:`jumps`). One bump is noise.
    2. **overfitting**: the validation loss ends ``overfit_rise`` or more above its lowest
       level (:func:`rise_above_minimum`) while the training loss kept falling.
    3. **not converged**: both losses still fall by ``falling_slope`` or more per epoch, at
       ``falling_pace`` or more of their average pace since epoch 2 (:func:`recent_fall`).
    4. **overfitting**: the validation loss has levelled off while the model does far better
       on its training images: a validation error ``overfit_error_gap`` or more above the
       training error and more than twice it (without an accuracy, a :func:`relative_gap` of
       ``overfit_gap`` or more). A smaller gap is a **modest** one.
    5. **underfitting**: the training error is ``high_error`` or more (without an accuracy, the
       last training loss is ``high_loss`` or more of its first), with training and validation
       close together: a relative gap between ``-close_gap`` and ``close_gap``.
    6. **good fit**: none of these.

    The training figures that are compared with the validation ones (the gap, the errors) are
    those measured as the model predicts (``train_loss``, ``train_accuracy``, recorded by
    :func:`course_utils.engines.inference_metrics.training_set_metrics`) when the history holds them,
    else Keras's ``loss`` and ``accuracy``. The result's ``also`` names other readings the
    curves support, when a run sits near a rule's line or shows two things at once; among them
    **not converged** when both losses still fall at the end at half the ``falling_pace`` or more,
    or when the validation loss is lowest at the last epoch, fell by twice ``falling_slope`` or
    more in it and the validation error is above ``CEILING_ERROR`` (more epochs may still help).

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``model.fit`` returned, or its ``.history`` dict of per-epoch lists. It needs
        ``loss`` and ``val_loss``; an accuracy pair (``accuracy``/``val_accuracy``, or any
        other maximised metric between 0 and 1: :func:`error_pair`) is used when present.
    window : int, default=3
        How many epochs "the end of the run" and "the lowest level" average (at most half the run).
    overfit_rise : float, default=0.10
        Measured on the course's runs: a validation loss on 800 images moves by about 5% from
        epoch to epoch around its level, and a run that overfits ends 12% to 65% above it.
    overfit_error_gap : float, default=0.05
        5 points of error, and more than twice the training error: 0.3% against 6.2% is
        overfitting; 7% against 13% (a small model with dropout) is a modest gap; 0% against
        2.6% on 800 images is within what a good fit shows.
    overfit_gap : float, default=0.90
        Without an accuracy: a validation loss ten times the training loss.
    falling_pace, falling_slope : float, default=0.5 and 0.005
        A curve that is levelling off falls, at the end, at well under half its average pace;
        and a loss that falls by less than 0.5% per epoch would need over 100 epochs to halve:
        it is not falling steeply, whatever its pace.
    high_error, high_loss : float, default=0.10 and 0.30
        What "high" means for the training error (the source notes' underfitting example has
        14%; a small CNN on digits reaches under 2%), or, without an accuracy, for the last
        training loss as a share of the first.
    close_gap : float, default=0.35
        Training and validation are "close together" within this relative gap, either way: a
        training loss far above the validation loss (dropout on while training is measured) is
        not "close".
    unstable_wiggle : float, default=0.15
        Measured on the course's runs: in smooth runs, and in the noisiest stable ones (lesson
        08's, on 800 validation images), an epoch stands at most about a tenth of its curve's
        range from its neighbours' median, and then once; a run with a learning rate too high
        jumps by 0.2 to 0.9 of its range, again and again.
    exploding, blowup : float, default=1.5 and 5.0
        The first epoch's training loss is averaged over an untrained model, so later ones are
        lower, and it is rarely more than twice the validation loss measured after it.
    loss_rebound : float, default=0.10
        A healthy training loss never climbs back a tenth of its range (dropout's noise stays
        well below it).
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
        "overfit_rise": overfit_rise,
        "overfit_error_gap": overfit_error_gap,
        "overfit_gap": overfit_gap,
        "falling_pace": falling_pace,
        "falling_slope": falling_slope,
        "high_error": high_error,
        "high_loss": high_loss,
        "close_gap": close_gap,
        "unstable_wiggle": unstable_wiggle,
        "exploding": exploding,
        "blowup": blowup,
        "loss_rebound": loss_rebound,
    }
    values = history
    n = len(values["loss"])
    if n < min_epochs:
        raise ValueError(
            f"diagnose needs at least {min_epochs} epochs (min_epochs) to read a trend, got {n}: "
            "train for more epochs."
        )
    train = np.asarray(values["loss"], dtype=float)
    val = np.asarray(values["val_loss"], dtype=float)
    metric, val_metric = error_pair(values) or (None, None)
    finite = np.isfinite(val)
    best = int(np.argmin(np.where(finite, val, np.inf))) + 1 if finite.any() else None

    blown = _blown_up(train, val, limits)
    if blown:
        return Diagnosis(
            verdict="unstable",
            best_epoch=best,
            epochs=n,
            reasons=tuple(blown),
            advice=ADVICE["unstable"],
            figures=dict.fromkeys(FIGURES),
        )
    figures = _measure(values, metric, val_metric, window=window, jump=limits["unstable_wiggle"])
    facts = _Facts(
        train=train,
        val=val,
        best=best,
        n=n,
        w=_window(window, n),
        metric=metric,
        figures=figures,
        limits=limits,
    )
    for verdict, rule in (
        ("unstable", facts.unstable),
        ("overfitting", facts.rising),
        ("not converged", facts.not_converged),
        ("overfitting", facts.far_apart),
        ("underfitting", facts.underfitting),
        ("good fit", facts.good_fit),
    ):
        reasons = rule()
        if reasons:
            also = {other: why for other, why in facts.other_readings().items() if other != verdict}
            advice = (*ADVICE[verdict], *facts.extra_advice(verdict))
            return Diagnosis(
                verdict=verdict,
                best_epoch=best,
                epochs=n,
                reasons=tuple(reasons),
                advice=advice,
                figures=figures,
                also=also,
            )
    raise AssertionError("good_fit always gives reasons")  # pragma: no cover


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
    metric: str | None  # the training accuracy of its pair (error_pair), None when it has none
    figures: dict
    limits: dict

    # what is measured where
    def training_images(self) -> str:
        if self.figures["inference"]:
            return "the training images (measured as the model predicts)"
        return "the training images (Keras's running average, with dropout and augmentation on)"

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
        loss = "train_loss" if self.figures["inference"] else "loss"
        return (
            f"The relative gap (val_loss - {loss}) / val_loss is {at_best:.2f} at the best epoch ({self.best}) "
            f"and {at_end:.2f} at the last ({self.n})."
        )

    def error_sentence(self) -> str | None:
        if self.figures["train_error"] is None:
            return None
        return (
            f"At the last epoch the error (1 - {self.metric}) is {_percent(self.figures['train_error'])} on "
            f"{self.training_images()} and {_percent(self.figures['val_error'])} on the validation images."
        )

    def context(self) -> list[str]:
        return [s for s in (self.gap_sentence(), self.error_sentence()) if s]

    # the measures the rules read
    def still_falling(self, curve: str) -> bool:
        f, limits = self.figures, self.limits
        return f[f"{curve}_slope"] >= limits["falling_slope"] and f[f"{curve}_pace"] >= limits["falling_pace"]

    def falling_at_all(self, curve: str) -> bool:
        return self.figures[f"{curve}_slope"] >= self.limits["falling_slope"]

    def training_kept_falling(self) -> bool:
        return bool(self.train[-1] < self.train[self.best - 1])

    def rise_is_clear(self) -> bool:
        rise = self.figures["rise"]
        return rise is not None and rise >= self.limits["overfit_rise"] and self.training_kept_falling()

    def gap_is_far(self) -> bool:
        """The model does far better on its training images than on the validation images."""
        f, limits = self.figures, self.limits
        if f["error_gap"] is not None:
            return far_apart(
                min(max(f["train_error"], 0.0), 1.0),
                min(max(f["val_error"], 0.0), 1.0),
                limits["overfit_error_gap"],
            )
        return f["gap_at_end"] is not None and f["gap_at_end"] >= limits["overfit_gap"]

    def level(self) -> tuple[bool, str]:
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

    def close(self) -> bool:
        gap = self.figures["gap_at_end"]
        return gap is not None and abs(gap) < self.limits["close_gap"]

    def training_measured_harder(self) -> bool:
        """Keras's training figures read far worse than validation: dropout or augmentation at work."""
        gap = self.figures["gap_at_end"]
        return not self.figures["inference"] and gap is not None and gap <= -self.limits["close_gap"]

    # the rules
    def unstable(self) -> list[str] | None:
        f, limits = self.figures, self.limits
        if f["train_rebound"] >= limits["loss_rebound"]:
            return [
                f"Training goes backwards: the training loss ends {_percent(f['train_rebound'])} of its range "
                f"above its minimum (unstable from {_percent(limits['loss_rebound'])}).",
                self.best_sentence(),
            ]
        if f["jumps"] >= 2:
            which = "validation" if f["val_wiggle"] >= f["train_wiggle"] else "training"
            return [
                f"The losses jump up and down: {f['jumps']} epochs from epoch {JUMPS_FROM} on stand "
                f"{_percent(limits['unstable_wiggle'])} or more of their curve's range away from their "
                f"neighbours (the largest, in the {which} loss, {_percent(max(f['train_wiggle'], f['val_wiggle']))}); "
                "one such bump is noise, two or more is a run that does not settle.",
                self.best_sentence(),
            ]
        return None

    def rise_sentence(self) -> str:
        f = self.figures
        return (
            f"The validation loss ends {_percent(f['rise'])} above its lowest level (a {self.w}-epoch "
            f"average; overfitting from {_percent(self.limits['overfit_rise'])}), while the training loss "
            f"kept falling, from {_loss(self.train[self.best - 1])} to {_loss(self.train[-1])}."
        )

    def rising(self) -> list[str] | None:
        if self.rise_is_clear():
            return [self.best_sentence(), self.rise_sentence(), *self.context()]
        return None

    def not_converged(self) -> list[str] | None:
        if self.still_falling("train") and self.still_falling("val"):
            return [
                self.fall_sentence()
                + f" Both are still falling steeply (from {_percent(self.limits['falling_slope'])} per epoch "
                f"and {self.limits['falling_pace']:.2f} of the average pace): they have not started to level off.",
                self.best_sentence(),
                *self.context(),
            ]
        return None

    def far_apart_sentence(self) -> str:
        f, limits = self.figures, self.limits
        if f["error_gap"] is not None:
            return (
                f"The model does far better on its training images: an error of {_percent(f['train_error'])} on "
                f"{self.training_images()} against {_percent(f['val_error'])} on the validation images, "
                f"{_percent(f['error_gap'])} apart and more than twice as many (overfitting from "
                f"{_percent(limits['overfit_error_gap'])} apart)."
            )
        return (
            f"The training loss is far below the validation loss: a relative gap of {f['gap_at_end']:.2f} at "
            f"the last epoch (overfitting from {limits['overfit_gap']:.2f})."
        )

    def far_apart(self) -> list[str] | None:
        if self.still_falling("val") or not self.gap_is_far():
            return None
        f = self.figures
        if f["val_slope"] < 0:
            levelled = (
                f"The validation loss has stopped falling: over the last {self.w} epochs it rises "
                f"{_percent(-f['val_slope'])} per epoch."
            )
        else:
            levelled = (
                f"The validation loss has levelled off: it falls {_percent(f['val_slope'])} per epoch at the "
                f"end, at {max(f['val_pace'], 0.0):.2f} of its average pace."
            )
        return [
            levelled,
            self.far_apart_sentence(),
            self.best_sentence(),
            *[s for s in (self.gap_sentence(),) if s],
        ]

    def underfitting(self) -> list[str] | None:
        high, level = self.level()
        if high and self.close():
            return [
                f"The training loss has levelled off high: {level}.",
                f"Training and validation are close together: a relative gap of {self.figures['gap_at_end']:.2f} "
                f"at the last epoch (close within {self.limits['close_gap']:.2f} either way).",
                self.fall_sentence(),
                *[s for s in (self.error_sentence(),) if s],
            ]
        return None

    def good_fit(self) -> list[str]:
        reasons = [self.best_sentence(), self.fall_sentence()]
        f = self.figures
        if f["error_gap"] is not None:
            reasons.append(
                f"The gap is modest: an error of {_percent(f['train_error'])} on {self.training_images()} against "
                f"{_percent(f['val_error'])} on the validation images (far apart from "
                f"{_percent(self.limits['overfit_error_gap'])} and twice as many)."
            )
        elif self.gap_sentence():
            reasons.append(self.gap_sentence())
        high, level = self.level()
        if self.training_measured_harder():
            reasons.append(
                "The training figures read worse than the validation ones because they are measured with "
                "dropout or augmentation on: this gap says nothing about under- or overfitting. Record them "
                "as the model predicts (course_utils.engines.inference_metrics.training_set_metrics) to read it."
            )
        elif high:
            reasons.append(f"Although {level}, training and validation are far apart: not a simple underfit.")
        return reasons

    # two readings
    def other_readings(self) -> dict[str, str]:
        """Verdicts the curves also support: near a rule's line, or two things at once."""
        f, limits = self.figures, self.limits
        others = {}
        rise = f["rise"]
        if rise is not None and self.training_kept_falling() and rise >= 0.75 * limits["overfit_rise"]:
            others["overfitting"] = (
                f"the validation loss ends {_percent(rise)} above its lowest level while the training loss "
                "kept falling."
            )
        elif not self.still_falling("val") and self.gap_is_far():
            others["overfitting"] = self.far_apart_sentence()
        slow = 0.5 * limits["falling_pace"]
        if (
            self.falling_at_all("train")
            and self.falling_at_all("val")
            and (min(f["train_pace"], f["val_pace"]) >= slow or self.still_improving_at_the_end())
        ):
            where = " and the validation loss is lowest at the last epoch" if self.best == self.n else ""
            others["not converged"] = (
                f"both losses still fall at the end ({_percent(f['train_slope'])} and {_percent(f['val_slope'])} "
                f"per epoch, at {f['train_pace']:.2f} and {f['val_pace']:.2f} of their average pace){where}: more "
                "epochs may still help."
            )
        if f["jumps"] == 1 and rise is not None and rise >= 3 * limits["overfit_rise"] and self.late_jump():
            others["unstable"] = (
                f"the validation loss jumps by {_percent(max(f['train_wiggle'], f['val_wiggle']))} of its range "
                f"once late in the run and ends {_percent(rise)} above its lowest level: jumps or a rise, the "
                "curve alone cannot tell."
            )
        return others

    def still_improving_at_the_end(self) -> bool:
        """The validation loss is lowest at the last epoch, fell by twice ``falling_slope`` or more in that
        epoch, and the validation error (when measured) is not yet at the ceiling: more epochs may help."""
        if self.best != self.n or self.n < 2:
            return False
        last_fall = 1 - self.val[-1] / self.val[-2] if self.val[-2] > 0 else 0.0
        errors = self.figures.get("val_error")
        at_ceiling = errors is not None and errors <= CEILING_ERROR
        return bool(last_fall >= 2 * self.limits["falling_slope"] and not at_ceiling)

    def late_jump(self) -> bool:
        """Whether a jump lies in the second half of the run."""
        half = max(self.n // 2 - JUMPS_FROM + 1, 0)
        size = self.limits["unstable_wiggle"]
        return any((_jump_sizes(curve)[half:] >= size).any() for curve in (self.train, self.val))

    def extra_advice(self, verdict: str) -> tuple[str, ...]:
        if verdict == "good fit" and self.training_measured_harder():
            return ("Measure the training loss and accuracy as the model predicts before reading the gap.",)
        gap = self.figures["gap_at_end"]
        if verdict == "good fit" and gap is not None and gap >= self.limits["close_gap"]:
            return (
                "The training loss is well below the validation loss: more data or regularization can narrow "
                "the gap before the validation loss starts to rise.",
            )
        return ()


# ---------------------------------------------------------------------------
# Stored runs
# ---------------------------------------------------------------------------
@validate_arguments(path=STORED_PATH)
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
    return read_stored(path, HISTORIES_FILE, "lesson 07's stored runs", "./course histories")
