"""Train the runs that lesson 08 reads but does not train live, and store what they measured.

Lesson 08 measures every remedy for overfitting on one fixed setup: lesson 05's small CNN on the
bundled MNIST digits (3,200 training and 800 validation images). A minute is not enough to train
them all in the notebook, so this module trains them once, with the command and the machine
that made them::

    ./course sweeps                     # every group -> course_utils/data_files/runs_08.json
    ./course sweeps --only remedies     # one group again (the others are kept from the file)
    ./course sweeps --list              # what each group holds, without training

Each run is described by a :class:`Run`, and the file stores its settings next to its history,
its parameter count, its training time, its confusion matrix on the validation images and which
validation images it got right (``val_correct``, a string of 0s and 1s), so that two runs can be
compared image by image (``course_utils.metrics.accuracy_difference_interval``). The
test images are never used here: lesson 08 compares remedies on validation data, and reports
the test set once, for its final recipe (``./course benchmark``). Lesson 08 reads the file with
``course_utils.diagnosis.load_histories(RUNS_FILE)``.

Examples
--------
>>> Run("baseline").settings()["filters"], Run("baseline").settings()["stages"]
(16, 2)
>>> sorted(GROUPS)
['architecture', 'labels', 'remedies', 'schedules']
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import math
import os
import sys
import time
from pathlib import Path

from course_utils.tooling.histories import machine

ROOT = Path(__file__).resolve().parents[2]
RUNS_FILE = ROOT / "course_utils" / "data_files" / "runs_08.json"
SIGNIFICANT_DIGITS = 6
AUGMENTATIONS = ("none", "shift", "shift_rotate_zoom", "flip_rotate")
DROPOUT_PLACES = ("head", "stages")
SCHEDULES = ("constant", "cosine")


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
    learning_rate : float
        Adam's (first) learning rate.
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
    learning_rate: float = 3e-3
    schedule: str = "constant"
    batch_size: int = 64
    epochs: int = 20
    patience: int = 0
    seed: int = 0

    def settings(self) -> dict:
        """The run's settings, without its name and description."""
        values = dataclasses.asdict(self)
        values.pop("name")
        values.pop("description")
        return values


# fmt: off
#: One change at a time against lesson 05's CNN, 20 epochs each (no early stopping, except where stated).
REMEDIES = [
    Run("baseline"),
    Run("dropout 0.25", "dropout 0.25 before the output layer", dropout=0.25),
    Run("dropout 0.5", "dropout 0.5 before the output layer", dropout=0.5),
    Run("dropout 0.25 in stages", "dropout 0.25 after each pooling layer", dropout=0.25, dropout_place="stages"),
    Run("L2 1e-4", "L2(1e-4) on every kernel", l2=1e-4),
    Run("L2 1e-3", "L2(1e-3) on every kernel", l2=1e-3),
    Run("shift", "RandomTranslation(0.1, 0.1)", augment="shift"),
    Run("shift rotate zoom", "RandomTranslation(0.1, 0.1), RandomRotation(0.05), RandomZoom(0.1)",
        augment="shift_rotate_zoom"),
    Run("batch norm", "Conv2D, BatchNormalization, ReLU in each stage", batchnorm=True),
    Run("early stopping", "EarlyStopping(patience=3, restore_best_weights=True)", patience=3),
    Run("batch 16", "batch size 16 instead of 64", batch_size=16),
    Run("batch 256", "batch size 256 instead of 64", batch_size=256),
]

#: An augmentation that changes labels, against one that does not.
LABELS = [
    Run("flip rotate", "RandomFlip('horizontal') and RandomRotation(0.5): up to 180 degrees", augment="flip_rotate"),
]

#: The learning rate: a constant rate against cosine decay.
SCHEDULES_RUNS = [
    Run("constant 1e-3", "Adam at 0.001", learning_rate=1e-3),
    Run("cosine 3e-3", "Adam from 0.003, cosine decay to 0", schedule="cosine"),
    Run("cosine 1e-2", "Adam from 0.01, cosine decay to 0", learning_rate=1e-2, schedule="cosine"),
]

#: The source notes' architecture questions, as a Kaggle notebook would ask them (early stopping, 30 epochs).
ARCHITECTURE = (
    [Run(f"{n} stages", f"{n} conv-pool pairs", stages=n, epochs=30, patience=3) for n in (1, 2, 3)]
    + [Run(f"{f} filters", f"{f} then {2 * f} feature maps", filters=f, epochs=30, patience=3)
       for f in (8, 16, 32, 64)]
    + [Run(f"pool {p}", f"MaxPooling2D({p}) in both stages", pool_size=p, epochs=30, patience=3) for p in (2, 3)]
    + [Run(f"dense {u}", f"Dense({u}) before the output", dense_units=u, epochs=30, patience=3)
       for u in (32, 128)]
    + [Run(f"dropout {r}", f"Dense(128), then dropout {r}", dense_units=128, dropout=r, epochs=30, patience=3)
       for r in (0.2, 0.4, 0.6)]
)
# fmt: on

GROUPS = {
    "remedies": REMEDIES,
    "labels": LABELS,
    "schedules": SCHEDULES_RUNS,
    "architecture": ARCHITECTURE,
}


def _check(run: Run) -> None:
    for field, allowed in (
        ("augment", AUGMENTATIONS),
        ("dropout_place", DROPOUT_PLACES),
        ("schedule", SCHEDULES),
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
    return keras.Sequential(stack, name=run.name.replace(" ", "_").replace(".", "_"))


def data():
    """``(x_train, y_train), (x_val, y_val)``: lesson 05's split, float32 in [0, 1]."""
    import numpy as np

    from course_utils.data import load_dataset, train_val_split

    (x, y), _ = load_dataset("mnist_subset")  # the test digits are never used here
    (x_train, y_train), (x_val, y_val) = train_val_split(x, y, val_size=0.2, seed=0)

    def scale(images):
        return images.astype(np.float32) / np.float32(255)

    return (scale(x_train), y_train), (scale(x_val), y_val)


def _stored(value: float) -> float:
    value = float(value)
    return value if not math.isfinite(value) else float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def train(run: Run, split=None) -> dict:
    """Train ``run`` from its seed; return its history, parameters, seconds and validation confusion matrix."""
    import keras
    import numpy as np

    import course_utils
    from course_utils.metrics import confusion_matrix

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
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    callbacks = []
    if run.patience:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=run.patience, restore_best_weights=True
            )
        )
    started = time.perf_counter()
    history = model.fit(
        x_train,
        y_train,
        batch_size=run.batch_size,
        epochs=run.epochs,
        validation_data=(x_val, y_val),
        callbacks=callbacks,
        verbose=0,
    )
    seconds = time.perf_counter() - started
    predicted = model.predict(x_val, verbose=0).argmax(axis=1)
    result = {
        "history": {key: [_stored(v) for v in values] for key, values in history.history.items()},
        "params": int(model.count_params()),
        "seconds": round(seconds, 1),
        "val_accuracy": _stored(np.mean(predicted == y_val)),
        "confusion": confusion_matrix(y_val, predicted, labels=list(range(10))).tolist(),
        # one character per validation image, 1 where the run is right: paired comparisons of two runs
        "val_correct": "".join("1" if right else "0" for right in predicted == y_val),
    }
    keras.backend.clear_session()
    return result


def make(only=None, path: Path | None = None) -> dict:
    """Train every run of the groups in ``only`` (default: all) and write the file at ``path``."""
    import course_utils

    path = Path(path) if path is not None else RUNS_FILE
    only = list(GROUPS) if not only else list(only)
    for group in only:
        if group not in GROUPS:
            raise ValueError(f"only must name groups among {sorted(GROUPS)}, got {group!r}.")
    document = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"made_by": {}, "runs": {}}
    course_utils.setup(keras=True, verbose=False)
    split = data()
    started = time.perf_counter()
    for group in only:
        document["runs"][group] = []
        for run in GROUPS[group]:
            run_started = time.perf_counter()
            result = train(run, split)
            document["runs"][group].append(
                {"name": run.name, "description": run.description, "settings": run.settings(), **result}
            )
            print(f"  {group}: {run.name} ({time.perf_counter() - run_started:.1f} s)", flush=True)
    command = "./course sweeps" + ("" if set(only) == set(GROUPS) else " --only " + " ".join(only))
    document["runs"] = {group: document["runs"][group] for group in GROUPS if group in document["runs"]}
    document["made_by"] = {
        "command": command,
        "module": "course_utils/tooling/sweeps.py",
        "date": datetime.date.today().isoformat(),
        "seconds": round(time.perf_counter() - started, 1),
        "machine": machine(),
        "determinism": os.environ.get("COURSE_OP_DETERMINISM", "1") != "0",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return document


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="./course sweeps", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=sorted(GROUPS), help="train these groups only")
    parser.add_argument(
        "--output", type=Path, help=f"where to write (default: {RUNS_FILE.relative_to(ROOT)})"
    )
    parser.add_argument("--list", action="store_true", help="list the runs without training")
    args = parser.parse_args(argv)
    if args.list:
        for group, runs in GROUPS.items():
            for run in runs:
                print(f"{group:13} {run.name:24} {run.description}")
        return 0
    document = make(args.only, args.output)
    print(f"wrote {args.output or RUNS_FILE} in {document['made_by']['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
