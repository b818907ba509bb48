"""./course plan DIR: what a folder of images holds, and a first CNN for it (lesson 09's procedure).

::

    ./course plan my_images                           # the folder's report, then the planned CNN
    ./course plan my_images --notebook first.ipynb    # ... and a starter notebook that trains it
    ./course plan my_images --image-size 64 64 --max-params 100000
    ./course plan my_images --object-size 30          # the objects that tell the classes apart: 30 px

``DIR`` holds one subfolder per class, as ``keras.utils.image_dataset_from_directory`` reads
it (``DIR/<class_name>/*.png``). The command prints what
:func:`course_utils.engines.folder_plan.show_folder_plan` prints, as lesson 10 does: what
:func:`course_utils.engines.image_folder.scan_folder` finds there (images per class, sizes, channels,
imbalance, skipped files), then the CNN that :func:`course_utils.engines.planner.plan_cnn` proposes for
the folder's images (``--image-size``, else the most common size; channels from the files;
one class per subfolder) with the reason of each choice. This module is the command line
around it: the arguments, the starter notebook, the exit status. ``--object-size`` gives the size in px
(after resizing) of what tells the classes apart: without it the planner assumes it may fill the
image, and adds convolutions until a cell sees all of it.

``--notebook OUT.ipynb`` also writes a starter notebook for the folder that runs top to bottom:
load with ``image_dataset_from_directory`` (80% training, 20% validation), the plan with
``Rescaling(1/255)`` inside the model, class weights when the classes are unbalanced, training
with early stopping, lesson 07's diagnosis, precision, recall and AUC (2 classes) or each
class's precision and recall, saving as ``.keras``, loading it back and predicting one image
file, and a test folder read once at the end. An existing ``OUT`` is replaced only with
``--force``; the notebook is written whole or not at all.

A folder Keras cannot train on gets one message and exit status 2, and nothing is written; so
does a folder holding files Keras would stop at, when a notebook is asked for.

Examples
--------
>>> check_out("first_cnn.txt", force=False)
Traceback (most recent call last):
...
course_tools.plan.PlanError: --notebook 'first_cnn.txt' must end in .ipynb.
>>> main(["/no/such/folder"])  # the message goes to stderr
2
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from string import Template

import nbformat

from course_tools.notebooks import KERNELSPEC
from course_utils.core._validation import check_pair
from course_utils.engines.folder_plan import COMMAND, plan_folder, show_folder_plan
from course_utils.engines.image_folder import python_literal
from course_utils.engines.planner import MAX_IMAGE_SIZE

EPOCHS = 30
"""The most epochs the starter notebook trains; early stopping usually ends sooner."""
PATIENCE = 5
"""Epochs without a better validation loss before early stopping ends the run."""
BATCH_SIZE = 32
SEEN_BATCHES = 8
"""Training batches the notebook evaluates as the model predicts, after each epoch."""
USAGE_ERROR = 2


class PlanError(Exception):
    """A request the command refuses: the message says why; nothing is written."""


def _data_dir(report, out: Path) -> str:
    """The folder as the notebook names it: relative to the notebook's folder when it is below it."""
    folder, base = Path(report.path).resolve(), out.parent.resolve()
    return folder.relative_to(base).as_posix() if base in folder.parents else str(folder)


# -- the starter notebook ---------------------------------------------------------------------------

_INTRO = Template(
    """# A first CNN for `$name`

This notebook was written by `./course plan` for the images in `$data_dir`:
$total images in $classes classes ($class_list). It follows lesson 09's procedure:

1. read the folder and load it with `keras.utils.image_dataset_from_directory` (80% to train, 20% to validate);
2. plan a first CNN for these images (`plan_cnn`), with `Rescaling(1/255)` inside the model;
3. train it with early stopping on the validation loss, then diagnose the run (lesson 07);
4. measure it on the validation images (lesson 06), save it as `.keras`, load it back and predict one image file;
5. evaluate once on a separate test folder, at the very end.

Change the settings below (`DATA_DIR`, `IMAGE_SIZE`, `EPOCHS`, ...) if you wish, then run everything
(Run > Run All Cells)."""
)

_SETUP = """import course_utils

course_utils.setup(keras=True)"""

_SETTINGS = Template(
    """from pathlib import Path

from course_utils.engines.image_folder import COLOR_MODES

DATA_DIR = Path($data_dir)  # one subfolder per class
TEST_DIR = DATA_DIR.parent / (DATA_DIR.name + "_test")  # the same class folders, other images: read once
IMAGE_SIZE = $image_size  # (height, width): Keras resizes every image to it
COLOR_MODE = $color_mode  # $channels per image, whatever each file holds
CHANNELS = COLOR_MODES[COLOR_MODE]
LABEL_MODE = $label_mode  # $label_why
MAX_PARAMS = $max_params  # a parameter budget for the planner, or None
OBJECT_SIZE = $object_size  # px of what tells the classes apart, or None: it may fill the image
EPOCHS = $epochs  # the most epochs (3 at least, for the diagnosis); early stopping usually ends sooner
PATIENCE = $patience  # epochs without a better validation loss before it stops
BATCH_SIZE = $batch_size  # images per step; a smaller batch needs less memory (Binder gives 1 GB)
MODEL_FILE = $model_file"""
)

_READ = """from course_utils.engines.image_folder import scan_folder

report = scan_folder(DATA_DIR)
assert not report.keras_failures, "Keras would stop at files listed under Skipped: move them out of the folder"
report"""

_LOAD = """import keras

train_ds, val_ds = keras.utils.image_dataset_from_directory(
    DATA_DIR,
    validation_split=0.2,
    subset="both",
    seed=0,
    label_mode=LABEL_MODE,
    image_size=IMAGE_SIZE,
    color_mode=COLOR_MODE,
    batch_size=BATCH_SIZE,
)
class_names = train_ds.class_names


def class_counts(dataset):
    \"\"\"Images per class, read from the file paths (no image is loaded).\"\"\"
    folders = [Path(path).relative_to(DATA_DIR).parts[0] for path in dataset.file_paths]
    return [folders.count(name) for name in class_names]


for label, (name, n_train, n_val) in enumerate(zip(class_names, class_counts(train_ds), class_counts(val_ds))):
    print(f"{label} {name!r}: {n_train} training and {n_val} validation images")"""

_WEIGHTS = """# Unbalanced classes: weight the loss so that every class counts the same (report.class_weight).
class_weight = report.class_weight if report.imbalanced else None
print(f"largest / smallest class: {report.imbalance:.2f}; class_weight = {class_weight}")"""

_PLAN = """from course_utils.engines.planner import plan_cnn

plan = plan_cnn((*IMAGE_SIZE, CHANNELS), len(class_names), max_params=MAX_PARAMS, object_size=OBJECT_SIZE)
plan"""

_MODEL = Template(
    """from keras import layers

planned = plan.to_keras()
model = keras.Sequential(
    [keras.Input(shape=plan.input_shape), layers.Rescaling(1 / 255), *planned.layers], name="my_cnn"
)
assert model.count_params() == plan.total_params  # Rescaling has no weights
$compile
model.summary()"""
)

_BINARY_COMPILE = """model.compile(
    optimizer="adam",
    loss=plan.loss,
    metrics=[
        "accuracy",
        keras.metrics.Precision(name="precision"),
        keras.metrics.Recall(name="recall"),
        keras.metrics.AUC(name="auc"),
    ],
)"""
_CLASSES_COMPILE = """model.compile(optimizer="adam", loss=plan.loss, metrics=["accuracy"])"""

_TRAIN = Template(
    """import numpy as np

from course_utils.engines.inference_metrics import training_set_metrics

# training_set_metrics measures the training images as the model predicts (lesson 07). It takes
# arrays: a few training batches, read in one pass.
seen = list(train_ds.take($seen).as_numpy_iterator())
x_seen = np.concatenate([images for images, _ in seen])
y_seen = np.concatenate([labels for _, labels in seen])

early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=PATIENCE, restore_best_weights=True)
history = model.fit(
    train_ds,
    validation_data=val_ds,
    epochs=EPOCHS,
    class_weight=class_weight,
    shuffle=False,  # fit cannot shuffle a dataset: image_dataset_from_directory shuffles it each epoch
    callbacks=[training_set_metrics(x_seen, y_seen, batch_size=BATCH_SIZE), early_stopping],
    verbose=2,  # one line per epoch
)
epochs = len(history.history["loss"])
print(f"{epochs} epochs{' (the cap: raise EPOCHS)' if epochs == EPOCHS else ''}; the best weights are kept")"""
)

_DIAGNOSE = """from course_utils.engines.diagnosis import diagnose
from course_utils.plots.learning_curves import plot_learning_curves

plot_learning_curves(history)
diagnose(history)"""

_BINARY_SCORES = Template(
    """## Validation scores

Precision and recall are those of class $positive (label 1): of the images the model calls
$positive, the share that are; of the $positive images, the share it finds. The AUC (0.5 is chance, 1 is
perfect) does not depend on the 0.5 threshold. With unbalanced classes, read these, not the accuracy (lesson 06)."""
)

_BINARY_EVALUATE = """scores = model.evaluate(val_ds, return_dict=True, verbose=0)
for name, value in scores.items():
    print(f"validation {name}: {value:.3f}")"""

_CLASSES_SCORES = """## Validation scores

Each class's precision (of the images the model puts in it, the share that belong) and recall (of its
images, the share the model finds), from the confusion matrix of the validation images (lesson 06)."""

_CLASSES_EVALUATE = """from course_utils.core.metrics import confusion_matrix, per_class_metrics

labels, predicted = [], []
for images, batch_labels in val_ds:  # one pass: the dataset is shuffled again each time it is read
    labels.append(batch_labels.numpy())
    predicted.append(model.predict_on_batch(images).argmax(axis=1))
cm = confusion_matrix(np.concatenate(labels), np.concatenate(predicted), num_classes=len(class_names))
for name, scores in zip(class_names, per_class_metrics(cm)):
    print(f"{name!r}: precision {float(scores.precision):.2f}, recall {float(scores.recall):.2f}")"""

_SAVE = """model.save(MODEL_FILE)
loaded = keras.models.load_model(MODEL_FILE)

image_file = val_ds.file_paths[0]  # a validation image; give the path of any new image file
image = keras.utils.load_img(image_file, color_mode=COLOR_MODE, target_size=IMAGE_SIZE, interpolation="bilinear")
batch = keras.utils.img_to_array(image)[np.newaxis]  # a batch of one image, pixels 0 to 255: the model rescales
scores = loaded.predict(batch, verbose=0)
np.testing.assert_allclose(scores, model.predict(batch, verbose=0), rtol=1e-5, atol=1e-6)  # the same model"""

_BINARY_PREDICT = """probability = float(scores[0, 0])
print(f"{image_file}: P({class_names[1]!r}) = {probability:.1%}, so {class_names[int(probability >= 0.5)]!r}")"""

_CLASSES_PREDICT = """best = int(scores[0].argmax())
print(f"{image_file}: {class_names[best]!r} (P = {scores[0, best]:.1%})")"""

_TEST_TEXT = """## Test once, at the end

Every choice above (the plan, the epochs, the class weights, what you change next) was made on the
validation images, so the validation scores flatter the model. Keep a separate folder of test images that
nothing above has seen, with the same class folders (`TEST_DIR`), and evaluate on it **once**, when you have
finished choosing (lesson 05). Do not go back and change the model after reading it."""

_TEST = """if TEST_DIR.exists():
    test_ds = keras.utils.image_dataset_from_directory(
        TEST_DIR,
        shuffle=False,
        label_mode=LABEL_MODE,
        image_size=IMAGE_SIZE,
        color_mode=COLOR_MODE,
        batch_size=BATCH_SIZE,
    )
    assert test_ds.class_names == class_names, "the test folder must hold the same class folders"
    print(model.evaluate(test_ds, return_dict=True, verbose=0))
else:
    print(f"No test folder at {TEST_DIR} yet: make one, with the same class folders, for the end.")"""


def starter_notebook(report, plan, out, image_size=None, max_params=None, epochs=EPOCHS, object_size=None):
    """The starter notebook for a folder, as an ``nbformat`` notebook (not written).

    Parameters
    ----------
    report : course_utils.engines.image_folder.FolderReport
        What :func:`~course_utils.engines.image_folder.scan_folder` found.
    plan : course_utils.engines.planner.CNNPlan
        The plan for the folder's images (its loss sets the labels: one sigmoid unit for 2 classes).
    out : pathlib.Path
        Where the notebook will be written: the folder is named relative to it when inside it,
        and the model is saved next to it as ``<name>.keras``.
    image_size : (int, int) or None
        ``(height, width)`` to resize to; None: the report's most common size.
    max_params : int or None
        The planner's budget, written into the notebook.
    object_size : int or None
        The objects' size in px for the planner, written into the notebook.
    epochs : int
        The most epochs to train.
    """
    out = Path(out)
    binary = report.label_mode == "binary"
    classes = ", ".join(f"{name} ({count:,})" for name, count in report.counts.items())
    data_dir = _data_dir(report, out)
    label_why = (
        "2 classes: one sigmoid unit and binary cross-entropy"
        if binary
        else f"{len(report.classes)} classes: softmax units and sparse categorical cross-entropy"
    )
    settings = _SETTINGS.substitute(
        data_dir=python_literal(data_dir),
        image_size=repr(tuple(image_size or report.image_size)),
        color_mode=python_literal(report.color_mode),
        label_mode=python_literal(report.label_mode),
        label_why=label_why,
        max_params=repr(max_params),
        object_size=repr(object_size),
        epochs=epochs,
        patience=PATIENCE,
        batch_size=BATCH_SIZE,
        model_file=python_literal(out.stem + ".keras"),
        channels=f"{plan.input_shape[2]} channel{'s' * (plan.input_shape[2] > 1)}",
    )
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [
        md(
            _INTRO.substitute(
                name=Path(report.path).name,
                data_dir=data_dir,
                total=f"{report.total:,}",
                classes=len(report.classes),
                class_list=classes,
            )
        ),
        code(_SETUP),
        code(settings),
        md("## The folder\n\nWhat Keras will find in it (`scan_folder`), then the images, loaded."),
        code(_READ),
        code(_LOAD),
        code(_WEIGHTS),
        md(
            "## The plan\n\nThe planner's first CNN for these images, each choice with its reason (lesson 09)."
        ),
        code(_PLAN),
        code(_MODEL.substitute(compile=_BINARY_COMPILE if binary else _CLASSES_COMPILE)),
        md("## Training, with early stopping, and the diagnosis (lesson 07)"),
        code(_TRAIN.substitute(seen=SEEN_BATCHES)),
        code(_DIAGNOSE),
        md(_BINARY_SCORES.substitute(positive=repr(report.classes[1])) if binary else _CLASSES_SCORES),
        code(_BINARY_EVALUATE if binary else _CLASSES_EVALUATE),
        md(
            "## Save, load, predict\n\nThe model is saved whole (layers, weights, the rescaling) as `.keras`; "
            "loaded back, it predicts one image file, read as Keras read the folder."
        ),
        code(_SAVE + "\n" + (_BINARY_PREDICT if binary else _CLASSES_PREDICT)),
        md(_TEST_TEXT),
        code(_TEST),
    ]
    return nbformat.v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": dict(KERNELSPEC),
            "language_info": {"name": "python"},
        },
    )


# -- writing, whole or not at all ----------------------------------------------------------------------


def check_out(out, force: bool) -> Path:
    """The notebook's path, or :class:`PlanError` saying why it cannot be written there."""
    out = Path(out)
    if out.suffix != ".ipynb":
        raise PlanError(f"--notebook {str(out)!r} must end in .ipynb.")
    if not out.parent.is_dir():
        raise PlanError(f"--notebook {str(out)!r}: the folder {str(out.parent)!r} does not exist.")
    if out.is_dir():
        raise PlanError(f"--notebook {str(out)!r} is a folder.")
    if out.exists() and not force:
        raise PlanError(
            f"--notebook {str(out)!r} exists and is not overwritten: give another name, or --force to replace it."
        )
    return out


def write_whole(out: Path, text: str, force: bool) -> None:
    """Write ``text`` to ``out`` at once: into a temporary file beside it, then renamed.

    Without ``force``, a file that appeared at ``out`` meanwhile is kept (the new one is linked
    in only if the name is free); the temporary file never stays behind.
    """
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        if force:
            os.replace(temporary, out)
            return
        try:
            os.link(temporary, out)  # fails when the name is taken: never replaces a file
        except FileExistsError:
            raise PlanError(
                f"--notebook {str(out)!r} exists and is not overwritten: give another name, or --force to "
                "replace it."
            ) from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


# -- the command ---------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", metavar="DIR", help="the image folder: one subfolder per class")
    parser.add_argument("--notebook", metavar="OUT.ipynb", type=Path, help="also write a starter notebook")
    parser.add_argument("--force", action="store_true", help="replace an existing OUT.ipynb")
    parser.add_argument(
        "--image-size",
        nargs=2,
        type=int,
        metavar=("H", "W"),
        help="resize the images to H x W px (default: the folder's most common size)",
    )
    parser.add_argument("--max-params", type=int, metavar="N", help="a parameter budget for the planner")
    parser.add_argument(
        "--object-size",
        type=int,
        metavar="PX",
        help="the size in px of what tells the classes apart (default: it may fill the image)",
    )
    return parser


def run(folder, notebook=None, force=False, image_size=None, max_params=None, stdout=None, object_size=None):
    """Print the folder's report and plan (:func:`course_utils.engines.folder_plan.show_folder_plan`); write the
    notebook when asked.

    Everything is checked, and the notebook written, before anything is printed, so that output
    cut short (``| head``) never stops the notebook. Raises :class:`PlanError`, or the
    ``ValueError`` of a bad folder or a plan the planner refuses (after printing the report).
    """
    stdout = stdout or sys.stdout
    out = None if notebook is None else check_out(notebook, force)
    if image_size is not None:
        image_size = check_pair("--image-size", tuple(image_size), maximum=MAX_IMAGE_SIZE)
    if out is None:
        show_folder_plan(folder, image_size, max_params, object_size, stdout=stdout)
        return None
    result = plan_folder(folder, image_size, max_params, object_size, stdout=stdout)
    failures = result.report.keras_failures
    if failures:
        print(result, file=stdout)
        names = ", ".join(file.path for file in failures[:5]) + (
            f" and {len(failures) - 5:,} more" if len(failures) > 5 else ""
        )
        raise PlanError(
            f"no notebook written: Keras would stop at {len(failures):,} file{'s' * (len(failures) > 1)} of "
            f"{str(folder)!r} ({names}): move {'it' if len(failures) == 1 else 'them'} out of the folder, then "
            "run this again."
        )
    notebook_node = starter_notebook(
        result.report, result.plan, out, image_size=image_size, max_params=max_params, object_size=object_size
    )
    nbformat.validate(notebook_node)
    try:
        write_whole(out, nbformat.writes(notebook_node) + "\n", force)
    except OSError as error:
        raise PlanError(f"--notebook {str(out)!r} cannot be written: {error.strerror or error}.") from None
    print(f"{result}\n\nWrote {out}: open it in JupyterLab and run it top to bottom.", file=stdout)
    return out


def main(argv=None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        run(
            arguments.folder,
            arguments.notebook,
            arguments.force,
            arguments.image_size,
            arguments.max_params,
            object_size=arguments.object_size,
        )
    except (PlanError, ValueError, TypeError) as error:
        sys.stdout.flush()
        print(f"{COMMAND}: {error}", file=sys.stderr)
        return USAGE_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
