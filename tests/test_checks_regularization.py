"""Lesson 08's checkers: right answers in every form pass, each mistake is named, and the
design-like checkers (the tuner's build_model, the cure) judge what the learner made."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from course_utils.checks import framework, runs
from course_utils.checks import regularization as c08
from course_utils.engines.diagnosis import diagnose
from course_utils.engines.regularization import batch_norm, inverted_dropout_scale, keras_l2_from_notes


@pytest.fixture(autouse=True)
def strict():
    saved = framework.STRICT
    framework.STRICT = True
    yield
    framework.STRICT = saved


# ---------------------------------------------------------------- exercise 1
def test_keras_l2_right_in_every_form():
    right = keras_l2_from_notes(c08.NOTES_LAMBDA, c08.NOTES_M)
    for form in (right, np.float32(right), Fraction(3, 4000), f"{right:.6f}"):
        feedback = c08.check_keras_l2(form)
        assert feedback.status == ("correct" if not isinstance(form, str) else "invalid"), form


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (c08.NOTES_LAMBDA / c08.NOTES_M, "left out the 2"),
        (c08.NOTES_LAMBDA / 2, "not by m"),
        (c08.NOTES_LAMBDA, "lambda itself"),
        (2 * c08.NOTES_M * c08.NOTES_LAMBDA, "wrong way"),
        (0.0001, "make them equal"),
    ],
)
def test_keras_l2_names_each_mistake(answer, words):
    feedback = c08.check_keras_l2(answer)
    assert feedback.status == "wrong" and words in feedback.message


# ---------------------------------------------------------------- exercise 2
@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (c08.DROPOUT_VALUE, "at inference"),
        (c08.DROPOUT_VALUE * (1 - c08.DROPOUT_RATE), "inverted dropout"),
        (c08.DROPOUT_VALUE * c08.DROPOUT_RATE, "multiplied by the rate"),
        (c08.DROPOUT_VALUE / c08.DROPOUT_RATE, "share dropped"),
        (0, "kept ones"),
    ],
)
def test_dropout_names_each_mistake(answer, words):
    feedback = c08.check_dropout_value(answer)
    assert feedback.status == "wrong" and words in feedback.message


def test_dropout_right_answer_passes():
    assert c08.check_dropout_value(c08.DROPOUT_VALUE / (1 - c08.DROPOUT_RATE))
    assert c08.check_dropout_value(np.float32(c08.DROPOUT_VALUE * inverted_dropout_scale(c08.DROPOUT_RATE)))


# ---------------------------------------------------------------- exercise 3
def test_batch_norm_right_answer_is_the_keras_formula(keras):
    layer = keras.layers.BatchNormalization()
    layer.build((None, 1))
    b = c08.BN
    layer.set_weights([np.array([b["gamma"]]), np.array([b["beta"]]), np.array([b["moving_mean"]]),
                       np.array([b["moving_variance"]])])  # fmt: skip
    keras_value = float(np.asarray(layer(np.array([[b["x"]]], dtype="float32"), training=False))[0, 0])
    assert c08.check_batch_norm_inference(keras_value)  # float32 from Keras passes
    assert c08.check_batch_norm_inference(
        float(
            batch_norm([[b["x"]]], b["gamma"], b["beta"], [b["moving_mean"]], [b["moving_variance"]], False)[
                0, 0
            ]
        )
    )


def test_batch_norm_refuses_epsilon_on_the_standard_deviation():
    b = c08.BN
    right = (
        b["gamma"] * (b["x"] - b["moving_mean"]) / np.sqrt(b["moving_variance"] + b["epsilon"]) + b["beta"]
    )
    on_std = (
        b["gamma"] * (b["x"] - b["moving_mean"]) / (np.sqrt(b["moving_variance"]) + b["epsilon"]) + b["beta"]
    )
    assert abs(on_std - right) / right < 2e-6  # the two differ in the sixth digit only
    feedback = c08.check_batch_norm_inference(float(on_std))
    assert feedback.status == "wrong" and "standard deviation" in feedback.message
    x = np.float32  # Keras computes in float32: that stays right
    in_float32 = (
        x(b["gamma"]) * (x(b["x"]) - x(b["moving_mean"])) / np.sqrt(x(b["moving_variance"]) + x(b["epsilon"]))
    )
    assert c08.check_batch_norm_inference(in_float32 + x(b["beta"]))


def test_batch_norm_names_the_missing_epsilon_and_the_missing_scale():
    b = c08.BN
    without_epsilon = b["gamma"] * (b["x"] - b["moving_mean"]) / b["moving_variance"] ** 0.5 + b["beta"]
    assert "epsilon" in c08.check_batch_norm_inference(without_epsilon).message
    normalized = (b["x"] - b["moving_mean"]) / (b["moving_variance"] + b["epsilon"]) ** 0.5
    assert "gamma" in c08.check_batch_norm_inference(normalized).message


# ---------------------------------------------------------------- exercise 4
def test_augmentations_right_answer_passes_and_numpy_bools_too():
    assert c08.check_augmentations(dict(c08.AUGMENTATIONS))
    assert c08.check_augmentations({key: np.bool_(value) for key, value in c08.AUGMENTATIONS.items()})


@pytest.mark.parametrize("flipped", list(c08.AUGMENTATIONS))
def test_each_wrong_augmentation_answer_is_explained(flipped):
    answers = dict(c08.AUGMENTATIONS)
    answers[flipped] = not answers[flipped]
    feedback = c08.check_augmentations(answers)
    assert feedback.status == "wrong" and flipped in feedback.message and "1 of" in feedback.message


@pytest.mark.parametrize(
    ("answers", "status"),
    [
        ({key: ... for key in c08.AUGMENTATIONS}, "unfinished"),
        ({key: "yes" for key in c08.AUGMENTATIONS}, "invalid"),
        ({key: 1 for key in c08.AUGMENTATIONS}, "invalid"),
        ({}, "invalid"),
        (list(c08.AUGMENTATIONS), "invalid"),
        (dict(c08.AUGMENTATIONS) | {"digits: RandomFlip('vertical')": True}, "invalid"),
    ],
)
def test_augmentations_of_the_wrong_form(answers, status):
    assert c08.check_augmentations(answers).status == status


# ---------------------------------------------------------------- exercise 5
def _builder(*, rate_sampling="log", compile_model=True, input_shape=(28, 28, 1), classes=10, rate_name="learning_rate",
             breaks_at_top=False, hyperparameters=2, optimizer=None, loss="sparse_categorical_crossentropy",
             activation="softmax", rate_choice=None, uses_rate=True):  # fmt: skip
    def build_model(hp):
        import keras
        from keras import layers

        filters = hp.Int("filters", 8, 32, step=8) if hyperparameters > 1 else 16
        if rate_choice:
            rate = hp.Choice(rate_name, rate_choice)
        else:
            rate = hp.Float(rate_name, 1e-4, 1e-2, sampling=rate_sampling)
        if breaks_at_top and filters == 32:
            raise ValueError("no room for 32 filters")
        model = keras.Sequential(
            [
                keras.Input(shape=input_shape),
                layers.Conv2D(filters, 3, activation="relu"),
                layers.GlobalAveragePooling2D(),
                layers.Dense(classes, activation=activation),
            ]
        )
        if compile_model:
            chosen = (
                optimizer(keras, rate) if optimizer else keras.optimizers.Adam(rate if uses_rate else 1e-3)
            )
            model.compile(optimizer=chosen, loss=loss, metrics=["accuracy"])
        return model

    return build_model


def test_a_good_search_space_passes():
    feedback = c08.check_build_model(_builder())
    assert feedback.status == "correct", feedback.message
    assert c08.check_build_model(_builder(rate_name="lr")).status == "correct"


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"rate_sampling": "linear"}, "sampling='log'"),
        ({"compile_model": False}, "not compiled"),
        ({"input_shape": (32, 32, 1)}, "(28, 28, 1)"),
        ({"classes": 2}, "10 classes"),
        ({"rate_name": "dropout", "uses_rate": False}, "no learning rate"),
        ({"breaks_at_top": True}, "Every point of the search space"),
        ({"hyperparameters": 1}, "at least 2"),
    ],
)
def test_a_flawed_search_space_is_explained(options, words):
    feedback = c08.check_build_model(_builder(**options))
    assert feedback.status == "wrong" and words in feedback.message, feedback.message


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (
            {"optimizer": lambda keras, rate: "adam"},
            "never uses it",
        ),  # the rate is declared, Adam's 0.001 used
        ({"uses_rate": False}, "never uses it"),
        ({"optimizer": lambda keras, rate: keras.optimizers.SGD(rate)}, "Adam"),
        ({"loss": "categorical_crossentropy"}, "one-hot"),
        ({"loss": "mse"}, "sparse_categorical_crossentropy"),
        ({"loss": "binary_crossentropy"}, "sparse_categorical_crossentropy"),
        ({"activation": None}, "not probabilities"),
        ({"activation": "relu"}, "not probabilities"),
        ({"activation": "sigmoid"}, "not probabilities"),
        ({"activation": None, "loss": "from_logits"}, "not probabilities"),
        ({"rate_choice": [0.001, 0.004, 0.007, 0.01]}, "linear scale"),
    ],
)
def test_a_model_that_breaks_what_the_exercise_states_is_refused(options, words):
    if options.get("loss") == "from_logits":
        import keras

        options = {**options, "loss": keras.losses.SparseCategoricalCrossentropy(from_logits=True)}
    feedback = c08.check_build_model(_builder(**options))
    assert feedback.status == "wrong" and words in feedback.message, feedback.message


@pytest.mark.parametrize(
    "options",
    [
        {"rate_choice": [1e-4, 1e-3, 1e-2]},  # a Choice of rates on a log scale
        {"rate_name": "lr"},
        {"rate_name": "step_size"},  # another name, but the optimizer follows it
        {"optimizer": lambda keras, rate: keras.optimizers.Adam(learning_rate=rate, clipnorm=1.0)},
        {
            "optimizer": lambda keras, rate: keras.optimizers.Adam(
                keras.optimizers.schedules.CosineDecay(rate, 100)
            )
        },
        {"loss": "from_object"},
    ],
)
def test_other_right_search_spaces_pass(options):
    if options.get("loss") == "from_object":
        import keras

        options = {"loss": keras.losses.SparseCategoricalCrossentropy()}
    feedback = c08.check_build_model(_builder(**options))
    assert feedback.status == "correct", feedback.message


def _free_builder(layers_of, uses=True):
    """A build_model whose layers come from ``layers_of(hp, layers)``, the learning rate searched and used."""

    def build_model(hp):
        import keras
        from keras import layers

        body = layers_of(hp, layers)
        rate = hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
        model = keras.Sequential(
            [keras.Input(shape=(28, 28, 1)), *body, layers.Dense(10, activation="softmax")]
        )
        model.compile(
            optimizer=keras.optimizers.Adam(rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model

    return build_model


def test_a_search_space_must_be_a_cnn_whose_hyperparameters_change_the_model():
    dense_only = _free_builder(
        lambda hp, layers: [layers.Flatten(), layers.Dense(hp.Int("units", 8, 32, step=8))]
    )
    feedback = c08.check_build_model(dense_only)
    assert feedback.status == "wrong" and "CNN" in feedback.message, feedback.message

    def unused(hp, layers):
        hp.Int("filters", 8, 32, step=8)  # declared, never passed to a layer
        return [layers.Conv2D(16, 3, activation="relu"), layers.GlobalAveragePooling2D()]

    feedback = c08.check_build_model(_free_builder(unused))
    assert feedback.status == "wrong" and "same model at both ends" in feedback.message, feedback.message

    def dropout(hp, layers):
        rate = hp.Float("dropout", 0.0, 0.5)
        return [
            layers.Conv2D(16, 3, activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dropout(rate),
        ]

    assert c08.check_build_model(_free_builder(dropout)).status == "correct"


def test_an_unfinished_build_model_is_unfinished():
    def build_model(hp):
        raise NotImplementedError

    assert c08.check_build_model(build_model).status == "unfinished"


# ---------------------------------------------------------------- exercise 6
def _shares(values, images: int) -> list:
    """Accuracies as Keras reports them: a whole count of right images over ``images``, in float32."""
    return [float(np.float32(round(float(v) * images) / images)) for v in values]


def _history(
    best_val_accuracy: float, epochs: int = 12, train_images: int = c08.CURE_IMAGES, val_images: int = 800
) -> dict:
    """A healthy run on ``train_images`` digits: both losses fall and level off, close together."""
    steps = np.arange(1, epochs + 1)
    loss = 0.25 + 1.5 * np.exp(-steps / 2)
    val_loss = loss * 0.97
    val_accuracy = best_val_accuracy - 0.2 * np.exp(-steps / 2)
    return {
        "loss": loss.tolist(),
        "val_loss": val_loss.tolist(),
        "accuracy": _shares(val_accuracy - 0.013, train_images),
        "val_accuracy": _shares(val_accuracy, val_images),
    }


def test_the_run_to_cure_is_not_a_cure_and_the_gain_is_the_noise_of_a_difference():
    reference = c08.cure_reference()
    assert diagnose(reference).verdict == "overfitting"
    assert c08.check_cure(reference).status == "wrong"
    best = max(reference["val_accuracy"])
    assert c08.CURE_GAIN == pytest.approx(1.96 * np.sqrt(2 * best * (1 - best) / 800), abs=5e-4)


def test_a_healthy_run_with_a_real_gain_is_a_cure_and_a_small_gain_is_not():
    best = max(c08.cure_reference()["val_accuracy"])
    good = _history(best + 2 * c08.CURE_GAIN)
    assert diagnose(good).verdict in ("good fit", "underfitting")  # the two verdicts a cure may read
    assert c08.check_cure(good).status == "correct"
    small = _history(best + c08.CURE_GAIN / 2)
    feedback = c08.check_cure(small)
    assert feedback.status == "wrong" and "noise" in feedback.message


def test_a_run_worse_than_the_one_to_cure_is_not_told_it_is_noise():
    best = max(c08.cure_reference()["val_accuracy"])
    worse = _history(best - 0.1)
    feedback = c08.check_cure(worse)
    assert feedback.status == "wrong" and "below" in feedback.message and "noise" not in feedback.message


@pytest.mark.parametrize(
    ("train_images", "val_images", "words"),
    [
        (1600, 800, "shares of 150 digits"),  # lesson 07's cure: the MLP on 1,600 digits
        (600, 800, "shares of 150 digits"),  # the CNN on 600 digits
        (150, 150, "800 validation images"),  # validated on its own 150 training digits
        (120, 30, "800 validation images"),  # a validation_split of the 150 digits
    ],
)
def test_a_run_that_breaks_the_exercises_rules_is_refused(train_images, val_images, words):
    best = max(c08.cure_reference()["val_accuracy"])
    run = _history(best + 3 * c08.CURE_GAIN, train_images=train_images, val_images=val_images)
    feedback = c08.check_cure(run)
    assert feedback.status == "wrong" and "rules" in feedback.message and words in feedback.message, feedback


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        (lambda run: {"loss": [*run["loss"][:5], float("nan")] + run["loss"][6:]}, "NaN"),
        (lambda run: {"val_accuracy": _shares([0.1] * len(run["val_accuracy"]), 800)}, "guessing"),
        (lambda run: {"val_accuracy": _shares([0.0975, 0.1, 0.105] * 4, 800)}, "guessing"),
    ],
)
def test_a_diverged_run_is_called_diverged_never_noise(changes, words):
    run = _history(0.8)
    feedback = c08.check_cure({**run, **changes(run)})
    assert feedback.status == "wrong" and "diverged" in feedback.message and words in feedback.message
    assert "noise" not in feedback.message


@pytest.mark.slow
def test_the_rules_are_read_from_a_real_keras_run(keras):
    """Keras reports an epoch's accuracy as right images over images seen, in float32: the checker's
    reading of how many digits a run trained and validated on holds on real fits."""
    from course_utils.engines.tuning import lesson_data

    (x_train, y_train), (x_val, y_val), _ = lesson_data()
    assert len(x_val) == c08.VALIDATION_IMAGES

    def fit(x, y, validation):
        model = keras.Sequential(
            [
                keras.Input(shape=(28, 28, 1)),
                keras.layers.Flatten(),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model.fit(x, y, batch_size=32, epochs=3, validation_data=validation, verbose=0)

    small = (x_train[: c08.CURE_IMAGES], y_train[: c08.CURE_IMAGES])
    right = fit(*small, (x_val, y_val))
    assert runs.run_rule_problem(right, right.history, train_images=c08.CURE_IMAGES) is None
    more = fit(x_train[:600], y_train[:600], (x_val, y_val))
    assert "150 digits" in runs.run_rule_problem(more, more.history, train_images=c08.CURE_IMAGES)
    own = fit(*small, small)
    assert "validation images" in runs.run_rule_problem(own, own.history, train_images=c08.CURE_IMAGES)


def test_the_advice_for_a_small_gain_is_read_from_the_runs_model(keras):
    best = max(c08.cure_reference()["val_accuracy"])
    values = _history(best + c08.CURE_GAIN / 2)

    def run(*layers):
        history = keras.callbacks.History()
        history.history = values
        history.set_model(keras.Sequential([keras.Input(shape=(28, 28, 1)), *layers, keras.layers.Flatten(),
                                            keras.layers.Dense(10, activation="softmax")]))  # fmt: skip
        return c08.check_cure(history).message

    mlp = run(keras.layers.Flatten(), keras.layers.Dense(32))
    assert "no augmentation" in mlp and "no convolutions" in mlp
    cnn = run(keras.layers.RandomTranslation(0.1, 0.1), keras.layers.Conv2D(8, 3))
    assert "already has augmentation and convolutions" in cnn and "no augmentation" not in cnn
    assert "augmentation" in c08.check_cure(values).message  # a dict carries no model: the general advice


def _cure_history(rise_at_end):
    """A run on 150 digits validated on 800 images, its validation loss levelled or climbing back at the end."""
    epochs = 20
    val_loss = [0.9 - 0.6 * (1 - 0.8**t) for t in range(epochs)]
    if rise_at_end:
        val_loss[-5:] = [val_loss[-6] * (1 + 0.08 * k) for k in range(1, 6)]
    return {
        "loss": [1.5 * 0.8**t + 0.05 for t in range(epochs)],
        "val_loss": val_loss,
        "accuracy": [min(147, 60 + 6 * t) / 150 for t in range(epochs)],
        "val_accuracy": [min(735, 500 + 15 * t) / 800 for t in range(epochs)],
        "train_loss": [1.4 * 0.75**t + 0.01 for t in range(epochs)],
        "train_accuracy": [min(149, 70 + 6 * t) / 150 for t in range(epochs)],
    }


def test_a_cure_on_150_images_may_keep_its_gap_but_not_a_climbing_validation_loss():
    """On 150 digits a model always does far better on its training images: that gap is named, not refused."""
    levelled = c08.check_cure(_cure_history(rise_at_end=False))
    assert levelled.status == "correct", levelled.message
    assert (
        "no longer climbs back" in levelled.message and "Only more images close that gap" in levelled.message
    )
    climbing = c08.check_cure(_cure_history(rise_at_end=True))
    assert climbing.status == "wrong" and "climbs back" in climbing.message
