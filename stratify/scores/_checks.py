"""Input checks and three-valued logic shared by the clinical scores.

Every check runs before any score is computed and raises
:class:`stratify.data.SchemaError` (a ``ValueError``) listing, for every
problem, the column, up to five row ids and the rule, never the values.

Criteria are evaluated in three-valued logic on float arrays: ``1.0`` met,
``0.0`` not met, ``NaN`` undecidable because a value it needs is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .._utils.rows import list_ids
from .._utils.validation import Problem, SchemaError, check_numeric_values
from ..data import PSS_SCHEMA

# Thresholds such as "falls by >= 15 %" are compared with this slack so that
# floating-point noise (ESSPRI is a mean of thirds) never flips a decision.
TOLERANCE = 1e-9


def check_frame(df: object, *, who: str, name: str = "df") -> pd.DataFrame:
    """Raise ``TypeError`` unless ``df`` is a DataFrame."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(
            f"The {name!r} parameter of {who} must be a pandas DataFrame in schema names. "
            f"Got {type(df).__name__} instead."
        )
    return df


def numeric_columns(df: pd.DataFrame, required: Iterable[str],
                    optional: Iterable[str] = (), *, who: str,
                    source: str | None = None) -> pd.DataFrame:
    """The ``required`` and present ``optional`` columns as float64, checked by the schema.

    Values must satisfy the schema rule of each column (levels for ordinal
    and binary variables, the plausible range for continuous ones); text and
    infinite values are refused. Missing values stay NaN. The index of ``df``
    is kept whatever it is (duplicates included), so long-format visit
    tables work too. ``source`` (e.g. ``"baseline"``) is quoted in the error.
    """
    check_frame(df, who=who)
    problems: list[Problem] = []
    columns = list(dict.fromkeys(required))
    for col in columns:
        if col not in df.columns:
            problems.append(Problem(col, f"is required by {who} but absent"))
    columns = [c for c in columns if c in df.columns]
    columns += [c for c in dict.fromkeys(optional) if c in df.columns and c not in columns]
    dupes = [c for c in columns if list(df.columns).count(c) > 1]
    for col in dupes:
        problems.append(Problem(col, "appears more than once in the header"))
    out = {}
    for col in columns:
        if col in dupes:
            continue
        out[col] = check_numeric_values(df[col], PSS_SCHEMA[col], problems)
    if problems:
        raise SchemaError(problems, source)
    return pd.DataFrame(out, index=df.index, columns=[c for c in columns if c not in dupes])


def require_any(df: pd.DataFrame, groups: Mapping[str, Sequence[str]], *, who: str,
                source: str | None = None) -> None:
    """Raise unless ``df`` has at least one column of every group (e.g. a STAR domain)."""
    problems = [
        Problem(" or ".join(cols), f"at least one is required by {who} for the {name} domain")
        for name, cols in groups.items()
        if not any(c in df.columns for c in cols)
    ]
    if problems:
        raise SchemaError(problems, source)


def aligned_visits(baseline: pd.DataFrame, followup: pd.DataFrame, *,
                   who: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both visits indexed by patient, follow-up in the order of the baseline.

    ``patient_id`` may be the index or a column. Ids must be unique within a
    visit and the same set in both visits.
    """
    frames = []
    for name, frame in (("baseline", baseline), ("followup", followup)):
        check_frame(frame, who=who, name=name)
        if "patient_id" in frame.columns:
            frame = frame.set_index("patient_id")
        dupes = frame.index[frame.index.duplicated()].unique()
        if len(dupes):
            raise ValueError(
                f"The {name!r} parameter of {who} must have one row per patient. "
                f"Got duplicated patient ids {list_ids(list(dupes))} instead."
            )
        frames.append(frame)
    base, follow = frames
    only_base = base.index.difference(follow.index, sort=False)
    only_follow = follow.index.difference(base.index, sort=False)
    if len(only_base) or len(only_follow):
        parts = []
        if len(only_base):
            parts.append(f"only at baseline: {list_ids(list(only_base))}")
        if len(only_follow):
            parts.append(f"only at follow-up: {list_ids(list(only_follow))}")
        raise ValueError(
            f"The baseline and followup parameters of {who} must hold the same patients. "
            f"Got patients {'; '.join(parts)} instead."
        )
    return base, follow.loc[base.index]


def any_met(*criteria: np.ndarray) -> np.ndarray:
    """Three-valued OR: met if any is met, not met if all are not met, else NaN."""
    stack = np.vstack(criteria)
    out = np.where(np.isnan(stack).any(axis=0), np.nan, 0.0)
    return np.where((stack == 1.0).any(axis=0), 1.0, out)


def criterion(condition: np.ndarray, *needed: np.ndarray) -> np.ndarray:
    """``condition`` as 1.0/0.0, NaN wherever one of the ``needed`` values is missing."""
    known = ~np.any([np.isnan(v) for v in needed], axis=0)
    return np.where(known, condition.astype(float), np.nan)


def fell_by(before: np.ndarray, after: np.ndarray, *, points: float | None = None,
            fraction: float | None = None) -> np.ndarray:
    """Whether a value fell by at least ``points`` or by at least ``fraction`` of ``before``.

    A relative fall needs a positive baseline and a real fall: a baseline of
    0 cannot fall by 15 %. NaN where either value is missing.
    """
    with np.errstate(invalid="ignore"):
        fall = before - after
        met = np.zeros(before.shape, bool)
        if points is not None:
            met |= fall >= points - TOLERANCE
        if fraction is not None:
            met |= (before > 0) & (fall > TOLERANCE) & (fall >= fraction * before - TOLERANCE)
    return criterion(met, before, after)


def all_met(*criteria: np.ndarray) -> np.ndarray:
    """Three-valued AND: not met if any is not met, met if all are met, else NaN."""
    stack = np.vstack(criteria)
    out = np.where(np.isnan(stack).any(axis=0), np.nan, 1.0)
    return np.where((stack == 0.0).any(axis=0), 0.0, out)


def reaches(points_min: np.ndarray, points_max: np.ndarray, threshold: float) -> np.ndarray:
    """Met when even the lowest possible total reaches ``threshold``, not met when
    even the highest cannot, else NaN."""
    out = np.full(points_min.shape, np.nan)
    out[points_min >= threshold] = 1.0
    out[points_max < threshold] = 0.0
    return out


def to_boolean(values: np.ndarray) -> pd.arrays.BooleanArray:
    """1.0/0.0/NaN as a pandas nullable boolean array (NaN becomes ``<NA>``)."""
    return pd.array(np.where(np.isnan(values), None, values == 1.0), dtype="boolean")


def tally(criteria: dict[str, np.ndarray], weights: dict[str, float],
          index: pd.Index) -> pd.DataFrame:
    """Points per criterion (weight if met, 0 if not, NaN if undecidable) and totals.

    ``points`` is the total when every criterion is decided (else NaN);
    ``points_min`` counts undecidable criteria as not met and ``points_max``
    as met, so the true total lies between them.
    """
    points = {name: met * weights[name] for name, met in criteria.items()}
    table = pd.DataFrame(points, index=index)
    values = table.to_numpy(dtype=float)
    w = np.array([weights[name] for name in criteria])
    table["points"] = values.sum(axis=1)
    table["points_min"] = np.nansum(values, axis=1)
    table["points_max"] = np.where(np.isnan(values), w, values).sum(axis=1)
    return table
