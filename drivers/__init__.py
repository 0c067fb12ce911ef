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
import sys
import types

#: Where each public name lives. They are imported on first use (PEP 562): a worker process
#: that only needs the engine does not import the readers or the report, and a command
#: reaches its own Ctrl-C handling before pandas has loaded.
_LAZY = {
    "drivers.analysis": ("DriverAnalysis", "compare", "study_importance"),
    "drivers.dominance": ("dominance", "dominance_analysis"),
    "drivers.importance": ("composite_scores", "importance"),
    "drivers.init": ("starter_study", "write_starter_study"),
    "drivers.io": ("check_study", "load_study", "read_table", "study_from_frame"),
    "drivers.metrics": ("attribute_performance", "ces", "csat", "dimension_performance",
                        "metrics_summary", "nps", "outcome_table"),
    "drivers.paths": ("bank_loan_study_file",),
    "drivers.priority": ("action_table", "penalty_reward", "priority_matrix", "study_priority",
                         "wave_movement"),
    "drivers.relationship": ("advice", "relationship"),
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


class _Package(types.ModuleType):
    """The package, whose functions ``importance``, ``dominance`` and ``relationship`` keep
    their names: importing a submodule sets it as an attribute of its package, which would
    put the module ``drivers.importance`` in the place of the function (as it always was,
    ``drivers.importance`` is the function; the module stays in ``sys.modules``)."""

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, types.ModuleType) and name in _HOME:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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
