"""LymphomaRiskModel: Cox, elastic-net Cox, random survival forest or boosting."""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._frames import wrap_rows
from ._checks import check_features, row_index
from ._cox import CoxConvergenceError, CoxFit, fit_cox
from ._metrics import harrell_c, horizon_label
from ._target import TARGET_DTYPE, check_target

__all__ = ["LymphomaRiskModel"]

DEFAULT_MAX_DEPTH = {"forest": 8, "boosting": 3}
"""Tree depth when ``max_depth=None``: capped so that models stay small and fast to
explain at 10,000+ patients (docs/performance.md)."""

FOREST_MAX_TIMES = 250
"""Most distinct follow-up times a forest keeps when ``time_resolution=None``: every leaf
stores its survival curve at each of them (100 trees of up to 256 leaves: about 100 MB)."""

FOREST_MAX_SAMPLES = 5_000
"""Patients drawn for each tree of the forest when ``max_samples=None``: scikit-survival's
log-rank splitting grows about as n² per tree (0.5 s at 5,000 patients, 9 s at 20,000)."""


def _breslow(event: np.ndarray, time: np.ndarray, lp: np.ndarray) -> tuple[np.ndarray,
                                                                          np.ndarray]:
    """Breslow cumulative baseline hazard at each distinct time, for the linear
    predictor ``lp`` (the hazard of a patient is ``H0(t) * exp(lp)``)."""
    order = np.argsort(time, kind="stable")
    t, d, w = time[order], event[order].astype(float), np.exp(lp[order])
    unique, first = np.unique(t, return_index=True)
    at_risk = np.cumsum(w[::-1])[::-1][first]
    events = np.add.reduceat(d, first)
    return unique, np.cumsum(events / at_risk)


def _step(x: np.ndarray, values: np.ndarray, times: np.ndarray, before: float) -> np.ndarray:
    """Right-continuous step function through ``(x, values)`` (last axis) at ``times``;
    ``before`` ahead of ``x[0]``."""
    k = np.searchsorted(x, times, side="right") - 1
    out = np.take(values, np.clip(k, 0, None), axis=-1)
    return np.where(k < 0, before, out)


def forest_time_grid(event: np.ndarray, time: np.ndarray,
                     max_times: int = FOREST_MAX_TIMES) -> tuple[np.ndarray, np.ndarray]:
    """The follow-up times a survival forest is fitted on, chosen from the data.

    With at most ``max_times`` distinct event times, the event times are kept
    as they are and each censoring time becomes the last event time before it
    (the first follow-up time when there is none): risk sets and events at
    every event time, hence the log-rank splits and the leaves' curves, are
    those of the raw times. With more, the grid is ``max_times`` quantiles of
    the event times and every time is rounded up to the next point of it
    (times after the last event to the last follow-up time).

    Returns
    -------
    grid, times
        The distinct times kept, and each patient's time on them.
    """
    event_times = np.unique(time[event])
    if event_times.size == 0:
        return np.unique(time), time
    if event_times.size <= max_times:
        k = np.searchsorted(event_times, time, side="right") - 1
        mapped = np.where(event, time, np.where(k >= 0, event_times[np.clip(k, 0, None)],
                                                time.min()))
        return np.unique(mapped), mapped
    grid = np.unique(np.quantile(time[event], np.linspace(0.0, 1.0, max_times),
                                 method="inverted_cdf"))
    grid = np.append(grid, time.max()) if time.max() > grid[-1] else grid
    mapped = grid[np.searchsorted(grid, time, side="left")]
    return grid, mapped


def _structured(event: np.ndarray, time: np.ndarray) -> np.ndarray:
    y = np.empty(time.size, dtype=TARGET_DTYPE)
    y["event"], y["time"] = event, time
    return y


def _partial_loglik(event: np.ndarray, time: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Cox log partial likelihood (Breslow ties) of each column of ``eta``."""
    order = np.argsort(time, kind="stable")
    t, d, eta = time[order], event[order], eta[order]
    first = np.searchsorted(t, t, side="left")[d]
    shift = eta.max(axis=0)
    s0 = np.cumsum(np.exp(eta - shift)[::-1], axis=0)[::-1][first]
    return np.sum(eta[d] - shift - np.log(s0), axis=0)


UNPENALIZED = "unpenalized partial likelihood, Wald 95 % intervals"
"""``LymphomaRiskModel.inference_`` when ``summary_`` holds Wald intervals."""

PENALIZED_ONLY = ("penalized coefficients without intervals: the unpenalized fit did not "
                  "converge ({reason})")
"""``inference_`` when the unpenalized refit failed (``{reason}`` filled in)."""

MAX_UNPENALIZED_COEF = 15.0
"""An unpenalized log hazard ratio beyond this (HR > 3 million) is separation, not
an estimate: its Wald interval is meaningless and the fallback is used."""


def _summary_table(fitter: Any, names: list) -> pd.DataFrame:
    s = fitter.summary.reindex(names)
    return pd.DataFrame({
        "estimate": s["exp(coef)"], "lower": s["exp(coef) lower 95%"],
        "upper": s["exp(coef) upper 95%"], "p_value": s["p"], "coef": s["coef"],
        "se": s["se(coef)"]}, index=pd.Index(names, name="covariate"))


def _wald_table(names: list, coef: np.ndarray, covariance: np.ndarray) -> pd.DataFrame:
    """The table of :func:`_summary_table` from coefficients and their covariance
    (lifelines' formulas: ``exp(coef ± z se)``, p from the chi-squared Wald test)."""
    from scipy.stats import chi2, norm

    se = np.sqrt(np.diag(covariance))
    z = norm.ppf(0.975)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        p = chi2.sf((coef / se) ** 2, 1)
    estimate = np.exp(coef)
    return pd.DataFrame({"estimate": estimate, "lower": estimate * np.exp(-z * se),
                         "upper": estimate * np.exp(z * se), "p_value": p, "coef": coef,
                         "se": se}, index=pd.Index(names, name="covariate"))


def _fit_table(fit: CoxFit, names: list) -> pd.DataFrame:
    """Hazard-ratio table of a converged fit: lifelines' own when lifelines fitted it."""
    if hasattr(fit.estimator, "summary"):
        return _summary_table(fit.estimator, names)
    return _wald_table(names, fit.coef, fit.covariance)


def _unpenalized_summary(values: np.ndarray, event: np.ndarray, time: np.ndarray,
                         names: list, penalized: np.ndarray) -> tuple[pd.DataFrame, str]:
    """Hazard-ratio table of the unpenalized refit, or the penalized coefficients without
    intervals when it does not converge; and the ``inference_`` text saying which."""
    reason = None
    try:
        fit = fit_cox(names, values, event, time, penalizer=0.0)
    except CoxConvergenceError as exc:
        reason = exc.reason
    if reason is None:
        table = _fit_table(fit, names)
        if not np.all(np.isfinite(table[["coef", "se"]].to_numpy())):
            reason = "non-finite coefficient or standard error"
        elif np.any(np.abs(table["coef"].to_numpy()) > MAX_UNPENALIZED_COEF):
            reason = "a log hazard ratio diverged (separation)"
        else:
            return table, UNPENALIZED
    nan = np.full(len(names), np.nan)
    table = pd.DataFrame({"estimate": np.exp(penalized), "lower": nan, "upper": nan,
                          "p_value": nan, "coef": penalized, "se": nan},
                         index=pd.Index(names, name="covariate"))
    return table, PENALIZED_ONLY.format(reason=reason)


class LymphomaRiskModel(BaseEstimator):
    """Risk model for time to lymphoma: Cox, elastic-net Cox, forest or boosting.

    One estimator for four survival models, with the scikit-learn API and
    scikit-survival's target (:func:`make_target`), so it works in
    ``Pipeline``, ``GridSearchCV`` (its ``score`` is Harrell's C) and
    :func:`evaluate`:

    - ``"cox"``: lifelines ``CoxPHFitter(penalizer=penalizer,
      l1_ratio=l1_ratio)`` (Efron's method for ties, as R's ``coxph``);
      hazard ratios with 95 % CIs and p-values in ``summary_`` (see
      "Inference with a penalty" below). A fit is accepted only once it is
      checked to be at the maximum of the penalized partial likelihood;
      otherwise lifelines is tried again with Newton steps of 0.5 and 0.25,
      then scikit-survival's ``CoxPHSurvivalAnalysis`` (Efron ties, ridge
      penalty only) on standardized covariates, and when none converges a
      ``ValueError`` names the covariates whose coefficients run away
      (separation) or that are collinear. ``solver_`` says which solver
      converged (docs/guide/survival.md, "When the Cox model does not
      converge").
    - ``"coxnet"``: scikit-survival ``CoxnetSurvivalAnalysis`` on
      standardized features over a path of penalties ``alphas``; the
      penalty is chosen by ``cv``-fold cross-validated partial likelihood
      (Verweij and van Houwelingen 1993, as glmnet), and the model predicts
      with that penalty (not with the last one of the path).
    - ``"forest"``: scikit-survival ``RandomSurvivalForest`` with capped depth
      and leaf size, each tree grown on a bootstrap sample of at most
      ``max_samples`` patients. The forest stores every leaf's survival
      curve at every distinct time, so the times are chosen from the data
      (``time_grid_``): the distinct event times when there are at most 250
      of them (censoring times moved to the last event time before them,
      which changes no risk set: the same forest as on the raw times), else
      250 quantiles of the event times, each time rounded up to the next;
      or multiples of ``time_resolution`` when given.
    - ``"boosting"``: scikit-survival ``GradientBoostingSurvivalAnalysis``
      (Cox partial-likelihood loss, shallow trees), with the partial
      likelihood computed in O(n log n) instead of scikit-survival's O(n²)
      (identical values; 12 times faster at 10,000 patients).

    Survival curves of the Cox, elastic-net and boosting models use the
    Breslow estimator of the baseline hazard.

    Inference with a penalty (``"cox"``, ``penalizer > 0``): predictions,
    ``coef_`` and the survival curves use the penalized fit, which is what
    a penalty is for (stable risks with sparse factors). Its Wald intervals
    are not confidence intervals, though: a ridge penalty shrinks the log
    hazard ratios towards 0 (by about 40 % with lifelines' penalty 0.05 at
    7 % events, whose penalty grows relative to the likelihood as events
    get rarer) while the Wald standard error ignores that bias, and their
    "95 %" covered 0.82-0.89 in the simulations of issue 21 (0.902 ± 0.005
    in ``benchmarks/_validity_inference.py``: 1,000 patients, 7.7 % events,
    6 factors). So ``summary_`` (hazard ratios, ``lower``/``upper``,
    ``p_value``, ``coef``, ``se``) comes from an unpenalized refit on the
    same data, whose Wald intervals covered 0.946 ± 0.004 there (3,000
    intervals); it costs one more Cox fit. ``coef_`` and ``summary_["coef"]``
    then differ, and ``inference_`` says which was shown. When the
    unpenalized fit does not converge or separates (no solver converges,
    or a log hazard ratio runs away or lies beyond 15), ``summary_`` gives the
    penalized hazard ratios with ``lower``, ``upper``, ``p_value`` and
    ``se`` left missing, and ``inference_`` says why: no interval is better
    than one that means nothing. With ``penalizer=0`` the one fit gives both.

    Parameters
    ----------
    method : {"cox", "coxnet", "forest", "boosting"}, default="cox"
    penalizer : float, default=0.0
        ``"cox"`` only: lifelines' penalty (> 0 stabilizes sparse binary
        factors and separation). Ignored by the other methods.
    l1_ratio : float, optional
        Lasso share of the elastic-net penalty, in [0, 1]. ``None``: 0
        (ridge) for ``"cox"``, 0.5 for ``"coxnet"`` (which needs > 0).
    horizon : float, default=5.0
        Years; the default horizon of :meth:`predict_risk_at`.
    alphas : array-like, optional
        ``"coxnet"``: candidate penalties (default: scikit-survival's path of
        100 values from the largest useful penalty down).
    cv : int, default=5
        ``"coxnet"``: folds (stratified by event) that choose the penalty.
    n_estimators : int, default=100
        Trees (``"forest"``) or boosting stages (``"boosting"``).
    max_depth : int, optional
        Tree depth; ``None`` means 8 for the forest and 3 for boosting.
    min_samples_leaf : int, default=10
        Smallest leaf of the trees.
    max_samples : int or float, optional
        ``"forest"`` only: patients drawn (with replacement) for each tree,
        as a number or a fraction. ``None``: all patients up to 5,000.
    learning_rate : float, default=0.1
        ``"boosting"`` only.
    time_resolution : float, optional
        ``"forest"`` only: follow-up times are rounded up to a multiple of it
        (years) before fitting. ``None``: the times are chosen from the data
        (see ``"forest"`` above).
    random_state : int, RandomState or None, default=None
        Folds of ``"coxnet"``; trees of ``"forest"`` and ``"boosting"``.
    n_jobs : int, optional
        ``"forest"`` only: trees grown in parallel.

    Attributes
    ----------
    estimator_ : object
        The fitted lifelines or scikit-survival model (``"cox"``: lifelines'
        ``CoxPHFitter``, or scikit-survival's ``CoxPHSurvivalAnalysis``
        fitted on standardized covariates when it was the solver that
        converged).
    solver_ : str
        ``"cox"`` only: the solver whose fit was accepted, e.g.
        ``"lifelines step_size=0.95"`` (lifelines' default) or
        ``"lifelines step_size=0.5"``.
    coef_ : ndarray of shape (n_features,)
        ``"cox"`` and ``"coxnet"``: log hazard ratios per unit of each
        feature; ``predict`` returns ``X @ coef_``.
    summary_ : DataFrame
        ``"cox"`` only: one row per covariate (index ``covariate``) with the
        hazard ratio ``estimate``, its 95 % ``lower`` and ``upper`` limits,
        ``p_value``, and the log hazard ratio ``coef`` with standard error
        ``se``: the format of :func:`stratify.plot.forest` (``null=1.0,
        log=True``) and of :func:`pool_cox`. From the unpenalized fit when
        ``penalizer > 0`` (see above); ``attrs["inference"]`` repeats
        ``inference_``.
    inference_ : str
        ``"cox"`` only: where ``summary_`` comes from, either
        ``"unpenalized partial likelihood, Wald 95 % intervals"`` or
        ``"penalized coefficients without intervals: ..."`` with the reason.
    alpha_ : float
        ``"coxnet"`` only: the chosen penalty.
    time_grid_ : ndarray
        ``"forest"`` only: the distinct follow-up times it was fitted on.
    time_resolution_ : float or None
        ``"forest"`` only: ``time_resolution`` (None: times chosen from the data).
    cv_results_ : DataFrame
        ``"coxnet"`` only: per candidate ``alpha``, the cross-validated
        partial log-likelihood and the number of non-zero coefficients.
    baseline_ : DataFrame
        ``"cox"``, ``"coxnet"``, ``"boosting"``: Breslow cumulative baseline
        hazard (``cumulative_hazard``) by ``time``, for a linear predictor of 0.
    n_obs_ : int
        Patients the model was fitted on.
    feature_names_in_ : ndarray
        Column names, when ``X`` is a DataFrame.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stratify.survival import LymphomaRiskModel, make_target
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"c4_low": rng.integers(0, 2, 300), "age": rng.normal(50, 10, 300)},
    ...                  index=[f"p{i}" for i in range(300)])
    >>> time = rng.exponential(20 * np.exp(-0.9 * X["c4_low"]))
    >>> y = make_target(np.minimum(time, 10), (time < 10).astype(int))
    >>> model = LymphomaRiskModel(method="cox").fit(X, y)
    >>> model.summary_[["estimate", "lower", "upper"]].round(2)
                estimate  lower  upper
    covariate
    c4_low          2.48   1.80   3.42
    age             1.01   0.99   1.02
    >>> model.predict_survival(X.iloc[:2], times=[1.0, 5.0]).round(3)
    time    1.0    5.0
    p0    0.897  0.528
    p1    0.901  0.541
    >>> model.predict_risk_at(X.iloc[:2]).round(3)
    p0    0.472
    p1    0.459
    Name: risk_5y, dtype: float64
    """

    _parameter_constraints: dict = {
        "method": [StrOptions({"cox", "coxnet", "forest", "boosting"})],
        "penalizer": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "horizon": [Interval(Real, 0, None, closed="neither")],
        "alphas": ["array-like", None],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_depth": [Interval(Integral, 1, None, closed="left"), None],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left")],
        "max_samples": [Interval(Integral, 1, None, closed="left"),
                        Interval(Real, 0, 1, closed="right"), None],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "time_resolution": [Interval(Real, 0, None, closed="neither"), None],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def __init__(self, *, method="cox", penalizer=0.0, l1_ratio=None, horizon=5.0, alphas=None,
                 cv=5, n_estimators=100, max_depth=None, min_samples_leaf=10, max_samples=None,
                 learning_rate=0.1, time_resolution=None, random_state=None, n_jobs=None):
        self.method = method
        self.penalizer = penalizer
        self.l1_ratio = l1_ratio
        self.horizon = horizon
        self.alphas = alphas
        self.cv = cv
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.max_samples = max_samples
        self.learning_rate = learning_rate
        self.time_resolution = time_resolution
        self.random_state = random_state
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the model.

        Parameters
        ----------
        X : DataFrame or array of shape (n_patients, n_features)
            Numeric features without missing values (impute first).
        y : structured ndarray
            Survival target from :func:`make_target`, rows in the order of ``X``.

        Returns
        -------
        self
        """
        names, values = check_features(X, "LymphomaRiskModel.fit")
        event, time = check_target(y, "LymphomaRiskModel.fit")
        if time.size != values.shape[0]:
            raise ValueError(f"LymphomaRiskModel.fit: X has {values.shape[0]} rows but y has "
                             f"{time.size}.")
        if len(set(names)) != len(names):
            raise ValueError("LymphomaRiskModel.fit: feature names must be unique.")
        if self.method == "coxnet" and self.l1_ratio == 0:
            raise ValueError("The 'l1_ratio' parameter of LymphomaRiskModel must be > 0 for "
                             "method='coxnet' (scikit-survival's elastic net); use method='cox' "
                             "for a pure ridge penalty. Got 0 instead.")
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.n_features_in_ = values.shape[1]
        self.n_obs_ = int(time.size)
        fit = {"cox": self._fit_cox, "coxnet": self._fit_coxnet, "forest": self._fit_forest,
               "boosting": self._fit_boosting}[self.method]
        fit(names, values, event, time)
        return self

    def _set_baseline(self, event: np.ndarray, time: np.ndarray, lp: np.ndarray) -> None:
        times, cumhaz = _breslow(event, time, lp)
        self.baseline_ = pd.DataFrame({"cumulative_hazard": cumhaz},
                                      index=pd.Index(times, name="time"))

    def _fit_cox(self, names, values, event, time) -> None:
        fit = fit_cox(names, values, event, time, penalizer=self.penalizer,
                      l1_ratio=0.0 if self.l1_ratio is None else self.l1_ratio)
        self.estimator_ = fit.estimator
        self.solver_ = fit.solver
        self.coef_ = fit.coef
        if self.penalizer == 0:
            self.summary_ = _fit_table(fit, names)
            self.inference_ = UNPENALIZED
        else:
            self.summary_, self.inference_ = _unpenalized_summary(values, event, time, names,
                                                                  self.coef_)
        self.summary_.attrs["inference"] = self.inference_
        self._set_baseline(event, time, values @ self.coef_)

    def _fit_coxnet(self, names, values, event, time) -> None:
        from sklearn.model_selection import StratifiedKFold
        from sklearn.preprocessing import StandardScaler
        from sksurv.linear_model import CoxnetSurvivalAnalysis

        l1_ratio = 0.5 if self.l1_ratio is None else self.l1_ratio
        if event.sum() < self.cv:
            raise ValueError(f"LymphomaRiskModel (coxnet): {int(event.sum())} event(s), fewer "
                             f"than the cv={self.cv} folds that choose the penalty.")
        scaler = StandardScaler().fit(values)
        Z = scaler.transform(values)
        y = _structured(event, time)

        def path(rows: np.ndarray, alphas: Any) -> Any:
            return CoxnetSurvivalAnalysis(l1_ratio=l1_ratio, alphas=alphas).fit(Z[rows], y[rows])

        everyone = np.arange(time.size)
        full = path(everyone, None if self.alphas is None else np.asarray(self.alphas, float))
        alphas = full.alphas_
        folds = StratifiedKFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
        cvpl = np.zeros(alphas.size)
        for train, _ in folds.split(Z, event):
            coef = path(train, alphas).coef_
            # A path stops early once the fit no longer changes: carry its last solution on.
            coef = np.pad(coef, ((0, 0), (0, alphas.size - coef.shape[1])), mode="edge")
            # Verweij-van Houwelingen: the fold's contribution to the full-data likelihood.
            cvpl += (_partial_loglik(event, time, Z @ coef)
                     - _partial_loglik(event[train], time[train], Z[train] @ coef))
        best = int(np.flatnonzero(cvpl == cvpl.max())[0])
        self.estimator_ = full
        self.scaler_ = scaler
        self.alpha_ = float(alphas[best])
        self.cv_results_ = pd.DataFrame({"alpha": alphas, "cv_partial_loglik": cvpl / self.cv,
                                         "n_nonzero": (full.coef_ != 0).sum(axis=0)})
        self.coef_ = full.coef_[:, best] / scaler.scale_
        self._set_baseline(event, time, values @ self.coef_)

    def _fit_forest(self, names, values, event, time) -> None:
        from sksurv.ensemble import RandomSurvivalForest

        if self.time_resolution is not None:
            step = float(self.time_resolution)
            fitted_time = np.ceil(time / step) * step
            self.time_grid_ = np.unique(fitted_time)
        else:
            self.time_grid_, fitted_time = forest_time_grid(event, time)
        self.time_resolution_ = self.time_resolution
        self.estimator_ = RandomSurvivalForest(
            n_estimators=self.n_estimators, max_depth=self.max_depth or DEFAULT_MAX_DEPTH["forest"],
            min_samples_leaf=self.min_samples_leaf,
            max_samples=(min(time.size, FOREST_MAX_SAMPLES) if self.max_samples is None
                         else self.max_samples),
            n_jobs=self.n_jobs, random_state=self.random_state,
        ).fit(values, _structured(event, fitted_time))

    def _fit_boosting(self, names, values, event, time) -> None:
        from ._boosting import CoxBoosting

        self.estimator_ = CoxBoosting(
            n_estimators=self.n_estimators, learning_rate=self.learning_rate,
            max_depth=self.max_depth or DEFAULT_MAX_DEPTH["boosting"],
            min_samples_leaf=self.min_samples_leaf,
            random_state=self.random_state).fit(values, _structured(event, time))
        self._set_baseline(event, time, self.estimator_.predict(values))

    def _features(self, X: Any, caller: str) -> np.ndarray:
        check_is_fitted(self)
        names = getattr(self, "feature_names_in_", None)
        if names is not None and isinstance(X, pd.DataFrame):
            missing = [c for c in names if c not in X.columns]
            if missing:
                raise ValueError(f"LymphomaRiskModel.{caller}: X lacks the column(s) "
                                 f"{missing[:5]} the model was fitted on.")
            X = X[list(names)]
        _, values = check_features(X, f"LymphomaRiskModel.{caller}")
        if values.shape[1] != self.n_features_in_:
            raise ValueError(f"LymphomaRiskModel.{caller}: X has {values.shape[1]} features, "
                             f"but the model was fitted on {self.n_features_in_}.")
        return values

    def _risk_score(self, values: np.ndarray) -> np.ndarray:
        if self.method in ("cox", "coxnet"):
            return values @ self.coef_
        return np.asarray(self.estimator_.predict(values), dtype=float)

    def predict(self, X):
        """Risk score: higher means earlier lymphoma.

        The linear predictor ``X @ coef_`` (log relative hazard) for
        ``"cox"`` and ``"coxnet"``; the boosting model's log hazard; the
        forest's expected number of events (summed cumulative hazard).

        Returns
        -------
        Series named ``risk_score`` indexed like ``X`` (ndarray for array input)
        """
        return wrap_rows(self._risk_score(self._features(X, "predict")), X, name="risk_score")

    def predict_survival(self, X, times) -> pd.DataFrame:
        """Predicted probability of remaining lymphoma-free (cause-specific) at ``times``.

        Parameters
        ----------
        X : DataFrame or array of shape (n_patients, n_features)
        times : float or array-like of float
            Years; beyond the last follow-up time the last estimate is carried forward.

        Returns
        -------
        DataFrame of shape (n_patients, n_times)
            Rows indexed like ``X`` (row positions for array input), columns the times.
        """
        values = self._features(X, "predict_survival")
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)) or np.any(t < 0):
            raise ValueError("LymphomaRiskModel.predict_survival: times must be finite "
                             f"numbers >= 0; got {times!r}.")
        if self.method == "forest":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                curves = self.estimator_.predict_survival_function(values, return_array=True)
            surv = _step(self.estimator_.unique_times_, curves, t, 1.0)
        else:
            cumhaz = _step(self.baseline_.index.to_numpy(), self.baseline_.to_numpy()[:, 0],
                           t, 0.0)
            surv = np.exp(-np.exp(self._risk_score(values))[:, None] * cumhaz[None, :])
        return pd.DataFrame(surv, index=row_index(X), columns=pd.Index(t, name="time"))

    def predict_risk_at(self, X, horizon: float | None = None):
        """Predicted risk of lymphoma by ``horizon``: ``1 - S(horizon)``.

        Parameters
        ----------
        X : DataFrame or array
        horizon : float, optional
            Years (default: the model's ``horizon``).

        Returns
        -------
        Series named ``risk_<horizon>y`` indexed like ``X`` (ndarray for array input)
        """
        h = self.horizon if horizon is None else float(horizon)
        risk = 1.0 - self.predict_survival(X, [h]).to_numpy()[:, 0]
        return wrap_rows(risk, X, name=f"risk_{horizon_label(h)}")

    def score(self, X, y) -> float:
        """Harrell's C of the risk score on ``(X, y)``: the default of ``GridSearchCV``."""
        return harrell_c(y, self._risk_score(self._features(X, "score")))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.non_deterministic = self.method in ("forest", "boosting") \
            and self.random_state is None
        return tags
