"""``summarize(model)``: a per-layer table of parameters, compute, memory and receptive field.

``model.summary()`` shows shapes and parameter counts. :func:`summarize` adds what a
designer needs next: the trainable / non-trainable split per layer, the multiply-adds
(MACs) of one example, the memory of each layer's output for a batch, and the
receptive field. The counts come from the pure formulas of :mod:`course_utils.params`
and :mod:`course_utils.arithmetic`; the parameter columns come from Keras itself, so
the totals always equal ``model.count_params()``.

Keras is imported only inside :func:`summarize`; importing this module is instant.
The table is drawn by :func:`course_utils.formatting.render_table`, as the model builder's is.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from course_utils import params as _params
from course_utils._validation import check_int
from course_utils.arithmetic import receptive_field_step
from course_utils.formatting import format_count, render_table

__all__ = ["LayerRow", "ModelSummary", "summarize", "render_table", "format_count"]

# Layers without weights that do no multiply-adds with weights (MACs = 0).
_NO_MAC_TYPES = {
    "InputLayer",
    "MaxPooling2D",
    "AveragePooling2D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "Flatten",
    "Dropout",
    "SpatialDropout2D",
    "GaussianDropout",
    "GaussianNoise",
    "AlphaDropout",
    "Activation",
    "ReLU",
    "LeakyReLU",
    "Softmax",
    "ELU",
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "Concatenate",
    "Reshape",
    "Permute",
    "ZeroPadding2D",
    "Cropping2D",
    "Rescaling",
    "Identity",
    "RandomFlip",
    "RandomRotation",
    "RandomZoom",
    "RandomTranslation",
    "RandomContrast",
    "RandomCrop",
    "RandomBrightness",
    "Resizing",
}
# Layers that do not mix positions: the receptive field passes through unchanged.
_POINTWISE_TYPES = {
    "BatchNormalization",
    "Dropout",
    "SpatialDropout2D",
    "GaussianDropout",
    "GaussianNoise",
    "AlphaDropout",
    "Activation",
    "ReLU",
    "LeakyReLU",
    "Softmax",
    "ELU",
    "Rescaling",
    "Identity",
    "RandomFlip",
    "RandomContrast",
    "RandomBrightness",
    "Flatten",
    "ZeroPadding2D",
    "Cropping2D",
}
_MERGE_TYPES = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"}
_GLOBAL_TYPES = {"GlobalAveragePooling2D", "GlobalMaxPooling2D"}
_WHOLE = "whole input"
_UNKNOWN_RF = "-"


@dataclass(frozen=True)
class LayerRow:
    """One layer of a :class:`ModelSummary`.

    ``macs`` is ``None`` when the layer type is not supported (its parameters are
    still exact, from Keras). ``receptive_field`` is ``'h x w'``, ``'whole input'``, or
    ``'-'`` when it is not defined (e.g. after branches with different strides).
    """

    name: str
    type: str
    output_shape: str
    trainable: int
    non_trainable: int
    macs: int | None
    activation_bytes: int | None
    receptive_field: str

    @property
    def params(self) -> int:
        """Trainable plus non-trainable parameters."""
        return self.trainable + self.non_trainable


_COLUMNS = [
    "Layer (type)",
    "Output shape",
    "Trainable",
    "Non-trainable",
    "MACs",
    "Activations",
    "Receptive field",
]


@dataclass(frozen=True)
class ModelSummary:
    """The result of :func:`summarize`: rows, totals and renderers.

    It shows as an HTML table in Jupyter and as text with ``print``.
    """

    model_name: str
    rows: tuple
    batch_size: int

    @property
    def trainable_params(self) -> int:
        return sum(r.trainable for r in self.rows)

    @property
    def non_trainable_params(self) -> int:
        return sum(r.non_trainable for r in self.rows)

    @property
    def total_params(self) -> int:
        return self.trainable_params + self.non_trainable_params

    @property
    def total_macs(self) -> int:
        """MACs of the layers whose MACs are known (see :attr:`macs_complete`)."""
        return sum(r.macs for r in self.rows if r.macs is not None)

    @property
    def macs_complete(self) -> bool:
        """True when every layer's MACs are known."""
        return all(r.macs is not None for r in self.rows)

    @property
    def weights_bytes(self) -> int:
        """Bytes of all parameters stored as float32."""
        return _params.weights_bytes(self.total_params)

    @property
    def activations_bytes(self) -> int:
        """Bytes of every layer's output for one batch, all kept at once (as in training)."""
        return sum(r.activation_bytes for r in self.rows if r.activation_bytes is not None)

    def _table(self, as_html):
        rows = [
            [
                f"{r.name} ({r.type})",
                r.output_shape,
                format_count(r.trainable),
                format_count(r.non_trainable),
                format_count(r.macs),
                "?" if r.activation_bytes is None else _params.format_bytes(r.activation_bytes),
                r.receptive_field,
            ]
            for r in self.rows
        ]
        macs = format_count(self.total_macs)
        if not self.macs_complete:
            macs = f"at least {macs} (some layer types unknown: '?')"
        footer = [
            f"Total params: {self.total_params:,} "
            f"(trainable {self.trainable_params:,}, non-trainable {self.non_trainable_params:,})"
            f", {_params.format_bytes(self.weights_bytes)} as float32",
            f"MACs per example: {macs}",
            f"Activations for a batch of {self.batch_size}: "
            f"{_params.format_bytes(self.activations_bytes)} (float32, all layers)",
        ]
        return render_table(_COLUMNS, rows, footer, title=f"Model: {self.model_name}", as_html=as_html)

    def __str__(self):
        return self._table(as_html=False)

    def __repr__(self):
        return self._table(as_html=False)

    def _repr_html_(self):
        return self._table(as_html=True)


def _weights_size(weights):
    return sum(int(prod(w.shape)) for w in weights)


def _shape_tuple(tensor):
    return tuple(tensor.shape)


def _inputs_of(layer):
    try:
        inputs = layer.input
    except (AttributeError, ValueError):
        return None
    return list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]


def _macs(layer, kind, in_shape, out_shape):
    """MACs of one example, or None when unknown."""
    if kind in _NO_MAC_TYPES:
        return 0
    if in_shape is None or out_shape is None:
        return None
    if any(d is None for d in in_shape[1:]) or any(d is None for d in out_shape[1:]):
        return None
    if kind == "Conv2D" and len(out_shape) == 4:
        groups = getattr(layer, "groups", 1)
        return _params.conv2d_macs(out_shape[1:3], layer.kernel_size, in_shape[-1] // groups, layer.filters)
    if kind == "DepthwiseConv2D":
        return _params.depthwise_conv2d_macs(
            out_shape[1:3], layer.kernel_size, in_shape[-1], layer.depth_multiplier
        )
    if kind == "SeparableConv2D":
        return _params.separable_conv2d_macs(
            out_shape[1:3], layer.kernel_size, in_shape[-1], layer.filters, layer.depth_multiplier
        )
    if kind == "Conv2DTranspose":
        return _params.conv2d_transpose_macs(in_shape[1:3], layer.kernel_size, in_shape[-1], layer.filters)
    if kind == "Dense":
        positions = int(prod(in_shape[1:-1])) if len(in_shape) > 2 else 1
        return _params.dense_macs(in_shape[-1], layer.units, positions=positions)
    if kind == "BatchNormalization":
        # at inference BatchNorm folds into one multiply-add per value
        return int(prod(out_shape[1:]))
    return None


def _rf_after(layer, kind, states, in_rank):
    """Receptive-field state after ``layer`` given its input states.

    A state is ``((rf_h, jump_h), (rf_w, jump_w))``, ``_WHOLE`` or ``None`` (undefined).
    """
    if not states or any(s is None for s in states):
        return None
    if kind in _MERGE_TYPES:
        if any(s == _WHOLE for s in states):
            return _WHOLE if all(s == _WHOLE for s in states) else None
        jumps = {(s[0][1], s[1][1]) for s in states}
        if len(jumps) != 1:
            return None  # branches with different strides: no single receptive field
        return tuple((max(s[a][0] for s in states), states[0][a][1]) for a in (0, 1))
    (state,) = states if len(states) == 1 else (None,)
    if state is None:
        return None
    if kind in _POINTWISE_TYPES:
        return state
    if kind in _GLOBAL_TYPES:
        return _WHOLE
    if kind == "Dense":
        return state if in_rank and in_rank > 2 else _WHOLE
    if state == _WHOLE:
        return None
    if kind in ("Conv2D", "DepthwiseConv2D", "SeparableConv2D"):
        return tuple(
            receptive_field_step(
                state[a][0], state[a][1], layer.kernel_size[a], layer.strides[a], layer.dilation_rate[a]
            )
            for a in (0, 1)
        )
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        return tuple(
            receptive_field_step(state[a][0], state[a][1], layer.pool_size[a], layer.strides[a])
            for a in (0, 1)
        )
    return None


def _format_rf(state):
    if state is None:
        return _UNKNOWN_RF
    if state == _WHOLE:
        return _WHOLE
    return f"{state[0][0]}x{state[1][0]}"


def _ordered_layers(model):
    layers = list(model.layers)
    if not any(type(layer).__name__ == "InputLayer" for layer in layers):
        inputs = []
        for tensor in model.inputs:
            op = tensor._keras_history.operation
            if op not in inputs:
                inputs.append(op)
        layers = inputs + layers
    return layers


def summarize(model, batch_size=32):
    """Summarize a built Keras model, one row per layer.

    Parameters
    ----------
    model : keras.Model
        A ``Sequential`` or functional model that starts with ``keras.Input(shape=...)``
        (so that every shape is known). Branches and merges are supported.
    batch_size : int, default=32
        Batch size used for the activation memory column.

    Returns
    -------
    ModelSummary
        Rows for every layer (input layers included) and totals. The parameter totals
        equal ``model.count_params()`` and Keras's trainable / non-trainable split.
        MACs are the multiply-adds with weights for one example (bias additions not
        counted); ``BatchNormalization`` counts one per value (at inference it folds into
        a scale and a shift), layers without weights count 0, and ``'?'`` marks a layer
        type whose MACs are not known (its parameter counts are still exact).
        The receptive field is ``'-'`` where it is not defined.

    Raises
    ------
    ValueError
        If the model is not built or ``batch_size`` is not a positive integer.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input(shape=(28, 28, 1)),
    ...                           keras.layers.Conv2D(8, 3, name="conv"),
    ...                           keras.layers.Flatten(name="flat"),
    ...                           keras.layers.Dense(10, name="out")], name="tiny")
    >>> s = summarize(model, batch_size=1)
    >>> s.total_params == model.count_params()
    True
    >>> [(r.name, r.macs, r.receptive_field) for r in s.rows[1:]]
    [('conv', 48672, '3x3'), ('flat', 0, '3x3'), ('out', 54080, 'whole input')]
    """
    batch_size = check_int("batch_size", batch_size)
    if not getattr(model, "built", False) or not getattr(model, "inputs", None):
        raise ValueError(
            "model must be a Sequential or functional Keras model whose inputs are known: "
            f"start it with keras.Input(shape=...); got a {type(model).__name__} without them."
        )
    layers = _ordered_layers(model)
    states = {}
    rows = []
    for layer in layers:
        kind = type(layer).__name__
        inputs = _inputs_of(layer) if kind != "InputLayer" else []
        shared = len(getattr(layer, "_inbound_nodes", [])) > 1
        try:
            output = layer.output
            out_shape = None if isinstance(output, (list, tuple)) else _shape_tuple(output)
        except (AttributeError, ValueError):
            out_shape = None
        in_shape = None
        if inputs and len(inputs) == 1:
            in_shape = _shape_tuple(inputs[0])
        # parameters: straight from Keras, so totals equal count_params()
        trainable = _weights_size(layer.trainable_weights)
        non_trainable = _weights_size(layer.non_trainable_weights)
        # compute
        if shared:
            macs = None
        elif hasattr(layer, "layers") and hasattr(layer, "inputs"):
            # a nested model (e.g. a frozen base for transfer learning): add its layers up
            try:
                inner = summarize(layer, batch_size)
                macs = inner.total_macs if inner.macs_complete else None
            except (ValueError, TypeError, AttributeError):
                macs = None
        else:
            try:
                macs = _macs(layer, kind, in_shape, out_shape)
            except (ValueError, TypeError, AttributeError):
                macs = None
        # memory of the output for a batch
        act = None
        if out_shape is not None and all(d is not None for d in out_shape[1:]):
            act = _params.activation_bytes(out_shape[1:], batch_size) if len(out_shape) > 1 else None
        # receptive field, following the graph
        if kind == "InputLayer":
            state = ((1, 1), (1, 1)) if out_shape is not None and len(out_shape) == 4 else None
        elif shared or inputs is None:
            state = None
        else:
            parents = [states.get(id(t._keras_history.operation)) for t in inputs]
            try:
                state = _rf_after(layer, kind, parents, len(in_shape) if in_shape else None)
            except (ValueError, TypeError, AttributeError, IndexError):
                state = None
        states[id(layer)] = state
        shape_text = str(out_shape) if out_shape is not None else "multiple"
        rows.append(
            LayerRow(layer.name, kind, shape_text, trainable, non_trainable, macs, act, _format_rf(state))
        )
    return ModelSummary(model.name, tuple(rows), batch_size)
