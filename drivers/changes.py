"""Tested changes: every move between waves, segment gap and importance shift with its test.

A report that says "NPS rose 10 points" or "the app channel is less satisfied" makes a claim
about a difference between two estimates. This module turns each such difference into a row
with the difference, its interval, a p-value and a flag corrected for multiplicity, so the
text can say "not significant" where it is:

* :func:`wave_changes` — CSAT, NPS and CES between waves (consecutive waves in natural
  order, W2 before W9 before W10, or first against last);
* :func:`segment_differences` — each segment of a segment column against the rest of the
  respondents, per outcome;
* :func:`importance_changes` — each driver's share of importance between two waves, from
  independent bootstraps of the two waves.

Every table has the columns ``difference``, ``ci_low``, ``ci_high``, ``p_value``,
``p_adjusted`` and ``significant``, and states its adjustment in ``attrs["adjustment"]``.

Multiplicity. Scanning many waves, segments or drivers for a difference finds some by
chance. The flags of one family are corrected by the Benjamini-Hochberg procedure
(:func:`adjust_p_values`, the rule of statsmodels' ``multipletests(method="fdr_bh")``), which keeps the expected share of false
flags among the flagged at most ``1 - ci`` (Benjamini & Hochberg 1995). A family is, by
default, the rows of one outcome in a table (each outcome is its own question: "did CSAT
move?", "did NPS move?"); ``family="table"`` pools every row of the table.

Examples
--------
>>> import drivers
>>> study = drivers.load_study(drivers.bank_loan_study_file())
>>> moves = wave_changes(study, between="first_last")
>>> moves[["outcome", "wave_from", "wave_to", "difference", "p_value"]].round(3).values.tolist()
[['csat', '2026Q1', '2026Q3', -4.523, 0.103], ['nps', '2026Q1', '2026Q3', 10.001, 0.026], ['ces', '2026Q1', '2026Q3', -1.632, 0.532]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from drivers.metrics import natural_levels, outcome_table
from drivers.study import Study

#: How the multiplicity correction of every family of flags (:func:`adjust_p_values`) is
#: described in tables' attrs.
ADJUSTMENT_TEXT = "Benjamini-Hochberg (step-up, as statsmodels multipletests fdr_bh)"
#: Families of flags: each outcome's rows, or the whole table.
FAMILIES = ("outcome", "table")
#: Which waves are compared: each with the next, or the first with the last.
BETWEEN = ("consecutive", "first_last")
#: The columns every tested difference carries (contract of the report and the workbook).
TEST_COLUMNS = ["difference", "ci_low", "ci_high", "p_value", "p_adjusted", "significant"]


def score_unit(kind: str) -> str:
    """The unit a stakeholder reads an outcome's score in: NPS points or top-box points.

    >>> score_unit("nps"), score_unit("csat"), score_unit("ces")
    ('NPS points', 'top-box points', 'top-box points')
    """
    return "NPS points" if kind == "nps" else "top-box points"


# ---------------------------------------------------------------- the test and the correction


def difference_test(difference, se, ci: float = 0.95) -> pd.DataFrame:
    """Two-sided z test and normal interval of differences with known standard errors.

    Parameters
    ----------
    difference, se : array-like
        Differences and their standard errors (for independent estimates
        ``se = sqrt(se_1^2 + se_2^2)``).
    ci : float
        Interval level.

    Returns
    -------
    DataFrame
        ``ci_low``, ``ci_high`` (``difference -+ z se``) and ``p_value``
        (``2 (1 - Phi(|difference| / se))``); NaN where ``se`` is NaN. A zero standard error
        gives p = 1 for a zero difference and p = 0 otherwise.

    Examples
    --------
    >>> difference_test([10.0, -1.0], [4.48, 2.0]).round(3).values.tolist()
    [[1.219, 18.781, 0.026], [-4.92, 2.92, 0.617]]
    """
    _check_ci(ci)
    difference = np.asarray(difference, dtype=float)
    se = np.asarray(se, dtype=float)
    z = special.ndtri(0.5 + ci / 2)  # = scipy.stats.norm.ppf
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(se > 0, np.abs(difference) / se,
                             np.where(difference == 0, 0.0, np.inf))
    p_value = np.where(np.isnan(se) | np.isnan(difference), np.nan,
                       2 * special.ndtr(-statistic))  # = 2 norm.sf
    return pd.DataFrame({"ci_low": difference - z * se, "ci_high": difference + z * se,
                         "p_value": p_value})


def adjust_p_values(p_values, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg adjusted p-values and flags of one family.

    Parameters
    ----------
    p_values : array-like
        Unadjusted p-values of one family; NaN (untested) rows are left out of the family
        and stay NaN.
    alpha : float
        False discovery rate controlled.

    Returns
    -------
    (ndarray, ndarray)
        Adjusted p-values, and the flags (pandas nullable booleans: NA where untested).

    Notes
    -----
    With ``m`` tests and p-values in increasing order ``p_(1) <= ... <= p_(m)``, the adjusted
    value of ``p_(i)`` is ``min over j >= i of min(1, m p_(j) / j)``; the rows up to the
    largest ``i`` with ``p_(i) <= alpha i / m`` are flagged (Benjamini & Hochberg 1995, JRSS B
    57, 289-300). This is statsmodels' ``multipletests(p, alpha, method="fdr_bh")`` step for
    step (the tests hold it to that); written out here because importing statsmodels' module
    costs about a second of CPU, more than every correction of a command together.

    Examples
    --------
    >>> adjusted, flags = adjust_p_values([0.01, 0.04, 0.03, np.nan])
    >>> adjusted.round(3).tolist(), flags.tolist()
    ([0.03, 0.04, 0.04, nan], [True, True, True, <NA>])
    """
    p_values = np.asarray(p_values, dtype=float)
    adjusted = np.full(p_values.shape, np.nan)
    flags = pd.array([pd.NA] * len(p_values), dtype="boolean")
    tested = np.flatnonzero(~np.isnan(p_values))
    if tested.size:
        order = tested[np.argsort(p_values[tested], kind="mergesort")]
        ranked = p_values[order]
        share = np.arange(1, ranked.size + 1) / ranked.size  # i / m
        below = np.flatnonzero(ranked <= share * alpha)
        reject = np.zeros(ranked.size, dtype=bool)
        if below.size:
            reject[:below[-1] + 1] = True
        adjusted[order] = np.minimum(np.minimum.accumulate((ranked / share)[::-1])[::-1], 1.0)
        flags[order] = reject
    return adjusted, flags


def flag_families(table: pd.DataFrame, family: str, ci: float,
                  by: str | None = "outcome") -> pd.DataFrame:
    """Add ``p_adjusted`` and ``significant`` to a table with ``p_value``, one family per
    value of ``by`` (``family="outcome"``) or one for the whole table (``"table"``).

    >>> table = pd.DataFrame({"outcome": ["a", "a", "b"], "p_value": [0.02, 0.04, 0.04]})
    >>> flag_families(table, "outcome", 0.95)["p_adjusted"].round(2).tolist()
    [0.04, 0.04, 0.04]
    >>> flag_families(table, "table", 0.95)["p_adjusted"].round(2).tolist()
    [0.04, 0.04, 0.04]
    """
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {', '.join(FAMILIES)}, got {family!r}")
    table = table.copy()
    table["p_adjusted"] = np.nan
    table["significant"] = pd.array([pd.NA] * len(table), dtype="boolean")
    keys = (np.zeros(len(table)) if family == "table" or by is None
            else table[by].astype(str).to_numpy())
    for key in pd.unique(keys):
        rows = np.flatnonzero(keys == key)
        adjusted, flags = adjust_p_values(table["p_value"].to_numpy()[rows], alpha=1 - ci)
        table.iloc[rows, table.columns.get_loc("p_adjusted")] = adjusted
        table.iloc[rows, table.columns.get_loc("significant")] = flags
    return table


def _family_text(family: str, what: str) -> str:
    return (f"one family per outcome ({what} of one outcome)" if family == "outcome"
            else f"one family: every row of the table ({what})")


# ---------------------------------------------------------------- outcomes between waves


def wave_changes(study: Study, outcomes: Sequence[str] | None = None,
                 between: str | Sequence[tuple] = "consecutive", ci: float = 0.95,
                 family: str = "outcome") -> pd.DataFrame:
    """How each outcome moved between waves, with its interval, p-value and adjusted flag.

    Parameters
    ----------
    study : Study
        A study with a wave column; its weights are used when it has a weight column.
    outcomes : list of str, optional
        Outcome names; default every outcome of the study (CSAT, NPS, CES ...).
    between : {"consecutive", "first_last"} or list of (wave, wave)
        ``consecutive``: each wave against the next, in natural order (W2, W9, W10).
        ``first_last``: the first wave against the last (what a trend sentence states).
        Or explicit pairs ``(earlier, later)``.
    ci : float
        Interval level; ``1 - ci`` is the false discovery rate of the flags.
    family : {"outcome", "table"}
        The family the Benjamini-Hochberg correction runs over: the moves of one outcome
        (default), or every row of the table.

    Returns
    -------
    DataFrame
        One row per outcome and pair of waves, outcomes in study order: ``outcome``,
        ``kind``, ``unit`` (top-box points or NPS points), ``wave_from``, ``wave_to``,
        ``score_from``, ``score_to`` (top-box % or NPS), ``difference`` (to minus from),
        ``se``, ``ci_low``, ``ci_high``, ``p_value``, ``p_adjusted``, ``significant``,
        ``n_from``, ``n_to``, ``n_effective_from``, ``n_effective_to``. ``attrs``: ``ci``,
        ``between``, ``waves`` (in natural order), ``family``, ``adjustment``, ``test``,
        ``weighted``, ``base``.

    Notes
    -----
    Waves are independent samples. Each score and its standard error come from
    :func:`drivers.metrics.outcome_table` (weighted proportions on Kish's effective n for
    top-box scores; the multinomial variance ``[p + d - (p - d)^2] / n_eff`` for NPS), so
    ``se = sqrt(se_from^2 + se_to^2)``, the interval is ``difference -+ z se`` and the p-value
    is the two-sided z test (without weights, the unpooled Wald test of statsmodels'
    ``test_proportions_2indep(method="wald")``). Flags are Benjamini-Hochberg corrected
    within each family (:func:`adjust_p_values`). All respondents who answered the outcome in
    a wave count (the outcome tables' base).

    Examples
    --------
    >>> import drivers
    >>> study = drivers.load_study(drivers.bank_loan_study_file())
    >>> moves = wave_changes(study, outcomes=["nps"])
    >>> moves[["wave_from", "wave_to", "difference", "p_value", "significant"]].round(3)
      wave_from wave_to  difference  p_value  significant
    0    2026Q1  2026Q2       4.269    0.344        False
    1    2026Q2  2026Q3       5.732    0.196        False
    """
    if study.wave_column is None:
        raise ValueError("wave_changes: the study has no wave column (set wave: in the study "
                         "file)")
    _check_ci(ci)
    names = _outcome_names(study, outcomes)
    waves = natural_levels(study.data[study.wave_column])
    pairs = _wave_pairs(waves, between)
    by_wave = outcome_table(study, by=study.wave_column, ci=ci)
    wave = study.wave_column
    rows = []
    for name in names:
        scores = by_wave[by_wave["outcome"] == name].set_index(wave)
        for first, second in pairs:
            a, b = scores.loc[first], scores.loc[second]
            rows.append({"outcome": name, "kind": study.outcome(name).kind,
                         "unit": score_unit(study.outcome(name).kind),
                         "wave_from": first, "wave_to": second,
                         "score_from": a["score"], "score_to": b["score"],
                         "difference": b["score"] - a["score"],
                         "se": float(np.hypot(a["se"], b["se"])),
                         "n_from": int(a["n"]), "n_to": int(b["n"]),
                         "n_effective_from": a["n_effective"], "n_effective_to": b["n_effective"]})
    table = _tested(pd.DataFrame(rows), ci, family)
    ordered = ["outcome", "kind", "unit", "wave_from", "wave_to", "score_from", "score_to",
               "difference", "se", *TEST_COLUMNS[1:], "n_from", "n_to", "n_effective_from",
               "n_effective_to"]
    table = table[ordered]
    table.attrs = {"ci": ci, "between": between if isinstance(between, str) else "pairs",
                   "waves": waves, "family": _family_text(family, "its moves between waves"),
                   "adjustment": ADJUSTMENT_TEXT,
                   "test": "two-sample z test, independent waves, standard errors of "
                           "drivers.metrics (Kish effective n)",
                   "weighted": study.weight_column is not None,
                   "base": "all respondents who answered the outcome in the wave"}
    return table


def _wave_pairs(waves: list, between) -> list[tuple]:
    if isinstance(between, str):
        if between not in BETWEEN:
            raise ValueError(f"between must be one of {', '.join(BETWEEN)} or a list of "
                             f"(wave, wave) pairs, got {between!r}")
        if len(waves) < 2:
            raise ValueError(f"need two waves to compare, the study has {len(waves)}")
        if between == "first_last":
            return [(waves[0], waves[-1])]
        return list(zip(waves[:-1], waves[1:], strict=True))
    pairs = [tuple(pair) for pair in between]
    absent = sorted({str(w) for pair in pairs for w in pair if w not in waves})
    if absent or any(len(pair) != 2 for pair in pairs):
        raise ValueError(f"between: each pair must name two waves of the data "
                         f"({', '.join(map(str, waves))}); not found: {', '.join(absent)}")
    return pairs


# ---------------------------------------------------------------- segment against the rest


def segment_differences(study: Study, by: str | Sequence[str] | None = None,
                        outcomes: Sequence[str] | None = None, ci: float = 0.95,
                        family: str = "outcome") -> pd.DataFrame:
    """Each segment against the rest of the respondents, per outcome, tested and corrected.

    Parameters
    ----------
    study : Study
        The survey; weighted when it has a weight column.
    by : str or list of str, optional
        Segment column(s); default every segment column of the study except the wave.
    outcomes : list of str, optional
        Outcome names; default every outcome of the study.
    ci : float
        Interval level; ``1 - ci`` is the false discovery rate of the flags.
    family : {"outcome", "table"}
        Benjamini-Hochberg family: every segment of one outcome (default), or every row.

    Returns
    -------
    DataFrame
        One row per outcome, segment column and segment (natural order): ``outcome``,
        ``kind``, ``unit``, ``segment`` (the column), ``level`` (its value),
        ``compared_with`` (``"rest"``; for a column with two segments, one row compares the
        first with the second, named here), ``score``, ``score_rest``, ``difference``
        (segment minus rest), ``se``, ``ci_low``, ``ci_high``, ``p_value``, ``p_adjusted``,
        ``significant``, ``n``, ``n_rest``. ``attrs``: ``ci``, ``by``, ``family``,
        ``adjustment``, ``test``, ``weighted``, ``base``.

    Notes
    -----
    Why segment against the rest, not every pair: each segment gets one test that answers the
    reader's question "does this segment stand out?", with no arbitrary reference segment,
    and a column with ``k`` segments makes ``k`` tests instead of ``k (k - 1) / 2``. The rest
    are the respondents with another (known) value of the column, disjoint from the segment,
    so the two are independent samples: ``se = sqrt(se_segment^2 + se_rest^2)`` with each
    standard error from :func:`drivers.metrics.outcome_table`, and the z test and correction
    of :func:`wave_changes`. Respondents with a blank segment value are in neither.

    Examples
    --------
    >>> import drivers
    >>> study = drivers.load_study(drivers.bank_loan_study_file())
    >>> gaps = segment_differences(study, by="channel", outcomes=["nps"])
    >>> gaps[["level", "difference", "p_value", "p_adjusted", "significant"]].round(3)
                  level  difference  p_value  p_adjusted  significant
    0        mobile_app      -1.939    0.581       0.581        False
    1    online_banking       9.079    0.018       0.055        False
    2  partner_platform      -8.540    0.087       0.130        False
    """
    from drivers.priority import subset_study

    _check_ci(ci)
    names = _outcome_names(study, outcomes)
    columns = _segment_columns(study, by)
    rows = []
    for column in columns:
        values = study.data[column]
        levels = natural_levels(values)
        # Two segments make one comparison: stated once, not as two mirrored rows.
        for level in levels[:1] if len(levels) == 2 else levels:
            inside = (values == level).to_numpy(dtype=bool, na_value=False)
            rest = values.notna().to_numpy() & ~inside
            if not rest.any():
                continue
            one = outcome_table(subset_study(study, inside), ci=ci).set_index("outcome")
            other = outcome_table(subset_study(study, rest), ci=ci).set_index("outcome")
            for name in names:
                a, b = one.loc[name], other.loc[name]
                rows.append({"outcome": name, "kind": study.outcome(name).kind,
                             "unit": score_unit(study.outcome(name).kind), "segment": column,
                             "level": level,
                             "compared_with": levels[1] if len(levels) == 2 else "rest",
                             "score": a["score"], "score_rest": b["score"],
                             "difference": a["score"] - b["score"],
                             "se": float(np.hypot(a["se"], b["se"])), "n": int(a["n"]),
                             "n_rest": int(b["n"])})
    if not rows:
        raise ValueError(f"segment_differences: no segment column of {', '.join(columns)} has "
                         "two or more segments")
    table = _tested(pd.DataFrame(rows), ci, family)
    # Outcomes in study order, then segment columns and levels as found.
    order = {name: i for i, name in enumerate(names)}
    table = table.sort_values("outcome", key=lambda s: s.map(order), kind="mergesort")
    table = table[["outcome", "kind", "unit", "segment", "level", "compared_with", "score",
                   "score_rest", "difference", "se", *TEST_COLUMNS[1:], "n",
                   "n_rest"]].reset_index(drop=True)
    table.attrs = {"ci": ci, "by": columns,
                   "family": _family_text(family, "every segment of one outcome"),
                   "adjustment": ADJUSTMENT_TEXT,
                   "test": "two-sample z test, segment against the rest (disjoint, "
                           "independent), standard errors of drivers.metrics",
                   "weighted": study.weight_column is not None,
                   "base": "all respondents who answered the outcome, with a segment value"}
    return table


def _segment_columns(study: Study, by) -> list[str]:
    if by is None:
        columns = [c for c in study.segment_columns if c != study.wave_column]
        if not columns:
            raise ValueError("segment_differences: the study has no segment columns (set "
                             "segments: in the study file) and no by= was given")
        return columns
    columns = [by] if isinstance(by, str) else list(by)
    absent = [c for c in columns if c not in study.data.columns]
    if absent:
        raise ValueError(f"segment_differences: column(s) {', '.join(absent)} not in the data; "
                         f"the study's segment columns are "
                         f"{', '.join(study.segment_columns) or 'none'}")
    return columns


# ---------------------------------------------------------------- importance between waves


def importance_changes(study: Study, outcome: str,
                       between: str | Sequence[tuple] = "first_last", level: str = "attribute",
                       method: str = "shapley", bootstrap: int = 1000, ci: float = 0.95,
                       seed: int | None = None, base: str = "driver", missing: str | None = None,
                       family: str = "outcome", n_jobs: int = 2,
                       progress: bool | None = None) -> pd.DataFrame:
    """How each driver's share of importance moved between waves, with a bootstrap test.

    Parameters
    ----------
    study : Study
        A study with a wave column.
    outcome : str
        Outcome name (``"csat"``, ``"nps"``, ``"ces"``).
    between : {"first_last", "consecutive"} or list of (wave, wave)
        Which waves to compare (as :func:`wave_changes`; default the first and the last).
    level : {"attribute", "dimension"}
        Attributes, or dimensions (grouped importance over each dimension's attributes).
    method : str
        An importance method with shares (``shapley``, ``relative_weights`` ...).
    bootstrap : int
        Resamples per wave (at least 2).
    ci : float
        Interval level; ``1 - ci`` is the false discovery rate of the flags.
    seed : int, optional
        Seed; each wave draws its resamples from its own child of it.
    base, missing
        The respondents and blank handling (:func:`drivers.analysis.driver_base`; default the
        driver base with "don't know" handled pairwise).
    family : {"outcome", "table"}
        Benjamini-Hochberg family; both mean every driver and pair of waves here (one
        outcome).
    n_jobs, progress
        Bootstrap processes and progress bar.

    Returns
    -------
    DataFrame
        One row per pair of waves and driver: ``driver``, ``label``, ``dimension``,
        ``wave_from``, ``wave_to``, ``share_from``, ``share_to``, ``difference`` (share to
        minus share from, in share points 0..1), ``se``, ``ci_low``, ``ci_high``,
        ``p_value``, ``p_adjusted``, ``significant``. ``attrs``: ``outcome``, ``level``,
        ``method``, ``n`` (respondents per wave), ``base``, ``bootstrap``, ``seed``, ``ci``,
        ``family``, ``adjustment``, ``test``, ``waves``.

    Notes
    -----
    Two waves are independent samples, so each is resampled on its own
    (:func:`drivers.importance.importance_details`, respondent bootstrap with the design
    weights carried). The standard error of the difference in share is
    ``sqrt(var_from + var_to)`` with each variance over that wave's resampled shares; the
    interval is ``difference -+ z se`` and the p-value the two-sided z test
    (:func:`difference_test`), the normal bootstrap interval of Efron & Tibshirani (1993,
    ch. 13), so that an interval excluding 0 and ``p < 1 - ci`` always agree. Flags are
    Benjamini-Hochberg corrected across the drivers.

    Examples
    --------
    >>> import drivers
    >>> study = drivers.load_study(drivers.bank_loan_study_file())
    >>> moved = importance_changes(study, "nps", level="dimension", bootstrap=50, seed=1,
    ...                            n_jobs=1)
    >>> moved[["driver", "wave_from", "wave_to"]].values.tolist()[0]
    ['BX', '2026Q1', '2026Q3']
    >>> bool(moved["significant"].any())
    False
    """
    from drivers.analysis import LEVELS, resolve_base, with_labels
    from drivers.importance import importance_details
    from drivers.priority import subset_study

    if study.wave_column is None:
        raise ValueError("importance_changes: the study has no wave column")
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    if int(bootstrap) != bootstrap or bootstrap < 2:
        raise ValueError(f"importance_changes needs a bootstrap of at least 2 resamples per "
                         f"wave, got {bootstrap!r}")
    _check_ci(ci)
    analysed, facts, missing = resolve_base(study, base, method, missing)
    waves = natural_levels(analysed.data[analysed.wave_column])
    pairs = _wave_pairs(waves, between)
    column = study.outcome(outcome).column
    seeds = _child_seeds(seed, len(waves))
    fits = {}
    for wave in dict.fromkeys(w for pair in pairs for w in pair):
        mask = (analysed.data[analysed.wave_column] == wave).to_numpy()
        part = subset_study(analysed, mask)
        options = {"groups": part.groups} if level == "dimension" else {
            "drivers": part.attribute_columns}
        fits[wave] = importance_details(
            part.data, column, method=method, weights=part.weight_column,
            bootstrap=int(bootstrap), ci=ci, seed=seeds[waves.index(wave)], missing=missing,
            missing_reasons=part.missing, n_jobs=n_jobs, progress=progress,
            noise_draws=0, **options)  # the noise test is not reported here: not drawn
    frames = []
    for first, second in pairs:
        a, b = fits[first], fits[second]
        names = a.table["driver"].tolist()
        difference = b.table["share"].to_numpy() - a.table["share"].to_numpy()
        se = np.sqrt(np.nanvar(a.share_samples, axis=0, ddof=1)
                     + np.nanvar(b.share_samples, axis=0, ddof=1))
        frame = pd.DataFrame({"driver": names, "wave_from": first, "wave_to": second,
                              "share_from": a.table["share"].to_numpy(),
                              "share_to": b.table["share"].to_numpy(),
                              "difference": difference, "se": se})
        frames.append(pd.concat([frame, difference_test(difference, se, ci)], axis=1))
    table = flag_families(pd.concat(frames, ignore_index=True), family, ci, by=None)
    table = with_labels(table, study)
    table = table[["driver", "label", "dimension", "wave_from", "wave_to", "share_from",
                   "share_to", "difference", "se", *TEST_COLUMNS[1:]]]
    table.attrs = {"outcome": outcome, "level": level, "method": method,
                   "n": {wave: int(fit.rows.n_used) for wave, fit in fits.items()},
                   "base": facts, "missing": missing, "bootstrap": int(bootstrap),
                   "seed": seed, "ci": ci, "waves": waves,
                   "family": _family_text(family, "every driver and pair of waves"),
                   "adjustment": ADJUSTMENT_TEXT,
                   "test": "z test with the bootstrap standard error of each wave's share "
                           "(independent resamples per wave)"}
    return table


def _child_seeds(seed: int | None, k: int) -> list[int | None]:
    """One independent seed per wave from one seed (None stays random)."""
    if seed is None:
        return [None] * k
    return [int(child.generate_state(1)[0]) for child in np.random.SeedSequence(seed).spawn(k)]


# ---------------------------------------------------------------- helpers


def _tested(table: pd.DataFrame, ci: float, family: str) -> pd.DataFrame:
    tests = difference_test(table["difference"], table["se"], ci)
    table = pd.concat([table.reset_index(drop=True), tests], axis=1)
    return flag_families(table, family, ci)


def _outcome_names(study: Study, outcomes) -> list[str]:
    names = list(study.outcomes) if outcomes is None else list(outcomes)
    for name in names:
        study.outcome(name)
    return names


def _check_ci(ci: float) -> None:
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1 (e.g. 0.95), got {ci!r}")
