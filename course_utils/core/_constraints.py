"""One way to state what each argument of a helper takes: constraints and ``@validate_arguments``.

A helper declares its arguments' constraints once, above its definition::

    @validate_arguments(kernel_size=Pair(), in_channels=Count(), filters=Count(), use_bias=Flag())
    def conv2d_params(kernel_size, in_channels, filters, use_bias=True): ...

Before the body runs, the decorator binds the call's arguments to the signature (defaults
included), checks each declared argument with the shared checks of :mod:`._validation` (so the
messages are the ones every helper gives) and hands the body the *converted* values: a count as a
Python ``int``, a pair as a ``(height, width)`` tuple of ints, padding in lower case, a sequence of
numbers as a float64 array. Rules that tie several arguments together (a kernel larger than its
input) stay in the body. The table is kept on the function as ``__constraints__``; each constraint
says what it allows (:meth:`Constraint.describe`) and gives a valid value and some invalid ones
(:meth:`Constraint.valid_value`, :meth:`Constraint.invalid_values`), which the bad-input tests use.
"""

from __future__ import annotations

import functools
import inspect
import math
from types import MappingProxyType

import numpy as np

from course_utils.core._validation import (
    LARGEST_INT,
    check_bool,
    check_folder_path,
    check_int,
    check_labels,
    check_numbers,
    check_option,
    check_padding,
    check_pair,
    check_real,
    check_series,
    check_text,
)

__all__ = [
    "Constraint",
    "Count",
    "Flag",
    "FolderPath",
    "Labels",
    "Numbers",
    "Option",
    "OrNone",
    "Padding",
    "Pair",
    "Real",
    "Satisfies",
    "Series",
    "Text",
    "validate_arguments",
]

_NOT_GIVEN = object()


class Constraint:
    """What one argument takes: ``check`` reads a value (or raises), ``describe`` says what is allowed.

    ``example`` replaces the generated valid value where the helper's other rules need a
    particular one (a kernel no larger than the test's input).
    """

    def __init__(self, example=_NOT_GIVEN):
        self.example = example

    def check(self, name: str, value):
        """``value`` converted, or a ``ValueError``/``TypeError`` naming ``name``."""
        raise NotImplementedError

    def describe(self) -> str:
        """What the argument takes, in the words of the messages."""
        raise NotImplementedError

    def accepts(self, value) -> bool:
        """Whether :meth:`check` takes ``value``."""
        try:
            self.check("value", value)
        except (ValueError, TypeError):
            return False
        return True

    def valid_value(self):
        """A value the argument takes."""
        return self._valid() if self.example is _NOT_GIVEN else self.example

    def _valid(self):
        raise NotImplementedError

    def invalid_values(self) -> list:
        """Values the argument refuses (each checked to be refused)."""
        return [value for value in self._invalid() if not self.accepts(value)]

    def _invalid(self) -> list:
        return [None, "3", object()]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()!r})"


class Count(Constraint):
    """A count: a Python or NumPy integer from ``min`` to ``max`` (:func:`check_int`), as a Python int."""

    def __init__(self, min: int = 1, max: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.min, self.max = min, max

    def check(self, name, value):
        return check_int(name, value, self.min, self.max)

    def describe(self):
        if self.max is None:
            return f"an integer >= {self.min}"
        return f"an integer from {self.min} to {self.max}"

    def _valid(self):
        return self.min

    def _invalid(self):
        largest = LARGEST_INT if self.max is None else self.max
        return [*super()._invalid(), self.min - 1, largest + 1, float(self.min), True, 1 + 0j]


class Pair(Count):
    """An int or a ``(height, width)`` pair of ints (:func:`check_pair`), as a tuple of two Python ints."""

    def check(self, name, value):
        return check_pair(name, value, self.min, self.max)

    def describe(self):
        return f"{super().describe()} or a (height, width) pair of them"

    def _valid(self):
        return (self.min, self.min)

    def _invalid(self):
        return [*super()._invalid(), (self.min,) * 3, (self.min - 1, self.min), [float(self.min)] * 2]


class Real(Constraint):
    """A finite real number in an interval (:func:`check_real`), as a Python float."""

    def __init__(self, min=None, max=None, *, min_inclusive=True, max_inclusive=True, **kwargs):
        super().__init__(**kwargs)
        self.min, self.max = min, max
        self.min_inclusive, self.max_inclusive = min_inclusive, max_inclusive

    def check(self, name, value):
        return check_real(
            name,
            value,
            self.min,
            self.max,
            min_inclusive=self.min_inclusive,
            max_inclusive=self.max_inclusive,
        )

    def describe(self):
        try:
            self.check("value", None)
        except ValueError as error:
            return str(error).split(" must be ", 1)[1].split(", got ")[0]
        raise AssertionError("None is never a real number")  # pragma: no cover

    def _valid(self):
        if self.min is not None and self.max is not None:
            return (self.min + self.max) / 2
        if self.min is not None:
            return self.min + 1.0
        if self.max is not None:
            return self.max - 1.0
        return 0.5

    def _invalid(self):
        values = [*super()._invalid(), math.nan, math.inf, -math.inf, True, 0.5 + 0j]
        if self.min is not None:
            values += [self.min - 1, self.min]
        if self.max is not None:
            values += [self.max + 1, self.max]
        return values


class Flag(Constraint):
    """``True`` or ``False`` (a NumPy bool too; :func:`check_bool`), as a Python bool."""

    def check(self, name, value):
        return check_bool(name, value)

    def describe(self):
        return "True or False"

    def _valid(self):
        return True

    def _invalid(self):
        return [*super()._invalid(), "no", 1, 0]


class Option(Constraint):
    """One of ``options``, compared exactly (:func:`check_option`)."""

    def __init__(self, *options, **kwargs):
        super().__init__(**kwargs)
        self.options = options

    def check(self, name, value):
        return check_option(name, value, self.options)

    def describe(self):
        return "one of " + ", ".join(repr(option) for option in self.options)

    def _valid(self):
        return self.options[0]

    def _invalid(self):
        texts = [option for option in self.options if isinstance(option, str)]
        return [*super()._invalid(), "not an option", *(text.upper() for text in texts), 1]


class Padding(Constraint):
    """``'valid'``, ``'same'`` (any case) or, where ``allow_int``, P >= 0 (:func:`check_padding`)."""

    def __init__(self, allow_int: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.allow_int = allow_int

    def check(self, name, value):
        return check_padding(value, allow_int=self.allow_int, name=name)

    def describe(self):
        return "'valid', 'same' or an integer P >= 0" if self.allow_int else "'valid' or 'same'"

    def _valid(self):
        return "valid"

    def _invalid(self):
        return [*super()._invalid(), "full", -1, 1, 1.0, True]


class Numbers(Constraint):
    """A sequence of real numbers (a list, a tuple or an array; :func:`check_numbers`), as float64."""

    def __init__(self, example=_NOT_GIVEN, **options):
        super().__init__(example=example)
        self.options = options

    def check(self, name, value):
        return check_numbers(name, value, **self.options)

    def describe(self):
        ndim = self.options.get("ndim")
        shape = "" if ndim is None else f" with {ndim} dimension(s)"
        return f"a sequence of real numbers{shape}"

    def _valid(self):
        ndim = self.options.get("ndim")
        ndim = 1 if ndim is None else ndim if isinstance(ndim, int) else min(ndim)
        size = max(self.options.get("min_size", 1), 1)
        return np.full((size,) + (1,) * (max(ndim, 1) - 1), 0.5)

    def _invalid(self):
        return [*super()._invalid(), 2.0, [0.5, None], ["a"], [0.5, True], [0.5, 1j], [math.nan], [math.inf]]


class Series(Constraint):
    """One number per epoch (:func:`check_series`): NaN and infinity kept, as a 1-D float64 array."""

    def __init__(self, min_size: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.min_size = min_size

    def check(self, name, value):
        return check_series(name, value, min_size=self.min_size)

    def describe(self):
        return f"a sequence of at least {self.min_size} number(s), one per epoch"

    def _valid(self):
        return [0.5] * self.min_size

    def _invalid(self):
        return [*super()._invalid(), 2.0, [0.5, None], ["a"], np.zeros((2, 3)), [0.5] * (self.min_size - 1)]


class Text(Constraint):
    """A string (a title, a label, a name; :func:`check_text`); None too where ``optional``."""

    def __init__(self, optional: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.optional = optional

    def check(self, name, value):
        return check_text(name, value, optional=self.optional)

    def describe(self):
        return "a string or None" if self.optional else "a string"

    def _valid(self):
        return "text"

    def _invalid(self):
        return [*super()._invalid(), 3, b"text", ["text"], True]


class FolderPath(Constraint):
    """A folder's path: a str or a ``pathlib.Path``, not empty (:func:`check_folder_path`), as a str.

    Only the path is read: whether the folder exists, or holds files, is the helper's rule.
    """

    def check(self, name, value):
        return check_folder_path(name, value)

    def describe(self):
        return "a folder's path (a str or a pathlib.Path)"

    def _valid(self):
        return "folder"

    def _invalid(self):
        return [*super()._invalid(), "", "a\0b", 3, b"folder", ["folder"]]


class Labels(Constraint):
    """Class labels, one per sample (:func:`check_labels`), as a 1-D array."""

    def __init__(self, allow_text: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.allow_text = allow_text

    def check(self, name, value):
        return check_labels(name, value, allow_text=self.allow_text)

    def describe(self):
        return "class labels (integers or strings)" if self.allow_text else "class labels (integers)"

    def _valid(self):
        return [0, 1]

    def _invalid(self):
        return [*super()._invalid(), 3, [0.5, 1], [None, 1], [True, False], ["a", 1], np.zeros((2, 2))]


class OrNone(Constraint):
    """None, or what ``constraint`` takes (converted as it converts)."""

    def __init__(self, constraint: Constraint, **kwargs):
        super().__init__(**kwargs)
        self.constraint = constraint

    def check(self, name, value):
        return None if value is None else self.constraint.check(name, value)

    def describe(self):
        return f"None or {self.constraint.describe()}"

    def _valid(self):
        return self.constraint.valid_value()

    def _invalid(self):
        return self.constraint.invalid_values()


class Satisfies(Constraint):
    """What a helper's own reader takes: ``reader(value)`` returns the converted value or raises.

    For an argument no shared constraint describes (a Keras model, a layer spec, an image shape
    with its own limits). ``valid`` is a value it takes, ``invalid`` some it refuses.
    """

    def __init__(self, reader, description: str, *, valid, invalid=(), **kwargs):
        super().__init__(**kwargs)
        self.reader, self.description = reader, description
        self._valid_value, self._invalid_given = valid, list(invalid)

    def check(self, name, value):
        return self.reader(value)

    def describe(self):
        return self.description

    def _valid(self):
        return self._valid_value() if callable(self._valid_value) else self._valid_value

    def _invalid(self):
        return [*super()._invalid(), *self._invalid_given]


def validate_arguments(**constraints: Constraint):
    """Check and convert the declared arguments of a helper before its body runs.

    The call's arguments are bound to the signature (defaults included); each declared
    argument is checked in the order of the declaration, and the body receives the converted
    values. The constraints are kept as ``function.__constraints__``; ``functools.wraps`` keeps
    the name, the signature and the docstring (its doctests run as before).

    Examples
    --------
    >>> @validate_arguments(size=Count(), scale=Real(0, max_inclusive=False))
    ... def area(size, scale=1.0):
    ...     return type(size).__name__, size * size * scale
    >>> area(np.int64(3))
    ('int', 9.0)
    >>> area(0)
    Traceback (most recent call last):
    ...
    ValueError: size must be an integer >= 1, got 0.
    >>> area.__constraints__["scale"].describe()
    'a finite number >= 0'
    """
    for name, constraint in constraints.items():
        if not isinstance(constraint, Constraint):
            raise TypeError(f"the constraint of {name} must be a Constraint, got {constraint!r}")

    def decorate(function):
        signature = inspect.signature(function)
        unknown = sorted(set(constraints) - set(signature.parameters))
        if unknown:
            raise TypeError(f"{function.__qualname__} has no argument(s) {unknown} to constrain")

        @functools.wraps(function)
        def checked(*args, **kwargs):
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError:
                return function(*args, **kwargs)  # Python's own message for a missing or extra argument
            bound.apply_defaults()
            for name, constraint in constraints.items():
                bound.arguments[name] = constraint.check(name, bound.arguments[name])
            return function(*bound.args, **bound.kwargs)

        checked.__constraints__ = MappingProxyType(dict(constraints))
        return checked

    return decorate
