"""Argument checks shared by the pure helpers.

Every public helper validates its arguments with these functions, so that a
learner who passes a bad value gets one clear ``ValueError`` that names the
argument, the value received and what is allowed, never a deep traceback.

The rules, the same for every helper:

* A count (an ``int`` argument) accepts Python ints and NumPy integers
  (``np.int32(3)``, what indexing an array gives), and returns a Python ``int``,
  so that no formula ever overflows in a fixed-width NumPy type. Booleans and
  floats are refused, even ``3.0``: they are almost always a mistake. No count
  is larger than ``LARGEST_INT`` (10**18): a larger one is a mistake too.
* A flag (a ``bool`` argument) accepts ``True``, ``False`` and NumPy booleans,
  nothing else: ``"no"`` is not false.
* A real number accepts ints, floats and NumPy scalars (``np.float32`` is what
  Keras predicts), never a bool, NaN or infinity, and returns a Python ``float``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "LARGEST_INT",
    "check_bool",
    "check_int",
    "check_option",
    "check_padding",
    "check_pair",
    "check_real",
    "describe",
]


LARGEST_INT = 10**18
"""The largest count any helper accepts (the default ``maximum`` of :func:`check_int`)."""


def describe(value, limit: int = 60) -> str:
    """Return a short ``repr`` of ``value`` for an error message (arrays by shape).

    Examples
    --------
    >>> describe(3)
    '3'
    >>> describe(np.zeros((2, 3)))
    'an array of shape (2, 3)'
    >>> describe("x" * 100)[-3:]
    '...'
    >>> describe(10**400)
    'an integer of about 400 digits'
    """
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return f"an array of shape {value.shape}"
    if isinstance(value, int) and abs(value) > 10**limit:
        return f"an integer of about {round(abs(value).bit_length() * math.log10(2))} digits"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_int(name: str, value, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as a Python int after checking ``minimum <= value <= maximum``.

    NumPy integers are accepted and converted, so that later arithmetic uses Python's
    unbounded ints. Booleans and floats are refused even when they look like integers
    (``True`` or ``3.0``), because they are almost always a mistake.

    Parameters
    ----------
    name : str
        The argument name, used in the error message.
    value : object
        The value to check.
    minimum : int, default=1
        The smallest allowed value.
    maximum : int or None, default=None
        The largest allowed value; None means ``LARGEST_INT`` (10**18).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``value`` is not an integer or is outside the range.

    Examples
    --------
    >>> check_int("strides", 2)
    2
    >>> type(check_int("filters", np.int32(2048)))
    <class 'int'>
    >>> check_int("strides", 0)
    Traceback (most recent call last):
    ...
    ValueError: strides must be an integer >= 1, got 0.
    >>> check_int("input_size", 20, maximum=12)
    Traceback (most recent call last):
    ...
    ValueError: input_size must be an integer from 1 to 12, got 20.
    """
    limit = LARGEST_INT if maximum is None else maximum
    huge = limit >= LARGEST_INT  # a limit against mistakes, not part of the meaning
    allowed = f"an integer >= {minimum}" if huge else f"an integer from {minimum} to {limit}"
    if not _is_integer(value):
        raise ValueError(f"{name} must be {allowed}, got {describe(value)} of type {type(value).__name__}.")
    value = int(value)
    if value < minimum or (value > limit and not huge):
        raise ValueError(f"{name} must be {allowed}, got {describe(value)}.")
    if value > limit:
        exponent = len(str(limit)) - 1 if limit == 10 ** (len(str(limit)) - 1) else None
        largest = f"10**{exponent}" if exponent else f"{limit:,}"
        raise ValueError(
            f"{name} must be {allowed} and at most {largest} (a larger count is surely a mistake), "
            f"got {describe(value)}."
        )
    return value


def check_pair(name: str, value, minimum: int = 1, maximum: int | None = None) -> tuple[int, int]:
    """Return ``value`` as a ``(height, width)`` pair of ints, as Keras accepts.

    An int ``k`` means ``(k, k)``; a tuple or list must hold exactly two ints.

    Examples
    --------
    >>> check_pair("kernel_size", 3)
    (3, 3)
    >>> check_pair("kernel_size", (1, 5))
    (1, 5)
    >>> check_pair("kernel_size", (3, 3, 3))
    Traceback (most recent call last):
    ...
    ValueError: kernel_size must be an int or a (height, width) pair of ints, got (3, 3, 3).
    """
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(
                f"{name} must be an int or a (height, width) pair of ints, got {describe(value)}."
            )
        return (check_int(name, value[0], minimum, maximum), check_int(name, value[1], minimum, maximum))
    if not _is_integer(value):
        raise ValueError(
            f"{name} must be an int or a (height, width) pair of ints, got {describe(value)} "
            f"of type {type(value).__name__}."
        )
    return (check_int(name, value, minimum, maximum),) * 2


def check_padding(padding, allow_int: bool = True, name: str = "padding"):
    """Return a normalized padding: ``'valid'``, ``'same'`` or (if allowed) an int P >= 0.

    Strings are accepted in any case (``'SAME'`` becomes ``'same'``), as Keras does.
    Keras layers take only the two strings (``allow_int=False``); the course's
    formulas also take P, the zeros added on each side.

    Examples
    --------
    >>> check_padding("Same")
    'same'
    >>> check_padding(1)
    1
    >>> check_padding("full")
    Traceback (most recent call last):
    ...
    ValueError: padding must be 'valid', 'same' or an integer P >= 0 (zeros on each side), got 'full'.
    >>> check_padding(1, allow_int=False)
    Traceback (most recent call last):
    ...
    ValueError: padding must be 'valid' or 'same', got 1.
    """
    check_bool("allow_int", allow_int)
    allowed = (
        "'valid', 'same' or an integer P >= 0 (zeros on each side)" if allow_int else "'valid' or 'same'"
    )
    message = f"{name} must be {allowed}, got {describe(padding)}."
    if isinstance(padding, str):
        lowered = padding.lower()
        if lowered not in ("valid", "same"):
            raise ValueError(message)
        return lowered
    if not allow_int or not _is_integer(padding) or not 0 <= padding <= LARGEST_INT:
        raise ValueError(message)
    return int(padding)


def check_bool(name: str, value) -> bool:
    """Return ``value`` as a bool after checking it is ``True`` or ``False``.

    NumPy booleans are accepted; strings, numbers and None are not.

    Examples
    --------
    >>> check_bool("use_bias", False)
    False
    >>> check_bool("use_bias", "no")
    Traceback (most recent call last):
    ...
    ValueError: use_bias must be True or False, got 'no'.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {describe(value)}.")
    return bool(value)


def check_real(
    name: str,
    value,
    minimum: float | None = None,
    maximum: float | None = None,
    *,
    min_inclusive: bool = True,
    max_inclusive: bool = True,
) -> float:
    """Return ``value`` as a float after checking it is a finite number in the range.

    Ints, floats and NumPy scalars (``np.float32``) are accepted; bools, NaN and
    infinity are not.

    Examples
    --------
    >>> check_real("rate", np.float32(0.5), 0, 1, max_inclusive=False)
    0.5
    >>> check_real("size", 0, 0, max_inclusive=False, min_inclusive=False)
    Traceback (most recent call last):
    ...
    ValueError: size must be a finite number > 0, got 0.
    >>> check_real("rate", float("nan"), 0, 1)
    Traceback (most recent call last):
    ...
    ValueError: rate must be a finite number from 0 to 1, got nan.
    """
    if minimum is not None and maximum is not None and min_inclusive and max_inclusive:
        allowed = f"a finite number from {minimum:g} to {maximum:g}"
    else:
        bounds = []
        if minimum is not None:
            bounds.append(f"{'>=' if min_inclusive else '>'} {minimum:g}")
        if maximum is not None:
            bounds.append(f"{'<=' if max_inclusive else '<'} {maximum:g}")
        allowed = "a finite number" + (" " + " and ".join(bounds) if bounds else "")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be {allowed}, got {describe(value)} of type {type(value).__name__}.")
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        number = math.inf
    too_low = minimum is not None and (number < minimum if min_inclusive else number <= minimum)
    too_high = maximum is not None and (number > maximum if max_inclusive else number >= maximum)
    if not math.isfinite(number) or too_low or too_high:
        raise ValueError(f"{name} must be {allowed}, got {describe(value)}.")
    return number


def check_option(name: str, value, options):
    """Return ``value`` after checking it is one of ``options`` (strings compare exactly).

    Examples
    --------
    >>> check_option("average", "macro", ("macro", "micro"))
    'macro'
    >>> check_option("average", "mean", ("macro", "micro"))
    Traceback (most recent call last):
    ...
    ValueError: average must be one of 'macro', 'micro', got 'mean'.
    """
    for option in options:
        if type(value) is type(option) and value == option:
            return option
    allowed = ", ".join(repr(option) for option in options)
    raise ValueError(f"{name} must be one of {allowed}, got {describe(value)}.")
