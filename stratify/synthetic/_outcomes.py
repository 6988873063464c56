"""Lymphoma with death as a competing risk, and the ESSPRI change of a randomized trial."""

from __future__ import annotations

import numpy as np

__all__ = ["LYMPHOMA_LOG_HAZARD_RATIOS", "simulate_lymphoma", "simulate_trial"]

LYMPHOMA_LOG_HAZARD_RATIOS = {
    # Shrunk from published odds or risk ratios, which come from case-control designs
    # enriched in lymphoma and overlap through correlated predictors.
    "salivary_gland_enlargement": 0.9,  # Fragkioudaki 2016; Nocturne 2016
    "cryoglobulins": 0.9,  # Quartuccio 2014: RR 6.8
    "c4_low": 0.9,  # Quartuccio 2014: RR 8.3
    "rf": 0.5,  # Fragkioudaki 2016; Nocturne 2016
    "monoclonal_component": 0.7,  # Fragkioudaki 2016 (monoclonal gammopathy)
    "lymphopenia": 0.6,  # Nocturne 2016
    "lymphadenopathy": 0.7,  # Fragkioudaki 2016
    "germinal_centres": 1.0,  # Theander 2011: 14 % of GC+ vs 0.8 % of GC-
    "mol_BTK": 0.5,  # per log2 unit; Duret 2023: adjusted OR 47.6 for BTK overexpression
    "ifn_score": 0.3,  # per log2 unit of the 5-gene score; ASSESS: all lymphomas IFN-high
}
"""Log hazard ratios of the true lymphoma model (binary factors: present vs absent)."""


def simulate_lymphoma(rng: np.random.Generator, linear_predictor: np.ndarray,
                      age: np.ndarray, *, shape: float, scale: float,
                      follow_up: tuple[float, float], death: tuple[float, float]
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Observed time (years, 2 decimals) and event (0 censored, 1 lymphoma, 2 death).

    Lymphoma: Weibull proportional hazards, ``H(t) = (t / scale) ** shape *
    exp(linear_predictor)``. Death: Gompertz hazard ``exp(log_a + b * (age + t))``.
    Censoring: administrative, uniform over ``follow_up`` years.
    """
    n = linear_predictor.size
    e_lymphoma, e_death = rng.exponential(size=(2, n))
    t_lymphoma = scale * (e_lymphoma * np.exp(-linear_predictor)) ** (1.0 / shape)
    log_a, b = death
    t_death = np.log1p(e_death * b * np.exp(-(log_a + b * age))) / b
    censor = rng.uniform(*follow_up, size=n)
    time = np.minimum.reduce([t_lymphoma, t_death, censor])
    event = np.select([time == t_lymphoma, time == t_death], [1, 2], 0).astype(float)
    return time.round(2), event


def simulate_trial(rng: np.random.Generator, esspri: np.ndarray, effect: np.ndarray, *,
                   placebo_change: float, change_sd: float) -> tuple[np.ndarray, np.ndarray]:
    """Arm (exactly balanced 1:1, random order) and ESSPRI change (follow-up - baseline).

    The follow-up ESSPRI is the baseline plus the placebo change, the patient's
    treatment effect when treated, and normal noise, kept on the 0-10 scale.
    The change is missing where the baseline ESSPRI is.
    """
    n = esspri.size
    arm = rng.permutation(np.arange(n) % 2).astype(float)
    noise = rng.normal(placebo_change, change_sd, size=n)
    followup = np.clip(esspri + noise + effect * arm, 0.0, 10.0)
    return arm, np.round(followup - esspri, 2)
