"""Convolution explorer: which input window produces which output cell.

The logic is :func:`conv_explorer_state`, a pure function of the slider values that
returns everything the picture needs (padding, output size, the window of the current
step, a text explanation). :func:`conv_explorer` only wires ipywidgets sliders to it and
draws the state with :func:`course_utils.plots.windows.windows_svg`.

The picture follows the well-known convolution-arithmetic animations: the padded input
on the left (zeros shown hatched), the taps of the kernel on the current window in blue,
and the output on the right with the cell that window produces.
"""

from __future__ import annotations

from dataclasses import dataclass

from course_utils.core._constraints import Count, Padding, Satisfies, validate_arguments
from course_utils.core._validation import check_padding
from course_utils.core.arithmetic import (
    conv_output_length,
    dilated_kernel_size,
    padding_amounts,
    window_indices,
)
from course_utils.widgets._window_widget import dropdown, int_slider, window_widget

__all__ = ["ConvExplorerState", "conv_explorer", "conv_explorer_state", "PADDING_OPTIONS"]

PADDING_OPTIONS = ("valid", "same", 0, 1, 2)
SLIDER_RANGES = {"input_size": (1, 12), "kernel_size": (1, 7), "strides": (1, 4), "dilation_rate": (1, 4)}
"""The ``(low, high)`` range of each slider of :func:`conv_explorer`."""
MAX_INPUT_SIZE = 64
"""The largest input, kernel and padding :func:`conv_explorer_state` takes (cells per side)."""


@dataclass(frozen=True)
class ConvExplorerState:
    """Everything the convolution explorer shows for one setting of its sliders.

    Coordinates are ``(row, column)`` in the unpadded input: a window cell with a
    negative index, or an index of ``input_size`` or more, lies in the zero padding.
    ``output_size`` is 0 and ``window_cells`` is empty when the kernel does not fit.
    """

    input_size: int
    kernel_size: int
    strides: int
    padding: object
    dilation_rate: int
    pad_before: int
    pad_after: int
    output_size: int
    step: int
    n_steps: int
    output_cell: tuple[int, int] | None
    window_cells: tuple[tuple[int, int], ...]
    formula: str
    text: str

    @property
    def fits(self) -> bool:
        """True when the kernel fits in the padded input (the output is not empty)."""
        return self.output_size > 0


def _formula(input_size, kernel_size, strides, padding, dilation_rate, output_size):
    extent = dilated_kernel_size(kernel_size, dilation_rate)
    if padding == "same":
        return f"'same': output = ceil({input_size} / {strides}) = {output_size}"
    pad = 0 if padding == "valid" else padding
    extent_text = f"{extent}" if dilation_rate == 1 else f"({dilation_rate}*({kernel_size}-1)+1 = {extent})"
    result = f"{output_size}" if output_size else "empty: the kernel does not fit"
    return f"output = floor(({input_size} - {extent_text} + 2*{pad}) / {strides}) + 1 = {result}"


def _padding(padding):
    """'valid', 'same' or P zeros on each side, at most ``MAX_INPUT_SIZE``."""
    padding = check_padding(padding)
    if not isinstance(padding, str) and padding > MAX_INPUT_SIZE:
        raise ValueError(
            f"padding must be 'valid', 'same' or an integer from 0 to {MAX_INPUT_SIZE}, got {padding}."
        )
    return padding


PADDING = Satisfies(
    _padding,
    f"'valid', 'same' or an integer from 0 to {MAX_INPUT_SIZE}",
    valid="valid",
    invalid=["full", -1, MAX_INPUT_SIZE + 1, 1.0, True],
)
"""The padding of :func:`conv_explorer_state` (lower case)."""
SIZE = Count(1, MAX_INPUT_SIZE)
"""An input or kernel size the explorer draws."""


@validate_arguments(
    input_size=SIZE,
    kernel_size=SIZE,
    strides=Count(),
    dilation_rate=Count(),
    padding=PADDING,
    step=Count(0),
)
def conv_explorer_state(
    input_size=5, kernel_size=3, strides=1, padding="valid", dilation_rate=1, step=0
) -> ConvExplorerState:
    """Compute what the explorer shows: sizes, padding and the window of one step.

    Parameters
    ----------
    input_size : int
        Height and width of the (square) input.
    kernel_size, strides, dilation_rate : int
        As in ``keras.layers.Conv2D``.
    padding : {'valid', 'same'} or int
        ``'valid'``, ``'same'`` or P zeros on each side.
    step : int
        Which output cell to show, counted row by row from 0. Values past the last cell
        are clamped to it, so a slider can never point outside the output.

    Returns
    -------
    ConvExplorerState

    Examples
    --------
    >>> state = conv_explorer_state(5, 3, strides=2, padding=1, step=4)
    >>> state.output_size, state.output_cell
    (3, (1, 1))
    >>> state.window_cells[0], state.window_cells[-1]
    ((1, 1), (3, 3))
    >>> conv_explorer_state(3, 3, dilation_rate=2).text
    'The dilated kernel covers 5 positions but the padded input has only 3: no output.'
    """
    extent = dilated_kernel_size(kernel_size, dilation_rate)
    before, after = padding_amounts(input_size, kernel_size, strides, padding, dilation_rate)
    try:
        output_size = conv_output_length(input_size, kernel_size, strides, padding, dilation_rate)
    except ValueError:
        output_size = 0
    formula = _formula(input_size, kernel_size, strides, padding, dilation_rate, output_size)
    if output_size == 0:
        kernel_word = "dilated kernel" if dilation_rate > 1 else "kernel"
        text = (
            f"The {kernel_word} covers {extent} positions but the padded input has only "
            f"{input_size + before + after}: no output."
        )
        return ConvExplorerState(
            input_size, kernel_size, strides, padding, dilation_rate, before, after,
            0, 0, 0, None, (), formula, text,
        )  # fmt: skip
    n_steps = output_size * output_size
    step = min(step, n_steps - 1)
    row, col = divmod(step, output_size)
    rows = window_indices(row, input_size, kernel_size, strides, padding, dilation_rate)
    cols = window_indices(col, input_size, kernel_size, strides, padding, dilation_rate)
    cells = tuple((r, c) for r in rows for c in cols)
    in_padding = sum(not (0 <= r < input_size and 0 <= c < input_size) for r, c in cells)
    text = (
        f"Step {step + 1} of {n_steps}: output cell ({row}, {col}) reads input rows "
        f"{rows[0]} to {rows[-1]} and columns {cols[0]} to {cols[-1]}"
        + (f" (every {dilation_rate}th)" if dilation_rate > 1 else "")
        + (f"; {in_padding} of its {len(cells)} taps fall on padding zeros." if in_padding else ".")
    )
    return ConvExplorerState(
        input_size, kernel_size, strides, padding, dilation_rate, before, after,
        output_size, step, n_steps, (row, col), cells, formula, text,
    )  # fmt: skip


def _padding_label(value):
    return f"P={value}" if isinstance(value, int) else value


@validate_arguments(
    padding=Padding(),
    **{
        name: Count(*SLIDER_RANGES[name])
        for name in ("input_size", "kernel_size", "strides", "dilation_rate")
    },
)
def conv_explorer(input_size=5, kernel_size=3, strides=1, padding="valid", dilation_rate=1):
    """Return an ipywidgets box to explore output sizes and windows of a convolution.

    Sliders set the input size, kernel size, stride, padding and dilation; the step slider
    (or its play button) walks through the output cells one by one.

    The starting values must lie in the sliders' ranges (``SLIDER_RANGES``) and the
    padding must be one of ``PADDING_OPTIONS``; anything else is a ``ValueError`` naming
    the argument, never a silently different picture. :func:`conv_explorer_state` takes
    any size up to 64.

    Returns
    -------
    ipywidgets.VBox
        Display it (make it the last line of a cell). Its ``update()`` attribute redraws it
        and returns the current :class:`ConvExplorerState`.
    """
    controls = {
        "input_size": int_slider(input_size, *SLIDER_RANGES["input_size"], "input size", "input_size"),
        "kernel_size": int_slider(kernel_size, *SLIDER_RANGES["kernel_size"], "kernel_size"),
        "strides": int_slider(strides, *SLIDER_RANGES["strides"], "strides"),
        "padding": dropdown([(_padding_label(p), p) for p in PADDING_OPTIONS], padding, "padding"),
        "dilation_rate": int_slider(dilation_rate, *SLIDER_RANGES["dilation_rate"], "dilation_rate"),
    }
    return window_widget(controls, conv_explorer_state)
