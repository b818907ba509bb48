"""pytest in a fresh process, now or in the background: the one-CPU runs of the training notebooks.

``tests/test_training_outputs.py`` runs every notebook that trains once more with another thread
count. Those runs take minutes. In one pytest process (``pytest`` alone, or ``./course test`` on a
one-CPU machine), ``conftest.py`` starts the selected ones (:func:`start`) as soon as the tests are
collected, one at a time pinned to one CPU, while the rest of the suite uses the other; each test
then waits for its own (:func:`started`), and :func:`stop` ends what is left when the session ends.
Under pytest-xdist (``./course test`` with two CPUs or more) each worker already keeps one CPU busy:
nothing starts in the background, each test runs its own, and the run is pinned to its
worker's CPU (:func:`worker_cpu`). This is a plain module, not a test module:
nothing here is collected as a test.
"""

from __future__ import annotations

import concurrent.futures
import os
import signal
import subprocess
import sys
from pathlib import Path

from course_utils import cpu_count

ROOT = Path(__file__).resolve().parents[1]

# the test that the background runs are for (tests/test_training_outputs.py)
ONE_CPU_TEST = "test_training_notebook_passes_with_another_thread_count"

_BACKGROUND = {"executor": None, "futures": {}, "processes": set()}


def xdist_worker() -> int | None:
    """The number of this pytest-xdist worker (``gw0`` is 0), or None outside pytest-xdist."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else None


def worker_cpu(cpus, *, background: bool) -> int:
    """The CPU a one-CPU run pins itself to, among ``cpus`` (the session's affinity).

    Worker ``gwN`` of pytest-xdist takes the N-th CPU, so that two workers' runs do not share one;
    outside pytest-xdist a background run takes the last CPU (the session's own work tends to start
    on the first) and any other the first (``tests/test_training_outputs.py`` tests this).
    """
    cpus = sorted(cpus)
    worker = xdist_worker()
    if worker is not None:
        return cpus[worker % len(cpus)]
    return cpus[-1] if background else cpus[0]


def start(paths) -> None:
    """Start the one-CPU runs of these training notebooks now, one after the other."""
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="one-cpu")
    _BACKGROUND["executor"] = executor
    for path in paths:
        _BACKGROUND["futures"][path] = executor.submit(run_pytest, [path], one_cpu=True, background=True)


def started(path) -> concurrent.futures.Future | None:
    """The background run of ``path``, or None when none was started (the test then runs its own)."""
    return _BACKGROUND["futures"].get(path)


def stop() -> None:
    """Cancel the one-CPU runs not started yet and stop the running one (an interrupted session)."""
    executor = _BACKGROUND["executor"]
    if executor is None:
        return
    for future in _BACKGROUND["futures"].values():
        future.cancel()
    for process in list(_BACKGROUND["processes"]):
        _kill(process)
    executor.shutdown(wait=True)


def _kill(process) -> None:
    """Stop a run and every process it started (the notebook's kernel)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_pytest(args, *, one_cpu=False, env_extra=None, timeout=900, background=False):
    """Run the course's pytest configuration in a fresh process (from the root: nbval reads
    ``tests/sanitize.cfg`` relative to it); ``one_cpu`` gives it another thread count.
    It pins itself to the CPU :func:`worker_cpu` chooses; a ``background`` run can be stopped
    by :func:`stop`."""
    env = {k: v for k, v in os.environ.items() if k not in ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS")}
    env.update(env_extra or {})
    preexec = None
    if one_cpu:
        if cpu_count() > 1 and hasattr(os, "sched_setaffinity"):
            chosen = worker_cpu(os.sched_getaffinity(0), background=background)
            preexec = lambda: os.sched_setaffinity(0, {chosen})
        else:  # a one-CPU machine: another thread count still changes the order of the sums
            env["TF_NUM_INTRAOP_THREADS"] = "2"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-c",
        str(ROOT / "pyproject.toml"),
        "--rootdir",
        str(ROOT),
        "-q",
    ]
    process = subprocess.Popen(
        command + [str(a) for a in args],
        cwd=ROOT,
        env=env,
        preexec_fn=preexec,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: stopping it stops its kernels too
    )
    _BACKGROUND["processes"].add(process)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        stdout, stderr = process.communicate()
        stdout += f"\n(stopped after {timeout} s)"
    finally:
        _BACKGROUND["processes"].discard(process)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
