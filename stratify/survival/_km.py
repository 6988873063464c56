"""Kaplan-Meier curves, the log-rank test and risk groups."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._checks import check_groups, row_index
from ._target import check_target

__all__ = ["KaplanMeierResult", "LogRankResult", "kaplan_meier", "logrank", "risk_groups",
           "at_risk_table", "split_groups"]

ALL = "all"
"""Group label when no groups are given."""


def nice_ticks(stop: float, n: int = 6) -> np.ndarray:
    """At most ``n`` round time points from 0 to ``stop`` (steps of 1, 2, 2.5 or 5 x 10^k)."""
    if not stop > 0:
        return np.array([0.0])
    magnitude = 10 ** np.floor(np.log10(stop / n))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10, 20)
                if np.floor(stop / (m * magnitude)) + 1 <= n)
    return np.arange(0.0, stop + step * 1e-9, step)


def split_groups(groups: Any, n: int, index: pd.Index,
                 caller: str) -> tuple[np.ndarray, list[Any], np.ndarray, pd.Index]:
    """Labels, groups in order, kept rows and left-out patient ids.

    Patients whose group is missing are left out with a warning (e.g. those
    no subgroup was assigned to); the order of groups is the categorical
    order for a categorical, else sorted.
    """
    if groups is None:
        return np.full(n, ALL, dtype=object), [ALL], np.ones(n, dtype=bool), index[:0]
    labels = check_groups(groups, n, caller)
    if isinstance(groups, pd.Series) and not isinstance(index, pd.RangeIndex) \
            and not groups.index.equals(index):
        raise ValueError(f"{caller}: the index of groups differs from the patient ids of the "
                         "outcome; align them first.")
    ids = labels.index if isinstance(groups, pd.Series) else index
    missing = labels.isna().to_numpy()
    if missing.all():
        raise ValueError(f"{caller}: every group label is missing.")
    if missing.any():
        warnings.warn(f"{caller}: {int(missing.sum())} patient(s) without a group are left out "
                      "(listed in the result's 'excluded').", UserWarning, stacklevel=3)
    kept = labels[~missing]
    if isinstance(kept.dtype, pd.CategoricalDtype):
        order = [c for c in kept.cat.categories if (kept == c).any()]
    else:
        order = sorted(kept.unique().tolist(), key=str)
    return labels.to_numpy(dtype=object), order, ~missing, ids[missing]


def at_risk_table(time: np.ndarray, labels: np.ndarray, order: list[Any],
                  ticks: np.ndarray) -> pd.DataFrame:
    """Patients still followed (time >= t) per group at each tick."""
    return pd.DataFrame([[int(np.sum(time[labels == g] >= t)) for t in ticks] for g in order],
                        index=pd.Index(order, name="group"),
                        columns=pd.Index(ticks, name="time"))


@dataclass
class KaplanMeierResult:
    """Kaplan-Meier survival curves per group (draw with :func:`stratify.plot.kaplan_meier`).

    Attributes
    ----------
    curves : DataFrame
        One row per group and time (starting at 0): ``group``, ``time``,
        ``survival``, 95 % ``lower`` and ``upper`` (exponential Greenwood,
        i.e. log-log), ``at_risk``, ``events``, ``censored``.
    at_risk : DataFrame
        Numbers at risk, groups (rows) by round time points (columns).
    summary : DataFrame
        Per group: ``n``, ``events``, ``median`` survival time with its 95 %
        ``median_lower`` and ``median_upper`` (NaN when not reached).
    groups : list
        Groups in plotting order.
    excluded : Index
        Patients left out because their group was missing.
    """

    curves: pd.DataFrame
    at_risk: pd.DataFrame
    summary: pd.DataFrame
    groups: list[Any]
    excluded: pd.Index = field(default_factory=lambda: pd.Index([]))

    def to_frame(self) -> pd.DataFrame:
        """The curves, one row per group and time."""
        return self.curves

    def survival_at(self, times: Any) -> pd.DataFrame:
        """Survival per group (rows) at ``times`` (columns), read off the step curves."""
        t = np.atleast_1d(np.asarray(times, dtype=float))
        rows = {}
        for g in self.groups:
            c = self.curves[self.curves["group"] == g]
            k = np.searchsorted(c["time"].to_numpy(), t, side="right") - 1
            rows[g] = np.where(k >= 0, c["survival"].to_numpy()[np.clip(k, 0, None)], 1.0)
        return pd.DataFrame.from_dict(rows, orient="index", columns=pd.Index(t, name="time"))


def kaplan_meier(y: Any, groups: Any = None) -> KaplanMeierResult:
    """Kaplan-Meier survival curves with 95 % CIs and numbers at risk, per group.

    Fitted with lifelines' ``KaplanMeierFitter`` (Greenwood variance,
    log-log intervals).

    Parameters
    ----------
    y : structured ndarray or DataFrame
        Survival target (:func:`make_target`), or :func:`target_frame` output
        (its index then gives the patient ids).
    groups : Series or array-like of shape (n,), optional
        Group of each patient, in the rows of ``y``. Patients with a missing
        group are left out with a warning and listed in ``excluded``.

    Returns
    -------
    KaplanMeierResult

    Examples
    --------
    >>> from stratify.survival import kaplan_meier, make_target
    >>> y = make_target([2.0, 3.0, 4.0, 5.0, 6.0, 8.0], [1, 0, 1, 1, 0, 1])
    >>> km = kaplan_meier(y, ["a", "a", "a", "b", "b", "b"])
    >>> km.curves[km.curves["group"] == "a"][["time", "survival", "at_risk"]]
       time  survival  at_risk
    0   0.0  1.000000        3
    1   2.0  0.666667        3
    2   3.0  0.666667        2
    3   4.0  0.000000        1
    >>> km.summary[["n", "events", "median"]]
           n  events  median
    group
    a      3       2     4.0
    b      3       2     8.0
    """
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    event, time = check_target(y, "kaplan_meier")
    index = row_index(y) if isinstance(y, pd.DataFrame) else pd.RangeIndex(time.size)
    labels, order, kept, excluded = split_groups(groups, time.size, index, "kaplan_meier")
    curves, summary = [], []
    for g in order:
        rows = kept & (labels == g)
        fitter = KaplanMeierFitter().fit(time[rows], event[rows], label="km")
        table = fitter.event_table
        ci = fitter.confidence_interval_survival_function_
        curves.append(pd.DataFrame({
            "group": g, "time": fitter.survival_function_.index.to_numpy(float),
            "survival": fitter.survival_function_["km"].to_numpy(),
            "lower": ci.iloc[:, 0].to_numpy(), "upper": ci.iloc[:, 1].to_numpy(),
            "at_risk": table["at_risk"].reindex(fitter.survival_function_.index).to_numpy(),
            "events": table["observed"].reindex(fitter.survival_function_.index).to_numpy(),
            "censored": table["censored"].reindex(fitter.survival_function_.index).to_numpy()}))
        median_ci = median_survival_times(ci)
        summary.append({"group": g, "n": int(rows.sum()), "events": int(event[rows].sum()),
                        "median": float(fitter.median_survival_time_),
                        "median_lower": float(median_ci.iloc[0, 0]),
                        "median_upper": float(median_ci.iloc[0, 1])})
    frame = pd.concat(curves, ignore_index=True)
    frame[["at_risk", "events", "censored"]] = frame[["at_risk", "events",
                                                      "censored"]].astype(int)
    ticks = nice_ticks(float(time[kept].max()))
    summary_frame = pd.DataFrame(summary).set_index("group")
    summary_frame = summary_frame.replace([np.inf, -np.inf], np.nan)
    return KaplanMeierResult(curves=frame, at_risk=at_risk_table(time, labels, order, ticks),
                             summary=summary_frame, groups=order, excluded=excluded)


@dataclass
class LogRankResult:
    """Log-rank test of equal survival across groups.

    Attributes
    ----------
    statistic : float
        Chi-squared statistic.
    df : int
        Degrees of freedom (groups - 1).
    p_value : float
    groups : list
    n : int
        Patients tested.
    excluded : Index
        Patients left out because their group was missing.
    """

    statistic: float
    df: int
    p_value: float
    groups: list[Any]
    n: int
    excluded: pd.Index = field(default_factory=lambda: pd.Index([]))

    def to_frame(self) -> pd.DataFrame:
        """One row: ``test``, ``statistic``, ``df``, ``p_value``, ``n_groups``, ``n``."""
        return pd.DataFrame([{"test": "log-rank", "statistic": self.statistic, "df": self.df,
                              "p_value": self.p_value, "n_groups": len(self.groups),
                              "n": self.n}])


def logrank(y: Any, groups: Any) -> LogRankResult:
    """Log-rank test of equal survival across groups (lifelines ``multivariate_logrank_test``).

    Parameters
    ----------
    y : structured ndarray or DataFrame
        Survival target.
    groups : Series or array-like of shape (n,)
        At least two groups; patients with a missing group are left out
        with a warning.

    Returns
    -------
    LogRankResult

    Examples
    --------
    >>> import numpy as np
    >>> from stratify.survival import logrank, make_target
    >>> rng = np.random.default_rng(0)
    >>> group = np.repeat(["low", "high"], 100)
    >>> time = rng.exponential(np.where(group == "high", 3.0, 10.0))
    >>> result = logrank(make_target(time, np.ones(200, dtype=int)), group)
    >>> result.df, result.p_value < 1e-6
    (1, True)
    """
    from lifelines.statistics import multivariate_logrank_test

    event, time = check_target(y, "logrank")
    index = row_index(y) if isinstance(y, pd.DataFrame) else pd.RangeIndex(time.size)
    labels, order, kept, excluded = split_groups(groups, time.size, index, "logrank")
    if len(order) < 2:
        raise ValueError(f"logrank needs at least 2 groups; got {len(order)}.")
    codes = pd.Categorical(labels[kept], categories=order).codes
    test = multivariate_logrank_test(time[kept], codes, event[kept])
    return LogRankResult(statistic=float(test.test_statistic), df=len(order) - 1,
                         p_value=float(test.p_value), groups=order, n=int(kept.sum()),
                         excluded=excluded)


def _labels_for(k: int) -> list[str]:
    if k == 2:
        return ["low", "high"]
    if k == 3:
        return ["low", "intermediate", "high"]
    return [f"Q{i}" for i in range(1, k + 1)]


def risk_groups(model: Any, X: Any, *, n_groups: int = 3, cut_points: Any = None,
                horizon: float | None = None, labels: Any = None) -> pd.Series:
    """Patients grouped by predicted risk of lymphoma at a horizon.

    Parameters
    ----------
    model : fitted model with ``predict_risk_at(X, horizon)``
        E.g. :class:`LymphomaRiskModel`.
    X : DataFrame or array
    n_groups : int, default=3
        Groups of equal size (quantiles of predicted risk), used when
        ``cut_points`` is None.
    cut_points : sequence of float, optional
        Risk thresholds (probabilities, increasing): a patient with risk
        ``r`` is in group ``k`` when ``cut[k-1] < r <= cut[k]``. To apply
        groups found in one cohort to new patients, pass the first
        cohort's ``result.attrs["cut_points"]``.
    horizon : float, optional
        Years (default: the model's ``horizon``).
    labels : sequence of str, optional
        Group names, lowest risk first (default ``low``/``high``,
        ``low``/``intermediate``/``high``, or ``Q1``... ``Qk``).

    Returns
    -------
    Series named ``risk_group``
        Ordered categorical indexed like ``X``; ``attrs["cut_points"]`` and
        ``attrs["horizon"]`` record how it was made.

    Examples
    --------
    >>> import numpy as np
    >>> from stratify.survival import LymphomaRiskModel, make_target, risk_groups
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 1))
    >>> y = make_target(rng.exponential(10 * np.exp(-X[:, 0])), np.ones(300, dtype=int))
    >>> groups = risk_groups(LymphomaRiskModel().fit(X, y), X)
    >>> groups.value_counts().sort_index().tolist()
    [100, 100, 100]
    >>> list(groups.cat.categories)
    ['low', 'intermediate', 'high']
    """
    if not hasattr(model, "predict_risk_at"):
        raise ValueError("risk_groups: model must have predict_risk_at(X, horizon), like "
                         f"LymphomaRiskModel; got {type(model).__name__}.")
    risk = np.asarray(model.predict_risk_at(X, horizon), dtype=float)
    h = float(model.horizon if horizon is None else horizon)
    if cut_points is None:
        if not isinstance(n_groups, (int, np.integer)) or n_groups < 2:
            raise ValueError(f"The 'n_groups' parameter of risk_groups must be an int >= 2. "
                             f"Got {n_groups!r} instead.")
        cuts = np.quantile(risk, np.arange(1, n_groups) / n_groups)
        if np.unique(cuts).size != cuts.size:
            raise ValueError(f"risk_groups: predicted risks are too tied for {n_groups} "
                             "groups of equal size; pass fewer groups or cut_points.")
    else:
        cuts = np.asarray(cut_points, dtype=float).ravel()
        if cuts.size == 0 or np.any(np.diff(cuts) <= 0):
            raise ValueError(f"risk_groups: cut_points must be increasing; got {cut_points!r}.")
    k = cuts.size + 1
    names = _labels_for(k) if labels is None else [str(v) for v in labels]
    if len(names) != k:
        raise ValueError(f"risk_groups: {k} groups need {k} labels; got {len(names)}.")
    codes = np.searchsorted(cuts, risk, side="left")
    out = pd.Series(pd.Categorical.from_codes(codes, categories=names, ordered=True),
                    index=row_index(X), name="risk_group")
    out.attrs["cut_points"] = cuts.tolist()
    out.attrs["horizon"] = h
    return out
