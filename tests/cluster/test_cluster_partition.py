"""The reference fits of one k: a search, or one run from another frame's model."""

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
