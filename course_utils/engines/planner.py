"""Plan a first CNN from stated rules, and judge any design by the same rules (lesson 09).

:func:`plan_cnn` answers the capstone's question ("100x100 images, 2 classes: how many
layers, how much pooling, dense or sparse, which kernels?") with a procedure, one named
keyword argument per rule:

1. **Stages** of ``convs_per_stage`` convolutions (``kernel_size``, padding ``'same'``,
   ``activation``), each stage ending in a 2x2 max pooling.
2. **Filters** start at ``filters`` and grow ``filters_growth`` times per stage (each pooling
   halves the map, so the work per layer stays about even), at most ``max_filters``.
3. **Poolings**: pool until the feature map's longer side is at most ``target_map[1]`` px,
   never below ``target_map[0]`` px on the shorter side, and at least once.
4. **Receptive field**: if a cell of the final map does not yet see an object
   (``object_size``, default the image's shorter side), add convolutions after the last
   pooling until it does.
5. **Head**: ``head="gap"`` (global average pooling: one number per filter) or
   ``"flatten"`` (every position of every filter), then a hidden ``Dense(dense_units)`` if
   asked, then ``Dropout(dropout)``.
6. **Output**: ``num_classes`` softmax units and sparse categorical cross-entropy; for 2
   classes ``binary_output="sigmoid"`` gives 1 sigmoid unit and binary cross-entropy instead.
7. **Budget**: ``max_params`` is a hard limit (see :data:`BUDGET_RULE`), or a ``ValueError``
   says the smallest budget that works.

Each decision is written in ``plan.reasons`` with the figure behind it. Shapes and
receptive fields come from :func:`course_utils.core.arithmetic.step_layer` (through
:func:`course_utils.engines.layer_specs.layer_states` and :func:`~course_utils.engines.layer_specs.layer_table`),
parameters from :mod:`course_utils.core.params`. :func:`judge_design` applies rules 3, 4, 6 and 7
(and checks that the head gives one vector per image) to any stack of layer specs, and
explains each rule the stack breaks with its own numbers.
Keras is imported only by :meth:`CNNPlan.to_keras`.

Examples
--------
>>> plan = plan_cnn((100, 100, 1), 2)
>>> plan.total_params, plan.final_map, plan.receptive_field
(392449, (6, 6), (110, 110))
>>> plan.loss, plan.output_activation
('binary_crossentropy', 'sigmoid')
>>> print(plan.reasons[0])
4 poolings (2x2 max): 100 -> 50 -> 25 -> 12 -> 6 px, the first size within target_map's 4 to 8 px.
>>> plan_cnn((100, 100, 1), 2, max_params=50_000).total_params <= 50_000
True
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

from course_utils.core import params as _params
from course_utils.core._constraints import Count, Option, OrNone, Real, Satisfies, validate_arguments
from course_utils.core._validation import check_pair, describe
from course_utils.core.arithmetic import pool2d_output_shape, step_layer
from course_utils.core.formatting import format_bytes, format_count, plural
from course_utils.engines.layer_specs import (
    ACTIVATIONS,
    LAYER_TYPES,
    LAYERS,
    MAX_PARAMS,
    _TooLarge,
    check_input_shape,
    layer_states,
    layer_table,
)
from course_utils.engines.layer_specs import to_keras as _to_keras

__all__ = [
    "BUDGET_RULE",
    "CNNPlan",
    "DesignReport",
    "MAX_CLASSES",
    "MAX_CONVS_PER_STAGE",
    "MAX_IMAGE_SIZE",
    "MAX_RECEPTIVE_FIELD_CONVS",
    "MAX_WIDTH",
    "RULES",
    "judge_design",
    "plan_cnn",
]

POOL_SIZE = 2
"""Every stage ends in a ``POOL_SIZE`` x ``POOL_SIZE`` max pooling (strides = pool size, as in Keras)."""
PADDING = "same"
"""The planned convolutions keep the map's size: only the poolings shrink it."""
DEFAULT_DENSE_UNITS = 64
"""The hidden Dense layer of ``head="flatten"`` when ``dense_units`` is None."""
DEFAULT_MIN_FILTERS = 8
"""The narrowest the budget makes a plan when ``min_filters`` is None (or ``max_filters``, if smaller)."""
MAX_IMAGE_SIZE = 2**16
"""The largest image side :func:`plan_cnn` plans for, in px."""
MAX_WIDTH = 2**16
"""The largest ``filters``, ``max_filters``, ``min_filters`` and ``dense_units``."""
MAX_CLASSES = 10**6
"""The most classes :func:`plan_cnn` and :func:`judge_design` accept."""
MAX_CONVS_PER_STAGE = 8
"""The most convolutions one stage may have."""
MAX_RECEPTIVE_FIELD_CONVS = 16
"""The most convolutions the plan adds after the last pooling to cover the objects."""
RULES = ("budget", "final_map", "receptive_field", "head", "output")
"""The rules :func:`judge_design` checks, in the order it reports them."""
BUDGET_RULE = (
    "Over max_params, the plan narrows the filters of every stage (the widest first stage that fits, "
    "down to min_filters); if that is not enough, it also narrows the hidden Dense layer (down to "
    "min_filters units). If even the narrowest plan is over budget, it removes layers, in this order, "
    "until the narrowest plan fits: the convolutions added for the receptive field (one at a time), "
    "then convolutions of every stage (down to one per stage), then whole stages (the last first). "
    "What is left is narrowed as little as the budget requires, by the same two steps."
)
"""How :func:`plan_cnn` fits ``max_params``, in the words its reasons use."""


@dataclass(frozen=True)
class _Output:
    """Rule 6: the output layer (``units`` and ``activation``) and the loss it is trained with."""

    units: int
    activation: str
    loss: str


_BINARY = {
    "sigmoid": _Output(units=1, activation="sigmoid", loss="binary_crossentropy"),
    "softmax": _Output(units=2, activation="softmax", loss="sparse_categorical_crossentropy"),
}
"""The two outputs a 2-class plan may have, by ``binary_output``."""
_LOSS_NAMES = {
    "binary_crossentropy": "binary cross-entropy",
    "sparse_categorical_crossentropy": "sparse categorical cross-entropy",
}


def _px(size) -> str:
    """``(6, 6)`` -> ``'6 px'``; ``(25, 5)`` -> ``'25x5 px'``."""
    height, width = size
    return f"{height} px" if height == width else f"{height}x{width} px"


def _image(input_shape, maximum=None) -> tuple[int, int, int]:
    shape = check_input_shape(input_shape)
    if len(shape) != 3:
        raise ValueError(
            f"input_shape must be (height, width, channels) for a CNN, got {describe(input_shape)}."
        )
    if maximum is not None and max(shape[:2]) > maximum:
        raise ValueError(
            f"input_shape {shape} has a side over {maximum:,} px, the largest image the planner plans for."
        )
    return shape


def _target(target_map) -> tuple[int, int]:
    low, high = check_pair("target_map", target_map, maximum=MAX_IMAGE_SIZE)
    if low > high:
        raise ValueError(
            f"target_map must be (smallest, largest) final map size in px with smallest <= largest, "
            f"got {describe(target_map)}."
        )
    return low, high


COMMON = dict(
    num_classes=Count(2, MAX_CLASSES),
    max_params=OrNone(Count()),
    target_map=Satisfies(
        _target,
        "a (smallest, largest) final map size in px, smallest <= largest",
        valid=(2, 4),
        invalid=[(8, 4), (0, 4), (4, 8, 16), 4.0],
    ),
)
"""The arguments :func:`judge_design` and :func:`plan_cnn` share, after the image."""


def _check_objects(object_size, shape) -> tuple[int, int]:
    if object_size is None:
        side = min(shape[:2])
        return side, side
    size = check_pair("object_size", object_size, maximum=MAX_IMAGE_SIZE)
    if size[0] > shape[0] or size[1] > shape[1]:
        raise ValueError(
            f"object_size must fit in the input_shape {shape} image ({_px(shape[:2])}): an int or a "
            f"(height, width) pair of at most those sizes, got {describe(object_size)}."
        )
    return size


# -- the rules, one function each, shared by plan_cnn and judge_design ---------------------------


def _pooled(size):
    """The map size after one more 2x2 pooling, or None when a side is too small to pool."""
    return None if min(size) < POOL_SIZE else pool2d_output_shape(size, POOL_SIZE)


def _map_problem(final_map, target) -> str | None:
    """Rule 3: the final map is within ``target``, or one more pooling would make it too small."""
    low, high = target
    short, long = min(final_map), max(final_map)
    if short < low:
        return (
            f"the final map is {_px(final_map)}, smaller than target_map's {low} px: it has been "
            f"downsampled too far and the head sees too little of where things are."
        )
    if long > high:
        pooled = _pooled(final_map)
        if pooled is not None and min(pooled) >= low:
            return (
                f"the final map is {_px(final_map)}, larger than target_map's {high} px: one more "
                f"{POOL_SIZE}x{POOL_SIZE} pooling would give {_px(pooled)}."
            )
    return None


def _field_problem(receptive_field, objects) -> str | None:
    """Rule 4: a cell of the final map sees a whole object."""
    if all(seen >= size for seen, size in zip(receptive_field, objects, strict=True)):
        return None
    return (
        f"a cell of the final map sees {_px(receptive_field)} of the input, less than the "
        f"{_px(objects)} objects (object_size): add a stage, or convolutions after the last pooling."
    )


def _output_choice(num_classes, binary_output) -> _Output:
    """Rule 6: the output layer and its loss."""
    if num_classes == 2:
        return _BINARY[binary_output]
    return _Output(units=num_classes, activation="softmax", loss="sparse_categorical_crossentropy")


def _output_problem(last, num_classes) -> tuple[str | None, str | None]:
    """Rule 6 on a design: ``(problem, loss)``; the loss is None when the output is wrong."""
    if num_classes == 2:
        allowed = {(output.units, output.activation): output.loss for output in _BINARY.values()}
        wanted = "1 unit with activation='sigmoid' or 2 units with activation='softmax'"
    else:
        allowed = {(num_classes, "softmax"): "sparse_categorical_crossentropy"}
        wanted = f"{num_classes:,} units with activation='softmax'"
    if last is None or last["type"] != "Dense":
        kind = "no layer" if last is None else f"a {last['type']} layer"
        return f"the stack ends with {kind}, not the output Dense layer: end with {wanted}.", None
    units, activation = last["units"], last["activation"]
    loss = allowed.get((units, activation))
    if loss is None:
        return (
            f"the output layer is Dense({units}, activation={activation!r}), which does not give "
            f"{num_classes:,} class probabilities: for {num_classes:,} classes use {wanted}."
        ), None
    return None, loss


# -- judging any design --------------------------------------------------------------------------


@dataclass(frozen=True)
class DesignReport:
    """What :func:`judge_design` finds: the facts of a design and the rules it breaks.

    Attributes
    ----------
    table : course_utils.engines.model_summary.ModelSummary
        The per-layer table (output shape, parameters, MACs, activation memory, receptive field).
    final_map : tuple of int
        ``(height, width)`` of the last feature map before the head.
    receptive_field : tuple of int
        Input pixels a cell of that map sees, ``(height, width)``.
    loss : str or None
        The Keras loss the output layer calls for, None when the output breaks rule "output".
    broken : dict
        ``{rule: sentence}`` for each rule of :data:`RULES` the design breaks, in that order.
    """

    input_shape: tuple
    num_classes: int
    layers: list
    table: object
    final_map: tuple
    receptive_field: tuple
    loss: str | None
    max_params: int | None
    target_map: tuple
    object_size: tuple
    broken: dict

    @property
    def total_params(self) -> int:
        return self.table.total_params

    @property
    def total_macs(self) -> int:
        return self.table.total_macs

    @property
    def ok(self) -> bool:
        """True when the design breaks no rule."""
        return not self.broken

    @property
    def problems(self) -> list:
        """The sentences of :attr:`broken`, in rule order."""
        return list(self.broken.values())

    def summary(self) -> str:
        """One sentence of facts: parameters, final map and receptive field."""
        return (
            f"{self.total_params:,} params, final map {_px(self.final_map)}, "
            f"receptive field {_px(self.receptive_field)}"
        )

    def __str__(self):
        lines = [self.summary() + "."]
        lines += [f"- breaks rule {rule!r}: {text}" for rule, text in self.broken.items()]
        return "\n".join(lines if self.broken else lines + ["It breaks no rule."])

    __repr__ = __str__


@validate_arguments(
    input_shape=Satisfies(
        _image, "(height, width, channels)", valid=(8, 8, 1), invalid=[(8,), (8, 8), (0, 8, 1), "881"]
    ),
    **COMMON,
    layers=LAYERS,
)
def judge_design(input_shape, num_classes, layers, max_params=None, target_map=(4, 8), object_size=None):
    """Judge any stack of layer specs by the planner's rules.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``.
    num_classes : int
        At least 2.
    layers : list of dict
        Layer specs (see :mod:`course_utils.engines.layer_specs`), output layer included.
    max_params : int or None
        The budget (rule "budget"); None: no budget.
    target_map : (int, int)
        Smallest and largest size of the final map, in px (rule "final_map"): the final map's
        shorter side must be at least the first; its longer side at most the second, unless one
        more 2x2 pooling would bring the shorter side under the first.
    object_size : int, (int, int) or None
        The objects' size in px (rule "receptive_field"); None: the image's shorter side.

    Returns
    -------
    DesignReport
        Facts and ``broken``, a ``{rule: sentence}`` dict that explains each rule of
        :data:`RULES` the design breaks with its own numbers ("head": the output is one
        vector per image; "output": the last layer is a Dense layer whose units and
        activation give the class probabilities).

    Raises
    ------
    ValueError
        For bad arguments, or a stack that cannot be built (naming the layer).

    Examples
    --------
    >>> design = [{"type": "Conv2D", "filters": 8, "kernel_size": 3, "padding": "same"},
    ...           {"type": "MaxPooling2D", "pool_size": 2},
    ...           {"type": "Flatten"},
    ...           {"type": "Dense", "units": 2, "activation": "softmax"}]
    >>> report = judge_design((32, 32, 1), 2, design, max_params=10_000)
    >>> report.summary()
    '4,178 params, final map 16 px, receptive field 4 px'
    >>> for rule, sentence in report.broken.items():
    ...     print(rule, "|", sentence)
    final_map | the final map is 16 px, larger than target_map's 8 px: one more 2x2 pooling would give 8 px.
    receptive_field | a cell of the final map sees 4 px of the input, less than the 32 px objects (object_size): add a stage, or convolutions after the last pooling.
    >>> report.loss
    'sparse_categorical_crossentropy'
    """
    shape, target = input_shape, target_map
    objects = _check_objects(object_size, shape)
    table = layer_table(shape, layers, name="design")
    states = layer_states(shape, layers)
    final = [state for state in states if len(state.shape) == 3][-1]
    final_map, receptive_field = final.shape[:2], final.receptive_field
    broken = {}
    if max_params is not None and table.total_params > max_params:
        largest = max(table.rows[1:], key=lambda row: row.params)
        broken["budget"] = (
            f"{table.total_params:,} params is over max_params={max_params:,} by "
            f"{table.total_params - max_params:,}; the largest layer is {largest.name} "
            f"({largest.type}) with {largest.params:,}."
        )
    problem = _map_problem(final_map, target)
    if problem:
        broken["final_map"] = problem
    problem = _field_problem(receptive_field, objects)
    if problem:
        broken["receptive_field"] = problem
    output_shape = states[-1].shape
    if len(output_shape) != 1:
        broken["head"] = (
            f"the output is {output_shape} per image, not one vector: put Flatten or "
            f"GlobalAveragePooling2D before the Dense layers."
        )
    last = {**LAYER_TYPES[layers[-1]["type"]], **layers[-1]} if layers else None
    problem, loss = _output_problem(last, num_classes)
    if problem:
        broken["output"] = problem
    return DesignReport(
        input_shape=shape,
        num_classes=num_classes,
        layers=list(layers),
        table=table,
        final_map=tuple(final_map),
        receptive_field=tuple(receptive_field),
        loss=loss if "head" not in broken else None,
        max_params=max_params,
        target_map=target,
        object_size=objects,
        broken=broken,
    )


# -- planning ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rules:
    """The checked arguments of one :func:`plan_cnn` call: the input, the rules and the budget."""

    shape: tuple
    num_classes: int
    kernel_size: tuple
    activation: str | None
    filters_growth: int
    max_filters: int
    min_filters: int
    target_map: tuple
    object_size: tuple
    head: str
    dropout: float
    output: _Output
    max_params: int | None


@dataclass(frozen=True)
class _Shape:
    """What the budget may change: poolings, convolutions per stage, convolutions for the
    receptive field, first-stage filters and hidden Dense units (0: none)."""

    poolings: int
    convs_per_stage: int
    extra_convs: int
    filters: int
    dense_units: int


@dataclass(frozen=True)
class _Candidate:
    """A shape the budget tried at the narrowest widths, and its parameters (infinity: too many to hold)."""

    shape: _Shape
    params: int | float


@dataclass(frozen=True)
class _Fit:
    """What :data:`BUDGET_RULE` made of the full plan: the shape that fits ``max_params``, and the
    candidates tried on the way, in the order the rule removes layers (none when the full plan fits)."""

    shape: _Shape
    tried: tuple = ()


def _widths(rules, shape):
    """The filters of each stage: ``filters`` growing ``filters_growth`` times per stage, capped."""
    return [
        min(shape.filters * rules.filters_growth**stage, rules.max_filters) for stage in range(shape.poolings)
    ]


def _conv(rules, filters):
    return {
        "type": "Conv2D",
        "filters": filters,
        "kernel_size": rules.kernel_size
        if rules.kernel_size[0] != rules.kernel_size[1]
        else rules.kernel_size[0],
        "padding": PADDING,
        "activation": rules.activation,
    }


def _body(rules, shape):
    """Stages (convolutions, then a pooling), then the convolutions added for the receptive field."""
    widths = _widths(rules, shape)
    layers = []
    for width in widths:
        layers += [_conv(rules, width) for _ in range(shape.convs_per_stage)]
        layers.append({"type": "MaxPooling2D", "pool_size": POOL_SIZE})
    layers += [_conv(rules, widths[-1]) for _ in range(shape.extra_convs)]
    return layers


def _head(rules, shape):
    layers = [{"type": "GlobalAveragePooling2D"} if rules.head == "gap" else {"type": "Flatten"}]
    if shape.dense_units:
        layers.append({"type": "Dense", "units": shape.dense_units, "activation": rules.activation})
    if rules.dropout:
        layers.append({"type": "Dropout", "rate": rules.dropout})
    layers.append({"type": "Dense", "units": rules.output.units, "activation": rules.output.activation})
    return layers


def _layers(rules, shape):
    return _body(rules, shape) + _head(rules, shape)


def _count(rules, shape) -> int | float:
    """Parameters of a candidate plan (:func:`~course_utils.engines.layer_specs.layer_table` counts them);
    infinity for a plan beyond what a stack of specs may hold (``MAX_PARAMS``, ``MAX_VALUES``)."""
    try:
        return layer_table(rules.shape, _layers(rules, shape)).total_params
    except _TooLarge:
        return math.inf


def _count_text(count) -> str:
    return f"{count:,}" if count != math.inf else f"over {MAX_PARAMS:,}"


def _fields_only(shape):
    """The same layers at 1 filter and no hidden Dense layer: the receptive fields, without their weights."""
    return replace(shape, filters=1, dense_units=0)


def _poolings(shape, target) -> list:
    """Rule 3: the map sizes, input first, pooling until the longer side is at most target[1]
    (at least once), never below target[0] on the shorter side."""
    low, high = target
    sizes = [tuple(shape[:2])]
    while len(sizes) == 1 or max(sizes[-1]) > high:
        pooled = _pooled(sizes[-1])
        if pooled is None or min(pooled) < low:
            break
        sizes.append(pooled)
    if len(sizes) == 1:
        pooled = _pooled(sizes[0])
        leaves = "nothing" if pooled is None else _px(pooled)
        raise ValueError(
            f"input_shape {shape} is too small for one stage: a {POOL_SIZE}x{POOL_SIZE} pooling would "
            f"leave {leaves}, below target_map's {low} px. Give an image of at least "
            f"{POOL_SIZE * low}x{POOL_SIZE * low} px, or a smaller target_map."
        )
    return sizes


def _extra_convs(rules, poolings, convs_per_stage) -> int:
    """Rule 4: how many convolutions after the last pooling make the receptive field cover the objects."""
    probe = _Shape(
        poolings=poolings, convs_per_stage=convs_per_stage, extra_convs=0, filters=1, dense_units=0
    )
    state = layer_states(rules.shape, _body(rules, probe))[-1]
    for added in range(MAX_RECEPTIVE_FIELD_CONVS + 1):
        if all(seen >= size for seen, size in zip(state.receptive_field, rules.object_size, strict=True)):
            return added
        if added < MAX_RECEPTIVE_FIELD_CONVS:
            state = step_layer(_conv(rules, 1), state)
    raise ValueError(
        f"object_size {_px(rules.object_size)} needs more than {MAX_RECEPTIVE_FIELD_CONVS} convolutions after the "
        f"last pooling: with these rules a cell of the final map sees at most {_px(state.receptive_field)}. "
        f"Give object_size at most that, a larger kernel_size, more convs_per_stage or a smaller target_map."
    )


def _largest(low, high, fits) -> int:
    """The largest n in [low, high] with fits(n), given fits(low) and fits decreasing in n."""
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _fit(rules, full) -> _Fit:
    """Apply BUDGET_RULE: the shape that fits ``rules.max_params``, and the candidates tried at the
    narrowest widths."""
    min_filters, max_params = rules.min_filters, rules.max_params
    if max_params is None:
        return _Fit(shape=full)
    narrow = replace(
        full, filters=min(full.filters, min_filters), dense_units=min(full.dense_units, min_filters)
    )
    # in the order BUDGET_RULE removes layers: receptive-field convolutions, convolutions per stage, stages
    cuts = [replace(narrow, extra_convs=extra) for extra in range(full.extra_convs, -1, -1)]
    cuts += [
        replace(narrow, convs_per_stage=convs, extra_convs=0)
        for convs in range(full.convs_per_stage - 1, 0, -1)
    ]
    cuts += [
        replace(narrow, poolings=poolings, convs_per_stage=1, extra_convs=0)
        for poolings in range(full.poolings - 1, 0, -1)
    ]
    tried = []
    for shape in cuts:
        tried.append(_Candidate(shape=shape, params=_count(rules, shape)))
        if tried[-1].params <= max_params:
            break
    else:
        smallest = min(candidate.params for candidate in tried)
        if smallest == math.inf:
            raise ValueError(
                f"min_filters={min_filters} makes even the smallest plan these rules allow hold more than "
                f"{MAX_PARAMS:,} params, more than a laptop can hold: give a smaller min_filters."
            )
        raise ValueError(
            f"max_params={max_params:,} is too small: the smallest plan these rules allow has "
            f"{smallest:,} params (min_filters={min_filters}), so the smallest budget that works is "
            f"{smallest:,}."
        )

    def fits(**changes):
        return _count(rules, replace(shape, **changes)) <= max_params

    if fits(filters=full.filters, dense_units=full.dense_units):
        filters, dense = full.filters, full.dense_units
    elif fits(dense_units=full.dense_units):
        dense = full.dense_units
        filters = _largest(shape.filters, full.filters, lambda f: fits(filters=f, dense_units=dense))
    else:
        filters = shape.filters
        dense = _largest(shape.dense_units, full.dense_units, lambda u: fits(dense_units=u))
    return _Fit(shape=replace(shape, filters=filters, dense_units=dense), tried=tuple(tried))


@dataclass(frozen=True)
class CNNPlan:
    """A planned CNN (from :func:`plan_cnn`): its layer specs, table and the reasons behind them.

    Attributes
    ----------
    layers : list of dict
        Layer specs in the vocabulary of :mod:`course_utils.engines.layer_specs`.
    table : course_utils.engines.model_summary.ModelSummary
        Output shape, parameters, MACs, activation memory and receptive field of each layer;
        an HTML table in Jupyter, text with ``print``.
    reasons : list of str
        One sentence per decision, with the figure behind it.
    loss, output_activation : str
        The Keras loss to compile with, and the output layer's activation.
    final_map, receptive_field : tuple of int
        ``(height, width)`` of the last feature map before the head, and the input pixels
        one of its cells sees.
    filters : tuple of int
        The filters of each stage.
    broken : dict
        ``{rule: sentence}``: the rules of :data:`RULES` that ``max_params`` made the plan
        break (see :func:`judge_design`); empty when the plan keeps every rule.
    """

    input_shape: tuple
    num_classes: int
    max_params: int | None
    layers: list
    table: object
    reasons: list
    loss: str
    output_activation: str
    final_map: tuple
    receptive_field: tuple
    filters: tuple
    broken: dict

    @property
    def total_params(self) -> int:
        return self.table.total_params

    @property
    def total_macs(self) -> int:
        return self.table.total_macs

    def to_keras(self, name="planned_cnn"):
        """The uncompiled Keras ``Sequential`` model; ``count_params()`` equals :attr:`total_params`.

        Compile it with ``loss=plan.loss`` and ``metrics=["accuracy"]``.
        """
        return _to_keras(self.input_shape, self.layers, name=name)

    def _title(self):
        return (
            f"CNN plan for {self.input_shape} images, {self.num_classes} classes: "
            f"{self.total_params:,} params, loss {self.loss!r}"
        )

    def __str__(self):
        return "\n".join([self._title(), *(f"- {reason}" for reason in self.reasons), "", str(self.table)])

    __repr__ = __str__

    def _repr_html_(self):
        import html

        items = "".join(f"<li>{html.escape(reason)}</li>" for reason in self.reasons)
        return f"<div><b>{html.escape(self._title())}</b><ul>{items}</ul>{self.table._repr_html_()}</div>"


@validate_arguments(
    input_shape=Satisfies(
        functools.partial(_image, maximum=MAX_IMAGE_SIZE),
        f"(height, width, channels) with sides of at most {MAX_IMAGE_SIZE:,} px",
        valid=(32, 32, 3),
        invalid=[(8,), (8, 8), (0, 8, 1), "881", (MAX_IMAGE_SIZE + 1, 8, 1)],
    ),
    **COMMON,
    convs_per_stage=Count(1, MAX_CONVS_PER_STAGE),
    filters=Count(1, MAX_WIDTH),
    filters_growth=Count(1, MAX_WIDTH),
    max_filters=Count(1, MAX_WIDTH),
    min_filters=OrNone(Count(1, MAX_WIDTH)),
    activation=Option(*(a for a in ACTIVATIONS if a is not None)),
    head=Option("gap", "flatten"),
    dense_units=OrNone(Count(0, MAX_WIDTH)),
    dropout=Real(0, 1, max_inclusive=False),
    binary_output=Option(*_BINARY),
)
def plan_cnn(
    input_shape,
    num_classes,
    max_params=None,
    *,
    kernel_size=3,
    convs_per_stage=1,
    filters=16,
    filters_growth=2,
    max_filters=256,
    min_filters=None,
    target_map=(4, 8),
    object_size=None,
    activation="relu",
    head="gap",
    dense_units=None,
    dropout=0.25,
    binary_output="sigmoid",
):
    """Plan a first CNN for an image classification task, from stated rules.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``, each side at most :data:`MAX_IMAGE_SIZE`.
    num_classes : int
        From 2 to :data:`MAX_CLASSES`.
    max_params : int or None
        A hard budget of parameters, applied by :data:`BUDGET_RULE`; None: no budget.
    kernel_size : int or (int, int), default=3
        The convolutions' kernel (at least 2: a 1x1 kernel does not widen the view).
    convs_per_stage : int, default=1
        Convolutions before each pooling, at most :data:`MAX_CONVS_PER_STAGE`.
    filters : int, default=16
        Filters of the first stage.
    filters_growth : int, default=2
        Each stage has this many times the filters of the one before ...
    max_filters : int, default=256
        ... up to this many.
    min_filters : int or None
        The narrowest the budget may make the first stage and the hidden Dense layer, at most
        ``max_filters``. None: 8 (:data:`DEFAULT_MIN_FILTERS`), or ``max_filters`` if smaller.
    target_map : (int, int), default=(4, 8)
        Pool until the final map's longer side is at most ``target_map[1]`` px, never taking
        the shorter side below ``target_map[0]`` px.
    object_size : int, (int, int) or None
        The size of the objects in px: the final map's receptive field must cover them.
        None: the image's shorter side (the largest square object the image holds).
    activation : str, default="relu"
        Of the convolutions and the hidden Dense layer (a Keras activation name).
    head : {"gap", "flatten"}, default="gap"
        Global average pooling (one number per filter, no weights) or Flatten (every position).
    dense_units : int or None
        Units of a hidden Dense layer in the head (0: none). None: 64 with ``"flatten"``,
        none with ``"gap"``.
    dropout : float, default=0.25
        Dropout rate before the output layer (0: no Dropout layer).
    binary_output : {"sigmoid", "softmax"}, default="sigmoid"
        For 2 classes: 1 sigmoid unit with binary cross-entropy, or 2 softmax units with
        sparse categorical cross-entropy. Not used with more classes.

    Returns
    -------
    CNNPlan

    Raises
    ------
    ValueError
        For a bad argument, an image too small for one stage, objects no stack of these rules
        covers, or a ``max_params`` under the smallest budget that works (the message gives it).

    Examples
    --------
    >>> plan = plan_cnn((100, 100, 1), 2)
    >>> [layer["type"] for layer in plan.layers][:4]
    ['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D']
    >>> plan.filters, plan.total_params
    ((16, 32, 64, 128), 392449)
    >>> for reason in plan.reasons[1:]:
    ...     print(reason)
    Each stage: 1 3x3 convolution (padding 'same', activation 'relu'), then a 2x2 max pooling; filters 16, growing 2x per stage: 16, 32, 64, 128.
    Receptive field 46 px after the last pooling, less than the 100 px objects: 2 more 3x3 convolutions at 6 px (128 filters) make it 110 px.
    Head 'gap': global average pooling gives 128 features with no weights; 'flatten' would give 4,608 (a Dense(64) on them: 294,976 params).
    Dropout 0.25 before the output layer.
    2 classes: 1 sigmoid unit with binary cross-entropy (129 params); binary_output='softmax' gives 2 softmax units with sparse categorical cross-entropy (258 params) and the same probabilities.
    Total: 392,449 params (1.5 MiB as float32), 45,713,792 multiply-adds per image.

    A budget narrows the filters first; here even 8 filters are too many, so the two
    convolutions added for the receptive field go, and the plan says which rule it breaks:

    >>> small = plan_cnn((100, 100, 1), 2, max_params=50_000)
    >>> small.filters, small.total_params, small.receptive_field
    ((11, 22, 44, 88), 46091, (46, 46))
    >>> print(small.reasons[-1])
    Budget max_params=50,000 (BUDGET_RULE): the full plan has 392,449 params; narrowed to min_filters=8 it still has 98,305; so it loses 2 convolutions for the receptive field (24,449 params at min_filters); filters 11 instead of 16: 46,091 params.
    >>> list(small.broken)
    ['receptive_field']
    >>> plan_cnn((100, 100, 1), 2, max_params=80)
    Traceback (most recent call last):
    ...
    ValueError: max_params=80 is too small: the smallest plan these rules allow has 89 params (min_filters=8), so the smallest budget that works is 89.
    """
    shape, target = input_shape, target_map
    sizes = _poolings(shape, target)  # the image must hold one stage
    kernel = check_pair("kernel_size", kernel_size, minimum=2, maximum=MAX_IMAGE_SIZE)
    if kernel[0] > shape[0] or kernel[1] > shape[1]:
        raise ValueError(
            f"kernel_size must fit in the input_shape {shape} image ({_px(shape[:2])}), "
            f"got {describe(kernel_size)}."
        )
    if min_filters is None:
        min_filters = min(DEFAULT_MIN_FILTERS, max_filters)
    if min_filters > max_filters:
        raise ValueError(
            f"min_filters={min_filters} is over max_filters={max_filters}: the budget could never narrow a "
            "stage to min_filters; give min_filters at most max_filters."
        )
    objects = _check_objects(object_size, shape)
    if dense_units is None:
        dense_units = DEFAULT_DENSE_UNITS if head == "flatten" else 0
    rules = _Rules(
        shape=shape,
        num_classes=num_classes,
        kernel_size=kernel,
        activation=activation,
        filters_growth=filters_growth,
        max_filters=max_filters,
        min_filters=min_filters,
        target_map=target,
        object_size=objects,
        head=head,
        dropout=dropout,
        output=_output_choice(num_classes, binary_output),
        max_params=max_params,
    )

    poolings = len(sizes) - 1
    full = _Shape(
        poolings=poolings,
        convs_per_stage=convs_per_stage,
        extra_convs=_extra_convs(rules, poolings, convs_per_stage),
        filters=min(filters, max_filters),
        dense_units=dense_units,
    )
    if max_params is None and _count(rules, full) == math.inf:
        raise ValueError(
            f"filters={filters} (growing {filters_growth}x per stage up to max_filters={max_filters}, "
            f"{convs_per_stage} convolution(s) per stage) and dense_units={dense_units} make a plan of more "
            f"than {MAX_PARAMS:,} params (8 GiB of float32), more than a laptop can hold: ask for fewer "
            "filters, or give a max_params budget."
        )
    fit = _fit(rules, full)
    layers = _layers(rules, fit.shape)
    report = judge_design(
        shape, num_classes, layers, max_params=max_params, target_map=target, object_size=objects
    )
    decisions = _Decisions(rules=rules, sizes=sizes, full=full, fit=fit, report=report)
    return CNNPlan(
        input_shape=shape,
        num_classes=num_classes,
        max_params=max_params,
        layers=layers,
        table=layer_table(shape, layers, name="planned_cnn"),
        reasons=_reasons(decisions),
        loss=rules.output.loss,
        output_activation=rules.output.activation,
        final_map=report.final_map,
        receptive_field=report.receptive_field,
        filters=tuple(decisions.widths),
        broken=report.broken,
    )


# -- the reasons -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Decisions:
    """What one :func:`plan_cnn` call decided, for its reasons to explain."""

    rules: _Rules
    sizes: list  # rule 3: the map sizes the poolings go through, input first
    full: _Shape  # the plan before the budget
    fit: _Fit  # what the budget made of it
    report: DesignReport  # the planned layers, judged by the rules

    @property
    def shape(self) -> _Shape:
        """The planned shape (the full one when it is within the budget)."""
        return self.fit.shape

    @property
    def widths(self) -> list:
        return _widths(self.rules, self.shape)

    @property
    def kernel(self) -> str:
        return f"{self.rules.kernel_size[0]}x{self.rules.kernel_size[1]}"

    @property
    def features(self) -> int:
        """What the output layer reads: the hidden Dense layer's units, or what the head gives."""
        final_map, channels = self.report.final_map, self.widths[-1]
        return self.shape.dense_units or (
            channels if self.rules.head == "gap" else final_map[0] * final_map[1] * channels
        )


def _pooling_reason(decisions):
    """Rule 3, with the sizes the map goes through."""
    shape, full, sizes = decisions.shape, decisions.full, decisions.sizes
    low, high = decisions.rules.target_map
    used = sizes[: shape.poolings + 1]
    path = " -> ".join(_px(size).removesuffix(" px") for size in used)
    text = f"{plural(shape.poolings, 'pooling')} ({POOL_SIZE}x{POOL_SIZE} max): {path} px"
    if shape.poolings < full.poolings:
        return f"{text}: the budget removed {full.poolings - shape.poolings} of the {full.poolings} stages."
    if max(sizes[0]) <= high:
        return f"{text}: the image is within target_map's {high} px already, and every plan has one stage."
    if max(used[-1]) <= high:
        return f"{text}, the first size within target_map's {low} to {high} px."
    pooled = _pooled(used[-1])
    if pooled is None:
        why = f"the shorter side, {min(used[-1])} px, is too small for one more pooling"
    else:
        why = f"one more pooling would leave the shorter side {min(pooled)} px, below {low} px"
    return f"{text}: the longer side stays over target_map's {high} px because {why}."


def _stage_reason(decisions):
    """Rules 1 and 2: what a stage is, and the filters of each."""
    rules, shape, widths = decisions.rules, decisions.shape, decisions.widths
    capped = any(width == rules.max_filters for width in widths[1:])
    return (
        f"Each stage: {plural(shape.convs_per_stage, decisions.kernel + ' convolution')} (padding '{PADDING}', "
        f"activation '{rules.activation}'), then a {POOL_SIZE}x{POOL_SIZE} max pooling; filters {widths[0]}, "
        f"growing {rules.filters_growth}x per stage"
        + (f" (at most max_filters={rules.max_filters})" if capped else "")
        + f": {', '.join(map(str, widths))}."
    )


def _field_reason(decisions):
    """Rule 4: the receptive field, and the convolutions added (or removed by the budget) for it."""
    rules, shape, full = decisions.rules, decisions.shape, decisions.full
    objects, seen = rules.object_size, decisions.report.receptive_field
    states = layer_states(rules.shape, _body(rules, _fields_only(shape)))
    after_pooling = states[len(states) - 1 - shape.extra_convs].receptive_field
    text = f"Receptive field {_px(after_pooling)} after the last pooling"
    if all(field >= size for field, size in zip(after_pooling, objects, strict=True)):
        return f"{text}: it covers the {_px(objects)} objects."
    text += f", less than the {_px(objects)} objects"
    if shape.extra_convs:
        text += (
            f": {shape.extra_convs} more {decisions.kernel} convolution{'s' if shape.extra_convs != 1 else ''} "
            f"at {_px(decisions.report.final_map)} ({decisions.widths[-1]} filters) "
            f"make{'s' if shape.extra_convs == 1 else ''} it {_px(seen)}"
        )
    if any(field < size for field, size in zip(seen, objects, strict=True)):
        covered = layer_states(rules.shape, _body(rules, _fields_only(full)))[-1].receptive_field
        text += f"; the layers that gave the full plan {_px(covered)} are over budget"
    return text + "."


def _head_reason(decisions):
    """Rule 5: global average pooling or flatten, with what each costs here."""
    rules, shape, full = decisions.rules, decisions.shape, decisions.full
    final_map, channels = decisions.report.final_map, decisions.widths[-1]
    flat = final_map[0] * final_map[1] * channels
    units = shape.dense_units or DEFAULT_DENSE_UNITS
    if rules.head == "gap":
        text = (
            f"Head 'gap': global average pooling gives {channels:,} features with no weights; 'flatten' "
            f"would give {flat:,} (a Dense({units}) on them: {_params.dense_params(flat, units):,} params)"
        )
    else:
        text = (
            f"Head 'flatten': {final_map[0]}x{final_map[1]} positions x {channels:,} filters give {flat:,} features "
            f"(a Dense({units}) on them: {_params.dense_params(flat, units):,} params); 'gap' would give "
            f"{channels:,} (a Dense({units}) on them: {_params.dense_params(channels, units):,})"
        )
    if shape.dense_units and rules.head == "gap":
        text += f"; then Dense({shape.dense_units}) ({_params.dense_params(channels, shape.dense_units):,})"
    elif not shape.dense_units and rules.head == "flatten":
        text += "; no hidden Dense layer (dense_units=0)"
    if shape.dense_units < full.dense_units:
        text += f"; the budget narrowed the hidden Dense from {full.dense_units} units"
    return text + "."


def _output_reason(decisions):
    """Rule 6: the output layer and its loss, with the other choice for 2 classes."""
    rules, features = decisions.rules, decisions.features
    output = rules.output
    if rules.num_classes > 2:
        return (
            f"{rules.num_classes:,} classes: {output.units:,} softmax units with {_LOSS_NAMES[output.loss]} (integer "
            f"labels 0 to {rules.num_classes - 1:,}; {_params.dense_params(features, output.units):,} params)."
        )
    other = _BINARY["softmax" if output.activation == "sigmoid" else "sigmoid"]
    return (
        f"2 classes: {plural(output.units, output.activation + ' unit')} with {_LOSS_NAMES[output.loss]} "
        f"({_params.dense_params(features, output.units):,} params); binary_output='{other.activation}' gives "
        f"{plural(other.units, other.activation + ' unit')} with {_LOSS_NAMES[other.loss]} "
        f"({_params.dense_params(features, other.units):,} params) and the same probabilities."
    )


def _budget_reason(decisions):
    """Rule 7: how the plan meets max_params (BUDGET_RULE), with the counts on the way."""
    rules, full, shape, tried = decisions.rules, decisions.full, decisions.shape, decisions.fit.tried
    max_params, total = rules.max_params, decisions.report.total_params
    if shape == full:
        return (
            f"Budget: {total:,} params, within max_params={max_params:,} ({max_params - total:,} to spare)."
        )
    clauses = [f"the full plan has {_count_text(_count(rules, full))} params"]
    if len(tried) > 1:
        clauses.append(
            f"narrowed to min_filters={rules.min_filters} it still has {_count_text(tried[0].params)}"
        )
        removed = []
        if shape.extra_convs < full.extra_convs:
            removed.append(
                plural(full.extra_convs - shape.extra_convs, "convolution") + " for the receptive field"
            )
        if shape.convs_per_stage < full.convs_per_stage:
            removed.append(plural(full.convs_per_stage - shape.convs_per_stage, "convolution") + " per stage")
        if shape.poolings < full.poolings:
            removed.append(plural(full.poolings - shape.poolings, "stage"))
        clauses.append(f"so it loses {' and '.join(removed)} ({tried[-1].params:,} params at min_filters)")
    narrowed = []
    if shape.filters != full.filters:
        narrowed.append(f"filters {shape.filters} instead of {full.filters}")
    if shape.dense_units != full.dense_units:
        narrowed.append(f"Dense units {shape.dense_units} instead of {full.dense_units}")
    if narrowed:
        clauses.append(" and ".join(narrowed))
    return f"Budget max_params={max_params:,} (BUDGET_RULE): " + "; ".join(clauses) + f": {total:,} params."


def _reasons(decisions):
    """One sentence per rule, in the order of the module's docstring, with the figure behind it."""
    rules, report = decisions.rules, decisions.report
    total = report.total_params
    reasons = [
        _pooling_reason(decisions),
        _stage_reason(decisions),
        _field_reason(decisions),
        _head_reason(decisions),
        f"Dropout {rules.dropout:g} before the output layer." if rules.dropout else "No dropout (dropout=0).",
        _output_reason(decisions),
        f"Total: {total:,} params ({format_bytes(_params.weights_bytes(total))} as float32), "
        f"{format_count(report.total_macs)} multiply-adds per image.",
    ]
    if rules.max_params is not None:
        reasons.append(_budget_reason(decisions))
    return reasons
