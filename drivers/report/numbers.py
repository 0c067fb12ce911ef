"""The numbers of the report, computed once: the single source of the PDF, workbook and deck.

:func:`compute_report` runs every analysis the report shows and returns a
:class:`ReportNumbers`: the tables (the workbook's sheets) and the headline facts. Nothing here
writes text or lays anything out; :mod:`drivers.report.pages` words the numbers and the
renderers (:mod:`drivers.report.typst`, :mod:`drivers.report.workbook`,
:mod:`drivers.report.deck`) place them.

The analysis is the package's own: :func:`drivers.metrics.outcome_table` for CSAT and NPS
with intervals, :func:`drivers.analysis.compare` for the drivers of both outcomes side by side
(paired bootstrap), :func:`drivers.priority.priority_matrix` and
:func:`drivers.priority.action_table` for where to act, :func:`drivers.relationship.relationship`
for how CSAT and NPS part.

The base of the driver analysis: the respondents to whom every attribute block applied
(nobody with a "not applicable" code on any attribute: in the bank loan case, those who talked
to a human agent and so answered the SX block), with "don't know" and blank answers handled
pairwise. Outcome scores (CSAT, NPS) use every respondent.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from drivers.actions import first_actions
from drivers.analysis import one_outcome
from drivers.metrics import natural_levels
from drivers.study import Study

__all__ = ["ReportNumbers", "compute_report", "first_actions", "report_base"]

#: Resamples behind each segment's priority matrix (its quadrant probabilities): fewer than
#: the report's, as segments are many; 200 put a probability of 0.9 within about +-0.04.
SEGMENT_BOOTSTRAP = 200


@dataclass
class ReportNumbers:
    """Everything the report shows, computed once.

    Attributes
    ----------
    study, base : Study
        The survey and the driver base (see :func:`report_base`).
    csat, nps : str
        The names of the CSAT and the likelihood-to-recommend outcomes.
    tables : dict of str -> DataFrame
        Every table behind the report (the workbook's sheets, by sheet name).
    facts : dict
        Headline facts: outcomes, base sizes, scores, top drivers, the first actions.
    findings : list of (str, dict)
        Diagnostic findings a reader should see, as a message id of the catalogs
        (``findings.*``) and its parameters, so each language words them itself.
    warnings : list of str
        The analysis' own warnings (English, for the command line and the notebook).
    """

    study: Study
    base: Study
    csat: str
    nps: str
    bootstrap: int
    seed: int | None
    tables: dict[str, pd.DataFrame]
    facts: dict
    relation: object
    advice: object
    findings: list[tuple[str, dict]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ces: str | None = None

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The outcomes whose drivers the report shows: CSAT, NPS and CES when there is one."""
        return (self.csat, self.nps) + ((self.ces,) if self.ces else ())

    def importance(self, name: str, level: str = "attribute") -> pd.DataFrame:
        """One outcome's importance table at ``level`` (see :func:`outcome_importance`)."""
        return outcome_importance(self.tables, name, level)


# ---------------------------------------------------------------------- the base
def report_base(study: Study) -> tuple[Study, dict]:
    """The driver base of the report: the package's one base, :func:`drivers.analysis.driver_base`.

    >>> import drivers
    >>> base, facts = report_base(drivers.load_study(drivers.bank_loan_study_file()))
    >>> facts["n"], facts["total"], facts["not_applicable"], facts["dimensions"]
    (1339, 2000, 650, ['SX'])
    """
    from drivers.analysis import driver_base

    return driver_base(study)


def outcome_pair(study: Study) -> tuple[str, str]:
    """The study's CSAT outcome and its likelihood-to-recommend (NPS) outcome, by kind."""
    csat = next((n for n, o in study.outcomes.items() if o.kind == "csat"), None)
    nps = next((n for n, o in study.outcomes.items() if o.kind == "nps"), None)
    if csat is None or nps is None:
        kinds = ", ".join(f"{n} ({o.kind})" for n, o in study.outcomes.items())
        raise ValueError("a report needs a CSAT outcome (kind: csat) and a likelihood-to-"
                         f"recommend outcome (kind: nps); the study has {kinds}")
    return csat, nps


# ---------------------------------------------------------------------- computing
class Steps:
    """Progress lines on standard error: ``drivers report [3/8] drivers by attribute``."""

    def __init__(self, names: list[str], show: bool):
        self.names, self.show, self.i, self.start = names, show, 0, time.perf_counter()

    def __call__(self) -> None:
        self.i += 1
        if self.show:
            took = time.perf_counter() - self.start
            print(f"drivers report [{self.i}/{len(self.names)}] {self.names[self.i - 1]} "
                  f"({took:.0f} s)", file=sys.stderr, flush=True)


def outcome_importance(tables: dict, name: str, level: str = "attribute") -> pd.DataFrame:
    """One outcome's importance table: out of the CSAT-and-NPS comparison, or CES's own."""
    paired = tables[f"drivers_{level}"]
    if f"share_{name}" in paired.columns:
        return one_outcome(paired, name)
    return tables[f"ces_drivers_{level}"]


def compute_report(study: Study, bootstrap: int = 1000, seed: int | None = 1,
                   lang: str = "en", progress: bool = False, n_jobs: int = 2,
                   step: Callable[[], None] | None = None, sample=None) -> ReportNumbers:
    """Run every analysis of the report once (see :func:`drivers.report.build_report`).

    Returns the tables (``.tables``, the workbook's sheets), the headline facts (``.facts``)
    and the diagnostic findings without writing anything. ``lang`` only chooses the language
    of the label columns of the tables. ``sample`` (a :class:`drivers.filesample.FileSample`
    whose ``study`` is ``study``) says that the respondents are a random sample of a big
    file: ``facts["sample"]`` then holds its size, the file's rows, the file and the seed,
    and the data-quality table counts the whole file's rows.
    """
    from drivers.actions import expected_gains
    from drivers.analysis import DriverAnalysis, compare_pairs
    from drivers.changes import importance_changes, segment_differences, wave_changes
    from drivers.diagnostics import regression_diagnostics
    from drivers.messages import words
    from drivers.metrics import attribute_performance, dimension_performance, outcome_table
    from drivers.priority import (
        action_table,
        performance_resamples,
        performance_values,
        priority_matrix,
        segment_priorities,
        wave_movement,
    )
    from drivers.relationship import relationship

    step = step or Steps(words(lang).raw("steps"), progress)
    bars = bool(progress) and sys.stderr.isatty()
    csat, nps = outcome_pair(study)
    pair = (csat, nps)
    # CES, when the study measures it, gets the same drivers, matrix, actions and gains.
    ces = next((n for n, o in study.outcomes.items() if o.kind == "ces"), None)
    shown = pair + ((ces,) if ces else ())
    step()
    base, base_facts = report_base(study)
    tables: dict[str, pd.DataFrame] = {}
    tables["outcomes"] = outcome_table(study)
    if study.wave_column:
        tables["outcomes_by_wave"] = outcome_table(study, by=study.wave_column)
    segments = [s for s in study.segment_columns if s != study.wave_column]
    for segment in segments:
        tables[f"outcomes_by_{segment}"] = outcome_table(study, by=segment)
    tables["attribute_performance"] = attribute_performance(base, lang=lang)
    tables["dimension_performance"] = dimension_performance(base, lang=lang)

    options = {"bootstrap": int(bootstrap), "seed": seed,
               "missing": "pairwise", "n_jobs": n_jobs, "progress": bars}
    # CES, paired with CSAT, comes from the same joint bootstrap (one sweep decomposes every
    # outcome); only its own side is kept.
    pairs = [pair] + ([(ces, csat)] if ces else [])
    for level in ("dimension", "attribute"):
        step()
        compared = compare_pairs(base, pairs, level=level, **options)
        table = tables[f"drivers_{level}"] = compared[pair]
        for name in pair:  # the tie groups, for the workbook too
            tied = one_outcome(table, name)
            for column in ("tie_group", "tied_with_top"):
                if column in tied.columns:
                    table[f"{column}_{name}"] = tied[column].to_numpy()
        if ces:
            tables[f"ces_drivers_{level}"] = one_outcome(compared[ces, csat], ces)

    step()
    scales = {a.scale for a in base.attributes.values()}
    scale = scales.pop() if len(scales) == 1 else None
    kind = "mean" if scale is not None else "top_box"
    attrs = base.attribute_columns
    performance = performance_values(base.data[attrs], base.weights, kind, scale or (1, 5))
    dimension_of = {a: base.dimension_of(a) for a in attrs}
    actions = {}
    for name in shown:
        importance = outcome_importance(tables, name)
        samples = None
        if "resamples" in importance.attrs:
            samples = performance_resamples(base.data[attrs], base.weights,
                                            importance.attrs["resamples"], kind, scale or (1, 5))
        matrix = priority_matrix(importance, performance, dimension=dimension_of,
                                 scale=scale if kind == "mean" else (0.0, 100.0),
                                 performance_samples=samples)
        matrix.attrs.update({"outcome": name, "level": "attribute", "performance_kind": kind})
        tables[f"priority_{name}"] = matrix
        actions[name] = action_table(matrix, base, lang)
        tables[f"actions_{name}"] = actions[name]
    # The first actions by the stated rule of drivers.actions (quadrant probability and
    # expected gain); the gains, wave moves and segment gaps are tested numbers for the text.
    gains = {name: expected_gains(base, name, bootstrap=int(bootstrap), seed=seed,
                                  n_jobs=n_jobs, progress=bars) for name in shown}
    for name in shown:
        tables[f"gains_{name}"] = gains[name]
    # The executive summary's actions are for its two outcomes, CSAT and NPS; CES has its
    # own section and action list.
    tables["first_actions"] = first_actions({name: actions[name] for name in pair},
                                            {name: gains[name] for name in pair})
    if study.wave_column and study.data[study.wave_column].nunique() >= 2:
        tables["wave_changes"] = wave_changes(study, between="first_last")
    if segments:
        tables["segment_differences"] = segment_differences(study, by=segments)

    step()
    relation = relationship(study, csat=csat, nps=nps)
    # Named by their labels, so the advice reads in words rather than column names.
    named = {key: one_outcome(tables["drivers_attribute"], name).assign(
        driver=lambda t: [label(base, d, lang) for d in t["driver"]])
        for key, name in (("csat", csat), ("nps", nps))}
    advice = relation.advice(importance=named)
    tables["relation_correlation"] = relation.correlation
    tables["relation_crosstab"] = relation.crosstab
    tables["divergent_groups"] = relation.divergent
    tables["divergent_profiles"] = relation.profiles
    tables["divergent_segment_mix"] = relation.segment_mix
    if relation.by_wave is not None:
        tables["relation_by_wave"] = relation.by_wave

    step()
    fits, vifs, warnings, findings = [], [], [], []
    for name in pair:
        model = DriverAnalysis(name, missing="pairwise", n_jobs=1).fit(base)
        complete = regression_diagnostics(base.data, base.outcome(name).column, attrs,
                                          weights=base.weight_column)
        diagnostics = model.diagnostics_
        fits.append(pd.Series({
            "n": model.n_used_, "r2": model.r2_, "adj_r2": model.adj_r2_,
            "cv_r2": complete.attrs["cv_r2"], "cv_n": complete.attrs["n"],
            "max_vif": float(diagnostics["vif"].max()),
            "condition_number": diagnostics.attrs.get(
                "condition_number", model.importance_.attrs.get("condition_number"))},
            name=name))
        vif = diagnostics.set_index("driver")[["vif", "beta", "r", "sign_reversal"]]
        vifs.append(vif.add_suffix(f"_{name}"))
        findings += model_findings(diagnostics, model.n_used_, name, base, lang)
        warnings += [f"{name.upper()}: {w}" for w in model.warnings_]
        warnings += [f"{name.upper()} (complete cases): {w}"
                     for w in complete.attrs.get("warnings", [])]
    fit = pd.concat(fits, axis=1).reset_index().rename(columns={"index": "measure"})
    fit[list(pair)] = fit[list(pair)].astype(float)
    tables["model_fit"] = fit
    vif_table = pd.concat(vifs, axis=1).reset_index()
    vif_table.insert(1, "label", [label(base, d, lang) for d in vif_table["driver"]])
    vif_table.insert(2, "dimension", [base.dimension_of(d) for d in vif_table["driver"]])
    tables["model_vif"] = vif_table
    listwise = int(base.data[attrs].notna().all(axis=1).sum())
    warnings += [w for w in tables["drivers_attribute"].attrs.get("warnings", [])]
    sampled = sample is not None and sample.sampled
    tables["data_quality"] = _data_quality(study, lang, sample.quality if sampled else None)

    step()
    if segments:
        by = segments[0]
        try:
            with _quiet():  # both outcomes' segment cells share the processes
                matrices = segment_priorities(
                    base, pair, by=by, level="attribute", performance=kind,
                    missing="pairwise", seed=seed, n_jobs=n_jobs,
                    bootstrap=min(int(bootstrap), SEGMENT_BOOTSTRAP))
            for name in pair:
                tables[f"segment_priority_{name}"] = matrices[name]
        except ValueError as error:  # no segment large enough: no segment matrices
            for name in pair:
                warnings.append(f"{name.upper()} priority matrices by {by}: {error}")
                findings.append(("findings.segment_small", {"o": name, "s": by}))
    if study.wave_column and base.data[study.wave_column].nunique() >= 2:
        for name in pair:
            tables[f"wave_movement_{name}"] = wave_movement(
                base, name, level="dimension", performance=kind, missing="pairwise", seed=seed)
            # The moves the chart shows, tested: each dimension's share, first against last.
            tables[f"importance_changes_{name}"] = importance_changes(
                base, name, level="dimension", bootstrap=int(bootstrap), seed=seed,
                missing="pairwise", n_jobs=n_jobs, progress=bars)

    facts = _facts(study, base, base_facts, tables, pair, bootstrap, seed, listwise)
    facts["sample"] = {"n": sample.n, "total": sample.total, "file": sample.path.name,
                       "seed": sample.seed} if sampled else None
    return ReportNumbers(study=study, base=base, csat=csat, nps=nps, bootstrap=int(bootstrap),
                         seed=seed, tables=tables, facts=facts, relation=relation,
                         advice=advice, findings=findings,
                         warnings=list(dict.fromkeys(warnings)), ces=ces)


class _quiet:
    """Silence the "segment too small" warnings of study_priority (the table says so)."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", UserWarning)

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


def label(study: Study, name: str, lang: str) -> str:
    from drivers.style import label_for

    return label_for(study, name, lang)


def _data_quality(study: Study, lang: str, account: dict | None = None) -> pd.DataFrame:
    """Answered and missing (by reason) per rated column, all respondents; with
    ``account`` (a big file's row account, :attr:`drivers.filesample.FileSample.quality`)
    every row of the file."""
    columns = [o.column for o in study.outcomes.values()] + study.attribute_columns
    if account is None:
        account = {column: {"answered": int(study.data[column].notna().sum()),
                            **(study.missing[column].value_counts().to_dict()
                               if column in study.missing else {})} for column in columns}
    reasons = sorted({r for c in columns for r, n in account[c].items()
                      if r != "answered" and n})
    names = {o.column: n for n, o in study.outcomes.items()}
    rows = []
    for column in columns:
        row = {"column": column, "label": label(study, names.get(column, column), lang),
               "answered": int(account[column]["answered"])}
        for reason in reasons:
            row[reason] = int(account[column].get(reason, 0))
        rows.append(row)
    return pd.DataFrame(rows)


def _facts(study, base, base_facts, tables, pair, bootstrap, seed, listwise) -> dict:
    csat, nps = pair
    outcomes = tables["outcomes"].set_index("outcome")
    drivers_dim = tables["drivers_dimension"]
    drivers_attr = tables["drivers_attribute"]

    def top(table, name, k):
        order = table.sort_values(f"rank_{name}", kind="mergesort")
        return order["driver"].head(k).tolist()

    facts = {
        "outcomes": pair, "title": study.title, "n": len(study.data),
        "weighted": study.weight_column is not None, "base": base_facts,
        "n_used": int(drivers_attr.attrs["n_used"]), "listwise": listwise,
        "bootstrap": int(bootstrap), "seed": seed,
        "waves": natural_levels(study.data[study.wave_column]) if study.wave_column else [],
        "top_dimension": {o: top(drivers_dim, o, 1)[0] for o in pair},
        "top_attributes": {o: top(drivers_attr, o, 3) for o in pair},
        "first_actions": tables["first_actions"]["attribute"].tolist(),
    }
    for name in pair:
        row = outcomes.loc[name]
        facts[name] = {k: float(row[k]) for k in ("score", "ci_low", "ci_high")}
        facts[name]["n"] = int(row["n"])
    if "outcomes_by_wave" in tables and len(facts["waves"]) >= 2:
        by_wave = tables["outcomes_by_wave"]
        wave = study.wave_column
        for name in pair:
            scores = by_wave[by_wave["outcome"] == name].set_index(wave)["score"]
            facts[name]["trend"] = {str(w): float(scores[w]) for w in facts["waves"]}
    return facts




def model_findings(diagnostics: pd.DataFrame, n: int, outcome: str, study: Study,
                   lang: str) -> list[tuple[str, dict]]:
    """What a reader must know about a driver model, as message ids and parameters.

    The thresholds are those of :func:`drivers.diagnostics.fit_warnings` (imported, not
    repeated): VIF above 5 (caution) and 10 (severe), condition number above 30, a
    coefficient whose sign disagrees with the correlation, fewer respondents than
    ``max(50 + 8 p, 10 p)`` (Green 1991).

    Examples
    --------
    >>> table = pd.DataFrame({"driver": ["a", "b"], "vif": [12.0, 1.2], "beta": [.3, -.1],
    ...                       "r": [.5, .2], "sign_reversal": [False, True]})
    >>> [key for key, _ in model_findings(table, 40, "csat", None, "en")]
    ['findings.severe_collinearity', 'findings.sign_reversal', 'findings.small_sample']
    """
    from drivers.diagnostics import CONDITION_LIMIT, VIF_CAUTION, VIF_SEVERE

    def names(rows):
        return [label(study, d, lang) if study is not None else d for d in rows["driver"]]

    out = []
    severe = diagnostics[diagnostics["vif"] > VIF_SEVERE]
    caution = diagnostics[(diagnostics["vif"] > VIF_CAUTION) & (diagnostics["vif"] <= VIF_SEVERE)]
    if len(severe):
        out.append(("findings.severe_collinearity", {"o": outcome, "limit": VIF_SEVERE,
                                                     "names": names(severe)}))
    if len(caution):
        out.append(("findings.collinearity", {"o": outcome, "limit": VIF_CAUTION,
                                              "names": names(caution)}))
    kappa = diagnostics.attrs.get("condition_number")
    if kappa is not None and kappa > CONDITION_LIMIT:
        out.append(("findings.condition", {"o": outcome, "value": kappa,
                                           "limit": CONDITION_LIMIT}))
    reversed_ = diagnostics[diagnostics["sign_reversal"].astype(bool)]
    if len(reversed_):
        out.append(("findings.sign_reversal", {"o": outcome, "names": names(reversed_)}))
    p = len(diagnostics)
    needed = max(50 + 8 * p, 10 * p)
    if n < needed:
        out.append(("findings.small_sample", {"o": outcome, "n": int(n), "p": p,
                                              "needed": needed}))
    return out
