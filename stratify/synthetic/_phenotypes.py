"""Clinical phenotypes planted on the clinical block: BALS-, HSA- and LSAHS-like.

Nguyen et al. (Lancet Rheumatology 2024; Paris-Saclay n = 534, replicated in
ASSESS n = 395) found three clinical phenotypes of Sjögren's disease by
multiple correspondence analysis and hierarchical clustering of 26 symptoms,
manifestations and laboratory findings: **BALS**, B-cell active disease with
a low symptom burden (autoantibodies, rheumatoid factor, hypergammaglobulinaemia,
salivary gland enlargement; where the lymphomas occurred), **HSA**, high
systemic activity (articular, cutaneous, pulmonary, neurological,
constitutional and haematological involvement), and **LSAHS**, low systemic
activity with a high symptom burden (the largest group; fewer
autoantibodies). The article's tables per cluster could not be consulted
when this model was written: the proportions and probabilities below are
*modelled on* the published description (which phenotype is high or low on
what, HSA the smallest, LSAHS the largest), not copied from it, and are
plausible values, not estimates.

The model is a latent class model with local independence (given the
phenotype and the centre, the phenotype variables are independent, except
anti-La, which depends on anti-Ro as in the molecular subgroups): binary
items, one continuous value (IgG, log-normal) and the ESSDAI domains'
levels (involvement, then its level). Symptom scores are not part of it:
the symptom block keeps its own subgroups (Tarn et al. 2019), independent
of the phenotypes, so that its draws stay the same; the "low" and "high
symptom burden" of BALS and LSAHS are therefore not planted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "PHENOTYPES",
    "PHENOTYPE_COLUMNS",
    "PHENOTYPE_PROPORTIONS",
    "PhenotypeCentres",
    "phenotype_centres",
    "phenotype_log_likelihood",
    "phenotype_mask",
    "simulate_phenotype_items",
]

PHENOTYPES = ("BALS", "HSA", "LSAHS")
"""The planted clinical phenotypes, in the order of every tuple below."""

PHENOTYPE_PROPORTIONS = {"BALS": 0.30, "HSA": 0.15, "LSAHS": 0.55}
"""Default weights (modelled on Nguyen et al. 2024: LSAHS the largest, HSA the smallest)."""

# P(item present | phenotype) for (BALS, HSA, LSAHS). Laboratory flags are the ones whose
# assays and thresholds differ between centres (a log-odds shift per centre).
_ITEMS = {
    "anti_ro": (0.95, 0.85, 0.50),
    "ana": (0.93, 0.90, 0.60),
    "rf": (0.80, 0.50, 0.15),
    "c3_low": (0.12, 0.25, 0.03),
    "c4_low": (0.32, 0.25, 0.04),
    "cryoglobulins": (0.20, 0.12, 0.02),
    "monoclonal_component": (0.35, 0.15, 0.04),
    "lymphopenia": (0.25, 0.40, 0.07),
    "leukopenia": (0.15, 0.35, 0.05),
    "raynaud": (0.15, 0.40, 0.12),
}
LAB_ITEMS = ("rf", "c3_low", "c4_low", "cryoglobulins", "monoclonal_component",
             "lymphopenia", "leukopenia")
# anti-La given anti-Ro positive, per phenotype; given anti-Ro negative: _LA_WITHOUT_RO.
_LA_WITH_RO = (0.75, 0.55, 0.35)
_LA_WITHOUT_RO = 0.03
# IgG (g/L): median per phenotype, log-normal spread (hypergammaglobulinaemia in BALS).
_IGG_MEDIAN = (20.0, 15.5, 11.0)
_IGG_LOG_SD = 0.25
# ESSDAI domains: involvement per phenotype and the distribution of the active levels.
# Mean ESSDAI about 14 (HSA), 6 (BALS) and 2 (LSAHS).
_DOMAINS = {
    "constitutional": ((0.05, 0.40, 0.02), {1: 0.7, 2: 0.3}),
    "lymphadenopathy": ((0.16, 0.15, 0.015), {1: 0.75, 2: 0.25}),
    "glandular": ((0.50, 0.15, 0.05), {1: 0.65, 2: 0.35}),
    "articular": ((0.20, 0.85, 0.20), {1: 0.55, 2: 0.35, 3: 0.10}),
    "cutaneous": ((0.08, 0.35, 0.02), {1: 0.6, 2: 0.3, 3: 0.1}),
    "pulmonary": ((0.05, 0.30, 0.02), {1: 0.6, 2: 0.3, 3: 0.1}),
    "renal": ((0.02, 0.10, 0.005), {1: 0.6, 2: 0.3, 3: 0.1}),
    "muscular": ((0.005, 0.06, 0.002), {1: 0.5, 2: 0.35, 3: 0.15}),
    "pns": ((0.04, 0.20, 0.015), {1: 0.55, 2: 0.30, 3: 0.15}),
    "cns": ((0.01, 0.06, 0.004), {2: 0.7, 3: 0.3}),
}
DOMAIN_COLUMNS = tuple(f"essdai_{name}" for name in _DOMAINS)

PHENOTYPE_COLUMNS = ("anti_ro", "anti_la", "ana", "rf", "c3_low", "c4_low", "cryoglobulins",
                     "monoclonal_component", "lymphopenia", "leukopenia", "raynaud",
                     "igg_g_l", *DOMAIN_COLUMNS)
"""The phenotype variables: 11 binary items, IgG (continuous) and 10 ESSDAI domain levels
(ordinal). The oracle phenotype is the most probable one given these."""

# Registry missingness of the phenotype variables, on top of the registry patterns of every
# cohort: panels hidden together, with these relative rates, scaled so that about
# ``phenotype_missing`` of the phenotype values are missing (unverified: cryoglobulins and
# electrophoresis are the tests most often not done; ESSDAI not recorded at some visits).
PANELS = {
    "ESSDAI not recorded": (DOMAIN_COLUMNS, 0.10),
    "serology not done": (("anti_ro", "anti_la", "ana", "rf"), 0.04),
    "complement not done": (("c3_low", "c4_low"), 0.20),
    "cryoglobulins not tested": (("cryoglobulins",), 0.35),
    "electrophoresis not done": (("monoclonal_component",), 0.25),
    "blood count not done": (("lymphopenia", "leukopenia"), 0.04),
    "IgG not measured": (("igg_g_l",), 0.12),
    "Raynaud not recorded": (("raynaud",), 0.15),
}
# the SD of each centre's log-odds shift of the laboratory flags
_LAB_SHIFT_SD = 0.3


@dataclass
class PhenotypeCentres:
    """What differs between centres for the phenotypes."""

    prior: np.ndarray  # centres x phenotypes
    lab_shift: np.ndarray  # centres x LAB_ITEMS (log-odds)
    missing_factor: np.ndarray  # centres x PANELS


def _weights(proportions: dict[str, float]) -> np.ndarray:
    p = np.array([proportions[name] for name in PHENOTYPES], dtype=float)
    return p / p.sum()


def phenotype_centres(rng: np.random.Generator, n_centers: int, effects: bool,
                      proportions: dict[str, float], case_mix_sd: float) -> PhenotypeCentres:
    """Case mix (each centre's phenotype weights), laboratory shifts and missingness factors."""
    p = _weights(proportions)
    if not effects:
        return PhenotypeCentres(np.tile(p, (n_centers, 1)), np.zeros((n_centers, len(LAB_ITEMS))),
                                np.ones((n_centers, len(PANELS))))
    logits = np.log(np.maximum(p, 1e-12)) + case_mix_sd * rng.standard_normal((n_centers, p.size))
    w = np.exp(logits) * (p > 0)
    return PhenotypeCentres(
        w / w.sum(axis=1, keepdims=True),
        np.round(rng.normal(0.0, _LAB_SHIFT_SD, (n_centers, len(LAB_ITEMS))), 3),
        np.exp(rng.normal(0.0, 0.35, (n_centers, len(PANELS)))))


def _item_probability(name: str, phenotype: np.ndarray | int, centre: np.ndarray,
                      centres: PhenotypeCentres) -> np.ndarray:
    from scipy.special import expit, logit

    p = np.asarray(_ITEMS[name])[phenotype]
    if name not in LAB_ITEMS:
        return np.broadcast_to(p, centre.shape).astype(float)
    return expit(logit(p) + centres.lab_shift[centre, LAB_ITEMS.index(name)])


def _level_probabilities(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Levels (0 first) and their probabilities per phenotype (phenotypes x levels)."""
    involvement, dist = _DOMAINS[name]
    levels = np.array([0.0, *dist], dtype=float)
    share = np.array(list(dist.values()))
    inv = np.asarray(involvement)[:, None]
    return levels, np.hstack([1.0 - inv, inv * share[None, :]])


def simulate_phenotype_items(rng: np.random.Generator, phenotype: np.ndarray,
                             centre: np.ndarray, centres: PhenotypeCentres,
                             igg_shift: np.ndarray) -> dict[str, np.ndarray]:
    """The phenotype variables of every patient (:data:`PHENOTYPE_COLUMNS`), drawn given the
    phenotype and the centre; ``igg_shift`` is the centres' additive IgG shift (g/L)."""
    n = phenotype.size
    out: dict[str, np.ndarray] = {}
    for name in _ITEMS:
        out[name] = (rng.random(n) < _item_probability(name, phenotype, centre, centres)
                     ).astype(float)
    p_la = np.where(out["anti_ro"] == 1, np.asarray(_LA_WITH_RO)[phenotype], _LA_WITHOUT_RO)
    out["anti_la"] = (rng.random(n) < p_la).astype(float)
    igg = np.exp(np.log(np.asarray(_IGG_MEDIAN)[phenotype]) + _IGG_LOG_SD * rng.standard_normal(n))
    out["igg_g_l"] = np.round(np.clip(igg + igg_shift[centre], 2.0, 60.0), 1)
    for name in _DOMAINS:
        levels, probabilities = _level_probabilities(name)
        u = rng.random((n, 1))
        cumulative = probabilities[phenotype].cumsum(axis=1)
        out[f"essdai_{name}"] = levels[np.minimum((u > cumulative).sum(axis=1), levels.size - 1)]
    return out


def _log_interval(lower: np.ndarray, upper: np.ndarray, mu: float) -> np.ndarray:
    """log P(lower < X <= upper) for X log-normal (log-mean ``mu``, log-SD ``_IGG_LOG_SD``)."""
    from scipy.special import ndtr

    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.where(lower > 0, ndtr((np.log(np.maximum(lower, 1e-300)) - mu) / _IGG_LOG_SD), 0.0)
        hi = np.where(upper > 0, ndtr((np.log(np.maximum(upper, 1e-300)) - mu) / _IGG_LOG_SD), 0.0)
        hi = np.where(np.isinf(upper), 1.0, hi)
        return np.log(np.maximum(hi - lo, 1e-300))


def phenotype_log_likelihood(frame: pd.DataFrame, centre: np.ndarray,
                             centres: PhenotypeCentres, igg_shift: np.ndarray) -> np.ndarray:
    """log P(observed phenotype variables | phenotype, centre) (patients x phenotypes).

    Missing values are marginalized (a missing item contributes 1); anti-Ro and
    anti-La are scored jointly; IgG by the probability of its rounding
    interval (0.1 g/L, clipped to 2-60) under the centre's shift.
    """
    n = len(frame)
    out = np.zeros((n, len(PHENOTYPES)))
    ro = frame["anti_ro"].to_numpy(dtype=float)
    la = frame["anti_la"].to_numpy(dtype=float)
    igg = frame["igg_g_l"].to_numpy(dtype=float)
    shift = igg_shift[centre]
    lower = np.where(igg <= 2.0, -np.inf, igg - 0.05) - shift
    upper = np.where(igg >= 60.0, np.inf, igg + 0.05) - shift
    for c in range(len(PHENOTYPES)):
        total = np.zeros(n)
        for name in _ITEMS:
            if name == "anti_ro":
                continue
            x = frame[name].to_numpy(dtype=float)
            p = _item_probability(name, c, centre, centres)
            total += np.where(np.isnan(x), 0.0, np.log(np.where(x == 1, p, 1.0 - p)))
        p_ro = _ITEMS["anti_ro"][c]
        p_la_ro = _LA_WITH_RO[c]
        joint = np.select(
            [(ro == 1) & (la == 1), (ro == 1) & (la == 0), (ro == 0) & (la == 1),
             (ro == 0) & (la == 0), ro == 1, ro == 0, la == 1, la == 0],
            [p_ro * p_la_ro, p_ro * (1 - p_la_ro), (1 - p_ro) * _LA_WITHOUT_RO,
             (1 - p_ro) * (1 - _LA_WITHOUT_RO), p_ro, 1 - p_ro,
             p_ro * p_la_ro + (1 - p_ro) * _LA_WITHOUT_RO,
             1 - (p_ro * p_la_ro + (1 - p_ro) * _LA_WITHOUT_RO)], 1.0)
        total += np.log(joint)
        mu = float(np.log(_IGG_MEDIAN[c]))
        total += np.where(np.isnan(igg), 0.0, _log_interval(lower, upper, mu))
        for name in _DOMAINS:
            levels, probabilities = _level_probabilities(name)
            x = frame[f"essdai_{name}"].to_numpy(dtype=float)
            index = np.searchsorted(levels, np.nan_to_num(x))
            total += np.where(np.isnan(x), 0.0, np.log(probabilities[c][
                np.minimum(index, levels.size - 1)]))
        out[:, c] = total
    return out


def _panel_scale(target: float, base: dict[str, float]) -> float:
    """The factor of the panel rates that makes the expected share of missing phenotype
    values ``target``, given each column's rate ``base`` of the cohort's own patterns."""
    columns = list(PHENOTYPE_COLUMNS)

    def share(scale: float) -> float:
        extra = dict.fromkeys(columns, 0.0)
        for cols, rate in PANELS.values():
            for col in cols:
                extra[col] = 1 - (1 - extra[col]) * (1 - min(scale * rate, 0.95))
        return float(np.mean([1 - (1 - base.get(c, 0.0)) * (1 - extra[c]) for c in columns]))

    if share(0.0) >= target:
        return 0.0
    lo, hi = 0.0, 50.0
    if share(hi) <= target:
        return hi
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if share(mid) < target else (lo, mid)
    return (lo + hi) / 2


def phenotype_mask(rng: np.random.Generator, columns: pd.Index, centre: np.ndarray,
                   factor: np.ndarray, target: float, base: dict[str, float]) -> np.ndarray:
    """Registry missingness of the phenotype panels (True = missing), each panel's rate
    times its centre factor, scaled so that about ``target`` of the phenotype values are
    missing together with the cohort's own patterns (``base``: column -> rate)."""
    n = centre.size
    mask = np.zeros((n, columns.size), dtype=bool)
    scale = _panel_scale(target, base)
    draws = rng.random((n, len(PANELS)))
    for j, (cols, rate) in enumerate(PANELS.values()):
        idx = np.flatnonzero(columns.isin(cols))
        hidden = draws[:, j] < np.minimum(scale * rate * factor[centre, j], 0.95)
        mask[np.ix_(hidden, idx)] = True
    return mask
