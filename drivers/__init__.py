"""drivers: key-driver analysis of customer-experience surveys.

Rank what drives CSAT and NPS (separately), compare them, and turn importance into
priority matrices and stakeholder reports.

>>> import drivers
>>> study = drivers.load_study(drivers.bank_loan_study_file())
>>> list(study.outcomes)
['csat', 'nps', 'ces']
"""

from drivers.analysis import DriverAnalysis, compare, study_importance
from drivers.dominance import dominance, dominance_analysis
from drivers.importance import composite_scores, importance
from drivers.init import starter_study, write_starter_study
from drivers.io import check_study, load_study, read_table, study_from_frame
from drivers.metrics import (
    attribute_performance,
    ces,
    csat,
    dimension_performance,
    metrics_summary,
    nps,
    outcome_table,
)
from drivers.paths import bank_loan_study_file
from drivers.priority import (
    action_table,
    penalty_reward,
    priority_matrix,
    study_priority,
    wave_movement,
)
from drivers.relationship import advice, relationship
from drivers.study import (
    Attribute,
    DataWarning,
    Dimension,
    Outcome,
    ReportBrand,
    Study,
    StudyError,
)

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
