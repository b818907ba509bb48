"""Find, execute and save the course notebooks (Restart & Run All, from the command line).

Usage::

    python -m course_tools.notebooks notebooks/02_padding_and_stride.ipynb

executes each notebook in a fresh kernel, in the notebook's own folder, and saves
it with its outputs: the same as Restart & Run All then Save in JupyterLab.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from course_tools import ROOT

LESSON_FOLDERS = ("notebooks", "solutions", "exercises")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
CELL_TIMEOUT = 600


def course_notebooks(folders=LESSON_FOLDERS) -> list[Path]:
    """Every notebook of the course, in lesson order, folder by folder."""
    return [path for folder in folders for path in sorted((ROOT / folder).glob("*.ipynb"))]


def read(path: Path) -> nbformat.NotebookNode:
    """Read a notebook as nbformat version 4."""
    return nbformat.read(str(path), as_version=4)


def write(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write a notebook in the course's canonical form (sorted keys, 1-space indent)."""
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nbformat.validate(nb)
    Path(path).write_text(nbformat.writes(nb) + "\n", encoding="utf-8")


def make_client(nb: nbformat.NotebookNode, path: Path):
    """An nbclient client that runs ``nb`` in a fresh python3 kernel, in its folder."""
    from nbclient import NotebookClient

    return NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(Path(path).resolve().parent)}},
    )


def execute(path: Path) -> nbformat.NotebookNode:
    """Restart & Run All ``path`` and save it with its outputs. Raise on a cell error."""
    path = Path(path)
    nb = read(path)
    make_client(nb, path).execute()
    write(nb, path)
    return nb


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="notebooks to execute and save")
    args = parser.parse_args(argv)
    for path in args.paths:
        print(f"executing {path} ...", flush=True)
        try:
            execute(path)
        except Exception as error:
            print(f"FAILED {path}: {type(error).__name__}: {str(error)[-2000:]}", file=sys.stderr)
            return 1
        print(f"saved {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
