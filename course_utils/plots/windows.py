"""Pictures of a sliding window: the padded input with the current window, and the output.

Both functions draw a state of the explorers (:func:`course_utils.widgets.conv_explorer.
conv_explorer_state` or :func:`course_utils.widgets.pooling_explorer.pooling_explorer_state`):

- :func:`show_windows` draws one or more steps with matplotlib (for the lesson pages);
- :func:`windows_svg` returns the same picture as an SVG string, which the widgets show
  because it redraws in a few milliseconds.

In both, padding cells are hatched grey, the cells the window reads are blue (for a dilated
kernel only the taps, inside a dashed outline of the window's extent), and the output cell
that the window produces is orange.
"""

from __future__ import annotations

import html

import numpy as np

from course_utils.core._constraints import Count, Satisfies, validate_arguments
from course_utils.plots._checks import MAX_PICTURES, SIZE, check_names, figure_size

__all__ = ["show_windows", "windows_svg"]

PAD_COLOUR = "#e6e6e6"
INPUT_COLOUR = "#ffffff"
WINDOW_COLOUR = "#4c8bf5"
OUTPUT_COLOUR = "#f0f0ff"
CELL_COLOUR = "#f5a623"


MAX_GRID = 64
"""The most cells per side a picture draws (padded input or output)."""


def _explorer_state(state, name="state"):
    needed = ("input_size", "pad_before", "pad_after", "output_size", "window_cells", "output_cell")
    missing = [field for field in needed if not hasattr(state, field)]
    if missing:
        raise ValueError(
            f"{name} must come from conv_explorer_state or pooling_explorer_state; "
            f"it has no {', '.join(missing)}."
        )
    side = max(state.pad_before + state.input_size + state.pad_after, state.output_size)
    if side > MAX_GRID:
        raise ValueError(
            f"{name} has a grid of {side} cells per side (input {state.input_size}, padding "
            f"{state.pad_before} + {state.pad_after}); a picture draws at most {MAX_GRID}."
        )
    return state


def _a_state():
    """The state of a 3x3 kernel on a 3x3 input: one window, one output cell."""
    from types import SimpleNamespace

    cells = tuple((row, col) for row in range(3) for col in range(3))
    return SimpleNamespace(
        input_size=3, pad_before=0, pad_after=0, output_size=1, window_cells=cells, output_cell=(0, 0)
    )


STATE = Satisfies(
    _explorer_state,
    "a state from conv_explorer_state or pooling_explorer_state",
    valid=_a_state,
    invalid=[3, {"input_size": 5}],
)
"""What :func:`windows_svg` draws: an explorer's state."""


def _explorer_states(states) -> list:
    """One state or a list of at least one (at most ``MAX_PICTURES // 2``), as a list."""
    if not isinstance(states, (list, tuple)):
        states = [states]
    if not states:
        raise ValueError("states must hold at least one explorer state.")
    if len(states) > MAX_PICTURES // 2:
        raise ValueError(f"states holds {len(states)} states; one figure draws at most {MAX_PICTURES // 2}.")
    return [_explorer_state(state, "states") for state in states]


STATES = Satisfies(
    _explorer_states,
    "an explorer state or a non-empty list of them",
    valid=lambda: [_a_state()],
    invalid=[[], [3], 3],
)
"""What :func:`show_windows` draws: explorer states, as a list."""


def _values(state, name):
    values = getattr(state, name, None)
    return None if values is None else np.asarray(values)


def _text(value):
    return f"{value:.3g}" if isinstance(value, float) and not float(value).is_integer() else f"{value:g}"


@validate_arguments(state=STATE, cell=Count(4, 200))
def windows_svg(state, cell=24) -> str:
    """Return an SVG picture of the padded input, the current window and the output.

    Parameters
    ----------
    state : ConvExplorerState or PoolingExplorerState
        What to draw.
    cell : int, default=24
        Size of one grid cell in pixels.

    Examples
    --------
    >>> from course_utils.widgets.conv_explorer import conv_explorer_state
    >>> svg = windows_svg(conv_explorer_state(4, 3, padding="same"))
    >>> svg.startswith("<svg")
    True
    >>> svg.count("<rect")  # 6x6 padded input, 4x4 output, the window outline, the hatch tile
    54
    """
    before, after, n = state.pad_before, state.pad_after, state.input_size
    total = before + n + after
    out = state.output_size
    gap = 2 * cell
    top = 20
    width = (total + out) * cell + gap + 2
    height = top + max(total, out, 1) * cell + 2
    window = set(state.window_cells)
    inputs = _values(state, "input_values")
    outputs = _values(state, "output_values")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="{cell // 2}">',
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#e6e6e6"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#bbbbbb" stroke-width="2"/></pattern></defs>',
        f'<text x="1" y="{top - 6}">input {n}x{n}'
        + (f" + padding ({before} before, {after} after)" if before or after else "")
        + "</text>",
    ]
    for i in range(total):
        for j in range(total):
            r, c = i - before, j - before
            padded = not (0 <= r < n and 0 <= c < n)
            fill = WINDOW_COLOUR if (r, c) in window else ("url(#hatch)" if padded else INPUT_COLOUR)
            opacity = ' fill-opacity="0.75"' if (r, c) in window and padded else ""
            x, y = 1 + j * cell, top + i * cell
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}"{opacity} '
                'stroke="#888888"/>'
            )
            if inputs is not None and not padded:
                parts.append(
                    f'<text x="{x + cell / 2}" y="{y + cell * 0.68}" text-anchor="middle">'
                    f"{_text(inputs[r, c])}</text>"
                )
    if window:
        rows = [r for r, _ in window]
        cols = [c for _, c in window]
        x0, y0 = 1 + (min(cols) + before) * cell, top + (min(rows) + before) * cell
        w = (max(cols) - min(cols) + 1) * cell
        h = (max(rows) - min(rows) + 1) * cell
        parts.append(
            f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#1a3d8f" '
            'stroke-width="2.5" stroke-dasharray="5,3"/>'
        )
    left = 1 + total * cell + gap
    parts.append(
        f'<text x="{left}" y="{top - 6}">' + (f"output {out}x{out}" if out else "output: empty") + "</text>"
    )
    for i in range(out):
        for j in range(out):
            fill = CELL_COLOUR if state.output_cell == (i, j) else OUTPUT_COLOUR
            x, y = left + j * cell, top + i * cell
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}" stroke="#888888"/>'
            )
            if outputs is not None and outputs.size:
                parts.append(
                    f'<text x="{x + cell / 2}" y="{y + cell * 0.68}" text-anchor="middle">'
                    f"{html.escape(_text(outputs[i, j]))}</text>"
                )
    parts.append("</svg>")
    return "".join(parts)


def _draw(ax_in, ax_out, state):
    from matplotlib.patches import Rectangle

    before, after, n = state.pad_before, state.pad_after, state.input_size
    total = before + n + after
    window = set(state.window_cells)
    inputs = _values(state, "input_values")
    outputs = _values(state, "output_values")
    for i in range(total):
        for j in range(total):
            r, c = i - before, j - before
            padded = not (0 <= r < n and 0 <= c < n)
            face = WINDOW_COLOUR if (r, c) in window else (PAD_COLOUR if padded else INPUT_COLOUR)
            ax_in.add_patch(
                Rectangle((j, i), 1, 1, facecolor=face, edgecolor="#888888",
                          hatch="//" if padded else None, alpha=0.8 if padded else 1.0)
            )  # fmt: skip
            if inputs is not None and not padded:
                ax_in.text(j + 0.5, i + 0.5, _text(inputs[r, c]), ha="center", va="center", fontsize=8)
    if window:
        rows = [r for r, _ in window]
        cols = [c for _, c in window]
        ax_in.add_patch(
            Rectangle(
                (min(cols) + before, min(rows) + before),
                max(cols) - min(cols) + 1, max(rows) - min(rows) + 1,
                fill=False, edgecolor="#1a3d8f", linewidth=2, linestyle="--",
            )
        )  # fmt: skip
    out = state.output_size
    for i in range(out):
        for j in range(out):
            face = CELL_COLOUR if state.output_cell == (i, j) else OUTPUT_COLOUR
            ax_out.add_patch(Rectangle((j, i), 1, 1, facecolor=face, edgecolor="#888888"))
            if outputs is not None and outputs.size:
                ax_out.text(j + 0.5, i + 0.5, _text(outputs[i, j]), ha="center", va="center", fontsize=8)
    for ax, size in ((ax_in, total), (ax_out, max(out, 1))):
        ax.set_xlim(0, size)
        ax.set_ylim(size, 0)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
    ax_in.set_title(f"input {n}x{n}" + (f", padding {before}/{after}" if before or after else ""), fontsize=9)
    ax_out.set_title(f"output {out}x{out}" if out else "output: empty", fontsize=9)


@validate_arguments(states=STATES, cell_size=SIZE)
def show_windows(states, titles=None, cell_size=0.28):
    """Draw one or more explorer states side by side, each as input grid + output grid.

    Parameters
    ----------
    states : state or list of states
        From ``conv_explorer_state`` or ``pooling_explorer_state``.
    titles : list of str, optional
        One title per state, written above its pair of grids.
    cell_size : float, default=0.28
        Size of one grid cell in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Call ``plt.show()`` after it in a notebook.

    Examples
    --------
    >>> from course_utils.widgets.conv_explorer import conv_explorer_state
    >>> figure = show_windows([conv_explorer_state(5, 3, step=s) for s in (0, 8)])
    >>> len(figure.axes)
    4
    """
    import matplotlib.pyplot as plt

    titles = check_names("titles", titles, len(states), per="state in states")
    widths = []
    for state in states:
        widths += [state.pad_before + state.input_size + state.pad_after, max(state.output_size, 1)]
    height = max(widths) * cell_size + 0.8
    width = sum(widths) * cell_size + 0.6 * len(widths)
    figure, axes = plt.subplots(
        1, len(widths), figsize=figure_size(width, height, "cell_size", cell_size),
        gridspec_kw={"width_ratios": widths},
    )  # fmt: skip
    axes = np.atleast_1d(axes)
    for k, state in enumerate(states):
        _draw(axes[2 * k], axes[2 * k + 1], state)
        if titles is not None:
            axes[2 * k].set_title(f"{titles[k]}\n" + axes[2 * k].get_title(), fontsize=9)
    figure.tight_layout()
    return figure
