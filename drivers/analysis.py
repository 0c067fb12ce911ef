"""Driver analysis of a study: one outcome at a time, both levels, and CSAT against NPS.

* :class:`DriverAnalysis` fits one importance method for one outcome (scikit-learn style:
  parameters in ``__init__``, ``fit`` returns self, fitted attributes end in ``_``) and keeps
  the tidy table, the regression diagnostics and the bootstrap behind it.
* :func:`study_importance` runs both levels of a study's driver hierarchy: which dimension
  drives the outcome (grouped Shapley over each dimension's attributes, or composite scores),
  and which attributes inside each dimension.
* :func:`compare` puts two outcomes side by side (CSAT and NPS by default; CES against
  either) on the same respondents, with a paired bootstrap of the difference in share, and
  labels every driver CSAT-led, NPS-led or shared after a multiplicity correction.
* :func:`driver_base` is the one base of every driver analysis of a study: the respondents
  to whom every attribute applied and who answered every outcome, "don't know" and blanks
  handled pairwise. The report, the CLI and the notebooks use it by default, so the same
  question gets the same answer everywhere.

Examples
--------
>>> import drivers
>>> study = drivers.load_study(drivers.bank_loan_study_file())
>>> table = compare(study, level="dimension", bootstrap=100, seed=1)
>>> table[["driver", "rank_csat", "rank_nps", "lead"]].values.tolist()[:2]
[['BX', 1, 3, 'CSAT-led'], ['PX', 2, 4, 'CSAT-led']]
>>> table.attrs["base"]["n"], table.attrs["base"]["total"]
(1339, 2000)
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from drivers.blas import one_blas_thread
from drivers.bootstrap import (
    Resamples,
    bootstrap_samples,
    pairwise_differences,
    percentile_interval,
    resolve_seed,
    share_samples,
    tie_groups,
)
from drivers.changes import ADJUSTMENT_TEXT, adjust_p_values, difference_test
from drivers.correlation import (
    is_positive_definite,
    nearest_positive_definite,
    pairwise_correlation,
    weighted_correlation,
)
from drivers.diagnostics import select_rows, standardized_fit
from drivers.importance import (
    CORRELATION_METHODS,
    SHARE_RULES,
    _resolve_groups,
    _show,
    base_warnings,
    composite_scores,
    importance_details,
    ranks,
    shares,
)
from drivers.paired import PairedStatistic
from drivers.study import Study

#: Analysis levels of a study: dimensions (BX/PX/SX/EX) or their attributes.
LEVELS = ("attribute", "dimension")
#: How a dimension's importance is formed: grouped Shapley over its attributes, or the
#: importance of its composite score (the mean of its answered attributes).
DIMENSION_MODES = ("grouped", "composite")
#: Respondent bases of a study's driver analyses: the driver base (:func:`driver_base`) or
#: every respondent.
BASES = ("driver", "all")
#: The reason recorded for an answer whose question did not apply to the respondent.
NOT_APPLICABLE = "not_applicable"
#: Smallest difference in share (share points, 0..1) that earns a CSAT-led / NPS-led label.
MIN_DIFFERENCE = 0.03


class DriverAnalysis:
    """Importance of the drivers of one outcome, with diagnostics and bootstrap intervals.

    Parameters
    ----------
    outcome : str
        Outcome column, or an outcome name of a study (``"csat"``, ``"nps"``, ``"ces"``) when
        fitting a :class:`~drivers.study.Study`.
    drivers : list of str, optional
        Driver columns; default with a study: all its attributes (or its dimensions' groups).
    method : str
        Any method of :func:`drivers.importance.importance` (default ``shapley``).
    groups : dict, optional
        Group name -> columns, for grouped importance; ``"dimensions"`` with a study uses its
        dimensions.
    weights : str, Series or None
        Weight column; with a study its weight column is the default (pass ``False`` for an
        unweighted fit).
    missing : {"listwise", "pairwise"}, optional
        How blanks are handled (see :func:`drivers.importance.importance`). Default with a
        study: pairwise for correlation-based methods (:func:`default_missing`); with a
        DataFrame: listwise.
    missing_codes : list or dict, optional
        Codes meaning "no answer" in a raw DataFrame (a study has already removed them).
    base : {"driver", "all"}
        Respondents of a study: the driver base (default, :func:`driver_base`: every
        attribute applied, every outcome answered) or every respondent. A DataFrame is
        analysed as given.
    bootstrap : int
        Respondent resamples for intervals (0: none).
    ci : float
        Interval level.
    seed : int, optional
        Seed of the resampling (and of sampled and forest methods).
    n_jobs : int
        Processes for the bootstrap.
    progress : bool, optional
        Progress bar for the bootstrap.

    Attributes
    ----------
    importance_ : DataFrame
        The tidy table of :func:`drivers.importance.importance`, with ``label`` and
        ``dimension`` columns when fitted on a study.
    diagnostics_ : DataFrame
        Per driver: ``vif``, ``beta``, ``r``, ``sign_reversal``.
    pairwise_ : DataFrame or None
        With a bootstrap: every ordered pair of drivers, the difference in share and its
        interval, ``distinguishable``.
    samples_ : ndarray or None
        Bootstrap importances (resamples x drivers).
    r2_, adj_r2_, cv_r2_ : float
        Fit of the linear model (``cv_r2_`` is NaN under pairwise).
    n_used_, n_dropped_ : int
        Respondents analysed and left out (by the base and by the model);
        ``dropped_reasons_`` counts the latter by reason.
    base_ : dict
        The base's facts (:func:`driver_base`): ``rule``, ``description``, ``n``, ``total``...;
        also in ``importance_.attrs["base"]``.
    warnings_ : list of str
        What a researcher must read before trusting the numbers.

    Examples
    --------
    >>> import drivers
    >>> study = drivers.load_study(drivers.bank_loan_study_file())
    >>> model = DriverAnalysis("csat", groups="dimensions").fit(study)
    >>> model.summary.sort_values("rank")["driver"].tolist()
    ['BX', 'PX', 'SX', 'EX']
    >>> round(model.r2_, 2) > 0.4
    True
    >>> model.n_used_, model.base_["rule"], model.importance_.attrs["missing"]
    (1339, 'driver', 'pairwise')
    """

    def __init__(self, outcome: str, drivers: Sequence[str] | None = None,
                 method: str = "shapley", groups: Mapping[str, list[str]] | str | None = None,
                 weights=None, missing: str | None = None, missing_codes=None,
                 base: str = "driver", bootstrap: int = 0, ci: float = 0.95,
                 seed: int | None = None, n_jobs: int = 2, progress: bool | None = None):
        self.outcome = outcome
        self.drivers = drivers
        self.method = method
        self.groups = groups
        self.weights = weights
        self.missing = missing
        self.missing_codes = missing_codes
        self.base = base
        self.bootstrap = bootstrap
        self.ci = ci
        self.seed = seed
        self.n_jobs = n_jobs
        self.progress = progress

    def fit(self, data: pd.DataFrame | Study) -> DriverAnalysis:
        """Fit on a DataFrame (one row per respondent) or a :class:`~drivers.study.Study`."""
        study = data if isinstance(data, Study) else None
        facts = None
        if study is not None:
            study.outcome(self.outcome)
            study, facts, missing = resolve_base(study, self.base, self.method, self.missing)
            frame, outcome = study.data, study.outcome(self.outcome).column
            weights = study.weight_column if self.weights is None else self.weights
            groups = study.groups if self.groups == "dimensions" else self.groups
            drivers = self.drivers
            if drivers is None and groups is None:
                drivers = study.attribute_columns
            reasons = study.missing
        else:
            if self.groups == "dimensions":
                raise ValueError("groups='dimensions' needs a Study; pass a dict of groups")
            frame, outcome, weights = data, self.outcome, self.weights
            groups, drivers, reasons = self.groups, self.drivers, None
            missing = "listwise" if self.missing is None else self.missing
        weights = None if weights is False else weights
        details = importance_details(
            frame, outcome, None if drivers is None else list(drivers), method=self.method,
            weights=weights, groups=groups, bootstrap=self.bootstrap, ci=self.ci,
            seed=self.seed, missing=missing, missing_codes=self.missing_codes,
            missing_reasons=reasons, n_jobs=self.n_jobs, progress=self.progress)
        table = details.table
        if study is not None:
            table = with_labels(table, study)
            _account(table.attrs, facts)
        self.study_ = study
        self.base_ = facts
        self.importance_ = table
        self.diagnostics_ = details.diagnostics
        self.pairwise_ = details.pairwise
        self.samples_ = details.samples
        facts = table.attrs
        self.r2_ = float(facts["r2"])
        self.adj_r2_ = float("nan") if facts.get("adj_r2") is None else float(facts["adj_r2"])
        self.cv_r2_ = float("nan") if facts.get("cv_r2") is None else float(facts["cv_r2"])
        self.n_used_ = int(facts["n_used"])
        self.n_dropped_ = int(facts["n_dropped"])
        self.dropped_reasons_ = dict(facts["dropped_reasons"])
        self.warnings_ = list(facts["warnings"])
        return self

    # ---- reading the result ---------------------------------------------------------------
    @property
    def summary(self) -> pd.DataFrame:
        """The tidy importance table (one row per driver or group)."""
        self._check_fitted()
        return self.importance_

    @property
    def diagnostics(self) -> pd.DataFrame:
        """Per-driver regression diagnostics; fit facts (R^2, condition number...) in attrs."""
        self._check_fitted()
        return self.diagnostics_

    def header(self) -> list[tuple[str, str]]:
        """The fit facts a reader needs first, as (name, value) pairs."""
        self._check_fitted()
        facts = self.importance_.attrs
        dropped = ", ".join(f"{reason} {n}" for reason, n in self.dropped_reasons_.items())
        rows = [("outcome", str(facts["outcome"])), ("method", str(facts["method"]))]
        if facts.get("base"):
            rows.append(("base", f"{facts['base']['description']} ({facts['base']['n']:,} of "
                                 f"{facts['base']['total']:,})"))
        rows += [("missing", str(facts["missing"])), ("n used", f"{self.n_used_:,}"),
                ("n dropped", f"{self.n_dropped_:,}" + (f" ({dropped})" if dropped else "")),
                ("R²", f"{self.r2_:.3f}"), ("adjusted R²", _fmt(self.adj_r2_)),
                ("cross-validated R²", _fmt(self.cv_r2_)),
                ("condition number", _fmt(facts.get("condition_number"), ".1f"))]
        if facts.get("n_effective"):
            rows.append(("effective n (weights)", f"{facts['n_effective']:,.0f}"))
        if facts.get("bootstrap"):
            method = {"bca": "BCa", "percentile": "percentile"}.get(
                facts.get("interval_method"), "percentile")
            rows.append(("bootstrap", f"{facts['bootstrap']:,} resamples, "
                                      f"{100 * facts['ci']:g}% {method} intervals, "
                                      f"seed {facts.get('seed')}"))
        return rows

    def ties(self) -> list[str]:
        """What the intervals allow a reader to say about the ranking, in sentences.

        One line for the top tie group (the drivers that cannot be told apart from the top
        one), one per further group of two or more, and one naming the drivers whose
        importance does not beat an irrelevant random variable. Empty without a bootstrap.
        """
        self._check_fitted()
        table = self.importance_
        if "tie_group" not in table.columns:
            return []
        facts = table.attrs
        level = f"{100 * facts['ci']:g}%"
        names = table.get("label", table["driver"]).astype(str)
        ordered = table.assign(_name=names).sort_values(["tie_group", "rank"],
                                                        kind="mergesort")
        lines = []
        for group, rows in ordered.groupby("tie_group", sort=True):
            members = ", ".join(rows["_name"])
            if group == 1 and len(rows) == 1:
                lines.append(f"{members} leads: every other driver's share is below it "
                             f"({level} intervals of the differences).")
            elif group == 1:
                lines.append(f"Tied at the top (cannot be told apart from the first, {level} "
                             f"intervals of the share differences): {members}.")
            elif len(rows) > 1:
                lines.append(f"Tie group {group}: {members}.")
        if "beats_noise" in table.columns and table["beats_noise"].notna().any():
            weak = ordered.loc[~ordered["beats_noise"].fillna(True).astype(bool), "_name"]
            if len(weak):
                lines.append(f"Not distinguishable from noise (an irrelevant random variable "
                             f"does as well, p >= {facts.get('noise_alpha', 0.05):g}): "
                             f"{', '.join(weak)}.")
        return lines

    def print_summary(self, decimals: int = 3) -> None:
        """Print the fit facts, the importance table and the warnings."""
        width = max(len(name) for name, _ in self.header())
        for name, value in self.header():
            print(f"{name:<{width}}  {value}")
        print()
        table = self._display_table().round(decimals)
        if "indistinguishable_from" in table.columns:
            table["indistinguishable_from"] = table["indistinguishable_from"].map(_shorten)
        with pd.option_context("display.width", 160, "display.max_columns", 30):
            print(table.to_string(index=False))
        ties = self.ties()
        if ties:
            print()
            print("\n".join(ties))
        for warning in self.warnings_:
            print(f"\nwarning: {warning}")

    def _display_table(self) -> pd.DataFrame:
        columns = [c for c in ("driver", "label", "dimension", "importance", "share",
                               "share_ci_low", "share_ci_high", "rank", "rank_ci_low",
                               "rank_ci_high", "tie_group", "noise_p", "beats_noise",
                               "indistinguishable_from")
                   if c in self.importance_.columns]
        return self.importance_[columns].sort_values("rank")

    def _repr_html_(self) -> str:
        if not hasattr(self, "importance_"):
            return f"<pre>{html.escape(repr(self))}</pre>"
        facts = "".join(f"<tr><th style='text-align:left'>{html.escape(n)}</th>"
                        f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
                        for n, v in self.header())
        warnings = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings_)
        table = self._display_table().to_html(index=False, float_format=lambda v: f"{v:.3f}")
        ties = "".join(f"<p>{html.escape(line)}</p>" for line in self.ties())
        return (f"<div><table>{facts}</table>{table}{ties}"
                + (f"<p><b>Warnings</b></p><ul>{warnings}</ul>" if warnings else "")
                + "</div>")

    def __repr__(self) -> str:
        state = (f"fitted, n={self.n_used_}, R²={self.r2_:.3f}" if hasattr(self, "importance_")
                 else "not fitted")
        return f"DriverAnalysis(outcome={self.outcome!r}, method={self.method!r}; {state})"

    def plot(self, ax=None, value: str = "share", lang: str = "en", **kwargs):
        """Ranking bars with intervals (see :func:`drivers.plots.ranking_plot`); returns the axes."""
        from drivers.plots import ranking_plot

        self._check_fitted()
        return ranking_plot(self.importance_, ax=ax, value=value, labels=self.study_, lang=lang,
                            **kwargs)

    def _check_fitted(self) -> None:
        if not hasattr(self, "importance_"):
            raise ValueError("this DriverAnalysis is not fitted yet; call fit(data) first")


def _shorten(names: str, shown: int = 3) -> str:
    """'a, b, c, d, e' -> 'a, b, c + 2 more' (the full list stays in the table)."""
    parts = [p for p in str(names).split(", ") if p]
    if len(parts) <= shown:
        return ", ".join(parts)
    return ", ".join(parts[:shown]) + f" + {len(parts) - shown} more"


def _fmt(value, spec: str = ".3f") -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    return format(float(value), spec)


def with_labels(table: pd.DataFrame, study: Study, lang: str = "en") -> pd.DataFrame:
    """Add ``label`` and ``dimension`` columns (after ``driver``) from the study.

    >>> import drivers
    >>> study = drivers.load_study(drivers.bank_loan_study_file())
    >>> small = pd.DataFrame({"driver": ["bx_trust", "SX"]})
    >>> with_labels(small, study).values.tolist()
    [['bx_trust', 'I trust the bank', 'BX'], ['SX', 'Service experience', 'SX']]
    """
    table = table.copy()
    names = table["driver"].astype(str)
    table.insert(1, "label", [study.label(n, lang) for n in names])
    table.insert(2, "dimension", [n if n in study.dimensions else study.dimension_of(n)
                                  for n in names])
    return table


# ------------------------------------------------------------------------ the one base


def driver_base(study: Study, outcomes: Sequence[str] | None = None) -> tuple[Study, dict]:
    """The respondents every driver analysis of a study uses by default.

    Rule: keep the respondents (1) to whom every attribute applied, i.e. with no attribute
    answer recorded as "not applicable" (a customer who never contacted an agent cannot be
    driven by the agent), and (2) who answered every outcome in ``outcomes``, so that every
    driver table of the study (any outcome, any pair of outcomes compared) describes the same
    people. "Don't know" and blank attribute answers stay in: the correlation-based methods
    handle them pairwise (:func:`default_missing`). A study without "not applicable" answers
    and without blank outcomes keeps every respondent (the same object is returned).

    Parameters
    ----------
    study : Study
        The survey.
    outcomes : list of str, optional
        Outcomes that must be answered; default every outcome of the study. Pass fewer when an
        outcome was asked of a subgroup only (e.g. ``("csat", "nps")``).

    Returns
    -------
    (Study, dict)
        The base (a study of those rows) and its facts: ``rule`` (``"driver"``),
        ``description``, ``n``, ``total``, ``not_applicable`` (rows left out for a "not
        applicable" attribute), ``outcome_missing`` (outcome -> rows then left out for a blank
        outcome), ``dimensions`` (dimensions with "not applicable" answers), ``outcomes``
        and ``missing`` (``"pairwise"``).

    Examples
    --------
    >>> import drivers
    >>> study = drivers.load_study(drivers.bank_loan_study_file())
    >>> base, facts = driver_base(study)
    >>> facts["n"], facts["total"], facts["not_applicable"], facts["outcome_missing"]
    (1339, 2000, 650, {'csat': 3, 'nps': 7, 'ces': 1})
    >>> facts["dimensions"]
    ['SX']
    """
    from drivers.priority import subset_study

    names = list(study.outcomes) if outcomes is None else list(outcomes)
    columns = [study.outcome(name).column for name in names]
    attributes = [a for a in study.attribute_columns if a in study.missing.columns]
    flags = study.missing[attributes] == NOT_APPLICABLE
    out = flags.any(axis=1).to_numpy()
    dims = [name for name, members in study.groups.items()
            if flags[[a for a in members if a in flags.columns]].to_numpy().any()]
    not_applicable = int(out.sum())
    blank_outcome = {}
    for name, column in zip(names, columns, strict=True):
        blank = ~out & study.data[column].isna().to_numpy()
        if blank.any():
            blank_outcome[name] = int(blank.sum())
        out = out | blank
    base = subset_study(study, ~out) if out.any() else study
    facts = {"rule": "driver", "description": base_description("driver", names),
             "n": int((~out).sum()), "total": len(study.data), "not_applicable": not_applicable,
             "outcome_missing": blank_outcome, "dimensions": dims, "outcomes": names,
             "missing": "pairwise"}
    return base, facts


def base_description(rule: str, outcomes: Sequence[str] = ()) -> str:
    """The base rule in words, for tables' attrs and printed headers.

    >>> base_description("all")
    'every respondent'
    """
    if rule == "all":
        return "every respondent"
    answered = ", ".join(outcomes) if outcomes else "every outcome"
    return ("respondents to whom every attribute applied (no 'not applicable' answer) and who "
            f"answered {answered}; 'don't know' and blanks handled pairwise")


def default_missing(method: str, missing: str | None) -> str:
    """The blank handling of a study's driver analysis: pairwise where the method allows it.

    ``None`` (the default) means ``"pairwise"`` for correlation-based methods (Shapley,
    relative weights, beta, Pratt, correlation) and ``"listwise"`` for those that need
    complete rows (random forest, the NPS outcome models).

    >>> default_missing("shapley", None), default_missing("random_forest", None)
    ('pairwise', 'listwise')
    >>> default_missing("shapley", "listwise")
    'listwise'
    """
    if missing is not None:
        return missing
    return "pairwise" if method in CORRELATION_METHODS else "listwise"


def resolve_base(study: Study, base: str, method: str, missing: str | None
                 ) -> tuple[Study, dict, str]:
    """The study's rows for ``base`` (:data:`BASES`), their facts and the blank handling.

    >>> import drivers
    >>> study = drivers.load_study(drivers.bank_loan_study_file())
    >>> rows, facts, missing = resolve_base(study, "all", "shapley", None)
    >>> rows is study, facts["n"], missing
    (True, 2000, 'pairwise')
    """
    if base not in BASES:
        raise ValueError(f"base must be one of {', '.join(BASES)}, got {base!r}")
    missing = default_missing(method, missing)
    if base == "driver":
        rows, facts = driver_base(study)
        return rows, {**facts, "missing": missing}, missing
    n = len(study.data)
    facts = {"rule": "all", "description": base_description("all"), "n": n, "total": n,
             "not_applicable": 0, "outcome_missing": {}, "dimensions": [],
             "outcomes": list(study.outcomes), "missing": missing}
    return study, facts, missing


def _base_drops(facts: dict) -> dict[str, int]:
    """Rows the base left out, by reason (``not_applicable``, ``<outcome>_missing``)."""
    drops = {NOT_APPLICABLE: facts["not_applicable"]} if facts["not_applicable"] else {}
    drops.update({f"{name}_missing": n for name, n in facts["outcome_missing"].items()})
    return drops


def _account(attrs: dict, facts: dict) -> None:
    """State the base in a table's attrs and count its exclusions among the dropped rows, so
    that ``n_used + n_dropped`` is the study's size."""
    drops = _base_drops(facts)
    reasons = dict(drops)
    for reason, n in attrs.get("dropped_reasons", {}).items():
        reasons[reason] = reasons.get(reason, 0) + n
    attrs["dropped_reasons"] = reasons
    attrs["n_dropped"] = int(attrs.get("n_dropped", 0)) + sum(drops.values())
    attrs["base"] = dict(facts)


# ------------------------------------------------------------------- both levels of a study


def study_importance(study: Study, outcome: str, method: str = "shapley",
                     dimension_mode: str = "grouped", bootstrap: int = 0, ci: float = 0.95,
                     seed: int | None = None, missing: str | None = None, base: str = "driver",
                     n_jobs: int = 2, progress: bool | None = None) -> pd.DataFrame:
    """Which dimension drives the outcome, and which attributes inside each dimension.

    Parameters
    ----------
    study : Study
        The survey.
    outcome : str
        Outcome name (``"csat"``, ``"nps"``, ``"ces"``...).
    method : str
        Importance method for both levels (grouped levels need a grouped method: shapley,
        shapley_sampled, relative_weights, random_forest).
    dimension_mode : {"grouped", "composite"}
        ``grouped``: exact Shapley over each dimension's attributes jointly (R's relaimpo
        ``groups=``). ``composite``: importance of the dimension scores (mean of answered
        attributes, at least one answered).
    bootstrap, ci, seed, n_jobs, progress
        As in :func:`drivers.importance.importance`.
    missing, base
        As in :class:`DriverAnalysis`: by default the driver base (:func:`driver_base`) with
        blanks handled pairwise.

    Returns
    -------
    DataFrame
        Tidy, dimension rows first, then attribute rows by dimension: ``level``
        (``dimension`` or ``attribute``), ``driver``, ``label``, ``dimension``, ``importance``,
        ``share`` (of the whole model), ``rank`` (within the level), ``share_in_dimension``
        and ``rank_in_dimension`` (attribute rows: share of its dimension's attribute total),
        and the interval, tie and noise columns when bootstrapped (tie groups within each
        level). ``attrs``: ``outcome``, ``method``, ``dimension_mode``, ``base``
        (:func:`driver_base` facts), ``missing``, ``n_used`` and ``r2`` per level,
        ``warnings``; with a bootstrap ``interval_method`` and ``resamples`` (level ->
        :class:`drivers.bootstrap.Resamples`, for :func:`drivers.priority.study_priority`).

    Examples
    --------
    >>> import drivers
    >>> study = drivers.load_study(drivers.bank_loan_study_file())
    >>> table = study_importance(study, "nps")
    >>> table.query("level == 'dimension'").sort_values("rank")["driver"].tolist()[0]
    'SX'
    """
    if dimension_mode not in DIMENSION_MODES:
        raise ValueError(f"dimension_mode must be one of {', '.join(DIMENSION_MODES)}, got "
                         f"{dimension_mode!r}")
    column = study.outcome(outcome).column
    study, facts, missing = resolve_base(study, base, method, missing)
    # The base is taken once here; the fits below analyse its rows as they are.
    options = {"method": method, "bootstrap": bootstrap, "ci": ci, "seed": seed,
               "missing": missing, "base": "all", "n_jobs": n_jobs, "progress": progress}
    if dimension_mode == "grouped":
        top = DriverAnalysis(outcome, groups="dimensions", **options).fit(study).summary
    else:
        scores = composite_scores(study.data, study.groups)
        frame = scores.assign(**{column: study.data[column]})
        if study.weight_column:
            frame[study.weight_column] = study.data[study.weight_column]
        top = DriverAnalysis(column, drivers=list(study.groups), weights=study.weight_column,
                             **options).fit(frame).summary
        top = with_labels(top, study)
    attributes = DriverAnalysis(outcome, **options).fit(study).summary
    top = top.drop(columns=["members"], errors="ignore").assign(level="dimension")
    attributes = attributes.assign(level="attribute")
    totals = attributes.groupby("dimension")["importance"].transform("sum")
    attributes["share_in_dimension"] = attributes["importance"] / totals
    attributes["rank_in_dimension"] = (attributes.groupby("dimension")["importance"]
                                       .rank(ascending=False, method="min").astype(int))
    table = pd.concat([top, attributes], ignore_index=True)
    first = ["level", "driver", "label", "dimension", "importance", "share", "rank",
             "share_in_dimension", "rank_in_dimension"]
    table = table[first + [c for c in table.columns if c not in first]]
    table.attrs = {"outcome": outcome, "method": method, "dimension_mode": dimension_mode,
                   "base": facts, "missing": missing,
                   "bootstrap": int(bootstrap), "ci": ci, "seed": seed,
                   "interval_method": attributes.attrs.get("interval_method"),
                   "resamples": {"dimension": top.attrs.get("resamples"),
                                 "attribute": attributes.attrs.get("resamples")},
                   "n_used": {"dimension": top.attrs["n_used"],
                              "attribute": attributes.attrs["n_used"]},
                   "r2": {"dimension": top.attrs["r2"], "attribute": attributes.attrs["r2"]},
                   "warnings": list(dict.fromkeys(top.attrs["warnings"]
                                                  + attributes.attrs["warnings"]))}
    return table


# ------------------------------------------------------------------------- CSAT against NPS


@one_blas_thread()
def compare(study: Study, outcomes: Sequence[str] = ("csat", "nps"), level: str = "attribute",
            method: str = "shapley", bootstrap: int = 1000, ci: float = 0.95,
            seed: int | None = None, missing: str | None = None, base: str = "driver",
            min_difference: float = MIN_DIFFERENCE, dimension_mode: str = "grouped",
            n_jobs: int = 2, progress: bool | None = None) -> pd.DataFrame:
    """Importance of every driver for two outcomes side by side, with a paired difference.

    Both outcomes are analysed on the same respondents (the base, with both outcomes
    answered and, under listwise, every driver), and every bootstrap resample draws the same
    respondents for both, so the interval of the difference in share reflects how the two
    outcomes differ, not two independent samples. Any two outcomes of the study can be
    compared (CSAT and NPS by default; ``("csat", "ces")`` or ``("nps", "ces")`` for CES): a
    lead is a statement about two outcomes, so three outcomes are compared pair by pair.

    Parameters
    ----------
    study : Study
        The survey.
    outcomes : pair of str
        Outcome names, the first minus the second in ``diff`` (default CSAT, then NPS).
    level : {"attribute", "dimension"}
        Attributes, or the study's dimensions (grouped Shapley or composite scores, see
        ``dimension_mode``).
    method : str
        Importance method (a decomposition such as ``shapley`` or ``relative_weights`` makes
        shares comparable across outcomes).
    bootstrap : int
        Paired resamples for the intervals; 0 gives point estimates and ``lead`` "untested".
    ci : float
        Interval level; ``1 - ci`` is also the false discovery rate of the lead labels.
    seed : int, optional
        Seed of the resampling.
    missing : {"listwise", "pairwise"}, optional
        Blank handling among the drivers (see :func:`drivers.importance.importance`); default
        pairwise for correlation-based methods (:func:`default_missing`).
    base : {"driver", "all"}
        The respondents: the driver base (default, :func:`driver_base`) or every respondent.
    min_difference : float
        Smallest difference in share (share points, 0..1; default 0.03) that earns a lead
        label: a significant difference below it is reported as "shared".
    dimension_mode : {"grouped", "composite"}
        At dimension level, as in :func:`study_importance`.
    n_jobs, progress
        Bootstrap processes and progress bar.

    Returns
    -------
    DataFrame
        One row per driver: ``driver``, ``label``, ``dimension``; for each outcome ``o``:
        ``importance_<o>``, ``share_<o>``, ``rank_<o>`` and, when bootstrapped,
        ``share_<o>_ci_low``, ``share_<o>_ci_high``; then ``diff`` (share of the first
        outcome minus share of the second), ``diff_ci_low``, ``diff_ci_high`` (percentile
        interval of the paired bootstrap), ``p_value`` (z test of ``diff`` with its bootstrap
        standard error), ``p_adjusted`` (Benjamini-Hochberg across the drivers),
        ``significant`` (``p_adjusted <= 1 - ci``) and ``lead``: ``"<FIRST>-led"`` when the
        difference is significant and ``diff >= min_difference``, ``"<SECOND>-led"`` when it
        is significant and ``diff <= -min_difference``, ``"shared"`` otherwise
        (``"untested"`` without a bootstrap). ``attrs``: ``outcomes``, ``level``, ``method``,
        ``base`` (:func:`driver_base` facts), ``missing``, ``n_used``, ``n_dropped``,
        ``dropped_reasons`` (the base's exclusions included), ``r2`` (per outcome),
        ``bootstrap``, ``ci``, ``seed``, ``adjustment``, ``min_difference``, ``lead_rule``,
        ``warnings`` and ``resamples`` (:class:`drivers.bootstrap.Resamples` with columns
        ``"<outcome>:<driver>"``, None without a bootstrap), so that performance can be
        resampled with the same respondents for priority matrices.

    Notes
    -----
    The lead rule. With ``k`` drivers, ``k`` differences are tested at once, and at n = 2,000
    a true gap of about one share point was labelled a lead one time in five by the bare
    interval. A label therefore needs both (1) statistical evidence after a multiplicity
    correction: the two-sided p-value of ``diff / sd(diff*)`` (``diff*`` the paired resamples)
    adjusted by Benjamini-Hochberg across the ``k`` drivers
    (:func:`drivers.changes.adjust_p_values`) is at most ``1 - ci``; equivalently, the normal
    interval at the false-coverage-adjusted level of Benjamini & Yekutieli (2005) excludes
    0; and (2) practical size: ``|diff| >= min_difference``. The default of 3 share points
    is a judgement of what changes a decision: in a study of about 20 attributes the
    average share is 5 points, so 3 points make a driver's share for one outcome some 60%
    larger than for the other, while gaps of one point are the size of the steps between
    neighbouring drivers (median 0.2-0.3 points on the bank study) and change no story. At
    dimension level (four dimensions, 25 points on average) it is deliberately lenient. The
    p-value uses the bootstrap standard error rather than counting resamples beyond 0
    because Benjamini-Hochberg needs p-values as small as ``0.05 / k``, which a count over
    1,000 resamples cannot resolve.

    Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate. JRSS B 57,
    289-300. Benjamini, Y. & Yekutieli, D. (2005). False discovery rate-adjusted multiple
    confidence intervals for selected parameters. JASA 100, 71-81.

    Examples
    --------
    >>> import drivers
    >>> study = drivers.load_study(drivers.bank_loan_study_file())
    >>> table = compare(study, level="dimension", bootstrap=0)
    >>> table[["driver", "share_csat", "share_nps"]].round(2).values.tolist()[:1]
    [['BX', 0.48, 0.16]]
    >>> effort = compare(study, outcomes=("csat", "ces"), level="dimension", bootstrap=0)
    >>> effort.columns[[3, 6]].tolist()
    ['importance_csat', 'importance_ces']
    """
    outcomes = tuple(outcomes)
    return compare_pairs(study, [outcomes], level=level, method=method, bootstrap=bootstrap,
                         ci=ci, seed=seed, missing=missing, base=base,
                         min_difference=min_difference, dimension_mode=dimension_mode,
                         n_jobs=n_jobs, progress=progress)[outcomes]


def compare_pairs(study: Study, pairs: Sequence[Sequence[str]], level: str = "attribute",
                  method: str = "shapley", bootstrap: int = 1000, ci: float = 0.95,
                  seed: int | None = None, missing: str | None = None, base: str = "driver",
                  min_difference: float = MIN_DIFFERENCE, dimension_mode: str = "grouped",
                  n_jobs: int = 2, progress: bool | None = None
                  ) -> dict[tuple[str, str], pd.DataFrame]:
    """Several :func:`compare` tables from one joint bootstrap of every outcome they name.

    The outcomes share their drivers, so Shapley decomposes all of them in one sweep of the
    driver subsets, and every resample draws the same respondents for all of them: CSAT
    against NPS and CES against CSAT cost about one bootstrap instead of two. The common base
    is the respondents who answered every outcome named (the base of :func:`compare` when
    ``pairs`` holds one pair); with the same base and seed, each table is the table
    :func:`compare` gives for its pair.

    Parameters
    ----------
    study : Study
    pairs : list of (str, str)
        The comparisons, each (first, second) as ``outcomes`` in :func:`compare`.
    level, method, bootstrap, ci, seed, missing, base, min_difference, dimension_mode,
    n_jobs, progress
        As in :func:`compare`.

    Returns
    -------
    dict
        ``{(first, second): table}``, each table as :func:`compare` returns it.

    Examples
    --------
    >>> import drivers
    >>> study = drivers.load_study(drivers.bank_loan_study_file())
    >>> tables = compare_pairs(study, [("csat", "nps"), ("ces", "csat")], level="dimension",
    ...                        bootstrap=0)
    >>> sorted(tables)
    [('ces', 'csat'), ('csat', 'nps')]
    >>> one = compare(study, level="dimension", bootstrap=0)  # the driver base: all answered
    >>> bool((tables["csat", "nps"]["share_csat"] - one["share_csat"]).abs().max() < 1e-12)
    True
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    if dimension_mode not in DIMENSION_MODES:
        raise ValueError(f"dimension_mode must be one of {', '.join(DIMENSION_MODES)}, got "
                         f"{dimension_mode!r}")
    pairs = [tuple(pair) for pair in pairs]
    for pair in pairs:
        if len(pair) != 2 or pair[0] == pair[1]:
            raise ValueError(f"compare needs two different outcomes, got {pair!r}")
    if not pairs:
        raise ValueError("compare_pairs needs at least one pair of outcomes")
    outcomes = tuple(dict.fromkeys(name for pair in pairs for name in pair))
    if not 0 <= min_difference < 1:
        raise ValueError(f"min_difference is a share difference between 0 and 1 (e.g. 0.03), "
                         f"got {min_difference!r}")
    columns = [study.outcome(o).column for o in outcomes]
    study, base_facts, missing = resolve_base(study, base, method, missing)

    frame, drivers, groups = study.data, study.attribute_columns, None
    if level == "dimension" and dimension_mode == "grouped":
        drivers, names, groups, _ = _resolve_groups(study.groups, None)
    elif level == "dimension":
        frame = composite_scores(study.data, study.groups)
        for column in {*columns, *filter(None, [study.weight_column])}:
            frame[column] = study.data[column]
        drivers = names = list(study.groups)
    else:
        names = list(drivers)
    # The common base: every outcome answered (the drivers are checked by select_rows).
    answered = frame[columns].notna().all(axis=1).to_numpy()
    reasons = study.missing
    selected = [select_rows(frame.loc[answered], column, drivers, study.weight_column, missing,
                            missing_reasons=reasons.loc[answered]) for column in columns]
    first = selected[0]
    if any(not rows.index.equals(first.index) for rows in selected[1:]):  # pragma: no cover
        raise RuntimeError("the outcomes ended up on different respondents")
    dropped = {**_outcome_blanks(study, outcomes, answered)}
    for reason, n in first.dropped_reasons.items():
        dropped[reason] = dropped.get(reason, 0) + n

    paired = PairedStatistic(method, groups, missing, seed)
    Y = np.column_stack([rows.y for rows in selected])
    point = paired(first.X, Y, first.weights)
    warnings = base_warnings(first, len(frame))
    samples = resample_seed = None
    if bootstrap:
        resample_seed = resolve_seed(seed)
        samples = bootstrap_samples(paired, first.X, Y, first.weights,
                                    n_resamples=int(bootstrap), seed=resample_seed,
                                    n_jobs=n_jobs, progress=_show(progress, bootstrap),
                                    description=f"paired bootstrap {method}")
    else:
        warnings.append("no bootstrap: differences in share have no interval, so no driver is "
                        "labelled CSAT- or NPS-led; pass bootstrap=1000")
    r2 = {name: _r2(first.X, rows.y, rows.weights, missing)
          for name, rows in zip(outcomes, selected, strict=True)}
    facts = {"n_used": first.n_used, "n_dropped": int(len(frame) - first.n_used),
             "dropped_reasons": dropped, "weighted": first.weights is not None,
             "index": first.index}
    return pair_tables(study, pairs, outcomes, names, point, samples, resample_seed, facts,
                       r2, warnings, base_facts, level=level, method=method, ci=ci, seed=seed,
                       missing=missing, bootstrap=bootstrap, min_difference=min_difference,
                       dimension_mode=dimension_mode)


def pair_tables(study: Study, pairs, outcomes, names, point, samples, resample_seed,
                facts: dict, r2: dict, warnings: list[str], base_facts: dict, *, level, method,
                ci, seed, missing, bootstrap, min_difference, dimension_mode
                ) -> dict[tuple[str, str], pd.DataFrame]:
    """The :func:`compare` tables of ``pairs`` from the importances of every outcome.

    ``point`` holds each outcome's importances one after another (``outcomes`` order),
    ``samples`` the same per resample (None without a bootstrap); ``facts`` the row account
    (``n_used``, ``n_dropped``, ``dropped_reasons``, ``weighted`` and the used rows'
    ``index``, None when the resamples are not of respondents), ``r2`` each outcome's R^2.
    Shared by the in-memory path and the file path (:mod:`drivers.filestudy`).
    """
    rule = SHARE_RULES[method]
    k = len(names)
    position = {name: j for j, name in enumerate(outcomes)}
    tables = {}
    for pair in pairs:
        spans = [slice(position[name] * k, (position[name] + 1) * k) for name in pair]
        table = pd.DataFrame({"driver": names})
        for name, span in zip(pair, spans, strict=True):
            table[f"importance_{name}"] = point[span]
            table[f"share_{name}"] = shares(point[span], rule)
            table[f"rank_{name}"] = ranks(point[span])
        table["diff"] = table[f"share_{pair[0]}"] - table[f"share_{pair[1]}"]
        resamples = None
        if samples is not None:
            own = np.hstack([samples[:, span] for span in spans])
            if facts["index"] is not None:
                resamples = Resamples(own, [f"{o}:{n}" for o in pair for n in names],
                                      facts["index"], resample_seed, rule)
            share_a, share_b = (share_samples(samples[:, span], rule) for span in spans)
            for name, share_rows in zip(pair, (share_a, share_b), strict=True):
                low, high = percentile_interval(share_rows, ci)
                table[f"share_{name}_ci_low"], table[f"share_{name}_ci_high"] = low, high
            table["diff_ci_low"], table["diff_ci_high"] = percentile_interval(share_a - share_b,
                                                                              ci)
            labels = lead_labels(table["diff"].to_numpy(), share_a - share_b, pair, ci,
                                 min_difference)
        else:
            table["diff_ci_low"] = table["diff_ci_high"] = np.nan
            labels = lead_labels(table["diff"].to_numpy(), None, pair, ci, min_difference)
        for column in labels.columns:
            table[column] = labels[column].to_numpy()
        table = with_labels(table, study)
        ordered = ["driver", "label", "dimension"]
        for name in pair:
            ordered += [f"importance_{name}", f"share_{name}", f"rank_{name}"]
            ordered += [c for c in (f"share_{name}_ci_low", f"share_{name}_ci_high")
                        if c in table.columns]
        ordered += ["diff", "diff_ci_low", "diff_ci_high", *labels.columns]
        table = table[ordered]
        table.attrs = {"outcomes": list(pair), "level": level, "method": method,
                       "dimension_mode": dimension_mode if level == "dimension" else None,
                       "missing": missing, "n_used": facts["n_used"],
                       "n_dropped": facts["n_dropped"],
                       "dropped_reasons": dict(facts["dropped_reasons"]),
                       "weighted": facts["weighted"],
                       "r2": {name: r2[name] for name in pair},
                       "bootstrap": int(bootstrap), "ci": ci, "seed": seed,
                       "adjustment": f"{ADJUSTMENT_TEXT} across the {len(names)} drivers",
                       "min_difference": min_difference, "lead_rule": LEAD_RULE,
                       "warnings": list(warnings), "resamples": resamples}
        _account(table.attrs, base_facts)
        tables[pair] = table
    return tables


def one_outcome(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """One outcome's importance table out of a :func:`compare` (or :func:`compare_pairs`)
    table: ``driver``, ``label``, ``dimension``, ``importance``, ``share``, ``rank`` and the
    share interval, the tie groups (``tie_group``, ``tied_with_top``: as
    :func:`drivers.importance.importance` finds them, from the resampled shares), with
    ``attrs`` ``outcome``, ``method``, ``ci``, ``bootstrap``, ``n_used``
    and, from a bootstrap, the outcome's own ``resamples`` (what
    :func:`drivers.priority.priority_matrix` needs for the quadrant probabilities).

    >>> import drivers
    >>> study = drivers.load_study(drivers.bank_loan_study_file())
    >>> table = compare(study, level="dimension", bootstrap=0)
    >>> one_outcome(table, "nps").columns.tolist()[:5]
    ['driver', 'label', 'dimension', 'importance', 'share']
    """
    columns = {"driver": "driver", "label": "label", "dimension": "dimension",
               f"importance_{name}": "importance", f"share_{name}": "share",
               f"rank_{name}": "rank", f"share_{name}_ci_low": "share_ci_low",
               f"share_{name}_ci_high": "share_ci_high", f"tie_group_{name}": "tie_group",
               f"tied_with_top_{name}": "tied_with_top"}
    out = table[[c for c in columns if c in table.columns]].rename(columns=columns)
    out.attrs = {"outcome": name, "method": table.attrs.get("method"),
                 "ci": table.attrs.get("ci"), "bootstrap": table.attrs.get("bootstrap", 0),
                 "n_used": table.attrs.get("n_used")}
    resamples = table.attrs.get("resamples")
    if resamples is None:
        return out
    own = resamples.select([f"{name}:{d}" for d in out["driver"]], as_names=list(out["driver"]))
    out.attrs["resamples"] = own
    if "tie_group" in out.columns:  # stored by the caller (the report keeps them)
        return out
    # Tied drivers as drivers.importance.importance finds them: the interval of their
    # difference in share, over the same resamples, contains zero.
    pairs = pairwise_differences(own.shares(), list(out["driver"].astype(str)),
                                 out.attrs["ci"] or 0.95, point=out["share"].to_numpy(float))
    tied = tie_groups(out, pairs)
    tied.attrs = dict(out.attrs)
    return tied


#: The lead-label rule as data (a message id and its parameters), for reports to print.
LEAD_RULE = {"id": "lead_rule", "test": "z test with the paired bootstrap standard error",
             "adjustment": "fdr_bh", "family": "the drivers of one comparison"}


def lead_labels(diff: np.ndarray, diff_samples: np.ndarray | None, outcomes: Sequence[str],
                ci: float = 0.95, min_difference: float = MIN_DIFFERENCE) -> pd.DataFrame:
    """Label each driver ``<FIRST>-led``, ``<SECOND>-led`` or ``shared`` (see :func:`compare`).

    Parameters
    ----------
    diff : ndarray (k,)
        Share of the first outcome minus share of the second, per driver.
    diff_samples : ndarray (resamples, k) or None
        The same difference in every paired resample; None: untested.
    outcomes : pair of str
        The two outcome names (upper-cased in the labels).
    ci : float
        ``1 - ci`` is the false discovery rate of the labels.
    min_difference : float
        Smallest ``|diff|`` labelled a lead.

    Returns
    -------
    DataFrame
        ``p_value``, ``p_adjusted``, ``significant`` (nullable booleans) and ``lead``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> diff = np.array([0.10, 0.02, 0.0])
    >>> samples = diff + rng.normal(scale=0.005, size=(500, 3))
    >>> lead_labels(diff, samples, ("csat", "nps"))["lead"].tolist()
    ['CSAT-led', 'shared', 'shared']
    """
    diff = np.asarray(diff, dtype=float)
    if diff_samples is None:
        return pd.DataFrame({"p_value": np.nan, "p_adjusted": np.nan,
                             "significant": pd.array([pd.NA] * len(diff), dtype="boolean"),
                             "lead": "untested"}, index=range(len(diff)))
    se = np.nanstd(np.asarray(diff_samples, dtype=float), axis=0, ddof=1)
    p_value = difference_test(diff, se, ci)["p_value"].to_numpy()
    p_adjusted, significant = adjust_p_values(p_value, alpha=1 - ci)
    sure = significant.fillna(False).to_numpy(dtype=bool)
    lead = np.where(sure & (diff >= min_difference), f"{outcomes[0].upper()}-led",
                    np.where(sure & (diff <= -min_difference), f"{outcomes[1].upper()}-led",
                             "shared"))
    return pd.DataFrame({"p_value": p_value, "p_adjusted": p_adjusted,
                         "significant": significant, "lead": lead})


def _outcome_blanks(study: Study, outcomes, both: np.ndarray) -> dict[str, int]:
    """Rows left out because an outcome is blank, by outcome."""
    counts = {}
    for name in outcomes:
        column = study.outcome(name).column
        blank = (~both) & study.data[column].isna().to_numpy()
        if blank.any():
            counts[f"{name}_missing"] = int(blank.sum())
            both = both | blank  # count each row once
    return counts


def _r2(X, y, weights, missing) -> float:
    """R^2 of the linear model of ``y`` on all of ``X`` (listwise or pairwise correlations)."""
    if missing == "pairwise":
        corr = pairwise_correlation(np.column_stack([X, y]), weights)[0].to_numpy()
    else:
        corr = weighted_correlation(np.column_stack([X, y]), weights)
    return r2_from_correlation(corr, missing)


def r2_from_correlation(corr: np.ndarray, missing: str) -> float:
    """R^2 of the last column on the others from their correlation matrix (a pairwise one
    repaired to the nearest correlation matrix when it is not positive definite).

    >>> round(r2_from_correlation(np.array([[1.0, 0.5], [0.5, 1.0]]), "listwise"), 2)
    0.25
    """
    if missing == "pairwise" and not is_positive_definite(corr):
        corr = nearest_positive_definite(corr)
    return standardized_fit(corr[:-1, :-1], corr[:-1, -1])[1]
