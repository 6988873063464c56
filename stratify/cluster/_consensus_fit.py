"""The steps of :meth:`ConsensusClustering.fit`, as functions of their inputs.

The anchor patients, the reference partition of every k (pooled over imputed
frames), the consensus statistics of the resamples, the row of k = 1, the
warnings about the k chosen, the subgroup means and the subgroups' Gaussian
model that scores outliers. ``_consensus_steps.py`` calls them with the
estimator's parameters.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .. import parallel
from ._align import matching_permutation, rename
from ._partition import AUTO_COVARIANCE_TYPES, Partition, fit_partition, merge_down
from ._select_k import classification_bic
from ._stability import cluster_stability, consensus_matrix, consensus_summary, cosampling


def _mahalanobis_model(values: np.ndarray, labels: np.ndarray, k: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Mean and precision of each subgroup in the reduced space (ridge-regularized)."""
    d = values.shape[1]
    means = np.zeros((k, d))
    precisions = np.zeros((k, d, d))
    for c in range(k):
        member = values[labels == c]
        means[c] = member.mean(axis=0) if len(member) else 0.0
        cov = np.cov(member, rowvar=False).reshape(d, d) if len(member) > 1 else np.eye(d)
        ridge = 1e-6 * max(float(np.trace(cov)) / d, 1e-12)
        precisions[c] = np.linalg.pinv(cov + ridge * np.eye(d))
    return means, precisions


def anchor_rows(n: int, max_consensus_n: int, seed: int) -> np.ndarray:
    """The patients the consensus statistics use: all, or a fixed random subsample."""
    if n > max_consensus_n:
        rng = np.random.default_rng(seed)
        return np.sort(rng.choice(n, max_consensus_n, replace=False))
    return np.arange(n)


def pooled_proba(method: str, reduced: list[np.ndarray], models: list[Partition]
                 ) -> np.ndarray:
    """Probability of each subgroup averaged over the models and the frames."""
    if method == "hdbscan":
        return models[0].predict_proba(reduced[0])
    probas = [model.predict_proba(z) for model in models for z in reduced]
    width = max(p.shape[1] for p in probas)
    total = np.zeros((reduced[0].shape[0], width))
    for p in probas:
        total[:, :p.shape[1]] += p
    return total / len(probas)


def pool(method: str, models: list[Partition], labels: list[np.ndarray],
         reduced: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Labels of frame 0, or the most probable subgroup over aligned frame
    models; and each frame's labels (m, n), renamed to match frame 0's."""
    if len(models) == 1:
        return labels[0], labels[0][None, :]
    aligned = [labels[0]]
    for model, lab in zip(models[1:], labels[1:]):
        permutation = matching_permutation(labels[0], lab, model.k or 0)
        model.relabel(permutation)
        aligned.append(rename(lab, permutation))
    return np.argmax(pooled_proba(method, reduced, models), axis=1), np.array(aligned)


def silhouette(reduced: list[np.ndarray], labels: np.ndarray) -> float:
    """Mean silhouette over the frames (NaN with fewer than 2 clusters)."""
    from sklearn.metrics import silhouette_score

    kept = labels >= 0
    found = np.unique(labels[kept]).size
    if found < 2 or found >= kept.sum():
        return np.nan
    return float(np.mean([silhouette_score(z[kept], labels[kept]) for z in reduced]))


def reference_partitions(reduced: list[np.ndarray], fit_ks: list[Any],
                         fit_rows: np.ndarray | None, seed: int, *, method: str,
                         covariance_type: str, options: Callable[[str], dict],
                         reg_covar: float, n_jobs: int | None
                         ) -> tuple[list[tuple], str | None]:
    """For every k: (models per frame, pooled labels, BIC, ICL, labels per
    frame (m, n) with clusters matched to frame 0's); and the covariance used.

    The covariance: for ``gmm`` with ``"auto"``, the covariance (full, tied
    or diagonal) of lowest BIC over k on the first frame; for ``kmeans`` and
    ``agglomerative``, that of lowest ICL; None for ``hdbscan``. The other
    frames (imputation draws) are fitted with the chosen covariance only,
    each from the first frame's model of the same k.
    """
    m = len(reduced)
    types = list(AUTO_COVARIANCE_TYPES) if covariance_type == "auto" else [covariance_type]
    fitted_types = types if method == "gmm" else ["full"]
    seeds = parallel.spawn_seeds(seed, len(fit_ks) * (m + 1))
    first = parallel.run(
        fit_partition,
        [(method, reduced[0], k, seeds[i * m], options(t), fit_rows)
         for t in fitted_types for i, k in enumerate(fit_ks)],
        n_jobs=n_jobs)
    by_type = {t: first[j * len(fit_ks):(j + 1) * len(fit_ks)]
               for j, t in enumerate(fitted_types)}
    if method == "gmm":
        merged = parallel.run(
            merge_down,
            [(reduced[0], fit_ks, by_type[t], seeds[len(fit_ks) * m:], options(t))
             for t in fitted_types], n_jobs=n_jobs)
        by_type = dict(zip(fitted_types, merged))
    fit_type = (min(fitted_types, key=lambda t: min(c[2] for c in by_type[t]))
                if method == "gmm" else "full")
    started = method in ("gmm", "kmeans", "mixed")
    rest = parallel.run(
        fit_partition,
        [(method, reduced[f], k, seeds[i * m + f], options(fit_type), fit_rows,
          by_type[fit_type][i][0] if started else None)
         for i, k in enumerate(fit_ks) for f in range(1, m)],
        n_jobs=n_jobs)
    rows = []
    for i in range(len(fit_ks)):
        chunk = [by_type[fit_type][i], *rest[i * (m - 1):(i + 1) * (m - 1)]]
        models = [c[0] for c in chunk]
        labels, frame_labels = pool(method, models, [c[1] for c in chunk], reduced)
        rows.append((models, labels, float(np.mean([c[2] for c in chunk])), frame_labels))
    if method == "hdbscan":
        models, labels, _, frame_labels = rows[0]
        return [(models, labels, np.nan, np.nan, frame_labels)], None
    if method == "mixed":  # the latent class model's own ICL (BIC plus twice the entropy)
        return [(models, labels, bic,
                 float(np.mean([model.model.icl(z) for model, z in zip(models, reduced)])),
                 frame_labels) for models, labels, bic, frame_labels in rows], None
    # gmm's structure is chosen by BIC: only its ICL is reported
    scored = [fit_type] if method == "gmm" else types
    icl = {t: [float(np.mean([classification_bic(z, labels, t, reg_covar) for z in reduced]))
               for _, labels, _, _ in rows] for t in scored}
    chosen = fit_type if method == "gmm" else min(types, key=lambda t: min(icl[t]))
    return [(models, labels, bic, icl[chosen][i], frame_labels)
            for i, (models, labels, bic, frame_labels) in enumerate(rows)], chosen


def consensus_scores(partitions: list[tuple], fit_ks: list[Any], resample_indices: np.ndarray,
                     resample_labels: np.ndarray, anchored: list[np.ndarray],
                     anchors: np.ndarray, *, n: int, method: str
                     ) -> tuple[pd.DataFrame, dict, list[np.ndarray]]:
    """Per k: the consensus statistics, criteria and stabilities (``scores_`` without
    k = 1 and the choice), the consensus CDFs and each cluster's stability."""
    density = method == "hdbscan"
    indices = list(resample_indices)
    counts = cosampling(indices, anchors.size)
    rows, cdfs, stabilities = [], {}, []
    for i, k in enumerate(fit_ks):
        _, labels, bic, icl, frame_labels = partitions[i]
        resample = [lab[i] for lab in resample_labels]
        summary = consensus_summary(consensus_matrix(indices, resample, anchors.size, counts))
        found = int(labels.max()) + 1
        cdfs[found if density else k] = summary["cdf"]
        # the subgroups are the pooled labels' clusters: a component that only
        # some frame's own labels use is not one of them
        stability = cluster_stability(frame_labels[:, anchors], indices, resample)[:found]
        stabilities.append(stability)
        sizes = np.bincount(labels[labels >= 0]) if found else np.zeros(1)
        rows.append({
            "k": found if density else k,
            "pac": summary["pac"], "cdf_area": summary["cdf_area"],
            # the mixed data have missing values and no common scale: no silhouette
            "silhouette": np.nan if method == "mixed" else silhouette(anchored,
                                                                      labels[anchors]),
            "bic": bic, "icl": icl,
            "criterion": bic if method in ("gmm", "mixed") else icl,
            "stability_min": float(np.nanmin(stability)) if found else np.nan,
            "stability_mean": float(np.nanmean(stability)) if found else np.nan,
            "smallest": float(sizes.min() / n),
        })
    scores = pd.DataFrame(rows).set_index("k")
    area = scores["cdf_area"].to_numpy()
    scores.insert(2, "delta_area", np.r_[area[:1], np.diff(area) / area[:-1]])
    return scores, cdfs, stabilities


def one_group_scores(reduced: list[np.ndarray], *, method: str, covariance: str,
                     reg_covar: float) -> pd.DataFrame:
    """The row of k = 1: every patient in one cluster. With one cluster the
    classification likelihood is the mixture's, so its ICL is also one
    Gaussian's BIC (``gmm``'s criterion)."""
    icl = float(np.mean([classification_bic(z, np.zeros(z.shape[0], dtype=np.int64),
                                            covariance, reg_covar) for z in reduced]))
    bic = icl if method == "gmm" else np.nan
    return pd.DataFrame({"pac": np.nan, "cdf_area": np.nan, "delta_area": np.nan,
                         "silhouette": np.nan, "bic": bic, "icl": icl, "criterion": icl,
                         "stability_min": 1.0, "stability_mean": 1.0, "smallest": 1.0},
                        index=pd.Index([1], name="k"))


def warn_about_k(scores: pd.DataFrame, k_chosen: int, fit_ks: list[Any], *,
                 stacklevel: int) -> None:
    """Warn when the only k given is not supported, or the largest k is chosen."""
    if len(fit_ks) == 1 and not scores.loc[k_chosen, "reason"].startswith("chosen: lowest"):
        warnings.warn(
            f"k={k_chosen} is the only k in 'k_range', so it was kept, but the rule "
            f"does not support it: {scores.loc[k_chosen, 'reason']}. Fit with a range of "
            "k (the default range(2, 9)) to let the data answer, k = 1 included.",
            UserWarning, stacklevel=stacklevel + 1)
    elif len(fit_ks) > 1 and k_chosen == max(fit_ks) and scores.loc[k_chosen, "admissible"]:
        warnings.warn(
            f"k={k_chosen} was chosen and is the largest k in 'k_range': the criterion "
            "still fell there and every cluster was reproduced, so the data may hold "
            f"more subgroups; refit with a wider 'k_range', e.g. range(2, {k_chosen + 5})",
            UserWarning, stacklevel=stacklevel + 1)


def subgroup_means(values: list[np.ndarray], labels: np.ndarray, k: int,
                   feature_names: Any) -> pd.DataFrame:
    """Mean of every feature (averaged over the frames) in each subgroup."""
    mean_values = np.mean(values, axis=0)
    names = (list(feature_names) if feature_names is not None
             else [f"x{j}" for j in range(mean_values.shape[1])])
    with warnings.catch_warnings():  # a feature never observed in a subgroup: NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        means = [np.nanmean(mean_values[labels == c], axis=0) for c in range(k)]
    return pd.DataFrame(means,
                        index=pd.RangeIndex(k, name="subgroup"), columns=names)
