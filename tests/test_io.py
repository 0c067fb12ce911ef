"""Loading and validating study files: every rule gets a bad file and a message check."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from conftest import small_spec, small_survey

from drivers import StudyError, load_study, study_from_frame
from drivers.io import check_study


def problems_of(path) -> list[str]:
    with pytest.raises(StudyError) as caught:
        load_study(path)
    return caught.value.problems


def test_valid_study_loads_with_structure(write_study):
    study = load_study(write_study())
    assert len(study.data) == 40
    assert list(study.outcomes) == ["csat", "nps"]
    assert study.outcome("nps").positive_threshold == 9
    assert study.outcome("csat").top == 2  # industry default on a 5-point scale
    assert study.groups == {"BX": ["a1", "a2"], "SX": ["s1", "s2"]}
    assert study.label("a1") == "Promise kept"
    assert study.label("a1", lang="zh") == "承诺兑现"
    assert study.label("a2", lang="zh") == "Trust"  # falls back to English
    assert study.weights.between(0.5, 1.5).all()
    assert study.segment_columns == ("channel",)


@pytest.mark.parametrize("data_name", ["survey.xlsx", "survey.parquet", "survey.sav"])
def test_every_format_loads_the_same_values(write_study, data_name):
    reference = load_study(write_study()).data
    study = load_study(write_study(data_name=data_name, name=f"{data_name}.yaml"))
    for column in ["sat", "rec", "a1", "a2", "s1", "s2", "w"]:
        np.testing.assert_allclose(study.data[column], reference[column])


def test_missing_codes_become_nan_with_reasons(write_study):
    frame = small_survey()
    frame.loc[[2, 5], "s1"] = 99
    frame.loc[7, "a2"] = 98
    frame["a1"] = frame["a1"].astype(float)
    frame.loc[9, "a1"] = np.nan
    study = load_study(write_study(frame))
    assert study.data.loc[[2, 5], "s1"].isna().all()
    assert study.missing.loc[2, "s1"] == "not_applicable"
    assert study.missing.loc[7, "a2"] == "dont_know"
    assert study.missing.loc[9, "a1"] == "no_answer"
    summary = study.missing_summary().set_index(["column", "reason"])["n"]
    assert summary[("s1", "not_applicable")] == 2


def test_per_column_missing_code_and_reverse_scoring(write_study):
    frame = small_survey()
    frame.loc[3, "a2"] = 0
    spec = small_spec()
    spec["dimensions"]["BX"]["attributes"]["a2"] = {"label": "Trust", "reverse": True,
                                                   "missing_codes": {0: "refused"}}
    study = load_study(write_study(frame, spec))
    assert study.missing.loc[3, "a2"] == "refused"
    expected = 6 - frame.loc[4, "a2"]
    assert study.data.loc[4, "a2"] == expected


def test_input_file_is_never_modified(write_study):
    path = write_study()
    data = path.parent / "survey.csv"
    before = hashlib.sha256(data.read_bytes()).hexdigest(), hashlib.sha256(path.read_bytes()).hexdigest()
    load_study(path)
    after = hashlib.sha256(data.read_bytes()).hexdigest(), hashlib.sha256(path.read_bytes()).hexdigest()
    assert before == after


def test_unknown_column(write_study):
    spec = small_spec()
    spec["dimensions"]["SX"]["attributes"] = ["s1", "s9"]
    (problem,) = problems_of(write_study(spec=spec))
    assert "'s9'" in problem and "not in the data" in problem


def test_non_numeric_rating_names_rows_and_ids(write_study):
    frame = small_survey()
    frame["s2"] = frame["s2"].astype(str)
    frame.loc[[4, 11], "s2"] = "n/a"
    (problem,) = problems_of(write_study(frame))
    assert "'s2'" in problem and "'n/a'" in problem
    assert "data rows 5, 12" in problem and "R005" in problem


def test_out_of_scale_values_that_are_not_codes(write_study):
    frame = small_survey()
    frame.loc[0, "a1"] = 7
    frame.loc[19, "a1"] = 0
    (problem,) = problems_of(write_study(frame))
    assert "'a1'" in problem and "outside the scale 1-5" in problem
    assert "data rows 1, 20" in problem and "98, 99" in problem


def test_fractional_rating_is_out_of_scale(write_study):
    frame = small_survey()
    frame["sat"] = frame["sat"].astype(float)
    frame.loc[6, "sat"] = 3.5
    (problem,) = problems_of(write_study(frame))
    assert "'sat'" in problem and "3.5" in problem and "data rows 7" in problem


def test_duplicated_respondent_ids(write_study):
    frame = small_survey()
    frame.loc[10, "rid"] = "R001"
    (problem,) = problems_of(write_study(frame))
    assert "'rid'" in problem and "R001" in problem and "data rows 1, 11" in problem


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_non_positive_weights(write_study, bad):
    frame = small_survey()
    frame.loc[3, "w"] = bad
    (problem,) = problems_of(write_study(frame))
    assert "'w'" in problem and "positive" in problem and "data rows 4" in problem


def test_attribute_in_two_dimensions(write_study):
    spec = small_spec()
    spec["dimensions"]["SX"]["attributes"] = ["s1", "s2", "a1"]
    (problem,) = problems_of(write_study(spec=spec))
    assert "'a1'" in problem and "two dimensions" in problem and "BX" in problem


def test_outcome_used_as_driver(write_study):
    spec = small_spec()
    spec["dimensions"]["SX"]["attributes"] = ["s1", "s2", "sat"]
    (problem,) = problems_of(write_study(spec=spec))
    assert "'sat'" in problem and "outcome" in problem


def test_column_with_no_valid_answers(write_study):
    frame = small_survey()
    frame["s2"] = 99
    (problem,) = problems_of(write_study(frame))
    assert "'s2'" in problem and "no valid answers" in problem


def test_constant_column(write_study):
    frame = small_survey()
    frame["a2"] = 4
    (problem,) = problems_of(write_study(frame))
    assert "'a2'" in problem and "constant" in problem


def test_missing_code_inside_scale_is_refused(write_study):
    spec = small_spec()
    spec["missing_codes"] = {0: "dont_know"}
    problems = problems_of(write_study(spec=spec))
    assert any("'rec'" in p and "inside the scale 0-10" in p for p in problems)


def test_every_problem_is_reported_at_once(write_study):
    frame = small_survey()
    frame.loc[0, "a1"] = 6
    frame.loc[1, "w"] = -2
    frame.loc[2, "rid"] = "R001"
    problems = problems_of(write_study(frame))
    assert len(problems) == 3


def test_bad_spec_entries(write_study):
    spec = small_spec()
    spec["outcomes"]["nps"]["scale"] = [1, 10]
    spec["extra_key"] = 1
    problems = problems_of(write_study(spec=spec))
    assert any("0-10" in p for p in problems)
    assert any("extra_key" in p for p in problems)


def test_missing_data_file_and_bad_yaml(tmp_path):
    bad = tmp_path / "study.yaml"
    bad.write_text("title: [unclosed", encoding="utf-8")
    with pytest.raises(StudyError, match="not valid YAML"):
        load_study(bad)
    bad.write_text("title: x\ndata: nowhere.csv\noutcomes: {csat: sat}\n"
                   "dimensions: {BX: [a]}\n", encoding="utf-8")
    with pytest.raises(StudyError, match="data file not found"):
        load_study(bad)


def test_quality_table_counts(write_study):
    frame = small_survey()
    frame.loc[[1, 2, 3], "s1"] = 99
    check = check_study(write_study(frame))
    assert check.ok
    row = check.quality.set_index("column").loc["s1"]
    assert row["answered"] == 37 and row["missing_not_applicable"] == 3


def test_study_from_frame_without_files():
    frame = small_survey()
    spec = small_spec()
    del spec["data"]
    study = study_from_frame(frame, spec)
    assert study.attribute_columns == ["a1", "a2", "s1", "s2"]
    scores = study.dimension_scores()
    np.testing.assert_allclose(scores["BX"], frame[["a1", "a2"]].mean(axis=1))
    assert isinstance(study.data, pd.DataFrame)


def test_another_data_file_with_the_same_layout(write_study, tmp_path):
    other = tmp_path / "next_wave.csv"
    small_survey(n=25, seed=3).to_csv(other, index=False)
    study = load_study(write_study(), data=other)
    assert len(study.data) == 25 and study.source == other.resolve()
    broken = small_survey(n=25, seed=3)
    broken.loc[2, "a1"] = 7
    broken.to_csv(other, index=False)
    with pytest.raises(StudyError, match="'a1'.*data rows 3"):
        load_study(write_study(), data=other)


def test_outputs_get_ordinary_file_permissions(tmp_path):
    import os
    import stat

    from drivers.output import write_table

    path = write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
