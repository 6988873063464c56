"""Small-cell suppression with complementary cells, audited by linear programming.

Hiding each count from 1 to ``min_cell - 1`` is not enough when totals are
shown: a single hidden cell in a row is the row total minus the other cells.
The rule here is the one statistical offices and registries apply to
tables with margins (Hundepool et al., *Statistical Disclosure Control*,
Wiley 2012, ch. 4): after the small (primary) cells are hidden, further
(complementary) cells are hidden until no small count can be recomputed
from what is shown. A reader's knowledge is modelled as linear equations
(every shown total is the sum of its cells) with bounds (a cell shown as
``"<5"`` lies in [1, 4]; a complementary cell in [5, inf); a cell never
shown in [0, inf)), and for each small cell the smallest and largest value
consistent with them are found by linear programming. The constraint
matrix of a table with margins is totally unimodular, so these bounds are
whole numbers and "min < max" means "not determined".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["TOTAL", "small_count_texts", "suppress_small_cells"]

MIN_CELL = 5
"""Smallest count the reports show by default; counts from 1 to ``MIN_CELL - 1`` are hidden."""

TOTAL = "Total"
"""Label of the totals row and column of a suppressed table."""


def _feasible_range(values: np.ndarray, lines: Sequence[np.ndarray], unknown: np.ndarray,
                    lower: np.ndarray, upper: np.ndarray, cell: int) -> tuple[float, float]:
    """Smallest and largest value of ``cell`` given the lines and the shown cells.

    ``lines`` are coefficient vectors (one per equation ``coef @ values == 0``).
    """
    from scipy.optimize import linprog  # on first use: importing stratify.data stays light

    idx = np.flatnonzero(unknown)
    pos = {int(c): k for k, c in enumerate(idx)}
    rows, rhs = [], []
    for coef in lines:
        involved = coef[idx] != 0
        if not involved.any():
            continue
        rows.append(coef[idx])
        rhs.append(-float(coef[~unknown] @ values[~unknown]))
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    bounds = list(zip(lower[idx], upper[idx], strict=True))
    objective = np.zeros(len(idx))
    objective[pos[cell]] = 1.0
    lo = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    hi = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if lo.status == 3 or hi.status == 3:  # unbounded: certainly not determined
        return -np.inf, np.inf
    if lo.status != 0 or hi.status != 0:  # no answer: count the cell as determined
        return 0.0, 0.0
    return float(lo.fun), float(-hi.fun)


def _protect(values: np.ndarray, lines: Sequence[np.ndarray], min_cell: int, *,
             published: np.ndarray, cost: np.ndarray,
             hidden: np.ndarray | None = None) -> np.ndarray:
    """Cells to hide so that no count from 1 to ``min_cell - 1`` can be recomputed.

    Parameters
    ----------
    values : 1-d array of non-negative counts (cells and totals, flattened).
    lines : coefficient vectors; ``coef @ values == 0`` is known to the reader.
    published : cells that would be shown (the others are unknowns anyway).
    cost : preference among complementary candidates (lower first, then smaller count).
    hidden : cells already hidden (e.g. group sizes hidden elsewhere).
    """
    values = np.asarray(values, dtype=float)
    small = (values > 0) & (values < min_cell)
    hidden = (small & published) | (np.zeros(values.shape, bool) if hidden is None
                                    else np.asarray(hidden, bool))
    if min_cell <= 1:
        return hidden
    members = [np.flatnonzero(c) for c in lines]

    def companion(line: np.ndarray) -> int | None:
        """The cheapest shown non-zero cell of ``line``: lowest cost, then smallest count.

        Zeros are never hidden: a reader who sees small counts as "<5" and
        companions as "(s)" (at least ``min_cell``) would know a hidden zero.
        """
        free = line[published[line] & ~hidden[line] & (values[line] > 0)]
        if not free.size:
            return None
        return int(free[np.lexsort((values[free], cost[free]))[0]])

    def companion_near(cell: int) -> int | None:
        """A companion in a line through ``cell``, else through the unknowns of those lines."""
        seen_cells, frontier, seen_lines = {cell}, [cell], set()
        while frontier:
            lines_here = [k for k, line in enumerate(members)
                          if k not in seen_lines and any(c in line for c in frontier)]
            seen_lines.update(lines_here)
            picks = [p for k in lines_here if (p := companion(members[k])) is not None]
            if picks:
                return min(picks, key=lambda p: (cost[p], values[p]))
            frontier = [int(c) for k in lines_here for c in members[k]
                        if unknown[c] and c not in seen_cells]
            seen_cells.update(frontier)
        return None

    for _ in range(values.size + 1):
        unknown = hidden | ~published
        pick = None
        for line in members:
            # the rule of two: a hidden cell alone among the unknowns of a shown equation
            # is that equation solved
            alone = line[unknown[line]]
            if alone.size == 1 and (hidden[alone[0]] or small[alone[0]]):
                pick = companion_near(int(alone[0]))
                if pick is not None:
                    break
        if pick is None:
            primary = hidden & small
            lower = np.where(primary, 1.0, np.where(hidden & published, float(min_cell), 0.0))
            lower = np.minimum(lower, values)  # a cell hidden from outside may be small or 0
            upper = np.where(primary, float(min_cell - 1),
                             np.where(hidden & (values == 0), 0.0, np.inf))
            for cell in np.flatnonzero(unknown & small):
                lo, hi = _feasible_range(values, lines, unknown, lower, upper, int(cell))
                if hi - lo < 0.5:
                    pick = companion_near(int(cell))
                    if pick is not None:
                        break
        if pick is None:
            return hidden
        hidden[pick] = True
    return hidden


def _table_lines(n_rows: int, n_cols: int, totals: str) -> tuple[list[np.ndarray], np.ndarray]:
    """Equations of a (n_rows + 1) x (n_cols + 1) table whose last row/column hold totals."""
    shape = (n_rows + 1, n_cols + 1)
    lines = []
    for i in range(n_rows + 1):
        coef = np.zeros(shape)
        coef[i, :n_cols], coef[i, n_cols] = 1.0, -1.0
        lines.append(coef.ravel())
    for j in range(n_cols + 1):
        coef = np.zeros(shape)
        coef[:n_rows, j], coef[n_rows, j] = 1.0, -1.0
        lines.append(coef.ravel())
    published = np.ones(shape, bool)
    if totals in ("columns", "none"):
        published[:, n_cols] = False
    if totals in ("rows", "none"):
        published[n_rows, :] = False
    cost = np.zeros(shape)
    cost[:, n_cols] += 1.0
    cost[n_rows, :] += 2.0
    return lines, np.stack([published.ravel(), cost.ravel()])


def suppress_small_cells(
    counts: pd.DataFrame | pd.Series,
    min_cell: int = 5,
    *,
    totals: str = "both",
    unpublished: pd.DataFrame | pd.Series | None = None,
    hidden: pd.DataFrame | pd.Series | None = None,
) -> pd.DataFrame | pd.Series:
    """Hide small counts and enough other cells that none can be recomputed.

    Primary suppression hides every count from 1 to ``min_cell - 1``
    (zeros stay shown). Complementary suppression then hides further cells,
    smallest non-zero count first, until no small count can be recomputed
    from the totals shown: in every row and column with a shown total, a
    hidden cell always has at least one hidden companion, and, beyond this
    rule of two, each small count's feasible range given every shown cell and
    total (found by linear programming) contains more than one value. Totals
    are counts too: a total from 1 to ``min_cell - 1`` is hidden, and a hidden
    total needs a hidden companion among the totals.

    Parameters
    ----------
    counts : DataFrame or Series
        Non-negative integer counts, without totals. A Series is one column
        (e.g. subgroup sizes) whose total is shown.
    min_cell : int, default=5
        Smallest count shown; 1 disables suppression.
    totals : {"both", "rows", "columns", "none"}, default="both"
        Which totals the reader sees: row totals (a ``"Total"`` column),
        column totals (a ``"Total"`` row), both (with the grand total) or none.
        For a Series, ``"both"`` and ``"columns"`` mean its total is shown.
    unpublished : DataFrame or Series of bool, optional
        Cells that are never shown (e.g. the "no" row of a yes/no variable);
        they are unknowns to the reader and are protected like the others
        when they are small.
    hidden : DataFrame or Series of bool, optional
        Cells that must be hidden whatever their count (e.g. the size of a
        subgroup already hidden elsewhere in the report). May include the
        ``"Total"`` row and column.

    Returns
    -------
    DataFrame or Series
        The counts with their totals (``"Total"`` row and/or column, or a
        ``"Total"`` entry for a Series) as nullable integers; hidden and
        unpublished cells are ``<NA>``. A hidden count from 1 to
        ``min_cell - 1`` is primary, any other hidden count complementary.

    Public as :func:`stratify.report.suppress_small_cells`.

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.report import suppress_small_cells
    >>> sex = pd.DataFrame({"S1": [40, 3], "S2": [30, 12]}, index=["F", "M"])
    >>> suppress_small_cells(sex)
            S1    S2  Total
    F     <NA>  <NA>     70
    M     <NA>  <NA>     15
    Total   43    42     85
    >>> suppress_small_cells(pd.Series({"S1": 40, "S2": 3, "S3": 52}))
    S1       <NA>
    S2       <NA>
    S3         52
    Total      95
    dtype: Int64
    """
    if not isinstance(min_cell, (int, np.integer)) or isinstance(min_cell, bool) \
            or min_cell < 1:
        raise ValueError(f"The 'min_cell' parameter of suppress_small_cells must be an "
                         f"integer >= 1. Got {min_cell!r} instead.")
    if totals not in ("both", "rows", "columns", "none"):
        raise ValueError("The 'totals' parameter of suppress_small_cells must be one of "
                         f"'both', 'rows', 'columns', 'none'. Got {totals!r} instead.")
    series = isinstance(counts, pd.Series)
    frame = counts.to_frame(TOTAL + " ") if series else counts
    if series:
        totals = "rows" if totals in ("both", "columns") else "none"
        frame = frame.T
    values = frame.to_numpy(dtype=float)
    if np.isnan(values).any() or (values < 0).any() or (values != np.round(values)).any():
        raise ValueError("suppress_small_cells expects non-negative whole counts; "
                         f"{int((np.isnan(values) | (values < 0)).sum())} cell(s) are "
                         "missing or negative, or some are not whole numbers.")
    n_rows, n_cols = values.shape
    full = np.zeros((n_rows + 1, n_cols + 1))
    full[:n_rows, :n_cols] = values
    full[:n_rows, n_cols] = values.sum(axis=1)
    full[n_rows, :n_cols] = values.sum(axis=0)
    full[n_rows, n_cols] = values.sum()
    lines, (published, cost) = _table_lines(n_rows, n_cols, totals)
    published = published.astype(bool)
    rows, cols = [*frame.index, TOTAL], [*frame.columns, TOTAL]

    def grid(mask: pd.DataFrame | pd.Series | None) -> np.ndarray:
        out = np.zeros(full.shape, bool)
        if mask is None:
            return out
        if series:
            out[0] = pd.Series(mask).reindex(cols).eq(True).to_numpy()
            return out.ravel()
        return pd.DataFrame(mask).reindex(index=rows, columns=cols).eq(True).to_numpy().ravel()

    never = grid(unpublished)
    published = published & ~never.ravel()
    forced = grid(hidden).ravel()
    hide = _protect(full.ravel(), lines, int(min_cell), published=published, cost=cost,
                    hidden=forced)
    out = pd.DataFrame(full.astype("int64"), index=rows, columns=cols).astype("Int64")
    out = out.mask((hide | ~published).reshape(full.shape))
    if series:
        result = out.iloc[0]
        result.name = counts.name
        return result
    if totals in ("columns", "none"):
        out = out.drop(columns=TOTAL)
    if totals in ("rows", "none"):
        out = out.drop(index=TOTAL)
    return out


def small_count_texts(counts: pd.Series, min_cell: int = MIN_CELL) -> pd.Series:
    """Counts as text with those from 1 to ``min_cell - 1``, and missing ones, as ``"<5"``.

    No complementary cell is hidden: for counts whose total is not shown.

    Examples
    --------
    >>> import pandas as pd
    >>> small_count_texts(pd.Series([0, 3, 12, pd.NA], dtype=object)).tolist()
    ['0', '<5', '12', '<5']
    """
    hidden = f"<{min_cell}"
    return counts.map(lambda v: hidden if pd.isna(v) or 0 < int(v) < min_cell else str(v))
