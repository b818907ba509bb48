"""The checker framework: right, wrong, unfinished and wrongly typed answers, and never a crash."""

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
        check_number(placeholder, 3),
        check_array(placeholder, [1, 2]),
        check_function(placeholder, abs, [1]),
        check_choice(placeholder, "a", ["a", "b"]),
    ]
    assert all(result.status == "unfinished" for result in results)
    assert all("`...`" in result.message for result in results)


def test_check_number_right_misconception_and_generic_wrong():
    misconceptions = {31: "You forgot the floor.", 29: "You forgot the +1."}
    assert check_number(30, 30, name="width").status == "correct"
    assert check_number(np.int64(30), 30).status == "correct"
    assert check_number(Fraction(5, 16), 0.3125).status == "correct"
    wrong = check_number(31, 30, name="width", misconceptions=misconceptions)
    assert wrong.status == "wrong" and "forgot the floor" in wrong.message
    generic = check_number(12, 30, name="width", misconceptions=misconceptions, hint="Use the formula.")
    assert generic.status == "wrong" and "Use the formula." in generic.message
    assert "floor" not in generic.message


def test_check_number_ignores_misconceptions_equal_to_the_answer():
    # For some inputs a wrong formula gives the right number: the learner is right then.
    assert check_number(30, 30, misconceptions={30: "never shown"}).status == "correct"


def test_check_number_tolerances():
    assert check_number(0.1 + 0.2, 0.3).status == "correct"
    assert check_number(0.31, 0.3125).status == "wrong"
    assert check_number(0.31, 0.3125, abs_tol=0.01).status == "correct"
    assert check_number(float("nan"), 1.0).status == "wrong"


@pytest.mark.parametrize(
    "answer, fragment",
    [("30", "remove the quotes"), (True, "type bool"), ([30], "type list"), (np.ones(3), "type ndarray")],
)
def test_check_number_wrong_types_are_invalid(answer, fragment):
    feedback = check_number(answer, 30, name="width")
    assert feedback.status == "invalid"
    assert fragment in feedback.message


def test_check_array_shape_values_and_misconceptions():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert check_array(expected.tolist(), expected).status == "correct"
    flipped = expected[::-1, ::-1]
    feedback = check_array(flipped, expected, misconceptions=[(flipped, "You flipped the kernel.")])
    assert feedback.status == "wrong" and "flipped" in feedback.message
    assert "shape (3,)" in check_array([1, 2, 3], expected).message
    values = check_array([[1, 2], [3, 5]], expected)
    assert values.status == "wrong" and "1 of its 4 values" in values.message and "(1, 1)" in values.message
    assert check_array("abc", expected).status == "invalid"
    assert check_array([[1, 2], [3]], expected).status == "invalid"
    assert check_array({"a": 1}, expected).status == "invalid"


def test_check_function_statuses():
    def unfinished(x):
        raise NotImplementedError

    def crashes(x):
        return x / 0

    def forgets_return(x):
        x * x

    assert check_function(lambda x: x * x, lambda x: x**2, [1, 2, 3]).status == "correct"
    assert check_function(unfinished, abs, [1]).status == "unfinished"
    crashed = check_function(crashes, abs, [1], name="f")
    assert crashed.status == "wrong" and "ZeroDivisionError" in crashed.message and "f(1)" in crashed.message
    assert "forget the `return`" in check_function(forgets_return, abs, [1]).message
    assert check_function(42, abs, [1]).status == "invalid"


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
    )
    assert feedback.status == "wrong" and "forgot the +1" in feedback.message
    assert check_function(lambda a: (a, a + 1), lambda a: (a, a + 1), [1, 2]).status == "correct"
    assert check_function(lambda a: [a, a], lambda a: (a, a + 1), [1]).status == "wrong"


def test_check_function_does_not_let_learner_code_mutate_the_cases():
    case = np.zeros(3)

    def mutates(x):
        x += 1
        return x

    check_function(mutates, lambda x: x + 1, [(case,)])
    assert (case == 0).all()


def test_check_choice():
    assert check_choice(" SAME ", "same", ["valid", "same"]).status == "correct"
    feedback = check_choice("valid", "same", ["valid", "same"], misconceptions={"valid": "It shrinks."})
    assert feedback.status == "wrong" and "shrinks" in feedback.message
    assert check_choice("full", "same", ["valid", "same"]).status == "invalid"
    assert check_choice(3, "same", ["valid", "same"]).status == "invalid"


@given(answer=ANYTHING)
def test_checkers_never_raise_whatever_they_are_given(answer):
    results = [
        check_number(answer, 30, misconceptions={31: "m"}),
        check_array(answer, np.ones((2, 2)), misconceptions=[(np.zeros((2, 2)), "m")]),
        check_function(answer, lambda x: x, [1, (2,)]),
        check_choice(answer, "a", ["a", "b"]),
    ]
    for result in results:
        assert isinstance(result, Feedback)
        assert result.message


def test_numpy_scalars_are_shown_as_plain_numbers():
    assert str(check_number(np.int64(11), 11, name="sum")) == "Correct: sum = 11."
    assert "= 2.5 is not right" in str(check_number(np.float32(2.5), 3.0, name="mean"))
