"""Output sizes, 'same' padding and receptive fields of convolution and pooling layers.

Everything here works on one spatial axis at a time (a length, not a shape) and is pure
Python: no TensorFlow import, so every formula answers instantly. The functions follow
Keras (TensorFlow backend) semantics and use Keras argument names, and the tests check
them against the output shapes of real Keras layers.

The central formula, for an input of length ``W``, a kernel of ``kernel_size`` taps with
``dilation_rate`` d, ``strides`` S and ``P`` zeros added on each side, is::

    F_eff = d * (kernel_size - 1) + 1            # the extent the kernel covers
    output_length = floor((W - F_eff + 2 * P) / S) + 1

``padding='valid'`` means P = 0. ``padding='same'`` makes the output length
``ceil(W / S)`` and lets TensorFlow choose the zeros, which can be one more after the
input than before it (see :func:`same_padding`).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from course_utils.core._constraints import Count, OrNone, Padding, Pair, Satisfies, validate_arguments
from course_utils.core._validation import (
    check_bool,
    check_int,
    check_option,
    check_padding,
    check_pair,
    describe,
)
from course_utils.core.formatting import WHOLE_INPUT

__all__ = [
    "ALIASES",
    "KERAS_ARGUMENTS",
    "MAX_LISTED_TAPS",
    "MAX_LISTED_WINDOWS",
    "MAX_TRACED_LAYERS",
    "POINTWISE_LAYERS",
    "STEPPED_LAYERS",
    "LayerState",
    "StackRow",
    "channels_first",
    "check_layer_arguments",
    "conv2d_output_shape",
    "conv_groups",
    "conv_output_length",
    "dilated_kernel_size",
    "format_trace",
    "input_state",
    "max_pooling_stages",
    "normalized_axis",
    "padding_amounts",
    "pool2d_output_shape",
    "pool_output_length",
    "pooling_schedule",
    "receptive_field_step",
    "same_padding",
    "step_layer",
    "trace_stack",
    "window_indices",
    "window_starts",
]


WINDOW = dict(kernel_size=Count(), dilation_rate=Count())
"""A window along one axis: the constraints of :func:`dilated_kernel_size`, which every window helper shares."""


@validate_arguments(**WINDOW)
def dilated_kernel_size(kernel_size, dilation_rate=1) -> int:
    """Return the extent a dilated kernel covers: ``dilation_rate * (kernel_size - 1) + 1``.

    A dilated kernel keeps its ``kernel_size`` weights but spreads them out, leaving
    ``dilation_rate - 1`` skipped positions between neighbouring taps.

    Parameters
    ----------
    kernel_size : int
        Number of taps (weights) along the axis, >= 1.
    dilation_rate : int, default=1
        Spacing between taps, >= 1. A rate of 1 is an ordinary kernel.

    Returns
    -------
    int
        The number of input positions between the first and the last tap, inclusive.

    Examples
    --------
    >>> dilated_kernel_size(3, 1)
    3
    >>> dilated_kernel_size(3, 2)
    5
    >>> dilated_kernel_size(3, 0)
    Traceback (most recent call last):
    ...
    ValueError: dilation_rate must be an integer >= 1, got 0.
    """
    return dilation_rate * (kernel_size - 1) + 1


def _same_output_length(input_length: int, strides: int) -> int:
    # ceil(W / S) without floats
    return -(-input_length // strides)


@validate_arguments(input_length=Count(), strides=Count(), **WINDOW)
def same_padding(input_length, kernel_size, strides=1, dilation_rate=1) -> tuple[int, int]:
    """Return the zeros ``(before, after)`` that TensorFlow adds for ``padding='same'``.

    TensorFlow first fixes the output length at ``ceil(W / S)``, then adds just enough
    zeros for the last window to fit: ``total = max((out - 1) * S + F_eff - W, 0)``.
    It puts ``total // 2`` zeros before the input and the rest after it, so when the
    total is odd the extra zero goes **after** (at the bottom or on the right).

    Parameters
    ----------
    input_length : int
        Length W of the input along the axis, >= 1.
    kernel_size : int
        Number of kernel taps, >= 1.
    strides : int, default=1
        Step between windows, >= 1.
    dilation_rate : int, default=1
        Spacing between taps, >= 1.

    Returns
    -------
    tuple of int
        ``(before, after)``: zeros added before and after the input.

    Examples
    --------
    >>> same_padding(5, 3)
    (1, 1)
    >>> same_padding(6, 4)
    (1, 2)
    >>> same_padding(6, 3, strides=2)
    (0, 1)
    >>> same_padding(6, 1, strides=2)
    (0, 0)
    """
    extent = dilated_kernel_size(kernel_size, dilation_rate)
    output_length = _same_output_length(input_length, strides)
    total = max((output_length - 1) * strides + extent - input_length, 0)
    return (total // 2, total - total // 2)


@validate_arguments(padding=Padding(), **WINDOW)
def padding_amounts(input_length, kernel_size, strides=1, padding="valid", dilation_rate=1):
    """Return the zeros ``(before, after)`` added for any Keras-style ``padding``.

    ``'valid'`` adds none, an int P adds P on each side, ``'same'`` adds what
    :func:`same_padding` says.

    Examples
    --------
    >>> padding_amounts(7, 3, padding="valid")
    (0, 0)
    >>> padding_amounts(7, 3, padding=2)
    (2, 2)
    >>> padding_amounts(6, 4, padding="same")
    (1, 2)
    """
    if padding == "same":
        return same_padding(input_length, kernel_size, strides, dilation_rate)
    if padding == "valid":
        return (0, 0)
    return (padding, padding)


@validate_arguments(input_length=Count(), strides=Count(), padding=Padding(), **WINDOW)
def conv_output_length(input_length, kernel_size, strides=1, padding="valid", dilation_rate=1) -> int:
    """Return the output length of a convolution along one axis.

    Parameters
    ----------
    input_length : int
        Length W of the input along the axis, >= 1.
    kernel_size : int
        Number of kernel taps F, >= 1.
    strides : int, default=1
        Step S between windows, >= 1.
    padding : {'valid', 'same'} or int, default='valid'
        ``'valid'``: no zeros; ``'same'``: TensorFlow's padding, output ``ceil(W / S)``;
        an int P >= 0: P zeros on each side, as in ``floor((W - F + 2P) / S) + 1``.
    dilation_rate : int, default=1
        Spacing d between taps, >= 1; the kernel then covers ``d * (F - 1) + 1`` positions.

    Returns
    -------
    int
        ``floor((W - F_eff + 2P) / S) + 1`` (``ceil(W / S)`` for ``'same'``).

    Raises
    ------
    ValueError
        If an argument is not allowed, or if the kernel does not fit in the padded input
        (the output would be empty).

    Examples
    --------
    >>> conv_output_length(28, 3)
    26
    >>> conv_output_length(28, 3, padding="same")
    28
    >>> conv_output_length(7, 3, strides=2, padding=1)
    4
    >>> conv_output_length(8, 3, strides=2)
    3
    >>> conv_output_length(7, 3, dilation_rate=2)
    3
    >>> conv_output_length(4, 5)
    Traceback (most recent call last):
    ...
    ValueError: the kernel (kernel_size=5, dilation_rate=1) covers 5 positions but the padded input has only 4 (input_length=4, padding=0 on each side): the output would be empty.
    """
    extent = dilated_kernel_size(kernel_size, dilation_rate)
    kernel_size, dilation_rate = int(kernel_size), int(dilation_rate)
    if padding == "same":
        return _same_output_length(input_length, strides)
    pad = 0 if padding == "valid" else padding
    padded = input_length + 2 * pad
    if padded < extent:
        raise ValueError(
            f"the kernel (kernel_size={kernel_size}, dilation_rate={dilation_rate}) covers {extent} positions "
            f"but the padded input has only {padded} (input_length={input_length}, padding={pad} on each side): "
            "the output would be empty."
        )
    return (padded - extent) // strides + 1


@validate_arguments(
    input_length=Count(), pool_size=Count(), strides=OrNone(Count()), padding=Padding(allow_int=False)
)
def pool_output_length(input_length, pool_size, strides=None, padding="valid") -> int:
    """Return the output length of a pooling layer along one axis (Keras semantics).

    Parameters
    ----------
    input_length : int
        Length W of the input along the axis, >= 1.
    pool_size : int
        Window size, >= 1.
    strides : int or None, default=None
        Step between windows. ``None`` means ``pool_size`` (non-overlapping windows), as in
        Keras: a 2x2 pool halves the size, it does not slide one pixel at a time.
    padding : {'valid', 'same'}, default='valid'
        ``'valid'`` drops the positions a full window cannot cover; ``'same'`` keeps them,
        giving ``ceil(W / strides)``.

    Returns
    -------
    int

    Examples
    --------
    >>> pool_output_length(28, 2)
    14
    >>> pool_output_length(7, 2)
    3
    >>> pool_output_length(7, 2, padding="same")
    4
    >>> pool_output_length(28, 2, strides=1)
    27
    >>> pool_output_length(5, 2, padding=1)
    Traceback (most recent call last):
    ...
    ValueError: padding must be 'valid' or 'same', got 1.
    """
    strides = pool_size if strides is None else strides
    if padding == "same":
        return _same_output_length(input_length, strides)
    if input_length < pool_size:
        raise ValueError(
            f"the pooling window (pool_size={pool_size}) is larger than the input (input_length={input_length}) "
            "with padding='valid': the output would be empty."
        )
    return (input_length - pool_size) // strides + 1


MAX_LISTED_WINDOWS = 100_000
"""The most windows :func:`window_starts` lists (the count itself has no limit)."""
MAX_LISTED_TAPS = 100_000
"""The most taps (input indices) :func:`window_indices` lists for one window."""


@validate_arguments(input_length=Count(), strides=Count(), padding=Padding(), **WINDOW)
def window_starts(input_length, kernel_size, strides=1, padding="valid", dilation_rate=1) -> list[int]:
    """Return the input index of the first tap of every window, in output order.

    Indices are in the coordinates of the unpadded input, so a window that begins in the
    zeros before the input starts at a negative index.

    Raises
    ------
    ValueError
        For a bad argument, or when there would be more than ``MAX_LISTED_WINDOWS``
        windows to list (:func:`conv_output_length` counts them).

    Examples
    --------
    >>> window_starts(5, 3)
    [0, 1, 2]
    >>> window_starts(5, 3, padding="same")
    [-1, 0, 1, 2, 3]
    >>> window_starts(6, 3, strides=2, padding="same")
    [0, 2, 4]
    """
    output_length = conv_output_length(input_length, kernel_size, strides, padding, dilation_rate)
    if output_length > MAX_LISTED_WINDOWS:
        raise ValueError(
            f"input_length={input_length}, kernel_size={kernel_size}, strides={strides}, padding={padding!r} "
            f"and dilation_rate={dilation_rate} give {describe(output_length)} windows, more than the "
            f"{MAX_LISTED_WINDOWS:,} that window_starts lists: use conv_output_length to count them."
        )
    before, _ = padding_amounts(input_length, kernel_size, strides, padding, dilation_rate)
    return [i * strides - before for i in range(output_length)]


@validate_arguments(
    input_length=Count(), strides=Count(), padding=Padding(), **WINDOW, output_index=Count(min=0)
)
def window_indices(
    output_index, input_length, kernel_size, strides=1, padding="valid", dilation_rate=1
) -> list[int]:
    """Return the input indices that the taps of output cell ``output_index`` read.

    Indices below 0 or at least ``input_length`` fall in the zero padding. A window of more
    than ``MAX_LISTED_TAPS`` taps is refused (:func:`dilated_kernel_size` gives its extent).

    Examples
    --------
    >>> window_indices(0, 5, 3)
    [0, 1, 2]
    >>> window_indices(0, 7, 3, dilation_rate=2)
    [0, 2, 4]
    >>> window_indices(4, 5, 3, padding="same")
    [3, 4, 5]
    >>> window_indices(3, 5, 3)
    Traceback (most recent call last):
    ...
    ValueError: output_index must be between 0 and 2, got 3: the output has 3 cells (input_length=5, kernel_size=3, strides=1, padding='valid', dilation_rate=1).
    """
    output_length = conv_output_length(input_length, kernel_size, strides, padding, dilation_rate)
    before, _ = padding_amounts(input_length, kernel_size, strides, padding, dilation_rate)
    if kernel_size > MAX_LISTED_TAPS:
        raise ValueError(
            f"kernel_size={kernel_size:,} gives a window of {kernel_size:,} taps, more than the "
            f"{MAX_LISTED_TAPS:,} that window_indices lists: use dilated_kernel_size for its extent."
        )
    if output_index >= output_length:
        raise ValueError(
            f"output_index must be between 0 and {output_length - 1}, got {output_index}: the output has "
            f"{output_length} cells (input_length={input_length}, kernel_size={kernel_size}, strides={strides}, "
            f"padding={padding!r}, dilation_rate={dilation_rate})."
        )
    start = output_index * strides - before
    return [start + k * dilation_rate for k in range(kernel_size)]


@validate_arguments(receptive_field=Count(), jump=Count(), strides=Count(), **WINDOW)
def receptive_field_step(receptive_field, jump, kernel_size, strides=1, dilation_rate=1) -> tuple[int, int]:
    """Return ``(receptive_field, jump)`` after one more convolution or pooling layer.

    ``receptive_field`` is how many input pixels one cell sees along the axis, ``jump``
    is how many input pixels apart two neighbouring cells are. A layer with extent
    ``F_eff`` and stride ``S`` gives::

        receptive_field_out = receptive_field + (F_eff - 1) * jump
        jump_out = jump * S

    Padding does not change either number. A pooling layer is a layer with
    ``kernel_size=pool_size`` and its strides.

    Examples
    --------
    >>> receptive_field_step(1, 1, 3)
    (3, 1)
    >>> receptive_field_step(3, 1, 3)
    (5, 1)
    >>> receptive_field_step(5, 1, 2, strides=2)
    (6, 2)
    """
    extent = dilated_kernel_size(kernel_size, dilation_rate)
    return (receptive_field + (extent - 1) * jump, jump * strides)


def _per_axis(name: str, value, rank: int) -> tuple[int, ...]:
    """An int, or a tuple of ``rank`` ints (one per spatial axis), as Keras accepts for sizes."""
    if rank == 2:
        return check_pair(name, value)
    if isinstance(value, (tuple, list)):
        if len(value) != rank:
            raise ValueError(f"{name} must be an int or a tuple of {rank} ints, got {describe(value)}.")
        return tuple(check_int(name, v) for v in value)
    return (check_int(name, value),) * rank


def _window_step(lengths, receptive_field=None, jump=None, *, sizes, strides, dilations, padding, pool):
    """One sliding-window layer along every spatial axis: new lengths, receptive fields and jumps.

    The one place where a convolution or a pooling layer changes a length (None: unknown), a
    receptive field and a jump; every shape and trace in the package goes through it. The layer
    is given per axis (``sizes``, ``strides``, ``dilations``), with its ``padding`` and whether it
    is a pooling (``pool``); ``receptive_field`` and ``jump`` are None where they are not traced.
    """
    new_lengths = []
    for axis, length in enumerate(lengths):
        if length is None:
            new_lengths.append(None)
        elif pool:
            new_lengths.append(pool_output_length(length, sizes[axis], strides[axis], padding))
        else:
            new_lengths.append(
                conv_output_length(length, sizes[axis], strides[axis], padding, dilations[axis])
            )
    if not isinstance(receptive_field, tuple):  # unknown, or already the whole input
        return tuple(new_lengths), None, None
    steps = [
        receptive_field_step(receptive_field[axis], jump[axis], sizes[axis], strides[axis], dilations[axis])
        for axis in range(len(lengths))
    ]
    return tuple(new_lengths), tuple(r for r, _ in steps), tuple(j for _, j in steps)


@validate_arguments(
    input_shape=Pair(), kernel_size=Pair(), strides=Pair(), dilation_rate=Pair(), padding=Padding()
)
def conv2d_output_shape(
    input_shape, kernel_size, strides=1, padding="valid", dilation_rate=1
) -> tuple[int, int]:
    """Return ``(height, width)`` after a 2-D convolution, as ``keras.layers.Conv2D`` computes it.

    Each axis follows :func:`conv_output_length`; every argument is an int or a
    ``(height, width)`` pair.

    Examples
    --------
    >>> conv2d_output_shape((28, 28), 3)
    (26, 26)
    >>> conv2d_output_shape((32, 24), (3, 5), strides=2, padding="same")
    (16, 12)
    >>> conv2d_output_shape((7, 7), 3, padding=1, dilation_rate=(1, 2))
    (7, 5)
    """
    lengths, _, _ = _window_step(
        input_shape,
        sizes=kernel_size,
        strides=strides,
        dilations=dilation_rate,
        padding=padding,
        pool=False,
    )
    return lengths


@validate_arguments(
    input_shape=Pair(), pool_size=Pair(), strides=OrNone(Pair()), padding=Padding(allow_int=False)
)
def pool2d_output_shape(input_shape, pool_size, strides=None, padding="valid") -> tuple[int, int]:
    """Return ``(height, width)`` after 2-D pooling, as ``keras.layers.MaxPooling2D`` computes it.

    ``strides=None`` means ``pool_size``; each axis follows :func:`pool_output_length`.

    Examples
    --------
    >>> pool2d_output_shape((28, 28), 2)
    (14, 14)
    >>> pool2d_output_shape((7, 9), (2, 3), padding="same")
    (4, 3)
    """
    lengths, _, _ = _window_step(
        input_shape,
        sizes=pool_size,
        strides=pool_size if strides is None else strides,
        dilations=(1, 1),
        padding=padding,
        pool=True,
    )
    return lengths


@dataclass(frozen=True)
class LayerState:
    """What a stack of layers has made of its input so far, for one example.

    Attributes
    ----------
    shape : tuple of (int or None)
        The output shape without the batch axis, channels last: ``(height, width, channels)``
        for images, ``(length, channels)`` for sequences, ``(features,)`` for vectors.
        None marks a size that is not known.
    receptive_field : tuple of int, ``'whole input'`` or None
        How many input positions one output cell sees along each spatial axis; the whole
        input after global pooling or a Dense layer on a vector; None where it is not defined.
    jump : tuple of int or None
        How many input positions apart two neighbouring cells are, along each spatial axis.
    """

    shape: tuple
    receptive_field: tuple | str | None
    jump: tuple | None


def _read_shape(shape) -> tuple:
    """A shape without the batch axis: a non-empty tuple (or list) of sizes >= 1 or None."""
    if isinstance(shape, (str, bytes)) or not isinstance(shape, (tuple, list)) or not shape:
        raise ValueError(f"shape must be a tuple of sizes without the batch axis, got {describe(shape)}.")
    return tuple(None if n is None else check_int("shape", n) for n in shape)


@validate_arguments(
    shape=Satisfies(
        _read_shape,
        "a tuple of sizes without the batch axis",
        valid=(28, 28, 1),
        invalid=[(), (0, 3), (2.0,), 3, [(2,)]],
    )
)
def input_state(shape) -> LayerState:
    """The state of an input of ``shape`` (no batch axis): every cell sees one position.

    Examples
    --------
    >>> input_state((28, 28, 1))
    LayerState(shape=(28, 28, 1), receptive_field=(1, 1), jump=(1, 1))
    >>> input_state((784,)).receptive_field is None
    True
    """
    spatial = len(shape) - 1
    if spatial == 0:
        return LayerState(shape, None, None)
    return LayerState(shape, (1,) * spatial, (1,) * spatial)


_CONVOLUTIONS = {"Conv1D": 1, "Conv2D": 2, "DepthwiseConv2D": 2, "SeparableConv2D": 2}
_POOLINGS = {"MaxPooling1D": 1, "AveragePooling1D": 1, "MaxPooling2D": 2, "AveragePooling2D": 2}
_GLOBAL_POOLINGS = {
    "GlobalAveragePooling1D": 1,
    "GlobalMaxPooling1D": 1,
    "GlobalAveragePooling2D": 2,
    "GlobalMaxPooling2D": 2,
}
_BORDERS = {"ZeroPadding2D": ("padding", 1), "Cropping2D": ("cropping", -1)}
POINTWISE_LAYERS = frozenset(
    {
        "BatchNormalization", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianDropout",
        "GaussianNoise", "AlphaDropout", "Activation", "ReLU", "LeakyReLU", "Softmax", "ELU",
        "Rescaling", "Identity", "RandomFlip", "RandomContrast", "RandomBrightness",
    }
)  # fmt: skip
"""Layers that work on each value (or channel) on its own: shape, receptive field and jump pass through."""
STEPPED_LAYERS = frozenset(
    {*_CONVOLUTIONS, *_POOLINGS, *_GLOBAL_POOLINGS, *_BORDERS, "Flatten", "Dense", *POINTWISE_LAYERS}
)
"""The Keras layer classes :func:`step_layer` knows."""


_LAYER = ("name", "dtype", "trainable", "autocast", "activity_regularizer", "input_shape", "input_dim")
"""The keyword arguments of ``keras.layers.Layer``, which (almost) every layer takes."""
_BIAS = ("use_bias", "bias_initializer", "bias_regularizer", "bias_constraint", "activation")
_KERNEL = ("kernel_initializer", "kernel_regularizer", "kernel_constraint")
_WINDOW = ("kernel_size", "strides", "padding", "data_format", "dilation_rate", *_BIAS)
_DEPTHWISE = ("depth_multiplier", "depthwise_initializer", "depthwise_regularizer", "depthwise_constraint")
_FILL = ("fill_mode", "fill_value", "interpolation", "seed", "data_format")
KERAS_ARGUMENTS = {
    kind: frozenset(arguments)
    for kind, arguments in {
        "Conv1D": (*_LAYER, *_WINDOW, *_KERNEL, "filters", "groups"),
        "Conv2D": (*_LAYER, *_WINDOW, *_KERNEL, "filters", "groups"),
        "Conv2DTranspose": (*_LAYER, *_WINDOW, *_KERNEL, "filters", "output_padding"),
        "DepthwiseConv2D": (*_LAYER, *_WINDOW, *_DEPTHWISE),
        "SeparableConv2D": (
            *_LAYER, *_WINDOW, *_DEPTHWISE, "filters",
            "pointwise_initializer", "pointwise_regularizer", "pointwise_constraint",
        ),
        "Dense": (*_LAYER, *_BIAS, *_KERNEL, "units", "lora_rank", "lora_alpha", "quantization_config"),
        "BatchNormalization": (
            *_LAYER, "axis", "momentum", "epsilon", "center", "scale", "synchronized",
            "beta_initializer", "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer",
            "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint",
            "renorm", "renorm_clipping", "renorm_momentum",
        ),
        **dict.fromkeys(_POOLINGS, (*_LAYER, "pool_size", "strides", "padding", "data_format")),
        **dict.fromkeys(_GLOBAL_POOLINGS, (*_LAYER, "data_format", "keepdims")),
        "ZeroPadding2D": (*_LAYER, "padding", "data_format"),
        "Cropping2D": (*_LAYER, "cropping", "data_format"),
        "Flatten": (*_LAYER, "data_format"),
        "Dropout": (*_LAYER, "rate", "noise_shape", "seed"),
        "AlphaDropout": (*_LAYER, "rate", "noise_shape", "seed"),
        "SpatialDropout1D": ("name", "dtype", "rate", "seed"),
        "SpatialDropout2D": ("name", "dtype", "rate", "seed", "data_format"),
        "GaussianDropout": (*_LAYER, "rate", "seed"),
        "GaussianNoise": (*_LAYER, "stddev", "seed"),
        "Activation": (*_LAYER, "activation"),
        "ReLU": (*_LAYER, "max_value", "negative_slope", "threshold"),
        "LeakyReLU": (*_LAYER, "negative_slope"),
        "Softmax": (*_LAYER, "axis"),
        "ELU": (*_LAYER, "alpha"),
        "Rescaling": (*_LAYER, "scale", "offset"),
        "Identity": _LAYER,
        "RandomFlip": (*_LAYER, "mode", "seed", "data_format"),
        "RandomContrast": (*_LAYER, "factor", "value_range", "seed", "data_format"),
        "RandomBrightness": (*_LAYER, "factor", "value_range", "seed", "data_format"),
        "RandomRotation": (*_LAYER, "factor", *_FILL),
        "RandomZoom": (*_LAYER, "height_factor", "width_factor", *_FILL),
        "RandomTranslation": (*_LAYER, "height_factor", "width_factor", *_FILL),
        "RandomCrop": (*_LAYER, "height", "width", "seed", "data_format"),
        "Resizing": (
            *_LAYER, "height", "width", "interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio",
            "fill_mode", "fill_value", "antialias", "data_format",
        ),
        **dict.fromkeys(("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"), _LAYER),
        "Concatenate": (*_LAYER, "axis"),
        "Reshape": (*_LAYER, "target_shape"),
        "Permute": (*_LAYER, "dims"),
        "InputLayer": (
            *_LAYER, "shape", "batch_size", "batch_shape", "sparse", "ragged", "input_tensor", "optional",
        ),
    }.items()
}  # fmt: skip
"""Every argument Keras (3.15) takes for each layer class the course steps through or counts: its
constructor's arguments and ``get_config()``'s keys (the tests compare them with Keras itself). A
spec with any other key is refused: Keras would refuse it too."""
_STRIDES_OR_DILATION = frozenset({"Conv1D", "Conv2D", "Conv2DTranspose"})
"""Keras refuses strides > 1 together with dilation_rate > 1 in these (not in the depthwise ones)."""


def _read_layer(layer) -> dict:
    """A spec whose type Keras knows and whose every key that type takes (:data:`KERAS_ARGUMENTS`)."""
    if (
        not isinstance(layer, dict)
        or not isinstance(layer.get("type"), str)
        or layer["type"] not in KERAS_ARGUMENTS
    ):
        kind = layer.get("type") if isinstance(layer, dict) else layer
        raise ValueError(
            f"layer must be a dict whose type is a Keras layer class the course knows "
            f"({', '.join(sorted(KERAS_ARGUMENTS))}), got type {describe(kind)}."
        )
    allowed = KERAS_ARGUMENTS[layer["type"]]
    unknown = sorted(set(layer) - allowed - {"type"}, key=str)
    if unknown:
        raise ValueError(
            f"{layer['type']} takes no argument {unknown[0]!r} in Keras; its arguments are "
            f"{', '.join(sorted(allowed))}."
        )
    return layer


_BAD_LAYERS = [{"type": "Conv9D"}, {"kernel_size": 3}, {"type": "Conv2D", "kernel_size": 3, "size": 3}]
LAYER = Satisfies(
    _read_layer,
    "a dict whose type is a Keras layer class the course knows, with the arguments Keras takes",
    valid=lambda: {"type": "Conv2D", "filters": 4, "kernel_size": 3},
    invalid=_BAD_LAYERS,
)
"""``layer``: one layer spec, ``{"type": <Keras class name>, <Keras arguments>}``."""


@validate_arguments(layer=LAYER)
def check_layer_arguments(layer) -> str:
    """Return a spec's type after checking that Keras knows the layer and takes every one of its keys.

    Examples
    --------
    >>> check_layer_arguments({"type": "Conv2D", "filters": 8, "kernel_size": 3, "groups": 2})
    'Conv2D'
    >>> check_layer_arguments({"type": "Conv2D", "kernel_size": 3, "size": 3})
    Traceback (most recent call last):
    ...
    ValueError: Conv2D takes no argument 'size' in Keras; its arguments are activation, ...
    """
    return layer["type"]


@validate_arguments(layer=LAYER)
def channels_first(layer) -> bool:
    """Whether a spec's ``data_format`` puts the channels first (Keras's default, None, puts them last).

    Examples
    --------
    >>> channels_first({"type": "Conv2D", "data_format": "channels_first"}), channels_first({"type": "Dense"})
    (True, False)
    """
    value = layer.get("data_format")
    if value is None:
        return False
    return check_option("data_format", value, ("channels_last", "channels_first")) == "channels_first"


@validate_arguments(layer=LAYER, in_channels=OrNone(Count()))
def conv_groups(layer, in_channels) -> int:
    """A convolution's ``groups``, after checking that it divides the input channels and the filters, as Keras requires.

    ``in_channels`` may be None (not known yet): then only the filters are checked.

    With ``groups=g`` Keras splits the input channels and the filters into ``g`` groups; each filter
    reads only the ``in_channels / g`` channels of its group.

    Examples
    --------
    >>> conv_groups({"type": "Conv2D", "filters": 4, "groups": 2}, 6)
    2
    >>> conv_groups({"type": "Conv2D", "filters": 4, "groups": 2}, 3)
    Traceback (most recent call last):
    ...
    ValueError: groups=2 must divide the input's 3 channels: each group of filters reads in_channels / groups of them (Keras refuses it otherwise).
    """
    groups = check_int("groups", layer.get("groups", 1))
    if in_channels is not None and in_channels % groups:
        raise ValueError(
            f"groups={groups} must divide the input's {in_channels} channels: each group of filters reads "
            "in_channels / groups of them (Keras refuses it otherwise)."
        )
    filters = layer.get("filters")
    if filters is not None and check_int("filters", filters) % groups:
        raise ValueError(f"groups={groups} must divide filters={filters}, as Keras requires.")
    return groups


@validate_arguments(layer=LAYER, rank=Count())
def normalized_axis(layer, rank: int) -> int:
    """The index, in a shape of ``rank`` axes without the batch axis, of the axis a ``BatchNormalization`` spec normalizes.

    Keras counts ``axis`` with the batch axis: ``-1`` (its default) is the last axis, ``1`` the first
    after the batch (the channels, with ``data_format='channels_first'``); ``0``, the batch axis
    itself, and axes beyond the input's are refused.

    Examples
    --------
    >>> normalized_axis({"type": "BatchNormalization"}, 3), normalized_axis({"type": "BatchNormalization", "axis": 1}, 3)
    (2, 0)
    """
    axis = check_int("axis", layer.get("axis", -1), minimum=-rank, maximum=rank)
    if axis == 0:
        raise ValueError(
            "axis=0 is the batch axis: BatchNormalization keeps one mean and variance per channel; give the "
            "channel axis (-1, or 1 when the channels come first)."
        )
    return axis - 1 if axis > 0 else rank + axis


def _required(layer, name):
    """A Keras argument the layer cannot do without (Keras has no default for it either)."""
    if name not in layer:
        raise ValueError(f"{layer['type']} needs a {name}: it has no default in Keras.")
    return layer[name]


def _spatial_input(kind, rank, shape):
    if len(shape) != rank + 1:
        wanted = "(length, channels)" if rank == 1 else "(height, width, channels)"
        raise ValueError(f"{kind} needs a {wanted} input, got {shape}.")


def _borders(kind, value):
    """ZeroPadding2D / Cropping2D amounts as ((top, bottom), (left, right)), in the forms Keras takes."""
    name = _BORDERS[kind][0]
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (tuple, list)) for v in value)
    ):
        pairs = tuple(tuple(check_int(name, n, minimum=0) for n in v) for v in value)
        if all(len(p) == 2 for p in pairs):
            return pairs
        raise ValueError(f"{name} must be an int, a pair or a pair of pairs, got {describe(value)}.")
    height, width = check_pair(name, value, minimum=0)
    return ((height, height), (width, width))


def _read_state(state) -> LayerState:
    if not isinstance(state, LayerState):
        raise ValueError(
            f"state must be a LayerState (from input_state or step_layer), got {describe(state)}."
        )
    return state


def _read_stepped_layer(layer) -> dict:
    if not isinstance(layer, dict) or layer.get("type") not in STEPPED_LAYERS:
        kind = layer.get("type") if isinstance(layer, dict) else layer
        raise ValueError(
            f"layer must be a dict whose type is one of {', '.join(sorted(STEPPED_LAYERS))}, "
            f"got type {describe(kind)}."
        )
    return _read_layer(layer)


@validate_arguments(
    state=Satisfies(
        _read_state,
        "a LayerState (from input_state or step_layer)",
        valid=lambda: input_state((8, 8, 2)),
        invalid=[(8, 8, 2), {"shape": (8, 8, 2)}],
    ),
    layer=Satisfies(
        _read_stepped_layer,
        "a dict whose type is a layer that changes shapes or receptive fields, with the arguments Keras takes",
        valid=lambda: {"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "same"},
        invalid=[*_BAD_LAYERS, {"type": "Add"}],
    ),
)
def step_layer(layer, state) -> LayerState:
    """Return the state after one more layer: the one step every shape and receptive field takes.

    Convolutions and pooling slide a window (:func:`conv_output_length`,
    :func:`pool_output_length`, :func:`receptive_field_step` along each spatial axis); global
    pooling sees the whole input; ``Flatten`` keeps what each value sees; ``Dense`` works on
    the last axis (on a vector it sees the whole input); layers such as ``BatchNormalization``
    or ``Dropout`` change nothing here.

    Parameters
    ----------
    layer : dict
        ``{"type": <Keras class name>, <Keras arguments>}``, e.g.
        ``{"type": "Conv2D", "filters": 32, "kernel_size": 3, "padding": "same"}``. Every key
        must be an argument Keras takes for that class (:data:`KERAS_ARGUMENTS`); those that
        do not change shapes (``use_bias``, ``activation``, ``name``, ...) are not read.
        ``data_format='channels_first'`` is followed (the channels are the first axis), and
        what Keras refuses is refused: strides > 1 with dilation_rate > 1 in a ``Conv2D``,
        ``groups`` that do not divide the channels, a ``BatchNormalization`` axis outside the
        input. Padding may also be an int P (zeros on each side), as in the course's formulas.
        Without ``filters`` a convolution's channel count is unknown (None).
    state : LayerState
        From :func:`input_state` or an earlier step.

    Returns
    -------
    LayerState

    Raises
    ------
    ValueError
        For an unknown layer type or argument, a bad argument, an input of the wrong rank, or
        an output that would be empty.

    Examples
    --------
    >>> state = input_state((28, 28, 1))
    >>> state = step_layer({"type": "Conv2D", "filters": 8, "kernel_size": 3}, state)
    >>> state
    LayerState(shape=(26, 26, 8), receptive_field=(3, 3), jump=(1, 1))
    >>> step_layer({"type": "MaxPooling2D", "pool_size": 2}, state)
    LayerState(shape=(13, 13, 8), receptive_field=(4, 4), jump=(2, 2))
    >>> step_layer({"type": "GlobalAveragePooling2D"}, state)
    LayerState(shape=(8,), receptive_field='whole input', jump=None)
    >>> step_layer({"type": "Conv2D", "filters": 4, "kernel_size": 3, "data_format": "channels_first"},
    ...            input_state((2, 9, 7)))
    LayerState(shape=(4, 7, 5), receptive_field=(3, 3), jump=(1, 1))
    """
    kind = layer["type"]
    if kind == "BatchNormalization":
        normalized_axis(layer, len(state.shape))
    if kind in POINTWISE_LAYERS or kind == "Dense" or not channels_first(layer):
        return _step(kind, layer, state)
    # channels first: step with the channels last, then put them back in front
    shape = state.shape
    moved = _step(kind, layer, LayerState((*shape[1:], shape[0]), state.receptive_field, state.jump))
    out = moved.shape
    return LayerState((out[-1], *out[:-1]) if len(out) > 1 else out, moved.receptive_field, moved.jump)


def _step(kind, layer, state) -> LayerState:
    """:func:`step_layer` on a checked spec, with the channels last."""
    shape = state.shape
    if kind in POINTWISE_LAYERS:
        return state
    if kind in _CONVOLUTIONS or kind in _POOLINGS:
        rank = _CONVOLUTIONS.get(kind) or _POOLINGS[kind]
        _spatial_input(kind, rank, shape)
        pool = kind in _POOLINGS
        if pool:
            sizes = _per_axis("pool_size", layer.get("pool_size", 2), rank)
        else:
            sizes = _per_axis("kernel_size", _required(layer, "kernel_size"), rank)
        strides = layer.get("strides", None if pool else 1)
        strides = sizes if pool and strides is None else _per_axis("strides", strides, rank)
        dilations = (1,) * rank if pool else _per_axis("dilation_rate", layer.get("dilation_rate", 1), rank)
        if kind in _STRIDES_OR_DILATION and max(strides) > 1 and max(dilations) > 1:
            raise ValueError(
                f"{kind} takes strides > 1 or dilation_rate > 1, not both: Keras refuses "
                f"strides={layer.get('strides')!r} with dilation_rate={layer.get('dilation_rate')!r}."
            )
        padding = check_padding(layer.get("padding", "valid"), allow_int=not pool)
        lengths, receptive_field, jump = _window_step(
            shape[:-1],
            state.receptive_field,
            state.jump,
            sizes=sizes,
            strides=strides,
            dilations=dilations,
            padding=padding,
            pool=pool,
        )
        channels = shape[-1]
        if kind == "DepthwiseConv2D":
            multiplier = check_int("depth_multiplier", layer.get("depth_multiplier", 1))
            channels = None if channels is None else channels * multiplier
        elif not pool:
            if kind in _STRIDES_OR_DILATION:
                conv_groups(layer, channels)
            channels = None if layer.get("filters") is None else check_int("filters", layer["filters"])
        return LayerState((*lengths, channels), receptive_field, jump)
    if kind in _GLOBAL_POOLINGS:
        rank = _GLOBAL_POOLINGS[kind]
        _spatial_input(kind, rank, shape)
        keep = check_bool("keepdims", layer.get("keepdims", False))
        whole = None if state.receptive_field is None else WHOLE_INPUT
        return LayerState((*(1,) * rank, shape[-1]) if keep else (shape[-1],), whole, None)
    if kind in _BORDERS:
        name, sign = _BORDERS[kind]
        _spatial_input(kind, 2, shape)
        amounts = _borders(kind, layer.get(name, 1))
        lengths = tuple(
            None if n is None else n + sign * sum(a) for n, a in zip(shape[:2], amounts, strict=True)
        )
        if any(n is not None and n < 1 for n in lengths):
            raise ValueError(f"{name}={layer.get(name, 1)!r} crops the whole {shape[:2]} input away.")
        return LayerState((*lengths, shape[-1]), state.receptive_field, state.jump)
    if kind == "Flatten":
        size = None if any(n is None for n in shape) else prod(shape)
        return LayerState((size,), state.receptive_field, state.jump)
    # Dense: on the last axis, as in Keras; on a vector every unit sees the whole input
    units = check_int("units", _required(layer, "units"))
    if len(shape) > 1:
        return LayerState((*shape[:-1], units), state.receptive_field, state.jump)
    return LayerState((units,), None if state.receptive_field is None else WHOLE_INPUT, None)


@dataclass(frozen=True)
class StackRow:
    """One row of :func:`trace_stack`: a layer and what comes out of it along one axis."""

    layer: str
    output_length: int
    receptive_field: int
    jump: int


MAX_TRACED_LAYERS = 10_000
"""The most layers :func:`trace_stack` traces (and rows :func:`format_trace` writes, the input's included)."""
ALIASES = {"conv": "Conv1D", "pool": "MaxPooling1D"}
"""The lessons' short layer names for :func:`trace_stack`, and the Keras layers they stand for."""
_CONV_KEYS = {"type", "kernel_size", "strides", "padding", "dilation_rate"}
_POOL_KEYS = {"type", "pool_size", "strides", "padding"}


def _describe(kind, size, strides, padding, dilation_rate=1):
    text = f"{kind} {size}"
    if strides != 1:
        text += f" s{strides}"
    text += f" {padding if isinstance(padding, str) else f'P={padding}'}"
    if dilation_rate != 1:
        text += f" d{dilation_rate}"
    return text


def _read_traced_layers(layers):
    if isinstance(layers, (str, bytes)) or not isinstance(layers, (list, tuple)):
        raise ValueError(f"layers must be a list of dicts, got {describe(layers)}.")
    if len(layers) > MAX_TRACED_LAYERS:
        raise ValueError(
            f"layers holds {len(layers):,} layers, more than the {MAX_TRACED_LAYERS:,} trace_stack traces."
        )
    return layers


@validate_arguments(
    input_length=Count(example=28),  # long enough for the valid layers
    layers=Satisfies(
        _read_traced_layers,
        "a list of dicts, each a 'conv' or a 'pool' layer",
        valid=lambda: [{"type": "conv", "kernel_size": 3}, {"type": "pool", "pool_size": 2}],
        invalid=[{"type": "conv", "kernel_size": 3}, [{"type": "conv"}], [{"type": "dense"}], [3]],
    ),
)
def trace_stack(input_length, layers) -> list[StackRow]:
    """Trace the length and the receptive field along one axis through a stack of layers.

    Parameters
    ----------
    input_length : int
        Length of the input along the axis.
    layers : list of dict
        Each dict is a conv layer ``{"type": "conv", "kernel_size": 3, "strides": 1,
        "padding": "same", "dilation_rate": 1}`` or a pooling layer
        ``{"type": "pool", "pool_size": 2, "strides": None, "padding": "valid"}``.
        Keys other than ``type`` and ``kernel_size`` / ``pool_size`` are optional and take
        the Keras defaults. ``'conv'`` and ``'pool'`` are the lessons' names for Keras's
        ``Conv1D`` and ``MaxPooling1D`` (``ALIASES``): each layer is one :func:`step_layer`.

    Returns
    -------
    list of StackRow
        The first row is the input itself (receptive field 1, jump 1), then one row per layer.

    Raises
    ------
    ValueError
        For an unknown layer type or key, a bad argument, or a layer whose output would be empty.

    Examples
    --------
    >>> rows = trace_stack(28, [{"type": "conv", "kernel_size": 3},
    ...                         {"type": "conv", "kernel_size": 3},
    ...                         {"type": "pool", "pool_size": 2}])
    >>> [(r.output_length, r.receptive_field, r.jump) for r in rows]
    [(28, 1, 1), (26, 3, 1), (24, 5, 1), (12, 6, 2)]
    >>> rows[1].layer
    'conv 3 valid'
    """
    state = input_state((input_length, None))
    rows = [StackRow("input", state.shape[0], 1, 1)]
    for number, layer in enumerate(layers):
        if (
            not isinstance(layer, dict)
            or not isinstance(layer.get("type"), str)
            or layer["type"] not in ALIASES
        ):
            raise ValueError(
                f"layers[{number}] must be a dict with type 'conv' or 'pool', got {describe(layer)}."
            )
        allowed = _CONV_KEYS if layer["type"] == "conv" else _POOL_KEYS
        unknown = sorted(set(layer) - allowed, key=str)
        if unknown:
            raise ValueError(
                f"layers[{number}] has unknown keys {unknown}; allowed keys are {sorted(allowed)}."
            )
        size_key = "kernel_size" if layer["type"] == "conv" else "pool_size"
        try:
            if size_key not in layer:
                raise ValueError(f"a {layer['type']} layer needs a {size_key}.")
            state = step_layer({**layer, "type": ALIASES[layer["type"]]}, state)
        except ValueError as error:
            raise ValueError(f"layers[{number}] ({describe(layer)}): {error}") from None
        (size,) = _per_axis(size_key, layer[size_key], 1)
        strides = layer.get("strides", 1 if layer["type"] == "conv" else None)
        (strides,) = (size,) if strides is None else _per_axis("strides", strides, 1)
        (dilation_rate,) = _per_axis("dilation_rate", layer.get("dilation_rate", 1), 1)
        padding = check_padding(layer.get("padding", "valid"))
        description = _describe(layer["type"], size, strides, padding, dilation_rate)
        rows.append(StackRow(description, state.shape[0], state.receptive_field[0], state.jump[0]))
    return rows


def _read_rows(rows):
    if not isinstance(rows, (list, tuple)) or not rows or not all(isinstance(row, StackRow) for row in rows):
        raise ValueError(f"rows must be the list of StackRow that trace_stack returns, got {describe(rows)}.")
    if len(rows) > MAX_TRACED_LAYERS + 1:
        raise ValueError(
            f"rows holds {len(rows):,} rows, more than the {MAX_TRACED_LAYERS + 1:,} trace_stack makes."
        )
    return rows


@validate_arguments(
    rows=Satisfies(
        _read_rows,
        "the list of StackRow that trace_stack returns",
        valid=lambda: trace_stack(8, [{"type": "pool", "pool_size": 2}]),
        invalid=[[], [("input", 8, 1, 1)], [{"layer": "input"}]],
    )
)
def format_trace(rows) -> str:
    """Return the rows of :func:`trace_stack` as a small text table.

    Examples
    --------
    >>> print(format_trace(trace_stack(8, [{"type": "pool", "pool_size": 2}])))
    layer            output  receptive field  jump
    input                 8                1     1
    pool 2 s2 valid       4                2     2
    """
    width = max(len("layer"), *(len(row.layer) for row in rows))
    lines = [f"{'layer':<{width}}  output  receptive field  jump"]
    for row in rows:
        lines.append(
            f"{row.layer:<{width}}  {row.output_length:>6}  {row.receptive_field:>15}  {row.jump:>4}"
        )
    return "\n".join(lines)


MAX_POOLING_STAGES = 10_000
"""The most stages :func:`pooling_schedule` lists."""


POOLING_STAGES = dict(
    input_length=Count(),
    min_length=Count(),
    padding=Padding(allow_int=False),
    pool_size=Count(),
    strides=OrNone(Count()),
)
"""The arguments of :func:`pooling_schedule` and :func:`max_pooling_stages`."""


@validate_arguments(**POOLING_STAGES)
def pooling_schedule(input_length, pool_size=2, strides=None, padding="valid", min_length=1) -> list[int]:
    """Return the lengths after each pooling stage, starting with the input length.

    Pooling is repeated while the output is at least ``min_length`` and still shrinks
    (with ``'same'`` padding a length of 1 stays 1 forever, which is not a new stage).

    Examples
    --------
    >>> pooling_schedule(28)
    [28, 14, 7, 3, 1]
    >>> pooling_schedule(28, padding="same")
    [28, 14, 7, 4, 2, 1]
    >>> pooling_schedule(256, min_length=8)
    [256, 128, 64, 32, 16, 8]
    """
    length = input_length
    strides = pool_size if strides is None else strides
    schedule = [length]
    while not (padding == "valid" and length < pool_size):
        new_length = pool_output_length(length, pool_size, strides, padding)
        if new_length < min_length or new_length >= length:
            break
        if len(schedule) > MAX_POOLING_STAGES:
            raise ValueError(
                f"pooling_schedule lists at most {MAX_POOLING_STAGES:,} stages, and pool_size={pool_size} "
                f"with strides={strides} removes only {length - new_length} positions per stage: "
                f"input_length={schedule[0]} needs more."
            )
        schedule.append(new_length)
        length = new_length
    return schedule


@validate_arguments(**POOLING_STAGES)
def max_pooling_stages(input_length, pool_size=2, strides=None, padding="valid", min_length=1) -> int:
    """Return how many pooling stages an input allows before it would drop below ``min_length``.

    Examples
    --------
    >>> max_pooling_stages(256, min_length=8)
    5
    >>> max_pooling_stages(28)
    4
    >>> max_pooling_stages(28, padding="same")
    5
    """
    return len(pooling_schedule(input_length, pool_size, strides, padding, min_length)) - 1
