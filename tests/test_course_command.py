"""The README's commands: ./course prints its usage, and ./course lab starts JupyterLab and prints the URL."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_help_lists_every_subcommand():
    result = subprocess.run([str(ROOT / "course"), "help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("lab", "test", "execute", "exercises", "timings"):
        assert f"./course {command}" in result.stdout


def test_unknown_subcommand_fails_with_usage():
    result = subprocess.run([str(ROOT / "course"), "frobnicate"], capture_output=True, text=True)
    assert result.returncode != 0 and "./course lab" in result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_lab_starts_jupyterlab_and_prints_the_url(tmp_path):
    port = _free_port()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path), COURSE_OPEN_BROWSER="False")
    process = subprocess.Popen(
        [str(ROOT / "course"), "lab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    seen = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            if f"http://127.0.0.1:{port}/lab?token=" in line:
                break
        assert any(f"http://127.0.0.1:{port}/lab?token=" in line for line in seen), "".join(seen[-20:])
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
