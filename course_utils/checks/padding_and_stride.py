"""Checkers for the exercises of lesson 02 (padding and stride).

Each function checks one exercise. The right answer and the wrong answer that each
misconception produces are computed with :mod:`course_utils.core.arithmetic`, the module the
lesson teaches, so the feedback can never disagree with the formulas.

The settings of each exercise are module constants, so the exercise notebook, these
checkers and the tests read the same values. They are chosen so that every named
mistake gives its own wrong answer, and so that no answer is printed in the lesson.

Examples
--------
>>> check_output_width(...)
Unfinished: replace the `...` in width with your answer, then run the cell again.
>>> check_same_padding((3, 4))
Correct: (pad_before, pad_after) = (3, 4).
"""

from __future__ import annotations

import math
from fractions import Fraction

from course_utils.checks.framework import (
    Feedback,
    check_array,
    check_choice,
    check_design,
    check_function,
    check_number,
    checker,
)
from course_utils.core.arithmetic import (
    conv_output_length,
    dilated_kernel_size,
    receptive_field_step,
    same_padding,
    trace_stack,
)

__all__ = [
    "DESIGN",
    "DILATED",
    "KEEP_SIZE",
    "OUTPUT_WIDTH",
    "RECEPTIVE_FIELD_INPUT",
    "RECEPTIVE_FIELD_STACK",
    "SAME_PADDING",
    "STACK",
    "STACK_INPUT",
    "check_design_stack",
    "check_dilated_output",
    "check_keep_size_padding",
    "check_output_length_function",
    "check_output_width",
    "check_receptive_field",
    "check_same_padding",
    "check_stack_output",
    "function_cases",
]

#: Exercise 1: a 100-wide input, an 11x11 kernel, strides 2 and 4 zeros on each side.
OUTPUT_WIDTH = {"input_length": 100, "kernel_size": 11, "strides": 2, "padding": 4}
#: Exercise 2: the zeros TensorFlow adds for padding='same' (100 wide, 11x11 kernel, strides 4).
SAME_PADDING = {"input_length": 100, "kernel_size": 11, "strides": 4}
#: Exercise 3: a dilated 3x3 kernel with dilation_rate 4 on a 64-wide input, 'valid', strides 1.
DILATED = {"input_length": 64, "kernel_size": 3, "dilation_rate": 4}
#: Exercise 4: the size after a small stack (an odd size reaches a pooling layer on the way).
STACK_INPUT = 101
STACK = [
    {"type": "conv", "kernel_size": 3, "padding": "valid"},
    {"type": "conv", "kernel_size": 3, "padding": "valid"},
    {"type": "pool", "pool_size": 2},
    {"type": "conv", "kernel_size": 3, "strides": 2, "padding": "same"},
    {"type": "conv", "kernel_size": 3, "padding": "valid"},
    {"type": "pool", "pool_size": 2},
]
#: Exercise 5: the receptive field of one cell after these layers.
RECEPTIVE_FIELD_STACK = [
    {"type": "conv", "kernel_size": 3, "strides": 2, "padding": "same"},
    {"type": "conv", "kernel_size": 3, "strides": 2, "padding": "same"},
    {"type": "conv", "kernel_size": 3, "padding": "same"},
]
#: The input length used to trace that stack (the receptive field does not depend on it).
RECEPTIVE_FIELD_INPUT = 64
#: Exercise 6: the padding that keeps a 100-wide map 100 wide under a 3x3 conv with strides 1.
KEEP_SIZE = {"input_length": 100, "kernel_size": 3, "strides": 1}
#: Exercise 8: design a stack of convolutions (no pooling) for a 100-wide input.
DESIGN = {
    "input_length": 100,
    "min_output": 10,
    "max_output": 14,
    "min_receptive_field": 40,
    "max_layers": 6,
    "max_kernel_size": 5,
}


# ---------------------------------------------------------------------------
# Exercise 1
# ---------------------------------------------------------------------------
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
            math.floor(Fraction(input_length - extent + padding, strides)) + 1,
            "You added the padding once. P zeros go on each side of the input, so the padded "
            "input is W + 2P long.",
        ),
        (
            conv_output_length(input_length, kernel_size, strides, "same", dilation_rate),
            "That is what padding='same' gives (ceil(W / S)). Here the padding is a fixed number "
            "of zeros on each side: use the full formula.",
        ),
    ]
    if strides > 1:
        pairs.append(
            (
                input_length,
                "Padding does not keep the size when strides > 1: the window jumps S pixels, so "
                "the output has about W / S cells. Even 'same' padding keeps the size only with "
                "strides 1.",
            )
        )
    if dilation_rate > 1:
        pairs += [
            (
                conv_output_length(input_length, kernel_size, strides, padding, 1),
                "You used the kernel size instead of the dilated extent: a dilated kernel covers "
                "dilation_rate * (kernel_size - 1) + 1 positions.",
            ),
            (
                math.floor(Fraction(input_length - dilation_rate * kernel_size + 2 * padding, strides)) + 1,
                "You took dilation_rate * kernel_size as the extent. The gaps are only between "
                "the taps: dilation_rate * (kernel_size - 1) + 1.",
            ),
            (
                math.floor(Fraction(input_length - dilation_rate * (kernel_size - 1) + 2 * padding, strides))
                + 1,
                "Your extent misses the +1: dilation_rate * (kernel_size - 1) + 1 positions, "
                "counting the first tap.",
            ),
        ]
    return pairs


@checker
def check_output_width(answer) -> Feedback:
    """Exercise 1: the output width for :data:`OUTPUT_WIDTH`.

    Examples
    --------
    >>> check_output_width(OUTPUT_WIDTH["input_length"]).status
    'wrong'
    """
    expected = conv_output_length(**OUTPUT_WIDTH)
    return check_number(
        answer,
        expected,
        name="width",
        misconceptions=_output_width_misconceptions(**OUTPUT_WIDTH),
        hint="Use floor((W - F + 2P) / S) + 1 with W the input width, F the kernel size, "
        "P the zeros on each side and S the stride.",
    )


# ---------------------------------------------------------------------------
# Exercise 2
# ---------------------------------------------------------------------------
def _split(total: int) -> tuple[int, int]:
    """TensorFlow's split of ``total`` zeros: the odd one goes after the input."""
    return total // 2, total - total // 2


@checker
def check_same_padding(answer) -> Feedback:
    """Exercise 2: the ``(before, after)`` zeros TensorFlow adds for :data:`SAME_PADDING`.

    Examples
    --------
    >>> check_same_padding("3, 4").status
    'invalid'
    >>> check_same_padding(("3", "4")).status
    'invalid'
    """
    name = "(pad_before, pad_after)"
    width, kernel_size, strides = (SAME_PADDING[key] for key in ("input_length", "kernel_size", "strides"))
    before, after = same_padding(**SAME_PADDING)
    total = before + after
    keep_size_total = (width - 1) * strides + kernel_size - width
    misconceptions = [
        (
            same_padding(width, kernel_size),
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
            "Your zeros are split evenly and the odd one is missing: TensorFlow does not drop "
            "it, it puts it after the input.",
        ),
        (
            (0, 0),
            "With no zeros the output would have the 'valid' size. 'same' keeps ceil(W / S) "
            "outputs, so check how far the last window sticks out.",
        ),
        (
            _split(keep_size_total),
            "Those zeros would keep the output as wide as the input, but 'same' keeps the size "
            "only with strides 1: with strides S the output has ceil(W / S) cells.",
        ),
    ]
    return check_array(
        answer,
        (before, after),
        name=name,
        misconceptions=misconceptions,
        hint="First the output width ceil(W / S), then the total zeros "
        "max((ceil(W / S) - 1) * S + F - W, 0), then split it: the odd zero goes after.",
    )


# ---------------------------------------------------------------------------
# Exercise 3
# ---------------------------------------------------------------------------
@checker
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
        hint="First compute the extent the dilated kernel covers, dilation_rate * (kernel_size - 1) "
        "+ 1, and use it as F in the formula.",
    )


# ---------------------------------------------------------------------------
# Exercise 4
# ---------------------------------------------------------------------------
def _final_length(layers) -> int:
    return trace_stack(STACK_INPUT, layers)[-1].output_length


def _final_length_without_floor(layers) -> Fraction:
    """The final length when every floor and ceiling is left out (fractions of a pixel)."""
    length = Fraction(STACK_INPUT)
    for layer in layers:
        if layer["type"] == "conv":
            strides = layer.get("strides", 1)
            if layer.get("padding", "valid") == "same":
                length = length / strides
            else:
                length = (length - layer["kernel_size"]) / strides + 1
        else:
            strides = layer.get("strides") or layer["pool_size"]
            length = (length - layer["pool_size"]) / strides + 1
    return length


@checker
def check_stack_output(answer) -> Feedback:
    """Exercise 4: the length after :data:`STACK` on a :data:`STACK_INPUT`-long input.

    Examples
    --------
    >>> check_stack_output(None).status
    'unfinished'
    """
    expected = _final_length(STACK)
    convs_same = [{**layer, "padding": "same"} if layer["type"] == "conv" else layer for layer in STACK]
    pools_stride_one = [{**layer, "strides": 1} if layer["type"] == "pool" else layer for layer in STACK]
    same_keeps_size = [
        {key: value for key, value in layer.items() if key != "strides"} if layer["type"] == "conv" else layer
        for layer in STACK
    ]
    valid_loses_kernel = [
        {**layer, "kernel_size": layer["kernel_size"] + 1}
        if layer["type"] == "conv" and layer.get("padding") == "valid"
        else layer
        for layer in STACK
    ]
    misconceptions = [
        (
            _final_length(convs_same),
            "You treated every convolution as 'same'. A 'valid' convolution loses "
            "kernel_size - 1 pixels, even with strides 1.",
        ),
        (
            _final_length(pools_stride_one),
            "You slid the pooling windows one pixel at a time. In Keras, strides default to "
            "pool_size, so a 2x2 pool halves the size.",
        ),
        (
            _final_length(same_keeps_size),
            "You kept the size at the strided 'same' convolution. 'same' keeps the size only "
            "with strides 1: with strides S it gives ceil(W / S).",
        ),
        (
            _final_length_without_floor(STACK),
            "You left out the rounding: a pooling layer on an odd size drops the last row "
            "(floor), and a strided 'same' convolution rounds up (ceil). Sizes are whole numbers.",
        ),
        (
            _final_length(valid_loses_kernel),
            "Your 'valid' convolutions lose kernel_size pixels. They lose kernel_size - 1: "
            "W - F + 1 windows fit.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="final length",
        misconceptions=misconceptions,
        hint="Go layer by layer, as trace_stack does: 'valid' loses kernel_size - 1, 'same' gives "
        "ceil(W / S), a pool gives floor((W - pool_size) / strides) + 1.",
    )


# ---------------------------------------------------------------------------
# Exercise 5
# ---------------------------------------------------------------------------
def _receptive_field(layers, *, jumps=True, own_stride=False) -> int:
    """The receptive field after ``layers``, or what a learner gets by ignoring the jump."""
    field, jump = 1, 1
    for layer in layers:
        strides = layer.get("strides", 1)
        if own_stride:
            field += (layer["kernel_size"] - 1) * strides
            continue
        field, jump = receptive_field_step(field, jump, layer["kernel_size"], strides)
        if not jumps:
            jump = 1
    return field


@checker
def check_receptive_field(answer) -> Feedback:
    """Exercise 5: the receptive field of one cell after :data:`RECEPTIVE_FIELD_STACK`.

    Examples
    --------
    >>> check_receptive_field(1.5).status
    'wrong'
    """
    layers = RECEPTIVE_FIELD_STACK
    expected = trace_stack(RECEPTIVE_FIELD_INPUT, layers)[-1].receptive_field
    kernel_sizes = [layer["kernel_size"] for layer in layers]
    misconceptions = [
        (
            _receptive_field(layers, jumps=False),
            "You added kernel_size - 1 per layer, as with strides 1. After a strided layer, "
            "neighbouring cells are `jump` input pixels apart, so each later layer adds "
            "(kernel_size - 1) * jump.",
        ),
        (
            _receptive_field(layers, own_stride=True),
            "You multiplied by each layer's own stride. The growth uses the jump of the layer's "
            "input: the product of the strides of the layers before it.",
        ),
        (
            sum(kernel_sizes),
            "You added the kernel sizes. Neighbouring windows overlap: a layer adds "
            "(kernel_size - 1) * jump pixels, not kernel_size.",
        ),
        (
            math.prod(kernel_sizes),
            "You multiplied the kernel sizes. The field grows by (kernel_size - 1) * jump per "
            "layer; it does not multiply.",
        ),
        (
            kernel_sizes[-1],
            f"Each cell of the last layer sees {kernel_sizes[-1]} cells of the layer below, but those cells already "
            "see several input pixels each: the field grows with depth.",
        ),
        (
            expected - 1,
            "You forgot the starting pixel: the receptive field of the input is 1, and each "
            "layer adds (kernel_size - 1) * jump to it.",
        ),
    ]
    return check_number(
        answer,
        expected,
        name="receptive field",
        misconceptions=misconceptions,
        hint="Start from receptive field 1 and jump 1; each layer gives receptive_field + "
        "(kernel_size - 1) * jump, then jump * strides.",
    )


# ---------------------------------------------------------------------------
# Exercise 6
# ---------------------------------------------------------------------------
@checker
def check_keep_size_padding(answer) -> Feedback:
    """Exercise 6: the padding that keeps the size for :data:`KEEP_SIZE`.

    Examples
    --------
    >>> check_keep_size_padding("same").status
    'correct'
    """
    shrunk = conv_output_length(**KEEP_SIZE, padding="valid")
    width, kernel_size = KEEP_SIZE["input_length"], KEEP_SIZE["kernel_size"]
    return check_choice(
        answer,
        "same",
        ["valid", "same"],
        name="padding",
        misconceptions={
            "valid": f"'valid' adds no zeros, so the {kernel_size}x{kernel_size} kernel fits only "
            f"{shrunk} times across {width} pixels: strides 1 keeps the size only with 'same' padding.",
        },
    )


# ---------------------------------------------------------------------------
# Exercise 7
# ---------------------------------------------------------------------------
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


@checker(answer="function")
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
                "You used kernel_size where the dilated extent belongs: dilation_rate * (kernel_size - 1) + 1.",
            ),
        ],
        hint="Compute the extent dilation_rate * (kernel_size - 1) + 1, then "
        "(input_length + 2 * padding - extent) // strides + 1.",
    )


# ---------------------------------------------------------------------------
# Exercise 8
# ---------------------------------------------------------------------------
_DESIGN_FORM = (
    'a list of layer dicts such as [{"type": "conv", "kernel_size": 3, "strides": 2, "padding": "same"}, ...]'
)


def _evaluate_stack(layers) -> dict:
    """What the design checker needs: the final length, receptive field and kernel sizes."""
    for number, layer in enumerate(layers):
        if not isinstance(layer, dict) or layer.get("type") != "conv":
            raise ValueError(
                f"layers[{number}] should be a convolution, a dict with 'type': 'conv', but it is {layer!r}."
            )
    final = trace_stack(DESIGN["input_length"], list(layers))[-1]
    return {
        "layers": len(layers),
        "output": final.output_length,
        "receptive_field": final.receptive_field,
        "largest_kernel": max((layer["kernel_size"] for layer in layers), default=0),
        "strided": sum(layer.get("strides", 1) > 1 for layer in layers),
        "valid": sum(layer.get("padding", "valid") == "valid" for layer in layers),
    }


def _shrink_less(facts) -> str:
    """How this stack could shrink less, from the layers it has."""
    ways = []
    if facts["strided"]:
        ways.append(f"fewer strided layers (it has {facts['strided']})")
    if facts["valid"]:
        ways.append("'same' padding instead of 'valid'")
    return " or ".join(ways) if ways else "smaller strides"


def _widen_view(facts) -> str:
    """Where a layer of this stack widens the view the most."""
    if facts["strided"]:
        return "a layer adds (kernel_size - 1) * jump, so layers after the strided ones add the most"
    return "a layer adds (kernel_size - 1) * jump, and the jump grows only after a strided layer: add strides"


@checker
def check_design_stack(answer) -> Feedback:
    """Exercise 8: any stack of convolutions that meets :data:`DESIGN` is right.

    Examples
    --------
    >>> stride_two = {"type": "conv", "kernel_size": 3, "strides": 2, "padding": "same"}
    >>> check_design_stack([stride_two] * 3).status
    'wrong'
    """
    d = DESIGN
    low, high = d["min_output"], d["max_output"]
    requirements = [
        (
            lambda f: f["layers"] <= d["max_layers"],
            lambda f: f"It has {f['layers']} layers; use at most {d['max_layers']}.",
        ),
        (
            lambda f: f["largest_kernel"] <= d["max_kernel_size"],
            lambda f: (
                f"It uses a {f['largest_kernel']}-wide kernel; keep every kernel_size at most "
                f"{d['max_kernel_size']} (stack small kernels instead)."
            ),
        ),
        (
            lambda f: f["output"] >= low,
            lambda f: f"The final map is {f['output']} wide, smaller than {low}: use {_shrink_less(f)}.",
        ),
        (
            lambda f: f["output"] <= high,
            lambda f: (
                f"The final map is {f['output']} wide, larger than {high}: strides of 2 halve "
                "the size, so count how many halvings bring the input into the range."
            ),
        ),
        (
            lambda f: f["receptive_field"] >= d["min_receptive_field"],
            lambda f: (
                f"Each final cell sees {f['receptive_field']} input pixels, fewer than "
                f"{d['min_receptive_field']}: {_widen_view(f)}."
            ),
        ),
    ]
    return check_design(
        answer,
        _evaluate_stack,
        requirements,
        name="your stack",
        form=_DESIGN_FORM,
        summary=lambda f: (
            f"{f['layers']} layers, a final map {f['output']} wide whose cells each see "
            f"{f['receptive_field']} input pixels."
        ),
    )
