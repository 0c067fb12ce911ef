"""Real-world exports: every layout loads to the bank study's numbers or is refused with the fix.

The corpus (tests/corpus.py) is built here from the bundled export: GBK, GB18030, Big5,
UTF-8 with a byte-order mark, UTF-16 tab-separated, semicolon + decimal comma, Qualtrics-style
and Wenjuanxing-style CSVs, Excel with a title row, a merged header band or the data on the
second sheet, and SPSS with value labels and missing ranges labelled in English or Chinese.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from corpus import (
    BANK_STUDY,
    XLSX_ROWS,
    bank_frame,
    bank_spec,
    csv_encoded,
    csv_qualtrics,
    csv_semicolon_decimal_comma,
    csv_utf16_tab,
    spss,
    wenjuanxing,
    with_chinese,
    write_study,
    xlsx,
    xlsx_merged_segment,
)

import drivers
from drivers import StudyError, load_study
from drivers.io import check_study
from drivers.readers import ReadOptions, read_table
from drivers.study import NO_SEGMENT, DataWarning

BUILDERS = {
    "gbk": lambda f: csv_encoded(f, "gbk"),
    "gb18030": lambda f: csv_encoded(f, "gb18030"),
    "utf8_bom": lambda f: csv_encoded(f, "utf-8-sig"),
    "utf16_tab": csv_utf16_tab,
    "semicolon_decimal_comma": csv_semicolon_decimal_comma,
    "qualtrics": lambda f: csv_qualtrics(f)[0],
    "wenjuanxing": wenjuanxing,
    "xlsx_plain": lambda f: xlsx(f, "plain"),
    "xlsx_title_row": lambda f: xlsx(f, "title"),
    "xlsx_header_band": lambda f: xlsx(f, "band"),
    "xlsx_second_sheet": lambda f: xlsx(f, "second_sheet"),
    "spss_labels_en": lambda f: spss(f, "en"),
    "spss_labels_zh": lambda f: spss(f, "zh"),
}


def study_numbers(study) -> dict:
    """The numbers a layout must not change: scores, attribute means, missing reasons."""
    table = drivers.outcome_table(study)
    return {
        "scores": dict(zip(table["outcome"], table["score"], strict=True)),
        "n": dict(zip(table["outcome"], table["n"], strict=True)),
        "means": study.data[study.attribute_columns].mean().to_dict(),
        "missing": study.missing_summary().sort_values(["column", "reason"])
        .reset_index(drop=True),
    }


@pytest.fixture(scope="module")
def reference():
    return study_numbers(load_study(BANK_STUDY))


@pytest.fixture(scope="module")
def reference_xlsx(tmp_path_factory):
    """The bank numbers on the rows the Excel variants hold."""
    path = tmp_path_factory.mktemp("subset") / "survey.csv"
    bank_frame(XLSX_ROWS).to_csv(path, index=False)
    return study_numbers(load_study(BANK_STUDY, data=path))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """name -> study file of each layout, built once for the module."""
    paths = {}
    for name, build in BUILDERS.items():
        paths[name] = build(tmp_path_factory.mktemp(name))
    return paths


@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_layout_loads_to_the_bank_numbers(corpus, reference, reference_xlsx, name):
    reference = reference_xlsx if name.startswith("xlsx") else reference
    study = load_study(corpus[name])
    numbers = study_numbers(study)
    assert numbers["scores"] == pytest.approx(reference["scores"], rel=1e-12)
    assert numbers["n"] == reference["n"]
    assert numbers["means"] == pytest.approx(reference["means"], rel=1e-12)
    pd.testing.assert_frame_equal(numbers["missing"], reference["missing"])


@pytest.mark.parametrize("name, key, expected", [
    ("gbk", "encoding", "gb18030 (detected)"),
    ("gb18030", "encoding", "gb18030 (detected)"),
    ("utf8_bom", "encoding", "utf-8-sig (byte-order mark)"),
    ("utf16_tab", "encoding", "utf-16 (byte-order mark)"),
    ("utf16_tab", "delimiter", "tab (detected)"),
    ("semicolon_decimal_comma", "delimiter", "semicolon (detected)"),
    ("semicolon_decimal_comma", "decimal", "comma (detected)"),
    ("qualtrics", "header_rows", "3 (Qualtrics-style: question texts and ImportIds)"),
    ("xlsx_title_row", "header_row", "2 (detected)"),
    ("xlsx_header_band", "header_row", "2 (detected)"),
    ("xlsx_second_sheet", "sheet", "Data (detected)"),
])
def test_the_quality_summary_says_what_was_detected(corpus, name, key, expected):
    check = check_study(corpus[name])
    assert check.ok, check.problems
    assert check.notes[key] == expected


def test_chinese_text_survives_the_encodings(corpus):
    for name in ("gbk", "gb18030", "utf8_bom", "utf16_tab"):
        study = load_study(corpus[name])
        assert set(study.data["region"]) == {"华东", "华南", "华北", "西部"}
        assert study.value_label("region", "华东", "zh") == "华东"
        assert study.value_label("region", "华东", "en") == "East"


def test_big5_export_is_read(tmp_path, reference):
    from corpus import REGIONS_BIG5

    study = load_study(csv_encoded(tmp_path, "big5", REGIONS_BIG5))
    assert study.read_notes["encoding"] == "big5 (detected)"
    assert set(study.data["region"]) == set(REGIONS_BIG5.values())
    assert study_numbers(study)["scores"] == pytest.approx(reference["scores"], rel=1e-12)


def test_study_file_settings_override_every_guess(tmp_path):
    spec = bank_spec()
    frame = bank_frame()
    (tmp_path / "survey.csv").write_text(frame.to_csv(index=False, sep=";", decimal=","),
                                         encoding="utf-8")
    # Told it is a comma file, the reader believes it: the columns are then not found.
    spec.update(delimiter=",")
    with pytest.raises(StudyError, match=r"delimiter comma \(study file\).*set delimiter:"):
        load_study(write_study(tmp_path, spec, "survey.csv"))
    spec.update(delimiter="semicolon", decimal=",", encoding="utf-8")
    study = load_study(write_study(tmp_path, spec, "survey.csv"))
    assert study.read_notes["delimiter"] == "semicolon (study file)"
    assert study.read_notes["decimal"] == "comma (study file)"
    assert study.read_notes["encoding"] == "utf-8 (study file)"
    assert study.data["weight"].iloc[0] == pytest.approx(0.5499)


def test_a_wrong_encoding_names_the_fix(tmp_path):
    frame = bank_frame()
    frame["region"] = "华东"
    (tmp_path / "survey.csv").write_bytes(frame.to_csv(index=False).encode("gbk"))
    spec = {**bank_spec(), "encoding": "utf-8"}
    with pytest.raises(StudyError, match=r"not valid utf-8 text .*check the encoding: key"):
        load_study(write_study(tmp_path, spec, "survey.csv"))
    spec["encoding"] = "klingon"
    with pytest.raises(StudyError, match="'klingon' is not an encoding Python knows"):
        load_study(write_study(tmp_path, spec, "survey.csv"))


def test_qualtrics_question_texts_become_labels(tmp_path):
    study_path, texts = csv_qualtrics(tmp_path)
    frame, meta = read_table(tmp_path / "survey.csv")
    assert len(frame) == 2000 and frame["csat"].dtype == float
    assert meta.column_labels["bx_trust"] == texts["bx_trust"]
    spec = bank_spec()
    spec["dimensions"]["BX"]["attributes"]["bx_trust"] = {}
    study = load_study(write_study(tmp_path, spec, "survey.csv", name="unlabelled.yaml"))
    assert study.label("bx_trust") == texts["bx_trust"]


def test_a_second_header_row_not_declared_is_reported_with_the_fix(tmp_path):
    study_path, _ = csv_qualtrics(tmp_path)
    spec = {**bank_spec(), "header_rows": 1}
    problems = _problems(write_study(tmp_path, spec, "survey.csv", name="one_row.yaml"))
    assert any("'csat'" in p and "data rows 1, 2" in p for p in problems)
    assert any("second header row" in p and "set header_rows:" in p for p in problems)


def test_excel_without_the_study_columns_names_sheet_and_header_row(tmp_path):
    xlsx(tmp_path, "second_sheet")
    spec = {**bank_spec(), "sheet": "Notes"}
    problems = _problems(write_study(tmp_path, spec, "survey.xlsx"))
    assert any("header_row:" in p and "sheet:" in p for p in problems)
    spec = {**bank_spec(), "sheet": "Summary"}
    problems = _problems(write_study(tmp_path, spec, "survey.xlsx"))
    assert problems == ["sheet: 'Summary' is not in the workbook; its sheets are Notes, Data"]


def test_text_in_an_xlsx_rating_column_is_refused_like_in_csv(tmp_path):
    frame = bank_frame(XLSX_ROWS).astype(object)
    frame.loc[[4, 11], "sx_resolution"] = "N/A"
    study_path = xlsx(tmp_path, "plain", frame=frame)
    (problem,) = _problems(study_path)
    assert "'sx_resolution'" in problem and "'N/A'" in problem
    assert "data rows 5, 12" in problem and "missing_codes" in problem
    spec = bank_spec()
    spec["missing_codes"]["N/A"] = "not_applicable"
    study = load_study(write_study(tmp_path, spec, "survey.xlsx", name="declared.yaml"))
    assert study.missing.loc[[4, 11], "sx_resolution"].tolist() == ["not_applicable"] * 2


def test_merged_segment_cells_are_reported(tmp_path):
    (problem,) = _problems(xlsx_merged_segment(tmp_path))
    assert "C4:C6" in problem and "'channel'" in problem and "data rows 3-5" in problem
    assert "unmerge" in problem


def test_spss_labels_name_segments_and_reasons(corpus):
    english, chinese = load_study(corpus["spss_labels_en"]), load_study(corpus["spss_labels_zh"])
    assert list(english.data["channel"].cat.categories) == [
        "Mobile app", "Online banking", "Partner platform"]
    assert english.value_label("channel", "Mobile app", "zh") == "手机银行"
    assert english.value_label("channel", 1, "zh") == "手机银行"
    table = drivers.outcome_table(english, by="channel")
    assert list(table["channel"].unique()) == ["Mobile app", "Online banking", "Partner platform"]
    # The reason of a missing answer does not depend on the language of the SPSS label.
    pd.testing.assert_frame_equal(english.missing, chinese.missing)
    assert (english.missing["sx_resolution"] == "not_applicable").sum() == 650


def test_an_unknown_spss_missing_label_is_counted_as_no_answer_with_a_warning(tmp_path):
    import pyreadstat

    frame = bank_frame()[["respondent_id", "csat", "recommend", "bx_trust", "bx_promise_rate"]]
    pyreadstat.write_sav(frame, str(tmp_path / "survey.sav"),
                         variable_value_labels={"bx_trust": {98: "Weiß nicht"}},
                         missing_ranges={"bx_trust": [98], "bx_promise_rate": [
                             {"lo": 97, "hi": 99}]})
    spec = {"id": "respondent_id",
            "outcomes": {"csat": {"column": "csat"}, "nps": {"column": "recommend"}},
            "dimensions": {"BX": ["bx_trust", "bx_promise_rate"]}, "missing_codes": {}}
    study_path = write_study(tmp_path, spec, "survey.sav")
    check = check_study(study_path)
    assert check.ok, check.problems
    (warning,) = check.warnings
    assert "'bx_trust'" in warning and "'Weiß nicht'" in warning and "no_answer" in warning
    study = check.study
    assert (study.missing["bx_trust"] == "no_answer").sum() == (frame["bx_trust"] == 98).sum() + \
        frame["bx_trust"].isna().sum()
    # 98 and 99 fall in the range 97 thru 99: missing, not ratings
    assert study.data["bx_promise_rate"].max() == 5
    assert study.missing["bx_promise_rate"].notna().sum() == (
        frame["bx_promise_rate"].isin([98, 99]) | frame["bx_promise_rate"].isna()).sum()


def test_header_only_and_repeated_header_are_refused(tmp_path):
    header = ",".join(bank_frame().columns)
    (tmp_path / "survey.csv").write_text(header + "\n", encoding="utf-8")
    problems = _problems(write_study(tmp_path, bank_spec(), "survey.csv"))
    assert problems == ["has column names but no data rows; expected one row per respondent "
                        "under the header"]
    frame = bank_frame()
    frame.insert(12, "csat2", frame["csat"])
    text = frame.to_csv(index=False).replace("csat2", "csat", 1)
    (tmp_path / "survey.csv").write_text(text, encoding="utf-8")
    problems = _problems(write_study(tmp_path, bank_spec(), "survey.csv"))
    assert problems == ["the header repeats 'csat' (columns 7 and 13, G and M); each column "
                        "needs its own name"]


def test_blank_segments_form_a_visible_group(tmp_path):
    frame = bank_frame()
    blanks = np.random.default_rng(5).choice(len(frame), 299, replace=False)
    frame.loc[blanks, "channel"] = np.nan
    frame.to_csv(tmp_path / "survey.csv", index=False)
    study_path = write_study(tmp_path, bank_spec(), "survey.csv")
    check = check_study(study_path)
    assert check.ok
    assert any("'channel'" in w and "299 blank" in w and NO_SEGMENT in w for w in check.warnings)
    with pytest.warns(DataWarning, match="299 blank values"):
        study = load_study(study_path)
    table = drivers.outcome_table(study, by="channel")
    csat = table[table["outcome"] == "csat"]
    assert csat["channel"].iloc[-1] == NO_SEGMENT  # shown last
    assert csat["n"].sum() == drivers.outcome_table(study).set_index("outcome").loc["csat", "n"]
    assert study.value_label("channel", NO_SEGMENT, "zh") == "（未作答）"


def test_metrics_grouping_keeps_blank_values_of_any_column():
    spec = {"outcomes": {"csat": {"column": "sat"}}, "dimensions": {"PX": ["a"]}}
    frame = pd.DataFrame({"sat": [5, 4, 2, 5, 3, 4], "a": [5, 4, 1, 4, 3, 5],
                          "city": ["A", None, "B", "A", None, "B"]})
    study = drivers.study_from_frame(frame, spec)
    table = drivers.outcome_table(study, by="city")
    assert list(table["city"]) == ["A", "B", NO_SEGMENT]
    assert list(table["n"]) == [2, 2, 2]


def test_read_options_find_the_header_by_the_study_columns(tmp_path):
    xlsx(tmp_path, "title")
    frame, meta = read_table(tmp_path / "survey.xlsx", ReadOptions(columns=("csat", "wave")))
    assert frame.columns[0] == "respondent_id" and len(frame) == XLSX_ROWS
    assert meta.detected["header_row"] == "2 (detected)"


def _problems(study_path) -> list[str]:
    with pytest.raises(StudyError) as caught:
        load_study(study_path)
    return caught.value.problems


def test_bundled_study_values_and_titles():
    study = load_study(BANK_STUDY)
    assert study.title_for("zh") == yaml.safe_load(BANK_STUDY.read_text("utf-8"))["title_zh"]
    assert study.title_for("en") == study.title
    assert study.label("wave", "zh") == "调查期"
    assert study.value_label("wave", "2026Q2", "zh") == "2026年第二季度"
    assert study.value_label("product", "pledged") == "Secured loan"
    assert study.value_label("product", "unknown level") == "unknown level"
    assert study.report == drivers.study.ReportBrand()


def _export(tmp_path, header: list[str], encoding: str, rows: int = 200):
    # The shape of many exports: a header of question names, then numbers only.
    values = np.random.default_rng(3).integers(1, 6, size=(rows, len(header)))
    text = ",".join(header) + "\n" + "\n".join(",".join(map(str, row)) for row in values)
    path = tmp_path / f"export_{encoding}.csv"
    path.write_bytes((text + "\n").encode(encoding))
    return path


def test_a_short_chinese_header_is_read_as_gbk(tmp_path):
    # charset-normalizer alone reads these three GBK column names as clean Thai (cp874).
    header = ["推荐", "第一季度", "推荐意愿"]
    frame, meta = read_table(_export(tmp_path, header, "gbk"))
    assert list(frame.columns) == header
    assert meta.detected["encoding"] == "gb18030 (detected)"


@pytest.mark.parametrize("header, encoding", [
    (["지역", "만족도", "추천"], "cp949"),  # Korean pairs up into common GB2312 characters
    (["регион обслуживания", "общая оценка", "готовность рекомендовать"], "cp1251"),
    (["région", "note globale", "évaluation"], "cp1252"),
])
def test_other_languages_keep_their_encodings(tmp_path, header, encoding):
    frame, meta = read_table(_export(tmp_path, header, encoding))
    assert list(frame.columns) == header, meta.detected["encoding"]


# ---- the study's column names tell a short header's encoding --------------------------------
SHORT_HEADERS = [  # (encoding, CSAT and NPS column names): each misread by detection alone
    ("cp1251", ["РЕГИОН", "оценка"]),  # read as cp1125 (Ukrainian DOS)
    ("cp1252", ["SATISFAÇÃO", "região"]),  # read as cp1250 (central European)
    ("big5", ["銀行", "推薦"]),  # read as gb18030
    ("cp932", ["満足度", "推奨"]),  # read as Korean cp949
]


def _renamed_bank_export(tmp_path, encoding: str, names: list[str]):
    spec = bank_spec()
    old = [spec["outcomes"][name]["column"] for name in ("csat", "nps")]
    frame = bank_frame().rename(columns=dict(zip(old, names, strict=True)))
    for outcome, name in zip(("csat", "nps"), names, strict=True):
        spec["outcomes"][outcome]["column"] = name
    (tmp_path / "survey.csv").write_bytes(frame.to_csv(index=False).encode(encoding))
    return write_study(tmp_path, spec, "survey.csv"), old


@pytest.mark.parametrize("encoding, names", SHORT_HEADERS)
def test_the_study_column_names_tell_a_short_header_encoding(tmp_path, encoding, names):
    study_file, old = _renamed_bank_export(tmp_path, encoding, names)
    # Alone, the detector misreads these few bytes (what the rule below corrects).
    _frame, guessed = read_table(tmp_path / "survey.csv")
    assert not set(names) <= set(_frame.columns), guessed.detected["encoding"]
    study = load_study(study_file)
    assert study.read_notes["encoding"] == f"{encoding} (matches the study's column names)"
    bank = load_study(BANK_STUDY)
    for name, column in zip(names, old, strict=True):
        pd.testing.assert_series_equal(study.data[name], bank.data[column], check_names=False)
    assert not any("non-ASCII bytes" in warning for warning in study.warnings)


def test_a_guess_from_a_few_bytes_is_said(tmp_path):
    # No study to compare with (drivers init): the reader says its guess is thin, naming the
    # file, the encoding and the header as read, and the fix.
    path = _export(tmp_path, ["РЕГИОН", "оценка"], "cp1251")
    frame, meta = read_table(path)
    warning, = meta.warnings
    assert str(path) in warning and "only 12 non-ASCII bytes" in warning
    codec = meta.detected["encoding"].split(" (")[0]
    assert f"encoding {codec} was told" in warning
    assert f"read as {', '.join(frame.columns)};" in warning  # the header as it was read
    assert "set encoding: in the study file" in warning
    # Plenty of non-ASCII text (Chinese answers in the rows) or UTF-8: no warning.
    rich = tmp_path / "rich.csv"
    rich.write_bytes(with_chinese(bank_frame()).to_csv(index=False).encode("gbk"))
    assert read_table(rich)[1].warnings == []
    utf8 = tmp_path / "utf8.csv"
    utf8.write_text("РЕГИОН,оценка\n1,2\n", encoding="utf-8")
    assert read_table(utf8)[1].warnings == []


def test_init_says_a_thin_encoding_guess(tmp_path):
    from drivers.init import starter_study

    path = _export(tmp_path, ["РЕГИОН", "оценка"], "cp1251")
    with pytest.warns(DataWarning, match="non-ASCII bytes"):
        text = starter_study(path)
    assert "# warning: " in text and "non-ASCII bytes" in text


def test_a_study_says_a_thin_encoding_guess(tmp_path):
    # One Cyrillic answer in 2,000 rows: the study loads, and says how little the encoding
    # rests on (the study's column names are ASCII, so they cannot tell).
    frame = bank_frame()
    frame.loc[7, "region"] = "Москва"
    (tmp_path / "survey.csv").write_bytes(frame.to_csv(index=False).encode("cp1251"))
    with pytest.warns(DataWarning, match="only 6 non-ASCII bytes, which read as "):
        study = load_study(write_study(tmp_path, bank_spec(), "survey.csv"))
    assert any("non-ASCII bytes" in warning for warning in study.warnings)
