"""Treatment effect by subgroup and the subgroup-by-treatment interaction test."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..data._validate import MAX_ROWS_SHOWN, _row_ids

__all__ = ["effect_by_subgroup"]

_WHO = "effect_by_subgroup"


def _as_series(values: Any, name: str, like: pd.Series | None) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, pd.DataFrame):
        raise TypeError(f"The {name!r} parameter of {_WHO} must be one column (a Series). "
                        f"Got a DataFrame with {values.shape[1]} columns instead.")
    if np.ndim(values) != 1:
        raise ValueError(f"The {name!r} parameter of {_WHO} must be one-dimensional. "
                         f"Got shape {np.shape(values)} instead.")
    index = like.index if like is not None and len(like) == len(values) else None
    return pd.Series(values, index=index, name=name)


def _aligned(outcome: Any, arm: Any, subgroup: Any,
             covariates: Any) -> tuple[pd.Series, pd.Series, pd.Series, pd.DataFrame]:
    """The inputs as pandas objects sharing the index of ``outcome`` (checked, never guessed)."""
    first = next((v for v in (outcome, arm, subgroup) if isinstance(v, pd.Series)), None)
    series = {name: _as_series(v, name, first)
              for name, v in (("outcome", outcome), ("arm", arm), ("subgroup", subgroup))}
    if covariates is None:
        cov = pd.DataFrame(index=series["outcome"].index)
    elif isinstance(covariates, pd.Series):
        cov = covariates.to_frame()
    elif isinstance(covariates, pd.DataFrame):
        cov = covariates
    else:
        raise TypeError(f"The 'covariates' parameter of {_WHO} must be a DataFrame or None. "
                        f"Got {type(covariates).__name__} instead.")
    index = series["outcome"].index
    if index.has_duplicates:
        rows, n = _row_ids(index, index.duplicated(keep=False))
        raise ValueError(f"The 'outcome' parameter of {_WHO} must have one row per patient. "
                         f"Got {n} rows with duplicated ids instead: {', '.join(rows)}.")
    for name, obj in (*series.items(), ("covariates", cov)):
        if name == "outcome" or (name == "covariates" and covariates is None):
            continue
        missing = index.difference(obj.index)
        if len(obj) != len(index) or obj.index.has_duplicates or len(missing):
            extra = obj.index.difference(index)
            raise ValueError(
                f"The {name!r} parameter of {_WHO} must be indexed by the same patients as "
                f"'outcome', once each. Got {len(obj)} rows, lacking ids "
                f"{missing[:MAX_ROWS_SHOWN].tolist()} and with other ids "
                f"{extra[:MAX_ROWS_SHOWN].tolist()} instead."
            )
    arm_s, group_s = (series[n].loc[index] for n in ("arm", "subgroup"))
    return series["outcome"], arm_s, group_s, cov.loc[index]


def _numeric(values: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values):
        values = values.astype(float)
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = (values.notna().to_numpy() & np.isnan(numbers)) | np.isinf(numbers)
    if bad.any():
        rows, n = _row_ids(values.index, bad)
        raise ValueError(f"The {name!r} parameter of {_WHO} must hold finite numbers. "
                         f"Got text or infinite values in {n} row(s) instead: {', '.join(rows)}.")
    return numbers


def _levels(groups: pd.Series) -> list:
    present = pd.unique(groups.dropna())
    if isinstance(groups.dtype, pd.CategoricalDtype):
        return [c for c in groups.cat.categories if c in set(present)]
    try:
        return sorted(present)
    except TypeError:
        return list(present)


def _fit_ols(y: np.ndarray, X: np.ndarray, robust: bool) -> Any:
    from statsmodels.regression.linear_model import OLS

    model = OLS(y, X)
    return model.fit(cov_type="HC0") if robust else model.fit()


def _interaction(y: np.ndarray, treated: np.ndarray, codes: np.ndarray, n_levels: int,
                 cov: np.ndarray, binary: bool) -> dict[str, Any]:
    dummies = (codes[:, None] == np.arange(1, n_levels)[None, :]).astype(float)
    reduced = np.column_stack([np.ones_like(y), treated, dummies, cov])
    full = np.column_stack([reduced, dummies * treated[:, None]])
    n_terms = n_levels - 1
    if not binary:
        from statsmodels.regression.linear_model import OLS

        fit_full = OLS(y, full).fit()
        f_value, p_value, _ = fit_full.compare_f_test(OLS(y, reduced).fit())
        return {"test": "F", "statistic": float(f_value), "df": n_terms,
                "df_resid": float(fit_full.df_resid), "p": float(p_value)}
    from scipy.stats import chi2
    from statsmodels.discrete.discrete_model import Logit

    llf = [Logit(y, X).fit(disp=0, maxiter=200).llf for X in (full, reduced)]
    statistic = max(2.0 * (llf[0] - llf[1]), 0.0)
    return {"test": "likelihood ratio", "statistic": float(statistic), "df": n_terms,
            "p": float(chi2.sf(statistic, n_terms))}


def effect_by_subgroup(outcome: Any, arm: Any, subgroup: Any, *,
                       covariates: pd.DataFrame | None = None,
                       alpha: float = 0.05) -> pd.DataFrame:
    """Treatment effect within each subgroup, and whether it differs between subgroups.

    Within each subgroup the effect is the coefficient of ``arm`` in an OLS
    regression of the outcome on ``arm`` (and the ``covariates``) fitted to
    that subgroup's patients alone: without covariates, the difference of
    mean outcomes treated minus placebo, with the pooled-variance t interval.
    A binary (0/1) outcome gives the same fit as a linear probability model
    with HC0 (sandwich) standard errors and normal intervals: without
    covariates, the difference in proportions with its Wald interval.

    The interaction test compares, on all patients, a model with subgroup,
    arm and covariates to one that adds the subgroup-by-arm terms: an F test
    for a continuous outcome, a likelihood-ratio test of logistic models for
    a binary one. A small p means the effect differs between subgroups; look
    at it before reading single subgroups, whose separate p-values are not
    adjusted for multiplicity. When an arm of a subgroup has no events (or
    only events) the logistic fits separate: statsmodels warns that they did
    not converge, and the test has little power for that subgroup.

    Patients with a missing outcome, arm, subgroup or covariate are excluded
    and counted, never dropped silently.

    Parameters
    ----------
    outcome : Series or array-like
        Outcome per patient, e.g. the change in ESSPRI (follow-up minus
        baseline) or a responder indicator (0/1). Series (and
        ``covariates``) must share their patient index; arrays are matched
        by position.
    arm : Series or array-like
        0 placebo (or control), 1 treated.
    subgroup : Series or array-like
        Subgroup label per patient (at least 2 subgroups, each with patients
        in both arms).
    covariates : DataFrame, optional
        Numeric adjustment variables (encode categorical ones first), one
        row per patient.
    alpha : float, default=0.05
        The intervals have coverage ``1 - alpha``.

    Returns
    -------
    DataFrame
        One row per subgroup (in sorted or categorical order): ``estimate``,
        ``lower``, ``upper``, ``p``, ``n_placebo``, ``n_treated``,
        ``mean_placebo``, ``mean_treated`` (proportions for a binary outcome).
        It can be passed to :func:`stratify.plot.forest`. ``attrs`` holds
        ``"interaction"`` (dict with ``test``, ``statistic``, ``df``, ``p``,
        and ``df_resid`` for the F test), ``"excluded"`` (number of patients
        left out for missing values), ``"excluded_ids"``, ``"scale"``
        (``"difference in means"`` or ``"difference in proportions"``) and
        ``"alpha"``.

    Raises
    ------
    ValueError
        When ``arm`` holds values other than 0/1, values are not finite
        numbers, inputs do not share their patients, fewer than 2 subgroups
        remain, or a subgroup lacks one of the arms.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stratify.response import effect_by_subgroup
    >>> rng = np.random.default_rng(0)
    >>> n = 400
    >>> group = pd.Series(rng.choice(["HSB", "LSB"], n))
    >>> arm = pd.Series(rng.integers(0, 2, n))
    >>> change = -1.5 * arm * (group == "HSB") + rng.normal(0, 1, n)
    >>> table = effect_by_subgroup(change, arm, group)
    >>> table[["estimate", "lower", "upper"]].round(2)
         estimate  lower  upper
    HSB     -1.27  -1.55  -0.99
    LSB     -0.04  -0.32   0.24
    >>> table.attrs["interaction"]["p"] < 0.001
    True
    """
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise ValueError(f"The 'alpha' parameter of {_WHO} must be a float in (0, 1). "
                         f"Got {alpha!r} instead.")
    y_s, arm_s, group_s, cov_df = _aligned(outcome, arm, subgroup, covariates)
    y = _numeric(y_s, "outcome")
    treated = _numeric(arm_s, "arm")
    not_arm = ~np.isnan(treated) & ~np.isin(treated, (0.0, 1.0))
    if not_arm.any():
        rows, n = _row_ids(arm_s.index, not_arm)
        raise ValueError(f"The 'arm' parameter of {_WHO} must be 0 (placebo) or 1 (treated). "
                         f"Got other values in {n} row(s) instead: {', '.join(rows)}.")
    columns = [_numeric(cov_df[c], f"covariates[{c!r}]") for c in cov_df.columns]
    cov = np.column_stack(columns) if columns else np.empty((len(y), 0))

    missing = (np.isnan(y) | np.isnan(treated) | group_s.isna().to_numpy()
               | np.isnan(cov).any(axis=1))
    keep = ~missing
    levels = _levels(group_s[keep])
    if len(levels) < 2:
        raise ValueError(f"The 'subgroup' parameter of {_WHO} must hold at least 2 subgroups "
                         f"among complete rows. Got {len(levels)} instead.")
    codes_all = pd.Categorical(group_s, categories=levels).codes
    y, treated, cov, codes = y[keep], treated[keep], cov[keep], codes_all[keep]
    counts = np.zeros((len(levels), 2), int)
    np.add.at(counts, (codes, treated.astype(int)), 1)
    lacking = [str(levels[i]) for i in np.flatnonzero((counts == 0).any(axis=1))]
    if lacking:
        raise ValueError(f"The 'subgroup' parameter of {_WHO} must give every subgroup patients "
                         f"in both arms. Got subgroups with one arm only: {lacking} instead.")
    binary = bool(np.isin(y, (0.0, 1.0)).all())

    records = []
    for i in range(len(levels)):
        inside = codes == i
        X = np.column_stack([np.ones(inside.sum()), treated[inside], cov[inside]])
        fit = _fit_ols(y[inside], X, robust=binary)
        lower, upper = np.asarray(fit.conf_int(alpha=alpha))[1]
        y_g, arm_g = y[inside], treated[inside]
        records.append({
            "estimate": float(fit.params[1]), "lower": float(lower), "upper": float(upper),
            "p": float(fit.pvalues[1]),
            "n_placebo": int(counts[i, 0]), "n_treated": int(counts[i, 1]),
            "mean_placebo": float(y_g[arm_g == 0].mean()),
            "mean_treated": float(y_g[arm_g == 1].mean()),
        })
    table = pd.DataFrame(records, index=pd.Index(levels, name=group_s.name))
    excluded_ids = y_s.index[missing].tolist()
    table.attrs = {
        "interaction": _interaction(y, treated, codes, len(levels), cov, binary),
        "excluded": len(excluded_ids),
        "excluded_ids": excluded_ids,
        "scale": "difference in proportions" if binary else "difference in means",
        "alpha": float(alpha),
    }
    return table
