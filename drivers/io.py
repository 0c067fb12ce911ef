"""Study files and survey exports into a validated Study.

:func:`load_study` reads a study file (strictly, :mod:`drivers.schema`), reads its data
(:mod:`drivers.readers`: any encoding, delimiter, decimal mark, sheet and header layout) and
checks every value against the study: ratings within their scale or declared missing codes,
answer texts mapped to scale points, unique ids, positive weights. Every problem found is
reported together, one line each, naming the file, the column, the data rows (1-based, the
header not counted, so data row 1 is spreadsheet row 2) and what was expected. Input files
are only read, never written.

Examples
--------
>>> from drivers import load_study
>>> from drivers.paths import bank_loan_study_file
>>> study = load_study(bank_loan_study_file())
>>> sorted(study.dimensions)
['BX', 'EX', 'PX', 'SX']
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from drivers.moments import design_weight_faults
from drivers.readers import READERS, ReadOptions, TableMeta, read_table
from drivers.reasons import NO_ANSWER, normalize_text, reason_for_label
from drivers.schema import (
    OutcomeSpec,
    SegmentSpec,
    StudySpec,
    outcome_settings,
    parse_spec,
    read_yaml,
    study_text,
    where,
)
from drivers.study import (
    DEFAULT_DIMENSIONS,
    NO_SEGMENT,
    Attribute,
    DataWarning,
    Dimension,
    Grouping,
    Outcome,
    ReportBrand,
    Study,
    StudyError,
    plain_value,
)

__all__ = ["READERS", "ReadOptions", "StudyCheck", "TableMeta", "check_frame", "check_study",
           "load_study", "read_spec", "read_table", "study_from_frame"]

#: How many rows an error message lists before it says "and N more".
ROWS_SHOWN = 8


def load_study(path: str | Path, data: str | Path | None = None) -> Study:
    """Read a study file (YAML) and its data into a validated :class:`Study`.

    Parameters
    ----------
    path : str or Path
        The study file. Its ``data:`` path is relative to the study file and must lie in the
        study file's folder unless the file says ``allow_outside_folder: true``.
    data : str or Path, optional
        A survey export to read instead of the study file's ``data:`` (e.g. the next wave's
        file with the same layout); relative to the working directory.

    Returns
    -------
    Study
        Warnings found while loading (blank segment values, unknown SPSS missing labels) are
        in ``study.warnings`` and are also issued as :class:`drivers.study.DataWarning`.

    Raises
    ------
    StudyError
        With every problem found, each naming the file, column, rows and what was expected.
    """
    check = check_study(path, data)
    if check.problems:
        raise StudyError(check.problems, check.source)
    for message in check.warnings:
        warnings.warn(message, DataWarning, stacklevel=2)
    return check.study


@dataclass
class StudyCheck:
    """The outcome of checking a study: problems (empty when valid), quality table, the study.

    ``warnings`` lists what loads but deserves a look; ``notes`` says how the data was read
    (encoding, delimiter, decimal mark, sheet, header rows).
    """

    problems: list[str]
    quality: pd.DataFrame
    study: Study | None
    source: Path | None = None
    warnings: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)

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
    model, lines, encoding = read_model(study_file)
    if data is not None:
        source = Path(data).resolve()
    elif model.data:
        source = _data_path(study_file, model, lines)
    else:
        raise StudyError("the study file has no 'data:' entry naming the survey export", study_file)
    frame, meta = read_table(source, read_options(model))
    if encoding:
        meta.detected["study file encoding"] = f"{encoding} (detected)"
    return check_frame(frame, model, source=source, study_file=study_file, meta=meta,
                       lines=lines)


def read_spec(study_file: str | Path) -> dict[str, Any]:
    """Parse a study file into a dict: duplicate keys, alias bombs and bad YAML refused."""
    return _read_spec(Path(study_file))[0]


def read_model(study_file: Path) -> tuple[StudySpec, dict[tuple, int], str | None]:
    """The parsed study file, the line of each key and the file's encoding when it was not
    UTF-8 (problems as one :class:`StudyError` naming the file)."""
    spec, lines, encoding = _read_spec(study_file)
    try:
        return parse_spec(spec, lines), lines, encoding
    except StudyError as error:
        raise StudyError(error.problems, study_file) from None


def read_options(model: StudySpec) -> ReadOptions:
    """How the study file says its data is read (the rest detected), with the column names
    the study expects (they find the header row and tell a short header's encoding)."""
    return ReadOptions(encoding=model.encoding, delimiter=model.delimiter,
                       decimal=model.decimal, sheet=model.sheet, header_row=model.header_row,
                       header_rows=model.header_rows, columns=tuple(_named_columns(model)))


def _read_spec(study_file: Path) -> tuple[dict[str, Any], dict[tuple, int], str | None]:
    if not study_file.exists():
        raise StudyError("study file not found", study_file)
    if study_file.is_dir():
        raise StudyError("is a folder; expected a study file (YAML)", study_file)
    text, encoding = study_text(study_file)
    try:
        spec, lines = read_yaml(text)
    except StudyError as error:
        raise StudyError(error.problems, study_file) from None
    if not isinstance(spec, dict):
        raise StudyError("expected a YAML mapping (title:, data:, outcomes:, dimensions: ...)",
                         study_file)
    return spec, lines, encoding


def _data_path(study_file: Path, model: StudySpec, lines: dict) -> Path:
    """The data file, refused when it lies outside the study's folder without the opt-in."""
    folder = study_file.parent.resolve()
    source = (study_file.parent / model.data).resolve()
    if not model.allow_outside_folder and not source.is_relative_to(folder):
        raise StudyError(
            f"{where(('data',), lines)}the data file {model.data!r} lies outside the study "
            f"file's folder; move it beside the study file, or set allow_outside_folder: true "
            f"if reading it is intended", study_file)
    return source


def _named_columns(model: StudySpec) -> list[str]:
    """Every column the study names (to find the header row and sheet of an export)."""
    names = [model.id, model.weight, *model.segments,
             model.wave.column if model.wave else None]
    names += [entry.column or name for name, entry in model.outcomes.items()]
    names += [c for d in model.dimensions.values() for c in d.attributes]
    return [n for n in names if n]


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
    for message in check.warnings:
        warnings.warn(message, DataWarning, stacklevel=2)
    return check.study


def check_frame(frame: pd.DataFrame, spec: dict[str, Any] | StudySpec,
                source: Path | None = None, study_file: Path | None = None,
                meta: TableMeta | None = None, lines: dict[tuple, int] | None = None
                ) -> StudyCheck:
    """Validate a raw table against a study spec; the engine behind load_study."""
    meta = meta or TableMeta()
    lines = lines or {}
    empty = pd.DataFrame()
    if not isinstance(spec, StudySpec):
        try:
            spec = parse_spec(spec, lines)
        except StudyError as error:
            return StudyCheck(problems=error.problems, quality=empty, study=None,
                              source=study_file or source, notes=dict(meta.detected))
    structure = _Structure(spec, meta, lines, study_file)
    problems = list(structure.problems)
    found_warnings: list[str] = []
    if len(frame) == 0:
        problems.append("the data has no rows; expected one row per respondent")
    columns = set(frame.columns)
    missing_columns = [(name, role) for name, role in structure.referenced_columns()
                       if name not in columns]
    problems += [f"column {name!r} ({role}) is not in the data; the data has "
                 f"{_list_names(frame.columns)}" for name, role in missing_columns]
    if len(missing_columns) > len(structure.referenced_columns()) / 2 and len(frame):
        problems.append(_header_hint(frame, meta))
    problems += _merged_problems(meta, structure, found_warnings)
    ids = frame[structure.id_column] if structure.id_column in columns else None

    # The analysable table is assembled column by column and built once at the end: the
    # columns left as read are shared, not copied (pandas copies on write), and nothing is
    # consolidated into one big block along the way.
    data = {column: frame[column] for column in frame.columns}
    missing = {}
    quality_rows = []
    first_rows_text = []
    for column, role, scale, coding, reverse in structure.rated_columns():
        if column not in columns:
            continue
        result = _check_rated(frame[column], column, role, scale, coding, ids)
        problems += result["problems"]
        data[column] = result["values"]
        if reverse and scale is not None:
            data[column] = reverse_scored(result["values"], scale)
        missing[column] = result["reasons"]
        quality_rows.append(result["quality"])
        first_rows_text.append(bool(len(frame)) and bool(result["non_numeric"].iloc[0]))
    found_warnings = meta.warnings + structure.warnings + found_warnings
    if quality_rows and sum(first_rows_text) > len(quality_rows) / 2:
        problems.append("data row 1 holds text in most rated columns: it looks like a second "
                        "header row (question texts); set header_rows: in the study file (2 for "
                        "names + question texts, 3 for a Qualtrics export)")

    if structure.id_column in columns:
        problems += _check_ids(frame[structure.id_column], structure.id_column)
    if structure.weight_column in columns:
        problems += _check_weights(frame[structure.weight_column], structure.weight_column, ids)
        data[structure.weight_column] = pd.to_numeric(frame[structure.weight_column],
                                                      errors="coerce")
    groupings = {}
    for column, (role, entry) in structure.grouping_specs().items():
        if column not in columns:
            continue
        values, grouping, note = _grouping(frame[column], column, role, entry,
                                           meta.value_labels.get(column), ids)
        data[column] = values
        groupings[column] = grouping
        if note:
            found_warnings.append(note)

    quality = pd.DataFrame(quality_rows)
    study = None
    if not problems:
        data = pd.DataFrame(data, index=frame.index, copy=False)
        missing = pd.DataFrame(missing, index=frame.index, copy=False)
        study = Study(
            title=structure.title, data=data, missing=missing,
            outcomes=structure.outcomes, dimensions=structure.dimensions,
            attributes=structure.attributes, id_column=structure.id_column,
            weight_column=structure.weight_column, segment_columns=structure.segments,
            wave_column=structure.wave_column, second_language=spec.second_language,
            source=source, study_file=study_file, missing_codes=structure.global_codes,
            title_translations=structure.title_translations, groupings=groupings,
            report=structure.report, warnings=found_warnings, read_notes=dict(meta.detected),
        )
    return StudyCheck(problems=problems, quality=quality, study=study,
                      source=study_file or source, warnings=found_warnings,
                      notes=dict(meta.detected))


def _header_hint(frame: pd.DataFrame, meta: TableMeta) -> str:
    if len(frame.columns) == 1 and "delimiter" in meta.detected:
        return (f"the file was read as a single column (delimiter "
                f"{meta.detected['delimiter']}); set delimiter: (comma, semicolon, tab or pipe) "
                f"in the study file")
    where_ = f" of sheet {meta.detected['sheet']}" if "sheet" in meta.detected else ""
    return (f"the study's columns were not found in the header row{where_}; if the column "
            f"names are on another row or sheet, set header_row: (the row number) or sheet: in "
            f"the study file")


def _merged_problems(meta: TableMeta, structure: _Structure, notes: list[str]) -> list[str]:
    """Merged cells over data rows: a problem in a column the study uses, else a warning."""
    used = {name for name, _role in structure.referenced_columns()}
    problems = []
    for columns, first, last, ref in meta.merged:
        named = ", ".join(repr(c) for c in columns)
        text = (f"cells {ref} are merged over data rows {first}-{last} (column {named}); a "
                f"merged cell gives its value to one row only and leaves the others blank; "
                f"unmerge the cells and fill in every row")
        (problems if used.intersection(columns) else notes).append(text)
    return problems


@dataclass
class _Coding:
    """How the raw values of one rated column become ratings and missing reasons."""

    codes: dict[float, str] = field(default_factory=dict)
    ranges: list[tuple[float, float, str]] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    answers: dict[str, float] = field(default_factory=dict)

    def declared(self) -> str:
        shown = [f"{c:g}" for c in self.codes] + [f"{lo:g} thru {hi:g}" for lo, hi, _ in
                                                   self.ranges]
        return ", ".join(shown) or "none declared"


_SCALE_KEY = re.compile(r"^\s*(-?\d+)\s*-\s*(-?\d+)\s*$")


class _Structure:
    """The study spec turned into outcomes, dimensions, attributes, codings and problems."""

    def __init__(self, spec: StudySpec, meta: TableMeta, lines: dict[tuple, int],
                 study_file: Path | None = None):
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.meta = meta
        self.lines = lines
        self.spec = spec
        self.title = spec.title
        self.title_translations = _languages(spec.translations, "title")
        self.id_column = spec.id
        self.weight_column = spec.weight
        self.wave_column = spec.wave.column if spec.wave else None
        self.segments = tuple(spec.segments)
        self.global_codes = {code: reason or NO_ANSWER for code, reason in
                             spec.missing_codes.items() if isinstance(code, float)}
        self.outcomes = self._outcomes(spec)
        self.dimensions, self.attributes = self._dimensions(spec)
        self.report = self._report(spec.report, study_file)
        self._check_overlaps()
        self._answers = self._value_labels(spec)

    # -- structure --------------------------------------------------------------------------
    def _outcomes(self, spec: StudySpec) -> dict[str, Outcome]:
        outcomes = {}
        for name, entry in spec.outcomes.items():
            kind, scale, top = outcome_settings(name, entry)
            column = entry.column or name
            outcomes[name] = Outcome(
                name=name, column=column, kind=kind, scale=scale, top=top,
                label=entry.label or self.meta.column_labels.get(column) or name,
                translations=_languages(entry.translations, "label"),
            )
        return outcomes

    def _dimensions(self, spec: StudySpec) -> tuple[dict[str, Dimension], dict[str, Attribute]]:
        dimensions: dict[str, Dimension] = {}
        attributes: dict[str, Attribute] = {}
        seen: dict[str, str] = {}
        for name, entry in spec.dimensions.items():
            for column, item in entry.attributes.items():
                if column in seen:
                    self.problems.append(
                        f"{where(('dimensions', name, 'attributes', column), self.lines)}"
                        f"attribute {column!r} is listed in two dimensions ({seen[column]} and "
                        f"{name}); each attribute belongs to exactly one dimension")
                    continue
                seen[column] = name
                attributes[column] = Attribute(
                    column=column, dimension=name,
                    label=item.label or self.meta.column_labels.get(column) or column,
                    translations=_languages(item.translations, "label"),
                    scale=item.scale or spec.attribute_scale, reverse=item.reverse,
                )
            dimensions[name] = Dimension(
                name=name, label=entry.label or DEFAULT_DIMENSIONS.get(name, name),
                translations=_languages(entry.translations, "label"),
                attributes=tuple(c for c in entry.attributes if seen.get(c) == name),
            )
        return dimensions, attributes

    def _report(self, entry, study_file: Path | None) -> ReportBrand:
        folder = study_file.parent if study_file is not None else Path()
        paths = {}
        for key in ("logo", "template"):
            value = getattr(entry, key)
            if value is None:
                continue
            path = (folder / value).resolve()
            if not path.is_file():
                self.problems.append(f"{where(('report', key), self.lines)}file {value!r} not "
                                     f"found (paths are relative to the study file)")
            paths[key] = path
        colours = {k: v for k, v in (("primary", entry.colours.primary),
                                     ("accent", entry.colours.accent)) if v}
        return ReportBrand(
            company=entry.company, company_zh=entry.translations.get("company_zh", ""),
            logo=paths.get("logo"), colours=colours, confidentiality=entry.confidentiality,
            confidentiality_zh=entry.translations.get("confidentiality_zh", ""),
            template=paths.get("template"))

    def _check_overlaps(self) -> None:
        for outcome in self.outcomes.values():
            if outcome.column in self.attributes:
                self.problems.append(
                    f"{where(('outcomes', outcome.name), self.lines)}column {outcome.column!r} "
                    f"is both the outcome {outcome.name!r} and an attribute of "
                    f"{self.attributes[outcome.column].dimension}; an outcome cannot explain "
                    f"itself")
        rated = set(self.attributes) | {o.column for o in self.outcomes.values()}
        roles = {"id": self.id_column, "weight": self.weight_column, "wave": self.wave_column}
        roles.update({f"segments.{s}": s for s in self.segments})
        for role, column in roles.items():
            if column and column in rated:
                self.problems.append(f"{where((role.split('.')[0],), self.lines)}column "
                                     f"{column!r} is the {role.split('.')[0].rstrip('s')} "
                                     f"column and also rated")

    def _value_labels(self, spec: StudySpec) -> dict[str, dict[str, float]]:
        """Column -> {normalised answer text: scale point}, checked against each scale."""
        rated = self._rated_scales()
        answers: dict[str, dict[str, float]] = {column: {} for column in rated}
        for key, mapping in spec.value_labels.items():
            match = _SCALE_KEY.match(key)
            if match:
                scale = (int(match.group(1)), int(match.group(2)))
                targets = [c for c, s in rated.items() if s == scale]
            elif key in rated:
                scale, targets = rated[key], [key]
            else:
                self.problems.append(f"{where(('value_labels', key), self.lines)}{key!r} is "
                                     f"neither a scale such as '1-5' nor a rated column")
                continue
            checked = self._answer_map(mapping, scale, ("value_labels", key))
            for column in targets:
                answers[column].update(checked)
        entries = [(o.column, e.value_labels, ("outcomes", n)) for n, e, o in
                   ((n, e, self.outcomes[n]) for n, e in spec.outcomes.items())]
        entries += [(column, item.value_labels, ("dimensions", d, "attributes", column))
                    for d, entry in spec.dimensions.items()
                    for column, item in entry.attributes.items()]
        for column, mapping, path in entries:
            if mapping and column in rated:
                answers[column].update(self._answer_map(mapping, rated[column],
                                                        (*path, "value_labels")))
        return answers

    def _answer_map(self, mapping: dict[str, float], scale: tuple[int, int], path: tuple
                    ) -> dict[str, float]:
        result = {}
        for text, point in mapping.items():
            if not (float(point).is_integer() and scale[0] <= point <= scale[1]):
                self.problems.append(f"{where((*path, text), self.lines)}answer {text!r} is "
                                     f"mapped to {point:g}, outside the scale "
                                     f"{scale[0]}-{scale[1]} (whole numbers)")
                continue
            result[normalize_text(text)] = float(point)
        return result

    def _rated_scales(self) -> dict[str, tuple[int, int]]:
        scales = {o.column: o.scale for o in self.outcomes.values()}
        scales.update({a.column: a.scale for a in self.attributes.values()})
        return scales

    # -- what the data must contain ----------------------------------------------------------
    def referenced_columns(self) -> list[tuple[str, str]]:
        named = [(self.id_column, "respondent id"), (self.weight_column, "weight"),
                 (self.wave_column, "wave")]
        named += [(s, "segment") for s in self.segments]
        named += [(o.column, f"outcome {o.name}") for o in self.outcomes.values()]
        named += [(a.column, f"attribute of {a.dimension}") for a in self.attributes.values()]
        return [(c, r) for c, r in named if c]

    def grouping_specs(self) -> dict[str, tuple[str, SegmentSpec]]:
        """Segment and wave columns -> (role, their spec entry)."""
        specs = {column: ("segment", entry) for column, entry in self.spec.segments.items()}
        if self.spec.wave is not None:
            specs[self.wave_column] = ("wave", self.spec.wave)
        return specs

    def rated_columns(self):
        """(column, role, scale, coding, reverse) for every outcome and attribute."""
        entries = {name: entry for name, entry in self.spec.outcomes.items()}
        for outcome in self.outcomes.values():
            entry: OutcomeSpec = entries[outcome.name]
            yield (outcome.column, f"outcome {outcome.name}", outcome.scale,
                   self._coding(outcome.column, outcome.scale, entry.missing_codes), False)
        items = {c: item for d in self.spec.dimensions.values()
                 for c, item in d.attributes.items()}
        for attribute in self.attributes.values():
            yield (attribute.column, f"attribute of {attribute.dimension}", attribute.scale,
                   self._coding(attribute.column, attribute.scale,
                                items[attribute.column].missing_codes), attribute.reverse)

    def _coding(self, column: str, scale: tuple[int, int], own_codes: dict) -> _Coding:
        """Codes of a column: the study's, then the file's own (SPSS), then the column's."""
        coding = _Coding(answers=self._answers.get(column, {}))
        labels = self.meta.value_labels.get(column, {})

        def add(code, reason):
            if isinstance(code, str):
                coding.texts[normalize_text(code)] = reason or NO_ANSWER
            else:
                coding.codes[code] = reason or reason_for_label(labels.get(code)) or NO_ANSWER

        for code, reason in self.spec.missing_codes.items():
            add(code, reason)
        for code, label in labels.items():  # a labelled "Don't know" outside the scale
            if isinstance(code, float) and not scale[0] <= code <= scale[1]:
                reason = reason_for_label(label)
                if reason is not None:
                    coding.codes[code] = reason
        for low, high in self.meta.missing_ranges.get(column, []):
            for code, label in labels.items():
                if isinstance(code, float) and low <= code <= high:
                    reason = reason_for_label(label)
                    if reason is None:
                        self.warnings.append(
                            f"column {column!r}: the file's missing code {code:g} is labelled "
                            f"{label!r}, which names no known reason; counted as {NO_ANSWER} "
                            f"(say which in missing_codes:, e.g. {code:g}: dont_know)")
                    coding.codes[code] = reason or NO_ANSWER
            if low == high and low not in coding.codes:
                coding.codes[low] = NO_ANSWER
            elif low != high:
                coding.ranges.append((low, high, NO_ANSWER))
        for code, reason in own_codes.items():
            add(code, reason)
        return coding


def reverse_scored(values, scale: tuple[int, int]):
    """A reverse-scored item recoded so that high is good: ``low + high - x`` on its scale.

    >>> reverse_scored(np.array([1.0, 5.0, np.nan]), (1, 5)).tolist()
    [5.0, 1.0, nan]
    """
    return scale[0] + scale[1] - values


def _languages(translations: dict[str, str], stem: str) -> dict[str, str]:
    """{"label_zh": "..."} -> {"zh": "..."}."""
    prefix = f"{stem}_"
    return {key[len(prefix):]: value for key, value in translations.items()
            if key.startswith(prefix)}


def _check_rated(raw: pd.Series, column: str, role: str, scale: tuple[int, int] | None,
                 coding: _Coding, ids: pd.Series | None, counts: np.ndarray | None = None,
                 rows: Callable[[np.ndarray], str] | None = None) -> dict[str, Any]:
    """Turn one rated column into numbers + missing reasons, listing what breaks the rules.

    ``raw`` holds one value per row; or, with ``counts``, each distinct value once and
    ``counts`` the rows holding it (a file read through DuckDB): the tallies of the quality
    row then count rows. ``rows(mask)`` names the data rows of the values a mask picks
    (default: their positions in ``raw``, with ``ids``).
    """
    rows = rows or (lambda mask: _rows(mask, ids))
    tally = np.ones(len(raw), dtype=np.int64) if counts is None else np.asarray(counts)
    problems = []
    # Reasons as integer codes into `labels` (-1: none), turned into one categorical column
    # at the end: no Python string per cell (a million rows x 20 columns of strings took
    # more memory than the data).
    labels: list[str] = []

    def label_code(reason: str) -> int:
        if reason not in labels:
            labels.append(reason)
        return labels.index(reason)

    n = len(raw)
    reason = np.full(n, -1, dtype=np.int16)
    from_text = 0
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        numbers = raw.to_numpy(dtype=np.float64, na_value=np.nan)
        blank = np.isnan(numbers)
        non_numeric = np.zeros(n, dtype=bool)
    else:
        numbers, blank, non_numeric, text_reasons, from_text = _text_answers(raw, coding)
        from_text = int(tally[from_text.to_numpy(dtype=bool)].sum())
        numbers = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
        blank, non_numeric = blank.to_numpy(dtype=bool), non_numeric.to_numpy(dtype=bool)
        named = text_reasons.notna().to_numpy()
        if named.any():
            found, categories = pd.factorize(text_reasons[named])
            reason[named] = np.array([label_code(str(c)) for c in categories])[found]
    if non_numeric.any():
        shown = raw[non_numeric].astype(str).unique()[:ROWS_SHOWN]
        problems.append(
            f"column {column!r} ({role}): expected numeric ratings, found "
            f"{', '.join(repr(v) for v in shown)} in data rows {rows(non_numeric)}; "
            f"declare texts that mean a missing answer in missing_codes: (e.g. \"N/A\": "
            f"not_applicable) and answer texts in value_labels: (e.g. 非常满意: 5)")
    if blank.any():
        reason[blank] = label_code(NO_ANSWER)
    is_code = np.zeros(n, dtype=bool)
    for code, why in coding.codes.items():
        hit = numbers == code
        if hit.any():
            reason[hit] = label_code(why)
            is_code |= hit
        if scale is not None and scale[0] <= code <= scale[1]:
            problems.append(f"column {column!r} ({role}): missing code {code:g} ({why}) lies "
                            f"inside the scale {scale[0]}-{scale[1]}; choose a code outside it")
    for low, high, why in coding.ranges:
        with np.errstate(invalid="ignore"):
            in_range = (numbers >= low) & (numbers <= high) & ~is_code
        if in_range.any():
            reason[in_range] = label_code(why)
            is_code |= in_range
        if scale is not None and low <= scale[1] and high >= scale[0]:
            problems.append(f"column {column!r} ({role}): missing range {low:g} thru {high:g} "
                            f"overlaps the scale {scale[0]}-{scale[1]}; choose codes outside it")
    values = np.where(is_code, np.nan, numbers)
    out_of_range = np.zeros(n, dtype=bool)
    if scale is not None:
        with np.errstate(invalid="ignore"):
            whole = np.floor(values) == values
            out_of_range = ~np.isnan(values) & (~whole | (values < scale[0])
                                                | (values > scale[1]))
        if out_of_range.any():
            shown = sorted(np.unique(values[out_of_range]))[:ROWS_SHOWN]
            problems.append(
                f"column {column!r} ({role}): values {', '.join(f'{v:g}' for v in shown)} are "
                f"outside the scale {scale[0]}-{scale[1]} (whole numbers) and not declared "
                f"missing codes ({coding.declared()}); data rows {rows(out_of_range)}")
    values[out_of_range | non_numeric] = np.nan
    answered_mask = ~np.isnan(values) & (tally > 0)
    answered = int(tally[answered_mask].sum())
    n_rows = int(tally.sum())
    if answered == 0 and n_rows:
        problems.append(f"column {column!r} ({role}): has no valid answers in any of the "
                        f"{n_rows} rows")
    elif answered > 1 and values[answered_mask].min() == values[answered_mask].max():
        problems.append(f"column {column!r} ({role}): every answer is "
                        f"{values[answered_mask][0]:g}; a constant column cannot drive or "
                        "measure anything")
    quality = {"column": column, "role": role, "rows": n_rows, "answered": answered}
    found = reason >= 0
    tallies = np.bincount(reason[found], weights=tally[found], minlength=len(labels))
    for position in np.argsort(-tallies, kind="stable"):
        if tallies[position]:
            quality[f"missing_{labels[position]}"] = int(tallies[position])
    quality["out_of_range"] = int(tally[out_of_range].sum())
    quality["non_numeric"] = int(tally[non_numeric].sum())
    if from_text:
        quality["from_text"] = from_text
    reasons = pd.Series(pd.Categorical.from_codes(reason, categories=labels)
                        if labels else pd.Categorical(np.full(n, np.nan), categories=[]),
                        index=raw.index)
    return {"values": pd.Series(values, index=raw.index), "reasons": reasons,
            "problems": problems, "quality": quality,
            "non_numeric": pd.Series(non_numeric, index=raw.index)}


def _text_answers(raw: pd.Series, coding: _Coding):
    """Numbers, blanks, unreadable texts, reasons and which answers were read from text.

    Each distinct text is looked up once (answer texts, text missing codes, numbers written
    as text such as " 5 "), then mapped back to the rows.
    """
    numbers = pd.to_numeric(raw, errors="coerce").astype(float)
    is_text = numbers.isna() & raw.notna()
    reasons = pd.Series(None, index=raw.index, dtype=object)
    blank = raw.isna()
    if not is_text.any():
        return numbers, blank, pd.Series(False, index=raw.index), reasons, is_text
    as_number, as_reason, blanks, unreadable = {}, {}, set(), set()
    for value in pd.unique(raw[is_text]):
        key = normalize_text(value)
        if key == "":
            blanks.add(value)
        elif key in coding.texts:
            as_reason[value] = coding.texts[key]
        elif key in coding.answers:
            as_number[value] = coding.answers[key]
        else:
            try:
                as_number[value] = float(key)
            except ValueError:
                unreadable.add(value)
    texts = raw[is_text]
    numbers[is_text] = texts.map(as_number).astype(float)
    reasons[is_text] = texts.map(as_reason)
    blank = blank | (is_text & raw.isin(list(blanks)))
    non_numeric = is_text & raw.isin(list(unreadable))
    from_text = is_text & raw.isin([v for v in as_number
                                     if normalize_text(v) in coding.answers])
    return numbers, blank, non_numeric, reasons, from_text


def _grouping(raw: pd.Series, column: str, role: str, entry: SegmentSpec,
              file_labels: dict | None, ids: pd.Series | None, counts: np.ndarray | None = None,
              rows: Callable[[np.ndarray], str] | None = None):
    """A segment or wave column as shown: codes turned into labels, blanks a group.

    Returns the values for ``Study.data``, the :class:`Grouping` and a warning (or None).
    ``counts`` and ``rows`` as in :func:`_check_rated` (distinct values and their rows).
    """
    rows = rows or (lambda mask: _rows(mask, ids))
    tally = np.ones(len(raw), dtype=np.int64) if counts is None else np.asarray(counts)
    spec_values = {code: {"en": value.label, **_languages(value.translations, "label")}
                   for code, value in entry.values.items()}
    spec_values = {code: {k: v for k, v in labels.items() if v} for code, labels in
                   spec_values.items()}
    file_labels = file_labels or {}
    text = raw.astype("string").str.strip() if not pd.api.types.is_numeric_dtype(
        raw.dtype) else None
    blank = raw.isna() if text is None else (raw.isna() | text.eq("").fillna(False))
    blank = blank.astype(bool) & (tally > 0)   # a value no row holds is not a blank
    values: pd.Series = raw
    shown: dict[Any, dict[str, str]] = {}
    if text is None and (file_labels or spec_values):
        # Numeric codes (1, 2, 3) with labels: shown by their labels, in code order.
        codes = sorted(set(raw.dropna().unique()) | {c for c in file_labels
                                                      if isinstance(c, float)})
        display = {}
        for code in codes:
            labels = dict(spec_values.get(float(code), {}))
            labels.setdefault("en", file_labels.get(float(code)) or plain_value(code))
            display[code] = labels["en"]
            shown[labels["en"]] = labels
            shown[float(code)] = labels
        categories = list(dict.fromkeys(display[c] for c in codes))
        if blank.any():
            categories.append(NO_SEGMENT)
        values = pd.Series(pd.Categorical(raw.map(display).where(~blank, NO_SEGMENT),
                                          categories=categories), index=raw.index)
    else:
        shown = {code: labels for code, labels in spec_values.items() if labels}
        for code, label in file_labels.items():
            shown.setdefault(code, {"en": label})
        if blank.any():
            values = raw.astype(object).where(~blank, NO_SEGMENT)
    note = None
    if blank.any():
        mask = blank.to_numpy(dtype=bool)
        note = (f"column {column!r} ({role}): {int(tally[mask].sum())} blank values in data "
                f"rows {rows(mask)}; they form the group {NO_SEGMENT!r} in tables by "
                f"{column}")
    grouping = Grouping(column=column, label=entry.label or column,
                        translations=_languages(entry.translations, "label"), values=shown)
    return values, grouping, note


def _check_ids(ids: pd.Series, column: str) -> list[str]:
    # Empty ids are their own problem, not a repeated id (two blanks crashed the message).
    duplicated = ids.duplicated(keep=False) & ids.notna()
    repeated = list(ids[duplicated].astype(str).unique()[:ROWS_SHOWN])
    return _id_problems(column, repeated, _rows(duplicated) if repeated else "",
                        _rows(ids.isna()) if ids.isna().any() else "")


def _id_problems(column: str, repeated: list[str], repeated_rows: str, empty_rows: str
                 ) -> list[str]:
    """Problems of an id column: the first repeated ids (in order of their first row) and
    the data rows holding repeated ids, and the rows with an empty id ("" when none)."""
    problems = []
    if repeated:
        problems.append(f"column {column!r} (respondent id): ids must be unique; "
                        f"{', '.join(repeated)} repeat in data rows {repeated_rows}")
    if empty_rows:
        problems.append(f"column {column!r} (respondent id): empty id in data rows "
                        f"{empty_rows}")
    return problems


def _check_weights(raw: pd.Series, column: str, ids: pd.Series | None,
                   rows: Callable[[np.ndarray], str] | None = None) -> list[str]:
    """The weight rule's problems; ``raw`` one value per row, or (with ``rows`` naming the
    data rows of the values a mask picks) some distinct values of a file's column."""
    rows = rows or (lambda mask: _rows(mask, ids))
    problems = []
    weights = pd.to_numeric(raw, errors="coerce")
    blank, not_positive = design_weight_faults(weights.to_numpy(dtype=np.float64,
                                                                na_value=np.nan))
    bad_text = weights.isna() & raw.notna()
    if bad_text.any():
        problems.append(f"column {column!r} (weight): expected positive numbers, found text in "
                        f"data rows {rows(np.asarray(bad_text))}")
    empty = raw.isna()
    if empty.any():
        problems.append(f"column {column!r} (weight): empty weight in data rows "
                        f"{rows(np.asarray(empty))}; every respondent needs a positive weight")
    infinite = blank & weights.notna().to_numpy()
    if infinite.any():
        problems.append(f"column {column!r} (weight): infinite weight in data rows "
                        f"{rows(np.asarray(infinite))}; expected finite positive numbers")
    if not_positive.any():
        problems.append(f"column {column!r} (weight): weights must be positive; zero or negative "
                        f"in data rows {rows(np.asarray(not_positive))}")
    return problems


def _rows(mask: pd.Series, ids: pd.Series | None = None) -> str:
    """'3, 17, 40' (1-based data rows) with ids where known, shortened for long lists."""
    positions = np.flatnonzero(np.asarray(mask, dtype=bool))
    return rows_text(len(positions), (positions[:ROWS_SHOWN] + 1).tolist(),
                     None if ids is None else ids.iloc[positions[:ROWS_SHOWN]].tolist())


def rows_text(total: int, first: list[int], ids: list | None = None) -> str:
    """'3, 17, 40 and 12 more (ids a, b, c ...)': ``total`` data rows, the ``first`` of them
    (1-based, at most :data:`ROWS_SHOWN`) and their ids (None: no id column).

    >>> rows_text(10, [3, 17], ["BL3", "BL17"])
    '3, 17 and 8 more (ids BL3, BL17 ...)'
    """
    text = ", ".join(str(row) for row in first[:ROWS_SHOWN])
    if total > len(first[:ROWS_SHOWN]):
        text += f" and {total - len(first[:ROWS_SHOWN])} more"
    if ids is not None and total:
        id_text = ", ".join(str(v) for v in ids[:ROWS_SHOWN])
        text += f" (ids {id_text}{' ...' if total > ROWS_SHOWN else ''})"
    return text


def _list_names(names) -> str:
    names = [str(n) for n in names]
    return ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
