"""Checks of features, scores and groups, raised before any work starts.

Messages name the column, up to five patient ids and the rule; patient-level
values never appear in them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._frames import feature_names
from .._utils.rows import MAX_SHOWN, describe_rows, row_index

__all__ = ["MAX_SHOWN", "describe_rows", "row_index", "check_features", "check_score",
           "check_groups"]


def check_features(X: Any, caller: str) -> tuple[list[str], np.ndarray]:
    """Feature names and a float array of ``X``; text, infinite or missing values raise."""
    if isinstance(X, pd.DataFrame):
        bad = [str(c) for c in X.columns
               if not (pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]))]
        if bad:
            raise ValueError(
                f"{caller} needs numeric features; column(s) {bad[:MAX_SHOWN]} are not numeric "
                "(encode them first, e.g. with stratify.preprocess.make_preprocessor).")
        values = X.astype("float64").to_numpy(dtype=float, na_value=np.nan)
    else:
        try:
            values = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{caller} needs numeric features: {exc}") from None
    if values.ndim != 2 or values.shape[0] < 1 or values.shape[1] < 1:
        raise ValueError(f"{caller} needs a 2-D feature matrix with at least one row and "
                         f"one column; got shape {values.shape}.")
    names = feature_names(X)
    for problem, mask in (("missing values", np.isnan(values)), ("infinite values",
                                                                  np.isinf(values))):
        if mask.any():
            j = int(np.flatnonzero(mask.any(axis=0))[0])
            advice = (" Impute them first, e.g. with stratify.impute.make_imputer('iterative')"
                      if problem == "missing values" else "")
            raise ValueError(f"{caller}: column {names[j]!r} holds {problem} "
                             f"({describe_rows(row_index(X), mask[:, j])}).{advice}")
    return names, values


def check_score(score: Any, n: int, caller: str, what: str = "score") -> np.ndarray:
    """A finite 1-D float array of length ``n``."""
    values = pd.Series(score) if not isinstance(score, pd.Series) else score
    if len(values) != n:
        raise ValueError(f"{caller}: {what} has {len(values)} rows but y has {n}.")
    try:
        array = values.astype("float64").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise ValueError(f"{caller}: {what} must be numeric.") from None
    bad = ~np.isfinite(array)
    if bad.any():
        raise ValueError(f"{caller}: {what} is missing or infinite in "
                         f"{describe_rows(row_index(values), bad)}.")
    return array


def check_groups(groups: Any, n: int, caller: str) -> pd.Series:
    """Group labels of length ``n`` as a Series (positions as index when not pandas)."""
    labels = groups if isinstance(groups, pd.Series) else pd.Series(
        groups if isinstance(groups, pd.Categorical) else np.asarray(groups))
    if labels.ndim != 1 or len(labels) != n:
        raise ValueError(f"{caller}: groups has {len(labels)} rows but the outcome has {n}.")
    return labels
