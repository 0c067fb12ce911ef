"""`drivers init`: a starter study file that validates and gives the hand-written study's numbers."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml
from corpus import BANK_EXPORT, BANK_STUDY, bank_spec, qualtrics_named, wenjuanxing_named

import drivers
from drivers import StudyError, load_study
from drivers.cli import main
from drivers.init import starter_study, write_starter_study
from drivers.io import check_study


def scores(study) -> dict[str, float]:
    table = drivers.outcome_table(study)
    return dict(zip(table["outcome"], table["score"], strict=True))


@pytest.fixture(scope="module")
def bank():
    return load_study(BANK_STUDY)


def bank_groups(renamed: dict[str, str] | None = None) -> dict[str, list[str]]:
    renamed = renamed or {}
    return {name: [renamed.get(c, c) for c in entry["attributes"]]
            for name, entry in bank_spec()["dimensions"].items()}


def test_bundled_export_without_its_study(tmp_path, bank, capsys):
    export = shutil.copy(BANK_EXPORT, tmp_path / "survey.csv")
    assert main(["init", str(export)]) == 0
    assert "drivers validate" in capsys.readouterr().err
    study_path = tmp_path / "study.yaml"
    check = check_study(study_path)
    assert check.ok, check.problems
    study = check.study
    assert study.groups == bank.groups  # BX/PX/SX/EX from the bx_/px_/sx_/ex_ prefixes
    assert scores(study) == pytest.approx(scores(bank), rel=1e-12)
    assert (study.id_column, study.weight_column, study.wave_column) == (
        "respondent_id", "weight", "wave")
    assert set(study.segment_columns) == {"channel", "product", "region"}
    assert {o.kind: o.column for o in study.outcomes.values()} == {
        "csat": "csat", "nps": "recommend", "ces": "effort"}
    pd.testing.assert_frame_equal(study.missing, bank.missing)
    text = study_path.read_text("utf-8")
    assert "# from the column prefix bx_" in text and "guessed from the usual convention" in text


def test_init_never_overwrites(tmp_path, capsys):
    export = shutil.copy(BANK_EXPORT, tmp_path / "survey.csv")
    study_path = tmp_path / "study.yaml"
    study_path.write_text("keep me", encoding="utf-8")
    assert main(["init", str(export)]) == 1
    assert "already exists and is never overwritten" in capsys.readouterr().err
    assert study_path.read_text("utf-8") == "keep me"
    before = (tmp_path / "survey.csv").read_bytes()
    with pytest.raises(StudyError, match="is the export itself"):
        write_starter_study(export, tmp_path / "sub" / ".." / "survey.csv")
    assert (tmp_path / "survey.csv").read_bytes() == before
    with pytest.raises(StudyError, match="ends in .yaml"):
        write_starter_study(export, tmp_path / "study.txt")


def test_init_elsewhere_points_back_to_the_export(tmp_path, bank):
    export = shutil.copy(BANK_EXPORT, tmp_path / "survey.csv")
    (tmp_path / "studies").mkdir()
    path = write_starter_study(export, tmp_path / "studies" / "loan.yaml")
    spec = yaml.safe_load(path.read_text("utf-8"))
    assert spec["data"] == "../survey.csv" and spec["allow_outside_folder"] is True
    assert scores(load_study(path)) == pytest.approx(scores(bank), rel=1e-12)


def test_qualtrics_export_with_its_own_names(tmp_path, bank):
    export, names = qualtrics_named(tmp_path)
    path = write_starter_study(export)
    check = check_study(path)
    assert check.ok, check.problems
    study = check.study
    assert {o.kind: o.column for o in study.outcomes.values()} == {
        "csat": "Q1", "nps": "Q2", "ces": "Q3"}
    assert study.id_column == "ResponseId"
    # Named from the question texts ("Brand - ...", "Service - ..."), not the Q4/Q6 prefixes.
    assert study.groups == bank_groups(names)
    assert study.label("csat") == "Overall, how satisfied are you with your loan?"
    assert scores(study) == pytest.approx(scores(bank), rel=1e-12)


def test_wenjuanxing_export_with_chinese_questions_and_answers(tmp_path, bank):
    export, names = wenjuanxing_named(tmp_path)
    text = starter_study(export)
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    check = check_study(path)
    assert check.ok, check.problems
    study = check.study
    assert {o.kind: o.column for o in study.outcomes.values()} == {
        "csat": names["csat"], "nps": names["recommend"], "ces": names["effort"]}
    assert study.groups == bank_groups(names)
    assert scores(study) == pytest.approx(scores(bank), rel=1e-12)
    spec = yaml.safe_load(text)
    assert spec["value_labels"]["1-5"]["非常满意"] == 5
    assert spec["value_labels"]["1-7"]["非常容易"] == 7
    assert spec["missing_codes"]["(跳过)"] == "not_applicable"
    assert spec["missing_codes"]["不知道"] == "dont_know"
    assert spec["second_language"] == "zh"
    reasons = study.missing[names["sx_resolution"]].value_counts()
    assert reasons["not_applicable"] == 650


def test_columns_without_a_known_prefix_become_groups_to_rename(tmp_path):
    frame = pd.read_csv(BANK_EXPORT).rename(columns=lambda c: c.replace("bx_", "q5_"))
    frame.to_csv(tmp_path / "survey.csv", index=False)
    text = starter_study(tmp_path / "survey.csv")
    assert "Q5:  # named from the column prefix 'q5': rename it" in text
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    assert check_study(path).ok


def test_spss_export_labels_give_segments_and_reasons(tmp_path, bank):
    from corpus import spss

    spss(tmp_path, "zh")
    (tmp_path / "study.yaml").unlink()
    text = starter_study(tmp_path / "survey.sav")
    assert "98: dont_know  # from the file's value label" in text
    assert "99: not_applicable  # from the file's value label" in text
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    study = load_study(path)
    assert "channel" in study.segment_columns  # coded 1-3 with names, not a 1-3 rating
    assert study.value_label("channel", "Online banking") == "Online banking"
    assert scores(study) == pytest.approx(scores(bank), rel=1e-12)
