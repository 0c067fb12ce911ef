"""Priority matrices, action tables, study-level priorities, wave movement, penalty-reward."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from drivers.io import study_from_frame
from drivers.paths import bank_loan_study_file
from drivers.priority import (
    QUADRANTS,
    action_table,
    kano_category,
    penalty_reward,
    performance_values,
    priority_matrix,
    priority_order,
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


# ---------------------------------------------------------------- certainty


def test_certainty_when_the_interval_crosses_the_cross_hair():
    # cross-hair at the mean share 0.25
    imp = table([0.40, 0.30, 0.20, 0.10], low=[0.30, 0.20, 0.05, 0.05],
                high=[0.50, 0.35, 0.24, 0.25])
    matrix = priority_matrix(imp, {"a": 3, "b": 3, "c": 3, "d": 3})
    assert matrix["certain"].tolist() == [True, False, True, False]
    assert matrix["importance_ci_low"].tolist() == [0.30, 0.20, 0.05, 0.05]


def test_certainty_unknown_without_interval_and_from_raw_importance():
    matrix = priority_matrix(table([0.6, 0.4]), {"a": 3, "b": 4})
    assert matrix["certain"].isna().all()
    assert "importance_ci_low" not in matrix.columns
    raw = table([0.6, 0.4])
    raw["ci_low"], raw["ci_high"] = [0.26, 0.05], [0.35, 0.26]
    matrix = priority_matrix(raw, {"a": 3, "b": 4}, value="importance")
    # importance = share / 2 -> 0.3, 0.2; cross-hair 0.25
    assert matrix["certain"].tolist() == [True, False]
    assert matrix.attrs["value"] == "importance"


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


def small_study():
    frame = pd.DataFrame({
        "id": range(1, 9), "sat": [5, 4, 2, 5, 3, 4, 5, 1], "a": [5, 4, 1, 4, 3, 5, 4, 2],
        "b": [4, 4, 2, 5, 3, 3, 5, 1]})
    spec = {"id": "id", "second_language": "zh",
            "outcomes": {"csat": {"column": "sat", "kind": "csat", "scale": [1, 5]}},
            "dimensions": {"BX": {"label": "Brand", "label_zh": "品牌",
                                  "attributes": {"a": {"label": "Promise kept",
                                                       "label_zh": "承诺兑现"}}},
                           "SX": {"label": "Service",
                                  "attributes": {"b": {"label": "Agent"}}}}}
    return study_from_frame(frame, spec)


def test_action_table_sorted_marks_uncertain_and_labels():
    imp = table([0.3, 0.7], low=[0.1, 0.6], high=[0.55, 0.8])
    matrix = priority_matrix(imp, {"a": 4.0, "b": 3.0}, dimension={"a": "BX", "b": "SX"})
    actions = action_table(matrix, study=small_study())
    assert actions.columns.tolist() == [
        "priority", "attribute", "label", "dimension", "importance", "importance_ci_low",
        "importance_ci_high", "performance", "quadrant", "certain", "certainty", "action"]
    assert actions["attribute"].tolist() == ["b", "a"]
    assert actions["priority"].tolist() == [1, 2]
    assert actions["label"].tolist() == ["Agent", "Promise kept"]
    assert actions["certainty"].tolist() == ["certain", "uncertain"]
    assert actions["action"].iloc[1].endswith("(uncertain)")
    chinese = action_table(matrix, study=small_study(), lang="zh")
    assert chinese["label"].tolist() == ["Agent", "承诺兑现"]


def test_action_table_without_study_or_interval():
    actions = action_table(priority_matrix(table([0.6, 0.4]), {"a": 3, "b": 4}))
    assert actions["label"].tolist() == actions["attribute"].tolist()
    assert actions["certainty"].tolist() == ["no interval", "no interval"]
    assert actions["importance_ci_low"].isna().all()
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
