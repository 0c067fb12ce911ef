"""drivers: key-driver analysis of customer-experience surveys.

Rank what drives CSAT and NPS (separately), compare them, and turn importance into
priority matrices and stakeholder reports.

>>> import drivers
>>> study = drivers.load_study(drivers.bank_loan_study_file())
>>> list(study.outcomes)
['csat', 'nps', 'ces']
"""

import importlib
import importlib.util

# Names whose module has the same name (``drivers.importance`` is the function, as it always
# was): imported now, because importing the submodule later would put the module in their
# place. ``drivers.dominance`` and ``drivers.relationship`` likewise.
from drivers.dominance import dominance, dominance_analysis
from drivers.importance import composite_scores, importance
from drivers.relationship import advice, relationship

#: Where each other public name lives. They are imported on first use (PEP 562), so a worker
#: process that only needs the engine does not import the readers, the report or scipy.stats
#: (it started in about 5 s instead of 2 on this machine's two cores).
_LAZY = {
    "drivers.analysis": ("DriverAnalysis", "compare", "study_importance"),
    "drivers.init": ("starter_study", "write_starter_study"),
    "drivers.io": ("check_study", "load_study", "read_table", "study_from_frame"),
    "drivers.metrics": ("attribute_performance", "ces", "csat", "dimension_performance",
                        "metrics_summary", "nps", "outcome_table"),
    "drivers.paths": ("bank_loan_study_file",),
    "drivers.priority": ("action_table", "penalty_reward", "priority_matrix", "study_priority",
                         "wave_movement"),
    "drivers.study": ("Attribute", "DataWarning", "Dimension", "Outcome", "ReportBrand", "Study",
                      "StudyError"),
}
_HOME = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name: str):
    if name in _HOME:
        value = getattr(importlib.import_module(_HOME[name]), name)
    elif not name.startswith("_") and importlib.util.find_spec(f"drivers.{name}") is not None:
        value = importlib.import_module(f"drivers.{name}")  # ``drivers.metrics.nps`` and so on
    else:
        raise AttributeError(f"module 'drivers' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})


__version__ = "0.1.0"

__all__ = [
    "Attribute",
    "DataWarning",
    "Dimension",
    "DriverAnalysis",
    "Outcome",
    "ReportBrand",
    "Study",
    "StudyError",
    "__version__",
    "action_table",
    "advice",
    "attribute_performance",
    "bank_loan_study_file",
    "ces",
    "check_study",
    "compare",
    "composite_scores",
    "csat",
    "dimension_performance",
    "dominance",
    "dominance_analysis",
    "importance",
    "load_study",
    "metrics_summary",
    "nps",
    "outcome_table",
    "penalty_reward",
    "priority_matrix",
    "read_table",
    "relationship",
    "starter_study",
    "study_from_frame",
    "study_importance",
    "study_priority",
    "wave_movement",
    "write_starter_study",
]
