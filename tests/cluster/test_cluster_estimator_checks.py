"""scikit-learn's common estimator checks for the clustering estimators."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from stratify.cluster import ConsensusClustering, Embedder

_FAST = {"k_range": range(2, 4), "n_resamples": 3, "n_init": 1}
_RANGE = ("the default k_range=range(2, 9) is the documented contract (docs/api.md); scikit-learn "
          "only allows scalars, strings, tuples and None as defaults")


def _expected_failures(estimator):
    if isinstance(estimator, ConsensusClustering):
        return {"check_parameters_default_constructible": _RANGE}
    return {}


@parametrize_with_checks(
    [ConsensusClustering(method="gmm", **_FAST), Embedder(method="pca")],
    expected_failed_checks=_expected_failures,
)
def test_cluster_estimators_pass_sklearn_checks(estimator, check):
    check(estimator)


# the same estimator with the other partition methods: the fast tier checks the default
@pytest.mark.slow
@parametrize_with_checks(
    [ConsensusClustering(method="kmeans", **_FAST),
     ConsensusClustering(method="agglomerative", **_FAST)],
    expected_failed_checks=_expected_failures,
)
def test_other_clustering_methods_pass_sklearn_checks(estimator, check):
    check(estimator)
