"""Train the experiments that lesson 09 reads but cannot train live, and its pretrained trunks.

Lesson 09 answers "100x100 images, 2 classes: how many layers, how much pooling, dense or
sparse, which kernels?" with measurements, on a real-data task: a handwritten 4 or 9 on a
100x100 canvas among clutter cut from other digits (:mod:`course_utils.engines.cluttered_digits`).
Training on 100x100 images is slow on a CPU, so the experiments are trained once by this module
and stored, with the command and the machine that made them::

    ./course capstone                   # the pretrained trunks, then every group -> data_files/
    ./course capstone --only depth      # one group (repeat --only for more)
    ./course capstone --pretrain        # only the trunks
    ./course capstone --list            # the runs of every group, without training
    ./course capstone --fresh           # start the file over

**How every run measures.** Each configuration is trained from :data:`SEEDS` (three seeds),
with early stopping on the validation loss (:data:`TRAINING`: a patience, and an epoch cap
that the table reports when a run reaches it). Every comparison of the lesson is made on the
1,000 **validation** canvases: each run stores its validation accuracy and which validation
canvases it got right, for paired comparisons. The 1,000 **test** canvases are read once, for
the design the lesson chooses (the ``plan`` group: the planner's CNN for 100x100x1, two classes).
The training figures are also recorded as the model predicts after each epoch
(``course_utils.engines.inference_metrics``).

**Resumable.** Each run is written to the file as soon as it finishes, and a run already stored
with the same settings is skipped (``course_tools.run_store``): the set can be made in
parts (``--only GROUP``), and an interrupted command goes on where it stopped. The file records
the command, the machine and the CPU time of each part.

**Transfer learning** (``--pretrain``, then the ``transfer`` group): a small trunk
(:data:`course_utils.engines.transfer.TRUNK_LAYERS`: three stages of convolution and ReLU, batch
normalization with ``TRUNK_MOMENTUM``, and pooling) is pretrained on each source of
:data:`course_utils.engines.transfer.SOURCES`, at three distances from the target: the same two
digits without clutter at 28x28 (the best case: the same task at another size), the eight other
digits (another task on similar images), and circles against squares (another kind of image).
Each source uses only the training split's digits. On 250 target canvases, the trunk first
trains frozen with a new head, then is unfrozen and fine-tuned with a learning rate ten times
lower, its batch normalization kept in inference mode (:func:`course_utils.engines.transfer.unfreeze`: its
layers stay frozen, as ``trunk(inputs, training=False)`` alone does not keep them so under ``fit``
in Keras 3). What lesson 09 shows of it lives in :mod:`course_utils.engines.transfer`; the stored runs are
read with :func:`course_utils.engines.stored_runs.load_capstone`.

Examples
--------
>>> list(GROUPS)
['depth', 'pooling', 'head', 'kernels', 'data', 'residual', 'transfer', 'plan']
>>> Experiment("x", stages=3).settings()["stages"]
3
>>> [spec["type"] for spec in stage_layers(Experiment("x", stages=1))]
['Conv2D', 'MaxPooling2D']
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import sys
import time
from pathlib import Path

from course_tools import DATA_FILES, checkout_path
from course_tools.run_store import RunStore, machine, run_key, stored, stored_history
from course_utils.engines.design_evidence import pack_correct
from course_utils.engines.stored_runs import CAPSTONE_FILE
from course_utils.engines.transfer import (
    FINE_TUNING_RATE,
    LEARNING_RATE,
    SOURCES,
    TRUNK_LAYERS,
    TRUNK_MOMENTUM,
    transfer_model,
    trunk_model,
    unfreeze,
    weights_file,
)

RESULTS_FILE = DATA_FILES / CAPSTONE_FILE.name
COMMAND = "./course capstone"
MODULE = checkout_path(__file__)

#: The task: :func:`course_utils.engines.cluttered_digits.make_cluttered_digits` arguments.
TASK = {"digits": (4, 9), "image_size": 100, "clutter": 8, "clutter_size": 8}
#: Canvases of each split (each from its own source digits): a run trains on the first ``n_train``
#: canvases of the training pool.
N_POOL, N_VAL, N_TEST = 2000, 1000, 1000
SEEDS = (0, 1, 2)
#: How every run trains. EarlyStopping watches the validation loss from ``start_from_epoch`` on
#: (a deep network can sit at chance for its first epochs) and restores the best epoch's weights.
#: At 3e-3, one deep run in three never left chance on this task; at 1e-3 they train, slower.
TRAINING = {
    "optimizer": "adam",
    "learning_rate": LEARNING_RATE,
    "batch_size": 32,
    "max_epochs": 60,
    "patience": 6,
    "start_from_epoch": 6,
}
PRETRAINING_RATE = 1e-3
"""Adam's learning rate while a trunk learns its source task."""
TRAIN_METRICS_SIZE = 500
"""Training canvases evaluated as the model predicts after each epoch."""

POOLINGS = ("max", "average", "strided", "none")
HEADS = ("gap", "flatten")
INITS = ("scratch", "pretrained")


@dataclasses.dataclass(frozen=True)
class Experiment:
    """One configuration of lesson 09: everything needed to train it again (with each seed).

    Parameters
    ----------
    name : str
        A short name, unique in its group.
    description : str
        What the run shows, in words.
    n_train : int
        Training canvases: the first ``n_train`` of the pool.
    stages : int
        Convolution stages. Stage ``s`` (from 0) has ``filters * 2**s`` filters (``widen``).
    filters : int
        Filters of the first stage.
    widen : bool
        Double the filters at every stage (False: every stage has ``filters``).
    kernels : tuple of int
        The kernel size of each convolution of a stage: ``(3,)`` one 3x3, ``(3, 3, 3)`` a stack
        of three, ``(7,)`` one 7x7.
    pooling : {'max', 'average', 'strided', 'none'}
        How a stage ends: 2x2 max or average pooling, a stride of 2 on its last convolution, or
        nothing (every convolution at full resolution).
    head : {'gap', 'flatten'}
        Global average pooling, or Flatten followed by a Dense layer of ``dense_units``.
    dense_units : int
        Units of the hidden Dense layer of the ``flatten`` head.
    residual : bool
        Each stage adds its input (through a 1x1 convolution when the filters change) to the
        output of its convolutions, before the pooling.
    init : {'scratch', 'pretrained'}
        ``pretrained``: the trunk (:data:`TRUNK_LAYERS`) pretrained on ``source``, a new head
        trained with the trunk frozen, then the whole network fine-tuned (both results stored).
    source : str
        The trunk's source task (:data:`SOURCES`); empty from scratch.
    plan : bool
        The planner's CNN for the task (:func:`course_utils.engines.planner.plan_cnn`), not the fields above.
    trunk : bool
        The pretrained trunk's design (:data:`TRUNK_LAYERS`) with a new head, from random weights:
        what transfer learning is compared with.
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
    plan: bool = False
    trunk: bool = False

    def settings(self) -> dict:
        """The configuration's settings, without its name and description, with the training."""
        values = dataclasses.asdict(self)
        values.pop("name")
        values.pop("description")
        values["kernels"] = list(self.kernels)
        values["task"] = {**TASK, "digits": list(TASK["digits"])}
        values["training"] = dict(TRAINING)
        if self.plan:
            values["layers"] = planned_layers()
        if self.trunk or self.init == "pretrained":
            values["trunk_layers"] = [dict(spec) for spec in TRUNK_LAYERS]
            values["trunk_momentum"] = TRUNK_MOMENTUM
        if self.init == "pretrained":
            values["fine_tuning"] = {"learning_rate": FINE_TUNING_RATE, "batch_normalization": "frozen"}
        return values


# ---------------------------------------------------------------------------
# The groups: each answers one part of the learner's question
# ---------------------------------------------------------------------------
GROUPS = {
    "depth": [
        Experiment(f"{stages} stages", f"{stages} conv-pool stages (8 filters, doubling), 1,000 canvases",
                   stages=stages)
        for stages in (2, 3, 4, 5)
    ],
    "pooling": [
        Experiment(f"{label}", f"4 stages of 8 filters, each ending in {words}", widen=False, pooling=pooling)
        for pooling, label, words in (
            ("max", "max pooling", "2x2 max pooling"),
            ("average", "average pooling", "2x2 average pooling"),
            ("strided", "strided convolution", "a convolution with strides=2 instead of a pooling"),
            ("none", "no pooling", "nothing: all four convolutions at full resolution"),
        )
    ],
    "head": [
        Experiment(f"{label}, {n:,} canvases", f"4 stages, then {words}, on {n:,} canvases", head=head, n_train=n)
        for n in (250, 1000)
        for head, label, words in (("gap", "GAP", "global average pooling"),
                                   ("flatten", "Flatten + Dense", "Flatten and Dense(64)"))
    ],
    "kernels": [
        Experiment(name, f"3 stages of {words} (8 filters): the same receptive field", stages=3, widen=False,
                   kernels=kernels)
        for name, kernels, words in (
            ("3x3 stack", (3, 3, 3), "three 3x3 convolutions"),
            ("5x5 + 3x3", (5, 3), "a 5x5 and a 3x3 convolution"),
            ("7x7", (7,), "one 7x7 convolution"),
        )
    ],
    "data": [
        Experiment(f"{n:,} canvases", f"4 stages (8 filters, doubling) on {n:,} training canvases", n_train=n)
        for n in (250, 500, 1000, 2000)
    ],
    "residual": [
        Experiment("plain", "5 stages of two 3x3 convolutions (8 filters): 10 convolutions deep", stages=5,
                   widen=False, kernels=(3, 3)),
        Experiment("residual", "the same, with a skip connection around each stage's convolutions", stages=5,
                   widen=False, kernels=(3, 3), residual=True),
    ],
    "transfer": [
        Experiment("scratch", "the trunk's design with a new head, from random weights, on 250 canvases",
                   n_train=250, trunk=True),
        *[
            Experiment(source, f"the trunk pretrained on {info['about']}; frozen, then fine-tuned, on 250 canvases",
                       n_train=250, init="pretrained", source=source)
            for source, info in SOURCES.items()
        ],
    ],
    "plan": [
        Experiment("planned CNN", "plan_cnn((100, 100, 1), 2, object_size=28): the planner's CNN for the task",
                   plan=True),
    ],
}  # fmt: skip


def check_experiment(experiment: Experiment) -> None:
    """Refuse an experiment whose settings this module cannot build, naming the setting.

    Examples
    --------
    >>> check_experiment(Experiment("bad", pooling="median"))
    Traceback (most recent call last):
    ...
    ValueError: run 'bad': pooling must be one of ('max', 'average', 'strided', 'none'), got 'median'.
    """
    for field, allowed in (("pooling", POOLINGS), ("head", HEADS), ("init", INITS)):
        if getattr(experiment, field) not in allowed:
            raise ValueError(
                f"run {experiment.name!r}: {field} must be one of {allowed}, got {getattr(experiment, field)!r}."
            )
    if not 1 <= experiment.n_train <= N_POOL:
        raise ValueError(f"run {experiment.name!r}: n_train must be 1 to {N_POOL}, got {experiment.n_train}.")
    if not experiment.kernels or any(k % 2 == 0 or k < 1 for k in experiment.kernels):
        raise ValueError(f"run {experiment.name!r}: kernels must be odd sizes, got {experiment.kernels}.")
    pretrained = experiment.init == "pretrained"
    if pretrained != (experiment.source in SOURCES) or (not pretrained and experiment.source):
        raise ValueError(
            f"run {experiment.name!r}: a pretrained trunk needs a source among {list(SOURCES)}, and a run "
            f"from scratch none; got init={experiment.init!r}, source={experiment.source!r}."
        )


# ---------------------------------------------------------------------------
# Designs as layer specs (course_utils.engines.layer_specs), and as Keras models
# ---------------------------------------------------------------------------
def stage_layers(experiment: Experiment) -> list[dict]:
    """The convolution stages of a plain experiment as layer specs (no head).

    Examples
    --------
    >>> [spec.get("strides", 1) for spec in stage_layers(Experiment("x", stages=2, pooling="strided"))]
    [2, 2]
    >>> [spec["type"] for spec in stage_layers(Experiment("x", stages=1, pooling="average"))]
    ['Conv2D', 'AveragePooling2D']
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
        elif experiment.pooling == "average":
            specs.append({"type": "AveragePooling2D", "pool_size": 2})
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


#: What the planner is told about the task: the objects are the 28 px digits.
OBJECT_SIZE = 28


def planned_layers() -> list[dict]:
    """The planner's CNN for the task, as layer specs: ``plan_cnn((100, 100, 1), 2, object_size=28)``."""
    from course_utils.engines.planner import plan_cnn

    size = TASK["image_size"]
    return list(plan_cnn((size, size, 1), 2, object_size=OBJECT_SIZE).layers)


def build_model(experiment: Experiment, input_shape=None):
    """The uncompiled Keras model of a scratch ``experiment`` (pretrained ones: :func:`transfer_model`).

    A plain design is built from its layer specs by :func:`course_utils.engines.layer_specs.to_keras`; a
    residual one with the functional API (the specs describe stacks only).
    """
    import keras

    from course_utils.engines.layer_specs import to_keras

    check_experiment(experiment)
    input_shape = tuple(input_shape or (TASK["image_size"], TASK["image_size"], 1))
    if experiment.plan:
        return to_keras(input_shape, planned_layers(), name="planned")
    if experiment.trunk:
        return trunk_model(input_shape, head_layers(experiment), name="trunk_design")
    if experiment.init == "pretrained":
        raise ValueError(f"run {experiment.name!r}: a pretrained run is built by transfer_model().")
    if not experiment.residual:
        return to_keras(input_shape, stage_layers(experiment) + head_layers(experiment), name="plain")
    layers = keras.layers
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for stage in range(experiment.stages):
        filters = experiment.filters * (2**stage if experiment.widen else 1)
        shortcut = x if x.shape[-1] == filters else layers.Conv2D(filters, 1)(x)
        for index, kernel in enumerate(experiment.kernels):
            last = index == len(experiment.kernels) - 1
            x = layers.Conv2D(filters, kernel, padding="same", activation=None if last else "relu")(x)
        x = layers.Activation("relu")(layers.Add()([x, shortcut]))
        x = layers.MaxPooling2D(2)(x)
    for spec in head_layers(experiment):
        x = getattr(layers, spec["type"])(**{k: v for k, v in spec.items() if k != "type"})(x)
    return keras.Model(inputs, x, name="residual")


_HEAD_TYPES = ("GlobalAveragePooling2D", "Flatten", "Dense")


def facts(model) -> dict:
    """Parameters, multiply-adds, final feature map and receptive field of a model.

    Computed by :func:`course_utils.engines.model_summary.summarize` on the Keras model; the final map
    and the receptive field are those of the last layer before the head. A model with a nested
    trunk is described by the trunk's own summary.
    """
    from course_utils.engines.model_summary import summarize

    summary = summarize(model)
    rows = list(summary.rows)
    heads = [i for i, row in enumerate(rows) if row.type in _HEAD_TYPES]
    last = rows[heads[0] - 1] if heads else rows[-1]
    shape = last.output_shape
    field = last.receptive_field
    return {
        "params": int(model.count_params()),
        "trainable_params": int(sum(math.prod(w.shape) for w in model.trainable_weights)),
        "head_params": int(sum(row.params for row in rows[heads[0] :])) if heads else 0,
        "macs": int(summary.total_macs),
        "final_map": [int(size) for size in shape[1:]],
        "receptive_field": [int(size) for size in field.split("x")] if field and "x" in field else None,
    }


# ---------------------------------------------------------------------------
# Data and training (Keras is imported inside the functions, never at module level)
# ---------------------------------------------------------------------------
def task_data():
    """``(x_pool, y_pool), (x_val, y_val), (x_test, y_test)``: float32 canvases in [0, 1].

    Each split is composed from its own source digits (:func:`course_utils.engines.cluttered_digits.source_digits`).
    """
    import numpy as np

    from course_utils.engines.cluttered_digits import make_cluttered_digits

    splits = []
    for split, n in (("train", N_POOL), ("validation", N_VAL), ("test", N_TEST)):
        x, y = make_cluttered_digits(n, split, **TASK, seed=0)
        splits.append((x.astype(np.float32) / np.float32(255), y))
    return tuple(splits)


def _callbacks(x, y, seed: int):
    import keras

    from course_utils.engines.inference_metrics import training_set_metrics

    stop = keras.callbacks.EarlyStopping(
        monitor="val_loss",
        patience=TRAINING["patience"],
        start_from_epoch=TRAINING["start_from_epoch"],
        restore_best_weights=True,
    )
    return stop, [training_set_metrics(x, y, size=TRAIN_METRICS_SIZE, seed=seed), stop]


def kept_epoch(val_loss) -> int:
    """The epoch (from 1) whose weights EarlyStopping restores: the lowest validation loss from
    ``start_from_epoch`` on (Keras does not watch the epochs before it), the first if tied.

    Examples
    --------
    >>> kept_epoch([0.1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.45])   # epoch 1 is lower, but not watched
    7
    """
    start = TRAINING["start_from_epoch"]
    watched = list(val_loss)[start:] or list(val_loss)
    offset = start if len(val_loss) > start else 0
    return offset + min(range(len(watched)), key=lambda e: watched[e]) + 1


def _fit(model, rate: float, x, y, validation, seed: int) -> dict:
    """Compile, fit with early stopping, and return what the phase measured."""
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=rate), loss="binary_crossentropy", metrics=["accuracy"]
    )
    stop, callbacks = _callbacks(x, y, seed)
    started, cpu = time.perf_counter(), time.process_time()
    history = model.fit(
        x,
        y,
        batch_size=TRAINING["batch_size"],
        epochs=TRAINING["max_epochs"],
        validation_data=validation,
        callbacks=callbacks,
        verbose=0,
    )
    epochs = len(history.history["loss"])
    return {
        "history": stored_history(history),
        "epochs": epochs,
        "best_epoch": kept_epoch(history.history["val_loss"]),
        "reached_cap": epochs == TRAINING["max_epochs"],
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
    }


def _evaluate(model, x, y) -> dict:
    predicted = model.predict(x, batch_size=100, verbose=0)[:, 0] > 0.5
    correct = predicted == y.astype(bool)
    return {"accuracy": stored(correct.mean()), "images": int(len(y)), "correct": pack_correct(correct)}


def _weights_dir(weights_dir: Path | None) -> Path:
    """The folder of the pretrained weights: ``weights_dir``, else the package's data files in the checkout."""
    return Path(weights_dir) if weights_dir is not None else DATA_FILES


def train(experiment: Experiment, seed: int, data=None, weights_dir: Path | None = None) -> dict:
    """Train one configuration from ``seed``; keep the epoch with the lowest validation loss.

    Returns the stored record: facts, history (both phases for a pretrained trunk), best epoch,
    validation accuracy and which validation canvases it got right; for the ``plan`` design also
    the test accuracy (the test set's one reading).
    """
    import keras

    import course_utils

    check_experiment(experiment)
    (x_pool, y_pool), (x_val, y_val), (x_test, y_test) = data if data is not None else task_data()
    x, y = x_pool[: experiment.n_train], y_pool[: experiment.n_train]
    course_utils.seed_everything(seed)
    record: dict = {}
    if experiment.init == "pretrained":
        model, trunk = transfer_model(experiment.source, _weights_dir(weights_dir), TASK["image_size"])
        frozen = _fit(model, TRAINING["learning_rate"], x, y, (x_val, y_val), seed)
        record["frozen"] = {**frozen, "validation": _evaluate(model, x_val, y_val)}
        unfreeze(trunk)
        tuned = _fit(model, FINE_TUNING_RATE, x, y, (x_val, y_val), seed)
        record.update(tuned)
    else:
        model = build_model(experiment)
        record.update(_fit(model, TRAINING["learning_rate"], x, y, (x_val, y_val), seed))
    record["facts"] = facts(model)
    record["validation"] = _evaluate(model, x_val, y_val)
    if experiment.plan:
        record["test"] = _evaluate(model, x_test, y_test)
    keras.backend.clear_session()
    return record


def source_data(source: str):
    """``(x_train, y_train), (x_check, y_check)`` of a pretraining source, float32 in [0, 1].

    The digit sources use the **training split's** digits only (3,200 of them, by lesson 05's
    split); the validation and test canvases' digits are never seen. A tenth is held out to
    check the trunk learned its source task.
    """
    import numpy as np

    from course_utils.engines.data import load_dataset, make_shapes, train_val_split

    info = SOURCES[source]
    if "digits" in info:
        (x, y), _ = load_dataset("mnist_subset")
        (x, y), _ = train_val_split(x, y, val_size=0.2, seed=0)  # lesson 05's training digits
        keep = np.isin(y, info["digits"])
        x, y = x[keep], np.searchsorted(np.array(info["digits"]), y[keep])
    else:
        x, y = make_shapes(info["images"], image_size=info["input_shape"][0], seed=info["seed"])
    x = x.reshape(len(x), *info["input_shape"]).astype(np.float32) / np.float32(255)
    cut = len(x) - len(x) // 10
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def source_classes(source: str) -> int:
    info = SOURCES[source]
    return len(info["digits"]) if "digits" in info else 2


def pretrain(source: str, weights_dir: Path | None = None) -> dict:
    """Train :data:`TRUNK_LAYERS` with a new head on a source task; save the trunk's weights."""
    import keras

    import course_utils

    info = SOURCES[source]
    path = _weights_dir(weights_dir) / weights_file(source).name
    (x_train, y_train), (x_check, y_check) = source_data(source)
    course_utils.seed_everything(0)
    trunk = trunk_model(info["input_shape"])
    model = keras.Sequential(
        [
            keras.Input(shape=info["input_shape"]),
            trunk,
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(source_classes(source), activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=PRETRAINING_RATE),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    started, cpu = time.perf_counter(), time.process_time()
    model.fit(x_train, y_train, batch_size=TRAINING["batch_size"], epochs=info["epochs"], verbose=0)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    _, check_accuracy = model.evaluate(x_check, y_check, verbose=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    trunk.save_weights(path)
    keras.backend.clear_session()
    return {
        **{key: list(value) if isinstance(value, tuple) else value for key, value in info.items()},
        "training_images": int(len(y_train)),
        "held_out_accuracy": stored(check_accuracy),
        "held_out_images": int(len(y_check)),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1),
        "weights_file": path.name,
        "weights_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


# ---------------------------------------------------------------------------
# The file
# ---------------------------------------------------------------------------
def setup_record() -> dict:
    """How every run was made, as the file records it."""
    return {
        "task": {**TASK, "digits": list(TASK["digits"])},
        "pool_images": N_POOL,
        "validation_images": N_VAL,
        "test_images": N_TEST,
        "seeds": list(SEEDS),
        "training": dict(TRAINING),
        "fine_tuning_rate": FINE_TUNING_RATE,
        "pretraining_rate": PRETRAINING_RATE,
        "trunk_layers": [dict(spec) for spec in TRUNK_LAYERS],
        "keeps": "the epoch with the lowest validation loss (EarlyStopping, restore_best_weights=True)",
        "compares_on": "the validation canvases; the test canvases are read for the planned CNN only",
    }


def keys() -> list[str]:
    """The key of every run the code describes: every configuration of every group, with each seed."""
    return [run_key(group, e.name, seed) for group, runs in GROUPS.items() for e in runs for seed in SEEDS]


def make(groups=None, pretraining=None, path: Path | None = None, weights_dir: Path | None = None,
         fresh: bool = False) -> dict:  # fmt: skip
    """Pretrain the trunks of ``pretraining``, then train the runs of ``groups`` the file lacks.

    ``groups=None`` trains every group and ``pretraining=None`` pretrains every source whose
    trunk is not stored yet. Each run is written as soon as it finishes.
    """
    names = list(GROUPS) if groups is None else list(groups)
    sources = None if pretraining is None else list(pretraining)
    for kind, asked, allowed in (("groups", names, GROUPS), ("pretraining", sources or [], SOURCES)):
        unknown = [name for name in asked if name not in allowed]
        if unknown:
            raise ValueError(f"{kind} must be among {list(allowed)}, got {unknown}.")
    import course_utils

    course_utils.setup(keras=True, verbose=False)
    store = RunStore(Path(path) if path is not None else RESULTS_FILE, fresh=fresh)
    store.keep_only(keys())
    store.document["about"] = __doc__.split("\n\n")[0]
    store.document["setup"] = setup_record()
    pretrained = store.document.setdefault("pretraining", {})
    folder = _weights_dir(weights_dir)
    for source in SOURCES if sources is None else sources:
        settings = {"trunk_layers": [dict(spec) for spec in TRUNK_LAYERS], "trunk_momentum": TRUNK_MOMENTUM,
                    "learning_rate": PRETRAINING_RATE, **SOURCES[source]}  # fmt: skip
        settings = json.loads(json.dumps(settings))
        done = pretrained.get(source, {})
        if (
            sources is None
            and done.get("settings") == settings
            and (folder / weights_file(source).name).exists()
        ):
            continue
        record = pretrain(source, weights_dir)
        pretrained[source] = {"settings": settings, **record, "machine": machine()}
        store.write()
        print(
            f"  pretrained on {source}: {record['held_out_accuracy']:.3f} held out ({record['seconds']} s)",
            flush=True,
        )
    data = None
    for group in names:
        for experiment in GROUPS[group]:
            for seed in SEEDS:
                key = run_key(group, experiment.name, seed)
                settings = experiment.settings()
                if store.has(key, settings):
                    continue
                earlier = _stopped_before_its_cap(store.runs.get(key), settings)
                if (
                    earlier is not None
                ):  # the same run: training is deterministic and the cap never came into it
                    store.runs[key] = {**earlier, "settings": json.loads(json.dumps(settings))}
                    store.write()
                    continue
                twin = _same_run(store, settings, seed)
                if twin is not None:  # the same configuration in another group: trained once
                    store.put(key, {**twin, "group": group, "name": experiment.name,
                                    "description": experiment.description})  # fmt: skip
                    continue
                data = data if data is not None else task_data()
                record = train(experiment, seed, data, weights_dir)
                store.put(key, {"group": group, "name": experiment.name, "seed": seed,
                                "description": experiment.description, "settings": settings, **record})  # fmt: skip
                cap = " (reached the epoch cap)" if record["reached_cap"] else ""
                print(f"  {key}: validation {record['validation']['accuracy']:.3f} after {record['epochs']} epochs"
                      f"{cap} ({record['seconds']} s)", flush=True)  # fmt: skip
    for run in store.runs.values():  # derived from the history: kept in step with the code that reads it
        for phase in (run, run.get("frozen")):
            if phase and "history" in phase:
                phase["best_epoch"] = kept_epoch(phase["history"]["val_loss"])
    command = COMMAND if groups is None else f"{COMMAND} " + " ".join(f"--only {g}" for g in names)
    if store.trained == 0 and store.document.get("made_by"):
        store.write()  # nothing trained: the file keeps the record of the command that made it
        document = store.document
    else:
        document = store.finish(command, MODULE)
    missing = [key for key in keys() if key not in store.runs]
    if missing:
        print(f"{len(missing)} runs are not stored yet: {COMMAND} makes them.", flush=True)
    return document


def _stopped_before_its_cap(run: dict | None, settings: dict) -> dict | None:
    """``run`` if it is this run under a lower epoch cap, and early stopping ended it before that cap.

    Training is deterministic (the same seed, data and operations give the same weights), and a
    cap that was never reached took no part in the run: under a higher cap it is the same run, so
    it is kept and not trained again. A run that the cap stopped is trained again.

    Examples
    --------
    >>> new = {"training": {"max_epochs": 60, "patience": 6}}
    >>> old = {"settings": {"training": {"max_epochs": 40, "patience": 6}}, "reached_cap": False}
    >>> _stopped_before_its_cap(old, new) is old
    True
    >>> _stopped_before_its_cap({**old, "reached_cap": True}, new) is None
    True
    """
    if not isinstance(run, dict) or run.get("reached_cap") is not False:
        return None
    if run.get("frozen", {}).get("reached_cap"):
        return None
    old, new = json.loads(json.dumps(run.get("settings", {}))), json.loads(json.dumps(settings))
    old_cap = old.get("training", {}).pop("max_epochs", None)
    new_cap = new.get("training", {}).pop("max_epochs", None)
    if old_cap is None or new_cap is None or new_cap < old_cap or old != new:
        return None
    return run


def _same_run(store: RunStore, settings: dict, seed: int) -> dict | None:
    """A stored run with these settings and this seed, under any group and name."""
    wanted = json.loads(json.dumps(settings))
    for run in store.runs.values():
        if run.get("seed") == seed and run.get("settings") == wanted:
            return run
    return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", choices=list(GROUPS), help="train this group (repeatable)")
    parser.add_argument(
        "--pretrain", action="store_true", help="pretrain the trunks again, and train nothing else"
    )
    parser.add_argument("--list", action="store_true", help="list the runs of every group without training")
    parser.add_argument("--fresh", action="store_true", help="train every run again, from an empty file")
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
                print(f"{group:9} {run.name:26} seeds {', '.join(map(str, SEEDS))}  {run.description}")
        return 0
    started = time.perf_counter()
    if args.pretrain:
        make([], list(SOURCES), path=args.output, weights_dir=args.weights_dir, fresh=args.fresh)
    else:
        make(args.only, None, path=args.output, weights_dir=args.weights_dir, fresh=args.fresh)
    print(f"wrote {args.output or RESULTS_FILE} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
