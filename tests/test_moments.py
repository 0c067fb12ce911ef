"""Moments: partitions add up to the whole; correlations match numpy, pandas, statsmodels.

References: ``numpy.corrcoef`` / ``numpy.cov(bias=True)`` on the data with each row repeated
``w`` times (integer weights are frequency weights), ``pandas.DataFrame.corr`` (pairwise
deletion) on the same repeated rows, and ``statsmodels.stats.weightstats.DescrStatsW`` for
non-integer weights; Kish's effective n from its definition (Kish 1965, section 11.7).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.weightstats import DescrStatsW

from drivers.moments import Moments, effective_sample_size, kish_n

FIELDS = ("sums", "cross", "pair_n", "pair_weight", "pair_weight_sq", "pair_sums",
          "pair_squares", "pair_cross")


def ratings(n: int, p: int, seed: int, blank: float = 0.0) -> np.ndarray:
    """0-10 ratings near 8 (large means against their spread), with blanks."""
    rng = np.random.default_rng(seed)
    common = rng.normal(size=(n, 1))
    values = np.clip(np.rint(8 + common + rng.normal(size=(n, p))), 0, 10)
    values[rng.random((n, p)) < blank] = np.nan
    return values


def assert_moments_equal(a: Moments, b: Moments, rtol: float = 1e-12) -> None:
    """Equal as plain sums (shift 0), to ``rtol`` of each array's largest entry."""
    assert a.columns == b.columns and a.n == b.n
    a, b = a.shifted(np.zeros(a.p)), b.shifted(np.zeros(b.p))
    for name in ("weight_sum", "weight_sq_sum"):
        assert getattr(a, name) == pytest.approx(getattr(b, name), rel=rtol)
    for name in FIELDS:
        left, right = getattr(a, name), getattr(b, name)
        if left is None:
            assert right is None
            continue
        scale = max(np.abs(left).max(), 1.0)
        np.testing.assert_allclose(left, right, rtol=0, atol=rtol * scale, err_msg=name)


@pytest.mark.parametrize("pairwise", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_partitions_add_up_to_the_whole(pairwise, weighted):
    X = ratings(5000, 6, seed=1, blank=0.1)
    w = np.random.default_rng(2).uniform(0.2, 3.0, size=len(X)) if weighted else None
    whole = Moments.from_arrays(X, w, pairwise=pairwise)
    cuts = [0, 7, 1200, 1201, 3999, 5000]
    parts = [Moments.from_arrays(X[a:b], None if w is None else w[a:b], pairwise=pairwise)
             for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
    added = sum(parts)
    assert_moments_equal(whole, added)
    for missing in ("listwise", "pairwise") if pairwise else ("listwise",):
        np.testing.assert_allclose(added.correlation(missing), whole.correlation(missing),
                                   rtol=0, atol=1e-12)
        np.testing.assert_allclose(added.covariance(missing), whole.covariance(missing),
                                   rtol=0, atol=1e-12)
    assert added.n_effective == pytest.approx(whole.n_effective, rel=1e-12)


def test_partitions_with_a_common_shift_add_exactly_as_plain_sums():
    X = ratings(3000, 4, seed=3, blank=0.05)
    w = np.random.default_rng(4).uniform(0.5, 2.0, size=len(X))
    origin = np.zeros(4)
    whole = Moments.from_arrays(X, w, pairwise=True, shift=origin)
    added = (Moments.from_arrays(X[:1000], w[:1000], pairwise=True, shift=origin)
             + Moments.from_arrays(X[1000:], w[1000:], pairwise=True, shift=origin))
    complete = ~np.isnan(X).any(axis=1)
    # With shift 0 the fields are the plain sums of their definitions.
    np.testing.assert_allclose(whole.sums, w[complete] @ X[complete], rtol=1e-13)
    np.testing.assert_allclose(whole.cross, (X[complete] * w[complete, None]).T @ X[complete],
                               rtol=1e-13)
    answered = ~np.isnan(X)
    both = answered[:, 0] & answered[:, 2]
    assert whole.pair_n[0, 2] == both.sum()
    assert whole.pair_sums[0, 2] == pytest.approx(w[both] @ X[both, 0], rel=1e-13)
    assert whole.pair_squares[2, 0] == pytest.approx(w[both] @ X[both, 2] ** 2, rel=1e-13)
    assert whole.pair_cross[0, 2] == pytest.approx(w[both] @ (X[both, 0] * X[both, 2]),
                                                   rel=1e-13)
    assert_moments_equal(whole, added)


def test_difference_is_the_complement():
    X = ratings(2000, 3, seed=5, blank=0.1)
    whole = Moments.from_arrays(X, pairwise=True)
    rest = whole - Moments.from_arrays(X[:500], pairwise=True)
    assert_moments_equal(Moments.from_arrays(X[500:], pairwise=True), rest, rtol=1e-11)


def test_listwise_correlation_matches_numpy_on_repeated_rows():
    X = ratings(400, 5, seed=6)
    w = np.random.default_rng(7).integers(1, 5, size=len(X))
    repeated = np.repeat(X, w, axis=0)
    moments = Moments.from_arrays(X, w)
    np.testing.assert_allclose(moments.correlation(), np.corrcoef(repeated.T), atol=1e-13)
    np.testing.assert_allclose(moments.covariance(), np.cov(repeated.T, bias=True), atol=1e-13)
    assert moments.n == len(X) and moments.weight_sum == w.sum()


def test_correlation_matches_statsmodels_with_real_weights():
    X = ratings(600, 4, seed=8)
    w = np.random.default_rng(9).uniform(0.1, 4.0, size=len(X))
    reference = DescrStatsW(X, weights=w)
    moments = Moments.from_arrays(X, w)
    np.testing.assert_allclose(moments.correlation(), reference.corrcoef, atol=1e-13)
    np.testing.assert_allclose(moments.covariance(), reference.cov * 1, atol=1e-12)
    np.testing.assert_allclose(moments.mean(), reference.mean, atol=1e-13)


def test_listwise_uses_only_complete_rows():
    X = ratings(500, 4, seed=10, blank=0.15)
    w = np.random.default_rng(11).integers(1, 4, size=len(X))
    complete = ~np.isnan(X).any(axis=1)
    repeated = np.repeat(X[complete], w[complete], axis=0)
    moments = Moments.from_arrays(X, w)
    assert moments.n == complete.sum()
    np.testing.assert_allclose(moments.correlation(), np.corrcoef(repeated.T), atol=1e-13)


def test_pairwise_correlation_matches_pandas_on_repeated_rows():
    X = ratings(500, 5, seed=12, blank=0.2)
    w = np.random.default_rng(13).integers(1, 4, size=len(X))
    frame = pd.DataFrame(X, columns=list("abcde"))
    repeated = frame.loc[frame.index.repeat(w)]
    moments = Moments.from_frame(frame.assign(w=w), list("abcde"), weights="w", pairwise=True)
    np.testing.assert_allclose(moments.correlation("pairwise"), repeated.corr().to_numpy(),
                               atol=1e-12)
    # pandas' pairwise covariance divides by (rows answering both - 1) whatever ddof says
    # when values are missing; rescale it to the population divisor.
    answered = (~np.isnan(repeated.to_numpy())).astype(int)
    rows = answered.T @ answered
    np.testing.assert_allclose(moments.covariance("pairwise"),
                               repeated.cov().to_numpy() * (rows - 1) / rows, atol=1e-12)
    counts = (~np.isnan(X)).astype(int)
    np.testing.assert_array_equal(moments.pair_n, counts.T @ counts)


def test_effective_n_is_kish():
    w = np.array([1.0, 1.0, 2.0, 4.0])
    X = np.arange(8.0).reshape(4, 2)
    assert Moments.from_arrays(X, w).n_effective == pytest.approx(64 / 22)
    assert effective_sample_size(w) == pytest.approx(64 / 22)
    assert Moments.from_arrays(X).n_effective == 4.0
    np.testing.assert_allclose(kish_n(np.array([2.0, 0.0]), np.array([2.0, 0.0])), [2.0, 0.0])
    X[0, 1] = np.nan
    pairs = Moments.from_arrays(X, w, pairwise=True).pair_n_effective
    assert pairs[0, 0] == pytest.approx(64 / 22)
    assert pairs[0, 1] == pytest.approx(49 / 21)


def test_large_means_keep_their_digits():
    X = ratings(2000, 3, seed=14)
    reference = np.corrcoef(X.T)
    for offset in (1e4, 1e7):
        moments = Moments.from_arrays(X[:1000] + offset) + Moments.from_arrays(X[1000:] + offset)
        np.testing.assert_allclose(moments.correlation(), reference, atol=1e-9)


def test_constant_column_is_nan_not_noise():
    X = ratings(300, 3, seed=15, blank=0.1)
    X[:, 1] = np.where(np.isnan(X[:, 1]), np.nan, 7.3)
    moments = (Moments.from_arrays(X[:100], pairwise=True)
               + Moments.from_arrays(X[100:], pairwise=True))
    for missing in ("listwise", "pairwise"):
        corr = moments.correlation(missing)
        assert np.isnan(corr[1]).all() and np.isnan(corr[:, 1]).all()
        assert np.isfinite(corr[np.ix_([0, 2], [0, 2])]).all()


def test_select_keeps_the_listwise_rows():
    X = ratings(300, 3, seed=16, blank=0.2)
    moments = Moments.from_arrays(X, columns=["a", "b", "c"])
    complete = ~np.isnan(X).any(axis=1)
    np.testing.assert_allclose(moments.select(["c", "a"]).correlation(),
                               np.corrcoef(X[complete][:, [2, 0]].T), atol=1e-13)


def test_adding_mismatched_moments_is_refused():
    X = ratings(50, 2, seed=17)
    a = Moments.from_arrays(X, columns=["a", "b"])
    with pytest.raises(ValueError, match="different columns"):
        a + Moments.from_arrays(X, columns=["b", "a"])
    with pytest.raises(ValueError, match="pairwise"):
        a + Moments.from_arrays(X, columns=["a", "b"], pairwise=True)
    with pytest.raises(ValueError, match="pairwise moments"):
        a.correlation("pairwise")
    with pytest.raises(ValueError, match="non-negative"):
        Moments.from_arrays(X, -np.ones(50))
    with pytest.raises(ValueError, match="inf"):
        Moments.from_arrays(np.array([[1.0, np.inf], [2.0, 3.0]]))


# ------------------------------------------------- the public API runs from the moments


@pytest.fixture(scope="module")
def bank():
    import drivers

    return drivers.load_study(drivers.bank_loan_study_file())


def weighted_corr(values: np.ndarray, w: np.ndarray) -> np.ndarray:
    return DescrStatsW(values, weights=w).corrcoef


def test_bank_importance_equals_statsmodels_correlations(bank):
    """Every correlation method through the front door equals the same method applied to
    correlations computed independently (statsmodels DescrStatsW) on the complete rows,
    and the diagnostics' R^2 equals a statsmodels WLS fit."""
    import statsmodels.api as sm

    import drivers
    from drivers.importance import from_correlations

    outcome, attributes = "csat", bank.attribute_columns[:10]
    frame = bank.data[[*attributes, outcome, bank.weight_column]].dropna()
    values, w = frame[[*attributes, outcome]].to_numpy(float), frame[bank.weight_column].to_numpy()
    corr = weighted_corr(values, w)
    for method in ("shapley", "relative_weights", "pratt", "correlation"):
        table = drivers.importance(bank.data, outcome, attributes, method=method,
                                   weights=bank.weight_column)
        expected = from_correlations(method, corr[:-1, :-1], corr[:-1, -1])
        np.testing.assert_allclose(table["importance"], expected, atol=1e-12, err_msg=method)
    fit = sm.WLS(values[:, -1], sm.add_constant(values[:, :-1]), weights=w).fit()
    assert table.attrs["r2"] == pytest.approx(fit.rsquared, abs=1e-12)
    assert table.attrs["n_used"] == len(frame)
    assert table.attrs["n_effective"] == pytest.approx(w.sum() ** 2 / (w ** 2).sum(), rel=1e-12)
    # VIF_j = 1 / (1 - R^2_j) of driver j on the others (weighted least squares).
    for j in (0, 4):
        others = np.delete(values[:, :-1], j, axis=1)
        r2_j = sm.WLS(values[:, j], sm.add_constant(others), weights=w).fit().rsquared
        assert table.attrs["vif"][attributes[j]] == pytest.approx(1 / (1 - r2_j), rel=1e-10)


def test_bank_pairwise_importance_equals_pairwise_statsmodels(bank):
    import drivers
    from drivers.correlation import is_positive_definite
    from drivers.importance import from_correlations

    outcome, attributes = "recommend", bank.attribute_columns[:8]
    columns = [*attributes, outcome]
    data, w = bank.data[columns].to_numpy(float), bank.data[bank.weight_column].to_numpy()
    k = len(columns)
    corr = np.eye(k)
    for i in range(k):
        for j in range(i):
            both = ~np.isnan(data[:, i]) & ~np.isnan(data[:, j])
            corr[i, j] = corr[j, i] = weighted_corr(data[both][:, [i, j]], w[both])[0, 1]
    assert is_positive_definite(corr)
    table = drivers.importance(bank.data, outcome, attributes, method="shapley",
                               weights=bank.weight_column, missing="pairwise")
    np.testing.assert_allclose(table["importance"],
                               from_correlations("shapley", corr[:-1, :-1], corr[:-1, -1]),
                               atol=1e-12)


def test_study_missing_is_categorical_and_small(bank):
    numeric = bank.data[bank.attribute_columns].to_numpy(float).nbytes
    assert all(isinstance(bank.missing[c].dtype, pd.CategoricalDtype) for c in bank.missing)
    assert bank.missing.memory_usage(deep=True).sum() < numeric / 2
    summary = bank.missing_summary()
    assert (summary["n"] > 0).all()
    total = int(summary.loc[summary["column"] == "sx_resolution", "n"].sum())
    assert total == bank.data["sx_resolution"].isna().sum()


def test_one_rule_for_design_weights_on_load_and_in_analysis():
    import drivers
    from drivers.diagnostics import select_rows
    from drivers.study import StudyError

    frame = pd.DataFrame({"id": range(1, 9), "sat": [5, 4, 2, 3, 5, 1, 4, 2],
                          "a": [5, 4, 1, 3, 4, 2, 5, 1], "b": [4, 4, 2, 5, 3, 1, 2, 2],
                          "w": [1.0, np.inf, 0.0, 1.0, 1.0, 1.0, 2.0, 1.0]})
    spec = {"id": "id", "weight": "w",
            "outcomes": {"csat": {"column": "sat", "kind": "csat", "scale": [1, 5]}},
            "dimensions": {"PX": {"attributes": ["a", "b"]}}}
    with pytest.raises(StudyError) as caught:
        drivers.study_from_frame(frame, spec)
    text = str(caught.value)
    assert "infinite weight in data rows 2" in text and "zero or negative in data rows 3" in text
    with pytest.raises(ValueError, match="infinite values in data rows 2"):
        select_rows(frame, "sat", ["a", "b"], weights="w")
    with pytest.raises(ValueError, match="zero or negative in data rows 3"):
        select_rows(frame.assign(w=frame["w"].replace(np.inf, 1.0)), "sat", ["a", "b"],
                    weights="w")


def test_kish_n_of_one_base_is_the_array_formula_to_the_bit():
    rng = np.random.default_rng(5)
    for total, squares in [*rng.uniform(0.1, 1e4, size=(50, 2)), (0.0, 0.0), (3.0, 0.0)]:
        expected = kish_n(np.array([total]), np.array([squares]))[0]
        assert kish_n(float(total), float(squares)) == expected
        assert type(kish_n(float(total), float(squares))) is float
