"""Drift of each centre against the other centres, and its adjustment for case mix."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..._utils.stats import pooled_sd, standardized_difference
from .._prepare import _Prepared

_SMD_KINDS = ("continuous", "ordinal", "time")
_MAX_LEVELS = 20


@dataclass
class _Units:
    """Columns whose centre means are compared (a categorical variable gives one per level)."""

    variables: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    columns: list[np.ndarray] = field(default_factory=list)

    def add(self, variable: str, measure: str, values: np.ndarray) -> None:
        self.variables.append(variable)
        self.measures.append(measure)
        self.columns.append(values)


def _drift_units(prep: _Prepared) -> _Units:
    """Plausible values only: values that break the schema are counted as implausible instead."""
    units = _Units()
    for col in prep.columns:
        kind = prep.kinds[col]
        valid = prep.observed[col] & ~prep.invalid[col]
        if not valid.any():
            continue
        if col in prep.numbers:
            values = np.where(valid, prep.numbers[col], np.nan)
            if kind in _SMD_KINDS:
                units.add(col, "smd", values)
                continue
            if kind == "binary":
                units.add(col, "proportion_difference", values)
                continue
            labels: np.ndarray = values
            levels = (np.asarray(prep.levels[col], dtype=float) if prep.levels[col] is not None
                      else np.unique(values[valid]))
        else:
            labels = prep.labels[col]
            levels = np.unique(labels[valid].astype(str))
        if len(levels) > _MAX_LEVELS:
            continue
        for level in levels:
            hit = np.zeros(prep.n)
            hit[valid] = (labels[valid] == level).astype(float)
            units.add(col, "max_proportion_difference", np.where(valid, hit, np.nan))
    return units


def _group_sums(groups: np.ndarray, n_groups: int, U: np.ndarray, offset: np.ndarray):
    """Per group: observed count, and sum and sum of squares of ``U - offset`` (NaN = missing)."""
    observed = ~np.isnan(U)
    # centring first keeps sums of squares exact for values far from zero
    centred = np.where(observed, U - offset, 0.0)
    onehot = np.zeros((len(groups), n_groups))
    onehot[np.arange(len(groups)), groups] = 1.0
    return onehot.T @ observed, onehot.T @ centred, onehot.T @ centred**2


def _rest(stat: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Sum over the reference centres other than each centre itself (centres on axis 0)."""
    kept = stat * reference
    return kept.sum(axis=0) - kept


@dataclass
class _Drift:
    drift: np.ndarray
    se: np.ndarray
    adjusted: np.ndarray
    reference: np.ndarray


def _compare(sums: tuple[np.ndarray, ...], reference: np.ndarray, smd: np.ndarray,
             offset: np.ndarray, min_count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cnt, s1, s2 = sums
    rest_cnt, rest_s1, rest_s2 = (_rest(x, reference) for x in sums)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean, rest_mean = s1 / cnt, rest_s1 / rest_cnt
        var = (s2 - cnt * mean**2) / (cnt - 1)
        rest_var = (rest_s2 - rest_cnt * rest_mean**2) / (rest_cnt - 1)
        pooled = pooled_sd(var, rest_var)
        drift = np.where(smd, standardized_difference(mean, rest_mean, var, rest_var),
                         mean - rest_mean)
        se_smd = np.sqrt(1 / cnt + 1 / rest_cnt + drift**2 / (2 * (cnt + rest_cnt)))
        p, q = mean + offset, rest_mean + offset
        se_prop = np.sqrt(np.clip(p * (1 - p), 0, None) / cnt
                          + np.clip(q * (1 - q), 0, None) / rest_cnt)
    enough = (cnt >= min_count) & (rest_cnt >= min_count)
    se = np.where(smd, se_smd, se_prop)
    return np.where(enough, drift, np.nan), np.where(enough, se, np.nan), pooled


def _flagged(drift: Any, se: Any, limit: Any, z: float) -> Any:
    with np.errstate(invalid="ignore"):
        return np.isfinite(drift) & (np.abs(drift) > limit) & (np.abs(drift) > z * se)


def _drift(prep: _Prepared, units: _Units, *, limit: np.ndarray, z: float,
           min_count: int) -> _Drift:
    """Per (centre, unit): drift against the reference centres, its SE and adjusted drift.

    The reference of a centre is every other centre, except centres that
    drift themselves on that variable: the most extreme flagged centre
    leaves the reference, and the comparison is repeated, while at least two
    reference centres remain. Without this, one centre on another scale
    makes every other centre look shifted the opposite way.
    """
    n_c, n_u = len(prep.centres), len(units.variables)
    empty = np.full((n_c, n_u), np.nan)
    reference = np.ones((n_c, n_u), bool)
    if not n_u or n_c < 2:
        return _Drift(empty, empty.copy(), empty.copy(), reference)
    U = np.column_stack(units.columns)
    offset = np.array([np.nanmean(c) for c in units.columns])
    code = {c: i for i, c in enumerate(prep.centres)}
    centre = np.array([code[c] for c in prep.centre])
    sums = _group_sums(centre, n_c, U, offset)
    smd = np.array([m == "smd" for m in units.measures])
    for _ in range(n_c - 2):
        drift, se, _ = _compare(sums, reference, smd, offset, min_count)
        score = np.where(_flagged(drift, se, limit, z) & reference, np.abs(drift), -np.inf)
        worst = np.argmax(score, axis=0)
        leave = np.isfinite(score.max(axis=0)) & (reference.sum(axis=0) > 2)
        if not leave.any():
            break
        reference[worst[leave], np.flatnonzero(leave)] = False
    drift, se, pooled_sd = _compare(sums, reference, smd, offset, min_count)
    adjusted = empty.copy()
    if prep.strata is not None:
        n_s = int(prep.strata.max()) + 1
        cnt2, sum2, _ = _group_sums(centre * n_s + prep.strata, n_c * n_s, U, offset)
        cnt2, sum2 = cnt2.reshape(n_c, n_s, n_u), sum2.reshape(n_c, n_s, n_u)
        ref2 = reference[:, None, :]
        rest_cnt2, rest_sum2 = _rest(cnt2, ref2), _rest(sum2, ref2)
        with np.errstate(invalid="ignore", divide="ignore"):
            within = sum2 / cnt2 - rest_sum2 / rest_cnt2
            valid = (cnt2 > 0) & (rest_cnt2 > 0)
            weight = np.where(valid, cnt2, 0.0)
            weight = weight / weight.sum(axis=1, keepdims=True)
            adj = np.where(valid, within * weight, 0.0).sum(axis=1)
            adj = np.where(valid.any(axis=1), adj, np.nan)
            adjusted = np.where(smd, adj / pooled_sd, adj)
        adjusted = np.where(np.isfinite(drift), adjusted, np.nan)
    return _Drift(drift, se, adjusted, reference)
