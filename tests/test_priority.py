"""Priority matrices, action tables, study-level priorities, wave movement, penalty-reward."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from drivers.bootstrap import Resamples, data_counts
from drivers.io import study_from_frame
from drivers.paths import bank_loan_study_file
from drivers.priority import (
    CONFIDENCE_THRESHOLDS,
    QUADRANTS,
    action_table,
    joint_priority,
    kano_category,
    penalty_reward,
    performance_resamples,
    performance_values,
    priority_matrix,
    priority_order,
    segment_priorities,
    study_priority,
    wave_movement,
)


def table(shares, low=None, high=None, drivers=None):
    drivers = drivers or [chr(ord("a") + i) for i in range(len(shares))]
    frame = pd.DataFrame({"driver": drivers, "importance": np.asarray(shares) / 2,
                          "share": shares})
    if low is not None:
        frame["share_ci_low"], frame["share_ci_high"] = low, high
    return frame


# ---------------------------------------------------------------- quadrants and cross-hairs


def test_quadrants_by_hand():
    # mean share 0.25, mean performance 3.5
    imp = table([0.4, 0.3, 0.2, 0.1])
    perf = {"a": 3.0, "b": 4.0, "c": 3.2, "d": 3.8}
    matrix = priority_matrix(imp, perf)
    assert matrix["quadrant"].tolist() == ["Fix first", "Maintain", "Monitor",
                                           "Possible overinvestment"]
    assert matrix["importance"].tolist() == [0.4, 0.3, 0.2, 0.1]
    assert matrix.attrs["importance_cross"] == pytest.approx(0.25)
    assert matrix.attrs["performance_cross"] == pytest.approx(3.5)
    assert (matrix["importance_cross"] == matrix.attrs["importance_cross"]).all()
    assert matrix.attrs["cross"] == "mean"


def test_a_driver_on_the_cross_hair_counts_as_high():
    matrix = priority_matrix(table([0.5, 0.5]), {"a": 3.0, "b": 4.0}, cross=(0.5, 3.0))
    assert matrix["quadrant"].tolist() == ["Maintain", "Maintain"]


def test_cross_hair_options():
    imp = table([0.5, 0.3, 0.1, 0.1])
    perf = {"a": 2.0, "b": 3.0, "c": 4.0, "d": 4.6}
    median = priority_matrix(imp, perf, cross="median")
    assert median.attrs["importance_cross"] == pytest.approx(0.2)
    assert median.attrs["performance_cross"] == pytest.approx(3.5)
    assert median["quadrant"].tolist() == ["Fix first", "Fix first",
                                           "Possible overinvestment",
                                           "Possible overinvestment"]
    midpoint = priority_matrix(imp, perf, cross="midpoint", scale=(1, 5))
    assert midpoint.attrs["performance_cross"] == 3.0
    assert midpoint.attrs["importance_cross"] == pytest.approx(0.25)
    assert midpoint["quadrant"].tolist() == ["Fix first", "Maintain",
                                             "Possible overinvestment",
                                             "Possible overinvestment"]
    fixed = priority_matrix(imp, perf, cross=(0.05, 4.5))
    assert fixed.attrs["cross"] == "fixed"
    assert fixed["quadrant"].tolist() == ["Fix first", "Fix first", "Fix first", "Maintain"]
    assert (fixed["performance_cross"] == 4.5).all()


def test_midpoint_needs_a_scale_and_bad_cross_is_refused():
    with pytest.raises(ValueError, match="needs the performance scale"):
        priority_matrix(table([0.5, 0.5]), {"a": 3, "b": 4}, cross="midpoint")
    with pytest.raises(ValueError, match="cross must be one of"):
        priority_matrix(table([0.5, 0.5]), {"a": 3, "b": 4}, cross="average")
    with pytest.raises(ValueError, match="cross must be one of"):
        priority_matrix(table([0.5, 0.5]), {"a": 3, "b": 4}, cross=(1, 2, 3))


def test_inputs_are_checked():
    with pytest.raises(ValueError, match="no value for b"):
        priority_matrix(table([0.5, 0.5]), {"a": 3})
    with pytest.raises(ValueError, match="missing \\(NaN\\) for a"):
        priority_matrix(table([0.5, 0.5]), {"a": np.nan, "b": 3})
    with pytest.raises(ValueError, match="no 'share' column"):
        priority_matrix(pd.DataFrame({"driver": ["a"], "importance": [1.0]}), {"a": 3})
    with pytest.raises(ValueError, match="more than once"):
        priority_matrix(table([0.5, 0.5], drivers=["a", "a"]), {"a": 3})


# ---------------------------------------------------------------- quadrant probabilities


def with_resamples(frame, samples, rule="ratio"):
    """An importance table carrying bootstrap resamples (importance per resample)."""
    frame = frame.copy()
    frame.attrs["resamples"] = Resamples(np.asarray(samples, float), tuple(frame["driver"]),
                                         pd.RangeIndex(3), seed=0, share_rule=rule)
    frame.attrs["ci"] = 0.95
    return frame


def normal_draws(mean, se, size=4000):
    """Resamples of a mean whose sampling distribution is N(mean, se^2): exact quantiles."""
    return mean + se * stats.norm.ppf((np.arange(size) + 0.5) / size)


@pytest.mark.parametrize(("delta", "se"), [(-0.002, 0.04), (0.03, 0.04), (0.1, 0.04),
                                           (-0.06, 0.02)])
def test_quadrant_probability_is_phi_of_delta_over_se(delta, se):
    # Hand-made case with a derivable answer: importance fixed well above its cross-hair, the
    # performance of "a" distributed N(cross + delta, se^2) across resamples, the cross-hairs
    # fixed. P(a performs at or above the cross-hair) = Phi(delta / se), so
    # p_maintain = Phi(delta / se) and p_fix_first = 1 - Phi(delta / se).
    cross = 6.484
    draws = normal_draws(cross + delta, se)
    imp = with_resamples(table([0.6, 0.4]), np.tile([0.3, 0.2], (len(draws), 1)))
    perf = pd.DataFrame({"a": draws, "b": np.full(len(draws), 7.0)})
    matrix = priority_matrix(imp, {"a": cross + delta, "b": 7.0}, cross=(0.1, cross),
                             performance_samples=perf).set_index("driver")
    p_above = stats.norm.cdf(delta / se)
    assert matrix.loc["a", "p_maintain"] == pytest.approx(p_above, abs=1 / len(draws))
    assert matrix.loc["a", "p_fix_first"] == pytest.approx(1 - p_above, abs=1 / len(draws))
    assert matrix.loc["a", "p_monitor"] == matrix.loc["a", "p_possible_overinvestment"] == 0
    own = max(p_above, 1 - p_above)  # the point estimate sits on the likelier side here
    assert matrix.loc["a", "quadrant_probability"] == pytest.approx(own, abs=1 / len(draws))
    expected = "high" if own >= 0.9 else "moderate" if own >= 0.7 else "low"
    assert matrix.loc["a", "confidence"] == expected
    assert matrix.loc["b", "p_maintain"] == 1.0 and matrix.loc["b", "confidence"] == "high"
    low, high = stats.norm.ppf([0.025, 0.975], cross + delta, se)
    assert matrix.loc["a", "performance_ci_low"] == pytest.approx(low, abs=1e-3)
    assert matrix.loc["a", "performance_ci_high"] == pytest.approx(high, abs=1e-3)


def test_the_issue_example_is_a_coin_toss_and_reads_low():
    # Issue 12: a mean 0.002 below the performance cross-hair with a standard error of about
    # 0.04 was "Fix first, certain". Its quadrant probability is 1 - Phi(-0.05) = 0.52.
    draws = normal_draws(6.482, 0.04)
    imp = with_resamples(table([0.6, 0.4]), np.tile([0.3, 0.2], (len(draws), 1)))
    perf = pd.DataFrame({"a": draws, "b": np.full(len(draws), 7.0)})
    matrix = priority_matrix(imp, {"a": 6.482, "b": 7.0}, cross=(0.1, 6.484),
                             performance_samples=perf)
    actions = action_table(matrix)
    first = actions.iloc[0]
    assert first["quadrant"] == "Fix first"
    assert first["quadrant_probability"] == pytest.approx(0.52, abs=0.005)
    assert first["confidence"] == "low"
    assert first["quadrant_text"] == "Fix first, 52 %, low confidence"
    assert first["action"].endswith("(low confidence)")


def test_cross_hairs_move_with_each_resample():
    # Both drivers' performance shifts together in every resample; "a" always stays 0.1
    # below "b", hence below their mean. With cross-hairs recomputed per resample "a" is low
    # performing in every resample (p = 1); cross-hairs held at the point estimate (3.05)
    # would have put it on either side about half the time.
    shift = normal_draws(0.0, 0.2, 2000)
    perf = pd.DataFrame({"a": 3.0 + shift, "b": 3.1 + shift})
    imp = with_resamples(table([0.7, 0.3]), np.tile([0.35, 0.15], (2000, 1)))
    matrix = priority_matrix(imp, {"a": 3.0, "b": 3.1}, performance_samples=perf)
    assert matrix["p_fix_first"].tolist() == [1.0, 0.0]
    assert matrix["p_possible_overinvestment"].tolist() == [0.0, 1.0]
    low, high = matrix.attrs["performance_cross_ci"]
    assert low == pytest.approx(3.05 - 1.96 * 0.2, abs=0.01)
    assert high == pytest.approx(3.05 + 1.96 * 0.2, abs=0.01)
    assert matrix.attrs["quadrant_resamples"] == 2000


def test_importance_resamples_decide_the_importance_side():
    # Share of "b" is above the equal-share line (0.5) in 30% of resamples.
    shares = np.column_stack([np.r_[np.full(70, 0.6), np.full(30, 0.45)],
                              np.r_[np.full(70, 0.4), np.full(30, 0.55)]])
    imp = with_resamples(table([0.6, 0.4]), shares)
    perf = pd.DataFrame({"a": np.full(100, 3.0), "b": np.full(100, 3.0)})
    matrix = priority_matrix(imp, {"a": 3.0, "b": 3.0}, cross=("mean"),
                             performance_samples=perf)
    # performance on the cross-hair counts as high: Maintain / Possible overinvestment
    assert matrix["p_maintain"].tolist() == [0.7, 0.3]
    assert matrix["quadrant"].tolist() == ["Maintain", "Possible overinvestment"]
    assert matrix["quadrant_probability"].tolist() == [0.7, 0.7]
    assert matrix["confidence"].tolist() == ["moderate", "moderate"]


def test_confidence_is_na_without_resamples_and_thresholds_live_once():
    matrix = priority_matrix(table([0.6, 0.4]), {"a": 3, "b": 4})
    assert matrix["confidence"].isna().all() and matrix["p_fix_first"].isna().all()
    assert "certain" not in matrix.columns
    assert matrix.attrs["confidence_thresholds"] == CONFIDENCE_THRESHOLDS == {
        "high": 0.9, "moderate": 0.7}
    imp = with_resamples(table([0.6, 0.4]), np.tile([0.3, 0.2], (5, 1)))
    with pytest.warns(UserWarning, match="performance_samples"):
        priority_matrix(imp, {"a": 3, "b": 4})
    with pytest.raises(ValueError, match="same resamples"):
        priority_matrix(imp, {"a": 3, "b": 4},
                        performance_samples=pd.DataFrame({"a": [3.0], "b": [4.0]}))


def test_raw_importance_interval_is_carried():
    raw = table([0.6, 0.4])
    raw["ci_low"], raw["ci_high"] = [0.26, 0.05], [0.35, 0.26]
    matrix = priority_matrix(raw, {"a": 3, "b": 4}, value="importance")
    assert matrix["importance_ci_low"].tolist() == [0.26, 0.05]
    assert matrix.attrs["value"] == "importance"


def test_study_priority_resamples_importance_and_performance_together():
    # Jointness, checked against the definition: resample b's counts, read back from the
    # importance bootstrap, reproduce both its importance sample (rows repeated) and the
    # performance drawn for it, for respondents inside and outside the model base.
    study = small_study(n=60)
    study.data.loc[study.data.index[:9], "sat"] = np.nan  # outside the model base
    matrix = study_priority(study, "csat", bootstrap=40, seed=3, cross="median", base="all",
                            missing="listwise")
    from drivers.importance import importance

    table_ = importance(study.data, "sat", ["a", "b"], bootstrap=40, seed=3, n_jobs=1)
    record = table_.attrs["resamples"]
    counts = np.vstack(data_counts(record, study.data.index))
    draws = performance_resamples(study.data[["a", "b"]], None, record)
    for b in (0, 17, 39):
        repeated = study.data.loc[np.repeat(study.data.index, counts[b].astype(int))]
        np.testing.assert_allclose(draws.iloc[b], repeated[["a", "b"]].mean(), rtol=1e-12)
        used = repeated.dropna(subset=["sat"])
        again = importance(used.reset_index(drop=True), "sat", ["a", "b"])["importance"]
        np.testing.assert_allclose(record.samples[b], again, rtol=1e-9)
    assert (counts[:, :9].sum(axis=1) == 9).all()
    shares = record.shares()
    cross_i = np.median(shares, axis=1)
    cross_p = np.median(draws.to_numpy(), axis=1)
    high_i, high_p = shares >= cross_i[:, None], draws.to_numpy() >= cross_p[:, None]
    expected = (high_i & ~high_p).mean(axis=0)
    np.testing.assert_allclose(matrix["p_fix_first"], expected)


# ---------------------------------------------------------------- priority order


def test_priority_quadrant_order_then_opportunity():
    # performance top 5 (scale) -> gap = 5 - performance; opportunity = share x gap
    imp = table([0.30, 0.28, 0.26, 0.06, 0.05, 0.05])
    perf = {"a": 3.6, "b": 3.0, "c": 4.5, "d": 3.0, "e": 4.6, "f": 4.4}
    matrix = priority_matrix(imp, perf, cross=(0.1, 4.0), scale=(1, 5))
    assert matrix["quadrant"].tolist() == ["Fix first", "Fix first", "Maintain", "Monitor",
                                           "Possible overinvestment",
                                           "Possible overinvestment"]
    np.testing.assert_allclose(matrix["gap"], [1.4, 2.0, 0.5, 2.0, 0.4, 0.6])
    np.testing.assert_allclose(matrix["opportunity"], [0.42, 0.56, 0.13, 0.12, 0.02, 0.03])
    # b before a (0.56 > 0.42) although a is more important; f before e.
    assert matrix["priority"].tolist() == [2, 1, 3, 4, 6, 5]


def test_priority_ties_break_by_importance_then_name():
    matrix = pd.DataFrame({"driver": ["z", "y", "x"], "quadrant": ["Monitor"] * 3,
                           "opportunity": [0.1, 0.1, 0.1], "importance": [0.2, 0.3, 0.2]})
    assert priority_order(matrix).tolist() == [3, 1, 2]


def test_gap_without_scale_uses_the_best_performance():
    matrix = priority_matrix(table([0.5, 0.5]), {"a": 3.0, "b": 4.5})
    assert matrix["gap"].tolist() == [1.5, 0.0]
    assert matrix.attrs["performance_top"] == 4.5


def test_every_quadrant_name_is_known():
    assert QUADRANTS == ("Fix first", "Maintain", "Monitor", "Possible overinvestment")
    with pytest.raises(ValueError, match="unknown quadrant"):
        priority_order(pd.DataFrame({"driver": ["a"], "quadrant": ["Fix"],
                                     "opportunity": [1.0], "importance": [1.0]}))


# ---------------------------------------------------------------- action table


def small_study(n=8):
    frame = pd.DataFrame({
        "id": range(1, 9), "sat": [5, 4, 2, 5, 3, 4, 5, 1], "a": [5, 4, 1, 4, 3, 5, 4, 2],
        "b": [4, 4, 2, 5, 3, 3, 5, 1]})
    if n > 8:
        rng = np.random.default_rng(n)
        latent = rng.normal(size=n)
        frame = pd.DataFrame({"id": range(1, n + 1)} | {
            column: np.clip(np.round(3.5 + latent + rng.normal(0, 0.9, n)), 1, 5)
            for column in ("sat", "a", "b")})
    spec = {"id": "id", "second_language": "zh",
            "outcomes": {"csat": {"column": "sat", "kind": "csat", "scale": [1, 5]}},
            "dimensions": {"BX": {"label": "Brand", "label_zh": "品牌",
                                  "attributes": {"a": {"label": "Promise kept",
                                                       "label_zh": "承诺兑现"}}},
                           "SX": {"label": "Service",
                                  "attributes": {"b": {"label": "Agent"}}}}}
    return study_from_frame(frame, spec)


def hair_study(n=600, seed=4):
    """The issue's second study: 12 attributes on 1-10, every mean between about 6.4 and 6.6,
    and attribute a00's mean set within 1/n of the performance cross-hair (the mean of the
    attribute means)."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    names = [f"a{j:02d}" for j in range(12)]
    frame = pd.DataFrame({"id": range(1, n + 1)})
    for j, name in enumerate(names):
        frame[name] = np.clip(np.round(6.5 + 0.1 * (j % 3 - 1) + 1.2 * latent
                                       + 1.5 * rng.normal(size=n)), 1, 10)
    frame["sat"] = np.clip(np.round(3 + 0.8 * latent + 0.7 * rng.normal(size=n)), 1, 5)
    target = frame[names[1:]].mean().mean()
    step = 0
    while abs(frame["a00"].mean() - target) > 0.6 / n:
        row = step % n
        move = 1 if frame["a00"].mean() < target else -1
        if 1 <= frame.at[row, "a00"] + move <= 10:
            frame.at[row, "a00"] += move
        step += 1
    spec = {"id": "id", "outcomes": {"csat": {"column": "sat", "kind": "csat",
                                               "scale": [1, 5]}},
            "attribute_scale": [1, 10],
            "dimensions": {"PX": {"attributes": names[:6]}, "SX": {"attributes": names[6:]}}}
    return study_from_frame(frame, spec)


def test_an_attribute_on_the_cross_hair_is_low_confidence():
    study = hair_study()
    matrix = study_priority(study, "csat", bootstrap=200, seed=1).set_index("driver")
    means = study.data[[f"a{j:02d}" for j in range(12)]].mean()
    assert means.between(6.3, 6.7).all()
    assert abs(matrix.loc["a00", "performance"] - matrix.attrs["performance_cross"]) < 0.002
    # its performance interval is about +/- 0.1 wide, its distance from the cross-hair 0.001
    assert matrix.loc["a00", "performance_ci_high"] - matrix.loc["a00", "performance_ci_low"] \
        > 0.1
    # Below the performance cross-hair in about half the resamples (a coin toss); its share is
    # near the equal-share line too, so its own quadrant holds in about a quarter of them.
    below = matrix.loc["a00", ["p_fix_first", "p_monitor"]].sum()
    assert 0.3 < below < 0.7
    assert matrix.loc["a00", "quadrant_probability"] < 0.7
    assert matrix.loc["a00", "confidence"] == "low"
    text = action_table(matrix.reset_index()).set_index("attribute").loc["a00",
                                                                         "quadrant_text"]
    assert text.endswith("low confidence")


def test_performance_resamples_are_weighted_means_of_the_resampled_rows():
    rng = np.random.default_rng(3)
    scores = pd.DataFrame({"a": rng.integers(1, 6, 50).astype(float),
                           "b": rng.integers(1, 6, 50).astype(float)})
    scores.loc[:4, "b"] = np.nan
    weights = pd.Series(rng.uniform(0.3, 3.0, 50))
    record = Resamples(np.zeros((30, 1)), ("a",), pd.Index(range(10, 50)), seed=6)
    draws = performance_resamples(scores, weights, record, kind="top_box", scale=(1, 5))
    counts = np.vstack(data_counts(record, scores.index))
    for b in (0, 29):
        rows = np.repeat(np.arange(50), counts[b].astype(int))
        for column in ("a", "b"):
            values = scores[column].to_numpy()[rows]
            answered = ~np.isnan(values)
            expected = 100 * np.average(values[answered] >= 4,
                                        weights=weights.to_numpy()[rows][answered])
            assert draws.loc[b, column] == pytest.approx(expected, rel=1e-12)


def test_action_table_sorted_with_probabilities_and_labels():
    draws = 4000
    imp = with_resamples(table([0.3, 0.7]), np.tile([0.15, 0.35], (draws, 1)))
    perf = pd.DataFrame({"a": normal_draws(4.0, 0.1, draws), "b": np.full(draws, 3.0)})
    matrix = priority_matrix(imp, {"a": 4.0, "b": 3.0}, dimension={"a": "BX", "b": "SX"},
                             cross=(0.5, 3.9), performance_samples=perf)
    actions = action_table(matrix, study=small_study())
    assert actions.columns.tolist() == [
        "priority", "attribute", "label", "dimension", "importance", "importance_ci_low",
        "importance_ci_high", "performance", "performance_ci_low", "performance_ci_high",
        "quadrant", "quadrant_probability", "confidence", "quadrant_text", "tie_group",
        "tied_with", "action"]
    assert actions["attribute"].tolist() == ["b", "a"]
    assert actions["priority"].tolist() == [1, 2]
    assert actions["label"].tolist() == ["Agent", "Promise kept"]
    # a: Phi(0.1 / 0.1) = 0.841 of resamples at or above 3.9
    assert actions["quadrant_text"].tolist() == ["Fix first, 100 %, high confidence",
                                                 "Possible overinvestment, 84 %, moderate "
                                                 "confidence"]
    assert actions["action"].iloc[1].endswith("(moderate confidence)")
    chinese = action_table(matrix, study=small_study(), lang="zh")
    assert chinese["label"].tolist() == ["Agent", "承诺兑现"]


def test_action_table_speaks_of_tie_groups():
    imp = table([0.4, 0.35, 0.25])
    imp["tie_group"] = [1, 1, 2]
    actions = action_table(priority_matrix(imp, {"a": 3, "b": 4, "c": 3.5}))
    by_driver = actions.set_index("attribute")
    assert by_driver.loc["a", "tied_with"] == "b" and by_driver.loc["b", "tied_with"] == "a"
    assert by_driver.loc["c", "tied_with"] == ""


def test_action_table_without_study_or_interval():
    actions = action_table(priority_matrix(table([0.6, 0.4]), {"a": 3, "b": 4}))
    assert actions["label"].tolist() == actions["attribute"].tolist()
    assert actions["quadrant_text"].tolist() == ["Fix first, no interval",
                                                 "Possible overinvestment, no interval"]
    assert actions["importance_ci_low"].isna().all()
    assert actions["tied_with"].tolist() == ["", ""]
    with pytest.raises(ValueError, match="build it with priority_matrix"):
        action_table(pd.DataFrame({"driver": ["a"]}))


# ---------------------------------------------------------------- performance


def test_performance_values_weighted_by_hand():
    scores = pd.DataFrame({"a": [5, 4, 2, np.nan], "b": [1, 2, 3, 4]})
    weights = pd.Series([1.0, 1.0, 2.0, 1.0])
    mean = performance_values(scores, weights)
    assert mean["a"] == pytest.approx((5 + 4 + 2 * 2) / 4)
    assert mean["b"] == pytest.approx((1 + 2 + 6 + 4) / 5)
    top = performance_values(scores, weights, "top_box")
    assert top["a"] == pytest.approx(100 * 2 / 4)
    assert top["b"] == pytest.approx(100 * 1 / 5)
    with pytest.raises(ValueError, match="no answered ratings"):
        performance_values(pd.DataFrame({"a": [np.nan]}), None)


# ---------------------------------------------------------------- from a study


@pytest.fixture(scope="module")
def bank_study():
    path = bank_loan_study_file()
    if not path.exists():
        pytest.skip("data/bank_loan/study.yaml is absent")
    from drivers import load_study

    return load_study(path)


def test_study_priority_dimension_level(bank_study):
    matrix = study_priority(bank_study, "csat", level="dimension")
    assert sorted(matrix["driver"]) == ["BX", "EX", "PX", "SX"]
    assert matrix["importance"].sum() == pytest.approx(1.0)
    from drivers.analysis import driver_base

    base, _ = driver_base(bank_study)  # the default base of study_priority
    expected = performance_values(base.dimension_scores(), base.weights)
    np.testing.assert_allclose(matrix.set_index("driver")["performance"],
                               expected.reindex(matrix["driver"]))
    assert matrix.attrs["outcome"] == "csat" and matrix.attrs["level"] == "dimension"
    # The README plants BX as the strongest CSAT driver.
    assert matrix.set_index("driver")["importance"].idxmax() == "BX"


def test_study_priority_by_segment_top_box(bank_study):
    matrix = study_priority(bank_study, "nps", level="dimension", performance="top_box",
                            by="channel")
    assert matrix.columns[0] == "segment"
    assert sorted(matrix["segment"].unique()) == ["mobile_app", "online_banking",
                                                  "partner_platform"]
    assert (matrix.groupby("segment")["priority"].apply(sorted)
            .apply(lambda p: p == [1, 2, 3, 4])).all()
    assert matrix["performance"].between(0, 100).all()
    assert matrix.attrs["by"] == "channel"


def _assert_same_matrix(joint: pd.DataFrame, alone: pd.DataFrame) -> None:
    assert list(joint.columns) == list(alone.columns)
    for column in joint.columns:
        if joint[column].dtype.kind == "f":
            np.testing.assert_allclose(joint[column], alone[column], rtol=0, atol=1e-12,
                                       err_msg=column)
        else:
            assert joint[column].tolist() == alone[column].tolist(), column


@pytest.mark.parametrize("level", ["dimension", "attribute"])
def test_segment_matrices_from_one_joint_bootstrap_equal_each_outcome_alone(bank_study,
                                                                          level):
    # segment_priorities decomposes CSAT and NPS of a segment in one sweep per resample; each
    # matrix must be the one study_priority gives for its outcome alone: the same
    # respondents in every resample, so the same intervals, quadrant probabilities and ties.
    from drivers.analysis import driver_base

    base, _ = driver_base(bank_study)
    options = {"level": level, "bootstrap": 60, "seed": 11, "missing": "pairwise"}
    both = segment_priorities(base, ["csat", "nps"], by="channel", base="all", **options)
    for outcome in ("csat", "nps"):
        alone = study_priority(base, outcome, by="channel", base="all", **options)
        _assert_same_matrix(both[outcome], alone)
        assert both[outcome].attrs["n"] == alone.attrs["n"]


def test_outcomes_on_different_respondents_are_not_paired(bank_study):
    # With NPS blank for some respondents, a joint bootstrap would rest both matrices on the
    # respondents who answered both: each outcome keeps its own respondents instead.
    study = bank_study
    frame = study.data.copy()
    nps_column = study.outcome("nps").column
    frame.loc[frame.index[::7], nps_column] = np.nan
    import dataclasses

    study = dataclasses.replace(study, data=frame)
    options = {"level": "dimension", "bootstrap": 40, "seed": 2, "missing": "pairwise",
               "base": "all"}
    both = joint_priority(study, ["csat", "nps"], **options)
    for outcome in ("csat", "nps"):
        alone = study_priority(study, outcome, **options)
        _assert_same_matrix(both[outcome], alone)
        assert both[outcome].attrs["n"] == alone.attrs["n"]


def test_study_priority_attribute_level(bank_study):
    matrix = study_priority(bank_study, "csat", method="relative_weights")
    assert matrix["driver"].tolist() == bank_study.attribute_columns
    assert set(matrix["dimension"]) == {"BX", "PX", "SX", "EX"}


def test_study_priority_rejects_bad_options(bank_study):
    with pytest.raises(ValueError, match="level must be"):
        study_priority(bank_study, "csat", level="item")
    with pytest.raises(ValueError, match="performance must be"):
        study_priority(bank_study, "csat", performance="median")
    with pytest.raises(KeyError, match="no outcome"):
        study_priority(bank_study, "loyalty")


def test_wave_movement(bank_study):
    moved = wave_movement(bank_study, "nps", waves=("2026Q1", "2026Q3"), level="dimension")
    assert moved["wave_from"].unique().tolist() == ["2026Q1"]
    np.testing.assert_allclose(moved["importance_delta"],
                               moved["importance_to"] - moved["importance_from"])
    assert (moved["quadrant_changed"] == (moved["quadrant_from"] != moved["quadrant_to"])).all()
    for _, row in moved.iterrows():
        expected = (f"{row.quadrant_from} -> {row.quadrant_to}" if row.quadrant_changed
                    else f"stayed {row.quadrant_from}")
        assert row.movement == expected
    with pytest.raises(ValueError, match="not in the data"):
        wave_movement(bank_study, "nps", waves=("2026Q1", "2030Q1"))


# ---------------------------------------------------------------- penalty / reward


def kano_data(n=3000, seed=4):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.integers(1, 6, size=(n, 4)),
                         columns=["fees", "gift", "speed", "colour"])
    frame["csat"] = (3.0 - 1.0 * (frame["fees"] <= 2)            # basic: only a penalty
                     + 0.9 * (frame["gift"] == 5)                 # delighter: only a reward
                     - 0.6 * (frame["speed"] <= 2) + 0.6 * (frame["speed"] == 5)
                     + rng.normal(0, 0.6, n))
    return frame


def test_penalty_reward_recovers_planted_categories():
    frame = kano_data()
    result = penalty_reward(frame, "csat", ["fees", "gift", "speed", "colour"]).set_index(
        "driver")
    assert result["category"].to_dict() == {"fees": "basic", "gift": "delighter",
                                            "speed": "performance", "colour": "indifferent"}
    assert result.loc["fees", "penalty"] == pytest.approx(1.0, abs=0.1)
    assert result.loc["gift", "reward"] == pytest.approx(0.9, abs=0.1)
    assert result.loc["speed", "penalty"] == pytest.approx(0.6, abs=0.1)
    assert result.loc["speed", "reward"] == pytest.approx(0.6, abs=0.1)
    assert result.loc["fees", "penalty_p"] < 1e-6 and result.loc["colour", "penalty_p"] > 0.01
    assert result.attrs["n_used"] == len(frame)


def test_penalty_reward_weights_equal_replicated_rows():
    frame = kano_data(n=400, seed=8)
    weights = np.random.default_rng(1).integers(1, 4, len(frame))
    weighted = penalty_reward(frame, "csat", ["fees", "gift"], weights=weights)
    replicated = penalty_reward(frame.loc[frame.index.repeat(weights)].reset_index(drop=True),
                                "csat", ["fees", "gift"])
    np.testing.assert_allclose(weighted[["penalty", "reward"]],
                               replicated[["penalty", "reward"]], rtol=1e-10)


def test_penalty_reward_empty_box_and_bad_boxes():
    frame = kano_data(n=500)
    frame["never_low"] = np.where(frame["colour"] <= 2, 3, frame["colour"])
    result = penalty_reward(frame, "csat", ["fees", "never_low"]).set_index("driver")
    assert np.isnan(result.loc["never_low", "penalty"])
    assert result.loc["never_low", "n_bottom"] == 0
    with pytest.raises(ValueError, match="leave a middle"):
        penalty_reward(frame, "csat", ["fees"], bottom=3, top=2)
    frame.loc[0, "fees"] = 7
    with pytest.raises(ValueError, match="outside the scale"):
        penalty_reward(frame, "csat", ["fees"])


def test_kano_category_rules():
    both = {"penalty": 0.9, "penalty_p": 0.001, "reward": 0.2, "reward_p": 0.01}
    assert kano_category({**both, "asymmetry_p": 0.001}) == "basic"
    assert kano_category({**both, "asymmetry_p": 0.3}) == "performance"
    reward_bigger = {"penalty": 0.2, "penalty_p": 0.01, "reward": 0.9, "reward_p": 0.001,
                     "asymmetry_p": 0.001}
    assert kano_category(reward_bigger) == "delighter"
    assert kano_category({"penalty": -0.5, "penalty_p": 0.001, "reward": 0.1,
                          "reward_p": 0.5}) == "indifferent"
    assert kano_category({"penalty": np.nan, "penalty_p": np.nan, "reward": 0.5,
                          "reward_p": 0.001}) == "delighter"
