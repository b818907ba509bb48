"""Datasets for the course, offline first.

* ``"mnist_subset"``: 5,000 real MNIST digits bundled with the package (500 per
  digit), split 4,000 / 1,000, stratified. Works with no network at all.
* ``"shapes"``: a seeded synthetic task generated in code: circles against
  squares on 100x100 images, with noise, object size and position jitter as
  parameters. The capstone's 100x100, two-class question uses it.
* ``"fashion_mnist"`` and ``"cifar10"``: through ``keras.datasets``, which caches
  the files in ``$KERAS_HOME/datasets`` (``~/.keras/datasets`` by default). With no
  network and no cache, one :class:`DatasetUnavailableError` names the offline
  alternatives; a damaged cache gets the folder to delete.

The splits are stratified and seeded, in NumPy (scikit-learn stays out of the data path:
importing it takes seconds).

Every loader returns ``((x_train, y_train), (x_test, y_test))`` like
``keras.datasets``: uint8 images in NHWC layout and int64 labels. Cast to float32
late, and only the batch you need (``x / 255.0`` makes float64, eight times the memory).
"""

from __future__ import annotations

import functools
import hashlib
import math
import numbers
import os
import sys
from pathlib import Path

import numpy as np

from course_utils.core._constraints import Count, Satisfies, validate_arguments
from course_utils.core._validation import check_int, check_labels, describe, exact_fraction

__all__ = [
    "DATASETS",
    "DatasetUnavailableError",
    "array_checksum",
    "class_names",
    "load_dataset",
    "keras_cache_dir",
    "make_shapes",
    "train_val_split",
    "train_val_test_split",
]

MAX_SHAPES_PIXELS = 2**28
"""The most pixels :func:`make_shapes` generates in one call (256 MiB of uint8 images: 26,843
images of 100x100); a larger request is refused before anything is allocated."""
MAX_SHAPES_SIZE = 1024
"""The largest ``image_size`` :func:`make_shapes` draws, in px."""

DATA_DIR = Path(__file__).resolve().parents[1] / "data_files"
MNIST_FILE = DATA_DIR / "mnist_5k.npz"
MNIST_SHA256_FILE = DATA_DIR / "mnist_5k.sha256"

DIGITS = [str(d) for d in range(10)]
FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]  # fmt: skip
CIFAR10 = ["airplane", "automobile", "bird", "cat", "deer",
           "dog", "frog", "horse", "ship", "truck"]  # fmt: skip
SHAPES = ["circle", "square"]

DATASETS = {
    "mnist_subset": {"classes": DIGITS, "offline": True, "shape": (28, 28, 1)},
    "shapes": {"classes": SHAPES, "offline": True, "shape": (100, 100, 1)},
    "fashion_mnist": {"classes": FASHION, "offline": False, "shape": (28, 28, 1)},
    "cifar10": {"classes": CIFAR10, "offline": False, "shape": (32, 32, 3)},
}
OFFLINE = [name for name, info in DATASETS.items() if info["offline"]]
# The folders (under the Keras cache's datasets/) where keras.datasets keeps each online dataset.
KERAS_CACHE_FOLDERS = {
    "fashion_mnist": ("fashion-mnist",),
    "cifar10": ("cifar-10-batches-py-target", "cifar-10-batches-py-target_archive"),
}
_OFFLINE_ADVICE = (
    "Work offline with load_dataset('mnist_subset') (5,000 real MNIST digits) "
    "or load_dataset('shapes') (a synthetic 100x100 task)."
)


class DatasetUnavailableError(RuntimeError):
    """A dataset cannot be loaded: not downloadable and not cached, or its files are damaged.

    The message says why and what to do. It is raised without a chained traceback, so a
    learner sees one clear message.
    """


def _dataset_name(name) -> str:
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(f"name must be one of {sorted(DATASETS)}, got {name!r}.")
    return name


DATASET_NAME = Satisfies(
    _dataset_name, "one of DATASETS's names", valid="shapes", invalid=["mnist", "SHAPES"]
)
"""A dataset's name, quoted as given when it is not one (``load_dataset``, ``class_names``)."""


@validate_arguments(name=DATASET_NAME)
def class_names(name: str) -> list[str]:
    """The class names of a dataset, indexed by label.

    Examples
    --------
    >>> class_names("shapes")
    ['circle', 'square']
    >>> class_names("cifar10")[3]
    'cat'
    """
    return list(DATASETS[name]["classes"])


def array_checksum(*arrays: np.ndarray) -> str:
    """SHA-256 of the arrays' shapes, dtypes and bytes (not of the file that stores them).

    Examples
    --------
    >>> array_checksum(np.zeros(3, np.uint8)) == array_checksum(np.zeros(3, np.uint8))
    True
    >>> array_checksum(np.zeros(3, np.uint8)) == array_checksum(np.ones(3, np.uint8))
    False
    >>> array_checksum(np.array([1, None], dtype=object))
    Traceback (most recent call last):
    ...
    ValueError: arrays[0] must be a NumPy array of numbers, booleans or strings, got an array of dtype object: its bytes are memory addresses, not values.
    """
    if not arrays:
        raise ValueError("arrays must hold at least one NumPy array, got none.")
    for index, array in enumerate(arrays):
        if not isinstance(array, np.ndarray):
            raise ValueError(
                f"arrays[{index}] must be a NumPy array, got {describe(array)} of type {type(array).__name__}."
            )
        if array.dtype.kind not in "biufcUS" or array.dtype.fields is not None:
            raise ValueError(
                f"arrays[{index}] must be a NumPy array of numbers, booleans or strings, got an array of "
                f"dtype {array.dtype}"
                + (": its bytes are memory addresses, not values." if array.dtype == object else ".")
            )
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.shape}{array.dtype.str}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def _mnist_arrays() -> tuple[np.ndarray, np.ndarray]:
    import zipfile
    import zlib

    try:
        with np.load(MNIST_FILE) as archive:
            images, labels = archive["images"], archive["labels"]
        expected = MNIST_SHA256_FILE.read_text().strip()
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, zlib.error) as error:
        raise _damaged(f"{type(error).__name__}: {error}") from None
    if array_checksum(images, labels) != expected:
        raise _damaged("its checksum does not match")
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def _damaged(reason: str) -> DatasetUnavailableError:
    return DatasetUnavailableError(
        f"The bundled MNIST subset ({MNIST_FILE.name} in {DATA_DIR}) is damaged or missing ({reason}). "
        "Reinstall the course: in the repository, run ./course test (or pip install -e .); "
        "scripts/convert_mnist_subset.py re-creates the file from its source. "
        "load_dataset('shapes') works meanwhile."
    )


def _load_mnist_subset(test_size: int = 1000, seed: int = 0):
    images, labels = _mnist_arrays()
    test_size = _split_count("test_size", check_int("test_size", test_size), len(labels), len(DIGITS))
    seed = check_int("seed", seed, minimum=0)
    x = images[..., np.newaxis].copy()
    y = labels.astype(np.int64)
    train, test = _stratified_indices(y, test_size, seed)
    return (x[train], y[train]), (x[test], y[test])


def keras_cache_dir() -> Path:
    """The folder where ``keras.datasets`` caches downloads, as Keras chooses it.

    ``$KERAS_HOME/datasets`` when ``KERAS_HOME`` is set, else ``~/.keras/datasets``
    (``/tmp/.keras/datasets`` when the home folder cannot be written).

    Examples
    --------
    >>> keras_cache_dir().name
    'datasets'
    """
    keras_config = getattr(sys.modules.get("keras.src.backend.config"), "keras_home", None)
    if keras_config is not None:  # Keras fixed its home when it was imported: ask it
        home = keras_config()
    elif "KERAS_HOME" in os.environ:
        home = os.environ["KERAS_HOME"]
    else:
        user = Path("~").expanduser()
        home = str((user if os.access(user, os.W_OK) else Path("/tmp")) / ".keras")
    base = Path(home).expanduser()
    if not os.access(base, os.W_OK):  # as keras.utils.get_file does
        base = Path("/tmp") / ".keras"
    return base / "datasets"


def _load_keras(name: str):
    import keras

    loader = {"fashion_mnist": keras.datasets.fashion_mnist, "cifar10": keras.datasets.cifar10}[name]
    folders = [keras_cache_dir() / folder for folder in KERAS_CACHE_FOLDERS[name]]
    cached = [folder for folder in folders if folder.is_dir() and any(folder.iterdir())]
    try:
        (x_train, y_train), (x_test, y_test) = loader.load_data()
    except Exception as error:  # any failure to download or read: one clear message
        reason = f"{type(error).__name__}: {str(error)[:300]}"
        if cached:
            raise DatasetUnavailableError(
                f"The cached copy of {name!r} could not be read ({reason}). Keras reuses a damaged "
                f"download forever: delete {' and '.join(str(f) for f in cached)}, then load it again "
                f"with a network connection. {_OFFLINE_ADVICE}"
            ) from None
        raise DatasetUnavailableError(
            f"Could not load {name!r}: it is downloaded on first use and cached in {keras_cache_dir()}, "
            f"and the download failed ({reason}). {_OFFLINE_ADVICE} Or connect once to fill the cache."
        ) from None
    if x_train.ndim == 3:
        x_train, x_test = x_train[..., np.newaxis], x_test[..., np.newaxis]
    return (x_train, y_train.reshape(-1).astype(np.int64)), (x_test, y_test.reshape(-1).astype(np.int64))


@validate_arguments(name=DATASET_NAME)
def load_dataset(name: str, **options):
    """Load a dataset as ``((x_train, y_train), (x_test, y_test))``.

    Parameters
    ----------
    name : {'mnist_subset', 'shapes', 'fashion_mnist', 'cifar10'}
        Which dataset. The first two work offline.
    **options
        For ``'mnist_subset'``: ``test_size`` (default 1000) and ``seed`` (default 0)
        of the stratified split. For ``'shapes'``: ``n_train`` (default 2000),
        ``n_test`` (default 500) and any argument of :func:`make_shapes`.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        uint8 images of shape (n, height, width, channels) and int64 labels.

    Raises
    ------
    ValueError
        For an unknown name or option.
    DatasetUnavailableError
        For an online dataset that cannot be downloaded and is not cached.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_dataset("mnist_subset")
    >>> x_train.shape, x_train.dtype, x_test.shape
    ((4000, 28, 28, 1), dtype('uint8'), (1000, 28, 28, 1))
    >>> np.bincount(y_test).tolist()
    [100, 100, 100, 100, 100, 100, 100, 100, 100, 100]
    """
    if name == "mnist_subset":
        _check_options(name, options, {"test_size", "seed"})
        return _load_mnist_subset(**options)
    if name == "shapes":
        n_train = check_int("n_train", options.pop("n_train", 2000))
        n_test = check_int("n_test", options.pop("n_test", 500))
        _check_options(name, options, {"image_size", "noise", "object_size", "jitter", "seed"})
        try:
            x, y = make_shapes(n_train + n_test, **options)
        except ValueError as error:
            if str(error).startswith("n_samples"):  # the learner gave n_train and n_test
                raise ValueError(
                    f"n_train={n_train:,} and n_test={n_test:,} ask for {n_train + n_test:,} images: {error}"
                ) from None
            raise
        return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])
    _check_options(name, options, set())
    return _load_keras(name)


def _check_options(name: str, options: dict, allowed: set) -> None:
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValueError(
            f"load_dataset({name!r}) does not take {unknown}; allowed options: {sorted(allowed) or 'none'}."
        )


def _fraction(name: str, value, low: float = 0.0, high: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not low <= value <= high:
        raise ValueError(f"{name} must be a number between {low} and {high}, got {value!r}.")
    return float(value)


def _fraction_constraint(name: str) -> Satisfies:
    """A number from 0 to 1 (``make_shapes``'s noise and jitter), quoted as given when it is not."""
    return Satisfies(
        lambda value: _fraction(name, value),
        "a number between 0.0 and 1.0",
        valid=0.5,
        invalid=[-0.1, 1.5, True],
    )


def _object_size(object_size) -> tuple[float, float]:
    if (
        not isinstance(object_size, (tuple, list))
        or len(object_size) != 2
        or not 0.05
        <= _fraction("object_size", object_size[0], 0.05, 0.9)
        <= _fraction("object_size", object_size[1], 0.05, 0.9)
    ):
        raise ValueError(
            f"object_size must be a (smallest, largest) pair of fractions with "
            f"0.05 <= smallest <= largest <= 0.9, got {object_size!r}."
        )
    return float(object_size[0]), float(object_size[1])


@validate_arguments(
    n_samples=Count(),
    image_size=Count(8, MAX_SHAPES_SIZE),
    noise=_fraction_constraint("noise"),
    jitter=_fraction_constraint("jitter"),
    object_size=Satisfies(
        _object_size,
        "a (smallest, largest) pair of fractions with 0.05 <= smallest <= largest <= 0.9",
        valid=(0.2, 0.5),
        invalid=[(0.5, 0.2), (0.01, 0.5), (0.2,), 0.2],
    ),
    seed=Count(0),
)
def make_shapes(
    n_samples: int,
    image_size: int = 100,
    noise: float = 0.1,
    object_size: tuple[float, float] = (0.2, 0.5),
    jitter: float = 1.0,
    seed: int = 0,
):
    """Generate a two-class image task: circles (label 0) against squares (label 1).

    Each image is dark with one bright filled shape, plus Gaussian noise. The
    classes are balanced and shuffled. The same arguments always give the same images.

    Parameters
    ----------
    n_samples : int
        Number of images; ``n_samples * image_size**2`` is at most :data:`MAX_SHAPES_PIXELS`.
    image_size : int, default=100
        Height and width in pixels, from 8 to :data:`MAX_SHAPES_SIZE`.
    noise : float, default=0.1
        Standard deviation of the pixel noise, as a fraction of the 0..255 range
        (0 to 1). More noise makes the task harder.
    object_size : (float, float), default=(0.2, 0.5)
        Smallest and largest shape width, as a fraction of ``image_size``
        (0.05 to 0.9). Smaller shapes are harder.
    jitter : float, default=1.0
        How far the shape's centre may move from the image centre, as a
        fraction of the free room (0 = always centred, 1 = anywhere it fits).
    seed : int, default=0
        Random seed.

    Returns
    -------
    x : ndarray of shape (n_samples, image_size, image_size, 1), uint8
    y : ndarray of shape (n_samples,), int64

    Examples
    --------
    >>> x, y = make_shapes(6, image_size=32, seed=1)
    >>> x.shape, x.dtype, np.bincount(y).tolist()
    ((6, 32, 32, 1), dtype('uint8'), [3, 3])
    >>> bool((make_shapes(6, image_size=32, seed=1)[0] == x).all())
    True
    """
    if n_samples * image_size**2 > MAX_SHAPES_PIXELS:
        raise ValueError(
            f"n_samples={n_samples:,} images of image_size={image_size} px make {n_samples * image_size**2:,} "
            f"pixels, more than the {MAX_SHAPES_PIXELS:,} (256 MiB) that make_shapes generates at once: "
            f"ask for at most {MAX_SHAPES_PIXELS // image_size**2:,} images of this size."
        )

    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n_samples) % 2).astype(np.int64)
    sizes = rng.uniform(object_size[0], object_size[1], n_samples) * image_size
    room = (image_size - sizes) / 2
    centre = image_size / 2 - 0.5
    offsets = rng.uniform(-1, 1, (n_samples, 2)) * (room * jitter)[:, None]
    brightness = rng.uniform(150, 255, n_samples)
    background = rng.uniform(0, 60, n_samples)

    grid = np.arange(image_size, dtype=np.float32)
    images = np.empty((n_samples, image_size, image_size, 1), dtype=np.uint8)
    for start in range(0, n_samples, 256):
        stop = min(start + 256, n_samples)
        cy = (centre + offsets[start:stop, 0])[:, None, None]
        cx = (centre + offsets[start:stop, 1])[:, None, None]
        half = (sizes[start:stop] / 2)[:, None, None]
        dy = grid[None, :, None] - cy
        dx = grid[None, None, :] - cx
        circle = dy**2 + dx**2 <= half**2
        square = np.maximum(np.abs(dy), np.abs(dx)) <= half
        mask = np.where(labels[start:stop, None, None] == 1, square, circle)
        picture = np.where(mask, brightness[start:stop, None, None], background[start:stop, None, None])
        picture = picture + rng.normal(0, noise * 255, picture.shape)
        images[start:stop, ..., 0] = np.clip(np.rint(picture), 0, 255).astype(np.uint8)
    return images, labels


def _check_split_inputs(x, y) -> np.ndarray:
    """The labels, read by the course's one reader of labels (ints or strings, one per sample)."""
    for name, value in (("x", x), ("y", y)):
        if not hasattr(value, "__len__") or isinstance(value, (str, bytes)):
            raise TypeError(f"{name} must be an array (or a list), got {describe(value)}.")
        try:
            array = np.asarray(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"{name} must be a rectangular array (rows of one length), got {describe(value)}."
            ) from None
        if array.ndim == 0:
            raise TypeError(f"{name} must be an array (or a list), got {describe(value)}.")
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}.")
    if np.ndim(y) != 1:
        raise ValueError(f"y must be one label per sample (1-D), got an array of shape {np.shape(y)}.")
    return check_labels("y", y)


def _split_count(name: str, size, n_samples: int, n_classes: int) -> int:
    """How many samples a ``size`` (a fraction or a count) asks for, checked against the classes.

    A fraction is taken exactly, as the decimal it stands for: 0.07 of 100 samples is 7
    (``ceil(0.07 * 100)`` in floats is 8), and so is ``np.float32(0.07)``.
    """
    if (
        isinstance(size, (bool, np.bool_))
        or not isinstance(size, numbers.Real)
        or size <= 0
        or not (isinstance(size, numbers.Integral) or math.isfinite(size))
    ):
        raise ValueError(
            f"{name} must be a fraction between 0 and 1 or a positive int, got {describe(size)}."
        )
    if isinstance(size, numbers.Integral):
        count = int(size)
    elif size >= 1:
        raise ValueError(f"{name} as a fraction must be below 1, got {size!r}.")
    else:
        count = math.ceil(exact_fraction(name, size) * n_samples)
    if not n_classes <= count <= n_samples - n_classes:
        raise ValueError(
            f"{name}={size!r} asks for {count} of {n_samples} samples; with {n_classes} classes it must "
            f"give between {n_classes} and {n_samples - n_classes}, so that each class can be in both parts."
        )
    return count


def _stratified_indices(y: np.ndarray, n_held_out: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the kept and held-out parts: each class contributes its share, rounded fairly."""
    rng = np.random.default_rng(seed)
    classes, codes = np.unique(y, return_inverse=True)
    counts = np.bincount(codes, minlength=len(classes))
    quota = n_held_out * counts / counts.sum()
    take = np.floor(quota).astype(int)
    # largest remainders get the samples that rounding down left over (ties: a seeded draw)
    order = np.lexsort((rng.random(len(classes)), -(quota - take)))
    take[order[: n_held_out - take.sum()]] += 1
    held_out = np.concatenate(
        [rng.permutation(np.flatnonzero(codes == k))[: take[k]] for k in range(len(classes))]
    )
    kept = np.setdiff1d(np.arange(len(y)), held_out)
    return rng.permutation(kept), rng.permutation(held_out)


SEED = {"seed": Count(0)}


@validate_arguments(**SEED)
def train_val_split(x, y, val_size=0.2, seed: int = 0):
    """Split ``(x, y)`` into training and validation parts, stratified by label and seeded.

    Each class keeps its share in both parts (rounded so that the sizes add up), and the
    samples are shuffled. The same seed gives the same split.

    Parameters
    ----------
    x, y : array_like
        Samples and their labels (one label per sample, integers or strings), of the same length.
    val_size : float or int, default=0.2
        A fraction (between 0 and 1, rounded up; taken exactly, as the decimal it stands for) or a
        number of samples for the validation part.
    seed : int, default=0
        Random seed: the same seed gives the same split.

    Returns
    -------
    (x_train, y_train), (x_val, y_val)

    Raises
    ------
    ValueError
        If the sizes do not fit (each class must be able to appear in both parts), or ``y``
        holds something that is not a label (None, NaN, a fraction such as 0.5).

    Examples
    --------
    >>> x, y = np.arange(20).reshape(10, 2), np.array([0, 1] * 5)
    >>> (x_tr, y_tr), (x_val, y_val) = train_val_split(x, y, val_size=0.4)
    >>> len(x_tr), np.bincount(y_val).tolist()
    (6, [2, 2])
    """
    labels = _check_split_inputs(x, y)
    x, y = np.asarray(x), np.asarray(y)
    n_val = _split_count("val_size", val_size, len(y), len(np.unique(labels)))
    train, val = _stratified_indices(labels, n_val, seed)
    return (x[train], y[train]), (x[val], y[val])


def _open_fraction(name: str) -> Satisfies:
    def read(value):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
            raise ValueError(f"{name} must be a fraction between 0 and 1, got {value!r}.")
        return value

    return Satisfies(read, "a fraction between 0 and 1", valid=0.1, invalid=[0, 1, 0.0, -0.5, True])


@validate_arguments(val_size=_open_fraction("val_size"), test_size=_open_fraction("test_size"), **SEED)
def train_val_test_split(x, y, val_size=0.1, test_size=0.1, seed: int = 0):
    """Split ``(x, y)`` into training, validation and test parts, stratified and seeded.

    Fractions are of the whole set. The test part is held out first, so
    changing ``val_size`` never changes the test set.

    Examples
    --------
    >>> x, y = np.zeros((100, 4, 4, 1)), np.arange(100) % 2
    >>> train, val, test = train_val_test_split(x, y, val_size=0.2, test_size=0.1)
    >>> len(train[0]), len(val[0]), len(test[0])
    (70, 20, 10)
    """
    labels = _check_split_inputs(x, y)
    total = exact_fraction("val_size", val_size) + exact_fraction("test_size", test_size)
    if total >= 1:
        raise ValueError(
            f"val_size + test_size must be below 1, got {val_size} + {test_size} = {float(total):g}."
        )
    x, y = np.asarray(x), np.asarray(y)
    n_classes = len(np.unique(labels))
    n_test = _split_count("test_size", test_size, len(y), n_classes)
    rest, test = _stratified_indices(labels, n_test, seed)
    n_val = _split_count("val_size", val_size, len(y), n_classes)
    if n_val > len(rest) - n_classes:
        raise ValueError(
            f"val_size={val_size!r} and test_size={test_size!r} leave fewer than {n_classes} training samples "
            f"of {len(y)}: make them smaller."
        )
    train, val = _stratified_indices(labels[rest], n_val, seed)
    return (x[rest][train], y[rest][train]), (x[rest][val], y[rest][val]), (x[test], y[test])
