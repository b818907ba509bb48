"""Tests for the model-builder widget: the pure table against Keras, and the buttons."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import time  # noqa: E402

import pytest  # noqa: E402
from hypothesis import assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from course_utils.model_summary import summarize  # noqa: E402
from course_utils.widgets.model_builder import (  # noqa: E402
    LAYER_TYPES,
    describe_spec,
    layer_table,
    model_builder,
    to_keras,
)

keras = pytest.importorskip("keras")

padding = st.sampled_from(["valid", "same"])
conv = st.fixed_dictionaries(
    {
        "type": st.just("Conv2D"),
        "filters": st.integers(1, 6),
        "kernel_size": st.integers(1, 3),
        "strides": st.integers(1, 2),
        "padding": padding,
        "use_bias": st.booleans(),
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
    st.builds(lambda u: [{"type": "Flatten"}, {"type": "Dense", "units": u}], st.integers(1, 9)),
    st.builds(lambda u: [{"type": "Dense", "units": u}], st.integers(1, 9)),
)


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(12, 20),
    channels=st.integers(1, 3),
    body=st.lists(spatial_layer, min_size=1, max_size=4),
    tail=head,
)
def test_table_matches_keras_summary(size, channels, body, tail):
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


def test_vector_input_mlp_matches_seed_figure():
    specs = [{"type": "Dense", "units": 512}, {"type": "Dense", "units": 512}, {"type": "Dense", "units": 10}]
    table = layer_table((784,), specs)
    assert table.total_params == to_keras((784,), specs).count_params() == 669_706


@pytest.mark.parametrize(
    "specs, match",
    [
        ([{"type": "Conv2D", "kernel_size": 9}], "layer 1 .Conv2D.*empty"),
        ([{"type": "Flatten"}, {"type": "Conv2D"}], "layer 2 .Conv2D. needs"),
        ([{"type": "LSTM"}], "type must be one of"),
        ([{"type": "Conv2D", "size": 3}], "unknown argument"),
        ([{"type": "Conv2D", "padding": 1}], "padding must be 'valid' or 'same'"),
        ([{"type": "Conv2D", "filters": 0}], "filters"),
        ([{"type": "Dense", "units": 3, "use_bias": "yes"}], "use_bias"),
        ([{"type": "Dropout", "rate": 1.5}], "rate"),
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


def test_widget_buttons_edit_the_table_without_tensorflow_per_update():
    builder = model_builder()
    start = len(builder.specs)
    assert "220,234" in builder.table.value  # the default is seed 002's MNIST CNN
    builder.layer_list.value = builder.layer_list.options[0]
    assert builder.kind.value == "Conv2D"
    builder.kind.value = "BatchNormalization"
    builder.add_button.click()
    assert builder.specs[1] == {"type": "BatchNormalization"}
    assert len(builder.specs) == start + 1
    assert "BatchNormalization" in builder.table.value
    # edit: make the first conv wider
    builder.layer_list.value = builder.layer_list.options[0]
    builder.filters.value = 48
    builder.replace_button.click()
    assert builder.specs[0]["filters"] == 48
    expected = layer_table((28, 28, 1), builder.specs)
    assert f"{expected.total_params:,}" in builder.table.value
    builder.remove_button.click()
    assert len(builder.specs) == start
    # a change to the input shape updates the table, and is fast
    t0 = time.perf_counter()
    builder.shape_boxes[2].value = 3
    assert time.perf_counter() - t0 < 0.1
    assert f"{layer_table((28, 28, 3), builder.specs).total_params:,}" in builder.table.value


def test_widget_shows_an_error_and_the_layers_that_work():
    builder = model_builder(input_shape=(8, 8, 1), layers=[{"type": "Conv2D", "filters": 4}])
    builder.layer_list.value = builder.layer_list.options[0]
    builder.kind.value = "Conv2D"
    builder.kernel.value = 9
    builder.padding.value = "valid"
    builder.add_button.click()
    assert "layer 2" in builder.message.value and "empty" in builder.message.value
    assert "(None, 6, 6, 4)" in builder.table.value
    builder.remove_button.click()
    assert builder.message.value == ""


def test_widget_rejects_bad_start():
    with pytest.raises(ValueError, match="layer 1"):
        model_builder(layers=[{"type": "Conv2D", "kernel_size": 99}])


def test_widget_pooling_defaults_to_non_overlapping_windows():
    builder = model_builder(input_shape=(16, 16, 1), layers=[{"type": "Conv2D", "filters": 4}])
    builder.kind.value = "MaxPooling2D"
    builder.kernel.value = 2
    assert builder.current_spec()["strides"] == 2
    builder.kernel.value = 3
    assert builder.current_spec()["strides"] == 3
    builder.strides.value = 1  # an explicit choice is kept
    builder.kernel.value = 2
    assert builder.current_spec() == {
        "type": "MaxPooling2D",
        "pool_size": 2,
        "strides": 1,
        "padding": builder.padding.value,
    }
    builder.kind.value = "Conv2D"
    builder.strides.value = 1
    builder.layer_list.value = None
    builder.add({"type": "AveragePooling2D", "pool_size": 2})
    builder.layer_list.value = builder.layer_list.options[1]
    assert builder.strides.value == 2  # strides=None means pool_size


def test_pure_modules_do_not_import_tensorflow_or_ipywidgets():
    import subprocess
    import sys

    code = (
        "import sys, course_utils.widgets.model_builder, course_utils.model_summary, "
        "course_utils.params, course_utils.checks.parameter_counting\n"
        "heavy = [m for m in ('tensorflow', 'keras', 'ipywidgets') if m in sys.modules]\n"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_widget_boxes_hold_any_starting_value_instead_of_clamping():
    builder = model_builder(input_shape=(5000, 28, 1), layers=[{"type": "Flatten"}], batch_size=5000)
    assert [box.value for box in builder.shape_boxes] == [5000, 28, 1]
    assert builder.batch_size.value == 5000
    assert "(None, 140000)" in builder.table.value


def test_selecting_a_layer_shows_its_values_exactly():
    layers = [
        {"type": "Conv2D", "filters": 5000, "kernel_size": 13, "strides": 6, "padding": "SAME"},
        {"type": "Conv2D", "filters": 4, "kernel_size": (3, 5)},
    ]
    builder = model_builder(input_shape=(64, 64, 1), layers=layers)
    builder.layer_list.value = builder.layer_list.options[0]
    assert (builder.filters.value, builder.kernel.value, builder.strides.value) == (5000, 13, 6)
    assert builder.padding.value == "same"
    assert builder.current_spec()["filters"] == 5000
    builder.layer_list.value = builder.layer_list.options[1]
    assert "kernel_size=(3, 5)" in builder.message.value  # said, not silently replaced


def test_to_keras_checks_the_specs_and_names_the_layer():
    with pytest.raises(ValueError, match=r"layer 2 \(Conv2D\)"):
        to_keras((28, 28, 1), [{"type": "Flatten"}, {"type": "Conv2D"}])
    with pytest.raises(ValueError, match=r"layer 1 \(Dense\).*units"):
        to_keras((28, 28, 1), [{"type": "Dense", "units": 0}])
    with pytest.raises(ValueError, match="name"):
        to_keras((28, 28, 1), [], name="a/b")


def test_builder_refuses_a_layer_that_is_not_a_dict():
    builder = model_builder(input_shape=(8, 8, 1), layers=[])
    with pytest.raises(ValueError, match="spec"):
        builder.add("Conv2D")
