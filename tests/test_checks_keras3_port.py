"""Lesson 05, exercise 7: porting Keras 2 code to Keras 3 is checked by running the learner's code.

Each Keras 2 habit that breaks in Keras 3 is caught and named; a correct port passes.
"""

import os
import time

import pytest

from course_utils.checks.training import check_keras3_port

CORRECT = """
def port(labels, folder):
    import os
    import keras
    from keras import layers
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, kernel_size=3, strides={strides}, activation="relu"),
        {batch_norm}
        layers.MaxPooling2D(pool_size=2),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    {compile}
    checkpoint = keras.callbacks.ModelCheckpoint(
        filepath=os.path.join({folder}, {filename!r}), save_best_only=True, save_weights_only=True)
    one_hot = {one_hot}
    return model, checkpoint, one_hot
"""
DEFAULTS = {
    "strides": "1",
    "batch_norm": "layers.BatchNormalization(),",
    "compile": 'model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])',
    "folder": "folder",
    "filename": "best.weights.h5",
    "one_hot": "keras.utils.to_categorical(labels, 10)",
}


def port_with(**changes):
    namespace = {}
    exec(CORRECT.format(**{**DEFAULTS, **changes}), namespace)
    return namespace["port"]


@pytest.mark.slow
def test_a_correct_port_passes_and_trains():
    feedback = check_keras3_port(port_with())
    assert feedback.status == "correct", feedback.message


def test_the_function_form_of_the_loss_and_a_tuple_of_strides_also_pass():
    port = port_with(
        strides="(1, 1)",
        compile='model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.CategoricalCrossentropy(), metrics=["accuracy"])',
    )
    feedback = check_keras3_port(port)
    assert feedback.status == "correct", feedback.message


@pytest.mark.parametrize(
    "changes, named",
    [
        ({"strides": "'1'"}, "strides is an int"),
        ({"batch_norm": "__import__('keras.layers.normalization'),"}, "keras.layers.BatchNormalization"),
        (
            {"one_hot": "__import__('keras.utils.np_utils').utils.np_utils.to_categorical(labels, 10)"},
            "to_categorical",
        ),
        ({"compile": 'model.compile("adam", "categorical_crossentropy", ["accuracy"])'}, "loss_weights"),
        ({"filename": "model.weights.best.hdf5"}, ".weights.h5"),
        ({"compile": ""}, "not compiled"),
        ({"batch_norm": ""}, "layers are"),
        ({"strides": "2"}, "stride 1"),
        (
            {
                "compile": 'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])'
            },
            "one-hot",
        ),
        (
            {"compile": 'model.compile(optimizer="adam", loss="categorical_crossentropy")'},
            "metrics=['accuracy']",
        ),
        ({"one_hot": "labels"}, "one-hot"),
        (
            {
                "compile": 'model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])'
            },
            "keep Adam",
        ),
        ({"folder": "'.'"}, "into the folder"),
    ],
)
def test_each_keras_2_habit_is_caught_and_named(changes, named):
    feedback = check_keras3_port(port_with(**changes))
    assert feedback.status == "wrong", feedback.message
    assert named in feedback.message, feedback.message
    assert not os.path.exists("best.weights.h5")


def test_unfinished_wrong_shape_and_endless_functions_get_feedback():
    def unfinished(labels, folder):
        raise NotImplementedError

    def endless(labels, folder):
        while True:
            time.sleep(0.01)

    assert check_keras3_port(...).status == "unfinished"
    assert check_keras3_port(unfinished).status == "unfinished"
    assert check_keras3_port(lambda labels, folder: (1, 2)).status == "invalid"
    assert check_keras3_port("not a function").status == "invalid"
    from course_utils.checks import framework

    saved = framework.TIME_LIMIT
    framework.TIME_LIMIT = 0.3
    try:
        started = time.monotonic()
        feedback = check_keras3_port(endless)
    finally:
        framework.TIME_LIMIT = saved
    assert feedback.status == "wrong" and "did not finish" in feedback.message
    assert time.monotonic() - started < 5


FUNCTIONAL = """
def port(labels, folder):
    import os
    import keras
    from keras import layers
    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(16, 3, strides={strides}, activation="relu")(inputs)
    {batch_norm}
    x = layers.MaxPooling2D(pool_size=2)(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    checkpoint = keras.callbacks.ModelCheckpoint(
        filepath=os.path.join(folder, "best.weights.h5"), save_best_only=True, save_weights_only=True)
    return model, checkpoint, keras.utils.to_categorical(labels, 10)
"""

SUBCLASSED = """
def port(labels, folder):
    import os
    import keras
    from keras import layers

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.conv = layers.Conv2D(16, 3, activation="relu")
            self.norm = layers.BatchNormalization()
            self.pool = layers.MaxPooling2D(2)
            self.flat = layers.Flatten()
            self.out = layers.Dense(10, activation="softmax")

        def call(self, x, training=False):
            return self.out(self.flat(self.pool(self.norm(self.conv(x), training=training))))

    model = Net()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    checkpoint = keras.callbacks.ModelCheckpoint(
        filepath=os.path.join(folder, "best.weights.h5"), save_best_only=True, save_weights_only=True)
    return model, checkpoint, keras.utils.to_categorical(labels, 10)
"""


def _port_from(source, **values):
    namespace = {}
    exec(source.format(**values) if values else source, namespace)
    return namespace["port"]


def test_a_functional_port_with_the_same_layers_passes():
    port = _port_from(FUNCTIONAL, strides="1", batch_norm="x = layers.BatchNormalization()(x)")
    feedback = check_keras3_port(port)
    assert feedback.status == "correct" and "27,274 parameters" in feedback.message, feedback.message


def test_a_functional_port_is_still_compared_with_the_keras_2_model():
    without_norm = check_keras3_port(_port_from(FUNCTIONAL, strides="1", batch_norm=""))
    assert without_norm.status == "wrong" and "layers are" in without_norm.message
    strided = check_keras3_port(
        _port_from(FUNCTIONAL, strides="2", batch_norm="x = layers.BatchNormalization()(x)")
    )
    assert strided.status == "wrong" and "stride 1" in strided.message


def test_a_subclassed_port_with_the_same_layers_passes():
    feedback = check_keras3_port(_port_from(SUBCLASSED))
    assert feedback.status == "correct", feedback.message


def test_an_error_is_explained_only_by_the_mistake_that_raises_it():
    feedback = check_keras3_port(port_with(strides="0"))  # an int, but not a positive one
    assert feedback.status == "wrong" and "not a string" not in feedback.message, feedback.message
    feedback = check_keras3_port(port_with(batch_norm="layers.BatchNormalization(momentumm=0.9),"))
    assert feedback.status == "wrong" and "keras.layers.normalization" not in feedback.message
