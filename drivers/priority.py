"""Priority matrices: where importance meets performance, and what to act on first.

Importance-performance analysis (Martilla & James 1977) crosses each driver's importance for
an outcome with how well it performs. Drivers above the importance cross-hair and below the
performance cross-hair are where improvement pays most ("Fix first"); the other quadrants say
"Maintain", "Monitor" and "Possible overinvestment". This module builds that matrix from an
importance table and a performance series, orders the drivers into an action list, and
runs the same from a :class:`~drivers.study.Study` (per segment, or between two waves).
:func:`penalty_reward` adds the asymmetric (Kano-like) view: does a low rating hurt more than
a high rating helps?

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"driver": ["rate", "fees", "app", "agent"],
...                       "importance": [0.20, 0.05, 0.04, 0.11],
...                       "share": [0.50, 0.125, 0.10, 0.275], "rank": [1, 3, 4, 2]})
>>> perf = pd.Series({"rate": 3.2, "fees": 3.1, "app": 4.4, "agent": 4.1})
>>> matrix = priority_matrix(table, perf)
>>> matrix[["driver", "quadrant", "priority"]].values.tolist()
[['rate', 'Fix first', 1], ['fees', 'Monitor', 3], ['app', 'Possible overinvestment', 4], ['agent', 'Maintain', 2]]
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import special

#: Quadrants in priority order (Martilla & James 1977, renamed for CX action lists).
QUADRANTS = ("Fix first", "Maintain", "Monitor", "Possible overinvestment")

#: Quadrant probability at or above which a quadrant is held with high / moderate confidence
#: (below: low). The contract between the priority matrix and the first-action rule.
CONFIDENCE_THRESHOLDS = {"high": 0.9, "moderate": 0.7}

#: What each quadrant asks of the business, in plain words.
ACTIONS = {
    "Fix first": "Improve: matters a lot and performs below par",
    "Maintain": "Keep up: matters a lot and performs well",
    "Monitor": "Watch: matters less and performs below par",
    "Possible overinvestment": "Review effort: matters less yet performs well",
}

#: Interval columns of an importance table, per plotted value.
INTERVAL_COLUMNS = {"share": ("share_ci_low", "share_ci_high"),
                    "importance": ("ci_low", "ci_high")}

#: Cross-hair rules by name.
CROSS_RULES = ("mean", "median", "midpoint")

#: Column holding the share of resamples that put a driver in each quadrant.
PROBABILITY_COLUMNS = {"Fix first": "p_fix_first", "Maintain": "p_maintain",
                       "Monitor": "p_monitor",
                       "Possible overinvestment": "p_possible_overinvestment"}

#: Confidence in a driver's quadrant from the share of joint resamples that agree with it:
#: "high" from 0.9, "moderate" from 0.7, "low" below (a coin toss is 0.5 at best).
CONFIDENCE_THRESHOLDS = {"high": 0.9, "moderate": 0.7}


def quadrant_of(high_importance, high_performance) -> np.ndarray:
    """The quadrant (Martilla & James 1977) of importance/performance above their cross-hairs.

    >>> quadrant_of(np.array([True, True, False, False]),
    ...             np.array([False, True, False, True])).tolist()
    ['Fix first', 'Maintain', 'Monitor', 'Possible overinvestment']
    """
    return np.where(high_importance,
                    np.where(high_performance, "Maintain", "Fix first"),
                    np.where(high_performance, "Possible overinvestment", "Monitor"))


def confidence_label(probability) -> pd.Series:
    """``"high"``, ``"moderate"`` or ``"low"`` per :data:`CONFIDENCE_THRESHOLDS` (NA for NaN).

    >>> confidence_label([0.95, 0.9, 0.75, 0.5, np.nan]).tolist()
    ['high', 'high', 'moderate', 'low', <NA>]
    """
    values = np.asarray(probability, dtype=float)
    labels = np.where(values >= CONFIDENCE_THRESHOLDS["high"], "high",
                      np.where(values >= CONFIDENCE_THRESHOLDS["moderate"], "moderate", "low"))
    return pd.Series(labels, dtype="string").where(~np.isnan(values), pd.NA)


def priority_matrix(importance: pd.DataFrame, performance: pd.Series | Mapping,
                    cross: str | tuple[float, float] = "mean",
                    dimension: Mapping | pd.Series | None = None, value: str = "share",
                    scale: tuple[float, float] | None = None,
                    performance_samples: pd.DataFrame | None = None) -> pd.DataFrame:
    """Importance-performance matrix: each driver's quadrant, its probability and priority.

    Parameters
    ----------
    importance : DataFrame
        A :func:`drivers.importance.importance` table: ``driver`` and the ``value`` column;
        optionally its interval (``share_ci_low``/``share_ci_high`` for shares,
        ``ci_low``/``ci_high`` for raw importance) and, from a bootstrap,
        ``attrs["resamples"]`` (:class:`drivers.bootstrap.Resamples`).
    performance : Series or dict
        Driver -> performance (mean rating, top-box %, ...), for every driver in
        ``importance``; extra entries are ignored.
    cross : {"mean", "median", "midpoint"} or (float, float)
        Where the cross-hairs go. ``mean``/``median``: of the plotted importances and
        performances. ``midpoint``: the middle of the performance ``scale`` (needed) and,
        for importance, which has no natural midpoint, the mean importance (for shares that
        is ``1/k``, the equal-share line). A tuple fixes ``(importance, performance)``.
    dimension : dict or Series, optional
        Driver -> experience dimension (``BX``, ``PX``, ...).
    value : str
        Importance column plotted on the importance axis: ``share`` (default) or
        ``importance``.
    scale : (float, float), optional
        Lowest and highest possible performance (``(1, 5)`` for a mean rating, ``(0, 100)``
        for a top-box %); needed by ``cross="midpoint"`` and sets the top for ``gap``.
    performance_samples : DataFrame, optional
        Performance of each driver (columns) in each resample of the importance bootstrap
        (rows, in the order of ``attrs["resamples"]``), from :func:`performance_resamples`,
        which draws them from the same respondents. With both, every resample places each
        driver in a quadrant and the matrix gains the quadrant probabilities.

    Returns
    -------
    DataFrame
        One row per driver, in the order of ``importance``:

        - ``driver``
        - ``dimension`` (only when ``dimension`` is given; None for unmapped drivers)
        - ``importance``: the ``value`` column
        - ``importance_ci_low``, ``importance_ci_high`` (only when the interval is known)
        - ``performance``
        - ``performance_ci_low``, ``performance_ci_high`` (percentile interval over the
          joint resamples; NaN without them)
        - ``importance_cross``, ``performance_cross``: the cross-hairs
        - ``quadrant``: one of :data:`QUADRANTS`
        - ``p_fix_first``, ``p_maintain``, ``p_monitor``, ``p_possible_overinvestment``:
          share of the joint resamples that put the driver in each quadrant (NaN without
          resamples); ``quadrant_probability``: that share for the row's own ``quadrant``
        - ``confidence``: ``"high"``, ``"moderate"`` or ``"low"`` from
          ``quadrant_probability`` and :data:`CONFIDENCE_THRESHOLDS` (NA without resamples)
        - ``tie_group``, ``tied_with_top``: copied from the importance table when it has
          them (:func:`drivers.bootstrap.tie_groups`)
        - ``gap``: performance headroom, ``top - performance`` with ``top`` the highest
          scale point (or the best performance in the table without ``scale``)
        - ``opportunity``: ``importance * gap``
        - ``priority``: 1 = act first

        ``attrs``: ``cross`` (the rule, or ``"fixed"``), ``importance_cross``,
        ``performance_cross``, ``value``, ``scale``, ``performance_top``,
        ``confidence_thresholds``, ``quadrant_resamples`` (0 without), with resamples
        ``importance_cross_ci`` and ``performance_cross_ci`` (percentile intervals of the
        cross-hairs, a single value when the rule fixes them) and, from the importance
        table, ``method``, ``outcome`` and ``ci`` when known.

    Notes
    -----
    A driver is high-importance when ``importance >= importance_cross`` and high-performance
    when ``performance >= performance_cross``. Quadrants (Martilla & James 1977): high/low =
    "Fix first", high/high = "Maintain", low/low = "Monitor", low/high = "Possible
    overinvestment".

    Quadrant probabilities: in resample ``b`` the importance (or share) of every driver, its
    performance and the cross-hairs (when a rule takes them from the data: the mean or median
    of that resample's plotted values) are all computed on the same resampled respondents,
    and the rule above gives the driver's quadrant in that resample. ``p_<quadrant>`` is the
    share of resamples (with a defined performance) in each quadrant. A driver whose
    performance sits on the cross-hair lands on either side about equally often, so its
    ``quadrant_probability`` is near 0.5 and its confidence "low", however certain its
    importance.

    Priority rule: quadrants in the order Fix first, Maintain, Monitor, Possible
    overinvestment; within a quadrant by ``opportunity = importance x gap`` (larger first:
    the weighted improvement potential, high when a driver matters much and has much
    headroom), then by importance (larger first), then by driver name.

    Martilla, J. A. & James, J. C. (1977). Importance-performance analysis. Journal of
    Marketing 41(1), 77-79.

    Examples
    --------
    >>> table = pd.DataFrame({"driver": ["a", "b", "c"], "share": [0.5, 0.3, 0.2],
    ...                       "share_ci_low": [0.40, 0.25, 0.05],
    ...                       "share_ci_high": [0.60, 0.40, 0.30]})
    >>> matrix = priority_matrix(table, {"a": 2.8, "b": 4.5, "c": 2.5}, cross="midpoint",
    ...                          scale=(1, 5))
    >>> matrix[["driver", "quadrant", "priority"]].values.tolist()
    [['a', 'Fix first', 1], ['b', 'Possible overinvestment', 3], ['c', 'Monitor', 2]]
    >>> matrix.attrs["importance_cross"], matrix.attrs["performance_cross"]
    (0.3333333333333333, 3.0)
    >>> matrix["confidence"].isna().all()  # no resamples, no probability
    np.True_
    """
    if not isinstance(importance, pd.DataFrame) or "driver" not in importance.columns:
        raise ValueError("importance must be a DataFrame with a 'driver' column (a table from "
                         "drivers.importance.importance)")
    if value not in importance.columns:
        raise ValueError(f"importance has no {value!r} column to plot; it has "
                         f"{', '.join(map(str, importance.columns))}")
    drivers = [str(d) for d in importance["driver"]]
    if len(set(drivers)) != len(drivers):
        raise ValueError("importance lists a driver more than once")
    performance = pd.Series(performance, dtype=float) if isinstance(performance, Mapping) \
        else pd.Series(performance).astype(float)
    absent = [d for d in drivers if d not in performance.index]
    if absent:
        raise ValueError(f"performance has no value for {', '.join(absent)}")
    imp = importance[value].to_numpy(dtype=float)
    perf = performance.reindex(drivers).to_numpy(dtype=float)
    for name, values in (("importance", imp), ("performance", perf)):
        if not np.isfinite(values).all():
            bad = [d for d, v in zip(drivers, values, strict=True) if not np.isfinite(v)]
            raise ValueError(f"{name} is missing (NaN) for {', '.join(bad)}")
    if scale is not None:
        scale = _check_scale(scale)

    importance_cross, performance_cross, rule = _cross_hairs(cross, imp, perf, scale)
    quadrant = quadrant_of(imp >= importance_cross, perf >= performance_cross)

    matrix = pd.DataFrame({"driver": drivers})
    if dimension is not None:
        mapping = dict(dimension)
        matrix["dimension"] = [mapping.get(d) for d in drivers]
    matrix["importance"] = imp
    low_column, high_column = INTERVAL_COLUMNS.get(value, (f"{value}_ci_low",
                                                           f"{value}_ci_high"))
    if {low_column, high_column} <= set(importance.columns):
        matrix["importance_ci_low"] = importance[low_column].to_numpy(dtype=float)
        matrix["importance_ci_high"] = importance[high_column].to_numpy(dtype=float)
    matrix["performance"] = perf
    matrix["performance_ci_low"] = matrix["performance_ci_high"] = np.nan
    matrix["importance_cross"] = importance_cross
    matrix["performance_cross"] = performance_cross
    matrix["quadrant"] = quadrant.astype(object)
    for column in PROBABILITY_COLUMNS.values():
        matrix[column] = np.nan
    matrix.attrs.update({"quadrant_resamples": 0,
                         "confidence_thresholds": dict(CONFIDENCE_THRESHOLDS)})
    resamples = importance.attrs.get("resamples")
    ci = importance.attrs.get("ci") or 0.95
    if resamples is not None and performance_samples is not None:
        _quadrant_probabilities(matrix, resamples, performance_samples, cross, value, scale,
                                ci)
    elif resamples is not None:
        warnings.warn("the importance table has bootstrap resamples but no performance was "
                      "resampled with them: quadrant probabilities need performance_samples="
                      "performance_resamples(...) (study_priority does this)", UserWarning,
                      stacklevel=2)
    matrix["quadrant_probability"] = [matrix.at[i, PROBABILITY_COLUMNS[q]]
                                      for i, q in enumerate(quadrant)]
    for column in ("tie_group", "tied_with_top"):
        if column in importance.columns:
            matrix[column] = importance[column].to_numpy()
    matrix["confidence"] = confidence_label(matrix["quadrant_probability"]).to_numpy()
    top = float(scale[1]) if scale is not None else float(perf.max())
    matrix["gap"] = top - perf
    matrix["opportunity"] = imp * matrix["gap"].to_numpy()
    matrix["priority"] = priority_order(matrix)

    matrix.attrs.update({
        "cross": rule, "importance_cross": float(importance_cross),
        "performance_cross": float(performance_cross), "value": value,
        "scale": scale, "performance_top": top,
    })
    for key in ("method", "outcome", "ci"):
        if key in importance.attrs:
            matrix.attrs[key] = importance.attrs[key]
    return matrix


def _quadrant_probabilities(matrix: pd.DataFrame, resamples, performance_samples, cross,
                            value: str, scale, ci: float) -> None:
    """Fill the probability and performance-interval columns of ``matrix`` in place."""
    from drivers.bootstrap import percentile_interval

    if value not in ("share", "importance"):
        raise ValueError(f"quadrant probabilities need value='share' or 'importance', got "
                         f"{value!r}")
    drivers = list(matrix["driver"])
    chosen = resamples.select(drivers)
    imp = chosen.shares() if value == "share" else chosen.samples
    frame = pd.DataFrame(performance_samples)
    absent = [d for d in drivers if d not in frame.columns]
    if absent:
        raise ValueError(f"performance_samples has no column for {', '.join(absent)}")
    perf = frame[drivers].to_numpy(dtype=float)
    if perf.shape[0] != imp.shape[0]:
        raise ValueError(f"performance_samples has {perf.shape[0]} resamples, the importance "
                         f"bootstrap {imp.shape[0]}: they must be the same resamples "
                         "(performance_resamples draws them)")
    importance_cross, performance_cross = _cross_hair_samples(cross, imp, perf, scale)
    quadrant = quadrant_of(imp >= importance_cross[:, None], perf >= performance_cross[:, None])
    defined = np.isfinite(perf) & np.isfinite(imp)
    counted = defined.sum(axis=0)
    for name, column in PROBABILITY_COLUMNS.items():
        with np.errstate(invalid="ignore", divide="ignore"):
            matrix[column] = np.where(counted > 0,
                                      ((quadrant == name) & defined).sum(axis=0) / counted,
                                      np.nan)
    matrix["performance_ci_low"], matrix["performance_ci_high"] = percentile_interval(perf, ci)
    matrix.attrs.update({
        "quadrant_resamples": int(imp.shape[0]),
        "importance_cross_ci": tuple(float(v[0]) for v in
                                     percentile_interval(importance_cross[:, None], ci)),
        "performance_cross_ci": tuple(float(v[0]) for v in
                                      percentile_interval(performance_cross[:, None], ci))})


def _cross_hair_samples(cross, imp: np.ndarray, perf: np.ndarray, scale
                        ) -> tuple[np.ndarray, np.ndarray]:
    """The cross-hairs of each resample (rows), by the same rule as the point estimate."""
    rows = imp.shape[0]
    if isinstance(cross, str):
        if cross == "mean":
            return np.nanmean(imp, axis=1), np.nanmean(perf, axis=1)
        if cross == "median":
            return np.nanmedian(imp, axis=1), np.nanmedian(perf, axis=1)
        if cross == "midpoint":
            return np.nanmean(imp, axis=1), np.full(rows, (scale[0] + scale[1]) / 2)
    importance_cross, performance_cross, _ = _cross_hairs(cross, imp[0], perf[0], scale)
    return np.full(rows, importance_cross), np.full(rows, performance_cross)


def priority_order(matrix: pd.DataFrame) -> np.ndarray:
    """Priority (1 = act first) of each row of a matrix with quadrant and opportunity.

    Quadrant order first (:data:`QUADRANTS`), then ``opportunity`` descending, then
    ``importance`` descending, then ``driver`` ascending.

    >>> m = pd.DataFrame({"driver": ["x", "y", "z"], "quadrant": ["Monitor", "Fix first",
    ...                   "Fix first"], "opportunity": [9.0, 0.1, 0.3], "importance": [1, 1, 1]})
    >>> priority_order(m).tolist()
    [3, 2, 1]
    """
    unknown = set(matrix["quadrant"]) - set(QUADRANTS)
    if unknown:
        raise ValueError(f"unknown quadrant(s) {', '.join(map(str, unknown))}")
    keys = pd.DataFrame({
        "quadrant": [QUADRANTS.index(q) for q in matrix["quadrant"]],
        "opportunity": -matrix["opportunity"].to_numpy(dtype=float),
        "importance": -matrix["importance"].to_numpy(dtype=float),
        "driver": matrix["driver"].astype(str).to_numpy(),
    })
    order = keys.sort_values(["quadrant", "opportunity", "importance", "driver"],
                             kind="mergesort").index
    priority = np.empty(len(matrix), dtype=int)
    priority[np.asarray(order)] = np.arange(1, len(matrix) + 1)
    return priority


def _check_scale(scale) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in scale)
    except (TypeError, ValueError):
        raise ValueError(f"scale must be (lowest, highest), got {scale!r}") from None
    if not low < high:
        raise ValueError(f"scale must be (lowest, highest) with lowest < highest, got {scale!r}")
    return low, high


def _cross_hairs(cross, imp: np.ndarray, perf: np.ndarray, scale
                 ) -> tuple[float, float, str]:
    if isinstance(cross, str):
        if cross == "mean":
            return float(imp.mean()), float(perf.mean()), cross
        if cross == "median":
            return float(np.median(imp)), float(np.median(perf)), cross
        if cross == "midpoint":
            if scale is None:
                raise ValueError("cross='midpoint' needs the performance scale, e.g. "
                                 "scale=(1, 5) for mean ratings or (0, 100) for top-box %")
            return float(imp.mean()), (scale[0] + scale[1]) / 2, cross
        raise ValueError(f"cross must be one of {', '.join(CROSS_RULES)} or an (importance, "
                         f"performance) pair, got {cross!r}")
    try:
        importance_cross, performance_cross = (float(v) for v in cross)
    except (TypeError, ValueError):
        raise ValueError(f"cross must be one of {', '.join(CROSS_RULES)} or an (importance, "
                         f"performance) pair, got {cross!r}") from None
    return importance_cross, performance_cross, "fixed"


def action_table(matrix: pd.DataFrame, study=None, lang: str = "en") -> pd.DataFrame:
    """The priority matrix as an action list for stakeholders, act-first on top.

    Parameters
    ----------
    matrix : DataFrame
        From :func:`priority_matrix` or :func:`study_priority`.
    study : Study, optional
        Supplies labels and dimensions; without it the label is the driver name.
    lang : str
        Label language (``"en"`` or the study's second language, e.g. ``"zh"``).

    Returns
    -------
    DataFrame
        Sorted by (``segment``,) ``priority``; columns: ``segment`` (when the matrix has one),
        ``priority``, ``attribute`` (the driver: attribute column or dimension name),
        ``label``, ``dimension``, ``importance``, ``importance_ci_low``,
        ``importance_ci_high``, ``performance``, ``performance_ci_low``,
        ``performance_ci_high`` (NaN without intervals), ``quadrant``,
        ``quadrant_probability``, ``confidence`` (see :func:`priority_matrix`),
        ``quadrant_text`` (the quadrant with its probability, e.g. ``"Fix first, 62 %, low
        confidence"``; ``"Fix first, no interval"`` without a bootstrap), ``tie_group`` and
        ``tied_with`` (the labels of the other drivers in its tie group of importance; empty
        when it stands alone or without a bootstrap) and ``action`` (plain words, with the
        confidence appended when it is not high rather than hiding the row).

    Examples
    --------
    >>> table = pd.DataFrame({"driver": ["a", "b"], "share": [0.7, 0.3]})
    >>> actions = action_table(priority_matrix(table, {"a": 3.0, "b": 4.0}))
    >>> actions[["priority", "attribute", "quadrant_text"]].values.tolist()
    [[1, 'a', 'Fix first, no interval'], [2, 'b', 'Possible overinvestment, no interval']]
    """
    from drivers.style import label_for

    required = {"driver", "importance", "performance", "quadrant", "priority",
                "quadrant_probability", "confidence"}
    missing = required - set(matrix.columns)
    if missing:
        raise ValueError(f"matrix lacks {', '.join(sorted(missing))}; build it with "
                         "priority_matrix()")
    table = pd.DataFrame()
    if "segment" in matrix.columns:
        table["segment"] = matrix["segment"].to_numpy()
    table["priority"] = matrix["priority"].to_numpy()
    table["attribute"] = matrix["driver"].to_numpy()
    if study is not None:
        table["label"] = [label_for(study, d, lang) for d in matrix["driver"]]
    else:
        table["label"] = matrix["driver"].to_numpy()
    if "dimension" in matrix.columns:
        table["dimension"] = matrix["dimension"].to_numpy()
    elif study is not None:
        table["dimension"] = [study.dimension_of(d) for d in matrix["driver"]]
    else:
        table["dimension"] = None
    table["importance"] = matrix["importance"].to_numpy()
    for column in ("importance_ci_low", "importance_ci_high"):
        table[column] = matrix[column].to_numpy() if column in matrix.columns else np.nan
    table["performance"] = matrix["performance"].to_numpy()
    for column in ("performance_ci_low", "performance_ci_high"):
        table[column] = matrix[column].to_numpy() if column in matrix.columns else np.nan
    table["quadrant"] = matrix["quadrant"].to_numpy()
    table["quadrant_probability"] = matrix["quadrant_probability"].to_numpy(dtype=float)
    table["confidence"] = pd.array(matrix["confidence"], dtype="string")
    table["quadrant_text"] = [quadrant_text(q, p, c) for q, p, c in zip(
        table["quadrant"], table["quadrant_probability"], table["confidence"], strict=True)]
    table["tie_group"] = (matrix["tie_group"].to_numpy() if "tie_group" in matrix.columns
                          else pd.NA)
    table["tied_with"] = _tied_with(table)
    table["action"] = [ACTIONS[q] + ("" if pd.isna(c) or c == "high" else f" ({c} confidence)")
                       for q, c in zip(table["quadrant"], table["confidence"], strict=True)]
    keys = ["segment", "priority"] if "segment" in table.columns else ["priority"]
    table = table.sort_values(keys, kind="mergesort").reset_index(drop=True)
    table.attrs.update(matrix.attrs)
    return table


def quadrant_text(quadrant: str, probability: float, confidence) -> str:
    """A quadrant as stated to a reader: never without its probability when one is known.

    >>> quadrant_text("Fix first", 0.62, "low")
    'Fix first, 62 %, low confidence'
    >>> quadrant_text("Maintain", float("nan"), None)
    'Maintain, no interval'
    """
    if probability is None or not np.isfinite(probability):
        return f"{quadrant}, no interval"
    return f"{quadrant}, {100 * probability:.0f} %, {confidence} confidence"


def _tied_with(table: pd.DataFrame) -> list[str]:
    """Labels of the other drivers in each row's tie group (within its segment)."""
    if table["tie_group"].isna().all():
        return [""] * len(table)
    keys = (table["segment"] if "segment" in table.columns
            else pd.Series(0, index=table.index)).astype(str) + "|" + \
        table["tie_group"].astype(str)
    return [", ".join(table.loc[(keys == key) & (table.index != i), "label"].astype(str))
            for i, key in enumerate(keys)]


# ---------------------------------------------------------------- from a study


def study_priority(study, outcome: str, level: str = "attribute", method: str = "shapley",
                   performance: str = "mean", by: str | None = None,
                   cross: str | tuple[float, float] = "mean", value: str = "share",
                   min_n: int = 30, bootstrap: int = 0, seed: int | None = None,
                   ci: float = 0.95, n_jobs: int = 1, importance_table: pd.DataFrame | None = None,
                   base: str = "driver", **importance_options) -> pd.DataFrame:
    """Priority matrix of a study's attributes (or dimensions) for one outcome.

    Parameters
    ----------
    study : Study
        The survey.
    outcome : str
        Outcome name in the study (``"csat"``, ``"nps"``, ...).
    level : {"attribute", "dimension"}
        ``attribute``: one point per attribute. ``dimension``: grouped importance of each
        dimension's attributes (``groups=study.groups``) against its mean dimension score.
    method : str
        Importance method of :func:`drivers.importance.importance`.
    performance : {"mean", "top_box"}
        ``mean``: weighted mean rating. ``top_box``: weighted % of answers in the top box
        (top-2 on a 5-point scale, see :func:`drivers.study.default_top_box`); at dimension
        level the % of respondents whose dimension score reaches the top box.
    by : str, optional
        Segment (or wave) column: one matrix per value, each with its own cross-hairs,
        stacked with a ``segment`` column.
    cross, value
        As in :func:`priority_matrix`.
    min_n : int
        Segments with fewer respondents are skipped, with a warning.
    bootstrap : int
        Respondent resamples (0 = none). With them the matrix gains the importance and
        performance intervals and each driver's quadrant probabilities and confidence
        (:func:`priority_matrix`), from one joint bootstrap. 200 resamples give usable
        95% limits; 1000 are the reporting standard.
    seed : int, optional
        Seed of the resampling (and of sampled methods); the same seed, the same interval.
    ci : float
        Confidence level of the interval.
    n_jobs : int
        Processes sharing the work (the result does not depend on it): with ``by`` the
        segments run at once (:func:`drivers.cells.run_cells`), otherwise the resamples.
    importance_table : DataFrame, optional
        An importance table already computed for this outcome and level (e.g. the attribute
        or dimension rows of :func:`drivers.analysis.study_importance`), used instead of
        fitting again; not with ``by``. Its ``attrs["resamples"]`` (one record, or one per
        level) give the quadrant probabilities without a second bootstrap.
        fitting again; not with ``by``.
    base : {"driver", "all"}
        Respondents: the driver base (default, :func:`drivers.analysis.driver_base`, with
        blanks handled pairwise unless ``missing`` says otherwise) or every respondent.
    **importance_options
        Passed to :func:`drivers.importance.importance` (e.g. ``missing``).

    Returns
    -------
    DataFrame
        The :func:`priority_matrix` columns with ``dimension``; with ``by`` a leading
        ``segment`` column. ``attrs`` adds ``outcome``, ``level``, ``performance_kind``,
        ``by``, ``n`` (respondents analysed: per segment, or in all), ``bootstrap`` and ``ci``.

    Notes
    -----
    Importance intervals are those of :func:`drivers.importance.importance` (design weights
    carried by every resampled respondent, on the rows the point estimate uses; method in
    the table's ``attrs["interval_method"]``). Performance rests on everyone who answered
    the attribute; :func:`performance_resamples` evaluates it on the importance bootstrap's
    own resampled respondents, so importance, performance and the cross-hairs of a resample
    belong together and no importance is computed twice.

    Examples
    --------
    >>> from drivers import load_study, bank_loan_study_file
    >>> study = load_study(bank_loan_study_file())
    >>> matrix = study_priority(study, "csat", level="dimension")
    >>> sorted(matrix["driver"])
    ['BX', 'EX', 'PX', 'SX']
    >>> matrix.attrs["scale"]
    (1.0, 5.0)
    >>> with_ci = study_priority(study, "nps", level="dimension", bootstrap=50, seed=1)
    >>> bool((with_ci["importance_ci_low"] <= with_ci["importance"]).all())
    True
    >>> with_ci[["quadrant_probability", "confidence"]].notna().all().tolist()
    [True, True]
    """
    if level not in ("attribute", "dimension"):
        raise ValueError(f"level must be 'attribute' or 'dimension', got {level!r}")
    if performance not in ("mean", "top_box"):
        raise ValueError(f"performance must be 'mean' or 'top_box', got {performance!r}")
    study.outcome(outcome)
    if int(bootstrap) != bootstrap or bootstrap < 0:
        raise ValueError(f"bootstrap must be a whole number of resamples >= 0, got {bootstrap!r}")
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1 (e.g. 0.95), got {ci!r}")
    from drivers.analysis import resolve_base

    study, base_facts, importance_options["missing"] = resolve_base(
        study, base, method, importance_options.get("missing"))
    resampling = {"bootstrap": int(bootstrap), "seed": seed, "ci": ci, "n_jobs": n_jobs}
    if seed is not None:
        importance_options.setdefault("seed", seed)
    if by is None:
        matrix = _one_matrix(study, outcome, level, method, performance, cross, value,
                             importance_options, resampling, importance_table)
        matrix.attrs.update({"by": None, "base": base_facts})
        return matrix
    if importance_table is not None:
        raise ValueError("importance_table cannot be reused across segments (by=); each "
                         "segment needs its own importance")
    options = {**importance_options, "level": level, "method": method,
               "performance": performance, "cross": cross, "value": value,
               "bootstrap": int(bootstrap), "seed": seed, "ci": ci}
    stacked = _segment_matrices(study, [outcome], by, min_n, n_jobs, options)[outcome]
    stacked.attrs["base"] = base_facts
    return stacked


def joint_priority(study, outcomes, level: str = "attribute", method: str = "shapley",
                   bootstrap: int = 0, seed: int | None = None, ci: float = 0.95,
                   n_jobs: int = 1, base: str = "driver", **options) -> dict[str, pd.DataFrame]:
    """:func:`study_priority` of several outcomes whose importances come from one joint
    bootstrap: Shapley decomposes every outcome in one sweep of the driver subsets, and each
    resample draws the same respondents for all of them (:func:`drivers.analysis.compare_pairs`).

    Each matrix is the one ``study_priority(study, outcome, ...)`` gives: the same base, the
    same seed, hence the same resampled respondents. Where that cannot hold (another method,
    no bootstrap, or an outcome unanswered by some of the respondents, so the outcomes rest
    on different rows), each outcome gets its own :func:`study_priority`.

    Parameters
    ----------
    study : Study
    outcomes : sequence of str
    level, method, bootstrap, seed, ci, n_jobs, base, **options
        As in :func:`study_priority` (``performance``, ``cross``, ``value``, ``missing``).

    Returns
    -------
    dict
        ``{outcome: matrix}``.

    >>> from drivers import load_study, bank_loan_study_file
    >>> study = load_study(bank_loan_study_file())
    >>> both = joint_priority(study, ["csat", "nps"], level="dimension", bootstrap=40, seed=3)
    >>> alone = study_priority(study, "nps", level="dimension", bootstrap=40, seed=3)
    >>> bool(np.allclose(both["nps"]["quadrant_probability"], alone["quadrant_probability"]))
    True
    """
    from drivers.analysis import compare_pairs, one_outcome, resolve_base

    if "by" in options:
        raise ValueError("joint_priority gives one matrix per outcome on all the rows; by "
                         "segment, use segment_priorities(study, outcomes, by=...)")
    outcomes = list(dict.fromkeys(outcomes))
    separate = {"level": level, "method": method, "bootstrap": bootstrap, "seed": seed,
                "ci": ci, "n_jobs": n_jobs, **options}
    if len(outcomes) < 2 or not bootstrap or method != "shapley":
        return {o: study_priority(study, o, base=base, **separate) for o in outcomes}
    analysed, _, missing = resolve_base(study, base, method, options.get("missing"))
    columns = [analysed.outcome(o).column for o in outcomes]
    if not analysed.data[columns].notna().all(axis=None):
        return {o: study_priority(study, o, base=base, **separate) for o in outcomes}
    first = outcomes[0]
    tables = compare_pairs(study, [(first, o) for o in outcomes[1:]], level=level,
                           method=method, bootstrap=int(bootstrap), ci=ci, seed=seed,
                           missing=missing, base=base, n_jobs=n_jobs, progress=False)
    joint = {first: one_outcome(next(iter(tables.values())), first)}
    joint.update({o: one_outcome(tables[first, o], o) for o in outcomes[1:]})
    return {o: study_priority(study, o, base=base, importance_table=joint[o], **separate)
            for o in outcomes}


def segment_priorities(study, outcomes, by: str, level: str = "attribute",
                       min_n: int = 30, n_jobs: int = 1, base: str = "driver",
                       method: str = "shapley", **options) -> dict[str, pd.DataFrame]:
    """:func:`study_priority` by segment for several outcomes at once: every segment is one
    cell (:func:`drivers.cells.run_cells`) whose outcomes come from one joint bootstrap
    (:func:`joint_priority`), so the cells share the processes and each resample decomposes
    every outcome in one sweep.

    Parameters
    ----------
    study : Study
    outcomes : sequence of str
    by : str
        Segment (or wave) column.
    level, min_n, n_jobs, base, method, **options
        As in :func:`study_priority` (``performance``, ``bootstrap``, ``seed``, ``missing``
        ...).

    Returns
    -------
    dict
        ``{outcome: matrix}``, each what ``study_priority(study, outcome, by=by, ...)``
        gives.

    >>> from drivers import load_study, bank_loan_study_file
    >>> study = load_study(bank_loan_study_file())
    >>> both = segment_priorities(study, ["csat", "nps"], by="channel", level="dimension")
    >>> one = study_priority(study, "nps", level="dimension", by="channel")
    >>> both["nps"][["segment", "driver", "quadrant"]].equals(one[["segment", "driver",
    ...                                                            "quadrant"]])
    True
    """
    from drivers.analysis import resolve_base

    for outcome in outcomes:
        study.outcome(outcome)
    study, base_facts, options["missing"] = resolve_base(study, base, method,
                                                         options.get("missing"))
    options = {"level": level, "method": method, "bootstrap": 0, "ci": 0.95,
               "performance": "mean", "cross": "mean", "value": "share", **options}
    matrices = _segment_matrices(study, list(outcomes), by, min_n, n_jobs, options)
    for matrix in matrices.values():
        matrix.attrs["base"] = base_facts
    return matrices


def _segment_matrices(study, outcomes: list[str], by: str, min_n: int, n_jobs: int,
                      options: dict) -> dict[str, pd.DataFrame]:
    """One priority matrix per segment of ``by`` and outcome, stacked per outcome."""
    if by not in study.data.columns:
        raise ValueError(f"by={by!r} is not a column of the study data")
    from drivers.cells import Cell, run_cells

    # Each segment is a cell (drivers.cells): its matrix is what study_priority gives on the
    # segment's rows (the base already taken), and n_jobs cells run at once.
    options = {**options, "base": "all"}
    segments = []
    values = study.data[by]
    for segment in _levels(values):
        size = int((values == segment).sum())
        if size < min_n:
            warnings.warn(f"segment {by}={segment!r} has {size} respondents "
                          f"(fewer than min_n={min_n}); left out", UserWarning, stacklevel=3)
            continue
        segments.append(segment)
    if not segments:
        raise ValueError(f"no segment of {by!r} has at least min_n={min_n} respondents")
    frames: dict[str, list] = {outcome: [] for outcome in outcomes}
    if len(outcomes) > 1 and options.get("bootstrap"):
        # One cell per segment: its outcomes from one joint bootstrap (one sweep of the
        # driver subsets per resample for all of them), each matrix what study_priority gives.
        cells = [Cell(study, "priorities", tuple(outcomes), ((by, segment),), options)
                 for segment in segments]
        for cell, matrices in zip(cells, run_cells(cells, n_jobs=n_jobs), strict=True):
            for outcome in outcomes:
                matrices[outcome].insert(0, "segment", cell.where[0][1])
                frames[outcome].append(matrices[outcome])
    else:
        cells = [Cell(study, "priority", outcome, ((by, segment),), options)
                 for outcome in outcomes for segment in segments]
        for cell, matrix in zip(cells, run_cells(cells, n_jobs=n_jobs), strict=True):
            matrix.insert(0, "segment", cell.where[0][1])
            frames[cell.outcome].append(matrix)
    stacked = {}
    for outcome, parts in frames.items():
        table = pd.concat(parts, ignore_index=True)
        table.attrs.update({key: v for key, v in parts[0].attrs.items()
                            if key not in ("importance_cross", "performance_cross")})
        table.attrs.update({"by": by, "n": {m["segment"].iloc[0]: m.attrs["n"]
                                            for m in parts}})
        stacked[outcome] = table
    return stacked


def subset_study(study, mask: np.ndarray):
    """A copy of the study keeping only the rows where ``mask`` is True."""
    mask = np.asarray(mask, dtype=bool)
    return dataclasses.replace(study, data=study.data.loc[mask],
                               missing=study.missing.loc[mask])


def _levels(values: pd.Series) -> list:
    from drivers.metrics import natural_levels

    return natural_levels(values)


def _one_matrix(study, outcome, level, method, performance, cross, value, options,
                resampling=None, table=None):
    from drivers.importance import importance as importance_table

    column = study.outcome(outcome).column
    resampling = resampling or {}
    # A matrix shows importance against performance, not the noise test: none is drawn
    # (199 fits with one more driver, twice the cost of the bootstrap behind the quadrants).
    common = {"method": method, "weights": study.weight_column,
              "missing_reasons": study.missing, "noise_draws": 0, **resampling, **options}
    if level == "attribute":
        expected = list(study.attribute_columns)
        if table is None:
            table = importance_table(study.data, column, expected, **common)
        scores = study.data[study.attribute_columns]
        dimension = {a: study.dimension_of(a) for a in study.attribute_columns}
    else:
        expected = list(study.dimensions)
        if table is None:
            table = importance_table(study.data, column, groups=study.groups, **common)
        scores = study.dimension_scores()
        dimension = {d: d for d in study.dimensions}
    if sorted(map(str, table["driver"])) != sorted(expected):
        raise ValueError(f"importance_table rows ({', '.join(map(str, table['driver']))}) are "
                         f"not the study's {level}s ({', '.join(expected)})")
    scale = _attribute_scale(study)
    perf = performance_values(scores, study.weights, performance, scale)
    perf_scale = scale if performance == "mean" else (0.0, 100.0)
    resamples = table.attrs.get("resamples")
    if isinstance(resamples, Mapping):  # study_importance keeps one record per level
        resamples = resamples.get(level)
    samples = None
    if resamples is not None:
        samples = performance_resamples(scores, study.weights, resamples, performance, scale)
        table = table.copy()
        table.attrs["resamples"] = resamples
    matrix = priority_matrix(table, perf, cross=cross, dimension=dimension, value=value,
                             scale=perf_scale, performance_samples=samples)
    bootstrap = table.attrs.get("bootstrap", resampling.get("bootstrap", 0))
    matrix.attrs.update({"outcome": outcome, "level": level, "performance_kind": performance,
                         "method": table.attrs.get("method", method), "bootstrap": bootstrap,
                         "ci": table.attrs.get("ci") if bootstrap else None,
                         "n": _n_used(table, level, len(study.data))})
    return matrix


def _n_used(table: pd.DataFrame, level: str, default: int) -> int:
    """Respondents behind an importance table (study_importance keeps one count per level)."""
    n_used = table.attrs.get("n_used", default)
    return int(n_used.get(level, default) if isinstance(n_used, dict) else n_used)


def _attribute_scale(study) -> tuple[int, int]:
    scales = {a.scale for a in study.attributes.values()}
    if len(scales) != 1:
        raise ValueError("attributes are on different scales "
                         f"({', '.join(f'{s[0]}-{s[1]}' for s in sorted(scales))}); a "
                         "priority matrix needs one performance scale, use performance="
                         "'top_box'")
    return scales.pop()


def performance_values(scores: pd.DataFrame, weights: pd.Series | None, kind: str = "mean",
                       scale: tuple[int, int] = (1, 5)) -> pd.Series:
    """Weighted performance of each column: mean rating or top-box %.

    Parameters
    ----------
    scores : DataFrame
        Ratings (NaN = not answered), one column per attribute or dimension.
    weights : Series or None
        Design weights aligned with ``scores``.
    kind : {"mean", "top_box"}
        Mean of the answered ratings, or % of answered ratings ``>= scale[1] - top + 1``
        with ``top = default_top_box(scale)``.
    scale : (int, int)
        Rating scale.

    Returns
    -------
    Series
        Column -> performance.

    Examples
    --------
    >>> scores = pd.DataFrame({"a": [5, 4, 2, np.nan], "b": [1, 2, 3, 4]})
    >>> performance_values(scores, pd.Series([1.0, 1.0, 2.0, 1.0])).round(2).tolist()
    [3.25, 2.6]
    >>> performance_values(scores, None, "top_box").round(1).tolist()
    [66.7, 25.0]
    """
    w = np.ones(len(scores)) if weights is None else np.asarray(weights, dtype=float)
    values, answered = _performance_inputs(scores, kind, scale)
    empty = [c for c, n in zip(scores.columns, answered.sum(axis=0), strict=True) if n == 0]
    if empty:
        raise ValueError(f"column {empty[0]!r} has no answered ratings")
    result = weighted_performance(values, answered, w[None, :])[0]
    return pd.Series(result, index=list(scores.columns), dtype=float)


def _performance_inputs(scores: pd.DataFrame, kind: str, scale) -> tuple[np.ndarray, np.ndarray]:
    """What is averaged (the rating, or 100 for a top-box answer; 0 where blank) and where."""
    from drivers.study import default_top_box

    if kind not in ("mean", "top_box"):
        raise ValueError(f"kind must be 'mean' or 'top_box', got {kind!r}")
    ratings = scores.to_numpy(dtype=float, na_value=np.nan)
    answered = np.isfinite(ratings)
    if kind == "top_box":
        threshold = scale[1] - default_top_box(tuple(scale)) + 1
        ratings = 100 * (ratings >= threshold - 1e-9)
    return np.where(answered, ratings, 0.0), answered.astype(float)


def weighted_performance(values: np.ndarray, answered: np.ndarray, weights: np.ndarray
                         ) -> np.ndarray:
    """Weighted mean of ``values`` over the answered cells, for each row of ``weights``.

    ``values`` and ``answered`` are (respondents x columns) with 0 in unanswered cells;
    ``weights`` is (sets x respondents): design weights, or design weights times resample
    counts. Returns (sets x columns); NaN where a set gives no weight to any answer.

    >>> weighted_performance(np.array([[5.0], [3.0]]), np.ones((2, 1)),
    ...                      np.array([[1.0, 1.0], [2.0, 0.0]])).tolist()
    [[4.0], [5.0]]
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return (weights @ values) / (weights @ answered)


def performance_resamples(scores: pd.DataFrame, weights: pd.Series | None, resamples,
                          kind: str = "mean", scale: tuple[int, int] = (1, 5)
                          ) -> pd.DataFrame:
    """Performance of each column in each resample of an importance bootstrap.

    Parameters
    ----------
    scores : DataFrame
        Ratings of everyone in the study (NaN = not answered), indexed like the data the
        importance was fitted on; performance rests on everyone who answered.
    weights : Series or None
        Design weights aligned with ``scores``.
    resamples : Resamples
        ``attrs["resamples"]`` of the importance table.
    kind, scale
        As in :func:`performance_values` (the same statistic, from the same function).

    Returns
    -------
    DataFrame
        One row per resample, one column per column of ``scores``.

    Notes
    -----
    One joint bootstrap: the respondents of the model base get the very counts their
    importance resample drew (regenerated from its seed), the others are resampled within
    their stratum (:func:`drivers.bootstrap.data_counts`). Importance and performance of a
    resample thus rest on the same resampled respondents, each statistic evaluated on its
    own rows with their counts times their design weights, and no importance is recomputed.

    Examples
    --------
    >>> from drivers.bootstrap import Resamples
    >>> scores = pd.DataFrame({"a": [1.0, 5.0, 3.0]})
    >>> record = Resamples(np.zeros((4, 1)), ("a",), scores.index, seed=1)
    >>> draws = performance_resamples(scores, None, record)
    >>> draws.shape, bool(draws["a"].between(1, 5).all())
    ((4, 1), True)
    """
    from drivers.bootstrap import data_counts

    w = np.ones(len(scores)) if weights is None else np.asarray(weights, dtype=float)
    values, answered = _performance_inputs(scores, kind, scale)
    # One resample at a time: a block of counts for a million respondents would be 400 MB.
    rows = [weighted_performance(values, answered, (counts * w)[None, :])
            for counts in data_counts(resamples, scores.index).rows()]
    return pd.DataFrame(np.vstack(rows), columns=list(scores.columns))


def wave_movement(study, outcome: str, waves: tuple | None = None, level: str = "attribute",
                  method: str = "shapley", performance: str = "mean",
                  cross: str | tuple[float, float] = "mean", value: str = "share",
                  ci: float = 0.95, bootstrap: int = 0, seed: int | None = None,
                  n_jobs: int = 1, **importance_options) -> pd.DataFrame:
    """How each driver's importance, performance and quadrant moved between two waves.

    Parameters
    ----------
    study : Study
        A study with a wave column.
    outcome : str
        Outcome name.
    waves : (wave, wave), optional
        The two waves to compare, earlier first; default the first and last wave (sorted).
    level, method, performance, cross, value, **importance_options
        As in :func:`study_priority`; each wave gets its own cross-hairs (pass a fixed
        ``cross`` pair to hold them still).
    ci : float
        Level of the importance and delta intervals.
    bootstrap, seed, n_jobs
        Respondent resamples (per wave) for the importance intervals, as in
        :func:`study_priority`; 0 = no intervals and no delta interval.

    Returns
    -------
    DataFrame
        One row per driver: ``driver``, ``dimension``, ``wave_from``, ``wave_to``,
        ``importance_from``, ``importance_to``, ``importance_delta``,
        (``importance_delta_ci_low``, ``importance_delta_ci_high`` when both waves carry
        intervals), ``performance_from``, ``performance_to``, ``performance_delta``,
        ``quadrant_from``, ``quadrant_to``, ``quadrant_changed``, ``priority_from``,
        ``priority_to``, ``movement`` (e.g. ``"Monitor -> Fix first"`` or
        ``"stayed Maintain"``). ``attrs``: ``outcome``, ``level``, ``waves``, ``cross``,
        ``importance_cross`` and ``performance_cross`` (pairs: earlier, later wave),
        ``performance_kind``, ``value``.

    Notes
    -----
    Deltas are ``to - from``. Waves are independent samples, so the delta interval is the
    normal approximation ``delta +/- z sqrt(se_from^2 + se_to^2)`` with each ``se`` read
    off its interval as ``(high - low) / (2 z)``.

    Examples
    --------
    >>> from drivers import load_study, bank_loan_study_file
    >>> study = load_study(bank_loan_study_file())
    >>> moved = wave_movement(study, "csat", level="dimension")
    >>> moved[["wave_from", "wave_to"]].iloc[0].tolist()
    ['2026Q1', '2026Q3']
    """
    if study.wave_column is None:
        raise ValueError("the study has no wave column (set wave: in the study file)")
    present = _levels(study.data[study.wave_column])
    if waves is None:
        if len(present) < 2:
            raise ValueError(f"need two waves, the study has {len(present)}")
        waves = (present[0], present[-1])
    if len(waves) != 2:
        raise ValueError(f"waves must name two waves, got {waves!r}")
    absent = [w for w in waves if w not in present]
    if absent:
        raise ValueError(f"wave(s) {', '.join(map(repr, absent))} not in the data; waves are "
                         f"{', '.join(map(repr, present))}")
    matrices = []
    for wave in waves:
        mask = (study.data[study.wave_column] == wave).to_numpy()
        matrices.append(_one_matrix(subset_study(study, mask), outcome, level, method,
                                    performance, cross, value, importance_options,
                                    {"bootstrap": int(bootstrap), "seed": seed, "ci": ci,
                                     "n_jobs": n_jobs}))
    first, second = (m.set_index("driver") for m in matrices)
    moved = pd.DataFrame({"driver": first.index})
    moved["dimension"] = first["dimension"].to_numpy()
    moved["wave_from"], moved["wave_to"] = waves[0], waves[1]
    for name in ("importance", "performance"):
        moved[f"{name}_from"] = first[name].to_numpy()
        moved[f"{name}_to"] = second[name].reindex(first.index).to_numpy()
        moved[f"{name}_delta"] = moved[f"{name}_to"] - moved[f"{name}_from"]
        if name == "importance" and "importance_ci_low" in first and \
                "importance_ci_low" in second:
            z = special.ndtri(0.5 + ci / 2)  # = scipy.stats.norm.ppf
            se = [(m["importance_ci_high"] - m["importance_ci_low"]).reindex(first.index)
                  .to_numpy() / (2 * z) for m in (first, second)]
            spread = z * np.sqrt(se[0] ** 2 + se[1] ** 2)
            moved["importance_delta_ci_low"] = moved["importance_delta"] - spread
            moved["importance_delta_ci_high"] = moved["importance_delta"] + spread
    moved["quadrant_from"] = first["quadrant"].to_numpy()
    moved["quadrant_to"] = second["quadrant"].reindex(first.index).to_numpy()
    moved["quadrant_changed"] = moved["quadrant_from"] != moved["quadrant_to"]
    moved["priority_from"] = first["priority"].to_numpy()
    moved["priority_to"] = second["priority"].reindex(first.index).to_numpy()
    moved["movement"] = [f"{a} -> {b}" if a != b else f"stayed {a}"
                         for a, b in zip(moved["quadrant_from"], moved["quadrant_to"],
                                         strict=True)]
    moved.attrs.update({"outcome": outcome, "level": level, "waves": tuple(waves),
                        "cross": matrices[0].attrs["cross"],
                        "importance_cross": (matrices[0].attrs["importance_cross"],
                                             matrices[1].attrs["importance_cross"]),
                        "performance_cross": (matrices[0].attrs["performance_cross"],
                                              matrices[1].attrs["performance_cross"]),
                        "performance_kind": performance, "value": value})
    return moved


# ---------------------------------------------------------------- penalty / reward


def penalty_reward(data: pd.DataFrame, outcome: str, drivers: list[str], weights=None,
                   scale: tuple[int, int] = (1, 5), bottom: int = 2, top: int = 1,
                   alpha: float = 0.05, missing_codes=None) -> pd.DataFrame:
    """Asymmetric (Kano-like) effects: what a low rating costs and a high rating earns.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    outcome : str
        Outcome column (e.g. CSAT 1-5 or likelihood to recommend 0-10).
    drivers : list of str
        Attribute columns rated on ``scale``.
    weights : str, Series, array or None
        Design weights (column name or values aligned with ``data``).
    scale : (int, int)
        Attribute scale.
    bottom, top : int
        Sizes of the bottom box (``rating <= scale[0] + bottom - 1``) and the top box
        (``rating >= scale[1] - top + 1``); what is between is the reference.
    alpha : float
        Significance level of the classification.
    missing_codes : list or dict, optional
        Values meaning "no answer"; rows with any missing value are left out (listwise).

    Returns
    -------
    DataFrame
        One row per driver: ``driver``, ``n_bottom``, ``n_top`` (respondents in each box),
        ``penalty`` (drop in the outcome with a bottom-box rating, vs the middle;
        positive = hurts), ``penalty_se``, ``penalty_p``, ``reward`` (rise with a top-box
        rating, vs the middle), ``reward_se``, ``reward_p``, ``asymmetry``
        (``penalty - reward``), ``asymmetry_se``, ``asymmetry_p``, ``category``
        (``basic``, ``performance``, ``delighter``, ``indifferent``).
        ``attrs``: ``n_used``, ``r2``, ``alpha``, ``bottom``, ``top``, ``scale``.

    Notes
    -----
    Penalty-reward contrast analysis (Brandt 1987; Mittal, Ross & Baldasare 1998): the
    outcome is regressed (weighted least squares, HC3 standard errors) on two dummies per
    driver, ``low_j`` (bottom box) and ``high_j`` (top box); ``penalty_j = -b(low_j)``,
    ``reward_j = b(high_j)``. Two-sided t tests, and a Wald test of
    ``penalty - reward = 0`` using the coefficients' covariance, decide the category:

    - ``basic``: only the penalty is significant, or both are and the penalty is
      significantly larger (a must-be: its absence hurts, its presence is taken for granted);
    - ``delighter``: only the reward is significant, or both are and the reward is
      significantly larger (an attractive quality);
    - ``performance``: both significant without a significant difference (one-dimensional);
    - ``indifferent``: neither significant.

    A driver whose bottom (or top) box is empty gets NaN for that effect, which counts as not
    significant.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> frame = pd.DataFrame(rng.integers(1, 6, size=(600, 2)), columns=["fees", "gift"])
    >>> frame["csat"] = (3.5 - 1.0 * (frame["fees"] <= 2) + 0.8 * (frame["gift"] == 5)
    ...                  + rng.normal(0, 0.5, 600))
    >>> table = penalty_reward(frame, "csat", ["fees", "gift"])
    >>> table[["driver", "category"]].values.tolist()
    [['fees', 'basic'], ['gift', 'delighter']]
    """
    import statsmodels.api as sm

    from drivers.diagnostics import select_rows

    drivers = list(drivers)
    if not drivers:
        raise ValueError("drivers must list at least one attribute column")
    low_point, high_point = (int(v) for v in _check_scale(scale))
    points = high_point - low_point + 1
    if bottom < 1 or top < 1 or bottom + top >= points:
        raise ValueError(f"bottom ({bottom}) and top ({top}) boxes must each hold at least one "
                         f"scale point and leave a middle on a {points}-point scale")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    rows = select_rows(data, outcome, drivers, weights, "listwise", missing_codes)
    X, y = rows.X, rows.y
    outside = (X < low_point) | (X > high_point)
    if outside.any():
        column = drivers[int(np.argwhere(outside)[0][1])]
        raise ValueError(f"column {column!r} has ratings outside the scale "
                         f"{low_point}-{high_point}")
    low = (X <= low_point + bottom - 1).astype(float)
    high = (X >= high_point - top + 1).astype(float)
    names, design = [], []
    for j, driver in enumerate(drivers):
        for box, dummies in (("low", low), ("high", high)):
            # An empty box has no effect to estimate and would make the design singular.
            if dummies[:, j].any():
                names.append((driver, box))
                design.append(dummies[:, j])
    matrix = sm.add_constant(np.column_stack(design), has_constant="add") if design \
        else np.ones((len(y), 1))
    w = rows.weights
    model = sm.OLS(y, matrix) if w is None else sm.WLS(y, matrix, weights=w)
    fit = model.fit(cov_type="HC3", use_t=True)
    params, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
    position = {key: i + 1 for i, key in enumerate(names)}
    df = fit.df_resid

    def t_test(estimate: float, se: float) -> float:
        # = 2 scipy.stats.t.sf(|t|, df)
        return float(2 * special.stdtr(df, -abs(estimate / se))) if se > 0 else np.nan

    records = []
    for j, driver in enumerate(drivers):
        i_low, i_high = position.get((driver, "low")), position.get((driver, "high"))
        penalty = -params[i_low] if i_low else np.nan
        penalty_se = np.sqrt(cov[i_low, i_low]) if i_low else np.nan
        reward = params[i_high] if i_high else np.nan
        reward_se = np.sqrt(cov[i_high, i_high]) if i_high else np.nan
        if i_low and i_high:
            # penalty - reward = -(b_low + b_high)
            asym_se = np.sqrt(cov[i_low, i_low] + cov[i_high, i_high] + 2 * cov[i_low, i_high])
        else:
            asym_se = np.nan
        asymmetry = penalty - reward
        record = {
            "driver": driver, "n_bottom": int(low[:, j].sum()), "n_top": int(high[:, j].sum()),
            "penalty": penalty, "penalty_se": penalty_se,
            "penalty_p": t_test(penalty, penalty_se) if i_low else np.nan,
            "reward": reward, "reward_se": reward_se,
            "reward_p": t_test(reward, reward_se) if i_high else np.nan,
            "asymmetry": asymmetry, "asymmetry_se": asym_se,
            "asymmetry_p": t_test(asymmetry, asym_se) if np.isfinite(asym_se) else np.nan,
        }
        record["category"] = kano_category(record, alpha)
        records.append(record)
    table = pd.DataFrame(records)
    table.attrs.update({"n_used": rows.n_used, "r2": float(fit.rsquared), "alpha": alpha,
                        "bottom": bottom, "top": top, "scale": (low_point, high_point),
                        "outcome": outcome, "weighted": w is not None})
    return table


def kano_category(effects: Mapping, alpha: float = 0.05) -> str:
    """Category of one driver from its penalty, reward and asymmetry tests.

    >>> kano_category({"penalty": 0.8, "penalty_p": 0.001, "reward": 0.1, "reward_p": 0.4,
    ...                "asymmetry_p": 0.01})
    'basic'
    >>> kano_category({"penalty": 0.5, "penalty_p": 0.01, "reward": 0.4, "reward_p": 0.01,
    ...                "asymmetry_p": 0.6})
    'performance'
    """
    def significant(key: str) -> bool:
        p, effect = effects.get(f"{key}_p"), effects.get(key)
        return p is not None and np.isfinite(p) and p < alpha and effect > 0

    hurts, helps = significant("penalty"), significant("reward")
    if hurts and helps:
        p = effects.get("asymmetry_p")
        if p is not None and np.isfinite(p) and p < alpha:
            return "basic" if effects["penalty"] > effects["reward"] else "delighter"
        return "performance"
    if hurts:
        return "basic"
    if helps:
        return "delighter"
    return "indifferent"
