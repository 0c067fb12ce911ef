"""NPS outcome models: what makes a promoter, what makes a detractor, and the whole 0-10 scale.

Net Promoter Score is the share of promoters (9-10) minus the share of detractors (0-6). A
linear model of the 0-10 rating hides that the two ends can have different drivers, so three
models are offered, each as a tidy table of coefficients and importances:

* :func:`promoter_model` — logistic regression of being a promoter (9-10 vs 0-8);
* :func:`detractor_model` — logistic regression of being a detractor (0-6 vs 7-10); good
  drivers get *negative* coefficients (they lower the odds of detraction);
* :func:`ordinal_model` — proportional-odds (cumulative logit) model of the 0-10 rating.

:func:`nps_models` fits all three and stacks them, so one can see whether the drivers of
becoming a promoter differ from the drivers of avoiding detraction. The same models are
reachable through ``drivers.importance(..., method="promoter" | "detractor" | "ordinal")``.

Importance comes on one of two scales:

* ``relative_weights`` (default): relative weights of the latent continuous outcome y*
  (Tonidandel & LeBreton 2010), summing to McKelvey & Zavoina's R^2;
* ``shapley_pseudo_r2``: Shapley decomposition of McFadden's pseudo-R^2, refitting the model
  on every subset of drivers (at most :data:`MAX_SHAPLEY_DRIVERS` drivers).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> frame = pd.DataFrame(rng.normal(size=(600, 2)), columns=["speed", "staff"])
>>> latent = 1.5 * frame["speed"] + 0.5 * frame["staff"] + rng.logistic(size=600)
>>> frame["recommend"] = np.clip(np.round(7.5 + latent), 0, 10)
>>> table = promoter_model(frame, "recommend", ["speed", "staff"])
>>> table[["driver", "rank"]].values.tolist()
[['speed', 1], ['staff', 2]]
>>> bool(np.isclose(table["importance"].sum(), table.attrs["r2"]))
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from drivers.blas import one_blas_thread
from drivers.diagnostics import moments_diagnostics, select_rows
from drivers.metrics import DETRACTOR_TO, PROMOTER_FROM
from drivers.moments import frequency_weights
from drivers.shapley import shapley_from_r2

#: The three NPS outcome models.
NPS_MODELS = ("promoter", "detractor", "ordinal")
#: Importance scales of the outcome models.
IMPORTANCE_METHODS = ("relative_weights", "shapley_pseudo_r2")
#: Most drivers for the refit-every-subset Shapley decomposition (2^10 = 1024 fits).
MAX_SHAPLEY_DRIVERS = 10
#: Variance of the standard logistic distribution: the latent error variance of a logit model.
LOGISTIC_VARIANCE = np.pi ** 2 / 3


def nps_target(recommend: np.ndarray, kind: str) -> np.ndarray:
    """The modelled outcome: 1 for promoters (9-10) or detractors (0-6), or the 0-10 rating.

    >>> nps_target(np.array([10, 9, 8, 6, 0]), "promoter").tolist()
    [1.0, 1.0, 0.0, 0.0, 0.0]
    >>> nps_target(np.array([10, 9, 8, 6, 0]), "detractor").tolist()
    [0.0, 0.0, 0.0, 1.0, 1.0]
    """
    if kind not in NPS_MODELS:
        raise ValueError(f"unknown NPS model {kind!r}; choose one of {', '.join(NPS_MODELS)}")
    recommend = np.asarray(recommend, dtype=float)
    invalid = ~np.isin(recommend, np.arange(11))
    if invalid.any():
        shown = ", ".join(f"{v:g}" for v in np.unique(recommend[invalid])[:5])
        raise ValueError(f"likelihood to recommend must be whole numbers 0-10; found {shown} "
                         f"in {int(invalid.sum())} used rows (recode or declare missing_codes)")
    if kind == "promoter":
        return (recommend >= PROMOTER_FROM).astype(float)
    if kind == "detractor":
        return (recommend <= DETRACTOR_TO).astype(float)
    return recommend


def _weights(n: int, weights: np.ndarray | None) -> np.ndarray:
    # Mean-one weights: log-likelihoods keep the scale of n rows, so SEs are not inflated.
    w = np.ones(n) if weights is None else frequency_weights(weights, n)
    return w * (n / w.sum())


def logistic_fit(X: np.ndarray, target: np.ndarray, weights: np.ndarray | None = None,
                 max_iter: int = 100, tol: float = 1e-10) -> tuple[np.ndarray, float]:
    """Weighted logistic regression by Newton-Raphson.

    Returns
    -------
    coef : ndarray (k + 1,)
        Intercept first, then one log-odds coefficient per column of ``X``.
    loglik : float
        Weighted log-likelihood (weights rescaled to mean 1).

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
    >>> coef, loglik = logistic_fit(X, np.array([0, 0, 1, 0, 1, 1.0]))
    >>> coef.round(3).tolist(), round(loglik, 3)
    ([-3.035, 1.214], -2.478)
    """
    w = _weights(len(target), weights)
    design = np.column_stack([np.ones(len(target)), X])
    rate = np.average(target, weights=w)
    if not 0 < rate < 1:
        raise ValueError("the binary outcome has only one value among the used rows; "
                         "nothing to model")
    coef = np.zeros(design.shape[1])
    coef[0] = special.logit(rate)
    for _ in range(max_iter):
        p = special.expit(design @ coef)
        gradient = design.T @ (w * (target - p))
        hessian = (design * (w * p * (1 - p))[:, None]).T @ design
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError as error:
            raise ValueError("logistic model cannot be fitted: singular information matrix "
                             "(collinear drivers or perfect separation)") from error
        coef += step
        if np.max(np.abs(step)) < tol:
            break
    else:
        raise ValueError("logistic model did not converge (perfect or quasi-perfect "
                         "separation: some driver values predict the outcome exactly)")
    eta = design @ coef
    return coef, float(np.sum(w * (target * eta - np.logaddexp(0, eta))))


def _ordinal_parts(y: np.ndarray) -> tuple[np.ndarray, int]:
    levels, codes = np.unique(y, return_inverse=True)
    if len(levels) < 3:
        raise ValueError(f"the ordinal model needs at least 3 answered levels, found "
                         f"{len(levels)}; use promoter_model or detractor_model")
    return codes, len(levels)


def _ordinal_negloglik(params, X, codes, w, k_levels):
    """Negative weighted log-likelihood of the cumulative logit model and its gradient.

    ``params = [beta, theta_1, log(theta_2 - theta_1), ...]`` (statsmodels' OrderedModel
    parametrisation); ``P(y <= j) = F(theta_j - x beta)``.
    """
    p = X.shape[1]
    beta, raw = params[:p], params[p:]
    thresholds = np.concatenate([[raw[0]], raw[0] + np.cumsum(np.exp(raw[1:]))])
    cuts = np.concatenate([[-np.inf], thresholds, [np.inf]])
    eta = X @ beta
    upper, lower = cuts[codes + 1] - eta, cuts[codes] - eta
    cdf_u, cdf_l = special.expit(upper), special.expit(lower)
    prob = np.maximum(cdf_u - cdf_l, 1e-300)
    pdf_u, pdf_l = cdf_u * (1 - cdf_u), cdf_l * (1 - cdf_l)
    d_eta = -(pdf_u - pdf_l) / prob
    grad_beta = X.T @ (w * d_eta)
    grad_theta = np.zeros(k_levels - 1)
    top, bottom = codes < k_levels - 1, codes > 0
    np.add.at(grad_theta, codes[top], w[top] * pdf_u[top] / prob[top])
    np.add.at(grad_theta, codes[bottom] - 1, -w[bottom] * pdf_l[bottom] / prob[bottom])
    # Chain rule: theta_m depends on raw_1 and on exp(raw_j) for every j <= m.
    tail = np.cumsum(grad_theta[::-1])[::-1]
    grad_raw = np.concatenate([[tail[0]], np.exp(raw[1:]) * tail[1:]])
    loglik = np.sum(w * np.log(prob))
    return -loglik, -np.concatenate([grad_beta, grad_raw])


def _ordinal_start(codes: np.ndarray, w: np.ndarray, k_levels: int) -> np.ndarray:
    # The null model's thresholds are the logits of the cumulative proportions.
    cumulative = np.cumsum(np.bincount(codes, weights=w, minlength=k_levels))[:-1] / w.sum()
    thresholds = special.logit(cumulative)
    return np.concatenate([[thresholds[0]], np.log(np.diff(thresholds))])


def ordinal_fit(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None
                ) -> tuple[np.ndarray, float]:
    """Weighted proportional-odds logit model, fitted with an analytic gradient.

    Returns
    -------
    params : ndarray
        ``[beta (k), theta_1, log(theta_2 - theta_1), ...]``, as statsmodels' OrderedModel.
    loglik : float
        Weighted log-likelihood (weights rescaled to mean 1).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(400, 1))
    >>> y = np.digitize(x[:, 0] + rng.logistic(size=400), [-1, 0, 1])
    >>> params, loglik = ordinal_fit(x, y)
    >>> bool(0.8 < params[0] < 1.3)
    True
    """
    codes, k_levels = _ordinal_parts(y)
    w = _weights(len(y), weights)
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    start = np.concatenate([np.zeros(X.shape[1]), _ordinal_start(codes, w, k_levels)])
    if X.shape[1] == 0:
        value, _ = _ordinal_negloglik(start, X, codes, w, k_levels)
        return start, -float(value)
    from scipy import optimize  # imported here: a worker process seldom needs it

    result = optimize.minimize(_ordinal_negloglik, start, args=(X, codes, w, k_levels),
                               jac=True, method="BFGS", options={"gtol": 1e-8, "maxiter": 2000})
    if not np.all(np.isfinite(result.x)) or np.max(np.abs(result.jac)) > 1e-3:
        raise ValueError("ordinal model did not converge (a driver may predict the rating "
                         f"exactly): {result.message}")
    return result.x, -float(result.fun)


def _slopes_and_loglik(X, target, weights, kind) -> tuple[np.ndarray, float]:
    if kind == "ordinal":
        params, loglik = ordinal_fit(X, target, weights)
        return params[:X.shape[1]], loglik
    coef, loglik = logistic_fit(X, target, weights)
    return coef[1:], loglik


def _null_loglik(target, weights, kind) -> float:
    w = _weights(len(target), weights)
    if kind == "ordinal":
        codes, k_levels = _ordinal_parts(target)
        shares = np.bincount(codes, weights=w, minlength=k_levels) / w.sum()
        return float(np.sum(w * np.log(shares[codes])))
    rate = np.average(target, weights=w)
    return float(np.sum(w * (target * np.log(rate) + (1 - target) * np.log(1 - rate))))


def _positive_rows(X, target, weights):
    # Resampling gives undrawn rows weight 0; they must not create empty rating levels.
    X = np.asarray(X, dtype=float)
    if weights is None:
        return X, target, None
    weights = np.asarray(weights, dtype=float)
    keep = weights > 0
    return X[keep], target[keep], weights[keep]


def _standard_deviations(X, weights) -> np.ndarray:
    w = _weights(len(X), weights)
    mean = np.average(X, axis=0, weights=w)
    return np.sqrt(np.average((X - mean) ** 2, axis=0, weights=w))


def latent_relative_weights(X: np.ndarray, target: np.ndarray, weights: np.ndarray | None = None,
                            kind: str = "promoter") -> np.ndarray:
    """Relative weights of the latent outcome y* of a logit model; they sum to the
    McKelvey-Zavoina R^2.

    Parameters
    ----------
    X : ndarray (n, k)
        Drivers.
    target : ndarray (n,)
        0/1 outcome (``promoter``, ``detractor``) or the ordered rating (``ordinal``).
    weights : ndarray, optional
        Frequency or design weights.
    kind : str
        ``promoter`` / ``detractor`` (binary logit) or ``ordinal`` (cumulative logit).

    Returns
    -------
    ndarray (k,)
        Relative weight of each driver.

    Notes
    -----
    Tonidandel & LeBreton (2010, Organizational Research Methods 13, 767-781). With the
    drivers standardized, ``Rxx = V diag(e) V'``, ``Lambda = Rxx^(1/2)`` and the orthogonal
    counterparts ``Z = X_s Lambda^-1``, the logit slopes on Z are ``b = Lambda c`` where ``c``
    are the slopes on the standardized drivers (the same model, reparametrised, so one fit
    serves). They are standardized by the standard deviation of the latent outcome,
    ``beta* = b / sqrt(var(eta) + pi^2/3)`` with ``var(eta) = b'b`` (Z is uncorrelated with unit
    variance) and ``pi^2/3`` the logistic error variance, and the weights are
    ``epsilon_j = sum_k Lambda_jk^2 beta*_k^2``. They sum to ``b'b / (b'b + pi^2/3)``,
    McKelvey & Zavoina's (1975) R^2. Tonidandel & LeBreton scale ``b`` by ``R / sd(eta)``
    instead; the factor is common to all drivers, so shares and ranks are identical.

    Examples
    --------
    >>> rng = np.random.default_rng(4)
    >>> X = rng.normal(size=(500, 2))
    >>> t = (X @ [2.0, 0.5] + rng.logistic(size=500) > 0).astype(float)
    >>> weights = latent_relative_weights(X, t)
    >>> bool(weights[0] > 4 * weights[1])
    True
    """
    X, target, weights = _positive_rows(X, target, weights)
    slopes, _ = _slopes_and_loglik(X, target, weights, kind)
    standardized = slopes * _standard_deviations(X, weights)
    covariance = np.atleast_2d(np.cov(X, rowvar=False, aweights=_weights(len(X), weights)))
    scale = np.sqrt(np.diag(covariance))
    eigenvalues, vectors = np.linalg.eigh(covariance / np.outer(scale, scale))
    root = (vectors * np.sqrt(np.clip(eigenvalues, 0, None))) @ vectors.T
    b = root @ standardized
    beta_star = b / np.sqrt(b @ b + LOGISTIC_VARIANCE)
    return (root ** 2) @ beta_star ** 2


def mcfadden_r2(X: np.ndarray, target: np.ndarray, weights: np.ndarray | None = None,
                kind: str = "promoter") -> float:
    """McFadden's pseudo-R^2, ``1 - loglik(model) / loglik(intercepts only)``.

    >>> x = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
    >>> round(mcfadden_r2(x, np.array([0, 0, 1, 0, 1, 1.0])), 3)
    0.404
    """
    X, target, weights = _positive_rows(X, target, weights)
    _, loglik = _slopes_and_loglik(X, target, weights, kind)
    return 1 - loglik / _null_loglik(target, weights, kind)


def shapley_pseudo_r2(X: np.ndarray, target: np.ndarray, weights: np.ndarray | None = None,
                      kind: str = "promoter") -> np.ndarray:
    """Shapley decomposition of McFadden's pseudo-R^2, refitting every subset of drivers.

    Notes
    -----
    ``phi_j = sum_{S not containing j} |S|! (k - |S| - 1)! / k! [v(S + j) - v(S)]`` with
    ``v(S)`` the pseudo-R^2 of the model on the drivers in S (``v(empty) = 0``); the values sum
    to ``v(all)`` (Shapley 1953; Azen & Traxel 2009 build dominance analysis for logistic
    regression on the same subset models). The 2^k pseudo-R^2 values are combined by
    :func:`drivers.shapley.shapley_from_r2`; 2^k fits allow at most
    :data:`MAX_SHAPLEY_DRIVERS` drivers.

    Examples
    --------
    >>> rng = np.random.default_rng(5)
    >>> X = rng.normal(size=(300, 3))
    >>> t = (X @ [1.5, 0.5, 0.0] + rng.logistic(size=300) > 0).astype(float)
    >>> values = shapley_pseudo_r2(X, t)
    >>> bool(np.isclose(values.sum(), mcfadden_r2(X, t))), int(np.argmax(values))
    (True, 0)
    """
    X, target, weights = _positive_rows(X, target, weights)
    k = X.shape[1]
    if k > MAX_SHAPLEY_DRIVERS:
        raise ValueError(f"shapley_pseudo_r2 refits 2^{k} models for {k} drivers (at most "
                         f"{MAX_SHAPLEY_DRIVERS} drivers); use method='relative_weights' or "
                         "composite scores")
    null = _null_loglik(target, weights, kind)
    # Pseudo-R^2 by subset bitmask (bit j = driver j), the layout shapley_from_r2 reads.
    value = np.zeros(1 << k)
    for mask in range(1, 1 << k):
        columns = [j for j in range(k) if mask >> j & 1]
        value[mask] = 1 - _slopes_and_loglik(X[:, columns], target, weights, kind)[1] / null
    return shapley_from_r2(value)


def _coefficient_table(X, target, weights, kind):
    """Coefficients, standard errors and p-values from statsmodels (robust when weighted)."""
    import statsmodels.api as sm

    w = None if weights is None else _weights(len(target), weights)
    cov = {"cov_type": "HC0"} if w is not None else {}
    if kind == "ordinal":
        from statsmodels.miscmodels.ordinal_model import OrderedModel

        class WeightedOrderedModel(OrderedModel):
            # Weighted pseudo-likelihood: each row's log-likelihood times its weight.
            def loglikeobs(self, params):
                values = super().loglikeobs(params)
                return values if self.row_weights is None else self.row_weights * values

        model = WeightedOrderedModel(target, X, distr="logit")
        model.row_weights = w
        start, _ = ordinal_fit(X, target, weights)
        fit = model.fit(start_params=start, method="bfgs", maxiter=100, disp=False, **cov)
        k = X.shape[1]
        return fit.params[:k], fit.bse[:k], fit.pvalues[:k]
    design = sm.add_constant(X, has_constant="add")
    family = sm.families.Binomial()
    fit = sm.GLM(target, design, family=family, var_weights=w).fit(**cov)
    return fit.params[1:], fit.bse[1:], fit.pvalues[1:]


@one_blas_thread()
def nps_model(data: pd.DataFrame, recommend: str, drivers: list[str], kind: str = "promoter",
              weights=None, method: str = "relative_weights", missing_codes=None
              ) -> pd.DataFrame:
    """One NPS outcome model (``kind`` = promoter, detractor or ordinal) as a tidy table.

    Parameters and returns as :func:`promoter_model`.
    """
    if method not in IMPORTANCE_METHODS:
        raise ValueError(f"unknown importance method {method!r} for an NPS model; choose "
                         f"{' or '.join(IMPORTANCE_METHODS)}")
    if drivers is None:
        raise ValueError("drivers must list the driver columns")
    rows = select_rows(data, recommend, list(drivers), weights, "listwise", missing_codes)
    target = nps_target(rows.y, kind)
    coefficient, std_error, p_value = _coefficient_table(rows.X, target, rows.weights, kind)
    if method == "relative_weights":
        values = latent_relative_weights(rows.X, target, rows.weights, kind)
    else:
        values = shapley_pseudo_r2(rows.X, target, rows.weights, kind)
    total = values.sum()
    table = pd.DataFrame({
        "driver": rows.drivers, "coefficient": np.asarray(coefficient, float),
        "std_error": np.asarray(std_error, float), "p_value": np.asarray(p_value, float),
        "odds_ratio": np.exp(np.asarray(coefficient, float)), "importance": values,
        "share": values / total if total != 0 else np.nan,
        "rank": pd.Series(np.abs(values)).rank(ascending=False, method="min").astype(int),
    })
    w = _weights(rows.n_used, rows.weights)
    diagnostics = moments_diagnostics(rows.moments, rows.drivers, rows.data, rows.weights)
    slopes, loglik = _slopes_and_loglik(rows.X, target, rows.weights, kind)
    eta = rows.X @ slopes
    latent = np.average((eta - np.average(eta, weights=w)) ** 2, weights=w)
    warnings = list(diagnostics.attrs["warnings"])
    events = None if kind == "ordinal" else int(target.sum())
    if events is not None and min(events, rows.n_used - events) < 10 * len(rows.drivers):
        warnings.append(f"{min(events, rows.n_used - events)} rows in the smaller class for "
                        f"{len(rows.drivers)} drivers: fewer than 10 events per driver "
                        "(Peduzzi et al. 1996); coefficients may be biased")
    table.attrs.update({
        "method": kind, "importance_method": method, "outcome": recommend,
        "drivers": rows.drivers, "missing": "listwise", "weighted": rows.weights is not None,
        "n_used": rows.n_used, "n_dropped": rows.n_dropped,
        "dropped_reasons": rows.dropped_reasons, "missing_cells": rows.missing_cells,
        "r2": float(latent / (latent + LOGISTIC_VARIANCE)), "adj_r2": None,
        "pseudo_r2": float(1 - loglik / _null_loglik(target, rows.weights, kind)),
        "linear_r2": diagnostics.attrs["r2"],
        "condition_number": diagnostics.attrs["condition_number"],
        "vif": dict(zip(rows.drivers, diagnostics["vif"].astype(float), strict=True)),
        "event_rate": None if kind == "ordinal" else float(np.average(target, weights=w)),
        "n_events": events, "share_rule": "ratio", "warnings": warnings,
    })
    return table


def promoter_model(data: pd.DataFrame, recommend: str, drivers: list[str], weights=None,
                   method: str = "relative_weights", missing_codes=None) -> pd.DataFrame:
    """Drivers of being a promoter (9-10 vs 0-8): logistic regression with importances.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    recommend : str
        Likelihood-to-recommend column, whole numbers 0-10.
    drivers : list of str
        Driver columns.
    weights : str, Series or None
        Weight column or weights aligned with ``data``.
    method : {"relative_weights", "shapley_pseudo_r2"}
        Importance scale: latent-scale relative weights (sum to McKelvey-Zavoina R^2), or the
        Shapley decomposition of McFadden's pseudo-R^2 (<= 10 drivers).
    missing_codes : list or dict, optional
        Values meaning "no answer"; rows with them are left out and counted.

    Returns
    -------
    DataFrame
        One row per driver: ``driver``, ``coefficient`` (log-odds per scale point),
        ``std_error``, ``p_value``, ``odds_ratio`` (exp(coefficient)), ``importance``,
        ``share`` (importance / sum), ``rank`` (1 = most important). ``attrs``: ``method``,
        ``importance_method``, ``outcome``, ``n_used``, ``n_dropped``, ``dropped_reasons``,
        ``r2`` (McKelvey-Zavoina), ``pseudo_r2`` (McFadden), ``linear_r2`` (OLS of the 0-10
        rating), ``event_rate``, ``n_events``, ``vif``, ``condition_number``, ``warnings``.

    Notes
    -----
    Fitted by maximum likelihood (statsmodels GLM Binomial); weights enter as ``var_weights``
    rescaled to mean 1, with sandwich (HC0) standard errors, the pseudo-likelihood approach
    of survey software. Unweighted fits use model-based standard errors. Importance formulas:
    :func:`latent_relative_weights`, :func:`shapley_pseudo_r2`.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> frame = pd.DataFrame(rng.normal(size=(500, 2)), columns=["a", "b"])
    >>> frame["rec"] = np.clip(np.round(8 + frame["a"] + rng.logistic(size=500)), 0, 10)
    >>> table = promoter_model(frame, "rec", ["a", "b"], method="shapley_pseudo_r2")
    >>> bool(np.isclose(table["importance"].sum(), table.attrs["pseudo_r2"]))
    True
    """
    return nps_model(data, recommend, drivers, "promoter", weights, method, missing_codes)


def detractor_model(data: pd.DataFrame, recommend: str, drivers: list[str], weights=None,
                    method: str = "relative_weights", missing_codes=None) -> pd.DataFrame:
    """Drivers of being a detractor (0-6 vs 7-10): logistic regression with importances.

    Parameters, returns and notes as :func:`promoter_model`. The modelled event is
    detraction, so drivers that help have negative coefficients and odds ratios below 1;
    importances are unsigned.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> frame = pd.DataFrame(rng.normal(size=(500, 2)), columns=["a", "b"])
    >>> frame["rec"] = np.clip(np.round(7 + frame["a"] + rng.logistic(size=500)), 0, 10)
    >>> table = detractor_model(frame, "rec", ["a", "b"])
    >>> bool(table.loc[0, "odds_ratio"] < 1), int(table.loc[0, "rank"])
    (True, 1)
    """
    return nps_model(data, recommend, drivers, "detractor", weights, method, missing_codes)


def ordinal_model(data: pd.DataFrame, recommend: str, drivers: list[str], weights=None,
                  method: str = "relative_weights", missing_codes=None) -> pd.DataFrame:
    """Drivers of the whole 0-10 rating: proportional-odds (cumulative logit) model.

    Parameters and returns as :func:`promoter_model`; ``odds_ratio`` is the odds of a
    higher rating per scale point of the driver, and ``event_rate``/``n_events`` are None.

    Notes
    -----
    ``P(y <= j) = F(theta_j - x beta)`` with F logistic (McCullagh 1980); point estimates by
    :func:`ordinal_fit`, standard errors from statsmodels' OrderedModel (weighted
    pseudo-likelihood, sandwich HC0 when weighted). The latent-scale relative weights use
    the same ``pi^2/3`` error variance as the binary logit.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> frame = pd.DataFrame(rng.normal(size=(500, 2)), columns=["a", "b"])
    >>> frame["rec"] = np.clip(np.round(7 + frame["a"] + rng.logistic(size=500)), 0, 10)
    >>> table = ordinal_model(frame, "rec", ["a", "b"])
    >>> bool(table.loc[0, "odds_ratio"] > 1), table["rank"].tolist()
    (True, [1, 2])
    """
    return nps_model(data, recommend, drivers, "ordinal", weights, method, missing_codes)


def nps_models(data: pd.DataFrame, recommend: str, drivers: list[str], weights=None,
               method: str = "relative_weights", missing_codes=None) -> pd.DataFrame:
    """Promoter, detractor and ordinal models side by side, one tidy table.

    Parameters
    ----------
    data, recommend, drivers, weights, method, missing_codes
        As :func:`promoter_model`.

    Returns
    -------
    DataFrame
        The rows of :func:`promoter_model`, :func:`detractor_model` and
        :func:`ordinal_model` stacked, with a leading ``model`` column (``promoter``,
        ``detractor``, ``ordinal``). ``attrs["models"]`` holds each model's attrs;
        ``attrs["rank_difference"]``: driver -> promoter rank minus detractor rank.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> frame = pd.DataFrame(rng.normal(size=(800, 2)), columns=["delight", "basics"])
    >>> # 'basics' only matters at the bottom of the scale, 'delight' only at the top.
    >>> frame["rec"] = np.clip(np.round(7.5 + 1.5 * frame["delight"].clip(lower=0)
    ...     + 1.5 * frame["basics"].clip(upper=0) + rng.logistic(size=800)), 0, 10)
    >>> table = nps_models(frame, "rec", ["delight", "basics"])
    >>> ranks = table.pivot(index="driver", columns="model", values="rank")
    >>> ranks.loc[["delight", "basics"], ["promoter", "detractor"]].values.tolist()
    [[1, 2], [2, 1]]
    >>> table.attrs["rank_difference"]
    {'delight': -1, 'basics': 1}
    """
    tables, facts = [], {}
    for kind in NPS_MODELS:
        table = nps_model(data, recommend, drivers, kind, weights, method, missing_codes)
        facts[kind] = dict(table.attrs)
        tables.append(table.assign(model=kind))
    stacked = pd.concat(tables, ignore_index=True)
    stacked = stacked[["model", *[c for c in stacked.columns if c != "model"]]]
    stacked.attrs = {}
    ranks = stacked.pivot(index="driver", columns="model", values="rank")
    stacked.attrs.update({
        "models": facts, "importance_method": method,
        "rank_difference": {d: int(ranks.loc[d, "promoter"] - ranks.loc[d, "detractor"])
                            for d in facts["promoter"]["drivers"]},
    })
    return stacked
