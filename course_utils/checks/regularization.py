"""Checkers for the exercises of lesson 08 (regularization and tuning).

Expected values come from :mod:`course_utils.engines.regularization` (the L2 conventions, dropout's
scale, batch normalization) and :func:`course_utils.engines.diagnosis.diagnose`. The run to cure is
lesson 07's stored overfitting run (``course_utils/data_files/histories_07.json``). Keras and
Keras Tuner are imported only inside :func:`check_build_model`, when a learner's function is checked.

Examples
--------
>>> check_keras_l2(...)
Unfinished: replace the `...` in l2 with your answer, then run the cell again.
>>> check_keras_l2(NOTES_LAMBDA / NOTES_M).status
'wrong'
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping

import numpy as np

from course_utils.checks import framework
from course_utils.checks.framework import (
    Feedback,
    check_answer,
    check_number,
    checker,
    describe,
    is_placeholder,
    run_with_time_limit,
    str_of,
    unfinished,
)
from course_utils.checks.runs import (
    CURE_GAIN,
    VALIDATION_IMAGES,
    compile_feedback,
    cure_feedback,
    cure_reference,
    layer_names,
)
from course_utils.engines.diagnosis import diagnose
from course_utils.engines.regularization import batch_norm, inverted_dropout_scale, keras_l2_from_notes

__all__ = [
    "AUGMENTATIONS",
    "BN",
    "CURE_GAIN",
    "CURE_IMAGES",
    "CURE_RISE",
    "DROPOUT_RATE",
    "DROPOUT_VALUE",
    "NOTES_LAMBDA",
    "NOTES_M",
    "check_augmentations",
    "check_batch_norm_inference",
    "check_build_model",
    "check_cure",
    "check_dropout_value",
    "check_keras_l2",
    "cure_reference",
]

#: Exercise 1: the notes' lambda, for a cost averaged over this many training images.
NOTES_LAMBDA = 2.4
NOTES_M = 1600
#: Exercise 2: one activation going into Dropout(DROPOUT_RATE) while training.
DROPOUT_VALUE = 1.5
DROPOUT_RATE = 0.4
#: Exercise 3: one channel of a trained BatchNormalization layer, and one input value.
BN = {"x": 0.9, "gamma": 2.0, "beta": 0.1, "moving_mean": 0.4, "moving_variance": 0.25, "epsilon": 1e-3}
#: Exercise 3's tolerance: float32 arithmetic (Keras's) is within it, and epsilon added to the
#: standard deviation instead of the variance (2.0960080 against 2.0960120) is well outside it.
BN_REL_TOL = 5e-7
#: Exercise 4: can this augmentation change the label of a training image? (task, augmentation) -> answer
AUGMENTATIONS = {
    "digits: RandomTranslation(0.1, 0.1)": False,
    "digits: RandomZoom(0.1)": False,
    "digits: RandomRotation(0.05)  (up to 18 degrees)": False,
    "digits: RandomRotation(0.5)  (up to 180 degrees)": True,
    "cats vs dogs photos: RandomFlip('horizontal')": False,
    "'turn left' vs 'turn right' road signs: RandomFlip('horizontal')": True,
}
_AUGMENTATION_REASONS = {
    "digits: RandomTranslation(0.1, 0.1)": "a digit moved by 3 pixels is the same digit.",
    "digits: RandomZoom(0.1)": "a digit 10% larger or smaller is the same digit.",
    "digits: RandomRotation(0.05)  (up to 18 degrees)": "handwriting is tilted that much anyway; the digit stays the same.",
    "digits: RandomRotation(0.5)  (up to 180 degrees)": "a 6 turned upside down is a 9, and a 9 a 6: "
    "the image keeps its old label, which is now wrong.",
    "cats vs dogs photos: RandomFlip('horizontal')": "a mirrored cat is still a cat: left and right carry no class.",
    "'turn left' vs 'turn right' road signs: RandomFlip('horizontal')": "the mirror image of a 'turn left' "
    "sign is a 'turn right' sign: here left and right ARE the class.",
}
#: Exercise 6: the cured run trains on the same first training digits as lesson 07's run.
CURE_IMAGES = 150


# ---------------------------------------------------------------------------
# Exercise 1: the L2 conventions
# ---------------------------------------------------------------------------
@checker
def check_keras_l2(l2) -> Feedback:
    """Exercise 1: Keras's ``L2(l2)`` factor for the notes' ``lam / (2 m) * sum(w**2)``.

    Examples
    --------
    >>> check_keras_l2(keras_l2_from_notes(NOTES_LAMBDA, NOTES_M)).status
    'correct'
    >>> check_keras_l2(NOTES_LAMBDA).status
    'wrong'
    """
    lam, m = NOTES_LAMBDA, NOTES_M
    return check_number(
        l2,
        keras_l2_from_notes(lam, m),
        name="l2",
        rel_tol=1e-6,
        abs_tol=0.0,
        misconceptions={
            lam: "That is the notes' lambda itself. Keras adds l2 * sum(w**2) to a loss that is already "
            "averaged over the images, while the notes add lam / (2 m) * sum(w**2): the factors differ.",
            lam / m: "You divided by m but left out the 2 of the notes' lam / (2 m).",
            lam / 2: "You divided by 2 but not by m, the number of training images in the notes' cost.",
            2 * m * lam: "You went the wrong way: lam = 2 m l2, so l2 = lam / (2 m).",
            lam * m / 2: "Divide lambda by 2 m, do not multiply it by m.",
        },
        hint="Write both penalties for the same weights and make them equal: l2 * sum(w**2) = lam / (2 m) * sum(w**2).",
    )


# ---------------------------------------------------------------------------
# Exercise 2: inverted dropout
# ---------------------------------------------------------------------------
@checker
def check_dropout_value(value) -> Feedback:
    """Exercise 2: what a kept activation becomes in ``Dropout(rate)`` while training.

    Examples
    --------
    >>> check_dropout_value(DROPOUT_VALUE * inverted_dropout_scale(DROPOUT_RATE)).status
    'correct'
    >>> print(check_dropout_value(DROPOUT_VALUE))  # doctest: +ELLIPSIS
    Not yet: ...at inference...
    """
    v, rate = DROPOUT_VALUE, DROPOUT_RATE
    return check_number(
        value,
        v * inverted_dropout_scale(rate),
        name="the kept value",
        rel_tol=1e-6,
        misconceptions={
            v: "That is what the layer passes on at inference. While training, Keras scales the kept values up.",
            v
            * (1 - rate): "You scaled down by the keep share, as the original paper did at test time. Keras "
            "uses inverted dropout: it divides the kept values by (1 - rate) while training instead.",
            v
            * rate: "You multiplied by the rate. The kept values are divided by the share that is kept, 1 - rate.",
            v / rate: "You divided by the rate, the share dropped. Divide by the share kept, 1 - rate.",
            0.0: "This activation is one of the kept ones, not a dropped one.",
        },
        hint="Keras keeps the expected sum of the activations: kept values are divided by the share kept.",
    )


# ---------------------------------------------------------------------------
# Exercise 3: batch normalization at inference
# ---------------------------------------------------------------------------
def _bn(**changes) -> float:
    values = BN | changes
    return float(
        batch_norm(
            [[values["x"]]],
            values["gamma"],
            values["beta"],
            [values["moving_mean"]],
            [values["moving_variance"]],
            training=False,
            epsilon=values["epsilon"],
        )[0, 0]
    )


@checker
def check_batch_norm_inference(value) -> Feedback:
    """Exercise 3: the output of one channel of BatchNormalization at inference.

    Examples
    --------
    >>> check_batch_norm_inference(_bn()).status
    'correct'
    >>> check_batch_norm_inference(_bn() + 1).status
    'wrong'
    """
    b = BN
    normalized = (b["x"] - b["moving_mean"]) / math.sqrt(b["moving_variance"] + b["epsilon"])
    without_epsilon = b["gamma"] * (b["x"] - b["moving_mean"]) / math.sqrt(b["moving_variance"]) + b["beta"]
    return check_number(
        value,
        _bn(),
        name="the output",
        rel_tol=BN_REL_TOL,
        misconceptions={
            b["gamma"] * (b["x"] - b["moving_mean"]) / (math.sqrt(b["moving_variance"]) + b["epsilon"])
            + b["beta"]: "You added epsilon to the standard deviation. Keras adds it to the variance, under "
            "the square root: sqrt(moving_variance + epsilon).",
            without_epsilon: "You left out epsilon: Keras divides by sqrt(moving_variance + epsilon), "
            "with epsilon = 0.001 by default.",
            normalized: "You normalized but forgot the layer's own scale and shift: multiply by gamma, then add beta.",
            b["gamma"] * (b["x"] - b["moving_mean"]) / (b["moving_variance"] + b["epsilon"])
            + b["beta"]: "You "
            "divided by the variance. Divide by the standard deviation, sqrt(moving_variance + epsilon).",
            b["gamma"] * (b["x"] - b["moving_mean"]) + b["beta"]: "You did not divide at all: normalizing "
            "divides by sqrt(moving_variance + epsilon).",
            b["gamma"] * b["x"]
            + b["beta"]: "At inference the layer still subtracts the moving mean and divides by "
            "the moving standard deviation before it scales and shifts.",
        },
        hint="At inference: gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta.",
    )


# ---------------------------------------------------------------------------
# Exercise 4: augmentations that change the label
# ---------------------------------------------------------------------------
@checker
def check_augmentations(answers) -> Feedback:
    """Exercise 4: for each augmentation, True when it can change a training image's label.

    Examples
    --------
    >>> check_augmentations(dict(AUGMENTATIONS)).status
    'correct'
    >>> check_augmentations({name: False for name in AUGMENTATIONS}).status
    'wrong'
    """
    name = "answers"

    def extra(given) -> list:
        return [key for key in given if key not in AUGMENTATIONS]

    def missing(given) -> list:
        return [key for key in AUGMENTATIONS if key not in given]

    def not_bool(given) -> list:
        return [key for key in AUGMENTATIONS if type(given[key]).__name__ not in ("bool", "bool_")]

    def wrong(given) -> list:
        return [key for key in AUGMENTATIONS if bool(given[key]) != AUGMENTATIONS[key]]

    return check_answer(
        answers,
        name=name,
        form="the dict of the exercise, each augmentation mapped to True or False",
        is_form=lambda given: isinstance(given, Mapping),
        requirements=[
            (
                lambda given: not extra(given),
                lambda given: (
                    f"{name} has keys the exercise does not ask about: {describe(extra(given))}. "
                    "Keep the given keys."
                ),
                "invalid",
            ),
            (
                lambda given: not missing(given),
                lambda given: (
                    f"{name} is missing {describe(missing(given))}: keep every key of the exercise."
                ),
                "invalid",
            ),
            (
                lambda given: not any(is_placeholder(given[key]) for key in AUGMENTATIONS),
                lambda given: f"replace every `...` in {name} with True or False, then run the cell again.",
                "unfinished",
            ),
            (
                lambda given: not not_bool(given),
                lambda given: (
                    f"each answer should be True or False; {describe(not_bool(given)[0])} is "
                    f"{describe(given[not_bool(given)[0]])}."
                ),
                "invalid",
            ),
            (
                lambda given: not wrong(given),
                lambda given: (
                    f"{len(wrong(given))} of {len(AUGMENTATIONS)} answers are not right. "
                    + " ".join(
                        f"{key}: {'it can' if AUGMENTATIONS[key] else 'it cannot'}, because {_AUGMENTATION_REASONS[key]}"
                        for key in wrong(given)
                    )
                ),
            ),
        ],
        summary="every answer is right: an augmentation is safe only when the class of the transformed "
        "image is the same.",
    )


# ---------------------------------------------------------------------------
# Exercise 5: a search space for Keras Tuner
# ---------------------------------------------------------------------------
_BUILD_INPUT = (28, 28, 1)
_BUILD_CLASSES = 10
_MIN_HYPERPARAMETERS = 2
_CONVOLUTIONS = ("Conv2D", "SeparableConv2D", "DepthwiseConv2D")


def _hp_extremes(space) -> list[dict]:
    """Two settings of every hyperparameter: all at their smallest, all at their largest."""
    low, high = {}, {}
    for hp in space:
        kind = type(hp).__name__
        if kind == "Choice":
            low[hp.name], high[hp.name] = hp.values[0], hp.values[-1]
        elif kind in ("Int", "Float"):
            low[hp.name], high[hp.name] = hp.min_value, hp.max_value
        elif kind == "Boolean":
            low[hp.name], high[hp.name] = False, True
    return [low, high]


def _rate_hyperparameters(space) -> list:
    """The hyperparameters named as a learning rate (a Float, or a Choice of numbers)."""
    return [
        declared
        for declared in space
        if type(declared).__name__ in ("Float", "Choice")
        and ("learning" in declared.name.lower() or declared.name.lower() in ("lr", "rate"))
    ]


def _on_a_log_scale(declared) -> bool:
    """A Float sampled on a log scale, or a Choice of rates spread evenly on a log scale (1e-4, 1e-3, 1e-2)."""
    if type(declared).__name__ == "Float":
        return getattr(declared, "sampling", None) == "log"
    values = sorted(v for v in declared.values if isinstance(v, (int, float)) and not isinstance(v, bool))
    if len(values) < 2 or values[0] <= 0 or values[-1] / values[0] < 10:
        return False
    steps = [math.log(b / a) for a, b in zip(values, values[1:])]
    return min(steps) > 0 and max(steps) / min(steps) <= 3


def _learning_rate(model) -> float | None:
    """The learning rate the model's optimizer starts with, or None when it cannot be read."""
    try:
        return float(model.optimizer.learning_rate)
    except Exception:  # an optimizer without a readable rate
        return None


@checker(answer="function")
def check_build_model(build_model) -> Feedback:
    """Exercise 5: a ``build_model(hp)`` that Keras Tuner can search.

    Right when ``build_model(hp)`` returns, at both ends of its search space, a Keras model for
    28x28x1 digits whose 10 outputs are softmax probabilities, compiled as the exercise says
    (Adam, ``sparse_categorical_crossentropy`` for the integer labels, ``metrics=['accuracy']``:
    :func:`course_utils.checks.runs.compile_feedback` judges it, as it judges lesson 05's models); that declares at least two
    hyperparameters, one of them the learning rate on a log scale; and whose optimizer really
    uses that learning rate in every build.

    Examples
    --------
    >>> check_build_model(...).status
    'unfinished'
    >>> check_build_model(lambda hp: None).status
    'wrong'
    """
    name = "build_model"
    return check_answer(
        build_model,
        name=name,
        form="a function of hp",
        is_form=callable,
        evaluate=lambda function: _builds(function, name),
        requirements=[
            (
                lambda space: bool(space["rates"]),
                lambda space: (
                    f"{name} declares {', '.join(space['names'])} but no learning rate: the rate matters "
                    "most, search it with hp.Float('learning_rate', 1e-4, 1e-2, sampling='log') and pass it to the "
                    "optimizer."
                ),
            ),
            (lambda space: _unused_rate(space) is None, lambda space: _unused_rate(space)),
            (
                lambda space: (
                    not (space["others"] and len({_signature(built) for built, _ in space["builds"]}) == 1)
                ),
                lambda space: (
                    f"{name} declares {', '.join(space['others'])} but builds the same model at both ends "
                    "of the search space: pass each hyperparameter to the layer it tunes (filters=filters, units=units, "
                    "...), or a search over it trains the same model again and again."
                ),
            ),
            (
                lambda space: _on_a_log_scale(space["rates"][0]),
                lambda space: (
                    f"{space['rates'][0].name} is sampled on a linear scale: most trials then land near "
                    "the top of the range. Learning rates span orders of magnitude: add sampling='log' (or choose from "
                    "rates such as 1e-4, 1e-3 and 1e-2)."
                ),
            ),
        ],
        summary=lambda space: (
            f"{name} builds a compiled model at both ends of its search space over "
            f"{len(space['names'])} hyperparameters ({', '.join(space['names'])})."
        ),
    )


def _builds(build_model, name: str) -> dict | Feedback:
    """The learner's ``build_model`` run at its first point and at both ends of its search space.

    Returns what the requirements read (the hyperparameters' names, the builds with their values,
    the learning-rate candidates and the other hyperparameters), or the feedback that ends the check.
    The stages keep their order (the model of the first build, the number of hyperparameters, then
    the two ends), each run only when the one before it passed, so their feedback is built here.
    """
    import keras
    import keras_tuner

    hp = keras_tuner.HyperParameters()

    def build(values=None):
        """Call the learner's function within the time limit; raise what it raised."""
        trial_hp = hp
        if values:
            trial_hp = keras_tuner.HyperParameters.from_config(hp.get_config())
            trial_hp.values.update(values)
        outcome, result = run_with_time_limit(lambda: build_model(trial_hp), (), framework.TIME_LIMIT)
        if outcome == "timeout":
            raise TimeoutError(f"did not finish within {framework.TIME_LIMIT:g} s")
        if outcome == "error":
            raise result
        return result, dict(trial_hp.values)

    try:
        model, values = build()
    except NotImplementedError:
        return unfinished(name)
    except TimeoutError as error:
        return Feedback("wrong", f"{name}(hp) {str_of(error)}: building a model takes well under a second.")
    except Exception as error:
        return Feedback("wrong", f"{name}(hp) raised {type(error).__name__}: {describe(str_of(error), 200)}")
    problem = _model_problem(model, keras)
    if problem:
        return Feedback("wrong", f"{name}(hp) {problem}")
    names = [declared.name for declared in hp.space]
    if len(names) < _MIN_HYPERPARAMETERS:
        return Feedback(
            "wrong",
            f"{name} declares {len(names)} hyperparameter(s) ({', '.join(names) or 'none'}): a search needs at least "
            f"{_MIN_HYPERPARAMETERS}, e.g. hp.Int('filters', 8, 64, step=8) and "
            "hp.Float('learning_rate', 1e-4, 1e-2, sampling='log').",
        )
    builds = [(model, values)]
    for extreme in _hp_extremes(hp.space):
        try:
            builds.append(build(extreme))
        except Exception as error:
            return Feedback(
                "wrong",
                f"{name}(hp) fails with {describe(extreme, 200)}: {type(error).__name__}: "
                f"{describe(str_of(error), 200)}. Every point of the search space must build.",
            )
        problem = _model_problem(builds[-1][0], keras)
        if problem:
            return Feedback("wrong", f"with {describe(extreme, 200)}, {name}(hp) {problem}")
    rates = _rate_hyperparameters(hp.space) or [
        declared  # a rate under another name still counts when the optimizer follows it in every build
        for declared in hp.space
        if type(declared).__name__ in ("Float", "Choice")
        and all(_same_rate(_learning_rate(built), values.get(declared.name)) for built, values in builds)
    ]
    keras.backend.clear_session()
    others = [declared.name for declared in hp.space if rates and declared.name != rates[0].name]
    return {"name": name, "names": names, "builds": builds, "rates": rates, "others": others}


def _unused_rate(space) -> str | None:
    """Why the declared learning rate is not the optimizer's in some build, or None when it is in every one."""
    name, rate = space["name"], space["rates"][0]
    for built, values in space["builds"]:
        used, declared = _learning_rate(built), values.get(rate.name)
        if not _same_rate(used, declared):
            return (
                f"{name} declares {rate.name} but never uses it: with {rate.name} = {describe(declared)} the "
                f"optimizer's learning rate is {'unreadable' if used is None else f'{used:.3g}'}. Pass it to the "
                f"optimizer, keras.optimizers.Adam(learning_rate={rate.name}) (optimizer='adam' keeps Adam's "
                "default, 0.001)."
            )
    return None


def _unnamed(config):
    """A Keras config without the layer names Keras numbers anew in every build."""
    if isinstance(config, dict):
        return {key: _unnamed(value) for key, value in config.items() if key != "name"}
    if isinstance(config, (list, tuple)):
        return [_unnamed(value) for value in config]
    return config


def _signature(model) -> str:
    """What a build makes, the learning rate left out: its layers' settings and its compile settings."""
    layers = [(type(layer).__name__, _unnamed(layer.get_config())) for layer in model.layers]
    try:
        compiled = _unnamed(model.get_compile_config())
        compiled.get("optimizer", {}).get("config", {}).pop("learning_rate", None)
    except Exception:  # a compile config that cannot be read is compared by its layers only
        compiled = None
    return repr((layers, compiled))


def _same_rate(used, declared) -> bool:
    """True when the optimizer's rate (a float32 variable) is the declared one."""
    if used is None or not isinstance(declared, (int, float)) or isinstance(declared, bool) or declared <= 0:
        return False
    return math.isclose(used, declared, rel_tol=1e-5)


def _model_problem(model, keras) -> str | None:
    """What is wrong with the model a build_model returned, or None."""
    if not isinstance(model, keras.Model):
        return f"returned {describe(model)} of type {type(model).__name__}, not a Keras model: end with `return model`."
    if not model.compiled:
        return "returned a model that is not compiled: call model.compile(...) inside build_model, with the learning rate."
    shape = tuple(model.input_shape[1:]) if hasattr(model, "input_shape") else None
    if shape != _BUILD_INPUT:
        return f"builds a model for inputs of shape {shape}; the digits are {_BUILD_INPUT}: start with keras.Input(shape=(28, 28, 1))."
    if tuple(model.output_shape[1:]) != (_BUILD_CLASSES,):
        return f"builds a model with outputs of shape {tuple(model.output_shape[1:])}; there are {_BUILD_CLASSES} classes."
    if not any(type(layer).__name__ in _CONVOLUTIONS for layer in model.layers):
        return "builds a model without a convolution: the exercise asks for a CNN, with Conv2D layers."
    images = np.random.default_rng(0).random((2, *_BUILD_INPUT), dtype=np.float32) * 4 - 2
    outputs = np.asarray(model(images, training=False), dtype=float)
    sums = outputs.sum(axis=-1)
    if not np.isfinite(outputs).all() or outputs.min() < -1e-6 or np.abs(sums - 1).max() > 1e-4:
        return (
            f"builds a model whose outputs are not probabilities (for two test images they sum to "
            f"{', '.join(f'{total:.3g}' for total in sums)}, and range from {outputs.min():.3g} to "
            f"{outputs.max():.3g}): end with Dense({_BUILD_CLASSES}, activation='softmax')."
        )
    compiled = compile_feedback(model)
    if not compiled:
        message = compiled.message
        return f"compiles its model another way than the exercise asks: {message[:1].lower()}{message[1:]}"
    return None


# ---------------------------------------------------------------------------
# Exercise 6: cure lesson 07's overfitting run with lesson 08's remedies
# ---------------------------------------------------------------------------
#: Layers that make Keras's training accuracy read worse than the model is: it is measured with
#: them on (augmented images, dropped units), while the validation accuracy is measured without.
_TRAINING_ONLY_LAYERS = ("Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout")


#: A cured run's validation loss must end less than this far above its lowest level: lesson 07's
#: overfitting line (``diagnose``'s ``overfit_rise``).
CURE_RISE = inspect.signature(diagnose).parameters["overfit_rise"].default


def _training_only(model) -> list[str]:
    """The layers of a model that are on while it trains only (dropout, augmentation)."""
    names = layer_names(model) or []
    return [name for name in names if name in _TRAINING_ONLY_LAYERS or name.startswith("Random")]


def _remedies_advice(history) -> str:
    """What to try next, from what the run's model already has (when its History carries the model)."""
    model = getattr(history, "model", None)
    names = layer_names(model)
    if names is None:
        return (
            "Combine remedies that add knowledge to 150 images: augmentation, and a model with fewer weights "
            "per pixel (a small CNN)."
        )
    missing = []
    if not any(name.startswith("Random") for name in names):
        missing.append("augmentation (RandomTranslation or RandomRotation layers)")
    if not any(name in _CONVOLUTIONS for name in names):
        missing.append("convolutions (a small CNN has far fewer weights per pixel than an MLP)")
    if missing:
        adds = "both add" if len(missing) == 2 else "it adds"
        return f"Your model has no {' and no '.join(missing)}: {adds} knowledge that 150 images lack."
    return (
        "Your model already has augmentation and convolutions: tune them (how far the augmentation moves "
        "the digits, the filters, dropout) and train long enough, with EarlyStopping keeping the best epoch."
    )


def _underfitting_note(history) -> str:
    """Why a cured run may read as underfitting, told only as far as the run shows it."""
    model = getattr(history, "model", None)
    on = _training_only(model) if model is not None else []
    if on:
        return (
            f" The diagnoser reads underfitting: Keras measures the training accuracy with {', '.join(dict.fromkeys(on))} "
            "on, so the training curve reads worse than the model is. Judge a regularized run by its "
            "validation curve."
        )
    return (
        " The diagnoser reads underfitting: when the training accuracy is measured with dropout or "
        "augmentation on, the training curve reads worse than the model is. Judge a regularized run by "
        "its validation curve."
    )


@checker(answer="data")
def check_cure(history) -> Feedback:
    """Exercise 6: the history of a run on the same 150 digits that cures lesson 07's overfitting.

    The run must keep the exercise's rules, read from the run itself: trained on the first
    ``CURE_IMAGES`` training digits (its training accuracies are shares of that many digits) and
    validated on the lesson's 800 validation images. Right when the best validation accuracy
    beats the overfitting run's by more than ``CURE_GAIN`` (the 95% noise of a difference of two
    accuracies on 800 images), and :func:`course_utils.engines.diagnosis.diagnose` reads neither
    instability nor a run cut short, and the validation loss no longer climbs back (a rise under
    ``CURE_RISE``). On 150 images a model still does far better on its training images than on new
    ones: that gap is accepted, and named. A run that diverged is called diverged.

    Examples
    --------
    >>> check_cure(cure_reference()).status
    'wrong'
    >>> check_cure({"loss": [1.0, 0.5]}).status
    'invalid'
    """
    return cure_feedback(
        history,
        train_images=CURE_IMAGES,
        diverged_advice="A learning rate too high is the usual cause: lower it 3 to 10 times, and check that the "
        "images are scaled to [0, 1] and the loss fits the labels.",
        requirements=[
            (
                lambda run: not _still_ill(run.result),
                lambda run: f"{_ILLS[run.result.verdict]}. {run.result.reasons[0]}",
            ),
            (
                lambda run: run.new >= run.old,
                lambda run: (
                    f"the best validation accuracy is {run.new:.3f}, below the {run.old:.3f} of the run to "
                    f"cure ({run.new - run.old:+.3f}): the remedies cost more than they gave. {_remedies_advice(run.history)}"
                ),
            ),
            (
                lambda run: run.new >= run.old + CURE_GAIN,
                lambda run: (
                    f"the best validation accuracy is {run.new:.3f} against {run.old:.3f} before: a gain of "
                    f"{run.new - run.old:+.3f}, within the noise of two accuracies on {VALIDATION_IMAGES} images "
                    f"(±{CURE_GAIN:.3f}). {_remedies_advice(run.history)}"
                ),
            ),
        ],
        summary=lambda run: (
            f"the best validation accuracy is {run.new:.3f} against {run.old:.3f} before, a gain of "
            f"{run.new - run.old:+.3f} (more than the noise, ±{CURE_GAIN:.3f}); diagnosis: {run.result.verdict}."
            f"{_cure_note(run)}"
        ),
    )


#: What a cured run that is still ill shows, by the diagnoser's verdict.
_ILLS = {
    "overfitting": "the new run still overfits: its validation loss climbs back",
    "unstable": "the new run is unstable: lower the learning rate",
    "not converged": "the new run stopped while both curves were still falling: train for more epochs",
}


def _still_ill(result) -> bool:
    """Unstable, cut short, or overfitting with a validation loss that climbs back by CURE_RISE or more."""
    climbs = result.figures["rise"] is not None and result.figures["rise"] >= CURE_RISE
    return result.verdict in ("unstable", "not converged") or (result.verdict == "overfitting" and climbs)


def _cure_note(run) -> str:
    """What a cure's diagnosis adds: why it may read as underfitting, or the gap that 150 images leave."""
    result = run.result
    if result.verdict == "overfitting":  # far apart, but the validation loss no longer climbs back
        return (
            f" Its validation loss no longer climbs back; what remains is the gap of 150 images: "
            f"{result.reasons[1][0].lower()}{result.reasons[1][1:]} Only more images close that gap."
        )
    return _underfitting_note(run.history) if result.verdict == "underfitting" else ""
