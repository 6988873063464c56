"""The rule for k: the classification BIC against scipy, and the rule on hand-made scores."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal
from sklearn.mixture import GaussianMixture

from stratify.cluster._partition import COVARIANCE_TYPES, cluster_covariances
from stratify.cluster._select_k import choose_k, classification_bic


@pytest.fixture(scope="module")
def partition():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], [60, 30, 10])
    values = rng.normal(size=(100, 3)) * [1.0, 2.0, 0.5] + np.array(
        [[0, 0, 0], [4, 0, 1], [0, 5, -2]])[labels]
    return values, labels


@pytest.mark.parametrize("covariance", COVARIANCE_TYPES)
def test_covariances_have_scikit_learns_layout(partition, covariance):
    values, labels = partition
    means, covariances = cluster_covariances(values, labels, 3, covariance, reg=0.0)
    mixture = GaussianMixture(3, covariance_type=covariance, random_state=0).fit(values)
    assert covariances.shape == mixture.covariances_.shape
    assert np.allclose(means[1], values[labels == 1].mean(axis=0))
    within = values - means[labels]
    expected = {"tied": within.T @ within / 100,
                "full": np.cov(within[labels == 2].T, bias=True),
                "diag": (within[labels == 2] ** 2).mean(axis=0),
                "spherical": (within[labels == 2] ** 2).mean()}[covariance]
    got = covariances if covariance == "tied" else covariances[2]
    assert np.allclose(got, expected)


@pytest.mark.parametrize("covariance", COVARIANCE_TYPES)
def test_classification_bic_is_the_penalized_classification_likelihood(partition, covariance):
    values, labels = partition
    n, d = values.shape
    reg = 0.01
    means, covariances = cluster_covariances(values, labels, 3, covariance, reg)
    loglik = 0.0
    for c in range(3):
        cov = covariances if covariance == "tied" else covariances[c]
        cov = np.diag(np.broadcast_to(cov, (d,))) if np.ndim(cov) < 2 else cov
        loglik += (np.log(np.mean(labels == c)) * np.sum(labels == c)
                   + multivariate_normal(means[c], cov).logpdf(values[labels == c]).sum())
    # parameters as scikit-learn counts them: weights, means, covariances
    per = {"full": 3 * 6, "tied": 6, "diag": 3 * 3, "spherical": 3}[covariance]
    expected = -2 * loglik + (2 + 9 + per) * np.log(n)
    assert classification_bic(values, labels, covariance, reg) == pytest.approx(expected)


def test_classification_bic_matches_the_mixture_bic_on_separated_clusters(partition):
    # far-apart clusters: posteriors are 0/1, so the mixture's BIC and the ICL agree
    values, labels = partition
    spread = values + 20 * np.eye(3)[labels]
    mixture = GaussianMixture(3, covariance_type="full", n_init=3, random_state=0).fit(spread)
    assert classification_bic(spread, mixture.predict(spread), "full", 1e-6) == pytest.approx(
        mixture.bic(spread), rel=1e-4)


def test_classification_bic_leaves_noise_patients_out(partition):
    # HDBSCAN labels noise -1: it is not a cluster and its patients are not scored
    values, labels = partition
    noisy = labels.copy()
    noisy[:7] = -1
    kept = noisy >= 0
    assert classification_bic(values, noisy, "full", 0.01) == pytest.approx(
        classification_bic(values[kept], noisy[kept], "full", 0.01))
    assert classification_bic(values, noisy, "full", 0.01) != pytest.approx(
        classification_bic(values, np.where(kept, noisy, 3), "full", 0.01))


def _scores(criterion, stability):
    return pd.DataFrame({"criterion": criterion, "stability_min": stability},
                        index=pd.Index([2, 3, 4, 5], name="k"))


def test_rule_takes_the_lowest_criterion_when_every_cluster_is_reproduced():
    k, scores = choose_k(_scores([30.0, 10.0, 20.0, 25.0], [0.9, 0.8, 0.9, 0.9]), 0.6)
    assert k == 3
    assert scores.loc[3, "reason"] == "chosen: lowest criterion, every cluster reproduced"
    assert scores.loc[4, "reason"].startswith("above k=3")


def test_rule_steps_down_from_an_unstable_criterion_choice():
    k, scores = choose_k(_scores([30.0, 20.0, 10.0, 25.0], [0.9, 0.8, 0.4, 0.9]), 0.6)
    assert k == 3  # k=4 has the lowest criterion but a cluster of Jaccard 0.4; never up to 5
    assert not scores.loc[4, "admissible"]
    assert "Jaccard 0.40 < 0.6" in scores.loc[4, "reason"]


def test_rule_answers_one_subgroup_when_no_k_is_reproducible():
    # it used to fall back to the most stable k (5 here), inventing subgroups
    k, scores = choose_k(_scores([30.0, 20.0, 10.0, 25.0], [0.5, 0.3, 0.4, 0.55]), 0.6)
    assert k == 1
    assert scores.loc[1, "chosen"] and scores["chosen"].sum() == 1
    assert "no reproducible subgroups" in scores.loc[1, "reason"]


def test_rule_answers_one_subgroup_when_the_structure_test_finds_none():
    k, scores = choose_k(_scores([30.0, 10.0, 20.0, 25.0], [0.9, 0.8, 0.9, 0.9]), 0.6,
                         structure=False, structure_evidence="p = 0.4")
    assert k == 1
    assert scores.loc[1, "reason"] == "chosen: no subgroup structure: p = 0.4"
    assert scores.loc[3, "reason"] == "not chosen: no subgroup structure"


def test_a_forced_k_is_kept_and_says_what_the_rule_answers():
    scores = pd.DataFrame({"criterion": [10.0], "stability_min": [0.3]},
                          index=pd.Index([4], name="k"))
    k, scores = choose_k(scores, 0.6, structure=False, structure_evidence="p = 0.4")
    assert k == 4
    assert scores.loc[4, "reason"].startswith("chosen: forced by k_range although the rule "
                                              "answers k = 1")
