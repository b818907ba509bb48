"""``summarize(model)``: a per-layer table of parameters, compute, memory and receptive field.

``model.summary()`` shows shapes and parameter counts. :func:`summarize` adds what a
designer needs next: the trainable / non-trainable split per layer, the multiply-adds
(MACs) of one example, the memory of each layer's output for a batch, and the
receptive field. The counts come from the pure formulas of :mod:`course_utils.params`
and :mod:`course_utils.arithmetic`; the parameter columns come from Keras itself, so
the totals always equal ``model.count_params()``.

Keras is imported only inside :func:`summarize`; importing this module is instant.
The table is drawn by :func:`course_utils.formatting.render_table`, as the model builder's is.
Shapes are tuples in the rows, as Keras gives them (``(None, 28, 28, 8)``), and become text
only in the drawn table.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from course_utils import params as _params
from course_utils._validation import check_int
from course_utils.arithmetic import STEPPED_LAYERS, LayerState, input_state, step_layer
from course_utils.formatting import WHOLE_INPUT, format_count, format_receptive_field, render_table

__all__ = ["LayerRow", "ModelSummary", "summarize", "render_table", "format_count"]

_MERGE_TYPES = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"}
SEVERAL_OUTPUTS = "multiple"
"""What the table shows as the output shape of a layer with several outputs (``output_shape`` None)."""


@dataclass(frozen=True)
class LayerRow:
    """One layer of a :class:`ModelSummary`.

    ``output_shape`` is a tuple with the batch axis first, as Keras writes shapes
    (``(None, 28, 28, 8)``), or None for a layer with several outputs (the table shows
    ``'multiple'``). ``macs`` is ``None`` when the layer type is not supported (its parameters
    are still exact, from Keras). ``receptive_field`` is ``'h x w'``, ``'whole input'``, or
    ``'-'`` when it is not defined (e.g. after branches with different strides).
    """

    name: str
    type: str
    output_shape: tuple | None
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
                _shape_text(r.output_shape),
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


def _shape_text(shape) -> str:
    """A row's output shape as the table writes it: ``'(None, 28, 28, 8)'``, or ``'multiple'``."""
    return SEVERAL_OUTPUTS if shape is None else str(shape)


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


def _spec(layer, kind):
    """The layer as a spec (Keras class name and config), as step_layer and layer_macs read it."""
    try:
        config = layer.get_config()
    except (NotImplementedError, AttributeError, TypeError):
        config = {}
    return {**config, "type": kind}


def _macs(layer, kind, in_shape, out_shape):
    """MACs of one example, or None when unknown (shapes with the batch axis, from Keras)."""
    if in_shape is None or out_shape is None:
        return 0 if kind in _params.NO_MAC_LAYERS else None
    return _params.layer_macs(_spec(layer, kind), in_shape[1:], out_shape[1:])


def _merge(states):
    """The state after a merge (Add, Concatenate, ...): the widest receptive field of the branches.

    Undefined when a branch's is, or when branches have different jumps (different strides).
    """
    fields = [s.receptive_field for s in states]
    if any(f is None for f in fields):
        return None
    if any(f == WHOLE_INPUT for f in fields):
        return states[0] if all(f == WHOLE_INPUT for f in fields) else None
    if len({s.jump for s in states}) != 1:
        return None  # branches with different strides: no single receptive field
    widest = tuple(max(f[axis] for f in fields) for axis in range(len(fields[0])))
    return LayerState(states[0].shape, widest, states[0].jump)


def _state_after(layer, kind, parents, in_shape):
    """The receptive-field state after ``layer``, given its parents' states (None: undefined)."""
    if not parents or any(p is None for p in parents):
        return None
    if kind in _MERGE_TYPES:
        return _merge(parents)
    if len(parents) != 1 or kind not in STEPPED_LAYERS:
        return None
    (parent,) = parents
    # Only the receptive field is wanted here (Keras gives the shapes): unknown lengths keep
    # the step from depending on the data format.
    rank = len(in_shape) - 1 if in_shape is not None else len(parent.shape)
    unknown = LayerState((None,) * rank, parent.receptive_field, parent.jump)
    return step_layer(_spec(layer, kind), unknown)


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
        Rows for every layer (input layers included) and totals. Each row's output shape
        is a tuple, as Keras gives it. The parameter totals equal ``model.count_params()``
        and Keras's trainable / non-trainable split.
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
    >>> [(r.name, r.output_shape, r.macs, r.receptive_field) for r in s.rows[1:]]
    [('conv', (None, 26, 26, 8), 48672, '3x3'), ('flat', (None, 5408), 0, '3x3'), ('out', (None, 10), 54080, 'whole input')]
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
            # images only: (batch, height, width, channels)
            state = input_state((None, None, None)) if out_shape is not None and len(out_shape) == 4 else None
        elif shared or inputs is None:
            state = None
        else:
            parents = [states.get(id(t._keras_history.operation)) for t in inputs]
            try:
                state = _state_after(layer, kind, parents, in_shape)
            except (ValueError, TypeError, AttributeError, IndexError):
                state = None
        states[id(layer)] = state
        rows.append(
            LayerRow(
                layer.name,
                kind,
                out_shape,
                trainable,
                non_trainable,
                macs,
                act,
                format_receptive_field(None if state is None else state.receptive_field),
            )
        )
    return ModelSummary(model.name, tuple(rows), batch_size)
