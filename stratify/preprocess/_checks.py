"""Input checks shared by the preprocessing and imputation estimators.

Every check runs before any work and raises ``ValueError`` naming the column,
up to five patient ids and the rule; patient-level values never appear in a
message.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

MAX_SHOWN = 5


def describe_rows(index: pd.Index, mask: np.ndarray) -> str:
    """``"3 rows: p1, p7, p9"`` for the rows where ``mask`` is true (at most 5 ids)."""
    hits = np.flatnonzero(mask)
    shown = ", ".join(str(index[i]) for i in hits[:MAX_SHOWN])
    more = f" and {hits.size - MAX_SHOWN} more" if hits.size > MAX_SHOWN else ""
    return f"{hits.size} row{'s' if hits.size != 1 else ''}: {shown}{more}"


def _quote(names: Sequence[object]) -> str:
    names = list(names)
    shown = ", ".join(repr(str(n)) for n in names[:MAX_SHOWN])
    return shown + (f" and {len(names) - MAX_SHOWN} more" if len(names) > MAX_SHOWN else "")


def check_numeric_columns(X: pd.DataFrame, columns: Sequence[object], *, who: str) -> None:
    """Raise when one of ``columns`` of ``X`` does not hold numbers.

    Booleans and pandas nullable numeric dtypes count as numbers. Duplicated
    column names are refused first (a feature must be one column).
    """
    duplicated = list(dict.fromkeys(X.columns[X.columns.duplicated()]))
    if duplicated:
        raise ValueError(
            f"{who}: column name(s) {_quote(duplicated)} appear more than once; each "
            "feature must be one column (drop the repeats, e.g. X.loc[:, "
            "~X.columns.duplicated()])."
        )
    bad = [c for c in columns
           if not (pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]))]
    if bad:
        raise ValueError(
            f"{who} needs numeric features; column(s) {_quote(bad)} hold text or mixed "
            "values. Encode them first (e.g. stratify.preprocess.make_preprocessor) or "
            "leave them out."
        )


def as_float_array(X: pd.DataFrame) -> np.ndarray:
    """``X`` as float64 with NaN for every missing value (pd.NA included)."""
    return X.astype("float64").to_numpy(dtype=float, na_value=np.nan)


def check_no_empty_columns(values: np.ndarray, names: Sequence[object], *, who: str) -> None:
    """Raise when a column of ``values`` has no observed value."""
    empty = [names[int(j)] for j in np.flatnonzero(np.isnan(values).all(axis=0))]
    if empty:
        raise ValueError(
            f"{who}: column(s) {_quote(empty)} have no observed value, so nothing can be "
            "learned about them; drop them before fitting."
        )
