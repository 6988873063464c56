"""Label matching: subgroup 1 stays subgroup 1 across runs and imputations."""

import numpy as np
import pytest

from stratify.cluster import align_labels
from stratify.cluster._align import matching_permutation, order_by_size


def test_permuted_labels_are_renamed_back():
    rng = np.random.default_rng(0)
    reference = rng.integers(0, 4, size=200)
    permuted = np.array([2, 0, 3, 1])[reference]
    assert np.array_equal(align_labels(reference, permuted), reference)


def test_matching_maximizes_agreement_despite_disagreements():
    reference = np.array([0] * 10 + [1] * 10 + [2] * 10)
    labels = np.array([5] * 8 + [7] * 2 + [7] * 9 + [5] + [9] * 10)
    aligned = align_labels(reference, labels)
    assert aligned.tolist() == [0] * 8 + [1] * 11 + [0] + [2] * 10
    assert (aligned == reference).sum() == 27


def test_extra_clusters_get_new_numbers_by_size_and_noise_stays():
    reference = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    labels = np.array([3, 3, 3, 4, 1, 1, 2, 2, 2, -1])
    # 3 -> 0 and 2 -> 1 (3 patients each); spare 1 (2 patients) before 4 (1 patient)
    assert align_labels(reference, labels).tolist() == [0, 0, 0, 3, 2, 2, 1, 1, 1, -1]


def test_align_labels_refuses_mismatched_or_non_integer_input():
    with pytest.raises(ValueError, match="same patients"):
        align_labels([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="integer labels"):
        align_labels(["a", "b"], [0, 1])


def test_matching_permutation_is_a_bijection_even_with_empty_clusters():
    reference = np.array([0, 0, 1, 1])
    labels = np.array([2, 2, 0, 0])  # cluster 1 of labels is empty
    permutation = matching_permutation(reference, labels, 3)
    assert sorted(permutation.tolist()) == [0, 1, 2]
    assert permutation[labels].tolist() == [0, 0, 1, 1]


def test_order_by_size_numbers_the_largest_first():
    labels = np.array([2, 2, 2, 0, 1, 1, -1])
    permutation = order_by_size(labels)
    assert permutation.tolist() == [2, 1, 0]
