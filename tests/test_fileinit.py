"""`drivers init --engine duckdb`: the starter study of an export read as SQL value lists.

The reference is the pandas path on the same export (``starter_study(engine="pandas")``,
whose own tests check that its study validates and gives the hand-written study's numbers):
the study file written must be the same text, byte for byte.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from corpus import (
    BANK_EXPORT,
    csv_encoded,
    csv_qualtrics,
    csv_semicolon_decimal_comma,
    csv_utf16_tab,
    wenjuanxing_named,
)

import drivers.fileinit as fileinit
from drivers.cli import main
from drivers.init import starter_study


def _harder(frame: pd.DataFrame) -> pd.DataFrame:
    """Answer texts, a full-width skip marker, a 0 code, blank segments, a text id."""
    rng = np.random.default_rng(5)
    frame = frame.copy()
    text = frame["px_revolving"].map(lambda v: None if pd.isna(v) else f"{v:g}")
    text[frame["px_revolving"] == 5] = "非常满意"
    text[frame["px_revolving"] == 4] = "满意"
    text[rng.random(len(frame)) < 0.04] = "（跳过）"
    frame["px_revolving"] = text
    frame.loc[rng.random(len(frame)) < 0.02, "region"] = None
    return frame


def _both(export, capsys=None) -> tuple[str, str]:
    return (starter_study(export, engine="pandas"), starter_study(export, engine="duckdb"))


@pytest.mark.parametrize("kind", ["csv", "parquet"])
@pytest.mark.parametrize("harder", [False, True])
def test_the_study_file_is_the_pandas_one(tmp_path, kind, harder):
    frame = pd.read_csv(BANK_EXPORT)
    if harder:
        frame = _harder(frame)
    export = tmp_path / f"survey.{kind}"
    frame.to_csv(export, index=False) if kind == "csv" else frame.to_parquet(export)
    expected, found = _both(export)
    assert found == expected
    assert "weight: weight" in found and "csat:" in found
    if harder:
        assert "（跳过）" in found and "非常满意" in found


@pytest.mark.parametrize("make", [lambda f: csv_encoded(f, "gb18030"), csv_utf16_tab,
                                  csv_semicolon_decimal_comma,
                                  lambda f: wenjuanxing_named(f)[0]],
                         ids=["gbk", "utf16_tab", "semicolon_comma", "wenjuanxing"])
def test_exports_as_they_arrive(tmp_path, make):
    made = make(tmp_path)
    export = made if made.suffix != ".yaml" else next(
        p for p in tmp_path.iterdir() if p.stem == "survey")
    expected, found = _both(export)
    assert found == expected


def test_columns_beyond_the_value_lists_come_from_a_seeded_sample(tmp_path, monkeypatch):
    """With a sample of 500 of the 2,000 rows and value lists of at most 15 values, the id
    and weight columns are read from the sample (and their exact distinct counts): the
    same study file, the same each run."""
    export = tmp_path / "survey.parquet"
    pd.read_csv(BANK_EXPORT).to_parquet(export)
    monkeypatch.setattr(fileinit, "SAMPLE_ROWS", 500)
    monkeypatch.setattr(fileinit, "MAX_LISTED", 15)
    views, n_rows, _ = fileinit.file_values(export)
    sampled = [name for name, view in views.items() if view.counts is None]
    assert set(sampled) == {"respondent_id", "weight"}
    assert 350 < len(views["weight"].present) < 650 and views["respondent_id"].levels == n_rows
    again, _, _ = fileinit.file_values(export)
    assert again["weight"].present.tolist() == views["weight"].present.tolist()
    expected = starter_study(export, engine="pandas")
    assert starter_study(export, engine="duckdb") == expected


def test_cli_engine_and_a_header_block_it_cannot_read(tmp_path, capsys):
    export = shutil.copy(BANK_EXPORT, tmp_path / "survey.csv")
    assert main(["init", str(export), "--engine", "duckdb"]) == 0
    written = (tmp_path / "study.yaml").read_text("utf-8")
    assert written == starter_study(export, tmp_path / "study.yaml", engine="pandas")
    qualtrics = tmp_path / "qualtrics"     # three header rows, as Qualtrics exports them
    qualtrics.mkdir()
    csv_qualtrics(qualtrics)
    capsys.readouterr()
    code = main(["init", str(qualtrics / "survey.csv"), "--engine", "duckdb", "--out",
                 str(qualtrics / "q.yaml")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and "--engine pandas" in err


def test_a_weight_is_told_by_its_rows_not_its_distinct_values(tmp_path):
    """A positive column whose distinct values are mostly fractional but whose rows mostly
    hold 1.0 is no weight on the pandas path (share of rows): the value lists weigh each
    value by its rows too."""
    frame = pd.read_csv(BANK_EXPORT).drop(columns="weight")
    rng = np.random.default_rng(3)
    factor = np.ones(len(frame))
    some = rng.random(len(frame)) < 0.3
    factor[some] = rng.choice(np.arange(1, 21) + 0.25, some.sum())
    frame.insert(1, "factor", factor)
    export = tmp_path / "survey.parquet"
    frame.to_parquet(export)
    expected, found = _both(export)
    assert found == expected and "# weight: none found" in found


@pytest.mark.parametrize("first", ["不满意", "比较不满意"])
def test_answer_texts_of_one_point_keep_the_files_order(tmp_path, first):
    """Two texts for the same point (不满意, 比较不满意 = 2) are listed in the order the file
    first holds them, as on the pandas path: try each order."""
    frame = pd.read_csv(BANK_EXPORT)
    text = frame["px_revolving"].map(lambda v: None if pd.isna(v) else f"{v:g}")
    text[frame["px_revolving"] == 2] = "比较不满意" if first == "不满意" else "不满意"
    text[frame["px_revolving"] == 5] = "非常满意"
    text[text.index[text == text[frame["px_revolving"] == 2].iloc[0]][:1]] = first
    frame["px_revolving"] = text
    export = tmp_path / "survey.parquet"
    frame.to_parquet(export)
    expected, found = _both(export)
    assert found == expected
    assert found.index(first) < found.index(({"不满意", "比较不满意"} - {first}).pop())
