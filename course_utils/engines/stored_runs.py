"""The runs the course trained once and stored, as the lessons read them.

Some experiments take longer to train than a lesson has (lesson 08's 110 runs of its remedies,
lesson 09's experiments on 100x100 canvases, each from several seeds), so they were trained once
and stored with the package, in JSON files that record the command and the machine that made
them. Reading them needs neither Keras nor TensorFlow:

- :func:`load_sweeps`: lesson 08's runs (``./course sweeps``), which lessons 05 and 07 also read
  (lesson 05's CNN from five seeds);
- :func:`load_capstone`: lesson 09's experiments and pretrained trunks (``./course capstone``).

Each takes ``path=None`` (the package's file) or the path of another file that command wrote, and
returns the file's records with its runs grouped by group and name, each name a list over its
seeds: ``{"made_by": ..., "groups": {group: {name: [run, ...]}}}``.

Examples
--------
>>> sweeps = load_sweeps()
>>> sweeps["made_by"]["command"], [run["seed"] for run in sweeps["groups"]["remedies"]["baseline"]]
('./course sweeps', [0, 1, 2, 3, 4])
>>> capstone = load_capstone()
>>> capstone["setup"]["seeds"], sorted(capstone["groups"])[:3]
([0, 1, 2], ['data', 'depth', 'head'])
"""

from __future__ import annotations

import json
from pathlib import Path

from course_utils.core._constraints import Satisfies, validate_arguments
from course_utils.core._validation import describe
from course_utils.engines.data import DATA_DIR

__all__ = ["CAPSTONE_FILE", "SWEEPS_FILE", "load_capstone", "load_sweeps"]

SWEEPS_FILE = DATA_DIR / "runs_08.json"
"""Lesson 08's stored runs, made by ``./course sweeps``."""
CAPSTONE_FILE = DATA_DIR / "capstone_09.json"
"""Lesson 09's stored experiments, made by ``./course capstone``."""


def _stored_path(path):
    """``path`` as given when it can name a file (a non-blank string or a Path) or is None."""
    if path is not None and (not isinstance(path, (str, Path)) or not str(path).strip()):
        raise ValueError(f"path must be the name of a file of stored runs, or None, got {describe(path)}.")
    return path


STORED_PATH = Satisfies(
    _stored_path,
    "None (the package's file) or the name of a file of stored runs",
    valid=None,
    invalid=["", "   ", 3, b"runs.json"],
)
"""Where stored runs are read from: the helpers that read a file of stored runs share it."""


def read_stored(path, default: Path, what: str, command: str) -> dict:
    """A file of stored runs as it is written: ``{'made_by': {...}, 'runs': ..., ...}``.

    ``path`` is the file to read (None: ``default``); ``what`` says what the default file holds and
    ``command`` what makes it, for the messages.

    Raises
    ------
    ValueError
        If ``path`` is not an existing file of stored runs, naming the command that makes it.
    """
    path = Path(default if _stored_path(path) is None else path)
    if not path.is_file():
        raise ValueError(f"path {str(path)!r} is not a file: {what} are made by {command}.")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"path {str(path)!r} is not a file of stored runs: {error}") from None
    if not isinstance(document, dict) or not {"made_by", "runs"} <= set(document):
        raise ValueError(f"path {str(path)!r} is not a file of stored runs written by {command}.")
    return document


def _grouped(document: dict, path) -> dict:
    """The document with its runs (``{key: run}``) grouped: ``{group: {name: [run, ...]}}``."""
    runs = document["runs"]
    if not isinstance(runs, dict) or not all(
        isinstance(run, dict) and {"group", "name"} <= set(run) for run in runs.values()
    ):
        raise ValueError(f"path {str(path)!r}: its runs must each name their group and name.")
    groups: dict = {}
    for run in runs.values():
        groups.setdefault(run["group"], {}).setdefault(run["name"], []).append(run)
    return {**{key: value for key, value in document.items() if key != "runs"}, "groups": groups}


@validate_arguments(path=STORED_PATH)
def load_sweeps(path=None) -> dict:
    """Lesson 08's stored runs (``./course sweeps``; ``path``: another file it wrote), grouped.

    Each run holds its ``settings``, its ``history``, ``val_accuracy`` and ``val_correct`` (one
    character per validation image, ``"1"`` where it is right). A ``path`` that is not a file of
    stored runs is a ``ValueError``.

    Examples
    --------
    >>> sorted(load_sweeps()["groups"])
    ['architecture', 'batch_norm_rates', 'labels', 'remedies', 'schedules']
    """
    document = read_stored(path, SWEEPS_FILE, "lesson 08's stored runs", "./course sweeps")
    return _grouped(document, SWEEPS_FILE if path is None else path)


@validate_arguments(path=STORED_PATH)
def load_capstone(path=None) -> dict:
    """Lesson 09's stored experiments (``./course capstone``; ``path``: another file it wrote), grouped.

    Besides ``groups``, the file records ``about``, ``setup`` (the task, the splits, the seeds and
    the training) and ``pretraining`` (the pretrained trunks). A ``path`` that is not a file of
    stored runs is a ``ValueError``.

    Examples
    --------
    >>> [run["seed"] for run in load_capstone()["groups"]["depth"]["4 stages"]]
    [0, 1, 2]
    """
    document = read_stored(path, CAPSTONE_FILE, "lesson 09's stored experiments", "./course capstone")
    return _grouped(document, CAPSTONE_FILE if path is None else path)
