"""Discrimination, accuracy and calibration metrics of survival predictions.

Metrics are plain functions of a target and predictions; :func:`harrell_c` is
the default score of :class:`LymphomaRiskModel` and :func:`c_index_scorer`
makes it usable in ``GridSearchCV``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from ._calibration import _ici, _slope
from ._checks import check_score
from ._target import TARGET_DTYPE, check_target

__all__ = ["c_index_scorer", "harrell_c", "horizon_label", "metric_names"]


def horizon_label(t: float) -> str:
    """``5.0 -> "5y"``, ``2.5 -> "2.5y"``: the suffix of per-horizon metric names."""
    return f"{float(t):g}y"


def metric_names(times: Iterable[float]) -> list[str]:
    """Names of the metrics of :func:`evaluate`, in table order."""
    labels = [horizon_label(t) for t in times]
    return (["harrell_c", "uno_c"] + [f"auc_{h}" for h in labels]
            + [f"brier_{h}" for h in labels] + ["integrated_brier"]
            + [f"calibration_slope_{h}" for h in labels] + [f"ici_{h}" for h in labels])


def _harrell(event: np.ndarray, time: np.ndarray, risk: np.ndarray) -> float:
    from lifelines.utils import concordance_index

    try:
        return float(concordance_index(time, -risk, event))
    except ZeroDivisionError:  # no comparable pair
        return float("nan")


def harrell_c(y: Any, risk: Any) -> float:
    """Harrell's concordance index of risk scores (higher score = earlier event).

    The proportion of comparable pairs (the shorter time is an event) in
    which the patient with the event has the higher risk; ties in risk count
    one half. Computed with lifelines' ``concordance_index`` (O(n log n);
    scikit-survival's ``concordance_index_censored`` gives the same value,
    about 15 times slower at 100,000 patients: docs/performance.md).

    Parameters
    ----------
    y : structured ndarray
        Survival target (:func:`make_target`).
    risk : array-like of shape (n,)
        Risk scores, e.g. ``model.predict(X)``.

    Returns
    -------
    float

    Examples
    --------
    >>> from stratify.survival import harrell_c, make_target
    >>> y = make_target([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 1])
    >>> harrell_c(y, [4.0, 3.0, 2.0, 1.0]), harrell_c(y, [1.0, 3.0, 2.0, 4.0])
    (1.0, 0.2)
    """
    event, time = check_target(y, "harrell_c")
    return _harrell(event, time, check_score(risk, time.size, "harrell_c", "risk"))


def c_index_scorer(estimator: Any, X: Any, y: Any) -> float:
    """Scorer for ``GridSearchCV(scoring=c_index_scorer)``: Harrell's C of ``estimator.predict(X)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import cross_val_score
    >>> from stratify.survival import LymphomaRiskModel, c_index_scorer, make_target
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2))
    >>> y = make_target(rng.exponential(np.exp(-X[:, 0])), np.ones(200, dtype=int))
    >>> scores = cross_val_score(LymphomaRiskModel(), X, y, cv=3, scoring=c_index_scorer)
    >>> bool(scores.min() > 0.6)
    True
    """
    return harrell_c(y, np.asarray(estimator.predict(X), dtype=float))


def _structured(event: np.ndarray, time: np.ndarray) -> np.ndarray:
    y = np.empty(time.size, dtype=TARGET_DTYPE)
    y["event"], y["time"] = event, time
    return y


UNDEFINED = {
    "harrell_c": "no comparable pair (no event, or no patient followed beyond an event)",
    "calibration_slope": "no event before the horizon, no spread of predicted risk, or the "
                         "recalibration model diverged",
    "ici": "no event before the horizon, no spread of predicted risk, or the recalibration "
           "model diverged",
}
"""Why a metric that returns NaN without an error is undefined on a sample."""


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:160]}" if text else type(exc).__name__


def _nan_on_error(reasons: dict[str, str] | None, name: str, func: Any, *args: Any) -> float:
    """A metric that cannot be computed on this sample (a horizon beyond its
    follow-up, no case or control, no comparable pair) is NaN; the reason goes into
    ``reasons[name]`` so that the caller reports it (:func:`evaluate` warns and
    counts: no metric is silently missing)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = float(func(*args))
    except (ValueError, ZeroDivisionError, FloatingPointError) as exc:
        if reasons is not None:
            reasons[name] = _reason(exc)
        return float("nan")
    if not np.isfinite(value) and reasons is not None:
        family = name if name in UNDEFINED else name.rsplit("_", 1)[0]
        reasons[name] = UNDEFINED.get(family, "not finite on this sample")
    return value


def ipcw_target(event: np.ndarray, time: np.ndarray,
                train: np.ndarray | None) -> tuple[np.ndarray, int, int]:
    """The target the IPCW metrics weight: censored at the last training time.

    The censoring distribution is estimated on ``train`` (Kaplan-Meier), which
    says nothing beyond its last time: scikit-survival raises for any event
    after it (or where the censoring survival is 0), and every AUC and Brier
    score would be lost. As scikit-survival's documentation advises, the
    held-out patients are truncated there: followed up to the last training
    time at most, an event after it (or where the estimated censoring
    survival is 0) counted as censored there. Metrics at horizons before
    that time are unchanged by it: such a patient is event-free at each of
    them either way.

    Returns
    -------
    target, patients, events
        The structured target, how many patients were followed beyond the last
        training time, and how many events were turned into censoring.
    """
    if train is None:
        return _structured(event, time), 0, 0
    from sksurv.nonparametric import CensoringDistributionEstimator

    last = float(train["time"].max())
    beyond = time > last
    truncated = np.minimum(time, last)
    events = event & ~beyond
    if events.any():
        cens = CensoringDistributionEstimator().fit(train)
        dropped = np.zeros(time.size, dtype=bool)
        dropped[np.flatnonzero(events)] = cens.predict_proba(truncated[events]) <= 0
        events &= ~dropped
    lost = event & ~events
    return _structured(events, truncated), int(beyond.sum()), int(lost.sum())


def compute_metrics(event: np.ndarray, time: np.ndarray, risk: np.ndarray,
                    survival: np.ndarray, times: np.ndarray, grid: np.ndarray,
                    train: np.ndarray | None, tau: float,
                    reasons: dict[str, str] | None = None) -> dict[str, float]:
    """Every metric of :func:`evaluate` for one sample.

    ``survival`` holds predicted survival at ``times`` then at ``grid``
    (columns). ``train`` is the target whose censoring distribution weights
    the IPCW metrics (default: this sample); the sample is truncated at its
    last time for them (:func:`ipcw_target`). Why a metric is NaN goes into
    ``reasons`` (metric name: reason) when given.
    """
    from sksurv.metrics import (
        brier_score,
        concordance_index_ipcw,
        cumulative_dynamic_auc,
        integrated_brier_score,
    )

    test, _, _ = ipcw_target(event, time, train)
    train = _structured(event, time) if train is None else train
    labels = [horizon_label(t) for t in times]
    out = {"harrell_c": _nan_on_error(reasons, "harrell_c", _harrell, event, time, risk),
           "uno_c": _nan_on_error(
               reasons, "uno_c", lambda: concordance_index_ipcw(train, test, risk, tau=tau)[0])}
    for t, h in zip(times, labels):
        out[f"auc_{h}"] = _nan_on_error(
            reasons, f"auc_{h}", lambda t=t: cumulative_dynamic_auc(train, test, risk, [t])[0][0])
    for j, (t, h) in enumerate(zip(times, labels)):
        out[f"brier_{h}"] = _nan_on_error(
            reasons, f"brier_{h}",
            lambda j=j, t=t: brier_score(train, test, survival[:, j], [t])[1][0])
    out["integrated_brier"] = _nan_on_error(
        reasons, "integrated_brier",
        lambda: integrated_brier_score(train, test, survival[:, len(times):], grid))
    for j, h in enumerate(labels):
        out[f"calibration_slope_{h}"] = _nan_on_error(
            reasons, f"calibration_slope_{h}", _slope, event, time, 1.0 - survival[:, j],
            times[j])
    for j, h in enumerate(labels):
        out[f"ici_{h}"] = _nan_on_error(reasons, f"ici_{h}", _ici, event, time,
                                        1.0 - survival[:, j], times[j])
    return out
