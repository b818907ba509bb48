"""Layer specs: a CNN written as a list of dicts, its table of shapes and counts, and its Keras model.

A layer spec is a dict with a Keras layer class as ``type`` and Keras argument names, e.g.
``{"type": "Conv2D", "filters": 32, "kernel_size": 3, "padding": "same", "activation": "relu"}``. :func:`layer_table`
steps through the specs with :func:`course_utils.core.arithmetic.step_layer` and counts with
:mod:`course_utils.core.params`, so it answers instantly and never imports TensorFlow;
:func:`to_keras` builds the same model in Keras, and the tests check that both agree on every
shape and count. The model builder widget and lesson 04's checkers read specs through here.

Examples
--------
>>> specs = [{"type": "Conv2D", "filters": 32, "kernel_size": 3, "padding": "same"},
...          {"type": "MaxPooling2D", "pool_size": 2},
...          {"type": "Flatten"},
...          {"type": "Dense", "units": 10}]
>>> table = layer_table((28, 28, 1), specs)
>>> [(r.type, r.output_shape, r.params) for r in table.rows[1:]]
[('Conv2D', (None, 28, 28, 32), 320), ('MaxPooling2D', (None, 14, 14, 32), 0), \
('Flatten', (None, 6272), 0), ('Dense', (None, 10), 62730)]
>>> table.total_params
63050
"""

from __future__ import annotations

from math import prod

from course_utils.core import params as _params
from course_utils.core._constraints import Count, Satisfies, Text, validate_arguments
from course_utils.core._validation import (
    check_bool,
    check_int,
    check_option,
    check_padding,
    check_real,
    describe,
)
from course_utils.core.arithmetic import KERAS_ARGUMENTS, input_state, step_layer
from course_utils.core.formatting import format_receptive_field
from course_utils.engines.model_summary import LayerRow, ModelSummary

__all__ = [
    "ACTIVATIONS",
    "LAYER_TYPES",
    "MAX_KERAS_PARAMS",
    "MAX_LAYERS",
    "MAX_PARAMS",
    "MAX_VALUES",
    "MNIST_CNN",
    "MNIST_INPUT",
    "POOL_TYPES",
    "check_input_shape",
    "describe_spec",
    "layer_states",
    "layer_table",
    "to_keras",
]

# A small CNN for 28x28 grey images (MNIST), in Keras 3 form: the model builder's starting
# model, and the model of lesson 04's exercises.
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

ACTIVATIONS = (
    None, "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "mish",
    "tanh", "sigmoid", "hard_sigmoid", "softmax", "log_softmax", "softplus", "softsign", "exponential",
)  # fmt: skip
"""The values a spec's ``activation`` takes: Keras activation names, and None (Keras's default:
no activation, as ``"linear"``). An activation changes no shape and no count."""

# For each supported type: its arguments and their defaults (Keras names and defaults).
LAYER_TYPES = {
    "Conv2D": {
        "filters": 32,
        "kernel_size": 3,
        "strides": 1,
        "padding": "valid",
        "dilation_rate": 1,
        "use_bias": True,
        "activation": None,
    },
    "DepthwiseConv2D": {
        "kernel_size": 3,
        "strides": 1,
        "padding": "valid",
        "depth_multiplier": 1,
        "use_bias": True,
        "activation": None,
    },
    "SeparableConv2D": {
        "filters": 32,
        "kernel_size": 3,
        "strides": 1,
        "padding": "valid",
        "depth_multiplier": 1,
        "use_bias": True,
        "activation": None,
    },
    "MaxPooling2D": {"pool_size": 2, "strides": None, "padding": "valid"},
    "AveragePooling2D": {"pool_size": 2, "strides": None, "padding": "valid"},
    "GlobalAveragePooling2D": {},
    "BatchNormalization": {},
    "Dropout": {"rate": 0.5},
    "Flatten": {},
    "Dense": {"units": 64, "use_bias": True, "activation": None},
}
POOL_TYPES = ("MaxPooling2D", "AveragePooling2D")
"""The pooling types of ``LAYER_TYPES``: their ``strides`` default to their ``pool_size``."""

MAX_LAYERS = 200
"""The most layer specs one stack may have (:func:`to_keras` builds 200 in about a second)."""
MAX_VALUES = 2**31
"""The most values the input, or one layer's output, may hold for one example: 8 GiB as float32,
more than a laptop can hold for one image."""
MAX_PARAMS = 2**31
"""The most parameters a stack of specs may have: 8 GiB of float32 weights, more than a laptop can hold."""
MAX_KERAS_PARAMS = 50_000_000
"""The most parameters :func:`to_keras` builds: 200 MB of float32 weights, made in under a second
(Keras fills every weight with random numbers, and needs several times that memory meanwhile)."""


def _gib(values: int) -> str:
    return f"{values * 4 / 2**30:,.1f} GiB as float32"


class _TooLarge(ValueError):
    """A stack beyond ``MAX_LAYERS``, ``MAX_VALUES`` or ``MAX_PARAMS`` (the planner narrows such plans)."""


def _input_shape(input_shape) -> tuple[int, ...]:
    """The reader of :data:`INPUT_SHAPE`."""
    if (
        isinstance(input_shape, (str, bytes))
        or not isinstance(input_shape, (tuple, list))
        or len(input_shape) not in (1, 3)
    ):
        raise ValueError(
            f"input_shape must be (height, width, channels) or (features,), got {describe(input_shape)}."
        )
    shape = tuple(check_int("input_shape", d) for d in input_shape)
    if prod(shape) > MAX_VALUES:
        raise _TooLarge(
            f"input_shape {shape} holds {prod(shape):,} values per example ({_gib(prod(shape))}), more than "
            f"the {MAX_VALUES:,} one example may hold: no laptop holds such an image."
        )
    return shape


INPUT_SHAPE = Satisfies(
    _input_shape,
    "(height, width, channels) or (features,), of at most MAX_VALUES values",
    valid=(8, 8, 1),
    invalid=[(8, 8), (8, 8, 1, 1), (0, 8, 1), (8.0, 8, 1), "881", (10**6, 10**6, 1)],
)
"""The shape of one example, without the batch axis: the helpers that step through layers share it."""


@validate_arguments(input_shape=INPUT_SHAPE)
def check_input_shape(input_shape) -> tuple[int, ...]:
    """Return ``input_shape`` as a tuple of ints: ``(height, width, channels)`` or ``(features,)``.

    At most ``MAX_VALUES`` values in all.

    Examples
    --------
    >>> check_input_shape([28, 28, 1])
    (28, 28, 1)
    """
    return input_shape


def _layer_list(layers) -> list:
    """The reader of :data:`LAYERS`: a list (or tuple) of at most ``MAX_LAYERS`` specs, as a list."""
    if isinstance(layers, (str, bytes)) or not isinstance(layers, (list, tuple)):
        raise ValueError(f"layers must be a list of layer dicts, got {describe(layers)}.")
    if len(layers) > MAX_LAYERS:
        raise _TooLarge(
            f"layers holds {len(layers):,} layer specs, more than the {MAX_LAYERS} a stack may have."
        )
    return list(layers)


LAYERS = Satisfies(
    _layer_list,
    "a list of at most MAX_LAYERS layer dicts",
    valid=lambda: [{"type": "Flatten"}, {"type": "Dense", "units": 2}],
    invalid=[{"type": "Flatten"}, "Flatten"],
)
"""A stack of layer specs (each is checked as the stack is stepped through)."""


def _keras_name(name) -> str:
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"name must be a non-empty string without '/', got {describe(name)}.")
    return name


KERAS_NAME = Satisfies(
    _keras_name, "a non-empty string without '/' (a Keras model's name)", valid="net", invalid=["", "a/b", 3]
)
"""A name Keras takes for a model."""


def _full_spec(index, spec):
    """Return the spec with Keras defaults filled in, after checking its type and arguments."""
    if not isinstance(spec, dict) or "type" not in spec:
        raise ValueError(f"layer {index} of layers must be a dict with a 'type' key, got {describe(spec)}.")
    kind = spec["type"]
    if not isinstance(kind, str) or kind not in LAYER_TYPES:
        raise ValueError(
            f"layer {index}: type must be one of {', '.join(LAYER_TYPES)}, got {describe(kind)}."
        )
    allowed = LAYER_TYPES[kind]
    unknown = sorted(set(spec) - set(allowed) - {"type"}, key=str)
    keras_only = [key for key in unknown if key in KERAS_ARGUMENTS[kind]]
    if keras_only:  # Keras takes it, and layer_params counts it, but the builder's vocabulary does not
        raise ValueError(
            f"layer {index} ({kind}): {keras_only[0]} is an argument of Keras's {kind} that layer tables "
            f"do not take; they take {', '.join(sorted(allowed))}."
        )
    if unknown:
        raise ValueError(
            f"layer {index} ({kind}): unknown argument(s) {unknown}; allowed: {sorted(allowed)}."
        )
    full = {**allowed, **spec}
    try:
        if "padding" in full:  # Keras layers take the two strings only, in any case
            full["padding"] = check_padding(full["padding"], allow_int=False)
        if "use_bias" in full:
            full["use_bias"] = check_bool("use_bias", full["use_bias"])
        if "rate" in full:
            full["rate"] = check_real("rate", full["rate"], 0, 1, max_inclusive=False)
        if "activation" in full:
            full["activation"] = check_option("activation", full["activation"], ACTIVATIONS)
    except ValueError as error:
        raise ValueError(f"layer {index} ({kind}): {error}") from None
    return full


def _spec_dict(spec) -> dict:
    if not isinstance(spec, dict):
        raise ValueError(f"spec must be a layer dict such as {{'type': 'Flatten'}}, got {describe(spec)}.")
    return spec


@validate_arguments(
    spec=Satisfies(_spec_dict, "a layer dict", valid=lambda: {"type": "Flatten"}, invalid=[[]])
)
def describe_spec(spec):
    """A short one-line description of a layer spec, as the model builder lists it.

    Examples
    --------
    >>> describe_spec({"type": "Conv2D", "filters": 64, "kernel_size": 3, "padding": "same"})
    'Conv2D(filters=64, kernel_size=3, padding=same)'
    >>> describe_spec({"type": "Flatten"})
    'Flatten()'
    """
    args = ", ".join(f"{k}={v}" for k, v in spec.items() if k != "type")
    return f"{spec.get('type', '?')}({args})"


def _needs_spatial_hint(index, message):
    """After a Flatten, Dense or global pooling there is no spatial input left: say so."""
    if "needs a" not in message:
        return message
    if index == 1:
        return message + " Give input_shape as (height, width, channels)."
    return (
        message + " A convolution or pooling cannot come after Flatten, Dense on a vector or global pooling."
    )


def _steps(input_shape, layers):
    """Step through the specs (``input_shape`` and ``layers`` read by :data:`INPUT_SHAPE` and
    :data:`LAYERS`): the input shape, and per layer its full spec (checked), the state after it, its
    trainable and non-trainable parameters and its MACs."""
    shape = input_shape
    state = input_state(shape)
    steps = []
    total = 0
    for index, spec in enumerate(layers, start=1):
        full = _full_spec(index, spec)
        try:
            new = step_layer(full, state)
            values = prod(n for n in new.shape if n is not None)
            if values > MAX_VALUES:
                raise _TooLarge(
                    f"its output {new.shape} holds {values:,} values per example ({_gib(values)}), more than "
                    f"the {MAX_VALUES:,} one example may hold."
                )
            trainable, non_trainable = _params.layer_params(full, state.shape)
            total += trainable + non_trainable
            if total > MAX_PARAMS:
                raise _TooLarge(
                    f"it brings the stack to {total:,} params ({_gib(total)}), more than the {MAX_PARAMS:,} "
                    "a laptop can hold."
                )
            macs = _params.layer_macs(full, state.shape, new.shape)
        except ValueError as error:  # the same kind of error, with the layer named
            raise type(error)(
                f"layer {index} ({full['type']}): {_needs_spatial_hint(index, str(error))}"
            ) from None
        state = new
        steps.append((full, state, trainable, non_trainable, macs))
    return shape, steps


@validate_arguments(input_shape=INPUT_SHAPE, layers=LAYERS)
def layer_states(input_shape, layers):
    """The state (shape, receptive field, jump) of the input and after each layer spec.

    The specs are checked as :func:`layer_table` checks them; each state comes from
    :func:`course_utils.core.arithmetic.step_layer`.

    Returns
    -------
    list of course_utils.core.arithmetic.LayerState
        ``len(layers) + 1`` states: the input's first.

    Examples
    --------
    >>> states = layer_states((28, 28, 1), [{"type": "Conv2D", "filters": 8, "padding": "same"},
    ...                                     {"type": "MaxPooling2D"}])
    >>> [(s.shape, s.receptive_field) for s in states]
    [((28, 28, 1), (1, 1)), ((28, 28, 8), (3, 3)), ((14, 14, 8), (4, 4))]
    """
    shape, steps = _steps(input_shape, layers)
    return [input_state(shape), *(state for _, state, *_ in steps)]


@validate_arguments(batch_size=Count(), name=Text(), input_shape=INPUT_SHAPE, layers=LAYERS)
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
    course_utils.engines.model_summary.ModelSummary
        The same table as :func:`course_utils.engines.model_summary.summarize` gives for the
        Keras model (:func:`to_keras`), computed without Keras.

    Raises
    ------
    ValueError
        Naming the layer (counted from 1) whose arguments are not allowed, whose output
        would be empty or hold more than ``MAX_VALUES`` values, or that brings the stack
        over ``MAX_PARAMS`` parameters; or when ``layers`` holds more than ``MAX_LAYERS``.

    Examples
    --------
    >>> layer_table((4, 4, 1), [{"type": "Conv2D", "kernel_size": 5}])
    Traceback (most recent call last):
    ...
    ValueError: layer 1 (Conv2D): the kernel (kernel_size=5, dilation_rate=1) covers 5 positions but the padded input has only 4 (input_length=4, padding=0 on each side): the output would be empty.
    """
    shape, steps = _steps(input_shape, layers)
    rows = [
        LayerRow(
            name="input",
            type="InputLayer",
            output_shape=(None, *shape),
            trainable=0,
            non_trainable=0,
            macs=0,
            activation_bytes=_params.activation_bytes(shape, batch_size),
            receptive_field=format_receptive_field(input_state(shape).receptive_field),
        )
    ]
    for index, (full, state, trainable, non_trainable, macs) in enumerate(steps, start=1):
        rows.append(
            LayerRow(
                name=f"#{index}",
                type=full["type"],
                output_shape=(None, *state.shape),
                trainable=trainable,
                non_trainable=non_trainable,
                macs=macs,
                activation_bytes=_params.activation_bytes(state.shape, batch_size),
                receptive_field=format_receptive_field(state.receptive_field),
            )
        )
    return ModelSummary(name, tuple(rows), batch_size)


@validate_arguments(name=KERAS_NAME, input_shape=INPUT_SHAPE, layers=LAYERS)
def to_keras(input_shape, layers, name="builder"):
    """Build the Keras ``Sequential`` model that a list of layer specs describes.

    The specs are checked as :func:`layer_table` checks them before Keras sees them, so
    an error names the layer (counted from 1) and its type; an error that Keras still
    raises is reported with the layer too. A model of more than ``MAX_KERAS_PARAMS``
    parameters is refused before Keras allocates anything.

    Examples
    --------
    >>> model = to_keras((28, 28, 1), [{"type": "Conv2D", "filters": 8, "activation": "relu"},
    ...                                {"type": "Flatten"}])
    >>> model.count_params()
    80
    >>> model.layers[0].activation.__name__
    'relu'
    >>> to_keras((28, 28, 1), [{"type": "Flatten"}, {"type": "Conv2D"}])
    Traceback (most recent call last):
    ...
    ValueError: layer 2 (Conv2D): Conv2D needs a (height, width, channels) input, got (784,). ...
    """
    total = layer_table(input_shape, layers, name=name).total_params  # every check, with the layer named
    if total > MAX_KERAS_PARAMS:
        raise ValueError(
            f"layers make a model of {total:,} params, more than the {MAX_KERAS_PARAMS:,} that to_keras builds "
            "(Keras would fill each with a random number, taking seconds and gigabytes): make the layers "
            "narrower, or count them with layer_table."
        )
    import keras

    keras_layers = []
    for index, spec in enumerate(layers, start=1):
        full = _full_spec(index, spec)
        kind = full.pop("type")
        try:
            keras_layers.append(getattr(keras.layers, kind)(**full))
        except Exception as error:  # Keras's own words, with the layer they are about
            raise ValueError(f"layer {index} ({kind}): {error}") from error
    return keras.Sequential([keras.Input(shape=input_shape), *keras_layers], name=name)
