"""Lesson 08's Keras Tuner helpers: the search space, the tuners, the time budget, the recipe.

The parameter counts are checked three ways: Keras's ``count_params`` on the built model,
:func:`course_utils.engines.layer_specs.layer_table` on the specs, and the formulas of
:mod:`course_utils.core.params` stepped by hand through the shapes of :mod:`course_utils.core.arithmetic`.
Searches run on tiny data (a few dozen images, one epoch), so each test takes seconds.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.core.arithmetic import conv2d_output_shape, pool2d_output_shape
from course_utils.core.params import conv2d_params, dense_params
from course_utils.engines import tuning
from course_utils.engines.layer_specs import layer_table

RNG = np.random.default_rng(0)
X = RNG.random((48, 28, 28, 1), dtype=np.float32)
Y = np.arange(48) % 10
X_VAL, Y_VAL = X[:16], Y[:16]

values_in_space = st.fixed_dictionaries(
    {
        "stages": st.sampled_from(tuning.STAGES),
        "filters": st.sampled_from(tuning.FILTERS),
        "dense_units": st.sampled_from(tuning.DENSE_UNITS),
        "dropout": st.sampled_from([0.0, 0.1, 0.3, 0.6]),
        "learning_rate": st.sampled_from([1e-4, 3e-3, 1e-2]),
    }
)


def expected_params(stages, filters, dense_units):
    """The parameters of the search space's network, from the formulas and the shape arithmetic."""
    height, width, channels = tuning.INPUT_SHAPE
    total = 0
    for stage in range(stages):
        out = filters * 2**stage
        total += conv2d_params(3, channels, out)
        height, width = conv2d_output_shape((height, width), 3, padding="valid")
        height, width = pool2d_output_shape((height, width), 2)
        channels = out
    features = height * width * channels
    if dense_units:
        total += dense_params(features, dense_units)
        features = dense_units
    return total + dense_params(features, tuning.NUM_CLASSES)


# --- the search space ----------------------------------------------------------------------


def test_defaults_are_lesson_05s_cnn_and_in_the_space():
    defaults = dict(tuning.DEFAULTS)
    assert defaults["stages"] in tuning.STAGES and defaults["filters"] in tuning.FILTERS
    assert defaults["dense_units"] in tuning.DENSE_UNITS
    assert tuning.DROPOUT[0] <= defaults["dropout"] <= tuning.DROPOUT[1]
    assert tuning.LEARNING_RATE[0] <= defaults["learning_rate"] <= tuning.LEARNING_RATE[1]
    specs = tuning.model_specs()
    # lesson 05's CNN: two conv-pool stages (16 and 32 filters), Flatten, the output layer
    assert [s["type"] for s in specs] == ["Conv2D", "MaxPooling2D"] * 2 + ["Flatten", "Dense"]
    assert [s.get("filters") for s in specs if s["type"] == "Conv2D"] == [16, 32]


@settings(max_examples=60)
@given(values=values_in_space)
def test_counts_from_specs_match_the_formulas(values):
    specs = tuning.model_specs(values["stages"], values["filters"], values["dense_units"], values["dropout"])
    assert layer_table(tuning.INPUT_SHAPE, specs).total_params == expected_params(
        values["stages"], values["filters"], values["dense_units"]
    )
    assert any(s["type"] == "Dropout" for s in specs) == (values["dropout"] > 0)
    assert any(s.get("units") == values["dense_units"] for s in specs[:-1]) == (values["dense_units"] > 0)


@settings(max_examples=8)
@given(values=values_in_space)
def test_build_model_from_values_matches_the_counts(keras, values):
    model = tuning.build_model(values)
    assert model.count_params() == expected_params(values["stages"], values["filters"], values["dense_units"])
    assert model.input_shape == (None, *tuning.INPUT_SHAPE) and model.output_shape == (None, 10)
    assert model.loss == "sparse_categorical_crossentropy"
    assert float(model.optimizer.learning_rate) == pytest.approx(values["learning_rate"], rel=1e-6)


def test_build_model_declares_the_search_space_to_keras_tuner(keras):
    import keras_tuner

    hp = keras_tuner.HyperParameters()
    model = tuning.build_model(hp)
    space = {p.name: p for p in hp.space}
    assert set(space) == set(tuning.DEFAULTS)
    assert list(space["filters"].values) == list(tuning.FILTERS)
    assert list(space["dense_units"].values) == list(tuning.DENSE_UNITS)
    assert (space["stages"].min_value, space["stages"].max_value) == (tuning.STAGES[0], tuning.STAGES[-1])
    assert (space["dropout"].min_value, space["dropout"].max_value, space["dropout"].step) == tuning.DROPOUT
    assert space["learning_rate"].sampling == "log"
    assert hp.values == dict(tuning.DEFAULTS)
    assert model.count_params() == layer_table(tuning.INPUT_SHAPE, tuning.model_specs()).total_params


def test_build_model_over_values_that_keras_tuner_samples(keras):
    """Values drawn by Keras Tuner itself (its random sampler) build models of the expected size."""
    import keras_tuner

    space = keras_tuner.HyperParameters()
    tuning.build_model(space)
    for seed in range(6):
        values = {p.name: p.random_sample(seed * 10 + i) for i, p in enumerate(space.space)}
        hp = keras_tuner.HyperParameters()
        hp.values = dict(values)
        model = tuning.build_model(hp)
        assert hp.values == values, "build_model must use the values the tuner chose"
        assert model.count_params() == expected_params(
            values["stages"], values["filters"], values["dense_units"]
        )


def test_build_model_refuses_values_outside_the_space(keras):
    with pytest.raises(ValueError, match="hp has unknown hyperparameter"):
        tuning.build_model({"kernel_size": 5})
    with pytest.raises(ValueError, match="dropout"):
        tuning.build_model({"dropout": 0.9})
    with pytest.raises(ValueError, match="learning_rate"):
        tuning.build_model({"learning_rate": 1.0})
    with pytest.raises(TypeError, match="hp must be"):
        tuning.build_model([2, 16])
    # Hyperband's bookkeeping entries are not hyperparameters of the model
    assert tuning.build_model({"stages": 1, "tuner/epochs": 3, "tuner/trial_id": "0001"}).count_params() > 0


# --- the tuners ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [None, "Random", "grid", 3, ""])
def test_make_tuner_refuses_bad_kinds(kind, tmp_path):
    with pytest.raises(ValueError, match=r"kind must be one of 'random', 'bayesian', 'hyperband'"):
        tuning.make_tuner(kind, tmp_path)


def test_make_tuner_needs_an_existing_folder(tmp_path):
    missing = tmp_path / "not here"
    with pytest.raises(ValueError, match="directory .* is not an existing folder"):
        tuning.make_tuner("random", missing)
    assert not missing.exists()
    with pytest.raises(ValueError, match="directory must be"):
        tuning.make_tuner("random", "")


def test_the_three_tuners_share_objective_seed_and_folder(keras, tmp_path):
    import keras_tuner

    classes = {
        "random": keras_tuner.RandomSearch,
        "bayesian": keras_tuner.BayesianOptimization,
        "hyperband": keras_tuner.Hyperband,
    }
    for kind in tuning.TUNER_KINDS:
        tuner = tuning.make_tuner(kind, tmp_path, max_trials=6, max_epochs=3, seed=5)
        assert isinstance(tuner, classes[kind])
        assert tuner.oracle.objective.name == "val_accuracy" and tuner.oracle.objective.direction == "max"
        assert tuner.oracle.seed == 5 and tuner.oracle.max_trials == 6
        assert Path(tuner.project_dir) == tmp_path / kind
    assert tuner.oracle.max_epochs == 3 and tuner.oracle.factor == tuning.HYPERBAND_FACTOR


# --- the search on a budget ----------------------------------------------------------------


@pytest.mark.slow
def test_search_runs_the_trials_and_writes_only_under_the_folder(keras, tmp_path, monkeypatch):
    work = tmp_path / "work"
    folder = tmp_path / "tuner files"
    work.mkdir()
    folder.mkdir()
    monkeypatch.chdir(work)
    tuner = tuning.make_tuner("random", folder, max_trials=2, seed=1)
    result = tuning.search(tuner, X, Y, (X_VAL, Y_VAL), epochs=1, batch_size=16, budget=120)
    assert result.stopped == "max_trials" and len(result.trials) == 2
    assert [t.trial_id for t in result.trials] == list(tuner.oracle.trials)
    for trial in result.trials:
        assert trial.status == "COMPLETED" and trial.epochs == 1 and trial.seconds > 0
        assert set(trial.hyperparameters) == set(tuning.DEFAULTS)
        assert 0 <= trial.val_accuracy <= 1
    assert result.best.val_accuracy == max(t.val_accuracy for t in result.trials)
    assert tuner.oracle.max_trials == 2, "the tuner's own cap is given back"
    assert list(work.iterdir()) == []
    assert [p.name for p in folder.iterdir()] == ["random"]
    assert all(str(p).startswith(str(folder / "random")) for p in folder.rglob("*"))
    text = str(result)
    assert "val_accuracy" in text and "stopped: max_trials" in text and "best: trial" in text
    assert "<table" in result._repr_html_()
    assert repr(result) == text, "Jupyter's text/plain shows the table too"


@pytest.mark.slow
def test_the_budget_stops_starting_trials(keras, tmp_path, monkeypatch):
    """A fake clock: every trial takes 10 s. With 25 s, a third trial would end at 30 s: it never starts."""
    tuner = tuning.make_tuner("random", tmp_path, max_trials=10, seed=2)
    clock = {"now": 1000.0}
    real_search = tuner.search

    def ten_second_search(*args, **kwargs):
        real_search(*args, **kwargs)
        clock["now"] += 10.0

    monkeypatch.setattr(tuner, "search", ten_second_search)
    monkeypatch.setattr(tuning.time, "perf_counter", lambda: clock["now"])
    result = tuning.search(tuner, X[:16], Y[:16], (X_VAL, Y_VAL), epochs=1, batch_size=16, budget=25)
    assert result.stopped == "budget"
    assert len(result.trials) == 2 and len(tuner.oracle.trials) == 2
    assert [t.seconds for t in result.trials] == [10.0, 10.0] and result.seconds == 20.0
    assert tuner.oracle.max_trials == 10


@pytest.mark.slow
def test_a_tiny_budget_still_runs_one_trial(keras, tmp_path):
    tuner = tuning.make_tuner("bayesian", tmp_path, max_trials=5, seed=3)
    started = time.perf_counter()
    result = tuning.search(tuner, X[:16], Y[:16], (X_VAL, Y_VAL), epochs=1, batch_size=16, budget=1e-3)
    assert len(result.trials) == 1 and result.stopped == "budget"
    assert result.seconds <= time.perf_counter() - started


@pytest.mark.slow
def test_hyperband_epochs_are_capped_and_counted(keras, tmp_path, recwarn):
    tuner = tuning.make_tuner("hyperband", tmp_path, max_trials=4, max_epochs=3, seed=0)
    with pytest.raises(
        ValueError, match="epochs=2, but this Hyperband tuner trains a trial for up to max_epochs=3"
    ):
        tuning.search(tuner, X[:16], Y[:16], (X_VAL, Y_VAL), epochs=2)
    result = tuning.search(tuner, X[:16], Y[:16], (X_VAL, Y_VAL), epochs=3, batch_size=16, budget=300)
    # max_epochs=3, factor 3: three trials of 1 epoch, then the best goes on from epoch 1 to 3
    assert [t.epochs for t in result.trials] == [1, 1, 1, 2]
    assert result.stopped == "max_trials" and result.total_epochs == 5
    # the continued trial loads weights into a fresh optimizer; Keras's warning about it is hidden
    assert not [w for w in recwarn if "Skipping variable loading" in str(w.message)]


@pytest.mark.slow
def test_search_hides_the_libraries_harmless_warnings(keras, tmp_path, monkeypatch, recwarn):
    """In a notebook they would show as stderr output, with a file path: BayesianOptimization's Gaussian
    process (scikit-learn) warns when a length scale reaches its bound; Keras warns when Hyperband goes
    on from a checkpoint with a fresh optimizer."""
    import warnings

    tuner = tuning.make_tuner("bayesian", tmp_path, max_trials=1, seed=0)
    real_search = tuner.search

    def search_that_warns(*args, **kwargs):
        warnings.warn_explicit(
            "The optimal value found for dimension 0 of parameter length_scale is close to the specified "
            "lower bound 1e-05.",
            UserWarning,
            "kernels.py",
            445,
            module="sklearn.gaussian_process.kernels",
        )
        warnings.warn(
            "Skipping variable loading for optimizer 'adam', because it has 2 variables",
            UserWarning,
            stacklevel=2,
        )
        real_search(*args, **kwargs)

    monkeypatch.setattr(tuner, "search", search_that_warns)
    tuning.search(tuner, X[:16], Y[:16], (X_VAL, Y_VAL), epochs=1, batch_size=16)
    assert not [
        str(w.message) for w in recwarn if "length_scale" in str(w.message) or "Skipping" in str(w.message)
    ]
    warnings.warn("a warning of the learner's own code still shows", UserWarning, stacklevel=2)
    assert [str(w.message) for w in recwarn][-1] == "a warning of the learner's own code still shows"


@pytest.mark.slow
def test_the_same_search_gives_the_same_trials(keras, tmp_path):
    runs = []
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        tuner = tuning.make_tuner("random", folder, max_trials=2, seed=4)
        result = tuning.search(tuner, X[:32], Y[:32], (X_VAL, Y_VAL), epochs=1, batch_size=16, budget=120)
        runs.append([(t.hyperparameters, t.val_accuracy) for t in result.trials])
    assert runs[0] == runs[1]


@pytest.mark.slow
def test_a_second_search_reports_only_its_own_trials(keras, tmp_path):
    tuner = tuning.make_tuner("random", tmp_path, max_trials=1, seed=6)
    one = tuning.search(tuner, X[:16], Y[:16], (X_VAL, Y_VAL), epochs=1, batch_size=16)
    tuner.oracle.max_trials = 2
    two = tuning.search(tuner, X[:16], Y[:16], (X_VAL, Y_VAL), epochs=1, batch_size=16)
    assert len(one.trials) == len(two.trials) == 1
    assert [t.trial_id for t in one.trials + two.trials] == list(tuner.oracle.trials)


def test_search_refuses_bad_data_before_training(keras, tmp_path):
    tuner = tuning.make_tuner("random", tmp_path, max_trials=1)
    uint8_images = (X * 255).astype(np.uint8)
    with pytest.raises(ValueError, match=r"x must hold pixel values from 0 to 1.*/ 255"):
        tuning.search(tuner, uint8_images, Y, (X_VAL, Y_VAL))
    with pytest.raises(ValueError, match=r"y must hold one label per image \(48\), got 47"):
        tuning.search(tuner, X, Y[:-1], (X_VAL, Y_VAL))
    with pytest.raises(ValueError, match="validation_data must be a pair"):
        tuning.search(tuner, X, Y, X_VAL)
    with pytest.raises(ValueError, match=r"validation_data: y_val must hold labels 0 to 9"):
        tuning.search(tuner, X, Y, (X_VAL, Y_VAL + 10))
    with pytest.raises(ValueError, match="x must be a NumPy array of 28x28 images"):
        tuning.search(tuner, X[:, :27], Y, (X_VAL, Y_VAL))
    with pytest.raises(TypeError, match="tuner must be a Keras Tuner tuner"):
        tuning.search("random", X, Y, (X_VAL, Y_VAL))
    assert len(tuner.oracle.trials) == 0


def test_search_refuses_a_worker_of_a_distributed_search(keras, tmp_path, monkeypatch):
    from keras_tuner.src.distribute.oracle_client import OracleClient

    tuner = tuning.make_tuner("random", tmp_path, max_trials=1)
    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
    monkeypatch.setenv("KERASTUNER_ORACLE_PORT", "9")
    monkeypatch.setenv("KERASTUNER_TUNER_ID", "tuner0")
    tuner.oracle = OracleClient(tuner.oracle)
    with pytest.raises(ValueError, match="the chief decides when the search ends"):
        tuning.search(tuner, X, Y, (X_VAL, Y_VAL))


# --- the recipe and the stored results ------------------------------------------------------


def test_lesson_data_is_lesson_05s_split():
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = tuning.lesson_data()
    assert (len(x_train), len(x_val), len(x_test)) == (3200, 800, 1000)
    assert x_train.dtype == np.float32 and x_train.shape[1:] == (28, 28, 1)
    assert 0 <= x_train.min() and x_train.max() <= 1
    assert np.bincount(y_val).tolist() == [80] * 10


def test_recipe_model_augments_only_while_training(keras):
    model = tuning.recipe_model()
    kinds = [layer.__class__.__name__ for layer in model.layers]
    assert kinds[:3] == ["RandomTranslation", "RandomRotation", "RandomZoom"]
    augment = keras.Sequential(model.layers[:3])
    assert np.array_equal(np.asarray(augment(X[:4], training=False)), X[:4])
    assert not np.array_equal(np.asarray(augment(X[:4], training=True)), X[:4])
    assert model.output_shape == (None, 10)


@pytest.mark.slow
def test_train_recipe_on_a_few_images(keras):
    run = tuning.train_recipe(X[:32], Y[:32], (X_VAL, Y_VAL), epochs=2, seed=1)
    assert run.epochs == 2 and run.seed == 1 and run.fit_seconds > 0 and run.fit_cpu_seconds > 0
    assert sorted(run.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(values) == 2 for values in run.history.values())
    assert int(run.model.optimizer.iterations) == 2  # 32 images, batch 64: one step per epoch
    predicted = run.model.predict(X_VAL, verbose=0).argmax(axis=1)
    assert run.accuracy(X_VAL, Y_VAL) == pytest.approx(np.mean(predicted == Y_VAL))
    with pytest.raises(ValueError, match="y must hold one label per image"):
        run.accuracy(X_VAL, Y_VAL[:3])
    again = tuning.train_recipe(X[:32], Y[:32], None, epochs=1, seed=1)
    assert sorted(again.history) == ["accuracy", "loss"]
    assert again.history["loss"][0] == pytest.approx(run.history["loss"][0], rel=1e-6)


def test_train_recipe_refuses_unscaled_images():
    with pytest.raises(ValueError, match="x must hold pixel values from 0 to 1"):
        tuning.train_recipe(X * 255, Y)


@pytest.mark.parametrize("name", sorted(tuning.RESULTS_FILES))
def test_stored_results_say_how_they_were_made(name):
    stored = tuning.load_results(name)
    assert stored["command"].startswith(
        {"benchmark": "./course benchmark", "distributed": "./course tune-distributed"}[name]
    )
    assert {"cpu", "cpus", "tensorflow", "keras"} <= set(stored["machine"])
    assert stored["date"][:2] == "20"
    json.dumps(stored)


def test_load_results_refuses_other_names():
    with pytest.raises(ValueError, match="name must be one of 'benchmark', 'distributed'"):
        tuning.load_results("runs")


@pytest.mark.filterwarnings("ignore:.*(currentThread|getName).*:DeprecationWarning")
def test_hyperband_schedule_for_three_epochs(keras, tmp_path):
    """make_tuner's docstring: with max_epochs=3 Hyperband runs 6 trials (its oracle, driven without training)."""
    from keras_tuner.src.engine.trial import TrialStatus

    oracle = tuning.make_tuner("hyperband", tmp_path, max_trials=100, max_epochs=3).oracle
    epochs = []
    for score in (0.5, 0.7, 0.6, 0.8, 0.4, 0.9, 0.3, 0.2):
        trial = oracle.create_trial("tuner0")
        if trial.status == TrialStatus.STOPPED:
            break
        values = trial.hyperparameters.values
        epochs.append((values["tuner/initial_epoch"], values["tuner/epochs"]))
        oracle.update_trial(trial.trial_id, {"val_accuracy": score})
        trial.status = TrialStatus.COMPLETED
        oracle.end_trial(trial)
    # three trials of 1 epoch, the best of them goes on to epoch 3, then two fresh trials of 3 epochs
    assert epochs == [(0, 1), (0, 1), (0, 1), (1, 3), (0, 3), (0, 3)]


@pytest.mark.slow
def test_search_frees_each_trials_model_before_the_next(keras, tmp_path, monkeypatch):
    # Lesson 08's kernel must stay within Binder's memory: the models trained before the search and each
    # trial's model are freed (and glibc's freed pages handed back) before the next model is built.
    from course_utils.core import _environment

    freed = []
    monkeypatch.setattr(
        _environment, "release_memory", lambda: freed.append(len(tuner.oracle.trials)) or True
    )
    tuner = tuning.make_tuner("random", tmp_path, max_trials=2, seed=1)
    result = tuning.search(tuner, X[:16], Y[:16], (X_VAL, Y_VAL), epochs=1, batch_size=16, budget=120)
    assert len(result.trials) == 2 and freed == [0, 1, 2]
