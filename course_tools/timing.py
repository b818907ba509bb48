"""Time every notebook in a fresh kernel and record the table in docs/.

Usage::

    python -m course_tools.timing                 # every lesson, exercise and solution
    python -m course_tools.timing notebooks/03_pooling.ipynb

For each notebook it records the wall time of Restart & Run All (kernel start
included) and the kernel's peak resident memory, read by the kernel itself from
``getrusage`` after the last cell. The saved notebook is not modified.
The table goes to ``docs/notebook_timings.md``; rows of notebooks that were not
run this time are kept. ``--cpus 1`` runs the kernels on one CPU, as on Binder,
and writes ``docs/notebook_timings_1cpu.md``.

``--determinism-cost`` runs each notebook (lesson 05 by default) several times with
TensorFlow's op determinism on and off, alternating, and writes the medians to
``docs/determinism_cost.md``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import time
from pathlib import Path

import nbformat

from course_tools import ROOT
from course_tools.notebooks import course_notebooks, make_client, read
from course_utils import cpu_count

DOCS = ROOT / "docs"
TABLE = DOCS / "notebook_timings.md"
BUDGET_SECONDS = 45.0
BUDGET_MB = 880.0
"""A kernel's peak on Binder: mybinder.org guarantees 1 GB, and the Jupyter server takes about 113 MB
of it (``tests/test_browser.py`` measures the server and checks the sum)."""


PEAK_MEMORY_CELL = (
    "import json as _json, resource as _resource\n"
    "print('PEAK_RSS_KB=' + _json.dumps(max(_resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss,"
    " _resource.getrusage(_resource.RUSAGE_CHILDREN).ru_maxrss)))"
)
ROW = re.compile(r"^\| `(?P<path>[^`]+)` \| (?P<seconds>[\d.]+) \| (?P<mb>[\d.]+) \| (?P<ok>[^|]+) \|$")


def measure(path: Path) -> dict:
    """Run ``path`` in a fresh kernel; return its wall time (s) and peak RSS (MB)."""
    nb = read(path)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK_MEMORY_CELL))
    start = time.perf_counter()
    make_client(nb, path).execute()
    seconds = time.perf_counter() - start
    text = "".join(out.get("text", "") for out in nb.cells[-1].outputs)
    kilobytes = json.loads(text.split("PEAK_RSS_KB=")[1].split()[0])
    return {"seconds": seconds, "mb": kilobytes / 1024}


DETERMINISM_TABLE = DOCS / "determinism_cost.md"
DETERMINISM_DEFAULT = ROOT / "notebooks" / "05_training_a_cnn.ipynb"


def _last_run() -> str:
    """When and where a table was written: the date, the CPUs, Python and the processor."""
    cpus = cpu_count()
    return (
        f"Last run: {datetime.date.today().isoformat()}, {cpus} CPU{'s' if cpus > 1 else ''}, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )


def determinism_cost(paths: list[Path], repeats: int = 3, table: Path = DETERMINISM_TABLE) -> str:
    """Time ``paths`` with op determinism on and off (alternating runs) and write the medians."""
    lines = [
        "# What op determinism costs",
        "",
        "`setup(keras=True)` turns on TensorFlow's op determinism, so that a notebook run twice on one",
        "machine prints the same digits. Written by `./course timings --determinism-cost`: each notebook",
        f"runs {repeats} times with it on and {repeats} times with it off (`COURSE_OP_DETERMINISM=0`),",
        "alternating, in fresh kernels; the table gives the median wall times.",
        f"{_last_run()}, load average {os.getloadavg()[0]:.1f} "
        "at the start (other work on the machine adds noise to both columns alike).",
        "",
        "| notebook | determinism on (s) | off (s) | cost (s) | cost (%) |",
        "|---|---:|---:|---:|---:|",
    ]
    previous = os.environ.get("COURSE_OP_DETERMINISM")
    try:
        for path in paths:
            times = {"1": [], "0": []}
            for _ in range(repeats):
                for setting in ("1", "0"):
                    os.environ["COURSE_OP_DETERMINISM"] = setting
                    times[setting].append(measure(path)["seconds"])
                    print(f"  {path.name} determinism={setting}: {times[setting][-1]:.1f} s", flush=True)
            on, off = statistics.median(times["1"]), statistics.median(times["0"])
            key = str(path.relative_to(ROOT))
            lines.append(
                f"| `{key}` | {on:.1f} | {off:.1f} | {on - off:+.1f} | {100 * (on - off) / off:+.0f}% |"
            )
    finally:
        if previous is None:
            os.environ.pop("COURSE_OP_DETERMINISM", None)
        else:
            os.environ["COURSE_OP_DETERMINISM"] = previous
    text = "\n".join(lines) + "\n"
    table.write_text(text, encoding="utf-8")
    return text


def _existing_rows(table: Path) -> dict[str, dict]:
    rows = {}
    if table.exists():
        for line in table.read_text(encoding="utf-8").splitlines():
            match = ROW.match(line.strip())
            if match:
                rows[match["path"]] = {"seconds": float(match["seconds"]), "mb": float(match["mb"])}
    return rows


def write_table(rows: dict[str, dict], table: Path = TABLE) -> str:
    """Write the timing table (sorted by path) to ``table`` and return it."""
    lines = [
        "# Notebook timings",
        "",
        "Written by `./course timings`: each notebook runs top to bottom in a fresh kernel.",
        f"Budget: at most {BUDGET_SECONDS:.0f} s and {BUDGET_MB:.0f} MB (kernel peak RSS) per notebook.",
        f"{_last_run()}.",
        "Wall time includes starting the kernel and importing TensorFlow where a notebook uses it.",
        "What TensorFlow's op determinism (turned on by `setup(keras=True)`) costs: "
        "[determinism_cost.md](determinism_cost.md).",
        "",
        "| notebook | wall time (s) | peak RSS (MB) | within budget |",
        "|---|---:|---:|---|",
    ]
    for path in sorted(rows):
        row = rows[path]
        verdict = "yes" if row["seconds"] <= BUDGET_SECONDS and row["mb"] <= BUDGET_MB else "NO"
        lines.append(f"| `{path}` | {row['seconds']:.1f} | {row['mb']:.0f} | {verdict} |")
    text = "\n".join(lines) + "\n"
    table.parent.mkdir(exist_ok=True)
    table.write_text(text, encoding="utf-8")
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Time notebooks and write docs/notebook_timings.md.")
    parser.add_argument(
        "paths", nargs="*", type=Path, help="notebooks (default: every lesson, exercise and solution)"
    )
    parser.add_argument("--cpus", type=int, help="run the kernels on this many CPUs only (1 is like Binder)")
    parser.add_argument(
        "--determinism-cost",
        action="store_true",
        help="time with op determinism on and off -> docs/determinism_cost.md (default: lesson 05)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per setting for --determinism-cost")
    args = parser.parse_args(argv)
    if args.determinism_cost:
        print(determinism_cost([p.resolve() for p in args.paths] or [DETERMINISM_DEFAULT], args.repeats))
        return 0
    paths = [p.resolve() for p in args.paths] or course_notebooks()
    table = TABLE
    if args.cpus:
        # Kernels inherit the CPU affinity, and setup() sizes its thread pools from it.
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[: args.cpus])
        table = DOCS / f"notebook_timings_{args.cpus}cpu.md"
    rows = _existing_rows(table)
    over = []
    for path in paths:
        key = str(path.relative_to(ROOT))
        print(f"timing {key} ...", flush=True)
        rows[key] = measure(path)
        print(f"  {rows[key]['seconds']:.1f} s, {rows[key]['mb']:.0f} MB", flush=True)
        if rows[key]["seconds"] > BUDGET_SECONDS or rows[key]["mb"] > BUDGET_MB:
            over.append(key)
    print(write_table(rows, table))
    if over:
        print("over budget: " + ", ".join(over))
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
