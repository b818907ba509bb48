"""The learning-curve explorer (its pure state function and the widget) and the lesson 07 plots."""

from __future__ import annotations

import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_utils.engines.diagnosis import (
    MIN_EPOCHS,
    diagnose,
    load_histories,
    valley_fit,
)
from course_utils.plots.learning_curves import plot_learning_curves, plot_runs, plot_sweep
from course_utils.widgets.learning_curves import (
    build_learning_curves_explorer,
    learning_curves_explorer,
    learning_curves_state,
)

RUN = next(run for run in load_histories()["runs"]["clinic"] if run["label"] == "overfitting")["history"]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------- the state


@given(st.integers(1, len(RUN["loss"])))
def test_the_state_at_an_epoch_is_the_diagnosis_of_the_run_cut_there(epoch):
    state = learning_curves_state(RUN, epoch)
    assert state["epoch"] == epoch and state["epochs"] == len(RUN["loss"])
    assert all(len(values) == epoch for values in state["history"].values())
    assert state["history"]["val_loss"] == RUN["val_loss"][:epoch]
    if epoch < MIN_EPOCHS:
        assert state["diagnosis"] is None and "too early" in state["text"]
    else:
        cut = {name: values[:epoch] for name, values in RUN.items()}
        assert state["diagnosis"] == diagnose(cut)
        assert state["diagnosis"].verdict in state["text"]


def test_the_verdict_changes_along_an_overfitting_run():
    verdicts = [
        learning_curves_state(RUN, epoch)["diagnosis"].verdict for epoch in range(3, len(RUN["loss"]) + 1)
    ]
    assert verdicts[0] == "not converged"
    assert verdicts[-1] == "overfitting"
    assert learning_curves_state(RUN)["epoch"] == len(RUN["loss"])  # default: the whole run


@pytest.mark.parametrize("epoch", [0, -1, 10_000, 2.0, "3", True])
def test_a_bad_epoch_is_refused_by_name(epoch):
    with pytest.raises(ValueError, match="epoch"):
        learning_curves_state(RUN, epoch)


def test_a_bad_history_is_refused():
    with pytest.raises(TypeError, match="History"):
        learning_curves_state([0.5, 0.4, 0.3], 2)
    with pytest.raises(ValueError, match="validation"):
        learning_curves_state({"loss": [0.5, 0.4, 0.3]}, 2)


# ---------------------------------------------------------------- the widget


def test_widget_builds_and_updates_quickly():
    box, update = build_learning_curves_explorer(RUN, epoch=5)
    slider, verdict, image, details = box.children
    assert verdict.value == ""  # nothing is drawn before the box is displayed
    update()
    assert "epoch 5 of" in verdict.value
    assert bytes(image.value).startswith(b"\x89PNG")
    times = []
    for epoch in (10, 20, len(RUN["loss"])):
        start = time.perf_counter()
        slider.value = epoch
        times.append(time.perf_counter() - start)
        assert f"epoch {epoch} of" in verdict.value
    assert "overfitting" in verdict.value and "<li>" in details.value
    assert min(times) < 1.0  # generous: the budget is 100 ms on a laptop
    slider.value = 2
    assert "too early" in verdict.value and details.value == ""


def test_the_explorer_displays_and_returns_none():
    assert learning_curves_explorer(RUN) is None


def test_a_history_without_accuracy_gets_one_panel():
    box, update = build_learning_curves_explorer({"loss": RUN["loss"], "val_loss": RUN["val_loss"]})
    update()
    assert bytes(box.children[2].value).startswith(b"\x89PNG")


# ---------------------------------------------------------------- the plots


def test_plot_learning_curves_draws_up_to_an_epoch_on_fixed_axes():
    whole = plot_learning_curves(RUN)
    part = plot_learning_curves(RUN, upto=4, show_fit=True)
    assert [ax.get_title() for ax in whole.axes] == ["loss", "accuracy"]
    assert part.axes[0].get_title() == f"loss (epochs 1-4 of {len(RUN['loss'])})"
    assert part.axes[0].get_xlim() == whole.axes[0].get_xlim()
    training = part.axes[0].lines[0]
    assert list(training.get_ydata()) == RUN["loss"][:4]
    fit = [line for line in part.axes[0].lines if line.get_label() == "smooth valley"][0]
    assert np.allclose(fit.get_ydata(), valley_fit(RUN["val_loss"][:4]))


def test_an_exploding_loss_is_drawn_on_a_log_axis():
    fig = plot_learning_curves({"loss": [125.0, 2.4, 2.4], "val_loss": [2.2, 2.3, 2.3]})
    assert fig.axes[0].get_yscale() == "log"


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"upto": 0}, "upto"),
        ({"metric": "auc"}, "metric"),
        ({"show_fit": "yes"}, "show_fit"),
        ({"title": 3}, "title"),
        ({"axes": ["not an axes", "x"]}, "ax"),
    ],
)
def test_plot_learning_curves_refuses_bad_arguments(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        plot_learning_curves(RUN, **kwargs)


def test_plot_runs_and_plot_sweep():
    runs = {run["name"]: run["history"] for run in load_histories()["runs"]["clinic"]}
    fig = plot_runs(runs, columns=4, titles={"A": "run A"})
    drawn = [ax for ax in fig.axes if ax.lines]
    assert len(drawn) == len(runs) and drawn[0].get_title() == "run A"
    ax = plot_sweep([1, 2, 4], [0.3, 0.2, 0.1], [0.4, 0.35, 0.37], xlabel="units")
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "units"
    with pytest.raises(ValueError, match="runs"):
        plot_runs({})
    with pytest.raises(ValueError, match="same length"):
        plot_sweep([1, 2, 3], [0.1, 0.2], [0.2, 0.3, 0.4], xlabel="units")


def test_each_update_redraws_only_the_curves_quickly():
    box, update = build_learning_curves_explorer(RUN, epoch=3)
    update()
    slider, image = box.children[0], box.children[2]
    pictures, times = {}, []
    for epoch in (10, 20, 10):
        start = time.perf_counter()
        slider.value = epoch
        times.append(time.perf_counter() - start)
        pictures.setdefault(epoch, []).append(bytes(image.value))
    assert pictures[10][0] == pictures[10][1]  # the same epoch draws the same picture
    assert pictures[10][0] != pictures[20][0]
    assert sorted(times)[1] < 0.1  # the budget of a widget update; measured at about 12 ms


@pytest.mark.parametrize("scalar", [0.3, 2.0, np.float32(0.5)])
def test_a_bare_number_is_not_a_run(scalar):
    run = {"loss": scalar, "val_loss": scalar}
    for call in (
        lambda: learning_curves_state(run),
        lambda: plot_learning_curves(run),
        lambda: plot_runs({"A": run}),
    ):
        with pytest.raises(ValueError, match=r"history\['loss'\] must be a sequence .* single number"):
            call()


@pytest.mark.parametrize("x", [[0, 1, 10], [-1, 1, 10], [1.0, float("nan"), 10]])
def test_plot_sweep_refuses_what_a_log_axis_would_drop(x):
    with pytest.raises(ValueError, match="x must"):
        plot_sweep(x, [0.3, 0.2, 0.1], [0.4, 0.3, 0.35], xlabel="units", log_x=True)
    plt.close("all")


def test_plot_sweep_draws_zero_on_a_linear_axis():
    ax = plot_sweep([0, 1, 10], [0.3, 0.2, 0.1], [0.4, 0.3, 0.35], xlabel="units", log_x=False)
    assert len(ax.lines[0].get_xdata()) == 3
    plt.close("all")


def test_plot_runs_titles_name_runs():
    run = {"loss": [0.5, 0.4], "val_loss": [0.6, 0.5]}
    with pytest.raises(ValueError, match="titles names 'B', which is not a run"):
        plot_runs({"A": run}, titles={"B": "run B"})
    with pytest.raises(ValueError, match="titles\\['A'\\] must be a string"):
        plot_runs({"A": run}, titles={"A": 3})


def test_an_exploding_loss_that_touches_zero_stays_on_a_linear_axis():
    run = {"loss": [1.0, 0.0, 9.0, 12.0], "val_loss": [1.0, 2.0, 8.0, 15.0]}
    figure = plot_learning_curves(run, metric=None)
    assert figure.axes[0].get_yscale() == "linear"  # a log axis would drop the epoch at 0
    exploding = {"loss": [1.0, 0.5, 9.0, 12.0], "val_loss": [1.0, 2.0, 8.0, 15.0]}
    assert plot_learning_curves(exploding, metric=None).axes[0].get_yscale() == "log"
    assert plot_runs({"A": run}).axes[0].get_yscale() == "linear"
    plt.close("all")
