"""course_utils.engines.comparisons: seeds and many comparisons, checked against lesson 05's interval and by simulation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_utils.core.metrics import accuracy_difference_interval
from course_utils.engines.comparisons import chance_findings, comparison_confidence, seeds_difference_interval


@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=2, max_size=200))
def test_one_run_each_is_lesson_05s_paired_interval(pairs):
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    ours, theirs = seeds_difference_interval([a], [b]), accuracy_difference_interval(a, b)
    assert ours.estimate == pytest.approx(theirs.estimate)
    assert ours.standard_error == pytest.approx(theirs.standard_error)
    assert ours.z == pytest.approx(theirs.z)


def test_the_estimate_is_the_difference_of_the_mean_accuracies():
    rng = np.random.default_rng(0)
    a, b = rng.random((3, 500)) < 0.9, rng.random((5, 500)) < 0.95
    interval = seeds_difference_interval(a, b)
    assert interval.estimate == pytest.approx(b.mean() - a.mean())


def test_many_comparisons_widen_each_interval_as_bonferroni_says():
    assert comparison_confidence(0.95, 10) == pytest.approx(0.995)
    a = np.array([[True] * 80 + [False] * 20])
    b = np.array([[True] * 70 + [False] * 5 + [True] * 25])
    one, thirteen = seeds_difference_interval(a, b), seeds_difference_interval(a, b, comparisons=13)
    assert thirteen.standard_error == one.standard_error and thirteen.z > one.z
    assert thirteen.confidence == pytest.approx(1 - 0.05 / 13)
    assert any("13 comparisons" in note for note in thirteen.notes)
    assert chance_findings(13) == pytest.approx(0.65)


def test_coverage_by_simulation_two_identical_setups():
    """Two setups that are the same: the interval holds 0 about 95% of the time."""
    rng = np.random.default_rng(1)
    difficulty = rng.random(800)  # some images are hard for every run
    hits = 0
    trials = 400
    for _ in range(trials):
        a = rng.random((3, 800)) > difficulty * 0.2
        b = rng.random((3, 800)) > difficulty * 0.2
        hits += seeds_difference_interval(a, b).contains(0)
    assert 0.91 <= hits / trials <= 0.99


@pytest.mark.parametrize(
    "a, b, error, fragment",
    [
        ("runs", [[True]], TypeError, "correct_a"),
        ([[True, False]], [[True]], ValueError, "same images"),
        ([[0.5, 1.0]], [[True, False]], ValueError, "True/False"),
        ([[2, 1]], [[True, False]], ValueError, "True/False"),
        ([[[True]]], [[True]], ValueError, "2-D"),
        ([[True, True], [True]], [[True, True]], ValueError, "same length"),
    ],
)
def test_bad_runs_are_refused_by_name(a, b, error, fragment):
    with pytest.raises(error, match=fragment):
        seeds_difference_interval(a, b)


@pytest.mark.parametrize("comparisons", [0, 1.5, True, -3])
def test_bad_comparisons_are_refused(comparisons):
    with pytest.raises(ValueError, match="comparisons"):
        seeds_difference_interval([[True, False]], [[False, True]], comparisons=comparisons)
