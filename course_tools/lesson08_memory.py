"""Lesson 08's cells that keep its kernel within Binder's memory (idempotent; run from the root).

Usage::

    python -m course_tools.lesson08_memory [NOTEBOOK]   # default: notebooks/08_regularization_and_tuning.ipynb

Each edit replaces a cell's text that is there once and leaves a cell already edited alone, so
the script can be applied again to a notebook that changed elsewhere. Execute the notebook
afterwards (``./course execute``): the outputs are not touched here.
"""

from __future__ import annotations

import sys
from pathlib import Path

from course_tools import ROOT
from course_tools.notebooks import read, write

LESSON = ROOT / "notebooks" / "08_regularization_and_tuning.ipynb"

# The models of the range test and of the sweep go before the search, which frees what is no longer
# used (tuning.search calls course_utils.release_memory). A callback and a History keep their model,
# so they go too: deleting the model's name alone freed nothing. Before the winner is trained again, every
# model trained so far goes, with the training steps that TensorFlow would otherwise keep.
SEARCH_FIRST = (
    "# the range test's and the sweep's models go, with what holds them: every Keras callback keeps its\n"
    "# model (range_test.model), and so does the History that fit returns (result.model)\n"
    "del model, sweep_model, range_test, result  # search() then frees their memory\n"
)
WINNER_FIRST = (
    "keras.backend.clear_session()  # forget every model trained so far before training the winner again\n"
    "course_utils.release_memory()  # and what TensorFlow still holds for them (Binder gives a kernel 1 GB)\n"
    "course_utils.seed_everything(0)\n"
)

EDITS = (
    # Earlier forms of the edits below, brought to their present form first.
    (
        "del model, sweep_model  # the range test's and the sweep's models: search() frees them\n",
        SEARCH_FIRST,
    ),
    (
        "del model, sweep_model  # the range test's and the sweep's models are not needed any more\n"
        "keras.backend.clear_session()",
        "keras.backend.clear_session()",
    ),
    (
        "SEARCH_TRIALS = 3  # per tuner: TensorFlow keeps some memory for every model a kernel trains\n",
        "SEARCH_TRIALS = 3  # per tuner, so that the lesson stays within a minute on a slow machine\n",
    ),
    (
        "images (TensorFlow keeps some memory for every model a kernel trains, and the lesson must fit in\n"
        "Binder's).",
        "images, so that the lesson stays short on every machine.",
    ),
    (
        "keras.backend.clear_session()  # forget the search's models before training the winner again\n"
        "course_utils.seed_everything(0)\n",
        WINNER_FIRST,
    ),
    # Fewer trials: the cap makes the most the search can take the same on every machine (the time
    # budget alone lets a fast machine train more models).
    ("SEARCH_SECONDS = 9  # per tuner\n", "SEARCH_SECONDS = 6  # per tuner\n"),
    (
        "SEARCH_SECONDS = 6  # per tuner\nSEARCH_IMAGES",
        "SEARCH_SECONDS = 6  # per tuner\n"
        "SEARCH_TRIALS = 3  # per tuner, so that the lesson stays within a minute on a slow machine\n"
        "SEARCH_IMAGES",
    ),
    ("max_trials=20, max_epochs=3", "max_trials=SEARCH_TRIALS, max_epochs=3"),
    (
        "each tuner gets `SEARCH_SECONDS` on a share of the\ntraining images, room for a handful of trials.",
        "each tuner gets `SEARCH_SECONDS` and at most `SEARCH_TRIALS` trials on a share of\nthe training "
        "images, so that the lesson stays short on every machine.",
    ),
    (
        "set `SEARCH_SECONDS` to a few minutes and `SEARCH_IMAGES` to 3200",
        "set `SEARCH_SECONDS` to a few minutes, `SEARCH_TRIALS` to 20 and `SEARCH_IMAGES`\nto 3200",
    ),
    # The winner is trained again after the search: the search's models go first.
    (
        "winner = max(results.values(), key=lambda result: result.best.val_accuracy).best\n"
        "course_utils.seed_everything(0)\n",
        "winner = max(results.values(), key=lambda result: result.best.val_accuracy).best\n" + WINNER_FIRST,
    ),
    (
        "SEARCH_IMAGES = 800\n\nresults = {}\n",
        "SEARCH_IMAGES = 800\n\n" + SEARCH_FIRST + "results = {}\n",
    ),
    # The same batches as the search's trials (batch_size=32): half the activations of 64 in memory.
    (
        "final.fit(x_train, y_train, batch_size=64, epochs=5, verbose=0)\n",
        "final.fit(x_train, y_train, batch_size=32, epochs=5, verbose=0)  # the search's batch size\n",
    ),
)


def apply(path: Path = LESSON) -> int:
    """Apply every edit not yet made; return how many were made."""
    nb = read(path)
    made = 0
    for old, new in EDITS:
        cells = [cell for cell in nb.cells if old in cell.source]
        if len(cells) > 1:
            raise ValueError(f"{path}: the text to edit is in {len(cells)} cells, expected one:\n{old}")
        if cells:
            cells[0].source = cells[0].source.replace(old, new)
            made += 1
        elif not any(new in cell.source for cell in nb.cells):
            raise ValueError(f"{path}: neither the text to edit nor its edited form is there:\n{old}")
    if made:
        write(nb, path)
    return made


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else LESSON
    print(f"{apply(target)} edit(s) made to {target}")
