"""Tests of course_utils.engines.history: best epochs and early stopping, against Keras's callbacks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_utils.engines.history import best_epoch, early_stopping_epoch, history_dict, monitor_mode

HISTORY = {
    "loss": [1.0, 0.6, 0.4, 0.3],
    "val_loss": [0.9, 0.7, 0.65, 0.7],
    "accuracy": [0.6, 0.8, 0.88, 0.9],
    "val_accuracy": [0.65, 0.78, 0.8, 0.79],
    "val_mae": [3.0, 2.0, 2.5, 2.2],
}


class FakeHistory:
    history = HISTORY


def test_best_epoch_minimises_losses_and_errors_and_maximises_accuracy():
    assert best_epoch(FakeHistory()) == 1 + int(np.argmin(HISTORY["val_loss"]))
    assert best_epoch(HISTORY, "val_accuracy") == 1 + int(np.argmax(HISTORY["val_accuracy"]))
    # an error is minimised, although its name holds no "loss"
    assert best_epoch(HISTORY, "val_mae") == 2
    assert best_epoch(HISTORY, "val_mae", mode="max") == 1
    with pytest.raises(ValueError, match="monitor"):
        best_epoch(HISTORY, "val_auc")


@pytest.mark.parametrize(
    "name, mode",
    [
        ("val_loss", "min"),
        ("loss", "min"),
        ("val_accuracy", "max"),
        ("val_binary_accuracy", "max"),
        ("val_auc", "max"),
        ("val_precision", "max"),
        ("recall", "max"),
        ("val_f1_score", "max"),
        ("val_mae", "min"),
        ("val_mean_squared_error", "min"),
        ("val_categorical_crossentropy", "min"),
    ],
)
def test_monitor_mode_auto(name, mode):
    assert monitor_mode(name) == mode


def test_best_epoch_ignores_nan():
    assert best_epoch({"val_loss": [0.5, math.nan, 0.4]}) == 3
    assert best_epoch({"val_accuracy": [0.5, math.nan, 0.4]}, "val_accuracy") == 1
    with pytest.raises(ValueError, match="NaN"):
        best_epoch({"val_loss": [math.nan, math.nan]})


@given(st.lists(st.one_of(st.floats(0, 2), st.just(math.nan)), min_size=1, max_size=10))
def test_best_epoch_is_never_a_nan_epoch(values):
    if all(math.isnan(v) for v in values):
        with pytest.raises(ValueError, match="NaN"):
            best_epoch({"val_loss": values})
        return
    epoch = best_epoch({"val_loss": values})
    assert values[epoch - 1] == min(v for v in values if not math.isnan(v))
    assert not any(v == values[epoch - 1] for v in values[: epoch - 1])  # the first of a tie


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: history_dict([1, 2]), "history"),
        (lambda: history_dict({"loss": [1.0], "val_loss": [1.0, 2.0]}), "one value per epoch"),
        (lambda: history_dict({"loss": ["a", "b"]}), "history\\['loss'\\]"),
        (lambda: history_dict({"loss": "0.5"}), "history\\['loss'\\]"),
        (lambda: best_epoch(HISTORY, mode="lowest"), "mode"),
        (lambda: best_epoch(HISTORY, monitor=None), "monitor"),
        (lambda: early_stopping_epoch([0.5, None], 1), "values"),
        (lambda: early_stopping_epoch([], 1), "values"),
        (lambda: early_stopping_epoch([0.5], -1), "patience"),
        (lambda: early_stopping_epoch([0.5], 1, mode="auto"), "mode"),
        (lambda: early_stopping_epoch([0.5], 1, min_delta="0.1"), "min_delta"),
        (lambda: early_stopping_epoch([0.5], 1, min_delta=math.nan), "min_delta"),
    ],
)
def test_bad_arguments_name_the_argument(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()


def _keras_stop_epoch(keras, values, patience, mode, min_delta=0.0):
    callback = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=patience, mode=mode, min_delta=min_delta
    )
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    callback.set_model(model)
    model.stop_training = False
    callback.on_train_begin()
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {"val_loss": value})
        if model.stop_training:
            return epoch + 1
    return len(values)


@given(
    values=st.lists(
        st.one_of(st.floats(0, 2, width=32, allow_subnormal=False), st.just(math.nan)),
        min_size=1,
        max_size=10,
    ),
    patience=st.integers(0, 3),
    mode=st.sampled_from(["min", "max"]),
)
def test_early_stopping_with_nan_matches_keras(keras, values, patience, mode):
    assert early_stopping_epoch(values, patience, mode=mode) == _keras_stop_epoch(
        keras, values, patience, mode
    )


@pytest.mark.parametrize("values", [[1.0, True, 0.4], [np.bool_(False), 0.5, 0.4]])
def test_a_bool_in_a_history_is_refused_not_read_as_a_number(values):
    with pytest.raises(ValueError, match="True/False"):
        history_dict({"loss": values, "val_loss": [0.5, 0.4, 0.3]})
    with pytest.raises(ValueError, match="True/False"):
        best_epoch({"val_loss": values})


SCALARS = [2.0, 0.3, 1, np.float32(0.5), np.float64(0.3), np.int64(2), np.array(0.3), math.nan]


@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
def test_a_bare_number_is_not_a_one_epoch_history(scalar):
    with pytest.raises(ValueError, match=r"values must be a sequence of numbers.*got the single number"):
        early_stopping_epoch(scalar, patience=2)
    with pytest.raises(ValueError, match=r"history\['val_loss'\] must be a sequence.*single number"):
        best_epoch({"val_loss": scalar})
    with pytest.raises(ValueError, match=r"history\['loss'\] must be a sequence"):
        history_dict({"loss": scalar, "val_loss": [scalar]})


@pytest.mark.parametrize("values", [[0.5, None], [0.5, "0.4"], [0.5, 1 + 2j], [[0.5, 0.4], [0.3]]], ids=repr)
def test_a_series_holds_numbers_only(values):
    with pytest.raises(ValueError, match="values"):
        early_stopping_epoch(values, patience=1)
    with pytest.raises(ValueError, match="val_loss"):
        best_epoch({"val_loss": values})


@pytest.mark.parametrize(
    "values, mode", [([0.4, 0.3, 0.35], "min"), ([0.3, 0.4, 0.35], "max"), ([0.7, 0.6, 0.65], "min")]
)
def test_min_delta_is_compared_as_keras_compares_it(keras, values, mode):
    # 0.3 + 0.1 is 0.4 (in floats as in float32): no improvement on 0.4, for Keras and here
    assert early_stopping_epoch(values, 1, mode=mode, min_delta=0.1) == _keras_stop_epoch(
        keras, values, 1, mode, 0.1
    )


@given(
    values=st.lists(st.sampled_from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]), min_size=1, max_size=8),
    patience=st.integers(0, 3),
    mode=st.sampled_from(["min", "max"]),
    min_delta=st.sampled_from([0.0, 0.1, 0.2, 0.05, 0.3]),
)
def test_early_stopping_with_min_delta_matches_keras(keras, values, patience, mode, min_delta):
    assert early_stopping_epoch(values, patience, mode=mode, min_delta=min_delta) == _keras_stop_epoch(
        keras, values, patience, mode, min_delta
    )


def test_a_history_longer_than_any_run_is_refused_by_name():
    from course_utils.engines.history import MAX_EPOCHS

    with pytest.raises(ValueError, match="values holds 1,000,000 epochs"):
        early_stopping_epoch(np.ones(10**6), patience=1)
    with pytest.raises(ValueError, match=r"history\['val_loss'\] holds"):
        best_epoch({"val_loss": np.ones(MAX_EPOCHS + 1)})
