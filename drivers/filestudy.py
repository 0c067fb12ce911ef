"""Studies whose data file is larger than memory: the study's rules through DuckDB, in batches.

A study file (:mod:`drivers.study`) whose ``data:`` is a big Parquet or CSV export is read
without ever holding its rows: DuckDB reads the file, and every rule of the study is the
one the in-memory path applies, reused rather than rewritten:

1. **Coding** (missing codes per column, text skip markers, answer texts, SPSS-style ranges,
   reverse scoring, segment and wave values). One SQL pass takes the distinct raw values of
   every rated, segment and wave column (DuckDB's ``histogram``; ratings have a handful).
   Those values alone go through :func:`drivers.io._check_rated` and
   :func:`drivers.io._grouping`, the functions that code a DataFrame column, so each raw
   value gets its rating (or blank) and its reason from the same rule. Values the rule
   rejects (off the scale, unreadable text) are then located in the file and reported in
   one line naming the file, column, data rows and what was expected, as on the pandas path.
   Weights, ids and blank segments obey the same rules too (:mod:`drivers.filecheck` finds
   the rows they name in SQL).
2. **Rows in batches.** DuckDB maps each raw value to its index among the distinct values
   (a ``CASE`` generated from that list) and streams the indices in Arrow batches of
   :data:`BATCH_ROWS` rows, in file order. Each batch becomes a small :class:`Study` (ratings
   and reasons, as :func:`drivers.io.load_study` builds them) on which the package's own
   functions run: :func:`drivers.analysis.driver_base`, :func:`drivers.diagnostics.select_rows`
   and :meth:`drivers.moments.Moments.from_arrays`. Their counts and moments add up over the
   batches, so memory stays at one batch whatever the file's size.
3. **The bootstrap without the rows: random groups.** Every row is assigned to one of
   :data:`BOOTSTRAP_GROUPS` groups by a seeded hash in SQL (of the respondent id, else the
   Parquet row number, else the row's values), and the moments of each group are kept. A
   resample draws G groups with replacement (multinomial counts) and adds their moments:
   the random-group variance estimator (Wolter 2007, *Introduction to Variance
   Estimation*, ch. 2) resampled as a bootstrap of G independent, identically distributed
   groups (each a random 1/G subsample). It costs one pass over the file whatever the
   number of resamples. The Poisson bootstrap of Chamandy et al. (2012, "Estimating
   uncertainty for massive data streams", Google) weights every row by a Poisson(1) count
   per resample instead; it needs B sets of moments per row, which at 25 columns and 1,000
   resamples is 300,000 sums per row, so groups are used here. Its coverage beside the
   respondent bootstrap is printed by ``benchmarks/validity_groups.py``.

What needs the rows themselves (the random forest, the NPS outcome models, composite
dimension scores, cross-validated R^2) is refused in one line.

Examples
--------
>>> import tempfile
>>> from drivers.paths import bank_loan_study_file
>>> study_file = as_parquet(bank_loan_study_file(), tempfile.mkdtemp())
>>> big = load_file_study(study_file)
>>> big.n_rows, len(big.study.attribute_columns)
(2000, 21)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from drivers.big import (
    _columns,
    _first_line,
    _quote,
    connect,
    is_big,
    table_source,
)
from drivers.filecheck import sql_value
from drivers.moments import Moments
from drivers.study import NO_SEGMENT, Study, StudyError

#: Rows DuckDB hands over at a time (about 3 MB per 25 columns of doubles).
BATCH_ROWS = 1 << 17
#: Random groups of the grouped bootstrap: enough that resampling them approximates
#: resampling respondents (the variance estimate has G - 1 degrees of freedom), few enough
#: that their moments stay small (G x 5 p^2 doubles: 4 MB at 25 columns).
BOOTSTRAP_GROUPS = 200
#: How each study command may read its data (``--engine``): "auto" takes DuckDB for a big
#: Parquet or CSV export (:func:`drivers.big.is_big`, the one threshold).
ENGINES = ("auto", "pandas", "duckdb")
#: What a study read through DuckDB cannot do (CLI messages and docs quote it).
REFUSED = ("the random forest, the NPS outcome models, composite dimension scores and "
           "cross-validated R^2 need the rows in memory")
#: Distinct raw values a rated column may have before it is refused as not a rating.
MAX_DISTINCT = 10_000


def _spec(study_file: Path):
    """The parsed study file and the line of each key (problems as :class:`StudyError`)."""
    from drivers.io import read_model

    model, lines, _ = read_model(study_file)
    return model, lines


def data_file(study_file: str | Path) -> Path:
    """The data file a study file names (``data:``), resolved and checked as on load."""
    from drivers.io import _data_path

    study_file = Path(study_file)
    model, lines = _spec(study_file)
    if not model.data:
        raise StudyError("the study file has no 'data:' entry naming the survey export",
                         study_file)
    return _data_path(study_file, model, lines)


def as_parquet(study_file: str | Path, folder: str | Path) -> Path:
    """A copy of a study with its data as Parquet, written into ``folder``: the study file
    (``study.yaml``, its ``data:`` pointing at the copy) and ``survey.parquet`` holding the
    export's raw values (codes and texts as read with the readers' defaults: detected
    encoding, delimiter and header). Handy to try the DuckDB path (``--engine duckdb``) on a
    small study. Returns the new study file."""
    import re

    from drivers.readers import read_table

    study_file, folder = Path(study_file), Path(folder)
    source = data_file(study_file)
    frame, _ = read_table(source)
    target = folder / "survey.parquet"
    frame.to_parquet(target)
    text = re.sub(r"(?m)^data:.*$", "data: survey.parquet", study_file.read_text(
        encoding="utf-8"))
    copy = folder / "study.yaml"
    copy.write_text(text, encoding="utf-8")
    return copy


def use_duckdb(study_file: str | Path, engine: str = "auto") -> bool:
    """Whether a study command reads its data through DuckDB (``engine``, :data:`ENGINES`).

    >>> from drivers.paths import bank_loan_study_file
    >>> use_duckdb(bank_loan_study_file()), use_duckdb(bank_loan_study_file(), "duckdb")
    (False, True)
    """
    from drivers.big import FILE_KINDS

    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "pandas":
        return False
    path = data_file(study_file)
    if path.suffix.lower() not in FILE_KINDS:
        if engine == "duckdb":
            raise ValueError(f"{path}: --engine duckdb reads {', '.join(sorted(FILE_KINDS))} "
                             f"files; use --engine pandas for this one")
        return False
    # A missing file is said by the path that reads it (pandas when "auto").
    return engine == "duckdb" or (path.is_file() and is_big(path))


# ---------------------------------------------------------------- the coding of each column


@dataclass
class CodedColumn:
    """One column of the file as the study codes it: ``raw`` lists its distinct values (the
    last slot, None, stands for a blank), ``values`` the rating of each slot (NaN: none),
    ``reasons`` the code of its missing reason into ``labels`` (-1: answered), ``counts``
    the rows holding each slot. Segment and wave columns have ``shown`` instead of ratings:
    the value each slot takes in ``Study.data`` (:data:`drivers.study.NO_SEGMENT` for
    blanks)."""

    column: str
    role: str
    sql_type: str
    raw: list
    counts: np.ndarray
    values: np.ndarray | None = None
    reasons: np.ndarray | None = None
    labels: list[str] = field(default_factory=list)
    shown: list | None = None
    #: Which slots hold text that is neither a rating nor a code (rated columns).
    non_numeric: np.ndarray | None = None

    def index_sql(self) -> str:
        """SQL giving each row's slot: the position of its raw value, else the blank slot."""
        name = _quote(self.column)
        blank = len(self.raw) - 1
        if not self.raw[:-1]:
            return f"{blank}::USMALLINT"
        cases = " ".join(f"WHEN {name} = {sql_value(v, self.sql_type)} THEN {k}"
                         for k, v in enumerate(self.raw[:-1]))
        return f"(CASE {cases} ELSE {blank} END)::USMALLINT"


@dataclass
class FileStudy:
    """A study whose rows stay in their file: what the columns mean, how each is coded.

    ``study`` is the :class:`drivers.study.Study` with every label, outcome, dimension and
    grouping, and no rows (its ``data`` is empty); ``coded`` maps each rated, segment and
    wave column to its :class:`CodedColumn`; ``n_rows`` counts the file's rows.
    """

    study: Study
    path: Path
    study_file: Path
    n_rows: int
    coded: dict[str, CodedColumn]
    kind: str
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    warnings: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"FileStudy({self.study.title!r}, {self.path.name}, n={self.n_rows:,})"

    def batches(self, columns: Sequence[str], *, group_seed: int | None = None
                ) -> Iterator[tuple[Study, np.ndarray | None]]:
        """The file in batches of :data:`BATCH_ROWS` rows, in file order, each as a
        :class:`Study` holding ``columns`` (plus the weight) coded as
        :func:`drivers.io.load_study` codes them, and with ``group_seed`` each row's random
        group (0 .. :data:`BOOTSTRAP_GROUPS` - 1, a seeded hash; None otherwise)."""
        columns = list(dict.fromkeys(columns))
        for slots, weights, groups in self.slot_batches(columns, group_seed=group_seed):
            yield self._batch(slots, columns, weights), groups

    def slot_batches(self, columns: Sequence[str], *, group_seed: int | None = None
                     ) -> Iterator[tuple[list[np.ndarray], np.ndarray | None,
                                         np.ndarray | None]]:
        """The file in batches as each column's slots (indices into its
        :class:`CodedColumn`), the weights (None when unweighted) and the random groups."""
        import duckdb

        study = self.study
        parts = [f"{self.coded[c].index_sql()} AS i{k}" for k, c in enumerate(columns)]
        if study.weight_column:
            parts.append(f"CAST({_quote(study.weight_column)} AS DOUBLE) AS w")
        if group_seed is not None:
            parts.append(f"(hash({self._group_key()}, {int(group_seed)}) % "
                         f"{BOOTSTRAP_GROUPS})::USMALLINT AS g")
        with connect() as con, table_source(self.path, self.encoding, self.delimiter,
                                                     self.decimal) as source:
            if self.kind == "parquet" and group_seed is not None and not study.id_column:
                source = source[:-1] + ", file_row_number = true)"
            con.execute("SET preserve_insertion_order = true")   # the same batches each run
            try:
                reader = con.sql(f"SELECT {', '.join(parts)} FROM {source}"
                                 ).to_arrow_reader(BATCH_ROWS)
                for batch in reader:
                    slots = [batch.column(k).to_numpy(zero_copy_only=False).astype(np.intp)
                             for k in range(len(columns))]
                    weights = (batch.column("w").to_numpy(zero_copy_only=False)
                               if study.weight_column else None)
                    groups = (batch.column("g").to_numpy(zero_copy_only=False).astype(np.intp)
                              if group_seed is not None else None)
                    yield slots, weights, groups
            except duckdb.Error as error:
                raise ValueError(f"{self.path}: could not be read ({_first_line(error)})"
                                 ) from None

    def _group_key(self) -> str:
        if self.study.id_column:
            return _quote(self.study.id_column)
        if self.kind == "parquet":
            return "file_row_number"
        return ", ".join(_quote(c) for c in self.coded)   # a CSV: the row's own values

    def _batch(self, slots: list[np.ndarray], columns: list[str],
               weights: np.ndarray | None, reasons: bool = True) -> Study:
        data, missing = {}, {}
        for column, slot in zip(columns, slots, strict=True):
            coded = self.coded[column]
            if coded.shown is not None:
                data[column] = pd.Series(np.asarray(coded.shown, dtype=object)[slot])
                continue
            data[column] = pd.Series(coded.values[slot])
            if reasons:
                missing[column] = pd.Series(pd.Categorical.from_codes(
                    coded.reasons[slot], categories=coded.labels))
        if self.study.weight_column:
            data[self.study.weight_column] = pd.Series(weights)
        frame = pd.DataFrame(data, index=pd.RangeIndex(len(slots[0])), copy=False)
        reasons = pd.DataFrame(missing, index=frame.index, copy=False)
        return dataclasses.replace(self.study, data=frame, missing=reasons)


def load_file_study(study_file: str | Path, data: str | Path | None = None) -> FileStudy:
    """Read a study file whose data is a Parquet or CSV export, without loading its rows.

    Parameters
    ----------
    study_file : str or Path
        The study file (YAML), as for :func:`drivers.io.load_study`.
    data : str or Path, optional
        Another export with the same layout, instead of the file's ``data:``.

    Returns
    -------
    FileStudy

    Raises
    ------
    StudyError
        Every problem of the study file and of its data, worded as
        :func:`drivers.io.load_study` words them (file, column, data rows, what was expected).
    """
    check, big = check_file_study(study_file, data)
    if check.problems:
        raise StudyError(check.problems, check.source)
    return big


def check_file_study(study_file: str | Path, data: str | Path | None = None):
    """:func:`drivers.io.check_study` of a study whose data is a Parquet or CSV export,
    without loading its rows: every problem collected, and the data-quality table.

    The rules are the pandas path's own (:func:`drivers.io._check_rated`,
    :func:`drivers.io._grouping`, :func:`drivers.io._check_weights`,
    :func:`drivers.io._id_problems`), run on each column's distinct values with their row
    counts (one SQL pass of histograms); the data rows a message names come from SQL
    (:mod:`drivers.filecheck`). The problems, warnings, read notes and quality table equal
    those of :func:`drivers.io.check_study` on the same file.

    Returns
    -------
    (StudyCheck, FileStudy or None)
        The check (its ``study`` a :class:`Study` without columns whose length is the
        file's row count, for its summary line), and the study to analyse when there is no
        problem.

    Examples
    --------
    >>> import tempfile
    >>> from drivers.paths import bank_loan_study_file
    >>> check, big = check_file_study(as_parquet(bank_loan_study_file(), tempfile.mkdtemp()))
    >>> check.problems, int(check.quality["answered"].iloc[0]), big.n_rows
    ([], 1994, 2000)
    """
    from drivers.big import FILE_KINDS
    from drivers.filecheck import RowFinder, id_problems, weight_problems
    from drivers.io import (
        StudyCheck,
        _header_hint,
        _list_names,
        _Structure,
        read_model,
        read_options,
    )
    from drivers.readers import TableMeta, check_header, csv_dialect

    study_file = Path(study_file)
    model, lines, spec_encoding = read_model(study_file)
    path = Path(data).resolve() if data is not None else data_file(study_file)
    kind = FILE_KINDS.get(path.suffix.lower())
    if kind is None:
        raise StudyError(f"a study read through DuckDB needs a "
                         f"{', '.join(sorted(FILE_KINDS))} file", path)
    if not path.is_file():   # as read_table says it
        from drivers.readers import READERS

        raise StudyError(f"data file not found (expected a {', '.join(sorted(READERS))} file)",
                         path)
    meta, encoding, delimiter, decimal = TableMeta(), None, None, None
    if kind == "csv":
        options = read_options(model)
        # The encoding as told once (by the study's column names where they are not ASCII),
        # then used for every pass over the file.
        encoding, delimiter, decimal, header, header_rows, records = csv_dialect(
            path, options, meta, tab=path.suffix.lower() == ".tsv")
        # DuckDB renames a repeated column name (a, a_1): refuse it as read_table does.
        check_header([c.strip() for c in records[header]] if records else [], path)
        if header or header_rows > 1:
            raise StudyError(f"column names on row {header + 1} and {header_rows} header rows: "
                             f"read through DuckDB, a CSV needs its column names on row 1 and "
                             f"no other header row; use --engine pandas", path)
    if spec_encoding:
        meta.detected["study file encoding"] = f"{spec_encoding} (detected)"
    structure = _Structure(model, meta, lines, study_file)
    problems, found_warnings = list(structure.problems), meta.warnings + structure.warnings
    quality_rows, first_row_text, coded, study_groupings = [], [], {}, {}
    with connect() as con, table_source(path, encoding, delimiter, decimal) as source:
        types = _columns(con, source, path)
        rated = [entry for entry in structure.rated_columns() if entry[0] in types]
        groupings = {c: g for c, g in structure.grouping_specs().items() if c in types}
        n_rows, histograms = _histograms(con, source, path, [c for c, *_ in rated]
                                         + list(groupings))
        if n_rows == 0:
            raise StudyError("has column names but no data rows; expected one row per "
                             "respondent under the header", path)
        referenced = structure.referenced_columns()
        absent = [(name, role) for name, role in referenced if name not in types]
        problems += [f"column {name!r} ({role}) is not in the data; the data has "
                     f"{_list_names(types)}" for name, role in absent]
        if len(absent) > len(referenced) / 2:
            problems.append(_header_hint(pd.DataFrame(columns=list(types)), meta))
        id_column = structure.id_column if structure.id_column in types else None
        finder = RowFinder(con, source, id_column, types.get(id_column),
                           bool(id_column) and _has_blank(con, source, id_column), kind, path)
        _texts_in_file_order(con, source, types, histograms, [c for c, *_ in rated])
        for column, role, scale, coding, reverse in rated:
            entry, result = _code_rated(types[column], column, role, scale, coding,
                                        reverse, histograms[column], finder)
            coded[column] = entry
            problems += result["problems"]
            quality_rows.append(result["quality"])
        if rated:
            first_row_text = _first_row_non_numeric(con, source, [coded[c] for c, *_ in rated])
        if first_row_text and sum(first_row_text) > len(first_row_text) / 2:
            problems.append("data row 1 holds text in most rated columns: it looks like a "
                            "second header row (question texts); set header_rows: in the "
                            "study file (2 for names + question texts, 3 for a Qualtrics "
                            "export)")
        if id_column:
            problems += id_problems(con, source, id_column, types[id_column], finder)
        if structure.weight_column in types:
            problems += weight_problems(con, source, structure.weight_column,
                                        types[structure.weight_column], finder)
        for column, (role, entry) in groupings.items():
            coded[column], study_groupings[column], note = _code_grouping(
                types[column], column, role, entry, histograms[column], finder)
            if note:
                found_warnings.append(note)
    quality = pd.DataFrame(quality_rows)
    notes = dict(meta.detected)
    if problems:
        return StudyCheck(problems=problems, quality=quality, study=None, source=study_file,
                          warnings=found_warnings, notes=notes), None
    empty = pd.DataFrame()
    study = Study(
        title=structure.title, data=empty, missing=empty, outcomes=structure.outcomes,
        dimensions=structure.dimensions, attributes=structure.attributes,
        id_column=structure.id_column, weight_column=structure.weight_column,
        segment_columns=structure.segments, wave_column=structure.wave_column,
        second_language=model.second_language, source=path, study_file=study_file,
        missing_codes=structure.global_codes, title_translations=structure.title_translations,
        groupings=study_groupings, report=structure.report, warnings=found_warnings,
        read_notes=notes)
    big = FileStudy(study=study, path=path, study_file=study_file, n_rows=n_rows,
                    coded=coded, kind=kind, encoding=encoding, delimiter=delimiter,
                    decimal=decimal, warnings=found_warnings)
    # No columns, one (free) RangeIndex row per data row: the summary line counts them.
    shown = dataclasses.replace(study, data=pd.DataFrame(index=pd.RangeIndex(n_rows)))
    return StudyCheck(problems=[], quality=quality, study=shown, source=study_file,
                      warnings=found_warnings, notes=notes), big


def _has_blank(con, source: str, column: str) -> bool:
    """Whether a column has a blank (NULL) value."""
    name = _quote(column)
    return bool(con.execute(f"SELECT count(*) - count({name}) FROM {source}").fetchone()[0])


def _histograms(con, source: str, path: Path, columns: list[str]) -> tuple[int, dict]:
    """Rows of the file and, per column, its distinct non-blank values with their counts."""
    import duckdb

    parts = ["count(*)"] + [f"histogram({_quote(c)})" for c in columns]
    parts += [f"count(*) - count({_quote(c)})" for c in columns]
    try:
        row = con.execute(f"SELECT {', '.join(parts)} FROM {source}").fetchone()
    except duckdb.Error as error:
        raise ValueError(f"{path}: could not be read ({_first_line(error)})") from None
    k = len(columns)
    histograms = {}
    for j, column in enumerate(columns):
        counts = dict(row[1 + j] or {})
        blank = int(row[1 + k + j])
        # NaN (a float blank) goes with the blanks, as pandas reads it.
        nan = [v for v in counts if isinstance(v, float) and v != v]
        for value in nan:
            blank += counts.pop(value)
        histograms[column] = (list(counts), np.array(list(counts.values()), dtype=np.int64),
                              blank)
    return int(row[0]), histograms


def _texts_in_file_order(con, source: str, types: dict, histograms: dict, columns: list[str]
                         ) -> None:
    """Order the distinct values of text columns as they first appear in the file (one
    pass): the pandas path lists texts, and numbers the reasons found in them, so."""
    from drivers.filecheck import first_rows

    texts = [c for c in columns if types[c] == "VARCHAR" and 1 < len(histograms[c][0])
             <= MAX_DISTINCT]
    if not texts:
        return
    probes = [CodedColumn(column=c, role="", sql_type="VARCHAR", raw=[*histograms[c][0], None],
                          counts=np.zeros(0)) for c in texts]
    found = first_rows(con, source, [probe.index_sql() for probe in probes],
                       [len(probe.raw) for probe in probes])
    for column, first in zip(texts, found, strict=True):
        raw, counts, blank = histograms[column]
        order = np.argsort(first[:-1], kind="stable")
        histograms[column] = ([raw[k] for k in order], counts[order], blank)


def _slots(raw: list) -> pd.Series:
    """A column's distinct values and the blank slot, typed as pandas reads the column."""
    slots = pd.Series([*(_python(v) for v in raw), None], dtype=object)
    if all(not isinstance(v, str) for v in raw):
        slots = pd.to_numeric(slots)
    return slots


def _code_rated(sql_type, column, role, scale, coding, reverse, histogram, finder):
    """A rated column's :class:`CodedColumn`, and the result of the pandas path's rule
    (:func:`drivers.io._check_rated`) on its distinct values weighted by their rows."""
    from drivers.io import _check_rated, reverse_scored

    raw, counts, blank = histogram
    slots = _slots(raw)
    all_counts = np.append(counts, blank)
    raw_slots = [*raw, None]
    result = _check_rated(slots, column, role, scale, coding, None, counts=all_counts,
                          rows=finder.for_values(column, sql_type, raw_slots))
    values = result["values"].to_numpy(dtype=float)
    if reverse and scale is not None:
        values = reverse_scored(values, scale)
    reasons = result["reasons"]
    entry = CodedColumn(column=column, role=role, sql_type=sql_type, raw=raw_slots,
                        counts=all_counts, values=values,
                        reasons=reasons.cat.codes.to_numpy(dtype=np.int16),
                        labels=[str(c) for c in reasons.cat.categories])
    entry.non_numeric = result["non_numeric"].to_numpy(dtype=bool)
    if len(raw) > MAX_DISTINCT and not result["problems"]:
        result["problems"].append(
            f"column {column!r} ({role}): {len(raw):,} distinct values; expected ratings on "
            f"the scale {scale[0]}-{scale[1]} and missing codes")
    return entry, result


def _first_row_non_numeric(con, source: str, columns: list[CodedColumn]) -> list[bool]:
    """Whether data row 1 holds unreadable text, per rated column (a second header row)."""
    parts = ", ".join(c.index_sql() if len(c.raw) <= MAX_DISTINCT else "NULL" for c in columns)
    con.execute("SET preserve_insertion_order = true")
    try:
        row = con.execute(f"SELECT {parts} FROM {source} LIMIT 1").fetchone()
    finally:
        con.execute("SET preserve_insertion_order = false")
    return [slot is not None and bool(c.non_numeric[slot]) for c, slot in
            zip(columns, row, strict=True)]


def _code_grouping(sql_type, column, role, entry, histogram, finder):
    """A segment or wave column's :class:`CodedColumn` and :class:`Grouping`, from
    :func:`drivers.io._grouping` on its distinct values (blanks: :data:`NO_SEGMENT`), with
    its note on blanks naming their data rows."""
    from drivers.io import _grouping

    raw, counts, blank = histogram
    all_counts = np.append(counts, blank)
    values, grouping, note = _grouping(_slots(raw), column, role, entry, None, None,
                                       counts=all_counts,
                                       rows=finder.for_values(column, sql_type, [*raw, None]))
    shown = [NO_SEGMENT if (v is None or (isinstance(v, float) and v != v)) else v
             for v in pd.Series(values).astype(object).tolist()]
    shown[-1] = NO_SEGMENT
    coded = CodedColumn(column=column, role=role, sql_type=sql_type, raw=[*raw, None],
                        counts=all_counts, shown=shown)
    return coded, grouping, note


def _python(value):
    """DuckDB's values as pandas reads them (Decimal -> float)."""
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else value



# ---------------------------------------------------------------- rows and moments, in batches


class _Rows:
    """The row account and the moments of a driver model, summed batch by batch.

    Columns are the drivers then the outcomes; the account (which rows are used, why the
    others are not) is that of :func:`drivers.diagnostics.select_rows` for the drivers and
    the first outcome, kept as a :class:`drivers.big.FileRows` (reasons by pattern, so the
    "most widespread reason" of each left-out row is decided on the whole file). Moments are
    kept per random group (one group without a bootstrap), about one shift.
    """

    def __init__(self, drivers: list[str], outcomes: list[str], missing: str, weighted: bool,
                 groups: int):
        from drivers.diagnostics import DRIVER_MISSING, OUTCOME_MISSING

        self.drivers, self.outcomes, self.missing = drivers, outcomes, missing
        self.weighted, self.n_groups = weighted, groups
        self.labels = ["", DRIVER_MISSING, OUTCOME_MISSING]
        self.group_moments: list[Moments | None] = [None] * groups
        self.shift: np.ndarray | None = None
        self.account = None

    def add(self, study: Study, groups: np.ndarray | None) -> None:
        """Add the rows of one batch (a :class:`Study` already cut to the base)."""
        from drivers.big import FileRows

        columns = [*self.drivers, *self.outcomes]
        model = [*self.drivers, self.outcomes[0]]
        values = study.data[columns].to_numpy(dtype=np.float64, na_value=np.nan)
        w = (study.data[study.weight_column].to_numpy(dtype=np.float64)
             if study.weight_column else None)
        reason = self._reasons(study, model, values[:, :len(model)])
        blank = reason > 0
        if self.missing == "listwise":
            keep = ~blank.any(axis=1)
        else:
            keep = (len(model) - blank.sum(axis=1)) >= 2
        mask = np.zeros(len(values), dtype=np.int64)
        for j in range(len(model)):
            mask |= np.where(blank[:, j], np.left_shift(1, reason[:, j].astype(np.int64)), 0)
        patterns = {}
        for bits, count in zip(*np.unique(mask, return_counts=True), strict=True):
            found = frozenset(self.labels[r] for r in range(1, len(self.labels))
                              if int(bits) >> r & 1)
            patterns[found] = int(count)
        cells = {}
        for j, column in enumerate(model):
            counts = np.bincount(reason[:, j], minlength=len(self.labels))
            for r in np.flatnonzero(counts[1:]) + 1:
                cells[(self.labels[r], column)] = int(counts[r])
        used = values[keep]
        wu = None if w is None else w[keep]
        if self.shift is None:
            self.shift = _column_means(used)
        pairwise = self.missing == "pairwise"
        where = np.zeros(len(used), dtype=np.intp) if groups is None else groups[keep]
        order = np.argsort(where, kind="stable")
        bounds = np.searchsorted(where[order], np.arange(self.n_groups + 1))
        total = None
        for g in range(self.n_groups):
            rows = order[bounds[g]:bounds[g + 1]]
            if not len(rows):
                continue
            part = Moments.from_arrays(used[rows], None if wu is None else wu[rows],
                                       columns=columns, pairwise=pairwise, shift=self.shift)
            self.group_moments[g] = part if self.group_moments[g] is None \
                else self.group_moments[g] + part
            total = part if total is None else total + part
        with np.errstate(all="ignore"):
            low = np.nanmin(used[:, :len(model)], axis=0) if len(used) else np.full(
                len(model), np.nan)
            high = np.nanmax(used[:, :len(model)], axis=0) if len(used) else np.full(
                len(model), np.nan)
        shift = self.shift[:len(model)]
        empty = Moments.from_arrays(np.empty((0, len(model))), columns=model,
                                    pairwise=pairwise, shift=shift)
        batch = FileRows(outcome=self.outcomes[0], drivers=self.drivers, missing=self.missing,
                         moments=empty if total is None else total.select(model),
                         weighted=self.weighted, n_rows=len(values),
                         n_few=int((~keep).sum()) if pairwise else 0,
                         used_weight=float(len(used) if wu is None else wu.sum()),
                         used_weight_sq=float(len(used) if wu is None else wu @ wu),
                         low=low - shift, high=high - shift, patterns=patterns, cells=cells)
        self.account = batch if self.account is None else self.account + batch

    def _reasons(self, study: Study, columns: list[str], values: np.ndarray) -> np.ndarray:
        """Reason codes into ``labels`` of every cell (0: answered), as select_rows records
        them: the study's recorded reason, else driver_missing / outcome_missing."""
        reason = np.zeros(values.shape, dtype=np.int64)
        blank = np.isnan(values)
        for j, column in enumerate(columns):
            if not blank[:, j].any():
                continue
            fallback = 2 if j == len(columns) - 1 else 1
            recorded = study.missing[column] if column in study.missing.columns else None
            codes = np.full(len(values), fallback)
            if recorded is not None:
                names = [self._label(str(c)) for c in recorded.cat.categories]
                found = recorded.cat.codes.to_numpy()
                known = found >= 0
                codes[known] = np.asarray(names, dtype=np.int64)[found[known]]
            reason[blank[:, j], j] = codes[blank[:, j]]
        return reason

    def _label(self, label: str) -> int:
        if label not in self.labels:
            self.labels.append(label)
        return self.labels.index(label)

    @property
    def moments(self) -> Moments:
        """The moments of every used row (the groups added)."""
        parts = [m for m in self.group_moments if m is not None]
        return sum(parts[1:], parts[0])


def _column_means(values: np.ndarray) -> np.ndarray:
    """A shift near the data (the answered mean of each column; 0 for none)."""
    answered = ~np.isnan(values)
    counts = answered.sum(axis=0)
    totals = np.where(answered, values, 0.0).sum(axis=0)
    return np.divide(totals, counts, out=np.zeros(values.shape[1]), where=counts > 0)


class GroupStatistic:
    """A statistic of summed group moments, as :func:`drivers.bootstrap.bootstrap_samples`
    evaluates it: its "respondents" are the G groups, and the frequency weights ``w`` it
    passes say how often each group was drawn. Picklable (worker processes, a cluster)."""

    _FIELDS = ("sums", "cross", "pair_n", "pair_weight", "pair_weight_sq", "pair_sums",
               "pair_squares", "pair_cross")

    def __init__(self, groups: Sequence[Moments | None], statistic):
        present = [m for m in groups if m is not None]
        self.template, self.statistic = present[0], statistic
        names = [f for f in self._FIELDS if getattr(self.template, f) is not None]
        self.stacks = {name: np.stack([np.zeros(np.shape(getattr(self.template, name)))
                                       if m is None else np.asarray(getattr(m, name), float)
                                       for m in groups]) for name in names}
        self.scalars = np.array([[0.0, 0.0, 0.0] if m is None
                                 else [m.n, m.weight_sum, m.weight_sq_sum] for m in groups])

    def moments(self, w: np.ndarray) -> Moments:
        """The moments of the groups drawn, each as often as ``w`` says."""
        n, weight_sum, weight_sq_sum = w @ self.scalars
        summed = {name: np.tensordot(w, stack, axes=1) for name, stack in self.stacks.items()}
        if "pair_n" in summed:
            summed["pair_n"] = np.rint(summed["pair_n"]).astype(np.int64)
        return Moments(columns=self.template.columns, n=int(round(n)), weight_sum=weight_sum,
                       weight_sq_sum=weight_sq_sum, shift=self.template.shift, **summed)

    def __call__(self, X, y, w) -> np.ndarray:
        return np.asarray(self.statistic(self.moments(w)), dtype=float)


def group_bootstrap(groups: Sequence[Moments | None], statistic, n_resamples: int,
                    seed: int | None = None, n_jobs: int | None = 1,
                    progress: bool = False) -> np.ndarray:
    """Random-group bootstrap: ``statistic(moments)`` on resamples of whole groups.

    Parameters
    ----------
    groups : list of Moments (or None for an empty group)
        The moments of each of G disjoint random groups of rows, about one shift.
    statistic : callable
        ``statistic(moments) -> ndarray`` (importances, for example); picklable to run in
        worker processes.
    n_resamples : int
        Resamples; each draws G groups with replacement and adds their moments, each group
        as many times as it was drawn.
    seed, n_jobs, progress
        As in :func:`drivers.bootstrap.bootstrap_samples`, which runs the resamples with
        the G groups as its units (the same draws, blocks, processes and progress bar as a
        respondent bootstrap; identical numbers whatever the number of processes).

    Returns
    -------
    ndarray (n_resamples, k)

    Notes
    -----
    With rows assigned to groups at random, the group moments are independent and
    identically distributed, and a smooth statistic of their sum is resampled as in the
    ordinary bootstrap with G units (Wolter 2007, ch. 2, random groups; Efron & Tibshirani
    1993, ch. 6). The variance estimate has about G - 1 degrees of freedom.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> values = rng.normal(size=(1000, 2))
    >>> parts = [Moments.from_arrays(values[g::50], shift=[0.0, 0.0]) for g in range(50)]
    >>> draws = group_bootstrap(parts, _mean, 200, seed=1)
    >>> draws.shape, bool(0.02 < draws[:, 0].std() < 0.05)   # se of a mean of 1000: 0.032
    ((200, 2), True)
    """
    from drivers.bootstrap import bootstrap_samples

    k = len(groups)
    return bootstrap_samples(GroupStatistic(groups, statistic), np.zeros((k, 1)), np.zeros(k),
                             None, n_resamples=n_resamples, seed=seed, n_jobs=n_jobs or 1,
                             progress=progress, description="random-group bootstrap")


def _mean(moments: Moments) -> np.ndarray:
    return moments.mean()


class _Importances:
    """Importances of every outcome from summed moments (picklable)."""

    def __init__(self, paired, k: int, missing: str):
        self.paired, self.k, self.missing = paired, k, missing

    def __call__(self, moments: Moments) -> np.ndarray:
        return self.paired.from_correlation(moments.correlation(self.missing), self.k)


# ---------------------------------------------------------------- compare


def file_compare(big: FileStudy, outcomes: Sequence[str] = ("csat", "nps"),
                 level: str = "attribute", method: str = "shapley", bootstrap: int = 1000,
                 ci: float = 0.95, seed: int | None = None, missing: str | None = None,
                 base: str = "driver", min_difference: float | None = None,
                 dimension_mode: str = "grouped", n_jobs: int | None = 1,
                 progress: bool = False) -> pd.DataFrame:
    """:func:`drivers.analysis.compare` of a study whose data stays in its file.

    Parameters are those of :func:`drivers.analysis.compare`. The point estimates equal the
    in-memory ones (to rounding: the same base, rows and moments); the intervals come from
    the random-group bootstrap (:func:`group_bootstrap`, :data:`BOOTSTRAP_GROUPS` groups by
    a seeded hash), not from respondent resamples, and ``attrs["interval_method"]`` says so.
    Composite dimension scores and methods that need rows are refused (:data:`REFUSED`).

    Examples
    --------
    >>> import tempfile
    >>> from drivers.paths import bank_loan_study_file
    >>> study_file = as_parquet(bank_loan_study_file(), tempfile.mkdtemp())
    >>> table = file_compare(load_file_study(study_file), level="dimension",
    ...                      bootstrap=0)
    >>> table[["driver", "share_csat", "share_nps"]].round(2).values.tolist()[:1]
    [['BX', 0.48, 0.16]]
    """
    from drivers.analysis import MIN_DIFFERENCE

    outcomes = tuple(outcomes)
    return file_compare_pairs(big, [outcomes], level=level, method=method, bootstrap=bootstrap,
                              ci=ci, seed=seed, missing=missing, base=base,
                              min_difference=MIN_DIFFERENCE if min_difference is None
                              else min_difference, dimension_mode=dimension_mode,
                              n_jobs=n_jobs, progress=progress)[outcomes]


def file_compare_pairs(big: FileStudy, pairs, level: str = "attribute",
                       method: str = "shapley", bootstrap: int = 1000, ci: float = 0.95,
                       seed: int | None = None, missing: str | None = None,
                       base: str = "driver", min_difference: float = 0.03,
                       dimension_mode: str = "grouped", n_jobs: int | None = 1,
                       progress: bool = False) -> dict[tuple[str, str], pd.DataFrame]:
    """:func:`drivers.analysis.compare_pairs` of a study whose data stays in its file."""
    from drivers.analysis import (
        BASES,
        DIMENSION_MODES,
        LEVELS,
        base_description,
        default_missing,
        driver_base,
        pair_tables,
        r2_from_correlation,
    )
    from drivers.bootstrap import resolve_seed
    from drivers.importance import CORRELATION_METHODS, _resolve_groups, base_warnings
    from drivers.paired import PairedStatistic

    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    if dimension_mode not in DIMENSION_MODES:
        raise ValueError(f"dimension_mode must be one of {', '.join(DIMENSION_MODES)}, got "
                         f"{dimension_mode!r}")
    if base not in BASES:
        raise ValueError(f"base must be one of {', '.join(BASES)}, got {base!r}")
    if method not in CORRELATION_METHODS or (level == "dimension"
                                             and dimension_mode == "composite"):
        what = f"method {method!r}" if method not in CORRELATION_METHODS else "composite scores"
        raise ValueError(f"{big.path}: {what} is not available for a study read through "
                         f"DuckDB: {REFUSED}; use --engine pandas on a machine that holds the "
                         f"file, or the methods {', '.join(CORRELATION_METHODS)}")
    pairs = [tuple(pair) for pair in pairs]
    for pair in pairs:
        if len(pair) != 2 or pair[0] == pair[1]:
            raise ValueError(f"compare needs two different outcomes, got {pair!r}")
    study = big.study
    outcomes = tuple(dict.fromkeys(name for pair in pairs for name in pair))
    columns = [study.outcome(o).column for o in outcomes]
    missing = default_missing(method, missing)
    drivers, names, groups = study.attribute_columns, study.attribute_columns, None
    if level == "dimension":
        drivers, names, groups, _ = _resolve_groups(study.groups, None)
    resample_seed = resolve_seed(seed) if bootstrap else None
    rows = _Rows(list(drivers), columns, missing, study.weight_column is not None,
                 BOOTSTRAP_GROUPS if bootstrap else 1)
    every = [study.outcome(o).column for o in study.outcomes]
    facts = {"n": 0, "total": 0, "not_applicable": 0, "outcome_missing": {}, "dimensions": []}
    n_base, blanks = 0, {}
    for batch, group in big.batches([*study.attribute_columns, *every],
                                    group_seed=resample_seed):
        if base == "driver":
            batch_base, found = driver_base(batch)
            keep = _kept(batch, batch_base)
            for key in ("n", "total", "not_applicable"):
                facts[key] += found[key]
            for name, count in found["outcome_missing"].items():
                facts["outcome_missing"][name] = facts["outcome_missing"].get(name, 0) + count
            facts["dimensions"] += [d for d in found["dimensions"] if d not in facts["dimensions"]]
            batch = batch_base
            group = None if group is None else group[keep]
        else:
            facts["n"] += len(batch.data)
            facts["total"] += len(batch.data)
        n_base += len(batch.data)
        answered = batch.data[columns].notna().all(axis=1).to_numpy()
        both = answered.copy()
        for name, column in zip(outcomes, columns, strict=True):   # as _outcome_blanks
            blank = (~both) & batch.data[column].isna().to_numpy()
            if blank.any():
                blanks[f"{name}_missing"] = blanks.get(f"{name}_missing", 0) + int(blank.sum())
                both |= blank
        if not answered.all():
            batch = dataclasses.replace(batch, data=batch.data.loc[answered],
                                        missing=batch.missing.loc[answered])
            group = None if group is None else group[answered]
        rows.add(batch, group)
    if rows.account is None or rows.account.n_used == 0:
        raise ValueError(f"{big.path}: no respondent is left in the base ({base}); expected "
                         f"rows with {', '.join(outcomes)} answered")
    first = rows.account
    first.check_usable(big.path)
    base_facts = {"rule": base, "description": base_description(base, list(study.outcomes)
                                                               if base == "driver" else ()),
                  **facts, "outcomes": list(study.outcomes), "missing": missing}
    if base == "all":
        base_facts["dimensions"], base_facts["outcome_missing"] = [], {}
    dropped = dict(blanks)
    for reason, n in first.dropped_reasons.items():
        dropped[reason] = dropped.get(reason, 0) + n
    k = len(drivers)
    importances = _Importances(PairedStatistic(method, groups, missing, seed), k, missing)
    moments = rows.moments
    point = importances(moments)
    corr = moments.correlation(missing)
    r2 = {name: r2_from_correlation(corr[np.ix_([*range(k), k + j], [*range(k), k + j])],
                                    missing) for j, name in enumerate(outcomes)}
    warnings = base_warnings(first, n_base)
    samples = None
    if bootstrap:
        samples = group_bootstrap(rows.group_moments, importances, int(bootstrap),
                                  seed=resample_seed, n_jobs=n_jobs, progress=progress)
    else:
        warnings.append("no bootstrap: differences in share have no interval, so no driver is "
                        "labelled CSAT- or NPS-led; pass bootstrap=1000")
    account = {"n_used": first.n_used, "n_dropped": int(n_base - first.n_used),
               "dropped_reasons": dropped, "weighted": first.weighted, "index": None}
    tables = pair_tables(study, pairs, outcomes, names, point, samples, resample_seed, account,
                         r2, warnings, base_facts, level=level, method=method, ci=ci, seed=seed,
                         missing=missing, bootstrap=bootstrap, min_difference=min_difference,
                         dimension_mode=dimension_mode)
    for table in tables.values():
        table.attrs.update({"source": "moments (DuckDB)", "interval_method":
                            f"random groups ({BOOTSTRAP_GROUPS})" if bootstrap else None})
    return tables


def _kept(study: Study, base: Study) -> np.ndarray:
    """Which rows of ``study`` the base kept (its index is a subset of the study's)."""
    if base is study:
        return np.ones(len(study.data), dtype=bool)
    return study.data.index.isin(base.data.index)


# ---------------------------------------------------------------- metrics


class _Counts:
    """Rows, weights and squared weights per (cell slot, value slot) of one column."""

    def __init__(self, cells: int, values: int):
        self.values = values
        self.sums = np.zeros((3, cells * values))

    def add(self, cell: np.ndarray, slot: np.ndarray, w: np.ndarray | None) -> None:
        key = cell * self.values + slot
        size = self.sums.shape[1]
        self.sums[0] += np.bincount(key, minlength=size)
        if w is None:                 # unweighted: every weight and its square are 1
            self.sums[1] = self.sums[2] = self.sums[0]
            return
        self.sums[1] += np.bincount(key, weights=w, minlength=size)
        self.sums[2] += np.bincount(key, weights=w * w, minlength=size)

    def cell(self, slots: Sequence[int]) -> np.ndarray:
        """(3, values): the sums of some cell slots together."""
        table = self.sums.reshape(3, -1, self.values)
        return table[:, list(slots), :].sum(axis=1)


def file_metrics(big: FileStudy, by: str | None = None, ci: float = 0.95
                 ) -> dict[str, pd.DataFrame]:
    """:func:`drivers.metrics.metrics_summary` (or, with ``by``, the outcome table by one
    segment or wave column) of a study whose data stays in its file.

    Every estimator needs only, per cell and column, the rows, weights and squared weights
    of each answer value (a composite's distinct values for the dimensions), summed over the
    batches; the tables come from the same functions as on the pandas path
    (:func:`drivers.metrics.rating_of_sample`, :func:`drivers.metrics.nps_of_sample`, and
    the row builders).

    Examples
    --------
    >>> import tempfile
    >>> from drivers.paths import bank_loan_study_file
    >>> study_file = as_parquet(bank_loan_study_file(), tempfile.mkdtemp())
    >>> tables = file_metrics(load_file_study(study_file))
    >>> list(tables)[:2], int(tables["outcomes"]["n"].iloc[0])
    (['outcomes', 'outcomes_by_channel'], 1994)
    """
    from drivers.metrics import (
        NPS_METHOD,
        TOP_BOX_METHOD,
        _by_columns,
        _check_ci,
        attribute_frame,
        attribute_row,
        dimension_answers,
        dimension_frame,
        dimension_row,
        outcome_frame,
        outcome_result_of_sample,
        outcome_row,
    )

    _check_ci(ci)
    study = big.study
    weighted = study.weight_column is not None
    shell = dataclasses.replace(study, data=pd.DataFrame(columns=list(big.coded)))
    if by is not None:
        groupings = _by_columns(shell, by, reserved=[])
    else:
        groupings = [s for s in study.segment_columns if s != study.wave_column]
        groupings += [study.wave_column] if study.wave_column else []
    outcomes = [o.column for o in study.outcomes.values()]
    attributes = study.attribute_columns if by is None else []
    rated = [*outcomes, *attributes]
    columns = [*rated, *groupings]
    counts = {(None, c): _Counts(1, len(big.coded[c].raw)) for c in rated}
    for grouping in groupings:
        for c in outcomes:
            counts[(grouping, c)] = _Counts(len(big.coded[grouping].raw), len(big.coded[c].raw))
    composites: dict[str, dict] = {name: {} for name in study.dimensions} if by is None else {}
    pooled = {name: np.zeros(3) for name in composites}
    for slots, w, _ in big.slot_batches(columns):
        where = dict(zip(columns, slots, strict=True))
        zero = np.zeros(len(slots[0]), dtype=np.intp)
        for (grouping, column), table in counts.items():
            table.add(zero if grouping is None else where[grouping], where[column], w)
        if composites:
            batch = big._batch(slots[:len(rated)], rated, w, reasons=False)
            weights = np.ones(len(batch.data)) if w is None else w
            scores = batch.dimension_scores()
            for name, dimension in study.dimensions.items():
                _add_values(composites[name], scores[name].to_numpy(dtype=float), weights)
                answers, in_top = dimension_answers(batch, list(dimension.attributes), None)
                pooled[name] += [np.sum(weights * in_top), np.sum(weights * answers),
                                 answers.sum()]
    tables = {}
    for grouping in ([None] if by is None else []) + groupings:
        rows = []
        for key, cell_slots in _cells(big, grouping):
            for outcome in study.outcomes.values():
                sample = _sample_of(big.coded[outcome.column],
                                    counts[(grouping, outcome.column)].cell(cell_slots))
                result = outcome_result_of_sample(outcome, sample, ci, TOP_BOX_METHOD,
                                                  NPS_METHOD)
                rows.append(outcome_row(outcome, key, result))
        names = [] if grouping is None else [grouping]
        rows.sort(key=lambda row: [*study.outcomes].index(row["outcome"]))
        table = outcome_frame(rows, names, ci, TOP_BOX_METHOD, NPS_METHOD, weighted)
        label = ("outcomes" if grouping is None else "outcomes_by_wave"
                 if grouping == study.wave_column else f"outcomes_by_{grouping}")
        tables[label] = table
    if by is not None:
        return tables
    from drivers.metrics import RatingResult, rating_of_sample

    rows = []
    for column in attributes:
        attribute = study.attributes[column]
        sample = _sample_of(big.coded[column], counts[(None, column)].cell([0]))
        result = rating_of_sample(RatingResult, sample, attribute.scale, 2, ci, TOP_BOX_METHOD)
        rows.append(attribute_row(study, column, {}, result, "en"))
    tables["attributes"] = attribute_frame(rows, [], ci, None, weighted)
    rows = []
    for name in study.dimensions:
        found = composites[name]
        values = np.array(list(found), dtype=float)
        sums = np.array(list(found.values()), dtype=float).reshape(-1, 3)
        from drivers.metrics import _mean_summary

        mean = _mean_summary(values, sums[:, 1], ci, sums[:, 2],
                             sums[:, 0].astype(np.int64))
        rows.append(dimension_row(study, name, {}, mean, pooled[name][0], pooled[name][1],
                                  int(pooled[name][2]), "en"))
    tables["dimensions"] = dimension_frame(rows, [], ci, None, weighted)
    return tables


def _add_values(found: dict, values: np.ndarray, weights: np.ndarray) -> None:
    """Add rows, weights and squared weights per distinct value (NaN one value of its own)."""
    key = np.where(np.isnan(values), np.inf, values)
    distinct, inverse = np.unique(key, return_inverse=True)
    sums = np.stack([np.bincount(inverse, minlength=len(distinct)),
                     np.bincount(inverse, weights=weights, minlength=len(distinct)),
                     np.bincount(inverse, weights=weights * weights, minlength=len(distinct))])
    for k, value in enumerate(distinct):
        value = float("nan") if np.isinf(value) else float(value)
        entry = found.setdefault(value if value == value else "nan", np.zeros(3))
        entry += sums[:, k]


def _sample_of(coded: CodedColumn, sums: np.ndarray):
    """A :class:`drivers.metrics._Sample` of one column in one cell from its value sums."""
    from drivers.metrics import _Sample

    answered = ~np.isnan(coded.values) & (sums[0] > 0)
    blank = np.isnan(coded.values)
    return _Sample(values=coded.values[answered], weights=sums[1][answered],
                   n_missing=int(sums[0][blank].sum()), weights_sq=sums[2][answered],
                   counts=sums[0][answered].astype(np.int64))


def _cells(big: FileStudy, grouping: str | None):
    """(``{column: value}``, cell slots) per value of a segment or wave column present in
    the file, in the package's order (:func:`drivers.metrics.level_order`); one cell
    without a grouping."""
    from drivers.metrics import level_order

    if grouping is None:
        yield {}, [0]
        return
    coded = big.coded[grouping]
    slots: dict = {}
    for k, (value, count) in enumerate(zip(coded.shown, coded.counts, strict=True)):
        if count:
            slots.setdefault(value, []).append(k)
    order = level_order(pd.Series(list(slots), dtype=object))
    for value in sorted(slots, key=order):
        yield {grouping: value}, slots[value]
