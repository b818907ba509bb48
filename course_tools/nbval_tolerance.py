"""Compare the outputs of training cells within a stated tolerance (a small nbval extension).

A trained model's digits depend on the machine: another CPU kind or another thread count
adds the same floating-point numbers in another order, so a loss printed as 0.144 on one
machine can be 0.145 on the next. nbval compares outputs character for character, which
is right for arithmetic and wrong for training. The course's rule:

- outputs that do not depend on trained weights are compared exactly (plain nbval);
- a cell whose printed numbers come out of training is tagged ``nbval-tolerance`` and its
  first line states the tolerance and why::

      # nbval-tolerance: abs=0.02 int=3; the digits of a trained model vary between CPUs

  Its outputs must then have exactly the same text around the numbers (whitespace runs
  may differ in length, as columns realign), the same count of numbers, and each number
  within the tolerance of the saved one: ``abs`` for numbers written with a decimal point,
  ``int`` for whole numbers (counts, epochs), ``rel`` (optional) relative to the saved value.
  The saved notebook keeps showing the learner real numbers.
- a cell whose output's *shape* depends on training (which digit is worst, a ranked list
  with ties) is tagged ``nbval-ignore-output`` and asserts what must hold, with tolerances.

``pytest -p course_tools.nbval_tolerance`` (set in ``pyproject.toml``) installs it.

Examples
--------
>>> spec = parse_tolerance("# nbval-tolerance: abs=0.02 int=3; trained weights vary")
>>> spec
Tolerance(abs=0.02, int=3, rel=0.0)
>>> compare_text("loss 0.144  accuracy 0.960 (9 epochs)", "loss 0.151  accuracy 0.955 (10 epochs)", spec) is None
True
>>> print(compare_text("loss 0.144", "loss 0.244", spec))
number 1: 0.244 differs from the saved 0.144 by 0.1 (allowed: 0.02)
>>> print(compare_text("loss 0.144", "LOSS 0.144", spec))
the text around the numbers differs: saved 'loss ', now 'LOSS '
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

TAG = "nbval-tolerance"

# A number as the course prints it: optional sign, digits with optional thousands
# separators ("220,234"), an optional decimal part ("0.", "0.5", ".5" is not used),
# an optional exponent, and NumPy's "nan"/"inf".
_NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:[eE][-+]?\d+)?(?![\w])"
    r"|(?<![\w.])[-+]?(?:nan|inf)(?![\w])"
)
_HEADER = re.compile(rf"^\s*#\s*{TAG}:\s*(?P<spec>[^;]*);\s*(?P<reason>\S.*)$")
_SETTING = re.compile(r"^(?P<key>abs|int|rel)=(?P<value>[0-9.eE+-]+)$")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Tolerance:
    """How far a re-computed number may be from the saved one.

    Parameters
    ----------
    abs : float
        Allowed absolute difference for numbers written with a decimal point.
    int : int
        Allowed absolute difference for whole numbers (counts, epochs).
    rel : float
        Allowed difference relative to the saved value, added to the absolute allowance.
    """

    abs: float = 0.0
    int: int = 0
    rel: float = 0.0

    def allowed(self, saved: float, is_whole: bool) -> float:
        """The allowed difference for one saved number."""
        base = self.int if is_whole else self.abs
        return base + self.rel * abs(saved)


def parse_tolerance(source: str) -> Tolerance:
    """Read the tolerance from a cell's first line.

    Parameters
    ----------
    source : str
        The cell's source. Its first line must be
        ``# nbval-tolerance: KEY=VALUE [KEY=VALUE ...]; reason`` with keys ``abs``,
        ``int`` and ``rel``.

    Raises
    ------
    ValueError
        If the first line is not of that form (the message shows the form).

    Examples
    --------
    >>> parse_tolerance("# nbval-tolerance: int=2; one image may change class\\nprint(cm)")
    Tolerance(abs=0.0, int=2, rel=0.0)
    >>> parse_tolerance("print(1)")
    Traceback (most recent call last):
    ...
    ValueError: a cell tagged nbval-tolerance must start with '# nbval-tolerance: abs=0.01 int=2; why the output varies', not 'print(1)'
    """
    first = source.splitlines()[0] if source.strip() else ""
    match = _HEADER.match(first)
    form = f"'# {TAG}: abs=0.01 int=2; why the output varies'"
    if not match:
        raise ValueError(f"a cell tagged {TAG} must start with {form}, not {first!r}")
    settings = {}
    for item in match["spec"].split():
        setting = _SETTING.match(item)
        if not setting or setting["key"] in settings:
            raise ValueError(f"{TAG}: cannot read {item!r}; write it as {form}")
        value = float(setting["value"])
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{TAG}: {item!r} must be a finite number >= 0")
        settings[setting["key"]] = value
    if not settings:
        raise ValueError(f"{TAG}: no tolerance given; write it as {form}")
    if "int" in settings and settings["int"] != int(settings["int"]):
        raise ValueError(f"{TAG}: int={settings['int']} must be a whole number")
    return Tolerance(
        abs=settings.get("abs", 0.0), int=int(settings.get("int", 0)), rel=settings.get("rel", 0.0)
    )


def _split(text: str) -> tuple[list[str], list[str]]:
    """The text between the numbers (whitespace runs collapsed) and the numbers."""
    pieces = _NUMBER.split(text)
    skeleton = [_WHITESPACE.sub(" ", piece) for piece in pieces]
    return skeleton, _NUMBER.findall(text)


def _value(number: str) -> float:
    return float(number.replace(",", ""))


def _is_whole(number: str) -> bool:
    return not any(mark in number.lower() for mark in (".", "e", "nan", "inf"))


def compare_text(saved: str, computed: str, tolerance: Tolerance) -> str | None:
    """Compare two outputs: same text around the numbers, numbers within the tolerance.

    Parameters
    ----------
    saved, computed : str
        The output saved in the notebook and the one computed now.
    tolerance : Tolerance

    Returns
    -------
    str or None
        None when they agree; otherwise one sentence saying where they differ.

    Examples
    --------
    >>> compare_text("TP 92  FP 0", "TP 91  FP 1", Tolerance(int=1)) is None
    True
    >>> print(compare_text("9 epochs", "9 epochs, stopped", Tolerance(int=1)))
    the text around the numbers differs: saved ' epochs', now ' epochs, stopped'
    """
    saved_text, saved_numbers = _split(saved)
    computed_text, computed_numbers = _split(computed)
    if saved_text != computed_text or len(saved_numbers) != len(computed_numbers):
        for before, now in zip(saved_text, computed_text, strict=False):
            if before != now:
                return f"the text around the numbers differs: saved {before!r}, now {now!r}"
        return f"saved {len(saved_numbers)} numbers, now {len(computed_numbers)}"
    for position, (before, now) in enumerate(zip(saved_numbers, computed_numbers), start=1):
        if _is_whole(before) != _is_whole(now):
            return f"number {position}: {now} is not written like the saved {before}"
        old, new = _value(before), _value(now)
        if math.isnan(old) or math.isnan(new):
            if math.isnan(old) and math.isnan(new):
                continue
            return f"number {position}: {now} differs from the saved {before}"
        allowed = tolerance.allowed(old, _is_whole(before))
        difference = abs(new - old)
        if not difference <= allowed + 1e-12:
            return (
                f"number {position}: {now} differs from the saved {before} by {difference:.3g} "
                f"(allowed: {allowed:.3g})"
            )
    return None


def _text_fields(output: dict) -> list[tuple[dict, str]]:
    """(container, key) pairs of the text fields of one output that nbval compares."""
    fields = []
    if isinstance(output.get("text"), str):
        fields.append((output, "text"))
    data = output.get("data") or {}
    for key in ("text/plain", "text/html", "text/markdown"):
        if isinstance(data.get(key), str):
            fields.append((data, key))
    return fields


def tolerate(
    cell_source: str, saved_outputs: list, computed_outputs: list, sanitize=lambda s: s
) -> list[str]:
    """Align the computed outputs with the saved ones where they agree within the tolerance.

    Each text field of a computed output that agrees with the saved field (by
    :func:`compare_text`) is replaced by the saved text, so that nbval's exact comparison
    then passes on it and still reports every other difference. Returns the sentences
    that explain the fields that do not agree. ``computed_outputs`` is changed in place.
    """
    tolerance = parse_tolerance(cell_source)
    notes = []
    for saved, computed in zip(saved_outputs, computed_outputs, strict=False):
        if saved.get("output_type") != computed.get("output_type") or saved.get("name") != computed.get(
            "name"
        ):
            continue
        saved_fields = dict((key, container[key]) for container, key in _text_fields(saved))
        for container, key in _text_fields(computed):
            if key not in saved_fields:
                continue
            difference = compare_text(sanitize(saved_fields[key]), sanitize(container[key]), tolerance)
            if difference is None:
                container[key] = saved_fields[key]
            else:
                notes.append(f"{key}: {difference} ({TAG}: {tolerance})")
    return notes


def _install() -> None:
    """Wrap nbval's output comparison for cells tagged ``nbval-tolerance``."""
    from nbval import plugin

    if getattr(plugin.IPyNbCell.compare_outputs, "_course_tolerance", False):
        return
    original = plugin.IPyNbCell.compare_outputs

    def compare_outputs(self, test, ref, skip_compare=None):
        if TAG not in self.cell.metadata.get("tags", []):
            return original(self, test, ref, skip_compare)
        # nbval has coalesced the streams of both lists, so outputs pair up by position.
        notes = tolerate(self.cell.source, ref, test, sanitize=self.sanitize)
        agreed = original(self, test, ref, skip_compare)
        if not agreed:
            self.comparison_traceback.extend(notes)
        return agreed

    compare_outputs._course_tolerance = True
    plugin.IPyNbCell.compare_outputs = compare_outputs


def pytest_configure(config) -> None:
    """pytest hook: install the tolerant comparison when nbval runs."""
    if getattr(config.option, "nbval", False) or getattr(config.option, "nbval_lax", False):
        _install()
