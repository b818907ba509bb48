"""The training figures as the model predicts: course_utils.engines.inference_metrics."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.engines.inference_metrics import DEFAULT_SIZE, PREFIX, inference_keys, training_set_metrics


def test_inference_keys_pairs_each_recorded_figure_with_its_keras_name():
    history = {
        "loss": [1.0],
        "accuracy": [0.5],
        "val_loss": [1.1],
        "train_loss": [0.9],
        "train_accuracy": [0.6],
    }
    assert inference_keys(history) == {"loss": "train_loss", "accuracy": "train_accuracy"}
    assert inference_keys({"loss": [1.0], "val_loss": [1.0]}) == {}
    # a train_ key without its Keras twin is not a recorded figure
    assert inference_keys({"loss": [1.0], "train_auc": [0.9]}) == {}
    with pytest.raises(TypeError, match="history"):
        inference_keys([1.0, 2.0])
    with pytest.raises(ValueError, match="single number"):
        inference_keys({"loss": 2.0, "train_loss": 1.0})


@pytest.mark.parametrize(
    "arguments, error, fragment",
    [
        ({"x": None, "y": [1, 2]}, TypeError, "x must be an array"),
        ({"x": "images", "y": [1, 2]}, TypeError, "x must be an array"),
        ({"x": np.zeros((3, 2)), "y": np.zeros(4)}, ValueError, "same number"),
        ({"x": np.zeros((0, 2)), "y": np.zeros(0)}, ValueError, "at least 1 image"),
        ({"x": np.array([["a"]]), "y": [1]}, ValueError, "real numbers"),
        ({"x": [[1.0, 2.0], [3.0]], "y": [1, 2]}, ValueError, "x must be"),
        ({"x": np.zeros((2, 2)), "y": [1, None]}, ValueError, "y"),
        ({"x": np.zeros((3, 2)), "y": np.zeros(3), "size": 0}, ValueError, "size"),
        ({"x": np.zeros((3, 2)), "y": np.zeros(3), "size": 2.0}, ValueError, "size"),
        ({"x": np.zeros((3, 2)), "y": np.zeros(3), "batch_size": -1}, ValueError, "batch_size"),
    ],
)
def test_bad_arguments_are_refused_by_name(arguments, error, fragment):
    with pytest.raises(error, match=fragment):
        training_set_metrics(**arguments)


def test_the_subset_is_fixed_by_the_seed_and_all_images_when_fewer():
    x, y = np.arange(5000)[:, None], np.arange(5000) % 10
    first, again = training_set_metrics(x, y, seed=3), training_set_metrics(x, y, seed=3)
    assert len(first.images) == DEFAULT_SIZE and np.array_equal(first.images, again.images)
    assert np.array_equal(first.images[:, 0] % 10, first.labels)  # images and labels stay paired
    assert len(training_set_metrics(x[:10], y[:10]).images) == 10
    assert len(training_set_metrics(x, y, size=None).images) == 5000


@pytest.mark.slow
def test_the_callback_records_what_evaluate_gives_and_dropout_reads_lower_in_keras(keras):
    import course_utils

    course_utils.setup(keras=True, verbose=False)
    rng = np.random.default_rng(0)
    x = rng.random((256, 8), dtype=np.float32)
    y = (x[:, 0] > 0.5).astype(np.int64)
    course_utils.seed_everything(0)
    model = keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dropout(0.8),
         keras.layers.Dense(2, activation="softmax")]
    )  # fmt: skip
    model.compile(
        optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    callback = training_set_metrics(x, y, size=None)
    history = model.fit(
        x, y, epochs=8, batch_size=32, validation_data=(x, y), callbacks=[callback], verbose=0
    )
    h = history.history
    assert {PREFIX + "loss", PREFIX + "accuracy"} <= set(h)
    # measured on the same images as the validation figures here: the same numbers
    assert h["train_loss"] == pytest.approx(h["val_loss"], rel=1e-5)
    assert h["train_accuracy"] == pytest.approx(h["val_accuracy"], abs=1e-6)
    # Keras's own training figures are measured with dropout on: worse than the model really does
    assert h["accuracy"][-1] < h["train_accuracy"][-1]
