"""Where values go missing: registry patterns, or MCAR, MAR and MNAR at a chosen rate."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["REGISTRY_MISSING", "MECHANISMS", "registry_mask", "mechanism_mask", "KEPT"]

REGISTRY_MISSING = {
    # pattern: (columns missing together, share of patients). Big Data Sjögren Project
    # 2015 for biopsy, oral, ocular and serology; 11-14 % of trial patients lack the
    # symptom scores needed to assign a subgroup. Other rates: unverified.
    "biopsy not done": (("focus_score", "germinal_centres"), 0.28),
    "oral tests not done": (("uwsf_ml_min",), 0.23),
    "ocular tests not done": (("schirmer_mm_5min", "ocular_staining_score"), 0.10),
    "symptom questionnaires missing": (
        ("esspri_dryness", "esspri_fatigue", "esspri_pain", "anxiety", "depression"), 0.12),
    "serology not done": (("anti_ro", "anti_la", "ana", "rf"), 0.007),
    "complement not done": (("c3_low", "c4_low"), 0.03),
    "cryoglobulins not tested": (("cryoglobulins",), 0.08),
    "electrophoresis not done": (("monoclonal_component",), 0.05),
    "blood count not done": (("lymphopenia", "leukopenia"), 0.02),
    "IgG not measured": (("igg_g_l",), 0.03),
    "inflammation markers not done": (("crp_mg_l", "esr_mm_h"), 0.06),
    "no blood sample for expression": (("mol_*",), 0.025),
}
"""Registry missingness: each pattern hides its columns together for a share of patients."""

SINGLE_GENE_MISSING = 0.02
"""Share of single expression values missing (failed probes) among profiled patients."""

MECHANISMS = ("MCAR", "MAR", "MNAR")

KEPT = ("center", "sex", "age", "lymphoma_time_years", "lymphoma_event", "arm",
        "esspri_change")
"""Columns the MCAR, MAR and MNAR mechanisms never hide: identity, the MAR drivers (sex,
age), the outcome and the trial columns."""


def _columns(pattern: tuple[str, ...], columns: pd.Index) -> np.ndarray:
    wanted = [c for c in columns if any(c == p or (p.endswith("*") and c.startswith(p[:-1]))
                                        for p in pattern)]
    return np.flatnonzero(columns.isin(wanted))


def registry_mask(rng: np.random.Generator, columns: pd.Index, centre: np.ndarray,
                  centre_factor: np.ndarray) -> np.ndarray:
    """Boolean mask (True = missing) with the registry patterns; ``centre_factor`` is
    (centres x patterns) and multiplies each pattern's rate per centre."""
    n = centre.size
    mask = np.zeros((n, columns.size), dtype=bool)
    draws = rng.random((n, len(REGISTRY_MISSING)))
    for j, (cols, rate) in enumerate(REGISTRY_MISSING.values()):
        idx = _columns(cols, columns)
        if idx.size:
            hidden = draws[:, j] < np.minimum(rate * centre_factor[centre, j], 0.95)
            mask[np.ix_(hidden, idx)] = True
    genes = _columns(("mol_*",), columns)
    single = rng.random((n, genes.size)) < SINGLE_GENE_MISSING
    mask[:, genes] |= single
    return mask


def _rate_intercepts(score: np.ndarray, rate: float) -> np.ndarray:
    """Per-column intercepts c such that mean(sigmoid(c + score)) = rate (Newton steps)."""
    c = np.full(score.shape[1], np.log(rate / (1.0 - rate)))
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(c + score)))
        gap = p.mean(axis=0) - rate
        if np.abs(gap).max() < 1e-10:
            break
        c = np.clip(c - gap / np.maximum((p * (1.0 - p)).mean(axis=0), 1e-12), -30.0, 30.0)
    return c


def mechanism_mask(rng: np.random.Generator, data: pd.DataFrame, mechanism: str,
                   rate: float, strength: float = 2.0) -> np.ndarray:
    """Boolean mask hiding about ``rate`` of each column not in :data:`KEPT`.

    MCAR: every cell with probability ``rate``. MAR: the log-odds rise with the
    patient's standardized age (older patients miss more), identically for
    every column. MNAR: the log-odds rise with the cell's own standardized
    value (high values are missed more often). ``strength`` is the log-odds
    change per standard deviation. Intercepts are set so that each column
    loses ``rate`` of its values on average.
    """
    columns = data.columns
    target = np.flatnonzero(~columns.isin(KEPT))
    n = len(data)
    mask = np.zeros((n, columns.size), dtype=bool)
    if mechanism == "MCAR":
        mask[:, target] = rng.random((n, target.size)) < rate
        return mask
    if mechanism == "MAR":
        age = data["age"].to_numpy(dtype=float)
        z = (age - np.nanmean(age)) / np.nanstd(age)
        score = np.repeat((strength * z)[:, None], target.size, axis=1)
    else:
        values = data.iloc[:, target].to_numpy(dtype=float)
        sd = np.nanstd(values, axis=0)
        z = (values - np.nanmean(values, axis=0)) / np.where(sd > 0, sd, 1.0)
        score = strength * np.nan_to_num(z)
    p = 1.0 / (1.0 + np.exp(-(_rate_intercepts(score, rate) + score)))
    mask[:, target] = rng.random((n, target.size)) < p
    return mask
