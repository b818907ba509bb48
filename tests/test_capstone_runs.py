"""Lesson 09's stored experiments and pretrained trunks: made by ./course capstone from the runs it describes.

The results file must hold every run the module describes, with the same settings, and each
stored fact must be what the course's own arithmetic gives for that design. The pretrained
weights must be the files the results name, and load into the trunk at any image size. The
command lists its runs without TensorFlow, refuses bad settings, and trains a run the same
way twice.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest

from course_utils.data import DATA_DIR
from course_utils.layer_specs import layer_states, layer_table
from course_utils.tooling import capstone as C
from course_utils.tooling.notebooks import ROOT

STORED = json.loads(C.RESULTS_FILE.read_text(encoding="utf-8"))
RUNS = [(group, run) for group in C.GROUPS for run in STORED["groups"][group]["runs"]]


def unpack(run):
    bits = np.unpackbits(np.frombuffer(bytes.fromhex(run["test_correct"]), dtype=np.uint8))
    return bits[: run["test_images"]].astype(bool)


def test_the_file_holds_every_run_the_module_describes():
    assert list(STORED["groups"]) == list(C.GROUPS)
    for group, experiments in C.GROUPS.items():
        stored = STORED["groups"][group]["runs"]
        assert [run["name"] for run in stored] == [e.name for e in experiments], group
        for experiment, saved in zip(experiments, stored, strict=True):
            # a run changed in the module without ./course capstone shows up here
            assert saved["settings"] == experiment.settings(), (
                f"{group}/{experiment.name}: run ./course capstone"
            )
            assert saved["description"] == experiment.description


def test_the_file_describes_the_setup_the_module_uses():
    setup = STORED["setup"]
    assert setup["tasks"] == {
        name: {**t, "object_size": list(t["object_size"])} for name, t in C.TASKS.items()
    }
    assert (setup["pool_images"], setup["validation_images"], setup["test_images"]) == (
        C.N_POOL,
        C.N_VAL,
        C.N_TEST,
    )
    assert setup["training"] == C.TRAINING
    assert setup["trunk_layers"] == [dict(spec) for spec in C.TRUNK_LAYERS]


def test_each_group_says_how_and_where_it_was_made():
    records = [group["made_by"] for group in STORED["groups"].values()]
    records += [source["made_by"] for source in STORED["pretraining"].values()]
    for made_by in records:
        assert made_by["command"].startswith(C.COMMAND)
        assert made_by["module"] == C.MODULE
        assert made_by["determinism"] is True
        assert {"cpus", "processor", "system", "python", "numpy", "keras", "tensorflow"} <= set(
            made_by["machine"]
        )
        assert made_by["seconds"] > 0


@pytest.mark.parametrize("group, run", RUNS, ids=[f"{g}/{r['name']}" for g, r in RUNS])
def test_each_run_is_whole_and_its_score_is_its_answers(group, run):
    epochs = run["settings"]["epochs"]
    history = run["history"]
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(history)
    assert {len(values) for values in history.values()} == {epochs}
    assert 1 <= run["best_epoch"] <= epochs
    assert run["best_epoch"] == int(np.argmin(history["val_loss"])) + 1
    assert run["test_images"] == C.N_TEST
    assert unpack(run).mean() == pytest.approx(run["test_accuracy"], abs=1e-4)
    assert run["seconds"] > 0


@pytest.mark.parametrize("group, run", RUNS, ids=[f"{g}/{r['name']}" for g, r in RUNS])
def test_stored_facts_are_the_courses_arithmetic(group, run):
    experiment = C.Experiment(
        run["name"], **{**run["settings"], "kernels": tuple(run["settings"]["kernels"])}
    )
    size = C.TASKS[experiment.task]["image_size"]
    body = C.stage_layers(experiment)
    facts = run["facts"]
    final = layer_states((size, size, 1), body)[-1]
    assert facts["final_map"] == list(final.shape)
    assert facts["receptive_field"] == list(final.receptive_field)
    if not experiment.residual:
        table = layer_table((size, size, 1), body + C.head_layers(experiment))
        assert facts["params"] == table.total_params
        assert facts["macs"] == table.total_macs
    if experiment.init == "frozen":
        assert facts["trainable_params"] == facts["head_params"]
    else:
        assert facts["trainable_params"] == facts["params"]


def test_the_weights_files_are_the_ones_the_results_name():
    assert set(STORED["pretraining"]) == set(C.SOURCES)
    for source, record in STORED["pretraining"].items():
        path = C.weights_file(source)
        assert path.parent == DATA_DIR and path.name == record["weights_file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == record["weights_sha256"]
        assert path.stat().st_size < 200_000
        assert record["test_accuracy"] > 0.9


def test_the_pretrained_trunk_loads_at_any_image_size(keras):
    from course_utils.layer_specs import to_keras

    kernels = []
    for size in (28, 100):
        trunk = to_keras((size, size, 1), list(C.TRUNK_LAYERS), name="trunk")
        trunk.load_weights(C.weights_file("shapes"))
        kernels.append(trunk.layers[0].get_weights()[0])
    np.testing.assert_array_equal(*kernels)
    frozen = C.build_model(C.GROUPS["transfer"][1])
    assert [layer.trainable for layer in frozen.layers] == [False] * len(C.TRUNK_LAYERS) + [True] * 2
    np.testing.assert_array_equal(frozen.layers[0].get_weights()[0], kernels[0])


def test_the_residual_model_counts_as_stored(keras):
    run = next(r for r in STORED["groups"]["residual"]["runs"] if r["settings"]["residual"])
    model = C.build_model(C.GROUPS["residual"][1])
    assert model.count_params() == run["facts"]["params"]
    assert any(type(layer).__name__ == "Add" for layer in model.layers)


def test_the_course_command_has_the_capstone_verb():
    script = (ROOT / "course").read_text()
    assert "course_utils.tooling.capstone" in script
    listing = subprocess.run(
        [sys.executable, "-m", "course_utils.tooling.capstone", "--list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert all(e.name in listing for runs in C.GROUPS.values() for e in runs)


def test_bad_settings_are_refused_with_the_setting_named():
    for bad, name in [
        (C.Experiment("x", pooling="average"), "pooling"),
        (C.Experiment("x", head="dense"), "head"),
        (C.Experiment("x", init="frozen"), "source"),
        (C.Experiment("x", source="mnist"), "source"),
        (C.Experiment("x", kernels=(4,)), "kernels"),
        (C.Experiment("x", n_train=5000), "n_train"),
        (C.Experiment("x", task="cats"), "task"),
        (C.Experiment("x", init="frozen", source="mnist", residual=True), "plain"),
    ]:
        with pytest.raises(ValueError, match=name):
            C.check_experiment(bad)
    with pytest.raises(ValueError, match="groups"):
        C.make(["everything"])
    with pytest.raises(ValueError, match="source"):
        C.weights_file("imagenet")


def test_names_are_unique_and_epochs_follow_the_data_size():
    for runs in C.GROUPS.values():
        assert len({run.name for run in runs}) == len(runs)
        for run in runs:
            assert run.epochs == C.EPOCHS[run.n_train]


@pytest.mark.slow
def test_a_run_trains_the_same_twice(keras):
    rng = np.random.default_rng(0)

    def images(n):
        return rng.random((n, 100, 100, 1), dtype=np.float32), np.arange(n) % 2

    data = (images(40), images(20), images(20))
    run = C.Experiment("tiny", stages=2, n_train=40, epochs=2)
    first, second = C.train(run, data), C.train(run, data)
    first.pop("seconds"), second.pop("seconds")
    assert first == second
    assert first["facts"]["receptive_field"] == [10, 10]


def test_the_imagenet_flag_offline_gives_one_clear_message(keras, monkeypatch, capsys):
    """The lesson's ImageNet cell, offline: one message that says what to do, and no traceback."""
    from keras.src.utils import file_utils

    from course_utils.tooling.notebooks import read

    cells = [cell.source for cell in read(ROOT / "notebooks" / "09_capstone_designing_a_cnn.ipynb").cells]
    definition = next(source for source in cells if source.startswith("def imagenet_trunk"))

    def offline(*args, **kwargs):
        raise Exception(
            "URL fetch failure on https://storage.googleapis.com/...: [Errno -2] Name or service not known"
        )

    monkeypatch.setattr(file_utils, "get_file", offline)
    namespace = {"keras": keras}
    exec(definition, namespace)
    assert namespace["imagenet_trunk"]() is None
    message = capsys.readouterr().out
    assert (
        "could not be loaded" in message
        and "network connection" in message
        and "./course capstone" in message
    )
    flag = next(source for source in cells if source.startswith("USE_IMAGENET = False"))
    assert "if USE_IMAGENET:" in flag  # off by default: the saved lesson never downloads
