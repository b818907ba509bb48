"""The wiring shared by the convolution and pooling explorers.

Both explorers are the same widget: some controls, a step slider with a play button,
an SVG picture of the windows and a caption. Only the pure state function differs.

A control never clamps the value it starts from: a starting value outside its range is
a ``ValueError`` that names the argument and the range, as the pure functions' errors do.
"""

from __future__ import annotations

from collections.abc import Callable

from course_utils.core._validation import check_int, describe

STYLE = {"description_width": "110px"}
WIDTH = "340px"


def int_slider(value, low: int, high: int, description: str, name: str | None = None):
    """An IntSlider with the explorers' label width and layout, starting at ``value``.

    ``name`` is the argument the value came from (``description`` by default): a value
    outside ``low..high`` is refused with a message naming it.
    """
    import ipywidgets as widgets

    value = check_int(name or description, value, minimum=low, maximum=high)
    return widgets.IntSlider(
        value, low, high, description=description, style=STYLE, layout=widgets.Layout(width=WIDTH)
    )


def dropdown(options, value, description: str, name: str | None = None):
    """A Dropdown with the explorers' label width and layout, starting at ``value``.

    ``options`` are values or ``(label, value)`` pairs; a ``value`` that is not one of them
    is refused with a message naming the argument (``name``, or ``description``).
    """
    import ipywidgets as widgets

    values = [option[1] if isinstance(option, tuple) else option for option in options]
    if not any(type(value) is type(v) and value == v for v in values):
        allowed = ", ".join(repr(v) for v in values)
        raise ValueError(
            f"{name or description} must be one of {allowed} in this widget, got {describe(value)}."
        )
    return widgets.Dropdown(
        options=options, value=value, description=description, style=STYLE, layout=widgets.Layout(width=WIDTH)
    )


def window_widget(controls: dict, compute_state: Callable):
    """Build an explorer: ``compute_state(step=..., **control_values)`` gives what to draw.

    The state must have ``n_steps``, ``formula`` and ``text`` attributes and be accepted by
    :func:`course_utils.plots.windows.windows_svg`.

    Returns
    -------
    ipywidgets.VBox
        With an ``update()`` attribute that redraws it and returns the current state, and
        a ``controls`` dict of every control, the step slider included.
    """
    import ipywidgets as widgets

    from course_utils.plots.windows import windows_svg

    step = int_slider(0, 0, 0, "step")
    play = widgets.Play(value=0, min=0, max=0, interval=700, description="play")
    widgets.jslink((play, "value"), (step, "value"))
    picture = widgets.HTML()
    caption = widgets.HTML()

    def update(*_):
        state = compute_state(**{name: control.value for name, control in controls.items()}, step=step.value)
        step.max = play.max = max(state.n_steps - 1, 0)
        picture.value = windows_svg(state)
        caption.value = f"<code>{state.formula}</code><br>{state.text}"
        return state

    for control in (*controls.values(), step):
        control.observe(update, names="value")
    box = widgets.VBox(
        [
            widgets.HBox([widgets.VBox(list(controls.values())), widgets.VBox([step, play])]),
            picture,
            caption,
        ]
    )
    box.update = update
    box.controls = {**controls, "step": step}
    update()
    return box
