"""Checkers for the exercises of lesson 07 (overfitting diagnosis).

Expected values come from the helpers the lesson teaches: :func:`course_utils.engines.diagnosis.relative_gap`
and :func:`course_utils.engines.diagnosis.diagnose`, and :func:`course_utils.engines.history.best_epoch`. The
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

from course_utils.checks.framework import (
    Z_95,
    Feedback,
    check_answer,
    check_function,
    check_number,
    check_z_number,
    checker,
    describe,
    is_placeholder,
)
from course_utils.checks.runs import (
    CLASSES,
    CURE_GAIN,
    VALIDATION_IMAGES,
    cure_description,
    cure_feedback,
    cure_reference,
    diverged,
    layer_names,
    lesson_runs,
    read_run,
    run_rule_problem,
)
from course_utils.core.metrics import accuracy_interval
from course_utils.engines.diagnosis import VERDICTS, check_history, diagnose, relative_gap
from course_utils.engines.history import best_epoch

__all__ = [
    "CLASSES",
    "CURE_GAIN",
    "ERROR_BAR_ACCURACY",
    "ERROR_BAR_IMAGES",
    "EXERCISE_HISTORY",
    "MLP_LAYERS",
    "VALIDATION_IMAGES",
    "Z_95",
    "check_best_epoch",
    "check_clinic_labels",
    "check_cure",
    "check_error_bar",
    "check_gap_at_best",
    "check_gap_at_last",
    "check_relative_gap",
    "diverged",
    "layer_names",
    "run_rule_problem",
    "accepted_labels",
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
# Exercise 6: the cured run's best validation accuracy must beat the overfitting run's by CURE_GAIN,
# shared with lesson 08's cure (course_utils.checks.runs): the noise of a difference of two accuracies
# on the validation images.


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
#: Exercises 3a and 3b compare a gap the same way: the full value is right (float32 included), a
#: rounded one is told that it is rounded, at both epochs alike.
GAP_REL_TOL = 1e-6


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
        rel_tol=GAP_REL_TOL,
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
        rel_tol=GAP_REL_TOL,
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
    return z * accuracy_interval(accuracy, images).standard_error


@checker
def check_error_bar(answer) -> Feedback:
    """Exercise 4: the half-width of the 95% interval of an accuracy measured on ``ERROR_BAR_IMAGES`` images.

    ``z * sqrt(p (1 - p) / n)``, as a fraction (not a percentage), with z as
    :func:`~course_utils.checks.framework.check_z_number` accepts it in every lesson: 1.96 (or
    its full precision); z = 2 is refused with its reason.

    Examples
    --------
    >>> check_error_bar(_half_width(ERROR_BAR_ACCURACY, ERROR_BAR_IMAGES)).status
    'correct'
    >>> check_error_bar(_half_width(ERROR_BAR_ACCURACY, ERROR_BAR_IMAGES, z=1)).status
    'wrong'
    """
    p, n = ERROR_BAR_ACCURACY, ERROR_BAR_IMAGES
    return check_z_number(
        answer,
        lambda z: _half_width(p, n, z),
        name="half-width of the 95% interval",
        misconceptions=lambda z: [
            (
                _half_width(p, n, z=1),
                "That is one standard error; a 95% interval reaches 1.96 standard errors.",
            ),
            (z * p * (1 - p) / n, "You forgot the square root: the standard error is sqrt(p (1 - p) / n)."),
            (
                100 * _half_width(p, n, z),
                "That is the right half-width in percentage points; give it as a fraction, like the accuracy.",
            ),
            (
                2 * _half_width(p, n, z),
                "That is the whole width of the interval; the ± half-width is half of it.",
            ),
            (
                z / math.sqrt(n),
                "You left out p (1 - p): the spread of a share of right answers depends on the accuracy.",
            ),
        ],
        hint="The standard error of an accuracy p measured on n images is sqrt(p (1 - p) / n); "
        "multiply it by 1.96.",
    )


# ---------------------------------------------------------------------------
# Exercise 5: the clinic
# ---------------------------------------------------------------------------
def clinic() -> dict:
    """The clinic's runs: ``{name: history}``, in order (read from the lesson's stored histories).

    Examples
    --------
    >>> sorted(clinic())[:3]
    ['A', 'B', 'C']
    """
    return {run["name"]: run["history"] for run in lesson_runs()["clinic"]}


#: What each verdict means, in the lesson's words (a definition, never a claim about one run).
SIGNS = {
    "overfitting": "the validation loss stops improving, or turns up, while the training loss keeps falling "
    "below it",
    "underfitting": "the training loss levels off high: the model cannot fit even its training images",
    "not converged": "both losses are still falling at the last epoch: more epochs would help",
    "unstable": "a loss jumps up and down, explodes or becomes NaN",
    "good fit": "the validation loss levels off at its lowest, and the training loss does not run far below it",
}
#: Which of the run's measured facts each verdict is read from (see :func:`_run_facts`).
_FACTS_FOR = {
    "overfitting": ("lowest", "trend", "gap"),
    "underfitting": ("level", "gap", "trend"),
    "not converged": ("trend", "lowest"),
    "unstable": ("broken", "first epoch", "ups"),
    "good fit": ("lowest", "gap"),
}


def accepted_labels() -> dict[str, tuple[str, ...]]:
    """The verdicts accepted for each clinic run: :func:`~course_utils.engines.diagnosis.diagnose`'s verdict,
    then the other readings its result says the curves support (``Diagnosis.also``).

    Examples
    --------
    >>> accepted_labels()["A"]
    ('overfitting',)
    >>> accepted_labels()["E"]
    ('unstable', 'overfitting')
    """
    return {run: diagnose(history).acceptable for run, history in clinic().items()}


def _number(value: float) -> str:
    return f"{value:.3g}"


def _share(value: float) -> str:
    """A share as a percentage with two significant digits below 10% (0.14%), whole above (63%)."""
    percent = 100 * value
    return f"{percent:.0f}%" if abs(percent) >= 10 else f"{percent:.2g}%"


def _run_facts(history) -> dict[str, str]:
    """What a run's curves measure, one sentence per fact, each with the run's own numbers.

    Only numbers and their comparisons (above, below, rose, fell): the verdict is the
    diagnoser's, never decided here.
    """
    values = check_history(history)
    train, val = values["loss"], values["val_loss"]
    epochs = len(train)
    broken = [i for i in range(epochs) if not (math.isfinite(train[i]) and math.isfinite(val[i]))]
    if broken:
        return {"broken": f"a loss is NaN or infinite from epoch {broken[0] + 1} of {epochs}"}
    facts = {}
    best = min(range(epochs), key=lambda i: val[i])
    facts["lowest"] = f"the validation loss is lowest at epoch {best + 1} of {epochs} ({_number(val[best])})"
    if val[-1] > val[best]:
        facts["lowest"] += (
            f" and ends at {_number(val[-1])}, {_share((val[-1] - val[best]) / val[best])} above it"
        )
    window = max(1, min(3, epochs // 2))

    def moved(series) -> str:
        start, end = series[-1 - window], series[-1]
        how = "fell" if end < start else "rose" if end > start else "stayed"
        return f"{how} from {_number(start)} to {_number(end)}"

    facts["trend"] = (
        f"over the last {window} epoch{'s' if window > 1 else ''} the training loss {moved(train)} and the "
        f"validation loss {moved(val)}"
    )
    last_train, last_val = train[-1], val[-1]
    side = "below" if last_val < last_train else "above" if last_val > last_train else "equal to"
    gap = f"at the last epoch the validation loss ({_number(last_val)}) is {side} the training loss ({_number(last_train)})"
    if last_val > 0:
        gap += f", a relative gap of {relative_gap(last_train, last_val):.2f}"
    facts["gap"] = gap
    level = f"the training loss ends at {_number(last_train)}, {_share(last_train / train[0])} of its first epoch's {_number(train[0])}"
    accuracy = values.get("accuracy")
    if accuracy and len(accuracy) == epochs and math.isfinite(accuracy[-1]):
        level += f", with a training error (1 - accuracy) of {1 - accuracy[-1]:.1%}"
    facts["level"] = level
    facts["first epoch"] = (
        f"the first epoch's training loss is {_number(train[0])} against a validation loss of {_number(val[0])}"
    )
    ups = sum(later > earlier for earlier, later in zip(val, val[1:]))
    turns = sum(
        (b - a) * (c - b) < 0 for a, b, c in zip(val, val[1:], val[2:])
    )  # a rise followed by a fall, or the other way round
    facts["ups"] = (
        f"the validation loss rose in {ups} of its {epochs - 1} steps from one epoch to the next and "
        f"changed direction {turns} time{'s' if turns != 1 else ''}"
    )
    return facts


def _clinic_note(run: str, history, given: str, accepted: tuple[str, ...]) -> str:
    """Why a label is not accepted: the diagnoser's reading, what it means, and the run's own numbers."""
    facts = _run_facts(history)
    keys = []
    for verdict in (*accepted, given):
        keys += [key for key in _FACTS_FOR[verdict] if key in facts and key not in keys]
    keys = keys or list(facts)
    right = " or ".join(accepted)
    return (
        f"{run}: you said {given}, but the curves read as {right} ({SIGNS[accepted[0]]}). "
        f"Here {'; '.join(facts[key] for key in keys)}."
    )


@checker
def check_clinic_labels(answer) -> Feedback:
    """Exercise 5: a verdict for each run of the clinic, as a dict ``{name: verdict}``.

    The accepted verdicts are :func:`accepted_labels`: :func:`course_utils.engines.diagnosis.diagnose`'s
    on the stored runs, and the other readings it says a run supports; a label that is such a second
    reading is accepted with the reason. A wrong label is told what the
    accepted verdict means and the run's own numbers that show it (where the validation loss
    is lowest, how both losses moved at the end, how they compare at the last epoch).

    Examples
    --------
    >>> right = {name: labels[0] for name, labels in accepted_labels().items()}
    >>> check_clinic_labels(right).status
    'correct'
    >>> print(check_clinic_labels({**right, "A": "good fit"}))  # doctest: +ELLIPSIS
    Not yet: 10 of 11 runs are right. A: you said good fit, but the curves read as overfitting (...). Here the validation loss is lowest at epoch 10 of 40 (0.484) and ends at 0.792, 63% above it; ...
    """
    name = "labels"
    runs = clinic()
    options = ", ".join(repr(v) for v in VERDICTS)

    def keys(given) -> dict:
        return {
            str(key).strip().upper() if isinstance(key, str) else key: value for key, value in given.items()
        }

    def not_a_verdict(given) -> list:
        return [
            (run, value)
            for run, value in keys(given).items()
            if not isinstance(value, str) or value.strip().lower() not in VERDICTS
        ]

    def missing_or_extra(given) -> str:
        missing = [run for run in runs if run not in keys(given)]
        extra = [key for key in keys(given) if key not in runs]
        return (
            f"{name} should have one verdict for each run {list(runs)}; "
            + (f"missing: {missing}. " if missing else "")
            + (f"not runs of the clinic: {[describe(k) for k in extra]}." if extra else "")
        )

    return check_answer(
        answer,
        name=name,
        form="a dict such as {'A': 'overfitting', 'B': ...}, one verdict per run",
        is_form=lambda given: isinstance(given, Mapping),
        requirements=[
            (
                lambda given: not any(is_placeholder(value) for value in given.values()),
                lambda given: f"replace every `...` in {name} with a verdict, then run the cell again.",
                "unfinished",
            ),
            (lambda given: set(keys(given)) == set(runs), missing_or_extra, "invalid"),
            (
                lambda given: not not_a_verdict(given),
                lambda given: (
                    f"the verdict of run {not_a_verdict(given)[0][0]} is {describe(not_a_verdict(given)[0][1])}; each verdict must be one of {options}."
                ),
                "invalid",
            ),
            (lambda given: not _clinic_notes(runs, given), lambda given: _clinic_notes(runs, given)),
        ],
        summary=lambda given: _clinic_summary(runs, given),
    )


def _clinic_readings(runs: dict, answer) -> tuple[dict, dict]:
    """The learner's verdicts by run (keys and verdicts normalized) and the diagnoser's readings."""
    given = {
        (str(key).strip().upper() if isinstance(key, str) else key): value.strip().lower()
        for key, value in answer.items()
    }
    return given, {run: diagnose(history) for run, history in runs.items()}


def _clinic_notes(runs: dict, answer) -> str:
    """How many runs are right and why each wrong label is not accepted; empty when every label is."""
    given, readings = _clinic_readings(runs, answer)
    wrong = [run for run in runs if given[run] not in readings[run].acceptable]
    if not wrong:
        return ""
    accepted = {run: reading.acceptable for run, reading in readings.items()}
    notes = [_clinic_note(run, runs[run], given[run], accepted[run]) for run in wrong]
    return f"{len(runs) - len(wrong)} of {len(runs)} runs are right. " + " ".join(notes)


def _clinic_summary(runs: dict, answer) -> str:
    """Every run labelled as the curves read, with each label that is the curves' second reading."""
    given, readings = _clinic_readings(runs, answer)
    second = [
        f"{run}: {given[run]} is a reading the curves support too ({readings[run].also[given[run]]}); the "
        f"diagnoser's first reading is {readings[run].verdict}."
        for run in runs
        if given[run] in readings[run].also
    ]
    return " ".join([f"all {len(runs)} runs are labelled as the curves read.", *second])


# ---------------------------------------------------------------------------
# Exercise 6: cure the overfitting run
# ---------------------------------------------------------------------------
#: The layers of the lesson's MLP (``train_run``), whatever its settings.
MLP_LAYERS = ("Flatten", "Dense", "Dropout")


def _mlp_rule(model) -> str | None:
    """Exercise 6 of lesson 07 changes the settings of the lesson's MLP, not the model."""
    names = layer_names(model) or []
    others = sorted({name for name in names if name not in MLP_LAYERS})
    if others:
        return (
            f"its model has {', '.join(others)} layers: this exercise changes only the settings of the lesson's "
            "MLP (Flatten, Dense, Dropout, Dense) through train_run; lesson 08 cures it with other models."
        )
    return None


@checker(answer="data")
def check_cure(history) -> Feedback:
    """Exercise 6: the history of a run that cures :func:`cure_reference`'s overfitting.

    The run must keep the exercise's rules: the lesson's MLP (``train_run``, any settings),
    validated on the :data:`VALIDATION_IMAGES` validation images. Right when
    :func:`course_utils.engines.diagnosis.diagnose` reads a good fit and the best validation accuracy
    beats the overfitting run's by ``CURE_GAIN`` or more. A diverged run is called diverged;
    another verdict gets what the new curves show instead.

    Examples
    --------
    >>> check_cure(cure_reference()).status
    'wrong'
    >>> check_cure({"loss": [1.0, 0.5]}).status
    'invalid'
    """
    return cure_feedback(
        history,
        model_rule=_mlp_rule,
        diverged_advice="A learning rate too high is the usual cause: keep train_run's default, or lower it.",
        requirements=[
            (
                lambda run: run.result.verdict == "good fit",
                lambda run: f"{_ILLS[run.result.verdict]}. {run.result.reasons[0]}",
            ),
            (
                lambda run: run.new >= run.old + CURE_GAIN,
                lambda run: (
                    f"the curves look healthy, but the best validation accuracy is {run.new:.3f}, not "
                    f"{CURE_GAIN:.3f} above the overfitting run's {run.old:.3f}: the cure should also generalize "
                    "better. More training images help most."
                ),
            ),
        ],
        summary=lambda run: (
            f"a good fit, with a best validation accuracy of {run.new:.3f} against {run.old:.3f} before."
        ),
    )


#: What a run that is not yet cured shows, by the diagnoser's verdict.
_ILLS = {
    "overfitting": "the new run still overfits",
    "underfitting": "the overfitting is gone, but the model now underfits: it is too small, or "
    "regularized too hard, to fit even its training images",
    "not converged": "the new run stopped while both curves were still falling: train for more epochs",
    "unstable": "the new run is unstable: a learning rate too high is the usual cause (keep train_run's "
    "default, or lower it)",
}
