"""Installed from its wheel, outside the checkout, the package finds and runs its bundled case.

The wheel is built from a copy of the package sources (pyproject.toml, README.md, drivers/;
no data/ link, no checkout around it), installed without dependencies into a folder of its own
and put first on the path of a fresh interpreter working in another folder. The dependencies
come from the test environment; the imported ``drivers`` is checked to be the installed one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import drivers

CHECKOUT = Path(drivers.__file__).resolve().parent.parent


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """(site folder, work folder, environment) of a wheel installed outside the checkout."""
    if shutil.which("git") is None and not (CHECKOUT / "pyproject.toml").is_file():
        pytest.skip("needs the package sources")
    root = tmp_path_factory.mktemp("installed")
    source, wheels, site, work = (root / name for name in ("source", "wheels", "site", "work"))
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(CHECKOUT / name, source / name)
    shutil.copytree(CHECKOUT / "drivers", source / "drivers",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = {key: value for key, value in os.environ.items()
           if key not in ("DRIVERS_PROJECT_ROOT", "PYTHONPATH")}
    # Without build isolation: the test environment's setuptools builds it, offline.
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                  "--quiet", "--wheel-dir", str(wheels), str(source)], root, env)
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("drivers-*.whl")
    done = _run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
                 "--target", str(site), str(wheel)], root, env)
    assert done.returncode == 0, done.stderr
    work.mkdir()
    env.update(PYTHONPATH=str(site), MPLBACKEND="Agg")
    return {"site": site, "work": work, "env": env}


def test_the_installed_package_is_imported_and_finds_its_bundled_study(installed):
    site, work = installed["site"], installed["work"]
    probe = ("import json, drivers, drivers.paths as p; print(json.dumps({"
             "'module': drivers.__file__, 'study': str(drivers.bank_loan_study_file()), "
             "'root': str(p.project_root()), 'reports': str(p.reports_dir())}))")
    result = _run([sys.executable, "-c", probe], work, installed["env"])
    assert result.returncode == 0, result.stderr
    facts = {key: Path(value) for key, value in json.loads(result.stdout).items()}
    assert facts["module"].is_relative_to(site), facts  # not the checkout
    assert not facts["module"].is_relative_to(CHECKOUT)
    assert facts["study"] == site / "drivers" / "data" / "bank_loan" / "study.yaml"
    assert facts["study"].is_file()
    # No project around an installed package: the working folder stands in for it.
    assert facts["root"] == work and facts["reports"] == work / "reports"


def test_the_installed_command_validates_and_reports_the_bundled_case(installed):
    site, work, env = installed["site"], installed["work"], installed["env"]
    study = site / "drivers" / "data" / "bank_loan" / "study.yaml"
    bundled = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in study.parent.iterdir()}
    command = [sys.executable, "-m", "drivers"]
    checked = _run([*command, "validate", str(study)], work, env)
    assert checked.returncode == 0, checked.stderr
    assert "OK: Study(" in checked.stdout and "survey.csv" not in checked.stderr
    report = _run([*command, "report", str(study), "--bootstrap", "20", "--date", "2026-11-23",
                   "--out", str(work / "bank_loan.pdf"), "--workbook",
                   str(work / "bank_loan.xlsx")], work, env)
    assert report.returncode == 0, report.stderr
    assert "Traceback" not in report.stderr
    assert (work / "bank_loan.pdf").read_bytes()[:5] == b"%PDF-"
    import openpyxl

    sheets = openpyxl.load_workbook(work / "bank_loan.xlsx", read_only=True).sheetnames
    assert "drivers_attribute" in sheets
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in study.parent.iterdir()} == bundled
