"""Study files: what the columns of a survey export mean, and the checks that keep them honest.

A survey export is a table with one row per respondent. A study file (YAML) beside it says
which column is the respondent id, which are weights, segments and waves, which are the
outcomes (CSAT, likelihood to recommend, CES) and how the attribute ratings group into
experience dimensions (by default BX brand, PX product, SX service, EX employee).
``drivers init EXPORT`` writes a starter study file for an export.

Example study file (every key; only ``outcomes`` and ``dimensions`` are required)::

    title: Mobile loan CX survey
    title_zh: 手机贷款客户体验调研          # the title in the second language
    description: Quarterly tracking study
    data: survey.csv                   # relative to this file, inside its folder
    allow_outside_folder: false        # true to read a data: path outside this folder
    encoding: gbk                      # optional; detected (UTF-8, GBK/GB18030, Big5, UTF-16)
    delimiter: semicolon               # optional; comma, semicolon, tab or pipe (detected)
    decimal: ","                       # optional; "," for decimal commas (detected)
    sheet: Data                        # optional; Excel sheet name or number (detected)
    header_row: 2                      # optional; row of the column names (detected)
    header_rows: 3                     # optional; rows the header takes from header_row on:
                                       #   names, question texts, ImportIds (Qualtrics: 3)
    id: respondent_id
    weight: weight                     # optional; positive numbers
    segments:                          # optional; a list of columns, or with labels:
      channel:
        label: Channel
        label_zh: 渠道
        values:                        # how each value is shown (codes or texts as in the data)
          mobile_app: {label: Mobile app, label_zh: 手机银行}
          1: Branch                    # a code; a plain text is the English label
    wave: wave                         # optional; or {column, label, label_zh, values}
    second_language: zh                # optional; labels given as label_zh
    missing_codes:                     # global codes; a column may add its own
      98: dont_know                    # reasons: not_applicable, dont_know, refused, no_answer
      99: not_applicable               #   (or a label meaning one: "Don't know", 不适用 ...)
      "(跳过)": not_applicable          # text markers count as codes too
    value_labels:                      # answer texts -> scale points, per scale or per column
      "1-5": {非常满意: 5, 满意: 4, 一般: 3, 不满意: 2, 非常不满意: 1}
      recommend: {"10 - Extremely likely": 10, "0 - Not at all likely": 0}
    outcomes:
      csat: {column: csat, kind: csat, scale: [1, 5], top: 2, label: Overall satisfaction}
      nps: {column: recommend, kind: nps, label: Likelihood to recommend}
      ces: {column: effort, kind: ces, scale: [1, 7], label: Ease of getting the loan}
    attribute_scale: [1, 5]            # default scale of every attribute
    dimensions:
      BX:
        label: Brand experience
        label_zh: 品牌体验
        attributes:
          bx_promise_rate: {label: Promised interest rate kept, label_zh: 利率承诺兑现}
          bx_trust: {label: Trust in the bank, reverse: false, missing_codes: {0: refused},
                     value_labels: {Agree: 4, Disagree: 2}}
    report:                            # optional; the branding of the stakeholder report
      company: Example Bank
      company_zh: 示例银行
      logo: logo.png                   # relative to this file
      colours: {primary: "#1F4E79", accent: "#C00000"}
      confidentiality: Internal use only
      confidentiality_zh: 仅供内部使用
      template: brand.typ              # a Typst template, relative to this file

An outcome may also set ``missing_codes`` and ``value_labels``; an attribute ``scale``,
``reverse``, ``missing_codes`` and ``value_labels``. Every entry is checked strictly
(:mod:`drivers.schema`): a key given twice, an unknown key or a wrong type is an error naming
its line. SPSS files bring their own value labels (used for segment and wave names and to
read missing codes) and user-missing values and ranges (98 thru 99), honoured like
``missing_codes``.

Loading (``drivers.load_study``) turns the file and its data into a :class:`Study`, whose
``data`` holds the analysable values (missing codes replaced by NaN, answer texts by their
scale points, reverse-scored items recoded) and whose ``missing`` records why each empty answer
is empty, as one of the reason codes of :mod:`drivers.reasons`. Blank segment and wave values
form a group of their own, :data:`NO_SEGMENT` ("(no answer)"), so segment tables add up to the
whole sample.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

#: The default driver hierarchy of the "total experience" model.
DEFAULT_DIMENSIONS = {
    "BX": "Brand experience",
    "PX": "Product experience",
    "SX": "Service experience",
    "EX": "Employee experience",
}

#: Outcome kinds, their default scales and default top-box sizes.
OUTCOME_KINDS = {
    "csat": {"scale": (1, 5), "top": None},
    "nps": {"scale": (0, 10), "top": None},
    "ces": {"scale": (1, 7), "top": 3},
    "rating": {"scale": None, "top": None},
}

#: Reason recorded for a blank cell in the export.
NO_ANSWER = "no_answer"

#: The segment (or wave) value of respondents who left that question blank: they stay in the
#: tables as a group of their own rather than vanish from them.
NO_SEGMENT = "(no answer)"

#: How :data:`NO_SEGMENT` is shown in each language.
NO_SEGMENT_LABELS = {"en": "(no answer)", "zh": "（未作答）"}


def default_top_box(scale: tuple[int, int]) -> int:
    """Top-box size the industry reads for a CSAT scale.

    Top-2 on 5-point and shorter scales, top-3 on 7-point (5-7 positive), top-3 on 10/11-point.

    >>> default_top_box((1, 5)), default_top_box((1, 7)), default_top_box((1, 10))
    (2, 3, 3)
    """
    points = scale[1] - scale[0] + 1
    return 2 if points <= 5 else 3


class DataWarning(UserWarning):
    """Data that loads but deserves a look (blank segment values, an unknown missing label)."""


class StudyError(ValueError):
    """A study file or its data breaks a rule; ``problems`` lists every finding, one line each."""

    def __init__(self, problems: list[str] | str, source: str | Path | None = None):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = str(source) if source is not None else None
        head = f"{self.source}: " if self.source else ""
        if len(self.problems) == 1:
            message = head + self.problems[0]
        else:
            message = head + f"{len(self.problems)} problems\n" + "\n".join(
                f"  - {p}" for p in self.problems
            )
        super().__init__(message)


@dataclass(frozen=True)
class Outcome:
    """An overall measure the drivers explain: CSAT, likelihood to recommend (NPS) or CES."""

    name: str
    column: str
    kind: str
    scale: tuple[int, int]
    top: int | None = None
    label: str = ""
    translations: Mapping[str, str] = field(default_factory=dict)

    @property
    def positive_threshold(self) -> float | None:
        """Lowest rating counted in the top box (promoters start at 9 for NPS)."""
        if self.kind == "nps":
            return 9
        if self.top is None:
            return None
        return self.scale[1] - self.top + 1


@dataclass(frozen=True)
class Attribute:
    """One rated attribute (a driver) and the dimension it belongs to."""

    column: str
    dimension: str
    label: str
    translations: Mapping[str, str] = field(default_factory=dict)
    scale: tuple[int, int] = (1, 5)
    reverse: bool = False


@dataclass(frozen=True)
class Dimension:
    """An experience dimension (BX, PX, SX, EX or any other name) and its attributes."""

    name: str
    label: str
    translations: Mapping[str, str] = field(default_factory=dict)
    attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grouping:
    """A segment or wave column: its label and how each of its values is shown.

    ``values`` maps a value as it is in ``Study.data`` to its label per language
    (``{"mobile_app": {"en": "Mobile app", "zh": "手机银行"}}``).
    """

    column: str
    label: str
    translations: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[Any, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportBrand:
    """The ``report:`` block of a study file: who the report is for and how it looks.

    ``logo`` and ``template`` are resolved against the study file's folder; ``colours`` holds
    ``primary`` and ``accent`` as "#RRGGBB" when given. Every field is empty by default.
    """

    company: str = ""
    company_zh: str = ""
    logo: Path | None = None
    colours: Mapping[str, str] = field(default_factory=dict)
    confidentiality: str = ""
    confidentiality_zh: str = ""
    template: Path | None = None


@dataclass
class Study:
    """A validated survey: the data and what its columns mean.

    Attributes
    ----------
    data : DataFrame
        One row per respondent, analysable values only: declared missing codes are NaN,
        reverse-scored attributes are recoded so that high is always good.
    missing : DataFrame
        Same rows, one categorical column per rated column (outcomes and attributes): the
        reason an answer is missing (``"dont_know"``, ``"not_applicable"``, ``"no_answer"``
        ...) or NaN where the respondent answered. Categorical codes keep it at one or two
        bytes a cell (a million rows of reason strings took more memory than the data).
    """

    title: str
    data: pd.DataFrame
    missing: pd.DataFrame
    outcomes: dict[str, Outcome]
    dimensions: dict[str, Dimension]
    attributes: dict[str, Attribute]
    id_column: str | None = None
    weight_column: str | None = None
    segment_columns: tuple[str, ...] = ()
    wave_column: str | None = None
    second_language: str | None = None
    source: Path | None = None
    study_file: Path | None = None
    missing_codes: dict[float, str] = field(default_factory=dict)
    title_translations: Mapping[str, str] = field(default_factory=dict)
    groupings: dict[str, Grouping] = field(default_factory=dict)
    report: ReportBrand = field(default_factory=ReportBrand)
    warnings: list[str] = field(default_factory=list)
    read_notes: dict[str, str] = field(default_factory=dict)

    # ---- structure -------------------------------------------------------------------------
    @property
    def attribute_columns(self) -> list[str]:
        """All attribute columns in dimension order."""
        return [a for d in self.dimensions.values() for a in d.attributes]

    def attributes_of(self, dimension: str) -> list[str]:
        """Attribute columns of one dimension."""
        return list(self.dimensions[dimension].attributes)

    @property
    def groups(self) -> dict[str, list[str]]:
        """Dimension name -> its attribute columns (the ``groups=`` of grouped importance)."""
        return {name: list(d.attributes) for name, d in self.dimensions.items()}

    def outcome(self, name: str) -> Outcome:
        """The outcome called ``name`` (its key in the study file, e.g. ``"csat"``)."""
        try:
            return self.outcomes[name]
        except KeyError:
            raise KeyError(
                f"study has no outcome {name!r}; it has {', '.join(self.outcomes)}"
            ) from None

    @property
    def weights(self) -> pd.Series | None:
        """The design weights, or None for an unweighted study."""
        return None if self.weight_column is None else self.data[self.weight_column]

    def label(self, name: str, lang: str = "en") -> str:
        """Label of an outcome, dimension, attribute, segment or wave column in ``lang``.

        Falls back to the English label, then to the name itself.

        >>> from drivers import load_study, bank_loan_study_file
        >>> study = load_study(bank_loan_study_file())
        >>> study.label("BX", "zh"), study.label("channel"), study.label("channel", "zh")
        ('品牌体验', 'Channel', '渠道')
        """
        item = (self.attributes.get(name) or self.dimensions.get(name)
                or self.outcomes.get(name) or self.groupings.get(name))
        if item is None:
            return name
        if lang != "en" and item.translations.get(lang):
            return item.translations[lang]
        return item.label or name

    def value_label(self, column: str, value: Any, lang: str = "en") -> str:
        """How a value of a segment or wave column is shown in ``lang``.

        The study file's ``values:`` (or the SPSS value labels) name it; otherwise the value
        itself is shown. Blank answers are the group :data:`NO_SEGMENT`.

        >>> from drivers import load_study, bank_loan_study_file
        >>> study = load_study(bank_loan_study_file())
        >>> study.value_label("channel", "mobile_app", "zh"), study.value_label("wave", "2026Q1")
        ('手机银行', '2026 Q1')
        """
        if isinstance(value, str) and value == NO_SEGMENT:
            return NO_SEGMENT_LABELS.get(lang, NO_SEGMENT)
        grouping = self.groupings.get(column)
        labels = None if grouping is None else _lookup_value(grouping.values, value)
        if labels:
            return labels.get(lang) or labels.get("en") or plain_value(value)
        return plain_value(value)

    def title_for(self, lang: str = "en") -> str:
        """The study's title in ``lang`` (``title_zh`` ...), else its title.

        >>> from drivers import load_study, bank_loan_study_file
        >>> load_study(bank_loan_study_file()).title_for("zh")
        '手机互联网贷款客户体验调研（模拟银行贷款案例）'
        """
        if lang != "en" and self.title_translations.get(lang):
            return self.title_translations[lang]
        return self.title

    def labels(self, lang: str = "en") -> dict[str, str]:
        """Every known name -> its label."""
        names = [*self.outcomes, *self.dimensions, *self.attributes]
        return {n: self.label(n, lang) for n in names}

    def dimension_of(self, column: str) -> str | None:
        """Dimension of an attribute column (None if it is not an attribute)."""
        attribute = self.attributes.get(column)
        return None if attribute is None else attribute.dimension

    def dimension_scores(self) -> pd.DataFrame:
        """Composite score per dimension: the mean of the answered attributes of each respondent.

        A respondent who answered none of a dimension's attributes gets NaN for it.
        """
        return pd.DataFrame(
            {
                name: self.data[list(d.attributes)].mean(axis=1, skipna=True)
                for name, d in self.dimensions.items()
            },
            index=self.data.index,
        )

    def missing_summary(self) -> pd.DataFrame:
        """Counts of missing answers per rated column and reason (tidy: column, reason, n)."""
        rows = []
        for column in self.missing.columns:
            counts = self.missing[column].value_counts(dropna=True)
            for reason, n in counts[counts > 0].items():
                rows.append({"column": column, "reason": reason, "n": int(n)})
        return pd.DataFrame(rows, columns=["column", "reason", "n"])

    def __repr__(self) -> str:
        dims = ", ".join(f"{n}({len(d.attributes)})" for n, d in self.dimensions.items())
        return (
            f"Study({self.title!r}, n={len(self.data)}, outcomes={list(self.outcomes)}, "
            f"dimensions=[{dims}])"
        )


def _lookup_value(values: Mapping[Any, Mapping[str, str]], value: Any):
    """The labels of a value, matching 1, 1.0 and "1" alike."""
    if value in values:
        return values[value]
    try:
        number = float(value)
    except (TypeError, ValueError):
        return values.get(str(value))
    return values.get(number) or values.get(str(value))


def plain_value(value: Any) -> str:
    """A value as text: 2.0 -> "2", other values as they are."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
