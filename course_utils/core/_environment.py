"""Notebook setup: quiet logs, seeds, thread caps, plot defaults, version checks.

Nothing here imports TensorFlow unless ``setup(keras=True)`` asks for it.
"""

from __future__ import annotations

import math
import os
import platform
import random
import sys
from pathlib import Path

from course_utils.core._validation import check_bool, check_int

# NumPy and importlib.metadata are imported inside the functions that use them, so that
# ``import course_utils`` stays far below its 0.5 s budget even on a cold, busy machine.

__version__ = "0.1.0"
DISTRIBUTION = "designing-cnns"

# TensorFlow reads these when it is imported, so they must be set before that.
# Without them TF writes absl and oneDNN lines to stderr, which differ between
# JupyterLab and the test runner and make saved notebooks fail nbval. Level 3 also
# hides the harmless "NodeDef mentions attribute use_unbounded_threadpool" error that
# TF 2.21 logs when op determinism rewrites a tf.data map; real errors still raise in Python.
# setup() sets these outright (not only when unset), so that a notebook prints the same
# in JupyterLab and under the test runner, whatever the shell exported.
QUIET_TENSORFLOW = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
}

# The largest seed NumPy's global generator accepts (it takes 32-bit seeds).
MAX_SEED = 2**32 - 1

# glibc's malloc, tuned for Binder's memory (lesson 08 builds a dozen models in one kernel).
# By default glibc gives each thread that allocates at the same time as another its own arena
# (up to 8 per CPU), and memory freed in one arena serves no other: TensorFlow's thread pools
# then hold tens of MB of freed memory each. Two arenas cost no measurable training time. (A
# fixed 1 MB mapping threshold saved another 40 MB but cost 70% more CPU time in model.fit.)
M_ARENA_MAX = -8
MALLOC_ARENAS = 2

# TensorFlow runs the ops of a training step one after another, each on all of setup()'s threads.
# With two at a time, two convolution gradients run together, and each holds its own im2col
# buffer of about 20 MB (TensorFlow sizes it for a 30 MB cache, whatever the batch): measured,
# 10 to 50 MB more at the peak of a lesson and no faster on 2 CPUs.
INTEROP_THREADS = 1

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
        An integer from 0 to ``2**32 - 1`` (NumPy's global generator takes 32-bit seeds).

    Raises
    ------
    ValueError
        If ``seed`` is negative or larger than ``2**32 - 1``.

    Examples
    --------
    >>> import numpy as np
    >>> seed_everything(3)
    >>> a = np.random.rand()
    >>> seed_everything(3)
    >>> a == np.random.rand()
    True
    >>> seed_everything(2**32)
    Traceback (most recent call last):
    ...
    ValueError: seed must be at most 4294967295 (2**32 - 1), got 4294967296
    """
    import numpy as np

    seed = _check_seed(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - seeds the global generator that learners use
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(seed)


def _check_seed(seed) -> int:
    seed = check_int("seed", seed, minimum=0)
    if seed > MAX_SEED:
        raise ValueError(f"seed must be at most {MAX_SEED} (2**32 - 1), got {seed}")
    return seed


def threads_in_use(threads: int | None = None) -> int:
    """The number of threads TensorFlow and BLAS will use in this process.

    An explicit ``threads`` wins; otherwise ``TF_NUM_INTRAOP_THREADS`` if it is set
    (a test run may set it to check that results hold with another thread count);
    otherwise :func:`cpu_count`.

    Examples
    --------
    >>> threads_in_use(3)
    3
    >>> threads_in_use() >= 1
    True
    """
    if threads is not None:
        return check_int("threads", threads, minimum=1)
    from_environment = os.environ.get("TF_NUM_INTRAOP_THREADS", "")
    if from_environment.isdigit() and int(from_environment) >= 1:
        return int(from_environment)
    return cpu_count()


def setup(seed: int = 0, keras: bool = False, threads: int | None = None, verbose: bool = True) -> None:
    """Prepare a notebook: the first code cell of every lesson calls this.

    It quiets TensorFlow's C++ logs (before TensorFlow is imported), caps the
    number of threads to the CPUs this machine really gives the kernel (Binder
    gives about one), seeds Python, NumPy and Keras, sets matplotlib defaults,
    and prints one line with the versions and the device.

    With ``keras=True`` it also turns on TensorFlow's op determinism, so that
    running a notebook twice on one machine gives exactly the same numbers.
    Another CPU kind or another thread count adds floating-point numbers in
    another order, so the last digits of a trained model can differ between
    machines: that is expected, and the course's tests allow for it.

    Parameters
    ----------
    seed : int, default=0
        Seed for Python, NumPy and Keras.
    keras : bool, default=False
        Import Keras (and TensorFlow, about 5 s) now and seed it. Lessons that
        use Keras pass True; the others never pay for the import.
    threads : int, optional
        Number of threads for TensorFlow and BLAS. Defaults to
        ``TF_NUM_INTRAOP_THREADS`` when that is set, else :func:`cpu_count`.
    verbose : bool, default=True
        Print the one-line report (:func:`describe_environment` gives it as a dict).

    Examples
    --------
    >>> setup(seed=1)
    Designing CNNs ... | Keras ... | device ... | seed 1 | threads ...
    """
    seed = _check_seed(seed)
    check_bool("keras", keras)
    check_bool("verbose", verbose)
    threads = threads_in_use(threads)

    os.environ.update(QUIET_TENSORFLOW)
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    # TensorFlow and OpenMP read these when they start, so they are set before the import.
    for name in ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS"):
        os.environ[name] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = str(INTEROP_THREADS)

    _set_matplotlib_defaults()
    if keras:
        # Before TensorFlow starts its threads and allocates its first tensors.
        _glibc_call("mallopt", M_ARENA_MAX, MALLOC_ARENAS)
        tf = _import_tensorflow()
        import keras as _keras  # noqa: F401  (imported so that it is seeded below)

        # Same machine, same digits: repeated runs give identical numbers.
        # COURSE_OP_DETERMINISM=0 turns it off (`./course timings --determinism-cost` measures its cost).
        if os.environ.get("COURSE_OP_DETERMINISM", "1") != "0":
            tf.config.experimental.enable_op_determinism()

    seed_everything(seed)
    if verbose:
        info = describe_environment()
        print(
            f"Designing CNNs {info['course']} | Python {info['python']} | NumPy {info['numpy']} | "
            f"Keras {info['keras']} | device {info['device']} | seed {seed} | threads {threads}"
        )


def _glibc_call(name: str, *args: int) -> bool:
    """Call glibc's ``name(*args)`` where the C library is glibc (Linux); say whether it was called."""
    import ctypes

    try:
        function = getattr(ctypes.CDLL("libc.so.6"), name)
    except (OSError, AttributeError):
        return False
    function(*args)
    return True


def release_memory() -> bool:
    """Collect Python's garbage and give the memory freed inside the heap back to the system.

    Call it after ``keras.backend.clear_session()``, when the models trained so far are no
    longer used. It first lets TensorFlow forget the training steps of those models
    (:func:`_forget_all_reduce_gradients`), then collects the garbage: glibc keeps the pages it
    freed for later, and ``malloc_trim(0)`` returns them, so the kernel's resident memory drops
    before the next model is built. Returns whether glibc was there to trim.

    Examples
    --------
    >>> release_memory() in (True, False)
    True
    """
    import gc

    _forget_all_reduce_gradients()
    gc.collect()
    return _glibc_call("malloc_trim", 0)


# The one place where the course reads TensorFlow's internals (tests/test_environment.py tests it
# on the TensorFlow installed; when a release no longer keeps these gradients, that test says so).
ALL_REDUCE_GRADIENT = "ReplicaContextBase.all_reduce.<locals>.grad_wrapper.<locals>.<lambda>"


def _forget_all_reduce_gradients() -> int:
    """Drop the gradients that TensorFlow registered for the all-reduce of each traced training step.

    In graph mode, ``tf.custom_gradient`` registers its gradient under a new name in a
    global registry that is never emptied. Keras's optimizer sums the gradients across
    replicas with ``all_reduce`` (one replica here), which is such a custom gradient, so every
    traced training step stays alive with all its graph, about 6 MB per model trained, even
    after ``clear_session()``. That gradient (of the sum of the gradients) is only needed to
    differentiate through an optimizer's update, which training never does. Other custom
    gradients, a learner's own included, are kept. Returns how many were dropped; 0 when
    TensorFlow is not imported or keeps its registry elsewhere.
    """
    ops = sys.modules.get("tensorflow.python.framework.ops")
    registry = getattr(getattr(ops, "_gradient_registry", None), "_registry", None)
    if not isinstance(registry, dict):
        return 0
    dropped = [name for name, entry in registry.items() if _is_all_reduce_gradient(name, entry)]
    for name in dropped:
        del registry[name]
    return len(dropped)


def _is_all_reduce_gradient(name: str, entry) -> bool:
    """Whether a gradient registry entry is the all-reduce's: ``tf.custom_gradient`` registers
    ``internal_grad_fn``, which calls ``tape_grad_fn``, which calls the all-reduce's ``grad_fn``."""
    if not name.startswith("CustomGradient-") or not isinstance(entry, dict):
        return False
    grad_fn = _closure_value(_closure_value(entry.get("type"), "tape_grad_fn"), "grad_fn")
    return getattr(grad_fn, "__qualname__", "") == ALL_REDUCE_GRADIENT


def _closure_value(function, name: str):
    """The value of the free variable ``name`` of ``function``, or None when it has none."""
    code, closure = getattr(function, "__code__", None), getattr(function, "__closure__", None)
    if code is None or closure is None or name not in code.co_freevars:
        return None
    return closure[code.co_freevars.index(name)].cell_contents


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
    import numpy as np

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


TENSORFLOW_DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu")
"""The distributions that give ``import tensorflow``: pyproject.toml's ``tensorflow`` and ``cpu`` extras.
Colab preinstalls ``tensorflow``; the course's own environment and Binder use ``tensorflow-cpu``."""


def _tensorflow_requirement() -> str:
    """The TensorFlow releases the installed course supports, as its metadata states them (``cpu`` extra)."""
    from importlib import metadata

    try:
        requirements = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        return "2"
    for text in requirements:
        name, specifier = _name_and_specifier(text)
        if name in TENSORFLOW_DISTRIBUTIONS:
            return specifier
    return "2"


def _name_and_specifier(requirement: str) -> tuple[str, str]:
    """``("keras", ">=3.5,<4")`` from a requirement such as ``keras<4,>=3.5; extra == "x"``.

    Examples
    --------
    >>> _name_and_specifier('Keras<4,>=3.5; extra == "x"')
    ('keras', '>=3.5,<4')
    """
    from packaging.requirements import Requirement

    parsed = Requirement(requirement)
    # lower bounds first, as people write ranges: ">=3.5,<4"
    specifiers = sorted(str(spec) for spec in parsed.specifier)
    return parsed.name.lower(), ",".join(sorted(specifiers, key=lambda spec: not spec.startswith(">")))


def _import_tensorflow():
    """``import tensorflow``, or one message that says what to install when no TensorFlow is there."""
    import importlib.util

    if importlib.util.find_spec("tensorflow") is None:
        raise ModuleNotFoundError(
            f"setup(keras=True) needs TensorFlow {_tensorflow_requirement()}, which is not installed here. "
            'Install it with the course: pip install "designing-cnns[cpu]" (CPU only) or '
            '"designing-cnns[tensorflow]" (the full build, which Colab preinstalls).'
        )
    import tensorflow

    return tensorflow


def _installed_version(names) -> str | None:
    """The installed version of the first of ``names`` that is installed, else None."""
    from importlib import metadata

    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def environment_report() -> list[dict]:
    """Compare the installed packages with the versions the course supports.

    The supported ranges come from the installed ``designing-cnns`` metadata (that is,
    ``pyproject.toml``), so nothing is typed twice. TensorFlow is one row, ``tensorflow``,
    whichever build gives it (``tensorflow`` on Colab, ``tensorflow-cpu`` in the course's own
    environment). No package is imported.

    Returns
    -------
    list of dict
        One row per package: ``package``, ``required`` (a version range such as ``>=3.5,<4``),
        ``installed`` (None when missing) and ``ok`` (installed and within the range).

    Examples
    --------
    >>> rows = environment_report()
    >>> {"package", "required", "installed", "ok"} <= set(rows[0])
    True
    """
    from importlib import metadata

    from packaging.specifiers import SpecifierSet

    try:
        requirements = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        return [{"package": DISTRIBUTION, "required": "installed", "installed": None, "ok": False}]
    rows = []
    for requirement in requirements:
        name, specifier = _name_and_specifier(requirement)
        if name in TENSORFLOW_DISTRIBUTIONS:
            if any(row["package"] == "tensorflow" for row in rows):
                continue
            name, installed = "tensorflow", _installed_version(TENSORFLOW_DISTRIBUTIONS)
        elif "extra ==" in requirement:
            continue
        else:
            installed = _installed_version([name])
        ok = installed is not None and SpecifierSet(specifier).contains(installed, prereleases=True)
        rows.append({"package": name, "required": specifier, "installed": installed, "ok": ok})
    return rows
