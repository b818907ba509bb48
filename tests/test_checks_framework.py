"""The checker framework: right, wrong, unfinished and wrongly typed answers, and never a crash."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_utils.checks import (
    Feedback,
    check_array,
    check_choice,
    check_function,
    check_number,
    is_placeholder,
)

ANYTHING = st.one_of(
    st.none(),
    st.just(Ellipsis),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=4),
    st.lists(st.lists(st.floats(allow_nan=False), max_size=3), max_size=3),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.tuples(st.integers(), st.text(max_size=2)),
    st.builds(lambda n: np.arange(n), st.integers(0, 5)),
    st.just(object()),
    st.just(print),
)


def test_feedback_is_truthy_only_when_correct():
    assert Feedback("correct", "x")
    for status in ("wrong", "unfinished", "invalid"):
        assert not Feedback(status, "x")
    with pytest.raises(ValueError, match="status must be one of"):
        Feedback("maybe", "x")


def test_feedback_renders_text_and_escaped_html():
    feedback = Feedback("wrong", "use <b> carefully")
    assert str(feedback) == repr(feedback) == "Not yet: use <b> carefully"
    assert "&lt;b&gt;" in feedback._repr_html_()


@pytest.mark.parametrize("placeholder", [Ellipsis, None])
def test_placeholders_are_unfinished_for_every_checker(placeholder):
    assert is_placeholder(placeholder)
    results = [
        check_number(placeholder, 3, hint=""),
        check_array(placeholder, [1, 2], hint=""),
        check_function(placeholder, abs, [1], hint=""),
        check_choice(placeholder, "a", ["a", "b"]),
    ]
    assert all(result.status == "unfinished" for result in results)
    assert all("`...`" in result.message for result in results)


def test_check_number_right_misconception_and_generic_wrong():
    misconceptions = {31: "You forgot the floor.", 29: "You forgot the +1."}
    assert check_number(30, 30, name="width", hint="").status == "correct"
    assert check_number(np.int64(30), 30, hint="").status == "correct"
    assert check_number(30.0, 30, hint="").status == "correct"
    assert check_number(Fraction(5, 16), 0.3125, hint="").status == "correct"
    wrong = check_number(31, 30, name="width", misconceptions=misconceptions, hint="")
    assert wrong.status == "wrong" and "forgot the floor" in wrong.message
    generic = check_number(12, 30, name="width", misconceptions=misconceptions, hint="Use the formula.")
    assert generic.status == "wrong" and "Use the formula." in generic.message
    assert "floor" not in generic.message


def test_check_number_ignores_misconceptions_equal_to_the_answer():
    # For some inputs a wrong formula gives the right number: the learner is right then.
    assert check_number(30, 30, misconceptions={30: "never shown"}, hint="").status == "correct"


def test_check_number_tolerances():
    assert check_number(0.1 + 0.2, 0.3, hint="").status == "correct"
    assert check_number(0.31, 0.3125, hint="").status == "wrong"
    assert check_number(0.31, 0.3125, abs_tol=0.01, hint="").status == "correct"
    assert check_number(float("nan"), 1.0, hint="").status == "wrong"


def test_counts_must_match_exactly():
    assert check_number(18496.01, 18496, hint="").status == "wrong"
    assert "whole number" in check_number(18496.01, 18496, hint="").message
    assert "exact" in check_number(9.22747e7, 92_274_688, hint="").message
    assert check_number(92_274_688.0, 92_274_688, hint="").status == "correct"


def test_huge_and_infinite_numbers_never_overflow():
    for answer in (10**400, -(10**400), 10**5000, float("inf"), np.float32("inf"), Fraction(10**400, 3)):
        for expected in (30, 0.3, Fraction(5, 16)):
            feedback = check_number(answer, expected, hint="", misconceptions={31: "m", 0.5: "n"})
            assert feedback.status == "wrong", feedback


def test_rounded_answers_are_named():
    feedback = check_number(0.32, Fraction(12, 37), name="precision", hint="")
    assert "rounded to 2 decimals" in feedback.message
    feedback = check_number(0.324, Fraction(12, 37), name="precision", hint="")
    assert "rounded to 3 decimals" in feedback.message
    feedback = check_number(0.3243, Fraction(12, 37), name="precision", hint="")
    assert "4 decimals" in feedback.message
    feedback = check_number(
        0.923, Fraction(12, 37), misconceptions={Fraction(12, 13): "That is the recall."}, hint=""
    )
    assert "That is the recall." in feedback.message


def test_several_mistakes_with_one_answer_are_all_named():
    feedback = check_number(5, 4, misconceptions=[(5, "Mistake one."), (5, "Mistake two.")], hint="")
    assert "Mistake one." in feedback.message and "Mistake two." in feedback.message


@pytest.mark.parametrize(
    "answer, fragment",
    [
        ("30", "remove the quotes"),
        ("thirty", "the string 'thirty'"),
        (True, "type bool"),
        ([30], "type list"),
        (np.ones(3), "type ndarray"),
        (3 + 0j, "type complex"),
    ],
)
def test_check_number_wrong_types_are_invalid(answer, fragment):
    feedback = check_number(answer, 30, name="width", hint="")
    assert feedback.status == "invalid"
    assert fragment in feedback.message


def test_check_array_shape_values_and_misconceptions():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert check_array(expected.tolist(), expected, hint="").status == "correct"
    flipped = expected[::-1, ::-1]
    feedback = check_array(flipped, expected, misconceptions=[(flipped, "You flipped the kernel.")], hint="")
    assert feedback.status == "wrong" and "flipped" in feedback.message
    assert "shape (3,)" in check_array([1, 2, 3], expected, hint="").message
    values = check_array([[1, 2], [3, 5]], expected, hint="")
    assert values.status == "wrong" and "1 of its 4 values" in values.message and "(1, 1)" in values.message
    assert "1 too large" in values.message
    assert "2 times" in check_array(expected * 2, expected, hint="").message
    assert "same amount, -1" in check_array(expected - 1, expected, hint="").message
    assert "NaN" in check_array([[1, 2], [3, np.nan]], expected, hint="").message
    assert check_array("abc", expected, hint="").status == "invalid"
    assert check_array([[1, 2], [3]], expected, hint="").status == "invalid"
    assert check_array({"a": 1}, expected, hint="").status == "invalid"
    assert check_array([[True, False], [True, True]], expected, hint="").status == "invalid"
    assert check_array([["1", "2"], ["3", "4"]], expected, hint="").status == "invalid"
    assert check_array([[1, ...], [3, 4]], expected, hint="").status == "unfinished"


def test_check_array_compares_counts_exactly():
    assert check_array((98.0, 98, np.int64(32)), (98, 98, 32), hint="").status == "correct"
    assert check_array((98.5, 98, 32), (98, 98, 32), hint="").status == "wrong"
    assert check_array((98.0000001, 98, 32), (98, 98, 32), hint="").status == "wrong"


def test_check_function_statuses():
    def unfinished(x):
        raise NotImplementedError

    def crashes(x):
        return x / 0

    def forgets_return(x):
        x * x

    assert check_function(lambda x: x * x, lambda x: x**2, [1, 2, 3], hint="").status == "correct"
    assert check_function(unfinished, abs, [1], hint="").status == "unfinished"
    crashed = check_function(crashes, abs, [1], name="f", hint="")
    assert crashed.status == "wrong" and "ZeroDivisionError" in crashed.message and "f(1)" in crashed.message
    assert "forget the `return`" in check_function(forgets_return, abs, [1], hint="").message
    assert check_function(42, abs, [1], hint="").status == "invalid"


def test_check_function_outputs_in_any_sequence_and_float32():
    def reference(n):
        return (n / 3, n / 7)

    for learner in (
        lambda n: [n / 3, n / 7],
        lambda n: np.array([n / 3, n / 7]),
        lambda n: np.array([n / 3, n / 7], dtype=np.float32),
    ):
        assert check_function(learner, reference, [1, 2], hint="").status == "correct"
    assert check_function(lambda n: "text", reference, [1], hint="").status == "wrong"
    assert check_function(lambda n: (n / 3,), reference, [1], hint="").status == "wrong"


def test_check_function_says_where_an_array_differs_without_cutting_it():
    def reference(n):
        return (0.7, 0.3125, 0.5555555555555556, 0.7317073170731707, 0.4)

    feedback = check_function(
        lambda n: (0.7, 0.3125, 0.5555555555555556, 0.7317073170731707, 0.39), reference, [1], hint=""
    )
    assert "at index 4: 0.39 instead of 0.4" in feedback.message and "..." not in feedback.message


def test_check_function_stops_a_loop_that_never_ends():
    def forever(x):
        while True:
            pass

    feedback = check_function(forever, abs, [1], name="f", hint="", time_limit=0.1)
    assert feedback.status == "wrong" and "did not finish within 0.1 s" in feedback.message


def test_check_function_names_the_misconception_and_accepts_tuple_outputs():
    def reference(width, kernel):
        return width - kernel + 1

    def forgot_plus_one(width, kernel):
        return width - kernel

    feedback = check_function(
        forgot_plus_one,
        reference,
        [(5, 3), {"width": 7, "kernel": 2}],
        misconceptions=[(forgot_plus_one, "You forgot the +1.")],
        hint="",
    )
    assert feedback.status == "wrong" and "forgot the +1" in feedback.message
    assert check_function(lambda a: (a, a + 1), lambda a: (a, a + 1), [1, 2], hint="").status == "correct"
    assert check_function(lambda a: [a, a], lambda a: (a, a + 1), [1], hint="").status == "wrong"


def test_check_function_does_not_let_learner_code_mutate_the_cases():
    case = np.zeros(3)

    def mutates(x):
        x += 1
        return x

    check_function(mutates, lambda x: x + 1, [(case,)], hint="")
    assert (case == 0).all()


def test_check_choice():
    assert check_choice(" SAME ", "same", ["valid", "same"]).status == "correct"
    feedback = check_choice("valid", "same", ["valid", "same"], misconceptions={"valid": "It shrinks."})
    assert feedback.status == "wrong" and "shrinks" in feedback.message
    not_an_option = check_choice("full", "same", ["valid", "same"])
    assert not_an_option.status == "wrong" and "'valid' or 'same'" in not_an_option.message
    assert check_choice(3, "same", ["valid", "same"]).status == "invalid"


@given(answer=ANYTHING)
def test_checkers_never_raise_whatever_they_are_given(answer):
    results = [
        check_number(answer, 30, misconceptions={31: "m"}, hint=""),
        check_array(answer, np.ones((2, 2)), misconceptions=[(np.zeros((2, 2)), "m")], hint=""),
        check_function(answer, lambda x: x, [1, (2,)], hint=""),
        check_choice(answer, "a", ["a", "b"]),
    ]
    for result in results:
        assert isinstance(result, Feedback)
        assert result.message


def test_numpy_scalars_are_shown_as_plain_numbers():
    assert str(check_number(np.int64(11), 11, name="sum", hint="")) == "Correct: sum = 11."
    assert "= 2.5 is not right" in str(check_number(np.float32(2.5), 3.0, name="mean", hint=""))


def test_the_package_re_exports_the_framework():
    from course_utils.checks import framework

    assert Feedback is framework.Feedback and check_number is framework.check_number


# ---------------------------------------------------------------------------
# A learner's imports never count against the time limit
# ---------------------------------------------------------------------------
@pytest.fixture
def slow_module(tmp_path, monkeypatch):
    """A module that takes ``seconds`` to import, importable once under a fresh name."""
    import sys

    monkeypatch.syspath_prepend(str(tmp_path))
    names = []

    def make(seconds, body="VALUE = 3"):
        name = f"course_slow_module_{len(names)}_{tmp_path.name.replace('-', '_')}"
        (tmp_path / f"{name}.py").write_text(f"import time\ntime.sleep({seconds})\n{body}\n")
        names.append(name)
        return name

    yield make
    for name in names:
        sys.modules.pop(name, None)


def _importer(name, how="statement"):
    def function(x):
        if how == "statement":
            module = __import__(name)
        else:
            import importlib

            module = importlib.import_module(name)
        return module.VALUE + x

    return function


@pytest.mark.parametrize("how", ["statement", "import_module"])
def test_a_first_import_inside_the_learners_function_does_not_count(slow_module, how):
    function = _importer(slow_module(0.8), how)
    feedback = check_function(function, lambda x: 3 + x, [1, 2], hint="", time_limit=0.3)
    assert feedback.status == "correct", feedback


def test_imports_do_not_count_off_the_main_thread_either(slow_module):
    import threading

    function, results = _importer(slow_module(0.8)), []
    worker = threading.Thread(
        target=lambda: results.append(check_function(function, lambda x: 3 + x, [1], hint="", time_limit=0.3))
    )
    worker.start()
    worker.join(10)
    assert results and results[0].status == "correct", results


def test_the_time_limit_still_stops_a_loop_after_an_import(slow_module):
    name = slow_module(0.2)

    def imports_then_loops(x):
        __import__(name)
        while True:
            pass

    feedback = check_function(imports_then_loops, abs, [1], name="f", hint="", time_limit=0.3)
    assert feedback.status == "wrong" and "did not finish within 0.3 s" in feedback.message


def test_an_import_that_never_ends_is_stopped(slow_module, monkeypatch):
    from course_utils.checks import framework

    monkeypatch.setattr(framework, "IMPORT_TIME_LIMIT", 0.3)
    function = _importer(slow_module(30))
    feedback = check_function(function, abs, [1], name="f", hint="", time_limit=0.2)
    assert feedback.status == "wrong" and "still importing a module" in feedback.message


def test_the_import_machinery_is_given_back():
    import builtins
    import importlib

    saved = builtins.__import__, importlib.import_module
    check_function(lambda x: __import__("math").sqrt(x), lambda x: x**0.5, [4.0], hint="")
    check_function(lambda x: 1 / 0, abs, [1], hint="")
    assert (builtins.__import__, importlib.import_module) == saved


# ---------------------------------------------------------------------------
# Every numeric form of a right answer passes; roundings are named only where they are
# ---------------------------------------------------------------------------
def test_sequences_of_fractions_and_decimals_are_numbers():
    from decimal import Decimal

    def reference(n):
        return (n / 3, n / 4, float(n))

    for learner in (
        lambda n: (Fraction(n, 3), Fraction(n, 4), Fraction(n)),
        lambda n: [Fraction(n, 3), Decimal(n) / 4, n],
        lambda n: np.array([Fraction(n, 3), Fraction(n, 4), n], dtype=object),
    ):
        assert check_function(learner, reference, [1, 2], hint="").status == "correct"
    assert check_array([Fraction(1, 2), Fraction(3, 4)], [0.5, 0.75], hint="").status == "correct"
    assert check_array((Fraction(98), 98, 32), (98, 98, 32), hint="").status == "correct"
    assert check_array([Fraction(1, 3), 0.75], [0.5, 0.75], hint="").status == "wrong"
    assert "far too large" in check_array([10**400, 1], [1, 2], hint="").message


def test_a_rounding_is_claimed_only_at_the_decimals_the_answer_shows():
    mistake = {0.095: "That is the difference."}
    # 0.1 is not "0.095 rounded to 2 decimals": written as 0.1 it shows one decimal
    feedback = check_number(0.1, 0.2467, misconceptions=mistake, hint="Look again.")
    assert "rounded" not in feedback.message and "Look again." in feedback.message
    assert "rounded, it matches" in check_number(0.095, 0.2467, misconceptions={0.0952: "m"}, hint="").message
    assert "rounded to 2 decimals" in check_number(0.25, 0.2467532, hint="").message
    assert "rounded to 3 decimals" in check_number(np.float32(0.247), 0.2467532, hint="").message
    assert "rounded" not in check_number(Fraction(1, 3), 0.2467532, hint="").message


def test_other_right_values_pass_and_never_name_a_mistake():
    feedback = check_number(5.0, 4.0, also_right=[5.0], misconceptions={5.0: "never"}, hint="")
    assert feedback.status == "correct"
    assert check_number(6.0, 4.0, also_right=[5.0], hint="").status == "wrong"


def test_one_z_policy_for_every_95_percent_interval():
    from course_utils.checks import framework
    from course_utils.checks.framework import check_z_number

    def half(z):
        return z * math.sqrt(0.92 * 0.08 / 250)

    def mistakes(z):
        return [(z * 0.92 * 0.08 / 250, "You forgot the square root.")]

    assert framework.Z_95 == 1.96 and framework.Z_95_EXACT == pytest.approx(1.959963984540054, abs=1e-15)
    for z in (1.96, 1.959964, framework.Z_95_EXACT):
        assert check_z_number(half(z), half, name="h", hint="", misconceptions=mistakes).status == "correct"
    refused = check_z_number(half(2), half, name="h", hint="", misconceptions=mistakes)
    assert refused.status == "wrong" and framework.Z_ROUGH_MESSAGE in refused.message
    for z in (1.96, framework.Z_95_EXACT):
        named = check_z_number(z * 0.92 * 0.08 / 250, half, name="h", hint="", misconceptions=mistakes)
        assert "square root" in named.message


def test_a_count_from_z_names_each_mistake_however_it_was_rounded():
    from course_utils.checks.framework import check_z_number

    def size(z):
        return (z / 0.01) ** 2 * 0.95 * 0.05

    def mistakes(z):
        return [(z * 0.95 * 0.05 / 0.01**2, "You forgot to square z.")]

    assert check_z_number(1825, size, name="n", hint="", count=True).status == "correct"
    # 1.96 * 475 = 931.0000000000001 with floats: 931 or 932 rounded up, 930.98 with the exact z
    for answer in (931, 932, 1.96 * 0.95 * 0.05 / 0.01**2):
        feedback = check_z_number(answer, size, name="n", hint="", count=True, misconceptions=mistakes)
        assert "square z" in feedback.message, feedback


def test_counts_are_written_in_full_never_in_scientific_notation():
    def conv2d_params(kernel_size, in_channels, filters):
        return kernel_size * kernel_size * in_channels * filters + filters

    for wrong, shown in ((lambda k, c, f: 18464.5, "18,464.5"), (lambda k, c, f: 18500.0, "18,500")):
        message = check_function(wrong, conv2d_params, [(3, 32, 64)], hint="").message
        assert shown in message and "18,496" in message and "e+" not in message, message
    message = check_array([1, 2], [1, 2_000_000], hint="").message
    assert "1,999,998 too small" in message and "e+" not in message


def test_a_count_is_told_it_was_rounded_only_when_it_was():
    assert "did you round" in check_number(92_274_700, 92_274_688, hint="").message
    assert "did you round" in check_number(9.227e7, 92_274_688, hint="").message
    for answer in (1826, 1824.0, 92_274_689):  # one off: no rounding gives these
        expected = 1825 if answer < 10_000 else 92_274_688
        assert "did you round" not in check_number(answer, expected, hint="h").message
