"""Checkers for the exercises of lesson 09 (the capstone: designing a CNN).

Expected values come from the helpers the lesson uses: the planner's rules
(:func:`course_utils.engines.planner.plan_cnn` and :func:`course_utils.engines.planner.judge_design`), the
receptive-field and pooling arithmetic (:mod:`course_utils.core.arithmetic`,
:func:`course_utils.engines.layer_specs.layer_states`), the parameter formulas
(:mod:`course_utils.core.params`) and the accuracy intervals (:mod:`course_utils.core.metrics`). Two
exercises read the lesson's stored experiments (``course_utils/data_files/capstone_09.json``,
made by ``./course capstone``). Only the design checker trains a model: briefly, within
:data:`DESIGN_TIME_LIMIT` seconds, importing Keras when it does.

Examples
--------
>>> check_head_params(...)
Unfinished: replace the `...` in parameters of the Dense layer with your answer, then run the cell again.
>>> check_poolings_for(lambda image_size: 4).status
'wrong'
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from course_utils.checks import framework
from course_utils.checks.framework import (
    Feedback,
    check_choice,
    check_design,
    check_function,
    check_number,
    check_z_number,
    checker,
    describe,
    is_placeholder,
    unfinished,
)
from course_utils.core.arithmetic import max_pooling_stages, pooling_schedule, receptive_field_step
from course_utils.core.metrics import accuracy_interval
from course_utils.core.params import dense_params
from course_utils.engines.data import make_shapes
from course_utils.engines.design_evidence import compare_designs
from course_utils.engines.layer_specs import layer_states
from course_utils.engines.planner import judge_design, plan_cnn
from course_utils.engines.stored_runs import CAPSTONE_FILE, load_capstone

__all__ = [
    "COMPARED_RUNS",
    "DESIGN_BUDGET",
    "DESIGN_CLASSES",
    "DESIGN_INPUT",
    "DESIGN_OBJECT_SIZE",
    "DESIGN_TIME_LIMIT",
    "HEAD_IMAGE_SIZE",
    "HEAD_UNITS",
    "POOLING_CASES",
    "RECIPE_OPTIONS",
    "STACK_CONVS_PER_STAGE",
    "STACK_STAGES",
    "check_design_task",
    "check_half_width",
    "check_head_params",
    "check_poolings_for",
    "check_recipe_for_little_data",
    "check_runs_differ",
    "check_stack_receptive_field",
    "reference_poolings_for",
    "compared_difference",
    "little_data_evidence",
    "stored_results",
    "stored_runs",
]

RESULTS_FILE = CAPSTONE_FILE

#: Exercise 1: image sides on which the learner's ``poolings_for`` is tried: every size from the
#: smallest the rule covers (8 px: one pooling, as the rule pools at least once) up to 40, odd sizes
#: included, then larger ones.
POOLING_CASES = (*range(8, 41), 63, 64, 65, 90, 127, 160, 224, 500, 1024)
#: Exercise 2: a stack of STACK_STAGES stages, each of STACK_CONVS_PER_STAGE 3x3 convolutions
#: ('same' padding) and a 2x2 max pooling.
STACK_STAGES, STACK_CONVS_PER_STAGE = 4, 2
#: Exercise 3: the planner's default plan for square grey images of this side, with a
#: Flatten + Dense(HEAD_UNITS) head instead of global average pooling.
HEAD_IMAGE_SIZE, HEAD_UNITS = 160, 64
#: Exercise 4: two stored designs, as (group, name), each from three seeds on the same validation canvases.
COMPARED_RUNS = (("residual", "plain"), ("residual", "residual"))
#: Exercise 5: the new input, the number of classes, the budget and the objects' size in px.
DESIGN_INPUT = (48, 48, 1)
DESIGN_CLASSES = 2
DESIGN_BUDGET = 10_000
DESIGN_OBJECT_SIZE = 24
#: Exercise 5: training images, validation images and epochs of the brief training run.
DESIGN_TRAINING = {"n_train": 600, "n_val": 400, "epochs": 8, "learning_rate": 3e-3, "seed": 5}
#: Exercise 5: seconds the brief training may take before it is stopped.
DESIGN_TIME_LIMIT = 30.0
#: Exercise 5: multiply-adds per image above which the design is not trained here (too slow).
DESIGN_MAX_MACS = 50_000_000
#: Exercise 6: the changes the learner chooses from when labelled canvases are few, and the stored
#: comparison that measured each: (group, reference design, changed design, comparisons in its table).
RECIPE_EVIDENCE = {
    "more stages": ("depth", "4 stages", "5 stages", 3),
    "flatten head": ("head", "GAP, 250 canvases", "Flatten + Dense, 250 canvases", 1),
    "pretrained trunk": ("transfer", "scratch", "same digits", 3),
    "larger kernels": ("kernels", "3x3 stack", "7x7", 2),
}
RECIPE_OPTIONS = tuple(RECIPE_EVIDENCE)
#: Exercise 6: the lesson's own design trained from scratch on as few canvases, as (group, name).
LITTLE_DATA_REFERENCE = ("data", "250 canvases")


# ---------------------------------------------------------------------------
# The stored experiments
# ---------------------------------------------------------------------------
@lru_cache(maxsize=1)
def stored_results() -> dict:
    """The lesson's stored experiments, grouped (:func:`course_utils.engines.stored_runs.load_capstone`), read once."""
    return load_capstone()


def stored_runs(group: str, name: str) -> list[dict]:
    """The stored runs of one design, one per seed, by its group and name.

    Examples
    --------
    >>> [run["seed"] for run in stored_runs("depth", "4 stages")]
    [0, 1, 2]
    """
    runs = stored_results()["groups"].get(group, {}).get(name)
    if not runs:
        raise ValueError(f"no stored runs {name!r} in group {group!r}: run ./course capstone --only {group}.")
    return sorted(runs, key=lambda run: run["seed"])


def _patience() -> int:
    return stored_results()["setup"]["training"]["patience"]


def _compare(group: str, reference: str, name: str, comparisons: int = 1):
    """Two stored designs compared as the lesson compares them (:func:`~course_utils.engines.design_evidence.compare_designs`)."""
    return compare_designs(
        stored_runs(group, reference), stored_runs(group, name), patience=_patience(), comparisons=comparisons
    )


# ---------------------------------------------------------------------------
# Exercise 1: the planner's pooling rule, as a function
# ---------------------------------------------------------------------------
def reference_poolings_for(image_size):
    """The number of 2x2 poolings :func:`~course_utils.engines.planner.plan_cnn` gives a square image.

    Examples
    --------
    >>> [reference_poolings_for(size) for size in (28, 100)]
    [2, 4]
    """
    plan = plan_cnn((image_size, image_size, 1), 2, object_size=1, dropout=0)
    return sum(layer["type"] == "MaxPooling2D" for layer in plan.layers)


def _down_to_one_pixel(image_size):
    return max_pooling_stages(image_size)


def _down_to_four(image_size):
    return len(pooling_schedule(image_size, min_length=4)) - 1


def _rounds_up(image_size):
    schedule = pooling_schedule(image_size, padding="same")
    return next(i for i, size in enumerate(schedule) if i and size <= 8)


def _true_division(image_size):
    """``image_size / 2`` instead of ``// 2``: a size above 8 stays above 8 one halving longer."""
    count, size = 0, image_size
    while count == 0 or size > 8:
        size /= 2
        count += 1
    return count


def _not_at_least_once(image_size):
    """``while image_size > 8``: no pooling at all for an image of 8 px or less."""
    count = 0
    while image_size > 8:
        image_size //= 2
        count += 1
    return count


#: True division and rounding up give the same count for every size (x / 2**k <= 8 exactly when
#: ceil(x / 2**k) <= 8), so one message names both.
_HALF_PIXEL = (
    "Your halvings keep the half pixel: true division (17 / 2 = 8.5) or rounding up (17 -> 9) both keep an "
    "odd size above 8 one pooling longer. A 2x2 max pooling with Keras's default padding='valid' drops an "
    "odd last row and column: 17 -> 8, so halve with // 2."
)


@checker(answer="function")
def check_poolings_for(poolings_for) -> Feedback:
    """Exercise 1: ``poolings_for(image_size)``, the planner's rule for how many 2x2 poolings.

    Examples
    --------
    >>> check_poolings_for(reference_poolings_for).status
    'correct'
    >>> check_poolings_for(_down_to_one_pixel).status
    'wrong'
    """
    return check_function(
        poolings_for,
        reference_poolings_for,
        [(size,) for size in POOLING_CASES],
        name="poolings_for",
        misconceptions=[
            (
                _down_to_one_pixel,
                "You pool for as long as a pooling is possible, down to 1 px. The rule stops as soon as "
                "the map is at most 8 px: a map of 1 or 2 px says nothing about where things are.",
            ),
            (
                _down_to_four,
                "You pool while the map stays at least 4 px (or until it is below 8 px: the same thing "
                "when halving), so you stop at 4 to 7 px. The rule stops at the first size that is at "
                "most 8 px: 4 is only the floor no pooling may go under.",
            ),
            (
                _rounds_up,
                _HALF_PIXEL,
            ),
            (
                _true_division,
                _HALF_PIXEL,
            ),
            (
                _not_at_least_once,
                "An image of 8 px gets no pooling from your function, but the rule pools at least once: "
                "the planner halves an 8 px image to 4 px. Count a first pooling whatever the size.",
            ),
        ],
        hint="Halve the size (rounding down, as a 2x2 pooling does) until it is at most 8; count the halvings.",
    )


# ---------------------------------------------------------------------------
# Exercise 2: the receptive field of a stack of stages
# ---------------------------------------------------------------------------
def _stack(convs=STACK_CONVS_PER_STAGE, stages=STACK_STAGES, pool=True):
    conv = {"type": "Conv2D", "filters": 8, "kernel_size": 3, "padding": "same"}
    layers = []
    for _ in range(stages):
        layers += [conv] * convs + ([{"type": "MaxPooling2D", "pool_size": 2}] if pool else [])
    return layers


def _stack_field(layers) -> int:
    return layer_states((256, 256, 1), layers)[-1].receptive_field[0]


def _field_without_jump() -> int:
    """Every layer adds kernel_size - 1, as if nothing had been pooled before it."""
    return 1 + STACK_STAGES * (STACK_CONVS_PER_STAGE * 2 + 1)


def _field_pools_add_nothing() -> int:
    """The jumps are right, but a pooling's own window adds nothing."""
    field, jump = 1, 1
    for _ in range(STACK_STAGES):
        for _ in range(STACK_CONVS_PER_STAGE):
            field, jump = receptive_field_step(field, jump, 3)
        field, jump = receptive_field_step(field, jump, 1, strides=2)
    return field


@checker
def check_stack_receptive_field(answer) -> Feedback:
    """Exercise 2: the receptive field after the last pooling of :data:`STACK_STAGES` stages.

    Examples
    --------
    >>> check_stack_receptive_field(_stack_field(_stack())).status
    'correct'
    """
    expected = _stack_field(_stack())
    return check_number(
        answer,
        expected,
        name="receptive field (px)",
        misconceptions=[
            (
                _field_without_jump(),
                "You added kernel_size - 1 for every layer. After a pooling one step on the map moves "
                "several input pixels (the jump): each layer adds (kernel_size - 1) * jump.",
            ),
            (
                _field_pools_add_nothing(),
                "The jumps are right, but a 2x2 pooling also widens the view: it adds (2 - 1) * jump too.",
            ),
            (
                _stack_field(_stack()[:-1]),
                "That is the receptive field before the last pooling: include it.",
            ),
            (
                _stack_field(_stack(convs=1)),
                f"That is the receptive field of one convolution per stage: each stage has {STACK_CONVS_PER_STAGE}.",
            ),
        ],
        hint="Walk the layers with the field and the jump: a layer adds (kernel_size - 1) * jump to the "
        "field, then a pooling doubles the jump. Start from a field of 1 and a jump of 1.",
    )


# ---------------------------------------------------------------------------
# Exercise 3: the cost of a dense head
# ---------------------------------------------------------------------------
def _head_plan():
    return plan_cnn((HEAD_IMAGE_SIZE, HEAD_IMAGE_SIZE, 1), 2)


@checker
def check_head_params(answer) -> Feedback:
    """Exercise 3: parameters of ``Dense(HEAD_UNITS)`` after Flatten on the plan's final map.

    Examples
    --------
    >>> plan = _head_plan()
    >>> features = plan.final_map[0] * plan.final_map[1] * plan.filters[-1]
    >>> check_head_params(dense_params(features, HEAD_UNITS)).status
    'correct'
    """
    plan = _head_plan()
    height, width = plan.final_map
    channels = plan.filters[-1]
    features = height * width * channels
    expected = dense_params(features, HEAD_UNITS)
    return check_number(
        answer,
        expected,
        name="parameters of the Dense layer",
        misconceptions=[
            (features * HEAD_UNITS, f"You left out the {HEAD_UNITS} biases, one per unit."),
            (
                dense_params(channels, HEAD_UNITS),
                "That is the Dense layer after global average pooling, which keeps one number per filter. "
                "Flatten keeps every position of every filter.",
            ),
            (
                features,
                "That is the number of features Flatten gives; each of the units has a weight for each.",
            ),
            (
                dense_params(height * width, HEAD_UNITS),
                "You counted the positions of the final map but not its filters: Flatten gives "
                "height x width x filters features.",
            ),
        ],
        hint="Flatten gives height x width x filters features of the final map (plan.final_map, "
        "plan.filters[-1]); a Dense layer has one weight per feature and unit, plus a bias per unit.",
    )


# ---------------------------------------------------------------------------
# Exercise 4: do two stored runs differ?
# ---------------------------------------------------------------------------
def _compared():
    (group_a, name_a), (group_b, name_b) = COMPARED_RUNS
    return stored_runs(group_a, name_a), stored_runs(group_b, name_b)


@checker
def check_half_width(answer) -> Feedback:
    """Exercise 4: the half-width of the 95% interval of the first design's validation accuracy, seed 0.

    ``z * sqrt(p (1 - p) / n)`` with z as :func:`~course_utils.checks.framework.check_z_number`
    accepts it in every lesson: 1.96 (or its full precision); z = 2 is refused with its reason.

    Examples
    --------
    >>> run = _compared()[0][0]["validation"]
    >>> check_half_width(1.96 * math.sqrt(run["accuracy"] * (1 - run["accuracy"]) / run["images"])).status
    'correct'
    """
    run = _compared()[0][0]["validation"]
    p, n = run["accuracy"], run["images"]
    se = accuracy_interval(p, n).standard_error
    return check_z_number(
        answer,
        lambda z: z * se,
        name="half-width",
        misconceptions=lambda z: [
            (se, "That is one standard error; a 95% interval reaches 1.96 of them."),
            (
                z * math.sqrt(p * (1 - p)),
                "You left out the number of validation canvases: divide p(1 - p) by n.",
            ),
            (z * p * (1 - p) / n, "You forgot the square root."),
            (100 * z * se, "Give it as a fraction, not in percent."),
        ],
        hint="The standard error of an accuracy p measured on n images is sqrt(p (1 - p) / n); the 95% "
        "half-width is 1.96 times it.",
    )


def compared_difference():
    """The lesson's comparison of the two designs of exercise 4: ``(interval, spreads, differ)``.

    The paired interval over the seeds (:func:`course_utils.engines.comparisons.seeds_difference_interval`)
    of the second design's accuracy minus the first's, on the same validation canvases; they differ
    when it leaves out 0 and the difference is larger than either design's seed spread (both
    designs' runs had finished: :func:`~course_utils.engines.design_evidence.compare_designs` says "yes" or "no").
    """
    (group, first), (_, second) = COMPARED_RUNS
    comparison = _compare(group, first, second)
    return comparison.interval, comparison.spreads, comparison.verdict == "yes"


@checker
def check_runs_differ(answer) -> Feedback:
    """Exercise 4: do the two compared designs differ on the validation canvases? ``'yes'`` or ``'no'``.

    Decided as the lesson decides (:func:`compared_difference`): the paired interval over the seeds
    leaves out 0, and the difference is larger than the seed spread of either design.

    Examples
    --------
    >>> check_runs_differ("maybe").status
    'wrong'
    """
    interval, spreads, differ = compared_difference()
    expected, other = ("yes", "no") if differ else ("no", "yes")
    why = (
        f"Over the seeds, the difference is {interval.estimate:+.3f} with the 95% interval {interval.low:+.3f} to "
        f"{interval.high:+.3f} on the same {interval.n:,} validation canvases, and the seed spreads are "
        f"{spreads[0]:.3f} and {spreads[1]:.3f}"
    )
    messages = {
        "yes": f"{why}: the gap is inside the noise, so these runs cannot tell the two designs apart. Two "
        "accuracies that are different numbers are not yet different designs.",
        "no": f"{why}: the interval leaves out 0 and the gap is larger than the seed spreads, so the difference "
        "is larger than the noise.",
    }
    return check_choice(
        answer,
        expected,
        ["yes", "no"],
        name="do they differ",
        misconceptions={other: messages[other]},
        hint="Compare the difference with its interval over the seeds, seeds_difference_interval(...), and "
        "with the seed spread of each design.",
        explanation=f"{why}.",
    )


# ---------------------------------------------------------------------------
# Exercise 5: design a CNN for a new input and budget
# ---------------------------------------------------------------------------
_DESIGN_FORM = (
    'a list of layer dicts such as [{"type": "Conv2D", "filters": 8, "kernel_size": 3, "padding": "same", '
    '"activation": "relu"}, {"type": "MaxPooling2D", "pool_size": 2}, ..., {"type": "Dense", "units": 1, '
    '"activation": "sigmoid"}]'
)


def _judge(layers):
    return judge_design(
        DESIGN_INPUT, DESIGN_CLASSES, list(layers), max_params=DESIGN_BUDGET, object_size=DESIGN_OBJECT_SIZE
    )


@lru_cache(maxsize=1)
def _design_data():
    t = DESIGN_TRAINING
    x, y = make_shapes(t["n_train"] + t["n_val"], image_size=DESIGN_INPUT[0], seed=t["seed"])
    x = x.astype(np.float32) / np.float32(255)
    return (x[: t["n_train"]], y[: t["n_train"]]), (x[t["n_train"] :], y[t["n_train"] :])


def _train_briefly(layers, loss):
    """Train the design for a few epochs; return the validation accuracy and the images it was measured on."""
    import keras

    import course_utils
    from course_utils.engines.layer_specs import to_keras

    t = DESIGN_TRAINING
    (x_train, y_train), (x_val, y_val) = _design_data()
    course_utils.seed_everything(t["seed"])
    model = to_keras(DESIGN_INPUT, list(layers), name="your_design")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=t["learning_rate"]), loss=loss, metrics=["accuracy"]
    )
    model.fit(x_train, y_train, batch_size=32, epochs=t["epochs"], verbose=0)
    scores = model.predict(x_val, batch_size=100, verbose=0)
    predicted = scores[:, 0] > 0.5 if scores.shape[-1] == 1 else scores.argmax(axis=-1) == 1
    return float(np.mean(predicted == y_val.astype(bool))), len(y_val)


def _brief_training(layers, report) -> str:
    """A sentence with the accuracy after brief training, or why it was not measured. Never raises."""
    if report.total_macs > DESIGN_MAX_MACS:
        return (
            f"It needs {report.total_macs:,} multiply-adds per image, too many to train here in a few "
            "seconds; the rules are met all the same."
        )
    t = DESIGN_TRAINING
    limit = min(DESIGN_TIME_LIMIT, framework.TIME_LIMIT * 3)
    status, result = framework.run_with_time_limit(_train_briefly, (layers, report.loss), limit)
    if status == "timeout":
        return f"Brief training did not finish within {limit:g} s, so no accuracy is reported."
    if status == "error":
        return f"Brief training failed ({type(result).__name__}: {describe(framework.str_of(result), 120)})."
    accuracy, n = result
    interval = accuracy_interval(accuracy, n)
    return (
        f"Trained for {t['epochs']} epochs on {t['n_train']} new {DESIGN_INPUT[0]}x{DESIGN_INPUT[1]} shapes, "
        f"it scores {accuracy:.2f} ± {interval.half_width:.2f} on {n} validation images: a first "
        "measurement, before any tuning."
    )


@checker
def check_design_task(answer) -> Feedback:
    """Exercise 5: any design that keeps every rule of the planner for the new input is right.

    The design is judged by :func:`course_utils.engines.planner.judge_design` (input
    :data:`DESIGN_INPUT`, :data:`DESIGN_CLASSES` classes, ``max_params=DESIGN_BUDGET``,
    objects of :data:`DESIGN_OBJECT_SIZE` px); each broken rule is explained with the
    design's own numbers. A design that keeps them all is trained briefly and its accuracy
    reported (it is not part of the verdict: a few epochs say little).

    Examples
    --------
    >>> check_design_task([{"type": "Flatten"}, {"type": "Dense", "units": 1, "activation": "sigmoid"}]).status
    'wrong'
    """
    name = "your design"
    if answer is not None and hasattr(answer, "layers") and hasattr(answer, "reasons"):
        answer = answer.layers  # a plan from plan_cnn: judge its layers
    if is_placeholder(answer):
        return unfinished(name)
    if isinstance(answer, (list, tuple)) and not all(isinstance(layer, dict) for layer in answer):
        if any(is_placeholder(layer) for layer in answer):
            return Feedback("unfinished", f"replace every `...` in {name}, then run the cell again.")
        return Feedback("invalid", f"{name} should be {_DESIGN_FORM}; it holds {describe(answer)}.")
    if isinstance(answer, (list, tuple)) and not answer:
        return Feedback("invalid", f"{name} is empty: it should be {_DESIGN_FORM}.")

    def rule(key):
        return (lambda report: key not in report.broken, lambda report: f"({key}) {report.broken[key]}")

    feedback = check_design(
        answer,
        _judge,
        [rule(key) for key in ("budget", "final_map", "receptive_field", "head", "output")],
        name=name,
        form=_DESIGN_FORM,
        summary=lambda report: f"{report.summary()}, within max_params={DESIGN_BUDGET:,}.",
    )
    if not feedback:
        return feedback
    return Feedback("correct", f"{feedback.message} {_brief_training(list(answer), _judge(answer))}")


# ---------------------------------------------------------------------------
# Exercise 6: the recipe when data is small
# ---------------------------------------------------------------------------
def little_data_evidence() -> dict:
    """For each option of exercise 6, the stored comparison that measured it and how many canvases it trained on.

    Returns
    -------
    dict
        ``{option: (DesignComparison, training canvases)}``, each comparison made as the lesson
        makes it (validation canvases, seeds, the table's number of comparisons).
    """
    found = {}
    for option, (group, reference, name, comparisons) in RECIPE_EVIDENCE.items():
        n_train = stored_runs(group, name)[0]["settings"]["n_train"]
        found[option] = (_compare(group, reference, name, comparisons), n_train)
    return found


def _supported(evidence) -> list[str]:
    """The options with a settled gain measured where canvases are fewest."""
    fewest = min(n_train for _, n_train in evidence.values())
    return [
        option
        for option, (comparison, n_train) in evidence.items()
        if n_train == fewest and comparison.verdict == "yes" and comparison.interval.estimate > 0
    ]


VERDICT_WORDS = {"yes": "a real difference", "no": "no difference beyond the noise", "unsettled": "unsettled"}


def _said(comparison, n_train: int) -> str:
    interval = comparison.interval
    return (
        f"{interval.estimate:+.3f} ± {interval.half_width:.3f} on the validation canvases, trained on {n_train:,} "
        f"canvases: {VERDICT_WORDS[comparison.verdict]}"
    )


@checker
def check_recipe_for_little_data(answer) -> Feedback:
    """Exercise 6: which change shows a settled gain, measured with the fewest canvases, over the same design without it?

    The expected option is the one whose stored comparison shows a settled gain
    (:func:`~course_utils.engines.design_evidence.compare_designs` says "yes" and the change is ahead)
    among those measured where training canvases were fewest; each other option is answered with
    its own comparison, in the lesson's words.

    Examples
    --------
    >>> check_recipe_for_little_data("pretrained trunk").status
    'correct'
    """
    evidence = little_data_evidence()
    supported = _supported(evidence)
    fewest = min(n_train for _, n_train in evidence.values())
    reasons = {
        "more stages": "A fifth stage multiplies the weights by four; its gain was measured with more canvases "
        "than you have",
        "flatten head": "A Flatten + Dense head adds the most weights of all, tied to positions",
        "pretrained trunk": "The best case, a trunk pretrained on the same digits without clutter, fine-tuned, "
        "against the same trunk from scratch",
        "larger kernels": "At the same receptive field, larger kernels cost more weights",
    }
    said = {option: f"{reasons[option]}: {_said(*evidence[option])}." for option in RECIPE_OPTIONS}
    expected = supported[0] if supported else None
    if expected is None:  # the stored runs support none: every option is answered with its evidence
        return Feedback(
            "wrong" if answer in RECIPE_OPTIONS else "invalid",
            f"The stored runs settle no gain with {fewest:,} canvases. " + " ".join(said.values()),
        )
    return check_choice(
        answer,
        expected,
        list(RECIPE_OPTIONS),
        name="first change",
        misconceptions={option: said[option] for option in RECIPE_OPTIONS if option != expected},
        hint="Look at the experiments made with the fewest canvases (section 5 and the head at 250 canvases): which "
        "change gained, beyond its noise, over a design whose runs had finished?",
        explanation=f"{said[expected]} {_against_the_lessons_design(expected)}.",
    )


def _against_the_lessons_design(option: str) -> str:
    """The supported change against the lesson's own design from scratch on as few canvases."""
    group, _, name, _ = RECIPE_EVIDENCE[option]
    own = stored_runs(*LITTLE_DATA_REFERENCE)
    comparison = compare_designs(own, stored_runs(group, name), patience=_patience())
    return (
        f"Against the lesson's own design trained from scratch on {own[0]['settings']['n_train']:,} canvases, it is "
        f"{comparison.interval.estimate:+.3f} ± {comparison.interval.half_width:.3f} "
        f"({VERDICT_WORDS[comparison.verdict]}): a good design from scratch is the other first step"
    )
