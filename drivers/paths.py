"""Where the bundled data and the reports live, resolved from the package, not the working directory.

Notebooks run from their own folder (nbmake, papermill) and the CLI from anywhere, so every
path to bundled material goes through these functions.

>>> bank_loan_study_file().name
'study.yaml'
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The repository folder holding ``data/``, ``reports/`` and ``notebooks/``.

    ``DRIVERS_PROJECT_ROOT`` overrides it (for an installed, non-editable package).
    """
    override = os.environ.get("DRIVERS_PROJECT_ROOT")
    return Path(override).resolve() if override else PACKAGE_DIR.parent


def data_dir() -> Path:
    """The bundled data folder."""
    return project_root() / "data"


def bank_loan_study_file() -> Path:
    """The study file of the bundled bank-loan case."""
    return data_dir() / "bank_loan" / "study.yaml"


def reports_dir() -> Path:
    """Where ``make report`` writes its outputs."""
    return project_root() / "reports"
