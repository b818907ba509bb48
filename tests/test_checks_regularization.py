"""Lesson 08's checkers: right answers in every form pass, each mistake is named, and the
design-like checkers (the tuner's build_model, the cure) judge what the learner made."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from course_utils.checks import framework
from course_utils.checks import regularization as c08
from course_utils.diagnosis import diagnose
from course_utils.regularization import batch_norm, inverted_dropout_scale, keras_l2_from_notes


@pytest.fixture(autouse=True)
def strict():
    saved = framework.STRICT
    framework.STRICT = True
    yield
    framework.STRICT = saved


# ---------------------------------------------------------------- exercise 1
def test_keras_l2_right_in_every_form():
    right = keras_l2_from_notes(c08.NOTES_LAMBDA, c08.NOTES_M)
    for form in (right, np.float32(right), Fraction(3, 4000), f"{right:.6f}"):
        feedback = c08.check_keras_l2(form)
        assert feedback.status == ("correct" if not isinstance(form, str) else "invalid"), form


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (c08.NOTES_LAMBDA / c08.NOTES_M, "left out the 2"),
        (c08.NOTES_LAMBDA / 2, "not by m"),
        (c08.NOTES_LAMBDA, "lambda itself"),
        (2 * c08.NOTES_M * c08.NOTES_LAMBDA, "wrong way"),
        (0.0001, "make them equal"),
    ],
)
def test_keras_l2_names_each_mistake(answer, words):
    feedback = c08.check_keras_l2(answer)
    assert feedback.status == "wrong" and words in feedback.message


# ---------------------------------------------------------------- exercise 2
@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (c08.DROPOUT_VALUE, "at inference"),
        (c08.DROPOUT_VALUE * (1 - c08.DROPOUT_RATE), "inverted dropout"),
        (c08.DROPOUT_VALUE * c08.DROPOUT_RATE, "multiplied by the rate"),
        (c08.DROPOUT_VALUE / c08.DROPOUT_RATE, "share dropped"),
        (0, "kept ones"),
    ],
)
def test_dropout_names_each_mistake(answer, words):
    feedback = c08.check_dropout_value(answer)
    assert feedback.status == "wrong" and words in feedback.message


def test_dropout_right_answer_passes():
    assert c08.check_dropout_value(c08.DROPOUT_VALUE / (1 - c08.DROPOUT_RATE))
    assert c08.check_dropout_value(np.float32(c08.DROPOUT_VALUE * inverted_dropout_scale(c08.DROPOUT_RATE)))


# ---------------------------------------------------------------- exercise 3
def test_batch_norm_right_answer_is_the_keras_formula(keras):
    layer = keras.layers.BatchNormalization()
    layer.build((None, 1))
    b = c08.BN
    layer.set_weights([np.array([b["gamma"]]), np.array([b["beta"]]), np.array([b["moving_mean"]]),
                       np.array([b["moving_variance"]])])  # fmt: skip
    keras_value = float(np.asarray(layer(np.array([[b["x"]]], dtype="float32"), training=False))[0, 0])
    assert c08.check_batch_norm_inference(keras_value)  # float32 from Keras passes
    assert c08.check_batch_norm_inference(
        float(
            batch_norm([[b["x"]]], b["gamma"], b["beta"], [b["moving_mean"]], [b["moving_variance"]], False)[
                0, 0
            ]
        )
    )


def test_batch_norm_names_the_missing_epsilon_and_the_missing_scale():
    b = c08.BN
    without_epsilon = b["gamma"] * (b["x"] - b["moving_mean"]) / b["moving_variance"] ** 0.5 + b["beta"]
    assert "epsilon" in c08.check_batch_norm_inference(without_epsilon).message
    normalized = (b["x"] - b["moving_mean"]) / (b["moving_variance"] + b["epsilon"]) ** 0.5
    assert "gamma" in c08.check_batch_norm_inference(normalized).message


# ---------------------------------------------------------------- exercise 4
def test_augmentations_right_answer_passes_and_numpy_bools_too():
    assert c08.check_augmentations(dict(c08.AUGMENTATIONS))
    assert c08.check_augmentations({key: np.bool_(value) for key, value in c08.AUGMENTATIONS.items()})


@pytest.mark.parametrize("flipped", list(c08.AUGMENTATIONS))
def test_each_wrong_augmentation_answer_is_explained(flipped):
    answers = dict(c08.AUGMENTATIONS)
    answers[flipped] = not answers[flipped]
    feedback = c08.check_augmentations(answers)
    assert feedback.status == "wrong" and flipped in feedback.message and "1 of" in feedback.message


@pytest.mark.parametrize(
    ("answers", "status"),
    [
        ({key: ... for key in c08.AUGMENTATIONS}, "unfinished"),
        ({key: "yes" for key in c08.AUGMENTATIONS}, "invalid"),
        ({key: 1 for key in c08.AUGMENTATIONS}, "invalid"),
        ({}, "invalid"),
        (list(c08.AUGMENTATIONS), "invalid"),
        (dict(c08.AUGMENTATIONS) | {"digits: RandomFlip('vertical')": True}, "invalid"),
    ],
)
def test_augmentations_of_the_wrong_form(answers, status):
    assert c08.check_augmentations(answers).status == status


# ---------------------------------------------------------------- exercise 5
def _builder(*, rate_sampling="log", compile_model=True, input_shape=(28, 28, 1), classes=10, rate_name="learning_rate",
             breaks_at_top=False, hyperparameters=2):  # fmt: skip
    def build_model(hp):
        import keras
        from keras import layers

        filters = hp.Int("filters", 8, 32, step=8) if hyperparameters > 1 else 16
        rate = hp.Float(rate_name, 1e-4, 1e-2, sampling=rate_sampling)
        if breaks_at_top and filters == 32:
            raise ValueError("no room for 32 filters")
        model = keras.Sequential(
            [
                keras.Input(shape=input_shape),
                layers.Conv2D(filters, 3, activation="relu"),
                layers.GlobalAveragePooling2D(),
                layers.Dense(classes, activation="softmax"),
            ]
        )
        if compile_model:
            model.compile(
                optimizer=keras.optimizers.Adam(rate),
                loss="sparse_categorical_crossentropy",
                metrics=["accuracy"],
            )
        return model

    return build_model


def test_a_good_search_space_passes():
    feedback = c08.check_build_model(_builder())
    assert feedback.status == "correct", feedback.message
    assert c08.check_build_model(_builder(rate_name="lr")).status == "correct"


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"rate_sampling": "linear"}, "sampling='log'"),
        ({"compile_model": False}, "not compiled"),
        ({"input_shape": (32, 32, 1)}, "(28, 28, 1)"),
        ({"classes": 2}, "10 classes"),
        ({"rate_name": "dropout"}, "no learning rate"),
        ({"breaks_at_top": True}, "Every point of the search space"),
        ({"hyperparameters": 1}, "at least 2"),
    ],
)
def test_a_flawed_search_space_is_explained(options, words):
    feedback = c08.check_build_model(_builder(**options))
    assert feedback.status == "wrong" and words in feedback.message, feedback.message


def test_an_unfinished_build_model_is_unfinished():
    def build_model(hp):
        raise NotImplementedError

    assert c08.check_build_model(build_model).status == "unfinished"


# ---------------------------------------------------------------- exercise 6
def _history(best_val_accuracy: float, epochs: int = 12) -> dict:
    """A healthy run: both losses fall and level off, the gap stays small."""
    steps = np.arange(1, epochs + 1)
    loss = 0.25 + 1.5 * np.exp(-steps / 2)
    val_loss = loss * 1.08
    val_accuracy = best_val_accuracy - 0.2 * np.exp(-steps / 2)
    return {
        "loss": loss.tolist(),
        "val_loss": val_loss.tolist(),
        "accuracy": np.minimum(val_accuracy + 0.1, 0.99).tolist(),
        "val_accuracy": val_accuracy.tolist(),
    }


def test_the_run_to_cure_is_not_a_cure_and_the_gain_is_the_noise_of_a_difference():
    reference = c08.cure_reference()
    assert diagnose(reference).verdict == "overfitting"
    assert c08.check_cure(reference).status == "wrong"
    best = max(reference["val_accuracy"])
    assert c08.CURE_GAIN == pytest.approx(1.96 * np.sqrt(2 * best * (1 - best) / 800), abs=5e-4)


def test_a_healthy_run_with_a_real_gain_is_a_cure_and_a_small_gain_is_not():
    best = max(c08.cure_reference()["val_accuracy"])
    good = _history(best + 2 * c08.CURE_GAIN)
    assert diagnose(good).verdict == "good fit"
    assert c08.check_cure(good).status == "correct"
    small = _history(best + c08.CURE_GAIN / 2)
    feedback = c08.check_cure(small)
    assert feedback.status == "wrong" and "noise" in feedback.message
