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

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from drivers.blas import one_blas_thread
from drivers.moments import Moments, design_weight_faults

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
        ``missing="pairwise"``); computed once, on first use."""
        return Moments.from_arrays(self.data, self.weights, columns=[*self.drivers,
                                                                     self.outcome],
                                   pairwise=self.missing == "pairwise")


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


def numeric_column(data: pd.DataFrame, column: str, role: str) -> np.ndarray:
    """A column as float64 with NaN for blanks; a clear error for text or infinite values."""
    if column not in data.columns:
        raise ValueError(f"{role} column {column!r} is not in the data; columns are "
                         f"{', '.join(map(str, data.columns[:20]))}")
    series = data[column]
    if isinstance(series, pd.DataFrame):
        raise ValueError(f"{role} column {column!r} appears more than once in the data")
    if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
        converted = pd.to_numeric(series, errors="coerce")
        bad = converted.isna() & series.notna()
        examples = ", ".join(repr(v) for v in series[bad].unique()[:3])
        raise ValueError(f"{role} column {column!r} must be numeric; non-numeric values "
                         f"({examples}) in data rows {row_list(bad.to_numpy())}")
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    infinite = np.isinf(values)
    if infinite.any():
        raise ValueError(f"{role} column {column!r} has infinite values in data rows "
                         f"{row_list(infinite)}; expected finite ratings or blanks")
    return values


def weight_values(data: pd.DataFrame, weights) -> np.ndarray | None:
    """Design weights as an array aligned with ``data``; blanks, zeros and negatives raise."""
    if weights is None:
        return None
    if isinstance(weights, str):
        values, name = numeric_column(data, weights, "weight"), f"weight column {weights!r}"
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
    blank, not_positive = design_weight_faults(values)
    if blank.any():
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
    columns = [*drivers, outcome]
    values = np.empty((len(data), len(columns)))
    for j, column in enumerate(columns):
        values[:, j] = numeric_column(data, column, "outcome" if column == outcome else "driver")
    w = weight_values(data, weights)

    # Why each blank cell is blank, as small integer codes into `labels` (0: answered): a
    # code (named), a recorded reason, or a plain blank. No Python object per cell.
    labels = ["", DRIVER_MISSING, OUTCOME_MISSING]
    reason = np.zeros(values.shape, dtype=np.int16)
    blank = np.isnan(values)
    reason[blank] = 1
    reason[:, -1][blank[:, -1]] = 2
    if missing_reasons is not None:
        for j, column in enumerate(columns):
            if column in missing_reasons.columns and blank[:, j].any():
                found, names = _reason_codes(missing_reasons[column], data.index, labels)
                known = blank[:, j] & (found >= 0)
                reason[known, j] = names[found[known]]
    for code, label in codes.items():
        is_code = values == code
        if is_code.any():
            reason[is_code] = _label_index(labels, label)
            blank |= is_code
    if codes:
        values[blank] = np.nan
    cell_counts = np.bincount(reason[blank], minlength=len(labels))
    missing_cells = _ordered_counts(cell_counts, labels)

    reason_columns: dict[str, list[str]] = {}
    if missing == "listwise":
        keep = ~blank.any(axis=1)
        dropped = reason[~keep]
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
            hit = (dropped == labels.index(label)).any(axis=0)
            reason_columns[label] = [c for c, used in zip(columns, hit, strict=True) if used]
        # Outcome first in the account, as the table of columns reads.
        reason_columns = {label: ([outcome] if outcome in found_in else []) +
                          [c for c in found_in if c != outcome]
                          for label, found_in in reason_columns.items()}
    else:
        keep = (~blank).sum(axis=1) >= 2
        dropped_reasons = {TOO_FEW_ANSWERS: int((~keep).sum())} if (~keep).any() else {}
    used = values if keep.all() else values[keep]
    rows = Rows(X=used[:, :-1], y=used[:, -1], weights=None if w is None else w[keep],
                index=data.index[keep], outcome=outcome, drivers=drivers, missing=missing,
                n_dropped=int((~keep).sum()), dropped_reasons=dropped_reasons,
                missing_cells=missing_cells, reason_columns=reason_columns, data=used)
    _check_usable(rows, columns)
    return rows


def check_model(outcome: str, drivers, missing: str) -> list[str]:
    """The drivers as a list, refused when empty, repeated or including the outcome."""
    if missing not in ("listwise", "pairwise"):
        raise ValueError(f"missing must be 'listwise' or 'pairwise', got {missing!r}")
    drivers = list(drivers)
    if not drivers:
        raise ValueError("drivers must name at least one column")
    duplicated = sorted({d for d in drivers if drivers.count(d) > 1})
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


def _check_usable(rows: Rows, columns: list[str]) -> None:
    low = high = None
    if rows.n_used:
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)     # an all-blank column: no range
            low, high = np.nanmin(rows.data, axis=0), np.nanmax(rows.data, axis=0)
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


def fold_moments(values: np.ndarray, weights: np.ndarray | None = None, folds: int = 5,
                 seed: int | None = 0, shift: np.ndarray | None = None) -> list[Moments]:
    """Moments of each of ``folds`` shuffled folds of complete rows, about one common shift.

    The folds are those of ``sklearn.model_selection.KFold(folds, shuffle=True,
    random_state=seed)``; they add up to the moments of all rows. ``shift`` defaults to the
    weighted column means (pass the total's, e.g. ``Rows.moments.shift``, to save a pass).
    """
    from sklearn.utils import check_random_state

    w = None if weights is None else np.asarray(weights, dtype=float)
    if shift is None:
        shift = np.average(values, axis=0, weights=w)
    # KFold(folds, shuffle=True, random_state=seed)'s folds without its n-long test masks:
    # the same shuffled positions cut into the same consecutive chunks (sorted for locality).
    order = np.arange(len(values))
    check_random_state(seed).shuffle(order)
    sizes = np.full(folds, len(values) // folds)
    sizes[:len(values) % folds] += 1
    parts = []
    for test in np.split(order, np.cumsum(sizes)[:-1]):
        test.sort()
        parts.append(Moments.from_arrays(values[test], None if w is None else w[test],
                                         shift=shift))
    return parts


def cross_validated_r2_from(values: np.ndarray, weights: np.ndarray | None = None,
                            folds: int = 5, seed: int | None = 0,
                            shift: np.ndarray | None = None) -> float:
    """:func:`cross_validated_r2` of complete rows given as one array, outcome last."""
    if folds < 2 or len(values) < 2 * folds:
        return float("nan")
    return r2_out_of_fold(fold_moments(values, weights, folds, seed, shift))


def r2_out_of_fold(parts: list[Moments]) -> float:
    """Pooled out-of-fold R^2 of the linear model of the last column on the others, from the
    moments of each fold (about one common shift).

    Each fold's coefficients solve the normal equations of the other folds' moments (the
    total minus the fold's; minimum-norm least squares when drivers are collinear); its
    squared error is a quadratic form in its own moments.
    """
    def augmented(m: Moments) -> np.ndarray:
        # Cross-products of [1, x - shift] weighted: the normal equations with an intercept.
        return np.block([[np.array([[m.weight_sum]]), m.sums[None, :]],
                         [m.sums[:, None], m.cross]])

    moments = [augmented(m) for m in parts]
    total = np.sum(moments, axis=0)
    squared_error = 0.0
    for fold in moments:
        train = total - fold
        coef = np.linalg.lstsq(train[:-1, :-1], train[:-1, -1], rcond=None)[0]
        # sum over the fold of w (y - design coef)^2, from the fold's moments alone.
        squared_error += (fold[-1, -1] - 2.0 * coef @ fold[:-1, -1]
                          + coef @ fold[:-1, :-1] @ coef)
    whole = sum(parts)
    centre = whole.sums[-1] / whole.weight_sum
    total_ss = whole.cross[-1, -1] - whole.weight_sum * centre ** 2
    return float(1.0 - squared_error / total_ss)


def diagnostics_table(corr_xx: np.ndarray, corr_xy: np.ndarray, n: int,
                      names: list[str]) -> pd.DataFrame:
    """Per-driver diagnostics and fit facts from correlations and the number of rows.

    Returns the table of :func:`regression_diagnostics` without ``cv_r2`` (which needs rows).
    """
    p = len(names)
    vif = variance_inflation(corr_xx)
    beta, r2 = standardized_fit(corr_xx, corr_xy)
    reversal = (beta * corr_xy) < 0
    table = pd.DataFrame({"driver": list(names), "vif": vif, "beta": beta, "r": corr_xy,
                          "sign_reversal": reversal})
    kappa = condition_number(corr_xx)
    table.attrs.update({"n": int(n), "p": p, "r2": r2, "adj_r2": adjusted_r2(r2, n, p),
                        "condition_number": kappa,
                        "warnings": fit_warnings(table, n, kappa)})
    return table


def fit_warnings(table: pd.DataFrame, n: int, kappa: float) -> list[str]:
    """Plain-language warnings from a diagnostics table, at the usual thresholds.

    VIF > 5 caution, > 10 severe; condition number > 30; a standardized beta whose sign is
    opposite to the driver's correlation with the outcome (suppression); n below 50 + 8 p
    (Green 1991, for testing R^2) or below 10 p.
    """
    p = len(table)
    warnings = []
    severe = table.loc[table["vif"] > VIF_SEVERE]
    caution = table.loc[(table["vif"] > VIF_CAUTION) & (table["vif"] <= VIF_SEVERE)]
    if len(severe):
        warnings.append("severe collinearity (VIF > 10): " + _named(severe, "vif")
                        + "; coefficients of these drivers are unstable; read shapley or "
                        "relative_weights, or group them")
    if len(caution):
        warnings.append("collinearity caution (VIF > 5): " + _named(caution, "vif"))
    if kappa > CONDITION_LIMIT:
        warnings.append(f"condition number {kappa:.1f} > {CONDITION_LIMIT:g}: the drivers are "
                        "nearly linearly dependent")
    reversed_ = table.loc[table["sign_reversal"]]
    if len(reversed_):
        details = ", ".join(f"{row.driver} (beta {row.beta:+.3f}, r {row.r:+.3f})"
                            for row in reversed_.itertuples())
        warnings.append("sign reversal (suppression): standardized beta and correlation "
                        f"disagree in sign for {details}; do not read these betas as effects")
    needed = max(50 + 8 * p, 10 * p)
    if n < needed:
        warnings.append(f"small sample: n = {n} for p = {p} drivers; at least {needed} "
                        "recommended (n >= 50 + 8p, Green 1991; n >= 10p)")
    return warnings


def _named(rows: pd.DataFrame, column: str) -> str:
    return ", ".join(f"{name} ({value:.1f})" for name, value in zip(rows["driver"], rows[column],
                                                                    strict=True))


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
    values = np.column_stack([X, y])
    moments = Moments.from_arrays(values, weights, columns=[*names, "outcome"])
    return moments_diagnostics(moments, names, values, weights, cv_folds, seed)


def moments_diagnostics(moments: Moments, names: list[str], values: np.ndarray | None = None,
                        weights: np.ndarray | None = None, cv_folds: int = 5,
                        seed: int | None = 0) -> pd.DataFrame:
    """The diagnostics table from the moments of complete rows (drivers, outcome last).

    ``cv_r2`` needs the rows (``values``, outcome last) to cut folds; NaN without them.
    """
    corr = moments.correlation()
    table = diagnostics_table(corr[:-1, :-1], corr[:-1, -1], moments.n, names)
    table.attrs["cv_r2"] = (float("nan") if values is None
                            else cross_validated_r2_from(values, weights, cv_folds, seed,
                                                         moments.shift))
    return table
