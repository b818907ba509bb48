"""Checkers for the exercises of lesson 05 (training a CNN).

No checker imports TensorFlow: a Keras model is inspected through its public methods
(``get_compile_config``). Expected values come from the same helpers the lesson uses
(:mod:`course_utils.plots.training` for the best and early-stopping epochs).

Examples
--------
>>> check_best_epoch(...)
Unfinished: replace the `...` in best epoch with your answer, then run the cell again.
>>> check_checkpoint_name("best.hdf5")
Not yet: checkpoint file name = 'best.hdf5' is not right. Keras 3 refuses this Keras 2 name: with save_weights_only=True the file name must end in .weights.h5.
"""

from __future__ import annotations

import numpy as np

from course_utils.checks import Feedback, check_choice, check_function, check_number, is_placeholder
from course_utils.plots.training import best_epoch, early_stopping_epoch

__all__ = [
    "EXERCISE_HISTORY",
    "EXERCISE_PATIENCE",
    "check_best_epoch",
    "check_checkpoint_name",
    "check_compile",
    "check_early_stopping_epoch",
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


def check_best_epoch(answer) -> Feedback:
    """The epoch whose weights ``ModelCheckpoint(monitor='val_loss', save_best_only=True)`` keeps."""
    h = EXERCISE_HISTORY
    expected = best_epoch(h, "val_loss")
    return check_number(
        answer, expected, name="best epoch",
        misconceptions=[
            (expected - 1, "Count epochs from 1, as Keras prints them: you gave a 0-based index."),
            (len(h["val_loss"]), "With save_best_only=True the checkpoint is not the last epoch: "
                                 "it is overwritten only when val_loss improves."),
            (best_epoch(h, "loss"), "That epoch has the lowest training loss. The checkpoint "
                                    "monitors the validation loss."),
            (best_epoch(h, "val_accuracy"), "That epoch has the highest validation accuracy, but "
                                            "this checkpoint monitors val_loss."),
        ],
        hint="Find the smallest value of history['val_loss'].",
    )


def check_early_stopping_epoch(answer) -> Feedback:
    """The epoch at which ``EarlyStopping(monitor='val_loss', patience=EXERCISE_PATIENCE)`` stops."""
    values = EXERCISE_HISTORY["val_loss"]
    expected = early_stopping_epoch(values, EXERCISE_PATIENCE)
    best = best_epoch(EXERCISE_HISTORY, "val_loss")
    return check_number(
        answer, expected, name="stopping epoch",
        misconceptions=[
            (best, "That is the best epoch. Training goes on for `patience` more epochs "
                   "without improvement before it stops."),
            (expected + 1, "One too many: training stops at the end of the epoch where the "
                           "count of epochs without improvement reaches `patience`."),
            (expected - 1, "One too few: count `patience` epochs after the best one."),
            (len(values), "EarlyStopping stops before the last epoch here: count the epochs "
                          "without improvement after the best val_loss."),
        ],
    )


CHECKPOINT_OPTIONS = ["best.hdf5", "best.h5", "best.weights.h5", "best.keras"]


def check_checkpoint_name(answer) -> Feedback:
    """The file name for ``ModelCheckpoint(..., save_weights_only=True)`` in Keras 3."""
    return check_choice(
        answer, "best.weights.h5", CHECKPOINT_OPTIONS, name="checkpoint file name",
        misconceptions={
            "best.hdf5": "Keras 3 refuses this Keras 2 name: with save_weights_only=True the "
                         "file name must end in .weights.h5.",
            "best.h5": "Ending in .h5 is not enough in Keras 3: weights-only files must end "
                       "in .weights.h5.",
            "best.keras": "A .keras file holds the whole model (architecture, weights and "
                          "optimizer): use it with save_weights_only=False.",
        },
        explanation="Keras 3 checks the suffix: .weights.h5 for weights only, .keras for a "
                    "whole model.",
    )


def reference_prepare_images(images):
    """uint8 images (n, h, w) or (n, h, w, c) -> float32 in [0, 1] with a channel axis."""
    array = np.asarray(images)
    if array.ndim == 3:
        array = array[..., np.newaxis]
    return array.astype("float32") / 255.0


def _unscaled(images):
    array = np.asarray(images)
    return (array[..., np.newaxis] if array.ndim == 3 else array).astype("float32")


def _prepare_cases():
    rng = np.random.default_rng(5)
    return [
        (rng.integers(0, 256, size=(2, 4, 4), dtype=np.uint8),),
        (rng.integers(0, 256, size=(3, 5, 5, 1), dtype=np.uint8),),
        (rng.integers(0, 256, size=(1, 3, 3, 3), dtype=np.uint8),),
        (np.array([[[0, 255], [128, 64]]], dtype=np.uint8),),
    ]


def check_prepare_images(function) -> Feedback:
    """The learner's ``prepare_images(images)``: float32, scaled to [0, 1], channel axis added."""
    feedback = check_function(
        function, reference_prepare_images, _prepare_cases(), name="prepare_images",
        misconceptions=[
            (_unscaled, "The values still go up to 255: you forgot to scale. Divide by 255 so "
                        "that the pixels lie between 0 and 1; large inputs make training slow "
                        "and unstable."),
        ],
        hint="Add a channel axis when there is none, cast to float32, then divide by 255.",
    )
    if not feedback:
        return feedback
    (case,) = _prepare_cases()[1]
    dtype = np.asarray(function(case)).dtype
    if dtype != np.float32:
        return Feedback(
            "wrong",
            f"prepare_images returns the right values, but as {dtype}. Cast to float32 before "
            "dividing: uint8 / 255.0 gives float64, which takes twice the memory (CIFAR-10 "
            "would need 1.2 GB) and which Keras converts back to float32 anyway.",
        )
    return feedback


def _config_name(entry) -> str | None:
    """The name of a loss or metric in a compile config: a string or a serialized object."""
    if isinstance(entry, str):
        return entry.lower()
    if isinstance(entry, dict):
        config = entry.get("config")
        if isinstance(config, dict) and isinstance(config.get("name"), str):
            return config["name"].lower()
        if isinstance(entry.get("class_name"), str):
            return entry["class_name"].lower()
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
        flat.extend(_flat(entry) if isinstance(entry, (list, tuple)) else [entry])
    return flat


def check_compile(model) -> Feedback:
    """The exercise model compiled for integer labels with the accuracy reported.

    Expected: ``loss='sparse_categorical_crossentropy'`` (or its class) and
    ``metrics=['accuracy']`` passed as a keyword.
    """
    if is_placeholder(model):
        return Feedback("unfinished", "model is still `...`: run the cell that builds it, then "
                                      "compile it and run this cell again.")
    if not hasattr(model, "get_compile_config"):
        return Feedback("invalid", f"model should be a Keras model, but it is of type "
                                   f"{type(model).__name__}.")
    config = model.get_compile_config() if getattr(model, "compiled", False) else None
    if not config:
        return Feedback("unfinished", "model is not compiled yet: call model.compile(optimizer=..., "
                                      "loss=..., metrics=[...]), then run this cell again.")
    loss_weights = [_config_name(e) for e in _flat(config.get("loss_weights"))]
    if any(name and "acc" in name for name in loss_weights):
        return Feedback(
            "wrong",
            "Your list of metrics ended up in loss_weights: compile's third positional argument "
            "is loss_weights in Keras 3, not metrics. Pass it by name: metrics=['accuracy'].",
        )
    loss = _config_name(config.get("loss"))
    if loss in ("categorical_crossentropy", "categoricalcrossentropy"):
        return Feedback(
            "wrong",
            "categorical_crossentropy expects one-hot labels such as [0, 0, 1, 0, ...], but the "
            "labels here are integers 0-9. Use sparse_categorical_crossentropy.",
        )
    if loss not in ("sparse_categorical_crossentropy", "sparsecategoricalcrossentropy"):
        return Feedback("wrong", f"The loss is {loss!r}. For 10 classes with integer labels, use "
                                 "sparse_categorical_crossentropy.")
    metrics = [_config_name(e) for e in _flat(config.get("metrics"))]
    if not any(name and "acc" in name for name in metrics):
        return Feedback("wrong", "The model is compiled without metrics, so fit and evaluate will "
                                 "report only the loss. Add metrics=['accuracy'].")
    return Feedback("correct", "the model is compiled with sparse_categorical_crossentropy and "
                               "reports the accuracy.")


def _same_data(answer, reference) -> bool:
    x, y = reference
    try:
        ax, ay = answer
    except (TypeError, ValueError):
        return False
    ax, ay = np.asarray(ax), np.asarray(ay)
    return ax.shape == np.shape(x) and ay.shape == np.shape(y) and np.array_equal(ay, y) \
        and np.array_equal(ax, x)


def check_validation_data(answer, train, val, test) -> Feedback:
    """``validation_data`` for ``fit``: the validation pair, not the test or training pair.

    ``train``, ``val`` and ``test`` are the ``(x, y)`` pairs of the notebook's split.
    """
    if is_placeholder(answer):
        return Feedback("unfinished", "replace the `...` in validation_data with an (x, y) pair, "
                                      "then run the cell again.")
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return Feedback("invalid", "validation_data should be a pair (x, y) of images and labels, "
                                   f"but it is of type {type(answer).__name__}.")
    if _same_data(answer, val):
        return Feedback("correct", "validation_data is the validation split; the test set "
                                   "stays unseen until the final evaluation.")
    if _same_data(answer, test):
        return Feedback(
            "wrong",
            "You are validating on the test set. Everything you choose by looking at the "
            "validation score (the best epoch, when to stop, the architecture) then leaks into "
            "the test score, which becomes too optimistic. Use the validation split.",
        )
    if _same_data(answer, train):
        return Feedback("wrong", "That is the training data: the model has already seen it, so "
                                 "its score says nothing about new images. Use the validation split.")
    return Feedback("wrong", "validation_data should be (x_val, y_val), the validation split "
                             "made from the training images.")
