"""A Keras Tuner search spread over three processes: a chief that runs the oracle, two workers that train.

``./course tune-distributed`` runs lesson 08's search space (:func:`course_utils.engines.tuning.build_model`,
``RandomSearch`` from :func:`course_utils.engines.tuning.make_tuner`) on a tiny part of the bundled MNIST
digits, distributed for real on this machine, and prints which worker ran which trial, the
best trial and the total time. It writes the same to ``course_utils/data_files/distributed_08.json``
(with the command, the machine and the date), which lesson 08 reads with
``course_utils.engines.tuning.load_results("distributed")``::

    ./course tune-distributed                    # 2 workers, 6 trials of 2 epochs
    ./course tune-distributed --workers 3 --trials 9

How Keras Tuner distributes a search
------------------------------------
Every process runs the same script; three environment variables, read when the tuner is
made, give each its part (``keras_tuner/src/distribute/``):

- ``KERASTUNER_TUNER_ID``: ``chief`` for the chief (Keras Tuner checks that the ID contains
  "chief"), and an ID of its own for each worker: ``tuner0``, ``tuner1``, ...
- ``KERASTUNER_ORACLE_IP`` and ``KERASTUNER_ORACLE_PORT``: where the chief listens. The chief
  serves its oracle there over gRPC; each worker's tuner sends every request to it (the next
  trial to run, its results). Here both are ``127.0.0.1`` and a free port.

The chief trains nothing: its ``tuner.search()`` serves the oracle until a worker has been told
that the search is over and every worker has left (it checks every 20 s once the first worker
is told). A worker's ``tuner.search(x, y, ...)`` asks the chief for a trial, trains it, reports
its score, and asks again until the chief has no trial left; workers wait for the chief to come
up (for up to an hour).

**On several machines** the same three variables do it: start the chief on one machine with
``KERASTUNER_ORACLE_IP`` set to that machine's address on the network (the chief listens on it,
and every worker connects to it, so all processes get the same value) and a port the workers
may reach; then start, on each other machine (or on each GPU of one), a worker with a unique
``KERASTUNER_TUNER_ID``. Each worker needs the code, the data and the ``directory`` argument,
but not a shared disk for the oracle: the chief keeps the trials' records in its own folder,
and each worker writes the checkpoints of the trials it trained to its own. A shared folder
(a network file system, or a bucket) is needed for what reads another worker's checkpoints:
Hyperband, whose trials go on from the checkpoint of an earlier trial that another worker may
have trained, and ``tuner.get_best_models()`` on the chief. The gRPC channel is neither
encrypted nor authenticated: use it on a trusted network only.

Here every process gets its own folder (like machines without a shared disk) in a temporary
directory that is deleted at the end: a worker's folder holds a ``trial_<id>`` folder for each
trial it trained, which is how the report knows who ran what. The workers start their search
together (each waits until all have loaded TensorFlow), so that every worker gets trials. Every
child process is stopped when the command ends, fails or times out, and dies with it if it is
killed.

Examples
--------
>>> sorted(trials_run_by(Path("no such folder")))
[]
>>> WORKER_IDS[:2]
('tuner0', 'tuner1')
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from course_tools import DATA_FILES, ROOT, checkout_path
from course_utils.engines.tuning import RESULTS_FILES

JSON_FILE = DATA_FILES / RESULTS_FILES["distributed"].name
MODULE = checkout_path(__file__)
ORACLE_IP = "127.0.0.1"
CHIEF_ID = "chief"
WORKER_IDS = tuple(f"tuner{i}" for i in range(8))
KIND = "random"
"""The tuner of the distributed search (``RandomSearch``): it needs no shared folder."""
N_TRAIN = 1000
N_VAL = 400
"""The tiny search trains on the first 1,000 training digits and scores on 400 validation digits."""
BATCH_SIZE = 64
SEED = 0
TIMEOUT = 300.0
"""Seconds the whole search may take before every process is stopped."""
STOP_GRACE = 5.0
"""Seconds a process gets to end after SIGTERM, before SIGKILL."""
BARRIER_TIMEOUT = 180.0


# ---------------------------------------------------------------------------
# Processes: start, watch, stop
# ---------------------------------------------------------------------------
@dataclasses.dataclass
class Process:
    """One child process: its role, its ``Popen`` and the files that hold its output."""

    role: str
    popen: subprocess.Popen
    stdout: Path
    stderr: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def last_line(self) -> str:
        lines = self.stdout.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        return lines[-1] if lines else ""

    def stderr_tail(self, lines: int = 15) -> str:
        text = self.stderr.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        return "\n".join(text[-lines:])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, between fork and exec
    """Linux: deliver SIGTERM to this child when the process that started it dies."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port(host: str = ORACLE_IP) -> int:
    """A TCP port that nothing listens on at the moment (the system picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def start(role: str, command: list[str], env: dict, log_dir: Path) -> Process:
    """Start ``command`` in a process group of its own, its output in ``log_dir/role.out|err``."""
    log_dir = Path(log_dir)
    stdout, stderr = log_dir / f"{role}.out", log_dir / f"{role}.err"
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        popen = subprocess.Popen(
            command,
            env=env,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
    return Process(role, popen, stdout, stderr)


def wait_all(processes: list[Process], timeout: float) -> None:
    """Wait until every process has ended with exit code 0.

    Raises
    ------
    RuntimeError
        As soon as one process ends with another code (the message has its last stderr lines).
    TimeoutError
        If they have not all ended after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        running = False
        for process in processes:
            code = process.popen.poll()
            if code is None:
                running = True
            elif code != 0:
                raise RuntimeError(
                    f"the {process.role} process ended with exit code {code}:\n{process.stderr_tail()}"
                )
        if not running:
            return
        if time.monotonic() > deadline:
            late = [p.role for p in processes if p.popen.poll() is None]
            raise TimeoutError(f"{', '.join(late)} still running after {timeout:g} s: stopped.")
        time.sleep(0.2)


def stop_all(processes: list[Process], grace: float = STOP_GRACE) -> None:
    """Stop every process that still runs (SIGTERM to its group, then SIGKILL) and reap it."""
    for process in processes:
        if process.popen.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.popen.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.popen.wait()


def alive(pid: int) -> bool:
    """Whether a process with this id still exists (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return True
    return state != "Z"


# ---------------------------------------------------------------------------
# What each process does
# ---------------------------------------------------------------------------
def trials_run_by(directory: Path) -> list[str]:
    """The trials a worker trained: it wrote each one's checkpoint in ``directory/KIND/trial_<id>``."""
    project = Path(directory) / KIND
    if not project.is_dir():
        return []
    return sorted(p.name.removeprefix("trial_") for p in project.glob("trial_*") if p.is_dir())


def _wait_for_workers(barrier: Path, me: str, workers: int) -> None:
    (barrier / me).touch()
    deadline = time.monotonic() + BARRIER_TIMEOUT
    while len(list(barrier.iterdir())) < workers:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{me}: the other workers did not start within {BARRIER_TIMEOUT:g} s.")
        time.sleep(0.1)


def role_main(role: str, directory: Path, trials: int, epochs: int, barrier: Path, workers: int) -> dict:
    """Run the chief or a worker (the environment variables say which); return its report."""
    import course_utils

    # One thread each: two workers and the chief share the machine's CPUs.
    course_utils.setup(keras=True, threads=1, verbose=False)
    from course_utils.engines import tuning

    directory.mkdir(parents=True, exist_ok=True)
    tuner = tuning.make_tuner(KIND, directory, max_trials=trials, seed=SEED)
    started = time.perf_counter()
    if role == "chief":
        tuner.search(verbose=0)  # serves the oracle until every worker has left
        oracle = tuner.oracle
        best = oracle.get_best_trials(1)
        return {
            "role": role,
            "seconds": round(time.perf_counter() - started, 1),
            "trials": [
                {
                    "trial_id": trial.trial_id,
                    "status": str(trial.status),
                    "val_accuracy": None if trial.score is None else round(float(trial.score), 4),
                    "hyperparameters": dict(trial.hyperparameters.values),
                }
                for trial in oracle.trials.values()
            ],
            "best": best[0].trial_id if best else None,
        }
    (x, y), (x_val, y_val), _ = tuning.lesson_data()
    _wait_for_workers(barrier, os.environ["KERASTUNER_TUNER_ID"], workers)
    started = time.perf_counter()
    tuner.search(
        x[:N_TRAIN],
        y[:N_TRAIN],
        validation_data=(x_val[:N_VAL], y_val[:N_VAL]),
        epochs=epochs,
        batch_size=BATCH_SIZE,
        verbose=0,
    )
    return {
        "role": role,
        "worker": os.environ["KERASTUNER_TUNER_ID"],
        "seconds": round(time.perf_counter() - started, 1),
        "trials": trials_run_by(directory),
    }


# ---------------------------------------------------------------------------
# The search, from the outside
# ---------------------------------------------------------------------------
def run_distributed(workers: int = 2, trials: int = 6, epochs: int = 2, timeout: float = TIMEOUT) -> dict:
    """Start the chief and ``workers`` workers, wait for them, and gather their reports.

    Every process is stopped before this returns or raises, and the temporary folder is deleted.
    The result holds the processes' ids (``pids``) so that a test can check that none is left.
    """
    if not 1 <= workers <= len(WORKER_IDS):
        raise ValueError(f"workers must be from 1 to {len(WORKER_IDS)}, got {workers}.")
    processes: list[Process] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="course-tune-distributed-") as folder:
        folder = Path(folder)
        (folder / "barrier").mkdir()
        port = free_port()
        base_env = {
            **os.environ,
            "KERASTUNER_ORACLE_IP": ORACLE_IP,
            "KERASTUNER_ORACLE_PORT": str(port),
            "PYTHONHASHSEED": "0",
            # the processes run this module wherever they start: the checkout first on their path
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }

        def command(role, name):
            return [
                sys.executable, "-m", "course_tools.distributed_tuning",
                "--role", role, "--directory", str(folder / name), "--trials", str(trials),
                "--epochs", str(epochs), "--barrier", str(folder / "barrier"), "--workers", str(workers),
            ]  # fmt: skip

        try:
            names = [CHIEF_ID, *WORKER_IDS[:workers]]
            for name in names:
                role = "chief" if name == CHIEF_ID else "worker"
                env = {**base_env, "KERASTUNER_TUNER_ID": name}
                processes.append(start(name, command(role, name), env, folder))
            wait_all(processes, timeout)
            reports = {}
            for process in processes:
                try:
                    reports[process.role] = json.loads(process.last_line())
                except json.JSONDecodeError:
                    raise RuntimeError(
                        f"the {process.role} process wrote no report:\n{process.stderr_tail()}"
                    ) from None
        finally:
            stop_all(processes)
    seconds = time.perf_counter() - started
    chief = reports[CHIEF_ID]
    per_worker = {name: reports[name]["trials"] for name in names[1:]}
    ran_by = {trial_id: name for name, ids in per_worker.items() for trial_id in ids}
    rows = [{**trial, "worker": ran_by.get(trial["trial_id"])} for trial in chief["trials"]]
    return {
        "tuner": "RandomSearch",
        "workers": list(names[1:]),
        "max_trials": trials,
        "epochs": epochs,
        "n_train": N_TRAIN,
        "n_val": N_VAL,
        "trials": rows,
        "trials_per_worker": per_worker,
        "worker_seconds": {name: reports[name]["seconds"] for name in names[1:]},
        "best": next((row for row in rows if row["trial_id"] == chief["best"]), None),
        "seconds": round(seconds, 1),
        "pids": [process.pid for process in processes],
    }


def report(result: dict) -> str:
    """The search as text: one row per trial with the worker that ran it, then the best and the time."""
    from course_utils.core.formatting import render_table
    from course_utils.engines.tuning import DEFAULTS

    names = list(DEFAULTS)
    rows = [
        [
            row["trial_id"],
            row["worker"] or "?",
            *(_short(row["hyperparameters"].get(name)) for name in names),
            "-" if row["val_accuracy"] is None else f"{row['val_accuracy']:.3f}",
        ]
        for row in result["trials"]
    ]
    best = result["best"]
    footer = [
        ", ".join(f"{name} ran {len(ids)} trials" for name, ids in result["trials_per_worker"].items())
        + f"; {len(result['trials'])} trials in {result['seconds']:.1f} s (chief and workers started included)",
    ]
    if best:
        footer.append(
            f"best: trial {best['trial_id']} (by {best['worker']}), val_accuracy {best['val_accuracy']:.3f}"
        )
    return render_table(
        ["trial", "worker", *names, "val_accuracy"], rows, footer=footer, title="RandomSearch, distributed"
    )


def _short(value) -> str:
    if isinstance(value, float):
        return f"{value:.2g}" if value < 0.01 else f"{round(value, 3):g}"
    return "-" if value is None else str(value)


def make(
    workers: int = 2, trials: int = 6, epochs: int = 2, output=None, command=None, timeout: float = TIMEOUT
) -> dict:
    """Run the distributed search and write its report (without the process ids) to ``output``."""
    from course_tools.run_store import machine

    result = run_distributed(workers, trials, epochs, timeout)
    document = {
        "command": command or "./course tune-distributed",
        "module": MODULE,
        "date": datetime.date.today().isoformat(),
        "machine": _parent_machine(machine),
        **{key: value for key, value in result.items() if key != "pids"},
    }
    output = Path(output) if output is not None else JSON_FILE
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return {**document, "pids": result["pids"]}


def _parent_machine(machine) -> dict:
    """The machine and versions (Keras is imported here only to read its version)."""
    from course_utils.core._environment import QUIET_TENSORFLOW

    for name, value in QUIET_TENSORFLOW.items():
        os.environ.setdefault(name, value)
    return {**machine(), "threads": 1}  # each process of the search uses one thread


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="./course tune-distributed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--trials", type=int, default=6, help="trials in all (default 6)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per trial (default 2)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=TIMEOUT,
        help=f"seconds before everything is stopped (default {TIMEOUT:g})",
    )
    parser.add_argument("--output", type=Path, help=f"where to write (default {JSON_FILE.relative_to(ROOT)})")
    # what the command passes to the processes it starts
    parser.add_argument("--role", choices=("chief", "worker"), help=argparse.SUPPRESS)
    parser.add_argument("--directory", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--barrier", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role:
        print(
            json.dumps(
                role_main(args.role, args.directory, args.trials, args.epochs, args.barrier, args.workers)
            )
        )
        return 0
    if not 1 <= args.workers <= len(WORKER_IDS):
        parser.error(f"--workers must be from 1 to {len(WORKER_IDS)}, got {args.workers}")
    if not 1 <= args.trials <= 100 or not 1 <= args.epochs <= 20 or not args.timeout > 0:
        parser.error("--trials must be from 1 to 100, --epochs from 1 to 20, --timeout above 0")
    # SIGTERM (as well as Ctrl-C) ends the command through its cleanup: no process is left.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    command = " ".join(["./course tune-distributed", *(sys.argv[1:] if argv is None else argv)])
    document = make(args.workers, args.trials, args.epochs, args.output, command, args.timeout)
    print(report(document))
    print(f"wrote {args.output or JSON_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
