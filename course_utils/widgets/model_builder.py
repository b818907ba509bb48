"""The model builder: add, edit and remove layers, and watch shapes, parameters and multiply-adds update.

The logic lives in :mod:`course_utils.engines.layer_specs` (a CNN as a list of layer specs, and
:func:`layer_table`, which answers instantly without TensorFlow); this widget only turns its
controls into specs and shows the table. ``layer_table``, ``to_keras``, ``describe_spec`` and
the spec constants are importable from here too.
"""

from __future__ import annotations

import html
import numbers

import numpy as np

from course_utils.core._constraints import Count, OrNone, validate_arguments
from course_utils.core._validation import check_int
from course_utils.engines.layer_specs import (
    INPUT_SHAPE,
    LAYER_TYPES,
    LAYERS,
    MNIST_CNN,
    MNIST_INPUT,
    POOL_TYPES,
    check_input_shape,
    describe_spec,
    layer_table,
    to_keras,
)

__all__ = [
    "LAYER_TYPES",
    "MNIST_CNN",
    "MNIST_INPUT",
    "describe_spec",
    "layer_table",
    "model_builder",
    "to_keras",
]


BOX_MAX = 4096
"""The usual largest value of the builder's number boxes (a larger starting value widens them)."""


def _show(control, value) -> bool:
    """Set a control to ``value`` if it can show it exactly (widening an int range); else leave it.

    Returns whether the control now shows ``value``: a control never clamps silently.
    """
    if isinstance(control.value, bool):
        if not isinstance(value, (bool, np.bool_)):
            return False
        control.value = bool(value)
    elif isinstance(control.value, str):
        if not isinstance(value, str) or value.lower() not in control.options:
            return False
        control.value = value.lower()
    else:
        if (
            isinstance(value, (bool, np.bool_))
            or not isinstance(value, numbers.Integral)
            or value < control.min
        ):
            return False
        control.max = max(control.max, int(value))
        control.value = int(value)
    return True


class ModelBuilder:
    """State and controls of the model-builder widget (see :func:`model_builder`).

    ``specs`` holds the current layers; :meth:`add`, :meth:`replace` and :meth:`remove`
    change them and refresh the table, as the buttons do.
    """

    def __init__(self, input_shape=(28, 28, 1), layers=None, batch_size=32):
        import ipywidgets as widgets

        self.input_shape = check_input_shape(input_shape)
        layers = MNIST_CNN if layers is None else layers
        layer_table(self.input_shape, layers, batch_size)  # fail early on bad arguments
        self.specs = [dict(s) for s in layers]
        batch_size = check_int("batch_size", batch_size)
        style = {"description_width": "initial"}
        small = widgets.Layout(width="150px")

        def number_box(value, description, largest=BOX_MAX):
            # the box's range grows to hold the starting value: a control never clamps it
            return widgets.BoundedIntText(
                value=value,
                min=1,
                max=max(largest, value),
                description=description,
                layout=small,
                style=style,
            )

        self.batch_size = number_box(batch_size, "batch")
        if len(self.input_shape) == 3:
            self.shape_boxes = [
                number_box(v, d) for v, d in zip(self.input_shape, ("height", "width", "channels"))
            ]
        else:
            self.shape_boxes = [number_box(self.input_shape[0], "features", largest=10**6)]
        self.layer_list = widgets.Select(
            options=[], rows=8, description="layers", layout=widgets.Layout(width="480px")
        )
        self.kind = widgets.Dropdown(options=list(LAYER_TYPES), value="Conv2D", description="type")
        self.filters = widgets.BoundedIntText(
            value=32,
            min=1,
            max=4096,
            description="filters / units",
            style=style,
            layout=widgets.Layout(width="200px"),
        )
        self.kernel = widgets.IntSlider(value=3, min=1, max=11, description="kernel / pool size", style=style)
        self.strides = widgets.IntSlider(value=1, min=1, max=4, description="strides")
        self.padding = widgets.ToggleButtons(options=["valid", "same"], value="same", description="padding")
        self.use_bias = widgets.Checkbox(value=True, description="use_bias")
        self.add_button = widgets.Button(description="Add after selected", icon="plus")
        self.replace_button = widgets.Button(description="Replace selected", icon="pencil")
        self.remove_button = widgets.Button(description="Remove selected", icon="trash")
        self.table = widgets.HTML()
        self.message = widgets.HTML()

        self.add_button.on_click(lambda _: self.add(self.current_spec()))
        self.replace_button.on_click(lambda _: self.replace(self.current_spec()))
        self.remove_button.on_click(lambda _: self.remove())
        self.layer_list.observe(self._load_selected, names="value")
        self.kind.observe(self._pooling_strides, names="value")
        self.kernel.observe(self._pooling_strides, names="value")
        for box in [*self.shape_boxes, self.batch_size]:
            box.observe(lambda _: self.refresh(), names="value")
        self.widget = widgets.VBox(
            [
                widgets.HBox([*self.shape_boxes, self.batch_size]),
                self.layer_list,
                widgets.HBox([self.kind, self.filters]),
                widgets.HBox([self.kernel, self.strides]),
                widgets.HBox([self.padding, self.use_bias]),
                widgets.HBox([self.add_button, self.replace_button, self.remove_button]),
                self.message,
                self.table,
            ]
        )
        self.refresh()

    # -- the controls ------------------------------------------------------------
    def current_spec(self):
        """The layer spec the controls describe (only the arguments its type takes)."""
        kind = self.kind.value
        values = {
            "filters": self.filters.value,
            "units": self.filters.value,
            "kernel_size": self.kernel.value,
            "pool_size": self.kernel.value,
            "strides": self.strides.value,
            "padding": self.padding.value,
            "use_bias": self.use_bias.value,
        }
        spec = {"type": kind}
        for key in LAYER_TYPES[kind]:
            if key in values:
                spec[key] = values[key]
        return spec

    def _pooling_strides(self, change):
        """Pooling windows do not overlap by default (strides = pool_size), as in Keras."""
        if self.kind.value not in POOL_TYPES:
            return
        if change["name"] == "value" and change["owner"] is self.kind:
            _show(self.strides, self.kernel.value)
        elif self.strides.value == change["old"]:
            _show(self.strides, change["new"])

    def _selected_index(self):
        value = self.layer_list.value
        return None if value is None else self.layer_list.options.index(value)

    def _load_selected(self, change=None):
        index = self._selected_index()
        if index is None or self.specs[index].get("type") not in LAYER_TYPES:
            return  # a layer the table already reports as wrong
        spec = {**LAYER_TYPES[self.specs[index]["type"]], **self.specs[index]}
        self.kind.value = spec["type"]
        if spec.get("strides") is None and "pool_size" in spec:
            spec["strides"] = spec["pool_size"]
        hidden = []
        for key, box in (
            ("filters", self.filters),
            ("units", self.filters),
            ("kernel_size", self.kernel),
            ("pool_size", self.kernel),
            ("strides", self.strides),
            ("padding", self.padding),
            ("use_bias", self.use_bias),
        ):
            if key in spec and not _show(box, spec[key]):
                hidden.append(f"{key}={spec[key]!r}")
        if hidden:
            self.message.value = (
                f"<i>layer {index + 1}: the controls cannot show {', '.join(hidden)}; "
                "Replace would write what they show instead.</i>"
            )

    # -- actions -----------------------------------------------------------------
    def add(self, spec):
        """Insert ``spec`` after the selected layer (at the end if none is selected)."""
        describe_spec(spec)  # a dict, or a clear error
        index = self._selected_index()
        position = len(self.specs) if index is None else index + 1
        self.specs.insert(position, dict(spec))
        self.refresh(select=position)

    def replace(self, spec):
        """Replace the selected layer by ``spec``."""
        describe_spec(spec)  # a dict, or a clear error
        index = self._selected_index()
        if index is None:
            self.message.value = "<i>Select a layer to replace first.</i>"
            return
        self.specs[index] = dict(spec)
        self.refresh(select=index)

    def remove(self):
        """Remove the selected layer."""
        index = self._selected_index()
        if index is None:
            self.message.value = "<i>Select a layer to remove first.</i>"
            return
        del self.specs[index]
        self.refresh(select=min(index, len(self.specs) - 1) if self.specs else None)

    def refresh(self, select=None):
        """Recompute the table from the specs (pure helpers only, no TensorFlow)."""
        labels = [f"{i}. {describe_spec(s)}" for i, s in enumerate(self.specs, start=1)]
        self.layer_list.options = labels
        if select is not None and 0 <= select < len(labels):
            self.layer_list.value = labels[select]
        shape = tuple(box.value for box in self.shape_boxes)
        try:
            summary = layer_table(shape, self.specs, self.batch_size.value)
        except ValueError as error:
            # show the layers that still work, and say which one does not
            self.message.value = f"<b style='color:#b35900'>{html.escape(str(error))}</b>"
            for stop in range(len(self.specs) - 1, -1, -1):
                try:
                    partial = layer_table(shape, self.specs[:stop], self.batch_size.value)
                except ValueError:
                    continue
                self.table.value = partial._repr_html_()
                break
            return None
        self.message.value = ""
        self.table.value = summary._repr_html_()
        return summary

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


@validate_arguments(input_shape=INPUT_SHAPE, batch_size=Count(), layers=OrNone(LAYERS))
def model_builder(input_shape=(28, 28, 1), layers=None, batch_size=32):
    """The model-builder widget: add, edit and remove layers; the table updates at once.

    Parameters
    ----------
    input_shape : tuple of int, default=(28, 28, 1)
    layers : list of dict, optional
        Starting layers (specs as for :func:`layer_table`); a small MNIST CNN by default.
    batch_size : int, default=32

    Returns
    -------
    ModelBuilder
        Display it as the last line of a cell. Its ``specs`` attribute holds the layers,
        ready for :func:`to_keras`.
    """
    return ModelBuilder(input_shape, layers, batch_size)
