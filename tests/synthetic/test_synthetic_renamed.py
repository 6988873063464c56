"""stratify 0.1's ``seed`` arguments read for one more release, with a FutureWarning."""

import warnings

import pandas as pd
import pytest

from stratify.impute import evaluate_imputation, make_imputer
from stratify.synthetic import make_pss_cohort


def test_make_pss_cohort_seed_is_random_state_with_a_future_warning():
    new = make_pss_cohort(n_patients=40, n_centers=2, random_state=5)
    with pytest.warns(FutureWarning, match="'seed' was renamed 'random_state'"):
        old = make_pss_cohort(n_patients=40, n_centers=2, seed=5)
    pd.testing.assert_frame_equal(old.data, new.data)
    other = make_pss_cohort(n_patients=40, n_centers=2, random_state=6)
    assert not other.data.equals(new.data)
    with pytest.raises(TypeError, match="both 'seed' and 'random_state'"):
        make_pss_cohort(n_patients=40, seed=5, random_state=5)
    with pytest.raises(ValueError, match="'random_state' parameter"):
        make_pss_cohort(n_patients=40, random_state=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make_pss_cohort(n_patients=10, n_centers=1, random_state=0)


def test_evaluate_imputation_seed_is_random_state_with_a_future_warning():
    X = make_pss_cohort(n_patients=120, n_centers=1, random_state=1).select(
        blocks=["molecular"]).iloc[:, :4]
    imputer = make_imputer("simple")
    new = evaluate_imputation(X, imputer, random_state=3)
    with pytest.warns(FutureWarning, match="evaluate_imputation"):
        old = evaluate_imputation(X, imputer, seed=3)
    pd.testing.assert_frame_equal(old, new)
    assert new.attrs["random_state"] == new.attrs["seed"] == 3
    assert not evaluate_imputation(X, imputer, random_state=4).equals(new)


def test_make_center_exports_seed_is_random_state_with_a_future_warning():
    from stratify.synthetic import make_center_exports

    cohort = make_pss_cohort(n_patients=30, n_centers=2, random_state=1)
    new, _ = make_center_exports(cohort, random_state=3)
    with pytest.warns(FutureWarning, match="make_center_exports\\(\\)'s argument 'seed'"):
        old, _ = make_center_exports(cohort, seed=3)
    for centre in new:
        pd.testing.assert_frame_equal(old[centre], new[centre])
