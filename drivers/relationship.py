"""CSAT and NPS side by side: how closely they move, who is satisfied yet not promoting.

Satisfaction and willingness to recommend are related but not the same. The research behind
this toolkit calls out two groups where they part: customers who are satisfied (CSAT top box)
but would not recommend ("satisfied, not promoting") and promoters who are not fully
satisfied ("promoting, not satisfied"). :func:`relationship` measures the correlation of the
two ratings, the cross-tab of CSAT top box by NPS group, the size and profile of the two
divergent groups, and how all of that moves from wave to wave. :func:`advice` turns it into
plain-words questionnaire advice: keep both questions unless several waves show a stable,
strong relationship and the same top drivers.

Examples
--------
>>> from drivers import load_study, bank_loan_study_file
>>> study = load_study(bank_loan_study_file())
>>> result = relationship(study)
>>> result.correlation["method"].tolist()
['pearson', 'spearman']
>>> result.divergent["group"].tolist()
['satisfied_not_promoting', 'satisfied_not_promoting_incl_passives', 'promoting_not_satisfied']
>>> result.advice().keep_both
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from drivers.metrics import DETRACTOR_TO, PROMOTER_FROM, natural_levels, proportion_ci
from drivers.moments import kish_n

#: NPS groups in reading order.
NPS_GROUPS = ("detractor", "passive", "promoter")
#: CSAT groups in reading order.
CSAT_GROUPS = ("top box", "not top box")

#: The divergent groups: name -> (label, definition, base label).
DIVERGENT = {
    "satisfied_not_promoting": (
        "Satisfied, not promoting", "CSAT top box and NPS detractor (0-6)", "CSAT top box"),
    "satisfied_not_promoting_incl_passives": (
        "Satisfied, not promoting (incl. passives)", "CSAT top box and NPS 0-8",
        "CSAT top box"),
    "promoting_not_satisfied": (
        "Promoting, not satisfied", "NPS promoter (9-10) and not CSAT top box", "promoters"),
}


# ---------------------------------------------------------------- weighted statistics


def effective_n(weights: np.ndarray | None, n: int | None = None) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` (``n`` when unweighted).

    >>> effective_n(np.array([1.0, 1.0, 2.0]))
    2.6666666666666665
    """
    if weights is None:
        return float(n)
    w = np.asarray(weights, dtype=float)
    return kish_n(w.sum(), w @ w)


def weighted_pearson(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Weighted Pearson correlation.

    Notes
    -----
    ``r = sum w (x - mx)(y - my) / sqrt(sum w (x - mx)^2 * sum w (y - my)^2)`` with weighted
    means ``mx``, ``my``; with integer weights it equals Pearson's r on rows replicated that
    many times.

    Examples
    --------
    >>> round(weighted_pearson(np.array([1., 2, 3, 4]), np.array([1., 3, 2, 4])), 4)
    0.8
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
    dx = x - np.average(x, weights=w)
    dy = y - np.average(y, weights=w)
    denominator = np.sqrt(np.sum(w * dx ** 2) * np.sum(w * dy ** 2))
    if denominator == 0:
        raise ValueError("a correlation needs variation in both variables; one is constant")
    return float(np.sum(w * dx * dy) / denominator)


def weighted_ranks(x: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Weighted mid-ranks: ``W(< x_i) + (W(= x_i) + 1) / 2``.

    With unit weights these are the usual mid-ranks (ties share the average rank); with
    integer weights they are the mid-ranks the replicated rows would get.

    >>> weighted_ranks(np.array([10, 20, 20, 30])).tolist()
    [1.0, 2.5, 2.5, 4.0]
    >>> weighted_ranks(np.array([10, 20]), np.array([2, 1])).tolist()
    [1.5, 3.0]
    """
    x = np.asarray(x, dtype=float)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
    _, inverse = np.unique(x, return_inverse=True)
    total = np.bincount(inverse, weights=w)
    below = np.cumsum(total) - total
    return below[inverse] + (total[inverse] + 1) / 2


def weighted_spearman(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Weighted Spearman correlation: the weighted Pearson of weighted mid-ranks.

    >>> round(weighted_spearman(np.array([1., 2, 3, 4]), np.array([1., 30, 20, 40])), 4)
    0.8
    """
    return weighted_pearson(weighted_ranks(x, weights), weighted_ranks(y, weights), weights)


def fisher_interval(r: float, n: float, ci: float = 0.95, method: str = "pearson"
                    ) -> tuple[float, float]:
    """Confidence interval of a correlation by Fisher's z transformation.

    Parameters
    ----------
    r : float
        The correlation.
    n : float
        Sample size; the Kish effective n under weights.
    ci : float
        Confidence level.
    method : {"pearson", "spearman"}
        Spearman's variance gets the Bonett & Wright (2000) factor ``1 + r^2 / 2``.

    Returns
    -------
    (float, float)
        ``tanh(atanh(r) -/+ z se)`` with ``se = 1 / sqrt(n - 3)`` (Pearson) or
        ``sqrt((1 + r^2/2) / (n - 3))`` (Spearman); NaN when ``n <= 3``.

    Notes
    -----
    Fisher (1921); Bonett, D. G. & Wright, T. A. (2000), Psychometrika 65, 23-28.

    Examples
    --------
    >>> [round(v, 4) for v in fisher_interval(0.5, 103)]
    [0.3393, 0.6323]
    """
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1, got {ci}")
    if n <= 3 or not np.isfinite(r):
        return float("nan"), float("nan")
    factor = 1 + r ** 2 / 2 if method == "spearman" else 1.0
    se = np.sqrt(factor / (n - 3))
    z = special.ndtri(0.5 + ci / 2)  # = scipy.stats.norm.ppf
    centre = np.arctanh(np.clip(r, -0.9999999, 0.9999999))
    return float(np.tanh(centre - z * se)), float(np.tanh(centre + z * se))


def proportion_interval(p: float, n: float, ci: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion, with the effective n under weights.

    >>> [round(v, 4) for v in proportion_interval(0.2, 100)]
    [0.1334, 0.2888]
    """
    if n <= 0 or not np.isfinite(p):
        return float("nan"), float("nan")
    _, low, high = proportion_ci(p, n, ci, "wilson")
    return low, high


def nps_group(recommend: np.ndarray) -> np.ndarray:
    """Detractor (0-6), passive (7-8) or promoter (9-10) of each 0-10 rating.

    >>> nps_group(np.array([0, 6, 7, 8, 9, 10])).tolist()
    ['detractor', 'detractor', 'passive', 'passive', 'promoter', 'promoter']
    """
    recommend = np.asarray(recommend, dtype=float)
    return np.where(recommend >= PROMOTER_FROM, "promoter",
                    np.where(recommend > DETRACTOR_TO, "passive", "detractor")).astype(object)


# ---------------------------------------------------------------- result objects


@dataclass
class Advice:
    """Questionnaire advice: keep both questions, or one is enough.

    ``keep_both`` is the decision, ``reasons`` the checks behind it (one sentence each) and
    ``text`` the advice in plain words. ``checks`` holds the same checks as message ids of
    :mod:`drivers.messages` (``advice.*``) with their parameters, so a report words them in
    its own language.
    """

    keep_both: bool
    reasons: list[str]
    text: str
    checks: list[tuple[str, dict]] = field(default_factory=list)


@dataclass
class Relationship:
    """What :func:`relationship` found.

    Attributes
    ----------
    correlation : DataFrame
        ``method`` (pearson, spearman), ``r``, ``ci_low``, ``ci_high``, ``n``,
        ``n_effective``.
    crosstab : DataFrame
        ``csat_group`` (top box / not top box), ``nps_group`` (detractor, passive, promoter),
        ``n`` (respondents), ``weighted_n``, ``pct`` (% of all), ``row_pct`` (% of the CSAT
        group), ``col_pct`` (% of the NPS group).
    divergent : DataFrame
        ``group``, ``label``, ``definition``, ``n``, ``weighted_n``, ``share`` (% of all
        respondents answering both), ``ci_low``, ``ci_high``, ``base`` (the group it is
        carved from), ``share_of_base`` (% of that base), ``base_ci_low``, ``base_ci_high``.
    profiles : DataFrame
        Each divergent group against the rest, per attribute and dimension: ``group``,
        ``kind`` (attribute/dimension), ``item``, ``dimension``, ``mean_group``,
        ``mean_rest``, ``difference``, ``smd``, ``smd_ci_low``, ``smd_ci_high``,
        ``n_group``, ``n_rest``.
    segment_mix : DataFrame
        ``group``, ``segment`` (column), ``level``, ``pct_group``, ``pct_rest``,
        ``difference`` (percentage points).
    by_wave : DataFrame or None
        ``wave``, ``statistic`` (pearson, spearman or a divergent group), ``value`` (r, or
        share in %), ``ci_low``, ``ci_high``, ``n``, ``n_effective``; None without waves.
    n, n_effective, ci, outcomes
        Respondents answering both, their effective number, the confidence level, and the
        (csat, nps) outcome names.
    """

    correlation: pd.DataFrame
    crosstab: pd.DataFrame
    divergent: pd.DataFrame
    profiles: pd.DataFrame
    segment_mix: pd.DataFrame
    by_wave: pd.DataFrame | None
    n: int
    n_effective: float
    ci: float
    outcomes: tuple[str, str]

    def advice(self, importance=None, min_waves: int = 3, min_r: float = 0.7,
               max_r_range: float = 0.1, top_k: int = 3, method: str = "pearson") -> Advice:
        """Questionnaire advice from this result; see :func:`advice`."""
        return advice(self, importance=importance, min_waves=min_waves, min_r=min_r,
                      max_r_range=max_r_range, top_k=top_k, method=method)


# ---------------------------------------------------------------- the analysis


def relationship(study, csat: str = "csat", nps: str = "nps", by_wave: bool = True,
                 ci: float = 0.95) -> Relationship:
    """Correlation, cross-tab and divergent groups of CSAT and likelihood to recommend.

    Parameters
    ----------
    study : Study
        The survey; its weights are used when it has them.
    csat : str
        Name of the CSAT outcome (its top box defines "satisfied").
    nps : str
        Name of the likelihood-to-recommend outcome (0-10).
    by_wave : bool
        Also per wave, when the study has a wave column.
    ci : float
        Confidence level of every interval.

    Returns
    -------
    Relationship
        ``correlation``, ``crosstab``, ``divergent``, ``profiles``, ``segment_mix``,
        ``by_wave`` (see :class:`Relationship` for every column) and ``advice()``.

    Notes
    -----
    Only respondents who answered both questions count. Weighted Pearson r; weighted
    Spearman = weighted Pearson of weighted mid-ranks (:func:`weighted_ranks`), which equals
    Spearman's rho on replicated rows for integer weights. Correlation intervals by Fisher z
    with Kish's effective n (:func:`fisher_interval`); shares by the Wilson interval with the
    effective n of their base (:func:`proportion_interval`). Profiles compare weighted
    means; ``smd`` is Cohen's d with the pooled weighted standard deviation, and its
    interval is ``d +/- z sqrt(1/n1 + 1/n0 + d^2 / (2 (n1 + n0)))`` with effective n's
    (Hedges & Olkin 1985).
    """
    csat_outcome, nps_outcome = study.outcome(csat), study.outcome(nps)
    if nps_outcome.kind != "nps":
        raise ValueError(f"outcome {nps!r} is of kind {nps_outcome.kind!r}; relationship() "
                         "needs the 0-10 likelihood-to-recommend outcome")
    if csat_outcome.positive_threshold is None:
        raise ValueError(f"outcome {csat!r} has no top box; set top: in the study file")
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1, got {ci}")
    data = study.data
    x = data[csat_outcome.column].to_numpy(dtype=float)
    y = data[nps_outcome.column].to_numpy(dtype=float)
    both = np.isfinite(x) & np.isfinite(y)
    if both.sum() < 5:
        raise ValueError(f"only {int(both.sum())} respondents answered both {csat!r} and "
                         f"{nps!r}; need at least 5")
    weights = None if study.weights is None else study.weights.to_numpy(dtype=float)
    frame = data.loc[both]
    w = np.ones(int(both.sum())) if weights is None else weights[both]
    top = x[both] >= csat_outcome.positive_threshold
    group = nps_group(y[both])
    members = divergent_members(top, group)

    wave_table = None
    if by_wave and study.wave_column is not None:
        wave_table = _by_wave(frame[study.wave_column].to_numpy(), x[both], y[both], w,
                              members, weights is not None, ci)
    return Relationship(
        correlation=correlation_table(x[both], y[both], None if weights is None else w, ci),
        crosstab=crosstab_table(top, group, w),
        divergent=divergent_table(members, top, group, w, ci),
        profiles=_profiles(study, frame, members, w, ci),
        segment_mix=_segment_mix(study, frame, members, w),
        by_wave=wave_table,
        n=int(both.sum()), n_effective=effective_n(None if weights is None else w,
                                                   int(both.sum())),
        ci=ci, outcomes=(csat, nps),
    )


def correlation_table(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None,
                      ci: float = 0.95) -> pd.DataFrame:
    """Weighted Pearson and Spearman correlations with Fisher-z intervals.

    Returns
    -------
    DataFrame
        ``method``, ``r``, ``ci_low``, ``ci_high``, ``n``, ``n_effective``.

    Examples
    --------
    >>> table = correlation_table(np.array([1., 2, 3, 4, 5]), np.array([2., 1, 4, 3, 5]))
    >>> table[["method", "r"]].values.tolist()
    [['pearson', 0.8], ['spearman', 0.8]]
    """
    n = len(x)
    n_eff = effective_n(weights, n)
    rows = []
    for method, function in (("pearson", weighted_pearson), ("spearman", weighted_spearman)):
        r = function(x, y, weights)
        low, high = fisher_interval(r, n_eff, ci, method)
        rows.append({"method": method, "r": r, "ci_low": low, "ci_high": high, "n": n,
                     "n_effective": n_eff})
    return pd.DataFrame(rows)


def crosstab_table(top: np.ndarray, group: np.ndarray, weights: np.ndarray | None = None
                   ) -> pd.DataFrame:
    """CSAT top box (yes/no) by NPS group, weighted counts and percentages.

    Returns
    -------
    DataFrame
        Six rows (``csat_group`` x ``nps_group``): ``n``, ``weighted_n``, ``pct``,
        ``row_pct``, ``col_pct``.

    Examples
    --------
    >>> table = crosstab_table(np.array([True, True, False, False]),
    ...                        np.array(["promoter", "detractor", "detractor", "passive"]))
    >>> table[["csat_group", "nps_group", "n", "pct"]].values.tolist()[:3]
    [['top box', 'detractor', 1, 25.0], ['top box', 'passive', 0, 0.0], ['top box', 'promoter', 1, 25.0]]
    """
    top = np.asarray(top, dtype=bool)
    group = np.asarray(group, dtype=object)
    w = np.ones(len(top)) if weights is None else np.asarray(weights, dtype=float)
    total = w.sum()
    rows = []
    for csat_group, in_row in (("top box", top), ("not top box", ~top)):
        for nps in NPS_GROUPS:
            cell = in_row & (group == nps)
            in_column = group == nps
            weighted = w[cell].sum()
            rows.append({
                "csat_group": csat_group, "nps_group": nps, "n": int(cell.sum()),
                "weighted_n": float(weighted), "pct": 100 * weighted / total,
                "row_pct": _percent(weighted, w[in_row].sum()),
                "col_pct": _percent(weighted, w[in_column].sum()),
            })
    return pd.DataFrame(rows)


def _percent(part: float, whole: float) -> float:
    return float(100 * part / whole) if whole > 0 else float("nan")


def divergent_members(top: np.ndarray, group: np.ndarray) -> dict[str, np.ndarray]:
    """Membership masks of the three divergent groups (see :data:`DIVERGENT`).

    >>> masks = divergent_members(np.array([True, True, False]),
    ...                           np.array(["detractor", "passive", "promoter"]))
    >>> {k: v.tolist() for k, v in masks.items()}
    {'satisfied_not_promoting': [True, False, False], 'satisfied_not_promoting_incl_passives': [True, True, False], 'promoting_not_satisfied': [False, False, True]}
    """
    top = np.asarray(top, dtype=bool)
    group = np.asarray(group, dtype=object)
    return {
        "satisfied_not_promoting": top & (group == "detractor"),
        "satisfied_not_promoting_incl_passives": top & (group != "promoter"),
        "promoting_not_satisfied": ~top & (group == "promoter"),
    }


def divergent_table(members: Mapping[str, np.ndarray], top: np.ndarray, group: np.ndarray,
                    weights: np.ndarray | None = None, ci: float = 0.95) -> pd.DataFrame:
    """Weighted share of each divergent group, of everyone and of its base, with intervals.

    Returns
    -------
    DataFrame
        ``group``, ``label``, ``definition``, ``n``, ``weighted_n``, ``share``, ``ci_low``,
        ``ci_high``, ``base``, ``share_of_base``, ``base_ci_low``, ``base_ci_high`` (shares
        in %).
    """
    top = np.asarray(top, dtype=bool)
    w = np.ones(len(top)) if weights is None else np.asarray(weights, dtype=float)
    unweighted = weights is None
    bases = {"CSAT top box": top, "promoters": np.asarray(group, dtype=object) == "promoter"}
    rows = []
    for name, mask in members.items():
        label, definition, base_name = DIVERGENT[name]
        share = w[mask].sum() / w.sum()
        low, high = proportion_interval(share, effective_n(None if unweighted else w,
                                                           len(w)), ci)
        base = bases[base_name]
        base_w = w[base]
        of_base = w[mask & base].sum() / base_w.sum() if base.any() else float("nan")
        base_low, base_high = proportion_interval(
            of_base, effective_n(None if unweighted else base_w, int(base.sum())), ci)
        rows.append({"group": name, "label": label, "definition": definition,
                     "n": int(mask.sum()), "weighted_n": float(w[mask].sum()),
                     "share": 100 * share, "ci_low": 100 * low, "ci_high": 100 * high,
                     "base": base_name, "share_of_base": 100 * of_base,
                     "base_ci_low": 100 * base_low, "base_ci_high": 100 * base_high})
    return pd.DataFrame(rows)


def standardized_difference(a: np.ndarray, wa: np.ndarray, b: np.ndarray, wb: np.ndarray,
                            ci: float = 0.95) -> dict[str, float]:
    """Weighted means of two groups, Cohen's d and its analytic interval.

    Notes
    -----
    ``d = (m_a - m_b) / s_p`` with weighted means and ``s_p^2 = ((n_a - 1) v_a + (n_b - 1)
    v_b) / (n_a + n_b - 2)``, ``v`` the weighted variances and ``n`` the Kish effective sizes;
    ``se(d) = sqrt(1/n_a + 1/n_b + d^2 / (2 (n_a + n_b)))`` (Hedges & Olkin 1985).

    Examples
    --------
    >>> out = standardized_difference(np.array([4., 5, 4, 5]), np.ones(4),
    ...                               np.array([2., 3, 2, 3]), np.ones(4))
    >>> round(float(out["smd"]), 3), float(out["difference"])
    (3.464, 2.0)
    """
    keep_a, keep_b = np.isfinite(a), np.isfinite(b)
    a, wa, b, wb = a[keep_a], wa[keep_a], b[keep_b], wb[keep_b]
    result = {"mean_group": np.nan, "mean_rest": np.nan, "difference": np.nan,
              "smd": np.nan, "smd_ci_low": np.nan, "smd_ci_high": np.nan,
              "n_group": len(a), "n_rest": len(b)}
    if len(a) == 0 or len(b) == 0:
        return result
    mean_a, mean_b = np.average(a, weights=wa), np.average(b, weights=wb)
    result.update(mean_group=mean_a, mean_rest=mean_b, difference=mean_a - mean_b)
    n_a, n_b = effective_n(wa), effective_n(wb)
    if n_a < 2 or n_b < 2:
        return result
    var_a = np.average((a - mean_a) ** 2, weights=wa) * n_a / (n_a - 1)
    var_b = np.average((b - mean_b) ** 2, weights=wb) * n_b / (n_b - 1)
    pooled = np.sqrt(((n_a - 1) * var_a + (n_b - 1) * var_b) / (n_a + n_b - 2))
    if pooled == 0:
        return result
    d = (mean_a - mean_b) / pooled
    se = np.sqrt(1 / n_a + 1 / n_b + d ** 2 / (2 * (n_a + n_b)))
    z = special.ndtri(0.5 + ci / 2)  # = scipy.stats.norm.ppf
    result.update(smd=d, smd_ci_low=d - z * se, smd_ci_high=d + z * se)
    return result


def _profiles(study, frame: pd.DataFrame, members, w: np.ndarray, ci: float) -> pd.DataFrame:
    items = [("attribute", a, study.dimension_of(a), frame[a].to_numpy(dtype=float))
             for a in study.attribute_columns]
    scores = study.dimension_scores().loc[frame.index]
    items += [("dimension", d, d, scores[d].to_numpy(dtype=float)) for d in study.dimensions]
    rows = []
    for name, mask in members.items():
        for kind, item, dimension, values in items:
            rows.append({"group": name, "kind": kind, "item": item, "dimension": dimension,
                         **standardized_difference(values[mask], w[mask], values[~mask],
                                                   w[~mask], ci)})
    return pd.DataFrame(rows, columns=["group", "kind", "item", "dimension", "mean_group",
                                       "mean_rest", "difference", "smd", "smd_ci_low",
                                       "smd_ci_high", "n_group", "n_rest"])


def _segment_mix(study, frame: pd.DataFrame, members, w: np.ndarray) -> pd.DataFrame:
    rows = []
    for name, mask in members.items():
        for segment in study.segment_columns:
            values = frame[segment].astype(object).to_numpy()
            for level in natural_levels(values):
                is_level = values == level
                in_group = _percent(w[mask & is_level].sum(), w[mask].sum())
                in_rest = _percent(w[~mask & is_level].sum(), w[~mask].sum())
                rows.append({"group": name, "segment": segment, "level": level,
                             "pct_group": in_group, "pct_rest": in_rest,
                             "difference": in_group - in_rest})
    return pd.DataFrame(rows, columns=["group", "segment", "level", "pct_group", "pct_rest",
                                       "difference"])


def _by_wave(waves: np.ndarray, x, y, w, members, weighted: bool, ci: float) -> pd.DataFrame:
    rows = []
    for wave in natural_levels(waves):
        mask = waves == wave
        n = int(mask.sum())
        n_eff = effective_n(w[mask] if weighted else None, n)
        if n >= 5:
            table = correlation_table(x[mask], y[mask], w[mask] if weighted else None, ci)
            for record in table.to_dict("records"):
                rows.append({"wave": wave, "statistic": record["method"], "value": record["r"],
                             "ci_low": record["ci_low"], "ci_high": record["ci_high"],
                             "n": n, "n_effective": n_eff})
        for name, member in members.items():
            share = w[mask & member].sum() / w[mask].sum()
            low, high = proportion_interval(share, n_eff, ci)
            rows.append({"wave": wave, "statistic": name, "value": 100 * share,
                         "ci_low": 100 * low, "ci_high": 100 * high, "n": n,
                         "n_effective": n_eff})
    return pd.DataFrame(rows, columns=["wave", "statistic", "value", "ci_low", "ci_high", "n",
                                       "n_effective"])


# ---------------------------------------------------------------- advice


def advice(result: Relationship, importance=None, min_waves: int = 3, min_r: float = 0.7,
           max_r_range: float = 0.1, top_k: int = 3, method: str = "pearson") -> Advice:
    """Should the questionnaire keep both CSAT and likelihood to recommend?

    Keep measuring both while the relationship is unstable or the drivers differ; drop one
    only after several waves show a stable strong relationship and the same drivers.

    Parameters
    ----------
    result : Relationship
        From :func:`relationship` (with ``by_wave``).
    importance : optional
        The driver comparison: ``{"csat": table, "nps": table}`` or a pair
        ``(csat_table, nps_table)`` of :func:`drivers.importance.importance` tables, or one
        table with ``driver`` and a pair of columns ``share_csat``/``share_nps``,
        ``importance_csat``/``importance_nps`` or ``csat``/``nps``. Without it the drivers
        are unchecked, and that alone keeps both questions.
    min_waves : int
        Fewest waves that must be measured.
    min_r : float
        Every wave's correlation must reach this.
    max_r_range : float
        Largest allowed spread (max - min) of the wave correlations.
    top_k : int
        The ``top_k`` most important drivers must be the same set for CSAT and NPS.
    method : {"pearson", "spearman"}
        Which correlation the thresholds apply to.

    Returns
    -------
    Advice
        ``keep_both``, ``reasons`` (one sentence per check: the failed checks when keeping
        both, else the passed ones), ``text``.

    Examples
    --------
    >>> waves = pd.DataFrame({"wave": ["W1", "W2", "W3"], "statistic": "pearson",
    ...                       "value": [0.82, 0.80, 0.84], "ci_low": np.nan,
    ...                       "ci_high": np.nan, "n": 500, "n_effective": 480.0})
    >>> corr = pd.DataFrame({"method": ["pearson"], "r": [0.82]})
    >>> result = Relationship(corr, None, None, None, None, waves, 1500, 1440.0, 0.95,
    ...                       ("csat", "nps"))
    >>> same = pd.DataFrame({"driver": ["a", "b", "c", "d"], "share_csat": [.4, .3, .2, .1],
    ...                      "share_nps": [.3, .4, .2, .1]})
    >>> advice(result, same).keep_both
    False
    >>> advice(result, same, min_r=0.85).keep_both
    True
    """
    if method not in ("pearson", "spearman"):
        raise ValueError(f"method must be 'pearson' or 'spearman', got {method!r}")
    waves = None
    if result.by_wave is not None and len(result.by_wave):
        table = result.by_wave[result.by_wave["statistic"] == method]
        waves = dict(zip(table["wave"], table["value"].astype(float), strict=True))
    if not waves:
        overall = result.correlation.loc[result.correlation["method"] == method, "r"]
        waves = {"all": float(overall.iloc[0])}
    failed, passed = [], []
    failed_ids: list[tuple[str, dict]] = []
    passed_ids: list[tuple[str, dict]] = []
    count = len(waves)
    if count < min_waves:
        failed.append(f"Only {count} wave(s) measured; at least {min_waves} are needed to see "
                      "whether the relationship is stable.")
        failed_ids.append(("advice.few_waves", {"count": count, "min_waves": min_waves}))
    else:
        passed.append(f"{count} waves measured (at least {min_waves} needed).")
        passed_ids.append(("advice.enough_waves", {"count": count, "min_waves": min_waves}))
    weak = {wave: r for wave, r in waves.items() if r < min_r}
    if weak:
        listed = ", ".join(f"{wave}: r = {r:.2f}" for wave, r in weak.items())
        failed.append(f"The {method} correlation of CSAT and likelihood to recommend is below "
                      f"{min_r:.2f} ({listed}): the two questions measure different things.")
        failed_ids.append(("advice.weak", {"min_r": min_r, "waves": weak}))
    else:
        passed.append(f"The {method} correlation is at least {min_r:.2f} in every wave "
                      f"(lowest {min(waves.values()):.2f}).")
        passed_ids.append(("advice.strong", {"min_r": min_r, "lowest": min(waves.values())}))
    if count >= 2:
        spread = max(waves.values()) - min(waves.values())
        if spread > max_r_range:
            failed.append(f"The correlation moved by {spread:.2f} between waves (from "
                          f"{min(waves.values()):.2f} to {max(waves.values()):.2f}; more than "
                          f"{max_r_range:.2f}): the relationship is not stable.")
            failed_ids.append(("advice.unstable", {"spread": spread, "max_spread": max_r_range}))
        else:
            passed.append(f"The correlation stayed within {max_r_range:.2f} across waves "
                          f"(spread {spread:.2f}).")
            passed_ids.append(("advice.stable", {"spread": spread, "max_spread": max_r_range}))
    if importance is None:
        failed.append("No driver comparison was given, so it is unknown whether CSAT and NPS "
                      "share their top drivers.")
        failed_ids.append(("advice.no_drivers", {}))
    else:
        top_csat, top_nps = top_drivers(importance, top_k)
        if set(top_csat) != set(top_nps):
            failed.append(f"The top {top_k} drivers differ: CSAT {', '.join(top_csat)}; NPS "
                          f"{', '.join(top_nps)}. Each question tells you something the "
                          "other does not.")
            failed_ids.append(("advice.top_differ", {"k": top_k, "csat": top_csat,
                                                     "nps": top_nps}))
        else:
            passed.append(f"CSAT and NPS share their top {top_k} drivers "
                          f"({', '.join(sorted(top_csat))}).")
            passed_ids.append(("advice.top_same", {"k": top_k, "names": sorted(top_csat)}))
    keep_both = bool(failed)
    if keep_both:
        text = ("Keep measuring both CSAT and likelihood to recommend. "
                + " ".join(failed)
                + " Drop one only after several waves show a stable, strong relationship and "
                  "the same top drivers.")
        return Advice(keep_both=True, reasons=failed, text=text, checks=failed_ids)
    text = ("One of the two questions could be dropped: " + " ".join(passed)
            + " Keep checking in later waves, and keep the one your stakeholders act on.")
    return Advice(keep_both=False, reasons=passed, text=text, checks=passed_ids)


def top_drivers(importance, top_k: int = 3) -> tuple[list[str], list[str]]:
    """The ``top_k`` drivers of CSAT and of NPS from a driver comparison (see :func:`advice`).

    >>> top_drivers({"csat": pd.DataFrame({"driver": ["a", "b"], "share": [.2, .8]}),
    ...              "nps": pd.DataFrame({"driver": ["a", "b"], "share": [.6, .4]})}, 1)
    (['b'], ['a'])
    """
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1, got {top_k}")
    if isinstance(importance, Mapping):
        if not {"csat", "nps"} <= set(importance):
            raise ValueError("importance dict needs 'csat' and 'nps' tables")
        pair = (importance["csat"], importance["nps"])
        return tuple(_top_of(t, _value_column(t), top_k) for t in pair)  # type: ignore[return-value]
    if isinstance(importance, Sequence) and len(importance) == 2 and \
            all(isinstance(t, pd.DataFrame) for t in importance):
        return tuple(_top_of(t, _value_column(t), top_k) for t in importance)  # type: ignore[return-value]
    if isinstance(importance, pd.DataFrame) and "driver" in importance.columns:
        for csat_column, nps_column in (("share_csat", "share_nps"),
                                        ("importance_csat", "importance_nps"),
                                        ("csat", "nps")):
            if {csat_column, nps_column} <= set(importance.columns):
                return (_top_of(importance, csat_column, top_k),
                        _top_of(importance, nps_column, top_k))
    raise ValueError("importance must be {'csat': table, 'nps': table}, a (csat, nps) pair of "
                     "importance tables, or a table with driver and share_csat/share_nps (or "
                     "importance_csat/importance_nps, csat/nps) columns")


def _value_column(table: pd.DataFrame) -> str:
    for column in ("share", "importance"):
        if column in table.columns:
            return column
    raise ValueError("an importance table needs a 'share' or 'importance' column")


def _top_of(table: pd.DataFrame, column: str, top_k: int) -> list[str]:
    if "driver" not in table.columns:
        raise ValueError("an importance table needs a 'driver' column")
    magnitude = table[column].astype(float).abs().to_numpy()
    order = sorted(range(len(table)), key=lambda i: (-magnitude[i], str(table["driver"].iloc[i])))
    return [str(table["driver"].iloc[i]) for i in order[:top_k]]
