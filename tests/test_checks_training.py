"""Checkers of lesson 05, including the compile trap on a real Keras model."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.checks import training as check
from course_utils.history import early_stopping_epoch

H = check.EXERCISE_HISTORY


def status(feedback):
    return feedback.status


@pytest.mark.parametrize(
    "checker",
    [
        check.check_best_epoch,
        check.check_early_stopping_epoch,
        check.check_checkpoint_name,
        check.check_prepare_images,
    ],
)
@pytest.mark.parametrize("placeholder", [Ellipsis, None])
def test_unfinished(checker, placeholder):
    assert status(checker(placeholder)) == "unfinished"


def test_compile_of_a_placeholder_or_of_compiles_return_value():
    assert status(check.check_compile(...)) == "unfinished"
    feedback = check.check_compile(None)  # check_compile(model.compile(...))
    assert status(feedback) == "invalid" and "returns None" in feedback.message


def test_best_epoch():
    best = int(np.argmin(H["val_loss"])) + 1
    assert check.check_best_epoch(best)
    assert "0-based" in check.check_best_epoch(best - 1).message
    assert "last epoch" in check.check_best_epoch(len(H["loss"])).message
    assert "validation accuracy" in check.check_best_epoch(int(np.argmax(H["val_accuracy"])) + 1).message
    assert status(check.check_best_epoch("4")) == "invalid"


def test_early_stopping_epoch_checker():
    best = int(np.argmin(H["val_loss"])) + 1
    stop = best + check.EXERCISE_PATIENCE  # no later improvement in the exercise history
    assert min(H["val_loss"][best:stop]) > H["val_loss"][best - 1]
    assert check.check_early_stopping_epoch(stop)
    assert "best epoch" in check.check_early_stopping_epoch(best).message
    assert "One too many" in check.check_early_stopping_epoch(stop + 1).message


def _model(keras):
    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(10, activation="softmax")])


@settings(max_examples=30, deadline=None)
# Keras compares losses as float32, so draw float32 values (no subnormals).
@given(
    st.lists(st.floats(0, 2, allow_nan=False, width=32, allow_subnormal=False), min_size=1, max_size=12),
    st.integers(0, 4),
)
def test_early_stopping_epoch_matches_keras(values, patience):
    import keras

    callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience)
    model = _model(keras)
    callback.set_model(model)
    model.stop_training = False
    callback.on_train_begin()
    stopped = len(values)
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {"val_loss": value})
        if model.stop_training:
            stopped = epoch + 1
            break
    assert early_stopping_epoch(values, patience) == stopped


def test_checkpoint_name():
    assert check.check_checkpoint_name("best.weights.h5")
    for name, word in [("best.hdf5", "Keras 2"), ("best.h5", ".weights.h5"), ("best.keras", "whole model")]:
        feedback = check.check_checkpoint_name(name)
        assert status(feedback) == "wrong" and word in feedback.message
    assert status(check.check_checkpoint_name("model.pt")) == "wrong"
    assert status(check.check_checkpoint_name(42)) == "invalid"


def test_checkpoint_names_are_what_keras_accepts(keras, tmp_path):
    keras.callbacks.ModelCheckpoint(str(tmp_path / "best.weights.h5"), save_weights_only=True)
    keras.callbacks.ModelCheckpoint(str(tmp_path / "best.keras"))
    with pytest.raises(ValueError):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "best.hdf5"), save_weights_only=True)
    with pytest.raises(ValueError):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "best.h5"), save_weights_only=True)


def test_prepare_images():
    def good(images):
        x = np.asarray(images)
        if x.ndim == 3:
            x = x[..., None]
        return x.astype(np.float32) / np.float32(255)

    assert check.check_prepare_images(good)
    feedback = check.check_prepare_images(lambda images: good(images).astype(np.float64))
    assert status(feedback) == "wrong" and "float64" in feedback.message
    feedback = check.check_prepare_images(lambda images: good(images) * 255)
    assert status(feedback) == "wrong" and "forgot to scale" in feedback.message
    feedback = check.check_prepare_images(lambda images: np.asarray(images) / 255.0)
    assert status(feedback) == "wrong"  # no channel axis

    def unfinished(images):
        raise NotImplementedError

    assert status(check.check_prepare_images(unfinished)) == "unfinished"
    assert status(check.check_prepare_images("x / 255")) == "invalid"


def test_compile_checker(keras):
    model = _model(keras)
    assert status(check.check_compile(model)) == "unfinished"
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    feedback = check.check_compile(model)
    assert status(feedback) == "wrong" and "loss_weights" in feedback.message

    model = _model(keras)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    assert "one-hot" in check.check_compile(model).message

    model = _model(keras)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert "without metrics" in check.check_compile(model).message

    model = _model(keras)
    model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
    assert status(check.check_compile(model)) == "wrong"

    model = _model(keras)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    assert check.check_compile(model)

    model = _model(keras)
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    assert check.check_compile(model)
    assert status(check.check_compile("model")) == "invalid"


def test_validation_data():
    rng = np.random.default_rng(0)
    train = (rng.random((6, 2, 2, 1)), np.arange(6) % 2)
    val = (rng.random((3, 2, 2, 1)), np.array([0, 1, 0]))
    test = (rng.random((3, 2, 2, 1)), np.array([1, 1, 0]))
    assert check.check_validation_data(val, train, val, test)
    feedback = check.check_validation_data(test, train, val, test)
    assert status(feedback) == "wrong" and "test set" in feedback.message
    assert "training data" in check.check_validation_data(train, train, val, test).message
    assert status(check.check_validation_data(..., train, val, test)) == "unfinished"
    assert status(check.check_validation_data(val[0], train, val, test)) == "invalid"
    assert status(check.check_validation_data((val[0], test[1]), train, val, test)) == "wrong"
