"""Tests of course_utils.engines.image_folder: scan_folder reads a folder of images as Keras will read it.

Every refusal is one ValueError that names the folder and what is wrong; every file that is
not counted is named with its reason; and what the report says Keras will do is checked
against Keras itself (class order, files found, color modes that decode).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from course_utils.engines import image_folder
from course_utils.engines.image_folder import FORMATS, FolderReport, scan_folder

RNG = np.random.default_rng(0)


def _save(path: Path, mode="L", size=(28, 28), fmt=None, grey=False):
    """An image file of ``size`` (height, width) in Pillow ``mode``: random pixels (grey ones if asked)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height, width = size
    if mode in ("L", "1"):
        image = Image.fromarray(RNG.integers(0, 256, (height, width), dtype=np.uint8)).convert(mode)
    else:
        pixels = RNG.integers(0, 256, (height, width, 1 if grey else 3), dtype=np.uint8)
        image = Image.fromarray(np.repeat(pixels, 3, axis=2) if grey else pixels).convert(mode)
    image.save(path, fmt)
    return path


def _folder(root: Path, classes: dict, mode="L", size=(28, 28), ending="png", **options) -> Path:
    """``root/<class>/<i>.<ending>``: ``classes`` maps each class to its number of images."""
    for name, count in classes.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            _save(root / name / f"{i:03d}.{ending}", mode, size, **options)
    return root


def _refusal(path) -> str:
    with pytest.raises(ValueError) as error:
        scan_folder(path)
    return str(error.value)


# -- refusals: one ValueError naming the folder and what is wrong -----------------------------


def test_a_missing_folder_is_refused_by_name(tmp_path, monkeypatch):
    message = _refusal(tmp_path / "nowhere")
    assert f"path '{tmp_path / 'nowhere'}' does not exist" in message
    monkeypatch.chdir(tmp_path)
    assert "looked for " + str(tmp_path / "pics") in _refusal("pics")
    assert "'~' is not your home folder here" in _refusal("~/no_such_folder_anywhere")


def test_a_file_is_refused_as_not_a_folder(tmp_path):
    file = _save(tmp_path / "one.png")
    message = _refusal(file)
    assert f"path '{file}' is a file, not a folder" in message and "one subfolder per class" in message


def test_an_empty_folder_is_refused(tmp_path):
    assert f"path '{tmp_path}' is empty" in _refusal(tmp_path)


def test_loose_images_without_class_folders_are_refused(tmp_path):
    for i in range(3):
        _save(tmp_path / f"{i}.png")
    message = _refusal(tmp_path)
    assert f"path '{tmp_path}' holds 3 images but no class folders" in message
    assert "Put the images in one subfolder per class" in message


def test_a_folder_of_other_files_is_refused_naming_them(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    message = _refusal(tmp_path)
    assert "holds no class folders and no images (only 'notes.txt')" in message


def test_one_class_only_is_refused(tmp_path):
    _folder(tmp_path, {"cats": 2})
    message = _refusal(tmp_path)
    assert f"path '{tmp_path}' holds only one class folder, 'cats'" in message
    assert "at least 2 classes" in message


def test_a_hidden_folder_is_not_a_class(tmp_path):
    _folder(tmp_path, {"cats": 2, ".ipynb_checkpoints": 1})
    assert "only one class folder, 'cats'" in _refusal(tmp_path)


def test_a_class_folder_without_images_is_refused_by_name(tmp_path):
    _folder(tmp_path, {"cats": 2})
    (tmp_path / "dogs").mkdir()
    message = _refusal(tmp_path)
    assert f"path '{tmp_path}': the class folder 'dogs' (it is empty) holds no image" in message
    assert "add images to it, or remove it" in message


def test_every_class_folder_without_readable_images_is_named_in_one_message(tmp_path):
    _folder(tmp_path, {"cats": 2})
    (tmp_path / "dogs").mkdir()
    (tmp_path / "dogs" / "readme.txt").write_text("x")
    (tmp_path / "owls").mkdir()
    (tmp_path / "owls" / "owl.png").write_text("not a picture")
    message = _refusal(tmp_path)
    assert "the class folders 'dogs' (its file cannot be used: dogs/readme.txt: not an image file" in message
    assert "'owls' (its file cannot be used: owls/owl.png: not an image" in message
    assert "add images to them, or remove them" in message


@pytest.mark.parametrize("bad", [None, 3, 2.5, b"folder", ["a"], {"path": "a"}])
def test_a_path_of_the_wrong_type_is_a_type_error(bad):
    with pytest.raises(TypeError, match="path must be a folder's path"):
        scan_folder(bad)


@pytest.mark.parametrize("bad", ["", "a\0b"])
def test_a_path_that_names_nothing_is_refused(bad):
    with pytest.raises(ValueError, match="path must name a folder"):
        scan_folder(bad)


def test_a_path_the_system_cannot_read_is_refused_by_name():
    assert "cannot be read" in _refusal("x" * 5000)


def test_a_huge_folder_is_refused_before_any_file_is_read(tmp_path, monkeypatch):
    _folder(tmp_path, {"cats": 4, "dogs": 4})
    monkeypatch.setattr(image_folder, "MAX_FILES", 5)

    def no_reading(file):
        raise AssertionError(f"{file} was read")

    monkeypatch.setattr(image_folder, "_read_image", no_reading)
    message = _refusal(tmp_path)
    assert f"path '{tmp_path}' holds more than 5 files and folders (MAX_FILES)" in message
    monkeypatch.setattr(image_folder, "MAX_FILES", 2)  # the top level alone
    (tmp_path / "a.txt").write_text("x")
    assert "more than 2 files" in _refusal(tmp_path)


def test_the_file_cap_is_checked_while_walking_not_after(tmp_path, monkeypatch):
    _folder(tmp_path, {"dogs": 1})
    for i in range(30):
        (tmp_path / "cats" / f"{i:02d}").mkdir(parents=True)
        (tmp_path / "cats" / f"{i:02d}" / "x.txt").write_text("x")
    monkeypatch.setattr(image_folder, "MAX_FILES", 8)
    listed = []
    real_scandir = os.scandir

    def counting_scandir(path):
        listed.append(Path(path).name)
        return real_scandir(path)

    monkeypatch.setattr(image_folder.os, "scandir", counting_scandir)
    assert "holds more than 8 files and folders" in _refusal(tmp_path)
    # the 2 class folders, then 'cats' (30 entries) stops it: no subfolder of 'cats' is listed
    assert listed == ["cats"]


def test_empty_subfolders_count_towards_the_cap(tmp_path, monkeypatch):
    _folder(tmp_path, {"dogs": 1, "cats": 1})
    for i in range(10):
        (tmp_path / "cats" / f"empty{i}").mkdir()
    monkeypatch.setattr(image_folder, "MAX_FILES", 10)
    assert "holds more than 10 files and folders" in _refusal(tmp_path)


def test_a_subfolder_that_cannot_be_read_is_skipped_and_a_class_folder_refused(tmp_path, monkeypatch):
    _folder(tmp_path, {"cats": 2, "dogs": 2})
    _save(tmp_path / "dogs" / "locked" / "x.png")
    real_scandir = os.scandir

    def refusing_scandir(path):
        if Path(path).name in ("locked", "owls"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(image_folder.os, "scandir", refusing_scandir)
    report = scan_folder(tmp_path)
    assert report.counts == {"cats": 2, "dogs": 2}
    assert report.skipped == (
        image_folder.Skipped(
            "dogs/locked/",
            "a folder that cannot be read (Permission denied); Keras skips it too",
            False,
            False,
        ),
    )
    _folder(tmp_path, {"owls": 1})
    assert f"path '{tmp_path}': the class folder 'owls' cannot be read (Permission denied)." == _refusal(
        tmp_path
    )


# -- what the report finds ----------------------------------------------------------------------


def test_classes_are_in_keras_order_and_counted(tmp_path):
    _folder(tmp_path, {"b": 2, "A": 1, "10": 1, "9": 3})
    report = scan_folder(tmp_path)
    assert report.classes == ("10", "9", "A", "b")
    assert report.counts == {"10": 1, "9": 3, "A": 1, "b": 2}
    assert report.total == 7 and report.label_mode == "int"
    assert isinstance(report, FolderReport)


def test_images_in_subfolders_of_a_class_belong_to_it(tmp_path):
    _folder(tmp_path, {"cats": 1, "dogs": 1})
    _save(tmp_path / "cats" / "indoor" / "x.png")
    assert scan_folder(tmp_path).counts == {"cats": 2, "dogs": 1}


def test_a_class_folder_may_be_a_link(tmp_path):
    _folder(tmp_path / "elsewhere", {"dogs": 2})
    _folder(tmp_path / "data", {"cats": 2})
    (tmp_path / "data" / "dogs").symlink_to(tmp_path / "elsewhere" / "dogs")
    assert scan_folder(tmp_path / "data").counts == {"cats": 2, "dogs": 2}


def test_one_size(tmp_path):
    report = scan_folder(_folder(tmp_path, {"a": 2, "b": 2}, size=(30, 40)))
    assert report.sizes == {(30, 40): 4} and not report.mixed_sizes
    assert report.image_size == (30, 40) and report.input_shape == (30, 40, 1)
    assert "Every image is 30x40: give Keras image_size=(30, 40)" in str(report)


def test_mixed_sizes_choose_the_most_common_and_say_the_others_are_resized(tmp_path):
    _folder(tmp_path, {"a": 3, "b": 2}, size=(28, 28))
    _save(tmp_path / "b" / "wide.png", size=(20, 60))
    _save(tmp_path / "a" / "big.png", size=(64, 64))
    report = scan_folder(tmp_path)
    assert report.mixed_sizes and report.image_size == (28, 28)
    assert report.sizes == {(28, 28): 5, (64, 64): 1, (20, 60): 1}
    text = str(report)
    assert "Sizes (height x width): 28x28: 5 images; 64x64: 1 image; 20x60: 1 image." in text
    assert "Mixed sizes: Keras resizes every image to one image_size; give it image_size=(28, 28)" in text
    assert "the other 2 images are resized to it" in text


def test_a_tie_between_sizes_goes_to_the_larger(tmp_path):
    _folder(tmp_path, {"a": 2}, size=(28, 28))
    _folder(tmp_path, {"b": 2}, size=(32, 32))
    assert scan_folder(tmp_path).image_size == (32, 32)


def test_grey_images_give_grayscale(tmp_path):
    report = scan_folder(_folder(tmp_path, {"a": 2, "b": 2}, mode="L"))
    assert report.kinds == {"grey": 4} and report.color_mode == "grayscale"
    assert "- grey (1 channel): 4 images; kept as it is." in str(report)


def test_colour_images_give_rgb_and_say_what_happens_to_each_kind(tmp_path):
    _folder(tmp_path, {"a": 2, "b": 2}, mode="RGB")
    _save(tmp_path / "a" / "grey.png", mode="L")
    _save(tmp_path / "b" / "alpha.png", mode="RGBA")
    _save(tmp_path / "b" / "greyalpha.png", mode="LA")
    report = scan_folder(tmp_path)
    assert report.kinds == {"grey": 1, "grey + transparency": 1, "colour": 4, "colour + transparency": 1}
    assert report.color_mode == "rgb" and report.input_shape == (28, 28, 3)
    text = str(report)
    assert "Channels, and what color_mode='rgb' (3 channels) does with each:" in text
    assert "- grey (1 channel): 1 image; the grey is repeated into 3 equal channels." in text
    assert "- colour + transparency (4 channels): 1 image; the transparency is dropped" in text
    assert "- colour (3 channels): 4 images; kept as it is." in text


def test_grey_pictures_stored_as_colour_give_grayscale(tmp_path):
    report = scan_folder(_folder(tmp_path, {"a": 2, "b": 2}, mode="RGB", grey=True, ending="png"))
    assert report.kinds == {"colour": 4} and report.grey_colour_files == 4
    assert report.color_mode == "grayscale"
    assert "4 images stored as colour with red = green = blue" in report.color_reason


@pytest.mark.parametrize("ending", ["gif", "bmp"])
def test_grey_gif_and_bmp_files_need_rgb(tmp_path, ending):
    _folder(tmp_path, {"a": 2, "b": 1}, mode="L")
    _save(tmp_path / "b" / f"x.{ending}", mode="L")
    report = scan_folder(tmp_path)
    assert report.color_mode == "rgb"
    assert f"TensorFlow decodes 1 {ending.upper()} file into colour only" in report.color_reason


def test_a_one_bit_bmp_is_skipped_as_undecodable(tmp_path):
    _folder(tmp_path, {"a": 2, "b": 2})
    _save(tmp_path / "b" / "ink.bmp", mode="1")
    report = scan_folder(tmp_path)
    assert report.counts == {"a": 2, "b": 2}
    (skipped,) = report.skipped
    assert skipped.path == "b/ink.bmp" and skipped.keras_fails
    assert skipped.reason.startswith(
        "a 1-bit BMP, which TensorFlow cannot decode (it reads 8, 24 and 32 bits)"
    )


def _bmp(bits, compression=0, header=40) -> bytes:
    """A 4x2 BMP file of ``bits`` per pixel (a grey palette below 16 bits), made byte by byte."""
    colours = 2**bits if bits <= 8 else 0
    palette = b"".join(bytes([i % 256] * 3 + [0]) for i in range(colours))
    row = ((4 * bits + 31) // 32) * 4
    data = bytes([4, 200, 0, 0] * 2 + [0, 1]) if compression == 1 else bytes([0x12] * row * 2)
    if header == 12:
        info = struct.pack("<IHHHH", 12, 4, 2, 1, bits)
        palette = b"".join(bytes([i % 256] * 3) for i in range(colours))
    else:
        info = struct.pack("<IiiHHIIiiII", 40, 4, 2, 1, bits, compression, len(data), 2835, 2835, colours, 0)
    offset = 14 + len(info) + len(palette)
    return b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset) + info + palette + data


BMPS = {
    "8 bits": (_bmp(8), None),
    "24 bits": (_bmp(24), None),
    "32 bits": (_bmp(32), None),
    "4 bits": (_bmp(4), "a 4-bit BMP, which TensorFlow cannot decode"),
    "16 bits": (_bmp(16), "a 16-bit BMP, which TensorFlow cannot decode"),
    "run-length": (_bmp(8, compression=1), "a compressed BMP, which TensorFlow cannot decode"),
    "OS/2": (_bmp(24, header=12), "an old (OS/2) BMP, which TensorFlow cannot decode"),
}


@pytest.mark.parametrize("name", list(BMPS))
def test_bmps_tensorflow_cannot_decode_are_skipped(keras, tmp_path, name):
    import tensorflow as tf

    data, problem = BMPS[name]
    _folder(tmp_path, {"a": 1, "b": 1}, mode="RGB", ending="bmp")
    (tmp_path / "b" / "x.bmp").write_bytes(data)
    Image.open(tmp_path / "b" / "x.bmp").load()  # Pillow reads every one of them
    report = scan_folder(tmp_path)
    if problem is None:
        assert report.counts == {"a": 1, "b": 2} and not report.skipped
        assert tf.image.decode_image(data, channels=3).shape == (2, 4, 3)
    else:
        (skipped,) = report.skipped
        assert skipped.reason.startswith(problem) and skipped.keras_fails
        with pytest.raises(tf.errors.InvalidArgumentError):
            tf.image.decode_image(data, channels=3)


def test_corrupt_and_fake_pngs_are_named_counted_and_flagged(tmp_path):
    _folder(tmp_path, {"a": 3, "b": 3})
    whole = (tmp_path / "a" / "000.png").read_bytes()
    (tmp_path / "a" / "cut.png").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "b" / "fake.png").write_text("hello, I am text")
    report = scan_folder(tmp_path)
    assert report.counts == {"a": 3, "b": 3}
    reasons = {file.path: file for file in report.skipped}
    assert set(reasons) == {"a/cut.png", "b/fake.png"}
    assert reasons["a/cut.png"].reason.startswith("damaged (")
    assert reasons["b/fake.png"].reason.startswith("not an image: its content is not PNG, JPEG, BMP or GIF")
    assert all(file.keras_reads and file.keras_fails for file in report.skipped)
    assert report.keras_failures == report.skipped
    text = str(report)
    assert "Skipped 2 files (not counted above):" in text
    assert "- a/cut.png: damaged (" in text and "- b/fake.png: not an image" in text
    assert "Keras would stop at 2 of them: move them out of the folder before training." in text


def test_other_files_are_named_and_counted_but_keras_ignores_them(tmp_path):
    _folder(tmp_path, {"a": 2, "b": 2})
    (tmp_path / "a" / "notes.txt").write_text("x")
    (tmp_path / "b" / "README").write_text("x")
    _save(tmp_path / "b" / "photo.tiff", mode="RGB", fmt="TIFF")
    _save(tmp_path / "loose.png")
    (tmp_path / "labels.csv").write_text("x")
    report = scan_folder(tmp_path)
    reasons = {file.path: file.reason for file in report.skipped}
    assert reasons == {
        "labels.csv": "a file; Keras ignores it (it reads class folders only)",
        "loose.png": "an image outside the class folders; Keras ignores it (it reads class folders only)",
        "a/notes.txt": "not an image file (.txt); Keras ignores it",
        "b/README": "not an image file (no ending); Keras ignores it",
        "b/photo.tiff": "a .tiff image, a kind image_dataset_from_directory does not read (it reads .bmp, "
        ".gif, .jpeg, .jpg, .png): save it as PNG or JPEG to use it",
    }
    assert not report.keras_failures and "Keras would stop" not in str(report)
    assert "Skipped 5 files" in str(report)


def test_hidden_files_are_skipped_and_those_keras_reads_are_flagged(tmp_path):
    _folder(tmp_path, {"a": 2, "b": 2})
    (tmp_path / "a" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (tmp_path / "b" / "._000.png").write_bytes(b"\0\5\26\7\0\2\0\0Mac OS X")
    _save(tmp_path / "b" / ".ipynb_checkpoints" / "copy-checkpoint.png")
    (tmp_path / ".hidden").mkdir()
    report = scan_folder(tmp_path)
    assert report.counts == {"a": 2, "b": 2}
    files = {file.path: file for file in report.skipped}
    assert set(files) == {
        ".hidden/",
        "a/.DS_Store",
        "b/._000.png",
        "b/.ipynb_checkpoints/copy-checkpoint.png",
    }
    assert files["a/.DS_Store"].reason == "a hidden file; Keras ignores it"
    assert not files["a/.DS_Store"].keras_reads and not files[".hidden/"].keras_reads
    assert files["b/._000.png"].keras_fails and files["b/._000.png"].reason.startswith(
        "a hidden file, not an image"
    )
    copy = files["b/.ipynb_checkpoints/copy-checkpoint.png"]
    assert copy.keras_reads and not copy.keras_fails and "Keras still reads it" in copy.reason
    assert report.keras_failures == (files["b/._000.png"],)
    assert "Keras would stop at 1 of them: move it out of the folder" in str(report)


def test_a_file_that_cannot_be_opened_is_skipped_with_the_reason(tmp_path, monkeypatch):
    _folder(tmp_path, {"a": 2, "b": 2})
    locked = _save(tmp_path / "b" / "locked.png")
    real_open = open

    def refusing_open(file, *args, **kwargs):
        if Path(file) == locked:
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refusing_open)
    (skipped,) = scan_folder(tmp_path).skipped
    assert skipped.path == "b/locked.png" and skipped.reason.startswith(
        "cannot be opened (permission denied)"
    )


def test_a_pipe_named_like_an_image_is_skipped_without_waiting(tmp_path):
    _folder(tmp_path, {"a": 2, "b": 2})
    os.mkfifo(tmp_path / "b" / "pipe.png")
    (skipped,) = scan_folder(tmp_path).skipped
    assert skipped.path == "b/pipe.png" and skipped.reason.startswith("not a regular file")


def test_names_that_are_not_utf8_are_named_in_escapes_and_flagged(tmp_path):
    _folder(tmp_path, {"a": 2, "b": 2})
    shutil.copy(tmp_path / "b" / "000.png", os.fsdecode(bytes(tmp_path / "b") + b"/x\xff.png"))
    (tmp_path / "b" / os.fsdecode(b"notes\xfe.txt")).write_text("x")
    report = scan_folder(tmp_path)
    files = {file.path: file for file in report.skipped}
    assert set(files) == {"b/x\\xff.png", "b/notes\\xfe.txt"}
    assert (
        files["b/x\\xff.png"].keras_fails
        and "not UTF-8 text, which Keras cannot load" in files["b/x\\xff.png"].reason
    )
    assert not files["b/notes\\xfe.txt"].keras_reads
    str(report).encode("utf-8")  # prints anywhere
    os.mkdir(os.fsdecode(bytes(tmp_path) + b"/c\xff"))
    assert "the class folder names 'c\\udcff' are not UTF-8 text" in _refusal(tmp_path)


def test_an_image_too_large_for_pillow_is_skipped_without_blaming_keras(tmp_path, monkeypatch):
    _folder(tmp_path, {"a": 2, "b": 2}, size=(8, 8))
    _save(tmp_path / "b" / "huge.png", size=(40, 40))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500)  # Pillow refuses over twice this
    report = scan_folder(tmp_path)
    (skipped,) = report.skipped
    assert skipped.path == "b/huge.png" and skipped.keras_reads and not skipped.keras_fails
    assert skipped.reason.startswith("too large to check here") and report.counts == {"a": 2, "b": 2}


def test_a_huge_image_is_read_from_its_header_only(tmp_path, monkeypatch):
    _folder(tmp_path, {"a": 2, "b": 1}, size=(20, 20))
    _save(tmp_path / "b" / "big.png", size=(40, 50))
    monkeypatch.setattr(image_folder, "MAX_CHECKED_PIXELS", 1000)
    report = scan_folder(tmp_path)
    assert report.counts == {"a": 2, "b": 2} and (40, 50) in report.sizes


def test_a_large_jpeg_is_checked_at_a_reduced_scale(tmp_path, monkeypatch):
    monkeypatch.setattr(image_folder, "QUICK_DECODE_PIXELS", 100)
    _folder(tmp_path, {"a": 1, "b": 1}, mode="RGB", size=(64, 80), ending="jpg")
    whole = (tmp_path / "a" / "000.jpg").read_bytes()
    (tmp_path / "b" / "cut.jpg").write_bytes(whole[: len(whole) // 2])
    report = scan_folder(tmp_path)
    assert report.sizes == {(64, 80): 2}
    assert [file.path for file in report.keras_failures] == ["b/cut.jpg"]


def test_balance_and_imbalance(tmp_path):
    balanced = scan_folder(_folder(tmp_path / "even", {"a": 4, "b": 5}))
    assert balanced.imbalance == 1.25 and not balanced.imbalanced
    assert "Balance: the largest class has 1.25 times the images of the smallest: balanced enough" in str(
        balanced
    )
    report = scan_folder(_folder(tmp_path / "uneven", {"cats": 30, "dogs": 10, "owls": 20}))
    assert report.imbalance == 3.0 and report.imbalanced
    assert report.class_weight == pytest.approx({0: 60 / 90, 1: 60 / 30, 2: 60 / 60})
    text = str(report)
    assert "Unbalanced: 'cats' has 3.00 times the images of 'dogs' (30 against 10)." in text
    assert "always answers 'cats' scores 50% accuracy" in text
    assert "class_weight={0: 0.667, 1: 2, 2: 1}" in text
    assert "precision and recall" in text and "AUC" in text


def test_notes_on_few_images_large_images_and_split_folders(tmp_path):
    _folder(tmp_path / "data" / "train", {"cats": 2, "dogs": 2})
    _folder(tmp_path / "data" / "test", {"cats": 3, "dogs": 3}, size=(300, 400))
    report = scan_folder(tmp_path / "data")
    notes = " ".join(report.notes)
    assert "the class folders 'test', 'train' look like a split of the data, not classes" in notes
    assert "(they hold the folders 'cats', 'dogs')" in notes
    assert "'test', 'train' have fewer than 100 images" in notes
    assert "the images are 300x400: a CNN at that size trains slowly" in notes


def test_the_report_reads_as_text_and_html(tmp_path):
    _folder(tmp_path, {"<b>cats&": 3, "dogs": 1})
    report = scan_folder(tmp_path)
    text = str(report)
    assert repr(report) == text
    assert text.startswith(f"Image folder {tmp_path}: 4 images in 2 classes")
    assert re.search(r"0\s+<b>cats&\s+3\s+75%", text) and re.search(r"1\s+dogs\s+1\s+25%", text)
    assert "Skipped: no file." in text
    assert text.endswith(
        f'keras.utils.image_dataset_from_directory("{tmp_path}", validation_split=0.2, subset="both", '
        'seed=0, label_mode="binary", image_size=(28, 28), color_mode="grayscale")'
    )
    page = report._repr_html_()
    assert "&lt;b&gt;cats&amp;" in page and "<b>cats&" not in page
    assert "Load it with:" in page


def test_many_skipped_files_are_listed_up_to_a_limit(tmp_path):
    _folder(tmp_path, {"a": 2, "b": 2})
    for i in range(image_folder.MAX_LISTED + 3):
        (tmp_path / "a" / f"{i:02d}.txt").write_text("x")
    text = str(scan_folder(tmp_path))
    assert "Skipped 23 files" in text and "- ... and 3 more (report.skipped lists them all)." in text
    assert text.count("not an image file (.txt)") == image_folder.MAX_LISTED


def test_the_report_is_frozen(tmp_path):
    report = scan_folder(_folder(tmp_path, {"a": 1, "b": 1}))
    with pytest.raises(AttributeError):
        report.classes = ("x",)


# -- against Keras --------------------------------------------------------------------------------


def test_formats_are_those_keras_reads():
    from keras.src.utils.image_dataset_utils import ALLOWLIST_FORMATS

    assert FORMATS == ALLOWLIST_FORMATS


def _keras_run(keras, folder, report):
    """Every image Keras reads from ``folder`` with the report's arguments, and its class names."""
    dataset = keras.utils.image_dataset_from_directory(
        folder, batch_size=4, shuffle=False, verbose=False, **report.keras_arguments()
    )
    shapes = [tuple(images.shape[1:]) for images, _ in dataset]
    return dataset.class_names, len(dataset.file_paths), set(shapes)


def test_keras_finds_what_the_report_says(keras, tmp_path):
    _folder(tmp_path, {"b": 3, "A": 2, "10": 1}, mode="RGB")
    _save(tmp_path / "A" / "grey.png", mode="L", size=(20, 30))
    _save(tmp_path / "b" / "inner" / "x.jpg", mode="RGB")
    _save(tmp_path / "b" / ".ipynb_checkpoints" / "x-checkpoint.png", mode="RGB")
    (tmp_path / "b" / "linked").symlink_to(tmp_path / "A")  # neither walks into a link to a folder
    _save(tmp_path / "b" / "photo.tiff", mode="RGB", fmt="TIFF")
    _save(tmp_path / "loose.png")
    (tmp_path / "b" / "notes.txt").write_text("x")
    (tmp_path / ".hidden").mkdir()
    _save(tmp_path / ".hidden" / "x.png")
    report = scan_folder(tmp_path)
    names, found, shapes = _keras_run(keras, tmp_path, report)
    assert names == list(report.classes)
    assert found == report.total + sum(file.keras_reads for file in report.skipped)
    assert shapes == {report.input_shape}


@pytest.mark.parametrize(
    ("files", "mode"),
    [
        ([("L", "png"), ("RGB-grey", "jpg")], "grayscale"),
        ([("L", "png"), ("L", "gif"), ("L", "bmp")], "rgb"),
        ([("RGBA", "png"), ("RGB", "bmp"), ("RGB", "gif"), ("CMYK", "jpg"), ("LA", "png")], "rgb"),
        ([("P", "png"), ("I;16", "png"), ("1", "png")], "rgb"),
        ([("L", "png"), ("CMYK-grey", "jpg")], "rgb"),
    ],
)
def test_keras_decodes_every_counted_file_in_the_chosen_color_mode(keras, tmp_path, files, mode):
    for i, (kind, ending) in enumerate(files):
        for name in ("a", "b"):
            pillow_mode, _, grey = kind.partition("-")
            if pillow_mode == "I;16":
                path = tmp_path / name / f"{i}.{ending}"
                path.parent.mkdir(parents=True, exist_ok=True)
                Image.fromarray(RNG.integers(0, 65535, (28, 28), dtype=np.uint16)).save(path)
            else:
                _save(tmp_path / name / f"{i}.{ending}", pillow_mode, grey=bool(grey))
    report = scan_folder(tmp_path)
    assert report.color_mode == mode and not report.skipped
    names, found, shapes = _keras_run(keras, tmp_path, report)
    assert found == report.total and shapes == {report.input_shape}


def test_a_copy_of_the_folder_gives_the_same_report(tmp_path):
    _folder(tmp_path / "one", {"a": 2, "b": 3}, mode="RGB")
    shutil.copytree(tmp_path / "one", tmp_path / "two")
    first, second = scan_folder(tmp_path / "one"), scan_folder(tmp_path / "two")
    assert str(first).replace("/one", "/two") == str(second)
