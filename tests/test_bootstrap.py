"""Bootstrap machinery: resampling by counts, reproducibility, intervals, pairwise differences."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from drivers.bootstrap import (
    BLOCK,
    bootstrap_samples,
    interval_columns,
    pairwise_differences,
    percentile_interval,
    resample_counts,
)


def weighted_mean(X, y, w):
    return np.array([np.average(y, weights=w)])


def test_counts_are_resamples_of_n():
    blocks = resample_counts(30, 120, seed=3)
    counts = np.vstack(blocks)
    assert counts.shape == (120, 30)
    assert (counts.sum(axis=1) == 30).all()
    assert [len(b) for b in blocks] == [BLOCK, BLOCK, 20]


def test_counts_as_weights_equal_replicated_rows():
    rng = np.random.default_rng(0)
    y = rng.normal(size=25)
    w = rng.uniform(0.5, 2, 25)
    counts = resample_counts(25, 1, seed=9)[0][0].astype(int)
    replicated = np.repeat(np.arange(25), counts)
    expected = np.average(y[replicated], weights=w[replicated])
    got = weighted_mean(None, y, w * counts)[0]
    assert np.isclose(got, expected, rtol=0, atol=1e-12)


def test_same_seed_same_numbers_whatever_the_workers():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(80, 1)), rng.normal(size=80)
    one = bootstrap_samples(weighted_mean, X, y, None, n_resamples=130, seed=42, n_jobs=1)
    two = bootstrap_samples(weighted_mean, X, y, None, n_resamples=130, seed=42, n_jobs=2)
    assert np.array_equal(one, two)
    other = bootstrap_samples(weighted_mean, X, y, None, n_resamples=130, seed=43)
    assert not np.array_equal(one, other)


def test_interval_of_a_mean_matches_the_t_interval():
    # Reference: for a mean of normal data the percentile bootstrap approximates the t interval.
    rng = np.random.default_rng(5)
    y = rng.normal(10, 2, size=400)
    samples = bootstrap_samples(weighted_mean, y[:, None], y, None, n_resamples=2000, seed=0)
    low, high = percentile_interval(samples, 0.95)
    t_low, t_high = stats.t.interval(0.95, len(y) - 1, loc=y.mean(), scale=stats.sem(y))
    assert abs(low[0] - t_low) < 0.05 and abs(high[0] - t_high) < 0.05


def test_pairwise_differences_flag_indistinguishable_drivers():
    rng = np.random.default_rng(2)
    samples = np.column_stack([rng.normal(0.5, 0.02, 500), rng.normal(0.3, 0.02, 500),
                               rng.normal(0.31, 0.02, 500)])
    pairs = pairwise_differences(samples, ["a", "b", "c"], ci=0.95).set_index(["driver", "other"])
    assert pairs.loc[("a", "b"), "distinguishable"]
    assert not pairs.loc[("b", "c"), "distinguishable"]
    assert np.isclose(pairs.loc[("a", "b"), "diff"], -pairs.loc[("b", "a"), "diff"])


def test_interval_columns_on_a_table():
    rng = np.random.default_rng(4)
    samples = np.column_stack([rng.normal(0.4, 0.01, 300), rng.normal(0.2, 0.05, 300),
                               rng.normal(0.19, 0.05, 300)])
    point = pd.DataFrame({"driver": ["x", "y", "z"], "importance": [0.4, 0.2, 0.19]})
    table = interval_columns(point, samples, 0.9)
    assert (table["ci_low"] < table["importance"]).all()
    assert (table["share_ci_low"] <= table["share_ci_high"]).all()
    assert table.loc[0, "rank_ci_low"] == table.loc[0, "rank_ci_high"] == 1
    assert table.loc[1, "indistinguishable_from"] == "z"
    assert table.loc[0, "indistinguishable_from"] == ""
