"""Input checks shared by the clustering estimators and functions.

Every check runs before any work and raises ``ValueError`` naming the columns,
up to five patient ids and the rule; patient-level values never appear.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._utils.checks import check_numeric_columns
from .._utils.rows import describe_rows
from .._utils.rows import quote_names as _quote


def check_not_identity(X: pd.DataFrame, *, who: str) -> None:
    """Raise when ``X`` holds a column of the schema's identity block
    (``patient_id``, ``center``): they name patients and centres, and a centre
    code clustered as a feature makes subgroups of centres."""
    from ..data import PSS_SCHEMA

    identity = PSS_SCHEMA.block("identity")
    found = [c for c in X.columns if c in identity]
    if found:
        raise ValueError(
            f"{who}: column(s) {_quote(found)} identify patients or centres and are not "
            "features; leave them out. To remove differences between centres, correct the "
            "features first with stratify.preprocess.CenterCorrector (it reads the 'center' "
            "column), then drop the column.")


def check_numeric_complete(X: Any, *, who: str, allow_missing: bool = False) -> None:
    """Raise when ``X`` has non-numeric columns or missing/infinite values.

    Clustering needs complete numeric data; the message names the columns and
    the first rows so that the user can encode or impute them. With
    ``allow_missing``, missing values are accepted but a patient without any
    observed value is not (nothing would place it in a subgroup).
    """
    if isinstance(X, pd.DataFrame):
        check_not_identity(X, who=who)
        check_numeric_columns(X, X.columns, who=who)
        values = X.astype("float64").to_numpy(dtype=float, na_value=np.nan)
        index, columns = X.index, list(X.columns)
    else:
        values = np.asarray(X)
        if values.ndim != 2 or values.dtype.kind not in "biuf":
            return  # scikit-learn's own validation gives the message for odd input
        values = values.astype(float)
        index, columns = pd.RangeIndex(values.shape[0]), [f"x{j}" for j in
                                                          range(values.shape[1])]
    missing = np.isnan(values)
    if allow_missing:
        empty = missing.all(axis=1)
        if empty.any():
            raise ValueError(
                f"{who}: {describe_rows(index, empty)} have no observed feature; a patient "
                "needs at least one observed value to be placed in a subgroup. Drop them "
                "(and report why).")
    elif missing.any():
        cols = [columns[j] for j in np.flatnonzero(missing.any(axis=0))]
        raise ValueError(
            f"{who}: X contains missing values (NaN) in column(s) {_quote(cols)}, "
            f"{describe_rows(index, missing.any(axis=1))}. Impute first "
            "(stratify.impute.make_imputer, or MultipleImputer and pass the list of frames; "
            "ConsensusClustering also takes one frame with missing values and imputes it)."
        )
    infinite = np.isinf(values)
    if infinite.any():
        cols = [columns[j] for j in np.flatnonzero(infinite.any(axis=0))]
        raise ValueError(
            f"{who}: X contains infinite values (inf) in column(s) {_quote(cols)}, "
            f"{describe_rows(index, infinite.any(axis=1))}. Values must be finite."
        )


def check_frames(frames: Sequence[Any], *, who: str) -> None:
    """Raise unless the imputed frames share shape, index and columns."""
    if len(frames) == 0:
        raise ValueError(f"{who}: the list of imputed frames is empty.")
    first = frames[0]
    for i, frame in enumerate(frames[1:], start=1):
        if np.shape(frame) != np.shape(first):
            raise ValueError(f"{who}: imputed frame {i} has shape {np.shape(frame)} but frame "
                             f"0 has {np.shape(first)}; all m frames must hold the same "
                             "patients and features.")
        if isinstance(first, pd.DataFrame) and isinstance(frame, pd.DataFrame):
            if not frame.index.equals(first.index):
                raise ValueError(f"{who}: imputed frame {i} does not have the index (patients "
                                 "in the same order) of frame 0.")
            if list(frame.columns) != list(first.columns):
                raise ValueError(f"{who}: imputed frame {i} does not have the columns of "
                                 "frame 0.")


def check_k_range(k_range: Any, n_samples: int, *, who: str) -> list[int]:
    """The sorted distinct k values, each an integer in [1, n_samples], at least one >= 2.

    k = 1 ("no subgroup structure") is always an answer of the structure test,
    so a ``k_range`` starting at 1 is accepted and means the same as one
    starting at 2.
    """
    try:
        ks = sorted({int(k) for k in k_range})
    except (TypeError, ValueError):
        raise ValueError(f"The 'k_range' parameter of {who} must be an iterable of integers "
                         f">= 1. Got {k_range!r} instead.") from None
    if not ks or any(float(k) != int(k) for k in k_range):
        raise ValueError(f"The 'k_range' parameter of {who} must be a non-empty iterable of "
                         f"integers >= 1. Got {k_range!r} instead.")
    if ks[0] < 1 or ks[-1] > n_samples or ks[-1] < 2:
        raise ValueError(f"The 'k_range' parameter of {who} must hold integers in [1, "
                         f"n_samples={n_samples}], at least one of them >= 2. Got {k_range!r} "
                         "instead.")
    return ks
