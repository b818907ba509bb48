"""The stored histories of lesson 07: made by ./course histories from the runs the module describes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from course_tools import ROOT
from course_tools import histories as H

STORED = H.load_histories()


def test_the_lesson_file_holds_every_run_the_module_describes():
    assert list(STORED["runs"]) == list(H.LESSON_SETS)
    for group, runs in H.LESSON_SETS.items():
        stored = STORED["runs"][group]
        assert [run["name"] for run in stored] == [run.name for run in runs], group
        for run, saved in zip(runs, stored, strict=True):
            # a run changed in the module without ./course histories shows up here
            assert saved["settings"] == run.settings(), f"{group}/{run.name}: run ./course histories"
            assert saved["label"] == run.label and saved["description"] == run.description


def test_each_history_is_a_whole_run():
    for runs in STORED["runs"].values():
        for run in runs:
            history = run["history"]
            assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(history)
            assert {len(values) for values in history.values()} == {run["settings"]["epochs"]}


def test_the_file_says_how_and_where_it_was_made():
    made_by = STORED["made_by"]
    assert made_by["command"] == "./course histories"
    # a file made before the tooling left the package names the module where it was then
    assert made_by["module"] in {H.MODULE, H.MODULE.replace("course_tools/", "course_utils/tooling/")}
    assert made_by["determinism"] is True
    assert {"cpus", "processor", "system", "python", "numpy", "keras", "tensorflow"} <= set(
        made_by["machine"]
    )
    assert made_by["seconds"] > 0


def test_the_course_command_has_the_histories_verb():
    script = (ROOT / "course").read_text()
    assert "course_tools.histories" in script
    listing = subprocess.run(
        [sys.executable, "-m", "course_tools.histories", "--list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert all(run.name in listing for run in H.CLINIC)
    assert "tensorflow" not in listing.lower()


def test_runs_are_checked_and_names_are_unique():
    for group in H.SETS.values():
        for runs in group.values():
            assert len({run.name for run in runs}) == len(runs)
    with pytest.raises(ValueError, match="model"):
        H._check(H.Run("bad", model="rnn"))
    with pytest.raises(ValueError, match="set_name"):
        H.make("everything")


def test_loading_a_missing_or_foreign_file_says_what_to_do(tmp_path):
    with pytest.raises(ValueError, match="./course histories"):
        H.load_histories(tmp_path / "missing.json")
    (tmp_path / "other.json").write_text(json.dumps({"loss": [1.0]}))
    with pytest.raises(ValueError, match="not a file of stored runs"):
        H.load_histories(tmp_path / "other.json")


@pytest.mark.slow
def test_a_run_trains_the_same_twice(keras):
    run = H.Run("tiny", n_train=64, n_val=32, width=4, epochs=2, batch_size=32, seed=3)
    import course_utils

    course_utils.setup(keras=True, verbose=False)
    first, second = H.train(run), H.train(run)
    assert first == second
    # the training figures as the model predicts are recorded too
    assert set(first) == {"loss", "val_loss", "accuracy", "val_accuracy", "train_loss", "train_accuracy"}


@pytest.mark.slow
def test_the_training_figures_as_the_model_predicts_do_not_change_the_run(keras):
    """The callback draws no random numbers: the run with it is the run without it."""
    import course_utils
    from course_utils.engines.inference_metrics import training_set_metrics

    course_utils.setup(keras=True, verbose=False)
    run = H.Run("tiny", n_train=64, n_val=32, width=4, dropout=0.5, epochs=3, batch_size=16, seed=5)
    (x_train, y_train), (x_val, y_val), classes = H._data(run)

    def fit(callbacks):
        course_utils.seed_everything(run.seed)
        model = H.build_model(run, x_train.shape[1:], classes)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x_train, y_train, batch_size=16, epochs=3, validation_data=(x_val, y_val),
                            callbacks=callbacks, verbose=0)  # fmt: skip
        return history.history

    plain, recorded = fit([]), fit([training_set_metrics(x_train, y_train)])
    assert {key: recorded[key] for key in plain} == plain
    # and the recorded training loss is what evaluate gives: dropout off
    assert set(recorded) - set(plain) == {"train_loss", "train_accuracy"}


def test_shapes_runs_train_on_the_shapes_task(keras):
    run = H.Run("tiny shapes", data="shapes", n_train=32, n_val=16, model="cnn", width=2, epochs=1, seed=4)
    (x_train, y_train), (x_val, y_val), classes = H._data(run)
    assert x_train.shape == (32, H.SHAPES_IMAGE_SIZE, H.SHAPES_IMAGE_SIZE, 1) and classes == 2
    assert x_train.dtype.name == "float32" and 0 <= x_train.min() and x_train.max() <= 1
    model = H.build_model(run, x_train.shape[1:], classes)
    assert model.output_shape == (None, 2)


def test_the_file_records_how_it_was_made_as_every_stored_run_command_does(tmp_path, monkeypatch):
    """./course histories writes its made_by record with run_store.made_by, as sweeps and capstone do:
    the same keys (CPU time included), the same machine() (CPUs and threads)."""
    import course_utils
    from course_tools import run_store

    monkeypatch.setattr(course_utils, "setup", lambda **options: None)
    monkeypatch.setattr(run_store, "machine", lambda: {"cpu": "a CPU", "cpus": 2, "threads": 2})
    monkeypatch.setattr(H, "train", lambda run: {"loss": [1.0], "val_loss": [1.0]})
    document = H.make("heldout", tmp_path / "runs.json")
    made_by = document["made_by"]
    assert list(made_by) == list(run_store.made_by("./course histories", "m", 1.0, 1.0))
    assert made_by["machine"] == {"cpu": "a CPU", "cpus": 2, "threads": 2}
    assert made_by["command"] == "./course histories --set heldout" and made_by["cpu_seconds"] >= 0
    assert json.loads((tmp_path / "runs.json").read_text())["made_by"] == made_by
