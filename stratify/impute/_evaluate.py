"""Imputation quality by masking observed values and imputing them back."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone

from .._utils.checks import as_float_array, check_numeric_columns
from .._utils.deprecation import renamed_argument
from ..data import PSS_SCHEMA, Schema
from ._imputer import column_kinds

__all__ = ["evaluate_imputation", "mask_values", "MECHANISMS"]

MECHANISMS = ("MCAR", "MAR", "MNAR")
_SLOPE = 2.0  # logistic slope per SD: the odds of masking change e**2 ~ 7.4-fold per SD
_MIN_KEPT = 2  # observed values left in every column, so any imputer can still fit it


def _calibrated(z: np.ndarray, fraction: float) -> np.ndarray:
    """``sigmoid(a + _SLOPE * z)`` with the intercept ``a`` set so the mean is ``fraction``."""
    from scipy.optimize import brentq
    from scipy.special import expit

    def gap(a: float) -> float:
        return float(expit(a + _SLOPE * z).mean() - fraction)

    return expit(brentq(gap, -60.0, 60.0) + _SLOPE * z)


def _standardize(values: np.ndarray) -> np.ndarray:
    sd = np.nanstd(values, axis=0)
    z = (values - np.nanmean(values, axis=0)) / np.where(sd > 0, sd, 1.0)
    return np.nan_to_num(z, nan=0.0)


def mask_values(
    X: pd.DataFrame,
    fraction: float = 0.2,
    mechanism: str = "MCAR",
    random_state: int | np.random.Generator | None = 0,
) -> tuple[np.ndarray, list[str]]:
    """Choose observed cells of ``X`` to hide, by a missingness mechanism.

    - ``MCAR``: every observed value is hidden with probability ``fraction``.
    - ``MAR``: a quarter of the columns (at least one; the most complete
      first) are *drivers*, never hidden. In every other column the
      probability of hiding follows a logistic model of a random linear
      combination of the standardized drivers (missing driver values count
      as the mean), so it depends on observed values only.
    - ``MNAR``: the probability follows a logistic model of the standardized
      value itself: high values are hidden more often.

    The logistic slope is 2 per SD; the intercept is calibrated per column so
    that on average ``fraction`` of its observed values are hidden. At least
    2 observed values are kept in every column.

    Returns
    -------
    mask : ndarray of bool, shape (n_patients, n_features)
        True where an observed value is hidden.
    drivers : list of str
        The MAR driver columns (empty for MCAR and MNAR).
    """
    if mechanism not in MECHANISMS:
        raise ValueError(f"mechanism must be one of {MECHANISMS}; got {mechanism!r}.")
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be in (0, 1); got {fraction!r}.")
    values = as_float_array(X)
    n, d = values.shape
    observed = ~np.isnan(values)
    rng = np.random.default_rng(random_state)
    drivers: list[int] = []
    prob = np.zeros((n, d))
    if mechanism == "MCAR":
        prob[:] = fraction
    elif mechanism == "MNAR":
        z = _standardize(values)
        for j in range(d):
            prob[observed[:, j], j] = _calibrated(z[observed[:, j], j], fraction)
    else:
        if d < 2:
            raise ValueError("MAR masking needs at least 2 columns (one drives the others).")
        n_drivers = max(1, d // 4)
        order = np.lexsort((rng.permutation(d), (~observed).sum(axis=0)))
        drivers = sorted(order[:n_drivers].tolist())
        z_drivers = _standardize(values[:, drivers])
        for j in range(d):
            if j in drivers:
                continue
            score = z_drivers @ rng.normal(size=len(drivers))
            score = (score - score.mean()) / (score.std() or 1.0)
            prob[observed[:, j], j] = _calibrated(score[observed[:, j]], fraction)
    mask = (rng.random((n, d)) < prob) & observed
    for j in range(d):
        excess = _MIN_KEPT - (observed[:, j] & ~mask[:, j]).sum()
        if excess > 0:
            hidden = np.flatnonzero(mask[:, j])
            mask[rng.choice(hidden, size=min(excess, hidden.size), replace=False), j] = False
    return mask, [str(X.columns[j]) for j in drivers]


def evaluate_imputation(
    X: pd.DataFrame,
    imputer,
    fraction: float = 0.2,
    mechanism: str = "MCAR",
    random_state: int | None = 0,
    *,
    schema: Schema = PSS_SCHEMA,
    seed: int | None = None,
) -> pd.DataFrame:
    """Hide observed values by a missingness mechanism, impute them, and score the result.

    A clone of ``imputer`` is fitted on ``X`` with the hidden values removed
    (``fit_transform``); only the hidden cells are scored, against their true values.

    - ``nrmse`` (continuous and ordinal columns): root mean squared error of
      the imputed values divided by the SD of all observed values of the
      column in ``X``. The denominator does not depend on the mechanism, so
      scores compare across mechanisms, and mean imputation scores about 1
      under MCAR.
    - ``misclassification`` (binary, ordinal, categorical columns): share of
      hidden values imputed as another value (a value that is not a valid
      level counts as wrong).

    Parameters
    ----------
    X : DataFrame
        Numeric data with the patient index; may already hold missing values
        (they are neither hidden nor scored).
    imputer : transformer
        Any scikit-learn style imputer (a :class:`SchemaImputer`, a
        ``Pipeline``, a scikit-learn imputer). It is cloned, never changed.
    fraction : float, default=0.2
        Expected share of each column's observed values to hide.
    mechanism : {"MCAR", "MAR", "MNAR"}, default="MCAR"
        How values are chosen (see :func:`mask_values`).
    random_state : int, default=0
        Seed of the masking (same seed, same cells).
    schema : Schema, default=PSS_SCHEMA
        Decides each column's kind; unknown columns are continuous.
    seed : int, optional
        The name of ``random_state`` in stratify 0.1; works with a
        FutureWarning until 0.3.

    Returns
    -------
    DataFrame
        One row per column (``kind``, ``n_masked``, ``nrmse``,
        ``misclassification``) and a last row ``"mean"`` averaging the
        columns that were scored (``n_masked`` summed). ``attrs`` holds
        ``mechanism``, ``fraction``, ``random_state`` (also under its 0.1
        name ``seed``) and the MAR ``drivers``, which are never hidden
        (``n_masked`` 0).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stratify.impute import evaluate_imputation, make_imputer
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(300, 1))
    >>> X = pd.DataFrame(f + 0.3 * rng.normal(size=(300, 4)),
    ...                  columns=["mol_A", "mol_B", "mol_C", "mol_D"])
    >>> scores = evaluate_imputation(X, make_imputer("iterative", random_state=0),
    ...                              fraction=0.2, mechanism="MAR", random_state=0)
    >>> bool(scores.loc["mean", "nrmse"] < 0.5), scores.attrs["drivers"]
    (True, ['mol_B'])
    """
    if not isinstance(X, pd.DataFrame):
        X = pd.DataFrame(np.asarray(X, dtype=float),
                         columns=[f"x{j}" for j in range(np.shape(X)[1])])
    if not hasattr(imputer, "fit_transform"):
        raise TypeError(f"imputer must be a transformer with fit_transform; got "
                        f"{type(imputer).__name__}.")
    check_numeric_columns(X, list(X.columns), who="evaluate_imputation")
    random_state = renamed_argument("evaluate_imputation()", "seed", "random_state", seed,
                                    random_state, 0)
    mask, drivers = mask_values(X, fraction, mechanism, random_state)
    truth = as_float_array(X)
    masked = X.astype(float).mask(mask)
    imputed = clone(imputer).fit_transform(masked)
    if isinstance(imputed, pd.DataFrame):
        imputed = imputed.reindex(columns=X.columns)
    imputed = np.asarray(imputed, dtype=float)
    if imputed.shape != X.shape:
        raise ValueError(f"the imputer returned shape {imputed.shape} for input {X.shape}; "
                         "it must keep every row and column (do all columns have values?).")
    kinds = column_kinds(X.columns, schema)
    sd = np.nanstd(truth, axis=0, ddof=1)
    rows = []
    for j, col in enumerate(X.columns):
        hidden = mask[:, j]
        true, guess = truth[hidden, j], imputed[hidden, j]
        scored = hidden.any()
        nrmse = misclass = np.nan
        if scored and kinds[j] in ("continuous", "ordinal") and sd[j] > 0:
            nrmse = float(np.sqrt(np.mean((guess - true) ** 2)) / sd[j])
        if scored and kinds[j] != "continuous":
            misclass = float(np.mean(guess != true))
        rows.append({"variable": str(col), "kind": kinds[j], "n_masked": int(hidden.sum()),
                     "nrmse": nrmse, "misclassification": misclass})
    table = pd.DataFrame(rows).set_index("variable")
    table.loc["mean"] = {"kind": "", "n_masked": int(table["n_masked"].sum()),
                         "nrmse": table["nrmse"].mean(),
                         "misclassification": table["misclassification"].mean()}
    table["n_masked"] = table["n_masked"].astype(int)
    table.attrs.update({"mechanism": mechanism, "fraction": fraction,
                        "random_state": random_state, "seed": random_state,
                        "drivers": drivers})
    return table
