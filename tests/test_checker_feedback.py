"""The feedback of every checker is right: correct answers pass, wrong ones fail, mistakes are named.

Three layers of tests:

1. every checker expects the right answer worked out in ``tests/exercise_answers.py``, independently
   of the checker (by hand, with the formula written out, with SciPy, scikit-learn or Keras), and
   accepts it in every form Python treats as the same (int or whole float, NumPy scalars,
   Fraction, tuple, list or array); a function written there passes each function exercise;
2. every misconception a checker knows is fed back to it, and the checker names that
   misconception (and only the mistakes that give the same answer); a wrong answer that no
   misconception explains gets the hint;
3. a table of answers that learners really give, each with the status and the words the
   message must (and must not) contain, and designs judged against facts worked out here.

No message of a wrong answer ends on a bare "is not right.": it names a mistake or gives a hint.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from fractions import Fraction

import nbformat
import numpy as np
import pytest
from checker_spy import framework_call
from exercise_answers import (
    ANSWERS,
    REFERENCES,
    Z_ANSWERS,
    Z_EXACT,
    clinic_readings,
    keras_stack,
    receptive_field,
    seeds_gain,
    stack_length,
    stack_lengths,
    stored_run,
)

import course_utils.checks
from course_tools import ROOT
from course_utils.checks import capstone as c09
from course_utils.checks import convolution_arithmetic as c01
from course_utils.checks import framework
from course_utils.checks import metrics as c06
from course_utils.checks import overfitting as c07
from course_utils.checks import padding_and_stride as c02
from course_utils.checks import parameter_counting as c04
from course_utils.checks import pooling as c03
from course_utils.checks import regularization as c08
from course_utils.checks import training as c05
from course_utils.checks.framework import Feedback
from course_utils.core import arithmetic as A
from course_utils.core import metrics as M
from course_utils.core import params as P
from course_utils.core import reference_ops as ops
from course_utils.engines.diagnosis import VERDICTS
from course_utils.engines.layer_specs import to_keras

LESSON_MODULES = [
    importlib.import_module(f"course_utils.checks.{info.name}")
    for info in pkgutil.iter_modules(course_utils.checks.__path__)
    if info.name != "framework"
]
CHECKERS = sorted(
    (
        value
        for module in LESSON_MODULES
        for name, value in vars(module).items()
        if name.startswith("check_") and callable(value) and value.__module__ == module.__name__
    ),
    key=lambda f: (f.__module__, f.__name__),
)
VALUE_CHECKERS = [c for c in CHECKERS if c.answer_kind == "value"]
FUNCTION_CHECKERS = [c for c in CHECKERS if c.answer_kind == "function"]


@pytest.fixture(autouse=True)
def strict(monkeypatch):
    monkeypatch.setattr(framework, "STRICT", True)


def assert_feedback(feedback, status, *fragments, absent=()):
    assert isinstance(feedback, Feedback)
    assert feedback.status == status, str(feedback)
    for fragment in fragments:
        assert fragment.lower() in feedback.message.lower(), str(feedback)
    for fragment in absent:
        assert fragment.lower() not in feedback.message.lower(), str(feedback)
    if status == "wrong":
        assert not feedback.message.rstrip().endswith("is not right."), f"bare message: {feedback}"


# ---------------------------------------------------------------------------
# The right answers, worked out in the tests, and what each checker expects
# ---------------------------------------------------------------------------
SPIED = {checker: framework_call(checker) for checker in VALUE_CHECKERS}
"""What each value checker passes to the framework, caught by a spy: ``(function name, args, kwargs)``.
Only its misconceptions, hint and options are read from it; every right answer comes from
``tests/exercise_answers.py``, and ``test_each_checker_expects_the_answer_worked_out_here`` holds the
checker's own expected value to it."""


def _kind(answer) -> str:
    if isinstance(answer, str):
        return "check_choice"
    return "check_array" if isinstance(answer, (tuple, np.ndarray)) else "check_number"


def _rows(kind):
    return [
        (checker, answer, SPIED[checker][2]) for checker, answer in ANSWERS.items() if _kind(answer) == kind
    ]


NUMBER_ROWS = _rows("check_number")
ARRAY_ROWS = _rows("check_array")
CHOICE_ROWS = _rows("check_choice")


def _close(a, b) -> bool:
    """The same number: exactly for counts and fractions, to the last few bits for floats."""
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15)
    return Fraction(a) == Fraction(b)


def test_every_value_exercise_has_an_answer_worked_out_in_the_tests():
    built_on_the_framework = {
        checker
        for checker, (name, _, _) in SPIED.items()
        if name in ("check_number", "check_array", "check_choice")
    }
    assert built_on_the_framework == set(ANSWERS), (
        "work out each new exercise's answer in exercise_answers.py"
    )
    others = set(VALUE_CHECKERS) - set(ANSWERS)  # designs and checkers with their own logic
    assert others == set(UNKNOWN_WRONG), "give each of them an unknown wrong answer in UNKNOWN_WRONG"


@pytest.mark.parametrize("checker", list(ANSWERS), ids=lambda c: c.__name__)
def test_each_checker_expects_the_answer_worked_out_here(checker):
    answer = ANSWERS[checker]
    name, args, kwargs = SPIED[checker]
    assert name == _kind(answer)
    expected = args[1]
    if isinstance(answer, str):
        assert expected == answer
    elif isinstance(answer, (tuple, np.ndarray)):
        expected, answer = np.asarray(expected), np.asarray(answer)
        assert expected.shape == answer.shape
        if answer.dtype.kind in "iu":
            assert np.array_equal(expected, answer), (expected, answer)
        else:
            assert np.allclose(expected, answer, rtol=1e-9, atol=1e-12), (expected, answer)
    else:
        if isinstance(answer, int):  # a count: the checker compares it exactly
            assert isinstance(expected, int) and not isinstance(expected, bool), expected
        assert _close(expected, answer), (expected, answer)
    if checker in Z_ANSWERS:  # the full-precision z is right too
        rights = [args[1], *kwargs.get("also_right", ())]
        assert any(_close(right, Z_ANSWERS[checker](Z_EXACT)) for right in rights)


def _number_forms(value):
    """The same number written in the ways Python and NumPy allow."""
    forms = [value, np.float64(value), np.array(float(value))]
    if isinstance(value, Fraction):
        forms += [float(value), np.float32(float(value))]
    elif float(value).is_integer():
        forms += [int(value), float(value), np.int64(int(value)), np.int32(int(value)), Fraction(int(value))]
    else:
        forms += [float(value)]
    return forms


@pytest.mark.parametrize("checker, expected, kwargs", NUMBER_ROWS, ids=lambda v: getattr(v, "__name__", ""))
def test_number_answers_pass_in_every_form(checker, expected, kwargs):
    rights = [expected] + ([Z_ANSWERS[checker](Z_EXACT)] if checker in Z_ANSWERS else [])
    for right in rights:
        for form in _number_forms(right):
            assert_feedback(checker(form), "correct")


@pytest.mark.parametrize("checker, expected, kwargs", ARRAY_ROWS, ids=lambda v: getattr(v, "__name__", ""))
def test_array_answers_pass_in_every_form(checker, expected, kwargs):
    expected = np.asarray(expected)
    forms = [expected, expected.tolist(), expected.astype(float), expected.astype(np.float32)]
    if expected.ndim == 1:
        forms += [tuple(expected.tolist()), tuple(np.int64(v) for v in expected.tolist())]
    for form in forms:
        assert_feedback(checker(form), "correct")


def _options(checker):
    _, args, kwargs = SPIED[checker]
    return list(args[2] if len(args) > 2 else kwargs["options"])


@pytest.mark.parametrize("checker, expected, kwargs", CHOICE_ROWS, ids=lambda v: getattr(v, "__name__", ""))
def test_choice_answers_pass_whatever_the_case_and_spaces(checker, expected, kwargs):
    assert expected in _options(checker)
    for form in (expected, expected.upper(), f"  {expected.lower()} "):
        assert_feedback(checker(form), "correct")


@pytest.mark.parametrize("checker, expected, kwargs", NUMBER_ROWS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_number_misconception_is_named(checker, expected, kwargs):
    pairs = framework._pairs(kwargs.get("misconceptions"))
    assert pairs, f"{checker.__name__} names no misconception"
    assert kwargs.get("hint"), f"{checker.__name__} has no hint for other wrong answers"

    shown = 0
    for wrong, message in pairs:
        if _close(wrong, expected):
            continue  # for these exercise numbers the mistake gives the right answer
        shown += 1
        feedback = checker(wrong if not isinstance(wrong, Fraction) else float(wrong))
        assert_feedback(feedback, "wrong", message)
        others = [m for w, m in pairs if m != message and not _close(w, wrong) and m not in message]
        for other in others:  # never a mistake that does not give this answer
            assert other not in feedback.message
    assert shown, f"none of {checker.__name__}'s misconceptions is reachable"


@pytest.mark.parametrize("checker, expected, kwargs", ARRAY_ROWS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_array_misconception_is_named(checker, expected, kwargs):
    expected = np.asarray(expected)
    pairs = framework._pairs(kwargs.get("misconceptions"))
    assert pairs and kwargs.get("hint")
    shown = 0
    for wrong, message in pairs:
        wrong = np.asarray(wrong)
        if wrong.shape == expected.shape and np.allclose(wrong, expected):
            continue
        shown += 1
        assert_feedback(checker(wrong), "wrong", message)
        assert_feedback(checker(wrong.tolist()), "wrong", message)
    assert shown, f"none of {checker.__name__}'s misconceptions is reachable"


@pytest.mark.parametrize("checker, expected, kwargs", CHOICE_ROWS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_wrong_option_is_explained(checker, expected, kwargs):
    explained = kwargs.get("misconceptions") or {}
    wrong_options = [option for option in _options(checker) if option.lower() != expected.lower()]
    assert wrong_options, f"{checker.__name__} offers no wrong option"
    for option in wrong_options:
        assert option in explained, f"{checker.__name__}: option {option!r} has no misconception"
        assert_feedback(checker(option), "wrong", explained[option])


#: Function checkers built on check_function (one that runs the learner's code its own way, such as the
#: Keras 3 port of lesson 05, is covered by its own tests and by the bad-input tests).
CHECK_FUNCTION_CHECKERS = [
    c for c in FUNCTION_CHECKERS if framework_call(c, lambda *a, **k: 0)[0] == "check_function"
]


def test_most_function_checkers_use_the_framework():
    assert len(CHECK_FUNCTION_CHECKERS) >= 6
    assert set(CHECK_FUNCTION_CHECKERS) == set(REFERENCES), (
        "write each new exercise's function in exercise_answers.py"
    )


@pytest.mark.parametrize("checker", CHECK_FUNCTION_CHECKERS, ids=lambda c: c.__name__)
def test_a_function_written_in_the_tests_is_right(checker):
    """The function written in exercise_answers.py passes, and gives what the checker's own reference
    gives on every case the checker tries."""
    _, args, kwargs = framework_call(checker, lambda *a, **k: 0)
    reference, cases = args[1], list(args[2])
    assert cases
    for case in cases:
        got, want = REFERENCES[checker](*case), reference(*case)
        assert np.allclose(
            np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=1e-9, atol=1e-9
        ), (
            case,
            got,
            want,
        )
    assert_feedback(checker(REFERENCES[checker]), "correct")


@pytest.mark.parametrize("checker", CHECK_FUNCTION_CHECKERS, ids=lambda c: c.__name__)
def test_every_function_misconception_is_named(checker):
    _, args, kwargs = framework_call(checker, lambda *a, **k: 0)
    pairs = kwargs.get("misconceptions") or []
    assert pairs and kwargs.get("hint")
    for wrong_function, message in pairs:
        assert_feedback(checker(wrong_function), "wrong", message)
    # a wrong function that matches no misconception gets the first failing case and the hint
    assert_feedback(checker(lambda *a, **k: "junk"), "wrong", "returned", kwargs["hint"])


# ---------------------------------------------------------------------------
# Every tolerance is narrower than the smallest named mistake
# ---------------------------------------------------------------------------
def _tolerance(a: Fraction, b: Fraction, rel_tol, abs_tol) -> Fraction:
    """How far apart the framework lets two numbers be and still calls them equal."""
    return max(Fraction(rel_tol) * max(abs(a), abs(b)), Fraction(abs_tol))


@pytest.mark.parametrize("checker, expected, kwargs", NUMBER_ROWS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_number_tolerance_is_narrower_than_each_named_mistake(checker, expected, kwargs):
    """No answer is within the tolerance of both the right value and a named mistake (the tolerance
    balls around them do not even touch): epsilon on the std must not pass for epsilon on the variance."""
    rights = [Fraction(right) for right in (expected, *kwargs.get("also_right", ()))]
    rel_tol, abs_tol = kwargs.get("rel_tol", 1e-6), kwargs.get("abs_tol", 1e-12)
    for wrong, message in framework._pairs(kwargs.get("misconceptions")):
        wrong = Fraction(wrong)
        if wrong in rights:
            continue  # a mistake that gives the right value here is never shown
        for right in rights:
            if isinstance(expected, int):
                assert wrong != right  # counts compare exactly
                continue
            distance = abs(wrong - right)
            assert distance > 2 * _tolerance(wrong, right, rel_tol, abs_tol), (
                f"{checker.__name__}: {float(wrong)!r} ({message[:60]}...) is within twice the tolerance "
                f"(rel_tol={rel_tol}, abs_tol={abs_tol}) of the right {float(right)!r}"
            )


@pytest.mark.parametrize("checker, expected, kwargs", ARRAY_ROWS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_array_tolerance_is_narrower_than_each_named_mistake(checker, expected, kwargs):
    expected = np.asarray(expected)
    atol, rtol = kwargs.get("atol", 1e-6), kwargs.get("rtol", 1e-6)
    for wrong, message in framework._pairs(kwargs.get("misconceptions")):
        wrong = np.asarray(wrong, dtype=float)
        if wrong.shape != expected.shape or np.array_equal(wrong, expected):
            continue
        assert not framework._arrays_equal(wrong, expected.astype(float), 2 * atol, 2 * rtol), message


@pytest.mark.parametrize("checker", CHECK_FUNCTION_CHECKERS, ids=lambda c: c.__name__)
def test_every_function_tolerance_is_narrower_than_each_named_mistake(checker):
    _, args, kwargs = framework_call(checker, lambda *a, **k: 0)
    reference, cases = args[1], list(args[2])
    atol, rtol = kwargs.get("atol", 1e-6), kwargs.get("rtol", 1e-6)
    wants = [framework._call(reference, case) for case in cases]
    for wrong_function, message in kwargs.get("misconceptions") or []:
        with np.errstate(all="ignore"):
            outputs = [framework._call(wrong_function, case) for case in cases]
        assert any(
            not framework._outputs_match(got, want, 2 * atol, 2 * rtol) for got, want in zip(outputs, wants)
        ), f"{checker.__name__}: {message[:60]}... matches the reference within twice the tolerance"


# ---------------------------------------------------------------------------
# Lesson 01
# ---------------------------------------------------------------------------
LAYER_OUT = (
    A.conv_output_length(c01.LAYER["input_shape"][0], c01.LAYER["kernel_size"]),
    A.conv_output_length(c01.LAYER["input_shape"][1], c01.LAYER["kernel_size"]),
    c01.LAYER["filters"],
)


def _einsum_conv2d_float32(x, kernel, bias):
    x, kernel, bias = (np.asarray(v, dtype=np.float32) for v in (x, kernel, bias))
    kh, kw = kernel.shape[:2]
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))
    return np.einsum("bhwcij,ijcf->bhwf", windows, kernel) + bias


def _keras_conv2d(x, kernel, bias):
    import keras

    layer = keras.layers.Conv2D(kernel.shape[3], kernel.shape[:2])
    layer.build(x.shape)
    layer.set_weights([kernel.astype("float32"), bias.astype("float32")])
    return np.asarray(layer(x.astype("float32")))


def test_my_conv2d_in_float32_is_right():
    assert_feedback(c01.check_my_conv2d(_einsum_conv2d_float32), "correct")


def test_my_conv2d_built_on_keras_is_right(keras):
    assert_feedback(c01.check_my_conv2d(_keras_conv2d), "correct")


CASES_01 = [
    (c01.check_output_shape, tuple(str(v) for v in LAYER_OUT), "invalid", ["quotes"], []),
    (c01.check_output_shape, [LAYER_OUT[0], LAYER_OUT[1]], "wrong", ["2 values", "3"], []),
    (c01.check_output_shape, (None, *LAYER_OUT), "wrong", ["batch axis"], []),
    (
        c01.check_output_shape,
        (None, LAYER_OUT[0] - 1, LAYER_OUT[1] - 1, LAYER_OUT[2]),
        "wrong",
        ["batch axis", "forgot the +1"],
        [],
    ),
    (c01.check_vertical_edge_kernel, "B", "wrong", ["sum to 1", "smooths"], []),
    (c01.check_kernel_shape, tuple(str(v) for v in (3, 3, 3, 32)), "invalid", ["quotes"], []),
    (
        c01.check_feature_map,
        ops.correlate2d(c01.IMAGE_MAP, c01.KERNEL_MAP) + np.eye(3),
        "wrong",
        ["3 of its 9 values wrong", "at index (0, 0): 1 too large"],
        [],
    ),
    (c01.check_feature_map, ops.correlate2d(c01.IMAGE_MAP, c01.KERNEL_MAP) * 2, "wrong", ["2 times"], []),
    (c01.check_feature_map, ops.correlate2d(c01.IMAGE_MAP, c01.KERNEL_MAP) + 1, "wrong", ["same amount"], []),
    (
        c01.check_feature_map,
        ops.correlate2d(c01.IMAGE_MAP, c01.KERNEL_MAP).astype(str),
        "invalid",
        ["quotes"],
        [],
    ),
    (c01.check_window_value, "eleven", "invalid", ["string"], ["quotes"]),
    (c01.check_window_value, "11", "invalid", ["remove the quotes"], []),
    (c01.check_window_value, 10**400, "wrong", ["401 digits"], []),
    (c01.check_vertical_edge_kernel, "D", "wrong", ["not one of the options", "'A'"], []),
    (c01.check_my_conv2d, lambda x, kernel, bias: "done", "wrong", ["string"], []),
    (
        c01.check_my_conv2d,
        lambda x, kernel, bias: _keras_conv2d_free(x, kernel, bias) * 255,
        "wrong",
        ["255 times"],
        [],
    ),
    (
        c01.check_my_conv2d,
        lambda x, kernel, bias: _keras_conv2d_free(x, kernel, bias).astype(int),
        "wrong",
        ["instead of"],
        [],
    ),
]


def _keras_conv2d_free(x, kernel, bias):
    return ops.conv2d(x, kernel, bias)


# ---------------------------------------------------------------------------
# Lesson 02
# ---------------------------------------------------------------------------
OW = c02.OUTPUT_WIDTH
W1, F1, S1, P1 = OW["input_length"], OW["kernel_size"], OW["strides"], OW["padding"]
SP = c02.SAME_PADDING
SAME = A.same_padding(**SP)
SAME_TOTAL = sum(SAME)
STACK_FINAL = A.trace_stack(c02.STACK_INPUT, c02.STACK)[-1].output_length

CASES_02 = [
    (
        c02.check_output_width,
        math.floor((W1 - F1 + P1) / S1) + 1,
        "wrong",
        ["padding once"],
        ["forgot the +1"],
    ),
    (c02.check_output_width, A.conv_output_length(**OW) - 1, "wrong", ["forgot the +1"], ["padding once"]),
    (c02.check_output_width, (W1 - F1 + 2 * P1) / S1 + 1, "wrong", ["floor"], []),
    (c02.check_output_width, W1, "wrong", ["strides > 1"], []),
    (c02.check_output_width, float(A.conv_output_length(**OW)), "correct", [], []),
    (c02.check_same_padding, (0, 0), "wrong", ["no zeros"], ["one zero short", str(SAME)]),
    (c02.check_same_padding, (SAME_TOTAL // 2,) * 2, "wrong", ["odd one"], [str(SAME)]),
    (c02.check_same_padding, SAME[::-1], "wrong", ["wrong side"], []),
    (c02.check_same_padding, tuple(str(v) for v in SAME), "invalid", ["quotes"], []),
    (c02.check_same_padding, np.array(SAME), "correct", [], []),
    (c02.check_same_padding, list(SAME), "correct", [], []),
    (c02.check_same_padding, SAME_TOTAL, "invalid", ["2 numbers", "single number"], []),
    (c02.check_keep_size_padding, "full", "wrong", ["not one of the options", "'valid' or 'same'"], ["type"]),
    (c02.check_stack_output, STACK_FINAL, "correct", [], []),
]


def test_the_stack_exercise_shows_a_missing_floor():
    rows = A.trace_stack(c02.STACK_INPUT, c02.STACK)
    before_pools = [row.output_length for row, layer in zip(rows, c02.STACK) if layer["type"] == "pool"]
    assert any(size % 2 for size in before_pools), "an odd size must reach a pooling layer"
    assert any(layer.get("strides", 1) > 1 and layer.get("padding") == "same" for layer in c02.STACK)


def test_every_mistake_of_the_numeric_exercises_gives_its_own_answer():
    """Where two mistakes give the same answer both are named, but the exercises avoid it."""
    allowed_together = {
        "check_pooling_stages",  # rounding up and counting the sizes: always one stage apart
        "check_best_epoch",  # the training loss is lowest at the last epoch, as it usually is
    }
    for checker, expected, kwargs in NUMBER_ROWS:
        if checker.__name__ in allowed_together:
            continue
        messages = {}
        for wrong, message in framework._pairs(kwargs["misconceptions"]):
            if not _close(wrong, expected):
                messages.setdefault(Fraction(wrong), set()).add(message)
        shared = {v: m for v, m in messages.items() if len(m) > 1}
        assert not shared, f"{checker.__name__}: {shared}"


# ---------------------------------------------------------------------------
# Lesson 03
# ---------------------------------------------------------------------------
def test_stage_counting_and_rounding_up_are_both_named():
    feedback = c03.check_pooling_stages(A.max_pooling_stages(**c03.STAGES) + 1)
    assert_feedback(feedback, "wrong", "counted the sizes")


def test_exercise_03_imports_math_for_the_floor():
    for folder in ("solutions", "exercises"):
        notebook = nbformat.read(ROOT / folder / "03_pooling.ipynb", as_version=4)
        code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
        setup = "\n".join(code[:3])  # the Colab install cell, then the setup and the imports
        assert "import math" in setup, folder


CASES_03 = [
    (c03.check_pooled_size, c03.POOLED_SIZE["input_length"] // 2, "wrong", ["does not always halve"], []),
    (c03.check_pooled_size, A.pool_output_length(c03.POOLED_SIZE["input_length"], 2), "wrong", ["halve"], []),
    (c03.check_pooling_statement, "A", "wrong", ["not a proven optimum"], []),
    (c03.check_max_pool_by_hand, [["6", "2"], ["7", "9"]], "invalid", ["quotes"], []),
    (c03.check_max_pool_by_hand, [[6, 2], [7]], "invalid", ["different lengths"], []),
    (c03.check_max_pool_2x2_function, lambda image: "pooled", "wrong", ["string"], []),
    (c03.check_learnable_pool_params, 7, "wrong", ["bias per filter"], []),
    (c03.check_global_average_features, 7, "wrong", ["its mean"], []),
]


# ---------------------------------------------------------------------------
# Lesson 04
# ---------------------------------------------------------------------------
CONV = c04.CONV_LAYER
CONV_RIGHT = P.conv2d_params(CONV["kernel_size"], CONV["input_shape"][2], CONV["filters"])
CONV_WEIGHTS = P.conv2d_params(CONV["kernel_size"], CONV["input_shape"][2], CONV["filters"], use_bias=False)
B = c04.BOTTLENECK
BOTTLENECK_RIGHT = P.conv2d_macs(
    B["input_shape"][:2], 1, B["input_shape"][2], B["reduce_to"]
) + P.conv2d_macs(B["input_shape"][:2], B["kernel_size"], B["reduce_to"], B["filters"])
MODEL_VALID = c04.layer_table(
    c04.EXERCISE_INPUT, [{**s, "padding": "valid"} if "padding" in s else s for s in c04.EXERCISE_CNN]
).total_params
ACT = c04.ACTIVATION_LAYER
ACT_VALID = P.activation_bytes(
    (
        A.conv_output_length(ACT["input_shape"][0], ACT["kernel_size"]),
        A.conv_output_length(ACT["input_shape"][1], ACT["kernel_size"]),
        ACT["filters"],
    ),
    ACT["batch_size"],
)


def _significant(value, digits):
    return float(f"{value:.{digits}e}")


CASES_04 = [
    (c04.check_conv_params, 2 * CONV_WEIGHTS, "wrong", ["bias of 1 for every weight"], []),
    (c04.check_conv_params, CONV_RIGHT + 0.01, "wrong", ["not a whole number"], []),
    (c04.check_conv_params, float(CONV_RIGHT), "correct", [], []),
    (c04.check_bottleneck_macs, _significant(BOTTLENECK_RIGHT, 5), "wrong", ["exact to the last digit"], []),
    (c04.check_bottleneck_macs, float(BOTTLENECK_RIGHT), "correct", [], []),
    (c04.check_model_total, MODEL_VALID, "wrong", ["'valid' padding", "'same'"], []),
    (c04.check_activation_memory, ACT_VALID, "wrong", ["'valid' padding"], []),
]


# ---------------------------------------------------------------------------
# Lesson 05
# ---------------------------------------------------------------------------
def _split():
    rng = np.random.default_rng(1)
    return {
        name: (rng.integers(0, 256, size=(n, 4, 4, 1), dtype=np.uint8), rng.integers(0, 10, size=n))
        for name, n in (("train", 8), ("val", 4), ("test", 4))
    }


SPLIT = _split()


def _prepared(pair):
    return (c05.reference_prepare_images(pair[0]), pair[1])


@pytest.mark.parametrize(
    "answer, status, fragment",
    [
        (SPLIT["val"], "correct", "validation split"),
        (_prepared(SPLIT["val"]), "correct", "validation split"),
        (list(_prepared(SPLIT["val"])), "correct", "validation split"),
        (SPLIT["test"], "wrong", "test set"),
        (_prepared(SPLIT["test"]), "wrong", "test set"),
        (_prepared(SPLIT["train"]), "wrong", "training data"),
        (SPLIT["val"][::-1], "wrong", "swapped"),
    ],
)
def test_validation_data_is_recognised_by_content(answer, status, fragment):
    assert_feedback(c05.check_validation_data(answer, **SPLIT), status, fragment)


CASES_05 = [
    (c05.check_checkpoint_name, "best.WEIGHTS.H5", "wrong", ["letter for letter"], []),
    (c05.check_checkpoint_name, "checkpoints/epoch-{epoch:02d}.weights.h5", "correct", [], []),
    (c05.check_checkpoint_name, "model.pt", "wrong", [".weights.h5"], []),
    (c05.check_prepare_images, lambda images: "scaled", "wrong", ["string"], []),
    (
        c05.check_prepare_images,
        lambda images: c05.reference_prepare_images(images).astype("float64"),
        "wrong",
        ["float64", "float32"],
        [],
    ),
    (
        c05.check_prepare_images,
        lambda images: c05.reference_prepare_images(images) * 255,
        "wrong",
        ["forgot to scale"],
        [],
    ),
    (c05.check_compile, None, "invalid", ["returns None"], ["still `...`"]),
    (
        c05.check_tell_apart,
        "yes",
        "wrong",
        [
            f"ahead by {(c05.COMPARISON['only_b'] - c05.COMPARISON['only_a']) / c05.COMPARISON['n']:.4f}",
            "holds 0",
        ],
        [],
    ),
]


def _model(keras, activation="softmax"):
    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(10, activation=activation)])


@pytest.mark.parametrize(
    "changes, status, fragment",
    [
        (lambda k: {}, "correct", "compiled"),
        (lambda k: {"loss": k.losses.sparse_categorical_crossentropy}, "correct", "compiled"),
        (lambda k: {"loss": k.losses.SparseCategoricalCrossentropy()}, "correct", "compiled"),
        (lambda k: {"optimizer": k.optimizers.Adam(1e-3)}, "correct", "compiled"),
        (lambda k: {"metrics": ["sparse_categorical_accuracy"]}, "correct", "compiled"),
        (lambda k: {"metrics": [k.metrics.SparseCategoricalAccuracy()]}, "correct", "compiled"),
        (lambda k: {"optimizer": "sgd"}, "wrong", "Adam"),
        (
            lambda k: {"loss": k.losses.SparseCategoricalCrossentropy(from_logits=True)},
            "wrong",
            "from_logits",
        ),
        (lambda k: {"metrics": ["categorical_accuracy"]}, "wrong", "one-hot"),
        (lambda k: {"metrics": [k.metrics.CategoricalAccuracy()]}, "wrong", "one-hot"),
        (lambda k: {"loss": "categorical_crossentropy"}, "wrong", "one-hot"),
    ],
)
def test_compile_checker_judges_what_keras_does(keras, changes, status, fragment):
    arguments = {"optimizer": "adam", "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]}
    model = _model(keras)
    model.compile(**{**arguments, **changes(keras)})
    assert_feedback(c05.check_compile(model), status, fragment)


def test_from_logits_is_right_on_a_linear_output(keras):
    model = _model(keras, activation=None)
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    assert_feedback(c05.check_compile(model), "correct")


def test_categorical_accuracy_really_misreports_integer_labels(keras):
    """Why the checker refuses categorical_accuracy: on integer labels Keras reports another number."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, size=64)
    scores = rng.random((64, 10)).astype("float32")
    scores[np.arange(32), labels[:32]] = 2.0  # half of the predictions are right
    right = float(np.mean(np.argmax(scores, axis=1) == labels))
    wrong_metric = keras.metrics.CategoricalAccuracy()
    wrong_metric.update_state(labels[:, None], scores)
    sparse_metric = keras.metrics.SparseCategoricalAccuracy()
    sparse_metric.update_state(labels[:, None], scores)
    assert float(sparse_metric.result()) == pytest.approx(right)
    assert float(wrong_metric.result()) != pytest.approx(right)


# ---------------------------------------------------------------------------
# Lesson 06
# ---------------------------------------------------------------------------
EX = c06.EXERCISE_COUNTS
METRICS = M.binary_metrics(**EX)


def _f1_from_rounded(decimals):
    return M.harmonic_mean(round(float(METRICS.precision), decimals), round(float(METRICS.recall), decimals))


CASES_06 = [
    (c06.check_precision, round(float(METRICS.precision), 2), "wrong", ["rounded to 2 decimals"], []),
    (c06.check_precision, round(float(METRICS.precision), 3), "wrong", ["rounded to 3 decimals"], []),
    (c06.check_precision, round(100 * float(METRICS.precision), 1), "wrong", ["percentage"], []),
    (c06.check_f1, _f1_from_rounded(3), "wrong", ["rounded too early"], []),
    (c06.check_f1, round(_f1_from_rounded(2), 3), "wrong", ["rounded too early"], []),
    (c06.check_f1, 10**400, "wrong", ["401 digits"], []),
    (c06.check_f1, float(METRICS.f1), "correct", [], []),
    (c06.check_confusion_matrix, c06._exercise_confusion_matrix().astype(str), "invalid", ["quotes"], []),
    (
        c06.check_binary_metrics_function,
        lambda *counts: np.array(c06.reference_binary_metrics(*counts)),
        "correct",
        [],
        [],
    ),
    (
        c06.check_binary_metrics_function,
        lambda *counts: list(c06.reference_binary_metrics(*counts)),
        "correct",
        [],
        [],
    ),
    (
        c06.check_binary_metrics_function,
        lambda tp, fp, fn, tn: (
            *c06.reference_binary_metrics(tp, fp, fn, tn)[:4],
            round(2 * tp / (2 * tp + fp + fn), 1),
        ),
        "wrong",
        ["at index 4"],
        ["..."],
    ),
    (c06.check_rare_disease_recall, 0.5, "wrong", ["TP / (TP + FN)"], []),
]


# ---------------------------------------------------------------------------
# Design tasks: every design that meets the requirements is right, whatever it is
# ---------------------------------------------------------------------------
def conv(kernel_size, strides=1, padding="same"):
    return {"type": "conv", "kernel_size": kernel_size, "strides": strides, "padding": padding}


def pool(pool_size, **options):
    return {"type": "pool", "pool_size": pool_size, **options}


def spec(kind, **arguments):
    return {"type": kind, **arguments}


def stack_facts(layers):
    """Final size and receptive field of a stack, worked out in exercise_answers.py."""
    size = stack_length(c02.DESIGN["input_length"], layers)
    return size, receptive_field((layer["kernel_size"], layer.get("strides", 1)) for layer in layers)


def meets_stack_design(layers):
    d = c02.DESIGN
    size, field = stack_facts(layers)
    return (
        len(layers) <= d["max_layers"]
        and max(layer["kernel_size"] for layer in layers) <= d["max_kernel_size"]
        and d["min_output"] <= size <= d["max_output"]
        and field >= d["min_receptive_field"]
    )


STACK_DESIGNS = [
    [conv(3, 2), conv(3, 2), conv(3, 2), conv(3), conv(3)],
    [conv(5, 2), conv(5, 2), conv(5, 2), conv(3)],
    [conv(3, 2), conv(3, 2), conv(5, 2), conv(5), conv(5)],
    [conv(3, 2), conv(3, 2), conv(3, 2), conv(3), conv(3), conv(3)],
    [conv(3, 2, "valid"), conv(3, 2, "valid"), conv(3, 2, "valid"), conv(3, 1, "valid"), conv(3, 1, "same")],
    [conv(3, 2), conv(3, 2), conv(3, 2)],  # too narrow a view
    [conv(3, 2)] * 4,  # too small a map
    [conv(3, 2), conv(3, 2), conv(7, 2), conv(3)],  # too large a kernel
    [conv(3)] * 7,  # too many layers
]


@pytest.mark.parametrize("layers", STACK_DESIGNS)
def test_the_stack_design_checker_judges_any_design(layers):
    feedback = c02.check_design_stack(layers)
    assert_feedback(feedback, "correct" if meets_stack_design(layers) else "wrong")
    size, field = stack_facts(layers)
    assert str(size) in feedback.message and str(field) in feedback.message or feedback.status == "wrong"


def pooled_sizes(layers):
    """The input size, then the size after each layer, worked out in exercise_answers.py."""
    return [c03.POOLING_DESIGN["input_length"], *stack_lengths(c03.POOLING_DESIGN["input_length"], layers)]


POOLING_DESIGNS = [
    [pool(4), pool(4)],
    [pool(3), pool(3), pool(2)],
    [pool(2), pool(2), pool(3)],
    [pool(4), pool(3)],
    [pool(2, strides=4), pool(3)],
    [pool(4, padding="same"), pool(4, padding="same")],
    [pool(2), pool(2), pool(2)],  # 2x2 alone: 12 after three layers
    [pool(2)] * 4,  # too many layers
    [pool(5), pool(4)],  # too large a window
]


@pytest.mark.parametrize("layers", POOLING_DESIGNS)
def test_the_pooling_design_checker_judges_any_design(layers):
    d = c03.POOLING_DESIGN
    sizes = pooled_sizes(layers)
    right = (
        len(layers) <= d["max_layers"]
        and max(layer["pool_size"] for layer in layers) <= d["max_pool_size"]
        and d["min_output"] <= sizes[-1] <= d["max_output"]
    )
    feedback = c03.check_pooling_design(layers)
    assert_feedback(feedback, "correct" if right else "wrong")
    if len(layers) <= d["max_layers"] and not right:
        assert " -> ".join(map(str, sizes)) in feedback.message or "pool_size" in feedback.message


BUDGET_DESIGNS = [
    [spec("Conv2D", filters=16, kernel_size=3, padding="same"), spec("MaxPooling2D", pool_size=2)]
    + [spec("Conv2D", filters=32, kernel_size=3, padding="same"), spec("MaxPooling2D", pool_size=2)] * 3
    + [spec("GlobalAveragePooling2D"), spec("Dense", units=2)],
    [spec("Conv2D", filters=8, kernel_size=5, strides=2, padding="same")] * 4
    + [spec("Flatten"), spec("Dense", units=2)],
    [spec("Conv2D", filters=16, kernel_size=3), spec("MaxPooling2D", pool_size=4)] * 2
    + [
        spec("Conv2D", filters=16, kernel_size=3),
        spec("Flatten"),
        spec("Dense", units=16),
        spec("Dense", units=2),
    ],
    [spec("Conv2D", filters=16, kernel_size=3, padding="same"), spec("MaxPooling2D", pool_size=2)]
    + [spec("Flatten"), spec("Dense", units=2)],  # over budget: Flatten of a 50x50x16 map
    [
        spec("Conv2D", filters=8, kernel_size=3),
        spec("GlobalAveragePooling2D"),
        spec("Dense", units=2),
    ],  # 3x3 view
    [spec("Conv2D", filters=8, kernel_size=3, strides=4)] * 3
    + [spec("Flatten"), spec("Dense", units=10)],  # 10 classes
    # other heads: Dropout or BatchNormalization around global average pooling, a hidden Dense layer
    [spec("Conv2D", filters=16, kernel_size=3, padding="same"), spec("MaxPooling2D", pool_size=2)]
    + [spec("Conv2D", filters=32, kernel_size=3, padding="same"), spec("MaxPooling2D", pool_size=2)] * 3
    + [spec("GlobalAveragePooling2D"), spec("Dropout", rate=0.5), spec("Dense", units=2)],
    [spec("Conv2D", filters=16, kernel_size=3, padding="same"), spec("MaxPooling2D", pool_size=2)]
    + [spec("Conv2D", filters=32, kernel_size=3, padding="same"), spec("MaxPooling2D", pool_size=2)] * 3
    + [
        spec("Dropout", rate=0.25),
        spec("BatchNormalization"),
        spec("GlobalAveragePooling2D"),
        spec("Dense", units=32, activation="relu"),
        spec("Dropout", rate=0.5),
        spec("Dense", units=2),
    ],
    [spec("Conv2D", filters=16, kernel_size=3, padding="same"), spec("MaxPooling2D", pool_size=2)]
    + [spec("Conv2D", filters=32, kernel_size=3, padding="same"), spec("MaxPooling2D", pool_size=2)] * 3
    + [spec("Conv2D", filters=256, kernel_size=3), spec("GlobalAveragePooling2D"), spec("Dense", units=2)],
]


def budget_facts(layers):
    """Total parameters, the view of the last feature map and the output shape per image, worked out
    in exercise_answers.py (and checked against Keras below)."""
    return keras_stack(c04.DESIGN["input_shape"], layers)


@pytest.mark.parametrize("layers", BUDGET_DESIGNS)
def test_the_budget_design_checker_judges_any_design(layers):
    d = c04.DESIGN
    total, field, output = budget_facts(layers)
    right = total <= d["max_params"] and field >= d["min_receptive_field"] and output == (d["classes"],)
    feedback = c04.check_design_budget(layers)
    assert_feedback(feedback, "correct" if right else "wrong", absent=["input input", "whole input"])
    if total > d["max_params"]:
        assert f"{total:,}" in feedback.message and "Most of them are in" in feedback.message
    if any(layer["type"] == "GlobalAveragePooling2D" for layer in layers):
        assert "use global average pooling" not in feedback.message  # it already does
    if not any("Pooling" in layer["type"] or layer.get("strides", 1) > 1 for layer in layers):
        assert "after the pooling" not in feedback.message  # it has none


def test_the_budget_design_agrees_with_keras(keras):
    from course_utils.widgets.model_builder import to_keras

    for layers in BUDGET_DESIGNS:
        model = to_keras(c04.DESIGN["input_shape"], layers)
        total, _, output = budget_facts(layers)
        assert model.count_params() == total
        assert model.output_shape == (None, *output)


def test_the_design_tables_hold_right_and_wrong_designs():
    assert 3 <= sum(map(meets_stack_design, STACK_DESIGNS)) < len(STACK_DESIGNS)
    statuses = [c03.check_pooling_design(layers).status for layers in POOLING_DESIGNS]
    assert 3 <= statuses.count("correct") < len(statuses)
    statuses = [c04.check_design_budget(layers).status for layers in BUDGET_DESIGNS]
    assert 3 <= statuses.count("correct") < len(statuses)


DESIGN_CASES = [
    # hints told from the design's own layers: no strided layer to drop, no 'valid' padding to change
    (
        c02.check_design_stack,
        [conv(3)] * 6,
        "wrong",
        ["add strides"],
        ["after the strided ones", "fewer strided"],
    ),
    (
        c02.check_design_stack,
        [conv(3, 2)] * 4,
        "wrong",
        ["fewer strided layers (it has 4)"],
        ["'same' padding"],
    ),
    (c02.check_design_stack, [conv(3, 2, "valid")] * 5, "wrong", ["'same' padding instead of 'valid'"], []),
    (
        c03.check_pooling_design,
        [pool(2, padding="same")] * 3,
        "wrong",
        ["ceil(W / strides)"],
        ["rounding down"],
    ),
    (c03.check_pooling_design, [pool(2)] * 3, "wrong", ["rounding down"], []),
    (c02.check_design_stack, [conv(3, 2), "conv"], "wrong", ["cannot be built", "layers[1]"], []),
    (c02.check_design_stack, [pool(2)], "wrong", ["should be a convolution"], []),
    (c02.check_design_stack, {"type": "conv"}, "invalid", ["list of layer dicts"], []),
    (c02.check_design_stack, [conv(3), ...], "unfinished", [], []),
    (c03.check_pooling_design, [conv(3)], "wrong", ["should be a pooling layer"], []),
    (c04.check_design_budget, [spec("Conv2D", filters="8")], "wrong", ["cannot be built", "filters"], []),
    (c04.check_design_budget, [spec("Dense", units=2)], "wrong", ["Flatten or GlobalAveragePooling2D"], []),
]


# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------
CASES = CASES_01 + CASES_02 + CASES_03 + CASES_04 + CASES_05 + CASES_06 + DESIGN_CASES


@pytest.mark.parametrize(
    "checker, answer, status, fragments, absent",
    CASES,
    ids=[f"{case[0].__name__}-{i}" for i, case in enumerate(CASES)],
)
def test_feedback_table(checker, answer, status, fragments, absent):
    assert_feedback(checker(answer), status, *fragments, absent=absent)


# ---------------------------------------------------------------------------
# Lesson 07's clinic: the verdicts two readers gave the runs, without the diagnoser
# ---------------------------------------------------------------------------
CLINIC = clinic_readings()


def test_the_clinic_accepts_the_verdicts_both_readers_give():
    labels = {run: sorted(both)[0] for run, (both, _) in CLINIC.items()}
    assert_feedback(c07.check_clinic_labels(labels), "correct")


@pytest.mark.parametrize("run", sorted(CLINIC))
def test_the_clinic_refuses_every_verdict_no_reader_gives(run):
    right = {name: sorted(both)[0] for name, (both, _) in CLINIC.items()}
    for verdict in sorted(set(VERDICTS) - CLINIC[run][1]):
        assert_feedback(
            c07.check_clinic_labels({**right, run: verdict}), "wrong", f"{run}: you said {verdict}"
        )


@pytest.mark.parametrize(
    "run, verdict",
    [(run, verdict) for run, (both, either) in sorted(CLINIC.items()) for verdict in sorted(either - both)],
)
def test_the_clinic_accepts_a_verdict_one_reader_gives(run, verdict):
    right = {name: sorted(both)[0] for name, (both, _) in CLINIC.items()}
    assert_feedback(c07.check_clinic_labels({**right, run: verdict}), "correct")


# ---------------------------------------------------------------------------
# Lesson 09: the recipe the stored runs support, from their images
# ---------------------------------------------------------------------------
def _gain(group, base, changed):
    """How much ``changed`` scores above ``base`` over the seeds, its 95% half-width and the larger seed spread."""
    return seeds_gain(stored_run(group, base), stored_run(group, changed))


def test_exercise_answers_hold_on_the_stored_runs():
    """With 250 canvases, a pretrained trunk (the best-case source) is the change with a gain over the same design
    from scratch larger than its interval and the seed spreads; the dense head lost; a fifth stage and larger
    kernels were measured on 1,000 canvases."""
    gain, half_width, spread = _gain("transfer", "scratch", "same digits")
    assert gain > max(half_width, spread)
    loss, half_width, spread = _gain("head", "GAP, 250 canvases", "Flatten + Dense, 250 canvases")
    assert -loss > max(half_width, spread)
    for group, name in (("depth", "5 stages"), ("kernels", "7x7")):
        assert stored_run(group, name)[0]["settings"]["n_train"] == 1000


# ---------------------------------------------------------------------------
# A wrong answer that no misconception explains is told what to do
# ---------------------------------------------------------------------------
UNKNOWN_WRONG = {
    c02.check_design_stack: ([conv(7)] * 7, ["use at most 6", "at most 5", "larger than 14"]),
    c03.check_pooling_design: ([pool(5), pool(5)], ["pool_size=5", "100 -> 20 -> 4"]),
    c04.check_design_budget: (
        [spec("Conv2D", filters=8, kernel_size=3), spec("Flatten"), spec("Dense", units=10)],
        ["it needs 2", "more than 60,000", "fewer than 30x30"],
    ),
    c09.check_design_task: (
        [spec("Conv2D", filters=64, kernel_size=3), spec("Flatten"), spec("Dense", units=10)],
        ["(budget)", "(final_map)", "(receptive_field)", "(output)"],
    ),
    c05.check_checkpoint_name: ("weights.txt", ["ends in .weights.h5"]),
    c08.check_augmentations: (
        {augmentation: not changes for augmentation, changes in c08.AUGMENTATIONS.items()},
        [f"{len(c08.AUGMENTATIONS)} of {len(c08.AUGMENTATIONS)} answers are not right", *c08.AUGMENTATIONS],
    ),
    c07.check_clinic_labels: (
        {run: sorted(set(VERDICTS) - either)[0] for run, (_, either) in CLINIC.items()},
        [f"0 of {len(CLINIC)} runs are right", *(f"{run}: you said" for run in CLINIC)],
    ),
}
"""For each value checker that is not built on check_number, check_array or check_choice (designs
and checkers with their own logic): a wrong answer, and what its message must say."""


def _unknown_wrong(checker):
    """A wrong answer far from the right one and from every named mistake, and what its message must say."""
    if checker in UNKNOWN_WRONG:
        return UNKNOWN_WRONG[checker]
    answer, hint = ANSWERS[checker], SPIED[checker][2].get("hint")
    if isinstance(answer, str):  # every option is explained: a string that is no option is told the options
        return "none of these", ["not one of the options", *(repr(option) for option in _options(checker))]
    if isinstance(answer, (tuple, np.ndarray)):
        return np.asarray(answer) + 1000, [hint]
    wrong = Fraction(answer) * 7 + 13  # far from the answer and from every mistake
    return int(wrong) if wrong.denominator == 1 else float(wrong), [hint]


@pytest.mark.parametrize("checker", VALUE_CHECKERS, ids=lambda c: c.__name__)
def test_an_unknown_wrong_answer_gets_a_hint(checker):
    answer, fragments = _unknown_wrong(checker)
    assert all(fragments), f"{checker.__name__} has no hint"
    assert_feedback(checker(answer), "wrong", *fragments)


# ---------------------------------------------------------------------------
# The answers worked out by hand, again with Keras
# ---------------------------------------------------------------------------
def _keras_stack(keras, input_shape, layers):
    return keras.Sequential([keras.Input(input_shape), *layers])


def test_exercise_keras_agrees(keras):
    """The counts, shapes and formulas of tests/exercise_answers.py are what Keras builds and computes."""
    L = keras.layers
    layer = c01.LAYER
    conv = _keras_stack(keras, layer["input_shape"], [L.Conv2D(layer["filters"], layer["kernel_size"])])
    assert conv.output_shape[1:] == ANSWERS[c01.check_output_shape]
    assert tuple(conv.layers[0].kernel.shape) == ANSWERS[c01.check_kernel_shape]

    one = c04.CONV_LAYER
    model = _keras_stack(
        keras, one["input_shape"], [L.Conv2D(one["filters"], one["kernel_size"], padding="same")]
    )
    assert model.count_params() == ANSWERS[c04.check_conv_params]
    model = _keras_stack(
        keras, c04.DENSE_LAYER["input_shape"], [L.Flatten(), L.Dense(c04.DENSE_LAYER["units"])]
    )
    assert model.count_params() == ANSWERS[c04.check_dense_params]
    cnn = to_keras(c04.EXERCISE_INPUT, list(c04.EXERCISE_CNN))
    assert cnn.count_params() == ANSWERS[c04.check_model_total]
    for keras_layer in cnn.layers:
        keras_layer.trainable = not isinstance(keras_layer, L.Conv2D)
    assert sum(math.prod(w.shape) for w in cnn.trainable_weights) == ANSWERS[c04.check_frozen_trainable]
    norm = _keras_stack(keras, c04.BATCH_NORM_INPUT, [L.BatchNormalization()])
    assert sum(math.prod(w.shape) for w in norm.trainable_weights) == ANSWERS[c04.check_batch_norm_trainable]
    assert norm.count_params() == ANSWERS[c04.check_batch_norm_total]
    head = _keras_stack(
        keras, c04.HEAD["input_shape"], [L.GlobalAveragePooling2D(), L.Dense(c04.HEAD["units"])]
    )
    assert head.count_params() == ANSWERS[c04.check_gap_head_params]
    s = c04.SEPARABLE_LAYER
    separable = _keras_stack(
        keras,
        (8, 8, s["in_channels"]),
        [L.SeparableConv2D(s["filters"], s["kernel_size"], use_bias=s["use_bias"])],
    )
    assert separable.count_params() == ANSWERS[c04.check_separable_params]
    a = c04.ACTIVATION_LAYER
    first = _keras_stack(
        keras, a["input_shape"], [L.Conv2D(a["filters"], a["kernel_size"], padding=a["padding"])]
    )
    assert a["batch_size"] * math.prod(first.output_shape[1:]) * 4 == ANSWERS[c04.check_activation_memory]
    vgg = to_keras(
        c04.VGG_INPUT,
        [
            *(
                spec
                for filters, convs in c04.VGG_BLOCKS
                for spec in [{"type": "Conv2D", "filters": filters, "kernel_size": 3, "padding": "same"}]
                * convs
                + [{"type": "MaxPooling2D", "pool_size": 2}]
            ),
            {"type": "Flatten"},
            *({"type": "Dense", "units": units} for units in (*c04.VGG_DENSE_UNITS, c04.VGG_CLASSES)),
        ],
    )
    dense = sum(layer.count_params() for layer in vgg.layers if isinstance(layer, L.Dense))
    assert Fraction(dense, vgg.count_params()) == ANSWERS[c04.check_vgg_dense_share]
    inputs = keras.Input(c04.RESIDUAL_INPUT)
    main = inputs
    for spec_ in c04.RESIDUAL_BLOCK["main"]:
        main = to_keras(tuple(main.shape[1:]), [spec_]).layers[0](main)
    shortcut = inputs
    for spec_ in c04.RESIDUAL_BLOCK["shortcut"]:
        shortcut = to_keras(tuple(shortcut.shape[1:]), [spec_]).layers[0](shortcut)
    block = keras.Model(inputs, L.Add()([main, shortcut]))
    assert block.count_params() == ANSWERS[c04.check_residual_block_params]

    logits = np.array([c05.CROSS_ENTROPY_LOGITS], dtype="float32")
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(
        np.array([c05.CROSS_ENTROPY_LABEL]), logits
    )
    assert float(loss) == pytest.approx(ANSWERS[c05.check_cross_entropy], rel=1e-5)
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=c05.EXERCISE_PATIENCE)
    stopper.set_model(head)
    head.stop_training = False  # what fit sets before the first epoch
    stopper.on_train_begin()
    stopped = None
    for epoch, value in enumerate(c05.EXERCISE_HISTORY["val_loss"]):
        stopper.on_epoch_end(epoch, {"val_loss": value})
        if head.stop_training:
            stopped = epoch + 1  # Keras counts epochs from 0
            break
    assert stopped == ANSWERS[c05.check_early_stopping_epoch]

    weights = np.array([[1.0, -2.0], [0.5, 3.0]], dtype="float32")
    penalty = keras.regularizers.L2(ANSWERS[c08.check_keras_l2])(weights)
    notes = c08.NOTES_LAMBDA / (2 * c08.NOTES_M) * float(np.sum(weights**2))
    assert float(penalty) == pytest.approx(notes, rel=1e-6)
    dropped = keras.layers.Dropout(c08.DROPOUT_RATE, seed=1)(
        np.full((1, 1000), c08.DROPOUT_VALUE), training=True
    )
    kept = np.unique(np.asarray(dropped)[np.asarray(dropped) != 0])
    assert kept == pytest.approx([ANSWERS[c08.check_dropout_value]], rel=1e-6)
    bn = c08.BN
    layer = keras.layers.BatchNormalization(epsilon=bn["epsilon"])
    layer.build((None, 1))
    layer.set_weights([np.array([bn[key]]) for key in ("gamma", "beta", "moving_mean", "moving_variance")])
    out = float(np.asarray(layer(np.array([[bn["x"]]], dtype="float32"), training=False))[0, 0])
    assert out == pytest.approx(ANSWERS[c08.check_batch_norm_inference], rel=c08.BN_REL_TOL)
