"""Evaluation of a risk model or a clinical score, with bootstrap intervals."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from .. import parallel
from ._calibration import (
    ICI_REFERENCE_SIMULATIONS,
    OE_BOOTSTRAP,
    _check_risk,
    _ici_reference,
    _oe,
    calibration_table,
)
from ._checks import check_features, check_score, row_index
from ._metrics import compute_metrics, horizon_label, ipcw_target, metric_names
from ._target import TARGET_DTYPE, check_target

__all__ = ["SurvivalEvaluation", "evaluate", "evaluate_score"]

BOOTSTRAP_CHUNK = 20
"""Bootstrap replicates per parallel task (fixed, so results do not depend on n_jobs)."""

GRID_POINTS = 50
"""Time points of the integrated Brier score."""

GRID_START_QUANTILE = 0.1
"""The integrated Brier score starts at this quantile of follow-up (see :func:`evaluate`)."""

MAX_FAILED_SHARE = 0.1
"""Share of bootstrap resamples without a metric above which a warning is raised."""

MIN_RESAMPLES_SHARE = 0.5
"""An interval needs the metric in more than this share of the bootstrap resamples (of
the refits, for the optimism): built from fewer, it is left missing and the warning
says why."""


@dataclass
class SurvivalEvaluation:
    """Performance of a survival model or score on one data set.

    Attributes
    ----------
    metrics : DataFrame
        Indexed by ``metric`` (``harrell_c``, ``uno_c``, ``auc_<t>y``,
        ``brier_<t>y``, ``integrated_brier``, ``calibration_slope_<t>y``,
        ``ici_<t>y``): ``estimate``, 95 % bootstrap percentile ``lower`` and
        ``upper``, bootstrap standard error ``se``; with optimism correction
        also ``optimism`` and ``corrected`` (estimate minus optimism). Two
        rows per horizon are not bootstrapped (see :func:`evaluate`):
        ``oe_ratio_<t>y`` (calibration in the large, its own bootstrap) and
        ``ici_reference_<t>y`` (the ICI of a perfectly calibrated model with
        the same risks: mean and 2.5-97.5 percentiles over simulated
        outcomes, no ``se``).
    calibration_in_the_large : DataFrame
        One row per horizon: ``horizon``, ``observed`` (Kaplan-Meier risk),
        ``expected`` (mean predicted risk), ``oe_ratio`` with ``lower`` and
        ``upper``, the model's ``ici`` with the reference ``ici_expected``,
        ``ici_reference_upper`` and ``ici_p_value`` (see :func:`ici_reference`).
    calibration : DataFrame
        One row per risk decile and horizon: ``horizon``, ``group``, ``n``,
        ``predicted``, ``observed``, ``observed_lower``, ``observed_upper``
        (see :func:`calibration_table`); for :func:`stratify.plot.calibration`
        with ``by="horizon"``.
    predictions : DataFrame
        Per patient (indexed like ``X`` or the score): ``risk_score`` and the
        predicted risk ``risk_<t>y`` at each horizon.
    times : list of float
        The horizons.
    tau : float
        Truncation time of Uno's C (the last horizon).
    grid : ndarray
        Time points of the integrated Brier score.
    n_bootstrap : int
    bootstrap : DataFrame or None
        The metrics of every bootstrap resample (NaN where a resample could
        not give one, e.g. no event before a horizon).
    optimism_replicates : DataFrame or None
        Per refit (``optimism=True``): the metric on its bootstrap sample minus
        the metric on the original data.
    failures : DataFrame or None
        Per bootstrapped metric (index ``metric``): ``estimate_error``, why
        the estimate could not be computed ("" when it was);
        ``failed_resamples`` and ``failed_share``, the bootstrap resamples
        that could not give it; ``reason``, the most frequent reason there;
        with optimism correction also ``failed_refits``. Each is warned about
        when it matters (see :func:`evaluate`).
    """

    metrics: pd.DataFrame
    calibration: pd.DataFrame
    predictions: pd.DataFrame
    times: list[float]
    tau: float
    grid: np.ndarray
    n_bootstrap: int
    bootstrap: pd.DataFrame | None = field(default=None, repr=False)
    calibration_in_the_large: pd.DataFrame | None = None
    optimism_replicates: pd.DataFrame | None = field(default=None, repr=False)
    failures: pd.DataFrame | None = field(default=None, repr=False)

    def summary(self) -> str:
        """The metrics as text, one line each."""
        lines = [f"Survival evaluation ({len(self.predictions)} patients, horizons "
                 f"{', '.join(horizon_label(t) for t in self.times)}):"]
        for name, row in self.metrics.iterrows():
            line = (f"  {name:<24} {row['estimate']:.3f} "
                    f"(95% CI {row['lower']:.3f} to {row['upper']:.3f})")
            if "corrected" in row:
                line += f", optimism-corrected {row['corrected']:.3f}"
            lines.append(line)
        return "\n".join(lines)


def _check_times(times: Any, time: np.ndarray, caller: str) -> np.ndarray:
    t = np.atleast_1d(np.asarray(times, dtype=float))
    if t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)):
        raise ValueError(f"{caller}: times must be one or more finite horizons (years); "
                         f"got {times!r}.")
    t = np.unique(t)
    last = float(time.max())
    if t[0] <= 0 or t[-1] >= last:
        raise ValueError(f"{caller}: every horizon in times must be > 0 and before the end "
                         f"of follow-up ({last:g}); got {t.tolist()}.")
    return t


def _warn_truncation(event: np.ndarray, time: np.ndarray, train: np.ndarray | None,
                     caller: str) -> None:
    """Say how many held-out patients the IPCW metrics see censored at the last training
    time (:func:`ipcw_target`)."""
    _, patients, events = ipcw_target(event, time, train)
    if patients or events:
        assert train is not None
        warnings.warn(
            f"{caller}: {patients} patient(s) followed beyond the last time of y_train "
            f"({float(train['time'].max()):g}), where the censoring distribution is not "
            f"estimated: for Uno's C, the AUCs and the Brier scores they are censored "
            f"there ({events} event(s) after it, or where the training censoring survival "
            "is 0, counted as censored), as scikit-survival advises; the horizons lie "
            "before it, so these metrics are those of the whole held-out set.",
            UserWarning, stacklevel=3)


def _grid(time: np.ndarray, times: np.ndarray) -> np.ndarray:
    # scikit-survival refuses Brier time points outside a sample's follow-up, so the
    # grid starts at a quantile that every bootstrap resample reaches below.
    start = min(float(np.quantile(time, GRID_START_QUANTILE)), float(times[-1]) / 2)
    return np.linspace(start, float(times[-1]), GRID_POINTS)


def _target(event: np.ndarray, time: np.ndarray) -> np.ndarray:
    y = np.empty(time.size, dtype=TARGET_DTYPE)
    y["event"], y["time"] = event, time
    return y


def _bootstrap_chunk(event: np.ndarray, time: np.ndarray, risk: np.ndarray,
                     survival: np.ndarray, times: np.ndarray, grid: np.ndarray,
                     train: np.ndarray | None, tau: float, size: int,
                     seed: int) -> list[tuple[dict[str, float], dict[str, str]]]:
    """Metrics of ``size`` bootstrap resamples, each with why a metric is missing."""
    rng = np.random.default_rng(seed)
    n = time.size
    out = []
    for _ in range(size):
        rows = rng.integers(0, n, n)
        reasons: dict[str, str] = {}
        out.append((compute_metrics(event[rows], time[rows], risk[rows], survival[rows], times,
                                    grid, train, tau, reasons), reasons))
    return out


def _refit_metrics(model: Any, X: Any, event: np.ndarray, time: np.ndarray, times: np.ndarray,
                   grid: np.ndarray, train: np.ndarray | None, tau: float,
                   seed: int) -> dict[str, float]:
    """Harrell's optimism of one bootstrap refit: metric on its own sample minus
    metric on the original data."""
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, time.size, time.size)
    sample = X.iloc[rows] if isinstance(X, pd.DataFrame) else X[rows]
    params = model.get_params()
    if "random_state" in params and params["random_state"] is None:
        model = clone(model).set_params(random_state=seed)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = clone(model).fit(sample, _target(event[rows], time[rows]))
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        return dict.fromkeys(metric_names(times), float("nan"))
    points = np.concatenate([times, grid])

    def metrics(data: Any, e: np.ndarray, t: np.ndarray, ipcw: np.ndarray | None) -> dict:
        risk = np.asarray(fitted.predict(data), dtype=float)
        surv = fitted.predict_survival(data, points).to_numpy()
        return compute_metrics(e, t, risk, surv, times, grid, ipcw, tau)

    own = metrics(sample, event[rows], time[rows], None)
    original = metrics(X, event, time, train)
    return {k: own[k] - original[k] for k in own}


def _failure_table(names: list[str], estimate_errors: dict[str, str],
                   boot: pd.DataFrame | None,
                   reasons: list[dict[str, str]]) -> pd.DataFrame:
    """Per metric: why its estimate is missing, and how many resamples failed and why."""
    table = pd.DataFrame(index=pd.Index(names, name="metric"))
    table["estimate_error"] = [estimate_errors.get(m, "") for m in names]
    if boot is None:
        table["failed_resamples"] = 0
        table["failed_share"] = 0.0
        table["reason"] = ""
        return table
    failed = boot.isna().sum()
    table["failed_resamples"] = failed.reindex(names).astype(int)
    table["failed_share"] = failed.reindex(names) / len(boot)
    common = []
    for m in names:
        counts = pd.Series([r[m] for r in reasons if m in r], dtype=object).value_counts()
        common.append(str(counts.index[0]) if len(counts) else "")
    table["reason"] = common
    return table


def _warn_failures(failures: pd.DataFrame, total: int, what: str, column: str,
                   stacklevel: int) -> list[str]:
    """Warn about metrics missing in more than ``MAX_FAILED_SHARE`` of ``total`` resamples
    (or refits); return those missing in more than half, whose intervals are left out."""
    share = failures[column] / total if total else failures[column] * 0.0
    many = failures.index[share > MAX_FAILED_SHARE].tolist()
    if not many:
        return []
    dropped = failures.index[share > MIN_RESAMPLES_SHARE].tolist()
    listed = "; ".join(
        f"{m} {int(failures.loc[m, column])} of {total}"
        + (f" ({failures.loc[m, 'reason']})" if failures.loc[m, "reason"] else "")
        for m in many)
    text = (f"evaluate: in more than {MAX_FAILED_SHARE:.0%} of the {total} {what} these "
            f"metrics could not be computed: {listed}.")
    if dropped:
        text += (f" Missing in more than half of them, the {'optimism' if 'refit' in what else 'interval'} "
                 f"of {dropped} is left missing: it would describe only the "
                 f"{what} that happened to allow it.")
    kept = [m for m in many if m not in dropped]
    if kept:
        text += f" The intervals of {kept} rest on the remaining {what}."
    warnings.warn(text, UserWarning, stacklevel=stacklevel)
    return dropped


def _summarize(estimates: dict[str, float], estimate_errors: dict[str, str],
               results: list[tuple[dict[str, float], dict[str, str]]],
               names: list[str]) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame]:
    table = pd.DataFrame({"estimate": pd.Series(estimates)}).reindex(names)
    missing = [m for m in names if not np.isfinite(table.loc[m, "estimate"])]
    if missing:
        warnings.warn(
            "evaluate: these metrics could not be computed on the data: "
            + "; ".join(f"{m} ({estimate_errors.get(m, 'not finite')})" for m in missing) + ".",
            UserWarning, stacklevel=4)
    if not results:
        table["lower"] = table["upper"] = table["se"] = np.nan
        table.index.name = "metric"
        return table, None, _failure_table(names, estimate_errors, None, [])
    boot = pd.DataFrame([r for r, _ in results], columns=names)
    failures = _failure_table(names, estimate_errors, boot, [why for _, why in results])
    dropped = _warn_failures(failures, len(boot), "bootstrap resamples", "failed_resamples",
                             stacklevel=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        table["lower"] = boot.quantile(0.025)
        table["upper"] = boot.quantile(0.975)
        table["se"] = boot.std(ddof=1)
    table.loc[dropped, ["lower", "upper", "se"]] = np.nan
    table.index.name = "metric"
    return table, boot, failures


def _evaluate_predictions(event: np.ndarray, time: np.ndarray, risk: np.ndarray,
                          survival: np.ndarray, times: np.ndarray, grid: np.ndarray,
                          train: np.ndarray | None, index: pd.Index, n_bootstrap: int,
                          seed: int, n_jobs: int | None) -> SurvivalEvaluation:
    tau = float(times[-1])
    names = metric_names(times)
    estimate_errors: dict[str, str] = {}
    estimates = compute_metrics(event, time, risk, survival, times, grid, train, tau,
                                estimate_errors)
    chunks = [BOOTSTRAP_CHUNK] * (n_bootstrap // BOOTSTRAP_CHUNK)
    if n_bootstrap % BOOTSTRAP_CHUNK:
        chunks.append(n_bootstrap % BOOTSTRAP_CHUNK)
    seeds = parallel.spawn_seeds(seed, len(chunks))
    parts = parallel.run(_bootstrap_chunk,
                         [(event, time, risk, survival, times, grid, train, tau, size, s)
                          for size, s in zip(chunks, seeds)], n_jobs=n_jobs)
    metrics, boot, failures = _summarize(estimates, estimate_errors,
                                         [r for part in parts for r in part], names)
    large, extra = _in_the_large(event, time, survival, times, seed)
    metrics = pd.concat([metrics, extra])
    metrics.index.name = "metric"
    y = _target(event, time)
    calibration = pd.concat([calibration_table(y, 1.0 - survival[:, j], t)
                             for j, t in enumerate(times)], ignore_index=True)
    predictions = pd.DataFrame({"risk_score": risk}, index=index)
    for j, t in enumerate(times):
        predictions[f"risk_{horizon_label(t)}"] = 1.0 - survival[:, j]
    return SurvivalEvaluation(metrics=metrics, calibration=calibration, predictions=predictions,
                              times=[float(t) for t in times], tau=tau, grid=grid,
                              n_bootstrap=int(n_bootstrap), bootstrap=boot,
                              calibration_in_the_large=large, failures=failures)


def _in_the_large(event: np.ndarray, time: np.ndarray, survival: np.ndarray,
                  times: np.ndarray, seed: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """O/E and the ICI reference at each horizon: the per-horizon table, and the rows
    ``oe_ratio_<t>y`` and ``ici_reference_<t>y`` of the metrics table."""
    from scipy.stats import norm

    rng = np.random.default_rng(parallel.spawn_seeds(seed, 1)[0])
    rows, extra = [], {}
    for j, t in enumerate(times):
        risk = np.clip(1.0 - survival[:, j], 0.0, 1.0)
        _check_risk(_target(event, time), risk, float(t), "evaluate")
        oe = _oe(event, time, risk, float(t), norm.ppf(0.975), OE_BOOTSTRAP, rng)
        ref = _ici_reference(event, time, risk, float(t), ICI_REFERENCE_SIMULATIONS, rng)
        rows.append({"horizon": float(t), "observed": oe["observed"],
                     "expected": oe["expected"], "oe_ratio": oe["oe_ratio"],
                     "lower": oe["lower"], "upper": oe["upper"], "ici": ref["ici"],
                     "ici_expected": ref["expected"], "ici_reference_upper": ref["upper"],
                     "ici_p_value": ref["p_value"]})
        h = horizon_label(t)
        extra[f"oe_ratio_{h}"] = {"estimate": oe["oe_ratio"], "lower": oe["lower"],
                                  "upper": oe["upper"], "se": oe["se"]}
        extra[f"ici_reference_{h}"] = {"estimate": ref["expected"], "lower": ref["lower"],
                                       "upper": ref["upper"], "se": float("nan")}
    return pd.DataFrame(rows), pd.DataFrame.from_dict(extra, orient="index")


def _check_common(y: Any, times: Any, y_train: Any, n_bootstrap: Any,
                  caller: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    event, time = check_target(y, caller)
    t = _check_times(times, time, caller)
    train = None
    if y_train is not None:
        train = _target(*check_target(y_train, caller))
        last = float(train["time"].max())
        if t[-1] >= last:
            raise ValueError(
                f"{caller}: every horizon in times must be before the last time of y_train "
                f"({last:g}), whose censoring distribution weights the IPCW metrics; got "
                f"{t.tolist()}.")
    if not isinstance(n_bootstrap, (int, np.integer)) or isinstance(n_bootstrap, bool) \
            or n_bootstrap < 0:
        raise ValueError(f"The 'n_bootstrap' parameter of {caller} must be an int >= 0. "
                         f"Got {n_bootstrap!r} instead.")
    return event, time, t, train


def evaluate(model: Any, X: Any, y: Any, times: Any, *, n_bootstrap: int = 200,
             optimism: bool = False, y_train: Any = None, random_state: Any = None,
             n_jobs: int | None = None) -> SurvivalEvaluation:
    """Discrimination, accuracy and calibration of a survival model, with bootstrap CIs.

    Metrics (names as in the result's ``metrics`` index):

    - ``harrell_c``: Harrell's C of ``model.predict(X)`` (lifelines).
    - ``uno_c``: Uno's IPCW C, truncated at the last horizon
      (scikit-survival ``concordance_index_ipcw``).
    - ``auc_<t>y``: cumulative/dynamic AUC at each horizon (``cumulative_dynamic_auc``).
    - ``brier_<t>y``: IPCW Brier score at each horizon (``brier_score``) and
      ``integrated_brier`` over 50 equally spaced times from the 10th
      percentile of follow-up (scikit-survival refuses times below a
      sample's first follow-up, which every bootstrap resample reaches
      below this) to the last horizon (``integrated_brier_score``).
    - ``calibration_slope_<t>y`` (1 is ideal) and ``ici_<t>y`` (0 is ideal):
      see :func:`calibration_slope` and :func:`integrated_calibration_index`.
    - ``oe_ratio_<t>y``: calibration in the large, the Kaplan-Meier risk by
      the horizon over the mean predicted risk (1 is ideal; 2 means risks
      half the true ones, which the slope cannot see: a model whose risks
      are all halved keeps a slope near 1), with a 95 % interval on the log
      scale from 200 paired bootstrap resamples of O and E
      (:func:`calibration_in_the_large`), drawn apart from the metrics'
      bootstrap.
    - ``ici_reference_<t>y``: what ``ici_<t>y`` would be for a perfectly
      calibrated model with the same risks and patients: the mean and the
      2.5-97.5 percentiles of the ICI over 100 sets of outcomes simulated
      from the predicted risks (:func:`ici_reference`). The ICI is never
      below 0, so its own bootstrap interval excludes 0 even for the true
      risks; compare ``ici_<t>y`` with this reference instead: an ICI
      above its upper limit is more miscalibration than chance gives.
      ``calibration_in_the_large`` gives the same numbers per horizon, with
      the p-value of the comparison.

    The IPCW metrics weight by the censoring distribution of ``y_train``
    (default ``y``; pass the training target when ``X, y`` are a held-out set).
    That distribution is not estimated beyond the last time of ``y_train``:
    every horizon must lie before it (``ValueError`` otherwise), and
    held-out patients followed beyond it are censored there for Uno's C,
    the AUCs and the Brier scores, as scikit-survival advises (a warning
    gives their number; the metrics at the horizons are those of the whole
    held-out set, since such a patient is event-free at each horizon either
    way). Intervals are 95 % bootstrap percentile intervals over
    ``n_bootstrap`` resamples of patients, the model's predictions held
    fixed; a metric a resample cannot give (e.g. no event before a horizon)
    is left out of that resample. No metric is missing silently: a warning
    names every metric that cannot be computed on the data, and every
    metric missing in more than 10 % of the resamples (with the count and
    the most frequent reason); an interval is left missing when the metric
    is missing in more than half of them, since it would describe only the
    resamples that happened to allow it (the same for the optimism and the
    refits). ``failures`` of the result holds the counts and reasons. The calibration table compares, per decile of predicted
    risk, the Kaplan-Meier risk with the mean prediction.

    With ``optimism=True``, Harrell's bootstrap optimism correction
    (Harrell, Lee and Mark, Stat Med 1996) is added: the model is refitted
    on ``n_bootstrap`` bootstrap samples, each refit is evaluated on its
    own sample and on the original data, and the mean difference (the
    optimism) is subtracted from the apparent estimate. This assumes
    ``model`` was fitted on ``X, y`` (as the workflow does): it estimates
    how the fitting procedure does on new patients.

    Parameters
    ----------
    model : fitted estimator
        With ``predict(X)`` (risk score, higher is riskier) and
        ``predict_survival(X, times)``, e.g. :class:`LymphomaRiskModel`. A
        model that is not fitted yet is fitted on ``X, y`` first.
    X : DataFrame or array
        Features, rows in the order of ``y``.
    y : structured ndarray
        Survival target (:func:`make_target`).
    times : float or sequence of float
        Horizons (years), each before the end of follow-up.
    n_bootstrap : int, default=200
        Bootstrap resamples (0: no intervals).
    optimism : bool, default=False
        Add the optimism-corrected estimates (refits the model ``n_bootstrap`` times).
    y_train : structured ndarray, optional
        Target whose censoring distribution weights the IPCW metrics.
    random_state : int, RandomState or None
        Seed of the resamples (and of refits whose own ``random_state`` is None).
    n_jobs : int, optional
        Workers (:func:`stratify.parallel.run`); results are identical for any value.

    Returns
    -------
    SurvivalEvaluation

    Examples
    --------
    >>> import numpy as np
    >>> from stratify.survival import LymphomaRiskModel, evaluate, make_target
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2))
    >>> time = rng.exponential(10 * np.exp(-X[:, 0]))
    >>> y = make_target(np.minimum(time, 12), (time < 12).astype(int))
    >>> model = LymphomaRiskModel().fit(X, y)
    >>> result = evaluate(model, X, y, times=[2, 5], n_bootstrap=20, random_state=0)
    >>> result.metrics.loc[["harrell_c", "auc_5y", "calibration_slope_5y"],
    ...                    ["estimate", "lower", "upper"]].round(2)
                          estimate  lower  upper
    metric
    harrell_c                 0.75   0.73   0.77
    auc_5y                    0.81   0.79   0.84
    calibration_slope_5y      0.99   0.86   1.08
    """
    caller = "evaluate"
    event, time, t, train = _check_common(y, times, y_train, n_bootstrap, caller)
    _, values = check_features(X, caller)
    if values.shape[0] != time.size:
        raise ValueError(f"{caller}: X has {values.shape[0]} rows but y has {time.size}.")
    if not (hasattr(model, "predict") and hasattr(model, "predict_survival")):
        raise ValueError(f"{caller}: model must have predict(X) and predict_survival(X, times), "
                         f"like LymphomaRiskModel; got {type(model).__name__}.")
    boot_seed, refit_seed = parallel.spawn_seeds(random_state, 2)
    try:
        check_is_fitted(model)
        fitted = model
    except NotFittedError:
        fitted = clone(model).fit(X, y)
    _warn_truncation(event, time, train, caller)
    grid = _grid(time, t)
    risk = np.asarray(fitted.predict(X), dtype=float)
    survival = fitted.predict_survival(X, np.concatenate([t, grid])).to_numpy()
    result = _evaluate_predictions(event, time, risk, survival, t, grid, train, row_index(X),
                                   n_bootstrap, boot_seed, n_jobs)
    if optimism and n_bootstrap > 0:
        seeds = parallel.spawn_seeds(refit_seed, n_bootstrap)
        reps = parallel.run(_refit_metrics, [(fitted, X, event, time, t, grid, train,
                                              float(t[-1]), s) for s in seeds], n_jobs=n_jobs)
        replicates = pd.DataFrame(reps, columns=result.metrics.index)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            result.metrics["optimism"] = replicates.mean()
        failures = result.failures
        assert failures is not None
        failures["failed_refits"] = replicates.isna().sum().reindex(failures.index).astype(int)
        dropped = _warn_failures(failures.assign(reason=""), n_bootstrap, "optimism refits",
                                 "failed_refits", stacklevel=3)
        result.metrics.loc[dropped, "optimism"] = np.nan
        result.metrics["corrected"] = result.metrics["estimate"] - result.metrics["optimism"]
        result.optimism_replicates = replicates
    return result


def evaluate_score(score: Any, y: Any, times: Any, *, n_bootstrap: int = 200,
                   y_train: Any = None, random_state: Any = None,
                   n_jobs: int | None = None) -> SurvivalEvaluation:
    """The metrics of :func:`evaluate` for a clinical score (higher = riskier).

    Discrimination (Harrell's and Uno's C, AUC) is that of the score itself.
    A score gives no probabilities, so the Brier scores and calibration are
    those of the score recalibrated by a univariable Cox model of ``y`` on
    the score, fitted on the same patients (Breslow baseline): they show
    what the score can do once turned into risks, and are optimistic for
    the same reason as any apparent performance. The intervals hold the
    recalibration fixed.

    Parameters
    ----------
    score : Series or array-like of shape (n,)
        E.g. the number of lymphoma risk factors; no missing values.
    y : structured ndarray
    times : float or sequence of float
    n_bootstrap : int, default=200
    y_train : structured ndarray, optional
    random_state : int, RandomState or None
    n_jobs : int, optional

    Returns
    -------
    SurvivalEvaluation
        ``predictions`` indexed like ``score``.

    Examples
    --------
    >>> import numpy as np
    >>> from stratify.survival import evaluate_score, make_target
    >>> rng = np.random.default_rng(0)
    >>> factors = rng.integers(0, 5, 400)
    >>> time = rng.exponential(30 * np.exp(-0.6 * factors))
    >>> y = make_target(np.minimum(time, 10), (time < 10).astype(int))
    >>> result = evaluate_score(factors, y, times=5, n_bootstrap=20, random_state=0)
    >>> round(float(result.metrics.loc["harrell_c", "estimate"]), 2)
    0.7
    """
    from ._model import LymphomaRiskModel

    caller = "evaluate_score"
    event, time, t, train = _check_common(y, times, y_train, n_bootstrap, caller)
    values = check_score(score, time.size, caller)
    _warn_truncation(event, time, train, caller)
    grid = _grid(time, t)
    frame = pd.DataFrame({"score": values})
    try:
        recalibration = LymphomaRiskModel(method="cox").fit(frame, _target(event, time))
    except ValueError as exc:
        raise ValueError(f"{caller}: the Cox model of y on the score that turns it into risks "
                         f"did not converge: {exc}") from exc
    survival = recalibration.predict_survival(frame, np.concatenate([t, grid])).to_numpy()
    seed = parallel.spawn_seeds(random_state, 2)[0]
    return _evaluate_predictions(event, time, values, survival, t, grid, train,
                                 row_index(score), n_bootstrap, seed, n_jobs)
