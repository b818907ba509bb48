"""Slide over the epochs of a run: the curves up to that epoch, and what they say at that point.

The logic is :func:`learning_curves_state`, a pure function the tests call directly: the
history cut at an epoch, and :func:`course_utils.diagnosis.diagnose` of what is left. The
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

from course_utils._validation import check_int
from course_utils.diagnosis import MIN_EPOCHS, check_history, diagnose

__all__ = ["build_learning_curves_explorer", "learning_curves_explorer", "learning_curves_state"]


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
        ``diagnosis`` (a :class:`course_utils.diagnosis.Diagnosis`, or None before epoch
        :data:`course_utils.diagnosis.MIN_EPOCHS`) and ``text`` (one line to show).
    """
    values = check_history(history)
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


def build_learning_curves_explorer(history, epoch: int | None = None):
    """Build the explorer without showing it: returns ``(box, update)``.

    ``box`` is an ``ipywidgets.VBox`` (slider, verdict, picture, reasons); ``update()`` redraws
    it for the slider's current value. :func:`learning_curves_explorer` displays the box,
    then calls ``update``.
    """
    import html

    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from course_utils.diagnosis import error_pair
    from course_utils.plots.learning_curves import plot_learning_curves
    from course_utils.widgets.threshold_explorer import figure_png

    state = learning_curves_state(history, epoch)  # validates both arguments once, up front
    values = check_history(history)
    panels = 2 if error_pair(values) else 1
    slider = widgets.IntSlider(
        value=state["epoch"], min=1, max=state["epochs"], step=1, description="epoch", continuous_update=False
    )
    verdict = widgets.HTML()
    image = widgets.Image(format="png")
    details = widgets.HTML()

    # One figure for the widget's lifetime: an update redraws its axes.
    fig, axes = plt.subplots(1, panels, figsize=(4.3 * panels, 3.1), squeeze=False)
    plt.close(fig)  # drawn into the Image widget only, never shown by pyplot

    def update(change=None):
        state = learning_curves_state(values, slider.value)
        verdict.value = f"<b>{html.escape(state['text'])}</b>"
        plot_learning_curves(values, upto=state["epoch"], axes=list(axes[0]))
        if change is None:
            fig.tight_layout()
        image.value = figure_png(fig, close=False)
        result = state["diagnosis"]
        details.value = "" if result is None else result._repr_html_()

    slider.observe(update, names="value")
    return widgets.VBox([slider, verdict, image, details]), update


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
