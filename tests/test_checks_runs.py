"""The run checkers' shared engine (course_utils.checks.runs): one cure, one gain, one interval engine.

Lessons 07 and 08 both cure lesson 07's overfitting run; what they share lives in
``course_utils.checks.runs``, which neither lesson owns, so that no lesson's checkers import
another lesson's. Every interval a checker computes comes from ``metrics.accuracy_interval`` with
the framework's z (``Z_95``); no z is typed anywhere else in the package.
"""

from __future__ import annotations

import ast
import math
import pkgutil
import tokenize
from pathlib import Path

import numpy as np
import pytest

import course_utils
import course_utils.checks
from course_utils.checks import framework, runs
from course_utils.checks import overfitting as c07
from course_utils.checks import regularization as c08
from course_utils.core.metrics import accuracy_interval
from course_utils.engines.diagnosis import diagnose

PACKAGE = Path(course_utils.__file__).resolve().parent
#: Modules of course_utils.checks that belong to no lesson: the framework and the shared run engine.
SHARED = {"framework", "runs"}
#: Lesson checkers that still import another lesson's: none (the compile judgement lessons 05 and 08
#: share is runs.compile_feedback).
STILL_IMPORTED: set[tuple[str, str]] = set()


@pytest.fixture(autouse=True)
def strict(monkeypatch):
    monkeypatch.setattr(framework, "STRICT", True)


def _shares(values, images: int) -> list:
    """Accuracies as Keras reports them: a whole count of right images over ``images``, in float32."""
    return [float(np.float32(round(float(v) * images) / images)) for v in values]


def _good_fit(best_val_accuracy: float, train_images: int, train_error: float = 0.096) -> dict:
    """A run whose losses fall and level off close together, on ``train_images`` digits, its training
    error ending at ``train_error``: below lesson 07's 10% and close to its validation error, a good fit."""
    steps = np.arange(1, 13)
    loss = 0.25 + 1.5 * np.exp(-steps / 2)
    val_accuracy = best_val_accuracy - 0.2 * np.exp(-steps / 2)
    return {
        "loss": loss.tolist(),
        "val_loss": (loss * 0.97).tolist(),
        "accuracy": _shares(val_accuracy + (1 - best_val_accuracy - train_error), train_images),
        "val_accuracy": _shares(val_accuracy, runs.VALIDATION_IMAGES),
    }


# ---------------------------------------------------------------- one cure, one gain
def test_both_lessons_cure_one_run_with_one_gain():
    assert c07.CURE_GAIN == c08.CURE_GAIN == runs.CURE_GAIN
    assert c07.cure_reference() == c08.cure_reference() == runs.cure_reference()
    best = max(runs.cure_reference()["val_accuracy"])
    # the 95% noise of a difference of two accuracies on the 800 validation images, computed here by hand
    assert runs.CURE_GAIN == round(1.96 * math.sqrt(2 * best * (1 - best) / 800), 3)


def test_a_gain_within_the_noise_cures_in_neither_lesson():
    """Lesson 07 once accepted a gain of 0.02, half the noise that lesson 08 refuses."""
    best = runs.reference_best()
    within = _good_fit(best + 0.03, train_images=1600)  # more than 0.02, less than the noise (0.040)
    assert 0.02 < 0.03 < runs.CURE_GAIN and diagnose(within).verdict == "good fit"
    feedback = c07.check_cure(within)
    assert feedback.status == "wrong" and "generalize better" in feedback.message, feedback
    assert f"not {runs.CURE_GAIN:.3f} above" in feedback.message
    assert c08.check_cure(_good_fit(best + 0.03, train_images=c08.CURE_IMAGES)).status == "wrong"
    real = best + 2 * runs.CURE_GAIN
    assert c07.check_cure(_good_fit(real, train_images=1600)).status == "correct"
    assert c08.check_cure(_good_fit(real, train_images=c08.CURE_IMAGES)).status == "correct"


@pytest.mark.parametrize(
    "history, status, fragment",
    [
        (..., "unfinished", "replace the `...`"),
        ([0.5, 0.4], "invalid", "should be what model.fit(...) returned"),
        ({"loss": [1.0, 0.5], "val_loss": [1.0, 0.6]}, "invalid", "at least 3"),
        (
            {
                "loss": [2.3, math.nan, 2.3],
                "val_loss": [2.3] * 3,
                "accuracy": [0.1] * 3,
                "val_accuracy": [0.1] * 3,
            },
            "wrong",
            "diverged",
        ),
        (
            {"loss": [1.0, 0.6, 0.5], "val_loss": [1.0, 0.7, 0.6], "val_accuracy": [0.5, 0.6, 1 / 3]},
            "wrong",
            "rules",
        ),
    ],
)
def test_both_cures_read_a_run_through_the_one_engine(history, status, fragment):
    for check_cure in (c07.check_cure, c08.check_cure):
        feedback = check_cure(history)
        assert feedback.status == status and fragment in feedback.message, feedback


def test_each_lesson_keeps_its_own_advice_for_a_diverged_run():
    run = {
        "loss": [2.3, math.inf, 2.3],
        "val_loss": [2.3] * 3,
        "accuracy": [0.1] * 3,
        "val_accuracy": [0.1] * 3,
    }
    assert "keep train_run's default" in c07.check_cure(run).message
    assert "lower it 3 to 10 times" in c08.check_cure(run).message


# ---------------------------------------------------------------- no lesson imports another's
def _lesson_imports(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / "checks" / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[:2] == ["course_utils", "checks"] and len(parts) > 2:
                found.add(parts[2])
    return found


LESSONS = sorted(
    info.name for info in pkgutil.iter_modules(course_utils.checks.__path__) if info.name not in SHARED
)


@pytest.mark.parametrize("lesson", LESSONS)
def test_no_lesson_checker_imports_another_lessons(lesson):
    others = {name for name in _lesson_imports(lesson) if name in LESSONS and name != lesson}
    assert others <= {other for first, other in STILL_IMPORTED if first == lesson}, (
        f"checks/{lesson}.py imports the checkers of {sorted(others)}: move what they share to a module "
        f"that is no lesson's ({sorted(SHARED)})"
    )


def test_the_shared_modules_import_no_lesson():
    for module in SHARED:
        assert not (_lesson_imports(module) & set(LESSONS)), module


# ---------------------------------------------------------------- one interval engine, one z
def test_no_z_is_typed_outside_the_frameworks_policy():
    typed = []
    for path in sorted(PACKAGE.rglob("*.py")):
        with path.open("rb") as source:
            for token in tokenize.tokenize(source.readline):
                if token.type == tokenize.NUMBER and _is_a_z(token.string):
                    typed.append(f"{path.relative_to(PACKAGE)}:{token.start[0]}")
    assert typed == ["checks/framework.py:" + str(_line_of_z_95())], typed


def _is_a_z(literal: str) -> bool:
    """A number literal that is the z of a 95% interval: 1.96, or 1.959964 to more or fewer digits."""
    try:
        value = float(literal.replace("_", ""))
    except ValueError:  # an imaginary or otherwise unusual literal
        return False
    return value == framework.Z_95 or abs(value - framework.Z_95_EXACT) < 5e-6


def _line_of_z_95() -> int:
    tree = ast.parse((PACKAGE / "checks" / "framework.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "Z_95" for t in node.targets):
            return node.lineno
    raise AssertionError("framework.Z_95 is not assigned")


def test_the_run_checkers_intervals_come_from_accuracy_interval(monkeypatch):
    """Whatever the standard error of an accuracy is, the checkers take it from metrics.accuracy_interval."""
    calls = []

    def spy(accuracy, n, confidence=0.95):
        calls.append((accuracy, n))
        return accuracy_interval(accuracy, n, confidence)

    monkeypatch.setattr(runs, "accuracy_interval", spy)
    monkeypatch.setattr(c07, "accuracy_interval", spy)
    assert runs.difference_noise(0.8) == pytest.approx(framework.Z_95 * math.sqrt(2 * 0.8 * 0.2 / 800))
    assert "guessing" in runs.diverged({"loss": [1.0], "val_loss": [1.0], "val_accuracy": [0.11]})
    p, n = c07.ERROR_BAR_ACCURACY, c07.ERROR_BAR_IMAGES
    assert c07.check_error_bar(framework.Z_95 * accuracy_interval(p, n).standard_error).status == "correct"
    assert {(0.8, 800), (0.1, 800), (p, n)} <= set(calls)
