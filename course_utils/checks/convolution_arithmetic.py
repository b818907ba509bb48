"""Checkers for the exercises of lesson 01, convolution arithmetic.

The exercise data live here (upper-case constants) so that the exercise notebook and
its checker always use the same numbers. Every checker computes the right answer, and
the wrong answer that each misconception gives, with :mod:`course_utils.reference_ops`
and :mod:`course_utils.arithmetic`, the helpers the lesson teaches.

Examples
--------
>>> check_window_value(...)
Unfinished: replace the `...` in the window's output value with your answer, then run the cell again.
>>> check_output_shape((98, 98, 32))
Correct: output shape = (98, 98, 32).
"""

from __future__ import annotations

import numpy as np

from course_utils import reference_ops as ops
from course_utils.arithmetic import conv2d_output_shape
from course_utils.checks.framework import (
    Feedback,
    check_array,
    check_choice,
    check_function,
    check_number,
    checker,
)

__all__ = [
    "BIAS_RGB",
    "CANDIDATE_KERNELS",
    "IMAGE_MAP",
    "KERNEL_MAP",
    "KERNEL_RGB",
    "KERNEL_WINDOW",
    "LAYER",
    "TOLERANCE",
    "WINDOW",
    "WINDOW_RGB",
    "check_feature_map",
    "check_kernel_shape",
    "check_my_conv2d",
    "check_output_shape",
    "check_rgb_value",
    "check_vertical_edge_kernel",
    "check_window_value",
    "conv2d_cases",
    "vertical_edge_kernel",
]

# Exercise 1: one window, one kernel (a Sobel filter for vertical edges).
WINDOW = np.array([[3, 1, 0], [4, 2, 1], [2, 0, 0]])
KERNEL_WINDOW = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])

# Exercise 2: a whole feature map, 'valid' padding, strides 1.
IMAGE_MAP = np.array([[1, 2, 0, 1], [0, 1, 3, 2], [2, 0, 1, 0], [1, 1, 0, 2]])
KERNEL_MAP = np.array([[1, 2], [0, -1]])

# Exercise 3: an RGB window (height, width, channels) with one filter and its bias.
WINDOW_RGB = np.array(
    [
        [[1, 0, 2], [2, 1, 0]],
        [[0, 3, 1], [1, 1, 1]],
    ]
)
KERNEL_RGB = np.array(
    [
        [[1, -1, -1], [1, 2, 1]],
        [[0, 1, 0], [1, 0, 1]],
    ]
)
BIAS_RGB = -3.0

# Exercises 4 and 5: the first layer for the course's question (100x100 RGB images).
LAYER = {"input_shape": (100, 100, 3), "filters": 32, "kernel_size": 3, "padding": "valid"}

# Exercise 6: which kernel detects vertical edges?
CANDIDATE_KERNELS = {
    "A": np.array([[-1, -1, -1], [0, 0, 0], [1, 1, 1]]),
    "B": np.full((3, 3), 1 / 9),
    "C": np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]),
}

# Exercise 7: float32 sums (Keras, einsum) differ from float64 by about 1e-6 on these
# values, while every mistake changes the output by far more than this tolerance.
TOLERANCE = {"atol": 1e-4, "rtol": 1e-4}


# ---------------------------------------------------------------------------
# Exercise 1
# ---------------------------------------------------------------------------
@checker
def check_window_value(answer) -> Feedback:
    """Exercise 1: the output value for ``WINDOW`` under ``KERNEL_WINDOW`` (Keras: no flip).

    Examples
    --------
    >>> check_window_value(float(np.sum(WINDOW))).status
    'wrong'
    """
    expected = ops.correlate2d_single(WINDOW, KERNEL_WINDOW)
    misconceptions = [
        (
            ops.correlate2d_single(WINDOW, ops.flip_kernel(KERNEL_WINDOW)),
            "You flipped the kernel (the textbook 'true' convolution). Keras's Conv2D computes "
            "a cross-correlation: multiply each cell by the kernel weight at the same place.",
        ),
        (
            float(np.sum(WINDOW @ KERNEL_WINDOW)),
            "You multiplied the matrices (rows times columns). A convolution multiplies "
            f"element by element, cell (i, j) with weight (i, j), then sums the {WINDOW.size} products.",
        ),
        (
            float(np.sum(WINDOW)),
            "That is the sum of the window alone: multiply each cell by its kernel weight first.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="the window's output value",
        misconceptions=misconceptions,
        hint="Multiply each cell of the window by the kernel weight at the same place, then add "
        f"the {WINDOW.size} products.",
    )


# ---------------------------------------------------------------------------
# Exercise 2
# ---------------------------------------------------------------------------
@checker
def check_feature_map(answer) -> Feedback:
    """Exercise 2: the feature map of ``IMAGE_MAP`` under ``KERNEL_MAP`` ('valid', strides 1).

    Examples
    --------
    >>> check_feature_map(ops.correlate2d(IMAGE_MAP, KERNEL_MAP)).status
    'correct'
    """
    expected = ops.correlate2d(IMAGE_MAP, KERNEL_MAP)
    misconceptions = [
        (
            ops.convolve2d(IMAGE_MAP, KERNEL_MAP),
            "You flipped the kernel. Keras slides the kernel as it is (cross-correlation).",
        ),
        (
            ops.correlate2d(IMAGE_MAP, KERNEL_MAP.T),
            "You transposed the kernel: its first index is the row (height), its second the column.",
        ),
        (
            ops.correlate2d(IMAGE_MAP, KERNEL_MAP, padding="same"),
            "Your map is as large as the image, as with padding='same'. With 'valid' padding "
            "the kernel must fit entirely inside the image, so the map is smaller.",
        ),
        (
            ops.correlate2d(IMAGE_MAP, KERNEL_MAP, strides=KERNEL_MAP.shape),
            "You moved the window by its own size. With strides=1 the window moves one pixel "
            "at a time, so neighbouring windows overlap.",
        ),
    ]
    return check_array(
        answer,
        expected,
        name="feature map",
        misconceptions=misconceptions,
        hint="Each output cell is the sum of the window times the kernel, element by element; "
        "the window moves one pixel at a time and must fit inside the image.",
    )


# ---------------------------------------------------------------------------
# Exercise 3
# ---------------------------------------------------------------------------
@checker
def check_rgb_value(answer) -> Feedback:
    """Exercise 3: one output value of a filter on an RGB window, bias included.

    Examples
    --------
    >>> check_rgb_value(ops.correlate2d_single(WINDOW_RGB, KERNEL_RGB)).message
    'the output value = 8.0 is not right. You forgot the bias: every filter adds its own learned bias after the sum.'
    """
    products = ops.correlate2d_single(WINDOW_RGB, KERNEL_RGB)
    per_channel = [
        ops.correlate2d_single(WINDOW_RGB[:, :, c], KERNEL_RGB[:, :, c]) for c in range(WINDOW_RGB.shape[2])
    ]
    channels = len(per_channel)
    expected = products + BIAS_RGB
    misconceptions = [
        (
            products,
            "You forgot the bias: every filter adds its own learned bias after the sum.",
        ),
        (
            products + 1,
            "You added 1 as the bias. The bias is a learned value, one per filter, not the "
            "constant 1: use the filter's bias.",
        ),
        (
            per_channel[0] + BIAS_RGB,
            "You used only the first channel. A filter is as deep as its input: the products "
            "of all channels are summed into one number.",
        ),
        (
            sum(per_channel) / channels + BIAS_RGB,
            "You averaged the channels. A filter sums the products of all its channels.",
        ),
        (
            products + channels * BIAS_RGB,
            "You added the bias once per channel. There is one bias per filter, added once "
            "after summing every channel.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="the output value",
        misconceptions=misconceptions,
        hint="Multiply element by element in all three channels, add all the products, then add "
        "the bias once.",
    )


# ---------------------------------------------------------------------------
# Exercises 4 and 5
# ---------------------------------------------------------------------------
def _layer_output_shape(input_shape, filters, kernel_size, padding):
    return (*conv2d_output_shape(input_shape[:2], kernel_size, padding=padding), filters)


@checker
def check_output_shape(answer) -> Feedback:
    """Exercise 4: the output shape (height, width, channels) of ``LAYER`` (no batch axis).

    Examples
    --------
    >>> check_output_shape((None, 98, 98, 32)).status
    'wrong'
    """
    height, width, channels = LAYER["input_shape"]
    filters, kernel_size = LAYER["filters"], LAYER["kernel_size"]
    expected = _layer_output_shape(**LAYER)
    out_h, out_w, _ = expected
    misconceptions = [
        (
            (out_h, out_w, channels),
            "The depth of the output is not the depth of the input: each filter gives one "
            "feature map, so the output has one channel per filter.",
        ),
        (
            (out_h, out_w, filters * channels),
            "You gave each filter one map per input channel. A filter sums over all input "
            "channels, so it gives a single map.",
        ),
        (
            _layer_output_shape(LAYER["input_shape"], filters, kernel_size, "same"),
            "That is the shape with padding='same'. With 'valid' padding the output loses "
            "kernel_size - 1 pixels in each direction.",
        ),
        (
            (out_h - 1, out_w - 1, filters),
            "You forgot the +1: a kernel of size F fits at W - F + 1 positions.",
        ),
        (
            (height - kernel_size, width - kernel_size, filters),
            "You forgot the +1: a kernel of size F fits at W - F + 1 positions.",
        ),
    ]
    if isinstance(answer, (tuple, list)) and len(answer) == 4 and answer[0] is None:
        return Feedback(
            "wrong",
            "output shape is not right. Leave out the batch axis (None): give (height, width, channels).",
        )
    return check_array(
        answer,
        expected,
        name="output shape",
        misconceptions=misconceptions,
        hint="With 'valid' padding each spatial size is W - kernel_size + 1; the depth is the "
        "number of filters.",
    )


@checker
def check_kernel_shape(answer) -> Feedback:
    """Exercise 5: the shape of the layer's ``kernel`` weights, in Keras's order.

    Examples
    --------
    >>> check_kernel_shape(("3", "3", "3", "32")).status
    'invalid'
    """
    channels = LAYER["input_shape"][2]
    filters, k = LAYER["filters"], LAYER["kernel_size"]
    expected = (k, k, channels, filters)
    misconceptions = [
        (
            (k, k, filters),
            "You forgot the input channels: each filter is as deep as its input, so the kernel "
            "has 4 axes (kernel_h, kernel_w, in_channels, filters).",
        ),
        (
            (k, k, filters, channels),
            "You swapped the last two axes: Keras stores (kernel_h, kernel_w, in_channels, filters).",
        ),
        (
            (filters, channels, k, k),
            "That is PyTorch's order (out_channels, in_channels, kh, kw). Keras stores "
            "(kernel_h, kernel_w, in_channels, filters).",
        ),
        (
            (k, k, 1, filters),
            "The input has more than one channel, and each filter covers all of them.",
        ),
    ]
    return check_array(
        answer,
        expected,
        name="kernel shape",
        misconceptions=misconceptions,
        hint="Keras stores a Conv2D kernel as (kernel_h, kernel_w, in_channels, filters).",
    )


# ---------------------------------------------------------------------------
# Exercise 6
# ---------------------------------------------------------------------------
def vertical_edge_kernel(candidates=None, size=8):
    """Name of the candidate kernel that best detects a vertical edge.

    A vertical edge is a change from left to right. The detector gives 0 on a flat image
    and the strongest response on an image that is dark on the left and bright on the right.

    Examples
    --------
    >>> vertical_edge_kernel()
    'C'
    """
    candidates = CANDIDATE_KERNELS if candidates is None else candidates
    step = np.zeros((size, size))
    step[:, size // 2 :] = 1.0
    flat = np.ones((size, size))
    scores = {}
    for name, kernel in candidates.items():
        if np.allclose(ops.correlate2d(flat, kernel), 0):
            scores[name] = float(np.abs(ops.correlate2d(step, kernel)).max())
    return max(scores, key=scores.get)


@checker
def check_vertical_edge_kernel(answer) -> Feedback:
    """Exercise 6: which of ``CANDIDATE_KERNELS`` detects vertical edges?

    Examples
    --------
    >>> check_vertical_edge_kernel("c").status
    'correct'
    """
    expected = vertical_edge_kernel()
    misconceptions = {}
    for name, kernel in CANDIDATE_KERNELS.items():
        if name == expected:
            continue
        if not np.isclose(np.sum(kernel), 0):
            misconceptions[name] = (
                f"Kernel {name} has weights that do not sum to 0, so it responds to brightness "
                "even where nothing changes: it smooths, it does not detect edges."
            )
        else:
            misconceptions[name] = (
                f"Kernel {name} compares the top rows with the bottom rows: it detects "
                "horizontal edges. A vertical edge is a change from left to right."
            )
    return check_choice(
        answer,
        expected,
        options=list(CANDIDATE_KERNELS),
        name="vertical edge kernel",
        misconceptions=misconceptions,
    )


# ---------------------------------------------------------------------------
# Exercise 7
# ---------------------------------------------------------------------------
def conv2d_cases(seed=0):
    """Random test cases ``(x, kernel, bias)`` for exercise 7 (various sizes and depths).

    Examples
    --------
    >>> [x.shape for x, kernel, bias in conv2d_cases()][:2]
    [(1, 5, 5, 1), (2, 6, 5, 3)]
    """
    rng = np.random.default_rng(seed)
    shapes = [  # (batch, height, width, channels, kernel_h, kernel_w, filters)
        (1, 5, 5, 1, 3, 3, 1),
        (2, 6, 5, 3, 3, 2, 4),
        (1, 4, 7, 2, 1, 3, 2),
        (3, 3, 3, 3, 3, 3, 2),
    ]
    cases = []
    for batch, height, width, channels, kh, kw, filters in shapes:
        x = rng.normal(size=(batch, height, width, channels))
        kernel = rng.normal(size=(kh, kw, channels, filters))
        bias = rng.normal(size=filters)
        cases.append((x, kernel, bias))
    return cases


@checker(answer="function")
def check_my_conv2d(function) -> Feedback:
    """Exercise 7: a learner's ``my_conv2d(x, kernel, bias)`` ('valid', strides 1) on random data.

    Float32 results (Keras, ``einsum`` on float32) are right within :data:`TOLERANCE`.

    Examples
    --------
    >>> check_my_conv2d(lambda x, kernel, bias: ops.conv2d(x, kernel, bias)).status
    'correct'
    """
    misconceptions = [
        (
            lambda x, kernel, bias: ops.conv2d(x, ops.flip_kernel(kernel), bias),
            "Your function flips the kernel. Keras slides it as it is (cross-correlation).",
        ),
        (
            lambda x, kernel, bias: ops.conv2d(x, kernel),
            "Your function forgets the bias: add bias[f] to every value of filter f's map.",
        ),
        (
            lambda x, kernel, bias: ops.conv2d(x, kernel) + 1,
            "Your function adds 1 instead of the bias: add bias[f], the filter's learned bias.",
        ),
        (
            lambda x, kernel, bias: ops.conv2d(x[..., :1], kernel[:, :, :1], bias),
            "Your function uses only the first input channel: sum the products over all channels.",
        ),
    ]
    return check_function(
        function,
        lambda x, kernel, bias: ops.conv2d(x, kernel, bias),
        conv2d_cases(),
        name="my_conv2d",
        misconceptions=misconceptions,
        hint="Compare with conv2d_loop in course_utils.reference_ops: one output cell is the sum "
        "of window * kernel over height, width and channels, plus the bias.",
        **TOLERANCE,
    )
