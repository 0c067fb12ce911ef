"""The statistic a paired bootstrap evaluates per resample: every outcome's importances at once.

:func:`drivers.analysis.compare` resamples respondents once for CSAT and NPS together, so that
their difference in share has an interval. Its statistic lives here, apart from the analysis,
because it is what the worker processes of that bootstrap unpickle: importing this module
costs numpy, the correlations and the Shapley engine, not pandas, scipy.special or the
analyses (a third of each worker's start-up, about 0.6 s of CPU). Methods other than Shapley,
and pairwise correlations that an outcome needs repaired, bring in :mod:`drivers.importance`
when they first run.

Examples
--------
Shapley values of each outcome add up to its R^2 (an ordinary least squares fit):

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(300, 3))
>>> Y = X @ np.array([[1.0, 0.2], [0.5, 0.2], [0.0, 1.0]]) + rng.normal(size=(300, 2))
>>> values = PairedStatistic("shapley", None, "listwise", None)(X, Y, None)
>>> values.shape  # three drivers of the first outcome, then of the second
(6,)
>>> design = np.column_stack([np.ones(300), X])
>>> fitted = design @ np.linalg.lstsq(design, Y, rcond=None)[0]
>>> r2 = 1 - ((Y - fitted) ** 2).sum(axis=0) / ((Y - Y.mean(axis=0)) ** 2).sum(axis=0)
>>> np.allclose(values.reshape(2, 3).sum(axis=1), r2)
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from drivers.correlation import (
    PairwiseSums,
    is_positive_definite,
    nearest_positive_definite,
    weighted_correlation,
)
from drivers.shapley import shapley_values


class PairedStatistic:
    """Importances of every outcome from one resample (picklable for worker processes), the
    outcomes one after another: ``(outcome 0's drivers, outcome 1's drivers, ...)``.

    Shapley decomposes all outcomes in one sweep of the driver subsets, which they share;
    other methods, and pairwise correlations that an outcome needs repaired, run once per
    outcome as :func:`drivers.importance.bootstrap_statistic`.

    Parameters
    ----------
    method : str
        An importance method (:data:`drivers.importance.METHODS`).
    groups : list of list of int or None
        Driver columns decomposed together (dimensions), or None for one driver each.
    missing : {"listwise", "pairwise"}
        How the rows' blanks are handled (see :func:`drivers.importance.importance`).
    seed : int or None
        Seed of the methods that draw (sampled Shapley, the random forest).
    """

    def __init__(self, method, groups, missing, seed):
        self.method, self.groups, self.missing, self.seed = method, groups, missing, seed
        self._statistic = None  # drivers.importance's per-outcome statistic, made when needed
        self._sums = None  # (X, Y, their PairwiseSums): the same rows in every resample

    def __getstate__(self):
        # A worker makes its own sums, and the per-outcome statistic only if it needs it (so
        # a Shapley bootstrap's workers never import drivers.importance and pandas).
        return {**self.__dict__, "_sums": None, "_statistic": None}

    @property
    def statistic(self) -> Callable:
        """One outcome's statistic, ``f(X, y, w) -> importances``
        (:func:`drivers.importance.bootstrap_statistic`)."""
        if self._statistic is None:
            from drivers.importance import bootstrap_statistic

            self._statistic = bootstrap_statistic(self.method, self.groups, self.missing,
                                                  self.seed)
        return self._statistic

    def __call__(self, X, Y, w):
        corr = self._joint_correlation(X, Y, w) if self.method == "shapley" else None
        if corr is None:
            return np.concatenate([self.statistic(X, Y[:, j], w) for j in range(Y.shape[1])])
        p = X.shape[1]
        return shapley_values(corr[:p, :p], corr[:p, p:], groups=self.groups).T.ravel()

    def from_correlation(self, corr: np.ndarray, p: int) -> np.ndarray:
        """The same importances from the joint correlation matrix of the ``p`` drivers then
        the outcomes (moments of rows that are not in memory, :mod:`drivers.filestudy`).
        Under pairwise, an outcome whose block is not positive definite is repaired to the
        nearest correlation matrix, as :func:`drivers.importance.bootstrap_statistic` does."""
        own = [[*range(p), outcome] for outcome in range(p, corr.shape[0])]
        definite = [is_positive_definite(corr[np.ix_(rows, rows)]) for rows in own]
        if self.method == "shapley" and (self.missing != "pairwise" or all(definite)):
            return shapley_values(corr[:p, :p], corr[:p, p:], groups=self.groups).T.ravel()
        from drivers.importance import from_correlations

        values = []
        for rows, fine in zip(own, definite, strict=True):
            block = corr[np.ix_(rows, rows)]
            if self.missing == "pairwise" and not fine:
                block = nearest_positive_definite(block)
            values.append(from_correlations(self.method, block[:-1, :-1], block[:-1, -1],
                                            self.groups, self.seed))
        return np.concatenate(values)

    def _joint_correlation(self, X, Y, w):
        if self.missing != "pairwise":
            return weighted_correlation(np.column_stack([X, Y]), w)
        if self._sums is None or self._sums[0] is not X or self._sums[1] is not Y:
            self._sums = (X, Y, PairwiseSums(np.column_stack([X, Y])))
        corr = self._sums[2].correlation(w)
        p = X.shape[1]
        for outcome in range(p, corr.shape[0]):
            own = [*range(p), outcome]
            if not is_positive_definite(corr[np.ix_(own, own)]):
                return None
        return corr
