"""Regularization, written out: the L2 penalty in two conventions, dropout's scale, batch normalization
in training and in inference, and the learning-rate range test (lesson 08).

Each function is the formula that Keras applies, in plain NumPy, so that lesson 08 can call the
Keras layer and this function on the same numbers and show that they agree.

Two conventions for the L2 penalty
----------------------------------
Keras's ``keras.regularizers.L2(l2)`` adds ``l2 * sum(w**2)`` to the loss of every batch. Many
course notes (and the source notes of this course) write the cost of ``m`` training examples as
``(1/m) * sum(losses) + lam / (2 * m) * sum(w**2)``. Since Keras's loss is already the mean over the
examples, the two are the same penalty when ``l2 = lam / (2 * m)``.

Examples
--------
>>> keras_l2_from_notes(lam=3.2, m=3200)
0.0005
>>> notes_lambda_from_keras(l2=0.0005, m=3200)
3.2
>>> l2_penalty([[1.0, -2.0], [0.5, 0.0]], l2=0.01)
0.0525
>>> inverted_dropout_scale(0.25)
1.3333333333333333
"""

from __future__ import annotations

import numpy as np

from course_utils.core._constraints import Count, Flag, Numbers, OrNone, Real, Satisfies, validate_arguments
from course_utils.core._validation import check_numbers, check_real, is_real_number

__all__ = [
    "batch_norm",
    "cosine_decay",
    "inverted_dropout_scale",
    "keras_l2_from_notes",
    "l2_penalty",
    "lr_range_suggestion",
    "notes_lambda_from_keras",
]

BATCH_NORM_EPSILON = 1e-3
"""Keras's default ``epsilon`` of ``BatchNormalization``."""

MAX_RANGE_TEST_STEPS = 100_000
"""The longest learning-rate range test :func:`lr_range_suggestion` reads."""


def _weights(name: str, values, allow_number: bool = False) -> np.ndarray:
    """``values`` as a float64 array of finite numbers (one array, or a list of arrays such as a
    model's weights), read by the course's one reader of numbers; a bare number only where
    ``allow_number`` (a weight, or one value for every channel)."""
    if isinstance(values, (list, tuple)) and values and all(isinstance(v, np.ndarray) for v in values):
        parts = [_weights(f"{name}[{i}]", v, allow_number=True) for i, v in enumerate(values)]
        return np.concatenate([part.ravel() for part in parts])  # arrays of different shapes
    if allow_number and (is_real_number(values) or (isinstance(values, np.ndarray) and values.ndim == 0)):
        return np.asarray(check_real(name, values.item() if isinstance(values, np.ndarray) else values))
    return check_numbers(name, values)


@validate_arguments(l2=Real(0))
def l2_penalty(weights, l2: float) -> float:
    """The penalty ``keras.regularizers.L2(l2)`` adds to the loss: ``l2 * sum(w**2)``.

    Parameters
    ----------
    weights : array_like, or a list of arrays
        The regularized weights (a kernel, or several kernels).
    l2 : float
        Keras's factor, at least 0.

    Returns
    -------
    float

    Examples
    --------
    >>> round(l2_penalty(np.ones((3, 3)), l2=0.001), 12)
    0.009
    """
    return float(l2 * np.sum(_weights("weights", weights, allow_number=True) ** 2))


@validate_arguments(lam=Real(0), m=Count())
def keras_l2_from_notes(lam: float, m: int) -> float:
    """Keras's ``l2`` factor for the notes' penalty ``lam / (2 m) * sum(w**2)``.

    Keras averages the loss over the examples and adds ``l2 * sum(w**2)``; the notes add
    ``lam / (2 m) * sum(w**2)`` to the same average, so ``l2 = lam / (2 m)``.

    Parameters
    ----------
    lam : float
        The notes' lambda, at least 0.
    m : int
        The number of training examples in the notes' cost.

    Examples
    --------
    >>> keras_l2_from_notes(lam=1.0, m=50)
    0.01
    """
    return lam / (2 * m)


@validate_arguments(l2=Real(0), m=Count())
def notes_lambda_from_keras(l2: float, m: int) -> float:
    """The notes' ``lam`` that gives the same penalty as Keras's ``L2(l2)``: ``lam = 2 m l2``.

    Examples
    --------
    >>> notes_lambda_from_keras(l2=0.01, m=50)
    1.0
    """
    return 2 * m * l2


@validate_arguments(rate=Real(0, 1, max_inclusive=False))
def inverted_dropout_scale(rate: float) -> float:
    """The factor ``keras.layers.Dropout(rate)`` multiplies kept values by while training: ``1 / (1 - rate)``.

    Keras drops a share ``rate`` of the values and scales the others up, so that the expected
    sum is unchanged; at inference the layer passes its input through untouched.

    Examples
    --------
    >>> inverted_dropout_scale(0.5)
    2.0
    >>> inverted_dropout_scale(1.0)
    Traceback (most recent call last):
    ...
    ValueError: rate must be a finite number >= 0 and < 1, got 1.0.
    """
    return 1.0 / (1.0 - rate)


def _batch(x) -> np.ndarray:
    x = _weights("x", x)
    if x.ndim < 2:
        raise ValueError(f"x must have a batch axis and a channel axis, got shape {x.shape}.")
    return x


def _per_channel(name: str) -> Satisfies:
    """A number for every channel, or one value per channel (that they are as many as x's is the body's rule)."""
    return Satisfies(
        lambda value: _weights(name, value, allow_number=True),
        "a number or one value per channel",
        valid=1.0,
        invalid=[[1.0, None], ["a"], [], np.nan, [np.inf], True],
    )


@validate_arguments(
    x=Satisfies(
        _batch,
        "an array of numbers with a batch axis and a channel axis",
        valid=lambda: np.array([[1.0, 2.0], [3.0, 5.0]]),
        invalid=[[1.0, 2.0], 2.0, [[1.0, np.nan]], [["a"]]],
    ),
    training=Flag(),
    epsilon=Real(0, min_inclusive=False),
    gamma=_per_channel("gamma"),
    beta=_per_channel("beta"),
    moving_mean=OrNone(_per_channel("moving_mean")),
    moving_variance=OrNone(_per_channel("moving_variance")),
)
def batch_norm(
    x,
    gamma=1.0,
    beta=0.0,
    moving_mean=None,
    moving_variance=None,
    training: bool = True,
    epsilon: float = BATCH_NORM_EPSILON,
) -> np.ndarray:
    """What ``keras.layers.BatchNormalization`` computes, over the last axis (the channels).

    While training (``training=True``) it normalizes with the mean and variance of this batch;
    at inference (``training=False``) with the moving statistics it kept while training. Then
    it scales by ``gamma`` and shifts by ``beta``.

    Parameters
    ----------
    x : array_like of shape (batch, ..., channels)
    gamma, beta : float or array_like of shape (channels,)
        The layer's trainable scale and shift.
    moving_mean, moving_variance : array_like of shape (channels,), optional
        The layer's non-trainable statistics; needed when ``training=False``.
    training : bool
    epsilon : float
        Added to the variance (Keras's default is 0.001).

    Returns
    -------
    ndarray of float64, the shape of ``x``

    Examples
    --------
    >>> x = np.array([[1.0], [3.0]])
    >>> batch_norm(x, training=True).round(4).ravel().tolist()
    [-0.9995, 0.9995]
    >>> batch_norm(x, moving_mean=[0.0], moving_variance=[1.0], training=False).round(4).ravel().tolist()
    [0.9995, 2.9985]
    """
    channels = x.shape[-1]

    def per_channel(name, array):
        if array.ndim == 0:
            return np.full(channels, float(array))
        if array.shape != (channels,):
            raise ValueError(
                f"{name} must be a number or hold {channels} values, one per channel of x "
                f"(x has shape {x.shape}), got shape {array.shape}."
            )
        return array

    gamma, beta = per_channel("gamma", gamma), per_channel("beta", beta)
    if training:
        axes = tuple(range(x.ndim - 1))
        mean, variance = x.mean(axis=axes), x.var(axis=axes)
    else:
        if moving_mean is None or moving_variance is None:
            raise ValueError("moving_mean and moving_variance are needed when training=False.")
        mean, variance = (
            per_channel("moving_mean", moving_mean),
            per_channel("moving_variance", moving_variance),
        )
        if (variance < 0).any():
            raise ValueError("moving_variance must not be negative.")
    return gamma * (x - mean) / np.sqrt(variance + epsilon) + beta


@validate_arguments(
    step=Count(min=0),
    initial_learning_rate=Real(0, min_inclusive=False),
    decay_steps=Count(),
    alpha=Real(0, 1),
)
def cosine_decay(step: int, initial_learning_rate: float, decay_steps: int, alpha: float = 0.0) -> float:
    """The learning rate of ``keras.optimizers.schedules.CosineDecay`` (no warm-up) at ``step``.

    ``alpha`` is the final rate as a share of the first; after ``decay_steps`` the rate stays there.

    Examples
    --------
    >>> cosine_decay(0, 0.003, 100), cosine_decay(50, 0.003, 100), cosine_decay(100, 0.003, 100)
    (0.003, 0.0015, 0.0)
    """
    progress = min(step, decay_steps) / decay_steps
    cosine = 0.5 * (1 + np.cos(np.pi * progress))
    return round(float(initial_learning_rate * ((1 - alpha) * cosine + alpha)), 15)


@validate_arguments(
    smoothing=Real(0, 1, max_inclusive=False), divide_by=Real(1), learning_rates=Numbers(unit="step")
)
def lr_range_suggestion(learning_rates, losses, smoothing: float = 0.9, divide_by: float = 10.0) -> float:
    """Read a learning-rate range test: the rate at the lowest smoothed loss, divided by ``divide_by``.

    In a range test the learning rate grows step by step (usually exponentially) during one
    epoch while the loss is recorded. The loss first falls, then blows up. A rate about ten
    times below the one at the lowest loss is a safe, fast choice: the usual rule of thumb.
    The losses are smoothed with an exponential moving average first (``smoothing`` is its
    factor, 0 means none), because single batches are noisy. Steps after the loss becomes
    NaN or infinite are ignored.

    Parameters
    ----------
    learning_rates : array_like of increasing positive floats
    losses : array_like of the same length
        Real numbers (NaN or inf allowed once the run blows up; True/False and complex numbers
        are not losses).
    smoothing : float in [0, 1)
    divide_by : float, at least 1

    Examples
    --------
    >>> rates = np.logspace(-5, 0, 6)
    >>> lr_range_suggestion(rates, [2.3, 2.2, 1.5, 0.6, 3.0, float("nan")], smoothing=0.0)
    0.001
    """
    rates = learning_rates
    if rates.ndim != 1 or rates.size < 2 or rates.size > MAX_RANGE_TEST_STEPS:
        raise ValueError(
            f"learning_rates must be a 1-D list of 2 to {MAX_RANGE_TEST_STEPS} rates, got shape {rates.shape}."
        )
    if (rates <= 0).any() or (np.diff(rates) <= 0).any():
        raise ValueError("learning_rates must be positive and increasing, as a range test makes them.")
    values = check_numbers("losses", losses, allow_nan=True, allow_inf=True, unit="step")
    if values.shape != rates.shape:
        raise ValueError(
            f"losses must have one value per rate of learning_rates ({rates.size} rates), got shape {values.shape}."
        )
    finite = np.isfinite(values)
    usable = int(np.argmin(finite)) if not finite.all() else values.size
    if usable < 2:
        raise ValueError("losses must start with at least 2 finite values.")
    smoothed = np.empty(usable)
    average = values[0]
    for index in range(usable):
        average = smoothing * average + (1 - smoothing) * values[index]
        smoothed[index] = average
    best = int(np.argmin(smoothed))
    return float(rates[best] / divide_by)
