"""Lesson 09's task: a handwritten 4 or 9 among clutter on a 100x100 canvas, split before composing."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from course_utils.cluttered_digits import DIGITS, MAX_IMAGES, make_cluttered_digits, source_digits


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
