"""Tests for course_utils.engines.model_summary.summarize against Keras itself."""

import ast
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.engines.model_summary import render_table, summarize

keras = pytest.importorskip("keras")
L = keras.layers


def _size(weights):
    return sum(int(np.prod(w.shape)) for w in weights)


def mnist_cnn():
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            L.Conv2D(32, 3, padding="same", activation="relu"),
            L.MaxPooling2D(2),
            L.Conv2D(64, 3, padding="same", activation="relu"),
            L.MaxPooling2D(2),
            L.Flatten(),
            L.Dense(64, activation="relu"),
            L.Dense(10, activation="softmax"),
        ]
    )


def cifar_cnn():
    return keras.Sequential(
        [
            keras.Input(shape=(32, 32, 3)),
            L.Conv2D(16, 2, padding="same"),
            L.MaxPooling2D(2),
            L.Conv2D(32, 2, padding="same"),
            L.MaxPooling2D(2),
            L.Conv2D(64, 2, padding="same"),
            L.MaxPooling2D(2),
            L.Dropout(0.3),
            L.Flatten(),
            L.Dense(500),
            L.Dropout(0.4),
            L.Dense(10),
        ]
    )


def branchy():
    inputs = keras.Input(shape=(16, 16, 3))
    a = L.Conv2D(4, 3, padding="same")(inputs)
    b = L.Conv2D(4, 5, padding="same")(inputs)
    x = L.BatchNormalization()(L.Add()([a, b]))
    p = L.MaxPooling2D()(x)
    q = L.Conv2D(4, 1, strides=2)(x)
    x = L.Concatenate()([p, q])
    x = L.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, L.Dense(2)(x))


def different_jumps():
    inputs = keras.Input(shape=(16, 16, 3))
    a = L.Conv2D(4, 3, strides=2, padding="same")(inputs)
    b = L.Conv2D(4, 9)(inputs)  # also 8x8, but neighbours are 1 pixel apart, not 2
    x = L.Concatenate()([a, b])
    return keras.Model(inputs, L.Conv2D(2, 3)(x))


def frozen_with_bn():
    model = keras.Sequential(
        [
            keras.Input(shape=(12, 12, 3)),
            L.Conv2D(8, 3, use_bias=False),
            L.BatchNormalization(),
            L.ReLU(),
            L.DepthwiseConv2D(3, depth_multiplier=2),
            L.SeparableConv2D(6, 3),
            L.GlobalMaxPooling2D(),
            L.Dense(4),
        ]
    )
    model.layers[0].trainable = False
    model.layers[1].trainable = False
    return model


def nested_frozen_base():
    base = keras.Sequential(
        [keras.Input(shape=(10, 10, 1)), L.Conv2D(4, 3), L.BatchNormalization()], name="base"
    )
    base.trainable = False
    inputs = keras.Input(shape=(10, 10, 1))
    x = L.Flatten()(base(inputs))
    return keras.Model(inputs, L.Dense(3)(x))


def shared_and_unknown():
    shared = L.Dense(5, name="shared")
    a, b = keras.Input(shape=(6,)), keras.Input(shape=(6,))
    x = L.Concatenate()([shared(a), shared(b)])
    seq = keras.Input(shape=(7, 3))
    y = L.LSTM(4)(seq)
    return keras.Model([a, b, seq], L.Dense(1)(L.Concatenate()([x, y])))


def upsampling():
    return keras.Sequential(
        [
            keras.Input(shape=(7, 7, 8)),
            L.Conv2DTranspose(4, 2, strides=2),
            L.Conv2D(3, (3, 1), groups=1),
            L.Dense(2),
        ]
    )


MODELS = [
    mnist_cnn,
    cifar_cnn,
    branchy,
    different_jumps,
    frozen_with_bn,
    nested_frozen_base,
    shared_and_unknown,
    upsampling,
]


@pytest.mark.parametrize("build", MODELS, ids=[m.__name__ for m in MODELS])
def test_totals_equal_keras(build):
    model = build()
    s = summarize(model)
    assert s.total_params == model.count_params()
    assert s.trainable_params == _size(model.trainable_weights)
    assert s.non_trainable_params == _size(model.non_trainable_weights)
    text = str(s)
    assert f"{model.count_params():,}" in text
    assert "<table" in s._repr_html_()
    assert repr(s) == text


def test_seed_models_reproduce_published_counts():
    assert summarize(mnist_cnn()).total_params == 220_234
    assert summarize(cifar_cnn()).total_params == 528_054


def test_one_row_per_layer_with_keras_output_shapes():
    model = mnist_cnn()
    s = summarize(model)
    assert [r.name for r in s.rows[1:]] == [layer.name for layer in model.layers]
    assert s.rows[0].type == "InputLayer"
    for row, layer in zip(s.rows[1:], model.layers, strict=True):
        assert row.output_shape == tuple(layer.output.shape)
        assert row.params == layer.count_params()


def test_macs_from_keras_shapes():
    """MACs = output values x weights each one uses, read off the built Keras layers."""
    model = mnist_cnn()
    s = summarize(model)
    for row, layer in zip(s.rows[1:], model.layers, strict=True):
        if isinstance(layer, L.Conv2D):
            out = layer.output.shape
            kernel = layer.kernel.shape  # (kh, kw, in, filters)
            assert row.macs == out[1] * out[2] * int(np.prod(kernel))
        elif isinstance(layer, L.Dense):
            assert row.macs == int(np.prod(layer.kernel.shape))
        else:
            assert row.macs == 0


def test_bottleneck_macs():
    inputs = keras.Input(shape=(32, 32, 256))
    x = L.Conv2D(64, 1)(inputs)
    bottleneck = keras.Model(inputs, L.Conv2D(128, 3, padding="same")(x))
    plain = keras.Model(inputs, L.Conv2D(128, 3, padding="same")(inputs))
    assert summarize(bottleneck).total_macs == 92_274_688
    assert summarize(plain).total_macs == 301_989_888


def test_activation_memory_is_float32_batch():
    model = mnist_cnn()
    s = summarize(model, batch_size=8)
    for row, layer in zip(s.rows[1:], model.layers, strict=True):
        dummy = np.zeros((8, *layer.output.shape[1:]), dtype=np.float32)
        assert row.activation_bytes == dummy.nbytes
    assert s.weights_bytes == 4 * model.count_params()


def test_branches_and_unknowns_are_marked_not_crashing():
    s = summarize(different_jumps())
    assert s.rows[-1].receptive_field == "-"
    rows = {r.name: r for r in summarize(shared_and_unknown()).rows}
    assert rows["shared"].macs is None
    assert rows["shared"].receptive_field == "-"
    lstm = next(r for r in rows.values() if r.type == "LSTM")
    assert lstm.macs is None and lstm.params > 0
    s = summarize(shared_and_unknown())
    assert not s.macs_complete
    assert "?" in str(s)


def test_branchy_receptive_field_is_the_widest_branch():
    rows = {r.type + str(i): r for i, r in enumerate(summarize(branchy()).rows)}
    add = next(r for r in rows.values() if r.type == "Add")
    assert add.receptive_field == "5x5"
    gap = next(r for r in rows.values() if r.type == "GlobalAveragePooling2D")
    assert gap.receptive_field == "whole input"


def test_nested_model_macs_add_up():
    model = nested_frozen_base()
    s = summarize(model)
    base_row = next(r for r in s.rows if r.name == "base")
    assert base_row.macs == summarize(model.get_layer("base")).total_macs
    assert base_row.trainable == 0 and base_row.non_trainable == model.get_layer("base").count_params()


def _receptive_field_by_gradient(model, size):
    """Height of the input region that changes the centre output, found with a gradient."""
    import tensorflow as tf

    for w in model.weights:
        w.assign(np.ones(w.shape, dtype="float32"))
    x = tf.Variable(np.ones((1, size, size, 1), dtype="float32"))
    with tf.GradientTape() as tape:
        y = model(x)
        centre = y[0, y.shape[1] // 2, y.shape[2] // 2, 0]
    grad = tape.gradient(centre, x).numpy()[0, :, :, 0]
    rows = np.nonzero(grad.any(axis=1))[0]
    return int(rows.max() - rows.min() + 1)


layer_specs = st.lists(
    st.one_of(
        st.tuples(st.just("conv"), st.integers(1, 4), st.integers(1, 2), st.integers(1, 2)),
        st.tuples(st.just("pool"), st.integers(2, 3), st.integers(1, 2), st.just(1)),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=12, deadline=None)
@given(specs=layer_specs)
def test_receptive_field_matches_gradient(specs):
    layers = []
    for kind, k, s, d in specs:
        if kind == "conv":
            layers.append(
                L.Conv2D(1, k, strides=s, dilation_rate=d if s == 1 else 1, use_bias=False, padding="same")
            )
        else:
            layers.append(L.AveragePooling2D(k, strides=s, padding="same"))
    size = 61
    model = keras.Sequential([keras.Input(shape=(size, size, 1)), *layers])
    rf = summarize(model).rows[-1].receptive_field
    height = int(rf.split("x")[0])
    # the gradient region is the receptive field unless the image border cuts it
    assert height <= size
    assert _receptive_field_by_gradient(model, size) == height


def test_bad_arguments():
    with pytest.raises(ValueError, match="batch_size"):
        summarize(mnist_cnn(), batch_size=0)
    with pytest.raises(ValueError, match="keras.Input"):
        summarize(keras.Sequential([L.Dense(3)]))


def test_render_table_html_escapes():
    out = render_table(["a<b", "c"], [["<x>", "1"]], as_html=True)
    assert "&lt;x&gt;" in out and "<table" in out


def test_macs_of_other_conv_types_from_keras_kernels():
    """Each output position uses every weight of the kernel once (read off Keras's variables)."""
    model = keras.Sequential(
        [
            keras.Input(shape=(9, 9, 3)),
            L.DepthwiseConv2D(3, depth_multiplier=2, name="dw"),
            L.SeparableConv2D(5, 3, name="sep"),
            L.Conv2DTranspose(4, 2, strides=2, name="up"),
            L.BatchNormalization(name="bn"),
        ]
    )
    rows = {r.name: r for r in summarize(model).rows}
    dw, sep, up = (model.get_layer(n) for n in ("dw", "sep", "up"))
    positions = int(np.prod(dw.output.shape[1:3]))
    assert rows["dw"].macs == positions * int(np.prod(dw.kernel.shape))
    positions = int(np.prod(sep.output.shape[1:3]))
    assert rows["sep"].macs == positions * (
        int(np.prod(sep.depthwise_kernel.shape)) + int(np.prod(sep.pointwise_kernel.shape))
    )
    # a transposed convolution scatters each input value through the whole kernel
    assert rows["up"].macs == int(np.prod(up.input.shape[1:3])) * int(np.prod(up.kernel.shape))
    assert rows["bn"].macs == int(np.prod(model.get_layer("bn").output.shape[1:]))


def test_macs_of_grouped_channels_first_and_1d_convolutions_from_keras_kernels():
    """Each output position uses every weight of the kernel once, whatever the groups and the data format."""
    model = keras.Sequential(
        [
            keras.Input(shape=(4, 9, 9)),
            L.Conv2D(6, 3, groups=2, data_format="channels_first", name="grouped_first"),
            L.BatchNormalization(axis=1, name="bn_first"),
            L.MaxPooling2D(2, data_format="channels_first", name="pool_first"),
            L.Flatten(name="flat"),
        ]
    )
    rows = {r.name: r for r in summarize(model).rows}
    conv = model.get_layer("grouped_first")
    assert rows["grouped_first"].macs == 7 * 7 * int(np.prod(conv.kernel.shape))
    assert rows["grouped_first"].receptive_field == "3x3"
    assert rows["pool_first"].receptive_field == "4x4"
    assert rows["bn_first"].macs == 6 * 7 * 7
    sequence = keras.Sequential([keras.Input(shape=(10, 4)), L.Conv1D(6, 3, groups=2, name="c1")])
    c1 = summarize(sequence).rows[-1]
    assert c1.macs == 8 * int(np.prod(sequence.get_layer("c1").kernel.shape))
    assert summarize(sequence).total_params == sequence.count_params()


def test_render_table_has_a_limit():
    from course_utils.core.formatting import MAX_TABLE_ROWS

    with pytest.raises(ValueError, match="rows holds 1,000,000 rows"):
        render_table(["a", "b"], [["1", "2"]] * 10**6)
    assert render_table(["a"], [["1"]] * MAX_TABLE_ROWS).count("\n") == MAX_TABLE_ROWS + 1


# --- shapes are tuples; text only in the drawn table ----------------------------------------------

COURSE_UTILS = Path(__file__).resolve().parents[1] / "course_utils"


def _course_sources():
    return sorted(COURSE_UTILS.rglob("*.py"))


def _tables():
    from course_utils.engines import architectures as arch
    from course_utils.engines.layer_specs import MNIST_CNN, MNIST_INPUT, layer_table

    return {
        "summarize": summarize(mnist_cnn()),
        "layer_table": layer_table(MNIST_INPUT, MNIST_CNN),
        "block_table": arch.block_table((8, 8, 16), **arch.bottleneck_block(4, strides=2, projection=True)),
        "resnet_table": arch.resnet_table(stages=((8, 1, 2),), input_shape=(32, 32, 3)),
    }


def test_output_shapes_are_tuples_as_keras_writes_them():
    for source, table in _tables().items():
        for row in table.rows:
            shape = row.output_shape
            assert isinstance(shape, tuple), (source, row)
            assert shape[0] is None and all(type(n) is int for n in shape[1:]), (source, row)
            assert str(shape) in str(table) and str(shape) in table._repr_html_()
    model = mnist_cnn()
    assert [row.output_shape for row in summarize(model).rows[1:]] == [
        tuple(x.output.shape) for x in model.layers
    ]


def test_the_table_writes_each_shape_as_before():
    from course_utils.engines.layer_specs import MNIST_CNN, MNIST_INPUT, layer_table

    lines = str(layer_table(MNIST_INPUT, MNIST_CNN)).splitlines()
    assert lines[3] == (
        "input (InputLayer)  (None, 28, 28, 1)           0              0          0     98.0 KiB              1x1"
    )
    assert lines[4] == (
        "#1 (Conv2D)         (None, 28, 28, 32)        320              0    225,792      3.1 MiB              3x3"
    )
    assert lines[8] == (
        "#5 (Flatten)        (None, 3136)                0              0          0    392.0 KiB            10x10"
    )


class Split(L.Layer):
    """A layer with two outputs: the first channel and the others."""

    def call(self, x):
        return [x[..., :1], x[..., 1:]]

    def compute_output_shape(self, shape):
        return [(*shape[:-1], 1), (*shape[:-1], shape[-1] - 1)]


def two_outputs():
    inputs = keras.Input(shape=(4, 4, 3))
    first, others = Split(name="split")(inputs)
    return keras.Model(inputs, L.Add()([L.Conv2D(2, 1)(first), L.Conv2D(2, 1)(others)]))


def test_a_layer_with_several_outputs_has_no_one_shape():
    summary = summarize(two_outputs())
    split = next(row for row in summary.rows if row.name == "split")
    assert split.output_shape is None and split.activation_bytes is None and split.macs is None
    assert "split (Split)" in str(summary) and "multiple" in str(summary).splitlines()[4]


def test_no_shape_is_read_back_from_text():
    """Shapes travel as tuples: nothing in the package parses a shape (or any value) back from its text."""
    assert [path.name for path in _course_sources() if "literal_eval" in path.read_text()] == []


# --- Keras's graph: one function reads private attributes; nothing is swallowed ----------------------


def _defined_names(tree):
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
    return names


def _private_reads(tree):
    """``x._name`` and ``getattr(x, "_name")`` on anything but self and cls (dunders left out)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            owner, name = node.value, node.attr
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "hasattr"}
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            owner, name = node.args[0], node.args[1].value
        else:
            continue
        if (
            name.startswith("_")
            and not name.startswith("__")
            and not (isinstance(owner, ast.Name) and owner.id in {"self", "cls"})
        ):
            yield node.lineno, name


# The only functions that read Keras's or TensorFlow's private attributes, with what each reads; each has
# its tests on the installed release (here, and test_release_memory_... in tests/test_environment.py).
PRIVATE_READERS = {
    ("engines/model_summary.py", "_keras_graph"): {"_keras_history", "_inbound_nodes"},
    ("core/_environment.py", "_forget_all_reduce_gradients"): {"_gradient_registry", "_registry"},
}


def test_private_keras_and_tensorflow_attributes_are_read_only_in_the_named_functions():
    trees = {path: ast.parse(path.read_text()) for path in _course_sources()}
    ours = set().union(*(_defined_names(tree) for tree in trees.values()))
    reads = [
        (path.relative_to(COURSE_UTILS).as_posix(), line, name)
        for path, tree in trees.items()
        for line, name in _private_reads(tree)
        if name not in ours
    ]
    spans = {}
    for module, function in PRIVATE_READERS:
        tree = trees[COURSE_UTILS / module]
        node = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == function)
        spans[module, function] = (node.lineno, node.end_lineno)

    def reader(read):
        path, line, _ = read
        return next(
            (key for key, (first, last) in spans.items() if key[0] == path and first <= line <= last), None
        )

    assert [read for read in reads if reader(read) is None] == []
    found = {key: {read[2] for read in reads if reader(read) == key} for key in spans}
    assert found == PRIVATE_READERS


def test_summarize_swallows_no_exception():
    """A column that summarize cannot fill is None by a rule (named in the tests below), never by a caught error."""
    tree = ast.parse((COURSE_UTILS / "engines" / "model_summary.py").read_text())
    assert [node.lineno for node in ast.walk(tree) if isinstance(node, ast.ExceptHandler)] == []


def _calls_of(model, layer):
    from course_utils.engines.model_summary import _keras_graph

    return _keras_graph(model)[1][id(layer)]


def test_keras_graph_reads_a_sequential_on_this_keras_release():
    """The one function that reads private Keras attributes, checked on the installed (pinned) Keras release."""
    from course_utils.engines.model_summary import _keras_graph

    model = keras.Sequential([keras.Input(shape=(6, 6, 1)), L.Conv2D(2, 3), L.Flatten()])
    (input_layer,), calls = _keras_graph(model)
    assert type(input_layer).__name__ == "InputLayer" and input_layer not in model.layers
    assert calls[id(input_layer)] == [((), ((None, 6, 6, 1),), ())]
    conv, flat = model.layers
    assert calls[id(conv)] == [(((None, 6, 6, 1),), ((None, 4, 4, 2),), (input_layer,))]
    assert calls[id(flat)] == [(((None, 4, 4, 2),), ((None, 32),), (conv,))]
    assert set(calls) == {id(input_layer), id(conv), id(flat)}


def test_keras_graph_reads_the_calls_of_this_model_only():
    """Layers called outside the model (another graph) are read with this model's calls only."""
    model = keras.Sequential()  # each add builds the model again: its first layer is called three times
    model.add(keras.Input(shape=(6, 6, 1)))
    for layer in (L.Conv2D(2, 3), L.Flatten(), L.Dense(2)):
        model.add(layer)
    conv = model.layers[0]
    assert len(conv._inbound_nodes) == 3  # what Keras keeps: every call ever (3 on this Keras release)
    assert len(_calls_of(model, conv)) == 1

    reused = L.Dense(3, name="reused")
    a, b = keras.Input(shape=(4,)), keras.Input(shape=(5,))
    first, second = keras.Model(a, reused(a)), keras.Model(b, L.Dense(1)(reused(L.Dense(4)(b))))
    assert len(_calls_of(first, reused)) == len(_calls_of(second, reused)) == 1
    assert _calls_of(second, reused)[0].input_shapes == ((None, 4),)


def test_keras_graph_reads_shared_layers_nested_models_and_inputs_in_order():
    from course_utils.engines.model_summary import _keras_graph

    shared = L.Dense(5, name="shared")
    a, b = keras.Input(shape=(6,), name="a"), keras.Input(shape=(6,), name="b")
    inner = keras.Sequential([keras.Input(shape=(10,)), L.Dense(2)], name="inner")
    joined = L.Concatenate(name="joined")([shared(a), shared(b)])
    model = keras.Model([b, a], inner(joined))
    input_layers, calls = _keras_graph(model)
    assert [layer.name for layer in input_layers] == ["b", "a"]
    assert [call.parents for call in calls[id(shared)]] == [(model.get_layer("a"),), (model.get_layer("b"),)]
    assert calls[id(inner)] == [(((None, 10),), ((None, 2),), (model.get_layer("joined"),))]


# --- each case where a column is left unknown, named ----------------------------------------------


def test_a_sequential_built_with_add_has_every_column():
    """Keras calls each layer again at each add: the layers are not shared, and nothing is unknown."""
    model = keras.Sequential()
    model.add(keras.Input(shape=(8, 8, 1)))
    model.add(L.Conv2D(2, 3, name="conv"))
    model.add(L.Flatten(name="flat"))
    model.add(L.Dense(2, name="out"))
    rows = {row.name: row for row in summarize(model).rows}
    assert [(rows[n].macs, rows[n].receptive_field) for n in ("conv", "flat", "out")] == [
        (6 * 6 * 2 * 9, "3x3"),
        (0, "3x3"),
        (72 * 2, "whole input"),
    ]


def test_a_layer_used_by_two_models_is_counted_in_each():
    conv = L.Conv2D(2, 3, name="conv")
    x, y = keras.Input(shape=(8, 8, 1)), keras.Input(shape=(8, 8, 1))
    first, second = keras.Model(x, conv(x)), keras.Model(y, L.Flatten()(conv(y)))
    for model in (first, second):
        row = next(row for row in summarize(model).rows if row.name == "conv")
        assert (row.macs, row.receptive_field) == (6 * 6 * 2 * 9, "3x3")


class Scale(L.Layer):
    """A layer of one's own whose argument Keras cannot record: its get_config raises NotImplementedError."""

    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor


class Dense(L.Layer):
    """A learner's own Dense, named as Keras's, with an argument Keras's Dense does not take."""

    def __init__(self, units, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.scale = units, scale

    def build(self, shape):
        self.kernel = self.add_weight(shape=(shape[-1], self.units))

    def call(self, x):
        return self.scale * keras.ops.matmul(x, self.kernel)


class Doubler(keras.Model):
    """A subclassed model: its inputs are not known, so its layers are not added up."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = L.Dense(2)

    def call(self, x):
        return 2 * self.dense(x)


def _row(model, name):
    return next(row for row in summarize(model).rows if row.name == name)


def _scaled():
    inputs = keras.Input(shape=(4, 4, 1))
    with pytest.raises(NotImplementedError):
        Scale(np.float32([2.0])).get_config()
    return keras.Model(inputs, L.Conv2D(1, 1)(Scale(np.float32([2.0]), name="scale")(inputs)))


def _own_dense():
    inputs = keras.Input(shape=(6,))
    return keras.Model(inputs, Dense(3, scale=2.0, name="own")(inputs))


def _subclassed_inside():
    inputs = keras.Input(shape=(4,))
    return keras.Model(inputs, Doubler(name="doubler")(inputs))


def _lstm():
    inputs = keras.Input(shape=(7, 3))
    return keras.Model(inputs, L.LSTM(4, name="lstm")(inputs))


UNKNOWN_CASES = {
    "a layer type without a formula (LSTM)": (_lstm, "lstm", 4 * (3 * 4 + 4 * 4 + 4)),
    "a layer of one's own whose get_config raises": (_scaled, "scale", 0),
    "a layer of one's own named as a Keras layer": (_own_dense, "own", 6 * 3),
    "a subclassed model inside a model": (_subclassed_inside, "doubler", 4 * 2 + 2),
    "a layer called twice in the model": (shared_and_unknown, "shared", 6 * 5 + 5),
}


@pytest.mark.parametrize("case", UNKNOWN_CASES)
def test_macs_and_receptive_field_unknown_only_where_named(case):
    build, name, params = UNKNOWN_CASES[case]
    model = build()
    row = _row(model, name)
    assert (row.macs, row.receptive_field, row.params) == (None, "-", params)
    assert summarize(model).total_params == model.count_params()


def test_branches_and_shared_layers_keep_their_columns():
    """Every column of functional models with branches, merges, shared and nested layers, as before."""
    expected = {
        branchy: [
            ("InputLayer", (None, 16, 16, 3), 0, 0, 0, 98304, "1x1"),
            ("Conv2D", (None, 16, 16, 4), 112, 0, 27648, 131072, "3x3"),
            ("Conv2D", (None, 16, 16, 4), 304, 0, 76800, 131072, "5x5"),
            ("Add", (None, 16, 16, 4), 0, 0, 0, 131072, "5x5"),
            ("BatchNormalization", (None, 16, 16, 4), 8, 8, 1024, 131072, "5x5"),
            ("MaxPooling2D", (None, 8, 8, 4), 0, 0, 0, 32768, "6x6"),
            ("Conv2D", (None, 8, 8, 4), 20, 0, 1024, 32768, "5x5"),
            ("Concatenate", (None, 8, 8, 8), 0, 0, 0, 65536, "6x6"),
            ("GlobalAveragePooling2D", (None, 8), 0, 0, 0, 1024, "whole input"),
            ("Dense", (None, 2), 18, 0, 16, 256, "whole input"),
        ],
        shared_and_unknown: [
            ("InputLayer", (None, 6), 0, 0, 0, 768, "-"),
            ("InputLayer", (None, 6), 0, 0, 0, 768, "-"),
            ("Dense", (None, 5), 35, 0, None, 640, "-"),
            ("InputLayer", (None, 7, 3), 0, 0, 0, 2688, "-"),
            ("Concatenate", (None, 10), 0, 0, 0, 1280, "-"),
            ("LSTM", (None, 4), 128, 0, None, 512, "-"),
            ("Concatenate", (None, 14), 0, 0, 0, 1792, "-"),
            ("Dense", (None, 1), 15, 0, 14, 128, "-"),
        ],
        nested_frozen_base: [
            ("InputLayer", (None, 10, 10, 1), 0, 0, 0, 12800, "1x1"),
            ("Sequential", (None, 8, 8, 4), 0, 56, 2560, 32768, "-"),
            ("Flatten", (None, 256), 0, 0, 0, 32768, "-"),
            ("Dense", (None, 3), 771, 0, 768, 384, "-"),
        ],
        two_outputs: [
            ("InputLayer", (None, 4, 4, 3), 0, 0, 0, 6144, "1x1"),
            ("Split", None, 0, 0, None, None, "-"),
            ("Conv2D", (None, 4, 4, 2), 4, 0, 32, 4096, "-"),
            ("Conv2D", (None, 4, 4, 2), 6, 0, 64, 4096, "-"),
            ("Add", (None, 4, 4, 2), 0, 0, 0, 4096, "-"),
        ],
    }
    for build, rows in expected.items():
        got = [
            (
                r.type,
                r.output_shape,
                r.trainable,
                r.non_trainable,
                r.macs,
                r.activation_bytes,
                r.receptive_field,
            )
            for r in summarize(build()).rows
        ]
        assert got == rows, build.__name__
