"""Cox hazard ratios pooled over multiply imputed data sets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["pool_cox"]


def _coefficients(item: Any, i: int) -> tuple[pd.Series, pd.Series, int | None]:
    """Log hazard ratios, their standard errors and the sample size of one fit."""
    summary = getattr(item, "summary_", None)
    if summary is not None:  # LymphomaRiskModel(method="cox")
        return summary["coef"], summary["se"], getattr(item, "n_obs_", None)
    if hasattr(item, "params_") and hasattr(item, "standard_errors_"):  # lifelines CoxPHFitter
        return item.params_, item.standard_errors_, getattr(item, "_n_examples", None)
    if isinstance(item, pd.DataFrame):
        if {"coef", "se"} <= set(item.columns):
            return item["coef"], item["se"], None
        if {"coef", "se(coef)"} <= set(item.columns):  # lifelines' summary
            return item["coef"], item["se(coef)"], None
    raise ValueError(
        f"pool_cox: item {i} is a {type(item).__name__}; expected a fitted "
        "LymphomaRiskModel(method='cox'), a lifelines CoxPHFitter, or a summary table with "
        "columns 'coef' and 'se' (or lifelines' 'coef' and 'se(coef)').")


def pool_cox(fits: Sequence[Any], *, n_obs: int | None = None,
             alpha: float = 0.05) -> pd.DataFrame:
    """Pool Cox models fitted on ``m`` imputed data sets by Rubin's rules.

    The log hazard ratios and their squared standard errors are combined by
    :func:`stratify.impute.pool` (Rubin 1987; with ``n_obs``, the
    Barnard-Rubin small-sample degrees of freedom), then the estimate and
    the t interval are put back on the hazard-ratio scale.

    Parameters
    ----------
    fits : sequence of fitted models or summary tables
        One per imputation (at least 2), with the same covariates:
        :class:`LymphomaRiskModel` with ``method="cox"``, lifelines
        ``CoxPHFitter``, or DataFrames with ``coef`` and ``se`` columns
        (e.g. ``model.summary_``).
    n_obs : int, optional
        Patients per data set, for the Barnard-Rubin degrees of freedom.
        Default: the size of the data the models were fitted on, when
        known (models, not tables).
    alpha : float, default=0.05
        For ``1 - alpha`` intervals.

    Returns
    -------
    DataFrame
        One row per covariate (index ``covariate``): hazard ratio
        ``estimate``, ``lower``, ``upper``, ``p_value`` (the format of
        :func:`stratify.plot.forest`), pooled log hazard ratio ``coef`` and
        ``se``, degrees of freedom ``df``, relative increase in variance
        ``riv`` and fraction of missing information ``fmi``.

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.survival import pool_cox
    >>> fits = [pd.DataFrame({"coef": [0.70, 0.10], "se": [0.20, 0.05]}, index=["c4_low", "age"]),
    ...         pd.DataFrame({"coef": [0.80, 0.12], "se": [0.20, 0.05]}, index=["c4_low", "age"]),
    ...         pd.DataFrame({"coef": [0.75, 0.08], "se": [0.21, 0.05]}, index=["c4_low", "age"])]
    >>> pool_cox(fits)[["estimate", "lower", "upper", "fmi"]].round(3)
               estimate  lower  upper    fmi
    covariate
    c4_low        2.117  1.397  3.208  0.080
    age           1.105  0.990  1.234  0.200
    """
    from stratify.impute import pool

    if isinstance(fits, (pd.DataFrame, str)) or len(fits) < 2:
        raise ValueError("pool_cox needs a sequence of at least 2 fits (one per imputation).")
    parts = [_coefficients(item, i) for i, item in enumerate(fits)]
    names = parts[0][0].index
    for i, (coef, _, _) in enumerate(parts[1:], start=1):
        if not coef.index.equals(names):
            raise ValueError(f"pool_cox: fit {i} has covariates {list(coef.index)}, fit 0 has "
                             f"{list(names)}; every fit must use the same covariates.")
    if n_obs is None:
        sizes = {size for _, _, size in parts if size is not None}
        n_obs = sizes.pop() if len(sizes) == 1 else None
    estimates = pd.DataFrame([coef.to_numpy(float) for coef, _, _ in parts], columns=names)
    variances = np.array([se.to_numpy(float) ** 2 for _, se, _ in parts])
    pooled = pool(estimates, variances, n_obs=n_obs, alpha=alpha)
    return pd.DataFrame({
        "estimate": np.exp(pooled["estimate"]), "lower": np.exp(pooled["ci_lower"]),
        "upper": np.exp(pooled["ci_upper"]), "p_value": pooled["p_value"],
        "coef": pooled["estimate"], "se": pooled["std_error"], "df": pooled["df"],
        "riv": pooled["riv"], "fmi": pooled["fmi"]},
        index=pd.Index(list(names), name="covariate"))
