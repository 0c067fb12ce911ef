"""A corpus of real-world export layouts, built from the bundled bank export by the tests.

Each builder writes one export (and, where the export needs one, a study file) into a folder
and returns the study file's path. Every export holds the same answers as the clean bank
export, so each must load to the same study numbers, or be refused naming the fix.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

import drivers

BANK_STUDY = drivers.bank_loan_study_file()
BANK_EXPORT = BANK_STUDY.parent / "survey.csv"

#: Region names in Chinese (simplified, and traditional for Big5).
REGIONS_ZH = {"east": "华东", "south": "华南", "north": "华北", "west": "西部"}
REGIONS_BIG5 = {"east": "華東", "south": "華南", "north": "華北", "west": "西部"}

#: Five-point satisfaction and seven-point ease answers as Wenjuanxing exports them.
SATISFACTION_ZH = {1: "非常不满意", 2: "不满意", 3: "一般", 4: "满意", 5: "非常满意"}
EASE_ZH = {1: "非常困难", 2: "困难", 3: "比较困难", 4: "一般", 5: "比较容易", 6: "容易",
           7: "非常容易"}


#: Rows of the Excel variants: openpyxl writes and reads slowly, and the first 600 rows
#: hold every code, blank and segment level of the export.
XLSX_ROWS = 600


def bank_frame(rows: int | None = None) -> pd.DataFrame:
    frame = pd.read_csv(BANK_EXPORT, keep_default_na=False, na_values=[""])
    return frame if rows is None else frame.iloc[:rows].copy()


def bank_spec() -> dict:
    text = BANK_STUDY.read_text(encoding="utf-8")
    return yaml.safe_load(text)


def rated_columns(spec: dict) -> list[str]:
    columns = [o["column"] for o in spec["outcomes"].values()]
    return columns + [c for d in spec["dimensions"].values() for c in d["attributes"]]


def write_study(folder: Path, spec: dict, data: str, name: str = "study.yaml",
                encoding: str = "utf-8") -> Path:
    spec = {**spec, "data": data}
    path = folder / name
    path.write_bytes(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False).encode(encoding))
    return path


def with_chinese(frame: pd.DataFrame, regions: dict[str, str] = REGIONS_ZH) -> pd.DataFrame:
    """Region names and a free-text column in Chinese, as an export from China has them."""
    frame = frame.copy()
    frame["region"] = frame["region"].map(regions)
    traditional = regions is REGIONS_BIG5
    note, text = ("備註", "服務很好") if traditional else ("备注", "服务很好")
    frame[note] = np.where(np.arange(len(frame)) % 7 == 0, text, "")
    return frame


def spec_for_chinese(spec: dict, regions: dict[str, str] = REGIONS_ZH) -> dict:
    spec = json.loads(json.dumps(spec))
    values = spec["segments"]["region"]["values"]
    spec["segments"]["region"]["values"] = {regions[k]: v for k, v in values.items()}
    return spec


# ---- CSV variants ------------------------------------------------------------------------
def csv_encoded(folder: Path, encoding: str, regions=REGIONS_ZH) -> Path:
    frame = with_chinese(bank_frame(), regions)
    (folder / "survey.csv").write_bytes(frame.to_csv(index=False).encode(encoding))
    return write_study(folder, spec_for_chinese(bank_spec(), regions), "survey.csv")


def csv_utf16_tab(folder: Path) -> Path:
    """Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated, ending .txt."""
    frame = with_chinese(bank_frame())
    (folder / "survey.txt").write_bytes(frame.to_csv(index=False, sep="\t").encode("utf-16"))
    return write_study(folder, spec_for_chinese(bank_spec()), "survey.txt")


def csv_semicolon_decimal_comma(folder: Path) -> Path:
    frame = bank_frame()
    (folder / "survey.csv").write_text(frame.to_csv(index=False, sep=";", decimal=","),
                                       encoding="utf-8")
    return write_study(folder, bank_spec(), "survey.csv")


def csv_qualtrics(folder: Path) -> tuple[Path, dict[str, str]]:
    """Three header rows: names, question texts, ImportIds (as Qualtrics exports them)."""
    frame = bank_frame()
    spec = bank_spec()
    texts = {c: f"Q: how do you rate {c.replace('_', ' ')}?" for c in frame.columns}
    for outcome in spec["outcomes"].values():
        texts[outcome["column"]] = outcome["label"] + " - " + outcome["column"]
    header = pd.DataFrame([texts, {c: json.dumps({"ImportId": f"QID{i}"}) for i, c in
                                   enumerate(frame.columns, start=1)}])
    both = pd.concat([header, frame.astype(object)], ignore_index=True)
    both.to_csv(folder / "survey.csv", index=False)
    return write_study(folder, spec, "survey.csv"), texts


def wenjuanxing(folder: Path, with_study: bool = True) -> Path:
    """Option texts instead of numbers (非常满意 ...), "(跳过)" for skipped, "不知道" for 98."""
    frame = bank_frame()
    spec = bank_spec()
    out = frame.astype(object)
    five = [c for c in rated_columns(spec) if c not in ("recommend", "effort")]
    for column in five:
        out[column] = _as_text(frame[column], SATISFACTION_ZH)
    out["effort"] = _as_text(frame["effort"], EASE_ZH)
    out["recommend"] = frame["recommend"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    out.to_csv(folder / "survey.csv", index=False, encoding="utf-8-sig")
    if not with_study:
        return folder / "survey.csv"
    spec["missing_codes"] = {98: "dont_know", 99: "not_applicable", "(跳过)": "not_applicable",
                             "不知道": "dont_know"}
    spec["value_labels"] = {"1-5": {v: k for k, v in SATISFACTION_ZH.items()},
                            "1-7": {v: k for k, v in EASE_ZH.items()}}
    return write_study(folder, spec, "survey.csv")


def _as_text(values: pd.Series, answers: dict[int, str]) -> pd.Series:
    def one(value):
        if pd.isna(value):
            return ""
        if value == 99:
            return "(跳过)"
        if value == 98:
            return "不知道"
        return answers[int(value)]

    return values.map(one)


# ---- Excel variants ----------------------------------------------------------------------
def xlsx(folder: Path, layout: str, frame: pd.DataFrame | None = None,
         spec: dict | None = None) -> Path:
    """An Excel export: 'plain', 'title' (a title row), 'band' (a merged header band),
    'second_sheet' (a notes sheet first)."""
    from openpyxl import Workbook

    frame = bank_frame(XLSX_ROWS) if frame is None else frame
    workbook = Workbook()
    sheet = workbook.active
    if layout == "second_sheet":
        sheet.title = "Notes"
        sheet.append(["Exported from the survey platform; data on the next sheet"])
        sheet = workbook.create_sheet("Data")
    if layout == "title":
        sheet.append(["Mobile loan CX survey, 2026 (simulated)"])
    if layout == "band":
        band = ["Respondent"] + [None] * 5 + ["Outcomes", None, None]
        band += ["Brand"] + [None] * 5 + ["Product"] + [None] * 4 + ["Service"] + [None] * 5
        band += ["Employee"] + [None] * 3
        sheet.append(band)
        for ref in ("A1:F1", "G1:I1", "J1:O1", "P1:T1", "U1:Z1", "AA1:AD1"):
            sheet.merge_cells(ref)
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([None if isinstance(v, float) and np.isnan(v) else
                      (v.item() if hasattr(v, "item") else v) for v in row])
    workbook.save(folder / "survey.xlsx")
    return write_study(folder, bank_spec() if spec is None else spec, "survey.xlsx")


def xlsx_merged_segment(folder: Path) -> Path:
    """The channel of data rows 3-5 in one merged cell (a habit of hand-made sheets)."""
    from openpyxl import load_workbook

    study = xlsx(folder, "plain")
    workbook = load_workbook(folder / "survey.xlsx")
    sheet = workbook.active
    sheet.merge_cells("C4:C6")  # header on row 1: data rows 3-5 are sheet rows 4-6
    workbook.save(folder / "survey.xlsx")
    return study


# ---- SPSS ------------------------------------------------------------------------------------
def spss(folder: Path, labels: str = "en") -> Path:
    """Channel coded 1-3 with value labels; 98/99 a missing range with labels in English or
    Chinese; no missing_codes in the study file (the file says it all)."""
    import pyreadstat

    frame = bank_frame()
    spec = bank_spec()
    channels = list(spec["segments"]["channel"]["values"])
    frame["channel"] = frame["channel"].map({c: i for i, c in enumerate(channels, start=1)})
    frame["csat"] = frame["csat"].astype(float)
    names = {"en": {98: "Don't know", 99: "Not applicable"},
             "zh": {98: "不知道", 99: "不适用"}}[labels]
    rated = rated_columns(spec)
    value_labels = {c: dict(names) for c in rated}
    value_labels["channel"] = {1: "Mobile app", 2: "Online banking", 3: "Partner platform"}
    pyreadstat.write_sav(frame, str(folder / "survey.sav"), variable_value_labels=value_labels,
                         missing_ranges={c: [{"lo": 98, "hi": 99}] for c in rated})
    spec.pop("missing_codes")
    spec["segments"]["channel"] = {"label": "Channel", "label_zh": "渠道",
                                   "values": {1: {"label": "Mobile app", "label_zh": "手机银行"}}}
    return write_study(folder, spec, "survey.sav")


# ---- exports as platforms name their columns (for drivers init) --------------------------
DIMENSION_WORDS = {"BX": ("Brand", "品牌"), "PX": ("Product", "产品"), "SX": ("Service", "服务"),
                   "EX": ("Staff", "员工")}


def qualtrics_named(folder: Path) -> tuple[Path, dict[str, str]]:
    """A Qualtrics export with its own names (ResponseId, Q1, Q4_1 ...) and question texts.

    Returns the export and the map bank column -> Qualtrics column.
    """
    frame = bank_frame()
    spec = bank_spec()
    names = {"respondent_id": "ResponseId", "csat": "Q1", "recommend": "Q2", "effort": "Q3"}
    texts = {"ResponseId": "Response ID", "wave": "wave", "channel": "channel",
             "product": "product", "region": "region", "weight": "weight",
             "Q1": "Overall, how satisfied are you with your loan?",
             "Q2": "How likely are you to recommend the loan to a friend?",
             "Q3": "How easy was it to get your loan?"}
    for number, (dimension, entry) in enumerate(spec["dimensions"].items(), start=4):
        for item, (column, labels) in enumerate(entry["attributes"].items(), start=1):
            names[column] = f"Q{number}_{item}"
            word = DIMENSION_WORDS[dimension][0]
            texts[names[column]] = f"{word} - {labels['label']}"
    frame = frame.rename(columns=names)
    header = pd.DataFrame([{c: texts.get(c, c) for c in frame.columns},
                           {c: json.dumps({"ImportId": f"QID{i}"}) for i, c in
                            enumerate(frame.columns, start=1)}])
    pd.concat([header, frame.astype(object)], ignore_index=True).to_csv(
        folder / "export.csv", index=False)
    return folder / "export.csv", names


def wenjuanxing_named(folder: Path) -> tuple[Path, dict[str, str]]:
    """A Wenjuanxing export: Chinese question texts as column names, option texts as answers,
    "(跳过)" for skipped questions and "不知道" for don't know."""
    path = wenjuanxing(folder, with_study=False)
    frame = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""],
                        dtype=str)
    spec = bank_spec()
    names = {"respondent_id": "序号", "csat": "Q1.您对本次贷款的总体满意度",
             "recommend": "Q2.您向亲友推荐该贷款的可能性有多大",
             "effort": "Q3.获得这笔贷款的难易程度"}
    for number, (dimension, entry) in enumerate(spec["dimensions"].items(), start=4):
        for column, labels in entry["attributes"].items():
            names[column] = f"Q{number}.{DIMENSION_WORDS[dimension][1]}—{labels['label_zh']}"
    frame.rename(columns=names).to_csv(path, index=False, encoding="utf-8-sig")
    return path, names
