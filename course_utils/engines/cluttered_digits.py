"""Cluttered digits: a real-data 100x100, two-class task built offline from the bundled MNIST digits.

Lesson 09 answers "100x100 images, 2 classes: how many layers, how much pooling, which head,
which kernels?" on a task where the answer is not obvious: a handwritten **4** or **9** (28x28 px),
placed at a random position on a 100x100 canvas, among **clutter**: small patches cut from other
handwritten digits. This is the style of the cluttered translated MNIST benchmark of Mnih et al.
(2014), "Recurrent Models of Visual Attention", which uses 100x100 canvases.

Why 4 against 9: they are the pair of digits a small model confuses most (a 4 closed at the top is
a 9), so the task stays below 100% for small designs and training sets, and designs can differ.
The clutter makes the object small in its image (a 28 px digit on a 100 px canvas) and the
background busy, as in real photographs: the network must find the digit before it can read it.

No handwritten sample reaches two splits: the **source digits** are split first, exactly as lesson
05 splits the bundled digits (``train_val_split(val_size=0.2, seed=0)`` of the 4,000 training
digits; the 1,000 test digits stay the test digits), and each canvas is composed from the digits
of its own split only, its clutter included.

Examples
--------
>>> x, y = make_cluttered_digits(6, split="validation", seed=1)
>>> x.shape, x.dtype.name, sorted(set(y.tolist()))
((6, 100, 100, 1), 'uint8', [0, 1])
>>> source_digits("test")[0].shape[0] == source_digits("test")[1].shape[0]
True
"""

from __future__ import annotations

import zlib

import numpy as np

from course_utils.core._constraints import Count, FolderPath, Option, Satisfies, validate_arguments
from course_utils.core._validation import check_int, describe

__all__ = [
    "CLASS_NAMES",
    "DIGITS",
    "MAX_IMAGES",
    "SPLITS",
    "make_cluttered_digits",
    "source_digits",
    "write_image_folder",
]

DIGITS = (4, 9)
"""The two digits of the task: label 0 is a 4, label 1 a 9."""
CLASS_NAMES = ("four", "nine")
SPLITS = ("train", "validation", "test")
DIGIT_SIZE = 28
MAX_IMAGES = 20_000
"""The most canvases one call makes (20,000 canvases of 100x100 are 200 MB)."""
MAX_IMAGE_SIZE = 512


def _digits(digits) -> tuple[int, int]:
    """The reader of ``digits``: two different digits from 0 to 9."""
    wrong = ValueError(
        f"digits must be two different digits from 0 to 9, such as (4, 9), got {describe(digits)}."
    )
    if isinstance(digits, np.ndarray):
        if digits.ndim != 1:
            raise wrong
    elif not isinstance(digits, (tuple, list)):
        raise wrong
    if len(digits) != 2 or any(isinstance(d, (tuple, list, np.ndarray)) for d in digits):
        raise wrong
    first, second = (check_int("digits", d, minimum=0, maximum=9) for d in digits)
    if first == second:
        raise wrong
    return first, second


def _exact_flag(name: str) -> Satisfies:
    """True or False, and nothing else (a TypeError names ``name``)."""

    def read(value):
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False, got {describe(value)}.")
        return value

    return Satisfies(read, "True or False", valid=True, invalid=[1, 0, "no", np.bool_(True)])


SOURCE = {
    "split": Option(*SPLITS),
    "digits": Satisfies(
        _digits,
        "two different digits from 0 to 9",
        valid=DIGITS,
        invalid=[(4, 4), (4,), (4, 10), 4, [[4, 9]]],
    ),
}
"""Which source digits compose the canvases: :func:`source_digits` and :func:`make_cluttered_digits`."""
CANVAS = {
    "image_size": Count(DIGIT_SIZE, MAX_IMAGE_SIZE),
    "clutter": Count(0, 100),
    "seed": Count(0, 2**32 - 1),
}
"""How the canvases are drawn: :func:`make_cluttered_digits` and :func:`write_image_folder`."""


@validate_arguments(**SOURCE)
def source_digits(split: str, digits=DIGITS):
    """The handwritten digits a split is composed from: ``(images, labels, clutter_images)``.

    ``images`` are the split's 28x28 digits of the two classes, ``labels`` their index in
    ``digits`` (0 or 1); ``clutter_images`` are all the split's digits (every class), from
    which clutter patches are cut.

    Parameters
    ----------
    split : {'train', 'validation', 'test'}
        Lesson 05's split of the bundled MNIST subset: 3,200 training and 800 validation
        digits of the 4,000 training digits, and the 1,000 test digits.
    digits : (int, int), default=(4, 9)

    Examples
    --------
    >>> images, labels, clutter = source_digits("validation")
    >>> images.shape[1:], len(clutter)
    ((28, 28), 800)
    """
    from course_utils.engines.data import load_dataset, train_val_split

    (x, y), (x_test, y_test) = load_dataset("mnist_subset")
    if split == "test":
        pool_x, pool_y = x_test, y_test
    else:
        (x_train, y_train), (x_val, y_val) = train_val_split(x, y, val_size=0.2, seed=0)
        pool_x, pool_y = (x_train, y_train) if split == "train" else (x_val, y_val)
    pool_x = pool_x.reshape(len(pool_x), DIGIT_SIZE, DIGIT_SIZE)
    chosen = np.isin(pool_y, digits)
    labels = (pool_y[chosen] == digits[1]).astype(np.int64)
    return pool_x[chosen], labels, pool_x


@validate_arguments(
    n=Count(1, MAX_IMAGES),
    **SOURCE,
    image_size=CANVAS["image_size"],
    clutter=CANVAS["clutter"],
    clutter_size=Count(1, DIGIT_SIZE),
    seed=CANVAS["seed"],
    unique=_exact_flag("unique"),
)
def make_cluttered_digits(
    n: int,
    split: str = "train",
    *,
    digits=DIGITS,
    image_size: int = 100,
    clutter: int = 8,
    clutter_size: int = 8,
    seed: int = 0,
    unique: bool = False,
):
    """Compose ``n`` canvases: one digit of ``digits`` at a random place, among clutter patches.

    Each canvas is ``image_size`` x ``image_size`` and black; one source digit of the split
    (28x28) is placed at a uniformly random position, and ``clutter`` patches of
    ``clutter_size`` x ``clutter_size`` px, cut at random places from random digits of the
    same split, at random positions. Where strokes overlap, the brighter pixel wins. The
    classes are balanced (alternating, then shuffled), and the same arguments give the same
    canvases.

    Parameters
    ----------
    n : int
        Canvases, at most :data:`MAX_IMAGES`.
    split : {'train', 'validation', 'test'}
        Which source digits (:func:`source_digits`): no handwritten sample is in two splits.
    digits : (int, int), default=(4, 9)
        The two classes: label 0 is ``digits[0]``.
    image_size : int, default=100
        From 28 (the digit fills the canvas) to :data:`MAX_IMAGE_SIZE`.
    clutter : int, default=8
        Patches of clutter per canvas (0: none).
    clutter_size : int, default=8
        Side of a patch, from 1 to 28.
    seed : int, default=0
    unique : bool, default=False
        True: no source digit is placed on two canvases (at most as many canvases per class as the
        split has digits of it), so that canvases split later into training and validation share
        no handwriting. False: digits are drawn with replacement (lesson 09's task).

    Returns
    -------
    x : numpy.ndarray
        ``(n, image_size, image_size, 1)`` uint8 images.
    y : numpy.ndarray
        ``(n,)`` int64 labels, 0 or 1.

    Examples
    --------
    >>> x, y = make_cluttered_digits(4, seed=0)
    >>> x.shape, int(y.sum())
    ((4, 100, 100, 1), 2)
    >>> int((x[0] > 0).sum()) > 50   # the digit and its clutter
    True
    """
    images, labels, clutter_pool = source_digits(split, digits)
    rng = np.random.default_rng([seed, zlib.crc32(split.encode()), *digits])
    wanted = rng.permutation(np.arange(n) % 2)
    by_class = [np.flatnonzero(labels == label) for label in (0, 1)]
    if unique:
        fewest = min(len(found) for found in by_class)
        if (n + 1) // 2 > fewest:
            raise ValueError(
                f"n must be at most {2 * fewest} with unique=True: the {split!r} split has {fewest} digits of a "
                f"class, got {n}."
            )
        drawn = [iter(rng.permutation(found)) for found in by_class]
    canvases = np.zeros((n, image_size, image_size), dtype=np.uint8)
    room = image_size - DIGIT_SIZE
    for i, label in enumerate(wanted):
        canvas = canvases[i]
        for _ in range(clutter):
            source = clutter_pool[rng.integers(len(clutter_pool))]
            top, left = rng.integers(0, DIGIT_SIZE - clutter_size + 1, size=2)
            patch = source[top : top + clutter_size, left : left + clutter_size]
            row, col = rng.integers(0, image_size - clutter_size + 1, size=2)
            window = canvas[row : row + clutter_size, col : col + clutter_size]
            np.maximum(window, patch, out=window)
        digit = images[next(drawn[label]) if unique else rng.choice(by_class[label])]
        row, col = rng.integers(0, room + 1, size=2)
        window = canvas[row : row + DIGIT_SIZE, col : col + DIGIT_SIZE]
        np.maximum(window, digit, out=window)
    return canvases[..., None], wanted.astype(np.int64)


def _counts(counts) -> dict:
    """The reader of ``write_image_folder``'s ``counts``: images per class name."""
    if not isinstance(counts, dict) or set(counts) - set(CLASS_NAMES) or not counts:
        raise ValueError(
            f"counts must be a dict of images per class among {CLASS_NAMES}, got {describe(counts)}."
        )
    return {
        name: check_int(f"counts[{name!r}]", n, minimum=1, maximum=MAX_IMAGES) for name, n in counts.items()
    }


@validate_arguments(
    folder=FolderPath(),
    counts=Satisfies(
        _counts,
        "a dict of images per class among CLASS_NAMES",
        valid=lambda: {"four": 1},
        invalid=[{}, {"five": 1}, {"four": 0}, {"four": MAX_IMAGES + 1}, ["four"]],
    ),
    split=SOURCE["split"],
    colour=_exact_flag("colour"),
    **CANVAS,
)
def write_image_folder(folder, counts, split: str = "train", *, colour: bool = True, clutter: int = 8,
                       image_size: int = 100, seed: int = 0):  # fmt: skip
    """Write canvases as PNG files, one subfolder per class: a folder of images as a learner has one.

    ``folder/four/*.png`` and ``folder/nine/*.png``, the layout that
    ``keras.utils.image_dataset_from_directory`` reads. Lesson 10 trains on such a folder. No
    source digit is on two images (``unique=True``), so that any split of the folder shares no
    handwriting: at most as many images per class as the split has digits of it (320 in 'train').

    Parameters
    ----------
    folder : str or pathlib.Path
        Where to write; it must not exist yet, or be empty.
    counts : dict
        Images per class name of :data:`CLASS_NAMES`, e.g. ``{"four": 300, "nine": 100}``: unequal
        counts make unbalanced classes.
    split : {'train', 'validation', 'test'}
        Which source digits compose the canvases: write a test folder from ``'test'``.
    colour : bool, default=True
        True: each canvas in a colour of its own (RGB files, the ink tinted); False: grey files.
    clutter, image_size, seed
        As for :func:`make_cluttered_digits`.

    Returns
    -------
    pathlib.Path
        The folder.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = write_image_folder(Path(tmp.name) / "my_images", {"four": 3, "nine": 1}, image_size=40)
    >>> sorted(str(p.relative_to(folder)) for p in folder.rglob("*.png"))
    ['four/0000.png', 'four/0001.png', 'four/0002.png', 'nine/0000.png']
    >>> tmp.cleanup()
    """
    from pathlib import Path

    from PIL import Image

    text, folder, wanted = folder, Path(folder), counts
    try:
        holds_files = folder.exists() and (not folder.is_dir() or any(folder.iterdir()))
    except OSError as error:
        raise ValueError(f"folder {text!r} cannot be read: {error.strerror or error}.") from None
    if holds_files:
        raise ValueError(f"folder must not exist yet or be empty, got {text!r}, which holds files.")
    per_class = max(wanted.values())
    x, y = make_cluttered_digits(
        2 * per_class, split, image_size=image_size, clutter=clutter, seed=seed, unique=True
    )
    rng = np.random.default_rng([seed, 17])
    try:
        for name in wanted:
            (folder / name).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"folder {text!r} cannot be written: {error.strerror or error}.") from None
    for label, name in enumerate(CLASS_NAMES):
        if name not in wanted:
            continue
        for number, index in enumerate(np.flatnonzero(y == label)[: wanted[name]]):
            grey = x[index, :, :, 0]
            if colour:
                ink = rng.uniform(0.35, 1.0, size=3)
                pixels = np.round(grey[..., None] * ink).astype(np.uint8)
            else:
                pixels = grey
            Image.fromarray(pixels).save(folder / name / f"{number:04d}.png")
    return folder
