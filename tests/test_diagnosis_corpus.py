"""The diagnoser against careful readings of real Keras runs it was not written from.

``tests/data/diagnosis_corpus.json`` holds frozen copies of real training histories (the course's
stored runs as they were when the rules were rewritten, the held-out runs, and later batches), each
labelled independently by two readers from its numbers and curves, following lesson 07's
definitions. A run may support two readings (a validation loss that doubles while it jumps is both
overfitting and unstable): ``acceptable`` holds every verdict either reader accepts.

The bar: :func:`course_utils.engines.diagnosis.diagnose` gives an acceptable verdict on every run, and the
other readings it offers (``Diagnosis.also``, which the checkers accept) are acceptable too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course_tools.histories import HELDOUT_FILE
from course_utils.engines.diagnosis import VERDICTS, diagnose, load_histories

CORPUS_FILE = Path(__file__).parent / "data" / "diagnosis_corpus.json"
CORPUS = json.loads(CORPUS_FILE.read_text(encoding="utf-8"))
RUNS = CORPUS["runs"]


def test_the_corpus_is_large_labelled_and_covers_every_verdict():
    assert len(RUNS) > 100
    assert len({run["id"] for run in RUNS}) == len(RUNS)
    for run in RUNS:
        readers = run["readings"]
        assert len(readers) == 2 and all(reading["why"] for reading in readers.values())
        union = set().union(*(reading["verdicts"] for reading in readers.values()))
        assert sorted(union) == run["acceptable"] and union <= set(VERDICTS), run["id"]
        assert run["batch"] in CORPUS["batches"]
    # each verdict is the only acceptable reading of several runs: the corpus can tell them apart
    for verdict in VERDICTS:
        assert sum(run["acceptable"] == [verdict] for run in RUNS) >= 5, verdict
    # runs that record their training figures as the model predicts, and runs that do not
    assert sum("train_loss" in run["history"] for run in RUNS) >= 50
    assert sum("train_loss" not in run["history"] for run in RUNS) >= 100


@pytest.mark.parametrize("run", RUNS, ids=[run["id"] for run in RUNS])
def test_the_verdict_is_one_a_careful_reader_accepts(run):
    diagnosis = diagnose(run["history"])
    assert diagnosis.verdict in run["acceptable"], (diagnosis, run["readings"])
    assert set(diagnosis.also) <= set(run["acceptable"]), (diagnosis.also, run["readings"])


def test_the_held_out_runs_are_in_the_corpus():
    frozen = {json.dumps(run["history"], sort_keys=True) for run in RUNS}
    for run in json.loads(HELDOUT_FILE.read_text(encoding="utf-8"))["runs"]["heldout"]:
        assert json.dumps(run["history"], sort_keys=True) in frozen, run["name"]


def test_the_issue_readings_that_fixed_the_rules():
    """The readings the rules were rewritten for, by run: each must hold."""
    by_id = {run["id"]: run["history"] for run in RUNS}

    def verdict(run_id):
        return diagnose(by_id[run_id]).verdict

    # a clear rise wins over one spike
    assert verdict("runs_08/remedies/L2 1e-4") == "overfitting"
    assert verdict("runs_08/remedies/batch 16") == "overfitting"
    assert verdict("capstone_09/head/Flatten + Dense, 200 images") == "overfitting"
    # a rise at the end of a smooth curve, and a gap of 0.3% against 6.2%
    assert verdict("runs_08/remedies/batch 256") == "overfitting"
    assert verdict("runs_08/architecture/pool 3") == "overfitting"
    assert verdict("runs_08/architecture/1 stages") == "overfitting"
    assert verdict("histories_07/data_sweep/800 images") == "overfitting"
    assert verdict("histories_07/data_sweep/1600 images") == "overfitting"
    # 0.002 -> 0.003 is not a rise
    assert verdict("capstone_09/data/5 stages, 200 images") == "good fit"
    assert verdict("capstone_09/data/5 stages, 2,000 images") == "good fit"
    # a negative gap (dropout on while training is measured) is not "close together"
    assert verdict("histories_07/clinic/H") != "underfitting"
    # a validation loss that doubles while it jumps: both readings
    assert set(diagnose(by_id["histories_07/clinic/E"]).acceptable) == {"unstable", "overfitting"}


def test_every_stored_run_a_lesson_reads_is_labelled_in_the_corpus():
    """A re-made stored file must be labelled again (a new batch) before the lessons read it."""
    frozen = {json.dumps(run["history"], sort_keys=True) for run in RUNS}
    stored = load_histories()
    for group, runs in stored["runs"].items():
        for run in runs:
            assert json.dumps(run["history"], sort_keys=True) in frozen, f"histories_07 {group}/{run['name']}"
