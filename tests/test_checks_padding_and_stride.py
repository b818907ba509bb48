"""Checkers of lesson 02: right, wrong (each misconception), unfinished and mistyped answers.

The right answers here are computed from the textbook formulas written out in the tests,
independently of course_utils.core.arithmetic.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils.checks import Feedback
from course_utils.checks import padding_and_stride as check

W, F, S, P = (check.OUTPUT_WIDTH[k] for k in ("input_length", "kernel_size", "strides", "padding"))
RIGHT_WIDTH = math.floor((W - F + 2 * P) / S) + 1


def status(feedback):
    assert isinstance(feedback, Feedback)
    return feedback.status


@pytest.mark.parametrize(
    "checker",
    [
        check.check_output_width,
        check.check_same_padding,
        check.check_dilated_output,
        check.check_stack_output,
        check.check_receptive_field,
        check.check_keep_size_padding,
        check.check_output_length_function,
    ],
)
@pytest.mark.parametrize("placeholder", [..., None])
def test_unfinished_answers(checker, placeholder):
    feedback = checker(placeholder)
    assert status(feedback) == "unfinished"
    assert "..." in feedback.message or "`" in feedback.message


@pytest.mark.parametrize(
    "checker, answer",
    [
        (check.check_output_width, "49"),
        (check.check_output_width, [49]),
        (check.check_same_padding, "0, 1"),
        (check.check_same_padding, 1),
        (check.check_dilated_output, "56"),
        (check.check_stack_output, True),
        (check.check_receptive_field, {"rf": 7}),
        (check.check_keep_size_padding, 1),
        (check.check_output_length_function, 49),
    ],
)
def test_wrongly_typed_answers(checker, answer):
    assert status(checker(answer)) == "invalid"


@pytest.mark.parametrize(
    "checker, answer, fragment",
    [
        (check.check_same_padding, (0, 1, 2), "3 values"),
        (check.check_keep_size_padding, "full", "not one of the options"),
    ],
)
def test_well_formed_answers_of_the_wrong_kind_are_wrong(checker, answer, fragment):
    feedback = checker(answer)
    assert status(feedback) == "wrong" and fragment in feedback.message


def test_output_width():
    assert status(check.check_output_width(RIGHT_WIDTH)) == "correct"
    assert status(check.check_output_width(float(RIGHT_WIDTH))) == "correct"
    wrong = {
        "+1": math.floor((W - F + 2 * P) / S),
        "floor": (W - F + 2 * P) / S + 1,
        "padding": math.floor((W - F) / S) + 1,
        "'same'": math.ceil(W / S),
    }
    assert len(set(wrong.values()) | {RIGHT_WIDTH}) == 5, "the exercise must separate the mistakes"
    for fragment, answer in wrong.items():
        feedback = check.check_output_width(answer)
        assert status(feedback) == "wrong"
        assert fragment in feedback.message
        advice = feedback.message.split("is not right.")[1]
        assert str(RIGHT_WIDTH) not in advice  # never gives the number away
    assert "floor((W - F + 2P) / S) + 1" in check.check_output_width(RIGHT_WIDTH + 7).message


def tf_same_padding(w, k, s):
    out = -(-w // s)
    total = max((out - 1) * s + k - w, 0)
    return total // 2, total - total // 2


def test_same_padding():
    w, k, s = (check.SAME_PADDING[key] for key in ("input_length", "kernel_size", "strides"))
    before, after = tf_same_padding(w, k, s)
    assert status(check.check_same_padding((before, after))) == "correct"
    assert status(check.check_same_padding([before, after])) == "correct"
    assert status(check.check_same_padding(np.array([before, after]))) == "correct"
    assert status(check.check_same_padding((..., after))) == "unfinished"
    stride_one = ((k - 1) // 2, k - 1 - (k - 1) // 2)
    feedback = check.check_same_padding(stride_one)
    assert status(feedback) == "wrong" and "strides=1" in feedback.message
    if before != after:
        feedback = check.check_same_padding((after, before))
        assert status(feedback) == "wrong" and "wrong side" in feedback.message
    assert status(check.check_same_padding((5, 5))) == "wrong"


def test_dilated_output():
    w, k, d = (check.DILATED[key] for key in ("input_length", "kernel_size", "dilation_rate"))
    extent = d * (k - 1) + 1
    assert status(check.check_dilated_output(w - extent + 1)) == "correct"
    feedback = check.check_dilated_output(w - k + 1)
    assert status(feedback) == "wrong" and "dilated extent" in feedback.message
    feedback = check.check_dilated_output(w - extent)
    assert status(feedback) == "wrong" and "+1" in feedback.message
    feedback = check.check_dilated_output(w)
    assert status(feedback) == "wrong" and "'same'" in feedback.message


def walk_stack(length, layers, conv_same=False, pool_stride=None, ignore_conv_strides=False):
    """The textbook rules, written out: 'valid' loses F - 1 then divides, 'same' gives ceil(W / S)."""
    for layer in layers:
        if layer["type"] == "conv":
            strides = 1 if ignore_conv_strides else layer.get("strides", 1)
            if conv_same or layer.get("padding") == "same":
                length = math.ceil(length / strides)
            else:
                length = (length - layer["kernel_size"]) // strides + 1
        else:
            stride = pool_stride or layer["pool_size"]
            length = (length - layer["pool_size"]) // stride + 1
    return length


def test_stack_output():
    right = walk_stack(check.STACK_INPUT, check.STACK)
    assert status(check.check_stack_output(right)) == "correct"
    feedback = check.check_stack_output(walk_stack(check.STACK_INPUT, check.STACK, conv_same=True))
    assert status(feedback) == "wrong" and "'same'" in feedback.message
    feedback = check.check_stack_output(walk_stack(check.STACK_INPUT, check.STACK, pool_stride=1))
    assert status(feedback) == "wrong" and "strides default to pool_size" in feedback.message
    feedback = check.check_stack_output(walk_stack(check.STACK_INPUT, check.STACK, ignore_conv_strides=True))
    assert status(feedback) == "wrong" and "only with strides 1" in feedback.message
    assert "layer by layer" in check.check_stack_output(right + 3).message


def receptive_field(layers, use_jump=True):
    field, jump = 1, 1
    for layer in layers:
        field += (layer["kernel_size"] - 1) * (jump if use_jump else 1)
        jump *= layer.get("strides", 1)
    return field


def test_receptive_field():
    layers = check.RECEPTIVE_FIELD_STACK
    assert any(layer.get("strides", 1) > 1 for layer in layers[:-1]), "the jump must matter"
    assert status(check.check_receptive_field(receptive_field(layers))) == "correct"
    assert "jump" in check.check_receptive_field(receptive_field(layers, use_jump=False)).message
    assert (
        "added the kernel sizes"
        in check.check_receptive_field(sum(layer["kernel_size"] for layer in layers)).message
    )
    assert (
        "multiplied the kernel sizes"
        in check.check_receptive_field(math.prod(layer["kernel_size"] for layer in layers)).message
    )
    assert status(check.check_receptive_field(3)) == "wrong"


def test_keep_size_padding():
    assert status(check.check_keep_size_padding(" Same ")) == "correct"
    feedback = check.check_keep_size_padding("valid")
    shrunk = check.KEEP_SIZE["input_length"] - check.KEEP_SIZE["kernel_size"] + 1
    assert status(feedback) == "wrong" and str(shrunk) in feedback.message


def good(input_length, kernel_size, strides=1, padding=0, dilation_rate=1):
    extent = dilation_rate * (kernel_size - 1) + 1
    return (input_length + 2 * padding - extent) // strides + 1


def test_output_length_function_right_and_unfinished():
    assert status(check.check_output_length_function(good)) == "correct"

    def unfinished(input_length, kernel_size, strides=1, padding=0, dilation_rate=1):
        raise NotImplementedError

    assert status(check.check_output_length_function(unfinished)) == "unfinished"

    def no_return(input_length, kernel_size, strides=1, padding=0, dilation_rate=1):
        (input_length + 2 * padding - kernel_size) // strides + 1

    assert status(check.check_output_length_function(no_return)) == "unfinished"


@pytest.mark.parametrize(
    "mistake, fragment",
    [
        (lambda w, k, s=1, p=0, d=1: (w + 2 * p - d * (k - 1) - 1) / s + 1, "floor"),
        (lambda w, k, s=1, p=0, d=1: (w + 2 * p - d * (k - 1) - 1) // s, "+1"),
        (lambda w, k, s=1, p=0, d=1: (w - d * (k - 1) - 1) // s + 1, "left out the padding"),
        (lambda w, k, s=1, p=0, d=1: (w + p - d * (k - 1) - 1) // s + 1, "once"),
        (lambda w, k, s=1, p=0, d=1: (w + 2 * p - k) // s + 1, "dilated extent"),
    ],
)
def test_output_length_function_misconceptions(mistake, fragment):
    feedback = check.check_output_length_function(mistake)
    assert status(feedback) == "wrong"
    assert fragment in feedback.message


def test_output_length_function_that_crashes_gets_feedback():
    feedback = check.check_output_length_function(lambda *args: 1 / 0)
    assert status(feedback) == "wrong" and "ZeroDivisionError" in feedback.message


def test_function_cases_separate_every_mistake():
    cases = check.function_cases()
    assert any((w + 2 * p - d * (k - 1) - 1) % s for w, k, s, p, d in cases)
    assert any(d > 1 for *_, d in cases) and any(p > 0 for _, _, _, p, _ in cases)
    assert all(good(*case) >= 1 for case in cases)
