"""scikit-learn's common estimator checks for the imputers."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from stratify.impute import MultipleImputer, SchemaImputer
from stratify.impute._mixture import MixtureEM

_LIST_OUTPUT = ("MultipleImputer.transform returns a list of m completed frames by design, "
                "not one array")
_MULTIPLE_FAILS = [
    "check_transformer_data_not_an_array", "check_transformer_general",
    "check_transformer_preserve_dtypes", "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
]


def _expected_failures(estimator):
    if isinstance(estimator, MultipleImputer):
        return dict.fromkeys(_MULTIPLE_FAILS, _LIST_OUTPUT)
    return {}


@parametrize_with_checks(
    [SchemaImputer(method="simple"), SchemaImputer(method="knn"),
     SchemaImputer(method="iterative"), SchemaImputer(method="forest", n_estimators=5),
     MultipleImputer(n_imputations=2), MixtureEM(max_components=3)],
    expected_failed_checks=_expected_failures,
)
def test_imputers_pass_sklearn_checks(estimator, check):
    check(estimator)


# the mixture model inside the other imputers: MixtureEM above checks it in the fast tier
@pytest.mark.slow
@parametrize_with_checks(
    [SchemaImputer(method="mixture"), MultipleImputer(n_imputations=2, method="mixture")],
    expected_failed_checks=_expected_failures,
)
def test_mixture_imputers_pass_sklearn_checks(estimator, check):
    check(estimator)
