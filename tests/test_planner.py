"""Tests of course_utils.engines.planner: plan_cnn follows its stated rules, and judge_design applies them.

The expected values here are computed independently of the planner's engine: map sizes by
integer halving, receptive fields by the closed recurrence (r += (k - 1) * j; j *= s),
parameters from the layer formulas written out, and Keras itself for the final count.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.engines.planner import RULES, CNNPlan, DesignReport, judge_design, plan_cnn

sides = st.integers(16, 512)
images = st.builds(
    lambda h, w, square, c: (h, h if square else w, c), sides, sides, st.booleans(), st.sampled_from([1, 3])
)
classes = st.integers(2, 1000)


def _px(size):
    return f"{size[0]} px" if size[0] == size[1] else f"{size[0]}x{size[1]} px"


def _walk(layers, image):
    """Map size, receptive field and channels after the body, by hand (square kernels, 'same' convs)."""
    (h, w), field, jump, channels, params = image[:2], [1, 1], 1, image[2], 0
    poolings = extra = 0
    for layer in layers:
        if layer["type"] == "Conv2D":
            k = layer["kernel_size"]
            kh, kw = (k, k) if isinstance(k, int) else k
            field = [field[0] + (kh - 1) * jump, field[1] + (kw - 1) * jump]
            params += (kh * kw * channels + 1) * layer["filters"]
            channels = layer["filters"]
            extra += 1
        elif layer["type"] == "MaxPooling2D":
            h, w = h // 2, w // 2
            field = [field[0] + jump, field[1] + jump]
            jump *= 2
            poolings += 1
            extra = 0
        else:
            break
    return {"map": (h, w), "field": tuple(field), "channels": channels, "poolings": poolings, "extra": extra}


def _head_params(plan, channels, final_map):
    """Parameters of the Dense layers after Flatten or global average pooling."""
    params, size = 0, None
    for layer in plan.layers:
        if layer["type"] == "GlobalAveragePooling2D":
            size = channels
        elif layer["type"] == "Flatten":
            size = final_map[0] * final_map[1] * channels
        elif layer["type"] == "Dense":
            params += (size + 1) * layer["units"]
            size = layer["units"]
    return params


def _conv_params(layers, channels):
    total = 0
    for layer in layers:
        if layer["type"] == "Conv2D":
            k = layer["kernel_size"]
            kh, kw = (k, k) if isinstance(k, int) else k
            total += (kh * kw * channels + 1) * layer["filters"]
            channels = layer["filters"]
    return total


# -- the rules, with no budget ----------------------------------------------------------------------


@given(image=images, num_classes=classes)
def test_the_plan_follows_every_rule(image, num_classes):
    plan = plan_cnn(image, num_classes)
    body = _walk(plan.layers, image)
    low, high = 4, 8
    objects = (min(image[:2]),) * 2
    # rule 3: pool until the longer side is at most 8 px, never under 4 px, at least once
    n = body["poolings"]
    assert n >= 1 and plan.final_map == body["map"] == (image[0] >> n, image[1] >> n)
    assert min(plan.final_map) >= low
    assert max(plan.final_map) <= high or min(plan.final_map) // 2 < low
    if n > 1:
        before = (image[0] >> (n - 1), image[1] >> (n - 1))
        assert max(before) > high  # not one pooling too many
    # rule 4: the receptive field covers the objects, with as few extra convolutions as that takes
    assert plan.receptive_field == body["field"]
    assert all(f >= o for f, o in zip(plan.receptive_field, objects, strict=True))
    if body["extra"]:
        jump = 2**n
        assert any(f - 2 * jump < o for f, o in zip(plan.receptive_field, objects, strict=True))
    # rules 1 and 2: 3x3 'same' convolutions, 16 filters doubling per stage, at most 256
    convs = [layer for layer in plan.layers if layer["type"] == "Conv2D"]
    assert all(c["kernel_size"] == 3 and c["padding"] == "same" and c["activation"] == "relu" for c in convs)
    assert plan.filters == tuple(min(16 * 2**i, 256) for i in range(n))
    # rules 5 and 6: GAP head, dropout, and the output the classes call for
    types = [layer["type"] for layer in plan.layers]
    assert types[-3:] == ["GlobalAveragePooling2D", "Dropout", "Dense"]
    output = plan.layers[-1]
    if num_classes == 2:
        assert (output["units"], output["activation"], plan.loss) == (1, "sigmoid", "binary_crossentropy")
    else:
        assert (output["units"], output["activation"]) == (num_classes, "softmax")
        assert plan.loss == "sparse_categorical_crossentropy"
    assert plan.output_activation == output["activation"]
    # the counts, written out
    assert plan.total_params == _conv_params(plan.layers, image[2]) + (body["channels"] + 1) * output["units"]
    assert plan.total_params == plan.table.total_params
    # the judge agrees, and the reasons give the figures
    assert plan.broken == {} and judge_design(image, num_classes, plan.layers).ok
    text = "\n".join(plan.reasons)
    assert f"{n} pooling" in plan.reasons[0] and plan.reasons[0].endswith(".")
    assert f"{_px(plan.final_map).removesuffix(' px')} px" in plan.reasons[0]
    assert _px(plan.receptive_field) in text and _px(objects) in text
    assert f"{plan.total_params:,} params" in text
    assert ", ".join(map(str, plan.filters)) in text


@given(image=images, num_classes=classes, data=st.data())
def test_the_named_rules_change_the_plan(image, num_classes, data):
    kernel = data.draw(st.sampled_from([2, 3, 5, (3, 5)]))
    convs = data.draw(st.integers(1, 3))
    filters = data.draw(st.integers(1, 64))
    growth = data.draw(st.integers(1, 3))
    max_filters = data.draw(st.integers(1, 512))
    target = data.draw(st.sampled_from([(4, 8), (2, 4), (3, 6), (6, 12), (1, 1), (5, 5)]))
    head = data.draw(st.sampled_from(["gap", "flatten"]))
    dense = data.draw(st.sampled_from([None, 0, 10]))
    dropout = data.draw(st.sampled_from([0, 0.5]))
    binary = data.draw(st.sampled_from(["sigmoid", "softmax"]))
    objects = data.draw(st.one_of(st.none(), st.integers(1, min(image[:2]))))
    try:
        plan = plan_cnn(
            image,
            num_classes,
            kernel_size=kernel,
            convs_per_stage=convs,
            filters=filters,
            filters_growth=growth,
            max_filters=max_filters,
            target_map=target,
            object_size=objects,
            head=head,
            dense_units=dense,
            dropout=dropout,
            binary_output=binary,
        )
    except ValueError as error:  # the stated exceptions only
        assert re.search(r"object_size|too small for one stage", str(error)), error
        return
    low, high = target
    body = _walk(plan.layers, image)
    n = body["poolings"]
    assert min(plan.final_map) >= low
    assert max(plan.final_map) <= high or min(plan.final_map) // 2 < low or n == 1
    objects = (min(image[:2]),) * 2 if objects is None else (objects, objects)
    assert plan.receptive_field == body["field"]
    assert all(f >= o for f, o in zip(plan.receptive_field, objects, strict=True))
    assert plan.broken == {}
    assert plan.filters == tuple(min(min(filters, max_filters) * growth**i, max_filters) for i in range(n))
    types = [layer["type"] for layer in plan.layers]
    assert types.index("MaxPooling2D") == convs  # the first stage
    assert ("Dropout" in types) == bool(dropout)
    head_start = types.index("Flatten" if head == "flatten" else "GlobalAveragePooling2D")
    units = [layer["units"] for layer in plan.layers[head_start:] if layer["type"] == "Dense"]
    wanted_hidden = (64 if head == "flatten" else 0) if dense is None else dense
    assert units[:-1] == ([wanted_hidden] if wanted_hidden else [])
    if num_classes == 2:
        assert (units[-1], plan.output_activation) == (
            (1, "sigmoid") if binary == "sigmoid" else (2, "softmax")
        )
        assert binary in "\n".join(plan.reasons)
    else:
        assert (units[-1], plan.output_activation) == (num_classes, "softmax")
    assert plan.total_params == _conv_params(plan.layers, image[2]) + _head_params(
        plan, body["channels"], body["map"]
    )


def test_non_square_images_keep_the_short_side_and_say_so():
    plan = plan_cnn((100, 20, 3), 2)
    assert plan.final_map == (25, 5)
    assert "one more pooling would leave the shorter side 2 px, below 4 px" in plan.reasons[0]
    assert plan.broken == {}


def test_an_image_within_the_target_still_gets_one_stage():
    plan = plan_cnn((8, 8, 1), 2)
    assert plan.final_map == (4, 4)
    assert "every plan has one stage" in plan.reasons[0]


# -- the budget -----------------------------------------------------------------------------------


def _smallest_budget(error):
    match = re.search(r"smallest budget that works is ([\d,]+)\.", str(error))
    assert match, error
    return int(match.group(1).replace(",", ""))


@given(image=images, num_classes=classes, share=st.floats(0.0, 1.3), head=st.sampled_from(["gap", "flatten"]))
def test_the_budget_holds_or_the_error_gives_the_smallest_that_works(image, num_classes, share, head):
    full = plan_cnn(image, num_classes, head=head)
    budget = max(1, int(full.total_params * share))
    try:
        plan = plan_cnn(image, num_classes, budget, head=head)
    except ValueError as error:
        assert "max_params" in str(error)
        smallest = _smallest_budget(error)
        assert smallest > budget
        assert plan_cnn(image, num_classes, smallest, head=head).total_params <= smallest
        with pytest.raises(ValueError, match=f"smallest budget that works is {smallest:,}"):
            plan_cnn(image, num_classes, smallest - 1, head=head)
        return
    assert plan.total_params <= budget
    assert "budget" not in plan.broken and set(plan.broken) <= {"final_map", "receptive_field"}
    assert f"max_params={budget:,}" in plan.reasons[-1] and f"{plan.total_params:,}" in plan.reasons[-1]
    if budget >= full.total_params:
        assert plan.layers == full.layers and plan.broken == {}
    else:
        assert plan.total_params < full.total_params and "BUDGET_RULE" in plan.reasons[-1]
    for rule, sentence in plan.broken.items():
        assert sentence == judge_design(image, num_classes, plan.layers, budget).broken[rule]
    if "receptive_field" in plan.broken:
        assert _px(plan.receptive_field) in plan.reasons[2] and "over budget" in plan.reasons[2]


@given(image=images, share=st.floats(0.01, 0.99))
def test_the_budget_narrows_filters_as_little_as_it_must(image, share):
    full = plan_cnn(image, 2)
    budget = max(1, int(full.total_params * share))
    try:
        plan = plan_cnn(image, 2, budget)
    except ValueError as error:  # below the smallest plan: the error says which budget works
        assert _smallest_budget(error) > budget
        return
    convs = [layer for layer in plan.layers if layer["type"] == "Conv2D"]
    first = plan.filters[0]
    if first < 16:  # one more filter in the first stage (and its growth) would not fit
        wider = [
            {**layer, "filters": min((first + 1) * 2 ** plan.filters.index(layer["filters"]), 256)}
            if layer["type"] == "Conv2D"
            else layer
            for layer in plan.layers
        ]
        assert judge_design(image, 2, wider).total_params > budget
    assert len(convs) <= len([layer for layer in full.layers if layer["type"] == "Conv2D"])


def test_the_budget_cuts_in_the_stated_order():
    full = plan_cnn((100, 100, 1), 2)
    assert full.total_params == 392_449
    narrow = plan_cnn((100, 100, 1), 2, max_params=100_000)  # narrower filters, every rule kept
    assert narrow.filters == (8, 16, 32, 64) and narrow.broken == {}
    no_extra = plan_cnn((100, 100, 1), 2, max_params=50_000)  # the receptive-field convolutions go first
    assert no_extra.final_map == (6, 6) and list(no_extra.broken) == ["receptive_field"]
    assert "loses 2 convolutions for the receptive field" in no_extra.reasons[-1]
    assert no_extra.reasons[2] == (
        "Receptive field 46 px after the last pooling, less than the 100 px objects; "
        "the layers that gave the full plan 110 px are over budget."
    )
    fewer = plan_cnn((100, 100, 1), 2, max_params=20_000)  # then whole stages
    assert fewer.final_map == (12, 12) and list(fewer.broken) == ["final_map", "receptive_field"]
    assert "1 stage" in fewer.reasons[-1] and "the budget removed 1 of the 4 stages" in fewer.reasons[0]
    pairs = plan_cnn((100, 100, 1), 2, max_params=50_000, convs_per_stage=2)  # then convolutions per stage
    assert "loses 1 convolution for the receptive field and 1 convolution per stage" in pairs.reasons[-1]
    assert [layer["type"] for layer in pairs.layers[:3]] == ["Conv2D", "MaxPooling2D", "Conv2D"]
    flat = plan_cnn((100, 100, 1), 2, max_params=100_000, head="flatten")
    assert flat.total_params <= 100_000 and flat.filters[0] == 8


def test_the_hidden_dense_layer_narrows_after_the_filters():
    plan = plan_cnn((100, 100, 1), 2, max_params=150_000, head="flatten", dense_units=256)
    dense = [layer["units"] for layer in plan.layers if layer["type"] == "Dense"]
    assert plan.filters[0] == 8 and 8 <= dense[0] < 256 and plan.total_params <= 150_000
    assert "Dense units" in plan.reasons[-1] and "narrowed the hidden Dense from 256 units" in plan.reasons[3]


# -- Keras agrees --------------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(
    image=images,
    num_classes=classes,
    kernel=st.sampled_from([3, (3, 5)]),
    head=st.sampled_from(["gap", "flatten"]),
    share=st.one_of(st.none(), st.floats(0.05, 1.0)),
)
def test_keras_counts_what_the_plan_counts(keras, image, num_classes, kernel, head, share):
    budget = None
    if share is not None:
        budget = max(1, int(plan_cnn(image, num_classes, kernel_size=kernel, head=head).total_params * share))
    try:
        plan = plan_cnn(image, num_classes, budget, kernel_size=kernel, head=head)
    except ValueError as error:
        assert "smallest budget that works" in str(error)
        return
    model = plan.to_keras()
    assert model.count_params() == plan.total_params
    assert tuple(model.output_shape) == (None, plan.layers[-1]["units"])
    assert model.layers[-1].activation.__name__ == plan.output_activation
    assert model.layers[0].activation.__name__ == "relu"


# -- judge_design ---------------------------------------------------------------------------------


def _design(*body, head=("GlobalAveragePooling2D",), output=(1, "sigmoid")):
    layers = [dict(layer) for layer in body] + [{"type": kind} for kind in head]
    return layers + [{"type": "Dense", "units": output[0], "activation": output[1]}]


CONV = {"type": "Conv2D", "filters": 8, "kernel_size": 3, "padding": "same", "activation": "relu"}
POOL = {"type": "MaxPooling2D", "pool_size": 2}


def test_any_design_that_keeps_the_rules_is_accepted():
    big = {"type": "Conv2D", "filters": 8, "kernel_size": 7, "padding": "same", "activation": "relu"}
    strided = {"type": "Conv2D", "filters": 8, "kernel_size": 3, "strides": 2, "padding": "same"}
    for layers in [
        _design(big, POOL, big, POOL, big, POOL, big, POOL),  # 7x7 kernels: 100 -> 6 px, field 190 px
        _design(strided, strided, strided, strided, big, big, output=(2, "softmax")),
        _design(*[CONV, POOL] * 4, CONV, CONV, head=("Flatten",)),
        plan_cnn((100, 100, 1), 2).layers,
        plan_cnn((100, 100, 1), 2, binary_output="softmax", head="flatten").layers,
    ]:
        report = judge_design((100, 100, 1), 2, layers, max_params=10**6)
        assert report.ok, report
        assert min(report.final_map) >= 4 and max(report.final_map) <= 8
        assert min(report.receptive_field) >= 100
        assert report.loss in ("binary_crossentropy", "sparse_categorical_crossentropy")
    ten = judge_design(
        (32, 32, 3), 10, _design(CONV, POOL, CONV, POOL, CONV, CONV, CONV, output=(10, "softmax"))
    )
    assert ten.ok and ten.loss == "sparse_categorical_crossentropy"


def test_each_broken_rule_is_explained_with_the_designs_numbers():
    layers = _design(CONV, POOL, CONV, POOL, output=(2, "sigmoid"))
    report = judge_design((100, 100, 1), 2, layers, max_params=500)
    assert list(report.broken) == ["budget", "final_map", "receptive_field", "output"]
    assert report.total_params == 682
    assert (
        report.broken["budget"]
        == "682 params is over max_params=500 by 182; the largest layer is #3 (Conv2D) with 584."
    )
    assert (
        "25 px, larger than target_map's 8 px: one more 2x2 pooling would give 12 px"
        in report.broken["final_map"]
    )
    assert "sees 10 px of the input, less than the 100 px objects" in report.broken["receptive_field"]
    assert "Dense(2, activation='sigmoid')" in report.broken["output"]
    assert report.loss is None and not report.ok and report.problems == list(report.broken.values())
    assert "breaks rule 'budget'" in str(report)


def test_a_map_pooled_too_far_and_a_missing_head():
    too_far = judge_design((100, 100, 1), 2, _design(*[CONV, POOL] * 6))
    assert "the final map is 1 px, smaller than target_map's 4 px" in too_far.broken["final_map"]
    no_head = judge_design(
        (32, 32, 1), 2, [CONV, POOL, CONV, POOL, {"type": "Dense", "units": 1, "activation": "sigmoid"}]
    )
    assert "(8, 8, 1) per image, not one vector" in no_head.broken["head"] and no_head.loss is None
    empty = judge_design((32, 32, 1), 3, [])
    assert set(empty.broken) == {"final_map", "receptive_field", "head", "output"}
    assert (
        "ends with no layer" in empty.broken["output"]
        and "3 units with activation='softmax'" in empty.broken["output"]
    )
    ends_in_dropout = judge_design((32, 32, 1), 2, [*_design(CONV, POOL), {"type": "Dropout", "rate": 0.2}])
    assert "ends with a Dropout layer" in ends_in_dropout.broken["output"]


def test_the_judge_accepts_the_non_square_exception_and_object_sizes():
    layers = _design(CONV, POOL, CONV, POOL, CONV, CONV)  # 25x5 px: the short side cannot pool again
    assert judge_design((100, 20, 1), 2, layers, object_size=(20, 20)).ok
    assert judge_design((100, 20, 1), 2, layers).object_size == (20, 20)
    small = judge_design((100, 100, 1), 2, _design(*[CONV, POOL] * 4), object_size=40)
    assert small.ok and small.receptive_field == (46, 46)
    assert list(judge_design((100, 100, 1), 2, _design(*[CONV, POOL] * 4), object_size=50).broken) == [
        "receptive_field"
    ]


def test_rules_are_listed_in_report_order():
    assert RULES == ("budget", "final_map", "receptive_field", "head", "output")


# -- display ---------------------------------------------------------------------------------------


def test_a_plan_shows_its_reasons_and_table():
    plan = plan_cnn((100, 100, 1), 2)
    assert isinstance(plan, CNNPlan)
    text = str(plan)
    assert repr(plan) == text and plan.reasons[0] in text and "Receptive field" in text
    assert "Total params: 392,449" in text
    html = plan._repr_html_()
    assert "<table" in html and "<li>4 poolings" in html
    assert "<li>" in html and "&#x27;" in html  # reasons are escaped
    assert isinstance(judge_design((100, 100, 1), 2, plan.layers), DesignReport)


# -- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            dict(input_shape=(7, 7, 1)),
            r"input_shape \(7, 7, 1\) is too small for one stage: .* 3 px, .* at least 8x8",
        ),
        (dict(input_shape=(100, 6, 1)), "too small for one stage"),
        (dict(input_shape=(100, 100)), "input_shape"),
        (dict(input_shape=(2**17, 100, 1)), "input_shape .* 65,536 px"),
        (dict(num_classes=1), "num_classes must be an integer from 2"),
        (dict(num_classes=0), "num_classes"),
        (dict(num_classes=2.0), "num_classes"),
        (dict(max_params=0), "max_params"),
        (dict(max_params=88), "max_params=88 is too small: .* smallest budget that works is 89"),
        (dict(kernel_size=1), "kernel_size must be an integer from 2"),
        (dict(convs_per_stage=9), "convs_per_stage"),
        (dict(filters=0), "filters"),
        (dict(target_map=(8, 4)), "target_map must be"),
        (dict(target_map=(50, 60)), "object_size 100 px needs more than 16 convolutions"),
        (dict(object_size=101), r"object_size must fit in the input_shape \(100, 100, 1\) image \(100 px\)"),
        (dict(kernel_size=(3, 101)), r"kernel_size must fit in the input_shape \(100, 100, 1\) image"),
        (dict(object_size=(10, 10, 10)), "object_size"),
        (dict(activation=None), "activation must be one of"),
        (dict(activation="ReLU"), "activation"),
        (dict(head="dense"), "head must be one of 'gap', 'flatten'"),
        (dict(dense_units=-1), "dense_units"),
        (dict(dropout=1.0), "dropout"),
        (dict(dropout=float("nan")), "dropout"),
        (dict(binary_output="linear"), "binary_output"),
        (dict(min_filters=True), "min_filters"),
        (dict(filters_growth=0), "filters_growth"),
    ],
)
def test_bad_input_names_the_argument(kwargs, match):
    call = {"input_shape": (100, 100, 1), "num_classes": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        plan_cnn(**call)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(input_shape=(784,)), "input_shape must be .height, width, channels. for a CNN"),
        (dict(num_classes=-3), "num_classes"),
        (dict(layers=[{"type": "Conv2D", "kernel_size": 200}]), r"layer 1 \(Conv2D\)"),
        (dict(layers="Conv2D"), "layers"),
        (dict(max_params=1.5), "max_params"),
        (dict(target_map=0), "target_map"),
        (dict(object_size=1000), "object_size"),
    ],
)
def test_judge_bad_input_names_the_argument(kwargs, match):
    call = {"input_shape": (32, 32, 1), "num_classes": 2, "layers": _design(CONV, POOL), **kwargs}
    with pytest.raises(ValueError, match=match):
        judge_design(**call)


def test_the_plans_table_is_what_keras_builds(keras):
    from course_utils.engines.model_summary import summarize

    plan = plan_cnn((100, 100, 1), 2)
    model = plan.to_keras()
    assert model.count_params() == plan.total_params == 392_449
    built = summarize(model)
    for mine, theirs in zip(plan.table.rows, built.rows, strict=True):
        assert (mine.type, mine.output_shape, mine.params, mine.macs, mine.receptive_field) == (
            theirs.type,
            theirs.output_shape,
            theirs.params,
            theirs.macs,
            theirs.receptive_field,
        )
    assert model.name == "planned_cnn" and not model.compiled


def test_min_filters_over_max_filters_is_refused_by_name():
    with pytest.raises(ValueError, match="min_filters=64 is over max_filters=16"):
        plan_cnn((100, 100, 1), 2, max_params=50_000, max_filters=16, min_filters=64)
    with pytest.raises(ValueError, match="min_filters=9 is over max_filters=8"):
        plan_cnn((32, 32, 1), 2, max_filters=8, min_filters=9)
    # without min_filters, the default narrows no further than max_filters allows
    assert max(plan_cnn((32, 32, 1), 2, max_params=2_000, max_filters=4).filters) <= 4


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (
            dict(filters=65536, max_filters=65536),
            "filters=65536 .* make a plan of more than 2,147,483,648 params",
        ),
        (dict(filters=4096, max_filters=65536, convs_per_stage=8), "filters=4096"),
        (
            dict(
                filters=65536,
                max_filters=65536,
                min_filters=65536,
                max_params=10**6,
                head="flatten",
                dense_units=65536,
            ),
            "min_filters=65536 makes even the smallest plan",
        ),
    ],
)
def test_plans_beyond_a_laptop_name_the_arguments_that_made_them(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        plan_cnn((100, 100, 3), 2, **kwargs)


def test_a_budget_narrows_a_plan_too_large_to_count():
    plan = plan_cnn((100, 100, 3), 2, max_params=100_000, filters=65536, max_filters=65536)
    assert plan.total_params <= 100_000
    assert "the full plan has over 2,147,483,648 params" in plan.reasons[-1]
