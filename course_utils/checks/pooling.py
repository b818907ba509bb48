"""Checkers for the exercises of lesson 03 (pooling).

Each function checks one exercise. The right answer and the wrong answer of each
misconception are computed with the course's pure helpers (:mod:`course_utils.core.arithmetic`,
:mod:`course_utils.core.params`, :mod:`course_utils.core.reference_ops`), never typed in. The
settings of each exercise are the module constants below.

Examples
--------
>>> check_pooled_size(...)
Unfinished: replace the `...` in pooled width with your answer, then run the cell again.
>>> check_max_pool_by_hand([[6, 2], [7, 9]])
Correct: pooled map has the right shape (2, 2) and values.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from course_utils.checks.framework import (
    Feedback,
    check_array,
    check_choice,
    check_design,
    check_function,
    check_number,
    checker,
)
from course_utils.core import reference_ops
from course_utils.core.arithmetic import max_pooling_stages, pool_output_length, pooling_schedule, trace_stack
from course_utils.core.params import conv2d_params

__all__ = [
    "BY_HAND",
    "FEATURE_MAP_SHAPE",
    "HALVING_POOL_SIZE",
    "LEARNABLE_POOL",
    "POOLED_SIZE",
    "POOLING_DESIGN",
    "POOLING_STATEMENTS",
    "STAGES",
    "check_global_average_features",
    "check_learnable_pool_params",
    "check_max_pool_2x2_function",
    "check_max_pool_by_hand",
    "check_pooled_size",
    "check_pooling_design",
    "check_pooling_stages",
    "check_pooling_statement",
    "function_cases",
]

#: The usual pool, which halves the size (a learner may assume every pool does).
HALVING_POOL_SIZE = 2
#: Exercise 1: MaxPooling2D(pool_size=3) with default strides on an 80x80 map.
POOLED_SIZE = {"input_length": 80, "pool_size": 3}
#: Exercise 2: 2x2 'valid' pooling stages that a 150-wide input allows, staying >= 5 wide.
STAGES = {"input_length": 150, "pool_size": 2, "min_length": 5}
#: Exercise 3: Conv2D(48, 3, strides=2, padding="same") on 48 channels, used in place of pooling.
LEARNABLE_POOL = {"kernel_size": 3, "in_channels": 48, "filters": 48}
#: Exercise 4: the 4x4 map to pool by hand with a 2x2 max pool.
BY_HAND = np.array([[1, 3, 2, 0], [4, 6, 1, 1], [0, 2, 9, 5], [7, 1, 3, 8]])
#: Exercise 5: the shape (height, width, channels) of the last feature map.
FEATURE_MAP_SHAPE = (5, 5, 384)
#: Exercise 8: pooling layers that bring a 100-wide input into a size range, with few layers.
POOLING_DESIGN = {"input_length": 100, "min_output": 5, "max_output": 8, "max_layers": 3, "max_pool_size": 4}
#: Exercise 7: which statement about 2x2 max pooling is true?
POOLING_STATEMENTS = {
    "A": "2x2 windows with strides 2 are proven to be the best pooling for any CNN.",
    "B": "2x2 windows with strides 2 are a common default: they halve each side and keep one "
    "value in four; other sizes, a strided convolution or no pooling can work better on a task.",
    "C": "Larger pooling windows are always better, because they make the features more invariant to shifts.",
}


# ---------------------------------------------------------------------------
# Exercise 1
# ---------------------------------------------------------------------------
@checker
def check_pooled_size(answer) -> Feedback:
    """Exercise 1: the pooled width for :data:`POOLED_SIZE`.

    Examples
    --------
    >>> check_pooled_size(POOLED_SIZE["input_length"] // 2).status
    'wrong'
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
            Fraction(width - pool, pool) + 1,
            "You forgot the floor: an output size is a whole number of windows.",
        ),
        (
            pool_output_length(width, HALVING_POOL_SIZE),
            f"A pool does not always halve the size: that is true of a {HALVING_POOL_SIZE}x{HALVING_POOL_SIZE} "
            f"pool only. A pool of size {pool} with its default strides of {pool} divides the size by about {pool}.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="pooled width",
        misconceptions=misconceptions,
        hint="With the defaults, strides = pool_size and padding = 'valid': "
        "floor((W - pool_size) / strides) + 1.",
    )


# ---------------------------------------------------------------------------
# Exercise 2
# ---------------------------------------------------------------------------
@checker
def check_pooling_stages(answer) -> Feedback:
    """Exercise 2: how many 2x2 pooling stages :data:`STAGES` allows.

    Examples
    --------
    >>> check_pooling_stages(2.5).status
    'wrong'
    """
    expected = max_pooling_stages(**STAGES)
    pool_size = STAGES["pool_size"]
    schedule = pooling_schedule(STAGES["input_length"], pool_size)
    odd = next((n for n in schedule if n % 2), schedule[-1])
    misconceptions = [
        (
            max_pooling_stages(**STAGES, padding="same"),
            "You rounded up (that is 'same' padding). With 'valid' pooling an odd size is "
            f"rounded down: {odd} becomes {pool_output_length(odd, pool_size)}, "
            f"not {pool_output_length(odd, pool_size, padding='same')}.",
        ),
        (
            max_pooling_stages(STAGES["input_length"], pool_size),
            "You pooled all the way down to 1 pixel. The question stops while the map is "
            f"still at least {STAGES['min_length']} wide.",
        ),
        (
            expected + 1,
            "You counted the sizes, the input included, instead of the stages: a list of n + 1 "
            "sizes has n pooling stages between them.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="number of stages",
        misconceptions=misconceptions,
        hint="Halve (rounding down) until the next halving would go below the minimum, and "
        "count the halvings.",
    )


# ---------------------------------------------------------------------------
# Exercise 3
# ---------------------------------------------------------------------------
@checker
def check_learnable_pool_params(answer) -> Feedback:
    """Exercise 3: parameters of the strided convolution in :data:`LEARNABLE_POOL`.

    Examples
    --------
    >>> check_learnable_pool_params(0).status
    'wrong'
    """
    k, c, f = (LEARNABLE_POOL[key] for key in ("kernel_size", "in_channels", "filters"))
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
            "You forgot that channels sum: each filter has a kernel for every input channel, "
            "so multiply by in_channels too.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="parameters",
        misconceptions=misconceptions,
        hint="A Conv2D has kernel_h * kernel_w * in_channels weights per filter, plus one bias "
        "per filter; the stride does not change the count.",
    )


# ---------------------------------------------------------------------------
# Exercise 4
# ---------------------------------------------------------------------------
def _pool_2d(image, function, **kwargs):
    image = np.asarray(image, dtype=float)
    return function(image[None, :, :, None], **kwargs)[0, :, :, 0]


@checker
def check_max_pool_by_hand(answer) -> Feedback:
    """Exercise 4: the 2x2 max pooling of :data:`BY_HAND`, written by hand.

    Examples
    --------
    >>> check_max_pool_by_hand([["6", "2"], ["7", "9"]]).status
    'invalid'
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
        (
            -_pool_2d(-BY_HAND, reference_ops.max_pool2d, pool_size=2),
            "Those are the smallest values of the windows: max pooling keeps the largest.",
        ),
    ]
    return check_array(
        answer,
        expected,
        name="pooled map",
        misconceptions=misconceptions,
        hint="Cut the map into four 2x2 blocks that do not overlap, and keep the largest value "
        "of each block, in the same place.",
    )


# ---------------------------------------------------------------------------
# Exercise 5
# ---------------------------------------------------------------------------
@checker
def check_global_average_features(answer) -> Feedback:
    """Exercise 5: how many numbers GlobalAveragePooling2D gives for :data:`FEATURE_MAP_SHAPE`.

    Examples
    --------
    >>> check_global_average_features("384").status
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
        (
            1,
            "Global average pooling does not average everything into one number: it keeps one "
            "mean per channel.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="number of features",
        misconceptions=misconceptions,
        hint="Global average pooling replaces each feature map (one per channel) by its mean.",
    )


# ---------------------------------------------------------------------------
# Exercise 6
# ---------------------------------------------------------------------------
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


@checker(answer="function")
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
        hint="The output has image.shape[0] // 2 rows and image.shape[1] // 2 columns; cell "
        "(i, j) is the max of image[2*i:2*i+2, 2*j:2*j+2].",
    )


# ---------------------------------------------------------------------------
# Exercise 7
# ---------------------------------------------------------------------------
@checker
def check_pooling_statement(answer) -> Feedback:
    """Exercise 7: which of :data:`POOLING_STATEMENTS` is true?

    Examples
    --------
    >>> check_pooling_statement("A").status
    'wrong'
    """
    return check_choice(
        answer,
        "B",
        options=list(POOLING_STATEMENTS),
        name="statement",
        misconceptions={
            "A": "2x2 pooling is a convention, not a proven optimum. It is popular because it "
            "halves the size cheaply; many strong networks downsample with strided "
            "convolutions instead, and the best choice depends on the task.",
            "C": "More pooling also throws away more: a larger window keeps fewer values and "
            "loses where a feature was. Too much pooling on a small input leaves almost "
            "nothing for the later layers.",
        },
        explanation="The lesson measured what pooling gives (less sensitivity to small shifts) and "
        "what it costs (resolution): a trade-off to choose, not a fixed rule.",
    )


# ---------------------------------------------------------------------------
# Exercise 8
# ---------------------------------------------------------------------------
def _evaluate_pooling(layers) -> dict:
    for number, layer in enumerate(layers):
        if not isinstance(layer, dict) or layer.get("type") != "pool":
            raise ValueError(
                f"layers[{number}] should be a pooling layer, a dict with 'type': 'pool', but it is {layer!r}."
            )
    rows = trace_stack(POOLING_DESIGN["input_length"], list(layers))
    return {
        "layers": len(layers),
        "sizes": [row.output_length for row in rows],
        "largest_pool": max((layer["pool_size"] for layer in layers), default=0),
        "defaults": all(
            layer.get("strides") in (None, layer["pool_size"]) and layer.get("padding", "valid") == "valid"
            for layer in layers
        ),
    }


@checker
def check_pooling_design(answer) -> Feedback:
    """Exercise 8: any list of pooling layers that meets :data:`POOLING_DESIGN` is right.

    Examples
    --------
    >>> check_pooling_design([{"type": "pool", "pool_size": 4}] * 2).status
    'correct'
    >>> check_pooling_design([{"type": "pool", "pool_size": 2}] * 3).status
    'wrong'
    """
    d = POOLING_DESIGN
    low, high = d["min_output"], d["max_output"]
    requirements = [
        (
            lambda f: f["layers"] <= d["max_layers"],
            lambda f: (
                f"It has {f['layers']} pooling layers; use at most {d['max_layers']}: a larger "
                "pool shrinks more in one layer."
            ),
        ),
        (
            lambda f: f["largest_pool"] <= d["max_pool_size"],
            lambda f: (
                f"It uses pool_size={f['largest_pool']}; keep every pool_size at most "
                f"{d['max_pool_size']}, so that a window does not throw away too much at once."
            ),
        ),
        (
            lambda f: low <= f["sizes"][-1] <= high,
            lambda f: (
                f"The sizes go {' -> '.join(map(str, f['sizes']))}, ending outside {low} to {high}: "
                + (
                    "with the default strides a pool of size p divides the size by about p, rounding down."
                    if f["defaults"]
                    else "a pool gives floor((W - pool_size) / strides) + 1 with 'valid' padding, "
                    "ceil(W / strides) with 'same'."
                )
            ),
        ),
    ]
    return check_design(
        answer,
        _evaluate_pooling,
        requirements,
        name="your pooling design",
        form='a list of layer dicts such as [{"type": "pool", "pool_size": 2}, ...]',
        summary=lambda f: (
            f"the sizes go {' -> '.join(map(str, f['sizes']))}. 2x2 pooling is one choice among several."
        ),
    )
