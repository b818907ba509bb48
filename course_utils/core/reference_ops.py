"""NumPy convolution and pooling, written to be read, and checked against Keras.

Everything here uses the Keras layout:

- ``x`` is a batch of images of shape ``(batch, height, width, channels)``;
- ``kernel`` has shape ``(kernel_h, kernel_w, in_channels, filters)``, exactly like
  ``keras.layers.Conv2D(...).kernel``;
- ``bias`` has shape ``(filters,)``.

A Keras ``Conv2D`` layer computes a **cross-correlation**: the kernel slides over the
input as it is, without being flipped. For each output cell it multiplies the window by
the kernel element by element, sums over the window's height, width **and all input
channels**, then adds one bias per filter. The "true" convolution of signal processing
flips the kernel first (:func:`convolve2d`); for a learned kernel the difference does not
matter, but it changes the numbers you compute by hand.

There are two versions of the same operation:

- :func:`conv2d_loop` spells every loop out and is the one to read;
- :func:`conv2d` cuts all windows at once and multiplies them with one ``einsum``.

Output sizes and the zeros added by ``padding="same"`` come from
:mod:`course_utils.core.arithmetic`, so the formulas of the lessons and these operations can
never disagree. This module imports NumPy only, never TensorFlow.

Examples
--------
>>> import numpy as np
>>> image = np.array([[0, 0, 0], [0, 0, 2], [0, 1, 2]])
>>> kernel = np.array([[1, -1, 0], [1, 1, 0], [0, 1, -1]])
>>> correlate2d_single(image, kernel)
-1.0
>>> correlate2d(np.arange(16).reshape(4, 4), np.ones((3, 3))).tolist()
[[45.0, 54.0], [81.0, 90.0]]
"""

from __future__ import annotations

import numpy as np

from course_utils.core._constraints import Flag, OrNone, Padding, Pair, Satisfies, validate_arguments
from course_utils.core._validation import check_numbers
from course_utils.core.arithmetic import conv2d_output_shape, padding_amounts, pool2d_output_shape

__all__ = [
    "average_pool2d",
    "conv2d",
    "conv2d_loop",
    "convolve2d",
    "correlate2d",
    "correlate2d_single",
    "flip_kernel",
    "global_average_pool2d",
    "max_pool2d",
]


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------
def _real_array(name, value):
    """Return ``value`` as a float64 array of real numbers (True/False as 1/0), or raise ValueError.

    The course's one reader of numbers: None, text and complex numbers are refused (NumPy would
    turn a None into NaN); NaN and infinity pass through, as they do in Keras.
    """
    return check_numbers(name, value, min_size=0, allow_nan=True, allow_inf=True, allow_bool=True)


def _as_float_array(name, value, ndim, meaning):
    """Return ``value`` as a float64 array with ``ndim`` dimensions, or raise ValueError."""
    array = _real_array(name, value)
    if array.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} dimensions {meaning}, "
            f"got shape {array.shape} ({array.ndim} dimensions)."
        )
    if 0 in array.shape:
        raise ValueError(f"{name} must not have an empty dimension, got shape {array.shape}.")
    return array


def _array(name, ndim, meaning, shape):
    """The constraint of an array argument with ``ndim`` non-empty dimensions (a valid one: ones of ``shape``)."""
    return Satisfies(
        lambda value: _as_float_array(name, value, ndim, meaning),
        f"a non-empty array of real numbers of shape {meaning}",
        valid=lambda: np.ones(shape),
        invalid=[np.ones((1,) * (ndim + 1)), np.ones((0,) * ndim), [["a"]]],
    )


IMAGES = _array("x", 4, "(batch, height, width, channels)", (1, 5, 5, 2))
"""A batch of images: the convolutions and poolings share it."""
CONV = dict(
    x=IMAGES,
    kernel=_array("kernel", 4, "(kernel_h, kernel_w, in_channels, filters)", (3, 3, 2, 4)),
    bias=OrNone(_array("bias", 1, "(filters,)", (4,))),
    strides=Pair(),
    dilation_rate=Pair(),
    padding=Padding(),
)
"""The arguments of :func:`conv2d` and :func:`conv2d_loop`."""
WINDOW_2D = dict(strides=Pair(), padding=Padding(), dilation_rate=Pair())
"""How a 2-D kernel slides (:func:`correlate2d`, :func:`convolve2d`)."""
IMAGE_2D = _array("image", 2, "(height, width)", (5, 5))
KERNEL_2D = _array("kernel", 2, "(kernel_h, kernel_w)", (3, 3))


def _check_kernel_and_bias(x, kernel, bias):
    """Rules that tie the kernel to the images and the bias to the kernel."""
    if kernel.shape[2] != x.shape[3]:
        raise ValueError(
            f"kernel has {kernel.shape[2]} input channels (kernel.shape[2]) but x has "
            f"{x.shape[3]} channels (x.shape[3]): a kernel must be as deep as its input, "
            f"because every filter sums over all input channels."
        )
    if bias is not None and bias.shape[0] != kernel.shape[3]:
        raise ValueError(
            f"bias must hold one value per filter: kernel has {kernel.shape[3]} filters "
            f"(kernel.shape[3]) but bias has shape {bias.shape}."
        )


MAX_PADDED_VALUES = 10**7
"""The most values a padded input may hold (80 MB as float64): more would take seconds, or run out of memory."""
MAX_MACS = 5 * 10**8
"""The most multiply-adds one :func:`conv2d` (or window reads one pooling) does: about a second of NumPy."""
MAX_LOOP_CELLS = 100_000
"""The most output values :func:`conv2d_loop` computes one at a time: about a second of Python loops."""


def _check_work(x, window, out_size, per_value, what, arguments, limit=MAX_MACS):
    """Refuse, before computing, a call that would take more than about a second, naming what caused it."""
    work = x.shape[0] * out_size[0] * out_size[1] * per_value
    if work > limit:
        raise ValueError(
            f"{arguments} ask for {work:,} {what} (x of shape {x.shape}, a {window[0]}x{window[1]} window, "
            f"a {out_size[0]}x{out_size[1]} output), more than the {limit:,} one call computes in about a "
            "second: use fewer or smaller images, or Keras."
        )


def _check_padded_size(shape, pads_h, pads_w, padding, window_argument, input_name="x"):
    """Refuse an input, or padding, that would make the padded input too large to hold, naming what caused it."""
    batch, height, width, channels = shape
    values = batch * (height + sum(pads_h)) * (width + sum(pads_w)) * channels
    if batch * height * width * channels > MAX_PADDED_VALUES:
        raise ValueError(
            f"{input_name} of shape {shape} holds {batch * height * width * channels:,} values, more than the "
            f"{MAX_PADDED_VALUES:,} these NumPy operations take: use fewer or smaller images, or Keras."
        )
    if values > MAX_PADDED_VALUES:
        cause = (
            f"padding={padding}"
            if not isinstance(padding, str)
            else f"padding='same' with this {window_argument}"
        )
        raise ValueError(
            f"{cause} adds {max(pads_h + pads_w):,} zeros on a side: the padded input would hold "
            f"{values:,} values, more than the {MAX_PADDED_VALUES:,} these NumPy operations allow."
        )


def _pad(x, pads_h, pads_w, value=0.0):
    return np.pad(x, ((0, 0), pads_h, pads_w, (0, 0)), constant_values=value)


# ---------------------------------------------------------------------------
# The single window and the 2-D (one channel, one filter) case
# ---------------------------------------------------------------------------
def _as_float_array_any(name, value):
    array = _real_array(name, value)
    if array.ndim not in (2, 3) or 0 in array.shape:
        raise ValueError(
            f"{name} must be a non-empty 2-D (kh, kw) or 3-D (kh, kw, channels) array, "
            f"got shape {array.shape}."
        )
    return array


def _window_array(name):
    return Satisfies(
        lambda value: _as_float_array_any(name, value),
        "a non-empty 2-D (kh, kw) or 3-D (kh, kw, channels) array of real numbers",
        valid=lambda: np.ones((2, 2)),
        invalid=[np.ones(2), np.ones((2, 2, 2, 2)), np.ones((0, 2)), [["a"]]],
    )


def _flippable(kernel):
    kernel = _real_array("kernel", kernel)
    if kernel.ndim < 2:
        raise ValueError(f"kernel must have at least 2 dimensions, got shape {kernel.shape}.")
    return kernel


@validate_arguments(window=_window_array("window"), kernel=_window_array("kernel"))
def correlate2d_single(window, kernel):
    """Value of one output cell: multiply the window by the kernel and sum everything.

    This is the step that a convolution layer repeats at every position. The window and
    the kernel must have the same shape: ``(kh, kw)`` for one channel, or
    ``(kh, kw, channels)`` for a multi-channel input, in which case the products of all
    channels are summed into **one** number.

    Parameters
    ----------
    window : array_like of shape (kh, kw) or (kh, kw, channels)
        The part of the input under the kernel.
    kernel : array_like, same shape as ``window``
        The weights of one filter (no flipping).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the shapes differ or the arrays are not numeric.

    Examples
    --------
    >>> correlate2d_single([[1, 2], [3, 4]], [[1, 0], [0, -1]])
    -3.0
    >>> import numpy as np
    >>> correlate2d_single(np.ones((2, 2, 3)), np.ones((2, 2, 3)))  # 3 channels summed
    12.0
    """
    if window.shape != kernel.shape:
        raise ValueError(
            f"window and kernel must have the same shape, got {window.shape} and {kernel.shape}."
        )
    return float(np.sum(window * kernel))


@validate_arguments(
    kernel=Satisfies(
        _flippable,
        "an array of real numbers with at least 2 dimensions",
        valid=lambda: np.ones((2, 2)),
        invalid=[[1.0]],
    )
)
def flip_kernel(kernel):
    """Return the kernel turned by 180 degrees (flipped along height and width).

    Channel and filter axes, if any, are left alone. A true convolution is a
    cross-correlation with the flipped kernel.

    Examples
    --------
    >>> flip_kernel([[1, 2, 3], [4, 5, 6]]).tolist()
    [[6.0, 5.0, 4.0], [3.0, 2.0, 1.0]]
    """
    return kernel[::-1, ::-1].copy()


@validate_arguments(image=IMAGE_2D, kernel=KERNEL_2D, **WINDOW_2D)
def correlate2d(image, kernel, strides=1, padding="valid", dilation_rate=1):
    """Slide a 2-D kernel over a 2-D image without flipping it (what Keras does).

    The one-channel, one-filter case of :func:`conv2d`, for pictures and work by hand.

    Parameters
    ----------
    image : array_like of shape (height, width)
    kernel : array_like of shape (kernel_h, kernel_w)
    strides, padding, dilation_rate
        As in :func:`conv2d`.

    Returns
    -------
    numpy.ndarray of shape (out_height, out_width)

    Examples
    --------
    >>> correlate2d([[1, 2, 3], [4, 5, 6]], [[1, -1]]).tolist()
    [[-1.0, -1.0], [-1.0, -1.0]]
    """
    out = _conv2d(
        image[None, :, :, None], kernel[:, :, None, None], None, strides, padding, dilation_rate, "image"
    )
    return out[0, :, :, 0]


@validate_arguments(kernel=KERNEL_2D, image=IMAGE_2D, **WINDOW_2D)
def convolve2d(image, kernel, strides=1, padding="valid", dilation_rate=1):
    """The "true" convolution of signal processing: flip the kernel, then correlate.

    Keras ``Conv2D`` does **not** flip (see :func:`correlate2d`). The two agree only when
    the kernel is symmetric under a 180-degree turn.

    Examples
    --------
    >>> convolve2d([[1, 2, 3], [4, 5, 6]], [[1, -1]]).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    return correlate2d(image, flip_kernel(kernel), strides, padding, dilation_rate)


# ---------------------------------------------------------------------------
# Convolution: the readable loops and the vectorized version
# ---------------------------------------------------------------------------
def _too_small(name, x, error):
    """The output-size error of an input, said in terms of the argument the learner passed."""
    return ValueError(f"{name} (height {x.shape[1]}, width {x.shape[2]}) is too small: {error}")


def _prepare_conv(x, kernel, bias, strides, padding, dilation_rate, input_name="x", loop=False):
    """``x``, ``kernel``, ``bias``, ``strides``, ``dilation_rate`` and ``padding`` as :data:`CONV` reads them."""
    _check_kernel_and_bias(x, kernel, bias)
    (sh, sw), (dh, dw) = strides, dilation_rate
    kh, kw = kernel.shape[:2]
    height, width = x.shape[1:3]
    pads_h = padding_amounts(height, kh, sh, padding, dh)
    pads_w = padding_amounts(width, kw, sw, padding, dw)
    _check_padded_size(x.shape, pads_h, pads_w, padding, "dilation_rate", input_name)
    try:
        out_h, out_w = conv2d_output_shape((height, width), (kh, kw), (sh, sw), padding, (dh, dw))
    except ValueError as error:
        raise _too_small(input_name, x, error) from None
    filters = kernel.shape[3]
    if loop:
        _check_work(
            x, (kh, kw), (out_h, out_w), filters, "output values", f"{input_name} and kernel", MAX_LOOP_CELLS
        )
    _check_work(
        x,
        (kh, kw),
        (out_h, out_w),
        kh * kw * x.shape[3] * filters,
        "multiply-adds",
        f"{input_name} and kernel",
    )
    x_padded = _pad(x, pads_h, pads_w)
    return x_padded, kernel, bias, (sh, sw), (dh, dw), (out_h, out_w)


@validate_arguments(**CONV)
def conv2d_loop(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1):
    """2-D convolution layer (cross-correlation) with explicit loops: the version to read.

    For every image, every output position and every filter: cut the window of the
    padded input that the (possibly dilated) kernel covers, multiply it by the filter's
    weights element by element, sum over height, width **and channels**, add the bias.

    Parameters
    ----------
    x : array_like of shape (batch, height, width, channels)
        The input images.
    kernel : array_like of shape (kernel_h, kernel_w, channels, filters)
        The weights, laid out like ``keras.layers.Conv2D(...).kernel``.
    bias : array_like of shape (filters,), optional
        One learned value per filter. ``None`` means no bias (``use_bias=False``).
    strides : int or (int, int), default=1
        How far the window moves between two output cells.
    padding : {'valid', 'same'} or int, default='valid'
        ``'valid'`` adds no zeros; ``'same'`` adds the zeros TensorFlow adds (maybe one
        more after than before); an int ``P`` adds ``P`` zeros on every side.
    dilation_rate : int or (int, int), default=1
        Spacing between the kernel's taps.

    Returns
    -------
    numpy.ndarray of shape (batch, out_height, out_width, filters), float64

    Raises
    ------
    ValueError
        For inputs of the wrong rank, a kernel whose depth differs from the number of
        input channels, a bias of the wrong length, bad strides, padding or dilation,
        or a kernel larger than the (padded) input.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> kernel = np.ones((2, 2, 1, 1))
    >>> conv2d_loop(x, kernel, bias=[0.5])[0, :, :, 0].tolist()
    [[8.5, 12.5], [20.5, 24.5]]
    """
    x_padded, kernel, bias, (sh, sw), (dh, dw), (out_h, out_w) = _prepare_conv(
        x, kernel, bias, strides, padding, dilation_rate, loop=True
    )
    batch = x_padded.shape[0]
    kh, kw, _, filters = kernel.shape
    out = np.zeros((batch, out_h, out_w, filters))
    for b in range(batch):
        for i in range(out_h):
            for j in range(out_w):
                top, left = i * sh, j * sw
                # The window: every dh-th row and every dw-th column, kh x kw taps, all channels.
                window = x_padded[
                    b, top : top + (kh - 1) * dh + 1 : dh, left : left + (kw - 1) * dw + 1 : dw, :
                ]
                for f in range(filters):
                    value = float(np.sum(window * kernel[:, :, :, f]))  # correlate2d_single, unchecked
                    if bias is not None:
                        value += bias[f]
                    out[b, i, j, f] = value
    return out


def _windows(x_padded, window_h, window_w, strides, dilation, out_size):
    """All windows at once: shape (batch, out_h, out_w, channels, window_h, window_w)."""
    (sh, sw), (dh, dw), (out_h, out_w) = strides, dilation, out_size
    extent_h, extent_w = (window_h - 1) * dh + 1, (window_w - 1) * dw + 1
    views = np.lib.stride_tricks.sliding_window_view(x_padded, (extent_h, extent_w), axis=(1, 2))
    return views[:, ::sh, ::sw][:, :out_h, :out_w, :, ::dh, ::dw]


@validate_arguments(**CONV)
def conv2d(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1):
    """2-D convolution layer (cross-correlation), vectorized; same result as :func:`conv2d_loop`.

    Cuts every window at once with ``numpy.lib.stride_tricks.sliding_window_view`` (no
    copy), then one ``einsum`` multiplies each window by each filter and sums over
    height, width and channels. Same arguments, result and errors as
    :func:`conv2d_loop`, which is the version to read.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> kernel = np.ones((3, 3, 1, 2))
    >>> conv2d(x, kernel, bias=[0.0, 100.0], padding="same").shape
    (1, 4, 4, 2)
    >>> conv2d(x, kernel, strides=2, padding="valid")[0, :, :, 0].tolist()
    [[45.0]]
    """
    return _conv2d(x, kernel, bias, strides, padding, dilation_rate)


def _conv2d(x, kernel, bias, strides, padding, dilation_rate, input_name="x"):
    x_padded, kernel, bias, strides, dilation, out_size = _prepare_conv(
        x, kernel, bias, strides, padding, dilation_rate, input_name
    )
    kh, kw = kernel.shape[:2]
    windows = _windows(x_padded, kh, kw, strides, dilation, out_size)
    out = np.einsum("bhwcij,ijcf->bhwf", windows, kernel)
    if bias is not None:
        out = out + bias
    return out


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------
POOL = dict(x=IMAGES, pool_size=Pair(), strides=OrNone(Pair()), padding=Padding())
"""The arguments of :func:`max_pool2d` and :func:`average_pool2d`."""


def _prepare_pool(x, pool_size, strides, padding):
    """The pooling's arguments, as :data:`POOL` reads them, with its padding and output size."""
    ph, pw = pool_size
    sh, sw = pool_size if strides is None else strides
    height, width = x.shape[1:3]
    pads_h = padding_amounts(height, ph, sh, padding)
    pads_w = padding_amounts(width, pw, sw, padding)
    _check_padded_size(x.shape, pads_h, pads_w, padding, "pool_size")
    try:
        if isinstance(padding, int):
            # P zeros on every side, as keras.layers.ZeroPadding2D(P) before a 'valid' pool.
            padded = (height + 2 * padding, width + 2 * padding)
            out_h, out_w = pool2d_output_shape(padded, (ph, pw), (sh, sw), "valid")
        else:
            out_h, out_w = pool2d_output_shape((height, width), (ph, pw), (sh, sw), padding)
    except ValueError as error:
        raise _too_small("x", x, error) from None
    _check_work(x, (ph, pw), (out_h, out_w), ph * pw * x.shape[3], "window reads", "x and pool_size")
    return x, (ph, pw), (sh, sw), padding, pads_h, pads_w, (out_h, out_w)


@validate_arguments(**POOL)
def max_pool2d(x, pool_size=2, strides=None, padding="valid"):
    """Max pooling, as ``keras.layers.MaxPooling2D``: the largest value of each window, per channel.

    Parameters
    ----------
    x : array_like of shape (batch, height, width, channels)
    pool_size : int or (int, int), default=2
    strides : int or (int, int), optional
        Defaults to ``pool_size`` (windows side by side, no overlap), as in Keras.
    padding : {'valid', 'same'} or int, default='valid'
        With ``'same'`` the added cells never win (as in Keras); an int ``P`` adds ``P``
        real zeros on every side (like ``keras.layers.ZeroPadding2D(P)`` first).

    Returns
    -------
    numpy.ndarray of shape (batch, out_height, out_width, channels)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> max_pool2d(x)[0, :, :, 0].tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    """
    x, pool, strides, padding, pads_h, pads_w, out_size = _prepare_pool(x, pool_size, strides, padding)
    fill = -np.inf if padding == "same" else 0.0
    windows = _windows(_pad(x, pads_h, pads_w, fill), *pool, strides, (1, 1), out_size)
    return windows.max(axis=(-2, -1))


@validate_arguments(**POOL)
def average_pool2d(x, pool_size=2, strides=None, padding="valid"):
    """Average pooling, as ``keras.layers.AveragePooling2D``: the mean of each window, per channel.

    With ``padding='same'`` the added cells are left out of the mean, as in Keras: a
    window that overlaps the border is averaged over its real cells only. With an int
    ``P`` the zeros are real input (like ``keras.layers.ZeroPadding2D(P)`` first) and
    count.

    Parameters are as in :func:`max_pool2d`.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> average_pool2d(x)[0, :, :, 0].tolist()
    [[2.0]]
    >>> average_pool2d(x, padding="same")[0, :, :, 0].tolist()  # border windows: real cells only
    [[2.0, 3.5], [6.5, 8.0]]
    """
    x, pool, strides, padding, pads_h, pads_w, out_size = _prepare_pool(x, pool_size, strides, padding)
    sums = _windows(_pad(x, pads_h, pads_w), *pool, strides, (1, 1), out_size).sum(axis=(-2, -1))
    if padding != "same":
        return sums / (pool[0] * pool[1])
    real = _pad(np.ones_like(x[:1, :, :, :1]), pads_h, pads_w)
    counts = _windows(real, *pool, strides, (1, 1), out_size).sum(axis=(-2, -1))
    return sums / counts


@validate_arguments(x=IMAGES, keepdims=Flag())
def global_average_pool2d(x, keepdims=False):
    """Global average pooling, as ``keras.layers.GlobalAveragePooling2D``: one mean per channel.

    Parameters
    ----------
    x : array_like of shape (batch, height, width, channels)
    keepdims : bool, default=False
        Keep the height and width axes (of length 1), as Keras's ``keepdims=True``.

    Returns
    -------
    numpy.ndarray of shape (batch, channels), or (batch, 1, 1, channels) with ``keepdims``

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(8.0).reshape(1, 2, 2, 2)
    >>> global_average_pool2d(x).tolist()
    [[3.0, 4.0]]
    """
    return x.mean(axis=(1, 2), keepdims=keepdims)
