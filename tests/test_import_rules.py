"""The layers, as tests: imports point down only, and the pure core imports nothing heavy.

The layers are the package's folders, from the bottom (CONTRIBUTING, "Layout"). Inside the
package, ``course_utils``, what learners import:

- ``core/``: the formulas (arithmetic, parameter counts, metrics, the NumPy reference ops and
  gradient descent on a kernel) and what every layer uses (argument checks, formatting, the
  environment);
- ``engines/``: the lesson engines built on the core: layer specs and model summaries, the
  planner, histories and diagnosis, regularization, tuning, comparisons, design evidence,
  transfer, the datasets and the stored runs;
- presentation, ``plots/`` (matplotlib) and ``widgets/`` (ipywidgets): thin layers over the
  engines and the core;
- checkers, ``checks/``: exercise feedback built on the engines and the core (never on plots or
  widgets).

``course_utils/__init__.py`` re-exports ``setup`` and its companions from the core; no module
sits loose beside it. Outside the package, in the repository only:

- tooling: ``course_tools``, what ``./course`` runs for maintainers. It may import anything in
  the package; the package never imports it (read from the source), so an installed package
  stands alone (``tests/test_wheel.py`` builds one).

A module may import from its own layer and the layers below it (presentation and checkers
sit side by side and never import each other), and the modules' imports (at the top or
inside a function) form no circle. Importing a core, engine or checker module loads no heavy library: TensorFlow, Keras,
matplotlib, ipywidgets, scikit-learn or SciPy.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import course_utils

PACKAGE = Path(course_utils.__file__).parent
TOOLING = "course_tools"
"""The maintainer tooling's package, beside ``course_utils`` in the repository."""
HEAVY = ("tensorflow", "keras", "keras_tuner", "matplotlib", "ipywidgets", "sklearn", "scipy")

# What each layer may import from the package, and which heavy libraries importing it may load.
ALLOWED_IMPORTS = {
    "root": {"core"},
    "core": {"core"},
    "engines": {"core", "engines"},
    "presentation": {"core", "engines", "presentation"},
    "checkers": {"core", "engines", "checkers"},
}
ALLOWED_HEAVY = {
    "root": set(),
    "core": set(),
    "engines": set(),
    "checkers": set(),
    "presentation": {"matplotlib", "ipywidgets"},
}
"""Heavy libraries that importing a module of each layer may load."""

FOLDERS = {
    "core": "core",
    "engines": "engines",
    "plots": "presentation",
    "widgets": "presentation",
    "checks": "checkers",
}
"""The package's folders and the layer each one is."""


def layer(module: str) -> str:
    """The layer a ``course_utils`` module belongs to: the folder it sits in."""
    parts = module.split(".")
    if parts == ["course_utils"]:
        return "root"
    return FOLDERS.get(parts[1], f"no layer (course_utils/{parts[1]} is not a layer's folder)")


MODULES = ["course_utils"] + sorted(
    info.name for info in pkgutil.walk_packages(course_utils.__path__, "course_utils.")
)


TOOLING_MODULES = sorted(
    f"{TOOLING}.{path.stem}" if path.stem != "__init__" else TOOLING
    for path in (PACKAGE.parent / TOOLING).glob("*.py")
)


def _path(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    return Path(spec.origin)


def _imports(module: str, package: str = "course_utils") -> set[str]:
    """Every module of ``package`` that ``module`` imports, at the top or inside a function.

    ``importlib.import_module("...")`` and ``__import__("...")`` with a written name count too.
    """
    found = set()
    for node in ast.walk(ast.parse(_path(module).read_text(), filename=str(_path(module)))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from course_utils.core import params` imports the module course_utils.core.params
            names = [
                f"{node.module}.{alias.name}"
                if node.module in MODULES
                and importlib.util.find_spec(node.module).submodule_search_locations is not None
                and f"{node.module}.{alias.name}" in MODULES
                else node.module
                for alias in node.names
            ]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names = [node.args[0].value]
        else:
            continue
        found.update(name for name in names if name == package or name.startswith(f"{package}."))
    return found - {module}


def _imported_modules(module: str) -> set[str]:
    """Every ``course_utils`` module that ``module`` imports, at the top or inside a function."""
    return _imports(module)


def test_every_module_sits_in_a_layer_folder():
    loose = sorted(module for module in MODULES if layer(module) not in ALLOWED_IMPORTS)
    assert not loose, f"{loose}: put each module in one of the layers' folders, {sorted(FOLDERS)}"
    assert {layer(module) for module in MODULES} == set(ALLOWED_IMPORTS)
    assert (
        layer("course_utils.core.arithmetic") == "core" and layer("course_utils.engines.planner") == "engines"
    )
    assert layer("course_utils.plots.images") == layer("course_utils.widgets.model_builder") == "presentation"


def test_the_modules_import_no_circle():
    graph = {module: _imports(module) & set(MODULES) for module in MODULES}
    state: dict[str, str] = {}

    def visit(module, path):
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                return path[path.index(target) :] + [target]
            if target not in state and (circle := visit(target, [*path, target])):
                return circle
        state[module] = "done"
        return None

    for module in MODULES:
        if module not in state and (circle := visit(module, [module])):
            raise AssertionError(f"the imports go round in a circle: {' -> '.join(circle)}")


def test_the_tooling_lives_outside_the_package():
    assert not any(module.split(".")[1:2] == ["tooling"] for module in MODULES)
    assert f"{TOOLING}.notebooks" in TOOLING_MODULES and f"{TOOLING}.nbval_tolerance" in TOOLING_MODULES
    assert not (PACKAGE / TOOLING).exists()


@pytest.mark.parametrize("module", MODULES)
def test_the_package_never_imports_the_tooling(module):
    found = sorted(_imports(module, TOOLING))
    assert not found, (
        f"{module} imports {found}: the package is what learners install, and the tooling stays in the "
        "repository. Move what a lesson needs into the package, and let the tooling import it from there."
    )


@pytest.mark.parametrize("module", TOOLING_MODULES)
def test_the_tooling_imports_modules_the_package_has(module):
    """The tooling may import anything in the package: what it names must be there."""
    missing = sorted(name for name in _imports(module) if name not in MODULES)
    assert not missing, f"{module} imports {missing}, which the package does not have"


@pytest.mark.parametrize("module", MODULES)
def test_imports_point_down_only(module):
    mine = layer(module)
    wrong = sorted(
        f"{target} ({layer(target)})"
        for target in _imported_modules(module)
        if layer(target) not in ALLOWED_IMPORTS[mine] and target != "course_utils"
    )
    assert not wrong, (
        f"{module} ({mine}) may import only from {sorted(ALLOWED_IMPORTS[mine])}: it imports {wrong}"
    )


# One fresh interpreter loads NumPy (not heavy, and used by nearly every module), then forks a
# child per module: the child imports that one module and reports what heavy libraries came with it.
PROBE = """
import importlib, json, os, sys
import numpy
results = {}
for module in MODULES:
    read, write = os.pipe()
    if os.fork() == 0:
        os.close(read)
        try:
            importlib.import_module(module)
            found = sorted(name for name in HEAVY if name in sys.modules)
        except BaseException as error:
            found = [f"import failed: {type(error).__name__}: {error}"]
        os.write(write, json.dumps(found).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        results[module] = json.loads(pipe.read() or '["the probe died"]')
    os.wait()
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def heavy_imports():
    """{module: heavy libraries loaded by importing it in a fresh interpreter}."""
    code = f"MODULES = {PROBED!r}\nHEAVY = {HEAVY!r}\n" + PROBE
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True, env=env
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


PROBED = [module for module in MODULES if layer(module) in ALLOWED_HEAVY]


@pytest.mark.parametrize("module", PROBED)
def test_importing_loads_no_heavy_library(module, heavy_imports):
    loaded = set(heavy_imports[module]) - ALLOWED_HEAVY[layer(module)]
    assert not loaded, (
        f"import {module} ({layer(module)}) loads {sorted(loaded)}: import them inside the function"
    )


def test_building_a_widget_imports_no_tensorflow():
    code = (
        "import sys\n"
        "from course_utils.widgets.conv_explorer import conv_explorer\n"
        "from course_utils.widgets.pooling_explorer import pooling_explorer\n"
        "from course_utils.widgets.model_builder import model_builder\n"
        "conv_explorer(); pooling_explorer(); model_builder()\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"


# The checkers' own rule (no lesson's checkers import another lesson's) is tests/test_checks_runs.py's.
