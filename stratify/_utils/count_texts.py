"""Counts as the report prints them, protected by small-cell suppression.

The suppression itself (:func:`suppress_small_cells`, complementary cells audited
by linear programming) is shared by every layer and lives in
:mod:`stratify._utils.suppress`; these helpers turn its output into the texts
``"12"``, ``"<5"`` and ``"(s)"``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .suppress import TOTAL, suppress_small_cells

__all__ = ["TOTAL", "confusion_texts", "count_texts", "exclusion_texts", "size_texts", "suppress_small_cells"]


def count_texts(counts: pd.DataFrame | pd.Series, shown: pd.DataFrame | pd.Series,
                min_cell: int = 5) -> pd.DataFrame | pd.Series:
    """Counts as printed: shown ones as numbers, hidden ones as ``"<5"`` or ``"(s)"``.

    ``shown`` is the output of :func:`suppress_small_cells` on ``counts`` (or a
    part of it with the same labels): a hidden count from 1 to ``min_cell - 1``
    becomes ``"<5"`` (for ``min_cell=5``), any other hidden count ``"(s)"``.

    Examples
    --------
    >>> import pandas as pd
    >>> sizes = pd.Series({"S1": 40, "S2": 3, "S3": 52})
    >>> count_texts(sizes, suppress_small_cells(sizes)).tolist()
    ['(s)', '<5', '52', '95']
    """
    def mark(n: Any, s: Any) -> str:
        if pd.notna(s):
            return str(int(s))
        return f"<{min_cell}" if 0 < n < min_cell else "(s)"

    if isinstance(shown, pd.Series):
        values = pd.Series(counts).reindex(shown.index)
        if TOTAL in shown.index and TOTAL not in pd.Series(counts).index:
            values[TOTAL] = pd.Series(counts).sum()
        return pd.Series([mark(n, s) for n, s in zip(values, shown, strict=True)],
                         index=shown.index, dtype=object, name=shown.name)
    full = pd.DataFrame(counts).copy()
    full[TOTAL] = full.sum(axis=1)
    full.loc[TOTAL] = full.sum(axis=0)
    full = full.reindex(index=shown.index, columns=shown.columns)
    return pd.DataFrame([[mark(full.iloc[i, j], shown.iloc[i, j])
                          for j in range(shown.shape[1])] for i in range(shown.shape[0])],
                        index=shown.index, columns=shown.columns, dtype=object)


def size_texts(sizes: pd.Series, min_cell: int = 5) -> pd.Series:
    """Group sizes as printed: counts, ``"<5"`` for small ones, ``"(s)"`` for companions.

    The total (the number of patients) is taken as known, so one small group
    always comes with a hidden companion.

    Examples
    --------
    >>> import pandas as pd
    >>> size_texts(pd.Series({"S1": 40, "S2": 3, "S3": 52})).tolist()
    ['(s)', '<5', '52']
    """
    sizes = sizes.astype("int64")
    texts = count_texts(sizes, suppress_small_cells(sizes, min_cell), min_cell)
    return texts.drop(TOTAL).rename(None)


def exclusion_texts(excluded: pd.DataFrame, min_cell: int = 5) -> pd.Series:
    """Patients excluded from each step for each reason, as printed, small counts protected.

    The counts form a table of reasons by steps whose column totals (the
    patients excluded from a step) a reader may know from the numbers of
    patients before and after the step; a step's small count therefore gets a
    hidden companion among its other reasons. A step with one reason and
    fewer than ``min_cell`` exclusions is shown as ``"<5"``; its count can
    still be recovered wherever the report shows the number of patients before
    and after that step.

    Parameters
    ----------
    excluded : DataFrame
        One row per patient and step left out, with ``step`` and ``reason``.
    min_cell : int, default=5

    Returns
    -------
    Series
        Text (``"12"``, ``"<5"``, ``"(s)"``) indexed by (``step``, ``reason``),
        in the order of first appearance.

    Examples
    --------
    >>> import pandas as pd
    >>> excluded = pd.DataFrame({"patient_id": [f"p{i}" for i in range(23)],
    ...                          "step": ["cluster"] * 23,
    ...                          "reason": ["no data"] * 3 + ["small centre"] * 20})
    >>> exclusion_texts(excluded).tolist()
    ['<5', '(s)']
    """
    counts = excluded.groupby(["step", "reason"], sort=False).size()
    if counts.empty:
        return pd.Series([], index=counts.index, dtype=object)
    table = counts.unstack("step", fill_value=0)
    texts = count_texts(table, suppress_small_cells(table, min_cell, totals="columns"),
                        min_cell)
    return pd.Series([texts.loc[reason, step] for step, reason in counts.index],
                     index=counts.index, dtype=object, name="patients")


def confusion_texts(matrix: pd.DataFrame, labels: pd.Series | None, min_cell: int = 5
                    ) -> tuple[pd.DataFrame, pd.Series]:
    """The confusion matrix's counts as printed, and which rows may show shares.

    A reader knows each row's total (the subgroup's size, printed "At a
    glance" unless hidden there) and the number of patients, so the matrix
    is protected with those margins: small counts and their complementary
    cells are hidden (see :func:`suppress_small_cells`), row totals hidden
    "At a glance" stay hidden. A share is printed, and a cell coloured, only
    where the row total is printed: a share of a hidden total gives it away.

    Examples
    --------
    >>> import pandas as pd
    >>> matrix = pd.DataFrame([[39, 0], [1, 34]], index=["S1", "S2"], columns=["S1", "S2"])
    >>> texts, share_shown = confusion_texts(matrix, None)
    >>> texts.loc["S2"].tolist()  # 34 alone would give the 1 back as 35 - 34
    ['<5', '(s)']
    """
    counts = matrix.astype("int64")
    forced = pd.DataFrame(False, index=[*counts.index, TOTAL], columns=[*counts.columns, TOTAL])
    if labels is not None:
        marks = size_texts(labels.value_counts(), min_cell)
        hidden = {str(g) for g, m in marks.items() if not m.isdigit()}
        forced.loc[[g for g in counts.index if str(g) in hidden], TOTAL] = True
    # the number predicted into each subgroup is not printed; the grand total is
    unpublished = pd.DataFrame(False, index=forced.index, columns=forced.columns)
    unpublished.loc[TOTAL, list(counts.columns)] = True
    shown = suppress_small_cells(counts, min_cell, unpublished=unpublished, hidden=forced)
    texts = count_texts(counts, shown, min_cell).loc[list(counts.index), list(counts.columns)]
    return texts, shown[TOTAL].drop(TOTAL).notna()
