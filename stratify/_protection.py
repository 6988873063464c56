"""Small-cell protection of the workflow's tables, as saved and as the report shows them.

Each function takes a table a step computed and returns it with every value
that would give back a count from 1 to ``min_cell - 1`` hidden (left empty),
together with the complementary values that would let a reader recompute it
from the totals shown. The rules are documented in the workflow guide and
tested by recomputing hidden counts from what is shown
(``tests/report/test_report_suppression*.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["protected_calibration", "protected_metrics", "protected_profile",
           "protected_replication", "protected_scores"]


def protected_scores(scores: pd.DataFrame, n: int, min_cell: int) -> pd.DataFrame:
    """The clustering's scores by k without a share that gives a small subgroup away.

    ``smallest`` (the share of patients in the smallest subgroup) times the
    number of patients is that subgroup's size: it is left empty where the
    size is from 1 to ``min_cell - 1`` (the size hidden "At a glance").
    """
    if "smallest" not in scores.columns:
        return scores
    size = (scores["smallest"] * n).round()
    scores = scores.copy()
    scores.loc[(size > 0) & (size < min_cell), "smallest"] = np.nan
    return scores


# statistics of a profile row that give a binary feature's count away (with
# the row's n, or with the overall proportion, which the other rows give)
_BINARY_STATISTICS = ["mean", "sd", "median", "proportion", "mean_rest", "difference",
                      "effect_size", "p_value", "q_value"]


def protected_profile(table: pd.DataFrame, sizes: pd.Series, min_cell: int) -> pd.DataFrame:
    """The profile with no count from 1 to ``min_cell - 1`` that can be recomputed.

    Each feature is a table of counts by subgroup: observed and missing
    patients (for a binary feature: the patients with 1, with 0 and with
    the value missing), whose column totals are the subgroup sizes and row
    totals the cohort's counts; it is protected with complementary cells
    (:func:`stratify.report.suppress_small_cells`), the sizes hidden "At a
    glance" hidden too. A row with a hidden count loses ``n`` and
    ``n_missing``; a binary row with a hidden 1 or 0 count also loses every
    statistic that gives it back (mean, SD, median, proportion, the rest's
    mean, difference, effect size, and the p- and q-value of Fisher's test,
    a function of the count once the margins are known); a subgroup whose
    size is hidden loses every statistic (a mean of 3 patients is their
    data). ``suppressed`` marks the rows with hidden cells.
    """
    from .report import suppress_small_cells

    if table.empty or min_cell <= 1:
        return table.assign(suppressed=False)
    out = table.copy()
    out["suppressed"] = False
    subgroups = list(sizes.index)
    sizes_hidden = suppress_small_cells(sizes.astype("int64"), min_cell).drop("Total").isna()
    for _, rows in table.groupby("feature", sort=False):
        binary = bool((rows["kind"] == "binary").all())
        by = rows.set_index("subgroup").reindex(subgroups)
        observed = by["n"].fillna(0).astype("int64")
        missing = by["n_missing"].fillna(0).astype("int64")
        if binary:
            ones = (by["proportion"].fillna(0) * observed).round().astype("int64")
            cells = pd.DataFrame([ones, observed - ones, missing], index=["1", "0", "missing"])
        else:
            cells = pd.DataFrame([observed, missing], index=["observed", "missing"])
        forced = pd.DataFrame(False, index=[*cells.index, "Total"],
                              columns=[*subgroups, "Total"])
        forced.loc["Total", subgroups] = sizes_hidden.reindex(subgroups).to_numpy()
        shown = suppress_small_cells(cells, min_cell, hidden=forced)
        hidden_counts = shown.loc[cells.index, subgroups].isna().any(axis=0)
        for subgroup in subgroups:
            index = rows.index[rows["subgroup"] == subgroup]
            if not len(index):
                continue
            columns: list[str] = []
            if bool(sizes_hidden.get(subgroup, False)):
                columns = [c for c in table.columns
                           if c not in ("feature", "subgroup", "kind", "test", "inference")]
            elif bool(hidden_counts[subgroup]):
                columns = ["n", "n_missing"]
                if binary and bool(shown.loc[["1", "0"], subgroup].isna().any()):
                    columns += _BINARY_STATISTICS
            if columns:
                columns = [c for c in columns if c in out.columns]
                out.loc[index, columns] = np.nan
                out.loc[index, "suppressed"] = True
    return out


def protected_metrics(metrics: pd.DataFrame, confusion: pd.DataFrame | None,
                       labels: pd.Series, min_cell: int) -> pd.DataFrame:
    """The classifier's metrics without a value that gives a hidden count back.

    The report prints the confusion matrix with small counts and their
    complementary cells hidden
    (:func:`~stratify._utils.count_texts.confusion_texts`). Three metrics are
    functions of its counts and the printed subgroup sizes alone:

    - ``recall[c]`` times subgroup c's size is c's diagonal count: hidden
      (estimate and interval) where that count is hidden;
    - the balanced accuracy is the mean of the recalls, a linear equation in
      the diagonal counts: its estimate is withheld when any diagonal count
      is hidden (its interval, from resampled patients, is kept);
    - the macro F1 also uses the numbers predicted into each subgroup, the
      columns' totals: its estimate is withheld when any count is hidden.

    ``suppressed`` marks the changed rows.
    """
    from ._utils.count_texts import confusion_texts

    if confusion is None or min_cell <= 1 or metrics.empty:
        return metrics
    texts, _ = confusion_texts(confusion, labels, min_cell)
    hidden = ~texts.map(str.isdigit)
    if not hidden.to_numpy().any():
        return metrics
    diagonal = {c: bool(hidden.loc[c, c]) for c in confusion.index if c in hidden.columns}
    recalls = [f"recall[{c}]" for c, h in diagonal.items() if h]
    estimates = ["macro_f1"] + (["balanced_accuracy"] if any(diagonal.values()) else [])
    recalls = [m for m in recalls if m in metrics.index]
    estimates = [m for m in estimates if m in metrics.index]
    out = metrics.copy()
    out["suppressed"] = False
    numeric = list(metrics.select_dtypes("number").columns)
    out.loc[recalls, numeric] = np.nan
    out.loc[estimates, "estimate"] = np.nan
    out.loc[recalls + estimates, "suppressed"] = True
    return out


def protected_calibration(table: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Risk groups of fewer than ``min_cell`` patients keep no count and no observed risk
    (the Kaplan-Meier risk of 3 patients is their outcomes)."""
    if "n" not in table.columns:
        return table
    small = (table["n"] > 0) & (table["n"] < min_cell)
    if not small.any():
        return table
    table = table.copy()
    columns = [c for c in table.columns if c == "n" or c.startswith("observed")]
    table[columns] = table[columns].astype("float64")
    table.loc[small, columns] = np.nan
    return table


def protected_replication(table: pd.DataFrame, by_subgroup: pd.DataFrame, min_cell: int
                           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The replication tables with their small counts protected, as the report shows them.

    Each count column (external patients per transferred subgroup, per
    external cluster) adds up to the number of external patients shown
    beside it, so it is protected with that total (``"<5"``, ``"(s)"``: see
    :func:`stratify.report.suppress_small_cells`). A subgroup whose number of
    transferred patients is hidden also has its in-group proportion hidden
    (a fraction such as 13/14 gives its denominator away), and so has the
    minimum in-group proportion when a hidden subgroup attains it.
    """
    from ._utils.count_texts import TOTAL, count_texts, suppress_small_cells

    by_subgroup = by_subgroup.copy()
    hidden = np.zeros(len(by_subgroup), dtype=bool)
    for column in ("n_transferred", "n_external_cluster"):
        if column not in by_subgroup.columns:
            continue
        counts = by_subgroup[column].astype("int64")
        shown = suppress_small_cells(counts, min_cell).drop(TOTAL)
        by_subgroup[column] = count_texts(counts, shown, min_cell)
        if column == "n_transferred":
            hidden = shown.isna().to_numpy()
    if hidden.any() and "in_group_proportion" in by_subgroup.columns:
        igp = by_subgroup["in_group_proportion"].to_numpy(dtype=float)
        lowest = np.nanmin(igp) if np.isfinite(igp).any() else np.nan
        if "in_group_proportion_min" in table.columns and (
                np.isnan(lowest) or np.any(igp[hidden] <= lowest)):
            table = table.copy()
            table["in_group_proportion_min"] = np.nan
        by_subgroup.loc[hidden, "in_group_proportion"] = np.nan
    return table, by_subgroup
