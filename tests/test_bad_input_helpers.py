"""Every public helper answers bad input with a clear ValueError or TypeError, quickly.

The helpers are discovered, not listed: every public function (the ``__all__`` of every
public module of ``course_utils``, except the modules in ``EXCLUDED``) is called with valid
arguments, then with one argument at a time replaced by a bad value. A helper declares its
arguments' constraints (``@validate_arguments``, ``course_utils.core._constraints``): the test reads
them (``fn.__constraints__``), builds the valid call from each constraint's valid value, and calls the
helper with each invalid value each constraint gives (``test_declared_constraints_refuse``). The
arguments no constraint declares, and the helpers not declared yet (``UNDECLARED``, each with its
reason), take their valid values from the hand-kept ``VALID_CALLS``. Then every argument gets the
catalogue of bad values: wrong types, wrong shapes, NaN, infinity, huge and negative numbers, empty arrays,
NumPy scalars, strings, None and bools, and the classes a wider test found taken silently
(bare numbers where a sequence is meant, None, NaN, fractions and True/False among values or
labels, strings mixed with numbers, object arrays, histories of bare numbers, sizes beyond a
laptop), and its own valid value made complex (``complex_forms``: the same numbers and shape, which
NumPy would cast to real numbers with a mere warning). Each call must raise a ``ValueError`` /
``TypeError`` whose message names the replaced argument, spending at most ``REFUSAL_LIMIT`` seconds of CPU first; it may return
normally only when the argument really takes that value: each argument has a kind (``KINDS``),
read from its valid value, its name (``ARGUMENT_KINDS``) or the helper (``KIND_OVERRIDES``), and a
value outside its kind that comes back without an error is a silent wrong answer; a declared
argument's kind is its constraint. Every call finishes within ``TIME_LIMIT`` seconds (enforced) and a
bounded amount of memory.

A new public helper is tested as soon as it appears: the test fails until it declares its
arguments' constraints, or until it is listed in ``UNDECLARED`` with a reason and a valid call in
``VALID_CALLS`` (see CONTRIBUTING, "Rules for helper code").
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import inspect
import math
import numbers
import os
import pkgutil
import re
import resource
import signal
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import course_utils
from course_utils.core._validation import LARGEST_INT
from course_utils.core.formatting import LARGEST_RESULT

TIME_LIMIT = 5.0
"""Seconds one call may take."""
SLOW_HELPERS = {"course_utils.engines.tuning.train_recipe": 30.0}
"""Seconds a helper that trains may take instead: train_recipe(epochs=None) trains the recipe's 20 epochs."""
REFUSAL_LIMIT = 1.0
"""Seconds of CPU a helper may spend before it refuses a bad value (CPU time, so that a busy machine
does not count): what it cannot honour is refused before any work or allocation."""
MEMORY_HEADROOM = 3 * 1024**3
"""Bytes of address space one call may add (a bigger allocation is a MemoryError)."""

EXCLUDED = {
    "course_utils.engines.data": "datasets: tests/test_data.py covers their bad input",
    "course_utils.checks": "checkers answer with feedback: tests/test_bad_input_checkers.py",
}
"""Modules (and packages) left out, with the reason."""

RESULT_TYPES = {
    "course_utils.engines.design_evidence.DesignComparison",
    "course_utils.engines.folder_plan.FolderPlan",
    "course_utils.core.arithmetic.LayerState",
    "course_utils.core.arithmetic.StackRow",
    "course_utils.core.kernel_learning.KernelFit",
    "course_utils.engines.lessons.Lesson",
    "course_utils.core.metrics.BinaryMetrics",
    "course_utils.core.metrics.ConfidenceInterval",
    "course_utils.engines.model_summary.LayerRow",
    "course_utils.engines.model_summary.ModelSummary",
    "course_utils.engines.planner.CNNPlan",
    "course_utils.engines.planner.DesignReport",
    "course_utils.engines.diagnosis.Diagnosis",
    "course_utils.engines.image_folder.FolderReport",
    "course_utils.engines.tuning.RecipeRun",
    "course_utils.engines.tuning.SearchResult",
    "course_utils.engines.tuning.TrialResult",
    "course_utils.widgets.conv_explorer.ConvExplorerState",
    "course_utils.widgets.pooling_explorer.PoolingExplorerState",
}
"""Public classes that helpers return (dataclasses), not helpers to call."""

IMAGES = np.random.default_rng(0).integers(0, 256, size=(4, 6, 6, 1), dtype=np.uint8)
HISTORY = {"loss": [0.9, 0.5, 0.4], "val_loss": [0.8, 0.6, 0.65], "accuracy": [0.6, 0.8, 0.9]}
SPECS = [
    {"type": "Conv2D", "filters": 2, "kernel_size": 3},
    {"type": "Flatten"},
    {"type": "Dense", "units": 3},
]
CM = np.array([[5, 1], [2, 7]])
RUN = {
    "loss": [1.2, 0.8, 0.6, 0.5, 0.42, 0.37, 0.33, 0.3],
    "val_loss": [1.1, 0.85, 0.7, 0.66, 0.67, 0.7, 0.74, 0.8],
    "accuracy": [0.6, 0.72, 0.8, 0.84, 0.87, 0.89, 0.9, 0.91],
    "val_accuracy": [0.62, 0.7, 0.76, 0.78, 0.78, 0.77, 0.77, 0.76],
}


DIGITS = np.zeros((8, 28, 28, 1), dtype=np.float32), np.arange(8) % 10
"""Eight blank 28x28 images and their labels: the tuning helpers train on them in a second."""
_TUNING_FOLDERS = {}


def _tuning_folder(name):
    """A temporary folder for this session's tuners (deleted when the session ends)."""
    import tempfile

    if name not in _TUNING_FOLDERS:
        _TUNING_FOLDERS[name] = tempfile.TemporaryDirectory(prefix=f"course-bad-input-{name}-")
    return _TUNING_FOLDERS[name].name


def _searched_tuner():
    """A tuner of one trial, trained here once: every search on it then ends at once (max_trials)."""
    if "tuner" not in _TUNING_FOLDERS:
        from course_utils.engines.tuning import make_tuner, search

        tuner = make_tuner("random", _tuning_folder("search"), max_trials=1, max_epochs=1)
        search(tuner, DIGITS[0], DIGITS[1], DIGITS, epochs=1, batch_size=8)
        _TUNING_FOLDERS["tuner"] = tuner
    return _TUNING_FOLDERS["tuner"]


@pytest.fixture(autouse=True, scope="module")
def _in_a_temporary_folder():
    """Helpers that write (write_image_folder) get relative paths as values: keep them out of the checkout."""
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            yield
        finally:
            os.chdir(here)


def _image_folder():
    """A folder of two classes of two small images each, made once for the session."""
    if "image folder" not in _TUNING_FOLDERS:
        from pathlib import Path

        from PIL import Image

        folder = Path(_tuning_folder("images"))
        for name in ("cat", "dog"):
            (folder / name).mkdir()
            for number in range(2):
                Image.new("RGB", (8, 8), "orange").save(folder / name / f"{number}.png")
        _TUNING_FOLDERS["image folder"] = folder
    return _TUNING_FOLDERS["image folder"]


def _folder_plan_call():
    """A valid call of plan_folder and show_folder_plan: the image folder, under a budget a plan fits."""
    return dict(path=_image_folder(), max_params=100_000, object_size=8)


def _stored_design(group, name):
    """The stored runs of one of lesson 09's designs (a fresh copy: a call may not change the next)."""
    from course_utils.checks.capstone import stored_runs

    return copy.deepcopy(stored_runs(group, name))


# Valid values of the arguments no constraint declares (all of them for a helper in UNDECLARED), and
# of declared ones where the helper's other rules need particular values:
# {qualified name: function returning keyword arguments}.
VALID_CALLS = {
    # lesson 09's rule for reading designs from several seeds
    "course_utils.engines.design_evidence.compare_designs": lambda: dict(
        reference=_stored_design("residual", "plain"),
        runs=_stored_design("residual", "residual"),
        patience=6,
        comparisons=1,
    ),
    "course_utils.engines.design_evidence.right_answers": lambda: dict(
        run=_stored_design("residual", "plain")[0]
    ),
    # lesson 10's folder of canvases: a new folder each call (it must not hold files)
    "course_utils.engines.cluttered_digits.write_image_folder": lambda: dict(
        folder=Path(tempfile.mkdtemp()) / "my_images"
    ),
    # a folder of images
    "course_utils.engines.image_folder.scan_folder": lambda: dict(path=_image_folder()),
    # arithmetic
    "course_utils.core.arithmetic.padding_amounts": lambda: dict(
        input_length=7, kernel_size=3, strides=2, padding="same", dilation_rate=1
    ),
    # metrics
    "course_utils.core.metrics.binary_counts": lambda: dict(
        y_true=[1, 0, 1, 1], y_pred=[1, 1, 0, 1], positive=1
    ),
    # the four counts may not all be 0 (a rule over the four, checked in the body)
    "course_utils.core.metrics.binary_metrics": lambda: dict(tp=10, fp=22, fn=8, tn=60),
    "course_utils.core.metrics.check_labels": lambda: dict(name="y_pred", values=[0, 1, 1]),
    "course_utils.core.metrics.check_probability": lambda: dict(name="threshold", value=0.5),
    "course_utils.core.metrics.confusion_matrix": lambda: dict(
        y_true=[0, 1, 2, 1], y_pred=[0, 2, 2, 1], num_classes=None, labels=None
    ),
    "course_utils.core.metrics.precision_recall_curve": lambda: dict(
        y_true=[0, 0, 1, 1], scores=[0.1, 0.4, 0.35, 0.8]
    ),
    # regularization (lesson 08)
    "course_utils.engines.regularization.l2_penalty": lambda: dict(
        weights=[[1.0, -2.0], [0.5, 0.0]], l2=0.01
    ),
    "course_utils.engines.regularization.lr_range_suggestion": lambda: dict(
        learning_rates=[1e-4, 1e-3, 1e-2, 1e-1], losses=[2.3, 1.0, 0.5, 4.0], smoothing=0.5, divide_by=10.0
    ),
    # history
    # lessons
    "course_utils.engines.lessons.course_map": lambda: dict(),
    # the stored runs lessons 05 to 09 read
    # a folder of images and its plan (lesson 10, ./course plan)
    "course_utils.engines.folder_plan.plan_folder": lambda: _folder_plan_call(),
    "course_utils.engines.folder_plan.show_folder_plan": lambda: _folder_plan_call(),
    # learning curves: the diagnoser, its plots and its widget
    "course_utils.plots.learning_curves.plot_learning_curves": lambda: dict(
        history=RUN, upto=6, metric="auto", axes=None
    ),
    # the epoch: from 1 to the history's length (the message says it), checked in the body
    "course_utils.widgets.learning_curves.build_learning_curves_explorer": lambda: dict(history=RUN, epoch=5),
    "course_utils.widgets.learning_curves.learning_curves_explorer": lambda: dict(epoch=None),
    "course_utils.widgets.learning_curves.learning_curves_state": lambda: dict(history=RUN, epoch=4),
    # reference ops: conv2d_loop's cap on output values names x and kernel, so its valid call keeps
    # the output small (padding up to 200 stays under the cap)
    "course_utils.core.reference_ops.conv2d_loop": lambda: dict(
        x=np.ones((1, 4, 4, 1)), kernel=np.ones((2, 2, 1, 2)), bias=None, strides=2
    ),
    # plots
    # titles: one per map or kernel (the message counts them), checked in the body
    "course_utils.plots.feature_maps.show_feature_maps": lambda: dict(
        maps=np.zeros((4, 4, 2)), titles=["a", "b"]
    ),
    "course_utils.plots.feature_maps.show_kernels": lambda: dict(titles=["eye"]),
    # class_names: one per class of cm (the message counts them), checked in the body
    "course_utils.plots.images.plot_confusion_matrix": lambda: dict(class_names=["no", "yes"]),
    # one label and one prediction per image, each with a class name
    "course_utils.plots.images.show_image_grid": lambda: dict(
        images=IMAGES, labels=[0, 1, 2, 1], predictions=[0, 1, 1, 1], class_names=["a", "b", "c"], ncols=2
    ),
    # titles: one per state (the message counts them), checked in the body
    "course_utils.plots.windows.show_windows": lambda: dict(titles=["a"]),
    # widgets
    # Keras Tuner and the recipe (lesson 08)
    "course_utils.engines.tuning.lesson_data": lambda: dict(),
    # the tuner's folder: a new one, so that its files go nowhere else
    "course_utils.engines.tuning.make_tuner": lambda: dict(directory=_tuning_folder("make")),
    "course_utils.engines.tuning.recipe_model": lambda: dict(),
    # a tuner that has searched (every search on it ends at once)
    "course_utils.engines.tuning.search": lambda: dict(tuner=_searched_tuner()),
    # the planner: the shape, the target map and the budget fit together, and object_size and
    # kernel_size (quoted as given when they do not fit the image) are checked in the body
    "course_utils.engines.planner.plan_cnn": lambda: dict(
        input_shape=(32, 24, 3), max_params=200_000, kernel_size=3, target_map=(4, 8), object_size=16
    ),
    "course_utils.engines.planner.judge_design": lambda: dict(
        input_shape=(8, 8, 1), num_classes=3, layers=SPECS, max_params=500, target_map=(2, 4), object_size=3
    ),
    # kernel learning (lesson 01): the targets are the maps the images and the kernel give (their
    # shape is in the messages), checked in the body
    **{
        f"course_utils.core.kernel_learning.{name}": lambda: dict(targets=np.ones((2, 3, 3)))
        for name in ("fit_kernel", "gradient_step", "squared_error", "squared_error_gradient")
    },
}

UNDECLARED = {
    "course_utils.core.metrics.check_labels": "an argument reader: it takes the name its messages use",
    "course_utils.core.metrics.check_probability": "an argument reader: it takes the name its messages use",
    "course_utils.engines.lessons.course_map": "takes no arguments",
    "course_utils.engines.tuning.lesson_data": "takes no arguments",
    "course_utils.engines.tuning.recipe_model": "takes no arguments",
}
"""Public helpers that declare no constraints, with the reason; each has a whole valid call in VALID_CALLS.
The list only shrinks: a new helper declares its constraints."""


NEEDS_KERAS = {
    "course_utils.engines.inference_metrics.training_set_metrics",
    "course_utils.engines.model_summary.summarize",
    "course_utils.engines.layer_specs.to_keras",
    "course_utils.engines.architectures.block_to_keras",
    "course_utils.engines.tuning.build_model",
    "course_utils.engines.tuning.make_tuner",
    "course_utils.engines.tuning.recipe_model",
    "course_utils.engines.tuning.search",
    "course_utils.engines.tuning.train_recipe",
    "course_utils.engines.transfer.transfer_model",
    "course_utils.engines.transfer.trunk_model",
    "course_utils.engines.transfer.unfreeze",
}
"""Helpers that import Keras: the test imports it first, so that the time limit measures the helper."""


# --- discovery -------------------------------------------------------------------------


def _excluded(module_name: str) -> bool:
    return any(module_name == name or module_name.startswith(name + ".") for name in EXCLUDED)


def _public_modules():
    for info in pkgutil.walk_packages(course_utils.__path__, "course_utils."):
        if any(part.startswith("_") for part in info.name.split(".")) or _excluded(info.name):
            continue
        yield importlib.import_module(info.name)


def _public_helpers():
    """{qualified name: function} for every public function, each under the module that defines it,
    and the problems found on the way (a module without ``__all__``, a class not in ``RESULT_TYPES``)."""
    found, problems = {}, []
    for module in _public_modules():
        names = getattr(module, "__all__", None)
        if names is None:
            if any(inspect.isfunction(v) and v.__module__ == module.__name__ for v in vars(module).values()):
                problems.append(f"{module.__name__} has public functions but no __all__")
            continue
        for name in names:
            value = getattr(module, name)
            if not callable(value):
                continue
            qualified = f"{value.__module__}.{value.__qualname__}"
            if inspect.isclass(value):
                if qualified not in RESULT_TYPES:
                    problems.append(
                        f"{qualified} is a public class: add it to RESULT_TYPES if helpers return it"
                    )
                continue
            found[qualified] = value
    return found, problems


HELPERS, DISCOVERY_PROBLEMS = _public_helpers()


def _constraints(qualified) -> dict:
    """The constraints a helper declares with ``@validate_arguments`` ({} for an undeclared helper)."""
    return dict(getattr(HELPERS[qualified], "__constraints__", {}))


DECLARED = sorted(name for name in HELPERS if _constraints(name))
TESTED = sorted(set(HELPERS) & (set(VALID_CALLS) | set(DECLARED)))


def _valid_call(qualified) -> dict:
    """Keyword arguments of a valid call: each constraint's valid value, then VALID_CALLS's values."""
    kwargs = {name: constraint.valid_value() for name, constraint in _constraints(qualified).items()}
    kwargs.update(VALID_CALLS.get(qualified, dict)())
    return kwargs


def test_every_public_helper_is_registered():
    assert not DISCOVERY_PROBLEMS, "\n".join(DISCOVERY_PROBLEMS)
    missing = sorted(set(HELPERS) - set(DECLARED) - set(UNDECLARED))
    assert not missing, (
        "declare the constraints of each new helper's arguments (@validate_arguments), or list it in "
        f"UNDECLARED with the reason and give its valid call in VALID_CALLS: {missing}"
    )
    declared = sorted(set(DECLARED) & set(UNDECLARED))
    assert not declared, (
        f"these helpers declare their constraints now: remove them from UNDECLARED: {declared}"
    )
    stale = sorted((set(VALID_CALLS) | set(UNDECLARED)) - set(HELPERS))
    assert not stale, f"VALID_CALLS or UNDECLARED name helpers that are gone or not public: {stale}"


def test_declared_constraints_name_real_arguments_and_describe_them():
    for qualified in DECLARED:
        for name, constraint in _constraints(qualified).items():
            assert name in _parameters(qualified)
            assert constraint.describe(), f"{qualified}: the constraint of {name} says nothing"
            assert constraint.accepts(constraint.valid_value()), (
                f"{qualified}: {name}'s valid value is refused"
            )
            assert constraint.invalid_values(), f"{qualified}: {name}'s constraint gives no invalid value"


@pytest.mark.parametrize("qualified", DECLARED)
def test_declared_constraints_refuse_their_invalid_values(qualified, request):
    """Each declared argument, given each invalid value its constraint generates, is refused by name."""
    cases = [(name, value) for name, c in _constraints(qualified).items() for value in c.invalid_values()]
    _assert_refused(qualified, request, cases)


def _assert_refused(qualified, request, cases):
    """Call the helper with each (argument, bad value) of ``cases``; fail with every problem found."""
    if qualified in NEEDS_KERAS:
        request.getfixturevalue("keras")
    problems = [_problem(qualified, argument, value) for argument, value in cases]
    problems = [p for p in problems if p]
    assert not problems, f"{len(problems)} bad calls:\n" + "\n".join(problems)


# --- the bad values --------------------------------------------------------------------


class TookTooLong(BaseException):  # a BaseException, so that no `except Exception` in a helper swallows it
    """Raised in a helper that runs past the time limit."""


BAD_VALUES = [
    None,
    True,
    False,
    np.bool_(True),
    0,
    -1,
    -(10**6),
    10**12,
    2**40,
    10**30,
    2**63,
    10**400,
    1.5,
    0.0,
    -0.5,
    math.nan,
    math.inf,
    -math.inf,
    np.float32(0.5),
    np.float64(2.0),
    np.int64(3),
    np.uint8(200),
    np.int32(-3),
    np.array(2.0),
    1 + 2j,
    Fraction(1, 3),
    "3",
    "",
    "SAME",
    b"x",
    [],
    (),
    [1],
    (3, 3, 3),
    (10**6, 10**6),
    (10**6, 10**6, 1),
    [10**12, 10**12],
    [0, 10**400],
    [[1, 2], [3]],
    [None, 1],
    [1.0, None],
    [[1.0, 2.0], [None, 3.0]],
    [0, math.nan, 1],
    [0, 0.5, 1],
    [True, False, True],
    [1, "a"],
    ["a", 1],
    [1.0, 1j],
    {},
    {"type": "Conv2D"},
    {"loss": 0.5, "val_loss": 0.6},
    {"loss": [0.9, 0.5, 0.4], "val_loss": 0.4},
    object(),
    np.array([]),
    np.zeros((0, 3)),
    np.zeros((2, 2)),
    np.zeros((1, 4, 4, 1)),
    np.array([np.nan, 1.0]),
    np.array([0.0, np.nan, 1.0]),
    np.array([True, False]),
    np.array(["a", "b"]),
    np.array([1 + 2j]),
    np.array([1.0, None], dtype=object),
    np.array([1, 2], dtype=object),
    np.array(["a", 1], dtype=object),
    np.array([object(), object()], dtype=object),
    print,
]
"""Wrong types and shapes, NaN, infinity, huge and negative numbers, empty arrays, NumPy scalars,
strings, None and bools; and the classes a wider test found helpers taking silently: a bare number
where a sequence is meant (a history of one epoch), None, NaN, fractions, True/False and strings
mixed with numbers among values or labels, object arrays, histories of bare numbers, and sizes
beyond what a laptop holds."""


def _complexified(value, imaginary: float, first_only: bool = False):
    """``value`` with its real numbers made complex (``x + imaginary*1j``), keeping its shape and
    container, or None when it holds no real number. ``first_only``: only the first number changes.

    A complex number with no imaginary part is still not a real number: NumPy would drop the
    imaginary part of any complex number with a mere warning, so every numeric argument must refuse
    complex numbers by their type, whatever their value and wherever they hide.
    """
    changed = False

    def convert(item):
        nonlocal changed
        if first_only and changed:
            return item
        if isinstance(item, np.ndarray):
            if item.dtype.kind not in "iuf" or item.size == 0:
                return item
            changed = True
            if first_only:
                result = item.astype(complex)
                result.flat[0] += imaginary * 1j
                return result
            return item.astype(complex) + imaginary * 1j
        if isinstance(item, (list, tuple)):
            items = [convert(v) for v in item]
            return type(item)(items)
        if isinstance(item, dict):
            return {key: convert(v) for key, v in item.items()}
        if isinstance(item, numbers.Real) and not isinstance(item, (bool, np.bool_)):
            changed = True
            return complex(float(item), imaginary)
        return item

    result = convert(value)
    return result if changed else None


def complex_forms(valid) -> list:
    """Bad values made from an argument's valid value: the same numbers, of the same shape, as complex
    numbers (with and without an imaginary part; all of them, or only the first among real ones; as a
    Python complex and as NumPy's complex128)."""
    forms = [
        _complexified(valid, imaginary, first_only)
        for imaginary in (0.0, 1.0)
        for first_only in (False, True)
    ]
    for form in list(forms):
        if isinstance(form, (list, tuple)):  # the same numbers as a complex array, which NumPy casts silently
            with contextlib.suppress(ValueError, TypeError):
                array = np.asarray(form)
                if array.dtype.kind == "c":
                    forms.append(array)
    if _is_real(valid):
        forms.append(np.complex128(valid))
    unique = []
    for form in forms:
        if form is not None and not any(_same(form, seen) for seen in unique):
            unique.append(form)
    return unique


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return type(a) is type(b) and a.shape == b.shape and np.array_equal(a, b)
    return type(a) is type(b) and repr(a) == repr(b)


SCALAR_HISTORIES = st.fixed_dictionaries(
    {"loss": st.floats(0, 5), "val_loss": st.one_of(st.floats(0, 5), st.lists(st.floats(0, 5), max_size=3))}
)
generated = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.integers(min_value=10**9, max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.complex_numbers(max_magnitude=10**6),
    st.text(max_size=6),
    st.lists(st.one_of(st.integers(-3, 300), st.floats(-2, 300), st.none()), max_size=5).map(
        lambda v: v if len(v) % 2 else tuple(v)
    ),
    st.lists(
        st.one_of(st.integers(0, 3), st.sampled_from([math.nan, 0.5, None, True, "a", 1j])),
        min_size=2,
        max_size=5,
    ),
    st.lists(st.integers(0, 5), min_size=1, max_size=4).map(lambda v: np.array(v, dtype=object)),
    SCALAR_HISTORIES,
    hnp.arrays(
        dtype=st.sampled_from([np.float64, np.float32, np.int64, np.uint8, np.bool_, np.complex128]),
        shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4),
    ),
)


# --- what each argument takes ------------------------------------------------------------
#
# A bad value that a helper takes without an error is a silent wrong answer unless the argument
# really takes such a value. Each argument has a kind, read from its valid value (a bool is a flag,
# a list of numbers is a sequence of numbers, ...) or, where the name says more, from the name
# (ARGUMENT_KINDS) or from this helper (KIND_OVERRIDES). A value the kind does not take must be
# refused with a ValueError or TypeError naming the argument.


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_count(value, largest=LARGEST_INT, smallest=0) -> bool:
    return _is_int(value) and smallest <= value <= largest


def _is_real(value) -> bool:
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _is_sequence(value) -> bool:
    return isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim > 0)


def _leaves(value) -> list:
    """The items of a (nested) list, tuple or array."""
    if isinstance(value, np.ndarray):
        return value.ravel().tolist()
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in (_leaves(item) if _is_sequence(item) else [item])]
    return [value]


def _numbers(value, nan=False, bools=False) -> bool:
    """A sequence of real numbers: NaN and infinity where ``nan``, True/False where ``bools``."""
    if not _is_sequence(value):
        return False
    try:
        np.asarray(value)
    except ValueError:  # ragged
        return False

    def fits(leaf):
        if isinstance(leaf, (bool, np.bool_)):
            return bools
        if nan and isinstance(leaf, numbers.Real):
            return True
        return _is_real(leaf)

    return all(fits(leaf) for leaf in _leaves(value))


def _labels(value) -> bool:
    """One label per sample: integers (whole floats too), or strings, all of one kind."""
    if not _is_sequence(value):
        return False
    try:
        array = np.asarray(value)
    except ValueError:
        return False
    if array.ndim != 1 and array.shape[1:] != (1,):
        return False
    leaves = _leaves(value)
    whole = [_is_count(v, smallest=-LARGEST_INT) or (_is_real(v) and float(v).is_integer()) for v in leaves]
    return all(whole) or all(isinstance(v, str) for v in leaves)


def _history(value) -> bool:
    values = getattr(value, "history", value)
    return isinstance(values, dict) and all(_numbers(v, nan=True) for v in values.values())


KINDS = {
    "flag": lambda v: isinstance(v, (bool, np.bool_)),
    "count": _is_count,
    "signed count": lambda v: _is_count(v, smallest=-LARGEST_INT),
    "result": lambda v: _is_count(v, largest=LARGEST_RESULT),
    "signed result": lambda v: _is_count(v, largest=LARGEST_RESULT, smallest=-LARGEST_RESULT),
    "real": _is_real,
    "exact": lambda v: (
        _is_real(v) or isinstance(v, (numbers.Rational, np.integer)) and not isinstance(v, bool)
    ),
    "text": lambda v: isinstance(v, str),
    "path": lambda v: isinstance(v, (str, os.PathLike)),
    "padding": lambda v: isinstance(v, str) or _is_count(v),
    "pair": lambda v: _is_count(v) or (isinstance(v, (list, tuple)) and all(_is_count(n) for n in v)),
    "shape": lambda v: (
        _is_count(v) or (isinstance(v, (list, tuple)) and all(n is None or _is_count(n) for n in v))
    ),
    "label": lambda v: _is_count(v, smallest=-LARGEST_INT) or isinstance(v, str),
    "numbers": _numbers,
    "numbers or NaN": lambda v: _numbers(v, nan=True),
    "numbers or bools": lambda v: _numbers(v, nan=True, bools=True),
    "numbers or a number": lambda v: (
        _numbers(v) or _is_real(v) or (isinstance(v, np.ndarray) and _numbers(v.reshape(-1)))
    ),
    "flags": lambda v: (
        _is_sequence(v)
        and all(isinstance(x, (bool, np.bool_)) or _is_real(x) and x in (0, 1) for x in _leaves(v))
    ),
    "labels": _labels,
    "names": lambda v: _is_sequence(v) and all(isinstance(x, str) for x in _leaves(v)),
    "text or names": lambda v: (
        isinstance(v, str) or (_is_sequence(v) and all(isinstance(x, str) for x in _leaves(v)))
    ),
    "rows": lambda v: isinstance(v, (list, tuple)) and all(isinstance(r, (list, tuple)) for r in v),
    "specs": lambda v: isinstance(v, (list, tuple)) and all(isinstance(s, dict) for s in v),
    "mapping": lambda v: isinstance(v, dict),
    "history": _history,
    "histories": lambda v: isinstance(v, dict) and all(_history(h) for h in v.values()),
    "receptive field": lambda v: (
        v == "whole input" or (isinstance(v, (list, tuple)) and all(_is_count(n) for n in v))
    ),
    "zero or one": lambda v: _is_real(v) and v in (0, 1),
}
"""What each kind of argument takes; anything else must be refused by name."""

ARGUMENT_KINDS = {
    **dict.fromkeys(
        (
            "kernel_size",
            "strides",
            "dilation_rate",
            "pool_size",
            "output_size",
            "input_size",
            "target_map",
            "object_size",
        ),
        "pair",
    ),
    **dict.fromkeys(("input_shape", "shape", "output_shape"), "shape"),
    **dict.fromkeys(("y_true", "y_pred", "labels", "predictions", "y"), "labels"),
    "padding": "padding",
    "history": "history",
    "runs": "histories",
    "positive": "label",
    "bias": "numbers",
    "epoch": "count",
    "upto": "count",
    "num_classes": "count",
    "path": "path",
    "directory": "path",
    "zero_division": "zero or one",
    "folder": "path",
}
"""Kinds read from an argument's name, wherever it appears."""

KIND_OVERRIDES = {
    "formatting.format_count": {"value": "signed result"},
    "formatting.format_bytes": {"n_bytes": "result"},
    "formatting.format_receptive_field": {"receptive_field": "receptive field"},
    "formatting.render_table": {"rows": "rows"},
    "params.weights_bytes": {"params": "result"},
    "metrics.truncate": {"value": "exact"},
    "metrics.harmonic_mean": {"precision": "exact", "recall": "exact"},
    "metrics.accuracy_difference_interval": {"correct_a": "flags", "correct_b": "flags"},
    "metrics.check_labels": {"values": "labels"},
    "regularization.lr_range_suggestion": {"losses": "numbers or NaN"},
    "regularization.l2_penalty": {"weights": "numbers or a number"},
    "regularization.batch_norm": dict.fromkeys(("gamma", "beta", "moving_mean", "moving_variance"), "numbers or a number"),
    "plots.learning_curves.plot_learning_curves": {"metric": "text", "axes": "any"},
    "plots.feature_maps.show_feature_maps": {"titles": "names"},
    "plots.feature_maps.show_kernels": {"titles": "names"},
    "plots.windows.show_windows": {"titles": "names"},
    **{
        f"reference_ops.{name}": dict.fromkeys(("x", "kernel", "bias", "image", "window"), "numbers or bools")
        for name in (
            "average_pool2d", "conv2d", "conv2d_loop", "convolve2d", "correlate2d", "correlate2d_single",
            "flip_kernel", "global_average_pool2d", "max_pool2d",
        )
    },
    "tuning.train_recipe": {"validation_data": "any", "epochs": "count"},
    "tuning.search": {"validation_data": "any"},
}  # fmt: skip
"""Kinds of one helper's arguments, where neither the valid value nor the name says enough."""


def _kind_of_value(value) -> str | type:
    """The kind a valid value shows; a class for a value of its own type (a figure, a model, a state)."""
    if isinstance(value, (bool, np.bool_)):
        return "flag"
    if _is_int(value):
        return "count"
    if isinstance(value, numbers.Real):
        return "real"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "mapping"
    if _is_sequence(value):
        leaves = _leaves(value)
        if leaves and all(isinstance(v, (bool, np.bool_)) for v in leaves):
            return "flags"
        if leaves and all(_is_real(v) for v in leaves):
            return "numbers"
        if leaves and all(isinstance(v, str) for v in leaves):
            return "names"
        if all(isinstance(v, dict) for v in value):
            return "specs"
        return type(value[0]) if all(type(v) is type(value[0]) for v in value) else "any"
    return type(value)


def _table_name(qualified: str) -> str:
    """A helper's name as the tables below write it: without the package and its layer folder
    (``course_utils.core.arithmetic.conv_groups`` is ``arithmetic.conv_groups``)."""
    return re.sub(r"^course_utils\.(core\.|engines\.)?", "", qualified)


def _kind(qualified: str, argument: str, valid) -> str | type:
    short = _table_name(qualified)
    if argument in KIND_OVERRIDES.get(short, {}):
        return KIND_OVERRIDES[short][argument]
    if argument in ARGUMENT_KINDS:
        return ARGUMENT_KINDS[argument]
    if valid is None:
        return "any"
    return _kind_of_value(valid)


TAKES_NONE = {
    "formatting.format_count": "value",  # an unknown count, written '?'
    "formatting.format_receptive_field": "receptive_field",  # not defined, written '-'
    "plots.learning_curves.plot_learning_curves": "metric",  # the loss panel only
    "plots.training.plot_history": "mark_best",  # no best-epoch line
    "inference_metrics.training_set_metrics": "size",  # every image
    "arithmetic.conv_groups": "in_channels",  # not known yet: only the filters are checked
}
"""Arguments without a default of None that document what None means."""


def _takes(qualified: str, argument: str, valid, value) -> bool:
    """Whether ``argument`` of the helper may take ``value`` without an error."""
    if value is None and (
        _defaults(qualified).get(argument, inspect.Parameter.empty) is None
        or TAKES_NONE.get(_table_name(qualified)) == argument
    ):
        return True
    constraint = _constraints(qualified).get(argument)
    if constraint is not None:
        return constraint.accepts(value)
    kind = _kind(qualified, argument, valid)
    if kind == "any":
        return True
    if isinstance(kind, type):
        if isinstance(valid, (list, tuple)):  # a sequence of such objects
            return isinstance(value, (list, tuple)) and all(isinstance(v, kind) for v in value)
        return isinstance(value, kind)
    return KINDS[kind](value)


def _defaults(qualified: str) -> dict:
    return {name: p.default for name, p in inspect.signature(HELPERS[qualified]).parameters.items()}


@contextlib.contextmanager
def _bounded(seconds=TIME_LIMIT):
    """Run the body with a time limit (TookTooLong) and a memory limit (MemoryError)."""

    def on_alarm(signum, frame):
        raise TookTooLong(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    limits = resource.getrlimit(resource.RLIMIT_AS)
    try:
        with open("/proc/self/statm") as statm:
            used = int(statm.read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (used + MEMORY_HEADROOM, limits[1]))
    except (OSError, ValueError):
        limits = None  # no limit where the system cannot set one
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if limits is not None:
            resource.setrlimit(resource.RLIMIT_AS, limits)


def _short(value) -> str:
    if isinstance(value, np.ndarray):
        return f"array(shape={value.shape}, dtype={value.dtype})"
    text = (
        repr(value) if not isinstance(value, int) or abs(value) < 10**60 else f"<{len(str(value))}-digit int>"
    )
    return text if len(text) <= 60 else text[:57] + "..."


def _problem(qualified, argument, value) -> str | None:
    """Call the helper with ``argument`` replaced by ``value``; describe what went wrong, if anything.

    An argument checker such as ``check_labels(name, values)`` names its caller's argument:
    its message must hold the ``name`` it was given. A layer spec (a dict, alone or in a list of
    specs) may be named by the key or the layer type the message is about.
    """
    kwargs = _valid_call(qualified)
    checker = _parameters(qualified)[:1] == ["name"]
    named = kwargs["name"] if checker and argument != "name" else argument
    valid = kwargs[argument]
    kwargs[argument] = value
    call = f"{qualified.rsplit('.', 1)[1]}({argument}={_short(value)})"
    limit = SLOW_HELPERS.get(qualified, TIME_LIMIT)
    start = time.process_time()
    try:
        with _bounded(limit):
            HELPERS[qualified](**kwargs)
        if not _takes(qualified, argument, valid, value):
            kind = _kind(qualified, argument, valid)
            wanted = kind.__name__ if isinstance(kind, type) else kind
            return (
                f"{call} returned normally, but {argument} takes {wanted}: it must refuse this value by name"
            )
    except (ValueError, TypeError) as error:
        names = {str(named)}
        specs = [value] if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else []
        for spec in specs:
            if isinstance(spec, dict):
                names |= {str(key) for key in spec} | {str(spec.get("type"))}
        if not any(re.search(rf"\b{re.escape(name)}\b", str(error)) for name in names):
            return f"{call} raised {type(error).__name__} without naming {named!r}: {error}"
        if time.process_time() - start > REFUSAL_LIMIT:
            return f"{call} took {time.process_time() - start:.1f} s of CPU to refuse it (at most {REFUSAL_LIMIT} s)"
    except TookTooLong:
        return f"{call} took more than {limit} s"
    except MemoryError:
        return f"{call} ran out of memory"
    except Exception as error:  # anything else is a traceback a learner did not cause
        return f"{call} raised {type(error).__name__}: {error}"
    finally:
        plt.close("all")
    return None


def _parameters(qualified):
    return list(inspect.signature(HELPERS[qualified]).parameters)


@pytest.mark.parametrize("qualified", TESTED)
def test_valid_call_works(qualified, request):
    if qualified in NEEDS_KERAS:
        request.getfixturevalue("keras")
    undeclared = sorted(set(_parameters(qualified)) - set(_valid_call(qualified)))
    assert not undeclared, (
        f"declare a constraint of {undeclared} (@validate_arguments) or give a valid value in VALID_CALLS"
    )
    with _bounded(SLOW_HELPERS.get(qualified, TIME_LIMIT)):
        HELPERS[qualified](**_valid_call(qualified))
    plt.close("all")


@pytest.mark.parametrize("qualified", TESTED)
def test_catalogue_of_bad_values(qualified, request):
    cases = [
        (argument, value)
        for argument in _parameters(qualified)
        for value in BAD_VALUES + complex_forms(_valid_call(qualified)[argument])
    ]
    _assert_refused(qualified, request, cases)


TAKING_ARGUMENTS = [name for name in TESTED if _parameters(name)]
"""The helpers that take an argument, and so can be given a bad one (``course_map`` takes none)."""


@pytest.mark.parametrize("qualified", TAKING_ARGUMENTS)
@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_generated_bad_values(qualified, request, data):
    if qualified in NEEDS_KERAS:
        request.getfixturevalue("keras")
    argument = data.draw(st.sampled_from(_parameters(qualified)))
    problem = _problem(qualified, argument, data.draw(generated))
    assert problem is None, problem
