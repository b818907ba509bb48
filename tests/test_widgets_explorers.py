"""The convolution and pooling explorers, tested without a browser."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.core import reference_ops
from course_utils.plots.windows import show_windows, windows_svg
from course_utils.widgets.conv_explorer import conv_explorer, conv_explorer_state
from course_utils.widgets.pooling_explorer import pooling_explorer, pooling_explorer_state

conv_settings = st.fixed_dictionaries(
    {
        "input_size": st.integers(1, 12),
        "kernel_size": st.integers(1, 7),
        "strides": st.integers(1, 4),
        "padding": st.sampled_from(["valid", "same", 0, 1, 2]),
        "dilation_rate": st.integers(1, 4),
        "step": st.integers(0, 200),
    }
)


@settings(max_examples=60, deadline=None)
@given(conv_settings)
def test_conv_state_windows_reproduce_a_real_convolution(kwargs):
    """Summing the input under each window (an all-ones kernel) must give the reference
    convolution: the windows the explorer shows are the ones a convolution reads."""
    state = conv_explorer_state(**kwargs)
    n = state.input_size
    x = np.random.default_rng(0).normal(size=(1, n, n, 1))
    kernel = np.ones((state.kernel_size, state.kernel_size, 1, 1))
    try:
        expected = reference_ops.conv2d(
            x, kernel, strides=state.strides, padding=state.padding, dilation_rate=state.dilation_rate
        )[0, :, :, 0]
    except ValueError:
        assert not state.fits and state.window_cells == () and state.output_cell is None
        assert "no output" in state.text
        return
    assert state.fits
    assert state.output_size == expected.shape[0]
    assert state.n_steps == expected.size
    assert 0 <= state.step < state.n_steps
    assert state.step == min(kwargs["step"], state.n_steps - 1)
    row, col = state.output_cell
    assert (row, col) == divmod(state.step, state.output_size)
    assert len(state.window_cells) == state.kernel_size**2
    inside = [(r, c) for r, c in state.window_cells if 0 <= r < n and 0 <= c < n]
    assert np.isclose(sum(x[0, r, c, 0] for r, c in inside), expected[row, col])
    # every window cell lies in the padded input that the picture draws
    low, high = -state.pad_before, n + state.pad_after
    assert all(low <= r < high and low <= c < high for r, c in state.window_cells)
    assert f"Step {state.step + 1} of {state.n_steps}" in state.text
    assert state.formula.endswith(f"= {state.output_size}")


@settings(max_examples=40, deadline=None)
@given(
    input_size=st.integers(1, 10),
    pool_size=st.integers(1, 4),
    strides=st.one_of(st.none(), st.integers(1, 3)),
    padding=st.sampled_from(["valid", "same"]),
    mode=st.sampled_from(["max", "average"]),
    step=st.integers(0, 120),
)
def test_pooling_state_matches_the_window_it_shows(input_size, pool_size, strides, padding, mode, step):
    state = pooling_explorer_state(input_size, pool_size, strides, padding, mode, step)
    if not state.fits:
        assert padding == "valid" and pool_size > input_size
        assert "no output" in state.text
        return
    values = state.input_values
    row, col = state.output_cell
    real = [values[r, c] for r, c in state.window_cells if 0 <= r < input_size and 0 <= c < input_size]
    summary = max(real) if mode == "max" else np.mean(real)
    assert np.isclose(state.output_values[row, col], summary)
    assert state.output_values.shape == (state.output_size, state.output_size)
    assert len(state.window_cells) == pool_size**2
    assert state.strides == (pool_size if strides is None else strides)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"input_size": 0}, "input_size"),
        ({"kernel_size": 2.0}, "kernel_size"),
        ({"strides": True}, "strides"),
        ({"padding": "full"}, "padding"),
        ({"dilation_rate": 0}, "dilation_rate"),
        ({"step": -1}, "step"),
    ],
)
def test_conv_state_rejects_bad_settings(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        conv_explorer_state(**kwargs)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"pool_size": 0}, "pool_size"),
        ({"padding": 1}, "padding"),
        ({"mode": "min"}, "mode"),
        ({"strides": 0}, "strides"),
    ],
)
def test_pooling_state_rejects_bad_settings(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        pooling_explorer_state(**kwargs)


def test_worked_examples():
    # 'same' with an even kernel: TensorFlow puts the extra zero after the input
    state = conv_explorer_state(6, 4, padding="same")
    assert (state.pad_before, state.pad_after) == (1, 2)
    assert state.window_cells[0] == (-1, -1)
    assert "taps fall on padding" in state.text
    # dilation spreads the taps
    dilated = conv_explorer_state(7, 3, dilation_rate=2)
    assert sorted({r for r, _ in dilated.window_cells}) == [0, 2, 4]
    assert "(2*(3-1)+1 = 5)" in dilated.formula


@pytest.mark.parametrize(
    "state",
    [
        conv_explorer_state(5, 3, padding="same", step=3),
        conv_explorer_state(2, 5),
        pooling_explorer_state(5, 2, padding="same", mode="average", step=8),
        pooling_explorer_state(1, 3),
    ],
)
def test_pictures_draw_every_state(state):
    svg = windows_svg(state)
    root = ET.fromstring(svg)  # well-formed SVG
    assert root.tag.endswith("svg")
    side = state.pad_before + state.input_size + state.pad_after
    # padded input + output cells, the hatch tile, and the window outline when there is one
    assert svg.count("<rect") == side**2 + state.output_size**2 + 1 + (1 if state.window_cells else 0)
    figure = show_windows(state)
    assert len(figure.axes) == 2
    plt.close(figure)


def test_pictures_reject_other_objects():
    with pytest.raises(ValueError, match="state"):
        windows_svg(object())
    with pytest.raises(ValueError, match="titles"):
        show_windows([conv_explorer_state()], titles=["a", "b"])
    with pytest.raises(ValueError, match="at least one"):
        show_windows([])


@pytest.mark.parametrize("factory", [conv_explorer, pooling_explorer])
def test_widgets_build_update_and_stay_fast(factory):
    box = factory()
    picture, caption = box.children[1], box.children[2]
    first_picture, first_caption = picture.value, caption.value
    assert first_picture.startswith("<svg") and "Step 1 of" in first_caption

    size = box.controls["input_size"]
    start = time.perf_counter()
    size.value = size.max
    elapsed = time.perf_counter() - start
    assert elapsed < 0.1, f"a widget update took {elapsed * 1000:.0f} ms"
    assert picture.value != first_picture
    step = box.controls["step"]
    assert step.max == box.update().n_steps - 1
    step.value = step.max
    assert f"Step {step.max + 1} of {step.max + 1}" in caption.value
    # shrinking the input clamps the step slider instead of pointing past the output
    size.value = size.min + 2
    assert box.update().step <= step.max


def test_conv_widget_shows_empty_output():
    box = conv_explorer(input_size=3, kernel_size=3, dilation_rate=2)
    assert "no output" in box.children[2].value
    assert box.controls["step"].max == 0


@pytest.mark.parametrize(
    "factory, kwargs, argument",
    [
        (conv_explorer, {"input_size": 20}, "input_size"),
        (conv_explorer, {"kernel_size": 9}, "kernel_size"),
        (conv_explorer, {"strides": 0}, "strides"),
        (conv_explorer, {"padding": 3}, "padding"),
        (pooling_explorer, {"input_size": 11}, "input_size"),
        (pooling_explorer, {"strides": 4}, "strides"),
        (pooling_explorer, {"mode": "MAX"}, "mode"),
    ],
)
def test_widgets_refuse_values_outside_their_controls_instead_of_clamping(factory, kwargs, argument):
    with pytest.raises(ValueError, match=argument) as error:
        factory(**kwargs)
    assert "TraitError" not in type(error.value).__name__


def test_widgets_normalise_arguments_as_the_pure_functions_do():
    box = pooling_explorer(padding="SAME", strides=np.int64(2), input_size=np.int32(6))
    state = box.update()
    assert (state.padding, state.strides, state.input_size) == ("same", 2, 6)
    assert conv_explorer(padding="Same", input_size=12).update().input_size == 12
