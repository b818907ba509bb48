"""ruff lints and checks the formatting of the whole tree, notebooks included, as part of the test suite.

The folders it leaves out (the virtual environments, the generated exercises) are listed in
pyproject.toml's [tool.ruff] exclude.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff_is_clean(command):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
