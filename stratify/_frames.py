"""Keeping patient ids and feature names: pandas in, pandas out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd


def wrap_rows(values: Any, like: Any, *, columns: Sequence[str] | None = None,
              name: str | None = None) -> Any:
    """Wrap per-row ``values`` as a Series/DataFrame indexed like ``like``.

    When ``like`` is not a pandas object the values are returned unchanged, so
    numpy in gives numpy out (as scikit-learn's common checks expect).
    """
    if not isinstance(like, (pd.DataFrame, pd.Series)):
        return values
    values = np.asarray(values)
    if values.ndim == 1:
        return pd.Series(values, index=like.index, name=name)
    return pd.DataFrame(values, index=like.index, columns=columns)


def feature_names(X: Any) -> list[str]:
    """Column names of a DataFrame, else ``x0, x1, ...``."""
    if isinstance(X, pd.DataFrame):
        return [str(c) for c in X.columns]
    return [f"x{i}" for i in range(np.shape(X)[1])]
