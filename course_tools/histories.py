"""Train the runs that lesson 07 reads but does not train live, and store their histories.

Lesson 07 trains five runs live. Its diagnosis clinic and its two sweeps need more runs than
a notebook can train in a minute, so this module trains them once and stores what
``model.fit`` returned (with the training loss and accuracy measured as the model predicts
after each epoch, ``train_loss`` and ``train_accuracy``: ``course_utils.engines.inference_metrics``),
with the command and the machine that made them::

    ./course histories                  # the lesson's runs -> course_utils/data_files/histories_07.json
    ./course histories --set heldout    # runs the lesson never shows -> tests/data/histories_heldout.json
    ./course histories --list           # what each set holds, without training

Every run is described by a :class:`Run` (data, model, optimizer, learning rate, epochs,
seed), so the file says exactly how each history was made, and the same command makes it
again. Runs are seeded; another machine gives curves of the same shape whose last digits
differ (see CONTRIBUTING, "Outputs that a test compares").

The held-out set is made with other seeds, data, models, optimizers and learning rates than
the lesson's: ``tests/test_diagnosis.py`` checks :func:`course_utils.engines.diagnosis.diagnose` on it.

Examples
--------
>>> run = Run("tiny", label="underfitting", description="two hidden units", width=2)
>>> run.settings()["model"], run.settings()["width"]
('mlp', 2)
>>> [name for name in LESSON_SETS]
['clinic', 'capacity_sweep', 'data_sweep', 'examples', 'exercise']
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

from course_tools import DATA_FILES, ROOT, checkout_path
from course_tools.run_store import made_by, stored_history
from course_utils.engines.diagnosis import HISTORIES_FILE, load_histories  # noqa: F401  (re-exported for maintainers)

LESSON_FILE = DATA_FILES / HISTORIES_FILE.name
HELDOUT_FILE = ROOT / "tests" / "data" / "histories_heldout.json"
MODULE = checkout_path(__file__)
TRAIN_METRICS_SIZE = 1000
"""Training images evaluated as the model predicts after each epoch (``train_loss``, ``train_accuracy``)."""

DATA = ("mnist_subset", "shapes")
MODELS = ("mlp", "cnn")
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "adagrad")
SHAPES_IMAGE_SIZE = 32
"""Side of the ``shapes`` images used here: small, so that a CNN trains in seconds."""


@dataclasses.dataclass(frozen=True)
class Run:
    """One training run: everything needed to make its history again.

    Parameters
    ----------
    name : str
        A short name, unique in its set.
    label : str
        The verdict the run was designed to show (``''`` for a sweep point).
    description : str
        What was changed, in words.
    data : {'mnist_subset', 'shapes'}
        The bundled MNIST digits, or circles against squares (``course_utils.engines.data.make_shapes``).
    n_train, n_val : int
        Training and validation images. For MNIST the validation images are a stratified,
        seeded split of the bundled training digits, and the training images the first
        ``n_train`` of the rest.
    noise : float
        Pixel noise of the shapes task.
    model : {'mlp', 'cnn'}
        ``mlp``: Flatten, then ``depth`` Dense(width) layers. ``cnn``: ``depth`` stages of
        Conv2D(width * 2**stage, 3, padding='same') and MaxPooling2D(2), then Flatten.
    width, depth : int
        ``depth=0`` with ``model='mlp'`` is a linear model.
    dropout : float
        Dropout rate after each hidden layer (0: none).
    batchnorm : bool
        A BatchNormalization layer after each hidden layer.
    optimizer : {'adam', 'adamw', 'sgd', 'rmsprop', 'adagrad'}
    learning_rate, momentum : float
        ``momentum`` is used by SGD only.
    batch_size, epochs, seed : int
    """

    name: str
    label: str = ""
    description: str = ""
    data: str = "mnist_subset"
    n_train: int = 3200
    n_val: int = 800
    noise: float = 0.1
    model: str = "mlp"
    width: int = 64
    depth: int = 1
    dropout: float = 0.0
    batchnorm: bool = False
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    momentum: float = 0.0
    batch_size: int = 64
    epochs: int = 10
    seed: int = 0

    def settings(self) -> dict:
        """The run's settings, without its name, label and description."""
        values = dataclasses.asdict(self)
        for key in ("name", "label", "description"):
            values.pop(key)
        return values


# ---------------------------------------------------------------------------
# The lesson's runs (all MNIST digits: the same task as the lesson's live runs)
# ---------------------------------------------------------------------------
#: 11 histories the learner labels in the clinic, each made to show one verdict.
CLINIC = [
    Run("A", "overfitting", "a 2-stage CNN on 300 digits for 40 epochs",
        model="cnn", width=16, depth=2, n_train=300, epochs=40, batch_size=32, seed=11),
    Run("B", "not converged", "an MLP trained with plain SGD at a learning rate of 0.002",
        optimizer="sgd", learning_rate=0.002, epochs=12, seed=12),
    Run("C", "good fit", "a CNN with dropout 0.3 on 3,200 digits for 15 epochs",
        model="cnn", width=8, depth=2, dropout=0.3, epochs=15, seed=13),
    Run("D", "underfitting", "an MLP with 3 hidden units for 25 epochs",
        width=3, learning_rate=3e-3, epochs=25, seed=14),
    Run("E", "unstable", "an MLP trained with Adam at a learning rate of 0.03",
        learning_rate=0.03, epochs=15, seed=15),
    Run("F", "overfitting", "an MLP with 256 units and dropout 0.5 on 150 digits for 30 epochs",
        width=256, dropout=0.5, n_train=150, epochs=30, batch_size=32, seed=16),
    Run("G", "not converged", "a CNN stopped after 3 epochs",
        model="cnn", width=8, depth=2, epochs=3, seed=17),
    Run("H", "good fit", "an MLP with dropout 0.8 after 16 units: Keras's training figures, measured with "
        "dropout on, read far worse than the validation ones", width=16, dropout=0.8, epochs=20, seed=18),
    Run("I", "good fit", "an MLP with 32 units and dropout 0.5, RMSprop, 20 epochs",
        width=32, dropout=0.5, optimizer="rmsprop", learning_rate=5e-4, epochs=20, seed=19),
    Run("J", "unstable", "an MLP trained with SGD at a learning rate of 20",
        optimizer="sgd", learning_rate=20.0, epochs=8, seed=20),
    Run("K", "good fit", "a CNN with dropout validated on only 100 digits",
        model="cnn", width=8, depth=2, dropout=0.25, n_train=1600, n_val=100, epochs=12, seed=24),
]  # fmt: skip

#: One MLP, ever wider, on 500 digits: training and validation loss against model size.
CAPACITY_SWEEP = [
    Run(f"{width} units", description=f"MLP with {width} hidden units, 500 digits, 30 epochs",
        width=width, n_train=500, epochs=30, batch_size=32, seed=21)
    for width in (2, 4, 16, 64, 256, 1024)
]  # fmt: skip

#: One CNN, on ever more digits: the learning curve against the number of training images.
DATA_SWEEP = [
    Run(f"{n} images", description=f"CNN with 8 filters, {n} training digits, 20 epochs",
        model="cnn", width=8, depth=2, n_train=n, epochs=20, batch_size=32, seed=22)
    for n in (100, 200, 400, 800, 1600, 3200)
]  # fmt: skip

#: A gap that is large but still closing: batch normalization's validation loss lags at first.
EXAMPLES = [
    Run("closing gap", "not converged", "a CNN with batch normalization, stopped after 6 epochs",
        model="cnn", width=8, depth=2, batchnorm=True, learning_rate=3e-3, epochs=6, seed=23),
]  # fmt: skip

#: The lesson's live run with less data, stored for exercise 6's checker (which must not train).
EXERCISE = [
    Run("overfitting", "overfitting", "the lesson's MLP (128 units, dropout 0.5) on 150 digits for 20 epochs",
        width=128, dropout=0.5, n_train=150, epochs=20, batch_size=32, seed=0),
]  # fmt: skip

LESSON_SETS = {
    "clinic": CLINIC,
    "capacity_sweep": CAPACITY_SWEEP,
    "data_sweep": DATA_SWEEP,
    "examples": EXAMPLES,
    "exercise": EXERCISE,
}

# ---------------------------------------------------------------------------
# Held-out runs: other seeds, data, models, optimizers and learning rates
# ---------------------------------------------------------------------------
HELDOUT = [
    # shapes: circles against squares, 32x32
    Run("shapes cnn good", "good fit", "CNN with dropout on 2,000 shapes", data="shapes", n_train=2000,
        n_val=500, noise=0.15, model="cnn", width=8, depth=2, dropout=0.3, learning_rate=3e-3, epochs=18, seed=101),
    Run("shapes mlp overfit", "overfitting", "big MLP on 150 very noisy shapes", data="shapes",
        n_train=150, n_val=400, noise=0.6, width=256, depth=2, epochs=40, batch_size=32, seed=102),
    Run("shapes cnn short", "not converged", "CNN, SGD with momentum, stopped after 4 epochs", data="shapes",
        n_train=2000, n_val=500, noise=0.15, model="cnn", width=8, depth=2, optimizer="sgd", learning_rate=0.05,
        momentum=0.9, epochs=4, seed=104),
    Run("shapes cnn blowup", "unstable", "CNN with SGD at a learning rate of 50", data="shapes",
        n_train=1000, n_val=300, model="cnn", width=8, depth=2, optimizer="sgd", learning_rate=50.0,
        epochs=6, seed=105),
    # MNIST with other models, optimizers and learning rates than the lesson's
    Run("mnist adamw good", "good fit", "MLP 2x96 with dropout 0.4, AdamW", width=96, depth=2,
        dropout=0.4, optimizer="adamw", learning_rate=1e-3, epochs=15, seed=106),
    Run("mnist sgd momentum good", "good fit", "CNN, SGD with momentum 0.9", model="cnn", width=8,
        depth=2, dropout=0.25, optimizer="sgd", learning_rate=0.02, momentum=0.9, epochs=12, seed=107),
    Run("mnist cnn overfit", "overfitting", "3-stage CNN on 200 digits", model="cnn", width=16, depth=3,
        n_train=200, epochs=50, batch_size=16, seed=108),
    Run("mnist rmsprop overfit", "overfitting", "MLP 1024 units on 300 digits, RMSprop", width=1024,
        n_train=300, optimizer="rmsprop", learning_rate=1e-3, epochs=40, batch_size=32, seed=109),
    Run("mnist adagrad slow", "not converged", "MLP with Adagrad at 0.001", optimizer="adagrad",
        learning_rate=1e-3, epochs=15, seed=110),
    Run("mnist adam tiny lr", "not converged", "CNN with Adam at 1e-5", model="cnn", width=8, depth=2,
        learning_rate=1e-5, epochs=8, seed=111),
    Run("mnist three epochs", "not converged", "MLP 2x256 stopped after 3 epochs", width=256, depth=2,
        learning_rate=3e-4, epochs=3, seed=112),
    Run("mnist tiny mlp", "underfitting", "MLP with 3 hidden units, RMSprop", width=3,
        optimizer="rmsprop", learning_rate=3e-3, epochs=25, seed=113),
    Run("mnist cnn 1 filter", "underfitting", "4-stage CNN with 1, 2, 4 and 8 filters", model="cnn",
        width=1, depth=4, optimizer="adamw", learning_rate=5e-3, epochs=20, seed=114),
    Run("mnist rmsprop unstable", "unstable", "CNN with RMSprop at 0.02", model="cnn", width=8, depth=2,
        optimizer="rmsprop", learning_rate=0.02, epochs=12, seed=115),
    Run("mnist adam unstable", "unstable", "MLP 2x128 with Adam at 0.05", width=128, depth=2,
        learning_rate=0.05, epochs=12, seed=116),
    Run("mnist sgd blowup", "unstable", "MLP with SGD at a learning rate of 30", optimizer="sgd",
        learning_rate=30.0, epochs=6, seed=117),
    # more, each recording the training figures as the model predicts
    Run("mnist cnn dropout good", "good fit", "CNN 16-32 with dropout 0.5 on 3,200 digits", model="cnn", width=16,
        depth=2, dropout=0.5, epochs=15, seed=201),
    Run("mnist wide mlp overfit", "overfitting", "MLP 2x512 on 600 digits for 40 epochs", width=512, depth=2,
        n_train=600, epochs=40, batch_size=32, seed=202),
    Run("mnist cnn batchnorm fast", "good fit", "CNN with batch normalization, Adam at 0.01", model="cnn",
        width=8, depth=2, batchnorm=True, learning_rate=0.01, epochs=12, seed=203),
    Run("mnist sgd 0.5", "overfitting", "MLP 2x64, plain SGD at a learning rate of 0.5: it trains, and overfits", width=64, depth=2,
        optimizer="sgd", learning_rate=0.5, epochs=15, seed=204),
    Run("mnist cnn adam 0.02", "unstable", "CNN 8-16 with Adam at 0.02", model="cnn", width=8, depth=2,
        learning_rate=0.02, epochs=15, seed=205),
    Run("shapes linear", "overfitting", "a linear model (no hidden layer) on noisy shapes", data="shapes",
        n_train=2000, n_val=500, noise=0.3, depth=0, learning_rate=3e-3, epochs=20, seed=206),
    Run("shapes cnn 200", "overfitting", "CNN 16-32 on 200 noisy shapes for 40 epochs", data="shapes",
        n_train=200, n_val=500, noise=0.4, model="cnn", width=16, depth=2, epochs=40, batch_size=16, seed=207),
    Run("mnist rmsprop tiny lr", "not converged", "MLP with RMSprop at 1e-5", optimizer="rmsprop",
        learning_rate=1e-5, epochs=10, seed=208),
    Run("mnist mlp dropout 0.3", "overfitting", "MLP 256 units with dropout 0.3, 20 epochs", width=256,
        dropout=0.3, epochs=20, seed=209),
    Run("mnist cnn 100 digits", "overfitting", "CNN 16-32 on 100 digits for 40 epochs", model="cnn", width=16,
        depth=2, n_train=100, epochs=40, batch_size=16, seed=210),
    Run("mnist adamw 1000", "overfitting", "MLP 128 with AdamW, 1,000 digits, dropout 0.5", width=128, dropout=0.5,
        n_train=1000, optimizer="adamw", epochs=25, batch_size=32, seed=211),
    Run("mnist tiny cnn", "good fit", "CNN with 1 then 2 filters, Adam at 0.003", model="cnn", width=1,
        depth=2, learning_rate=3e-3, epochs=20, seed=212),
]  # fmt: skip

SETS = {"lesson": LESSON_SETS, "heldout": {"heldout": HELDOUT}}
FILES = {"lesson": LESSON_FILE, "heldout": HELDOUT_FILE}


# ---------------------------------------------------------------------------
# Training (Keras is imported here, never at module level)
# ---------------------------------------------------------------------------
def _data(run: Run):
    """``(x_train, y_train), (x_val, y_val)`` as float32 in [0, 1], and the number of classes."""
    import numpy as np

    from course_utils.engines.data import load_dataset, make_shapes, train_val_split

    if run.data == "mnist_subset":
        (x, y), _ = load_dataset("mnist_subset")  # the test digits are never used here
        (x_train, y_train), (x_val, y_val) = train_val_split(x, y, val_size=run.n_val, seed=run.seed)
        x_train, y_train = x_train[: run.n_train], y_train[: run.n_train]
        classes = 10
    else:
        x, y = make_shapes(
            run.n_train + run.n_val, image_size=SHAPES_IMAGE_SIZE, noise=run.noise, seed=run.seed
        )
        x_train, y_train, x_val, y_val = (
            x[: run.n_train],
            y[: run.n_train],
            x[run.n_train :],
            y[run.n_train :],
        )
        classes = 2

    def scale(images):
        return images.astype(np.float32) / np.float32(255)

    return (scale(x_train), y_train), (scale(x_val), y_val), classes


def build_model(run: Run, input_shape, classes: int):
    """The Keras model that ``run`` describes (uncompiled)."""
    import keras
    from keras import layers

    stack = [keras.Input(shape=input_shape)]
    if run.model == "mlp":
        stack.append(layers.Flatten())
        for _ in range(run.depth):
            stack.append(layers.Dense(run.width, activation="relu"))
            if run.batchnorm:
                stack.append(layers.BatchNormalization())
            if run.dropout:
                stack.append(layers.Dropout(run.dropout))
    else:
        for stage in range(run.depth):
            stack.append(layers.Conv2D(run.width * 2**stage, 3, padding="same", activation="relu"))
            if run.batchnorm:
                stack.append(layers.BatchNormalization())
            stack.append(layers.MaxPooling2D(2))
        stack.append(layers.Flatten())
        if run.dropout:
            stack.append(layers.Dropout(run.dropout))
    stack.append(layers.Dense(classes, activation="softmax"))
    return keras.Sequential(stack, name=run.model)


def _optimizer(run: Run):
    import keras

    if run.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate=run.learning_rate, momentum=run.momentum)
    kinds = {
        "adam": keras.optimizers.Adam,
        "adamw": keras.optimizers.AdamW,
        "rmsprop": keras.optimizers.RMSprop,
        "adagrad": keras.optimizers.Adagrad,
    }
    return kinds[run.optimizer](learning_rate=run.learning_rate)


def _check(run: Run) -> None:
    for field, allowed in (("data", DATA), ("model", MODELS), ("optimizer", OPTIMIZERS)):
        if getattr(run, field) not in allowed:
            raise ValueError(
                f"run {run.name!r}: {field} must be one of {allowed}, got {getattr(run, field)!r}."
            )


def train(run: Run) -> dict[str, list[float]]:
    """Train ``run`` from its seed and return its history (``model.fit(...).history``)."""
    import keras

    import course_utils
    from course_utils.engines.inference_metrics import training_set_metrics

    _check(run)
    (x_train, y_train), (x_val, y_val), classes = _data(run)
    course_utils.seed_everything(run.seed)
    model = build_model(run, x_train.shape[1:], classes)
    model.compile(optimizer=_optimizer(run), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(
        x_train,
        y_train,
        batch_size=run.batch_size,
        epochs=run.epochs,
        validation_data=(x_val, y_val),
        # the training figures as the model predicts: dropout off, the same images every epoch
        callbacks=[training_set_metrics(x_train, y_train, size=TRAIN_METRICS_SIZE, seed=run.seed)],
        verbose=0,
    )
    keras.backend.clear_session()
    return stored_history(history)


# ---------------------------------------------------------------------------
# The file
# ---------------------------------------------------------------------------
def make(set_name: str = "lesson", path: Path | None = None) -> dict:
    """Train every run of ``set_name`` and write them, with how they were made, to ``path``."""
    if set_name not in SETS:
        raise ValueError(f"set_name must be one of {sorted(SETS)}, got {set_name!r}.")
    path = Path(path) if path is not None else FILES[set_name]
    import course_utils

    course_utils.setup(keras=True, verbose=False)
    started, cpu_started = time.perf_counter(), time.process_time()
    groups = {}
    for group, runs in SETS[set_name].items():
        groups[group] = []
        for run in runs:
            run_started = time.perf_counter()
            history = train(run)
            groups[group].append(
                {
                    "name": run.name,
                    "label": run.label,
                    "description": run.description,
                    "settings": run.settings(),
                    "history": history,
                }
            )
            print(f"  {group}: {run.name} ({time.perf_counter() - run_started:.1f} s)", flush=True)
    command = "./course histories" + ("" if set_name == "lesson" else f" --set {set_name}")
    document = {
        "made_by": made_by(
            command,
            MODULE,
            time.perf_counter() - started,
            time.process_time() - cpu_started,
        ),
        "runs": groups,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return document


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="./course histories", description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", dest="set_name", choices=sorted(SETS), default="lesson")
    parser.add_argument("--output", type=Path, help="where to write (default: the set's own file)")
    parser.add_argument("--list", action="store_true", help="list the runs of the set without training")
    args = parser.parse_args(argv)
    if args.list:
        for group, runs in SETS[args.set_name].items():
            for run in runs:
                print(f"{group:15} {run.name:26} {run.label or '-':14} {run.description}")
        return 0
    document = make(args.set_name, args.output)
    where = args.output or FILES[args.set_name]
    print(f"wrote {where} in {document['made_by']['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
