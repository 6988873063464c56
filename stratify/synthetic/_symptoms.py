"""Five symptom scores driven by four symptom subgroups, and their Bayes-optimal reading.

Given the subgroup, each score is an independent normal draw rounded to the
nearest integer and clipped to its scale (ESSPRI items 0-10, HADS 0-21), so
the probability of every observed value is an interval probability of the
normal and the oracle is exact.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SYMPTOM_SUBGROUPS", "SYMPTOM_COLUMNS", "SYMPTOM_PROFILES", "SYMPTOM_SD",
           "simulate_symptoms", "symptom_log_likelihood"]

SYMPTOM_SUBGROUPS = ("LSB", "DDF", "PDF", "HSB")
"""Low symptom burden, dryness dominant with fatigue, pain dominant with fatigue, high
symptom burden (Tarn et al., Lancet Rheumatol 2019)."""

SYMPTOM_COLUMNS = ("esspri_dryness", "esspri_fatigue", "esspri_pain", "anxiety", "depression")
_MAXIMA = np.array([10, 10, 10, 21, 21])

SYMPTOM_PROFILES = {
    # Means of the latent normal (before rounding and clipping) for dryness, fatigue,
    # pain (0-10), HADS anxiety and depression (0-21). Chosen so that the ESSPRI
    # medians are about 2, 5, 6 and 6.7 (Tarn et al. 2019) and the cohort means
    # about 6.0, 5.5 and 4.5 for dryness, fatigue and pain (UKPSSR).
    "LSB": (2.6, 1.5, 0.6, 4.0, 2.5),
    "DDF": (7.5, 5.3, 1.8, 5.0, 3.5),
    "PDF": (5.8, 6.1, 6.0, 6.5, 5.5),
    "HSB": (7.0, 6.9, 6.0, 12.5, 11.0),
}

SYMPTOM_SD = (2.0, 2.0, 2.0, 3.5, 3.5)
"""Within-subgroup standard deviation of each latent score (unverified; sets the overlap)."""


def _profile_arrays(profiles: dict, sd: tuple) -> tuple[np.ndarray, np.ndarray]:
    means = np.array([profiles[s] for s in SYMPTOM_SUBGROUPS], dtype=float)
    return means, np.broadcast_to(np.asarray(sd, dtype=float), means.shape)


def simulate_symptoms(rng: np.random.Generator, subgroup: np.ndarray, profiles: dict,
                      sd: tuple) -> np.ndarray:
    """Integer scores (patients x :data:`SYMPTOM_COLUMNS`) as floats."""
    means, sds = _profile_arrays(profiles, sd)
    latent = means[subgroup] + sds[subgroup] * rng.standard_normal((subgroup.size, 5))
    return np.clip(np.rint(latent), 0, _MAXIMA).astype(float)


def symptom_log_likelihood(scores: np.ndarray, profiles: dict, sd: tuple) -> np.ndarray:
    """Log-probability (patients x subgroups) of the observed scores; NaN scores are skipped."""
    from scipy.special import log_ndtr

    means, sds = _profile_arrays(profiles, sd)
    observed = np.isfinite(scores)
    values = np.where(observed, scores, 0.0)
    lower = np.where(values <= 0, -np.inf, values - 0.5)
    upper = np.where(values >= _MAXIMA, np.inf, values + 0.5)
    out = np.zeros((scores.shape[0], len(SYMPTOM_SUBGROUPS)))
    for k in range(len(SYMPTOM_SUBGROUPS)):
        a = (lower - means[k]) / sds[k]
        b = (upper - means[k]) / sds[k]
        # log(Phi(b) - Phi(a)) from the tail that keeps precision
        upper_tail = a > 0
        hi = np.where(upper_tail, -a, b)
        lo = np.where(upper_tail, -b, a)
        log_hi = log_ndtr(hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_p = log_hi + np.log1p(-np.exp(log_ndtr(lo) - log_hi))
        out[:, k] = np.where(observed, log_p, 0.0).sum(axis=1)
    return out
