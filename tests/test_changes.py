"""Tested changes: waves, segments and importance movement against independent references.

References (tests/reference/README.md): statsmodels' two-sample tests of proportions
(``test_proportions_2indep``, ``confint_proportions_2indep``, method "wald") and z test of
means (``ztest``); Kish's effective sample size and the multinomial NPS variance written out
by hand; the Benjamini-Hochberg step-up computed by hand; scipy's ``stats.bootstrap`` for
independent samples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import drivers
from drivers.changes import (
    adjust_p_values,
    difference_test,
    importance_changes,
    segment_differences,
    wave_changes,
)
from drivers.io import study_from_frame


def survey(n: int = 300, seed: int = 1, waves=("W10", "W2", "W9"), weights: bool = False):
    rng = np.random.default_rng(seed)
    wave = rng.choice(list(waves), n)
    shift = np.select([wave == "W2", wave == "W9"], [0.0, 0.3], 0.6)
    latent = rng.normal(size=n) + shift
    frame = pd.DataFrame({
        "wave": wave,
        "channel": rng.choice(["app", "branch", "web"], n),
        "sat": np.clip(np.round(3.4 + latent), 1, 5).astype(int),
        "rec": np.clip(np.round(7 + 1.8 * latent), 0, 10).astype(int),
        "a": np.clip(np.round(3.5 + latent + rng.normal(size=n)), 1, 5).astype(int),
        "b": np.clip(np.round(3.5 + rng.normal(size=n)), 1, 5).astype(int),
    })
    spec = {"wave": "wave", "segments": ["channel"],
            "outcomes": {"csat": {"column": "sat", "kind": "csat"},
                         "nps": {"column": "rec", "kind": "nps"}},
            "dimensions": {"PX": {"attributes": ["a", "b"]}}}
    if weights:
        frame["w"] = np.round(rng.uniform(0.4, 2.0, n), 2)
        spec["weight"] = "w"
    return study_from_frame(frame, spec)


# ---------------------------------------------------------------- the test and the correction


def test_benjamini_hochberg_by_hand_and_nan_left_out():
    p = np.array([0.001, 0.04, 0.03, 0.20, np.nan, 0.011])
    adjusted, flags = adjust_p_values(p, alpha=0.05)
    # Sorted: 0.001, 0.011, 0.03, 0.04, 0.20 (m = 5); p_(i) m / i = 0.005, 0.0275, 0.05,
    # 0.05, 0.20; running minimum from the top: 0.005, 0.0275, 0.05, 0.05, 0.20.
    expected = [0.005, 0.05, 0.05, 0.20, np.nan, 0.0275]
    np.testing.assert_allclose(adjusted, expected, rtol=1e-12)
    assert flags.tolist() == [True, True, True, False, pd.NA, True]


@pytest.mark.parametrize("seed", range(6))
def test_benjamini_hochberg_is_statsmodels_fdr_bh(seed):
    """Reference: statsmodels.stats.multitest.multipletests(method="fdr_bh"), on p-values
    with ties, exact zeros and ones, values on the step-up boundary i alpha / m, and NaN
    (left out of the family)."""
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 40))
    p = rng.choice([rng.uniform(0, 0.1), rng.uniform(0, 1)], size=m) * rng.uniform(0, 1, m)
    p[rng.uniform(size=m) < 0.2] = 0.05 * rng.integers(1, m + 1) / m  # on a boundary
    p[rng.uniform(size=m) < 0.1] = p[0]  # ties
    p[rng.uniform(size=m) < 0.05] = 0.0
    p[rng.uniform(size=m) < 0.05] = 1.0
    missing = rng.uniform(size=m) < 0.15
    p[missing] = np.nan
    for alpha in (0.05, 0.10):
        adjusted, flags = adjust_p_values(p, alpha=alpha)
        tested = ~missing
        if tested.any():
            reject, corrected, _, _ = multipletests(p[tested], alpha=alpha, method="fdr_bh")
            np.testing.assert_allclose(adjusted[tested], corrected, rtol=1e-15, atol=0)
            assert flags[tested].tolist() == reject.tolist()
        assert np.isnan(adjusted[missing]).all() and flags[missing].isna().all()
    # Every p-value exactly on its step-up boundary i alpha / m: all flagged (p <= boundary).
    boundary = np.arange(1, m + 1) / m * 0.05
    reject, corrected, _, _ = multipletests(boundary, alpha=0.05, method="fdr_bh")
    adjusted, flags = adjust_p_values(boundary, alpha=0.05)
    assert reject.all() and flags.tolist() == reject.tolist()
    np.testing.assert_allclose(adjusted, corrected, rtol=1e-15, atol=0)


def test_difference_test_is_the_two_sided_z_test():
    result = difference_test([3.0, -3.0, 0.0, 1.0], [1.5, 1.5, 0.0, 0.0], ci=0.90)
    z = stats.norm.ppf(0.95)
    np.testing.assert_allclose(result["p_value"][:2], 2 * stats.norm.sf(2.0))
    np.testing.assert_allclose(result["ci_low"][:2], [3 - 1.5 * z, -3 - 1.5 * z])
    assert result["p_value"][2] == 1.0 and result["p_value"][3] == 0.0


# ---------------------------------------------------------------- waves


def test_waves_in_natural_order_consecutive_and_first_last():
    study = survey()
    moves = wave_changes(study, outcomes=["csat"])
    assert moves[["wave_from", "wave_to"]].values.tolist() == [["W2", "W9"], ["W9", "W10"]]
    assert moves.attrs["waves"] == ["W2", "W9", "W10"]
    ends = wave_changes(study, between="first_last")
    assert ends[["outcome", "wave_from", "wave_to"]].values.tolist() == [
        ["csat", "W2", "W10"], ["nps", "W2", "W10"]]
    pairs = wave_changes(study, between=[("W10", "W2")], outcomes=["nps"])
    assert pairs["wave_from"].tolist() == ["W10"]
    with pytest.raises(ValueError, match="not found: W3"):
        wave_changes(study, between=[("W2", "W3")])


def test_unweighted_csat_move_equals_statsmodels_wald_test():
    from statsmodels.stats.proportion import (
        confint_proportions_2indep,
        test_proportions_2indep,
    )

    study = survey()
    moves = wave_changes(study, outcomes=["csat"], ci=0.95)
    data = study.data
    for _, row in moves.iterrows():
        a = data.loc[data["wave"] == row["wave_from"], "sat"]
        b = data.loc[data["wave"] == row["wave_to"], "sat"]
        # statsmodels compares the first minus the second: later wave first.
        test = test_proportions_2indep((b >= 4).sum(), len(b), (a >= 4).sum(), len(a),
                                       method="wald", compare="diff")
        low, high = confint_proportions_2indep((b >= 4).sum(), len(b), (a >= 4).sum(), len(a),
                                               method="wald", compare="diff")
        assert row["difference"] == pytest.approx(100 * test.diff, rel=1e-12)
        assert row["p_value"] == pytest.approx(test.pvalue, rel=1e-9)
        assert row["ci_low"] == pytest.approx(100 * low, rel=1e-9)
        assert row["ci_high"] == pytest.approx(100 * high, rel=1e-9)


def test_unweighted_nps_move_equals_a_z_test_of_respondent_scores():
    from statsmodels.stats.weightstats import ztest

    study = survey(seed=4)
    moves = wave_changes(study, outcomes=["nps"])
    data = study.data
    for _, row in moves.iterrows():
        # NPS is the mean of +100 (promoter), 0, -100 (detractor); its multinomial variance
        # is the variance of that score with divisor n (ddof=0).
        score = {w: 100.0 * ((g >= 9).astype(int) - (g <= 6).astype(int))
                 for w, g in data.groupby("wave")["rec"]}
        statistic, p = ztest(score[row["wave_to"]], score[row["wave_from"]], usevar="unequal",
                             ddof=0)
        assert row["p_value"] == pytest.approx(p, rel=1e-9)
        assert row["difference"] / row["se"] == pytest.approx(statistic, rel=1e-9)


def test_weighted_move_uses_kish_effective_n_by_hand():
    frame = pd.DataFrame({"wave": ["A"] * 5 + ["B"] * 5,
                          "sat": [5, 4, 2, 1, 5, 5, 5, 4, 3, 2],
                          "rec": [10, 9, 6, 3, 8, 10, 10, 9, 7, 0],
                          "a": [5, 4, 2, 1, 4, 5, 4, 4, 3, 2],
                          "w": [1.0, 2.0, 1.0, 0.5, 0.5, 1.0, 1.0, 1.0, 3.0, 1.0]})
    spec = {"wave": "wave", "weight": "w", "outcomes": {
        "csat": {"column": "sat", "kind": "csat"}, "nps": {"column": "rec", "kind": "nps"}},
        "dimensions": {"PX": {"attributes": ["a"]}}}
    moves = wave_changes(study_from_frame(frame, spec)).set_index("outcome")
    # Wave A: top-2 box weights 1 + 2 + 0.5 = 3.5 of 5 -> p = 0.7; n_eff = 25 / 6.5.
    # Wave B: 1 + 1 + 1 = 3 of 7 -> p = 3/7; n_eff = 49 / 13.
    p_a, n_a = 0.7, 25 / 6.5
    p_b, n_b = 3 / 7, 49 / 13
    se = 100 * np.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    assert moves.loc["csat", "difference"] == pytest.approx(100 * (p_b - p_a), rel=1e-12)
    assert moves.loc["csat", "se"] == pytest.approx(se, rel=1e-12)
    assert moves.loc["csat", "p_value"] == pytest.approx(
        2 * stats.norm.sf(abs(100 * (p_b - p_a)) / se), rel=1e-9)
    # NPS, wave A: promoters 1 + 2 = 3 of 5 (0.6), detractors 1 + 0.5 (0.3): NPS 30.
    # Wave B: promoters 1 + 1 + 1 = 3 of 7, detractors 1 of 7: NPS 200/7.
    var_a = (0.6 + 0.3 - 0.3 ** 2) / n_a
    var_b = (3 / 7 + 1 / 7 - (2 / 7) ** 2) / n_b
    assert moves.loc["nps", "difference"] == pytest.approx(200 / 7 - 30, rel=1e-12)
    assert moves.loc["nps", "se"] == pytest.approx(100 * np.sqrt(var_a + var_b), rel=1e-12)


def test_flags_are_corrected_within_each_outcome():
    study = survey(n=600, seed=2)
    moves = wave_changes(study)
    for _, rows in moves.groupby("outcome"):
        adjusted, _ = adjust_p_values(rows["p_value"].to_numpy())
        np.testing.assert_allclose(rows["p_adjusted"], adjusted)
        assert (rows["significant"] == (rows["p_adjusted"] <= 0.05)).all()
    pooled = wave_changes(study, family="table")
    np.testing.assert_allclose(pooled["p_adjusted"],
                               adjust_p_values(pooled["p_value"].to_numpy())[0])
    assert "Benjamini-Hochberg" in moves.attrs["adjustment"]


def test_the_bank_study_trend_has_the_stated_p_values():
    """The executive summary's "CSAT -4.5 points, NPS +10.0 points", first wave to last,
    recomputed from the raw answers: weighted shares and Kish's n, written out here."""
    study = drivers.load_study(drivers.bank_loan_study_file())
    moves = wave_changes(study, between="first_last").set_index("outcome")
    data = study.data

    def score_and_variance(rows, kind):
        w = rows["weight"].to_numpy()
        n_eff = w.sum() ** 2 / (w ** 2).sum()
        if kind == "csat":
            p = np.average(rows["csat"] >= 4, weights=w)
            return 100 * p, p * (1 - p) / n_eff * 1e4
        p = np.average(rows["recommend"] >= 9, weights=w)
        d = np.average(rows["recommend"] <= 6, weights=w)
        return 100 * (p - d), (p + d - (p - d) ** 2) / n_eff * 1e4

    for kind, column in (("csat", "csat"), ("nps", "recommend")):
        first = data[(data["wave"] == "2026Q1") & data[column].notna()]
        last = data[(data["wave"] == "2026Q3") & data[column].notna()]
        (s1, v1), (s2, v2) = score_and_variance(first, kind), score_and_variance(last, kind)
        p = 2 * stats.norm.sf(abs(s2 - s1) / np.sqrt(v1 + v2))
        assert moves.loc[kind, "difference"] == pytest.approx(s2 - s1, rel=1e-12)
        assert moves.loc[kind, "p_value"] == pytest.approx(p, rel=1e-9)
    assert round(moves.loc["csat", "difference"], 1) == -4.5
    assert round(moves.loc["csat", "p_value"], 2) == 0.10
    assert round(moves.loc["nps", "difference"], 1) == 10.0
    assert round(moves.loc["nps", "p_value"], 2) == 0.03
    assert moves.loc["nps", "significant"] and not moves.loc["csat", "significant"]


# ---------------------------------------------------------------- segments


def test_segment_against_the_rest_by_hand():
    study = survey(weights=True, seed=6)
    gaps = segment_differences(study, outcomes=["csat"])
    assert gaps["level"].tolist() == ["app", "branch", "web"]
    assert (gaps["compared_with"] == "rest").all()
    data = study.data
    for _, row in gaps.iterrows():
        inside = data["channel"] == row["level"]
        parts = []
        for rows in (data[inside], data[~inside]):
            w = rows["w"].to_numpy()
            p = np.average(rows["sat"] >= 4, weights=w)
            parts.append((100 * p, 1e4 * p * (1 - p) * (w ** 2).sum() / w.sum() ** 2))
        (s1, v1), (s2, v2) = parts
        assert row["difference"] == pytest.approx(s1 - s2, rel=1e-12)
        assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(s1 - s2) / np.sqrt(v1 + v2)),
                                               rel=1e-9)
    np.testing.assert_allclose(gaps["p_adjusted"], adjust_p_values(gaps["p_value"])[0])


def test_two_segments_make_one_comparison():
    study = survey()
    study.data["channel"] = np.where(study.data["channel"] == "app", "app", "other")
    gaps = segment_differences(study, by="channel")
    assert gaps[["outcome", "level", "compared_with"]].values.tolist() == [
        ["csat", "app", "other"], ["nps", "app", "other"]]
    with pytest.raises(ValueError, match="not in the data"):
        segment_differences(study, by="region")


# ---------------------------------------------------------------- importance between waves


def test_importance_change_standard_error_matches_scipy_bootstrap():
    """Independent samples: scipy resamples each wave on its own; the standard error of the
    difference in share must agree with ours within Monte Carlo error."""
    from drivers.importance import shapley_core

    rng = np.random.default_rng(3)
    n = 200
    X = np.clip(np.round(5 + 1.5 * rng.normal(size=(2 * n, 3))), 1, 9)
    effects = np.where(np.arange(2 * n)[:, None] < n, [1.0, 0.5, 0.2], [0.6, 0.8, 0.2])
    y = np.clip(np.round(50 + 5 * ((X - 5) * effects).sum(axis=1)
                         + 8 * rng.normal(size=2 * n)), 0, 100)
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=y, wave=["W1"] * n + ["W2"] * n)
    spec = {"wave": "wave", "attribute_scale": [1, 9],
            "outcomes": {"sat": {"column": "y", "kind": "rating", "scale": [0, 100]}},
            "dimensions": {"PX": {"attributes": ["a", "b", "c"]}}}
    study = study_from_frame(frame, spec)
    moved = importance_changes(study, "sat", bootstrap=1000, seed=5, n_jobs=1)

    def share(rows):
        values = shapley_core(X[rows], y[rows])
        return values / values.sum()

    first, second = np.arange(n), np.arange(n, 2 * n)
    # The point difference: the later wave's share minus the earlier one's.
    np.testing.assert_allclose(moved["difference"], share(second) - share(first), rtol=1e-10)
    reference = stats.bootstrap((first, second), lambda a, b: share(b)[0] - share(a)[0],
                                paired=False, vectorized=False, n_resamples=1000,
                                method="percentile", random_state=np.random.default_rng(9))
    assert moved.loc[0, "se"] == pytest.approx(reference.standard_error, rel=0.10)
    assert moved.loc[0, "significant"] and moved.loc[0, "difference"] < 0
    assert moved.loc[2, "p_value"] > 0.05
    assert moved.attrs["n"] == {"W1": n, "W2": n}


def test_importance_changes_on_the_bank_study_state_base_and_family():
    study = drivers.load_study(drivers.bank_loan_study_file())
    moved = importance_changes(study, "csat", level="dimension", between="consecutive",
                               bootstrap=40, seed=2, n_jobs=1)
    assert moved[["wave_from", "wave_to"]].drop_duplicates().values.tolist() == [
        ["2026Q1", "2026Q2"], ["2026Q2", "2026Q3"]]
    assert moved.attrs["base"]["rule"] == "driver"
    assert sum(moved.attrs["n"].values()) == moved.attrs["base"]["n"]
    np.testing.assert_allclose(moved["p_adjusted"], adjust_p_values(moved["p_value"])[0])
    assert ((moved["ci_low"] > 0) | (moved["ci_high"] < 0)).tolist() == \
        (moved["p_value"] < 0.05).tolist()
