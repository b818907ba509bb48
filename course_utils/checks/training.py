"""Checkers for the exercises of lesson 05 (training a CNN).

No checker imports TensorFlow: a Keras model is inspected through its public methods
(``get_compile_config``, ``layers``). Expected values come from the same helpers the
lesson uses (:mod:`course_utils.history` for the best and early-stopping epochs).

Examples
--------
>>> check_best_epoch(...)
Unfinished: replace the `...` in best epoch with your answer, then run the cell again.
>>> check_checkpoint_name("best.hdf5")
Not yet: checkpoint file name = 'best.hdf5' is not right. Keras 3 refuses this Keras 2 name: with save_weights_only=True the file name must end in .weights.h5.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from course_utils.checks import framework
from course_utils.checks.framework import (
    Feedback,
    check_function,
    check_number,
    checker,
    describe,
    is_placeholder,
    unfinished,
)
from course_utils.history import best_epoch, early_stopping_epoch

__all__ = [
    "CHECKPOINT_OPTIONS",
    "EXERCISE_HISTORY",
    "EXERCISE_PATIENCE",
    "check_best_epoch",
    "check_checkpoint_name",
    "check_compile",
    "check_early_stopping_epoch",
    "check_keras3_port",
    "check_prepare_images",
    "check_validation_data",
    "reference_prepare_images",
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
#: Loss and metric names that fit integer labels with a softmax output.
SPARSE_LOSSES = ("sparse_categorical_crossentropy", "sparsecategoricalcrossentropy")
ONE_HOT_LOSSES = ("categorical_crossentropy", "categoricalcrossentropy")
ACCURACY_METRICS = ("accuracy", "acc", "sparse_categorical_accuracy", "sparsecategoricalaccuracy")
ONE_HOT_METRICS = ("categorical_accuracy", "categoricalaccuracy")


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
def _config_name(entry) -> str | None:
    """The name of a loss, metric or optimizer in a compile config (a string or a serialized object)."""
    if isinstance(entry, str):
        return entry.lower()
    if isinstance(entry, dict):
        config = entry.get("config")
        if isinstance(config, str):  # a function, such as keras.losses.sparse_categorical_crossentropy
            return config.lower()
        if entry.get("class_name") not in (None, "function") and isinstance(entry["class_name"], str):
            return entry["class_name"].lower()
        if isinstance(config, dict) and isinstance(config.get("name"), str):
            return config["name"].lower()
    return None


def _flat(entries) -> list:
    if entries is None:
        return []
    if isinstance(entries, dict) and "class_name" not in entries:
        entries = list(entries.values())
    if not isinstance(entries, (list, tuple)):
        entries = [entries]
    flat = []
    for entry in entries:
        flat.extend(
            _flat(entry) if isinstance(entry, (list, tuple, dict)) and not _is_object(entry) else [entry]
        )
    return flat


def _is_object(entry) -> bool:
    return isinstance(entry, dict) and "class_name" in entry


def _from_logits(entry) -> bool:
    config = entry.get("config") if isinstance(entry, dict) else None
    return isinstance(config, dict) and config.get("from_logits") is True


def _last_activation(model) -> str | None:
    try:
        config = model.layers[-1].get_config()
    except Exception:  # a model without layers or with an unusual last layer
        return None
    activation = config.get("activation")
    return activation.lower() if isinstance(activation, str) else None


@checker(answer="model")
def check_compile(model) -> Feedback:
    """Exercise 2: the exercise model compiled with Adam for integer labels, reporting the accuracy.

    Expected: ``optimizer='adam'`` (or an Adam object), ``loss='sparse_categorical_crossentropy'``
    (the string, the function or the class, with ``from_logits=False`` on a softmax output) and
    ``metrics=['accuracy']`` passed as a keyword.

    Examples
    --------
    >>> check_compile(None).status
    'invalid'
    >>> check_compile("model").status
    'invalid'
    """
    if model is Ellipsis:
        return unfinished("model")
    if model is None:
        return Feedback(
            "invalid",
            "check_compile received None. model.compile(...) changes the model in place and "
            "returns None: call it on its own line, then run check.check_compile(model).",
        )
    if not hasattr(model, "get_compile_config"):
        return Feedback(
            "invalid",
            f"model should be a Keras model, but it is {describe(model)} of type {type(model).__name__}.",
        )
    try:
        config = model.get_compile_config() if getattr(model, "compiled", False) is True else None
    except Exception as error:  # an object that only looks like a Keras model
        return Feedback(
            "invalid",
            f"model should be a Keras model, but its get_compile_config() raised {type(error).__name__}.",
        )
    if not isinstance(config, dict) or not config:
        return Feedback(
            "unfinished",
            "model is not compiled yet: call model.compile(optimizer=..., loss=..., metrics=[...]), "
            "then run this cell again.",
        )
    loss_weights = [_config_name(e) for e in _flat(config.get("loss_weights"))]
    if any(name and "acc" in name for name in loss_weights):
        return Feedback(
            "wrong",
            "Your list of metrics ended up in loss_weights: compile's third positional argument "
            "is loss_weights in Keras 3, not metrics. Pass it by name: metrics=['accuracy'].",
        )
    optimizer = _config_name(config.get("optimizer"))
    if optimizer != "adam":
        return Feedback(
            "wrong",
            f"The optimizer is {optimizer!r}, but the exercise asks for Adam: optimizer='adam' "
            "(or keras.optimizers.Adam()).",
        )
    loss_entry = config.get("loss")
    loss = _config_name(loss_entry)
    if loss in ONE_HOT_LOSSES:
        return Feedback(
            "wrong",
            "categorical_crossentropy expects one-hot labels such as [0, 0, 1, 0, ...], but the "
            "labels here are integers 0-9. Use sparse_categorical_crossentropy.",
        )
    if loss not in SPARSE_LOSSES:
        return Feedback(
            "wrong",
            f"The loss is {loss!r}. For 10 classes with integer labels, use sparse_categorical_crossentropy.",
        )
    if _from_logits(loss_entry) and _last_activation(model) == "softmax":
        return Feedback(
            "wrong",
            "from_logits=True tells the loss that the outputs are raw scores, but the last layer "
            "already applies a softmax: the loss would apply a second one. Keep from_logits=False "
            "(the default) with a softmax output.",
        )
    metrics = [_config_name(e) for e in _flat(config.get("metrics"))]
    if not metrics:
        return Feedback(
            "wrong",
            "The model is compiled without metrics, so fit and evaluate will report only the "
            "loss. Add metrics=['accuracy'].",
        )
    if any(name in ONE_HOT_METRICS for name in metrics):
        return Feedback(
            "wrong",
            "categorical_accuracy compares the prediction with a one-hot label, but the labels "
            "here are integers, so it reports a wrong accuracy. Use metrics=['accuracy'] (Keras "
            "picks the right accuracy for the loss) or 'sparse_categorical_accuracy'.",
        )
    if not any(name in ACCURACY_METRICS for name in metrics):
        return Feedback(
            "wrong",
            f"The metrics are {metrics}, none of which is the accuracy. Add metrics=['accuracy'].",
        )
    return Feedback(
        "correct", "the model is compiled with sparse_categorical_crossentropy and reports the accuracy."
    )


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
    if is_placeholder(answer):
        return Feedback(
            "unfinished", "replace the `...` in validation_data with an (x, y) pair, then run the cell again."
        )
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return Feedback(
            "invalid",
            "validation_data should be a pair (x, y) of images and labels, but it is "
            f"{describe(answer)} of type {type(answer).__name__}.",
        )
    if _same_data(answer, val):
        return Feedback(
            "correct",
            "validation_data is the validation split; the test set stays unseen until the final evaluation.",
        )
    if _same_data(answer, test):
        return Feedback(
            "wrong",
            "You are validating on the test set. Everything you choose by looking at the "
            "validation score (the best epoch, when to stop, the architecture) then leaks into "
            "the test score, which becomes too optimistic. Use the validation split.",
        )
    if _same_data(answer, train):
        return Feedback(
            "wrong",
            "That is the training data: the model has already seen it, so its score says nothing "
            "about new images. Use the validation split.",
        )
    if _same_images(answer[0], val[0]) or _same_data(answer[::-1], val):
        return Feedback(
            "wrong",
            "The images are the validation images, but the labels are not theirs (or x and y are "
            "swapped): give (x_val, y_val), images first.",
        )
    return Feedback(
        "wrong",
        "validation_data should be (x_val, y_val), the validation split made from the training images.",
    )


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
    if is_placeholder(answer):
        return unfinished(name)
    if not isinstance(answer, str):
        return Feedback(
            "invalid",
            f"{name} should be a string such as 'best.hdf5', but it is {describe(answer)} "
            f"of type {type(answer).__name__}.",
        )
    shown = describe(answer)
    if answer.endswith(WEIGHTS_SUFFIX):
        return Feedback(
            "correct",
            f"{name} = {shown}. Keras 3 checks the suffix: .weights.h5 for weights only, .keras for a whole model.",
        )
    if answer.strip().lower().endswith(WEIGHTS_SUFFIX):
        message = (
            "Keras 3 checks the suffix letter for letter: it must end in .weights.h5, in lower "
            "case and with nothing after it."
        )
    elif answer.lower().endswith(".hdf5"):
        message = (
            "Keras 3 refuses this Keras 2 name: with save_weights_only=True the file name must "
            "end in .weights.h5."
        )
    elif answer.lower().endswith(".h5"):
        message = "Ending in .h5 is not enough in Keras 3: weights-only files must end in .weights.h5."
    elif answer.lower().endswith(".keras"):
        message = (
            "A .keras file holds the whole model (architecture, weights and optimizer): use it "
            "with save_weights_only=False."
        )
    else:
        message = "With save_weights_only=True, Keras 3 accepts only a file name that ends in .weights.h5."
    return Feedback("wrong", f"{name} = {shown} is not right. {message}")


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
_PORT_ERRORS = (
    (
        "normalization",
        "Keras 3 has no module keras.layers.normalization: write keras.layers.BatchNormalization.",
    ),
    ("np_utils", "keras.utils.np_utils is gone in Keras 3: write keras.utils.to_categorical(labels, 10)."),
    ("strides", "In Keras 3, strides is an int or a tuple of ints, not a string: strides=1."),
    (
        "hdf5",
        "Keras 3 refuses the Keras 2 checkpoint name: with save_weights_only=True it must end in .weights.h5.",
    ),
    (
        "weights.h5",
        "Keras 3 checks the checkpoint name: with save_weights_only=True it must end in .weights.h5.",
    ),
)


def _port_expected_params() -> int:
    from course_utils.arithmetic import conv_output_length, pool_output_length
    from course_utils.params import batch_norm_params, conv2d_params, dense_params

    size = pool_output_length(conv_output_length(PORT_IMAGE_SHAPE[0], PORT_KERNEL), PORT_POOL)
    return (
        conv2d_params(PORT_KERNEL, PORT_IMAGE_SHAPE[2], PORT_FILTERS)
        + sum(batch_norm_params(PORT_FILTERS))  # (trainable, non-trainable)
        + dense_params(size * size * PORT_FILTERS, PORT_CLASSES)
    )


def _port_error(error: BaseException, when: str) -> Feedback:
    text = f"{type(error).__name__}: {error}"
    for fragment, message in _PORT_ERRORS:
        if fragment in text:
            return Feedback("wrong", f"{when} raised {describe(text, 160)}. {message}")
    return Feedback(
        "wrong", f"{when} raised {describe(text, 160)}. Read the error, fix that line, and run again."
    )


def _port_model_problem(model) -> str | None:
    names = [type(layer).__name__ for layer in getattr(model, "layers", [])]
    if names != list(PORT_LAYERS):
        return f"the model's layers are {names}; the Keras 2 code has {list(PORT_LAYERS)}."
    shape = tuple(model.inputs[0].shape)[1:] if getattr(model, "inputs", None) else None
    if shape != PORT_IMAGE_SHAPE:
        return (
            f"the model's input shape is {shape}; start the model with keras.Input(shape={PORT_IMAGE_SHAPE}) "
            "(Keras 3 replaces input_shape= on the first layer)."
        )
    conv, dense = model.layers[0], model.layers[-1]
    if (
        tuple(conv.strides) != (1, 1)
        or conv.filters != PORT_FILTERS
        or tuple(conv.kernel_size) != (PORT_KERNEL,) * 2
    ):
        return (
            f"the Conv2D layer has filters={conv.filters}, kernel_size={conv.kernel_size}, strides={conv.strides}; "
            f"the Keras 2 code asks for {PORT_FILTERS} filters of {PORT_KERNEL}x{PORT_KERNEL} with stride 1."
        )
    if dense.units != PORT_CLASSES or _last_activation(model) != "softmax":
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
    if _flat(config.get("loss_weights")) and "accuracy" in [
        _config_name(e) for e in _flat(config["loss_weights"])
    ]:
        return (
            "'accuracy' went into loss_weights: in Keras 3 the third positional argument of compile is "
            "loss_weights. Pass metrics=['accuracy'] by name."
        )
    losses = [_config_name(entry) for entry in _flat(config.get("loss"))]
    if not any(loss in ONE_HOT_LOSSES for loss in losses):
        return (
            f"the loss is {losses}; the Keras 2 code trains on one-hot labels with categorical_crossentropy, "
            "so keep that loss."
        )
    metrics = [_config_name(entry) for entry in _flat(config.get("metrics"))]
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
