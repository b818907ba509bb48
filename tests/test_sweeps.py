"""Lesson 08's stored runs: the file holds every run the code describes, made by the command it names."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from course_tools import sweeps
from course_tools.run_store import run_key
from course_utils.engines.diagnosis import load_histories
from course_utils.engines.stored_runs import load_sweeps


@pytest.fixture(scope="module")
def stored():
    return load_histories(sweeps.RUNS_FILE)


def test_the_file_holds_every_run_with_the_settings_the_code_gives(stored):
    assert stored["made_by"]["command"] == "./course sweeps"
    assert list(stored["runs"]) == sweeps.keys()
    for group, runs in sweeps.GROUPS.items():
        for run in runs:
            saved = stored["runs"][run_key(group, run.name, run.seed)]
            assert (saved["group"], saved["name"], saved["seed"]) == (group, run.name, run.seed)
            assert saved["settings"] == run.settings(), run.name


def test_each_stored_run_is_consistent(stored):
    for key, run in stored["runs"].items():
        h = run["history"]
        assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(h), key
        assert len(h["loss"]) <= run["settings"]["epochs"], key
        cm = np.array(run["confusion"])
        assert cm.shape == (10, 10) and cm.sum() == 800 == len(run["val_correct"]), key
        # the confusion matrix and the per-image record agree on the accuracy
        assert np.trace(cm) == run["val_correct"].count("1"), key
        assert run["val_accuracy"] == pytest.approx(np.trace(cm) / 800, abs=1e-6), key
        assert 0 < run["cpu_seconds"] and 0 < run["seconds"], key


def test_load_groups_the_seeds_of_each_run(stored):
    grouped = load_sweeps()["groups"]
    assert list(grouped) == list(sweeps.GROUPS)
    for group, runs in sweeps.GROUPS.items():
        for run in runs:
            assert run.seed in [saved["seed"] for saved in grouped[group][run.name]], run.name


@pytest.mark.slow
def test_models_have_the_stored_parameter_counts(stored, keras):
    seen = set()
    for group, runs in sweeps.GROUPS.items():
        for run in runs:
            if (group, run.name) in seen:  # the seeds of one run share its model
                continue
            seen.add((group, run.name))
            saved = stored["runs"][run_key(group, run.name, run.seed)]
            assert sweeps.build_model(run).count_params() == saved["params"], run.name
            keras.backend.clear_session()


@pytest.mark.slow
def test_a_short_run_trains_and_reports_what_the_file_stores(keras, stored):
    import course_utils

    course_utils.setup(keras=True, verbose=False)
    (x, y), (x_val, y_val) = sweeps.data()
    run = dataclasses.replace(
        sweeps.GROUPS["labels"][0], n_train=128, epochs=1, schedule="cosine", patience=1
    )
    result = sweeps.train(run, ((x, y), (x_val, y_val)))
    some_stored = next(iter(stored["runs"].values()))
    assert set(result) == set(some_stored) - {"group", "name", "seed", "description", "settings"}
    assert len(result["history"]["loss"]) == 1 and len(result["val_correct"]) == len(y_val)


@pytest.mark.parametrize(
    "field, value", [("augment", "mixup"), ("dropout_place", "input"), ("schedule", "step")]
)
def test_an_unknown_setting_is_refused(field, value):
    with pytest.raises(ValueError, match=field):
        sweeps._check(dataclasses.replace(sweeps.Run("x"), **{field: value}))


def test_list_prints_every_run_without_training(capsys):
    assert sweeps.main(["--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == sum(len(runs) for runs in sweeps.GROUPS.values())
