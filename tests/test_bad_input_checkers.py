"""Every exercise checker, fed junk: it answers with feedback, in time, and never says "correct".

The checkers are discovered from the lesson modules of ``course_utils.checks``, so a new
checker joins these tests by itself. A checker that takes more than its answer must be
registered in ``EXTRA_ARGUMENTS``; one that is not decorated with ``@checker`` fails
``test_every_checker_is_registered``.

The framework runs in strict mode here: a checker's own unexpected error is raised, not
turned into feedback, so these tests see it.
"""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil
import signal
import sys
import threading
import time
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import course_utils.checks
from course_utils.checks import framework
from course_utils.checks.framework import ANSWER_KINDS, STATUSES, Feedback

LESSON_MODULES = [
    importlib.import_module(f"course_utils.checks.{info.name}")
    for info in pkgutil.iter_modules(course_utils.checks.__path__)
    if info.name != "framework"
]


def discover_checkers():
    """Every public ``check_*`` function defined in a lesson module."""
    found = []
    for module in LESSON_MODULES:
        for name, value in vars(module).items():
            if name.startswith("check_") and callable(value) and value.__module__ == module.__name__:
                found.append(value)
    return sorted(found, key=lambda f: (f.__module__, f.__name__))


CHECKERS = discover_checkers()
IDS = [f"{c.__module__.rsplit('.', 1)[1]}.{c.__name__}" for c in CHECKERS]


def _split():
    rng = np.random.default_rng(0)
    pair = lambda n: (rng.integers(0, 256, size=(n, 4, 4, 1), dtype=np.uint8), rng.integers(0, 10, size=n))
    return {"train": pair(6), "val": pair(3), "test": pair(3)}


#: Arguments after the answer, for checkers that need more than the answer.
EXTRA_ARGUMENTS = {"check_validation_data": _split()}


def call(checker, answer):
    return checker(answer, **EXTRA_ARGUMENTS.get(checker.__name__, {}))


@pytest.fixture(scope="module", autouse=True)
def strict_and_quick():
    """Raise the checkers' own errors, and stop a learner's function after 0.2 s."""
    saved = framework.STRICT, framework.TIME_LIMIT
    framework.STRICT, framework.TIME_LIMIT = True, 0.2
    yield
    framework.STRICT, framework.TIME_LIMIT = saved


# ---------------------------------------------------------------------------
# Junk
# ---------------------------------------------------------------------------
class Hostile:
    """An object whose every dunder fails: repr, str, comparison, conversion, length."""

    def __repr__(self):
        raise RuntimeError("repr fails")

    __str__ = __repr__

    def __eq__(self, other):
        raise RuntimeError("eq fails")

    __hash__ = None

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("array fails")

    def __len__(self):
        raise RuntimeError("len fails")

    def __float__(self):
        raise RuntimeError("float fails")

    def __bool__(self):
        raise RuntimeError("bool fails")


class BadError(Exception):
    """An exception whose message cannot be shown."""

    def __str__(self):
        raise RuntimeError("str fails")


NOT_NUMBERS = st.sampled_from(
    [
        math.nan,
        math.inf,
        -math.inf,
        np.float32("nan"),
        np.float64("inf"),
        np.float16("-inf"),
        Decimal("NaN"),
        Decimal("Infinity"),
        complex(1, 2),
        np.complex64(1),
        True,
        False,
        np.bool_(True),
        np.str_("12"),
        b"12",
        Ellipsis.__class__,
        object(),
        Hostile(),
        print,
        range(3),
        {1, 2},
        frozenset(),
        (x for x in range(3)),
    ]
)
HUGE = st.one_of(
    st.integers(min_value=10**15),
    st.integers(max_value=-(10**15)),
    st.sampled_from([10**400, -(10**400), 10**5000, Fraction(10**400, 3), np.int64(2**62), np.uint64(2**63)]),
)
#: Strings that are never an answer: not an option of any choice, not a file name Keras accepts.
STRINGS = st.one_of(
    st.text(max_size=8).map(lambda text: f"?{text}?"),
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(["", " ", "undefined", "None", "...", "nan", "1e400", "98, 98, 32", "１２"]),
)
ARRAYS = st.one_of(
    st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))
    .map(lambda shape: (*shape, 5))
    .map(lambda shape: np.full(shape, 0.5)),  # 4-D: no exercise answer has 4 axes of values
    st.sampled_from(
        [
            np.array(["98", "98", "32"]),
            np.array([["6", "2"], ["7", "9"]]),
            np.array([[math.nan, 1.0], [2.0, 3.0]]),
            np.array([math.inf] * 4),
            np.array([True, False, True]),
            np.array([1 + 2j, 3j]),
            np.array([object(), object()], dtype=object),
            np.array([10**400, 1], dtype=object),
            np.zeros((0,)),
            np.zeros((0, 3)),
            np.array(np.datetime64("2020-01-01")),
        ]
    ),
)
CONTAINERS = st.one_of(
    st.lists(STRINGS, min_size=1, max_size=4),
    st.tuples(STRINGS, STRINGS),
    st.tuples(st.just(None), STRINGS),
    st.lists(st.lists(st.integers(0, 9), max_size=3), min_size=2, max_size=3).filter(
        lambda rows: len({len(r) for r in rows}) > 1  # ragged
    ),
    st.dictionaries(STRINGS, st.integers(), max_size=3),
    st.tuples(HUGE, HUGE, HUGE),
    st.lists(NOT_NUMBERS, min_size=1, max_size=3),
    st.just([[..., 1], [2, ...]]),
    st.just((1, ..., 2)),
)
VALUE_JUNK = st.one_of(NOT_NUMBERS, HUGE, STRINGS, ARRAYS, CONTAINERS)


def _returns(value):
    def learner(*args, **kwargs):
        return value

    return learner


def _raises(error):
    def learner(*args, **kwargs):
        raise error

    return learner


def _identity(*args, **kwargs):
    return args[0] if args else kwargs


def _no_arguments():
    return 1


def _recursion(*args):
    return _recursion(*args)


def _exits(*args):
    sys.exit(3)


def _generator(*args):
    yield 1


FUNCTION_JUNK = st.one_of(
    VALUE_JUNK,
    VALUE_JUNK.map(_returns),
    st.sampled_from(
        [
            _raises(ValueError("bad")),
            _raises(ZeroDivisionError()),
            _raises(BadError()),
            _raises(MemoryError()),
            _raises(RecursionError()),
            _identity,
            _no_arguments,
            _recursion,
            _exits,
            _generator,
            _returns(Hostile()),
            _returns(np.full((3, 3), math.nan)),
            _returns(True),
        ]
    ),
)


class FakeModel:
    """An object that looks like a compiled Keras model but holds a junk config."""

    compiled = True

    def __init__(self, config):
        self.config = config
        self.layers = []

    def get_compile_config(self):
        if isinstance(self.config, Exception):
            raise self.config
        return self.config


CONFIG_VALUES = st.one_of(NOT_NUMBERS, HUGE, STRINGS, st.lists(STRINGS, max_size=2), st.none())
MODEL_JUNK = st.one_of(
    VALUE_JUNK,
    st.dictionaries(
        st.sampled_from(["optimizer", "loss", "metrics", "loss_weights"]), CONFIG_VALUES, max_size=4
    ).map(FakeModel),
    st.sampled_from([FakeModel(RuntimeError("no config")), FakeModel([1, 2]), FakeModel(None)]),
)
DATA_JUNK = st.one_of(VALUE_JUNK, st.tuples(VALUE_JUNK, VALUE_JUNK), st.tuples(ARRAYS, st.just(np.arange(3))))

JUNK = {"value": VALUE_JUNK, "function": FUNCTION_JUNK, "model": MODEL_JUNK, "data": DATA_JUNK}


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------
def test_the_lesson_modules_are_found():
    names = {module.__name__.rsplit(".", 1)[1] for module in LESSON_MODULES}
    assert {"convolution_arithmetic", "padding_and_stride", "pooling", "parameter_counting"} <= names
    assert len(CHECKERS) >= 40


@pytest.mark.parametrize("checker", CHECKERS, ids=IDS)
def test_every_checker_is_registered(checker):
    kind = getattr(checker, "answer_kind", None)
    assert kind in ANSWER_KINDS, f"decorate {checker.__name__} with @checker (answer=...)"
    parameters = list(inspect.signature(checker).parameters.values())
    required = [p.name for p in parameters[1:] if p.default is inspect.Parameter.empty]
    extra = set(EXTRA_ARGUMENTS.get(checker.__name__, {}))
    assert set(required) <= extra, (
        f"register the arguments {required} of {checker.__name__} in EXTRA_ARGUMENTS"
    )
    assert inspect.signature(checker).return_annotation in (Feedback, "Feedback")
    assert checker.__doc__ and ">>> " in checker.__doc__, f"{checker.__name__} needs a doctest"


def assert_feedback_for_junk(checker, answer, seconds):
    started = time.monotonic()
    feedback = call(checker, answer)
    elapsed = time.monotonic() - started
    assert isinstance(feedback, Feedback)
    assert feedback.status in STATUSES and feedback.status != "correct", str(feedback)
    assert isinstance(feedback.message, str) and feedback.message.strip()
    assert elapsed < seconds, f"{checker.__name__} took {elapsed:.1f} s"
    return feedback


@pytest.mark.parametrize("checker", CHECKERS, ids=IDS)
@pytest.mark.parametrize("placeholder", [..., None])
def test_placeholders_are_never_correct(checker, placeholder):
    feedback = assert_feedback_for_junk(checker, placeholder, 2.0)
    assert feedback.status in ("unfinished", "invalid")


@pytest.mark.parametrize("checker", CHECKERS, ids=IDS)
def test_junk_gets_feedback_in_time_and_is_never_correct(checker):
    # a first call, untimed: a checker of Keras models imports Keras once (several seconds), as a
    # notebook that trains has already done; the time each piece of junk takes is what is measured
    call(checker, lambda *args, **kwargs: None)

    @given(answer=JUNK[checker.answer_kind])
    def run(answer):
        assert_feedback_for_junk(checker, answer, 2.0)

    run()


FUNCTION_CHECKERS = [c for c in CHECKERS if c.answer_kind == "function"]


def _forever(*args, **kwargs):
    while True:
        pass


def _swallows_everything(*args, **kwargs):
    while True:
        try:
            time.sleep(0.01)
        except Exception:  # a learner's catch-all does not stop the time limit
            pass


def _sleeps(*args, **kwargs):
    time.sleep(3600)


@pytest.mark.parametrize("learner", [_forever, _swallows_everything, _sleeps])
@pytest.mark.parametrize("checker", FUNCTION_CHECKERS, ids=lambda c: c.__name__)
def test_a_function_that_never_returns_is_stopped_and_reported(checker, learner):
    feedback = assert_feedback_for_junk(checker, learner, framework.TIME_LIMIT + 1.5)
    assert feedback.status == "wrong"
    assert f"did not finish within {framework.TIME_LIMIT:g} s" in feedback.message


def test_the_time_limit_leaves_an_outer_alarm_in_place():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *args: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 5.0)
        assert framework.run_with_time_limit(_forever, (), 0.1) == ("timeout", None)
        assert framework.run_with_time_limit(abs, (-2,), 1.0) == ("ok", 2)
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 3.0 < remaining <= 5.0  # the outer timer still runs, minus the time spent
        assert signal.getsignal(signal.SIGALRM) is not signal.SIG_DFL and not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_the_time_limit_works_off_the_main_thread():
    results = []
    worker = threading.Thread(target=lambda: results.append(framework.run_with_time_limit(_sleeps, (), 0.1)))
    worker.start()
    worker.join(5)
    assert results == [("timeout", None)]


def test_strict_mode_is_what_makes_these_tests_see_internal_errors():
    @framework.checker
    def check_broken(answer) -> Feedback:
        return {}["missing"]

    with pytest.raises(KeyError):
        check_broken(1)
    framework.STRICT = False
    try:
        feedback = check_broken(1)
    finally:
        framework.STRICT = True
    assert feedback.status == "invalid" and "KeyError" in feedback.message
