"""The checker framework: one way to check an exercise answer.

Every checker returns a :class:`Feedback`. Jupyter shows it as a short coloured
message when the checker call is the last line of a cell, and ``print`` shows
its text. A checker never raises and never hangs, whatever it is given: an
unfinished answer (``...`` or ``None``) gets "what to do next", a wrongly typed
one gets "what form was expected", a learner's function that loops forever is
stopped after :data:`TIME_LIMIT` seconds, and a wrong answer gets the likely
misconception, or a hint when no known mistake explains it.

The lesson modules (``course_utils.checks.padding_and_stride`` and so on) hold
one function per exercise, decorated with :func:`checker`. Each computes the
right answer, and the wrong answers that each misconception produces, with the
same pure helpers the lesson teaches, then calls one of the functions here:
:func:`check_number`, :func:`check_array`, :func:`check_function` and
:func:`check_choice` for an answer compared with one right value, and
:func:`check_answer`, the template of every answer judged by requirements (a model, a
run, data; :func:`check_design` for a design), for the rest.

Examples
--------
>>> check_number(..., 30, name="output width", hint="Use the formula.")
Unfinished: replace the `...` in output width with your answer, then run the cell again.
>>> check_number(31, 30, name="output width", misconceptions={31: "You forgot the floor."}, hint="")
Not yet: output width = 31 is not right. You forgot the floor.
>>> bool(check_number(30, 30, name="output width", hint="Use the formula."))
True
"""

from __future__ import annotations

import builtins
import copy
import functools
import html
import importlib
import math
import numbers
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from statistics import NormalDist

import numpy as np

from course_utils.core._validation import describe

__all__ = [
    "IMPORT_TIME_LIMIT",
    "STATUSES",
    "TIME_LIMIT",
    "Z_95",
    "Z_95_EXACT",
    "Z_95_VALUES",
    "Z_ROUGH",
    "Z_ROUGH_MESSAGE",
    "Feedback",
    "check_answer",
    "check_array",
    "check_choice",
    "check_design",
    "check_function",
    "check_number",
    "check_z_number",
    "checker",
    "describe",
    "is_placeholder",
    "unfinished",
    "wrong_form",
]

#: What a checker can conclude.
STATUSES = ("correct", "wrong", "unfinished", "invalid")
#: Seconds that a learner's function may run, all test cases together, in one checker call.
#: The time its imports take is not counted (see :func:`run_with_time_limit`).
TIME_LIMIT = 10.0
#: Seconds that the imports a learner's function makes may take, on top of :data:`TIME_LIMIT`.
IMPORT_TIME_LIMIT = 120.0
#: When True, a checker's own unexpected error is raised instead of shown as feedback (tests set it).
STRICT = False
#: Decimals tried when looking for a rounded answer.
ROUNDING_DECIMALS = range(0, 9)

# The z of a 95% interval, one policy for every lesson (05, 07 and 09 use it through check_z_number):
#: z as the lessons write it and as learners type it.
Z_95 = 1.96
#: The same z to full precision, NormalDist().inv_cdf(0.975) = 1.959963984540054...: right too.
Z_95_EXACT = NormalDist().inv_cdf(0.975)
#: Every z with which a right answer may be computed.
Z_95_VALUES = (Z_95, Z_95_EXACT)
#: "Two standard errors": refused in every lesson, always with :data:`Z_ROUGH_MESSAGE`.
Z_ROUGH = 2
Z_ROUGH_MESSAGE = (
    "You used z = 2, the 'two standard errors' rule of thumb, which gives a 95.4% interval. The course's "
    "95% intervals use z = 1.96 (1.959964 to more digits): use 1.96."
)

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

    Examples
    --------
    >>> feedback = Feedback("wrong", "width = 31 is not right.")
    >>> bool(feedback), feedback.status
    (False, 'wrong')
    >>> print(feedback)
    Not yet: width = 31 is not right.
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


def unfinished(name: str) -> Feedback:
    """The feedback for an answer that is still the placeholder.

    Examples
    --------
    >>> unfinished("width")
    Unfinished: replace the `...` in width with your answer, then run the cell again.
    """
    return Feedback(
        "unfinished",
        f"replace the `...` in {name} with your answer, then run the cell again.",
    )


def _type_name(value) -> str:
    return type(value).__name__


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------
def _as_real(value):
    """``value`` as int, float or Fraction, or None when it is not a real number."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, np.ndarray):
        if value.shape != () or value.dtype.kind not in "iuf":
            return None
        value = value[()]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, (int, float, Fraction)):
        return value
    if isinstance(value, Decimal):
        return Fraction(value) if value.is_finite() else float(value)
    if isinstance(value, numbers.Real):
        try:
            return Fraction(value)
        except (TypeError, ValueError, OverflowError):
            try:
                return float(value)
            except Exception:  # a Real that cannot be read is not a number here
                return None
    return None


def _is_whole(value) -> bool:
    """True for a finite number with no fractional part."""
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value) and value.is_integer()
    return isinstance(value, Fraction) and value.denominator == 1


def _exact_kind(value) -> bool:
    """True when ``value`` is a count: an int, so answers must match it exactly."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _same_number(answer, reference, rel_tol: float, abs_tol: float) -> bool:
    """Compare two finite numbers: exactly when the reference is an int, else with tolerances.

    The comparison uses exact fractions, so huge integers never overflow a float.
    """
    a, b = Fraction(answer), Fraction(reference)
    if _exact_kind(reference):
        return a == b
    return abs(a - b) <= max(Fraction(rel_tol) * max(abs(a), abs(b)), Fraction(abs_tol))


def _finite(value) -> bool:
    return not isinstance(value, float) or math.isfinite(value)


def _roundings(value, decimals=ROUNDING_DECIMALS):
    """``(decimals, how, number)`` for ``value`` rounded (half away from zero, as by hand) and cut."""
    exact = Fraction(value)
    sign = -1 if exact < 0 else 1
    for d in decimals:
        scale = Fraction(10) ** d
        rounded = sign * Fraction(math.floor(abs(exact) * scale + Fraction(1, 2))) / scale
        cut = Fraction(math.trunc(exact * scale)) / scale
        for how, number in (("rounded", rounded), ("cut", cut)):
            if abs(number) * scale >= 10 and (how == "rounded" or cut != rounded):  # 2+ significant digits
                yield d, how, number


def _written(answer) -> tuple[int, Fraction] | None:
    """``(decimals, value)`` of the answer written out shortest (0.25 -> 2 decimals, 0.1 -> 1), or None.

    A float32 is written as float32 prints it (0.247, not 0.24699999392032623); a Fraction
    whose decimals never end gives None.
    """
    try:
        if isinstance(answer, np.ndarray) and answer.shape == ():
            answer = answer[()]
        if isinstance(answer, (bool, np.bool_)):
            return None
        if isinstance(answer, (int, np.integer)):
            return 0, Fraction(int(answer))
        if isinstance(answer, np.floating):
            text = np.format_float_positional(answer, unique=True, trim="-")
        elif isinstance(answer, float):
            text = repr(answer)
        elif isinstance(answer, Decimal):
            text = str(answer)
        elif isinstance(answer, Fraction):
            denominator, twos, fives = answer.denominator, 0, 0
            while denominator % 2 == 0:
                denominator, twos = denominator // 2, twos + 1
            while denominator % 5 == 0:
                denominator, fives = denominator // 5, fives + 1
            return (max(twos, fives), answer) if denominator == 1 else None
        else:
            return None
        number = Decimal(text).normalize()
        exponent = number.as_tuple().exponent
        if not isinstance(exponent, int):  # NaN or infinity
            return None
        return (-exponent if exponent < 0 else 0), Fraction(number)
    except (ArithmeticError, ValueError, TypeError):
        return None


def _rounds_count(value: Fraction, count: int) -> bool:
    """True when ``value`` is ``count`` rounded or cut to fewer digits (92274700 for 92274688)."""
    if value == count or count == 0 or abs(value - count) > Fraction(1, 1000) * abs(count):
        return False
    sign = 1 if count > 0 else -1
    for k in range(1, len(str(abs(count)))):
        scaled = Fraction(abs(count), 10**k)
        for digits in (math.floor(scaled + Fraction(1, 2)), math.trunc(scaled)):
            if value == sign * digits * 10**k:
                return True
    return False


def _is_decimal(value, decimal: Fraction) -> bool:
    """True when ``value`` is ``decimal``, up to the float error of typing it (0.31 for 31/100)."""
    return abs(Fraction(value) - decimal) <= Fraction(1, 10**12) * max(1, abs(decimal))


def _pairs(misconceptions) -> list:
    if misconceptions is None:
        return []
    if isinstance(misconceptions, Mapping):
        return list(misconceptions.items())
    return list(misconceptions)


def _join_messages(messages: list[str]) -> str:
    """One misconception message, or the candidates when several mistakes give this answer."""
    unique = list(dict.fromkeys(messages))
    if len(unique) == 1:
        return unique[0]
    listed = " ".join(f"({i}) {message}" for i, message in enumerate(unique, start=1))
    return f"More than one mistake gives this answer: {listed}"


def _parses_as_number(text: str) -> bool:
    try:
        float(text.replace(",", "").replace("_", ""))
    except ValueError:
        return False
    return True


def _same_value(wrong, expected) -> bool:
    """True when a misconception's value equals the expected one (then it is never shown)."""
    wrong, expected = _as_real(wrong), _as_real(expected)
    if wrong is None or expected is None or not (_finite(wrong) and _finite(expected)):
        return False
    return Fraction(wrong) == Fraction(expected)


def _not_a_number(answer, name: str) -> Feedback:
    if isinstance(answer, str):
        if _parses_as_number(answer):
            return Feedback(
                "invalid",
                f"{name} should be a number, but it is the string {describe(answer)}: remove the quotes.",
            )
        return Feedback(
            "invalid",
            f"{name} should be a number (such as 12 or 0.5), but it is the string {describe(answer)}.",
        )
    if isinstance(answer, (bool, np.bool_)):
        return Feedback(
            "invalid",
            f"{name} should be a number, but it is {answer!r} of type bool (a yes/no value).",
        )
    return wrong_form(name, "a single number", answer)


def check_number(
    answer,
    expected,
    *,
    name: str = "answer",
    misconceptions=None,
    hint: str = "",
    rel_tol: float = 1e-6,
    abs_tol: float = 1e-12,
    explanation: str | None = None,
    also_right: Sequence = (),
) -> Feedback:
    """Check a numeric answer.

    An int ``expected`` is a count: the answer must equal it exactly (``18496.0``
    is right, ``18496.01`` and ``1.8496e4`` rounded are not). Any other expected
    value (float or Fraction) is compared with the tolerances. An answer that is
    the expected value, or a misconception's value, rounded or cut to a few
    decimals is told so.

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
        mistake. A wrong value equal to ``expected`` is ignored. When several
        mistakes give the learner's value, every message is shown.
    hint : str, default=''
        Added to the message of a wrong answer that matches no misconception:
        where to look, without the number. Every exercise checker gives one (a test
        checks it), so that no message ends on a bare "is not right.".
    rel_tol, abs_tol : float
        Tolerances for a non-integer ``expected``.
    explanation : str, optional
        Added to the message of a correct answer.
    also_right : sequence of numbers, optional
        Other values that are right too, compared like ``expected`` (the same answer
        computed with z = 1.96 and with z = 1.959964, say).

    Returns
    -------
    Feedback

    Examples
    --------
    >>> check_number("30", 30, name="output width", hint="")
    Check the type: output width should be a number, but it is the string '30': remove the quotes.
    >>> check_number(0.3125, Fraction(5, 16), name="precision", hint="")
    Correct: precision = 0.3125.
    >>> check_number(0.31, Fraction(5, 16), name="precision", hint="")
    Not yet: precision = 0.31 is the right value rounded to 2 decimals. Keep the full value (a Fraction or the float Python computes) and round only when you display it.
    >>> check_number(92274700.0, 92274688, name="multiply-adds", hint="Count every position.")
    Not yet: multiply-adds = 92274700.0 is close, but a count must be exact to the last digit: did you round, or type it in scientific notation? Count every position.
    """
    if is_placeholder(answer):
        return unfinished(name)
    value = _as_real(answer)
    if value is None:
        return _not_a_number(answer, name)
    shown = describe(answer)
    if isinstance(value, float) and math.isnan(value):
        return Feedback("wrong", f"{name} is NaN (not a number): look for a division by zero or 0/0.")
    if isinstance(value, float) and math.isinf(value):
        return Feedback("wrong", f"{name} is infinite: look for a division by zero.")

    def same(reference) -> bool:
        return _finite(reference) and _same_number(value, reference, rel_tol, abs_tol)

    rights = [expected, *also_right]
    if any(same(right) for right in rights):
        message = f"{name} = {shown}."
        return Feedback("correct", message + (f" {explanation}" if explanation else ""))
    pairs = [
        (wrong, message)
        for wrong, message in _pairs(misconceptions)
        if not any(_same_value(wrong, right) for right in rights)
    ]
    matched = [message for wrong, message in pairs if same(wrong)]
    if matched:
        return Feedback("wrong", f"{name} = {shown} is not right. {_join_messages(matched)}")
    written = _written(answer)  # a rounding is claimed only at the decimals the answer shows
    if not _exact_kind(expected) and _finite(expected) and written is not None:
        shown_decimals, shown_value = written
        for decimals, how, rounded in _roundings(expected, [shown_decimals]):
            if rounded not in (0, Fraction(expected)) and _is_decimal(shown_value, rounded):
                return Feedback(
                    "wrong",
                    f"{name} = {shown} is the right value {how} to {decimals} decimal{'s' if decimals != 1 else ''}. Keep the full "
                    "value (a Fraction or the float Python computes) and round only when you display it.",
                )
        matched = [
            message
            for wrong, message in pairs
            if _finite(wrong)
            and not _is_whole(wrong)
            and any(_is_decimal(shown_value, r) for _, _, r in _roundings(wrong, [shown_decimals]))
        ]
        if matched:
            return Feedback(
                "wrong",
                f"{name} = {shown} is not right (rounded, it matches a known mistake). "
                f"{_join_messages(matched)}",
            )
    if _exact_kind(expected):
        if not _is_whole(value):
            return Feedback(
                "wrong",
                f"{name} = {shown} is not a whole number, but a count is. {hint}".rstrip(),
            )
        if _rounds_count(Fraction(value), expected):
            return Feedback(
                "wrong",
                f"{name} = {shown} is close, but a count must be exact to the last digit: did you "
                f"round, or type it in scientific notation? {hint}".rstrip(),
            )
    return Feedback("wrong", f"{name} = {shown} is not right. {hint}".rstrip())


def _whole_count_forms(value: float) -> list:
    """What a learner may give for a count computed as ``value``: it unrounded, rounded up and
    rounded to the nearest whole number (both neighbours when floats miss a whole number by a hair)."""
    forms = [value, round(value)]
    forms += sorted({math.ceil(value - 1e-9), math.ceil(value + 1e-9)})
    return forms


def check_z_number(
    answer,
    formula: Callable,
    *,
    name: str,
    misconceptions: Callable | None = None,
    hint: str,
    also_right: Sequence[Callable] = (),
    count: bool = False,
    rel_tol: float = 1e-6,
    explanation: str | None = None,
) -> Feedback:
    """:func:`check_number` for an answer computed with the z of a 95% interval, one policy everywhere.

    ``formula(z)`` is the right value with that z. The answer is right with every z of
    :data:`Z_95_VALUES` (1.96 as the lessons write it, and its full precision); z = 2 is
    refused with :data:`Z_ROUGH_MESSAGE`. ``misconceptions(z)`` lists ``(value, message)``
    for each named mistake computed with that z, and is called for every z of
    :data:`Z_95_VALUES`, so that a mistake is named whichever z the learner typed. Each
    function of ``also_right`` gives another right value for each z (an equivalent formula).

    With ``count=True`` the answer is a whole count: ``formula(z)`` is rounded up for the
    right value, and a mistake is named whether the learner rounds its value up, to the
    nearest whole number, or not at all.

    Examples
    --------
    >>> half = lambda z: z * math.sqrt(0.9 * 0.1 / 100)
    >>> check_z_number(1.96 * 0.03, half, name="half-width", hint="")
    Correct: half-width = 0.0588.
    >>> check_z_number(2 * 0.03, half, name="half-width", hint="").message.split(". ")[1]
    "You used z = 2, the 'two standard errors' rule of thumb, which gives a 95.4% interval"
    """
    rights = [right(z) for right in (formula, *also_right) for z in Z_95_VALUES]
    pairs = []
    for z in Z_95_VALUES:
        pairs += list(misconceptions(z)) if misconceptions else []
    pairs += [(right(Z_ROUGH), Z_ROUGH_MESSAGE) for right in (formula, *also_right)]
    if count:
        rights = sorted({math.ceil(value) for value in rights})
        pairs = [(form, message) for value, message in pairs for form in _whole_count_forms(value)]
    return check_number(
        answer,
        rights[0],
        also_right=rights[1:],
        name=name,
        misconceptions=pairs,
        hint=hint,
        rel_tol=rel_tol,
        abs_tol=0.0,
        explanation=explanation,
    )


# ---------------------------------------------------------------------------
# Arrays
# ---------------------------------------------------------------------------
def _flat_items(value, limit: int = 10_000):
    """The leaves of nested lists and tuples (at most ``limit``)."""
    stack, leaves = [value], []
    while stack and len(leaves) < limit:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, np.ndarray) and item.dtype == object:
            stack.extend(reversed(item.ravel().tolist()))
        else:
            leaves.append(item)
    return leaves


def _numeric_array(value):
    """``(array, None)`` for numbers in an array-like, or ``(None, why)`` when it holds no numbers."""
    if isinstance(value, (str, bytes)):
        return None, "string"
    if isinstance(value, (Mapping, set, frozenset)):
        return None, "container"
    try:
        array = np.asarray(value)
    except Exception:  # ragged lists and odd objects are reported, not raised
        return None, "ragged"
    kind = array.dtype.kind
    if kind in "iuf":
        return array, None
    if kind == "b":
        return None, "bool"
    if kind in "US":
        return None, "string"
    if kind == "O":
        leaves = _flat_items(value if isinstance(value, (list, tuple)) else array)
        if any(is_placeholder(leaf) for leaf in leaves):
            return None, "placeholder"
        if any(isinstance(leaf, str) for leaf in leaves):
            return None, "string"
        if leaves and all(_as_real(leaf) is not None for leaf in leaves):
            # numbers Python holds as objects: Fractions, Decimals, huge ints, a mix with floats
            try:
                with np.errstate(all="ignore"):
                    converted = array.astype(float)
            except (OverflowError, TypeError, ValueError):
                return None, "huge"
            if converted.shape == array.shape and np.isfinite(converted).sum() == sum(
                _finite(_as_real(leaf)) for leaf in leaves
            ):
                return converted, None
            return None, "huge"
        return None, "object"
    return None, "other"


def _array_problem(answer, why: str, name: str, expected_shape) -> Feedback:
    wanted = "an array of numbers (a NumPy array, nested lists or a tuple)"
    if expected_shape is not None and len(expected_shape) == 1:
        wanted = f"{expected_shape[0]} numbers (a tuple, a list or a NumPy array)"
    elif expected_shape is not None:
        wanted = f"an array of numbers of shape {expected_shape} (a NumPy array or nested lists)"
    if why == "placeholder":
        return Feedback(
            "unfinished", f"replace every `...` in {name} with a number, then run the cell again."
        )
    if why == "string":
        return Feedback(
            "invalid",
            f"{name} should be {wanted}, but it contains text: {describe(answer)}. Remove the quotes.",
        )
    if why == "ragged":
        return Feedback(
            "invalid",
            f"{name} should be {wanted}, but its rows have different lengths: {describe(answer)}.",
        )
    if why == "huge":
        return Feedback("wrong", f"{name} contains integers far too large to be right.")
    if why == "bool":
        return Feedback("invalid", f"{name} should be {wanted}, but it holds True/False values.")
    return wrong_form(name, wanted, answer)


def _arrays_equal(got: np.ndarray, want: np.ndarray, atol: float, rtol: float) -> bool:
    """Same shape and values: exactly for integer ``want`` (counts), within tolerance otherwise."""
    if got.shape != want.shape:
        return False
    with np.errstate(all="ignore"):
        if want.dtype.kind in "iu":
            if got.dtype.kind == "f" and not np.isfinite(got).all():
                return False
            return bool(np.array_equal(got.astype(float) if got.dtype.kind == "f" else got, want))
        return bool(np.allclose(got.astype(float), want.astype(float), atol=atol, rtol=rtol, equal_nan=False))


def _index_text(index) -> str:
    return str(index[0]) if len(index) == 1 else str(index)


def _format_value(value) -> str:
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _number_text(value: float, digits: int) -> str:
    """``value`` with ``digits`` significant digits, never in scientific notation between 1e-4 and 1e15:
    a whole number in full with thousands separators (18,496), a fraction with its decimals."""
    if not math.isfinite(value):
        return repr(value)
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    text = f"{value:.{digits}g}"
    if "e" in text and 1e-4 <= abs(value) < 1e15:
        whole_digits = len(str(int(abs(value))))
        return f"{value:,.{max(1, digits - whole_digits)}f}"  # a fraction never reads as whole
    return text


def _format_pair(got, want) -> tuple[str, str]:
    """Two numbers with just enough digits to show how they differ (never cut where they do)."""
    got, want = _format_value(got), _format_value(want)
    try:
        g, w = float(got), float(want)
    except ValueError:
        return got, want
    for digits in range(4, 18):
        short_g, short_w = _number_text(g, digits), _number_text(w, digits)
        if short_g != short_w:
            return short_g, short_w
    return got, want


def _amount(value: float) -> str:
    """A difference or an offset: a whole one in full (1,234,567), another as ``:g`` does."""
    return _number_text(value, 6) if value.is_integer() else f"{value:g}"


def _difference(got: np.ndarray, want: np.ndarray, atol: float, rtol: float, *, reveal: bool) -> str:
    """How two numeric arrays differ: shape, NaN, a common scale or offset, or where and by how much.

    ``reveal=True`` shows the right value at each wrong position (for a function's
    test case); otherwise only the position and the size of the error.
    """
    if got.shape != want.shape:
        if got.ndim == want.ndim == 1:
            return f"has {got.shape[0]} values, but it should have {want.shape[0]}"
        return f"has shape {got.shape}, but it should have shape {want.shape}"
    g, w = got.astype(float), want.astype(float)
    with np.errstate(all="ignore"):
        if np.isnan(g).any():
            first = tuple(int(i) for i in np.argwhere(np.isnan(g))[0])
            return f"contains NaN (not a number), first at index {_index_text(first)}"
        if np.isinf(g).any():
            first = tuple(int(i) for i in np.argwhere(np.isinf(g))[0])
            return f"contains an infinite value, first at index {_index_text(first)}"
        tolerance = atol + rtol * np.abs(w)
        wrong = np.abs(g - w) > tolerance
        if want.dtype.kind in "iu":
            wrong = g != w
        count = int(wrong.sum())
        if count > 1:
            offset = g - w
            if count == g.size and np.allclose(offset, offset.flat[0], atol=atol, rtol=0):
                return f"has every value off by the same amount, {'+' if offset.flat[0] > 0 else ''}{_amount(float(offset.flat[0]))}"
            nonzero = np.abs(w) > tolerance
            if nonzero.any() and (np.abs(g[~nonzero]) <= tolerance[~nonzero]).all():
                ratio = g[nonzero] / w[nonzero]
                if np.allclose(ratio, ratio[0], rtol=1e-6, atol=0):
                    return f"has every value {float(ratio[0]):g} times the right one (check the scale)"
        positions = [tuple(int(i) for i in index) for index in np.argwhere(wrong)[:2]]
        parts = []
        for index in positions:
            if reveal:
                shown_got, shown_want = _format_pair(got[index], want[index])
                parts.append(f"at index {_index_text(index)}: {shown_got} instead of {shown_want}")
            else:
                delta = float(g[index] - w[index])
                parts.append(
                    f"at index {_index_text(index)}: {_amount(abs(delta))} too {'large' if delta > 0 else 'small'}"
                )
        more = count - len(positions)
        where = "; ".join(parts) + (f"; and {more} more" if more else "")
        return f"has {count} of its {g.size} values wrong: {where}"


def check_array(
    answer,
    expected,
    *,
    name: str = "answer",
    hint: str = "",
    atol: float = 1e-6,
    rtol: float = 1e-6,
    misconceptions=None,
) -> Feedback:
    """Check an array answer: its form, its shape, then its values.

    An integer ``expected`` (counts, shapes) must be matched exactly; a float one
    within the tolerances. Strings, True/False values and ragged lists are refused
    with a message saying what form is expected; a wrong answer is told which
    values differ and by how much, or which known mistake gives it.

    Parameters
    ----------
    answer : array_like
        What the learner wrote.
    expected : array_like
        The right array.
    name : str, default='answer'
        What the array is ("feature map").
    hint : str, default=''
        Added to a wrong answer that matches no misconception (every exercise checker gives one).
    atol, rtol : float
        Tolerances for a float ``expected``, as in :func:`numpy.allclose`.
    misconceptions : list of (array_like, message) pairs, optional
        Wrong arrays that known mistakes produce (any shape), with their messages.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> check_array([[1, 2], [3, 4]], np.array([[1, 2], [3, 4]]), name="feature map", hint="")
    Correct: feature map has the right shape (2, 2) and values.
    >>> check_array([1, 2, 3], np.ones((2, 2)), name="feature map", hint="")
    Not yet: feature map has shape (3,), but it should have shape (2, 2).
    >>> check_array(("98", "98", "32"), (98, 98, 32), name="output shape", hint="")
    Check the type: output shape should be 3 numbers (a tuple, a list or a NumPy array), but it contains text: ('98', '98', '32'). Remove the quotes.
    >>> check_array([[1, 2], [3, 5]], [[1, 2], [3, 4]], name="feature map", hint="")
    Not yet: feature map has 1 of its 4 values wrong: at index (1, 1): 1 too large.
    """
    if is_placeholder(answer):
        return unfinished(name)
    expected = np.asarray(expected)
    array, why = _numeric_array(answer)
    if array is None:
        return _array_problem(answer, why, name, expected.shape)
    if array.ndim == 0 and expected.ndim > 0:
        wanted = f"{expected.size} numbers" if expected.ndim == 1 else f"an array of shape {expected.shape}"
        return Feedback(
            "invalid", f"{name} should be {wanted}, but it is the single number {describe(answer)}."
        )
    if _arrays_equal(array, expected, atol, rtol):
        if expected.ndim == 1 and expected.size <= 6:
            return Feedback("correct", f"{name} = {_format_sequence(array)}.")
        return Feedback("correct", f"{name} has the right shape {expected.shape} and values.")
    matched = []
    for wrong, message in _pairs(misconceptions):
        wrong_array, _ = _numeric_array(wrong)
        if wrong_array is None or _arrays_equal(wrong_array, expected, atol, rtol):
            continue
        if _arrays_equal(array, wrong_array, atol, rtol):
            matched.append(message)
    if matched:
        return Feedback("wrong", f"{name} = {_short_array(array)} is not right. {_join_messages(matched)}")
    difference = _difference(array, expected, atol, rtol, reveal=False)
    return Feedback("wrong", f"{name} {difference}. {hint}".rstrip())


def _format_sequence(array: np.ndarray) -> str:
    values = [_format_value(v) for v in array.tolist()]
    return "(" + ", ".join(values) + ("," if len(values) == 1 else "") + ")"


def _short_array(array: np.ndarray) -> str:
    if array.ndim == 1 and array.size <= 6:
        return _format_sequence(array)
    if array.size <= 6:
        return describe(array.tolist())
    return f"an array of shape {array.shape}"


# ---------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------
class _TimeUp(BaseException):
    """Raised inside a learner's function when its time is up (not an Exception, so
    ``except Exception`` in the learner's code does not swallow it)."""


def _call(function: Callable, case):
    """Call ``function`` on one test case: a tuple of arguments or a dict of keywords."""
    case = copy.deepcopy(case)
    if isinstance(case, Mapping):
        return function(**case)
    if isinstance(case, tuple):
        return function(*case)
    return function(case)


class _ImportClock:
    """Keeps a learner's imports out of the time limit: Python's import statement, and
    ``importlib.import_module``, pause the clock of one thread while they run.

    An import may take up to :data:`IMPORT_TIME_LIMIT` seconds of its own (TensorFlow takes
    several seconds on a busy machine); ``spent`` is the time imports took.
    """

    def __init__(self, thread_id: int, on_start=None, on_stop=None):
        self.thread_id = thread_id
        self.on_start, self.on_stop = on_start, on_stop
        self.depth = 0
        self.started = None
        self.spent = 0.0
        self.active = True
        self._saved = None

    def seconds(self) -> float:
        """Time spent importing so far, the import running now included."""
        running = time.monotonic() - self.started if self.started is not None else 0.0
        return self.spent + running

    def _wrap(self, original):
        @functools.wraps(original)
        def importing(*args, **kwargs):
            if not self.active or threading.get_ident() != self.thread_id:
                return original(*args, **kwargs)
            if self.depth == 0:
                self.started = time.monotonic()
                if self.on_start:
                    self.on_start()
            self.depth += 1
            try:
                return original(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0 and self.started is not None:
                    self.spent += time.monotonic() - self.started
                    self.started = None
                    if self.on_stop and self.active:
                        self.on_stop()

        return importing

    def __enter__(self):
        self._saved = (builtins.__import__, importlib.import_module)
        builtins.__import__ = self._wrap(builtins.__import__)
        importlib.import_module = self._wrap(importlib.import_module)
        return self

    def __exit__(self, *exc):
        self.active = False
        builtins.__import__, importlib.import_module = self._saved
        return False


def _run_on_main_thread(function, case, seconds):
    state = {"armed": True, "left": max(seconds, 1e-3)}

    def alarm(signum, frame):
        if state["armed"]:
            raise _TimeUp

    def pause():  # an import starts: keep what is left of the learner's time, give the import its own
        state["left"] = max(signal.getitimer(signal.ITIMER_REAL)[0], 1e-3)
        signal.setitimer(signal.ITIMER_REAL, max(IMPORT_TIME_LIMIT - clock.spent, 1e-3), 0.05)

    def resume():
        if state["armed"]:
            signal.setitimer(signal.ITIMER_REAL, state["left"], 0.05)

    previous_handler = signal.signal(signal.SIGALRM, alarm)
    previous_timer = signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3), 0.05)
    started = time.monotonic()
    outcome = ("timeout", None)
    clock = _ImportClock(threading.get_ident(), pause, resume)
    try:
        try:
            with clock:
                outcome = ("ok", _call(function, case))
        except _TimeUp:
            outcome = ("timeout", None)
        except (Exception, SystemExit) as error:  # any learner error becomes feedback
            outcome = ("error", error)
        finally:
            state["armed"] = False
    except _TimeUp:  # the alarm fired between the call and disarming: treat as out of time
        outcome = ("timeout", None) if outcome[0] != "ok" else outcome
    finally:
        state["armed"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        # None means a handler installed outside Python: the default is the closest we can restore
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous_handler is None else previous_handler)
        remaining, interval = previous_timer
        if remaining > 0:  # give an outer timer (a test runner's, say) back what is left of it
            elapsed = time.monotonic() - started
            signal.setitimer(signal.ITIMER_REAL, max(remaining - elapsed, 1e-3), interval)
    return (*outcome, clock.seconds())


def _run_on_a_thread(function, case, seconds):
    box = {}

    def target():
        clock.thread_id = threading.get_ident()
        try:
            box["outcome"] = ("ok", _call(function, case))
        except (Exception, SystemExit) as error:  # any learner error becomes feedback
            box["outcome"] = ("error", error)

    clock = _ImportClock(None)
    worker = threading.Thread(target=target, daemon=True)
    with clock:
        started = time.monotonic()
        worker.start()
        while worker.is_alive():
            imports = clock.seconds()
            if imports > IMPORT_TIME_LIMIT:
                break
            left = started + seconds + imports - time.monotonic()
            if left <= 0:
                break
            worker.join(min(left, 0.05))
    outcome = box.get("outcome", ("timeout", None))
    return (*outcome, clock.seconds())


def _run_timed(function: Callable, case, seconds: float):
    """:func:`run_with_time_limit`, with the seconds the learner's imports took as a third value."""
    if seconds <= 0:
        return ("timeout", None, 0.0)
    on_main = threading.current_thread() is threading.main_thread()
    if on_main and hasattr(signal, "setitimer"):
        return _run_on_main_thread(function, case, seconds)
    return _run_on_a_thread(function, case, seconds)


def run_with_time_limit(function: Callable, case, seconds: float):
    """Run ``function`` on one test case for at most ``seconds``, imports not counted.

    On the main thread (where notebook cells run) a timer interrupts the function;
    elsewhere the function runs on a helper thread that is abandoned when time is up.
    The time the function spends importing modules (``import keras`` inside a learner's
    function, on its first call) does not count: each import may take up to
    :data:`IMPORT_TIME_LIMIT` seconds of its own.

    Returns
    -------
    tuple
        ``("ok", output)``, ``("error", exception)`` or ``("timeout", None)``.

    Examples
    --------
    >>> run_with_time_limit(abs, (-3,), 1.0)
    ('ok', 3)
    >>> def forever(x):
    ...     while True:
    ...         pass
    >>> run_with_time_limit(forever, (1,), 0.05)
    ('timeout', None)
    """
    status, value, _ = _run_timed(function, case, seconds)
    return status, value


def _describe_case(function_name: str, case) -> str:
    if isinstance(case, Mapping):
        parts = [f"{key}={describe(value)}" for key, value in case.items()]
    elif isinstance(case, tuple):
        parts = [describe(value) for value in case]
    else:
        parts = [describe(case)]
    return f"{function_name}({', '.join(parts)})"


def _outputs_match(got, want, atol: float, rtol: float) -> bool:
    """True when a learner's output equals the reference's: any sequence type for numbers."""
    if isinstance(want, str) or isinstance(got, str):
        return isinstance(got, str) and isinstance(want, str) and got == want
    want_array, _ = _numeric_array(want)
    if want_array is not None and not isinstance(want, (bool, np.bool_)):
        if isinstance(got, (bool, np.bool_)):
            return False
        got_array, _ = _numeric_array(got)
        return got_array is not None and _arrays_equal(got_array, want_array, atol, rtol)
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return False
        return all(_outputs_match(g, w, atol, rtol) for g, w in zip(got, want))
    try:
        return bool(got == want)
    except Exception:  # an output that cannot be compared does not match
        return False


def _output_difference(function_name: str, case, got, want, atol: float, rtol: float) -> str:
    """How one output differs from the right one, for a test case the learner may see."""
    call = _describe_case(function_name, case)
    want_array, _ = _numeric_array(want)
    got_array, _ = _numeric_array(got)
    if isinstance(got, (bool, np.bool_)):
        got_array = None
    if want_array is not None and want_array.ndim > 0:
        if got_array is None:
            returned = (
                f"the string {describe(got)}"
                if isinstance(got, str)
                else f"{describe(got)} of type {_type_name(got)}"
            )
            return (
                f"{call} returned {returned}, but it should return "
                f"{'an array' if want_array.ndim > 1 else 'a sequence'} of numbers of shape {want_array.shape}."
            )
        if got_array.ndim == 0:
            return f"{call} returned the single number {describe(got)}, but it should return shape {want_array.shape}."
        return (
            f"{call} returned an output that {_difference(got_array, want_array, atol, rtol, reveal=True)}."
        )
    if want_array is not None:
        if got_array is None or got_array.ndim > 0:
            return f"{call} returned {describe(got)} of type {_type_name(got)}, but it should return a single number."
        shown_got, shown_want = _format_pair(got_array[()], want_array[()])
        return f"{call} returned {shown_got}, but the right output is {shown_want}."
    return f"{call} returned {describe(got)}, but the right output is {describe(want)}."


def check_function(
    function,
    reference: Callable,
    cases: Iterable,
    *,
    name: str = "your function",
    hint: str = "",
    atol: float = 1e-6,
    rtol: float = 1e-6,
    misconceptions: Sequence[tuple[Callable, str]] | None = None,
    dtype=None,
    dtype_hint: str | None = None,
    time_limit: float | None = None,
) -> Feedback:
    """Check a learner's function against a reference on several test cases.

    The learner's function runs on each case, all cases together for at most
    ``time_limit`` seconds. Its outputs are compared with the reference's: any
    sequence (tuple, list, array) holding the right numbers is right; integer
    reference outputs must match exactly, float ones within ``atol`` and ``rtol``.

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
    hint : str, default=''
        Added to a wrong answer that matches no misconception (every exercise checker gives one).
    atol, rtol : float
        Tolerances for float outputs, as in :func:`numpy.allclose`.
    misconceptions : list of (callable, message) pairs, optional
        Wrong versions of the reference, each computing what a known mistake
        gives. When the learner's outputs equal one's on every case, its
        message is shown. A misconception that raises on a case never matches.
    dtype : str or numpy dtype, optional
        The dtype every output must have once its values are right.
    dtype_hint : str, optional
        Why that dtype, shown when the values are right but the dtype is not.
    time_limit : float, optional
        Seconds for all cases together; default :data:`TIME_LIMIT`.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> def square(x):
    ...     return x * x
    >>> check_function(square, lambda x: x ** 2, [1, 2, 3], name="square", hint="")
    Correct: square gives the right output on all 3 test cases.
    >>> check_function(lambda x: 2 * x, lambda x: x ** 2, [2, 3], name="square", hint="Multiply x by x.")
    Not yet: square(3) returned 6, but the right output is 9. Multiply x by x.
    >>> def forever(x):
    ...     while True:
    ...         pass
    >>> check_function(forever, abs, [1], name="f", hint="", time_limit=0.1)
    Not yet: f(1) did not finish within 0.1 s (its imports not counted): look for a loop that never ends (a while loop whose condition never becomes false), or for far more work than these small test cases need.
    """
    if is_placeholder(function):
        return unfinished(name)
    if not callable(function):
        return wrong_form(name, "a function (defined with def)", function)
    limit = TIME_LIMIT if time_limit is None else time_limit
    deadline = time.monotonic() + limit
    cases = list(cases)
    outputs = []
    for case in cases:
        status, got, imports = _run_timed(function, case, deadline - time.monotonic())
        deadline += imports  # the learner's imports (a first `import keras`) never count
        if status == "timeout" and imports >= IMPORT_TIME_LIMIT:
            return Feedback(
                "wrong",
                f"{_describe_case(name, case)} was still importing a module after {IMPORT_TIME_LIMIT:g} s: "
                "look for a module that never finishes loading.",
            )
        if status == "timeout":
            return Feedback(
                "wrong",
                f"{_describe_case(name, case)} did not finish within {limit:g} s (its imports not counted): "
                "look for a loop that never ends (a while loop whose condition never becomes false), or for "
                "far more work than these small test cases need.",
            )
        if status == "error":
            if isinstance(got, NotImplementedError):
                return Feedback(
                    "unfinished",
                    f"{name} still raises NotImplementedError: write its body, "
                    "run its cell, then run this cell again.",
                )
            return Feedback(
                "wrong",
                f"{_describe_case(name, case)} raised {type(got).__name__}: {describe(str_of(got), 200)}",
            )
        if got is None or got is Ellipsis:
            return Feedback(
                "unfinished",
                f"{_describe_case(name, case)} returned {got!r}: did you forget the `return`?",
            )
        outputs.append(got)

    wants = [_call(reference, case) for case in cases]
    wrong_cases = [
        (case, got, want)
        for case, got, want in zip(cases, outputs, wants)
        if not _outputs_match(got, want, atol, rtol)
    ]
    if not wrong_cases:
        if dtype is not None:
            for got in outputs:
                got_dtype = np.asarray(got).dtype
                if got_dtype != np.dtype(dtype):
                    return Feedback(
                        "wrong",
                        f"{name} returns the right values, but as {got_dtype}, not {np.dtype(dtype)}. "
                        + (dtype_hint or ""),
                    )
        return Feedback("correct", f"{name} gives the right output on all {len(cases)} test cases.")
    matched = []
    for wrong_reference, message in misconceptions or []:
        try:
            wrong_outputs = [_call(wrong_reference, case) for case in cases]
        except Exception:  # a misconception that cannot run never matches
            continue
        if all(_outputs_match(got, want, atol, rtol) for got, want in zip(outputs, wrong_outputs)):
            matched.append(message)
    if matched:
        return Feedback("wrong", f"{name} is not right yet. {_join_messages(matched)}")
    case, got, want = wrong_cases[0]
    message = _output_difference(name, case, got, want, atol, rtol)
    return Feedback("wrong", f"{message} {hint}".rstrip())


def str_of(error: BaseException) -> str:
    """The text of an exception, even when its ``__str__`` fails."""
    try:
        return str(error)
    except Exception:  # a learner's exception class may be broken
        return type(error).__name__


# ---------------------------------------------------------------------------
# Choices
# ---------------------------------------------------------------------------
def check_choice(
    answer,
    expected: str,
    options: Sequence[str],
    *,
    name: str = "answer",
    misconceptions: Mapping[str, str] | None = None,
    hint: str = "",
    explanation: str | None = None,
) -> Feedback:
    """Check a multiple-choice answer given as a string (case and surrounding spaces ignored).

    Every wrong option should have a misconception message; ``hint`` is shown for
    one that has none. A string that is not an option is a wrong answer (not a type
    error): the message lists the options.

    Examples
    --------
    >>> check_choice("Same", "same", ["valid", "same"], name="padding")
    Correct: padding = 'same'.
    >>> check_choice("full", "same", ["valid", "same"], name="padding")
    Not yet: padding = 'full' is not one of the options here: answer 'valid' or 'same'.
    """
    if is_placeholder(answer):
        return unfinished(name)
    allowed = ", ".join(repr(option) for option in options[:-1]) + f" or {options[-1]!r}"
    if len(options) == 1:
        allowed = repr(options[0])
    if not isinstance(answer, str):
        return wrong_form(name, f"a string, {allowed}", answer)
    normal = answer.strip().lower()
    lookup = {option.lower(): option for option in options}
    if normal not in lookup:
        return Feedback(
            "wrong", f"{name} = {describe(answer)} is not one of the options here: answer {allowed}."
        )
    if normal == expected.lower():
        message = f"{name} = {lookup[normal]!r}."
        return Feedback("correct", message + (f" {explanation}" if explanation else ""))
    for wrong, message in (misconceptions or {}).items():
        if normal == wrong.lower():
            return Feedback("wrong", f"{name} = {lookup[normal]!r} is not right. {message}")
    return Feedback("wrong", f"{name} = {lookup[normal]!r} is not right. {hint}".rstrip())


# ---------------------------------------------------------------------------
# The template for answers judged by requirements: models, runs, data, designs
# ---------------------------------------------------------------------------
def wrong_form(name: str, form: str, answer) -> Feedback:
    """The feedback for an answer of another form than the one expected, showing what it is.

    Examples
    --------
    >>> wrong_form("model", "a Keras model", "model")
    Check the type: model should be a Keras model, but it is 'model' of type str.
    """
    return Feedback(
        "invalid", f"{name} should be {form}, but it is {describe(answer)} of type {_type_name(answer)}."
    )


def check_answer(
    answer,
    *,
    name: str,
    summary: Callable | str,
    requirements: Sequence[tuple] = (),
    evaluate: Callable | None = None,
    form: str = "",
    is_form: Callable | None = None,
    is_unfinished: Callable = is_placeholder,
    placeholder: str | None = None,
    prefix: str = "",
    every: bool = False,
) -> Feedback:
    """Check an answer by its requirements: the template of every model, run, data and design checker.

    The steps, in order:

    1. ``is_unfinished(answer)`` (default :func:`is_placeholder`): ``unfinished``, with
       ``placeholder`` as the message when given, else :func:`unfinished`'s.
    2. ``is_form(answer)`` is False: ``invalid``, from :func:`wrong_form` (``name``, ``form`` and the
       answer as :func:`describe` shows it).
    3. ``facts = evaluate(answer)`` (default: the answer itself) reads what the requirements need.
       It returns a :class:`Feedback` instead when the answer cannot be read, which ends the check.
    4. Each requirement ``(is_met, explain)`` or ``(is_met, explain, status)`` in order:
       ``is_met(facts) -> bool``; ``explain(facts) -> str`` says what is wrong, with the answer's own
       facts. The first unmet one ends the check with its status (``'wrong'`` unless given) and
       ``prefix + explain(facts)``; with ``every=True``, every unmet one is explained, joined by spaces.
    5. Every requirement met: ``correct``, with ``summary(facts)`` (or ``summary`` itself, a string).

    Examples
    --------
    >>> needs = [(lambda n: n > 0, lambda n: f"{n} is not positive.")]
    >>> check_answer(-2, name="count", form="an int", is_form=lambda a: isinstance(a, int),
    ...              requirements=needs, summary=lambda n: f"{n} is positive.")
    Not yet: -2 is not positive.
    >>> check_answer(3, name="count", requirements=needs, summary=lambda n: f"{n} is positive.")
    Correct: 3 is positive.
    >>> check_answer("3", name="count", form="an int", is_form=lambda a: isinstance(a, int), summary="")
    Check the type: count should be an int, but it is '3' of type str.
    """
    if is_unfinished(answer):
        return Feedback("unfinished", placeholder) if placeholder else unfinished(name)
    if is_form is not None and not is_form(answer):
        return wrong_form(name, form, answer)
    facts = answer if evaluate is None else evaluate(answer)
    if isinstance(facts, Feedback):
        return facts
    problems, status = [], "wrong"
    for requirement in requirements:
        is_met, explain = requirement[:2]
        if not is_met(facts):
            if not problems:
                status = requirement[2] if len(requirement) > 2 else "wrong"
            problems.append(explain(facts))
            if not every:
                break
    if problems:
        return Feedback(status, prefix + " ".join(problems))
    return Feedback("correct", summary(facts) if callable(summary) else summary)


def check_design(
    answer,
    evaluate: Callable,
    requirements: Sequence[tuple[Callable, Callable]],
    *,
    name: str,
    form: str,
    summary: Callable,
) -> Feedback:
    """Check a design task, where many answers are right: every requirement must hold.

    :func:`check_answer` with every unmet requirement explained at once, for a design given as a
    list or tuple (usually of layer dicts).

    Parameters
    ----------
    answer : object
        The learner's design, usually a list of layer dicts.
    evaluate : callable
        ``evaluate(answer) -> facts`` computes what the checker needs to know about the
        design (sizes, parameters, receptive field) with the course's pure helpers. It
        raises ``ValueError`` or ``TypeError``, with a message naming the layer, for a
        design that cannot be built.
    requirements : list of (is_met, explain) pairs
        ``is_met(facts) -> bool``; ``explain(facts) -> str`` says what is wrong with this
        design and what to change, with the design's own numbers.
    name : str
        What the design is ("your stack").
    form : str
        The form the answer must have, shown when it has another one.
    summary : callable
        ``summary(facts) -> str``, shown with a correct design.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> def total(design):
    ...     return {"total": sum(design)}
    >>> needs = [(lambda f: f["total"] <= 10, lambda f: f"it adds up to {f['total']}, more than 10.")]
    >>> check_design([3, 4], total, needs, name="your list", form="a list of numbers",
    ...              summary=lambda f: f"it adds up to {f['total']}.")
    Correct: your list meets every requirement: it adds up to 7.
    >>> check_design([30], total, needs, name="your list", form="a list of numbers", summary=str)
    Not yet: your list does not meet every requirement: it adds up to 30, more than 10.
    """

    def built(design):
        if any(is_placeholder(item) for item in _flat_items(design)):
            return Feedback("unfinished", f"replace every `...` in {name}, then run the cell again.")
        try:
            return evaluate(design)
        except (ValueError, TypeError) as error:
            text = str_of(error)
            return Feedback(
                "wrong", f"{name} cannot be built: {text if len(text) <= 300 else text[:297] + '...'}"
            )

    return check_answer(
        answer,
        name=name,
        form=form,
        is_form=lambda design: isinstance(design, (list, tuple)),
        evaluate=built,
        requirements=requirements,
        every=True,
        prefix=f"{name} does not meet every requirement: ",
        summary=lambda facts: f"{name} meets every requirement: {summary(facts)}",
    )


# ---------------------------------------------------------------------------
# The decorator every exercise checker wears
# ---------------------------------------------------------------------------
#: Kinds of answer a checker takes (the bad-input tests feed each kind its own junk).
ANSWER_KINDS = ("value", "function", "model", "data")


def checker(function: Callable | None = None, *, answer: str = "value") -> Callable:
    """Mark an exercise checker, and make sure it never raises.

    A checker's own unexpected error (a case its authors did not foresee) becomes
    ``invalid`` feedback that says what went wrong, instead of a traceback. Tests
    set :data:`STRICT` so that such an error fails them instead.

    Parameters
    ----------
    answer : {'value', 'function', 'model', 'data'}
        What the learner passes: a value, a function, a Keras model, or data.

    Examples
    --------
    >>> @checker
    ... def check_width(value) -> Feedback:
    ...     return check_number(value, 49, name="width", hint="")
    >>> check_width.answer_kind, bool(check_width(49))
    ('value', True)
    """
    if answer not in ANSWER_KINDS:
        raise ValueError(f"answer must be one of {ANSWER_KINDS}, got {answer!r}.")

    def decorate(check: Callable) -> Callable:
        @functools.wraps(check)
        def guarded(*args, **kwargs) -> Feedback:
            try:
                return check(*args, **kwargs)
            except Exception as error:
                if STRICT:
                    raise
                given = describe(args[0]) if args else "your answer"
                return Feedback(
                    "invalid",
                    f"the checker could not read {given} ({type(error).__name__}: "
                    f"{describe(str_of(error), 120)}). Check that your answer has the form the "
                    "exercise asks for.",
                )

        guarded.answer_kind = answer
        return guarded

    return decorate(function) if function is not None else decorate
