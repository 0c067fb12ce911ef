"""The workbook behind the report: every table, a README sheet first, numbers typed and formatted.

:func:`workbook_sheets` turns the report's tables into sheets (labels in the report's
language, lists flattened, numbers kept as numbers); :func:`readme` writes the first sheet:
what each sheet holds, a dictionary of its columns with their units, and where each number
of the executive summary comes from (sheet, column, row); :func:`column_formats` gives each
column its Excel number format (percent for shares, one decimal for scores, thousands
separators for counts).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from drivers.messages import words
from drivers.report.numbers import ReportNumbers, label

#: Column name patterns -> (dictionary entry id, unit id, Excel number format); first match
#: wins. Shares are fractions of 1 (formatted as percent); scores are in percent points.
COLUMNS = (
    (r"^(share|importance)(_.*)?(_ci_(low|high))?$", "share", "fraction", "0.0%"),
    (r"^diff(_ci_(low|high))?$", "diff", "fraction", "0.0%"),
    (r"^p_(fix_first|maintain|monitor|possible_overinvestment)$", "p_quadrant", "fraction",
     "0.0%"),
    (r"^quadrant_probability$", "p_quadrant", "fraction", "0.0%"),
    (r"^gain(_ci_(low|high))?$", "gain", "points", "0.0"),
    (r"^gain_low_per_sd$", "gain_sd", "sd", "0.000"),
    (r"^(p_value|p_adjusted|noise_p)$", "p_value", "probability", "0.000"),
    (r"^(difference|score_(from|to|rest))$", "score", "points", "0.0"),
    (r"^(score|ci_low|ci_high)$", "score", "points", "0.0"),
    (r"^(promoters|passives|detractors|top_box|pct|row_pct|col_pct)$", "percent", "percent",
     "0.0"),
    (r"^(mean|mean_ci_low|mean_ci_high|performance.*)$", "mean", "scale", "0.00"),
    (r"^(n|n_.*|answered|dont_know|not_applicable|no_answer|refused|listwise|.*_n)$", "count",
     "respondents", "#,##0"),
    (r"^(rank.*|priority|tie_group.*)$", "rank", "rank", "0"),
    (r"^(vif.*|beta.*|r_.*|r|smd.*|se|.*_se|r2.*|cv_r2|adj_r2|max_vif)$", "coefficient",
     "none", "0.000"),
)

#: Where each number of the executive summary comes from: (message id of the number, sheet,
#: column, row).
SUMMARY_SOURCES = (
    ("summary.csat_box", "outcomes", "score, ci_low, ci_high", "outcome = {csat}"),
    ("summary.nps_box", "outcomes", "score, ci_low, ci_high", "outcome = {nps}"),
    ("summary.base_box", "drivers_attribute", "n_used (README: model_fit n)", "measure = n"),
    ("summary.top_drivers", "drivers_attribute", "share_{csat}, share_{nps}",
     "rank_{csat} / rank_{nps} = 1-3"),
    ("summary.actions_title", "first_actions", "importance, performance, quadrant", "1-3"),
)


def workbook_sheets(numbers: ReportNumbers, lang: str) -> dict[str, pd.DataFrame]:
    """The report's tables as sheets: plain values, labels in ``lang``, lists as text."""
    sheets = {}
    for name, table in numbers.tables.items():
        frame = table.copy()
        frame.attrs = {}
        for column in frame.columns:
            if frame[column].dtype == object:
                frame[column] = frame[column].map(
                    lambda v: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v)
        if "label" in frame.columns:
            key = next((c for c in ("driver", "attribute", "item", "column")
                        if c in frame.columns), None)
            if key is not None:
                # A data column holding an outcome is labelled as that outcome.
                named = ({o.column: n for n, o in numbers.study.outcomes.items()}
                         if key == "column" else {})
                frame["label"] = [label(numbers.study, named.get(str(v), str(v)), lang)
                                  for v in frame[key]]
        sheets[name] = frame  # write_table keeps long names unique within Excel's 31
    return sheets


def column_formats(sheets: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Excel number format of every numeric column of the sheets, by column name."""
    formats = {}
    for frame in sheets.values():
        for column in frame.select_dtypes("number").columns:
            found = _describe(str(column))
            if found is not None:
                formats[str(column)] = found[2]
    return formats


def readme(sheets: dict[str, pd.DataFrame], numbers: ReportNumbers, lang: str) -> pd.DataFrame:
    """The README sheet: sheets, their columns with meaning and unit, the summary's sources."""
    w = words(lang)
    rows = []
    if numbers.facts.get("sample"):   # first: every number below describes the sample
        rows.append({w("workbook.sheet"): "README", w("workbook.column"): "",
                     w("workbook.meaning"): w("workbook.sample", **numbers.facts["sample"]),
                     w("workbook.unit"): ""})
    for sheet, frame in sheets.items():
        rows.append({w("workbook.sheet"): sheet, w("workbook.column"): "",
                     w("workbook.meaning"): _sheet_text(w, sheet), w("workbook.unit"): ""})
        for column in frame.columns:
            found = _describe(str(column))
            meaning, unit = (w(f"workbook.columns.{found[0]}"), w(f"workbook.units.{found[1]}")) \
                if found else (w("workbook.columns.text"), "")
            rows.append({w("workbook.sheet"): sheet, w("workbook.column"): str(column),
                         w("workbook.meaning"): meaning, w("workbook.unit"): unit})
    for key, sheet, column, row in SUMMARY_SOURCES:
        params = {"csat": numbers.csat, "nps": numbers.nps}
        rows.append({w("workbook.sheet"): sheet, w("workbook.column"): column.format(**params),
                     w("workbook.meaning"): w("workbook.summary_number",
                                              number=_plain(w, key),
                                              row=row.format(**params)),
                     w("workbook.unit"): ""})
    return pd.DataFrame(rows)


def write_workbook(numbers: ReportNumbers, lang: str, path: str | Path) -> Path:
    """Write the workbook: README first, then every table, each column formatted."""
    from drivers.output import write_table

    sheets = workbook_sheets(numbers, lang)
    return write_table(sheets, path, formats=column_formats(sheets),
                       readme=readme(sheets, numbers, lang))


def _describe(column: str):
    for pattern, meaning, unit, number_format in COLUMNS:
        if re.match(pattern, column):
            return meaning, unit, number_format
    return None


def _sheet_text(w, sheet: str) -> str:
    for prefix in sorted(w.keys("workbook.sheets"), key=len, reverse=True):
        if sheet.startswith(prefix):
            return w(f"workbook.sheets.{prefix}")
    return ""


def _plain(w, key: str) -> str:
    text = w.raw(key)
    return re.sub(r"\{[^}]*\}", "", text).strip(" ()（）-")
