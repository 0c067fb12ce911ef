"""Regression diagnostics and row accounting, checked against statsmodels and scikit-learn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, cross_val_predict
from statsmodels.stats.outliers_influence import variance_inflation_factor

from drivers.diagnostics import (
    condition_number,
    cross_validated_r2,
    regression_diagnostics,
    select_rows,
)


def survey(n=300, seed=0, collinear=0.0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    frame = pd.DataFrame({"a": a, "b": collinear * a + rng.normal(size=n),
                          "c": rng.normal(size=n)})
    frame["y"] = frame["a"] + 0.5 * frame["b"] + 0.2 * frame["c"] + rng.normal(size=n)
    return frame


def test_vif_r2_and_adjusted_r2_match_statsmodels():
    frame = survey(collinear=1.5)
    table = regression_diagnostics(frame, "y", ["a", "b", "c"])
    design = sm.add_constant(frame[["a", "b", "c"]].to_numpy())
    expected_vif = [variance_inflation_factor(design, j) for j in (1, 2, 3)]
    np.testing.assert_allclose(table["vif"], expected_vif, rtol=1e-10)
    fit = sm.OLS(frame["y"].to_numpy(), design).fit()
    assert table.attrs["r2"] == pytest.approx(fit.rsquared, abs=1e-12)
    assert table.attrs["adj_r2"] == pytest.approx(fit.rsquared_adj, abs=1e-12)
    z = (frame - frame.mean()) / frame.std(ddof=0)
    betas = sm.OLS(z["y"].to_numpy(), z[["a", "b", "c"]].to_numpy()).fit().params
    np.testing.assert_allclose(table["beta"], betas, atol=1e-10)
    np.testing.assert_allclose(table["r"], frame.corr()["y"][["a", "b", "c"]], atol=1e-12)


def test_weighted_r2_matches_statsmodels_wls():
    frame = survey(seed=3)
    weights = np.random.default_rng(4).uniform(0.2, 3.0, len(frame))
    table = regression_diagnostics(frame, "y", ["a", "b", "c"], weights=pd.Series(weights))
    fit = sm.WLS(frame["y"].to_numpy(), sm.add_constant(frame[["a", "b", "c"]].to_numpy()),
                 weights=weights).fit()
    assert table.attrs["r2"] == pytest.approx(fit.rsquared, abs=1e-10)
    assert table.attrs["adj_r2"] == pytest.approx(fit.rsquared_adj, abs=1e-10)


def test_condition_number_is_that_of_the_standardized_design():
    frame = survey(collinear=3.0)
    X = frame[["a", "b", "c"]]
    standardized = ((X - X.mean()) / X.std(ddof=0)).to_numpy()
    table = regression_diagnostics(frame, "y", ["a", "b", "c"])
    assert table.attrs["condition_number"] == pytest.approx(np.linalg.cond(standardized),
                                                            rel=1e-10)
    assert condition_number(np.eye(4)) == 1.0


def test_cross_validated_r2_matches_sklearn():
    frame = survey(n=250, seed=5)
    X, y = frame[["a", "b", "c"]].to_numpy(), frame["y"].to_numpy()
    folds = KFold(5, shuffle=True, random_state=11)
    predicted = cross_val_predict(LinearRegression(), X, y, cv=folds)
    assert cross_validated_r2(X, y, folds=5, seed=11) == pytest.approx(r2_score(y, predicted),
                                                                       abs=1e-12)
    table = regression_diagnostics(frame, "y", ["a", "b", "c"], seed=11)
    assert table.attrs["cv_r2"] == pytest.approx(r2_score(y, predicted), abs=1e-12)
    assert table.attrs["cv_r2"] < table.attrs["r2"]


def refit_cross_validated_r2(X, y, weights, folds, seed):
    """The refit definition: weighted least squares on the other folds, predict the fold."""
    w = np.ones(len(y)) if weights is None else weights
    design = np.column_stack([np.ones(len(y)), X])
    predicted = np.empty(len(y))
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(X):
        root = np.sqrt(w[train])
        coef = np.linalg.lstsq(design[train] * root[:, None], y[train] * root, rcond=None)[0]
        predicted[test] = design[test] @ coef
    mean = np.average(y, weights=w)
    return 1 - np.sum(w * (y - predicted) ** 2) / np.sum(w * (y - mean) ** 2)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("collinear", [False, True])
@pytest.mark.parametrize("folds", [3, 5])
def test_cross_validated_r2_from_fold_moments_equals_refits(weighted, collinear, folds):
    rng = np.random.default_rng(12)
    n = 400
    X = 4.0 + rng.normal(size=(n, 6))  # ratings-like: means far from zero
    if collinear:
        X[:, 5] = X[:, 0] + X[:, 1]  # exactly: lstsq takes the minimum-norm solution
    y = 50.0 + X @ [0.8, 0.5, 0.0, -0.3, 0.2, 0.1] + rng.normal(size=n)
    weights = rng.uniform(0.2, 3.0, n) if weighted else None
    expected = refit_cross_validated_r2(X, y, weights, folds, seed=7)
    assert cross_validated_r2(X, y, weights, folds=folds, seed=7) == pytest.approx(expected,
                                                                                   abs=1e-10)


def test_collinearity_warnings_at_thresholds():
    rng = np.random.default_rng(6)
    a = rng.normal(size=400)
    frame = pd.DataFrame({"a": a, "b": a + 0.05 * rng.normal(size=400),
                          "c": rng.normal(size=400)})
    frame["y"] = frame["a"] + frame["c"] + rng.normal(size=400)
    table = regression_diagnostics(frame, "y", ["a", "b", "c"])
    warnings = " | ".join(table.attrs["warnings"])
    assert "severe collinearity (VIF > 10): a (" in warnings
    assert "condition number" in warnings
    # Moderate collinearity: VIF between 5 and 10 is a caution, not severe.
    frame["b"] = a + 0.4 * rng.normal(size=400)
    table = regression_diagnostics(frame, "y", ["a", "b", "c"])
    assert 5 < table["vif"].iloc[0] < 10
    assert any(w.startswith("collinearity caution") for w in table.attrs["warnings"])
    assert not any(w.startswith("severe") for w in table.attrs["warnings"])


def test_suppressor_is_flagged_as_sign_reversal():
    rng = np.random.default_rng(7)
    signal, noise = rng.normal(size=(2, 500))
    # 'measured' mixes signal with noise; 'noise_only' has r ~ 0 with y but a negative beta.
    frame = pd.DataFrame({"measured": signal + noise, "noise_only": noise + 0.3 * signal})
    frame["y"] = signal + 0.3 * rng.normal(size=500)
    table = regression_diagnostics(frame, "y", ["measured", "noise_only"])
    row = table.set_index("driver").loc["noise_only"]
    assert row["r"] > 0 > row["beta"]
    assert bool(row["sign_reversal"])
    assert any("sign reversal" in w and "noise_only" in w for w in table.attrs["warnings"])


def test_small_sample_warning_follows_green():
    frame = survey(n=70, seed=8)
    table = regression_diagnostics(frame, "y", ["a", "b", "c"])
    assert any("n = 70 for p = 3" in w and "74" in w for w in table.attrs["warnings"])
    table = regression_diagnostics(survey(n=80, seed=8), "y", ["a", "b", "c"])
    assert not any("small sample" in w for w in table.attrs["warnings"])


def test_select_rows_counts_every_dropped_row_once_by_first_reason():
    frame = pd.DataFrame({
        "y": [1.0, np.nan, 3, 4, 98, 6, 7, 8, 2],
        "a": [1.0, 2, np.nan, 99, 5, 6, 2, 1, 3],
        "b": [2.0, 1, 3, 4, 5, np.nan, 1, 2, 2],
    })
    rows = select_rows(frame, "y", ["a", "b"], missing_codes={98: "dont_know", 99: "refused"})
    assert rows.n_used == 4 and rows.n_dropped == 5
    assert rows.dropped_reasons == {"driver_missing": 2, "dont_know": 1, "outcome_missing": 1,
                                    "refused": 1}
    assert list(rows.index) == [0, 6, 7, 8]
    assert rows.missing_cells == {"driver_missing": 2, "dont_know": 1, "outcome_missing": 1,
                                  "refused": 1}
    pairwise = select_rows(frame, "y", ["a", "b"], missing="pairwise",
                           missing_codes=[98, 99])
    assert pairwise.n_used == 9 and pairwise.n_dropped == 0
    assert np.isnan(pairwise.X).sum() == 3


@pytest.mark.parametrize("bad, message", [
    ([1, 1, 0, 1, 1, 1], "zero or negative in data rows 3"),
    ([1, 1, 1, -2, 1, 1], "zero or negative in data rows 4"),
    ([1, np.nan, 1, 1, 1, 1], "blank or infinite in data rows 2"),
    ([1, np.inf, 1, 1, 1, np.nan], "weight column 'w' has infinite values in data rows 2;"),
    ([1, 1, -np.inf, 1, 1, 1], "weight column 'w' has infinite values in data rows 3;"),
    ([2.5, 1e-300, 1e300, 1, 1, 0], "zero or negative in data rows 6"),
])
def test_bad_weights_raise_naming_rows(bad, message):
    frame = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 7], "a": [2.0, 1, 4, 3, 6, 5], "w": bad})
    with pytest.raises(ValueError, match=message):
        select_rows(frame, "y", ["a"], weights="w")


def test_input_errors_name_the_column():
    frame = pd.DataFrame({"y": [1.0, 2, 3, 4, 5], "a": ["1", "2", "x", "4", "5"],
                          "c": [3.0] * 5, "i": [1.0, 2, np.inf, 4, 5]})
    with pytest.raises(ValueError, match=r"driver column 'a' must be numeric.*'x'.*rows 3"):
        select_rows(frame, "y", ["a"])
    with pytest.raises(ValueError, match="column 'c' has the same value"):
        select_rows(frame, "y", ["c"])
    with pytest.raises(ValueError, match="'i' has infinite values in data rows 3"):
        select_rows(frame, "y", ["i"])
    with pytest.raises(ValueError, match="'nope' is not in the data"):
        select_rows(frame, "y", ["nope"])
    with pytest.raises(ValueError, match="outcome column 'y' is also listed as a driver"):
        select_rows(frame, "y", ["y"])
    with pytest.raises(ValueError, match="only 1 complete rows for 1 drivers"):
        select_rows(pd.DataFrame({"y": [1.0, np.nan, 3], "a": [1.0, 2, np.nan]}), "y", ["a"])


def test_select_rows_reads_categorical_reasons_like_text():
    frame = pd.DataFrame({"y": [1.0, 2, 3, 4, np.nan, 6, 7, 8],
                          "a": [1.0, np.nan, 3, np.nan, 5, 2, 1, 3],
                          "b": [2.0, 1, np.nan, 4, 5, 1, 2, 2]})
    text = pd.DataFrame({"y": [None] * 4 + ["refused"] + [None] * 3,
                         "a": [None, "not_applicable", None, "dont_know"] + [None] * 4,
                         "b": [None, None, "not_applicable"] + [None] * 5})
    categorical = text.astype("category")
    expected = select_rows(frame, "y", ["a", "b"], missing_reasons=text)
    rows = select_rows(frame, "y", ["a", "b"], missing_reasons=categorical)
    assert rows.dropped_reasons == expected.dropped_reasons == {
        "not_applicable": 2, "dont_know": 1, "refused": 1}
    assert rows.missing_cells == expected.missing_cells
    assert rows.reason_columns == {"not_applicable": ["a", "b"], "dont_know": ["a"],
                                   "refused": ["y"]}


def test_out_of_fold_r2_does_not_depend_on_the_shift_of_the_moments():
    from drivers.diagnostics import fold_moments, r2_out_of_fold

    rng = np.random.default_rng(21)
    X = 8 + rng.normal(size=(400, 3))
    y = X @ [0.5, 0.2, 0.0] + rng.normal(size=400)
    w = rng.uniform(0.5, 2.0, size=400)
    parts = fold_moments(np.column_stack([X, y]), w, folds=5, seed=3)
    raw = [m.shifted(np.zeros(4)) for m in parts]
    assert r2_out_of_fold(raw) == pytest.approx(r2_out_of_fold(parts), abs=1e-9)
    assert r2_out_of_fold(parts) == pytest.approx(cross_validated_r2(X, y, w, 5, 3), abs=1e-12)


@pytest.mark.parametrize(("n", "folds", "seed"), [(10, 3, 4), (2000, 5, 0), (1337, 5, 11),
                                                  (401, 7, 123), (70_001, 5, 2)])
def test_fold_index_is_sklearn_kfold(n, folds, seed):
    from drivers.diagnostics import fold_index

    expected = [test for _, test in KFold(folds, shuffle=True, random_state=seed).split(
        np.zeros(n))]
    found = fold_index(n, folds, seed)
    assert [part.tolist() for part in found] == [part.tolist() for part in expected]
    assert [part.tolist() for part in fold_index(n, folds, seed)] == [p.tolist() for p in found]


@pytest.mark.parametrize("weighted", [False, True])
def test_listwise_moments_are_the_sum_of_the_folds(weighted):
    # Rows.moments comes from the fold pass: it must equal the moments taken directly.
    from drivers.moments import Moments

    frame = survey(n=500, seed=8)
    weights = np.random.default_rng(8).uniform(0.2, 3.0, 500) if weighted else None
    rows = select_rows(frame, "y", ["a", "b", "c"], weights=weights)
    direct = Moments.from_arrays(frame[["a", "b", "c", "y"]].to_numpy(), weights)
    np.testing.assert_allclose(rows.moments.correlation(), direct.correlation(), atol=1e-13)
    np.testing.assert_allclose(rows.moments.covariance(), direct.covariance(), atol=1e-13)
    assert rows.moments.n == 500
    assert rows.moments.n_effective == pytest.approx(direct.n_effective, rel=1e-13)
    assert rows.cv_r2 == pytest.approx(cross_validated_r2(rows.X, rows.y, weights, 5, 0),
                                       abs=1e-13)


def test_pairwise_rows_need_two_answers():
    # A row answering one column (or none) pairs with nothing: counted, never used.
    frame = pd.DataFrame({"y": [1.0, 2.0, np.nan, 4.0, np.nan, 3.0, 5.0],
                          "a": [2.0, np.nan, 3.0, 1.0, np.nan, 98.0, 4.0],
                          "b": [1.0, np.nan, np.nan, 2.0, np.nan, 5.0, 3.0]})
    rows = select_rows(frame, "y", ["a", "b"], missing="pairwise", missing_codes=[98])
    # rows 1 (only y), 2 (only a) and 4 (nothing) go; row 5 keeps y and b around its code.
    assert rows.index.tolist() == [0, 3, 5, 6]
    assert rows.n_dropped == 3 and rows.dropped_reasons == {"fewer_than_two_answers": 3}
    assert rows.missing_cells == {"driver_missing": 5, "outcome_missing": 2, "code_98": 1}
    assert np.isnan(rows.X[2, 0]) and rows.y[2] == 3.0


def test_columns_read_without_a_series_equal_those_read_through_one(monkeypatch):
    # numeric_column reads numpy columns straight from pandas' storage (no Series per
    # column); every other column, and any pandas without that access, takes the Series
    # route. Both routes must give the same values, the same errors and never a view.
    import drivers.diagnostics as diagnostics

    rng = np.random.default_rng(4)
    frame = pd.DataFrame({
        "y": rng.normal(size=8), "f": rng.normal(size=8), "i": np.arange(8),
        "u": np.arange(8, dtype=np.uint8), "b": [True, False] * 4,
        "n": pd.array([1, None, 3, 4, 5, 6, 7, 8], dtype="Int64"),
        "g": pd.array([1.5, 2.5, None, 4.0, 5.0, 6.0, 7.0, 8.0], dtype="Float64"),
        "w": rng.uniform(0.5, 2.0, size=8), "t": list("abcdefgh"),
    })
    frame.attrs["source"] = "survey.csv"
    frame["f2"] = frame["f"] * 2          # a second float block
    drivers = ["f", "i", "u", "b", "n", "g", "f2"]

    def read():
        rows = select_rows(frame, "y", drivers, weights="w", missing="pairwise")
        return rows.data, rows.weights

    fast = read()
    monkeypatch.setattr(diagnostics, "_stored_values", lambda data, column: None)
    slow = read()
    monkeypatch.undo()
    for found, expected in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(found, expected)
    values = diagnostics.numeric_column(frame, "f", "driver")
    values[:] = 0.0
    assert (frame["f"] != 0).all()
    assert diagnostics._stored_values(frame, "n") is None       # Int64: the Series route
    assert diagnostics._stored_values(frame, "nope") is None
    twice = pd.concat([frame[["y"]], frame[["f"]], frame[["f"]]], axis=1)
    assert diagnostics._stored_values(twice, "f") is None
    with pytest.raises(ValueError, match="'f' appears more than once"):
        select_rows(twice, "y", ["f"])
    with pytest.raises(ValueError, match="driver column 't' must be numeric"):
        select_rows(frame, "y", ["t"])
    frame.loc[5, "f2"] = -np.inf
    with pytest.raises(ValueError, match="'f2' has infinite values in data rows 6"):
        select_rows(frame, "y", ["f2"])
    frame.loc[[2, 6], "y"] = np.inf          # the whole table is checked at once: the first
    frame.loc[7, "f"] = np.inf               # column in model order is named, with its rows
    with pytest.raises(ValueError, match="driver column 'f2' has infinite values in data "
                                         "rows 6;"):
        select_rows(frame, "y", ["i", "f2", "f"])
    with pytest.raises(ValueError, match="outcome column 'y' has infinite values in data "
                                         "rows 3, 7;"):
        select_rows(frame, "y", ["i"])


@pytest.mark.parametrize("near", [1.0, 0.1, 1e-13, 0.0])
def test_fold_solves_are_the_minimum_norm_least_squares(near, monkeypatch):
    # Well-conditioned normal equations (near = 1, 0.1) are solved directly, near-singular
    # ones through the eigen decomposition; both must be what lstsq gives (the refits of the
    # reference).
    import drivers.diagnostics as diagnostics

    rng = np.random.default_rng(3)
    designs = 3.0 + rng.normal(size=(4, 60, 5))
    designs[:, :, 4] = designs[:, :, 0] + designs[:, :, 1] + near * rng.normal(size=(4, 60))
    targets = rng.normal(size=(4, 60))
    matrices = np.einsum("fni,fnj->fij", designs, designs)
    right = np.einsum("fni,fn->fi", designs, targets)
    if near >= 0.1:         # the direct route: no eigen decomposition
        monkeypatch.setattr(diagnostics.np.linalg, "eigh", None)
    found = diagnostics._min_norm_solve(matrices, right)
    monkeypatch.undo()
    for f in range(4):
        expected = np.linalg.lstsq(matrices[f], right[f], rcond=None)[0]
        assert np.abs(found[f] - expected).max() <= 1e-10 * np.abs(expected).max()


def test_kept_fold_splits_cannot_be_changed_by_a_caller():
    from drivers.diagnostics import fold_index

    parts = fold_index(500, 5, 9)
    with pytest.raises(ValueError, match="read-only"):
        parts[0][0] = 7
    parts.pop()
    assert len(fold_index(500, 5, 9)) == 5
