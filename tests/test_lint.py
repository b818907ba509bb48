"""ruff lints the package, the tests, the scripts and the notebooks as part of the test suite."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_is_clean():
    folders = [f for f in ("course_utils", "tests", "scripts", "notebooks", "solutions") if (ROOT / f).exists()]
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *folders],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
