"""Respondent resampling around any importance statistic: intervals for importance, share and rank.

A bootstrap resample draws n respondents with replacement. Instead of copying rows we draw
how often each respondent is picked (multinomial counts) and multiply the design weights by
those counts: a weighted statistic on ``weights * counts`` equals the statistic on the
resampled rows, weights respected, and nothing is copied. Resamples are drawn in fixed blocks,
each from its own child of one ``numpy.random.SeedSequence``, so a seed gives the same numbers
bit for bit however many processes share the work.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(200, 2)); y = X @ [1.0, 0.5] + rng.normal(size=200)
>>> def slope(X, y, w):
...     covariance = np.cov(X[:, 0], y, aweights=w)
...     return np.array([covariance[0, 1] / covariance[0, 0]])
>>> samples = bootstrap_samples(slope, X, y, None, n_resamples=200, seed=1)
>>> samples.shape
(200, 1)
>>> low, high = percentile_interval(samples, 0.95)
>>> bool(low[0] < 1.0 < high[0])
True
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

#: Resamples drawn from one child seed; fixed so results do not depend on the worker count.
BLOCK = 50
#: Projected seconds of single-process work above which resampling moves to worker processes.
PROCESS_WORTH_SECONDS = 4.0


def resample_counts(n: int, n_resamples: int, seed: int | None) -> list[np.ndarray]:
    """How often each of ``n`` respondents is drawn, per resample, in blocks of :data:`BLOCK`.

    Returns a list of integer arrays of shape (block size, n); each row sums to n.
    """
    children = np.random.SeedSequence(seed).spawn(int(np.ceil(n_resamples / BLOCK)))
    blocks = []
    remaining = n_resamples
    for child in children:
        size = min(BLOCK, remaining)
        rng = np.random.default_rng(child)
        blocks.append(rng.multinomial(n, np.full(n, 1.0 / n), size=size).astype(np.float64))
        remaining -= size
    return blocks


def _run_block(statistic: Callable, X: np.ndarray, y: np.ndarray, weights: np.ndarray | None,
               counts: np.ndarray) -> np.ndarray:
    from drivers.blas import one_blas_thread

    base = np.ones(X.shape[0]) if weights is None else weights
    # A resample's matrices are small (tens of columns): a multi-threaded BLAS spends more
    # time waking its threads than computing (5x slower measured on 2 cores), and the
    # resamples are already spread over processes.
    with one_blas_thread():
        return np.vstack([statistic(X, y, base * row) for row in counts])


def bootstrap_samples(statistic: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
                      X: np.ndarray, y: np.ndarray, weights: np.ndarray | None,
                      n_resamples: int = 1000, seed: int | None = None, n_jobs: int = 1,
                      progress: bool = False, description: str = "bootstrap") -> np.ndarray:
    """Evaluate ``statistic(X, y, weights)`` on ``n_resamples`` respondent resamples.

    Parameters
    ----------
    statistic : callable
        ``statistic(X, y, w) -> 1-D array``; must treat ``w`` as frequency weights (a respondent
        drawn twice counts twice, one not drawn has weight 0).
    X, y : ndarray
        Drivers (n x k) and outcome (n), complete cases.
    weights : ndarray or None
        Design weights, carried by every resampled respondent.
    n_resamples : int
        Number of resamples.
    seed : int or None
        Seed of the resampling; the same seed gives identical samples.
    n_jobs : int
        Processes sharing the blocks (results do not depend on it). They are used only when
        the first block, run and timed in this process, projects more than
        :data:`PROCESS_WORTH_SECONDS` of remaining work: starting workers costs about a second.
    progress : bool
        Show a tqdm progress bar on standard error.

    Returns
    -------
    ndarray, shape (n_resamples, k)
    """
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive whole number, got {n_resamples}")
    blocks = resample_counts(len(y), n_resamples, seed)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=n_resamples, desc=description, unit="resample", leave=False)
    # The first block runs here and is timed: worker processes cost a second or two to
    # start, which only pays when the remaining blocks would take longer than that.
    start = time.perf_counter()
    results = [_run_block(statistic, X, y, weights, blocks[0])]
    if bar is not None:
        bar.update(len(blocks[0]))
    remaining = blocks[1:]
    projected = (time.perf_counter() - start) * len(remaining)
    if n_jobs > 1 and len(remaining) > 1 and projected > PROCESS_WORTH_SECONDS:
        from joblib import Parallel, delayed

        jobs = (delayed(_run_block)(statistic, X, y, weights, counts) for counts in remaining)
        rest = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
    else:
        rest = (_run_block(statistic, X, y, weights, counts) for counts in remaining)
    for block in rest:
        results.append(block)
        if bar is not None:
            bar.update(len(block))
    if bar is not None:
        bar.close()
    return np.vstack(results)


def percentile_interval(samples: np.ndarray, ci: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per column of ``samples`` (NaN-aware)."""
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1 (e.g. 0.95), got {ci}")
    alpha = (1 - ci) / 2
    low, high = np.nanquantile(samples, [alpha, 1 - alpha], axis=0)
    return low, high


def ranks_of(samples: np.ndarray) -> np.ndarray:
    """Rank of each column within each row (1 = largest), ties sharing the lower rank."""
    order = pd.DataFrame(samples).rank(axis=1, ascending=False, method="min")
    return order.to_numpy()


def interval_columns(point: pd.DataFrame, samples: np.ndarray, ci: float,
                     shares: np.ndarray | None = None, pairs: pd.DataFrame | None = None
                     ) -> pd.DataFrame:
    """Add ``ci_low``, ``ci_high``, ``share_ci_low``, ``share_ci_high``, ``rank_ci_low``,
    ``rank_ci_high`` and ``indistinguishable_from`` to a point-estimate table.

    ``point`` has one row per driver in the column order of ``samples``. Two drivers are
    indistinguishable when the interval of their difference in share contains zero; pass
    ``pairs`` (from :func:`pairwise_differences` on the share samples) when already computed.
    """
    table = point.copy()
    table["ci_low"], table["ci_high"] = percentile_interval(samples, ci)
    shares = shares if shares is not None else share_samples(samples)
    table["share_ci_low"], table["share_ci_high"] = percentile_interval(shares, ci)
    rank_low, rank_high = percentile_interval(ranks_of(np.abs(samples)), ci)
    table["rank_ci_low"], table["rank_ci_high"] = rank_low, rank_high
    if pairs is None:
        pairs = pairwise_differences(shares, list(table["driver"]), ci)
    ties = pairs[~pairs["distinguishable"]]
    table["indistinguishable_from"] = [
        ", ".join(ties.loc[ties["driver"] == d, "other"]) for d in table["driver"]
    ]
    return table


def share_samples(samples: np.ndarray, rule: str = "absolute") -> np.ndarray:
    """Each resample's importances as shares of their total.

    ``rule``: ``ratio`` (v / sum v, signs kept: decompositions), ``absolute`` (|v| / sum |v|:
    signed coefficients) or ``positive`` (max(v, 0) / sum: permutation importances).

    >>> share_samples(np.array([[0.2, 0.2], [0.3, -0.1]]), "ratio").round(4).tolist()
    [[0.5, 0.5], [1.5, -0.5]]
    """
    values = np.asarray(samples, dtype=float)
    if rule == "absolute":
        values = np.abs(values)
    elif rule == "positive":
        values = np.clip(values, 0, None)
    totals = values.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals != 0, values / totals, np.nan)


def pairwise_differences(samples: np.ndarray, names: list[str], ci: float = 0.95,
                         point: np.ndarray | None = None) -> pd.DataFrame:
    """Every ordered pair of drivers: the difference in the statistic with its interval.

    Parameters
    ----------
    samples : ndarray (resamples, k)
        Bootstrap samples of the statistic (e.g. shares), one column per driver.
    names : list of str
        Driver names, one per column.
    ci : float
        Interval level.
    point : ndarray (k,), optional
        The full-sample estimates; ``diff`` is then their difference, otherwise the bootstrap
        mean of the differences.

    Returns
    -------
    DataFrame
        ``driver``, ``other``, ``diff`` (driver minus other), ``ci_low``, ``ci_high``
        (percentile interval of the difference), ``distinguishable`` (the interval excludes
        zero).
    """
    k = samples.shape[1]
    rows = []
    for i in range(k):
        for j in range(k):
            if i == j:
                continue
            difference = samples[:, i] - samples[:, j]
            low, high = percentile_interval(difference[:, None], ci)
            centre = np.nanmean(difference) if point is None else point[i] - point[j]
            rows.append({"driver": names[i], "other": names[j], "diff": float(centre),
                         "ci_low": float(low[0]), "ci_high": float(high[0]),
                         "distinguishable": bool(low[0] > 0 or high[0] < 0)})
    return pd.DataFrame(rows, columns=["driver", "other", "diff", "ci_low", "ci_high",
                                       "distinguishable"])
