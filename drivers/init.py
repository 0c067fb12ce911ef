"""A starter study file for a survey export (``drivers init EXPORT``).

Every user would otherwise write by hand the file that maps each column of an export to a role,
a dimension and a scale. :func:`starter_study` reads the export and guesses: the respondent id,
weight, wave and segment columns (by name and by values: unique ids, positive non-integer
weights, few distinct levels), the outcomes (satisfaction / 满意 / CSAT, recommend / 推荐 / NPS,
effort / 费力 / CES, from names and question texts), each rating's scale (from its values, its
SPSS labels or its answer texts such as 非常满意 ... 非常不满意), the missing codes (97/98/99,
9 beside a 1-5 scale, markers such as "(跳过)") and the dimensions (BX/PX/SX/EX when the column
prefixes or texts say so, otherwise one group per prefix for the user to rename). Each guess
carries a YAML comment saying what it rests on. ``drivers validate`` then passes or lists what
to fix.

>>> import tempfile, shutil, pathlib
>>> from drivers.paths import bank_loan_study_file
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> export = shutil.copy(bank_loan_study_file().parent / "survey.csv", folder)
>>> text = starter_study(export)
>>> "csat:" in text and "BX:" in text and "weight: weight" in text
True
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from drivers.readers import READERS, TableMeta, read_table
from drivers.reasons import USUAL_CODE_REASONS, normalize_text, reason_for_label, suspect_codes
from drivers.study import DEFAULT_DIMENSIONS, DataWarning, StudyError

#: Chinese names of the default dimensions.
DIMENSION_LABELS_ZH = {"BX": "品牌体验", "PX": "产品体验", "SX": "服务体验", "EX": "员工体验"}

#: Answer ladders recognised in text answers: scale and text -> point (English and Chinese).
LADDERS = [
    ((1, 5), {"非常不满意": 1, "不满意": 2, "比较不满意": 2, "不太满意": 2, "一般": 3,
              "满意": 4, "比较满意": 4, "非常满意": 5}),
    ((1, 5), {"very dissatisfied": 1, "dissatisfied": 2, "somewhat dissatisfied": 2,
              "neither satisfied nor dissatisfied": 3, "neutral": 3, "satisfied": 4,
              "somewhat satisfied": 4, "very satisfied": 5, "extremely satisfied": 5}),
    ((1, 5), {"非常不同意": 1, "不同意": 2, "比较不同意": 2, "一般": 3, "中立": 3,
              "同意": 4, "比较同意": 4, "非常同意": 5}),
    ((1, 5), {"strongly disagree": 1, "disagree": 2, "neither agree nor disagree": 3,
              "neutral": 3, "agree": 4, "strongly agree": 5}),
    ((1, 7), {"非常困难": 1, "困难": 2, "比较困难": 3, "一般": 4, "比较容易": 5, "容易": 6,
              "非常容易": 7}),
    ((1, 7), {"very difficult": 1, "difficult": 2, "somewhat difficult": 3,
              "neither easy nor difficult": 4, "somewhat easy": 5, "easy": 6, "very easy": 7}),
    ((1, 7), {"strongly disagree": 1, "disagree": 2, "somewhat disagree": 3,
              "neither agree nor disagree": 4, "somewhat agree": 5, "agree": 6,
              "strongly agree": 7}),
]

_OUTCOME_WORDS = {
    "nps": r"recommend|\bnps\b|likel|\bltr\b|推荐|介绍给",
    "csat": r"csat|satisf|满意",
    "ces": r"\bces\b|effort|\bease\b|easy|费力|省力|容易|难易",
}
_OVERALL = r"overall|总体|整体|综合|\bosat\b"
_ID_NAME = re.compile(r"^(respondent|response|resp|case|record|user)?[ _]?id$|^序号$|^编号$|"
                      r"^答卷编号$|^id$", re.IGNORECASE)
_WEIGHT_NAME = re.compile(r"weight|^wt$|^wgt|权重|加权", re.IGNORECASE)
_WAVE_NAME = re.compile(r"wave|period|quarter|round|^year|期数|调查期|季度|批次|轮次", re.IGNORECASE)
_WAVE_VALUE = re.compile(r"^(\d{4}\s*-?\s*[qQhHmM]\d{1,2}|[wW]\d+|wave\s*\d+|\d{4}年.+)$")
_SEGMENT_NAME = re.compile(
    r"^(channel|region|product|segment|gender|sex|age|city|province|branch|store|"
    r"source|type|group|tier)(_\w+)?$|^.{0,4}(渠道|地区|区域|产品|性别|年龄|城市|省份|网点|来源|"
    r"类型|分组|客群)$", re.IGNORECASE)
_DIMENSION_WORDS = {"BX": r"品牌|brand", "PX": r"产品|product", "SX": r"服务|客服|service|agent",
                    "EX": r"员工|工作人员|staff|employee"}


@dataclass
class _Column:
    """What the values of one column say about it."""

    name: str
    label: str = ""
    kind: str = "other"  # rated, category, id, weight, text, other
    scale: tuple[int, int] | None = None
    codes: list[float] = field(default_factory=list)
    code_reasons: dict[float, str] = field(default_factory=dict)
    markers: dict[str, str] = field(default_factory=dict)
    answers: dict[str, int] = field(default_factory=dict)
    levels: int = 0
    why: str = ""


@dataclass
class ColumnValues:
    """What the guesses read of one column: its non-blank values (one per row, or each
    distinct value once with ``counts`` the rows holding it), its blank rows, its distinct
    values (``levels``) and the pandas dtype it is read with. Built from a DataFrame column
    (:meth:`of`) or, for an export larger than memory, from SQL value lists
    (:mod:`drivers.fileinit`)."""

    present: pd.Series
    blanks: int
    levels: int
    dtype: object
    counts: np.ndarray | None = None

    @classmethod
    def of(cls, values: pd.Series) -> ColumnValues:
        present = values.dropna()
        return cls(present=present, blanks=int(len(values) - len(present)),
                   levels=int(present.nunique()), dtype=values.dtype)

    def weights(self) -> np.ndarray:
        """Rows behind each value of ``present``."""
        return np.ones(len(self.present)) if self.counts is None else self.counts


def starter_study(export: str | Path, out: str | Path | None = None,
                  engine: str = "auto") -> str:
    """The text of a starter study file (YAML with a comment on every guess) for an export.

    Parameters
    ----------
    export : str or Path
        The survey export (.csv, .xlsx, .sav, .parquet).
    out : str or Path, optional
        Where the study file will be written (for its relative ``data:`` path); default
        ``study.yaml`` beside the export.

    Returns
    -------
    str
        The study file's text.

    Other Parameters
    ----------------
    engine : {"auto", "pandas", "duckdb"}
        How the export is read: "duckdb" reads a .parquet or .csv as SQL value lists
        without holding its rows (:func:`drivers.fileinit.file_values`); "auto" (default)
        takes it for an export above the one size threshold (:func:`drivers.big.is_big`).
    """
    from drivers.fileinit import file_values, use_duckdb_for

    export = Path(export)
    out = Path(out) if out is not None else export.parent / "study.yaml"
    if use_duckdb_for(export, engine):
        views, n_rows, meta = file_values(export)
    else:
        frame, meta = read_table(export)
        views = {name: ColumnValues.of(frame[name]) for name in frame.columns}
        n_rows = len(frame)
    for warning in meta.warnings:
        warnings.warn(warning, DataWarning, stacklevel=2)
    columns = {name: _profile(view, name, meta) for name, view in views.items()}
    roles = _roles(views, columns, n_rows)
    outcomes = _outcomes(columns, roles)
    attributes = [c for c in columns.values() if c.kind == "rated"
                  and c.name not in {o.name for o, _k, _w in outcomes}
                  and c.name not in roles.values()]
    return _write(export, out, list(views), meta, columns, roles, outcomes, attributes)


def write_starter_study(export: str | Path, out: str | Path | None = None,
                        engine: str = "auto") -> Path:
    """Write :func:`starter_study` to ``out`` (default ``study.yaml`` beside the export).

    Never overwrites: an existing file, or the export itself, is refused.
    """
    from drivers.output import atomic_write, check_output

    export = Path(export)
    out = Path(out) if out is not None else export.parent / "study.yaml"
    if not export.is_file():
        raise StudyError("export not found (expected a survey export file)", export)
    check_output(out, [export], (".yaml", ".yml"), label="--out")
    if out.exists():
        raise StudyError("already exists and is never overwritten; choose another name with "
                         "--out or remove it yourself", out)
    text = starter_study(export, out, engine)
    return atomic_write(out, lambda tmp: tmp.write_bytes(text.encode("utf-8")))


# ---- what each column is ----------------------------------------------------------------
def _profile(values: ColumnValues, name: str, meta: TableMeta) -> _Column:
    column = _Column(name=name, label=_one_line(meta.column_labels.get(name, "")))
    present = values.present
    column.levels = values.levels
    if present.empty:
        column.why = "empty"
        return column
    numbers = pd.to_numeric(present, errors="coerce")
    texts = present[numbers.isna()].astype(str)
    numbers = numbers.dropna().astype(float)
    for text in pd.unique(texts):
        key = normalize_text(text)
        if not key:
            continue
        reason = reason_for_label(key)
        if reason is not None:
            column.markers[str(text)] = reason
    answer_texts = {normalize_text(t): t for t in pd.unique(texts)
                    if normalize_text(t) and str(t) not in column.markers}
    labels = meta.value_labels.get(name, {})
    column.code_reasons = {code: reason_for_label(label) for code, label in labels.items()
                           if isinstance(code, float) and reason_for_label(label) is not None}
    coded = set(column.code_reasons)
    if answer_texts:
        ladder = _ladder(set(answer_texts))
        if ladder is None:
            column.kind = "category" if len(answer_texts) <= 12 else "text"
            return column
        scale, points = ladder
        column.answers = {answer_texts[k]: points[k] for k in answer_texts}
        column.kind, column.scale = "rated", scale
        column.why = f"answer texts of a {scale[0]}-{scale[1]} scale"
    codes = sorted(set(suspect_codes(numbers)) | (coded & set(numbers.unique())))
    valid = numbers[~numbers.isin(codes)]
    column.codes = codes
    if column.kind == "rated" or valid.empty:
        return column
    whole = bool(np.all(np.floor(valid) == valid))
    if not whole:
        column.kind = "other"
        return column
    labelled = sorted(c for c, lab in labels.items() if isinstance(c, float) and c not in coded)
    named = {normalize_text(labels[c]) for c in labelled}
    if len(labelled) >= 2 and _ladder(named) is None and not any(
            re.match(r"^-?\d", text) for text in named):
        column.kind = "category"  # codes named Mobile app, Branch ...: a segment
        column.why = "coded values with labels"
        return column
    low, high = (labelled[0], labelled[-1]) if len(labelled) >= 3 else (valid.min(), valid.max())
    scale = _snap(low, high)
    if scale is not None and valid.nunique() >= 3:
        column.kind, column.scale = "rated", scale
        column.why = (f"scale {scale[0]}-{scale[1]} from its value labels" if len(labelled) >= 3
                      else f"scale {scale[0]}-{scale[1]} from its values "
                           f"({valid.min():g}-{valid.max():g} seen)")
    else:
        column.kind = "category" if column.levels <= 12 else "other"
    return column


def _ladder(texts: set[str]):
    for scale, points in LADDERS:
        if texts <= set(points):
            return scale, points
    return None


def _snap(low: float, high: float) -> tuple[int, int] | None:
    """The usual scale holding the values seen (1-5, 1-7, 1-10, 0-10)."""
    if low < 0 or high > 11:
        return None
    if low == 0:
        return (0, 10) if high > 5 else (0, int(high))
    for top in (5, 7, 10):
        if high <= top:
            return (1, top)
    return (1, int(high))


def _roles(views: dict[str, ColumnValues], columns: dict[str, _Column], n: int
           ) -> dict[str, str]:
    """id, weight and wave columns (name first, then values)."""
    roles: dict[str, str] = {}
    for name, column in columns.items():
        if "id" not in roles and _ID_NAME.search(name) and column.levels == n:
            roles["id"] = name
    if "id" not in roles:
        for name, column in columns.items():
            dtype = views[name].dtype
            if column.levels == n and not views[name].blanks and column.kind != "rated" and (
                    pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
                    or pd.api.types.is_integer_dtype(dtype)):
                roles["id"] = name
                break
    for name, column in columns.items():
        if name in roles.values():
            continue
        view = views[name]
        numbers = pd.to_numeric(view.present, errors="coerce")
        positive = not view.blanks and numbers.notna().all() and bool((numbers > 0).all())
        rows = view.weights()
        fractional = positive and float(np.sum(rows * (numbers != np.floor(numbers)))
                                         / rows.sum()) > 0.5
        if "weight" not in roles and positive and (_WEIGHT_NAME.search(name) or fractional):
            roles["weight"] = name
            column.kind = "weight"
            column.why = "its name" if _WEIGHT_NAME.search(name) else "positive non-integers"
        elif "wave" not in roles and column.levels <= 24 and column.kind != "rated" and (
                _WAVE_NAME.search(name) or view.present.astype(str).str.match(
                    _WAVE_VALUE).all()):
            roles["wave"] = name
            column.why = "its name" if _WAVE_NAME.search(name) else "values such as 2026Q1"
    for name, column in columns.items():
        if name in roles.values():
            continue
        if (_SEGMENT_NAME.search(_question_stripped(name)) and 2 <= column.levels <= 24
                and column.kind == "rated" and not column.answers):
            column.kind = "category"  # a coded segment (region 1-4), not a rating
    return roles


def _question_stripped(name: str) -> str:
    """A column name without its question number ("Q3.渠道" -> "渠道")."""
    return re.sub(r"^[A-Za-z]*\d+[.、_:：]\s*", "", str(name))


def _outcomes(columns: dict[str, _Column], roles: dict[str, str]):
    """[(column, kind, why)] for CSAT, NPS and CES, recognised from names and texts."""
    rated = [c for c in columns.values() if c.kind == "rated" and c.name not in roles.values()]
    prefixes = pd.Series([_prefix(c.name) for c in rated]).value_counts()
    found, used = [], set()
    for kind in ("nps", "csat", "ces"):
        best, best_score = None, 0
        for column in rated:
            if column.name in used:
                continue
            words = f"{column.name} {column.label}".lower()
            if not re.search(_OUTCOME_WORDS[kind], words):
                continue
            if kind == "nps" and column.scale != (0, 10):
                continue
            score = 1
            if normalize_text(column.name) in (kind, "satisfaction", "overall", "recommend",
                                               "effort", "likelihood"):
                score = 3
            elif re.search(_OVERALL, words):
                score = 2
            prefix = _prefix(column.name)
            if score == 1 and prefix is not None and prefixes.get(prefix, 0) > 2:
                continue  # one of a battery of attributes, not the overall question
            if score > best_score:
                best, best_score = column, score
        if best is not None:
            used.add(best.name)
            in_name = re.search(_OUTCOME_WORDS[kind], str(best.name).lower())
            source = "its name" if in_name else "its question text"
            found.append((best, kind, f"recognised from {source}"))
    return found


def _prefix(name: str) -> str | None:
    """The group a column name belongs to: 'bx' of bx_trust, 'Q5' of Q5_1, '4、品牌' of
    '4、品牌—信任'."""
    match = re.match(r"^([A-Za-z]+\d*)[_.\-]", name)
    if match:
        return match.group(1)
    for separator in ("—", "_", "-", "：", ":", "|"):
        if separator in name:
            head = name.split(separator, 1)[0].strip()
            return head or None
    return None


def _dimension_name(prefix: str | None, names: list[str], labels: list[str]) -> tuple[str, str]:
    """BX/PX/SX/EX when the prefix says so or most members' names or texts mention it."""
    if prefix is not None and prefix.upper() in DEFAULT_DIMENSIONS:
        return prefix.upper(), f"from the column prefix {prefix}_"
    if prefix is None:
        return "OTHER", "columns without a shared prefix: move each to its dimension"
    texts = [f"{name} {label}".lower() for name, label in zip(names, labels, strict=True)]
    counts = {dimension: sum(bool(re.search(words, text)) for text in texts)
              for dimension, words in _DIMENSION_WORDS.items()}
    best = max(counts, key=counts.get)
    if counts[best] > len(texts) / 2 and list(counts.values()).count(counts[best]) == 1:
        word = _DIMENSION_WORDS[best].replace("|", "/")
        return best, f"most of its columns mention {word} ({counts[best]} of {len(texts)})"
    safe = re.sub(r"\W+", "_", prefix).strip("_") or "GROUP"
    return safe.upper(), (f"named from the column prefix {prefix!r}: rename it (BX brand, PX "
                          f"product, SX service, EX employee, or your own) and label it")


# ---- the text -------------------------------------------------------------------------------
def _write(export: Path, out: Path, names: list, meta: TableMeta,
           columns: dict[str, _Column], roles: dict[str, str], outcomes, attributes) -> str:
    lines = [f"# Starter study file written by `drivers init` for {export.name}.",
             "# Every guess has a comment: check each, then run `drivers validate` on this file.",
             *(f"# warning: {warning}" for warning in meta.warnings),
             f"title: {_scalar(export.stem.replace('_', ' ').capitalize())}  # rename",
             ]
    relative = Path(os.path.relpath(export.resolve(), out.resolve().parent))
    lines.append(f"data: {_scalar(relative.as_posix())}")
    if relative.parts and relative.parts[0] == "..":
        lines.append("allow_outside_folder: true  # the export is not in this file's folder")
    for key, note in (("encoding", "study file encoding"), ("encoding", None),
                      ("delimiter", None), ("decimal", None), ("sheet", None),
                      ("header_row", None), ("header_rows", None)):
        said = meta.detected.get(key)
        if note or said is None or not _worth_pinning(key, said):
            continue
        value = said.split(" (")[0]
        value = {"comma": ",", "semicolon": ";", "tab": "tab", "pipe": "|",
                 "point": "."}.get(value, value) if key in ("delimiter", "decimal") else value
        if key in ("header_row", "header_rows"):
            value = int(value)
        lines.append(f"{key}: {_scalar(value)}  # detected")
    chinese = any(_has_chinese(str(name)) for name in names) or any(
        _has_chinese(c.label) for c in columns.values())
    for role in ("id", "weight", "wave"):
        if role in roles:
            column = columns[roles[role]]
            why = column.why or ("unique in every row" if role == "id" else "by its name")
            if role == "wave":
                why += f", {column.levels} waves"
            lines.append(f"{role}: {_scalar(roles[role])}  # {why}")
        else:
            lines.append(f"# {role}: none found")
    segments = [c for c in columns.values() if c.kind == "category"
                and c.name not in roles.values() and 2 <= c.levels <= 24]
    if segments:
        lines.append("segments:  # columns with few distinct values; drop any that is no segment")
        for column in segments:
            lines.append(f"  - {_scalar(column.name)}  # {column.levels} values")
    lines.append("second_language: zh  # Chinese labels go in label_zh" if chinese else
                 "# second_language: zh  # to give labels in Chinese as label_zh")
    lines += _codes_block(outcomes, attributes)
    lines += _value_labels_block(outcomes, attributes)
    lines.append("outcomes:")
    if not outcomes:
        lines.append("  # none recognised: name the overall satisfaction (kind: csat) and "
                     "recommendation (kind: nps) columns, e.g.")
        lines.append("  # csat: {column: q1, kind: csat, scale: [1, 5]}")
    order = ("csat", "nps", "ces")
    for column, kind, why in sorted(outcomes, key=lambda item: order.index(item[1])):
        lines.append(f"  {kind}:  # {why}; {column.why}")
        lines.append(f"    column: {_scalar(column.name)}")
        lines.append(f"    kind: {kind}")
        lines.append(f"    scale: [{column.scale[0]}, {column.scale[1]}]")
        lines.append(f"    label: {_scalar(_label(column))}  # add label_zh: for Chinese")
    scales = pd.Series([c.scale for c in attributes]).value_counts()
    common = scales.index[0] if len(scales) else (1, 5)
    lines.append(f"attribute_scale: [{common[0]}, {common[1]}]  # the most common scale of the "
                 f"attributes")
    lines.append("dimensions:")
    if not attributes:
        lines.append("  # no rating columns found besides the outcomes: list the attributes")
    groups: dict[str | None, list[_Column]] = {}
    for column in attributes:
        groups.setdefault(_prefix(column.name), []).append(column)
    named: dict[str, tuple[str, list[_Column]]] = {}
    for prefix, members in groups.items():
        name, why = _dimension_name(prefix, [c.name for c in members],
                                    [c.label for c in members])
        if name in named:
            named[name] = (named[name][0], named[name][1] + members)
        else:
            named[name] = (why, members)
    for name in sorted(named, key=lambda n: (list(DEFAULT_DIMENSIONS).index(n)
                                             if n in DEFAULT_DIMENSIONS else 9, n)):
        why, members = named[name]
        lines.append(f"  {_scalar(name)}:  # {why}")
        lines.append(f"    label: {_scalar(DEFAULT_DIMENSIONS.get(name, name))}")
        if name in DIMENSION_LABELS_ZH:
            lines.append(f"    label_zh: {DIMENSION_LABELS_ZH[name]}")
        lines.append("    attributes:")
        for column in members:
            entry = f"      {_scalar(column.name)}:"
            settings = [f"label: {_scalar(_label(column))}"]
            note = ""
            if column.scale != common or column.answers:
                settings.append(f"scale: [{column.scale[0]}, {column.scale[1]}]")
                note = f"  # {column.why}"
            lines.append(f"{entry} {{{', '.join(settings)}}}{note}")
    ignored = [c.name for c in columns.values() if c.name not in roles.values()
               and c not in segments and c not in attributes
               and c.name not in {o.name for o, _k, _w in outcomes}]
    if ignored:
        lines.append(f"# not used: {', '.join(str(n) for n in ignored)}")
    return "\n".join(lines) + "\n"


def _label(column: _Column) -> str:
    """The question text, else the column name made readable (bx_promise_rate -> Promise rate)."""
    if column.label:
        return column.label
    name = column.name
    prefix = _prefix(name)
    if prefix is not None and prefix.upper() in DEFAULT_DIMENSIONS:
        name = name[len(prefix) + 1:]
    text = " ".join(name.replace("_", " ").split())
    return text[:1].upper() + text[1:] if text else column.name


def _worth_pinning(key: str, said: str) -> bool:
    """Write a detected reading setting down when it is not the default."""
    value = said.split(" (")[0]
    return not ((key == "encoding" and value in ("utf-8", "utf-8-sig"))
                or (key == "delimiter" and value == "comma")
                or (key == "decimal" and value == "point"))


def _codes_block(outcomes, attributes) -> list[str]:
    rated = [c for c, _k, _w in outcomes] + list(attributes)
    codes = sorted({code for c in rated for code in c.codes})
    markers: dict[str, str] = {}
    labelled: dict[float, str] = {}
    for column in rated:
        markers.update(column.markers)
        labelled.update(column.code_reasons)
    if not codes and not markers:
        return ["# missing_codes: none found (e.g. {98: dont_know, 99: not_applicable})"]
    lines = ["missing_codes:  # values outside the scales; reasons: not_applicable, dont_know, "
             "refused, no_answer"]
    for code in codes:
        if code in labelled:
            lines.append(f"  {code:g}: {labelled[code]}  # from the file's value label")
            continue
        reason = USUAL_CODE_REASONS.get(int(code), "no_answer")
        lines.append(f"  {code:g}: {reason}  # guessed from the usual convention; check your "
                     f"questionnaire")
    for text, reason in sorted(markers.items()):
        lines.append(f"  {_scalar(text)}: {reason}  # a text marker")
    return lines


def _value_labels_block(outcomes, attributes) -> list[str]:
    by_scale: dict[tuple[int, int], dict[str, int]] = {}
    for column in [c for c, _k, _w in outcomes] + list(attributes):
        if column.answers:
            by_scale.setdefault(column.scale, {}).update(column.answers)
    if not by_scale:
        return []
    lines = ["value_labels:  # answer texts -> scale points, recognised from their wording"]
    for scale, answers in by_scale.items():
        pairs = ", ".join(f"{_scalar(text)}: {point}" for text, point in
                          sorted(answers.items(), key=lambda item: -item[1]))
        lines.append(f"  \"{scale[0]}-{scale[1]}\": {{{pairs}}}")
    return lines


def _scalar(value) -> str:
    """A value as YAML writes it on one line, quoted where a flow mapping needs it."""
    text = yaml.safe_dump([value], allow_unicode=True, default_flow_style=True, width=1 << 30)
    return text.strip()[1:-1]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _has_chinese(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text or ""))


#: File endings drivers init reads.
EXPORT_ENDINGS = tuple(sorted(READERS))
