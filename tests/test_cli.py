"""The command line: clear lines per problem and non-zero exits, never a traceback."""

from __future__ import annotations

import subprocess
import sys

from conftest import small_survey

from drivers.cli import main


def test_validate_ok_prints_quality_summary(write_study, capsys):
    assert main(["validate", str(write_study())]) == 0
    out = capsys.readouterr().out
    assert "answered" in out and "s1" in out and "OK" in out


def test_validate_lists_every_problem_and_exits_1(write_study, capsys):
    frame = small_survey()
    frame.loc[0, "a1"] = 6
    frame.loc[4, "w"] = 0
    code = main(["validate", str(write_study(frame))])
    err = capsys.readouterr().err
    assert code == 1
    assert "2 problems" in err
    assert "'a1'" in err and "data rows 1" in err
    assert "'w'" in err and "data rows 5" in err
    assert "Traceback" not in err


def test_missing_study_file_is_one_clear_line(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 1
    err = capsys.readouterr().err
    assert "study file not found" in err and "nope.yaml" in err


def test_module_entry_point_and_help():
    result = subprocess.run([sys.executable, "-m", "drivers", "--help"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0
    for command in ("validate", "metrics", "importance"):
        assert command in result.stdout


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "commands" in capsys.readouterr().out


def test_validate_says_how_the_data_was_read(write_study, capsys):
    assert main(["validate", str(write_study())]) == 0
    out = capsys.readouterr().out
    assert "Read as: encoding utf-8 (detected); delimiter comma (detected)" in out


def test_importance_warns_about_code_like_values(tmp_path, capsys):
    frame = small_survey(n=120)
    frame.loc[[3, 8], "a1"] = 99
    frame.loc[5, "a1"] = 98
    path = tmp_path / "survey.csv"
    frame.to_csv(path, index=False)
    assert main(["importance", str(path), "--outcome", "sat", "--drivers", "a1,a2"]) == 0
    err = capsys.readouterr().err
    assert ("warning: column 'a1': 98 (1 rows), 99 (2 rows) lie far outside its other values "
            "(1-5); if they mean don't know or not applicable, pass --missing-codes 98,99") in err
    assert main(["importance", str(path), "--outcome", "sat", "--drivers", "a1,a2",
                 "--missing-codes", "98,99"]) == 0
    assert "warning" not in capsys.readouterr().err
