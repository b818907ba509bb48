"""The maintainer tooling behind ``./course``: run notebooks, time them, generate exercises, make the
stored runs, compare training outputs within a tolerance (the nbval extension).

It lives in the checkout, beside the package, and is not installed: ``course_utils`` is what
learners import, and it never imports this. ``./course`` runs these modules with
``python -m course_tools.<module>`` from the repository root, and pytest finds them through
``pythonpath`` in ``pyproject.toml`` (the nbval extension is ``-p course_tools.nbval_tolerance``).
They may import anything from ``course_utils``; they are the only code that knows where the
checkout is (:data:`ROOT`), and where the package's data files are in it (:data:`DATA_FILES`).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
"""The repository root: the checkout that holds ``course_tools/``, ``course_utils/`` and the notebooks."""
DATA_FILES = ROOT / "course_utils" / "data_files"
"""The package's data files in the checkout, which the stored-run commands write."""


def checkout_path(path) -> str:
    """``path`` as written from the repository root, with forward slashes: what a stored file records.

    Examples
    --------
    >>> checkout_path(ROOT / "course_tools" / "sweeps.py")
    'course_tools/sweeps.py'
    """
    return Path(path).resolve().relative_to(ROOT).as_posix()
