"""How the course writes numbers and tables: counts, byte sizes, receptive fields, text and HTML tables.

One place for the formatting that several helpers share (the model summary, the model
builder, the parameter lessons), so that a count or a table looks the same everywhere.
Pure Python.
"""

from __future__ import annotations

import html
from decimal import Decimal

from course_utils.core._constraints import Count, Flag, OrNone, Satisfies, Text, validate_arguments
from course_utils.core._validation import check_int, describe

__all__ = [
    "MAX_TABLE_ROWS",
    "UNKNOWN",
    "WHOLE_INPUT",
    "format_bytes",
    "format_count",
    "plural",
    "format_receptive_field",
    "render_table",
]

WHOLE_INPUT = "whole input"
"""The receptive field of a cell that sees the whole input (after global pooling or a Dense layer)."""
UNKNOWN = "-"
"""What a table shows where a value is not defined (e.g. a receptive field after branches)."""
MAX_TABLE_ROWS = 100_000
"""The most rows :func:`render_table` writes."""
LARGEST_RESULT = 10**100
"""The largest count these functions format: results of formulas can pass the 10**18 of a typed argument."""


@validate_arguments(value=OrNone(Count(min=-LARGEST_RESULT, max=LARGEST_RESULT)))
def format_count(value) -> str:
    """Format an int with thousands separators; ``None`` (unknown) becomes ``'?'``.

    Examples
    --------
    >>> format_count(220234)
    '220,234'
    >>> format_count(None)
    '?'
    """
    if value is None:
        return "?"
    return f"{value:,}"


@validate_arguments(count=Count(min=0, max=LARGEST_RESULT), word=Text())
def plural(count: int, word: str) -> str:
    """``count`` and ``word``, with an s unless the count is 1.

    >>> plural(1, "trial"), plural(3, "trial"), plural(12000, "image")
    ('1 trial', '3 trials', '12,000 images')
    """
    return f"{count:,} {word}{'' if count == 1 else 's'}"


@validate_arguments(n_bytes=Count(min=0, max=LARGEST_RESULT))
def format_bytes(n_bytes) -> str:
    """Format a byte count with binary units (KiB = 1024 bytes, MiB, GiB, TiB).

    Examples
    --------
    >>> format_bytes(880936)
    '860.3 KiB'
    >>> format_bytes(3 * 1024**3)
    '3.0 GiB'
    >>> format_bytes(12)
    '12 B'
    """
    if n_bytes < 1024:
        return f"{n_bytes} B"
    units = ("KiB", "MiB", "GiB", "TiB")
    power = next((p for p in range(1, len(units)) if n_bytes < 1024 ** (p + 1)), len(units))
    # Decimal, not float: exact for these powers of two, and no overflow for any count
    return f"{Decimal(n_bytes) / 1024**power:.1f} {units[power - 1]}"


def _read_receptive_field(receptive_field):
    """A tuple of ints (one per axis), ``WHOLE_INPUT`` or None."""
    if receptive_field is None or (isinstance(receptive_field, str) and receptive_field == WHOLE_INPUT):
        return receptive_field
    if not isinstance(receptive_field, (tuple, list)) or not receptive_field:
        raise ValueError(
            f"receptive_field must be a tuple of ints (one per axis), {WHOLE_INPUT!r} or None, "
            f"got {describe(receptive_field)}."
        )
    return tuple(check_int("receptive_field", n) for n in receptive_field)


@validate_arguments(
    receptive_field=Satisfies(
        _read_receptive_field,
        f"a tuple of ints (one per axis), {WHOLE_INPUT!r} or None",
        valid=(5, 3),
        invalid=[(), (0, 3), (2.5,), 3, "whole"],
    )
)
def format_receptive_field(receptive_field) -> str:
    """Write a receptive field as a table shows it: ``'5x5'``, ``'whole input'`` or ``'-'``.

    Parameters
    ----------
    receptive_field : tuple of int, ``WHOLE_INPUT`` or None
        Input pixels seen along each spatial axis (height, width), as
        :func:`course_utils.core.arithmetic.step_layer` tracks them; None when not defined.

    Examples
    --------
    >>> format_receptive_field((5, 3))
    '5x3'
    >>> format_receptive_field(WHOLE_INPUT), format_receptive_field(None)
    ('whole input', '-')
    """
    if receptive_field is None:
        return UNKNOWN
    if receptive_field == WHOLE_INPUT:
        return WHOLE_INPUT
    return "x".join(str(n) for n in receptive_field)


def _check_texts(name: str, values, optional_empty: bool = True) -> list:
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)):
        raise ValueError(f"{name} must be a list of strings, got {describe(values)}.")
    if not values and not optional_empty:
        raise ValueError(f"{name} must not be empty.")
    if not all(isinstance(v, str) for v in values):
        raise ValueError(f"{name} must hold strings, got {describe(values)}.")
    return list(values)


def _texts(name: str, optional_empty: bool = True) -> Satisfies:
    """A list of strings (:func:`_check_texts`, which names the argument)."""
    return Satisfies(
        lambda values: _check_texts(name, values, optional_empty),
        "a list of strings" if optional_empty else "a non-empty list of strings",
        valid=["a", "b"],
        invalid=["ab", [1], [None], *([] if optional_empty else [[]])],
    )


def _read_rows(rows):
    if isinstance(rows, (str, bytes)) or not isinstance(rows, (list, tuple)):
        raise ValueError(f"rows must be a list of rows (lists of cells), got {describe(rows)}.")
    if len(rows) > MAX_TABLE_ROWS:
        raise ValueError(f"rows holds {len(rows):,} rows, more than the {MAX_TABLE_ROWS:,} a table shows.")
    return rows


@validate_arguments(
    columns=_texts("columns", optional_empty=False),
    rows=Satisfies(
        _read_rows,
        f"a list of rows (lists of cells), at most {MAX_TABLE_ROWS:,}",
        valid=lambda: [["1", "22"]],
        invalid=["rows", 3, {"a": 1}],
    ),
    footer=_texts("footer"),
    title=Text(optional=True),
    as_html=Flag(),
)
def render_table(columns, rows, footer=(), title=None, as_html=False) -> str:
    """Render a table of strings as aligned text or as an HTML table.

    The first two columns are aligned left (names), the others right (numbers).

    Parameters
    ----------
    columns : list of str
    rows : list of list
        One list per row, as long as ``columns``; each cell is written with ``str``.
    footer : list of str
        Lines printed under the table.
    title : str or None
    as_html : bool, default=False

    Examples
    --------
    >>> print(render_table(["a", "b"], [["1", "22"]], footer=["total: 23"]))
    a  b
    -----
    1  22
    -----
    total: 23
    """
    for number, row in enumerate(rows):
        if isinstance(row, (str, bytes)) or not isinstance(row, (list, tuple)) or len(row) != len(columns):
            raise ValueError(
                f"rows[{number}] must be a list of {len(columns)} cells, one per column, got {describe(row)}."
            )
    if as_html:
        head = "".join(
            f"<th style='text-align:left;padding:2px 8px;border-bottom:1px solid #999'>{html.escape(c)}</th>"
            for c in columns
        )
        body = "".join(
            "<tr>"
            + "".join(
                f"<td style='text-align:{'left' if i < 2 else 'right'};padding:2px 8px'>"
                f"{html.escape(str(v))}</td>"
                for i, v in enumerate(row)
            )
            + "</tr>"
            for row in rows
        )
        caption = f"<caption style='text-align:left'><b>{html.escape(title)}</b></caption>" if title else ""
        foot = "".join(f"<div>{html.escape(line)}</div>" for line in footer)
        return (
            f"<div><table style='border-collapse:collapse'>{caption}<thead><tr>{head}"
            f"</tr></thead><tbody>{body}</tbody></table>{foot}</div>"
        )
    widths = [
        max(len(str(c)), *(len(str(r[i])) for r in rows)) if rows else len(str(c))
        for i, c in enumerate(columns)
    ]

    def line(values):
        cells = []
        for i, v in enumerate(values):
            v = str(v)
            cells.append(v.ljust(widths[i]) if i < 2 else v.rjust(widths[i]))
        return "  ".join(cells).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    lines = ([title] if title else []) + [line(columns), rule] + [line(r) for r in rows]
    if footer:
        lines += [rule, *footer]
    return "\n".join(lines)
