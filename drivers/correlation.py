"""Weighted covariances and correlations of survey columns, and checks on the matrices.

Weights are frequency-style: a respondent of weight 2 counts as two identical respondents,
so moments divide by the sum of the weights. Correlations do not depend on that divisor;
covariances do, and here they are the population (``ddof=0``) kind.

Every function takes plain arrays (a DataFrame is converted) and returns float64 results.
The sums behind them are :class:`drivers.moments.Moments` (one pass of matrix products over
blocks of rows), so a million respondents by twenty-odd columns takes a fraction of a second
and needs no copy of the data beyond one block.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from drivers.blas import one_blas_thread
from drivers.moments import (
    Moments,
    effective_sample_size,
    frequency_weights,
    pair_correlation,
)

if TYPE_CHECKING:  # pandas is imported where a table is returned: a worker process that only
    import pandas as pd  # correlates arrays (a bootstrap of compare) starts without it

__all__ = ["effective_sample_size", "is_positive_definite", "min_eigenvalue",
           "nearest_positive_definite", "pairwise_correlation", "pairwise_correlation_matrix",
           "weighted_correlation", "weighted_covariance"]


def _as_matrix(X) -> np.ndarray:
    values = np.asarray(X, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"expected a 2-D array (respondents x columns), got {values.ndim}-D")
    if values.shape[0] == 0 or values.shape[1] == 0:
        raise ValueError(f"expected at least one row and one column, got shape {values.shape}")
    return values


def weighted_covariance(X, weights=None) -> np.ndarray:
    """Weighted covariance matrix of the columns of ``X`` (divisor: sum of weights).

    Parameters
    ----------
    X : array-like (n, k)
        Complete data, no NaN or inf; a DataFrame is accepted.
    weights : array-like (n,), optional
        Non-negative frequency weights; equal weights when omitted.

    Returns
    -------
    ndarray (k, k)
        ``C[i, j] = sum_r w_r (x_ri - m_i)(x_rj - m_j) / sum_r w_r`` with weighted means ``m``.

    Notes
    -----
    The data are centred at the weighted means before the product, which keeps the result
    accurate when means are large against standard deviations (a 0-10 rating near 9); the
    one-pass raw-moment formula loses digits there. Integer weights give exactly the
    population covariance (``numpy.cov(..., bias=True)``) of the data with each row
    repeated ``w`` times.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 7.0]])
    >>> weighted_covariance(X).round(4).tolist()
    [[0.6667, 1.6667], [1.6667, 4.2222]]
    >>> weighted_covariance(X, [1, 1, 2]).round(4).tolist()
    [[0.6875, 1.75], [1.75, 4.5]]
    """
    return _complete_moments(X, weights).covariance()


def _complete_moments(X, weights) -> Moments:
    values = _as_matrix(X)
    if not np.isfinite(values).all():
        raise ValueError("X contains NaN or inf; drop incomplete rows first or use "
                         "pairwise_correlation for pairwise-complete correlations")
    return Moments.from_arrays(values, frequency_weights(weights, values.shape[0]))


def weighted_correlation(X, weights=None) -> np.ndarray:
    """Weighted Pearson correlation matrix of the columns of ``X``.

    Parameters
    ----------
    X : array-like (n, k)
        Complete data (no NaN or inf), e.g. drivers with the outcome as the last column.
    weights : array-like (n,), optional
        Non-negative frequency weights; equal weights when omitted.

    Returns
    -------
    ndarray (k, k)
        Correlations, unit diagonal. Rows and columns of a column with zero (weighted)
        variance are NaN: its correlation is undefined, and the caller should say which
        column is constant rather than analyse it.

    Notes
    -----
    ``r_ij = C_ij / sqrt(C_ii C_jj)`` with ``C`` from :func:`weighted_covariance`. Integer
    weights give the same matrix as ``numpy.corrcoef`` on the data with each row repeated
    ``w`` times, and the same as ``statsmodels.stats.weightstats.DescrStatsW.corrcoef``.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 4.0], [4.0, 3.0]])
    >>> weighted_correlation(X).round(2).tolist()
    [[1.0, 0.6], [0.6, 1.0]]
    >>> weighted_correlation(X, weights=[1, 1, 1, 3]).round(4).tolist()
    [[1.0, 0.6124], [0.6124, 1.0]]
    """
    return _complete_moments(X, weights).correlation()


def pairwise_correlation(frame, weights=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weighted correlations from pairwise-complete rows, and how many rows each rests on.

    Parameters
    ----------
    frame : DataFrame (n, k)
        Numeric columns; NaN (or ``pd.NA``) marks a missing answer. An array is accepted
        and its columns are labelled ``0..k-1``.
    weights : array-like (n,), optional
        Non-negative frequency weights; equal weights when omitted.

    Returns
    -------
    corr : DataFrame (k, k)
        ``corr.loc[a, b]`` is the weighted correlation of ``a`` and ``b`` over the rows that
        answer both, with means and variances taken over those same rows (as
        ``DataFrame.corr`` does). NaN where the pair has fewer than two such rows or one of
        the two is constant on them; the diagonal is 1 (NaN for a constant column).
    n_pairs : DataFrame (k, k) of int
        Number of rows that answer both columns (unweighted); the diagonal counts the rows
        answering each column.

    Notes
    -----
    Pairwise deletion uses every available answer but lets each correlation rest on a
    different set of respondents, so the matrix need not be positive definite; check it
    with :func:`is_positive_definite` (Wothke 1993, in Bollen & Long, *Testing Structural
    Equation Models*). The sums are those of :class:`drivers.moments.Moments` with
    ``pairwise=True`` (see :func:`pairwise_correlation_matrix`), in blocks of rows.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, np.nan],
    ...                       "b": [2.0, 1.0, 4.0, 3.0, 5.0],
    ...                       "c": [np.nan, 1.0, 2.0, 2.0, 3.0]})
    >>> corr, n_pairs = pairwise_correlation(frame)
    >>> corr.round(3).values.tolist()
    [[1.0, 0.6, 0.866], [0.6, 1.0, 0.956], [0.866, 0.956, 1.0]]
    >>> n_pairs.values.tolist()
    [[4, 4, 3], [4, 5, 4], [3, 4, 4]]
    """
    import pandas as pd

    if isinstance(frame, pd.DataFrame):
        labels = list(frame.columns)
        values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        values = np.asarray(frame, dtype=np.float64)
        labels = list(range(values.shape[1])) if values.ndim == 2 else []
    corr, pair_n = _pairwise(values, weights)
    return (pd.DataFrame(corr, index=labels, columns=labels),
            pd.DataFrame(np.rint(pair_n).astype(np.int64), index=labels, columns=labels))


def pairwise_correlation_matrix(values, weights=None) -> np.ndarray:
    """The matrix of :func:`pairwise_correlation` for a plain array, without labels.

    For loops that build one matrix per resample (the bootstrap): the same numbers (to
    rounding) from five matrix products over the answered cells, with none of the listwise
    moments, row counts or DataFrames the general function builds.

    Parameters
    ----------
    values : ndarray (n, k)
        Numeric columns; NaN marks a missing answer.
    weights : array-like (n,), optional
        Non-negative frequency weights (zeros allowed: a resample's counts); equal weights
        when omitted.

    Returns
    -------
    ndarray (k, k)
        Weighted correlations over pairwise-complete rows (see :func:`pairwise_correlation`).

    Notes
    -----
    With ``m`` the answered mask, ``z = m (x - c)`` (``c`` the mean of each column's
    answered cells, which keeps the digits) and ``D = diag(w)``: the weight of the rows
    answering i and j is ``(D m)' m``, the sums of ``w z_i`` and ``w z_i^2`` over them are
    ``(D z)' m`` and ``(D z^2)' m``, and the cross-products ``(D z)' z``; the correlation
    follows as in :meth:`drivers.moments.Moments.correlation` (one formula,
    :func:`drivers.moments.pair_correlation`).

    Examples
    --------
    >>> values = np.array([[1.0, 2.0, np.nan], [2.0, 1.0, 1.0], [3.0, 4.0, 2.0],
    ...                    [4.0, 3.0, 2.0], [np.nan, 5.0, 3.0]])
    >>> pairwise_correlation_matrix(values).round(3).tolist()
    [[1.0, 0.6, 0.866], [0.6, 1.0, 0.956], [0.866, 0.956, 1.0]]
    """
    return _pairwise(np.asarray(values, dtype=np.float64), weights)[0]


#: Rows per block of the pairwise sums: a few hundred KB of temporaries per block. Whole
#: blocks of a bootstrap resample (2,000 x 23) took twice as long, fresh memory being slow
#: to touch on a busy machine.
PAIR_BLOCK_ROWS = 1024


def _pair_blocks(values: np.ndarray) -> tuple[np.ndarray, Iterator[tuple]]:
    """The weight-free pieces of the pairwise sums: the shift (mean of each column's answered
    cells, which keeps the digits) and, block by block of rows, ``(rows, m, z, z^2)`` with
    ``m`` the answered mask and ``z = m (x - shift)``, made when read."""
    values = _as_matrix(values)
    if np.isinf(values).any():
        raise ValueError("data contain inf; only NaN may mark a missing answer")
    p = values.shape[1]
    answered = ~np.isnan(values)
    mask = answered.astype(np.float64)
    count = mask.sum(axis=0)
    zeroed = np.where(answered, values, 0.0)
    shift = np.divide(zeroed.sum(axis=0), count, out=np.zeros(p), where=count > 0)

    def blocks() -> Iterator[tuple]:
        for start in range(0, values.shape[0], PAIR_BLOCK_ROWS):
            rows = slice(start, start + PAIR_BLOCK_ROWS)
            z = np.where(answered[rows], zeroed[rows] - shift, 0.0)
            yield rows, mask[rows], z, z * z

    return shift, blocks()


def _pair_sums(blocks, w: np.ndarray | None, p: int, count: bool) -> np.ndarray:
    """``(pair weight, pair sums, pair squares, pair cross-products, pair rows)`` over the
    blocks of :func:`_pair_blocks`, rows weighted by ``w`` (the rows only when ``count``)."""
    sums = np.zeros((5, p, p))
    pair_weight, pair_sums, pair_squares, pair_cross, pair_n = sums
    with one_blas_thread():     # small products: threads cost more than they bring
        for rows, m, z, squares in blocks:
            if w is None:
                weighted_mask, weighted, weighted_squares = m, z, squares
            else:
                wb = w[rows, None]
                weighted_mask, weighted = m * wb, z * wb
                weighted_squares = weighted * z
            pair_weight += weighted_mask.T @ m
            pair_sums += weighted.T @ m
            pair_squares += weighted_squares.T @ m
            pair_cross += weighted.T @ z
            if count:
                pair_n += m.T @ m
    sums[3] = (pair_cross + pair_cross.T) / 2
    return sums


class PairwiseSums:
    """:func:`pairwise_correlation_matrix` of one array under many weightings (the resamples
    of a bootstrap): the weight-free pieces (:func:`_pair_blocks`) and the rows answering
    each pair are made once and kept, so each weighting costs the four weighted products.
    The numbers are those of :func:`pairwise_correlation_matrix`, bit for bit (the same
    operations in the same order). Keeps three copies of the array: for arrays that fit in
    memory many times over.

    >>> values = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [4.0, 3.0]])
    >>> sums = PairwiseSums(values)
    >>> bool((sums.correlation([1, 2, 1, 1]) == pairwise_correlation_matrix(
    ...     values, [1, 2, 1, 1])).all())
    True
    """

    def __init__(self, values):
        self.shift, blocks = _pair_blocks(values)
        self.blocks = list(blocks)
        self.n = sum(m.shape[0] for _, m, _, _ in self.blocks)
        self.pair_n = _pair_sums(self.blocks, None, len(self.shift), count=True)[4]

    def correlation(self, weights=None) -> np.ndarray:
        """The pairwise correlation matrix with the rows weighted by ``weights``."""
        w = frequency_weights(weights, self.n)
        sums = _pair_sums(self.blocks, w, len(self.shift), count=False)
        return pair_correlation(self.pair_n, *sums[:4], self.shift)


def _pairwise(values: np.ndarray, weights) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise correlations and rows answering each pair, from sums over blocks of rows."""
    values = _as_matrix(values)
    shift, blocks = _pair_blocks(values)
    w = frequency_weights(weights, values.shape[0])
    sums = _pair_sums(blocks, w, len(shift), count=True)
    return pair_correlation(sums[4], *sums[:4], shift), sums[4]


def min_eigenvalue(corr) -> float:
    """Smallest eigenvalue of a symmetric matrix (negative: not a valid correlation matrix).

    Examples
    --------
    >>> round(min_eigenvalue([[1.0, 0.5], [0.5, 1.0]]), 6)
    0.5
    """
    matrix = np.asarray(corr, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"expected a square matrix, got shape {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError("the matrix contains NaN or inf (a constant column or a pair "
                         "answered by too few rows?)")
    return float(np.linalg.eigvalsh((matrix + matrix.T) / 2)[0])


def is_positive_definite(corr, tol: float = 1e-10) -> bool:
    """Whether a correlation matrix is positive definite (smallest eigenvalue above ``tol``).

    Parameters
    ----------
    corr : array-like (k, k)
        Symmetric matrix.
    tol : float
        Eigenvalues at or below this count as zero (singular) or negative.

    Returns
    -------
    bool
        False also when the matrix holds NaN or inf; :func:`min_eigenvalue` gives the
        number for a warning.

    Examples
    --------
    >>> is_positive_definite([[1.0, 0.5], [0.5, 1.0]])
    True
    >>> bad = [[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]]
    >>> is_positive_definite(bad), round(min_eigenvalue(bad), 4)
    (False, -0.8)
    """
    matrix = np.asarray(corr, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"expected a square matrix, got shape {matrix.shape}")
    if not np.isfinite(matrix).all():
        return False
    return min_eigenvalue(matrix) > tol


def nearest_positive_definite(corr, floor: float = 1e-8, max_iter: int = 500,
                              tol: float = 1e-12) -> np.ndarray:
    """Nearest correlation matrix (unit diagonal, eigenvalues >= ``floor``), Frobenius norm.

    Parameters
    ----------
    corr : array-like (k, k)
        Symmetric matrix with unit diagonal, e.g. from :func:`pairwise_correlation`.
    floor : float
        Smallest eigenvalue allowed in the result, so it can be inverted.
    max_iter : int
        Cap on alternating-projection sweeps.
    tol : float
        Stop when an iteration moves the matrix by less than this (Frobenius norm).

    Returns
    -------
    ndarray (k, k)
        Symmetric, unit diagonal, smallest eigenvalue at least about ``floor``. A matrix
        that already qualifies comes back unchanged.

    Notes
    -----
    Higham, N. J. (2002). Computing the nearest correlation matrix - a problem from
    finance. *IMA Journal of Numerical Analysis* 22, 329-343: alternating projections onto
    the positive semidefinite cone (here: eigenvalues clipped at ``floor``) and the
    unit-diagonal matrices, with Dykstra's correction on the first. A final rescaling
    restores the unit diagonal exactly.

    Examples
    --------
    Higham's (2002, section 4) example:

    >>> fixed = nearest_positive_definite([[1, 1, 0], [1, 1, 1], [0, 1, 1]])
    >>> fixed.round(4).tolist()
    [[1.0, 0.7607, 0.1573], [0.7607, 1.0, 0.7607], [0.1573, 0.7607, 1.0]]
    """
    matrix = np.asarray(corr, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"expected a square matrix, got shape {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError("the matrix contains NaN or inf; a correlation is undefined "
                         "(constant column or too few rows answering a pair)")
    matrix = (matrix + matrix.T) / 2
    if np.allclose(np.diag(matrix), 1.0) and min_eigenvalue(matrix) >= floor:
        return matrix
    current = matrix.copy()
    correction = np.zeros_like(current)
    for _ in range(max_iter):
        shifted = current - correction
        eigenvalues, vectors = np.linalg.eigh(shifted)
        projected = (vectors * np.maximum(eigenvalues, floor)) @ vectors.T
        correction = projected - shifted
        previous, current = current, (projected + projected.T) / 2
        np.fill_diagonal(current, 1.0)
        if np.linalg.norm(current - previous) < tol:
            break
    # Resetting the diagonal can push the smallest eigenvalue just under the floor again.
    eigenvalues, vectors = np.linalg.eigh(current)
    current = (vectors * np.maximum(eigenvalues, floor)) @ vectors.T
    scale = np.sqrt(np.diag(current))
    current = current / np.outer(scale, scale)
    return (current + current.T) / 2
