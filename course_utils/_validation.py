"""Argument checks shared by the pure helpers.

Every public helper validates its arguments with these functions, so that a
learner who passes a bad value gets one clear ``ValueError`` that names the
argument, the value received and what is allowed, never a deep traceback.
"""

from __future__ import annotations

import numbers

__all__ = ["check_int", "check_pair", "check_padding", "check_bool"]


def check_int(name: str, value, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking it is an integer >= ``minimum``.

    Booleans and floats are refused even when they look like integers
    (``True`` or ``3.0``), because they are almost always a mistake.

    Parameters
    ----------
    name : str
        The argument name, used in the error message.
    value : object
        The value to check.
    minimum : int, default=1
        The smallest allowed value.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``value`` is not an integer or is smaller than ``minimum``.

    Examples
    --------
    >>> check_int("strides", 2)
    2
    >>> check_int("strides", 0)
    Traceback (most recent call last):
    ...
    ValueError: strides must be an integer >= 1, got 0.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(
            f"{name} must be an integer >= {minimum}, got {value!r} of type {type(value).__name__}."
        )
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def check_pair(name: str, value, minimum: int = 1) -> tuple[int, int]:
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
            raise ValueError(f"{name} must be an int or a (height, width) pair of ints, got {value!r}.")
        return (check_int(name, value[0], minimum), check_int(name, value[1], minimum))
    return (check_int(name, value, minimum),) * 2


def check_padding(padding):
    """Return a normalized padding: ``'valid'``, ``'same'`` or an int P >= 0.

    Strings are accepted in any case (``'SAME'`` becomes ``'same'``), as Keras does.

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
    """
    message = f"padding must be 'valid', 'same' or an integer P >= 0 (zeros on each side), got {padding!r}."
    if isinstance(padding, str):
        lowered = padding.lower()
        if lowered not in ("valid", "same"):
            raise ValueError(message)
        return lowered
    if isinstance(padding, bool) or not isinstance(padding, numbers.Integral) or padding < 0:
        raise ValueError(message)
    return int(padding)


def check_bool(name: str, value) -> bool:
    """Return ``value`` after checking it is a real bool.

    Examples
    --------
    >>> check_bool("use_bias", False)
    False
    >>> check_bool("use_bias", "no")
    Traceback (most recent call last):
    ...
    ValueError: use_bias must be True or False, got 'no'.
    """
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}.")
    return value
