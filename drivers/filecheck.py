"""The checks of a study's data that need rows, done in SQL on a file read through DuckDB.

:func:`drivers.filestudy.check_file_study` applies the study's rules (:mod:`drivers.io`) to
each column's distinct values and their row counts. Some facts of those rules are about
rows, not values; they are found here, each by one query or one streamed pass over the
columns it needs, and handed to the rule's own message:

- the data rows (and respondent ids) that hold the values a rule flags
  (:class:`RowFinder`, the ``rows=`` argument of :func:`drivers.io._check_rated`,
  :func:`drivers.io._grouping` and :func:`drivers.io._check_weights`);
- repeated and empty respondent ids (:func:`id_problems`);
- the weights that break the one weight rule (:func:`weight_problems`, which streams the
  column through :func:`drivers.moments.design_weight_faults` only when its extremes fail);
- the order in which texts first appear in a column (:func:`first_rows`), which the pandas
  path shows them in.

Examples
--------
>>> import tempfile, pandas as pd
>>> from pathlib import Path
>>> from drivers.big import connect, table_source
>>> path = Path(tempfile.mkdtemp()) / "ids.parquet"
>>> pd.DataFrame({"id": ["a", "b", "a", None], "w": [1.0, 0.0, 2.0, 1.0]}).to_parquet(path)
>>> with connect() as con, table_source(path) as source:
...     finder = RowFinder(con, source, "id", "VARCHAR")
...     id_problems(con, source, "id", "VARCHAR", finder)
...     weight_problems(con, source, "w", "DOUBLE", finder)
["column 'id' (respondent id): ids must be unique; a repeat in data rows 1, 3", \
"column 'id' (respondent id): empty id in data rows 4"]
["column 'w' (weight): weights must be positive; zero or negative in data rows 2 (ids b)"]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from drivers.big import ROWS_SHOWN, WEIGHT_BATCH, _literal, _quote

_INTEGER = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT", "UHUGEINT")
_FLOAT = ("FLOAT", "DOUBLE", "REAL")


def sql_value(value, sql_type: str) -> str:
    """A raw value of a column as an SQL literal comparable with that column."""
    if isinstance(value, str):
        return _literal(value)
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    number = float(value)
    if not np.isfinite(number):
        return f"'{number}'::DOUBLE"
    if sql_type.split("(")[0] in (*_FLOAT, "DECIMAL") or not number.is_integer():
        return f"{number!r}::DOUBLE"
    return repr(int(number))


def is_blank(value) -> bool:
    """None, or a float NaN (pandas reads both as a blank)."""
    return value is None or (isinstance(value, float) and value != value)


def is_nan_sql(expression: str) -> str:
    """SQL true where a double is NaN. Not ``isnan()``: DuckDB (2.0) folds it to false from
    a Parquet file's min/max statistics, which leave NaN out, so NaN rows went unseen."""
    return f"lower(CAST({expression} AS VARCHAR)) = 'nan'"


def values_condition(column: str, sql_type: str, values: Sequence,
                     others: Sequence | None = None) -> str:
    """SQL true on the rows of ``column`` holding one of ``values`` (None or NaN: a blank).
    With ``others`` (every remaining distinct value of the column) and fewer of them, the
    condition is written as "none of the others", which is shorter."""
    name = _quote(column)
    if others is not None and len(others) < len(values):
        return f"NOT coalesce({values_condition(column, sql_type, others)}, false)"
    parts = []
    listed = [v for v in values if not is_blank(v)]
    if listed:
        parts.append(f"{name} IN ({', '.join(sql_value(v, sql_type) for v in listed)})")
    if any(is_blank(v) for v in values):   # pandas reads NULL and NaN both as a blank
        parts.append(f"{name} IS NULL")
        if sql_type.split("(")[0] in _FLOAT:
            parts.append(is_nan_sql(name))
    return " OR ".join(parts) if parts else "false"


class RowFinder:
    """The data rows of a file meeting an SQL condition, as the pandas path lists them
    (:func:`drivers.io.rows_text`: the first :data:`drivers.big.ROWS_SHOWN` 1-based rows,
    how many more, and their respondent ids when the study has an id column)."""

    def __init__(self, con, source: str, id_column: str | None = None,
                 id_type: str | None = None, id_blanks: bool = False, kind: str = "parquet",
                 path=None):
        self.con, self.source = con, source
        self.id_column, self.id_type, self.id_blanks = id_column, id_type, id_blanks
        # Whole-number ids with blanks: pandas reads them as floats (1.0), unless a Parquet
        # file's pandas metadata says they were a nullable integer column (Int64).
        self.id_floats = not (kind == "parquet" and _nullable_integer(path, id_column))
        # pandas shows a blank text id of a Parquet file as None, of a CSV as nan.
        self.blank_id = "None" if kind == "parquet" and id_type == "VARCHAR" else "nan"

    def find(self, condition: str, distinct: bool = False) -> tuple[int, list[int], list, list]:
        """(rows meeting ``condition``, the first of them, their ids, and with ``distinct``
        the first distinct ids among them in file order)."""
        ids = f", {_quote(self.id_column)} AS id" if self.id_column else ""
        query = (f"SELECT coalesce(({condition})::BOOLEAN, false) AS hit{ids} "
                 f"FROM {self.source}")
        total, first, first_ids, seen = 0, [], [], {}
        offset = 0
        self.con.execute("SET preserve_insertion_order = true")
        try:
            for batch in self.con.sql(query).to_arrow_reader(WEIGHT_BATCH):
                hit = batch.column(0).to_numpy(zero_copy_only=False).astype(bool)
                positions = np.flatnonzero(hit)
                total += len(positions)
                if self.id_column and (len(first) < ROWS_SHOWN
                                       or (distinct and len(seen) < ROWS_SHOWN)):
                    found = batch.column(1).to_pandas().iloc[positions]
                    if distinct:
                        for value in pd.unique(found.astype(object)):
                            if len(seen) < ROWS_SHOWN:
                                seen.setdefault(self.shown_id(value), None)
                    first_ids += [self.shown_id(v) for v in
                                  found.iloc[:ROWS_SHOWN - len(first)].tolist()]
                first += (positions[:ROWS_SHOWN - len(first)] + offset + 1).tolist()
                offset += len(hit)
        finally:
            self.con.execute("SET preserve_insertion_order = false")
        return total, first, first_ids if self.id_column else None, list(seen)

    def shown_id(self, value) -> str:
        """An id as pandas shows it: a whole-number column with blanks is read as floats."""
        if is_blank(value):
            return self.blank_id
        if self.id_blanks and self.id_type and self.id_type.split("(")[0] in _INTEGER:
            return str(float(value)) if self.id_floats else str(int(value))
        return str(value)

    def text(self, condition: str) -> str:
        """The rows meeting ``condition`` as the pandas path's messages list them."""
        from drivers.io import rows_text

        total, first, ids, _ = self.find(condition)
        return rows_text(total, first, ids)

    def for_values(self, column: str, sql_type: str, raw: Sequence, every: bool = True
                   ) -> Callable[[np.ndarray], str]:
        """``rows(mask)`` for a rule run on ``raw`` (the column's distinct values, or with
        ``every=False`` some of them): the data rows holding the values the mask picks."""
        def rows(mask: np.ndarray) -> str:
            mask = np.asarray(mask, dtype=bool)
            picked = [v for v, m in zip(raw, mask, strict=True) if m]
            others = [v for v, m in zip(raw, mask, strict=True) if not m] if every else None
            return self.text(values_condition(column, sql_type, picked, others))
        return rows


def _nullable_integer(path, column: str | None) -> bool:
    """Whether a Parquet file's pandas metadata gives ``column`` a nullable integer type."""
    if path is None or column is None:
        return False
    import pyarrow.parquet as pq

    metadata = pq.read_schema(path).pandas_metadata or {}
    for entry in metadata.get("columns", []):
        if entry.get("name") == column:
            return str(entry.get("numpy_type", "")).startswith(("Int", "UInt"))
    return False


def first_rows(con, source: str, slots_sql: Sequence[str], sizes: Sequence[int]
               ) -> list[np.ndarray]:
    """For each column (an SQL expression giving every row's slot, and the number of
    slots), the 0-based row where each slot first appears (the row count when it never
    does), in one streamed pass."""
    parts = ", ".join(f"{sql} AS s{k}" for k, sql in enumerate(slots_sql))
    big = np.iinfo(np.int64).max
    first = [np.full(size, big, dtype=np.int64) for size in sizes]
    offset = 0
    con.execute("SET preserve_insertion_order = true")
    try:
        for batch in con.sql(f"SELECT {parts} FROM {source}").to_arrow_reader(WEIGHT_BATCH):
            for k in range(len(sizes)):
                slots = batch.column(k).to_numpy(zero_copy_only=False).astype(np.intp)
                found, where = np.unique(slots, return_index=True)
                first[k][found] = np.minimum(first[k][found], where + offset)
            offset += batch.num_rows
    finally:
        con.execute("SET preserve_insertion_order = false")
    return first


def id_problems(con, source: str, column: str, sql_type: str, finder: RowFinder) -> list[str]:
    """:func:`drivers.io._id_problems` of a file's id column: repeated ids (the first ones in
    file order) with their rows, and empty ids."""
    from drivers.io import _id_problems, rows_text

    name = _quote(column)
    repeated, empty = con.execute(f"SELECT count({name}) - count(DISTINCT {name}), "
                                  f"count(*) - count({name}) FROM {source}").fetchone()
    shown, repeated_rows, empty_rows = [], "", ""
    if repeated:
        condition = (f"{name} IN (SELECT {name} FROM {source} WHERE {name} IS NOT NULL "
                     f"GROUP BY {name} HAVING count(*) > 1)")
        total, first, _, shown = finder.find(condition, distinct=True)
        repeated_rows = rows_text(total, first)
    if empty:
        total, first, _, _ = finder.find(f"{name} IS NULL")
        empty_rows = rows_text(total, first)
    return _id_problems(column, shown, repeated_rows, empty_rows)


def weight_problems(con, source: str, column: str, sql_type: str, finder: RowFinder
                    ) -> list[str]:
    """:func:`drivers.io._check_weights` of a file's weight column, run on the distinct
    values that break the rule (none when the column's extremes, blanks and texts pass)."""
    from drivers.io import _check_weights
    from drivers.moments import design_weight_faults

    name = _quote(column)
    number = f"TRY_CAST({name} AS DOUBLE)"
    low, high, blanks, texts, nans = con.execute(
        f"SELECT min({number}), max({number}), count(*) - count({name}), "
        f"count({name}) - count({number}), count(*) FILTER (WHERE {is_nan_sql(number)}) "
        f"FROM {source}").fetchone()
    extremes = [np.nan if v is None else float(v) for v in (low, high)]
    blank, not_positive = design_weight_faults(np.array(extremes + [np.nan] * bool(nans)))
    if not (blanks or texts or blank.any() or not_positive.any()):
        return []
    faulty: dict = {}
    con.execute("SET preserve_insertion_order = true")
    try:
        for batch in con.sql(f"SELECT {name} FROM {source}").to_arrow_reader(WEIGHT_BATCH):
            raw = batch.column(0).to_pandas()
            weights = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64,
                                                                   na_value=np.nan)
            blank, not_positive = design_weight_faults(weights)
            bad = blank | not_positive | raw.isna().to_numpy()
            for value in pd.unique(raw[bad].astype(object)):
                faulty.setdefault(None if value is None or value is pd.NA else value, None)
    finally:
        con.execute("SET preserve_insertion_order = false")
    values = list(faulty)
    return _check_weights(pd.Series(values, dtype=object), column, None,
                          rows=finder.for_values(column, sql_type, values, every=False))
