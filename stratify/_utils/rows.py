"""The offending-rows formatter: which rows break a rule, in words, at most 5 ids.

Error messages name the column, up to :data:`MAX_SHOWN` patient ids and the
rule; patient-level values never appear in them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

MAX_SHOWN = 5
"""Patient ids (or column names) an error message lists at most."""


def row_ids(index: pd.Index, mask: np.ndarray) -> tuple[tuple[str, ...], int]:
    """The first :data:`MAX_SHOWN` ids of ``index`` where ``mask`` is true, and how many."""
    hits = np.flatnonzero(mask)
    return tuple(str(index[i]) for i in hits[:MAX_SHOWN]), int(hits.size)


def list_ids(ids: Sequence[object], n: int | None = None) -> str:
    """``"p1, p7 and 3 more"``: the ``ids`` given, and how many of ``n`` are not listed.

    Without ``n``, the first :data:`MAX_SHOWN` of ``ids`` are listed.
    """
    if n is None:
        n, ids = len(ids), ids[:MAX_SHOWN]
    more = f" and {n - len(ids)} more" if n > len(ids) else ""
    return ", ".join(str(i) for i in ids) + more


def describe_rows(index: pd.Index, mask: np.ndarray, *, noun: str | None = None) -> str:
    """``"3 rows: p1, p7, p9"`` for the rows where ``mask`` is true (at most 5 ids).

    ``noun`` replaces ``"row"``/``"rows"`` (e.g. ``"row(s)"``).
    """
    ids, n = row_ids(index, mask)
    if noun is None:
        noun = "row" if n == 1 else "rows"
    return f"{n} {noun}: {list_ids(ids, n)}"


def quote_names(names: Sequence[object]) -> str:
    """``"'a', 'b' and 2 more"``: column names quoted, at most :data:`MAX_SHOWN`."""
    names = list(names)
    shown = ", ".join(repr(str(n)) for n in names[:MAX_SHOWN])
    return shown + (f" and {len(names) - MAX_SHOWN} more" if len(names) > MAX_SHOWN else "")


def row_index(values: Any) -> pd.Index:
    """Patient ids of a pandas object, else row positions."""
    if isinstance(values, (pd.DataFrame, pd.Series)):
        return values.index
    return pd.RangeIndex(len(values))
