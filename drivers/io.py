"""Reading survey exports (CSV, Excel, SPSS, Parquet) and study files into a validated Study.

Every problem found is reported together, one line each, naming the file, the column, the
data rows (1-based, the header not counted, so data row 1 is spreadsheet row 2) and what was
expected. Input files are only read, never written.

Examples
--------
>>> from drivers import load_study
>>> from drivers.paths import bank_loan_study_file
>>> study = load_study(bank_loan_study_file())
>>> sorted(study.dimensions)
['BX', 'EX', 'PX', 'SX']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from drivers.study import (
    DEFAULT_DIMENSIONS,
    NO_ANSWER,
    OUTCOME_KINDS,
    Attribute,
    Dimension,
    Outcome,
    Study,
    StudyError,
    default_top_box,
    is_whole_numbers,
)

#: File endings we read, and how.
READERS = {".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".xlsx": "excel", ".xlsm": "excel",
           ".sav": "spss", ".zsav": "spss", ".parquet": "parquet", ".pq": "parquet"}

#: How many rows an error message lists before it says "and N more".
ROWS_SHOWN = 8


@dataclass
class TableMeta:
    """What a data file says about itself beyond the values (SPSS labels and missing codes)."""

    column_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[float, str]] = field(default_factory=dict)
    missing_codes: dict[str, dict[float, str]] = field(default_factory=dict)


def read_table(path: str | Path) -> tuple[pd.DataFrame, TableMeta]:
    """Read a survey export into a DataFrame, with any labels the file carries.

    Parameters
    ----------
    path : str or Path
        A .csv (or .tsv), .xlsx, .sav or .parquet file.

    Returns
    -------
    (DataFrame, TableMeta)
        The raw table (no value replaced) and the file's own labels and SPSS user-missing codes.
    """
    path = Path(path)
    if not path.exists():
        raise StudyError(f"data file not found (expected a {', '.join(sorted(READERS))} file)",
                         path)
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise StudyError(
            f"cannot read files ending in {path.suffix!r}; expected one of "
            f"{', '.join(sorted(READERS))}", path)
    meta = TableMeta()
    try:
        if kind in ("csv", "tsv"):
            # Only a truly empty cell is "no answer": text such as "NA" or "n/a" must be seen
            # and reported, not silently turned into a missing value.
            frame = pd.read_csv(path, sep="\t" if kind == "tsv" else ",",
                                keep_default_na=False, na_values=[""])
        elif kind == "excel":
            frame = pd.read_excel(path)
        elif kind == "parquet":
            frame = pd.read_parquet(path)
        else:
            frame, meta = _read_spss(path)
    except StudyError:
        raise
    except Exception as error:  # the reader's own message is the useful part
        raise StudyError(f"could not be read as {kind}: {error}", path) from error
    frame.columns = [str(c).strip() for c in frame.columns]
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise StudyError(f"the header repeats column(s) {', '.join(duplicated)}", path)
    return frame, meta


def _read_spss(path: Path) -> tuple[pd.DataFrame, TableMeta]:
    import pyreadstat

    frame, info = pyreadstat.read_sav(str(path), user_missing=True)
    meta = TableMeta(
        column_labels={k: v for k, v in info.column_names_to_labels.items() if v},
        value_labels={k: dict(v) for k, v in info.variable_value_labels.items()},
    )
    for column, ranges in (info.missing_ranges or {}).items():
        codes: dict[float, str] = {}
        labels = meta.value_labels.get(column, {})
        for span in ranges:
            low, high = span["lo"], span["hi"]
            if low == high:
                codes[float(low)] = _reason_from_label(labels.get(low), "spss_missing")
        if codes:
            meta.missing_codes[column] = codes
    return frame, meta


def _reason_from_label(label: str | None, default: str) -> str:
    if not label:
        return default
    return "_".join(str(label).lower().replace("'", "").split())


def load_study(path: str | Path, data: str | Path | None = None) -> Study:
    """Read a study file (YAML) and its data into a validated :class:`Study`.

    Parameters
    ----------
    path : str or Path
        The study file. Its ``data:`` path is relative to the study file.
    data : str or Path, optional
        A survey export to read instead of the study file's ``data:`` (e.g. the next wave's
        file with the same layout); relative to the working directory.

    Returns
    -------
    Study

    Raises
    ------
    StudyError
        With every problem found, each naming the file, column, rows and what was expected.
    """
    check = check_study(path, data)
    if check.problems:
        raise StudyError(check.problems, check.source)
    return check.study


@dataclass
class StudyCheck:
    """The outcome of checking a study: problems (empty when valid), quality table, the study."""

    problems: list[str]
    quality: pd.DataFrame
    study: Study | None
    source: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def check_study(path: str | Path, data: str | Path | None = None) -> StudyCheck:
    """Check a study file and its data, collecting every problem instead of stopping at one.

    ``data`` overrides the study file's ``data:`` entry (see :func:`load_study`). Returns a
    :class:`StudyCheck` whose ``quality`` table has one row per rated column: role, rows,
    answered, missing by reason, out of range and non-numeric counts.
    """
    study_file = Path(path)
    spec = read_spec(study_file)
    if data is not None:
        source = Path(data).resolve()
    elif spec.get("data"):
        source = (study_file.parent / str(spec["data"])).resolve()
    else:
        raise StudyError("the study file has no 'data:' entry naming the survey export", study_file)
    frame, meta = read_table(source)
    return check_frame(frame, spec, source=source, study_file=study_file, meta=meta)


def read_spec(study_file: Path) -> dict[str, Any]:
    """Parse a study file into a dict, with a clear error for missing files and bad YAML."""
    if not study_file.exists():
        raise StudyError("study file not found", study_file)
    try:
        spec = yaml.safe_load(study_file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise StudyError(f"is not valid YAML: {error}", study_file) from error
    if not isinstance(spec, dict):
        raise StudyError("expected a YAML mapping (title:, data:, outcomes:, dimensions: ...)",
                         study_file)
    return spec


def study_from_frame(frame: pd.DataFrame, spec: dict[str, Any], source: str | None = None
                     ) -> Study:
    """Build a validated Study from a DataFrame already in memory and a study spec dict.

    The spec has the same keys as a study file (``data:`` is not needed).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"id": [1, 2, 3, 4], "sat": [5, 4, 2, 99],
    ...                       "a": [5, 4, 1, 3], "b": [4, 4, 2, 5]})
    >>> spec = {"id": "id", "missing_codes": {99: "dont_know"},
    ...         "outcomes": {"csat": {"column": "sat", "kind": "csat", "scale": [1, 5]}},
    ...         "dimensions": {"PX": {"attributes": ["a", "b"]}}}
    >>> study = study_from_frame(frame, spec)
    >>> study.data["sat"].tolist()
    [5.0, 4.0, 2.0, nan]
    >>> study.missing.loc[3, "sat"]
    'dont_know'
    """
    check = check_frame(frame, spec, source=Path(source) if source else None)
    if check.problems:
        raise StudyError(check.problems, source)
    return check.study


def check_frame(frame: pd.DataFrame, spec: dict[str, Any], source: Path | None = None,
                study_file: Path | None = None, meta: TableMeta | None = None) -> StudyCheck:
    """Validate a raw table against a study spec; the engine behind load_study."""
    meta = meta or TableMeta()
    structure = _Structure(spec, meta)
    problems = list(structure.problems)
    columns = set(frame.columns)
    problems += [
        f"column {name!r} ({role}) is not in the data; the data has "
        f"{_list_names(frame.columns)}"
        for name, role in structure.referenced_columns() if name not in columns
    ]
    ids = frame[structure.id_column] if structure.id_column in columns else None

    data = frame.copy()
    missing = pd.DataFrame(index=frame.index)
    quality_rows = []
    for column, role, scale, codes, reverse in structure.rated_columns():
        if column not in columns:
            continue
        result = _check_rated(frame[column], column, role, scale, codes, ids)
        problems += result["problems"]
        data[column] = result["values"]
        if reverse and scale is not None:
            data[column] = scale[0] + scale[1] - data[column]
        missing[column] = result["reasons"]
        quality_rows.append(result["quality"])

    if structure.id_column in columns:
        duplicated = frame[structure.id_column].duplicated(keep=False)
        if duplicated.any():
            rows = _rows(duplicated)
            values = frame.loc[duplicated, structure.id_column].astype(str).unique()[:ROWS_SHOWN]
            problems.append(
                f"column {structure.id_column!r} (respondent id): ids must be unique; "
                f"{', '.join(values)} repeat in data rows {rows}")
        if frame[structure.id_column].isna().any():
            problems.append(f"column {structure.id_column!r} (respondent id): empty id in data "
                            f"rows {_rows(frame[structure.id_column].isna())}")
    if structure.weight_column in columns:
        problems += _check_weights(frame[structure.weight_column], structure.weight_column, ids)
        data[structure.weight_column] = pd.to_numeric(frame[structure.weight_column],
                                                      errors="coerce")

    quality = pd.DataFrame(quality_rows)
    study = None
    if not problems:
        study = Study(
            title=structure.title, data=data, missing=missing,
            outcomes=structure.outcomes, dimensions=structure.dimensions,
            attributes=structure.attributes, id_column=structure.id_column,
            weight_column=structure.weight_column, segment_columns=structure.segments,
            wave_column=structure.wave_column, second_language=structure.second_language,
            source=source, study_file=study_file, missing_codes=structure.global_codes,
        )
    return StudyCheck(problems=problems, quality=quality, study=study,
                      source=study_file or source)


class _Structure:
    """The parsed study spec: outcomes, dimensions, attributes and the problems in the spec."""

    def __init__(self, spec: dict[str, Any], meta: TableMeta):
        self.problems: list[str] = []
        self.meta = meta
        known = {"title", "data", "id", "weight", "segments", "wave", "second_language",
                 "missing_codes", "outcomes", "attribute_scale", "dimensions", "description"}
        for key in spec:
            if key not in known:
                self.problems.append(f"unknown study-file key {key!r}; expected one of "
                                     f"{', '.join(sorted(known))}")
        self.title = str(spec.get("title") or "Untitled study")
        self.id_column = _optional_name(spec.get("id"))
        self.weight_column = _optional_name(spec.get("weight"))
        self.wave_column = _optional_name(spec.get("wave"))
        segments = spec.get("segments") or []
        if isinstance(segments, str):
            segments = [segments]
        self.segments = tuple(str(s) for s in segments)
        self.second_language = _optional_name(spec.get("second_language"))
        self.global_codes = self._codes(spec.get("missing_codes"), "missing_codes")
        self.column_codes: dict[str, dict[float, str]] = {}
        self.attribute_scale = self._scale(spec.get("attribute_scale", [1, 5]), "attribute_scale")
        self.outcomes = self._outcomes(spec.get("outcomes"))
        self.dimensions, self.attributes = self._dimensions(spec.get("dimensions"))
        self._check_overlaps()

    # -- parsing helpers -------------------------------------------------------------------
    def _label_second(self, entry: dict) -> str | None:
        """The label in the study's second language (``label_zh`` when second_language: zh)."""
        if not self.second_language:
            return None
        value = entry.get(f"label_{self.second_language}")
        return None if value is None else str(value)

    def _codes(self, codes: Any, where: str) -> dict[float, str]:
        if codes is None:
            return {}
        if isinstance(codes, list):
            codes = {code: "missing" for code in codes}
        if not isinstance(codes, dict):
            self.problems.append(f"{where}: expected a mapping of code -> reason "
                                 f"(e.g. {{98: dont_know, 99: not_applicable}})")
            return {}
        parsed = {}
        for code, reason in codes.items():
            try:
                parsed[float(code)] = str(reason)
            except (TypeError, ValueError):
                self.problems.append(f"{where}: code {code!r} is not a number")
        return parsed

    def _scale(self, scale: Any, where: str) -> tuple[int, int] | None:
        if (isinstance(scale, (list, tuple)) and len(scale) == 2
                and all(isinstance(v, (int, float)) and float(v).is_integer() for v in scale)
                and scale[0] < scale[1]):
            return int(scale[0]), int(scale[1])
        self.problems.append(f"{where}: scale must be [lowest, highest] whole numbers with "
                             f"lowest < highest, got {scale!r}")
        return None

    def _outcomes(self, entries: Any) -> dict[str, Outcome]:
        if not isinstance(entries, dict) or not entries:
            self.problems.append("outcomes: expected at least one outcome, e.g. "
                                 "csat: {column: csat, kind: csat, scale: [1, 5]}")
            return {}
        outcomes = {}
        for name, entry in entries.items():
            entry = entry or {}
            if isinstance(entry, str):
                entry = {"column": entry}
            kind = str(entry.get("kind", name if name in OUTCOME_KINDS else "rating"))
            if kind not in OUTCOME_KINDS:
                self.problems.append(f"outcomes.{name}: kind {kind!r} is not one of "
                                     f"{', '.join(OUTCOME_KINDS)}")
                continue
            default_scale = OUTCOME_KINDS[kind]["scale"]
            if "scale" not in entry and default_scale is None:
                self.problems.append(f"outcomes.{name}: a 'rating' outcome needs a scale")
                continue
            scale = self._scale(entry.get("scale", default_scale), f"outcomes.{name}")
            if kind == "nps" and scale is not None and scale != (0, 10):
                self.problems.append(f"outcomes.{name}: likelihood to recommend (NPS) is read on "
                                     f"0-10, got {scale[0]}-{scale[1]}")
            if scale is None:
                continue
            top = entry.get("top", OUTCOME_KINDS[kind]["top"])
            if kind == "csat" and top is None:
                top = default_top_box(scale)
            if top is not None and not 1 <= int(top) < scale[1] - scale[0] + 1:
                self.problems.append(f"outcomes.{name}: top box {top} does not fit the scale "
                                     f"{scale[0]}-{scale[1]}")
                continue
            column = str(entry.get("column", name))
            outcomes[str(name)] = Outcome(
                name=str(name), column=column, kind=kind, scale=scale,
                top=None if top is None else int(top),
                label=str(entry.get("label") or self.meta.column_labels.get(column) or name),
                label_second=self._label_second(entry),
            )
        return outcomes

    def _dimensions(self, entries: Any) -> tuple[dict[str, Dimension], dict[str, Attribute]]:
        if not isinstance(entries, dict) or not entries:
            self.problems.append("dimensions: expected at least one dimension with attributes, "
                                 "e.g. BX: {label: Brand experience, attributes: [...]}")
            return {}, {}
        dimensions: dict[str, Dimension] = {}
        attributes: dict[str, Attribute] = {}
        seen: dict[str, str] = {}
        for name, entry in entries.items():
            name = str(name)
            entry = entry or {}
            if isinstance(entry, list):
                entry = {"attributes": entry}
            items = entry.get("attributes") or []
            if isinstance(items, list):
                items = {str(item): {} for item in items}
            if not items:
                self.problems.append(f"dimensions.{name}: has no attributes")
            for column, item in items.items():
                column, item = str(column), item or {}
                if isinstance(item, str):
                    item = {"label": item}
                if column in seen:
                    self.problems.append(
                        f"attribute {column!r} is listed in two dimensions ({seen[column]} and "
                        f"{name}); each attribute belongs to exactly one dimension")
                    continue
                seen[column] = name
                scale = self.attribute_scale
                if "scale" in item:
                    scale = self._scale(item["scale"], f"dimensions.{name}.{column}")
                attributes[column] = Attribute(
                    column=column, dimension=name,
                    label=str(item.get("label") or self.meta.column_labels.get(column) or column),
                    label_second=self._label_second(item),
                    scale=scale or (1, 5), reverse=bool(item.get("reverse", False)),
                )
                self.column_codes[column] = self._codes(item.get("missing_codes"),
                                                         f"dimensions.{name}.{column}")
            dimensions[name] = Dimension(
                name=name, label=str(entry.get("label") or DEFAULT_DIMENSIONS.get(name, name)),
                label_second=self._label_second(entry),
                attributes=tuple(c for c in items if seen.get(str(c)) == name),
            )
        return dimensions, attributes

    def _check_overlaps(self) -> None:
        for outcome in self.outcomes.values():
            if outcome.column in self.attributes:
                self.problems.append(
                    f"column {outcome.column!r} is both the outcome {outcome.name!r} and an "
                    f"attribute of {self.attributes[outcome.column].dimension}; an outcome "
                    f"cannot explain itself")
        roles = {"id": self.id_column, "weight": self.weight_column, "wave": self.wave_column}
        for role, column in roles.items():
            if column and (column in self.attributes
                           or column in {o.column for o in self.outcomes.values()}):
                self.problems.append(f"column {column!r} is the {role} column and also rated")

    # -- what the data must contain --------------------------------------------------------
    def referenced_columns(self) -> list[tuple[str, str]]:
        named = [(self.id_column, "respondent id"), (self.weight_column, "weight"),
                 (self.wave_column, "wave")]
        named += [(s, "segment") for s in self.segments]
        named += [(o.column, f"outcome {o.name}") for o in self.outcomes.values()]
        named += [(a.column, f"attribute of {a.dimension}") for a in self.attributes.values()]
        return [(c, r) for c, r in named if c]

    def rated_columns(self):
        """(column, role, scale, missing codes, reverse) for every outcome and attribute."""
        for outcome in self.outcomes.values():
            yield (outcome.column, f"outcome {outcome.name}", outcome.scale,
                   self._codes_for(outcome.column), False)
        for attribute in self.attributes.values():
            yield (attribute.column, f"attribute of {attribute.dimension}", attribute.scale,
                   self._codes_for(attribute.column), attribute.reverse)

    def _codes_for(self, column: str) -> dict[float, str]:
        return {**self.global_codes, **self.meta.missing_codes.get(column, {}),
                **self.column_codes.get(column, {})}


def _check_rated(raw: pd.Series, column: str, role: str, scale: tuple[int, int] | None,
                 codes: dict[float, str], ids: pd.Series | None) -> dict[str, Any]:
    """Turn one rated column into numbers + missing reasons, listing what breaks the rules."""
    problems = []
    blank = raw.isna() | raw.astype(str).str.strip().eq("")
    numbers = pd.to_numeric(raw.where(~blank), errors="coerce")
    non_numeric = numbers.isna() & ~blank
    if non_numeric.any():
        shown = raw[non_numeric].astype(str).unique()[:ROWS_SHOWN]
        problems.append(
            f"column {column!r} ({role}): expected numeric ratings, found "
            f"{', '.join(repr(v) for v in shown)} in data rows {_rows(non_numeric, ids)}")
    reasons = pd.Series(None, index=raw.index, dtype=object)
    reasons[blank] = NO_ANSWER
    is_code = numbers.isin(list(codes)) if codes else pd.Series(False, index=raw.index)
    for code, reason in codes.items():
        reasons[numbers == code] = reason
        if scale is not None and scale[0] <= code <= scale[1]:
            problems.append(f"column {column!r} ({role}): missing code {code:g} ({reason}) lies "
                            f"inside the scale {scale[0]}-{scale[1]}; choose a code outside it")
    values = numbers.where(~is_code)
    out_of_range = pd.Series(False, index=raw.index)
    if scale is not None:
        valid = values.notna()
        whole = pd.Series(is_whole_numbers(values), index=raw.index)
        out_of_range = valid & (~whole | (values < scale[0]) | (values > scale[1]))
        if out_of_range.any():
            shown = sorted(values[out_of_range].unique())[:ROWS_SHOWN]
            declared = ", ".join(f"{c:g}" for c in codes) or "none declared"
            problems.append(
                f"column {column!r} ({role}): values {', '.join(f'{v:g}' for v in shown)} are "
                f"outside the scale {scale[0]}-{scale[1]} (whole numbers) and not declared "
                f"missing codes ({declared}); data rows {_rows(out_of_range, ids)}")
    values = values.where(~out_of_range & ~non_numeric).astype(float)
    answered = int(values.notna().sum())
    if answered == 0 and len(raw):
        problems.append(f"column {column!r} ({role}): has no valid answers in any of the "
                        f"{len(raw)} rows")
    elif answered > 1 and values.nunique() == 1:
        problems.append(f"column {column!r} ({role}): every answer is {values.dropna().iloc[0]:g};"
                        f" a constant column cannot drive or measure anything")
    quality = {"column": column, "role": role, "rows": len(raw), "answered": answered}
    for reason, count in reasons.value_counts().items():
        quality[f"missing_{reason}"] = int(count)
    quality["out_of_range"] = int(out_of_range.sum())
    quality["non_numeric"] = int(non_numeric.sum())
    return {"values": values, "reasons": reasons, "problems": problems, "quality": quality}


def _check_weights(raw: pd.Series, column: str, ids: pd.Series | None) -> list[str]:
    problems = []
    weights = pd.to_numeric(raw, errors="coerce")
    bad_text = weights.isna() & raw.notna()
    if bad_text.any():
        problems.append(f"column {column!r} (weight): expected positive numbers, found text in "
                        f"data rows {_rows(bad_text, ids)}")
    empty = raw.isna()
    if empty.any():
        problems.append(f"column {column!r} (weight): empty weight in data rows "
                        f"{_rows(empty, ids)}; every respondent needs a positive weight")
    not_positive = weights <= 0
    if not_positive.any():
        problems.append(f"column {column!r} (weight): weights must be positive; zero or negative "
                        f"in data rows {_rows(not_positive, ids)}")
    return problems


def _rows(mask: pd.Series, ids: pd.Series | None = None) -> str:
    """'3, 17, 40' (1-based data rows) with ids where known, shortened for long lists."""
    positions = np.flatnonzero(np.asarray(mask, dtype=bool))
    shown = [str(p + 1) for p in positions[:ROWS_SHOWN]]
    text = ", ".join(shown)
    if len(positions) > ROWS_SHOWN:
        text += f" and {len(positions) - ROWS_SHOWN} more"
    if ids is not None and len(positions):
        id_text = ", ".join(str(v) for v in ids.iloc[positions[:ROWS_SHOWN]])
        text += f" (ids {id_text}{' ...' if len(positions) > ROWS_SHOWN else ''})"
    return text


def _list_names(names) -> str:
    names = [str(n) for n in names]
    return ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")


def _optional_name(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
