"""The rule that chooses the number of subgroups k.

An information criterion proposes, stability disposes:

1. ``criterion`` per k: for ``gmm`` the mixture's BIC on all patients
   (Schwarz 1978; as in mclust); for ``kmeans`` and ``agglomerative``, which
   have no likelihood, the ICL-BIC of the partition: minus twice the
   classification log-likelihood of the patients under one Gaussian per
   cluster (own mean, full, tied or diagonal covariance, weights by size) plus
   the BIC penalty (Biernacki, Celeux and Govaert 2000). Both weigh every
   patient, so a small subgroup that is clearly apart lowers them even when it
   barely moves PAC or the silhouette; both penalize extra parameters.
2. ``k_criterion``: the k of lowest criterion.
3. A k is *admissible* when every cluster of its partition is reproduced by
   the resamples: Jaccard stability at least ``min_stability`` (Hennig
   2007: under 0.5 a cluster has dissolved, 0.6-0.75 it is a pattern, above
   0.75 it is stable).
4. The chosen k is the admissible k <= ``k_criterion`` of lowest criterion.
   Instability at ``k_criterion`` means the data do not support that many
   reproducible subgroups, so the rule steps down rather than up. When no
   such k is admissible, the answer is k = 1: no reproducible subgroups.
5. Before all this, the structure test (:mod:`._structure`) compares the
   data with reference null data without clusters; when no k beats the
   null, the answer is k = 1 ("no subgroup structure") whatever the
   criterion and the stabilities say: both find subgroups in data that have
   none (a single skewed or heavy-tailed distribution).

Why not PAC alone: PAC (and the consensus CDF) weigh pairs of patients, and
the pairs inside a 10 % subgroup are 1 % of all pairs, so merging it barely
moves PAC; PAC chose 3 for 4 planted groups (docs/performance.md). Why not the
criterion alone: BIC keeps adding components when subgroups are not exactly
Gaussian (skewed values, imputed values, rounded scores), and those extra
components are not reproducible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._partition import cluster_covariances


def classification_bic(values: np.ndarray, labels: np.ndarray, covariance: str,
                       reg: float) -> float:
    """ICL-BIC of a hard partition under one Gaussian per cluster (lower is better).

    ``covariance`` is one of :data:`COVARIANCE_TYPES`, with the parameters
    counted as scikit-learn's ``GaussianMixture.bic`` counts them. Patients
    labelled ``-1`` (noise) are left out: the score is that of the others.
    """
    clustered = labels >= 0
    values, labels = values[clustered], labels[clustered]
    n, d = values.shape
    clusters, labels = np.unique(labels, return_inverse=True)
    k = clusters.size
    means, covariances = cluster_covariances(values, labels, k, covariance, reg)
    loglik = 0.0
    for c in range(k):
        centred = values[labels == c] - means[c]
        size = centred.shape[0]
        cov = covariances if covariance == "tied" else covariances[c]
        if covariance in ("full", "tied"):
            _, logdet = np.linalg.slogdet(cov)
            quad = float(np.einsum("ij,jk,ik->", centred, np.linalg.inv(cov), centred))
        else:
            variances = np.broadcast_to(cov, (d,))
            logdet = float(np.log(variances).sum())
            quad = float((centred**2 / variances).sum())
        loglik += size * np.log(size / n) - 0.5 * (size * d * np.log(2 * np.pi)
                                                   + size * logdet + quad)
    per_cluster = {"full": k * d * (d + 1) / 2, "tied": d * (d + 1) / 2, "diag": k * d,
                   "spherical": k}[covariance]
    parameters = (k - 1) + k * d + per_cluster
    return float(-2.0 * loglik + parameters * np.log(n))


def choose_k(scores: pd.DataFrame, min_stability: float, *, structure: bool | None = None,
             structure_evidence: str = "") -> tuple[int, pd.DataFrame]:
    """Apply the rule to ``scores`` (indexed by k, with ``criterion`` and
    ``stability_min``); return k and the scores with ``admissible``,
    ``chosen`` and ``reason`` columns.

    ``structure`` is the decision of the structure test (None: not tested).
    When it is False, or when no k <= the criterion's k has every cluster
    reproduced, the answer is k = 1 ("no subgroup structure"), never a
    fallback to the most stable k. When ``scores`` holds one k >= 2 only
    (the user forced it), that k is kept and the reason says what the rule
    would have answered.
    """
    scores = scores.copy()
    if 1 not in scores.index:
        scores = scores.reindex(pd.Index([1, *scores.index], name=scores.index.name))
    candidates_k = scores.index[scores.index >= 2]
    forced = len(candidates_k) == 1
    criterion = scores.loc[candidates_k, "criterion"]
    k_best = int(criterion.idxmin())
    stable = (scores["stability_min"].fillna(0.0) >= min_stability) & (scores.index >= 2)
    candidates = scores[stable & (scores.index <= k_best)]
    if structure is False:
        k, why = 1, f"no subgroup structure: {structure_evidence}"
    elif not len(candidates):
        k, why = 1, (f"no k <= {k_best} has every cluster with Jaccard >= {min_stability}: "
                     "no reproducible subgroups")
    else:
        k = int(candidates["criterion"].idxmin())
        why = (f"lowest criterion among admissible k <= {k_best}" if k != k_best
               else "lowest criterion, every cluster reproduced")
    if forced and k == 1:
        k = int(candidates_k[0])
        why = f"forced by k_range although the rule answers k = 1 ({why})"
    reasons = []
    for kk, row in scores.iterrows():
        if kk == k:
            reasons.append(f"chosen: {why}")
        elif kk == 1:
            reasons.append("subgroup structure against the reference null" if structure
                           else "not chosen")
        elif not stable.loc[kk]:
            reasons.append(f"not admissible: a cluster has Jaccard {row['stability_min']:.2f} "
                           f"< {min_stability}")
        elif kk > k_best:
            reasons.append(f"above k={k_best}, the k of lowest criterion")
        elif k == 1:
            reasons.append("not chosen: no subgroup structure")
        else:
            reasons.append(f"criterion {row['criterion'] - criterion.loc[k]:+.1f} vs k={k}")
    scores["admissible"] = stable
    scores["chosen"] = scores.index == k
    scores["reason"] = reasons
    return k, scores


def no_choice(scores: pd.DataFrame) -> pd.DataFrame:
    """Scores of an HDBSCAN fit: k is what HDBSCAN found."""
    scores = scores.copy()
    scores["admissible"] = True
    scores["chosen"] = True
    scores["reason"] = "chosen: the number of clusters HDBSCAN found (k_range not used)"
    return scores

