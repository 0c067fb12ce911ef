"""Where the bundled data and the reports live, resolved from the package, not the working directory.

Notebooks run from their own folder (nbmake, papermill) and the CLI from anywhere, so every
path to bundled material goes through these functions. The bundled studies are package data
(``drivers/data/<study>/``, read through :mod:`importlib.resources`), so they are found the
same way in a checkout, an editable install and a wheel installed anywhere; the checkout's
``data/bank_loan`` is a link to them.

>>> bank_loan_study_file().name
'study.yaml'
>>> sorted(p.name for p in bank_loan_study_file().parent.iterdir())
['README.md', 'study.yaml', 'survey.csv']
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The project folder holding ``data/``, ``reports/`` and ``notebooks/``.

    ``DRIVERS_PROJECT_ROOT`` overrides it. In a checkout (an editable install) it is the folder
    holding the package and ``pyproject.toml``; for an installed package, which has no project
    around it, it is the current working directory (where ``reports/`` is then looked for).
    """
    override = os.environ.get("DRIVERS_PROJECT_ROOT")
    if override:
        return Path(override).resolve()
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "drivers").is_dir():
        return checkout
    return Path.cwd()


def data_dir() -> Path:
    """The folder of the bundled studies, inside the installed package."""
    folder = resources.files("drivers") / "data"
    if not isinstance(folder, Path):  # pip installs files; only a zip import lands here
        raise RuntimeError(f"the bundled studies need drivers installed as files (pip install), "
                           f"not imported from {folder}")
    return folder


def bank_loan_study_file() -> Path:
    """The study file of the bundled bank-loan case."""
    return data_dir() / "bank_loan" / "study.yaml"


def reports_dir() -> Path:
    """Where ``make report`` writes its outputs: ``reports/`` in the project folder."""
    return project_root() / "reports"
