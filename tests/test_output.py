"""Outputs: checked before work, written whole or not at all, read back as Excel reads them."""

from __future__ import annotations

import csv
import datetime as dt
import errno
import io
import os

import numpy as np
import openpyxl
import pandas as pd
import pytest

import drivers.output as output
from drivers.output import (
    OutputError,
    WriteError,
    atomic_write,
    check_output,
    display_width,
    sheet_names,
    study_inputs,
    write_table,
    write_together,
)


# ---- check_output --------------------------------------------------------------------------
def test_check_output_accepts_a_new_file_and_returns_it(tmp_path):
    assert check_output(tmp_path / "new.csv", [tmp_path / "in.csv"], (".csv",)) == \
        tmp_path / "new.csv"
    assert sorted(tmp_path.iterdir()) == []  # the writability probe leaves nothing


@pytest.mark.parametrize("spelling", ["survey.csv", "./survey.csv", "sub/../survey.csv",
                                      "link.csv", "hard.csv", "SURVEY.csv"])
def test_check_output_sees_an_input_however_it_is_spelled(tmp_path, monkeypatch, spelling):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "survey.csv").write_text("a\n1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.csv").symlink_to("survey.csv")
    os.link(tmp_path / "survey.csv", tmp_path / "hard.csv")
    case_blind = os.path.exists("SURVEY.csv")  # macOS and Windows file systems
    if spelling == "SURVEY.csv" and not case_blind:
        check_output(spelling, [tmp_path / "survey.csv"], (".csv",))  # another file here
        return
    with pytest.raises(OutputError, match=r"is the input .*survey.csv; choose a new file name"):
        check_output(spelling, [tmp_path / "survey.csv"], (".csv",), label="--out")


def test_check_output_refusals_name_the_path_and_what_was_expected(tmp_path):
    (tmp_path / "folder").mkdir()
    with pytest.raises(OutputError, match=r"^--out .*folder: is a folder; expected a file name "
                                          r"such as .*folder/table.csv$"):
        check_output(tmp_path / "folder", suffixes=(".csv", ".xlsx"), label="--out")
    with pytest.raises(OutputError, match=r"cannot write a .GIF file; expected a name ending "
                                          r"in .png, .pdf or .svg"):
        check_output(tmp_path / "x.GIF", suffixes=(".png", ".pdf", ".svg"))
    with pytest.raises(OutputError, match="cannot write a file without an ending"):
        check_output(tmp_path / "table", suffixes=(".csv",))
    assert check_output(tmp_path / "TABLE.CSV", suffixes=(".csv",)).name == "TABLE.CSV"
    with pytest.raises(OutputError, match=r"the folder .*missing does not exist"):
        check_output(tmp_path / "missing" / "x.csv")
    with pytest.raises(OutputError, match="is also the output"):
        check_output(tmp_path / "x.csv", outputs=[tmp_path / "sub" / ".." / "x.csv"])


def test_check_output_refuses_devices_and_tries_the_folder(tmp_path, monkeypatch):
    if os.path.exists("/dev/null"):
        with pytest.raises(OutputError, match="not a regular file"):
            check_output("/dev/null")

    def full(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(output.tempfile, "mkstemp", full)
    with pytest.raises(OutputError, match=r"cannot write in the folder .*\(Read-only file "
                                          r"system\); expected a writable folder"):
        check_output(tmp_path / "x.csv")


def test_study_inputs_lists_study_data_and_report_files(tmp_path):
    from types import SimpleNamespace

    study = SimpleNamespace(study_file=tmp_path / "study.yaml", source=tmp_path / "survey.csv",
                            report=SimpleNamespace(logo="img/logo.png", template=None))
    assert study_inputs(study) == [tmp_path / "study.yaml", tmp_path / "survey.csv",
                                   tmp_path / "img" / "logo.png"]
    bare = SimpleNamespace(study_file=None, source=None)
    assert study_inputs(bare) == []


# ---- writing whole or not at all -----------------------------------------------------------
def test_write_together_renames_all_or_none(tmp_path):
    (tmp_path / "a.txt").write_text("old a")
    with pytest.raises(RuntimeError), write_together(tmp_path / "a.txt", tmp_path / "b.txt") as (
            a, b):
        a.write_text("new a")
        raise RuntimeError("b failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    assert (tmp_path / "a.txt").read_text() == "old a"
    with write_together(tmp_path / "a.txt", tmp_path / "b.txt") as (a, b):
        a.write_text("new a")
        b.write_text("new b")
    assert [(tmp_path / n).read_text() for n in ("a.txt", "b.txt")] == ["new a", "new b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_write_together_undoes_the_first_rename_when_the_second_fails(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "b.txt").write_text("old b")
    real, failed = os.replace, []

    def replace(source, target):  # the new b.txt cannot be moved into place, once
        if str(target).endswith("b.txt") and ".b-" in str(source) and not failed:
            failed.append(source)
            raise OSError(errno.EIO, "Input/output error", str(source))
        return real(source, target)

    monkeypatch.setattr(output.os, "replace", replace)
    with pytest.raises(WriteError) as caught, write_together(tmp_path / "a.txt",
                                                              tmp_path / "b.txt") as (a, b):
        a.write_text("new a")
        b.write_text("new b")
    assert caught.value.filename == str(tmp_path / "b.txt")  # the target, not the temp
    assert [(tmp_path / n).read_text() for n in ("a.txt", "b.txt")] == ["old a", "old b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


@pytest.mark.parametrize("error", [KeyboardInterrupt(), OSError(errno.ENOSPC, "No space")])
def test_atomic_write_removes_the_temporary_file_on_any_failure(tmp_path, error):
    (tmp_path / "t.csv").write_text("old")

    def write(tmp):
        tmp.write_text("half")
        raise error

    with pytest.raises(type(error)):
        atomic_write(tmp_path / "t.csv", write)
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]
    assert (tmp_path / "t.csv").read_text() == "old"


def test_write_error_names_the_target(tmp_path):
    def write(tmp):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp))

    with pytest.raises(WriteError) as caught:
        atomic_write(tmp_path / "t.csv", write)
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == str(tmp_path / "t.csv")


# ---- what Excel opens ----------------------------------------------------------------------
def test_csv_has_a_byte_order_mark_and_reads_back(tmp_path):
    table = pd.DataFrame({"label": ["满意度", "=SUM(A1)", "-rate"], "score": [67.9, -3.5, 0.0]})
    path = write_table(table, tmp_path / "t.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    assert raw[3:].decode("utf-8").splitlines()[1] == "满意度,67.9"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [["label", "score"], ["满意度", "67.9"], ["=SUM(A1)", "-3.5"],
                    ["-rate", "0.0"]]
    pd.testing.assert_frame_equal(pd.read_csv(path, encoding="utf-8-sig"), table)
    plain = write_table(table, tmp_path / "plain.csv", encoding="utf-8")
    assert plain.read_bytes()[:5] == b"label"


def test_csv_refuses_several_tables_or_a_readme(tmp_path):
    table = pd.DataFrame({"a": [1]})
    with pytest.raises(OutputError, match="2 tables need an .xlsx workbook"):
        write_table({"a": table, "b": table}, tmp_path / "t.csv")
    with pytest.raises(OutputError, match="README sheet"):
        write_table(table, tmp_path / "t.csv", readme=table)
    with pytest.raises(OutputError, match=r"can write tables to .csv or .xlsx files, not .json"):
        write_table(table, tmp_path / "t.json")
    assert list(tmp_path.iterdir()) == []


def test_workbook_cells_types_formats_and_layout(tmp_path):
    table = pd.DataFrame({
        "driver": ["=HYPERLINK(\"x\")", "+rate", "-fees", "@limit", "\tpayout", "信任 trust"],
        "share": [0.42, -0.05, 0.0, np.nan, 1.0, 0.25],
        "n": np.array([1200, 80, 5, 0, 12345, 7], dtype="int64"),
        "tied": [True, False, True, False, True, False],
        "when": pd.to_datetime(["2026-11-23"] * 6),
        "codes": [[98, 99], (1,), [], ["a"], [2, 3], [4]],
    })
    readme = pd.DataFrame({"sheet": ["drivers"], "holds": ["shares of explained variance"]})
    path = write_table({"drivers": table}, tmp_path / "t.xlsx",
                       formats={"share": "0.0%"}, readme=readme)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["README", "drivers"]
    sheet = book["drivers"]
    assert [c.value for c in sheet[1]] == list(table.columns)
    assert all(c.font.bold for c in sheet[1])
    # text that Excel would run as a formula stays text, marked with the quote prefix
    texts = [sheet.cell(row=i, column=1) for i in range(2, 8)]
    assert [c.value for c in texts] == table["driver"].tolist()
    assert [c.data_type for c in texts] == ["s"] * 6
    assert [c.quotePrefix for c in texts] == [True] * 5 + [False]
    # numbers stay numbers, negatives included; NaN is an empty cell
    shares = [sheet.cell(row=i, column=2) for i in range(2, 8)]
    assert [c.value for c in shares] == [0.42, -0.05, 0.0, None, 1.0, 0.25]
    assert [c.data_type for c in shares if c.value is not None] == ["n"] * 5
    assert shares[1].number_format == "0.0%"
    counts = [sheet.cell(row=i, column=3) for i in range(2, 8)]
    assert [c.value for c in counts] == [1200, 80, 5, 0, 12345, 7]
    assert counts[0].number_format == "#,##0"  # the default for counts
    assert sheet.cell(row=2, column=4).value is True
    assert sheet.cell(row=2, column=5).value == dt.datetime(2026, 11, 23)
    assert sheet.cell(row=2, column=6).value == "98, 99"
    # every sheet: frozen header, autofilter over the table, widths
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F7"
    assert book["README"].auto_filter.ref == "A1:B2"
    widths = {k: v.width for k, v in sheet.column_dimensions.items()}
    assert widths["A"] == max(display_width(v) for v in table["driver"]) + 1
    assert book["README"].column_dimensions["B"].width == len("shares of explained variance") + 1


def test_workbook_widths_count_wide_characters_double(tmp_path):
    table = pd.DataFrame({"label": ["对贷款的总体满意度", "ok"], "x": ["a" * 200, "b"]})
    book = openpyxl.load_workbook(write_table(table, tmp_path / "t.xlsx"))
    sheet = book.worksheets[0]
    assert sheet.column_dimensions["A"].width == 2 * 9 + 1
    assert sheet.column_dimensions["B"].width == output.WIDTH_RANGE[1]  # capped


def test_long_sheet_names_never_overwrite_each_other(tmp_path):
    shared = "priority_by_customer_segment_and_region"  # 39 characters
    tables = {f"{shared}_csat": pd.DataFrame({"x": [1]}),
              f"{shared}_nps": pd.DataFrame({"x": [2]}),
              "Outcomes": pd.DataFrame({"x": [3]}),
              "outcomes": pd.DataFrame({"x": [4]}),
              "bad:name/with?chars*[]": pd.DataFrame({"x": [5]}),
              "README": pd.DataFrame({"x": [6]})}
    path = write_table(tables, tmp_path / "t.xlsx", readme=pd.DataFrame({"about": ["tables"]}))
    book = openpyxl.load_workbook(path)
    assert len(book.sheetnames) == 7
    assert len({name.casefold() for name in book.sheetnames}) == 7
    assert all(len(name) <= 31 for name in book.sheetnames)
    assert book.sheetnames[0] == "README"
    # every table kept, in order, under its own sheet
    assert [book[name]["A2"].value for name in book.sheetnames[1:]] == [1, 2, 3, 4, 5, 6]
    assert book.sheetnames[1].endswith("_csat") and book.sheetnames[2].endswith("_nps")
    assert book.sheetnames[4] == "outcomes (2)"
    assert book.sheetnames[5] == "badnamewithchars"
    assert book.sheetnames[6] == "README (2)"


def test_sheet_names_that_agree_at_both_ends_are_numbered():
    names = sheet_names(["x" * 40 + "_a_" + "y" * 40, "x" * 40 + "_b_" + "y" * 40, "History"])
    chosen = list(names.values())
    assert chosen[1].endswith(" (2)") and chosen[1][:10] == chosen[0][:10]
    assert len(set(chosen)) == 3 and all(len(name) <= 31 for name in chosen)
    assert chosen[2] == "History (2)"  # Excel reserves "History"


def test_too_many_rows_for_a_sheet_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(output, "EXCEL_MAX_ROWS", 3)
    with pytest.raises(ValueError, match=r"has 3 rows; an Excel sheet holds 2; write it to a "
                                         r"\.csv file instead"):
        write_table(pd.DataFrame({"a": [1, 2, 3]}), tmp_path / "t.xlsx")
    assert list(tmp_path.iterdir()) == []
