"""ESSDAI and ClinESSDAI: systemic disease activity (Seror et al., Ann Rheum Dis 2010, 2016)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

from .._utils.rows import row_ids as _row_ids
from ._checks import numeric_columns

__all__ = [
    "ESSDAI_WEIGHTS",
    "CLINESSDAI_WEIGHTS",
    "CLINESSDAI_WEIGHTS_REESTIMATED",
    "essdai",
    "clinessdai",
    "essdai_activity",
]

ESSDAI_WEIGHTS: Mapping[str, int] = MappingProxyType({
    "essdai_constitutional": 3,
    "essdai_lymphadenopathy": 4,
    "essdai_glandular": 2,
    "essdai_articular": 2,
    "essdai_cutaneous": 3,
    "essdai_pulmonary": 5,
    "essdai_renal": 5,
    "essdai_muscular": 6,
    "essdai_pns": 5,
    "essdai_cns": 5,
    "essdai_haematological": 2,
    "essdai_biological": 1,
})
"""ESSDAI domain weights (Seror et al., Ann Rheum Dis 2010): column -> weight.

They sum to 43; with the highest activity level of every domain the total is 123.
"""

CLINESSDAI_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {col: w for col, w in ESSDAI_WEIGHTS.items() if col != "essdai_biological"}
)
"""ClinESSDAI weights used by default: the ESSDAI weights without the biological domain.

Unverified: Seror et al. (Ann Rheum Dis 2016;75:1945-50) re-estimated the
weights of the 11 clinical domains ("slight modifications of some domain
weights"); we could not check their table against the paper, so the default
keeps the ESSDAI weights (maximum 121). See
:data:`CLINESSDAI_WEIGHTS_REESTIMATED` for the re-estimated set.
"""

CLINESSDAI_WEIGHTS_REESTIMATED: Mapping[str, int] = MappingProxyType({
    **CLINESSDAI_WEIGHTS,
    "essdai_constitutional": 4,
    "essdai_articular": 3,
    "essdai_pulmonary": 6,
    "essdai_renal": 6,
    "essdai_muscular": 7,
})
"""ClinESSDAI weights re-estimated by Seror et al. 2016, as reported by a secondary source.

Unverified against the paper: constitutional 4, articular 3, pulmonary 6,
renal 6, muscular 7, the other domains as in ESSDAI (maximum 135). Pass
``weights=CLINESSDAI_WEIGHTS_REESTIMATED`` to :func:`clinessdai` to use them.
"""

_ACTIVITY_LEVELS = ("low", "moderate", "high")


def _weighted_sum(df: pd.DataFrame, weights: Mapping[str, float], *, allow_missing: bool,
                  who: str, name: str) -> pd.Series:
    levels = numeric_columns(df, weights, who=who)
    values = levels.to_numpy(dtype=float)
    w = np.array([float(weights[c]) for c in levels.columns])
    total = np.nansum(values * w, axis=1)
    missing = np.isnan(values)
    undefined = missing.all(axis=1) if allow_missing else missing.any(axis=1)
    return pd.Series(np.where(undefined, np.nan, total), index=df.index, name=name)


def check_clinessdai_weights(weights: object, *, who: str) -> None:
    """Raise unless ``weights`` gives a finite non-negative weight to exactly the 11 domains."""
    expected = set(CLINESSDAI_WEIGHTS)
    if not isinstance(weights, Mapping) or set(weights) != expected:
        got = sorted(set(weights) ^ expected) if isinstance(weights, Mapping) else weights
        raise ValueError(
            f"The 'weights' parameter of {who} must map each of the 11 clinical ESSDAI "
            f"domains {sorted(expected)} to a weight. Got a mismatch on {got!r} instead."
        )
    bad = [c for c, w in weights.items()
           if isinstance(w, bool) or not isinstance(w, (int, float, np.number))
           or not np.isfinite(w) or w < 0]
    if bad:
        raise ValueError(
            f"The 'weights' parameter of {who} must hold finite non-negative numbers. "
            f"Got other values for {bad} instead."
        )


def essdai(df: pd.DataFrame, *, allow_missing: bool = False) -> pd.Series:
    """ESSDAI: the weighted sum of the activity levels of the 12 domains.

    Each domain contributes its weight (:data:`ESSDAI_WEIGHTS`) times its
    activity level: 0-2 for constitutional, glandular and biological, 0, 2 or
    3 for the central nervous system (it has no low level), 0-3 for the
    others. The total ranges from 0 to 123 (Seror et al., Ann Rheum Dis 2010;
    user guide: RMD Open 2015).

    Parameters
    ----------
    df : DataFrame
        One row per patient (or visit) with the 12 columns ``essdai_constitutional``
        ... ``essdai_biological`` holding activity levels.
    allow_missing : bool, default=False
        By default a patient with any missing domain has a missing ESSDAI.
        With ``True``, missing domains count as inactive (level 0), which
        underestimates activity when they were in fact active; a patient with
        no domain rated at all still gets a missing score.

    Returns
    -------
    Series
        Named ``"essdai"``, float, indexed like ``df``.

    Raises
    ------
    SchemaError
        When a domain column is absent, or a level is not allowed for its
        domain (e.g. CNS 1, articular 4, negative or fractional levels); the
        message names the column, up to five row ids and the rule.

    See Also
    --------
    clinessdai : the same without the biological domain.
    essdai_activity : low, moderate or high activity.

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.scores import ESSDAI_WEIGHTS, essdai
    >>> df = pd.DataFrame(0, index=pd.Index(["p1", "p2"], name="patient_id"),
    ...                   columns=list(ESSDAI_WEIGHTS))
    >>> df.loc["p1", ["essdai_articular", "essdai_biological"]] = [2, 1]  # 2x2 + 1x1
    >>> df.loc["p2", "essdai_cns"] = 3                                    # 5x3
    >>> essdai(df)
    patient_id
    p1     5.0
    p2    15.0
    Name: essdai, dtype: float64
    """
    return _weighted_sum(df, ESSDAI_WEIGHTS, allow_missing=allow_missing, who="essdai",
                         name="essdai")


def clinessdai(df: pd.DataFrame, *, weights: Mapping[str, float] = CLINESSDAI_WEIGHTS,
               allow_missing: bool = False) -> pd.Series:
    """ClinESSDAI: the ESSDAI without its biological domain.

    Seror et al. (Ann Rheum Dis 2016;75:1945-50) removed the biological
    domain so that disease activity can be related to B-cell biomarkers
    without circularity, and re-estimated the weights of the 11 clinical
    domains. The default :data:`CLINESSDAI_WEIGHTS` are the ESSDAI weights of
    those domains (unverified: the re-estimated weights could not be checked
    against the paper; :data:`CLINESSDAI_WEIGHTS_REESTIMATED` holds them as
    reported by a secondary source). Activity levels and the minimal
    clinically important improvement (3 points) were reported to be those of
    the ESSDAI.

    Parameters
    ----------
    df : DataFrame
        One row per patient (or visit) with the 11 clinical ESSDAI domain columns.
    weights : mapping of str to float, default=CLINESSDAI_WEIGHTS
        Weight of each of the 11 domains, keyed by column name.
    allow_missing : bool, default=False
        As in :func:`essdai`: with ``True`` missing domains count as level 0.

    Returns
    -------
    Series
        Named ``"clinessdai"``, float, indexed like ``df``.

    Raises
    ------
    SchemaError
        When a domain column is absent or holds a level not allowed for it.
    ValueError
        When ``weights`` does not give a non-negative weight to exactly the 11 domains.

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.scores import ESSDAI_WEIGHTS, CLINESSDAI_WEIGHTS_REESTIMATED, clinessdai
    >>> df = pd.DataFrame(0, index=["p1"], columns=list(ESSDAI_WEIGHTS))
    >>> df.loc["p1", ["essdai_articular", "essdai_biological"]] = [2, 2]
    >>> clinessdai(df).tolist()  # biology does not count: 2x2
    [4.0]
    >>> clinessdai(df, weights=CLINESSDAI_WEIGHTS_REESTIMATED).tolist()  # 3x2
    [6.0]
    """
    check_clinessdai_weights(weights, who="clinessdai")
    return _weighted_sum(df, weights, allow_missing=allow_missing, who="clinessdai",
                         name="clinessdai")


def essdai_activity(score: pd.Series | np.ndarray | list) -> pd.Series:
    """Activity level of an ESSDAI (or ClinESSDAI) score.

    ``"low"`` below 5, ``"moderate"`` from 5 to 13, ``"high"`` from 14
    (Seror et al., Ann Rheum Dis 2016;75:382-9, and the same cut-offs for the
    ClinESSDAI). Missing scores stay missing.

    Parameters
    ----------
    score : Series or array-like
        Scores, e.g. the output of :func:`essdai`.

    Returns
    -------
    Series
        Ordered categorical with categories low < moderate < high, named
        ``"essdai_activity"``, indexed like ``score`` when it is a Series.

    Raises
    ------
    ValueError
        When a score is negative, infinite or not a number (naming the rows).

    Examples
    --------
    >>> from stratify.scores import essdai_activity
    >>> essdai_activity([0, 4.9, 5, 13, 14, None]).tolist()
    ['low', 'low', 'moderate', 'moderate', 'high', nan]
    """
    series = score if isinstance(score, pd.Series) else pd.Series(score, dtype=object)
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    text = series.notna().to_numpy() & np.isnan(values)
    bad = text | np.isinf(values) | (values < 0)
    if bad.any():
        rows, n = _row_ids(series.index, bad)
        raise ValueError(
            "The 'score' parameter of essdai_activity must hold non-negative finite numbers. "
            f"Got other values in {n} row(s) instead: {', '.join(rows)}."
        )
    codes = np.searchsorted([5.0, 14.0], values, side="right")
    labels = np.array(_ACTIVITY_LEVELS, dtype=object)[np.minimum(codes, 2)]
    labels[np.isnan(values)] = np.nan
    cat = pd.Categorical(labels, categories=list(_ACTIVITY_LEVELS), ordered=True)
    return pd.Series(cat, index=series.index, name="essdai_activity")
