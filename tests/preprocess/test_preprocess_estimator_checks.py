"""scikit-learn's common estimator checks for CenterCorrector."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from stratify.preprocess import CenterCorrector

_NO_CENTRES = (
    "the generic checks feed random continuous data, so the centre column holds a "
    "different value in every row (each 'centre' has one patient) or NaN; "
    "CenterCorrector refuses both by design (see tests/preprocess/test_preprocess_center.py)"
)
_CENTRE_CHECKS = [
    "check_fit_score_takes_y", "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters", "check_estimators_fit_returns_self",
    "check_readonly_memmap_input", "check_n_features_in_after_fitting",
    "check_positive_only_tag_during_fit", "check_estimators_dtypes", "check_dtype_object",
    "check_pipeline_consistency", "check_estimators_pickle",
    "check_f_contiguous_array_estimator", "check_transformer_data_not_an_array",
    "check_transformer_general", "check_transformer_preserve_dtypes",
    "check_transformer_n_iter", "check_methods_sample_order_invariance",
    "check_methods_subset_invariance", "check_dict_unchanged", "check_fit_idempotent",
    "check_fit_check_is_fitted", "check_n_features_in", "check_fit2d_predict1d",
]


def _expected_failures(estimator):
    return dict.fromkeys(_CENTRE_CHECKS, _NO_CENTRES)


@parametrize_with_checks([CenterCorrector(center=0)],
                         expected_failed_checks=_expected_failures)
def test_center_corrector_passes_sklearn_checks(estimator, check):
    check(estimator)
