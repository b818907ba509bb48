"""Tests for the plotting helpers of lessons 05 and 06 (Agg backend, no display)."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course_utils.plots.images import (
    MISTAKE_COLOUR,
    plot_confusion_matrix,
    plot_precision_recall_curve,
    show_image_grid,
)
from course_utils.plots.training import best_epoch, history_dict, plot_history

HISTORY = {
    "loss": [1.0, 0.6, 0.4, 0.3],
    "val_loss": [0.9, 0.7, 0.65, 0.7],
    "accuracy": [0.6, 0.8, 0.88, 0.9],
    "val_accuracy": [0.65, 0.78, 0.8, 0.79],
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class FakeHistory:
    history = HISTORY


def test_plot_history_panels_and_lines():
    fig = plot_history(FakeHistory())
    assert isinstance(fig, Figure)
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_title() == "loss" and acc_ax.get_title() == "accuracy"
    # training, validation and the best-epoch line
    assert len(loss_ax.lines) == 3
    np.testing.assert_allclose(loss_ax.lines[1].get_ydata(), HISTORY["val_loss"])
    np.testing.assert_allclose(loss_ax.lines[2].get_xdata(), [3, 3])


def test_best_epoch():
    assert best_epoch(HISTORY) == 1 + int(np.argmin(HISTORY["val_loss"]))
    assert best_epoch(HISTORY, "val_accuracy") == 1 + int(np.argmax(HISTORY["val_accuracy"]))
    with pytest.raises(ValueError, match="monitor"):
        best_epoch(HISTORY, "val_auc")


def test_plot_history_without_validation_or_accuracy():
    fig = plot_history({"loss": [0.5, 0.4]}, mark_best=None)
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 1


def test_history_errors():
    with pytest.raises(ValueError, match="history"):
        history_dict([1, 2])
    with pytest.raises(ValueError, match="one value per epoch"):
        history_dict({"loss": [1.0], "val_loss": [1.0, 2.0]})
    with pytest.raises(ValueError, match="not in the history"):
        plot_history(HISTORY, metrics=("auc",))


def test_image_grid_titles_and_mistakes():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(10, 8, 8, 1), dtype=np.uint8)
    labels = np.arange(10) % 3
    predictions = labels.copy()
    predictions[[2, 7]] = (labels[[2, 7]] + 1) % 3
    fig = show_image_grid(images, labels, predictions, class_names=["a", "b", "c"], ncols=4)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 10
    red = [
        i
        for i, ax in enumerate(fig.axes)
        if matplotlib.colors.same_color(ax.title.get_color(), MISTAKE_COLOUR)
    ]
    assert red == [2, 7]
    assert fig.axes[2].get_title() == f"true {'abc'[labels[2]]}\npred {'abc'[predictions[2]]}"
    assert fig.axes[0].get_title() == "a"


def test_image_grid_rgb_float_and_max_images():
    images = np.random.default_rng(1).random((40, 6, 6, 3)).astype(np.float32)
    fig = show_image_grid(images, labels=np.zeros(40, dtype=int), max_images=12)
    assert len(fig.axes) == 12


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"images": np.zeros((2, 4, 4, 2)), "labels": [0, 1]}, "images must have shape"),
        ({"images": np.zeros((2, 4, 4)), "labels": [0]}, "one label per image"),
        ({"images": np.zeros((2, 4, 4)), "labels": [0, 1], "predictions": [1]}, "predictions"),
        ({"images": np.zeros((2, 4, 4)), "labels": [0, 1], "ncols": 0}, "ncols"),
        ({"images": np.zeros((0, 4, 4)), "labels": []}, "empty"),
    ],
)
def test_image_grid_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        show_image_grid(**kwargs)


def test_confusion_matrix_heatmap():
    cm = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    ax = plot_confusion_matrix(cm, class_names=["zero", "one", "two"], normalize=True)
    assert isinstance(ax, Axes)
    texts = [t.get_text() for t in ax.texts]
    assert texts == [str(v) for v in cm.ravel()]
    assert ax.get_ylabel() == "true class"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["zero", "one", "two"]


def test_confusion_matrix_heatmap_errors():
    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(np.ones((2, 3), dtype=int))
    with pytest.raises(ValueError, match="class_names"):
        plot_confusion_matrix(np.ones((2, 2), dtype=int), class_names=["a"])


def test_precision_recall_curve_plot():
    fig, ax = plt.subplots()
    out = plot_precision_recall_curve([0.5, 1.0], [1.0, 0.5], point=(0.5, 1.0), ax=ax, label="m")
    assert out is ax
    assert len(ax.lines) == 2
    with pytest.raises(ValueError, match="same length"):
        plot_precision_recall_curve([0.5], [1.0, 0.2])


def _shown(fig):
    return [np.asarray(ax.images[0].get_array(), dtype=float) for ax in fig.axes]


@pytest.mark.parametrize("channels", [1, 3])
def test_image_grid_draws_every_pixel_scale_the_same(channels):
    pixels = np.random.default_rng(2).integers(0, 256, size=(3, 5, 5, channels), dtype=np.uint8)
    expected = _shown(show_image_grid(pixels, [0, 1, 2]))
    for images in (pixels.astype(np.float32), pixels / 255.0, pixels.astype(np.int64)):
        for mine, theirs in zip(_shown(show_image_grid(images, [0, 1, 2])), expected, strict=True):
            np.testing.assert_allclose(mine, theirs, atol=1e-6)
    assert 0 < np.mean(expected[0]) < 1  # neither all black nor all white


@pytest.mark.parametrize(
    "images, match",
    [
        (np.full((2, 4, 4), -1.5), "from 0 to 1 or from 0 to 255"),
        (np.full((2, 4, 4), 300.0), "from 0 to 1 or from 0 to 255"),
        (np.full((2, 4, 4), np.nan), "finite"),
        (np.array([[["a"]]]), "pixel values"),
    ],
)
def test_image_grid_refuses_pixels_it_cannot_draw_correctly(images, match):
    with pytest.raises(ValueError, match=match):
        show_image_grid(images, [0] * len(images))


@pytest.mark.parametrize("size", [0, -1.0, float("nan"), float("inf"), 1000])
def test_figure_sizes_are_checked(size):
    from course_utils.plots.feature_maps import show_feature_maps, show_kernels

    with pytest.raises(ValueError, match="cell_size"):
        show_kernels(np.eye(3), cell_size=size)
    with pytest.raises(ValueError, match="size"):
        show_feature_maps(np.eye(4), np.eye(4), size=size)
    with pytest.raises(ValueError, match="size"):
        show_image_grid(np.zeros((1, 4, 4)), [0], size=size)


def test_boolean_arguments_accept_only_bools():
    from course_utils.plots.feature_maps import show_kernels

    with pytest.raises(ValueError, match="annotate"):
        show_kernels(np.eye(3), annotate="no")
    with pytest.raises(ValueError, match="normalize"):
        plot_confusion_matrix(np.eye(2, dtype=int), normalize="yes")
    assert len(show_kernels(np.eye(3), annotate=np.bool_(False)).axes[0].texts) == 0


@pytest.mark.parametrize(
    "labels, fragment",
    [
        ([0, 1, None], "labels holds None"),
        ([0, 1, float("nan")], "labels holds NaN"),
        ([0, 1, 0.5], "labels holds scores such as 0.5"),
        ([0, 1, True], "labels holds True/False"),
        ([0, 1, "b"], "labels mixes strings and numbers"),
        ([0, 1, 3], "labels holds 3, which has no name in class_names \\(3 names, for labels 0 to 2\\)"),
        ([0, -1, 2], "labels holds -1, which has no name"),
        (["a", "b", "c"], "labels holds strings such as 'a', which name themselves"),
    ],
)
def test_image_grid_titles_only_labels_it_can_name(labels, fragment):
    with pytest.raises(ValueError, match=fragment):
        show_image_grid(np.zeros((3, 4, 4)), labels, class_names=["cat", "dog", "bird"])


def test_image_grid_names_every_prediction_too():
    with pytest.raises(ValueError, match="predictions holds 7, which has no name"):
        show_image_grid(np.zeros((3, 4, 4)), [0, 1, 2], predictions=[0, 1, 7], class_names=["a", "b", "c"])
    with pytest.raises(ValueError, match="predictions holds None"):
        show_image_grid(np.zeros((3, 4, 4)), [0, 1, 2], predictions=[0, None, 2])
    fig = show_image_grid(np.zeros((2, 4, 4)), np.array([[1], [0]]), predictions=np.array([[1], [1]]))
    assert [ax.get_title() for ax in fig.axes] == ["1", "true 0\npred 1"]  # a Keras (n, 1) column


@pytest.mark.parametrize("names", [[1, 2, 3], ["a", None, "c"], [["a"], ["b"], ["c"]], np.zeros(3)])
def test_names_are_strings(names):
    from course_utils.plots.feature_maps import show_kernels

    with pytest.raises(ValueError, match="class_names"):
        show_image_grid(np.zeros((3, 4, 4)), [0, 1, 2], class_names=names)
    with pytest.raises(ValueError, match="titles"):
        show_kernels([np.eye(3)] * 3, titles=names)
    with pytest.raises(ValueError, match="class_names"):
        plot_confusion_matrix(np.eye(3, dtype=int), class_names=names)


@pytest.mark.parametrize(
    "maps, fragment",
    [
        ([[1.0, None], [0.0, 1.0]], "maps must hold real numbers, got None"),
        ([np.eye(2), np.array([[1.0, None], [0.0, 1.0]], dtype=object)], r"maps\[1\] must hold real numbers"),
        ([[True, False], [False, True]], "maps must hold real numbers, got True/False"),
        ([["1", "0"], ["0", "1"]], "maps must hold real numbers, got text"),
        (3.0, "maps must be a sequence"),
    ],
)
def test_feature_maps_hold_numbers(maps, fragment):
    from course_utils.plots.feature_maps import show_feature_maps

    with pytest.raises(ValueError, match=fragment):
        show_feature_maps(np.eye(4), maps)


@pytest.mark.parametrize("scalar", [0.3, np.float32(0.3), np.array(0.3)])
def test_a_bare_number_is_not_a_history_to_plot(scalar):
    with pytest.raises(ValueError, match="history\\['loss'\\] must be a sequence"):
        plot_history({"loss": scalar, "val_loss": [0.5]})


def test_precision_recall_points_are_numbers():
    with pytest.raises(ValueError, match="point must hold real numbers, got None"):
        plot_precision_recall_curve([0.5, 1.0], [1.0, 0.5], point=[None, 1.0])
    with pytest.raises(ValueError, match="precision must hold real numbers, got True/False"):
        plot_precision_recall_curve([True, False], [1.0, 0.5])
