"""The NumPy reference ops agree with Keras layers (and SciPy) on random configurations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from course_utils.core import reference_ops as ops

keras = pytest.importorskip("keras")
scipy_signal = pytest.importorskip("scipy.signal")

SETTINGS = settings(max_examples=40, deadline=None)
ATOL = 1e-5

pairs = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
paddings = st.one_of(st.sampled_from(["valid", "same"]), st.integers(0, 2))


def _pair(value):
    return value if isinstance(value, tuple) else (value, value)


def _extent(kernel, dilation):
    return tuple((k - 1) * d + 1 for k, d in zip(kernel, dilation, strict=True))


def _fits(size, kernel, dilation, padding):
    """True when every window fits in the padded input (otherwise the op must refuse)."""
    if padding == "same":
        return True
    pad = 0 if padding == "valid" else padding
    return all(s + 2 * pad >= e for s, e in zip(size, _extent(kernel, dilation), strict=True))


@st.composite
def conv_configs(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    batch = draw(st.integers(1, 2))
    size = (draw(st.integers(1, 8)), draw(st.integers(1, 8)))
    channels = draw(st.integers(1, 3))
    filters = draw(st.integers(1, 3))
    kernel_size = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    # Keras refuses strides > 1 together with dilation_rate > 1: draw one or the other.
    if draw(st.booleans()):
        strides, dilation_rate = draw(pairs), 1
    else:
        strides, dilation_rate = 1, draw(pairs)
    padding = draw(paddings)
    assume(_fits(size, kernel_size, _pair(dilation_rate), padding))
    x = rng.uniform(-1, 1, size=(batch, *size, channels)).astype(np.float32)
    kernel = rng.uniform(-1, 1, size=(*kernel_size, channels, filters)).astype(np.float32)
    bias = rng.uniform(-1, 1, size=filters).astype(np.float32) if draw(st.booleans()) else None
    return x, kernel, bias, strides, padding, dilation_rate


def keras_conv2d(x, kernel, bias, strides, padding, dilation_rate):
    """The same convolution computed by keras.layers.Conv2D with the same weights."""
    if isinstance(padding, int):
        x = keras.ops.convert_to_numpy(keras.layers.ZeroPadding2D(padding)(x))
        padding = "valid"
    layer = keras.layers.Conv2D(
        filters=kernel.shape[3],
        kernel_size=kernel.shape[:2],
        strides=strides,
        padding=padding,
        dilation_rate=dilation_rate,
        use_bias=bias is not None,
    )
    layer.build(x.shape)
    layer.set_weights([kernel] if bias is None else [kernel, bias])
    return keras.ops.convert_to_numpy(layer(x))


@SETTINGS
@given(conv_configs())
def test_conv2d_matches_keras(config):
    x, kernel, bias, strides, padding, dilation_rate = config
    expected = keras_conv2d(*config)
    got = ops.conv2d(x, kernel, bias, strides=strides, padding=padding, dilation_rate=dilation_rate)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=ATOL, rtol=0)


@settings(max_examples=30, deadline=None)
@given(conv_configs())
def test_conv2d_loop_matches_keras(config):
    x, kernel, bias, strides, padding, dilation_rate = config
    expected = keras_conv2d(*config)
    got = ops.conv2d_loop(x, kernel, bias, strides=strides, padding=padding, dilation_rate=dilation_rate)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=ATOL, rtol=0)


@SETTINGS
@given(
    st.integers(0, 2**32 - 1),
    st.integers(3, 9),
    st.integers(1, 3),
    pairs,
    pairs,
    st.sampled_from(["valid", "same", 1]),
)
def test_loop_and_vectorized_agree_with_strides_and_dilation_together(
    seed, size, kernel_size, strides, dilation_rate, padding
):
    # Keras cannot check this combination, so the two NumPy versions check each other.
    assume(_fits((size, size), (kernel_size, kernel_size), _pair(dilation_rate), padding))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(1, size, size, 2))
    kernel = rng.normal(size=(kernel_size, kernel_size, 2, 2))
    bias = rng.normal(size=2)
    kwargs = dict(strides=strides, padding=padding, dilation_rate=dilation_rate)
    np.testing.assert_allclose(
        ops.conv2d(x, kernel, bias, **kwargs), ops.conv2d_loop(x, kernel, bias, **kwargs), atol=1e-9
    )


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(1, 7), st.integers(1, 7), st.integers(1, 4), st.integers(1, 4))
def test_correlate_and_convolve_match_scipy(seed, height, width, kh, kw):
    assume(kh <= height and kw <= width)
    rng = np.random.default_rng(seed)
    image, kernel = rng.normal(size=(height, width)), rng.normal(size=(kh, kw))
    np.testing.assert_allclose(
        ops.correlate2d(image, kernel), scipy_signal.correlate2d(image, kernel, mode="valid"), atol=1e-9
    )
    np.testing.assert_allclose(
        ops.convolve2d(image, kernel), scipy_signal.convolve2d(image, kernel, mode="valid"), atol=1e-9
    )


def test_seed_worked_example_gives_minus_one():
    window = np.array([[0, 0, 0], [0, 0, 2], [0, 1, 2]])
    kernel = np.array([[1, -1, 0], [1, 1, 0], [0, 1, -1]])
    by_hand = sum(int(w) * int(k) for w, k in zip(window.ravel(), kernel.ravel(), strict=True))
    assert ops.correlate2d_single(window, kernel) == by_hand == -1
    # The flipped kernel reads the window in the other order and gives another number.
    assert ops.correlate2d_single(window, ops.flip_kernel(kernel)) != by_hand


def test_channels_are_summed_into_one_map_per_filter():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 5, 5, 3))
    kernel = rng.normal(size=(3, 3, 3, 4))
    out = ops.conv2d(x, kernel)
    assert out.shape == (1, 3, 3, 4)
    per_channel = sum(ops.correlate2d(x[0, :, :, c], kernel[:, :, c, 1]) for c in range(3))
    np.testing.assert_allclose(out[0, :, :, 1], per_channel, atol=1e-12)


def test_uint8_input_does_not_overflow():
    x = np.full((1, 2, 2, 1), 255, dtype=np.uint8)
    assert ops.conv2d(x, np.ones((2, 2, 1, 1)))[0, 0, 0, 0] == 4 * 255


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------
@st.composite
def pool_configs(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    size = (draw(st.integers(1, 8)), draw(st.integers(1, 8)))
    pool_size = draw(pairs)
    strides = draw(st.one_of(st.none(), pairs))
    padding = draw(paddings)
    assume(_fits(size, _pair(pool_size), (1, 1), padding))
    x = rng.uniform(-1, 1, size=(draw(st.integers(1, 2)), *size, draw(st.integers(1, 3))))
    return x.astype(np.float32), pool_size, strides, padding


def keras_pool(layer_class, x, pool_size, strides, padding):
    if isinstance(padding, int):
        x = keras.ops.convert_to_numpy(keras.layers.ZeroPadding2D(padding)(x))
        padding = "valid"
    layer = layer_class(pool_size=pool_size, strides=strides, padding=padding)
    return keras.ops.convert_to_numpy(layer(x))


@SETTINGS
@given(pool_configs())
def test_max_pool2d_matches_keras(config):
    x, pool_size, strides, padding = config
    expected = keras_pool(keras.layers.MaxPooling2D, *config)
    got = ops.max_pool2d(x, pool_size, strides, padding)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=ATOL, rtol=0)


@SETTINGS
@given(pool_configs())
def test_average_pool2d_matches_keras(config):
    x, pool_size, strides, padding = config
    expected = keras_pool(keras.layers.AveragePooling2D, *config)
    got = ops.average_pool2d(x, pool_size, strides, padding)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=ATOL, rtol=0)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 3), st.integers(1, 8), st.integers(1, 8), st.integers(1, 4))
def test_global_average_pool2d_matches_keras(seed, batch, height, width, channels):
    x = np.random.default_rng(seed).normal(size=(batch, height, width, channels)).astype(np.float32)
    for keepdims in (False, True):
        expected = keras.ops.convert_to_numpy(keras.layers.GlobalAveragePooling2D(keepdims=keepdims)(x))
        got = ops.global_average_pool2d(x, keepdims=keepdims)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, atol=ATOL, rtol=0)


def test_same_average_pooling_leaves_padding_out_of_the_mean():
    x = np.ones((1, 3, 3, 1))
    # Every window's real cells are ones, so every mean is exactly 1 (zeros would lower it).
    np.testing.assert_array_equal(ops.average_pool2d(x, 2, padding="same"), np.ones((1, 2, 2, 1)))
    # With explicit zeros the zeros are real input and do count.
    assert ops.average_pool2d(x, 2, padding=1)[0, 0, 0, 0] == 0.25


def test_same_max_pooling_never_picks_the_padding():
    x = -np.ones((1, 3, 3, 1))
    assert ops.max_pool2d(x, 2, padding="same").max() == -1
    assert ops.max_pool2d(x, 2, padding=1).max() == 0


# ---------------------------------------------------------------------------
# Errors: one clear ValueError naming the problem
# ---------------------------------------------------------------------------
X = np.zeros((1, 5, 5, 3))
K = np.zeros((3, 3, 3, 2))


@pytest.mark.parametrize("function", [ops.conv2d, ops.conv2d_loop])
@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((np.zeros((5, 5, 3)), K), {}, "x must have 4 dimensions"),
        ((X, np.zeros((3, 3, 3))), {}, "kernel must have 4 dimensions"),
        ((X, np.zeros((3, 3, 1, 2))), {}, "input channels"),
        ((X, K, np.zeros(3)), {}, "one value per filter"),
        ((X, K, np.zeros((2, 1))), {}, "bias must have 1 dimensions"),
        ((X, K), {"strides": 0}, "strides"),
        ((X, K), {"strides": 1.5}, "strides"),
        ((X, K), {"strides": True}, "strides"),
        ((X, K), {"strides": (1, 2, 3)}, "strides"),
        ((X, K), {"dilation_rate": 0}, "dilation_rate"),
        ((X, K), {"padding": "full"}, "padding"),
        ((X, K), {"padding": -1}, "padding"),
        ((X, np.zeros((6, 3, 3, 2))), {}, "output would be empty"),
        ((X, K), {"dilation_rate": 3}, "output would be empty"),
        (("image", K), {}, "x must be a sequence of numbers"),
        ((np.zeros((1, 0, 5, 3)), K), {}, "empty dimension"),
    ],
)
def test_conv_errors(function, args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        function(*args, **kwargs)


@pytest.mark.parametrize("function", [ops.max_pool2d, ops.average_pool2d])
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"x": np.zeros((4, 4))}, "x must have 4 dimensions"),
        ({"pool_size": 0}, "pool_size"),
        ({"pool_size": 2.0}, "pool_size"),
        ({"strides": (2, 0)}, "strides"),
        ({"padding": "causal"}, "padding"),
        ({"pool_size": 6}, "larger than the input"),
    ],
)
def test_pool_errors(function, kwargs, match):
    arguments = {"x": np.zeros((1, 5, 5, 2))} | kwargs
    with pytest.raises(ValueError, match=match):
        function(**arguments)


def test_small_helper_errors():
    with pytest.raises(ValueError, match="same shape"):
        ops.correlate2d_single(np.zeros((3, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="2-D"):
        ops.correlate2d_single(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="image must have 2 dimensions"):
        ops.correlate2d(np.zeros((1, 4, 4, 1)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        ops.flip_kernel([1, 2, 3])
    with pytest.raises(ValueError, match="keepdims"):
        ops.global_average_pool2d(X, keepdims="yes")


@pytest.mark.parametrize("function", [ops.conv2d, ops.conv2d_loop])
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"bias": [1.0, None]}, "bias must hold real numbers, got None among them"),
        ({"bias": np.array([1.0, None], dtype=object)}, "bias must hold real numbers, got None"),
        ({"bias": [1.0, "2"]}, "bias must hold real numbers, got text"),
        ({"bias": [1.0, 1j]}, "bias must hold real numbers, got a complex number"),
        ({"bias": 1.0}, "bias must be a sequence of numbers"),
        ({"x": np.full((1, 5, 5, 3), None)}, "x must hold real numbers, got None"),
        ({"kernel": np.full((3, 3, 3, 2), None)}, "kernel must hold real numbers, got None"),
    ],
)
def test_missing_values_are_refused_not_turned_into_nan(function, kwargs, match):
    arguments = {"x": X, "kernel": K, "bias": np.zeros(2)} | kwargs
    with pytest.raises(ValueError, match=match):
        function(**arguments)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ops.conv2d(np.zeros((100, 30, 30, 16)), np.zeros((3, 3, 16, 256))), "x and kernel ask for"),
        (lambda: ops.conv2d(np.zeros((4000, 32, 32, 3)), np.zeros((3, 3, 3, 8))), "x of shape"),
        (lambda: ops.conv2d_loop(np.zeros((2, 60, 60, 1)), np.zeros((3, 3, 1, 16))), "x and kernel ask for"),
        (lambda: ops.correlate2d(np.zeros((3000, 3000)), np.zeros((100, 100))), "image and kernel ask for"),
        (lambda: ops.max_pool2d(np.zeros((5, 200, 200, 8)), 30, strides=1), "x and pool_size ask for"),
    ],
)
def test_work_beyond_a_second_is_refused_before_it_starts(call, match):
    import time

    start = time.perf_counter()
    with pytest.raises(ValueError, match=match):
        call()
    assert time.perf_counter() - start < 1.0
