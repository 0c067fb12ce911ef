"""The values ``drivers init`` reads of an export larger than memory, through DuckDB.

:func:`drivers.init.starter_study` guesses each column's role, scale and missing codes from
a :class:`drivers.init.ColumnValues`: its non-blank values, blank rows, number of distinct
values and dtype. For a big Parquet or CSV export these come from SQL, never from the rows
in pandas:

- a column with at most :data:`MAX_LISTED` distinct values (ratings, codes, segments,
  waves: nearly every column of a survey) gets its exact value list with the rows holding
  each value (DuckDB's ``histogram``), texts in the order they first appear in the file (the
  order the pandas path finds them in, which the study file's lists follow);
- a column with more (ids, weights, free text) gets its exact blank count and its distinct
  count (exact when it may be an id, see :data:`UNIQUE_SHARE`) from SQL, and its values from
  a seeded sample of about :data:`SAMPLE_ROWS` rows (each row
  kept when a hash of its values and :data:`SAMPLE_SEED` falls below the sampling fraction:
  the same rows every run, whatever the number of threads). The guesses that read those
  values (a weight's share of fractional values, a wave's value pattern, a free-text
  column's texts) rest on the sample; the file's own ids, weights and texts are then
  checked exactly by ``drivers validate``.

On an export of fewer rows than the sample, every value is read and the study file equals
the pandas path's (tested).

Examples
--------
>>> import tempfile, pandas as pd
>>> from pathlib import Path
>>> from drivers.paths import bank_loan_study_file
>>> path = Path(tempfile.mkdtemp()) / "survey.parquet"
>>> pd.read_csv(bank_loan_study_file().parent / "survey.csv").to_parquet(path)
>>> views, n_rows, meta = file_values(path)
>>> n_rows, views["csat"].levels, sorted(views["csat"].present)[-2:]
(2000, 5, [4.0, 5.0])
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from drivers.big import FILE_KINDS, _columns, _first_line, _quote, connect, is_big, table_source
from drivers.filecheck import _INTEGER

#: Distinct values up to which a column's exact value list is read.
MAX_LISTED = 10_000
#: About how many rows the sample of the other columns holds.
SAMPLE_ROWS = 200_000
#: A column beyond the value lists whose estimated distinct values (HyperLogLog, a few
#: percent off) reach this share of its answered rows may be an id (unique in every row):
#: its distinct values are counted exactly. Below it the estimate stands; the guesses only
#: ask whether a column is unique, or has at most 24 distinct values.
UNIQUE_SHARE = 0.9
#: The seed of the sample's hash.
SAMPLE_SEED = 20_260_101



def use_duckdb_for(export: Path, engine: str = "auto") -> bool:
    """Whether ``drivers init`` reads ``export`` through DuckDB (``--engine``)."""
    from drivers.filestudy import ENGINES

    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "pandas":
        return False
    if Path(export).suffix.lower() not in FILE_KINDS:
        if engine == "duckdb":
            raise ValueError(f"{export}: --engine duckdb reads {', '.join(sorted(FILE_KINDS))} "
                             f"files; use --engine pandas for this one")
        return False
    return engine == "duckdb" or is_big(export)


def _dtype(sql_type: str, blanks: int):
    """The dtype pandas reads a column of this SQL type with."""
    base = sql_type.split("(")[0]
    if base in _INTEGER:
        return np.dtype("float64") if blanks else np.dtype("int64")
    if base == "BOOLEAN":
        return np.dtype("bool") if not blanks else np.dtype(object)
    if base in ("FLOAT", "DOUBLE", "DECIMAL", "REAL"):
        return np.dtype("float64")
    return np.dtype(object)


def _series(values: list, dtype) -> pd.Series:
    from decimal import Decimal

    values = [float(v) if isinstance(v, Decimal) else v for v in values]
    if pd.api.types.is_object_dtype(dtype):
        return pd.Series(values, dtype=object)
    return pd.Series(values).astype(dtype)


def file_values(export: str | Path):
    """Per column, its :class:`drivers.init.ColumnValues` read through DuckDB; the row
    count; and how a CSV was read (:class:`drivers.readers.TableMeta`, as the pandas path
    notes it).

    Returns
    -------
    (dict of ColumnValues, int, TableMeta)
    """
    import duckdb

    from drivers.filecheck import first_rows, values_condition
    from drivers.init import ColumnValues
    from drivers.readers import ReadOptions, TableMeta, check_header, csv_dialect
    from drivers.study import StudyError

    export = Path(export)
    meta, delimiter, decimal = TableMeta(), None, None
    if FILE_KINDS.get(export.suffix.lower()) == "csv":
        _, delimiter, decimal, header, rows, records = csv_dialect(
            export, ReadOptions(), meta, tab=export.suffix.lower() == ".tsv")
        if header or rows > 1:
            raise StudyError(f"column names on row {header + 1} and {rows} header rows: read "
                             f"through DuckDB, a CSV needs its column names on row 1 and no "
                             f"other header row; use --engine pandas", export)
        check_header([c.strip() for c in records[header]] if records else [], export)
    with connect() as con, table_source(export, None, delimiter, decimal) as source:
        types = _columns(con, source, export)
        check_header(list(types), export)
        names = list(types)
        parts = ["count(*)"]
        for name in names:
            parts += [f"count({_quote(name)})", f"approx_count_distinct({_quote(name)})"]
        try:
            row = con.execute(f"SELECT {', '.join(parts)} FROM {source}").fetchone()
        except duckdb.Error as error:
            raise ValueError(f"{export}: could not be read ({_first_line(error)})") from None
        n_rows = int(row[0])
        if n_rows == 0:
            raise StudyError("has column names but no data rows; expected one row per "
                             "respondent under the header", export)
        blanks = {name: n_rows - int(row[1 + 2 * k]) for k, name in enumerate(names)}
        approx = {name: int(row[2 + 2 * k]) for k, name in enumerate(names)}
        # HyperLogLog errs by a few percent: a margin, then the exact list decides.
        listed = [name for k, name in enumerate(names) if row[2 + 2 * k] <= 2 * MAX_LISTED]
        lists = {}
        if listed:
            found = con.execute(f"SELECT {', '.join(f'histogram({_quote(c)})' for c in listed)} "
                                f"FROM {source}").fetchone()
            for name, histogram in zip(listed, found, strict=True):
                counts = {v: c for v, c in (histogram or {}).items()
                          if not (isinstance(v, float) and v != v)}
                if len(counts) <= MAX_LISTED:
                    blanks[name] += sum((histogram or {}).values()) - sum(counts.values())
                    lists[name] = counts
        _order_texts(con, source, types, lists, first_rows, values_condition)
        sampled = [name for name in names if name not in lists]
        sample = _sample(con, source, sampled, n_rows) if sampled else {}
        views = {}
        for name in names:
            dtype = _dtype(types[name], blanks[name])
            if name in lists:
                values, counts = list(lists[name]), np.array(list(lists[name].values()), float)
                views[name] = ColumnValues(present=_series(values, dtype), blanks=blanks[name],
                                           levels=len(values), dtype=dtype, counts=counts)
                continue
            levels = approx[name]
            if levels >= UNIQUE_SHARE * (n_rows - blanks[name]):   # perhaps an id: count
                levels = con.execute(f"SELECT count(DISTINCT {_quote(name)}) FROM {source}"
                                     ).fetchone()[0]
            present = _series([v for v in sample[name] if v is not None
                               and not (isinstance(v, float) and v != v)], dtype)
            views[name] = ColumnValues(present=present, blanks=blanks[name], levels=int(levels),
                                       dtype=dtype)
    return views, n_rows, meta


def _order_texts(con, source: str, types: dict, lists: dict, first_rows, values_condition
                 ) -> None:
    """Put the texts of listed text columns in the order they first appear in the file."""
    texts = [name for name, counts in lists.items() if types[name] == "VARCHAR"
             and len(counts) > 1]
    if not texts:
        return
    cases = []
    for name in texts:
        values = list(lists[name])
        whens = " ".join(f"WHEN {values_condition(name, 'VARCHAR', [v])} THEN {k}"
                         for k, v in enumerate(values))
        cases.append(f"(CASE {whens} ELSE {len(values)} END)::INTEGER")
    first = first_rows(con, source, cases, [len(lists[name]) + 1 for name in texts])
    for name, where in zip(texts, first, strict=True):
        values = list(lists[name])
        order = np.argsort(where[:-1], kind="stable")
        lists[name] = {values[k]: lists[name][values[k]] for k in order}


def _sample(con, source: str, names: list[str], n_rows: int) -> dict[str, list]:
    """The values of ``names`` in a seeded sample of about :data:`SAMPLE_ROWS` rows (every
    row when the file has no more), in file order."""
    columns = ", ".join(_quote(c) for c in names)
    if n_rows <= SAMPLE_ROWS:
        where = ""
    else:
        every = ", ".join(_quote(c) for c in _all_columns(con, source))
        cut = int(SAMPLE_ROWS / n_rows * 2**32)
        where = f" WHERE hash({every}, {SAMPLE_SEED}) % {2**32} < {cut}"
    con.execute("SET preserve_insertion_order = true")
    try:
        rows = con.execute(f"SELECT {columns} FROM {source}{where}").fetchall()
    finally:
        con.execute("SET preserve_insertion_order = false")
    return {name: [row[k] for row in rows] for k, name in enumerate(names)}


def _all_columns(con, source: str) -> list[str]:
    return [str(row[0]) for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
