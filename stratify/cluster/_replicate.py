"""Does the subgroup structure hold in an independent cohort?"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from ._align import align_labels

__all__ = ["replicate", "prediction_strength", "in_group_proportion"]


def prediction_strength(clustering: Any, transferred: Any) -> tuple[float, dict]:
    """Prediction strength (Tibshirani and Walther 2005) and its value per cluster.

    For every cluster of ``clustering`` (the external cohort clustered on its
    own), the share of its pairs of patients that ``transferred`` (the
    labels the original model gives them) also puts together; the prediction
    strength is the smallest share. Clusters of fewer than 2 patients and
    noise labels (negative) are left out.

    Examples
    --------
    >>> from stratify.cluster import prediction_strength
    >>> strength, per_cluster = prediction_strength([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 1])
    >>> round(strength, 3), {c: round(v, 3) for c, v in per_cluster.items()}
    (0.333, {0: 0.333, 1: 1.0})
    """
    clustering = np.asarray(clustering)
    transferred = np.asarray(transferred)
    per_cluster = {}
    for cluster in np.unique(clustering[clustering >= 0]):
        inside = transferred[(clustering == cluster) & (transferred >= 0)]
        size = int((clustering == cluster).sum())
        if size < 2:
            continue
        counts = np.unique(inside, return_counts=True)[1]
        per_cluster[int(cluster)] = float((counts * (counts - 1)).sum() / (size * (size - 1)))
    strength = min(per_cluster.values()) if per_cluster else np.nan
    return strength, per_cluster


def in_group_proportion(space: np.ndarray, labels: Any) -> dict:
    """In-group proportion per subgroup (Kapp and Tibshirani 2007).

    The share of the patients assigned to a subgroup whose nearest neighbour
    (Euclidean, in ``space``, excluding themselves) is assigned to the same
    subgroup.

    Examples
    --------
    >>> import numpy as np
    >>> from stratify.cluster import in_group_proportion
    >>> space = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [0.35]])
    >>> in_group_proportion(space, [0, 0, 0, 1, 1, 1])
    {0: 1.0, 1: 0.6666666666666666}
    """
    from sklearn.neighbors import NearestNeighbors

    labels = np.asarray(labels)
    neighbours = NearestNeighbors(n_neighbors=2).fit(space).kneighbors(
        space, return_distance=False)
    # the first neighbour is the patient itself unless duplicates tie with it
    self_first = neighbours[:, 0] == np.arange(len(labels))
    nearest = np.where(self_first, neighbours[:, 1], neighbours[:, 0])
    out = {}
    for group in np.unique(labels[labels >= 0]):
        member = labels == group
        out[int(group)] = float(np.mean(labels[nearest[member]] == group))
    return out


def _centroid_correlation(model: Any, values: np.ndarray, labels: np.ndarray) -> dict:
    """Correlation of each subgroup's standardized mean profile, training vs external."""
    mean, scale = model.reducer_.mean_, model.reducer_.scale_
    reference = (model.subgroup_means_.to_numpy() - mean) / scale
    out = {}
    for group in range(model.k_):
        member = labels == group
        if member.sum() == 0 or values.shape[1] < 2:
            continue
        external = (values[member].mean(axis=0) - mean) / scale
        if np.ptp(external) == 0 or np.ptp(reference[group]) == 0:
            continue
        out[group] = float(np.corrcoef(reference[group], external)[0, 1])
    return out


def replicate(model: Any, X_external: Any, *, random_state: Any = None) -> pd.DataFrame:
    """Check that the subgroups of a fitted model hold in an independent cohort.

    The external cohort is labelled twice: by the fitted ``model``
    (``model.predict``: the *transferred* labels) and by clustering it on its
    own with the same method and settings (a clone of ``model``), at the
    model's k and with k chosen afresh by the model's rule.

    - ``prediction_strength`` (Tibshirani and Walther 2005): for each external
      cluster at the model's k, the share of its pairs of patients that the
      transferred labels also put together; the smallest share. Above about
      0.8 the subgroups are well reproduced.
    - ``in_group_proportion`` (Kapp and Tibshirani 2007): the share of
      external patients whose nearest neighbour (in the model's reduced
      space) has the same transferred subgroup, averaged over subgroups
      (``in_group_proportion_min``: the smallest).
    - ``ari``: adjusted Rand index between transferred labels and the
      external clustering at the model's k.
    - ``centroid_correlation``: mean over subgroups of the correlation between
      the subgroup's mean profile (standardized features) in the training
      cohort and in the external cohort (transferred labels).
    - ``k_external``: the k the model's rule chooses on the external cohort.

    Parameters
    ----------
    model : ConsensusClustering
        Fitted.
    X_external : DataFrame or array, or a list of m imputed frames
        The external cohort, with the model's features, preprocessed the same
        way (centre-corrected and imputed with the training transformers).
    random_state : int, RandomState or None, default=None
        Seed of the external clusterings.

    Returns
    -------
    DataFrame
        One row: ``n``, ``k_model``, ``k_external``, ``prediction_strength``,
        ``in_group_proportion``, ``in_group_proportion_min``, ``ari``,
        ``centroid_correlation``. ``attrs["per_subgroup"]`` holds the
        per-subgroup values.

    Examples
    --------
    >>> import numpy as np
    >>> from stratify.cluster import ConsensusClustering, replicate
    >>> rng = np.random.default_rng(0)
    >>> centres = np.array([[0, 0, 0], [4, 4, 4], [4, -4, 0]])
    >>> def cohort(seed):
    ...     r = np.random.default_rng(seed)
    ...     return np.vstack([r.normal(c, 1.0, size=(n, 3)) for c, n in zip(centres, [50, 30, 20])])
    >>> model = ConsensusClustering(k_range=range(2, 5), n_resamples=5, random_state=0)
    >>> row = replicate(model.fit(cohort(0)), cohort(1), random_state=0)
    >>> int(row.loc[0, "k_external"]), bool(row.loc[0, "prediction_strength"] > 0.9)
    (3, True)
    """
    from sklearn.metrics import adjusted_rand_score

    check_is_fitted(model)
    transferred = np.asarray(model.predict(X_external))
    values = model._values(model._complete(X_external, fit=False), reset=False)
    free = clone(model).set_params(random_state=random_state).fit(X_external)
    if free.k_ == model.k_ or model.method == "hdbscan":
        external = free.labels_
    else:
        fixed = clone(model).set_params(k_range=[model.k_], random_state=random_state)
        external = fixed.fit(X_external).labels_
    strength, per_cluster = prediction_strength(external, transferred)
    space = model._space(values)[0]
    igp = in_group_proportion(space, transferred)
    mean_values = np.mean(values, axis=0)
    correlation = _centroid_correlation(model, mean_values, transferred)
    kept = (external >= 0) & (transferred >= 0)
    aligned = align_labels(transferred[kept], external[kept])
    per_subgroup = pd.DataFrame({
        "in_group_proportion": pd.Series(igp, dtype=float),
        "centroid_correlation": pd.Series(correlation, dtype=float),
        "n_transferred": pd.Series(np.bincount(transferred[transferred >= 0],
                                               minlength=model.k_)),
        "n_external_cluster": pd.Series(np.bincount(aligned, minlength=model.k_)),
    })
    per_subgroup.index.name = "subgroup"
    row = pd.DataFrame([{
        "n": int(len(transferred)), "k_model": int(model.k_), "k_external": int(free.k_),
        "prediction_strength": strength,
        "in_group_proportion": float(np.mean(list(igp.values()))) if igp else np.nan,
        "in_group_proportion_min": float(min(igp.values())) if igp else np.nan,
        "ari": float(adjusted_rand_score(transferred[kept], external[kept])),
        "centroid_correlation": float(np.mean(list(correlation.values())))
        if correlation else np.nan,
    }])
    row.attrs["per_subgroup"] = per_subgroup
    row.attrs["prediction_strength_per_cluster"] = per_cluster
    return row
