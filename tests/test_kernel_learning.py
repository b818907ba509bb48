"""course_utils.core.kernel_learning: the squared error's gradient, checked three ways, and the fit.

The gradient is compared with finite differences, with the per-image cross-correlations of
the derivation, and with TensorFlow's automatic differentiation of a Keras ``Conv2D``; one
step of gradient descent is compared with one step of Keras's SGD optimizer.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.core import kernel_learning as kl
from course_utils.core import reference_ops as ops
from course_utils.engines.data import load_dataset

SOBEL = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


@st.composite
def problems(draw):
    """A random batch of images, a kernel that fits in them and targets of the maps' shape."""
    seed = draw(st.integers(0, 2**16))
    n, height, width = draw(st.integers(1, 3)), draw(st.integers(2, 7)), draw(st.integers(2, 7))
    kh, kw = draw(st.integers(1, height)), draw(st.integers(1, width))
    rng = np.random.default_rng(seed)
    images = rng.normal(size=(n, height, width))
    kernel = rng.normal(size=(kh, kw))
    targets = rng.normal(size=(n, height - kh + 1, width - kw + 1))
    return images, kernel, targets


@given(problems())
def test_the_gradient_is_the_derivative_of_the_error(problem):
    images, kernel, targets = problem
    gradient = kl.squared_error_gradient(images, kernel, targets)
    numeric = np.zeros_like(kernel)
    eps = 1e-6
    for index in np.ndindex(kernel.shape):
        step = np.zeros_like(kernel)
        step[index] = eps
        numeric[index] = (
            kl.squared_error(images, kernel + step, targets)
            - kl.squared_error(images, kernel - step, targets)
        ) / (2 * eps)
    assert np.allclose(gradient, numeric, atol=1e-5, rtol=1e-5)


@given(problems())
def test_the_gradient_is_each_image_correlated_with_its_error_map(problem):
    images, kernel, targets = problem
    errors = [ops.correlate2d(image, kernel) - target for image, target in zip(images, targets)]
    by_hand = 2 / sum(e.size for e in errors) * sum(ops.correlate2d(x, e) for x, e in zip(images, errors))
    assert np.allclose(kl.squared_error_gradient(images, kernel, targets), by_hand)


@settings(max_examples=8)
@given(problems())
def test_the_gradient_matches_tensorflow_on_a_keras_conv2d(keras, problem):
    import tensorflow as tf

    images, kernel, targets = problem
    layer = keras.layers.Conv2D(1, kernel.shape, use_bias=False)
    layer.build((None, *images.shape[1:], 1))
    layer.set_weights([kernel[:, :, None, None].astype("float32")])
    with tf.GradientTape() as tape:
        loss = keras.losses.MeanSquaredError()(targets[..., None], layer(images[..., None].astype("float32")))
    (gradient,) = tape.gradient(loss, layer.trainable_weights)
    assert np.allclose(
        gradient.numpy()[:, :, 0, 0], kl.squared_error_gradient(images, kernel, targets), rtol=1e-4, atol=1e-4
    )
    assert np.isclose(float(loss), kl.squared_error(images, kernel, targets), rtol=1e-4)


def test_one_step_is_one_step_of_keras_sgd(keras):
    rng = np.random.default_rng(3)
    images, kernel = rng.normal(size=(4, 9, 8)), rng.normal(size=(3, 3))
    targets = kl.feature_maps(images, SOBEL)
    model = keras.Sequential([keras.Input((9, 8, 1)), keras.layers.Conv2D(1, 3, use_bias=False)])
    model.set_weights([kernel[:, :, None, None].astype("float32")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
    model.train_on_batch(images[..., None], targets[..., None])
    stepped = model.get_weights()[0][:, :, 0, 0]
    assert np.allclose(stepped, kl.gradient_step(images, kernel, targets, 0.05), atol=1e-5)


def test_fit_takes_the_steps_of_gradient_step():
    rng = np.random.default_rng(1)
    images, kernel = rng.normal(size=(2, 6, 5)), rng.normal(size=(2, 3))
    targets = rng.normal(size=(2, 5, 3))
    fit = kl.fit_kernel(images, targets, kernel, learning_rate=0.1, steps=5)
    assert fit.kernels.shape == (6, 2, 3) and fit.errors.shape == (6,) and fit.steps == 5
    current = kernel
    for step in range(6):
        assert np.allclose(fit.kernels[step], current)
        assert np.isclose(fit.errors[step], kl.squared_error(images, current, targets))
        current = kl.gradient_step(images, current, targets, 0.1)
    assert np.array_equal(fit.kernel, fit.kernels[-1])
    assert np.all(np.diff(fit.errors) < 0)  # a small rate: the error falls at every step


def test_a_kernel_is_learned_back_from_the_maps_it_made_on_real_digits():
    (x, _), _ = load_dataset("mnist_subset")
    digits = x[:8, :, :, 0] / 255.0
    start = np.random.default_rng(0).uniform(-0.5, 0.5, size=(3, 3))
    fit = kl.fit_kernel(digits, kl.feature_maps(digits, SOBEL), start, learning_rate=1.0, steps=400)
    assert np.abs(fit.kernel - SOBEL).max() < 0.01
    assert fit.errors[-1] < 1e-4 * fit.errors[0]


def test_too_large_a_rate_makes_the_error_grow_and_overflow_quietly():
    rng = np.random.default_rng(2)
    images = rng.uniform(0, 1, size=(3, 8, 8))
    targets = kl.feature_maps(images, SOBEL)
    fit = kl.fit_kernel(images, targets, np.zeros((3, 3)), learning_rate=50.0, steps=400)
    assert fit.errors[20] > 1e6 * fit.errors[0]
    assert not np.isfinite(fit.errors[-1])


def test_one_image_without_a_batch_axis():
    image = np.arange(12.0).reshape(3, 4)
    maps = kl.feature_maps(image, [[1.0, -1.0]])
    assert maps.shape == (3, 3)
    assert kl.squared_error(image, [[1.0, -1.0]], maps) == 0.0
    assert kl.squared_error_gradient(image, [[1.0, -1.0]], maps).tolist() == [[0.0, 0.0]]


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: kl.squared_error(np.ones((2, 5, 5)), np.ones((3, 3)), np.ones((2, 4, 4))),
            r"targets .*\(2, 3, 3\)",
        ),
        (lambda: kl.squared_error(np.ones((2, 5, 5)), np.ones((3, 3)), np.ones((3, 3))), "targets"),
        (lambda: kl.feature_maps(np.ones((4, 4)), np.ones((5, 2))), "kernel of shape"),
        (lambda: kl.feature_maps(np.ones((1, 4, 4, 1)), np.ones((2, 2))), "images"),
        (lambda: kl.feature_maps([["a", "b"]], np.ones((1, 1))), "images"),
        (lambda: kl.feature_maps(np.ones((3, 3)), [[np.nan]]), "kernel"),
        (lambda: kl.gradient_step(np.ones((3, 3)), np.ones((2, 2)), np.ones((2, 2)), 0), "learning_rate"),
        (
            lambda: kl.fit_kernel(np.ones((3, 3)), np.ones((2, 2)), np.ones((2, 2)), 0.1, kl.MAX_STEPS + 1),
            "steps",
        ),
    ],
)
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


IMAGES, KERNEL = np.ones((2, 5, 5)), np.zeros((3, 3))


@pytest.mark.parametrize(
    "call",
    [
        lambda: kl.squared_error(IMAGES, KERNEL, None),
        lambda: kl.squared_error_gradient(IMAGES, KERNEL, None),
        lambda: kl.gradient_step(IMAGES, KERNEL, None, 0.1),
        lambda: kl.fit_kernel(IMAGES, None, KERNEL, 0.1, 3),
    ],
)
def test_missing_targets_are_refused_not_read_as_a_value(call):
    with pytest.raises(
        ValueError, match=r"targets must be the wanted feature maps, an array of shape \(2, 3, 3\)"
    ):
        call()


@pytest.mark.parametrize(
    "targets, match",
    [
        (np.full((2, 3, 3), None), "targets must hold real numbers, got None"),
        (np.ones((2, 3, 3), dtype=bool), "targets must hold real numbers, got True/False"),
        (1.0, "targets must be a sequence"),
    ],
)
def test_targets_are_numbers(targets, match):
    with pytest.raises(ValueError, match=match):
        kl.squared_error(IMAGES, KERNEL, targets)


def test_the_documented_caps_run_within_a_second_or_two():
    import time

    rng = np.random.default_rng(0)
    small = rng.random((2, 5, 5))
    start = time.perf_counter()
    kl.fit_kernel(small, kl.feature_maps(small, np.ones((3, 3))), KERNEL, 0.01, kl.MAX_STEPS)
    assert time.perf_counter() - start < 3.0
    digits = rng.random((16, 28, 28))  # lesson 01's 16 digits: the cap on the work allows 1,000 steps
    steps = kl.MAX_FIT_MACS // (16 * 26 * 26 * 9)
    start = time.perf_counter()
    kl.fit_kernel(digits, kl.feature_maps(digits, np.ones((3, 3))), KERNEL, 0.01, steps)
    assert time.perf_counter() - start < 3.0
    with pytest.raises(ValueError, match=r"steps=1,100 .* at most 1,027 steps"):
        kl.fit_kernel(digits, kl.feature_maps(digits, np.ones((3, 3))), KERNEL, 0.01, 1_100)
