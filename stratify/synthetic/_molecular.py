"""Whole-blood expression driven by four molecular subgroups, and its Bayes-optimal reading.

Every gene follows a factor model within a subgroup::

    x[g] = mean[subgroup, g] + centre_shift[centre, g] + loading * f[module(g)] + e[g]

with one standard-normal latent factor ``f`` per gene module (so genes of a
module correlate), independent residuals ``e ~ N(0, 1 - loading**2)`` (unit
variance per gene within a subgroup), and subgroup means that differ only on
the informative modules. Because every module's covariance is diagonal plus
rank one, the likelihood of any observed subset of genes has a closed form
(Sherman-Morrison), which gives the exact oracle without a loop over patients.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SUBGROUPS", "MODULES", "NOISE_GENES", "GENES", "MARKER_GENES", "IFN_SCORE_GENES",
           "MODULE_SHIFTS", "gene_means", "simulate_expression", "molecular_log_likelihood"]

SUBGROUPS = ("healthy_like", "inflammatory", "interferon", "lymphoid")
"""The four molecular subgroups (PRECISESADS pan-autoimmune names; Soret et al. 2021)."""

MODULES = {
    # The five genes of the standard IFN score come first (Collins et al., Rheumatol Int 2021).
    "interferon": ("IFI44", "IFI44L", "IFIT1", "IFIT3", "MX1", "RSAD2", "ISG15", "OAS1"),
    "b_cell": ("BTK", "TNFSF13", "TNFSF13B", "CD19", "MS4A1", "CXCL13"),
    "inflammatory": ("IL6", "TNF", "IL1B", "S100A8", "S100A12"),
}
"""Informative gene modules: their means differ between subgroups."""

NOISE_GENES = ("CD3E", "CD4", "CD8A", "NKG7", "GNLY", "GZMB", "ACTB", "GAPDH", "TBP",
               "HPRT1", "PGK1", "PPIA", "RPLP0", "YWHAZ", "SDHA", "UBC", "TFRC", "ALAS1",
               "POLR2A", "PUM1", "IPO8")
"""Pure-noise genes: independent, the same distribution in every subgroup."""

GENES = tuple(f"mol_{g}" for genes in (*MODULES.values(), NOISE_GENES) for g in genes)
"""Every ``mol_`` column, informative modules first."""

MARKER_GENES = tuple(f"mol_{g}" for genes in MODULES.values() for g in genes)
"""The informative (planted) genes: a minority of :data:`GENES`."""

IFN_SCORE_GENES = tuple(f"mol_{g}" for g in MODULES["interferon"][:5])
"""The five genes of the standard IFN score (IFI44, IFI44L, IFIT1, IFIT3, MX1)."""

MODULE_SHIFTS = {
    # subgroup: mean shift of the interferon, B-cell and inflammatory modules (in
    # within-subgroup standard deviations, before the per-gene weights). Lymphoid
    # patients also carry some IFN signal (ASSESS: IFN-high in 38-57 % by cluster).
    "healthy_like": (0.0, 0.0, 0.0),
    "inflammatory": (0.4, 0.0, 1.0),
    "interferon": (1.0, 0.2, 0.0),
    "lymphoid": (0.4, 1.0, 0.0),
}

_WEIGHTS = {name: np.linspace(1.2, 0.6, len(genes)) for name, genes in MODULES.items()}
def gene_means(effect: float) -> np.ndarray:
    """Subgroup x gene means (rows in :data:`SUBGROUPS` order); ``effect`` scales the shifts."""
    means = np.zeros((len(SUBGROUPS), len(GENES)))
    start = 0
    for m, (name, genes) in enumerate(MODULES.items()):
        stop = start + len(genes)
        for k, subgroup in enumerate(SUBGROUPS):
            means[k, start:stop] = effect * MODULE_SHIFTS[subgroup][m] * _WEIGHTS[name]
        start = stop
    return means


def simulate_expression(rng: np.random.Generator, subgroup: np.ndarray, means: np.ndarray,
                        loading: float) -> np.ndarray:
    """Expression (patients x :data:`GENES`) before centre shifts, rounding and missingness."""
    n = subgroup.size
    factors = rng.standard_normal((n, len(MODULES)))
    residual = rng.standard_normal((n, len(GENES)))
    sizes = [len(genes) for genes in MODULES.values()]
    informative = sum(sizes)
    shared = loading * np.repeat(factors, sizes, axis=1)
    out = means[subgroup] + residual
    out[:, :informative] = (means[subgroup][:, :informative] + shared
                            + np.sqrt(1.0 - loading**2) * residual[:, :informative])
    return out


def molecular_log_likelihood(x: np.ndarray, centre_shift: np.ndarray, means: np.ndarray,
                             loading: float) -> np.ndarray:
    """Log-likelihood (patients x subgroups, up to a constant per patient) of the observed genes.

    ``x`` holds the observed expression (NaN where missing), ``centre_shift``
    each patient's centre shifts (same shape). Missing genes are marginalized
    out exactly; uninformative genes cancel between subgroups and are skipped.
    """
    sigma = np.sqrt(1.0 - loading**2)
    n = x.shape[0]
    out = np.zeros((n, means.shape[0]))
    start = 0
    for genes in MODULES.values():
        cols = slice(start, start + len(genes))
        start += len(genes)
        observed = np.isfinite(x[:, cols])
        centred = np.where(observed, x[:, cols] - centre_shift[:, cols], 0.0)
        a = np.where(observed, loading / sigma, 0.0)
        a2 = (a**2).sum(axis=1)
        for k in range(means.shape[0]):
            z = np.where(observed, (centred - means[k, cols]) / sigma, 0.0)
            az = (a * z).sum(axis=1)
            out[:, k] -= 0.5 * ((z**2).sum(axis=1) - az**2 / (1.0 + a2))
    return out
