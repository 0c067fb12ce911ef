"""drivers: key-driver analysis of customer-experience surveys.

Rank what drives CSAT and NPS (separately), compare them, and turn importance into
priority matrices and stakeholder reports.

>>> import drivers
>>> study = drivers.load_study(drivers.bank_loan_study_file())
>>> list(study.outcomes)
['csat', 'nps', 'ces']
"""

from drivers.io import check_study, load_study, read_table, study_from_frame
from drivers.paths import bank_loan_study_file
from drivers.study import Attribute, Dimension, Outcome, Study, StudyError

__version__ = "0.1.0"

__all__ = [
    "Attribute",
    "Dimension",
    "Outcome",
    "Study",
    "StudyError",
    "__version__",
    "bank_loan_study_file",
    "check_study",
    "load_study",
    "read_table",
    "study_from_frame",
]
