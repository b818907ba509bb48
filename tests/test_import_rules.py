"""The package's layers, as tests: imports point down only, and the pure core imports nothing heavy.

Layers, from the bottom (CONTRIBUTING, "Layout"):

- core: formulas, metrics, layer specs, histories, data, formatting, the environment;
- reference ops: ``reference_ops``, NumPy convolution and pooling written to be read, and
  ``kernel_learning``, gradient descent on a kernel built on them;
- presentation: ``plots`` (matplotlib) and ``widgets`` (ipywidgets), thin layers over the core;
- checkers: ``checks``, exercise feedback built on the core (never on plots or widgets);
- tooling: what ``./course`` runs.

A module may import from its own layer and the layers below it (presentation and checkers
sit side by side and never import each other). Importing a core or checker module loads no
heavy library: TensorFlow, Keras, matplotlib, ipywidgets, scikit-learn or SciPy.
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
HEAVY = ("tensorflow", "keras", "keras_tuner", "matplotlib", "ipywidgets", "sklearn", "scipy")

# What each layer may import from the package, and which heavy libraries importing it may load.
ALLOWED_IMPORTS = {
    "core": {"core"},
    "reference ops": {"core", "reference ops"},
    "presentation": {"core", "reference ops", "presentation"},
    "checkers": {"core", "reference ops", "checkers"},
    "tooling": {"core", "reference ops", "presentation", "checkers", "tooling"},
}
ALLOWED_HEAVY = {
    "core": set(),
    "reference ops": set(),
    "checkers": set(),
    "presentation": {"matplotlib", "ipywidgets"},
}
"""Heavy libraries that importing a module of each layer may load (tooling, run by ./course only, is not probed)."""


def layer(module: str) -> str:
    """The layer a ``course_utils`` module belongs to."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] == "tooling":
        return "tooling"
    if len(parts) > 1 and parts[1] == "checks":
        return "checkers"
    if len(parts) > 1 and parts[1] in ("plots", "widgets"):
        return "presentation"
    if module in ("course_utils.reference_ops", "course_utils.kernel_learning"):
        return "reference ops"
    return "core"


MODULES = ["course_utils"] + sorted(
    info.name for info in pkgutil.walk_packages(course_utils.__path__, "course_utils.")
)


def _path(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    return Path(spec.origin)


def _imported_modules(module: str) -> set[str]:
    """Every ``course_utils`` module that ``module`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(_path(module).read_text(), filename=str(_path(module)))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from course_utils import params` imports the module course_utils.params
            names = [
                f"{node.module}.{alias.name}"
                if importlib.util.find_spec(node.module).submodule_search_locations is not None
                and f"{node.module}.{alias.name}" in MODULES
                else node.module
                for alias in node.names
            ]
        else:
            continue
        found.update(name for name in names if name == "course_utils" or name.startswith("course_utils."))
    return found - {module}


def test_every_module_has_a_layer():
    assert {layer(module) for module in MODULES} <= set(ALLOWED_IMPORTS)
    assert "course_utils.arithmetic" in MODULES and "course_utils.checks" in MODULES


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
