"""Tests for course_utils.core.metrics: exact fractions, scikit-learn as the reference."""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.core import metrics

FAST = settings(max_examples=50, deadline=None)
counts = st.integers(min_value=0, max_value=10_000)


# --- the tumour example and the seed's sick/healthy table ---------------------------------


def test_tumour_example_exact():
    m = metrics.binary_metrics(tp=10, fp=22, fn=8, tn=60)
    assert m.accuracy == Fraction(70, 100)
    assert m.recall == Fraction(10, 18)
    assert m.precision == Fraction(10, 32)
    assert m.specificity == Fraction(60, 82)
    assert m.f1 == Fraction(2, 5)
    assert float(m.f1) == 0.40
    assert m.percent("f1") == 40.0
    assert m.percent("recall") == 55.6
    assert m.percent("precision", decimals=2) == 31.25
    assert m.percent("specificity") == 73.2
    assert m.notes == ()


def test_tumour_f1_rounded_early_gives_the_seed_figure():
    m = metrics.binary_metrics(tp=10, fp=22, fn=8, tn=60)
    numerator = metrics.truncate(2 * m.precision * m.recall, 2)
    denominator = metrics.truncate(m.precision + m.recall, 2)
    assert (numerator, denominator) == (Fraction(34, 100), Fraction(86, 100))
    assert metrics.truncate(numerator / denominator, 2) == Fraction(39, 100)


def test_sick_healthy_table():
    m = metrics.binary_metrics(tp=100, fp=70, fn=30, tn=800)
    assert m.accuracy == Fraction(900, 1000)
    assert m.precision == Fraction(100, 170)
    assert m.recall == Fraction(100, 130)
    assert m.specificity == Fraction(800, 870)


def test_precision_is_not_specificity():
    m = metrics.binary_metrics(tp=10, fp=22, fn=8, tn=60)
    assert m.precision != m.specificity


# --- exact fractions on random counts ---------------------------------------------------


@FAST
@given(counts, counts, counts, counts)
def test_exact_fractions_match_definitions(tp, fp, fn, tn):
    if tp + fp + fn + tn == 0:
        with pytest.raises(ValueError, match="no sample"):
            metrics.binary_metrics(tp, fp, fn, tn)
        return
    m = metrics.binary_metrics(tp, fp, fn, tn)
    for value in m.as_dict().values():
        assert isinstance(value, Fraction)
        assert 0 <= value <= 1
    assert m.accuracy * (tp + fp + fn + tn) == tp + tn
    if tp + fp:
        assert m.precision * (tp + fp) == tp
    if tp + fn:
        assert m.recall * (tp + fn) == tp
    if tn + fp:
        assert m.specificity * (tn + fp) == tn
    if m.precision + m.recall:
        assert m.f1 == 2 * m.precision * m.recall / (m.precision + m.recall)
        assert metrics.harmonic_mean(m.precision, m.recall) == m.f1
    # the harmonic mean never exceeds the arithmetic mean
    assert m.f1 <= (m.precision + m.recall) / 2 or tp + fp == 0 or tp + fn == 0


@FAST
@given(counts, counts, counts, counts)
def test_matches_sklearn_on_expanded_labels(tp, fp, fn, tn):
    scale = 50  # keep the label arrays small
    tp, fp, fn, tn = (c % scale for c in (tp, fp, fn, tn))
    if tp + fp + fn + tn == 0:  # nothing to score: the course says so
        with pytest.raises(ValueError, match="no sample"):
            metrics.binary_metrics(tp, fp, fn, tn)
        return
    y_true = np.array([1] * tp + [0] * fp + [1] * fn + [0] * tn)
    y_pred = np.array([1] * tp + [1] * fp + [0] * fn + [0] * tn)
    assert metrics.binary_counts(y_true, y_pred) == (tp, fp, fn, tn)
    m = metrics.binary_metrics(tp, fp, fn, tn)
    kw = {"zero_division": 0}
    assert float(m.accuracy) == pytest.approx(skm.accuracy_score(y_true, y_pred))
    assert float(m.precision) == pytest.approx(skm.precision_score(y_true, y_pred, **kw))
    assert float(m.recall) == pytest.approx(skm.recall_score(y_true, y_pred, **kw))
    assert float(m.f1) == pytest.approx(skm.f1_score(y_true, y_pred, **kw))
    assert float(m.specificity) == pytest.approx(skm.recall_score(y_true, y_pred, pos_label=0, **kw))


# --- zero denominators -------------------------------------------------------------------


def test_no_predicted_positive():
    m = metrics.binary_metrics(tp=0, fp=0, fn=3, tn=97)
    assert m.precision == 0 and m.f1 == 0 and m.recall == 0
    assert any("precision is undefined" in note for note in m.notes)
    assert m.accuracy == Fraction(97, 100)


def test_no_actual_positive_zero_division_one():
    m = metrics.binary_metrics(tp=0, fp=0, fn=0, tn=5, zero_division=1)
    assert m.recall == 1 and m.precision == 1 and m.f1 == 1
    assert len(m.notes) == 3
    assert m.specificity == 1


def test_no_actual_negative():
    m = metrics.binary_metrics(tp=4, fp=0, fn=1, tn=0)
    assert m.specificity == 0
    assert any("specificity is undefined" in note for note in m.notes)


def test_one_in_a_million_always_negative():
    m = metrics.binary_metrics(tp=0, fp=0, fn=1, tn=999_999)
    assert m.accuracy == Fraction(999_999, 1_000_000)
    assert m.recall == 0


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True, None])
def test_bad_counts(bad):
    with pytest.raises(ValueError, match="tp"):
        metrics.binary_metrics(bad, 1, 1, 1)


def test_bad_zero_division():
    with pytest.raises(ValueError, match="zero_division"):
        metrics.binary_metrics(1, 1, 1, 1, zero_division="warn")


def test_percent_validates():
    m = metrics.binary_metrics(1, 1, 1, 1)
    with pytest.raises(ValueError, match="name"):
        m.percent("auc")
    text = str(m)
    assert "precision" in text and "50.00%" in text


# --- confusion matrix ---------------------------------------------------------------------

labels_strategy = st.integers(min_value=2, max_value=6).flatmap(
    lambda k: st.tuples(
        st.just(k),
        st.lists(st.tuples(st.integers(0, k - 1), st.integers(0, k - 1)), min_size=1, max_size=60),
    )
)


@FAST
@given(labels_strategy)
def test_confusion_matrix_equals_sklearn(data):
    k, pairs = data
    y_true = np.array([a for a, _ in pairs])
    y_pred = np.array([b for _, b in pairs])
    ours = metrics.confusion_matrix(y_true, y_pred, num_classes=k)
    theirs = skm.confusion_matrix(y_true, y_pred, labels=list(range(k)))
    np.testing.assert_array_equal(ours, theirs)
    # rows are true classes
    np.testing.assert_array_equal(ours.sum(axis=1), np.bincount(y_true, minlength=k))
    np.testing.assert_array_equal(ours.sum(axis=0), np.bincount(y_pred, minlength=k))


@FAST
@given(labels_strategy)
def test_per_class_and_averages_equal_sklearn(data):
    k, pairs = data
    y_true = np.array([a for a, _ in pairs])
    y_pred = np.array([b for _, b in pairs])
    cm = metrics.confusion_matrix(y_true, y_pred, num_classes=k)
    per_class = metrics.per_class_metrics(cm)
    labels = list(range(k))
    kw = {"labels": labels, "zero_division": 0}
    p, r, f, _ = skm.precision_recall_fscore_support(y_true, y_pred, **kw)
    np.testing.assert_allclose([float(m.precision) for m in per_class], p)
    np.testing.assert_allclose([float(m.recall) for m in per_class], r)
    np.testing.assert_allclose([float(m.f1) for m in per_class], f)
    for average in ("macro", "micro"):
        ours = metrics.averaged_metrics(cm, average)
        p, r, f, _ = skm.precision_recall_fscore_support(y_true, y_pred, average=average, **kw)
        assert float(ours["precision"]) == pytest.approx(p)
        assert float(ours["recall"]) == pytest.approx(r)
        assert float(ours["f1"]) == pytest.approx(f)
    micro = metrics.averaged_metrics(cm, "micro")
    assert micro["precision"] == micro["recall"] == micro["f1"] == Fraction(int(np.trace(cm)), len(pairs))


def test_confusion_matrix_string_labels_and_inferred():
    cm = metrics.confusion_matrix(["b", "a", "a"], ["a", "a", "b"])
    np.testing.assert_array_equal(cm, [[1, 1], [1, 0]])


def test_confusion_matrix_errors():
    with pytest.raises(ValueError, match="same length"):
        metrics.confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="not both"):
        metrics.confusion_matrix([0], [0], num_classes=2, labels=[0, 1])
    with pytest.raises(ValueError, match="y_pred contains labels"):
        metrics.confusion_matrix([0, 1], [0, 5], num_classes=2)
    with pytest.raises(ValueError, match="num_classes"):
        metrics.confusion_matrix([0], [0], num_classes=0)
    with pytest.raises(ValueError, match="1-D"):
        metrics.confusion_matrix([[0, 1]], [[0, 1]])
    with pytest.raises(ValueError, match="repeats"):
        metrics.confusion_matrix([0], [0], labels=[0, 0])
    with pytest.raises(ValueError, match="cm must be"):
        metrics.one_vs_rest_counts(np.ones((2, 3), dtype=int), 0)
    with pytest.raises(ValueError, match="k must be"):
        metrics.one_vs_rest_counts(np.ones((2, 2), dtype=int), 2)
    with pytest.raises(ValueError, match="average"):
        metrics.averaged_metrics(np.ones((2, 2), dtype=int), "weighted")


# --- thresholds and the precision-recall curve ---------------------------------------------

scores_strategy = st.lists(
    st.tuples(st.integers(0, 1), st.integers(0, 20).map(lambda v: v / 20)),
    min_size=2,
    max_size=60,
).filter(lambda pairs: any(label == 1 for label, _ in pairs))


@FAST
@given(scores_strategy)
def test_precision_recall_curve_matches_thresholding(pairs):
    y = np.array([label for label, _ in pairs])
    s = np.array([score for _, score in pairs])
    precision, recall, thresholds = metrics.precision_recall_curve(y, s)
    np.testing.assert_array_equal(thresholds, np.unique(s))
    assert np.all(np.diff(recall) <= 0)
    for p, r, t in zip(precision, recall, thresholds, strict=True):
        pred = metrics.threshold_predictions(s, t)
        assert p == pytest.approx(skm.precision_score(y, pred, zero_division=0))
        assert r == pytest.approx(skm.recall_score(y, pred))
    # scikit-learn's curve contains the same (precision, recall, threshold) points
    sk_p, sk_r, sk_t = skm.precision_recall_curve(y, s)
    ours = {round(t, 9): (p, r) for p, r, t in zip(precision, recall, thresholds, strict=True)}
    # scikit-learn appends a last point (precision 1, recall 0) with no threshold
    for p, r, t in zip(sk_p[:-1], sk_r[:-1], sk_t, strict=True):
        assert ours[round(t, 9)] == pytest.approx((p, r))


def test_threshold_predictions_errors():
    np.testing.assert_array_equal(metrics.threshold_predictions([0.2, 0.7], 0.7), [0, 1])
    with pytest.raises(ValueError, match="threshold"):
        metrics.threshold_predictions([0.2], "0.5")
    with pytest.raises(ValueError, match="finite"):
        metrics.threshold_predictions([np.nan], 0.5)
    with pytest.raises(ValueError, match="positive"):
        metrics.precision_recall_curve([0, 0], [0.1, 0.2])
    with pytest.raises(ValueError, match="only 0 and 1"):
        metrics.precision_recall_curve([0, 2], [0.1, 0.2])


def test_harmonic_mean_and_truncate_errors():
    assert metrics.harmonic_mean(0, 0) == 0
    with pytest.raises(ValueError, match="precision"):
        metrics.harmonic_mean(1.5, 0.5)
    with pytest.raises(ValueError, match="decimals"):
        metrics.truncate(0.5, -1)
    assert metrics.truncate(Fraction(5, 16), 2) == Fraction(31, 100)


@settings(max_examples=15, deadline=None)
@given(scores_strategy)
def test_thresholded_metrics_equal_keras_precision_and_recall(pairs):
    import keras

    y = np.array([label for label, _ in pairs])
    s = np.array([score for _, score in pairs]) * 0.98 + 0.005  # never within 0.004 of 0.5
    tp, fp, fn, tn = metrics.binary_counts(y, metrics.threshold_predictions(s, 0.5))
    ours = metrics.binary_metrics(tp, fp, fn, tn)
    precision = keras.metrics.Precision(thresholds=0.5)
    recall = keras.metrics.Recall(thresholds=0.5)
    precision.update_state(y, s)
    recall.update_state(y, s)
    assert float(precision.result()) == pytest.approx(float(ours.precision), abs=1e-6)
    assert float(recall.result()) == pytest.approx(float(ours.recall), abs=1e-6)


# --- bad input: scores where labels are expected, thresholds given as percentages ---


@pytest.mark.parametrize(
    "call",
    [
        lambda: metrics.binary_counts([1, 0, 1], [0.9, 0.2, 0.7]),
        lambda: metrics.confusion_matrix([0, 1, 1], [0.2, 0.9, 0.7]),
        lambda: metrics.confusion_matrix(
            [0, 1, 1], np.array([0.2, 0.9, 0.7], dtype=np.float32), num_classes=2
        ),
    ],
)
def test_scores_given_as_labels_are_refused(call):
    with pytest.raises(ValueError, match="threshold_predictions"):
        call()


def test_whole_float_labels_are_labels():
    assert metrics.binary_counts([1.0, 0.0, 1.0], np.array([1, 0, 0], dtype=np.float32)) == (1, 0, 1, 1)
    assert metrics.confusion_matrix([0.0, 1.0], [1, 1], num_classes=2).tolist() == [[0, 1], [0, 1]]


@pytest.mark.parametrize("threshold, hint", [(50, "did you mean 0.5"), (100, "did you mean 1"), (-0.1, None)])
def test_threshold_must_be_a_probability(threshold, hint):
    with pytest.raises(ValueError, match="threshold must be a probability between 0 and 1") as error:
        metrics.threshold_predictions([0.2, 0.8], threshold)
    assert (hint is None) == ("did you mean" not in str(error.value))
    if hint:
        assert hint in str(error.value)


def test_threshold_predictions_refuses_logits_and_accepts_keras_shapes():
    with pytest.raises(ValueError, match="sigmoid"):
        metrics.threshold_predictions([-2.0, 3.0], 0.5)
    keras_output = np.array([[0.2], [0.7]], dtype=np.float32)
    assert metrics.threshold_predictions(keras_output, np.float32(0.5)).tolist() == [0, 1]


def test_numpy_scalars_are_accepted_as_python_numbers():
    assert metrics.truncate(np.float32(0.5), 2) == Fraction(1, 2)
    assert metrics.truncate(np.float64(0.3472), np.int64(2)) == Fraction(34, 100)
    assert metrics.harmonic_mean(np.float32(0.5), Fraction(1, 2)) == 0.5
    for bad in (np.nan, np.inf, "0.5", None):
        with pytest.raises(ValueError, match="value"):
            metrics.truncate(bad)


@pytest.mark.parametrize(
    "y_true, fragment",
    [
        ([1, 0, 1, None], "y_true holds None"),
        ([1, 0, np.nan, 1], "y_true holds NaN"),
        (np.array([1.0, 0.0, np.nan, 1.0]), "y_true holds NaN"),
        ([1, 0, 0.5, 1], "y_true holds scores such as 0.5"),
        ([1, 0, "1", 1], "y_true mixes strings and numbers"),
        ([True, False, True, True], "y_true holds True/False"),
        (np.array([1, 0, 1, 1], dtype=bool), "y_true holds True/False"),
        (1, "y_true must be a 1-D sequence"),
    ],
    ids=repr,
)
def test_what_is_not_a_label_is_refused_not_counted(y_true, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        metrics.binary_counts(y_true, [1, 0, 1, 0])
    with pytest.raises(ValueError, match=re.escape(fragment)):
        metrics.confusion_matrix(y_true, [1, 0, 1, 0])
    with pytest.raises(ValueError, match=re.escape(fragment.replace("y_true", "y_pred"))):
        metrics.binary_counts([1, 0, 1, 0], y_true)


@pytest.mark.parametrize("positive", [10**30, "1", 1.0, None, True])
def test_positive_is_a_label_of_the_same_kind(positive):
    with pytest.raises(ValueError, match="positive"):
        metrics.binary_counts([1, 0, 1], [1, 1, 0], positive=positive)
    with pytest.raises(ValueError, match="positive"):
        metrics.binary_counts(["cat", "dog"], ["dog", "dog"], positive=1)
    assert metrics.binary_counts(["cat", "dog"], ["dog", "dog"], positive="cat") == (0, 0, 1, 1)


@pytest.mark.parametrize(
    "value, decimals, cut",
    [
        (np.float32(0.29), 2, Fraction(29, 100)),
        (0.29, 2, Fraction(29, 100)),
        (np.float32(0.57), 2, Fraction(57, 100)),
        (np.float32(1.1), 1, Fraction(11, 10)),
        (np.float64(0.7), 1, Fraction(7, 10)),
        (np.float32(-0.29), 2, Fraction(-29, 100)),
    ],
)
def test_truncate_cuts_the_decimal_a_float_stands_for(value, decimals, cut):
    assert metrics.truncate(value, decimals) == cut


def test_label_arrays_of_mixed_kinds_name_the_problem():
    with pytest.raises(ValueError, match="labels must be"):
        metrics.confusion_matrix([1], [1], labels="cat")
    with pytest.raises(ValueError, match="positive"):
        metrics.binary_counts([1, 0], [1, 0], positive=0.5)
    with pytest.raises(ValueError, match="average"):
        metrics.averaged_metrics(np.eye(2, dtype=int), average=np.array(["macro"]))


# --- how sure a measured accuracy is: accuracy_interval and accuracy_difference_interval ---------


@FAST
@given(
    accuracy=st.floats(0, 1),
    n=st.integers(1, 10**7),
    confidence=st.floats(0.5, 0.999),
)
def test_accuracy_interval_is_the_normal_approximation(accuracy, n, confidence):
    from scipy.stats import norm

    interval = metrics.accuracy_interval(accuracy, n, confidence)
    z = norm.ppf(0.5 + confidence / 2)
    standard_error = np.sqrt(accuracy * (1 - accuracy) / n)
    assert interval.z == pytest.approx(z, rel=1e-9)
    assert interval.standard_error == pytest.approx(standard_error, rel=1e-12, abs=1e-300)
    assert interval.half_width == pytest.approx(z * standard_error, rel=1e-9, abs=1e-300)
    assert interval.low == pytest.approx(max(0, accuracy - z * standard_error), abs=1e-12)
    assert interval.high == pytest.approx(min(1, accuracy + z * standard_error), abs=1e-12)
    assert 0 <= interval.low <= accuracy <= interval.high <= 1
    assert interval.contains(accuracy) and interval.n == n and interval.estimate == accuracy


def test_a_thousand_test_images_give_about_six_tenths_of_a_point_at_96_percent():
    interval = metrics.accuracy_interval(0.96, 1000)
    assert round(interval.standard_error * 100, 1) == 0.6  # points of accuracy
    assert round(interval.z, 2) == 1.96
    assert (round(interval.low, 3), round(interval.high, 3)) == (0.948, 0.972)
    assert interval.notes == ()
    # four times the images halve the interval
    assert metrics.accuracy_interval(0.96, 4000).half_width == pytest.approx(interval.half_width / 2)


def test_95_percent_of_the_intervals_hold_the_true_accuracy():
    """Simulated test sets of 1,000 images from a model that is right 96% of the time."""
    rng = np.random.default_rng(0)
    true_accuracy, n = 0.96, 1000
    measured = rng.binomial(n, true_accuracy, size=4000) / n
    held = [metrics.accuracy_interval(a, n).contains(true_accuracy) for a in measured]
    assert 0.93 <= np.mean(held) <= 0.965
    wider = [metrics.accuracy_interval(a, n, confidence=0.99).contains(true_accuracy) for a in measured]
    assert np.mean(wider) > np.mean(held)


def test_few_mistakes_give_a_note_and_none_is_not_certainty():
    assert "only rough" in metrics.accuracy_interval(0.95, 100).notes[0]
    assert "5 wrong answers out of 100" in metrics.accuracy_interval(0.95, 100).notes[0]
    assert "3 right answers" in metrics.accuracy_interval(0.03, 100).notes[0]
    perfect = metrics.accuracy_interval(1, 50)
    assert perfect.standard_error == 0 and (perfect.low, perfect.high) == (1, 1)
    assert "does not mean certainty" in perfect.notes[0] and "note:" in str(perfect)


@pytest.mark.parametrize(
    "arguments, match",
    [
        (dict(accuracy=96.6, n=1000), "did you mean 0.966"),
        (dict(accuracy=-0.1, n=1000), "accuracy must be a probability"),
        (dict(accuracy=0.9, n=0), "n must be an integer >= 1"),
        (dict(accuracy=0.9, n=100.0), "n must be an integer"),
        (dict(accuracy=0.9, n=100, confidence=95), "did you mean 0.95"),
        (dict(accuracy=0.9, n=100, confidence=1), "both excluded"),
        (dict(accuracy=0.9, n=100, confidence=0), "both excluded"),
        (dict(accuracy=0.9, n=100, confidence="95%"), "confidence must be"),
    ],
)
def test_accuracy_interval_refuses_bad_arguments_by_name(arguments, match):
    with pytest.raises(ValueError, match=match):
        metrics.accuracy_interval(**arguments)


def _paired(only_a, only_b, both, neither):
    """Right/wrong answers of two models on the same images, from the four counts."""
    a = [True] * only_a + [False] * only_b + [True] * both + [False] * neither
    b = [False] * only_a + [True] * only_b + [True] * both + [False] * neither
    return np.array(a), np.array(b)


@FAST
@given(
    counts=st.tuples(*[st.integers(0, 400)] * 4).filter(lambda c: sum(c) > 0),
    confidence=st.floats(0.5, 0.999),
)
def test_difference_interval_counts_only_the_disagreements(counts, confidence):
    only_a, only_b, both, neither = counts
    a, b = _paired(*counts)
    n = len(a)
    interval = metrics.accuracy_difference_interval(a, b, confidence)
    assert interval.estimate == pytest.approx(b.mean() - a.mean(), abs=1e-12)
    # the standard error of the mean of the per-image differences (-1, 0 or 1)
    d = b.astype(int) - a.astype(int)
    assert interval.standard_error == pytest.approx(d.std() / np.sqrt(n), rel=1e-9, abs=1e-12)
    expected = np.sqrt(only_a + only_b - (only_b - only_a) ** 2 / n) / n
    assert interval.standard_error == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert -1 <= interval.low <= interval.estimate <= interval.high <= 1
    # images both models get right, or both get wrong, change the estimate's scale but not its sign
    swapped = metrics.accuracy_difference_interval(b, a, confidence)
    assert swapped.estimate == pytest.approx(-interval.estimate)
    assert swapped.standard_error == pytest.approx(interval.standard_error)


def test_paired_comparison_is_sharper_than_two_separate_intervals_when_errors_overlap():
    # two models of 96% and 96.6% on 1,000 images that share most of their mistakes
    a, b = _paired(only_a=8, only_b=14, both=952, neither=26)
    assert (a.mean(), b.mean()) == (0.96, 0.966)
    paired = metrics.accuracy_difference_interval(a, b)
    separate = np.hypot(*(metrics.accuracy_interval(m.mean(), 1000).standard_error for m in (a, b)))
    assert paired.standard_error < separate / 1.5
    assert paired.contains(0)  # 6 images more: not a difference this test set can show


def test_independent_mistakes_give_the_separate_standard_error():
    rng = np.random.default_rng(1)
    a, b = rng.random(200_000) < 0.9, rng.random(200_000) < 0.8
    paired = metrics.accuracy_difference_interval(a, b)
    separate = np.hypot(*(metrics.accuracy_interval(m.mean(), len(m)).standard_error for m in (a, b)))
    assert paired.standard_error == pytest.approx(separate, rel=0.02)


def test_95_percent_of_the_difference_intervals_hold_the_true_difference():
    rng = np.random.default_rng(2)
    n, held = 1000, 0
    for _ in range(1000):
        u = rng.random(n)
        a, b = u < 0.95, (u < 0.93) | (u > 0.985)  # B: 93% + 1.5% = 94.5%, 6.5% disagreements
        held += metrics.accuracy_difference_interval(a, b).contains(-0.005)
    assert 0.93 <= held / 1000 <= 0.965


def test_difference_interval_notes_and_bad_input():
    same = metrics.accuracy_difference_interval([True, False, True], [1, 0, 1])
    assert same.estimate == 0 and same.standard_error == 0
    assert "disagree on 0 of 3 images" in same.notes[0]
    with pytest.raises(ValueError, match="correct_b must be .* True/False .* other than 0 and 1"):
        metrics.accuracy_difference_interval([True, False], [3, 1])
    with pytest.raises(ValueError, match="got 3 and 2 values"):
        metrics.accuracy_difference_interval([True, False, True], [True, False])
    with pytest.raises(ValueError, match="correct_a must be"):
        metrics.accuracy_difference_interval(np.ones((2, 2), bool), np.ones(4, bool))
    with pytest.raises(ValueError, match="confidence"):
        metrics.accuracy_difference_interval([True], [False], confidence=1.5)
