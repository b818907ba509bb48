"""A kernel learned from data: gradient descent on the weights of one convolution (NumPy).

A CNN does not get its kernels from a book: it starts from random weights, and training
moves them until the layer's feature maps give small errors. This module does that for the
smallest case, one 2-D kernel without bias, fitted to examples ``(image, target map)`` by
gradient descent on the mean squared error. The feature maps come from
:func:`course_utils.core.reference_ops.conv2d`, the cross-correlation that Keras's ``Conv2D``
computes, so the kernel learned here is the kernel Keras would use (not a flipped one).

The gradient, derived. With ``images`` of shape ``(n, height, width)``, a kernel ``K`` of shape
``(kh, kw)`` and targets of the feature maps' shape, each prediction is

    prediction[s, i, j] = sum over a, b of K[a, b] * images[s, i + a, j + b]

and the error is the mean of the ``M`` squared differences (``M`` = images x positions):

    E = (1 / M) * sum over s, i, j of (prediction[s, i, j] - target[s, i, j]) ** 2.

Weight ``K[a, b]`` meets pixel ``images[s, i + a, j + b]`` at position ``(i, j)``, so

    dE / dK[a, b] = (2 / M) * sum over s, i, j of error[s, i, j] * images[s, i + a, j + b]

with ``error = prediction - target``: the gradient is the **cross-correlation of each image
with its error map**, summed over the images and scaled by ``2 / M``. One gradient-descent
step moves the kernel against it: ``K - learning_rate * dE/dK``.

This module imports NumPy only.

Examples
--------
>>> import numpy as np
>>> images = np.array([[[0.0, 1.0, 2.0], [1.0, 3.0, 1.0], [2.0, 0.0, 1.0]]])
>>> edge = np.array([[-1.0, 1.0]])
>>> targets = feature_maps(images, edge)
>>> fit = fit_kernel(images, targets, np.zeros((1, 2)), learning_rate=0.2, steps=60)
>>> np.round(fit.kernel, 3).tolist()
[[-1.0, 1.0]]
>>> bool(fit.errors[-1] < 1e-6 < fit.errors[0])
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_utils.core import reference_ops as ops
from course_utils.core._constraints import Count, Real, Satisfies, validate_arguments
from course_utils.core._validation import check_numbers, describe

__all__ = [
    "KernelFit",
    "MAX_FIT_MACS",
    "MAX_STEPS",
    "feature_maps",
    "fit_kernel",
    "gradient_step",
    "squared_error",
    "squared_error_gradient",
]

MAX_STEPS = 5_000
"""The most gradient-descent steps :func:`fit_kernel` takes in one call: about a second of steps
on the smallest images (each step costs about 0.2 ms however small the images are)."""
MAX_FIT_MACS = 10**8
"""The most multiply-adds of feature maps one :func:`fit_kernel` call computes, ``steps`` times
``n * map_height * map_width * kernel_h * kernel_w`` (about a second): on lesson 01's 16 digits and
a 3x3 kernel, 1,000 steps."""


def _real_array(name, value, shapes):
    """A non-empty array of finite real numbers (no None, text, True/False or complex numbers)."""
    array = check_numbers(name, value, min_size=1)
    if array.ndim not in shapes or 0 in array.shape:
        allowed = " or ".join(shapes.values())
        raise ValueError(
            f"{name} must be a non-empty array of real numbers of shape {allowed}, got {describe(value)}."
        )
    return array


IMAGES_AND_KERNEL = {
    "images": Satisfies(
        lambda images: _real_array("images", images, {2: "(height, width)", 3: "(n, height, width)"}),
        "a non-empty array of real numbers of shape (height, width) or (n, height, width)",
        valid=lambda: np.ones((2, 5, 5)),
        invalid=[np.ones(5), np.ones((1, 2, 2, 1)), np.ones((2, 0)), [[1.0, None]], [[np.nan]]],
    ),
    "kernel": Satisfies(
        lambda kernel: _real_array("kernel", kernel, {2: "(kernel_h, kernel_w)"}),
        "a non-empty array of real numbers of shape (kernel_h, kernel_w)",
        valid=lambda: np.zeros((3, 3)),
        invalid=[np.ones(3), np.ones((3, 3, 1)), np.ones((0, 2)), [[np.inf]]],
    ),
}
"""The images and the kernel, each alone: that the kernel fits in the images is checked in the body."""
LEARNING_RATE = Real(0, min_inclusive=False)
"""How far a gradient-descent step moves against the gradient (> 0)."""


def _targets(targets, images, kernel, single):
    shape = (images.shape[1] - kernel.shape[0] + 1, images.shape[2] - kernel.shape[1] + 1)
    wanted = shape if single else (images.shape[0], *shape)
    targets = _real_array("targets", targets, {len(wanted): str(wanted)})
    if targets.shape != wanted:
        given = images.shape[1:] if single else images.shape
        raise ValueError(
            f"targets must have the shape {wanted} of the feature maps that images of shape {given} "
            f"and a kernel of shape {kernel.shape} give ('valid' padding, one map per image), "
            f"got shape {targets.shape}."
        )
    return targets.reshape(images.shape[0], *shape)


def _checked_inputs(images, kernel):
    """``(images, kernel, single)``: the images as ``(n, height, width)``, and whether one was given,
    once the kernel is known to fit in them."""
    single = images.ndim == 2
    images = images[None] if single else images
    if kernel.shape[0] > images.shape[1] or kernel.shape[1] > images.shape[2]:
        raise ValueError(
            f"kernel of shape {kernel.shape} does not fit in images of height {images.shape[1]} "
            f"and width {images.shape[2]}: it must be at most as large as each image."
        )
    return images, kernel, single


def _checked(images, kernel, targets):
    """``(images, kernel, targets)``; ``targets`` is required: None is not a target."""
    images, kernel, single = _checked_inputs(images, kernel)
    if targets is None:
        shape = (images.shape[1] - kernel.shape[0] + 1, images.shape[2] - kernel.shape[1] + 1)
        wanted = shape if single else (images.shape[0], *shape)
        raise ValueError(
            f"targets must be the wanted feature maps, an array of shape {wanted}, got None: "
            "give the maps the kernel should produce."
        )
    return images, kernel, _targets(targets, images, kernel, single)


def _maps(images, kernel):
    return ops.conv2d(images[..., None], kernel[:, :, None, None])[..., 0]


def _gradient(images, kernel, targets):
    error = _maps(images, kernel) - targets
    # The images become the channels of one input and the error maps the channels of one
    # kernel: conv2d sums over channels, so this is the sum over images of correlate2d(image, error).
    summed = ops.conv2d(images.transpose(1, 2, 0)[None], error.transpose(1, 2, 0)[..., None])[0, :, :, 0]
    return 2.0 / error.size * summed


@validate_arguments(**IMAGES_AND_KERNEL)
def feature_maps(images, kernel):
    """The feature map of each image under ``kernel``, as ``Conv2D`` computes it ('valid', no bias).

    Parameters
    ----------
    images : array_like of shape (n, height, width) or (height, width)
    kernel : array_like of shape (kernel_h, kernel_w)

    Returns
    -------
    numpy.ndarray of shape (n, height - kernel_h + 1, width - kernel_w + 1), or without the first
    axis for one image.

    Examples
    --------
    >>> feature_maps([[1, 2, 3], [4, 5, 6]], [[1, -1]]).tolist()
    [[-1.0, -1.0], [-1.0, -1.0]]
    """
    images, kernel, single = _checked_inputs(images, kernel)
    maps = _maps(images, kernel)
    return maps[0] if single else maps


@validate_arguments(**IMAGES_AND_KERNEL)
def squared_error(images, kernel, targets):
    """The mean squared error between the feature maps under ``kernel`` and ``targets``.

    The mean is over every value of every map (all images and positions), as Keras's
    ``"mse"`` loss averages them.

    Parameters
    ----------
    images : array_like of shape (n, height, width) or (height, width)
    kernel : array_like of shape (kernel_h, kernel_w)
    targets : array_like
        The wanted feature maps, of the shape :func:`feature_maps` returns.

    Returns
    -------
    float

    Examples
    --------
    >>> squared_error([[1, 2, 3], [4, 5, 6]], [[1, -1]], [[0, 0], [0, 0]])
    1.0
    """
    images, kernel, targets = _checked(images, kernel, targets)
    return float(np.mean((_maps(images, kernel) - targets) ** 2))


@validate_arguments(**IMAGES_AND_KERNEL)
def squared_error_gradient(images, kernel, targets):
    """The gradient of :func:`squared_error` with respect to each weight of ``kernel``.

    ``(2 / M) * sum over images of correlate2d(image, error map)``, where ``M`` is the number
    of values in all the maps and ``error = prediction - target`` (see the module's docstring
    for the derivation).

    Returns
    -------
    numpy.ndarray of the kernel's shape

    Examples
    --------
    One image ``[1, 2, 0]`` and the kernel ``[1, 1]`` give the map ``[3, 2]``: 1 and 2 above
    the targets ``[2, 0]`` (M = 2). Weight 0 meets the pixels 1 and 2, weight 1 the pixels 2
    and 0, so the gradient is ``(2 / 2) * [1*1 + 2*2, 1*2 + 2*0]``:

    >>> squared_error_gradient([[1.0, 2.0, 0.0]], [[1.0, 1.0]], [[2.0, 0.0]]).tolist()
    [[5.0, 2.0]]
    """
    images, kernel, targets = _checked(images, kernel, targets)
    return _gradient(images, kernel, targets)


@validate_arguments(**IMAGES_AND_KERNEL, learning_rate=LEARNING_RATE)
def gradient_step(images, kernel, targets, learning_rate):
    """One step of gradient descent: ``kernel - learning_rate * squared_error_gradient(...)``.

    Parameters
    ----------
    images, kernel, targets
        As in :func:`squared_error`.
    learning_rate : float
        How far to move against the gradient (> 0).

    Returns
    -------
    numpy.ndarray of the kernel's shape

    Examples
    --------
    >>> gradient_step([[1.0, 2.0, 0.0]], [[1.0, 1.0]], [[2.0, 0.0]], learning_rate=0.1).tolist()
    [[0.5, 0.8]]
    """
    images, kernel, targets = _checked(images, kernel, targets)
    return kernel - learning_rate * _gradient(images, kernel, targets)


@dataclass(frozen=True)
class KernelFit:
    """What :func:`fit_kernel` did: the kernel and the error before the first step and after each.

    Attributes
    ----------
    kernels : numpy.ndarray of shape (steps + 1, kernel_h, kernel_w)
        ``kernels[0]`` is the starting kernel, ``kernels[t]`` the kernel after ``t`` steps.
    errors : numpy.ndarray of shape (steps + 1,)
        The mean squared error of each of those kernels (``inf`` or ``nan`` once a learning
        rate that is too large has made the weights overflow).
    learning_rate : float
    """

    kernels: np.ndarray
    errors: np.ndarray
    learning_rate: float

    @property
    def kernel(self) -> np.ndarray:
        """The kernel after the last step."""
        return self.kernels[-1]

    @property
    def steps(self) -> int:
        """How many steps were taken."""
        return len(self.errors) - 1


@validate_arguments(**IMAGES_AND_KERNEL, learning_rate=LEARNING_RATE, steps=Count(0, MAX_STEPS))
def fit_kernel(images, targets, kernel, learning_rate, steps):
    """Fit a kernel to ``(image, target map)`` examples by gradient descent on the squared error.

    Parameters
    ----------
    images : array_like of shape (n, height, width) or (height, width)
    targets : array_like
        The wanted feature maps, of the shape :func:`feature_maps` returns.
    kernel : array_like of shape (kernel_h, kernel_w)
        The starting kernel (random, in a network).
    learning_rate : float
        The step size (> 0). Too large a rate makes the error grow at every step.
    steps : int
        How many steps, from 0 to :data:`MAX_STEPS`, and at most :data:`MAX_FIT_MACS` multiply-adds
        of feature maps in all (``steps * n * map_height * map_width * kernel_h * kernel_w``), so
        that one call takes about a second at most.

    Returns
    -------
    KernelFit

    Examples
    --------
    >>> fit = fit_kernel([[1.0, 2.0, 0.0]], [[2.0, 0.0]], [[1.0, 1.0]], learning_rate=0.1, steps=1)
    >>> fit.kernels.tolist(), fit.errors.tolist()
    ([[[1.0, 1.0]], [[0.5, 0.8]]], [2.5, 0.505])
    """
    images, kernel, targets = _checked(images, kernel, targets)
    per_step = targets.size * kernel.size
    if steps * per_step > MAX_FIT_MACS:
        raise ValueError(
            f"steps={steps:,} on {targets.shape[0]} image(s) with {targets[0].size:,}-value maps and a "
            f"{kernel.shape[0]}x{kernel.shape[1]} kernel is {steps * per_step:,} multiply-adds, more than "
            f"the {MAX_FIT_MACS:,} one call computes in about a second: take at most "
            f"{MAX_FIT_MACS // per_step:,} steps, or fewer images."
        )
    kernels = np.empty((steps + 1, *kernel.shape))
    errors = np.empty(steps + 1)
    kernels[0] = kernel
    with np.errstate(over="ignore", invalid="ignore"):  # a rate that is too large overflows: inf, then nan
        for step in range(steps + 1):
            errors[step] = np.mean((_maps(images, kernels[step]) - targets) ** 2)
            if step < steps:
                kernels[step + 1] = kernels[step] - learning_rate * _gradient(images, kernels[step], targets)
    return KernelFit(kernels, errors, learning_rate)
