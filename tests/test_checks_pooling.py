"""Checkers of lesson 03: right, wrong (each misconception), unfinished and mistyped answers.

Right answers are computed here from the definitions, independently of the course helpers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils.checks import Feedback
from course_utils.checks import pooling as check


def status(feedback):
    assert isinstance(feedback, Feedback)
    return feedback.status


CHECKERS = [
    check.check_pooled_size,
    check.check_pooling_stages,
    check.check_learnable_pool_params,
    check.check_max_pool_by_hand,
    check.check_global_average_features,
    check.check_max_pool_2x2_function,
]


@pytest.mark.parametrize("checker", CHECKERS)
@pytest.mark.parametrize("placeholder", [..., None])
def test_unfinished_answers(checker, placeholder):
    assert status(checker(placeholder)) == "unfinished"


@pytest.mark.parametrize(
    "checker, answer",
    [
        (check.check_pooled_size, "33"),
        (check.check_pooling_stages, [4]),
        (check.check_learnable_pool_params, "36928"),
        (check.check_max_pool_by_hand, "6 2 7 9"),
        (check.check_max_pool_by_hand, {"a": 1}),
        (check.check_global_average_features, (512,)),
        (check.check_max_pool_2x2_function, np.zeros((2, 2))),
    ],
)
def test_wrongly_typed_answers(checker, answer):
    assert status(checker(answer)) == "invalid"


def test_pooled_size():
    w, k = check.POOLED_SIZE["input_length"], check.POOLED_SIZE["pool_size"]
    right = (w - k) // k + 1
    assert status(check.check_pooled_size(right)) == "correct"
    for answer, fragment in [
        (w - k + 1, "one pixel at a time"),
        (math.ceil(w / k), "'same'"),
        (right - 1, "+1"),
        (w / k, "floor"),
    ]:
        feedback = check.check_pooled_size(answer)
        assert status(feedback) == "wrong"
        assert fragment in feedback.message


def halvings(n, minimum, round_up=False):
    count = 0
    while True:
        n = -(-n // 2) if round_up else n // 2
        if n < minimum:
            return count
        count += 1


def test_pooling_stages():
    w, minimum = check.STAGES["input_length"], check.STAGES["min_length"]
    assert status(check.check_pooling_stages(halvings(w, minimum))) == "correct"
    feedback = check.check_pooling_stages(halvings(w, minimum, round_up=True))
    assert status(feedback) == "wrong" and "rounded up" in feedback.message
    sizes = [w]
    while sizes[-1] % 2 == 0:
        sizes.append(sizes[-1] // 2)
    odd = sizes[-1]
    assert f"{odd} becomes {odd // 2}" in feedback.message
    feedback = check.check_pooling_stages(halvings(w, minimum) + 1)
    assert status(feedback) == "wrong" and "counted the sizes" in feedback.message
    feedback = check.check_pooling_stages(halvings(w, 1))
    assert status(feedback) == "wrong" and "down to 1 pixel" in feedback.message


def test_learnable_pool_params():
    k, c, f = (check.LEARNABLE_POOL[key] for key in ("kernel_size", "in_channels", "filters"))
    assert status(check.check_learnable_pool_params(k * k * c * f + f)) == "correct"
    assert "pooling layer" in check.check_learnable_pool_params(0).message
    assert "biases" in check.check_learnable_pool_params(k * k * c * f).message
    assert "channels sum" in check.check_learnable_pool_params(k * k * f + f).message


def by_hand(image, stride=2, reduce=np.max):
    image = np.asarray(image, dtype=float)
    rows = range(0, image.shape[0] - 1, stride)
    cols = range(0, image.shape[1] - 1, stride)
    return np.array([[reduce(image[r : r + 2, c : c + 2]) for c in cols] for r in rows])


def test_max_pool_by_hand():
    right = by_hand(check.BY_HAND)
    assert status(check.check_max_pool_by_hand(right)) == "correct"
    assert status(check.check_max_pool_by_hand(right.astype(int).tolist())) == "correct"
    feedback = check.check_max_pool_by_hand(by_hand(check.BY_HAND, reduce=np.mean))
    assert status(feedback) == "wrong" and "averages" in feedback.message
    feedback = check.check_max_pool_by_hand(by_hand(check.BY_HAND, stride=1))
    assert status(feedback) == "wrong" and "one pixel at a time" in feedback.message
    feedback = check.check_max_pool_by_hand(right + 1)
    assert status(feedback) == "wrong"


def test_global_average_features():
    h, w, c = check.FEATURE_MAP_SHAPE
    assert status(check.check_global_average_features(c)) == "correct"
    assert "Flatten" in check.check_global_average_features(h * w * c).message
    assert "across the channels" in check.check_global_average_features(h * w).message


def learner_max_pool(image):
    image = np.asarray(image)
    h, w = image.shape[0] // 2 * 2, image.shape[1] // 2 * 2
    return image[:h, :w].reshape(h // 2, 2, w // 2, 2).max(axis=(1, 3))


def test_max_pool_function_right_and_unfinished():
    assert status(check.check_max_pool_2x2_function(learner_max_pool)) == "correct"

    def unfinished(image):
        raise NotImplementedError

    assert status(check.check_max_pool_2x2_function(unfinished)) == "unfinished"


def average_version(image):
    image = np.asarray(image)
    h, w = image.shape[0] // 2 * 2, image.shape[1] // 2 * 2
    return image[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))


def stride_one_version(image):
    image = np.asarray(image)
    return np.maximum.reduce([image[:-1, :-1], image[1:, :-1], image[:-1, 1:], image[1:, 1:]])


def same_version(image):
    image = np.asarray(image, dtype=float)
    padded = np.pad(image, ((0, image.shape[0] % 2), (0, image.shape[1] % 2)), constant_values=-np.inf)
    return learner_max_pool(padded)


@pytest.mark.parametrize(
    "mistake, fragment",
    [
        (average_version, "mean"),
        (stride_one_version, "overlap"),
        (same_version, "half windows"),
    ],
)
def test_max_pool_function_misconceptions(mistake, fragment):
    feedback = check.check_max_pool_2x2_function(mistake)
    assert status(feedback) == "wrong"
    assert fragment in feedback.message


def test_max_pool_function_that_crashes_gets_feedback():
    feedback = check.check_max_pool_2x2_function(lambda image: image[100])
    assert status(feedback) == "wrong" and "IndexError" in feedback.message


def test_cases_include_odd_sizes():
    shapes = [case.shape for case in check.function_cases()]
    assert any(h % 2 or w % 2 for h, w in shapes)
    assert all(h >= 2 and w >= 2 for h, w in shapes)
