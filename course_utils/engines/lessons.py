"""The course map: every lesson, its file and what the learner leaves able to do.

The start-here notebook shows this table, and the tests check that the README lists
the same lessons, so the map is written once. The map says which lessons have a notebook
and which have exercises; it reads no folder, so it is the same wherever the package is
installed (``tests/test_course_map.py`` checks it against the repository's folders).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

__all__ = ["FOLDERS", "LESSONS", "Lesson", "course_map"]

FOLDERS = ("notebooks", "exercises", "solutions")
"""The course's folders of notebooks: the lessons, the exercises, and the exercises' solutions."""


@dataclass(frozen=True)
class Lesson:
    """One lesson of the course."""

    number: str
    slug: str
    title: str
    objective: str
    exercises: bool = True
    """The lesson has exercises: a notebook in ``exercises/`` and its solution in ``solutions/``."""
    planned: bool = False
    """The lesson is not written yet: the map says "planned"."""

    @property
    def filename(self) -> str:
        return f"{self.number}_{self.slug}.ipynb"

    def available(self, folder: str = "notebooks") -> bool:
        """True when the course has this lesson's notebook in ``folder`` (one of :data:`FOLDERS`).

        Examples
        --------
        >>> LESSONS[1].available(), LESSONS[1].available("exercises"), LESSONS[0].available("exercises")
        (True, True, False)
        """
        if folder not in FOLDERS:
            raise ValueError(f"folder must be one of {', '.join(map(repr, FOLDERS))}, got {folder!r}.")
        return not self.planned and (folder == "notebooks" or self.exercises)


LESSONS = (
    Lesson("00", "start_here", "Start here", "run the course, use the exercises and checkers, see the course map",
           exercises=False),
    Lesson("01", "convolution_arithmetic", "Convolution arithmetic",
           "compute a feature map by hand and in NumPy, and match Keras; explain channels and filters; learn a kernel from data"),
    Lesson("02", "padding_and_stride", "Padding and stride",
           "predict output sizes ('valid', 'same', explicit P, stride, dilation); trace a stack"),
    Lesson("03", "pooling", "Pooling",
           "predict pooled sizes; choose how many conv-pool stages an input allows; know what pooling gives up"),
    Lesson("04", "parameter_counting", "Parameter counting",
           "count parameters, multiply-adds and memory per layer; see where a model's weights live (LeNet-5, VGG16, ResNet)"),
    Lesson("05", "training_a_cnn", "Training a CNN",
           "build, train, checkpoint and evaluate a small CNN reproducibly on a CPU; compare it with a dense baseline"),
    Lesson("06", "metrics", "Metrics",
           "confusion matrix, accuracy, precision, recall, specificity, F1, thresholds, imbalance"),
    Lesson("07", "overfitting_diagnosis", "Overfitting diagnosis",
           "read learning curves; tell underfitting from overfitting from a good fit"),
    Lesson("08", "regularization_and_tuning", "Regularization and tuning",
           "dropout, L2, augmentation, batch norm, early stopping, learning rate, batch size; Keras Tuner"),
    Lesson("09", "capstone_designing_a_cnn", "Capstone: designing a CNN",
           "answer the 100x100, two-class question with a plan, experiments from several seeds, and one test"),
    Lesson("10", "your_own_images", "Your own images",
           "train on a folder of your own images: load, plan, weigh unbalanced classes, diagnose, test once, save, predict",
           exercises=False),
)  # fmt: skip


class CourseMap:
    """The lesson table; shown as HTML in Jupyter and as text elsewhere."""

    def __init__(self, lessons=LESSONS):
        self.lessons = tuple(lessons)

    def rows(self) -> list[dict]:
        return [
            {
                "lesson": lesson.number,
                "title": lesson.title,
                "objective": lesson.objective,
                "notebook": f"notebooks/{lesson.filename}" if lesson.available() else "planned",
                "exercises": "yes" if lesson.available("exercises") else "-",
            }
            for lesson in self.lessons
        ]

    def __repr__(self) -> str:
        lines = []
        for row in self.rows():
            lines.append(
                f"{row['lesson']}  {row['title']:<27} {row['notebook']:<42} exercises: {row['exercises']}"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(
            f"<th>{name}</th>" for name in ("#", "lesson", "you leave able to", "notebook", "exercises")
        )
        body = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(row[key])}</td>"
                for key in ("lesson", "title", "objective", "notebook", "exercises")
            )
            + "</tr>"
            for row in self.rows()
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def course_map() -> CourseMap:
    """The course map, with the notebook of each lesson or "planned".

    Examples
    --------
    >>> course_map().rows()[0]["notebook"]
    'notebooks/00_start_here.ipynb'
    """
    return CourseMap()
