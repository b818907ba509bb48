"""Open any notebook of the course in Colab: its badge and install cell, and a test that does what Colab does.

Every lesson, exercise and solution notebook starts with an "Open in Colab" badge (the first line of its
first markdown cell) and its first code cell is the install cell (:data:`INSTALL_CELL`): on Colab
(``"google.colab" in sys.modules``) it pip-installs the course, quietly, from the repository's ``main``
branch, or the wheel named by ``COURSE_WHEEL``; anywhere else it does nothing and prints nothing. Both are
built from the one repository address the README defines (``[repository]: https://github.com/OWNER/NAME``)::

    python -m course_tools.colab cells            # write the badges and install cells (idempotent)
    python -m course_tools.colab cells --check    # exit 1 when a notebook lacks them or has an old form
    python -m course_tools.colab test [NB...]     # ./course colab-test: run notebooks as on Colab

``test`` builds a wheel from the checkout, makes (or reuses) a fresh virtual environment holding only the
newest releases of the course's runtime requirements and the full TensorFlow build (what Colab
preinstalls, never the pins of ``constraints.txt``), then runs each notebook alone in an empty folder with
nbval and the course's output tolerances, in a kernel that believes it is on Colab: a fake
``google.colab`` module from an IPython startup file. The notebook's own install cell installs the wheel.
The environment is cached under ``~/.cache/designing-cnns/colab/`` by the resolved versions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from course_tools import ROOT

BRANCH = "main"
FOLDERS = ("notebooks", "exercises", "solutions")
"""The folders whose notebooks open in Colab (exercises get their cells from their solutions)."""
EDITED = ("notebooks", "solutions")
"""The folders ``cells`` edits; ``./course exercises`` copies the cells into exercises/."""
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
INSTALL_MARKER = "# Colab: install the course"
"""The first line of the install cell: how ``cells`` recognises an install cell of an older form."""
COLAB_DEFAULT = ("01", "05", "09")
"""The lessons CI runs as on Colab (./course colab-test with no argument runs every lesson)."""
CACHE = Path(os.environ.get("COURSE_COLAB_CACHE", Path.home() / ".cache" / "designing-cnns" / "colab"))
PACKAGING = ("pyproject.toml", "README.md", "LICENSE")
"""The files besides the package that building the wheel reads."""
SETUPTOOLS_NEEDED = 77
"""The first setuptools that reads ``license = "MIT"`` (pyproject.toml's [build-system] asks for it)."""
RUNNER = ("ipykernel", "pytest", "nbval")
"""What runs the notebook in the Colab-like environment, as Colab's own Jupyter does (newest releases)."""
# The Colab-like run resolves the newest releases, so the versions setup() and lesson 00 print may differ
# from the saved (pinned) ones: only there are they sanitized.
VERSION_SANITIZERS = {
    "numpy version": (r"NumPy \d+\.\d+\.\d+\S*", "NumPy X.Y.Z"),
    "keras version": (r"Keras \d+\.\d+\.\d+\S* \(TensorFlow \d+\.\d+\.\d+\S*\)", "Keras X (TensorFlow Y)"),
    "installed version": (r"installed \d+\.\d+\S*( *)", r"installed X.Y.Z\1"),
}


def repository() -> str:
    """``OWNER/NAME`` from the README's one ``[repository]: https://github.com/OWNER/NAME`` definition."""
    found = re.findall(
        r"^\[repository\]: https://github\.com/([\w.-]+/[\w.-]+)$", (ROOT / "README.md").read_text(), re.M
    )
    if len(found) != 1:
        raise ValueError(f"README.md must define [repository] exactly once, found {found}")
    return found[0]


def colab_link(path: str) -> str:
    """The address that opens ``path`` (relative to the repository root) in Colab."""
    return f"https://colab.research.google.com/github/{repository()}/blob/{BRANCH}/{path}"


def badge(path: str) -> str:
    """The badge line that starts the first markdown cell of the notebook at ``path``."""
    return f"[![Open In Colab]({BADGE_IMAGE})]({colab_link(path)})"


def install_requirement() -> str:
    """What the install cell gives pip on Colab: the course from its repository's branch."""
    return f"designing-cnns @ git+https://github.com/{repository()}@{BRANCH}"


def install_cell() -> str:
    """The first code cell of every notebook (formatted as ruff formats it)."""
    return f'''{INSTALL_MARKER} (quietly, from its repository); anywhere else this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import os
    import subprocess

    # COURSE_WHEEL: a wheel file to install instead (the course's Colab-like test sets it)
    COURSE = (
        os.environ.get("COURSE_WHEEL")
        or "{install_requirement()}"
    )
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", COURSE], capture_output=True, text=True
    )
    if pip.returncode:
        raise RuntimeError(f"Installing the course failed:\\n{{pip.stdout}}{{pip.stderr}}")'''


_BADGE_LINE = re.compile(r"^\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)\n*")


def with_badge(source: str, path: str) -> str:
    """``source`` (a first markdown cell) starting with the badge for ``path``, any older badge replaced.

    Examples
    --------
    >>> text = with_badge("# 01 · Title", "notebooks/01_x.ipynb")
    >>> text.endswith("notebooks/01_x.ipynb)\\n\\n# 01 · Title")
    True
    >>> with_badge(text, "notebooks/01_x.ipynb") == text
    True
    """
    return f"{badge(path)}\n\n{_BADGE_LINE.sub('', source, count=1)}"


def _is_install_cell(cell) -> bool:
    return cell.cell_type == "code" and cell.source.startswith(INSTALL_MARKER)


def with_colab_cells(nb, path: str):
    """Return ``nb`` with the badge for ``path`` and the install cell before its first code cell."""
    import nbformat

    first = nb.cells[0]
    if first.cell_type != "markdown":
        raise ValueError(f"{path}: the first cell should be the title (markdown), not {first.cell_type}")
    first.source = with_badge(first.source, path)
    code = [index for index, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    if code and _is_install_cell(nb.cells[code[0]]):
        nb.cells[code[0]].source = install_cell()
    else:
        cell = nbformat.v4.new_code_cell(install_cell())
        cell.id = "colab-install"
        nb.cells.insert(code[0] if code else len(nb.cells), cell)
    return nb


LESSON_00_TEXT = {
    # How lesson 00 introduces the first code cells and its environment check (version ranges, constraints.txt).
    "The first code cell of every notebook is the same. `course_utils` is the course's small helper package.": (
        "The first code cell of every notebook installs the course when the notebook runs on Colab (it is\n"
        "preinstalled everywhere else, so there the cell does nothing). The second is the same in every notebook:\n"
        "`course_utils` is the course's small helper package."
    ),
    "The course pins the version of every package it uses, so that your outputs match the saved ones.\n"
    "This table compares what is installed with those pins. Every row should say `ok`.": (
        "The course supports a range of versions of each package it uses (it is tested with exact versions,\n"
        "which `./course` and Binder install). This table compares what is installed with those ranges.\n"
        "Every row should say `ok`."
    ),
}


def notebook_paths(folders=EDITED) -> list[Path]:
    return [path for folder in folders for path in sorted((ROOT / folder).glob("*.ipynb"))]


def write_cells(check: bool = False) -> list[Path]:
    """Give every lesson and solution its badge and install cell; return the notebooks that changed (or would)."""
    import nbformat

    from course_tools.notebooks import read

    changed = []
    for path in notebook_paths():
        before = path.read_text()
        nb = with_colab_cells(read(path), path.relative_to(ROOT).as_posix())
        for cell in nb.cells if path.name.startswith("00_") else []:
            for old, new in LESSON_00_TEXT.items():
                cell.source = cell.source.replace(old, new)
        after = nbformat.writes(nb) + "\n"
        if after != before:
            changed.append(path)
            if not check:
                path.write_text(after)
    return changed


# ---------------------------------------------------------------------------------------- the wheel


def _build_isolation() -> list[str]:
    """Build with this environment's setuptools when it is new enough (no index needed), else in pip's
    isolated build environment, which installs the setuptools that pyproject.toml asks for."""
    from importlib import metadata

    try:
        major = int(metadata.version("setuptools").split(".")[0])
    except (metadata.PackageNotFoundError, ValueError):
        return []
    return ["--no-build-isolation"] if major >= SETUPTOOLS_NEEDED else []


def build_wheel(out: Path) -> Path:
    """A wheel of the checkout in ``out``, built from a copy of what packaging reads (``pyproject.toml``, the
    README, the licence, ``course_utils/`` and, beside it as in the repository, ``course_tools/``), so that
    nothing left over in the checkout (a ``build/`` folder) can slip into it."""
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="course-wheel-") as folder:
        source = Path(folder)
        for name in PACKAGING:
            shutil.copy(ROOT / name, source / name)
        for package in ("course_utils", "course_tools"):
            shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
        result = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--quiet",
             "--disable-pip-version-check", "-w", str(out), *_build_isolation()],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    if result.returncode:
        raise RuntimeError(f"building the wheel failed:\n{result.stdout}{result.stderr}")
    wheels = sorted(out.glob("designing_cnns-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one wheel in {out}, found {wheels}")
    return wheels[0]


# ------------------------------------------------------------------------ the Colab-like environment


def colab_requirements() -> list[str]:
    """What a Colab runtime has before the install cell: the course's runtime requirements, the full
    TensorFlow build (the ``tensorflow`` extra, never ``tensorflow-cpu``) and the notebook runner."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["tensorflow"], *RUNNER]


def _clean_environment(**extra) -> dict[str, str]:
    """This process's environment without anything that would reach the checkout or another venv."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "VIRTUAL_ENV", "PIP_", "JUPYTER", "IPYTHON", "COURSE_"))
    }
    env.update(PYTHONHASHSEED="0", **extra)
    return env


def resolve_newest(python: str = sys.executable) -> dict[str, str]:
    """The newest releases pip resolves for :func:`colab_requirements` (name -> version), from PyPI."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        result = subprocess.run(
            [python, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
             "--disable-pip-version-check", "--report", str(report), *colab_requirements()],
            capture_output=True, text=True, timeout=900, env=_clean_environment(),
        )  # fmt: skip
        if result.returncode:
            raise RuntimeError(f"resolving the newest releases failed:\n{result.stdout}{result.stderr}")
        installs = json.loads(report.read_text())["install"]
    return {item["metadata"]["name"].lower(): item["metadata"]["version"] for item in installs}


def colab_environment(versions: dict[str, str], python: str = sys.executable) -> tuple[Path, float]:
    """The cached virtual environment holding exactly ``versions``, made if needed; and the seconds it took."""
    interpreter = subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    pins = sorted(f"{name}=={version}" for name, version in versions.items())
    key = hashlib.sha256("\n".join([interpreter, *pins]).encode()).hexdigest()[:16]
    venv = CACHE / f"py{interpreter}-{key}"
    ready = venv / ".course-colab-ready"
    if ready.is_file():
        return venv, 0.0
    start = time.perf_counter()
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=300)
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *pins],
        capture_output=True, text=True, timeout=3600, env=_clean_environment(),
    )  # fmt: skip
    if result.returncode:
        raise RuntimeError(f"making the Colab-like environment failed:\n{result.stdout}{result.stderr}")
    ready.write_text("\n".join(pins) + "\n")
    return venv, time.perf_counter() - start


FAKE_COLAB = '''"""Make this kernel believe it runs on Colab: the install cell checks "google.colab" in sys.modules.

Only google.colab is faked: the google namespace package stays real (protobuf, which TensorFlow imports,
is google.protobuf).
"""
import sys
import types

sys.modules["google.colab"] = types.ModuleType("google.colab")
'''


def _runner_files(folder: Path) -> Path:
    """pytest's settings, the nbval extension and the sanitizers, outside the checkout; returns pytest.ini."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "course_tools" / "nbval_tolerance.py", folder / "nbval_tolerance.py")
    sanitizers = (ROOT / "tests" / "sanitize.cfg").read_text()
    for name, (regex, replace) in VERSION_SANITIZERS.items():
        sanitizers += f"\n[{name}]\nregex: {regex}\nreplace: {replace}\n"
    (folder / "sanitize.cfg").write_text(sanitizers)
    ini = folder / "pytest.ini"
    ini.write_text(
        "[pytest]\naddopts = -p no:cacheprovider -p nbval_tolerance --nbval --nbval-current-env"
        f" --nbval-sanitize-with {folder / 'sanitize.cfg'} --nbval-cell-timeout 600\n"
    )
    return ini


def run_as_on_colab(notebook: Path, venv: Path, wheel: Path, workdir: Path) -> subprocess.CompletedProcess:
    """Run ``notebook`` alone in an empty folder under ``workdir`` with nbval, in ``venv``, as on Colab."""
    runner = workdir / "runner"
    ini = _runner_files(runner)
    ipython = workdir / "ipython"
    startup = ipython / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-google-colab.py").write_text(FAKE_COLAB)
    alone = workdir / "notebook"
    alone.mkdir()
    shutil.copy(notebook, alone / notebook.name)
    # The course comes only from the wheel: the course is uninstalled first (a cached environment keeps
    # what the last run installed), and the kernel's path reaches the runner folder, never the checkout.
    python = str(venv / "bin" / "python")
    env = _clean_environment(
        COURSE_WHEEL=str(wheel),
        IPYTHONDIR=str(ipython),
        PYTHONPATH=str(runner),
        PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
    )
    subprocess.run(
        [python, "-m", "pip", "uninstall", "--yes", "--quiet", "designing-cnns"],
        capture_output=True, env=env, timeout=300,
    )  # fmt: skip
    return subprocess.run(
        [python, "-m", "pytest", "-c", str(ini), "--rootdir", str(alone), "-q", notebook.name],
        cwd=alone, env=env, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip


def _first_failure(report: str, size: int = 6000) -> str:
    """The first failing cell of a pytest report (what went wrong first), then its summary line."""
    start = report.find("Notebook cell execution failed")
    start = report.find("\n_", 0) if start < 0 else start
    return report[max(start, 0) : max(start, 0) + size] + "\n...\n" + report[-300:]


def lesson_paths(names) -> list[Path]:
    """Notebook paths from paths or lesson numbers (``05``); every lesson when ``names`` is empty."""
    if not names:
        return sorted((ROOT / "notebooks").glob("*.ipynb"))
    paths = []
    for name in names:
        if re.fullmatch(r"\d\d", name):
            found = sorted((ROOT / "notebooks").glob(f"{name}_*.ipynb"))
            if len(found) != 1:
                raise ValueError(f"lesson {name!r}: no notebook notebooks/{name}_*.ipynb")
            paths.extend(found)
        elif Path(name).is_file() and name.endswith(".ipynb"):
            paths.append(Path(name).resolve())
        else:
            raise ValueError(f"{name!r} is neither a lesson number (such as 05) nor a notebook file")
    return paths


def colab_test(notebooks: list[Path], wheel: Path | None = None) -> int:
    """Run ``notebooks`` as on Colab; print what was resolved and how long each step took. 0 when all pass."""
    with tempfile.TemporaryDirectory(prefix="course-colab-") as folder:
        folder = Path(folder)
        start = time.perf_counter()
        wheel = wheel or build_wheel(folder / "wheel")
        print(f"wheel: {wheel.name} ({time.perf_counter() - start:.0f} s)", flush=True)
        start = time.perf_counter()
        versions = resolve_newest()
        print(f"resolved the newest releases in {time.perf_counter() - start:.0f} s:", flush=True)
        for name in sorted(versions):
            if name in {"tensorflow", "keras", "numpy", "matplotlib", "scikit-learn", "keras-tuner", "ipywidgets",
                        "packaging", "tensorboard", "nbval", "pytest", "ipykernel"}:  # fmt: skip
                print(f"  {name}=={versions[name]}")
        venv, seconds = colab_environment(versions)
        print(
            f"environment {venv}: " + (f"made in {seconds:.0f} s" if seconds else "reused (cached)"),
            flush=True,
        )
        failed = []
        for index, notebook in enumerate(notebooks):
            start = time.perf_counter()
            result = run_as_on_colab(notebook, venv, wheel, folder / f"run{index}")
            status = "passed" if result.returncode == 0 else "FAILED"
            print(f"{notebook.name}: {status} in {time.perf_counter() - start:.0f} s", flush=True)
            if result.returncode:
                failed.append(notebook.name)
                print(_first_failure(result.stdout) + result.stderr[-3000:], flush=True)
    print(f"{len(notebooks) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    cells = commands.add_parser("cells", help="write the Colab badge and install cell into every notebook")
    cells.add_argument("--check", action="store_true", help="only report notebooks that need them")
    test = commands.add_parser("test", help="run lessons as on Colab (default: every lesson)")
    test.add_argument("notebooks", nargs="*", help="lesson numbers (05) or notebook paths")
    test.add_argument("--wheel", type=Path, help="install this wheel instead of one built from the checkout")
    args = parser.parse_args(argv)
    if args.command == "cells":
        changed = write_cells(check=args.check)
        for path in changed:
            print(f"{'needs' if args.check else 'wrote'} the Colab cells: {path.relative_to(ROOT)}")
        return 1 if args.check and changed else 0
    try:
        notebooks = lesson_paths(args.notebooks)
    except ValueError as error:
        parser.error(str(error))
    return colab_test(notebooks, wheel=args.wheel)


if __name__ == "__main__":
    sys.exit(main())
