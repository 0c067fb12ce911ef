"""The simulator: reproducible bytes, values within their scales or codes, and a recoverable truth."""

from __future__ import annotations

import itertools
from math import factorial

import numpy as np
import pandas as pd
import pytest
import yaml

from drivers.paths import data_dir
from drivers.simulate import (
    ATTRIBUTES,
    DEFAULT_SEED,
    OUTCOMES,
    main,
    simulate_bank_loan,
    write_bank_loan,
)

BUNDLED = data_dir() / "bank_loan"
GROUPS = {d: [item.column for item in items] for d, items in ATTRIBUTES.items()}
ATTRIBUTE_COLUMNS = [c for columns in GROUPS.values() for c in columns]


@pytest.fixture(scope="module")
def bundled():
    """The default simulation (what data/bank_loan holds), generated once for the module."""
    return simulate_bank_loan()


def composites(survey: pd.DataFrame) -> pd.DataFrame:
    """Mean of the answered attributes per dimension (codes and blanks left out)."""
    values = survey[ATTRIBUTE_COLUMNS].astype(float)
    values = values.where(values <= 5)
    return pd.DataFrame({d: values[c].mean(axis=1) for d, c in GROUPS.items()})


def r_squared(X: np.ndarray, y: np.ndarray) -> float:
    design = np.column_stack([np.ones(len(y)), X])
    residual = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    return 1 - residual @ residual / ((y - y.mean()) @ (y - y.mean()))


def shapley_shares(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Exact Shapley decomposition of R² over the columns of X, as shares of the full R²."""
    p = X.shape[1]
    fit = {S: r_squared(X[:, list(S)], y) if S else 0.0
           for k in range(p + 1) for S in itertools.combinations(range(p), k)}
    values = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for k in range(p):
            for S in itertools.combinations(others, k):
                weight = factorial(k) * factorial(p - k - 1) / factorial(p)
                values[j] += weight * (fit[tuple(sorted((*S, j)))] - fit[S])
    return values / values.sum()


def driver_fit(survey: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series]:
    """(standardized OLS betas, Shapley shares) of the dimension composites, SX answerers only."""
    scores = composites(survey)
    keep = scores.notna().all(axis=1) & survey[column].notna()
    X = scores[keep].to_numpy()
    y = survey.loc[keep, column].astype(float).to_numpy()
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    design = np.column_stack([np.ones(len(y)), X])
    betas = np.linalg.lstsq(design, y / y.std(), rcond=None)[0][1:]
    return (pd.Series(betas, index=scores.columns),
            pd.Series(shapley_shares(X, y), index=scores.columns))


# ---- reproducibility -----------------------------------------------------------------------
def test_same_seed_same_data_other_seed_other_data():
    first, spec = simulate_bank_loan(n=300, seed=5)
    again, spec_again = simulate_bank_loan(n=300, seed=5)
    other, _ = simulate_bank_loan(n=300, seed=6)
    pd.testing.assert_frame_equal(first, again)
    assert spec == spec_again
    assert not first[ATTRIBUTE_COLUMNS + ["csat", "recommend"]].equals(
        other[ATTRIBUTE_COLUMNS + ["csat", "recommend"]])


def test_command_line_writes_identical_bytes_and_matches_the_bundled_files(tmp_path, capsys):
    for run in ("one", "two"):
        assert main(["--out", str(tmp_path / run)]) == 0
    assert "survey.csv" in capsys.readouterr().out
    for name in ("survey.csv", "study.yaml"):
        produced = (tmp_path / "one" / name).read_bytes()
        assert produced == (tmp_path / "two" / name).read_bytes()
        # The committed data must never drift from its generator: `make data` re-creates it.
        assert produced == (BUNDLED / name).read_bytes(), f"data/bank_loan/{name} is stale"


def test_written_files_load_back_as_generated(tmp_path):
    survey_path, study_path = write_bank_loan(tmp_path, n=120, seed=2, waves=2)
    survey, spec = simulate_bank_loan(n=120, seed=2, waves=2)
    text = survey_path.read_text(encoding="utf-8")
    assert "\r" not in text and ".0," not in text  # codes as integers, no float leakage
    assert text.splitlines()[1].split(",")[5] == f"{survey['weight'].iloc[0]:.4f}"
    back = pd.read_csv(survey_path, keep_default_na=False, na_values=[""])
    for column in ATTRIBUTE_COLUMNS + ["csat", "recommend", "effort", "weight"]:
        np.testing.assert_array_equal(back[column].to_numpy(dtype=float),
                                      survey[column].to_numpy(dtype=float, na_value=np.nan))
    assert yaml.safe_load(study_path.read_text(encoding="utf-8")) == spec
    assert "品牌体验" in study_path.read_text(encoding="utf-8")  # readable, not \u-escaped


# ---- shape, scales, codes ------------------------------------------------------------------
def test_columns_ids_waves_segments_and_weights(bundled):
    survey, spec = bundled
    assert survey.shape == (2000, 9 + len(ATTRIBUTE_COLUMNS))
    assert survey["respondent_id"].is_unique
    assert sorted(survey["wave"].unique()) == ["2026Q1", "2026Q2", "2026Q3"]
    assert survey["wave"].value_counts().between(666, 667).all()
    for segment in spec["segments"]:
        assert survey[segment].nunique() >= 2
    weights = survey["weight"]
    assert weights.notna().all() and (weights > 0).all()
    assert abs(weights.mean() - 1) < 1e-3
    assert 0.4 <= weights.min() < 0.8 and 1.8 < weights.max() <= 2.5
    # The app channel is over-sampled, so its respondents weigh less than the others.
    by_channel = weights.groupby(survey["channel"]).mean()
    assert by_channel.idxmin() == "mobile_app"
    assert np.isclose(weights[survey["channel"] == "mobile_app"].sum() / weights.sum(),
                      0.40, atol=0.01)


def test_every_value_is_on_its_scale_or_a_declared_code(bundled):
    survey, spec = bundled
    codes = set(spec["missing_codes"])
    for outcome in spec["outcomes"].values():
        values = survey[outcome["column"]].dropna()
        low, high = outcome["scale"]
        assert values.between(low, high).all(), outcome["column"]  # outcomes carry no codes
        assert set(values.unique()) == set(range(low, high + 1)), outcome["column"]
        assert survey[outcome["column"]].isna().mean() < 0.01
    for column in ATTRIBUTE_COLUMNS:
        values = survey[column].dropna()
        on_scale = values.between(*spec["attribute_scale"])
        assert values[~on_scale].isin(codes).all(), column
        assert set(values[on_scale].unique()) == {1, 2, 3, 4, 5}, column


def test_not_applicable_only_for_service_and_by_whole_respondent(bundled):
    survey, _ = bundled
    not_applicable = survey[ATTRIBUTE_COLUMNS].astype(float) == 99
    sx = not_applicable[GROUPS["SX"]]
    assert not not_applicable.drop(columns=GROUPS["SX"]).to_numpy().any()
    # Never contacted an agent: every SX item is 99, none answered, none blank.
    assert (sx.all(axis=1) == sx.any(axis=1)).all()
    share = sx.all(axis=1).mean()
    assert 0.25 <= share <= 0.35
    by_channel = sx.all(axis=1).groupby(survey["channel"]).mean()
    assert by_channel.idxmax() == "mobile_app"


def test_dont_know_and_blank_rates(bundled):
    survey, _ = bundled
    answers = survey[ATTRIBUTE_COLUMNS].astype(float)
    applicable = answers.notna() & (answers != 99)
    dont_know = (answers == 98).sum() / applicable.sum()
    assert 0.015 <= dont_know.sum() / len(dont_know) <= 0.03
    assert dont_know[["bx_promise_fees", "sx_explain_credit_report"]].min() > 0.04
    assert dont_know.drop(["bx_promise_fees", "sx_explain_credit_report"]).median() < 0.025
    blank_share = answers.isna().to_numpy().mean()
    assert 0.001 < blank_share < 0.01


def test_answers_are_negatively_skewed_and_outcomes_realistic(bundled):
    survey, _ = bundled
    values = survey[ATTRIBUTE_COLUMNS].astype(float)
    means = values.where(values <= 5).mean()
    assert means.between(3.6, 4.2).all(), means[~means.between(3.6, 4.2)]
    csat = survey["csat"].dropna()
    assert 0.60 <= (csat >= 4).mean() <= 0.75
    recommend = survey["recommend"].dropna()
    nps = 100 * ((recommend >= 9).mean() - (recommend <= 6).mean())
    assert 10 <= nps <= 30
    effort = survey["effort"].dropna()
    assert 0.60 <= (effort >= 5).mean() <= 0.85
    r = survey["csat"].astype(float).corr(survey["recommend"].astype(float))
    assert 0.5 <= r <= 0.7


def test_service_improves_across_waves(bundled):
    survey, _ = bundled
    by_wave = composites(survey)["SX"].groupby(survey["wave"]).mean()
    assert by_wave.is_monotonic_increasing
    assert by_wave.iloc[-1] - by_wave.iloc[0] > 0.1


# ---- the planted truth ---------------------------------------------------------------------
@pytest.mark.parametrize(("column", "leader"), [("csat", "BX"), ("recommend", "SX"),
                                                ("effort", "PX")])
def test_plain_ols_recovers_the_leading_dimension(bundled, column, leader):
    betas, shares = driver_fit(bundled[0], column)
    runner_up_beta = betas.drop(leader).max()
    runner_up_share = shares.drop(leader).max()
    assert betas.idxmax() == leader and betas[leader] >= 1.5 * runner_up_beta
    assert shares.idxmax() == leader and shares[leader] >= 1.5 * runner_up_share


def test_the_truth_holds_for_another_seed_too():
    survey, _ = simulate_bank_loan(seed=DEFAULT_SEED + 1)
    assert driver_fit(survey, "csat")[0].idxmax() == "BX"
    assert driver_fit(survey, "recommend")[0].idxmax() == "SX"


def test_spec_names_every_column_and_label():
    _, spec = simulate_bank_loan(n=50, seed=1)
    assert list(spec["dimensions"]) == ["BX", "PX", "SX", "EX"]
    for name, dimension in spec["dimensions"].items():
        assert 3 <= len(dimension["attributes"]) <= 6
        assert all(column.startswith(name.lower() + "_") for column in dimension["attributes"])
        assert all(entry["label"] and entry["label_zh"]
                   for entry in dimension["attributes"].values())
    assert {o["column"] for o in spec["outcomes"].values()} == {
        o["column"] for o in OUTCOMES.values()}
    assert spec["missing_codes"] == {98: "dont_know", 99: "not_applicable"}
