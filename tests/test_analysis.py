"""DriverAnalysis, study_importance, compare and the bootstrap behind importance()."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import drivers
from drivers.analysis import (
    DriverAnalysis,
    compare,
    compare_pairs,
    driver_base,
    lead_labels,
    study_importance,
)
from drivers.bootstrap import percentile_interval, resample_counts
from drivers.importance import importance, importance_details, shapley_core


@pytest.fixture(scope="module")
def study():
    return drivers.load_study(drivers.bank_loan_study_file())


@pytest.fixture(scope="module")
def dimension_comparison(study):
    return compare(study, level="dimension", bootstrap=200, seed=11, n_jobs=1)


def test_compare_finds_the_planted_truth_with_separating_intervals(dimension_comparison):
    table = dimension_comparison.set_index("driver")
    # data/bank_loan/README.md: CSAT is led by BX, NPS by SX.
    assert table["share_csat"].idxmax() == "BX"
    assert table["share_nps"].idxmax() == "SX"
    assert table.loc["BX", "diff_ci_low"] > 0 and table.loc["BX", "lead"] == "CSAT-led"
    assert table.loc["SX", "diff_ci_high"] < 0 and table.loc["SX", "lead"] == "NPS-led"
    # BX's interval for CSAT lies above SX's; for NPS the other way round.
    assert table.loc["BX", "share_csat_ci_low"] > table.loc["SX", "share_csat_ci_high"]
    assert table.loc["SX", "share_nps_ci_low"] > table.loc["BX", "share_nps_ci_high"]


def test_compare_columns_and_facts(dimension_comparison):
    expected = ["driver", "label", "dimension",
                "importance_csat", "share_csat", "rank_csat",
                "share_csat_ci_low", "share_csat_ci_high",
                "importance_nps", "share_nps", "rank_nps", "share_nps_ci_low",
                "share_nps_ci_high", "diff", "diff_ci_low", "diff_ci_high", "p_value",
                "p_adjusted", "significant", "lead"]
    assert list(dimension_comparison.columns) == expected
    facts = dimension_comparison.attrs
    assert facts["outcomes"] == ["csat", "nps"]
    assert facts["n_used"] + facts["n_dropped"] == 2000
    assert sum(facts["dropped_reasons"].values()) == facts["n_dropped"]
    assert facts["dropped_reasons"]["not_applicable"] == facts["base"]["not_applicable"] == 650
    assert facts["base"]["rule"] == "driver" and facts["missing"] == "pairwise"
    assert facts["n_used"] == facts["base"]["n"] == 1339
    assert facts["min_difference"] == 0.03 and "Benjamini-Hochberg" in facts["adjustment"]
    for name in ("csat", "nps"):
        assert dimension_comparison[f"share_{name}"].sum() == pytest.approx(1.0)
        assert dimension_comparison[f"importance_{name}"].sum() == pytest.approx(
            facts["r2"][name], abs=1e-12)
    np.testing.assert_allclose(dimension_comparison["diff"],
                               dimension_comparison["share_csat"]
                               - dimension_comparison["share_nps"])


def test_compare_point_estimates_equal_importance_on_the_common_base(study,
                                                                     dimension_comparison):
    # The driver base, by hand: no "not applicable" attribute, every outcome answered.
    applicable = ~(study.missing[study.attribute_columns] == "not_applicable").any(axis=1)
    answered = study.data[["csat", "recommend", "effort"]].notna().all(axis=1)
    rows = study.data.loc[applicable & answered]
    assert len(rows) == 1339
    for name, column in (("csat", "csat"), ("nps", "recommend")):
        single = importance(rows, column, groups=study.groups, weights="weight",
                            missing="pairwise")
        np.testing.assert_allclose(dimension_comparison[f"importance_{name}"],
                                   single["importance"], rtol=1e-12)


def _paired_share_differences(study, columns, resamples, seed, answered=None):
    """By hand: the complete rows (``answered`` outcomes and every attribute) and, for each
    paired resample drawn from ``seed``, the dimension shares of the first outcome column
    minus those of the second (grouped Shapley by shapley_core, weights x counts)."""
    answered = list(columns) if answered is None else answered
    complete = (study.data[answered].notna().all(axis=1)
                & study.data[study.attribute_columns].notna().all(axis=1))
    frame = study.data.loc[complete]
    X = frame[study.attribute_columns].to_numpy(float)
    w = frame["weight"].to_numpy(float)
    groups = [[study.attribute_columns.index(c) for c in cols] for cols in study.groups.values()]
    diffs = []
    for block in resample_counts(len(frame), resamples, seed=seed):
        for counts in block:
            a, b = (shapley_core(X, frame[c].to_numpy(float), w * counts, groups=groups)
                    for c in columns)
            diffs.append(a / a.sum() - b / b.sum())
    return complete, diffs


def test_paired_difference_interval_equals_a_by_hand_paired_bootstrap(study):
    """Rebuild the paired resamples from the same seed and compute the difference by hand."""
    listwise = compare(study, level="dimension", bootstrap=200, seed=11, n_jobs=1, base="all",
                       missing="listwise")
    complete, diffs = _paired_share_differences(study, ("csat", "recommend"), 200, seed=11)
    low, high = percentile_interval(np.array(diffs), 0.95)
    np.testing.assert_allclose(listwise["diff_ci_low"], low, rtol=1e-10)
    np.testing.assert_allclose(listwise["diff_ci_high"], high, rtol=1e-10)
    # The lead test: z = diff / sd(paired differences), two-sided, then Benjamini-Hochberg.
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    diffs = np.array(diffs)
    p = 2 * stats.norm.sf(np.abs(listwise["diff"]) / diffs.std(axis=0, ddof=1))
    np.testing.assert_allclose(listwise["p_value"], p, rtol=1e-9)
    np.testing.assert_allclose(listwise["p_adjusted"],
                               multipletests(p, method="fdr_bh")[1], rtol=1e-9)
    assert listwise.attrs["base"]["rule"] == "all" and listwise.attrs["n_used"] < 1000


def test_compare_pairs_shares_one_bootstrap_and_equals_compare_pair_by_pair(study):
    """One joint bootstrap of CSAT, NPS and CES gives each pair's compare() table."""
    joint = compare_pairs(study, [("csat", "nps"), ("ces", "csat")], level="dimension",
                          bootstrap=60, seed=5, n_jobs=1)
    for pair in (("csat", "nps"), ("ces", "csat")):
        alone = compare(study, outcomes=pair, level="dimension", bootstrap=60, seed=5,
                        n_jobs=1)
        pd.testing.assert_frame_equal(joint[pair], alone, rtol=1e-12, atol=1e-14)
        assert joint[pair].attrs["outcomes"] == list(pair)
        assert joint[pair].attrs["n_used"] == alone.attrs["n_used"]


def test_compare_pairs_difference_interval_by_hand(study):
    """CES minus CSAT from the joint resamples, rebuilt with shapley_core on every outcome
    answered (listwise, every respondent): the same percentile interval."""
    joint = compare_pairs(study, [("csat", "nps"), ("ces", "csat")], level="dimension",
                          bootstrap=80, seed=3, n_jobs=1, base="all", missing="listwise")
    table = joint["ces", "csat"]
    complete, diffs = _paired_share_differences(study, ("effort", "csat"), 80, seed=3,
                                                answered=["csat", "recommend", "effort"])
    low, high = percentile_interval(np.array(diffs), 0.95)
    np.testing.assert_allclose(table["diff_ci_low"], low, rtol=1e-10)
    np.testing.assert_allclose(table["diff_ci_high"], high, rtol=1e-10)
    assert table.attrs["n_used"] == int(complete.sum())
    # The CSAT-NPS table of the same call stands on the same respondents.
    assert joint["csat", "nps"].attrs["n_used"] == int(complete.sum())


def test_compare_is_reproducible_and_independent_of_worker_count(study, dimension_comparison,
                                                                  monkeypatch):
    import drivers.bootstrap

    monkeypatch.setattr(drivers.bootstrap, "PROCESS_WORTH_SECONDS", 0.0)  # force the workers
    again = compare(study, level="dimension", bootstrap=200, seed=11, n_jobs=2)
    pd.testing.assert_frame_equal(again, dimension_comparison)
    other = compare(study, level="dimension", bootstrap=200, seed=12, n_jobs=1)
    assert not np.allclose(other["diff_ci_low"], dimension_comparison["diff_ci_low"])


def test_compare_without_bootstrap_says_untested(study):
    table = compare(study, level="dimension", bootstrap=0, dimension_mode="composite")
    assert set(table["lead"]) == {"untested"}
    assert table[["diff_ci_low", "diff_ci_high"]].isna().all().all()
    assert any("no bootstrap" in w for w in table.attrs["warnings"])


def test_compare_attribute_level_pairwise_keeps_everyone(study):
    table = compare(study, level="attribute", bootstrap=20, seed=3, missing="pairwise",
                    base="all", n_jobs=1)
    assert len(table) == len(study.attribute_columns)
    assert table.attrs["n_used"] == 2000 - sum(table.attrs["dropped_reasons"].values())
    assert table.attrs["n_used"] > 1900
    top_nps = table.sort_values("rank_nps")["dimension"].head(3).tolist()
    assert top_nps == ["SX", "SX", "SX"]


def test_compare_checks_its_arguments(study):
    with pytest.raises(ValueError, match="two different outcomes"):
        compare(study, outcomes=("csat", "csat"), bootstrap=0)
    with pytest.raises(KeyError, match="no outcome 'loyalty'"):
        compare(study, outcomes=("csat", "loyalty"), bootstrap=0)
    with pytest.raises(ValueError, match="level must be"):
        compare(study, level="item", bootstrap=0)


def test_importance_bootstrap_intervals_and_indistinguishable_drivers():
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(rng.normal(size=(600, 4)), columns=["big", "twin_a", "twin_b", "noise"])
    frame["y"] = 1.0 * frame["big"] + 0.4 * frame["twin_a"] + 0.4 * frame["twin_b"] \
        + rng.normal(size=600)
    table = importance(frame, "y", ["big", "twin_a", "twin_b", "noise"], bootstrap=300,
                       seed=2, n_jobs=1).set_index("driver")
    assert (table["ci_low"] <= table["importance"]).all()
    assert (table["importance"] <= table["ci_high"]).all()
    assert table.loc["noise", "share_ci_low"] < 0.01
    # Equal true effects: the twins cannot be told apart; the big driver is clearly first.
    assert "twin_b" in table.loc["twin_a", "indistinguishable_from"]
    assert table.loc["big", "indistinguishable_from"] == ""
    assert table.loc["big", "rank_ci_low"] == table.loc["big", "rank_ci_high"] == 1
    assert table.attrs["bootstrap"] == 300


def test_importance_bootstrap_respects_weights_as_frequencies():
    """Weights 2 on a row give the same resampling statistic as the row written twice."""
    rng = np.random.default_rng(8)
    frame = pd.DataFrame(rng.normal(size=(150, 3)), columns=["a", "b", "y"])
    weights = rng.integers(1, 3, size=150).astype(float)
    weighted = importance(frame.assign(w=weights), "y", ["a", "b"], weights="w")
    repeated = importance(frame.loc[frame.index.repeat(weights.astype(int))], "y", ["a", "b"])
    np.testing.assert_allclose(weighted["importance"], repeated["importance"], rtol=1e-10)


def test_bootstrap_details_are_consistent_across_methods():
    rng = np.random.default_rng(6)
    frame = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    frame["y"] = frame @ [0.5, 0.3, 0.0] + rng.normal(size=300)
    for method in ("shapley", "relative_weights", "beta", "pratt", "correlation"):
        details = importance_details(frame, "y", ["a", "b", "c"], method=method, bootstrap=60,
                                     seed=1, n_jobs=1)
        assert details.samples.shape == (60, 3)
        assert len(details.pairwise) == 6
        np.testing.assert_allclose(np.nansum(details.share_samples, axis=1), 1.0)
    pairwise = importance(frame, "y", ["a", "b", "c"], missing="pairwise", bootstrap=30, seed=1,
                          n_jobs=1)
    assert pairwise["ci_low"].notna().all()


def test_importance_bootstrap_rejects_bad_counts():
    frame = pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "y": [2.0, 1, 4, 3, 5]})
    with pytest.raises(ValueError, match="bootstrap must be a whole number"):
        importance(frame, "y", ["a"], bootstrap=-5)


def test_driver_analysis_on_a_study(study):
    model = DriverAnalysis("nps", bootstrap=40, seed=5, n_jobs=1)
    with pytest.raises(ValueError, match="not fitted"):
        model.summary  # noqa: B018
    assert model.fit(study) is model
    assert model.summary.sort_values("rank")["dimension"].iloc[0] == "SX"
    assert {"label", "dimension", "share_ci_low"} <= set(model.summary.columns)
    assert set(model.diagnostics.columns) >= {"driver", "vif", "beta", "r", "sign_reversal"}
    assert model.n_used_ + model.n_dropped_ == 2000
    assert model.dropped_reasons_["not_applicable"] == model.base_["not_applicable"] == 650
    assert model.n_used_ == model.base_["n"] == 1339
    assert dict(model.header())["missing"] == "pairwise"
    # The whole sample, listwise: what the package did before the driver base.
    everyone = DriverAnalysis("nps", base="all", missing="listwise").fit(study)
    assert any("not_applicable" in w for w in everyone.warnings_)
    assert 0 < everyone.cv_r2_ < everyone.r2_ < 1 and everyone.n_used_ < 1000
    assert model.pairwise_ is not None and model.samples_.shape == (40, 21)
    html = model._repr_html_()
    assert "sx_agent_expertise" in html and "n used" in html
    ax = model.plot()
    assert ax.get_figure() is not None
    plt.close("all")


def test_driver_analysis_print_summary(study, capsys):
    DriverAnalysis("csat", groups="dimensions").fit(study).print_summary()
    out = capsys.readouterr().out
    assert "n used" in out and "R²" in out and "BX" in out


def test_driver_analysis_on_a_frame_equals_importance():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "y"])
    model = DriverAnalysis("y", drivers=["a", "b"], method="relative_weights").fit(frame)
    pd.testing.assert_frame_equal(model.summary,
                                  importance(frame, "y", ["a", "b"], method="relative_weights"))
    with pytest.raises(ValueError, match="needs a Study"):
        DriverAnalysis("y", groups="dimensions").fit(frame)


def test_study_importance_both_levels(study):
    table = study_importance(study, "csat")
    dims = table[table["level"] == "dimension"]
    attrs = table[table["level"] == "attribute"]
    assert dims.sort_values("rank")["driver"].iloc[0] == "BX"
    assert len(attrs) == len(study.attribute_columns)
    sums = attrs.groupby("dimension")["share_in_dimension"].sum()
    np.testing.assert_allclose(sums, 1.0)
    assert attrs.groupby("dimension")["rank_in_dimension"].min().eq(1).all()
    composite = study_importance(study, "csat", dimension_mode="composite")
    assert composite.query("level == 'dimension'").sort_values("rank")["driver"].iloc[0] == "BX"
    with pytest.raises(ValueError, match="dimension_mode"):
        study_importance(study, "csat", dimension_mode="mean")


def test_rows_dropped_for_several_reasons_count_under_the_widespread_one():
    frame = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6, 7, 8],
                          "a": [98, 1, 2, 3, 4, 5, 6, 7],
                          "s1": [99, 99, 99, 1, 2, 3, 4, 5],
                          "s2": [99, 99, 99, 2, 1, 3, 5, 4]})
    table = importance(frame, "y", ["a", "s1", "s2"],
                       missing_codes={98: "dont_know", 99: "not_applicable"})
    assert table.attrs["dropped_reasons"] == {"not_applicable": 3}


def test_priority_matrix_reuses_a_study_importance_table(study):
    from drivers.priority import study_priority

    table = study_importance(study, "nps", bootstrap=30, seed=2, n_jobs=1)
    rows = table[table["level"] == "dimension"]
    matrix = study_priority(study, "nps", level="dimension", importance_table=rows)
    fresh = study_priority(study, "nps", level="dimension", bootstrap=30, seed=2)
    np.testing.assert_allclose(matrix["importance"], fresh["importance"])
    np.testing.assert_allclose(matrix["importance_ci_low"], fresh["importance_ci_low"])
    assert matrix.attrs["n"] == table.attrs["n_used"]["dimension"] < 2000
    with pytest.raises(ValueError, match="not the study's attributes"):
        study_priority(study, "nps", level="attribute", importance_table=rows)


# ---------------------------------------------------------------- one base, one answer


def small_coded_study():
    """Eight respondents: an attribute block not applicable to two, a blank outcome for one,
    a "don't know" for one (kept: handled pairwise)."""
    frame = pd.DataFrame({
        "sat": [5, 4, 3, 2, 4, 5, np.nan, 3, 4, 2],
        "rec": [9, 8, 6, 3, 7, 10, 8, 5, 9, 4],
        "a": [5, 4, 3, 2, 4, 5, 4, 3, 98, 2],
        "s": [5, 4, 99, 99, 3, 4, 5, 3, 4, 1],
    })
    spec = {"missing_codes": {98: "dont_know", 99: "not_applicable"},
            "outcomes": {"csat": {"column": "sat", "kind": "csat"},
                         "nps": {"column": "rec", "kind": "nps"}},
            "dimensions": {"PX": {"attributes": ["a"]}, "SX": {"attributes": ["s"]}}}
    return drivers.study_from_frame(frame, spec)


def test_driver_base_rule_by_hand():
    study = small_coded_study()
    base, facts = driver_base(study)
    # Rows 2 and 3 had SX not applicable; row 6 left CSAT blank; row 8 ("don't know") stays.
    assert base.data.index.tolist() == [0, 1, 4, 5, 7, 8, 9]
    assert facts["n"] == 7 and facts["total"] == 10 and facts["not_applicable"] == 2
    assert facts["outcome_missing"] == {"csat": 1} and facts["dimensions"] == ["SX"]
    assert facts["missing"] == "pairwise"
    only_nps, nps_facts = driver_base(study, outcomes=["nps"])
    assert nps_facts["n"] == 8 and nps_facts["outcome_missing"] == {}
    full = drivers.study_from_frame(study.data.dropna().query("s < 90"),
                                    {"outcomes": {"csat": {"column": "sat", "kind": "csat"}},
                                     "dimensions": {"PX": {"attributes": ["a", "s"]}}})
    assert driver_base(full)[0] is full


def test_one_base_one_answer_across_the_api(study):
    """DriverAnalysis, study_importance, compare and study_priority analyse the same
    respondents and give the same shares for the same question."""
    from drivers.priority import study_priority

    model = DriverAnalysis("nps").fit(study)
    levels = study_importance(study, "nps")
    pair = compare(study, bootstrap=0)
    matrix = study_priority(study, "nps")
    attributes = levels[levels["level"] == "attribute"]
    np.testing.assert_allclose(model.summary["share"], attributes["share"], rtol=1e-12)
    np.testing.assert_allclose(model.summary["share"], pair["share_nps"], rtol=1e-12)
    np.testing.assert_allclose(model.summary["share"], matrix["importance"], rtol=1e-12)
    assert model.n_used_ == pair.attrs["n_used"] == levels.attrs["n_used"]["attribute"] \
        == matrix.attrs["n"] == 1339
    for facts in (model.summary.attrs["base"], levels.attrs["base"], pair.attrs["base"],
                  matrix.attrs["base"]):
        assert facts["rule"] == "driver" and facts["n"] == 1339
        assert "not applicable" in facts["description"]
    assert model.r2_ == pytest.approx(pair.attrs["r2"]["nps"], rel=1e-12)


def test_compare_and_importance_work_for_ces(study):
    table = compare(study, outcomes=("csat", "ces"), level="dimension", bootstrap=30, seed=2,
                    n_jobs=1)
    assert table["share_ces"].sum() == pytest.approx(1.0)
    # data/bank_loan/README.md: effort is driven by the product (PX).
    assert table.set_index("driver")["share_ces"].idxmax() == "PX"
    assert set(table["lead"]) <= {"CSAT-led", "CES-led", "shared"}
    ces = study_importance(study, "ces")
    assert ces.attrs["base"]["n"] == 1339
    np.testing.assert_allclose(ces.query("level == 'dimension'")["share"], table["share_ces"],
                               rtol=1e-12)


# ---------------------------------------------------------------- lead labels


def exact_samples(diff, se, n=400):
    """Resamples whose differences have exactly mean ``diff`` and standard deviation ``se``."""
    from scipy import stats

    z = stats.norm.ppf((np.arange(n) + 0.5) / n)
    z = (z - z.mean()) / z.std(ddof=1)
    return np.asarray(diff) + np.outer(z, se)


def test_lead_labels_need_the_corrected_test_and_the_minimum_difference():
    from scipy import stats

    # Ten drivers: one clear CSAT lead, one clear NPS lead (sign!), one significant but
    # below 3 points, one whose raw p of 0.012 does not survive Benjamini-Hochberg.
    diff = np.array([0.10, -0.08, 0.02, 0.0252, 0, 0, 0, 0, 0, 0])
    z_raw = stats.norm.isf(0.012 / 2)
    se = np.array([0.01, 0.01, 0.004, 0.0252 / z_raw, 1, 1, 1, 1, 1, 1]) * 1.0
    labels = lead_labels(diff, exact_samples(diff, se), ("csat", "nps"), ci=0.95,
                         min_difference=0.02)
    p = 2 * stats.norm.sf(np.abs(diff) / se)
    np.testing.assert_allclose(labels["p_value"], p, rtol=1e-9)
    assert labels["p_value"][3] == pytest.approx(0.012, rel=1e-6)
    # BH by hand: sorted p = (~0, ~0, 5.7e-7, 0.012, 1, ...); the fourth is 0.012 * 10 / 4.
    assert labels["p_adjusted"][3] == pytest.approx(0.03, rel=1e-6)
    assert labels["lead"].tolist()[:4] == ["CSAT-led", "NPS-led", "CSAT-led", "CSAT-led"]
    strict = lead_labels(diff, exact_samples(diff, se), ("csat", "nps"), ci=0.95)
    # min_difference 0.03: the 2- and 2.5-point gaps are shared although significant.
    assert strict["lead"].tolist()[:4] == ["CSAT-led", "NPS-led", "shared", "shared"]
    assert strict["significant"].tolist()[:4] == [True, True, True, True]
    # With 40 null drivers in the family, the raw p of 0.012 no longer survives.
    many_diff = np.concatenate([diff, np.zeros(30)])
    many_se = np.concatenate([se, np.ones(30)])
    crowded = lead_labels(many_diff, exact_samples(many_diff, many_se), ("csat", "nps"),
                          min_difference=0.02)
    assert crowded["p_adjusted"][3] == pytest.approx(0.012 * 40 / 4, rel=1e-6)
    assert crowded["lead"][3] == "shared" and not crowded["significant"][3]


def test_lead_labels_untested_without_resamples():
    labels = lead_labels(np.array([0.2, -0.2]), None, ("csat", "nps"))
    assert labels["lead"].tolist() == ["untested", "untested"]
    assert labels["significant"].isna().all()


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_both_outcomes_in_one_sweep_equal_one_outcome_at_a_time(study, missing):
    """compare's paired statistic sweeps CSAT and NPS together; the values must be those of
    the per-outcome statistic on every resample (pairwise blanks included)."""
    from drivers.importance import bootstrap_statistic
    from drivers.paired import PairedStatistic

    columns = study.attribute_columns
    frame = study.data.loc[study.data[["csat", "recommend"]].notna().all(axis=1)]
    if missing == "listwise":
        frame = frame.loc[frame[columns].notna().all(axis=1)]
    X = frame[columns].to_numpy(float)
    Y = frame[["csat", "recommend"]].to_numpy(float)
    w = frame["weight"].to_numpy(float)
    groups = [[columns.index(c) for c in cols] for cols in study.groups.values()]
    for grouping in (None, groups):
        paired = PairedStatistic("shapley", grouping, missing, None)
        one = bootstrap_statistic("shapley", grouping, missing, None)
        for counts in resample_counts(len(frame), 3, seed=5)[0]:
            expected = np.concatenate([one(X, Y[:, 0], w * counts), one(X, Y[:, 1], w * counts)])
            np.testing.assert_allclose(paired(X, Y, w * counts), expected, rtol=0, atol=1e-12)


def test_paired_statistic_keeps_its_sums_for_its_own_rows_only(study):
    """The paired statistic keeps the weight-free pairwise sums of the rows it is given (the
    same in every resample); given other rows, it must not answer from the kept ones."""
    import pickle

    from drivers.paired import PairedStatistic

    columns = study.attribute_columns
    frame = study.data.loc[study.data[["csat", "recommend"]].notna().all(axis=1)]
    halves = [frame.iloc[:700], frame.iloc[700:]]
    data = [(h[columns].to_numpy(float), h[["csat", "recommend"]].to_numpy(float),
             h["weight"].to_numpy(float)) for h in halves]
    paired = PairedStatistic("shapley", None, "pairwise", None)
    for X, Y, w in data + data[::-1]:
        fresh = PairedStatistic("shapley", None, "pairwise", None)(X, Y, w)
        assert np.array_equal(paired(X, Y, w), fresh)
    assert pickle.loads(pickle.dumps(paired))._sums is None  # workers get no rows of ours


def test_both_outcomes_fall_back_to_one_at_a_time_when_pairwise_needs_repair():
    """Pairwise blanks can make one outcome's correlation matrix indefinite; that outcome is
    repaired on its own (as importance does), so the joint sweep must not be used."""
    from drivers.correlation import is_positive_definite, pairwise_correlation
    from drivers.importance import bootstrap_statistic
    from drivers.paired import PairedStatistic

    rng = np.random.default_rng(3)
    n = 300
    base = rng.normal(size=n)
    x1, x2 = base + 0.3 * rng.normal(size=n), base + 0.3 * rng.normal(size=n)
    first = np.where(np.arange(n) < 200, x1 + 0.3 * rng.normal(size=n),
                     -x2 + 0.3 * rng.normal(size=n))
    second = x1 + x2 + rng.normal(size=n)
    # x1 and x2 seen together on rows 0-99; the first outcome with x1 on 100-199 (positive)
    # and with x2 on 200-299 (negative): a pairwise matrix no data set could have.
    x1[200:], x2[100:200], first[:100] = np.nan, np.nan, np.nan
    X, Y = np.column_stack([x1, x2]), np.column_stack([first, second])
    corr = pairwise_correlation(np.column_stack([X, Y[:, 0]]), None)[0].to_numpy()
    assert not is_positive_definite(corr)
    paired = PairedStatistic("shapley", None, "pairwise", None)
    one = bootstrap_statistic("shapley", None, "pairwise", None)
    w = np.ones(n)
    expected = np.concatenate([one(X, Y[:, 0], w), one(X, Y[:, 1], w)])
    np.testing.assert_allclose(paired(X, Y, w), expected, rtol=0, atol=1e-12)
