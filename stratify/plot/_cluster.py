"""Figures of subgroup discovery: embedding, consensus matrix and CDF, profile, stability."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._axes import get_ax, group_colors

__all__ = ["embedding", "consensus", "consensus_cdf", "profile_heatmap", "stability"]

HENNIG_DISSOLVED, HENNIG_STABLE = 0.6, 0.75


def embedding(embedding_frame: Any, labels: Any, ax: Any = None, *, title: str | None = None,
              s: float = 12.0, alpha: float = 0.8) -> Any:
    """Patients in two embedding dimensions, coloured by subgroup.

    Parameters
    ----------
    embedding_frame : DataFrame or array of shape (n_patients, >= 2)
        E.g. from :class:`stratify.cluster.Embedder`; the first two columns
        are drawn.
    labels : array-like of shape (n_patients,)
        Subgroup of each patient; one scatter (and legend entry) per subgroup.
    ax : matplotlib Axes, optional
    title : str, optional
    s, alpha : float
        Marker size and opacity.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stratify.plot import embedding
    >>> frame = pd.DataFrame({"emb1": [0.0, 1.0, 2.0, 3.0], "emb2": [1.0, 0.0, 1.0, 0.0]})
    >>> ax = embedding(frame, [0, 0, 1, 1])
    >>> len(ax.collections), ax.get_xlabel()
    (2, 'emb1')
    """
    frame = embedding_frame if isinstance(embedding_frame, pd.DataFrame) else pd.DataFrame(
        np.asarray(embedding_frame), columns=[f"emb{i + 1}" for i in
                                              range(np.shape(embedding_frame)[1])])
    labels = np.asarray(labels)
    if labels.shape[0] != len(frame):
        raise ValueError(f"embedding: labels has {labels.shape[0]} rows but the embedding has "
                         f"{len(frame)}.")
    ax = get_ax(ax)
    colors = group_colors(labels)
    x, y = frame.iloc[:, 0].to_numpy(), frame.iloc[:, 1].to_numpy()
    for group, color in colors.items():
        member = labels == group
        ax.scatter(x[member], y[member], s=s, alpha=alpha, color=color, linewidths=0,
                   label=f"{group} (n={int(member.sum())})")
    ax.set_xlabel(str(frame.columns[0]))
    ax.set_ylabel(str(frame.columns[1]))
    ax.set_title(title or "Patients by subgroup")
    ax.legend(title="subgroup", fontsize="small", markerscale=1.5)
    return ax


def _anchor_labels(model: Any, k: int | None) -> tuple[np.ndarray, int]:
    """Labels of the anchor patients at ``k`` (the final ones for the chosen k)."""
    if k is None or k == model.k_:
        return np.asarray(model.labels_)[model.anchors_], int(model.k_)
    from scipy.cluster.hierarchy import average, fcluster
    from scipy.spatial.distance import squareform

    matrix = np.nan_to_num(model.consensus_matrix(k), nan=0.0)
    np.fill_diagonal(matrix, 1.0)
    distance = squareform(1.0 - matrix, checks=False)
    return fcluster(average(distance), k, criterion="maxclust") - 1, int(k)


def consensus(model: Any, k: int | None = None, ax: Any = None, *, max_patients: int = 1000,
              cmap: str = "Blues") -> Any:
    """The consensus matrix as a heatmap, patients ordered by subgroup.

    Within a subgroup, patients with the highest mean consensus with their
    own subgroup come first. Sharp blocks on the diagonal mean subgroups
    that resamples reproduce; grey bands mean ambiguous patients.

    Parameters
    ----------
    model : ConsensusClustering
        Fitted.
    k : int, optional
        Number of clusters (default: the chosen k). For another k the
        patients are grouped by average linkage on 1 - consensus.
    ax : matplotlib Axes, optional
    max_patients : int, default=1000
        At most this many anchor patients are drawn (evenly spaced after
        ordering), to keep the image light.
    cmap : str, default="Blues"

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from stratify.cluster import ConsensusClustering
    >>> from stratify.plot import consensus
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (120, 2)), rng.normal(6, 1, (80, 2))])
    >>> model = ConsensusClustering(k_range=[2, 3], n_resamples=5, random_state=0).fit(X)
    >>> ax = consensus(model)
    >>> ax.get_title(), len(ax.images)
    ('Consensus matrix (k=2)', 1)
    """
    matrix = model.consensus_ if k is None or k == model.k_ else model.consensus_matrix(k)
    labels, k_shown = _anchor_labels(model, k)
    matrix = np.nan_to_num(np.asarray(matrix, dtype=float), nan=0.0)
    np.fill_diagonal(matrix, 1.0)
    groups = sorted(np.unique(labels).tolist())
    pieces = []
    for group in groups:
        member = np.flatnonzero(labels == group)
        own = matrix[np.ix_(member, member)].mean(axis=1)
        pieces.append(member[np.argsort(-own, kind="stable")])
    order = np.concatenate(pieces)
    if order.size > max_patients:
        order = order[np.linspace(0, order.size - 1, max_patients).astype(int)]
    ax = get_ax(ax, figsize=(5.5, 5.0))
    image = ax.imshow(matrix[np.ix_(order, order)], cmap=cmap, vmin=0.0, vmax=1.0,
                      interpolation="nearest", aspect="equal")
    ordered = labels[order]
    bounds = np.flatnonzero(np.diff(ordered)) + 0.5
    for b in bounds:
        ax.axhline(b, color="black", lw=0.6)
        ax.axvline(b, color="black", lw=0.6)
    ax.figure.colorbar(image, ax=ax, label="consensus (share of resamples together)",
                       shrink=0.8)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(f"patients, ordered by subgroup ({order.size} of {labels.size} anchors)")
    ax.set_ylabel("patients")
    ax.set_title(f"Consensus matrix (k={k_shown})")
    return ax


def consensus_cdf(model: Any, ax: Any = None) -> Any:
    """Empirical CDF of the pairwise consensus, one line per k (Monti et al. 2003).

    A CDF that is flat between 0.1 and 0.9 (low PAC) means pairs are almost
    always or almost never clustered together: a clear-cut k.

    Parameters
    ----------
    model : ConsensusClustering
        Fitted.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from stratify.cluster import ConsensusClustering
    >>> from stratify.plot import consensus_cdf
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (120, 2)), rng.normal(6, 1, (80, 2))])
    >>> model = ConsensusClustering(k_range=[2, 3], n_resamples=5, random_state=0).fit(X)
    >>> ax = consensus_cdf(model)
    >>> len(ax.lines), [t.get_text() for t in ax.get_legend().get_texts()]
    (2, ['k=2 (chosen)', 'k=3'])
    """
    cdf = model.consensus_cdf_
    ax = get_ax(ax)
    colors = group_colors(list(cdf.columns))
    for k in cdf.columns:
        chosen = int(k) == int(model.k_)
        ax.step(cdf.index, cdf[k], where="post", color=colors[k], lw=2.2 if chosen else 1.2,
                label=f"k={k}" + (" (chosen)" if chosen else ""))
    ax.axvspan(0.1, 0.9, color="grey", alpha=0.08, lw=0)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("consensus index")
    ax.set_ylabel("CDF (share of patient pairs)")
    ax.set_title("Consensus CDF by k (shaded: ambiguous range of PAC)")
    ax.legend(fontsize="small")
    return ax


def profile_heatmap(profile_table: pd.DataFrame, top: int | None = 25, ax: Any = None, *,
                    value: str = "effect_size", limit: float | None = None) -> Any:
    """Features x subgroups coloured by effect size (RdBu: red higher, blue lower).

    Parameters
    ----------
    profile_table : DataFrame
        Long format from :func:`stratify.cluster.profile` (``feature``,
        ``subgroup`` and ``value`` columns).
    top : int or None, default=25
        Keep the features with the largest absolute effect in any subgroup
        (all when None), ordered by the subgroup where their effect is largest.
    ax : matplotlib Axes, optional
    value : str, default="effect_size"
    limit : float, optional
        Colour range [-limit, limit]; default the largest absolute value (at least 0.5).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.plot import profile_heatmap
    >>> table = pd.DataFrame({"feature": ["a", "a", "b", "b", "c", "c"],
    ...                       "subgroup": [0, 1, 0, 1, 0, 1],
    ...                       "effect_size": [1.2, -1.2, 0.1, -0.1, -0.6, 0.6]})
    >>> ax = profile_heatmap(table, top=2)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['a', 'c']
    """
    missing = {"feature", "subgroup", value} - set(profile_table.columns)
    if missing:
        raise ValueError(f"profile_heatmap needs the columns {sorted(missing)} (the long "
                         "format of stratify.cluster.profile).")
    wide = profile_table.pivot_table(index="feature", columns="subgroup", values=value,
                                     aggfunc="first", sort=False)
    strength = wide.abs().max(axis=1)
    if top is not None:
        wide = wide.loc[strength.nlargest(int(top)).index]
    peak = wide.abs().fillna(0.0).to_numpy().argmax(axis=1)
    order = np.lexsort((-wide.abs().max(axis=1).to_numpy(), peak))
    wide = wide.iloc[order]
    bound = limit if limit is not None else max(0.5, float(np.nanmax(np.abs(wide.to_numpy()))))
    ax = get_ax(ax, figsize=(1.2 * wide.shape[1] + 3.0, 0.28 * wide.shape[0] + 1.8))
    image = ax.imshow(wide.to_numpy(dtype=float), cmap="RdBu_r", vmin=-bound, vmax=bound,
                      aspect="auto", interpolation="nearest")
    ax.set_xticks(range(wide.shape[1]), [str(c) for c in wide.columns])
    ax.set_yticks(range(wide.shape[0]), [str(f) for f in wide.index])
    ax.set_xlabel("subgroup")
    ax.set_ylabel("feature")
    ax.figure.colorbar(image, ax=ax, label=value.replace("_", " ") + " (vs the rest)",
                       shrink=0.8)
    ax.set_title("Subgroup profiles")
    return ax


def stability(model: Any, ax: Any = None) -> Any:
    """Bootstrap Jaccard stability of each subgroup, with Hennig's reference lines.

    Under 0.6 a subgroup is not reproduced (dissolved); above 0.75 it is
    stable (Hennig 2007).

    Parameters
    ----------
    model : ConsensusClustering
        Fitted (its ``stability_``).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from stratify.cluster import ConsensusClustering
    >>> from stratify.plot import stability
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (120, 2)), rng.normal(6, 1, (80, 2))])
    >>> model = ConsensusClustering(k_range=[2, 3], n_resamples=5, random_state=0).fit(X)
    >>> ax = stability(model)
    >>> len(ax.patches), ax.get_ylabel()
    (2, 'Jaccard (mean over resamples)')
    """
    values = pd.Series(model.stability_)
    ax = get_ax(ax)
    colors = group_colors(values.index)
    ax.bar([str(i) for i in values.index], values.to_numpy(dtype=float),
           color=[colors[i] for i in values.index])
    ax.axhline(HENNIG_DISSOLVED, color="grey", ls="--", lw=1,
               label=f"{HENNIG_DISSOLVED} (below: dissolved)")
    ax.axhline(HENNIG_STABLE, color="black", ls="--", lw=1,
               label=f"{HENNIG_STABLE} (above: stable)")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("subgroup")
    ax.set_ylabel("Jaccard (mean over resamples)")
    ax.set_title("Subgroup stability (Hennig 2007)")
    ax.legend(fontsize="small", loc="lower right")
    return ax
