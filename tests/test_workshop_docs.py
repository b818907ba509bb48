"""The instructor guide and the troubleshooting page agree with the code, the lessons and the timing tables.

A message in “curly quotes” in these pages is what the course (or JupyterLab) prints, word for word, with
``…`` for the parts that change: each one must still be found in the course's code, its notebooks, its
scripts, or the JupyterLab and ipywidgets front ends it installs. Figures about run time and memory are
bounds that the timing tables must meet, and not much looser than them.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

import browser_lab
import pytest

from course_utils.engines.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "instructor_guide.md"
TROUBLESHOOTING = ROOT / "docs" / "troubleshooting.md"
ONE_CPU_TABLE = ROOT / "docs" / "notebook_timings_1cpu.md"
QUOTE = re.compile(r"“([^”]+)”")
GAP = r"[\s\S]{0,300}?"  # what an ellipsis may stand for
PLACEHOLDER = "\x00"  # an f-string's {expression} in the collected texts


def _python_strings(source: str) -> list[str]:
    """The string literals of Python source; an f-string's expressions become a placeholder."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    strings = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            strings.append(node.value)
        elif isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) else PLACEHOLDER for v in node.values]
            strings.append("".join(parts))
    return strings


@cache
def printed_texts() -> tuple[str, ...]:
    """Everything a quoted message may come from."""
    texts = []
    for path in sorted((ROOT / "course_utils").rglob("*.py")):
        texts += _python_strings(path.read_text(encoding="utf-8"))
    for folder in ("notebooks", "solutions"):
        for path in sorted((ROOT / folder).glob("*.ipynb")):
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            for cell in cells:
                if cell["cell_type"] == "code":
                    texts += _python_strings("".join(cell["source"]))
    texts += [(ROOT / name).read_text(encoding="utf-8") for name in ("course", "postBuild")]
    share = Path(sys.prefix) / "share" / "jupyter"
    front_ends = [*share.glob("lab/static/*.js"), *share.glob("labextensions/@jupyter-widgets/*/static/*.js")]
    assert front_ends, f"no JupyterLab front end under {share}"
    texts += [path.read_text(encoding="utf-8", errors="replace") for path in front_ends]
    return tuple(texts)


def is_printed(quote: str) -> bool:
    """True when ``quote`` (with ``…`` for what varies) is a message found in :func:`printed_texts`."""
    fragments = [fragment for fragment in quote.split("…") if fragment]
    longest = max(fragments, key=len)
    pattern = re.compile(GAP.join(re.escape(fragment) for fragment in fragments))
    return any(longest in text and pattern.search(text) for text in printed_texts())


@pytest.mark.parametrize("doc", [GUIDE, TROUBLESHOOTING], ids=lambda p: p.name)
def test_every_quoted_message_is_printed_by_the_course(doc):
    quotes = QUOTE.findall(doc.read_text(encoding="utf-8"))
    assert len(quotes) >= 5
    missing = [quote for quote in quotes if not is_printed(quote)]
    assert not missing, "no longer printed by the course:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    "quote, printed",
    [
        ("You forgot the +1: the formula counts the steps between windows", True),
        ("replace the `...` in … with your answer, then run the cell again.", True),
        ("The kernel for … appears to have died. It will restart automatically.", True),
        ("Error displaying widget: model not found", True),
        ("Designing CNNs needs Python … to … (python… recommended); none was found.", True),
        ("You forgot the +2: the formula counts the steps between windows", False),
        ("The kernel for … appears to be fine.", False),
        ("replace the `...` in … with a haiku", False),
    ],
)
def test_the_quote_check_tells_printed_messages_from_made_up_ones(quote, printed):
    assert is_printed(quote) is printed


def _sections(text: str) -> dict[str, str]:
    """Lesson number -> its section of the guide (from its ### heading to the next heading)."""
    parts = re.split(r"^(### (\d\d) · .*)$", text, flags=re.M)
    return {parts[i + 1]: parts[i] + parts[i + 2].split("\n## ")[0] for i in range(1, len(parts) - 2, 3)}


def _one_cpu_table() -> dict[str, tuple[float, float]]:
    rows = re.findall(
        r"^\| `notebooks/(\d\d)_[^`]+` \| ([\d.]+) \| ([\d.]+) \|", ONE_CPU_TABLE.read_text(), re.M
    )
    return {number: (float(seconds), float(mb)) for number, seconds, mb in rows}


def test_every_lesson_has_its_section_and_planned_ones_say_so():
    sections = _sections(GUIDE.read_text(encoding="utf-8"))
    for lesson in LESSONS:
        assert lesson.number in sections, f"the guide has no section for lesson {lesson.number}"
        section = sections[lesson.number]
        heading = section.splitlines()[0]
        assert lesson.title in heading, heading
        if not lesson.available():
            assert heading.endswith("(planned)"), heading
            continue
        assert not heading.endswith("(planned)"), (
            f"lesson {lesson.number} has landed: replace its '(planned)' section of docs/instructor_guide.md with "
            "the teaching time, objectives, Run All, misconceptions, discussion questions and exercises"
        )
        assert re.search(r"\((\d+) min\)$", heading), f"{heading}: give the teaching time, e.g. (60 min)"
        for part in (
            "**Objectives**",
            "**Run All**",
            "**Misconceptions and what the checkers say**",
            "**Discussion**",
        ):
            assert part in section, f"lesson {lesson.number} has no {part}"
        if lesson.available("exercises"):
            assert "**Exercises**" in section, f"lesson {lesson.number} has no **Exercises**"


def test_run_all_figures_are_bounds_the_one_cpu_table_meets():
    measured = _one_cpu_table()
    sections = _sections(GUIDE.read_text(encoding="utf-8"))
    for lesson in (lesson for lesson in LESSONS if lesson.available()):
        found = re.search(r"\*\*Run All\*\*: under (\d+) s and (\d+) MB on one CPU", sections[lesson.number])
        assert found, f"lesson {lesson.number}: write '**Run All**: under N s and M MB on one CPU'"
        seconds, mb = (float(v) for v in found.groups())
        real_seconds, real_mb = measured[lesson.number]
        assert real_seconds <= seconds <= max(2 * real_seconds, real_seconds + 10), (
            lesson.number,
            real_seconds,
        )
        assert real_mb <= mb <= real_mb + 200, (lesson.number, real_mb)
    # "Run All of a lesson takes under a minute even on one CPU"
    assert "under a minute even on one CPU" in GUIDE.read_text(encoding="utf-8")
    assert max(seconds for seconds, _ in measured.values()) < 60


def test_exercise_counts_match_the_solutions():
    sections = _sections(GUIDE.read_text(encoding="utf-8"))
    for lesson in (lesson for lesson in LESSONS if lesson.available("solutions")):
        found = re.search(r"\*\*Exercises\*\*: (\d+)", sections[lesson.number])
        assert found, f"lesson {lesson.number}: give the number of exercises"
        cells = json.loads((ROOT / "solutions" / lesson.filename).read_text(encoding="utf-8"))["cells"]
        headings = [
            c
            for c in cells
            if c["cell_type"] == "markdown" and "".join(c["source"]).startswith("## Exercise")
        ]
        assert int(found.group(1)) == len(headings), (lesson.number, len(headings))


def _schedule(text: str, title: str) -> tuple[float, list[tuple[int, int, str]]]:
    """The hours announced in a schedule's heading and its rows as (start minute, minutes, session)."""
    block = text.split(f"### {title} (about ")[1].split("\n### ")[0].split("\n## ")[0]
    hours = float(block.split(" hours")[0])
    rows = re.findall(r"^\| (\d\d):(\d\d) \| (\d+) \| (.+?) \|$", block, re.M)
    return hours, [(int(h) * 60 + int(m), int(minutes), session) for h, m, minutes, session in rows]


@pytest.mark.parametrize("title", ["Full day", "Second day", "Half day"])
def test_schedules_add_up(title):
    text = GUIDE.read_text(encoding="utf-8")
    hours, rows = _schedule(text, title)
    assert rows
    for (start, minutes, _), (next_start, _, session) in zip(rows, rows[1:]):
        assert start + minutes == next_start, (
            f"{title}: {session} should start {minutes} min after the previous one"
        )
    teaching = sum(minutes for _, minutes, session in rows if session != "lunch")
    assert abs(teaching / 60 - hours) <= 0.25, (title, teaching)


def test_the_two_days_teach_every_lesson_for_its_time():
    text = GUIDE.read_text(encoding="utf-8")
    rows = _schedule(text, "Full day")[1] + _schedule(text, "Second day")[1]
    sections = _sections(text)
    for lesson in (lesson for lesson in LESSONS if lesson.available()):
        row = [minutes for _, minutes, session in rows if session.startswith(f"{lesson.number} · ")]
        heading = re.search(r"\((\d+) min\)", sections[lesson.number].splitlines()[0])
        assert heading, f"lesson {lesson.number}: give its teaching time in its heading, e.g. (60 min)"
        assert row == [int(heading.group(1))], f"lesson {lesson.number}: the two days give it {row} minutes"


def test_the_other_half_day_adds_up():
    paragraph = GUIDE.read_text(encoding="utf-8").split("For a half day on training and evaluation instead:")[
        1
    ]
    paragraph = paragraph.split("\n\n")[0]
    minutes = sum(int(m) for m in re.findall(r"\((\d+)\)", paragraph))
    hours, rest = re.search(r"about (\d+) hours? (\d+) minutes", paragraph).groups()
    assert minutes == int(hours) * 60 + int(rest)


def test_the_offline_recipe_downloads_what_the_install_and_the_build_need():
    text = GUIDE.read_text(encoding="utf-8")
    download = next(line for line in text.splitlines() if "pip download" in line)
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    for requirement in ['".[test]"', " pip ", *build]:
        assert requirement.strip('"') in download or requirement in download, (requirement, download)
    install = next(line for line in text.splitlines() if "PIP_NO_INDEX=1" in line)
    assert "PIP_FIND_LINKS=" in install and "./course lab" in install


def test_the_memory_advice_matches_the_one_cpu_table():
    # troubleshooting: "two lessons that import TensorFlow, left running side by side, already need most of
    # the 2 GB, and a third one restarts"; each one alone fits in Binder's 1 GB (tests/test_binder.py).
    assert "already need" in TROUBLESHOOTING.read_text(encoding="utf-8")
    peaks = sorted(mb for _, mb in _one_cpu_table().values())
    assert sum(peaks[-2:]) > 1024 and sum(peaks[-3:]) > 2048, peaks


def test_the_widget_timings_list_every_widget_of_every_widget_lesson():
    text = (ROOT / "docs" / "widget_timings.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| `(notebooks/[^`]+)` \| (\d+) \(cell \d+\) \|", text, re.M)
    expected = [
        (f"notebooks/{path.name}", str(number))
        for path in browser_lab.widget_notebooks()
        for number in range(1, len(browser_lab.widget_views(path)) + 1)
    ]
    assert listed == expected, "run .venv/bin/python tests/browser_lab.py --timings docs/widget_timings.md"


@pytest.mark.parametrize("doc", [GUIDE, TROUBLESHOOTING], ids=lambda p: p.name)
def test_relative_links_point_to_existing_files_and_headings(doc):
    text = doc.read_text(encoding="utf-8")
    for target, anchor in re.findall(r"\]\((?!https?://)([^)#]*)(?:#([^)]+))?\)", text):
        path = (doc.parent / target) if target else doc
        assert path.exists(), f"{doc.name} links to missing {target}"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.M)
            slugs = {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}
            assert anchor in slugs, f"{doc.name} links to a missing heading #{anchor} of {path.name}"
