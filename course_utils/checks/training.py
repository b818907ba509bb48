"""Checkers for the exercises of lesson 05 (training a CNN).

No checker imports TensorFlow: a Keras model is inspected through its public methods
(``get_compile_config``, ``layers``). Expected values come from the same helpers the
lesson uses (:mod:`course_utils.engines.history` for the best and early-stopping epochs,
:mod:`course_utils.core.metrics` for how sure an accuracy is).

Examples
--------
>>> check_best_epoch(...)
Unfinished: replace the `...` in best epoch with your answer, then run the cell again.
>>> check_checkpoint_name("best.hdf5")
Not yet: checkpoint file name = 'best.hdf5' is not right. Keras 3 refuses this Keras 2 name: with save_weights_only=True the file name must end in .weights.h5.
"""

from __future__ import annotations

import math
import os
import re
import tempfile

import numpy as np

from course_utils.checks import framework
from course_utils.checks.framework import (
    Feedback,
    check_answer,
    check_choice,
    check_function,
    check_number,
    check_z_number,
    checker,
    describe,
    is_placeholder,
    unfinished,
)
from course_utils.checks.runs import (
    ACCURACY_METRICS,
    ONE_HOT_LOSSES,
    ONE_HOT_METRICS,
    compile_feedback,
    config_entries,
    config_name,
)
from course_utils.core.metrics import accuracy_difference_interval, accuracy_interval
from course_utils.engines.history import best_epoch, early_stopping_epoch

__all__ = [
    "CHECKPOINT_OPTIONS",
    "COMPARISON",
    "CROSS_ENTROPY_LABEL",
    "CROSS_ENTROPY_LOGITS",
    "EXERCISE_HISTORY",
    "EXERCISE_PATIENCE",
    "TEST_SET_PLAN",
    "TWO_CLASS_LOGITS",
    "check_best_epoch",
    "check_checkpoint_name",
    "check_compile",
    "check_cross_entropy",
    "check_early_stopping_epoch",
    "check_keras3_port",
    "check_prepare_images",
    "check_sigmoid_logit",
    "check_softmax",
    "check_difference_half_width",
    "check_tell_apart",
    "check_test_set_size",
    "check_validation_data",
    "reference_prepare_images",
    "reference_softmax",
]

#: A training history for the exercises (8 epochs): the training loss keeps falling,
#: the validation loss is lowest at one epoch and the validation accuracy peaks at another.
EXERCISE_HISTORY = {
    "loss": [1.10, 0.52, 0.38, 0.30, 0.24, 0.19, 0.15, 0.12],
    "accuracy": [0.68, 0.85, 0.89, 0.91, 0.93, 0.94, 0.955, 0.965],
    "val_loss": [0.61, 0.44, 0.37, 0.345, 0.351, 0.36, 0.38, 0.41],
    "val_accuracy": [0.81, 0.87, 0.89, 0.895, 0.905, 0.90, 0.89, 0.885],
}
#: The patience of the EarlyStopping exercise.
EXERCISE_PATIENCE = 2
#: The file names the checkpoint exercise offers.
CHECKPOINT_OPTIONS = ["best.hdf5", "best.h5", "best.weights.h5", "best.keras"]
#: The suffix Keras 3 requires of a ModelCheckpoint file with save_weights_only=True.
WEIGHTS_SUFFIX = ".weights.h5"
#: Exercise 9: the logits of one image over 5 classes, and its true class (not the predicted one).
CROSS_ENTROPY_LOGITS = (0.5, -1.0, 3.0, 1.5, 2.0)
CROSS_ENTROPY_LABEL = 4
#: Exercise 10: the logits (class 0, class 1) of a 2-unit softmax head for one image.
TWO_CLASS_LOGITS = (0.8, -1.3)
#: Exercises 11 and 12: two models scored on the same test images; ``only_a`` images are
#: right for model A only, ``only_b`` for model B only.
COMPARISON = {"n": 2000, "accuracy_a": 0.93, "accuracy_b": 0.936, "only_a": 30, "only_b": 42}
#: Exercise 13: the smallest test set whose 95% interval is at most ± ``half_width`` for a model
#: of about ``accuracy``.
TEST_SET_PLAN = {"accuracy": 0.95, "half_width": 0.01}


# ---------------------------------------------------------------------------
# Exercise 1
# ---------------------------------------------------------------------------
def reference_prepare_images(images):
    """uint8 images (n, h, w) or (n, h, w, c) -> float32 in [0, 1] with a channel axis.

    Examples
    --------
    >>> reference_prepare_images(np.array([[[0, 255]]], dtype=np.uint8))
    array([[[[0.],
             [1.]]]], dtype=float32)
    """
    array = np.asarray(images)
    if array.ndim == 3:
        array = array[..., np.newaxis]
    return array.astype("float32") / np.float32(255)


def _unscaled(images):
    array = np.asarray(images)
    return (array[..., np.newaxis] if array.ndim == 3 else array).astype("float32")


def _no_channel_axis(images):
    return np.asarray(images).astype("float32") / np.float32(255)


def _prepare_cases():
    rng = np.random.default_rng(5)
    return [
        (rng.integers(0, 256, size=(2, 4, 4), dtype=np.uint8),),
        (rng.integers(0, 256, size=(3, 5, 5, 1), dtype=np.uint8),),
        (rng.integers(0, 256, size=(1, 3, 3, 3), dtype=np.uint8),),
        (np.array([[[0, 255], [128, 64]]], dtype=np.uint8),),
    ]


@checker(answer="function")
def check_prepare_images(function) -> Feedback:
    """Exercise 1: the learner's ``prepare_images(images)``: float32, scaled to [0, 1], channel axis added.

    Examples
    --------
    >>> check_prepare_images(reference_prepare_images).status
    'correct'
    >>> check_prepare_images(_unscaled).status
    'wrong'
    """
    return check_function(
        function,
        reference_prepare_images,
        _prepare_cases(),
        name="prepare_images",
        atol=1e-6,
        rtol=1e-6,
        misconceptions=[
            (
                _unscaled,
                "The values still go up to 255: you forgot to scale. Divide by 255 so that the "
                "pixels lie between 0 and 1; large inputs make training slow and unstable.",
            ),
            (
                _no_channel_axis,
                "Your images have no channel axis when the input has none. Conv2D expects "
                "(n, height, width, channels): add an axis of size 1 at the end.",
            ),
        ],
        dtype="float32",
        dtype_hint="Cast to float32 before dividing: uint8 / 255.0 gives float64, which takes twice "
        "the memory (CIFAR-10 would need 1.2 GB) and which Keras converts back to float32 anyway.",
        hint="Add a channel axis when there is none, cast to float32, then divide by 255.",
    )


# ---------------------------------------------------------------------------
# Exercise 2
# ---------------------------------------------------------------------------
@checker(answer="model")
def check_compile(model) -> Feedback:
    """Exercise 2: the exercise model compiled with Adam for integer labels, reporting the accuracy.

    Expected: ``optimizer='adam'`` (or an Adam object), ``loss='sparse_categorical_crossentropy'``
    (the string, the function or the class, with ``from_logits=False`` on a softmax output) and
    ``metrics=['accuracy']`` passed as a keyword: :func:`course_utils.checks.runs.compile_feedback`
    judges it, as it judges lesson 08's ``build_model``.

    Examples
    --------
    >>> check_compile(None).status
    'invalid'
    >>> check_compile("model").status
    'invalid'
    """
    return compile_feedback(model)


# ---------------------------------------------------------------------------
# Exercise 3
# ---------------------------------------------------------------------------
def _as_array(value):
    try:
        array = np.asarray(value)
    except Exception:  # ragged lists and odd objects are simply not the data
        return None
    return array if array.dtype.kind in "biuf" else None


def _same_images(answer_x, x) -> bool:
    """True when ``answer_x`` holds the images ``x``, raw or prepared (float32 / 255, channel axis)."""
    got, want = _as_array(answer_x), _as_array(x)
    if got is None or want is None or got.size != want.size or got.size == 0:
        return False
    got, want = got.reshape(-1).astype(float), want.reshape(-1).astype(float)
    return bool(np.array_equal(got, want) or np.allclose(got * 255, want, atol=1e-3, rtol=0))


def _same_data(answer, reference) -> bool:
    x, y = reference
    ax, ay = answer
    labels, want = _as_array(ay), _as_array(y)
    if labels is None or want is None or labels.shape != want.shape:
        return False
    return bool(np.array_equal(labels, want)) and _same_images(ax, x)


@checker(answer="data")
def check_validation_data(answer, train, val, test) -> Feedback:
    """Exercise 3: ``validation_data`` for ``fit``: the validation pair, not the test or training pair.

    ``train``, ``val`` and ``test`` are the ``(x, y)`` pairs of the notebook's split. The
    validation images may be given raw or prepared (``prepare_images``); the test set,
    raw or prepared, is a leak.

    Examples
    --------
    >>> x, y = np.arange(8).reshape(2, 2, 2), np.array([0, 1])
    >>> check_validation_data((x / 255, y), train=(x + 1, y), val=(x, y), test=(x + 2, y)).status
    'correct'
    """
    return check_answer(
        answer,
        name="validation_data",
        placeholder="replace the `...` in validation_data with an (x, y) pair, then run the cell again.",
        form="a pair (x, y) of images and labels",
        is_form=lambda pair: isinstance(pair, (tuple, list)) and len(pair) == 2,
        requirements=[
            (lambda pair: _same_data(pair, val), lambda pair: _validation_mistake(pair, train, val, test))
        ],
        summary="validation_data is the validation split; the test set stays unseen until the final evaluation.",
    )


def _validation_mistake(answer, train, val, test) -> str:
    """What a pair that is not the validation split is instead: the test set, the training set, or mixed up."""
    if _same_data(answer, test):
        return (
            "You are validating on the test set. Everything you choose by looking at the "
            "validation score (the best epoch, when to stop, the architecture) then leaks into "
            "the test score, which becomes too optimistic. Use the validation split."
        )
    if _same_data(answer, train):
        return (
            "That is the training data: the model has already seen it, so its score says nothing "
            "about new images. Use the validation split."
        )
    if _same_images(answer[0], val[0]) or _same_data(answer[::-1], val):
        return (
            "The images are the validation images, but the labels are not theirs (or x and y are "
            "swapped): give (x_val, y_val), images first."
        )
    return "validation_data should be (x_val, y_val), the validation split made from the training images."


# ---------------------------------------------------------------------------
# Exercises 4 and 5
# ---------------------------------------------------------------------------
@checker
def check_best_epoch(answer) -> Feedback:
    """Exercise 4: the epoch whose weights ``ModelCheckpoint(monitor='val_loss', save_best_only=True)`` keeps.

    Examples
    --------
    >>> check_best_epoch(best_epoch(EXERCISE_HISTORY, "val_loss")).status
    'correct'
    """
    h = EXERCISE_HISTORY
    expected = best_epoch(h, "val_loss")
    return check_number(
        answer,
        expected,
        name="best epoch",
        misconceptions=[
            (expected - 1, "Count epochs from 1, as Keras prints them: you gave a 0-based index."),
            (
                len(h["val_loss"]),
                "With save_best_only=True the checkpoint is not the last epoch: it is "
                "overwritten only when val_loss improves.",
            ),
            (
                best_epoch(h, "loss"),
                "That epoch has the lowest training loss. The checkpoint monitors the validation loss.",
            ),
            (
                best_epoch(h, "val_accuracy"),
                "That epoch has the highest validation accuracy, but this checkpoint monitors val_loss.",
            ),
        ],
        hint="Find the smallest value of history['val_loss'], and count epochs from 1.",
    )


@checker
def check_early_stopping_epoch(answer) -> Feedback:
    """Exercise 5: the epoch at which ``EarlyStopping(monitor='val_loss', patience=EXERCISE_PATIENCE)`` stops.

    Examples
    --------
    >>> check_early_stopping_epoch(best_epoch(EXERCISE_HISTORY, "val_loss")).status
    'wrong'
    """
    values = EXERCISE_HISTORY["val_loss"]
    expected = early_stopping_epoch(values, EXERCISE_PATIENCE)
    best = best_epoch(EXERCISE_HISTORY, "val_loss")
    return check_number(
        answer,
        expected,
        name="stopping epoch",
        misconceptions=[
            (
                best,
                "That is the best epoch. Training goes on for `patience` more epochs without "
                "improvement before it stops.",
            ),
            (
                expected + 1,
                "One too many: training stops at the end of the epoch where the count of epochs "
                "without improvement reaches `patience`.",
            ),
            (expected - 1, "One too few: count `patience` epochs after the best one."),
            (
                len(values),
                "EarlyStopping stops before the last epoch here: count the epochs without "
                "improvement after the best val_loss.",
            ),
        ],
        hint="After the best val_loss, count the epochs without improvement: training stops when "
        "that count reaches `patience`.",
    )


# ---------------------------------------------------------------------------
# Exercise 6
# ---------------------------------------------------------------------------
@checker
def check_checkpoint_name(answer) -> Feedback:
    """Exercise 6: a file name for ``ModelCheckpoint(..., save_weights_only=True)`` that Keras 3 accepts.

    Keras 3 checks the suffix letter for letter: any name ending in ``.weights.h5`` is right.

    Examples
    --------
    >>> check_checkpoint_name("best.weights.h5").status
    'correct'
    >>> check_checkpoint_name("best.WEIGHTS.H5").status
    'wrong'
    """
    name = "checkpoint file name"
    if isinstance(answer, os.PathLike):  # Keras takes a pathlib.Path as well as a string
        answer = os.fspath(answer)
    return check_answer(
        answer,
        name=name,
        form="a string such as 'best.hdf5'",
        is_form=lambda text: isinstance(text, str),
        requirements=[
            (
                lambda text: text.endswith(WEIGHTS_SUFFIX),
                lambda text: f"{name} = {describe(text)} is not right. {_checkpoint_mistake(text)}",
            )
        ],
        summary=lambda text: (
            f"{name} = {describe(text)}. Keras 3 checks the suffix: .weights.h5 for weights "
            "only, .keras for a whole model."
        ),
    )


def _checkpoint_mistake(answer: str) -> str:
    """Why a weights-only checkpoint name that Keras 3 refuses is wrong, from its suffix."""
    if answer.strip().lower().endswith(WEIGHTS_SUFFIX):
        return (
            "Keras 3 checks the suffix letter for letter: it must end in .weights.h5, in lower "
            "case and with nothing after it."
        )
    if answer.lower().endswith(".hdf5"):
        return (
            "Keras 3 refuses this Keras 2 name: with save_weights_only=True the file name must "
            "end in .weights.h5."
        )
    if answer.lower().endswith(".h5"):
        return "Ending in .h5 is not enough in Keras 3: weights-only files must end in .weights.h5."
    if answer.lower().endswith(".keras"):
        return (
            "A .keras file holds the whole model (architecture, weights and optimizer): use it "
            "with save_weights_only=False."
        )
    return "With save_weights_only=True, Keras 3 accepts only a file name that ends in .weights.h5."


# ---------------------------------------------------------------------------
# Exercise 7: port Keras 2 code to Keras 3
# ---------------------------------------------------------------------------
#: The ported model, layer by layer, as the Keras 2 code of the exercise defines it.
PORT_LAYERS = ("Conv2D", "BatchNormalization", "MaxPooling2D", "Flatten", "Dense")
PORT_IMAGE_SHAPE = (28, 28, 1)
PORT_FILTERS, PORT_KERNEL, PORT_POOL, PORT_CLASSES = 16, 3, 2, 10
#: Labels the checker passes to the learner's function, and the batch it trains on.
PORT_LABELS = np.arange(20) % PORT_CLASSES

# Errors of Keras 2 code in Keras 3, recognised by a fragment of the error message.
_PORT_ERRORS = (  # (a regular expression the error's text matches, what it means)
    (
        r"No module named 'keras\.layers\.normalization'",
        "Keras 3 has no module keras.layers.normalization: write keras.layers.BatchNormalization.",
    ),
    (
        r"np_utils",
        "keras.utils.np_utils is gone in Keras 3: write keras.utils.to_categorical(labels, 10).",
    ),
    (
        # Keras's text for strides='1'; strides=0 adds "including values ... that do not satisfy"
        r"`strides` argument must be a tuple of \d+ integers\. Received strides=[^,{]*$",
        "In Keras 3, strides is an int or a tuple of ints, not a string: strides=1.",
    ),
    (
        r"save_weights_only=True.*must end in `\.weights\.h5`.*filepath=\S*\.hdf5",
        "Keras 3 refuses the Keras 2 checkpoint name: with save_weights_only=True it must end in .weights.h5.",
    ),
    (
        r"save_weights_only=True.*must end in `\.weights\.h5`",
        "Keras 3 checks the checkpoint name: with save_weights_only=True it must end in .weights.h5.",
    ),
)


def _port_expected_params() -> int:
    from course_utils.core.arithmetic import conv_output_length, pool_output_length
    from course_utils.core.params import batch_norm_params, conv2d_params, dense_params

    size = pool_output_length(conv_output_length(PORT_IMAGE_SHAPE[0], PORT_KERNEL), PORT_POOL)
    return (
        conv2d_params(PORT_KERNEL, PORT_IMAGE_SHAPE[2], PORT_FILTERS)
        + sum(batch_norm_params(PORT_FILTERS))  # (trainable, non-trainable)
        + dense_params(size * size * PORT_FILTERS, PORT_CLASSES)
    )


def _port_error(error: BaseException, when: str) -> Feedback:
    text = f"{type(error).__name__}: {error}"
    for pattern, message in _PORT_ERRORS:
        if re.search(pattern, text, flags=re.DOTALL):
            return Feedback("wrong", f"{when} raised {describe(text, 160)}. {message}")
    return Feedback(
        "wrong", f"{when} raised {describe(text, 160)}. Read the error, fix that line, and run again."
    )


def _port_input_shape(model):
    """The input shape of a Sequential or functional model; a subclassed one is built by a first call."""
    try:
        inputs = model.inputs
    except Exception:  # a subclassed model that has not been called yet
        inputs = None
    if inputs:
        return tuple(inputs[0].shape)[1:]
    try:
        model(np.zeros((1, *PORT_IMAGE_SHAPE), dtype="float32"))
    except Exception:  # a model that cannot take the exercise's images
        return None
    return PORT_IMAGE_SHAPE


def _port_model_problem(model) -> str | None:
    """What differs from the Keras 2 code's model, whether the port is Sequential, functional or subclassed."""
    layers = [layer for layer in getattr(model, "layers", []) if type(layer).__name__ != "InputLayer"]
    names = [type(layer).__name__ for layer in layers]
    if names != list(PORT_LAYERS):
        return f"the model's layers are {names}; the Keras 2 code has {list(PORT_LAYERS)}."
    shape = _port_input_shape(model)
    if shape != PORT_IMAGE_SHAPE:
        return (
            f"the model's input shape is {shape}; start the model with keras.Input(shape={PORT_IMAGE_SHAPE}) "
            "(Keras 3 replaces input_shape= on the first layer)."
        )
    conv, dense = layers[0], layers[-1]
    if (
        tuple(conv.strides) != (1, 1)
        or conv.filters != PORT_FILTERS
        or tuple(conv.kernel_size) != (PORT_KERNEL,) * 2
    ):
        return (
            f"the Conv2D layer has filters={conv.filters}, kernel_size={conv.kernel_size}, strides={conv.strides}; "
            f"the Keras 2 code asks for {PORT_FILTERS} filters of {PORT_KERNEL}x{PORT_KERNEL} with stride 1."
        )
    activation = dense.get_config().get("activation")
    if dense.units != PORT_CLASSES or not (isinstance(activation, str) and activation.lower() == "softmax"):
        return (
            f"the last layer should be Dense({PORT_CLASSES}, activation='softmax'), as in the Keras 2 code."
        )
    if model.count_params() != _port_expected_params():
        return f"the model has {model.count_params():,} parameters; the Keras 2 code's model has a different count."
    return None


def _port_compile_problem(model) -> str | None:
    try:
        config = model.get_compile_config()
    except Exception:
        config = None
    if not config:
        return "the model is not compiled: call model.compile(...) inside your function."
    if config_entries(config.get("loss_weights")) and "accuracy" in [
        config_name(e) for e in config_entries(config["loss_weights"])
    ]:
        return (
            "'accuracy' went into loss_weights: in Keras 3 the third positional argument of compile is "
            "loss_weights. Pass metrics=['accuracy'] by name."
        )
    optimizer = config_name(config.get("optimizer"))
    if optimizer != "adam":
        return f"the optimizer is {optimizer!r}; the Keras 2 code compiles with 'adam', so keep Adam."
    losses = [config_name(entry) for entry in config_entries(config.get("loss"))]
    if not any(loss in ONE_HOT_LOSSES for loss in losses):
        return (
            f"the loss is {losses}; the Keras 2 code trains on one-hot labels with categorical_crossentropy, "
            "so keep that loss."
        )
    metrics = [config_name(entry) for entry in config_entries(config.get("metrics"))]
    if not any(metric in ACCURACY_METRICS + ONE_HOT_METRICS for metric in metrics):
        return "the model reports no accuracy: pass metrics=['accuracy'] to compile, by name."
    return None


def _port_checkpoint_problem(checkpoint, folder: str) -> str | None:
    if type(checkpoint).__name__ != "ModelCheckpoint":
        return (
            f"the second value should be a keras.callbacks.ModelCheckpoint, not {type(checkpoint).__name__}."
        )
    path = str(getattr(checkpoint, "filepath", ""))
    if os.path.dirname(os.path.abspath(path)) != os.path.abspath(folder):
        return (
            f"the checkpoint saves to {describe(path, 120)}; save it into the folder your function receives."
        )
    if not getattr(checkpoint, "save_weights_only", False) or not getattr(
        checkpoint, "save_best_only", False
    ):
        return "keep save_best_only=True and save_weights_only=True, as in the Keras 2 code."
    if not path.endswith(WEIGHTS_SUFFIX):
        return "with save_weights_only=True, Keras 3 accepts only a file name that ends in .weights.h5."
    if getattr(checkpoint, "monitor", None) != "val_loss":
        return "the Keras 2 code watches the validation loss: monitor='val_loss' (the default)."
    return None


@checker(answer="function")
def check_keras3_port(port_to_keras3) -> Feedback:
    """Exercise 7: the Keras 2 code of the exercise, ported to Keras 3 and run.

    ``port_to_keras3(labels, folder)`` must return ``(model, checkpoint, one_hot)``:
    the compiled model, a ``ModelCheckpoint`` that keeps the best weights in ``folder``,
    and the labels one-hot encoded. The checker inspects them, then trains the model for
    one epoch on a small batch with the checkpoint, as the Keras 2 code would.

    Examples
    --------
    >>> check_keras3_port(...)
    Unfinished: replace the `...` in port_to_keras3 with your answer, then run the cell again.
    >>> check_keras3_port(lambda labels, folder: None).status
    'invalid'
    """
    # Built by hand, not on check_answer: the learner's code runs in two timed stages (the port, then
    # one epoch of training) inside a folder that must outlive both, and each stage's error or timeout
    # has its own feedback; only the inspection between them is a list of requirements (the loop below).
    name = "port_to_keras3"
    limit = framework.TIME_LIMIT  # read at call time: tests shorten it
    if is_placeholder(port_to_keras3):
        return unfinished(name)
    if not callable(port_to_keras3):
        return Feedback("invalid", f"{name} should be a function, but it is {describe(port_to_keras3)}.")
    with tempfile.TemporaryDirectory() as folder:
        status, result = framework.run_with_time_limit(port_to_keras3, (PORT_LABELS.copy(), folder), limit)
        if status == "timeout":
            return Feedback("wrong", f"{name} did not finish within {limit:g} s.")
        if status == "error":
            if isinstance(result, NotImplementedError):
                return Feedback("unfinished", f"write the body of {name}, then run the cell again.")
            return _port_error(result, f"{name}(labels, folder)")
        if not isinstance(result, tuple) or len(result) != 3:
            return Feedback(
                "invalid",
                f"{name} should return a tuple (model, checkpoint, one_hot), but it returned {describe(result)}.",
            )
        model, checkpoint, one_hot = result
        if not hasattr(model, "get_compile_config") or not hasattr(model, "layers"):
            return Feedback("invalid", f"the first value should be a Keras model, not {describe(model)}.")
        expected_one_hot = np.eye(PORT_CLASSES, dtype="float32")[PORT_LABELS]
        try:
            one_hot_array = np.asarray(one_hot, dtype="float32")
        except (TypeError, ValueError):
            one_hot_array = None
        for problem in (
            _port_model_problem(model),
            _port_compile_problem(model),
            _port_checkpoint_problem(checkpoint, folder),
            None
            if one_hot_array is not None
            and one_hot_array.shape == expected_one_hot.shape
            and np.array_equal(one_hot_array, expected_one_hot)
            else "the labels are not one-hot encoded: keras.utils.to_categorical(labels, 10) gives one row "
            "of 10 per label, with a 1 at the label.",
        ):
            if problem:
                return Feedback("wrong", f"{name}: {problem}")
        images = np.random.default_rng(0).random((len(PORT_LABELS), *PORT_IMAGE_SHAPE), dtype=np.float32)

        def train():
            model.fit(
                images,
                one_hot_array,
                validation_data=(images, one_hot_array),
                epochs=1,
                batch_size=10,
                callbacks=[checkpoint],
                verbose=0,
            )
            return model.evaluate(images, one_hot_array, verbose=0)

        status, scores = framework.run_with_time_limit(train, (), limit)
        if status == "timeout":
            return Feedback("wrong", f"training the ported model did not finish within {limit:g} s.")
        if status == "error":
            return _port_error(scores, "model.fit(...) with your checkpoint")
        if not os.path.exists(checkpoint.filepath):
            return Feedback("wrong", f"{name}: after one epoch the checkpoint file was not written.")
        if not isinstance(scores, (list, tuple)) or len(scores) != 2:
            return Feedback("wrong", f"{name}: evaluate should report the loss and the accuracy.")
    return Feedback(
        "correct",
        f"{name} builds, compiles and trains in Keras 3, and the checkpoint keeps the best weights "
        f"({model.count_params():,} parameters, loss and accuracy reported).",
    )


# ---------------------------------------------------------------------------
# Exercise 8: softmax
# ---------------------------------------------------------------------------
def reference_softmax(logits):
    """Probabilities from logits, along the last axis (one row per image), without overflow.

    Subtracting each row's largest logit changes no probability (it divides the top and the
    bottom of the fraction by the same number) and keeps ``exp`` from overflowing.

    Examples
    --------
    >>> reference_softmax([2.0, 1.0, 0.1]).round(3)
    array([0.659, 0.242, 0.099])
    >>> reference_softmax([[1000.0, 999.0], [0.0, 0.0]]).round(3)
    array([[0.731, 0.269],
           [0.5  , 0.5  ]])
    """
    z = np.asarray(logits, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_without_exp(logits):
    z = np.asarray(logits, dtype=float)
    return z / z.sum(axis=-1, keepdims=True)


def _softmax_over_images(logits):
    z = np.asarray(logits, dtype=float)
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _softmax_over_everything(logits):
    z = np.asarray(logits, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum()


def _sigmoid_of_each(logits):
    return 1 / (1 + np.exp(-np.asarray(logits, dtype=float)))


def _softmax_cases():
    rng = np.random.default_rng(8)
    return [
        (np.array([2.0, 1.0, 0.1]),),
        (np.array([-1.0, 0.0, 3.0, 0.5]),),
        (np.round(rng.normal(0, 3, size=(3, 4)), 2),),
        (np.array([[0.5, 2.5], [-1.0, -1.0], [4.0, -2.0]]),),
    ]


def _large_logit_cases():
    return [(np.array([1000.0, 999.0, 990.0]),), (np.array([[-5.0, 0.0, 5.0], [800.0, 805.0, -800.0]]),)]


SOFTMAX_OVERFLOW = (
    "exp of a large logit overflows to infinity (exp(1000) is inf even in float64), and inf / inf is "
    "NaN. Subtract each row's largest logit before exp: softmax(z) = softmax(z - max(z)), because the "
    "same factor exp(-max(z)) cancels between the top and the bottom."
)


SOFTMAX_BATCH_MAX = (
    "You subtracted the largest logit of the whole batch, not each row's own. Any number subtracted from a "
    "whole row leaves its probabilities the same, but a row far below the batch's largest logit has every exp "
    "underflow to 0 (exp(-805) is 0 in float64), and 0 / 0 is NaN. Subtract each row's largest logit: "
    "z.max(axis=-1, keepdims=True)."
)


def _softmax_batch_max(logits):
    z = np.asarray(logits, dtype=float)
    with np.errstate(all="ignore"):
        e = np.exp(z - z.max())
        return e / e.sum(axis=-1, keepdims=True)


def _outputs(function, cases) -> list | None:
    """The learner's outputs on ``cases`` as float arrays, or None when one cannot be had."""
    outputs = []
    for case in cases:
        status, output = framework.run_with_time_limit(function, case, framework.TIME_LIMIT)
        try:
            outputs.append(np.asarray(output, dtype=float))
        except (TypeError, ValueError):
            return None
        if status != "ok":
            return None
    return outputs


def _large_logit_problem(function, name: str, difference: str) -> str:
    """Why a softmax right on ordinary logits fails on large ones, told from what it returns.

    Three causes, each recognised by the learner's own outputs: the batch's largest logit
    subtracted instead of each row's (rows far below it underflow to 0 / 0), no largest logit
    subtracted at all (exp overflows to inf, and inf / inf is NaN), or something else, which is
    then only described.
    """
    cases = _large_logit_cases()
    outputs = _outputs(function, cases)
    wants = [_softmax_batch_max(*case) for case in cases]
    with np.errstate(all="ignore"):
        if outputs is not None and all(
            got.shape == want.shape and np.allclose(got, want, atol=1e-6, rtol=1e-5, equal_nan=True)
            for got, want in zip(outputs, wants)
        ):
            return f"{name} is right for ordinary logits, but not for a batch whose rows lie far apart: {difference} {SOFTMAX_BATCH_MAX}"
        rows = [(row,) for (logits,) in cases for row in np.atleast_2d(logits)]
        by_row = _outputs(function, rows)
    if by_row is not None and all(
        got.shape == row.shape and np.allclose(got, reference_softmax(row), atol=1e-6, rtol=1e-5)
        for got, (row,) in zip(by_row, rows)
    ):
        return (
            f"{name} gives each image's row right on its own, but not in a batch: {difference} The rows of a "
            "batch must not change each other's probabilities: take the max and the sum along the last axis "
            "(axis=-1, keepdims=True)."
        )
    if by_row is not None and any(not np.isfinite(got).all() for got in by_row):
        return f"{name} is right for ordinary logits, but not for large ones: {difference} {SOFTMAX_OVERFLOW}"
    return f"{name} is right for ordinary logits, but not for large ones: {difference}"


@checker(answer="function")
def check_softmax(function) -> Feedback:
    """Exercise 8: the learner's ``softmax(logits)`` for one image (1-D) or a batch (2-D).

    The probabilities must match along the last axis for ordinary logits, then for logits
    large enough to overflow ``exp`` when the largest logit is not subtracted first.

    Examples
    --------
    >>> check_softmax(reference_softmax)
    Correct: softmax gives the right probabilities on all 6 test cases, large logits included.
    >>> check_softmax(_sigmoid_of_each).status
    'wrong'
    """
    name = "softmax"
    ordinary = check_function(
        function,
        reference_softmax,
        _softmax_cases(),
        name=name,
        atol=1e-6,
        rtol=1e-5,  # float32 is fine
        misconceptions=[
            (
                _softmax_without_exp,
                "You divided the logits by their sum. Softmax first takes exp of each logit, so "
                "that every probability is positive (a logit can be negative), then divides by the sum.",
            ),
            (
                _softmax_over_images,
                "You normalized down the columns (axis 0, across images). Each image's row of "
                "probabilities must sum to 1: take the max and the sum along the last axis, with "
                "keepdims=True.",
            ),
            (
                _softmax_over_everything,
                "You divided by the sum over the whole batch. Each image's probabilities must sum "
                "to 1 on their own: sum along the last axis, with keepdims=True.",
            ),
            (
                _sigmoid_of_each,
                "That is a sigmoid of each logit on its own: the values do not sum to 1. Softmax "
                "divides each exp(logit) by the sum of the exp of all the logits of that image.",
            ),
        ],
        hint="exp of each logit (minus the row's largest), divided by the row's sum of exps; "
        "use axis=-1 and keepdims=True so that one formula works for 1-D and 2-D logits.",
    )
    if not ordinary.correct:
        return ordinary
    # Two check_function runs, ordinary then large logits: the second's wrong answer is explained from
    # what the learner's function returns, so its feedback (and the combined correct one) is built here.
    large = check_function(
        function, reference_softmax, _large_logit_cases(), name=name, atol=1e-6, rtol=1e-5, hint=""
    )
    if not large.correct:
        if large.status != "wrong":
            return large
        return Feedback("wrong", _large_logit_problem(function, name, large.message))
    cases = len(_softmax_cases()) + len(_large_logit_cases())
    return Feedback(
        "correct", f"{name} gives the right probabilities on all {cases} test cases, large logits included."
    )


# ---------------------------------------------------------------------------
# Exercises 9 and 10: cross-entropy, and one sigmoid unit for two classes
# ---------------------------------------------------------------------------
def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


@checker
def check_cross_entropy(answer) -> Feedback:
    """Exercise 9: the cross-entropy loss of one image with ``CROSS_ENTROPY_LOGITS`` and true class ``CROSS_ENTROPY_LABEL``.

    ``-ln p`` of the true class's softmax probability (the natural logarithm, as Keras).

    Examples
    --------
    >>> z, label = CROSS_ENTROPY_LOGITS, CROSS_ENTROPY_LABEL
    >>> check_cross_entropy(-np.log(reference_softmax(z)[label])).status
    'correct'
    >>> check_cross_entropy(-np.log10(reference_softmax(z)[label])).status
    'wrong'
    """
    z, label = np.asarray(CROSS_ENTROPY_LOGITS), CROSS_ENTROPY_LABEL
    p = reference_softmax(z)
    expected = float(-np.log(p[label]))
    one_hot = np.eye(len(z))[label]
    return check_number(
        answer,
        expected,
        name="cross-entropy loss",
        rel_tol=1e-5,  # float32 is fine
        misconceptions=[
            (
                float(-np.log10(p[label])),
                "You used log10. Cross-entropy, in Keras as in the lesson, uses the natural "
                "logarithm: np.log (or math.log).",
            ),
            (
                float(-np.log(p.max())),
                "That is the loss of the predicted class (the largest probability). The loss "
                "looks at the probability of the true class, whatever the model predicts.",
            ),
            (
                float(np.log(p[label])),
                "The loss is negative: you forgot the minus sign. The log of a probability is "
                "negative or 0, and the loss is -ln p, which is positive.",
            ),
            (
                float(-z[label]),
                "You took minus the true class's logit. Turn the logits into probabilities with a "
                "softmax first, then take -ln of the true class's probability.",
            ),
            (
                float(p[label]),
                "That is the true class's probability, not the loss: the loss is -ln of it.",
            ),
            (
                float(1 - p[label]),
                "That is 1 minus the true class's probability. Cross-entropy is -ln p, which grows "
                "without bound as p goes to 0, and so punishes a confident mistake much more.",
            ),
            (
                float(-np.sum(np.log(p))),
                "You added -ln p over every class. With one true class only its term counts: "
                "-ln p of the true class.",
            ),
            (
                float(-np.mean(one_hot * np.log(p) + (1 - one_hot) * np.log(1 - p))),
                "That is binary cross-entropy on a one-hot label, averaged over the classes: what "
                "loss='binary_crossentropy' computes for a 10-class model by mistake. With a "
                "softmax over several classes, use (sparse) categorical cross-entropy: -ln p of the true class.",
            ),
            (
                float(-np.log(_sigmoid(z[label]))),
                "You applied a sigmoid to the true class's logit alone. With a softmax head the "
                "probability of a class depends on all the logits: softmax first, then -ln p.",
            ),
        ],
        hint="Softmax the logits (exp, then divide by the sum), pick the true class's "
        "probability p, and compute -ln p.",
    )


@checker
def check_sigmoid_logit(answer) -> Feedback:
    """Exercise 10: the logit ``t`` with ``sigmoid(t)`` equal to the softmax probability of class 1.

    For a 2-unit softmax with logits ``(z0, z1)``: ``p1 = 1 / (1 + exp(z0 - z1)) = sigmoid(z1 - z0)``.

    Examples
    --------
    >>> z0, z1 = TWO_CLASS_LOGITS
    >>> check_sigmoid_logit(z1 - z0).status
    'correct'
    >>> check_sigmoid_logit(z1).status
    'wrong'
    """
    z0, z1 = TWO_CLASS_LOGITS
    p1 = float(reference_softmax([z0, z1])[1])
    expected = z1 - z0
    return check_number(
        answer,
        expected,
        name="sigmoid logit t",
        rel_tol=1e-5,
        misconceptions=[
            (
                z1,
                "That is class 1's logit alone, but softmax compares the logits: adding the same "
                "number to z0 and z1 changes no probability, so only their difference matters.",
            ),
            (
                z0 - z1,
                "The sign is flipped: sigmoid(z0 - z1) is the probability of class 0. Divide the top "
                "and bottom of exp(z1) / (exp(z0) + exp(z1)) by exp(z1) to see which difference appears.",
            ),
            (
                z0 + z1,
                "Softmax depends on the difference of the logits, not their sum: adding the same "
                "number to both changes nothing.",
            ),
            (
                p1,
                "That is the probability of class 1. The question asks for the logit t whose "
                "sigmoid gives that probability.",
            ),
            (
                math.log(p1),
                "That is ln p1, the log-probability. The logit whose sigmoid is p1 is ln(p1 / (1 - p1)).",
            ),
        ],
        hint="Divide the top and the bottom of exp(z1) / (exp(z0) + exp(z1)) by exp(z1), and "
        "compare with sigmoid(t) = 1 / (1 + exp(-t)).",
    )


# ---------------------------------------------------------------------------
# Exercises 11 to 13: how sure a comparison is, and how many test images a plan needs
# ---------------------------------------------------------------------------
def _comparison_answers():
    """Right (True) and wrong answers of models A and B on the ``COMPARISON`` images."""
    c = COMPARISON
    both = round(c["accuracy_a"] * c["n"]) - c["only_a"]
    neither = c["n"] - both - c["only_a"] - c["only_b"]
    a = np.array([True] * c["only_a"] + [False] * c["only_b"] + [True] * both + [False] * neither)
    b = np.array([False] * c["only_a"] + [True] * c["only_b"] + [True] * both + [False] * neither)
    return a, b


def _comparison():
    return accuracy_difference_interval(*_comparison_answers())


@checker
def check_difference_half_width(answer) -> Feedback:
    """Exercise 11: the half-width of the 95% interval of B's accuracy minus A's, on the same images.

    ``z * sqrt(b + c - (b - c)**2 / n) / n``, with ``b`` and ``c`` the images only one model gets
    right, and z as :func:`~course_utils.checks.framework.check_z_number` accepts it (1.96; z = 2 is
    refused with its reason). Dropping the small ``(b - c)**2 / n`` term (the standard error when
    the two models are equally good) is right too.

    Examples
    --------
    >>> check_difference_half_width(_comparison().half_width).status
    'correct'
    >>> check_difference_half_width(_comparison().standard_error).status
    'wrong'
    """
    c, interval = COMPARISON, _comparison()
    n, se = c["n"], interval.standard_error
    without_term = math.sqrt(c["only_a"] + c["only_b"]) / n
    separate = accuracy_interval(c["accuracy_a"], n), accuracy_interval(c["accuracy_b"], n)
    return check_z_number(
        answer,
        lambda z: z * se,
        also_right=[lambda z: z * without_term],
        name="half-width of the difference",
        misconceptions=lambda z: [
            (se, "That is one standard error; a 95% interval reaches 1.96 standard errors."),
            (
                z * math.hypot(separate[0].standard_error, separate[1].standard_error),
                "That treats the two accuracies as measured on different test sets. On the same "
                "images, the images both models get right (or both get wrong) cannot make them "
                "differ: only the disagreements count, and the interval is much narrower.",
            ),
            (
                z * separate[0].standard_error,
                "That is the half-width of model A's own accuracy. The question is about the "
                "difference between the two models on the same images: count the disagreements.",
            ),
            (
                z * se**2 * n,
                "You forgot the square root: the standard error is sqrt(b + c - (b - c)**2 / n) / n.",
            ),
            (
                z * se * math.sqrt(n),
                "Divide by n, not by sqrt(n): b and c are counts of images, so "
                "sqrt(b + c - (b - c)**2 / n) / n is already a share.",
            ),
            (
                100 * z * se,
                "That is the right half-width in percentage points; give it as a fraction, like the accuracies.",
            ),
            (2 * z * se, "That is the whole width of the interval; the ± half-width is half of it."),
        ],
        hint="Only the images where the models disagree count: with b and c of them, the standard "
        "error of the difference is sqrt(b + c - (b - c)**2 / n) / n; multiply it by 1.96.",
    )


@checker
def check_tell_apart(answer) -> Feedback:
    """Exercise 12: can the ``COMPARISON`` test set tell models A and B apart? ``'yes'`` or ``'no'``.

    Yes when the 95% interval of the difference leaves out 0.

    Examples
    --------
    >>> check_tell_apart("yes" if not _comparison().contains(0) else "no").status
    'correct'
    """
    interval = _comparison()
    apart = not interval.contains(0)
    ahead = "B" if interval.estimate > 0 else "A"
    figures = (
        f"{ahead} is ahead by {abs(interval.estimate):.4f}, and the 95% interval of the difference B - A runs "
        f"from {interval.low:+.4f} to {interval.high:+.4f}"
    )
    return check_choice(
        answer,
        "yes" if apart else "no",
        ["yes", "no"],
        name="can the test set tell them apart",
        misconceptions={
            "yes": f"{figures}: it holds 0, so a difference this small could come from which images happened "
            "to be in the test set.",
            "no": f"{figures}: it leaves out 0, so the lead is larger than what the choice of test images alone "
            "would explain.",
        },
        hint="Compare the difference of the accuracies with the half-width of its interval.",
    )


def _images_needed(accuracy: float, half_width: float, z: float) -> float:
    """The (fractional) number of test images at which the half-width equals ``half_width``."""
    return (z / half_width) ** 2 * accuracy * (1 - accuracy)


@checker
def check_test_set_size(answer) -> Feedback:
    """Exercise 13: the fewest test images whose 95% interval is at most ± ``half_width`` at ``accuracy``.

    ``n >= (1.96 / h)**2 * p * (1 - p)``, rounded up to a whole image. Each named mistake is
    computed with the z a learner types (1.96) and with its full precision, and named whether
    the learner rounds up, to the nearest image or not at all.

    Examples
    --------
    >>> plan = TEST_SET_PLAN
    >>> check_test_set_size(math.ceil((1.96 / plan["half_width"]) ** 2 * 0.95 * 0.05)).status
    'correct'
    """
    p, h = TEST_SET_PLAN["accuracy"], TEST_SET_PLAN["half_width"]
    return check_z_number(
        answer,
        lambda z: _images_needed(p, h, z),
        count=True,
        name="number of test images",
        misconceptions=lambda z: [
            (
                math.floor(_images_needed(p, h, z)),
                "Round up, not down: with one image fewer the interval is slightly wider than asked.",
            ),
            (
                _images_needed(p, h, z),
                "A test set holds a whole number of images: round n up (math.ceil), since with one image "
                "fewer the interval is slightly wider than asked.",
            ),
            (
                z**2 * p * (1 - p) / h,
                "You divided by the half-width, not by its square: from h = 1.96 sqrt(p (1 - p) / n), "
                "n = (1.96 / h)**2 p (1 - p).",
            ),
            (z * p * (1 - p) / h**2, "You forgot to square 1.96: n = (1.96 / h)**2 p (1 - p)."),
            (
                p * (1 - p) / h**2,
                "That makes the standard error ± the half-width; the 95% interval reaches 1.96 standard "
                "errors, so it needs about 1.96**2 times as many images.",
            ),
            (
                z * math.sqrt(p * (1 - p)) / h,
                "Square the whole ratio: h = 1.96 sqrt(p (1 - p) / n) gives n = (1.96 / h)**2 p (1 - p).",
            ),
            (
                _images_needed(p, h / 2, z),
                "± h is the half-width; you made the whole interval h wide, which needs four times as "
                "many images.",
            ),
            (z**2 * p / h**2, "You left out (1 - p): the spread of an accuracy is sqrt(p (1 - p) / n)."),
        ],
        hint="Solve h = 1.96 sqrt(p (1 - p) / n) for n, then round up to a whole number of images.",
    )
