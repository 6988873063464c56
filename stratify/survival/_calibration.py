"""Calibration of predicted risks at a horizon: table by decile, O/E, slope and ICI.

The slope and the integrated calibration index (ICI) come from Cox models of
the outcome, administratively censored at the horizon, on the complementary
log-log of the predicted risk (Crowson et al., Stat Methods Med Res 2016;
Austin, Harrell and van Klaveren, Stat Med 2020). Those models have one to two
covariates and are refitted in every bootstrap resample, so they are solved
here by a few Newton steps in numpy rather than through lifelines.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._target import check_target

__all__ = ["calibration_in_the_large", "calibration_slope", "calibration_table",
           "ici_reference", "integrated_calibration_index"]

ICI_REFERENCE_SIMULATIONS = 100
"""Outcomes simulated from the predicted risks for the ICI reference (:func:`ici_reference`)."""

N_GROUPS = 10
"""Risk groups (deciles) of the calibration table."""

_EPS = 1e-10


def _censor_at(event: np.ndarray, time: np.ndarray, horizon: float) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """Administrative censoring at ``horizon``: only what happens up to it counts."""
    return event & (time <= horizon), np.minimum(time, horizon)


def _cloglog(risk: np.ndarray) -> np.ndarray:
    risk = np.clip(risk, _EPS, 1 - _EPS)
    return np.log(-np.log1p(-risk))


def _cox_newton(event: np.ndarray, time: np.ndarray, Z: np.ndarray, *, max_iter: int = 50,
                tol: float = 1e-9) -> tuple[np.ndarray, float] | None:
    """Cox model (Breslow ties) of a few covariates: coefficients and the Breslow
    cumulative baseline hazard at the last time, for covariates centred on their
    mean; ``None`` when it cannot be estimated (no event, no variation, divergence).
    """
    if not event.any():
        return None
    order = np.argsort(time, kind="stable")
    t, d = time[order], event[order]
    Z = Z[order] - Z.mean(axis=0)
    if np.any(Z.std(axis=0) < 1e-12):
        return None
    first = np.searchsorted(t, t, side="left")[d]
    Zd = Z[d]
    p = Z.shape[1]
    beta = np.zeros(p)

    def parts(b: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        eta = Z @ b
        shift = eta.max()
        w = np.exp(eta - shift)
        s0 = np.cumsum(w[::-1])[::-1][first]
        s1 = np.cumsum((w[:, None] * Z)[::-1], axis=0)[::-1][first]
        s2 = np.cumsum((w[:, None, None] * Z[:, :, None] * Z[:, None, :])[::-1],
                       axis=0)[::-1][first]
        loglik = float(np.sum(eta[d] - shift - np.log(s0)))
        mean = s1 / s0[:, None]
        grad = (Zd - mean).sum(axis=0)
        info = (s2 / s0[:, None, None] - mean[:, :, None] * mean[:, None, :]).sum(axis=0)
        return loglik, grad, info, np.exp(shift) * s0

    loglik, grad, info, s0 = parts(beta)
    for _ in range(max_iter):
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            return None
        for _ in range(30):
            new = parts(beta + step)
            if np.isfinite(new[0]) and new[0] >= loglik - 1e-12:
                break
            step = step / 2
        else:
            return None
        beta = beta + step
        loglik, grad, info, s0 = new
        if np.max(np.abs(step)) < tol:
            break
    if not np.all(np.isfinite(beta)):
        return None
    return beta, float(np.sum(1.0 / s0))


def _spline_basis(z: np.ndarray) -> np.ndarray:
    """Restricted cubic spline of ``z`` with 3 knots at its 10th, 50th and 90th
    percentiles (Harrell's default); linear only when the knots coincide."""
    k1, k2, k3 = np.quantile(z, [0.1, 0.5, 0.9])
    if not (k1 < k2 < k3):
        return z[:, None]

    def cube(v: np.ndarray) -> np.ndarray:
        return np.clip(v, 0, None) ** 3

    nonlinear = (cube(z - k1) - cube(z - k2) * (k3 - k1) / (k3 - k2)
                 + cube(z - k3) * (k2 - k1) / (k3 - k2)) / (k3 - k1) ** 2
    return np.column_stack([z, nonlinear])


def _slope(event: np.ndarray, time: np.ndarray, risk: np.ndarray, horizon: float) -> float:
    e, t = _censor_at(event, time, horizon)
    fit = _cox_newton(e, t, _cloglog(risk)[:, None])
    return float("nan") if fit is None else float(fit[0][0])


def _ici(event: np.ndarray, time: np.ndarray, risk: np.ndarray, horizon: float) -> float:
    e, t = _censor_at(event, time, horizon)
    Z = _spline_basis(_cloglog(risk))
    fit = _cox_newton(e, t, Z)
    if fit is None:
        return float("nan")
    beta, baseline = fit
    observed = -np.expm1(-baseline * np.exp((Z - Z.mean(axis=0)) @ beta))
    return float(np.mean(np.abs(risk - observed)))


def _check_risk(y: Any, risk: Any, horizon: float, caller: str) -> tuple[np.ndarray, np.ndarray,
                                                                        np.ndarray]:
    event, time = check_target(y, caller)
    r = np.asarray(risk, dtype=float).ravel()
    if r.size != time.size:
        raise ValueError(f"{caller}: risk has {r.size} values but y has {time.size}.")
    if not np.all((r >= 0) & (r <= 1)):
        raise ValueError(f"{caller}: risk must be predicted probabilities in [0, 1] "
                         "(e.g. model.predict_risk_at(X, horizon)).")
    if not horizon > 0:
        raise ValueError(f"{caller}: horizon must be > 0; got {horizon!r}.")
    return event, time, r


def calibration_slope(y: Any, risk: Any, horizon: float) -> float:
    """Calibration slope of predicted risks at ``horizon``.

    The coefficient of a Cox model of the outcome, administratively censored
    at ``horizon``, on ``log(-log(1 - risk))``: 1 is ideal, below 1 means
    predictions too extreme (overfitting), above 1 too moderate.

    Parameters
    ----------
    y : structured ndarray
        Survival target (:func:`make_target`).
    risk : array-like of shape (n,)
        Predicted probability of the event by ``horizon`` (1 - S(horizon)).
    horizon : float

    Returns
    -------
    float
        NaN when it cannot be estimated (no event by ``horizon``, no
        variation of ``risk``).

    Examples
    --------
    >>> import numpy as np
    >>> from stratify.survival import calibration_slope, make_target
    >>> rng = np.random.default_rng(0)
    >>> lp = rng.normal(size=4000)
    >>> time = rng.exponential(10 / np.exp(lp))
    >>> y = make_target(time, np.ones(4000, dtype=int))
    >>> risk = 1 - np.exp(-5 / 10 * np.exp(lp))          # true 5-year risk
    >>> round(calibration_slope(y, risk, 5.0), 1)
    1.0
    >>> round(calibration_slope(y, 1 - np.exp(-5 / 10 * np.exp(2 * lp)), 5.0), 1)
    0.5
    """
    event, time, r = _check_risk(y, risk, horizon, "calibration_slope")
    return _slope(event, time, r, float(horizon))


def integrated_calibration_index(y: Any, risk: Any, horizon: float) -> float:
    """Integrated calibration index (ICI) of predicted risks at ``horizon``.

    The mean absolute difference between predicted and smoothed observed
    risk (Austin, Harrell and van Klaveren, Stat Med 2020). The observed
    risk of each patient comes from a Cox model of the outcome,
    administratively censored at ``horizon``, on a restricted cubic spline
    (3 knots) of ``log(-log(1 - risk))``, with its Breslow baseline.

    Parameters
    ----------
    y : structured ndarray
    risk : array-like of shape (n,)
        Predicted probability of the event by ``horizon``.
    horizon : float

    Returns
    -------
    float
        0 is perfect; NaN when it cannot be estimated.

    Examples
    --------
    >>> import numpy as np
    >>> from stratify.survival import integrated_calibration_index, make_target
    >>> rng = np.random.default_rng(0)
    >>> lp = rng.normal(size=4000)
    >>> y = make_target(rng.exponential(10 / np.exp(lp)), np.ones(4000, dtype=int))
    >>> true = 1 - np.exp(-0.5 * np.exp(lp))
    >>> integrated_calibration_index(y, true, 5.0) < 0.01
    True
    >>> round(integrated_calibration_index(y, true / 2, 5.0), 2)      # risks halved
    0.23
    """
    event, time, r = _check_risk(y, risk, horizon, "integrated_calibration_index")
    return _ici(event, time, r, float(horizon))


def calibration_table(y: Any, risk: Any, horizon: float, *,
                      n_groups: int = N_GROUPS) -> pd.DataFrame:
    """Observed (Kaplan-Meier) against mean predicted risk by risk group.

    Patients are split into ``n_groups`` groups of equal size by predicted
    risk (fewer when risks are tied); in each, the observed risk is
    ``1 - S(horizon)`` from the Kaplan-Meier estimator with its 95 %
    log-log (exponential Greenwood) interval. The format is that of
    :func:`stratify.plot.calibration` (``by="horizon"``).

    Parameters
    ----------
    y : structured ndarray
    risk : array-like of shape (n,)
        Predicted probability of the event by ``horizon``.
    horizon : float
    n_groups : int, default=10

    Returns
    -------
    DataFrame
        One row per group: ``horizon``, ``group`` (1 = lowest risk), ``n``,
        ``predicted``, ``observed``, ``observed_lower``, ``observed_upper``
        (observed is NaN when the group's follow-up ends before ``horizon``).

    Examples
    --------
    >>> import numpy as np
    >>> from stratify.survival import calibration_table, make_target
    >>> rng = np.random.default_rng(0)
    >>> lp = rng.normal(size=2000)
    >>> y = make_target(rng.exponential(10 / np.exp(lp)), np.ones(2000, dtype=int))
    >>> table = calibration_table(y, 1 - np.exp(-0.5 * np.exp(lp)), 5.0, n_groups=4)
    >>> table[["group", "n", "predicted", "observed"]].round(2)
       group    n  predicted  observed
    0      1  500       0.14      0.15
    1      2  500       0.30      0.28
    2      3  500       0.49      0.50
    3      4  500       0.80      0.80
    """
    from sksurv.nonparametric import kaplan_meier_estimator

    event, time, r = _check_risk(y, risk, horizon, "calibration_table")
    groups = pd.qcut(r, n_groups, labels=False, duplicates="drop")
    if np.all(np.isnan(groups)):
        groups = np.zeros(r.size)
    rows = []
    for rank, g in enumerate(np.unique(groups), start=1):
        inside = groups == g
        observed = lower = upper = float("nan")
        times, surv, ci = kaplan_meier_estimator(event[inside], time[inside],
                                                 conf_type="log-log")
        if times[-1] >= horizon or surv[-1] == 0:
            k = np.searchsorted(times, horizon, side="right") - 1
            s, lo, hi = (1.0, 1.0, 1.0) if k < 0 else (surv[k], ci[0, k], ci[1, k])
            observed, lower, upper = 1 - s, 1 - hi, 1 - lo
        rows.append({"horizon": float(horizon), "group": rank, "n": int(inside.sum()),
                     "predicted": float(r[inside].mean()), "observed": float(observed),
                     "observed_lower": float(lower), "observed_upper": float(upper)})
    return pd.DataFrame(rows)


def _km_risk(event: np.ndarray, time: np.ndarray, horizon: float) -> tuple[float, float]:
    """Kaplan-Meier risk ``1 - S(horizon)`` and Greenwood's variance of ``S(horizon)``
    (NaN when follow-up ends before ``horizon``)."""
    order = np.argsort(time, kind="stable")
    t, d = time[order], event[order].astype(float)
    unique, first = np.unique(t, return_index=True)
    at_risk = t.size - first
    deaths = np.add.reduceat(d, first)
    inside = unique <= horizon
    if t[-1] < horizon and deaths[-1] < at_risk[-1]:
        return float("nan"), float("nan")
    n_i, d_i = at_risk[inside], deaths[inside]
    surv = float(np.prod(1.0 - d_i / n_i))
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(n_i > d_i, d_i / (n_i * (n_i - d_i)), 0.0)
    return 1.0 - surv, surv**2 * float(terms.sum())


OE_BOOTSTRAP = 200
"""Paired bootstrap resamples behind the O/E interval (:func:`calibration_in_the_large`)."""


def calibration_in_the_large(y: Any, risk: Any, horizon: float, *, alpha: float = 0.05,
                             n_bootstrap: int = OE_BOOTSTRAP,
                             random_state: Any = None) -> dict[str, float]:
    """Observed over expected number of events by ``horizon`` (O/E), with its interval.

    Observed: the Kaplan-Meier risk ``1 - S(horizon)`` of all patients
    (censoring before the horizon is accounted for); expected: the mean
    predicted risk. O/E is 1 for a model calibrated in the large, 2 for one
    whose risks are half the true ones (whatever its slope).

    The interval is ``exp(log(O/E) ± z * SE)``, SE the standard deviation
    of ``log(O/E)`` over ``n_bootstrap`` resamples of patients, O and E
    resampled together. Why not Greenwood's variance of O with E held fixed
    (Debray et al., BMJ 2017): O and E rise and fall together with the
    sample's case mix, so the ratio varies less than O; with heterogeneous
    risks the Greenwood interval was conservative (coverage 0.97 in
    ``benchmarks/_validity_inference.py``). ``n_bootstrap=0`` gives the
    Greenwood interval.

    Parameters
    ----------
    y : structured ndarray
    risk : array-like of shape (n,)
        Predicted probability of the event by ``horizon``.
    horizon : float
    alpha : float, default=0.05
    n_bootstrap : int, default=200
    random_state : int, Generator or None

    Returns
    -------
    dict
        ``observed``, ``expected``, ``oe_ratio``, ``lower``, ``upper`` and
        ``se`` (of the ratio, delta method); NaN when the follow-up ends
        before ``horizon`` or no event occurs by it.

    Examples
    --------
    >>> import numpy as np
    >>> from stratify.survival import calibration_in_the_large, make_target
    >>> rng = np.random.default_rng(0)
    >>> lp = rng.normal(size=2000)
    >>> y = make_target(rng.exponential(10 / np.exp(lp)), np.ones(2000, dtype=int))
    >>> true = 1 - np.exp(-0.5 * np.exp(lp))
    >>> oe = calibration_in_the_large(y, true / 2, 5.0, random_state=0)   # risks halved
    >>> round(oe["oe_ratio"], 2), oe["lower"] > 1
    (2.01, True)
    """
    from scipy.stats import norm

    event, time, r = _check_risk(y, risk, horizon, "calibration_in_the_large")
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, (int, np.integer)) \
            or n_bootstrap < 0:
        raise ValueError("calibration_in_the_large: n_bootstrap must be an int >= 0; "
                         f"got {n_bootstrap!r}.")
    return _oe(event, time, r, float(horizon), norm.ppf(1 - alpha / 2), int(n_bootstrap),
               np.random.default_rng(random_state))


def _oe(event: np.ndarray, time: np.ndarray, risk: np.ndarray, horizon: float, z: float,
        n_bootstrap: int, rng: np.random.Generator) -> dict[str, float]:
    observed, variance = _km_risk(event, time, horizon)
    expected = float(np.mean(risk))
    out = dict.fromkeys(("observed", "expected", "oe_ratio", "lower", "upper", "se"),
                        float("nan"))
    out["observed"], out["expected"] = observed, expected
    if not (observed > 0 and expected > 0):
        return out
    ratio = observed / expected
    se_log = np.sqrt(variance) / observed
    if n_bootstrap > 0:
        logs = []
        for _ in range(n_bootstrap):
            rows = rng.integers(0, time.size, time.size)
            o = _km_risk(event[rows], time[rows], horizon)[0]
            e = float(np.mean(risk[rows]))
            if o > 0 and e > 0:
                logs.append(np.log(o / e))
        if len(logs) >= 2:
            se_log = float(np.std(logs, ddof=1))
    out.update(oe_ratio=ratio, lower=float(ratio * np.exp(-z * se_log)),
               upper=float(ratio * np.exp(z * se_log)), se=float(ratio * se_log))
    return out


def _simulate_calibrated(event: np.ndarray, time: np.ndarray, risk: np.ndarray,
                         horizon: float, rng: np.random.Generator) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """Outcomes up to ``horizon`` drawn from the predicted risks themselves (constant
    hazard ``-log(1 - risk) / horizon``), censored where the patient's own follow-up
    was censored before the horizon."""
    hazard = -np.log1p(-np.clip(risk, 0.0, 1 - _EPS)) / horizon
    with np.errstate(divide="ignore"):
        draw = rng.exponential(1.0, risk.size) / hazard
    censor = np.where(~event & (time < horizon), time, horizon)
    return draw <= censor, np.minimum(draw, censor)


def ici_reference(y: Any, risk: Any, horizon: float, *,
                  n_simulations: int = ICI_REFERENCE_SIMULATIONS,
                  random_state: Any = None) -> dict[str, float]:
    """The ICI a perfectly calibrated model with these risks would show on this sample.

    The ICI is a mean absolute difference, so it is above 0 even for the
    true risks (sampling noise of the smoothed observed risk): 0.01-0.03
    at a few hundred patients. Its reference is obtained by simulation:
    ``n_simulations`` times, outcomes are drawn from the predicted risks
    themselves (a constant hazard within the horizon that gives exactly
    ``risk`` by ``horizon``; patients censored before the horizon stay
    censored at their own time), and the ICI of ``risk`` is computed on
    them. An observed ICI beyond the reference's upper limit (its 97.5th
    percentile) is more miscalibration than chance gives; ``p_value`` is
    the share of simulated ICIs at least as large as the observed one
    (with the usual +1 correction).

    Parameters
    ----------
    y : structured ndarray
    risk : array-like of shape (n,)
    horizon : float
    n_simulations : int, default=100
    random_state : int, Generator or None

    Returns
    -------
    dict
        ``ici`` (observed), ``expected`` (mean ICI under perfect
        calibration), ``lower`` and ``upper`` (2.5th and 97.5th
        percentiles of it) and ``p_value``.

    Examples
    --------
    >>> import numpy as np
    >>> from stratify.survival import ici_reference, make_target
    >>> rng = np.random.default_rng(0)
    >>> lp = rng.normal(size=1000)
    >>> y = make_target(rng.exponential(10 / np.exp(lp)), np.ones(1000, dtype=int))
    >>> true = 1 - np.exp(-0.5 * np.exp(lp))
    >>> ref = ici_reference(y, true, 5.0, random_state=0)
    >>> ref["ici"] <= ref["upper"], ref["p_value"] > 0.05
    (True, True)
    >>> ici_reference(y, true / 2, 5.0, random_state=0)["p_value"] < 0.05
    True
    """
    event, time, r = _check_risk(y, risk, horizon, "ici_reference")
    if not isinstance(n_simulations, (int, np.integer)) or n_simulations < 1:
        raise ValueError(f"ici_reference: n_simulations must be an int >= 1; "
                         f"got {n_simulations!r}.")
    return _ici_reference(event, time, r, float(horizon), int(n_simulations),
                          np.random.default_rng(random_state))


def _ici_reference(event: np.ndarray, time: np.ndarray, risk: np.ndarray, horizon: float,
                   n_simulations: int, rng: np.random.Generator) -> dict[str, float]:
    observed = _ici(event, time, risk, horizon)
    null = np.array([_ici(*_simulate_calibrated(event, time, risk, horizon, rng), risk,
                          horizon) for _ in range(n_simulations)])
    null = null[np.isfinite(null)]
    if null.size == 0:
        return {"ici": observed, "expected": float("nan"), "lower": float("nan"),
                "upper": float("nan"), "p_value": float("nan")}
    p_value = (1 + np.sum(null >= observed)) / (1 + null.size) if np.isfinite(observed) \
        else float("nan")
    return {"ici": observed, "expected": float(null.mean()),
            "lower": float(np.quantile(null, 0.025)), "upper": float(np.quantile(null, 0.975)),
            "p_value": float(p_value)}
