"""Which rows a driver model uses, and how sound the linear model behind it is.

Two jobs that every importance method shares:

* **Row accounting** (:func:`select_rows`): missing codes become blanks, and every row left
  out is counted under a reason, never dropped silently.
* **Regression diagnostics** (:func:`regression_diagnostics`): R^2, adjusted and
  cross-validated R^2, variance inflation factors, the condition number, sign reversals
  (suppression) and sample size against the number of drivers, with warnings at the usual
  thresholds.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(1)
>>> frame = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
>>> frame["y"] = frame["a"] + 0.5 * frame["b"] + rng.normal(size=300)
>>> table = regression_diagnostics(frame, "y", ["a", "b", "c"])
>>> list(table.columns)
['driver', 'vif', 'beta', 'r', 'sign_reversal']
>>> round(table.attrs["r2"], 3), table.attrs["warnings"]
(0.546, [])
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import accumulate

import numpy as np
import pandas as pd

from drivers.blas import one_blas_thread
from drivers.moments import BLOCK_ROWS, Moments, design_weight_faults, frequency_weights

#: VIF above which collinearity is worth a caution, and above which it is severe.
VIF_CAUTION, VIF_SEVERE = 5.0, 10.0
#: Condition number of the standardized design above which estimates are unstable.
CONDITION_LIMIT = 30.0
#: How many rows an error message lists before it says "and N more".
ROWS_SHOWN = 8

#: Reasons a row is left out when an outcome or driver cell is empty.
OUTCOME_MISSING, DRIVER_MISSING = "outcome_missing", "driver_missing"
#: Reason a row is left out of pairwise correlations: nothing left to pair.
TOO_FEW_ANSWERS = "fewer_than_two_answers"
#: Folds and seed of the cross-validated R^2 that every importance table reports.
CV_FOLDS, CV_SEED = 5, 0
#: A fold's normal equations are solved directly (no eigen decomposition) when their
#: condition number is at most this: two stable solvers then agree to about this times the
#: machine epsilon (2e-10 relative), and the minimum-norm solution leaves nothing out.
#: Survey designs sit near 1e2-1e4; nearly collinear drivers take the eigen route.
SOLVE_CONDITION = 1e6


@dataclass
class Rows:
    """The analysable rows of a driver model and the account of the ones left out.

    ``X`` (n_used x k) and ``y`` hold the used rows (views of ``data``, drivers then
    outcome); under ``missing="pairwise"`` they may still contain NaN. ``moments`` are their
    weighted moments (:class:`drivers.moments.Moments`). ``weights`` is None for an unweighted analysis. ``dropped_reasons``
    counts every left-out row once, under the most widespread reason among its blank cells
    (the reason with most blank cells overall); ``missing_cells`` counts blank cells among the used rows and the left-out
    ones by reason.
    """

    X: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None
    index: pd.Index
    outcome: str
    drivers: list[str]
    missing: str
    n_dropped: int
    dropped_reasons: dict[str, int]
    missing_cells: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    reason_columns: dict[str, list[str]] = field(default_factory=dict)
    data: np.ndarray | None = None

    def __post_init__(self):
        if self.data is None:
            self.data = np.column_stack([self.X, self.y])

    @property
    def n_used(self) -> int:
        return len(self.y)

    @cached_property
    def moments(self) -> Moments:
        """Weighted moments of the used rows, drivers then outcome (pairwise ones too under
        ``missing="pairwise"``); computed once, on first use. Listwise, they are the sum of
        the moments of the cross-validation folds (:attr:`fold_sums`): one pass serves both."""
        if self.missing == "listwise":
            return self._listwise_pass[0]
        return Moments.from_arrays(self.data, self.weights, columns=[*self.drivers,
                                                                     self.outcome],
                                   pairwise=True)

    @property
    def fold_sums(self) -> np.ndarray | None:
        """Listwise rows: the weighted sums of ``[1, x - shift]`` of each of the
        :data:`CV_FOLDS` folds of the cross-validated R^2 (seed :data:`CV_SEED`), about
        ``moments.shift`` (see :func:`fold_sums`); None under pairwise or with too few rows."""
        return self._listwise_pass[1] if self.missing == "listwise" else None

    @property
    def cv_r2(self) -> float:
        """Cross-validated R^2 of the linear model on the listwise rows, from
        :attr:`fold_sums` (see :func:`cross_validated_r2`); NaN under pairwise or with fewer
        than ``2 * CV_FOLDS`` rows."""
        folds = self.fold_sums
        return float("nan") if folds is None else r2_from_fold_sums(folds)

    @cached_property
    def _listwise_pass(self) -> tuple[Moments, np.ndarray | None]:
        return moments_and_folds(self.data, self.weights, [*self.drivers, self.outcome],
                                 CV_FOLDS, CV_SEED)


def row_list(mask: np.ndarray) -> str:
    """'3, 17, 40' (1-based data rows), shortened for long lists."""
    positions = np.flatnonzero(np.asarray(mask, dtype=bool))
    text = ", ".join(str(p + 1) for p in positions[:ROWS_SHOWN])
    if len(positions) > ROWS_SHOWN:
        text += f" and {len(positions) - ROWS_SHOWN} more"
    return text


def code_reasons(missing_codes: Mapping | Iterable | None) -> dict[float, str]:
    """Missing codes as ``{value: reason}``; a plain list gets reasons ``code_<value>``.

    >>> code_reasons([98, 99])
    {98.0: 'code_98', 99.0: 'code_99'}
    >>> code_reasons({98: "dont_know"})
    {98.0: 'dont_know'}
    """
    if missing_codes is None:
        return {}
    if isinstance(missing_codes, Mapping):
        return {float(code): str(reason) for code, reason in missing_codes.items()}
    if isinstance(missing_codes, str | bytes) or not isinstance(missing_codes, Iterable):
        raise ValueError("missing_codes must be a list of values or a dict value -> reason, "
                         f"got {missing_codes!r}")
    return {float(code): f"code_{code:g}" if isinstance(code, float) else f"code_{code}"
            for code in missing_codes}


def numeric_column(data: pd.DataFrame, column: str, role: str, out: np.ndarray | None = None,
                   *, check_finite: bool = True) -> np.ndarray:
    """A column as float64 with NaN for blanks; a clear error for text or infinite values.

    ``out``: a float64 array of one value per row to fill (e.g. a column of a table) instead
    of a new array. ``check_finite=False`` leaves the infinite values to the caller, who
    checks a whole table in one pass (:func:`infinite_cells`).
    """
    values = _stored_values(data, column)
    if values is None or values.dtype.kind not in "biuf":
        if column not in data.columns:
            raise ValueError(f"{role} column {column!r} is not in the data; columns are "
                             f"{', '.join(map(str, data.columns[:20]))}")
        values = _series_values(data, column, role)
    if check_finite and values.dtype.kind == "f":
        infinite_cells(values[:, None], [column], [role])
    if out is None:
        return np.array(values, dtype=np.float64)     # a copy: never a view of the data
    out[:] = values
    return out


def infinite_cells(values: np.ndarray, columns: list[str], roles: list[str]) -> None:
    """Refuse infinite values, naming the first column that holds one and its data rows."""
    infinite = np.isinf(values)
    if infinite.any():
        j = int(np.flatnonzero(infinite.any(axis=0))[0])
        raise ValueError(f"{roles[j]} column {columns[j]!r} has infinite values in data rows "
                         f"{row_list(infinite[:, j])}; expected finite ratings or blanks")


def _series_values(data: pd.DataFrame, column, role: str) -> np.ndarray:
    """A column through its Series: numpy numbers as stored, nullable and arrow numbers as
    float64 with NaN for blanks; a clear error for a repeated label or text."""
    series = data[column]
    if isinstance(series, pd.DataFrame):
        raise ValueError(f"{role} column {column!r} appears more than once in the data")
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        return series.to_numpy()
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    converted = pd.to_numeric(series, errors="coerce")
    bad = converted.isna() & series.notna()
    examples = ", ".join(repr(v) for v in series[bad].unique()[:3])
    raise ValueError(f"{role} column {column!r} must be numeric; non-numeric values "
                     f"({examples}) in data rows {row_list(bad.to_numpy())}")


def _stored_values(data: pd.DataFrame, column) -> np.ndarray | None:
    """The numpy array pandas stores a column in (read only, never written), or None when
    the label is not one unique column, the column is not a numpy array (an extension type:
    nullable integers, arrow, categories) or pandas offers no such access.

    ``data[column]`` builds a Series (index, name, a copy of ``attrs``): about 30 us a
    column, the largest cost of a small model's front door (13 columns: 0.4 of its 4 ms).
    ``DataFrame._get_column_array`` (pandas 1.x to 3.x) returns the stored values without
    one; :func:`numeric_column` takes the Series route whenever this gives None.
    """
    getter = getattr(data, "_get_column_array", None)
    if getter is None:
        return None
    try:
        position = data.columns.get_loc(column)
    except (KeyError, TypeError, ValueError):
        return None
    if not isinstance(position, int | np.integer):
        return None                     # a repeated label or a partial MultiIndex key
    stored = getter(int(position))
    return stored if isinstance(stored, np.ndarray) else None


def weight_values(data: pd.DataFrame, weights) -> np.ndarray | None:
    """Design weights as an array aligned with ``data``; blanks, zeros and negatives raise."""
    if weights is None:
        return None
    if isinstance(weights, str):
        # Infinite weights are named as such below, with the blank ones: one check, not two.
        values = numeric_column(data, weights, "weight", check_finite=False)
        name = f"weight column {weights!r}"
    elif isinstance(weights, pd.Series):
        if not weights.index.equals(data.index):
            if not data.index.isin(weights.index).all():
                raise ValueError("weights Series must have an entry for every row of the data "
                                 "(its index must cover the data's index)")
            weights = weights.reindex(data.index)
        values, name = weights.to_numpy(dtype=np.float64, na_value=np.nan), "weights"
    else:
        values, name = np.asarray(weights, dtype=np.float64), "weights"
        if values.shape != (len(data),):
            raise ValueError(f"weights must have one value per data row ({len(data)}), got "
                             f"shape {values.shape}")
    if values.size and values.min() > 0 and values.max() < np.inf:
        return values       # every weight finite and positive (a blank makes both NaN)
    blank, not_positive = design_weight_faults(values)
    if blank.any():
        if isinstance(weights, str):
            infinite_cells(values[:, None], [weights], ["weight"])
        raise ValueError(f"{name}: weights must be finite numbers; blank or infinite in data "
                         f"rows {row_list(blank)}")
    if not_positive.any():
        raise ValueError(f"{name}: weights must be positive; zero or negative in data rows "
                         f"{row_list(not_positive)} (drop those respondents first if they are "
                         "out of scope)")
    return values


def select_rows(data: pd.DataFrame, outcome: str, drivers: list[str], weights=None,
                missing: str = "listwise", missing_codes=None,
                missing_reasons: pd.DataFrame | None = None) -> Rows:
    """The rows a driver model uses, with every left-out row counted by reason.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    outcome : str
        Outcome column.
    drivers : list of str
        Driver columns.
    weights : str, Series, array or None
        Weight column name, or weights aligned with ``data``. Blank, zero or negative weights
        raise (a weight of zero is a filter, and filtering belongs before the analysis).
    missing : {"listwise", "pairwise"}
        ``listwise`` keeps rows with the outcome and every driver answered. ``pairwise`` keeps
        every row with at least two answers among outcome and drivers (blanks stay NaN).
    missing_codes : list or dict, optional
        Values meaning "no answer" (e.g. ``{98: "dont_know", 99: "not_applicable"}``) in the
        outcome and driver columns; they become blanks and their rows are counted under
        the code's reason.
    missing_reasons : DataFrame, optional
        Why each blank cell is blank, aligned with ``data`` (a study's ``Study.missing``:
        ``"not_applicable"``, ``"dont_know"`` ...). A blank with a recorded reason is counted
        under it instead of ``outcome_missing`` / ``driver_missing``.

    Returns
    -------
    Rows
        ``X``, ``y``, ``weights`` of the used rows; ``index`` (their labels in ``data``),
        ``n_used``, ``n_dropped``, ``dropped_reasons`` (reason -> rows), ``missing_cells``
        (reason -> cells) and ``reason_columns`` (reason -> the columns whose blanks made rows
        drop under it).

    Examples
    --------
    >>> frame = pd.DataFrame({"y": [1, 2, np.nan, 4, 5], "a": [1, 99, 3, 4, 2]})
    >>> rows = select_rows(frame, "y", ["a"], missing_codes={99: "not_applicable"})
    >>> rows.n_used, rows.dropped_reasons
    (3, {'not_applicable': 1, 'outcome_missing': 1})
    """
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    drivers = check_model(outcome, drivers, missing)
    codes = code_reasons(missing_codes)
    # Outcome last, as in every correlation matrix of the package: X and y are views of it.
    # Column-major: each column is copied in one contiguous run (row-major filling strides
    # over the whole table once per column, several times slower at a million rows).
    columns = [*drivers, outcome]
    roles = ["driver"] * len(drivers) + ["outcome"]
    values = np.empty((len(columns), len(data))).T
    for j, column in enumerate(columns):
        numeric_column(data, column, roles[j], out=values[:, j], check_finite=False)
    blank = np.isnan(values)
    any_blank = bool(blank.any())
    low = high = None
    if not any_blank and len(values):
        # Without blanks each column's extremes show its infinite values, and they are what
        # the check of usable columns needs: no pass over the table looking for infinities.
        low, high = values.min(axis=0), values.max(axis=0)
    if any_blank or (low is not None and (np.isinf(low).any() or np.isinf(high).any())):
        infinite_cells(values, columns, roles)  # one pass over the table, not one per column
    w = weight_values(data, weights)

    is_code = [(values == code, label) for code, label in codes.items()]
    is_code = [(cells, label) for cells, label in is_code if cells.any()]
    if not is_code and not any_blank:
        # Every cell answered: nothing to account for.
        rows = Rows(X=values[:, :-1], y=values[:, -1], weights=w, index=data.index,
                    outcome=outcome, drivers=drivers, missing=missing, n_dropped=0,
                    dropped_reasons={}, missing_cells={}, reason_columns={}, data=values)
        check_usable(rows, columns, low, high)
        return rows
    for cells, _ in is_code:
        values[cells] = np.nan
    # Only rows with a blank cell need their reasons: the rest are answered in full.
    partial = blank.any(axis=1)
    for cells, _ in is_code:
        partial |= cells.any(axis=1)
    hit = np.flatnonzero(partial)
    # Why each blank cell of those rows is blank, as small integer codes into `labels` (0:
    # answered): a code (named), a recorded reason, or a plain blank. No Python object per
    # cell.
    labels = ["", DRIVER_MISSING, OUTCOME_MISSING]
    empty = blank[hit]
    reason = empty.astype(np.int16)
    reason[:, -1][empty[:, -1]] = 2
    if missing_reasons is not None and len(hit):
        for j, column in enumerate(columns):
            if column in missing_reasons.columns and empty[:, j].any():
                found, names = _reason_codes(missing_reasons[column], data.index, labels)
                found = found[hit]
                known = empty[:, j] & (found >= 0)
                reason[known, j] = names[found[known]]
    for cells, label in is_code:
        coded = cells[hit]
        reason[coded] = _label_index(labels, label)
        empty |= coded
    cell_counts = np.bincount(reason[empty], minlength=len(labels))
    missing_cells = _ordered_counts(cell_counts, labels)

    reason_columns: dict[str, list[str]] = {}
    if missing == "listwise":
        keep = ~partial
        dropped = reason        # every row with a blank is left out
        # A row with several blanks is counted under its most widespread reason, so that a
        # structural reason (a whole block "not applicable") is not hidden behind a stray
        # "don't know" in an earlier column.
        rank = np.full(len(labels), len(labels) + 1)
        for position, label in enumerate(missing_cells):
            rank[labels.index(label)] = position
        first = np.argmin(rank[dropped], axis=1)
        row_reason = dropped[np.arange(len(dropped)), first]
        dropped_reasons = _ordered_counts(np.bincount(row_reason, minlength=len(labels)), labels)
        for label in dropped_reasons:
            found_in = (dropped == labels.index(label)).any(axis=0)
            reason_columns[label] = [c for c, used in zip(columns, found_in, strict=True)
                                     if used]
        # Outcome first in the account, as the table of columns reads.
        reason_columns = {label: ([outcome] if outcome in found_in else []) +
                          [c for c in found_in if c != outcome]
                          for label, found_in in reason_columns.items()}
    else:
        answered = len(columns) - empty.sum(axis=1)
        keep = np.ones(len(data), dtype=bool)
        keep[hit[answered < 2]] = False
        dropped_reasons = {TOO_FEW_ANSWERS: int((~keep).sum())} if (~keep).any() else {}
    everyone = len(hit) == 0 or bool(keep.all())
    used = values if everyone else values[keep]
    rows = Rows(X=used[:, :-1], y=used[:, -1],
                weights=None if w is None else (w if everyone else w[keep]),
                index=data.index if everyone else data.index[keep], outcome=outcome,
                drivers=drivers, missing=missing, n_dropped=len(data) - len(used),
                dropped_reasons=dropped_reasons, missing_cells=missing_cells,
                reason_columns=reason_columns, data=used)
    _check_usable(rows, columns, any_blank=len(hit) > 0 and missing == "pairwise")
    return rows


def check_model(outcome: str, drivers, missing: str) -> list[str]:
    """The drivers as a list, refused when empty, repeated or including the outcome."""
    if missing not in ("listwise", "pairwise"):
        raise ValueError(f"missing must be 'listwise' or 'pairwise', got {missing!r}")
    drivers = list(drivers)
    if not drivers:
        raise ValueError("drivers must name at least one column")
    duplicated = (sorted({d for d in drivers if drivers.count(d) > 1})
                  if len(set(drivers)) < len(drivers) else [])
    if duplicated:
        raise ValueError(f"drivers are listed more than once: {', '.join(duplicated)}")
    if outcome in drivers:
        raise ValueError(f"outcome column {outcome!r} is also listed as a driver")
    return drivers


def _label_index(labels: list[str], label: str) -> int:
    if label not in labels:
        labels.append(label)
    return labels.index(label)


def _reason_codes(recorded: pd.Series, index: pd.Index, labels: list[str]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Recorded reasons of one column as codes (-1: none) and the label index of each code.

    A categorical column (``Study.missing``) gives its codes directly; text is factorized.
    """
    if not recorded.index.equals(index):
        recorded = recorded.reindex(index)
    if isinstance(recorded.dtype, pd.CategoricalDtype):
        found, categories = recorded.cat.codes.to_numpy(), recorded.cat.categories
    else:
        found, categories = pd.factorize(recorded, use_na_sentinel=True)
    names = np.array([_label_index(labels, str(c)) for c in categories], dtype=np.int16)
    return np.asarray(found), names


def _ordered_counts(counts: np.ndarray, labels: list[str]) -> dict[str, int]:
    """``{reason: count}`` of the reasons present, most frequent first (ties by name)."""
    present = [(label, int(counts[i])) for i, label in enumerate(labels) if i and counts[i]]
    return dict(sorted(present, key=lambda item: (-item[1], item[0])))


def _check_usable(rows: Rows, columns: list[str], any_blank: bool = True) -> None:
    low = high = None
    if rows.n_used and any_blank:
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)     # an all-blank column: no range
            low, high = np.nanmin(rows.data, axis=0), np.nanmax(rows.data, axis=0)
    elif rows.n_used:
        low, high = rows.data.min(axis=0), rows.data.max(axis=0)
    check_usable(rows, columns, low, high)


def check_usable(rows, columns: list[str], low: np.ndarray | None, high: np.ndarray | None
                 ) -> None:
    """Enough complete rows for the drivers (listwise), and no column constant over the used
    rows (``low``, ``high``: each column's extremes there). ``rows`` has ``drivers``,
    ``missing``, ``n_used`` and ``dropped_reasons`` (a :class:`Rows`, or the row account of a
    file read as moments, :class:`drivers.big.FileRows`)."""
    k = len(rows.drivers)
    if rows.missing == "listwise" and rows.n_used < k + 2:
        raise ValueError(f"only {rows.n_used} complete rows for {k} drivers (need at least "
                         f"{k + 2}); dropped {rows.dropped_reasons}; consider fewer drivers, "
                         "composite scores or missing='pairwise'")
    if rows.n_used == 0:
        return
    for j in np.flatnonzero(low == high):
        raise ValueError(f"column {columns[j]!r} has the same value ({low[j]:g}) in every "
                         "used row; a constant cannot drive or be driven")


def standardized_fit(corr_xx: np.ndarray, corr_xy: np.ndarray) -> tuple[np.ndarray, float]:
    """Standardized OLS coefficients and R^2 from correlations.

    ``beta = Rxx^-1 rxy`` and ``R^2 = rxy' beta``.

    >>> beta, r2 = standardized_fit(np.eye(2), np.array([0.3, 0.4]))
    >>> beta.tolist(), round(r2, 2)
    ([0.3, 0.4], 0.25)
    """
    beta = np.linalg.solve(corr_xx, corr_xy)
    return beta, float(corr_xy @ beta)


def variance_inflation(corr_xx: np.ndarray) -> np.ndarray:
    """Variance inflation factors: the diagonal of the inverse predictor correlation matrix.

    ``VIF_j = 1 / (1 - R_j^2)`` where ``R_j^2`` is from regressing driver j on the others,
    which equals ``(Rxx^-1)_jj`` (Belsley, Kuh & Welsch 1980).

    >>> variance_inflation(np.array([[1.0, 0.8], [0.8, 1.0]])).round(4).tolist()
    [2.7778, 2.7778]
    """
    return np.diag(np.linalg.inv(corr_xx)).copy()


def condition_number(corr_xx: np.ndarray) -> float:
    """Condition number of the standardized design: ``sqrt(max eigenvalue / min eigenvalue)``
    of the predictor correlation matrix.

    This is the condition number of the centred, unit-scaled design matrix (its singular values
    are the square roots of the eigenvalues of ``Rxx``); values above 30 flag collinearity
    (Belsley, Kuh & Welsch 1980 use the uncentred design, which reads higher).

    >>> condition_number(np.eye(3))
    1.0
    """
    eigenvalues = np.linalg.eigvalsh(corr_xx)
    if eigenvalues[0] <= 0:
        return float("inf")
    return float(np.sqrt(eigenvalues[-1] / eigenvalues[0]))


def adjusted_r2(r2: float, n: int, p: int) -> float:
    """``1 - (1 - R^2) (n - 1) / (n - p - 1)`` (NaN when n <= p + 1).

    >>> round(adjusted_r2(0.5, 101, 4), 4)
    0.4792
    """
    if n <= p + 1:
        return float("nan")
    return float(1 - (1 - r2) * (n - 1) / (n - p - 1))


@one_blas_thread()
def cross_validated_r2(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None,
                       folds: int = 5, seed: int | None = 0) -> float:
    """Out-of-fold R^2 of the (weighted) linear model, pooled over shuffled K folds.

    Each fold is predicted by least squares fitted on the other folds; the pooled R^2 is
    ``1 - sum w (y - yhat_oof)^2 / sum w (y - ybar_w)^2``.

    Notes
    -----
    Nothing is refitted row by row: the weighted cross-products of ``[1, X, y]`` are summed
    per fold (one pass over the data), the training moments of a fold are the total minus
    the fold's, its coefficients solve those normal equations (minimum-norm least squares
    when drivers are collinear, as a refit with ``lstsq`` gives) and its out-of-fold squared
    error is a quadratic form in the fold's own moments. The data are centred at their
    weighted means first, so the moments keep their digits. The folds are those of
    ``sklearn.model_selection.KFold(folds, shuffle=True, random_state=seed)``.

    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2)); y = X @ [1.0, 0.0] + rng.normal(size=200)
    >>> bool(0.35 < cross_validated_r2(X, y, seed=0) < 0.6)
    True
    """
    values = np.column_stack([X, y])
    return cross_validated_r2_from(values, weights, folds, seed)


def fold_index(n: int, folds: int = CV_FOLDS, seed: int | None = CV_SEED) -> list[np.ndarray]:
    """Row positions of each of ``folds`` shuffled folds of ``n`` rows, each sorted.

    The test folds of ``sklearn.model_selection.KFold(folds, shuffle=True,
    random_state=seed)`` without its n-long masks: the same shuffled positions cut into the
    same consecutive chunks (sorted for locality).

    An integer seed makes the folds a plan fixed by ``(n, folds, seed)``, like the sweep
    plans of :mod:`drivers.shapley`: kept for bases up to :data:`BLOCK_ROWS` rows (every
    model of a study shares its base, so each fold split is drawn once), read only.

    >>> [part.tolist() for part in fold_index(10, folds=3, seed=4)]
    [[3, 4, 8, 9], [0, 2, 6], [1, 5, 7]]
    """
    if isinstance(seed, int | np.integer) and n <= BLOCK_ROWS:
        return list(_kept_fold_index(int(n), int(folds), int(seed)))
    return _draw_fold_index(n, folds, seed)


@lru_cache(maxsize=16)
def _kept_fold_index(n: int, folds: int, seed: int) -> tuple[np.ndarray, ...]:
    parts = _draw_fold_index(n, folds, seed)
    for part in parts:
        part.flags.writeable = False
    return tuple(parts)


def _draw_fold_index(n: int, folds: int, seed) -> list[np.ndarray]:
    if isinstance(seed, int | np.integer):
        # What sklearn's check_random_state makes of an int: RandomState(seed). A new
        # RandomState first draws OS entropy that the seed then overwrites (about 0.2 ms);
        # re-seeding one kept per thread gives the same stream in a tenth of the time.
        rng = _legacy_generator()
        rng.seed(seed)
    else:
        rng = _check_random_state(seed)
    order = rng.permutation(n)      # RandomState: arange(n) shuffled in place
    size, extra = divmod(n, folds)
    parts, start = [], 0
    for fold in range(folds):
        stop = start + size + (fold < extra)
        part = order[start:stop]
        part.sort()
        parts.append(part)
        start = stop
    return parts


_per_thread = threading.local()


def _legacy_generator() -> np.random.RandomState:
    if not hasattr(_per_thread, "generator"):
        _per_thread.generator = np.random.RandomState()
    return _per_thread.generator


def _check_random_state(seed):
    from sklearn.utils import check_random_state

    return check_random_state(seed)


def fold_sums(values: np.ndarray, weights: np.ndarray | None, index: list[np.ndarray],
              shift: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """Weighted sums of ``[1, x - shift]`` over each fold: the normal equations of a fold.

    Parameters
    ----------
    values : ndarray (n, p)
        Complete rows, outcome last.
    weights : ndarray (n,) or None
        Frequency weights (checked by the caller).
    index : list of ndarray
        Row positions of each fold (:func:`fold_index`).
    shift : ndarray (p,)
        Constant subtracted from each column (the weighted means keep the digits).

    Returns
    -------
    sums : ndarray (folds, p + 1, p + 1)
        Per fold, ``sum w [1, z][1, z]'`` with ``z = x - shift``: ``[0, 0]`` is the sum of
        the weights, ``[0, 1:]`` the weighted sums of ``z``, ``[1:, 1:]`` their weighted
        cross-products (one symmetric product per block of rows). One array, so that the
        total and the cross-validated R^2 add the folds up without stacking them again.
    weight_squares : list of float
        Per fold, the sum of the squared weights (Kish's effective n).
    """
    p = values.shape[1]
    if len(values) <= BLOCK_ROWS:
        # Small tables: the rows gathered once, fold after fold (a row-major copy of the
        # column-major table), scaled, then one product per fold over its run of rows: the
        # same rows in the same order as a gather per fold, so the same sums.
        order = np.concatenate(index)
        stops = list(accumulate(len(rows) for rows in index))
        runs = list(zip([0, *stops[:-1]], stops, strict=True))
        w = None if weights is None else weights[order]
        scaled = _scaled(values.take(order, axis=0), w, shift)
        sums = np.stack([_gram(scaled[start:stop]) for start, stop in runs])
        if w is None:
            return sums, [float(stop - start) for start, stop in runs]
        squares = w * w
        return sums, [float(squares[start:stop].sum()) for start, stop in runs]
    sums, weight_squares = [], []
    for rows in index:
        total, squares = np.zeros((p + 1, p + 1)), 0.0
        for start in range(0, len(rows), BLOCK_ROWS):
            block_rows = rows[start:start + BLOCK_ROWS]
            wb = None if weights is None else weights[block_rows]
            scaled = _scaled(values[block_rows], wb, shift)
            squares += float(len(block_rows)) if wb is None else float(wb @ wb)
            total += _gram(scaled)
        sums.append(total)
        weight_squares.append(squares)
    return np.stack(sums), weight_squares


def _gram(matrix: np.ndarray) -> np.ndarray:
    """``matrix' matrix``, one symmetric product (BLAS syrk: exactly symmetric)."""
    return matrix.T @ matrix


def _scaled(values: np.ndarray, weights: np.ndarray | None, shift: np.ndarray) -> np.ndarray:
    """``[sqrt(w), sqrt(w) (x - shift)]`` row by row: its Gram matrix holds the weighted sums."""
    scaled = np.empty((len(values), values.shape[1] + 1))
    scaled[:, 0] = 1.0
    np.subtract(values, shift, out=scaled[:, 1:])
    if weights is not None:
        scaled *= np.sqrt(weights)[:, None]
    return scaled


def moments_and_folds(values: np.ndarray, weights: np.ndarray | None, columns: list[str],
                      folds: int = CV_FOLDS, seed: int | None = CV_SEED
                      ) -> tuple[Moments, np.ndarray | None]:
    """Moments of complete rows and the sums of their cross-validation folds, in one pass.

    The moments of all rows are the sum of the folds' (about the weighted column means), so
    the cross-validated R^2 costs no second pass over the data. With fewer than
    ``2 * folds`` rows there are no folds (None) and the moments are taken directly.
    """
    weights = None if weights is None else np.asarray(weights, dtype=np.float64)
    if folds < 2 or len(values) < 2 * folds:
        return Moments.from_arrays(values, weights, columns=columns), None
    if weights is None:
        shift = values.sum(axis=0) / len(values)
    else:
        shift = weights @ values / weights.sum()
    sums, squares = fold_sums(values, weights, fold_index(len(values), folds, seed), shift)
    total = np.sum(sums, axis=0)
    moments = Moments(columns=tuple(columns), n=len(values), weight_sum=float(total[0, 0]),
                      weight_sq_sum=float(np.sum(squares)), sums=total[0, 1:].copy(),
                      cross=total[1:, 1:].copy(), shift=shift)
    return moments, sums


def fold_moments(values: np.ndarray, weights: np.ndarray | None = None, folds: int = 5,
                 seed: int | None = 0, shift: np.ndarray | None = None) -> list[Moments]:
    """Moments of each of ``folds`` shuffled folds of complete rows, about one common shift.

    The folds are those of ``sklearn.model_selection.KFold(folds, shuffle=True,
    random_state=seed)`` (:func:`fold_index`); they add up to the moments of all rows.
    ``shift`` defaults to the weighted column means (pass the total's, e.g.
    ``Rows.moments.shift``, to save a pass).
    """
    values, w = _complete(values, weights)
    if shift is None:
        shift = np.average(values, axis=0, weights=w)
    index = fold_index(len(values), folds, seed)
    sums, squares = fold_sums(values, w, index, shift)
    columns = tuple(str(j) for j in range(values.shape[1]))
    return [Moments(columns=columns, n=len(rows), weight_sum=float(part[0, 0]),
                    weight_sq_sum=square, sums=part[0, 1:].copy(), cross=part[1:, 1:].copy(),
                    shift=shift)
            for rows, part, square in zip(index, sums, squares, strict=True)]


def _complete(values, weights) -> tuple[np.ndarray, np.ndarray | None]:
    """Complete rows and frequency weights as float64, checked as the moments check them."""
    values = np.asarray(values, dtype=np.float64)
    if not np.isfinite(values).all():
        raise ValueError("data contain NaN or inf; the cross-validated R^2 needs complete rows")
    return values, frequency_weights(weights, len(values))


def cross_validated_r2_from(values: np.ndarray, weights: np.ndarray | None = None,
                            folds: int = 5, seed: int | None = 0,
                            shift: np.ndarray | None = None) -> float:
    """:func:`cross_validated_r2` of complete rows given as one array, outcome last."""
    if folds < 2 or len(values) < 2 * folds:
        return float("nan")
    values, w = _complete(values, weights)
    if shift is None:
        shift = np.average(values, axis=0, weights=w)
    sums, _ = fold_sums(values, w, fold_index(len(values), folds, seed), shift)
    return r2_from_fold_sums(sums)


def r2_out_of_fold(parts: list[Moments]) -> float:
    """Pooled out-of-fold R^2 of the linear model of the last column on the others, from the
    moments of each fold (about one common shift); see :func:`r2_from_fold_sums`."""
    return r2_from_fold_sums([np.block([[np.array([[m.weight_sum]]), m.sums[None, :]],
                                        [m.sums[:, None], m.cross]]) for m in parts])


def r2_from_fold_sums(sums: np.ndarray | list[np.ndarray]) -> float:
    """Pooled out-of-fold R^2 from each fold's weighted sums of ``[1, x - shift]``
    (:func:`fold_sums`, outcome last).

    Each fold's coefficients solve the normal equations of the other folds' sums (the
    total minus the fold's; minimum-norm least squares when drivers are collinear); its
    squared error is a quadratic form in its own sums.
    """
    folds = np.asarray(sums)
    total = folds.sum(axis=0)
    train = total - folds
    coef = _min_norm_solve(train[:, :-1, :-1], train[:, :-1, -1])
    # sum over each fold of w (y - design coef)^2, from the fold's sums alone.
    squared_error = (folds[:, -1, -1] - 2.0 * np.einsum("fi,fi->f", coef, folds[:, :-1, -1])
                     + np.einsum("fi,fij,fj->f", coef, folds[:, :-1, :-1], coef)).sum()
    centre = total[0, -1] / total[0, 0]
    total_ss = total[-1, -1] - total[0, 0] * centre ** 2
    return float(1.0 - squared_error / total_ss)


def _min_norm_solve(matrices: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Minimum-norm solutions of a stack of symmetric positive semidefinite systems.

    What ``np.linalg.lstsq(a, b, rcond=None)`` gives for each, from one batched eigen
    decomposition (for such a matrix the eigenvalues are the singular values): directions
    whose eigenvalue is below ``size x machine epsilon`` of the largest are left out.

    When every matrix is far from that cut-off nothing is left out, and the minimum-norm
    solution is the plain one: then it comes from the batched inverse, a fifth of the eigen
    decompositions' time (they were a tenth of a small model's front door). "Far" is
    checked, not assumed: ``||A||_F ||A^-1||_F`` bounds the condition number
    ``lambda_max / lambda_min`` from above and must be at most :data:`SOLVE_CONDITION`;
    otherwise (or when the inverse fails) the eigen route runs.
    """
    size = matrices.shape[-1]
    try:
        inverse = np.linalg.inv(matrices)
    except np.linalg.LinAlgError:       # an exactly singular matrix: the eigen route
        inverse = None
    if inverse is not None:
        bound = _frobenius(matrices) * _frobenius(inverse)
        if np.all(bound <= SOLVE_CONDITION):
            return np.einsum("fij,fj->fi", inverse, targets)
    eigenvalues, vectors = np.linalg.eigh(matrices)
    cutoff = size * np.finfo(float).eps * np.abs(eigenvalues).max(axis=-1, keepdims=True)
    kept = np.abs(eigenvalues) > cutoff
    inverse = np.divide(1.0, eigenvalues, out=np.zeros_like(eigenvalues), where=kept)
    projected = np.einsum("fji,fj->fi", vectors, targets)
    return np.einsum("fij,fj->fi", vectors, inverse * projected)


def _frobenius(matrices: np.ndarray) -> np.ndarray:
    """Frobenius norm of each matrix of a stack of real ones: ``np.linalg.norm(matrices,
    axis=(-2, -1))`` (the same sums and square roots), without its checks of every case."""
    return np.sqrt(np.add.reduce(matrices * matrices, axis=(-2, -1)))


@dataclass(frozen=True, eq=False)
class ModelDiagnostics:
    """Diagnostics of a linear driver model as arrays; :meth:`table` is the tidy form.

    Attributes follow the columns and ``attrs`` of :func:`diagnostics_table`; ``cv_r2`` is
    NaN when it was not computed.
    """

    drivers: list[str]
    vif: np.ndarray
    beta: np.ndarray
    r: np.ndarray
    sign_reversal: np.ndarray
    n: int
    r2: float
    adj_r2: float
    condition_number: float
    warnings: list[str]
    cv_r2: float | None = None

    @classmethod
    def from_correlations(cls, corr_xx: np.ndarray, corr_xy: np.ndarray, n: int,
                          names: list[str], cv_r2: float | None = None) -> ModelDiagnostics:
        """VIF, standardized betas, sign reversals, R^2 and warnings from correlations."""
        names = list(names)
        vif = variance_inflation(corr_xx)
        beta, r2 = standardized_fit(corr_xx, corr_xy)
        corr_xy = np.array(corr_xy, dtype=float)
        reversal = (beta * corr_xy) < 0
        kappa = condition_number(corr_xx)
        return cls(drivers=names, vif=vif, beta=beta, r=corr_xy, sign_reversal=reversal,
                   n=int(n), r2=r2, adj_r2=adjusted_r2(r2, n, len(names)),
                   condition_number=kappa,
                   warnings=_warnings(names, vif, beta, corr_xy, reversal, n, kappa),
                   cv_r2=cv_r2)

    def table(self) -> pd.DataFrame:
        """One row per driver: ``driver``, ``vif``, ``beta``, ``r``, ``sign_reversal``;
        fit facts in ``attrs`` (``cv_r2`` only when computed)."""
        table = pd.DataFrame({"driver": self.drivers, "vif": self.vif, "beta": self.beta,
                              "r": self.r, "sign_reversal": self.sign_reversal})
        table.attrs.update({"n": self.n, "p": len(self.drivers), "r2": self.r2,
                            "adj_r2": self.adj_r2, "condition_number": self.condition_number,
                            "warnings": list(self.warnings)})
        if self.cv_r2 is not None:
            table.attrs["cv_r2"] = self.cv_r2
        return table


def diagnostics_table(corr_xx: np.ndarray, corr_xy: np.ndarray, n: int,
                      names: list[str]) -> pd.DataFrame:
    """Per-driver diagnostics and fit facts from correlations and the number of rows.

    Returns the table of :func:`regression_diagnostics` without ``cv_r2`` (which needs rows).
    """
    return ModelDiagnostics.from_correlations(corr_xx, corr_xy, n, names).table()


def fit_warnings(table: pd.DataFrame, n: int, kappa: float) -> list[str]:
    """Plain-language warnings from a diagnostics table, at the usual thresholds.

    VIF > 5 caution, > 10 severe; condition number > 30; a standardized beta whose sign is
    opposite to the driver's correlation with the outcome (suppression); n below 50 + 8 p
    (Green 1991, for testing R^2) or below 10 p.
    """
    return _warnings(list(table["driver"]), table["vif"].to_numpy(float),
                     table["beta"].to_numpy(float), table["r"].to_numpy(float),
                     table["sign_reversal"].to_numpy(bool), n, kappa)


def _warnings(names: list[str], vif: np.ndarray, beta: np.ndarray, r: np.ndarray,
              reversal: np.ndarray, n: int, kappa: float) -> list[str]:
    """:func:`fit_warnings` on arrays (no DataFrame on the front door's path)."""
    p = len(names)
    warnings = []
    if (vif > VIF_CAUTION).any():       # most models have no VIF to speak of: one look
        severe = vif > VIF_SEVERE
        caution = (vif > VIF_CAUTION) & (vif <= VIF_SEVERE)
        if severe.any():
            warnings.append("severe collinearity (VIF > 10): " + _named(names, vif, severe)
                            + "; coefficients of these drivers are unstable; read shapley or "
                            "relative_weights, or group them")
        if caution.any():
            warnings.append("collinearity caution (VIF > 5): " + _named(names, vif, caution))
    if kappa > CONDITION_LIMIT:
        warnings.append(f"condition number {kappa:.1f} > {CONDITION_LIMIT:g}: the drivers are "
                        "nearly linearly dependent")
    if reversal.any():
        details = ", ".join(f"{names[j]} (beta {beta[j]:+.3f}, r {r[j]:+.3f})"
                            for j in np.flatnonzero(reversal))
        warnings.append("sign reversal (suppression): standardized beta and correlation "
                        f"disagree in sign for {details}; do not read these betas as effects")
    needed = max(50 + 8 * p, 10 * p)
    if n < needed:
        warnings.append(f"small sample: n = {n} for p = {p} drivers; at least {needed} "
                        "recommended (n >= 50 + 8p, Green 1991; n >= 10p)")
    return warnings


def _named(names: list[str], values: np.ndarray, mask: np.ndarray) -> str:
    return ", ".join(f"{names[j]} ({values[j]:.1f})" for j in np.flatnonzero(mask))


@one_blas_thread()
def regression_diagnostics(data: pd.DataFrame, outcome: str, drivers: list[str], weights=None,
                           cv_folds: int = 5, seed: int | None = 0,
                           missing_codes=None) -> pd.DataFrame:
    """Diagnostics of the (weighted) linear model of ``outcome`` on ``drivers``.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    outcome : str
        Outcome column.
    drivers : list of str
        Driver columns.
    weights : str, Series or None
        Weight column or weights aligned with ``data``.
    cv_folds : int
        Folds of the cross-validated R^2 (shuffled with ``seed``).
    seed : int or None
        Seed of the fold split.
    missing_codes : list or dict, optional
        Values meaning "no answer"; rows with them are left out and counted.

    Returns
    -------
    DataFrame
        One row per driver: ``driver``, ``vif`` (variance inflation factor), ``beta``
        (standardized coefficient), ``r`` (zero-order correlation with the outcome),
        ``sign_reversal`` (beta and r of opposite sign). ``attrs`` holds the fit-level facts:
        ``n``, ``p``, ``r2``, ``adj_r2``, ``cv_r2``, ``condition_number``, ``n_dropped``,
        ``dropped_reasons``, ``warnings`` (list of str).

    Notes
    -----
    Complete rows only (listwise). Correlations, betas and R^2 are weighted when weights are
    given; ``adj_r2`` uses the number of rows. ``VIF_j = (Rxx^-1)_jj``; the condition number is
    ``sqrt(lambda_max / lambda_min)`` of the predictor correlation matrix (the centred,
    unit-scaled design). Thresholds: VIF 5 and 10, condition number 30 (Belsley, Kuh & Welsch
    1980), n >= 50 + 8p (Green 1991). ``cv_r2`` is the pooled out-of-fold R^2 of
    :func:`cross_validated_r2`.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> a = rng.normal(size=120); b = a + 0.1 * rng.normal(size=120)
    >>> frame = pd.DataFrame({"a": a, "b": b, "y": a + rng.normal(size=120)})
    >>> table = regression_diagnostics(frame, "y", ["a", "b"])
    >>> table["vif"].round(0).tolist()
    [93.0, 93.0]
    >>> [text.split(" (")[0] for text in table.attrs["warnings"]]
    ['severe collinearity', 'sign reversal']
    >>> round(table.attrs["condition_number"], 1)
    19.3
    """
    rows = select_rows(data, outcome, drivers, weights, "listwise", missing_codes)
    table = fit_diagnostics(rows.X, rows.y, rows.weights, rows.drivers, cv_folds, seed)
    table.attrs.update({"n_dropped": rows.n_dropped, "dropped_reasons": rows.dropped_reasons})
    return table


@one_blas_thread()
def fit_diagnostics(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None,
                    names: list[str], cv_folds: int = 5, seed: int | None = 0) -> pd.DataFrame:
    """:func:`regression_diagnostics` on arrays of complete rows (adds ``cv_r2``)."""
    values, weights = _complete(np.column_stack([X, y]), weights)
    moments, folds = moments_and_folds(values, weights, [*names, "outcome"], cv_folds, seed)
    return model_diagnostics(moments, names, values, weights, cv_folds, seed,
                             folds=folds).table()


def moments_diagnostics(moments: Moments, names: list[str], values: np.ndarray | None = None,
                        weights: np.ndarray | None = None, cv_folds: int = 5,
                        seed: int | None = 0, *, folds: np.ndarray | None = None
                        ) -> pd.DataFrame:
    """The diagnostics table from the moments of complete rows (drivers, outcome last).

    ``cv_r2`` comes from the folds' sums (``folds``, :func:`fold_sums` about
    ``moments.shift``, e.g. ``Rows.fold_sums``) or else from the rows (``values``, outcome
    last) cut into folds; NaN without either.
    """
    return model_diagnostics(moments, names, values, weights, cv_folds, seed,
                             folds=folds).table()


def model_diagnostics(moments: Moments, names: list[str], values: np.ndarray | None = None,
                      weights: np.ndarray | None = None, cv_folds: int = 5,
                      seed: int | None = 0, *, folds: np.ndarray | None = None
                      ) -> ModelDiagnostics:
    """:func:`moments_diagnostics` as a :class:`ModelDiagnostics` (arrays; no DataFrame)."""
    corr = moments.correlation()
    if folds is not None:
        cv_r2 = r2_from_fold_sums(folds)
    elif values is None:
        cv_r2 = float("nan")
    else:
        cv_r2 = cross_validated_r2_from(values, weights, cv_folds, seed, moments.shift)
    return ModelDiagnostics.from_correlations(corr[:-1, :-1], corr[:-1, -1], moments.n, names,
                                              cv_r2=cv_r2)
