"""Lesson 08's formulas agree with what Keras does: the L2 penalty, dropout's scale, batch
normalization in training and inference, cosine decay; and the range-test reading is sound."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.engines import regularization as R


# ---------------------------------------------------------------- L2
@settings(max_examples=15, deadline=None)
@given(
    l2=st.sampled_from([1e-5, 1e-4, 1e-3, 1e-2, 0.3]),
    filters=st.integers(1, 6),
    kernel=st.integers(1, 4),
    seed=st.integers(0, 100),
)
def test_l2_penalty_is_what_keras_adds_to_the_loss(keras, l2, filters, kernel, seed):
    layer = keras.layers.Conv2D(
        filters,
        kernel,
        kernel_regularizer=keras.regularizers.L2(l2),
        kernel_initializer=keras.initializers.RandomNormal(seed=seed),
    )
    layer.build((None, 8, 8, 2))
    keras_penalty = float(sum(layer.losses))
    ours = R.l2_penalty(layer.get_weights()[0], l2=l2)
    assert math.isclose(ours, keras_penalty, rel_tol=1e-5)


@given(lam=st.floats(0, 100), m=st.integers(1, 10**6))
def test_the_two_l2_conventions_give_the_same_penalty(lam, m):
    weights = np.linspace(-1, 1, 7)
    l2 = R.keras_l2_from_notes(lam, m)
    notes_penalty = lam / (2 * m) * np.sum(weights**2)
    assert math.isclose(R.l2_penalty(weights, l2), notes_penalty, rel_tol=1e-12, abs_tol=1e-300)
    assert math.isclose(R.notes_lambda_from_keras(l2, m), lam, rel_tol=1e-12, abs_tol=1e-300)


def test_l2_penalty_sums_over_a_list_of_kernels():
    kernels = [np.ones((3, 3, 1, 2)), np.full((4,), 2.0)]
    assert R.l2_penalty(kernels, 0.5) == pytest.approx(0.5 * (18 + 16))


# ---------------------------------------------------------------- dropout
@pytest.mark.parametrize("rate", [0.1, 0.25, 0.5, 0.8])
def test_dropout_scales_the_kept_values_by_the_inverse_of_the_keep_share(keras, rate):
    x = np.full((1, 2000), 3.0, dtype="float32")
    layer = keras.layers.Dropout(rate, seed=1)
    trained = np.asarray(layer(x, training=True))
    kept = trained[trained != 0]
    assert np.allclose(kept, 3.0 * R.inverted_dropout_scale(rate), rtol=1e-6)
    assert abs(1 - kept.size / x.size - rate) < 0.05  # about a share `rate` is dropped
    assert np.array_equal(np.asarray(layer(x, training=False)), x)  # inference: untouched


# ---------------------------------------------------------------- batch normalization
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 1000), channels=st.integers(1, 4), batch=st.integers(2, 8))
def test_batch_norm_matches_keras_in_training_and_inference(keras, seed, channels, batch):
    rng = np.random.default_rng(seed)
    x = rng.normal(2.0, 3.0, (batch, 3, 3, channels)).astype("float32")
    layer = keras.layers.BatchNormalization()
    layer.build(x.shape)
    gamma, beta = rng.uniform(0.5, 2, channels), rng.normal(0, 1, channels)
    moving_mean, moving_variance = rng.normal(0, 1, channels), rng.uniform(0.5, 2, channels)
    layer.set_weights([gamma, beta, moving_mean, moving_variance])
    for training in (False, True):  # inference first: a training call updates the moving statistics
        expected = np.asarray(layer(x, training=training))
        ours = R.batch_norm(x, gamma, beta, moving_mean, moving_variance, training=training)
        assert np.allclose(ours, expected, atol=1e-4, rtol=1e-4), training


def test_batch_norm_needs_the_moving_statistics_at_inference():
    with pytest.raises(ValueError, match="moving_mean"):
        R.batch_norm(np.ones((2, 3)), training=False)
    with pytest.raises(ValueError, match="one per channel of x"):
        R.batch_norm(np.ones((2, 3)), gamma=[1.0, 2.0])
    with pytest.raises(ValueError, match="batch axis"):
        R.batch_norm([1.0, 2.0])


# ---------------------------------------------------------------- cosine decay
@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_cosine_decay_matches_keras(keras, alpha):
    schedule = keras.optimizers.schedules.CosineDecay(0.003, decay_steps=100, alpha=alpha)
    for step in (0, 1, 25, 50, 99, 100, 150):
        assert math.isclose(
            R.cosine_decay(step, 0.003, 100, alpha), float(schedule(step)), rel_tol=1e-5, abs_tol=1e-9
        )


# ---------------------------------------------------------------- the range test
def _range_test(best_index: int, n: int = 40):
    rates = np.logspace(-6, 1, n)
    losses = 2.3 - 2.0 * np.exp(-(((np.arange(n) - best_index) / 6.0) ** 2))
    losses[best_index + 6 :] = np.linspace(3, 50, n - best_index - 6)  # the blow-up
    return rates, losses


@given(best_index=st.integers(5, 30))
def test_range_test_suggests_a_tenth_of_the_rate_at_the_lowest_loss(best_index):
    rates, losses = _range_test(best_index)
    suggestion = R.lr_range_suggestion(rates, losses, smoothing=0.0)
    assert suggestion == pytest.approx(rates[best_index] / 10)
    # smoothing lags behind the raw curve, so its minimum is at or after the raw one
    assert R.lr_range_suggestion(rates, losses, smoothing=0.8) >= suggestion


def test_range_test_stops_reading_at_the_first_nan():
    rates = np.array([1e-4, 1e-3, 1e-2, 1e-1])
    assert R.lr_range_suggestion(rates, [2.0, 1.0, np.nan, 0.1], smoothing=0.0) == pytest.approx(1e-4)


@pytest.mark.parametrize(
    ("rates", "losses", "match"),
    [
        ([1e-3, 1e-4], [1.0, 2.0], "increasing"),
        ([1e-3], [1.0], "2 to"),
        ([1e-3, 1e-2], [1.0], "one value per rate"),
        ([1e-3, 1e-2], [np.nan, 1.0], "at least 2 finite"),
        ([1e-3, 1e-2], "loss", "losses"),
    ],
)
def test_a_bad_range_test_is_refused(rates, losses, match):
    with pytest.raises(ValueError, match=match):
        R.lr_range_suggestion(rates, losses)


RATES = [1e-4, 1e-3, 1e-2, 1e-1]


@pytest.mark.parametrize(
    "losses, match",
    [
        ([True, False, True, True], "losses must hold real numbers, got True/False"),
        (np.array([True, False, True, True]), "losses must hold real numbers, got True/False"),
        ([2.0, 1.0 + 1j, 0.5, 3.0], "losses must hold real numbers, got a complex number"),
        (np.array([2.0, 1.0, 0.5, 3.0]) + 0j, "losses must hold real numbers, got complex numbers"),
        ([2.0, None, 0.5, 3.0], "losses must hold real numbers, got None"),
        (2.0, "losses must be a sequence"),
    ],
)
def test_range_test_losses_are_real_numbers(losses, match):
    with pytest.raises(ValueError, match=match):
        R.lr_range_suggestion(RATES, losses)


def test_range_test_rates_are_real_numbers():
    with pytest.raises(ValueError, match="learning_rates must hold real numbers, got True/False"):
        R.lr_range_suggestion([True, 2, 3, 4], [2.0, 1.0, 0.5, 3.0])


@pytest.mark.parametrize("bad", [[1.0, None], np.array([1.0, None], dtype=object), [1.0, "2"], [[1.0], True]])
def test_weights_hold_numbers_only(bad):
    with pytest.raises(ValueError, match="weights"):
        R.l2_penalty(bad, 0.01)
    assert R.l2_penalty(2.0, 0.01) == pytest.approx(0.04)  # one weight
