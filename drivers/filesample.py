"""A seeded simple random sample of a study whose data file is larger than memory.

The stakeholder report (:func:`drivers.report.build_report`) needs respondents' rows in many
places (expected gains from the outcome models, performance resamples, relationship
profiles, cross-validated R^2, segment and wave matrices). On a big study it is built from a
simple random sample of respondents, loaded by the pandas path's own rules
(:func:`drivers.io.check_frame`), so every figure and interval is a correct statement about
that sample and every coding rule stays in one place. ``drivers metrics`` and
``drivers compare`` give the full-file figures (:mod:`drivers.filestudy`).

How the sample is drawn, the same whatever DuckDB's thread count:

1. A row's identity is its position in the file (0-based, data rows in file order), as
   :mod:`drivers.filestudy` and :mod:`drivers.big` number rows for Parquet and CSV alike.
2. The sample is the ``n`` rows with the smallest seeded hash of their row number,
   DuckDB's ``hash(row, seed)`` (the hash family of the random groups of
   :mod:`drivers.filestudy`); ties, if any, go to the lower row. With a total order the
   choice does not depend on threads (DuckDB's own reservoir sampling is repeatable only on
   one thread). It depends on the number of rows, ``n`` and the seed only.
3. The file is streamed once in file order and the chosen rows are kept, in file order,
   with their file positions as the index.

Before the sample is drawn, :func:`drivers.filestudy.load_file_study` reads the whole file
through DuckDB: every value, weight and id of every row is checked (a bad value outside the
sample is still reported), and the row account of the data-quality table comes from the
whole file. If ``n`` is at least the file's rows, every row is used and nothing is sampled.

Examples
--------
>>> import tempfile
>>> from drivers.filestudy import as_parquet
>>> from drivers.paths import bank_loan_study_file
>>> study_file = as_parquet(bank_loan_study_file(), tempfile.mkdtemp())
>>> drawn = load_sample(study_file, 500, seed=1)
>>> drawn.n, drawn.total, drawn.sampled, len(drawn.study.data)
(500, 2000, True, 500)
>>> bool((drawn.study.data.index == sample_rows(2000, 500, 1)).all())
True
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from drivers.study import DataWarning, Study

#: Respondents a report of a big study is built from by default (``--sample``). At 20,000
#: the 95% margin of an NPS is at most +-1.4 points (1.96 sqrt(1 / n); +-1.0 at 40%
#: promoters and 20% detractors) and of a top-box share at most +-0.7 points, while the
#: report's row-level steps (outcome-model resamples above all) grow with n: the report of
#: the 10,000,000-row study of benchmarks/bench_big.py (step f) took 287 s of CPU, 9.4 min
#: wall on 2 cores shared at load 8-10 (about 3-4 min on 2 free cores), peak 516 MB.
REPORT_SAMPLE = 20_000


@dataclass
class FileSample:
    """A study loaded from a seeded simple random sample of its data file's rows.

    Attributes
    ----------
    study : Study
        The sampled respondents as :func:`drivers.io.load_study` loads them (index: each
        row's 0-based position in the file).
    n, total : int
        Respondents in the sample and rows in the file (``n == total``: every row).
    seed : int
        The seed of the hash that chose the rows.
    path : Path
        The data file.
    quality : dict
        The whole file's row account per rated column: ``{column: {"answered": rows,
        reason: rows, ...}}`` (the report's data-quality table).
    """

    study: Study
    n: int
    total: int
    seed: int
    path: Path
    quality: dict = field(default_factory=dict)

    @property
    def sampled(self) -> bool:
        """Whether the study holds fewer rows than the file."""
        return self.n < self.total

    def __repr__(self) -> str:
        return (f"FileSample({self.path.name}: {self.n:,} of {self.total:,} rows, "
                f"seed {self.seed})")


def sample_rows(total: int, n: int, seed: int) -> np.ndarray:
    """The rows (0-based file positions, ascending) of the seeded simple random sample:
    the ``n`` rows with the smallest ``hash(row, seed)``; every row when ``n >= total``.

    >>> sample_rows(10, 3, 1).tolist() == sample_rows(10, 3, 1).tolist()
    True
    >>> sample_rows(5, 9, 1).tolist()
    [0, 1, 2, 3, 4]
    """
    from drivers.big import connect

    total, n = int(total), int(n)
    if n < 1:
        raise ValueError(f"a sample needs at least one respondent, got {n!r}")
    if n >= total:
        return np.arange(total, dtype=np.int64)
    with connect() as con:
        chosen = con.execute(f"SELECT i FROM range({total}) t(i) ORDER BY hash(i, "
                             f"{_seed_sql(seed)}), i LIMIT {n}").fetchnumpy()["i"]
    return np.sort(np.asarray(chosen, dtype=np.int64))


def _seed_sql(seed: int) -> str:
    seed = int(seed)
    if not 0 <= seed < 1 << 64:
        raise ValueError(f"the sample's seed must be a whole number from 0 to 2^64 - 1, got "
                         f"{seed!r}")
    return f"{seed}::UBIGINT"


def read_rows(path: str | Path, rows: np.ndarray, encoding: str | None = None) -> pd.DataFrame:
    """The raw values of some rows of a Parquet or CSV file (0-based positions, ascending),
    read by DuckDB in batches in file order; the index holds each row's position."""
    import duckdb
    import pyarrow as pa

    from drivers.big import _first_line, connect, table_source
    from drivers.filestudy import BATCH_ROWS

    rows = np.asarray(rows, dtype=np.int64)
    kept, offset = [], 0
    with connect() as con, table_source(path, encoding) as source:
        con.execute("SET preserve_insertion_order = true")   # rows in file order
        try:
            for batch in con.sql(f"SELECT * FROM {source}").to_arrow_reader(BATCH_ROWS):
                low, high = np.searchsorted(rows, [offset, offset + batch.num_rows])
                if high > low:
                    kept.append(batch.take(pa.array(rows[low:high] - offset)))
                offset += batch.num_rows
                if high == len(rows):
                    break
        except duckdb.Error as error:
            raise ValueError(f"{path}: could not be read ({_first_line(error)})") from None
    table = pa.Table.from_batches(kept) if kept else None
    frame = table.to_pandas() if table is not None else pd.DataFrame()
    frame.index = pd.Index(rows[:len(frame)])
    frame.columns = [str(c).strip() for c in frame.columns]   # as drivers.readers reads
    return frame


def load_sample(study_file: str | Path, n: int, seed: int = 1,
                data: str | Path | None = None) -> FileSample:
    """Load a study from a seeded simple random sample of ``n`` rows of its data file.

    Parameters
    ----------
    study_file : str or Path
        The study file (YAML); its ``data:`` is a Parquet or CSV export.
    n : int
        Respondents in the sample; at least the file's rows takes every row.
    seed : int
        Seed of the hash choosing the rows (:func:`sample_rows`).
    data : str or Path, optional
        Another export with the same layout, instead of the file's ``data:``.

    Returns
    -------
    FileSample

    Raises
    ------
    StudyError
        Every problem of the study file or of any value in the whole file (one line each,
        naming the file, column and data rows).
    """
    from drivers.filestudy import _spec, load_file_study
    from drivers.io import check_frame
    from drivers.readers import TableMeta
    from drivers.study import StudyError

    big = load_file_study(study_file, data)
    for message in big.warnings:   # the whole file's, as load_study issues them
        warnings.warn(message, DataWarning, stacklevel=2)
    rows = sample_rows(big.n_rows, n, seed)
    frame = read_rows(big.path, rows, big.encoding)
    model, lines = _spec(Path(study_file))
    check = check_frame(frame, model, source=big.path, study_file=Path(study_file),
                        meta=TableMeta(), lines=lines)
    if check.problems:
        raise StudyError(check.problems, check.source)
    return FileSample(study=check.study, n=len(frame), total=big.n_rows, seed=int(seed),
                      path=big.path, quality=_row_account(big))


def _row_account(big) -> dict:
    """Answered rows and rows per missing reason of every rated column, whole file."""
    account = {}
    for column, coded in big.coded.items():
        if coded.values is None:    # a segment or wave column
            continue
        counts = {"answered": int(coded.counts[~np.isnan(coded.values)].sum())}
        for code, reason in enumerate(coded.labels):
            found = int(coded.counts[coded.reasons == code].sum())
            if found:
                counts[reason] = found
        account[column] = counts
    return account


def sample_seed(seed: int | None) -> int:
    """The seed of a sample: ``seed`` itself, or a fresh one (to be stated) when None.

    >>> sample_seed(7)
    7
    """
    if seed is None:
        return int(np.random.SeedSequence().entropy) % (1 << 63)
    return int(seed)
