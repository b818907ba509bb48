"""Checkers for the exercises of lesson 01, convolution arithmetic.

The exercise data live here (upper-case constants) so that the exercise notebook and
its checker always use the same numbers. Every checker computes the right answer, and
the wrong answer that each misconception gives, with :mod:`course_utils.core.reference_ops`,
:mod:`course_utils.core.arithmetic` and :mod:`course_utils.core.kernel_learning`, the helpers the
lesson teaches.

Examples
--------
>>> check_window_value(...)
Unfinished: replace the `...` in the window's output value with your answer, then run the cell again.
>>> check_output_shape((98, 98, 32))
Correct: output shape = (98, 98, 32).
"""

from __future__ import annotations

import numpy as np

from course_utils.checks.framework import (
    Feedback,
    check_array,
    check_choice,
    check_function,
    check_number,
    checker,
)
from course_utils.core import kernel_learning as learn
from course_utils.core import reference_ops as ops
from course_utils.core.arithmetic import conv2d_output_shape

__all__ = [
    "BIAS_RGB",
    "CANDIDATE_KERNELS",
    "GRADIENT_IMAGE",
    "GRADIENT_KERNEL",
    "GRADIENT_TARGET",
    "IMAGE_MAP",
    "KERNEL_MAP",
    "KERNEL_RGB",
    "KERNEL_WINDOW",
    "LAYER",
    "TOLERANCE",
    "WINDOW",
    "WINDOW_RGB",
    "check_feature_map",
    "check_gradient_step",
    "check_kernel_gradient",
    "check_kernel_shape",
    "check_my_conv2d",
    "check_output_shape",
    "check_rgb_value",
    "check_vertical_edge_kernel",
    "check_window_value",
    "conv2d_cases",
    "gradient_step_cases",
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

# Exercise 8: the squared error's gradient by hand: one 3x3 image, a 2x2 kernel and the
# feature map it should give.
GRADIENT_IMAGE = np.array([[1, 2, 0], [0, 1, 3], [2, 1, 1]])
GRADIENT_KERNEL = np.array([[1, 0], [0, 1]])
GRADIENT_TARGET = np.array([[1, 5], [2, 0]])


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
    hint = (
        "With 'valid' padding each spatial size is W - kernel_size + 1; the depth is the number of filters."
    )
    if isinstance(answer, (tuple, list)) and len(answer) == 4 and answer[0] is None:
        rest = check_array(
            answer[1:], expected, name="output shape", misconceptions=misconceptions, hint=hint
        )
        if rest.correct:
            return Feedback(
                "wrong",
                "output shape is not right. Leave out the batch axis (None): give (height, width, channels).",
            )
        return Feedback(rest.status, f"leave out the batch axis (None), and then: {rest.message}")
    return check_array(answer, expected, name="output shape", misconceptions=misconceptions, hint=hint)


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
                f"Kernel {name} has weights that sum to {float(np.sum(kernel)):g}, not 0, so it responds to "
                "brightness even where nothing changes: "
                + ("it smooths (all its weights are positive), " if (kernel >= 0).all() else "")
                + "it does not detect edges."
            )
        elif vertical_edge_kernel({name: kernel, "vertical": kernel.T}) == "vertical":
            misconceptions[name] = (
                f"Kernel {name} compares the top rows with the bottom rows: it detects "
                "horizontal edges. A vertical edge is a change from left to right."
            )
        else:
            misconceptions[name] = (
                f"Kernel {name} responds less to a change from left to right (a vertical edge) than "
                f"kernel {expected} does."
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
        hint="Compare with conv2d_loop in course_utils.core.reference_ops: one output cell is the sum "
        "of window * kernel over height, width and channels, plus the bias.",
        **TOLERANCE,
    )


# ---------------------------------------------------------------------------
# Exercise 8
# ---------------------------------------------------------------------------
@checker
def check_kernel_gradient(answer) -> Feedback:
    """Exercise 8: the gradient of the mean squared error with respect to each weight of ``GRADIENT_KERNEL``.

    Examples
    --------
    >>> check_kernel_gradient(learn.squared_error_gradient(GRADIENT_IMAGE, GRADIENT_KERNEL, GRADIENT_TARGET))
    Correct: gradient has the right shape (2, 2) and values.
    """
    image, kernel, target = GRADIENT_IMAGE, GRADIENT_KERNEL, GRADIENT_TARGET
    expected = learn.squared_error_gradient(image, kernel, target)
    prediction = learn.feature_maps(image, kernel)
    error = prediction - target
    scale = 2 / error.size
    misconceptions = [
        (
            -expected,
            "Every sign is the wrong way round: you used target - prediction. With error = "
            "prediction - target, the gradient points where the error grows, and a step moves "
            "against it.",
        ),
        (
            expected / 2,
            "You left out the 2 of the derivative: the derivative of e**2 is 2 * e.",
        ),
        (
            expected * error.size,
            f"You summed the products but did not divide by the {error.size} values of the map: the "
            "error is a mean, so its gradient is (2 / M) times the sum.",
        ),
        (
            expected * error.size / 2,
            f"You left out the 2 / M in front: the 2 of the derivative and the division by the {error.size} "
            "values that the mean takes.",
        ),
        (
            ops.flip_kernel(expected),
            "Your gradient is turned by 180 degrees. Weight (a, b) meets pixel (i + a, j + b) at output "
            "cell (i, j), the same pairing as in the forward pass: no flip.",
        ),
        (
            scale * ops.convolve2d(image, error),
            "You convolved the image with the error map (flipping it). The gradient is a "
            "cross-correlation, as in the forward pass: weight (a, b) meets pixel (i + a, j + b).",
        ),
        (
            np.full(kernel.shape, scale * error.sum()),
            "Every weight got the same value: you left out the pixels. Weight (a, b) changes output "
            "(i, j) by pixel (i + a, j + b), so each error is multiplied by the pixel that weight meets.",
        ),
        (
            scale * ops.correlate2d(image, prediction),
            "You used the prediction instead of the error: subtract the target first (error = "
            "prediction - target).",
        ),
    ]
    return check_array(
        answer,
        expected,
        name="gradient",
        misconceptions=misconceptions,
        hint="Compute the prediction map, the error map (prediction - target), then for each weight "
        "(a, b) the sum of error[i, j] * image[i + a, j + b], times 2 / M (M values in the map).",
    )


# ---------------------------------------------------------------------------
# Exercise 9
# ---------------------------------------------------------------------------
def gradient_step_cases(seed=0):
    """Random test cases ``(images, kernel, targets, learning_rate)`` for exercise 9.

    Examples
    --------
    >>> [(images.shape, kernel.shape, rate) for images, kernel, targets, rate in gradient_step_cases()][:2]
    [((1, 5, 5), (3, 3), 0.1), ((3, 6, 5), (2, 3), 0.05)]
    """
    rng = np.random.default_rng(seed)
    shapes = [  # (images, height, width, kernel_h, kernel_w, learning rate)
        (1, 5, 5, 3, 3, 0.1),
        (3, 6, 5, 2, 3, 0.05),
        (2, 4, 7, 3, 1, 0.2),
        (4, 5, 5, 2, 2, 1.0),
    ]
    cases = []
    for n, height, width, kh, kw, rate in shapes:
        images = rng.uniform(0, 1, size=(n, height, width))
        kernel = rng.normal(size=(kh, kw))
        targets = rng.normal(size=(n, height - kh + 1, width - kw + 1))
        cases.append((images, kernel, targets, rate))
    return cases


def _uphill(images, kernel, targets, rate):
    return kernel + rate * learn.squared_error_gradient(images, kernel, targets)


def _no_rate(images, kernel, targets, rate):
    return kernel - learn.squared_error_gradient(images, kernel, targets)


def _gradient_only(images, kernel, targets, rate):
    return learn.squared_error_gradient(images, kernel, targets)


def _half_gradient(images, kernel, targets, rate):
    return kernel - rate * learn.squared_error_gradient(images, kernel, targets) / 2


def _summed(images, kernel, targets, rate):
    return kernel - rate * np.size(targets) * learn.squared_error_gradient(images, kernel, targets)


def _mean_per_image(images, kernel, targets, rate):
    return kernel - rate * len(images) * learn.squared_error_gradient(images, kernel, targets)


def _first_image(images, kernel, targets, rate):
    return learn.gradient_step(images[:1], kernel, targets[:1], rate)


def _flipped_forward(images, kernel, targets, rate):
    return kernel - rate * learn.squared_error_gradient(images, ops.flip_kernel(kernel), targets)


@checker(answer="function")
def check_gradient_step(function) -> Feedback:
    """Exercise 9: a learner's ``gradient_step(images, kernel, targets, learning_rate)``.

    Examples
    --------
    >>> check_gradient_step(learn.gradient_step).status
    'correct'
    >>> check_gradient_step(_uphill).message
    'gradient_step is not right yet. It moves the kernel along the gradient, where the error grows: subtract learning_rate * gradient.'
    """
    misconceptions = [
        (
            _uphill,
            "It moves the kernel along the gradient, where the error grows: subtract learning_rate * gradient.",
        ),
        (_no_rate, "It takes a whole gradient as its step: multiply the gradient by learning_rate first."),
        (
            _gradient_only,
            "It returns the gradient. A step returns the new kernel: kernel - learning_rate * gradient.",
        ),
        (_half_gradient, "Its gradient is half the right one: the derivative of e**2 is 2 * e."),
        (
            _summed,
            "It sums the squared errors instead of averaging them: divide the gradient by the number "
            "of values in all the target maps (targets.size).",
        ),
        (
            _mean_per_image,
            "It averages over the positions of each map but adds up the images: the error is the mean "
            "over every value of every map, images included (targets.size values).",
        ),
        (_first_image, "It uses only the first image: the error and its gradient sum over all the images."),
        (
            _flipped_forward,
            "Its feature maps flip the kernel (a true convolution). Keras's Conv2D, and this step, slide "
            "the kernel as it is: prediction[s, i, j] = sum of kernel[a, b] * images[s, i + a, j + b].",
        ),
    ]
    return check_function(
        function,
        learn.gradient_step,
        gradient_step_cases(),
        name="gradient_step",
        misconceptions=misconceptions,
        hint="Compute each image's map, the errors (map - target), then for each weight (a, b) the sum "
        "over images and positions of error * the pixel that weight meets, times 2 / targets.size; "
        "return kernel - learning_rate * gradient.",
        atol=1e-6,
        rtol=1e-6,
    )
