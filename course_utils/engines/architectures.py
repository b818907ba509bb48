"""Classic CNN architectures in the course's layer vocabulary: LeNet-5, VGG16 and ResNet blocks.

Each network is a tuple of layer specs (Keras class names and arguments, as in
:mod:`course_utils.engines.layer_specs`), so :func:`course_utils.engines.layer_specs.layer_table` counts its
parameters, multiply-adds and memory without TensorFlow, and
:func:`course_utils.engines.layer_specs.to_keras` builds it. The tests check every total against
Keras itself: ``keras.applications.VGG16(weights=None)`` and the blocks of
``keras.applications.ResNet50(weights=None)`` (no download).

A residual block is not a plain stack: its input goes through a **main path** and a
**shortcut**, and an ``Add`` layer sums the two (it has no parameters). A block is therefore
counted as two stacks of layer specs plus the add: :func:`block_table`. An empty shortcut is
the identity; when the main path changes the shape, the shortcut needs a 1x1 convolution
(a *projection*) so that the two can be added.

Activations change no shape and no count. LeNet-5 and VGG16 give them as their layers'
``activation`` argument; ResNet applies its ReLUs after ``BatchNormalization``, as layers of
their own, which the block specs leave out.

Examples
--------
>>> from course_utils.engines.layer_specs import layer_table
>>> layer_table(LENET5_INPUT, LENET5).total_params
61706
>>> table = layer_table(VGG16_INPUT, VGG16)
>>> f"{table.total_params:,}"
'138,357,544'
>>> shares = params_by_type(table)
>>> round(shares["Dense"] / table.total_params, 3)
0.894
"""

from __future__ import annotations

from course_utils.core._constraints import Count, Flag, Option, Satisfies, Text, validate_arguments
from course_utils.core._validation import check_int, describe
from course_utils.core.formatting import UNKNOWN
from course_utils.core.params import activation_bytes
from course_utils.engines.layer_specs import INPUT_SHAPE, KERAS_NAME, MAX_LAYERS, layer_table, to_keras
from course_utils.engines.model_summary import LayerRow, ModelSummary

__all__ = [
    "LENET5",
    "LENET5_INPUT",
    "MAX_BLOCKS",
    "RESNET50_HEAD",
    "RESNET50_INPUT",
    "RESNET50_STAGE2_INPUT",
    "RESNET50_STAGES",
    "RESNET50_STEM",
    "VGG16",
    "VGG16_BLOCKS",
    "VGG16_GAP",
    "VGG16_INPUT",
    "basic_block",
    "block_table",
    "block_to_keras",
    "bottleneck_block",
    "params_by_type",
    "resnet_table",
    "vgg_layers",
]

# LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998) as Keras layers: 32x32 grey images, two
# convolution + subsampling stages, a 5x5 convolution that leaves a 1x1 map (C5), then F6 and
# the 10 outputs. The original's subsampling had a learned scale and bias per map, and its C3
# read only some of S2's maps; here every filter reads every map and pooling has no weights.
LENET5_INPUT = (32, 32, 1)
LENET5 = (
    {"type": "Conv2D", "filters": 6, "kernel_size": 5, "activation": "tanh"},  # C1
    {"type": "AveragePooling2D", "pool_size": 2},  # S2
    {"type": "Conv2D", "filters": 16, "kernel_size": 5, "activation": "tanh"},  # C3
    {"type": "AveragePooling2D", "pool_size": 2},  # S4
    {"type": "Conv2D", "filters": 120, "kernel_size": 5, "activation": "tanh"},  # C5: 5x5 kernel, 5x5 map
    {"type": "Flatten"},
    {"type": "Dense", "units": 84, "activation": "tanh"},  # F6
    {"type": "Dense", "units": 10, "activation": "softmax"},  # the 10 digits
)

# VGG16 (Simonyan and Zisserman, 2014), as keras.applications.VGG16 builds it: five blocks of
# 3x3 'same' convolutions, (filters, convolutions) per block, each block ending in 2x2 max pooling.
VGG16_INPUT = (224, 224, 3)
VGG16_BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))

# ResNet50 (He, Zhang, Ren and Sun, 2015) as keras.applications.ResNet50 builds it: a stem (a 7x7
# stride-2 convolution and a 3x3 stride-2 max pooling; Keras pads explicitly with ZeroPadding2D, which
# 'same' padding matches here), four stages of bottleneck blocks, global average pooling and Dense(1000).
RESNET50_INPUT = (224, 224, 3)
RESNET50_STEM = (
    {"type": "Conv2D", "filters": 64, "kernel_size": 7, "strides": 2, "padding": "same"},
    {"type": "BatchNormalization"},
    {"type": "MaxPooling2D", "pool_size": 3, "strides": 2, "padding": "same"},
)
RESNET50_STAGES = ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2))
"""``(filters, blocks, strides)`` per stage: the first block of each stage has the strides and a projection."""
RESNET50_HEAD = (
    {"type": "GlobalAveragePooling2D"},
    {"type": "Dense", "units": 1000, "activation": "softmax"},
)
# The input of ResNet50's second stage, after the stem: where its first bottleneck blocks
# (conv2_block1, ...) start.
RESNET50_STAGE2_INPUT = (56, 56, 64)
MAX_BLOCKS = 100
"""The most residual blocks :func:`resnet_table` counts (ResNet-152 has 50)."""


def _blocks(blocks):
    """The reader of ``vgg_layers``'s ``blocks``: (filters, convolutions) pairs of ints."""
    if isinstance(blocks, (str, bytes, dict)) or not isinstance(blocks, (tuple, list)) or not blocks:
        raise ValueError(
            f"blocks must be a non-empty list of (filters, convolutions) pairs, got {describe(blocks)}."
        )
    if len(blocks) > MAX_LAYERS:
        raise ValueError(
            f"blocks holds {len(blocks):,} blocks, more than a stack of {MAX_LAYERS} layers holds."
        )
    checked = []
    for index, block in enumerate(blocks, start=1):
        if isinstance(block, (str, bytes)) or not isinstance(block, (tuple, list)) or len(block) != 2:
            raise ValueError(
                f"blocks[{index - 1}] must be a (filters, convolutions) pair such as (64, 2), "
                f"got {describe(block)}."
            )
        checked.append(
            (
                check_int(f"blocks[{index - 1}] filters", block[0]),
                check_int(f"blocks[{index - 1}] convolutions", block[1]),
            )
        )
    return checked


def _dense_units(dense_units):
    """The reader of ``vgg_layers``'s ``dense_units``: a list of unit counts."""
    if isinstance(dense_units, (str, bytes, dict)) or not isinstance(dense_units, (tuple, list)):
        raise ValueError(
            f"dense_units must be a list of unit counts such as (4096, 4096), got {describe(dense_units)}."
        )
    if len(dense_units) > MAX_LAYERS:
        raise ValueError(
            f"dense_units holds {len(dense_units):,} layers, more than a stack of {MAX_LAYERS} layers holds."
        )
    return [check_int("dense_units", units) for units in dense_units]


@validate_arguments(
    blocks=Satisfies(
        _blocks,
        "a non-empty list of (filters, convolutions) pairs of integers >= 1",
        valid=((4, 1),),
        invalid=[(), (4, 1), ((4, 0),), ((4, 1, 1),), [(4, 1)] * (MAX_LAYERS + 1)],
    ),
    dense_units=Satisfies(
        _dense_units,
        "a list of unit counts (integers >= 1), possibly empty",
        valid=(),
        invalid=[4, (0,), (4.0,), (4,) * (MAX_LAYERS + 1)],
    ),
    classes=Count(),
    head=Option("flatten", "global_average"),
)
def vgg_layers(blocks=VGG16_BLOCKS, dense_units=(4096, 4096), classes=1000, head="flatten"):
    """The layer specs of a VGG-style network.

    Each block is ``convolutions`` 3x3 ``Conv2D`` layers with ``filters`` filters, 'same'
    padding and ReLU, then a 2x2 ``MaxPooling2D`` that halves the height and width. The head
    is ``Flatten`` (as in VGG16) or ``GlobalAveragePooling2D``, then one ReLU ``Dense`` layer
    per entry of ``dense_units`` and a softmax ``Dense`` layer with ``classes`` units.

    Parameters
    ----------
    blocks : sequence of (int, int), default=VGG16_BLOCKS
        ``(filters, convolutions)`` for each block.
    dense_units : sequence of int, default=(4096, 4096)
        The hidden ``Dense`` layers of the head (may be empty).
    classes : int, default=1000
        Units of the last ``Dense`` layer.
    head : {'flatten', 'global_average'}, default='flatten'
        How the last feature map becomes a vector.

    Returns
    -------
    tuple of dict

    Examples
    --------
    >>> from course_utils.engines.layer_specs import layer_table
    >>> specs = vgg_layers(blocks=((8, 1), (16, 2)), dense_units=(32,), classes=10)
    >>> [spec["type"] for spec in specs]  # doctest: +NORMALIZE_WHITESPACE
    ['Conv2D', 'MaxPooling2D', 'Conv2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'Dense']
    >>> layer_table((32, 32, 3), specs).rows[6].output_shape  # after Flatten: 8 x 8 x 16 values
    (None, 1024)
    >>> vgg_layers(head="average")
    Traceback (most recent call last):
    ...
    ValueError: head must be one of 'flatten', 'global_average', got 'average'.
    """
    count = sum(convolutions + 1 for _, convolutions in blocks) + len(dense_units) + 2
    if count > MAX_LAYERS:
        raise ValueError(
            f"blocks and dense_units make {count:,} layers, more than the {MAX_LAYERS} a stack of specs may have."
        )
    conv = {"type": "Conv2D", "kernel_size": 3, "padding": "same", "activation": "relu"}
    specs = []
    for filters, convolutions in blocks:
        specs += [{**conv, "filters": filters} for _ in range(convolutions)]
        specs.append({"type": "MaxPooling2D", "pool_size": 2})
    specs.append({"type": "Flatten"} if head == "flatten" else {"type": "GlobalAveragePooling2D"})
    specs += [{"type": "Dense", "units": units, "activation": "relu"} for units in dense_units]
    specs.append({"type": "Dense", "units": classes, "activation": "softmax"})
    return tuple(specs)


VGG16 = vgg_layers()
"""VGG16 with its dense head: Flatten, Dense(4096), Dense(4096), Dense(1000)."""
VGG16_GAP = vgg_layers(dense_units=(), head="global_average")
"""VGG16's 13 convolutions, global average pooling, then Dense(1000)."""

BLOCK = {"filters": Count(), "strides": Count(), "projection": Flag()}
"""The arguments :func:`bottleneck_block` and :func:`basic_block` share."""


@validate_arguments(**BLOCK)
def bottleneck_block(filters, strides=1, projection=True):
    """The bottleneck block of ``keras.applications.ResNet50`` (ResNet v1) as layer specs.

    Main path: a 1x1 convolution to ``filters`` channels (with the block's ``strides``), a
    3x3 convolution, and a 1x1 convolution back up to ``4 * filters`` channels, each followed
    by ``BatchNormalization``. Shortcut: the identity, or (``projection=True``) a 1x1
    convolution to ``4 * filters`` channels with the same strides, then ``BatchNormalization``.
    The first block of each ResNet50 stage has a projection, the others the identity.

    Returns
    -------
    dict
        ``{"main": tuple of specs, "shortcut": tuple of specs}``; an empty shortcut is the identity.

    Examples
    --------
    >>> block = bottleneck_block(64)
    >>> [spec["kernel_size"] for spec in block["main"] if spec["type"] == "Conv2D"]
    [1, 3, 1]
    >>> block_table(RESNET50_STAGE2_INPUT, **block).total_params
    76928
    """
    norm = {"type": "BatchNormalization"}
    main = (
        {"type": "Conv2D", "filters": filters, "kernel_size": 1, "strides": strides},
        norm,
        {"type": "Conv2D", "filters": filters, "kernel_size": 3, "padding": "same"},
        norm,
        {"type": "Conv2D", "filters": 4 * filters, "kernel_size": 1},
        norm,
    )
    shortcut = (
        ({"type": "Conv2D", "filters": 4 * filters, "kernel_size": 1, "strides": strides}, norm)
        if projection
        else ()
    )
    return {"main": tuple(dict(spec) for spec in main), "shortcut": tuple(dict(spec) for spec in shortcut)}


@validate_arguments(**BLOCK, use_bias=Flag())
def basic_block(filters, strides=1, projection=False, use_bias=True):
    """The basic block of ResNet-18 and ResNet-34 as layer specs.

    Main path: two 3x3 'same' convolutions with ``filters`` filters (the first with the
    block's ``strides``), each followed by ``BatchNormalization``. Shortcut: the identity, or
    (``projection=True``) a 1x1 convolution with ``filters`` filters and the same strides,
    then ``BatchNormalization``: needed when the block halves the size or changes the channels.

    Returns
    -------
    dict
        ``{"main": tuple of specs, "shortcut": tuple of specs}``.

    Examples
    --------
    >>> block_table((56, 56, 64), **basic_block(64)).total_params
    74368
    >>> block_table((56, 56, 64), **basic_block(128, strides=2))
    Traceback (most recent call last):
    ...
    ValueError: on an input_shape of (56, 56, 64), the main path gives (28, 28, 128) but the shortcut gives (56, 56, 64): Add needs equal shapes. Give the shortcut a 1x1 Conv2D with 128 filters and strides 2 (a projection).
    """
    norm = {"type": "BatchNormalization"}
    conv = {"type": "Conv2D", "filters": filters, "kernel_size": 3, "padding": "same", "use_bias": use_bias}
    main = ({**conv, "strides": strides}, norm, conv, norm)
    shortcut = (
        (
            {
                "type": "Conv2D",
                "filters": filters,
                "kernel_size": 1,
                "strides": strides,
                "use_bias": use_bias,
            },
            norm,
        )
        if projection
        else ()
    )
    return {"main": tuple(dict(spec) for spec in main), "shortcut": tuple(dict(spec) for spec in shortcut)}


def _path(name):
    """The constraint of a residual block's path ``name``: a list of layer specs, as a list."""

    def read(layers):
        if isinstance(layers, (str, bytes, dict)) or not isinstance(layers, (tuple, list)):
            raise ValueError(
                f"{name} must be a list of layer specs (empty for the identity), got {describe(layers)}."
            )
        return list(layers)

    return Satisfies(
        read,
        "a list of layer specs (empty for the identity)",
        valid=lambda: [{"type": "BatchNormalization"}],
        invalid=[{"type": "BatchNormalization"}, "Conv2D"],
    )


PATHS = {"main": _path("main"), "shortcut": _path("shortcut")}
"""The two paths of a residual block (:func:`block_table`, :func:`block_to_keras`)."""


def _area(receptive_field):
    try:
        height, width = (int(n) for n in receptive_field.split("x"))
    except ValueError:
        return None
    return height * width


@validate_arguments(**PATHS, batch_size=Count(), name=Text(), input_shape=INPUT_SHAPE)
def block_table(input_shape, main, shortcut=(), batch_size=32, name="residual block"):
    """Shapes, parameters, MACs and memory of a residual block: main path + shortcut, then Add.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)`` of the block's input, without the batch axis.
    main : list of dict
        The main path's layer specs, as :func:`course_utils.engines.layer_specs.layer_table` reads them.
    shortcut : list of dict, default=()
        The shortcut's layer specs; empty for the identity shortcut.
    batch_size : int, default=32
        For the activation memory column.
    name : str
        Title of the table.

    Returns
    -------
    course_utils.engines.model_summary.ModelSummary
        One row for the input, each main-path layer (``main #1``, ...), each shortcut layer
        (``shortcut #1``, ...) and the ``Add`` (0 parameters, 0 MACs). Its totals are the block's.

    Raises
    ------
    ValueError
        If a layer is not allowed (named as in ``layer_table``), or if the two paths end in
        different shapes, which ``Add`` cannot sum.

    Examples
    --------
    >>> table = block_table((8, 8, 16), [{"type": "Conv2D", "filters": 16, "kernel_size": 3, "padding": "same"}])
    >>> [(row.name, row.output_shape, row.params) for row in table.rows]  # doctest: +NORMALIZE_WHITESPACE
    [('input', (None, 8, 8, 16), 0), ('main #1', (None, 8, 8, 16), 2320), ('add', (None, 8, 8, 16), 0)]
    """
    if not main:
        raise ValueError(
            "main must hold at least one layer: a block whose two paths are both the identity adds its input to itself."
        )
    tables = {}
    for path, layers in (("main", main), ("shortcut", shortcut)):
        try:
            tables[path] = layer_table(input_shape, layers, batch_size=batch_size)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None
    main_out = tables["main"].rows[-1].output_shape
    short_out = tables["shortcut"].rows[-1].output_shape
    if main_out != short_out:
        advice = ""
        if len(main_out) == 4 and len(short_out) == 4 and not shortcut:
            strides = short_out[1] // main_out[1] if main_out[1] and short_out[1] % main_out[1] == 0 else None
            advice = (
                f" Give the shortcut a 1x1 Conv2D with {main_out[3]} filters"
                + (f" and strides {strides}" if strides and strides > 1 else "")
                + " (a projection)."
            )
        raise ValueError(
            f"on an input_shape of {input_shape}, the main path gives {main_out[1:]} but the "
            f"shortcut gives {short_out[1:]}: Add needs equal shapes.{advice}"
        )
    fields = [tables[path].rows[-1].receptive_field for path in ("main", "shortcut")]
    areas = [_area(field) for field in fields]
    widest = UNKNOWN if None in areas else fields[areas.index(max(areas))]
    rows = [tables["main"].rows[0]]
    for path in ("main", "shortcut"):
        rows += [
            LayerRow(
                f"{path} {row.name}",
                row.type,
                row.output_shape,
                row.trainable,
                row.non_trainable,
                row.macs,
                row.activation_bytes,
                row.receptive_field,
            )
            for row in tables[path].rows[1:]
        ]
    rows.append(LayerRow("add", "Add", main_out, 0, 0, 0, activation_bytes(main_out[1:], batch_size), widest))
    return ModelSummary(name, tuple(rows), batch_size)


def _stages(stages):
    """The reader of ``resnet_table``'s ``stages``: (filters, blocks, strides) triples of ints."""
    if isinstance(stages, (str, bytes, dict)) or not isinstance(stages, (tuple, list)) or not stages:
        raise ValueError(
            f"stages must be a non-empty list of (filters, blocks, strides), got {describe(stages)}."
        )
    checked = []
    for index, stage in enumerate(stages):
        if isinstance(stage, (str, bytes)) or not isinstance(stage, (tuple, list)) or len(stage) != 3:
            raise ValueError(
                f"stages[{index}] must be a (filters, blocks, strides) triple such as (64, 3, 1), got {describe(stage)}."
            )
        checked.append(tuple(check_int(f"stages[{index}]", value) for value in stage))
    if sum(blocks for _, blocks, _ in checked) > MAX_BLOCKS:
        raise ValueError(
            f"stages hold {sum(blocks for _, blocks, _ in checked):,} blocks, more than the {MAX_BLOCKS} "
            "resnet_table counts (ResNet-152 has 50)."
        )
    return checked


def _renamed(row, prefix):
    return LayerRow(
        f"{prefix}{row.name}",
        row.type,
        row.output_shape,
        row.trainable,
        row.non_trainable,
        row.macs,
        row.activation_bytes,
        row.receptive_field,
    )


@validate_arguments(
    stages=Satisfies(
        _stages,
        "a non-empty list of (filters, blocks, strides) triples of integers >= 1",
        valid=((2, 1, 1),),
        invalid=[(), (2, 1, 1), ((2, 0, 1),), ((2, 1),), ((2, MAX_BLOCKS + 1, 1),)],
    ),
    batch_size=Count(),
    name=Text(),
    input_shape=INPUT_SHAPE,
)
def resnet_table(stages=RESNET50_STAGES, input_shape=RESNET50_INPUT, batch_size=32, name="ResNet50"):
    """The table of a ResNet built from bottleneck blocks: ResNet50 by default.

    The stem (:data:`RESNET50_STEM`), then for each stage ``(filters, blocks, strides)``
    its blocks (:func:`bottleneck_block`; the first with the strides and a projection, the
    others with the identity), then the head (:data:`RESNET50_HEAD`). Each block is counted by
    :func:`block_table`; its rows are named as Keras names the blocks (``conv2_block1``, ...).

    Parameters
    ----------
    stages : sequence of (int, int, int), default=RESNET50_STAGES
        ``(filters, blocks, strides)`` per stage.
    input_shape : tuple of int, default=RESNET50_INPUT
    batch_size : int, default=32
        For the activation memory column.
    name : str
        Title of the table.

    Returns
    -------
    course_utils.engines.model_summary.ModelSummary

    Examples
    --------
    >>> table = resnet_table()
    >>> f"{table.total_params:,}", table.rows[-1].output_shape
    ('25,636,712', (None, 1000))
    >>> resnet_table(stages=((8, 1, 2),), input_shape=(32, 32, 3)).total_params
    46520
    """
    stem = layer_table(input_shape, RESNET50_STEM, batch_size=batch_size)
    rows = [stem.rows[0], *(_renamed(row, "stem ") for row in stem.rows[1:])]
    shape = stem.rows[-1].output_shape[1:]
    for number, (filters, blocks, strides) in enumerate(stages, start=2):
        for block_number in range(1, blocks + 1):
            first = block_number == 1
            block = bottleneck_block(filters, strides if first else 1, projection=first)
            try:
                table = block_table(shape, **block, batch_size=batch_size)
            except ValueError as error:  # too large, or a map pooled away: say which stage asked for it
                raise ValueError(
                    f"stages[{number - 2}] = {(filters, blocks, strides)}, block {block_number}: {error}"
                ) from None
            rows += [_renamed(row, f"conv{number}_block{block_number} ") for row in table.rows[1:]]
            shape = table.rows[-1].output_shape[1:]
    head = layer_table(shape, RESNET50_HEAD, batch_size=batch_size)
    rows += [_renamed(row, "head ") for row in head.rows[1:]]
    return ModelSummary(name, tuple(rows), batch_size)


@validate_arguments(name=KERAS_NAME, **PATHS, input_shape=INPUT_SHAPE)
def block_to_keras(input_shape, main, shortcut=(), name="residual_block"):
    """Build a residual block as a Keras functional model: ``ReLU(main(x) + shortcut(x))``.

    The main path and the shortcut are built by :func:`course_utils.engines.layer_specs.to_keras`
    (each a nested ``Sequential``; an empty shortcut passes the input on unchanged), then
    ``keras.layers.Add`` sums them and a ``ReLU`` follows, as in ResNet. The ReLUs *inside*
    the main path are left out, as in the specs: they change no count. The model has the
    same parameters as :func:`block_table` counts.

    Examples
    --------
    >>> model = block_to_keras((8, 8, 16), **basic_block(16))
    >>> model.count_params() == block_table((8, 8, 16), **basic_block(16)).total_params
    True
    """
    block_table(input_shape, main, shortcut)  # every check, with the path and layer named
    import keras

    inputs = keras.Input(shape=input_shape)
    main_output = to_keras(input_shape, main, name=f"{name}_main")(inputs)
    shortcut_output = to_keras(input_shape, shortcut, name=f"{name}_shortcut")(inputs) if shortcut else inputs
    added = keras.layers.Add(name=f"{name}_add")([main_output, shortcut_output])
    return keras.Model(inputs, keras.layers.ReLU(name=f"{name}_relu")(added), name=name)


def _summary(summary) -> ModelSummary:
    if not isinstance(summary, ModelSummary):
        raise ValueError(
            f"summary must be a table from layer_table, block_table or summarize, got {describe(summary)}."
        )
    return summary


@validate_arguments(
    summary=Satisfies(
        _summary,
        "a table from layer_table, block_table or summarize",
        valid=lambda: layer_table((2, 2, 1), [{"type": "Flatten"}, {"type": "Dense", "units": 2}]),
        invalid=[{"rows": ()}],
    )
)
def params_by_type(summary) -> dict:
    """Parameters of each layer type in a table, in the order the types first appear.

    Parameters
    ----------
    summary : course_utils.engines.model_summary.ModelSummary
        What :func:`course_utils.engines.layer_specs.layer_table`, :func:`block_table` or
        :func:`course_utils.engines.model_summary.summarize` returns.

    Returns
    -------
    dict
        ``{layer type: parameters}``, trainable and non-trainable together; types without
        parameters are left out.

    Examples
    --------
    >>> from course_utils.engines.layer_specs import layer_table
    >>> params_by_type(layer_table(LENET5_INPUT, LENET5))
    {'Conv2D': 50692, 'Dense': 11014}
    """
    totals = {}
    for row in summary.rows:
        if row.params:
            totals[row.type] = totals.get(row.type, 0) + row.params
    return totals
