"""Binder: launch links from one repository address, postBuild in a Binder-like environment, memory.

mybinder.org builds the image from ``environment.yml`` and then runs ``postBuild``. The launch links in
the README and the docs are all derived from the one ``[repository]: https://github.com/OWNER/NAME``
definition at the top of the README.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from course_tools.timing import BUDGET_MB

ROOT = Path(__file__).resolve().parents[1]
BRANCH = "main"
DOCUMENTS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
BINDER_LINK = re.compile(r"https?://(?:www\.)?mybinder\.org/(?!badge_logo\.svg)[^\s)\]>\"']*")
BINDER_GUARANTEED_MB = 1000  # mybinder.org guarantees 1 GB (and restarts the kernel above 2 GB)
KERNEL_BUDGET_MB = BUDGET_MB  # one notebook's kernel: what is left of 1 GB beside the Jupyter server
NETWORK_ERRORS = (
    "Could not find a version",
    "No matching distribution",
    "NewConnectionError",
    "Network is unreachable",
)


def repository() -> tuple[str, str]:
    """``(owner, name)`` from the README's single ``[repository]:`` link definition."""
    found = re.findall(
        r"^\[repository\]: https://github\.com/([\w.-]+)/([\w.-]+)$", (ROOT / "README.md").read_text(), re.M
    )
    assert len(found) == 1, f"README.md must define [repository] exactly once, found {found}"
    return found[0]


def binder_link(path: str) -> str:
    """The launch link that opens ``path`` (relative to the repository) in JupyterLab on mybinder.org."""
    owner, name = repository()
    return f"https://mybinder.org/v2/gh/{owner}/{name}/{BRANCH}?urlpath=lab/tree/{path}"


def _launch_problem(link: str, form: str, build) -> str | None:
    """What is wrong with a launch link of the given ``form`` (a pattern whose group is the notebook's
    path), or None when it is the link ``build(path)`` makes for a notebook of the course."""
    match = re.fullmatch(form, link)
    if not match:
        return f"{link} does not have the form {build('notebooks/NN_topic.ipynb')}"
    path = match.group(1)
    if link != build(path):
        return f"{link} should be {build(path)} (the [repository] of README.md, branch {BRANCH})"
    if (
        not re.fullmatch(r"(notebooks|exercises|solutions)/\d\d_\w+\.ipynb", path)
        or not (ROOT / path).is_file()
    ):
        return f"{link} names {path}, which is not a notebook of the course"
    return None


def link_problem(link: str) -> str | None:
    """What is wrong with a Binder launch link, or None when it has the course's form."""
    return _launch_problem(
        link, r"https://mybinder\.org/v2/gh/[^/?]+/[^/?]+/[^/?]+\?urlpath=lab/tree/(\S+)", binder_link
    )


def _problems(pattern: re.Pattern, problem) -> tuple[dict[str, list[str]], list[str]]:
    """The links ``pattern`` finds in each document, and what ``problem`` says is wrong with them."""
    links = {doc.name: pattern.findall(doc.read_text()) for doc in DOCUMENTS}
    return links, [
        f"{name}: {problem(link)}" for name, found in links.items() for link in found if problem(link)
    ]


def test_every_binder_link_launches_an_existing_notebook_of_the_repository():
    links, problems = _problems(BINDER_LINK, link_problem)
    assert not problems, "\n".join(problems)
    readme = set(links["README.md"])
    lessons = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert {binder_link(f"notebooks/{path.name}") for path in lessons} <= readme, (
        "a lesson has no launch link"
    )


COLAB_LINK = re.compile(r"https?://colab\.research\.google\.com/(?!assets/)[^\s)\]>\"']*")


def colab_link(path: str) -> str:
    """The link that opens ``path`` (relative to the repository) on Colab, from the same repository and branch."""
    owner, name = repository()
    return f"https://colab.research.google.com/github/{owner}/{name}/blob/{BRANCH}/{path}"


def colab_problem(link: str) -> str | None:
    """What is wrong with an "open in Colab" link, or None when it has the course's form."""
    return _launch_problem(
        link, r"https://colab\.research\.google\.com/github/[^/]+/[^/]+/blob/[^/]+/(\S+)", colab_link
    )


def test_every_colab_link_opens_an_existing_notebook_of_the_repository():
    links, problems = _problems(COLAB_LINK, colab_problem)
    assert not problems, "\n".join(problems)
    lessons = sorted((ROOT / "notebooks").glob("*.ipynb"))
    missing = {colab_link(f"notebooks/{path.name}") for path in lessons} - set(links["README.md"])
    assert not missing, f"a lesson has no Colab link in the README: {sorted(missing)}"
    # beside Binder's, on the lesson's own row of the table
    for path in lessons:
        row = next(
            line
            for line in (ROOT / "README.md").read_text().splitlines()
            if f"(notebooks/{path.name})" in line
        )
        assert binder_link(f"notebooks/{path.name}") in row and colab_link(f"notebooks/{path.name}") in row, (
            row
        )


@pytest.mark.parametrize(
    "link, fragment",
    [
        (
            "https://colab.research.google.com/github/someone/else/blob/main/notebooks/00_start_here.ipynb",
            "should be",
        ),
        (
            "https://colab.research.google.com/github/{repo}/blob/master/notebooks/00_start_here.ipynb",
            "should be",
        ),
        (
            "https://colab.research.google.com/github/{repo}/blob/main/notebooks/99_missing.ipynb",
            "not a notebook",
        ),
        ("https://colab.research.google.com/drive/1abc", "form"),
    ],
)
def test_the_colab_link_check_names_what_is_wrong(link, fragment):
    owner, name = repository()
    problem = colab_problem(link.format(repo=f"{owner}/{name}"))
    assert problem is not None and fragment in problem, problem


def test_the_notebooks_colab_links_agree_with_the_readme():
    from course_tools.colab import colab_link as written

    assert written("notebooks/01_convolution_arithmetic.ipynb") == colab_link(
        "notebooks/01_convolution_arithmetic.ipynb"
    )


@pytest.mark.parametrize(
    "link, fragment",
    [
        (
            "https://mybinder.org/v2/gh/someone/else/main?urlpath=lab/tree/notebooks/00_start_here.ipynb",
            "should be",
        ),
        (
            "https://mybinder.org/v2/gh/{repo}/master?urlpath=lab/tree/notebooks/00_start_here.ipynb",
            "should be",
        ),
        (
            "https://mybinder.org/v2/gh/{repo}/main?urlpath=lab/tree/notebooks/99_missing.ipynb",
            "not a notebook",
        ),
        ("https://mybinder.org/v2/gh/{repo}/main?urlpath=lab/tree/postBuild", "not a notebook"),
        ("https://mybinder.org/v2/gh/{repo}/main?filepath=notebooks/00_start_here.ipynb", "form"),
        ("https://mybinder.org/v2/gh/{repo}/main?urlpath=tree/notebooks/00_start_here.ipynb", "form"),
    ],
)
def test_the_link_check_names_what_is_wrong(link, fragment):
    owner, name = repository()
    problem = link_problem(link.format(repo=f"{owner}/{name}"))
    assert problem is not None and fragment in problem, problem


def _copy_of_the_repository(target: Path) -> Path:
    """What postBuild needs of the repository, copied so that the test leaves the tree untouched."""
    for name in ("pyproject.toml", "README.md", "LICENSE", "postBuild"):
        shutil.copy2(ROOT / name, target / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    shutil.copytree(ROOT / "course_utils", target / "course_utils", ignore=ignore)
    shutil.copytree(ROOT / ".jupyter", target / ".jupyter", ignore=ignore)
    return target


def _run(command, env, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)


def _binder_python() -> str:
    """The Python that environment.yml gives Binder, when it is installed here; else this one."""
    wanted = re.search(r"python=(3\.\d+)", (ROOT / "environment.yml").read_text()).group(1)
    found = subprocess.run([str(ROOT / "course"), "find-python", wanted], capture_output=True, text=True)
    return found.stdout.strip() if found.returncode == 0 else sys.executable


@pytest.mark.slow
def test_post_build_installs_the_course_whatever_setuptools_the_environment_has(tmp_path):
    # A fresh Python 3.11 environment, as on Binder: its setuptools (65.5 from ensurepip) is older than
    # the 77 that pyproject.toml's license expression needs.
    venv = tmp_path / "binder-env"
    subprocess.run([_binder_python(), "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", VIRTUAL_ENV=str(venv))
    version = "import importlib.metadata as m; print(m.version('setuptools'))"
    found = _run([python, "-c", version], env, tmp_path).stdout.strip()  # empty: no setuptools
    if not found or int(found.split(".")[0]) >= 77:
        installed = _run([python, "-m", "pip", "install", "-q", "setuptools==65.5.0"], env, tmp_path)
        if installed.returncode and any(e in installed.stderr for e in NETWORK_ERRORS):
            pytest.skip("needs PyPI (or pip's cache) to install setuptools 65.5.0")
    old_setuptools = _run([python, "-c", version], env, tmp_path).stdout.strip()
    assert int(old_setuptools.split(".")[0]) < 77
    repo = _copy_of_the_repository(tmp_path)

    # The old postBuild command fails here, as it did on Binder: this environment reproduces the problem.
    old = _run([python, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "-e", "."], env, repo)
    assert old.returncode != 0 and "project.license" in old.stdout + old.stderr, old.stdout[-2000:]

    result = _run(["bash", str(repo / "postBuild")], env, tmp_path)
    if result.returncode and any(e in result.stdout + result.stderr for e in NETWORK_ERRORS):
        pytest.skip("needs PyPI (or pip's cache) to fetch the setuptools that pyproject.toml's build needs")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    probe = (
        "import importlib.metadata as m, importlib.util as u, sys;"
        "print(m.version('designing-cnns')); print(u.find_spec('course_utils').origin); print(sys.prefix)"
    )
    installed_version, origin, prefix = _run([python, "-c", probe], env, tmp_path).stdout.split()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert installed_version == project["version"]
    assert Path(origin) == repo / "course_utils" / "__init__.py"  # editable: the learner's edits count
    settings = Path(prefix) / "share" / "jupyter" / "lab" / "settings"
    for name in ("overrides.json", "page_config.json"):
        assert (settings / name).read_bytes() == (ROOT / ".jupyter" / "lab" / "settings" / name).read_bytes()
    assert _run([python, "-c", version], env, tmp_path).stdout.strip() == old_setuptools  # left as it was

    # and with no setuptools at all in the environment
    assert _run([python, "-m", "pip", "uninstall", "-y", "-q", "setuptools"], env, tmp_path).returncode == 0
    again = _run(["bash", str(repo / "postBuild")], env, tmp_path)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert _run([python, "-c", probe], env, tmp_path).stdout.split()[1] == origin


def test_jupyterlab_reads_its_settings_where_post_build_puts_them():
    # postBuild copies the settings to <sys.prefix>/share/jupyter/lab/settings: JupyterLab's app_settings_dir
    # when JUPYTERLAB_DIR is not set (as on Binder).
    code = (
        "import sys, os; from jupyterlab.labapp import LabApp;"
        "print(os.path.realpath(LabApp().app_settings_dir));"
        "print(os.path.realpath(os.path.join(sys.prefix, 'share', 'jupyter', 'lab', 'settings')))"
    )
    env = {k: v for k, v in os.environ.items() if k != "JUPYTERLAB_DIR"}
    lines = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    used, filled = lines.stdout.split()
    assert used == filled


def peak_memory(table: Path) -> dict[str, float]:
    """Notebook -> kernel peak RSS (MB) from a timing table written by ``./course timings``."""
    rows = re.findall(r"^\| `([^`]+)` \| [\d.]+ \| ([\d.]+) \|", table.read_text(), re.M)
    return {path: float(mb) for path, mb in rows}


TIMING_TABLES = [ROOT / "docs" / "notebook_timings.md", ROOT / "docs" / "notebook_timings_1cpu.md"]


def test_every_notebook_kernel_fits_beside_the_server_in_the_memory_binder_guarantees():
    for table in TIMING_TABLES:
        peak = peak_memory(table)
        missing = [f"notebooks/{p.name}" for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]
        missing = [path for path in missing if path not in peak]
        assert not missing, f"{table.name} has no row for {missing}: run ./course timings"
        over = {path: mb for path, mb in peak.items() if mb > KERNEL_BUDGET_MB}
        assert not over, (
            f"{table.name}: above the {KERNEL_BUDGET_MB:.0f} MB a kernel may take of the "
            f"{BINDER_GUARANTEED_MB} MB Binder guarantees: {over}"
        )
