"""The lesson 09 checkers: right answers pass in every form, each mistake is named, junk is refused.

Expected values come from the course's helpers (the planner, the receptive-field walk, the
parameter formulas, the accuracy intervals) and from the stored experiments that
``./course capstone`` made. The design checker is tested on designs that break each rule,
on designs that keep them all (it then trains them briefly), and with its training stopped,
failing or skipped: it never raises.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest
from exercise_answers import seeds_gain, stored_correct, stored_run

from course_utils.checks import capstone as check
from course_utils.checks import framework
from course_utils.core.arithmetic import pooling_schedule
from course_utils.core.metrics import accuracy_interval
from course_utils.core.params import dense_params
from course_utils.engines.design_evidence import unfinished
from course_utils.engines.layer_specs import layer_states
from course_utils.engines.planner import judge_design, plan_cnn


@pytest.fixture(autouse=True)
def strict(monkeypatch):
    monkeypatch.setattr(framework, "STRICT", True)


def assert_feedback(feedback, status, *fragments, absent=()):
    assert feedback.status == status, str(feedback)
    for fragment in fragments:
        assert fragment.lower() in feedback.message.lower(), str(feedback)
    for fragment in absent:
        assert fragment.lower() not in feedback.message.lower(), str(feedback)


# ---------------------------------------------------------------- exercise 1: the pooling rule


def my_poolings_for(image_size):
    """A learner's version: halve (rounding down) until the size is at most 8."""
    count = 0
    while image_size > 8 or count == 0:
        image_size //= 2
        count += 1
    return count


def test_the_reference_is_the_planners_rule():
    for size in check.POOLING_CASES:
        plan = plan_cnn((size, size, 1), 2)
        poolings = sum(layer["type"] == "MaxPooling2D" for layer in plan.layers)
        assert check.reference_poolings_for(size) == poolings
        assert 4 <= min(plan.final_map) and max(plan.final_map) <= 8


def test_poolings_for_right_and_each_mistake_named():
    assert_feedback(check.check_poolings_for(my_poolings_for), "correct")
    assert_feedback(check.check_poolings_for(check._down_to_one_pixel), "wrong", "down to 1 px")
    assert_feedback(check.check_poolings_for(check._down_to_four), "wrong", "at least 4 px")
    assert_feedback(check.check_poolings_for(check._rounds_up), "wrong", "rounding up (17 -> 9)")
    assert_feedback(check.check_poolings_for(lambda size: 3), "wrong", "count the halvings")


def _loop(condition, halve):
    def poolings_for(image_size):
        count = 0
        while condition(image_size, count):
            image_size = halve(image_size)
            count += 1
        return count

    return poolings_for


@pytest.mark.parametrize(
    "learner, fragment",
    [
        (_loop(lambda size, count: size > 8, lambda size: size // 2), "8 px gets no pooling"),
        (_loop(lambda size, count: count == 0 or size > 8, lambda size: size / 2), "true division (17 / 2"),
        (_loop(lambda size, count: count == 0 or size > 8, lambda size: -(-size // 2)), "rounding up"),
        (_loop(lambda size, count: count == 0 or size >= 8, lambda size: size // 2), "at least 4 px"),
    ],
)
def test_the_pooling_rule_is_tried_down_to_its_smallest_sizes(learner, fragment):
    """`while image_size > 8` gives no pooling to an 8 px image, where the rule gives 1: refused."""
    assert min(check.POOLING_CASES) == 8 and check.reference_poolings_for(8) == 1
    assert any(size % 2 for size in check.POOLING_CASES if size < 16)
    with pytest.raises(ValueError):
        plan_cnn((7, 7, 1), 2)  # the rule covers no smaller size
    feedback = check.check_poolings_for(learner)
    assert_feedback(feedback, "wrong", fragment)


def test_true_division_is_not_called_rounding_up_alone():
    true_division = _loop(lambda size, count: count == 0 or size > 8, lambda size: size / 2)
    message = check.check_poolings_for(true_division).message
    assert "true division" in message and "You round the halved size up" not in message


def test_the_pooling_mistakes_differ_from_the_rule_on_the_cases():
    expected = [check.reference_poolings_for(size) for size in check.POOLING_CASES]
    for mistake in (
        check._down_to_one_pixel,
        check._down_to_four,
        check._rounds_up,
        check._true_division,
        check._not_at_least_once,
    ):
        assert [mistake(size) for size in check.POOLING_CASES] != expected, mistake.__name__
    # 'same'-padded halving is rounding up: it is what the rounding mistake computes
    assert pooling_schedule(17, padding="same")[1] == 9


def test_poolings_for_unfinished_and_broken():
    def unfinished(image_size):
        raise NotImplementedError

    assert_feedback(check.check_poolings_for(unfinished), "unfinished")
    assert_feedback(check.check_poolings_for(lambda size: size / 0), "wrong", "ZeroDivisionError")


# ---------------------------------------------------------------- exercise 2: a receptive field


def expected_field():
    conv = {"type": "Conv2D", "kernel_size": 3, "padding": "same"}
    layers = (
        [conv] * check.STACK_CONVS_PER_STAGE + [{"type": "MaxPooling2D", "pool_size": 2}]
    ) * check.STACK_STAGES
    return layer_states((256, 256, 1), layers)[-1].receptive_field[0]


def by_hand_field():
    field, jump = 1, 1
    for _ in range(check.STACK_STAGES):
        for _ in range(check.STACK_CONVS_PER_STAGE):
            field += 2 * jump
        field += jump
        jump *= 2
    return field


@pytest.mark.parametrize("form", [int, float, np.int64, Fraction])
def test_stack_receptive_field_in_every_form(form):
    assert expected_field() == by_hand_field()
    assert_feedback(check.check_stack_receptive_field(form(expected_field())), "correct")


def test_stack_receptive_field_mistakes_are_distinct_and_named():
    values = {
        "jump": check._field_without_jump(),
        "also widens": check._field_pools_add_nothing(),
        "before the last pooling": check._stack_field(check._stack()[:-1]),
        "one convolution per stage": check._stack_field(check._stack(convs=1)),
    }
    assert len(set(values.values()) | {expected_field()}) == len(values) + 1
    for fragment, value in values.items():
        assert_feedback(check.check_stack_receptive_field(value), "wrong", fragment)
    assert_feedback(check.check_stack_receptive_field(expected_field() + 3), "wrong", "field and the jump")


# ---------------------------------------------------------------- exercise 3: the head's cost


def test_head_params_right_and_mistakes_named():
    plan = plan_cnn((check.HEAD_IMAGE_SIZE, check.HEAD_IMAGE_SIZE, 1), 2)
    features = math.prod(plan.final_map) * plan.filters[-1]
    expected = dense_params(features, check.HEAD_UNITS)
    assert expected == features * check.HEAD_UNITS + check.HEAD_UNITS
    for form in (expected, float(expected), np.int32(expected)):
        assert_feedback(check.check_head_params(form), "correct")
    assert_feedback(check.check_head_params(expected - check.HEAD_UNITS), "wrong", "biases")
    assert_feedback(
        check.check_head_params(dense_params(plan.filters[-1], check.HEAD_UNITS)), "wrong", "global average"
    )
    assert_feedback(check.check_head_params(features), "wrong", "number of features")
    assert_feedback(check.check_head_params(expected + 1), "wrong", "plan.final_map")


# ---------------------------------------------------------------- exercise 4: two stored designs


def compared():
    return [stored_run(group, name) for group, name in check.COMPARED_RUNS]


def test_the_stored_right_answers_agree_with_the_stored_accuracies():
    for runs in compared():
        assert len(runs) >= 3, "each compared design from three seeds or more"
        for run in runs:
            assert stored_correct(run).mean() == pytest.approx(run["validation"]["accuracy"], abs=1e-4)
            assert run["validation"]["images"] == 1000


def test_half_width_refuses_z_2_with_the_reason_as_lessons_05_and_07_do():
    run = compared()[0][0]["validation"]
    p, n = run["accuracy"], run["images"]
    for z in (1.96, 1.959964):
        assert_feedback(check.check_half_width(z * math.sqrt(p * (1 - p) / n)), "correct")
    assert_feedback(check.check_half_width(2 * math.sqrt(p * (1 - p) / n)), "wrong", "z = 2", "1.96")


def test_half_width_is_the_lessons_formula():
    run = compared()[0][0]["validation"]
    p, n = run["accuracy"], run["images"]
    by_hand = 1.96 * math.sqrt(p * (1 - p) / n)
    assert by_hand == pytest.approx(accuracy_interval(p, n).half_width, rel=1e-3)
    assert_feedback(check.check_half_width(by_hand), "correct")
    assert_feedback(check.check_half_width(by_hand / 1.96), "wrong", "one standard error")
    assert_feedback(check.check_half_width(100 * by_hand), "wrong", "percent")
    assert_feedback(
        check.check_half_width(1.96 * math.sqrt(p * (1 - p))), "wrong", "number of validation canvases"
    )


def test_runs_differ_follows_the_paired_interval_over_seeds_and_the_spreads():
    first, second = compared()
    # by hand: per canvas, the share of the second design's seeds right minus the first's
    gain, half_width, _ = seeds_gain(first, second)
    spreads = [np.std([run["validation"]["accuracy"] for run in runs], ddof=1) for runs in (first, second)]
    differ = abs(gain) > half_width and abs(gain) > max(spreads)
    expected, other = ("yes", "no") if differ else ("no", "yes")
    assert_feedback(check.check_runs_differ(expected.upper()), "correct", "interval", f"{gain:+.3f}")
    assert_feedback(check.check_runs_differ(other), "wrong", "interval", f"{spreads[0]:.3f}")
    assert_feedback(check.check_runs_differ("maybe"), "wrong", "options")


def test_the_compared_designs_both_finished_so_yes_or_no_is_a_fair_question():
    from course_utils.engines.design_evidence import unfinished

    patience = json.loads(check.RESULTS_FILE.read_text(encoding="utf-8"))["setup"]["training"]["patience"]
    assert all(unfinished(runs, patience=patience) == 0 for runs in compared())


# ---------------------------------------------------------------- exercise 5: the design task


def valid_design():
    conv = {"type": "Conv2D", "kernel_size": 3, "padding": "same", "activation": "relu"}
    pool = {"type": "MaxPooling2D", "pool_size": 2}
    return [
        {**conv, "filters": 8},
        pool,
        {**conv, "filters": 16},
        pool,
        {**conv, "filters": 16},
        pool,
        {**conv, "filters": 16},
        {"type": "GlobalAveragePooling2D"},
        {"type": "Dense", "units": 1, "activation": "sigmoid"},
    ]


def test_the_valid_design_keeps_every_rule_and_the_budget_plan_does_not():
    report = judge_design(
        check.DESIGN_INPUT,
        check.DESIGN_CLASSES,
        valid_design(),
        max_params=check.DESIGN_BUDGET,
        object_size=check.DESIGN_OBJECT_SIZE,
    )
    assert report.ok, report
    plan = plan_cnn(
        check.DESIGN_INPUT, check.DESIGN_CLASSES, check.DESIGN_BUDGET, object_size=check.DESIGN_OBJECT_SIZE
    )
    assert "receptive_field" in plan.broken  # the exercise asks for more than the budget rule finds


@pytest.mark.slow
def test_a_valid_design_is_right_and_trained_briefly(keras):
    feedback = check.check_design_task(valid_design())
    assert_feedback(feedback, "correct", "params", "receptive field", "validation images")


def test_a_plan_object_is_judged_by_its_layers():
    plan = plan_cnn(
        check.DESIGN_INPUT, check.DESIGN_CLASSES, check.DESIGN_BUDGET, object_size=check.DESIGN_OBJECT_SIZE
    )
    assert_feedback(check.check_design_task(plan), "wrong", "(receptive_field)")


@pytest.mark.parametrize(
    "change, fragment",
    [
        (lambda d: [{**d[0], "filters": 64}, *d[1:]], "(budget)"),
        (lambda d: d[:4] + d[6:], "(final_map)"),
        (lambda d: d[:6] + d[7:], "(receptive_field)"),
        (lambda d: [layer for layer in d if layer["type"] != "GlobalAveragePooling2D"], "(head)"),
        (lambda d: d[:-1] + [{"type": "Dense", "units": 1, "activation": "softmax"}], "(output)"),
    ],
)
def test_each_broken_rule_is_explained(change, fragment):
    assert_feedback(check.check_design_task(change(valid_design())), "wrong", fragment)


def test_design_answers_of_the_wrong_form():
    assert_feedback(check.check_design_task(...), "unfinished")
    assert_feedback(check.check_design_task([...]), "unfinished")
    assert_feedback(check.check_design_task([]), "invalid")
    assert_feedback(check.check_design_task(["Conv2D"]), "invalid", "layer dicts")
    assert_feedback(check.check_design_task([{"type": "Conv3D"}]), "wrong", "cannot be built")


def test_brief_training_never_raises(monkeypatch):
    report = judge_design(
        check.DESIGN_INPUT,
        check.DESIGN_CLASSES,
        valid_design(),
        max_params=check.DESIGN_BUDGET,
        object_size=check.DESIGN_OBJECT_SIZE,
    )
    monkeypatch.setattr(check, "DESIGN_MAX_MACS", 0)
    assert "too many to train" in check._brief_training(valid_design(), report)
    monkeypatch.setattr(check, "DESIGN_MAX_MACS", 10**12)

    def slow(layers, loss):
        import time

        time.sleep(5)

    monkeypatch.setattr(check, "_train_briefly", slow)
    monkeypatch.setattr(check, "DESIGN_TIME_LIMIT", 0.2)
    assert "did not finish" in check._brief_training(valid_design(), report)

    def broken(layers, loss):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(check, "_train_briefly", broken)
    assert "RuntimeError: 'out of memory'" in check._brief_training(valid_design(), report)
    assert_feedback(check.check_design_task(valid_design()), "correct", "failed")


# ---------------------------------------------------------------- exercise 6: the recipe


def test_recipe_for_little_data():
    assert_feedback(
        check.check_recipe_for_little_data(" Pretrained Trunk "), "correct", "from scratch", "250"
    )
    for option in check.RECIPE_OPTIONS:
        if option != "pretrained trunk":
            feedback = check.check_recipe_for_little_data(option)
            assert_feedback(feedback, "wrong", "validation canvases")
            assert any(ch.isdigit() for ch in feedback.message), "the message cites the stored figures"
    assert_feedback(check.check_recipe_for_little_data("more data"), "wrong", "options")
    assert_feedback(check.check_recipe_for_little_data(...), "unfinished")


def test_each_option_is_answered_with_its_own_comparison_in_the_lessons_words():
    """Each message cites the option's own difference and says settled or not as the rule does, by hand."""
    patience = json.loads(check.RESULTS_FILE.read_text(encoding="utf-8"))["setup"]["training"]["patience"]
    words = {"yes": "a real difference", "no": "no difference beyond the noise", "unsettled": "unsettled"}
    for option, (group, reference, name, comparisons) in check.RECIPE_EVIDENCE.items():
        a, b = stored_run(group, reference), stored_run(group, name)
        gain, half_width, spread = seeds_gain(a, b, comparisons)
        beyond = abs(gain) > half_width and abs(gain) > spread
        worse = b if gain < 0 else a
        still = {
            name_: unfinished(runs, patience=patience)
            for name_, runs in (("a", a), ("b", b), ("worse", worse))
        }
        if beyond:
            verdict = "unsettled" if still["worse"] else "yes"
        else:
            verdict = "unsettled" if still["a"] or still["b"] else "no"
        message = check.check_recipe_for_little_data(option).message
        assert f"{gain:+.3f}" in message and f"{words[verdict]}" in message, (option, verdict, message)
        if option == "pretrained trunk":
            assert verdict == "yes" and gain > 0.1 and b[0]["settings"]["n_train"] == 250


def test_the_supported_change_is_the_settled_gain_measured_with_the_fewest_canvases():
    evidence = check.little_data_evidence()
    fewest = min(n for _, n in evidence.values())
    gains = [
        o for o, (c, n) in evidence.items() if n == fewest and c.verdict == "yes" and c.interval.estimate > 0
    ]
    assert gains == ["pretrained trunk"]
    assert evidence["flatten head"][0].verdict == "yes" and evidence["flatten head"][0].interval.estimate < 0
    assert evidence["more stages"][1] > fewest, "a fifth stage was measured with more canvases"
