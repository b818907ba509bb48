"""A Keras model's compile settings, read for a checker: what the model checkers of lessons 05 and 08 share.

Lesson 05 asks for a model compiled with Adam for integer labels that reports the accuracy
(:func:`course_utils.checks.training.check_compile`), and lesson 08's ``build_model`` must compile
its models the same way: :func:`compile_feedback` judges both, so that neither lesson's checkers
import the other's. A model is read through its public methods (``get_compile_config``,
``layers``); nothing here imports TensorFlow.

Examples
--------
>>> compile_feedback("model")
Check the type: model should be a Keras model, but it is 'model' of type str.
>>> config_name({"class_name": "Adam", "config": {"name": "adam"}})
'adam'
"""

from __future__ import annotations

from course_utils.checks.framework import Feedback, check_answer

__all__ = [
    "ACCURACY_METRICS",
    "ONE_HOT_LOSSES",
    "ONE_HOT_METRICS",
    "SPARSE_LOSSES",
    "compile_feedback",
    "config_entries",
    "config_name",
]

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
