"""Checkers for the exercises of lesson 04, parameter counting, compute and memory.

The exercise data live here (upper-case constants) so that the exercise notebook and
its checkers use the same numbers. Every checker computes the right answer, and the
wrong answer each misconception gives, with :mod:`course_utils.params` and
:func:`course_utils.widgets.model_builder.layer_table`, the helpers the lesson teaches.

Examples
--------
>>> check_conv_params(...)
Unfinished: replace the `...` in the Conv2D parameter count with your answer, then run the cell again.
>>> bool(check_batch_norm_trainable(128))
True
"""

from __future__ import annotations

from ast import literal_eval

from course_utils import params as p
from course_utils.arithmetic import conv_output_length
from course_utils.checks import check_function, check_number
from course_utils.widgets.model_builder import MNIST_CNN, MNIST_INPUT, layer_table

__all__ = [
    "ACTIVATION_LAYER",
    "BATCH_NORM_CHANNELS",
    "BOTTLENECK",
    "CONV_LAYER",
    "DENSE_LAYER",
    "HEAD",
    "MNIST_CNN",
    "SEPARABLE_LAYER",
    "check_activation_memory",
    "check_batch_norm_total",
    "check_batch_norm_trainable",
    "check_bottleneck_macs",
    "check_conv_params",
    "check_dense_params",
    "check_frozen_trainable",
    "check_gap_head_params",
    "check_model_total",
    "check_my_conv2d_params",
    "check_separable_params",
    "conv2d_params_cases",
]

# Exercise 1: one convolution layer in the middle of a network.
CONV_LAYER = {"input_shape": (14, 14, 32), "filters": 64, "kernel_size": 3, "padding": "same"}

# Exercise 2: the first Dense layer after Flatten.
DENSE_LAYER = {"input_shape": (7, 7, 64), "units": 64}

# Exercises 3 and 6: seed 002's MNIST CNN (MNIST_INPUT, MNIST_CNN), shared with the model builder.

# Exercises 4 and 5: BatchNormalization after a convolution with 64 filters.
BATCH_NORM_CHANNELS = 64
BATCH_NORM_INPUT = (28, 28, BATCH_NORM_CHANNELS)

# Exercise 7: a classifier head on a 7x7x64 feature map, with global average pooling.
HEAD = {"input_shape": (7, 7, 64), "units": 10}

# Exercise 8: seed 001's depthwise separable layer (no biases, as in the seed's count).
SEPARABLE_LAYER = {"in_channels": 256, "filters": 128, "kernel_size": 3, "use_bias": False}

# Exercise 9: seed 001's 1x1 bottleneck ('same' padding keeps 32x32).
BOTTLENECK = {"input_shape": (32, 32, 256), "reduce_to": 64, "filters": 128, "kernel_size": 3}

# Exercise 10: the output of a first convolution for one training batch.
ACTIVATION_LAYER = {"input_shape": (28, 28, 1), "filters": 32, "kernel_size": 3,
                    "padding": "same", "batch_size": 64}


def _conv_out(input_shape, kernel_size, padding, filters):
    h, w, _ = input_shape
    return (conv_output_length(h, kernel_size, padding=padding),
            conv_output_length(w, kernel_size, padding=padding), filters)


# ---------------------------------------------------------------------------
# Exercise 1
# ---------------------------------------------------------------------------
def check_conv_params(answer):
    """Exercise 1: parameters of ``CONV_LAYER``."""
    h, w, c = CONV_LAYER["input_shape"]
    k, f = CONV_LAYER["kernel_size"], CONV_LAYER["filters"]
    out_h, out_w, _ = _conv_out(CONV_LAYER["input_shape"], k, CONV_LAYER["padding"], f)
    expected = p.conv2d_params(k, c, f)
    misconceptions = [
        (p.conv2d_params(k, c, f, use_bias=False),
         "You forgot the biases: each filter has one learned bias, so add one per filter."),
        (p.conv2d_params(k, c, f, use_bias=False) + 1,
         "You added a single bias of 1. The bias is learned, and there is one per filter."),
        (p.conv2d_params(k, 1, f),
         "You forgot the input channels: each filter is kernel_h x kernel_w x in_channels, "
         "because it looks at every channel of its input."),
        (p.conv2d_params(k, 1, f, use_bias=False),
         "You forgot the input channels and the biases: a filter has one weight per kernel "
         "position per input channel, plus its bias."),
        (p.conv2d_params(k, out_h, f),
         "You multiplied by the output size (height) instead of the input channels. Height "
         "and width do not change a convolution's parameter count; the input channels do."),
        (p.conv2d_params(k, out_h * out_w, f),
         "You multiplied by the number of output positions instead of the input channels. "
         "Height and width never enter the count; the input channels do."),
        (out_h * out_w * p.conv2d_params(k, c, f),
         "You counted the weights once per output position. A convolution shares its weights: "
         "the same filter slides over every position."),
        (p.conv2d_params(k, c, c),
         "You used the input channels as the number of filters. The layer has as many filters "
         "(and output channels) as its `filters` argument."),
    ]
    return check_number(answer, expected, name="the Conv2D parameter count",
                        misconceptions=misconceptions)


# ---------------------------------------------------------------------------
# Exercise 2
# ---------------------------------------------------------------------------
def check_dense_params(answer):
    """Exercise 2: parameters of a ``Dense`` layer after ``Flatten`` of ``DENSE_LAYER``'s input."""
    h, w, c = DENSE_LAYER["input_shape"]
    units = DENSE_LAYER["units"]
    expected = p.dense_params(h * w * c, units)
    misconceptions = [
        (p.dense_params(h * w * c, units, use_bias=False),
         "You forgot the biases: every neuron has one bias."),
        (p.dense_params(c, units),
         "You used the channels as the input size. Flatten turns height x width x channels "
         "values into one vector, and a Dense neuron has one weight per value."),
        (p.dense_params(h * w, units),
         "You used height x width as the input size, forgetting the channels: Flatten keeps "
         "every value of every channel."),
        (p.dense_params(h * w * c, units) + h * w * c,
         "You gave Flatten parameters. Flatten only reshapes; it has no weights."),
    ]
    return check_number(answer, expected, name="the Dense parameter count",
                        misconceptions=misconceptions)


# ---------------------------------------------------------------------------
# Exercise 3
# ---------------------------------------------------------------------------
def _mnist_table():
    return layer_table(MNIST_INPUT, MNIST_CNN)


def check_model_total(answer):
    """Exercise 3: the total parameter count of ``MNIST_CNN``."""
    table = _mnist_table()
    expected = table.total_params
    rows = table.rows[1:]
    shapes = [literal_eval(r.output_shape) for r in rows]
    biases = sum(s.get("filters", s.get("units", 0)) for s in MNIST_CNN)
    pool_channels = [shape[-1] for r, shape in zip(rows, shapes, strict=True)
                     if r.type == "MaxPooling2D"]
    pool_size = MNIST_CNN[1]["pool_size"]
    pool_as_conv = sum(p.conv2d_params(pool_size, ch, 1, use_bias=False) for ch in pool_channels)
    flatten_features = next(shape[-1] for r, shape in zip(rows, shapes, strict=True)
                            if r.type == "Flatten")
    second_conv = next(r for r in rows[1:] if r.type == "Conv2D")
    misconceptions = [
        (expected - biases,
         "You forgot the biases: one per filter in each Conv2D, one per unit in each Dense."),
        (expected + pool_as_conv,
         "You gave the pooling layers weights. Max pooling takes the largest value of each "
         "window; it has nothing to learn, so 0 parameters."),
        (expected + pool_as_conv + sum(pool_channels),
         "You gave the pooling layers weights and biases. Pooling has 0 parameters."),
        (expected + flatten_features,
         "You counted Flatten's outputs as parameters. Flatten only reshapes: 0 parameters."),
        (expected + flatten_features + pool_as_conv,
         "You gave pooling and Flatten parameters; neither has any weights."),
        (expected - second_conv.trainable + p.conv2d_params(3, 1, 64),
         "You forgot the input channels of the second convolution: its filters are "
         "3 x 3 x (channels of the first layer's output)."),
    ]
    return check_number(answer, expected, name="the model's total parameter count",
                        misconceptions=misconceptions)


# ---------------------------------------------------------------------------
# Exercises 4 and 5
# ---------------------------------------------------------------------------
def _batch_norm_misconceptions(trainable, non_trainable):
    h, w, c = BATCH_NORM_INPUT
    return [
        (h * w * trainable,
         "You counted the parameters once per position. BatchNormalization has its values "
         "per channel, shared by every position of that channel."),
        (c,
         "You counted one value per channel. There are two learned values per channel "
         "(gamma, a scale, and beta, an offset) and two statistics (moving mean, moving "
         "variance)."),
        (2,
         "You counted gamma and beta once for the whole layer. They exist for every channel."),
    ]


def check_batch_norm_trainable(answer):
    """Exercise 4: trainable parameters of BatchNormalization on ``BATCH_NORM_CHANNELS`` channels."""
    trainable, non_trainable = p.batch_norm_params(BATCH_NORM_CHANNELS)
    misconceptions = [
        (trainable + non_trainable,
         "That is the total. The moving mean and moving variance are updated from batch "
         "statistics, not by gradient descent: they are non-trainable. Count only gamma and beta."),
        *_batch_norm_misconceptions(trainable, non_trainable),
    ]
    return check_number(answer, trainable, name="the trainable BatchNorm parameters",
                        misconceptions=misconceptions)


def check_batch_norm_total(answer):
    """Exercise 5: all parameters of BatchNormalization, as ``count_params()`` reports them."""
    trainable, non_trainable = p.batch_norm_params(BATCH_NORM_CHANNELS)
    misconceptions = [
        (trainable,
         "That is only the trainable part (gamma and beta). count_params() also counts the "
         "moving mean and moving variance, which are stored in the layer."),
        *_batch_norm_misconceptions(trainable, non_trainable),
    ]
    return check_number(answer, trainable + non_trainable, name="the BatchNorm parameter count",
                        misconceptions=misconceptions)


# ---------------------------------------------------------------------------
# Exercise 6
# ---------------------------------------------------------------------------
def check_frozen_trainable(answer):
    """Exercise 6: trainable parameters of ``MNIST_CNN`` with both Conv2D layers frozen."""
    rows = _mnist_table().rows[1:]
    conv = sum(r.params for r in rows if r.type == "Conv2D")
    dense = sum(r.params for r in rows if r.type == "Dense")
    total = conv + dense
    misconceptions = [
        (total, "That is the total. Frozen layers (trainable=False) keep their weights, but "
                "their weights become non-trainable: subtract them."),
        (conv, "That is the frozen part. Trainable parameters are the ones still updated by "
               "training: the layers that are not frozen."),
        (0, "Only the convolutions are frozen; the Dense layers still train."),
    ]
    return check_number(answer, dense, name="the trainable parameter count",
                        misconceptions=misconceptions)


# ---------------------------------------------------------------------------
# Exercise 7
# ---------------------------------------------------------------------------
def check_gap_head_params(answer):
    """Exercise 7: parameters of GlobalAveragePooling2D then Dense(``units``) on ``HEAD``'s input."""
    h, w, c = HEAD["input_shape"]
    units = HEAD["units"]
    expected = p.dense_params(c, units)
    misconceptions = [
        (p.dense_params(h * w * c, units),
         "That is the count with Flatten. Global average pooling keeps one value per channel "
         "(the mean of each feature map), so the Dense layer gets only `channels` inputs."),
        (p.dense_params(c, units, use_bias=False),
         "You forgot the Dense layer's biases."),
        (p.dense_params(c, units) + c,
         "You gave global average pooling parameters. Averaging has nothing to learn."),
        (p.dense_params(h * w, units),
         "Global average pooling averages over height and width, keeping the channels: "
         "one value per channel."),
    ]
    return check_number(answer, expected, name="the head's parameter count",
                        misconceptions=misconceptions)


# ---------------------------------------------------------------------------
# Exercise 8
# ---------------------------------------------------------------------------
def check_separable_params(answer):
    """Exercise 8: weights of a SeparableConv2D for ``SEPARABLE_LAYER`` (no biases)."""
    c, f, k = SEPARABLE_LAYER["in_channels"], SEPARABLE_LAYER["filters"], SEPARABLE_LAYER["kernel_size"]
    expected = p.separable_conv2d_params(k, c, f, use_bias=False)
    misconceptions = [
        (p.conv2d_params(k, c, f, use_bias=False),
         "That is a standard Conv2D. A separable layer first convolves each channel on its "
         "own (k x k weights per channel), then mixes channels with 1x1 filters."),
        (p.depthwise_conv2d_params(k, c, use_bias=False),
         "That is only the depthwise step. Add the pointwise 1x1 convolution that mixes the "
         "channels into `filters` outputs."),
        (p.conv2d_params(1, c, f, use_bias=False),
         "That is only the pointwise 1x1 step. Add the depthwise step: one k x k kernel per "
         "input channel."),
        (p.separable_conv2d_params(k, c, f),
         "This layer has use_bias=False: count the weights only."),
        (p.depthwise_conv2d_params(k, 1, use_bias=False) + p.conv2d_params(1, c, f, use_bias=False),
         "The depthwise step has one k x k kernel for every input channel, not one in all."),
    ]
    return check_number(answer, expected, name="the separable layer's weights",
                        misconceptions=misconceptions)


# ---------------------------------------------------------------------------
# Exercise 9
# ---------------------------------------------------------------------------
def check_bottleneck_macs(answer):
    """Exercise 9: multiply-adds of the 1x1 bottleneck followed by the 3x3 layer (``BOTTLENECK``)."""
    h, w, c = BOTTLENECK["input_shape"]
    r, f, k = BOTTLENECK["reduce_to"], BOTTLENECK["filters"], BOTTLENECK["kernel_size"]
    reduce_macs = p.conv2d_macs((h, w), 1, c, r)
    conv_macs = p.conv2d_macs((h, w), k, r, f)
    expected = reduce_macs + conv_macs
    misconceptions = [
        (p.conv2d_macs((h, w), k, c, f),
         "That is the 3x3 layer without the bottleneck. With it, the 3x3 filters see only "
         "the reduced channels, and you add the 1x1 layer's own multiply-adds."),
        (conv_macs,
         "You left out the 1x1 layer's own multiply-adds: it also computes every output value."),
        (reduce_macs + p.conv2d_macs((h, w), k, c, f),
         "The 3x3 layer now reads the 1x1 layer's output, so its input channels are the "
         "reduced count, not the original one."),
        (p.conv2d_params(1, c, r, use_bias=False) + p.conv2d_params(k, r, f, use_bias=False),
         "You counted weights, not multiply-adds. Every weight is used once per output "
         "position: multiply by the output height and width."),
        (p.conv2d_params(1, c, r) + p.conv2d_params(k, r, f),
         "You counted parameters, not multiply-adds. Every weight is used once per output "
         "position: multiply by the output height and width."),
    ]
    return check_number(answer, expected, name="the bottleneck's multiply-adds",
                        misconceptions=misconceptions)


# ---------------------------------------------------------------------------
# Exercise 10
# ---------------------------------------------------------------------------
def check_activation_memory(answer):
    """Exercise 10: bytes of ``ACTIVATION_LAYER``'s float32 output for one batch."""
    a = ACTIVATION_LAYER
    shape = _conv_out(a["input_shape"], a["kernel_size"], a["padding"], a["filters"])
    batch = a["batch_size"]
    expected = p.activation_bytes(shape, batch)
    weights = p.conv2d_params(a["kernel_size"], a["input_shape"][2], a["filters"])
    misconceptions = [
        (p.activation_bytes(shape, batch, bytes_per_value=1),
         "You counted values, not bytes: a float32 value takes 4 bytes."),
        (p.activation_bytes(shape, 1),
         "That is one image. The layer keeps an output for every image of the batch."),
        (p.activation_bytes(shape, batch, bytes_per_value=8),
         "You used 8 bytes per value (float64). Keras computes in float32: 4 bytes."),
        (p.weights_bytes(weights),
         "That is the memory of the layer's weights. The activations are its outputs, one "
         "feature map per filter for each image."),
        (p.activation_bytes(a["input_shape"], batch),
         "That is the input batch. Count the layer's output: one map per filter."),
    ]
    return check_number(answer, expected, name="the activation memory in bytes",
                        misconceptions=misconceptions)


# ---------------------------------------------------------------------------
# Exercise 11
# ---------------------------------------------------------------------------
def conv2d_params_cases():
    """Test cases for exercise 11: ``(kernel_size, in_channels, filters[, use_bias])``."""
    return [
        (3, 32, 64),
        (5, 1, 6),
        ((1, 7), 16, 8),
        ((3, 2), 3, 5, True),
        (3, 32, 64, False),
        (1, 256, 64, False),
    ]


def check_my_conv2d_params(function):
    """Exercise 11: a learner's ``conv2d_params(kernel_size, in_channels, filters, use_bias=True)``."""

    def as_pair(k):
        return (k, k) if isinstance(k, int) else tuple(k)

    def no_bias(k, c, f, use_bias=True):
        return p.conv2d_params(k, c, f, use_bias=False)

    def always_bias(k, c, f, use_bias=True):
        return p.conv2d_params(k, c, f, use_bias=True)

    def no_channels(k, c, f, use_bias=True):
        return p.conv2d_params(k, 1, f, use_bias)

    def bias_one(k, c, f, use_bias=True):
        return p.conv2d_params(k, c, f, use_bias=False) + (1 if use_bias else 0)

    def square_kernel(k, c, f, use_bias=True):
        kh = as_pair(k)[0]
        return p.conv2d_params(kh, c, f, use_bias)

    misconceptions = [
        (no_bias, "It forgets the biases: add one bias per filter when use_bias is True."),
        (always_bias, "It adds the biases even when use_bias=False."),
        (bias_one, "It adds a single bias of 1. There is one learned bias per filter."),
        (no_channels, "It forgets the input channels: each filter has "
                      "kernel_h x kernel_w x in_channels weights."),
        (square_kernel, "It treats the kernel as square. kernel_size may be a (height, width) "
                        "pair such as (1, 7): multiply both."),
    ]
    return check_function(
        function,
        p.conv2d_params,
        conv2d_params_cases(),
        name="conv2d_params",
        misconceptions=misconceptions,
        hint="Weights: kernel_h * kernel_w * in_channels * filters; then one bias per filter "
        "if use_bias.",
    )

