"""Weighted covariance/correlation, pairwise correlation and matrix checks, against numpy,
pandas, statsmodels and Higham's published example."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.weightstats import DescrStatsW

from drivers.correlation import (
    effective_sample_size,
    is_positive_definite,
    min_eigenvalue,
    nearest_positive_definite,
    pairwise_correlation,
    pairwise_correlation_matrix,
    weighted_correlation,
    weighted_covariance,
)


def survey(n: int = 300, k: int = 4, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 1))
    return np.clip(np.round(3.5 + latent + rng.normal(size=(n, k))), 1, 5)


def test_unweighted_equals_numpy_corrcoef():
    X = survey()
    np.testing.assert_allclose(weighted_correlation(X), np.corrcoef(X.T), atol=1e-13)


def test_integer_weights_equal_repeated_rows():
    X = survey(n=120)
    w = np.random.default_rng(1).integers(1, 5, size=120)
    repeated = np.repeat(X, w, axis=0)
    np.testing.assert_allclose(weighted_correlation(X, w), np.corrcoef(repeated.T), atol=1e-13)
    np.testing.assert_allclose(weighted_covariance(X, w), np.cov(repeated.T, bias=True),
                               atol=1e-12)


def test_real_weights_match_statsmodels_and_numpy_aweights():
    X = survey(n=200, seed=3)
    w = np.random.default_rng(2).uniform(0.2, 3.0, size=200)
    np.testing.assert_allclose(weighted_correlation(X, w), DescrStatsW(X, weights=w).corrcoef,
                               atol=1e-12)
    np.testing.assert_allclose(weighted_covariance(X, w), np.cov(X.T, aweights=w, bias=True),
                               atol=1e-12)


def test_zero_weights_drop_rows():
    X = survey(n=50, seed=4)
    w = np.r_[np.ones(30), np.zeros(20)]
    np.testing.assert_allclose(weighted_correlation(X, w), np.corrcoef(X[:30].T), atol=1e-13)


def test_large_offset_keeps_precision():
    # Centring before the product: a shift of 1e7 must not cost digits (raw moments would).
    X = survey(n=500, seed=5)
    np.testing.assert_allclose(weighted_correlation(X + 1e7), np.corrcoef(X.T), atol=1e-9)


def test_block_boundaries_do_not_matter(monkeypatch):
    import drivers.moments as module

    X = survey(n=1000, seed=6)
    w = np.random.default_rng(6).uniform(0.5, 2.0, size=1000)
    whole = weighted_correlation(X, w)
    monkeypatch.setattr(module, "BLOCK_ROWS", 37)
    np.testing.assert_allclose(weighted_correlation(X, w), whole, atol=1e-13)


def test_constant_column_gives_nan_without_warning():
    X = survey(n=60, seed=7)
    X[:, 2] = 4.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        corr = weighted_correlation(X)
    assert np.isnan(corr[2]).all() and np.isnan(corr[:, 2]).all()
    keep = [0, 1, 3]
    np.testing.assert_allclose(corr[np.ix_(keep, keep)], np.corrcoef(X[:, keep].T), atol=1e-13)


def test_dataframe_input():
    X = survey(n=80, seed=8)
    frame = pd.DataFrame(X, columns=list("abcd"))
    np.testing.assert_allclose(weighted_correlation(frame), np.corrcoef(X.T), atol=1e-13)


@pytest.mark.parametrize(("X", "weights", "message"), [
    (np.array([1.0, 2.0]), None, "2-D"),
    (np.array([[1.0, np.nan], [2.0, 1.0]]), None, "NaN"),
    (np.eye(3), [1.0, -1.0, 1.0], "non-negative"),
    (np.eye(3), [1.0, 1.0], "one value per row"),
    (np.eye(3), [0.0, 0.0, 0.0], "sum to zero"),
    (np.eye(3), [1.0, np.nan, 1.0], "finite"),
])
def test_bad_input_is_refused(X, weights, message):
    with pytest.raises(ValueError, match=message):
        weighted_correlation(X, weights)


def test_effective_sample_size():
    assert effective_sample_size(np.ones(10)) == 10.0
    # Kish: (1 + 1 + 4)^2 / (1 + 1 + 16) = 2
    assert effective_sample_size([1.0, 1.0, 4.0]) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="non-negative"):
        effective_sample_size([1.0, -2.0])


def with_holes(seed: int = 9) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = survey(n=200, k=5, seed=seed)
    X[rng.random(X.shape) < 0.2] = np.nan
    return pd.DataFrame(X, columns=["q1", "q2", "q3", "q4", "y"])


def test_pairwise_matches_pandas_and_counts():
    frame = with_holes()
    corr, n_pairs = pairwise_correlation(frame)
    pd.testing.assert_frame_equal(corr, frame.corr(), atol=1e-12, rtol=0)
    present = frame.notna().to_numpy().astype(int)
    np.testing.assert_array_equal(n_pairs.to_numpy(), present.T @ present)
    assert list(n_pairs.columns) == list(frame.columns)


def test_pairwise_integer_weights_equal_repeated_rows():
    frame = with_holes(seed=10)
    w = np.random.default_rng(10).integers(1, 4, size=len(frame))
    corr, _ = pairwise_correlation(frame, w)
    repeated = frame.loc[frame.index.repeat(w)]
    np.testing.assert_allclose(corr.to_numpy(), repeated.corr().to_numpy(), atol=1e-12)


def test_pairwise_complete_data_equals_weighted_correlation():
    X = survey(n=150, seed=11)
    w = np.random.default_rng(11).uniform(0.5, 2, size=150)
    corr, n_pairs = pairwise_correlation(pd.DataFrame(X), w)
    np.testing.assert_allclose(corr.to_numpy(), weighted_correlation(X, w), atol=1e-12)
    assert (n_pairs.to_numpy() == 150).all()


def test_pairwise_constant_on_shared_rows_is_nan():
    frame = pd.DataFrame({"a": [1.0, 1.0, 1.0, 2.0, 3.0],
                          "b": [1.0, 2.0, 3.0, np.nan, np.nan],
                          "c": [2.0, 1.0, 3.0, 5.0, 4.0]})
    corr, n_pairs = pairwise_correlation(frame)
    assert np.isnan(corr.loc["a", "b"]) and np.isnan(corr.loc["b", "a"])
    assert corr.loc["a", "c"] == pytest.approx(frame["a"].corr(frame["c"]))
    assert n_pairs.loc["a", "b"] == 3


def test_pairwise_accepts_nullable_dtypes():
    frame = pd.DataFrame({"a": pd.array([1, 2, None, 4, 5], dtype="Int64"),
                          "b": pd.array([2.0, 1.0, 4.0, None, 5.0], dtype="Float64"),
                          "c": [1.0, 3.0, 2.0, 5.0, 4.0]})
    corr, _ = pairwise_correlation(frame)
    expected = frame.astype(float).corr()
    np.testing.assert_allclose(corr.to_numpy(), expected.to_numpy(), atol=1e-12)


def pairwise_by_hand(values: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Reference: for each pair, the weighted Pearson correlation over the rows answering
    both, straight from the definition (np.average / np.cov with aweights)."""
    k = values.shape[1]
    corr = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(k):
            both = ~np.isnan(values[:, i]) & ~np.isnan(values[:, j]) & (w > 0)
            if both.sum() >= 2:
                cov = np.cov(values[both][:, [i, j]].T, aweights=w[both], bias=True)
                corr[i, j] = cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1])
    return corr


def test_pairwise_matrix_matches_hand_rolled_pairs_and_moments():
    # Real weights times bootstrap counts (zeros included), ratings far from zero.
    from drivers.moments import Moments

    rng = np.random.default_rng(21)
    values = 1000.0 + survey(n=600, k=6, seed=21)
    values[rng.random(values.shape) < 0.15] = np.nan
    w = rng.uniform(0.3, 3.0, 600) * rng.poisson(1.0, 600)
    fast = pairwise_correlation_matrix(values, w)
    np.testing.assert_allclose(fast, pairwise_by_hand(values, w), rtol=0, atol=1e-12)
    moments = Moments.from_arrays(values, w, pairwise=True).correlation("pairwise")
    np.testing.assert_allclose(fast, moments, rtol=0, atol=1e-12)
    np.testing.assert_allclose(fast, pairwise_correlation(values, w)[0].to_numpy(), atol=0)


def test_pairwise_matrix_blocks_and_unweighted(monkeypatch):
    import drivers.correlation as module

    frame = with_holes(seed=22)
    values = frame.to_numpy()
    whole = pairwise_correlation_matrix(values)
    np.testing.assert_allclose(whole, frame.corr().to_numpy(), atol=1e-12)
    monkeypatch.setattr(module, "PAIR_BLOCK_ROWS", 37)
    np.testing.assert_allclose(pairwise_correlation_matrix(values), whole, atol=1e-13)


def test_kept_pairwise_sums_equal_the_matrix_bit_for_bit(monkeypatch):
    # A bootstrap keeps the weight-free pieces of one array (PairwiseSums) and weights them
    # per resample: every weighting must give exactly the matrix made from scratch.
    import drivers.correlation as module
    from drivers.correlation import PairwiseSums

    monkeypatch.setattr(module, "PAIR_BLOCK_ROWS", 37)  # several blocks of rows
    rng = np.random.default_rng(23)
    values = 1000.0 + survey(n=300, k=5, seed=23)
    values[rng.random(values.shape) < 0.2] = np.nan
    sums = PairwiseSums(values)
    for w in (None, rng.uniform(0.3, 3.0, 300) * rng.poisson(1.0, 300),
              rng.poisson(1.0, 300).astype(float)):
        assert np.array_equal(sums.correlation(w), pairwise_correlation_matrix(values, w),
                              equal_nan=True)
    np.testing.assert_allclose(sums.correlation(), pairwise_by_hand(values, np.ones(300)),
                               rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="one value per row"):
        sums.correlation(np.ones(299))


def test_positive_definite_checks():
    assert is_positive_definite(np.eye(3))
    bad = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    assert not is_positive_definite(bad)
    # Closed form: eigenvalues of this matrix are 1.9, 1.9 and -0.8.
    assert min_eigenvalue(bad) == pytest.approx(-0.8)
    singular = np.array([[1.0, 1.0], [1.0, 1.0]])
    assert not is_positive_definite(singular)
    assert not is_positive_definite(np.array([[1.0, np.nan], [np.nan, 1.0]]))


def test_nearest_correlation_higham_example():
    # Higham (2002), IMA J. Numer. Anal. 22, 329-343, section 4: the nearest correlation
    # matrix to [[1, 1, 0], [1, 1, 1], [0, 1, 1]] has off-diagonals 0.7607, 0.1573, 0.7607.
    fixed = nearest_positive_definite(np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], float))
    expected = np.array([[1, 0.7607, 0.1573], [0.7607, 1, 0.7607], [0.1573, 0.7607, 1]])
    np.testing.assert_allclose(fixed, expected, atol=6e-5)
    assert is_positive_definite(fixed, tol=0.0)
    np.testing.assert_allclose(np.diag(fixed), 1.0, atol=1e-12)


def test_nearest_correlation_leaves_valid_matrix_alone_and_repairs_bad_one():
    good = np.corrcoef(survey(n=100, seed=12).T)
    np.testing.assert_allclose(nearest_positive_definite(good), good, rtol=0, atol=1e-15)
    bad = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    fixed = nearest_positive_definite(bad)
    assert min_eigenvalue(fixed) > 0
    np.testing.assert_allclose(np.diag(fixed), 1.0, atol=1e-12)
    np.testing.assert_allclose(fixed, fixed.T)
