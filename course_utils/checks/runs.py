"""A learner's training run and model, read for a checker: what the run and model checkers of lessons 05, 07 and 08 share.

Both lessons end with the same task, seen twice: cure lesson 07's overfitting run (an MLP on
150 digits, stored in ``course_utils/data_files/histories_07.json``), validated on the lesson's
:data:`VALIDATION_IMAGES` validation images. This module is the one place that says

- which run is cured (:func:`cure_reference`) and how much better a cure must be
  (:data:`CURE_GAIN`: the 95% noise of a difference of two accuracies on the validation images,
  computed with :func:`course_utils.core.metrics.accuracy_interval` and the course's z);
- how a run is read (:func:`read_run`), which exercise rules it breaks (:func:`run_rule_problem`),
  and when it diverged (:func:`diverged`);
- the first steps every cure's checker takes, in order (:func:`read_cure`), and the checker's
  template for a cure (:func:`cure_feedback`: those steps, then the lesson's requirements on a
  :class:`CureRun`).

Each lesson's ``check_cure`` keeps its own rules and messages; neither lesson's checkers import
the other's. A model's compile settings are judged here too (:func:`compile_feedback`), once for
lesson 05's ``check_compile`` and lesson 08's ``build_model``. No checker here imports TensorFlow:
a model is read through its public methods (``get_compile_config``, ``layers``).

Examples
--------
>>> CURE_GAIN == round(difference_noise(reference_best()), 3)
True
>>> read_run(...)
Unfinished: replace the `...` in history with your answer, then run the cell again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from course_utils.checks.framework import Z_95, Feedback, check_answer, is_placeholder, unfinished
from course_utils.core.metrics import accuracy_interval
from course_utils.engines.diagnosis import MIN_EPOCHS, Diagnosis, check_history, diagnose, load_histories

__all__ = [
    "ACCURACY_METRICS",
    "CLASSES",
    "CURE_GAIN",
    "ONE_HOT_LOSSES",
    "ONE_HOT_METRICS",
    "SPARSE_LOSSES",
    "VALIDATION_IMAGES",
    "CureRun",
    "compile_feedback",
    "config_entries",
    "config_name",
    "cure_description",
    "cure_feedback",
    "cure_reference",
    "difference_noise",
    "diverged",
    "layer_names",
    "lesson_runs",
    "read_cure",
    "read_run",
    "reference_best",
    "run_rule_problem",
]

#: Images of the lesson's validation split (a fifth of the bundled 4,000 digits): both cures
#: (lessons 07 and 08) are validated on them, so a validation accuracy is a share of this many images.
VALIDATION_IMAGES = 800
#: Classes of the digits: a model that guesses scores about 1 / CLASSES.
CLASSES = 10


@lru_cache(maxsize=1)
def lesson_runs() -> dict:
    """Lesson 07's stored runs by group (``clinic``, ``exercise``, ...), read once.

    Examples
    --------
    >>> "clinic" in lesson_runs() and "exercise" in lesson_runs()
    True
    """
    return load_histories()["runs"]


def cure_reference() -> dict:
    """The overfitting run that both cures start from: its stored history (lesson 07's less-data run).

    Examples
    --------
    >>> diagnose(cure_reference()).verdict
    'overfitting'
    """
    return dict(lesson_runs()["exercise"][0]["history"])


def cure_description() -> str:
    """How the run to cure was made, as stored with it.

    Examples
    --------
    >>> "150 digits" in cure_description()
    True
    """
    return lesson_runs()["exercise"][0]["description"]


def reference_best() -> float:
    """The best validation accuracy of the run to cure: what a cure must beat by :data:`CURE_GAIN`.

    Examples
    --------
    >>> reference_best() == max(cure_reference()["val_accuracy"])
    True
    """
    return max(cure_reference()["val_accuracy"])


def difference_noise(accuracy: float, images: int = VALIDATION_IMAGES) -> float:
    """The 95% half width of the difference between two accuracies of about ``accuracy``, each on ``images`` images.

    ``z * sqrt(se**2 + se**2)``, with the standard error ``se`` of one accuracy from
    :func:`course_utils.core.metrics.accuracy_interval` and the course's z (:data:`Z_95`): two
    runs measured on as many images differ by less than this about 95 times in 100 by chance.

    Examples
    --------
    >>> round(difference_noise(0.8), 4)
    0.0392
    """
    standard_error = accuracy_interval(accuracy, images).standard_error
    return Z_95 * math.hypot(standard_error, standard_error)


#: The gain in best validation accuracy a cure must show over :func:`cure_reference` (lessons 07 and
#: 08): the noise of a difference of two accuracies on the validation images (:func:`difference_noise`).
CURE_GAIN = round(difference_noise(reference_best()), 3)


def read_run(history, name: str = "history"):
    """A learner's training run, read for a checker: ``(values, best val_accuracy)``, or the
    :class:`Feedback` to give when it is unfinished or cannot be read.

    Examples
    --------
    >>> read_run(...).status
    'unfinished'
    >>> values, best = read_run(cure_reference())
    >>> best == max(cure_reference()["val_accuracy"])
    True
    """
    if is_placeholder(history):
        return unfinished(name)
    try:
        values = check_history(history)
    except (TypeError, ValueError) as error:
        return Feedback("invalid", f"{name} should be what model.fit(...) returned: {error}")
    if len(values["loss"]) < MIN_EPOCHS:
        return Feedback(
            "invalid",
            f"{name} has {len(values['loss'])} epochs; train for at least {MIN_EPOCHS} so its curves can be read.",
        )
    accuracy = values.get("val_accuracy")
    if not accuracy or not all(isinstance(v, float) and math.isfinite(v) for v in accuracy):
        return Feedback(
            "invalid",
            f"{name} has no usable 'val_accuracy': compile with metrics=['accuracy'] and fit with validation_data.",
        )
    return values, max(accuracy)


def _not_a_share(series, images: int):
    """The first ``(epoch, value)`` of an accuracy curve that is no share of ``images`` images, or None.

    Keras's accuracy over an epoch is a count of right images divided by the images seen,
    stored as float32: ``value * images`` is then a whole number, to float32's precision.
    """
    for epoch, value in enumerate(series, start=1):
        if isinstance(value, float) and math.isfinite(value):
            count = value * images
            if abs(count - round(count)) > 5e-4 * max(1.0, images / 1000):
                return epoch, value
    return None


def run_rule_problem(history, values, *, train_images: int | None = None, model_rule=None) -> str | None:
    """What a cure's run breaks of its exercise's rules, read from the run itself, or None.

    The validation accuracies must be shares of the :data:`VALIDATION_IMAGES` validation images
    (not of training images or a ``validation_split``); with ``train_images``, the training
    accuracies must be shares of that many digits; ``model_rule(model)`` judges the model a
    Keras ``History`` carries (``history.model``), when it carries one.

    Examples
    --------
    >>> run_rule_problem(None, {"val_accuracy": [0.5, 0.625]}) is None
    True
    >>> print(run_rule_problem(None, {"val_accuracy": [1 / 3, 0.5]}))  # doctest: +ELLIPSIS
    its validation accuracies are not shares of the 800 validation images (epoch 1: 0.3333 x 800 = 266.67 images)...
    """
    off = _not_a_share(values.get("val_accuracy", []), VALIDATION_IMAGES)
    if off:
        epoch, value = off
        return (
            f"its validation accuracies are not shares of the {VALIDATION_IMAGES} validation images (epoch "
            f"{epoch}: {value:.4f} x {VALIDATION_IMAGES} = {value * VALIDATION_IMAGES:.2f} images): validate on "
            "the lesson's validation images, validation_data=(x_val, y_val), not on training images or a "
            "validation_split."
        )
    if train_images is not None:
        accuracy = values.get("accuracy")
        if not accuracy:
            return (
                "it has no training 'accuracy': compile with metrics=['accuracy'], so that the run shows "
                f"that it trained on {train_images} digits."
            )
        off = _not_a_share(accuracy, train_images)
        if off:
            epoch, value = off
            return (
                f"its training accuracies are not shares of {train_images} digits (epoch {epoch}: {value:.4f} x "
                f"{train_images} = {value * train_images:.2f} digits): the exercise keeps the first "
                f"{train_images} training digits, x_train[:{train_images}], and no others."
            )
    model = getattr(history, "model", None)
    if model_rule is not None and layer_names(model) is not None:
        return model_rule(model)
    return None


def layer_names(model) -> list[str] | None:
    """The class names of a Keras model's layers (its InputLayer left out), or None when the object
    carries no readable list of layers (a History without a model, or something else).

    Examples
    --------
    >>> layer_names(None) is None
    True
    """
    try:
        layers = list(model.layers)
    except Exception:  # no model, or an object whose layers cannot be listed
        return None
    return [type(layer).__name__ for layer in layers if type(layer).__name__ != "InputLayer"]


def diverged(values) -> str | None:
    """Why a run diverged, with its numbers: a NaN or infinite loss, or a best validation accuracy
    no better than guessing one of :data:`CLASSES` classes (within the 95% interval of a guess's
    accuracy on the validation images).

    Examples
    --------
    >>> print(diverged({"loss": [2.3, float("nan")], "val_loss": [2.3, 2.3], "val_accuracy": [0.1, 0.1]}))
    the training loss is NaN or infinite from epoch 2: the run diverged.
    """
    for key in ("loss", "val_loss"):
        bad = [epoch for epoch, value in enumerate(values.get(key, []), start=1) if not math.isfinite(value)]
        if bad:
            which = "training" if key == "loss" else "validation"
            return f"the {which} loss is NaN or infinite from epoch {bad[0]}: the run diverged."
    accuracy = [v for v in values.get("val_accuracy", []) if math.isfinite(v)]
    chance = 1 / CLASSES
    noise = Z_95 * accuracy_interval(chance, VALIDATION_IMAGES).standard_error
    if accuracy and max(accuracy) <= chance + noise:
        return (
            f"the best validation accuracy is {max(accuracy):.3f}, no better than guessing one of {CLASSES} "
            f"classes ({chance:.3f} ± {noise:.3f} on {VALIDATION_IMAGES} images): the run diverged, or never "
            "learned."
        )
    return None


def read_cure(
    history, *, diverged_advice: str, train_images: int | None = None, model_rule: Callable | None = None
) -> Feedback | tuple[dict, float, Diagnosis]:
    """The first steps of every cure's checker: ``(values, best val_accuracy, diagnosis)``, or the
    :class:`Feedback` that ends the check.

    In order: the run is read (:func:`read_run`: unfinished or unreadable), held to its exercise's
    rules (:func:`run_rule_problem`, with ``train_images`` and ``model_rule``), called diverged
    when it diverged (:func:`diverged`, followed by ``diverged_advice``), then diagnosed. What a
    verdict or a gain means is each lesson's to say.

    Examples
    --------
    >>> values, best, result = read_cure(cure_reference(), diverged_advice="")
    >>> result.verdict
    'overfitting'
    >>> print(read_cure({"loss": [2.3, float("nan"), 2.3], "val_loss": [2.3] * 3, "val_accuracy": [0.1] * 3},
    ...                 diverged_advice="Lower the learning rate."))
    Not yet: the training loss is NaN or infinite from epoch 2: the run diverged. Lower the learning rate.
    """
    read = read_run(history)
    if isinstance(read, Feedback):
        return read
    values, best = read
    problem = run_rule_problem(history, values, train_images=train_images, model_rule=model_rule)
    if problem:
        return Feedback("wrong", f"this run breaks the exercise's rules: {problem}")
    broke = diverged(values)
    if broke:
        return Feedback("wrong", f"{broke} {diverged_advice}")
    return values, best, diagnose(values)


@dataclass(frozen=True)
class CureRun:
    """A cure's run as its requirements read it: the run given, its best validation accuracy
    (``new``), the run to cure's (``old``, :func:`reference_best`) and the diagnosis."""

    history: object
    new: float
    old: float
    result: Diagnosis


def cure_feedback(history, *, requirements: Sequence[tuple], summary: Callable, **read_options) -> Feedback:
    """The template of a cure's checker: :func:`read_cure` (with ``read_options``), then the
    lesson's ``requirements`` on a :class:`CureRun`, the first unmet one explained, as
    :func:`~course_utils.checks.framework.check_answer` does; ``summary(run)`` for a cure.

    Examples
    --------
    >>> needs = [(lambda run: run.new > run.old, lambda run: f"{run.new:.3f} is no gain.")]
    >>> cure_feedback(cure_reference(), requirements=needs, summary=str, diverged_advice="")
    Not yet: 0.784 is no gain.
    """

    def read(run):
        read = read_cure(run, **read_options)
        if isinstance(read, Feedback):
            return read
        _, new, result = read
        return CureRun(run, new, reference_best(), result)

    return check_answer(history, name="history", evaluate=read, requirements=requirements, summary=summary)


# ---------------------------------------------------------------------------
# A model's compile settings (lesson 05's check_compile, lesson 08's build_model)
# ---------------------------------------------------------------------------
#: Loss and metric names that fit integer labels with a softmax output.
SPARSE_LOSSES = ("sparse_categorical_crossentropy", "sparsecategoricalcrossentropy")
ONE_HOT_LOSSES = ("categorical_crossentropy", "categoricalcrossentropy")
ACCURACY_METRICS = ("accuracy", "acc", "sparse_categorical_accuracy", "sparsecategoricalaccuracy")
ONE_HOT_METRICS = ("categorical_accuracy", "categoricalaccuracy")


def config_name(entry) -> str | None:
    """The name of a loss, metric or optimizer in a compile config (a string or a serialized object).

    Examples
    --------
    >>> config_name("Adam"), config_name({"class_name": "function", "config": "mse"}), config_name(3)
    ('adam', 'mse', None)
    """
    if isinstance(entry, str):
        return entry.lower()
    if isinstance(entry, dict):
        config = entry.get("config")
        if isinstance(config, str):  # a function, such as keras.losses.sparse_categorical_crossentropy
            return config.lower()
        if entry.get("class_name") not in (None, "function") and isinstance(entry["class_name"], str):
            return entry["class_name"].lower()
        if isinstance(config, dict) and isinstance(config.get("name"), str):
            return config["name"].lower()
    return None


def config_entries(entries) -> list:
    """The losses or metrics of a compile config as one flat list (nested lists and dicts opened).

    Examples
    --------
    >>> config_entries({"out": ["accuracy", ["mae"]]})
    ['accuracy', 'mae']
    >>> config_entries(None)
    []
    """
    if entries is None:
        return []
    if isinstance(entries, dict) and "class_name" not in entries:
        entries = list(entries.values())
    if not isinstance(entries, (list, tuple)):
        entries = [entries]
    flat = []
    for entry in entries:
        flat.extend(
            config_entries(entry)
            if isinstance(entry, (list, tuple, dict)) and not _is_object(entry)
            else [entry]
        )
    return flat


def _is_object(entry) -> bool:
    return isinstance(entry, dict) and "class_name" in entry


def _from_logits(entry) -> bool:
    config = entry.get("config") if isinstance(entry, dict) else None
    return isinstance(config, dict) and config.get("from_logits") is True


def _last_activation(model) -> str | None:
    try:
        config = model.layers[-1].get_config()
    except Exception:  # a model without layers or with an unusual last layer
        return None
    activation = config.get("activation")
    return activation.lower() if isinstance(activation, str) else None


def _compile_facts(model) -> dict | Feedback:
    """What the requirements read of a model's compile config, or the feedback when it has none."""
    if model is None:
        return Feedback(
            "invalid",
            "check_compile received None. model.compile(...) changes the model in place and "
            "returns None: call it on its own line, then run check.check_compile(model).",
        )
    try:
        config = model.get_compile_config() if getattr(model, "compiled", False) is True else None
    except Exception as error:  # an object that only looks like a Keras model
        return Feedback(
            "invalid",
            f"model should be a Keras model, but its get_compile_config() raised {type(error).__name__}.",
        )
    if not isinstance(config, dict) or not config:
        return Feedback(
            "unfinished",
            "model is not compiled yet: call model.compile(optimizer=..., loss=..., metrics=[...]), "
            "then run this cell again.",
        )
    loss_entry = config.get("loss")
    return {
        "loss_weights": [config_name(e) for e in config_entries(config.get("loss_weights"))],
        "optimizer": config_name(config.get("optimizer")),
        "loss": config_name(loss_entry),
        "double_softmax": _from_logits(loss_entry) and _last_activation(model) == "softmax",
        "metrics": [config_name(e) for e in config_entries(config.get("metrics"))],
    }


_COMPILE_REQUIREMENTS = (
    (
        lambda f: not any(name and "acc" in name for name in f["loss_weights"]),
        lambda f: (
            "Your list of metrics ended up in loss_weights: compile's third positional argument "
            "is loss_weights in Keras 3, not metrics. Pass it by name: metrics=['accuracy']."
        ),
    ),
    (
        lambda f: f["optimizer"] == "adam",
        lambda f: (
            f"The optimizer is {f['optimizer']!r}, but the exercise asks for Adam: optimizer='adam' "
            "(or keras.optimizers.Adam())."
        ),
    ),
    (
        lambda f: f["loss"] not in ONE_HOT_LOSSES,
        lambda f: (
            "categorical_crossentropy expects one-hot labels such as [0, 0, 1, 0, ...], but the "
            "labels here are integers 0-9. Use sparse_categorical_crossentropy."
        ),
    ),
    (
        lambda f: f["loss"] in SPARSE_LOSSES,
        lambda f: (
            f"The loss is {f['loss']!r}. For 10 classes with integer labels, use "
            "sparse_categorical_crossentropy."
        ),
    ),
    (
        lambda f: not f["double_softmax"],
        lambda f: (
            "from_logits=True tells the loss that the outputs are raw scores, but the last layer "
            "already applies a softmax: the loss would apply a second one. Keep from_logits=False "
            "(the default) with a softmax output."
        ),
    ),
    (
        lambda f: bool(f["metrics"]),
        lambda f: (
            "The model is compiled without metrics, so fit and evaluate will report only the "
            "loss. Add metrics=['accuracy']."
        ),
    ),
    (
        lambda f: not any(name in ONE_HOT_METRICS for name in f["metrics"]),
        lambda f: (
            "categorical_accuracy compares the prediction with a one-hot label, but the labels "
            "here are integers, so it reports a wrong accuracy. Use metrics=['accuracy'] (Keras "
            "picks the right accuracy for the loss) or 'sparse_categorical_accuracy'."
        ),
    ),
    (
        lambda f: any(name in ACCURACY_METRICS for name in f["metrics"]),
        lambda f: f"The metrics are {f['metrics']}, none of which is the accuracy. Add metrics=['accuracy'].",
    ),
)


def compile_feedback(model) -> Feedback:
    """Is ``model`` compiled with Adam for integer labels, reporting the accuracy?

    Expected: ``optimizer='adam'`` (or an Adam object), ``loss='sparse_categorical_crossentropy'``
    (the string, the function or the class, with ``from_logits=False`` on a softmax output) and
    ``metrics=['accuracy']`` passed as a keyword. ``None`` (what ``model.compile`` returns) is told so.

    Examples
    --------
    >>> compile_feedback(...)
    Unfinished: replace the `...` in model with your answer, then run the cell again.
    >>> compile_feedback(None).status
    'invalid'
    """
    return check_answer(
        model,
        name="model",
        is_unfinished=lambda answer: answer is Ellipsis,  # None is what compile returns: told apart
        form="a Keras model",
        is_form=lambda answer: answer is None or hasattr(answer, "get_compile_config"),
        evaluate=_compile_facts,
        requirements=_COMPILE_REQUIREMENTS,
        summary="the model is compiled with sparse_categorical_crossentropy and reports the accuracy.",
    )
