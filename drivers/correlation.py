"""Weighted covariances and correlations of survey columns, and checks on the matrices.

Weights are frequency-style: a respondent of weight 2 counts as two identical respondents,
so moments divide by the sum of the weights. Correlations do not depend on that divisor;
covariances do, and here they are the population (``ddof=0``) kind.

Every function takes plain arrays (a DataFrame is converted) and returns float64 results.
The complete-data path (:func:`weighted_correlation`) runs in one pass of matrix products
over blocks of rows, so a million respondents by twenty-odd columns takes a fraction of a
second and needs no copy of the data beyond one block.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Rows per block in the matrix-product passes: large enough for BLAS to run at full speed,
#: small enough that the centred block (rows x columns x 8 bytes) stays a few tens of MB.
BLOCK_ROWS = 1 << 16


def _as_matrix(X) -> np.ndarray:
    values = np.asarray(X, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"expected a 2-D array (respondents x columns), got {values.ndim}-D")
    if values.shape[0] == 0 or values.shape[1] == 0:
        raise ValueError(f"expected at least one row and one column, got shape {values.shape}")
    return values


def _as_weights(weights, n: int) -> np.ndarray | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(f"weights must be a 1-D array with one value per row ({n}), "
                         f"got shape {w.shape}")
    if not np.isfinite(w).all():
        raise ValueError("weights must be finite numbers (no NaN or inf)")
    if (w < 0).any():
        raise ValueError(f"weights must be non-negative; the smallest is {w.min():g}")
    if w.sum() <= 0:
        raise ValueError("weights sum to zero; at least one row needs a positive weight")
    return w


def effective_sample_size(weights) -> float:
    """Kish's effective sample size of a weighted sample.

    Parameters
    ----------
    weights : array-like (n,)
        Non-negative respondent weights, at least one positive.

    Returns
    -------
    float
        ``(sum w)^2 / sum w^2``; equals ``n`` for equal weights and shrinks as weights vary.

    Notes
    -----
    Kish, L. (1965). *Survey Sampling*. Wiley, section 11.7. It is the size of an
    unweighted sample whose mean has the same variance as the weighted mean.

    Examples
    --------
    >>> effective_sample_size([1.0, 1.0, 1.0, 1.0])
    4.0
    >>> effective_sample_size([1.0, 1.0, 2.0])
    2.6666666666666665
    """
    w = np.asarray(weights, dtype=np.float64)
    w = _as_weights(w, w.shape[0] if w.ndim == 1 else -1)
    return float(w.sum() ** 2 / np.dot(w, w))


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
    return _moments(X, weights)[1]


def _moments(X, weights) -> tuple[np.ndarray, np.ndarray]:
    values = _as_matrix(X)
    n, k = values.shape
    if not np.isfinite(values).all():
        raise ValueError("X contains NaN or inf; drop incomplete rows first or use "
                         "pairwise_correlation for pairwise-complete correlations")
    w = _as_weights(weights, n)
    total = float(n) if w is None else float(w.sum())
    mean = (values.sum(axis=0) if w is None else w @ values) / total
    cov = np.zeros((k, k))
    for start in range(0, n, BLOCK_ROWS):
        block = values[start:start + BLOCK_ROWS] - mean
        if w is not None:
            block *= np.sqrt(w[start:start + BLOCK_ROWS])[:, None]
        cov += block.T @ block
    cov /= total
    return mean, (cov + cov.T) / 2


def _scale_to_correlation(mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    variance = np.diag(cov).copy()
    # A constant column centred at a rounded mean keeps a variance of pure rounding noise,
    # of order (n * eps * mean)^2; a real rating never has sd below 1e-9 of its mean.
    constant = variance <= (1e-9 * mean) ** 2
    scale = np.sqrt(np.where(constant, 1.0, variance))
    corr = cov / np.outer(scale, scale)
    np.clip(corr, -1.0, 1.0, out=corr)
    np.fill_diagonal(corr, 1.0)
    corr[constant, :] = np.nan
    corr[:, constant] = np.nan
    return corr


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
    return _scale_to_correlation(*_moments(X, weights))


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
    Equation Models*). All pairs come from four matrix products of the missingness mask
    with the (centred) data, in blocks of rows.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, np.nan],
    ...                       "b": [2.0, 1.0, 4.0, 3.0, 5.0],
    ...                       "c": [np.nan, 1.0, 2.0, 2.0, 3.0]})
    >>> corr, n_pairs = pairwise_correlation(frame)
    >>> corr.round(3).values.tolist()
    [[1.0, 0.6, 0.866], [0.6, 1.0, 0.956], [0.866, 0.956, 1.0]]
    >>> n_pairs.values.tolist()
    [[4, 4, 3], [4, 5, 4], [3, 4, 4]]
    """
    if isinstance(frame, pd.DataFrame):
        labels = list(frame.columns)
        values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        values = np.asarray(frame, dtype=np.float64)
        labels = list(range(values.shape[1])) if values.ndim == 2 else []
    values = _as_matrix(values)
    if np.isinf(values).any():
        raise ValueError("data contain inf; only NaN may mark a missing answer")
    n, k = values.shape
    w = _as_weights(weights, n)
    if w is None:
        w = np.ones(n)
    present = ~np.isnan(values)
    # Shift each column by its available-case mean: the pairwise moments are shift-invariant
    # and the raw-moment formulas below lose fewer digits on centred numbers.
    col_weight = w @ present
    centre = np.divide(w @ np.where(present, values, 0.0), col_weight,
                       out=np.zeros(k), where=col_weight > 0)

    count = np.zeros((k, k))       # rows answering both (unweighted)
    weight = np.zeros((k, k))      # sum of w over those rows
    first = np.zeros((k, k))       # sum w z_i over rows answering i and j
    second = np.zeros((k, k))      # sum w z_i^2 over rows answering i and j
    cross = np.zeros((k, k))       # sum w z_i z_j over rows answering i and j
    for start in range(0, n, BLOCK_ROWS):
        stop = start + BLOCK_ROWS
        mask = present[start:stop].astype(np.float64)
        z = np.where(present[start:stop], values[start:stop] - centre, 0.0)
        wb = w[start:stop, None]
        count += mask.T @ mask
        weight += (mask * wb).T @ mask
        first += (z * wb).T @ mask
        second += (z * z * wb).T @ mask
        cross += (z * wb).T @ z

    with np.errstate(divide="ignore", invalid="ignore"):
        mean = first / weight                          # mean of i over pair (i, j)
        square = second / weight
        var = square - mean ** 2                       # variance of i over pair (i, j)
        cov = cross / weight - mean * mean.T
        # Variance that is rounding noise next to the mean square means a constant column.
        flat = (var <= 1e-12 * square) | (count < 2)
        corr = cov / np.sqrt(np.where(flat, 1.0, var) * np.where(flat.T, 1.0, var.T))
    corr[flat | flat.T] = np.nan
    np.clip(corr, -1.0, 1.0, out=corr)
    diagonal = np.diag(flat)
    corr[np.diag_indices(k)] = np.where(diagonal, np.nan, 1.0)
    return (pd.DataFrame(corr, index=labels, columns=labels),
            pd.DataFrame(np.rint(count).astype(np.int64), index=labels, columns=labels))


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
