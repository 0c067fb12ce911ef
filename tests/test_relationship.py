"""CSAT and NPS together: correlations, cross-tab, divergent groups, profiles and advice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from drivers.io import study_from_frame
from drivers.paths import bank_loan_study_file
from drivers.relationship import (
    Relationship,
    advice,
    correlation_table,
    crosstab_table,
    divergent_members,
    effective_n,
    fisher_interval,
    nps_group,
    proportion_interval,
    relationship,
    standardized_difference,
    top_drivers,
    weighted_pearson,
    weighted_ranks,
    weighted_spearman,
)

# ---------------------------------------------------------------- weighted statistics


def test_weighted_pearson_equals_numpy_on_replicated_rows():
    rng = np.random.default_rng(2)
    x = rng.integers(1, 6, 60).astype(float)
    y = x + rng.normal(0, 1.5, 60)
    w = rng.integers(1, 5, 60)
    expected = np.corrcoef(np.repeat(x, w), np.repeat(y, w))[0, 1]
    assert weighted_pearson(x, y, w) == pytest.approx(expected, abs=1e-12)
    assert weighted_pearson(x, y) == pytest.approx(np.corrcoef(x, y)[0, 1], abs=1e-12)


def test_spearman_matches_scipy_unweighted_and_replicated():
    rng = np.random.default_rng(3)
    x = rng.integers(1, 6, 80).astype(float)          # many ties
    y = rng.integers(0, 11, 80).astype(float) + x
    assert weighted_spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)
    w = rng.integers(1, 4, 80)
    replicated = stats.spearmanr(np.repeat(x, w), np.repeat(y, w))[0]
    assert weighted_spearman(x, y, w) == pytest.approx(replicated, abs=1e-12)


def test_weighted_ranks_are_mid_ranks():
    x = np.array([3.0, 1.0, 3.0, 2.0])
    np.testing.assert_allclose(weighted_ranks(x), stats.rankdata(x))
    # weights 2, 1, 1, 3 -> replicated 1 (x1), 2 2 2 (x3), 3 3 3 (x2): mid-ranks 1, 3, 6
    np.testing.assert_allclose(weighted_ranks(x, np.array([2, 1, 1, 3])), [6, 1, 6, 3])


def test_constant_variable_is_refused():
    with pytest.raises(ValueError, match="constant"):
        weighted_pearson(np.ones(5), np.arange(5.0))


def test_fisher_interval_closed_form():
    r, n = 0.62, 150
    z = stats.norm.ppf(0.975)
    low, high = fisher_interval(r, n)
    assert low == pytest.approx(np.tanh(np.arctanh(r) - z / np.sqrt(n - 3)))
    assert high == pytest.approx(np.tanh(np.arctanh(r) + z / np.sqrt(n - 3)))
    s_low, s_high = fisher_interval(r, n, method="spearman")
    se = np.sqrt((1 + r ** 2 / 2) / (n - 3))
    assert s_low == pytest.approx(np.tanh(np.arctanh(r) - z * se))
    assert s_high == pytest.approx(np.tanh(np.arctanh(r) + z * se))
    assert all(np.isnan(fisher_interval(0.5, 3)))


def test_correlation_table_uses_effective_n():
    rng = np.random.default_rng(4)
    x = rng.normal(size=200)
    y = x + rng.normal(size=200)
    w = rng.uniform(0.5, 2, 200)
    table = correlation_table(x, y, w).set_index("method")
    n_eff = w.sum() ** 2 / (w ** 2).sum()
    assert table.loc["pearson", "n_effective"] == pytest.approx(n_eff)
    assert table.loc["pearson", "n"] == 200
    low, high = fisher_interval(table.loc["pearson", "r"], n_eff)
    assert table.loc["pearson", "ci_low"] == pytest.approx(low)
    assert effective_n(None, 7) == 7


def test_proportion_interval_is_wilson():
    p, n = 0.3, 50
    z = stats.norm.ppf(0.975)
    centre = (p + z ** 2 / (2 * n)) / (1 + z ** 2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z ** 2 / (4 * n ** 2)) / (1 + z ** 2 / n)
    assert proportion_interval(p, n) == pytest.approx((centre - half, centre + half))


def test_standardized_difference_by_hand():
    a, b = np.array([4.0, 5, 4, 5, np.nan]), np.array([2.0, 3, 2, 3])
    out = standardized_difference(a, np.ones(5), b, np.ones(4))
    sd = np.std([4, 5, 4, 5], ddof=1)
    assert out["difference"] == pytest.approx(2.0)
    assert out["smd"] == pytest.approx(2.0 / sd)
    se = np.sqrt(1 / 4 + 1 / 4 + out["smd"] ** 2 / 16)
    assert out["smd_ci_low"] == pytest.approx(out["smd"] - stats.norm.ppf(0.975) * se)
    assert out["n_group"] == 4


# ---------------------------------------------------------------- cross-tab and groups


def hand_study(weights=None):
    # csat top box = 4-5; nps: detractor 0-6, passive 7-8, promoter 9-10
    frame = pd.DataFrame({
        "id": range(1, 11),
        "sat": [5, 5, 4, 4, 4, 3, 2, 2, 1, 5],
        "rec": [10, 9, 3, 8, 6, 10, 9, 2, 0, 7],
        "a1": [5, 5, 3, 4, 3, 4, 4, 2, 1, 4],
        "s1": [5, 4, 2, 4, 2, 5, 5, 1, 1, 3],
        "channel": ["app", "app", "web", "web", "web", "app", "app", "web", "web", "app"],
        "wave": ["W1"] * 5 + ["W2"] * 5,
        "w": weights if weights is not None else [1.0] * 10,
    })
    spec = {"id": "id", "weight": "w", "segments": ["channel"], "wave": "wave",
            "outcomes": {"csat": {"column": "sat", "kind": "csat", "scale": [1, 5]},
                         "nps": {"column": "rec", "kind": "nps"}},
            "dimensions": {"BX": {"attributes": ["a1"]}, "SX": {"attributes": ["s1"]}}}
    return study_from_frame(frame, spec)


def test_crosstab_counts_by_hand():
    result = relationship(hand_study())
    table = result.crosstab.set_index(["csat_group", "nps_group"])
    # top box rows 1-5 and 10: promoters 1, 2; passives 4, 10; detractors 3, 5
    assert table.loc[("top box", "promoter"), "n"] == 2
    assert table.loc[("top box", "passive"), "n"] == 2
    assert table.loc[("top box", "detractor"), "n"] == 2
    # not top box rows 6-9: promoters 6, 7; detractors 8, 9
    assert table.loc[("not top box", "promoter"), "n"] == 2
    assert table.loc[("not top box", "passive"), "n"] == 0
    assert table.loc[("not top box", "detractor"), "n"] == 2
    assert table["pct"].sum() == pytest.approx(100)
    assert table.loc[("top box", "promoter"), "row_pct"] == pytest.approx(100 * 2 / 6)
    assert table.loc[("not top box", "promoter"), "col_pct"] == pytest.approx(50)


def test_divergent_shares_by_hand_with_weights():
    weights = [1.0, 1.0, 2.0, 1.0, 3.0, 1.0, 2.0, 1.0, 1.0, 1.0]
    result = relationship(hand_study(weights))
    table = result.divergent.set_index("group")
    total = sum(weights)
    # satisfied, not promoting: rows 3 (w 2) and 5 (w 3)
    assert table.loc["satisfied_not_promoting", "share"] == pytest.approx(100 * 5 / total)
    assert table.loc["satisfied_not_promoting", "n"] == 2
    # incl. passives: rows 3, 4, 5, 10 -> 2 + 1 + 3 + 1
    assert table.loc["satisfied_not_promoting_incl_passives", "share"] == \
        pytest.approx(100 * 7 / total)
    # promoting, not satisfied: rows 6 (w 1) and 7 (w 2); of promoters (rows 1, 2, 6, 7)
    assert table.loc["promoting_not_satisfied", "share"] == pytest.approx(100 * 3 / total)
    assert table.loc["promoting_not_satisfied", "share_of_base"] == pytest.approx(100 * 3 / 5)
    w = np.array(weights)
    low, high = proportion_interval(5 / total, w.sum() ** 2 / (w ** 2).sum())
    assert table.loc["satisfied_not_promoting", "ci_low"] == pytest.approx(100 * low)
    assert table.loc["satisfied_not_promoting", "ci_high"] == pytest.approx(100 * high)


def test_divergent_members_and_nps_groups():
    groups = nps_group(np.array([6, 7, 8, 9]))
    assert groups.tolist() == ["detractor", "passive", "passive", "promoter"]
    masks = divergent_members(np.array([True, True, True, False]), groups)
    assert masks["satisfied_not_promoting"].tolist() == [True, False, False, False]
    assert masks["satisfied_not_promoting_incl_passives"].tolist() == [True, True, True, False]
    assert masks["promoting_not_satisfied"].tolist() == [False, False, False, True]
    table = crosstab_table(np.array([True, False]), np.array(["promoter", "promoter"]))
    assert table["n"].sum() == 2 and len(table) == 6


def test_profiles_segment_mix_and_waves():
    result = relationship(hand_study())
    profiles = result.profiles
    assert set(profiles["kind"]) == {"attribute", "dimension"}
    row = profiles[(profiles["group"] == "promoting_not_satisfied")
                   & (profiles["item"] == "s1") & (profiles["kind"] == "attribute")].iloc[0]
    # group rows 6, 7: s1 = 5, 5; rest: the other 8 rows
    rest = [5, 4, 2, 4, 2, 1, 1, 3]
    assert row["mean_group"] == pytest.approx(5.0)
    assert row["mean_rest"] == pytest.approx(np.mean(rest))
    mix = result.segment_mix
    app = mix[(mix["group"] == "promoting_not_satisfied") & (mix["level"] == "app")].iloc[0]
    assert app["pct_group"] == pytest.approx(100.0)
    assert app["pct_rest"] == pytest.approx(100 * 3 / 8)
    waves = result.by_wave
    assert waves["wave"].unique().tolist() == ["W1", "W2"]
    w1 = waves[(waves["wave"] == "W1") & (waves["statistic"] == "pearson")].iloc[0]
    first = hand_study().data.iloc[:5]
    assert w1["value"] == pytest.approx(np.corrcoef(first["sat"], first["rec"])[0, 1])
    share = waves[(waves["wave"] == "W2")
                  & (waves["statistic"] == "promoting_not_satisfied")].iloc[0]
    assert share["value"] == pytest.approx(40.0)
    assert relationship(hand_study(), by_wave=False).by_wave is None


def test_relationship_checks_its_outcomes():
    study = hand_study()
    with pytest.raises(ValueError, match="likelihood-to-recommend"):
        relationship(study, nps="csat")
    with pytest.raises(KeyError, match="no outcome"):
        relationship(study, csat="ces")


# ---------------------------------------------------------------- advice


def made_result(rs, method="pearson"):
    waves = pd.DataFrame({"wave": [f"W{i + 1}" for i in range(len(rs))], "statistic": method,
                          "value": rs, "ci_low": np.nan, "ci_high": np.nan, "n": 500,
                          "n_effective": 480.0})
    correlation = pd.DataFrame({"method": ["pearson", "spearman"], "r": [rs[0], rs[0]]})
    return Relationship(correlation, None, None, None, None, waves, 1500, 1440.0, 0.95,
                        ("csat", "nps"))


SAME = pd.DataFrame({"driver": ["a", "b", "c", "d"], "share_csat": [0.4, 0.3, 0.2, 0.1],
                     "share_nps": [0.3, 0.4, 0.2, 0.1]})
DIFFERENT = pd.DataFrame({"driver": ["a", "b", "c", "d"], "share_csat": [0.4, 0.3, 0.2, 0.1],
                          "share_nps": [0.1, 0.2, 0.3, 0.4]})


def test_advice_allows_dropping_one_only_when_every_check_passes():
    verdict = advice(made_result([0.80, 0.82, 0.78]), SAME)
    assert verdict.keep_both is False
    assert len(verdict.reasons) == 4
    assert "could be dropped" in verdict.text


@pytest.mark.parametrize("rs, importance, phrase", [
    ([0.80, 0.82], SAME, "Only 2 wave(s)"),                     # too few waves
    ([0.80, 0.65, 0.78], SAME, "below 0.70"),                   # a weak wave
    ([0.95, 0.72, 0.80], SAME, "not stable"),                   # strong but unstable
    ([0.80, 0.82, 0.78], DIFFERENT, "top 3 drivers differ"),    # different drivers
    ([0.80, 0.82, 0.78], None, "No driver comparison"),         # drivers unchecked
])
def test_advice_keeps_both_when_a_check_fails(rs, importance, phrase):
    verdict = advice(made_result(rs), importance)
    assert verdict.keep_both is True
    assert any(phrase in reason for reason in verdict.reasons)
    assert verdict.text.startswith("Keep measuring both")


def test_advice_thresholds_are_parameters():
    result = made_result([0.66, 0.67, 0.68])
    assert advice(result, SAME).keep_both is True
    assert advice(result, SAME, min_r=0.65).keep_both is False
    assert advice(made_result([0.8, 0.9, 0.85]), SAME, max_r_range=0.2).keep_both is False
    assert advice(made_result([0.8, 0.82]), SAME, min_waves=2).keep_both is False
    assert advice(made_result([0.8, 0.8, 0.8]), DIFFERENT, top_k=1).keep_both is True
    assert advice(made_result([0.8, 0.8, 0.8]), DIFFERENT.assign(
        share_nps=[0.4, 0.1, 0.2, 0.3]), top_k=1).keep_both is False


def test_top_drivers_accepts_every_comparison_form():
    csat = pd.DataFrame({"driver": ["a", "b", "c"], "share": [0.5, 0.3, 0.2]})
    nps = pd.DataFrame({"driver": ["a", "b", "c"], "share": [0.1, 0.3, 0.6]})
    assert top_drivers({"csat": csat, "nps": nps}, 1) == (["a"], ["c"])
    assert top_drivers((csat, nps), 2) == (["a", "b"], ["c", "b"])
    assert top_drivers(SAME, 2) == (["a", "b"], ["b", "a"])
    with pytest.raises(ValueError, match="importance must be"):
        top_drivers(pd.DataFrame({"driver": ["a"]}), 1)


# ---------------------------------------------------------------- the bundled case


@pytest.fixture(scope="module")
def bank_study():
    path = bank_loan_study_file()
    if not path.exists():
        pytest.skip("data/bank_loan/study.yaml is absent")
    from drivers import load_study

    return load_study(path)


def test_bank_loan_relationship(bank_study):
    result = relationship(bank_study)
    both = bank_study.data[["csat", "recommend"]].dropna()
    assert result.n == len(both)
    pearson = result.correlation.set_index("method").loc["pearson"]
    assert 0 < pearson["ci_low"] < pearson["r"] < pearson["ci_high"] < 1
    assert result.crosstab["n"].sum() == len(both)
    assert set(result.by_wave["wave"]) == {"2026Q1", "2026Q2", "2026Q3"}
    shares = result.divergent.set_index("group")["share"]
    assert shares["satisfied_not_promoting"] <= shares["satisfied_not_promoting_incl_passives"]
    # The README plants BX behind CSAT and SX behind NPS: the advice must keep both.
    from drivers.importance import importance

    csat = importance(bank_study.data, "csat", groups=bank_study.groups, weights="weight")
    nps = importance(bank_study.data, "recommend", groups=bank_study.groups, weights="weight")
    verdict = result.advice(importance=(csat, nps), top_k=1)
    assert verdict.keep_both is True
    assert any("differ" in reason for reason in verdict.reasons)
