"""``summarize(model)``: a per-layer table of parameters, compute, memory and receptive field.

``model.summary()`` shows shapes and parameter counts. :func:`summarize` adds what a
designer needs next: the trainable / non-trainable split per layer, the multiply-adds
(MACs) of one example, the memory of each layer's output for a batch, and the
receptive field. The counts come from the pure formulas of :mod:`course_utils.core.params`
and :mod:`course_utils.core.arithmetic`; the parameter columns come from Keras itself, so
the totals always equal ``model.count_params()``.

Keras is imported only inside :func:`summarize`; importing this module is instant.
The table is drawn by :func:`course_utils.core.formatting.render_table`, as the model builder's is.
Shapes are tuples in the rows, as Keras gives them (``(None, 28, 28, 8)``), and become text
only in the drawn table.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import NamedTuple

from course_utils.core import params as _params
from course_utils.core._constraints import Count, Satisfies, validate_arguments
from course_utils.core.arithmetic import KERAS_ARGUMENTS, STEPPED_LAYERS, LayerState, input_state, step_layer
from course_utils.core.formatting import WHOLE_INPUT, format_count, format_receptive_field, render_table

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


class _Call(NamedTuple):
    """One call of a layer in a model's graph: shapes with the batch axis, and the layers that made its inputs."""

    input_shapes: tuple
    output_shapes: tuple
    parents: tuple


def _keras_graph(model):
    """The layers that make ``model.inputs``, and every call of a layer in ``model``'s own graph.

    Returns ``(input_layers, calls)``: the input layers in the order of ``model.inputs``, and
    ``{id(layer): [_Call, ...]}`` with each layer's calls in this graph, oldest first (a shared
    layer has more than one).

    Keras 3 has no public API for the calls that make a model's graph, so this is the one place
    where the course reads private Keras attributes. ``layer.input`` and ``layer.output`` give a
    layer's first call ever, which can belong to another graph: ``Sequential.add`` builds the model
    again and calls every layer again, and a layer can be called by two models. ``Sequential.layers``
    leaves out the model's ``InputLayer``. So this walks back from ``model.outputs`` as Keras itself
    maps a graph (``keras.src.ops.function.map_graph``; ``model.summary()`` reads the same
    attributes): a tensor's ``_keras_history`` names the layer and the call (node) that made it, and
    ``layer._inbound_nodes[node_index]`` holds that call's tensors. The walk stops at the model's
    inputs. ``tests/test_model_summary.py`` checks it on each supported Keras release.
    """
    inputs = {id(tensor) for tensor in model.inputs}
    input_layers = []
    for tensor in model.inputs:
        if all(layer is not tensor._keras_history.operation for layer in input_layers):
            input_layers.append(tensor._keras_history.operation)
    nodes = {}  # (id(layer), node_index): the call's node
    pending = [*model.inputs, *model.outputs]
    while pending:
        tensor = pending.pop()
        layer, node_index, _ = tensor._keras_history
        if (id(layer), node_index) not in nodes:
            nodes[id(layer), node_index] = layer._inbound_nodes[node_index]
            if id(tensor) not in inputs:
                pending.extend(nodes[id(layer), node_index].input_tensors)
    calls = {}
    for layer_id, node_index in sorted(nodes, key=lambda key: key[1]):
        node = nodes[layer_id, node_index]
        calls.setdefault(layer_id, []).append(
            _Call(
                tuple(tuple(t.shape) for t in node.input_tensors),
                tuple(tuple(t.shape) for t in node.output_tensors),
                tuple(t._keras_history.operation for t in node.input_tensors),
            )
        )
    return input_layers, calls


def _only(shapes):
    """The shape of a call's only tensor, or None when it has several (or none)."""
    return shapes[0] if len(shapes) == 1 else None


def _spec(layer, kind):
    """The layer as a spec (Keras class name and config), as step_layer and layer_macs read it.

    Only the Keras classes that the formulas know (``KERAS_ARGUMENTS``) have their arguments read;
    for any other layer the type is enough (``layer_macs`` knows no formula for it).
    """
    return {**layer.get_config(), "type": kind} if kind in KERAS_ARGUMENTS else {"type": kind}


def _keras_type(layer):
    """The layer's class name when it is that Keras layer class (or a subclass of it), else None.

    A layer of the learner's own, even one named like a Keras layer (``class Dense(keras.layers.Layer)``),
    is not counted with the formulas of the Keras layer.
    """
    import keras

    kind = type(layer).__name__
    keras_class = getattr(keras.layers, kind, None)
    return kind if isinstance(keras_class, type) and isinstance(layer, keras_class) else None


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


def _built_model(model):
    """The reader of ``summarize``'s ``model``: a Keras model whose inputs are known."""
    if not getattr(model, "built", False) or not getattr(model, "inputs", None):
        raise ValueError(
            "model must be a Sequential or functional Keras model whose inputs are known: "
            f"start it with keras.Input(shape=...); got a {type(model).__name__} without them."
        )
    return model


def _small_model():
    import keras

    return keras.Sequential([keras.Input(shape=(6, 6, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten()])


@validate_arguments(
    batch_size=Count(),
    model=Satisfies(
        _built_model,
        "a Sequential or functional Keras model started with keras.Input(shape=...)",
        valid=_small_model,
        invalid=[[]],
    ),
)
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
        whose MACs are not known: a type without a formula (a recurrent layer, a layer of
        one's own) or a layer called more than once in the model (its parameter counts are
        still exact). The receptive field is ``'-'`` where it is not defined.

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
    import keras

    input_layers, calls = _keras_graph(model)
    listed = {id(layer) for layer in model.layers}
    layers = [layer for layer in input_layers if id(layer) not in listed] + list(model.layers)
    states = {}
    rows = []
    for layer in layers:
        kind = type(layer).__name__
        known = _keras_type(layer)
        shared = len(calls[id(layer)]) > 1
        first = calls[id(layer)][0]
        in_shape, out_shape = _only(first.input_shapes), _only(first.output_shapes)
        # parameters: straight from Keras, so totals equal count_params()
        trainable = _weights_size(layer.trainable_weights)
        non_trainable = _weights_size(layer.non_trainable_weights)
        # compute
        if shared:
            macs = None  # called more than once: one row cannot hold a count per call
        elif isinstance(layer, keras.Model) and getattr(layer, "inputs", None):
            # a nested model (e.g. a frozen base for transfer learning): add its layers up
            inner = summarize(layer, batch_size)
            macs = inner.total_macs if inner.macs_complete else None
        elif known is None:
            macs = None  # a layer type without a formula (LSTM, a layer of one's own)
        else:
            macs = _macs(layer, known, in_shape, out_shape)
        # memory of the output for a batch
        act = None
        if out_shape is not None and all(d is not None for d in out_shape[1:]):
            act = _params.activation_bytes(out_shape[1:], batch_size) if len(out_shape) > 1 else None
        # receptive field, following the graph
        if known == "InputLayer":
            # images only: (batch, height, width, channels)
            state = input_state((None, None, None)) if out_shape is not None and len(out_shape) == 4 else None
        elif shared or known is None:
            state = None
        else:
            state = _state_after(layer, known, [states.get(id(parent)) for parent in first.parents], in_shape)
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
