"""Build a CNN layer by layer and watch shapes, parameters and multiply-adds update.

The logic is :func:`layer_table`, a pure function over a list of layer specs (dicts with
a Keras layer ``type`` and Keras argument names). It uses only the formulas of
:mod:`course_utils.params` and :mod:`course_utils.arithmetic`, so an update is instant
and never imports TensorFlow. :func:`to_keras` builds the same model in Keras; the tests
check that both agree on every shape and count. :func:`model_builder` is the ipywidgets
front end: add, edit and remove layers, and the table follows.

Examples
--------
>>> specs = [{"type": "Conv2D", "filters": 32, "kernel_size": 3, "padding": "same"},
...          {"type": "MaxPooling2D", "pool_size": 2},
...          {"type": "Flatten"},
...          {"type": "Dense", "units": 10}]
>>> table = layer_table((28, 28, 1), specs)
>>> [(r.type, r.output_shape, r.params) for r in table.rows[1:]]
[('Conv2D', '(None, 28, 28, 32)', 320), ('MaxPooling2D', '(None, 14, 14, 32)', 0), \
('Flatten', '(None, 6272)', 0), ('Dense', '(None, 10)', 62730)]
>>> table.total_params
63050
"""

from __future__ import annotations

import html
import numbers
from math import prod

import numpy as np

from course_utils import params as _params
from course_utils._validation import check_bool, check_int, check_pair, describe
from course_utils.arithmetic import conv_output_length, pool_output_length, receptive_field_step
from course_utils.model_summary import _WHOLE, LayerRow, ModelSummary, _format_rf

__all__ = [
    "LAYER_TYPES",
    "MNIST_CNN",
    "MNIST_INPUT",
    "layer_table",
    "to_keras",
    "describe_spec",
    "model_builder",
]

# Seed 002's MNIST CNN in Keras 3 form: the builder's starting model,
# and the model of lesson 04's exercises.
MNIST_INPUT = (28, 28, 1)
MNIST_CNN = (
    {"type": "Conv2D", "filters": 32, "kernel_size": 3, "padding": "same"},
    {"type": "MaxPooling2D", "pool_size": 2},
    {"type": "Conv2D", "filters": 64, "kernel_size": 3, "padding": "same"},
    {"type": "MaxPooling2D", "pool_size": 2},
    {"type": "Flatten"},
    {"type": "Dense", "units": 64},
    {"type": "Dense", "units": 10},
)

# For each supported type: its arguments and their defaults (Keras names and defaults).
LAYER_TYPES = {
    "Conv2D": {
        "filters": 32,
        "kernel_size": 3,
        "strides": 1,
        "padding": "valid",
        "dilation_rate": 1,
        "use_bias": True,
    },
    "DepthwiseConv2D": {
        "kernel_size": 3,
        "strides": 1,
        "padding": "valid",
        "depth_multiplier": 1,
        "use_bias": True,
    },
    "SeparableConv2D": {
        "filters": 32,
        "kernel_size": 3,
        "strides": 1,
        "padding": "valid",
        "depth_multiplier": 1,
        "use_bias": True,
    },
    "MaxPooling2D": {"pool_size": 2, "strides": None, "padding": "valid"},
    "AveragePooling2D": {"pool_size": 2, "strides": None, "padding": "valid"},
    "GlobalAveragePooling2D": {},
    "BatchNormalization": {},
    "Dropout": {"rate": 0.5},
    "Flatten": {},
    "Dense": {"units": 64, "use_bias": True},
}
_CONV_TYPES = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D")
_POOL_TYPES = ("MaxPooling2D", "AveragePooling2D")


def _check_input_shape(input_shape):
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) not in (1, 3):
        raise ValueError(
            f"input_shape must be (height, width, channels) or (features,), got {input_shape!r}."
        )
    return tuple(check_int("input_shape", d) for d in input_shape)


def _full_spec(index, spec):
    """Return the spec with Keras defaults filled in, after validating it."""
    if not isinstance(spec, dict) or "type" not in spec:
        raise ValueError(f"layer {index} of layers must be a dict with a 'type' key, got {describe(spec)}.")
    kind = spec["type"]
    if kind not in LAYER_TYPES:
        raise ValueError(f"layer {index}: type must be one of {', '.join(LAYER_TYPES)}, got {kind!r}.")
    allowed = LAYER_TYPES[kind]
    unknown = set(spec) - set(allowed) - {"type"}
    if unknown:
        raise ValueError(
            f"layer {index} ({kind}): unknown argument(s) {sorted(unknown)}; allowed: {sorted(allowed)}."
        )
    full = {**allowed, **spec}
    if "padding" in full:
        padding = full["padding"]
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
            raise ValueError(
                f"layer {index} ({kind}): padding must be 'valid' or 'same' as in Keras, got {padding!r}."
            )
        full["padding"] = padding.lower()
    if "use_bias" in full:
        check_bool("use_bias", full["use_bias"])
    return full


def describe_spec(spec):
    """A short one-line description of a layer spec, as the widget lists it.

    Examples
    --------
    >>> describe_spec({"type": "Conv2D", "filters": 64, "kernel_size": 3, "padding": "same"})
    'Conv2D(filters=64, kernel_size=3, padding=same)'
    >>> describe_spec({"type": "Flatten"})
    'Flatten()'
    """
    if not isinstance(spec, dict):
        raise ValueError(f"spec must be a layer dict such as {{'type': 'Flatten'}}, got {describe(spec)}.")
    args = ", ".join(f"{k}={v}" for k, v in spec.items() if k != "type")
    return f"{spec.get('type', '?')}({args})"


def _step(index, spec, shape, state):
    """Apply one layer: return (output shape, trainable, non_trainable, macs, new RF state)."""
    kind = spec["type"]
    spatial = len(shape) == 3
    if kind in _CONV_TYPES or kind in _POOL_TYPES or kind == "GlobalAveragePooling2D":
        if not spatial:
            raise ValueError(
                f"layer {index} ({kind}) needs a (height, width, channels) input, got {shape}: "
                + (
                    "it cannot come after Flatten, Dense on a vector or global pooling."
                    if index > 1
                    else "give input_shape as (height, width, channels)."
                )
            )
    if kind in _CONV_TYPES:
        kh, kw = check_pair("kernel_size", spec["kernel_size"])
        sh, sw = check_pair("strides", spec["strides"])
        if kind == "Conv2D":
            dh, dw = check_pair("dilation_rate", spec["dilation_rate"])
        else:
            dh = dw = 1
        oh = conv_output_length(shape[0], kh, sh, spec["padding"], dh)
        ow = conv_output_length(shape[1], kw, sw, spec["padding"], dw)
        c = shape[2]
        if kind == "Conv2D":
            out = (oh, ow, check_int("filters", spec["filters"]))
            trainable = _params.conv2d_params((kh, kw), c, out[2], spec["use_bias"])
            macs = _params.conv2d_macs((oh, ow), (kh, kw), c, out[2])
        elif kind == "DepthwiseConv2D":
            dm = check_int("depth_multiplier", spec["depth_multiplier"])
            out = (oh, ow, c * dm)
            trainable = _params.depthwise_conv2d_params((kh, kw), c, dm, spec["use_bias"])
            macs = _params.depthwise_conv2d_macs((oh, ow), (kh, kw), c, dm)
        else:
            dm = check_int("depth_multiplier", spec["depth_multiplier"])
            out = (oh, ow, check_int("filters", spec["filters"]))
            trainable = _params.separable_conv2d_params((kh, kw), c, out[2], dm, spec["use_bias"])
            macs = _params.separable_conv2d_macs((oh, ow), (kh, kw), c, out[2], dm)
        if state not in (None, _WHOLE):
            state = (receptive_field_step(*state[0], kh, sh, dh), receptive_field_step(*state[1], kw, sw, dw))
        return out, trainable, 0, macs, state
    if kind in _POOL_TYPES:
        ph, pw = check_pair("pool_size", spec["pool_size"])
        strides = spec["strides"]
        sh, sw = (ph, pw) if strides is None else check_pair("strides", strides)
        out = (
            pool_output_length(shape[0], ph, sh, spec["padding"]),
            pool_output_length(shape[1], pw, sw, spec["padding"]),
            shape[2],
        )
        if state not in (None, _WHOLE):
            state = (receptive_field_step(*state[0], ph, sh), receptive_field_step(*state[1], pw, sw))
        return out, 0, 0, 0, state
    if kind == "GlobalAveragePooling2D":
        return (shape[2],), 0, 0, 0, _WHOLE
    if kind == "Flatten":
        return (prod(shape),), 0, 0, 0, state
    if kind == "Dropout":
        rate = spec["rate"]
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"layer {index} (Dropout): rate must be in [0, 1), got {rate!r}.")
        return shape, 0, 0, 0, state
    if kind == "BatchNormalization":
        trainable, non_trainable = _params.batch_norm_params(shape[-1])
        return shape, trainable, non_trainable, prod(shape), state
    # Dense acts on the last axis, as in Keras
    units = check_int("units", spec["units"])
    out = (*shape[:-1], units)
    trainable = _params.dense_params(shape[-1], units, spec["use_bias"])
    macs = _params.dense_macs(shape[-1], units, positions=prod(shape[:-1]) if spatial else 1)
    return out, trainable, 0, macs, state if spatial else (None if state is None else _WHOLE)


def layer_table(input_shape, layers, batch_size=32, name="builder"):
    """Shapes, parameters, MACs, memory and receptive field of a stack of layer specs.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)`` or ``(features,)``, without the batch axis.
    layers : list of dict
        One dict per layer: ``{"type": "Conv2D", "filters": 32, "kernel_size": 3, ...}``
        with Keras argument names; missing arguments take the Keras defaults
        (see ``LAYER_TYPES``).
    batch_size : int, default=32
        For the activation memory column.
    name : str
        Title of the table.

    Returns
    -------
    course_utils.model_summary.ModelSummary
        The same table as :func:`course_utils.model_summary.summarize` gives for the
        Keras model (:func:`to_keras`), computed without Keras.

    Raises
    ------
    ValueError
        Naming the layer (counted from 1) whose arguments are not allowed or whose
        output would be empty.

    Examples
    --------
    >>> layer_table((4, 4, 1), [{"type": "Conv2D", "kernel_size": 5}])
    Traceback (most recent call last):
    ...
    ValueError: layer 1 (Conv2D): the kernel (kernel_size=5, dilation_rate=1) covers 5 positions but the padded input has only 4 (input_length=4, padding=0 on each side): the output would be empty.
    """
    shape = _check_input_shape(input_shape)
    batch_size = check_int("batch_size", batch_size)
    if not isinstance(layers, (list, tuple)):
        raise ValueError(f"layers must be a list of layer dicts, got {layers!r}.")
    state = ((1, 1), (1, 1)) if len(shape) == 3 else None
    rows = [
        LayerRow(
            "input",
            "InputLayer",
            str((None, *shape)),
            0,
            0,
            0,
            _params.activation_bytes(shape, batch_size),
            _format_rf(state),
        )
    ]
    for index, spec in enumerate(layers, start=1):
        full = _full_spec(index, spec)
        try:
            shape, trainable, non_trainable, macs, state = _step(index, full, shape, state)
        except ValueError as error:
            message = str(error)
            if message.startswith(f"layer {index} "):
                raise
            raise ValueError(f"layer {index} ({full['type']}): {message}") from None
        rows.append(
            LayerRow(
                f"#{index}",
                full["type"],
                str((None, *shape)),
                trainable,
                non_trainable,
                macs,
                _params.activation_bytes(shape, batch_size),
                _format_rf(state),
            )
        )
    return ModelSummary(name, tuple(rows), batch_size)


def to_keras(input_shape, layers, name="builder"):
    """Build the Keras ``Sequential`` model that a list of layer specs describes.

    Examples
    --------
    The specs are checked as :func:`layer_table` checks them before Keras sees them, so
    an error names the layer (counted from 1) and its type; an error that Keras still
    raises is reported with the layer too.

    Examples
    --------
    >>> model = to_keras((28, 28, 1), [{"type": "Conv2D", "filters": 8}, {"type": "Flatten"}])
    >>> model.count_params()
    80
    >>> to_keras((28, 28, 1), [{"type": "Flatten"}, {"type": "Conv2D"}])
    Traceback (most recent call last):
    ...
    ValueError: layer 2 (Conv2D) needs a (height, width, channels) input, got (784,): ...
    """
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"name must be a non-empty string without '/', got {describe(name)}.")
    layer_table(input_shape, layers, name=name)  # every check, with the layer named
    import keras

    shape = _check_input_shape(input_shape)
    keras_layers = []
    for index, spec in enumerate(layers, start=1):
        full = _full_spec(index, spec)
        kind = full.pop("type")
        try:
            keras_layers.append(getattr(keras.layers, kind)(**full))
        except Exception as error:  # Keras's own words, with the layer they are about
            raise ValueError(f"layer {index} ({kind}): {error}") from error
    return keras.Sequential([keras.Input(shape=shape), *keras_layers], name=name)


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

        self.input_shape = _check_input_shape(input_shape)
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
        if self.kind.value not in _POOL_TYPES:
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
