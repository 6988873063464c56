"""Plots of subgroup discovery draw what they are given and return the Axes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from cluster_data import planted  # noqa: E402

from stratify.cluster import ConsensusClustering, Embedder, profile  # noqa: E402
from stratify.plot import (  # noqa: E402
    PALETTE,
    consensus,
    consensus_cdf,
    embedding,
    profile_heatmap,
    stability,
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fitted():
    X, _ = planted(3, n=300, seed=100)
    model = ConsensusClustering(k_range=range(2, 5), n_resamples=8, random_state=0).fit(X)
    return X, model


def test_embedding_draws_one_scatter_per_subgroup(fitted):
    X, model = fitted
    emb = Embedder(random_state=0).fit_transform(pd.DataFrame(X))
    ax = embedding(emb, model.labels_)
    assert len(ax.collections) == 3
    assert ax.get_xlabel() == "emb1" and ax.get_ylabel() == "emb2"
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    sizes = np.bincount(model.labels_)
    assert texts == [f"{g} (n={sizes[g]})" for g in range(3)]
    assert matplotlib.colors.to_hex(ax.collections[0].get_facecolor()[0]) == PALETTE[0].lower()
    with pytest.raises(ValueError, match="rows"):
        embedding(emb, model.labels_[:10])


def test_consensus_heatmap_is_ordered_by_subgroup(fitted):
    _, model = fitted
    ax = consensus(model)
    assert ax.get_title() == "Consensus matrix (k=3)"
    assert len(ax.images) == 1
    shown = ax.images[0].get_array()
    assert shown.shape == (300, 300)
    assert len(ax.lines) == 4  # two subgroup boundaries, horizontal and vertical
    # blocks on the diagonal: within-subgroup consensus higher than between
    labels = np.sort(model.labels_[model.anchors_])
    inside = shown[np.equal.outer(labels, labels)].mean()
    assert inside > shown[~np.equal.outer(labels, labels)].mean() + 0.5
    other = consensus(model, k=4, ax=plt.subplots()[1])
    assert other.get_title() == "Consensus matrix (k=4)"


def test_consensus_cdf_draws_one_line_per_k(fitted):
    _, model = fitted
    ax = consensus_cdf(model)
    assert len(ax.lines) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["k=2", "k=3 (chosen)", "k=4"]
    assert ax.get_xlabel() == "consensus index"


def test_profile_heatmap_shows_the_top_features(fitted):
    X, model = fitted
    table = profile(pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])]),
                    model.labels_)
    ax = profile_heatmap(table, top=6)
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert len(rows) == 6 and set(rows) <= {f"f{j}" for j in range(6)}  # the informative ones
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    assert ax.images[0].get_cmap().name == "RdBu_r"
    assert ax.get_title() == "Subgroup profiles"
    with pytest.raises(ValueError, match="effect_size"):
        profile_heatmap(table.drop(columns="effect_size"))


def test_stability_bars_with_hennig_lines(fitted):
    _, model = fitted
    ax = stability(model)
    assert len(ax.patches) == 3
    heights = [p.get_height() for p in ax.patches]
    assert np.allclose(heights, model.stability_.to_numpy())
    assert sorted(line.get_ydata()[0] for line in ax.lines) == [0.6, 0.75]
    assert ax.get_title() == "Subgroup stability (Hennig 2007)"
