"""Training-set loss and accuracy measured as the model predicts: a callback for ``model.fit``.

Keras prints two kinds of training figures, and neither is what the model does on its
training images once it is trained:

- ``loss`` and ``accuracy`` are **averages over the epoch**, taken while the weights were
  still changing: the first batches of an epoch count with the weights of its start.
- they are measured **in training mode**: with dropout switching units off, with random
  augmentation changing the images, with batch normalization using the batch's own
  statistics. A model with ``Dropout(0.8)`` can read 35% training accuracy and 89%
  validation accuracy; that gap says nothing about over- or underfitting.

:func:`training_set_metrics` returns a callback that, after every epoch, evaluates the model
on (a subset of) its training images in **inference mode**, exactly as
``model.evaluate`` measures the validation images, and adds the results to the epoch's logs
as ``train_loss``, ``train_accuracy`` and so on. ``History`` records them next to
``val_loss``: both are now measured the same way, so their gap is the model's real
generalisation gap. :func:`course_utils.engines.diagnosis.diagnose` reads them when they are there.

Examples
--------
>>> inference_keys({"loss": [1.0], "accuracy": [0.6], "val_loss": [1.1], "val_accuracy": [0.5],
...                 "train_loss": [0.9], "train_accuracy": [0.7]})
{'loss': 'train_loss', 'accuracy': 'train_accuracy'}
>>> inference_keys({"loss": [1.0], "val_loss": [1.1]})
{}
"""

from __future__ import annotations

from collections.abc import Mapping

from course_utils.core._constraints import Count, OrNone, Satisfies, validate_arguments
from course_utils.core._validation import check_numbers

__all__ = ["DEFAULT_SIZE", "PREFIX", "inference_keys", "training_set_metrics"]

PREFIX = "train_"
"""What the callback puts before each metric's name: ``train_loss``, ``train_accuracy``."""
DEFAULT_SIZE = 1000
"""Training images evaluated after each epoch when ``size`` is not given: enough for an accuracy
within about 1.5 points (95%), and a small cost next to an epoch of training."""


def _history(history) -> dict[str, list[float]]:
    """A History or a dict, refused with a TypeError when it is neither, then read as :data:`HISTORY` reads it."""
    from course_utils.engines.history import HISTORY

    if not isinstance(getattr(history, "history", history), Mapping):
        raise TypeError(
            "history must be the History returned by model.fit(...) or a dict of per-epoch lists, "
            f"got {type(history).__name__}."
        )
    return HISTORY.check("history", history)


@validate_arguments(
    history=Satisfies(
        _history,
        "a keras.callbacks.History or a dict of per-epoch values of one length",
        valid=lambda: {"loss": [1.0, 0.8], "train_loss": [0.9, 0.7]},
        invalid=[[1.0], {}, {"loss": 0.5}, {"loss": [0.5], "val_loss": [0.5, 0.4]}],
    )
)
def inference_keys(history) -> dict[str, str]:
    """Which inference-mode training metrics a history holds, by the Keras name they stand for.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        What ``model.fit`` returned, or its ``.history`` dict.

    Returns
    -------
    dict
        ``{'loss': 'train_loss', 'accuracy': 'train_accuracy', ...}`` for every key
        ``train_<name>`` whose ``<name>`` the history also holds (``loss`` or a compiled
        metric). Empty when the run was trained without :func:`training_set_metrics`.

    Examples
    --------
    >>> inference_keys({"loss": [1.0], "train_loss": [0.8], "train_auc": [0.9]})
    {'loss': 'train_loss'}
    """
    values = history
    return {
        str(key)[len(PREFIX) :]: str(key)
        for key in values
        if str(key).startswith(PREFIX) and str(key)[len(PREFIX) :] in values
    }


def _what(name: str) -> str:
    return "images" if name == "x" else "labels"


def _training_array(name: str):
    """The constraint of ``x`` (images) or ``y`` (labels): an array of numbers, one entry per image."""

    def read(value):
        if isinstance(value, (str, bytes, Mapping)) or value is None:
            raise TypeError(
                f"{name} must be an array of the training {_what(name)}, got {type(value).__name__}."
            )
        check_numbers(name, value, allow_bool=name == "y", unit="image" if name == "x" else "label")
        return value

    def valid():
        import numpy as np

        return np.zeros((20, 4)) if name == "x" else np.zeros(20)

    return Satisfies(
        read,
        f"an array of the training {_what(name)} (numbers)",
        valid=valid,
        invalid=[{"x": 1}, b"x", [None], ["a"]],
    )


@validate_arguments(
    size=OrNone(Count()), batch_size=Count(), seed=Count(0), x=_training_array("x"), y=_training_array("y")
)
def training_set_metrics(x, y, *, size: int | None = DEFAULT_SIZE, batch_size: int = 256, seed: int = 0):
    """A Keras callback that records the training-set loss and metrics in inference mode each epoch.

    Pass it to ``model.fit(..., callbacks=[training_set_metrics(x_train, y_train)])``. After
    every epoch it runs ``model.evaluate`` on ``size`` training images (the same images every
    epoch, drawn once with ``seed``) and adds ``train_loss``, ``train_accuracy``, ... to the
    epoch's logs, so ``history.history`` holds them. Dropout is off, augmentation layers pass
    images through unchanged and batch normalization uses its moving statistics, as when the
    model predicts. It draws no random numbers while training, so the run is the same run
    with or without it.

    Parameters
    ----------
    x, y : array-like
        The training images and labels (the same ones given to ``fit``), or a subset.
    size : int or None, default=1000
        How many of them to evaluate each epoch (all when there are fewer, or when None).
        Each epoch then costs about ``size / len(x)`` of an epoch's forward passes more.
    batch_size : int, default=256
        Images per batch while evaluating; smaller uses less memory.
    seed : int, default=0
        Which images make up the subset.

    Returns
    -------
    keras.callbacks.Callback

    Raises
    ------
    ValueError
        If ``x`` and ``y`` hold different numbers of images, or an argument is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> callback = training_set_metrics(np.zeros((3000, 4)), np.zeros(3000), size=500)
    >>> callback.images.shape, callback.labels.shape
    ((500, 4), (500,))
    """
    import numpy as np

    images, labels = np.asarray(x), np.asarray(y)
    if len(images) != len(labels):
        raise ValueError(f"x and y must hold the same number of images, got {len(images)} and {len(labels)}.")
    if size is not None and size < len(images):
        chosen = np.sort(np.random.default_rng(seed).choice(len(images), size=size, replace=False))
        images, labels = images[chosen], labels[chosen]
    return _callback_class()(images, labels, batch_size)


_CLASS = None


def _callback_class():
    """The callback's class, made once, when Keras is first needed."""
    global _CLASS
    if _CLASS is None:
        import keras

        class TrainingSetMetrics(keras.callbacks.Callback):
            """After each epoch: ``model.evaluate`` on training images, logged as ``train_<name>``."""

            def __init__(self, images, labels, batch_size):
                super().__init__()
                self.images, self.labels, self.batch_size = images, labels, batch_size

            def on_epoch_end(self, epoch, logs=None):
                results = self.model.evaluate(
                    self.images, self.labels, batch_size=self.batch_size, verbose=0, return_dict=True
                )
                if logs is not None:
                    for name, value in results.items():
                        logs[PREFIX + name] = float(value)

        _CLASS = TrainingSetMetrics
    return _CLASS
