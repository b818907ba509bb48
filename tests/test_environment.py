"""Packaging and setup: pins agree, import is fast and TensorFlow-free, setup() behaves."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import course_utils

ROOT = Path(__file__).resolve().parents[1]


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _environment_pip_section() -> list[str]:
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = lines.index("  - pip:")
    return [line.strip()[2:] for line in lines[start + 1 :] if line.strip().startswith("- ")]


# What an instructor needs on Binder to run the notebook tests (pytest --nbval).
NOTEBOOK_TEST_TOOLS = ("pytest", "nbval", "hypothesis")


def _test_tools() -> list[str]:
    pins = {r.split("==")[0]: r for r in _pyproject()["optional-dependencies"]["test"]}
    return [pins[name] for name in NOTEBOOK_TEST_TOOLS]


def test_environment_yml_lists_the_same_pinned_packages_as_pyproject():
    expected = _pyproject()["dependencies"] + _test_tools()
    assert sorted(_environment_pip_section()) == sorted(expected)


def test_every_dependency_is_pinned_exactly():
    project = _pyproject()
    for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
        assert "==" in requirement, f"{requirement} is not pinned"


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
        "import sys, time; t = time.perf_counter(); import course_utils, course_utils.arithmetic,"
        " course_utils.params, course_utils.metrics, course_utils.checks, course_utils.data;"
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


def test_environment_report_matches_the_pins():
    rows = course_utils.environment_report()
    pinned = {r.split("==")[0] for r in _pyproject()["dependencies"]}
    assert {row["package"] for row in rows} == pinned
    assert all(row["ok"] for row in rows), [row for row in rows if not row["ok"]]


def test_cpu_count_is_within_the_hosts_cores():
    assert 1 <= course_utils.cpu_count() <= (os.cpu_count() or 1)


def test_readme_links_every_lesson_notebook_with_a_binder_link():
    from course_utils.lessons import LESSONS

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
        "import sys, course_utils._environment as e; calls = [];"
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

    from course_utils._environment import release_memory

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
