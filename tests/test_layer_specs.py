"""Tests of course_utils.engines.layer_specs: the table of a list of layer specs against Keras itself."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from course_utils.core.formatting import format_receptive_field
from course_utils.engines.layer_specs import (
    ACTIVATIONS,
    LAYER_TYPES,
    MNIST_CNN,
    MNIST_INPUT,
    describe_spec,
    layer_states,
    layer_table,
    to_keras,
)
from course_utils.engines.model_summary import summarize

padding = st.sampled_from(["valid", "same"])
activation = st.sampled_from(ACTIVATIONS)
conv = st.fixed_dictionaries(
    {
        "type": st.just("Conv2D"),
        "filters": st.integers(1, 6),
        "kernel_size": st.integers(1, 3),
        "strides": st.integers(1, 2),
        "padding": padding,
        "use_bias": st.booleans(),
        "activation": activation,
    }
)
dilated = st.fixed_dictionaries(
    {
        "type": st.just("Conv2D"),
        "filters": st.integers(1, 4),
        "kernel_size": st.integers(2, 3),
        "dilation_rate": st.integers(1, 2),
        "padding": padding,
    }
)
depthwise = st.fixed_dictionaries(
    {
        "type": st.just("DepthwiseConv2D"),
        "kernel_size": st.integers(1, 3),
        "strides": st.integers(1, 2),
        "depth_multiplier": st.integers(1, 2),
        "padding": padding,
        "activation": activation,
    }
)
separable = st.fixed_dictionaries(
    {
        "type": st.just("SeparableConv2D"),
        "filters": st.integers(1, 6),
        "kernel_size": st.integers(1, 3),
        "padding": padding,
        "use_bias": st.booleans(),
    }
)
pool = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["MaxPooling2D", "AveragePooling2D"]),
        "pool_size": st.integers(1, 3),
        "padding": padding,
    }
)
simple = st.sampled_from([{"type": "BatchNormalization"}, {"type": "Dropout", "rate": 0.25}])
spatial_layer = st.one_of(conv, dilated, depthwise, separable, pool, simple)
head = st.one_of(
    st.just([]),
    st.just([{"type": "Flatten"}]),
    st.just([{"type": "GlobalAveragePooling2D"}]),
    st.builds(
        lambda u, a: [{"type": "Flatten"}, {"type": "Dense", "units": u, "activation": a}],
        st.integers(1, 9),
        activation,
    ),
    st.builds(lambda u: [{"type": "Dense", "units": u}], st.integers(1, 9)),
)


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(12, 20),
    channels=st.integers(1, 3),
    body=st.lists(spatial_layer, min_size=1, max_size=4),
    tail=head,
)
def test_table_matches_keras_summary(keras, size, channels, body, tail):
    specs = body + tail
    try:
        table = layer_table((size, size, channels), specs)
    except ValueError:
        assume(False)
    keras_summary = summarize(to_keras((size, size, channels), specs))
    assert len(table.rows) == len(keras_summary.rows)
    for mine, theirs in zip(table.rows, keras_summary.rows, strict=True):
        assert mine.type == theirs.type
        assert mine.output_shape == theirs.output_shape
        assert (mine.trainable, mine.non_trainable) == (theirs.trainable, theirs.non_trainable)
        assert mine.macs == theirs.macs
        assert mine.activation_bytes == theirs.activation_bytes
        assert mine.receptive_field == theirs.receptive_field
    assert table.total_params == to_keras((size, size, channels), specs).count_params()


def test_vector_input_mlp_matches_keras(keras):
    specs = [{"type": "Dense", "units": 512}, {"type": "Dense", "units": 512}, {"type": "Dense", "units": 10}]
    table = layer_table((784,), specs)
    assert table.total_params == to_keras((784,), specs).count_params() == 669_706


@pytest.mark.parametrize(
    "specs, match",
    [
        ([{"type": "Conv2D", "kernel_size": 9}], "layer 1 .Conv2D.*empty"),
        ([{"type": "Flatten"}, {"type": "Conv2D"}], "layer 2 .Conv2D.*needs"),
        ([{"type": "LSTM"}], "type must be one of"),
        ([{"type": "Conv2D", "size": 3}], "unknown argument"),
        ([{"type": "Conv2D", "padding": 1}], "padding must be 'valid' or 'same'"),
        ([{"type": "Conv2D", "filters": 0}], "filters"),
        ([{"type": "Dense", "units": 3, "use_bias": "yes"}], "use_bias"),
        ([{"type": "Dropout", "rate": 1.5}], "rate"),
        (
            [{"type": "Conv2D", "activation": "ReLU"}],
            "layer 1 .Conv2D.: activation must be one of None, 'linear'",
        ),
        ([{"type": "Conv2D", "activation": len}], "activation must be one of"),
        ([{"type": "MaxPooling2D", "activation": "relu"}], "unknown argument"),
        (["Conv2D"], "must be a dict"),
    ],
)
def test_bad_specs_name_the_layer(specs, match):
    with pytest.raises(ValueError, match=match):
        layer_table((8, 8, 1), specs)


def test_bad_input_shape_and_batch():
    with pytest.raises(ValueError, match="input_shape"):
        layer_table((8, 8), [])
    with pytest.raises(ValueError, match="input_shape"):
        layer_table((8, 0, 1), [])
    with pytest.raises(ValueError, match="batch_size"):
        layer_table((8, 8, 1), [], batch_size=0)
    with pytest.raises(ValueError, match="layers"):
        layer_table((8, 8, 1), "Conv2D")


def test_every_type_has_a_description():
    for kind, defaults in LAYER_TYPES.items():
        assert describe_spec({"type": kind, **defaults}).startswith(kind + "(")


def test_to_keras_checks_the_specs_and_names_the_layer(keras):
    with pytest.raises(ValueError, match=r"layer 2 \(Conv2D\)"):
        to_keras((28, 28, 1), [{"type": "Flatten"}, {"type": "Conv2D"}])
    with pytest.raises(ValueError, match=r"layer 1 \(Dense\).*units"):
        to_keras((28, 28, 1), [{"type": "Dense", "units": 0}])
    with pytest.raises(ValueError, match="name"):
        to_keras((28, 28, 1), [], name="a/b")


def test_mnist_cnn_is_the_lesson_model():
    table = layer_table(MNIST_INPUT, MNIST_CNN)
    assert table.total_params == 220_234
    assert [r.output_shape for r in table.rows[-3:]] == [(None, 3136), (None, 64), (None, 10)]


def test_the_widget_module_re_exports_the_same_functions():
    from course_utils.widgets import model_builder

    assert model_builder.layer_table is layer_table and model_builder.to_keras is to_keras
    assert model_builder.LAYER_TYPES is LAYER_TYPES and model_builder.describe_spec is describe_spec


def test_activation_changes_no_count_and_reaches_keras(keras):
    for kind, args in [("Conv2D", {"filters": 4, "kernel_size": 3}), ("Dense", {"units": 3})]:
        for act in ACTIVATIONS:
            specs = [{"type": "Flatten"}] if kind == "Dense" else []
            specs.append({"type": kind, **args, "activation": act})
            plain = layer_table((6, 6, 2), [{k: v for k, v in s.items() if k != "activation"} for s in specs])
            assert layer_table((6, 6, 2), specs).rows == plain.rows
    model = to_keras(
        (6, 6, 2),
        [
            {"type": "Conv2D", "filters": 4, "activation": "sigmoid"},
            {"type": "Flatten"},
            {"type": "Dense", "units": 2, "activation": "softmax"},
        ],
    )
    assert [layer.activation.__name__ for layer in model.layers if hasattr(layer, "activation")] == [
        "sigmoid",
        "softmax",
    ]
    assert to_keras((6, 6, 2), [{"type": "Conv2D", "filters": 4}]).layers[0].activation.__name__ == "linear"


@given(
    size=st.integers(12, 20),
    channels=st.integers(1, 3),
    body=st.lists(spatial_layer, min_size=1, max_size=4),
    tail=head,
)
def test_layer_states_are_the_tables_shapes_and_fields(size, channels, body, tail):
    specs = body + tail
    try:
        table = layer_table((size, size, channels), specs)
    except ValueError:
        assume(False)
    states = layer_states((size, size, channels), specs)
    assert len(states) == len(table.rows) == len(specs) + 1
    for state, row in zip(states, table.rows, strict=True):
        assert (None, *state.shape) == row.output_shape
        assert format_receptive_field(state.receptive_field) == row.receptive_field


def test_layer_states_check_the_specs_as_the_table_does():
    with pytest.raises(ValueError, match=r"layer 2 \(Conv2D\).*needs"):
        layer_states((8, 8, 1), [{"type": "Flatten"}, {"type": "Conv2D"}])
    with pytest.raises(ValueError, match="layers must be a list"):
        layer_states((8, 8, 1), {"type": "Flatten"})


@pytest.mark.parametrize(
    "input_shape, layers, fragment",
    [
        (
            (8, 8, 1),
            [{"type": "Conv2D", "filters": 10**12}],
            r"layer 1 \(Conv2D\): its output \(6, 6, 10+\) holds",
        ),
        (
            (8, 8, 1),
            [{"type": "Conv2D", "filters": 10**8, "kernel_size": 8}],
            r"layer 1 \(Conv2D\): it brings the stack to",
        ),
        ((10**6, 10**6, 1), [], r"input_shape \(1000000, 1000000, 1\) holds 1,000,000,000,000 values"),
        ((10**9, 10**10, 1), [{"type": "Flatten"}], "input_shape"),
        ((4, 4, 1), [{"type": "BatchNormalization"}] * 1000, "layers holds 1,000 layer specs"),
        ((8, 8, 1), [{"type": "Conv2D", "filters": 4, "strides": 2, "dilation_rate": 2}], "not both"),
    ],
)
def test_what_no_laptop_can_hold_is_refused_by_name(input_shape, layers, fragment):
    import time

    start = time.perf_counter()
    with pytest.raises(ValueError, match=fragment):
        layer_table(input_shape, layers)
    with pytest.raises(ValueError, match=fragment):
        to_keras(input_shape, layers)
    assert time.perf_counter() - start < 1.0


def test_to_keras_refuses_models_too_large_to_build_quickly(keras):
    import time

    from course_utils.engines.layer_specs import MAX_KERAS_PARAMS

    wide = [{"type": "Flatten"}, {"type": "Dense", "units": 10**4}]
    assert layer_table((100, 100, 1), wide).total_params > MAX_KERAS_PARAMS  # counted, not built
    start = time.perf_counter()
    with pytest.raises(ValueError, match="more than the 50,000,000 that to_keras builds"):
        to_keras((100, 100, 1), wide)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    "spec, argument",
    [
        ({"type": "Conv2D", "filters": 4, "groups": 2}, "groups"),
        ({"type": "Conv2D", "filters": 4, "data_format": "channels_first"}, "data_format"),
        ({"type": "BatchNormalization", "axis": 1}, "axis"),
        ({"type": "Dense", "units": 4, "lora_rank": 2}, "lora_rank"),
        ({"type": "Dense", "units": 4, "trainable": False}, "trainable"),
    ],
)
def test_keras_arguments_outside_the_tables_vocabulary_are_refused_by_name(spec, argument):
    with pytest.raises(
        ValueError, match=f"layer 1 \\({spec['type']}\\): {argument} is an argument of Keras's"
    ):
        layer_table((8, 8, 4), [spec])
