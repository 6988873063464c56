"""STAR: the Sjögren's Tool for Assessing Response (Seror et al., Ann Rheum Dis 2022)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ._checks import (
    TOLERANCE,
    aligned_visits,
    any_met,
    criterion,
    fell_by,
    numeric_columns,
    reaches,
    require_any,
    tally,
    to_boolean,
)
from ._essdai import CLINESSDAI_WEIGHTS, check_clinessdai_weights, clinessdai
from ._esspri import ESSPRI_COLUMNS, esspri

__all__ = ["STAR_POINTS", "star"]

STAR_POINTS = {"systemic": 3.0, "patient": 3.0, "lachrymal": 1.0, "salivary": 1.0,
               "biological": 1.0}
"""Points of each STAR domain; a responder has at least 5 of the 9."""

_RESPONDER = 5.0
_ALTERNATIVES = {
    "lachrymal": ("schirmer_mm_5min", "ocular_staining_score"),
    "salivary": ("uwsf_ml_min", "salivary_us_score"),
    "biological": ("igg_g_l", "rf_iu_ml"),
}
# Abnormal test results as defined in the STAR publication (footnote of its Table 3).
_SCHIRMER_ABNORMAL_BELOW_MM = 5.0
_OSS_ABNORMAL_FROM = 3.0


def _schirmer(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        abnormal = before < _SCHIRMER_ABNORMAL_BELOW_MM
        met = np.where(abnormal, after - before >= 5.0 - TOLERANCE,
                       after >= _SCHIRMER_ABNORMAL_BELOW_MM)
    return criterion(met, before, after)


def _ocular_staining(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        abnormal = before >= _OSS_ABNORMAL_FROM
        met = np.where(abnormal, before - after >= 2.0 - TOLERANCE, after < _OSS_ABNORMAL_FROM)
    return criterion(met, before, after)


def _saliva(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        rise = after - before
        met = np.where(before > 0, rise >= 0.25 * before - TOLERANCE, rise > TOLERANCE)
    return criterion(met, before, after)


_RULES = {
    "schirmer_mm_5min": _schirmer,
    "ocular_staining_score": _ocular_staining,
    "uwsf_ml_min": _saliva,
    "salivary_us_score": lambda b, a: fell_by(b, a, fraction=0.25),
    "igg_g_l": lambda b, a: fell_by(b, a, fraction=0.10),
    "rf_iu_ml": lambda b, a: fell_by(b, a, fraction=0.25),
}


def star(baseline: pd.DataFrame, followup: pd.DataFrame, *,
         clinessdai_weights: Mapping[str, float] = CLINESSDAI_WEIGHTS) -> pd.DataFrame:
    """STAR: composite response between two visits (Seror et al., Ann Rheum Dis 2022).

    ==========  ======  =============================================================
    domain      points  response (follow-up compared with baseline)
    ==========  ======  =============================================================
    systemic    3       ClinESSDAI falls by >= 3
    patient     3       ESSPRI falls by >= 1 point or >= 15 %
    lachrymal   1       Schirmer: rises by >= 5 mm if abnormal (< 5 mm) at baseline,
                        stays normal if normal; or ocular staining score: falls by
                        >= 2 if abnormal (>= 3) at baseline, stays normal if normal
    salivary    1       unstimulated whole saliva rises by >= 25 % (any rise from 0);
                        or salivary ultrasound score falls by >= 25 %
    biological  1       serum IgG falls by >= 10 %; or RF (IU/mL) falls by >= 25 %
    ==========  ======  =============================================================

    A patient responds with at least 5 of the 9 points. Thresholds for
    abnormal tests follow the footnote of the publication's Table 3
    (Schirmer < 5 mm/5 min, ocular staining score >= 3). A relative fall
    needs a positive baseline: an RF of 0 cannot fall by 25 %.

    Missing values are never guessed. A domain is undecidable when none of
    its available measures responds and one of them is missing; ``points`` is
    then missing, ``points_min`` and ``points_max`` bound the total, and
    ``responder`` is missing only when the undecidable domains could change
    the decision. The alternative measures of a domain (e.g. ultrasound)
    whose column is absent from both visits are treated as not assessed in
    the study; a present column with a missing value is unknown.

    Parameters
    ----------
    baseline, followup : DataFrame
        One row per patient at each visit, ``patient_id`` as the index (or a
        column), with the 11 ClinESSDAI domain levels, the three ESSPRI
        components, and for each of the lachrymal, salivary and biological
        domains at least one of its measures (``schirmer_mm_5min``,
        ``ocular_staining_score``; ``uwsf_ml_min``, ``salivary_us_score``;
        ``igg_g_l``, ``rf_iu_ml``). Both visits must hold the same patients
        and the same measures.
    clinessdai_weights : mapping, default=CLINESSDAI_WEIGHTS
        Domain weights of the ClinESSDAI (see :func:`clinessdai`).

    Returns
    -------
    DataFrame
        Indexed by patient in the order of ``baseline``: the points of each
        domain (``systemic``, ``patient``, ``lachrymal``, ``salivary``,
        ``biological``; NaN when undecidable), ``points`` (0-9),
        ``points_min``, ``points_max`` and ``responder`` (nullable boolean).

    Raises
    ------
    SchemaError
        When a required column is absent or a value breaks its schema rule
        (the message says which visit).
    ValueError
        When the visits hold different patients (naming them) or a patient twice.

    Examples
    --------
    A patient whose ClinESSDAI falls from 8 to 4 (articular 2 -> 0) and whose
    ESSPRI falls from 6 to 5.1 (15 %), with no other change: 6 points.

    >>> import pandas as pd
    >>> from stratify.scores import CLINESSDAI_WEIGHTS, star
    >>> base = pd.DataFrame(0, index=pd.Index(["p1"], name="patient_id"),
    ...                     columns=list(CLINESSDAI_WEIGHTS))
    >>> base[["essdai_articular", "essdai_glandular"]] = [2, 2]
    >>> base[["esspri_dryness", "esspri_fatigue", "esspri_pain"]] = [6.0, 6.0, 6.0]
    >>> base[["schirmer_mm_5min", "uwsf_ml_min", "igg_g_l"]] = [3.0, 0.1, 20.0]
    >>> follow = base.copy()
    >>> follow[["essdai_articular", "esspri_pain"]] = [0, 3.3]
    >>> star(base, follow)[["systemic", "patient", "lachrymal", "points", "responder"]]
                systemic  patient  lachrymal  points  responder
    patient_id
    p1               3.0      3.0        0.0     6.0       True
    """
    who = "star"
    check_clinessdai_weights(clinessdai_weights, who=who)
    base, follow = aligned_visits(baseline, followup, who=who)
    measures = [c for cols in _ALTERNATIVES.values() for c in cols]
    for name, frame in (("baseline", base), ("followup", follow)):
        require_any(frame, _ALTERNATIVES, who=who, source=name)
    only_one = sorted(set(measures) & (set(base.columns) ^ set(follow.columns)))
    if only_one:
        raise ValueError(
            "The baseline and followup parameters of star must hold the same measures. "
            f"Got {only_one} in one visit only instead."
        )
    required = (*clinessdai_weights, *ESSPRI_COLUMNS)
    values = [numeric_columns(frame, required, optional=measures, who=who, source=name)
              for name, frame in (("baseline", base), ("followup", follow))]
    before, after = values

    criteria = {
        "systemic": fell_by(clinessdai(before, weights=clinessdai_weights).to_numpy(),
                            clinessdai(after, weights=clinessdai_weights).to_numpy(),
                            points=3.0),
        "patient": fell_by(esspri(before).to_numpy(), esspri(after).to_numpy(),
                           points=1.0, fraction=0.15),
    }
    for domain, columns in _ALTERNATIVES.items():
        criteria[domain] = any_met(*[
            _RULES[c](before[c].to_numpy(dtype=float), after[c].to_numpy(dtype=float))
            for c in columns if c in before
        ])
    table = tally(criteria, STAR_POINTS, base.index)
    table["responder"] = to_boolean(
        reaches(table["points_min"].to_numpy(), table["points_max"].to_numpy(), _RESPONDER)
    )
    return table
