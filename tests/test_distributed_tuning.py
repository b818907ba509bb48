"""``./course tune-distributed``: a chief and two workers really share one Keras Tuner search.

The end-to-end test starts the three processes (each imports TensorFlow: most of its minute
goes there) and checks that both workers trained trials, that the chief's oracle reports every
trial, that each trial was trained by exactly one worker, and that no process and no temporary
folder is left. The other tests check the pieces with tiny stand-in processes.
"""

from __future__ import annotations

import json
import socket
import sys
import tempfile
import time
from pathlib import Path

import pytest

from course_tools import distributed_tuning as dt

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def _temporary_folders() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("course-tune-distributed-*")}


@pytest.mark.slow
def test_a_chief_and_two_workers_share_the_search(tmp_path):
    before = _temporary_folders()
    output = tmp_path / "distributed.json"
    started = time.perf_counter()
    document = dt.make(workers=2, trials=4, epochs=1, output=output, command="pytest", timeout=240)
    seconds = time.perf_counter() - started

    per_worker = document["trials_per_worker"]
    assert set(per_worker) == {"tuner0", "tuner1"}
    assert all(per_worker[name] for name in per_worker), f"a worker ran no trial: {per_worker}"
    chief_ids = [row["trial_id"] for row in document["trials"]]
    assert len(chief_ids) == 4, "the chief's oracle reports every trial"
    ran = per_worker["tuner0"] + per_worker["tuner1"]
    assert sorted(ran) == sorted(chief_ids), "each trial was trained by exactly one worker"
    assert all(row["status"] == "COMPLETED" and 0 <= row["val_accuracy"] <= 1 for row in document["trials"])
    assert document["best"]["val_accuracy"] == max(row["val_accuracy"] for row in document["trials"])
    assert document["best"]["worker"] in per_worker

    assert not [pid for pid in document["pids"] if dt.alive(pid)], "a process of the search is left"
    assert _temporary_folders() <= before, "the temporary folder is left"
    stored = json.loads(output.read_text())
    assert "pids" not in stored and stored["command"] == "pytest"
    assert {"cpu", "cpus", "keras", "tensorflow"} <= set(stored["machine"])
    assert "worker" in dt.report(document) and "best: trial" in dt.report(document)
    print(f"distributed search end to end: {seconds:.1f} s")


def test_free_port_can_be_listened_on():
    port = dt.free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind((dt.ORACLE_IP, port))
        server.listen()


def test_stop_all_ends_every_process_and_its_children(tmp_path):
    # a child that starts a grandchild (in its process group) and prints the grandchild's id
    code = (
        "import subprocess, sys, time; "
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); "
        "print(child.pid, flush=True); time.sleep(120)"
    )
    processes = [
        dt.start("sleeper", SLEEPER, {}, tmp_path),
        dt.start("parent", [sys.executable, "-c", code], {}, tmp_path),
    ]
    while not processes[1].stdout.read_text().strip():
        time.sleep(0.05)
    grandchild = int(processes[1].stdout.read_text().split()[0])
    assert dt.alive(grandchild)
    dt.stop_all(processes, grace=2.0)
    assert not [p.pid for p in processes if dt.alive(p.pid)]
    deadline = time.monotonic() + 5
    while dt.alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not dt.alive(grandchild)


def test_stop_all_kills_a_process_that_ignores_sigterm(tmp_path):
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(120)"
    process = dt.start("stubborn", [sys.executable, "-c", code], {}, tmp_path)
    while "ready" not in process.stdout.read_text():
        time.sleep(0.05)
    started = time.perf_counter()
    dt.stop_all([process], grace=0.5)
    assert not dt.alive(process.pid) and time.perf_counter() - started < 5


def test_wait_all_reports_a_failed_process_with_its_error(tmp_path):
    failing = [sys.executable, "-c", "import sys; print('the oracle is gone', file=sys.stderr); sys.exit(3)"]
    processes = [dt.start("tuner0", failing, {}, tmp_path), dt.start("chief", SLEEPER, {}, tmp_path)]
    try:
        with pytest.raises(
            RuntimeError, match=r"the tuner0 process ended with exit code 3:\nthe oracle is gone"
        ):
            dt.wait_all(processes, timeout=60)
    finally:
        dt.stop_all(processes)
    assert not [p.pid for p in processes if dt.alive(p.pid)]


def test_wait_all_times_out(tmp_path):
    processes = [dt.start("chief", SLEEPER, {}, tmp_path)]
    try:
        with pytest.raises(TimeoutError, match="chief still running after 0.5 s"):
            dt.wait_all(processes, timeout=0.5)
    finally:
        dt.stop_all(processes)
    assert not dt.alive(processes[0].pid)


@pytest.mark.slow
def test_a_timeout_stops_the_real_search_and_leaves_nothing():
    before = _temporary_folders()
    with pytest.raises(TimeoutError, match="still running after 2 s"):
        dt.run_distributed(workers=2, trials=2, timeout=2)
    assert _temporary_folders() <= before
    assert not [line for line in _processes_of_this_module()]


def _processes_of_this_module() -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "course_tools.distributed_tuning" in text and "--role" in text:
            found.append(text)
    return found


def test_a_child_dies_with_the_process_that_started_it(tmp_path):
    """If the command itself is killed (SIGKILL: no cleanup runs), its children end too."""
    code = (
        "import sys; from pathlib import Path; from course_tools import distributed_tuning as dt; "
        f"p = dt.start('sleeper', {SLEEPER!r}, {{}}, Path({str(tmp_path)!r})); print(p.pid, flush=True); "
        "import time; time.sleep(120)"
    )
    parent = dt.start("parent", [sys.executable, "-c", code], None, tmp_path)
    while not parent.stdout.read_text().strip():
        time.sleep(0.05)
    child = int(parent.stdout.read_text().split()[0])
    assert dt.alive(child)
    parent.popen.kill()
    parent.popen.wait()
    deadline = time.monotonic() + 5
    while dt.alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not dt.alive(child)


def test_trials_run_by_reads_a_workers_folder(tmp_path):
    for name in ("trial_3", "trial_0", "trial_12"):
        (tmp_path / dt.KIND / name).mkdir(parents=True)
    (tmp_path / dt.KIND / "tuner0.json").write_text("{}")
    assert dt.trials_run_by(tmp_path) == ["0", "12", "3"]
    assert dt.trials_run_by(tmp_path / "missing") == []


def test_the_command_refuses_bad_arguments(capsys):
    with pytest.raises(SystemExit):
        dt.main(["--workers", "0"])
    assert "--workers must be from 1 to 8" in capsys.readouterr().err
