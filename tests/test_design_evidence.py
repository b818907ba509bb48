"""Lesson 09's rule for reading designs from several seeds (course_utils.engines.design_evidence), by hand.

The runs are stored runs of ``./course capstone`` (their histories are real ones, so that lesson 07's
``diagnose`` reads them as it does in the lesson), with their right answers and their epochs
replaced to make each case of the rule.
"""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_utils.checks.capstone import RESULTS_FILE
from course_utils.engines.design_evidence import (
    accuracies,
    compare_designs,
    never_started,
    pack_correct,
    right_answers,
    seed_spread,
    unfinished,
    verdict_letters,
)

DOCUMENT = json.loads(RESULTS_FILE.read_text(encoding="utf-8"))
PATIENCE = DOCUMENT["setup"]["training"]["patience"]


def stored(group, name):
    runs = [run for run in DOCUMENT["runs"].values() if (run["group"], run["name"]) == (group, name)]
    return sorted(runs, key=lambda run: run["seed"])


FINISHED = stored("depth", "4 stages")[0]  # early stopping ended it; diagnose: a good fit
assert not FINISHED["reached_cap"] and verdict_letters([FINISHED]) == "G"


def run_with(correct, *, capped_at_best=False, base=FINISHED):
    """A finished run with these right answers; ``capped_at_best``: the cap stopped it at its best epoch."""
    run = copy.deepcopy(base)
    correct = np.asarray(correct, dtype=bool)
    run["validation"] = {
        "accuracy": float(correct.mean()),
        "images": len(correct),
        "correct": pack_correct(correct),
    }
    if capped_at_best:
        run["reached_cap"], run["best_epoch"] = True, run["epochs"]
    return run


def design(share, seeds=3, n=1000, offset=0, **kwargs):
    """Seeds that each get the first ``share`` of the images right (shifted by ``offset`` per seed)."""
    rows = []
    for seed in range(seeds):
        correct = np.zeros(n, dtype=bool)
        correct[: int(share * n) + seed * offset] = True
        rows.append(run_with(correct, **kwargs))
    return rows


def by_hand(reference, runs, comparisons=1):
    d = np.mean([right_answers(r) for r in runs], axis=0) - np.mean(
        [right_answers(r) for r in reference], axis=0
    )
    z = {1: 1.959964, 2: 2.241403, 3: 2.393980}[comparisons]
    return d.mean(), z * d.std() / math.sqrt(len(d))  # the standard error as seeds_difference_interval has it


@given(st.lists(st.booleans(), min_size=1, max_size=200))
def test_pack_and_unpack_round_trip(correct):
    run = {"validation": {"accuracy": 0.5, "images": len(correct), "correct": pack_correct(correct)}}
    assert right_answers(run).tolist() == correct


def test_a_settled_loss_is_yes_and_its_interval_is_the_paired_one_over_seeds():
    good, poor = design(0.9), design(0.6)
    comparison = compare_designs(good, poor, patience=PATIENCE, comparisons=3)
    estimate, half_width = by_hand(good, poor, comparisons=3)
    assert comparison.interval.estimate == pytest.approx(estimate)
    assert comparison.interval.half_width == pytest.approx(half_width, rel=1e-4)
    assert comparison.verdict == "yes" and comparison.spreads == (0.0, 0.0)


def test_inside_the_noise_between_finished_designs_is_no():
    assert compare_designs(design(0.9), design(0.901), patience=PATIENCE).verdict == "no"


def test_a_difference_smaller_than_the_seed_spread_is_not_yes():
    """Beyond its interval on the images, but the seeds of one design disagree by more: not settled as yes."""
    reference, spread_out = design(0.9), design(0.85, offset=30)  # 0.850, 0.880, 0.910
    comparison = compare_designs(reference, spread_out, patience=PATIENCE)
    assert not comparison.interval.contains(0) and abs(comparison.interval.estimate) < seed_spread(spread_out)
    assert comparison.verdict == "no"


def test_a_gain_over_an_unfinished_design_is_unsettled_and_a_gain_of_one_holds():
    finished, still_learning = design(0.9), design(0.6, capped_at_best=True)
    assert unfinished(still_learning, patience=PATIENCE) == 3
    assert compare_designs(finished, still_learning, patience=PATIENCE).verdict == "unsettled"
    ahead = design(0.95, capped_at_best=True)
    assert compare_designs(finished, ahead, patience=PATIENCE).verdict == "yes"
    # and inside the noise, an unfinished design on either side leaves it unsettled
    assert (
        compare_designs(finished, design(0.9, capped_at_best=True), patience=PATIENCE).verdict == "unsettled"
    )


def test_never_started_and_not_converged_runs_count_as_unfinished():
    chance = run_with(np.arange(1000) % 2 == 0)
    chance["history"]["train_accuracy"] = [0.5] * len(chance["history"]["train_accuracy"])
    assert never_started(chance) and unfinished([chance], patience=PATIENCE) == 1
    learned_but_poor = run_with(np.arange(1000) % 2 == 0)  # below 0.6, yet it fitted its training images
    assert not never_started(learned_but_poor) and unfinished([learned_but_poor], patience=PATIENCE) == 0
    not_converged = [run for runs in (stored("pooling", "no pooling"),) for run in runs]
    assert verdict_letters(not_converged) == "NNN" and unfinished(not_converged, patience=PATIENCE) == 3


def test_a_cap_reached_long_after_the_best_epoch_is_finished():
    run = copy.deepcopy(FINISHED)
    run["reached_cap"], run["best_epoch"] = True, run["epochs"] - PATIENCE
    assert unfinished([run], patience=PATIENCE) == 0
    run["best_epoch"] += 1
    assert unfinished([run], patience=PATIENCE) == 1


def test_the_lessons_settled_findings():
    """The stored runs give the verdicts lesson 09 reads (its asserts check the rest)."""
    head = compare_designs(stored("head", "GAP, 250 canvases"), stored("head", "Flatten + Dense, 250 canvases"),
                           patience=PATIENCE)  # fmt: skip
    assert head.verdict == "yes" and head.interval.estimate < -0.3
    plain = compare_designs(stored("residual", "plain"), stored("residual", "residual"), patience=PATIENCE)
    assert plain.verdict == "no"
    assert accuracies(stored("depth", "4 stages")) == pytest.approx([0.95, 0.95, 0.95], abs=0.01)


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: compare_designs({"a": 1}, design(0.9), patience=PATIENCE), "reference should be a list"),
        (lambda: compare_designs([], design(0.9), patience=PATIENCE), "reference is empty"),
        (lambda: compare_designs(design(0.9), [{"validation": {}}], patience=PATIENCE), "'accuracy'"),
        (lambda: compare_designs(design(0.9), design(0.8), patience=0), "patience"),
        (lambda: compare_designs(design(0.9), design(0.8, n=500), patience=PATIENCE), "images"),
        (lambda: right_answers(FINISHED, part="train"), "part must be one of"),
        (lambda: unfinished([{"validation": FINISHED["validation"]}], patience=PATIENCE), "lacks 'epochs'"),
        (lambda: pack_correct([1, 0, 1]), "True/False"),
        (
            lambda: right_answers({"validation": {"accuracy": 1, "images": 9, "correct": "ff"}}),
            "fewer than its 9",
        ),
        (lambda: right_answers({"validation": {"accuracy": 1, "images": 8, "correct": "zz"}}), "hex string"),
    ],
)
def test_bad_input_is_named(call, fragment):
    with pytest.raises((TypeError, ValueError), match=None) as error:
        call()
    assert fragment in str(error.value)
