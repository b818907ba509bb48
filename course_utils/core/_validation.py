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
* A sequence of numbers (a history, a per-epoch series, an image) is a list, a tuple
  or an array, never a bare number: ``2.0`` is not a one-epoch history
  (:func:`check_numbers`). Its items are real numbers: no None, text, True/False or
  complex numbers hidden among them.
* Labels (:func:`check_labels`) are integers or strings, one per sample: never None,
  NaN, a score such as 0.5, True/False, or strings mixed with numbers.
* A fraction of a count is taken exactly (:func:`exact_fraction`): ``0.07`` of 100
  samples is 7, not the 8 that ``ceil(0.07 * 100)`` gives in floats.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from fractions import Fraction

import numpy as np

__all__ = [
    "LARGEST_INT",
    "MAX_EPOCHS",
    "check_bool",
    "check_int",
    "check_labels",
    "check_numbers",
    "check_option",
    "check_padding",
    "check_pair",
    "check_real",
    "check_series",
    "check_text",
    "describe",
    "exact_fraction",
    "is_real_number",
]


LARGEST_INT = 10**18
"""The largest count any helper accepts (the default ``maximum`` of :func:`check_int`)."""


def describe(value, limit: int = 60) -> str:
    """A short description of a value for a message, as a learner would have typed it: never raises.

    The one description of a value in every message of the course, the helpers' errors and the
    checkers' feedback alike. NumPy scalars read as plain numbers (``11``, not ``np.int64(11)``;
    a float32 as it prints, ``0.247``, not as the float64 it widens to), arrays of more than 6
    values by their shape, integers of 40 digits or more by their number of digits, and anything
    longer than ``limit`` characters is cut with ``...``.

    Examples
    --------
    >>> describe(3), describe(np.int64(11)), describe(np.float32(0.247))
    ('3', '11', '0.247')
    >>> describe(np.zeros((3, 3))), describe(np.array([3, 3]))
    ('an array of shape (3, 3)', 'array([3, 3])')
    >>> describe("x" * 100)[-3:]
    '...'
    >>> describe(10**400)
    'an integer with 401 digits'
    """
    try:
        if isinstance(value, np.ndarray) and value.size > 6:
            return f"an array of shape {value.shape}"
        if isinstance(value, np.floating) and value.dtype.itemsize < 8:
            return str(value)  # float32 as it prints (0.247), not as the float64 it widens to
        if isinstance(value, np.generic) and value.dtype.kind in "biuf":
            value = value.item()
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**40:
            if value.bit_length() >= 10_000:  # str() of a number this long is slow, or refused
                return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1} digits"
            return f"an integer with {len(str(abs(value)))} digits"
        text = repr(value)
    except Exception:  # an object whose repr fails is still described
        return f"an object of type {type(value).__name__}"
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


def check_folder_path(name: str, value) -> str:
    """``value`` as the text of a folder's path: a ``str`` or an ``os.PathLike``, not empty, no NUL.

    Examples
    --------
    >>> check_folder_path("folder", "my_images")
    'my_images'
    >>> check_folder_path("folder", 3)
    Traceback (most recent call last):
    ...
    TypeError: folder must be a folder's path (a str or a pathlib.Path), got 3.
    """
    import os

    if isinstance(value, bytes) or not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a folder's path (a str or a pathlib.Path), got {describe(value)}.")
    text = os.fspath(value)
    if not isinstance(text, str) or not text or "\0" in text:
        raise ValueError(f"{name} must name a folder, got {describe(value)}.")
    return text


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


def check_text(name: str, value, optional: bool = False):
    """A string (a title, a label, a name); None too when ``optional``.

    Examples
    --------
    >>> check_text("title", 3)
    Traceback (most recent call last):
    ...
    ValueError: title must be a string, got 3.
    """
    if (value is None and optional) or isinstance(value, str):
        return value
    raise ValueError(f"{name} must be a string{' or None' if optional else ''}, got {describe(value)}.")


def is_real_number(value) -> bool:
    """True for a real number that is not a bool: an int, a float, a Fraction, a NumPy integer or float.

    Examples
    --------
    >>> is_real_number(np.float32(0.5)), is_real_number(True), is_real_number(1 + 2j)
    (True, False, False)
    """
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _is_scalar(value) -> bool:
    """A single value (a number, a NumPy scalar or a 0-d array) where a sequence is meant."""
    return isinstance(value, (numbers.Number, np.generic)) or (
        isinstance(value, np.ndarray) and value.ndim == 0
    )


def _leaves(values):
    """The items of nested lists and tuples, and of object arrays: what NumPy would hide or convert.

    NumPy turns ``[1.0, True]`` into ``[1.0, 1.0]`` and ``[1, "a"]`` into ``["1", "a"]``; the
    items as given say what they were. None for an array NumPy has typed already.
    """
    if isinstance(values, np.ndarray):
        return values.ravel().tolist() if values.dtype == object else None
    if not isinstance(values, (list, tuple)):
        return None
    found = []
    stack = [iter(values)]
    while stack:
        item = next(stack[-1], stack)
        if item is stack:
            stack.pop()
        elif isinstance(item, (list, tuple)):
            stack.append(iter(item))
        elif isinstance(item, np.ndarray) and item.dtype == object:
            found.extend(item.ravel().tolist())
        elif not isinstance(item, np.ndarray):
            found.append(item)
    return found


def _kind_of(item) -> str:
    if isinstance(item, (bool, np.bool_)):
        return "True/False"
    if item is None:
        return "None"
    if isinstance(item, (str, bytes)):
        return "text"
    if isinstance(item, numbers.Complex) and not isinstance(item, numbers.Real):
        return "a complex number"
    return type(item).__name__


def check_numbers(
    name: str,
    values,
    *,
    ndim=None,
    min_size: int = 1,
    allow_nan: bool = False,
    allow_inf: bool = False,
    allow_bool: bool = False,
    unit: str | None = None,
) -> np.ndarray:
    """Return ``values`` as a float64 array after checking it is a sequence of real numbers.

    A list, a tuple or an array (or anything NumPy reads as an array) is accepted; a bare
    number is not, since ``2.0`` is a number, not a sequence of one. Every item must be a
    real number: None, text, complex numbers and (unless ``allow_bool``) True/False are
    refused, even where NumPy would silently convert them, and so are NaN and infinity
    unless allowed.

    Parameters
    ----------
    name : str
        The argument name, used in the error message.
    values : object
        The value to check.
    ndim : int or tuple of int, optional
        The allowed numbers of dimensions; None: any.
    min_size : int, default=1
        The fewest numbers it must hold.
    allow_nan, allow_inf, allow_bool : bool, default=False
        Whether NaN, infinity, and True/False (as 1 and 0) are accepted.
    unit : str, optional
        What one number stands for, in the messages ("epoch": "one per epoch").

    Returns
    -------
    numpy.ndarray of float64

    Examples
    --------
    >>> check_numbers("values", [0.5, 0.4]).tolist()
    [0.5, 0.4]
    >>> check_numbers("values", 2.0, unit="epoch")
    Traceback (most recent call last):
    ...
    ValueError: values must be a sequence of numbers (a list, a tuple or an array), one per epoch, got the single number 2.0: a sequence of one number is written [2.0].
    >>> check_numbers("bias", [1.0, None])
    Traceback (most recent call last):
    ...
    ValueError: bias must hold real numbers, got None among them.
    """
    what = "a sequence of numbers (a list, a tuple or an array)" + (f", one per {unit}" if unit else "")
    if values is None or isinstance(values, (str, bytes, Mapping, set, frozenset)):
        raise ValueError(f"{name} must be {what}, got {describe(values)}.")
    if _is_scalar(values):
        if is_real_number(values) or (isinstance(values, np.ndarray) and values.dtype.kind in "iuf"):
            raise ValueError(
                f"{name} must be {what}, got the single number {describe(values)}: a sequence of one "
                f"number is written [{describe(values)}]."
            )
        raise ValueError(f"{name} must be {what}, got {describe(values)}.")
    leaves = _leaves(values)
    try:
        array = np.asarray(values)
    except (TypeError, ValueError, OverflowError):  # a ragged list: rows of different lengths
        array = None
    if leaves is None and array is not None and array.dtype == object:  # e.g. a pandas Series of objects
        leaves = array.ravel().tolist()
    for item in leaves or ():
        if (isinstance(item, (bool, np.bool_)) and not allow_bool) or not (
            is_real_number(item) or isinstance(item, (bool, np.bool_))
        ):
            raise ValueError(f"{name} must hold real numbers, got {_kind_of(item)} among them.")
    if array is None:
        raise ValueError(
            f"{name} must be {what}, got {describe(values)}, which is not a rectangular array "
            "(rows of different lengths?)."
        )
    kind = array.dtype.kind
    if array.ndim == 0 or kind not in "biufO" or (kind == "b" and not allow_bool):
        found = {"b": "True/False", "c": "complex numbers", "U": "text", "S": "text"}.get(
            kind, describe(values)
        )
        raise ValueError(f"{name} must hold real numbers, got {found}.")
    try:
        result = array.astype(np.float64)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(
            f"{name} must hold real numbers that fit in a float, got {describe(values)}."
        ) from None
    if not allow_nan and np.isnan(result).any():
        raise ValueError(f"{name} must hold numbers, not NaN (a missing or diverged value).")
    if not allow_inf and np.isinf(result).any():
        raise ValueError(f"{name} must hold finite numbers, not infinity.")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if result.ndim not in allowed:
            wanted = " or ".join(str(n) for n in allowed)
            raise ValueError(f"{name} must have {wanted} dimension(s), got shape {result.shape}.")
    if result.size < min_size:
        raise ValueError(f"{name} must hold at least {min_size} {unit or 'number'}(s), got {result.size}.")
    return result


MAX_EPOCHS = 100_000
"""The longest per-epoch series any helper reads (a run of 100,000 epochs): :func:`check_series`."""


def check_series(name: str, values, *, min_size: int = 1) -> np.ndarray:
    """Return ``values`` as a 1-D float64 array of one number per epoch: the one reader of a history's series.

    A list, a tuple or an array of real numbers, read by :func:`check_numbers` (never a bare
    number: ``2.0`` is not a one-epoch history; no None, text or True/False among them). NaN and
    infinity are kept: a diverged epoch is part of a run, and the helper that reads the series
    says what it makes of them. A column ``(n, 1)`` or a row ``(1, n)`` (what ``[:, None]`` or a
    one-column table gives) holds one number per epoch and is read as ``n`` epochs, as
    :func:`check_labels` reads a column of labels; an array with two axes longer than 1, such as
    ``(2, 3)``, is refused. At most :data:`MAX_EPOCHS` epochs.

    Parameters
    ----------
    name : str
        What the messages call the series, such as ``"history['val_loss']"``.
    values : object
        The per-epoch values, such as ``history.history['val_loss']``.
    min_size : int, default=1
        The fewest epochs it must hold.

    Examples
    --------
    >>> check_series("val_loss", [0.5, float("nan")]).tolist()
    [0.5, nan]
    >>> check_series("val_loss", np.array([[0.5], [0.4]])).tolist()
    [0.5, 0.4]
    >>> check_series("val_loss", np.zeros((2, 3)))
    Traceback (most recent call last):
    ...
    ValueError: val_loss must hold one number per epoch, got an array of shape (2, 3).
    """
    array = check_numbers(name, values, min_size=min_size, allow_nan=True, allow_inf=True, unit="epoch")
    if array.size != max(array.shape):
        raise ValueError(f"{name} must hold one number per epoch, got an array of shape {array.shape}.")
    if array.size > MAX_EPOCHS:
        raise ValueError(
            f"{name} holds {array.size:,} epochs, more than the {MAX_EPOCHS:,} a history may hold."
        )
    return array.reshape(-1)


SCORE_HINT = (
    "turn scores into labels first, with threshold_predictions(scores, 0.5) for one positive class "
    "or scores.argmax(axis=1) for several classes."
)


def check_labels(name: str, values, *, allow_text: bool = True) -> np.ndarray:
    """Return ``values`` as a 1-D array of class labels (int64, or strings), one per sample.

    Labels are integers (Python's, NumPy's, or whole floats such as ``3.0``, as a float array
    holds them) or strings, all of one kind; an ``(n, 1)`` column (as Keras's datasets give
    CIFAR-10's labels) is read as ``n`` labels. Refused, naming the argument: a bare value,
    None or NaN (a missing label), a fraction such as 0.5 (a score, not a label), True/False
    (write 1 and 0), complex numbers, strings mixed with numbers, and integers beyond
    ``LARGEST_INT``.

    Examples
    --------
    >>> check_labels("y", [1, 0, 2.0]).tolist()
    [1, 0, 2]
    >>> check_labels("y", np.array([[3], [5]])).tolist()
    [3, 5]
    >>> check_labels("y_true", [1, 0, 1, None])
    Traceback (most recent call last):
    ...
    ValueError: y_true holds None, which is not a class label (a missing label?).
    >>> check_labels("y_pred", [0.2, 0.9])
    Traceback (most recent call last):
    ...
    ValueError: y_pred holds scores such as 0.2, not class labels: turn scores into labels first, ...
    """
    kinds = "integers or strings" if allow_text else "integers"
    message = f"{name} must be a 1-D sequence of class labels ({kinds}), one per sample"
    if values is None or isinstance(values, (str, bytes, Mapping, set, frozenset)) or _is_scalar(values):
        raise ValueError(f"{message}, got {describe(values)}.")
    leaves = _leaves(values)
    try:
        array = np.asarray(values)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{message}, got {describe(values)} (rows of different lengths?).") from None
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{message}, got shape {array.shape}.")
    if leaves is None:  # an array that NumPy typed
        leaves = array.tolist() if array.dtype.kind in "bfc" else None
        if array.dtype.kind not in "biufcU":
            raise ValueError(f"{message}, got an array of dtype {array.dtype}.")
    if leaves is not None:
        text = numeric = None
        for item in leaves:
            if isinstance(item, (bool, np.bool_)):
                raise ValueError(
                    f"{name} holds True/False, not class labels: write 1 and 0 (for example y.astype(int))."
                )
            if item is None or (isinstance(item, (float, np.floating)) and math.isnan(item)):
                missing = "None" if item is None else "NaN"
                raise ValueError(f"{name} holds {missing}, which is not a class label (a missing label?).")
            if isinstance(item, str):
                text = item
            elif isinstance(item, numbers.Integral):
                numeric = item
            elif is_real_number(item) and not math.isinf(item) and float(item).is_integer():
                numeric = item
            elif is_real_number(item) and not math.isinf(item):
                raise ValueError(
                    f"{name} holds scores such as {float(item):g}, not class labels: {SCORE_HINT}"
                )
            else:
                raise ValueError(f"{message}, got {_kind_of(item)} ({describe(item)}) among them.")
        if text is not None and numeric is not None:
            raise ValueError(
                f"{name} mixes strings and numbers ({str(text)!r} and {numeric}): labels are all integers "
                "or all strings."
            )
        array = (
            np.asarray([str(v) for v in leaves])
            if text is not None
            else np.asarray([int(v) for v in leaves], dtype=object)
        )
    if array.dtype.kind == "U":
        if not allow_text:
            raise ValueError(f"{message}, got strings such as {array[0]!r}.")
        return array
    if array.size and max(abs(int(array.max())), abs(int(array.min()))) > LARGEST_INT:
        raise ValueError(f"{name} holds labels beyond 10**18: class labels this large are surely a mistake.")
    return array.astype(np.int64)


def exact_fraction(name: str, value, minimum=None, maximum=None, **bounds) -> Fraction:
    """The exact value a real number stands for, as a Fraction (after :func:`check_real`).

    Ints and Fractions are taken as they are. A float (Python's or NumPy's, of any precision)
    is read as the shortest decimal that rounds to it in its own precision, which is the
    number that was typed: ``0.07`` is 7/100 (not 0.0700000000000000066...), and
    ``np.float32(0.29)``, as Keras gives it, is 29/100. Use it wherever a fraction of a
    count is taken: ``exact_fraction("val_size", 0.07) * 100`` is exactly 7.

    Examples
    --------
    >>> exact_fraction("val_size", 0.07) * 100
    Fraction(7, 1)
    >>> exact_fraction("value", np.float32(0.29))
    Fraction(29, 100)
    >>> exact_fraction("value", Fraction(1, 3))
    Fraction(1, 3)
    """
    check_real(name, value, minimum, maximum, **bounds)
    if isinstance(value, numbers.Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    if isinstance(value, np.floating):
        return Fraction(np.format_float_positional(value, unique=True, trim="-"))
    return Fraction(repr(float(value)))
