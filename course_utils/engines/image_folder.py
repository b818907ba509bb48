"""What a folder of your own images holds, read the way Keras will read it.

``keras.utils.image_dataset_from_directory(DIR, ...)`` takes each subfolder of ``DIR`` as a
class (in sorted order: the first folder is label 0) and every ``.bmp``, ``.gif``, ``.jpeg``,
``.jpg`` or ``.png`` file under it as an image of that class::

    my_images/
        cats/  001.png  002.jpg ...
        dogs/  001.png ...

:func:`scan_folder` reads such a folder before any training: it opens each image once
(its pixels are decoded to check that the file is whole, one file at a time, never all at
once) and returns a :class:`FolderReport` that says what Keras will find: the classes and the
images of each, the image sizes (and the ``image_size`` to give Keras), the channels (and the
``color_mode``), how unbalanced the classes are (and what to do about it), and every file it
skipped, with the reason. A folder that Keras cannot train on is refused with one
``ValueError`` that names the folder and what is wrong with it.

The report also knows which files TensorFlow, which decodes the images for Keras, cannot
read: a damaged file, a text file named ``.png``, a 1-bit BMP. Keras would stop at such a
file in the middle of training, so the report lists them to be moved out of the folder.
TensorFlow decodes ``.bmp`` and ``.gif`` files only into colour (3 channels), so a grey
folder that holds them is read with ``color_mode='rgb'``.

Pillow (installed with matplotlib) reads the files; TensorFlow is not imported.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from PIL import Image
>>> tmp = tempfile.TemporaryDirectory()
>>> folder = Path(tmp.name) / "shapes"
>>> for name, count in [("circles", 6), ("squares", 2)]:
...     (folder / name).mkdir(parents=True)
...     for i in range(count):
...         Image.new("L", (40, 30)).save(folder / name / f"{i}.png")
>>> report = scan_folder(folder)
>>> report.classes, report.counts
(('circles', 'squares'), {'circles': 6, 'squares': 2})
>>> report.image_size, report.color_mode, report.input_shape
((30, 40), 'grayscale', (30, 40, 1))
>>> report.imbalance, report.class_weight
(3.0, {0: 0.6666666666666666, 1: 2.0})
>>> (folder / "squares" / "notes.txt").write_text("to do")
5
>>> [(file.path, file.keras_reads) for file in scan_folder(folder).skipped]
[('squares/notes.txt', False)]
>>> tmp.cleanup()
"""

from __future__ import annotations

import html
import json
import os
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from course_utils.core._constraints import Satisfies, validate_arguments
from course_utils.core._validation import check_folder_path
from course_utils.core.formatting import render_table

__all__ = [
    "COLOR_MODES",
    "FORMATS",
    "FolderReport",
    "IMBALANCE_RATIO",
    "MAX_CHECKED_PIXELS",
    "MAX_FILES",
    "scan_folder",
]

FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
"""The file endings ``image_dataset_from_directory`` reads (any case); it ignores every other file."""
MAX_FILES = 50_000
"""The most files and subfolders :func:`scan_folder` reads in one folder; a larger folder is refused
before any file is opened."""
MAX_CHECKED_PIXELS = 25_000_000
"""An image with more pixels is read from its header only (size, channels), not decoded."""
MAX_LISTED = 20
"""The most skipped files the report prints (:attr:`FolderReport.skipped` holds them all)."""
IMBALANCE_RATIO = 1.5
"""The largest class having this many times the images of the smallest counts as unbalanced."""
FEW_IMAGES = 100
"""Fewer images in a class than this earns a note: a CNN trained from scratch needs more."""
LARGE_SIDE = 256
"""An ``image_size`` with a longer side earns a note: slow to train on a laptop."""
COLOR_MODES = {"grayscale": 1, "rgb": 3, "rgba": 4}
"""Keras's ``color_mode`` values and the channels each gives every image, whatever the file holds."""
SPLIT_NAMES = ("test", "testing", "train", "training", "val", "valid", "validation")
"""Folder names that name a split of the data, not a class."""
QUICK_DECODE_PIXELS = 1_000_000
"""A JPEG with more pixels is decoded at a reduced scale (all of its data is still read)."""

# What each kind of file holds, and how many channels.
_KINDS = {"grey": 1, "grey + transparency": 2, "colour": 3, "colour + transparency": 4}
_GREY_MODES = {"1", "L", "I", "F", "I;16", "I;16L", "I;16B", "I;16N"}
_ALPHA_MODES = {
    "RGBA": "colour + transparency",
    "RGBa": "colour + transparency",
    "PA": "colour + transparency",
}
_ALPHA_MODES.update({"LA": "grey + transparency", "La": "grey + transparency"})
# The color modes TensorFlow decodes each format (told by the file's content) into; measured
# with tf.image.decode_image, which image_dataset_from_directory calls.
_DECODES = {
    "PNG": ("grayscale", "rgb", "rgba"),
    "JPEG": ("grayscale", "rgb"),
    "MPO": ("grayscale", "rgb"),
    "BMP": ("rgb", "rgba"),
    "GIF": ("rgb",),
    "WEBP": ("rgb",),
}
_BLOCKS = (
    "Keras reads every {endings} file under a class folder and would stop at it: move it out of the folder"
)
# What Keras's color_mode does with each kind of file.
_CONVERSIONS = {
    "grayscale": {
        "grey": "kept as it is",
        "grey + transparency": "the transparency is dropped",
        "colour": "turned into one grey channel",
        "colour + transparency": "turned into one grey channel, the transparency dropped",
    },
    "rgb": {
        "grey": "the grey is repeated into 3 equal channels",
        "grey + transparency": "the grey is repeated into 3 channels, the transparency dropped",
        "colour": "kept as it is",
        "colour + transparency": "the transparency is dropped (color_mode='rgba' would keep it)",
    },
}


class Skipped(NamedTuple):
    """A file :func:`scan_folder` did not count, and why."""

    path: str
    """Relative to the folder, with ``/`` between folders."""
    reason: str
    """Why it was skipped, and what to do."""
    keras_reads: bool
    """Whether ``image_dataset_from_directory`` still reads it (its name ends in one of :data:`FORMATS`)."""
    keras_fails: bool
    """Whether Keras would stop at it: it reads it and cannot decode it."""


class _Image(NamedTuple):
    size: tuple
    kind: str
    format: str
    grey_pixels: bool  # a colour file whose pixels are all grey
    decoded: bool
    modes: tuple  # the color modes TensorFlow decodes it into


@dataclass(frozen=True)
class FolderReport:
    """What :func:`scan_folder` found in a folder of images, as Keras will read it.

    Attributes
    ----------
    path : str
        The folder, as an absolute path.
    classes : tuple of str
        The class folders, in the order Keras numbers them (label 0 first).
    counts : dict
        ``{class: images}``: the readable images of each class.
    sizes : dict
        ``{(height, width): images}``, the most common size first.
    kinds : dict
        ``{kind: images}`` for each kind of file found: ``'grey'`` (1 channel), ``'grey +
        transparency'`` (2), ``'colour'`` (3: RGB, a palette, CMYK) or ``'colour + transparency'`` (4).
    formats : dict
        ``{format: images}``, the format told by each file's content (``'PNG'``, ``'JPEG'``, ...).
    grey_colour_files : int
        Colour files whose pixels are all grey (red = green = blue).
    color_mode : str
        The ``color_mode`` to give Keras: ``'grayscale'`` when every image is grey (and
        TensorFlow can decode each into one channel), else ``'rgb'``.
    color_reason : str
        Why that color mode.
    skipped : tuple of Skipped
        Every file not counted, with its reason (hidden files, files that are not images or
        cannot be decoded, images outside the class folders).
    notes : tuple of str
        Other things worth knowing (few images, large images, folders named like a split).
    """

    path: str
    classes: tuple
    counts: dict
    sizes: dict
    kinds: dict
    formats: dict
    grey_colour_files: int
    color_mode: str
    color_reason: str
    skipped: tuple
    notes: tuple

    @property
    def total(self) -> int:
        """The readable images of every class."""
        return sum(self.counts.values())

    @property
    def image_size(self) -> tuple:
        """``(height, width)`` to give Keras: the most common size (on a tie, the larger)."""
        return next(iter(self.sizes))

    @property
    def mixed_sizes(self) -> bool:
        """True when the images do not all have one size: Keras resizes them to :attr:`image_size`."""
        return len(self.sizes) > 1

    @property
    def input_shape(self) -> tuple:
        """``(height, width, channels)`` of each image as Keras gives it to the model."""
        return (*self.image_size, COLOR_MODES[self.color_mode])

    @property
    def label_mode(self) -> str:
        """``'binary'`` for 2 classes (one sigmoid unit, as :func:`course_utils.engines.planner.plan_cnn`
        plans), else ``'int'`` (softmax units and sparse categorical cross-entropy)."""
        return "binary" if len(self.classes) == 2 else "int"

    @property
    def imbalance(self) -> float:
        """The images of the largest class over those of the smallest (1.0: balanced)."""
        return max(self.counts.values()) / min(self.counts.values())

    @property
    def imbalanced(self) -> bool:
        """True when :attr:`imbalance` is at least :data:`IMBALANCE_RATIO`."""
        return self.imbalance >= IMBALANCE_RATIO

    @property
    def class_weight(self) -> dict:
        """``{label: weight}`` for ``model.fit(class_weight=...)``: images / (classes x class images),
        so that every class weighs as much in the loss (1.0 each when balanced)."""
        counts = [self.counts[name] for name in self.classes]
        return {label: self.total / (len(counts) * count) for label, count in enumerate(counts)}

    @property
    def keras_failures(self) -> tuple:
        """The skipped files Keras would stop at: move them out of the folder before training."""
        return tuple(file for file in self.skipped if file.keras_fails)

    def keras_arguments(self) -> dict:
        """``label_mode``, ``image_size`` and ``color_mode`` for ``image_dataset_from_directory``."""
        return {"label_mode": self.label_mode, "image_size": self.image_size, "color_mode": self.color_mode}

    # -- the report as a learner reads it -------------------------------------------------------

    def _class_rows(self) -> list:
        return [
            [str(label), name, f"{self.counts[name]:,}", f"{self.counts[name] / self.total:.0%}"]
            for label, name in enumerate(self.classes)
        ]

    def _size_lines(self) -> list:
        listed = "; ".join(f"{h}x{w}: {_images(n)}" for (h, w), n in list(self.sizes.items())[:5])
        more = len(self.sizes) - 5
        if more > 0:
            listed += f"; and {more} other sizes"
        lines = [f"Sizes (height x width): {listed}."]
        height, width = self.image_size
        if self.mixed_sizes:
            others = self.total - self.sizes[self.image_size]
            lines.append(
                f"Mixed sizes: Keras resizes every image to one image_size; give it image_size=({height}, {width}), "
                f"the most common size, and {_the_other(others)} resized to it (bilinear, which "
                "stretches an image of another shape; crop_to_aspect_ratio=True crops it instead)."
            )
        else:
            lines.append(
                f"Every image is {height}x{width}: give Keras image_size=({height}, {width}) (its default, "
                "(256, 256), would resize them all)."
            )
        return lines

    def _channel_lines(self) -> list:
        conversions = _CONVERSIONS.get(self.color_mode, {})
        lines = []
        for kind, count in self.kinds.items():
            what = conversions.get(kind, "")
            if kind.startswith("colour") and self.grey_colour_files and self.color_mode == "grayscale":
                what = "its 3 equal channels become one"
            lines.append(
                f"- {kind} ({_KINDS[kind]} channel{'s' * (_KINDS[kind] > 1)}): {_images(count)}; {what}."
            )
        channels = COLOR_MODES[self.color_mode]
        return [
            f"Channels, and what color_mode={self.color_mode!r} ({channels} channel{'s' * (channels > 1)}) "
            "does with each:",
            *lines,
            self.color_reason,
        ]

    def _balance_lines(self) -> list:
        largest = max(self.classes, key=lambda name: (self.counts[name], name))
        smallest = min(self.classes, key=lambda name: (self.counts[name], name))
        ratio = f"{self.imbalance:.2f}"
        if not self.imbalanced:
            return [
                f"Balance: the largest class has {ratio} times the images of the smallest: balanced enough "
                "(no class weights needed; accuracy is a fair first measure)."
            ]
        share = self.counts[largest] / self.total
        weights = ", ".join(f"{label}: {weight:.3g}" for label, weight in self.class_weight.items())
        return [
            f"Unbalanced: {largest!r} has {ratio} times the images of {smallest!r} "
            f"({self.counts[largest]:,} against {self.counts[smallest]:,}). A model that always answers "
            f"{largest!r} scores {share:.0%} accuracy, so accuracy alone misleads. Weight the loss so that "
            f"every class counts the same, model.fit(..., class_weight={{{weights}}}) (images / (classes x "
            "class images)), and judge the model by each class's precision and recall (and the AUC for 2 "
            "classes, lesson 06)."
        ]

    def _skipped_lines(self) -> list:
        if not self.skipped:
            return ["Skipped: no file."]
        lines = [f"Skipped {len(self.skipped):,} file{'s' * (len(self.skipped) > 1)} (not counted above):"]
        lines += [f"- {file.path}: {file.reason}" for file in self.skipped[:MAX_LISTED]]
        if len(self.skipped) > MAX_LISTED:
            lines.append(
                f"- ... and {len(self.skipped) - MAX_LISTED:,} more (report.skipped lists them all)."
            )
        failures = len(self.keras_failures)
        if failures:
            lines.append(
                f"Keras would stop at {failures:,} of them: move {'it' if failures == 1 else 'them'} out of "
                "the folder before training."
            )
        return lines

    def _call(self) -> str:
        arguments = ", ".join(
            f"{key}={python_literal(value)}" for key, value in self.keras_arguments().items()
        )
        return (
            f"keras.utils.image_dataset_from_directory({python_literal(self.path)}, validation_split=0.2, "
            f'subset="both", seed=0, {arguments})'
        )

    def _sections(self) -> list:
        """``[(title, lines)]``: the report's parts, in the order they print."""
        title = (
            f"Image folder {self.path}: {_images(self.total)} in {len(self.classes)} classes "
            "(labels in the order Keras numbers the class folders)"
        )
        return [
            (title, []),
            ("sizes", self._size_lines()),
            ("channels", self._channel_lines()),
            ("balance", self._balance_lines()),
            ("skipped", self._skipped_lines()),
            ("notes", [f"Note: {note}" for note in self.notes]),
            ("keras", ["Load it with:", "  " + self._call()]),
        ]

    def __str__(self):
        sections = self._sections()
        table = render_table(["label", "class", "images", "share"], self._class_rows())
        lines = [sections[0][0], table]
        for _, part in sections[1:]:
            lines += part
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        sections = self._sections()
        table = render_table(["label", "class", "images", "share"], self._class_rows(), as_html=True)
        parts = [f"<b>{html.escape(sections[0][0])}</b>", table]
        for _, part in sections[1:]:
            parts += [f"<div>{html.escape(line)}</div>" for line in part]
        return "<div>" + "".join(parts) + "</div>"


def _images(count: int) -> str:
    return f"{count:,} image{'s' * (count != 1)}"


def _the_other(count: int) -> str:
    return "the other image is" if count == 1 else f"the other {count:,} images are"


def python_literal(value) -> str:
    """A value as Python code, strings in double quotes (as ruff formats them); for code a learner reads."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


# -- reading one file -------------------------------------------------------------------------


def _kind(image) -> str:
    mode = image.mode
    if mode in _GREY_MODES:
        return "grey"
    if mode in _ALPHA_MODES:
        return _ALPHA_MODES[mode]
    if mode == "P" and image.format == "PNG" and "transparency" in image.info:
        return "colour + transparency"
    return "colour"


def _grey_pixels(image) -> bool:
    """A colour image whose every pixel has red = green = blue."""
    pixels = np.asarray(image.convert("RGB"))
    return bool((pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all())


def _bmp_problem(stream) -> str | None:
    """Why TensorFlow cannot decode this BMP, or None: it reads uncompressed 8-, 24- and 32-bit BMPs only."""
    where = stream.tell()
    stream.seek(14)
    header = stream.read(24)
    stream.seek(where)
    if len(header) < 20 or int.from_bytes(header[:4], "little") < 40:
        return "an old (OS/2) BMP, which TensorFlow cannot decode: save it as PNG"
    bits, compression = int.from_bytes(header[14:16], "little"), int.from_bytes(header[16:20], "little")
    if bits not in (8, 24, 32):
        return (
            f"a {bits}-bit BMP, which TensorFlow cannot decode (it reads 8, 24 and 32 bits): save it as PNG"
        )
    if compression not in (0, 3):
        return "a compressed BMP, which TensorFlow cannot decode: save it as PNG"
    return None


def _read_image(file: Path):
    """``_Image`` for a readable image file, else the reason (a str) it cannot be read, which Keras
    cannot read either; or ``(reason, False)`` when Keras may still read it."""
    from PIL import Image

    try:
        with warnings.catch_warnings(), open(file, "rb") as stream, Image.open(stream) as image:
            warnings.simplefilter("ignore")  # Pillow's remarks on a file: the report says what matters
            width, height = image.size
            kind, fmt = _kind(image), image.format or "unknown"
            modes = _DECODES.get(fmt, ())
            if fmt == "JPEG" and image.mode == "CMYK":  # TensorFlow decodes it into colour only
                fmt, modes = "CMYK JPEG", ("rgb",)
            if fmt == "BMP" and _bmp_problem(stream):
                return _bmp_problem(stream)
            if not modes:
                return (
                    f"a {fmt} image, which TensorFlow cannot decode under this name: save it as PNG or JPEG"
                )
            if width * height > MAX_CHECKED_PIXELS:
                return _Image((height, width), kind, fmt, False, False, modes)
            if fmt == "JPEG" and width * height > QUICK_DECODE_PIXELS:
                image.draft(None, (width // 8, height // 8))
            image.load()
            grey = kind.startswith("colour") and _grey_pixels(image)
            return _Image((height, width), kind, fmt, grey, True, modes)
    except PermissionError:
        return "cannot be opened (permission denied)"
    except Image.DecompressionBombError:
        return (
            "too large to check here (more pixels than Pillow opens); Keras still reads it, with much "
            "memory: make it smaller",
            False,
        )
    except Image.UnidentifiedImageError:
        return "not an image: its content is not PNG, JPEG, BMP or GIF"
    except Exception as error:  # Pillow raises many kinds for a damaged file
        return f"damaged ({str(error) or type(error).__name__})"


# -- the folder -------------------------------------------------------------------------------


def _folder_path(path) -> str:
    """The reader of :data:`IMAGE_FOLDER`: the text of a readable folder's path."""
    text = check_folder_path("path", path)
    folder = Path(text)
    where = f" (looked for {os.path.abspath(text)})" if not folder.is_absolute() else ""
    try:
        exists, is_dir = folder.exists(), folder.is_dir()
    except OSError as error:
        raise ValueError(f"path {text!r} cannot be read: {error.strerror or error}.") from None
    if not exists:
        tilde = "; '~' is not your home folder here: write the whole path" if text.startswith("~") else ""
        raise ValueError(f"path {text!r} does not exist{where}{tilde}.")
    if not is_dir:
        raise ValueError(
            f"path {text!r} is a file, not a folder: give the folder that holds one subfolder per class "
            f"({_LAYOUT})."
        )
    if not _is_text(os.path.abspath(text)):
        raise ValueError(
            f"path {text!r} is not UTF-8 text, which Keras cannot load: rename the folder (or the folders "
            "above it)."
        )
    return text


IMAGE_FOLDER = Satisfies(
    _folder_path,
    "the path of an existing folder (a str or a pathlib.Path), as UTF-8 text",
    valid=".",
    invalid=["", "no such folder", 3, b"folder"],
)
"""The folder of images, one subfolder per class: :func:`scan_folder` and the folder's plan read it."""


_LAYOUT = "for example my_images/cats/001.png and my_images/dogs/001.png"


def _listdir(text: str, folder: Path) -> list:
    try:
        return sorted(os.listdir(folder))
    except OSError as error:
        raise ValueError(f"path {text!r} cannot be read: {error.strerror or error}.") from None


def _walk(class_dir: Path, count):
    """Every file under a class folder, as Keras's ``os.walk`` finds them: into subfolders, not into
    links to folders. ``count()`` is called for each entry as it is read, so that :data:`MAX_FILES`
    stops a huge folder before it is listed whole. Yields ``(path, None)`` for a file and
    ``(path, reason)`` for a subfolder that cannot be read (Keras skips it too)."""
    stack = [class_dir]
    while stack:
        current = stack.pop()
        files, folders = [], []
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    count()
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    if not is_dir:
                        files.append(entry.name)
                    elif not entry.is_symlink():
                        folders.append(entry.name)
        except OSError as error:
            if current == class_dir:
                raise
            yield current, f"a folder that cannot be read ({error.strerror or error}); Keras skips it too"
            continue
        for name in sorted(files):
            yield current / name, None
        stack.extend(current / name for name in sorted(folders, reverse=True))


def _relative(file: Path, folder: Path) -> str:
    """The file's path in the folder, as text that prints (bytes that are not UTF-8 as escapes)."""
    return _printable(file.relative_to(folder).as_posix())


def _is_text(name: str) -> bool:
    """Whether a name is UTF-8 text: Keras (TensorFlow) cannot load a file whose path is not."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(name: str) -> str:
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _is_image_name(name: str) -> bool:
    return name.lower().endswith(FORMATS)


def _listed(names, limit: int = 5) -> str:
    shown = ", ".join(repr(name) for name in names[:limit])
    return shown + (f" and {len(names) - limit:,} more" if len(names) > limit else "")


def _too_many(text: str) -> ValueError:
    return ValueError(
        f"path {text!r} holds more than {MAX_FILES:,} files and folders (MAX_FILES), more than this check "
        "reads: "
        "give it a folder with a sample of each class (a few hundred images per class tell what the "
        "whole folder holds), or raise course_utils.engines.image_folder.MAX_FILES."
    )


def _files_by_class(text, folder, classes, skipped, total) -> dict:
    """``{class: [files]}``, refusing the folder as soon as it passes :data:`MAX_FILES` entries
    (``total`` are counted already); unreadable subfolders go to ``skipped``."""
    seen = [total]

    def count():
        seen[0] += 1
        if seen[0] > MAX_FILES:
            raise _too_many(text)

    found = {}
    for name in classes:
        found[name] = []
        try:
            for path, problem in _walk(folder / name, count):
                if problem is None:
                    found[name].append(path)
                else:
                    skipped.append(Skipped(_relative(path, folder) + "/", problem, False, False))
        except OSError as error:
            raise ValueError(
                f"path {text!r}: the class folder {name!r} cannot be read ({error.strerror or error})."
            ) from None
    return found


def _hidden(file: Path, folder: Path) -> bool:
    return any(part.startswith(".") for part in file.relative_to(folder).parts)


def _skip(folder, file, reason, fails=None) -> Skipped:
    reads = _is_image_name(file.name)
    fails = reads if fails is None else fails
    if fails:
        endings = "." + file.name.rsplit(".", 1)[-1].lower()
        reason += "; " + _BLOCKS.format(endings=endings)
    return Skipped(_relative(file, folder), reason, reads, fails)


def _other_file_reason(file: Path) -> str:
    from PIL import Image

    ending = file.suffix.lower()
    if ending in Image.registered_extensions():
        return (
            f"a {ending} image, a kind image_dataset_from_directory does not read (it reads "
            f"{', '.join(FORMATS)}): save it as PNG or JPEG to use it"
        )
    return f"not an image file ({ending or 'no ending'}); Keras ignores it"


def _read_file(folder: Path, file: Path):
    """``_Image``, or ``Skipped`` with the reason."""
    if _hidden(file, folder):
        if not _is_image_name(file.name):
            return _skip(folder, file, "a hidden file; Keras ignores it")
        result = _read_image(file) if file.is_file() else "not a regular file"
        if not isinstance(result, _Image):
            return _skip(folder, file, *_reason(result, prefix="a hidden file, "))
        return _skip(
            folder,
            file,
            "a hidden file (a copy made by the system or by Jupyter?), not counted; Keras still reads it as "
            "an image of this class: delete it if it is not one",
            fails=False,
        )
    if not _is_image_name(file.name):
        return _skip(folder, file, _other_file_reason(file))
    if not _is_text(str(file)):
        return _skip(folder, file, "its name is not UTF-8 text, which Keras cannot load: rename it")
    if not file.is_file():
        return _skip(folder, file, "not a regular file")
    result = _read_image(file)
    return result if isinstance(result, _Image) else _skip(folder, file, *_reason(result))


def _reason(result, prefix="") -> tuple:
    """``(reason, keras_fails)`` from what :func:`_read_image` says of a file it cannot use."""
    reason, fails = result if isinstance(result, tuple) else (result, None)
    return prefix + reason, fails


def _refuse_empty_classes(text, folder, classes, images, skipped) -> None:
    empty = [name for name in classes if not images[name]]
    if not empty:
        return
    details = []
    for name in empty:
        mine = [file for file in skipped if file.path.startswith(name + "/")]
        if mine:
            what = "; ".join(f"{file.path}: {file.reason.split(';')[0]}" for file in mine[:3])
            more = f" and {len(mine) - 3:,} more" if len(mine) > 3 else ""
            files = "its file" if len(mine) == 1 else f"its {len(mine):,} files"
            details.append(f"{name!r} ({files} cannot be used: {what}{more})")
        else:
            details.append(f"{name!r} (it is empty)")
    which = "class folder" if len(empty) == 1 else "class folders"
    raise ValueError(
        f"path {text!r}: the {which} {', '.join(details)} hold{'s' * (len(empty) == 1)} no image Keras can "
        f"read ({', '.join(FORMATS)}): add images to {'it' if len(empty) == 1 else 'them'}, or remove "
        f"{'it' if len(empty) == 1 else 'them'} from the folder (every subfolder is a class for Keras)."
    )


def _color_mode(records: list) -> tuple[str, str]:
    grey = all(record.kind.startswith("grey") or record.grey_pixels for record in records)
    if not grey:
        return "rgb", "The images are in colour: color_mode='rgb'."
    colour_files = sum(not record.kind.startswith("grey") for record in records)
    cannot = Counter(record.format for record in records if "grayscale" not in record.modes)
    if cannot:
        formats = ", ".join(f"{count:,} {fmt}" for fmt, count in sorted(cannot.items()))
        return "rgb", (
            f"Every image is grey, but TensorFlow decodes {formats} file{'s' * (cannot.total() > 1)} into "
            "colour only: color_mode='rgb' (3 equal channels). Save them as PNG to train on 1 channel, "
            "with a third of the input."
        )
    if colour_files:
        return "grayscale", (
            f"Every image is grey ({_images(colour_files)} stored as colour with red = green = blue): "
            "color_mode='grayscale' keeps all they hold in 1 channel, a third of the input."
        )
    return "grayscale", "Every image is grey: color_mode='grayscale'."


def _notes(folder: Path, classes, counts, image_size) -> list:
    notes = []
    splits = [name for name in classes if name.lower() in SPLIT_NAMES]
    if splits:
        inner = sorted(
            {child.name for name in splits for child in (folder / name).iterdir() if child.is_dir()}
        )
        notes.append(
            f"the class folders {_listed(splits)} look like a split of the data, not classes"
            + (f" (they hold the folders {_listed(inner)})" if inner else "")
            + ": Keras takes each subfolder as a class. If they hold one folder per class, give the "
            "training folder itself, and keep the test folder for one evaluation at the end."
        )
    few = [name for name in classes if counts[name] < FEW_IMAGES]
    if few:
        notes.append(
            f"{_listed(few)} {'has' if len(few) == 1 else 'have'} fewer than {FEW_IMAGES} images: with "
            "validation_split=0.2 a fifth of them validate, and a CNN trained from scratch learns little "
            "from so few; expect a noisy validation score and overfitting (collect more images, or augment "
            "them: lesson 08)."
        )
    if max(image_size) > LARGE_SIDE:
        notes.append(
            f"the images are {image_size[0]}x{image_size[1]}: a CNN at that size trains slowly on a laptop; "
            f"a smaller image_size of the same shape (longer side {LARGE_SIDE} px or less) is a quicker start."
        )
    return notes


def _by_count(counter: Counter, key=None) -> dict:
    """The counter as a dict, largest count first (ties in a stable order)."""
    return dict(sorted(counter.items(), key=key or (lambda item: (-item[1], item[0]))))


@validate_arguments(path=IMAGE_FOLDER)
def scan_folder(path) -> FolderReport:
    """Read a folder of images, one subfolder per class, the way Keras will read it.

    Parameters
    ----------
    path : str or pathlib.Path
        The folder that ``keras.utils.image_dataset_from_directory`` is given: one subfolder
        per class (``path/<class_name>/*.png``, ``.jpg``, ``.jpeg``, ``.bmp`` or ``.gif``;
        images in deeper subfolders belong to the class too). At most :data:`MAX_FILES` files.

    Returns
    -------
    FolderReport
        ``print(report)`` (or ``report`` in Jupyter) shows it as text a learner reads.

    Raises
    ------
    TypeError
        If ``path`` is not a str or a ``pathlib.Path``.
    ValueError
        With one message naming the folder and what is wrong: it does not exist, is a file,
        is empty, holds more than :data:`MAX_FILES` files, holds images but no class folders,
        holds only one class folder, or holds a class folder with no image Keras can read.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from PIL import Image
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name)
    >>> for name in ("cat", "dog"):
    ...     (folder / name).mkdir()
    ...     Image.new("RGB", (32, 32), "orange").save(folder / name / "1.jpg")
    ...     Image.new("RGB", (48, 32), "orange").save(folder / name / "2.png")
    >>> (folder / "dog" / "3.png").write_bytes(b"not an image")
    12
    >>> report = scan_folder(folder)
    >>> report.counts, report.sizes, report.kinds
    ({'cat': 2, 'dog': 2}, {(32, 48): 2, (32, 32): 2}, {'colour': 4})
    >>> report.image_size, report.mixed_sizes, report.color_mode
    ((32, 48), True, 'rgb')
    >>> print(report.skipped[0].reason)
    not an image: its content is not PNG, JPEG, BMP or GIF; Keras reads every .png file under a class folder and would stop at it: move it out of the folder
    >>> scan_folder(folder / "cat")
    Traceback (most recent call last):
    ...
    ValueError: path '.../cat' holds 2 images but no class folders: Keras takes each subfolder as a class. Put the images in one subfolder per class (for example my_images/cats/001.png and my_images/dogs/001.png), and give the folder above them.
    >>> tmp.cleanup()
    """
    text, folder = path, Path(path)
    entries = _listdir(text, folder)
    if len(entries) > MAX_FILES:
        raise _too_many(text)
    if not entries:
        raise ValueError(
            f"path {text!r} is empty: put the images in it, one subfolder per class ({_LAYOUT})."
        )
    classes, skipped, loose = [], [], []
    for name in entries:
        entry = folder / name
        if entry.is_dir() and name.startswith("."):
            skipped.append(Skipped(_printable(name) + "/", "a hidden folder; Keras ignores it", False, False))
        elif entry.is_dir():
            classes.append(name)
        else:
            loose.append(entry)
    loose_images = [entry.name for entry in loose if _is_image_name(entry.name)]
    if not classes:
        if loose_images:
            raise ValueError(
                f"path {text!r} holds {_images(len(loose_images))} but no class folders: Keras takes each "
                f"subfolder as a class. Put the images in one subfolder per class ({_LAYOUT}), and give the "
                "folder above them."
            )
        raise ValueError(
            f"path {text!r} holds no class folders and no images (only {_listed(entries)}): put the images "
            f"in it, one subfolder per class ({_LAYOUT})."
        )
    untyped = [name for name in classes if not _is_text(name)]
    if untyped:
        raise ValueError(
            f"path {text!r}: the class folder names {_listed(untyped)} are not UTF-8 text, which Keras cannot "
            "load: rename them."
        )
    if len(classes) == 1:
        raise ValueError(
            f"path {text!r} holds only one class folder, {classes[0]!r}: a classifier needs at least 2 "
            f"classes, one subfolder each ({_LAYOUT})."
        )
    for entry in loose:
        outside = "an image outside the class folders" if _is_image_name(entry.name) else "a file"
        skipped.append(
            Skipped(
                _printable(entry.name),
                f"{outside}; Keras ignores it (it reads class folders only)",
                False,
                False,
            )
        )

    files = _files_by_class(text, folder, classes, skipped, total=len(entries))
    images, records = {}, []
    for name in classes:
        images[name] = []
        for file in files[name]:
            result = _read_file(folder, file)
            if isinstance(result, Skipped):
                skipped.append(result)
            else:
                images[name].append(result)
                records.append(result)
    _refuse_empty_classes(text, folder, classes, images, skipped)

    counts = {name: len(images[name]) for name in classes}
    sizes = _by_count(
        Counter(record.size for record in records),
        key=lambda item: (-item[1], -item[0][0] * item[0][1], item[0]),
    )
    kinds = _by_count(
        Counter(record.kind for record in records), key=lambda item: list(_KINDS).index(item[0])
    )
    color_mode, color_reason = _color_mode(records)
    return FolderReport(
        path=os.path.abspath(text),
        classes=tuple(classes),
        counts=counts,
        sizes=sizes,
        kinds=kinds,
        formats=_by_count(Counter(record.format for record in records)),
        grey_colour_files=sum(record.grey_pixels for record in records),
        color_mode=color_mode,
        color_reason=color_reason,
        skipped=tuple(skipped),
        notes=tuple(_notes(folder, classes, counts, next(iter(sizes)))),
    )
