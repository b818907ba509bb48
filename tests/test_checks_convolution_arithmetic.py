"""The lesson 01 checkers: right, wrong (each misconception), unfinished and wrongly typed answers.

The right answers are recomputed here independently (plain Python loops, SciPy, Keras),
not taken from the checkers.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.checks import Feedback
from course_utils.checks import convolution_arithmetic as check

scipy_signal = pytest.importorskip("scipy.signal")


def products_sum(window, kernel):
    """Sum of element-by-element products, written out with Python loops."""
    window, kernel = np.asarray(window).tolist(), np.asarray(kernel).tolist()
    total = 0
    for row_w, row_k in zip(window, kernel, strict=True):
        for w, k in zip(row_w, row_k, strict=True):
            if isinstance(w, list):
                total += sum(a * b for a, b in zip(w, k, strict=True))
            else:
                total += w * k
    return total


def assert_status(feedback, status, *words):
    assert isinstance(feedback, Feedback)
    assert feedback.status == status, str(feedback)
    for word in words:
        assert word.lower() in feedback.message.lower(), str(feedback)


UNFINISHED = [..., None]

# ---------------------------------------------------------------------------
# Exercise 1
# ---------------------------------------------------------------------------
WINDOW_VALUE = products_sum(check.WINDOW, check.KERNEL_WINDOW)


def test_window_value_right():
    assert_status(check.check_window_value(WINDOW_VALUE), "correct")
    assert_status(check.check_window_value(float(WINDOW_VALUE)), "correct")
    assert_status(check.check_window_value(np.int64(WINDOW_VALUE)), "correct")


@pytest.mark.parametrize(
    "wrong, words",
    [
        (products_sum(check.WINDOW, np.asarray(check.KERNEL_WINDOW)[::-1, ::-1]), ["flipped"]),
        (int(np.sum(check.WINDOW @ check.KERNEL_WINDOW)), ["multiplied the matrices"]),
        (int(np.sum(check.WINDOW)), ["sum of the window"]),
        (WINDOW_VALUE + 1000, []),
    ],
)
def test_window_value_wrong(wrong, words):
    assert wrong != WINDOW_VALUE
    assert_status(check.check_window_value(wrong), "wrong", *words)


@pytest.mark.parametrize("answer", UNFINISHED)
def test_window_value_unfinished(answer):
    assert_status(check.check_window_value(answer), "unfinished")


@pytest.mark.parametrize("answer", [str(WINDOW_VALUE), [WINDOW_VALUE], True, {"value": 1}])
def test_window_value_invalid(answer):
    assert_status(check.check_window_value(answer), "invalid")


# ---------------------------------------------------------------------------
# Exercise 2
# ---------------------------------------------------------------------------
IMAGE, KERNEL = np.asarray(check.IMAGE_MAP), np.asarray(check.KERNEL_MAP)
MAP = scipy_signal.correlate2d(IMAGE, KERNEL, mode="valid")


def test_feature_map_right():
    assert_status(check.check_feature_map(MAP), "correct")
    assert_status(check.check_feature_map(MAP.tolist()), "correct")


@pytest.mark.parametrize(
    "wrong, words",
    [
        (scipy_signal.convolve2d(IMAGE, KERNEL, mode="valid"), ["flipped"]),
        (scipy_signal.correlate2d(IMAGE, KERNEL.T, mode="valid"), ["transposed"]),
        (scipy_signal.correlate2d(IMAGE, KERNEL, mode="valid")[::2, ::2], ["own size"]),
        # TensorFlow's 'same' for a 2x2 kernel: one row of zeros below, one column on the right
        (scipy_signal.correlate2d(np.pad(IMAGE, ((0, 1), (0, 1))), KERNEL, mode="valid"), ["same"]),
        (MAP + np.eye(3), ["3 of its 9 values wrong"]),
        (MAP[:2], ["shape"]),
    ],
)
def test_feature_map_wrong(wrong, words):
    assert_status(check.check_feature_map(wrong), "wrong", *words)


@pytest.mark.parametrize("answer", UNFINISHED)
def test_feature_map_unfinished(answer):
    assert_status(check.check_feature_map(answer), "unfinished")


@pytest.mark.parametrize("answer", ["map", [[1, 2], [3]], {"a": 1}])
def test_feature_map_invalid(answer):
    assert_status(check.check_feature_map(answer), "invalid")


# ---------------------------------------------------------------------------
# Exercise 3
# ---------------------------------------------------------------------------
RGB_SUM = products_sum(check.WINDOW_RGB, check.KERNEL_RGB)
FIRST_CHANNEL = products_sum(np.asarray(check.WINDOW_RGB)[:, :, 0], np.asarray(check.KERNEL_RGB)[:, :, 0])


def test_rgb_value_right():
    assert_status(check.check_rgb_value(RGB_SUM + check.BIAS_RGB), "correct")


@pytest.mark.parametrize(
    "wrong, words",
    [
        (RGB_SUM, ["forgot the bias"]),
        (RGB_SUM + 1, ["not the constant 1"]),
        (FIRST_CHANNEL + check.BIAS_RGB, ["only the first channel"]),
        (RGB_SUM / 3 + check.BIAS_RGB, ["averaged"]),
        (RGB_SUM + 3 * check.BIAS_RGB, ["once per channel"]),
    ],
)
def test_rgb_value_wrong(wrong, words):
    assert wrong != RGB_SUM + check.BIAS_RGB
    assert_status(check.check_rgb_value(wrong), "wrong", *words)


@pytest.mark.parametrize("answer", UNFINISHED)
def test_rgb_value_unfinished(answer):
    assert_status(check.check_rgb_value(answer), "unfinished")


@pytest.mark.parametrize("answer", ["5", np.ones(3)])
def test_rgb_value_invalid(answer):
    assert_status(check.check_rgb_value(answer), "invalid")


# ---------------------------------------------------------------------------
# Exercises 4 and 5, against a real Keras layer
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def keras_layer():
    keras = pytest.importorskip("keras")
    layer = keras.layers.Conv2D(
        filters=check.LAYER["filters"],
        kernel_size=check.LAYER["kernel_size"],
        padding=check.LAYER["padding"],
    )
    layer.build((None, *check.LAYER["input_shape"]))
    return layer


def test_output_shape_right(keras_layer):
    expected = keras_layer.compute_output_shape((None, *check.LAYER["input_shape"]))[1:]
    assert_status(check.check_output_shape(tuple(expected)), "correct")
    assert_status(check.check_output_shape(list(expected)), "correct")


def test_output_shape_wrong(keras_layer):
    height, width, depth = keras_layer.compute_output_shape((None, *check.LAYER["input_shape"]))[1:]
    channels = check.LAYER["input_shape"][2]
    cases = [
        ((height, width, channels), "one channel per filter"),
        ((height, width, depth * channels), "single map"),
        ((*check.LAYER["input_shape"][:2], depth), "padding='same'"),
        ((height - 1, width - 1, depth), "+1"),
        ((None, height, width, depth), "batch axis"),
        ((height, width), "shape"),
    ]
    for wrong, words in cases:
        assert_status(check.check_output_shape(wrong), "wrong", words)


@pytest.mark.parametrize("answer", UNFINISHED)
def test_output_shape_unfinished(answer):
    assert_status(check.check_output_shape(answer), "unfinished")


@pytest.mark.parametrize("answer", ["(98, 98, 32)", {"height": 98}])
def test_output_shape_invalid(answer):
    assert_status(check.check_output_shape(answer), "invalid")


def test_kernel_shape_right(keras_layer):
    assert_status(check.check_kernel_shape(tuple(keras_layer.kernel.shape)), "correct")


def test_kernel_shape_wrong(keras_layer):
    kh, kw, channels, filters = keras_layer.kernel.shape
    cases = [
        ((kh, kw, filters), "forgot the input channels"),
        ((kh, kw, filters, channels), "swapped"),
        ((filters, channels, kh, kw), "PyTorch"),
        ((kh, kw, 1, filters), "more than one channel"),
        ((kh, kw, channels, filters + 1), "values wrong"),
    ]
    for wrong, words in cases:
        assert_status(check.check_kernel_shape(wrong), "wrong", words)


@pytest.mark.parametrize("answer", [..., None, "3x3", 3.5j])
def test_kernel_shape_unfinished_or_invalid(answer):
    assert check.check_kernel_shape(answer).status in {"unfinished", "invalid"}
    assert not check.check_kernel_shape(answer)


# ---------------------------------------------------------------------------
# Exercise 6
# ---------------------------------------------------------------------------
def _is_vertical_edge_detector(kernel):
    kernel = np.asarray(kernel, dtype=float)
    rows_equal = np.allclose(kernel, kernel[0])  # the same left-to-right pattern on every row
    return rows_equal and np.isclose(kernel.sum(), 0) and not np.allclose(kernel, 0)


def test_vertical_edge_kernel():
    right = [name for name, k in check.CANDIDATE_KERNELS.items() if _is_vertical_edge_detector(k)]
    assert len(right) == 1
    assert_status(check.check_vertical_edge_kernel(right[0]), "correct")
    assert_status(check.check_vertical_edge_kernel(f" {right[0].lower()} "), "correct")
    for name, kernel in check.CANDIDATE_KERNELS.items():
        if name == right[0]:
            continue
        words = "smooths" if not np.isclose(np.sum(kernel), 0) else "horizontal edges"
        assert_status(check.check_vertical_edge_kernel(name), "wrong", words)
    for answer in UNFINISHED:
        assert_status(check.check_vertical_edge_kernel(answer), "unfinished")
    assert_status(check.check_vertical_edge_kernel("D"), "wrong", "not one of the options")
    assert_status(check.check_vertical_edge_kernel(3), "invalid")


# ---------------------------------------------------------------------------
# Exercise 7
# ---------------------------------------------------------------------------
def loop_conv2d(x, kernel, bias, flip=False, use_bias=True, channels=None, add_one=False):
    """An independent, learner-style implementation with optional mistakes."""
    x, kernel = np.asarray(x), np.asarray(kernel)
    if flip:
        kernel = kernel[::-1, ::-1]
    if channels is not None:
        x, kernel = x[..., :channels], kernel[:, :, :channels]
    batch, height, width, _ = x.shape
    kh, kw, _, filters = kernel.shape
    out = np.zeros((batch, height - kh + 1, width - kw + 1, filters))
    for b in range(batch):
        for i in range(out.shape[1]):
            for j in range(out.shape[2]):
                for f in range(filters):
                    out[b, i, j, f] = np.sum(x[b, i : i + kh, j : j + kw, :] * kernel[..., f])
                    if use_bias:
                        out[b, i, j, f] += bias[f]
                    if add_one:
                        out[b, i, j, f] += 1
    return out


def test_my_conv2d_right():
    assert_status(check.check_my_conv2d(loop_conv2d), "correct")


@pytest.mark.parametrize(
    "options, words",
    [
        ({"flip": True}, "flips the kernel"),
        ({"use_bias": False}, "forgets the bias"),
        ({"use_bias": False, "add_one": True}, "adds 1"),
        ({"channels": 1}, "first input channel"),
    ],
)
def test_my_conv2d_misconceptions(options, words):
    def learner(x, kernel, bias):
        return loop_conv2d(x, kernel, bias, **options)

    assert_status(check.check_my_conv2d(learner), "wrong", words)


def test_my_conv2d_time_limit_never_counts_the_learners_first_import(tmp_path, monkeypatch):
    """A first `import keras` inside the function took 6.5 s on a busy machine: it never counts."""
    import sys

    from course_utils.checks import framework

    monkeypatch.setattr(framework, "TIME_LIMIT", 0.5)
    name = f"slow_library_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text("import time\ntime.sleep(1.5)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)

    def my_conv2d(x, kernel, bias):
        __import__(name)  # as `import keras` on the first call
        return loop_conv2d(x, kernel, bias)

    assert_status(check.check_my_conv2d(my_conv2d), "correct")
    sys.modules.pop(name, None)

    def endless(x, kernel, bias):
        while True:
            pass

    assert_status(check.check_my_conv2d(endless), "wrong", "did not finish within 0.5 s")


def test_my_conv2d_other_mistakes():
    def transposed_output(x, kernel, bias):
        return loop_conv2d(x, kernel, bias).transpose(0, 2, 1, 3)

    def crashes(x, kernel, bias):
        return x @ kernel

    assert_status(check.check_my_conv2d(transposed_output), "wrong", "instead of")
    assert_status(check.check_my_conv2d(crashes), "wrong", "raised")


def test_my_conv2d_unfinished_and_invalid():
    def stub(x, kernel, bias):
        raise NotImplementedError

    def no_return(x, kernel, bias):
        loop_conv2d(x, kernel, bias)

    for answer in [..., None, stub, no_return]:
        assert_status(check.check_my_conv2d(answer), "unfinished")
    assert_status(check.check_my_conv2d(np.zeros(3)), "invalid")


def test_cases_cover_batches_channels_and_filters():
    cases = check.conv2d_cases()
    assert any(x.shape[0] > 1 for x, _, _ in cases)
    assert any(x.shape[3] > 1 for x, _, _ in cases)
    assert any(k.shape[3] > 1 and k.shape[0] != k.shape[1] for _, k, _ in cases)


# ---------------------------------------------------------------------------
# Exercises 8 and 9: the squared error's gradient, by hand and as a function
# ---------------------------------------------------------------------------
def loop_step(images, kernel, targets, rate, sign=-1, two=2, mean=True, flip=False, images_used=None):
    """An independent, learner-style gradient step (plain loops), with optional mistakes."""
    images, kernel, targets = (np.asarray(a, dtype=float) for a in (images, kernel, targets))
    if images_used is not None:
        images, targets = images[:images_used], targets[:images_used]
    applied = kernel[::-1, ::-1] if flip else kernel
    kh, kw = kernel.shape
    n, out_h, out_w = targets.shape
    errors = np.zeros(targets.shape)
    for s in range(n):
        for i in range(out_h):
            for j in range(out_w):
                errors[s, i, j] = np.sum(images[s, i : i + kh, j : j + kw] * applied) - targets[s, i, j]
    gradient = np.zeros(kernel.shape)
    for a in range(kh):
        for b in range(kw):
            for s in range(n):
                for i in range(out_h):
                    for j in range(out_w):
                        gradient[a, b] += errors[s, i, j] * images[s, i + a, j + b]
    gradient *= two / (errors.size if mean else 1)
    return kernel + sign * rate * gradient


def by_hand_gradient(**mistakes):
    """Exercise 8's gradient, read off a step with learning rate 1: kernel - step = gradient."""
    image = np.asarray(check.GRADIENT_IMAGE)[None]
    target = np.asarray(check.GRADIENT_TARGET)[None]
    kernel = np.asarray(check.GRADIENT_KERNEL, dtype=float)
    return kernel - loop_step(image, kernel, target, 1.0, **mistakes)


def tensorflow_gradient():
    """The same gradient by automatic differentiation of a Keras Conv2D with the "mse" loss."""
    keras = pytest.importorskip("keras")
    import tensorflow as tf

    image = np.asarray(check.GRADIENT_IMAGE, dtype="float32")[None, :, :, None]
    target = np.asarray(check.GRADIENT_TARGET, dtype="float32")[None, :, :, None]
    layer = keras.layers.Conv2D(1, 2, use_bias=False)
    layer.build(image.shape)
    layer.set_weights([np.asarray(check.GRADIENT_KERNEL, dtype="float32")[:, :, None, None]])
    with tf.GradientTape() as tape:
        loss = keras.losses.MeanSquaredError()(target, layer(image))
    return tape.gradient(loss, layer.trainable_weights)[0].numpy()[:, :, 0, 0]


def test_kernel_gradient_right():
    expected = by_hand_gradient()
    assert np.allclose(expected, tensorflow_gradient())
    for form in (expected, expected.tolist(), expected.astype(np.float32)):
        assert_status(check.check_kernel_gradient(form), "correct")


@pytest.mark.parametrize(
    "mistakes, words",
    [
        ({"sign": 1}, "target - prediction"),
        ({"two": 1}, "the 2 of the derivative"),
        ({"mean": False}, "did not divide"),
        ({"mean": False, "two": 1}, "2 / m in front"),
    ],
)
def test_kernel_gradient_misconceptions(mistakes, words):
    if mistakes.get("sign") == 1:  # the step then goes uphill: the "gradient" read off it has the wrong sign
        wrong = -by_hand_gradient()
    else:
        wrong = by_hand_gradient(**mistakes)
    assert_status(check.check_kernel_gradient(wrong), "wrong", words)


def test_kernel_gradient_other_mistakes():
    right = by_hand_gradient()
    assert_status(check.check_kernel_gradient(right[::-1, ::-1]), "wrong", "180 degrees")
    assert_status(check.check_kernel_gradient(right.T), "wrong")
    assert_status(check.check_kernel_gradient(right[0]), "wrong", "shape")


@pytest.mark.parametrize("answer", UNFINISHED)
def test_kernel_gradient_unfinished(answer):
    assert_status(check.check_kernel_gradient(answer), "unfinished")


def test_kernel_gradient_invalid():
    assert_status(check.check_kernel_gradient("1.5, 3.5"), "invalid")


def test_gradient_step_right():
    assert_status(check.check_gradient_step(loop_step), "correct")


@pytest.mark.parametrize(
    "mistakes, words",
    [
        ({"sign": 1}, "along the gradient"),
        ({"two": 1}, "half the right one"),
        ({"mean": False}, "sums the squared errors"),
        ({"flip": True}, "flip the kernel"),
        ({"images_used": 1}, "only the first image"),
    ],
)
def test_gradient_step_misconceptions(mistakes, words):
    def learner(images, kernel, targets, learning_rate):
        return loop_step(images, kernel, targets, learning_rate, **mistakes)

    assert_status(check.check_gradient_step(learner), "wrong", words)


def test_gradient_step_other_mistakes():
    def no_rate(images, kernel, targets, learning_rate):
        return loop_step(images, kernel, targets, 1.0)

    def per_image_mean(images, kernel, targets, learning_rate):
        return kernel + sum(
            loop_step(x[None], kernel, t[None], learning_rate) - kernel for x, t in zip(images, targets)
        )

    def transposed(images, kernel, targets, learning_rate):
        return loop_step(images, kernel, targets, learning_rate).T

    assert_status(check.check_gradient_step(no_rate), "wrong", "learning_rate first")
    assert_status(check.check_gradient_step(per_image_mean), "wrong", "adds up the images")
    assert_status(check.check_gradient_step(transposed), "wrong")


def test_gradient_step_unfinished():
    def stub(images, kernel, targets, learning_rate):
        raise NotImplementedError

    for answer in [..., None, stub]:
        assert_status(check.check_gradient_step(answer), "unfinished")


def test_gradient_step_cases_cover_batches_and_rectangular_kernels():
    cases = check.gradient_step_cases()
    assert any(images.shape[0] > 1 for images, *_ in cases)
    assert any(kernel.shape[0] != kernel.shape[1] for _, kernel, *_ in cases)
    assert len({rate for *_, rate in cases}) > 1
