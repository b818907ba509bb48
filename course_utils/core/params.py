"""Parameter, multiply-add and memory counts for CNN layers (pure Python).

Every function here is a formula you can check by hand. They use the Keras
argument names (``kernel_size``, ``filters``, ``units``, ``use_bias``, ...) and
agree with ``layer.count_params()`` of the matching Keras layer (the tests check
this on random configurations). None of them imports TensorFlow.

Conventions
-----------
* A *parameter* is one learned or stored number of the layer (weights, biases,
  BatchNorm statistics).
* A *MAC* is one multiply-add (multiply-accumulate): ``acc += w * x``. A layer's
  MACs count the multiplications by weights needed for **one** example; bias
  additions are not counted, as is usual.
* Memory is given in bytes for ``float32`` values (4 bytes each) unless
  ``bytes_per_value`` says otherwise.
"""

from __future__ import annotations

from math import prod

from course_utils.core._constraints import Count, Flag, Pair, Satisfies, validate_arguments
from course_utils.core._validation import check_bool, check_int, describe
from course_utils.core.arithmetic import (
    KERAS_ARGUMENTS,
    STEPPED_LAYERS,
    channels_first,
    check_layer_arguments,
    conv_groups,
    input_state,
    normalized_axis,
    step_layer,
)
from course_utils.core.formatting import LARGEST_RESULT, format_bytes

__all__ = [
    "FLOAT32_BYTES",
    "conv2d_params",
    "conv2d_transpose_params",
    "dense_params",
    "depthwise_conv2d_params",
    "separable_conv2d_params",
    "locally_connected2d_params",
    "batch_norm_params",
    "conv2d_macs",
    "conv2d_transpose_macs",
    "dense_macs",
    "depthwise_conv2d_macs",
    "separable_conv2d_macs",
    "weights_bytes",
    "activation_bytes",
    "format_bytes",
    "NO_MAC_LAYERS",
    "PARAMETER_LAYERS",
    "layer_macs",
    "layer_params",
]

FLOAT32_BYTES = 4
"""Bytes taken by one ``float32`` value."""


def _bias(use_bias, count):
    return count if use_bias else 0


CONV_COUNTS = dict(kernel_size=Pair(), in_channels=Count(), filters=Count(), use_bias=Flag())
"""The arguments of :func:`conv2d_params`, which the layers counted like a convolution share."""


@validate_arguments(**CONV_COUNTS)
def conv2d_params(kernel_size, in_channels, filters, use_bias=True):
    """Number of parameters of a ``keras.layers.Conv2D`` layer.

    Each of the ``filters`` filters has one weight per kernel position *and per
    input channel*, plus one bias:
    ``kernel_height * kernel_width * in_channels * filters + filters``.
    Strides, padding and dilation do not change the count.

    Parameters
    ----------
    kernel_size : int or (int, int)
        Kernel height and width; an int ``k`` means ``(k, k)``.
    in_channels : int
        Channels of the input (the last axis of the layer's input).
    filters : int
        Number of filters, i.e. output channels.
    use_bias : bool, default=True
        Whether each filter has a bias.

    Returns
    -------
    int

    Examples
    --------
    >>> conv2d_params(3, in_channels=32, filters=64)
    18496
    >>> conv2d_params((3, 3), in_channels=32, filters=64, use_bias=False)
    18432
    >>> conv2d_params(0, in_channels=3, filters=8)
    Traceback (most recent call last):
    ...
    ValueError: kernel_size must be an integer >= 1, got 0.
    """
    kh, kw = kernel_size
    return kh * kw * in_channels * filters + _bias(use_bias, filters)


@validate_arguments(**CONV_COUNTS)
def conv2d_transpose_params(kernel_size, in_channels, filters, use_bias=True):
    """Number of parameters of a ``keras.layers.Conv2DTranspose`` layer.

    A transposed convolution has the same weights as a convolution going the other
    way: ``kernel_height * kernel_width * in_channels * filters + filters``.

    Examples
    --------
    >>> conv2d_transpose_params(2, in_channels=64, filters=32)
    8224
    """
    return conv2d_params(kernel_size, in_channels, filters, use_bias)


@validate_arguments(in_features=Count(), units=Count(), use_bias=Flag())
def dense_params(in_features, units, use_bias=True):
    """Number of parameters of a ``keras.layers.Dense`` layer.

    Every one of the ``units`` neurons has one weight per input feature and one bias:
    ``in_features * units + units``.

    Parameters
    ----------
    in_features : int
        Size of the last axis of the input (after ``Flatten``, the product of
        height, width and channels).
    units : int
        Number of neurons.
    use_bias : bool, default=True

    Examples
    --------
    >>> dense_params(784, 512)
    401920
    >>> dense_params(7 * 7 * 64, 64)
    200768
    >>> dense_params(784, units=-1)
    Traceback (most recent call last):
    ...
    ValueError: units must be an integer >= 1, got -1.
    """
    return in_features * units + _bias(use_bias, units)


@validate_arguments(kernel_size=Pair(), in_channels=Count(), depth_multiplier=Count(), use_bias=Flag())
def depthwise_conv2d_params(kernel_size, in_channels, depth_multiplier=1, use_bias=True):
    """Number of parameters of a ``keras.layers.DepthwiseConv2D`` layer.

    Each input channel gets its own ``depth_multiplier`` kernels that look at that
    channel only: ``kernel_height * kernel_width * in_channels * depth_multiplier``
    weights, plus one bias per output channel (``in_channels * depth_multiplier``).

    Examples
    --------
    >>> depthwise_conv2d_params(3, in_channels=256, use_bias=False)
    2304
    >>> depthwise_conv2d_params(3, in_channels=256, depth_multiplier=2)
    5120
    """
    kh, kw = kernel_size
    out_channels = in_channels * depth_multiplier
    return kh * kw * out_channels + _bias(use_bias, out_channels)


@validate_arguments(
    kernel_size=Pair(), in_channels=Count(), filters=Count(), depth_multiplier=Count(), use_bias=Flag()
)
def separable_conv2d_params(kernel_size, in_channels, filters, depth_multiplier=1, use_bias=True):
    """Number of parameters of a ``keras.layers.SeparableConv2D`` layer.

    A depthwise step (one ``kernel_size`` kernel per input channel and per
    ``depth_multiplier``, no bias) followed by a pointwise 1x1 convolution from
    ``in_channels * depth_multiplier`` channels to ``filters``, with ``filters``
    biases.

    Examples
    --------
    >>> separable_conv2d_params(3, in_channels=256, filters=128, use_bias=False)
    35072
    >>> separable_conv2d_params(3, in_channels=256, filters=128)
    35200
    """
    kh, kw = kernel_size
    depthwise = kh * kw * in_channels * depth_multiplier
    pointwise = in_channels * depth_multiplier * filters
    return depthwise + pointwise + _bias(use_bias, filters)


@validate_arguments(output_size=Pair(), **CONV_COUNTS)
def locally_connected2d_params(output_size, kernel_size, in_channels, filters, use_bias=True):
    """Parameters of a *locally connected* layer: a convolution without weight sharing.

    Each output position has its own filters, so the count of a ``Conv2D`` is
    multiplied by the number of output positions (and there is one bias per output
    value). Keras 3 has no such layer; the formula shows what weight sharing saves.

    Parameters
    ----------
    output_size : int or (int, int)
        Output height and width.
    kernel_size, in_channels, filters, use_bias
        As in :func:`conv2d_params`.

    Examples
    --------
    >>> locally_connected2d_params(26, 3, in_channels=1, filters=32)
    216320
    >>> 26 * 26 * conv2d_params(3, in_channels=1, filters=32)
    216320
    """
    oh, ow = output_size
    return oh * ow * conv2d_params(kernel_size, in_channels, filters, use_bias)


@validate_arguments(channels=Count(), center=Flag(), scale=Flag())
def batch_norm_params(channels, center=True, scale=True):
    """Parameters of a ``keras.layers.BatchNormalization`` layer as ``(trainable, non_trainable)``.

    Each channel has 4 values: ``gamma`` (scale) and ``beta`` (offset) are learned
    by gradient descent; the moving mean and moving variance are updated during
    training from batch statistics but are *not* trainable. Keras counts all four
    in ``count_params()``.

    Parameters
    ----------
    channels : int
        Size of the normalized axis (the channels for a convolution's output).
    center : bool, default=True
        Whether the layer has ``beta``.
    scale : bool, default=True
        Whether the layer has ``gamma``.

    Returns
    -------
    (int, int)
        Trainable and non-trainable counts; their sum is the total.

    Examples
    --------
    >>> batch_norm_params(64)
    (128, 128)
    >>> sum(batch_norm_params(64))
    256
    >>> batch_norm_params(64, scale=False)
    (64, 128)
    """
    return (channels * (int(center) + int(scale)), 2 * channels)


@validate_arguments(output_size=Pair(), kernel_size=Pair(), in_channels=Count(), filters=Count())
def conv2d_macs(output_size, kernel_size, in_channels, filters):
    """Multiply-adds of a ``Conv2D`` layer for one example.

    Every output value (``output_height * output_width * filters`` of them) is a dot
    product of a kernel with ``kernel_height * kernel_width * in_channels`` inputs.

    Parameters
    ----------
    output_size : int or (int, int)
        Output height and width (use :func:`course_utils.core.arithmetic.conv_output_length`).
    kernel_size : int or (int, int)
    in_channels : int
    filters : int

    Examples
    --------
    The 1x1 bottleneck: a 32x32x256 input, 64 1x1 filters, then 128 3x3 filters.

    >>> conv2d_macs(32, 1, in_channels=256, filters=64) + conv2d_macs(32, 3, 64, 128)
    92274688
    >>> conv2d_macs(32, 3, in_channels=256, filters=128)
    301989888
    """
    oh, ow = output_size
    kh, kw = kernel_size
    return oh * ow * filters * kh * kw * in_channels


@validate_arguments(input_size=Pair(), kernel_size=Pair(), in_channels=Count(), filters=Count())
def conv2d_transpose_macs(input_size, kernel_size, in_channels, filters):
    """Multiply-adds of a ``Conv2DTranspose`` layer for one example.

    Every input value is multiplied by a whole ``kernel_height * kernel_width *
    filters`` kernel and added into the output:
    ``input_height * input_width * in_channels * kernel_height * kernel_width * filters``.

    Examples
    --------
    >>> conv2d_transpose_macs(7, 2, in_channels=64, filters=32)
    401408
    """
    ih, iw = input_size
    kh, kw = kernel_size
    return ih * iw * in_channels * kh * kw * filters


@validate_arguments(in_features=Count(), units=Count(), positions=Count())
def dense_macs(in_features, units, positions=1):
    """Multiply-adds of a ``Dense`` layer for one example: ``in_features * units``.

    Parameters
    ----------
    in_features : int
    units : int
    positions : int, default=1
        How many vectors the layer is applied to per example (Keras applies ``Dense``
        to the last axis, so a ``(10, 10, 16)`` input means 100 positions).

    Examples
    --------
    >>> dense_macs(784, 512)
    401408
    """
    return positions * in_features * units


@validate_arguments(output_size=Pair(), kernel_size=Pair(), in_channels=Count(), depth_multiplier=Count())
def depthwise_conv2d_macs(output_size, kernel_size, in_channels, depth_multiplier=1):
    """Multiply-adds of a ``DepthwiseConv2D`` layer for one example.

    Examples
    --------
    >>> depthwise_conv2d_macs(32, 3, in_channels=256)
    2359296
    """
    oh, ow = output_size
    kh, kw = kernel_size
    return oh * ow * in_channels * depth_multiplier * kh * kw


@validate_arguments(
    output_size=Pair(), kernel_size=Pair(), in_channels=Count(), filters=Count(), depth_multiplier=Count()
)
def separable_conv2d_macs(output_size, kernel_size, in_channels, filters, depth_multiplier=1):
    """Multiply-adds of a ``SeparableConv2D`` layer: depthwise step plus 1x1 pointwise step.

    Examples
    --------
    >>> separable_conv2d_macs(32, 3, in_channels=256, filters=128)
    35913728
    """
    oh, ow = output_size
    kh, kw = kernel_size
    depthwise = depthwise_conv2d_macs((oh, ow), (kh, kw), in_channels, depth_multiplier)
    return depthwise + oh * ow * in_channels * depth_multiplier * filters


@validate_arguments(params=Count(min=0, max=LARGEST_RESULT), bytes_per_value=Count())
def weights_bytes(params, bytes_per_value=FLOAT32_BYTES):
    """Bytes needed to store ``params`` values (``float32`` by default).

    Examples
    --------
    >>> weights_bytes(220234)
    880936
    >>> weights_bytes(-5)
    Traceback (most recent call last):
    ...
    ValueError: params must be an integer >= 0, got -5.
    """
    return params * bytes_per_value


def _read_output_shape(shape) -> list[int]:
    message = f"shape must be a tuple of integers >= 1 (without the batch axis), got {shape!r}."
    if not isinstance(shape, (tuple, list)):
        raise ValueError(message)
    try:
        return [check_int("shape", d) for d in shape]
    except ValueError:
        raise ValueError(message) from None


@validate_arguments(
    shape=Satisfies(
        _read_output_shape,
        "a tuple of integers >= 1 (without the batch axis)",
        valid=(28, 28, 8),
        invalid=[(28, None, 8), (0, 3), (2.0,), 3],
    ),
    batch_size=Count(),
    bytes_per_value=Count(),
)
def activation_bytes(shape, batch_size=1, bytes_per_value=FLOAT32_BYTES):
    """Bytes taken by one layer's output for a batch.

    Parameters
    ----------
    shape : tuple of int
        Shape of the output of one example, without the batch axis, e.g. ``(28, 28, 32)``.
    batch_size : int, default=1
    bytes_per_value : int, default=4 (float32)

    Examples
    --------
    >>> activation_bytes((28, 28, 32), batch_size=32)
    3211264
    >>> activation_bytes((28, None, 32))
    Traceback (most recent call last):
    ...
    ValueError: shape must be a tuple of integers >= 1 (without the batch axis), got (28, None, 32).
    """
    return batch_size * prod(shape) * bytes_per_value


NO_MAC_LAYERS = frozenset(
    {
        "InputLayer", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
        "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
        "Flatten", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "GaussianDropout", "GaussianNoise",
        "AlphaDropout", "Activation", "ReLU", "LeakyReLU", "Softmax", "ELU", "Add", "Subtract", "Multiply",
        "Average", "Maximum", "Minimum", "Concatenate", "Reshape", "Permute", "ZeroPadding2D", "Cropping2D",
        "Rescaling", "Identity", "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation",
        "RandomContrast", "RandomCrop", "RandomBrightness", "Resizing",
    }
)  # fmt: skip
"""Keras layers that do no multiply-add with weights (their MACs are 0)."""


def _layer_type(layer) -> str:
    if not isinstance(layer, dict) or not isinstance(layer.get("type"), str):
        raise ValueError(f"layer must be a dict with a Keras class name as 'type', got {describe(layer)}.")
    return layer["type"]


def _required(layer, name):
    if name not in layer:
        raise ValueError(f"{layer['type']} needs a {name}: it has no default in Keras.")
    return layer[name]


def _shape(name, shape):
    if isinstance(shape, (str, bytes)) or not isinstance(shape, (tuple, list)) or not shape:
        raise ValueError(
            f"{name} must be a shape without the batch axis, such as (28, 28, 1), got {describe(shape)}."
        )
    return tuple(check_int(name, n) for n in shape)


_BAD_SHAPES = [(), (0, 3), (2.0,), 3, "28x28"]


def _layer_shape(name: str) -> Satisfies:
    """A shape without the batch axis, of sizes >= 1 (:func:`_shape`, which names the argument)."""
    return Satisfies(
        lambda shape: _shape(name, shape),
        "a shape without the batch axis, such as (28, 28, 1)",
        valid=(8, 8, 1),
        invalid=_BAD_SHAPES,
    )


def _shape_or_unknown(name: str) -> Satisfies:
    """A shape without the batch axis, or None when one of its sizes is None (not known)."""

    def read(shape):
        if isinstance(shape, (tuple, list)) and any(n is None for n in shape):
            _shape(name, [n for n in shape if n is not None] or [1])  # the known sizes are still checked
            return None
        return _shape(name, shape)

    return Satisfies(
        read,
        "a shape without the batch axis (None for a size not known)",
        valid=(8, 8, 1),
        invalid=_BAD_SHAPES,
    )


PARAMETER_LAYERS = ("Conv1D", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Dense", "BatchNormalization")
"""The Keras layers with weights that :func:`layer_params` counts (the others in ``NO_MAC_LAYERS`` have none)."""


def _channels_last(layer, shape):
    """A spec's input or output shape with the channels last, whatever its ``data_format``."""
    if "data_format" in KERAS_ARGUMENTS[layer["type"]] and channels_first(layer) and len(shape) > 1:
        return (*shape[1:], shape[0])
    return tuple(shape)


def _weights(kind, layer, shape):
    """``(trainable, non_trainable)`` of a trainable layer with weights, on a channels-last input ``shape``."""
    use_bias = layer.get("use_bias", True)
    channels = shape[-1]
    if kind in ("Conv1D", "Conv2D"):
        groups = conv_groups(layer, channels)
        kernel, filters = _required(layer, "kernel_size"), _required(layer, "filters")
        if kind == "Conv1D":  # a (kernel_size x 1) window
            kernel = (check_int("kernel_size", kernel[0] if isinstance(kernel, (tuple, list)) else kernel), 1)
        return (conv2d_params(kernel, channels // groups, filters, use_bias=use_bias), 0)
    if kind == "DepthwiseConv2D":
        multiplier = layer.get("depth_multiplier", 1)
        kernel = _required(layer, "kernel_size")
        return (depthwise_conv2d_params(kernel, channels, depth_multiplier=multiplier, use_bias=use_bias), 0)
    if kind == "SeparableConv2D":
        multiplier = layer.get("depth_multiplier", 1)
        kernel, filters = _required(layer, "kernel_size"), _required(layer, "filters")
        count = separable_conv2d_params(
            kernel, channels, filters, depth_multiplier=multiplier, use_bias=use_bias
        )
        return (count, 0)
    if kind == "Dense":
        if layer.get("quantization_config") is not None:
            raise ValueError(
                f"quantization_config={describe(layer['quantization_config'])}: a quantized Dense layer stores "
                "other weights, which the course does not count; leave it None."
            )
        total = dense_params(channels, _required(layer, "units"), use_bias=use_bias)
        rank = layer.get("lora_rank")
        rank = 0 if rank is None else check_int("lora_rank", rank, minimum=0)
        if not rank:
            return (total, 0)
        # LoRA freezes the kernel and trains two thin matrices: (in_features, rank) and (rank, units)
        kernel = channels * layer["units"]
        return (total - kernel + rank * (channels + layer["units"]), kernel)
    # BatchNormalization: 4 values per channel of its axis; renorm keeps 3 more statistics
    channels = shape[normalized_axis(layer, len(shape))]
    trainable, non_trainable = batch_norm_params(
        channels, center=layer.get("center", True), scale=layer.get("scale", True)
    )
    if check_bool("renorm", layer.get("renorm", False)):
        non_trainable += 3 * channels
    return (trainable, non_trainable)


def _read_parameter_layer(layer) -> dict:
    kind = _layer_type(layer)
    if kind not in PARAMETER_LAYERS and kind not in NO_MAC_LAYERS:
        raise ValueError(
            f"layer type {kind!r} has no parameter formula here; give one of {', '.join(PARAMETER_LAYERS)} "
            "or a layer without weights."
        )
    check_layer_arguments(layer)
    return layer


def _read_counted_layer(layer) -> dict:
    if _layer_type(layer) in KERAS_ARGUMENTS:
        check_layer_arguments(layer)
    return layer


_BAD_LAYERS = [{"kernel_size": 3}, {"type": 3}, {"type": "Conv2D", "kernel_size": 3, "size": 3}]


@validate_arguments(
    layer=Satisfies(
        _read_parameter_layer,
        "a dict with a Keras class name as 'type' and the arguments Keras takes",
        valid=lambda: {"type": "Dense", "units": 4, "use_bias": False},
        invalid=[*_BAD_LAYERS, {"type": "LSTM", "units": 4}],
    ),
    input_shape=_layer_shape("input_shape"),
)
def layer_params(layer, input_shape) -> tuple[int, int]:
    """``(trainable, non_trainable)`` parameters of a layer spec on an input of ``input_shape``.

    ``layer`` is a dict with a Keras class name as ``type`` and Keras arguments, as
    :func:`course_utils.core.arithmetic.step_layer` reads it; ``input_shape`` has no batch axis.
    Layers without weights (pooling, ``Flatten``, ``Dropout``, ...) have none. Every key must be
    an argument Keras takes (:data:`course_utils.core.arithmetic.KERAS_ARGUMENTS`), and those that
    change the count are followed as Keras follows them: ``groups`` (each filter reads
    ``in_channels / groups`` channels), ``data_format='channels_first'`` (the channels are the
    first axis), a ``BatchNormalization``'s ``axis`` and ``renorm``, a ``Dense`` layer's
    ``lora_rank``, and ``trainable=False`` (every parameter becomes non-trainable).

    Examples
    --------
    >>> layer_params({"type": "Conv2D", "filters": 32, "kernel_size": 3}, (28, 28, 1))
    (320, 0)
    >>> layer_params({"type": "Conv2D", "filters": 4, "kernel_size": 3, "groups": 2}, (6, 6, 4))
    (76, 0)
    >>> layer_params({"type": "BatchNormalization"}, (14, 14, 64))
    (128, 128)
    >>> layer_params({"type": "BatchNormalization", "axis": 1}, (5, 14, 64))
    (10, 10)
    >>> layer_params({"type": "MaxPooling2D"}, (28, 28, 32))
    (0, 0)
    """
    kind, shape = layer["type"], input_shape
    if kind in STEPPED_LAYERS:  # what Keras would refuse to build (rank, strides with dilation, groups, axis)
        step_layer(layer, input_state(shape))
    trainable = check_bool("trainable", layer.get("trainable", True))
    if kind in NO_MAC_LAYERS:
        return (0, 0)
    counts = _weights(kind, layer, _channels_last(layer, shape))
    return counts if trainable else (0, sum(counts))


@validate_arguments(
    layer=Satisfies(
        _read_counted_layer,
        "a dict with a class name as 'type' (with the arguments Keras takes, for a Keras layer)",
        valid=lambda: {"type": "Conv2D", "filters": 4, "kernel_size": 3},
        invalid=_BAD_LAYERS,
    ),
    input_shape=_shape_or_unknown("input_shape"),
    output_shape=_shape_or_unknown("output_shape"),
)
def layer_macs(layer, input_shape, output_shape) -> int | None:
    """Multiply-adds of one layer spec for one example, or None when no formula is known.

    The shapes have no batch axis; a None size anywhere makes the count unknown (None).
    ``BatchNormalization`` counts one per value (at inference it folds into a scale and a
    shift); layers without weights count 0.

    Examples
    --------
    >>> layer_macs({"type": "Conv2D", "filters": 32, "kernel_size": 3}, (28, 28, 1), (26, 26, 32))
    194688
    >>> layer_macs({"type": "Dense", "units": 10}, (64,), (10,))
    640
    >>> layer_macs({"type": "LSTM", "units": 4}, (7, 3), (4,)) is None
    True
    """
    kind = layer["type"]
    if kind in NO_MAC_LAYERS:
        return 0
    shapes = [input_shape, output_shape]
    if None in shapes:
        return None
    inputs, outputs = (
        (_channels_last(layer, shape) for shape in shapes) if kind in KERAS_ARGUMENTS else shapes
    )
    if kind == "Conv1D" and len(outputs) == 2:
        groups = conv_groups(layer, inputs[-1])
        kernel = _required(layer, "kernel_size")
        kernel = kernel[0] if isinstance(kernel, (tuple, list)) else kernel
        return conv2d_macs((outputs[0], 1), (kernel, 1), inputs[-1] // groups, _required(layer, "filters"))
    if kind == "Conv2D" and len(outputs) == 3:
        groups = conv_groups(layer, inputs[-1])
        return conv2d_macs(
            outputs[:2], _required(layer, "kernel_size"), inputs[-1] // groups, _required(layer, "filters")
        )
    if kind == "DepthwiseConv2D" and len(outputs) == 3:
        return depthwise_conv2d_macs(
            outputs[:2],
            _required(layer, "kernel_size"),
            inputs[-1],
            depth_multiplier=layer.get("depth_multiplier", 1),
        )
    if kind == "SeparableConv2D" and len(outputs) == 3:
        return separable_conv2d_macs(
            outputs[:2],
            _required(layer, "kernel_size"),
            inputs[-1],
            _required(layer, "filters"),
            depth_multiplier=layer.get("depth_multiplier", 1),
        )
    if kind == "Conv2DTranspose" and len(inputs) == 3:
        return conv2d_transpose_macs(
            inputs[:2], _required(layer, "kernel_size"), inputs[-1], _required(layer, "filters")
        )
    if kind == "Dense":
        return dense_macs(
            inputs[-1], _required(layer, "units"), positions=prod(inputs[:-1]) if len(inputs) > 1 else 1
        )
    if kind == "BatchNormalization":
        return prod(outputs)
    return None
