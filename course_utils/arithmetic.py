"""Output sizes, 'same' padding and receptive fields of convolution and pooling layers.

Everything here works on one spatial axis at a time (a length, not a shape) and is pure
Python: no TensorFlow import, so every formula answers instantly. The functions follow
Keras (TensorFlow backend) semantics and use Keras argument names, and the tests check
them against the output shapes of real Keras layers.

The central formula, for an input of length ``W``, a kernel of ``kernel_size`` taps with
``dilation_rate`` d, ``strides`` S and ``P`` zeros added on each side, is::

    F_eff = d * (kernel_size - 1) + 1            # the extent the kernel covers
    output_length = floor((W - F_eff + 2 * P) / S) + 1

``padding='valid'`` means P = 0. ``padding='same'`` makes the output length
``ceil(W / S)`` and lets TensorFlow choose the zeros, which can be one more after the
input than before it (see :func:`same_padding`).
"""

from __future__ import annotations

from dataclasses import dataclass

from course_utils._validation import check_int, check_padding, describe

__all__ = [
    "StackRow",
    "conv_output_length",
    "dilated_kernel_size",
    "format_trace",
    "max_pooling_stages",
    "padding_amounts",
    "pool_output_length",
    "pooling_schedule",
    "receptive_field_step",
    "same_padding",
    "trace_stack",
    "window_indices",
    "window_starts",
]


def dilated_kernel_size(kernel_size, dilation_rate=1) -> int:
    """Return the extent a dilated kernel covers: ``dilation_rate * (kernel_size - 1) + 1``.

    A dilated kernel keeps its ``kernel_size`` weights but spreads them out, leaving
    ``dilation_rate - 1`` skipped positions between neighbouring taps.

    Parameters
    ----------
    kernel_size : int
        Number of taps (weights) along the axis, >= 1.
    dilation_rate : int, default=1
        Spacing between taps, >= 1. A rate of 1 is an ordinary kernel.

    Returns
    -------
    int
        The number of input positions between the first and the last tap, inclusive.

    Examples
    --------
    >>> dilated_kernel_size(3, 1)
    3
    >>> dilated_kernel_size(3, 2)
    5
    >>> dilated_kernel_size(3, 0)
    Traceback (most recent call last):
    ...
    ValueError: dilation_rate must be an integer >= 1, got 0.
    """
    kernel_size = check_int("kernel_size", kernel_size)
    dilation_rate = check_int("dilation_rate", dilation_rate)
    return dilation_rate * (kernel_size - 1) + 1


def _same_output_length(input_length: int, strides: int) -> int:
    # ceil(W / S) without floats
    return -(-input_length // strides)


def same_padding(input_length, kernel_size, strides=1, dilation_rate=1) -> tuple[int, int]:
    """Return the zeros ``(before, after)`` that TensorFlow adds for ``padding='same'``.

    TensorFlow first fixes the output length at ``ceil(W / S)``, then adds just enough
    zeros for the last window to fit: ``total = max((out - 1) * S + F_eff - W, 0)``.
    It puts ``total // 2`` zeros before the input and the rest after it, so when the
    total is odd the extra zero goes **after** (at the bottom or on the right).

    Parameters
    ----------
    input_length : int
        Length W of the input along the axis, >= 1.
    kernel_size : int
        Number of kernel taps, >= 1.
    strides : int, default=1
        Step between windows, >= 1.
    dilation_rate : int, default=1
        Spacing between taps, >= 1.

    Returns
    -------
    tuple of int
        ``(before, after)``: zeros added before and after the input.

    Examples
    --------
    >>> same_padding(5, 3)
    (1, 1)
    >>> same_padding(6, 4)
    (1, 2)
    >>> same_padding(6, 3, strides=2)
    (0, 1)
    >>> same_padding(6, 1, strides=2)
    (0, 0)
    """
    input_length = check_int("input_length", input_length)
    strides = check_int("strides", strides)
    extent = dilated_kernel_size(kernel_size, dilation_rate)
    output_length = _same_output_length(input_length, strides)
    total = max((output_length - 1) * strides + extent - input_length, 0)
    return (total // 2, total - total // 2)


def padding_amounts(input_length, kernel_size, strides=1, padding="valid", dilation_rate=1):
    """Return the zeros ``(before, after)`` added for any Keras-style ``padding``.

    ``'valid'`` adds none, an int P adds P on each side, ``'same'`` adds what
    :func:`same_padding` says.

    Examples
    --------
    >>> padding_amounts(7, 3, padding="valid")
    (0, 0)
    >>> padding_amounts(7, 3, padding=2)
    (2, 2)
    >>> padding_amounts(6, 4, padding="same")
    (1, 2)
    """
    padding = check_padding(padding)
    if padding == "same":
        return same_padding(input_length, kernel_size, strides, dilation_rate)
    check_int("input_length", input_length)
    check_int("strides", strides)
    dilated_kernel_size(kernel_size, dilation_rate)
    if padding == "valid":
        return (0, 0)
    return (padding, padding)


def conv_output_length(input_length, kernel_size, strides=1, padding="valid", dilation_rate=1) -> int:
    """Return the output length of a convolution along one axis.

    Parameters
    ----------
    input_length : int
        Length W of the input along the axis, >= 1.
    kernel_size : int
        Number of kernel taps F, >= 1.
    strides : int, default=1
        Step S between windows, >= 1.
    padding : {'valid', 'same'} or int, default='valid'
        ``'valid'``: no zeros; ``'same'``: TensorFlow's padding, output ``ceil(W / S)``;
        an int P >= 0: P zeros on each side, as in ``floor((W - F + 2P) / S) + 1``.
    dilation_rate : int, default=1
        Spacing d between taps, >= 1; the kernel then covers ``d * (F - 1) + 1`` positions.

    Returns
    -------
    int
        ``floor((W - F_eff + 2P) / S) + 1`` (``ceil(W / S)`` for ``'same'``).

    Raises
    ------
    ValueError
        If an argument is not allowed, or if the kernel does not fit in the padded input
        (the output would be empty).

    Examples
    --------
    >>> conv_output_length(28, 3)
    26
    >>> conv_output_length(28, 3, padding="same")
    28
    >>> conv_output_length(7, 3, strides=2, padding=1)
    4
    >>> conv_output_length(8, 3, strides=2)
    3
    >>> conv_output_length(7, 3, dilation_rate=2)
    3
    >>> conv_output_length(4, 5)
    Traceback (most recent call last):
    ...
    ValueError: the kernel (kernel_size=5, dilation_rate=1) covers 5 positions but the padded input has only 4 (input_length=4, padding=0 on each side): the output would be empty.
    """
    input_length = check_int("input_length", input_length)
    strides = check_int("strides", strides)
    padding = check_padding(padding)
    extent = dilated_kernel_size(kernel_size, dilation_rate)
    kernel_size, dilation_rate = int(kernel_size), int(dilation_rate)
    if padding == "same":
        return _same_output_length(input_length, strides)
    pad = 0 if padding == "valid" else padding
    padded = input_length + 2 * pad
    if padded < extent:
        raise ValueError(
            f"the kernel (kernel_size={kernel_size}, dilation_rate={dilation_rate}) covers {extent} positions "
            f"but the padded input has only {padded} (input_length={input_length}, padding={pad} on each side): "
            "the output would be empty."
        )
    return (padded - extent) // strides + 1


def _check_pool_padding(padding):
    if isinstance(padding, str) and padding.lower() in ("valid", "same"):
        return padding.lower()
    raise ValueError(f"padding for pooling must be 'valid' or 'same', got {padding!r}.")


def pool_output_length(input_length, pool_size, strides=None, padding="valid") -> int:
    """Return the output length of a pooling layer along one axis (Keras semantics).

    Parameters
    ----------
    input_length : int
        Length W of the input along the axis, >= 1.
    pool_size : int
        Window size, >= 1.
    strides : int or None, default=None
        Step between windows. ``None`` means ``pool_size`` (non-overlapping windows), as in
        Keras: a 2x2 pool halves the size, it does not slide one pixel at a time.
    padding : {'valid', 'same'}, default='valid'
        ``'valid'`` drops the positions a full window cannot cover; ``'same'`` keeps them,
        giving ``ceil(W / strides)``.

    Returns
    -------
    int

    Examples
    --------
    >>> pool_output_length(28, 2)
    14
    >>> pool_output_length(7, 2)
    3
    >>> pool_output_length(7, 2, padding="same")
    4
    >>> pool_output_length(28, 2, strides=1)
    27
    >>> pool_output_length(5, 2, padding=1)
    Traceback (most recent call last):
    ...
    ValueError: padding for pooling must be 'valid' or 'same', got 1.
    """
    input_length = check_int("input_length", input_length)
    pool_size = check_int("pool_size", pool_size)
    strides = pool_size if strides is None else check_int("strides", strides)
    padding = _check_pool_padding(padding)
    if padding == "same":
        return _same_output_length(input_length, strides)
    if input_length < pool_size:
        raise ValueError(
            f"the pooling window (pool_size={pool_size}) is larger than the input (input_length={input_length}) "
            "with padding='valid': the output would be empty."
        )
    return (input_length - pool_size) // strides + 1


MAX_LISTED_WINDOWS = 100_000
"""The most windows :func:`window_starts` lists (the count itself has no limit)."""


def window_starts(input_length, kernel_size, strides=1, padding="valid", dilation_rate=1) -> list[int]:
    """Return the input index of the first tap of every window, in output order.

    Indices are in the coordinates of the unpadded input, so a window that begins in the
    zeros before the input starts at a negative index.

    Raises
    ------
    ValueError
        For a bad argument, or when there would be more than ``MAX_LISTED_WINDOWS``
        windows to list (:func:`conv_output_length` counts them).

    Examples
    --------
    >>> window_starts(5, 3)
    [0, 1, 2]
    >>> window_starts(5, 3, padding="same")
    [-1, 0, 1, 2, 3]
    >>> window_starts(6, 3, strides=2, padding="same")
    [0, 2, 4]
    """
    output_length = conv_output_length(input_length, kernel_size, strides, padding, dilation_rate)
    strides = check_int("strides", strides)
    if output_length > MAX_LISTED_WINDOWS:
        raise ValueError(
            f"input_length={input_length}, kernel_size={kernel_size}, strides={strides}, padding={padding!r} "
            f"and dilation_rate={dilation_rate} give {describe(output_length)} windows, more than the "
            f"{MAX_LISTED_WINDOWS:,} that window_starts lists: use conv_output_length to count them."
        )
    before, _ = padding_amounts(input_length, kernel_size, strides, padding, dilation_rate)
    return [i * strides - before for i in range(output_length)]


def window_indices(
    output_index, input_length, kernel_size, strides=1, padding="valid", dilation_rate=1
) -> list[int]:
    """Return the input indices that the taps of output cell ``output_index`` read.

    Indices below 0 or at least ``input_length`` fall in the zero padding.

    Examples
    --------
    >>> window_indices(0, 5, 3)
    [0, 1, 2]
    >>> window_indices(0, 7, 3, dilation_rate=2)
    [0, 2, 4]
    >>> window_indices(4, 5, 3, padding="same")
    [3, 4, 5]
    >>> window_indices(3, 5, 3)
    Traceback (most recent call last):
    ...
    ValueError: output_index must be between 0 and 2, got 3: the output has 3 cells (input_length=5, kernel_size=3, strides=1, padding='valid', dilation_rate=1).
    """
    output_length = conv_output_length(input_length, kernel_size, strides, padding, dilation_rate)
    before, _ = padding_amounts(input_length, kernel_size, strides, padding, dilation_rate)
    kernel_size, strides = check_int("kernel_size", kernel_size), check_int("strides", strides)
    dilation_rate = check_int("dilation_rate", dilation_rate)
    output_index = check_int("output_index", output_index, minimum=0)
    if output_index >= output_length:
        raise ValueError(
            f"output_index must be between 0 and {output_length - 1}, got {output_index}: the output has "
            f"{output_length} cells (input_length={input_length}, kernel_size={kernel_size}, strides={strides}, "
            f"padding={padding!r}, dilation_rate={dilation_rate})."
        )
    start = output_index * strides - before
    return [start + k * dilation_rate for k in range(kernel_size)]


def receptive_field_step(receptive_field, jump, kernel_size, strides=1, dilation_rate=1) -> tuple[int, int]:
    """Return ``(receptive_field, jump)`` after one more convolution or pooling layer.

    ``receptive_field`` is how many input pixels one cell sees along the axis, ``jump``
    is how many input pixels apart two neighbouring cells are. A layer with extent
    ``F_eff`` and stride ``S`` gives::

        receptive_field_out = receptive_field + (F_eff - 1) * jump
        jump_out = jump * S

    Padding does not change either number. A pooling layer is a layer with
    ``kernel_size=pool_size`` and its strides.

    Examples
    --------
    >>> receptive_field_step(1, 1, 3)
    (3, 1)
    >>> receptive_field_step(3, 1, 3)
    (5, 1)
    >>> receptive_field_step(5, 1, 2, strides=2)
    (6, 2)
    """
    receptive_field = check_int("receptive_field", receptive_field)
    jump = check_int("jump", jump)
    strides = check_int("strides", strides)
    extent = dilated_kernel_size(kernel_size, dilation_rate)
    return (receptive_field + (extent - 1) * jump, jump * strides)


@dataclass(frozen=True)
class StackRow:
    """One row of :func:`trace_stack`: a layer and what comes out of it along one axis."""

    layer: str
    output_length: int
    receptive_field: int
    jump: int


_CONV_KEYS = {"type", "kernel_size", "strides", "padding", "dilation_rate"}
_POOL_KEYS = {"type", "pool_size", "strides", "padding"}


def _describe(kind, size, strides, padding, dilation_rate=1):
    text = f"{kind} {size}"
    if strides != 1:
        text += f" s{strides}"
    text += f" {padding if isinstance(padding, str) else f'P={padding}'}"
    if dilation_rate != 1:
        text += f" d{dilation_rate}"
    return text


def trace_stack(input_length, layers) -> list[StackRow]:
    """Trace the length and the receptive field along one axis through a stack of layers.

    Parameters
    ----------
    input_length : int
        Length of the input along the axis.
    layers : list of dict
        Each dict is a conv layer ``{"type": "conv", "kernel_size": 3, "strides": 1,
        "padding": "same", "dilation_rate": 1}`` or a pooling layer
        ``{"type": "pool", "pool_size": 2, "strides": None, "padding": "valid"}``.
        Keys other than ``type`` and ``kernel_size`` / ``pool_size`` are optional and take
        the Keras defaults.

    Returns
    -------
    list of StackRow
        The first row is the input itself (receptive field 1, jump 1), then one row per layer.

    Raises
    ------
    ValueError
        For an unknown layer type or key, a bad argument, or a layer whose output would be empty.

    Examples
    --------
    >>> rows = trace_stack(28, [{"type": "conv", "kernel_size": 3},
    ...                         {"type": "conv", "kernel_size": 3},
    ...                         {"type": "pool", "pool_size": 2}])
    >>> [(r.output_length, r.receptive_field, r.jump) for r in rows]
    [(28, 1, 1), (26, 3, 1), (24, 5, 1), (12, 6, 2)]
    >>> rows[1].layer
    'conv 3 valid'
    """
    length = check_int("input_length", input_length)
    if not isinstance(layers, (list, tuple)):
        raise ValueError(  # noqa: TRY004 (the course raises ValueError for every bad argument)
            f"layers must be a list of dicts, got {type(layers).__name__}."
        )
    rows = [StackRow("input", length, 1, 1)]
    receptive_field, jump = 1, 1
    for number, layer in enumerate(layers):
        if not isinstance(layer, dict) or layer.get("type") not in ("conv", "pool"):
            raise ValueError(f"layers[{number}] must be a dict with type 'conv' or 'pool', got {layer!r}.")
        allowed = _CONV_KEYS if layer["type"] == "conv" else _POOL_KEYS
        unknown = sorted(set(layer) - allowed)
        if unknown:
            raise ValueError(
                f"layers[{number}] has unknown keys {unknown}; allowed keys are {sorted(allowed)}."
            )
        try:
            if layer["type"] == "conv":
                if "kernel_size" not in layer:
                    raise ValueError("a conv layer needs a kernel_size.")
                size = layer["kernel_size"]
                strides = layer.get("strides", 1)
                padding = check_padding(layer.get("padding", "valid"))
                dilation_rate = layer.get("dilation_rate", 1)
                length = conv_output_length(length, size, strides, padding, dilation_rate)
                description = _describe("conv", size, strides, padding, dilation_rate)
            else:
                if "pool_size" not in layer:
                    raise ValueError("a pool layer needs a pool_size.")
                size = layer["pool_size"]
                strides = layer.get("strides")
                strides = size if strides is None else strides
                padding = _check_pool_padding(layer.get("padding", "valid"))
                dilation_rate = 1
                length = pool_output_length(length, size, strides, padding)
                description = _describe("pool", size, strides, padding)
        except ValueError as error:
            raise ValueError(f"layers[{number}] ({layer!r}): {error}") from None
        receptive_field, jump = receptive_field_step(receptive_field, jump, size, strides, dilation_rate)
        rows.append(StackRow(description, length, receptive_field, jump))
    return rows


def format_trace(rows) -> str:
    """Return the rows of :func:`trace_stack` as a small text table.

    Examples
    --------
    >>> print(format_trace(trace_stack(8, [{"type": "pool", "pool_size": 2}])))
    layer            output  receptive field  jump
    input                 8                1     1
    pool 2 s2 valid       4                2     2
    """
    if not isinstance(rows, (list, tuple)) or not rows or not all(isinstance(row, StackRow) for row in rows):
        raise ValueError(f"rows must be the list of StackRow that trace_stack returns, got {describe(rows)}.")
    width = max(len("layer"), *(len(row.layer) for row in rows))
    lines = [f"{'layer':<{width}}  output  receptive field  jump"]
    for row in rows:
        lines.append(
            f"{row.layer:<{width}}  {row.output_length:>6}  {row.receptive_field:>15}  {row.jump:>4}"
        )
    return "\n".join(lines)


MAX_POOLING_STAGES = 10_000
"""The most stages :func:`pooling_schedule` lists."""


def pooling_schedule(input_length, pool_size=2, strides=None, padding="valid", min_length=1) -> list[int]:
    """Return the lengths after each pooling stage, starting with the input length.

    Pooling is repeated while the output is at least ``min_length`` and still shrinks
    (with ``'same'`` padding a length of 1 stays 1 forever, which is not a new stage).

    Examples
    --------
    >>> pooling_schedule(28)
    [28, 14, 7, 3, 1]
    >>> pooling_schedule(28, padding="same")
    [28, 14, 7, 4, 2, 1]
    >>> pooling_schedule(256, min_length=8)
    [256, 128, 64, 32, 16, 8]
    """
    length = check_int("input_length", input_length)
    min_length = check_int("min_length", min_length)
    padding = _check_pool_padding(padding)
    pool_size = check_int("pool_size", pool_size)
    strides = pool_size if strides is None else check_int("strides", strides)
    schedule = [length]
    while not (padding == "valid" and length < pool_size):
        new_length = pool_output_length(length, pool_size, strides, padding)
        if new_length < min_length or new_length >= length:
            break
        if len(schedule) > MAX_POOLING_STAGES:
            raise ValueError(
                f"pooling_schedule lists at most {MAX_POOLING_STAGES:,} stages, and pool_size={pool_size} "
                f"with strides={strides} removes only {length - new_length} positions per stage: "
                f"input_length={schedule[0]} needs more."
            )
        schedule.append(new_length)
        length = new_length
    return schedule


def max_pooling_stages(input_length, pool_size=2, strides=None, padding="valid", min_length=1) -> int:
    """Return how many pooling stages an input allows before it would drop below ``min_length``.

    Examples
    --------
    >>> max_pooling_stages(256, min_length=8)
    5
    >>> max_pooling_stages(28)
    4
    >>> max_pooling_stages(28, padding="same")
    5
    """
    return len(pooling_schedule(input_length, pool_size, strides, padding, min_length)) - 1
