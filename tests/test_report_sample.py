"""The report of a big study, built from a seeded random sample of its respondents.

References, none of them our own earlier output:
- the rows: every row's ``hash(row, seed)`` listed by DuckDB for the whole range and the
  ``n`` smallest taken by numpy (a full sort, not the SQL ``ORDER BY ... LIMIT`` the package
  uses), and the respondent ids pandas reads at those file positions;
- the numbers: :func:`compute_report` on exactly those rows loaded the pandas way
  (``read_table`` of the whole export, ``iloc`` of the rows, ``study_from_frame``);
- the data-quality row account: the pandas path's table of the whole file.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pytest
import yaml
from test_report import page_texts, running_text

from drivers.big import connect
from drivers.cli import main
from drivers.filesample import load_sample, read_rows, sample_rows
from drivers.filestudy import as_parquet
from drivers.io import load_study, study_from_frame
from drivers.paths import bank_loan_study_file
from drivers.readers import read_table
from drivers.report import build_report, compute_report
from drivers.report.workbook import workbook_sheets

N, SEED, BOOTSTRAP, DATE = 600, 3, 10, "2026-11-23"


def smallest_hashes(total: int, n: int, seed: int) -> np.ndarray:
    """The n rows with the smallest hash(row, seed), ties to the lower row, ascending."""
    with connect() as con:
        hashes = con.execute(f"SELECT hash(i, {seed}::UBIGINT) AS h FROM range({total}) t(i)"
                             ).fetchnumpy()["h"]
    order = np.lexsort((np.arange(total), np.asarray(hashes, dtype=np.uint64)))
    return np.sort(order[:n])


def pandas_rows(study_file, rows):
    """The study on some rows of its export, loaded the pandas way."""
    spec = yaml.safe_load(study_file.read_text(encoding="utf-8"))
    raw, _ = read_table(study_file.parent / spec["data"])
    return study_from_frame(raw.iloc[rows], spec), raw


@pytest.fixture(scope="module")
def parquet_study(tmp_path_factory):
    """The bank study with its data as Parquet."""
    return as_parquet(bank_loan_study_file(), tmp_path_factory.mktemp("bigreport"))


@pytest.fixture(scope="module")
def big(parquet_study):
    """The bank study as Parquet, its report from a sample of 600 of its 2,000 rows
    (through DuckDB, as a file above the size threshold is read), in English and Chinese."""
    study_file = parquet_study
    folder = study_file.parent
    options = {"bootstrap": BOOTSTRAP, "seed": SEED, "date": DATE, "engine": "duckdb",
               "sample": N, "n_jobs": 1}
    english = build_report(study_file, folder / "en.pdf", workbook=folder / "en.xlsx",
                           **options)
    chinese = build_report(study_file, folder / "zh.pdf", lang="zh", **options)
    return {"study_file": study_file, "folder": folder, "en": english, "zh": chinese}


def test_the_sample_is_the_rows_with_the_smallest_seeded_hash(monkeypatch):
    rows = sample_rows(2000, N, SEED)
    expected = smallest_hashes(2000, N, SEED)
    np.testing.assert_array_equal(rows, expected)
    assert len(np.unique(rows)) == N and (np.diff(rows) > 0).all()   # file order
    assert not np.array_equal(rows, smallest_hashes(2000, N, SEED + 1))
    # The same rows whatever DuckDB's threads.
    import drivers.big

    monkeypatch.setattr(drivers.big, "inner_threads", lambda: 1)
    np.testing.assert_array_equal(sample_rows(2000, N, SEED), rows)
    # On a file that is not the bank's, and every row when n >= the rows.
    np.testing.assert_array_equal(sample_rows(100_003, 77, 12), smallest_hashes(100_003, 77, 12))
    np.testing.assert_array_equal(sample_rows(50, 50, 1), np.arange(50))


def test_the_report_holds_exactly_those_rows(parquet_study):
    """The study behind the report holds the chosen rows, in file order, as pandas reads
    them (respondent ids at the same file positions), Parquet and CSV alike."""
    study_file = parquet_study
    rows = smallest_hashes(2000, N, SEED)
    study, raw = pandas_rows(study_file, rows)
    drawn = load_sample(study_file, N, SEED)
    assert (drawn.n, drawn.total, drawn.seed, drawn.sampled) == (N, 2000, SEED, True)
    np.testing.assert_array_equal(drawn.study.data.index, rows)
    np.testing.assert_array_equal(drawn.study.data["respondent_id"],
                                  raw["respondent_id"].to_numpy()[rows])
    pd.testing.assert_frame_equal(drawn.study.data, study.data, check_index_type=False)
    pd.testing.assert_frame_equal(drawn.study.missing, study.missing, check_index_type=False)
    # A CSV export: rows numbered by their place in the file, as for Parquet.
    csv = study_file.parent / "survey.csv"
    raw.to_csv(csv, index=False)
    pd.testing.assert_frame_equal(read_rows(csv, rows)[["respondent_id", "csat", "channel"]],
                                  raw.iloc[rows][["respondent_id", "csat", "channel"]],
                                  check_index_type=False, check_dtype=False)
    assert not load_sample(study_file, 2000, SEED).sampled


def test_the_numbers_are_those_of_the_sample_loaded_the_pandas_way(big):
    study, _ = pandas_rows(big["study_file"], smallest_hashes(2000, N, SEED))
    numbers = compute_report(study, bootstrap=BOOTSTRAP, seed=SEED, n_jobs=1)
    assert numbers.facts.get("sample") is None
    expected = workbook_sheets(numbers, "en")
    found = big["en"].tables
    assert set(found) == set(expected)
    for name in expected:
        if name != "data_quality":   # the whole file's: next test
            pd.testing.assert_frame_equal(found[name], expected[name], obj=name)
    assert big["en"].facts["n"] == N
    assert big["en"].facts["sample"] == {"n": N, "total": 2000, "file": "survey.parquet",
                                         "seed": SEED}


def test_the_data_quality_table_counts_the_whole_file(big):
    """The row account comes from every row of the file (DuckDB's value counts), equal to
    the pandas path's table of the whole export."""
    from drivers.report.numbers import _data_quality

    whole = load_study(bank_loan_study_file())
    # (the workbook labels this sheet's rows by column name: compared without labels)
    pd.testing.assert_frame_equal(big["en"].tables["data_quality"].drop(columns="label"),
                                  _data_quality(whole, "en").drop(columns="label"))
    assert big["en"].tables["data_quality"]["answered"].max() > N


def test_the_pdf_says_it_describes_a_sample_in_both_languages(big):
    english = running_text(" ".join(page_texts(big["en"].pdf)))
    statement = "a random sample of 600 of the 2,000 respondents in survey.parquet (seed 3)"
    assert statement in english                                            # title page
    assert ("This report describes " + statement + ": every figure and interval is a "
            "statement about that sample. drivers metrics and drivers compare give the "
            "full-file figures.") in english                               # summary
    assert "simple random sample of 600 of them" in english                # method
    assert "over all 2,000 respondents in survey.parquet (the whole file" in english
    summary = page_texts(big["en"].pdf)[big["en"].summary_pages[0] - 1]
    assert "random sample of 600 of the 2,000" in running_text(summary)
    chinese = running_text(" ".join(page_texts(big["zh"].pdf))).replace(" ", "")
    assert "本报告基于从survey.parquet的2,000名受访者中随机抽取的600名（随机种子3）" in chinese
    assert "样本：从survey.parquet的2,000名受访者中随机抽取的600名（随机种子3）" in chinese
    assert "drivers metrics与drivers compare" in chinese.replace("driversmetrics",
                                                                "drivers metrics").replace(
        "driverscompare", "drivers compare")
    readme = pd.read_excel(big["folder"] / "en.xlsx", sheet_name="README")
    assert readme.iloc[0, 2].startswith("A random sample of 600 of the 2,000 respondents in "
                                        "survey.parquet (seed 3)")


def test_the_command_gives_the_same_pdf_bytes(big, capsys):
    """``drivers report --engine duckdb --sample`` writes the bytes build_report wrote: the
    same data, seed and date give the same PDF."""
    out = big["folder"] / "cli.pdf"
    code = main(["report", str(big["study_file"]), "--out", str(out), "--engine", "duckdb",
                 "--sample", str(N), "--seed", str(SEED), "--bootstrap", str(BOOTSTRAP),
                 "--date", DATE, "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert re.search(r"2,000 rows checked through DuckDB \(--engine duckdb\); the report "
                     r"describes a random sample of 600 of them \(seed 3\)", err)
    assert hashlib.md5(out.read_bytes()).hexdigest() == \
        hashlib.md5(big["en"].pdf.read_bytes()).hexdigest()


def test_an_in_memory_study_refuses_the_duckdb_engine():
    study = load_study(bank_loan_study_file())
    with pytest.raises(ValueError, match="only a study file's data is read through DuckDB"):
        build_report(study, "x.pdf", engine="duckdb")
    with pytest.raises(ValueError, match="at least one respondent"):
        sample_rows(10, 0, 1)
