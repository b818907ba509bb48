"""Transfer learning as lesson 09 does it: a small pretrained trunk, frozen under a new head, then fine-tuned.

A trunk (:data:`TRUNK_LAYERS`: three stages of a 3x3 convolution with ReLU, batch normalization and
2x2 max pooling) was pretrained on each source of :data:`SOURCES`, at three distances from lesson
09's task (a 4 or a 9 on a cluttered 100x100 canvas): the same two digits without clutter at 28x28,
the eight other digits, and circles against squares. Its weights are package data
(:func:`weights_file`). The trunk is fully convolutional, so weights learned at 28x28 or 32x32 run
on 100x100 canvases.

Transfer learning then takes two phases, as Keras's transfer-learning guide does:

1. :func:`transfer_model`: the pretrained trunk, frozen and called with ``training=False``, inside a
   new model with a new head; only the head trains (at :data:`LEARNING_RATE`);
2. :func:`unfreeze`: the whole trunk trainable, its batch normalization left frozen, and the model
   fine-tuned at :data:`FINE_TUNING_RATE`, ten times lower.

Keras is imported inside the functions that build or change a model, never when this module is imported.

Examples
--------
>>> [spec["type"] for spec in TRUNK_LAYERS[:3]], len(TRUNK_LAYERS)
(['Conv2D', 'BatchNormalization', 'MaxPooling2D'], 9)
>>> FINE_TUNING_RATE == LEARNING_RATE / 10, TRUNK_MOMENTUM
(True, 0.9)
>>> weights_file("same digits").name
'pretrained_09_same_digits.weights.h5'
"""

from __future__ import annotations

from pathlib import Path

from course_utils.core._constraints import Count, FolderPath, Option, OrNone, Satisfies, validate_arguments
from course_utils.core._validation import describe
from course_utils.engines.data import DATA_DIR
from course_utils.engines.layer_specs import INPUT_SHAPE, KERAS_NAME, to_keras

__all__ = [
    "FINE_TUNING_RATE",
    "LEARNING_RATE",
    "SOURCES",
    "TRUNK_LAYERS",
    "TRUNK_MOMENTUM",
    "transfer_model",
    "trunk_model",
    "unfreeze",
    "weights_file",
]

#: The pretrained trunk: three stages of a 3x3 convolution with ReLU, batch normalization and 2x2 max pooling; fully
#: convolutional, so weights learned at 28x28 or 32x32 run on 100x100 canvases.
TRUNK_LAYERS = tuple(
    spec
    for filters in (16, 32, 64)
    for spec in (
        {"type": "Conv2D", "filters": filters, "kernel_size": 3, "padding": "same", "activation": "relu"},
        {"type": "BatchNormalization"},
        {"type": "MaxPooling2D", "pool_size": 2},
    )
)
#: The momentum of the trunk's batch normalization. Keras's default, 0.99, moves the moving mean and
#: variance 1% of the way per step from their start (0 and 1): on 250 canvases (8 steps an epoch) they
#: are still far from the batches' statistics when early stopping ends a run, and the trunk scores at
#: chance in inference mode while it fits its training batches (measured: every seed of the scratch
#: trunk at 0.500). With 0.9 they settle within some tens of steps.
TRUNK_MOMENTUM = 0.9
LEARNING_RATE = 1e-3
"""Adam's learning rate of lesson 09's runs: a design trained from scratch, and a new head on the frozen trunk."""
FINE_TUNING_RATE = LEARNING_RATE / 10
"""Fine-tuning a pretrained trunk: ten times lower, so that its weights are adjusted, not overwritten."""
#: The sources a trunk is pretrained on, from the nearest to the farthest from the target task. Each trains
#: for some hundreds of steps (the fewer its images, the more epochs), so that batch normalization's moving
#: statistics settle.
SOURCES = {
    "same digits": {
        "about": "4 against 9, without clutter, at 28x28: the same task at another size (the best case)",
        "digits": (4, 9),
        "input_shape": (28, 28, 1),
        "epochs": 30,
    },
    "other digits": {
        "about": "the eight other digits (0, 1, 2, 3, 5, 6, 7, 8), at 28x28: another task on similar images",
        "digits": (0, 1, 2, 3, 5, 6, 7, 8),
        "input_shape": (28, 28, 1),
        "epochs": 10,
    },
    "shapes": {
        "about": "circles against squares at 32x32: another kind of image",
        "images": 4000,
        "input_shape": (32, 32, 1),
        "epochs": 10,
        "seed": 77,
    },
}
MIN_IMAGE_SIZE = 2 ** sum(spec["type"] == "MaxPooling2D" for spec in TRUNK_LAYERS)
"""The smallest side the trunk takes: each of its poolings halves the side."""
MAX_IMAGE_SIZE = 1024
"""The largest side :func:`transfer_model` builds for."""

SOURCE = Option(*SOURCES)
"""The source task of a pretrained trunk: :func:`weights_file` and :func:`transfer_model`."""


def _trunk_shape(input_shape) -> tuple[int, int, int]:
    shape = INPUT_SHAPE.check("input_shape", input_shape)
    if len(shape) != 3 or min(shape[:2]) < MIN_IMAGE_SIZE:
        raise ValueError(
            f"input_shape must be (height, width, channels) of at least {MIN_IMAGE_SIZE}x{MIN_IMAGE_SIZE} px (each of "
            f"the trunk's poolings halves the side), got {describe(input_shape)}."
        )
    return shape


def _head(head) -> list:
    if not isinstance(head, (list, tuple)) or not all(isinstance(spec, dict) for spec in head):
        raise TypeError(f"head must be a list of layer specs (dicts), got {describe(head)}.")
    return list(head)


def _keras_model(trunk):
    import keras

    if not isinstance(trunk, keras.Model):
        raise TypeError(
            f"trunk must be a Keras model (the trunk transfer_model returns), got {describe(trunk)}."
        )
    return trunk


@validate_arguments(source=SOURCE)
def weights_file(source: str) -> Path:
    """The package's weights of the trunk pretrained on ``source`` (one of :data:`SOURCES`).

    Examples
    --------
    >>> weights_file("shapes").name
    'pretrained_09_shapes.weights.h5'
    >>> weights_file("cats")
    Traceback (most recent call last):
    ...
    ValueError: source must be one of 'same digits', 'other digits', 'shapes', got 'cats'.
    """
    return DATA_DIR / f"pretrained_09_{source.replace(' ', '_')}.weights.h5"


@validate_arguments(
    input_shape=Satisfies(
        _trunk_shape,
        "(height, width, channels) of at least MIN_IMAGE_SIZE px a side",
        valid=(MIN_IMAGE_SIZE, MIN_IMAGE_SIZE, 1),
        invalid=[(MIN_IMAGE_SIZE,), (MIN_IMAGE_SIZE - 1, MIN_IMAGE_SIZE, 1), (8, 8)],
    ),
    head=Satisfies(
        _head, "a list of layer specs (dicts)", valid=(), invalid=[{"type": "Flatten"}, ["Flatten"]]
    ),
    name=KERAS_NAME,
)
def trunk_model(input_shape, head=(), name: str = "trunk"):
    """The trunk (:data:`TRUNK_LAYERS`) as a Keras ``Sequential`` model, for any input size.

    Each of its batch normalization layers has :data:`TRUNK_MOMENTUM`.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)`` of the images.
    head : list of dict
        Layer specs to put after the trunk (:mod:`course_utils.engines.layer_specs`); none: the trunk alone.
    name : str
        The model's name.
    """
    model = to_keras(input_shape, [*TRUNK_LAYERS, *head], name=name)
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = TRUNK_MOMENTUM
    return model


@validate_arguments(
    source=SOURCE,
    weights_dir=OrNone(FolderPath(), example=None),
    image_size=Count(MIN_IMAGE_SIZE, MAX_IMAGE_SIZE),
)
def transfer_model(source: str, weights_dir=None, image_size: int = 100):
    """``(model, trunk)``: the trunk pretrained on ``source``, frozen, inside a new model with a new head.

    The trunk is called with ``training=False``, as Keras's transfer-learning guide does; the head
    is global average pooling and one sigmoid unit (two classes). For fine-tuning, :func:`unfreeze`
    the trunk, which keeps its batch normalization in inference mode (its moving statistics from
    the source task), so that a few images do not overwrite them with the statistics of small batches.

    Parameters
    ----------
    source : str
        The trunk's source task, one of :data:`SOURCES`.
    weights_dir : str or pathlib.Path, optional
        The folder that holds the trunk's weights file (default: the package's data files).
    image_size : int
        The side of the square grey images the model takes (lesson 09's canvases: 100 px).
    """
    name = weights_file(source).name
    folder = DATA_DIR if weights_dir is None else Path(weights_dir)
    if not (folder / name).is_file():
        raise ValueError(
            f"weights_dir {str(folder)!r} holds no {name}: ./course capstone --pretrain makes the pretrained trunks."
        )
    size = image_size
    import keras

    trunk = trunk_model((size, size, 1))
    trunk.load_weights(folder / name)
    trunk.trainable = False
    inputs = keras.Input(shape=(size, size, 1))
    x = trunk(inputs, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs, name=f"transfer_{source.replace(' ', '_')}"), trunk


@validate_arguments(
    trunk=Satisfies(
        _keras_model,
        "a Keras model (the trunk transfer_model returns)",
        valid=lambda: trunk_model((MIN_IMAGE_SIZE, MIN_IMAGE_SIZE, 1)),
        invalid=[[], {"type": "Flatten"}],
    )
)
def unfreeze(trunk) -> None:
    """Make ``trunk`` trainable for fine-tuning, its batch normalization left frozen (inference mode).

    Keras's transfer-learning guide calls the trunk with ``training=False`` so that its batch
    normalization keeps its moving statistics while fine-tuning. In Keras 3, ``fit`` calls the
    model with ``training=True``, which reaches the layers of a nested model anyway: the moving
    statistics move (lesson 09 measures it). A ``BatchNormalization`` layer whose ``trainable``
    is False runs in inference mode, so those layers stay frozen.

    Parameters
    ----------
    trunk : keras.Model
        The trunk that :func:`transfer_model` returns (any Keras model).
    """
    import keras

    trunk.trainable = True
    for layer in trunk.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
