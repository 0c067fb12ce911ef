"""Bootstrap machinery: resampling by counts, reproducibility, intervals, pairwise differences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from drivers.bootstrap import (
    BLOCK,
    JACKKNIFE_GROUPS,
    Resamples,
    acceleration,
    bca_interval,
    bca_levels,
    bootstrap_samples,
    column_quantiles,
    data_counts,
    interval_columns,
    jackknife_labels,
    jackknife_values,
    pairwise_differences,
    percentile_interval,
    resample_counts,
    tie_groups,
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


@pytest.fixture
def workers_always(monkeypatch):
    """Send every block after the first to two worker processes, however quick the work."""
    import drivers.bootstrap
    import drivers.parallel

    monkeypatch.setattr(drivers.bootstrap, "PROCESS_WORTH_SECONDS", -1.0)
    monkeypatch.setattr(drivers.parallel, "cores", lambda: 2)


def worker_flag(X, y, w):
    from drivers.parallel import inner_threads

    return np.array([np.average(y, weights=w), inner_threads()])


@pytest.mark.parametrize("processes", [1, 2])
def test_estimate_comes_once_from_the_first_block(monkeypatch, processes):
    """A command's time estimate comes from the bootstrap's own first block (no probe): said
    once, for the first bootstrap inside, with the samples untouched."""
    import drivers.bootstrap
    import drivers.parallel
    from drivers.bootstrap import estimate_to

    if processes == 2:
        monkeypatch.setattr(drivers.bootstrap, "PROCESS_WORTH_SECONDS", -1.0)
        monkeypatch.setattr(drivers.parallel, "cores", lambda: 2)
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(80, 1)), rng.normal(size=80)
    plain = bootstrap_samples(weighted_mean, X, y, None, n_resamples=130, seed=42,
                              n_jobs=processes)
    said = []
    with estimate_to(said.append):
        first = bootstrap_samples(weighted_mean, X, y, None, n_resamples=130, seed=42,
                                  n_jobs=processes)
        second = bootstrap_samples(weighted_mean, X, y, None, n_resamples=130, seed=42,
                                   n_jobs=processes)
    after = bootstrap_samples(weighted_mean, X, y, None, n_resamples=130, seed=42)
    assert np.array_equal(plain, first) and np.array_equal(plain, second)
    assert np.array_equal(plain, after)
    assert len(said) == 1 and said[0] > 0


@pytest.mark.usefixtures("workers_always")
def test_workers_draw_the_same_resamples_from_their_seeds():
    # Blocks 2 and 3 run in worker processes that receive a seed each and draw the counts
    # themselves: the samples equal those of one process, bit for bit, and those of the
    # counts the record regenerates; inside the workers nested steps get one thread.
    rng = np.random.default_rng(1)
    y = rng.normal(size=90)
    one = bootstrap_samples(worker_flag, y[:, None], y, None, n_resamples=130, seed=42,
                            n_jobs=1)
    two = bootstrap_samples(worker_flag, y[:, None], y, None, n_resamples=130, seed=42,
                            n_jobs=2)
    np.testing.assert_array_equal(one[:, 0], two[:, 0])
    assert (one[:, 1] == 2).all()
    assert (two[:BLOCK, 1] == 2).all() and (two[BLOCK:, 1] == 1).all()
    rows = resample_counts(90, 130, seed=42).rows()
    np.testing.assert_array_equal([np.average(y, weights=row) for row in rows], one[:, 0])


@pytest.mark.usefixtures("workers_always")
def test_importance_bootstrap_is_the_same_whatever_the_processes():
    from drivers.importance import importance

    rng = np.random.default_rng(4)
    frame = pd.DataFrame(rng.normal(size=(150, 3)), columns=["a", "b", "c"])
    frame["y"] = frame @ [1.0, 0.5, 0.2] + rng.normal(size=150)
    frame["w"] = rng.uniform(0.5, 2.0, 150)
    tables = [importance(frame, "y", ["a", "b", "c"], weights="w", bootstrap=120, seed=8,
                         n_jobs=jobs, noise_draws=0) for jobs in (1, 2)]
    pd.testing.assert_frame_equal(tables[0], tables[1])
    np.testing.assert_array_equal(tables[0].attrs["resamples"].samples,
                                  tables[1].attrs["resamples"].samples)


def test_count_blocks_are_drawn_when_read_and_match_the_rows():
    counts = resample_counts(12, 120, seed=3)
    assert len(counts) == 3 and counts[-1].shape == (20, 12)
    np.testing.assert_array_equal(np.vstack(list(counts)), np.vstack(list(counts.rows())))
    # a block drawn at once by numpy equals the block drawn row by row
    block_seed = np.random.SeedSequence(3).spawn(2)[1]
    at_once = np.random.default_rng(block_seed).multinomial(12, np.full(12, 1 / 12), size=50)
    np.testing.assert_array_equal(counts[1], at_once)
    with pytest.raises(IndexError):
        counts[3]
    assert resample_counts(0, 3, seed=1)[0].shape == (3, 0)


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


# ---------------------------------------------------------------- BCa


def weighted_sd(X, y, w):
    mean = np.average(y, weights=w)
    return np.array([np.sqrt(np.average((y - mean) ** 2, weights=w))])


def test_bca_matches_scipy_on_the_same_resamples():
    # Reference: scipy.stats.bootstrap(method="BCa") (Efron & Tibshirani 1993, 14.3), fed back
    # its own resamples (bootstrap_distribution) and compared with our jackknife + levels.
    rng = np.random.default_rng(1)
    x = rng.exponential(size=60)
    result = stats.bootstrap((x,), lambda v, axis=-1: np.std(v, axis=axis), method="BCa",
                             n_resamples=2000, rng=np.random.default_rng(3))
    jackknife = jackknife_values(weighted_sd, x[:, None], x, None, jackknife_labels(60, 0))
    low, high = bca_interval(result.bootstrap_distribution[:, None], np.array([np.std(x)]),
                             jackknife, 0.95)
    np.testing.assert_allclose([low[0], high[0]], result.confidence_interval, rtol=1e-12)
    # The percentile interval of the same resamples is another interval: BCa moved it.
    plain = percentile_interval(result.bootstrap_distribution[:, None], 0.95)
    assert abs(plain[0][0] - low[0]) > 0.01


def test_acceleration_of_a_mean_is_the_skewness_formula():
    # Closed form: for the mean, leave-one-out deviations are (x_i - mean) / (n - 1), so
    # a = sum d^3 / (6 (sum d^2)^1.5) with d = x - mean (Efron & Tibshirani 1993, eq. 14.15).
    rng = np.random.default_rng(2)
    x = rng.gamma(2.0, size=80)
    jackknife = jackknife_values(weighted_mean, x[:, None], x, None, jackknife_labels(80, 0))
    d = x - x.mean()
    assert acceleration(jackknife)[0] == pytest.approx(
        np.sum(d ** 3) / (6 * np.sum(d ** 2) ** 1.5), rel=1e-9)


def test_bca_levels_closed_form():
    # With z0 and a fixed, the ends sit at Phi(z0 + (z0 + z)/(1 - a (z0 + z))) (Efron 1987).
    # Resamples: 999 exact normal quantiles, so the point 0.2 has a known share below it.
    samples = stats.norm.ppf((np.arange(999) + 0.5) / 999)[:, None]
    point = np.array([0.2])
    jackknife = np.array([[0.0], [0.0], [3.0]])  # U = (1, 1, -2): a = -6 / (6 * 6^1.5)
    a = -6 / (6 * 6 ** 1.5)
    z0 = stats.norm.ppf(np.mean(samples[:, 0] < 0.2))
    expected = [stats.norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z)))
                for z in stats.norm.ppf([0.025, 0.975])]
    low_level, high_level = bca_levels(samples, point, jackknife, 0.95)
    np.testing.assert_allclose([low_level[0], high_level[0]], expected, rtol=1e-12)
    low, high = bca_interval(samples, point, jackknife, 0.95)
    np.testing.assert_allclose([low[0], high[0]], np.quantile(samples[:, 0], expected),
                               rtol=1e-12)


def test_bca_without_bias_or_acceleration_is_the_percentile_interval():
    rng = np.random.default_rng(6)
    samples = rng.normal(size=(2001, 3))
    point = np.median(samples, axis=0)
    jackknife = np.tile([[1.0], [-1.0]], (5, 3))  # symmetric: a = 0
    np.testing.assert_allclose(bca_interval(samples, point, jackknife, 0.9),
                               percentile_interval(samples, 0.9), rtol=1e-12)


def test_bca_edges_and_constant_columns():
    samples = np.column_stack([np.full(100, 0.5), np.linspace(1, 2, 100)])
    low, high = bca_interval(samples, np.array([0.5, 0.0]), np.zeros((10, 2)), 0.95)
    assert low[0] == high[0] == 0.5  # nothing varies: the interval is the value
    assert low[1] >= 1.0 and high[1] <= 2.0  # estimate below every resample: kept in range


def test_column_quantiles_match_numpy_with_blanks():
    rng = np.random.default_rng(8)
    samples = rng.normal(size=(50, 4))
    samples[:7, 2] = np.nan
    levels = np.array([0.025, 0.5, 0.9, 1.0])
    expected = [np.nanquantile(samples[:, j], levels[j]) for j in range(4)]
    np.testing.assert_allclose(column_quantiles(samples, levels), expected, rtol=1e-12)


def test_grouped_jackknife_deletes_groups_with_their_weights():
    rng = np.random.default_rng(9)
    y = rng.normal(size=500)
    w = rng.uniform(0.2, 3.0, 500)
    labels = jackknife_labels(500, seed=4)
    assert labels.max() == JACKKNIFE_GROUPS - 1
    assert set(np.bincount(labels)) == {5}
    values = jackknife_values(weighted_mean, y[:, None], y, w, labels)
    # Reference: the weighted mean of the respondents outside each group, computed directly.
    expected = [np.average(y[labels != g], weights=w[labels != g]) for g in range(100)]
    np.testing.assert_allclose(values[:, 0], expected, rtol=1e-12)
    assert np.array_equal(labels, jackknife_labels(500, seed=4))


# ---------------------------------------------------------------- kept resamples, ties


def test_resamples_regenerate_the_counts_and_survive_copies():
    rng = np.random.default_rng(10)
    y = rng.normal(size=70)
    samples = bootstrap_samples(weighted_mean, y[:, None], y, None, n_resamples=120, seed=5)
    record = Resamples(samples, ("mean",), pd.RangeIndex(70), seed=5)
    again = np.vstack([[np.average(y, weights=row)] for counts in record.counts()
                       for row in counts])
    np.testing.assert_array_equal(again, samples)
    frame = pd.DataFrame({"a": [1]})
    frame.attrs["resamples"] = record
    assert frame.copy().attrs["resamples"] is record
    assert not record.samples.flags.writeable


def test_data_counts_keep_the_model_base_and_resample_the_rest():
    record = Resamples(np.zeros((80, 1)), ("x",), pd.Index([3, 5, 7, 9]), seed=2)
    index = pd.Index(range(12))
    blocks = data_counts(record, index)
    counts = np.vstack(blocks)
    inner = np.vstack(record.counts())
    np.testing.assert_array_equal(counts[:, [3, 5, 7, 9]], inner)
    outside = np.setdiff1d(np.arange(12), [3, 5, 7, 9])
    assert (counts[:, outside].sum(axis=1) == len(outside)).all()
    # the others come from a stream of their own
    np.testing.assert_array_equal(counts[:, outside],
                                  np.vstack(resample_counts(len(outside), 80, 2, "outside")))
    assert not np.array_equal(counts[:, outside], np.vstack(resample_counts(len(outside), 80,
                                                                            2)))
    with pytest.raises(ValueError, match="not rows of this data"):
        data_counts(record, pd.Index(range(5)))
    with pytest.raises(ValueError, match="row labels repeat"):
        data_counts(record, pd.Index([3, 3, 5, 7, 9]))


def test_tie_groups_follow_the_leader_rule():
    # a and b overlap; c separates from a but overlaps b; d separates from everyone but e.
    table = pd.DataFrame({"driver": list("abcde"), "rank": [1, 2, 3, 4, 5]})
    overlapping = {("a", "b"), ("b", "c"), ("d", "e")}
    pairs = pd.DataFrame([{"driver": i, "other": j,
                           "distinguishable": (i, j) not in overlapping
                           and (j, i) not in overlapping}
                          for i in "abcde" for j in "abcde" if i != j])
    groups = tie_groups(table, pairs)
    assert groups["tie_group"].tolist() == [1, 1, 2, 3, 3]
    assert groups["tied_with_top"].tolist() == [True, True, False, False, False]


def test_pairwise_bca_uses_the_differences_jackknife():
    rng = np.random.default_rng(12)
    samples = rng.gamma(3.0, size=(3000, 2)) / 10
    jackknife = rng.normal(size=(40, 2)) ** 3
    pairs = pairwise_differences(samples, ["a", "b"], 0.95, point=np.array([0.3, 0.28]),
                                 method="bca", jackknife=jackknife)
    low, high = bca_interval(samples[:, [0]] - samples[:, [1]], np.array([0.02]),
                             jackknife[:, [0]] - jackknife[:, [1]], 0.95)
    assert pairs.loc[0, "ci_low"] == low[0] and pairs.loc[0, "ci_high"] == high[0]
