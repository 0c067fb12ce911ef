"""Survey exports larger than memory: weighted moments per cell, summed by DuckDB in SQL.

Every correlation method and every regression diagnostic needs only the weighted moments of
the data (:class:`drivers.moments.Moments`), and moments are sums: a database computes them in
one pass over a file, ``GROUP BY`` the cell columns (segment, wave), without handing a single
row to pandas. DuckDB (an embedded engine, installed from PyPI, nothing to run beside Python)
reads the Parquet or CSV file in row groups with its memory capped at :data:`MEMORY_LIMIT`,
on as many threads as :func:`drivers.parallel.inner_threads` allows.

The rows are treated exactly as :func:`drivers.diagnostics.select_rows` treats a DataFrame:
missing codes (and NaN) become blanks; every left-out row is counted once, under the most
widespread reason among its blank cells; ``pairwise`` keeps rows with two answers or more;
weights obey the one rule (:func:`drivers.moments.design_weight_faults`), checked on their
smallest and largest values in SQL and, only when that fails, on the weight column streamed
in batches to name the rows. The moments equal ``Moments.from_frame`` on the same rows to
about 1e-15 relative (see :func:`file_rows`, Notes).

What needs the rows themselves is refused with one line: the random forest, the NPS outcome
models, the bootstrap (respondent resamples) and HC3 standard errors of ``beta``. The
cross-validated R^2 (listwise) comes from the moments of :data:`drivers.diagnostics.CV_FOLDS`
folds per cell, a row's fold a seeded hash of its Parquet row number (a CSV row: of its
values), so its folds are not those of the pandas path (a permutation of row positions). CSV exports are read by DuckDB when UTF-8, UTF-16 or Latin-1; any
other encoding (GBK / GB18030 from Excel on Chinese Windows) is re-encoded to UTF-8 into a
temporary file first, streamed 1 MB at a time, as DuckDB's own reader for those encodings is
an extension it would download at run time.

Examples
--------
>>> import numpy as np, pandas as pd, tempfile, pathlib
>>> rng = np.random.default_rng(0)
>>> frame = pd.DataFrame(rng.integers(1, 6, size=(400, 3)).astype(float),
...                      columns=["speed", "price", "csat"])
>>> frame["wave"] = np.where(np.arange(400) < 200, "W1", "W2")
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> frame.to_parquet(folder / "survey.parquet")
>>> cells = file_rows(folder / "survey.parquet", "csat", ["speed", "price"], by=["wave"])
>>> sorted(cells), cells[("W1",)].n_used
([('W1',), ('W2',)], 200)
>>> m = Moments.from_frame(frame, ["speed", "price", "csat"])
>>> bool(np.allclose(total(cells).moments.correlation(), m.correlation(), rtol=1e-12))
True
"""

from __future__ import annotations

import codecs
import contextlib
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path

import numpy as np
import pandas as pd

from drivers.diagnostics import (
    CV_FOLDS,
    CV_SEED,
    DRIVER_MISSING,
    OUTCOME_MISSING,
    TOO_FEW_ANSWERS,
    check_model,
    check_usable,
    code_reasons,
)
from drivers.moments import Moments, design_weight_faults, kish_n
from drivers.parallel import inner_threads

#: File endings DuckDB reads here, and how.
FILE_KINDS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".txt": "csv",
              ".tsv": "csv"}
#: Above this many bytes of numbers (rows x columns x 8 for Parquet, the file's size for a
#: CSV) a file is read as moments through DuckDB: pandas holds a table at 8 bytes a cell and
#: peaks at two to three times that while reading, so 1 GiB of numbers asks several GB.
BIG_BYTES = 1 << 30
#: DuckDB's own memory (row groups being read, the aggregate states); beyond it, it spills
#: to a temporary folder. The states are a few MB (cells x reason patterns x sums).
MEMORY_LIMIT = "256MB"
#: Rows at the start of the file whose answered values give the shift of each column.
SHIFT_SAMPLE_ROWS = 65_536
#: Weight values streamed at a time when a weight breaks the rule and its rows are named.
WEIGHT_BATCH = 1 << 20
#: How many rows an error message lists before it says "and N more".
ROWS_SHOWN = 8
#: Encodings DuckDB's CSV reader decodes itself.
DUCKDB_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "ascii": "utf-8",
                    "utf-16": "utf-16", "latin-1": "latin-1", "iso8859-1": "latin-1"}
#: What the moments path computes, and what it refuses (CLI messages and docs quote these).
SUPPORTED = ("point estimates of shapley, shapley_sampled, relative_weights, beta (no standard "
             "errors), pratt and correlation, listwise or pairwise, weighted, with R^2, "
             "adjusted R^2, VIF, condition number and (listwise) cross-validated R^2 from "
             "fold moments")
REFUSED = ("the random forest, the NPS outcome models (promoter, detractor, ordinal) and the "
           "bootstrap need the rows in memory")

_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "BOOLEAN")


def data_bytes(path: str | Path) -> int:
    """Bytes the numbers of a file take in memory (Parquet: rows x columns x 8, from its
    metadata; a CSV: its size on disk)."""
    path = Path(path)
    if FILE_KINDS.get(path.suffix.lower()) == "parquet":
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
        return int(meta.num_rows) * int(meta.num_columns) * 8
    return path.stat().st_size


def is_big(path: str | Path) -> bool:
    """True when a Parquet or CSV export holds more than :data:`BIG_BYTES` of numbers."""
    path = Path(path)
    return path.suffix.lower() in FILE_KINDS and data_bytes(path) > BIG_BYTES


# ---------------------------------------------------------------- the rows of one cell


@dataclass
class FileRows:
    """The moments and the row account of one cell of a file (the role of
    :class:`drivers.diagnostics.Rows` without the rows).

    ``patterns`` counts rows by the set of reasons among their blank cells (the empty set:
    complete rows); ``cells`` counts blank cells by (reason, column); ``n_few`` rows with fewer
    than two answers. ``moments`` are those of the used rows (drivers then outcome; pairwise
    ones too under ``missing="pairwise"``), ``low`` and ``high`` each column's extremes over
    them, ``used_weight`` and ``used_weight_sq`` the sums of their weights and squares. Cells
    add with ``+`` (their rows are disjoint).
    """

    outcome: str
    drivers: list[str]
    missing: str
    moments: Moments
    weighted: bool
    n_rows: int
    n_few: int
    used_weight: float
    used_weight_sq: float
    low: np.ndarray
    high: np.ndarray
    patterns: dict[frozenset, int] = field(default_factory=dict)
    cells: dict[tuple[str, str], int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def n_used(self) -> int:
        return self.moments.n if self.missing == "listwise" else self.n_rows - self.n_few

    @property
    def n_dropped(self) -> int:
        return self.n_rows - self.n_used

    @property
    def missing_cells(self) -> dict[str, int]:
        """Blank cells by reason, most frequent first (ties by name), as select_rows."""
        counts: dict[str, int] = {}
        for (reason, _), count in self.cells.items():
            counts[reason] = counts.get(reason, 0) + count
        return dict(sorted(((r, c) for r, c in counts.items() if c),
                           key=lambda item: (-item[1], item[0])))

    @property
    def dropped_reasons(self) -> dict[str, int]:
        """Left-out rows by reason: each row once, under its most widespread reason."""
        if self.missing == "pairwise":
            return {TOO_FEW_ANSWERS: self.n_few} if self.n_few else {}
        rank = {reason: position for position, reason in enumerate(self.missing_cells)}
        counts: dict[str, int] = {}
        for reasons, rows in self.patterns.items():
            if reasons:
                first = min(reasons, key=rank.__getitem__)
                counts[first] = counts.get(first, 0) + rows
        return dict(sorted(((r, c) for r, c in counts.items() if c),
                           key=lambda item: (-item[1], item[0])))

    @property
    def reason_columns(self) -> dict[str, list[str]]:
        """Reason -> the columns whose blanks made rows drop under it (outcome first)."""
        if self.missing == "pairwise":
            return {}
        columns = [self.outcome, *self.drivers]
        return {reason: [c for c in columns if self.cells.get((reason, c), 0)]
                for reason in self.dropped_reasons}

    @property
    def n_effective(self) -> float | None:
        """Kish n of the used rows (None when unweighted)."""
        if not self.weighted:
            return None
        if self.missing == "listwise":
            return self.moments.n_effective
        return kish_n(self.used_weight, self.used_weight_sq)

    def __add__(self, other: FileRows) -> FileRows:
        patterns, cells = dict(self.patterns), dict(self.cells)
        for key, count in other.patterns.items():
            patterns[key] = patterns.get(key, 0) + count
        for key, count in other.cells.items():
            cells[key] = cells.get(key, 0) + count
        return FileRows(
            outcome=self.outcome, drivers=self.drivers, missing=self.missing,
            moments=self.moments + other.moments, weighted=self.weighted,
            n_rows=self.n_rows + other.n_rows, n_few=self.n_few + other.n_few,
            used_weight=self.used_weight + other.used_weight,
            used_weight_sq=self.used_weight_sq + other.used_weight_sq,
            low=np.fmin(self.low, other.low), high=np.fmax(self.high, other.high),
            patterns=patterns, cells=cells)

    def check_usable(self, source: Path) -> None:
        """The checks of :func:`drivers.diagnostics.select_rows` on the used rows."""
        try:
            check_usable(self, [*self.drivers, self.outcome], self.low + self.moments.shift,
                         self.high + self.moments.shift)
        except ValueError as error:
            raise ValueError(f"{source}: {error}") from None


def total(cells: Mapping[tuple, FileRows]) -> FileRows:
    """The rows of every cell together (cells are disjoint, so their moments add)."""
    return reduce(lambda a, b: a + b, cells.values())


# ---------------------------------------------------------------- reading


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


@contextlib.contextmanager
def connect() -> Iterator:
    """A DuckDB connection with bounded memory, the package's thread count and a private
    temporary folder for spills (removed afterwards); never the user's folder."""
    import duckdb

    spill = tempfile.mkdtemp(prefix="drivers-duckdb-")
    con = duckdb.connect(config={"threads": inner_threads(), "memory_limit": MEMORY_LIMIT,
                                 "temp_directory": spill, "preserve_insertion_order": False})
    try:
        yield con
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


@contextlib.contextmanager
def table_source(path: str | Path, encoding: str | None = None, delimiter: str | None = None,
                 decimal: str | None = None) -> Iterator[str]:
    """The SQL ``FROM`` expression that reads a Parquet or CSV export.

    A CSV is decoded in ``encoding``, or as :func:`drivers.readers.detect_encoding` finds,
    split at ``delimiter`` with ``decimal`` as its decimal mark (else sniffed);
    encodings DuckDB does not read itself are re-encoded to a temporary UTF-8 copy (removed
    afterwards).
    """
    from drivers.readers import detect_encoding, sniff_decimal, sniff_delimiter

    path = Path(path)
    kind = FILE_KINDS.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"{path}: cannot read files ending in {path.suffix!r} as moments; "
                         f"expected one of {', '.join(sorted(FILE_KINDS))}")
    if not path.is_file():
        raise ValueError(f"{path}: file not found")
    if kind == "parquet":
        yield f"read_parquet({_literal(path)})"
        return
    encoding, _ = detect_encoding(path, encoding)
    with open(path, encoding=encoding, newline="") as handle:
        sample = handle.read(256 * 1024)
    delimiter = delimiter or ("\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(sample))
    import csv
    import io

    records = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter)][1:50]
    decimal = decimal or sniff_decimal(records, delimiter)
    with contextlib.ExitStack() as stack:
        source, codec = path, DUCKDB_ENCODINGS.get(codecs.lookup(encoding).name)
        if codec is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(
                prefix="drivers-csv-")))
            source, codec = folder / "utf8.csv", "utf-8"
            _reencode(path, encoding, source)
        yield (f"read_csv({_literal(source)}, header = true, delim = {_literal(delimiter)}, "
               f"decimal_separator = {_literal(decimal)}, encoding = {_literal(codec)})")


def _reencode(path: Path, encoding: str, target: Path) -> None:
    """Copy a text file to UTF-8, 1 MB at a time (memory stays at one chunk)."""
    with open(path, encoding=encoding, newline="") as source, \
            open(target, "w", encoding="utf-8", newline="") as copy:
        while chunk := source.read(1 << 20):
            copy.write(chunk)


def _columns(con, source: str, path: Path) -> dict[str, str]:
    """Column name -> DuckDB type; a header DuckDB cannot read is one line."""
    import duckdb

    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    except duckdb.Error as error:
        raise ValueError(f"{path}: could not be read ({_first_line(error)})") from None
    return {str(row[0]): str(row[1]) for row in described}


def _first_line(error: Exception) -> str:
    return " ".join(str(error).strip().splitlines()[:1])


def _check_numeric(con, source: str, path: Path, types: dict[str, str], column: str,
                   role: str) -> None:
    if column not in types:
        shown = ", ".join(list(types)[:20])
        raise ValueError(f"{path}: {role} column {column!r} is not in the data; columns are "
                         f"{shown}")
    if types[column].split("(")[0] in _NUMERIC:
        return
    name = _quote(column)
    examples = con.execute(
        f"SELECT DISTINCT {name} FROM {source} WHERE {name} IS NOT NULL AND "
        f"TRY_CAST({name} AS DOUBLE) IS NULL LIMIT 3").fetchall()
    shown = ", ".join(repr(row[0]) for row in examples) or types[column]
    raise ValueError(f"{path}: {role} column {column!r} must be numeric; found {shown} "
                     f"(read as {types[column]})")


def _check_weights(con, source: str, path: Path, column: str) -> None:
    """The one weight rule on the column's extremes; rows named only when it fails."""
    name = _quote(column)
    low, high, blanks = con.execute(
        f"SELECT min(CAST({name} AS DOUBLE)), max(CAST({name} AS DOUBLE)), "
        f"count(*) - count({name}) FROM {source}").fetchone()
    extremes = [np.nan if v is None else v for v in (low, high)] + [np.nan] * bool(blanks)
    blank, not_positive = design_weight_faults(extremes)
    if not (blank.any() or not_positive.any()):
        return
    # Stream the column in file order through the same rule, to name the rows.
    found = {"blank": [], "not_positive": []}
    counts = {"blank": 0, "not_positive": 0}

    def faults(values: np.ndarray) -> dict[str, np.ndarray]:
        return dict(zip(found, design_weight_faults(values), strict=True))

    for kind, (count, rows) in _stream(con, f"SELECT CAST({name} AS DOUBLE) AS w FROM {source}",
                                       faults).items():
        counts[kind], found[kind] = count, rows
    kind = "blank" if counts["blank"] else "not_positive"
    rows = ", ".join(map(str, found[kind][:ROWS_SHOWN]))
    if counts[kind] > ROWS_SHOWN:
        rows += f" and {counts[kind] - ROWS_SHOWN} more"
    what = ("must be finite numbers; blank or infinite" if kind == "blank"
            else "must be positive; zero or negative")
    raise ValueError(f"{path}: weight column {column!r}: weights {what} in data rows {rows}")


def _stream(con, query: str, test) -> dict[str, tuple[int, list[int]]]:
    """Stream the first column of ``query`` in file order, in batches of
    :data:`WEIGHT_BATCH`; ``test(values)`` gives boolean masks by name. Returns, per name,
    the rows it flags and the first :data:`ROWS_SHOWN` of them (1-based data rows)."""
    counts: dict[str, int] = {}
    found: dict[str, list[int]] = {}
    offset = 0
    con.execute("SET preserve_insertion_order = true")
    for batch in con.sql(query).to_arrow_reader(WEIGHT_BATCH):
        values = batch.column(0).to_numpy(zero_copy_only=False)
        for kind, mask in test(values).items():
            positions = np.flatnonzero(mask)
            counts[kind] = counts.get(kind, 0) + len(positions)
            found.setdefault(kind, []).extend((positions[:ROWS_SHOWN] + offset + 1).tolist())
        offset += len(values)
    con.execute("SET preserve_insertion_order = false")
    return {kind: (counts[kind], found[kind][:ROWS_SHOWN]) for kind in counts}


def stream_rows(con, source: str, condition: str) -> tuple[int, list[int]]:
    """How many rows of ``source`` meet the SQL ``condition``, and the first
    :data:`ROWS_SHOWN` of them (1-based data rows, in file order), for error messages."""
    result = _stream(con, f"SELECT coalesce(({condition})::BOOLEAN, false) AS hit FROM {source}",
                     lambda values: {"hit": np.asarray(values, dtype=bool)})
    return result.get("hit", (0, []))


def file_rows(path: str | Path, outcome: str, drivers: Sequence[str], weights: str | None = None,
              missing: str = "listwise", missing_codes=None, by: Sequence[str] = (),
              encoding: str | None = None, folds: bool = False) -> dict[tuple, FileRows]:
    """Moments and row account per cell of a Parquet or CSV file, summed in SQL by DuckDB.

    Parameters
    ----------
    path : str or Path
        A .parquet / .pq, or .csv / .txt / .tsv export (header on the first line).
    outcome : str
        Outcome column.
    drivers : list of str
        Driver columns.
    weights : str, optional
        Weight column (finite, positive: :func:`drivers.moments.design_weight_faults`).
    missing : {"listwise", "pairwise"}
        As in :func:`drivers.diagnostics.select_rows`.
    missing_codes : list or dict, optional
        Values meaning "no answer" (``{98: "dont_know"}``), in the outcome and drivers.
    by : list of str
        Cell columns (segment, wave); one cell ``()`` when empty.
    encoding : str, optional
        Encoding of a CSV (e.g. ``"gbk"``); detected when omitted.
    folds : bool
        Also split every cell by cross-validation fold (:data:`CV_FOLDS` folds by a hash,
        seeded with :data:`CV_SEED`, of the Parquet row number, or of a CSV row's values):
        the cell's key then ends with the fold (0 .. CV_FOLDS - 1).

    Returns
    -------
    dict
        Cell (a tuple of the ``by`` values, None for a blank) -> :class:`FileRows`; add
        cells with :func:`total` for a margin (every segment of a wave, the whole file).

    Notes
    -----
    One query, ``GROUP BY`` the cell columns, the set of reasons a row is incomplete for (a
    bit mask) and whether it has two answers: per group the row count, the sums of ``w`` and
    ``w^2``, ``sum w z_i`` and ``sum w z_i z_j`` of the shifted values ``z = x - shift`` (the
    listwise moments are those of the groups with no reason; the pairwise cross-products of
    all groups with two answers), the pairwise counts and sums, each column's extremes and
    blank cells by reason. The shift is the mean of each column's answers in the first
    :data:`SHIFT_SAMPLE_ROWS` rows: any value near the data keeps the digits that raw sums
    of ratings near 9 would lose. Sums use DuckDB's ``fsum`` (Kahan-Babuska compensated
    summation): a plain ``sum`` of 10 million doubles in parallel was off by about 1e-14
    relative and changed from run to run; ``fsum`` matched ``math.fsum`` exactly.
    """
    path, by = Path(path), list(by)
    drivers = check_model(outcome, drivers, missing)
    columns = [*drivers, outcome]
    codes = code_reasons(missing_codes)
    with connect() as con, table_source(path, encoding) as source:
        types = _columns(con, source, path)
        for column in columns:
            _check_numeric(con, source, path, types, column,
                           "outcome" if column == outcome else "driver")
        for column in by:
            if column not in types:
                raise ValueError(f"{path}: cell column {column!r} is not in the data")
        if weights is not None:
            _check_numeric(con, source, path, types, weights, "weight")
            _check_weights(con, source, path, weights)
        fold_key = None
        if folds:
            if source.startswith("read_parquet("):
                source, fold_key = source[:-1] + ", file_row_number = true)", "file_row_number"
            else:
                fold_key = ", ".join(_quote(c) for c in types)
        query = _Query(columns, outcome, codes, weights, by, missing == "pairwise", fold_key)
        shift = query.shift(con, source)
        import duckdb

        try:
            groups = con.execute(query.sql(source, shift)).fetchall()
        except duckdb.Error as error:
            raise ValueError(f"{path}: could not be read ({_first_line(error)})") from None
    return query.cells(groups, shift, path)


class _Query:
    """The SQL of :func:`file_rows` and the assembly of its result."""

    def __init__(self, columns, outcome, codes, weights, by, pairwise, fold_key=None):
        self.columns, self.outcome, self.codes = columns, outcome, codes
        self.weights, self.by, self.pairwise = weights, by, pairwise
        # The cross-validation fold of each row, a seeded hash of ``fold_key``: one more key.
        self.fold_key = fold_key
        self.keys = len(by) + (fold_key is not None)
        self.p = len(columns)
        # Reason labels as select_rows numbers them: 0 answered, then blanks, then codes.
        self.labels = ["", DRIVER_MISSING, OUTCOME_MISSING]
        for label in codes.values():
            if label not in self.labels:
                self.labels.append(label)

    def _values(self) -> str:
        """Cell columns, weight, each column as a double (c_j) and its reason (r_j)."""
        parts = [f"{_quote(c)} AS g{k}" for k, c in enumerate(self.by)]
        if self.fold_key is not None:
            parts.append(f"(hash({self.fold_key}, {CV_SEED}) % {CV_FOLDS})::UTINYINT "
                         f"AS g{len(self.by)}")
        parts.append("1.0::DOUBLE AS w" if self.weights is None
                     else f"CAST({_quote(self.weights)} AS DOUBLE) AS w")
        for j, column in enumerate(self.columns):
            parts.append(f"CAST({_quote(column)} AS DOUBLE) AS c{j}")
        return ", ".join(parts)

    def _reason(self, j: int) -> str:
        blank = 2 if self.columns[j] == self.outcome else 1
        # NaN is a blank, as in pandas. DuckDB 2.0's isnan() missed NaN read from Parquet
        # (numpy's NaN written by pyarrow); neither finite nor infinite catches it.
        cases = [f"WHEN c{j} IS NULL OR NOT (isfinite(c{j}) OR isinf(c{j})) THEN {blank}"]
        cases += [f"WHEN c{j} = {code!r} THEN {self.labels.index(label)}"
                  for code, label in self.codes.items()]
        return f"(CASE {' '.join(cases)} ELSE 0 END)::UTINYINT"

    def _answers(self, shift=None) -> str:
        """x_j (the answer minus its shift, NULL when blank), r_j, w."""
        parts = [*(f"g{k}" for k in range(self.keys)), "w"]
        for j in range(self.p):
            offset = "" if shift is None else f" - {float(shift[j])!r}"
            parts.append(f"CASE WHEN {self._reason(j)} = 0 THEN c{j}{offset} END AS x{j}")
            parts.append(f"{self._reason(j)} AS r{j}")
            parts.append(f"c{j}")
        return ", ".join(parts)

    def shift(self, con, source: str) -> np.ndarray:
        averages = ", ".join(f"avg(x{j})" for j in range(self.p))
        row = con.execute(f"SELECT {averages} FROM (SELECT {self._answers()} FROM (SELECT "
                          f"{self._values()} FROM {source} LIMIT {SHIFT_SAMPLE_ROWS}))"
                          ).fetchone()
        return np.array([0.0 if v is None or not np.isfinite(v) else float(v) for v in row])

    def sql(self, source: str, shift: np.ndarray) -> str:
        p, groups = self.p, [f"g{k}" for k in range(self.keys)]
        mask = " | ".join(f"(1::UBIGINT << r{j})" for j in range(p))
        answered = " + ".join(f"(r{j} = 0)::INTEGER" for j in range(p))
        derived = [f"({mask}) >> 1 AS mask", f"({answered}) >= 2 AS enough"]
        for j in range(p):
            derived += [f"w * x{j} AS wx{j}", f"CASE WHEN x{j} IS NOT NULL THEN 1.0 END AS o{j}"]
        aggregates = ["count(*)", "fsum(w)", "fsum(w * w)"]
        aggregates += [f"count_if(coalesce(isinf(c{j}), false))" for j in range(p)]
        aggregates += [f"min(x{j})" for j in range(p)] + [f"max(x{j})" for j in range(p)]
        aggregates += [f"count_if(r{j} = {r})" for j in range(p)
                       for r in range(1, len(self.labels))]
        aggregates += [f"fsum(wx{i})" for i in range(p)]
        aggregates += [f"fsum(wx{i} * x{j})" for i in range(p) for j in range(i, p)]
        if self.pairwise:
            upper = [(i, j) for i in range(p) for j in range(i, p)]
            square = [(i, j) for i in range(p) for j in range(p)]
            aggregates += [f"count(o{i} * o{j})" for i, j in upper]
            aggregates += [f"fsum(w * o{i} * o{j})" for i, j in upper]
            aggregates += [f"fsum(w * w * o{i} * o{j})" for i, j in upper]
            aggregates += [f"fsum(wx{i} * o{j})" for i, j in square]
            aggregates += [f"fsum(wx{i} * x{i} * o{j})" for i, j in square]
        keys = ", ".join([*groups, "mask", "enough"])
        return (f"WITH v AS (SELECT {self._values()} FROM {source}), "
                f"a AS (SELECT {self._answers(shift)} FROM v), "
                f"d AS (SELECT *, {', '.join(derived)} FROM a) "
                f"SELECT {keys}, {', '.join(aggregates)} FROM d GROUP BY {keys}")

    def cells(self, groups: list[tuple], shift: np.ndarray, path: Path) -> dict[tuple, FileRows]:
        p, k, reasons = self.p, self.keys, len(self.labels) - 1
        upper = np.triu_indices(p)
        empty = {"listwise": [], "used": []}
        by_cell: dict[tuple, dict] = {}
        for row in groups:
            cell = tuple(row[:k])
            mask, enough = int(row[k]), bool(row[k + 1])
            values = [np.nan if v is None else v for v in row[k + 2:]]
            entry = by_cell.setdefault(cell, {"rows": 0, "few": 0, "patterns": {}, "cells": {},
                                              **{key: list(v) for key, v in empty.items()}})
            n_rows = int(values[0])
            infinite = np.asarray(values[3:3 + p], dtype=float)
            if infinite.any():
                j = int(np.flatnonzero(infinite)[0])
                raise ValueError(f"{path}: column {self.columns[j]!r} has infinite values; "
                                 "expected finite ratings or blanks")
            entry["rows"] += n_rows
            entry["few"] += 0 if enough else n_rows
            found = frozenset(self.labels[r] for r in range(1, len(self.labels))
                              if mask >> (r - 1) & 1)
            entry["patterns"][found] = entry["patterns"].get(found, 0) + n_rows
            counts = values[3 + 3 * p:3 + 3 * p + p * reasons]
            for j in range(p):
                for r in range(reasons):
                    count = int(counts[j * reasons + r])
                    if count:
                        key = (self.labels[r + 1], self.columns[j])
                        entry["cells"][key] = entry["cells"].get(key, 0) + count
            if enough:
                entry["used"].append(values)
                if mask == 0:
                    entry["listwise"].append(values)
        result = {}
        for cell, entry in by_cell.items():
            result[cell] = self._file_rows(entry, shift, upper)
        return dict(sorted(result.items(), key=lambda item: tuple(
            (v is None, str(v)) for v in item[0])))

    def _file_rows(self, entry: dict, shift: np.ndarray, upper) -> FileRows:
        p, reasons = self.p, len(self.labels) - 1
        start = 3 + 3 * p + p * reasons
        n_upper = len(upper[0])

        def summed(rows: list, lo: int, hi: int) -> np.ndarray:
            if not rows:
                return np.zeros(hi - lo)
            return np.nansum(np.asarray([r[lo:hi] for r in rows], dtype=float), axis=0)

        def symmetric(flat: np.ndarray) -> np.ndarray:
            matrix = np.zeros((p, p))
            matrix[upper] = flat
            return matrix + np.triu(matrix, 1).T

        listwise, used = entry["listwise"], entry["used"]
        head = summed(listwise, 0, 3)
        fields = {"columns": self.columns, "n": int(head[0]), "weight_sum": float(head[1]),
                  "weight_sq_sum": float(head[2]), "sums": summed(listwise, start, start + p),
                  "cross": symmetric(summed(listwise, start + p, start + p + n_upper)),
                  "shift": shift}
        if self.pairwise:
            at = start + p + n_upper
            fields["pair_cross"] = symmetric(summed(used, start + p, at))
            for name in ("pair_n", "pair_weight", "pair_weight_sq"):
                fields[name] = symmetric(summed(used, at, at + n_upper))
                at += n_upper
            fields["pair_n"] = np.rint(fields["pair_n"]).astype(np.int64)
            for name in ("pair_sums", "pair_squares"):
                fields[name] = summed(used, at, at + p * p).reshape(p, p)
                at += p * p
        chosen = used if self.pairwise else listwise
        extremes = [np.asarray([r[3 + p:3 + 3 * p] for r in chosen], dtype=float)
                    if chosen else np.full((1, 2 * p), np.nan)]
        with np.errstate(all="ignore"), _quiet():
            low = np.nanmin(extremes[0][:, :p], axis=0)
            high = np.nanmax(extremes[0][:, p:], axis=0)
        weights = summed(used, 1, 3)
        return FileRows(outcome=self.outcome, drivers=self.columns[:-1],
                        missing="pairwise" if self.pairwise else "listwise",
                        moments=Moments(**fields), weighted=self.weights is not None,
                        n_rows=entry["rows"], n_few=entry["few"],
                        used_weight=float(weights[0]), used_weight_sq=float(weights[1]),
                        low=low, high=high, patterns=entry["patterns"], cells=entry["cells"])


@contextlib.contextmanager
def _quiet():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-blank column has no range
        yield


# ---------------------------------------------------------------- importance


def fold_r2(folds: Mapping[int, FileRows], rows: FileRows) -> float:
    """Cross-validated R^2 of a cell from the listwise moments of its folds
    (:func:`drivers.diagnostics.r2_out_of_fold`); NaN with fewer than ``2 x CV_FOLDS`` rows,
    as on the pandas path."""
    from drivers.diagnostics import r2_out_of_fold

    if rows.n_used < 2 * CV_FOLDS:
        return float("nan")
    empty = rows.moments - rows.moments          # zero sums about the same shift
    return r2_out_of_fold([folds[f].moments if f in folds else empty
                           for f in range(CV_FOLDS)])


def file_importance(path: str | Path, outcome: str, drivers: Sequence[str] | None = None,
                    method: str = "shapley", weights: str | None = None,
                    groups: Mapping[str, list[str]] | None = None, missing: str = "listwise",
                    missing_codes=None, seed: int | None = None, by: Sequence[str] = ()
                    ) -> pd.DataFrame | dict[tuple, pd.DataFrame]:
    """:func:`drivers.importance.importance` of a file larger than memory, from its moments.

    Parameters are those of :func:`drivers.importance.importance` (``weights`` a column name)
    plus ``by``: cell columns, giving one table per cell instead of one for the file.
    Methods: the correlation methods (:data:`SUPPORTED`); others are refused with one line
    (:data:`REFUSED`). The table has the same columns and ``attrs`` as from a DataFrame;
    ``cv_r2`` (listwise; NaN under pairwise, as from a DataFrame) comes from fold moments
    (:func:`fold_r2`) and ``beta`` has no standard errors.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> rng = np.random.default_rng(1)
    >>> frame = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    >>> frame["y"] = frame["a"] + 0.5 * frame["b"] + rng.normal(size=300)
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "survey.parquet"
    >>> frame.to_parquet(file)
    >>> file_importance(file, "y", ["a", "b", "c"])["rank"].tolist()
    [1, 2, 3]
    """
    from drivers.importance import (
        CORRELATION_METHODS,
        METHODS,
        _resolve_groups,
        base_warnings,
        moments_point_table,
        row_facts,
    )

    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if method not in CORRELATION_METHODS:
        raise ValueError(f"{path}: method {method!r} is not available for a file read as moments: "
                         f"{REFUSED}; choose one of {', '.join(CORRELATION_METHODS)}")
    if groups is not None:
        drivers, names, indices, members = _resolve_groups(groups, drivers)
    elif drivers is None:
        raise ValueError("drivers must list the driver columns (or pass groups)")
    else:
        drivers, names, indices, members = list(drivers), list(drivers), None, None
    listwise = missing == "listwise"
    found = file_rows(path, outcome, drivers, weights, missing, missing_codes, by,
                      folds=listwise)
    folded: dict[tuple, dict[int, FileRows]] = {}
    for key, rows in found.items():
        cell = (key[:-1] if listwise else key) if by else ()
        folded.setdefault(cell, {})[key[-1] if listwise else len(folded.get(cell, {}))] = rows
    cells = {cell: total(parts) for cell, parts in folded.items()}
    if not cells:
        raise ValueError(f"{path}: the data has no rows; expected one row per respondent")
    tables = {}
    for cell, rows in cells.items():
        rows.check_usable(Path(path))
        warnings = base_warnings(rows, rows.n_rows)
        table, _ = moments_point_table(method, rows.moments, missing, names, indices, members,
                                       seed, warnings)
        table.attrs.update(row_facts(rows, rows.n_effective))
        if listwise:
            table.attrs["cv_r2"] = fold_r2(folded[cell], rows)
        table.attrs.update({"groups": None if groups is None
                            else {n: list(g) for n, g in groups.items()},
                            "bootstrap": 0, "ci": 0.95, "warnings": warnings,
                            "source": "moments (DuckDB)"})
        tables[cell] = table
    return tables[()] if not by else tables
