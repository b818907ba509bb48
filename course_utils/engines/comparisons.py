"""Comparing training setups honestly: several seeds each, and many comparisons at once.

Lesson 05 compares two trained models on the same test images with a paired interval
(:func:`course_utils.core.metrics.accuracy_difference_interval`). Two things make that harder when
the question is "does this *setup* (a remedy, a design) do better than that one?":

- **Seeds.** Another seed gives another model. A setup is measured by training it from several
  seeds; :func:`seeds_difference_interval` compares the **means over seeds** of two setups,
  image by image on the same images: for each image, the share of B's runs that get it right
  minus the share of A's runs. With one run each, it is exactly lesson 05's paired interval.
- **Many comparisons.** Thirteen remedies compared with one baseline at 95% each give, by chance
  alone, about 0.65 "real" differences where there are none (:func:`chance_findings`). Widening each
  interval to ``1 - (1 - confidence) / comparisons`` (Bonferroni) keeps the chance of even one
  false finding in the whole table under ``1 - confidence``.

Examples
--------
>>> a = [[True, True, False, True], [True, False, False, True]]   # setup A, two seeds, 4 images
>>> b = [[True, True, True, True], [True, True, False, True]]     # setup B, two seeds
>>> round(seeds_difference_interval(a, b).estimate, 3)
0.25
>>> round(chance_findings(13), 2)
0.65
"""

from __future__ import annotations

import math

import numpy as np

from course_utils.core._constraints import Count, Real, Satisfies, validate_arguments
from course_utils.core._validation import describe
from course_utils.core.metrics import FEWEST_FOR_NORMAL, ConfidenceInterval

__all__ = ["MAX_RUNS", "chance_findings", "comparison_confidence", "seeds_difference_interval"]

MAX_RUNS = 1000
"""The most runs (seeds) one setup may bring to a comparison."""
MAX_COMPARISONS = 10**6
CONFIDENCE = Real(0, 1, min_inclusive=False, max_inclusive=False)
"""``confidence``: of the whole table of comparisons, between 0 and 1 (both excluded)."""
COMPARISONS = Count(min=1, max=MAX_COMPARISONS)
"""``comparisons``: how many comparisons the table makes."""


@validate_arguments(confidence=CONFIDENCE, comparisons=COMPARISONS)
def comparison_confidence(confidence: float = 0.95, comparisons: int = 1) -> float:
    """The confidence each of ``comparisons`` intervals needs so that all hold together (Bonferroni).

    Examples
    --------
    >>> comparison_confidence(0.95, 1)
    0.95
    >>> round(comparison_confidence(0.95, 13), 5)
    0.99615
    """
    return 1 - (1 - confidence) / comparisons


@validate_arguments(comparisons=COMPARISONS, confidence=CONFIDENCE)
def chance_findings(comparisons: int, confidence: float = 0.95) -> float:
    """How many of ``comparisons`` intervals miss a true difference of 0 by chance alone, on average.

    Examples
    --------
    >>> round(chance_findings(20), 6)
    1.0
    """
    return comparisons * (1 - confidence)


def _runs(name: str, value) -> np.ndarray:
    """A 2-D bool array: one row per run, one column per image (a single run may be 1-D)."""
    if isinstance(value, (str, bytes, dict)) or value is None:
        raise TypeError(
            f"{name} must be a list of runs, each a sequence of True/False per image, got {describe(value)}."
        )
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be runs of the same length, one True/False per image, got {describe(value)}."
        ) from None
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError(f"{name} must be runs of one True/False per image (2-D), got {describe(value)}.")
    if array.dtype.kind == "b":
        return array
    if array.dtype.kind in "iu" and np.isin(array, (0, 1)).all():
        return array.astype(bool)
    raise ValueError(f"{name} must hold True/False (or 1/0) per image, got values of dtype {array.dtype}.")


def _setup_runs(name: str) -> Satisfies:
    """One setup's runs (:func:`_runs`), at most ``MAX_RUNS`` of them."""

    def read(value):
        runs = _runs(name, value)
        if len(runs) > MAX_RUNS:
            raise ValueError(f"{name} may hold at most {MAX_RUNS} runs, got {len(runs)}.")
        return runs

    return Satisfies(
        read,
        f"a list of at most {MAX_RUNS} runs, each a sequence of True/False per image",
        valid=lambda: [[True, False, True, True], [True, True, False, True]],
        invalid=[[], [[]], [[0.5, 1.0]], [[2, 0]], {"a": [True]}, [[True]] * (MAX_RUNS + 1)],
    )


@validate_arguments(
    correct_a=_setup_runs("correct_a"),
    correct_b=_setup_runs("correct_b"),
    confidence=CONFIDENCE,
    comparisons=COMPARISONS,
)
def seeds_difference_interval(correct_a, correct_b, *, comparisons: int = 1, confidence: float = 0.95):
    """How sure the difference between two setups' mean accuracies over seeds is, on the same images.

    Parameters
    ----------
    correct_a, correct_b : sequence of runs, or 2-D array
        Setup A's (B's) runs, one row per seed, each one True/False per image, the images in
        the same order for every run of both setups. A single run may be given as one row.
    comparisons : int, default=1
        How many comparisons the table this one belongs to makes: each interval is then
        widened to :func:`comparison_confidence` (Bonferroni), so that the whole table holds
        with ``confidence``.
    confidence : float, default=0.95

    Returns
    -------
    ConfidenceInterval
        Of B's mean accuracy minus A's. The standard error is that of the mean over images of
        ``d`` (per image: the share of B's runs right minus the share of A's): the images are
        the sample. It says how far another set of images could move the difference; the
        seeds' own spread is reported beside it, not inside it.

    Raises
    ------
    ValueError
        If the runs have different numbers of images, or are not True/False per image.

    Examples
    --------
    >>> from course_utils.core.metrics import accuracy_difference_interval
    >>> a = [True] * 90 + [False] * 10
    >>> b = [True] * 85 + [False] * 3 + [True] * 10 + [False] * 2
    >>> one = seeds_difference_interval([a], [b])
    >>> two = accuracy_difference_interval(a, b)   # one run each: lesson 05's paired interval
    >>> (round(one.estimate, 4), round(one.standard_error, 6)) == (round(two.estimate, 4), round(two.standard_error, 6))
    True
    >>> seeds_difference_interval([a], [b], comparisons=13).half_width > two.half_width
    True
    """
    a, b = correct_a, correct_b
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"correct_a and correct_b must hold one value per image each, the same images in the same order; "
            f"got {a.shape[1]:,} and {b.shape[1]:,} images."
        )
    per_comparison = comparison_confidence(confidence, comparisons)
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - (1 - per_comparison) / 2)
    d = b.mean(axis=0) - a.mean(axis=0)
    n = len(d)
    estimate = float(d.mean())
    standard_error = float(math.sqrt(max(0.0, float(np.mean((d - estimate) ** 2)))) / math.sqrt(n))
    notes = []
    disagree = int(np.sum(d != 0))
    if disagree < FEWEST_FOR_NORMAL:
        notes.append(
            f"the setups disagree on {disagree} of {n:,} images: the normal approximation needs at least "
            f"{FEWEST_FOR_NORMAL}, so the interval is only rough."
        )
    if comparisons > 1:
        notes.append(
            f"widened for {comparisons} comparisons (Bonferroni): each at {per_comparison:.2%}, the table at "
            f"{confidence:.0%}."
        )
    return ConfidenceInterval.around(
        estimate, standard_error, z, lowest=-1.0, confidence=per_comparison, n=n, notes=notes
    )
