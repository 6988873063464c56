"""The quality table, one row per centre and variable, and its small-cell protection."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._prepare import ID, _Prepared
from ._drift import _Drift, _flagged, _Units
from ._rules import _Findings


def _table(prep: _Prepared, findings: _Findings, units: _Units, drift: _Drift, *,
           limit: np.ndarray, min_completeness: float, min_count: int, z: float
           ) -> pd.DataFrame:
    unit_index: dict[str, list[int]] = {}
    for u, var in enumerate(units.variables):
        unit_index.setdefault(var, []).append(u)
    total_observed = {col: int(prep.observed[col].sum()) for col in prep.columns}
    no_flag = np.zeros(prep.n, bool)
    rows = []
    for ci, centre in enumerate(prep.centres):
        mask = prep.centre == centre
        n = int(mask.sum())
        rows.append(_row(centre, ID, "id", n, int((~prep.missing_id & mask).sum()),
                         int((findings.flagged.get(ID, no_flag) & mask).sum())))
        for col in prep.columns:
            n_obs = int((prep.observed[col] & mask).sum())
            row = _row(centre, col, prep.kinds[col], n, n_obs,
                       int((findings.flagged.get(col, no_flag) & mask).sum()))
            row["flag_incomplete"] = n_obs / n < min_completeness
            row["flag_never_measured"] = (n_obs == 0 and len(prep.centres) > 1
                                          and total_observed[col] >= min_count)
            idx = np.asarray(unit_index.get(col, []), dtype=int)
            if idx.size:
                values = drift.drift[ci, idx]
                # a categorical variable drifts as much as its most different level
                pick = idx[int(np.nanargmax(np.abs(values)))] if np.isfinite(values).any() \
                    else idx[0]
                adjusted = drift.adjusted[ci, idx]
                adj = (adjusted[int(np.nanargmax(np.abs(adjusted)))]
                       if np.isfinite(adjusted).any() else np.nan)
                d, se = drift.drift[ci, pick], drift.se[ci, pick]
                strong = bool(_flagged(d, se, limit[pick], z))
                left_out = [c for k, c in enumerate(prep.centres)
                            if k != ci and not drift.reference[k, pick]]
                row.update(drift=d, drift_measure=units.measures[pick], drift_se=se,
                           drift_adjusted=adj, drift_reference_excluded=", ".join(left_out),
                           flag_drift=strong,
                           flag_drift_adjusted=strong if prep.strata is None else bool(
                               strong and _flagged(adj, se, limit[pick], z)))
            rows.append(row)
    return pd.DataFrame(rows)


def _share(value: Any) -> str:
    return "(hidden: small count)" if pd.isna(value) else f"{value:.0%}"


def _protect_table(table: pd.DataFrame, centres: list[str], min_cell: int) -> pd.DataFrame:
    """The quality table with small counts, their companions and their shares hidden."""
    from ..._utils.suppress import TOTAL, suppress_small_cells

    out = table.copy()
    sizes = table.drop_duplicates("center").set_index("center")["n"].reindex(centres)
    hidden_sizes = suppress_small_cells(sizes.astype("int64"), min_cell).drop(TOTAL).isna()
    n_obs = pd.Series(pd.NA, index=out.index, dtype="Int64")
    n_bad = pd.Series(pd.NA, index=out.index, dtype="Int64")
    for _ in range(len(centres) + 1):
        extra = pd.Series(False, index=centres)
        for _variable, rows in table.groupby("variable", sort=False):
            by_centre = rows.set_index("center")
            counts = pd.DataFrame({"observed": by_centre["n_observed"],
                                   "missing": by_centre["n"] - by_centre["n_observed"]}
                                  ).astype("int64")
            if hidden_sizes.any() or _has_small(counts.to_numpy(), min_cell):
                forced = pd.DataFrame(False, index=[*counts.index, TOTAL],
                                      columns=["observed", "missing", TOTAL])
                forced.loc[hidden_sizes.index, TOTAL] = hidden_sizes.to_numpy()
                shown = suppress_small_cells(counts, min_cell, hidden=forced)
                extra |= shown.loc[counts.index, TOTAL].isna() & ~hidden_sizes
                n_obs[rows.index] = shown.loc[rows["center"], "observed"].to_numpy()
            else:  # nothing to hide (most variables): the counts as they are
                n_obs[rows.index] = counts["observed"].to_numpy()
            implausible = by_centre["n_implausible"].astype("int64")
            if _has_small(implausible.to_numpy()[:, None], min_cell):
                bad = suppress_small_cells(implausible, min_cell)
                n_bad[rows.index] = bad.loc[rows["center"]].to_numpy()
            else:
                n_bad[rows.index] = implausible.to_numpy()
        if not extra.any():
            break
        hidden_sizes = suppress_small_cells(sizes.astype("int64"), min_cell,
                                            hidden=hidden_sizes | extra).drop(TOTAL).isna()
    n = out["n"].astype("Int64").mask(out["center"].map(hidden_sizes).to_numpy(bool))
    out["n"], out["n_observed"], out["n_implausible"] = n, n_obs, n_bad
    out["completeness"] = out["completeness"].where(n.notna() & n_obs.notna())
    return out


def _has_small(counts: np.ndarray, min_cell: int) -> bool:
    """Whether a count of the table, or a row, column or grand total, is from 1 to
    ``min_cell - 1``. Without one (and with no cell forced hidden),
    :func:`~stratify._utils.suppress.suppress_small_cells` hides nothing: this
    skips it (a linear-programming search per variable, most of the time of
    the table's protection)."""
    full = [counts.ravel(), counts.sum(axis=1), counts.sum(axis=0), [counts.sum()]]
    return any(bool(((part > 0) & (part < min_cell)).any())
               for part in map(np.asarray, full))


def _row(centre: str, variable: str, kind: str, n: int, n_observed: int,
         n_implausible: int) -> dict[str, Any]:
    return {"center": centre, "variable": variable, "kind": kind, "n": n,
            "n_observed": n_observed, "completeness": n_observed / n if n else np.nan,
            "n_implausible": n_implausible, "drift": np.nan, "drift_measure": "",
            "drift_se": np.nan, "drift_adjusted": np.nan, "drift_reference_excluded": "",
            "flag_incomplete": False,
            "flag_never_measured": False, "flag_implausible": n_implausible > 0,
            "flag_drift": False, "flag_drift_adjusted": False}
