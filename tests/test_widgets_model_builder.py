"""Tests for the model-builder widget: its controls edit the specs, and the table follows."""

import time

import pytest

from course_utils.engines.layer_specs import layer_table
from course_utils.widgets.model_builder import model_builder


def test_widget_buttons_edit_the_table_without_tensorflow_per_update():
    builder = model_builder()
    start = len(builder.specs)
    assert "220,234" in builder.table.value  # the default is the lessons' MNIST CNN (MNIST_CNN)
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


def test_builder_refuses_a_layer_that_is_not_a_dict():
    builder = model_builder(input_shape=(8, 8, 1), layers=[])
    with pytest.raises(ValueError, match="spec"):
        builder.add("Conv2D")
