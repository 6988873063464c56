"""Table 1 by subgroup: summaries, tests, SMDs, missingness, small cells suppressed."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._utils.kinds import column_kind
from .._utils.stats import standardized_difference
from .._utils.suppress import TOTAL, suppress_small_cells
from ..data import PSS_SCHEMA, Schema

__all__ = ["table_one", "suppress_small"]

_SUPPRESSED = "<{min_cell}"
_COMPLEMENTARY = "(s)"


_MISSING_ROW = "(missing)"


def _fmt_count(n: int, total: int, min_cell: int) -> tuple[str, bool]:
    if 0 < n < min_cell:
        return _SUPPRESSED.format(min_cell=min_cell), True
    pct = 100.0 * n / total if total else np.nan
    return f"{n} ({pct:.1f})", False


def _fmt_cell(n: int, total: int, hidden: bool, with_share: bool, min_cell: int) -> str:
    """A count and its percentage; hidden counts by their mark, shares only when the
    denominator can be published."""
    if hidden:
        return _SUPPRESSED.format(min_cell=min_cell) if 0 < n < min_cell else _COMPLEMENTARY
    if not with_share:
        return str(n)
    pct = 100.0 * n / total if total else np.nan
    return f"{n} ({pct:.1f})"


def _level_counts(series: pd.Series, groups: pd.Series, levels: list, kind: str
                  ) -> pd.DataFrame:
    """Counts per level and group, with the missing values as a last row."""
    table = pd.crosstab(series, groups).reindex(columns=levels, fill_value=0)
    if kind == "binary":
        table = table.reindex(sorted(set(table.index) | {0, 1}), fill_value=0)
    sizes = groups.value_counts().reindex(levels, fill_value=0)
    table.loc[_MISSING_ROW] = (sizes - table.sum(axis=0)).to_numpy()
    return table.astype("int64")


def _suppressed_levels(table: pd.DataFrame, kind: str, hidden_sizes: pd.Series,
                       min_cell: int) -> pd.DataFrame:
    """Which counts of a variable's table (levels x groups, with totals) are hidden.

    The missing count of each group is not printed but a reader gets it from a
    percentage (count / share = observed, and the group size is printed), so it is
    protected as a published cell; a binary variable's 0 row is not printed.
    """
    unpublished = pd.DataFrame(False, index=table.index, columns=[*table.columns, TOTAL])
    if kind == "binary":
        unpublished.loc[[v for v in table.index if v != _MISSING_ROW and v != 1]] = True
    forced = pd.DataFrame(False, index=[*table.index, TOTAL], columns=[*table.columns, TOTAL])
    forced.loc[TOTAL, hidden_sizes.index] = hidden_sizes.to_numpy()
    shown = suppress_small_cells(table, min_cell, unpublished=unpublished, hidden=forced)
    return shown.isna() & ~unpublished.reindex(shown.index, fill_value=False)


def _smd_continuous(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2 or len(b) < 2:
        return np.nan
    smd = standardized_difference(np.mean(a), np.mean(b), np.var(a, ddof=1), np.var(b, ddof=1))
    return float(abs(smd)) if np.isfinite(smd) else 0.0


def _smd_proportion(p: float, q: float) -> float:
    smd = standardized_difference(p, q, p * (1 - p), q * (1 - q))
    return float(abs(smd)) if np.isfinite(smd) else 0.0


def _max_pairwise(values: list, func) -> float:
    smds = [func(a, b) for a, b in combinations(values, 2)]
    smds = [s for s in smds if np.isfinite(s)]
    return max(smds) if smds else np.nan


def _kind(col: str, series: pd.Series, schema: Schema) -> str:
    """The schema's kind (an event counts as categorical), else from the values."""
    return column_kind(col, schema, series, binary=True,
                       rename={"id": None, "time": None, "event": "categorical"})


def table_one(
    df: pd.DataFrame,
    groupby: str | pd.Series,
    *,
    columns: Iterable[str] | None = None,
    min_cell: int = 5,
    nonnormal: Iterable[str] | None = None,
    schema: Schema = PSS_SCHEMA,
    clustered: Any = None,
) -> pd.DataFrame:
    """Table 1: patient characteristics by subgroup.

    Continuous variables are summarised as mean (SD) and compared by one-way
    ANOVA, or as median [Q1, Q3] with the Kruskal-Wallis test when listed in
    ``nonnormal`` (ordinal variables always are). Binary variables show the
    count (%) of positives and categorical variables one row per level, both
    compared with the chi-square test (Fisher's exact test for 2 x 2 tables
    with an expected count below 5). ``SMD`` is the standardized mean
    difference (the largest over pairs of groups when there are more than
    two). P-values are adjusted across variables by Benjamini-Hochberg (``q``).

    Small cells (see :func:`suppress_small_cells`): every count between 1 and
    ``min_cell - 1`` is shown as ``"<5"``, and further cells are hidden as
    ``"(s)"`` (complementary suppression) until no hidden count can be
    recomputed from what the table shows: the overall counts, the group
    sizes, the number of patients, the missing counts and the counts a
    percentage reveals. For each categorical variable the protected table is
    levels (all of them, also the 0 row of a yes/no variable that is not
    printed) plus missing, by group, with its totals. A percentage is
    printed only when its denominator (the patients with a value in the
    group) can be published; group sizes below ``min_cell`` are hidden, with
    a companion so that the number of patients does not give them away, and
    summaries of groups with fewer than ``min_cell`` values are suppressed.

    Parameters
    ----------
    df : DataFrame
        One row per patient.
    groupby : str or Series
        Column of ``df`` holding the subgroup, or labels aligned with ``df``'s index.
    columns : iterable of str, optional
        Variables to describe (default: every column of ``df`` but the grouping).
    min_cell : int, default=5
        Smallest count shown; ``min_cell=1`` disables suppression.
    nonnormal : iterable of str, optional
        Continuous variables summarised by median [IQR] and tested by Kruskal-Wallis.
    schema : Schema, default=PSS_SCHEMA
        Decides the kind of each variable (inferred for columns it does not know).
    clustered : None or iterable of str, default=None
        The variables the groups were found from. Groups found by clustering
        differ on those variables by construction, so their tests are not
        tests: their ``test`` says ``"descriptive"`` and p and q are left
        empty. The other variables are tested (their q over them only):
        the groups do not depend on them. ``None`` (the origin of the groups
        unknown) keeps every p, and ``attrs["inference"]`` is
        ``"descriptive"``; ``[]`` says the groups come from elsewhere (an
        arm, a clinical criterion) and ``attrs["inference"]`` is ``"tests"``.

    Returns
    -------
    DataFrame
        Indexed by (variable, level); columns ``Overall``, one per group,
        ``Missing``, ``test``, ``p``, ``q``, ``SMD``. Use ``.to_csv`` and
        ``.to_html`` to export. ``attrs["n"]`` holds group sizes (hidden as
        ``"<5"`` below ``min_cell``, ``"(s)"`` as their companions);
        ``attrs["inference"]`` says what p and q are worth (see ``clustered``).

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.report import table_one
    >>> df = pd.DataFrame({"age": [50, 52, 61, 48, 70, 66, 59, 44, 63, 58, 49, 71],
    ...                    "anti_ro": [1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1],
    ...                    "group": list("AAAAAABBBBBB")})
    >>> t = table_one(df, "group")
    >>> t.loc[("anti_ro", "1"), ["Overall", "A", "B"]].tolist()
    ['(s)', '(s)', '<5']
    >>> t.loc[("age", ""), "A"]
    '57.8 (9.0)'
    """
    groups, data = _groups_and_data(df, groupby)
    if min_cell < 1:
        raise ValueError(f"min_cell must be >= 1; got {min_cell}.")
    if groups.isna().any():
        raise ValueError(
            f"{int(groups.isna().sum())} patient(s) have no subgroup; assign or exclude "
            "them explicitly before building Table 1."
        )
    cols = list(columns) if columns is not None else list(data.columns)
    absent = [c for c in cols if c not in data.columns]
    if absent:
        raise KeyError(f"Column(s) {absent} are not in the frame.")
    nonnormal = set(nonnormal or ())
    levels = sorted(groups.unique(), key=str)
    names = [str(g) for g in levels]
    masks = [(groups == g).to_numpy() for g in levels]
    if clustered is None:
        descriptive: set[str] = set()
        inference = "descriptive"
    else:
        descriptive = {str(c) for c in ([clustered] if isinstance(clustered, str)
                                         else clustered)}
        inference = "tests"
    sizes = [int(m.sum()) for m in masks]
    kinds = {col: _kind(col, data[col], schema) for col in cols}
    counted = [c for c in cols if kinds[c] not in ("continuous", "ordinal")]
    hidden_sizes, tables, hidden_cells = _protected_counts(data, groups, levels, kinds,
                                                           counted, sizes, min_cell)
    rows: list[dict] = []
    index: list[tuple[str, str]] = []
    for col in cols:
        series = data[col]
        if kinds[col] in ("continuous", "ordinal"):
            parts = [_measurement_row(series, masks, kinds[col] == "ordinal" or col in nonnormal,
                                      min_cell)]
        else:
            parts = _count_rows(series, groups, levels, kinds[col], np.array(sizes),
                                tables[col], hidden_cells[col], min_cell)
        for level, texts, overall, extra in parts:
            rows.append({"Overall": overall, **dict(zip(names, texts, strict=True)), **extra})
            index.append((col, level))

    out = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["variable", "level"]))
    found_from = out.index.get_level_values("variable").isin(sorted(descriptive))
    out.loc[found_from & (out["test"] != ""), "test"] = "descriptive"
    out.loc[found_from, "p"] = np.nan
    pvals = out["p"].to_numpy(float)
    q = np.full_like(pvals, np.nan)
    ok = np.isfinite(pvals)
    if ok.any():
        q[ok] = stats.false_discovery_control(pvals[ok], method="bh")
    out["q"] = q
    out = out[["summary", "Overall", *names, "Missing", "test", "p", "q", "SMD"]]
    out.attrs["inference"] = inference
    out.attrs["n"] = {
        name: (_fmt_cell(size, 0, bool(hide), False, min_cell) if hide else size)
        for name, size, hide in zip(names, sizes, hidden_sizes, strict=True)
    }
    return out


def _groups_and_data(df: pd.DataFrame, groupby: Any) -> tuple[pd.Series, pd.DataFrame]:
    """The subgroup of each patient and the variables to describe."""
    if isinstance(groupby, str):
        if groupby not in df.columns:
            raise KeyError(f"groupby column {groupby!r} is not in the frame.")
        return df[groupby], df.drop(columns=[groupby])
    groups = pd.Series(groupby)
    if not groups.index.equals(df.index):
        if len(groups) != len(df):
            raise ValueError(
                f"groupby has {len(groups)} labels for {len(df)} patients."
            )
        groups = pd.Series(np.asarray(groups), index=df.index)
    return groups, df


def _protected_counts(data: pd.DataFrame, groups: pd.Series, levels: list,
                      kinds: dict[str, str], counted: list[str], sizes: list[int],
                      min_cell: int) -> tuple[pd.Series, dict, dict]:
    """Which subgroup sizes are hidden, and each counted variable's table of counts with
    its hidden cells, protected together (complementary cells included)."""
    size_series = pd.Series(sizes, index=levels, dtype="int64")
    hidden_sizes = suppress_small_cells(size_series, min_cell).drop(TOTAL).isna()
    while True:
        # a variable's table may need a group size hidden that the sizes alone did not;
        # then every table hides it, and the sizes are protected again with it
        tables = {c: _level_counts(data[c], groups, levels, kinds[c]) for c in counted}
        hidden_cells = {c: _suppressed_levels(tables[c], kinds[c], hidden_sizes, min_cell)
                        for c in counted}
        extra_hidden = pd.Series(False, index=levels)
        for mask in hidden_cells.values():
            extra_hidden |= mask.loc[TOTAL, levels].to_numpy()
        if not (extra_hidden & ~hidden_sizes).any():
            return hidden_sizes, tables, hidden_cells
        hidden_sizes = suppress_small_cells(size_series, min_cell,
                                            hidden=hidden_sizes | extra_hidden
                                            ).drop(TOTAL).isna()


def _missing_text(series: pd.Series, min_cell: int) -> str:
    missing = int(series.isna().sum())
    return _fmt_count(missing, len(series), min_cell)[0] if missing else "0"


def _measurement_row(series: pd.Series, masks: list[np.ndarray], use_median: bool,
                     min_cell: int) -> tuple[str, list[str], str, dict]:
    """One row for a continuous or ordinal variable: mean (SD) or median [Q1, Q3] per
    subgroup, ANOVA or Kruskal-Wallis, the largest pairwise SMD."""
    values = pd.to_numeric(series, errors="coerce")
    per_group = [values[m].dropna().to_numpy(float) for m in masks]

    def summary(v: np.ndarray) -> str:
        if len(v) == 0:
            return ""
        if len(v) < min_cell:
            return f"n{_SUPPRESSED.format(min_cell=min_cell)}"
        if use_median:
            q1, med, q3 = np.percentile(v, [25, 50, 75])
            return f"{med:.1f} [{q1:.1f}, {q3:.1f}]"
        return f"{np.mean(v):.1f} ({np.std(v, ddof=1):.1f})"

    testable = [v for v in per_group if len(v) >= 2]
    p, test = np.nan, ""
    if len(testable) >= 2 and np.ptp(np.concatenate(testable)) > 0:
        if use_median:
            p, test = float(stats.kruskal(*testable).pvalue), "Kruskal-Wallis"
        else:
            p, test = float(stats.f_oneway(*testable).pvalue), "ANOVA"
    smd = _max_pairwise(per_group, _smd_continuous)
    label = "median [Q1, Q3]" if use_median else "mean (SD)"
    return ("", [summary(v) for v in per_group], summary(values.dropna().to_numpy()),
            {"Missing": _missing_text(series, min_cell), "test": test, "p": p, "SMD": smd,
             "summary": label})


def _count_rows(series: pd.Series, groups: pd.Series, levels: list, kind: str,
                sizes_arr: np.ndarray, counts_table: pd.DataFrame, hidden: pd.DataFrame,
                min_cell: int) -> list[tuple[str, list[str], str, dict]]:
    """Rows for a binary (its 1 level) or categorical variable (each level): n (%) per
    subgroup with the protected cells hidden, Fisher's or the chi-square test, the SMD of
    a proportion."""
    missing = int(series.isna().sum())
    observed = series.dropna()
    level_values = [1] if kind == "binary" else sorted(observed.unique(), key=str)
    table = pd.crosstab(series, groups).reindex(columns=levels, fill_value=0)
    test_table = table.loc[:, table.sum(axis=0) > 0]
    p, test = np.nan, ""
    if (test_table.shape[0] >= 2 and test_table.shape[1] >= 2
            and (test_table.sum(axis=1) > 0).sum() >= 2):
        expected = stats.contingency.expected_freq(test_table.to_numpy())
        if test_table.shape == (2, 2) and expected.min() < 5:
            p, test = float(stats.fisher_exact(test_table.to_numpy()).pvalue), "Fisher"
        else:
            p = float(stats.chi2_contingency(test_table.to_numpy())[1])
            test = "chi-square"
    props = [table.div(table.sum(axis=0).replace(0, np.nan), axis=1)[g] for g in levels]
    if kind == "binary":
        smd = _max_pairwise([float(pr.get(1, 0.0)) for pr in props], _smd_proportion)
    else:
        smd = np.nan  # multi-level SMD (Yang & Dalton 2012) omitted; see the test instead
    missing_row = hidden.loc[_MISSING_ROW]
    n_missing = counts_table.loc[_MISSING_ROW]
    observed_n = sizes_arr - n_missing.to_numpy()
    # a share reveals its denominator (the patients with a value), hence the missing
    share = {g: not missing_row[g] for g in levels}
    all_share = not missing_row[TOTAL]
    rows = []
    for k, value in enumerate(level_values):
        row_counts = counts_table.loc[value] if value in counts_table.index else None
        texts = [_fmt_cell(int(row_counts[g]) if row_counts is not None else 0,
                           int(observed_n[j]),
                           bool(hidden.loc[value, g]) if row_counts is not None else False,
                           share[g], min_cell) for j, g in enumerate(levels)]
        total = int(row_counts.sum()) if row_counts is not None else 0
        overall = _fmt_cell(total, int(observed_n.sum()),
                            bool(hidden.loc[value, TOTAL]) if row_counts is not None
                            else False, all_share, min_cell)
        first = k == 0
        level = (str(int(value)) if isinstance(value, float) and float(value).is_integer()
                 else str(value))
        miss_cell = _fmt_cell(missing, len(series), bool(missing_row[TOTAL]), True, min_cell)
        rows.append((level, texts, overall,
                     {"Missing": (miss_cell if missing else "0") if first else "",
                      "test": test if first else "",
                      "p": p if first else np.nan, "SMD": smd if first else np.nan,
                      "summary": "n (%)"}))
    return rows


def suppress_small(counts: pd.DataFrame | pd.Series, min_cell: int = 5):
    """Replace counts between 1 and ``min_cell - 1`` by ``"<min_cell"`` (as text).

    Examples
    --------
    >>> import pandas as pd
    >>> suppress_small(pd.Series([0, 3, 12])).tolist()
    ['0', '<5', '12']
    """
    def cell(v):
        if pd.isna(v):
            return ""
        v = int(v)
        return _SUPPRESSED.format(min_cell=min_cell) if 0 < v < min_cell else str(v)

    if isinstance(counts, pd.Series):
        return counts.map(cell)
    return counts.apply(lambda s: s.map(cell))
