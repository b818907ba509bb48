"""Train the experiments that lesson 09 reads but cannot train live, and its pretrained trunks.

Lesson 09 answers "100x100 images, 2 classes: how many layers, how much pooling, dense or
sparse, which kernels?" with measurements. Training on 100x100 images is slow on a CPU, so
the experiments are trained once by this module and stored, with the command and the
machine that made them::

    ./course capstone                   # the pretrained trunks, then every group -> data_files/
    ./course capstone --only depth      # one group (repeat --only for more); the others are kept
    ./course capstone --pretrain        # only the trunks (--pretrain mnist: only that source)
    ./course capstone --list            # the runs of every group, without training

Every run is an :class:`Experiment` (design, training images, epochs, seed) trained on the
course's synthetic circles-against-squares task at 100x100 (:func:`course_utils.data.make_shapes`
with :data:`TASK`, or its harder variant :data:`SMALL_TASK`), with a fixed validation set for
choosing the best epoch and a fixed test set that is read once per run. Runs with the same
settings in two groups are trained once. Each stored run holds its settings, its facts
(parameters, multiply-adds, receptive field, final feature map, computed by
:func:`course_utils.model_summary.summarize` on the Keras model itself), its history, its best
epoch, its test accuracy, which test images it got right (so that two runs can be compared
image by image) and its training time.

Transfer learning: ``--pretrain`` trains a small fully-convolutional trunk (:data:`TRUNK_LAYERS`,
in the course's layer-spec vocabulary: the 3-stage design of the ``depth`` group) on each source
task of :data:`SOURCES` (the bundled MNIST digits, and small shapes) and stores its weights in
``pretrained_09_<source>.weights.h5``; the ``transfer`` group loads them into the same trunk
built for 100x100 inputs, frozen or fine-tuned, and compares it with the same network trained
from scratch.

Examples
--------
>>> [group for group in GROUPS]
['depth', 'data', 'pooling', 'head', 'kernels', 'residual', 'transfer', 'small']
>>> Experiment("x", stages=3).settings()["stages"]
3
>>> [spec["type"] for spec in stage_layers(Experiment("x", stages=1))]
['Conv2D', 'MaxPooling2D']
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import hashlib
import json
import math
import os
import sys
import time
from pathlib import Path

from course_utils.data import DATA_DIR
from course_utils.tooling.run_store import machine

ROOT = Path(__file__).resolve().parents[2]
RESULTS_FILE = DATA_DIR / "capstone_09.json"
COMMAND = "./course capstone"
MODULE = "course_utils/tooling/capstone.py"
SIGNIFICANT_DIGITS = 5
"""Digits kept of each stored value of a history."""

#: The task: :func:`course_utils.data.make_shapes` arguments (100x100 circles against squares).
TASK = {"image_size": 100, "noise": 0.1, "object_size": (0.2, 0.5), "jitter": 1.0, "seed": 9}
#: The harder variant: the same classes, but the shapes are small (10 to 20 px) and the noise is
#: stronger, so the difference between the classes is a detail of a few pixels.
SMALL_TASK = {**TASK, "noise": 0.15, "object_size": (0.1, 0.2), "seed": 10}
TASKS = {"shapes": TASK, "small shapes": SMALL_TASK}
#: Images drawn from :data:`TASK`: the first ``N_POOL`` are the training pool (a run trains on
#: the first ``n_train`` of them), then ``N_VAL`` validation and ``N_TEST`` test images.
N_POOL, N_VAL, N_TEST = 2000, 400, 1000
#: How every run trains (the optimizer, its learning rate and the batch size).
TRAINING = {"optimizer": "adam", "learning_rate": 3e-3, "batch_size": 32}
#: Epochs for each training-set size: more epochs for fewer images, so that every run gets a
#: few hundred weight updates.
EPOCHS = {100: 40, 200: 30, 1000: 10, 2000: 8}

POOLINGS = ("max", "strided", "none")
HEADS = ("gap", "flatten")
INITS = ("scratch", "frozen", "fine-tuned")

#: The trunk that is pretrained, then reused: fully convolutional, so it runs on any image size.
TRUNK_LAYERS = (
    {"type": "Conv2D", "filters": 8, "kernel_size": 3, "padding": "same", "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": 2},
    {"type": "Conv2D", "filters": 16, "kernel_size": 3, "padding": "same", "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": 2},
    {"type": "Conv2D", "filters": 32, "kernel_size": 3, "padding": "same", "activation": "relu"},
    {"type": "MaxPooling2D", "pool_size": 2},
)
#: The two source tasks the trunk is pretrained on, each with plenty of labelled images:
#: the bundled MNIST digits (another task), and the same two shapes drawn small (32x32 px)
#: with other seeds (a related task whose images are cheap).
SOURCES = {
    "mnist": {"data": "mnist_subset", "input_shape": (28, 28, 1), "classes": 10, "images": 4000, "epochs": 8},
    "shapes": {"data": "shapes", "input_shape": (32, 32, 1), "classes": 2, "images": 5000, "epochs": 8,
               "seed": 77},
}  # fmt: skip
#: Learning rate of a fine-tuned trunk: smaller than from scratch, so that the pretrained
#: weights are adjusted rather than overwritten.
FINE_TUNING_RATE = 1e-3


def weights_file(source: str) -> Path:
    """The checked-in weights of the trunk pretrained on ``source``."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {list(SOURCES)}, got {source!r}.")
    return DATA_DIR / f"pretrained_09_{source}.weights.h5"


@dataclasses.dataclass(frozen=True)
class Experiment:
    """One training run of lesson 09: everything needed to make it again.

    Parameters
    ----------
    name : str
        A short name, unique in its group.
    description : str
        What the run shows, in words.
    n_train : int
        Training images: the first ``n_train`` of the training pool.
    stages : int
        Convolution stages. Stage ``s`` (from 0) has ``filters * 2**s`` filters.
    filters : int
        Filters of the first stage.
    widen : bool
        Double the filters at every stage (False: every stage has ``filters``).
    kernels : tuple of int
        The kernel size of each convolution of a stage: ``(3,)`` one 3x3 convolution,
        ``(3, 3, 3)`` a stack of three, ``(7,)`` one 7x7.
    pooling : {'max', 'strided', 'none'}
        How a stage ends: 2x2 max pooling, a stride of 2 on its last convolution, or nothing.
    head : {'gap', 'flatten'}
        Global average pooling, or Flatten followed by a Dense layer of ``dense_units``.
    dense_units : int
        Units of the hidden Dense layer of the ``flatten`` head.
    residual : bool
        Each stage adds its input (through a 1x1 convolution when the filters change) to
        the output of its convolutions, before the pooling.
    init : {'scratch', 'frozen', 'fine-tuned'}
        ``scratch``: the network of the other fields, from random weights. ``frozen`` and
        ``fine-tuned``: the trunk (:data:`TRUNK_LAYERS`) pretrained on ``source`` with a new
        head, its weights frozen or trained further.
    source : {'', 'mnist', 'shapes'}
        The task the trunk was pretrained on (:data:`SOURCES`); empty from scratch.
    task : {'shapes', 'small shapes'}
        The data (:data:`TASKS`): the lesson's task, or its harder variant.
    epochs, seed : int
        ``epochs`` defaults to :data:`EPOCHS` for ``n_train``.
    """

    name: str
    description: str = ""
    n_train: int = 1000
    stages: int = 4
    filters: int = 8
    widen: bool = True
    kernels: tuple = (3,)
    pooling: str = "max"
    head: str = "gap"
    dense_units: int = 64
    residual: bool = False
    init: str = "scratch"
    source: str = ""
    task: str = "shapes"
    epochs: int = 0
    seed: int = 0

    def __post_init__(self):
        if not self.epochs:
            object.__setattr__(self, "epochs", EPOCHS.get(self.n_train, 10))

    def settings(self) -> dict:
        """The run's settings, without its name and description (what the stored file compares)."""
        values = dataclasses.asdict(self)
        values.pop("name")
        values.pop("description")
        values["kernels"] = list(self.kernels)
        return values


# ---------------------------------------------------------------------------
# The groups: each answers one part of the learner's question
# ---------------------------------------------------------------------------
GROUPS = {
    "depth": [
        Experiment(f"{stages} stage{'s' if stages > 1 else ''}", f"{stages} conv-pool stages, 1,000 images",
                   stages=stages)
        for stages in (1, 2, 3, 4, 5)
    ],
    "data": [
        Experiment(f"{stages} stages, {n:,} images", f"{stages} conv-pool stages on {n:,} training images",
                   stages=stages, n_train=n)
        for n in (200, 2000)
        for stages in ((2, 3, 4, 5) if n == 200 else (3, 4, 5))
    ],
    "pooling": [
        Experiment("max pooling", "4 stages, each ending in 2x2 max pooling (8 filters throughout)",
                   widen=False),
        Experiment("strided conv", "4 stages, each ending in a convolution with strides=2 (8 filters throughout)",
                   widen=False, pooling="strided"),
        Experiment("no pooling", "the same 4 convolutions, all at full resolution (8 filters throughout)",
                   widen=False, pooling="none"),
    ],
    "head": [
        Experiment(f"{label}, {n:,} images", f"4 stages, then {words}, on {n:,} images", head=head, n_train=n)
        for n in (200, 1000)
        for head, label, words in (("gap", "GAP", "global average pooling"),
                                   ("flatten", "Flatten + Dense", "Flatten and Dense(64)"))
    ],
    "kernels": [
        Experiment(name, f"3 stages of {words} (8 filters throughout): receptive field 50 px",
                   stages=3, widen=False, kernels=kernels)
        for name, kernels, words in (
            ("3x3 stack", (3, 3, 3), "three 3x3 convolutions"),
            ("5x5 + 3x3", (5, 3), "a 5x5 and a 3x3 convolution"),
            ("7x7", (7,), "one 7x7 convolution"),
        )
    ],
    "residual": [
        Experiment("plain", "5 conv-pool stages, 1,000 images", stages=5),
        Experiment("residual", "the same, with a skip connection around each stage's convolution",
                   stages=5, residual=True),
    ],
    "transfer": [
        Experiment(f"{label}, {n:,} images", f"the 3-stage trunk {how}, on {n:,} images",
                   stages=3, init=init, source=source, n_train=n)
        for n in (100, 1000)
        for init, source, label, how in (
            ("scratch", "", "scratch", "trained from scratch"),
            ("frozen", "shapes", "shapes, frozen", "pretrained on small shapes, frozen (only the head trains)"),
            ("fine-tuned", "shapes", "shapes, fine-tuned", "pretrained on small shapes, then fine-tuned"),
            ("frozen", "mnist", "digits, frozen", "pretrained on MNIST digits, frozen (only the head trains)"),
            ("fine-tuned", "mnist", "digits, fine-tuned", "pretrained on MNIST digits, then fine-tuned"),
        )
        if n == 100 or source != "mnist"
    ],
    "small": [
        Experiment(f"{stages} stages", f"{stages} conv-pool stages on 2,000 images of small shapes (10 to 20 px)",
                   stages=stages, n_train=2000, task="small shapes")
        for stages in (2, 3, 4, 5)
    ],
}  # fmt: skip


def check_experiment(experiment: Experiment) -> None:
    """Refuse an experiment whose settings this module cannot build, naming the setting.

    Examples
    --------
    >>> check_experiment(Experiment("bad", pooling="average"))
    Traceback (most recent call last):
    ...
    ValueError: run 'bad': pooling must be one of ('max', 'strided', 'none'), got 'average'.
    """
    choices = (("pooling", POOLINGS), ("head", HEADS), ("init", INITS), ("task", tuple(TASKS)))
    for field, allowed in choices:
        if getattr(experiment, field) not in allowed:
            raise ValueError(
                f"run {experiment.name!r}: {field} must be one of {allowed}, got {getattr(experiment, field)!r}."
            )
    if not 1 <= experiment.n_train <= N_POOL:
        raise ValueError(f"run {experiment.name!r}: n_train must be 1 to {N_POOL}, got {experiment.n_train}.")
    if not experiment.kernels or any(k % 2 == 0 or k < 1 for k in experiment.kernels):
        raise ValueError(f"run {experiment.name!r}: kernels must be odd sizes, got {experiment.kernels}.")
    pretrained = experiment.init != "scratch"
    if pretrained != (experiment.source in SOURCES) or (not pretrained and experiment.source):
        raise ValueError(
            f"run {experiment.name!r}: a pretrained trunk needs a source among {list(SOURCES)}, and a run "
            f"from scratch none; got init={experiment.init!r}, source={experiment.source!r}."
        )
    if pretrained and (experiment.residual or experiment.pooling != "max" or experiment.head != "gap"):
        raise ValueError(f"run {experiment.name!r}: a pretrained trunk is plain, with max pooling and GAP.")


# ---------------------------------------------------------------------------
# Designs as layer specs (course_utils.layer_specs), and as Keras models
# ---------------------------------------------------------------------------
def stage_layers(experiment: Experiment) -> list[dict]:
    """The convolution stages of a plain experiment as layer specs (no head).

    Examples
    --------
    >>> [spec.get("strides", 1) for spec in stage_layers(Experiment("x", stages=2, pooling="strided"))]
    [2, 2]
    >>> stage_layers(Experiment("x", stages=3)) == list(TRUNK_LAYERS)
    True
    """
    specs = []
    for stage in range(experiment.stages):
        filters = experiment.filters * (2**stage if experiment.widen else 1)
        for index, kernel in enumerate(experiment.kernels):
            conv = {"type": "Conv2D", "filters": filters, "kernel_size": kernel, "padding": "same",
                    "activation": "relu"}  # fmt: skip
            if experiment.pooling == "strided" and index == len(experiment.kernels) - 1:
                conv["strides"] = 2
            specs.append(conv)
        if experiment.pooling == "max":
            specs.append({"type": "MaxPooling2D", "pool_size": 2})
    return specs


def head_layers(experiment: Experiment) -> list[dict]:
    """The head of an experiment as layer specs: one sigmoid unit for the two classes.

    Examples
    --------
    >>> [spec["type"] for spec in head_layers(Experiment("x", head="flatten"))]
    ['Flatten', 'Dense', 'Dense']
    """
    if experiment.head == "gap":
        body = [{"type": "GlobalAveragePooling2D"}]
    else:
        body = [{"type": "Flatten"}, {"type": "Dense", "units": experiment.dense_units, "activation": "relu"}]
    return body + [{"type": "Dense", "units": 1, "activation": "sigmoid"}]


def build_model(experiment: Experiment, input_shape=None, weights_dir: Path | None = None):
    """The uncompiled Keras model of ``experiment``, with the pretrained weights it asks for.

    A plain design is built from its layer specs by :func:`course_utils.layer_specs.to_keras`;
    a residual one with the functional API (the specs describe stacks only).
    """
    import keras

    from course_utils.layer_specs import to_keras

    check_experiment(experiment)
    input_shape = tuple(input_shape or (TASK["image_size"], TASK["image_size"], 1))
    if not experiment.residual:
        model = to_keras(input_shape, stage_layers(experiment) + head_layers(experiment), name="plain")
        if experiment.init != "scratch":
            trunk = to_keras(input_shape, list(TRUNK_LAYERS), name="trunk")
            folder = Path(weights_dir) if weights_dir is not None else DATA_DIR
            trunk.load_weights(folder / weights_file(experiment.source).name)
            for layer, pretrained in zip(model.layers, trunk.layers, strict=False):
                layer.set_weights(pretrained.get_weights())
                layer.trainable = experiment.init == "fine-tuned"
        return model
    layers = keras.layers
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for stage in range(experiment.stages):
        filters = experiment.filters * (2**stage if experiment.widen else 1)
        shortcut = x if x.shape[-1] == filters else layers.Conv2D(filters, 1)(x)
        for kernel in experiment.kernels:
            x = layers.Conv2D(filters, kernel, padding="same", activation="relu")(x)
        x = layers.Add()([x, shortcut])
        x = layers.MaxPooling2D(2)(x)
    for spec in head_layers(experiment):
        x = getattr(layers, spec["type"])(**{k: v for k, v in spec.items() if k != "type"})(x)
    return keras.Model(inputs, x, name="residual")


_HEAD_TYPES = ("GlobalAveragePooling2D", "Flatten", "Dense")


def facts(model) -> dict:
    """Parameters, multiply-adds, final feature map and receptive field of a model.

    Computed by :func:`course_utils.model_summary.summarize` on the Keras model; the final map
    and the receptive field are those of the last layer before the head.
    """
    from course_utils.model_summary import summarize

    summary = summarize(model)
    rows = list(summary.rows)
    first_head = next(i for i, row in enumerate(rows) if row.type in _HEAD_TYPES)
    last = rows[first_head - 1]
    return {
        "params": summary.total_params,
        "trainable_params": int(sum(math.prod(w.shape) for w in model.trainable_weights)),
        "head_params": sum(row.params for row in rows[first_head:]),
        "macs": summary.total_macs,
        "final_map": list(last.output_shape[1:]),
        "receptive_field": [int(size) for size in last.receptive_field.split("x")],
    }


# ---------------------------------------------------------------------------
# Data and training (Keras is imported inside the functions, never at module level)
# ---------------------------------------------------------------------------
def task_data(task: str = "shapes"):
    """``(x_pool, y_pool), (x_val, y_val), (x_test, y_test)`` of a task: float32 images in [0, 1]."""
    import numpy as np

    from course_utils.data import make_shapes

    x, y = make_shapes(N_POOL + N_VAL + N_TEST, **TASKS[task])
    x = x.astype(np.float32) / np.float32(255)
    a, b = N_POOL, N_POOL + N_VAL
    return (x[:a], y[:a]), (x[a:b], y[a:b]), (x[b:], y[b:])


def _stored(value: float) -> float:
    value = float(value)
    return value if not math.isfinite(value) else float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def pack_correct(correct) -> str:
    """Per-image right/wrong answers as a hex string (4 images a digit), for the stored file.

    Examples
    --------
    >>> pack_correct([True, False, True, True, False])
    'b0'
    """
    import numpy as np

    return np.packbits(np.asarray(correct, dtype=bool)).tobytes().hex()


def train(experiment: Experiment, data=None, weights_dir: Path | None = None) -> dict:
    """Train one experiment from its seed; keep the epoch with the lowest validation loss.

    Returns the stored record: facts, history, best epoch, test accuracy, which test images
    it got right (:func:`pack_correct`) and seconds.
    """
    import keras

    import course_utils

    check_experiment(experiment)
    (x_pool, y_pool), (x_val, y_val), (x_test, y_test) = (
        data if data is not None else task_data(experiment.task)
    )
    course_utils.seed_everything(experiment.seed)
    model = build_model(experiment, weights_dir=weights_dir)
    rate = FINE_TUNING_RATE if experiment.init == "fine-tuned" else TRAINING["learning_rate"]
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    keep_best = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=experiment.epochs, restore_best_weights=True
    )
    started = time.perf_counter()
    history = model.fit(
        x_pool[: experiment.n_train],
        y_pool[: experiment.n_train],
        batch_size=TRAINING["batch_size"],
        epochs=experiment.epochs,
        validation_data=(x_val, y_val),
        callbacks=[keep_best],
        verbose=0,
    )
    seconds = time.perf_counter() - started
    predicted = model.predict(x_test, batch_size=100, verbose=0)[:, 0] > 0.5
    correct = predicted == y_test.astype(bool)
    record = {
        "facts": facts(model),
        "history": {key: [_stored(v) for v in values] for key, values in history.history.items()},
        "best_epoch": int(keep_best.best_epoch) + 1,
        "test_accuracy": _stored(correct.mean()),
        "test_images": int(len(y_test)),
        "test_correct": pack_correct(correct),
        "seconds": round(seconds, 1),
    }
    keras.backend.clear_session()
    return record


def source_data(source: str):
    """``(x_train, y_train), (x_test, y_test)`` of a pretraining source, float32 in [0, 1]."""
    from course_utils.data import load_dataset, make_shapes

    info = SOURCES[source]
    if info["data"] == "mnist_subset":
        (x_train, y_train), (x_test, y_test) = load_dataset("mnist_subset")
    else:
        n_test = 1000
        x, y = make_shapes(
            info["images"] + n_test,
            image_size=info["input_shape"][0],
            noise=TASK["noise"],
            object_size=TASK["object_size"],
            jitter=TASK["jitter"],
            seed=info["seed"],
        )
        (x_train, y_train), (x_test, y_test) = (
            (x[: info["images"]], y[: info["images"]]),
            (x[info["images"] :], y[info["images"] :]),
        )
    return (x_train.astype("float32") / 255.0, y_train), (x_test.astype("float32") / 255.0, y_test)


def pretrain(source: str, weights_dir: Path | None = None) -> dict:
    """Train :data:`TRUNK_LAYERS` with a new head on a source task; save the trunk's weights."""
    import keras

    import course_utils
    from course_utils.layer_specs import to_keras

    info = SOURCES[source]
    path = (Path(weights_dir) if weights_dir is not None else DATA_DIR) / weights_file(source).name
    (x_train, y_train), (x_test, y_test) = source_data(source)
    course_utils.seed_everything(0)
    trunk = to_keras(info["input_shape"], list(TRUNK_LAYERS), name="trunk")
    model = keras.Sequential(
        [
            keras.Input(shape=info["input_shape"]),
            trunk,
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(info["classes"], activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=TRAINING["learning_rate"]),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    started = time.perf_counter()
    model.fit(x_train, y_train, batch_size=TRAINING["batch_size"], epochs=info["epochs"], verbose=0)
    seconds = time.perf_counter() - started
    _, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    trunk.save_weights(path)
    keras.backend.clear_session()
    return {
        **{key: list(value) if isinstance(value, tuple) else value for key, value in info.items()},
        "training_images": int(len(y_train)),
        "test_accuracy": _stored(test_accuracy),
        "test_images": int(len(y_test)),
        "seconds": round(seconds, 1),
        "weights_file": path.name,
        "weights_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


# ---------------------------------------------------------------------------
# The file
# ---------------------------------------------------------------------------
def _made_by(command: str, seconds: float) -> dict:
    return {
        "command": command,
        "module": MODULE,
        "date": datetime.date.today().isoformat(),
        "seconds": round(seconds, 1),
        "machine": machine(),
        "determinism": os.environ.get("COURSE_OP_DETERMINISM", "1") != "0",
    }


def _setup() -> dict:
    return {
        "tasks": {name: {**task, "object_size": list(task["object_size"])} for name, task in TASKS.items()},
        "pool_images": N_POOL,
        "validation_images": N_VAL,
        "test_images": N_TEST,
        "training": dict(TRAINING),
        "epochs": {str(n): epochs for n, epochs in EPOCHS.items()},
        "fine_tuning_rate": FINE_TUNING_RATE,
        "trunk_layers": [dict(spec) for spec in TRUNK_LAYERS],
        "keeps": "the epoch with the lowest validation loss",
    }


def make(groups=None, pretraining=None, path: Path | None = None, weights_dir: Path | None = None) -> dict:
    """Pretrain the trunks of ``pretraining`` (names of :data:`SOURCES`), then train ``groups``.

    ``groups=None`` trains every group and ``pretraining=None`` every source. What is not
    named keeps what the file already holds. Returns the document written to ``path``.
    """
    names = list(GROUPS) if groups is None else list(groups)
    sources = list(SOURCES) if pretraining is None else list(pretraining)
    for kind, asked, allowed in (("groups", names, GROUPS), ("pretraining", sources, SOURCES)):
        unknown = [name for name in asked if name not in allowed]
        if unknown:
            raise ValueError(f"{kind} must be among {list(allowed)}, got {unknown}.")
    path = Path(path) if path is not None else RESULTS_FILE
    import course_utils

    course_utils.setup(keras=True, verbose=False)
    document = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    document = {
        "about": __doc__.split("\n\n")[0],
        "setup": _setup(),
        "pretraining": document.get("pretraining", {}),
        "groups": document.get("groups", {}),
    }
    for source in sources:
        started = time.perf_counter()
        record = pretrain(source, weights_dir)
        command = f"{COMMAND} --pretrain {source}" if pretraining is not None else COMMAND
        document["pretraining"][source] = {
            **record,
            "made_by": _made_by(command, time.perf_counter() - started),
        }
        print(
            f"  pretrained on {source}: test accuracy {record['test_accuracy']:.3f} ({record['seconds']} s)",
            flush=True,
        )
    if names:
        data = {}
        done = {}
        for name in names:
            started = time.perf_counter()
            runs = []
            for experiment in GROUPS[name]:
                key = json.dumps(experiment.settings(), sort_keys=True)
                if key not in done:
                    if experiment.task not in data:
                        data[experiment.task] = task_data(experiment.task)
                    done[key] = train(experiment, data[experiment.task], weights_dir)
                    print(
                        f"  {name}: {experiment.name} -> test accuracy {done[key]['test_accuracy']:.3f}"
                        f" ({done[key]['seconds']} s)",
                        flush=True,
                    )
                runs.append(
                    {
                        "name": experiment.name,
                        "description": experiment.description,
                        "settings": experiment.settings(),
                        **done[key],
                    }  # fmt: skip
                )
            command = COMMAND if groups is None else f"{COMMAND} --only {name}"
            document["groups"][name] = {
                "made_by": _made_by(command, time.perf_counter() - started),
                "runs": runs,
            }
    document["pretraining"] = {s: document["pretraining"][s] for s in SOURCES if s in document["pretraining"]}
    document["groups"] = {g: document["groups"][g] for g in GROUPS if g in document["groups"]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return document


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", choices=list(GROUPS), help="train this group (repeatable)")
    parser.add_argument(
        "--pretrain", action="append", nargs="?", const="all", choices=[*SOURCES, "all"],
        help="pretrain the trunk on this source (default: every source); alone, nothing else is trained",
    )  # fmt: skip
    parser.add_argument("--list", action="store_true", help="list the runs of every group without training")
    parser.add_argument(
        "--output", type=Path, help="results file (default: course_utils/data_files/capstone_09.json)"
    )
    parser.add_argument(
        "--weights-dir", type=Path, help="folder of the pretrained weights (default: data_files)"
    )
    args = parser.parse_args(argv)
    if args.list:
        for group, runs in GROUPS.items():
            for run in runs:
                print(f"{group:9} {run.name:26} {run.description}")
        return 0
    started = time.perf_counter()
    if args.pretrain:
        sources = None if "all" in args.pretrain else args.pretrain
        groups = args.only or []
    else:
        sources = None if args.only is None else []
        groups = args.only
    make(groups, sources, path=args.output, weights_dir=args.weights_dir)
    print(f"wrote {args.output or RESULTS_FILE} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
