"""Input checks of numeric feature frames shared by the estimators.

Every check runs before any work and raises ``ValueError`` naming the column,
up to five patient ids and the rule; patient-level values never appear in a
message.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .rows import quote_names


def is_numeric(values: pd.Series) -> bool:
    """Whether a column holds numbers (booleans and nullable numeric dtypes count)."""
    return bool(pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values))


def check_numeric_columns(X: pd.DataFrame, columns: Sequence[object], *, who: str) -> None:
    """Raise when one of ``columns`` of ``X`` does not hold numbers.

    Booleans and pandas nullable numeric dtypes count as numbers. Duplicated
    column names are refused first (a feature must be one column).
    """
    duplicated = list(dict.fromkeys(X.columns[X.columns.duplicated()]))
    if duplicated:
        raise ValueError(
            f"{who}: column name(s) {quote_names(duplicated)} appear more than once; each "
            "feature must be one column (drop the repeats, e.g. X.loc[:, "
            "~X.columns.duplicated()])."
        )
    bad = [c for c in columns if not is_numeric(X[c])]
    if bad:
        raise ValueError(
            f"{who} needs numeric features; column(s) {quote_names(bad)} hold text or mixed "
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
            f"{who}: column(s) {quote_names(empty)} have no observed value, so nothing can be "
            "learned about them; drop them before fitting."
        )
