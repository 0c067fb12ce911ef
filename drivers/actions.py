"""What to act on first: the expected gain of improving each driver, and one stated rule.

Importance says how much of the variation in an outcome a driver accounts for; a stakeholder
asks something else: "if we improve this, what do we get?". :func:`expected_gains` answers
in the unit the stakeholder reads (CSAT or CES top-box points, NPS points): fit a model of
the outcome on all the drivers, move one driver by a stated, realistic amount (by default
every respondent below the attribute's top box moves up one scale point), predict every
respondent's outcome with and without the move, and average the difference with the design
weights: the average effect of a counterfactual shift, with a bootstrap interval.

These are what the survey's associations predict, not a measured causal effect: a model
of survey answers cannot tell whether improving the service would raise satisfaction or
whether satisfied customers rate the service higher. They rank actions by the size of the
gain the data support; an experiment measures the effect.

:func:`first_actions` then applies one stated rule (:data:`FIRST_ACTION_RULE`), using each
driver's quadrant probability (from the priority matrix) and its expected gain, and returns
the rule as data so the report prints it.

Examples
--------
>>> import drivers
>>> study = drivers.load_study(drivers.bank_loan_study_file())
>>> gains = expected_gains(study, "nps", bootstrap=0)
>>> gains.sort_values("gain", ascending=False)["driver"].head(2).tolist()
['sx_agent_expertise', 'sx_explain_repayment']
>>> gains.attrs["unit"], gains.attrs["shift"]["id"]
('NPS points', 'one_point')
"""

from __future__ import annotations

import warnings as warnings_module
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import special

from drivers.blas import one_blas_thread
from drivers.bootstrap import bootstrap_samples, percentile_interval
from drivers.changes import score_unit
from drivers.metrics import DETRACTOR_TO, PROMOTER_FROM
from drivers.outcome_models import logistic_fit, ordinal_fit
from drivers.study import Study, default_top_box

#: Models of the outcome behind a gain: logistic regression of the top box (CSAT, CES) or of
#: being a promoter and a detractor (NPS, two models); a proportional-odds model of the whole
#: rating; or a linear probability model (gain = coefficient x mean shift).
GAIN_MODELS = ("logit", "ordinal", "linear")
#: The improvements a gain assumes.
SHIFTS = {
    "one_point": "every respondent below the top box of the attribute moves up one scale point",
    "best_segment": "every segment's ratings of the attribute move up by its gap to the best "
                    "segment's mean (no rating above the top of the scale)",
}
#: How blank driver answers enter the gains model.
GAIN_MISSING = ("mean", "listwise")
#: What every gain table says about what it is.
CAUTION = ("what the survey's associations predict if the attribute improved as stated, not "
           "a measured causal effect")

#: The first-action rule, as data: a message id and its parameters (see :func:`first_actions`).
FIRST_ACTION_RULE = {
    "id": "first_action_rule",
    "quadrant": "Fix first",
    "confidence": ("high", "moderate"),
    "rank_by": "gain_ci_low",
    "scale": "outcome_sd",
    "min_gain_low": 0.0,
    "ties": ("quadrant_probability", "driver"),
    "n": 3,
}


# ---------------------------------------------------------------- expected gains


def expected_gains(study: Study, outcome: str, shift: str = "one_point", by: str | None = None,
                   model: str = "logit", bootstrap: int = 1000, ci: float = 0.95,
                   seed: int | None = None, base: str = "driver", missing: str = "mean",
                   n_jobs: int = 2, progress: bool | None = None) -> pd.DataFrame:
    """Expected change in an outcome if each attribute improved by a stated amount.

    Parameters
    ----------
    study : Study
        The survey.
    outcome : str
        Outcome name: a top-box outcome (CSAT, CES, rating) or NPS.
    shift : {"one_point", "best_segment"}
        The improvement (:data:`SHIFTS`). ``one_point``: every respondent rating the attribute
        below its top box (top-2 on a 5-point scale, :func:`drivers.study.default_top_box`)
        moves up one point. ``best_segment``: the respondents of each segment of ``by`` move
        up by their segment's gap to the best segment's weighted mean, capped at the top of
        the scale.
    by : str, optional
        Segment column, for ``shift="best_segment"``.
    model : {"logit", "ordinal", "linear"}
        ``logit`` (default): weighted logistic regression of the top box or, for NPS, of
        being a promoter (9-10) and of being a detractor (0-6), so that the gain is the change
        in promoters minus the change in detractors. ``ordinal``: one proportional-odds model
        of the whole rating. ``linear``: a linear probability model (the gain is the
        coefficient times the mean shift).
    bootstrap : int
        Respondent resamples for the interval (0: none).
    ci : float
        Interval level (percentile interval).
    seed : int, optional
        Seed of the resampling.
    base : {"driver", "all"}
        Respondents (:func:`drivers.analysis.driver_base` by default).
    missing : {"mean", "listwise"}
        Blank attribute answers: ``mean`` keeps the respondent, fills the blank with the
        attribute's weighted mean (recomputed in every resample) and does not move it (there
        is no rating to improve); ``listwise`` keeps complete rows only.
    n_jobs, progress
        Bootstrap processes and progress bar.

    Returns
    -------
    DataFrame
        One row per attribute, in study order: ``driver``, ``label``, ``dimension``,
        ``share_moved`` (weighted % of respondents the shift moves), ``mean_shift`` (weighted
        mean scale points moved, over everyone), ``gain``, ``gain_ci_low``, ``gain_ci_high``
        (outcome points), ``unit`` ("top-box points" or "NPS points"), ``rank`` (1 = largest
        gain). ``attrs``: ``outcome``, ``kind``, ``unit``, ``model``, ``shift`` (``id``,
        ``description`` and parameters: the message of the improvement assumed), ``base``,
        ``missing``, ``n_used``, ``imputed_cells``, ``outcome_sd`` (weighted standard
        deviation of the respondents' outcome score, in the unit), ``score`` (the outcome's
        weighted score on these respondents), ``bootstrap``, ``ci``, ``seed``,
        ``interval_method``, ``failed_resamples``, ``caution``, ``warnings``.

    Notes
    -----
    With ``f`` the fitted model's expected score of a respondent (top-box probability, or
    promoter minus detractor probability) and ``x_i^(j)`` respondent ``i``'s ratings with
    attribute ``j`` shifted, ``gain_j = 100 sum_i w_i [f(x_i^(j)) - f(x_i)] / sum_i w_i``:
    the average marginal effect of a counterfactual shift (the "average predictive
    comparison" of Gelman & Pardoe 2007; the ``avg_comparisons`` of R's marginaleffects).
    For a linear model it is ``100 beta_j mean_w(shift_j)``. The interval re-fits the model
    and re-computes the average on respondent resamples (:mod:`drivers.bootstrap`, design
    weights carried). It is a prediction from associations in one survey: the drivers are
    correlated and the model is not a causal design, so a gain is the size of the
    improvement the data are consistent with, not a promise.

    Gelman, A. & Pardoe, I. (2007). Average predictive comparisons for models with
    nonlinearity, interactions, and variance components. Sociological Methodology 37, 23-51.

    Examples
    --------
    >>> import drivers
    >>> study = drivers.load_study(drivers.bank_loan_study_file())
    >>> gains = expected_gains(study, "csat", bootstrap=0)
    >>> top = gains.sort_values("rank").iloc[0]
    >>> top["driver"], top["unit"], bool(0 < top["gain"] < 10)
    ('bx_promise_rate', 'top-box points', True)
    """
    from drivers.analysis import resolve_base, with_labels

    if model not in GAIN_MODELS:
        raise ValueError(f"model must be one of {', '.join(GAIN_MODELS)}, got {model!r}")
    if shift not in SHIFTS:
        raise ValueError(f"shift must be one of {', '.join(SHIFTS)}, got {shift!r}")
    if missing not in GAIN_MISSING:
        raise ValueError(f"missing must be one of {', '.join(GAIN_MISSING)}, got {missing!r}")
    if int(bootstrap) != bootstrap or bootstrap < 0:
        raise ValueError(f"bootstrap must be a whole number of resamples >= 0, got {bootstrap!r}")
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1 (e.g. 0.95), got {ci!r}")
    target = study.outcome(outcome)
    rows, facts, _ = resolve_base(study, base, "shapley", None)
    attributes = rows.attribute_columns
    scales = [rows.attributes[a].scale for a in attributes]
    y = rows.data[target.column].to_numpy(dtype=float)
    X = rows.data[attributes].to_numpy(dtype=float)
    w = (np.ones(len(y)) if rows.weight_column is None
         else rows.data[rows.weight_column].to_numpy(dtype=float))
    groups = _segment_codes(rows, by, shift)
    keep = ~np.isnan(y)
    if missing == "listwise":
        keep &= ~np.isnan(X).any(axis=1)
    X, y, w, groups = X[keep], y[keep], w[keep], groups[keep]
    if len(y) < X.shape[1] + 10:
        raise ValueError(f"expected_gains: {len(y)} respondents for {X.shape[1]} attributes; "
                         "too few to fit the outcome model")
    statistic = GainStatistic(target.kind, _threshold(target), model, shift, scales, groups)
    with one_blas_thread():
        point = statistic.gains_and_shifts(X, y, w)
    table = pd.DataFrame({"driver": attributes, "share_moved": point["share_moved"],
                          "mean_shift": point["mean_shift"], "gain": point["gain"]})
    failed = 0
    if bootstrap:
        samples = bootstrap_samples(statistic, X, y, w, n_resamples=int(bootstrap), seed=seed,
                                    n_jobs=n_jobs, progress=bool(progress),
                                    description=f"gains {outcome}")
        failed = int(np.isnan(samples).all(axis=1).sum())
        with warnings_module.catch_warnings():  # all resamples failed: NaN, said below
            warnings_module.simplefilter("ignore", RuntimeWarning)
            table["gain_ci_low"], table["gain_ci_high"] = percentile_interval(samples, ci)
    else:
        table["gain_ci_low"] = table["gain_ci_high"] = np.nan
    unit = score_unit(target.kind)
    table["unit"] = unit
    table["rank"] = table["gain"].rank(ascending=False, method="min").astype(int)
    table = with_labels(table, study)
    warnings = []
    imputed = int(np.isnan(X).sum())
    worst = np.isnan(X).mean(axis=0)
    if missing == "mean" and worst.max() > 0.10:
        heavy = ", ".join(a for a, share in zip(attributes, worst, strict=True) if share > 0.10)
        warnings.append(f"more than 10% of the answers of {heavy} are blank and were filled with "
                        "the attribute's mean: their gains are attenuated; compare "
                        "missing='listwise'")
    if failed:
        warnings.append(f"the outcome model could not be fitted in {failed} of {bootstrap} "
                        "resamples (separation); the interval uses the others")
    sd, score = _outcome_spread(y, w, target, statistic.threshold)
    table.attrs = {"outcome": outcome, "kind": target.kind, "unit": unit, "model": model,
                   "shift": shift_message(shift, by, scales), "base": facts, "missing": missing,
                   "n_used": int(len(y)), "imputed_cells": imputed, "outcome_sd": sd,
                   "score": score, "bootstrap": int(bootstrap), "ci": ci, "seed": seed,
                   "interval_method": "percentile" if bootstrap else None,
                   "failed_resamples": failed, "caution": CAUTION, "warnings": warnings}
    return table


def shift_message(shift: str, by: str | None, scales: Sequence[tuple[int, int]]) -> dict:
    """The improvement a gain assumes, as a message id with its parameters.

    >>> shift_message("one_point", None, [(1, 5)])
    {'id': 'one_point', 'description': 'every respondent below the top box of the attribute moves up one scale point', 'points': 1, 'top_box': [2]}
    """
    message = {"id": shift, "description": SHIFTS[shift]}
    if shift == "one_point":
        message.update({"points": 1,
                        "top_box": sorted({default_top_box(tuple(s)) for s in scales})})
    else:
        message["by"] = by
    return message


class GainStatistic:
    """Expected gains of every driver from one (re)sample: ``f(X, y, w) -> gains``.

    Picklable, for :func:`drivers.bootstrap.bootstrap_samples`; ``w`` are design weights times
    resample counts. ``X`` may hold NaN for blank answers (filled with the weighted mean of
    the resample, and never moved).
    """

    def __init__(self, kind: str, threshold: float, model: str, shift: str,
                 scales: Sequence[tuple[int, int]], groups: np.ndarray | None = None):
        self.kind, self.threshold, self.model, self.shift = kind, threshold, model, shift
        self.scales = [tuple(s) for s in scales]
        self.groups = groups

    def __call__(self, X: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
        try:
            return self.gains_and_shifts(X, y, w)["gain"]
        except ValueError:  # a resample the model cannot fit (separation): left out
            return np.full(X.shape[1], np.nan)

    def gains_and_shifts(self, X: np.ndarray, y: np.ndarray, w: np.ndarray) -> dict:
        keep = w > 0
        X, y, w = X[keep], y[keep], w[keep]
        groups = None if self.groups is None else self.groups[keep]
        answered = ~np.isnan(X)
        answered_weight = answered.T @ w
        if not np.all(answered_weight > 0):
            raise ValueError("an attribute has no answer in this sample")
        means = np.where(answered, X, 0.0).T @ w / answered_weight
        filled = np.where(answered, X, means)
        slopes, expected = self.fit(filled, y, w)
        # The model sees the drivers only through its linear index (one column, two for NPS
        # from two logits): moving attribute j by delta moves the index by delta x slope_j,
        # so each driver's what-if costs O(n), not a new n x k product.
        index = filled @ slopes
        total = w.sum()
        baseline = w @ expected(index) / total
        gains, moved, mean_shift = [], [], []
        for j in range(X.shape[1]):
            delta = self.shifted(j, X[:, j], answered[:, j], w, groups)
            gains.append(100 * (w @ expected(index + delta[:, None] * slopes[j]) / total
                                - baseline))
            moved.append(100 * (w @ (delta > 0)) / total)
            mean_shift.append(w @ delta / total)
        return {"gain": np.array(gains), "share_moved": np.array(moved),
                "mean_shift": np.array(mean_shift)}

    def shifted(self, j: int, x: np.ndarray, answered: np.ndarray, w: np.ndarray,
                groups: np.ndarray | None) -> np.ndarray:
        """Scale points each respondent moves on attribute ``j`` (0 for blanks)."""
        low, high = self.scales[j]
        if self.shift == "one_point":
            below = answered & (x < high - default_top_box((low, high)) + 1)
            return np.where(below, 1.0, 0.0)
        delta = np.zeros(len(x))
        levels = [g for g in np.unique(groups[groups >= 0])
                  if (answered & (groups == g)).any()]
        means = {g: np.average(x[answered & (groups == g)], weights=w[answered & (groups == g)])
                 for g in levels}
        best = max(means.values())
        for g in levels:
            rows = answered & (groups == g)
            delta[rows] = np.minimum(x[rows] + best - means[g], high) - x[rows]
        return delta

    def fit(self, X: np.ndarray, y: np.ndarray, w: np.ndarray):
        """Fit the outcome model; return ``(slopes, expected)``: the slopes ``(k, q)`` that
        make the model's linear index ``X @ slopes`` (``q`` = 1, or 2 for NPS from two
        logits) and ``expected(index) -> expected score`` per respondent (0..1 or -1..1)."""
        if self.model == "linear":
            score = self.score(y)
            design = np.column_stack([np.ones(len(y)), X])
            root = np.sqrt(w)
            coef = np.linalg.lstsq(design * root[:, None], score * root, rcond=None)[0]
            return coef[1:, None], lambda index: coef[0] + index[:, 0]
        if self.model == "ordinal":
            params, _ = ordinal_fit(X, y, w)
            k = X.shape[1]
            beta, raw = params[:k], params[k:]
            cuts = np.concatenate([[raw[0]], raw[0] + np.cumsum(np.exp(raw[1:]))])
            levels = np.unique(y)

            def at_most(value, index):  # P(rating <= value), value between two levels
                position = np.searchsorted(levels, value, side="right") - 1
                if position < 0:
                    return np.zeros(len(index))
                if position >= len(cuts):
                    return np.ones(len(index))
                return special.expit(cuts[position] - index[:, 0])

            if self.kind == "nps":
                return beta[:, None], lambda index: ((1 - at_most(PROMOTER_FROM - 0.5, index))
                                                     - at_most(DETRACTOR_TO, index))
            return beta[:, None], lambda index: 1 - at_most(self.threshold - 0.5, index)
        if self.kind == "nps":
            promoter, _ = logistic_fit(X, (y >= PROMOTER_FROM).astype(float), w)
            detractor, _ = logistic_fit(X, (y <= DETRACTOR_TO).astype(float), w)
            slopes = np.column_stack([promoter[1:], detractor[1:]])
            return slopes, lambda index: (special.expit(promoter[0] + index[:, 0])
                                          - special.expit(detractor[0] + index[:, 1]))
        coef, _ = logistic_fit(X, (y >= self.threshold).astype(float), w)
        return coef[1:, None], lambda index: special.expit(coef[0] + index[:, 0])

    def score(self, y: np.ndarray) -> np.ndarray:
        """Each respondent's outcome score: top box 0/1, or +1 promoter, -1 detractor."""
        if self.kind == "nps":
            return (y >= PROMOTER_FROM).astype(float) - (y <= DETRACTOR_TO).astype(float)
        return (y >= self.threshold).astype(float)


def _threshold(outcome) -> float:
    """Lowest rating in the outcome's top box (promoters from 9 for NPS)."""
    threshold = outcome.positive_threshold
    if threshold is None:
        return outcome.scale[1] - default_top_box(outcome.scale) + 1
    return threshold


def _segment_codes(study: Study, by: str | None, shift: str) -> np.ndarray:
    """Integer segment code per respondent (-1: no segment), for ``best_segment``."""
    if shift != "best_segment":
        return np.full(len(study.data), -1)
    if by is None:
        raise ValueError("shift='best_segment' needs by=, the segment column whose best "
                         "segment sets the level")
    if by not in study.data.columns:
        raise ValueError(f"by={by!r} is not a column of the study data")
    codes, _ = pd.factorize(study.data[by])
    if len(set(codes[codes >= 0])) < 2:
        raise ValueError(f"by={by!r} has fewer than two segments; nothing to level up to")
    return codes


def _outcome_spread(y: np.ndarray, w: np.ndarray, outcome, threshold: float
                    ) -> tuple[float, float]:
    """Weighted standard deviation of the respondents' outcome score, and the score, in points.

    From the metric module's estimators: the standard error of a top-box score (or of NPS)
    times the square root of Kish's effective n is ``100 sqrt(p (1 - p))`` (or
    ``100 sqrt(p + d - (p - d)^2)``), the spread of one respondent's score.
    """
    from drivers.metrics import nps, top_box

    if outcome.kind == "nps":
        result = nps(y, weights=w)
    else:
        top = int(outcome.scale[1] - threshold + 1)
        result = top_box(y, scale=outcome.scale, top=top, weights=w)
    return float(result.se * np.sqrt(result.n_effective)), float(result.score)


# ---------------------------------------------------------------- the first actions


def first_actions(actions: Mapping[str, pd.DataFrame], gains: Mapping[str, pd.DataFrame],
                  n: int | None = None, rule: Mapping | None = None) -> pd.DataFrame:
    """The actions to take first, by one stated rule on quadrant probability and expected gain.

    The rule (:data:`FIRST_ACTION_RULE`, returned in ``attrs["rule"]``):

    1. A driver is a candidate for an outcome when it sits in "Fix first" for that outcome
       with a confidence that is not low (``confidence`` "high" or "moderate": its quadrant
       holds in at least 70% of the joint bootstrap resamples, the threshold of
       :mod:`drivers.priority`) and the lower end of its expected gain's interval is above
       0. A driver whose quadrant is a coin toss is never a first action, however large its
       gain.
    2. Candidates are ranked by the lower end of the gain's interval (the gain the data
       support with confidence), divided by the outcome's respondent-level standard
       deviation so that CSAT top-box points and NPS points count alike; outcomes do not
       take turns. A driver that qualifies for several outcomes is listed once, at its best.
    3. Ties on that value go to the higher quadrant probability, then to the driver name.
    4. The first ``n`` are the first actions; when fewer qualify, fewer are listed (the rule
       is not relaxed to fill the list), and ``attrs["n_candidates"]`` says how many did.

    A table without quadrant probabilities (a priority matrix without a joint bootstrap)
    has no known confidence, so none of its drivers qualifies; ``attrs["unknown_confidence"]``
    names those outcomes.

    Parameters
    ----------
    actions : dict of outcome -> DataFrame
        Per outcome, a priority matrix or action table (:func:`drivers.priority.action_table`)
        with ``driver`` or ``attribute``, ``quadrant``, ``quadrant_probability`` and
        ``confidence``.
    gains : dict of outcome -> DataFrame
        Per outcome, :func:`expected_gains` (with a bootstrap interval).
    n : int, optional
        How many actions (default the rule's ``n``, 3).
    rule : dict, optional
        Another rule with the keys of :data:`FIRST_ACTION_RULE`.

    Returns
    -------
    DataFrame
        The chosen rows of the action tables, in order, with ``outcome`` (the outcome the
        driver ranked best for), ``outcomes`` (every outcome for which it qualifies, comma
        separated), ``gain``, ``gain_ci_low``, ``gain_ci_high``, ``unit`` and
        ``gain_low_per_sd`` (the ranking value). ``attrs``: ``rule`` (the rule with its
        thresholds and the shift of the gains), ``n_candidates``, ``caution``.

    Examples
    --------
    >>> matrix = pd.DataFrame({"driver": ["a", "b", "c"],
    ...                        "quadrant": ["Fix first", "Fix first", "Maintain"],
    ...                        "quadrant_probability": [0.95, 0.55, 0.99],
    ...                        "confidence": ["high", "low", "high"]})
    >>> gain = pd.DataFrame({"driver": ["a", "b", "c"], "gain": [1.0, 5.0, 2.0],
    ...                      "gain_ci_low": [0.4, 3.0, 1.0], "gain_ci_high": [1.6, 7.0, 3.0],
    ...                      "unit": "top-box points"})
    >>> gain.attrs = {"outcome_sd": 45.0, "shift": {"id": "one_point"}}
    >>> chosen = first_actions({"csat": matrix}, {"csat": gain})
    >>> chosen["driver"].tolist(), chosen.attrs["n_candidates"]
    (['a'], 1)
    """
    rule = dict(FIRST_ACTION_RULE if rule is None else rule)
    n = int(rule["n"] if n is None else n)
    rule["n"] = n
    rule["min_quadrant_probability"] = _confidence_floor(rule["confidence"])
    rows, shifts, unknown = [], {}, []
    for name, table in actions.items():
        if name not in gains:
            raise ValueError(f"first_actions: no expected gains for outcome {name!r}")
        key = "attribute" if "attribute" in table.columns else "driver"
        needed = {key, "quadrant"} - set(table.columns)
        if needed:
            raise ValueError(f"first_actions: the {name} table lacks "
                             f"{', '.join(sorted(needed))}; pass a priority matrix or an "
                             "action table")
        if not {"quadrant_probability", "confidence"} <= set(table.columns):
            unknown.append(name)
            table = table.assign(quadrant_probability=np.nan, confidence=pd.NA)
        gain = gains[name].set_index("driver")
        sd = float(gains[name].attrs["outcome_sd"])
        shifts[name] = gains[name].attrs.get("shift")
        merged = table.copy()
        merged["_key"] = merged[key].astype(str)
        for column in ("gain", "gain_ci_low", "gain_ci_high", "unit"):
            merged[column] = merged["_key"].map(gain[column]).to_numpy()
        merged["gain_low_per_sd"] = merged["gain_ci_low"].astype(float) / sd
        merged["outcome"] = name
        rows.append(merged)
    table = pd.concat(rows, ignore_index=True)
    confident = table["confidence"].astype(object).isin(rule["confidence"]).to_numpy()
    eligible = ((table["quadrant"] == rule["quadrant"]).to_numpy() & confident
                & (table["gain_ci_low"].astype(float) > rule["min_gain_low"]).to_numpy())
    candidates = table[eligible].copy()
    candidates["_probability"] = -candidates["quadrant_probability"].astype(float)
    candidates["_value"] = -candidates["gain_low_per_sd"]
    candidates = candidates.sort_values(["_value", "_probability", "_key"], kind="mergesort")
    qualifying = candidates.groupby("_key", sort=False)["outcome"].agg(", ".join)
    chosen = candidates.drop_duplicates("_key").head(n).copy()
    chosen["outcomes"] = chosen["_key"].map(qualifying).to_numpy()
    chosen = chosen.drop(columns=["_key", "_probability", "_value"]).reset_index(drop=True)
    rule["shift"] = shifts
    rule["ci"] = next((g.attrs.get("ci") for g in gains.values() if g.attrs.get("ci")), None)
    chosen.attrs = {"rule": rule, "n_candidates": int(candidates["_key"].nunique()),
                    "caution": CAUTION}
    if unknown:
        chosen.attrs["unknown_confidence"] = unknown
    return chosen


def _confidence_floor(levels: Sequence[str]) -> float:
    """The lowest quadrant probability the accepted confidence levels allow."""
    from drivers.priority import CONFIDENCE_THRESHOLDS

    return float(min(CONFIDENCE_THRESHOLDS[level] for level in levels))


def rule_text(rule: Mapping) -> str:
    """The first-action rule in English (the report prints it from its message catalogs).

    >>> print(rule_text({**FIRST_ACTION_RULE, "min_quadrant_probability": 0.7, "ci": 0.95}))
    First actions: attributes in "Fix first" with at least a 70% probability of being there and an expected gain whose 95% interval lies above 0, ranked by the lower end of that interval in standard deviations of the outcome (CSAT and NPS alike); ties go to the higher quadrant probability. At most 3.
    """
    return (f"First actions: attributes in \"{rule['quadrant']}\" with at least a "
            f"{100 * rule['min_quadrant_probability']:.0f}% probability of being there and an "
            f"expected gain whose {100 * rule['ci']:g}% interval lies above 0, ranked by the "
            "lower end of that "
            "interval in standard deviations of the outcome (CSAT and NPS alike); ties go to "
            f"the higher quadrant probability. At most {rule['n']}.")
