"""Pooling explorer: pooled sizes, windows and the values they keep.

:func:`pooling_explorer_state` is the pure logic: for a small seeded grid of integers it
gives the pooled output (computed by :mod:`course_utils.core.reference_ops`), the output size
and the window of the current step. :func:`pooling_explorer` wires sliders to it and
draws the state with :func:`course_utils.plots.windows.windows_svg`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_utils.core._constraints import Count, Option, OrNone, Padding, validate_arguments
from course_utils.core.arithmetic import padding_amounts, pool_output_length, window_indices
from course_utils.widgets._window_widget import dropdown, int_slider, window_widget

__all__ = ["PoolingExplorerState", "pooling_explorer", "pooling_explorer_state", "sample_grid"]

MODES = ("max", "average")
MAX_INPUT_SIZE = 64
"""The largest input and window :func:`pooling_explorer_state` takes (cells per side)."""
SLIDER_RANGES = {"input_size": (1, 10), "pool_size": (1, 4)}
"""The ``(low, high)`` range of each slider of :func:`pooling_explorer`."""
STRIDE_OPTIONS = (None, 1, 2, 3)


SIZE = Count(1, MAX_INPUT_SIZE)
"""An input or window size the explorer draws."""


@validate_arguments(size=SIZE, seed=Count(0))
def sample_grid(size, seed=0):
    """Return a reproducible ``size`` x ``size`` grid of small integers (0 to 9).

    Examples
    --------
    >>> sample_grid(3).shape
    (3, 3)
    >>> bool((sample_grid(4) == sample_grid(4)).all())
    True
    """
    return np.random.default_rng(seed).integers(0, 10, size=(size, size)).astype(float)


@dataclass(frozen=True)
class PoolingExplorerState:
    """Everything the pooling explorer shows for one setting of its sliders.

    ``input_values`` and ``output_values`` are 2-D arrays; coordinates are
    ``(row, column)`` in the unpadded input, as in the convolution explorer.
    """

    input_size: int
    pool_size: int
    strides: int
    padding: str
    mode: str
    pad_before: int
    pad_after: int
    output_size: int
    step: int
    n_steps: int
    output_cell: tuple[int, int] | None
    window_cells: tuple[tuple[int, int], ...]
    input_values: np.ndarray
    output_values: np.ndarray
    formula: str
    text: str

    @property
    def fits(self) -> bool:
        """True when at least one window fits (the output is not empty)."""
        return self.output_size > 0


def _number(value):
    return f"{value:g}"


@validate_arguments(
    input_size=SIZE,
    pool_size=SIZE,
    strides=OrNone(Count()),
    step=Count(0),
    mode=Option(*MODES),
    padding=Padding(allow_int=False),
    seed=Count(0),
)
def pooling_explorer_state(
    input_size=6, pool_size=2, strides=None, padding="valid", mode="max", step=0, seed=0
) -> PoolingExplorerState:
    """Compute what the pooling explorer shows for one setting.

    Parameters
    ----------
    input_size : int
        Height and width of the square input grid (seeded integers 0 to 9).
    pool_size : int
        Window size, as in ``keras.layers.MaxPooling2D``.
    strides : int or None
        ``None`` means ``pool_size``, as in Keras.
    padding : {'valid', 'same'}
    mode : {'max', 'average'}
    step : int
        Output cell to show, row by row from 0 (clamped to the last cell).
    seed : int
        Seed of the input grid.

    Examples
    --------
    >>> state = pooling_explorer_state(4, 2, step=3)
    >>> state.input_values.tolist()
    [[8.0, 6.0, 5.0, 2.0], [3.0, 0.0, 0.0, 0.0], [1.0, 8.0, 6.0, 9.0], [5.0, 6.0, 9.0, 7.0]]
    >>> state.output_values.tolist()
    [[8.0, 5.0], [8.0, 9.0]]
    >>> state.text
    'Step 4 of 4: output cell (1, 1) = max of 6, 9, 9, 7 = 9.'
    """
    from course_utils.core import reference_ops

    strides = pool_size if strides is None else strides
    values = sample_grid(input_size, seed)
    before, after = padding_amounts(input_size, pool_size, strides, padding)
    try:
        output_size = pool_output_length(input_size, pool_size, strides, padding)
    except ValueError:
        output_size = 0
    if padding == "same":
        formula = f"'same': output = ceil({input_size} / {strides}) = {output_size}"
    else:
        result = output_size or "empty: the window does not fit"
        formula = f"output = floor(({input_size} - {pool_size}) / {strides}) + 1 = {result}"
    if output_size == 0:
        text = (
            f"The {pool_size}x{pool_size} window is larger than the "
            f"{input_size}x{input_size} input: no output."
        )
        return PoolingExplorerState(
            input_size, pool_size, strides, padding, mode, before, after, 0, 0, 0, None, (),
            values, np.zeros((0, 0)), formula, text,
        )  # fmt: skip
    pool = reference_ops.max_pool2d if mode == "max" else reference_ops.average_pool2d
    pooled = pool(values[None, :, :, None], pool_size, strides, padding)[0, :, :, 0]
    n_steps = output_size * output_size
    step = min(step, n_steps - 1)
    row, col = divmod(step, output_size)
    rows = window_indices(row, input_size, pool_size, strides, padding)
    cols = window_indices(col, input_size, pool_size, strides, padding)
    cells = tuple((r, c) for r in rows for c in cols)
    real = [values[r, c] for r, c in cells if 0 <= r < input_size and 0 <= c < input_size]
    text = (
        f"Step {step + 1} of {n_steps}: output cell ({row}, {col}) = {mode} of "
        f"{', '.join(_number(v) for v in real)} = {_number(round(float(pooled[row, col]), 3))}."
    )
    if len(real) < len(cells):
        text += f" The {len(cells) - len(real)} padded cells are left out, as in Keras."
    return PoolingExplorerState(
        input_size, pool_size, strides, padding, mode, before, after, output_size, step,
        n_steps, (row, col), cells, values, pooled, formula, text,
    )  # fmt: skip


@validate_arguments(
    padding=Padding(allow_int=False),  # 'SAME' is 'same', as in the pure function
    strides=OrNone(Count()),
    mode=Option(*MODES),
    input_size=Count(*SLIDER_RANGES["input_size"]),
    pool_size=Count(*SLIDER_RANGES["pool_size"]),
)
def pooling_explorer(input_size=6, pool_size=2, strides=None, padding="valid", mode="max"):
    """Return an ipywidgets box to explore pooled sizes and values.

    The starting values must lie in the sliders' ranges (``SLIDER_RANGES``), and
    ``strides`` must be one of ``STRIDE_OPTIONS``; anything else is a ``ValueError``
    naming the argument, never a silently different picture. ``padding`` is read as the
    pure function reads it (``'SAME'`` is ``'same'``).

    Returns
    -------
    ipywidgets.VBox
        Display it (make it the last line of a cell). Its ``update()`` attribute redraws it
        and returns the current :class:`PoolingExplorerState`.
    """
    import ipywidgets as widgets

    labels = {None: "None (= pool_size)"}
    controls = {
        "input_size": int_slider(input_size, *SLIDER_RANGES["input_size"], "input size", "input_size"),
        "pool_size": int_slider(pool_size, *SLIDER_RANGES["pool_size"], "pool_size"),
        "strides": dropdown([(labels.get(s, str(s)), s) for s in STRIDE_OPTIONS], strides, "strides"),
        "padding": dropdown(["valid", "same"], padding, "padding"),
        "mode": widgets.ToggleButtons(
            options=list(MODES), value=mode, description="pooling", style={"description_width": "110px"}
        ),
    }
    return window_widget(controls, pooling_explorer_state)
