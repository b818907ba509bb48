"""What every stored-run command of the course shares: values as stored, the machine, a resumable file.

``./course histories``, ``./course sweeps``, ``./course capstone`` and ``./course benchmark``
train runs that take minutes to hours on 2 CPUs and store what they measured in a JSON file
with the command and the machine that made them. This module is the one place that says

- how a measured value is stored (:func:`stored`: 6 significant digits, NaN and infinity kept);
- how the machine is described (:func:`machine`: CPU model, CPUs, threads, versions);
- how a long command survives an interruption (:class:`RunStore`): each run is written to the
  file as soon as it finishes, and a run already in the file **with the same settings** is
  not trained again. A command can be made in parts (``--only GROUP``) and restarted after
  Ctrl-C or a crash without losing a finished run. A run whose settings changed in the code
  is trained again; ``--fresh`` starts over.

Examples
--------
>>> stored(0.123456789), stored(float("nan")) != stored(float("nan"))
(0.123457, True)
>>> run_key("remedies", "dropout 0.5", 2)
'remedies/dropout 0.5/seed 2'
"""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import time
from pathlib import Path

SIGNIFICANT_DIGITS = 6
"""Digits kept of each stored value: far more than any curve needs, and a small file."""


def stored(value) -> float:
    """A measured value as the course stores it: a float with :data:`SIGNIFICANT_DIGITS` digits."""
    value = float(value)
    return value if not math.isfinite(value) else float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def stored_history(history) -> dict[str, list[float]]:
    """``model.fit(...).history`` (or its dict) with every value as :func:`stored` keeps it."""
    values = getattr(history, "history", history)
    return {str(key): [stored(v) for v in series] for key, series in values.items()}


def run_key(group: str, name: str, seed: int) -> str:
    """The key of one run in a :class:`RunStore`: its group, its name and its seed."""
    return f"{group}/{name}/seed {seed}"


def cpu_model() -> str:
    """The CPU's model name, as Linux reports it (else what Python's ``platform`` knows)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine() -> dict:
    """The machine and the versions, as every stored result of the course records them."""
    import keras
    import numpy as np
    import tensorflow as tf

    from course_utils.core._environment import cpu_count, threads_in_use

    return {
        "cpu": cpu_model(),
        "cpus": cpu_count(),
        "threads": threads_in_use(),
        "processor": platform.machine(),
        "system": platform.system(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
    }


def made_by(command: str, module: str, seconds: float, cpu_seconds: float | None = None) -> dict:
    """The ``made_by`` record of a stored file: command, module, date, time, machine, determinism."""
    record = {
        "command": command,
        "module": module,
        "date": datetime.date.today().isoformat(),
        "seconds": round(seconds, 1),
    }
    if cpu_seconds is not None:
        record["cpu_seconds"] = round(cpu_seconds, 1)
    record["machine"] = machine()
    record["determinism"] = os.environ.get("COURSE_OP_DETERMINISM", "1") != "0"
    return record


class RunStore:
    """A JSON file of runs that is written after every run and skips runs already made.

    The file is ``{"made_by": {...}, "runs": {key: run}, ...}`` where each run holds at least
    its ``settings``. :meth:`has` is true when the file holds the key with exactly these
    settings; :meth:`put` stores a run and writes the file at once (to a temporary file,
    then renamed, so an interruption never leaves half a file).

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> store = RunStore(Path(folder) / "runs.json")
    >>> store.has("a/b/seed 0", {"epochs": 3})
    False
    >>> store.put("a/b/seed 0", {"settings": {"epochs": 3}, "history": {}})
    >>> RunStore(Path(folder) / "runs.json").has("a/b/seed 0", {"epochs": 3})
    True
    >>> RunStore(Path(folder) / "runs.json").has("a/b/seed 0", {"epochs": 4})
    False
    """

    def __init__(self, path: Path, fresh: bool = False):
        self.path = Path(path)
        self.document = {"made_by": {}, "runs": {}}
        if self.path.exists() and not fresh:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict) and isinstance(loaded.get("runs"), dict):
                self.document = loaded
        self.started = time.perf_counter()
        self.cpu_started = time.process_time()
        self.trained = 0

    @property
    def runs(self) -> dict:
        return self.document["runs"]

    def has(self, key: str, settings: dict) -> bool:
        run = self.runs.get(key)
        return isinstance(run, dict) and run.get("settings") == json.loads(json.dumps(settings))

    def put(self, key: str, run: dict) -> None:
        self.runs[key] = run
        self.trained += 1
        self.write()

    def keep_only(self, keys) -> None:
        """Drop the runs the code no longer describes."""
        wanted = list(keys)
        self.document["runs"] = {key: self.runs[key] for key in wanted if key in self.runs}

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(self.path.suffix + ".part")
        temporary.write_text(json.dumps(self.document, indent=1) + "\n", encoding="utf-8")
        temporary.replace(self.path)

    def finish(self, command: str, module: str) -> dict:
        """Record how the file was made (this command's time and CPU time) and write it."""
        self.document["made_by"] = made_by(
            command,
            module,
            time.perf_counter() - self.started,
            time.process_time() - self.cpu_started,
        )
        self.document["made_by"]["runs_trained"] = self.trained
        self.write()
        return self.document
