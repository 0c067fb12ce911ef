"""Dominance analysis against Azen & Budescu's (2003) published example and brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from drivers.dominance import DominanceResult, complete_dominance, dominance
from drivers.shapley import shapley_values

# Azen, R. & Budescu, D. V. (2003). The dominance analysis approach for comparing predictors
# in multiple regression. Psychological Methods 8(2), 129-148: correlation matrix of the
# worked example (Y first, then X1..X4) and the average additional contribution of each
# predictor to subsets of k = 0, 1, 2, 3 others, printed to three decimals.
AZEN_BUDESCU = np.array([
    [1.0, 0.6, 0.3, 0.4, 0.5],
    [0.6, 1.0, 0.8, 0.1, 0.3],
    [0.3, 0.8, 1.0, 0.1, 0.1],
    [0.4, 0.1, 0.1, 1.0, 0.5],
    [0.5, 0.3, 0.1, 0.5, 1.0],
])
PUBLISHED_CONDITIONAL = {
    "x1": [0.360, 0.300, 0.263, 0.246],
    "x2": [0.090, 0.074, 0.069, 0.071],
    "x3": [0.160, 0.095, 0.063, 0.061],
    "x4": [0.250, 0.152, 0.073, 0.010],
}
NAMES = ["x1", "x2", "x3", "x4"]


@pytest.fixture(scope="module")
def result() -> DominanceResult:
    return dominance(AZEN_BUDESCU[1:, 1:], AZEN_BUDESCU[1:, 0], NAMES)


def solve_r2(corr: np.ndarray, columns: list[int]) -> float:
    """R^2 from the normal equations on a sub-matrix (independent of the sweep code)."""
    if not columns:
        return 0.0
    rows = [c + 1 for c in columns]
    r = corr[rows, 0]
    return float(r @ np.linalg.solve(corr[np.ix_(rows, rows)], r))


def test_conditional_contributions_match_published_table(result):
    expected = pd.DataFrame(PUBLISHED_CONDITIONAL, index=range(4)).T
    np.testing.assert_allclose(result.conditional.to_numpy(), expected.to_numpy(), atol=5e-4)
    assert list(result.conditional.index) == NAMES
    assert list(result.conditional.columns) == [0, 1, 2, 3]
    assert result.conditional.columns.name == "subset_size"


def test_size_zero_contribution_is_squared_correlation(result):
    np.testing.assert_allclose(result.conditional[0], AZEN_BUDESCU[0, 1:] ** 2, atol=1e-15)


def test_general_dominance_order_and_shapley(result):
    assert result.summary.sort_values("rank")["driver"].tolist() == ["x1", "x4", "x3", "x2"]
    published_general = [np.mean(PUBLISHED_CONDITIONAL[n]) for n in NAMES]
    np.testing.assert_allclose(result.general.to_numpy(), published_general, atol=5e-4)
    np.testing.assert_allclose(result.general.to_numpy(),
                               shapley_values(AZEN_BUDESCU[1:, 1:], AZEN_BUDESCU[1:, 0]),
                               atol=1e-14)
    assert result.r2 == pytest.approx(solve_r2(AZEN_BUDESCU, [0, 1, 2, 3]), abs=1e-14)
    assert result.general.sum() == pytest.approx(result.r2, abs=1e-14)


def test_undetermined_pairs_follow_from_published_levels(result):
    # A driver whose average gain is smaller at some size cannot dominate completely;
    # reversals at different sizes leave the pair undetermined.
    levels = pd.DataFrame(PUBLISHED_CONDITIONAL).T
    for a, b in itertools.combinations(NAMES, 2):
        gaps = levels.loc[a] - levels.loc[b]
        if (gaps > 0).any() and (gaps < 0).any():
            assert result.complete.loc[a, b] == 0.5 and result.complete.loc[b, a] == 0.5
    assert result.complete.loc["x2", "x3"] == 0.5
    assert result.complete.loc["x3", "x4"] == 0.5
    assert result.complete.loc["x2", "x4"] == 0.5


def test_complete_dominance_against_every_subset(result):
    for i, j in itertools.permutations(range(4), 2):
        others = [c for c in range(4) if c not in (i, j)]
        gaps = [solve_r2(AZEN_BUDESCU, [*subset, i]) - solve_r2(AZEN_BUDESCU, [*subset, j])
                for size in range(3) for subset in itertools.combinations(others, size)]
        expected = 1.0 if min(gaps) > 0 else 0.0 if max(gaps) < 0 else 0.5
        assert result.complete.iloc[i, j] == expected, (NAMES[i], NAMES[j])
    # X1 beats every other predictor in every subset of the rest.
    assert result.complete.loc["x1", ["x2", "x3", "x4"]].tolist() == [1.0, 1.0, 1.0]
    assert np.isnan(np.diag(result.complete.to_numpy())).all()


def test_complete_table_is_antisymmetric(result):
    table = result.complete.to_numpy()
    off = ~np.eye(4, dtype=bool)
    np.testing.assert_array_equal((table + table.T)[off], 1.0)


def test_summary_columns(result):
    summary = result.summary
    assert list(summary.columns) == ["driver", "general_dominance", "share", "rank"]
    assert summary["share"].sum() == pytest.approx(1.0)
    assert summary["rank"].tolist() == [1, 4, 3, 2]
    assert summary["rank"].dtype == np.int64


def test_identical_drivers_tie():
    corr_xx = np.array([[1.0, 1.0, 0.2], [1.0, 1.0, 0.2], [0.2, 0.2, 1.0]])
    out = dominance(corr_xx, np.array([0.5, 0.5, 0.1]), ["a", "b", "c"])
    assert out.complete.loc["a", "b"] == 0.5
    assert out.general["a"] == pytest.approx(out.general["b"], abs=1e-14)
    assert out.summary["rank"].tolist() == [1, 1, 3]


def test_complete_dominance_checks_length():
    with pytest.raises(ValueError, match="2\\^3 = 8"):
        complete_dominance(np.zeros(4), ["a", "b", "c"])


def test_names_are_checked():
    with pytest.raises(ValueError, match="one name per driver"):
        dominance(np.eye(2), np.array([0.1, 0.2]), ["a"])
    with pytest.raises(ValueError, match="unique"):
        dominance(np.eye(2), np.array([0.1, 0.2]), ["a", "a"])
    assert dominance(np.eye(2), np.array([0.1, 0.2])).summary["driver"].tolist() == ["x1", "x2"]


def test_too_many_drivers_is_refused():
    from drivers.shapley import MAX_STORED

    k = MAX_STORED + 1  # dominance compares subsets pairwise: it needs all 2^k R^2 at once
    with pytest.raises(ValueError, match="at most"):
        dominance(np.eye(k), np.full(k, 0.1))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_complete_dominance_random_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(200, 6)) @ rng.normal(size=(6, 6))
    y = X @ rng.normal(size=6) + rng.normal(scale=3.0, size=200)
    corr = np.corrcoef(np.column_stack([y, X]).T)
    out = dominance(corr[1:, 1:], corr[1:, 0])
    for i, j in itertools.permutations(range(6), 2):
        others = [c for c in range(6) if c not in (i, j)]
        gaps = [solve_r2(corr, [*subset, i]) - solve_r2(corr, [*subset, j])
                for size in range(5) for subset in itertools.combinations(others, size)]
        expected = 1.0 if min(gaps) > 0 else 0.0 if max(gaps) < 0 else 0.5
        assert out.complete.iloc[i, j] == expected
