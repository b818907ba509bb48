"""Keras Tuner for lesson 08: one search space, three tuners, a search on a time budget, the best recipe.

The search space is written once, in :func:`build_model`. It asks the source notes'
architecture questions all at once, on the network of lesson 08's sweeps (lesson 05's CNN):
1 to 3 conv-pool stages whose first convolution has 8 to 64 filters (each next stage doubles
them), a dense layer of 0 (none) to 128 units, a dropout rate before the output layer, and
Adam's learning rate (sampled on a log scale). :func:`model_specs` gives the same network as
layer specs (:mod:`course_utils.engines.layer_specs`), so its shapes and parameter counts come without
Keras.

:func:`make_tuner` makes a ``RandomSearch``, ``BayesianOptimization`` or ``Hyperband`` tuner
over that space, with one objective (``val_accuracy``), a seed, and its files under a folder
you give (a ``tempfile.TemporaryDirectory()`` in the lesson). Keras Tuner stops a search after
a number of trials, never after a time: :func:`search` adds the time budget. It runs one trial
at a time and starts another only while the time used plus the longest trial so far fits in
the budget, then returns a :class:`SearchResult`: per trial its hyperparameters, validation
accuracy, epochs and seconds, and the best trial.

:func:`recipe_model` and :func:`train_recipe` are lesson 08's best recipe on the bundled MNIST
subset: a small CNN with augmentation layers inside the model, dropout and cosine-decayed Adam
(the settings are in :data:`RECIPE`). ``./course benchmark`` measures its test accuracy and
training time; :func:`load_results` reads what that command and ``./course tune-distributed``
stored.

Keras and Keras Tuner are imported inside the functions that need them, so importing this
module stays instant.

Examples
--------
>>> [spec["type"] for spec in model_specs(stages=1, filters=8, dense_units=32, dropout=0.2)]
['Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'Dropout', 'Dense']
>>> model_specs(stages=3, filters=16, dense_units=0, dropout=0.0)[4]["filters"]
64
>>> TUNER_KINDS
('random', 'bayesian', 'hyperband')
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from course_utils.core._constraints import Count, Option, OrNone, Real, Satisfies, validate_arguments
from course_utils.core._validation import check_labels, check_option, check_real, describe
from course_utils.core.formatting import plural, render_table
from course_utils.engines.data import DATA_DIR
from course_utils.engines.layer_specs import MNIST_INPUT, to_keras

__all__ = [
    "DEFAULTS",
    "DENSE_UNITS",
    "DROPOUT",
    "FILTERS",
    "LEARNING_RATE",
    "RECIPE",
    "RESULTS_FILES",
    "STAGES",
    "TUNER_KINDS",
    "RecipeRun",
    "SearchResult",
    "TrialResult",
    "build_model",
    "lesson_data",
    "load_results",
    "make_tuner",
    "model_specs",
    "recipe_model",
    "search",
    "train_recipe",
]

# ---------------------------------------------------------------------------
# The search space (the only place where it is written)
# ---------------------------------------------------------------------------
INPUT_SHAPE = MNIST_INPUT
NUM_CLASSES = 10
STAGES = (1, 2, 3)
"""How many conv-pool stages: ``Conv2D`` 3x3 ('valid', ReLU), then ``MaxPooling2D(2)``."""
FILTERS = (8, 16, 32, 64)
"""Filters of the first convolution; each next stage has twice as many."""
DENSE_UNITS = (0, 32, 64, 128)
"""Units of a dense layer (ReLU) after ``Flatten``; 0: none, ``Flatten`` feeds the output layer."""
DROPOUT = (0.0, 0.6, 0.1)
"""The dropout rate before the output layer: from, to, step (0: no ``Dropout`` layer)."""
LEARNING_RATE = (1e-4, 1e-2)
"""Adam's learning rate: from, to, sampled on a log scale."""
DEFAULTS = MappingProxyType(
    {"stages": 2, "filters": 16, "dense_units": 0, "dropout": 0.0, "learning_rate": 3e-3}
)
"""Each hyperparameter's value when nothing chooses it: lesson 05's CNN, with Adam at 0.003."""

TUNER_KINDS = ("random", "bayesian", "hyperband")
OBJECTIVE = "val_accuracy"
HYPERBAND_FACTOR = 3
"""Hyperband keeps the best 1/3 of each round's trials for the next round (Keras Tuner's default)."""

MAX_TRIALS = 1000
MAX_EPOCHS = 100
MAX_BATCH_SIZE = 4096
MAX_BUDGET = 24 * 3600.0
"""The longest budget :func:`search` accepts, in seconds (one day)."""
MAX_IMAGES = 100_000
"""The most images a helper of this module trains on (the bundled subset has 5,000)."""

# ---------------------------------------------------------------------------
# The recipe (lesson 08, "The best recipe, on a budget")
# ---------------------------------------------------------------------------
RECIPE = MappingProxyType(
    {
        "translation": 0.1,
        "rotation": 0.05,
        "zoom": 0.1,
        "filters": (32, 64),
        "units": 256,
        "dropout": 0.2,
        "learning_rate": 4e-3,
        "label_smoothing": 0.1,
        "batch_size": 128,
        "epochs": 20,
    }
)
"""The best recipe's settings. ``translation``, ``rotation`` and ``zoom`` are the factors of
``RandomTranslation`` (a share of the height and width), ``RandomRotation`` (a share of a full
turn) and ``RandomZoom``; ``filters`` one number per conv-pool pair ('same' padding); ``dropout``
the rate before and after the dense layer; ``learning_rate`` Adam's starting rate, decayed to 0
along a cosine over all the training steps; ``label_smoothing`` the share of each target moved
from the true class to all ten classes alike (the loss is ``CategoricalCrossentropy`` on one-hot
labels)."""

RESULTS_FILES = MappingProxyType(
    {
        "benchmark": DATA_DIR / "benchmark_08.json",
        "distributed": DATA_DIR / "distributed_08.json",
    }
)
"""The files that ``./course benchmark`` and ``./course tune-distributed`` write."""


def _check_choice(name, value, options):
    """An int (Python or NumPy) that is one of ``options``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(
            f"{name} must be one of {', '.join(map(str, options))}, got {describe(value)} "
            f"of type {type(value).__name__}."
        )
    return check_option(name, int(value), options)


def _choice(name: str, options) -> Satisfies:
    """An int (Python or NumPy) that is one of ``options`` (:func:`_check_choice`, which names it)."""
    return Satisfies(
        lambda value: _check_choice(name, value, options),
        "one of " + ", ".join(map(str, options)),
        valid=options[0],
        invalid=[max(options) + 1, float(options[0]), True, str(options[0])],
    )


SEED = Count(0, 2**32 - 1)
"""``seed``: what seeds the tuner's choices or a training run."""
EPOCHS = Count(1, MAX_EPOCHS)
"""``epochs`` (and a Hyperband tuner's ``max_epochs``)."""


@validate_arguments(
    stages=_choice("stages", STAGES),
    filters=_choice("filters", FILTERS),
    dense_units=_choice("dense_units", DENSE_UNITS),
    dropout=Real(DROPOUT[0], DROPOUT[1]),
)
def model_specs(stages=2, filters=16, dense_units=0, dropout=0.0) -> list[dict]:
    """The network of the search space as layer specs (see :mod:`course_utils.engines.layer_specs`).

    Parameters
    ----------
    stages : {1, 2, 3}
        Conv-pool stages: ``Conv2D(filters * 2**i, 3, activation='relu')`` ('valid' padding)
        then ``MaxPooling2D(2)``, for ``i`` from 0.
    filters : {8, 16, 32, 64}
        Filters of the first convolution.
    dense_units : {0, 32, 64, 128}
        Units of a dense layer after ``Flatten``; 0: none.
    dropout : float
        Rate of a ``Dropout`` layer before the output layer, from 0 (no layer) to 0.6.

    Returns
    -------
    list of dict
        Ready for :func:`course_utils.engines.layer_specs.layer_table` (shapes and counts, no Keras)
        and :func:`course_utils.engines.layer_specs.to_keras`, on 28x28x1 inputs.

    Examples
    --------
    >>> from course_utils.engines.layer_specs import layer_table
    >>> layer_table((28, 28, 1), model_specs()).total_params  # lesson 05's CNN
    12810
    >>> model_specs(stages=4)
    Traceback (most recent call last):
    ...
    ValueError: stages must be one of 1, 2, 3, got 4.
    """
    specs = []
    for stage in range(stages):
        specs.append(
            {"type": "Conv2D", "filters": filters * 2**stage, "kernel_size": 3, "activation": "relu"}
        )
        specs.append({"type": "MaxPooling2D", "pool_size": 2})
    specs.append({"type": "Flatten"})
    if dense_units:
        specs.append({"type": "Dense", "units": dense_units, "activation": "relu"})
    if dropout:
        specs.append({"type": "Dropout", "rate": dropout})
    specs.append({"type": "Dense", "units": NUM_CLASSES, "activation": "softmax"})
    return specs


def _hyperparameter_values(hp) -> dict:
    """The five values of the search space, read from Keras Tuner's ``hp`` or from a dict."""
    if isinstance(hp, dict):
        names = set(DEFAULTS)
        # Hyperband adds bookkeeping entries ("tuner/epochs", ...) to a trial's values.
        unknown = sorted(str(k) for k in hp if k not in names and not str(k).startswith("tuner/"))
        if unknown:
            raise ValueError(
                f"hp has unknown hyperparameter(s) {unknown}; the search space has {sorted(names)}."
            )
        values = {**DEFAULTS, **{k: v for k, v in hp.items() if k in names}}
        model_specs(values["stages"], values["filters"], values["dense_units"], values["dropout"])
        values["learning_rate"] = check_real(
            "learning_rate", values["learning_rate"], LEARNING_RATE[0], LEARNING_RATE[1]
        )
        return values
    import keras_tuner

    if not isinstance(hp, keras_tuner.HyperParameters):
        raise TypeError(
            "hp must be Keras Tuner's keras_tuner.HyperParameters (a tuner passes it) or a dict of "
            f"values such as {dict(DEFAULTS)}, got {describe(hp)} of type {type(hp).__name__}."
        )
    return {
        "stages": hp.Int("stages", STAGES[0], STAGES[-1], default=DEFAULTS["stages"]),
        "filters": hp.Choice("filters", list(FILTERS), default=DEFAULTS["filters"]),
        "dense_units": hp.Choice("dense_units", list(DENSE_UNITS), default=DEFAULTS["dense_units"]),
        "dropout": hp.Float("dropout", DROPOUT[0], DROPOUT[1], step=DROPOUT[2], default=DEFAULTS["dropout"]),
        "learning_rate": hp.Float(
            "learning_rate",
            LEARNING_RATE[0],
            LEARNING_RATE[1],
            sampling="log",
            default=DEFAULTS["learning_rate"],
        ),
    }


@validate_arguments(
    hp=Satisfies(
        _hyperparameter_values,
        "Keras Tuner's keras_tuner.HyperParameters or a dict of the search space's values",
        valid=lambda: {"stages": 1, "filters": 8, "dense_units": 0},
        invalid=[{"filters": 12}, {"size": 3}, {"learning_rate": 1.0}, [("stages", 1)]],
    )
)
def build_model(hp):
    """Build and compile one CNN of lesson 08's search space: the function a tuner calls.

    Parameters
    ----------
    hp : keras_tuner.HyperParameters or dict
        A tuner passes its ``HyperParameters``; each ``hp.Int``, ``hp.Choice`` or ``hp.Float``
        call below declares one hyperparameter and returns the value of this trial. A dict of
        values (such as ``SearchResult.best.hyperparameters``) builds that model again; a
        missing value takes its default (:data:`DEFAULTS`).

    Returns
    -------
    keras.Sequential
        On 28x28x1 images, 10 classes (softmax), compiled with Adam at the chosen learning
        rate, ``sparse_categorical_crossentropy`` and ``metrics=["accuracy"]``.

    Examples
    --------
    >>> model = build_model({"stages": 1, "filters": 8, "dense_units": 32, "dropout": 0.5})
    >>> model.count_params(), model.loss
    (43706, 'sparse_categorical_crossentropy')
    >>> build_model({"filters": 12})
    Traceback (most recent call last):
    ...
    ValueError: filters must be one of 8, 16, 32, 64, got 12.
    """
    values = hp
    import keras

    specs = model_specs(values["stages"], values["filters"], values["dense_units"], values["dropout"])
    model = to_keras(INPUT_SHAPE, specs, name="tuned_cnn")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=values["learning_rate"]),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _check_directory(directory) -> str:
    if isinstance(directory, os.PathLike):
        directory = os.fspath(directory)
    if not isinstance(directory, str) or not directory.strip():
        raise ValueError(
            "directory must be the name of an existing folder for the tuner's files, such as "
            f"tempfile.TemporaryDirectory().name, got {describe(directory)}."
        )
    if not os.path.isdir(directory):
        raise ValueError(
            f"directory {directory!r} is not an existing folder: make one first, for example "
            "with tempfile.TemporaryDirectory(), so that the tuner's files go nowhere else."
        )
    return directory


@validate_arguments(
    kind=Option(*TUNER_KINDS),
    directory=Satisfies(
        _check_directory,
        "the name of an existing folder for the tuner's files",
        valid=tempfile.gettempdir,
        invalid=["", "  ", 3, "no/such/folder/here"],
    ),
    max_trials=Count(1, MAX_TRIALS),
    max_epochs=EPOCHS,
    seed=SEED,
)
def make_tuner(kind, directory, max_trials=10, max_epochs=3, seed=0):
    """A Keras Tuner tuner over :func:`build_model`, maximizing ``val_accuracy``.

    Parameters
    ----------
    kind : {'random', 'bayesian', 'hyperband'}
        ``keras_tuner.RandomSearch``, ``keras_tuner.BayesianOptimization`` (its first third of
        ``max_trials``, at least 2, are random; then a Gaussian process proposes each next
        trial) or ``keras_tuner.Hyperband`` (``factor=3``, one iteration).
    directory : str or path
        An existing folder: the tuner writes its files (trials, checkpoints) in
        ``directory/kind`` and nowhere else, starting afresh (``overwrite=True``).
    max_trials : int, default=10
        The most trials of a random or Bayesian search. Hyperband's schedule sets its own
        number (6 trials for ``max_epochs=3``); this caps it too.
    max_epochs : int, default=3
        Hyperband trains a trial for up to this many epochs (the others train the ``epochs``
        given to :func:`search`).
    seed : int, default=0
        Seeds the tuner's choices (and :func:`search` seeds Keras with it).

    Returns
    -------
    keras_tuner.Tuner

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     tuner = make_tuner("random", folder, max_trials=3)
    ...     type(tuner).__name__, tuner.oracle.objective.name, tuner.project_dir == f"{folder}/random"
    ('RandomSearch', 'val_accuracy', True)
    >>> make_tuner("grid", ".")
    Traceback (most recent call last):
    ...
    ValueError: kind must be one of 'random', 'bayesian', 'hyperband', got 'grid'.
    """
    import keras_tuner

    common = {
        "hypermodel": build_model,
        "objective": OBJECTIVE,
        "seed": seed,
        "directory": directory,
        "project_name": kind,
        "overwrite": True,
    }
    if kind == "random":
        return keras_tuner.RandomSearch(max_trials=max_trials, **common)
    if kind == "bayesian":
        return keras_tuner.BayesianOptimization(
            max_trials=max_trials, num_initial_points=max(2, max_trials // 3), **common
        )
    tuner = keras_tuner.Hyperband(
        max_epochs=max_epochs, factor=HYPERBAND_FACTOR, hyperband_iterations=1, **common
    )
    # Hyperband takes no max_trials; its oracle honours the base Oracle's cap all the same.
    tuner.oracle.max_trials = max_trials
    return tuner


# ---------------------------------------------------------------------------
# A search on a time budget
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class TrialResult:
    """One trial of a :func:`search`.

    ``val_accuracy`` is Keras Tuner's score of the trial: the best validation accuracy over
    its epochs (None if the trial failed). ``epochs`` is how many epochs it trained (a Hyperband
    trial that continues an earlier one trains only the extra epochs); ``seconds`` is its wall
    time, building, training and saving included.
    """

    trial_id: str
    hyperparameters: dict
    val_accuracy: float | None
    epochs: int
    seconds: float
    status: str


@dataclass(frozen=True)
class SearchResult:
    """What :func:`search` found: every trial, the best one, the time used and why it stopped.

    ``stopped`` is ``'max_trials'`` (the tuner's number of trials was reached), ``'budget'``
    (another trial would not have fitted in the time budget) or ``'finished'`` (the tuner had no
    trial left to propose, as when Hyperband's schedule is done). It shows as a table in Jupyter
    and as text with ``print``.
    """

    tuner: str
    trials: tuple
    seconds: float
    budget: float
    stopped: str
    epochs: int = field(default=0)

    @property
    def best(self) -> TrialResult | None:
        """The trial with the highest validation accuracy (the first of equals); None if none ran."""
        scored = [t for t in self.trials if t.val_accuracy is not None]
        return max(scored, key=lambda t: t.val_accuracy) if scored else None

    @property
    def total_epochs(self) -> int:
        return sum(t.epochs for t in self.trials)

    def _table(self, as_html: bool) -> str:
        names = list(DEFAULTS)
        best = self.best
        rows = [
            [
                t.trial_id + (" *" if t is best else ""),
                t.status.lower(),
                *(_format_value(t.hyperparameters.get(name)) for name in names),
                "-" if t.val_accuracy is None else f"{t.val_accuracy:.3f}",
                str(t.epochs),
                f"{t.seconds:.1f}",
            ]
            for t in self.trials
        ]
        footer = [
            f"{plural(len(self.trials), 'trial')}, {plural(self.total_epochs, 'epoch')} in {self.seconds:.1f} s "
            f"(budget {self.budget:g} s); stopped: {self.stopped}",
        ]
        if best is not None:
            footer.append(f"best: trial {best.trial_id}, val_accuracy {best.val_accuracy:.3f}")
        return render_table(
            ["trial", "status", *names, "val_accuracy", "epochs", "seconds"],
            rows,
            footer=footer,
            title=self.tuner,
            as_html=as_html,
        )

    def __str__(self) -> str:
        return self._table(as_html=False)

    def __repr__(self) -> str:
        return self._table(as_html=False)

    def _repr_html_(self) -> str:
        return self._table(as_html=True)


def _format_value(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2g}" if value < 0.01 else f"{round(value, 3):g}"
    return str(value)


def _check_images(name, images, limit=MAX_IMAGES) -> np.ndarray:
    """Images as float32 of shape (n, 28, 28, 1), values from 0 to 1."""
    expected = "a NumPy array of 28x28 images, shape (n, 28, 28, 1) or (n, 28, 28)"
    if not isinstance(images, np.ndarray):
        raise ValueError(
            f"{name} must be {expected}, got {describe(images)} of type {type(images).__name__}."
        )
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4 or images.shape[1:] != INPUT_SHAPE or not 1 <= len(images) <= limit:
        raise ValueError(f"{name} must be {expected} with 1 to {limit:,} images, got shape {images.shape}.")
    if images.dtype.kind not in "fiu":
        raise ValueError(f"{name} must hold real numbers, got dtype {images.dtype}.")
    low, high = float(images.min()), float(images.max())
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"{name} must hold finite pixel values, got NaN or infinity.")
    if low < 0 or high > 1:
        raise ValueError(
            f"{name} must hold pixel values from 0 to 1, got values from {low:g} to {high:g}: "
            "scale uint8 images first with x.astype('float32') / 255."
        )
    return images.astype(np.float32, copy=False)


def _check_digit_labels(name, labels, count=None) -> np.ndarray:
    """Integer labels 0 to 9, one per image (read by the course's one reader of labels); any number of
    them when ``count`` is None."""
    labels = check_labels(name, labels, allow_text=False)
    if count is not None and len(labels) != count:
        raise ValueError(f"{name} must hold one label per image ({count}), got {len(labels)} labels.")
    if len(labels) and (labels.min() < 0 or labels.max() >= NUM_CLASSES):  # none: the count says it
        raise ValueError(f"{name} must hold labels 0 to 9, got labels from {labels.min()} to {labels.max()}.")
    return labels


def _read_validation_data(validation_data):
    if not isinstance(validation_data, tuple) or len(validation_data) != 2:
        raise ValueError(
            "validation_data must be a pair (x_val, y_val) of images and labels, "
            f"got {describe(validation_data)}."
        )
    try:
        x_val = _check_images("x_val", validation_data[0])
        y_val = _check_digit_labels("y_val", validation_data[1], len(x_val))
    except ValueError as error:
        raise ValueError(f"validation_data: {error}") from None
    return x_val, y_val


def _blank_images(count=2):
    return np.zeros((count, *INPUT_SHAPE), dtype=np.float32)


_BAD_IMAGES = [[0.5], np.zeros((2, 28, 28, 3)), np.full((2, 28, 28), 255.0), np.full((2, 28, 28), np.nan)]
IMAGES = Satisfies(
    lambda images: _check_images("x", images),
    "a NumPy array of 28x28 images from 0 to 1, shape (n, 28, 28, 1) or (n, 28, 28)",
    valid=_blank_images,
    invalid=_BAD_IMAGES,
)
"""``x``: training images (that ``y`` holds one label for each is the helper's rule)."""
LABELS = Satisfies(
    lambda labels: _check_digit_labels("y", labels),
    "integer labels 0 to 9",
    valid=lambda: np.array([0, 1]),
    invalid=[[10], [-1], [0.5], ["a"], [None]],
)
"""``y``: the training images' labels."""
VALIDATION_DATA = Satisfies(
    _read_validation_data,
    "a pair (x_val, y_val) of images and labels",
    valid=lambda: (_blank_images(), np.array([0, 1])),
    invalid=[
        [_blank_images(1), [0]],
        (_blank_images(1),),
        (_blank_images(1), [0, 1]),
        (_blank_images(1), [10]),
    ],
)
"""``validation_data``: images and labels, one label per image."""


def _trial_epochs(trial, epochs: int) -> int:
    values = trial.hyperparameters.values
    if "tuner/epochs" in values:  # Hyperband: from tuner/initial_epoch to tuner/epochs
        return int(values["tuner/epochs"]) - int(values.get("tuner/initial_epoch", 0))
    return epochs


@validate_arguments(
    x=IMAGES,
    y=LABELS,
    validation_data=VALIDATION_DATA,
    epochs=EPOCHS,
    batch_size=Count(1, MAX_BATCH_SIZE),
    budget=Real(0, MAX_BUDGET, min_inclusive=False),
)
def search(tuner, x, y, validation_data, epochs=3, batch_size=64, budget=40.0) -> SearchResult:
    """Run a Keras Tuner search within a wall-clock budget, one trial at a time.

    Keras Tuner stops after ``max_trials`` trials, never after a time. Here a new trial starts
    only while the seconds used so far plus the longest trial so far fit in ``budget``: the
    first trial always runs, and a trial that has started always finishes. The search starts
    from the tuner's seed (Python, NumPy and Keras are seeded with it), so the same call on the
    same machine gives the same trials.

    Parameters
    ----------
    tuner : keras_tuner.Tuner
        From :func:`make_tuner` (or any Keras Tuner tuner on one machine).
    x, y : numpy.ndarray
        Training images (n, 28, 28, 1) scaled to [0, 1], and their labels 0 to 9.
    validation_data : tuple
        ``(x_val, y_val)``: the objective ``val_accuracy`` is measured on them.
    epochs : int, default=3
        Epochs of each trial. A Hyperband tuner chooses each trial's epochs itself, up to its
        ``max_epochs``, which must then be at most ``epochs``. A Hyperband trial that goes on
        from an earlier one starts from that trial's weights with a fresh optimizer (Keras's
        warning that it skips the saved optimizer state is hidden).
    batch_size : int, default=64
    budget : float, default=40.0
        Seconds of wall-clock time.

    Returns
    -------
    SearchResult

    Raises
    ------
    ValueError
        If an argument is not allowed, or the tuner sends its trials to a chief process
        (distributed search: the chief decides when it ends; call ``tuner.search`` there).

    Examples
    --------
    >>> import tempfile
    >>> (x, y), (x_val, y_val), _ = lesson_data()
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     tuner = make_tuner("random", folder, max_trials=2)
    ...     result = search(tuner, x[:64], y[:64], (x_val[:64], y_val[:64]), epochs=1, budget=60)
    >>> len(result.trials), result.stopped, result.best.epochs
    (2, 'max_trials', 1)
    """
    import keras_tuner

    if not isinstance(tuner, keras_tuner.Tuner):
        raise TypeError(
            f"tuner must be a Keras Tuner tuner, as make_tuner(...) returns, got {describe(tuner)} "
            f"of type {type(tuner).__name__}."
        )
    oracle = tuner.oracle
    if not isinstance(oracle, keras_tuner.Oracle):
        raise ValueError(
            "tuner sends its trials to a chief process (KERASTUNER_ORACLE_IP is set): in a distributed "
            "search the chief decides when the search ends, so call tuner.search(...) instead."
        )
    y = _check_digit_labels("y", y, len(x))
    hyperband_epochs = getattr(oracle, "max_epochs", None)
    if isinstance(tuner, keras_tuner.Hyperband) and hyperband_epochs > epochs:
        raise ValueError(
            f"epochs={epochs}, but this Hyperband tuner trains a trial for up to max_epochs={hyperband_epochs}: "
            f"pass epochs={hyperband_epochs} or make the tuner with max_epochs={epochs}."
        )

    import keras

    import course_utils
    from course_utils.core._environment import release_memory

    if oracle.seed is not None:
        course_utils.seed_everything(int(oracle.seed) % 2**32)
    # Models trained before the search (and each trial's, below) are garbage: their memory goes back
    # to the system first, so that the search peaks at about one model's memory above that.
    keras.backend.clear_session()
    release_memory()
    cap = oracle.max_trials
    trials = []
    seen = set(oracle.trials)  # a tuner that searched before keeps its earlier trials
    started = time.perf_counter()
    stopped = "finished"
    try:
        while True:
            done = len(oracle.trials)
            used = time.perf_counter() - started
            if cap is not None and done >= cap:
                stopped = "max_trials"
                break
            if trials and used + max(t.seconds for t in trials) > budget:
                stopped = "budget"
                break
            # One trial per call: the oracle stops the search when it holds done + 1 trials.
            oracle.max_trials = done + 1
            trial_started = time.perf_counter()
            with warnings.catch_warnings():
                # A Hyperband trial that goes on from an earlier one loads its weights into a model
                # with a fresh optimizer: Keras warns that it skips the saved optimizer state.
                warnings.filterwarnings("ignore", "Skipping variable loading for optimizer", UserWarning)
                warnings.filterwarnings("ignore", category=DeprecationWarning, module="keras_tuner")
                # BayesianOptimization fits a Gaussian process with scikit-learn, which warns when a
                # length scale reaches its bound: the oracle still proposes the next trial.
                warnings.filterwarnings("ignore", module=r"sklearn\.gaussian_process")
                tuner.search(
                    x, y, validation_data=validation_data, epochs=epochs, batch_size=batch_size, verbose=0
                )
            seconds = time.perf_counter() - trial_started
            # This trial's model is garbage now: free it before the next one is built.
            keras.backend.clear_session()
            release_memory()
            new = [trial_id for trial_id in oracle.trials if trial_id not in seen]
            if not new:
                break  # the tuner had nothing left to propose
            seen.update(new)
            trial = oracle.trials[new[-1]]
            score = trial.score
            trials.append(
                TrialResult(
                    trial_id=trial.trial_id,
                    hyperparameters={
                        k: v for k, v in trial.hyperparameters.values.items() if not k.startswith("tuner/")
                    },
                    val_accuracy=None if score is None else float(score),
                    epochs=_trial_epochs(trial, epochs),
                    seconds=seconds,
                    status=str(trial.status),
                )
            )
    finally:
        oracle.max_trials = cap
    return SearchResult(
        tuner=type(tuner).__name__,
        trials=tuple(trials),
        seconds=time.perf_counter() - started,
        budget=budget,
        stopped=stopped,
        epochs=epochs,
    )


# ---------------------------------------------------------------------------
# Data, the recipe, and the stored results
# ---------------------------------------------------------------------------
def lesson_data():
    """Lesson 08's data: the bundled MNIST subset, split as in lesson 05, as float32 in [0, 1].

    ``load_dataset("mnist_subset")`` gives 4,000 training and 1,000 test digits;
    ``train_val_split(..., val_size=0.2, seed=0)`` keeps 800 of the training digits for
    validation (stratified). Images are (n, 28, 28, 1).

    Returns
    -------
    (x_train, y_train), (x_val, y_val), (x_test, y_test)

    Examples
    --------
    >>> (x_train, _), (x_val, _), (x_test, y_test) = lesson_data()
    >>> len(x_train), len(x_val), len(x_test), x_test.dtype.name, x_test.shape[1:]
    (3200, 800, 1000, 'float32', (28, 28, 1))
    """
    from course_utils.engines.data import load_dataset, train_val_split

    (x, y), (x_test, y_test) = load_dataset("mnist_subset")
    (x_train, y_train), (x_val, y_val) = train_val_split(x, y, val_size=0.2, seed=0)

    def scale(images):
        return images.astype(np.float32) / np.float32(255)

    return (scale(x_train), y_train), (scale(x_val), y_val), (scale(x_test), y_test)


def recipe_model():
    """The recipe's CNN (:data:`RECIPE`), uncompiled: augmentation layers first, inside the model.

    ``RandomTranslation``, ``RandomRotation`` and ``RandomZoom`` change the images only while the
    model trains; at inference they pass the images through unchanged, so the same model
    evaluates and predicts on plain images.

    Examples
    --------
    >>> model = recipe_model()
    >>> [layer.__class__.__name__ for layer in model.layers][:3]
    ['RandomTranslation', 'RandomRotation', 'RandomZoom']
    """
    import keras
    from keras import layers

    stack = [
        keras.Input(shape=INPUT_SHAPE),
        layers.RandomTranslation(RECIPE["translation"], RECIPE["translation"], fill_mode="constant"),
        layers.RandomRotation(RECIPE["rotation"], fill_mode="constant"),
        layers.RandomZoom(RECIPE["zoom"], fill_mode="constant"),
    ]
    for filters in RECIPE["filters"]:
        stack += [
            layers.Conv2D(filters, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
        ]
    stack += [
        layers.Flatten(),
        layers.Dropout(RECIPE["dropout"]),
        layers.Dense(RECIPE["units"], activation="relu"),
        layers.Dropout(RECIPE["dropout"]),
        layers.Dense(NUM_CLASSES, activation="softmax"),
    ]
    return keras.Sequential(stack, name="recipe_cnn")


@dataclass(frozen=True)
class RecipeRun:
    """One training of the recipe: the trained model, its history and ``model.fit``'s time.

    ``fit_seconds`` is the wall time of ``model.fit``; ``fit_cpu_seconds`` the CPU time this
    process used meanwhile, summed over its threads. On a quiet machine with 2 CPUs the wall
    time is a little more than half the CPU time; when other programs share the CPUs the wall
    time grows and the CPU time does not.
    """

    model: object = field(repr=False)
    history: dict
    fit_seconds: float
    fit_cpu_seconds: float
    epochs: int
    seed: int

    def accuracy(self, x, y) -> float:
        """The share of the images ``x`` whose most likely class is their label ``y``.

        This is how the benchmark scores the test digits, once per run.
        """
        x = _check_images("x", x)
        y = _check_digit_labels("y", y, len(x))
        # Called directly in batches (no predict function traced for each new model).
        predicted = np.concatenate(
            [
                np.asarray(self.model(x[i : i + 500], training=False)).argmax(axis=1)
                for i in range(0, len(x), 500)
            ]
        )
        return float(np.mean(predicted == y))


@validate_arguments(
    x=IMAGES, y=LABELS, validation_data=OrNone(VALIDATION_DATA), epochs=OrNone(EPOCHS), seed=SEED
)
def train_recipe(x, y, validation_data=None, epochs=None, seed=0) -> RecipeRun:
    """Train the recipe (:func:`recipe_model`, :data:`RECIPE`) from ``seed``.

    Adam starts at ``RECIPE["learning_rate"]`` and decays to 0 along a cosine over all the
    training steps (``keras.optimizers.schedules.CosineDecay``). The labels are turned into
    one-hot targets for the label-smoothed loss; the history still says ``accuracy``.

    Parameters
    ----------
    x, y : numpy.ndarray
        Training images (n, 28, 28, 1) scaled to [0, 1], and their labels 0 to 9.
    validation_data : tuple or None
        ``(x_val, y_val)`` to follow ``val_accuracy`` per epoch; None trains without.
    epochs : int or None
        None: the recipe's ``RECIPE["epochs"]``.
    seed : int, default=0

    Returns
    -------
    RecipeRun
        ``fit_seconds`` is the wall time of ``model.fit`` alone (the benchmark's budget).

    Examples
    --------
    >>> (x, y), (x_val, y_val), _ = lesson_data()
    >>> run = train_recipe(x[:64], y[:64], (x_val[:32], y_val[:32]), epochs=1)
    >>> sorted(run.history), run.epochs
    (['accuracy', 'loss', 'val_accuracy', 'val_loss'], 1)
    >>> 0 <= run.accuracy(x_val[:32], y_val[:32]) <= 1
    True
    """
    y = _check_digit_labels("y", y, len(x))
    epochs = RECIPE["epochs"] if epochs is None else epochs
    import keras

    import course_utils

    course_utils.seed_everything(seed)
    model = recipe_model()
    steps = math.ceil(len(x) / RECIPE["batch_size"]) * epochs
    schedule = keras.optimizers.schedules.CosineDecay(RECIPE["learning_rate"], decay_steps=steps)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=schedule),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=RECIPE["label_smoothing"]),
        metrics=[keras.metrics.CategoricalAccuracy(name="accuracy")],
    )
    one_hot = np.eye(NUM_CLASSES, dtype=np.float32)
    if validation_data is not None:
        validation_data = (validation_data[0], one_hot[validation_data[1]])
    started, cpu_started = time.perf_counter(), time.process_time()
    history = model.fit(
        x,
        one_hot[y],
        batch_size=RECIPE["batch_size"],
        epochs=epochs,
        validation_data=validation_data,
        verbose=0,
    )
    fit_seconds, fit_cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return RecipeRun(
        model=model,
        history={key: [float(v) for v in values] for key, values in history.history.items()},
        fit_seconds=fit_seconds,
        fit_cpu_seconds=fit_cpu_seconds,
        epochs=epochs,
        seed=seed,
    )


@validate_arguments(name=Option(*RESULTS_FILES))
def load_results(name) -> dict:
    """Read what ``./course benchmark`` (``'benchmark'``) or ``./course tune-distributed``
    (``'distributed'``) stored: the results, the exact command, the machine and the date.

    Examples
    --------
    >>> stored = load_results("benchmark")
    >>> stored["command"].startswith("./course benchmark")
    True
    >>> load_results("sweeps")
    Traceback (most recent call last):
    ...
    ValueError: name must be one of 'benchmark', 'distributed', got 'sweeps'.
    """
    path = RESULTS_FILES[name]
    command = {"benchmark": "./course benchmark", "distributed": "./course tune-distributed"}[name]
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(
            f"name {name!r}: {path.name} cannot be read ({error}); {command} makes it."
        ) from None
    if not isinstance(document, dict) or "command" not in document:
        raise ValueError(f"name {name!r}: {path.name} is not a file written by {command}; run it again.")
    return document
