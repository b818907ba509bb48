"""Checkers for the exercises of lesson 02 (padding and stride).

Each function checks one exercise. The right answer and the wrong answer that each
misconception produces are computed with :mod:`course_utils.arithmetic`, the module the
lesson teaches, so the feedback can never disagree with the formulas.

The settings of each exercise are module constants, so the exercise notebook, these
checkers and the tests read the same values.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from course_utils.arithmetic import (
    conv_output_length,
    dilated_kernel_size,
    same_padding,
    trace_stack,
)
from course_utils.checks import (
    Feedback,
    check_array,
    check_choice,
    check_function,
    check_number,
    is_placeholder,
)

__all__ = [
    "DILATED",
    "OUTPUT_WIDTH",
    "RECEPTIVE_FIELD_LAYERS",
    "SAME_PADDING",
    "STACK",
    "STACK_INPUT",
    "check_dilated_output",
    "check_keep_size_padding",
    "check_output_length_function",
    "check_output_width",
    "check_receptive_field",
    "check_same_padding",
    "check_stack_output",
    "function_cases",
]

#: Exercise 1: a 100x100 input, 7x7 kernel, strides 2, 2 zeros on each side.
OUTPUT_WIDTH = {"input_length": 100, "kernel_size": 7, "strides": 2, "padding": 2}
#: Exercise 2: the zeros TensorFlow adds for padding='same' (100 wide, 3x3 kernel, strides 2).
SAME_PADDING = {"input_length": 100, "kernel_size": 3, "strides": 2}
#: Exercise 3: a dilated 3x3 kernel with dilation_rate 4 on a 64-wide input, 'valid'.
DILATED = {"input_length": 64, "kernel_size": 3, "dilation_rate": 4}
#: Exercise 4: the size after a small stack.
STACK_INPUT = 100
STACK = [
    {"type": "conv", "kernel_size": 3, "padding": "valid"},
    {"type": "conv", "kernel_size": 3, "padding": "valid"},
    {"type": "pool", "pool_size": 2},
    {"type": "conv", "kernel_size": 3, "padding": "same"},
    {"type": "pool", "pool_size": 2},
]
#: Exercise 5: the receptive field of this many stacked 3x3 convolutions with strides 1.
RECEPTIVE_FIELD_LAYERS = 3


def _output_width_misconceptions(input_length, kernel_size, strides, padding, dilation_rate=1):
    """Wrong output widths that the common mistakes give, with their messages."""
    right = conv_output_length(input_length, kernel_size, strides, padding, dilation_rate)
    extent = dilated_kernel_size(kernel_size, dilation_rate)
    pairs = [
        (
            right - 1,
            "You forgot the +1: the formula counts the steps between windows, and there is "
            "one more window than steps. floor((W - F + 2P) / S) + 1.",
        ),
        (
            Fraction(input_length - extent + 2 * padding, strides) + 1,
            "You forgot the floor: a window that would stick out past the padded input is not "
            "computed, so round (W - F + 2P) / S down before adding 1.",
        ),
        (
            conv_output_length(input_length, kernel_size, strides, "valid", dilation_rate),
            "You left out the padding: P zeros are added on each side, so the padded input is W + 2P long.",
        ),
        (
            conv_output_length(input_length, kernel_size, strides, "same", dilation_rate),
            "That is what padding='same' gives (ceil(W / S)). Here the padding is a fixed number "
            "of zeros on each side: use the full formula.",
        ),
    ]
    if dilation_rate > 1:
        pairs.insert(
            0,
            (
                conv_output_length(input_length, kernel_size, strides, padding, 1),
                "You used the kernel size instead of the dilated extent: a dilated kernel covers "
                "dilation_rate * (kernel_size - 1) + 1 positions.",
            ),
        )
    return pairs


def check_output_width(answer) -> Feedback:
    """Exercise 1: the output width for :data:`OUTPUT_WIDTH`.

    Examples
    --------
    >>> check_output_width(...).status
    'unfinished'
    """
    expected = conv_output_length(**OUTPUT_WIDTH)
    return check_number(
        answer,
        expected,
        name="width",
        misconceptions=_output_width_misconceptions(**OUTPUT_WIDTH),
        hint="Use floor((W - F + 2P) / S) + 1.",
    )


def check_same_padding(answer) -> Feedback:
    """Exercise 2: the ``(before, after)`` zeros TensorFlow adds for :data:`SAME_PADDING`.

    Examples
    --------
    >>> check_same_padding("1, 1").status
    'invalid'
    """
    name = "(pad_before, pad_after)"
    if is_placeholder(answer):
        return check_number(answer, 0, name=name)
    if isinstance(answer, np.ndarray) and answer.ndim == 1:
        answer = tuple(answer.tolist())
    if (
        not isinstance(answer, (tuple, list))
        or len(answer) != 2
        or any(is_placeholder(value) for value in answer)
    ):
        if isinstance(answer, (tuple, list)) and any(is_placeholder(value) for value in answer):
            return Feedback("unfinished", f"replace both `...` in {name}, then run the cell again.")
        return Feedback(
            "invalid",
            f"{name} should be a pair of two integers such as (2, 3), but it is {answer!r}.",
        )
    before, after = same_padding(**SAME_PADDING)
    total = before + after
    stride_one = same_padding(SAME_PADDING["input_length"], SAME_PADDING["kernel_size"])
    misconceptions = [
        (
            stride_one,
            "That is the padding for strides=1 (kernel_size - 1 zeros). With a larger stride "
            "TensorFlow pads only what the last window needs: "
            "total = max((ceil(W / S) - 1) * S + F - W, 0).",
        ),
        (
            (after, before),
            "Right total, wrong side: when the total is odd, TensorFlow puts the extra zero "
            "after the input (bottom or right), not before it.",
        ),
        (
            (total // 2, total // 2),
            "Your total is one zero short: TensorFlow does not drop the odd zero, it adds it "
            "after the input.",
        ),
        (
            (0, 0),
            "With no zeros the output would have the 'valid' size. 'same' keeps ceil(W / S) "
            "outputs, so check whether the last window fits.",
        ),
    ]
    return check_array(answer, (before, after), name=name, misconceptions=misconceptions, atol=0)


def check_dilated_output(answer) -> Feedback:
    """Exercise 3: the 'valid' output length of the dilated convolution in :data:`DILATED`.

    Examples
    --------
    >>> check_dilated_output("56").status
    'invalid'
    """
    settings = {**DILATED, "strides": 1, "padding": 0}
    expected = conv_output_length(**settings)
    return check_number(
        answer,
        expected,
        name="output length",
        misconceptions=_output_width_misconceptions(**settings),
        hint="First compute the extent the dilated kernel covers.",
    )


def check_stack_output(answer) -> Feedback:
    """Exercise 4: the length after :data:`STACK` on a :data:`STACK_INPUT`-long input.

    Examples
    --------
    >>> check_stack_output(None).status
    'unfinished'
    """
    expected = trace_stack(STACK_INPUT, STACK)[-1].output_length
    all_same = [{**layer, "padding": "same"} if layer["type"] == "conv" else layer for layer in STACK]
    pool_stride_one = [{**layer, "strides": 1} if layer["type"] == "pool" else layer for layer in STACK]
    misconceptions = [
        (
            trace_stack(STACK_INPUT, all_same)[-1].output_length,
            "You treated every convolution as 'same'. A 'valid' convolution loses "
            "kernel_size - 1 pixels, even with strides 1.",
        ),
        (
            trace_stack(STACK_INPUT, pool_stride_one)[-1].output_length,
            "You slid the pooling windows one pixel at a time. In Keras, strides default to "
            "pool_size, so a 2x2 pool halves the size.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="final length",
        misconceptions=misconceptions,
        hint="Go layer by layer, as trace_stack does.",
    )


def check_receptive_field(answer) -> Feedback:
    """Exercise 5: receptive field of :data:`RECEPTIVE_FIELD_LAYERS` stacked 3x3 convolutions.

    Examples
    --------
    >>> check_receptive_field(1.5).status
    'wrong'
    """
    layers = [{"type": "conv", "kernel_size": 3}] * RECEPTIVE_FIELD_LAYERS
    expected = trace_stack(64, layers)[-1].receptive_field
    misconceptions = [
        (
            3 * RECEPTIVE_FIELD_LAYERS,
            "You added the kernel sizes. Neighbouring windows overlap: each layer after the "
            "first adds kernel_size - 1 = 2 pixels, not 3.",
        ),
        (
            3**RECEPTIVE_FIELD_LAYERS,
            "You multiplied the kernel sizes. With strides 1 the field grows by kernel_size - 1 "
            "per layer, it does not multiply.",
        ),
        (
            3,
            "Each layer sees 3 cells of the layer below, but those cells already see several "
            "input pixels each: the field grows with depth.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="receptive field",
        misconceptions=misconceptions,
        hint="receptive_field_out = receptive_field + (kernel_size - 1) * jump.",
    )


def check_keep_size_padding(answer) -> Feedback:
    """Exercise 6: the padding that keeps a 100x100 map 100x100 under a 3x3 conv, strides 1.

    Examples
    --------
    >>> check_keep_size_padding("same").status
    'correct'
    """
    shrunk = conv_output_length(100, 3, 1, "valid")
    return check_choice(
        answer,
        "same",
        ["valid", "same"],
        name="padding",
        misconceptions={
            "valid": f"'valid' adds no zeros, so the 3x3 kernel fits only {shrunk} times across "
            "100 pixels: strides 1 keeps the size only with 'same' padding.",
        },
    )


def function_cases():
    """Test cases ``(input_length, kernel_size, strides, padding, dilation_rate)`` for exercise 7.

    They mix strides that divide evenly and strides that do not (so a missing floor shows),
    padding from 0 to 3 and dilation rates from 1 to 3, and every one has a non-empty output.

    Examples
    --------
    >>> len(function_cases()) >= 20
    True
    """
    cases = []
    for input_length in (5, 12, 28, 33, 100):
        for kernel_size, strides, padding, dilation_rate in (
            (3, 1, 0, 1),
            (5, 2, 2, 1),
            (3, 2, 1, 1),
            (4, 3, 0, 1),
            (3, 1, 1, 2),
            (2, 1, 3, 3),
        ):
            extent = dilated_kernel_size(kernel_size, dilation_rate)
            if input_length + 2 * padding >= extent:
                cases.append((input_length, kernel_size, strides, padding, dilation_rate))
    return cases


def _reference(input_length, kernel_size, strides=1, padding=0, dilation_rate=1):
    return conv_output_length(input_length, kernel_size, strides, padding, dilation_rate)


def _no_floor(input_length, kernel_size, strides=1, padding=0, dilation_rate=1):
    extent = dilated_kernel_size(kernel_size, dilation_rate)
    return (input_length - extent + 2 * padding) / strides + 1


def _no_plus_one(input_length, kernel_size, strides=1, padding=0, dilation_rate=1):
    return _reference(input_length, kernel_size, strides, padding, dilation_rate) - 1


def _no_padding(input_length, kernel_size, strides=1, padding=0, dilation_rate=1):
    return _reference(input_length, kernel_size, strides, 0, dilation_rate)


def _one_padding(input_length, kernel_size, strides=1, padding=0, dilation_rate=1):
    return _reference(input_length + padding, kernel_size, strides, 0, dilation_rate)


def _no_dilation(input_length, kernel_size, strides=1, padding=0, dilation_rate=1):
    return _reference(input_length, kernel_size, strides, padding, 1)


def check_output_length_function(function) -> Feedback:
    """Exercise 7: the learner's ``output_length`` against :func:`conv_output_length`.

    Examples
    --------
    >>> check_output_length_function(_no_plus_one).message
    'output_length is not right yet. You forgot the +1: there is one more window than steps between windows.'
    """
    return check_function(
        function,
        _reference,
        function_cases(),
        name="output_length",
        misconceptions=[
            (
                _no_floor,
                "You forgot the floor: some outputs are fractions. Use // (integer division) "
                "so that a window sticking out past the input is not counted.",
            ),
            (
                _no_plus_one,
                "You forgot the +1: there is one more window than steps between windows.",
            ),
            (_no_padding, "You left out the padding: add 2 * padding to the input length."),
            (
                _one_padding,
                "You added the padding once: P zeros go on each side, so add 2 * padding.",
            ),
            (
                _no_dilation,
                "You used kernel_size where the dilated extent belongs: "
                "dilation_rate * (kernel_size - 1) + 1.",
            ),
        ],
    )
