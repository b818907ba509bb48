"""Lesson 04 checkers: right answers (from Keras), each misconception, unfinished and bad types."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_utils.checks import parameter_counting as pc

keras = pytest.importorskip("keras")
L = keras.layers


def _size(weights):
    return sum(int(np.prod(w.shape)) for w in weights)


def _built(layer, input_shape):
    model = keras.Sequential([keras.Input(shape=input_shape), layer])
    return model


def _exercise_cnn(padding=None):
    layers = []
    for spec in pc.EXERCISE_CNN:
        arguments = {k: v for k, v in spec.items() if k != "type"}
        if padding and "padding" in arguments:
            arguments["padding"] = padding
        layers.append(getattr(L, spec["type"])(**arguments))
    return keras.Sequential([keras.Input(shape=pc.EXERCISE_INPUT), *layers])


# Right answers, computed here from Keras itself -------------------------------------


def keras_conv():
    c = pc.CONV_LAYER
    layer = L.Conv2D(c["filters"], c["kernel_size"], padding=c["padding"])
    return _built(layer, c["input_shape"]).count_params()


def keras_dense():
    model = keras.Sequential(
        [keras.Input(shape=pc.DENSE_LAYER["input_shape"]), L.Flatten(), L.Dense(pc.DENSE_LAYER["units"])]
    )
    return model.count_params()


def keras_bn():
    model = _built(L.BatchNormalization(), pc.BATCH_NORM_INPUT)
    return _size(model.trainable_weights), model.count_params()


def keras_frozen():
    model = _exercise_cnn()
    for layer in model.layers:
        if isinstance(layer, L.Conv2D):
            layer.trainable = False
    return _size(model.trainable_weights)


def keras_gap_head():
    h = pc.HEAD
    model = keras.Sequential(
        [keras.Input(shape=h["input_shape"]), L.GlobalAveragePooling2D(), L.Dense(h["units"])]
    )
    return model.count_params()


def keras_separable():
    s = pc.SEPARABLE_LAYER
    layer = L.SeparableConv2D(s["filters"], s["kernel_size"], use_bias=s["use_bias"])
    return _built(layer, (8, 8, s["in_channels"])).count_params()


def bottleneck_macs():
    """Multiply-adds counted from the Keras layers' output shapes and kernel sizes."""
    b = pc.BOTTLENECK
    inputs = keras.Input(shape=b["input_shape"])
    x = L.Conv2D(b["reduce_to"], 1)(inputs)
    y = L.Conv2D(b["filters"], b["kernel_size"], padding="same")(x)
    model = keras.Model(inputs, y)
    total = 0
    for layer in model.layers[1:]:
        out = layer.output.shape
        total += out[1] * out[2] * int(np.prod(layer.kernel.shape))
    return total


def activation_bytes():
    a = pc.ACTIVATION_LAYER
    layer = L.Conv2D(a["filters"], a["kernel_size"], padding=a["padding"])
    x = np.zeros((a["batch_size"], *a["input_shape"]), dtype="float32")
    return np.asarray(layer(x)).nbytes


def keras_vgg():
    """The VGG-style network of exercise 13, written layer by layer in Keras."""
    layers = []
    for filters, convolutions in pc.VGG_BLOCKS:
        layers += [L.Conv2D(filters, 3, padding="same", activation="relu") for _ in range(convolutions)]
        layers.append(L.MaxPooling2D(2))
    layers += [L.Flatten(), *(L.Dense(units, activation="relu") for units in pc.VGG_DENSE_UNITS)]
    layers.append(L.Dense(pc.VGG_CLASSES, activation="softmax"))
    return keras.Sequential([keras.Input(shape=pc.VGG_INPUT), *layers])


def keras_vgg_share(first_only=False):
    model = keras_vgg()
    dense = [layer.count_params() for layer in model.layers if isinstance(layer, L.Dense)]
    return (dense[0] if first_only else sum(dense)) / model.count_params()


def keras_residual_block(projection=True, use_bias=False, shortcut_kernel=1):
    """Exercise 14's block as ResNet-18 writes it: conv, BN, ReLU, conv, BN, + shortcut, ReLU."""
    inputs = keras.Input(shape=pc.RESIDUAL_INPUT)
    x = L.Conv2D(128, 3, strides=2, padding="same", use_bias=use_bias)(inputs)
    x = L.ReLU()(L.BatchNormalization()(x))
    x = L.BatchNormalization()(L.Conv2D(128, 3, padding="same", use_bias=use_bias)(x))
    shortcut = inputs
    if projection:
        shortcut = L.Conv2D(128, shortcut_kernel, strides=2, padding="same", use_bias=use_bias)(inputs)
        shortcut = L.BatchNormalization()(shortcut)
    return keras.Model(inputs, L.ReLU()(L.Add()([x, shortcut])))


RIGHT = {
    pc.check_conv_params: keras_conv,
    pc.check_dense_params: keras_dense,
    pc.check_model_total: lambda: _exercise_cnn().count_params(),
    pc.check_batch_norm_trainable: lambda: keras_bn()[0],
    pc.check_batch_norm_total: lambda: keras_bn()[1],
    pc.check_frozen_trainable: keras_frozen,
    pc.check_gap_head_params: keras_gap_head,
    pc.check_separable_params: keras_separable,
    pc.check_bottleneck_macs: bottleneck_macs,
    pc.check_activation_memory: activation_bytes,
    pc.check_vgg_dense_share: keras_vgg_share,
    pc.check_residual_block_params: lambda: keras_residual_block().count_params(),
}
NUMBER_CHECKERS = list(RIGHT)


@pytest.mark.parametrize("checker", NUMBER_CHECKERS, ids=lambda c: c.__name__)
def test_right_answer_from_keras_is_correct(checker):
    feedback = checker(RIGHT[checker]())
    assert feedback.status == "correct", feedback.message


def test_the_lesson_figures_are_not_the_exercise_answers():
    """The lesson shows these figures: an exercise must make the learner compute, not copy."""
    for checker, figure in [
        (pc.check_model_total, 220_234),
        (pc.check_separable_params, 35_072),
        (pc.check_bottleneck_macs, 92_274_688),
        (pc.check_conv_params, 18_496),
        (pc.check_dense_params, 200_768),
        (pc.check_gap_head_params, 650),
        (pc.check_activation_memory, 6_422_528),
    ]:
        assert checker(figure).status == "wrong"


@pytest.mark.parametrize("checker", NUMBER_CHECKERS + [pc.check_my_conv2d_params], ids=lambda c: c.__name__)
@pytest.mark.parametrize("placeholder", [Ellipsis, None])
def test_unfinished(checker, placeholder):
    feedback = checker(placeholder)
    assert feedback.status == "unfinished"


@pytest.mark.parametrize("checker", NUMBER_CHECKERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("bad", ["28848", [1, 2], (3,), True, {"a": 1}])
def test_wrong_type_is_invalid(checker, bad):
    feedback = checker(bad)
    assert feedback.status == "invalid"


@pytest.mark.parametrize("checker", NUMBER_CHECKERS, ids=lambda c: c.__name__)
@given(
    answer=st.one_of(
        st.integers(),
        st.floats(allow_nan=True),
        st.text(max_size=4),
        st.none(),
        st.lists(st.integers(), max_size=3),
    )
)
def test_never_raises(checker, answer):
    feedback = checker(answer)
    assert feedback.status in ("correct", "wrong", "unfinished", "invalid")


# Misconceptions: each wrong value computed here by hand from the exercise data -------


def _wrong(checker, value, *words):
    feedback = checker(value)
    assert feedback.status == "wrong", (value, feedback.message)
    for word in words:
        assert word in feedback.message, (value, feedback.message)
    assert f"{value:,}" not in feedback.message.split("is not right.")[1]


def test_conv_misconceptions():
    c = pc.CONV_LAYER
    k, f, (h, w, ch) = c["kernel_size"], c["filters"], c["input_shape"]
    right = keras_conv()
    _wrong(pc.check_conv_params, k * k * ch * f, "forgot the biases")
    _wrong(pc.check_conv_params, k * k * ch * f + 1, "single bias of 1")
    _wrong(pc.check_conv_params, k * k * f + f, "forgot the input channels")
    _wrong(pc.check_conv_params, k * k * f, "input channels and the biases")
    _wrong(pc.check_conv_params, k * k * h * f + f, "output size")  # 'same' keeps the height
    _wrong(pc.check_conv_params, k * k * h * w * f + f, "output positions")
    _wrong(pc.check_conv_params, h * w * right, "shares its weights")
    _wrong(pc.check_conv_params, k * k * ch * ch + ch, "`filters` argument")
    _wrong(pc.check_conv_params, 2 * k * k * ch * f, "bias of 1 for every weight")
    plain = pc.check_conv_params(right + 7)
    assert plain.status == "wrong" and "forgot" not in plain.message


def test_dense_misconceptions():
    (h, w, c), u = pc.DENSE_LAYER["input_shape"], pc.DENSE_LAYER["units"]
    _wrong(pc.check_dense_params, h * w * c * u, "forgot the biases")
    _wrong(pc.check_dense_params, c * u + u, "channels as the input size")
    _wrong(pc.check_dense_params, h * w * u + u, "forgetting the channels")
    _wrong(pc.check_dense_params, keras_dense() + h * w * c, "Flatten")


def test_model_total_misconceptions():
    model = _exercise_cnn()
    total = model.count_params()
    biases = sum(
        int(np.prod(layer.bias.shape)) for layer in model.layers if getattr(layer, "bias", None) is not None
    )
    pools = [layer for layer in model.layers if isinstance(layer, L.MaxPooling2D)]
    pool_weights = sum(2 * 2 * layer.output.shape[-1] for layer in pools)  # a 2x2 'kernel' per channel
    pool_biases = sum(layer.output.shape[-1] for layer in pools)
    flat = int(
        np.prod(next(layer for layer in model.layers if isinstance(layer, L.Flatten)).output.shape[1:])
    )
    _wrong(pc.check_model_total, total - biases, "forgot the biases")
    _wrong(pc.check_model_total, 2 * (total - biases), "bias of 1 for every weight")
    _wrong(pc.check_model_total, total + pool_weights, "pooling")
    _wrong(pc.check_model_total, total + pool_weights + pool_biases, "pooling layers weights and biases")
    _wrong(pc.check_model_total, total + flat, "Flatten")
    _wrong(pc.check_model_total, total + flat + pool_weights, "pooling and Flatten")
    convs = [layer for layer in model.layers if isinstance(layer, L.Conv2D)]
    first, second = convs[0], convs[1]
    channels = pc.EXERCISE_INPUT[2]
    wrong_second = 3 * 3 * channels * second.filters + second.filters
    _wrong(pc.check_model_total, total - second.count_params() + wrong_second, "second convolution")
    _wrong(
        pc.check_model_total, total - first.count_params() + 3 * 3 * 1 * first.filters + first.filters, "RGB"
    )
    _wrong(pc.check_model_total, _exercise_cnn("valid").count_params(), "'valid' padding")


def test_batch_norm_misconceptions():
    trainable, total = keras_bn()
    h, w, c = pc.BATCH_NORM_INPUT
    _wrong(pc.check_batch_norm_trainable, total, "non-trainable")
    _wrong(pc.check_batch_norm_total, trainable, "only the trainable part")
    for checker in (pc.check_batch_norm_trainable, pc.check_batch_norm_total):
        _wrong(checker, h * w * trainable, "once per position")
        _wrong(checker, c, "one value per channel")
        _wrong(checker, 2, "for the whole layer")
        _wrong(checker, 4, "for the whole layer")


def test_frozen_misconceptions():
    model = _exercise_cnn()
    conv = sum(layer.count_params() for layer in model.layers if isinstance(layer, L.Conv2D))
    _wrong(pc.check_frozen_trainable, model.count_params(), "That is the total")
    _wrong(pc.check_frozen_trainable, conv, "frozen part")
    _wrong(pc.check_frozen_trainable, 0, "Dense layers still train")


def test_gap_head_misconceptions():
    (h, w, c), u = pc.HEAD["input_shape"], pc.HEAD["units"]
    _wrong(pc.check_gap_head_params, h * w * c * u + u, "with Flatten")
    _wrong(pc.check_gap_head_params, c * u, "biases")
    _wrong(pc.check_gap_head_params, c * u + u + c, "nothing to learn")
    _wrong(pc.check_gap_head_params, h * w * u + u, "one value per channel")


def test_separable_misconceptions():
    s = pc.SEPARABLE_LAYER
    k, c, f = s["kernel_size"], s["in_channels"], s["filters"]
    _wrong(pc.check_separable_params, k * k * c * f, "standard Conv2D")
    _wrong(pc.check_separable_params, k * k * c, "only the depthwise step")
    _wrong(pc.check_separable_params, c * f, "only the pointwise")
    _wrong(pc.check_separable_params, keras_separable() + f, "use_bias=False")
    _wrong(pc.check_separable_params, k * k + c * f, "every input channel")


def test_bottleneck_misconceptions():
    b = pc.BOTTLENECK
    (h, w, c), r, f, k = b["input_shape"], b["reduce_to"], b["filters"], b["kernel_size"]
    _wrong(pc.check_bottleneck_macs, h * w * k * k * c * f, "without the bottleneck")
    _wrong(pc.check_bottleneck_macs, h * w * k * k * r * f, "1x1 layer's own")
    _wrong(pc.check_bottleneck_macs, h * w * c * r + h * w * k * k * c * f, "reduced count")
    _wrong(pc.check_bottleneck_macs, c * r + k * k * r * f, "weights, not multiply-adds")
    _wrong(pc.check_bottleneck_macs, c * r + r + k * k * r * f + f, "parameters, not")


def test_activation_misconceptions():
    a = pc.ACTIVATION_LAYER
    right = activation_bytes()
    batch = a["batch_size"]
    _wrong(pc.check_activation_memory, right // 4, "values, not bytes")
    _wrong(pc.check_activation_memory, right // batch, "one image")
    _wrong(pc.check_activation_memory, right * 2, "float64")
    _wrong(pc.check_activation_memory, 4 * keras_conv_first(), "weights")
    _wrong(pc.check_activation_memory, 4 * batch * int(np.prod(a["input_shape"])), "input batch")
    valid = L.Conv2D(a["filters"], a["kernel_size"], padding="valid")
    x = np.zeros((a["batch_size"], *a["input_shape"]), dtype="float32")
    _wrong(pc.check_activation_memory, np.asarray(valid(x)).nbytes, "'valid' padding")


def keras_conv_first():
    a = pc.ACTIVATION_LAYER
    return _built(L.Conv2D(a["filters"], a["kernel_size"]), a["input_shape"]).count_params()


# The "implement it" exercise ----------------------------------------------------------


def good(kernel_size, in_channels, filters, use_bias=True):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return kh * kw * in_channels * filters + (filters if use_bias else 0)


def test_reference_cases_match_keras():
    for case in pc.conv2d_params_cases():
        k, c, f, *rest = case
        layer = L.Conv2D(f, k, use_bias=rest[0] if rest else True)
        assert good(*case) == _built(layer, (9, 9, c)).count_params()


def test_my_conv2d_params():
    assert pc.check_my_conv2d_params(good).status == "correct"

    def todo(kernel_size, in_channels, filters, use_bias=True):
        raise NotImplementedError

    assert pc.check_my_conv2d_params(todo).status == "unfinished"
    assert pc.check_my_conv2d_params(42).status == "invalid"

    cases = {
        "forgets the biases": lambda k, c, f, use_bias=True: good(k, c, f, False),
        "even when use_bias=False": lambda k, c, f, use_bias=True: good(k, c, f, True),
        "single bias of 1": lambda k, c, f, use_bias=True: good(k, c, f, False) + int(use_bias),
        "forgets the input channels": lambda k, c, f, use_bias=True: good(k, 1, f, use_bias),
        "as square": lambda k, c, f, use_bias=True: good(k if isinstance(k, int) else k[0], c, f, use_bias),
    }
    for words, function in cases.items():
        feedback = pc.check_my_conv2d_params(function)
        assert feedback.status == "wrong" and words in feedback.message, feedback.message

    def crashes(kernel_size, in_channels, filters, use_bias=True):
        return kernel_size * in_channels * filters  # a tuple times an int: wrong, not a crash

    assert pc.check_my_conv2d_params(crashes).status == "wrong"


def test_vgg_share_misconceptions():
    right = keras_vgg_share()
    _wrong(pc.check_vgg_dense_share, 100 * right, "percentage")
    _wrong(pc.check_vgg_dense_share, keras_vgg_share(first_only=True), "first Dense layer alone")
    _wrong(pc.check_vgg_dense_share, 1 - right, "share of the convolutions")
    _wrong(pc.check_vgg_dense_share, right / (1 - right), "divided by the convolutions")
    # Flatten before the last pooling: 16 x 16 x 128 values reach Dense(256)
    conv = keras_vgg().count_params() - sum(
        layer.count_params() for layer in keras_vgg().layers if isinstance(layer, L.Dense)
    )
    dense = (16 * 16 * 128 * 256 + 256) + (256 * 10 + 10)
    _wrong(pc.check_vgg_dense_share, dense / (dense + conv), "before the last pooling")
    assert pc.check_vgg_dense_share(round(right, 2)).status == "wrong"
    assert "rounded" in pc.check_vgg_dense_share(round(right, 2)).message


def test_residual_block_misconceptions():
    right = keras_residual_block().count_params()
    assert right == pc._block().total_params
    # Keras cannot even build the block with an identity shortcut (the shapes differ): the main path alone
    main_only = right - (1 * 1 * 64 * 128) - 4 * 128
    with pytest.raises(ValueError, match="incompatible shapes"):
        keras_residual_block(projection=False)
    _wrong(pc.check_residual_block_params, main_only, "shortcut's 1x1 convolution")
    _wrong(
        pc.check_residual_block_params, keras_residual_block(shortcut_kernel=3).count_params(), "3x3 kernel"
    )
    _wrong(
        pc.check_residual_block_params, keras_residual_block(use_bias=True).count_params(), "counted biases"
    )
    model = keras_residual_block()
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    _wrong(pc.check_residual_block_params, trainable, "trainable part")
    norms = sum(layer.count_params() for layer in model.layers if isinstance(layer, L.BatchNormalization))
    _wrong(pc.check_residual_block_params, right - norms, "BatchNormalization layers")
    _wrong(pc.check_residual_block_params, right - 3 * 3 * 128 * 128 + 3 * 3 * 64 * 128, "first one's output")
    _wrong(pc.check_residual_block_params, right + 128, "Add a parameter per channel")
