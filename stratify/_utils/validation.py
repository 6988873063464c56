"""The validation vocabulary shared by every subpackage: one broken rule
(:class:`Problem`), all of them at once (:class:`SchemaError`), and the check of
one numeric column against its schema variable.

:mod:`stratify.data` re-exports :class:`Problem` and :class:`SchemaError`; that is
where users find them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .rows import list_ids, row_ids

SENTINELS = {-99.0, -9.0, -1.0, 99.0, 999.0, 9999.0, 888.0, 777.0}
"""Codes that exports use for a missing value; a value outside the range that is
one of them is reported as a sentinel to map to missing."""


@dataclass(frozen=True)
class Problem:
    """One violated rule.

    Attributes
    ----------
    column : str
        The column (``"patient_id"`` for identifier problems, ``"<columns>"``
        for problems with the set of columns).
    rule : str
        The rule that was violated, in words.
    rows : tuple of str
        Up to 5 offending patient ids (or row numbers when ids are missing).
    n_rows : int
        How many rows violate the rule in all.
    """

    column: str
    rule: str
    rows: tuple[str, ...] = ()
    n_rows: int = 0

    def __str__(self) -> str:
        text = f"column {self.column!r}: {self.rule}"
        if self.n_rows:
            noun = "row" if self.n_rows == 1 else "rows"
            text += f" ({self.n_rows} {noun}: {list_ids(self.rows, self.n_rows)})"
        return text


class SchemaError(ValueError):
    """Raised when data break the schema; lists every problem found.

    The message names the column, up to five offending patient ids and the
    rule; it never contains the offending values themselves.

    Attributes
    ----------
    problems : list of Problem
    source : str or None
        The file or centre the data came from, when known.
    """

    def __init__(self, problems: Sequence[Problem], source: str | None = None):
        self.problems = list(problems)
        self.source = source
        where = f" in {source}" if source else ""
        lines = [f"{len(self.problems)} problem(s) with the data{where}:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))

    def __reduce__(self):
        return (type(self), (self.problems, self.source))


def check_numeric_values(values: pd.Series, var: Any, problems: list[Problem]) -> pd.Series:
    """``values`` as float64 (NaN for missing), with every broken rule of the schema
    variable ``var`` (text, infinity, range or levels) appended to ``problems``."""
    index = values.index
    if pd.api.types.is_bool_dtype(values):
        values = values.astype(float)
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        stripped = values.astype("string").str.strip()
        blank = stripped.isna() | (stripped == "")
        numeric = pd.to_numeric(stripped.where(~blank), errors="coerce")
        bad = (~blank & numeric.isna()).to_numpy()
        if bad.any():
            rows, n = row_ids(index, bad)
            problems.append(Problem(var.name, "text where a number is expected", rows, n))
        values = numeric
    arr = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    inf = np.isinf(arr)
    if inf.any():
        rows, n = row_ids(index, inf)
        problems.append(Problem(var.name, "infinite values are not allowed", rows, n))
    finite = np.isfinite(arr)
    if var.kind in ("continuous", "time"):
        lo, hi = var.range if var.range is not None else (None, None)
        if var.kind == "time":
            lo = 0.0 if lo is None else max(lo, 0.0)
        bad = np.zeros(arr.shape, bool)
        if lo is not None:
            bad |= finite & (arr < lo)
        if hi is not None:
            bad |= finite & (arr > hi)
    else:
        levels = np.asarray(var.levels, dtype=float)
        bad = finite & ~np.isin(arr, levels)
    if bad.any():
        rows, n = row_ids(index, bad)
        rule = f"values must be {var.rule()}"
        if set(np.unique(arr[bad])) <= SENTINELS:
            rule += " (these look like missing-value sentinels: map them to missing)"
        problems.append(Problem(var.name, rule, rows, n))
    return pd.Series(arr, index=index, name=var.name)


def trusted_type_names(trusted: Any) -> list[str]:
    """The names of a ``trusted=`` list of persisted types (names or types), checked."""
    if trusted is None:
        return []
    if trusted is True or isinstance(trusted, (str, type)) or not isinstance(trusted, Iterable):
        raise TypeError("The 'trusted' parameter of load must be None or a list of type names "
                        "(str) or types. Got " + repr(trusted) + " instead.")
    names = []
    for t in trusted:
        if isinstance(t, type):
            names.append(f"{t.__module__}.{t.__qualname__}")
        elif isinstance(t, str):
            names.append(t)
        else:
            raise TypeError("The 'trusted' parameter of load must list type names (str) or "
                            f"types. Got an item of type {type(t).__name__} instead.")
    return names
