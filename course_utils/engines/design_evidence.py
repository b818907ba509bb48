"""Which differences between two designs hold: lesson 09's rule for runs from several seeds.

Each design is trained from several seeds, with early stopping on a validation set up to an
epoch cap, and every run stores which validation images it got right. Two designs are compared
on the same images with :func:`course_utils.engines.comparisons.seeds_difference_interval`; the rule
then reads the interval together with what the runs say about themselves:

- **"yes"**: the interval leaves out 0, the difference is larger than either design's seed
  spread, and the worse design's runs had finished (more training could only raise the worse
  design, so a gain *over* an unfinished design is not settled; a gain *of* one is);
- **"no"**: the difference is inside the noise and both designs had finished;
- **"unsettled"**: everything else.

A run has not finished (:func:`unfinished`) when the epoch cap stopped it before early stopping
would have (its best epoch among the last ``patience`` epochs), when lesson 07's
:func:`~course_utils.engines.diagnosis.diagnose` reads it as not converged, or when it never left
chance (below ``0.6`` on validation while never above ``0.65`` on its own training images).

A stored run is a dict with, at least::

    {"epochs": 31, "best_epoch": 25, "reached_cap": False,
     "history": {"loss": [...], "val_loss": [...], "train_accuracy": [...], ...},
     "validation": {"accuracy": 0.953, "images": 1000, "correct": "<hex, 8 images a byte>"}}

as ``./course capstone`` stores them (``course_utils/data_files/capstone_09.json``).

Examples
--------
>>> def run(correct, best=5, epochs=10, cap=False):
...     flat = {"loss": [1.0] * epochs, "val_loss": [1.0] * epochs}
...     packed = bytes.fromhex(pack_correct(correct))
...     return {"epochs": epochs, "best_epoch": best, "reached_cap": cap,
...             "history": {**flat, "train_accuracy": [0.9] * epochs},
...             "validation": {"accuracy": sum(correct) / len(correct), "images": len(correct),
...                            "correct": packed.hex()}}
>>> good = [run([True] * 90 + [False] * 10) for _ in range(3)]
>>> poor = [run([True] * 60 + [False] * 40) for _ in range(3)]
>>> compare_designs(good, poor, patience=3).verdict   # 30 points worse, every run finished
'yes'
>>> compare_designs(good, [run([True] * 60 + [False] * 40, best=10, cap=True)] * 3, patience=3).verdict
'unsettled'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from course_utils.core._constraints import Count, Option, Satisfies, validate_arguments
from course_utils.core._validation import (
    check_bool,
    check_int,
    check_real,
    check_series,
    describe,
)
from course_utils.core.metrics import ConfidenceInterval
from course_utils.engines.comparisons import MAX_COMPARISONS, seeds_difference_interval

__all__ = [
    "DesignComparison",
    "VERDICT_LETTERS",
    "accuracies",
    "compare_designs",
    "never_started",
    "pack_correct",
    "right_answers",
    "seed_spread",
    "unfinished",
    "verdict_letters",
]

CHANCE_VALIDATION = 0.6
"""A run below this validation accuracy ... (see :func:`never_started`)."""
CHANCE_TRAINING = 0.65
"""... and never above this accuracy on its own training images never left chance."""
VERDICT_LETTERS = {
    "overfitting": "O",
    "good fit": "G",
    "underfitting": "U",
    "not converged": "N",
    "unstable": "S",
}
"""One letter for each of :func:`~course_utils.engines.diagnosis.diagnose`'s verdicts, for tables."""
PARTS = ("validation", "test")


@dataclass(frozen=True)
class DesignComparison:
    """A design against a reference: the paired interval over seeds, the seed spreads and the verdict.

    Attributes
    ----------
    interval : ConfidenceInterval
        Of the design's mean accuracy minus the reference's, on the same images.
    spreads : tuple of float
        The seed-to-seed standard deviation of the reference's accuracies, then the design's.
    verdict : str
        ``"yes"``, ``"no"`` or ``"unsettled"`` (see the module's rule).
    """

    interval: ConfidenceInterval
    spreads: tuple[float, float]
    verdict: str


def _record(name: str, run, part: str = "validation") -> dict:
    """A stored run, its ``part`` scores checked and made plain Python numbers; a learner-grade error otherwise."""
    if not isinstance(run, Mapping):
        raise TypeError(
            f"{name} should be a stored run (a dict such as capstone_09.json holds); got {describe(run)}."
        )
    _real_throughout(name, run)
    scores = run.get(part)
    if not isinstance(scores, Mapping) or not {"accuracy", "images", "correct"} <= set(scores):
        raise ValueError(
            f"{name} should have a {part!r} entry with 'accuracy', 'images' and 'correct'; got {describe(scores)}."
        )
    checked = {
        "accuracy": check_real(f"{name}[{part!r}]['accuracy']", scores["accuracy"], 0, 1),
        "images": check_int(f"{name}[{part!r}]['images']", scores["images"], minimum=1),
        "correct": scores["correct"],
    }
    return {**run, part: checked}


def _real_throughout(name: str, value) -> None:
    """Refuse a stored run holding a complex number anywhere: the file stores real numbers only."""
    if isinstance(value, (complex, np.complexfloating)) or (
        isinstance(value, np.ndarray) and value.dtype.kind == "c"
    ):
        raise TypeError(f"{name} should hold real numbers; got {describe(value)}.")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _real_throughout(f"{name}[{key!r}]", item)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _real_throughout(f"{name}[{i}]", item)


TRAINING_KEYS = ("epochs", "best_epoch", "reached_cap", "history")


def _trained(name: str, run) -> dict:
    """A stored run with what :func:`unfinished` reads, checked: its epochs, best epoch, cap and history."""
    run = _record(name, run)
    missing = [key for key in TRAINING_KEYS if key not in run]
    if missing:
        raise ValueError(
            f"{name} should have {', '.join(map(repr, TRAINING_KEYS))}; it lacks {', '.join(map(repr, missing))}."
        )
    epochs = check_int(f"{name}['epochs']", run["epochs"], minimum=1)
    best = check_int(f"{name}['best_epoch']", run["best_epoch"], minimum=1, maximum=epochs)
    capped = check_bool(f"{name}['reached_cap']", run["reached_cap"])
    return {
        **run,
        "epochs": epochs,
        "best_epoch": best,
        "reached_cap": capped,
        "history": _history(name, run),
    }


def _history(name: str, run) -> dict:
    """The run's history with its training accuracy checked (one real number per epoch)."""
    history = run.get("history")
    if not isinstance(history, Mapping) or "train_accuracy" not in history:
        raise ValueError(
            f"{name}['history'] should hold 'train_accuracy', one per epoch; got {describe(history)}."
        )
    return {
        **history,
        "train_accuracy": check_series(f"{name}['history']['train_accuracy']", history["train_accuracy"]),
    }


def _verdict(name: str, run) -> str:
    """Lesson 07's verdict on a run's history, its letter; a history diagnose refuses is named as the run's."""
    from course_utils.engines.diagnosis import diagnose

    try:
        return VERDICT_LETTERS[diagnose(_history(name, run)).verdict]
    except (TypeError, ValueError) as error:
        raise type(error)(f"{name}['history'] cannot be diagnosed: {error}") from None


def _runs(name: str, runs) -> list:
    """A design's runs: a non-empty list of stored runs (one per seed), each checked."""
    if isinstance(runs, Mapping) or not isinstance(runs, Sequence) or isinstance(runs, (str, bytes)):
        raise TypeError(f"{name} should be a list of stored runs, one per seed; got {describe(runs)}.")
    if not runs:
        raise ValueError(f"{name} is empty: it should hold the stored runs of a design, one per seed.")
    return [_record(f"{name}[{i}]", run) for i, run in enumerate(runs)]


def _trained_runs(name: str, runs) -> list:
    """A design's runs, each with what :func:`unfinished` reads checked."""
    return [_trained(f"{name}[{i}]", run) for i, run in enumerate(_runs(name, runs))]


def _example_run() -> dict:
    """A stored run as capstone_09.json holds one: a valid value of the constraints below."""
    return {
        "validation": {"accuracy": 0.75, "images": 8, "correct": "ee"},
        "epochs": 4,
        "best_epoch": 4,
        "reached_cap": False,
        "history": {
            "loss": [1.0, 0.8, 0.7, 0.65],
            "val_loss": [1.1, 0.9, 0.8, 0.75],
            "train_accuracy": [0.5, 0.6, 0.7, 0.75],
        },
    }


_NOT_RUNS = [{}, [], [3], [{"validation": {}}], "runs"]


def _design(name: str) -> Satisfies:
    """A design's stored runs, one per seed (``name`` is the argument the messages name)."""
    return Satisfies(
        partial(_runs, name),
        "a list of stored runs, one per seed",
        valid=lambda: [_example_run()],
        invalid=_NOT_RUNS,
    )


def _trained_design(name: str) -> Satisfies:
    """A design's stored runs with their epochs, best epoch, cap and history."""
    return Satisfies(
        partial(_trained_runs, name),
        "a list of stored runs with their training records, one per seed",
        valid=lambda: [_example_run()],
        invalid=[*_NOT_RUNS, [{"validation": {"accuracy": 0.5, "images": 8, "correct": "ff"}}]],
    )


RUN = Satisfies(
    partial(_record, "run"),
    "a stored run",
    valid=_example_run,
    invalid=[[], {"validation": 0.5}, {"test": {}}],
)
"""One stored run, with its validation scores."""


def _correct(correct) -> np.ndarray:
    try:
        values = np.asarray(correct)
    except (TypeError, ValueError):  # ragged or otherwise not an array
        values = None
    if values is None or values.ndim != 1 or values.dtype != bool or not len(values):
        raise TypeError(
            f"correct should be a 1-D sequence of True/False, one per image; got {describe(correct)}."
        )
    return values


@validate_arguments(
    correct=Satisfies(
        _correct, "a 1-D sequence of True/False", valid=[True, False], invalid=[[], [1, 0], [[True]]]
    )
)
def pack_correct(correct) -> str:
    """Per-image right/wrong answers as a hex string (8 images a byte), as the runs are stored.

    Examples
    --------
    >>> pack_correct([True, False, True, True, False])
    'b0'
    """
    return np.packbits(correct).tobytes().hex()


@validate_arguments(part=Option(*PARTS))
def right_answers(run, part: str = "validation") -> np.ndarray:
    """Which images of ``part`` a stored run got right (True/False, one per image).

    Examples
    --------
    >>> right_answers({"validation": {"accuracy": 0.6, "images": 5, "correct": "b0"}}).tolist()
    [True, False, True, True, False]
    """
    scores = _record("run", run, part)[part]
    images = check_int(f"run[{part!r}]['images']", scores["images"], minimum=1)
    try:
        packed = bytes.fromhex(scores["correct"])
    except (TypeError, ValueError):
        raise ValueError(
            f"run[{part!r}]['correct'] should be a hex string, 8 images a byte; got {describe(scores['correct'])}."
        ) from None
    if len(packed) * 8 < images:
        raise ValueError(
            f"run[{part!r}]['correct'] holds {len(packed) * 8} answers, fewer than its {images} images."
        )
    return np.unpackbits(np.frombuffer(packed, dtype=np.uint8))[:images].astype(bool)


@validate_arguments(runs=_design("runs"))
def accuracies(runs) -> np.ndarray:
    """The validation accuracy of each seed's run.

    Examples
    --------
    >>> accuracies([{"validation": {"accuracy": 0.9, "images": 10, "correct": "ff"}}] * 2).tolist()
    [0.9, 0.9]
    """
    return np.array([float(run["validation"]["accuracy"]) for run in runs])


@validate_arguments(runs=_design("runs"))
def seed_spread(runs) -> float:
    """The seed-to-seed standard deviation of the runs' validation accuracies (0 for one run)."""
    values = accuracies(runs)
    return float(values.std(ddof=1)) if len(values) > 1 else 0.0


@validate_arguments(runs=_design("runs"))
def verdict_letters(runs) -> str:
    """Lesson 07's verdict on each run, one letter each (:data:`VERDICT_LETTERS`), e.g. ``'GGO'``."""
    return "".join(_verdict(f"runs[{i}]", run) for i, run in enumerate(runs))


@validate_arguments(run=RUN)
def never_started(run) -> bool:
    """Whether a run never left chance: below 0.6 on validation and never above 0.65 in training.

    Examples
    --------
    >>> never_started({"validation": {"accuracy": 0.5, "images": 8, "correct": "0f"},
    ...                "history": {"train_accuracy": [0.5, 0.52, 0.51]}})
    True
    """
    accuracy, trained = run["validation"]["accuracy"], float(_history("run", run)["train_accuracy"].max())
    return bool(accuracy < CHANCE_VALIDATION and trained < CHANCE_TRAINING)


def _still_improving(run, patience: int) -> bool:
    """Stopped by the epoch cap while its best epoch was among the last ``patience`` epochs."""
    return bool(run["reached_cap"]) and run["best_epoch"] > run["epochs"] - patience


@validate_arguments(runs=_trained_design("runs"), patience=Count())
def unfinished(runs, *, patience: int) -> int:
    """How many of a design's runs may still gain: still improving at the cap, not converged, or never started.

    Parameters
    ----------
    runs : list of dict
        The design's stored runs, one per seed.
    patience : int
        The early stopping's patience the runs were trained with.
    """
    letters = [_verdict(f"runs[{i}]", run) for i, run in enumerate(runs)]
    return sum(
        _still_improving(run, patience) or letter == "N" or never_started(run)
        for run, letter in zip(runs, letters)
    )


@validate_arguments(
    reference=_trained_design("reference"),
    runs=_trained_design("runs"),
    patience=Count(),
    comparisons=Count(1, MAX_COMPARISONS),
)
def compare_designs(reference, runs, *, patience: int, comparisons: int = 1) -> DesignComparison:
    """Does a design differ from a reference beyond its noise? The lesson's rule (see the module).

    Parameters
    ----------
    reference, runs : list of dict
        The reference design's stored runs and the compared design's, one per seed, each with
        its right answers on the same validation images.
    patience : int
        The early stopping's patience the runs were trained with.
    comparisons : int, default=1
        How many designs the table compares with the reference: the interval is widened for
        them (:func:`course_utils.engines.comparisons.seeds_difference_interval`).

    Returns
    -------
    DesignComparison
    """
    interval = seeds_difference_interval(
        [right_answers(run) for run in reference],
        [right_answers(run) for run in runs],
        comparisons=comparisons,
    )
    spreads = (seed_spread(reference), seed_spread(runs))
    if not interval.contains(0) and abs(interval.estimate) > max(spreads):
        worse = runs if interval.estimate < 0 else reference
        verdict = "unsettled" if unfinished(worse, patience=patience) else "yes"
    else:
        either = unfinished(runs, patience=patience) or unfinished(reference, patience=patience)
        verdict = "unsettled" if either else "no"
    return DesignComparison(interval, spreads, verdict)
