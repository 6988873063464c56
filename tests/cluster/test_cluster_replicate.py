"""replicate(): is the structure found again in an independent cohort?"""

import numpy as np
import pytest
from cluster_data import planted

from stratify.cluster import (
    ConsensusClustering,
    in_group_proportion,
    prediction_strength,
    replicate,
)


def test_prediction_strength_on_a_worked_example():
    # external cluster 0: 4 patients, transferred labels split 3/1 -> 3 of 6 pairs together
    clustering = [0, 0, 0, 0, 1, 1, 1]
    transferred = [0, 0, 0, 1, 1, 1, 1]
    strength, per_cluster = prediction_strength(clustering, transferred)
    assert per_cluster == {0: 0.5, 1: 1.0} and strength == 0.5


def test_in_group_proportion_on_a_worked_example():
    space = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [2.4]])
    # patient 2's nearest neighbour is patient 5 (subgroup 1), and vice versa
    igp = in_group_proportion(space, [0, 0, 0, 1, 1, 1])
    assert igp == {0: pytest.approx(2 / 3), 1: pytest.approx(2 / 3)}


@pytest.fixture(scope="module")
def cohorts():
    X, _ = planted(3, n=1000, seed=100)
    order = np.random.default_rng(0).permutation(len(X))
    return X[order[:600]], X[order[600:]]  # discovery and an independent external cohort


@pytest.fixture(scope="module")
def model(cohorts):
    return ConsensusClustering(k_range=range(2, 6), n_resamples=10, random_state=0).fit(
        cohorts[0])


@pytest.mark.slow
def test_the_same_structure_replicates(model, cohorts):
    row = replicate(model, cohorts[1], random_state=1)
    assert row.shape[0] == 1
    assert row.loc[0, "k_model"] == 3 and row.loc[0, "k_external"] == 3
    assert row.loc[0, "prediction_strength"] > 0.9
    assert row.loc[0, "in_group_proportion"] > 0.9
    assert row.loc[0, "ari"] > 0.9 and row.loc[0, "centroid_correlation"] > 0.9
    assert list(row.attrs["per_subgroup"].index) == [0, 1, 2]


def test_noise_does_not_replicate(model, cohorts):
    rng = np.random.default_rng(0)
    X = cohorts[0]
    noise = rng.normal(X.mean(axis=0), X.std(axis=0), size=(400, X.shape[1]))
    row = replicate(model, noise, random_state=1)
    assert row.loc[0, "prediction_strength"] < 0.8
    assert row.loc[0, "ari"] < 0.5
