"""Checkers for the exercises of lesson 03 (pooling).

Each function checks one exercise. The right answer and the wrong answer of each
misconception are computed with the course's pure helpers (:mod:`course_utils.arithmetic`,
:mod:`course_utils.params`, :mod:`course_utils.reference_ops`), never typed in.
"""

from __future__ import annotations

import numpy as np

from course_utils import reference_ops
from course_utils.arithmetic import max_pooling_stages, pool_output_length, pooling_schedule
from course_utils.checks import Feedback, check_array, check_function, check_number
from course_utils.params import conv2d_params

__all__ = [
    "BY_HAND",
    "FEATURE_MAP_SHAPE",
    "LEARNABLE_POOL",
    "POOLED_SIZE",
    "STAGES",
    "check_global_average_features",
    "check_learnable_pool_params",
    "check_max_pool_2x2_function",
    "check_max_pool_by_hand",
    "check_pooled_size",
    "check_pooling_stages",
    "function_cases",
]

#: Exercise 1: MaxPooling2D(pool_size=3) with default strides on a 100x100 map.
POOLED_SIZE = {"input_length": 100, "pool_size": 3}
#: Exercise 2: 2x2 'valid' pooling stages that a 100-wide input allows, staying >= 4 wide.
STAGES = {"input_length": 100, "pool_size": 2, "min_length": 4}
#: Exercise 3: Conv2D(64, 3, strides=2) on 64 channels, used in place of a pooling layer.
LEARNABLE_POOL = {"kernel_size": 3, "in_channels": 64, "filters": 64}
#: Exercise 4: the 4x4 map to pool by hand with a 2x2 max pool.
BY_HAND = np.array([[1, 3, 2, 0], [4, 6, 1, 1], [0, 2, 9, 5], [7, 1, 3, 8]])
#: Exercise 5: the shape (height, width, channels) of the last feature map.
FEATURE_MAP_SHAPE = (7, 7, 512)


def check_pooled_size(answer) -> Feedback:
    """Exercise 1: the pooled width for :data:`POOLED_SIZE`.

    Examples
    --------
    >>> check_pooled_size(...).status
    'unfinished'
    """
    width, pool = POOLED_SIZE["input_length"], POOLED_SIZE["pool_size"]
    expected = pool_output_length(width, pool)
    misconceptions = [
        (
            pool_output_length(width, pool, strides=1),
            "You slid the window one pixel at a time. In Keras, pooling strides default to "
            "pool_size: the windows sit side by side.",
        ),
        (
            pool_output_length(width, pool, padding="same"),
            "That is the 'same' size (ceil(W / S)). MaxPooling2D's default padding is 'valid': "
            "the leftover pixels that do not fill a window are dropped.",
        ),
        (
            expected - 1,
            "You forgot the +1: floor((W - pool_size) / strides) + 1.",
        ),
        (
            width / pool,
            "You forgot the floor: an output size is a whole number of windows.",
        ),
    ]
    return check_number(answer, expected, name="pooled width", misconceptions=misconceptions)


def check_pooling_stages(answer) -> Feedback:
    """Exercise 2: how many 2x2 pooling stages :data:`STAGES` allows.

    Examples
    --------
    >>> check_pooling_stages(2.5).status
    'wrong'
    """
    expected = max_pooling_stages(**STAGES)
    schedule = pooling_schedule(STAGES["input_length"], STAGES["pool_size"])
    odd = next((n for n in schedule if n % 2), schedule[-1])
    misconceptions = [
        (
            max_pooling_stages(**STAGES, padding="same"),
            "You rounded up (that is 'same' padding). With 'valid' pooling an odd size is "
            f"rounded down: {odd} becomes {pool_output_length(odd, 2)}, "
            f"not {pool_output_length(odd, 2, padding='same')}.",
        ),
        (
            max_pooling_stages(STAGES["input_length"], STAGES["pool_size"]),
            "You pooled all the way down to 1 pixel. The question stops while the map is "
            f"still at least {STAGES['min_length']} wide.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="number of stages",
        misconceptions=misconceptions,
        hint="Halve (rounding down) until the next halving would go below the minimum.",
    )


def check_learnable_pool_params(answer) -> Feedback:
    """Exercise 3: parameters of the strided convolution in :data:`LEARNABLE_POOL`.

    Examples
    --------
    >>> check_learnable_pool_params(0).status
    'wrong'
    """
    k, c, f = LEARNABLE_POOL["kernel_size"], LEARNABLE_POOL["in_channels"], LEARNABLE_POOL["filters"]
    expected = conv2d_params(k, c, f)
    misconceptions = [
        (
            0,
            "That is a pooling layer's count. A strided convolution downsamples like pooling "
            "but learns its weights: kernel_size^2 * in_channels * filters + filters.",
        ),
        (
            conv2d_params(k, c, f, use_bias=False),
            "You left out the biases: one per filter.",
        ),
        (
            conv2d_params(k, 1, f),
            "You forgot that channels sum: each filter has a 3x3 kernel for every input "
            "channel, so multiply by in_channels too.",
        ),
    ]
    return check_number(answer, expected, name="parameters", misconceptions=misconceptions)


def _pool_2d(image, function, **kwargs):
    image = np.asarray(image, dtype=float)
    return function(image[None, :, :, None], **kwargs)[0, :, :, 0]


def check_max_pool_by_hand(answer) -> Feedback:
    """Exercise 4: the 2x2 max pooling of :data:`BY_HAND`, written by hand.

    Examples
    --------
    >>> check_max_pool_by_hand([[6, 2], [7, 9]]).status
    'correct'
    """
    expected = _pool_2d(BY_HAND, reference_ops.max_pool2d, pool_size=2)
    misconceptions = [
        (
            _pool_2d(BY_HAND, reference_ops.average_pool2d, pool_size=2),
            "Those are the averages of the windows: max pooling keeps the largest value.",
        ),
        (
            _pool_2d(BY_HAND, reference_ops.max_pool2d, pool_size=2, strides=1),
            "You slid the window one pixel at a time (a 3x3 result). Keras's strides default "
            "to pool_size, so 2x2 windows do not overlap.",
        ),
    ]
    return check_array(answer, expected, name="pooled map", misconceptions=misconceptions)


def check_global_average_features(answer) -> Feedback:
    """Exercise 5: how many numbers GlobalAveragePooling2D gives for :data:`FEATURE_MAP_SHAPE`.

    Examples
    --------
    >>> check_global_average_features("512").status
    'invalid'
    """
    height, width, channels = FEATURE_MAP_SHAPE
    expected = reference_ops.global_average_pool2d(np.zeros((1, *FEATURE_MAP_SHAPE))).shape[1]
    misconceptions = [
        (
            height * width * channels,
            "That is what Flatten gives. Global average pooling keeps one mean per channel.",
        ),
        (
            height * width,
            "You averaged across the channels. Global average pooling averages over height "
            "and width, separately for each channel.",
        ),
    ]
    return check_number(answer, expected, name="number of features", misconceptions=misconceptions)


def function_cases(seed=0):
    """Random 2-D test images for exercise 6, some with odd heights or widths.

    Examples
    --------
    >>> [case.shape for case in function_cases()][:3]
    [(4, 4), (6, 8), (5, 7)]
    """
    rng = np.random.default_rng(seed)
    shapes = [(4, 4), (6, 8), (5, 7), (2, 2), (3, 3), (9, 4), (10, 10)]
    return [rng.normal(size=shape).round(2) for shape in shapes]


def _max_pool(image):
    return _pool_2d(image, reference_ops.max_pool2d, pool_size=2)


def _average_pool(image):
    return _pool_2d(image, reference_ops.average_pool2d, pool_size=2)


def _max_pool_stride_one(image):
    return _pool_2d(image, reference_ops.max_pool2d, pool_size=2, strides=1)


def _max_pool_same(image):
    return _pool_2d(image, reference_ops.max_pool2d, pool_size=2, padding="same")


def check_max_pool_2x2_function(function) -> Feedback:
    """Exercise 6: the learner's ``max_pool_2x2(image)`` against the reference 2x2 max pool.

    Examples
    --------
    >>> check_max_pool_2x2_function(_max_pool).status
    'correct'
    >>> check_max_pool_2x2_function(_average_pool).message
    'max_pool_2x2 is not right yet. You took the mean of each window: max pooling keeps its largest value.'
    """
    return check_function(
        function,
        _max_pool,
        [(case,) for case in function_cases()],
        name="max_pool_2x2",
        misconceptions=[
            (
                _average_pool,
                "You took the mean of each window: max pooling keeps its largest value.",
            ),
            (
                _max_pool_stride_one,
                "Your windows overlap (strides 1). Step by 2 so that the 2x2 windows sit side "
                "by side, as Keras does by default.",
            ),
            (
                _max_pool_same,
                "You kept the half windows at an odd border ('same' padding). With the default "
                "'valid' padding, a last row or column that does not fill a window is dropped.",
            ),
        ],
    )
