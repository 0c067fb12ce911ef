"""Exact Shapley / LMG decomposition of R^2 from a correlation matrix, and its sampled twin.

The R^2 of every subset of drivers comes from the correlation matrix by the sweep operator,
never by refitting. Each subset is made from a smaller one by one sweep: a subset only needs
the residual covariances of the drivers that may still join it and of the outcome(s), so the
matrices shrink as their number doubles. The sweep runs as one compiled kernel
(:mod:`drivers.subset_sweep`, numba): the packed lower triangle of each symmetric residual
matrix is updated, outer drivers depth first and the last ``12`` breadth first over runs of
subsets that fit in the processor's cache.

Cost, one driver per subset bit and one outcome: making a subset whose highest driver leaves
``d`` drivers after it takes ``(d + 2)^2`` floating-point operations (one division, the
outcome's residual, and the symmetric rank-1 update of the ``d`` remaining drivers); as half
the subsets have ``d = 0``, a quarter ``d = 1`` and so on, that averages 11 flops per subset,
and crediting each subset's R^2 to the Shapley values (below) adds 5: about ``16 * 2^m``
flops (multiplications, additions and one division per subset) for ``m`` drivers, plus
memory traffic. Every further outcome swept along adds about 10 per subset, against 16 for
a second sweep. Memory does not grow with ``2^m``: the values are accumulated as the subsets
are swept, in about 3.5 MB of working space per thread whatever ``m``.

Where exact stops: :data:`MAX_EXACT` drivers (or groups), 2^30 = 1.07 billion subsets, about
3.4 CPU seconds (``make bench`` prints it); the time doubles with each driver beyond. Groups
(experience dimensions) are exact for any number of drivers in at most :data:`MAX_EXACT`
groups. Beyond,
:func:`sampled_shapley` estimates the values by permutation sampling with Monte Carlo errors.
The subsets are split into a fixed set of tasks whose results are added in a fixed order, so
the values do not depend on how many threads ran them.

A driver whose residual variance, given the drivers already swept, is below ``1e-10`` of its
own variance is an exact linear combination of them: it is left unswept, as a
pseudo-inverse would, so it adds nothing to that subset and the R^2 stays right.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from math import comb, lgamma

import numpy as np

#: Largest number of drivers (or groups) decomposed exactly: 2^30 subsets, about 3.4 CPU
#: seconds (``make bench``); each driver more doubles the time.
MAX_EXACT = 30

#: Largest number of drivers (groups) whose 2^m subset R^2 :func:`subset_r2` returns as one
#: vector (2^24 doubles = 134 MB).
MAX_STORED = 24

#: Relative residual variance below which a driver counts as collinear with those swept.
PIVOT_TOL = 1e-10

#: Drivers swept breadth first inside the kernel (the low bits of a subset's index): 2^12
#: subsets keep the working columns within the 512 KB second-level cache.
INNER_BITS = 12

#: The subset space is split into 2^TASK_BITS tasks (fewer for small problems), fixed
#: whatever the number of threads, and their results are added in task order.
TASK_BITS = 6

#: Drivers (groups) from which the tasks are spread over threads; below, one sweep takes a
#: few milliseconds and starting threads would not pay.
THREADS_FROM = 22

#: Permutations swept together in :func:`sampled_shapley`.
_PERMUTATION_BATCH = 256

#: Low bits handled per chunk by the numpy reductions of a stored R^2 vector.
_INNER_BITS = 16


# ----------------------------------------------------------------------------- input checks


def _model_matrix(corr_xx, corr_xy, groups) -> tuple[np.ndarray, list[list[int]]]:
    """Joint matrix of drivers and outcomes (outcomes last) and the blocks that enter together.

    ``corr_xy`` is ``(k,)`` for one outcome or ``(k, q)`` for ``q`` outcomes sharing the drivers.
    """
    xx = np.asarray(corr_xx, dtype=np.float64)
    xy = np.asarray(corr_xy, dtype=np.float64)
    if xx.ndim != 2 or xx.shape[0] != xx.shape[1] or xx.shape[0] == 0:
        raise ValueError(f"corr_xx must be a square k x k matrix with k >= 1, got shape "
                         f"{xx.shape}")
    k = xx.shape[0]
    if xy.ndim not in (1, 2) or xy.shape[0] != k or (xy.ndim == 2 and xy.shape[1] == 0):
        raise ValueError(f"corr_xy must have one correlation per driver ({k}), or one column "
                         f"per outcome of them, got shape {xy.shape}")
    xy = xy.reshape(k, -1)
    if not (np.isfinite(xx).all() and np.isfinite(xy).all()):
        bad = sorted({int(i) for i in np.argwhere(~np.isfinite(xx)).ravel()}
                     | {int(i) for i in np.argwhere(~np.isfinite(xy))[:, 0]})
        raise ValueError(f"correlations of driver(s) {bad} are NaN or inf (a constant driver "
                         "has no correlation); drop them before the decomposition")
    if np.abs(xx - xx.T).max() > 1e-8:
        raise ValueError("corr_xx must be symmetric")
    q = xy.shape[1]
    full = np.zeros((k + q, k + q))
    full[:k, :k] = (xx + xx.T) / 2
    full[:k, k:] = xy
    full[k:, :k] = xy.T
    full[k:, k:] = np.eye(q)
    if groups is None:
        return full, [[j] for j in range(k)]
    blocks = [list(map(int, members)) for members in groups]
    if not blocks or any(len(members) == 0 for members in blocks):
        raise ValueError("groups must be a non-empty list of non-empty lists of driver indices")
    listed = [j for members in blocks for j in members]
    outside = sorted({j for j in listed if not 0 <= j < k})
    if outside:
        raise ValueError(f"group indices {outside} are outside 0..{k - 1}")
    twice = sorted({j for j in listed if listed.count(j) > 1})
    missing = sorted(set(range(k)) - set(listed))
    if twice or missing:
        raise ValueError("groups must place every driver in exactly one group (give a "
                         f"driver its own one-member group); in two or more: {twice}, in "
                         f"none: {missing}")
    return full, blocks


def _thresholds(full: np.ndarray) -> np.ndarray:
    """Pivot thresholds per variable: a zero-variance variable is never swept."""
    variance = np.diag(full)
    return np.where(variance > 0, PIVOT_TOL * variance, np.inf)


def _not_positive_semidefinite() -> ValueError:
    return ValueError("the correlation matrix of drivers and outcome is not positive "
                      "semidefinite (e.g. pairwise-complete correlations), so some R^2 would "
                      "fall outside 0..1; repair it first with "
                      "drivers.correlation.nearest_positive_definite")


def _too_many(m: int, what: str) -> ValueError:
    return ValueError(f"exact Shapley over {m} {what} needs 2^{m} subsets; exact stops at "
                      f"{MAX_EXACT} (2^{MAX_EXACT} subsets, seconds of CPU; each "
                      "one more doubles the time). Options: pass groups= to decompose R^2 over "
                      "fewer blocks (e.g. experience dimensions: exact for any number of "
                      "drivers), use sampled_shapley() (method='shapley_sampled': permutation "
                      "sampling with Monte Carlo standard errors), method='relative_weights' (a "
                      "close, fast approximation), or composite_scores()")


# ---------------------------------------------------------------------------- subset sweeps


def _credit_weights(m: int) -> np.ndarray:
    """``c(s) = w(s - 1) + w(s)`` for subset sizes ``s = 0..m``, with the Shapley weights
    ``w(s) = s! (m - s - 1)! / m!`` for ``0 <= s < m`` and zero otherwise (log-gamma keeps
    them finite for large ``m``)."""
    w = np.array([np.exp(lgamma(s + 1) + lgamma(m - s) - lgamma(m + 1)) if 0 <= s < m else 0.0
                  for s in range(-1, m + 1)])
    return w[:-1] + w[1:]


def _workers(n_jobs: int | None, m: int, tasks: int) -> int:
    if n_jobs is None:
        if m < THREADS_FROM:
            return 1
        from drivers.parallel import inner_threads

        n_jobs = inner_threads()  # one inside a worker process: its siblings hold the cores
    if int(n_jobs) != n_jobs or n_jobs < 1:
        raise ValueError(f"n_jobs must be a positive whole number, got {n_jobs!r}")
    return max(1, min(int(n_jobs), tasks))


@dataclass(frozen=True)
class _Plan:
    """What the kernel needs besides the matrix, for one shape of problem (reused across
    bootstrap resamples): see :func:`_plan`."""

    decisions: np.ndarray  # block (bit) decided i-th
    order: np.ndarray  # variable of each packed row: outcomes, then blocks in reverse
    packed_index: np.ndarray  # flat indices into the reordered matrix, packed
    sizes: np.ndarray  # variables per block, in decision order
    n_outer: int
    n_inner: int
    task_bits: int
    with_weight: np.ndarray  # c(s), s = 0..m
    credit_weights: np.ndarray  # c(h + 1 + popcount(s)), per outer size h
    inner_rows: int


@lru_cache(maxsize=32)
def _plan(blocks: tuple[tuple[int, ...], ...], k: int, outcomes: int) -> _Plan:
    """Block ``i`` is bit ``i`` of a subset's index. The kernel decides the high blocks first
    (depth first) and the :data:`INNER_BITS` low blocks last (breadth first); the packed
    matrix holds the outcome rows, then the blocks in the reverse of that order (see
    :mod:`drivers.subset_sweep`), each block's first member in its last row, swept first."""
    m = len(blocks)
    L = min(m, INNER_BITS)
    H = m - L
    decisions = np.r_[np.arange(m - 1, L - 1, -1), np.arange(L)]
    order = list(range(k, k + outcomes))
    for block in decisions[::-1]:
        order += blocks[block][::-1]
    rows = len(order)
    lower = np.tril_indices(rows)
    keep = (lower[0] >= outcomes) | (lower[0] == lower[1])  # outcomes never meet each other
    order = np.array(order)
    packed_index = order[lower[0][keep]] * rows + order[lower[1][keep]]
    with_weight = _credit_weights(m)
    popcount = np.bitwise_count(np.arange(1 << max(L - 1, 0), dtype=np.int64))
    credit_weights = with_weight[np.arange(H + 1)[:, None] + 1 + popcount[None, :]]
    return _Plan(decisions=decisions, order=order, packed_index=packed_index,
                 sizes=np.array([len(blocks[b]) for b in decisions], dtype=np.int64),
                 n_outer=H, n_inner=L, task_bits=min(H, TASK_BITS), with_weight=with_weight,
                 credit_weights=credit_weights,
                 inner_rows=outcomes + sum(len(blocks[b]) for b in range(L)))


_workspaces = threading.local()

#: Largest working space a thread keeps between sweeps (bytes): 21 single drivers and two
#: outcomes need 3.5 MB; large groups need more, allocated afresh each time.
_KEPT_WORKSPACE = 16 << 20


def _workspace(depth: int, packed: int, entries: int, subsets: int, outcomes: int
               ) -> tuple[np.ndarray, ...]:
    """The kernel's working space for this thread, kept from call to call while the shape
    of the problem stays the same (a bootstrap sweeps the same shape a thousand times: fresh
    megabytes each time cost page faults and their zeroing by the system)."""
    from drivers.subset_sweep import COLUMN_RUN

    key = (depth, packed, entries, subsets, outcomes)
    if getattr(_workspaces, "key", None) == key:
        return _workspaces.arrays
    # The padding keeps rows of G out of each other's cache sets.
    columns = subsets + 8
    arrays = (np.empty((depth + 1, packed)), np.empty((entries, columns)), np.empty(COLUMN_RUN),
              np.empty(columns), np.empty((outcomes, columns)))
    if sum(a.nbytes for a in arrays) <= _KEPT_WORKSPACE:
        _workspaces.key, _workspaces.arrays = key, arrays
    return arrays


def _sweep(full: np.ndarray, blocks: list[list[int]], outcomes: int, store: bool = False,
           n_jobs: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Shapley values ``(m, outcomes)`` and, when ``store``, the subset R^2 ``(outcomes, 2^m)``."""
    from drivers import subset_sweep as kernel

    m = len(blocks)
    k = full.shape[0] - outcomes
    plan = _plan(tuple(tuple(b) for b in blocks), k, outcomes)
    H, L = plan.n_outer, plan.n_inner
    packed = full.ravel()[plan.packed_index]
    thresholds = _thresholds(full)[plan.order]
    tasks = 1 << plan.task_bits
    phi_tasks = np.zeros((tasks, m, outcomes))
    full_r2 = np.zeros(outcomes)
    status = np.zeros(tasks, dtype=np.int64)
    r2 = np.empty((outcomes, 1 << m) if store else (outcomes, 1))
    inverse_variance = 1.0 / np.diag(full)[k:]

    def run(first: int, last: int) -> None:
        kernel.run_tasks(packed, thresholds, plan.sizes, outcomes, H, L, plan.task_bits,
                         first, last, inverse_variance, plan.with_weight, plan.credit_weights,
                         phi_tasks, full_r2, status, r2, store,
                         *_workspace(H, packed.size, kernel.entries(plan.inner_rows, outcomes),
                                     1 << L, outcomes))

    workers = _workers(n_jobs, m, tasks)
    if workers == 1:
        run(0, tasks)
    else:
        with ThreadPoolExecutor(workers) as pool:
            # Contiguous runs of tasks, several per thread so a slow thread is not waited
            # for; which thread runs a task does not change its result.
            runs = np.array_split(np.arange(tasks), 4 * workers)
            list(pool.map(lambda run_: run(int(run_[0]), int(run_[-1]) + 1), runs))
    if status.any():
        raise _not_positive_semidefinite()
    # Fixed reduction order: task 0 first, whatever thread ran it.
    credit = np.zeros((m, outcomes))
    for task in range(tasks):
        credit += phi_tasks[task]
    # sum_S |S| c(|S|) R^2(S) - m sum_S w(|S|) R^2(S) = R^2(all drivers) (the values add up
    # to the full R^2), which gives the baseline sum_S w(|S|) R^2(S) from the credits.
    baseline = (credit.sum(axis=0) - full_r2) / m
    values = np.empty((m, outcomes))
    # A value averages gains in R^2, which are never negative; a driver that adds nothing
    # can round to -2e-16, which is zero.
    values[plan.decisions] = np.maximum(credit - baseline, 0.0)
    return values, (r2 if store else None)


def subset_r2(corr_xx, corr_xy, groups=None) -> np.ndarray:
    """R^2 of the regression of the outcome on every subset of drivers (or of groups).

    Parameters
    ----------
    corr_xx : array-like (k, k)
        Driver correlation matrix (positive semidefinite; singular is fine).
    corr_xy : array-like (k,) or (k, q)
        Correlations of the drivers with the outcome (with each of ``q`` outcomes).
    groups : list of lists of int, optional
        Blocks of driver indices that enter the regression together; every driver in
        exactly one block. Default: each driver alone.

    Returns
    -------
    ndarray (2^m,) or (2^m, q)
        ``r2[s]`` is the R^2 of the OLS of the outcome on the drivers (groups) whose bit is
        set in ``s`` (bit ``i`` = driver or group ``i``); ``r2[0] = 0``. ``m`` is the number of
        drivers, or of groups, at most :data:`MAX_STORED`.

    Notes
    -----
    ``R^2(S) = r_S' R_SS^- r_S``. Sweeping a driver (Goodnight 1979, The American
    Statistician 33, 149-158) turns the joint matrix into the residual covariances given
    that driver; the outcome's residual variance after sweeping ``S`` is ``1 - R^2(S)``. The
    subsets are built from smaller ones by one sweep each (see the module notes), so the
    cost is ``O(2^m)`` flops times a small constant, not ``O(2^m m^3)``.

    Examples
    --------
    >>> corr_xx = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> subset_r2(corr_xx, np.array([0.6, 0.4])).round(4).tolist()
    [0.0, 0.36, 0.16, 0.3733]
    """
    full, blocks = _model_matrix(corr_xx, corr_xy, groups)
    m = len(blocks)
    if m > MAX_STORED:
        raise ValueError(f"subset_r2 returns all 2^{m} R^2 of {m} "
                         f"{'drivers' if groups is None else 'groups'}; at most {MAX_STORED} "
                         f"(2^{MAX_STORED} values, 134 MB). shapley_values() needs no such "
                         f"table and is exact up to {MAX_EXACT}")
    outcomes = full.shape[0] - np.asarray(corr_xx).shape[0]
    r2 = _sweep(full, blocks, outcomes, store=True)[1]
    return r2[0] if np.ndim(corr_xy) == 1 else r2.T


# --------------------------------------------------------------- from R^2 to Shapley values


def size_sums(r2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sums of subset R^2 by subset size, overall and over the subsets holding each driver.

    Parameters
    ----------
    r2 : ndarray (2^m,)
        R^2 by subset bitmask, as from :func:`subset_r2`.

    Returns
    -------
    with_driver : ndarray (m, m + 1)
        ``with_driver[j, s]``: sum of ``r2`` over subsets of size ``s`` that contain ``j``.
    total : ndarray (m + 1,)
        ``total[s]``: sum of ``r2`` over all subsets of size ``s``.

    Notes
    -----
    Computed in chunks of ``2^16`` subsets with one weighted ``bincount`` by size per low
    bit, so no ``2^m x m`` membership table is ever built.

    Examples
    --------
    >>> with_driver, total = size_sums(np.array([0.0, 0.36, 0.16, 0.3733]))
    >>> with_driver.round(4).tolist(), total.round(4).tolist()
    ([[0.0, 0.36, 0.3733], [0.0, 0.16, 0.3733]], [0.0, 0.52, 0.3733])
    """
    r2 = np.asarray(r2, dtype=np.float64)
    m = int(r2.size).bit_length() - 1
    if r2.ndim != 1 or r2.size != 1 << m or m < 1:
        raise ValueError(f"r2 must have length 2^m with m >= 1, got {r2.size}")
    low = min(m, _INNER_BITS)
    low_sizes = np.bitwise_count(np.arange(1 << low, dtype=np.int64)).astype(np.intp)
    # Sizes of the low-bit subsets that hold bit j: the upper half of every 2^(j+1) run.
    sizes_with = [low_sizes.reshape(-1, 2, 1 << j)[:, 1, :].ravel() for j in range(low)]
    with_driver = np.zeros((m, m + 1))
    total = np.zeros(m + 1)
    high_bits = np.arange(m - low)
    span = low + 1
    for high in range(1 << (m - low)):
        chunk = r2[high << low:(high + 1) << low]
        shift = int(high).bit_count()
        chunk_total = np.bincount(low_sizes, weights=chunk, minlength=span)
        total[shift:shift + span] += chunk_total
        for j in range(low):
            held = chunk.reshape(-1, 2, 1 << j)[:, 1, :].ravel()
            with_driver[j, shift:shift + span] += np.bincount(sizes_with[j], weights=held,
                                                              minlength=span)
        for j in high_bits[(high >> high_bits) & 1 == 1]:
            with_driver[low + j, shift:shift + span] += chunk_total
    return with_driver, total


def marginal_by_size(r2: np.ndarray) -> np.ndarray:
    """Average gain in R^2 from adding each driver to subsets of each size of the others.

    Parameters
    ----------
    r2 : ndarray (2^m,)
        R^2 by subset bitmask, as from :func:`subset_r2`.

    Returns
    -------
    ndarray (m, m)
        Entry ``[j, s]``: mean of ``R^2(S + j) - R^2(S)`` over the ``C(m-1, s)`` subsets ``S``
        of size ``s`` without ``j`` (Azen & Budescu's conditional contributions).

    Examples
    --------
    >>> marginal_by_size(np.array([0.0, 0.36, 0.16, 0.3733])).round(4).tolist()
    [[0.36, 0.2133], [0.16, 0.0133]]
    """
    with_driver, total = size_sums(r2)
    m = with_driver.shape[0]
    without = total[None, :] - with_driver
    counts = np.array([comb(m - 1, s) for s in range(m)], dtype=np.float64)
    return (with_driver[:, 1:] - without[:, :-1]) / counts


def shapley_from_r2(r2: np.ndarray) -> np.ndarray:
    """Shapley values of the drivers from the R^2 of every subset.

    Parameters
    ----------
    r2 : ndarray (2^m,)
        R^2 by subset bitmask, as from :func:`subset_r2`.

    Returns
    -------
    ndarray (m,)
        ``phi_j``; they sum to ``r2[-1]``, the R^2 of the full model.

    Notes
    -----
    ``phi_j = sum_{S without j} w(|S|) (R^2(S + j) - R^2(S))`` with
    ``w(s) = s! (m-s-1)! / m!`` (Shapley 1953; Lindeman, Merenda & Gold 1980; Grömping 2007,
    The American Statistician 61, 139-147). Regrouped by subset,
    ``phi_j = sum_{S with j} c(S) - sum_S w(|S|) R^2(S)`` with ``c(S) = (w(|S|-1) + w(|S|))
    R^2(S)``, so one weighting pass and, per chunk, one halving fold (each bit's sum is the
    upper half's total before the halves are added) give all ``m`` values in ``O(2^m)``.

    Examples
    --------
    >>> shapley_from_r2(np.array([0.0, 0.36, 0.16, 0.3733])).round(4).tolist()
    [0.2867, 0.0867]
    """
    r2 = np.asarray(r2, dtype=np.float64)
    m = int(r2.size).bit_length() - 1
    if r2.ndim != 1 or r2.size != 1 << m or m < 1:
        raise ValueError(f"r2 must have length 2^m with m >= 1, got {r2.size}")
    sizes = np.arange(-1, m + 1)
    # w(s) for s = -1..m, zero outside 0..m-1, via log-gamma to stay finite for large m.
    w = np.array([np.exp(lgamma(s + 1) + lgamma(m - s) - lgamma(m + 1)) if 0 <= s < m else 0.0
                  for s in sizes])
    with_j, everyone = w[:-1] + w[1:], w[1:]   # indexed by |S| = 0..m
    low = min(m, _INNER_BITS)
    low_sizes = np.bitwise_count(np.arange(1 << low, dtype=np.int64)).astype(np.intp)
    # Per-chunk weights depend only on how many high bits are set: one table row each.
    shifts = np.arange(m - low + 1)[:, None]
    with_j_table, everyone_table = with_j[low_sizes + shifts], everyone[low_sizes + shifts]
    high_bits = np.arange(m - low)
    phi = np.zeros(m)
    baseline = 0.0
    for high in range(1 << (m - low)):
        chunk = r2[high << low:(high + 1) << low]
        shift = int(high).bit_count()
        weighted = with_j_table[shift] * chunk
        # Elementwise product and sum, not a BLAS dot: numpy's pairwise summation is more
        # accurate, and a threaded BLAS call on a busy machine costs more than it saves.
        baseline += float((everyone_table[shift] * chunk).sum())
        phi[low + high_bits[(high >> high_bits) & 1 == 1]] += weighted.sum()
        for j in range(low - 1, -1, -1):
            half = 1 << j
            phi[j] += weighted[half:].sum()
            weighted = weighted[:half] + weighted[half:]
    return phi - baseline


def shapley_values(corr_xx, corr_xy, groups=None, *, n_jobs: int | None = None) -> np.ndarray:
    """Exact LMG / Shapley decomposition of R^2 over drivers, or over groups of drivers.

    Parameters
    ----------
    corr_xx : array-like (k, k)
        Driver correlation matrix (positive semidefinite; collinear drivers are fine).
    corr_xy : array-like (k,) or (k, q)
        Correlations of the drivers with the outcome, or with each of ``q`` outcomes (CSAT,
        NPS, ...): all outcomes are decomposed in one sweep of the driver subsets.
    groups : list of lists of int, optional
        Blocks of driver indices, every driver in exactly one; each block enters the
        regression as a whole, as with ``groups=`` in R's relaimpo.
    n_jobs : int, optional
        Threads sharing the subsets. Default: one below :data:`THREADS_FROM` drivers (groups),
        every available core from there. The values do not depend on it.

    Returns
    -------
    ndarray (m,) or (m, q)
        One value per driver (or group) and outcome; each column sums to the R^2 of that
        outcome's full regression.

    Raises
    ------
    ValueError
        For more than :data:`MAX_EXACT` drivers (groups): exact stops there (2^30 subsets,
        seconds of CPU); the message names what to use instead (``groups``,
        or :func:`sampled_shapley`).

    Notes
    -----
    The LMG measure (Lindeman, Merenda & Gold 1980) is the Shapley value of the R^2 game
    (Grömping 2007): each driver's gain in R^2 averaged over all orders of entry,
    ``phi_j = sum_{S without j} w(|S|) (R^2(S + j) - R^2(S))`` with
    ``w(s) = s! (m-s-1)! / m!`` (Shapley 1953). It equals general dominance (Azen & Budescu
    2003). The ``2^m`` subset R^2 are credited to the values as they are swept (see the
    module notes), so memory does not grow with ``2^m``. On R's ``swiss`` data it
    reproduces ``relaimpo::calc.relimp`` (type ``"lmg"``) to 8 decimals, with and without
    groups (see tests).

    Examples
    --------
    >>> corr_xx = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> values = shapley_values(corr_xx, np.array([0.6, 0.4]))
    >>> values.round(4).tolist(), round(float(values.sum()), 4)
    ([0.2867, 0.0867], 0.3733)

    Two outcomes in one sweep, one column each:

    >>> shapley_values(corr_xx, np.array([[0.6, 0.2], [0.4, 0.5]])).round(4).tolist()
    [[0.2867, 0.0217], [0.0867, 0.2317]]
    """
    full, blocks = _model_matrix(corr_xx, corr_xy, groups)
    m = len(blocks)
    if m > MAX_EXACT:
        raise _too_many(m, "drivers" if groups is None else "groups")
    outcomes = full.shape[0] - np.asarray(corr_xx).shape[0]
    values = _sweep(full, blocks, outcomes, n_jobs=n_jobs)[0]
    return values[:, 0] if np.ndim(corr_xy) == 1 else values


# --------------------------------------------------------------------- permutation sampling


def sampled_shapley(corr_xx, corr_xy, n_permutations: int = 2000, seed=None, groups=None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Shapley decomposition of R^2 estimated from random orders of entry.

    Parameters
    ----------
    corr_xx : array-like (k, k)
        Driver correlation matrix.
    corr_xy : array-like (k,)
        Correlations of the drivers with the outcome.
    n_permutations : int
        Random orders of the drivers (groups) to average over; at least 2.
    seed : int or numpy.random.Generator, optional
        Seed for ``numpy.random.default_rng``; the same seed gives the same result.
    groups : list of lists of int, optional
        Blocks of driver indices that enter together, as in :func:`shapley_values`.

    Returns
    -------
    values : ndarray (m,)
        Estimated Shapley value per driver (group); they sum exactly to the full R^2,
        since every order's gains do.
    standard_errors : ndarray (m,)
        Monte Carlo standard errors: standard deviation of the per-order gains over
        ``sqrt(n_permutations)``.

    Notes
    -----
    ``phi_j = E_pi[R^2(P_j(pi) + j) - R^2(P_j(pi))]`` where ``P_j(pi)`` are the drivers before
    ``j`` in a uniformly random order ``pi`` (Castro, Gómez & Tejada 2009, Computers &
    Operations Research 36, 1726-1730). Each order costs ``k`` sweeps of the joint matrix,
    ``O(k^3)``, vectorised over batches of orders. Works for any number of drivers.

    Examples
    --------
    >>> corr_xx = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> values, errors = sampled_shapley(corr_xx, np.array([0.6, 0.4]), 500, seed=1)
    >>> bool(abs(values - [0.2867, 0.0867]).max() < 4 * errors.max())
    True
    """
    if np.ndim(corr_xy) != 1:
        raise ValueError("sampled_shapley takes one outcome: corr_xy must have one "
                         "correlation per driver")
    full, blocks = _model_matrix(corr_xx, corr_xy, groups)
    if int(n_permutations) != n_permutations or n_permutations < 2:
        raise ValueError(f"n_permutations must be an integer >= 2, got {n_permutations!r}")
    n_permutations = int(n_permutations)
    m, k = len(blocks), full.shape[0] - 1
    rng = np.random.default_rng(seed)
    orders = rng.permuted(np.tile(np.arange(m), (n_permutations, 1)), axis=1)
    block_of = np.empty(k, dtype=np.int64)
    for b, members in enumerate(blocks):
        block_of[members] = b
    thresholds = _thresholds(full)
    gains = np.empty((n_permutations, m))
    for first in range(0, n_permutations, _PERMUTATION_BATCH):
        batch = orders[first:first + _PERMUTATION_BATCH]
        variables = np.array([[j for b in order for j in blocks[b]] for order in batch])
        gains[first:first + len(batch)] = _order_gains(full, variables, block_of, thresholds, m)
    values = gains.mean(axis=0)
    errors = gains.std(axis=0, ddof=1) / np.sqrt(n_permutations)
    return values, errors


def _order_gains(full: np.ndarray, variables: np.ndarray, block_of: np.ndarray,
                 thresholds: np.ndarray, m: int) -> np.ndarray:
    """Gain in R^2 of each block when the variables enter in each row's order."""
    count, k = variables.shape
    order = np.concatenate([variables, np.full((count, 1), k)], axis=1)
    # Matrices on the first two axes, orders on the last (see _add_block).
    A = full[order[:, :, None], order[:, None, :]].transpose(1, 2, 0).copy()
    limits = thresholds[variables]
    gains = np.zeros((count, m))
    rows = np.arange(count)
    for step in range(k):
        pivot = A[0, 0]
        if (pivot < -limits[:, step]).any():
            raise _not_positive_semidefinite()
        inverse = np.zeros_like(pivot)
        np.divide(1.0, pivot, out=inverse, where=pivot > limits[:, step])
        column = A[1:, 0]
        # The outcome's residual variance falls by cov(y, x | before)^2 / var(x | before).
        gains[rows, block_of[variables[:, step]]] += column[-1] ** 2 * inverse
        A = A[1:, 1:] - (column * inverse)[:, None] * column[None, :]
    if A[0, 0].min() < -1e-9:
        raise _not_positive_semidefinite()
    return gains
