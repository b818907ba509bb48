"""A folder of your own images and a first CNN for it: what lesson 10 and ``./course plan DIR`` print.

:func:`plan_folder` reads the folder as Keras will read it (:func:`course_utils.engines.image_folder.scan_folder`:
images per class, sizes, channels, imbalance, skipped files) and asks the planner
(:func:`course_utils.engines.planner.plan_cnn`) for a first CNN for its images: the size given, else the
folder's most common size; channels from the files; one class per subfolder. The result, a
:class:`FolderPlan`, prints the folder's report, then the plan with the reason of each choice.
:func:`show_folder_plan` prints it, and the command that writes a starter notebook for it.

Examples
--------
>>> import tempfile
>>> from course_utils.engines.cluttered_digits import write_image_folder
>>> tmp = tempfile.TemporaryDirectory()
>>> folder = write_image_folder(f"{tmp.name}/digits", {"four": 4, "nine": 2}, colour=False, image_size=32)
>>> result = plan_folder(folder, object_size=12)
>>> result.input_shape, result.plan.loss, result.report.counts
((32, 32, 1), 'binary_crossentropy', {'four': 4, 'nine': 2})
>>> result.plan_call()
'course_utils.engines.planner.plan_cnn((32, 32, 1), 2, object_size=12)'
>>> tmp.cleanup()
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass

from course_utils.core._constraints import Satisfies, validate_arguments
from course_utils.core._validation import check_pair, describe
from course_utils.engines.image_folder import IMAGE_FOLDER, FolderReport, scan_folder
from course_utils.engines.planner import COMMON, MAX_IMAGE_SIZE, CNNPlan, plan_cnn

__all__ = ["COMMAND", "FolderPlan", "plan_folder", "show_folder_plan"]

COMMAND = "./course plan"
"""The course's command that prints the same from a terminal, and writes a starter notebook."""
STARTER_NOTEBOOK = "first_cnn.ipynb"
"""The starter notebook's name in the command that :func:`show_folder_plan` suggests."""


@dataclass(frozen=True, repr=False)
class FolderPlan:
    """What a folder of images holds, and the first CNN the planner proposes for its images.

    Attributes
    ----------
    report : course_utils.engines.image_folder.FolderReport
        What :func:`~course_utils.engines.image_folder.scan_folder` found.
    plan : course_utils.engines.planner.CNNPlan
        The planner's CNN for the images (its loss sets the labels: one sigmoid unit for 2 classes).
    image_size : (int, int) or None
        The ``(height, width)`` asked for; None: the folder's most common size.
    max_params, object_size : int or None
        The planner's budget and the objects' size in px, as asked for.
    """

    report: FolderReport
    plan: CNNPlan
    image_size: tuple | None = None
    max_params: int | None = None
    object_size: int | None = None

    @property
    def input_shape(self) -> tuple:
        """``(height, width, channels)`` of the images as the model takes them."""
        return self.plan.input_shape

    def plan_call(self) -> str:
        """The planner's call that gives :attr:`plan`, as Python code."""
        budget = "" if self.max_params is None else f", max_params={self.max_params:,}"
        size = "" if self.object_size is None else f", object_size={self.object_size}"
        call = f"{self.input_shape}, {len(self.report.classes)}{budget}{size}"
        return f"course_utils.engines.planner.plan_cnn({call})".replace(",)", ")")

    def __str__(self):
        lines = _report_lines(self.report, self.image_size)
        return "\n".join([*lines, f"\nThe CNN that {self.plan_call()} proposes:", str(self.plan)])

    __repr__ = __str__


def _report_lines(report: FolderReport, image_size) -> list[str]:
    lines = [str(report)]
    if image_size is not None:
        lines.append(f"--image-size: every image is resized to {image_size[0]}x{image_size[1]} instead.")
    return lines


def _stream(stdout):
    if stdout is not None and not callable(getattr(stdout, "write", None)):
        raise TypeError(
            f"stdout must be a stream to print to (such as sys.stdout), or None, got {describe(stdout)}."
        )
    return stdout


def _image_size(image_size):
    if image_size is None:
        return None
    if not isinstance(image_size, (tuple, list)):
        raise TypeError(
            f"image_size must be a (height, width) pair of ints, or None, got {describe(image_size)}."
        )
    return check_pair("image_size", image_size, maximum=MAX_IMAGE_SIZE)


PLAN_FOLDER = dict(
    stdout=Satisfies(
        _stream, "a stream to print to (such as sys.stdout), or None", valid=None, invalid=["out", 3]
    ),
    image_size=Satisfies(
        _image_size,
        "None or a (height, width) pair of ints of at most MAX_IMAGE_SIZE",
        valid=(32, 32),
        invalid=[32, (0, 32), (32, 32, 3), (MAX_IMAGE_SIZE + 1, 32), (32.0, 32)],
    ),
    path=IMAGE_FOLDER,
    max_params=COMMON["max_params"],
)
"""The arguments of :func:`plan_folder` and :func:`show_folder_plan` (``object_size`` is the planner's, in its body)."""


@validate_arguments(**PLAN_FOLDER)
def plan_folder(path, image_size=None, max_params=None, object_size=None, *, stdout=None) -> FolderPlan:
    """Read a folder of images as Keras will, and plan a first CNN for its images.

    Parameters
    ----------
    path : str or pathlib.Path
        The folder: one subfolder per class (``path/<class_name>/*.png``).
    image_size : (int, int), optional
        ``(height, width)`` to resize every image to (default: the folder's most common size). The
        planner's refusal of a plan for images of this size names it.
    max_params : int, optional
        A parameter budget for the planner.
    object_size : int, optional
        The size in px (after resizing) of what tells the classes apart; without it the planner
        assumes it may fill the image.
    stdout : stream, optional
        Where the folder's report is printed when the planner refuses its images, before the
        planner's ``ValueError`` is raised (the report shows what the images are); None: nowhere.

    Raises
    ------
    ValueError
        A folder Keras cannot train on (:func:`~course_utils.engines.image_folder.scan_folder`), or images
        the planner refuses (too small for a plan, a budget too small).
    """
    report = scan_folder(path)
    input_shape = (*(image_size or report.image_size), report.input_shape[2])
    try:
        plan = plan_cnn(input_shape, len(report.classes), max_params=max_params, object_size=object_size)
    except ValueError as error:
        if stdout is not None:
            print("\n".join(_report_lines(report, image_size)), file=stdout)
        if image_size is None:
            raise
        raise ValueError(f"image_size {image_size}: {error}") from error
    return FolderPlan(report, plan, image_size, max_params, object_size)


@validate_arguments(**PLAN_FOLDER)
def show_folder_plan(path, image_size=None, max_params=None, object_size=None, *, stdout=None) -> None:
    """Print what a folder of images holds, the CNN planned for it, and the command for a starter notebook.

    The same as ``./course plan DIR`` prints. The arguments are those of :func:`plan_folder`;
    ``stdout`` is where to print (default: ``sys.stdout``). A plan the planner refuses prints the
    folder's report, then raises its ``ValueError``.
    """
    stdout = stdout or sys.stdout
    result = plan_folder(path, image_size, max_params, object_size, stdout=stdout)
    command = f"{COMMAND} {shlex.quote(str(path))} --notebook {STARTER_NOTEBOOK}"
    print(f"{result}\n\nA starter notebook that trains it: {command}", file=stdout)
