"""Lesson 09's task: a handwritten 4 or 9 among clutter on a 100x100 canvas, split before composing."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from course_utils.engines.cluttered_digits import DIGITS, MAX_IMAGES, make_cluttered_digits, source_digits


def _hashes(images):
    return {hashlib.sha256(image.tobytes()).hexdigest() for image in images}


def test_no_handwritten_sample_is_in_two_splits():
    pools = {split: source_digits(split)[2] for split in ("train", "validation", "test")}
    hashes = {split: _hashes(pool) for split, pool in pools.items()}
    assert not hashes["train"] & hashes["validation"]
    assert not hashes["train"] & hashes["test"]
    assert not hashes["validation"] & hashes["test"]
    assert [len(pool) for pool in pools.values()] == [3200, 800, 1000]  # lesson 05's split


def test_each_canvas_holds_one_source_digit_of_its_split_and_its_label():
    images, labels, _ = source_digits("validation")
    x, y = make_cluttered_digits(20, "validation", clutter=0, seed=3)
    sources = {hashlib.sha256(image.tobytes()).hexdigest(): label for image, label in zip(images, labels)}
    for canvas, label in zip(x[..., 0], y):
        rows, cols = np.nonzero(canvas)
        top, left = rows.min(), cols.min()
        found = {
            sources.get(hashlib.sha256(canvas[r : r + 28, c : c + 28].copy().tobytes()).hexdigest())
            for r in range(max(0, top - 27), top + 1)
            for c in range(max(0, left - 27), left + 1)
            if r + 28 <= 100 and c + 28 <= 100
        }
        assert (
            label in found
        )  # without clutter, the 28x28 window of the digit is a source digit of that class


def test_classes_are_balanced_and_the_same_arguments_give_the_same_canvases():
    x, y = make_cluttered_digits(101, "train", seed=5)
    again, _ = make_cluttered_digits(101, "train", seed=5)
    other, _ = make_cluttered_digits(101, "train", seed=6)
    assert abs(int(y.sum()) - 50) <= 1 and np.array_equal(x, again) and not np.array_equal(x, other)
    assert x.dtype == np.uint8 and x.shape == (101, 100, 100, 1)


def test_clutter_adds_strokes_around_the_digit():
    clean, _ = make_cluttered_digits(50, "test", clutter=0, seed=1)
    busy, _ = make_cluttered_digits(50, "test", clutter=16, seed=1)
    assert (busy > 0).sum() > (clean > 0).sum()


def test_other_digits_and_sizes():
    x, y = make_cluttered_digits(6, "test", digits=(3, 5), image_size=60, seed=0)
    assert x.shape == (6, 60, 60, 1) and set(y.tolist()) == {0, 1}
    assert DIGITS == (4, 9)


@pytest.mark.parametrize(
    "arguments, fragment",
    [
        ({"n": 0}, "n"),
        ({"n": MAX_IMAGES + 1}, "n"),
        ({"n": 2, "split": "val"}, "split"),
        ({"n": 2, "digits": (4, 4)}, "digits"),
        ({"n": 2, "digits": (4, 10)}, "digits"),
        ({"n": 2, "digits": "49"}, "digits"),
        ({"n": 2, "image_size": 27}, "image_size"),
        ({"n": 2, "clutter_size": 29}, "clutter_size"),
        ({"n": 2, "clutter": -1}, "clutter"),
    ],
)
def test_bad_arguments_are_refused_by_name(arguments, fragment):
    with pytest.raises(ValueError, match=fragment):
        make_cluttered_digits(**arguments)


def test_write_image_folder_writes_a_folder_keras_and_scan_folder_read(tmp_path):
    from PIL import Image

    from course_utils.engines.cluttered_digits import write_image_folder
    from course_utils.engines.image_folder import scan_folder

    folder = write_image_folder(tmp_path / "my_images", {"four": 6, "nine": 2}, image_size=40, seed=3)
    report = scan_folder(folder)
    assert report.counts == {"four": 6, "nine": 2} and report.imbalance == 3.0
    assert report.color_mode == "rgb" and report.input_shape == (40, 40, 3)
    with Image.open(folder / "four" / "0000.png") as image:
        assert image.mode == "RGB"
    grey = write_image_folder(tmp_path / "grey", {"four": 2, "nine": 2}, colour=False, image_size=40)
    assert scan_folder(grey).color_mode == "grayscale"
    # the same arguments write the same files
    again = write_image_folder(tmp_path / "again", {"four": 6, "nine": 2}, image_size=40, seed=3)
    assert (again / "nine" / "0001.png").read_bytes() == (folder / "nine" / "0001.png").read_bytes()


@pytest.mark.parametrize(
    "counts, kwargs, error, words",
    [
        ({"cat": 3}, {}, ValueError, "counts"),
        ([3, 1], {}, ValueError, "counts"),
        ({"four": 0}, {}, ValueError, "counts['four']"),
        ({"four": 2}, {"colour": "yes"}, TypeError, "colour"),
    ],
)
def test_write_image_folder_refuses_bad_arguments(tmp_path, counts, kwargs, error, words):
    from course_utils.engines.cluttered_digits import write_image_folder

    with pytest.raises(error, match=re.escape(words)):
        write_image_folder(tmp_path / "x", counts, **kwargs)
    assert not (tmp_path / "x").exists()


def test_write_image_folder_does_not_write_into_a_folder_that_holds_files(tmp_path):
    from course_utils.engines.cluttered_digits import write_image_folder

    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="holds files"):
        write_image_folder(tmp_path / "mine", {"four": 1})
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["keep.txt"]


def test_unique_canvases_never_reuse_a_source_digit_and_the_default_is_unchanged():
    images, labels, _ = source_digits("test")
    x, y = make_cluttered_digits(200, "test", clutter=0, image_size=28, unique=True, seed=2)
    placed = {hashlib.sha256(image.tobytes()).hexdigest() for image in x[..., 0]}
    assert len(placed) == 200  # every source digit of the split, once
    assert placed == {hashlib.sha256(image.tobytes()).hexdigest() for image in images}
    a, _ = make_cluttered_digits(10, seed=4)
    b, _ = make_cluttered_digits(10, seed=4, unique=False)
    assert np.array_equal(a, b)
    with pytest.raises(ValueError, match="at most 200 with unique=True"):
        make_cluttered_digits(201, "test", unique=True)
    with pytest.raises(TypeError, match="unique"):
        make_cluttered_digits(2, unique="yes")
