"""Lymphoma risk scores: counts of published clinical and laboratory risk factors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._checks import any_met, criterion, numeric_columns
from ._essdai import ESSDAI_WEIGHTS, _weighted_sum

__all__ = ["FRAGKIOUDAKI_FACTORS", "NOCTURNE_FACTORS", "lymphoma_risk_score"]

FRAGKIOUDAKI_FACTORS = ("salivary_gland_enlargement", "lymphadenopathy", "raynaud",
                        "anti_ro_or_la", "rf", "monoclonal_component", "c4_low")
"""The seven predictors of Fragkioudaki et al. (Medicine 2016); ``anti_ro_or_la`` is
positive when ``anti_ro`` or ``anti_la`` is."""

NOCTURNE_FACTORS = ("salivary_gland_enlargement", "rf", "c4_low", "cryoglobulins",
                    "lymphopenia", "essdai_without_lymphadenopathy_5")
"""Risk factors after Nocturne et al. (Arthritis Rheumatol 2016);
``essdai_without_lymphadenopathy_5`` is an ESSDAI of at least 5 without its
lymphadenopathy (lymphoma) domain. The threshold of 5 (moderate activity) is ours."""

# Fragkioudaki et al., Medicine 2016: lymphoma among patients with 0-2, 3-6 and 7 factors.
_BANDS = ("0-2", "3-6", "7")
_BAND_UPPER = np.array([2, 6, 7])
_PROBABILITY = np.array([0.038, 0.399, 1.0])
_ESSDAI_NO_LYMPH = {c: w for c, w in ESSDAI_WEIGHTS.items() if c != "essdai_lymphadenopathy"}
_ACTIVE_ESSDAI = 5.0


def _positive(values: pd.DataFrame, column: str) -> np.ndarray:
    v = values[column].to_numpy(dtype=float)
    return criterion(v == 1.0, v)


def _fragkioudaki(df: pd.DataFrame, who: str) -> dict[str, np.ndarray]:
    binary = [f for f in FRAGKIOUDAKI_FACTORS if f != "anti_ro_or_la"]
    values = numeric_columns(df, (*binary, "anti_ro"), optional=("anti_la",), who=who)
    factors = {f: _positive(values, f) for f in binary}
    antibodies = [_positive(values, c) for c in ("anti_ro", "anti_la") if c in values]
    factors["anti_ro_or_la"] = any_met(*antibodies)
    return {f: factors[f] for f in FRAGKIOUDAKI_FACTORS}


def _nocturne(df: pd.DataFrame, who: str) -> dict[str, np.ndarray]:
    binary = NOCTURNE_FACTORS[:-1]
    values = numeric_columns(df, (*binary, *_ESSDAI_NO_LYMPH), who=who)
    factors = {f: _positive(values, f) for f in binary}
    partial = _weighted_sum(values, _ESSDAI_NO_LYMPH, allow_missing=True, who=who, name="")
    complete = _weighted_sum(values, _ESSDAI_NO_LYMPH, allow_missing=False, who=who, name="")
    # Known domains alone may already reach the threshold; only then can missing ones be ignored.
    active = np.where(partial.to_numpy() >= _ACTIVE_ESSDAI, 1.0,
                      criterion(complete.to_numpy() >= _ACTIVE_ESSDAI, complete.to_numpy()))
    factors["essdai_without_lymphadenopathy_5"] = active
    return factors


def lymphoma_risk_score(df: pd.DataFrame, *, factors: str = "fragkioudaki",
                        allow_missing: bool = False) -> pd.DataFrame:
    """Count of published lymphoma risk factors, as a baseline for risk models.

    ``factors="fragkioudaki"`` (default) counts the seven independent
    predictors of Fragkioudaki et al. (Medicine 2016;95:e3766; 381 pSS
    without and 92 with lymphoma): salivary gland enlargement,
    lymphadenopathy, Raynaud's phenomenon, anti-Ro and/or anti-La, rheumatoid
    factor, monoclonal gammopathy and low C4. Lymphoma was found in 3.8 % of
    patients with 0-2 factors, 39.9 % with 3-6 and 100 % with all 7. These
    proportions come from a case-control sample enriched in lymphoma: they
    are not absolute risks for a patient in the clinic, only a ranking.

    ``factors="nocturne"`` counts the factors of Nocturne et al. (Arthritis
    Rheumatol 2016): salivary gland enlargement, rheumatoid factor, low C4,
    cryoglobulinaemia, lymphopenia and an ESSDAI of at least 5 without its
    lymphadenopathy domain (our threshold). No band or probability was
    published for the count, so those columns are missing.

    Parameters
    ----------
    df : DataFrame
        One row per patient with the factor columns (0/1; for Fragkioudaki
        ``salivary_gland_enlargement``, ``lymphadenopathy``, ``raynaud``,
        ``anti_ro`` and optionally ``anti_la``, ``rf``,
        ``monoclonal_component``, ``c4_low``; for Nocturne
        ``salivary_gland_enlargement``, ``rf``, ``c4_low``, ``cryoglobulins``,
        ``lymphopenia`` and the ESSDAI domain levels).
    factors : {"fragkioudaki", "nocturne"}, default="fragkioudaki"
    allow_missing : bool, default=False
        By default ``n_factors`` is missing when any factor is missing. With
        ``True`` it counts the positive factors among those observed (missing
        only when none is), which underestimates the count when missing
        factors were in fact present: read it with ``n_observed``.

    Returns
    -------
    DataFrame
        Indexed like ``df``: ``n_factors``, ``n_observed`` (factors known),
        ``band`` (ordered categorical ``"0-2"`` < ``"3-6"`` < ``"7"``) and
        ``probability`` (the published proportion of the band). Without
        ``allow_missing``, the band is still given when the missing factors
        cannot change it (e.g. 4 positives and 1 missing factor: ``"3-6"``).

    Raises
    ------
    SchemaError
        When a factor column is absent or holds values other than 0/1.
    ValueError
        When ``factors`` is not one of the two sets.

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.scores import lymphoma_risk_score
    >>> df = pd.DataFrame({
    ...     "salivary_gland_enlargement": [1, 0, 1], "lymphadenopathy": [1, 0, None],
    ...     "raynaud": [0, 0, 1], "anti_ro": [1, 1, 1], "rf": [1, 0, 1],
    ...     "monoclonal_component": [0, 0, 1], "c4_low": [1, 0, 0]}, index=["p1", "p2", "p3"])
    >>> lymphoma_risk_score(df)
        n_factors  n_observed band  probability
    p1        5.0           7  3-6        0.399
    p2        1.0           7  0-2        0.038
    p3        NaN           6  3-6        0.399
    """
    who = "lymphoma_risk_score"
    builders = {"fragkioudaki": _fragkioudaki, "nocturne": _nocturne}
    if factors not in builders:
        raise ValueError(
            f"The 'factors' parameter of {who} must be one of {sorted(builders)}. "
            f"Got {factors!r} instead."
        )
    table = np.column_stack(list(builders[factors](df, who).values()))
    known = ~np.isnan(table)
    n_observed = known.sum(axis=1)
    positives = np.nansum(table, axis=1)
    complete = n_observed == table.shape[1]
    n_factors = np.where((n_observed > 0) if allow_missing else complete, positives, np.nan)
    out = pd.DataFrame({"n_factors": n_factors, "n_observed": n_observed}, index=df.index)
    if factors != "fragkioudaki":
        out["band"] = pd.Categorical([np.nan] * len(out), categories=list(_BANDS), ordered=True)
        out["probability"] = np.nan
        return out
    lowest = np.searchsorted(_BAND_UPPER, positives)
    highest = np.searchsorted(_BAND_UPPER, positives + (table.shape[1] - n_observed))
    if allow_missing:
        decided = n_observed > 0
    else:
        decided = lowest == highest
    codes = np.where(decided, lowest, -1)
    out["band"] = pd.Categorical.from_codes(codes, categories=list(_BANDS), ordered=True)
    out["probability"] = np.where(decided, _PROBABILITY[np.minimum(lowest, 2)], np.nan)
    return out
