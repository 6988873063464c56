"""2016 ACR/EULAR classification criteria for primary Sjögren's syndrome (Shiboski et al.)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._checks import (
    all_met,
    any_met,
    criterion,
    numeric_columns,
    reaches,
    require_any,
    tally,
    to_boolean,
)

__all__ = ["ACR_EULAR_2016_EXCLUSIONS", "acr_eular_2016"]

ACR_EULAR_2016_EXCLUSIONS = ("head_neck_radiation", "hepatitis_c", "aids", "sarcoidosis",
                             "amyloidosis", "gvhd", "igg4_disease")
"""Exclusion columns: prior head and neck radiation, active hepatitis C, AIDS,
sarcoidosis, amyloidosis, graft-versus-host disease, IgG4-related disease."""

_WEIGHTS = {"focus_score": 3.0, "anti_ro": 3.0, "ocular": 1.0, "schirmer": 1.0, "saliva": 1.0}
_THRESHOLD = 4.0


def acr_eular_2016(df: pd.DataFrame) -> pd.DataFrame:
    """2016 ACR/EULAR classification of primary Sjögren's syndrome.

    Items and points (Shiboski et al., Ann Rheum Dis 2017;76:9-16):

    ===================  ==========================================================  ======
    column               item                                                        points
    ===================  ==========================================================  ======
    ``focus_score``      labial gland focal lymphocytic sialadenitis, focus score >= 1  3
    ``anti_ro``          anti-SSA/Ro positive                                           3
    ``ocular``           ocular staining score >= 5 or van Bijsterveld >= 4             1
    ``schirmer``         Schirmer <= 5 mm/5 min                                         1
    ``saliva``           unstimulated whole saliva flow <= 0.1 mL/min                   1
    ===================  ==========================================================  ======

    A patient is classified at 4 points or more, provided the entry criterion
    (``sicca_symptoms``) holds and none of the exclusions
    (:data:`ACR_EULAR_2016_EXCLUSIONS`) applies.

    Missing values are never guessed. An item with a missing value is
    undecidable: ``points_min`` counts it as absent, ``points_max`` as present,
    and ``points`` is missing. ``classified`` is missing exactly when the
    missing values could change the decision: 3 known points with a missing
    Schirmer test is undecidable, 4 known points with a missing biopsy is
    classified. Optional columns that are absent from ``df`` are not
    assessed: without ``sicca_symptoms`` the entry criterion is taken as met,
    an absent exclusion column as not applying, and only the ocular test whose
    column is present is used. A present column with a missing value is
    unknown, not absent.

    Parameters
    ----------
    df : DataFrame
        Columns ``focus_score``, ``anti_ro``, ``schirmer_mm_5min``,
        ``uwsf_ml_min`` and at least one of ``ocular_staining_score`` and
        ``van_bijsterveld``; optionally ``sicca_symptoms`` and the exclusions.

    Returns
    -------
    DataFrame
        Indexed like ``df``: the points of each item (``focus_score``,
        ``anti_ro``, ``ocular``, ``schirmer``, ``saliva``; NaN when
        undecidable), ``points`` (0-9, NaN when an item is undecidable),
        ``points_min``, ``points_max`` and ``classified`` (nullable boolean).

    Raises
    ------
    SchemaError
        When a required column is absent or a value breaks its schema rule.

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.scores import acr_eular_2016
    >>> df = pd.DataFrame({
    ...     "focus_score": [1.2, 0.0, None], "anti_ro": [0, 1, 1],
    ...     "ocular_staining_score": [5, 2, 1], "schirmer_mm_5min": [12, 4, None],
    ...     "uwsf_ml_min": [0.3, 0.2, 0.4]}, index=["p1", "p2", "p3"])
    >>> acr_eular_2016(df)[["points", "points_min", "points_max", "classified"]]
        points  points_min  points_max  classified
    p1     4.0         4.0         4.0        True
    p2     4.0         4.0         4.0        True
    p3     NaN         3.0         7.0        <NA>
    """
    who = "acr_eular_2016"
    ocular_columns = ("ocular_staining_score", "van_bijsterveld")
    require_any(df, {"ocular": ocular_columns}, who=who)
    values = numeric_columns(
        df, ("focus_score", "anti_ro", "schirmer_mm_5min", "uwsf_ml_min"),
        optional=(*ocular_columns, "sicca_symptoms", *ACR_EULAR_2016_EXCLUSIONS), who=who,
    )

    def col(name: str) -> np.ndarray:
        return values[name].to_numpy(dtype=float)

    with np.errstate(invalid="ignore"):
        ocular_thresholds = {"ocular_staining_score": 5.0, "van_bijsterveld": 4.0}
        ocular = [criterion(col(c) >= t, col(c))
                  for c, t in ocular_thresholds.items() if c in values]
        items = {
            "focus_score": criterion(col("focus_score") >= 1.0, col("focus_score")),
            "anti_ro": criterion(col("anti_ro") == 1.0, col("anti_ro")),
            "ocular": any_met(*ocular),
            "schirmer": criterion(col("schirmer_mm_5min") <= 5.0, col("schirmer_mm_5min")),
            "saliva": criterion(col("uwsf_ml_min") <= 0.1, col("uwsf_ml_min")),
        }
    table = tally(items, _WEIGHTS, df.index)
    enough = reaches(table["points_min"].to_numpy(), table["points_max"].to_numpy(), _THRESHOLD)
    conditions = [enough]
    if "sicca_symptoms" in values:
        conditions.append(col("sicca_symptoms"))
    conditions += [1.0 - col(c) for c in ACR_EULAR_2016_EXCLUSIONS if c in values]
    table["classified"] = to_boolean(all_met(*conditions))
    return table
