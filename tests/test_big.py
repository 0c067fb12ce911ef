"""Files larger than memory: moments summed by DuckDB equal those of the DataFrame path.

The reference is the pandas path itself on the same rows (``select_rows`` then
``Moments.from_arrays``, whose own tests compare it with numpy.cov / DataFrame.corr), an
independent implementation of the same sums: SQL aggregates over the file against BLAS
products over an array.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import drivers
from drivers.big import file_importance, file_rows, total
from drivers.cli import main
from drivers.diagnostics import select_rows

DRIVERS = ["a1", "a2", "a3", "a4"]
CODES = {98: "dont_know", 99: "not_applicable"}


def survey(n: int = 600, seed: int = 3) -> pd.DataFrame:
    """Ratings near 9 on 0-10 (raw sums lose digits), codes 98/99, NaN blanks, weights,
    two segments x three waves."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    frame = pd.DataFrame({
        f"a{j}": np.clip(np.round(8 + latent * (0.5 + 0.2 * j) + rng.normal(size=n)), 0, 10)
        for j in range(1, 5)})
    frame["sat"] = np.clip(np.round(8.5 + frame[DRIVERS].to_numpy() @ [0.4, 0.3, 0.2, 0.1]
                                    - 0.8 * 8 + rng.normal(size=n)), 0, 10)
    for column, share, code in (("a1", 0.05, 98), ("a2", 0.08, 99), ("a3", 0.04, np.nan),
                                ("sat", 0.03, np.nan), ("a4", 0.03, 98)):
        frame.loc[rng.random(n) < share, column] = code
    frame.loc[:9, DRIVERS] = np.nan          # one answer only: out of pairwise too
    frame["w"] = rng.uniform(0.3, 3.0, size=n)
    frame["segment"] = rng.choice(["retail", "sme"], size=n)
    frame["wave"] = rng.choice(["W1", "W2", "W10"], size=n)
    return frame


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return survey()


@pytest.fixture()
def parquet(tmp_path, frame):
    path = tmp_path / "survey.parquet"
    frame.to_parquet(path)
    return path


def _same_moments(duck, pandas_moments):
    """Raw sums (shift 0) equal to 1e-12 relative; counts exactly."""
    a, b = duck.shifted(np.zeros(duck.p)), pandas_moments.shifted(np.zeros(duck.p))
    assert a.columns == b.columns and a.n == b.n
    for name in ("weight_sum", "weight_sq_sum", "sums", "cross"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-12, err_msg=name)
    if b.pairwise:
        np.testing.assert_array_equal(a.pair_n, b.pair_n)
        for name in ("pair_weight", "pair_weight_sq", "pair_sums", "pair_squares",
                     "pair_cross"):
            np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-12,
                                       err_msg=name)
    for missing in ("listwise", "pairwise") if b.pairwise else ("listwise",):
        np.testing.assert_allclose(duck.correlation(missing), pandas_moments.correlation(missing),
                                   rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_moments_per_cell_equal_the_dataframe_path(parquet, frame, missing):
    cells = file_rows(parquet, "sat", DRIVERS, weights="w", missing=missing,
                      missing_codes=CODES, by=["segment", "wave"])
    assert len(cells) == 6
    for (segment, wave), rows in cells.items():
        part = frame[(frame["segment"] == segment) & (frame["wave"] == wave)]
        expected = select_rows(part, "sat", DRIVERS, "w", missing, CODES)
        _same_moments(rows.moments, expected.moments)
        assert rows.n_used == expected.n_used and rows.n_dropped == expected.n_dropped
        assert rows.dropped_reasons == expected.dropped_reasons
        assert rows.missing_cells == expected.missing_cells
        assert rows.reason_columns == expected.reason_columns
    whole = select_rows(frame, "sat", DRIVERS, "w", missing, CODES)
    _same_moments(total(cells).moments, whole.moments)
    assert total(cells).dropped_reasons == whole.dropped_reasons


def test_nan_stored_in_parquet_is_a_blank(tmp_path, frame):
    """Parquet writers other than pandas keep NaN as a value, not as null."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = [*DRIVERS, "sat", "w"]
    table = pa.table({c: pa.array(frame[c].to_numpy(float), from_pandas=False)
                      for c in columns})
    assert table.column("a3").null_count == 0 and frame["a3"].isna().any()
    path = tmp_path / "nan.parquet"
    pq.write_table(table, path)
    for missing in ("listwise", "pairwise"):
        rows = file_rows(path, "sat", DRIVERS, weights="w", missing=missing,
                         missing_codes=CODES)[()]
        expected = select_rows(frame, "sat", DRIVERS, "w", missing, CODES)
        _same_moments(rows.moments, expected.moments)
        assert rows.dropped_reasons == expected.dropped_reasons


def test_unweighted_without_codes_counts_blanks(parquet, frame):
    rows = file_rows(parquet, "sat", DRIVERS)[()]
    expected = select_rows(frame, "sat", DRIVERS)
    assert rows.dropped_reasons == expected.dropped_reasons   # 98/99 left in: no blank there
    _same_moments(rows.moments, expected.moments)
    assert rows.n_effective is None


@pytest.mark.parametrize("method, missing", [("shapley", "listwise"), ("shapley", "pairwise"),
                                             ("relative_weights", "listwise"),
                                             ("pratt", "pairwise"), ("beta", "pairwise"),
                                             ("correlation", "listwise")])
def test_importance_from_parquet_equals_importance_from_the_dataframe(parquet, frame, method,
                                                                      missing):
    ours = file_importance(parquet, "sat", DRIVERS, method=method, weights="w",
                           missing=missing, missing_codes=CODES)
    expected = drivers.importance(frame, "sat", DRIVERS, method=method, weights="w",
                                  missing=missing, missing_codes=CODES)
    assert list(ours.columns) == list(expected.columns)
    for column in ours.columns:
        if pd.api.types.is_float_dtype(expected[column]):
            np.testing.assert_allclose(ours[column], expected[column], rtol=1e-10, atol=1e-12,
                                       err_msg=column)
        else:
            assert ours[column].tolist() == expected[column].tolist(), column
    for key, value in expected.attrs.items():
        if key == "cv_r2":   # other folds (a hash of the row), so not the same number
            assert np.isnan(ours.attrs[key]) == np.isnan(value) == (missing == "pairwise")
        elif isinstance(value, float):
            assert ours.attrs[key] == pytest.approx(value, rel=1e-10), key
        elif key == "vif":
            assert ours.attrs[key] == pytest.approx(value, rel=1e-10)
        else:
            assert ours.attrs[key] == value, key


def test_cv_r2_from_fold_moments_equals_refits_on_the_same_folds(parquet, frame):
    """The reference refits weighted least squares with numpy on the rows of every other
    fold, the folds being the hash of the Parquet row number that the file path uses."""
    import duckdb

    from drivers.diagnostics import CV_FOLDS, CV_SEED

    ours = file_importance(parquet, "sat", DRIVERS, weights="w", missing_codes=CODES,
                           by=["segment"])
    fold = duckdb.sql(f"SELECT (hash(file_row_number, {CV_SEED}) % {CV_FOLDS})::INTEGER AS f "
                      f"FROM read_parquet('{parquet}', file_row_number = true)"
                      ).fetchnumpy()["f"]
    values = frame[[*DRIVERS, "sat"]].replace(list(CODES), np.nan).to_numpy(dtype=float)
    for (segment,), table in ours.items():
        rows = ~np.isnan(values).any(axis=1) & (frame["segment"] == segment).to_numpy()
        X = np.column_stack([np.ones(len(frame)), values[:, :-1]])
        y, w = values[:, -1], frame["w"].to_numpy()
        error = 0.0
        for k in range(CV_FOLDS):
            train, test = rows & (fold != k), rows & (fold == k)
            root = np.sqrt(w[train])
            beta = np.linalg.lstsq(X[train] * root[:, None], y[train] * root, rcond=None)[0]
            error += np.sum(w[test] * (y[test] - X[test] @ beta) ** 2)
        centre = np.average(y[rows], weights=w[rows])
        expected = 1 - error / np.sum(w[rows] * (y[rows] - centre) ** 2)
        assert table.attrs["cv_r2"] == pytest.approx(expected, rel=1e-10)
        assert table.attrs["cv_r2"] < table.attrs["r2"]


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_grouped_importance_per_cell(parquet, frame, missing):
    groups = {"BX": ["a1", "a2"], "SX": ["a3", "a4"]}
    tables = file_importance(parquet, "sat", method="shapley", weights="w", groups=groups,
                             missing_codes=CODES, by=["wave"], missing=missing)
    assert sorted(tables) == [("W1",), ("W10",), ("W2",)]
    part = frame[frame["wave"] == "W10"]
    expected = drivers.importance(part, "sat", groups=groups, weights="w", missing_codes=CODES,
                                  missing=missing)
    np.testing.assert_allclose(tables[("W10",)]["importance"], expected["importance"],
                               rtol=1e-10)
    assert tables[("W10",)].attrs["n_used"] == expected.attrs["n_used"]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_csv_in_utf8_and_gbk_reads_as_the_parquet(tmp_path, frame, encoding):
    renamed = frame.rename(columns={"a1": "品牌承诺", "sat": "满意度"})
    renamed["segment"] = renamed["segment"].map({"retail": "零售", "sme": "小微"})
    path = tmp_path / "survey.csv"
    renamed.to_csv(path, index=False, encoding=encoding)
    columns = ["品牌承诺", "a2", "a3", "a4"]
    # Given, as the study file's encoding: says it (charset-normalizer takes this short
    # file for cp1251, through drivers.readers too).
    cells = file_rows(path, "满意度", columns, weights="w", missing_codes=CODES,
                      by=["segment"], encoding=encoding)
    assert sorted(cells) == [("小微",), ("零售",)]
    expected = select_rows(renamed[renamed["segment"] == "零售"], "满意度", columns, "w",
                           "listwise", CODES)
    _same_moments(cells[("零售",)].moments, expected.moments)
    assert path.read_bytes() == renamed.to_csv(index=False).encode(encoding)  # untouched


def test_cli_engine_duckdb_matches_the_pandas_engine(parquet, capsys):
    arguments = ["importance", str(parquet), "--outcome", "sat", "--drivers", ",".join(DRIVERS),
                 "--weights", "w", "--missing-codes", "98,99"]
    assert main([*arguments, "--engine", "duckdb"]) == 0
    captured = capsys.readouterr()
    assert "read as moments through DuckDB" in captured.err
    ours = pd.read_csv(io.StringIO(captured.out))
    assert main([*arguments, "--engine", "pandas"]) == 0
    expected = pd.read_csv(io.StringIO(capsys.readouterr().out))
    np.testing.assert_allclose(ours["importance"], expected["importance"], rtol=1e-10)
    assert ours["rank"].tolist() == expected["rank"].tolist()


@pytest.mark.parametrize("change, arguments, message", [
    (None, ["--drivers", "a1,nope"], "driver column 'nope' is not in the data"),
    (None, ["--drivers", "a1,a2", "--method", "random_forest"], "need the rows in memory"),
    (None, ["--drivers", "a1,a2", "--bootstrap", "100"], "--bootstrap needs the rows"),
    ("text", ["--drivers", "a1,a2"], "driver column 'a2' must be numeric; found 'n/a'"),
    ("zero_weight", ["--drivers", "a1,a2", "--weights", "w"],
     "weights must be positive; zero or negative in data rows 5, 9"),
    ("blank_weight", ["--drivers", "a1,a2", "--weights", "w"],
     "weights must be finite numbers; blank or infinite in data rows 2"),
])
def test_bad_input_is_one_line_naming_file_and_column(tmp_path, frame, capsys, change,
                                                      arguments, message):
    data = frame.copy()
    if change == "text":
        data["a2"] = data["a2"].astype(str)
        data.loc[7, "a2"] = "n/a"
    elif change == "zero_weight":
        data.loc[[4, 8], "w"] = [0.0, -1.0]
    elif change == "blank_weight":
        data.loc[1, "w"] = np.nan
    path = tmp_path / "survey.parquet"
    data.to_parquet(path)
    code = main(["importance", str(path), "--outcome", "sat", "--engine", "duckdb",
                 *arguments])
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("drivers: error:")]
    assert code == 1 and "Traceback" not in err
    assert len(errors) == 1 and message in errors[0] and str(path) in errors[0], err


def test_a_bad_csv_value_beyond_the_sniffed_rows_is_one_line(tmp_path, frame, capsys):
    data = pd.concat([frame] * 40, ignore_index=True)   # 24,000 rows
    data["a2"] = data["a2"].astype(object)
    data.loc[23_000, "a2"] = "n/a"
    path = tmp_path / "survey.csv"
    data.to_csv(path, index=False)
    code = main(["importance", str(path), "--outcome", "sat", "--drivers", "a1,a2",
                 "--engine", "duckdb"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and str(path) in err[-1] and "Traceback" not in "".join(err)
