"""The reference fits of one k: a search (on a subsample above SEARCH_MAX_N), one run
from another frame's model, or a merge of two components of the k + 1 fit."""

import numpy as np
import pytest
from cluster_data import planted
from sklearn.metrics import adjusted_rand_score

from stratify.cluster._partition import fit_partition

OPTIONS = {"covariance_type": "tied", "n_init": 3, "reg_covar": 1e-3}


@pytest.mark.parametrize("method", ["gmm", "kmeans"])
def test_a_run_started_from_a_fitted_model_stays_at_its_optimum(method):
    X, y = planted(3, n=600, seed=2)
    searched, labels, bic = fit_partition(method, X, 3, 0, OPTIONS)
    assert adjusted_rand_score(y, labels) > 0.9
    started, again, bic_again = fit_partition(method, X, 3, 1, OPTIONS, start=searched)
    # the same data: EM (or Lloyd) from a converged fit stays where it was
    # (EM stopped at a tolerance, so a step or two moves the means a little)
    assert np.array_equal(again, labels)
    centres = searched.centers
    gap = min(np.linalg.norm(a - b) for i, a in enumerate(centres) for b in centres[i + 1:])
    assert np.linalg.norm(started.centers - centres, axis=1).max() < 0.01 * gap
    if method == "gmm":
        assert started.model.n_iter_ <= 2
        assert bic - 1.0 < bic_again <= bic   # EM never lowers the likelihood


def test_a_started_run_on_another_draw_keeps_the_cluster_numbers():
    X, y = planted(4, n=800, seed=1)
    searched, labels, _ = fit_partition("gmm", X, 4, 0, OPTIONS)
    # another imputation draw: the same patients, values moved by 10 % of an SD
    other = X + np.random.default_rng(5).normal(0, 0.1, X.shape) * X.std(axis=0)
    started, moved, _ = fit_partition("gmm", other, 4, 1, OPTIONS, start=searched)
    assert started.model.covariance_type == "tied"
    # no relabelling needed: cluster c of the start is cluster c of the run
    assert (moved == labels).mean() > 0.97


def _square(n=2000, seed=0):
    """Four subgroups (40/30/20/10 %) on the corners of a square, 4 SDs apart."""
    rng = np.random.default_rng(seed)
    y = rng.choice(4, size=n, p=[0.4, 0.3, 0.2, 0.1])
    corners = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 4.0]])
    return corners[y] + rng.normal(size=(n, 2)), y


def _started(X, labels, k):
    from sklearn.mixture import GaussianMixture

    from stratify.cluster._partition import Partition, _partition_start

    start = _partition_start(X, labels, k, "tied", OPTIONS["reg_covar"])
    model = GaussianMixture(k, covariance_type="tied", reg_covar=OPTIONS["reg_covar"],
                            **start).fit(X)
    part = Partition("gmm", k, model, model.means_, None)
    return part, part.predict(X), float(model.bic(X))


def test_merging_down_finds_the_optimum_that_the_k_fit_missed():
    from stratify.cluster._partition import merge_down

    X, y = _square()
    optimum = _started(X, y, 4)
    # the local optimum random starts fall into: the largest subgroup split in
    # two halves, the two smallest merged
    split = np.where(y == 0, np.where(X[:, 0] + X[:, 1] < 0, 0, 3), np.where(y == 3, 2, y))
    missed = _started(X, split, 4)
    assert missed[2] > optimum[2] + 100
    # k = 5: the planted subgroups with the largest split in two
    five = _started(X, np.where((y == 0) & (X[:, 0] + X[:, 1] < 0), 4, y), 5)
    fits = merge_down(X, [4, 5], [missed, five], [0, 1], OPTIONS)
    assert fits[0][2] == pytest.approx(optimum[2], abs=1.0)
    assert adjusted_rand_score(optimum[1], fits[0][1]) > 0.99
    assert adjusted_rand_score(y, missed[1]) < 0.8 < adjusted_rand_score(y, fits[0][1])
    assert fits[1] is five                      # the largest k is kept as it was
    # a fit already at the optimum stays there (a merge may only refine it)
    kept = merge_down(X, [4, 5], [optimum, five], [0, 1], OPTIONS)[0]
    assert optimum[2] - 1.0 < kept[2] <= optimum[2]
    assert adjusted_rand_score(optimum[1], kept[1]) > 0.99
    # k with no k + 1 fitted above it: nothing to merge from
    assert merge_down(X, [4, 6], [missed, five], [0, 1], OPTIONS)[0] is missed


def test_merge_candidates_are_screened_by_short_runs_and_the_best_is_finished(monkeypatch):
    from stratify.cluster import _partition

    X, y = _square()
    optimum = _started(X, y, 4)
    five = _started(X, np.where((y == 0) & (X[:, 0] + X[:, 1] < 0), 4, y), 5)
    runs = []
    original = _partition._mixture_from_partition

    def spy(values, labels, k, options, seed, max_iter=100):
        runs.append(max_iter)
        return original(values, labels, k, options, seed, max_iter=max_iter)

    monkeypatch.setattr(_partition, "_mixture_from_partition", spy)
    monkeypatch.setattr(_partition, "MERGE_SCREEN_ITER", 1)
    missed = (None, None, np.inf)
    fits = _partition.merge_down(X, [4, 5], [missed, five], [0, 1], OPTIONS)
    # every pair of the 5 components is a candidate, each run for one iteration
    assert runs == [1] * 10
    # one iteration from the best merge is not converged: EM continues from it
    assert fits[0][0].model.converged_
    assert fits[0][2] == pytest.approx(optimum[2], abs=1.0)


@pytest.mark.slow
def test_above_the_search_size_starts_are_searched_on_a_subsample(monkeypatch):
    from stratify.cluster import _partition

    X, y = planted(4, n=3000, seed=4)
    searched, labels, bic = fit_partition("gmm", X, 4, 0, OPTIONS)
    monkeypatch.setattr(_partition, "SEARCH_MAX_N", 500)
    rows, search = [], _partition._searched_mixture
    monkeypatch.setattr(_partition, "_searched_mixture",
                        lambda values, *args: rows.append(len(values)) or search(values, *args))
    sub, sub_labels, sub_bic = fit_partition("gmm", X, 4, 0, OPTIONS)
    assert rows == [500]
    # one EM run on every patient finishes the fit: the same optimum
    assert bic - 1.0 < sub_bic < bic + 1.0
    assert adjusted_rand_score(labels, sub_labels) > 0.99
