"""Cumulative incidence of lymphoma with death as a competing event (Aalen-Johansen)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._km import at_risk_table, nice_ticks, split_groups
from ._target import check_event_codes

__all__ = ["CumulativeIncidenceResult", "cumulative_incidence"]

CAUSES = {1: "lymphoma", 2: "death"}

JITTER_SEED = 0
"""Seed of lifelines' jitter of tied lymphoma and death times (fixed: same result every run)."""


@dataclass
class CumulativeIncidenceResult:
    """Cumulative incidence of lymphoma and of death without lymphoma, per group.

    Draw with :func:`stratify.plot.cumulative_incidence`.

    Attributes
    ----------
    curves : DataFrame
        One row per group, cause and time: ``group``, ``cause``
        (``"lymphoma"`` or ``"death"``), ``time``, ``incidence``, 95 %
        ``lower`` and ``upper`` (delta method on log(-log); 0 where the
        incidence is still 0).
    at_risk : DataFrame
        Numbers at risk (still followed, free of both events), groups by round times.
    summary : DataFrame
        Per group: ``n``, ``lymphoma``, ``death``, ``censored`` (counts).
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
        """The curves, one row per group, cause and time."""
        return self.curves

    def incidence_at(self, times: Any, cause: str = "lymphoma") -> pd.DataFrame:
        """Cumulative incidence of ``cause`` per group (rows) at ``times`` (columns)."""
        t = np.atleast_1d(np.asarray(times, dtype=float))
        rows = {}
        for g in self.groups:
            c = self.curves[(self.curves["group"] == g) & (self.curves["cause"] == cause)]
            k = np.searchsorted(c["time"].to_numpy(), t, side="right") - 1
            rows[g] = np.where(k >= 0, c["incidence"].to_numpy()[np.clip(k, 0, None)], 0.0)
        return pd.DataFrame.from_dict(rows, orient="index", columns=pd.Index(t, name="time"))


def _aalen_johansen(time: np.ndarray, codes: np.ndarray, cause: int) -> pd.DataFrame:
    from lifelines import AalenJohansenFitter

    if not np.any(codes == cause):
        return pd.DataFrame({"time": [0.0, float(time.max())], "incidence": 0.0,
                             "lower": 0.0, "upper": 0.0})
    # lifelines jitters tied times of different events through numpy's global seed:
    # put the caller's global random state back afterwards.
    state = np.random.get_state()  # noqa: NPY002 - lifelines uses the legacy global seed
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitter = AalenJohansenFitter(seed=JITTER_SEED).fit(time, codes,
                                                               event_of_interest=cause)
    finally:
        np.random.set_state(state)  # noqa: NPY002
    incidence = fitter.cumulative_density_.iloc[:, 0].to_numpy()
    # lifelines 0.30 labels the two limits the wrong way round: order them by value.
    bounds = fitter.confidence_interval_.to_numpy()
    lower, upper = np.fmin(bounds[:, 0], bounds[:, 1]), np.fmax(bounds[:, 0], bounds[:, 1])
    zero = incidence == 0
    return pd.DataFrame({"time": fitter.cumulative_density_.index.to_numpy(float),
                         "incidence": incidence, "lower": np.where(zero, 0.0, lower),
                         "upper": np.where(zero, 0.0, upper)})


def cumulative_incidence(time: Any, event: Any, groups: Any = None) -> CumulativeIncidenceResult:
    """Cumulative incidence of lymphoma, death competing, per group (Aalen-Johansen).

    The probability of having had lymphoma by time t in the real world,
    where death without lymphoma prevents it. It is computed with
    lifelines' ``AalenJohansenFitter`` for lymphoma (code 1) and for death
    (code 2); lifelines breaks ties between lymphoma and death times by
    moving them at most 1e-4 years (with a fixed seed).

    One minus the Kaplan-Meier curve with deaths censored is not used: it
    estimates the risk in a hypothetical world without death, treating the
    dead as if they could still develop lymphoma, and so overestimates the
    real-world incidence, the more so the more deaths there are (older
    patients). Cause-specific Cox models (:class:`LymphomaRiskModel` with
    ``make_target(..., competing="censor")``) remain right for the effect
    of risk factors on the lymphoma hazard.

    Parameters
    ----------
    time : Series or array-like of shape (n,)
        Follow-up time (years).
    event : Series or array-like of shape (n,)
        0 censored, 1 lymphoma, 2 death without lymphoma.
    groups : Series or array-like of shape (n,), optional
        Group of each patient; patients with a missing group are left out
        with a warning and listed in ``excluded``.

    Returns
    -------
    CumulativeIncidenceResult

    Examples
    --------
    >>> from stratify.survival import cumulative_incidence
    >>> cif = cumulative_incidence([1.0, 2.0, 3.0, 4.0, 5.0], [1, 2, 1, 0, 2])
    >>> cif.incidence_at([2.5, 5.0]).round(3)
    time   2.5  5.0
    all    0.2  0.4
    >>> cif.incidence_at([5.0], cause="death").round(3)
    time   5.0
    all    0.6
    """
    t, codes, index = check_event_codes(time, event, "cumulative_incidence")
    labels, order, kept, excluded = split_groups(groups, t.size, index, "cumulative_incidence")
    curves, summary = [], []
    for g in order:
        rows = kept & (labels == g)
        for cause, name in CAUSES.items():
            curve = _aalen_johansen(t[rows], codes[rows], cause)
            curves.append(curve.assign(group=g, cause=name))
        summary.append({"group": g, "n": int(rows.sum()),
                        "lymphoma": int(np.sum(codes[rows] == 1)),
                        "death": int(np.sum(codes[rows] == 2)),
                        "censored": int(np.sum(codes[rows] == 0))})
    frame = pd.concat(curves, ignore_index=True)[["group", "cause", "time", "incidence", "lower",
                                                  "upper"]]
    ticks = nice_ticks(float(t[kept].max()))
    return CumulativeIncidenceResult(curves=frame,
                                     at_risk=at_risk_table(t, labels, order, ticks),
                                     summary=pd.DataFrame(summary).set_index("group"),
                                     groups=order, excluded=excluded)
