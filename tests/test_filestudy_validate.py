"""`drivers validate` of a study whose data is read through DuckDB (filestudy.check_file_study).

The reference is the pandas path on the same files (``drivers validate --engine pandas``,
:func:`drivers.io.check_study`), whose own tests pin each rule: the DuckDB path must print
the same summary, warnings and problems word for word, with the same exit code, from SQL
value counts instead of rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from test_filestudy import _study_files, bank  # noqa: F401  (the harder bank study)

from drivers.cli import main
from drivers.filestudy import check_file_study, load_file_study
from drivers.io import check_study
from drivers.paths import bank_loan_study_file


def _validate(study_file, engine: str, capsys) -> tuple[int, str, str]:
    code = main(["validate", str(study_file), "--engine", engine])
    out, err = capsys.readouterr()
    return code, out, err


def _same_as_pandas(study_file, capsys) -> tuple[int, str, str]:
    found = _validate(study_file, "duckdb", capsys)
    expected = _validate(study_file, "pandas", capsys)
    assert found[0] == expected[0]
    assert found[1] == expected[1]
    assert found[2] == expected[2]
    assert "Traceback" not in found[2]
    return found


@pytest.mark.parametrize("kind", ["parquet", "csv", "unweighted"])
def test_validate_prints_what_the_pandas_path_prints(bank, capsys, kind):  # noqa: F811
    code, out, err = _same_as_pandas(bank[kind], capsys)
    assert code == 0 and "OK: Study(" in out and "n=2000" in out
    # The harder coding shows in the summary: not what the plain bank study gives.
    assert "missing_refused" in out and "from_text" in out
    assert "blank values in data rows" in err
    if kind == "csv":
        assert "Read as: encoding utf-8 (detected); delimiter comma (detected)" in out


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_the_quality_table_is_the_pandas_one(bank, kind):  # noqa: F811
    expected = check_study(bank[kind])
    found, big = check_file_study(bank[kind])
    pd.testing.assert_frame_equal(found.quality, expected.quality)
    assert found.warnings == expected.warnings
    assert found.notes == expected.notes
    assert found.problems == expected.problems == []
    assert repr(found.study) == repr(expected.study)
    # Not a vacuous equality: the reverse item, the text marker, the own code and the
    # answer texts are all counted.
    row = found.quality.set_index("column")
    assert row.loc["px_revolving", "missing_not_applicable"] > 50
    assert row.loc["px_revolving", "from_text"] > 100
    assert row.loc["ex_responsiveness", "missing_refused"] > 30
    assert (row["rows"] == 2000).all()
    assert big.n_rows == 2000


def _broken(frame: pd.DataFrame, spec: dict, change: str) -> tuple[pd.DataFrame, dict]:
    frame, spec = frame.copy(), yaml.safe_load(yaml.safe_dump(spec))
    text = frame["bx_trust"].map(lambda v: None if pd.isna(v) else f"{v:g}")
    if change == "many":   # every kind of problem at once, each listed
        frame.loc[[11, 1500], "csat"] = 7
        frame.loc[[30], "recommend"] = 10.5
        text[[2, 40]] = ["n/a", "?"]
        text[[5, 9]] = ["zz", "n/a"]
        frame["bx_trust"] = text
        frame.loc[[3, 8], "weight"] = [0.0, -1.0]
        frame.loc[[12], "weight"] = None
        frame.loc[6, "respondent_id"] = "BL00002"
        frame.loc[[7, 900], "respondent_id"] = None
        frame = frame.drop(columns="sx_resolution")
        frame["px_revolving"] = 3
    elif change == "tied_texts":  # two text markers, as many rows each: the file's order
        text[[50, 60]] = "(skip)"
        text[[40, 70]] = "refused!"
        frame["bx_trust"] = text
        spec["missing_codes"].update({"(skip)": "not_applicable", "refused!": "refused"})
    elif change == "numeric_ids":  # whole-number ids with a blank: pandas shows floats
        frame["respondent_id"] = np.arange(1, len(frame) + 1)
        frame["respondent_id"] = frame["respondent_id"].astype("Int64")
        frame.loc[[4], "respondent_id"] = pd.NA
        frame.loc[[10], "respondent_id"] = 3
        frame.loc[[20, 21], "csat"] = 9
    elif change == "text_weights":   # a text alone: the extremes of the numbers pass
        frame["weight"] = frame["weight"].map(lambda v: f"{v:g}").astype(object)
        frame.loc[[14], "weight"] = "heavy"
    elif change == "infinite_weight":
        frame.loc[[15], "weight"] = np.inf
    elif change == "second_header":
        rated = [c for c in frame.columns if c not in ("respondent_id", "weight", "wave",
                                                       "channel", "product", "region")]
        first = pd.DataFrame([{c: f"question {c}" for c in rated}])
        frame = pd.concat([first, frame.map(lambda v: None if pd.isna(v) else f"{v:g}"
                                            if isinstance(v, float) else str(v))],
                          ignore_index=True)
        frame.loc[0, "respondent_id"] = "X"
        frame.loc[0, "weight"] = "1"
    elif change == "no_answers":
        frame["ex_staff_attitude"] = 99
        frame["bx_trust"] = text.where(text.isna(), "5")
        frame.loc[[0], "bx_trust"] = "4"
    return frame, spec


@pytest.mark.parametrize("change", ["many", "tied_texts", "numeric_ids", "text_weights",
                                    "infinite_weight", "second_header", "no_answers"])
def test_bad_data_gets_the_pandas_problems_and_exit_code(tmp_path, capsys, change):
    source = bank_loan_study_file()
    frame, spec = _broken(pd.read_csv(source.parent / "survey.csv"),
                          yaml.safe_load(source.read_text(encoding="utf-8")), change)
    files = _study_files(tmp_path, frame, spec)
    for kind in ("parquet", "csv"):
        code, out, err = _same_as_pandas(files[kind], capsys)
        expected = check_study(files[kind])
        found, _ = check_file_study(files[kind])
        assert found.problems == expected.problems
        pd.testing.assert_frame_equal(found.quality, expected.quality)
        if change == "tied_texts":
            assert code == 0
            # Tied counts keep the order the markers first appear in (row 41, then 51).
            shown = [c for c in found.quality.columns if c in ("missing_refused",
                                                               "missing_not_applicable")]
            assert shown == ["missing_refused", "missing_not_applicable"]
            continue
        assert code == 1 and "problem" in err
        with pytest.raises(Exception, match="problem|column"):
            load_file_study(files[kind])
    if change == "many":
        for part in ["values 7 are outside the scale 1-5", "values 10.5 are outside",
                     "found 'n/a', 'zz', '?' in data rows 3, 6, 10, 41",
                     "zero or negative in data rows 4, 9 (ids BL00004, BL00009)",
                     "empty weight in data rows 13 (ids BL00013)",
                     "BL00002 repeat in data rows 2, 7", "empty id in data rows 8, 901",
                     "'sx_resolution' (attribute of SX) is not in the data",
                     "every answer is 3; a constant column"]:
            assert part in err, part
    if change in ("text_weights", "infinite_weight"):
        assert ("found text in data rows 15 (ids BL00015)" if change == "text_weights" else
                "infinite weight in data rows 16 (ids BL00016)") in err
    if change == "numeric_ids":
        # pandas reads the ids back as Int64 from Parquet (its metadata), floats from CSV
        assert "repeat in data rows 3, 11" in err and "(ids 21.0, 22.0)" in err


def test_a_study_the_duckdb_path_cannot_read_says_so(tmp_path, capsys):
    source = bank_loan_study_file()
    frame = pd.read_csv(source.parent / "survey.csv")
    spec = yaml.safe_load(source.read_text(encoding="utf-8"))
    spec["header_rows"] = 2
    files = _study_files(tmp_path, frame, spec)
    code, _, err = _validate(files["csv"], "duckdb", capsys)
    assert code == 1 and "Traceback" not in err
    assert "a CSV needs its column names on row 1" in err and "--engine pandas" in err


def test_nan_in_a_parquet_float_column_is_a_blank(tmp_path, capsys):
    """pandas writes NaN as a null, but other tools keep it: a NaN rating or weight is a
    blank on both paths (no answer; an empty weight)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = bank_loan_study_file()
    frame = pd.read_csv(source.parent / "survey.csv")
    spec = yaml.safe_load(source.read_text(encoding="utf-8"))
    files = _study_files(tmp_path, frame, spec)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for column, rows in (("csat", [3, 4, 5]), ("weight", [7])):
        values = frame[column].astype(float).to_numpy().copy()
        values[rows] = np.nan
        table = table.set_column(table.schema.get_field_index(column), column,
                                 pa.array(values, from_pandas=False))
    pq.write_table(table, tmp_path / "survey.parquet")
    assert pq.read_table(tmp_path / "survey.parquet").column("csat").null_count < 9
    code, _, err = _same_as_pandas(files["parquet"], capsys)
    assert code == 1 and "empty weight in data rows 8 (ids BL00008)" in err
    found, _ = check_file_study(files["parquet"])
    assert found.quality.set_index("column").loc["csat", "missing_no_answer"] == 9


@pytest.mark.parametrize("change", ["no_file", "bad_yaml", "no_outcomes"])
def test_a_broken_study_file_is_said_alike_whatever_the_engine(tmp_path, capsys, change):
    study = tmp_path / "study.yaml"
    text = {"no_file": "title: x\ndata: missing.parquet\noutcomes: {csat: {column: c, "
                       "kind: csat, scale: [1, 5]}}\ndimensions: {BX: {attributes: [a, b]}}\n",
            "bad_yaml": "title: [x\n", "no_outcomes": "title: x\ndata: a.parquet\n"}[change]
    study.write_text(text, encoding="utf-8")
    said = {engine: _validate(study, engine, capsys) for engine in ("auto", "pandas", "duckdb")}
    assert said["auto"] == said["pandas"] == said["duckdb"]
    assert said["auto"][0] == 1 and "Traceback" not in said["auto"][2]


def test_blank_segment_texts_of_every_kind_are_located(tmp_path, capsys):
    """A segment whose blanks are empty, spaces and missing (more kinds of blank than of
    answers): the rows are found by "none of the answers", nulls included."""
    source = bank_loan_study_file()
    frame = pd.read_csv(source.parent / "survey.csv")
    spec = yaml.safe_load(source.read_text(encoding="utf-8"))
    frame["channel"] = "app"
    frame.loc[[3, 30], "channel"] = " "
    frame.loc[[4], "channel"] = "   "
    frame.loc[[5, 50, 500], "channel"] = None
    files = _study_files(tmp_path, frame, spec)
    code, _, err = _same_as_pandas(files["parquet"], capsys)
    assert code == 0
    assert "column 'channel' (segment): 6 blank values in data rows 4, 5, 6, 31, 51, 501" in err


def test_a_repeated_column_name_in_a_csv_is_refused_alike(tmp_path, capsys):
    """DuckDB would rename it (csat, csat_1); the pandas reader refuses it."""
    (tmp_path / "survey.csv").write_text("id,csat,csat,a,b\n1,5,4,3,2\n2,4,4,2,5\n3,3,2,1,4\n",
                                         encoding="utf-8")
    study = tmp_path / "study.yaml"
    study.write_text("title: x\ndata: survey.csv\noutcomes: {csat: {column: csat, kind: csat, "
                     "scale: [1, 5]}}\ndimensions: {BX: {attributes: [a, b]}}\n",
                     encoding="utf-8")
    code, _, err = _same_as_pandas(study, capsys)
    assert code == 1 and "the header repeats 'csat'" in err
    assert main(["init", str(tmp_path / "survey.csv"), "--engine", "duckdb", "--out",
                 str(tmp_path / "new.yaml")]) == 1
    assert "the header repeats 'csat'" in capsys.readouterr().err


@pytest.mark.parametrize("encoding, names", [("cp1251", ["РЕГИОН", "оценка"]),
                                             ("big5", ["銀行", "推薦"])])
def test_a_short_header_encoding_is_told_alike(tmp_path, capsys, encoding, names):
    # Detection alone misreads these few bytes; the study's column names tell the encoding
    # on both paths (readers.detect_encoding), and every pass over the file uses it.
    from test_readers import _renamed_bank_export

    study_file, _old = _renamed_bank_export(tmp_path, encoding, names)
    code, out, _err = _same_as_pandas(study_file, capsys)
    assert code == 0
    assert f"encoding {encoding} (matches the study's column names)" in out
    big = load_file_study(study_file)
    assert big.encoding == encoding
    assert big.study.read_notes["encoding"] == f"{encoding} (matches the study's column names)"
