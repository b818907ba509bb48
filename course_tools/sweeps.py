"""Train the runs that lesson 08 reads but does not train live, and store what they measured.

Lesson 08 measures every remedy for overfitting on one fixed setup: lesson 05's small CNN on the
bundled MNIST digits (3,200 training and 800 validation images). A minute is not enough to train
them all in the notebook, so this module trains them once, with the command and the machine
that made them::

    ./course sweeps                     # every group -> course_utils/data_files/runs_08.json
    ./course sweeps --only remedies     # one group (the others are kept from the file)
    ./course sweeps --list              # what each group holds, without training
    ./course sweeps --fresh             # start the file over

Every setting is trained with several seeds (:data:`SEEDS`; the baseline with
:data:`BASELINE_SEEDS`): two runs of the same model differ by their initial weights, dropout
masks and batch order, and lesson 08 compares a remedy's mean over seeds with that spread.
The command is resumable: each run is written to the file when it finishes, and a run already
stored with the same settings is skipped (``course_tools.run_store``).

Each run is described by a :class:`Run`, and the file stores its settings next to its history
(with the training-set loss and accuracy measured in inference mode each epoch,
``train_loss`` and ``train_accuracy``: ``course_utils.engines.inference_metrics``), its parameter count,
its training time, its confusion matrix on the validation images and which validation images it
got right (``val_correct``, a string of 0s and 1s), so that two runs can be compared image by
image (``course_utils.core.metrics.accuracy_difference_interval``). The test images are never used
here: lesson 08 compares remedies on validation data, and reports the test set once, for its
final recipe (``./course benchmark``). Lessons 05, 07 and 08 read the file with
:func:`course_utils.engines.stored_runs.load_sweeps`.

Examples
--------
>>> Run("baseline").settings()["filters"], Run("baseline").settings()["stages"]
(16, 2)
>>> list(GROUPS)
['remedies', 'batch_norm_rates', 'labels', 'schedules', 'architecture']
>>> sorted({run.seed for run in GROUPS["remedies"] if run.name == "baseline"})
[0, 1, 2, 3, 4]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
import sys
import time
from pathlib import Path

from course_tools import DATA_FILES, ROOT, checkout_path
from course_tools.run_store import RunStore, run_key, stored, stored_history
from course_utils.engines.stored_runs import SWEEPS_FILE

RUNS_FILE = DATA_FILES / SWEEPS_FILE.name
MODULE = checkout_path(__file__)
AUGMENTATIONS = ("none", "shift", "shift_rotate_zoom", "flip_rotate")
DROPOUT_PLACES = ("head", "stages")
SCHEDULES = ("constant", "cosine")
OPTIMIZERS = ("adam", "adamw")
SEEDS = (0, 1, 2)
"""The seeds of every setting: three runs give a mean and a spread."""
BASELINE_SEEDS = (0, 1, 2, 3, 4)
"""The baseline's seeds: its spread is the yardstick of every comparison (lessons 05, 07 and 08)."""
TRAIN_METRICS_SIZE = 1000
"""Training images evaluated in inference mode after each epoch (``train_loss``, ``train_accuracy``)."""


@dataclasses.dataclass(frozen=True)
class Run:
    """One training run of lesson 08: lesson 05's CNN with one thing changed.

    Parameters
    ----------
    name : str
        Unique in its group.
    description : str
        What was changed, in words.
    n_train : int
        The first ``n_train`` of the 3,200 training digits.
    stages, filters : int
        ``stages`` times Conv2D(filters * 2**stage, 3) and MaxPooling2D(pool_size) ('valid'
        padding, as in lesson 05), then Flatten.
    pool_size : int
        The pooling window and stride (2 in lesson 05).
    dense_units : int
        A Dense(dense_units, relu) layer before the output (0: none, as in lesson 05).
    dropout : float
        Dropout rate (0: none).
    dropout_place : {'head', 'stages'}
        Before the output layer, or after every pooling layer.
    l2 : float
        Keras's ``L2(l2)`` on every kernel: ``l2 * sum(w**2)`` added to the loss.
    augment : {'none', 'shift', 'shift_rotate_zoom', 'flip_rotate'}
        Preprocessing layers inside the model (active only while training). ``flip_rotate``
        flips left-right and rotates by up to 180 degrees: it changes some labels.
    batchnorm : bool
        Conv2D without bias, then BatchNormalization, then ReLU, in every stage.
    optimizer : {'adam', 'adamw'}
        Adam, or AdamW with decoupled ``weight_decay``.
    weight_decay : float
        AdamW's decoupled weight decay: each step shrinks every weight by
        ``learning_rate * weight_decay`` of itself, outside the gradient (0 with Adam).
    learning_rate : float
        The (first) learning rate.
    schedule : {'constant', 'cosine'}
        ``cosine``: CosineDecay from ``learning_rate`` to 0 over all the epochs.
    batch_size, epochs, seed : int
    patience : int
        EarlyStopping on the validation loss with this patience, restoring the best weights
        (0: no early stopping).
    """

    name: str
    description: str = "lesson 05's CNN"
    n_train: int = 3200
    stages: int = 2
    filters: int = 16
    pool_size: int = 2
    dense_units: int = 0
    dropout: float = 0.0
    dropout_place: str = "head"
    l2: float = 0.0
    augment: str = "none"
    batchnorm: bool = False
    optimizer: str = "adam"
    weight_decay: float = 0.0
    learning_rate: float = 3e-3
    schedule: str = "constant"
    batch_size: int = 64
    epochs: int = 20
    patience: int = 0
    seed: int = 0

    def settings(self) -> dict:
        """The run's settings, without its name and description (the seed included)."""
        values = dataclasses.asdict(self)
        values.pop("name")
        values.pop("description")
        return values


def seeded(runs, seeds=SEEDS) -> list[Run]:
    """Each run once per seed, the seeds of one run next to each other."""
    return [dataclasses.replace(run, seed=seed) for run in runs for seed in seeds]


# fmt: off
#: One change at a time against lesson 05's CNN, 20 epochs each (no early stopping, except where stated).
REMEDIES = seeded([Run("baseline")], BASELINE_SEEDS) + seeded([
    Run("dropout 0.25", "dropout 0.25 before the output layer", dropout=0.25),
    Run("dropout 0.5", "dropout 0.5 before the output layer", dropout=0.5),
    Run("dropout 0.25 in stages", "dropout 0.25 after each pooling layer", dropout=0.25, dropout_place="stages"),
    Run("L2 1e-4", "L2(1e-4) on every kernel, Adam", l2=1e-4),
    Run("L2 1e-3", "L2(1e-3) on every kernel, Adam", l2=1e-3),
    Run("AdamW 0.01", "AdamW(weight_decay=0.01): decoupled weight decay", optimizer="adamw", weight_decay=0.01),
    Run("AdamW 0.1", "AdamW(weight_decay=0.1): decoupled weight decay", optimizer="adamw", weight_decay=0.1),
    Run("shift", "RandomTranslation(0.1, 0.1)", augment="shift"),
    Run("shift rotate zoom", "RandomTranslation(0.1, 0.1), RandomRotation(0.05), RandomZoom(0.1)",
        augment="shift_rotate_zoom"),
    Run("batch norm", "Conv2D, BatchNormalization, ReLU in each stage", batchnorm=True),
    Run("early stopping", "EarlyStopping(patience=3, restore_best_weights=True)", patience=3),
    Run("batch 16", "batch size 16 instead of 64", batch_size=16),
    Run("batch 256", "batch size 256 instead of 64", batch_size=256),
])

#: What batch normalization is mainly for: a higher learning rate that still trains stably, and fast.
BATCH_NORM_RATES = seeded([
    Run(f"{name}lr {rate:g}", f"{'Conv2D, BatchNormalization, ReLU; ' if bn else ''}Adam at {rate:g}",
        batchnorm=bn, learning_rate=rate, epochs=10)
    for rate in (3e-3, 1e-2, 3e-2) for bn, name in ((False, ""), (True, "batch norm, "))
])

#: An augmentation that changes labels, against one that does not.
LABELS = seeded([
    Run("flip rotate", "RandomFlip('horizontal') and RandomRotation(0.5): up to 180 degrees", augment="flip_rotate"),
])

#: The learning rate: a constant rate against cosine decay.
SCHEDULES_RUNS = seeded([
    Run("constant 1e-3", "Adam at 0.001", learning_rate=1e-3),
    Run("cosine 3e-3", "Adam from 0.003, cosine decay to 0", schedule="cosine"),
    Run("cosine 1e-2", "Adam from 0.01, cosine decay to 0", learning_rate=1e-2, schedule="cosine"),
])

#: The source notes' architecture questions, as a Kaggle notebook would ask them (early stopping, 30 epochs).
#: "2 stages" is lesson 05's shape (16 filters, 2x2 pooling, no dense layer): the reference of every row.
ARCHITECTURE = seeded(
    [Run(f"{n} stages", f"{n} conv-pool pairs", stages=n, epochs=30, patience=3) for n in (1, 2, 3)]
    + [Run(f"{f} filters", f"{f} then {2 * f} feature maps", filters=f, epochs=30, patience=3) for f in (8, 32, 64)]
    + [Run("pool 3", "MaxPooling2D(3) in both stages", pool_size=3, epochs=30, patience=3)]
    + [Run(f"dense {u}", f"Dense({u}) before the output", dense_units=u, epochs=30, patience=3) for u in (32, 128)]
    + [Run(f"dropout {r}", f"Dense(128), then dropout {r}", dense_units=128, dropout=r, epochs=30, patience=3)
       for r in (0.2, 0.4, 0.6)]
)
# fmt: on

GROUPS = {
    "remedies": REMEDIES,
    "batch_norm_rates": BATCH_NORM_RATES,
    "labels": LABELS,
    "schedules": SCHEDULES_RUNS,
    "architecture": ARCHITECTURE,
}


def _check(run: Run) -> None:
    for field, allowed in (
        ("augment", AUGMENTATIONS),
        ("dropout_place", DROPOUT_PLACES),
        ("schedule", SCHEDULES),
        ("optimizer", OPTIMIZERS),
    ):
        if getattr(run, field) not in allowed:
            raise ValueError(
                f"run {run.name!r}: {field} must be one of {allowed}, got {getattr(run, field)!r}."
            )


def augmentation_layers(augment: str, seed: int = 0) -> list:
    """The Keras preprocessing layers of one ``augment`` setting (active only while training)."""
    from keras import layers

    if augment not in AUGMENTATIONS:
        raise ValueError(f"augment must be one of {AUGMENTATIONS}, got {augment!r}.")
    if augment == "none":
        return []
    if augment == "shift":
        return [layers.RandomTranslation(0.1, 0.1, seed=seed)]
    if augment == "shift_rotate_zoom":
        return [
            layers.RandomTranslation(0.1, 0.1, seed=seed),
            layers.RandomRotation(0.05, seed=seed + 1),
            layers.RandomZoom(0.1, seed=seed + 2),
        ]
    return [layers.RandomFlip("horizontal", seed=seed), layers.RandomRotation(0.5, seed=seed + 1)]


def build_model(run: Run):
    """The Keras model that ``run`` describes (uncompiled), for 28x28 grey digits and 10 classes."""
    import keras
    from keras import layers

    regularizer = keras.regularizers.L2(run.l2) if run.l2 else None
    stack = [keras.Input(shape=(28, 28, 1)), *augmentation_layers(run.augment, run.seed)]
    for stage in range(run.stages):
        filters = run.filters * 2**stage
        if run.batchnorm:
            stack += [
                layers.Conv2D(filters, 3, use_bias=False, kernel_regularizer=regularizer),
                layers.BatchNormalization(),
                layers.Activation("relu"),
            ]
        else:
            stack.append(layers.Conv2D(filters, 3, activation="relu", kernel_regularizer=regularizer))
        stack.append(layers.MaxPooling2D(run.pool_size))
        if run.dropout and run.dropout_place == "stages":
            stack.append(layers.Dropout(run.dropout))
    stack.append(layers.Flatten())
    if run.dense_units:
        stack.append(layers.Dense(run.dense_units, activation="relu", kernel_regularizer=regularizer))
    if run.dropout and run.dropout_place == "head":
        stack.append(layers.Dropout(run.dropout))
    stack.append(layers.Dense(10, activation="softmax", kernel_regularizer=regularizer))
    return keras.Sequential(stack, name=re.sub(r"[^A-Za-z0-9]+", "_", run.name))


def data():
    """``(x_train, y_train), (x_val, y_val)``: lesson 05's split, float32 in [0, 1]."""
    import numpy as np

    from course_utils.engines.data import load_dataset, train_val_split

    (x, y), _ = load_dataset("mnist_subset")  # the test digits are never used here
    (x_train, y_train), (x_val, y_val) = train_val_split(x, y, val_size=0.2, seed=0)

    def scale(images):
        return images.astype(np.float32) / np.float32(255)

    return (scale(x_train), y_train), (scale(x_val), y_val)


def _optimizer(run: Run, learning_rate):
    import keras

    if run.optimizer == "adamw":
        return keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=run.weight_decay)
    return keras.optimizers.Adam(learning_rate=learning_rate)


def train(run: Run, split=None) -> dict:
    """Train ``run`` from its seed; return its history, parameters, seconds and validation confusion matrix."""
    import keras
    import numpy as np

    import course_utils
    from course_utils.core.metrics import confusion_matrix
    from course_utils.engines.inference_metrics import training_set_metrics

    _check(run)
    (x_train, y_train), (x_val, y_val) = split or data()
    x_train, y_train = x_train[: run.n_train], y_train[: run.n_train]
    course_utils.seed_everything(run.seed)
    model = build_model(run)
    learning_rate = run.learning_rate
    if run.schedule == "cosine":
        steps = math.ceil(len(x_train) / run.batch_size) * run.epochs
        learning_rate = keras.optimizers.schedules.CosineDecay(run.learning_rate, decay_steps=steps)
    model.compile(
        optimizer=_optimizer(run, learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    # the training-set figures as the model predicts (dropout off, no augmentation), before early stopping
    callbacks = [training_set_metrics(x_train, y_train, size=TRAIN_METRICS_SIZE, seed=run.seed)]
    if run.patience:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=run.patience, restore_best_weights=True
            )
        )
    started = time.perf_counter()
    cpu_started = time.process_time()
    history = model.fit(
        x_train,
        y_train,
        batch_size=run.batch_size,
        epochs=run.epochs,
        validation_data=(x_val, y_val),
        callbacks=callbacks,
        verbose=0,
    )
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    predicted = model.predict(x_val, verbose=0).argmax(axis=1)
    result = {
        "history": stored_history(history),
        "params": int(model.count_params()),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1),
        "val_accuracy": stored(np.mean(predicted == y_val)),
        "confusion": confusion_matrix(y_val, predicted, labels=list(range(10))).tolist(),
        # one character per validation image, 1 where the run is right: paired comparisons of two runs
        "val_correct": "".join("1" if right else "0" for right in predicted == y_val),
    }
    keras.backend.clear_session()
    return result


def keys() -> list[str]:
    """The key of every run the code describes, in the order of :data:`GROUPS`."""
    return [run_key(group, run.name, run.seed) for group, runs in GROUPS.items() for run in runs]


def make(only=None, path: Path | None = None, fresh: bool = False) -> dict:
    """Train the runs of the groups in ``only`` (default: all) that ``path`` does not hold yet.

    Each run is written to the file when it finishes; a run stored with the same settings is
    skipped, so an interrupted command goes on where it stopped.
    """
    import course_utils

    path = Path(path) if path is not None else RUNS_FILE
    only = list(GROUPS) if not only else list(only)
    for group in only:
        if group not in GROUPS:
            raise ValueError(f"only must name groups among {sorted(GROUPS)}, got {group!r}.")
    store = RunStore(path, fresh=fresh)
    store.keep_only(keys())
    course_utils.setup(keras=True, verbose=False)
    split = data()
    for group in only:
        for run in GROUPS[group]:
            key = run_key(group, run.name, run.seed)
            if store.has(key, run.settings()):
                continue
            run_started = time.perf_counter()
            result = train(run, split)
            store.put(
                key,
                {
                    "group": group,
                    "name": run.name,
                    "seed": run.seed,
                    "description": run.description,
                    "settings": run.settings(),
                    **result,
                },
            )
            print(f"  {key} ({time.perf_counter() - run_started:.1f} s)", flush=True)
    missing = [key for key in keys() if key not in store.runs]
    command = "./course sweeps" + ("" if set(only) == set(GROUPS) else " --only " + " ".join(only))
    document = store.finish(command, MODULE)
    if missing:
        print(f"{len(missing)} runs are not stored yet: ./course sweeps makes them.", flush=True)
    return document


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="./course sweeps", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=list(GROUPS), help="train these groups only")
    parser.add_argument(
        "--output", type=Path, help=f"where to write (default: {RUNS_FILE.relative_to(ROOT)})"
    )
    parser.add_argument("--fresh", action="store_true", help="train every run again, from an empty file")
    parser.add_argument("--list", action="store_true", help="list the runs without training")
    args = parser.parse_args(argv)
    if args.list:
        for group, runs in GROUPS.items():
            for run in runs:
                print(f"{group:16} {run.name:24} seed {run.seed}  {run.description}")
        return 0
    document = make(args.only, args.output, fresh=args.fresh)
    print(f"wrote {args.output or RUNS_FILE} ({len(document['runs'])} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
