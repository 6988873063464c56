"""What defines each subgroup: one-vs-rest surrogate classifiers explained with SHAP."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .. import parallel
from .._utils.stats import standardized_difference

__all__ = ["explain_clusters", "agreement_with_profile", "standardized_mean_differences"]

_SURROGATE = {"max_depth": 3, "max_leaf_nodes": 8, "max_iter": 100, "learning_rate": 0.1,
              "max_bins": 63, "class_weight": "balanced"}


def _check(X: Any, labels: Any) -> tuple[pd.DataFrame, np.ndarray]:
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(
        np.asarray(X), columns=[f"x{i}" for i in range(np.shape(X)[1])])
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise ValueError(f"explain_clusters needs numeric features; column(s) {bad[:5]} are "
                         "not numeric (encode them first).")
    labels = np.asarray(labels)
    if labels.shape[0] != frame.shape[0]:
        raise ValueError(f"explain_clusters: labels has {labels.shape[0]} rows but X has "
                         f"{frame.shape[0]}.")
    missing = pd.isna(labels)
    if missing.any():
        ids = ", ".join(str(i) for i in frame.index[missing][:5])
        raise ValueError(f"explain_clusters: labels are missing for {int(missing.sum())} "
                         f"row(s): {ids}.")
    if np.unique(labels).size < 2:
        raise ValueError("explain_clusters needs at least 2 subgroups.")
    return frame.astype("float64"), labels


def _surrogate(values: np.ndarray, member: np.ndarray, seed: int) -> np.ndarray:
    """SHAP values (log-odds of membership) of a depth-capped boosting model."""
    import shap
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(**_SURROGATE, random_state=seed).fit(values, member)
    explainer = shap.TreeExplainer(model, feature_perturbation="tree_path_dependent")
    return np.asarray(explainer.shap_values(values), dtype=np.float64)


def _direction(values: np.ndarray, shap_values: np.ndarray) -> np.ndarray:
    """+1 when higher values push towards the subgroup, -1 lower, 0 no effect."""
    out = np.zeros(values.shape[1], dtype=int)
    for j in range(values.shape[1]):
        seen = ~np.isnan(values[:, j])
        x, s = values[seen, j], shap_values[seen, j]
        if x.size > 2 and np.ptp(x) > 0 and np.ptp(s) > 0:
            out[j] = int(np.sign(stats.spearmanr(x, s).statistic))
    return out


def explain_clusters(X: Any, labels: Any, *, random_state: Any = None,
                     n_jobs: int | None = None) -> pd.DataFrame:
    """The features that define each subgroup, ranked by mean |SHAP|.

    For every subgroup a gradient-boosting surrogate (depth <= 3, class
    weights balanced, missing values handled natively) learns membership of
    that subgroup against all others; TreeSHAP attributes its log-odds to the
    features. A feature defines a subgroup when it moves membership a lot on
    average (mean |SHAP|); its direction is the sign of the Spearman
    correlation between the feature and its SHAP value.

    Parameters
    ----------
    X : DataFrame or array of shape (n_patients, n_features)
        Numeric features (missing values allowed).
    labels : array-like of shape (n_patients,)
        Subgroup of each patient (e.g. ``ConsensusClustering(...).labels_``).
    random_state : int, RandomState or None
    n_jobs : int, optional
        Workers over subgroups (:func:`stratify.parallel.run`).

    Returns
    -------
    DataFrame
        One row per subgroup and feature: ``subgroup``, ``feature``,
        ``mean_abs_shap``, ``share`` (of the subgroup's total),
        ``direction`` (+1 higher in the subgroup, -1 lower, 0 none) and
        ``rank`` (1 = most defining), sorted by subgroup then rank.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.normal(size=(120, 3)), columns=["mol_MX1", "mol_BTK", "age"])
    >>> labels = np.repeat(["interferon", "lymphoid"], 60)
    >>> X.loc[labels == "interferon", "mol_MX1"] += 2.0
    >>> table = explain_clusters(X, labels, random_state=0)
    >>> top = table[table["rank"] == 1].set_index("subgroup")
    >>> top.loc["interferon", "feature"], int(top.loc["interferon", "direction"])
    ('mol_MX1', 1)
    """
    frame, labels = _check(X, labels)
    groups = sorted(pd.unique(labels).tolist(), key=str)
    values = frame.to_numpy()
    seeds = parallel.spawn_seeds(random_state, len(groups))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        explained = parallel.run(_surrogate, [(values, (labels == g).astype(int), s)
                                              for g, s in zip(groups, seeds)], n_jobs=n_jobs)
    tables = []
    for group, shap_values in zip(groups, explained):
        strength = np.abs(shap_values).mean(axis=0)
        total = strength.sum()
        table = pd.DataFrame({
            "subgroup": group, "feature": list(frame.columns), "mean_abs_shap": strength,
            "share": strength / total if total > 0 else 0.0,
            "direction": _direction(values, shap_values),
        })
        table["rank"] = table["mean_abs_shap"].rank(ascending=False, method="first").astype(int)
        tables.append(table.sort_values("rank"))
    return pd.concat(tables, ignore_index=True)


def standardized_mean_differences(X: Any, labels: Any) -> pd.DataFrame:
    """Per feature (rows) and subgroup (columns): (mean in subgroup - mean of the
    others) / pooled SD, ignoring missing values.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]})
    >>> standardized_mean_differences(X, ["g", "g", "h", "h"]).round(3).loc["a", "h"]
    np.float64(2.828)
    """
    frame, labels = _check(X, labels)
    out = {}
    for group in sorted(pd.unique(labels).tolist(), key=str):
        inside, rest = frame[labels == group], frame[labels != group]
        out[group] = standardized_difference(inside.mean(), rest.mean(), inside.var(),
                                             rest.var(), inside.count(), rest.count())
    return pd.DataFrame(out)


def _effects(profile: pd.DataFrame) -> pd.DataFrame:
    """Profile effect sizes as a wide frame: features (rows) by subgroup (columns)."""
    if {"feature", "subgroup"} <= set(profile.columns):
        column = next((c for c in ("effect_size", "effect", "smd", "cohens_d")
                       if c in profile.columns), None)
        if column is None:
            raise ValueError("agreement_with_profile: the profile has no 'effect_size' column.")
        return profile.pivot_table(index="feature", columns="subgroup", values=column,
                                   aggfunc="first")
    return profile


def agreement_with_profile(explained: pd.DataFrame, profile: pd.DataFrame | None = None, *,
                           X: Any = None, labels: Any = None, top: int = 5) -> pd.DataFrame:
    """Do the SHAP-defining features agree with the subgroup profile?

    Parameters
    ----------
    explained : DataFrame
        Output of :func:`explain_clusters`.
    profile : DataFrame, optional
        Effect sizes per feature and subgroup: either long (columns
        ``feature``, ``subgroup``, ``effect_size``, as from
        ``stratify.cluster.profile``) or wide (features by subgroups). When
        None, ``stratify.cluster.profile(X, labels)`` is used if available,
        else :func:`standardized_mean_differences` of ``X`` and ``labels``.
    X, labels : optional
        Needed when ``profile`` is None.
    top : int, default=5
        Size of the top lists compared.

    Returns
    -------
    DataFrame
        One row per subgroup: ``spearman`` (rank correlation of mean |SHAP|
        with |effect size| over features), ``p_value``, ``top_overlap``
        (shared features among the ``top`` of each, as a fraction) and
        ``direction_agreement`` (fraction of the SHAP top features whose
        direction matches the sign of the effect size).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.normal(size=(120, 4)), columns=list("abcd"))
    >>> labels = np.repeat([0, 1], 60)
    >>> X.loc[labels == 1, "a"] += 2.0
    >>> X.loc[labels == 1, "b"] -= 1.0
    >>> table = explain_clusters(X, labels, random_state=0)
    >>> agreement = agreement_with_profile(table, X=X, labels=labels, top=2)
    >>> agreement["top_overlap"].tolist()
    [1.0, 1.0]
    """
    if profile is None:
        if X is None or labels is None:
            raise ValueError("agreement_with_profile needs a profile, or X and labels.")
        try:
            from stratify.cluster import profile as cluster_profile
        except ImportError:
            effects = standardized_mean_differences(X, labels)
        else:
            effects = _effects(cluster_profile(X, labels))
    else:
        effects = _effects(profile)
    rows = []
    for group, table in explained.groupby("subgroup", sort=False):
        column = group if group in effects.columns else str(group)
        if column not in effects.columns:
            raise ValueError(f"agreement_with_profile: subgroup {group!r} is not in the profile.")
        effect = effects[column].reindex(table["feature"]).to_numpy(dtype=float)
        strength = table["mean_abs_shap"].to_numpy()
        known = ~np.isnan(effect)
        rho, p = stats.spearmanr(strength[known], np.abs(effect[known]))
        ranked = table.assign(effect=effect)
        shap_top = ranked.nsmallest(top, "rank")
        effect_top = ranked.assign(size=np.abs(effect)).nlargest(top, "size")
        overlap = len(set(shap_top["feature"]) & set(effect_top["feature"])) / top
        agrees = np.sign(shap_top["effect"]) == shap_top["direction"]
        rows.append({"subgroup": group, "spearman": float(rho), "p_value": float(p),
                     "top_overlap": overlap, "direction_agreement": float(agrees.mean())})
    return pd.DataFrame(rows).set_index("subgroup")
