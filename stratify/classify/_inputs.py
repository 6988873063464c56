"""Checks of features, labels and groups, raised before any work starts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._frames import feature_names
from .._utils.rows import MAX_SHOWN, describe_rows, row_index

__all__ = ["row_index", "check_numeric_frame", "check_labels"]


def check_numeric_frame(X: Any, caller: str) -> tuple[list[str], np.ndarray]:
    """Feature names and a float array; non-numeric columns and infinities are errors."""
    if isinstance(X, pd.DataFrame):
        bad = [c for c in X.columns if not (pd.api.types.is_numeric_dtype(X[c])
                                            or pd.api.types.is_bool_dtype(X[c]))]
        if bad:
            raise ValueError(
                f"{caller} needs numeric features; column(s) {bad[:MAX_SHOWN]} are not numeric "
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
        rows = describe_rows(row_index(X), infinite[:, names.index(column)], noun="row(s)")
        raise ValueError(f"{caller}: column {column!r} holds infinite values ({rows}).")
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
        rows = describe_rows(row_index(X), missing, noun="row(s)")
        raise ValueError(f"{caller}: {what} is missing for {rows}; "
                         "remove those patients or give them a label.")
    return labels.to_numpy()
