"""The markers that ``./course test --fast`` relies on: declared, applied, and on every test that trains.

A test that trains a Keras model must be marked ``slow``, or the quick loop would train. Read from
the test files' source (nothing is run): a test trains when its code, a function of its own module
that it calls, or a fixture of its own module that it takes, calls ``.fit(`` or one of the course's
training runs (:data:`TRAINING_CALLS`), outside a ``pytest.raises`` block (a refused call trains
nothing). A test that trains only inside a course function it calls (a checker, say) is not seen:
mark it by hand when it is slow.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_FILES = sorted((ROOT / "tests").glob("test_*.py"))
MARKERS = {"slow", "notebooks", "browser"}

# (receiver, name): a call of that name, on that receiver (None: on anything, or called by its bare name)
TRAINING_CALLS = {
    (None, "fit"),  # model.fit
    (None, "train"),  # the stored runs' one run: histories, sweeps, capstone
    (None, "train_recipe"),  # lesson 08's recipe
    (None, "reference_seconds"),  # the benchmark's reference workload
    ("tuning", "search"),  # a Keras Tuner search
}


def _dotted(node) -> str:
    """``pytest.mark.slow`` for the expression ``pytest.mark.slow`` (or its call), else ''."""
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return node.id if isinstance(node, ast.Name) else ""


def _marks(node) -> set[str]:
    """The ``pytest.mark.X`` names in a decorator or a ``pytestmark`` value (one mark or a list)."""
    items = node.elts if isinstance(node, (ast.List, ast.Tuple)) else [node]
    return {
        _dotted(item).removeprefix("pytest.mark.")
        for item in items
        if _dotted(item).startswith("pytest.mark.")
    }


def _is_training_call(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute):
        receiver = func.value.id if isinstance(func.value, ast.Name) else None
        return (None, func.attr) in TRAINING_CALLS or (receiver, func.attr) in TRAINING_CALLS
    return isinstance(func, ast.Name) and (None, func.id) in TRAINING_CALLS


def _is_raises(node) -> bool:
    return isinstance(node, ast.With) and any(
        _dotted(item.context_expr) == "pytest.raises" for item in node.items
    )


def _calls(node):
    """Every call under ``node``, except inside ``with pytest.raises(...)`` blocks."""
    for child in ast.iter_child_nodes(node):
        if _is_raises(child):
            continue
        if isinstance(child, ast.Call):
            yield child
        yield from _calls(child)


class Module:
    """One test file: its functions (tests, helpers, fixtures) and the marks of its ``pytestmark``."""

    def __init__(self, path: Path):
        self.path = path
        tree = ast.parse(path.read_text(encoding="utf-8"))
        self.functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
        self.marks = set()
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                getattr(t, "id", "") == "pytestmark" for t in node.targets
            ):
                self.marks |= _marks(node.value)

    def trains(self, name: str, seen: frozenset = frozenset()) -> bool:
        """Whether the module's function ``name`` trains, itself or through its helpers and fixtures."""
        function = self.functions[name]
        seen = seen | {name}
        inner = [arg.arg for arg in function.args.args]  # the fixtures it takes
        for call in _calls(function):
            if _is_training_call(call):
                return True
            if isinstance(call.func, ast.Name):
                inner.append(call.func.id)  # a helper of the module it calls
        return any(
            self.trains(other, seen) for other in inner if other in self.functions and other not in seen
        )

    def is_slow(self, name: str) -> bool:
        function = self.functions[name]
        return "slow" in self.marks or any("slow" in _marks(d) for d in function.decorator_list)

    def tests(self):
        return [name for name in self.functions if name.startswith("test_")]


def unmarked_training_tests(paths) -> list[str]:
    found = []
    for path in paths:
        module = Module(path)
        found += [
            f"{path.name}::{name}"
            for name in module.tests()
            if module.trains(name) and not module.is_slow(name)
        ]
    return found


def test_every_test_that_trains_a_model_is_marked_slow():
    unmarked = unmarked_training_tests(TEST_FILES)
    assert not unmarked, (
        "these tests train a Keras model: mark them @pytest.mark.slow (or the module: "
        f"pytestmark = pytest.mark.slow) so that ./course test --fast leaves them out: {unmarked}"
    )


@pytest.mark.parametrize(
    "source, trains",
    [
        ("def test_a(keras):\n    model.fit(x, y)\n", True),
        ("@pytest.mark.slow\ndef test_a():\n    model.fit(x, y)\n", False),
        ("pytestmark = [pytest.mark.slow]\ndef test_a():\n    H.train(run)\n", False),
        ("def _helper():\n    return tuning.search(t, x, y)\ndef test_a():\n    _helper()\n", True),
        (
            "@pytest.fixture\ndef trained():\n    return train_recipe(x, y)\ndef test_a(trained):\n    pass\n",
            True,
        ),
        ("def test_a():\n    with pytest.raises(ValueError):\n        tuning.search(t, x, y)\n", False),
        ("def test_a():\n    assert re.search('fit', text)\n    assert 'model.fit(' in text\n", False),
        ("def test_a():\n    test_a()\n", False),  # a call of itself ends
    ],
)
def test_the_scan_finds_what_trains(tmp_path, source, trains):
    path = tmp_path / "test_example.py"
    path.write_text("import pytest\n" + source)
    assert unmarked_training_tests([path]) == (["test_example.py::test_a"] if trains else [])


def test_the_markers_are_declared_and_the_fast_loop_leaves_out_each():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    declared = {line.split(":")[0] for line in options["markers"]}
    assert declared == MARKERS
    fast = re.search(r'-m "([^"]*)"', (ROOT / "course").read_text()).group(1)
    assert fast == " and ".join(f"not {marker}" for marker in ("slow", "notebooks", "browser"))


def _root_conftest():
    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Item(SimpleNamespace):
    def add_marker(self, mark):
        self.marks.append(mark.name)


def test_notebook_cells_browser_tests_and_training_doctests_are_marked():
    def example(source):
        return SimpleNamespace(source=source)

    items = [
        _Item(path=ROOT / "notebooks" / "05_training_a_cnn.ipynb", marks=[]),
        _Item(path=ROOT / "exercises" / "05_training_a_cnn.ipynb", marks=[]),
        _Item(path=ROOT / "tests" / "test_browser.py", marks=[]),
        _Item(path=ROOT / "tests" / "test_markers.py", marks=[]),
        _Item(
            path=ROOT / "course_utils" / "engines" / "tuning.py",
            marks=[],
            dtest=SimpleNamespace(examples=[example("run = train_recipe(x, y, None)\n")]),
        ),  # fmt: skip
        _Item(
            path=ROOT / "course_utils" / "engines" / "tuning.py",
            marks=[],
            dtest=SimpleNamespace(examples=[example("result = search(tuner, x, y, (x, y))\n")]),
        ),  # fmt: skip
        _Item(
            path=ROOT / "course_utils" / "x.py",
            marks=[],
            dtest=SimpleNamespace(
                examples=[example("re.search('a', 'b')\n"), example("layer_table(shape, specs)\n")]
            ),
        ),  # fmt: skip
    ]
    _root_conftest().pytest_collection_modifyitems(items)
    assert [item.marks for item in items] == [
        ["notebooks"],
        ["notebooks"],
        ["browser"],
        [],
        ["slow"],
        ["slow"],
        [],
    ]
