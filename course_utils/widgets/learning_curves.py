"""Slide over the epochs of a run: the curves up to that epoch, and what they say at that point.

The logic is :func:`learning_curves_state`, a pure function the tests call directly: the
history cut at an epoch, and :func:`course_utils.engines.diagnosis.diagnose` of what is left. The
widget only turns the slider's value into a call and draws the result, into an
``ipywidgets.Image`` (not an ``Output`` widget, so the saved notebook holds no output that
depends on a browser).

Examples
--------
>>> history = {"loss": [1.0, 0.6, 0.45, 0.38, 0.33, 0.3, 0.27, 0.25],
...            "val_loss": [0.8, 0.6, 0.5, 0.47, 0.48, 0.52, 0.57, 0.63]}
>>> learning_curves_state(history, epoch=2)["diagnosis"] is None
True
>>> [learning_curves_state(history, epoch)["diagnosis"].verdict for epoch in (3, 8)]
['not converged', 'overfitting']
"""

from __future__ import annotations

from course_utils.core._constraints import validate_arguments
from course_utils.core._validation import check_int
from course_utils.engines.diagnosis import LOSS_HISTORY, MIN_EPOCHS, diagnose

__all__ = ["build_learning_curves_explorer", "learning_curves_explorer", "learning_curves_state"]


@validate_arguments(history=LOSS_HISTORY)
def learning_curves_state(history, epoch: int | None = None) -> dict:
    """Everything the explorer shows at one epoch.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        A whole run (``loss`` and ``val_loss`` at least).
    epoch : int, optional
        The last epoch to look at, from 1 to the number of epochs; default: the last one.

    Returns
    -------
    dict
        ``epoch``, ``epochs`` (the run's length), ``history`` (the lists cut after ``epoch``),
        ``diagnosis`` (a :class:`course_utils.engines.diagnosis.Diagnosis`, or None before epoch
        :data:`course_utils.engines.diagnosis.MIN_EPOCHS`) and ``text`` (one line to show).
    """
    values = history
    epochs = len(values["loss"])
    epoch = epochs if epoch is None else check_int("epoch", epoch, minimum=1, maximum=epochs)
    cut = {name: series[:epoch] for name, series in values.items()}
    if epoch < MIN_EPOCHS:
        result, text = (
            None,
            f"epoch {epoch} of {epochs}: too early to tell (a diagnosis needs {MIN_EPOCHS} epochs)",
        )
    else:
        result = diagnose(cut)
        text = f"epoch {epoch} of {epochs}: {result.verdict} (best epoch so far: {result.best_epoch})"
    return {"epoch": epoch, "epochs": epochs, "history": cut, "diagnosis": result, "text": text}


class _CurvesPicture:
    """The explorer's picture: the axes of the whole run are drawn once, each update draws only the curves.

    Redrawing a whole figure (ticks, labels, legend) takes most of a widget's 100 ms budget; here the
    static part is kept as a background and an update draws the curves, the best-epoch line and the
    titles over it, then encodes the PNG.
    """

    def __init__(self, values: dict):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from course_utils.engines.diagnosis import error_pair
        from course_utils.plots.learning_curves import plot_learning_curves

        self.values = values
        panels = 2 if error_pair(values) else 1
        self.figure = Figure(figsize=(4.3 * panels, 3.1))
        self.canvas = FigureCanvasAgg(self.figure)  # no pyplot: the figure lives in the widget only
        axes = self.figure.subplots(1, panels, squeeze=False)[0]
        plot_learning_curves(values, axes=list(axes))
        self.panels = []
        for ax in axes:
            train, val, best = ax.lines[0], ax.lines[1], ax.lines[-1]
            ax.legend(handles=[train, val], fontsize="small")
            for artist in (train, val, best, ax.title):
                artist.set_animated(True)
            self.panels.append((ax, ax.title.get_text(), train, val, best))
        self.figure.tight_layout()
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.figure.bbox)

    def png(self, epoch: int, best: int | None) -> bytes:
        """The figure with the curves up to ``epoch`` and a line at ``best``, as PNG bytes."""
        import io

        import numpy as np
        from PIL import Image

        epochs = len(self.values["loss"])
        x = np.arange(1, epoch + 1)
        self.canvas.restore_region(self.background)
        for ax, name, train, val, line in self.panels:
            train.set_data(x, self.values[name][:epoch])
            val.set_data(x, self.values["val_" + name][:epoch])
            line.set_xdata([best, best] if best is not None else [np.nan, np.nan])
            ax.title.set_text(f"{name} (epochs 1-{epoch} of {epochs})" if epoch < epochs else name)
            for artist in (train, val, line, ax.title, ax.get_legend()):
                ax.draw_artist(artist)  # the legend again, over the curves
        width, height = self.canvas.get_width_height()
        picture = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()


@validate_arguments(history=LOSS_HISTORY)
def build_learning_curves_explorer(history, epoch: int | None = None):
    """Build the explorer without showing it: returns ``(box, update)``.

    ``box`` is an ``ipywidgets.VBox`` (slider, verdict, picture, reasons); ``update()`` redraws
    it for the slider's current value. :func:`learning_curves_explorer` displays the box,
    then calls ``update``.
    """
    import html

    import ipywidgets as widgets

    values = history
    state = learning_curves_state(values, epoch)  # validates the epoch up front
    slider = widgets.IntSlider(
        value=state["epoch"], min=1, max=state["epochs"], step=1, description="epoch", continuous_update=False
    )
    verdict = widgets.HTML()
    image = widgets.Image(format="png")
    details = widgets.HTML()
    picture = _CurvesPicture(values)

    def update(change=None):
        state = learning_curves_state(values, slider.value)
        result = state["diagnosis"]
        verdict.value = f"<b>{html.escape(state['text'])}</b>"
        best = result.best_epoch if result is not None else _best_so_far(state["history"]["val_loss"])
        image.value = picture.png(state["epoch"], best)
        details.value = "" if result is None else result._repr_html_()

    slider.observe(update, names="value")
    return widgets.VBox([slider, verdict, image, details]), update


def _best_so_far(val_losses) -> int | None:
    finite = [(value, epoch) for epoch, value in enumerate(val_losses, start=1) if value == value]
    return min(finite)[1] if finite else None


@validate_arguments(history=LOSS_HISTORY)
def learning_curves_explorer(history, epoch: int | None = None) -> None:
    """Show a slider over the epochs of ``history``, with the curves and the diagnosis at that epoch.

    Parameters
    ----------
    history : keras.callbacks.History or dict
    epoch : int, optional
        The starting epoch (default: the last).

    Returns
    -------
    None
        The widget is displayed by the call itself.
    """
    from IPython.display import display

    box, update = build_learning_curves_explorer(history, epoch)
    display(box)
    update()
