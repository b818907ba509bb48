"""Lesson 09's stored experiments and pretrained trunks: made by ./course capstone from the runs it describes.

The results file must hold every run the module describes (each configuration from each seed),
with the same settings, and each stored fact must be what the course's own arithmetic gives for
that design. Every run is compared on the validation canvases; only the planned CNN read the test
canvases. The pretrained weights must be the files the results name, and load into the trunk at
any image size. The command lists its runs without TensorFlow, refuses bad settings, and trains a
run the same way twice.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest

from course_tools import ROOT
from course_tools import capstone as C
from course_utils.engines import transfer
from course_utils.engines.data import DATA_DIR
from course_utils.engines.layer_specs import layer_table
from course_utils.engines.planner import plan_cnn

STORED = json.loads(C.RESULTS_FILE.read_text(encoding="utf-8"))
RUNS = list(STORED["runs"].items())
CAP = C.TRAINING["max_epochs"]


def unpack(part):
    bits = np.unpackbits(np.frombuffer(bytes.fromhex(part["correct"]), dtype=np.uint8))
    return bits[: part["images"]].astype(bool)


def _json(value):
    return json.loads(json.dumps(value))


def test_the_file_holds_every_run_the_module_describes():
    assert list(STORED["runs"]) == C.keys()
    for group, experiments in C.GROUPS.items():
        for experiment in experiments:
            for seed in C.SEEDS:
                saved = STORED["runs"][f"{group}/{experiment.name}/seed {seed}"]
                # a run changed in the module without ./course capstone shows up here
                assert saved["settings"] == _json(experiment.settings()), (
                    f"{group}/{experiment.name}: run ./course capstone"
                )
                assert (saved["group"], saved["name"], saved["seed"]) == (group, experiment.name, seed)
                assert saved["description"] == experiment.description


def test_the_file_describes_the_setup_the_module_uses():
    assert STORED["setup"] == _json(C.setup_record())
    assert STORED["setup"]["test_images"] >= 1000 and STORED["setup"]["task"]["image_size"] == 100


def test_the_file_says_how_and_where_it_was_made():
    machines = [STORED["made_by"]["machine"]] + [
        record["machine"] for record in STORED["pretraining"].values()
    ]
    for machine in machines:
        assert {"cpus", "processor", "system", "python", "numpy", "keras", "tensorflow"} <= set(machine)
    made_by = STORED["made_by"]
    assert made_by["command"].startswith(C.COMMAND)
    # a file made before the tooling left the package names the module where it was then
    assert made_by["module"] in {C.MODULE, C.MODULE.replace("course_tools/", "course_utils/tooling/")}
    assert made_by["determinism"] is True and made_by["seconds"] > 0 and made_by["cpu_seconds"] > 0


@pytest.mark.parametrize("key, run", RUNS, ids=[key for key, _ in RUNS])
def test_each_run_is_whole_and_its_score_is_its_answers(key, run):
    phases = [run] + ([run["frozen"]] if "frozen" in run else [])
    for phase in phases:
        history = phase["history"]
        assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(history)
        assert {len(values) for values in history.values()} == {phase["epochs"]}
        assert 1 <= phase["epochs"] <= CAP and phase["reached_cap"] == (phase["epochs"] == CAP)
        assert phase["best_epoch"] == C.kept_epoch(history["val_loss"])
        assert phase["seconds"] > 0 and phase["cpu_seconds"] > 0
    validation = run["validation"]
    assert validation["images"] == C.N_VAL
    assert unpack(validation).mean() == pytest.approx(validation["accuracy"], abs=1e-4)
    # the test canvases are read once, for the design the lesson chooses
    assert ("test" in run) == (run["group"] == "plan")
    if "test" in run:
        assert run["test"]["images"] == C.N_TEST
        assert unpack(run["test"]).mean() == pytest.approx(run["test"]["accuracy"], abs=1e-4)
    assert ("frozen" in run) == (run["settings"]["init"] == "pretrained")


@pytest.mark.parametrize("key, run", RUNS, ids=[key for key, _ in RUNS])
def test_stored_facts_are_the_courses_arithmetic(key, run):
    settings = {k: v for k, v in run["settings"].items() if k in C.Experiment.__dataclass_fields__}
    experiment = C.Experiment(run["name"], **{**settings, "kernels": tuple(settings["kernels"])})
    facts, shape = run["facts"], (100, 100, 1)
    if experiment.plan:
        assert facts["params"] == plan_cnn(shape, 2, object_size=C.OBJECT_SIZE).total_params
    elif experiment.trunk or experiment.init == "pretrained":
        table = layer_table(shape, list(transfer.TRUNK_LAYERS) + C.head_layers(experiment))
        assert facts["params"] == table.total_params
    elif not experiment.residual:
        table = layer_table(shape, C.stage_layers(experiment) + C.head_layers(experiment))
        assert facts["params"] == table.total_params and facts["macs"] == table.total_macs
    if experiment.trunk or experiment.init == "pretrained":  # batch normalization's moving statistics
        assert facts["trainable_params"] < facts["params"]
    else:
        assert facts["trainable_params"] == facts["params"]


def test_a_configuration_in_two_groups_is_one_run():
    depth = STORED["runs"]["depth/4 stages/seed 1"]
    data = STORED["runs"]["data/1,000 canvases/seed 1"]
    assert depth["settings"] == data["settings"]
    assert depth["validation"] == data["validation"] and depth["history"] == data["history"]


def test_the_weights_files_are_the_ones_the_results_name():
    assert set(STORED["pretraining"]) == set(transfer.SOURCES)
    for source, record in STORED["pretraining"].items():
        path = transfer.weights_file(source)
        assert path.parent == DATA_DIR and path.name == record["weights_file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == record["weights_sha256"]
        assert path.stat().st_size < 200_000
        assert record["held_out_accuracy"] > 0.9
        assert record["settings"]["trunk_momentum"] == transfer.TRUNK_MOMENTUM
    assert {path.name for path in DATA_DIR.glob("pretrained_09_*.weights.h5")} == {
        transfer.weights_file(source).name for source in transfer.SOURCES
    }


@pytest.mark.slow
def test_the_pretrained_trunk_loads_at_any_image_size_and_fine_tunes_in_inference_mode(keras):
    kernels = []
    for size in (28, 100):
        trunk = transfer.trunk_model((size, size, 1))
        trunk.load_weights(transfer.weights_file("shapes"))
        kernels.append(trunk.layers[0].get_weights()[0])
        norms = [layer for layer in trunk.layers if isinstance(layer, keras.layers.BatchNormalization)]
        assert norms and all(layer.momentum == transfer.TRUNK_MOMENTUM for layer in norms)
    np.testing.assert_array_equal(*kernels)
    model, trunk = transfer.transfer_model("same digits")
    assert not trunk.trainable
    frozen = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert frozen == 64 + 1  # the new head: GAP, then one sigmoid unit
    norm = next(layer for layer in trunk.layers if isinstance(layer, keras.layers.BatchNormalization))
    x, y = np.random.default_rng(0).random((8, 100, 100, 1)), np.arange(8) % 2

    def fine_tune():
        before = norm.moving_mean.numpy().copy()
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x, y, epochs=1, verbose=0)
        return float(np.abs(norm.moving_mean.numpy() - before).max())

    trunk.trainable = (
        True  # the trunk called with training=False, as Keras's guide does: in Keras 3 fit reaches it
    )
    assert fine_tune() > 0, (
        "Keras keeps nested batch normalization in inference mode now: simplify unfreeze()"
    )
    transfer.unfreeze(trunk)  # its batch normalization frozen: inference mode
    assert fine_tune() == 0.0
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) > frozen


def test_the_residual_model_counts_as_stored(keras):
    run = STORED["runs"]["residual/residual/seed 0"]
    model = C.build_model(C.GROUPS["residual"][1])
    assert model.count_params() == run["facts"]["params"]
    assert any(type(layer).__name__ == "Add" for layer in model.layers)


def test_the_course_command_has_the_capstone_verb():
    script = (ROOT / "course").read_text()
    assert "course_tools.capstone" in script
    listing = subprocess.run(
        [sys.executable, "-m", "course_tools.capstone", "--list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert all(e.name in listing for runs in C.GROUPS.values() for e in runs)


def test_bad_settings_are_refused_with_the_setting_named():
    for bad, name in [
        (C.Experiment("x", pooling="median"), "pooling"),
        (C.Experiment("x", head="dense"), "head"),
        (C.Experiment("x", init="frozen"), "init"),
        (C.Experiment("x", init="pretrained"), "source"),
        (C.Experiment("x", source="shapes"), "source"),
        (C.Experiment("x", kernels=(4,)), "kernels"),
        (C.Experiment("x", n_train=5000), "n_train"),
    ]:
        with pytest.raises(ValueError, match=name):
            C.check_experiment(bad)
    with pytest.raises(ValueError, match="groups"):
        C.make(["everything"])


def test_a_run_stopped_before_its_cap_is_kept_under_a_higher_cap_and_a_capped_one_is_not():
    experiment = C.GROUPS["depth"][0]
    settings = _json(experiment.settings())
    lower = {**settings, "training": {**settings["training"], "max_epochs": CAP - 10}}
    stopped = {"settings": lower, "reached_cap": False, "history": {}}
    assert C._stopped_before_its_cap(stopped, settings) is stopped
    assert C._stopped_before_its_cap({**stopped, "reached_cap": True}, settings) is None
    other = {**lower, "stages": 9}
    assert C._stopped_before_its_cap({**stopped, "settings": other}, settings) is None
    higher = {**settings, "training": {**settings["training"], "max_epochs": CAP + 10}}
    assert C._stopped_before_its_cap({**stopped, "settings": higher}, settings) is None
    frozen_capped = {**stopped, "frozen": {"reached_cap": True}}
    assert C._stopped_before_its_cap(frozen_capped, settings) is None


@pytest.mark.slow
def test_a_run_trains_the_same_twice(keras):
    rng = np.random.default_rng(0)

    def images(n):
        return rng.random((n, 100, 100, 1), dtype=np.float32), np.arange(n) % 2

    data = (images(40), images(20), images(20))
    experiment = C.Experiment("tiny", stages=2, n_train=40)
    training = dict(C.TRAINING)
    try:
        C.TRAINING.update(max_epochs=2, start_from_epoch=0)
        first, second = C.train(experiment, 0, data), C.train(experiment, 0, data)
    finally:
        C.TRAINING.clear()
        C.TRAINING.update(training)
    for record in (first, second):
        record.pop("seconds"), record.pop("cpu_seconds")
    assert first == second
    assert first["facts"]["receptive_field"] == [10, 10] and first["epochs"] == 2


def test_the_imagenet_flag_offline_gives_one_clear_message(keras, monkeypatch, capsys):
    """The lesson's ImageNet cell, offline: one message that says what to do, and no traceback."""
    from keras.src.utils import file_utils

    from course_tools.notebooks import read

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
