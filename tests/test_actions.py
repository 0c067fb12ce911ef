"""Expected gains and the first-action rule, against closed forms and hand computations.

References (tests/reference/README.md): for a linear model the gain is the coefficient
(statsmodels WLS) times the weighted mean shift; for logistic and proportional-odds models
the gain is the weighted average of the change in predicted probability, computed here by
hand from statsmodels' GLM / OrderedModel coefficients.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import expit

import drivers
from drivers.actions import FIRST_ACTION_RULE, expected_gains, first_actions, rule_text
from drivers.io import study_from_frame


def rated(values) -> np.ndarray:
    return np.clip(np.round(values), 1, 5).astype(int)


def survey(n: int = 400, seed: int = 2, weights: bool = True):
    """Three 1-5 attributes, CSAT 1-5 and recommend 0-10, a channel; 'a' matters most."""
    rng = np.random.default_rng(seed)
    a, b, c = (rng.normal(size=n) for _ in range(3))
    frame = pd.DataFrame({
        "a": rated(3.2 + a), "b": rated(3.4 + 0.7 * b + 0.3 * a), "c": rated(3.6 + c),
        "channel": rng.choice(["app", "branch", "web"], n, p=[0.5, 0.3, 0.2]),
    })
    latent = 0.9 * (frame["a"] - 3) + 0.4 * (frame["b"] - 3) + rng.logistic(size=n) * 0.8
    frame["sat"] = rated(3.3 + latent)
    frame["rec"] = np.clip(np.round(7 + 1.5 * latent), 0, 10).astype(int)
    spec = {"segments": ["channel"],
            "outcomes": {"csat": {"column": "sat", "kind": "csat", "scale": [1, 5], "top": 2},
                         "nps": {"column": "rec", "kind": "nps"}},
            "dimensions": {"PX": {"attributes": ["a", "b"]}, "SX": {"attributes": ["c"]}}}
    if weights:
        frame["w"] = np.round(rng.uniform(0.3, 2.5, n), 2)
        spec["weight"] = "w"
    return study_from_frame(frame, spec)


# ---------------------------------------------------------------- closed form: linear model


@pytest.mark.parametrize("outcome", ["csat", "nps"])
def test_linear_gain_is_coefficient_times_mean_shift(outcome):
    study = survey()
    gains = expected_gains(study, outcome, model="linear", bootstrap=0, base="all")
    data, w = study.data, study.data["w"].to_numpy()
    X = data[["a", "b", "c"]].to_numpy(float)
    score = ((data["sat"] >= 4).astype(float) if outcome == "csat"
             else (data["rec"] >= 9).astype(float) - (data["rec"] <= 6).astype(float))
    beta = sm.WLS(score.to_numpy(), sm.add_constant(X), weights=w).fit().params[1:]
    # One point up for every answer below the top-2 box (1, 2, 3 on 1-5).
    mean_shift = np.average(X <= 3, axis=0, weights=w)
    np.testing.assert_allclose(gains["gain"], 100 * beta * mean_shift, rtol=1e-9)
    np.testing.assert_allclose(gains["mean_shift"], mean_shift, rtol=1e-12)
    np.testing.assert_allclose(gains["share_moved"], 100 * mean_shift, rtol=1e-12)
    assert gains["unit"].iloc[0] == ("top-box points" if outcome == "csat" else "NPS points")


def test_linear_gain_of_reaching_the_best_segment_by_hand():
    study = survey(n=300, seed=5)
    gains = expected_gains(study, "csat", shift="best_segment", by="channel", model="linear",
                           bootstrap=0, base="all")
    data, w = study.data, study.data["w"].to_numpy()
    X = data[["a", "b", "c"]].to_numpy(float)
    beta = sm.WLS((data["sat"] >= 4).to_numpy(float), sm.add_constant(X),
                  weights=w).fit().params[1:]
    channel = data["channel"].to_numpy()
    for j in range(3):
        means = {g: np.average(X[channel == g, j], weights=w[channel == g])
                 for g in ("app", "branch", "web")}
        best = max(means.values())
        delta = np.array([min(x + best - means[g], 5.0) - x
                          for x, g in zip(X[:, j], channel, strict=True)])
        assert gains.loc[j, "gain"] == pytest.approx(100 * beta[j] * np.average(delta, weights=w),
                                                     rel=1e-9)
    assert gains.attrs["shift"] == {"id": "best_segment", "by": "channel",
                                    "description": gains.attrs["shift"]["description"]}


# ---------------------------------------------------------------- by hand: logistic, ordinal


def one_attribute_study(x, sat, rec, w=None):
    frame = pd.DataFrame({"x": x, "sat": sat, "rec": rec})
    spec = {"outcomes": {"csat": {"column": "sat", "kind": "csat", "scale": [1, 5], "top": 2},
                         "nps": {"column": "rec", "kind": "nps"}},
            "dimensions": {"PX": {"attributes": ["x"]}}}
    if w is not None:
        frame["w"] = w
        spec["weight"] = "w"
    return study_from_frame(frame, spec)


# 24 respondents: attribute x, satisfaction (top-2 box = 4, 5), recommend 0-10, weights.
X = [1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 2, 3, 4]
SAT = [2, 1, 4, 3, 2, 4, 3, 4, 3, 5, 2, 4, 4, 5, 3, 4, 5, 5, 4, 5, 3, 1, 3, 5]
REC = [3, 6, 8, 5, 7, 9, 6, 8, 9, 6, 7, 10, 9, 8, 10, 9, 5, 10, 9, 10, 8, 4, 7, 9]
W = [1.0, 2.0, 0.5, 1.5, 1.0, 1.0, 0.5, 2.0, 1.0, 1.0, 0.5, 1.5, 1.0, 1.0, 2.0, 0.5, 1.0, 1.0,
     1.5, 1.0, 0.5, 1.0, 2.0, 1.0]


def test_logistic_csat_gain_by_hand():
    study = one_attribute_study(X, SAT, REC, W)
    gains = expected_gains(study, "csat", bootstrap=0, base="all")
    x, w = np.array(X, float), np.array(W)
    fit = sm.GLM((np.array(SAT) >= 4).astype(float), sm.add_constant(x),
                 family=sm.families.Binomial(), freq_weights=w).fit()
    b0, b1 = fit.params
    # Respondents at 1, 2 and 3 (below the top-2 box) move up one point; 4 and 5 stay.
    # Weight at each rating: x=1: 1 + 2 + 0.5 = 3.5; x=2: 1.5 + 1 + 1 + 0.5 + 1 = 5.0;
    # x=3: 2 + 1 + 1 + 0.5 + 1.5 + 2 = 8.0; total weight 27.0.
    assert [w[x == v].sum() for v in (1, 2, 3)] == [3.5, 5.0, 8.0] and w.sum() == 27.0
    by_hand = 100 * (3.5 * (expit(b0 + 2 * b1) - expit(b0 + 1 * b1))
                     + 5.0 * (expit(b0 + 3 * b1) - expit(b0 + 2 * b1))
                     + 8.0 * (expit(b0 + 4 * b1) - expit(b0 + 3 * b1))) / 27.0
    assert gains.loc[0, "gain"] == pytest.approx(by_hand, rel=1e-6)
    assert gains.loc[0, "share_moved"] == pytest.approx(100 * 16.5 / 27.0)


def test_logistic_nps_gain_is_promoters_minus_detractors_by_hand():
    study = one_attribute_study(X, SAT, REC, W)
    gains = expected_gains(study, "nps", bootstrap=0, base="all")
    x, w, rec = np.array(X, float), np.array(W), np.array(REC)

    def fitted(event):
        return sm.GLM(event.astype(float), sm.add_constant(x), family=sm.families.Binomial(),
                      freq_weights=w).fit().params

    p0, p1 = fitted(rec >= 9)   # promoters
    d0, d1 = fitted(rec <= 6)   # detractors
    change = 0.0
    for rating, weight in ((1, 3.5), (2, 5.0), (3, 8.0)):
        promoters = expit(p0 + p1 * (rating + 1)) - expit(p0 + p1 * rating)
        detractors = expit(d0 + d1 * (rating + 1)) - expit(d0 + d1 * rating)
        change += weight * (promoters - detractors)
    assert gains.loc[0, "gain"] == pytest.approx(100 * change / 27.0, rel=1e-6)
    assert gains.attrs["unit"] == "NPS points"


def test_ordinal_gain_by_hand_from_statsmodels_ordered_model():
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    study = one_attribute_study(X, SAT, REC)  # unweighted: OrderedModel has no weights
    gains = expected_gains(study, "csat", model="ordinal", bootstrap=0, base="all")
    x = np.array(X, float)
    fit = OrderedModel(np.array(SAT), x[:, None], distr="logit").fit(method="bfgs",
                                                                       disp=False)
    beta = fit.params[0]
    # Thresholds theta_1 < ... < theta_4 between the five ratings; P(sat <= 3) uses theta_3.
    thresholds = fit.model.transform_threshold_params(fit.params)[1:-1]
    theta_3 = thresholds[2]

    def top_two(rating):  # P(sat >= 4) = 1 - F(theta_3 - beta x)
        return 1 - expit(theta_3 - beta * rating)

    counts = {1: 3, 2: 5, 3: 6}  # respondents at each rating below the top-2 box, of 24
    by_hand = 100 * sum(k * (top_two(r + 1) - top_two(r)) for r, k in counts.items()) / 24
    assert gains.loc[0, "gain"] == pytest.approx(by_hand, rel=1e-4)


# ---------------------------------------------------------------- bootstrap, blanks, bank


def test_gain_interval_is_reproducible_and_brackets_the_gain():
    study = survey(n=300)
    gains = expected_gains(study, "csat", bootstrap=60, seed=4, n_jobs=1)
    again = expected_gains(study, "csat", bootstrap=60, seed=4, n_jobs=1)
    pd.testing.assert_frame_equal(gains, again)
    assert (gains["gain_ci_low"] <= gains["gain"]).all()
    assert (gains["gain"] <= gains["gain_ci_high"]).all()
    assert gains.sort_values("rank")["driver"].iloc[0] == "a"
    assert gains.attrs["interval_method"] == "percentile" and gains.attrs["bootstrap"] == 60
    assert "not a measured causal effect" in gains.attrs["caution"]
    unweighted = expected_gains(survey(n=300, weights=False), "csat", bootstrap=0)
    assert not np.allclose(unweighted["gain"], gains["gain"])


def test_blank_answers_are_filled_with_the_mean_and_not_moved():
    study = survey(n=300, seed=8)
    study.data.loc[:29, "a"] = np.nan  # 30 "don't know"
    gains = expected_gains(study, "csat", model="linear", bootstrap=0, base="all")
    data, w = study.data, study.data["w"].to_numpy()
    X = data[["a", "b", "c"]].to_numpy(float)
    answered = ~np.isnan(X[:, 0])
    filled = X.copy()
    filled[~answered, 0] = np.average(X[answered, 0], weights=w[answered])
    beta = sm.WLS((data["sat"] >= 4).to_numpy(float), sm.add_constant(filled),
                  weights=w).fit().params[1:]
    moved = answered & (X[:, 0] <= 3)
    assert gains.loc[0, "gain"] == pytest.approx(100 * beta[0] * np.average(moved, weights=w),
                                                 rel=1e-9)
    assert gains.attrs["imputed_cells"] == 30
    listwise = expected_gains(study, "csat", model="linear", bootstrap=0, base="all",
                              missing="listwise")
    assert listwise.attrs["n_used"] == 270


def test_bank_study_gains_follow_the_planted_truth():
    study = drivers.load_study(drivers.bank_loan_study_file())
    csat = expected_gains(study, "csat", bootstrap=0)
    nps = expected_gains(study, "nps", bootstrap=0)
    # data/bank_loan/README.md: satisfaction led by the brand's promises, recommendation
    # by the service (a competent agent).
    assert csat.sort_values("rank")["driver"].iloc[0] == "bx_promise_rate"
    assert nps.sort_values("rank")["dimension"].head(3).tolist() == ["SX", "SX", "SX"]
    assert csat.attrs["n_used"] == nps.attrs["n_used"] == csat.attrs["base"]["n"] == 1339
    ces = expected_gains(study, "ces", bootstrap=0)
    assert ces.sort_values("rank")["dimension"].iloc[0] == "PX"


def test_gains_check_their_arguments():
    study = survey(n=100)
    with pytest.raises(ValueError, match="model must be"):
        expected_gains(study, "csat", model="probit", bootstrap=0)
    with pytest.raises(ValueError, match="needs by="):
        expected_gains(study, "csat", shift="best_segment", bootstrap=0)
    with pytest.raises(KeyError, match="no outcome"):
        expected_gains(study, "loyalty", bootstrap=0)


# ---------------------------------------------------------------- the first-action rule


def matrix(drivers_, quadrants, probabilities):
    confidence = ["high" if p >= 0.9 else "moderate" if p >= 0.7 else "low"
                  for p in probabilities]
    return pd.DataFrame({"attribute": drivers_, "quadrant": quadrants,
                         "quadrant_probability": probabilities, "confidence": confidence})


def gain_table(drivers_, gain, low, sd, unit="top-box points"):
    table = pd.DataFrame({"driver": drivers_, "gain": gain, "gain_ci_low": low,
                          "gain_ci_high": np.array(gain) + 1.0, "unit": unit})
    table.attrs = {"outcome_sd": sd, "shift": {"id": "one_point"}, "ci": 0.95}
    return table


def test_the_biggest_gain_on_a_coin_toss_quadrant_is_not_first():
    # 'rate' has the largest gain by far but sits in Fix first in 55% of resamples only.
    actions = {"csat": matrix(["rate", "fees", "app", "trust"],
                              ["Fix first", "Fix first", "Fix first", "Maintain"],
                              [0.55, 0.93, 0.74, 0.99])}
    gains = {"csat": gain_table(["rate", "fees", "app", "trust"], [6.0, 2.0, 1.5, 3.0],
                                [4.0, 1.0, 0.5, 2.0], sd=45.0)}
    chosen = first_actions(actions, gains)
    assert chosen["attribute"].tolist() == ["fees", "app"]
    assert "rate" not in chosen["attribute"].tolist()
    assert chosen.attrs["n_candidates"] == 2
    assert chosen["gain_low_per_sd"].tolist() == pytest.approx([1 / 45, 0.5 / 45])


def test_outcomes_do_not_take_turns_and_units_are_put_on_one_scale():
    actions = {"csat": matrix(["a", "b", "c"], ["Fix first"] * 3, [0.95, 0.95, 0.95]),
               "nps": matrix(["d", "e", "a"], ["Fix first"] * 3, [0.95, 0.8, 0.95])}
    # CSAT sd 45 top-box points, NPS sd 80 NPS points: 4 CSAT points (0.089 sd) beat 6 NPS
    # points (0.075 sd); 3.6 CSAT points (0.080 sd) too; 2 NPS points (0.025 sd) beat 0.2
    # CSAT points (0.004 sd).
    gains = {"csat": gain_table(["a", "b", "c"], [5, 4.5, 1], [4.0, 3.6, 0.2], sd=45.0),
             "nps": gain_table(["d", "e", "a"], [8, 5, 2], [6.0, 2.0, 1.0], sd=80.0,
                               unit="NPS points")}
    chosen = first_actions(actions, gains, n=4)
    assert chosen["attribute"].tolist() == ["a", "b", "d", "e"]
    assert chosen["outcome"].tolist() == ["csat", "csat", "nps", "nps"]
    # 'a' qualifies for both outcomes: listed once, at its best, with both named.
    assert chosen.loc[0, "outcomes"] == "csat, nps"
    assert chosen.loc[2, "unit"] == "NPS points"


def test_ties_go_to_the_higher_quadrant_probability_then_the_name():
    actions = {"csat": matrix(["b", "a", "c"], ["Fix first"] * 3, [0.80, 0.80, 0.97])}
    gains = {"csat": gain_table(["b", "a", "c"], [2, 2, 2], [1.0, 1.0, 1.0], sd=40.0)}
    assert first_actions(actions, gains)["attribute"].tolist() == ["c", "a", "b"]


def test_a_gain_whose_interval_reaches_zero_is_not_an_action():
    actions = {"csat": matrix(["a", "b"], ["Fix first"] * 2, [0.99, 0.99])}
    gains = {"csat": gain_table(["a", "b"], [3.0, 0.8], [-0.2, 0.1], sd=45.0)}
    chosen = first_actions(actions, gains)
    assert chosen["attribute"].tolist() == ["b"]


def test_the_rule_is_data_and_text():
    actions = {"csat": matrix(["a"], ["Fix first"], [0.95])}
    chosen = first_actions(actions, {"csat": gain_table(["a"], [2.0], [1.0], sd=45.0)})
    rule = chosen.attrs["rule"]
    assert rule["id"] == FIRST_ACTION_RULE["id"] == "first_action_rule"
    assert rule["min_quadrant_probability"] == 0.7 and rule["n"] == 3 and rule["ci"] == 0.95
    assert rule["shift"] == {"csat": {"id": "one_point"}}
    assert "70% probability" in rule_text(rule) and "At most 3" in rule_text(rule)
    # Without quadrant probabilities no confidence is known: no driver qualifies.
    blind = first_actions({"csat": actions["csat"].drop(columns=["confidence",
                                                                 "quadrant_probability"])},
                          {"csat": gain_table(["a"], [2.0], [1.0], sd=45.0)})
    assert blind.empty and blind.attrs["unknown_confidence"] == ["csat"]
    with pytest.raises(ValueError, match="lacks quadrant"):
        first_actions({"csat": actions["csat"].drop(columns="quadrant")},
                      {"csat": gain_table(["a"], [2.0], [1.0], sd=45.0)})


def test_candidates_rank_by_the_lower_end_of_the_gain_not_the_point():
    # 'wide' has the larger point gain but a gain interval reaching lower.
    actions = {"csat": matrix(["wide", "narrow"], ["Fix first"] * 2, [0.95, 0.95])}
    gains = {"csat": gain_table(["wide", "narrow"], [4.0, 2.5], [0.5, 2.0], sd=45.0)}
    assert first_actions(actions, gains)["attribute"].tolist() == ["narrow", "wide"]
