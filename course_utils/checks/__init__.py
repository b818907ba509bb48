"""The checker framework: one way to check an exercise answer.

Every checker returns a :class:`Feedback`. Jupyter shows it as a short coloured
message when the checker call is the last line of a cell, and ``print`` shows
its text. A checker never raises, whatever it is given: an unfinished answer
(``...`` or ``None``) gets "what to do next", a wrongly typed one gets "what
type was expected", and a wrong one gets the likely misconception.

The lesson modules (``course_utils.checks.padding_and_stride`` and so on) hold
one function per exercise. Each computes the right answer, and the wrong
answers that each misconception produces, with the same pure helpers the lesson
teaches, then calls one of the four functions here.

Examples
--------
>>> check_number(..., 30, name="output width")
Unfinished: replace the `...` in output width with your answer, then run the cell again.
>>> check_number(31, 30, name="output width", misconceptions={31: "You forgot the floor."})
Not yet: output width = 31 is not right. You forgot the floor.
>>> bool(check_number(30, 30, name="output width"))
True
"""

from __future__ import annotations

import copy
import html
import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

__all__ = [
    "Feedback",
    "check_array",
    "check_choice",
    "check_function",
    "check_number",
    "is_placeholder",
]

STATUSES = ("correct", "wrong", "unfinished", "invalid")
_TITLES = {
    "correct": "Correct",
    "wrong": "Not yet",
    "unfinished": "Unfinished",
    "invalid": "Check the type",
}
_COLOURS = {
    "correct": "#1a7f37",
    "wrong": "#b35900",
    "unfinished": "#0550ae",
    "invalid": "#8250df",
}


@dataclass(frozen=True)
class Feedback:
    """The result of checking one answer.

    Attributes
    ----------
    status : {'correct', 'wrong', 'unfinished', 'invalid'}
        What the checker concluded.
    message : str
        What to tell the learner: for a wrong answer, the likely misconception.
    """

    status: str
    message: str

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}.")

    def __bool__(self) -> bool:
        return self.status == "correct"

    @property
    def correct(self) -> bool:
        """True when the answer is right."""
        return self.status == "correct"

    def __str__(self) -> str:
        return f"{_TITLES[self.status]}: {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.status]
        return (
            f'<div style="border-left: 4px solid {colour}; padding: 0.3em 0.8em;">'
            f'<strong style="color: {colour};">{_TITLES[self.status]}:</strong> '
            f"{html.escape(self.message)}</div>"
        )


def is_placeholder(answer) -> bool:
    """True when ``answer`` is still the exercise placeholder (``...`` or ``None``).

    Examples
    --------
    >>> is_placeholder(...), is_placeholder(None), is_placeholder(0)
    (True, True, False)
    """
    return answer is Ellipsis or answer is None


def _unfinished(name: str) -> Feedback:
    return Feedback(
        "unfinished",
        f"replace the `...` in {name} with your answer, then run the cell again.",
    )


def _describe(value) -> str:
    """A short description of a value for a message (arrays by shape, not content)."""
    if isinstance(value, np.ndarray) and value.size > 6:
        return f"an array of shape {value.shape}"
    if isinstance(value, np.generic):  # np.int64(11) reads as 11
        value = value.item()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _as_real(value):
    """Return ``value`` as a real number, or None when it is not one."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (numbers.Real, np.integer, np.floating)):
        return value
    return None


def _pairs(misconceptions) -> list:
    if misconceptions is None:
        return []
    if isinstance(misconceptions, Mapping):
        return list(misconceptions.items())
    return list(misconceptions)


def check_number(
    answer,
    expected,
    *,
    name: str = "answer",
    misconceptions=None,
    rel_tol: float = 1e-6,
    abs_tol: float = 1e-12,
    hint: str | None = None,
    explanation: str | None = None,
) -> Feedback:
    """Check a numeric answer.

    Parameters
    ----------
    answer : object
        What the learner wrote.
    expected : int, float or Fraction
        The right value.
    name : str, default='answer'
        What the answer is, used in messages ("output width").
    misconceptions : dict or list of (value, message) pairs, optional
        Wrong values that a known mistake produces, with the message naming the
        mistake. A wrong value equal to ``expected`` is ignored.
    rel_tol, abs_tol : float
        Tolerances for :func:`math.isclose`. Integers compare exactly.
    hint : str, optional
        Added to the message of a wrong answer that matches no misconception.
    explanation : str, optional
        Added to the message of a correct answer.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> check_number("30", 30, name="output width")
    Check the type: output width should be a number, but it is the string '30': remove the quotes.
    >>> check_number(0.3125, Fraction(5, 16), name="precision")
    Correct: precision = 0.3125.
    """
    if is_placeholder(answer):
        return _unfinished(name)
    value = _as_real(answer)
    if value is None:
        if isinstance(answer, str):
            return Feedback(
                "invalid",
                f"{name} should be a number, but it is the string {answer!r}: remove the quotes.",
            )
        return Feedback(
            "invalid",
            f"{name} should be a single number, but it is {_describe(answer)} "
            f"of type {type(answer).__name__}.",
        )
    if isinstance(value, float) and math.isnan(value):
        return Feedback("wrong", f"{name} is NaN: look for a division by zero or a missing value.")

    def same(a, b) -> bool:
        if isinstance(a, (int, np.integer, Fraction)) and isinstance(b, (int, np.integer, Fraction)):
            return a == b
        return math.isclose(float(a), float(b), rel_tol=rel_tol, abs_tol=abs_tol)

    shown = _describe(answer)
    if same(value, expected):
        message = f"{name} = {shown}."
        return Feedback("correct", message + (f" {explanation}" if explanation else ""))
    for wrong_value, message in _pairs(misconceptions):
        if not same(wrong_value, expected) and same(value, wrong_value):
            return Feedback("wrong", f"{name} = {shown} is not right. {message}")
    message = f"{name} = {shown} is not right."
    return Feedback("wrong", message + (f" {hint}" if hint else ""))


def _to_array(value):
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return array


def check_array(
    answer,
    expected,
    *,
    name: str = "answer",
    atol: float = 1e-6,
    rtol: float = 0.0,
    misconceptions=None,
    hint: str | None = None,
) -> Feedback:
    """Check an array answer: its shape first, then its values.

    Parameters
    ----------
    answer : array_like
        What the learner wrote.
    expected : array_like
        The right array.
    name : str, default='answer'
        What the array is ("feature map").
    atol, rtol : float
        Tolerances for :func:`numpy.allclose`.
    misconceptions : list of (array_like, message) pairs, optional
        Wrong arrays that known mistakes produce (any shape), with their messages.
    hint : str, optional
        Added to a wrong answer that matches no misconception.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> check_array([[1, 2], [3, 4]], np.array([[1, 2], [3, 4]]), name="feature map")
    Correct: feature map has the right shape (2, 2) and values.
    >>> check_array([1, 2, 3], np.ones((2, 2)), name="feature map")
    Not yet: feature map has shape (3,), but it should have shape (2, 2).
    """
    if is_placeholder(answer):
        return _unfinished(name)
    array = _to_array(answer)
    if array is None or array.dtype == object:
        return Feedback(
            "invalid",
            f"{name} should be an array of numbers (a NumPy array or nested lists), "
            f"but it is {_describe(answer)} of type {type(answer).__name__}.",
        )
    expected = np.asarray(expected, dtype=float)

    def same(a, b) -> bool:
        return a.shape == b.shape and bool(np.allclose(a, b, atol=atol, rtol=rtol, equal_nan=False))

    if same(array, expected):
        return Feedback("correct", f"{name} has the right shape {expected.shape} and values.")
    for wrong, message in _pairs(misconceptions):
        wrong = np.asarray(wrong, dtype=float)
        if not same(wrong, expected) and same(array, wrong):
            return Feedback("wrong", f"{name} is not right. {message}")
    if array.shape != expected.shape:
        return Feedback(
            "wrong",
            f"{name} has shape {array.shape}, but it should have shape {expected.shape}."
            + (f" {hint}" if hint else ""),
        )
    close = np.isclose(array, expected, atol=atol, rtol=rtol)
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    message = (
        f"{name} has the right shape, but {int((~close).sum())} of its {array.size} values "
        f"differ; the first is at index {first}."
    )
    return Feedback("wrong", message + (f" {hint}" if hint else ""))


def _call(function: Callable, case):
    """Call ``function`` on one test case: a tuple of arguments or a dict of keywords."""
    case = copy.deepcopy(case)
    if isinstance(case, Mapping):
        return function(**case)
    if isinstance(case, tuple):
        return function(*case)
    return function(case)


def _describe_case(function_name: str, case) -> str:
    if isinstance(case, Mapping):
        parts = [f"{key}={_describe(value)}" for key, value in case.items()]
    elif isinstance(case, tuple):
        parts = [_describe(value) for value in case]
    else:
        parts = [_describe(case)]
    return f"{function_name}({', '.join(parts)})"


def _outputs_match(got, want, atol: float) -> bool:
    if isinstance(want, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return False
        return all(_outputs_match(g, w, atol) for g, w in zip(got, want))
    if isinstance(want, str) or isinstance(got, str):
        return got == want
    got_array = _to_array(got)
    want_array = np.asarray(want, dtype=float)
    if got_array is None or got_array.dtype == object or got_array.shape != want_array.shape:
        return False
    return bool(np.allclose(got_array, want_array, atol=atol, rtol=0.0))


def check_function(
    function,
    reference: Callable,
    cases: Iterable,
    *,
    name: str = "your function",
    atol: float = 1e-6,
    misconceptions: Sequence[tuple[Callable, str]] | None = None,
    hint: str | None = None,
) -> Feedback:
    """Check a learner's function against a reference on several test cases.

    Parameters
    ----------
    function : callable
        The learner's function. A body that still raises ``NotImplementedError``
        counts as unfinished.
    reference : callable
        The course's function that gives the right outputs.
    cases : iterable
        Test cases: each is a tuple of positional arguments, a dict of keyword
        arguments, or a single argument.
    name : str, default='your function'
        The function's name, used in messages.
    atol : float, default=1e-6
        Absolute tolerance when comparing outputs.
    misconceptions : list of (callable, message) pairs, optional
        Wrong versions of the reference, each computing what a known mistake
        gives. When the learner's outputs match one on every case where it
        differs from the reference, its message is shown.
    hint : str, optional
        Added to a wrong answer that matches no misconception.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> def square(x):
    ...     return x * x
    >>> check_function(square, lambda x: x ** 2, [1, 2, 3], name="square")
    Correct: square gives the right output on all 3 test cases.
    >>> check_function(lambda x: 2 * x, lambda x: x ** 2, [2, 3], name="square")
    Not yet: square(3) returned 6, but the right output is 9.
    """
    if is_placeholder(function):
        return _unfinished(name)
    if not callable(function):
        return Feedback(
            "invalid",
            f"{name} should be a function (defined with def), but it is "
            f"{_describe(function)} of type {type(function).__name__}.",
        )
    cases = list(cases)
    outputs = []
    for case in cases:
        try:
            got = _call(function, case)
        except NotImplementedError:
            return Feedback(
                "unfinished",
                f"{name} still raises NotImplementedError: write its body, "
                "run its cell, then run this cell again.",
            )
        except Exception as error:  # noqa: BLE001 - any learner error becomes feedback
            return Feedback(
                "wrong",
                f"{_describe_case(name, case)} raised {type(error).__name__}: {error}",
            )
        if got is None or got is Ellipsis:
            return Feedback(
                "unfinished",
                f"{_describe_case(name, case)} returned {got!r}: did you forget the `return`?",
            )
        outputs.append(got)

    wrong_cases = [
        (case, got)
        for case, got in zip(cases, outputs)
        if not _outputs_match(got, _call(reference, case), atol)
    ]
    if not wrong_cases:
        return Feedback("correct", f"{name} gives the right output on all {len(cases)} test cases.")
    for wrong_reference, message in misconceptions or []:
        try:
            wrong_outputs = [_call(wrong_reference, case) for case in cases]
        except Exception:  # noqa: BLE001 - a misconception that cannot run never matches
            continue
        if all(_outputs_match(got, want, atol) for got, want in zip(outputs, wrong_outputs)):
            return Feedback("wrong", f"{name} is not right yet. {message}")
    case, got = wrong_cases[0]
    want = _call(reference, case)
    message = (
        f"{_describe_case(name, case)} returned {_describe(got)}, "
        f"but the right output is {_describe(want)}."
    )
    return Feedback("wrong", message + (f" {hint}" if hint else ""))


def check_choice(
    answer,
    expected: str,
    options: Sequence[str],
    *,
    name: str = "answer",
    misconceptions: Mapping[str, str] | None = None,
    explanation: str | None = None,
) -> Feedback:
    """Check a multiple-choice answer given as a string (case and spaces ignored).

    Examples
    --------
    >>> check_choice("Same", "same", ["valid", "same"], name="padding")
    Correct: padding = 'same'.
    >>> check_choice("full", "same", ["valid", "same"], name="padding")
    Check the type: padding should be one of 'valid', 'same', but it is 'full'.
    """
    if is_placeholder(answer):
        return _unfinished(name)
    allowed = ", ".join(repr(option) for option in options)
    if not isinstance(answer, str):
        return Feedback(
            "invalid",
            f"{name} should be a string, one of {allowed}, but it is {_describe(answer)} "
            f"of type {type(answer).__name__}.",
        )
    normal = answer.strip().lower()
    lookup = {option.lower(): option for option in options}
    if normal not in lookup:
        return Feedback("invalid", f"{name} should be one of {allowed}, but it is {answer!r}.")
    if normal == expected.lower():
        message = f"{name} = {lookup[normal]!r}."
        return Feedback("correct", message + (f" {explanation}" if explanation else ""))
    for wrong, message in (misconceptions or {}).items():
        if normal == wrong.lower():
            return Feedback("wrong", f"{name} = {lookup[normal]!r} is not right. {message}")
    return Feedback("wrong", f"{name} = {lookup[normal]!r} is not right.")
