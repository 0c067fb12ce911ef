"""CX metrics against closed forms, hand computations and statsmodels' intervals."""

from __future__ import annotations

import dataclasses
import math
import statistics

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from drivers.metrics import (
    MIN_BASE,
    CesResult,
    CsatResult,
    NpsResult,
    attribute_performance,
    ces,
    csat,
    dimension_performance,
    metrics_summary,
    nps,
    outcome_table,
    top_box,
)
from drivers.study import Attribute, Dimension, Outcome, Study

Z95 = 1.959963984540054


# ---- NPS -----------------------------------------------------------------------------------
def test_nps_closed_form_p40_d20_n400():
    # 160 promoters (p = .40), 160 passives, 80 detractors (d = .20)
    scores = [10] * 100 + [9] * 60 + [8] * 90 + [7] * 70 + [6] * 50 + [0] * 30
    result = nps(scores, method="wald")
    se = math.sqrt((0.4 + 0.2 - 0.2 ** 2) / 400) * 100
    assert isinstance(result, NpsResult)
    assert result.score == pytest.approx(20.0)
    assert result.se == pytest.approx(3.742, abs=5e-4)
    assert result.se == pytest.approx(se)
    assert result.ci_low == pytest.approx(20 - Z95 * se)
    assert result.ci_high == pytest.approx(20 + Z95 * se)
    assert (result.promoters, result.passives, result.detractors) == pytest.approx((40, 40, 20))
    assert (result.n, result.n_missing, result.n_effective) == (400, 0, 400)
    assert str(result) == "NPS 20.0 (95% CI 12.7 to 27.3), n = 400"


def test_nps_weighted_by_hand():
    # weights 3, 1, 1, 1: promoters weigh 3 + 1 of 6, detractor 1, passive 1
    result = nps([10, 0, 8, 9], weights=[3, 1, 1, 1], method="wald")
    p, d = 4 / 6, 1 / 6
    n_eff = 6 ** 2 / (9 + 1 + 1 + 1)  # = 3
    se = math.sqrt((p + d - (p - d) ** 2) / n_eff) * 100
    assert result.score == pytest.approx(50.0)
    assert result.n_effective == pytest.approx(3.0)
    assert result.se == pytest.approx(se)
    assert result.ci_low == pytest.approx(50 - Z95 * se)
    assert result.ci_high == pytest.approx(min(100.0, 50 + Z95 * se))
    assert result.ci_high == 100.0  # clipped: 50 + 1.96 * 44.1 > 100
    assert (result.promoters, result.passives, result.detractors) == pytest.approx(
        (400 / 6, 100 / 6, 100 / 6))


def test_nps_ci_clipped_to_range():
    result = nps([0, 0, 1, 10], method="wald")
    assert result.ci_low == -100.0
    assert -100 <= result.ci_high <= 100


def test_nps_adjusted_wald_by_hand():
    # Ten promoters: the Wald interval collapses to [100, 100]; the adjusted one does not.
    wald = nps([10] * 10, method="wald")
    assert (wald.score, wald.se, wald.ci_low, wald.ci_high) == (100.0, 0.0, 100.0, 100.0)
    adjusted = nps([10] * 10, method="adjusted_wald")
    p, d, n = 10.75 / 13, 0.75 / 13, 13
    half = Z95 * math.sqrt((p + d - (p - d) ** 2) / n)
    assert adjusted.score == 100.0
    assert adjusted.se == 0.0  # se stays the plain estimate
    assert adjusted.ci_low == pytest.approx(100 * (p - d - half))
    assert adjusted.ci_high == 100.0  # 100 * (p - d + half) > 100 is clipped
    assert adjusted.method == "adjusted_wald"


def test_nps_scale_and_categories():
    # 6 is a detractor, 7-8 passive, 9 a promoter
    result = nps([6, 7, 8, 9])
    assert (result.detractors, result.passives, result.promoters) == (25.0, 50.0, 25.0)
    with pytest.raises(ValueError, match=r"values 11 .*0-10.*at position 1;"):
        nps([10, 11, 3])


# ---- CSAT and CES --------------------------------------------------------------------------
def test_csat_top2_on_five_point_by_hand():
    scores = [5, 4, 3, 2, 1, 5, 4, 4, 3, 1]
    result = csat(scores, method="wald")
    assert isinstance(result, CsatResult)
    assert result.top == 2 and result.scale == (1, 5)
    assert result.score == pytest.approx(50.0)  # 5, 4, 5, 4, 4
    assert result.se == pytest.approx(100 * math.sqrt(0.5 * 0.5 / 10))
    assert result.ci_low == pytest.approx(50 - Z95 * 100 * math.sqrt(0.025))
    assert result.mean == pytest.approx(3.2)
    # s^2 = 19.6 / 9 (sum of squared deviations from 3.2), se = s / sqrt(10)
    assert result.mean_se == pytest.approx(math.sqrt(19.6 / 9 / 10))
    t = stats.t.ppf(0.975, 9)
    assert result.mean_ci_low == pytest.approx(3.2 - t * statistics.stdev(scores) / math.sqrt(10))
    assert result.mean_ci_high == pytest.approx(3.2 + t * statistics.stdev(scores) / math.sqrt(10))
    assert str(result) == "CSAT 50.0% top-2 box (95% CI 19.0 to 81.0), mean 3.20, n = 10"


def test_csat_top3_on_seven_point_counts_five_to_seven():
    result = csat([7, 6, 5, 4, 3, 2, 1, 5], scale=(1, 7))
    assert result.top == 3
    assert result.score == pytest.approx(50.0)  # 7, 6, 5, 5; the 4 is not positive
    assert csat([4, 4, 4, 5], scale=(1, 7)).score == pytest.approx(25.0)


def test_csat_explicit_top_box():
    assert csat([5, 4, 4, 1], top=1).score == pytest.approx(25.0)


def test_csat_weighted_by_hand():
    result = csat([5, 1], weights=[3, 1])
    assert result.score == pytest.approx(75.0)
    assert result.n_effective == pytest.approx(16 / 10)
    assert result.se == pytest.approx(100 * math.sqrt(0.75 * 0.25 / 1.6))
    assert result.mean == pytest.approx(4.0)
    # linearisation: sqrt(2/1 * (3^2 (5-4)^2 + 1^2 (1-4)^2)) / 4 = 6 / 4
    assert result.mean_se == pytest.approx(1.5)


def test_weights_are_scale_free():
    scores = [5, 4, 2, 3, 5, 1]
    plain, doubled = csat(scores), csat(scores, weights=[2.0] * 6)
    for field in ("score", "se", "ci_low", "ci_high", "mean", "mean_se", "n_effective"):
        assert getattr(doubled, field) == pytest.approx(getattr(plain, field))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10), st.integers(1, 4)), min_size=1, max_size=30))
def test_integer_weights_equal_repeated_rows(rows):
    scores = [s for s, _ in rows]
    weights = [w for _, w in rows]
    repeated = [s for s, w in rows for _ in range(w)]
    assert nps(scores, weights=weights).score == pytest.approx(nps(repeated).score)
    on_five = [min(5, max(1, s // 2)) for s in scores]
    repeated_five = [min(5, max(1, s // 2)) for s, w in rows for _ in range(w)]
    weighted, copied = csat(on_five, weights=weights), csat(repeated_five)
    assert weighted.score == pytest.approx(copied.score)
    assert weighted.mean == pytest.approx(copied.mean)
    assert weighted.n == len(rows)
    assert weighted.n_effective == pytest.approx(sum(weights) ** 2 / sum(w * w for w in weights))


def test_ces_agree_and_mean():
    result = ces([7, 6, 5, 4, 3, 2, 1, 7, 5, 6])
    assert isinstance(result, CesResult)
    assert result.score == pytest.approx(60.0)  # 7, 6, 5, 7, 5, 6
    assert result.mean == pytest.approx(4.6)
    assert (result.scale, result.top) == ((1, 7), 3)
    assert str(result).startswith("CES 60.0% top-3 box (95% CI ")


def test_top_box_generic_scale():
    result = top_box([0, 5, 8, 9, 10], scale=(0, 10))
    assert result.top == 3
    assert result.score == pytest.approx(60.0)


# ---- intervals -----------------------------------------------------------------------------
@pytest.mark.parametrize("count, n", [(0, 5), (1, 7), (3, 10), (12, 40), (39, 40), (40, 40)])
@pytest.mark.parametrize("level", [0.90, 0.95, 0.99])
def test_wilson_and_wald_match_statsmodels(count, n, level):
    scores = [5] * count + [2] * (n - count)
    wilson = csat(scores, ci=level, method="wilson")
    low, high = proportion_confint(count, n, alpha=1 - level, method="wilson")
    assert wilson.ci_low == pytest.approx(100 * low, abs=1e-9)
    assert wilson.ci_high == pytest.approx(100 * high, abs=1e-9)
    wald = csat(scores, ci=level, method="wald")
    low, high = proportion_confint(count, n, alpha=1 - level, method="normal")
    assert wald.ci_low == pytest.approx(100 * max(low, 0.0), abs=1e-9)
    assert wald.ci_high == pytest.approx(100 * min(high, 1.0), abs=1e-9)
    assert 0 <= wald.ci_low <= wald.score <= wald.ci_high <= 100


def test_weighted_wilson_uses_effective_n():
    scores, weights = [5, 5, 1, 2, 4, 3], [3, 1, 1, 2, 1, 2]
    result = csat(scores, weights=weights, method="wilson")
    p = 5 / 10  # weights of the 5, 5, 4
    n_eff = 100 / (9 + 1 + 1 + 4 + 1 + 4)
    low, high = proportion_confint(p * n_eff, n_eff, alpha=0.05, method="wilson")
    assert result.n_effective == pytest.approx(5.0)
    assert (result.ci_low, result.ci_high) == pytest.approx((100 * low, 100 * high))


def test_all_in_top_box_clips_wald_and_keeps_wilson_open():
    wald = csat([5, 5, 4], method="wald")
    assert (wald.ci_low, wald.ci_high) == (100.0, 100.0)
    wilson = csat([5, 5, 4], method="wilson")
    assert wilson.ci_high == pytest.approx(100.0) and wilson.ci_low < 100


# ---- missing values and bad input ----------------------------------------------------------
def test_missing_values_are_excluded_and_counted():
    result = csat([5, np.nan, None, 4, 2])
    assert (result.n, result.n_missing) == (3, 2)
    assert result.score == pytest.approx(200 / 3)
    # the weight of an unanswered row is dropped, even when it is itself empty or negative
    weighted = nps(pd.Series([10, np.nan, 0, None]), weights=[1, np.nan, 3, -1])
    assert weighted.score == pytest.approx(-50.0)
    assert weighted.n_effective == pytest.approx(16 / 10)
    assert str(weighted).endswith("n = 2, 2 missing")


def test_all_missing_gives_nan_with_n_zero():
    for result in (csat([np.nan, None]), nps([]), ces(pd.Series([np.nan] * 3))):
        assert result.n == 0 and result.n_effective == 0
        assert all(math.isnan(v) for v in (result.score, result.se, result.ci_low,
                                           result.ci_high))
    assert csat([None, None]).n_missing == 2
    assert str(nps([np.nan])) == "NPS n/a (no answers), n = 0, 1 missing"


def test_out_of_range_values_name_values_and_positions():
    with pytest.raises(ValueError, match=r"values 6, 0 .*scale 1-5.*positions 2, 3"):
        csat([1, 2, 6, 0])
    with pytest.raises(ValueError, match=r"3\.5.*position"):
        csat([3.5, 4])
    with pytest.raises(ValueError, match=r"column 'sat'.*7.*index R2"):
        csat(pd.Series([4, 7], index=["R1", "R2"], name="sat"))
    with pytest.raises(ValueError, match=r"8.*scale 1-7"):
        ces([8, 1])
    with pytest.raises(ValueError, match=r"numeric.*'good'"):
        csat([5, "good"])


def test_bad_weights_and_arguments():
    with pytest.raises(ValueError, match="one weight per score"):
        csat([5, 4], weights=[1])
    with pytest.raises(ValueError, match=r"non-negative.*-1.*position 1"):
        csat([5, 4], weights=[1, -1])
    with pytest.raises(ValueError, match=r"non-negative.*nan"):
        csat([5, 4], weights=[1, np.nan])
    with pytest.raises(ValueError, match="sum to zero"):
        csat([5, 4], weights=[0, 0])
    with pytest.raises(ValueError, match="top must be"):
        csat([5, 4], top=5)
    with pytest.raises(ValueError, match="ci must be"):
        nps([10], ci=95)
    with pytest.raises(ValueError, match="method must be one of wilson, wald"):
        csat([5], method="exact")
    with pytest.raises(ValueError, match="method must be one of adjusted_wald, wald"):
        nps([5], method="wilson")


def test_weights_series_aligns_on_the_scores_index():
    weights = pd.Series([1.0, 3.0, 1.0], index=[10, 11, 12])
    scores = pd.Series([1, 5], index=[12, 11])
    assert csat(scores, weights=weights).score == pytest.approx(75.0)
    with pytest.raises(ValueError, match="no weight for index labels 99"):
        csat(pd.Series([5], index=[99]), weights=weights)


def test_results_are_frozen_dicts_with_fields():
    result = nps([10, 0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.score = 1.0
    assert set(result.as_dict()) == {"score", "n", "n_missing", "n_effective", "se", "ci_low",
                                     "ci_high", "ci", "method", "promoters", "passives",
                                     "detractors"}
    assert {"mean", "mean_se", "top"} <= set(csat([5]).as_dict())


# ---- study tables --------------------------------------------------------------------------
def make_study(weighted: bool = True) -> Study:
    nan = np.nan
    data = pd.DataFrame({
        "rid": [f"R{i}" for i in range(8)],
        "w": [1.0, 1, 2, 2, 1, 1, 1, 1],
        "channel": ["app", "app", "app", "web", "web", "web", "app", "web"],
        "wave": ["W2", "W10", "W2", "W10", "W2", "W10", "W10", "W2"],
        "sat": [5, 4, 3, 5, 2, nan, 4, 1],
        "rec": [10, 9, 6, 8, 0, 10, 9, 7],
        "effort": [7, 5, 4, 6, 2, 7, 3, nan],
        "a1": [5, 4, 3, 5, 2, 4, 4, 1],
        "a2": [4, nan, 3, 5, 1, 5, 5, 2],
        "s1": [5, 5, 2, 4, 3, nan, 4, 2],
    })
    rated = ["sat", "rec", "effort", "a1", "a2", "s1"]
    missing = data[rated].isna().replace({True: "no_answer", False: None})
    return Study(
        title="Tiny study", data=data, missing=missing,
        outcomes={
            "csat": Outcome("csat", "sat", "csat", (1, 5), top=2, label="Satisfaction"),
            "nps": Outcome("nps", "rec", "nps", (0, 10), label="Recommend"),
            "ces": Outcome("ces", "effort", "ces", (1, 7), top=3, label="Ease"),
        },
        dimensions={"BX": Dimension("BX", "Brand", attributes=("a1", "a2")),
                    "SX": Dimension("SX", "Service", attributes=("s1",))},
        attributes={"a1": Attribute("a1", "BX", "Promise kept"),
                    "a2": Attribute("a2", "BX", "Trust"),
                    "s1": Attribute("s1", "SX", "Agent knew")},
        id_column="rid", weight_column="w" if weighted else None,
        segment_columns=("channel",), wave_column="wave",
    )


def test_outcome_table_overall_weighted_by_hand():
    table = outcome_table(make_study())
    assert list(table.columns) == ["outcome", "kind", "score", "ci_low", "ci_high", "se", "n",
                                   "n_missing", "n_effective", "mean", "promoters", "passives",
                                   "detractors", "small_base"]
    assert table["outcome"].tolist() == ["csat", "nps", "ces"]
    row = table.set_index("outcome").loc["csat"]
    # answered rows weigh 1, 1, 2, 2, 1, 1, 1 (9); in the top box: 5 (1), 4 (1), 5 (2), 4 (1)
    assert row["score"] == pytest.approx(500 / 9)
    assert row["n"] == 7 and row["n_missing"] == 1
    assert row["n_effective"] == pytest.approx(81 / 13)
    assert row["mean"] == pytest.approx(32 / 9)
    assert math.isnan(row["promoters"])
    ces_row = table.set_index("outcome").loc["ces"]
    # 7 (1), 5 (1), 6 (2), 7 (1) of weights 1, 1, 2, 2, 1, 1, 1 -> 5 of 9
    assert ces_row["score"] == pytest.approx(500 / 9)
    nps_row = table.set_index("outcome").loc["nps"]
    # promoters 10, 9, 10, 9 weigh 4 of 10; detractors 6 (2), 0 (1) weigh 3
    assert nps_row["score"] == pytest.approx(10.0)
    assert nps_row["detractors"] == pytest.approx(30.0)
    assert math.isnan(nps_row["mean"])


def test_outcome_table_by_segment_by_hand():
    table = outcome_table(make_study(), by="channel")
    assert table["channel"].tolist() == ["app", "web"] * 3
    nps_rows = table[table["outcome"] == "nps"].set_index("channel")
    # app: 10, 9, 6, 9 weighted 1, 1, 2, 1 -> 60 % promoters, 40 % detractors
    assert nps_rows.loc["app", "score"] == pytest.approx(20.0)
    assert nps_rows.loc["app", "n_effective"] == pytest.approx(25 / 7)
    se = 100 * math.sqrt((0.6 + 0.4 - 0.2 ** 2) / (25 / 7))
    assert nps_rows.loc["app", "se"] == pytest.approx(se)
    # web: 8, 0, 10, 7 weighted 2, 1, 1, 1 -> 20 % promoters, 60 % passives, 20 % detractors
    assert nps_rows.loc["web", ["score", "passives"]].tolist() == pytest.approx([0.0, 60.0])


def test_outcome_table_by_wave_in_natural_order():
    table = outcome_table(make_study(), by="wave")
    assert table["wave"].tolist() == ["W2", "W10"] * 3
    csat_rows = table[table["outcome"] == "csat"].set_index("wave")
    # W2: 5 (1), 3 (2), 2 (1), 1 (1) -> 1 of 5; W10: 4, 5, 4 answered, one missing
    assert csat_rows.loc["W2", "score"] == pytest.approx(20.0)
    assert csat_rows.loc["W10", "score"] == pytest.approx(100.0)
    assert csat_rows.loc["W10", ["n", "n_missing"]].tolist() == [3, 1]


def test_outcome_table_by_two_columns_and_alias():
    study = dataclasses.replace(make_study(), wave_column="wave")
    table = outcome_table(study, by=["channel", "wave"])
    first = table[table["outcome"] == "csat"][["channel", "wave", "n"]]
    assert first.values.tolist() == [["app", "W2", 2], ["app", "W10", 2], ["web", "W2", 2],
                                     ["web", "W10", 1]]
    renamed = make_study()
    renamed.data = renamed.data.rename(columns={"wave": "survey_wave"})
    renamed.wave_column = "survey_wave"
    assert outcome_table(renamed, by="wave")["survey_wave"].tolist() == ["W2", "W10"] * 3


def test_outcome_table_bad_by():
    with pytest.raises(ValueError, match=r"'region' is not in the data.*channel, wave"):
        outcome_table(make_study(), by="region")
    no_wave = dataclasses.replace(make_study(), wave_column=None)
    no_wave.data = no_wave.data.drop(columns="wave")
    with pytest.raises(ValueError, match="no wave column"):
        outcome_table(no_wave, by="wave")


def test_outcome_table_empty_segment_gives_nan_row():
    study = make_study()
    study.data.loc[study.data["channel"] == "web", "effort"] = np.nan
    rows = outcome_table(study, by="channel").set_index(["outcome", "channel"])
    assert rows.loc[("ces", "web"), "n"] == 0
    assert rows.loc[("ces", "web"), "n_missing"] == 4
    assert math.isnan(rows.loc[("ces", "web"), "score"])


def test_attribute_performance_by_hand():
    table = attribute_performance(make_study())
    assert list(table.columns) == ["dimension", "attribute", "label", "mean", "mean_ci_low",
                                   "mean_ci_high", "top_box", "n", "n_missing", "small_base"]
    assert table["attribute"].tolist() == ["a1", "a2", "s1"]
    a2 = table.set_index("attribute").loc["a2"]
    # answered weights 1, 2, 2, 1, 1, 1, 1 (9); values 4, 3, 5, 1, 5, 5, 2
    assert a2["mean"] == pytest.approx(33 / 9)
    assert a2["top_box"] == pytest.approx(500 / 9)
    assert (a2["n"], a2["n_missing"], a2["label"], a2["dimension"]) == (7, 1, "Trust", "BX")


def test_attribute_performance_unweighted_t_interval():
    table = attribute_performance(make_study(weighted=False), top=1).set_index("attribute")
    values = [4, 3, 5, 1, 5, 5, 2]
    mean, sd = statistics.mean(values), statistics.stdev(values)
    low, high = stats.t.interval(0.95, len(values) - 1, loc=mean, scale=sd / math.sqrt(7))
    assert table.loc["a2", "mean"] == pytest.approx(25 / 7)
    assert table.loc["a2", ["mean_ci_low", "mean_ci_high"]].tolist() == pytest.approx([low, high])
    assert table.loc["a2", "top_box"] == pytest.approx(300 / 7)  # top-1: three 5s of 7


def test_attribute_performance_by_wave():
    table = attribute_performance(make_study(weighted=False), by="wave")
    a1 = table[table["attribute"] == "a1"].set_index("wave")
    assert a1.loc["W2", "mean"] == pytest.approx((5 + 3 + 2 + 1) / 4)
    assert a1.loc["W10", "mean"] == pytest.approx((4 + 5 + 4 + 4) / 4)


def test_dimension_performance_by_hand():
    table = dimension_performance(make_study()).set_index("dimension")
    # composites 4.5, 4, 3, 5, 1.5, 4.5, 4.5, 1.5 with weights 1, 1, 2, 2, 1, 1, 1, 1
    assert table.loc["BX", "mean"] == pytest.approx(36.5 / 10)
    # weighted answers in the top box 11 of 19 (see the answers of a1 and a2)
    assert table.loc["BX", "top_box"] == pytest.approx(1100 / 19)
    assert table.loc["BX", ["n", "n_missing", "n_answers"]].tolist() == [8, 0, 15]
    assert table.loc["SX", ["n", "n_missing"]].tolist() == [7, 1]
    assert table.loc["BX", "label"] == "Brand"
    assert table.loc["BX", "mean_ci_low"] < 3.65 < table.loc["BX", "mean_ci_high"]


def test_metrics_summary_tables():
    tables = metrics_summary(make_study())
    assert list(tables) == ["outcomes", "outcomes_by_channel", "outcomes_by_wave",
                            "attributes", "dimensions"]
    assert len(tables["outcomes"]) == 3
    assert tables["outcomes_by_wave"]["wave"].tolist() == ["W2", "W10"] * 3


def test_outcome_table_interval_methods_and_bad_data():
    study = make_study(weighted=False)
    table = outcome_table(study, method="wilson", nps_method="adjusted_wald").set_index("outcome")
    # unweighted csat: 5, 4, 5, 4 of 7 answers in the top box
    low, high = proportion_confint(4, 7, alpha=0.05, method="wilson")
    assert table.loc["csat", ["ci_low", "ci_high"]].tolist() == pytest.approx([100 * low,
                                                                              100 * high])
    # nps: promoters 10, 9, 10, 9 and detractors 6, 0 of 8 -> adjusted (4.75, 2.75) of 11
    p, d = 4.75 / 11, 2.75 / 11
    half = Z95 * math.sqrt((p + d - (p - d) ** 2) / 11)
    assert table.loc["nps", "ci_low"] == pytest.approx(100 * (p - d - half))
    study.data.loc[2, "sat"] = 9
    with pytest.raises(ValueError, match=r"outcome 'csat': column 'sat': values 9 .*position 2"):
        outcome_table(study)


# ---- small bases and intervals that do not collapse ----------------------------------------
def test_one_respondent_with_csat_100_gets_the_wilson_interval_not_zero_width():
    # Wilson (1927); reference values from statsmodels' proportion_confint.
    result = csat([5])
    low, high = proportion_confint(1, 1, alpha=0.05, method="wilson")
    assert result.method == "wilson"
    assert (result.ci_low, result.ci_high) == pytest.approx((100 * low, 100 * high))
    assert result.ci_low == pytest.approx(20.654931, abs=1e-6)  # 1 / (1 + z^2)
    zero = ces([1])
    low, high = proportion_confint(0, 1, alpha=0.05, method="wilson")
    assert (zero.ci_low, zero.ci_high) == pytest.approx((100 * low, 100 * high))
    assert zero.ci_high > 75


@pytest.mark.parametrize("scores, promoters, detractors", [
    ([10], 1, 0), ([0], 0, 1), ([10] * 3 + [8] * 2, 3, 0), ([9, 6, 7], 1, 1)])
def test_nps_default_is_the_adjusted_wald_closed_form(scores, promoters, detractors):
    # Adjusted Wald (Rocks 2016; Lewis & Sauro 2021): add 3/4 to promoters and detractors
    # and 3 to n, then the Wald interval of a difference of multinomial shares.
    n = len(scores) + 3
    p, d = (promoters + 0.75) / n, (detractors + 0.75) / n
    half = Z95 * math.sqrt((p + d - (p - d) ** 2) / n)
    low, high = max(-1.0, p - d - half), min(1.0, p - d + half)
    result = nps(scores)
    assert result.method == "adjusted_wald"
    assert (result.ci_low, result.ci_high) == pytest.approx((100 * low, 100 * high))
    assert result.ci_high - result.ci_low > 50  # one to five answers: a wide interval


def test_study_tables_use_the_non_collapsing_intervals_by_default():
    study = make_study(weighted=False)
    default = outcome_table(study)
    explicit = outcome_table(study, method="wilson", nps_method="adjusted_wald")
    pd.testing.assert_frame_equal(default, explicit)
    assert default.attrs["method"] == "wilson" and default.attrs["nps_method"] == "adjusted_wald"


def _rows_study(n: int, channel_sizes: dict[str, int] | None = None):
    from drivers.io import study_from_frame

    rng = np.random.default_rng(n)
    frame = pd.DataFrame({"sat": rng.integers(1, 6, n), "rec": rng.integers(0, 11, n),
                          "a": rng.integers(1, 6, n)})
    spec = {"outcomes": {"csat": {"column": "sat", "kind": "csat"},
                         "nps": {"column": "rec", "kind": "nps"}},
            "dimensions": {"PX": {"attributes": ["a"]}}}
    if channel_sizes:
        frame["channel"] = [c for c, size in channel_sizes.items() for _ in range(size)]
        spec["segments"] = ["channel"]
    return study_from_frame(frame, spec)


@pytest.mark.parametrize("n, flagged", [(MIN_BASE - 1, True), (MIN_BASE, False)])
def test_small_base_is_flagged_below_the_stated_minimum(n, flagged):
    study = _rows_study(n)
    for table in (outcome_table(study), attribute_performance(study),
                  dimension_performance(study)):
        assert table["small_base"].tolist() == [flagged] * len(table)
        assert table.attrs["min_base"] == MIN_BASE
        assert len(table.attrs["warnings"]) == (len(table) if flagged else 0)


def test_small_base_warnings_name_the_segment_and_its_n():
    study = _rows_study(41, {"app": 40, "branch": 1})
    table = outcome_table(study, by="channel")
    assert table.set_index(["outcome", "channel"])["small_base"].to_dict() == {
        ("csat", "app"): False, ("csat", "branch"): True,
        ("nps", "app"): False, ("nps", "branch"): True}
    warnings = table.attrs["warnings"]
    assert len(warnings) == 2
    assert warnings[0].startswith("small base: csat (channel = branch) rests on 1 answer,")
    assert f"fewer than {MIN_BASE}" in warnings[0]
    performance = attribute_performance(study, by="channel")
    assert performance["small_base"].tolist() == [False, True]
    assert performance.attrs["warnings"] == [
        f"small base: a (channel = branch) rests on 1 answer, fewer than {MIN_BASE}; read it "
        f"as indicative"]
