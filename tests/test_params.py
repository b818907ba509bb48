"""Tests for course_utils.core.params: every formula against the real Keras layer."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.core import params

keras = pytest.importorskip("keras")

FAST = settings(max_examples=40, deadline=None)
kernels = st.one_of(st.integers(1, 5), st.tuples(st.integers(1, 5), st.integers(1, 5)))
channels = st.integers(1, 12)
use_bias = st.booleans()


def _pair(k):
    return (k, k) if isinstance(k, int) else k


def _trainable(layer):
    return sum(int(np.prod(w.shape)) for w in layer.trainable_weights)


def _non_trainable(layer):
    return sum(int(np.prod(w.shape)) for w in layer.non_trainable_weights)


@FAST
@given(kernel_size=kernels, in_channels=channels, filters=channels, use_bias=use_bias)
def test_conv2d_params_matches_keras(kernel_size, in_channels, filters, use_bias):
    layer = keras.layers.Conv2D(filters, kernel_size, use_bias=use_bias)
    layer.build((None, 8, 8, in_channels))
    assert params.conv2d_params(kernel_size, in_channels, filters, use_bias) == layer.count_params()


@FAST
@given(kernel_size=kernels, in_channels=channels, filters=channels, use_bias=use_bias)
def test_conv2d_transpose_params_matches_keras(kernel_size, in_channels, filters, use_bias):
    layer = keras.layers.Conv2DTranspose(filters, kernel_size, use_bias=use_bias)
    layer.build((None, 6, 6, in_channels))
    got = params.conv2d_transpose_params(kernel_size, in_channels, filters, use_bias)
    assert got == layer.count_params()


@FAST
@given(in_features=st.integers(1, 300), units=st.integers(1, 50), use_bias=use_bias)
def test_dense_params_matches_keras(in_features, units, use_bias):
    layer = keras.layers.Dense(units, use_bias=use_bias)
    layer.build((None, in_features))
    assert params.dense_params(in_features, units, use_bias) == layer.count_params()


@FAST
@given(kernel_size=kernels, in_channels=channels, depth_multiplier=st.integers(1, 3), use_bias=use_bias)
def test_depthwise_params_matches_keras(kernel_size, in_channels, depth_multiplier, use_bias):
    layer = keras.layers.DepthwiseConv2D(kernel_size, depth_multiplier=depth_multiplier, use_bias=use_bias)
    layer.build((None, 8, 8, in_channels))
    got = params.depthwise_conv2d_params(kernel_size, in_channels, depth_multiplier, use_bias)
    assert got == layer.count_params()


@FAST
@given(
    kernel_size=kernels,
    in_channels=channels,
    filters=channels,
    depth_multiplier=st.integers(1, 3),
    use_bias=use_bias,
)
def test_separable_params_matches_keras(kernel_size, in_channels, filters, depth_multiplier, use_bias):
    layer = keras.layers.SeparableConv2D(
        filters, kernel_size, depth_multiplier=depth_multiplier, use_bias=use_bias
    )
    layer.build((None, 8, 8, in_channels))
    got = params.separable_conv2d_params(kernel_size, in_channels, filters, depth_multiplier, use_bias)
    assert got == layer.count_params()


@FAST
@given(ch=st.integers(1, 64), center=st.booleans(), scale=st.booleans())
def test_batch_norm_params_matches_keras(ch, center, scale):
    layer = keras.layers.BatchNormalization(center=center, scale=scale)
    layer.build((None, 5, 5, ch))
    trainable, non_trainable = params.batch_norm_params(ch, center=center, scale=scale)
    assert trainable == _trainable(layer)
    assert non_trainable == _non_trainable(layer)
    assert trainable + non_trainable == layer.count_params()


@settings(max_examples=25, deadline=None)
@given(
    size=st.integers(3, 7),
    kernel_size=st.integers(1, 3),
    in_channels=st.integers(1, 3),
    filters=st.integers(1, 3),
)
def test_locally_connected_equals_dense_with_local_mask(size, kernel_size, in_channels, filters):
    """A locally connected layer is a Dense layer whose weights outside each window are zero.

    Count, with NumPy, the Dense weights that a 'valid' window actually touches.
    """
    out = size - kernel_size + 1
    touched = 0
    for i in range(out):
        for j in range(out):
            mask = np.zeros((size, size), dtype=bool)
            mask[i : i + kernel_size, j : j + kernel_size] = True
            touched += int(mask.sum()) * in_channels * filters
    biases = out * out * filters
    got = params.locally_connected2d_params(out, kernel_size, in_channels, filters)
    assert got == touched + biases


def _conv_macs_by_loops(h, w, kernel_size, in_channels, filters, strides, padding):
    """Count the multiplications of a real Keras conv by counting non-padded taps per output.

    With 'valid' padding every tap is inside the input, so MACs = taps of every output.
    """
    layer = keras.layers.Conv2D(filters, kernel_size, strides=strides, padding=padding)
    out = layer.compute_output_shape((None, h, w, in_channels))
    kh, kw = _pair(kernel_size)
    return out, out[1] * out[2] * out[3] * (kh * kw * in_channels)


@FAST
@given(
    h=st.integers(5, 12),
    w=st.integers(5, 12),
    kernel_size=kernels,
    in_channels=channels,
    filters=channels,
    strides=st.integers(1, 3),
)
def test_conv2d_macs_uses_keras_output_shape(h, w, kernel_size, in_channels, filters, strides):
    out, expected = _conv_macs_by_loops(h, w, kernel_size, in_channels, filters, strides, "valid")
    got = params.conv2d_macs((out[1], out[2]), kernel_size, in_channels, filters)
    assert got == expected


@FAST
@given(
    h=st.integers(3, 9),
    w=st.integers(3, 9),
    kernel_size=kernels,
    c=st.integers(1, 3),
    f=st.integers(1, 4),
    strides=st.integers(1, 3),
)
def test_conv2d_macs_equals_im2col_matmul_size(h, w, kernel_size, c, f, strides):
    """Unfold a real input into patches (im2col): the conv is then patches @ kernel,
    a (P, K) by (K, F) matrix product that takes P * K * F multiply-adds."""
    kh, kw = _pair(kernel_size)
    if kh > h or kw > w:  # no window fits: there is no output whose multiply-adds to count
        with pytest.raises(ValueError, match="empty"):
            ar.conv2d_output_shape((h, w), kernel_size)
        return
    x = np.zeros((h, w, c))
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(0, 1))
    windows = windows[::strides, ::strides]
    oh, ow = windows.shape[:2]
    patches = windows.reshape(oh * ow, -1)
    p_rows, k = patches.shape
    assert params.conv2d_macs((oh, ow), kernel_size, c, f) == p_rows * k * f


def test_seed_figures():
    assert (
        params.conv2d_params(3, 1, 32)
        + params.conv2d_params(3, 32, 64)
        + params.dense_params(7 * 7 * 64, 64)
        + params.dense_params(64, 10)
    ) == 220_234
    assert (
        params.conv2d_params(2, 3, 16)
        + params.conv2d_params(2, 16, 32)
        + params.conv2d_params(2, 32, 64)
        + params.dense_params(1024, 500)
        + params.dense_params(500, 10)
    ) == 528_054
    assert (
        params.dense_params(784, 512) + params.dense_params(512, 512) + params.dense_params(512, 10)
    ) == 669_706
    assert params.conv2d_params(3, 256, 128, use_bias=False) == 294_912
    assert params.separable_conv2d_params(3, 256, 128, use_bias=False) == 35_072
    bottleneck = params.conv2d_macs(32, 1, 256, 64) + params.conv2d_macs(32, 3, 64, 128)
    assert bottleneck == 92_274_688
    assert params.conv2d_macs(32, 3, 256, 128) == 301_989_888


def test_separable_macs_is_depthwise_plus_pointwise():
    assert params.separable_conv2d_macs(10, 3, 8, 16) == (
        params.depthwise_conv2d_macs(10, 3, 8) + params.conv2d_macs(10, 1, 8, 16)
    )


def test_memory_helpers():
    assert params.weights_bytes(10) == 40
    assert params.weights_bytes(10, bytes_per_value=2) == 20
    assert params.activation_bytes((2, 3, 4), batch_size=5) == 2 * 3 * 4 * 5 * 4
    assert params.activation_bytes([7]) == 28
    assert np.zeros((5, 2, 3, 4), dtype=np.float32).nbytes == params.activation_bytes((2, 3, 4), batch_size=5)
    assert params.format_bytes(0) == "0 B"
    assert params.format_bytes(1024) == "1.0 KiB"
    assert params.format_bytes(2 * 1024**3) == "2.0 GiB"


@pytest.mark.parametrize(
    "call, names",
    [
        (lambda: params.conv2d_params(3, 0, 8), "in_channels"),
        (lambda: params.conv2d_params((3, 3, 3), 1, 8), "kernel_size"),
        (lambda: params.conv2d_params(3, 1, 2.0), "filters"),
        (lambda: params.conv2d_params(3, 1, 8, use_bias="yes"), "use_bias"),
        (lambda: params.dense_params(True, 8), "in_features"),
        (lambda: params.dense_params(8, 0), "units"),
        (lambda: params.depthwise_conv2d_params(3, 4, depth_multiplier=0), "depth_multiplier"),
        (lambda: params.separable_conv2d_params(-1, 4, 4), "kernel_size"),
        (lambda: params.batch_norm_params(0), "channels"),
        (lambda: params.batch_norm_params(4, center=1), "center"),
        (lambda: params.conv2d_macs((0, 3), 3, 1, 1), "output_size"),
        (lambda: params.conv2d_transpose_macs(3, 3, 1, None), "filters"),
        (lambda: params.dense_macs(3, 3, positions=0), "positions"),
        (lambda: params.locally_connected2d_params("26", 3, 1, 1), "output_size"),
        (lambda: params.weights_bytes(3.5), "params"),
        (lambda: params.activation_bytes(28), "shape"),
        (lambda: params.activation_bytes((28, 0)), "shape"),
        (lambda: params.activation_bytes((28, 28), batch_size=0), "batch_size"),
        (lambda: params.format_bytes(-1), "n_bytes"),
    ],
)
def test_bad_arguments_raise_clear_value_error(call, names):
    with pytest.raises(ValueError, match=names):
        call()


COUNT_FUNCTIONS = [
    (params.conv2d_params, (3,), ("in_channels", "filters")),
    (params.conv2d_transpose_params, (3,), ("in_channels", "filters")),
    (params.depthwise_conv2d_params, (3,), ("in_channels", "depth_multiplier")),
    (params.separable_conv2d_params, (3,), ("in_channels", "filters")),
    (params.conv2d_macs, (224, 3), ("in_channels", "filters")),
    (params.conv2d_transpose_macs, (224, 3), ("in_channels", "filters")),
    (params.depthwise_conv2d_macs, (224, 3), ("in_channels", "depth_multiplier")),
    (params.separable_conv2d_macs, (224, 3), ("in_channels", "filters")),
    (params.dense_params, (), ("in_features", "units")),
    (params.dense_macs, (), ("in_features", "units")),
]


@pytest.mark.parametrize(
    "function, leading, names", COUNT_FUNCTIONS, ids=lambda v: getattr(v, "__name__", "")
)
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint16, np.uint8])
def test_numpy_integers_give_the_python_int_result(function, leading, names, dtype):
    # 2048 does not fit in uint8: use the largest value each type holds, up to 2048
    value = min(2048, int(np.iinfo(dtype).max))
    expected = function(*leading, **{name: value for name in names})
    result = function(*leading, **{name: dtype(value) for name in names})
    assert type(result) is int and result == expected


def test_separable_macs_do_not_overflow():
    expected = 224 * 224 * 2048 * 9 + 224 * 224 * 2048 * 2048
    assert (
        params.separable_conv2d_macs(224, 3, in_channels=np.int32(2048), filters=2048)
        == expected
        == 211_378_241_536
    )


def test_format_bytes_never_overflows():
    assert params.format_bytes(10**18) == "909494.7 TiB"
    assert params.format_bytes(np.uint64(5 * 1024**4)) == "5.0 TiB"
    assert params.format_bytes(10**40).endswith(" TiB")
    with pytest.raises(ValueError, match="n_bytes"):
        params.format_bytes(10**101)


# --- every argument Keras honours, followed or refused as Keras does ---------------------------

from course_utils.core import arithmetic as ar  # noqa: E402

KERAS_SPECS = [
    ({"type": "Conv2D", "filters": 4, "kernel_size": 3, "groups": 2}, (6, 6, 4)),
    ({"type": "Conv2D", "filters": 6, "kernel_size": (3, 1), "groups": 3, "use_bias": False}, (6, 6, 9)),
    ({"type": "Conv2D", "filters": 4, "kernel_size": 3, "groups": 2}, (6, 6, 3)),
    ({"type": "Conv2D", "filters": 3, "kernel_size": 3, "groups": 2}, (6, 6, 4)),
    ({"type": "Conv2D", "filters": 4, "kernel_size": 3, "data_format": "channels_first"}, (2, 9, 7)),
    (
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "groups": 2, "data_format": "channels_first"},
        (4, 9, 7),
    ),
    ({"type": "Conv2D", "filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, (9, 9, 1)),
    (
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "strides": (2, 1), "dilation_rate": (1, 2)},
        (9, 9, 1),
    ),
    ({"type": "Conv2D", "filters": 4, "kernel_size": 3, "data_format": "channels_middle"}, (9, 9, 1)),
    ({"type": "Conv2D", "filters": 4, "kernel_size": 3, "size": 3}, (9, 9, 1)),
    ({"type": "Conv2D", "filters": 4, "kernel_size": 3, "trainable": False}, (9, 9, 2)),
    ({"type": "Conv1D", "filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, (9, 1)),
    ({"type": "Conv1D", "filters": 4, "kernel_size": 3, "data_format": "channels_first"}, (2, 9)),
    ({"type": "DepthwiseConv2D", "kernel_size": 3, "strides": 2, "dilation_rate": 2}, (9, 9, 1)),
    (
        {"type": "DepthwiseConv2D", "kernel_size": 3, "depth_multiplier": 2, "data_format": "channels_first"},
        (2, 9, 7),
    ),
    (
        {"type": "SeparableConv2D", "filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2},
        (9, 9, 1),
    ),
    ({"type": "SeparableConv2D", "filters": 4, "kernel_size": 3, "data_format": "channels_first"}, (2, 9, 7)),
    ({"type": "MaxPooling2D", "pool_size": 2, "data_format": "channels_first"}, (2, 9, 7)),
    ({"type": "AveragePooling1D", "pool_size": 2, "data_format": "channels_first"}, (2, 9)),
    ({"type": "GlobalAveragePooling2D", "data_format": "channels_first", "keepdims": True}, (2, 9, 7)),
    ({"type": "GlobalMaxPooling2D", "data_format": "channels_first"}, (2, 9, 7)),
    ({"type": "Flatten", "data_format": "channels_first"}, (2, 9, 7)),
    ({"type": "ZeroPadding2D", "padding": ((1, 2), (3, 4)), "data_format": "channels_first"}, (2, 9, 7)),
    ({"type": "Cropping2D", "cropping": ((1, 2), (3, 0)), "data_format": "channels_first"}, (2, 9, 7)),
    ({"type": "BatchNormalization", "axis": 1}, (5, 9, 7)),
    ({"type": "BatchNormalization", "axis": -3}, (5, 9, 7)),
    ({"type": "BatchNormalization", "axis": 3}, (5, 9, 7)),
    ({"type": "BatchNormalization", "axis": 0}, (5, 9, 7)),
    ({"type": "BatchNormalization", "axis": 4}, (5, 9, 7)),
    ({"type": "BatchNormalization", "axis": [1, 2]}, (5, 9, 7)),
    ({"type": "BatchNormalization", "renorm": True}, (5, 9, 7)),
    ({"type": "BatchNormalization", "trainable": False, "center": False}, (5, 9, 7)),
    ({"type": "Dense", "units": 4, "lora_rank": 2}, (6,)),
    ({"type": "Dense", "units": 4, "lora_rank": 2, "use_bias": False}, (3, 6)),
    ({"type": "Dense", "units": 4, "trainable": False}, (6,)),
    ({"type": "Dense", "units": 4, "data_format": "channels_first"}, (6,)),
    ({"type": "Dropout", "rate": 0.5, "noise_shape": (None, 1, 1, 7)}, (5, 9, 7)),
    ({"type": "SpatialDropout2D", "rate": 0.5, "data_format": "channels_first"}, (5, 9, 7)),
    ({"type": "SpatialDropout2D", "rate": 0.5, "trainable": False}, (5, 9, 7)),
]


def _keras_facts(spec, input_shape):
    """What Keras makes of a spec: ``(output shape, (trainable, non_trainable))``, or None if it refuses it."""
    arguments = {key: value for key, value in spec.items() if key != "type"}
    try:
        model = keras.Sequential([keras.Input(input_shape), getattr(keras.layers, spec["type"])(**arguments)])
    except Exception:  # Keras refuses the spec (any error type: it is Keras's own)
        return None
    layer = model.layers[0]
    return tuple(model.output_shape[1:]), (_trainable(layer), _non_trainable(layer))


def _our_facts(spec, input_shape):
    try:
        shape = ar.step_layer(spec, ar.input_state(input_shape)).shape
        counts = params.layer_params(spec, input_shape)
    except ValueError:
        return None
    return shape, counts


@pytest.mark.parametrize("spec, input_shape", KERAS_SPECS, ids=lambda value: str(value))
def test_every_argument_is_followed_or_refused_as_keras_does(spec, input_shape):
    assert _our_facts(spec, input_shape) == _keras_facts(spec, input_shape)


@pytest.mark.parametrize(
    "spec, input_shape, argument",
    [
        ({"type": "Conv2D", "filters": 4, "kernel_size": 3, "groups": 2}, (6, 6, 3), "groups"),
        (
            {"type": "Conv2D", "filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2},
            (9, 9, 1),
            "strides",
        ),
        (
            {"type": "Conv2D", "filters": 4, "kernel_size": 3, "data_format": "channels_middle"},
            (9, 9, 1),
            "data_format",
        ),
        ({"type": "Conv2D", "filters": 4, "kernel_size": 3, "size": 3}, (9, 9, 1), "'size'"),
        ({"type": "BatchNormalization", "axis": 0}, (5, 9, 7), "axis"),
        ({"type": "BatchNormalization", "axis": [1, 2]}, (5, 9, 7), "axis"),
        ({"type": "Dense", "units": 4, "quantization_config": "int8"}, (6,), "quantization_config"),
    ],
)
def test_what_keras_refuses_is_refused_by_name(spec, input_shape, argument):
    with pytest.raises(ValueError, match=argument):
        params.layer_params(spec, input_shape)
    if spec["type"] != "Dense":
        with pytest.raises(ValueError, match=argument):
            ar.step_layer(spec, ar.input_state(input_shape))


def test_macs_follow_groups_and_channels_first():
    grouped = {"type": "Conv2D", "filters": 4, "kernel_size": 3, "groups": 2}
    assert params.layer_macs(grouped, (6, 6, 4), (4, 4, 4)) == 4 * 4 * 4 * 3 * 3 * 2
    first = {"type": "Conv2D", "filters": 4, "kernel_size": 3, "data_format": "channels_first"}
    assert params.layer_macs(first, (2, 9, 7), (4, 7, 5)) == params.conv2d_macs((7, 5), 3, 2, 4)


REQUIRED = {
    "filters": 2, "kernel_size": 3, "pool_size": 2, "units": 2, "rate": 0.5, "stddev": 0.1,
    "activation": "relu", "scale": 1.0, "factor": 0.1, "height_factor": 0.1, "width_factor": 0.1,
    "target_shape": (4,), "dims": (1,), "height": 2, "width": 2, "shape": (2,),
}  # fmt: skip
"""A value for each argument some Keras layer cannot do without."""


@pytest.mark.parametrize("kind", sorted(ar.KERAS_ARGUMENTS))
def test_the_argument_lists_are_keras_own(kind):
    import inspect

    keras_layer = {
        "activity_regularizer",
        "trainable",
        "dtype",
        "autocast",
        "name",
        "input_dim",
        "input_shape",
    }
    cls = getattr(keras.layers, kind)
    parameters = inspect.signature(cls.__init__).parameters
    required = {
        name: REQUIRED[name]
        for name, p in parameters.items()
        if p.default is inspect.Parameter.empty and name not in ("self", "args", "kwargs")
    }
    if kind == "InputLayer":
        required = {"shape": (2,)}  # optional in the signature, but one of shape and batch_shape is needed
    taken = set(parameters) - {"self", "args", "kwargs"} | set(cls(**required).get_config())
    if "kwargs" in parameters:
        taken |= keras_layer
    assert ar.KERAS_ARGUMENTS[kind] == taken, (
        f"{kind}: Keras also takes {sorted(taken - ar.KERAS_ARGUMENTS[kind])}; "
        f"Keras does not take {sorted(ar.KERAS_ARGUMENTS[kind] - taken)}"
    )
