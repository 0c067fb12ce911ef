"""Driver importance: one front door, :func:`importance`, over every method.

Each method has a pure numeric core ``core(X, y, weights=None, *, groups=None, seed=None)``
that takes complete rows and returns one importance per driver (or per group); :data:`METHODS`
maps method names to those cores so resampling can call ``METHODS[method](X, y, w)`` cheaply.
Weights are treated as frequency weights (zeros allowed in the cores), which is what a
resample-count bootstrap needs.

========================  =====================================================  ===========
method                    importance                                             share rule
========================  =====================================================  ===========
``shapley``               LMG / Shapley share of R^2 (= general dominance)       ratio
``shapley_sampled``       the same, by permutation sampling, with ``mc_error``   ratio
``relative_weights``      Johnson (2000) relative weights, summing to R^2        ratio
``beta``                  standardized OLS coefficient (signed), HC3 SE          absolute
``pratt``                 beta x r (sums to R^2, may be negative)                ratio
``correlation``           zero-order (weighted) Pearson r                        absolute
``random_forest``         out-of-fold permutation importance (drop in R^2)       positive
``promoter`` etc.         NPS outcome models, see :mod:`drivers.outcome_models`  ratio
========================  =====================================================  ===========

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> frame = pd.DataFrame(rng.normal(size=(400, 3)), columns=["speed", "price", "staff"])
>>> frame["csat"] = frame @ [0.6, 0.3, 0.1] + rng.normal(size=400)
>>> table = importance(frame, "csat", ["speed", "price", "staff"])
>>> table[["driver", "rank"]].values.tolist()
[['speed', 1], ['price', 2], ['staff', 3]]
>>> bool(np.isclose(table["importance"].sum(), table.attrs["r2"]))
True
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial

import numpy as np
import pandas as pd

from drivers import outcome_models
from drivers.blas import one_blas_thread
from drivers.bootstrap import (
    BLOCK,
    INTERVAL_METHODS,
    Resamples,
    bootstrap_samples,
    interval_columns,
    jackknife_labels,
    jackknife_values,
    pairwise_differences,
    resolve_seed,
    share_samples,
    stream_seed,
    tie_groups,
)
from drivers.correlation import (
    effective_sample_size,
    is_positive_definite,
    min_eigenvalue,
    nearest_positive_definite,
    pairwise_correlation_matrix,
    weighted_correlation,
)
from drivers.diagnostics import (
    ModelDiagnostics,
    Rows,
    code_reasons,
    model_diagnostics,
    numeric_column,
    select_rows,
    standardized_fit,
)
from drivers.parallel import inner_threads
from drivers.shapley import sampled_shapley, shapley_values

#: Methods that work from a correlation matrix alone (and so allow missing="pairwise").
CORRELATION_METHODS = ("shapley", "shapley_sampled", "relative_weights", "beta", "pratt",
                       "correlation")
#: Methods that accept ``groups``.
GROUPED_METHODS = ("shapley", "shapley_sampled", "relative_weights", "random_forest")
#: Permutations of the sampled Shapley value.
N_PERMUTATIONS = 2000
#: Forest settings: fast on 2,000 x 20 while deep enough to pick up non-linearity.
FOREST = {"n_estimators": 200, "min_samples_leaf": 5, "max_features": 1 / 3}
#: Folds and permutation repeats of the random-forest importance.
FOREST_FOLDS, FOREST_REPEATS = 5, 5


# ---------------------------------------------------------------- numeric statistics


def correlations(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Driver correlation matrix ``Rxx`` and driver-outcome correlations ``rxy`` (weighted).

    >>> X = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 4.0], [4.0, 3.0]])
    >>> corr_xx, corr_xy = correlations(X, np.array([1.0, 2.0, 3.0, 4.0]))
    >>> corr_xx.round(2).tolist(), corr_xy.round(2).tolist()
    ([[1.0, 0.6], [0.6, 1.0]], [1.0, 0.6])
    """
    corr = weighted_correlation(np.column_stack([X, y]), weights)
    return corr[:-1, :-1], corr[:-1, -1]


def relative_weights(corr_xx: np.ndarray, corr_xy: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights from correlations; they sum to R^2.

    Parameters
    ----------
    corr_xx : ndarray (k, k)
        Driver correlation matrix (positive definite).
    corr_xy : ndarray (k,)
        Correlations of the drivers with the outcome.

    Returns
    -------
    ndarray (k,)
        Relative weight of each driver.

    Notes
    -----
    With ``Rxx = V diag(e) V'``, ``Lambda = Rxx^(1/2) = V diag(sqrt e) V'`` holds the
    correlations of the drivers with their closest orthogonal counterparts Z. The outcome's
    regression on Z is ``beta = Lambda^-1 rxy`` and each driver's weight is
    ``epsilon_j = sum_k Lambda_jk^2 beta_k^2`` (Johnson 2000, Multivariate Behavioral
    Research 35, 1-19). Since ``sum_j Lambda_jk^2 = 1``, the weights sum to
    ``beta'beta = R^2``.

    Examples
    --------
    >>> relative_weights(np.eye(2), np.array([0.3, 0.4])).round(2).tolist()
    [0.09, 0.16]
    """
    eigenvalues, vectors = np.linalg.eigh(corr_xx)
    if eigenvalues[0] <= 1e-12:
        raise ValueError("the driver correlation matrix is singular (a driver is a linear "
                         "combination of others); drop or combine drivers")
    root = (vectors * np.sqrt(eigenvalues)) @ vectors.T
    beta = np.linalg.solve(root, corr_xy)
    return (root ** 2) @ beta ** 2


def pratt(corr_xx: np.ndarray, corr_xy: np.ndarray) -> np.ndarray:
    """Pratt's measure: standardized beta times zero-order r; sums to R^2, can be negative.

    Notes
    -----
    ``d_j = beta_j r_j`` with ``beta = Rxx^-1 rxy`` (Pratt 1987; Thomas, Hughes & Zumbo 1998).
    A negative value marks a suppressor: its sign is kept, not hidden.

    Examples
    --------
    >>> pratt(np.array([[1.0, 0.5], [0.5, 1.0]]), np.array([0.5, 0.0])).round(4).tolist()
    [0.3333, -0.0]
    """
    beta, _ = standardized_fit(corr_xx, corr_xy)
    return beta * corr_xy


def group_sums(values: np.ndarray, groups: list[list[int]] | None) -> np.ndarray:
    """Sum per group of driver indices (the values themselves when ``groups`` is None).

    >>> group_sums(np.array([1.0, 2.0, 4.0]), [[0, 2], [1]]).tolist()
    [5.0, 2.0]
    """
    if groups is None:
        return values
    return np.array([values[list(members)].sum() for members in groups])


def _no_groups(method: str, groups) -> None:
    if groups is not None:
        raise ValueError(f"method {method!r} does not take groups; use one of "
                         f"{', '.join(GROUPED_METHODS)}, or composite_scores() to run "
                         f"{method!r} on dimension scores")


def shapley_core(X, y, weights=None, *, groups=None, seed=None) -> np.ndarray:
    """LMG / Shapley decomposition of the (weighted) R^2; per group when ``groups`` is given."""
    return from_correlations("shapley", *correlations(X, y, weights), groups, seed)


def _shapley_from(corr_xx, corr_xy, groups):
    # shapley_values refuses more than MAX_EXACT drivers (groups), naming the options.
    return np.asarray(shapley_values(corr_xx, corr_xy, groups=groups), dtype=float)


def shapley_sampled_core(X, y, weights=None, *, groups=None, seed=None) -> np.ndarray:
    """Shapley decomposition of R^2 by :data:`N_PERMUTATIONS` sampled permutations."""
    return from_correlations("shapley_sampled", *correlations(X, y, weights), groups, seed)


def relative_weights_core(X, y, weights=None, *, groups=None, seed=None) -> np.ndarray:
    """Relative weights of the (weighted) correlations; summed within group."""
    return from_correlations("relative_weights", *correlations(X, y, weights), groups, seed)


def beta_core(X, y, weights=None, *, groups=None, seed=None) -> np.ndarray:
    """Standardized (weighted) OLS coefficients."""
    return from_correlations("beta", *correlations(X, y, weights), groups, seed)


def pratt_core(X, y, weights=None, *, groups=None, seed=None) -> np.ndarray:
    """Pratt's beta x r."""
    return from_correlations("pratt", *correlations(X, y, weights), groups, seed)


def correlation_core(X, y, weights=None, *, groups=None, seed=None) -> np.ndarray:
    """Zero-order (weighted) correlations with the outcome."""
    return from_correlations("correlation", *correlations(X, y, weights), groups, seed)


def forest_importance(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None,
                      groups: list[list[int]] | None = None, seed: int | None = None
                      ) -> tuple[np.ndarray, np.ndarray, float]:
    """Out-of-fold permutation importance of a random forest.

    Returns
    -------
    mean, std : ndarray
        Mean and standard deviation, over folds and repeats, of the drop in held-out R^2 when
        a driver (or all drivers of a group together) is permuted.
    r2 : float
        Pooled out-of-fold R^2 of the forest.
    """
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.model_selection import KFold

    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    units = [[j] for j in range(X.shape[1])] if groups is None else [list(g) for g in groups]
    rng = np.random.default_rng(seed)
    drops, predicted = [], np.empty(len(y))
    folds = KFold(FOREST_FOLDS, shuffle=True, random_state=seed)
    for fold, (train, test) in enumerate(folds.split(X)):
        # Trees on every core here, on one inside a worker (drivers.parallel); the trees
        # do not depend on the thread count.
        forest = RandomForestRegressor(random_state=None if seed is None else seed + fold,
                                       n_jobs=inner_threads(), **FOREST)
        forest.fit(X[train], y[train], sample_weight=w[train])
        predicted[test] = forest.predict(X[test])
        drops.append(permutation_drop(forest, X[test], y[test], w[test], units,
                                      FOREST_REPEATS, rng))
    drops = np.vstack(drops)
    return drops.mean(axis=0), drops.std(axis=0, ddof=1), _weighted_r2(y, predicted, w)


def permutation_drop(model, X: np.ndarray, y: np.ndarray, weights: np.ndarray | None,
                     units: list[list[int]], repeats: int, rng: np.random.Generator
                     ) -> np.ndarray:
    """Drop in (weighted) R^2 of a fitted model when each unit's columns are permuted.

    The statistic of ``sklearn.inspection.permutation_importance`` with ``scoring="r2"``,
    except that all permuted copies go through one ``predict`` call (per-call overhead of a
    200-tree forest dominates otherwise) and a unit may hold several columns, permuted
    together with their rows intact (grouped importance).

    Returns
    -------
    ndarray (repeats, len(units))

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 2)); y = X @ [1.0, 0.0] + 0.1 * rng.normal(size=500)
    >>> drop = permutation_drop(LinearRegression().fit(X, y), X, y, None, [[0], [1]], 5, rng)
    >>> drop.mean(axis=0).round(1).tolist()
    [2.0, 0.0]
    """
    w = np.ones(len(y)) if weights is None else weights
    base = _weighted_r2(y, model.predict(X), w)
    copies = []
    for _ in range(repeats):
        for unit in units:
            shuffled = X.copy()
            shuffled[:, unit] = shuffled[rng.permutation(len(y))][:, unit]
            copies.append(shuffled)
    scores = model.predict(np.vstack(copies)).reshape(repeats, len(units), len(y))
    return np.array([[base - _weighted_r2(y, row, w) for row in repeat] for repeat in scores])


def _weighted_r2(y, predicted, w) -> float:
    mean = np.average(y, weights=w)
    return float(1 - np.sum(w * (y - predicted) ** 2) / np.sum(w * (y - mean) ** 2))


def random_forest_core(X, y, weights=None, *, groups=None, seed=None) -> np.ndarray:
    """Mean out-of-fold permutation importance of a random forest (drop in R^2)."""
    return forest_importance(X, y, weights, groups, seed)[0]


def _nps_core(kind: str) -> Callable:
    def core(X, y, weights=None, *, groups=None, seed=None):
        _no_groups(kind, groups)
        return outcome_models.latent_relative_weights(X, outcome_models.nps_target(y, kind),
                                                      weights, kind)

    core.__name__ = f"{kind}_core"
    core.__doc__ = (f"Relative weights on the latent scale of the {kind} model "
                    "(see drivers.outcome_models); ``y`` is the 0-10 recommend rating.")
    return core


#: Method name -> numeric core ``core(X, y, weights=None, *, groups=None, seed=None)``.
METHODS: dict[str, Callable[..., np.ndarray]] = {
    "shapley": shapley_core,
    "shapley_sampled": shapley_sampled_core,
    "relative_weights": relative_weights_core,
    "beta": beta_core,
    "pratt": pratt_core,
    "correlation": correlation_core,
    "random_forest": random_forest_core,
    **{kind: _nps_core(kind) for kind in outcome_models.NPS_MODELS},
}

#: How ``share`` is formed: ``ratio`` = v / sum v (decompositions; sums to 1, keeps signs),
#: ``absolute`` = |v| / sum |v| (signed coefficients), ``positive`` = max(v, 0) / sum max(v, 0)
#: (permutation importances, where a negative value means "no better than noise").
SHARE_RULES = {"shapley": "ratio", "shapley_sampled": "ratio", "relative_weights": "ratio",
               "beta": "absolute", "pratt": "ratio", "correlation": "absolute",
               "random_forest": "positive",
               **{kind: "ratio" for kind in outcome_models.NPS_MODELS}}


def shares(values: np.ndarray, rule: str) -> np.ndarray:
    """Importances as shares under a :data:`SHARE_RULES` rule.

    >>> shares(np.array([0.2, -0.1, 0.1]), "absolute").round(2).tolist()
    [0.5, 0.25, 0.25]
    >>> shares(np.array([0.2, -0.1, 0.1]), "positive").round(2).tolist()
    [0.67, 0.0, 0.33]
    """
    values = np.asarray(values, dtype=float)
    if rule == "absolute":
        values = np.abs(values)
    elif rule == "positive":
        values = np.clip(values, 0, None)
    total = values.sum()
    return values / total if total != 0 else np.full(values.shape, np.nan)


def ranks(values: np.ndarray) -> np.ndarray:
    """Rank by magnitude, 1 = largest |value|; ties share the better rank.

    >>> ranks(np.array([0.1, -0.5, 0.3, 0.3])).tolist()
    [4, 1, 2, 2]
    """
    magnitude = np.abs(np.asarray(values, dtype=float))
    if np.isnan(magnitude).any():
        return pd.Series(magnitude).rank(ascending=False, method="min").astype(int).to_numpy()
    # 1 + how many are strictly larger: the "min" rank of pandas, without a Series.
    return 1 + (magnitude[None, :] > magnitude[:, None]).sum(axis=1)


# ---------------------------------------------------------------- data frames


def composite_scores(data: pd.DataFrame, groups: Mapping[str, list[str]], min_answered: int = 1,
                     missing_codes=None) -> pd.DataFrame:
    """Dimension scores: the row mean of the answered attributes of each group.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    groups : dict
        Dimension name -> its attribute columns.
    min_answered : int
        Fewest answered attributes for a score; rows with fewer get NaN.
    missing_codes : list or dict, optional
        Values meaning "no answer", left out of the mean.

    Returns
    -------
    DataFrame
        Same index as ``data``, one column per group (in the order of ``groups``) holding the
        mean of that row's answered attributes. ``attrs["n_answered"]``: group -> number of
        rows with a score.

    Notes
    -----
    The alternative to grouped Shapley: importance on dimension scores treats each dimension
    as one driver measured by the average of its items (equal item weights), while grouped
    Shapley keeps the items and attributes R^2 to the group jointly.

    Examples
    --------
    >>> frame = pd.DataFrame({"a1": [4, 2, np.nan], "a2": [2, 98, np.nan], "s1": [5, 3, 1]})
    >>> scores = composite_scores(frame, {"BX": ["a1", "a2"], "SX": ["s1"]}, missing_codes=[98])
    >>> scores.to_dict(orient="list")
    {'BX': [3.0, 2.0, nan], 'SX': [5.0, 3.0, 1.0]}
    """
    if not groups:
        raise ValueError("groups must map at least one dimension name to its columns")
    codes = list(code_reasons(missing_codes))
    scores, answered = {}, {}
    for name, columns in groups.items():
        if not columns:
            raise ValueError(f"group {name!r} lists no columns")
        values = np.column_stack([numeric_column(data, c, f"group {name!r}") for c in columns])
        if codes:
            values = np.where(np.isin(values, codes), np.nan, values)
        count = (~np.isnan(values)).sum(axis=1)
        with np.errstate(invalid="ignore"):
            score = np.nansum(values, axis=1) / count
        scores[name] = np.where(count >= min_answered, score, np.nan)
        answered[name] = int((count >= min_answered).sum())
    table = pd.DataFrame(scores, index=data.index)
    table.attrs["n_answered"] = answered
    return table


def _resolve_groups(groups: Mapping[str, list[str]], drivers: list[str] | None
                    ) -> tuple[list[str], list[str], list[list[int]], list[str]]:
    """Drivers, group names, index lists and member texts; ungrouped drivers stand alone."""
    if not isinstance(groups, Mapping) or not groups:
        raise ValueError("groups must be a dict: group name -> list of driver columns")
    listed = [c for columns in groups.values() for c in columns]
    twice = sorted({c for c in listed if listed.count(c) > 1})
    if twice:
        raise ValueError(f"columns in more than one group: {', '.join(twice)}")
    drivers = list(listed) if drivers is None else list(drivers)
    unknown = [c for c in listed if c not in drivers]
    if unknown:
        raise ValueError(f"group columns not among drivers: {', '.join(unknown)}")
    names, indices, members = [], [], []
    for name, columns in groups.items():
        if not columns:
            raise ValueError(f"group {name!r} lists no columns")
        names.append(str(name))
        indices.append([drivers.index(c) for c in columns])
        members.append(", ".join(columns))
    for column in drivers:
        if column not in listed:
            if column in names:
                raise ValueError(f"driver {column!r} is in no group and shares its name with a "
                                 "group")
            names.append(column)
            indices.append([drivers.index(column)])
            members.append(column)
    return drivers, names, indices, members


@dataclass
class ImportanceDetails:
    """One importance fit: the tidy table and what stands behind it.

    ``table`` is what :func:`importance` returns; ``diagnostics`` holds per driver ``vif``,
    ``beta``, ``r`` and ``sign_reversal`` (see :func:`drivers.diagnostics.diagnostics_table`;
    ``fit`` is the same as a :class:`drivers.diagnostics.ModelDiagnostics` of arrays);
    ``rows`` the analysed rows; with a bootstrap, ``samples`` (resamples x drivers) of the
    importance, ``share_samples`` of the share, ``pairwise`` the difference in share of
    every ordered pair of drivers with its interval, ``jackknife`` the importance with each
    jackknife group left out (BCa intervals only; :func:`drivers.bootstrap.jackknife_labels`)
    and ``noise_samples`` the importance an irrelevant random variable got in each draw of
    the noise benchmark (:func:`noise_benchmark`; None for methods without it).
    """

    table: pd.DataFrame
    fit: ModelDiagnostics
    rows: Rows
    samples: np.ndarray | None = None
    share_samples: np.ndarray | None = None
    pairwise: pd.DataFrame | None = None
    jackknife: np.ndarray | None = None
    noise_samples: dict[int, np.ndarray] | None = None

    @cached_property
    def diagnostics(self) -> pd.DataFrame:
        """The diagnostics as a table, built on first use (``fit`` holds them as arrays)."""
        return self.fit.table()


def importance(data: pd.DataFrame, outcome: str, drivers: list[str] | None = None,
               method: str = "shapley", weights=None,
               groups: Mapping[str, list[str]] | None = None, bootstrap: int = 0,
               ci: float = 0.95, seed: int | None = None, missing: str = "listwise",
               missing_codes=None, missing_reasons: pd.DataFrame | None = None,
               n_jobs: int = 2, progress: bool | None = None,
               interval_method: str | None = None, noise_draws: int | None = None
               ) -> pd.DataFrame:
    """Importance of each driver (or group of drivers) for one outcome.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    outcome : str
        Outcome column (CSAT, likelihood to recommend, CES, ...).
    drivers : list of str, optional
        Driver columns; may be omitted when ``groups`` names them all.
    method : str
        ``shapley`` (default), ``shapley_sampled``, ``relative_weights``, ``beta``, ``pratt``,
        ``correlation``, ``random_forest``, or an NPS outcome model: ``promoter``,
        ``detractor``, ``ordinal`` (``outcome`` is then the 0-10 recommend rating; see
        :mod:`drivers.outcome_models`).
    weights : str, Series or None
        Weight column, or weights aligned with ``data``; must be positive.
    groups : dict, optional
        Group name -> driver columns, for grouped importance (``shapley``, ``shapley_sampled``:
        grouped Shapley of R^2; ``relative_weights``: weights summed within the group;
        ``random_forest``: the group's columns permuted together). Drivers in no group stand
        alone.
    missing : {"listwise", "pairwise"}
        ``pairwise`` builds the correlation matrix from pairwise-complete rows (correlation
        methods only); a matrix that is not positive definite is repaired to the nearest
        correlation matrix, with a warning.
    missing_codes : list or dict, optional
        Values meaning "no answer" in outcome and drivers (e.g. ``{98: "dont_know"}``).
    bootstrap : int
        Respondent resamples for intervals, tie groups and the noise benchmark (0: none).
        Weights are respected: a resampled respondent keeps its design weight.
    ci : float
        Level of the bootstrap intervals; ``1 - ci`` is the level of the noise test.
    seed : int, optional
        Seed of the resampling and of the sampled and random-forest methods; the same seed
        gives the same numbers bit for bit, whatever ``n_jobs``.
    missing_reasons : DataFrame, optional
        Why each blank is blank, aligned with ``data`` (``Study.missing``), so left-out rows
        are counted as ``not_applicable``, ``dont_know`` ... rather than as plain blanks.
    n_jobs : int
        Processes sharing the bootstrap (default 2, both cores of a small machine).
    progress : bool, optional
        Progress bar for the bootstrap; default: on for 200 or more resamples when standard
        error is a terminal.
    interval_method : {"bca", "percentile"}, optional
        How intervals are read off the resamples (:func:`drivers.bootstrap.interval`);
        default :data:`INTERVAL_DEFAULTS` of the method.
    noise_draws : int, optional
        Random variables drawn for the noise benchmark (:func:`noise_benchmark`); default
        ``min(bootstrap, NOISE_DRAWS)``; 0 skips the test (``noise_p`` NaN).

    Returns
    -------
    DataFrame
        One row per driver or group, in input order: ``driver`` (the driver or group name),
        ``importance``, ``share``, ``rank`` (1 = largest |importance|; ties share the better
        rank); with groups also ``members``; per method: ``shapley_sampled`` adds ``mc_error``
        (Monte Carlo standard error); ``beta`` adds ``std_error`` (HC3) and ``p_value``;
        ``pratt`` adds ``beta`` and ``r``; ``random_forest`` adds ``std`` (over folds and
        repeats); NPS models add ``coefficient``, ``std_error``, ``p_value``, ``odds_ratio``.
        With ``bootstrap``: ``ci_low``, ``ci_high`` (importance), ``share_ci_low``,
        ``share_ci_high``, ``rank_ci_low``, ``rank_ci_high`` (percentile: ranks are
        discrete), ``indistinguishable_from`` (the drivers whose difference in share from
        this one has an interval containing 0), ``tie_group`` (1 = the top driver and those
        that cannot be told apart from it; :func:`drivers.bootstrap.tie_groups` states the
        rule), ``tied_with_top`` (in tie group 1), ``noise_p`` (p-value of the test that the
        driver's importance exceeds what an irrelevant random variable gets,
        :func:`noise_benchmark`; NaN for methods without it) and ``beats_noise``
        (``noise_p < 1 - ci``; NA without the test). An interval of a share never reaches
        0 (shares of R^2 are positive), so "the interval excludes 0" says nothing about
        importance: ``beats_noise`` does.

        ``attrs``: ``method``, ``outcome``, ``drivers``, ``groups``, ``missing``, ``weighted``,
        ``n_used``, ``n_dropped``, ``dropped_reasons`` (reason -> rows), ``missing_cells``,
        ``n_effective`` (Kish, when weighted), ``r2``, ``adj_r2``, ``cv_r2``,
        ``condition_number``, ``vif`` (driver -> VIF), ``share_rule``, ``bootstrap``, ``ci`` and
        ``warnings``; with a bootstrap also ``interval_method``, ``resamples`` (the
        :class:`drivers.bootstrap.Resamples` of the importance, so that other statistics,
        such as performance in a priority matrix, can be evaluated on the same resampled
        respondents), ``noise_draws``, ``noise_alpha`` and ``tie_rule``. Under
        ``pairwise`` also ``n_pairwise_min``, ``n_pairwise_max``, ``n_complete``. ``r2``,
        ``adj_r2`` and ``cv_r2`` are always those of the linear model (under pairwise, from
        the pairwise matrix with ``n = n_pairwise_min``); ``random_forest`` adds
        ``forest_r2``, the forest's out-of-fold R^2.

    Notes
    -----
    ``share`` follows :data:`SHARE_RULES`: importance / sum for decompositions (shapley,
    relative weights, pratt: these sum to 1, and a negative Pratt share is kept as a sign of
    suppression); ``|importance| / sum |importance|`` for the signed ``beta`` and
    ``correlation``; negative permutation importances count as 0 for ``random_forest``.
    Shapley/LMG: Lindeman, Merenda & Gold (1980), Grömping (2006); equals general dominance
    (Budescu 1993; Azen & Budescu 2003). Relative weights: Johnson (2000).

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> frame = pd.DataFrame(rng.normal(size=(300, 4)), columns=["a1", "a2", "s1", "s2"])
    >>> frame["csat"] = frame.sum(axis=1) + rng.normal(size=300)
    >>> frame.loc[:9, "a1"] = 98
    >>> table = importance(frame, "csat", groups={"BX": ["a1", "a2"], "SX": ["s1", "s2"]},
    ...                    missing_codes={98: "dont_know"})
    >>> table[["driver", "members"]].values.tolist()
    [['BX', 'a1, a2'], ['SX', 's1, s2']]
    >>> table.attrs["n_used"], table.attrs["dropped_reasons"]
    (290, {'dont_know': 10})
    """
    return importance_details(data, outcome, drivers, method=method, weights=weights,
                              groups=groups, bootstrap=bootstrap, ci=ci, seed=seed,
                              missing=missing, missing_codes=missing_codes,
                              missing_reasons=missing_reasons, n_jobs=n_jobs,
                              progress=progress, interval_method=interval_method,
                              noise_draws=noise_draws).table


@one_blas_thread()
def importance_details(data: pd.DataFrame, outcome: str, drivers: list[str] | None = None,
                       method: str = "shapley", weights=None,
                       groups: Mapping[str, list[str]] | None = None, bootstrap: int = 0,
                       ci: float = 0.95, seed: int | None = None, missing: str = "listwise",
                       missing_codes=None, missing_reasons: pd.DataFrame | None = None,
                       n_jobs: int = 2, progress: bool | None = None,
                       interval_method: str | None = None,
                       noise_draws: int | None = None) -> ImportanceDetails:
    """:func:`importance` with the diagnostics, rows and bootstrap samples behind the table.

    Parameters are those of :func:`importance`; returns an :class:`ImportanceDetails`.

    >>> rng = np.random.default_rng(5)
    >>> frame = pd.DataFrame(rng.normal(size=(200, 2)), columns=["a", "b"])
    >>> frame["y"] = frame["a"] + rng.normal(size=200)
    >>> details = importance_details(frame, "y", ["a", "b"], bootstrap=100, seed=1, n_jobs=1)
    >>> details.samples.shape, list(details.pairwise.columns[:2])
    ((100, 2), ['driver', 'other'])
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if int(bootstrap) != bootstrap or bootstrap < 0:
        raise ValueError(f"bootstrap must be a whole number of resamples (0 for none), got "
                         f"{bootstrap!r}")
    interval_method = interval_method or INTERVAL_DEFAULTS[method]
    if interval_method not in INTERVAL_METHODS:
        raise ValueError(f"interval_method must be one of {', '.join(INTERVAL_METHODS)}, got "
                         f"{interval_method!r}")
    if method in outcome_models.NPS_MODELS:
        if groups is not None:
            _no_groups(method, groups)
        if missing != "listwise":
            raise ValueError(f"method {method!r} needs complete rows: use missing='listwise'")
        if drivers is None:
            raise ValueError("drivers must list the driver columns")
        drivers, names, indices, members = list(drivers), list(drivers), None, None
    elif groups is not None:
        if method not in GROUPED_METHODS:
            _no_groups(method, groups)
        drivers, names, indices, members = _resolve_groups(groups, drivers)
    elif drivers is None:
        raise ValueError("drivers must list the driver columns (or pass groups)")
    else:
        drivers = list(drivers)
        names, indices, members = list(drivers), None, None
    if missing == "pairwise" and method not in CORRELATION_METHODS:
        raise ValueError(f"missing='pairwise' works only with correlation-based methods "
                         f"({', '.join(CORRELATION_METHODS)}), not {method!r}")

    rows = select_rows(data, outcome, drivers, weights, missing, missing_codes,
                       missing_reasons)
    warnings = list(rows.warnings)
    warnings.extend(base_warnings(rows, len(data)))
    if method in outcome_models.NPS_MODELS:
        table = outcome_models.nps_model(data, outcome, drivers, kind=method, weights=weights,
                                         missing_codes=missing_codes)
        diagnostics = model_diagnostics(rows.moments, drivers, rows.data, rows.weights, seed=0,
                                        folds=rows.fold_sums)
        table.attrs.update({"dropped_reasons": rows.dropped_reasons, "seed": seed,
                            "groups": None})
        warnings.extend(table.attrs["warnings"])
    else:
        table, diagnostics = _point_table(method, rows, names, indices, members, seed,
                                          warnings)
        table.attrs["groups"] = (None if groups is None
                                 else {n: list(g) for n, g in groups.items()})
    details = ImportanceDetails(table=table, fit=diagnostics, rows=rows)
    if bootstrap:
        draws = min(int(bootstrap), NOISE_DRAWS) if noise_draws is None else int(noise_draws)
        _bootstrap(details, method, names, indices, int(bootstrap), ci, seed, interval_method,
                   n_jobs, progress, draws)
    details.table.attrs.update({"bootstrap": int(bootstrap), "ci": ci, "warnings": warnings})
    return details


#: Interval method by importance method when none is asked for: the percentile interval.
#: BCa is offered (``interval_method="bca"``) but the validity benchmark
#: (``make validity``, benchmarks/validity.py: six drivers; continuous, 1-5, 0-10 and weighted
#: populations; n = 300 and 2,000; both intervals from the same 1,000 resamples) found it no
#: better anywhere: the lowest coverage over the drivers was 0.933 / 0.923 / 0.930 / 0.930
#: (percentile) against 0.920 / 0.910 / 0.923 / 0.887 (BCa) at n = 300, and the top driver's
#: 0.953 / 0.927 / 0.947 / 0.940 against 0.943 / 0.937 / 0.923 / 0.917 (Monte Carlo standard
#: errors about 0.013). Shares are bounded and their bias correction is noisy at these sizes.
INTERVAL_DEFAULTS = {**{name: "percentile" for name in CORRELATION_METHODS},
                     "random_forest": "percentile",
                     **{kind: "percentile" for kind in outcome_models.NPS_MODELS}}

#: Methods whose importance is tested against an irrelevant random variable (``noise_p``).
NOISE_METHODS = CORRELATION_METHODS
#: Random variables drawn by default for the noise test: with 199, (draws + 1) x 0.05 is
#: whole, the usual size of a Monte Carlo test at the 5 % level (Davison & Hinkley 1997,
#: sec. 4.2.5); each draw costs one importance fit with one more driver.
NOISE_DRAWS = 199


def _bootstrap(details: ImportanceDetails, method: str, names: list[str], indices, n: int,
               ci: float, seed: int | None, interval_method: str, n_jobs: int,
               progress: bool | None, draws: int) -> None:
    """Resample, and add intervals, tie groups and the noise test to ``details.table``."""
    table, rows = details.table, details.rows
    resample_seed = resolve_seed(seed)
    statistic = bootstrap_statistic(method, indices, rows.missing, seed)
    samples = bootstrap_samples(statistic, rows.X, rows.y, rows.weights, n_resamples=n,
                                seed=resample_seed, n_jobs=n_jobs,
                                progress=_show(progress, n), description=f"bootstrap {method}")
    rule = SHARE_RULES[method]
    share_rows = share_samples(samples, rule)
    jackknife = jackknife_shares = None
    if interval_method == "bca":
        labels = jackknife_labels(rows.n_used, resample_seed)
        jackknife = jackknife_values(statistic, rows.X, rows.y, rows.weights, labels)
        jackknife_shares = share_samples(jackknife, rule)
    point_shares = table["share"].to_numpy(dtype=float)
    pairs = pairwise_differences(share_rows, names, ci, point=point_shares,
                                 method=interval_method, jackknife=jackknife_shares)
    result = interval_columns(table, samples, ci, shares=share_rows, pairs=pairs,
                              method=interval_method, jackknife=jackknife,
                              jackknife_shares=jackknife_shares)
    result = tie_groups(result, pairs)
    noise = None
    if method in NOISE_METHODS and draws > 0:
        p_values, noise = noise_benchmark(method, rows, table["importance"].to_numpy(float),
                                          indices, draws=draws, seed=resample_seed)
        result["noise_p"] = p_values
        result["beats_noise"] = pd.array(p_values < 1 - ci, dtype="boolean")
    else:
        result["noise_p"] = np.nan
        result["beats_noise"] = pd.array([pd.NA] * len(result), dtype="boolean")
    result.attrs = table.attrs
    result.attrs.update({
        "interval_method": interval_method,
        "resamples": Resamples(samples, tuple(names), rows.index, resample_seed, rule),
        "noise_draws": draws if noise is not None else 0, "noise_alpha": 1 - ci,
        "tie_rule": "leader: each group is the best driver not yet grouped and every "
                    "driver not yet grouped whose share difference from it has an "
                    f"interval ({100 * ci:g}%, {interval_method}) containing 0"})
    details.table, details.samples, details.share_samples = result, samples, share_rows
    details.pairwise, details.jackknife, details.noise_samples = pairs, jackknife, noise


def noise_benchmark(method: str, rows: Rows, importances: np.ndarray,
                    groups: list[list[int]] | None = None, draws: int = 1000,
                    seed: int | None = None) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Does each driver's importance exceed what an irrelevant random variable would get?

    Parameters
    ----------
    method : str
        A correlation-based method (:data:`NOISE_METHODS`).
    rows : Rows
        The analysed rows (:func:`drivers.diagnostics.select_rows`).
    importances : ndarray
        The observed importance of each driver (or group).
    groups : list of list of int, optional
        Driver indices of each group (grouped importance).
    draws : int
        Random variables drawn (the p-value's resolution is ``1 / (draws + 1)``).
    seed : int, optional
        Seed; the draws come from its ``"noise"`` stream.

    Returns
    -------
    p_values : ndarray
        One per driver (or group): ``(1 + #{noise >= observed}) / (draws + 1)``.
    noise : dict
        Group size -> the importance the random variable(s) got in each draw.

    Notes
    -----
    The random-variable benchmark of Tonidandel, LeBreton & Johnson (2009, *Psychological
    Methods* 14(4), 387-399): an irrelevant variable (independent standard normal, with the
    respondents' design weights) is added to the drivers and its importance, computed with
    the same method on the same data, is what noise earns. They compare each driver with
    one random variable inside a bootstrap; the bootstrap distribution of that difference
    is centred on the observed difference and carries the spread of both, so an irrelevant
    driver is flagged far less often than the nominal level. Here the benchmark is a Monte
    Carlo test instead (Barnard 1963; Davison & Hinkley 1997, sec. 4.2.5): ``draws`` fresh
    random variables are added to the observed data one at a time, and the p-value is the
    rank of the driver's importance among theirs. Under the null hypothesis that the driver
    is unrelated to the outcome and to the other drivers it is exchangeable with such a
    variable up to its marginal distribution, which moves the correlations of an
    independent variable only at second order (their variance is ``1 / n`` whatever the
    marginals), so the test holds its level (see ``make validity``).

    A group of ``m`` drivers is compared with a group of ``m`` random variables (the null
    importance of a group grows with its size). Under ``missing="pairwise"`` a driver rests
    on the respondents who answered it while the random variable is complete; the null
    importance of an irrelevant variable scales with ``1 / n_effective`` of the rows its
    correlations rest on, so the observed importance is compared after multiplying by
    ``n_eff(driver and outcome answered) / n_eff(outcome answered)``.

    Examples
    --------
    >>> from drivers.diagnostics import select_rows
    >>> rng = np.random.default_rng(0)
    >>> frame = pd.DataFrame(rng.normal(size=(300, 3)), columns=["real", "small", "none"])
    >>> frame["y"] = frame["real"] + 0.2 * frame["small"] + rng.normal(size=300)
    >>> rows = select_rows(frame, "y", ["real", "small", "none"])
    >>> values = shapley_core(rows.X, rows.y)
    >>> p_values, _ = noise_benchmark("shapley", rows, values, draws=199, seed=1)
    >>> (p_values < 0.05).tolist()
    [True, True, False]
    """
    k = rows.X.shape[1]
    units = [[j] for j in range(k)] if groups is None else [list(g) for g in groups]
    rule = SHARE_RULES[method]
    observed = _magnitude(np.asarray(importances, dtype=float), rule) * _answered_scale(rows,
                                                                                       units)
    w = np.ones(rows.n_used) if rows.weights is None else np.asarray(rows.weights, float)
    data = rows.data
    if rows.missing == "pairwise":
        corr_xx, corr_xy = pairwise_correlations(rows.moments, [])[:2]
    else:
        corr = rows.moments.correlation()
        corr_xx, corr_xy = corr[:-1, :-1], corr[:-1, -1]
    sizes = sorted({len(u) for u in units})
    noise = {m: np.empty(draws) for m in sizes}
    children = stream_seed(seed, "noise").spawn(int(np.ceil(draws / BLOCK)))
    for block, child in enumerate(children):
        rng = np.random.default_rng(child)
        for draw in range(block * BLOCK, min((block + 1) * BLOCK, draws)):
            for m in sizes:
                # One draw at a time: memory stays at n x m whatever the number of draws.
                with_data, among = _noise_correlations(rng.standard_normal((rows.n_used, m)),
                                                       data, w)
                noise[m][draw] = _noise_importance(method, corr_xx, corr_xy, with_data, among,
                                                   units, groups is not None, rows.missing,
                                                   seed)
    p_values = np.array([(1 + np.sum(noise[len(u)] >= value)) / (draws + 1)
                         for u, value in zip(units, observed, strict=True)])
    return p_values, noise


def _magnitude(values: np.ndarray, rule: str) -> np.ndarray:
    """Importance as a size comparable across drivers, by the method's share rule."""
    if rule == "absolute":
        return np.abs(values)
    if rule == "positive":
        return np.clip(values, 0, None)
    return values


def _answered_scale(rows: Rows, units: list[list[int]]) -> np.ndarray:
    """Per unit: Kish n of (driver and outcome answered) over Kish n of (outcome answered)."""
    if rows.missing != "pairwise":
        return np.ones(len(units))
    kish = rows.moments.pair_n_effective
    per_driver = kish[:-1, -1] / kish[-1, -1]
    return np.array([np.mean([per_driver[j] for j in unit]) for unit in units])


def _noise_correlations(noise: np.ndarray, data: np.ndarray, w: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Weighted correlations of the noise columns with every data column (over the rows
    where that column is answered) and among themselves.

    Returns arrays of shape (noise columns, data columns) and (noise columns, noise columns).
    """
    def standardized(values: np.ndarray, weight: np.ndarray) -> np.ndarray:
        centred = values - weight @ values / weight.sum()
        return centred / np.sqrt(weight @ centred ** 2)

    noise_z = standardized(noise, w)
    among = noise_z.T @ (w[:, None] * noise_z)
    answered = ~np.isnan(data)
    if answered.all():
        return noise_z.T @ (w[:, None] * standardized(data, w)), among
    with_data = np.empty((noise.shape[1], data.shape[1]))
    for j in range(data.shape[1]):
        rows = answered[:, j]
        weight = w[rows]
        with_data[:, j] = (standardized(noise[rows], weight).T
                           @ (weight * standardized(data[rows, j], weight)))
    return with_data, among


def _noise_importance(method, corr_xx, corr_xy, with_data, among, units, grouped, missing,
                      seed):
    """Importance of the random variable(s) added to the model (the last unit)."""
    k, m = corr_xx.shape[0], among.shape[0]
    augmented = np.empty((k + m + 1, k + m + 1))
    augmented[:k, :k], augmented[:k, -1] = corr_xx, corr_xy
    augmented[-1, :k] = corr_xy
    augmented[k:k + m, k:k + m] = among
    augmented[k:k + m, :k] = with_data[:, :k]
    augmented[:k, k:k + m] = with_data[:, :k].T
    augmented[k:k + m, -1] = augmented[-1, k:k + m] = with_data[:, -1]
    augmented[-1, -1] = 1.0
    if missing == "pairwise" and not is_positive_definite(augmented):
        augmented = nearest_positive_definite(augmented)
    groups = [*units, list(range(k, k + m))] if grouped else None
    values = from_correlations(method, augmented[:-1, :-1], augmented[:-1, -1], groups, seed)
    return _magnitude(np.asarray(values, dtype=float), SHARE_RULES[method])[-1]


def base_warnings(rows: Rows, n_rows: int, threshold: float = 0.10) -> list[str]:
    """Warn when one reason leaves out a large part of the sample (e.g. "not applicable").

    A model fitted on the respondents who answered every driver describes those respondents:
    when a reason such as ``not_applicable`` (customers who never contacted an agent) takes
    out at least ``threshold`` of the rows, the researcher must know and choose the base.
    """
    messages = []
    for reason, count in rows.dropped_reasons.items():
        if n_rows and count >= threshold * n_rows:
            columns = rows.reason_columns.get(reason, [])
            shown = ", ".join(columns[:6]) + (" ..." if len(columns) > 6 else "")
            messages.append(
                f"{count} of {n_rows} respondents ({100 * count / n_rows:.0f}%) are left out as "
                f"{reason}" + (f" (in {shown})" if shown else "") + f": the results describe "
                f"the {rows.n_used} who answered every driver. To keep everyone, use "
                "missing='pairwise' (correlation methods) or composite scores; to analyse "
                "the answered base on purpose, keep listwise and state the base")
    return messages


def _point_table(method, rows, names, indices, members, seed, warnings):
    table, diagnostics = moments_point_table(method, rows.moments, rows.missing, names, indices,
                                             members, seed, warnings, rows=rows)
    n_effective = None
    if rows.weights is not None:
        # Kish n of the rows analysed (for pairwise: every row with two answers or more).
        n_effective = (rows.moments.n_effective if rows.missing == "listwise"
                       else effective_sample_size(rows.weights))
    table.attrs.update(row_facts(rows, n_effective))
    return table, diagnostics


def row_facts(rows, n_effective: float | None) -> dict:
    """The row account of an importance table's ``attrs``: ``weighted``, ``n_used``,
    ``n_dropped``, ``dropped_reasons``, ``missing_cells`` and (weighted) ``n_effective``.

    ``rows`` is a :class:`drivers.diagnostics.Rows` or anything with those attributes (the
    row account of a file read by :mod:`drivers.big`); ``n_effective`` None: unweighted.
    """
    facts = {"weighted": n_effective is not None, "n_used": rows.n_used,
             "n_dropped": rows.n_dropped, "dropped_reasons": rows.dropped_reasons,
             "missing_cells": rows.missing_cells}
    if n_effective is not None:
        facts["n_effective"] = n_effective
    return facts


def moments_point_table(method: str, moments, missing: str, names: list[str], indices,
                        members, seed, warnings: list[str], rows: Rows | None = None
                        ) -> tuple[pd.DataFrame, ModelDiagnostics]:
    """The importance table and diagnostics of a correlation method from moments alone.

    ``moments`` (:class:`drivers.moments.Moments`) hold the drivers then the outcome, with
    the pairwise moments under ``missing="pairwise"``. ``rows`` (optional) give what moments
    cannot: the cross-validated R^2 (folds of rows), HC3 standard errors of ``beta`` and the
    random forest; without them ``cv_r2``, ``std_error`` and ``p_value`` are NaN (with a
    warning for ``beta``) and ``random_forest`` is refused. The row account (``n_used``,
    ``dropped_reasons`` ...) is the caller's (:func:`row_facts`).

    >>> from drivers.moments import Moments
    >>> rng = np.random.default_rng(0)
    >>> values = rng.normal(size=(500, 3)); values[:, 2] += values[:, 0]
    >>> m = Moments.from_arrays(values, columns=["a", "b", "y"])
    >>> table, _ = moments_point_table("shapley", m, "listwise", ["a", "b"], None, None, None, [])
    >>> table["rank"].tolist(), bool(np.isnan(table.attrs["cv_r2"]))
    ([1, 2], True)
    """
    drivers, outcome = list(moments.columns[:-1]), moments.columns[-1]
    if rows is None and method not in CORRELATION_METHODS:
        raise ValueError(f"method {method!r} needs the rows, not only their moments; choose "
                         f"one of {', '.join(CORRELATION_METHODS)}")
    if missing == "pairwise":
        corr_xx, corr_xy, facts = pairwise_correlations(moments, warnings)
        diagnostics = ModelDiagnostics.from_correlations(corr_xx, corr_xy,
                                                         facts["n_pairwise_min"], drivers,
                                                         cv_r2=float("nan"))
    else:
        facts = {}
        corr = moments.correlation()
        corr_xx, corr_xy = corr[:-1, :-1], corr[:-1, -1]
        diagnostics = ModelDiagnostics.from_correlations(
            corr_xx, corr_xy, moments.n, drivers,
            cv_r2=float("nan") if rows is None else rows.cv_r2)
    warnings.extend(diagnostics.warnings)

    columns = _estimate(method, rows, missing, corr_xx, corr_xy, indices, seed, facts, warnings)
    values = columns.pop("importance")
    table = tidy_frame({"driver": names, "importance": values,
                        "share": shares(values, SHARE_RULES[method]), "rank": ranks(values),
                        **({} if members is None else {"members": members}), **columns})
    if SHARE_RULES[method] == "ratio" and (values < 0).any():
        negative = ", ".join(n for n, v in zip(names, values, strict=True) if v < 0)
        warnings.append(f"negative {method} importance for {negative}: a suppressor; its share "
                        "is negative and the others add to more than 1")
    table.attrs.update({
        "method": method, "outcome": outcome, "drivers": drivers, "missing": missing,
        "seed": seed, "r2": diagnostics.r2, "adj_r2": diagnostics.adj_r2,
        "cv_r2": diagnostics.cv_r2, "condition_number": diagnostics.condition_number,
        "vif": dict(zip(drivers, diagnostics.vif.astype(float), strict=True)),
        "share_rule": SHARE_RULES[method],
    })
    table.attrs.update(facts)
    return table, diagnostics


def tidy_frame(columns: dict) -> pd.DataFrame:
    """``pd.DataFrame(columns)`` (no copy of the arrays), with the column labels and the
    columns of text labels (a list of ``str``, e.g. the driver names) built once per set of
    names.

    pandas builds an Index of the labels and an array of each text column on every call;
    since pandas 3 both are arrow-backed strings costing about 0.05-0.1 ms each, a tenth of a
    small model's front door. The kept ones are copied into each table (a copy of an arrow
    array shares its buffers, which nobody writes: pandas replaces them on assignment), so
    renaming one table's columns or editing its cells leaves the others alone. The table is
    made from the list of columns (``DataFrame._from_arrays``, pandas 1.x to 3.x, which checks
    them as the constructor does) rather than from a dict, whose keys pandas would turn into
    an Index first; without it, the constructor.

    >>> tidy_frame({"driver": ["a", "b"], "rank": np.array([2, 1])}).to_dict("list")
    {'driver': ['a', 'b'], 'rank': [2, 1]}
    """
    arrays = [_text_column(values) for values in columns.values()]
    labels = _labels(tuple(columns)).copy()
    from_arrays = getattr(pd.DataFrame, "_from_arrays", None)
    if from_arrays is not None:
        return from_arrays(arrays, columns=labels, index=pd.RangeIndex(len(arrays[0])))
    table = pd.DataFrame(dict(enumerate(arrays)), copy=False)
    table.columns = labels
    return table


@lru_cache(maxsize=64)
def _labels(names: tuple) -> pd.Index:
    return pd.Index(names)


def _text_column(values):
    """A list of ``str`` as the array pandas makes of it, kept by :func:`_kept_text` and
    copied; anything else (or when pandas does not tell how it infers text) as given."""
    if (_infers_strings is None or not isinstance(values, list)
            or not all(type(value) is str for value in values)):
        return values
    return _kept_text(tuple(values), _infers_strings()).copy()


# How pandas infers the type of text (arrow strings, or objects when its "future.infer_string"
# option is off): part of the key of the kept arrays. Asked directly, since get_option warns
# of the option's removal in pandas 3.1; older pandas name it otherwise, and keep nothing.
_infers_strings = getattr(pd._config, "using_string_dtype", None)


@lru_cache(maxsize=64)
def _kept_text(values: tuple[str, ...], infer_string: bool):
    # The array of a Series built from the list: the same inference as a DataFrame column.
    return pd.Series(list(values), copy=False).array


# ---------------------------------------------------------------- bootstrap


def bootstrap_statistic(method: str, groups: list[list[int]] | None = None,
                        missing: str = "listwise", seed: int | None = None) -> Callable:
    """The function ``f(X, y, w) -> importances`` that a bootstrap evaluates per resample.

    ``w`` are frequency weights (design weight x times drawn). Under ``missing="pairwise"``
    ``X`` and ``y`` keep their blanks and each resample builds its own pairwise correlation
    matrix (repaired to the nearest correlation matrix when it is not positive definite).
    The result is picklable, so resamples can run in other processes.
    """
    if missing == "pairwise":
        return partial(_pairwise_statistic, method=method, groups=groups, seed=seed)
    return partial(_core_statistic, core=METHODS[method], groups=groups, seed=seed)


def _core_statistic(X, y, w, *, core, groups, seed):
    return core(X, y, w, groups=groups, seed=seed)


def _pairwise_statistic(X, y, w, *, method, groups, seed):
    corr = pairwise_correlation_matrix(np.column_stack([X, y]), w)
    if not is_positive_definite(corr):
        corr = nearest_positive_definite(corr)
    return from_correlations(method, corr[:-1, :-1], corr[:-1, -1], groups, seed)


def from_correlations(method: str, corr_xx, corr_xy, groups=None, seed=None) -> np.ndarray:
    """Importance of a correlation-based method straight from ``Rxx`` and ``rxy``.

    >>> from_correlations("relative_weights", np.eye(2), np.array([0.3, 0.4])).round(2).tolist()
    [0.09, 0.16]
    """
    if method == "shapley":
        return _shapley_from(corr_xx, corr_xy, groups)
    if method == "shapley_sampled":
        values, _ = sampled_shapley(corr_xx, corr_xy, n_permutations=N_PERMUTATIONS, seed=seed,
                                    groups=groups)
        return np.asarray(values, dtype=float)
    if method == "relative_weights":
        return group_sums(relative_weights(corr_xx, corr_xy), groups)
    if groups is not None:
        _no_groups(method, groups)
    if method == "beta":
        return standardized_fit(corr_xx, corr_xy)[0]
    if method == "pratt":
        return pratt(corr_xx, corr_xy)
    if method == "correlation":
        return np.asarray(corr_xy, dtype=float).copy()
    raise ValueError(f"method {method!r} does not work from correlations alone; choose one of "
                     f"{', '.join(CORRELATION_METHODS)}")


def _show(progress: bool | None, n_resamples: int) -> bool:
    if progress is None:
        return n_resamples >= 200 and sys.stderr.isatty()
    return bool(progress)


def _estimate(method: str, rows: Rows | None, missing: str, corr_xx, corr_xy, groups, seed,
              facts: dict, warnings: list[str]) -> dict[str, np.ndarray]:
    """Importance and the method's extra columns, from the correlations or the rows."""
    if method == "shapley_sampled":
        values, errors = sampled_shapley(corr_xx, corr_xy, n_permutations=N_PERMUTATIONS,
                                         seed=seed, groups=groups)
        return {"importance": np.asarray(values, float), "mc_error": np.asarray(errors, float)}
    if method == "pratt":
        beta, _ = standardized_fit(corr_xx, corr_xy)
        return {"importance": beta * corr_xy, "beta": beta, "r": corr_xy}
    if method == "beta":
        if missing == "pairwise" or rows is None:
            warnings.append("beta from " + ("pairwise correlations" if missing == "pairwise"
                                            else "moments") + ": no standard errors (they need "
                            "complete rows); std_error and p_value are NaN")
            beta, _ = standardized_fit(corr_xx, corr_xy)
            nan = np.full(len(beta), np.nan)
            return {"importance": beta, "std_error": nan, "p_value": nan}
        return robust_beta(rows.X, rows.y, rows.weights)
    if method == "random_forest":
        mean, std, forest_r2 = forest_importance(rows.X, rows.y, rows.weights, groups, seed)
        facts["forest_r2"] = forest_r2
        return {"importance": mean, "std": std}
    return {"importance": from_correlations(method, corr_xx, corr_xy, groups, seed)}


def robust_beta(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None
                ) -> dict[str, np.ndarray]:
    """Standardized coefficients with HC3 standard errors, from statsmodels OLS/WLS.

    Drivers and outcome are z-scored with (weighted) means and standard deviations, then
    ``y_z`` is regressed on ``X_z`` (WLS when weighted) with HC3 covariance and t p-values
    (n - k - 1 degrees of freedom).

    Returns
    -------
    dict
        ``importance`` (beta), ``std_error``, ``p_value``.
    """
    import statsmodels.api as sm

    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    values = np.column_stack([X, y])
    mean = np.average(values, axis=0, weights=w)
    scale = np.sqrt(np.average((values - mean) ** 2, axis=0, weights=w))
    z = (values - mean) / scale
    design = sm.add_constant(z[:, :-1], has_constant="add")
    model = sm.OLS(z[:, -1], design) if weights is None else sm.WLS(z[:, -1], design, weights=w)
    fit = model.fit(cov_type="HC3", use_t=True)
    return {"importance": fit.params[1:], "std_error": fit.bse[1:], "p_value": fit.pvalues[1:]}


def pairwise_correlations(moments, warnings: list[str]
                          ) -> tuple[np.ndarray, np.ndarray, dict]:
    """Pairwise-complete correlations of pairwise moments (drivers then outcome), checked
    (and repaired) for positive definiteness: ``Rxx``, ``rxy`` and the pairwise-n facts."""
    corr = moments.correlation("pairwise")
    n_pairs = moments.pair_n.astype(float)
    labels = list(moments.columns)
    off = ~np.eye(len(labels), dtype=bool)
    if np.isnan(corr[off]).any() or n_pairs[off].min() < 3:
        i, j = np.argwhere(off & (np.isnan(corr) | (n_pairs < 3)))[0]
        raise ValueError(f"columns {labels[i]!r} and {labels[j]!r} are answered together in "
                         f"{int(n_pairs[i, j])} rows; a correlation needs at least 3 with "
                         "variation in both")
    facts = {"n_pairwise_min": int(n_pairs[off].min()), "n_pairwise_max": int(n_pairs[off].max()),
             "n_complete": moments.n}
    if not is_positive_definite(corr):
        smallest = min_eigenvalue(corr)
        corr = nearest_positive_definite(corr)
        warnings.append("pairwise correlation matrix is not positive definite (smallest "
                        f"eigenvalue {smallest:.4f}): repaired to the nearest correlation "
                        "matrix (Higham 2002); results are approximate, consider listwise")
    if facts["n_pairwise_min"] < 0.5 * facts["n_pairwise_max"]:
        warnings.append(f"pairwise n ranges from {facts['n_pairwise_min']} to "
                        f"{facts['n_pairwise_max']}: correlations rest on different respondents")
    return corr[:-1, :-1], corr[:-1, -1], facts
