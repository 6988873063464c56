"""Consensus matrix, its CDF, PAC and per-cluster Jaccard stability on hand examples."""

import numpy as np

from stratify.cluster._stability import (
    cluster_stability,
    consensus_matrix,
    consensus_summary,
    cosampling,
)


def test_consensus_matrix_counts_co_clustering_over_co_sampling():
    # 4 patients, 3 resamples
    indices = [np.array([0, 1, 2]), np.array([0, 1, 3]), np.array([1, 2, 3])]
    labels = [np.array([0, 0, 1]), np.array([0, 1, 1]), np.array([0, 0, 1])]
    counts = cosampling(indices, 4)
    assert counts[0, 1] == 2 and counts[0, 2] == 1 and counts[2, 3] == 1
    consensus = consensus_matrix(indices, labels, 4)
    assert consensus[0, 1] == 0.5  # drawn by resamples 1 and 2, together in 1
    assert consensus[1, 2] == 0.5  # drawn by resamples 1 and 3, together in 3
    assert consensus[1, 3] == 0.5  # drawn by resamples 2 and 3, together in 2
    assert consensus[0, 2] == 0.0 and consensus[2, 3] == 0.0
    assert consensus[0, 0] == 1.0
    assert np.allclose(consensus, consensus.T, equal_nan=True)


def test_pairs_never_drawn_together_are_nan_and_noise_joins_nobody():
    indices = [np.array([0, 1]), np.array([2, 3])]
    labels = [np.array([-1, -1]), np.array([0, 0])]
    consensus = consensus_matrix(indices, labels, 4)
    assert np.isnan(consensus[0, 2])
    assert consensus[0, 1] == 0.0  # both noise: not clustered together
    assert consensus[2, 3] == 1.0


def test_summary_of_a_clear_cut_and_an_ambiguous_matrix():
    crisp = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1]], dtype=np.float32)
    summary = consensus_summary(crisp)
    assert summary["pac"] == 0.0
    # upper values: 1, 0, 0 -> CDF jumps to 2/3 at 0 and to 1 at 1; Monti's area: (1 - 0) * 1
    assert summary["cdf_area"] == 1.0
    assert summary["cdf"][0] == 2 / 3 and summary["cdf"][-1] == 1.0
    fuzzy = np.array([[1, 0.5, 0.05], [0.5, 1, 0.95], [0.05, 0.95, 1]], dtype=np.float32)
    summary = consensus_summary(fuzzy)
    assert np.isclose(summary["pac"], 1 / 3)  # only 0.5 is in (0.1, 0.9]
    # sorted values 0.05, 0.5, 0.95: (0.45 * 2/3) + (0.45 * 1)
    assert np.isclose(summary["cdf_area"], 0.45 * 2 / 3 + 0.45)


def test_jaccard_stability_of_a_reproduced_and_a_dissolving_cluster():
    reference = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    indices = [np.arange(8), np.arange(8)]
    labels = [np.array([0, 0, 0, 0, 1, 1, 1, 1]),   # both reproduced: 1, 1
              np.array([0, 0, 0, 0, 0, 0, 1, 1])]   # cluster 1 half merged
    stability = cluster_stability(reference, indices, labels)
    # resample 2: cluster 0 best match {0..5}: 4/6; cluster 1 best: {6,7} 2/4 or {0..5} 2/8
    assert np.allclose(stability, [(1 + 4 / 6) / 2, (1 + 0.5) / 2])


def test_stability_ignores_resamples_without_the_cluster():
    reference = np.array([0, 0, 1])
    indices = [np.array([0, 1]), np.array([0, 1, 2])]
    labels = [np.array([0, 0]), np.array([0, 0, 1])]
    assert np.allclose(cluster_stability(reference, indices, labels), [1.0, 1.0])


def test_stability_over_imputed_frames_compares_each_resample_with_its_frame():
    # frames 0 and 1 disagree on patient 3 (its imputed values moved it);
    # resample r clustered frame r mod 2 and reproduced that frame exactly
    frames = np.array([[0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 1]])
    indices = [np.arange(6), np.arange(6), np.arange(6)]
    labels = [frames[0], frames[1], frames[0]]
    assert np.allclose(cluster_stability(frames, indices, labels), [1.0, 1.0])
    # against frame 0 alone, resample 1 counts patient 3 as a cluster change
    pooled = cluster_stability(frames[0], indices, labels)
    assert np.allclose(pooled, [(1 + 3 / 4 + 1) / 3, (1 + 2 / 3 + 1) / 3])
