"""CX metrics with their uncertainty: CSAT, NPS and CES, and the study-level tables built on them.

Each flat function takes one column of ratings (NaN = not answered) and optional design
weights and returns a frozen result: the score, its standard error and confidence interval, the
number of respondents who answered, the effective sample size under the weights and, for
rating scales, the mean. The study-level functions turn a :class:`~drivers.study.Study` into
tidy tables: outcomes overall, by segment or by wave, and attribute and dimension performance.

Conventions
-----------
- Scores are percentages (top-box % for CSAT and CES, 0..100) or NPS points (-100..100).
- Weighted estimates are ratio estimates, ``sum(w * x) / sum(w)``; their sampling variance is
  taken on Kish's effective sample size ``n_eff = (sum w)^2 / sum w^2`` (equal to ``n`` when
  unweighted).
- An input with no answers gives a result with ``n = 0`` and NaN score and interval (not an
  error), so that a segment where a question was not asked still has its row in a table.
- Intervals do not collapse at the ends of the scale: top-box percentages use the Wilson score
  interval and NPS the adjusted Wald interval by default, so one respondent with CSAT 100 gets
  a wide interval, not "100 to 100".
- A score on fewer than :data:`MIN_BASE` answers is flagged: the study-level tables carry a
  ``small_base`` column and a warning per small cell in ``attrs["warnings"]``.

Examples
--------
>>> result = nps([10] * 160 + [8] * 160 + [3] * 80)
>>> print(result)
NPS 20.0 (95% CI 12.5 to 27.2), n = 400
>>> round(result.se, 3)
3.742
>>> print(csat([5, 4, 4, 3, 2, 5, 1, 4]))
CSAT 62.5% top-2 box (95% CI 30.6 to 86.3), mean 3.50, n = 8
>>> print(csat([5]))
CSAT 100.0% top-2 box (95% CI 20.7 to 100.0), mean 5.00, n = 1
"""

from __future__ import annotations

import dataclasses
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import special

from drivers.moments import frequency_weight_faults, kish_n
from drivers.study import NO_SEGMENT, Study, default_top_box

#: Likelihood-to-recommend is read on 0-10; promoters answer 9-10, detractors 0-6.
NPS_SCALE = (0, 10)
PROMOTER_FROM = 9
DETRACTOR_TO = 6

#: Interval methods for a top-box percentage and for NPS; the first named is the default one.
TOP_BOX_METHODS = ("wilson", "wald")
NPS_METHODS = ("adjusted_wald", "wald")
TOP_BOX_METHOD, NPS_METHOD = TOP_BOX_METHODS[0], NPS_METHODS[0]

#: Answers below which a score is flagged as resting on a small base (``small_base``). Thirty
#: is the usual reporting floor in survey research: below it a top-box interval is wider than
#: +-15 points around 50 % and a segment's score is anecdote rather than estimate.
MIN_BASE = 30

#: Bad values and positions quoted in an error message, at most.
SHOWN = 10

OUTCOME_COLUMNS = ["score", "ci_low", "ci_high", "se", "n", "n_missing", "n_effective", "mean",
                   "promoters", "passives", "detractors", "small_base"]
ATTRIBUTE_COLUMNS = ["mean", "mean_ci_low", "mean_ci_high", "top_box", "n", "n_missing",
                     "small_base"]
DIMENSION_COLUMNS = ["mean", "mean_ci_low", "mean_ci_high", "top_box", "n", "n_missing",
                     "n_answers", "small_base"]
#: Excel number formats of the table columns above (percent points and NPS points to one
#: decimal, ratings to two), for :func:`drivers.output.write_table`.
NUMBER_FORMATS = {"score": "0.0", "ci_low": "0.0", "ci_high": "0.0", "se": "0.00",
                  "top_box": "0.0", "promoters": "0.0", "passives": "0.0", "detractors": "0.0",
                  "mean": "0.00", "mean_ci_low": "0.00", "mean_ci_high": "0.00"}


# ---- results -------------------------------------------------------------------------------
class _Result:
    """Shared behaviour of the result dataclasses."""

    _metric: ClassVar[str] = ""

    def as_dict(self) -> dict[str, Any]:
        """The result as a plain dict (field name -> value)."""
        return dataclasses.asdict(self)

    def _tail(self) -> str:
        missing = f", {self.n_missing} missing" if self.n_missing else ""
        return f"n = {self.n}{missing}"

    def _interval(self) -> str:
        return f"{self.ci * 100:g}% CI {self.ci_low:.1f} to {self.ci_high:.1f}"


@dataclass(frozen=True)
class RatingResult(_Result):
    """Top-box percentage and mean of a rating scale, with standard errors and intervals.

    Attributes
    ----------
    score : float
        Percentage of answers in the top box (0..100).
    n, n_missing : int
        Respondents who answered, and who did not (NaN).
    n_effective : float
        Kish effective sample size of the answers, ``(sum w)^2 / sum w^2``.
    se : float
        Standard error of ``score`` in percentage points, ``sqrt(p (1 - p) / n_effective)``.
    ci_low, ci_high : float
        Confidence interval of ``score`` (``method``), clipped to 0..100.
    ci : float
        Confidence level.
    method : str
        Interval method of the top-box percentage, ``"wald"`` or ``"wilson"``.
    mean, mean_se, mean_ci_low, mean_ci_high : float
        Weighted mean rating, its linearisation standard error and Student-t interval.
    scale : tuple of int
        Lowest and highest scale point.
    top : int
        Number of scale points in the top box.
    """

    score: float
    n: int
    n_missing: int
    n_effective: float
    se: float
    ci_low: float
    ci_high: float
    ci: float
    method: str
    mean: float
    mean_se: float
    mean_ci_low: float
    mean_ci_high: float
    scale: tuple[int, int]
    top: int

    _metric: ClassVar[str] = "Top box"

    def __str__(self) -> str:
        if self.n == 0:
            return f"{self._metric} n/a (no answers), {self._tail()}"
        return (f"{self._metric} {self.score:.1f}% top-{self.top} box ({self._interval()}), "
                f"mean {self.mean:.2f}, {self._tail()}")


@dataclass(frozen=True)
class CsatResult(RatingResult):
    """CSAT: top-box percentage and mean satisfaction (fields as :class:`RatingResult`)."""

    _metric: ClassVar[str] = "CSAT"


@dataclass(frozen=True)
class CesResult(RatingResult):
    """CES: percentage who agree it was easy, and mean (fields as :class:`RatingResult`)."""

    _metric: ClassVar[str] = "CES"


@dataclass(frozen=True)
class NpsResult(_Result):
    """Net Promoter Score with its standard error and interval.

    Attributes
    ----------
    score : float
        NPS in points, ``promoters - detractors`` (-100..100).
    n, n_missing : int
        Respondents who answered, and who did not (NaN).
    n_effective : float
        Kish effective sample size of the answers.
    se : float
        Standard error of ``score`` in points (multinomial, on ``n_effective``).
    ci_low, ci_high : float
        Confidence interval of ``score`` (``method``), clipped to -100..100.
    ci : float
        Confidence level.
    method : str
        ``"wald"`` or ``"adjusted_wald"``.
    promoters, passives, detractors : float
        Percentages answering 9-10, 7-8 and 0-6.
    """

    score: float
    n: int
    n_missing: int
    n_effective: float
    se: float
    ci_low: float
    ci_high: float
    ci: float
    method: str
    promoters: float
    passives: float
    detractors: float

    _metric: ClassVar[str] = "NPS"

    def __str__(self) -> str:
        if self.n == 0:
            return f"NPS n/a (no answers), {self._tail()}"
        return f"NPS {self.score:.1f} ({self._interval()}), {self._tail()}"


# ---- flat metrics --------------------------------------------------------------------------
def csat(scores, scale: tuple[int, int] = (1, 5), top: int | None = None, weights=None,
         ci: float = 0.95, method: str = TOP_BOX_METHOD) -> CsatResult:
    """Customer satisfaction: percentage in the top box and mean rating.

    Parameters
    ----------
    scores : array-like or Series
        Whole-number ratings on ``scale``; NaN (or None) = not answered.
    scale : (int, int)
        Lowest and highest scale point.
    top : int, optional
        Scale points in the top box; default the industry reading
        (:func:`drivers.study.default_top_box`: top-2 on 5-point, top-3 on 7-point and longer).
    weights : array-like or Series, optional
        Non-negative design weights, one per score (a Series is aligned on the scores' index).
        Weights of unanswered rows are ignored.
    ci : float
        Confidence level.
    method : {"wilson", "wald"}
        Interval of the top-box percentage: the Wilson score interval (default), which keeps
        its coverage in small segments and does not collapse at 0 or 100 %, or the normal
        (Wald) interval.

    Returns
    -------
    CsatResult
        Fields ``score`` (top-box %), ``n``, ``n_missing``, ``n_effective``, ``se``,
        ``ci_low``, ``ci_high``, ``ci``, ``method``, ``mean``, ``mean_se``, ``mean_ci_low``,
        ``mean_ci_high``, ``scale``, ``top``.

    Notes
    -----
    With ``p = sum(w * [x in top box]) / sum(w)`` and ``n_eff = (sum w)^2 / sum w^2``, the
    standard error is ``sqrt(p (1 - p) / n_eff)`` (x100). Wald: ``p +- z se``. Wilson (1927):
    ``(p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)`` with ``n = n_eff``; Brown,
    Cai & DasGupta (2001) show it keeps its coverage where Wald fails. Both are clipped to
    0..100. The mean's standard error is the linearisation (sandwich) estimator
    ``sqrt(m/(m-1) sum w^2 (x - mean)^2) / sum w`` over the ``m`` answers with positive
    weight, which is ``s / sqrt(n)`` without weights; its interval uses Student's t on
    ``m - 1`` degrees of freedom.

    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA 22, 209-212. Brown, L. D., Cai, T. T. & DasGupta, A. (2001). Interval
    estimation for a binomial proportion. Statistical Science 16, 101-133. Kish, L. (1965).
    Survey Sampling. Wiley.

    Examples
    --------
    >>> result = csat([5, 4, 4, 3, 2, 5, 1, 4, None])
    >>> result.score, result.n, result.n_missing, result.mean
    (62.5, 8, 1, 3.5)
    >>> round(csat([5, 4, 4, 3, 2, 5, 1, 4], method="wald").ci_low, 1)
    29.0
    >>> print(csat([7, 6, 5, 4, 1], scale=(1, 7)))
    CSAT 60.0% top-3 box (95% CI 23.1 to 88.2), mean 4.60, n = 5
    """
    top = default_top_box(_check_scale(scale)) if top is None else top
    return _rating(CsatResult, scores, scale, top, weights, ci, method)


def ces(scores, scale: tuple[int, int] = (1, 7), top: int | None = 3, weights=None,
        ci: float = 0.95, method: str = TOP_BOX_METHOD) -> CesResult:
    """Customer effort: percentage who agree it was easy (top box) and mean rating.

    Parameters
    ----------
    scores : array-like or Series
        Agreement with "it was easy to ..." on ``scale`` (high = easy); NaN = not answered.
    scale : (int, int)
        Lowest and highest scale point (CES 2.0 uses 1-7).
    top : int, optional
        Scale points counted as agreeing: 3 (5-7 on 1-7); None takes
        :func:`drivers.study.default_top_box`.
    weights, ci, method
        As in :func:`csat`.

    Returns
    -------
    CesResult
        Fields as :func:`csat`: ``score`` (% agree), ``n``, ``n_missing``, ``n_effective``,
        ``se``, ``ci_low``, ``ci_high``, ``ci``, ``method``, ``mean``, ``mean_se``,
        ``mean_ci_low``, ``mean_ci_high``, ``scale``, ``top``.

    Notes
    -----
    Same estimators as :func:`csat`. CES 2.0 (Dixon, Freeman & Toman 2010, "Stop trying to
    delight your customers", Harvard Business Review) asks agreement on 1-7 and reports the
    share agreeing (5, 6 or 7) or the mean.

    Examples
    --------
    >>> result = ces([7, 6, 5, 4, 3, 2, 7, 5])
    >>> result.score, result.mean
    (62.5, 4.875)
    >>> print(result)
    CES 62.5% top-3 box (95% CI 30.6 to 86.3), mean 4.88, n = 8
    """
    top = default_top_box(_check_scale(scale)) if top is None else top
    return _rating(CesResult, scores, scale, top, weights, ci, method)


def top_box(scores, scale: tuple[int, int], top: int | None = None, weights=None,
            ci: float = 0.95, method: str = TOP_BOX_METHOD) -> RatingResult:
    """Top-box percentage and mean of any rating scale (an attribute, a custom outcome).

    Parameters
    ----------
    scores, scale, top, weights, ci, method
        As in :func:`csat`; ``top`` defaults to :func:`drivers.study.default_top_box`.

    Returns
    -------
    RatingResult
        Fields as :func:`csat`.

    Notes
    -----
    The estimators of :func:`csat`.

    Examples
    --------
    >>> result = top_box([1, 2, 3, 4, 5, 5], scale=(1, 5), top=1, weights=[1, 1, 1, 1, 1, 3])
    >>> result.score, result.n_effective
    (50.0, 4.571428571428571)
    """
    top = default_top_box(_check_scale(scale)) if top is None else top
    return _rating(RatingResult, scores, scale, top, weights, ci, method)


def nps(scores, weights=None, ci: float = 0.95, method: str = NPS_METHOD) -> NpsResult:
    """Net Promoter Score: % promoters (9-10) minus % detractors (0-6) on likelihood to recommend.

    Parameters
    ----------
    scores : array-like or Series
        Likelihood to recommend, whole numbers 0-10; NaN = not answered.
    weights : array-like or Series, optional
        Non-negative design weights, one per score (a Series is aligned on the scores' index).
    ci : float
        Confidence level.
    method : {"adjusted_wald", "wald"}
        ``"adjusted_wald"`` (default): add 3/4 of a respondent to promoters and to detractors
        and 3 to n before the Wald interval, which keeps coverage in small samples and gives a
        non-degenerate interval when everyone is a promoter (the best of the methods compared
        by Rocks 2016). ``"wald"``: the normal interval around the NPS.

    Returns
    -------
    NpsResult
        Fields ``score`` (NPS points), ``n``, ``n_missing``, ``n_effective``, ``se``,
        ``ci_low``, ``ci_high``, ``ci``, ``method``, ``promoters``, ``passives``,
        ``detractors`` (the last three in %).

    Notes
    -----
    With promoter and detractor shares ``p`` and ``d`` (weighted) the NPS is ``100 (p - d)``.
    The three categories are multinomial, so
    ``Var(p - d) = [p + d - (p - d)^2] / n_eff`` with ``n_eff = (sum w)^2 / sum w^2``; the
    standard error is its square root x100 and the Wald interval is ``NPS +- z se``, clipped
    to -100..100. The adjusted Wald interval replaces ``p, d, n_eff`` by
    ``(p n_eff + 3/4) / (n_eff + 3)``, ``(d n_eff + 3/4) / (n_eff + 3)`` and ``n_eff + 3``
    (centre and spread); ``se`` stays the plain estimate.

    Reichheld, F. F. (2003). The one number you need to grow. Harvard Business Review 81(12).
    Rocks, B. (2016). Interval estimation for the "net promoter score". The American
    Statistician 70(4), 365-372. Lewis, J. R. & Sauro, J. (2021). Confidence intervals for
    Net Promoter Scores. MeasuringU.

    Examples
    --------
    >>> result = nps([10, 9, 8, 7, 6, 0, 10, 9, 9, 5])
    >>> result.promoters, result.passives, result.detractors, result.score
    (50.0, 20.0, 30.0, 20.0)
    >>> round(result.se, 2)
    27.57
    >>> weighted = nps([10, 10, 9, 0, None], weights=[1, 1, 1, 2, 5])
    >>> round(weighted.score, 1), round(weighted.n_effective, 3)
    (20.0, 3.571)
    >>> print(weighted)
    NPS 20.0 (95% CI -55.8 to 77.5), n = 4, 1 missing
    """
    sample = _sample(scores, NPS_SCALE, weights)
    _check_ci(ci)
    _check_method(method, NPS_METHODS)
    return nps_of_sample(sample, ci, method)


def nps_of_sample(sample: _Sample, ci: float, method: str) -> NpsResult:
    """:func:`nps` of an already validated sample."""
    if sample.n == 0:
        return NpsResult(score=np.nan, n=0, n_missing=sample.n_missing, n_effective=0.0,
                         se=np.nan, ci_low=np.nan, ci_high=np.nan, ci=ci, method=method,
                         promoters=np.nan, passives=np.nan, detractors=np.nan)
    p = sample.share(sample.values >= PROMOTER_FROM)
    d = sample.share(sample.values <= DETRACTOR_TO)
    passive = sample.share((sample.values > DETRACTOR_TO) & (sample.values < PROMOTER_FROM))
    n_eff = sample.n_effective
    se = float(np.sqrt(max(p + d - (p - d) ** 2, 0.0) / n_eff))
    centre, spread = p - d, se
    if method == "adjusted_wald":
        n_adj = n_eff + 3
        p_adj, d_adj = (p * n_eff + 0.75) / n_adj, (d * n_eff + 0.75) / n_adj
        centre = p_adj - d_adj
        spread = float(np.sqrt((p_adj + d_adj - (p_adj - d_adj) ** 2) / n_adj))
    z = _z(ci)
    low, high = (float(v) for v in np.clip([centre - z * spread, centre + z * spread], -1, 1))
    return NpsResult(score=100 * (p - d), n=sample.n, n_missing=sample.n_missing,
                     n_effective=n_eff, se=100 * se, ci_low=100 * low, ci_high=100 * high,
                     ci=ci, method=method, promoters=100 * p, passives=100 * passive,
                     detractors=100 * d)


# ---- study-level tables --------------------------------------------------------------------
def outcome_table(study: Study, by: str | Sequence[str] | None = None, ci: float = 0.95,
                  method: str = TOP_BOX_METHOD, nps_method: str = NPS_METHOD) -> pd.DataFrame:
    """Every outcome of a study with its interval, overall or per segment / wave.

    Parameters
    ----------
    study : Study
        The study; its weights are used when it has a weight column.
    by : str or list of str, optional
        Column(s) of ``study.data`` to split by (segments); ``"wave"`` names the study's wave
        column. Respondents with no value in a by-column are left out of the split table.
    ci : float
        Confidence level.
    method : {"wilson", "wald"}
        Interval of top-box outcomes (CSAT, CES, ratings); Wilson by default.
    nps_method : {"adjusted_wald", "wald"}
        Interval of NPS outcomes; adjusted Wald by default.

    Returns
    -------
    DataFrame
        One row per outcome (x combination of by-values present in the data), outcomes in
        study order and segments in natural order ("W2" before "W10"), with columns

        - ``outcome``, ``kind``: the outcome's name and kind (csat, nps, ces, rating)
        - one column per by-column, named as in the data
        - ``score``, ``ci_low``, ``ci_high``, ``se``: top-box % (CSAT, CES, rating) or NPS
          points
        - ``n``, ``n_missing``, ``n_effective``: answered, not answered, Kish effective n
        - ``mean``: mean rating (NaN for NPS)
        - ``promoters``, ``passives``, ``detractors``: % (NaN except for NPS)
        - ``small_base``: True when ``n`` is below :data:`MIN_BASE`

        ``attrs``: ``ci``, ``method``, ``nps_method``, ``by``, ``weighted``, ``min_base`` and
        ``warnings`` (one line per small base).

    Notes
    -----
    Each cell is :func:`csat`, :func:`nps`, :func:`ces` or :func:`top_box` (for ``rating``
    outcomes, with the outcome's top box or the default) on the rows of that segment, with
    the study weights.

    Examples
    --------
    >>> import pandas as pd
    >>> from drivers.io import study_from_frame
    >>> frame = pd.DataFrame({"sat": [5, 4, 2, 5, 3, 4], "rec": [10, 9, 3, 8, 6, 10],
    ...                       "a": [5, 4, 1, 4, 3, 5], "wave": ["W2", "W10", "W2", "W10", "W2", "W2"]})
    >>> spec = {"wave": "wave", "dimensions": {"PX": {"attributes": ["a"]}},
    ...         "outcomes": {"csat": {"column": "sat", "kind": "csat"},
    ...                      "nps": {"column": "rec", "kind": "nps"}}}
    >>> study = study_from_frame(frame, spec)
    >>> outcome_table(study, by="wave")[["outcome", "wave", "score", "n"]]
      outcome wave  score  n
    0    csat   W2   50.0  4
    1    csat  W10  100.0  2
    2     nps   W2    0.0  4
    3     nps  W10   50.0  2
    """
    _check_ci(ci)
    _check_method(method, TOP_BOX_METHODS)
    _check_method(nps_method, NPS_METHODS)
    columns = _by_columns(study, by, reserved=["outcome", "kind", *OUTCOME_COLUMNS])
    weights = study.weights
    rows = []
    for outcome in study.outcomes.values():
        scores = study.data[outcome.column]
        for key, mask in _groups(study, columns):
            w = None if weights is None else weights[mask]
            try:
                result = _outcome_result(outcome, scores[mask], w, ci, method, nps_method)
            except ValueError as error:
                raise ValueError(f"outcome {outcome.name!r}: {error}") from None
            rows.append(outcome_row(outcome, dict(zip(columns, key, strict=True)), result))
    return outcome_frame(rows, columns, ci, method, nps_method, weights is not None)


def outcome_row(outcome, cell: dict, result: RatingResult | NpsResult) -> dict:
    """One row of :func:`outcome_table`: an outcome's result in one cell."""
    if outcome.kind == "nps":
        extra = {"mean": np.nan, "promoters": result.promoters,
                 "passives": result.passives, "detractors": result.detractors}
    else:
        extra = {"mean": result.mean, "promoters": np.nan, "passives": np.nan,
                 "detractors": np.nan}
    return {"outcome": outcome.name, "kind": outcome.kind, **cell,
            "score": result.score, "ci_low": result.ci_low,
            "ci_high": result.ci_high, "se": result.se, "n": result.n,
            "n_missing": result.n_missing, "n_effective": result.n_effective,
            **extra, "small_base": result.n < MIN_BASE}


def outcome_frame(rows: list[dict], columns: list[str], ci: float, method: str,
                  nps_method: str, weighted: bool) -> pd.DataFrame:
    """:func:`outcome_table` from its rows (:func:`outcome_row`)."""
    table = pd.DataFrame(rows, columns=["outcome", "kind", *columns, *OUTCOME_COLUMNS])
    table.attrs.update({"ci": ci, "method": method, "nps_method": nps_method,
                        "by": columns, "weighted": weighted, "min_base": MIN_BASE,
                        "warnings": small_base_warnings(table, "outcome", columns)})
    return table


def small_base_warnings(table: pd.DataFrame, name: str, by: Sequence[str]) -> list[str]:
    """One line per row of a metrics table whose score rests on fewer than MIN_BASE answers.

    Parameters
    ----------
    table : DataFrame
        A table with ``n`` and ``small_base`` columns, e.g. from :func:`outcome_table`.
    name : str
        The column naming what was scored (``"outcome"``, ``"attribute"``, ``"dimension"``).
    by : list of str
        The segment columns of the table.

    Returns
    -------
    list of str

    Examples
    --------
    >>> table = pd.DataFrame({"outcome": ["csat", "csat"], "channel": ["app", "branch"],
    ...                       "n": [250, 1], "small_base": [False, True]})
    >>> small_base_warnings(table, "outcome", ["channel"])
    ['small base: csat (channel = branch) rests on 1 answer, fewer than 30; read it as indicative']
    """
    lines = []
    for _, row in table[table["small_base"]].iterrows():
        where = ", ".join(f"{column} = {row[column]}" for column in by)
        n = int(row["n"])
        lines.append(f"small base: {row[name]}{f' ({where})' if where else ''} rests on "
                     f"{'no' if n == 0 else n} answer{'' if n == 1 else 's'}, fewer than "
                     f"{MIN_BASE}; read it as indicative")
    return lines


def _outcome_result(outcome, scores: pd.Series, weights, ci: float, method: str,
                    nps_method: str) -> RatingResult | NpsResult:
    """The flat metric of one outcome's kind; ``rating`` outcomes are read like CSAT."""
    if outcome.kind == "nps":
        return nps(scores, weights=weights, ci=ci, method=nps_method)
    function = {"csat": csat, "ces": ces}.get(outcome.kind, top_box)
    return function(scores, scale=outcome.scale, top=outcome_top(outcome), weights=weights,
                    ci=ci, method=method)


def outcome_top(outcome) -> int:
    """The top box an outcome is scored on: its own, else its kind's default."""
    if outcome.top is not None:
        return outcome.top
    return 3 if outcome.kind == "ces" else default_top_box(outcome.scale)


#: The result class of each outcome kind (``rating`` outcomes are read like CSAT).
RESULT_KINDS = {"csat": CsatResult, "ces": CesResult}


def outcome_result_of_sample(outcome, sample: _Sample, ci: float, method: str,
                             nps_method: str) -> RatingResult | NpsResult:
    """:func:`_outcome_result` of an already validated sample."""
    if outcome.kind == "nps":
        return nps_of_sample(sample, ci, nps_method)
    return rating_of_sample(RESULT_KINDS.get(outcome.kind, RatingResult), sample,
                            outcome.scale, outcome_top(outcome), ci, method)


def attribute_performance(study: Study, by: str | Sequence[str] | None = None,
                          top: int | None = None, ci: float = 0.95,
                          lang: str = "en") -> pd.DataFrame:
    """How each attribute performs: mean rating with interval, and top-box percentage.

    Parameters
    ----------
    study : Study
        The study; weighted when it has a weight column.
    by : str or list of str, optional
        Segment column(s) (or ``"wave"``), as in :func:`outcome_table`.
    top : int, optional
        Scale points in the top box; default 2 (top-2 box) on every attribute's scale.
    ci : float
        Confidence level of the mean.
    lang : str
        ``"en"`` or the study's second language, for ``label``.

    Returns
    -------
    DataFrame
        One row per attribute (x by-values), in dimension order, with columns

        - ``dimension``, ``attribute``, ``label``
        - one column per by-column
        - ``mean``, ``mean_ci_low``, ``mean_ci_high``: (weighted) mean rating and its
          Student-t interval
        - ``top_box``: % of answers in the top box
        - ``n``, ``n_missing``: respondents who answered and who did not
        - ``small_base``: True when ``n`` is below :data:`MIN_BASE`

        ``attrs``: ``ci``, ``top``, ``by``, ``weighted``, ``min_base`` and ``warnings`` (one
        line per small base).

    Notes
    -----
    Each row is :func:`top_box` on the attribute's answers (see :func:`csat` for the
    estimators). Reverse-scored attributes are already recoded in ``study.data`` (high = good).

    Examples
    --------
    >>> import pandas as pd
    >>> from drivers.io import study_from_frame
    >>> frame = pd.DataFrame({"sat": [5, 4, 2, 5], "a": [5, 4, 1, 3], "b": [4, None, 2, 5]})
    >>> spec = {"outcomes": {"csat": {"column": "sat", "kind": "csat"}},
    ...         "dimensions": {"PX": {"attributes": ["a", "b"]}}}
    >>> table = attribute_performance(study_from_frame(frame, spec))
    >>> table[["attribute", "mean", "top_box", "n", "n_missing"]].round(2)
      attribute  mean  top_box  n  n_missing
    0         a  3.25    50.00  4          0
    1         b  3.67    66.67  3          1
    """
    _check_ci(ci)
    columns = _by_columns(study, by, reserved=["dimension", "attribute", "label",
                                               *ATTRIBUTE_COLUMNS])
    weights = study.weights
    rows = []
    for column in study.attribute_columns:
        attribute = study.attributes.get(column)
        scale = attribute.scale if attribute is not None else (1, 5)
        size = 2 if top is None else top
        for key, mask in _groups(study, columns):
            try:
                result = top_box(study.data.loc[mask, column], scale=scale, top=size,
                                 weights=None if weights is None else weights[mask], ci=ci)
            except ValueError as error:
                raise ValueError(f"attribute {column!r}: {error}") from None
            rows.append(attribute_row(study, column, dict(zip(columns, key, strict=True)),
                                      result, lang))
    return attribute_frame(rows, columns, ci, top, weights is not None)


def attribute_row(study: Study, column: str, cell: dict, result: RatingResult,
                  lang: str) -> dict:
    """One row of :func:`attribute_performance`: an attribute's result in one cell."""
    return {"dimension": study.dimension_of(column), "attribute": column,
            "label": study.label(column, lang), **cell,
            "mean": result.mean, "mean_ci_low": result.mean_ci_low,
            "mean_ci_high": result.mean_ci_high,
            "top_box": result.score, "n": result.n,
            "n_missing": result.n_missing, "small_base": result.n < MIN_BASE}


def attribute_frame(rows: list[dict], columns: list[str], ci: float, top: int | None,
                    weighted: bool) -> pd.DataFrame:
    """:func:`attribute_performance` from its rows (:func:`attribute_row`)."""
    table = pd.DataFrame(rows, columns=["dimension", "attribute", "label", *columns,
                                        *ATTRIBUTE_COLUMNS])
    table.attrs.update({"ci": ci, "top": top, "by": columns, "weighted": weighted,
                        "min_base": MIN_BASE,
                        "warnings": small_base_warnings(table, "attribute", columns)})
    return table


def dimension_performance(study: Study, by: str | Sequence[str] | None = None,
                          top: int | None = None, ci: float = 0.95,
                          lang: str = "en") -> pd.DataFrame:
    """How each experience dimension performs: mean composite score and pooled top-box %.

    Parameters
    ----------
    study : Study
        The study; weighted when it has a weight column.
    by : str or list of str, optional
        Segment column(s) (or ``"wave"``), as in :func:`outcome_table`.
    top : int, optional
        Scale points in the top box of each attribute; default 2.
    ci : float
        Confidence level of the mean.
    lang : str
        ``"en"`` or the study's second language, for ``label``.

    Returns
    -------
    DataFrame
        One row per dimension (x by-values), with columns

        - ``dimension``, ``label``
        - one column per by-column
        - ``mean``, ``mean_ci_low``, ``mean_ci_high``: (weighted) mean over respondents of the
          dimension composite (:meth:`Study.dimension_scores`, the mean of the attributes each
          respondent answered) and its Student-t interval
        - ``top_box``: % of all the dimension's answers in their attribute's top box
        - ``n``: respondents with a composite (answered at least one attribute)
        - ``n_missing``: respondents who answered none of the dimension's attributes
        - ``n_answers``: answers pooled in ``top_box``
        - ``small_base``: True when ``n`` is below :data:`MIN_BASE`

        ``attrs``: ``ci``, ``top``, ``by``, ``weighted``, ``min_base`` and ``warnings``.

    Notes
    -----
    ``top_box = sum_i w_i t_i / sum_i w_i a_i`` where respondent ``i`` answered ``a_i`` of the
    dimension's attributes, ``t_i`` of them in the top box. It carries no interval: a
    respondent's answers are correlated, so a binomial interval on the pooled answers would be
    too narrow.

    Examples
    --------
    >>> import pandas as pd
    >>> from drivers.io import study_from_frame
    >>> frame = pd.DataFrame({"sat": [5, 4, 2, 5], "a": [5, 4, 1, 3], "b": [4, None, 2, 5]})
    >>> spec = {"outcomes": {"csat": {"column": "sat", "kind": "csat"}},
    ...         "dimensions": {"PX": {"attributes": ["a", "b"]}}}
    >>> table = dimension_performance(study_from_frame(frame, spec))
    >>> table[["dimension", "mean", "top_box", "n", "n_answers"]]
      dimension  mean    top_box  n  n_answers
    0        PX   3.5  57.142857  4          7
    """
    _check_ci(ci)
    columns = _by_columns(study, by, reserved=["dimension", "label", *DIMENSION_COLUMNS])
    weights = study.weights
    all_weights = (np.ones(len(study.data)) if weights is None
                   else weights.to_numpy(dtype=float))
    composites = study.dimension_scores()
    rows = []
    for name, dimension in study.dimensions.items():
        answered, in_top = dimension_answers(study, list(dimension.attributes), top)
        for key, mask in _groups(study, columns):
            w = all_weights[mask]
            mean = _mean_summary(composites.loc[mask, name].to_numpy(dtype=float), w, ci)
            answers = answered[mask]
            rows.append(dimension_row(study, name, dict(zip(columns, key, strict=True)), mean,
                                      float(np.sum(w * in_top[mask])),
                                      float(np.sum(w * answers)), int(answers.sum()), lang))
    return dimension_frame(rows, columns, ci, top, weights is not None)


def dimension_answers(study: Study, attributes: list[str], top: int | None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Per respondent: how many of ``attributes`` they answered, and how many of those
    answers are in their attribute's top box (``top`` points, default 2)."""
    answered = study.data[attributes].notna().to_numpy()
    in_top = np.zeros_like(answered, dtype=float)
    for j, column in enumerate(attributes):
        attribute = study.attributes.get(column)
        scale = attribute.scale if attribute is not None else (1, 5)
        size = 2 if top is None else top
        _check_top(scale, size)
        values = study.data[column].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            in_top[:, j] = values >= scale[1] - size + 1
    in_top[~answered] = 0.0
    return answered.sum(axis=1), in_top.sum(axis=1)


def dimension_row(study: Study, name: str, cell: dict, mean: dict, top_weight: float,
                  answer_weight: float, n_answers: int, lang: str) -> dict:
    """One row of :func:`dimension_performance`: ``mean`` (:func:`_mean_summary` of the
    composites), the weighted answers in the top box and in all (``sum w t``, ``sum w a``)."""
    share = 100 * top_weight / answer_weight if answer_weight > 0 else np.nan
    return {"dimension": name, "label": study.label(name, lang), **cell, **mean,
            "top_box": share, "n_answers": n_answers, "small_base": mean["n"] < MIN_BASE}


def dimension_frame(rows: list[dict], columns: list[str], ci: float, top: int | None,
                    weighted: bool) -> pd.DataFrame:
    """:func:`dimension_performance` from its rows (:func:`dimension_row`)."""
    table = pd.DataFrame(rows, columns=["dimension", "label", *columns, *DIMENSION_COLUMNS])
    table.attrs.update({"ci": ci, "top": top, "by": columns, "weighted": weighted,
                        "min_base": MIN_BASE,
                        "warnings": small_base_warnings(table, "dimension", columns)})
    return table


def metrics_summary(study: Study, ci: float = 0.95) -> dict[str, pd.DataFrame]:
    """The metric tables of a study, for the CLI and reports.

    Parameters
    ----------
    study : Study
        The study.
    ci : float
        Confidence level.

    Returns
    -------
    dict of str -> DataFrame
        ``"outcomes"`` (:func:`outcome_table` overall), ``"outcomes_by_<segment>"`` for each
        segment column, ``"outcomes_by_wave"`` when the study has a wave column,
        ``"attributes"`` (:func:`attribute_performance`) and ``"dimensions"``
        (:func:`dimension_performance`), in that order.

    Examples
    --------
    >>> import pandas as pd
    >>> from drivers.io import study_from_frame
    >>> frame = pd.DataFrame({"sat": [5, 4, 2, 5], "a": [5, 4, 1, 3], "ch": ["app", "web"] * 2})
    >>> spec = {"segments": ["ch"], "outcomes": {"csat": {"column": "sat", "kind": "csat"}},
    ...         "dimensions": {"PX": {"attributes": ["a"]}}}
    >>> list(metrics_summary(study_from_frame(frame, spec)))
    ['outcomes', 'outcomes_by_ch', 'attributes', 'dimensions']
    """
    tables = {"outcomes": outcome_table(study, ci=ci)}
    for segment in study.segment_columns:
        if segment != study.wave_column:
            tables[f"outcomes_by_{segment}"] = outcome_table(study, by=segment, ci=ci)
    if study.wave_column is not None:
        tables["outcomes_by_wave"] = outcome_table(study, by=study.wave_column, ci=ci)
    tables["attributes"] = attribute_performance(study, ci=ci)
    tables["dimensions"] = dimension_performance(study, ci=ci)
    return tables


# ---- estimation helpers --------------------------------------------------------------------
@dataclass(frozen=True)
class _Sample:
    """The answered values of one column and their weights.

    Either one entry per respondent (``counts`` None: ``weights`` are theirs), or one entry
    per distinct value with ``counts`` respondents, ``weights`` the sum of their weights and
    ``weights_sq`` the sum of their squares: every estimator here needs only those sums, so
    a column that never sits in memory (:mod:`drivers.filestudy`) is scored by the same code.
    """

    values: np.ndarray
    weights: np.ndarray
    n_missing: int
    weights_sq: np.ndarray | None = None
    counts: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.values) if self.counts is None else int(self.counts.sum())

    @property
    def n_effective(self) -> float:
        if not self.n:
            return 0.0
        squares = (self.weights @ self.weights if self.weights_sq is None
                   else self.weights_sq.sum())
        return kish_n(self.weights.sum(), squares)

    def share(self, indicator: np.ndarray) -> float:
        return float(np.sum(self.weights * indicator) / self.weights.sum())


def _rating(kind: type[RatingResult], scores, scale, top, weights, ci, method) -> RatingResult:
    _check_top(_check_scale(scale), top)
    _check_ci(ci)
    _check_method(method, TOP_BOX_METHODS)
    return rating_of_sample(kind, _sample(scores, scale, weights), scale, top, ci, method)


def rating_of_sample(kind: type[RatingResult], sample: _Sample, scale, top, ci: float,
                     method: str) -> RatingResult:
    """:func:`csat` / :func:`ces` / :func:`top_box` of an already validated sample."""
    mean = _mean_summary(sample.values, sample.weights, ci, sample.weights_sq, sample.counts)
    common = {"n": sample.n, "n_missing": sample.n_missing, "ci": ci, "method": method,
              "mean": mean["mean"], "mean_se": mean["mean_se"],
              "mean_ci_low": mean["mean_ci_low"], "mean_ci_high": mean["mean_ci_high"],
              "scale": (int(scale[0]), int(scale[1])), "top": int(top)}
    if sample.n == 0:
        return kind(score=np.nan, n_effective=0.0, se=np.nan, ci_low=np.nan, ci_high=np.nan,
                    **common)
    p = sample.share(sample.values >= scale[1] - top + 1)
    se, low, high = proportion_ci(p, sample.n_effective, ci, method)
    return kind(score=100 * p, n_effective=sample.n_effective, se=100 * se, ci_low=100 * low,
                ci_high=100 * high, **common)


def proportion_ci(p: float, n: float, ci: float = 0.95, method: str = "wilson"
                  ) -> tuple[float, float, float]:
    """Standard error and (Wald or Wilson) interval of a proportion on ``n`` (effective).

    The one Wilson (1927) score interval of the package; ``n`` is Kish's effective n under
    weights.

    >>> [round(v, 4) for v in proportion_ci(0.2, 100)]
    [0.04, 0.1334, 0.2888]
    """
    z = _z(ci)
    se = float(np.sqrt(p * (1 - p) / n))
    if method == "wilson":
        shrink = 1 + z ** 2 / n
        centre = (p + z ** 2 / (2 * n)) / shrink
        half = z / shrink * np.sqrt(p * (1 - p) / n + z ** 2 / (4 * n ** 2))
    else:
        centre, half = p, z * se
    low, high = np.clip([centre - half, centre + half], 0.0, 1.0)
    return se, float(low), float(high)


def _mean_summary(values: np.ndarray, weights: np.ndarray, ci: float,
                  weights_sq: np.ndarray | None = None, counts: np.ndarray | None = None
                  ) -> dict[str, float]:
    """Weighted mean, linearisation SE and t interval, plus n / n_missing of ``values``
    (one entry per respondent, or per distinct value with ``counts``, ``weights_sq``: see
    :class:`_Sample`)."""
    answered = ~np.isnan(values)
    x, w = values[answered], weights[answered]
    rows = np.ones(len(values), dtype=np.int64) if counts is None else counts
    out = {"mean": np.nan, "mean_se": np.nan, "mean_ci_low": np.nan, "mean_ci_high": np.nan,
           "n": int(rows[answered].sum()), "n_missing": int(rows[~answered].sum())}
    total = w.sum()
    if total <= 0:
        return out
    mean = float(np.sum(w * x) / total)
    out["mean"] = mean
    positive = w > 0
    m = int(rows[answered][positive].sum())
    if m >= 2:
        spread = (np.sum((w * (x - mean)) ** 2) if weights_sq is None
                  else np.sum(weights_sq[answered] * (x - mean) ** 2))
        se = float(np.sqrt(m / (m - 1) * spread) / total)
        t = float(special.stdtrit(m - 1, (1 + ci) / 2))  # = scipy.stats.t.ppf
        out.update(mean_se=se, mean_ci_low=mean - t * se, mean_ci_high=mean + t * se)
    return out


def _z(ci: float) -> float:
    return float(special.ndtri((1 + ci) / 2))  # = scipy.stats.norm.ppf


# ---- input checks --------------------------------------------------------------------------
def _sample(scores, scale: tuple[int, int], weights) -> _Sample:
    """Validate scores (and weights) and keep the answered ones, with their weights."""
    series = _as_series(scores, "scores")
    name = f"column {series.name!r}" if series.name is not None else "scores"
    missing = series.isna().to_numpy()
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    not_numeric = np.isnan(numbers) & ~missing
    if not_numeric.any():
        shown = pd.unique(np.array([str(v) for v in series[not_numeric]]))[:SHOWN]
        raise ValueError(f"{name}: expected numeric ratings, found "
                         f"{', '.join(repr(v) for v in shown)} {_where(series, not_numeric)}")
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(numbers) & (np.floor(numbers) == numbers)
        bad = ~missing & (~whole | (numbers < scale[0]) | (numbers > scale[1]))
    if bad.any():
        shown = pd.unique(numbers[bad])[:SHOWN]
        raise ValueError(f"{name}: values {', '.join(f'{v:g}' for v in shown)} are not whole "
                         f"numbers on the scale {scale[0]}-{scale[1]} "
                         f"{_where(series, bad)}; code missing answers as NaN")
    answered = ~missing
    w = np.ones(len(series)) if weights is None else _weights(weights, series, answered, name)
    return _Sample(values=numbers[answered], weights=w[answered],
                   n_missing=int(missing.sum()))


def _as_series(values, what: str) -> pd.Series:
    if isinstance(values, pd.DataFrame):
        raise ValueError(f"{what}: expected one column, got a DataFrame with columns "
                         f"{', '.join(map(str, values.columns))}")
    if isinstance(values, pd.Series):
        return values
    array = np.asarray(values, dtype=object)
    if array.ndim != 1:
        raise ValueError(f"{what}: expected a one-dimensional array, got shape {array.shape}")
    return pd.Series(array)


def _weights(weights, series: pd.Series, answered: np.ndarray, name: str) -> np.ndarray:
    if isinstance(weights, pd.Series) and not weights.index.equals(series.index):
        absent = series.index.difference(weights.index)
        if len(absent):
            raise ValueError(f"weights: no weight for index labels "
                             f"{', '.join(map(str, absent[:SHOWN]))} of {name}")
        weights = weights.reindex(series.index)
    w_series = _as_series(weights, "weights")
    if len(w_series) != len(series):
        raise ValueError(f"weights: expected one weight per score ({len(series)}), "
                         f"got {len(w_series)}")
    w = pd.to_numeric(w_series, errors="coerce").to_numpy(dtype=float)
    blank, negative = frequency_weight_faults(w)
    invalid = answered & (blank | negative)
    if invalid.any():
        shown = pd.unique(np.array([str(v) for v in w_series[invalid]]))[:SHOWN]
        raise ValueError(f"weights: expected non-negative numbers for every answered row of "
                         f"{name}, found {', '.join(shown)} {_where(series, invalid)}")
    if answered.any() and w[answered].sum() <= 0:
        raise ValueError(f"weights: the weights of the answered rows of {name} sum to zero")
    return w


def _where(series: pd.Series, mask: np.ndarray) -> str:
    """'at positions 2, 7' (0-based), with the index labels when they differ from positions."""
    positions = np.flatnonzero(mask)
    text = ("at position " if len(positions) == 1 else "at positions ") + ", ".join(
        str(p) for p in positions[:SHOWN])
    if len(positions) > SHOWN:
        text += f" and {len(positions) - SHOWN} more"
    if not series.index.equals(pd.RangeIndex(len(series))):
        labels = ", ".join(str(v) for v in series.index[positions[:SHOWN]])
        text += f" (index {labels})"
    return text


def _check_scale(scale) -> tuple[int, int]:
    if (not isinstance(scale, (tuple, list)) or len(scale) != 2
            or not all(isinstance(v, numbers.Real) and float(v).is_integer() for v in scale)
            or scale[0] >= scale[1]):
        raise ValueError(f"scale must be (lowest, highest) whole numbers with lowest < highest, "
                         f"got {scale!r}")
    return int(scale[0]), int(scale[1])


def _check_top(scale: tuple[int, int], top) -> None:
    points = scale[1] - scale[0] + 1
    if not isinstance(top, numbers.Integral) or not 1 <= top < points:
        raise ValueError(f"top must be a whole number of scale points from 1 to {points - 1} "
                         f"on the scale {scale[0]}-{scale[1]}, got {top!r}")


def _check_ci(ci: float) -> None:
    if not isinstance(ci, numbers.Real) or not 0 < ci < 1:
        raise ValueError(f"ci must be a confidence level between 0 and 1 (e.g. 0.95), got {ci!r}")


def _check_method(method: str, allowed: tuple[str, ...]) -> None:
    if method not in allowed:
        raise ValueError(f"method must be one of {', '.join(allowed)}, got {method!r}")


# ---- segments ------------------------------------------------------------------------------
def _by_columns(study: Study, by, reserved: list[str]) -> list[str]:
    """The by-columns as data column names (``"wave"`` -> the wave column), checked."""
    if by is None:
        return []
    names = [by] if isinstance(by, str) else list(by)
    columns = []
    for name in names:
        if name == "wave" and name not in study.data.columns:
            if study.wave_column is None:
                raise ValueError("by='wave': the study has no wave column (set wave: in the "
                                 "study file)")
            name = study.wave_column
        if name not in study.data.columns:
            known = [*study.segment_columns, *([study.wave_column] if study.wave_column else [])]
            raise ValueError(f"by: column {name!r} is not in the data; the study's segment and "
                             f"wave columns are {', '.join(known) or 'none'}")
        if name in reserved:
            raise ValueError(f"by: column {name!r} has the name of an output column; rename it")
        if name not in columns:
            columns.append(name)
    return columns


def _groups(study: Study, columns: list[str]):
    """(values, row mask) per combination of by-values present, in natural order.

    Blank values form the group :data:`drivers.study.NO_SEGMENT`, shown last, so that the
    groups add up to the whole sample (a study's own segment and wave columns already hold it).
    """
    if not columns:
        yield (), np.ones(len(study.data), dtype=bool)
        return
    frame = study.data[columns].copy()
    for column in columns:
        if frame[column].isna().any():
            values = frame[column]
            if isinstance(values.dtype, pd.CategoricalDtype):
                if NO_SEGMENT not in values.cat.categories:
                    values = values.cat.add_categories([NO_SEGMENT])
                frame[column] = values.fillna(NO_SEGMENT)
            else:
                frame[column] = values.astype(object).where(values.notna(), NO_SEGMENT)
    present = frame.drop_duplicates()
    orders = {c: level_order(frame[c]) for c in columns}
    keys = sorted((tuple(row) for row in present.itertuples(index=False)),
                  key=lambda key: tuple(orders[c](v) for c, v in zip(columns, key, strict=True)))
    for key in keys:
        mask = np.ones(len(frame), dtype=bool)
        for column, value in zip(columns, key, strict=True):
            mask &= (frame[column] == value).to_numpy(dtype=bool, na_value=False)
        yield key, mask


def natural_levels(values) -> list:
    """The distinct non-blank values of a segment or wave column, in natural order.

    The one ordering of waves and segments in the package: category order when the column is
    categorical, otherwise numbers by value and text with its digit runs read as numbers, so
    "W2" comes before "W9" and "W10" (a plain string sort would put "W10" first).

    >>> natural_levels(pd.Series(["W10", "W2", None, "W9", "W2"]))
    ['W2', 'W9', 'W10']
    >>> natural_levels(pd.Series(["2026Q3", "2026Q1"]))
    ['2026Q1', '2026Q3']
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    present = pd.unique(series.dropna())
    return sorted(present.tolist(), key=level_order(series))


def level_order(values: pd.Series):
    """Sort key of one by-column: category order if categorical, else natural order."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        positions = {v: i for i, v in enumerate(values.cat.categories)}
        return lambda v: (0, positions.get(v, len(positions)))
    return _natural_key


def _natural_key(value) -> tuple:
    """Numbers by value, text with its digit runs read as numbers ("W2" < "W10"); the
    "(no answer)" group last."""
    if isinstance(value, str) and value == NO_SEGMENT:
        return (2, ())
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return (0, float(value))
    chunks = re.split(r"(\d+)", str(value))
    return (1, tuple((0, int(c), "") if c.isdigit() else (1, 0, c.lower()) for c in chunks if c),
            str(value))
