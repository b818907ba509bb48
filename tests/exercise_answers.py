"""The right answer of every exercise, worked out here, independently of the checkers (for the tests).

A checker computes its expected value with the course's helpers; a test that took that value
from the checker could never find it wrong. Here each answer is worked out again from the
exercise's settings (the checker module's upper-case constants, which the exercise notebook
prints): by hand, with the formula written out below, by finite differences, with SciPy or
scikit-learn, or from the stored runs' per-image results. Nothing here calls a checker or the
course helper a checker calls (``course_utils.core.arithmetic``, ``params``, ``metrics``,
``reference_ops``, ``kernel_learning``, ``planner``...). ``tests/test_checker_feedback.py``
checks that each checker expects exactly these values and accepts them in every form, and
``test_exercise_keras_agrees`` checks the counts and formulas again with Keras.

``ANSWERS`` maps each value checker to its right answer: a number (an ``int`` for a count, a
``Fraction`` for an exact share, a ``float`` otherwise), an array or tuple, or the option (a
``str``) of a multiple-choice exercise. ``Z_ANSWERS`` gives, for an answer computed with the z of
a 95% interval, the formula in z: the answer in ``ANSWERS`` uses z = 1.96, as the lessons write
it, and the full-precision z must be right too. ``REFERENCES`` maps each function exercise to a
function written here that does what the exercise asks.
"""

from __future__ import annotations

import json
import math
import statistics
from fractions import Fraction
from pathlib import Path
from statistics import NormalDist

import numpy as np
from scipy import signal
from sklearn import metrics as skm

from course_utils.checks import capstone as c09
from course_utils.checks import convolution_arithmetic as c01
from course_utils.checks import metrics as c06
from course_utils.checks import overfitting as c07
from course_utils.checks import padding_and_stride as c02
from course_utils.checks import parameter_counting as c04
from course_utils.checks import pooling as c03
from course_utils.checks import regularization as c08
from course_utils.checks import training as c05

CORPUS_FILE = Path(__file__).parent / "data" / "diagnosis_corpus.json"
"""Real runs, each labelled by two readers (see tests/test_diagnosis_corpus.py)."""
Z_TYPED = 1.96
"""The z of a 95% interval as the lessons write it."""
Z_EXACT = NormalDist().inv_cdf(0.975)
"""The z of a 95% interval to full precision."""


# --- the arithmetic of sizes, fields and counts, written out ----------------------------------
def conv_length(input_length, kernel_size, strides=1, padding=0, dilation_rate=1):
    """A convolution's output length: ``padding`` is P zeros on each side, 'valid' or 'same'."""
    if padding == "same":
        return math.ceil(input_length / strides)
    extent = dilation_rate * (kernel_size - 1) + 1
    zeros = 0 if padding == "valid" else padding
    return (input_length + 2 * zeros - extent) // strides + 1


def pool_length(input_length, pool_size, strides=None, padding="valid"):
    """A pooling's output length (Keras: strides default to the pool size)."""
    return conv_length(input_length, pool_size, strides or pool_size, padding)


def stack_lengths(width, layers):
    """The length after each of the lessons' ``{"type": "conv" or "pool", ...}`` layers."""
    lengths = []
    for layer in layers:
        if layer["type"] == "conv":
            width = conv_length(
                width, layer["kernel_size"], layer.get("strides", 1), layer.get("padding", "valid")
            )
        else:
            width = pool_length(
                width, layer["pool_size"], layer.get("strides"), layer.get("padding", "valid")
            )
        lengths.append(width)
    return lengths


def stack_length(width, layers):
    return stack_lengths(width, layers)[-1]


def keras_stack(input_shape, specs):
    """``(parameters, receptive field of the last feature map, output shape per image)`` of Keras
    layer specs: Conv2D, MaxPooling2D, GlobalAveragePooling2D, Flatten, Dense, Dropout and
    BatchNormalization (4 values per channel)."""
    shape, params, field, jump, last_field = tuple(input_shape), 0, 1, 1, None
    for spec in specs:
        kind = spec["type"]
        if kind in ("Conv2D", "MaxPooling2D"):
            size = spec["kernel_size"] if kind == "Conv2D" else spec["pool_size"]
            strides = spec.get("strides") or (1 if kind == "Conv2D" else size)
            sides = [conv_length(side, size, strides, spec.get("padding", "valid")) for side in shape[:2]]
            channels = shape[2]
            if kind == "Conv2D":
                params += conv_params(size, channels, spec["filters"], spec.get("use_bias", True))
                channels = spec["filters"]
            field, jump = field + (size - 1) * jump, jump * strides
            shape, last_field = (*sides, channels), field
        elif kind == "GlobalAveragePooling2D":
            shape = (shape[2],)
        elif kind == "Flatten":
            shape = (math.prod(shape),)
        elif kind == "Dense":
            params += dense_params(shape[-1], spec["units"], spec.get("use_bias", True))
            shape = (spec["units"],)
        elif kind == "BatchNormalization":
            params += 4 * shape[-1]
        elif kind != "Dropout":
            raise ValueError(f"keras_stack does not know {kind}")
    return params, last_field, shape


def receptive_field(kernels_and_strides):
    """The receptive field after layers of ``(kernel_size, strides)``: each adds (k - 1) * jump."""
    field, jump = 1, 1
    for kernel_size, strides in kernels_and_strides:
        field += (kernel_size - 1) * jump
        jump *= strides
    return field


def conv_params(kernel_size, in_channels, filters, use_bias=True):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return kh * kw * in_channels * filters + (filters if use_bias else 0)


def dense_params(features, units, use_bias=True):
    return features * units + (units if use_bias else 0)


def correlate_valid(images, kernel):
    """Keras's 'valid' cross-correlation of each image (last two axes) with a 2-D kernel."""
    images, kernel = np.asarray(images, dtype=float), np.asarray(kernel, dtype=float)
    windows = np.lib.stride_tricks.sliding_window_view(images, kernel.shape, axis=(-2, -1))
    return np.einsum("...ij,ij->...", windows, kernel)


def mean_squared_error_gradient(images, kernel, targets, step=1e-3):
    """The gradient of the mean squared error of ``correlate_valid`` by central differences, which
    are exact for a quadratic (up to rounding)."""
    kernel = np.asarray(kernel, dtype=float)

    def loss(weights):
        return np.mean((correlate_valid(images, weights) - np.asarray(targets, dtype=float)) ** 2)

    gradient = np.zeros_like(kernel)
    for index in np.ndindex(kernel.shape):
        nudge = np.zeros_like(kernel)
        nudge[index] = step
        gradient[index] = (loss(kernel + nudge) - loss(kernel - nudge)) / (2 * step)
    return gradient


def softmax(logits):
    z = np.asarray(logits, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def keras_stopping_epoch(values, patience):
    """The epoch (from 1) at which ``EarlyStopping(monitor, patience)`` stops on a loss, as Keras
    counts: ``wait`` grows at each epoch without improvement, and training stops when it reaches
    ``patience``; None when the run ends first."""
    best, wait = math.inf, 0
    for epoch, value in enumerate(values, start=1):
        if value < best:
            best, wait = value, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch
    return None


def planner_poolings(side, low=4, high=8):
    """The planner's rule 3 for a square image: 2x2 poolings until the side is at most ``high``
    (at least one), never below ``low``."""
    count = 0
    while count == 0 or side > high:
        if side < 2 or side // 2 < low:
            break
        side, count = side // 2, count + 1
    return count


def stored_correct(run, part="validation"):
    """The stored run's right (True) and wrong answers on ``part``'s canvases, canvas by canvas."""
    bits = np.unpackbits(np.frombuffer(bytes.fromhex(run[part]["correct"]), dtype=np.uint8))
    return bits[: run[part]["images"]].astype(bool)


def stored_run(group, name):
    """One stored design's runs, one per seed, read from the results file itself."""
    results = json.loads(c09.RESULTS_FILE.read_text(encoding="utf-8"))
    runs = [run for run in results["runs"].values() if (run["group"], run["name"]) == (group, name)]
    return sorted(runs, key=lambda run: run["seed"])


def paired_interval(right_a, right_b, z=Z_TYPED):
    """B's accuracy minus A's on the same images, and the half-width of its interval:
    ``z * sqrt(b + c - (b - c)**2 / n) / n`` with ``b`` (``c``) the images only A (only B) gets right."""
    right_a, right_b = np.asarray(right_a, dtype=bool), np.asarray(right_b, dtype=bool)
    n, b, c = right_a.size, int(np.sum(right_a & ~right_b)), int(np.sum(~right_a & right_b))
    return (c - b) / n, z * math.sqrt(b + c - (b - c) ** 2 / n) / n


def seeds_gain(runs_a, runs_b, comparisons=1):
    """B's mean accuracy over its seeds minus A's, by hand on the same validation canvases: the gain, the
    half-width of its 95% interval over the canvases (widened for ``comparisons``, Bonferroni) and the
    larger of the two seed spreads."""
    d = np.mean([stored_correct(r) for r in runs_b], axis=0) - np.mean(
        [stored_correct(r) for r in runs_a], axis=0
    )
    z = statistics.NormalDist().inv_cdf(1 - 0.05 / comparisons / 2)
    spread = max(np.std([r["validation"]["accuracy"] for r in runs], ddof=1) for runs in (runs_a, runs_b))
    return float(d.mean()), z * float(d.std()) / math.sqrt(d.size), float(spread)


def differ(runs_a, runs_b):
    """'yes' when the paired interval over the seeds leaves out 0 and the gap exceeds both seed spreads."""
    gain, half_width, spread = seeds_gain(runs_a, runs_b)
    return "yes" if abs(gain) > half_width and abs(gain) > spread else "no"


# --- lesson 01 ----------------------------------------------------------------------------------
_LAYER = c01.LAYER
_H, _W, _C = _LAYER["input_shape"]
_K, _F = _LAYER["kernel_size"], _LAYER["filters"]

# --- lesson 02 ----------------------------------------------------------------------------------
_SP = c02.SAME_PADDING
_SAME_OUT = math.ceil(_SP["input_length"] / _SP["strides"])
_SAME_TOTAL = max((_SAME_OUT - 1) * _SP["strides"] + _SP["kernel_size"] - _SP["input_length"], 0)


# --- lesson 03 ----------------------------------------------------------------------------------
def _stages(input_length, pool_size, min_length):
    stages = 0
    while pool_length(input_length, pool_size) >= min_length:
        input_length, stages = pool_length(input_length, pool_size), stages + 1
    return stages


# --- lesson 04 ----------------------------------------------------------------------------------
def _cnn_params(input_shape, specs):
    """Parameters of each Conv2D and Dense layer of a stack of 'same' convolutions, 2x2 poolings,
    Flatten and Dense layers."""
    (height, width, channels), counts = input_shape, []
    for spec in specs:
        if spec["type"] == "Conv2D":
            counts.append(("Conv2D", conv_params(spec["kernel_size"], channels, spec["filters"])))
            channels = spec["filters"]
        elif spec["type"] == "MaxPooling2D":
            height, width = height // spec["pool_size"], width // spec["pool_size"]
        elif spec["type"] == "Flatten":
            channels, height, width = height * width * channels, 1, 1
        elif spec["type"] == "Dense":
            counts.append(("Dense", dense_params(channels, spec["units"])))
            channels = spec["units"]
    return counts


_CNN = _cnn_params(c04.EXERCISE_INPUT, c04.EXERCISE_CNN)
_VGG = _cnn_params(
    c04.VGG_INPUT,
    [
        spec
        for filters, convs in c04.VGG_BLOCKS
        for spec in [{"type": "Conv2D", "filters": filters, "kernel_size": 3}] * convs
        + [{"type": "MaxPooling2D", "pool_size": 2}]
    ]
    + [{"type": "Flatten"}]
    + [{"type": "Dense", "units": units} for units in (*c04.VGG_DENSE_UNITS, c04.VGG_CLASSES)],
)
_BN_CHANNELS = c04.BATCH_NORM_INPUT[2]
_BOTTLENECK = c04.BOTTLENECK
_BOTTLENECK_POSITIONS = _BOTTLENECK["input_shape"][0] * _BOTTLENECK["input_shape"][1]
_ACT = c04.ACTIVATION_LAYER
_ACT_SIDES = [
    conv_length(side, _ACT["kernel_size"], padding=_ACT["padding"]) for side in _ACT["input_shape"][:2]
]
_SEPARABLE = c04.SEPARABLE_LAYER
_RESIDUAL_IN, _RESIDUAL_OUT = c04.RESIDUAL_INPUT[2], c04.RESIDUAL_BLOCK["main"][0]["filters"]

# --- lesson 05 ----------------------------------------------------------------------------------
_CMP = c05.COMPARISON
_PLAN = c05.TEST_SET_PLAN


def _difference_half_width(z):
    b, c, n = _CMP["only_a"], _CMP["only_b"], _CMP["n"]
    return z * math.sqrt(b + c - (b - c) ** 2 / n) / n


def _test_set_size(z):
    p, h = _PLAN["accuracy"], _PLAN["half_width"]
    return math.ceil((z / h) ** 2 * p * (1 - p))


_P1 = softmax(c05.TWO_CLASS_LOGITS)[1]

# --- lesson 06 ----------------------------------------------------------------------------------
_EX = c06.EXERCISE_COUNTS
_RARE = c06.RARE_DISEASE_COUNTS

# --- lesson 07 ----------------------------------------------------------------------------------
_H07 = c07.EXERCISE_HISTORY
_BEST_07 = int(np.argmin(_H07["val_loss"])) + 1


def _gap(epoch):
    train, val = _H07["loss"][epoch - 1], _H07["val_loss"][epoch - 1]
    return (val - train) / val


def _error_bar(z):
    p, n = c07.ERROR_BAR_ACCURACY, c07.ERROR_BAR_IMAGES
    return z * math.sqrt(p * (1 - p) / n)


def clinic_readings():
    """``{run: (verdicts both readers give, verdicts either reader gives)}`` for each run of the clinic,
    from the diagnoser's corpus (``tests/data/diagnosis_corpus.json``): two readers labelled each run
    from its numbers and curves, without the diagnoser."""
    corpus = json.loads(CORPUS_FILE.read_text(encoding="utf-8"))["runs"]
    by_history = {json.dumps(run["history"], sort_keys=True): run["readings"] for run in corpus}
    readings = {}
    for name, history in c07.clinic().items():
        verdicts = [
            set(reading["verdicts"]) for reading in by_history[json.dumps(history, sort_keys=True)].values()
        ]
        readings[name] = (set.intersection(*verdicts), set.union(*verdicts))
    return readings


# --- lesson 08 ----------------------------------------------------------------------------------
_BN = c08.BN

# --- lesson 09 ----------------------------------------------------------------------------------
# The default plan for a HEAD_IMAGE_SIZE-px grey image pools it (rule 3) and doubles 16 filters per stage
# (rule 2, at most 256 filters); Flatten then reads every position of every filter of the final map.
_HEAD_POOLINGS = planner_poolings(c09.HEAD_IMAGE_SIZE)
_HEAD_SIDE = c09.HEAD_IMAGE_SIZE // 2**_HEAD_POOLINGS
_HEAD_FILTERS = min(16 * 2 ** (_HEAD_POOLINGS - 1), 256)
(_GROUP_A, _NAME_A), (_GROUP_B, _NAME_B) = c09.COMPARED_RUNS
_RUNS_A, _RUNS_B = stored_run(_GROUP_A, _NAME_A), stored_run(_GROUP_B, _NAME_B)


def _stored_half_width(z):
    right = stored_correct(_RUNS_A[0])  # the first design's first seed, from its canvases
    p = float(np.mean(right))
    return z * math.sqrt(p * (1 - p) / right.size)


ANSWERS = {
    # lesson 01: a window times the kernel, element by element (Keras does not flip the kernel)
    c01.check_window_value: float(np.sum(c01.WINDOW * c01.KERNEL_WINDOW)),
    c01.check_feature_map: signal.correlate2d(c01.IMAGE_MAP, c01.KERNEL_MAP, mode="valid").astype(float),
    c01.check_rgb_value: float(np.sum(c01.WINDOW_RGB * c01.KERNEL_RGB) + c01.BIAS_RGB),
    c01.check_output_shape: (_H - _K + 1, _W - _K + 1, _F),
    c01.check_kernel_shape: (_K, _K, _C, _F),
    c01.check_kernel_gradient: mean_squared_error_gradient(
        c01.GRADIENT_IMAGE, c01.GRADIENT_KERNEL, c01.GRADIENT_TARGET
    ),
    # [[-1, 0, 1]] * 3 compares the left column with the right one and gives 0 on a flat image
    c01.check_vertical_edge_kernel: "C",
    # lesson 02
    c02.check_output_width: conv_length(**c02.OUTPUT_WIDTH),
    c02.check_same_padding: (_SAME_TOTAL // 2, _SAME_TOTAL - _SAME_TOTAL // 2),  # the odd zero goes after
    c02.check_dilated_output: conv_length(**c02.DILATED),
    c02.check_stack_output: stack_length(c02.STACK_INPUT, c02.STACK),
    c02.check_receptive_field: receptive_field(
        (layer["kernel_size"], layer.get("strides", 1)) for layer in c02.RECEPTIVE_FIELD_STACK
    ),
    c02.check_keep_size_padding: "same",  # strides 1, kernel_size - 1 zeros
    # lesson 03
    c03.check_pooled_size: pool_length(c03.POOLED_SIZE["input_length"], c03.POOLED_SIZE["pool_size"]),
    c03.check_pooling_stages: _stages(**c03.STAGES),
    c03.check_learnable_pool_params: conv_params(**c03.LEARNABLE_POOL),
    c03.check_max_pool_by_hand: c03.BY_HAND.reshape(2, 2, 2, 2).max(axis=(1, 3)).astype(float),
    c03.check_global_average_features: c03.FEATURE_MAP_SHAPE[2],  # one mean per channel
    c03.check_pooling_statement: "B",  # a common default, not a proven optimum
    # lesson 04
    c04.check_conv_params: conv_params(
        c04.CONV_LAYER["kernel_size"], c04.CONV_LAYER["input_shape"][2], c04.CONV_LAYER["filters"]
    ),
    c04.check_dense_params: dense_params(math.prod(c04.DENSE_LAYER["input_shape"]), c04.DENSE_LAYER["units"]),
    c04.check_model_total: sum(count for _, count in _CNN),
    c04.check_batch_norm_trainable: 2 * _BN_CHANNELS,  # gamma and beta
    c04.check_batch_norm_total: 4 * _BN_CHANNELS,  # and the moving mean and variance
    c04.check_frozen_trainable: sum(count for kind, count in _CNN if kind == "Dense"),
    c04.check_gap_head_params: dense_params(c04.HEAD["input_shape"][2], c04.HEAD["units"]),
    c04.check_separable_params: (  # no biases: a depthwise kernel per channel, then 1x1 across channels
        _SEPARABLE["kernel_size"] ** 2 * _SEPARABLE["in_channels"]
        + _SEPARABLE["in_channels"] * _SEPARABLE["filters"]
    ),
    c04.check_bottleneck_macs: (  # one multiply-add per weight (biases aside) per output position
        _BOTTLENECK_POSITIONS * _BOTTLENECK["input_shape"][2] * _BOTTLENECK["reduce_to"]
        + _BOTTLENECK_POSITIONS
        * _BOTTLENECK["kernel_size"] ** 2
        * _BOTTLENECK["reduce_to"]
        * _BOTTLENECK["filters"]
    ),
    c04.check_activation_memory: 4 * _ACT["batch_size"] * math.prod(_ACT_SIDES) * _ACT["filters"],  # float32
    c04.check_vgg_dense_share: Fraction(
        sum(count for kind, count in _VGG if kind == "Dense"), sum(count for _, count in _VGG)
    ),
    c04.check_residual_block_params: (
        conv_params(3, _RESIDUAL_IN, _RESIDUAL_OUT, use_bias=False)
        + conv_params(3, _RESIDUAL_OUT, _RESIDUAL_OUT, use_bias=False)
        + conv_params(1, _RESIDUAL_IN, _RESIDUAL_OUT, use_bias=False)
        + 3 * 4 * _RESIDUAL_OUT  # three BatchNormalization layers
    ),
    # lesson 05
    c05.check_best_epoch: int(np.argmin(c05.EXERCISE_HISTORY["val_loss"])) + 1,
    c05.check_early_stopping_epoch: keras_stopping_epoch(
        c05.EXERCISE_HISTORY["val_loss"], c05.EXERCISE_PATIENCE
    ),
    c05.check_cross_entropy: float(-np.log(softmax(c05.CROSS_ENTROPY_LOGITS)[c05.CROSS_ENTROPY_LABEL])),
    c05.check_sigmoid_logit: float(math.log(_P1 / (1 - _P1))),  # the t with sigmoid(t) = p1
    c05.check_difference_half_width: _difference_half_width(Z_TYPED),
    c05.check_tell_apart: "yes"
    if (_CMP["only_b"] - _CMP["only_a"]) / _CMP["n"] > _difference_half_width(Z_TYPED)
    else "no",
    c05.check_test_set_size: _test_set_size(Z_TYPED),
    # lesson 06: exact shares of the counts
    c06.check_precision: Fraction(_EX["tp"], _EX["tp"] + _EX["fp"]),
    c06.check_recall: Fraction(_EX["tp"], _EX["tp"] + _EX["fn"]),
    c06.check_specificity: Fraction(_EX["tn"], _EX["tn"] + _EX["fp"]),
    c06.check_f1: Fraction(2 * _EX["tp"], 2 * _EX["tp"] + _EX["fp"] + _EX["fn"]),
    c06.check_rare_disease_recall: Fraction(_RARE["tp"], _RARE["tp"] + _RARE["fn"]),
    c06.check_confusion_matrix: skm.confusion_matrix(
        c06.EXERCISE_Y_TRUE, c06.EXERCISE_Y_PRED, labels=[0, 1, 2]
    ),
    c06.check_average: "micro",  # pooled over the classes, every mistake is one FP and one FN
    # lesson 07
    c07.check_best_epoch: _BEST_07,
    c07.check_gap_at_best: _gap(_BEST_07),
    c07.check_gap_at_last: _gap(len(_H07["loss"])),
    c07.check_error_bar: _error_bar(Z_TYPED),
    # lesson 08
    c08.check_keras_l2: c08.NOTES_LAMBDA / (2 * c08.NOTES_M),
    c08.check_dropout_value: c08.DROPOUT_VALUE / (1 - c08.DROPOUT_RATE),
    c08.check_batch_norm_inference: _BN["gamma"]
    * (_BN["x"] - _BN["moving_mean"])
    / math.sqrt(_BN["moving_variance"] + _BN["epsilon"])
    + _BN["beta"],
    # lesson 09
    c09.check_stack_receptive_field: receptive_field(
        ([(3, 1)] * c09.STACK_CONVS_PER_STAGE + [(2, 2)]) * c09.STACK_STAGES
    ),
    c09.check_head_params: dense_params(_HEAD_SIDE * _HEAD_SIDE * _HEAD_FILTERS, c09.HEAD_UNITS),
    c09.check_half_width: _stored_half_width(Z_TYPED),
    c09.check_runs_differ: differ(_RUNS_A, _RUNS_B),
    # with 100 images a trunk pretrained where images are plentiful beats every change to a network
    # trained from scratch (test_exercise_answers_hold_on_the_stored_runs checks the evidence)
    c09.check_recipe_for_little_data: "pretrained trunk",
}
"""The right answer of each value exercise."""

Z_ANSWERS = {
    c05.check_difference_half_width: _difference_half_width,
    c05.check_test_set_size: _test_set_size,
    c07.check_error_bar: _error_bar,
    c09.check_half_width: _stored_half_width,
}
"""The answers computed with the z of a 95% interval, as a function of z."""


# --- function exercises ---------------------------------------------------------------------
def my_conv2d(x, kernel, bias):
    """Keras's Conv2D ('valid', strides 1) on a batch: every window times every filter, plus the bias."""
    x, kernel = np.asarray(x, dtype=float), np.asarray(kernel, dtype=float)
    windows = np.lib.stride_tricks.sliding_window_view(x, kernel.shape[:2], axis=(1, 2))
    return np.einsum("bhwcij,ijcf->bhwf", windows, kernel) + np.asarray(bias, dtype=float)


def gradient_step(images, kernel, targets, learning_rate):
    return np.asarray(kernel, dtype=float) - learning_rate * mean_squared_error_gradient(
        images, kernel, targets
    )


def output_length(input_length, kernel_size, strides=1, padding=0, dilation_rate=1):
    return conv_length(input_length, kernel_size, strides, padding, dilation_rate)


def max_pool_2x2(image):
    image = np.asarray(image, dtype=float)
    rows, columns = image.shape[0] // 2, image.shape[1] // 2
    return image[: 2 * rows, : 2 * columns].reshape(rows, 2, columns, 2).max(axis=(1, 3))


def my_binary_metrics(tp, fp, fn, tn):
    """(accuracy, precision, recall, specificity, F1), as scikit-learn scores the expanded labels."""
    y_true = [1] * tp + [0] * fp + [1] * fn + [0] * tn
    y_pred = [1] * tp + [1] * fp + [0] * fn + [0] * tn
    return (
        skm.accuracy_score(y_true, y_pred),
        skm.precision_score(y_true, y_pred),
        skm.recall_score(y_true, y_pred),
        skm.recall_score(y_true, y_pred, pos_label=0),
        skm.f1_score(y_true, y_pred),
    )


def relative_gap(train_loss, val_loss):
    return (val_loss - train_loss) / val_loss


def prepare_images(images):
    array = np.asarray(images)
    return (array[..., None] if array.ndim == 3 else array).astype("float32") / np.float32(255)


def poolings_for(image_size):
    return planner_poolings(image_size)


REFERENCES = {
    c01.check_my_conv2d: my_conv2d,
    c01.check_gradient_step: gradient_step,
    c02.check_output_length_function: output_length,
    c03.check_max_pool_2x2_function: max_pool_2x2,
    c04.check_my_conv2d_params: conv_params,
    c05.check_prepare_images: prepare_images,
    c05.check_softmax: softmax,
    c06.check_binary_metrics_function: my_binary_metrics,
    c07.check_relative_gap: relative_gap,
    c09.check_poolings_for: poolings_for,
}
"""A function written here for each function exercise built on ``check_function``."""
