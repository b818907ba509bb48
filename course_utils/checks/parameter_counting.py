"""Checkers for the exercises of lesson 04, parameter counting, compute and memory.

The exercise data live here (upper-case constants) so that the exercise notebook and
its checkers use the same numbers. Every checker computes the right answer, and the
wrong answer each misconception gives, with :mod:`course_utils.core.params` and
:func:`layer_table`, the helpers the lesson teaches. Counts are integers, so an answer
must match to the last digit: ``8.65075e6`` is not ``8650752``.

Examples
--------
>>> check_conv_params(...)
Unfinished: replace the `...` in the Conv2D parameter count with your answer, then run the cell again.
>>> bool(check_batch_norm_trainable(96))
True
"""

from __future__ import annotations

from fractions import Fraction

from course_utils.checks.framework import Feedback, check_design, check_function, check_number, checker
from course_utils.core import params as p
from course_utils.core.arithmetic import conv2d_output_shape
from course_utils.engines.architectures import basic_block, block_table, params_by_type, vgg_layers
from course_utils.engines.layer_specs import layer_table

__all__ = [
    "ACTIVATION_LAYER",
    "BATCH_NORM_INPUT",
    "BOTTLENECK",
    "CONV_LAYER",
    "DESIGN",
    "DENSE_LAYER",
    "EXERCISE_CNN",
    "EXERCISE_INPUT",
    "HEAD",
    "RESIDUAL_BLOCK",
    "RESIDUAL_INPUT",
    "SEPARABLE_LAYER",
    "VGG_BLOCKS",
    "VGG_CLASSES",
    "VGG_DENSE_UNITS",
    "VGG_INPUT",
    "check_activation_memory",
    "check_batch_norm_total",
    "check_batch_norm_trainable",
    "check_bottleneck_macs",
    "check_conv_params",
    "check_dense_params",
    "check_design_budget",
    "check_frozen_trainable",
    "check_gap_head_params",
    "check_model_total",
    "check_my_conv2d_params",
    "check_residual_block_params",
    "check_separable_params",
    "check_vgg_dense_share",
    "conv2d_params_cases",
]

#: Exercise 1: one convolution layer in the middle of a network.
CONV_LAYER = {"input_shape": (12, 12, 24), "filters": 48, "kernel_size": 5, "padding": "same"}
#: Exercise 2: the first Dense layer after Flatten.
DENSE_LAYER = {"input_shape": (6, 6, 48), "units": 32}
#: Exercises 3 and 6: a small CNN for 32x32 RGB images, as layer specs.
EXERCISE_INPUT = (32, 32, 3)
EXERCISE_CNN = (
    {"type": "Conv2D", "filters": 16, "kernel_size": 3, "padding": "same"},
    {"type": "MaxPooling2D", "pool_size": 2},
    {"type": "Conv2D", "filters": 32, "kernel_size": 3, "padding": "same"},
    {"type": "MaxPooling2D", "pool_size": 2},
    {"type": "Flatten"},
    {"type": "Dense", "units": 32},
    {"type": "Dense", "units": 10},
)
#: Exercises 4 and 5: BatchNormalization after a convolution with 48 filters.
BATCH_NORM_INPUT = (24, 24, 48)
#: Exercise 7: a classifier head on a 6x6x128 feature map, with global average pooling.
HEAD = {"input_shape": (6, 6, 128), "units": 5}
#: Exercise 8: a depthwise separable layer without biases.
SEPARABLE_LAYER = {"in_channels": 96, "filters": 160, "kernel_size": 3, "use_bias": False}
#: Exercise 9: a 1x1 bottleneck before a 3x3 convolution ('same' padding keeps 16x16).
BOTTLENECK = {"input_shape": (16, 16, 192), "reduce_to": 32, "filters": 96, "kernel_size": 3}
#: Exercise 10: the output of a first convolution for one training batch.
ACTIVATION_LAYER = {
    "input_shape": (32, 32, 3),
    "filters": 16,
    "kernel_size": 3,
    "padding": "same",
    "batch_size": 32,
}

#: Exercise 12: a model for 100x100 RGB images and 2 classes, under a parameter budget.
DESIGN = {"input_shape": (100, 100, 3), "classes": 2, "max_params": 60_000, "min_receptive_field": 30}

#: Exercise 13: a small VGG-style network for 64x64 RGB images and 10 classes: three blocks of
#: two 3x3 'same' convolutions, each block ending in 2x2 max pooling, then Flatten, Dense(256), Dense(10).
VGG_INPUT = (64, 64, 3)
VGG_BLOCKS = ((32, 2), (64, 2), (128, 2))
VGG_DENSE_UNITS = (256,)
VGG_CLASSES = 10

#: Exercise 14: a ResNet-18 basic block that halves the size and doubles the channels: main path
#: Conv2D(128, 3, strides=2) BN Conv2D(128, 3) BN, shortcut Conv2D(128, 1, strides=2) BN, then Add;
#: no convolution has a bias (use_bias=False), as in ResNet-18.
RESIDUAL_INPUT = (32, 32, 64)
RESIDUAL_BLOCK = basic_block(128, strides=2, projection=True, use_bias=False)

_BIAS_PER_WEIGHT = (
    "You added a bias of 1 for every weight. A bias is a learned value, one per filter (or per "
    "Dense unit), not a constant 1 attached to each weight."
)


def _conv_out(input_shape, kernel_size, padding, filters):
    return (*conv2d_output_shape(input_shape[:2], kernel_size, padding=padding), filters)


# ---------------------------------------------------------------------------
# Exercise 1
# ---------------------------------------------------------------------------
@checker
def check_conv_params(answer) -> Feedback:
    """Exercise 1: parameters of :data:`CONV_LAYER`.

    Examples
    --------
    >>> check_conv_params(p.conv2d_params(5, 24, 48, use_bias=False)).status
    'wrong'
    """
    _, _, c = CONV_LAYER["input_shape"]
    k, f = CONV_LAYER["kernel_size"], CONV_LAYER["filters"]
    out_h, out_w, _ = _conv_out(CONV_LAYER["input_shape"], k, CONV_LAYER["padding"], f)
    weights = p.conv2d_params(k, c, f, use_bias=False)
    expected = p.conv2d_params(k, c, f)
    misconceptions = [
        (weights, "You forgot the biases: each filter has one learned bias, so add one per filter."),
        (weights + 1, "You added a single bias of 1. The bias is learned, and there is one per filter."),
        (2 * weights, _BIAS_PER_WEIGHT),
        (
            p.conv2d_params(k, 1, f),
            "You forgot the input channels: each filter is kernel_h x kernel_w x in_channels, "
            "because it looks at every channel of its input.",
        ),
        (
            p.conv2d_params(k, 1, f, use_bias=False),
            "You forgot the input channels and the biases: a filter has one weight per kernel "
            "position per input channel, plus its bias.",
        ),
        (
            p.conv2d_params(k, out_h, f),
            "You multiplied by the output size (height) instead of the input channels. Height "
            "and width do not change a convolution's parameter count; the input channels do.",
        ),
        (
            p.conv2d_params(k, out_h * out_w, f),
            "You multiplied by the number of output positions instead of the input channels. "
            "Height and width never enter the count; the input channels do.",
        ),
        (
            out_h * out_w * expected,
            "You counted the weights once per output position. A convolution shares its weights: "
            "the same filter slides over every position.",
        ),
        (
            p.conv2d_params(k, c, c),
            "You used the input channels as the number of filters. The layer has as many filters "
            "(and output channels) as its `filters` argument.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="the Conv2D parameter count",
        misconceptions=misconceptions,
        hint="Each filter has kernel_h x kernel_w x in_channels weights and one bias; the input's "
        "height and width do not matter.",
    )


# ---------------------------------------------------------------------------
# Exercise 2
# ---------------------------------------------------------------------------
@checker
def check_dense_params(answer) -> Feedback:
    """Exercise 2: parameters of a ``Dense`` layer after ``Flatten`` of :data:`DENSE_LAYER`'s input.

    Examples
    --------
    >>> check_dense_params("55328").status
    'invalid'
    """
    h, w, c = DENSE_LAYER["input_shape"]
    units = DENSE_LAYER["units"]
    features = h * w * c
    expected = p.dense_params(features, units)
    misconceptions = [
        (
            p.dense_params(features, units, use_bias=False),
            "You forgot the biases: every neuron has one bias.",
        ),
        (2 * p.dense_params(features, units, use_bias=False), _BIAS_PER_WEIGHT),
        (
            p.dense_params(c, units),
            "You used the channels as the input size. Flatten turns height x width x channels "
            "values into one vector, and a Dense neuron has one weight per value.",
        ),
        (
            p.dense_params(h * w, units),
            "You used height x width as the input size, forgetting the channels: Flatten keeps "
            "every value of every channel.",
        ),
        (
            p.dense_params(features, units) + features,
            "You gave Flatten parameters. Flatten only reshapes; it has no weights.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="the Dense parameter count",
        misconceptions=misconceptions,
        hint="Flatten gives height x width x channels inputs; each unit has one weight per input "
        "and one bias.",
    )


# ---------------------------------------------------------------------------
# Exercises 3 and 6
# ---------------------------------------------------------------------------
def _table(layers=EXERCISE_CNN, input_shape=EXERCISE_INPUT):
    return layer_table(input_shape, list(layers))


@checker
def check_model_total(answer) -> Feedback:
    """Exercise 3: the total parameter count of :data:`EXERCISE_CNN`.

    Examples
    --------
    >>> check_model_total(_table().total_params).status
    'correct'
    """
    table = _table()
    expected = table.total_params
    rows = table.rows[1:]
    shapes = [row.output_shape for row in rows]
    weights = sum(row.params for row in rows) - sum(
        spec.get("filters", spec.get("units", 0)) for spec in EXERCISE_CNN
    )
    pool_channels = [shape[-1] for row, shape in zip(rows, shapes, strict=True) if row.type == "MaxPooling2D"]
    pool_size = next(spec["pool_size"] for spec in EXERCISE_CNN if spec["type"] == "MaxPooling2D")
    pool_as_conv = sum(p.conv2d_params(pool_size, ch, 1, use_bias=False) for ch in pool_channels)
    flatten_features = next(
        shape[-1] for row, shape in zip(rows, shapes, strict=True) if row.type == "Flatten"
    )
    convs = [(spec, row) for spec, row in zip(EXERCISE_CNN, rows, strict=True) if spec["type"] == "Conv2D"]
    (first_spec, first_row), (second_spec, second_row) = convs[:2]
    valid = [{**spec, "padding": "valid"} if "padding" in spec else spec for spec in EXERCISE_CNN]
    misconceptions = [
        (weights, "You forgot the biases: one per filter in each Conv2D, one per unit in each Dense."),
        (2 * weights, _BIAS_PER_WEIGHT),
        (
            expected + pool_as_conv,
            "You gave the pooling layers weights. Max pooling takes the largest value of each "
            "window; it has nothing to learn, so 0 parameters.",
        ),
        (
            expected + pool_as_conv + sum(pool_channels),
            "You gave the pooling layers weights and biases. Pooling has 0 parameters.",
        ),
        (
            expected + flatten_features,
            "You counted Flatten's outputs as parameters. Flatten only reshapes: 0 parameters.",
        ),
        (
            expected + flatten_features + pool_as_conv,
            "You gave pooling and Flatten parameters; neither has any weights.",
        ),
        (
            expected
            - second_row.trainable
            + p.conv2d_params(second_spec["kernel_size"], EXERCISE_INPUT[2], second_spec["filters"]),
            "You took the image's channels as the input of the second convolution. Its filters "
            "read the first layer's output, so they are kernel x kernel x (filters of the first "
            "layer).",
        ),
        (
            expected
            - first_row.trainable
            + p.conv2d_params(first_spec["kernel_size"], 1, first_spec["filters"]),
            "You treated the input as one channel. The images are RGB: each filter of the first "
            "convolution spans all 3 colour channels.",
        ),
        (
            _table(valid).total_params,
            "You used 'valid' padding, but the convolutions of this model use 'same': they keep "
            "the height and width, so Flatten gets more values and the first Dense layer more weights.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="the model's total parameter count",
        misconceptions=misconceptions,
        hint="Count layer by layer: trace the shapes first (the Dense layer after Flatten depends "
        "on them), then add each layer's weights and biases; pooling and Flatten have none.",
    )


# ---------------------------------------------------------------------------
# Exercises 4 and 5
# ---------------------------------------------------------------------------
def _batch_norm_misconceptions(trainable):
    h, w, c = BATCH_NORM_INPUT
    return [
        (
            h * w * trainable,
            "You counted the parameters once per position. BatchNormalization has its values "
            "per channel, shared by every position of that channel.",
        ),
        (
            c,
            "You counted one value per channel. There are two learned values per channel "
            "(gamma, a scale, and beta, an offset) and two statistics (moving mean, moving "
            "variance).",
        ),
        (2, "You counted gamma and beta once for the whole layer. They exist for every channel."),
        (4, "You counted the four values once for the whole layer. They exist for every channel."),
    ]


@checker
def check_batch_norm_trainable(answer) -> Feedback:
    """Exercise 4: trainable parameters of BatchNormalization on :data:`BATCH_NORM_INPUT`.

    Examples
    --------
    >>> check_batch_norm_trainable(sum(p.batch_norm_params(BATCH_NORM_INPUT[2]))).status
    'wrong'
    """
    trainable, non_trainable = p.batch_norm_params(BATCH_NORM_INPUT[2])
    misconceptions = [
        (
            trainable + non_trainable,
            "That is the total. The moving mean and moving variance are updated from batch "
            "statistics, not by gradient descent: they are non-trainable. Count only gamma and beta.",
        ),
        *_batch_norm_misconceptions(trainable),
    ]
    return check_number(
        answer,
        trainable,
        name="the trainable BatchNorm parameters",
        misconceptions=misconceptions,
        hint="Only gamma (scale) and beta (offset) are trained, one of each per channel.",
    )


@checker
def check_batch_norm_total(answer) -> Feedback:
    """Exercise 5: all parameters of BatchNormalization, as ``count_params()`` reports them.

    Examples
    --------
    >>> check_batch_norm_total(p.batch_norm_params(BATCH_NORM_INPUT[2])[0]).status
    'wrong'
    """
    trainable, non_trainable = p.batch_norm_params(BATCH_NORM_INPUT[2])
    misconceptions = [
        (
            trainable,
            "That is only the trainable part (gamma and beta). count_params() also counts the "
            "moving mean and moving variance, which are stored in the layer.",
        ),
        *_batch_norm_misconceptions(trainable),
    ]
    return check_number(
        answer,
        trainable + non_trainable,
        name="the BatchNorm parameter count",
        misconceptions=misconceptions,
        hint="Four values per channel are stored: gamma, beta, the moving mean and the moving variance.",
    )


@checker
def check_frozen_trainable(answer) -> Feedback:
    """Exercise 6: trainable parameters of :data:`EXERCISE_CNN` with both Conv2D layers frozen.

    Examples
    --------
    >>> check_frozen_trainable(_table().total_params).status
    'wrong'
    """
    rows = _table().rows[1:]
    conv = sum(row.params for row in rows if row.type == "Conv2D")
    dense = sum(row.params for row in rows if row.type == "Dense")
    misconceptions = [
        (
            conv + dense,
            "That is the total. Frozen layers (trainable=False) keep their weights, but "
            "their weights become non-trainable: subtract them.",
        ),
        (
            conv,
            "That is the frozen part. Trainable parameters are the ones still updated by "
            "training: the layers that are not frozen.",
        ),
        (0, "Only the convolutions are frozen; the Dense layers still train."),
    ]
    return check_number(
        answer,
        dense,
        name="the trainable parameter count",
        misconceptions=misconceptions,
        hint="Add the parameters of the layers that are not frozen: here, the Dense layers.",
    )


# ---------------------------------------------------------------------------
# Exercise 7
# ---------------------------------------------------------------------------
@checker
def check_gap_head_params(answer) -> Feedback:
    """Exercise 7: parameters of GlobalAveragePooling2D then Dense on :data:`HEAD`'s input.

    Examples
    --------
    >>> check_gap_head_params(p.dense_params(6 * 6 * 128, 5)).status
    'wrong'
    """
    h, w, c = HEAD["input_shape"]
    units = HEAD["units"]
    expected = p.dense_params(c, units)
    misconceptions = [
        (
            p.dense_params(h * w * c, units),
            "That is the count with Flatten. Global average pooling keeps one value per channel "
            "(the mean of each feature map), so the Dense layer gets only `channels` inputs.",
        ),
        (p.dense_params(c, units, use_bias=False), "You forgot the Dense layer's biases."),
        (
            p.dense_params(c, units) + c,
            "You gave global average pooling parameters. Averaging has nothing to learn.",
        ),
        (
            p.dense_params(h * w, units),
            "Global average pooling averages over height and width, keeping the channels: "
            "one value per channel.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="the head's parameter count",
        misconceptions=misconceptions,
        hint="Global average pooling has no weights and gives one value per channel; the Dense "
        "layer has one weight per input and unit, plus one bias per unit.",
    )


# ---------------------------------------------------------------------------
# Exercise 8
# ---------------------------------------------------------------------------
@checker
def check_separable_params(answer) -> Feedback:
    """Exercise 8: weights of a SeparableConv2D for :data:`SEPARABLE_LAYER` (no biases).

    Examples
    --------
    >>> check_separable_params(p.separable_conv2d_params(3, 96, 160, use_bias=False)).status
    'correct'
    """
    c, f, k = (SEPARABLE_LAYER[key] for key in ("in_channels", "filters", "kernel_size"))
    expected = p.separable_conv2d_params(k, c, f, use_bias=False)
    misconceptions = [
        (
            p.conv2d_params(k, c, f, use_bias=False),
            "That is a standard Conv2D. A separable layer first convolves each channel on its "
            "own (k x k weights per channel), then mixes channels with 1x1 filters.",
        ),
        (
            p.depthwise_conv2d_params(k, c, use_bias=False),
            "That is only the depthwise step. Add the pointwise 1x1 convolution that mixes the "
            "channels into `filters` outputs.",
        ),
        (
            p.conv2d_params(1, c, f, use_bias=False),
            "That is only the pointwise 1x1 step. Add the depthwise step: one k x k kernel per input channel.",
        ),
        (p.separable_conv2d_params(k, c, f), "This layer has use_bias=False: count the weights only."),
        (
            p.depthwise_conv2d_params(k, 1, use_bias=False) + p.conv2d_params(1, c, f, use_bias=False),
            "The depthwise step has one k x k kernel for every input channel, not one in all.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="the separable layer's weights",
        misconceptions=misconceptions,
        hint="Depthwise: one k x k kernel per input channel. Pointwise: a 1x1 convolution from the "
        "input channels to `filters`. Add the two.",
    )


# ---------------------------------------------------------------------------
# Exercise 9
# ---------------------------------------------------------------------------
@checker
def check_bottleneck_macs(answer) -> Feedback:
    """Exercise 9: multiply-adds of the 1x1 bottleneck followed by the 3x3 layer (:data:`BOTTLENECK`).

    Examples
    --------
    >>> check_bottleneck_macs(8.65075e6).status
    'wrong'
    """
    h, w, c = BOTTLENECK["input_shape"]
    r, f, k = BOTTLENECK["reduce_to"], BOTTLENECK["filters"], BOTTLENECK["kernel_size"]
    reduce_macs = p.conv2d_macs((h, w), 1, c, r)
    conv_macs = p.conv2d_macs((h, w), k, r, f)
    expected = reduce_macs + conv_macs
    misconceptions = [
        (
            p.conv2d_macs((h, w), k, c, f),
            "That is the 3x3 layer without the bottleneck. With it, the 3x3 filters see only "
            "the reduced channels, and you add the 1x1 layer's own multiply-adds.",
        ),
        (
            conv_macs,
            "You left out the 1x1 layer's own multiply-adds: it also computes every output value.",
        ),
        (
            reduce_macs + p.conv2d_macs((h, w), k, c, f),
            "The 3x3 layer now reads the 1x1 layer's output, so its input channels are the "
            "reduced count, not the original one.",
        ),
        (
            p.conv2d_params(1, c, r, use_bias=False) + p.conv2d_params(k, r, f, use_bias=False),
            "You counted weights, not multiply-adds. Every weight is used once per output "
            "position: multiply by the output height and width.",
        ),
        (
            p.conv2d_params(1, c, r) + p.conv2d_params(k, r, f),
            "You counted parameters, not multiply-adds. Every weight is used once per output "
            "position: multiply by the output height and width.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="the bottleneck's multiply-adds",
        misconceptions=misconceptions,
        hint="A convolution does out_h x out_w x (kernel_h x kernel_w x in_channels x filters) "
        "multiply-adds; add the two layers, the second reading the first one's output.",
    )


# ---------------------------------------------------------------------------
# Exercise 10
# ---------------------------------------------------------------------------
@checker
def check_activation_memory(answer) -> Feedback:
    """Exercise 10: bytes of :data:`ACTIVATION_LAYER`'s float32 output for one batch.

    Examples
    --------
    >>> check_activation_memory(None).status
    'unfinished'
    """
    a = ACTIVATION_LAYER
    shape = _conv_out(a["input_shape"], a["kernel_size"], a["padding"], a["filters"])
    valid_shape = _conv_out(a["input_shape"], a["kernel_size"], "valid", a["filters"])
    batch = a["batch_size"]
    expected = p.activation_bytes(shape, batch)
    weights = p.conv2d_params(a["kernel_size"], a["input_shape"][2], a["filters"])
    misconceptions = [
        (
            p.activation_bytes(shape, batch, bytes_per_value=1),
            "You counted values, not bytes: a float32 value takes 4 bytes.",
        ),
        (
            p.activation_bytes(shape, 1),
            "That is one image. The layer keeps an output for every image of the batch.",
        ),
        (
            p.activation_bytes(shape, batch, bytes_per_value=8),
            "You used 8 bytes per value (float64). Keras computes in float32: 4 bytes.",
        ),
        (
            p.weights_bytes(weights),
            "That is the memory of the layer's weights. The activations are its outputs, one "
            "feature map per filter for each image.",
        ),
        (
            p.activation_bytes(a["input_shape"], batch),
            "That is the input batch. Count the layer's output: one map per filter.",
        ),
        (
            p.activation_bytes(valid_shape, batch),
            "You used 'valid' padding, but this layer uses 'same': its output keeps the input's "
            "height and width.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="the activation memory in bytes",
        misconceptions=misconceptions,
        hint="Multiply batch x out_h x out_w x filters values by 4 bytes per float32 value.",
    )


# ---------------------------------------------------------------------------
# Exercise 11
# ---------------------------------------------------------------------------
def conv2d_params_cases():
    """Test cases for exercise 11: ``(kernel_size, in_channels, filters[, use_bias])``.

    Examples
    --------
    >>> conv2d_params_cases()[2]
    ((1, 7), 16, 8)
    """
    return [
        (3, 32, 64),
        (5, 1, 6),
        ((1, 7), 16, 8),
        ((3, 2), 3, 5, True),
        (3, 32, 64, False),
        (1, 256, 64, False),
    ]


def _as_pair(kernel_size):
    return (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)


def _no_bias(k, c, f, use_bias=True):
    return p.conv2d_params(k, c, f, use_bias=False)


def _always_bias(k, c, f, use_bias=True):
    return p.conv2d_params(k, c, f, use_bias=True)


def _no_channels(k, c, f, use_bias=True):
    return p.conv2d_params(k, 1, f, use_bias)


def _bias_one(k, c, f, use_bias=True):
    return p.conv2d_params(k, c, f, use_bias=False) + (1 if use_bias else 0)


def _square_kernel(k, c, f, use_bias=True):
    return p.conv2d_params(_as_pair(k)[0], c, f, use_bias)


@checker(answer="function")
def check_my_conv2d_params(function) -> Feedback:
    """Exercise 11: a learner's ``conv2d_params(kernel_size, in_channels, filters, use_bias=True)``.

    Examples
    --------
    >>> check_my_conv2d_params(_no_bias).message
    'conv2d_params is not right yet. It forgets the biases: add one bias per filter when use_bias is True.'
    """
    misconceptions = [
        (_no_bias, "It forgets the biases: add one bias per filter when use_bias is True."),
        (_always_bias, "It adds the biases even when use_bias=False."),
        (_bias_one, "It adds a single bias of 1. There is one learned bias per filter."),
        (
            _no_channels,
            "It forgets the input channels: each filter has kernel_h x kernel_w x in_channels weights.",
        ),
        (
            _square_kernel,
            "It treats the kernel as square. kernel_size may be a (height, width) pair such as "
            "(1, 7): multiply both.",
        ),
    ]
    return check_function(
        function,
        p.conv2d_params,
        conv2d_params_cases(),
        name="conv2d_params",
        misconceptions=misconceptions,
        hint="Weights: kernel_h * kernel_w * in_channels * filters; then one bias per filter if use_bias.",
    )


# ---------------------------------------------------------------------------
# Exercise 12
# ---------------------------------------------------------------------------
def _receptive_field_size(text: str) -> int | None:
    """The smaller side of a layer table's receptive field ('18x18'), or None when it is not a size."""
    parts = text.split("x")
    if len(parts) == 2 and all(part.isdigit() for part in parts):
        return min(int(part) for part in parts)
    return None


def _evaluate_model(specs) -> dict:
    for number, spec in enumerate(specs, start=1):
        if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
            raise ValueError(
                f"layer {number} should be a dict with a 'type' such as 'Conv2D', but it is {spec!r}."
            )
    table = layer_table(DESIGN["input_shape"], list(specs))
    rows = table.rows[1:]
    # the last feature map: the last output that still has height and width (Dropout or
    # BatchNormalization after it keep it; Flatten or global pooling end it)
    maps = [row for row in table.rows if len(row.output_shape) == 4]
    last_map = maps[-1]
    biggest = max(rows, key=lambda row: row.params) if rows else table.rows[0]
    index = rows.index(biggest) if rows else -1
    types = [row.type for row in rows]
    last_dense = next((spec for spec in reversed(specs) if spec.get("type") == "Dense"), None)
    return {
        "total": table.total_params,
        "output": table.rows[-1].output_shape,
        "last_type": rows[-1].type if rows else None,
        "last_units": last_dense.get("units") if last_dense else None,
        "receptive_field": _receptive_field_size(last_map.receptive_field) or 1,
        "receptive_text": last_map.receptive_field,
        "biggest": f"{biggest.name} {biggest.type} with {biggest.params:,} parameters",
        "biggest_type": biggest.type,
        "biggest_after": types[index - 1] if index > 0 else None,
        "global_pooling": any(kind.startswith("Global") for kind in types),
        "flatten": "Flatten" in types,
        "downsamples": any(kind.endswith("Pooling2D") and not kind.startswith("Global") for kind in types)
        or any(spec.get("strides", 1) not in (1, (1, 1), [1, 1]) for spec in specs),
    }


def _output_problem(facts) -> str:
    """What is wrong with the output of a budget design, from its own last layers."""
    d = DESIGN
    if facts["last_type"] == "Dense" and len(facts["output"]) == 2:
        return (
            f"Its last Dense layer has {facts['last_units']} units: it needs {d['classes']}, one per class."
        )
    ends = "GlobalAveragePooling2D" if facts["global_pooling"] else "Flatten or GlobalAveragePooling2D"
    return (
        f"Its output has shape {facts['output']}: end with {ends}, then a Dense layer with {d['classes']} units, "
        "one per class."
    )


def _budget_advice(facts) -> str:
    """Where this design's parameters go, and what would cut them, from its own largest layer."""
    if facts["biggest_type"] == "Dense" and facts["biggest_after"] == "Flatten":
        advice = "a Dense layer after Flatten pays for every position of the map, so shrink the map first (pooling, strides)"
        return advice + ("" if facts["global_pooling"] else " or use global average pooling") + "."
    if facts["biggest_type"] == "Dense":
        return "give that Dense layer fewer units (each unit has a weight for every value it reads)."
    return "give that layer fewer filters (its weights grow with its input channels times its filters), or fewer channels before it."


def _view_advice(facts) -> str:
    """How this design could widen its view, from what it already has."""
    if facts["downsamples"]:
        return (
            "add convolutions after the pooling (or strided) layers, where each one widens the view the most."
        )
    return (
        "add pooling (or strides) with convolutions after it: after each halving, a 3x3 convolution widens "
        "the view twice as much."
    )


@checker
def check_design_budget(answer) -> Feedback:
    """Exercise 12: any model (layer specs) that meets :data:`DESIGN` is right.

    Any head is right once the output fits the classes (Flatten or global average pooling, with
    Dropout or more Dense layers between); the receptive field is read on the last feature map,
    the last output that still has a height and a width.

    Examples
    --------
    >>> check_design_budget([{"type": "Flatten"}, {"type": "Dense", "units": 2}]).status
    'wrong'
    """
    d = DESIGN
    requirements = [
        (
            lambda f: f["last_type"] == "Dense" and f["output"] == (None, d["classes"]),
            _output_problem,
        ),
        (
            lambda f: f["total"] <= d["max_params"],
            lambda f: (
                f"It has {f['total']:,} parameters, more than {d['max_params']:,}. Most of them are in "
                f"{f['biggest']}; {_budget_advice(f)}"
            ),
        ),
        (
            lambda f: f["receptive_field"] >= d["min_receptive_field"],
            lambda f: (
                f"The cells of its last feature map see {f['receptive_text']} input pixels, fewer than "
                f"{d['min_receptive_field']}x{d['min_receptive_field']}: {_view_advice(f)}"
            ),
        ),
    ]
    return check_design(
        answer,
        _evaluate_model,
        requirements,
        name="your model",
        form='a list of layer specs such as [{"type": "Conv2D", "filters": 16, "kernel_size": 3}, ...]',
        summary=lambda f: (
            f"{f['total']:,} parameters (the budget is {d['max_params']:,}), the cells of its "
            f"last feature map see {f['receptive_text']} input pixels, and the largest layer is {f['biggest']}."
        ),
    )


# ---------------------------------------------------------------------------
# Exercise 13
# ---------------------------------------------------------------------------
def _vgg(blocks=VGG_BLOCKS, **changes):
    specs = [
        dict(spec, **(changes if spec["type"] == "Conv2D" else {}))
        for spec in vgg_layers(blocks, VGG_DENSE_UNITS, VGG_CLASSES)
    ]
    return layer_table(VGG_INPUT, specs)


def _dense_share(table, first_only=False):
    dense = [row.params for row in table.rows if row.type == "Dense"]
    return Fraction(dense[0] if first_only else sum(dense), table.total_params)


@checker
def check_vgg_dense_share(answer) -> Feedback:
    """Exercise 13: the share of the VGG-style network's parameters held by its Dense layers.

    Examples
    --------
    >>> check_vgg_dense_share(100 * _dense_share(_vgg())).status
    'wrong'
    """
    table = _vgg()
    expected = _dense_share(table)
    by_type = params_by_type(table)
    no_bias = layer_table(
        VGG_INPUT,
        [
            {**spec, "use_bias": False} if spec["type"] in ("Conv2D", "Dense") else spec
            for spec in vgg_layers(VGG_BLOCKS, VGG_DENSE_UNITS, VGG_CLASSES)
        ],
    )
    unpooled_last = [dict(spec) for spec in vgg_layers(VGG_BLOCKS, VGG_DENSE_UNITS, VGG_CLASSES)]
    last_pool = max(index for index, spec in enumerate(unpooled_last) if spec["type"] == "MaxPooling2D")
    del unpooled_last[last_pool]
    misconceptions = [
        (
            100 * expected,
            "That is a percentage: give the share as a fraction between 0 and 1 (a half is 0.5).",
        ),
        (
            _dense_share(table, first_only=True),
            "That is the first Dense layer alone: the last Dense layer (the classes) is a Dense layer too.",
        ),
        (1 - expected, "That is the share of the convolutions: the question asks for the Dense layers'."),
        (
            Fraction(by_type["Dense"], by_type["Conv2D"]),
            "You divided by the convolutions' parameters: a share divides by all the parameters.",
        ),
        (
            _dense_share(layer_table(VGG_INPUT, unpooled_last)),
            f"You let Flatten read the map before the last pooling. Each of the {len(VGG_BLOCKS)} blocks "
            "ends in 2x2 pooling, so the map is halved that many times before Flatten.",
        ),
        (
            _dense_share(_vgg(padding="valid")),
            "You used 'valid' padding: these convolutions use 'same', which keeps the height and "
            "width, so only the poolings shrink the map.",
        ),
        (
            _dense_share(no_bias),
            "You counted the weights without the biases: each Conv2D filter and each Dense unit has one.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="the Dense layers' share",
        misconceptions=misconceptions,
        hint="Trace the shapes to Flatten (each pooling halves the size), count each layer's "
        "parameters, then divide the Dense layers' sum by the total.",
    )


# ---------------------------------------------------------------------------
# Exercise 14
# ---------------------------------------------------------------------------
def _block(main=None, shortcut=None):
    return block_table(
        RESIDUAL_INPUT,
        RESIDUAL_BLOCK["main"] if main is None else main,
        RESIDUAL_BLOCK["shortcut"] if shortcut is None else shortcut,
    )


@checker
def check_residual_block_params(answer) -> Feedback:
    """Exercise 14: the parameters of :data:`RESIDUAL_BLOCK` on :data:`RESIDUAL_INPUT`, BatchNorm included.

    Examples
    --------
    >>> check_residual_block_params(_block().total_params)
    Correct: the block's parameter count = 230912.
    """
    table = _block()
    expected = table.total_params
    main, shortcut = RESIDUAL_BLOCK["main"], RESIDUAL_BLOCK["shortcut"]
    rows = table.rows[1:-1]
    shortcut_params = sum(row.params for row in rows if row.name.startswith("shortcut"))
    norms = sum(row.params for row in rows if row.type == "BatchNormalization")
    channels = RESIDUAL_INPUT[2]
    first_conv = main[0]
    second_conv = main[2]
    misconceptions = [
        (
            expected - shortcut_params,
            "You left out the shortcut's 1x1 convolution and its BatchNorm. The main path halves the "
            "size and changes the channels, so the input cannot be added as it is: the shortcut "
            "projects it to the same shape, and those weights count too.",
        ),
        (
            _block(shortcut=[{**shortcut[0], "kernel_size": 3, "padding": "same"}, shortcut[1]]).total_params,
            "You gave the shortcut a 3x3 kernel: its projection is a 1x1 convolution (kernel_size=1), "
            "one weight per input channel per filter.",
        ),
        (
            expected
            - p.conv2d_params(3, first_conv["filters"], second_conv["filters"], use_bias=False)
            + p.conv2d_params(3, channels, second_conv["filters"], use_bias=False),
            f"The second convolution reads the first one's output ({first_conv['filters']} channels), "
            f"not the block's input ({channels}).",
        ),
        (
            block_table(
                RESIDUAL_INPUT, **basic_block(128, strides=2, projection=True, use_bias=True)
            ).total_params,
            "You counted biases: these convolutions have use_bias=False (the BatchNorm after each one "
            "has its own offset, beta, which makes a bias useless).",
        ),
        (
            table.trainable_params,
            "That is the trainable part. count_params() also counts each BatchNorm's moving mean and "
            "moving variance (2 values per channel, non-trainable).",
        ),
        (
            expected - norms,
            "You left out the BatchNormalization layers: each has 4 values per channel (gamma, beta, "
            "moving mean, moving variance).",
        ),
        (
            expected + table.rows[-1].output_shape[-1],
            "You gave the Add a parameter per channel. Adding two tensors has nothing to learn: 0 parameters.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="the block's parameter count",
        misconceptions=misconceptions,
        hint="Add the two paths: each Conv2D has kernel_h x kernel_w x in_channels x filters weights "
        "(no bias here), each BatchNormalization 4 values per channel, and the Add none.",
    )
