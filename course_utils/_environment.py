"""Notebook setup: quiet logs, seeds, thread caps, plot defaults, version checks.

Nothing here imports TensorFlow unless ``setup(keras=True)`` asks for it.
"""

from __future__ import annotations

import math
import os
import platform
import random
import sys
from importlib import metadata
from pathlib import Path

import numpy as np

from course_utils._validation import check_bool, check_int

__version__ = "0.1.0"
DISTRIBUTION = "designing-cnns"

# TensorFlow reads these when it is imported, so they must be set before that.
# Without them TF writes absl and oneDNN lines to stderr, which differ between
# JupyterLab and the test runner and make saved notebooks fail nbval.
QUIET_TENSORFLOW = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "KERAS_BACKEND": "tensorflow",
}

# Plot defaults: small figures keep notebooks light and quick to render.
MATPLOTLIB_DEFAULTS = {
    "figure.figsize": (6.0, 3.5),
    "figure.dpi": 72,
    "image.cmap": "gray",
    "image.interpolation": "nearest",
    "axes.titlesize": "medium",
    "font.size": 10,
}


def cpu_count() -> int:
    """Return the number of CPUs this process may really use.

    TensorFlow sees every core of the host, but a container (Binder, CI) is often
    limited to fewer by its CPU affinity or its cgroup quota. This returns the
    smallest of the three, and at least 1.

    Examples
    --------
    >>> cpu_count() >= 1
    True
    """
    counts = [os.cpu_count() or 1]
    if hasattr(os, "sched_getaffinity"):
        counts.append(len(os.sched_getaffinity(0)))
    quota = _cgroup_cpu_quota()
    if quota is not None:
        counts.append(quota)
    return max(1, min(counts))


def _cgroup_cpu_quota() -> int | None:
    """CPUs allowed by the cgroup (v2 ``cpu.max`` or v1 ``cfs_quota_us``), if limited."""
    v2 = Path("/sys/fs/cgroup/cpu.max")
    v1_quota = Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
    v1_period = Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us")
    try:
        if v2.exists():
            quota, period = v2.read_text().split()[:2]
            if quota == "max":
                return None
            return max(1, math.ceil(int(quota) / int(period)))
        if v1_quota.exists() and v1_period.exists():
            quota = int(v1_quota.read_text())
            if quota <= 0:
                return None
            return max(1, math.ceil(quota / int(v1_period.read_text())))
    except (OSError, ValueError):
        return None
    return None


def seed_everything(seed: int = 0) -> None:
    """Seed Python's ``random``, NumPy and, if it is loaded, Keras (and TensorFlow).

    Call it at the top of a training cell so that re-running the cell gives the
    same result. Keras is never imported just for this.

    Parameters
    ----------
    seed : int, default=0
        A non-negative integer.

    Examples
    --------
    >>> seed_everything(3)
    >>> a = np.random.rand()
    >>> seed_everything(3)
    >>> a == np.random.rand()
    True
    """
    seed = check_int("seed", seed, minimum=0)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - seeds the global generator that learners use
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(seed)


def setup(seed: int = 0, keras: bool = False, threads: int | None = None, verbose: bool = True) -> None:
    """Prepare a notebook: the first code cell of every lesson calls this.

    It quiets TensorFlow's C++ logs (before TensorFlow is imported), caps the
    number of threads to the CPUs this machine really gives the kernel (Binder
    gives about one), seeds Python, NumPy and Keras, sets matplotlib defaults,
    and prints one line with the versions and the device.

    Parameters
    ----------
    seed : int, default=0
        Seed for Python, NumPy and Keras.
    keras : bool, default=False
        Import Keras (and TensorFlow, about 5 s) now and seed it. Lessons that
        use Keras pass True; the others never pay for the import.
    threads : int, optional
        Number of threads for TensorFlow and BLAS. Defaults to :func:`cpu_count`.
    verbose : bool, default=True
        Print the one-line report (:func:`describe_environment` gives it as a dict).

    Examples
    --------
    >>> setup(seed=1)
    Designing CNNs ... | Keras ... | device ... | seed 1 | threads ...
    """
    seed = check_int("seed", seed, minimum=0)
    check_bool("keras", keras)
    check_bool("verbose", verbose)
    threads = cpu_count() if threads is None else check_int("threads", threads)

    for name, value in QUIET_TENSORFLOW.items():
        os.environ.setdefault(name, value)
    for name in ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS"):
        os.environ.setdefault(name, str(threads))
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", str(min(2, threads)))

    _set_matplotlib_defaults()
    if keras:
        import keras as _keras  # noqa: F401  (imported so that it is seeded below)

    seed_everything(seed)
    if verbose:
        info = describe_environment()
        print(
            f"Designing CNNs {info['course']} | Python {info['python']} | NumPy {info['numpy']} | "
            f"Keras {info['keras']} | device {info['device']} | seed {seed} | threads {threads}"
        )


def _set_matplotlib_defaults() -> None:
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return
    matplotlib.rcParams.update(MATPLOTLIB_DEFAULTS)


def describe_environment() -> dict:
    """Versions of the course, Python, NumPy and (if loaded) Keras, and the device.

    Examples
    --------
    >>> sorted(describe_environment())  # Keras is "not loaded" until a notebook imports it
    ['course', 'device', 'keras', 'numpy', 'python']
    """
    info = {
        "course": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "keras": "not loaded",
        "device": "CPU",
    }
    if "keras" in sys.modules:
        import tensorflow as tf

        info["keras"] = f"{sys.modules['keras'].__version__} (TensorFlow {tf.__version__})"
        if tf.config.list_physical_devices("GPU"):
            info["device"] = "GPU"
    return info


def environment_report() -> list[dict]:
    """Compare the installed packages with the versions the course pins.

    The pins come from the installed ``designing-cnns`` metadata (that is,
    ``pyproject.toml``), so nothing is typed twice. No package is imported.

    Returns
    -------
    list of dict
        One row per package: ``package``, ``required``, ``installed`` and ``ok``.

    Examples
    --------
    >>> rows = environment_report()
    >>> {"package", "required", "installed", "ok"} <= set(rows[0])
    True
    """
    try:
        requirements = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        return [{"package": DISTRIBUTION, "required": "installed", "installed": None, "ok": False}]
    rows = []
    for requirement in requirements:
        if "extra ==" in requirement:
            continue
        name, _, pinned = requirement.partition("==")
        name = name.strip()
        pinned = pinned.split(";")[0].strip()
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        rows.append(
            {"package": name, "required": pinned, "installed": installed, "ok": installed == pinned}
        )
    return rows
