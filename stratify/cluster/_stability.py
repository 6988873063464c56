"""Consensus statistics from resampled clusterings (Monti et al. 2003) and
per-cluster stability (Hennig 2007).

Resampled clusterings are stored compactly (row positions and int16 labels
of each resample); the n x n consensus matrix of one k is computed when
needed by two matrix products: with ``A`` the (patients x resample-clusters)
membership indicator and ``B`` the (patients x resamples) sampling
indicator, co-clustering counts are ``A @ A.T`` and co-sampling counts
``B @ B.T``. Memory is bounded by the number of anchor patients, never by n.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CDF_GRID = np.linspace(0.0, 1.0, 101)
PAC_LOWER, PAC_UPPER = 0.1, 0.9


def cosampling(indices: Sequence[np.ndarray], n: int) -> np.ndarray:
    """How many resamples drew each pair of the ``n`` patients (float32 n x n)."""
    sampled = np.zeros((n, len(indices)), dtype=np.float32)
    for r, idx in enumerate(indices):
        sampled[idx, r] = 1.0
    return sampled @ sampled.T


def consensus_matrix(indices: Sequence[np.ndarray], labels: Sequence[np.ndarray], n: int,
                     counts: np.ndarray | None = None) -> np.ndarray:
    """Share of the resamples drawing both patients that put them in one cluster.

    Pairs never drawn together are NaN. ``counts`` is :func:`cosampling` when
    already computed. Noise labels (negative) co-cluster with nobody.
    """
    widths = [int(lab.max()) + 1 if lab.size and lab.max() >= 0 else 0 for lab in labels]
    member = np.zeros((n, max(sum(widths), 1)), dtype=np.float32)
    offset = 0
    for idx, lab, width in zip(indices, labels, widths):
        kept = lab >= 0
        member[idx[kept], offset + lab[kept]] = 1.0
        offset += width
    together = member @ member.T
    if counts is None:
        counts = cosampling(indices, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        consensus = np.where(counts > 0, together / counts, np.nan).astype(np.float32)
    return consensus


def _upper_values(consensus: np.ndarray) -> np.ndarray:
    n = consensus.shape[0]
    values = consensus[np.triu(np.ones((n, n), dtype=bool), k=1)]
    return np.sort(values[~np.isnan(values)])


def consensus_summary(consensus: np.ndarray) -> dict:
    """CDF of the pairwise consensus, its area (Monti) and PAC (Senbabaoglu 2014).

    Returns a dict with ``cdf`` (the CDF at :data:`CDF_GRID`), ``cdf_area``
    (Monti's area under the CDF, sum over sorted distinct values x_i of
    (x_i - x_{i-1}) CDF(x_i)) and ``pac`` (CDF(0.9) - CDF(0.1), the share of
    pairs clustered together in neither almost all nor almost no resamples).
    """
    values = _upper_values(consensus)
    if values.size == 0:
        return {"cdf": np.full(CDF_GRID.size, np.nan), "cdf_area": np.nan, "pac": np.nan}
    distinct, counts = np.unique(values, return_counts=True)
    cdf_distinct = np.cumsum(counts) / values.size
    area = float(np.sum(np.diff(distinct) * cdf_distinct[1:]))
    cdf = np.searchsorted(values, CDF_GRID, side="right") / values.size
    pac = (np.searchsorted(values, PAC_UPPER, side="right")
           - np.searchsorted(values, PAC_LOWER, side="right")) / values.size
    return {"cdf": cdf, "cdf_area": area, "pac": float(pac)}


def cluster_stability(reference: np.ndarray, indices: Sequence[np.ndarray],
                      labels: Sequence[np.ndarray]) -> np.ndarray:
    """Mean Jaccard of each reference cluster with its best match in each resample.

    ``reference`` labels the same patients the resample indices point into.
    In each resample the reference cluster is restricted to the patients
    drawn, and compared with every resample cluster; the best Jaccard
    coefficient is kept (Hennig 2007, as in fpc::clusterboot). Resamples that
    drew no member of a cluster do not count for it. Noise (negative labels)
    is never a cluster.

    With multiple imputation ``reference`` is 2-D, one row per imputed frame
    (clusters matched between frames), and resample r, which clustered frame
    r mod m, is compared with row r mod m: stability is then a complete-data
    statistic averaged over the frames, as Rubin's rules pool an estimate.
    Against one pooled labelling, a patient whose imputed values put it in
    another subgroup in another frame would count as instability of the
    subgroup rather than as uncertainty about the patient.
    """
    reference = np.atleast_2d(reference)
    k = int(reference.max()) + 1 if reference.size and reference.max() >= 0 else 0
    total = np.zeros(k)
    seen = np.zeros(k)
    for r, (idx, lab) in enumerate(zip(indices, labels)):
        ref = reference[r % len(reference)][idx]
        width = int(lab.max()) + 1 if lab.size and lab.max() >= 0 else 0
        sizes_ref = np.bincount(ref[ref >= 0], minlength=k)[:k]
        if width == 0:
            seen += sizes_ref > 0
            continue
        sizes_lab = np.bincount(lab[lab >= 0], minlength=width)
        both = (ref >= 0) & (lab >= 0)
        table = np.bincount(ref[both].astype(np.int64) * width + lab[both],
                            minlength=k * width).reshape(k, width)
        union = sizes_ref[:, None] + sizes_lab[None, :] - table
        with np.errstate(invalid="ignore", divide="ignore"):
            best = np.where(union > 0, table / np.maximum(union, 1), 0.0).max(axis=1)
        present = sizes_ref > 0
        total[present] += best[present]
        seen[present] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(seen > 0, total / np.maximum(seen, 1), np.nan)
