"""Cox gradient boosting with an O(n log n) partial likelihood.

scikit-survival 0.28 computes the Cox partial likelihood and its gradient in
``GradientBoostingSurvivalAnalysis`` with a double loop over patients: a
stage takes about 1 s at 10,000 patients and 4.5 s at 20,000, so boosting
beyond a few thousand patients was impractical. :class:`CoxBoosting` is the
same estimator with both computed from cumulative sums over patients sorted
by time (Breslow ties), which gives identical values (tested).

This module imports scikit-survival at its top because the classes subclass
it (and must be importable by name to be pickled for parallel workers); it is
itself imported only when a boosting model is fitted.
"""

from __future__ import annotations

import numpy as np
from sksurv.ensemble import GradientBoostingSurvivalAnalysis
from sksurv.ensemble.survival_loss import CoxPH

__all__ = ["CoxBoosting", "cox_negative_gradient", "cox_negative_loglik"]


def _sorted(event: np.ndarray, time: np.ndarray, f: np.ndarray):
    order = np.argsort(time, kind="stable")
    t = time[order]
    shift = float(f.max())
    w = np.exp(f[order] - shift)
    first = np.searchsorted(t, t, side="left")
    at_risk = np.cumsum(w[::-1])[::-1][first]
    return order, t, event[order].astype(bool), w, at_risk, shift


def cox_negative_loglik(event: np.ndarray, time: np.ndarray, f: np.ndarray) -> float:
    """Negative Cox log partial likelihood of the predictions ``f`` (Breslow ties)."""
    order, _, d, _, at_risk, shift = _sorted(event, time, f)
    return float(-np.sum((f[order] - shift - np.log(at_risk))[d]))


def cox_negative_gradient(event: np.ndarray, time: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Gradient of the Cox log partial likelihood in ``f``: event minus cumulative hazard."""
    order, t, d, w, at_risk, _ = _sorted(event, time, f)
    last = np.searchsorted(t, t, side="right") - 1
    cumulative = np.cumsum(d / at_risk)[last]
    out = np.empty_like(f, dtype=float)
    out[order] = d - w * cumulative
    return out


class _FastCoxPH(CoxPH):
    def __call__(self, y_true, raw_prediction, sample_weight=None):
        return cox_negative_loglik(y_true["event"], y_true["time"],
                                   np.asarray(raw_prediction, dtype=float).ravel())

    def gradient(self, y_true, raw_prediction, sample_weight=None, **kwargs):
        out = cox_negative_gradient(y_true["event"], y_true["time"],
                                    np.asarray(raw_prediction, dtype=float).ravel())
        return out if sample_weight is None else out * sample_weight


class CoxBoosting(GradientBoostingSurvivalAnalysis):
    """``GradientBoostingSurvivalAnalysis`` (Cox loss) with the fast partial likelihood."""

    def _get_loss(self, sample_weight):
        return _FastCoxPH()
