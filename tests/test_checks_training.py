"""Checkers of lesson 05, including the compile trap on a real Keras model."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.checks import training as check
from course_utils.engines.history import early_stopping_epoch

H = check.EXERCISE_HISTORY


def status(feedback):
    return feedback.status


@pytest.mark.parametrize(
    "checker",
    [
        check.check_best_epoch,
        check.check_early_stopping_epoch,
        check.check_checkpoint_name,
        check.check_prepare_images,
        check.check_softmax,
        check.check_cross_entropy,
        check.check_sigmoid_logit,
        check.check_difference_half_width,
        check.check_tell_apart,
        check.check_test_set_size,
    ],
)
@pytest.mark.parametrize("placeholder", [Ellipsis, None])
def test_unfinished(checker, placeholder):
    assert status(checker(placeholder)) == "unfinished"


def test_compile_of_a_placeholder_or_of_compiles_return_value():
    assert status(check.check_compile(...)) == "unfinished"
    feedback = check.check_compile(None)  # check_compile(model.compile(...))
    assert status(feedback) == "invalid" and "returns None" in feedback.message


def test_best_epoch():
    best = int(np.argmin(H["val_loss"])) + 1
    assert check.check_best_epoch(best)
    assert "0-based" in check.check_best_epoch(best - 1).message
    assert "last epoch" in check.check_best_epoch(len(H["loss"])).message
    assert "validation accuracy" in check.check_best_epoch(int(np.argmax(H["val_accuracy"])) + 1).message
    assert status(check.check_best_epoch("4")) == "invalid"


def test_early_stopping_epoch_checker():
    best = int(np.argmin(H["val_loss"])) + 1
    stop = best + check.EXERCISE_PATIENCE  # no later improvement in the exercise history
    assert min(H["val_loss"][best:stop]) > H["val_loss"][best - 1]
    assert check.check_early_stopping_epoch(stop)
    assert "best epoch" in check.check_early_stopping_epoch(best).message
    assert "One too many" in check.check_early_stopping_epoch(stop + 1).message


def _model(keras):
    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(10, activation="softmax")])


@settings(max_examples=30, deadline=None)
# Keras compares losses as float32, so draw float32 values (no subnormals).
@given(
    st.lists(st.floats(0, 2, allow_nan=False, width=32, allow_subnormal=False), min_size=1, max_size=12),
    st.integers(0, 4),
)
def test_early_stopping_epoch_matches_keras(values, patience):
    import keras

    callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience)
    model = _model(keras)
    callback.set_model(model)
    model.stop_training = False
    callback.on_train_begin()
    stopped = len(values)
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {"val_loss": value})
        if model.stop_training:
            stopped = epoch + 1
            break
    assert early_stopping_epoch(values, patience) == stopped


def test_checkpoint_name():
    assert check.check_checkpoint_name("best.weights.h5")
    for name, word in [("best.hdf5", "Keras 2"), ("best.h5", ".weights.h5"), ("best.keras", "whole model")]:
        feedback = check.check_checkpoint_name(name)
        assert status(feedback) == "wrong" and word in feedback.message
    assert status(check.check_checkpoint_name("model.pt")) == "wrong"
    assert status(check.check_checkpoint_name(42)) == "invalid"


def test_checkpoint_names_are_what_keras_accepts(keras, tmp_path):
    keras.callbacks.ModelCheckpoint(str(tmp_path / "best.weights.h5"), save_weights_only=True)
    keras.callbacks.ModelCheckpoint(str(tmp_path / "best.keras"))
    with pytest.raises(ValueError):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "best.hdf5"), save_weights_only=True)
    with pytest.raises(ValueError):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "best.h5"), save_weights_only=True)


def test_prepare_images():
    def good(images):
        x = np.asarray(images)
        if x.ndim == 3:
            x = x[..., None]
        return x.astype(np.float32) / np.float32(255)

    assert check.check_prepare_images(good)
    feedback = check.check_prepare_images(lambda images: good(images).astype(np.float64))
    assert status(feedback) == "wrong" and "float64" in feedback.message
    feedback = check.check_prepare_images(lambda images: good(images) * 255)
    assert status(feedback) == "wrong" and "forgot to scale" in feedback.message
    feedback = check.check_prepare_images(lambda images: np.asarray(images) / 255.0)
    assert status(feedback) == "wrong"  # no channel axis

    def unfinished(images):
        raise NotImplementedError

    assert status(check.check_prepare_images(unfinished)) == "unfinished"
    assert status(check.check_prepare_images("x / 255")) == "invalid"


def test_compile_checker(keras):
    model = _model(keras)
    assert status(check.check_compile(model)) == "unfinished"
    model.compile("adam", "sparse_categorical_crossentropy", ["accuracy"])
    feedback = check.check_compile(model)
    assert status(feedback) == "wrong" and "loss_weights" in feedback.message

    model = _model(keras)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    assert "one-hot" in check.check_compile(model).message

    model = _model(keras)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert "without metrics" in check.check_compile(model).message

    model = _model(keras)
    model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
    assert status(check.check_compile(model)) == "wrong"

    model = _model(keras)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    assert check.check_compile(model)

    model = _model(keras)
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    assert check.check_compile(model)
    assert status(check.check_compile("model")) == "invalid"


def test_validation_data():
    rng = np.random.default_rng(0)
    train = (rng.random((6, 2, 2, 1)), np.arange(6) % 2)
    val = (rng.random((3, 2, 2, 1)), np.array([0, 1, 0]))
    test = (rng.random((3, 2, 2, 1)), np.array([1, 1, 0]))
    assert check.check_validation_data(val, train, val, test)
    feedback = check.check_validation_data(test, train, val, test)
    assert status(feedback) == "wrong" and "test set" in feedback.message
    assert "training data" in check.check_validation_data(train, train, val, test).message
    assert status(check.check_validation_data(..., train, val, test)) == "unfinished"
    assert status(check.check_validation_data(val[0], train, val, test)) == "invalid"
    assert status(check.check_validation_data((val[0], test[1]), train, val, test)) == "wrong"


# ---------------------------------------------------------------------------
# Exercises 8-10: softmax, cross-entropy, one sigmoid unit for two classes
# ---------------------------------------------------------------------------
LOGIT_BATCHES = [
    np.array([2.0, 1.0, 0.1]),
    np.array([[0.5, 2.5, -3.0], [1000.0, 999.0, 990.0]]),
    np.random.default_rng(3).normal(0, 5, size=(6, 10)),
]


@pytest.mark.parametrize("logits", LOGIT_BATCHES, ids=["one image", "large logits", "batch"])
def test_reference_softmax_is_keras_softmax(keras, logits):
    want = np.asarray(keras.activations.softmax(np.atleast_2d(logits).astype("float32")))
    assert np.allclose(np.atleast_2d(check.reference_softmax(logits)), want, atol=1e-6)


def test_softmax_checker_names_each_mistake():
    def naive(logits):
        z = np.asarray(logits, dtype=float)
        return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)

    def float32(logits):
        z = np.asarray(logits, dtype=np.float32)
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def one_image_only(logits):  # right for one image, but sums over the whole batch
        z = np.asarray(logits, dtype=float)
        return np.exp(z - z.max()) / np.exp(z - z.max()).sum()

    def columns(logits):
        z = np.asarray(logits, dtype=float)
        return np.exp(z - z.max(axis=0)) / np.exp(z - z.max(axis=0)).sum(axis=0)

    assert check.check_softmax(float32)
    assert check.check_softmax(lambda logits: check.reference_softmax(logits).tolist())
    with np.errstate(all="ignore"):
        feedback = check.check_softmax(naive)
    assert status(feedback) == "wrong"
    assert "right for ordinary logits" in feedback.message and "largest logit" in feedback.message
    assert "whole batch" in check.check_softmax(one_image_only).message
    assert "axis 0" in check.check_softmax(columns).message
    assert "sigmoid" in check.check_softmax(lambda z: 1 / (1 + np.exp(-np.asarray(z)))).message

    def unfinished(logits):
        raise NotImplementedError

    assert status(check.check_softmax(unfinished)) == "unfinished"


def test_a_batch_wide_max_is_told_what_differs_never_an_overflow():
    def batch_max(logits):  # the batch's largest logit, not each row's
        z = np.asarray(logits, dtype=float)
        e = np.exp(z - z.max())
        return e / e.sum(axis=-1, keepdims=True)

    def naive(logits):  # no largest logit at all: exp(1000) overflows
        z = np.asarray(logits, dtype=float)
        return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)

    def mean_shift(logits):  # any number per row is a valid shift when no exp over- or underflows
        z = np.asarray(logits, dtype=float)
        e = np.exp(z - z.mean(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    with np.errstate(all="ignore"):
        assert np.isnan(batch_max(np.array([[-5.0, 0.0, 5.0], [800.0, 805.0, -800.0]]))[0]).all()
        feedback = check.check_softmax(batch_max)
        assert status(feedback) == "wrong"
        assert "largest logit of the whole batch" in feedback.message and "underflow" in feedback.message
        assert "overflow" not in feedback.message.replace("underflow", "")
        naive_feedback = check.check_softmax(naive)
        assert (
            "overflows to infinity" in naive_feedback.message and "whole batch" not in naive_feedback.message
        )
        assert check.check_softmax(mean_shift)


def test_cross_entropy_is_what_keras_computes(keras):
    logits = np.array([check.CROSS_ENTROPY_LOGITS], dtype="float32")
    label = np.array([check.CROSS_ENTROPY_LABEL])
    keras_loss = float(keras.losses.sparse_categorical_crossentropy(label, logits, from_logits=True)[0])
    assert check.check_cross_entropy(keras_loss)  # float32 is accepted
    probabilities = check.reference_softmax(logits[0])
    assert check.check_cross_entropy(-np.log(np.float32(probabilities[check.CROSS_ENTROPY_LABEL])))
    # the misconception "binary cross-entropy on a one-hot label" is Keras's binary_crossentropy
    one_hot = np.eye(len(probabilities), dtype="float32")[label]
    binary = float(keras.losses.binary_crossentropy(one_hot, probabilities[None].astype("float32"))[0])
    feedback = check.check_cross_entropy(binary)
    assert status(feedback) == "wrong" and "binary cross-entropy" in feedback.message
    # the exercise's true class is not the predicted one, so the two mistakes differ
    assert int(np.argmax(probabilities)) != check.CROSS_ENTROPY_LABEL
    assert "log10" in check.check_cross_entropy(-np.log10(probabilities[check.CROSS_ENTROPY_LABEL])).message


def test_sigmoid_of_the_logit_difference_is_the_two_unit_softmax(keras):
    z0, z1 = check.TWO_CLASS_LOGITS
    p1 = check.reference_softmax([z0, z1])[1]
    assert check.check_sigmoid_logit(z1 - z0)
    assert np.isclose(float(keras.activations.sigmoid(np.float32(z1 - z0))), p1, atol=1e-7)
    assert check.check_sigmoid_logit(np.log(p1 / (1 - p1)))
    assert "flipped" in check.check_sigmoid_logit(z0 - z1).message
    assert "probability of class 1" in check.check_sigmoid_logit(p1).message


def test_a_two_unit_softmax_head_is_one_sigmoid_unit_with_the_weight_differences(keras):
    """What the lesson shows on its trained model, on a random head: the same probabilities."""
    rng = np.random.default_rng(4)
    features = rng.normal(size=(16, 7)).astype("float32")
    softmax_head = keras.layers.Dense(2, activation="softmax")
    sigmoid_head = keras.layers.Dense(1, activation="sigmoid")
    softmax_head.build((None, 7))
    sigmoid_head.build((None, 7))
    kernel, bias = (rng.normal(size=shape).astype("float32") for shape in ((7, 2), (2,)))
    softmax_head.set_weights([kernel, bias])
    sigmoid_head.set_weights([kernel[:, 1:] - kernel[:, :1], bias[1:] - bias[:1]])
    assert np.allclose(
        np.asarray(softmax_head(features))[:, 1], np.asarray(sigmoid_head(features))[:, 0], atol=1e-6
    )
    assert sigmoid_head.count_params() * 2 == softmax_head.count_params()


# ---------------------------------------------------------------------------
# Exercises 11-13: comparing two models, and planning a test set
# ---------------------------------------------------------------------------
def test_the_comparison_is_consistent_and_too_small_to_tell_apart():
    c = check.COMPARISON
    a, b = check._comparison_answers()
    assert len(a) == c["n"] and a.mean() == c["accuracy_a"] and b.mean() == c["accuracy_b"]
    assert (int(np.sum(a & ~b)), int(np.sum(b & ~a))) == (c["only_a"], c["only_b"])
    interval = check._comparison()
    assert interval.contains(0) and 0 < interval.estimate < interval.half_width
    assert check.check_tell_apart("no") and status(check.check_tell_apart("yes")) == "wrong"
    assert status(check.check_tell_apart("maybe")) == "wrong"


def test_difference_half_width_accepts_the_usual_roundings_of_the_formula():
    c = check.COMPARISON
    b, a, n = c["only_b"], c["only_a"], c["n"]
    exact = 1.96 * np.sqrt(b + a - (b - a) ** 2 / n) / n
    assert check.check_difference_half_width(exact)
    assert check.check_difference_half_width(1.96 * np.sqrt(b + a) / n)  # without the small term
    for z in (1.96, 1.959964, 1.959963984540054):  # as learners type it, and to more digits
        assert check.check_difference_half_width(z * np.sqrt(b + a - (b - a) ** 2 / n) / n)
    z_two = check.check_difference_half_width(2 * np.sqrt(b + a - (b - a) ** 2 / n) / n)
    assert status(z_two) == "wrong" and "z = 2" in z_two.message and "1.96" in z_two.message
    b_minus_a = np.r_[np.ones(b), -np.ones(a), np.zeros(n - a - b)]
    assert check.check_difference_half_width(1.96 * b_minus_a.std() / np.sqrt(n))  # per image
    assert b_minus_a.mean() == check._comparison().estimate
    separate = 1.96 * np.sqrt(
        (c["accuracy_a"] * (1 - c["accuracy_a"]) + c["accuracy_b"] * (1 - c["accuracy_b"])) / n
    )
    feedback = check.check_difference_half_width(separate)
    assert status(feedback) == "wrong" and "different test sets" in feedback.message


def test_test_set_size_is_the_fewest_images_that_reach_the_half_width():
    from course_utils.core.metrics import accuracy_interval

    p, h = check.TEST_SET_PLAN["accuracy"], check.TEST_SET_PLAN["half_width"]
    n = math.ceil((1.96 / h) ** 2 * p * (1 - p))  # a learner's 1.96 gives the same count
    assert check.check_test_set_size(n)
    assert accuracy_interval(p, n).half_width <= h < accuracy_interval(p, n - 1).half_width
    # "the standard error is h" is 475 exactly, which floats may round up to 476: both are named
    for answer in (math.ceil(p * (1 - p) / h**2), 475, 476):
        feedback = check.check_test_set_size(answer)
        assert status(feedback) == "wrong" and "1.96 standard errors" in feedback.message
    assert "Round up" in check.check_test_set_size(n - 1).message
    assert "whole number" in check.check_test_set_size((1.96 / h) ** 2 * p * (1 - p)).message


@pytest.mark.parametrize("z", [1.96, 1.959963984540054])
@pytest.mark.parametrize(
    "mistake, named",
    [
        (lambda z, p, h: z * p * (1 - p) / h**2, "square 1.96"),  # 932 with 1.96, 931 with 1.95996
        (lambda z, p, h: (2 * z / h) ** 2 * p * (1 - p), "whole interval h wide"),  # 7,300 and 7,299
        (lambda z, p, h: (z / h) ** 2 * p, "left out (1 - p)"),  # 36,496 and 36,495
        (lambda z, p, h: z**2 * p * (1 - p) / h, "not by its square"),
        (lambda z, p, h: p * (1 - p) / h**2, "1.96 standard errors"),
    ],
)
@pytest.mark.parametrize("rounding", [math.ceil, round, lambda value: value])
def test_test_set_size_names_each_mistake_with_the_z_a_learner_types(z, mistake, named, rounding):
    p, h = check.TEST_SET_PLAN["accuracy"], check.TEST_SET_PLAN["half_width"]
    feedback = check.check_test_set_size(rounding(mistake(z, p, h)))
    assert status(feedback) == "wrong" and named in feedback.message, feedback


def test_test_set_size_refuses_z_two_with_the_reason_as_every_lesson_does():
    p, h = check.TEST_SET_PLAN["accuracy"], check.TEST_SET_PLAN["half_width"]
    feedback = check.check_test_set_size(math.ceil((2 / h) ** 2 * p * (1 - p)))
    assert status(feedback) == "wrong" and "z = 2" in feedback.message
    assert check.check_test_set_size(math.ceil((1.959963984540054 / h) ** 2 * p * (1 - p)))


def test_a_checkpoint_name_may_be_a_path_as_keras_takes_it():
    from pathlib import Path

    assert check.check_checkpoint_name(Path("checkpoints") / "best.weights.h5")
    assert status(check.check_checkpoint_name(Path("best.h5"))) == "wrong"
