"""Study files: what the columns of a survey export mean, and the checks that keep them honest.

A survey export is a table with one row per respondent. A study file (YAML) beside it says
which column is the respondent id, which are weights, segments and waves, which are the
outcomes (CSAT, likelihood to recommend, CES) and how the attribute ratings group into
experience dimensions (by default BX brand, PX product, SX service, EX employee).

Example study file::

    title: Mobile loan CX survey
    data: survey.csv                 # relative to this file
    id: respondent_id
    weight: weight                   # optional
    segments: [channel, product]     # optional
    wave: wave                       # optional
    second_language: zh              # optional; labels given as label_zh
    missing_codes:                   # global codes; a column may add its own
      98: dont_know
      99: not_applicable
    outcomes:
      csat: {column: csat, kind: csat, scale: [1, 5], top: 2, label: Overall satisfaction}
      nps: {column: recommend, kind: nps, label: Likelihood to recommend}
      ces: {column: effort, kind: ces, scale: [1, 7], label: Ease of getting the loan}
    attribute_scale: [1, 5]          # default scale of every attribute
    dimensions:
      BX:
        label: Brand experience
        label_zh: 品牌体验
        attributes:
          bx_promise_rate: {label: Promised interest rate kept, label_zh: 利率承诺兑现}
          bx_trust: {label: Trust in the bank, reverse: false}

Loading (``drivers.load_study``) turns the file and its data into a :class:`Study`, whose
``data`` holds the analysable values (missing codes replaced by NaN, reverse-scored items
recoded) and whose ``missing`` records why each empty answer is empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
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


def default_top_box(scale: tuple[int, int]) -> int:
    """Top-box size the industry reads for a CSAT scale.

    Top-2 on 5-point and shorter scales, top-3 on 7-point (5-7 positive), top-3 on 10/11-point.

    >>> default_top_box((1, 5)), default_top_box((1, 7)), default_top_box((1, 10))
    (2, 3, 3)
    """
    points = scale[1] - scale[0] + 1
    return 2 if points <= 5 else 3


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
    label_second: str | None = None

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
    label_second: str | None = None
    scale: tuple[int, int] = (1, 5)
    reverse: bool = False


@dataclass(frozen=True)
class Dimension:
    """An experience dimension (BX, PX, SX, EX or any other name) and its attributes."""

    name: str
    label: str
    label_second: str | None = None
    attributes: tuple[str, ...] = ()


@dataclass
class Study:
    """A validated survey: the data and what its columns mean.

    Attributes
    ----------
    data : DataFrame
        One row per respondent, analysable values only: declared missing codes are NaN,
        reverse-scored attributes are recoded so that high is always good.
    missing : DataFrame
        Same rows, one column per rated column (outcomes and attributes): the reason an
        answer is missing (``"dont_know"``, ``"not_applicable"``, ``"no_answer"`` ...) or ``None``
        where the respondent answered.
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
        """Label of an attribute, dimension or outcome in English or the second language."""
        item = self.attributes.get(name) or self.dimensions.get(name) or self.outcomes.get(name)
        if item is None:
            return name
        if lang != "en" and item.label_second:
            return item.label_second
        return item.label or name

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
            for reason, n in counts.items():
                rows.append({"column": column, "reason": reason, "n": int(n)})
        return pd.DataFrame(rows, columns=["column", "reason", "n"])

    def __repr__(self) -> str:
        dims = ", ".join(f"{n}({len(d.attributes)})" for n, d in self.dimensions.items())
        return (
            f"Study({self.title!r}, n={len(self.data)}, outcomes={list(self.outcomes)}, "
            f"dimensions=[{dims}])"
        )


def is_whole_numbers(values: pd.Series) -> np.ndarray:
    """Boolean mask of entries that are finite whole numbers."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        return np.isfinite(numbers) & (np.floor(numbers) == numbers)
