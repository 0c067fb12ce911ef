"""The `importance` and `compare` commands: tables out, one clear line per problem."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from conftest import small_survey

import drivers
from drivers.cli import main


@pytest.fixture()
def survey_csv(tmp_path):
    frame = small_survey(n=120)
    frame.loc[3, "a1"] = 99
    path = tmp_path / "survey.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_importance_writes_csv_to_stdout_equal_to_the_python_call(survey_csv, capsys):
    path, frame = survey_csv
    code = main(["importance", str(path), "--outcome", "sat", "--drivers", "a1,a2,s1,s2",
                 "--weights", "w", "--missing-codes", "99"])
    out = capsys.readouterr()
    assert code == 0
    table = pd.read_csv(io.StringIO(out.out))
    expected = drivers.importance(frame, "sat", ["a1", "a2", "s1", "s2"], weights="w",
                                  missing_codes=[99])
    np.testing.assert_allclose(table["importance"], expected["importance"], rtol=1e-9)
    assert list(table["driver"]) == ["a1", "a2", "s1", "s2"]


def test_importance_groups_bootstrap_and_xlsx(survey_csv, tmp_path, capsys):
    path, _ = survey_csv
    out = tmp_path / "drivers.xlsx"
    code = main(["importance", str(path), "--outcome", "rec", "--drivers", "a1,a2,s1,s2",
                 "--groups", "BX=a1,a2;SX=s1,s2", "--missing-codes", "99",
                 "--bootstrap", "60", "--seed", "4", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    table = pd.read_excel(out)
    assert list(table["driver"]) == ["BX", "SX"]
    assert {"ci_low", "ci_high", "share_ci_low", "indistinguishable_from"} <= set(table.columns)


@pytest.mark.parametrize("arguments, message, code", [
    (["--outcome", "sat", "--drivers", "a1,nope"], "'nope' is not in the data", 1),
    (["--outcome", "sat", "--drivers", "a1,a2", "--method", "magic"],
     "invalid choice: 'magic'", 2),
    (["--outcome", "sat", "--drivers", "a1", "--groups", "BX"], "expected NAME=col", 2),
])
def test_importance_bad_arguments_are_one_line(survey_csv, capsys, arguments, message, code):
    path, _ = survey_csv
    assert main(["importance", str(path), *arguments]) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_compare_command_writes_table_and_chart(tmp_path, capsys):
    table_path, chart_path = tmp_path / "compare.csv", tmp_path / "compare.png"
    code = main(["compare", str(drivers.bank_loan_study_file()), "--level", "dimension",
                 "--bootstrap", "50", "--seed", "2", "--out", str(table_path),
                 "--chart", str(chart_path)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "base:" in err and "not_applicable" in err
    table = pd.read_csv(table_path)
    assert table.set_index("driver").loc["SX", "lead"] == "NPS-led"
    assert chart_path.stat().st_size > 10_000
    assert not list(tmp_path.glob(".compare-*"))  # no temporary file left behind


def test_compare_unknown_outcome_is_one_clear_line(capsys):
    code = main(["compare", str(drivers.bank_loan_study_file()), "--outcomes", "csat,loyalty",
                 "--bootstrap", "0"])
    err = capsys.readouterr().err
    assert code == 1
    assert "no outcome 'loyalty'" in err and "Traceback" not in err
