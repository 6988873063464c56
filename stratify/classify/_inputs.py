"""Checks of features, labels and groups, raised before any work starts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._frames import feature_names

MAX_ROWS_SHOWN = 5


def _ids(index: pd.Index, mask: np.ndarray) -> str:
    hits = np.flatnonzero(mask)
    shown = ", ".join(str(index[i]) for i in hits[:MAX_ROWS_SHOWN])
    more = f" and {hits.size - MAX_ROWS_SHOWN} more" if hits.size > MAX_ROWS_SHOWN else ""
    return f"{hits.size} row(s): {shown}{more}"


def row_index(X: Any) -> pd.Index:
    """Patient ids of a pandas object, else row numbers."""
    if isinstance(X, (pd.DataFrame, pd.Series)):
        return X.index
    return pd.RangeIndex(len(X))


def check_numeric_frame(X: Any, caller: str) -> tuple[list[str], np.ndarray]:
    """Feature names and a float array; non-numeric columns and infinities are errors."""
    if isinstance(X, pd.DataFrame):
        bad = [c for c in X.columns if not (pd.api.types.is_numeric_dtype(X[c])
                                            or pd.api.types.is_bool_dtype(X[c]))]
        if bad:
            raise ValueError(
                f"{caller} needs numeric features; column(s) {bad[:5]} are not numeric "
                "(encode them first, e.g. with stratify.preprocess.make_preprocessor).")
        values = X.astype("float64").to_numpy()
    else:
        values = np.asarray(X, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] < 2:
        raise ValueError(f"{caller} needs a 2-D feature matrix with at least 2 rows; "
                         f"got shape {values.shape}.")
    names = feature_names(X)
    infinite = np.isinf(values)
    if infinite.any():
        column = names[int(np.flatnonzero(infinite.any(axis=0))[0])]
        raise ValueError(f"{caller}: column {column!r} holds infinite values "
                         f"({_ids(row_index(X), infinite[:, names.index(column)])}).")
    return names, values


def check_labels(y: Any, X: Any, caller: str, what: str = "y") -> np.ndarray:
    """Labels aligned with ``X``, without missing values."""
    labels = y if isinstance(y, pd.Series) else pd.Series(np.asarray(y))
    if len(labels) != len(X):
        raise ValueError(f"{caller}: {what} has {len(labels)} rows but X has {len(X)}.")
    if isinstance(y, pd.Series) and isinstance(X, pd.DataFrame) and not y.index.equals(X.index):
        raise ValueError(f"{caller}: the index of {what} differs from the index of X "
                         "(align them on patient_id first).")
    missing = labels.isna().to_numpy()
    if missing.any():
        raise ValueError(f"{caller}: {what} is missing for {_ids(row_index(X), missing)}; "
                         "remove those patients or give them a label.")
    return labels.to_numpy()
