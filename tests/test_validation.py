"""Tests of course_utils.core._validation: the shared readers of sequences, labels and exact fractions."""

from __future__ import annotations

import inspect
import math
import re
from fractions import Fraction

import numpy as np
import pytest

from course_utils.core._validation import (
    check_int,
    check_labels,
    check_numbers,
    check_series,
    describe,
    exact_fraction,
)


@pytest.mark.parametrize(
    "values, fragment",
    [
        (2.0, "single number 2.0"),
        (np.float32(0.5), "single number"),
        (np.array(3.0), "single number"),
        (None, "got None"),
        ("0.5", "got '0.5'"),
        ({"a": 1}, "got {'a': 1}"),
        ([1.0, None], "None among them"),
        ([1.0, True], "True/False among them"),
        ([1.0, "2"], "text among them"),
        ([1.0, 1 + 2j], "complex number among them"),
        (np.array([1 + 2j]), "complex numbers"),
        (np.array(["a"]), "text"),
        (np.array([True, False]), "True/False"),
        (np.array([1.0, None], dtype=object), "None among them"),
        ([[1.0, 2.0], [3.0]], "rows of different lengths"),
        ([math.nan], "NaN"),
        ([math.inf], "infinity"),
        ([10**400], "fit in a float"),
    ],
    ids=repr,
)
def test_check_numbers_refuses_what_is_not_a_sequence_of_numbers(values, fragment):
    with pytest.raises(ValueError, match=rf"^x .*{re.escape(fragment)}"):
        check_numbers("x", values)


def test_check_numbers_accepts_sequences_and_what_is_allowed():
    assert check_numbers("x", (1, 2.5, np.float32(0.5), Fraction(1, 4))).tolist() == [1, 2.5, 0.5, 0.25]
    assert check_numbers("x", [math.nan, math.inf], allow_nan=True, allow_inf=True).size == 2
    assert check_numbers("x", np.array([True, False]), allow_bool=True).tolist() == [1.0, 0.0]
    assert check_numbers("x", np.zeros((2, 3)), ndim=2).shape == (2, 3)
    with pytest.raises(ValueError, match="x must have 1 dimension"):
        check_numbers("x", np.zeros((2, 3)), ndim=1)
    with pytest.raises(ValueError, match="at least 2 epoch"):
        check_numbers("x", [1.0], min_size=2, unit="epoch")


@pytest.mark.parametrize(
    "values, fragment",
    [
        ([1, 0, 1, None], "holds None"),
        ([0, math.nan], "holds NaN"),
        (np.array([0.0, np.nan]), "holds NaN"),
        ([0, 0.5, 1], "scores such as 0.5"),
        (np.array([0.2, 0.9], dtype=np.float32), "scores such as 0.2"),
        (["cat", 1], "mixes strings and numbers"),
        ([True, False], "True/False"),
        (np.array([True, False]), "True/False"),
        ([1, True], "True/False"),
        ([1, 1 + 2j], "complex"),
        ([1, math.inf], "inf"),
        ([10**30], "beyond 10\\*\\*18"),
        ([0, 10**400], "beyond 10\\*\\*18"),
        (np.zeros((2, 2)), "shape \\(2, 2\\)"),
        (3, "got 3"),
        ("cat", "got 'cat'"),
        (None, "got None"),
    ],
    ids=repr,
)
def test_check_labels_refuses_what_is_not_a_label(values, fragment):
    with pytest.raises(ValueError, match=rf"^y .*{fragment}"):
        check_labels("y", values)


def test_check_labels_reads_integers_whole_floats_columns_and_strings():
    assert check_labels("y", [1, 0, 2.0, np.int8(3)]).tolist() == [1, 0, 2, 3]
    assert check_labels("y", np.array([[3], [5]])).tolist() == [3, 5]
    assert check_labels("y", np.array([1.0, 2.0], dtype=np.float32)).dtype == np.int64
    assert check_labels("y", ["cat", "dog"]).tolist() == ["cat", "dog"]
    assert check_labels("y", []).size == 0
    with pytest.raises(ValueError, match="integers"):
        check_labels("y", ["cat"], allow_text=False)


@pytest.mark.parametrize(
    "value, exact",
    [
        (0.07, Fraction(7, 100)),
        (np.float32(0.29), Fraction(29, 100)),
        (np.float32(0.2), Fraction(1, 5)),
        (np.float16(0.1), Fraction(1, 10)),
        (np.float64(0.3), Fraction(3, 10)),
        (2.0, Fraction(2)),
        (np.int64(3), Fraction(3)),
        (Fraction(1, 3), Fraction(1, 3)),
        (1e-20, Fraction(1, 10**20)),
    ],
    ids=repr,
)
def test_exact_fraction_is_the_decimal_a_float_stands_for(value, exact):
    assert exact_fraction("v", value) == exact


@pytest.mark.parametrize("value", [True, math.nan, math.inf, "0.1", None, 1 + 2j])
def test_exact_fraction_refuses_what_is_not_a_real_number(value):
    with pytest.raises(ValueError, match="^v must be"):
        exact_fraction("v", value)


class _ArrayLike:
    """An object NumPy reads as an array (as a pandas Series or a tensor is)."""

    def __init__(self, values):
        self.values = values

    def __array__(self, dtype=None, copy=None):
        return np.array(self.values, dtype=object)


def test_check_numbers_reads_what_an_array_like_object_holds():
    with pytest.raises(ValueError, match="x must hold real numbers, got None among them"):
        check_numbers("x", _ArrayLike([1.0, None]))
    assert check_numbers("x", _ArrayLike([1.0, 2])).tolist() == [1.0, 2.0]


# ---------------------------------------------------------------- describe: one description of a value


@pytest.mark.parametrize(
    "value, text",
    [
        (np.int64(11), "11"),
        (np.int32(-3), "-3"),
        (np.float64(0.25), "0.25"),
        (np.float32(0.247), "0.247"),
        (np.bool_(True), "True"),
        (3, "3"),
        ("a", "'a'"),
        (np.array([3, 3]), "array([3, 3])"),
        (np.zeros((3, 3)), "an array of shape (3, 3)"),
        (10**40, "an integer with 41 digits"),
        (10**400, "an integer with 401 digits"),
    ],
    ids=repr,
)
def test_describe_shows_a_value_as_a_learner_typed_it(value, text):
    assert describe(value) == text


def test_describe_never_raises_and_stays_short():
    class Unprintable:
        def __repr__(self):
            raise RuntimeError("no repr")

    assert describe(Unprintable()) == "an object of type Unprintable"
    assert describe("x" * 500).endswith("...") and len(describe("x" * 500)) == 60
    assert describe(2**40_000).startswith("an integer of about 12042 digits")


def test_helpers_and_checkers_share_one_describe():
    from course_utils import checks
    from course_utils.checks import framework

    assert framework.describe is describe and checks.describe is describe
    with pytest.raises(ValueError, match=r"got 11\.$"):  # not np.int64(11)
        check_int("strides", np.int64(11), maximum=4)


# ---------------------------------------------------------------- check_series: one reader of a per-epoch series


@pytest.mark.parametrize("shape", [(4,), (4, 1), (1, 4), (4, 1, 1)])
def test_a_series_with_one_axis_of_epochs_is_read_as_that_many_epochs(shape):
    values = np.array([0.9, 0.5, 0.4, 0.35]).reshape(shape)
    assert check_series("val_loss", values).tolist() == [0.9, 0.5, 0.4, 0.35]


@pytest.mark.parametrize(
    "values, fragment",
    [
        (np.zeros((2, 3)), "one number per epoch, got an array of shape (2, 3)"),
        (2.0, "got the single number 2.0"),
        ([0.5, None], "None among them"),
        ([0.5, True], "True/False among them"),
        ("0.5 0.4", "got '0.5 0.4'"),
        ([], "at least 1 epoch"),
        (np.ones(10**5 + 1), "holds 100,001 epochs"),
    ],
    ids=repr,
)
def test_a_series_that_is_not_one_number_per_epoch_is_refused_by_name(values, fragment):
    with pytest.raises(ValueError, match=rf"^val_loss .*{re.escape(fragment)}"):
        check_series("val_loss", values)


def test_a_series_keeps_nan_and_infinity():
    assert np.isnan(check_series("loss", [1.0, math.nan])[1])
    assert np.isinf(check_series("loss", [1.0, math.inf])[1])


# --- constraints: one way to state what an argument takes ---------------------------------------

from course_utils.core._constraints import (  # noqa: E402 - the constraints' own tests
    Count,
    Flag,
    FolderPath,
    Labels,
    Numbers,
    Option,
    OrNone,
    Padding,
    Pair,
    Real,
    Satisfies,
    Series,
    validate_arguments,
)
from course_utils.core._validation import (  # noqa: E402
    check_bool,
    check_folder_path,
    check_option,
    check_padding,
    check_pair,
    check_real,
)

CONSTRAINTS = [
    (Count(), lambda v: check_int("x", v)),
    (Count(min=0, max=12), lambda v: check_int("x", v, 0, 12)),
    (Pair(), lambda v: check_pair("x", v)),
    (Real(0, 1, max_inclusive=False), lambda v: check_real("x", v, 0, 1, max_inclusive=False)),
    (Real(), lambda v: check_real("x", v)),
    (Flag(), lambda v: check_bool("x", v)),
    (Option("min", "max"), lambda v: check_option("x", v, ("min", "max"))),
    (Padding(), lambda v: check_padding(v, name="x")),
    (Padding(allow_int=False), lambda v: check_padding(v, allow_int=False, name="x")),
    (Numbers(ndim=2), lambda v: check_numbers("x", v, ndim=2)),
    (Series(min_size=2), lambda v: check_series("x", v, min_size=2)),
    (Labels(), lambda v: check_labels("x", v)),
    (OrNone(Count()), lambda v: None if v is None else check_int("x", v)),
    (FolderPath(), lambda v: check_folder_path("x", v)),
]


def _outcome(read, value):
    try:
        result = read(value)
    except (ValueError, TypeError) as error:
        return type(error), str(error)
    return "value", result.tolist() if isinstance(result, np.ndarray) else result


@pytest.mark.parametrize("constraint, read", CONSTRAINTS, ids=lambda c: repr(c) if not callable(c) else "")
def test_a_constraint_reads_a_value_as_its_shared_check_does(constraint, read):
    """The same conversion and, word for word, the same message as the check it wraps."""
    values = [
        constraint.valid_value(),
        *constraint.invalid_values(),
        3,
        np.int64(3),
        "Same",
        0.5,
        None,
        [1, 2],
    ]
    for value in values:
        assert _outcome(lambda v: constraint.check("x", v), value) == _outcome(read, value), value


@pytest.mark.parametrize("constraint", [c for c, _ in CONSTRAINTS], ids=repr)
def test_a_constraint_describes_itself_and_generates_valid_and_invalid_values(constraint):
    assert constraint.describe()
    assert constraint.accepts(constraint.valid_value())
    invalid = constraint.invalid_values()
    assert invalid and not any(constraint.accepts(value) for value in invalid)


def test_validate_arguments_converts_before_the_body_and_keeps_the_function():
    seen = {}

    @validate_arguments(size=Pair(), rate=Real(0, 1), mode=Option("a", "b"))
    def helper(size, rate=0.5, *, mode="a"):
        """Doc."""
        seen.update(size=size, rate=rate, mode=mode)
        return size

    assert helper(np.int32(3), rate=np.float32(0.25)) == (3, 3)
    assert seen == {"size": (3, 3), "rate": 0.25, "mode": "a"} and type(seen["size"][0]) is int
    assert helper.__name__ == "helper" and helper.__doc__ == "Doc."
    assert list(inspect.signature(helper).parameters) == ["size", "rate", "mode"]
    assert set(helper.__constraints__) == {"size", "rate", "mode"}
    seen.clear()
    with pytest.raises(ValueError, match=r"^rate must be a finite number from 0 to 1, got 2\.$"):
        helper(3, 2)
    assert not seen, "the body must not run"
    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        helper()


def test_validate_arguments_refuses_a_constraint_of_no_argument():
    with pytest.raises(TypeError, match="no argument"):
        validate_arguments(nothing=Count())(lambda size: size)
    with pytest.raises(TypeError, match="must be a Constraint"):
        validate_arguments(size=int)


def test_satisfies_wraps_a_helper_s_own_reader():
    def read(value):
        if value != "ok":
            raise ValueError(f"thing must be 'ok', got {describe(value)}.")
        return value

    constraint = Satisfies(read, "the text 'ok'", valid="ok", invalid=["no"])
    assert constraint.check("thing", "ok") == "ok" and constraint.describe() == "the text 'ok'"
    assert "no" in constraint.invalid_values() and constraint.valid_value() == "ok"
