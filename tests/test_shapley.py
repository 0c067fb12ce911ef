"""Exact and sampled Shapley / LMG decomposition of R^2, against R's relaimpo on the swiss
data and against brute force that refits OLS on the data for every subset."""

from __future__ import annotations

import itertools
import math
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.correlation import weighted_correlation
from drivers.shapley import (
    MAX_EXACT,
    MAX_STORED,
    marginal_by_size,
    sampled_shapley,
    shapley_from_r2,
    shapley_values,
    size_sums,
    subset_r2,
)

REFERENCE = Path(__file__).parent / "reference"
SWISS_DRIVERS = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]
# R 4.x, relaimpo 2.2-7: calc.relimp(Fertility ~ ., data = swiss, type = "lmg").
SWISS_R2 = 0.7067350016
SWISS_LMG = [0.05709122, 0.17117303, 0.26013468, 0.10557015, 0.11276592]
# The same with groups = list(c("Education", "Examination")): the group's lmg.
SWISS_EDUCATION_EXAMINATION = 0.39817899


def swiss_correlations() -> tuple[np.ndarray, np.ndarray]:
    swiss = pd.read_csv(REFERENCE / "swiss.csv", index_col=0)
    corr = weighted_correlation(swiss[SWISS_DRIVERS + ["Fertility"]])
    return corr[:-1, :-1], corr[:-1, -1]


def ols_r2(X: np.ndarray, y: np.ndarray) -> float:
    """R^2 of an OLS refit with intercept (lstsq copes with rank deficiency)."""
    design = np.column_stack([np.ones(len(y)), X])
    beta = np.linalg.lstsq(design, y, rcond=None)[0]
    residual = y - design @ beta
    centred = y - y.mean()
    return 1.0 - residual @ residual / (centred @ centred)


def brute_r2(X: np.ndarray, y: np.ndarray, groups: list[list[int]]) -> np.ndarray:
    m = len(groups)
    out = np.zeros(1 << m)
    for mask in range(1, 1 << m):
        columns = [j for g in range(m) if mask >> g & 1 for j in groups[g]]
        out[mask] = ols_r2(X[:, columns], y)
    return out


def brute_shapley(X: np.ndarray, y: np.ndarray, groups: list[list[int]]) -> np.ndarray:
    """Average gain in refitted R^2 over every order of entry (the LMG definition)."""
    r2 = brute_r2(X, y, groups)
    m = len(groups)
    totals = np.zeros(m)
    for order in itertools.permutations(range(m)):
        mask = 0
        for g in order:
            totals[g] += r2[mask | 1 << g] - r2[mask]
            mask |= 1 << g
    return totals / math.factorial(m)


def random_data(n: int, p: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) @ rng.normal(size=(p, p))
    y = X @ rng.normal(size=p) + rng.normal(scale=2.0, size=n)
    return X, y


def correlations_of(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    corr = weighted_correlation(np.column_stack([X, y]))
    return corr[:-1, :-1], corr[:-1, -1]


# ------------------------------------------------------------------------ published values


def test_swiss_data_is_the_r_dataset():
    swiss = pd.read_csv(REFERENCE / "swiss.csv", index_col=0)
    assert swiss.shape == (47, 6)
    assert swiss.index[0] == "Courtelary" and swiss.index[-1] == "Rive Gauche"
    assert ols_r2(swiss[SWISS_DRIVERS].to_numpy(), swiss["Fertility"].to_numpy()) == \
        pytest.approx(SWISS_R2, abs=1e-9)


def test_swiss_lmg_matches_relaimpo():
    corr_xx, corr_xy = swiss_correlations()
    values = shapley_values(corr_xx, corr_xy)
    np.testing.assert_allclose(values, SWISS_LMG, atol=5e-9)
    assert values.sum() == pytest.approx(SWISS_R2, abs=1e-9)


def test_swiss_grouped_lmg_matches_relaimpo():
    corr_xx, corr_xy = swiss_correlations()
    groups = [[0], [1, 2], [3], [4]]
    values = shapley_values(corr_xx, corr_xy, groups=groups)
    assert values[1] == pytest.approx(SWISS_EDUCATION_EXAMINATION, abs=5e-9)
    assert values.sum() == pytest.approx(SWISS_R2, abs=1e-9)


# -------------------------------------------------------------------------------- brute force


@pytest.mark.parametrize(("p", "seed"), [(1, 0), (2, 1), (3, 2), (5, 3), (6, 4)])
def test_subset_r2_equals_refits(p, seed):
    X, y = random_data(80, p, seed)
    r2 = subset_r2(*correlations_of(X, y))
    np.testing.assert_allclose(r2, brute_r2(X, y, [[j] for j in range(p)]), atol=1e-12)


@pytest.mark.parametrize(("p", "seed"), [(2, 5), (4, 6), (6, 7)])
def test_shapley_equals_average_over_orders(p, seed):
    X, y = random_data(100, p, seed)
    groups = [[j] for j in range(p)]
    np.testing.assert_allclose(shapley_values(*correlations_of(X, y)),
                               brute_shapley(X, y, groups), atol=1e-12)


def test_grouped_shapley_equals_brute_force_over_groups():
    X, y = random_data(120, 7, 8)
    groups = [[0, 3], [1], [2, 5, 6], [4]]
    np.testing.assert_allclose(shapley_values(*correlations_of(X, y), groups=groups),
                               brute_shapley(X, y, groups), atol=1e-12)
    np.testing.assert_allclose(subset_r2(*correlations_of(X, y), groups=groups),
                               brute_r2(X, y, groups), atol=1e-12)


@pytest.mark.parametrize("p", [17, 18])
def test_batched_path_equals_direct_solves(p):
    # Above 16 drivers the high drivers are swept first and batched; spot-check subsets
    # against solves of the normal equations.
    X, y = random_data(400, p, p)
    corr_xx, corr_xy = correlations_of(X, y)
    r2 = subset_r2(corr_xx, corr_xy)
    rng = np.random.default_rng(p)
    for mask in [*rng.integers(1, 1 << p, size=40), (1 << p) - 1, 1 << (p - 1), 1]:
        columns = [j for j in range(p) if mask >> j & 1]
        sub = corr_xy[columns]
        expected = sub @ np.linalg.solve(corr_xx[np.ix_(columns, columns)], sub)
        assert r2[mask] == pytest.approx(expected, abs=1e-12)
    assert shapley_values(corr_xx, corr_xy).sum() == pytest.approx(r2[-1], abs=1e-12)


def test_reductions_from_r2_agree():
    X, y = random_data(90, 5, 9)
    r2 = subset_r2(*correlations_of(X, y))
    with_driver, total = size_sums(r2)
    sizes = np.array([bin(s).count("1") for s in range(32)])
    for j in range(5):
        holds = (np.arange(32) >> j) & 1 == 1
        for s in range(6):
            assert with_driver[j, s] == pytest.approx(r2[holds & (sizes == s)].sum(), abs=1e-14)
    np.testing.assert_allclose(marginal_by_size(r2).mean(axis=1), shapley_from_r2(r2),
                               atol=1e-14)


# ---------------------------------------------------------------------------- singular input


def test_exactly_collinear_drivers():
    rng = np.random.default_rng(10)
    base = rng.normal(size=(200, 3))
    X = np.column_stack([base, base[:, 0] + base[:, 1], base[:, 2]])  # x3 = x0+x1, x4 = x2
    y = base @ [1.0, 0.5, -0.5] + rng.normal(size=200)
    corr_xx, corr_xy = correlations_of(X, y)
    r2 = subset_r2(corr_xx, corr_xy)
    np.testing.assert_allclose(r2, brute_r2(X, y, [[j] for j in range(5)]), atol=1e-9)
    values = shapley_values(corr_xx, corr_xy)
    assert np.isfinite(values).all()
    assert values.sum() == pytest.approx(ols_r2(X, y), abs=1e-9)
    # Identical columns are interchangeable players, so they share equally.
    assert values[2] == pytest.approx(values[4], abs=1e-12)


@pytest.mark.parametrize("copy", [None, (4, 3), (4, 2), (3, 2), (4, 0), (2, 1)])
def test_collinear_last_drivers_equal_the_definition(copy):
    """The last three drivers of the sweep (here 2, 3 and 4) are credited without states of
    their own (drivers.subset_sweep._last_three_credits): a driver that copies one of them,
    or one decided before, leaves no residual once that one is in (``copy`` = (copying,
    copied)). Reference: the Shapley formula over least-squares refits of every subset
    (numpy's lstsq, which handles the rank deficiency)."""
    rng = np.random.default_rng(12)
    X = rng.normal(size=(160, 5)) @ rng.normal(size=(5, 5))
    if copy is not None:
        X[:, copy[0]] = X[:, copy[1]]
    y = X @ [0.4, -0.3, 0.2, 0.6, 0.5] + rng.normal(size=160)
    groups = [[j] for j in range(5)]
    values = shapley_values(*correlations_of(X, y))
    np.testing.assert_allclose(values, brute_shapley(X, y, groups), atol=1e-9)
    several = shapley_values(correlations_of(X, y)[0],
                             np.column_stack([correlations_of(X, y)[1],
                                              correlations_of(X, -2 * y + X[:, 1])[1]]))
    np.testing.assert_allclose(several[:, 1], brute_shapley(X, -2 * y + X[:, 1], groups),
                               atol=1e-9)


def test_zero_variance_driver_gets_zero():
    X, y = random_data(100, 3, 11)
    corr_xx, corr_xy = correlations_of(X, y)
    padded_xx = np.zeros((4, 4))
    padded_xx[:3, :3] = corr_xx
    values = shapley_values(padded_xx, np.r_[corr_xy, 0.0])
    assert 0.0 <= values[3] < 1e-15
    np.testing.assert_allclose(values[:3], shapley_values(corr_xx, corr_xy), atol=1e-14)


def _one_pair(m: int, i: int, j: int, value: float) -> np.ndarray:
    """A matrix of zeros but for ``value`` at (i, j) and (j, i)."""
    pair = np.zeros((m, m))
    pair[i, j] = pair[j, i] = value
    return pair


@pytest.mark.parametrize(("corr_xx", "corr_xy"), [
    # Drivers alone not PSD: eigenvalues 1.9, 1.9, -0.8.
    (np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]]), np.array([0.1, 0.1, 0.1])),
    # Drivers fine, joint matrix not: two uncorrelated drivers "explain" 0.8^2 + 0.8^2 > 1.
    (np.eye(2), np.array([0.8, 0.8])),
    # Only all three together "explain" more than everything (3 x 0.58^2 = 1.009): the
    # subset of every driver is one the kernel credits without a state of its own.
    (np.eye(3), np.array([0.58, 0.58, 0.58])),
    # One correlation above 1 among four drivers: the pivot it makes negative is, in turn,
    # that of each of the last three drivers (2, 3, 4 of the sweep: z, x, y) given driver 0,
    # of x given z and of y given x.
    *[(np.eye(4) + _one_pair(4, i, j, 1.2), np.full(4, 0.1))
      for i, j in [(0, 1), (0, 2), (0, 3), (1, 2), (2, 3)]],
])
def test_not_positive_semidefinite_is_refused(corr_xx, corr_xy):
    with pytest.raises(ValueError, match="not positive semidefinite"):
        shapley_values(corr_xx, corr_xy)
    with pytest.raises(ValueError, match="not positive semidefinite"):
        sampled_shapley(corr_xx, corr_xy, n_permutations=10, seed=0)


def test_nan_correlations_are_refused():
    corr_xx = np.array([[1.0, np.nan], [np.nan, np.nan]])
    with pytest.raises(ValueError, match=r"driver\(s\) \[0, 1\].*constant"):
        shapley_values(corr_xx, np.array([0.3, np.nan]))


# ---------------------------------------------------------------------------------- limits


def test_more_than_max_exact_is_refused_not_truncated():
    assert MAX_EXACT >= 30
    k = MAX_EXACT + 1
    with pytest.raises(ValueError, match=f"exact stops at {MAX_EXACT}") as error:
        shapley_values(np.eye(k), np.full(k, 0.1))
    assert "groups=" in str(error.value) and "sampled_shapley" in str(error.value)
    # Over groups the same drivers are fine.
    values = shapley_values(np.eye(k), np.full(k, 0.1), groups=[list(range(13)),
                                                                 list(range(13, k))])
    np.testing.assert_allclose(values, [13 * 0.01, (k - 13) * 0.01], atol=1e-14)


def test_subset_r2_beyond_the_stored_limit_points_to_shapley_values():
    k = MAX_STORED + 1
    with pytest.raises(ValueError, match="shapley_values"):
        subset_r2(np.eye(k), np.full(k, 0.1))


@pytest.mark.parametrize(("groups", "message"), [
    ([[0, 1]], "in none: \\[2\\]"),
    ([[0, 1], [1, 2]], "in two or more: \\[1\\]"),
    ([[0], [1], [2, 3]], "outside"),
    ([[0, 1, 2], []], "non-empty"),
])
def test_bad_groups_are_refused(groups, message):
    with pytest.raises(ValueError, match=message):
        shapley_values(np.eye(3), np.full(3, 0.2), groups=groups)


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="square"):
        subset_r2(np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match="one correlation per driver"):
        subset_r2(np.eye(3), np.ones(2))
    with pytest.raises(ValueError, match="symmetric"):
        subset_r2(np.array([[1.0, 0.2], [0.3, 1.0]]), np.ones(2) / 3)


def test_memory_does_not_grow_with_the_number_of_subsets():
    # The values are credited as the subsets are swept: the working space is the same few
    # MB at 16 and at 22 drivers, while 2^22 R^2 alone would be 34 MB.
    peaks = {}
    for p in (16, 22):
        X, y = random_data(300, p, 12)
        corr_xx, corr_xy = correlations_of(X, y)
        tracemalloc.start()
        shapley_values(corr_xx, corr_xy, n_jobs=1)
        peaks[p] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peaks[22] < 8e6
    assert peaks[22] < 1.5 * peaks[16]


# ------------------------------------------------ several outcomes, many drivers, threads


def definition_shapley(corr_xx: np.ndarray, corr_xy: np.ndarray,
                       groups: list[list[int]]) -> np.ndarray:
    """The Shapley formula over groups, each subset's R^2 from a linear solve."""
    m = len(groups)
    r2 = np.zeros(1 << m)
    for mask in range(1, 1 << m):
        columns = [j for g in range(m) if mask >> g & 1 for j in groups[g]]
        sub = corr_xy[columns]
        r2[mask] = sub @ np.linalg.solve(corr_xx[np.ix_(columns, columns)], sub)
    values = np.zeros(m)
    for mask in range(1 << m):
        size = bin(mask).count("1")
        if size == m:
            continue
        weight = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
        for g in range(m):
            if not mask >> g & 1:
                values[g] += weight * (r2[mask | 1 << g] - r2[mask])
    return values


def test_several_outcomes_in_one_sweep_equal_one_at_a_time():
    rng = np.random.default_rng(16)
    X = rng.normal(size=(150, 6)) @ rng.normal(size=(6, 6))
    Y = np.column_stack([X @ rng.normal(size=6) + rng.normal(scale=s, size=150)
                         for s in (1.0, 3.0, 6.0)])
    corr = weighted_correlation(np.column_stack([X, Y]))
    corr_xx, corr_xy = corr[:6, :6], corr[:6, 6:]
    values = shapley_values(corr_xx, corr_xy)
    assert values.shape == (6, 3)
    groups = [[0, 3], [1], [2, 5], [4]]
    grouped = shapley_values(corr_xx, corr_xy, groups=groups)
    r2 = subset_r2(corr_xx, corr_xy)
    for j in range(3):
        np.testing.assert_allclose(values[:, j], brute_shapley(X, Y[:, j],
                                                               [[i] for i in range(6)]),
                                   atol=1e-12)
        np.testing.assert_allclose(values[:, j], shapley_values(corr_xx, corr_xy[:, j]),
                                   atol=1e-14)
        np.testing.assert_allclose(grouped[:, j], brute_shapley(X, Y[:, j], groups),
                                   atol=1e-12)
        np.testing.assert_allclose(r2[:, j], subset_r2(corr_xx, corr_xy[:, j]), atol=1e-14)


def independent_clusters(sizes: list[int], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Drivers correlated within clusters, uncorrelated across: R^2 adds over clusters, so
    each driver's Shapley value is its value within its cluster."""
    rng = np.random.default_rng(seed)
    k = sum(sizes)
    corr_xx = np.zeros((k, k))
    corr_xy = np.zeros(k)
    start = 0
    for size in sizes:
        X = rng.normal(size=(200, size)) @ rng.normal(size=(size, size))
        y = X @ rng.normal(size=size) + rng.normal(scale=3.0, size=200)
        corr = weighted_correlation(np.column_stack([X, y]))
        block = slice(start, start + size)
        corr_xx[block, block] = corr[:size, :size]
        corr_xy[block] = corr[:size, -1] / np.sqrt(2 * len(sizes))  # total R^2 below 1
        start += size
    return corr_xx, corr_xy


def test_exact_beyond_the_stored_limit_on_independent_clusters():
    sizes = [5, 4, 5, 3, 5, 3]  # 25 drivers: 2^25 subsets, never stored
    corr_xx, corr_xy = independent_clusters(sizes, 17)
    assert len(corr_xy) > MAX_STORED
    values = shapley_values(corr_xx, corr_xy, n_jobs=1)
    start = 0
    for size in sizes:
        block = slice(start, start + size)
        expected = definition_shapley(corr_xx[block, block], corr_xy[block],
                                      [[j] for j in range(size)])
        np.testing.assert_allclose(values[block], expected, atol=1e-12)
        start += size
    # A fixed split of the subsets, added in a fixed order: the same bits on any threads.
    for n_jobs in (2, 3):
        np.testing.assert_array_equal(shapley_values(corr_xx, corr_xy, n_jobs=n_jobs), values)


def test_grouped_shapley_far_beyond_the_driver_limit():
    # 60 drivers in 7 dimensions: 2^7 subsets of large blocks.
    rng = np.random.default_rng(18)
    X = rng.normal(size=(400, 60)) + rng.normal(size=(400, 1))
    y = X[:, :10].sum(axis=1) * 0.1 + rng.normal(size=400)
    corr_xx, corr_xy = correlations_of(X, y)
    groups = [list(range(start, start + size)) for start, size in
              zip((0, 5, 17, 20, 34, 41, 52), (5, 12, 3, 14, 7, 11, 8), strict=True)]
    values = shapley_values(corr_xx, corr_xy, groups=groups)
    np.testing.assert_allclose(values, definition_shapley(corr_xx, corr_xy, groups),
                               atol=1e-12)


# --------------------------------------------------------------------------------- sampling


def test_sampled_within_monte_carlo_error_of_exact():
    X, y = random_data(300, 8, 13)
    corr_xx, corr_xy = correlations_of(X, y)
    exact = shapley_values(corr_xx, corr_xy)
    values, errors = sampled_shapley(corr_xx, corr_xy, n_permutations=2000, seed=42)
    assert (errors > 0).all()
    assert (np.abs(values - exact) < 4 * errors).all()
    assert values.sum() == pytest.approx(exact.sum(), abs=1e-12)
    again, _ = sampled_shapley(corr_xx, corr_xy, n_permutations=2000, seed=42)
    np.testing.assert_array_equal(values, again)


def test_sampled_grouped_within_error_and_exact_for_two_groups():
    X, y = random_data(200, 6, 14)
    corr_xx, corr_xy = correlations_of(X, y)
    groups = [[0, 2], [1, 3, 4], [5]]
    exact = shapley_values(corr_xx, corr_xy, groups=groups)
    values, errors = sampled_shapley(corr_xx, corr_xy, 3000, seed=3, groups=groups)
    assert (np.abs(values - exact) < 4 * errors + 1e-12).all()
    # One group holding every driver has one order: its value is the full R^2, error 0.
    values, errors = sampled_shapley(corr_xx, corr_xy, 10, seed=4, groups=[list(range(6))])
    # (its error is the spread of ten equal numbers: zero up to the rounding of their mean)
    assert values[0] == pytest.approx(ols_r2(X, y), abs=1e-12)
    assert errors[0] == pytest.approx(0.0, abs=1e-15)


def test_sampled_handles_many_drivers():
    X, y = random_data(400, 30, 15)
    corr_xx, corr_xy = correlations_of(X, y)
    values, errors = sampled_shapley(corr_xx, corr_xy, n_permutations=300, seed=0)
    assert values.shape == errors.shape == (30,)
    assert values.sum() == pytest.approx(ols_r2(X, y), abs=1e-9)


def test_sampled_refuses_too_few_permutations():
    with pytest.raises(ValueError, match="n_permutations"):
        sampled_shapley(np.eye(2), np.ones(2) / 2, n_permutations=1)


# ------------------------------------------------------------------------------ properties


@st.composite
def regression_data(draw):
    p = draw(st.integers(2, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    return random_data(60, p, seed)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(regression_data())
def test_values_sum_to_full_r2(data):
    X, y = data
    values = shapley_values(*correlations_of(X, y))
    assert values.sum() == pytest.approx(ols_r2(X, y), abs=1e-10)
    assert (values > -1e-12).all()


@settings(max_examples=30, deadline=None)
@given(regression_data(), st.data())
def test_invariant_to_scale_shift_and_order(data, draws):
    X, y = data
    p = X.shape[1]
    reference = shapley_values(*correlations_of(X, y))
    scale = np.array(draws.draw(st.lists(
        st.floats(0.01, 100).flatmap(lambda v: st.sampled_from([v, -v])),
        min_size=p, max_size=p)))
    shift = np.array(draws.draw(st.lists(st.floats(-1e3, 1e3), min_size=p, max_size=p)))
    order = np.array(draws.draw(st.permutations(range(p))))
    moved = (X * scale + shift)[:, order]
    values = shapley_values(*correlations_of(moved, 3.0 * y - 7.0))
    np.testing.assert_allclose(values, reference[order], atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_pure_noise_driver_gets_almost_nothing(seed):
    X, y = random_data(3000, 4, seed)
    noise = np.random.default_rng(seed + 1).normal(size=(3000, 1))
    values = shapley_values(*correlations_of(np.column_stack([X, noise]), y))
    # Its sample correlations are O(1/sqrt(n)), so its share of R^2 is O(1/n).
    assert values[-1] < 0.005


def test_kept_working_space_follows_the_shape_of_the_problem():
    # A thread keeps the kernel's working space between sweeps of one shape (a bootstrap);
    # 13 groups of 14 drivers with the pair among the inner (breadth-first) blocks need a
    # larger one than with the pair among the outer blocks, whatever came before.
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(14)
    data = rng.normal(size=(200, 15)) + rng.normal(size=(200, 1))
    corr = np.corrcoef(data.T)
    xx, xy = corr[:14, :14], corr[:14, 14]
    inner_pair = [[0, 1], *([j] for j in range(2, 14))]
    outer_pair = [*([j] for j in range(12)), [12, 13]]

    def fresh(groups):  # a new thread: a new working space
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(shapley_values, xx, xy, groups).result()

    expected = {0: fresh(inner_pair), 1: fresh(outer_pair)}
    for which in (1, 0, 1, 0):
        got = shapley_values(xx, xy, [inner_pair, outer_pair][which])
        assert np.array_equal(got, expected[which])
    np.testing.assert_allclose(expected[0], shapley_from_r2(subset_r2(xx, xy, inner_pair)),
                               rtol=0, atol=1e-12)
