"""Tests for the threshold explorer: the pure state function and the widget."""

from __future__ import annotations

import time

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.widgets.threshold_explorer import (
    build_threshold_explorer,
    threshold_explorer,
    threshold_state,
    threshold_table,
)

pairs = st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1, allow_nan=False)), min_size=1, max_size=50)


@settings(max_examples=40, deadline=None)
@given(pairs, st.floats(0, 1, allow_nan=False))
def test_state_matches_sklearn(data, threshold):
    y = np.array([label for label, _ in data])
    s = np.array([score for _, score in data])
    state = threshold_state(y, s, threshold)
    pred = (s >= threshold).astype(int)
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    assert state["counts"] == {"tp": tp, "fp": fp, "fn": fn, "tn": tn}
    np.testing.assert_array_equal(state["confusion"], skm.confusion_matrix(y, pred, labels=[0, 1]))
    assert state["point"][0] == pytest.approx(skm.recall_score(y, pred, zero_division=0))
    assert state["point"][1] == pytest.approx(skm.precision_score(y, pred, zero_division=0))


def test_raising_threshold_never_raises_recall():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    s = np.clip(0.3 * y + rng.random(200) * 0.7, 0, 1)
    recalls = [threshold_state(y, s, t)["point"][0] for t in np.linspace(0, 1, 21)]
    assert all(a >= b for a, b in zip(recalls[:-1], recalls[1:], strict=True))
    assert recalls[0] == 1.0


def test_threshold_table():
    rows = threshold_table([0, 1, 1, 0], [0.2, 0.6, 0.9, 0.7], thresholds=(0.5, 0.8))
    assert rows[0][:5] == (0.5, 2, 1, 0, 1)
    assert rows[1][:5] == (0.8, 1, 0, 1, 2)


@pytest.mark.parametrize("bad", [-0.1, 1.5, "0.5", True])
def test_bad_threshold(bad):
    with pytest.raises(ValueError, match="threshold"):
        threshold_state([0, 1], [0.2, 0.8], bad)


def test_bad_labels_and_lengths():
    with pytest.raises(ValueError, match="only 0 and 1"):
        threshold_state([0, 2], [0.2, 0.8])
    with pytest.raises(ValueError, match="same length"):
        threshold_state([0, 1, 1], [0.2, 0.8])


def test_widget_builds_and_updates_quickly():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 1000)
    s = rng.random(1000)
    box, update = build_threshold_explorer(y, s)
    slider, text, image = box.children
    assert text.value == ""  # nothing is drawn before the box is displayed
    update()
    assert "threshold 0.50" in text.value
    assert bytes(image.value).startswith(b"\x89PNG")
    start = time.perf_counter()
    slider.value = 0.8
    elapsed = time.perf_counter() - start
    assert "threshold 0.80" in text.value
    assert elapsed < 1.0  # generous: the budget is 100 ms on a laptop
    state = threshold_state(y, s, 0.8)
    assert f"TP={state['counts']['tp']} " in text.value


def test_threshold_explorer_displays_and_returns_none(capsys):
    assert threshold_explorer([0, 1, 1], [0.2, 0.6, 0.9]) is None


@pytest.mark.parametrize("class_names", [(0, 1), ("no", None), [["no"], ["yes"]]])
def test_class_names_are_two_strings(class_names):
    with pytest.raises(ValueError, match="class_names must be a pair of names"):
        build_threshold_explorer([0, 1, 1], [0.2, 0.6, 0.9], class_names=class_names)


@pytest.mark.parametrize("y_true", [[0, 1, None], [0, 1, 0.5], [0, 1, float("nan")], [False, True, True]])
def test_labels_that_are_not_labels_are_refused(y_true):
    with pytest.raises(ValueError, match="y_true"):
        threshold_state(y_true, [0.2, 0.6, 0.9])
