"""course_utils.engines.architectures: LeNet-5, VGG16 and ResNet blocks counted, and checked against Keras.

The references are Keras's own models (``keras.applications.VGG16`` and ``ResNet50`` with
``weights=None``: nothing is downloaded) and networks written here directly in Keras; every
count, shape and multiply-add of the pure tables must agree with them.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.core import params as P
from course_utils.engines import architectures as arch
from course_utils.engines.layer_specs import layer_table, to_keras
from course_utils.engines.model_summary import summarize


def _rows(table):
    return [(row.type, row.output_shape, row.params) for row in table.rows[1:]]


def _keras_rows(model, types=("Conv2D", "MaxPooling2D", "AveragePooling2D", "Flatten", "Dense")):
    return [
        (type(layer).__name__, tuple(layer.output.shape), layer.count_params())
        for layer in model.layers
        if type(layer).__name__ in types
    ]


# --- LeNet-5 ---------------------------------------------------------------------------------


def test_lenet5_matches_a_keras_lenet5_written_by_hand(keras):
    L = keras.layers
    model = keras.Sequential(
        [
            keras.Input(shape=(32, 32, 1)),
            L.Conv2D(6, 5, activation="tanh"),
            L.AveragePooling2D(2),
            L.Conv2D(16, 5, activation="tanh"),
            L.AveragePooling2D(2),
            L.Conv2D(120, 5, activation="tanh"),
            L.Flatten(),
            L.Dense(84, activation="tanh"),
            L.Dense(10, activation="softmax"),
        ]
    )
    table = layer_table(arch.LENET5_INPUT, arch.LENET5)
    assert _rows(table) == _keras_rows(model)
    assert table.total_params == model.count_params() == 61_706
    assert table.total_macs == summarize(model).total_macs


def test_lenet5_c5_is_a_dense_layer_in_disguise():
    rows = layer_table(arch.LENET5_INPUT, arch.LENET5).rows
    c5 = rows[5]
    assert c5.output_shape == (None, 1, 1, 120)
    assert c5.params == P.dense_params(5 * 5 * 16, 120)


# --- VGG16 -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vgg16_base(keras):
    """keras.applications.VGG16's 13 convolutions (14.7 million parameters)."""
    return keras.applications.VGG16(
        weights=None, include_top=False, pooling="avg", input_shape=arch.VGG16_INPUT
    )


@pytest.mark.slow
def test_vgg16_matches_keras_applications_with_its_dense_head(keras):
    """The whole model, dense head included: 138 million parameters, about 1.3 GB while Keras builds it."""
    model = keras.applications.VGG16(weights=None)
    try:
        table = layer_table(arch.VGG16_INPUT, arch.VGG16)
        assert _rows(table) == _keras_rows(model)
        assert table.total_params == model.count_params() == 138_357_544
        assert [spec.get("activation") for spec in arch.VGG16 if spec["type"] in ("Conv2D", "Dense")] == [
            layer.get_config()["activation"]
            for layer in model.layers
            if type(layer).__name__ in ("Conv2D", "Dense")
        ]
    finally:
        del model
        keras.backend.clear_session()


def test_vgg16_gap_matches_keras_applications_with_average_pooling(keras, vgg16_base):
    table = layer_table(arch.VGG16_INPUT, arch.VGG16_GAP)
    base_rows = _keras_rows(vgg16_base, types=("Conv2D", "MaxPooling2D"))
    assert _rows(table)[: len(base_rows)] == base_rows
    assert tuple(vgg16_base.output.shape) == (None, 512)
    assert table.total_params == vgg16_base.count_params() + P.dense_params(512, 1000)
    assert table.total_macs == summarize(vgg16_base).total_macs + P.dense_macs(512, 1000)


def test_vgg16_dense_layers_hold_most_parameters_and_few_macs():
    table = layer_table(arch.VGG16_INPUT, arch.VGG16)
    dense = arch.params_by_type(table)["Dense"]
    assert 0.89 < dense / table.total_params < 0.9
    dense_macs = sum(row.macs for row in table.rows if row.type == "Dense")
    assert dense_macs / table.total_macs < 0.01
    gap = layer_table(arch.VGG16_INPUT, arch.VGG16_GAP)
    assert gap.total_params == table.total_params - dense + P.dense_params(512, 1000)


@settings(max_examples=15)
@given(
    blocks=st.lists(st.tuples(st.integers(1, 8), st.integers(1, 3)), min_size=1, max_size=3),
    dense=st.lists(st.integers(1, 16), max_size=2),
    classes=st.integers(1, 5),
    head=st.sampled_from(["flatten", "global_average"]),
)
def test_vgg_layers_agree_with_keras_on_random_configurations(keras, blocks, dense, classes, head):
    specs = arch.vgg_layers(blocks, dense, classes, head)
    assert [spec["type"] for spec in specs].count("MaxPooling2D") == len(blocks)
    model = to_keras((32, 32, 3), specs)
    table = layer_table((32, 32, 3), specs)
    assert table.total_params == model.count_params()
    assert table.total_macs == summarize(model).total_macs


def test_vgg_layers_refuse_bad_blocks():
    with pytest.raises(ValueError, match=r"blocks\[1\]"):
        arch.vgg_layers(blocks=((64, 2), (128,)))
    with pytest.raises(ValueError, match="blocks"):
        arch.vgg_layers(blocks=())
    with pytest.raises(ValueError, match="dense_units"):
        arch.vgg_layers(dense_units=(4096, 0))


# --- ResNet blocks ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def resnet50(keras):
    return keras.applications.ResNet50(weights=None)


def _keras_block(model, prefix):
    """The conv and batch-norm layers of one block of keras.applications.ResNet50, by path."""
    layers = [layer for layer in model.layers if layer.name.startswith(prefix)]
    shortcut = [layer for layer in layers if layer.name.startswith(prefix + "0_")]
    main = [layer for layer in layers if layer not in shortcut and layer.count_params()]  # in Keras's order
    return main, shortcut, layers


@pytest.mark.parametrize(
    "prefix, input_shape, filters, strides, projection",
    [
        ("conv2_block1_", arch.RESNET50_STAGE2_INPUT, 64, 1, True),
        ("conv2_block2_", (56, 56, 256), 64, 1, False),
        ("conv3_block1_", (56, 56, 256), 128, 2, True),
    ],
)
def test_bottleneck_block_matches_keras_applications_resnet50(
    resnet50, prefix, input_shape, filters, strides, projection
):
    main, shortcut, layers = _keras_block(resnet50, prefix)
    assert tuple(layers[0].input.shape[1:]) == input_shape
    block = arch.bottleneck_block(filters, strides, projection)
    table = arch.block_table(input_shape, **block)
    rows = {row.name: row for row in table.rows}
    ours_main = [(r.type, r.output_shape, r.params) for r in table.rows if r.name.startswith("main")]
    ours_short = [(r.type, r.output_shape, r.params) for r in table.rows if r.name.startswith("shortcut")]
    assert ours_main == [(type(x).__name__, tuple(x.output.shape), x.count_params()) for x in main]
    assert ours_short == [(type(x).__name__, tuple(x.output.shape), x.count_params()) for x in shortcut]
    assert table.total_params == sum(layer.count_params() for layer in layers)
    add = next(layer for layer in layers if type(layer).__name__ == "Add")
    assert rows["add"].output_shape == tuple(add.output.shape)


def test_block_to_keras_agrees_with_the_table(keras):
    block = arch.bottleneck_block(16, strides=2)
    model = arch.block_to_keras((20, 20, 8), **block)
    table = arch.block_table((20, 20, 8), **block)
    summary = summarize(model)
    assert model.count_params() == table.total_params
    assert summary.trainable_params == table.trainable_params
    assert summary.total_macs == table.total_macs
    assert tuple(model.output.shape) == (None, 10, 10, 64)


@settings(max_examples=10)
@given(
    filters=st.integers(1, 8),
    strides=st.integers(1, 2),
    projection=st.booleans(),
    use_bias=st.booleans(),
    channels=st.integers(1, 8),
)
def test_basic_blocks_agree_with_keras(keras, filters, strides, projection, use_bias, channels):
    block = arch.basic_block(filters, strides, projection, use_bias)
    shape = (9, 9, channels)
    if not projection and (strides != 1 or channels != filters):
        with pytest.raises(ValueError, match="Add needs equal shapes"):
            arch.block_table(shape, **block)
        return
    model = arch.block_to_keras(shape, **block)
    table = arch.block_table(shape, **block)
    assert model.count_params() == table.total_params
    assert summarize(model).total_macs == table.total_macs


def test_identity_shortcut_costs_nothing_and_a_projection_costs_a_1x1_convolution():
    identity = arch.block_table((56, 56, 64), **arch.basic_block(64))
    projected = arch.block_table((56, 56, 64), **arch.basic_block(64, projection=True))
    assert projected.total_params - identity.total_params == P.conv2d_params(1, 64, 64) + sum(
        P.batch_norm_params(64)
    )
    assert identity.rows[-1].params == 0 and identity.rows[-1].macs == 0


def test_the_add_row_counts_the_output_memory_and_the_wider_receptive_field():
    table = arch.block_table((16, 16, 8), **arch.basic_block(8, strides=2, projection=True), batch_size=4)
    add = table.rows[-1]
    assert add.activation_bytes == P.activation_bytes((8, 8, 8), 4)
    main_last = [row for row in table.rows if row.name.startswith("main")][-1]
    assert add.receptive_field == main_last.receptive_field == "7x7"


def test_block_table_names_the_path_of_a_bad_layer():
    with pytest.raises(ValueError, match=r"^shortcut: layer 1 \(Conv2D\)"):
        arch.block_table(
            (8, 8, 4), [{"type": "Conv2D", "filters": 4}], [{"type": "Conv2D", "kernel_size": 9}]
        )
    with pytest.raises(ValueError, match="main must hold at least one layer"):
        arch.block_table((8, 8, 4), [])


def test_params_by_type_splits_a_table():
    table = layer_table(arch.LENET5_INPUT, arch.LENET5)
    assert sum(arch.params_by_type(table).values()) == table.total_params
    with pytest.raises(ValueError, match="summary"):
        arch.params_by_type({"Dense": 3})


def test_resnet50_table_matches_keras_applications(resnet50):
    table = arch.resnet_table()
    assert table.total_params == resnet50.count_params() == 25_636_712
    assert table.trainable_params == sum(math.prod(w.shape) for w in resnet50.trainable_weights)
    assert table.total_macs == summarize(resnet50).total_macs
    for prefix in ("conv2_block1", "conv3_block4", "conv4_block1", "conv5_block3"):
        ours = sum(row.params for row in table.rows if row.name.startswith(prefix + " "))
        assert ours == sum(
            layer.count_params() for layer in resnet50.layers if layer.name.startswith(prefix + "_")
        )
    assert table.rows[-1].params == resnet50.get_layer("predictions").count_params()


def test_resnet_table_refuses_bad_stages():
    with pytest.raises(ValueError, match=r"stages\[0\]"):
        arch.resnet_table(stages=((64, 3),))
    with pytest.raises(ValueError, match="stages"):
        arch.resnet_table(stages=())


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: arch.vgg_layers(blocks=((64, 10**9),)), "blocks and dense_units make"),
        (lambda: arch.vgg_layers(dense_units=(8,) * 10**6), "dense_units holds 1,000,000 layers"),
        (lambda: arch.vgg_layers(dense_units=(8,) * 190), "blocks and dense_units make 210 layers"),
        (lambda: arch.resnet_table(stages=((64, 10**6, 1),)), "stages hold 1,000,000 blocks"),
        (
            lambda: arch.block_table((4, 4, 1), [{"type": "BatchNormalization"}] * 1000),
            "main: layers holds 1,000",
        ),
        (
            lambda: arch.block_to_keras((4, 4, 1), [{"type": "BatchNormalization"}] * 1000),
            "main: layers holds 1,000",
        ),
        (
            lambda: arch.block_to_keras(
                (4, 4, 1), [{"type": "Conv2D", "filters": 10**8, "kernel_size": 1}], [{"type": "Flatten"}]
            ),
            "main",
        ),
    ],
)
def test_sizes_beyond_the_limits_are_refused_within_a_second(keras, call, fragment):
    import time

    start = time.perf_counter()
    with pytest.raises(ValueError, match=fragment):
        call()
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    "stages, fragment",
    [
        (((10**12, 1, 1),), r"stages\[0\] = \(1000000000000, 1, 1\), block 1: main"),
    ],
)
def test_resnet_table_names_the_stage_it_cannot_count(stages, fragment):
    with pytest.raises(ValueError, match=fragment):
        arch.resnet_table(stages=stages, input_shape=(32, 32, 3))
