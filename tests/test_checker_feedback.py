"""The feedback of every checker is right: correct answers pass, wrong ones fail, mistakes are named.

Three layers of tests:

1. every value checker accepts its right answer in every form Python treats as the same
   (int or whole float, NumPy scalars, Fraction, tuple, list or array);
2. every misconception a checker knows is fed back to it, and the checker names that
   misconception (and only the mistakes that give the same answer);
3. a table of answers that learners really give, each with the status and the words the
   message must (and must not) contain. Every expected and wrong value is computed with the
   course's pure helpers, never typed in.

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

import course_utils.checks
from course_utils import arithmetic as A
from course_utils import metrics as M
from course_utils import params as P
from course_utils import reference_ops as ops
from course_utils.checks import convolution_arithmetic as c01
from course_utils.checks import framework
from course_utils.checks import metrics as c06
from course_utils.checks import padding_and_stride as c02
from course_utils.checks import parameter_counting as c04
from course_utils.checks import pooling as c03
from course_utils.checks import training as c05
from course_utils.checks.framework import Feedback
from course_utils.tooling.notebooks import ROOT

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
# What each checker passes to the framework, caught by a spy
# ---------------------------------------------------------------------------
def _spied(kind):
    rows = []
    for checker in VALUE_CHECKERS:
        name, args, kwargs = framework_call(checker)
        if name == kind:  # checkers with their own logic (check_checkpoint_name) are in the table
            rows.append((checker, args, kwargs))
    return rows


NUMBER_ROWS = _spied("check_number")
ARRAY_ROWS = _spied("check_array")
CHOICE_ROWS = _spied("check_choice")


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


@pytest.mark.parametrize("checker, args, kwargs", NUMBER_ROWS, ids=lambda v: getattr(v, "__name__", ""))
def test_number_answers_pass_in_every_form(checker, args, kwargs):
    expected = args[1]
    for form in _number_forms(expected):
        assert_feedback(checker(form), "correct")


@pytest.mark.parametrize("checker, args, kwargs", ARRAY_ROWS, ids=lambda v: getattr(v, "__name__", ""))
def test_array_answers_pass_in_every_form(checker, args, kwargs):
    expected = np.asarray(args[1])
    forms = [expected, expected.tolist(), expected.astype(float), expected.astype(np.float32)]
    if expected.ndim == 1:
        forms += [tuple(expected.tolist()), tuple(np.int64(v) for v in expected.tolist())]
    for form in forms:
        assert_feedback(checker(form), "correct")


@pytest.mark.parametrize("checker, args, kwargs", CHOICE_ROWS, ids=lambda v: getattr(v, "__name__", ""))
def test_choice_answers_pass_whatever_the_case_and_spaces(checker, args, kwargs):
    expected = args[1]
    for form in (expected, expected.upper(), f"  {expected.lower()} "):
        assert_feedback(checker(form), "correct")


def _messages_for(value, pairs, same):
    return [message for wrong, message in pairs if same(wrong, value)]


@pytest.mark.parametrize("checker, args, kwargs", NUMBER_ROWS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_number_misconception_is_named(checker, args, kwargs):
    expected = args[1]
    pairs = framework._pairs(kwargs.get("misconceptions"))
    assert pairs, f"{checker.__name__} names no misconception"
    assert kwargs.get("hint"), f"{checker.__name__} has no hint for other wrong answers"

    def same(a, b):
        return Fraction(a) == Fraction(b)

    shown = 0
    for wrong, message in pairs:
        if same(wrong, expected):
            continue  # for these exercise numbers the mistake gives the right answer
        shown += 1
        feedback = checker(wrong if not isinstance(wrong, Fraction) else float(wrong))
        assert_feedback(feedback, "wrong", message)
        others = [m for w, m in pairs if m != message and not same(w, wrong) and m not in message]
        for other in others:  # never a mistake that does not give this answer
            assert other not in feedback.message
    assert shown, f"none of {checker.__name__}'s misconceptions is reachable"


@pytest.mark.parametrize("checker, args, kwargs", ARRAY_ROWS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_array_misconception_is_named(checker, args, kwargs):
    expected = np.asarray(args[1])
    pairs = framework._pairs(kwargs.get("misconceptions"))
    assert pairs and kwargs.get("hint")
    for wrong, message in pairs:
        wrong = np.asarray(wrong)
        if wrong.shape == expected.shape and np.allclose(wrong, expected):
            continue
        assert_feedback(checker(wrong), "wrong", message)
        assert_feedback(checker(wrong.tolist()), "wrong", message)


@pytest.mark.parametrize("checker, args, kwargs", CHOICE_ROWS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_wrong_option_is_explained(checker, args, kwargs):
    expected = args[1]
    options = args[2] if len(args) > 2 else kwargs["options"]
    explained = kwargs.get("misconceptions") or {}
    for option in options:
        if option.lower() == expected.lower():
            continue
        assert option in explained, f"{checker.__name__}: option {option!r} has no misconception"
        assert_feedback(checker(option), "wrong", explained[option])


#: Function checkers built on check_function (one that runs the learner's code its own way, such as the
#: Keras 3 port of lesson 05, is covered by its own tests and by the bad-input tests).
CHECK_FUNCTION_CHECKERS = [
    c for c in FUNCTION_CHECKERS if framework_call(c, lambda *a, **k: 0)[0] == "check_function"
]


def test_most_function_checkers_use_the_framework():
    assert len(CHECK_FUNCTION_CHECKERS) >= 6


@pytest.mark.parametrize("checker", CHECK_FUNCTION_CHECKERS, ids=lambda c: c.__name__)
def test_every_function_misconception_is_named(checker):
    _, args, kwargs = framework_call(checker, lambda *a, **k: 0)
    reference, cases = args[1], list(args[2])
    assert_feedback(checker(reference), "correct")
    pairs = kwargs.get("misconceptions") or []
    assert pairs and kwargs.get("hint")
    for wrong_function, message in pairs:
        assert_feedback(checker(wrong_function), "wrong", message)
    # a wrong function that matches no misconception gets the first failing case and the hint
    assert_feedback(checker(lambda *a, **k: "junk"), "wrong", "returned", kwargs["hint"])
    assert cases


# ---------------------------------------------------------------------------
# Every tolerance is narrower than the smallest named mistake
# ---------------------------------------------------------------------------
def _tolerance(a: Fraction, b: Fraction, rel_tol, abs_tol) -> Fraction:
    """How far apart the framework lets two numbers be and still calls them equal."""
    return max(Fraction(rel_tol) * max(abs(a), abs(b)), Fraction(abs_tol))


@pytest.mark.parametrize("checker, args, kwargs", NUMBER_ROWS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_number_tolerance_is_narrower_than_each_named_mistake(checker, args, kwargs):
    """No answer is within the tolerance of both the right value and a named mistake (the tolerance
    balls around them do not even touch): epsilon on the std must not pass for epsilon on the variance."""
    rights = [Fraction(right) for right in (args[1], *kwargs.get("also_right", ()))]
    rel_tol, abs_tol = kwargs.get("rel_tol", 1e-6), kwargs.get("abs_tol", 1e-12)
    for wrong, message in framework._pairs(kwargs.get("misconceptions")):
        wrong = Fraction(wrong)
        if wrong in rights:
            continue  # a mistake that gives the right value here is never shown
        for right in rights:
            if isinstance(args[1], int):
                assert wrong != right  # counts compare exactly
                continue
            distance = abs(wrong - right)
            assert distance > 2 * _tolerance(wrong, right, rel_tol, abs_tol), (
                f"{checker.__name__}: {float(wrong)!r} ({message[:60]}...) is within twice the tolerance "
                f"(rel_tol={rel_tol}, abs_tol={abs_tol}) of the right {float(right)!r}"
            )


@pytest.mark.parametrize("checker, args, kwargs", ARRAY_ROWS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_array_tolerance_is_narrower_than_each_named_mistake(checker, args, kwargs):
    expected = np.asarray(args[1])
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


@pytest.mark.parametrize("checker", VALUE_CHECKERS, ids=lambda c: c.__name__)
def test_an_unknown_wrong_answer_gets_a_hint(checker):
    name, args, kwargs = framework_call(checker)
    if name in ("check_choice", "check_design", None):  # options are explained; the rest is in the table
        return
    if name == "check_number":
        wrong = Fraction(args[1]) * 7 + 13  # far from the answer and from every mistake
        feedback = checker(int(wrong) if wrong.denominator == 1 else float(wrong))
    else:
        expected = np.asarray(args[1])
        feedback = checker(expected + 1000)
    assert_feedback(feedback, "wrong", kwargs["hint"])


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
    for checker, args, kwargs in NUMBER_ROWS:
        if checker.__name__ in allowed_together:
            continue
        messages = {}
        for wrong, message in framework._pairs(kwargs["misconceptions"]):
            if Fraction(wrong) != Fraction(args[1]):
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
        setup = "\n".join(cell.source for cell in notebook.cells[:4] if cell.cell_type == "code")
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
    """Final size and receptive field of a stack, traced with the lesson's helper."""
    final = A.trace_stack(c02.DESIGN["input_length"], layers)[-1]
    return final.output_length, final.receptive_field


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
    return [row.output_length for row in A.trace_stack(c03.POOLING_DESIGN["input_length"], layers)]


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
    """Total parameters and the view of the last feature map, from Keras-free layer tables."""
    table = c04.layer_table(c04.DESIGN["input_shape"], layers)
    maps = [row for row in table.rows if row.output_shape.count(",") == 3]  # (None, h, w, c)
    field = int(maps[-1].receptive_field.split("x")[0])
    return table.total_params, field, table.rows[-1].output_shape


@pytest.mark.parametrize("layers", BUDGET_DESIGNS)
def test_the_budget_design_checker_judges_any_design(layers):
    d = c04.DESIGN
    total, field, output = budget_facts(layers)
    right = (
        total <= d["max_params"] and field >= d["min_receptive_field"] and output == f"(None, {d['classes']})"
    )
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

    for layers in BUDGET_DESIGNS[:3]:
        model = to_keras(c04.DESIGN["input_shape"], layers)
        assert model.count_params() == budget_facts(layers)[0]
        assert model.output_shape == (None, c04.DESIGN["classes"])


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
