"""Tests of course_utils.engines.diagnosis: the measures, the rules on synthetic curves, bad input, real runs.

- Each measure against a second, independent computation.
- Property tests: synthetic curves of each regime, with noise, get that verdict.
- Bad input: the right error, naming what is wrong; shuffled epochs are unstable, shuffled keys change nothing.
- Real Keras runs, labelled by two readers: tests/test_diagnosis_corpus.py.
"""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from course_tools.histories import HELDOUT, HELDOUT_FILE, LESSON_SETS
from course_utils.engines.diagnosis import (
    FIGURES,
    MIN_EPOCHS,
    VERDICTS,
    Diagnosis,
    check_history,
    diagnose,
    error_pair,
    jumps,
    load_histories,
    recent_fall,
    relative_gap,
    rise_above_minimum,
    valley_fit,
    wiggle,
)
from course_utils.engines.history import best_epoch, early_stopping_epoch, history_dict

# ---------------------------------------------------------------- the measures


def test_relative_gap_is_scale_free_and_reads_the_source_notes_examples():
    assert relative_gap(0.01, 0.10) == pytest.approx(0.9)
    assert relative_gap(0.14, 0.15) == pytest.approx(1 / 15)
    assert relative_gap(1.4, 1.5) == pytest.approx(relative_gap(0.14, 0.15))
    assert relative_gap(0.3, 0.25) < 0  # dropout: training loss above validation loss
    for bad in ({"train_loss": -0.1, "val_loss": 1.0}, {"train_loss": 0.1, "val_loss": 0.0}):
        with pytest.raises(ValueError, match="loss"):
            relative_gap(**bad)


def _antitonic(values: np.ndarray) -> np.ndarray:
    """The least-squares non-increasing fit by the min-max formula (not pool-adjacent-violators)."""
    n = len(values)
    return np.array(
        [min(max(values[j : k + 1].mean() for k in range(i, n)) for j in range(i + 1)) for i in range(n)]
    )


def _valley_by_brute_force(values: np.ndarray) -> np.ndarray:
    best, best_error = None, math.inf
    for k in range(len(values)):
        left = _antitonic(values[: k + 1])
        right = _antitonic(values[k + 1 :][::-1])[::-1] if k + 1 < len(values) else np.empty(0)
        fit = np.concatenate([left, right])
        error = float(((values - fit) ** 2).sum())
        if error < best_error - 1e-12:
            best, best_error = fit, error
    return best


@given(st.lists(st.floats(0, 10), min_size=1, max_size=9))
def test_valley_fit_is_the_least_squares_valley(values):
    values = np.array(values)
    fit = valley_fit(values)
    expected = _valley_by_brute_force(values)
    assert ((values - fit) ** 2).sum() == pytest.approx(((values - expected) ** 2).sum(), abs=1e-9)
    # valley-shaped: falls, then rises
    lowest = int(np.argmin(fit))
    assert (np.diff(fit[: lowest + 1]) <= 1e-12).all() and (np.diff(fit[lowest:]) >= -1e-12).all()


@given(
    st.lists(st.floats(0.01, 5), min_size=2, max_size=12).map(sorted),
    st.lists(st.floats(0.01, 5), min_size=0, max_size=12).map(sorted),
)
def test_a_curve_that_falls_then_rises_has_no_wiggle(falling, rising):
    curve = falling[::-1] + rising
    assert np.allclose(valley_fit(curve), curve)
    assert wiggle(curve) == 0.0


def test_wiggle_sees_peaks_and_dips_and_forgives_the_first_epochs_and_the_valley():
    jumpy_end = [1.0, 0.6, 0.5, 0.45, 0.6, 0.42, 0.62, 0.4]
    assert wiggle(jumpy_end) == pytest.approx(0.2 / 0.6) and jumps(jumpy_end) == 3  # 0.15: the default
    assert jumps([1.0, 0.5, 0.9, 0.45, 0.42, 0.41, 0.4]) == 1  # epoch 3 is a peak, counted
    assert wiggle([1.0, 0.45, 0.8, 0.5, 0.45, 0.42, 0.41, 0.4]) == pytest.approx(0.3 / 0.6)
    assert wiggle([1.0, 0.5, 0.6, 0.5, 0.45, 0.42]) == pytest.approx(0.1 / 0.58)
    assert jumps([1.0, 0.45, 0.7, 0.65, 0.6, 0.5, 0.4, 0.35, 0.3]) == 0  # epoch 2's dip: finding its way
    assert wiggle([1.0, 0.6, 0.45, 0.3, 0.35, 0.5]) == 0.0  # the valley's bottom is not a dip
    assert wiggle([2.303, 2.302, 2.303, 2.302]) < 0.01  # a flat curve's last digits are not jumps


def _jumps_by_hand(values, size):
    """Epochs 3 .. n-1 that stand above or below both neighbours by ``size`` of the range (not the lowest)."""
    values = list(values)
    scale = max(max(values) - min(values), 0.05 * abs(float(np.median(values))))
    lowest = values.index(min(values))
    count = 0
    for i in range(2, len(values) - 1):
        left, here, right = values[i - 1], values[i], values[i + 1]
        if i == lowest or scale == 0:
            continue
        if here > max(left, right) and here - max(left, right) >= size * scale:
            count += 1
        elif here < min(left, right) and min(left, right) - here >= size * scale:
            count += 1
    return count


@given(st.lists(st.floats(0.01, 5), min_size=1, max_size=15), st.floats(0.05, 0.5))
def test_jumps_count_the_peaks_and_dips_by_hand(values, size):
    assert jumps(values, size) == _jumps_by_hand(values, size)


def test_rise_above_minimum_reads_the_end_against_the_lowest_level():
    # lowest 3-epoch level 0.3, last epoch 0.39: 30% above it
    assert rise_above_minimum([0.5, 0.4, 0.3, 0.3, 0.3, 0.33, 0.36, 0.39]) == pytest.approx(0.3)
    assert rise_above_minimum([0.9, 0.6, 0.5, 0.45, 0.44]) == 0.0  # still falling: no rise
    # one lucky epoch is not the minimum: the lowest 3-epoch average is
    assert rise_above_minimum([0.5, 0.3, 0.31, 0.2, 0.3, 0.31, 0.3]) == pytest.approx(0.3 / 0.27 - 1)
    # a loss near zero is measured against a tenth of where it started, not against itself
    assert rise_above_minimum([0.69, 0.1, 0.002, 0.002, 0.002, 0.003]) == pytest.approx(0.001 / 0.069)
    with pytest.raises(ValueError, match="NaN"):
        rise_above_minimum([0.5, math.nan, 0.3])


@given(slope=st.floats(0.01, 0.2), n=st.integers(4, 30))
def test_a_straight_line_falls_at_its_average_pace(slope, n):
    start = 1.0 + slope * n
    line = [start - slope * t for t in range(n)]
    per_epoch, pace = recent_fall(line)
    assert pace == pytest.approx(1.0)
    assert per_epoch > 0


@given(rate=st.floats(0.2, 0.6), n=st.integers(12, 40))
def test_a_curve_that_levels_off_falls_at_a_fraction_of_its_pace(rate, n):
    curve = [0.3 + math.exp(-rate * t) for t in range(n)]
    _, pace = recent_fall(curve)
    assert pace < 0.5


def test_error_pair_finds_accuracy_like_metrics_only():
    base = {"loss": [1.0], "val_loss": [1.0]}
    assert error_pair({**base, "accuracy": [0.5], "val_accuracy": [0.6]}) == ("accuracy", "val_accuracy")
    assert error_pair({**base, "auc": [0.5], "val_auc": [0.6], "accuracy": [0.5], "val_accuracy": [0.6]}) == (
        "accuracy",
        "val_accuracy",
    )
    assert error_pair(
        {**base, "sparse_categorical_accuracy": [0.5], "val_sparse_categorical_accuracy": [0.5]}
    )
    assert error_pair({**base, "mae": [3.0], "val_mae": [2.0]}) is None
    assert error_pair({**base, "accuracy": [0.5]}) is None  # no validation twin
    assert error_pair({**base, "accuracy": [1.5], "val_accuracy": [0.5]}) is None  # not a share


# ---------------------------------------------------------------- synthetic curves of each regime

EPOCHS = st.integers(12, 40)
NOISE = st.floats(0.0, 0.01)
SEEDS = st.integers(0, 2**31 - 1)


def _noisy(curve, noise, rng):
    return (np.asarray(curve) * (1 + rng.normal(0, noise, len(curve)))).tolist()


def _accuracy(loss):
    """An accuracy that goes with a cross-entropy loss, roughly (0.1 loss: 97%; 1.0: 70%)."""
    return [float(min(0.999, max(0.1, 1 - 0.3 * value))) for value in loss]


def _history(train, val, with_accuracy=True):
    history = {"loss": train, "val_loss": val}
    if with_accuracy:
        history |= {"accuracy": _accuracy(train), "val_accuracy": _accuracy(val)}
    return history


@given(n=EPOCHS, noise=NOISE, seed=SEEDS, floor=st.floats(0.05, 0.15), with_accuracy=st.booleans())
def test_synthetic_good_fit(n, noise, seed, floor, with_accuracy):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    train = floor + 1.5 * np.exp(-0.5 * t)
    val = 1.1 * floor + 1.0 * np.exp(-0.5 * t)
    history = _history(_noisy(train, noise, rng), _noisy(val, noise, rng), with_accuracy)
    assert diagnose(history).verdict == "good fit"


@given(n=EPOCHS, noise=NOISE, seed=SEEDS, turn=st.integers(4, 8), climb=st.floats(0.02, 0.08))
def test_synthetic_overfitting(n, noise, seed, turn, climb):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    train = 0.01 + 1.5 * np.exp(-0.4 * t)
    val = 0.3 + 0.8 * np.exp(-0.5 * t) + climb * np.maximum(0, t - turn)
    diagnosis = diagnose(_history(_noisy(train, noise, rng), _noisy(val, noise, rng)))
    assert diagnosis.verdict == "overfitting"
    assert diagnosis.best_epoch <= turn + 3


@given(n=EPOCHS, noise=NOISE, seed=SEEDS, gap=st.floats(0.2, 0.4))
def test_synthetic_overfitting_with_a_flat_validation_loss(n, noise, seed, gap):
    """Train error near 0, validation error far above it, validation loss levelled off."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    train = 0.005 + 2.0 * np.exp(-0.5 * t)
    val = 0.7 + 1.4 * np.exp(-0.6 * t)
    history = {
        "loss": _noisy(train, noise, rng),
        "val_loss": _noisy(val, noise, rng),
        "accuracy": (1 - 0.9 * np.exp(-0.6 * t)).tolist(),
        "val_accuracy": (1 - gap - 0.5 * np.exp(-0.6 * t)).tolist(),
    }
    assert diagnose(history).verdict == "overfitting"


@given(n=EPOCHS, noise=NOISE, seed=SEEDS, level=st.floats(0.8, 1.6))
def test_synthetic_underfitting(n, noise, seed, level):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    train = level + 1.0 * np.exp(-0.6 * t)
    val = 1.05 * level + 0.9 * np.exp(-0.6 * t)
    history = {
        "loss": _noisy(train, noise, rng),
        "val_loss": _noisy(val, noise, rng),
        "accuracy": (0.6 - 0.3 * np.exp(-0.6 * t)).tolist(),
        "val_accuracy": (0.58 - 0.3 * np.exp(-0.6 * t)).tolist(),
    }
    assert diagnose(history).verdict == "underfitting"


@given(n=st.integers(3, 30), noise=st.floats(0, 0.0005), seed=SEEDS, step=st.floats(0.03, 0.06))
def test_synthetic_not_converged(n, noise, seed, step):
    """Both losses fall as fast as ever: a learning rate too small, or a run stopped too soon."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    train = 2.4 - step * t
    val = 2.3 - step * t
    assume(val[-1] > 0.5)
    assert diagnose(_history(_noisy(train, noise, rng), _noisy(val, noise, rng))).verdict == "not converged"


@given(n=EPOCHS, seed=SEEDS, size=st.floats(0.8, 1.5))
def test_synthetic_unstable_jumps(n, seed, size):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    train = 0.2 + 1.0 * np.exp(-0.5 * t)
    val = 0.3 + 0.8 * np.exp(-0.5 * t)
    jumps = 1 + size * (t % 2) * (t > n // 3) * rng.uniform(0.7, 1.0, n)  # every other epoch, up by a lot
    assert diagnose(_history(train.tolist(), (val * jumps).tolist())).verdict == "unstable"


@given(
    n=EPOCHS,
    where=st.integers(1, 11),
    which=st.sampled_from(["loss", "val_loss"]),
    bad=st.sampled_from([math.nan, math.inf]),
)
def test_nan_or_infinite_loss_is_unstable(n, where, which, bad):
    t = np.arange(n)
    history = _history((0.1 + np.exp(-0.5 * t)).tolist(), (0.2 + np.exp(-0.5 * t)).tolist())
    history[which][where:] = [bad] * (n - where)
    diagnosis = diagnose(history)
    assert diagnosis.verdict == "unstable"
    assert f"from epoch {where + 1}" in diagnosis.reasons[0]


def test_exploding_and_blown_up_losses_are_unstable():
    exploding = {"loss": [1.0, 0.8, 1.2, 3.0, 9.0], "val_loss": [0.9, 0.8, 1.5, 4.0, 20.0]}
    blown_up = {"loss": [125.0, 2.46, 2.40, 2.40, 2.40], "val_loss": [2.21, 2.35, 2.36, 2.36, 2.37]}
    backwards = {
        "loss": [1.6, 0.9, 0.85, 0.9, 1.0, 1.1],
        "val_loss": [1.2, 0.9, 0.95, 1.0, 1.1, 1.15],
        "accuracy": [0.5, 0.7, 0.72, 0.65, 0.55, 0.45],
        "val_accuracy": [0.6, 0.7, 0.68, 0.6, 0.5, 0.45],
    }
    for history, fragment in ((exploding, "exploding"), (blown_up, "exploded"), (backwards, "backwards")):
        diagnosis = diagnose(history)
        assert diagnosis.verdict == "unstable", diagnosis
        assert fragment in " ".join(diagnosis.reasons)


def test_every_threshold_moves_its_rule():
    """Each named threshold really is the one its rule reads."""
    history = {
        "loss": [1.0, 0.5, 0.35, 0.3, 0.27, 0.25, 0.24],
        "val_loss": [0.8, 0.5, 0.4, 0.38, 0.4, 0.42, 0.44],
    }
    assert diagnose(history).verdict == "overfitting"
    assert diagnose(history, overfit_rise=0.2).verdict != "overfitting"
    linear = {"loss": [2.4, 2.35, 2.3, 2.25, 2.2, 2.15], "val_loss": [2.3, 2.25, 2.2, 2.15, 2.1, 2.05]}
    assert diagnose(linear).verdict == "not converged"
    assert diagnose(linear, falling_slope=0.05).verdict == "underfitting"
    assert diagnose(linear, falling_slope=0.05, high_loss=0.95).verdict == "good fit"


# ---------------------------------------------------------------- input


class FakeHistory:
    """What keras.callbacks.History looks like to diagnose: an object with a ``history`` dict."""

    def __init__(self, history):
        self.history = history


GOOD = {"loss": [1.0, 0.5, 0.4, 0.35, 0.33, 0.32], "val_loss": [0.9, 0.55, 0.45, 0.42, 0.41, 0.41]}


def test_a_history_object_and_its_dict_give_the_same_diagnosis():
    assert diagnose(FakeHistory(GOOD)) == diagnose(GOOD)


@pytest.mark.parametrize("history", [None, 3, "loss", [0.5, 0.4, 0.3], (GOOD,), np.zeros(4)])
def test_a_history_of_the_wrong_type_is_a_type_error(history):
    with pytest.raises(TypeError, match="History returned by model.fit"):
        diagnose(history)


@pytest.mark.parametrize(
    "history, fragment",
    [
        ({"loss": [1.0, 0.5, 0.4]}, "no validation keys"),
        ({"val_loss": [1.0, 0.5, 0.4]}, "no 'loss'"),
        ({"loss": [1.0, 0.5], "val_loss": [0.9, 0.6]}, "at least 3 epochs"),
        ({"loss": [1.0, 0.5, 0.4], "val_loss": [0.9, 0.6]}, "one value per epoch"),
        ({"loss": [1.0, "0.5", 0.4], "val_loss": [0.9, 0.6, 0.5]}, "numbers"),
        ({"loss": [1.0, None, 0.4], "val_loss": [0.9, 0.6, 0.5]}, "numbers"),
        ({"loss": [1.0, True, 0.4], "val_loss": [0.9, 0.6, 0.5]}, "numbers"),
        ({"loss": "1.0 0.5 0.4", "val_loss": [0.9, 0.6, 0.5]}, "sequence of numbers"),
        ({"loss": [1.0, -0.5, 0.4], "val_loss": [0.9, 0.6, 0.5]}, ">= 0"),
        ({}, "non-empty"),
    ],
)
def test_bad_history_values_are_value_errors_naming_what_is_wrong(history, fragment):
    with pytest.raises(ValueError, match=fragment):
        diagnose(history)


@pytest.mark.parametrize(
    "argument, value",
    [
        ("window", 0),
        ("window", 2.5),
        ("overfit_rise", 0),
        ("overfit_rise", math.nan),
        ("high_error", 1.5),
        ("close_gap", -0.1),
        ("exploding", 1.0),
        ("blowup", "10"),
        ("min_epochs", 2),
        ("unstable_wiggle", True),
    ],
)
def test_bad_thresholds_are_refused_by_name(argument, value):
    with pytest.raises(ValueError, match=argument):
        diagnose(GOOD, **{argument: value})


@given(st.permutations(["loss", "val_loss", "accuracy", "val_accuracy"]))
def test_the_order_of_the_keys_does_not_matter(order):
    history = {
        "loss": [1.0, 0.5, 0.3, 0.2, 0.12, 0.08],
        "val_loss": [0.8, 0.5, 0.4, 0.42, 0.47, 0.52],
        "accuracy": [0.7, 0.85, 0.9, 0.94, 0.96, 0.98],
        "val_accuracy": [0.75, 0.84, 0.87, 0.87, 0.86, 0.85],
    }
    assert diagnose({key: history[key] for key in order}) == diagnose(history)


@given(seed=SEEDS, n=st.integers(10, 30))
def test_shuffled_epochs_of_a_smooth_run_are_unstable(seed, n):
    """A falling curve whose epochs are shuffled jumps up and down: nothing else explains it."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    train = 0.05 + 2.0 * np.exp(-0.3 * t)
    val = 0.2 + 1.5 * np.exp(-0.3 * t)
    order = rng.permutation(n)
    assume((np.abs(np.diff(order)) > 1).sum() > n // 2)  # a real shuffle, not a near-sorted one
    assert diagnose({"loss": train[order].tolist(), "val_loss": val[order].tolist()}).verdict == "unstable"


# ---------------------------------------------------------------- the result


def test_the_result_reads_well_in_text_and_in_jupyter():
    diagnosis = diagnose({"loss": [1.1, 0.52, 0.38, 0.30, 0.24, 0.19, 0.15, 0.12],
                          "val_loss": [0.61, 0.44, 0.37, 0.345, 0.351, 0.36, 0.38, 0.41]})  # fmt: skip
    assert isinstance(diagnosis, Diagnosis)
    text, page = repr(diagnosis), diagnosis._repr_html_()
    assert text.startswith("overfitting (best epoch 4 of 8)")
    assert "why:" in text and "try next:" in text
    assert all(reason in text for reason in diagnosis.reasons)
    assert "<li>" in page and "overfitting" in page
    assert set(diagnosis.figures) == set(FIGURES)
    lowest = (0.345 + 0.351 + 0.36) / 3  # the lowest 3-epoch average
    assert diagnosis.figures["rise"] == pytest.approx((0.41 - lowest) / lowest)
    assert "16.5% above its lowest level (a 3-epoch average; overfitting from 10%)" in text
    with pytest.raises(ValueError, match="verdict"):
        Diagnosis("overfit", 1, 3, (), ())


def test_verdicts_and_minimum_epochs_are_what_the_lesson_says():
    assert VERDICTS == ("good fit", "overfitting", "underfitting", "not converged", "unstable")
    assert MIN_EPOCHS == 3


def test_the_pure_core_imports_quickly_without_tensorflow():
    code = (
        "import sys, time; start = time.perf_counter(); import course_utils.engines.diagnosis; "
        "print(time.perf_counter() - start); "
        "print(sorted(m for m in ('tensorflow', 'keras', 'matplotlib', 'sklearn', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[1] == "[]"
    assert float(out[0]) < 0.5


# ---------------------------------------------------------------- real runs


HELDOUT_RUNS = json.loads(HELDOUT_FILE.read_text())
LESSON_RUNS = load_histories()


def test_the_held_out_file_holds_every_held_out_run_and_says_how_it_was_made():
    assert [run["name"] for run in HELDOUT_RUNS["runs"]["heldout"]] == [run.name for run in HELDOUT]
    made_by = HELDOUT_RUNS["made_by"]
    assert made_by["command"] == "./course histories --set heldout"
    assert {"cpus", "processor", "keras", "tensorflow"} <= set(made_by["machine"])
    # the held-out runs really are other runs than the lesson's
    lesson = {json.dumps(run.settings(), sort_keys=True) for runs in LESSON_SETS.values() for run in runs}
    assert not lesson & {json.dumps(run.settings(), sort_keys=True) for run in HELDOUT}
    assert {run.data for run in HELDOUT} == {"mnist_subset", "shapes"}
    assert {run.model for run in HELDOUT} == {"mlp", "cnn"}
    assert len({run.optimizer for run in HELDOUT}) >= 4
    assert {run.label for run in HELDOUT} == set(VERDICTS)


@pytest.mark.slow
def test_a_real_keras_history_object_is_read(keras):
    """A live fit, far too high a learning rate: the History object itself is diagnosed."""
    from course_utils.engines.data import make_shapes

    x, y = make_shapes(96, image_size=12, seed=5)
    x = x.astype("float32") / 255
    keras.utils.set_random_seed(5)
    model = keras.Sequential(
        [keras.Input((12, 12, 1)), keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")]
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e4), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])  # fmt: skip
    history = model.fit(x[:64], y[:64], validation_data=(x[64:], y[64:]), epochs=4, batch_size=16, verbose=0)
    assert isinstance(history, keras.callbacks.History)
    assert check_history(history) == history.history
    assert diagnose(history).verdict == "unstable"


def test_every_combination_of_figures_is_reported_or_none():
    for run in itertools.chain(*LESSON_RUNS["runs"].values()):
        figures = diagnose(run["history"]).figures
        assert set(figures) == set(FIGURES)
        assert all(value is None or math.isfinite(value) for value in figures.values())


# ---------------------------------------------------------------- one reader of a per-epoch series
_SERIES = [0.9, 0.6, 0.45, 0.4, 0.38, 0.37]
#: Every helper of history.py and diagnosis.py that reads a per-epoch series, as a call on one series.
_SERIES_READERS = {
    "history_dict": lambda s: history_dict({"val_loss": s})["val_loss"],
    "best_epoch": lambda s: best_epoch({"val_loss": s}),
    "early_stopping_epoch": lambda s: early_stopping_epoch(s, patience=1),
    "rise_above_minimum": rise_above_minimum,
    "recent_fall": recent_fall,
    "valley_fit": lambda s: valley_fit(s).tolist(),
    "wiggle": wiggle,
    "jumps": jumps,
    "diagnose": lambda s: diagnose({"loss": s, "val_loss": s}).verdict,
}


@pytest.mark.parametrize("reader", list(_SERIES_READERS))
@pytest.mark.parametrize("shape", [(6, 1), (1, 6)])
def test_history_and_the_diagnoser_read_a_column_of_epochs_alike(reader, shape):
    """A column (or a row) of per-epoch values is that many epochs, for every reader of a series."""
    read = _SERIES_READERS[reader]
    assert read(np.array(_SERIES).reshape(shape)) == read(_SERIES)


@pytest.mark.parametrize("reader", list(_SERIES_READERS))
def test_history_and_the_diagnoser_refuse_a_table_of_values_alike(reader):
    with pytest.raises(ValueError, match=r"must hold one number per epoch, got an array of shape \(2, 3\)"):
        _SERIES_READERS[reader](np.zeros((2, 3)))


def _still_improving_run(val_accuracy=0.95, last_step=None):
    """A good fit whose losses fall slowly at the end, the validation loss lowest at the last epoch."""
    t = np.arange(1, 16)
    train = list(0.10 + 1.2 * np.exp(-t / 1.5) + 0.004 * (15 - t))
    val = list(0.14 + 1.2 * np.exp(-t / 1.5) + 0.004 * (15 - t))
    if last_step is not None:
        val[-1] = val[-2] * (1 - last_step)
    return {"loss": train, "val_loss": val, "accuracy": [0.97] * 15, "val_accuracy": [val_accuracy] * 15}


def test_a_run_still_improving_at_its_last_epoch_may_also_read_as_not_converged():
    """A careful reader says 'more epochs may help' when the validation loss is lowest at the last
    epoch and still fell by 1% or more in it, below the ceiling; not at 100% nor once it has levelled off."""
    still = diagnose(_still_improving_run())
    assert still.verdict == "good fit" and "lowest at the last epoch" in still.also["not converged"]
    assert "not converged" not in diagnose(_still_improving_run(val_accuracy=1.0)).also
    assert "not converged" not in diagnose(_still_improving_run(last_step=0.002)).also
