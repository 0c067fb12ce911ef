"""Exact Shapley / LMG decomposition of R^2 from a correlation matrix, and its sampled twin.

The R^2 of every subset of drivers comes from the correlation matrix by the sweep operator,
never by refitting. Subsets are built the way a binary counter grows: the subsets that use
only drivers ``0..t-1`` become, by one sweep on driver ``t`` each, the subsets whose largest
driver is ``t``. A subset only ever needs the residual covariances of drivers that may still
join it (those after its largest) and of the outcome, so the matrices shrink as their number
doubles and all ``2^m`` subsets cost about ``12 * 2^m`` multiply-adds in total, in numpy
calls that each run over long rows of subsets. The high drivers are swept first and their
``2^(m - 16)`` subsets handed out in batches, which bounds memory at a few tens of MB
besides the ``2^m`` vector of R^2 values.

A driver whose residual variance, given the drivers already swept, is below ``1e-10`` of its
own variance is an exact linear combination of them: it is left unswept, as a
pseudo-inverse would, so it adds nothing to that subset and the R^2 stays right.
"""

from __future__ import annotations

from math import comb, lgamma

import numpy as np

#: Largest number of drivers (or groups) decomposed exactly: 2^24 subsets, 134 MB of R^2.
MAX_EXACT = 24

#: Relative residual variance below which a driver counts as collinear with those swept.
PIVOT_TOL = 1e-10

#: Drivers handled inside one vectorised batch (the low bits of the subset index).
_INNER_BITS = 16

#: Subsets per vectorised batch: 2^18 subsets keep each working array below ~20 MB.
_BATCH_BITS = 18

#: Permutations swept together in :func:`sampled_shapley`.
_PERMUTATION_BATCH = 256


# ----------------------------------------------------------------------------- input checks


def _model_matrix(corr_xx, corr_xy, groups) -> tuple[np.ndarray, list[list[int]]]:
    """Joint matrix of drivers and outcome (outcome last) and the blocks that enter together."""
    xx = np.asarray(corr_xx, dtype=np.float64)
    xy = np.asarray(corr_xy, dtype=np.float64)
    if xx.ndim != 2 or xx.shape[0] != xx.shape[1] or xx.shape[0] == 0:
        raise ValueError(f"corr_xx must be a square k x k matrix with k >= 1, got shape "
                         f"{xx.shape}")
    k = xx.shape[0]
    if xy.shape != (k,):
        raise ValueError(f"corr_xy must have one correlation per driver ({k}), got shape "
                         f"{xy.shape}")
    bad = sorted({int(i) for i in np.argwhere(~np.isfinite(xx)).ravel()}
                 | {int(i) for i in np.flatnonzero(~np.isfinite(xy))})
    if bad:
        raise ValueError(f"correlations of driver(s) {bad} are NaN or inf (a constant driver "
                         "has no correlation); drop them before the decomposition")
    if not np.allclose(xx, xx.T, rtol=0.0, atol=1e-8):
        raise ValueError("corr_xx must be symmetric")
    full = np.empty((k + 1, k + 1))
    full[:k, :k] = (xx + xx.T) / 2
    full[:k, k] = full[k, :k] = xy
    full[k, k] = 1.0
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
    return ValueError(f"exact Shapley over {m} {what} needs 2^{m} subsets; at most "
                      f"{MAX_EXACT} are decomposed exactly. Pass groups= to decompose over "
                      "fewer blocks (e.g. experience dimensions), or use sampled_shapley() "
                      "for a permutation estimate with Monte Carlo standard errors")


# ---------------------------------------------------------------------------- subset sweeps


def _add_block(A: np.ndarray, size: int, thresholds: np.ndarray) -> np.ndarray:
    """Double the subsets in ``A`` by one block: first without it, then with it swept.

    ``A`` holds residual covariance matrices on its first two axes (the block's variables
    first) and subsets on its last axis, so every operation runs over long contiguous rows
    of subsets. The block's variables leave the matrices either way.
    """
    n = A.shape[-1]
    rest = A.shape[0] - size
    out = np.empty((rest, rest) + A.shape[2:-1] + (2 * n,))
    out[..., :n] = A[size:, size:]
    current = A
    for i in range(size):
        pivot = current[0, 0]
        if (pivot < -thresholds[i]).any():
            raise _not_positive_semidefinite()
        inverse = np.zeros_like(pivot)
        np.divide(1.0, pivot, out=inverse, where=pivot > thresholds[i])
        column = current[1:, 0]
        update = (column * inverse)[:, None] * column[None, :]
        if i == size - 1:
            np.subtract(current[1:, 1:], update, out=out[..., n:])
        else:
            current = current[1:, 1:] - update
    return out


def _subset_r2(full: np.ndarray, blocks: list[list[int]]) -> np.ndarray:
    m = len(blocks)
    inner, outer = blocks[:min(m, _INNER_BITS)], blocks[min(m, _INNER_BITS):]
    order = [j for b in outer for j in b] + [j for b in inner for j in b] + [full.shape[0] - 1]
    matrix = full[np.ix_(order, order)]
    thresholds = _thresholds(matrix)

    # Outer phase: all subsets of the high blocks, as matrices over inner drivers + outcome.
    A = matrix[:, :, None]
    offset = 0
    for block in outer:
        A = _add_block(A, len(block), thresholds[offset:offset + len(block)])
        offset += len(block)

    # Inner phase: each outer subset times all subsets of the low blocks, in batches; the
    # subset index is outer * 2^len(inner) + inner, so each batch fills a contiguous run.
    n_inner = 1 << len(inner)
    per_batch = max(1, (1 << _BATCH_BITS) // n_inner)
    variance_y = matrix[-1, -1]
    r2 = np.empty(A.shape[-1] * n_inner)
    for first in range(0, A.shape[-1], per_batch):
        B = A[:, :, first:first + per_batch, None]
        position = offset
        for block in inner:
            B = _add_block(B, len(block), thresholds[position:position + len(block)])
            position += len(block)
        residual = B[0, 0].reshape(-1)
        r2[first * n_inner:first * n_inner + residual.size] = 1.0 - residual / variance_y
    r2[0] = 0.0
    if r2.max() > 1.0 + 1e-9:
        raise _not_positive_semidefinite()
    return r2


def subset_r2(corr_xx, corr_xy, groups=None) -> np.ndarray:
    """R^2 of the regression of the outcome on every subset of drivers (or of groups).

    Parameters
    ----------
    corr_xx : array-like (k, k)
        Driver correlation matrix (positive semidefinite; singular is fine).
    corr_xy : array-like (k,)
        Correlations of the drivers with the outcome.
    groups : list of lists of int, optional
        Blocks of driver indices that enter the regression together; every driver in
        exactly one block. Default: each driver alone.

    Returns
    -------
    ndarray (2^m,)
        ``r2[s]`` is the R^2 of the OLS of the outcome on the drivers (groups) whose bit is
        set in ``s`` (bit ``i`` = driver or group ``i``); ``r2[0] = 0``. ``m`` is the number of
        drivers, or of groups.

    Notes
    -----
    ``R^2(S) = r_S' R_SS^- r_S``. Sweeping a driver (Goodnight 1979, The American
    Statistician 33, 149-158) turns the joint matrix into the residual covariances given
    that driver; the outcome's residual variance after sweeping ``S`` is ``1 - R^2(S)``. The
    subsets are built from smaller ones by one sweep each (see the module notes), so the
    cost is ``O(2^m)`` multiply-adds times a small constant, not ``O(2^m m^3)``.

    Examples
    --------
    >>> corr_xx = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> subset_r2(corr_xx, np.array([0.6, 0.4])).round(4).tolist()
    [0.0, 0.36, 0.16, 0.3733]
    """
    full, blocks = _model_matrix(corr_xx, corr_xy, groups)
    m = len(blocks)
    if m > MAX_EXACT:
        raise _too_many(m, "drivers" if groups is None else "groups")
    return _subset_r2(full, blocks)


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


def shapley_values(corr_xx, corr_xy, groups=None) -> np.ndarray:
    """Exact LMG / Shapley decomposition of R^2 over drivers, or over groups of drivers.

    Parameters
    ----------
    corr_xx : array-like (k, k)
        Driver correlation matrix (positive semidefinite; collinear drivers are fine).
    corr_xy : array-like (k,)
        Correlations of the drivers with the outcome.
    groups : list of lists of int, optional
        Blocks of driver indices, every driver in exactly one; each block enters the
        regression as a whole, as with ``groups=`` in R's relaimpo.

    Returns
    -------
    ndarray (m,)
        One value per driver (or group), summing to the R^2 of the full regression.

    Raises
    ------
    ValueError
        For more than :data:`MAX_EXACT` drivers (groups); use ``groups`` or
        :func:`sampled_shapley` then.

    Notes
    -----
    The LMG measure (Lindeman, Merenda & Gold 1980) is the Shapley value of the R^2 game
    (Grömping 2007): each driver's gain in R^2 averaged over all orders of entry. It equals
    general dominance (Azen & Budescu 2003). Computed from :func:`subset_r2` by
    :func:`shapley_from_r2`. On R's ``swiss`` data it reproduces ``relaimpo::calc.relimp``
    (type ``"lmg"``) to 8 decimals, with and without groups (see tests).

    Examples
    --------
    >>> corr_xx = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> values = shapley_values(corr_xx, np.array([0.6, 0.4]))
    >>> values.round(4).tolist(), round(float(values.sum()), 4)
    ([0.2867, 0.0867], 0.3733)
    """
    return shapley_from_r2(subset_r2(corr_xx, corr_xy, groups))


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
