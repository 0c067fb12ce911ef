"""Dominance analysis (Budescu 1993; Azen & Budescu 2003) from a correlation matrix.

Three nested ways one driver can beat another, from the R^2 of every subset of drivers:

* complete: it adds more R^2 than the other to every subset of the remaining drivers;
* conditional: its average gain is larger at every subset size;
* general: its gain averaged over sizes (the Shapley / LMG value) is larger.

Complete implies conditional, which implies general; the converse fails, so a pair can be
ordered generally yet undetermined completely.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from drivers.blas import one_blas_thread
from drivers.shapley import MAX_STORED, marginal_by_size, subset_r2

#: Gains closer than this count as ties, which leave complete dominance undetermined.
TIE_TOL = 1e-12


@dataclass(frozen=True)
class DominanceResult:
    """Complete, conditional and general dominance of a set of drivers.

    Attributes
    ----------
    complete : DataFrame (p, p)
        1 if the row driver completely dominates the column driver, 0 if the column driver
        dominates the row driver, 0.5 if neither; NaN on the diagonal.
    conditional : DataFrame (p, p)
        Rows: drivers; columns: subset size ``k = 0..p-1`` (named ``subset_size``); entry:
        the driver's gain in R^2 averaged over the subsets of ``k`` other drivers.
    general : Series (p,)
        Mean of each ``conditional`` row; sums to ``r2`` and equals the Shapley value.
    summary : DataFrame
        One row per driver, in input order: ``driver``, ``general_dominance``, ``share``
        (of ``r2``), ``rank`` (1 = largest general dominance; ties share the best rank).
    r2 : float
        R^2 of the regression on all drivers.
    """

    complete: pd.DataFrame
    conditional: pd.DataFrame
    general: pd.Series
    summary: pd.DataFrame
    r2: float


def complete_dominance(r2: np.ndarray, names: Sequence[str]) -> pd.DataFrame:
    """Pairwise complete dominance from the R^2 of every subset.

    Parameters
    ----------
    r2 : ndarray (2^p,)
        R^2 by subset bitmask (bit ``i`` = driver ``i``), as from
        :func:`drivers.shapley.subset_r2`.
    names : sequence of str (p,)
        Driver names, in bit order.

    Returns
    -------
    DataFrame (p, p)
        Index and columns ``names``: 1 if the row driver completely dominates the column
        driver, 0 if the reverse, 0.5 if undetermined; NaN on the diagonal.

    Notes
    -----
    ``X_i`` completely dominates ``X_j`` when ``R^2(S + i) > R^2(S + j)`` for every subset
    ``S`` of the other ``p - 2`` drivers, the empty one included (Azen & Budescu 2003,
    Psychological Methods 8, 129-148, definition 1). Differences within :data:`TIE_TOL`
    count as ties.

    Examples
    --------
    >>> complete_dominance(np.array([0.0, 0.36, 0.16, 0.3733]), ["a", "b"]).values.tolist()
    [[nan, 1.0], [0.0, nan]]
    """
    names = list(names)
    p = len(names)
    r2 = np.asarray(r2, dtype=np.float64)
    if r2.shape != (1 << p,):
        raise ValueError(f"r2 must have 2^{p} = {1 << p} entries for {p} names, got "
                         f"{r2.size}")
    # Axis a of the cube is bit p-1-a, so fixing two axes picks the subsets of the others.
    cube = r2.reshape((2,) * p)
    table = np.full((p, p), np.nan)
    everyone = (1 << p) - 1
    for i in range(p):
        for j in range(i + 1, p):
            # Opposite signs alone and with all the others settle the pair at once; only
            # pairs that agree at both ends need the scan over every subset.
            alone = r2[1 << i] - r2[1 << j]
            together = r2[everyone ^ (1 << j)] - r2[everyone ^ (1 << i)]
            if alone * together < 0 and min(abs(alone), abs(together)) > TIE_TOL:
                table[i, j] = table[j, i] = 0.5
                continue
            with_i, with_j = [slice(None)] * p, [slice(None)] * p
            with_i[p - 1 - i], with_i[p - 1 - j] = 1, 0
            with_j[p - 1 - i], with_j[p - 1 - j] = 0, 1
            gap = cube[tuple(with_i)] - cube[tuple(with_j)]
            if (gap > TIE_TOL).all():
                table[i, j] = 1.0
            elif (gap < -TIE_TOL).all():
                table[i, j] = 0.0
            else:
                table[i, j] = 0.5
            table[j, i] = 1.0 - table[i, j]
    return pd.DataFrame(table, index=names, columns=names)


@one_blas_thread()
def dominance(corr_xx, corr_xy, names: Sequence[str] | None = None) -> DominanceResult:
    """Dominance analysis of the drivers of one outcome.

    Parameters
    ----------
    corr_xx : array-like (p, p)
        Driver correlation matrix.
    corr_xy : array-like (p,)
        Correlations of the drivers with the outcome.
    names : sequence of str, optional
        Driver names; ``x1 .. xp`` when omitted.

    Returns
    -------
    DominanceResult
        ``complete``, ``conditional``, ``general``, ``summary`` and ``r2``; see
        :class:`DominanceResult`.

    Notes
    -----
    All ``2^p`` subset R^2 come from :func:`drivers.shapley.subset_r2` (at most
    :data:`drivers.shapley.MAX_STORED` drivers). The conditional contribution of ``X_j`` at
    size ``k`` is ``C_j(k) = mean over |S| = k, j not in S of R^2(S + j) - R^2(S)``, and
    general dominance is ``mean_k C_j(k)`` (Azen & Budescu 2003, Psychological Methods 8,
    129-148; Budescu 1993, Psychological Bulletin 114, 542-551). Time grows as ``p^2 2^p``
    for the complete-dominance table: milliseconds at 12 drivers, seconds at 24.

    Examples
    --------
    Azen & Budescu's (2003) four-predictor example, outcome first:

    >>> corr = np.array([[1, .6, .3, .4, .5], [.6, 1, .8, .1, .3], [.3, .8, 1, .1, .1],
    ...                  [.4, .1, .1, 1, .5], [.5, .3, .1, .5, 1]])
    >>> result = dominance(corr[1:, 1:], corr[1:, 0])
    >>> result.conditional.round(3).loc["x1"].tolist()
    [0.36, 0.3, 0.263, 0.246]
    >>> result.summary.sort_values("rank")["driver"].tolist()
    ['x1', 'x4', 'x3', 'x2']
    """
    xy = np.asarray(corr_xy, dtype=np.float64)
    p = xy.size
    if p > MAX_STORED:
        raise ValueError(f"dominance analysis compares all 2^{p} subsets of {p} drivers; at "
                         f"most {MAX_STORED} drivers are supported. Analyse composite scores "
                         "(e.g. one per experience dimension) or a shortlist of drivers")
    names = [f"x{j + 1}" for j in range(p)] if names is None else [str(n) for n in names]
    if len(names) != p:
        raise ValueError(f"names must give one name per driver ({p}), got {len(names)}")
    if len(set(names)) != p:
        raise ValueError("driver names must be unique")
    r2 = subset_r2(corr_xx, xy)
    full = float(r2[-1])
    by_size = marginal_by_size(r2)
    conditional = pd.DataFrame(by_size, index=names,
                               columns=pd.RangeIndex(p, name="subset_size"))
    general = pd.Series(by_size.mean(axis=1), index=names, name="general_dominance")
    share = general.to_numpy() / full if full > 0 else np.full(p, np.nan)
    summary = pd.DataFrame({
        "driver": names,
        "general_dominance": general.to_numpy(),
        "share": share,
        "rank": general.rank(ascending=False, method="min").astype(np.int64).to_numpy(),
    })
    return DominanceResult(complete=complete_dominance(r2, names), conditional=conditional,
                           general=general, summary=summary, r2=full)


@one_blas_thread()
def dominance_analysis(data: pd.DataFrame, outcome: str, drivers: Sequence[str], weights=None,
                       missing_codes=None, missing_reasons: pd.DataFrame | None = None
                       ) -> DominanceResult:
    """Dominance analysis of survey data: complete rows, (weighted) correlations, then
    :func:`dominance`.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    outcome : str
        Outcome column.
    drivers : sequence of str
        Driver columns (at most :data:`drivers.shapley.MAX_STORED`).
    weights : str, Series or None
        Weight column or weights aligned with ``data``.
    missing_codes : list or dict, optional
        Values meaning "no answer"; rows with them are left out (listwise) and counted.
    missing_reasons : DataFrame, optional
        Why each blank is blank (``Study.missing``).

    Returns
    -------
    DominanceResult
        As :func:`dominance`; ``summary.attrs`` adds ``n_used``, ``n_dropped`` and
        ``dropped_reasons``.

    Examples
    --------
    >>> import drivers
    >>> study = drivers.load_study(drivers.bank_loan_study_file())
    >>> result = dominance_analysis(study.data, "csat", ["bx_trust", "px_app_usability"],
    ...                             weights="weight")
    >>> result.summary["driver"][result.summary["rank"] == 1].tolist()
    ['bx_trust']
    """
    from drivers.diagnostics import select_rows

    rows = select_rows(data, outcome, list(drivers), weights, "listwise", missing_codes,
                       missing_reasons)
    corr = rows.moments.correlation()
    result = dominance(corr[:-1, :-1], corr[:-1, -1], names=rows.drivers)
    result.summary.attrs.update({"n_used": rows.n_used, "n_dropped": rows.n_dropped,
                                 "dropped_reasons": rows.dropped_reasons})
    return result
