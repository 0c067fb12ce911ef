"""Weighted moments of survey columns: the seam between reading data and analysing it.

Every correlation-based method (Shapley / LMG, relative weights, beta, Pratt, correlation)
and every regression diagnostic (R^2, adjusted R^2, VIF, condition number, cross-validated
R^2 from fold moments) needs only a few weighted sums of the data: the number of rows, the
sum of the weights (and of their squares, for Kish's effective n), the weighted sums of each
column and the weighted cross-products of each pair. Sums add up, so the moments of a file
can be computed partition by partition (blocks of rows, files, workers, a database) and
added: ``Moments.from_frame(part_1) + Moments.from_frame(part_2)`` equals the moments of
the two parts together.

Two kinds of deletion are kept side by side:

* **listwise** (``n``, ``weight_sum``, ``weight_sq_sum``, ``sums``, ``cross``): over the
  rows that answer every column;
* **pairwise** (``pair_*``, when built with ``pairwise=True``): for each pair of columns,
  over the rows that answer both.

Weights are frequency-style: a row of weight 2 counts as two identical rows; moments divide
by the sum of the weights (``ddof=0``).

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 1.0, 4.0, 3.0]})
>>> whole = Moments.from_frame(frame, ["a", "b"])
>>> parts = Moments.from_frame(frame[:2], ["a", "b"]) + Moments.from_frame(frame[2:], ["a", "b"])
>>> whole.correlation().round(2).tolist(), parts.correlation().round(2).tolist()
([[1.0, 0.6], [0.6, 1.0]], [[1.0, 0.6], [0.6, 1.0]])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from drivers.blas import one_blas_thread

if TYPE_CHECKING:  # imported by Moments.from_frame: a worker process that only sums arrays
    import pandas as pd  # (a bootstrap of compare) starts without pandas

#: Rows per block in the matrix-product passes: large enough for BLAS to run at full speed,
#: small enough that the centred block (rows x columns x 8 bytes) stays a few tens of MB.
BLOCK_ROWS = 1 << 16

#: A column is constant (its correlations undefined) when its standard deviation is below
#: this fraction of its mean: rounding noise, never a real rating.
CONSTANT_RELATIVE_SD = 1e-9

_PAIR_FIELDS = ("pair_n", "pair_weight", "pair_weight_sq", "pair_sums", "pair_squares",
                "pair_cross")


def frequency_weights(weights, n: int) -> np.ndarray | None:
    """Frequency weights as float64, checked: one per row, finite, non-negative, some positive.

    The one check of arrays of weights inside the package (a design weight times the number
    of times a bootstrap drew the row may be zero). Design weights given by a user are
    checked with their rows named by :func:`drivers.diagnostics.weight_values`, which also
    refuses zeros.

    >>> frequency_weights([1, 2], 2).tolist()
    [1.0, 2.0]
    """
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(f"weights must be a 1-D array with one value per row ({n}), "
                         f"got shape {w.shape}")
    blank, negative = frequency_weight_faults(w)
    if blank.any():
        raise ValueError("weights must be finite numbers (no NaN or inf)")
    if negative.any():
        raise ValueError(f"weights must be non-negative; the smallest is {w.min():g}")
    if w.sum() <= 0:
        raise ValueError("weights sum to zero; at least one row needs a positive weight")
    return w


def frequency_weight_faults(values) -> tuple[np.ndarray, np.ndarray]:
    """The rule for frequency weights, as masks: ``(blank or infinite, negative)``. A
    frequency weight is a finite number of at least zero (a row drawn no time by a bootstrap
    weighs zero); some weight must be positive. :func:`frequency_weights` and the scores of
    :mod:`drivers.metrics` apply this one rule, each naming the rows in its own words.

    >>> [mask.tolist() for mask in frequency_weight_faults([1.0, np.nan, 0.0, -1.0])]
    [[False, True, False, False], [False, False, False, True]]
    """
    w = np.asarray(values, dtype=np.float64)
    blank = ~np.isfinite(w)
    with np.errstate(invalid="ignore"):
        return blank, ~blank & (w < 0)


def design_weight_faults(values) -> tuple[np.ndarray, np.ndarray]:
    """The rule for design weights given by a user, as masks: ``(blank or infinite, zero or
    negative)``. A design weight must be a finite positive number; a weight of zero is a
    filter, and filtering belongs before the analysis. Loading a study
    (:mod:`drivers.io`) and every analysis (:func:`drivers.diagnostics.weight_values`)
    apply this one rule, each naming the rows in its own words.

    >>> [mask.tolist() for mask in design_weight_faults([1.0, np.nan, 0.0, -1.0])]
    [[False, True, False, False], [False, False, True, True]]
    """
    w = np.asarray(values, dtype=np.float64)
    blank = ~np.isfinite(w)
    with np.errstate(invalid="ignore"):
        return blank, ~blank & (w <= 0)


def kish_n(weight_sum, weight_sq_sum):
    """Kish's effective sample size from the sum of the weights and of their squares.

    ``(sum w)^2 / sum w^2`` (Kish 1965, *Survey Sampling*, section 11.7): the size of an
    unweighted sample whose mean has the same variance as the weighted mean; ``n`` for equal
    weights. Works elementwise on arrays (pairwise bases); 0 where no weight is present.

    >>> kish_n(3.0, 3.0), kish_n(4.0, 6.0)
    (3.0, 2.6666666666666665)
    """
    if isinstance(weight_sum, float) and isinstance(weight_sq_sum, float):
        # One base (the common case): plain float arithmetic, the same IEEE operations.
        return float(weight_sum * weight_sum / weight_sq_sum) if weight_sq_sum > 0 else 0.0
    total = np.asarray(weight_sum, dtype=np.float64)
    squares = np.asarray(weight_sq_sum, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(squares > 0, total ** 2 / np.where(squares > 0, squares, 1.0), 0.0)
    return float(value) if value.ndim == 0 else value


def effective_sample_size(weights) -> float:
    """Kish's effective sample size of a weighted sample (see :func:`kish_n`).

    Parameters
    ----------
    weights : array-like (n,)
        Non-negative respondent weights, at least one positive.

    Returns
    -------
    float
        ``(sum w)^2 / sum w^2``; equals ``n`` for equal weights and shrinks as weights vary.

    Examples
    --------
    >>> effective_sample_size([1.0, 1.0, 1.0, 1.0])
    4.0
    >>> effective_sample_size([1.0, 1.0, 2.0])
    2.6666666666666665
    """
    w = np.asarray(weights, dtype=np.float64)
    w = frequency_weights(w, w.shape[0] if w.ndim == 1 else -1)
    return kish_n(w.sum(), np.dot(w, w))


@dataclass(frozen=True, eq=False)
class Moments:
    """Weighted counts, sums and cross-products of columns; partitions add with ``+``.

    All sums are of the values minus ``shift`` (a per-column constant, by default the
    weighted mean of the rows the moments were built from): shifting keeps the digits that
    raw sums of ratings near 9 on a 0-10 scale would lose, and changes no covariance or
    correlation. ``a + b`` re-expresses ``b`` about ``a``'s shift exactly (in real
    arithmetic), so moments built with different shifts still add. A ``Moments`` with
    ``shift`` all zero holds plain sums of ``w x``.

    Attributes
    ----------
    columns : tuple of str
        Column names, in the order of every array below (p columns).
    n : int
        Rows answering every column (the listwise rows).
    weight_sum, weight_sq_sum : float
        Sum of the weights and of their squares over the listwise rows.
    sums : ndarray (p,)
        ``sum w (x - shift)`` over the listwise rows.
    cross : ndarray (p, p)
        ``sum w (x - shift)(x - shift)'`` over the listwise rows.
    pair_n : ndarray (p, p) or None
        Rows answering both columns i and j (diagonal: rows answering i). None unless the
        moments were built with ``pairwise=True``; so are the other ``pair_`` arrays.
    pair_weight, pair_weight_sq : ndarray (p, p) or None
        Sum of ``w`` and of ``w^2`` over the rows answering both i and j.
    pair_sums : ndarray (p, p) or None
        ``[i, j]``: ``sum w (x_i - shift_i)`` over the rows answering both i and j.
    pair_squares : ndarray (p, p) or None
        ``[i, j]``: ``sum w (x_i - shift_i)^2`` over the same rows.
    pair_cross : ndarray (p, p) or None
        ``[i, j]``: ``sum w (x_i - shift_i)(x_j - shift_j)`` over the same rows.
    shift : ndarray (p,)
        The constant subtracted from each column before summing.

    Notes
    -----
    With ``W = weight_sum`` and ``m = sums / W``, the (population, divisor ``W``) covariance
    is ``cross / W - m m'`` and the correlation scales it by the standard deviations. The
    pairwise covariance of i and j uses the means and variances of i and j over the rows
    answering both, as ``pandas.DataFrame.corr`` does. Shifting by ``d`` (``x - a = x - b +
    d``, ``d = b - a``) turns ``sums`` into ``sums + W d`` and ``cross`` into ``cross + d
    sums' + sums d' + W d d'``; :meth:`__add__` uses these identities. Adding moments of
    disjoint row sets gives the moments of their union (Chan, Golub & LeVeque 1983 use the
    same idea for updating variances).

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 4.0], [4.0, np.nan]])
    >>> moments = Moments.from_arrays(X, columns=["a", "b"], pairwise=True)
    >>> moments.n, moments.pair_n.tolist()
    (3, [[4, 3], [3, 3]])
    >>> moments.correlation().round(3).tolist()
    [[1.0, 0.655], [0.655, 1.0]]
    >>> moments.covariance("pairwise").round(3).tolist()
    [[1.25, 0.667], [0.667, 1.556]]
    """

    columns: tuple[str, ...]
    n: int
    weight_sum: float
    weight_sq_sum: float
    sums: np.ndarray
    cross: np.ndarray
    pair_n: np.ndarray | None = None
    pair_weight: np.ndarray | None = None
    pair_weight_sq: np.ndarray | None = None
    pair_sums: np.ndarray | None = None
    pair_squares: np.ndarray | None = None
    pair_cross: np.ndarray | None = None
    shift: np.ndarray | None = None

    def __post_init__(self):
        p = len(self.columns)
        object.__setattr__(self, "columns", tuple(self.columns))
        if self.shift is None:
            object.__setattr__(self, "shift", np.zeros(p))
        for name in ("sums", "shift"):
            if np.shape(getattr(self, name)) != (p,):
                raise ValueError(f"Moments.{name} must have shape ({p},) for {p} columns, "
                                 f"got {np.shape(getattr(self, name))}")
        present = [getattr(self, name) is not None for name in _PAIR_FIELDS]
        if any(present) and not all(present):
            raise ValueError("Moments: give every pair_ array or none of them")
        for name in ("cross", *(_PAIR_FIELDS if all(present) else ())):
            if np.shape(getattr(self, name)) != (p, p):
                raise ValueError(f"Moments.{name} must have shape ({p}, {p}) for {p} columns, "
                                 f"got {np.shape(getattr(self, name))}")

    # ------------------------------------------------------------------ building

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, columns: Sequence[str], weights=None,
                   pairwise: bool = False) -> Moments:
        """Moments of ``columns`` of a DataFrame; NaN / ``pd.NA`` mark missing answers.

        Parameters
        ----------
        frame : DataFrame
            One row per respondent; the columns must be numeric.
        columns : list of str
            Columns to take, in this order.
        weights : str, Series, array or None
            Weight column name, or frequency weights aligned with the rows (non-negative,
            finite). Equal weights when omitted.
        pairwise : bool
            Also keep the pairwise-complete moments (``pair_`` arrays).

        Returns
        -------
        Moments

        Examples
        --------
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"y": [1.0, 2.0, 4.0], "x": [1.0, 3.0, 2.0],
        ...                       "w": [1.0, 1.0, 2.0]})
        >>> m = Moments.from_frame(frame, ["x", "y"], weights="w")
        >>> m.n, m.weight_sum, round(m.n_effective, 4)
        (3, 4.0, 2.6667)
        """
        import pandas as pd

        columns = [str(c) if not isinstance(c, str) else c for c in columns]
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            raise ValueError(f"columns {', '.join(map(repr, absent))} are not in the data")
        values = frame[columns].to_numpy(dtype=np.float64, na_value=np.nan)
        if isinstance(weights, str):
            if weights not in frame.columns:
                raise ValueError(f"weight column {weights!r} is not in the data")
            weights = frame[weights].to_numpy(dtype=np.float64, na_value=np.nan)
        elif isinstance(weights, pd.Series):
            weights = weights.reindex(frame.index).to_numpy(dtype=np.float64, na_value=np.nan)
        return cls.from_arrays(values, weights, columns=columns, pairwise=pairwise)

    @classmethod
    def from_arrays(cls, values, weights=None, *, columns: Sequence[str] | None = None,
                    pairwise: bool = False, shift=None) -> Moments:
        """Moments of the columns of a 2-D array (NaN marks a missing answer).

        ``shift`` fixes the constant subtracted before summing (default: the weighted
        column means of the listwise rows, or of the answered cells when there are none).
        One pass of matrix products over blocks of :data:`BLOCK_ROWS` rows; no copy of the
        data beyond one block.

        >>> Moments.from_arrays(np.array([[1.0], [3.0]]), [1.0, 3.0]).covariance().tolist()
        [[0.75]]
        """
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2:
            raise ValueError(f"expected a 2-D array (respondents x columns), got "
                             f"{values.ndim}-D")
        n_rows, p = values.shape
        if np.isinf(values).any():
            raise ValueError("data contain inf; only NaN may mark a missing answer")
        names = tuple(str(c) for c in (range(p) if columns is None else columns))
        if len(names) != p:
            raise ValueError(f"{len(names)} column names for {p} columns")
        w = frequency_weights(weights, n_rows) if weights is not None else None
        blank = np.isnan(values)
        any_blank = bool(blank.any())
        complete = ~blank.any(axis=1) if any_blank else None
        if shift is None:
            shift = _default_shift(values, w, complete, blank if any_blank else None)
        shift = np.asarray(shift, dtype=np.float64).reshape(p)

        with one_blas_thread():    # thin products: threads cost more than they bring
            return cls._summed(values, w, names, shift, blank if any_blank else None,
                               complete, pairwise)

    @classmethod
    def _summed(cls, values, w, names, shift, blank, complete, pairwise) -> Moments:
        n_rows, p = values.shape
        n = 0
        weight_sum = weight_sq_sum = 0.0
        sums, cross = np.zeros(p), np.zeros((p, p))
        pair = {name: np.zeros((p, p)) for name in _PAIR_FIELDS} if pairwise else None
        for start in range(0, n_rows, BLOCK_ROWS):
            stop = start + BLOCK_ROWS
            # A DataFrame's values arrive column-major; one row-major block at a time keeps
            # the products on BLAS's fast path without copying the whole table.
            block = np.ascontiguousarray(values[start:stop])
            wb = np.ones(len(block)) if w is None else w[start:stop]
            if blank is not None:
                rows = complete[start:stop]
                z, wz = block[rows] - shift, wb[rows]
            else:
                z, wz = block - shift, wb
            n += len(z)
            weight_sum += float(wz.sum())
            weight_sq_sum += float(wz @ wz)
            # sqrt(w) on both sides: zs' zs is one symmetric product (BLAS syrk), half a gemm.
            root = np.sqrt(wz)
            scaled = z * root[:, None]
            sums += root @ scaled
            cross += scaled.T @ scaled
            if pair is not None:
                _add_pairs(pair, block - shift, wb, None if blank is None else blank[start:stop])
        cross = (cross + cross.T) / 2
        if pair is not None:
            pair["pair_cross"] = (pair["pair_cross"] + pair["pair_cross"].T) / 2
            pair["pair_n"] = np.rint(pair["pair_n"]).astype(np.int64)
        return cls(columns=names, n=int(n), weight_sum=weight_sum, weight_sq_sum=weight_sq_sum,
                   sums=sums, cross=cross, shift=shift, **(pair or {}))

    # ------------------------------------------------------------------ algebra

    @property
    def p(self) -> int:
        """Number of columns."""
        return len(self.columns)

    @property
    def pairwise(self) -> bool:
        """Whether the pairwise-complete moments are kept."""
        return self.pair_n is not None

    def shifted(self, shift) -> Moments:
        """The same moments about another shift (exact in real arithmetic).

        >>> m = Moments.from_arrays(np.array([[1.0], [3.0]]))
        >>> m.shifted([0.0]).sums.tolist(), m.shifted([0.0]).cross.tolist()
        ([4.0], [[10.0]])
        """
        new = np.asarray(shift, dtype=np.float64).reshape(self.p)
        d = self.shift - new                       # x - new = (x - shift) + d
        W = self.weight_sum
        sums = self.sums + W * d
        cross = self.cross + np.outer(d, self.sums) + np.outer(self.sums, d) + W * np.outer(d, d)
        changed = {"sums": sums, "cross": (cross + cross.T) / 2, "shift": new}
        if self.pairwise:
            di = d[:, None]                            # row i of a pair (i, j)
            pair_sums = self.pair_sums + di * self.pair_weight
            changed["pair_squares"] = (self.pair_squares + 2 * di * self.pair_sums
                                       + di ** 2 * self.pair_weight)
            pair_cross = (self.pair_cross + d[None, :] * self.pair_sums
                          + di * self.pair_sums.T + np.outer(d, d) * self.pair_weight)
            changed["pair_cross"] = (pair_cross + pair_cross.T) / 2
            changed["pair_sums"] = pair_sums
        return self._replace(**changed)

    def __add__(self, other: Moments) -> Moments:
        """Moments of the union of two disjoint sets of rows (same columns, same kind)."""
        if not isinstance(other, Moments):
            return NotImplemented
        if other.columns != self.columns:
            raise ValueError(f"cannot add moments of different columns: {self.columns} and "
                             f"{other.columns}")
        if other.pairwise != self.pairwise:
            raise ValueError("cannot add pairwise moments to listwise-only moments; build both "
                             "with the same pairwise= setting")
        other = other.shifted(self.shift)
        added = {"n": self.n + other.n, "weight_sum": self.weight_sum + other.weight_sum,
                 "weight_sq_sum": self.weight_sq_sum + other.weight_sq_sum,
                 "sums": self.sums + other.sums, "cross": self.cross + other.cross}
        if self.pairwise:
            added.update({name: getattr(self, name) + getattr(other, name)
                          for name in _PAIR_FIELDS})
        return self._replace(**added)

    def __sub__(self, other: Moments) -> Moments:
        """Moments of the rows of ``self`` that are not in ``other`` (a subset of them):
        the training moments of a cross-validation fold are the total minus the fold's."""
        if not isinstance(other, Moments):
            return NotImplemented
        negated = other._replace(
            n=-other.n, weight_sum=-other.weight_sum, weight_sq_sum=-other.weight_sq_sum,
            sums=-other.sums, cross=-other.cross,
            **({name: -getattr(other, name) for name in _PAIR_FIELDS} if other.pairwise
               else {}))
        return self + negated

    def __radd__(self, other):
        # sum([m1, m2, ...]) starts from 0.
        if isinstance(other, int) and other == 0:
            return self
        return NotImplemented

    def select(self, columns: Sequence[str]) -> Moments:
        """The moments of some columns, in the given order.

        Listwise moments of a subset of columns are those of the rows complete on *all*
        the original columns (the same rows as the whole model), not on the subset alone.

        >>> m = Moments.from_arrays(np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 5.0]]),
        ...                         columns=["a", "b"])
        >>> m.select(["b"]).columns
        ('b',)
        """
        index = [self.columns.index(c) for c in columns]
        grid = np.ix_(index, index)
        picked = {"columns": tuple(columns), "sums": self.sums[index],
                  "cross": self.cross[grid], "shift": self.shift[index]}
        if self.pairwise:
            picked.update({name: getattr(self, name)[grid] for name in _PAIR_FIELDS})
        return self._replace(**picked)

    def _replace(self, **changes) -> Moments:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Moments(**values)

    # ------------------------------------------------------------------ statistics

    @property
    def n_effective(self) -> float:
        """Kish's effective sample size of the listwise rows (:func:`kish_n`)."""
        return kish_n(self.weight_sum, self.weight_sq_sum)

    @property
    def pair_n_effective(self) -> np.ndarray:
        """Kish's effective sample size of the rows answering each pair (p, p)."""
        self._need_pairs("pair_n_effective")
        return kish_n(self.pair_weight, self.pair_weight_sq)

    def mean(self, missing: str = "listwise") -> np.ndarray:
        """Weighted means: over the listwise rows, or (``"pairwise"``) over each column's
        answered rows (the diagonal of the pairwise moments)."""
        if _check_missing(missing) == "pairwise":
            self._need_pairs("mean('pairwise')")
            weight = np.diag(self.pair_weight)
            with np.errstate(divide="ignore", invalid="ignore"):
                return self.shift + np.diag(self.pair_sums) / weight
        if self.weight_sum <= 0:
            return np.full(self.p, np.nan)
        return self.shift + self.sums / self.weight_sum

    def covariance(self, missing: str = "listwise") -> np.ndarray:
        """Weighted covariance matrix (divisor: the sum of the weights).

        ``missing="listwise"``: over the rows answering every column. ``"pairwise"``: entry
        ``[i, j]`` over the rows answering both, with means taken over those same rows.
        NaN where no weight is present.
        """
        if _check_missing(missing) == "pairwise":
            return self._pair_statistics()[0]
        if self.weight_sum <= 0:
            return np.full((self.p, self.p), np.nan)
        centre = self.sums / self.weight_sum
        cov = self.cross / self.weight_sum - np.outer(centre, centre)
        return (cov + cov.T) / 2

    def correlation(self, missing: str = "listwise") -> np.ndarray:
        """Weighted Pearson correlation matrix (unit diagonal).

        Rows and columns of a column that is constant on the rows used are NaN (its
        correlation is undefined; the caller names it); under ``"pairwise"`` also a pair
        answered together by fewer than two rows, or on which one of the two is constant.
        Integer weights give the correlations of the data with each row repeated ``w``
        times (``numpy.corrcoef``; ``DataFrame.corr`` for pairwise).
        """
        if _check_missing(missing) == "pairwise":
            self._need_pairs("pairwise statistics")
            return pair_correlation(self.pair_n, self.pair_weight, self.pair_sums,
                                    self.pair_squares, self.pair_cross, self.shift)
        cov = self.covariance()
        variance = np.diag(cov).copy()
        constant = _constant(variance, self.mean()) | (self.n < 2)
        scale = np.sqrt(np.where(constant, 1.0, variance))
        corr = cov / np.outer(scale, scale)
        np.clip(corr, -1.0, 1.0, out=corr)
        np.fill_diagonal(corr, 1.0)
        corr[constant, :] = np.nan
        corr[:, constant] = np.nan
        return corr

    def _pair_statistics(self):
        """Pairwise covariance, variance of i over pair (i, j), mean of i over the pair
        (unshifted) and the row count, all (p, p)."""
        self._need_pairs("pairwise statistics")
        return _pair_statistics(self.pair_n, self.pair_weight, self.pair_sums,
                                self.pair_squares, self.pair_cross, self.shift)

    def _need_pairs(self, what: str) -> None:
        if not self.pairwise:
            raise ValueError(f"{what} needs pairwise moments; build them with pairwise=True")

    def __repr__(self) -> str:
        kind = "listwise + pairwise" if self.pairwise else "listwise"
        return (f"Moments({self.p} columns, n={self.n}, weight_sum={self.weight_sum:g}, "
                f"{kind})")


def _pair_statistics(pair_n, pair_weight, pair_sums, pair_squares, pair_cross, shift):
    """Pairwise covariance, variance of i over pair (i, j), mean of i over the pair
    (unshifted) and the row count, all (p, p), from the pairwise sums (see :class:`Moments`)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(pair_weight > 0, pair_weight, np.nan)
        mean = pair_sums / weight                 # of i over pair (i, j), shifted
        var = pair_squares / weight - mean ** 2
        cov = pair_cross / weight - mean * mean.T
    return (cov + cov.T) / 2, var, mean + shift[:, None], pair_n


def pair_correlation(pair_n, pair_weight, pair_sums, pair_squares, pair_cross, shift
                     ) -> np.ndarray:
    """Pairwise-complete correlation matrix from the pairwise sums of :class:`Moments`.

    Entry ``[i, j]`` uses the means and variances of i and j over the rows answering both;
    NaN where a pair has fewer than two rows or one of the two is constant on them; unit
    diagonal (NaN for a constant column). The one formula behind
    ``Moments.correlation("pairwise")`` and
    :func:`drivers.correlation.pairwise_correlation_matrix`.
    """
    cov, var, mean, count = _pair_statistics(pair_n, pair_weight, pair_sums, pair_squares,
                                             pair_cross, shift)
    flat = _constant(var, mean) | (count < 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov / np.sqrt(np.where(flat, 1.0, var) * np.where(flat.T, 1.0, var.T))
    corr[flat | flat.T] = np.nan
    np.clip(corr, -1.0, 1.0, out=corr)
    corr[np.diag_indices(len(corr))] = np.where(np.diag(flat), np.nan, 1.0)
    return corr


def _check_missing(missing: str) -> str:
    if missing not in ("listwise", "pairwise"):
        raise ValueError(f"missing must be 'listwise' or 'pairwise', got {missing!r}")
    return missing


def _constant(variance, mean) -> np.ndarray:
    """Variance that is rounding noise next to the mean (or none at all): a constant."""
    with np.errstate(invalid="ignore"):
        return ~(variance > (CONSTANT_RELATIVE_SD * np.abs(mean)) ** 2)


def _default_shift(values, w, complete, blank) -> np.ndarray:
    """Weighted column means of the listwise rows (of the answered cells when no row is
    complete, 0 for a column with no answer)."""
    p = values.shape[1]
    if blank is None:
        weight = float(len(values)) if w is None else float(w.sum())
        total = values.sum(axis=0) if w is None else w @ values
        return total / weight if weight > 0 else np.zeros(p)
    ones = np.ones(len(values)) if w is None else w
    rows = complete if complete.any() else None
    if rows is not None:
        weight = ones[rows].sum()
        if weight > 0:
            return ones[rows] @ values[rows] / weight
    answered = ~blank
    weight = ones @ answered
    total = ones @ np.where(answered, values, 0.0)
    return np.divide(total, weight, out=np.zeros(p), where=weight > 0)


def _add_pairs(pair: dict, z: np.ndarray, w: np.ndarray, blank: np.ndarray | None) -> None:
    """Add one block's pairwise moments (``z`` already shifted; NaN where blank)."""
    if blank is None:
        mask = np.ones(z.shape, dtype=np.float64)
        z0 = z
    else:
        mask = (~blank).astype(np.float64)
        z0 = np.where(blank, 0.0, z)
    wcol = w[:, None]
    weighted_mask = mask * wcol
    pair["pair_n"] += mask.T @ mask
    pair["pair_weight"] += weighted_mask.T @ mask
    pair["pair_weight_sq"] += (weighted_mask * wcol).T @ mask
    pair["pair_sums"] += (z0 * wcol).T @ mask
    pair["pair_squares"] += (z0 * z0 * wcol).T @ mask
    pair["pair_cross"] += (z0 * wcol).T @ z0
