"""Checkers for the exercises of lesson 07 (overfitting diagnosis).

Expected values come from the helpers the lesson teaches: :func:`course_utils.diagnosis.relative_gap`
and :func:`course_utils.diagnosis.diagnose`, and :func:`course_utils.history.best_epoch`. The
clinic's runs and the run to cure are read from the lesson's stored histories
(``course_utils/data_files/histories_07.json``, made by ``./course histories``). No checker
imports TensorFlow.

Examples
--------
>>> check_best_epoch(...)
Unfinished: replace the `...` in best epoch with your answer, then run the cell again.
>>> check_best_epoch(4)
Not yet: best epoch = 4 is not right. Keras counts epochs from 1: np.argmin gives an index that starts at 0, so add 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache

from course_utils.checks.framework import (
    Feedback,
    check_function,
    check_number,
    checker,
    describe,
    is_placeholder,
    unfinished,
)
from course_utils.diagnosis import MIN_EPOCHS, VERDICTS, check_history, diagnose, load_histories, relative_gap
from course_utils.history import best_epoch

__all__ = [
    "CURE_GAIN",
    "ERROR_BAR_ACCURACY",
    "ERROR_BAR_IMAGES",
    "EXERCISE_HISTORY",
    "Z_95",
    "check_best_epoch",
    "check_clinic_labels",
    "check_cure",
    "check_error_bar",
    "check_gap_at_best",
    "check_gap_at_last",
    "check_relative_gap",
    "clinic",
    "cure_description",
    "cure_reference",
    "read_run",
]

#: A run for exercises 2 and 3 (10 epochs): the validation loss is lowest at one epoch, the
#: validation accuracy peaks at another, and the training loss falls to the end.
EXERCISE_HISTORY = {
    "loss": [1.20, 0.62, 0.45, 0.36, 0.29, 0.23, 0.18, 0.14, 0.11, 0.09],
    "val_loss": [0.70, 0.52, 0.44, 0.40, 0.385, 0.39, 0.41, 0.44, 0.48, 0.53],
    "accuracy": [0.66, 0.82, 0.87, 0.90, 0.92, 0.935, 0.95, 0.96, 0.97, 0.975],
    "val_accuracy": [0.80, 0.85, 0.87, 0.885, 0.89, 0.895, 0.90, 0.893, 0.888, 0.88],
}
#: Exercise 4: a validation accuracy measured on this many images.
ERROR_BAR_ACCURACY = 0.92
ERROR_BAR_IMAGES = 250
#: The z-value of a 95% interval of a normal distribution.
Z_95 = 1.96
#: Exercise 6: the cured run's best validation accuracy must beat the overfitting run's by this much.
CURE_GAIN = 0.02


# ---------------------------------------------------------------------------
# Exercise 1
# ---------------------------------------------------------------------------
def _difference(train_loss, val_loss):
    return val_loss - train_loss


def _over_train(train_loss, val_loss):
    return (val_loss - train_loss) / train_loss


def _flipped(train_loss, val_loss):
    return (train_loss - val_loss) / val_loss


def _ratio(train_loss, val_loss):
    return val_loss / train_loss


_GAP_CASES = [(0.12, 0.41), (0.01, 0.10), (0.14, 0.15), (0.3, 0.25), (2.0, 2.5), (0.5, 0.5)]


@checker(answer="function")
def check_relative_gap(function) -> Feedback:
    """Exercise 1: the learner's ``relative_gap(train_loss, val_loss)``: ``(val - train) / val``.

    Examples
    --------
    >>> check_relative_gap(relative_gap).status
    'correct'
    >>> check_relative_gap(_difference).status
    'wrong'
    """
    return check_function(
        function,
        relative_gap,
        _GAP_CASES,
        name="relative_gap",
        atol=1e-9,
        rtol=1e-9,
        misconceptions=[
            (
                _difference,
                "That is the difference val - train, which depends on the scale of the loss: 0.09 means a lot "
                "for losses near 0.1 and nothing for losses near 2. Divide it by the validation loss.",
            ),
            (
                _over_train,
                "You divided by the training loss. When the model memorises its training images the training "
                "loss goes to 0 and your gap explodes; divide by the validation loss, so that the gap stays below 1.",
            ),
            (
                _flipped,
                "The sign is flipped: the gap is positive when the validation loss is the higher one. "
                "Compute (val - train) / val.",
            ),
            (
                _ratio,
                "That is the ratio val / train, not the share of the validation loss that the training loss does "
                "not have: compute (val - train) / val.",
            ),
        ],
        hint="The relative gap is (val_loss - train_loss) / val_loss.",
    )


# ---------------------------------------------------------------------------
# Exercises 2 and 3
# ---------------------------------------------------------------------------
def _epoch_of_best(series, highest: bool = False) -> int:
    values = list(series)
    target = max(values) if highest else min(values)
    return values.index(target) + 1


@checker
def check_best_epoch(answer) -> Feedback:
    """Exercise 2: the best epoch of ``EXERCISE_HISTORY`` (lowest validation loss), counted from 1.

    Examples
    --------
    >>> check_best_epoch(5).status
    'correct'
    >>> check_best_epoch(10).status
    'wrong'
    """
    history = EXERCISE_HISTORY
    expected = best_epoch(history)
    return check_number(
        answer,
        expected,
        name="best epoch",
        misconceptions=[
            (
                expected - 1,
                "Keras counts epochs from 1: np.argmin gives an index that starts at 0, so add 1.",
            ),
            (
                _epoch_of_best(history["val_accuracy"], highest=True),
                "That is the epoch with the highest validation accuracy. The best epoch, the one "
                "ModelCheckpoint(monitor='val_loss') keeps, has the lowest validation loss.",
            ),
            (
                _epoch_of_best(history["loss"]),
                "That is where the training loss is lowest: it keeps falling to the last epoch whatever "
                "happens on new images. Look at the validation loss.",
            ),
            (
                _epoch_of_best(
                    [relative_gap(t, v) for t, v in zip(history["loss"], history["val_loss"], strict=True)]
                ),
                "That is the epoch where the two curves are closest. The best epoch is where the "
                "validation loss is lowest, whatever the gap.",
            ),
        ],
        hint="Find the lowest value of history['val_loss'] and count epochs from 1.",
    )


def _gap(history, epoch: int) -> float:
    return relative_gap(history["loss"][epoch - 1], history["val_loss"][epoch - 1])


GAP_HINT = "At an epoch, the relative gap is (val_loss - loss) / val_loss, with both values of that epoch."


@checker
def check_gap_at_best(answer) -> Feedback:
    """Exercise 3a: the relative gap of ``EXERCISE_HISTORY`` at its best epoch.

    Examples
    --------
    >>> check_gap_at_best(_gap(EXERCISE_HISTORY, 5)).status
    'correct'
    >>> check_gap_at_best(_gap(EXERCISE_HISTORY, 10)).status
    'wrong'
    """
    history = EXERCISE_HISTORY
    best = best_epoch(history)
    train, val = history["loss"][best - 1], history["val_loss"][best - 1]
    return check_number(
        answer,
        _gap(history, best),
        name="gap at the best epoch",
        rel_tol=1e-3,
        misconceptions=[
            (
                val - train,
                "That is the difference val - train; the relative gap divides it by the validation loss.",
            ),
            (_over_train(train, val), "You divided by the training loss; divide by the validation loss."),
            (
                _gap(history, best + 1),
                "That is the next epoch's gap: the best epoch counts from 1, so its values are at index "
                "best - 1 of the lists.",
            ),
            (_gap(history, len(history["loss"])), "That is the gap at the last epoch, not at the best one."),
            (
                _gap(history, _epoch_of_best(history["val_accuracy"], highest=True)),
                "That is the gap at the epoch of the highest validation accuracy; the best epoch has the lowest "
                "validation loss.",
            ),
        ],
        hint=GAP_HINT + " The best epoch has the lowest val_loss.",
    )


@checker
def check_gap_at_last(answer) -> Feedback:
    """Exercise 3b: the relative gap of ``EXERCISE_HISTORY`` at its last epoch.

    Examples
    --------
    >>> check_gap_at_last(_gap(EXERCISE_HISTORY, 10)).status
    'correct'
    >>> check_gap_at_last(_gap(EXERCISE_HISTORY, 5)).status
    'wrong'
    """
    history = EXERCISE_HISTORY
    last = len(history["loss"])
    train, val = history["loss"][-1], history["val_loss"][-1]
    return check_number(
        answer,
        _gap(history, last),
        name="gap at the last epoch",
        rel_tol=1e-3,
        misconceptions=[
            (
                val - train,
                "That is the difference val - train; the relative gap divides it by the validation loss.",
            ),
            (_over_train(train, val), "You divided by the training loss; divide by the validation loss."),
            (_flipped(train, val), "The sign is flipped: (val_loss - loss) / val_loss is positive here."),
            (_gap(history, best_epoch(history)), "That is the gap at the best epoch, not at the last one."),
            (
                _gap(history, last - 1),
                "That is the gap one epoch before the last: the last values are at index -1.",
            ),
        ],
        hint=GAP_HINT,
    )


# ---------------------------------------------------------------------------
# Exercise 4
# ---------------------------------------------------------------------------
def _half_width(accuracy: float, images: int, z: float = Z_95) -> float:
    return z * math.sqrt(accuracy * (1 - accuracy) / images)


@checker
def check_error_bar(answer) -> Feedback:
    """Exercise 4: the half-width of the 95% interval of an accuracy measured on ``ERROR_BAR_IMAGES`` images.

    ``z * sqrt(p (1 - p) / n)``, as a fraction (not a percentage). Using 2 for ``z`` is close
    enough and is accepted.

    Examples
    --------
    >>> check_error_bar(_half_width(ERROR_BAR_ACCURACY, ERROR_BAR_IMAGES)).status
    'correct'
    >>> check_error_bar(_half_width(ERROR_BAR_ACCURACY, ERROR_BAR_IMAGES, z=1)).status
    'wrong'
    """
    p, n = ERROR_BAR_ACCURACY, ERROR_BAR_IMAGES
    expected = _half_width(p, n)
    return check_number(
        answer,
        expected,
        name="half-width of the 95% interval",
        rel_tol=0.025,  # z = 2 instead of 1.96 is 2% more: accepted
        misconceptions=[
            (
                _half_width(p, n, z=1),
                "That is one standard error; a 95% interval reaches 1.96 standard errors.",
            ),
            (
                Z_95 * p * (1 - p) / n,
                "You forgot the square root: the standard error is sqrt(p (1 - p) / n).",
            ),
            (
                100 * expected,
                "That is the right half-width in percentage points; give it as a fraction, like the accuracy.",
            ),
            (2 * expected, "That is the whole width of the interval; the ± half-width is half of it."),
            (
                Z_95 / math.sqrt(n),
                "You left out p (1 - p): the spread of a share of right answers depends on the accuracy.",
            ),
        ],
        hint="The standard error of an accuracy p measured on n images is sqrt(p (1 - p) / n); "
        "multiply it by 1.96.",
    )


# ---------------------------------------------------------------------------
# Exercise 5: the clinic
# ---------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _stored():
    return load_histories()["runs"]


def clinic() -> dict:
    """The clinic's runs: ``{name: history}``, in order (read from the lesson's stored histories).

    Examples
    --------
    >>> sorted(clinic())[:3]
    ['A', 'B', 'C']
    """
    return {run["name"]: run["history"] for run in _stored()["clinic"]}


#: What the curves show, for each verdict.
SIGNS = {
    "overfitting": "the validation loss has turned up, or stays far above the training loss, while the "
    "training loss keeps falling",
    "underfitting": "both curves have levelled off high and close together",
    "not converged": "both curves are still falling steeply at the last epoch",
    "unstable": "a loss jumps up and down, explodes or becomes NaN",
    "good fit": "the validation loss has levelled off at its lowest, not far above the training loss",
}
#: The confusions learners make, (right verdict, answer) -> what to look at.
CONFUSIONS = {
    ("not converged", "underfitting"): "both curves are still falling: not converged yet, not underfitting. "
    "Train longer before calling the model too small.",
    (
        "underfitting",
        "not converged",
    ): "the curves have levelled off: more epochs will not help, the model is "
    "too small to fit even its training images (underfitting).",
    ("overfitting", "good fit"): "the training loss keeps falling while the validation loss has stopped "
    "improving and stays far above it: that gap is overfitting.",
    ("good fit", "overfitting"): "the validation loss is still at its lowest and the gap is moderate; a "
    "training loss below the validation loss is normal, it is not overfitting by itself.",
    ("unstable", "overfitting"): "the validation loss jumps up and down rather than rising steadily: that is "
    "an unstable run (a learning rate too high), not overfitting.",
    ("overfitting", "unstable"): "the validation loss rises steadily, it does not jump up and down: "
    "overfitting, not instability.",
    ("not converged", "overfitting"): "the gap is large, but the validation loss is still falling steeply: "
    "the gap is closing, so it is too early to call it overfitting.",
    ("good fit", "underfitting"): "the training loss levelled off low: the model fits its training images.",
    ("underfitting", "good fit"): "the curves are close, but they levelled off high: the model cannot "
    "fit even its training images (underfitting).",
    ("good fit", "unstable"): "a small validation set makes the curve a little noisy; it does not jump "
    "by a large share of its range, so the run is not unstable.",
    ("unstable", "underfitting"): "the loss exploded in the first epoch and never recovered: a learning "
    "rate far too high, not a model too small.",
}


def _confusion(right: str, given: str) -> str:
    return CONFUSIONS.get((right, given), f"look again: {SIGNS[right]}, which means {right}.")


@checker
def check_clinic_labels(answer) -> Feedback:
    """Exercise 5: a verdict for each run of the clinic, as a dict ``{name: verdict}``.

    The right verdicts are :func:`course_utils.diagnosis.diagnose`'s on the stored runs
    (which are also the verdicts each run was made to show). A wrong label gets the
    confusion it shows ("both curves are still falling: not converged yet, not underfitting").

    Examples
    --------
    >>> right = {name: diagnose(history).verdict for name, history in clinic().items()}
    >>> check_clinic_labels(right).status
    'correct'
    >>> check_clinic_labels({**right, "B": "underfitting"}).message.split(". ")[1]
    'B: you said underfitting, but both curves are still falling: not converged yet, not underfitting'
    """
    name = "labels"
    if is_placeholder(answer):
        return unfinished(name)
    runs = clinic()
    if not isinstance(answer, Mapping):
        return Feedback(
            "invalid",
            f"{name} should be a dict such as {{'A': 'overfitting', 'B': ...}}, one verdict per run, but it is "
            f"{describe(answer)} of type {type(answer).__name__}.",
        )
    if any(is_placeholder(value) for value in answer.values()):
        return Feedback(
            "unfinished", f"replace every `...` in {name} with a verdict, then run the cell again."
        )
    keys = {str(key).strip().upper() if isinstance(key, str) else key: value for key, value in answer.items()}
    missing = [run for run in runs if run not in keys]
    extra = [key for key in keys if key not in runs]
    if missing or extra:
        return Feedback(
            "invalid",
            f"{name} should have one verdict for each run {list(runs)}; "
            + (f"missing: {missing}. " if missing else "")
            + (f"not runs of the clinic: {[describe(k) for k in extra]}." if extra else ""),
        )
    options = ", ".join(repr(v) for v in VERDICTS)
    given = {}
    for run, value in keys.items():
        if not isinstance(value, str) or value.strip().lower() not in VERDICTS:
            return Feedback(
                "invalid",
                f"the verdict of run {run} is {describe(value)}; each verdict must be one of {options}.",
            )
        given[run] = value.strip().lower()
    right = {run: diagnose(history).verdict for run, history in runs.items()}
    wrong = [run for run in runs if given[run] != right[run]]
    if not wrong:
        return Feedback("correct", f"all {len(runs)} runs are labelled as the diagnoser reads them.")
    notes = [f"{run}: you said {given[run]}, but {_confusion(right[run], given[run])}" for run in wrong]
    return Feedback("wrong", f"{len(runs) - len(wrong)} of {len(runs)} runs are right. " + " ".join(notes))


# ---------------------------------------------------------------------------
# Exercise 6: cure the overfitting run
# ---------------------------------------------------------------------------
def cure_reference() -> dict:
    """The overfitting run that exercise 6 cures: its stored history (the lesson's less-data run).

    Examples
    --------
    >>> diagnose(cure_reference()).verdict
    'overfitting'
    """
    return dict(_stored()["exercise"][0]["history"])


def cure_description() -> str:
    """How the run to cure was made, as stored with it.

    Examples
    --------
    >>> "150 digits" in cure_description()
    True
    """
    return _stored()["exercise"][0]["description"]


def read_run(history, name: str = "history"):
    """A learner's training run, read for a checker: ``(values, best val_accuracy)``, or the
    :class:`Feedback` to give when it is unfinished or cannot be read.

    Examples
    --------
    >>> read_run(...).status
    'unfinished'
    >>> values, best = read_run(cure_reference())
    >>> best == max(cure_reference()["val_accuracy"])
    True
    """
    if is_placeholder(history):
        return unfinished(name)
    try:
        values = check_history(history)
    except (TypeError, ValueError) as error:
        return Feedback("invalid", f"{name} should be what model.fit(...) returned: {error}")
    if len(values["loss"]) < MIN_EPOCHS:
        return Feedback(
            "invalid",
            f"{name} has {len(values['loss'])} epochs; train for at least {MIN_EPOCHS} so its curves can be read.",
        )
    accuracy = values.get("val_accuracy")
    if not accuracy or not all(isinstance(v, float) and math.isfinite(v) for v in accuracy):
        return Feedback(
            "invalid",
            f"{name} has no usable 'val_accuracy': compile with metrics=['accuracy'] and fit with validation_data.",
        )
    return values, max(accuracy)


@checker
def check_cure(history) -> Feedback:
    """Exercise 6: the history of a run that cures :func:`cure_reference`'s overfitting.

    Right when :func:`course_utils.diagnosis.diagnose` reads a good fit and the best validation
    accuracy beats the overfitting run's by ``CURE_GAIN`` or more. Another verdict gets what
    the new curves show instead.

    Examples
    --------
    >>> check_cure(cure_reference()).status
    'wrong'
    >>> check_cure({"loss": [1.0, 0.5]}).status
    'invalid'
    """
    read = read_run(history)
    if isinstance(read, Feedback):
        return read
    values, new_best = read
    result = diagnose(values)
    if result.verdict != "good fit":
        what = {
            "overfitting": "the new run still overfits",
            "underfitting": "the overfitting is gone, but the model now underfits: it is too small, or "
            "regularized too hard, to fit even its training images",
            "not converged": "the new run stopped while both curves were still falling: train for more epochs",
            "unstable": "the new run is unstable: keep the learning rate of the original",
        }[result.verdict]
        return Feedback("wrong", f"{what}. {result.reasons[0]}")
    old_best = max(cure_reference()["val_accuracy"])
    if new_best < old_best + CURE_GAIN:
        return Feedback(
            "wrong",
            f"the curves look healthy, but the best validation accuracy is {new_best:.3f}, not "
            f"{CURE_GAIN:.2f} above the overfitting run's {old_best:.3f}: the cure should also generalize better. "
            "More training images help most.",
        )
    return Feedback(
        "correct",
        f"a good fit, with a best validation accuracy of {new_best:.3f} against {old_best:.3f} before.",
    )
