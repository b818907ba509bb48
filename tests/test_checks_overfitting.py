"""The lesson 07 checkers: right answers pass in every form, each mistake is named, junk is refused.

Expected values come from the course's helpers; the clinic's and exercise 6's runs from the
stored histories that ``./course histories`` made.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from course_utils.checks import framework
from course_utils.checks import overfitting as check
from course_utils.engines.diagnosis import VERDICTS, diagnose, load_histories, relative_gap
from course_utils.engines.history import best_epoch


@pytest.fixture(autouse=True)
def strict(monkeypatch):
    monkeypatch.setattr(framework, "STRICT", True)


def assert_feedback(feedback, status, *fragments):
    assert feedback.status == status, str(feedback)
    for fragment in fragments:
        assert fragment.lower() in feedback.message.lower(), str(feedback)


# ---------------------------------------------------------------- exercise 1


def test_relative_gap_function_right_and_wrong():
    def mine(train_loss, val_loss):
        return 1 - train_loss / val_loss

    assert_feedback(check.check_relative_gap(mine), "correct")
    assert_feedback(check.check_relative_gap(lambda t, v: v - t), "wrong", "depends on the scale")
    assert_feedback(
        check.check_relative_gap(lambda t, v: (v - t) / t), "wrong", "divided by the training loss"
    )
    assert_feedback(
        check.check_relative_gap(lambda t, v: abs(v - t) / v), "wrong", "(val_loss - train_loss) / val_loss"
    )

    def unfinished(train_loss, val_loss):
        raise NotImplementedError

    assert_feedback(check.check_relative_gap(unfinished), "unfinished")


# ---------------------------------------------------------------- exercises 2 and 3


def test_the_exercise_history_is_not_a_lesson_run_and_overfits():
    history = check.EXERCISE_HISTORY
    assert diagnose(history).verdict == "overfitting"
    lesson = load_histories()["runs"]
    assert all(
        run["history"]["val_loss"][:3] != history["val_loss"][:3] for runs in lesson.values() for run in runs
    )


@pytest.mark.parametrize("form", [5, 5.0, np.int64(5), np.float32(5), Fraction(5)])
def test_best_epoch_in_every_form(form):
    assert best_epoch(check.EXERCISE_HISTORY) == 5
    assert_feedback(check.check_best_epoch(form), "correct")


@pytest.mark.parametrize(
    "answer, fragment",
    [
        (4, "starts at 0"),
        (7, "highest validation accuracy"),
        (10, "training loss is lowest"),
        (1, "closest"),
        (6, "Find the lowest value"),
        ("5", "remove the quotes"),
    ],
)
def test_best_epoch_mistakes_are_named(answer, fragment):
    assert_feedback(
        check.check_best_epoch(answer), "invalid" if isinstance(answer, str) else "wrong", fragment
    )


def _gap(epoch):
    h = check.EXERCISE_HISTORY
    return relative_gap(h["loss"][epoch - 1], h["val_loss"][epoch - 1])


@pytest.mark.parametrize("form", [_gap(5), np.float64(_gap(5)), np.float32(_gap(5)), Fraction(19, 77)])
def test_gap_at_best_in_every_form(form):
    assert Fraction(385 - 290, 385) == Fraction(19, 77)  # (0.385 - 0.29) / 0.385, exactly
    assert_feedback(check.check_gap_at_best(form), "correct")


@pytest.mark.parametrize("form", [_gap(10), np.float32(_gap(10)), Fraction(44, 53)])
def test_gap_at_last_in_every_form(form):
    assert_feedback(check.check_gap_at_last(form), "correct")


@pytest.mark.parametrize("decimals", [2, 3, 4])
@pytest.mark.parametrize("checker, epoch", [(check.check_gap_at_best, 5), (check.check_gap_at_last, 10)])
def test_both_gaps_follow_one_rounding_policy(checker, epoch, decimals):
    """0.83 at the last epoch and 0.25 at the best are both the right value rounded: both are told so."""
    rounded = round(_gap(epoch), decimals)
    shown = len(repr(rounded).split(".")[1])  # 0.830 is written 0.83: two decimals
    assert_feedback(checker(rounded), "wrong", f"rounded to {shown} decimal")


def test_an_answer_that_is_no_rounding_is_never_called_rounded():
    # 0.1 shows one decimal: it is not "0.095 (the difference val - train) rounded to 2 decimals"
    for answer in (0.1, 0.2, 0.9):
        feedback = check.check_gap_at_best(answer)
        assert feedback.status == "wrong" and "rounded" not in feedback.message, feedback


@pytest.mark.parametrize(
    "answer, fragment",
    [
        (0.385 - 0.29, "difference val - train"),
        ((0.385 - 0.29) / 0.29, "divided by the training loss"),
        (_gap(6), "next epoch"),
        (_gap(10), "at the last epoch"),
        (_gap(7), "highest validation accuracy"),
        (round(_gap(5), 2), "rounded to 2 decimals"),
        (0.5, "lowest val_loss"),
    ],
)
def test_gap_at_best_mistakes_are_named(answer, fragment):
    assert_feedback(check.check_gap_at_best(answer), "wrong", fragment)


@pytest.mark.parametrize(
    "answer, fragment",
    [
        (0.53 - 0.09, "difference val - train"),
        ((0.53 - 0.09) / 0.09, "divided by the training loss"),
        (-_gap(10), "sign is flipped"),
        (_gap(5), "at the best epoch"),
        (_gap(9), "one epoch before the last"),
        ((0.53, 0.09), "single number"),
    ],
)
def test_gap_at_last_mistakes_are_named(answer, fragment):
    expected = "invalid" if isinstance(answer, tuple) else "wrong"
    assert_feedback(check.check_gap_at_last(answer), expected, fragment)


# ---------------------------------------------------------------- exercise 4


def test_error_bar_right_with_z_196_and_z_2_refused_with_the_reason():
    p, n = check.ERROR_BAR_ACCURACY, check.ERROR_BAR_IMAGES
    for z in (1.96, 1.959964, 1.959963984540054):
        assert_feedback(check.check_error_bar(z * math.sqrt(p * (1 - p) / n)), "correct")
    assert_feedback(check.check_error_bar(2 * math.sqrt(p * (1 - p) / n)), "wrong", "z = 2", "1.96")


@pytest.mark.parametrize(
    "answer, fragment",
    [
        (math.sqrt(0.92 * 0.08 / 250), "one standard error"),
        (1.96 * 0.92 * 0.08 / 250, "square root"),
        (196 * math.sqrt(0.92 * 0.08 / 250), "percentage points"),
        (2 * 1.96 * math.sqrt(0.92 * 0.08 / 250), "whole width"),
        (1.96 / math.sqrt(250), "p (1 - p)"),
        (0.05, "sqrt(p (1 - p) / n)"),
    ],
)
def test_error_bar_mistakes_are_named(answer, fragment):
    assert_feedback(check.check_error_bar(answer), "wrong", fragment)


# ---------------------------------------------------------------- exercise 5: the clinic


def test_the_clinic_has_8_to_12_runs_covering_every_verdict():
    runs = load_histories()["runs"]["clinic"]
    assert 8 <= len(runs) <= 12
    assert {run["label"] for run in runs} == {
        "good fit",
        "overfitting",
        "underfitting",
        "not converged",
        "unstable",
    }
    assert list(check.clinic()) == [run["name"] for run in runs]


RIGHT = {name: diagnose(history).verdict for name, history in check.clinic().items()}


def test_clinic_right_labels_pass_whatever_the_case_and_spaces():
    assert_feedback(check.check_clinic_labels(RIGHT), "correct")
    shouted = {name.lower(): f"  {label.upper()} " for name, label in RIGHT.items()}
    assert_feedback(check.check_clinic_labels(shouted), "correct")


def test_the_accepted_labels_are_the_diagnosers_readings():
    assert {name: labels[0] for name, labels in check.accepted_labels().items()} == RIGHT
    for name, history in check.clinic().items():
        assert check.accepted_labels()[name] == diagnose(history).acceptable
    name = next(iter(RIGHT))
    other = next(verdict for verdict in VERDICTS if verdict not in check.accepted_labels()[name])
    assert check.check_clinic_labels({**RIGHT, name: other}).status == "wrong"


def test_a_run_that_reads_two_ways_accepts_both_and_says_why():
    """Clinic run E: its validation loss doubles while it jumps: unstable, and overfitting too."""
    assert set(check.accepted_labels()["E"]) == {"unstable", "overfitting"}
    feedback = check.check_clinic_labels({**RIGHT, "E": "overfitting"})
    assert_feedback(
        feedback, "correct", "E: overfitting is a reading the curves support too", "first reading is unstable"
    )
    assert "is a reading" not in check.check_clinic_labels(RIGHT).message


def _figures(history):
    """The last losses and the epoch of the lowest validation loss, read here from the run itself."""
    train, val = history["loss"], history["val_loss"]
    return train[-1], val[-1], int(np.argmin(val)) + 1


ACCEPTED = check.accepted_labels()
WRONG_LABELS = [(name, given) for name in RIGHT for given in VERDICTS if given not in ACCEPTED[name]]


@pytest.mark.parametrize("name, given", WRONG_LABELS)
def test_each_wrong_clinic_label_is_told_with_the_runs_own_numbers(name, given):
    history = check.clinic()[name]
    feedback = check.check_clinic_labels({**RIGHT, name: given})
    note = feedback.message.split(f"{name}: ", 1)[1]
    assert_feedback(
        feedback,
        "wrong",
        f"{len(RIGHT) - 1} of {len(RIGHT)} runs are right",
        f"{name}: you said {given}",
        f"read as {RIGHT[name]}",
    )
    train, val, lowest = _figures(history)
    if all(np.isfinite(history["loss"])) and all(np.isfinite(history["val_loss"])):
        numbers = (
            [f"{train:.3g}", f"{val:.3g}"] if {RIGHT[name], given} - {"not converged", "unstable"} else []
        )
        for number in numbers:
            assert number in note, (number, note)
        if val < train:  # never a large gap, or val far above, when validation is below training
            assert (
                f"validation loss ({val:.3g}) is below the training loss ({train:.3g})" in note or not numbers
            )
            assert "far above" not in note and "gap is large" not in note
    for claim in ("the gap is large", "curves are close", "close together", "rises steadily"):
        assert claim not in note  # words that the numbers may contradict are never used


def test_the_clinic_notes_of_the_issue_say_what_the_numbers_say():
    """Validation below training (B, G) is never "a large gap"; 1.60 against 0.83 is never "close"."""
    for name, history in check.clinic().items():
        train, val, _ = _figures(history)
        for given in VERDICTS:
            if given in ACCEPTED[name]:
                continue
            note = check.check_clinic_labels({**RIGHT, name: given}).message
            if val < train:
                assert "large" not in note, note
            assert "close" not in note, note


@pytest.mark.parametrize(
    "answer, status, fragment",
    [
        (..., "unfinished", "replace the `...`"),
        ({name: ... for name in RIGHT}, "unfinished", "every `...`"),
        (list(RIGHT.values()), "invalid", "should be a dict"),
        ({"A": "overfitting"}, "invalid", "missing"),
        ({**RIGHT, "Z": "good fit"}, "invalid", "not runs of the clinic"),
        ({**RIGHT, "A": "overfit"}, "invalid", "must be one of"),
        ({**RIGHT, "A": 3}, "invalid", "must be one of"),
    ],
)
def test_clinic_answers_of_the_wrong_form(answer, status, fragment):
    assert_feedback(check.check_clinic_labels(answer), status, fragment)


# ---------------------------------------------------------------- exercise 6: the cure


def _clinic_run(name):
    return check.clinic()[name]


def _first(label):
    names = [name for name, right in RIGHT.items() if right == label]
    if not names:
        pytest.skip(f"no clinic run reads {label} with the diagnoser's rules of today")
    return names[0]


def test_the_run_to_cure_overfits():
    reference = check.cure_reference()
    assert diagnose(reference).verdict == "overfitting"
    assert_feedback(check.check_cure(reference), "wrong", "still overfits")


def test_a_good_fit_that_generalizes_better_is_a_cure():
    good = _clinic_run(_first("good fit"))
    assert max(good["val_accuracy"]) >= max(check.cure_reference()["val_accuracy"]) + check.CURE_GAIN
    assert_feedback(check.check_cure(good), "correct", "good fit")

    class History:
        history = good

    assert_feedback(check.check_cure(History()), "correct")


@pytest.mark.parametrize(
    "label, fragment",
    [("underfitting", "now underfits"), ("not converged", "more epochs"), ("unstable", "unstable")],
)
def test_a_cure_that_breaks_something_else_is_told_what(label, fragment):
    for name, right in RIGHT.items():
        if right != label:
            continue
        feedback = check.check_cure(_clinic_run(name))
        # an unstable run that never learned (run J: 10% validation accuracy) is called diverged
        assert_feedback(feedback, "wrong", "diverged" if check.diverged(_clinic_run(name)) else fragment)


def test_a_healthy_run_that_generalizes_no_better_is_not_a_cure(monkeypatch):
    good = _clinic_run(_first("good fit"))
    needed = max(good["val_accuracy"]) - max(check.cure_reference()["val_accuracy"]) + 0.01
    monkeypatch.setattr(check, "CURE_GAIN", needed)
    assert_feedback(check.check_cure(good), "wrong", "generalize better")


def _shares(values, images):
    """Accuracies as Keras reports them for ``images`` images: whole counts over images, in float32."""
    return [float(np.float32(round(value * images) / images)) for value in values]


def test_a_cure_validated_on_other_images_breaks_the_rules():
    good = dict(_clinic_run(_first("good fit")))
    # validated on its own 150 training digits: accuracies are shares of 150, not of 800
    own = {**good, "val_accuracy": _shares(good["val_accuracy"], 150)}
    assert any(abs(v * 800 - round(v * 800)) > 0.01 for v in own["val_accuracy"])
    assert_feedback(check.check_cure(own), "wrong", "rules", "800 validation images")
    assert check.check_cure({**good, "val_accuracy": _shares(good["val_accuracy"], 800)}).status == "correct"


def _keras_history(keras, values, layers):
    history = keras.callbacks.History()
    history.history = values
    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), *layers])
    history.set_model(model)
    return history


def test_the_cure_of_lesson_07_keeps_the_lessons_mlp(keras):
    from keras import layers

    good = _clinic_run(_first("good fit"))
    mlp = [layers.Flatten(), layers.Dense(64, activation="relu"), layers.Dropout(0.2), layers.Dense(10)]
    assert_feedback(check.check_cure(_keras_history(keras, good, mlp)), "correct")
    cnn = [layers.Conv2D(8, 3), layers.MaxPooling2D(), layers.Flatten(), layers.Dense(10)]
    assert_feedback(check.check_cure(_keras_history(keras, good, cnn)), "wrong", "Conv2D", "train_run")


@pytest.mark.parametrize(
    "changes, fragment",
    [
        (lambda h: {"loss": [*h["loss"][:-1], float("nan")]}, "NaN"),
        (lambda h: {"val_loss": [float("inf")] * len(h["val_loss"])}, "infinite"),
        (lambda h: {"val_accuracy": [0.1] * len(h["val_accuracy"])}, "guessing"),
        (lambda h: {"val_accuracy": [0.11, 0.1, 0.09875] + [0.1] * (len(h["val_accuracy"]) - 3)}, "guessing"),
    ],
)
def test_a_diverged_run_is_called_diverged(changes, fragment):
    history = _clinic_run(_first("good fit"))
    feedback = check.check_cure({**history, **changes(history)})
    assert_feedback(feedback, "wrong", "diverged", fragment)
    assert "noise" not in feedback.message


@pytest.mark.parametrize(
    "history, fragment",
    [
        ([0.5, 0.4, 0.3], "should be what model.fit(...) returned"),
        ({"loss": [1.0, 0.5, 0.4]}, "validation"),
        ({"loss": [1.0, 0.5], "val_loss": [1.0, 0.6]}, "at least 3"),
        ({"loss": [1.0, 0.5, 0.4], "val_loss": [1.0, 0.6, 0.5]}, "val_accuracy"),
    ],
)
def test_cure_answers_of_the_wrong_form(history, fragment):
    assert_feedback(check.check_cure(history), "invalid", fragment)


def test_a_history_whose_model_cannot_be_read_is_judged_by_its_curves():
    good = _clinic_run(_first("good fit"))

    class Odd:
        history = good
        model = 5  # not a model: no layers to read

    class RaisingModel:
        @property
        def layers(self):
            raise RuntimeError("no layers")

    class Broken:
        history = good
        model = RaisingModel()

    for history in (Odd(), Broken()):
        assert_feedback(check.check_cure(history), "correct")
