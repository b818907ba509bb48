"""Tests of course_utils.core.arithmetic against the output shapes of real Keras layers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from course_utils.core import arithmetic as ar

FAST = settings(max_examples=40, deadline=None)


lengths = st.integers(1, 14)
kernels = st.integers(1, 5)
stride_values = st.integers(1, 4)
dilations = st.integers(1, 3)


def keras_shape(layer, height, width):
    """Spatial shape that a Keras layer really produces on a zero input."""
    x = np.zeros((1, height, width, 2), dtype="float32")
    return tuple(int(n) for n in layer(x).shape[1:3])


def keras_outcome(make_layer, height, width):
    """The real output shape, or None when the output is empty or Keras refuses it."""
    try:
        shape = keras_shape(make_layer(), height, width)
    except Exception:  # Keras raises ValueError (or a TF error) for an empty output
        return None
    return None if 0 in shape else shape  # eager TF pooling returns an empty tensor


def our_outcome(function, lengths, kernels, **kwargs):
    try:
        return tuple(function(n, k, **kwargs) for n, k in zip(lengths, kernels, strict=True))
    except ValueError:
        return None


# --- formulas written independently of the module, from the textbook definitions ---


def textbook_conv(w, f, s, p, d):
    """floor((W - F_eff + 2P) / S) + 1, or None when the padded input is too short."""
    f_eff = d * (f - 1) + 1
    if w + 2 * p < f_eff:
        return None
    return math.floor((w - f_eff + 2 * p) / s) + 1


def brute_force_same(w, f, s, d):
    """Try every total padding; TF's is the smallest that gives ceil(W/S) windows."""
    f_eff = d * (f - 1) + 1
    target = math.ceil(w / s)
    for total in range(0, f_eff + s + 1):
        count = len(range(0, w + total - f_eff + 1, s))
        if count == target and (target - 1) * s + f_eff <= w + total:
            return (total // 2, total - total // 2)
    raise AssertionError("no padding found")


@FAST
@given(w=st.integers(1, 60), f=kernels, s=stride_values, p=st.integers(0, 4), d=dilations)
def test_conv_output_length_matches_textbook_formula(w, f, s, p, d):
    expected = textbook_conv(w, f, s, p, d)
    if expected is None or expected < 1:
        with pytest.raises(ValueError, match="empty"):
            ar.conv_output_length(w, f, strides=s, padding=p, dilation_rate=d)
    else:
        assert ar.conv_output_length(w, f, strides=s, padding=p, dilation_rate=d) == expected
        if p == 0:
            assert ar.conv_output_length(w, f, s, "valid", d) == expected


@FAST
@given(w=st.integers(1, 60), f=kernels, s=stride_values, d=dilations)
def test_same_padding_is_the_smallest_total_that_keeps_ceil_w_over_s(w, f, s, d):
    before, after = ar.same_padding(w, f, strides=s, dilation_rate=d)
    assert (before, after) == brute_force_same(w, f, s, d)
    assert after - before in (0, 1)
    # the padded input gives exactly the 'same' output length
    assert textbook_conv(w + before + after, f, s, 0, d) == ar.conv_output_length(w, f, s, "same", d)


# --- against Keras ---


@FAST
@given(
    h=lengths,
    w=lengths,
    kh=kernels,
    kw=kernels,
    s=stride_values,
    d=dilations,
    padding=st.sampled_from(["valid", "same"]),
)
def test_conv_output_length_matches_keras_conv2d(keras, h, w, kh, kw, s, d, padding):
    if d > 1:
        s = 1  # Keras refuses strides > 1 together with dilation_rate > 1
    ours = our_outcome(ar.conv_output_length, (h, w), (kh, kw), strides=s, padding=padding, dilation_rate=d)
    real = keras_outcome(
        lambda: keras.layers.Conv2D(1, (kh, kw), strides=s, padding=padding, dilation_rate=d),
        h,
        w,
    )
    assert ours == real


@FAST
@given(h=lengths, w=lengths, kh=kernels, kw=kernels, s=stride_values, p=st.integers(0, 3), d=dilations)
def test_explicit_padding_matches_zeropadding_then_valid_conv(keras, h, w, kh, kw, s, p, d):
    if d > 1:
        s = 1
    ours = our_outcome(ar.conv_output_length, (h, w), (kh, kw), strides=s, padding=p, dilation_rate=d)

    def model():
        return keras.Sequential(
            [
                keras.layers.ZeroPadding2D(p),
                keras.layers.Conv2D(1, (kh, kw), strides=s, padding="valid", dilation_rate=d),
            ]
        )

    assert ours == keras_outcome(model, h, w)


@pytest.mark.parametrize("layer_name", ["MaxPooling2D", "AveragePooling2D"])
@FAST
@given(
    h=lengths,
    w=lengths,
    ph=kernels,
    pw=kernels,
    strides=st.one_of(st.none(), st.tuples(stride_values, stride_values)),
    padding=st.sampled_from(["valid", "same"]),
)
def test_pool_output_length_matches_keras(keras, layer_name, h, w, ph, pw, strides, padding):
    layer_class = getattr(keras.layers, layer_name)
    sh, sw = (None, None) if strides is None else strides
    try:
        ours = (
            ar.pool_output_length(h, ph, sh, padding),
            ar.pool_output_length(w, pw, sw, padding),
        )
    except ValueError:
        ours = None
    real = keras_outcome(lambda: layer_class((ph, pw), strides=strides, padding=padding), h, w)
    assert ours == real


@FAST
@given(h=lengths, w=lengths, kh=kernels, kw=kernels, s=stride_values, d=dilations)
def test_same_padding_is_what_tensorflow_adds(keras, h, w, kh, kw, s, d):
    """A 'same' conv equals a 'valid' conv on the input padded with our (before, after)."""
    if d > 1:
        s = 1
    rng = np.random.default_rng(h * 1000 + w)
    x = rng.normal(size=(1, h, w, 2)).astype("float32")
    same = keras.layers.Conv2D(3, (kh, kw), strides=s, padding="same", dilation_rate=d)
    y_same = np.asarray(same(x))
    valid = keras.layers.Conv2D(3, (kh, kw), strides=s, padding="valid", dilation_rate=d)
    top, bottom = ar.same_padding(h, kh, s, d)
    left, right = ar.same_padding(w, kw, s, d)
    x_padded = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    valid.build(x_padded.shape)
    valid.set_weights(same.get_weights())
    np.testing.assert_allclose(np.asarray(valid(x_padded)), y_same, atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(
    w=st.integers(1, 16),
    f=kernels,
    s=stride_values,
    d=dilations,
    padding=st.sampled_from(["valid", "same"]),
)
def test_window_indices_are_the_inputs_each_output_reads(keras, w, f, s, d, padding):
    """Feed one impulse per input position through an all-ones Conv1D: output cell i
    responds to position p exactly when p is one of window_indices(i)."""
    if d > 1:
        s = 1
    try:
        n_out = ar.conv_output_length(w, f, s, padding, d)
    except ValueError:
        assume(False)
    layer = keras.layers.Conv1D(
        1,
        f,
        strides=s,
        padding=padding,
        dilation_rate=d,
        kernel_initializer="ones",
        use_bias=False,
    )
    impulses = np.eye(w, dtype="float32")[:, :, None]  # batch of w one-hot inputs
    response = np.asarray(layer(impulses))[:, :, 0]  # (input position, output cell)
    assert response.shape == (w, n_out)
    for i in range(n_out):
        reads = {p for p in ar.window_indices(i, w, f, s, padding, d) if 0 <= p < w}
        assert set(np.flatnonzero(response[:, i])) == reads
    assert ar.window_starts(w, f, s, padding, d)[0] == -ar.padding_amounts(w, f, s, padding, d)[0]


conv_layers = st.builds(
    lambda k, s, d, pad: {
        "type": "conv",
        "kernel_size": k,
        "strides": 1 if d > 1 else s,
        "padding": pad,
        "dilation_rate": d,
    },
    kernels,
    st.integers(1, 2),
    dilations,
    st.sampled_from(["valid", "same"]),
)
pool_layers = st.builds(
    lambda k, s: {"type": "pool", "pool_size": k, "strides": s},
    st.integers(1, 3),
    st.one_of(st.none(), st.integers(1, 2)),
)


@settings(max_examples=25, deadline=None)
@given(layers=st.lists(st.one_of(conv_layers, pool_layers), min_size=1, max_size=4))
def test_trace_stack_matches_keras_shapes_and_receptive_fields(keras, layers):
    """Lengths come from a real Keras stack; the receptive field and the jump are measured
    by feeding impulses through all-ones convolutions and average pooling."""
    width = 40
    try:
        rows = ar.trace_stack(width, layers)
    except ValueError:
        assume(False)
    model_layers = [keras.Input(shape=(width, 1))]
    for layer in layers:
        if layer["type"] == "conv":
            model_layers.append(
                keras.layers.Conv1D(
                    1,
                    layer["kernel_size"],
                    strides=layer["strides"],
                    padding=layer["padding"],
                    dilation_rate=layer["dilation_rate"],
                    kernel_initializer="ones",
                    use_bias=False,
                )
            )
        else:
            model_layers.append(keras.layers.AveragePooling1D(layer["pool_size"], strides=layer["strides"]))
    model = keras.Sequential(model_layers)
    response = np.asarray(model(np.eye(width, dtype="float32")[:, :, None]))[:, :, 0]
    assert response.shape[1] == rows[-1].output_length
    assert [r.output_length for r in rows][0] == width
    if all(layer.get("padding", "valid") == "valid" for layer in layers):
        # with no padding, cell 0 sees exactly the first `receptive_field` inputs
        seen = np.flatnonzero(response[:, 0])
        assert seen.max() - seen.min() + 1 == rows[-1].receptive_field
        assert seen.min() == 0
        if response.shape[1] > 1:
            assert np.flatnonzero(response[:, 1]).min() == rows[-1].jump


# --- worked figures of the lessons, from their definitions ---


def test_lesson_figures():
    assert ar.pooling_schedule(256, min_length=8)[5] == 256 // 2**5
    assert ar.pooling_schedule(28)[:4] == [28, 28 // 2, 28 // 4, 28 // 8]
    assert ar.pooling_schedule(28, padding="same")[3] == math.ceil(7 / 2)
    assert ar.max_pooling_stages(1) == 0
    assert ar.max_pooling_stages(28, strides=1) == 27
    assert ar.max_pooling_stages(28, padding="same", strides=1) == 0
    two_3x3 = ar.trace_stack(32, [{"type": "conv", "kernel_size": 3}, {"type": "conv", "kernel_size": 3}])
    assert (
        two_3x3[-1].receptive_field
        == ar.trace_stack(32, [{"type": "conv", "kernel_size": 5}])[-1].receptive_field
    )


# --- errors ---


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: ar.conv_output_length(0, 3), "input_length"),
        (lambda: ar.conv_output_length(True, 3), "input_length"),
        (lambda: ar.conv_output_length(8, 3.0), "kernel_size"),
        (lambda: ar.conv_output_length(8, 3, strides=0), "strides"),
        (lambda: ar.conv_output_length(8, 3, padding="full"), "padding"),
        (lambda: ar.conv_output_length(8, 3, padding=-1), "padding"),
        (lambda: ar.conv_output_length(8, 3, padding=1.5), "padding"),
        (lambda: ar.conv_output_length(8, 3, dilation_rate=0), "dilation_rate"),
        (lambda: ar.conv_output_length(4, 3, dilation_rate=2), "empty"),
        (lambda: ar.conv_output_length(2, 3), "empty"),
        (lambda: ar.pool_output_length(1, 2), "empty"),
        (lambda: ar.pool_output_length(8, 2, padding=1), "padding"),
        (lambda: ar.pool_output_length(8, 2, strides=0), "strides"),
        (lambda: ar.pool_output_length(8, 0), "pool_size"),
        (lambda: ar.same_padding(8, 3, strides=False), "strides"),
        (lambda: ar.dilated_kernel_size(3, 1.0), "dilation_rate"),
        (lambda: ar.window_indices(5, 5, 3), "output_index"),
        (lambda: ar.window_indices(-1, 5, 3), "output_index"),
        (lambda: ar.receptive_field_step(0, 1, 3), "receptive_field"),
        (lambda: ar.receptive_field_step(1, 1, 3, strides=None), "strides"),
        (lambda: ar.trace_stack(8, "conv"), "layers"),
        (lambda: ar.trace_stack(8, [{"type": "dense"}]), "type"),
        (lambda: ar.trace_stack(8, [{"type": "conv"}]), "kernel_size"),
        (lambda: ar.trace_stack(8, [{"type": "conv", "kernel_size": 3, "stride": 2}]), "unknown"),
        (lambda: ar.trace_stack(8, [{"type": "pool", "pool_size": 16}]), "layers\\[0\\]"),
        (lambda: ar.trace_stack(8, [{"type": "pool", "pool_size": 2, "padding": 1}]), "padding"),
        (lambda: ar.pooling_schedule(28, min_length=0), "min_length"),
        (lambda: ar.max_pooling_stages(28, padding="full"), "padding"),
    ],
)
def test_bad_arguments_raise_clear_value_errors(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda: ar.pooling_schedule(28, pool_size=0), "pool_size"),
        (lambda: ar.pooling_schedule(28, strides=0), "strides"),
        (lambda: ar.max_pooling_stages(28, pool_size="2"), "pool_size"),
        (lambda: ar.pooling_schedule(10**12, pool_size=2, strides=1), "strides"),
        (lambda: ar.window_starts(10**9, 3), "input_length"),
        (lambda: ar.format_trace([("conv", 3)]), "rows"),
        (lambda: ar.conv_output_length(10**19, 3), "input_length"),
    ],
)
def test_each_error_names_the_argument_that_is_wrong(call, argument):
    with pytest.raises(ValueError) as error:
        call()
    first_named = str(error.value).split(" ")[0]
    assert argument in str(error.value)
    assert first_named != "input_length" or argument == "input_length", str(error.value)


def test_numpy_integers_give_python_ints():
    assert ar.window_indices(np.int64(1), np.int32(7), np.int8(3), dilation_rate=np.int16(2)) == [1, 3, 5]
    assert all(type(i) is int for i in ar.window_indices(np.int64(1), 7, np.int8(3), strides=np.uint8(2)))
    assert ar.pooling_schedule(np.int64(28), pool_size=np.int32(2)) == [28, 14, 7, 3, 1]


# --- the 2-D shape API and the layer step, against Keras ---


@FAST
@given(
    h=lengths,
    w=lengths,
    kernel=st.tuples(kernels, kernels),
    strides=st.tuples(stride_values, stride_values),
    dilation=st.tuples(dilations, dilations),
    padding=st.sampled_from(["valid", "same"]),
)
def test_conv2d_output_shape_matches_keras(keras, h, w, kernel, strides, dilation, padding):
    if max(dilation) > 1:
        strides = (1, 1)  # Keras refuses strides > 1 together with dilation_rate > 1
    try:
        ours = ar.conv2d_output_shape((h, w), kernel, strides, padding, dilation)
    except ValueError:
        ours = None
    real = keras_outcome(
        lambda: keras.layers.Conv2D(1, kernel, strides=strides, padding=padding, dilation_rate=dilation), h, w
    )
    assert ours == real


@FAST
@given(
    h=lengths,
    w=lengths,
    pool=st.tuples(kernels, kernels),
    strides=st.one_of(st.none(), st.tuples(stride_values, stride_values)),
    padding=st.sampled_from(["valid", "same"]),
)
def test_pool2d_output_shape_matches_keras(keras, h, w, pool, strides, padding):
    try:
        ours = ar.pool2d_output_shape((h, w), pool, strides, padding)
    except ValueError:
        ours = None
    assert ours == keras_outcome(
        lambda: keras.layers.MaxPooling2D(pool, strides=strides, padding=padding), h, w
    )


STEP_CASES = [
    {"type": "ZeroPadding2D", "padding": ((1, 2), (0, 3))},
    {"type": "ZeroPadding2D", "padding": 2},
    {"type": "Cropping2D", "cropping": ((1, 0), (2, 2))},
    {"type": "GlobalMaxPooling2D", "keepdims": True},
    {"type": "GlobalAveragePooling2D"},
    {"type": "DepthwiseConv2D", "kernel_size": (3, 1), "depth_multiplier": 3, "padding": "same"},
    {"type": "SeparableConv2D", "filters": 5, "kernel_size": 3, "strides": 2},
    {"type": "Conv2D", "filters": 4, "kernel_size": 3, "dilation_rate": (2, 1)},
    {"type": "AveragePooling2D", "pool_size": (3, 2), "strides": 1, "padding": "same"},
    {"type": "Dense", "units": 6},
    {"type": "Flatten"},
    {"type": "BatchNormalization"},
]


@pytest.mark.parametrize("spec", STEP_CASES, ids=lambda spec: spec["type"])
def test_step_layer_gives_the_keras_output_shape(keras, spec):
    arguments = {key: value for key, value in spec.items() if key != "type"}
    layer = getattr(keras.layers, spec["type"])(**arguments)
    expected = tuple(layer(np.zeros((1, 9, 8, 2), dtype="float32")).shape[1:])
    assert ar.step_layer(spec, ar.input_state((9, 8, 2))).shape == expected


def test_step_layer_keeps_what_each_cell_sees():
    state = ar.input_state((9, 9, 1))
    padded = ar.step_layer({"type": "ZeroPadding2D", "padding": 1}, state)
    assert (padded.receptive_field, padded.jump) == ((1, 1), (1, 1))
    conv = ar.step_layer({"type": "Conv2D", "kernel_size": 3, "strides": 2}, padded)
    assert conv.shape == (5, 5, None)  # no filters given: the channel count is unknown
    assert ar.step_layer(
        {"type": "Dense", "units": 3}, ar.step_layer({"type": "Flatten"}, conv)
    ).receptive_field == ("whole input")
    assert ar.step_layer({"type": "Dense", "units": 3}, ar.input_state((4,))).receptive_field is None


@pytest.mark.parametrize(
    "spec, state, fragment",
    [
        ({"type": "LSTM"}, ar.input_state((9, 9, 1)), "type"),
        ("Conv2D", ar.input_state((9, 9, 1)), "layer"),
        ({"type": "Conv2D", "kernel_size": 3}, "state", "state"),
        (
            {"type": "Conv2D", "kernel_size": 3},
            ar.input_state((784,)),
            "needs a \\(height, width, channels\\)",
        ),
        ({"type": "Conv1D", "kernel_size": 3}, ar.input_state((9, 9, 1)), "needs a \\(length, channels\\)"),
        ({"type": "MaxPooling2D", "pool_size": 2, "padding": 1}, ar.input_state((9, 9, 1)), "padding"),
        ({"type": "Conv2D", "kernel_size": (3, 3, 3)}, ar.input_state((9, 9, 1)), "kernel_size"),
        ({"type": "Cropping2D", "cropping": 5}, ar.input_state((9, 9, 1)), "cropping"),
        ({"type": "Dense"}, ar.input_state((4,)), "units"),
    ],
)
def test_step_layer_errors_name_the_problem(spec, state, fragment):
    with pytest.raises(ValueError, match=fragment):
        ar.step_layer(spec, state)


def test_window_indices_refuses_to_list_a_huge_window_at_once():
    import time

    start = time.perf_counter()
    with pytest.raises(ValueError, match="kernel_size=1,000,000,000,000 gives a window of"):
        ar.window_indices(1, 7, 10**12, 2, "same")
    assert time.perf_counter() - start < 1.0
    assert len(ar.window_indices(0, ar.MAX_LISTED_TAPS, ar.MAX_LISTED_TAPS)) == ar.MAX_LISTED_TAPS


@pytest.mark.parametrize(
    "layers",
    [
        [{"type": "conv", "kernel_size": 3, "strides": 2, "dilation_rate": 2}],
        [
            {"type": "conv", "kernel_size": 3},
            {"type": "conv", "kernel_size": 3, "strides": 2, "dilation_rate": 3},
        ],
    ],
)
def test_trace_stack_refuses_what_keras_conv1d_refuses(layers):
    with pytest.raises(ValueError, match=r"layers\[\d\].*strides > 1 or dilation_rate > 1, not both"):
        ar.trace_stack(32, layers)


def test_step_layer_refuses_arguments_keras_does_not_take():
    with pytest.raises(ValueError, match="Conv2D takes no argument 'stride' in Keras"):
        ar.step_layer({"type": "Conv2D", "kernel_size": 3, "stride": 2}, ar.input_state((9, 9, 1)))
    with pytest.raises(ValueError, match="MaxPooling2D takes no argument 'dilation_rate'"):
        ar.step_layer({"type": "MaxPooling2D", "dilation_rate": 2}, ar.input_state((9, 9, 1)))


def test_trace_stack_and_format_trace_have_a_limit():
    with pytest.raises(ValueError, match="layers holds 1,000,000 layers, more than the 10,000"):
        ar.trace_stack(10**6, [{"type": "conv", "kernel_size": 1}] * 10**6)
    rows = ar.trace_stack(8, [{"type": "conv", "kernel_size": 1}])
    with pytest.raises(ValueError, match="rows holds"):
        ar.format_trace(rows * 10**6)
