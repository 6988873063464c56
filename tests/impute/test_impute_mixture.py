"""The mixture engine (method="mixture"): EM on observed values, known answers."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from sklearn.mixture import GaussianMixture

from stratify.impute import MultipleImputer, make_imputer
from stratify.impute._mixture import MixtureEM, _log_joint, _statistics

CENTRES = np.array([[-3.0, 0.0, 2.0], [3.0, 0.0, -2.0], [0.0, 4.0, 0.0]])


def blobs(n=300, missing=0.0, seed=0):
    """Three separated blobs (unit SD) in 3 features, ``missing`` MCAR."""
    rng = np.random.default_rng(seed)
    y = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    X = CENTRES[y] + rng.normal(size=(n, 3))
    return np.where(rng.random(X.shape) < missing, np.nan, X), y


def test_log_likelihood_of_a_patient_uses_only_its_observed_values():
    weights = np.array([0.3, 0.7])
    means = np.array([[0.0, 1.0, -1.0], [2.0, 0.0, 0.5]])
    variances = np.array([[1.0, 0.5, 2.0], [0.3, 1.5, 1.0]])
    x = np.array([[0.4, np.nan, -0.2], [np.nan, np.nan, 1.0]])
    got = _log_joint(_statistics(x, ~np.isnan(x)), weights, means, variances)
    for i in range(2):
        for c in range(2):
            seen = ~np.isnan(x[i])
            expected = np.log(weights[c]) + norm.logpdf(
                x[i, seen], means[c, seen], np.sqrt(variances[c, seen])).sum()
            assert got[i, c] == pytest.approx(expected, rel=1e-12)


def test_on_complete_data_em_reaches_the_likelihood_of_scikit_learn():
    X, _ = blobs()
    ours = MixtureEM(3, tol=1e-10, max_iter=5000, random_state=0).fit(X)
    theirs = GaussianMixture(3, covariance_type="diag", reg_covar=1e-3, n_init=3,
                             tol=1e-10, max_iter=5000, random_state=0).fit(X)
    assert ours.log_likelihood_ / len(X) == pytest.approx(theirs.score(X), abs=1e-6)
    order = np.argsort(ours.means_[:, 0])
    np.testing.assert_allclose(ours.means_[order], theirs.means_[np.argsort(
        theirs.means_[:, 0])], atol=1e-3)


def test_parameters_are_recovered_from_incomplete_data():
    X, y = blobs(n=3000, missing=0.3, seed=1)
    em = MixtureEM(3, random_state=0).fit(X)
    order = np.argsort(em.means_[:, 0])[[0, 2, 1]]       # -3, +3, 0 on the first feature
    np.testing.assert_allclose(em.means_[order], CENTRES, atol=0.1)
    np.testing.assert_allclose(em.weights_[order], [0.5, 0.3, 0.2], atol=0.03)
    np.testing.assert_allclose(em.variances_, 1.0, atol=0.15)


@pytest.mark.slow
def test_auto_takes_one_more_component_than_bic():
    X, _ = blobs(missing=0.1)
    em = MixtureEM(random_state=0).fit(X)
    assert em.bic_.index.tolist() == list(range(1, 9))
    assert em.bic_.idxmin() == 3 and em.n_components_ == 4


def test_a_missing_value_is_imputed_from_the_subgroup_of_the_observed_values():
    X, y = blobs(n=600, missing=0.2, seed=2)
    em = MixtureEM(3, random_state=0).fit(X)
    filled = em.transform(X)
    holes = np.isnan(X[:, 0]) & ~np.isnan(X[:, 1:]).any(axis=1)
    # conditional mean: the first feature's centre of the patient's own blob
    assert np.abs(filled[holes, 0] - CENTRES[y[holes], 0]).mean() < 0.3
    np.testing.assert_array_equal(filled[~np.isnan(X)], X[~np.isnan(X)])


def test_draws_have_the_spread_of_the_subgroup_and_repeat_for_the_same_seed():
    X, y = blobs(n=3000, missing=0.3, seed=3)
    em = MixtureEM(3, sample_posterior=True, random_state=0).fit(X)
    a, b = em.transform(X), em.transform(X)
    np.testing.assert_array_equal(a, b)
    holes = np.isnan(X[:, 0]) & ~np.isnan(X[:, 1:]).any(axis=1) & (y == 0)
    # a few patients look like the blob at +3 (4 SDs apart on the third feature):
    # robust spread and centre
    q25, q50, q75 = np.percentile(a[holes, 0], [25, 50, 75])
    assert (q75 - q25) / 1.349 == pytest.approx(1.0, abs=0.15)
    assert q50 == pytest.approx(-3.0, abs=0.15)
    other = MixtureEM(3, sample_posterior=True, random_state=1).fit(X).transform(X)
    assert (other[np.isnan(X)] != a[np.isnan(X)]).mean() > 0.99


def test_schema_and_multiple_imputers_offer_the_mixture():
    X, _ = blobs(n=200, missing=0.2)
    frame = pd.DataFrame(X, columns=["mol_A", "mol_B", "mol_C"])
    out = make_imputer("mixture", n_components=3, random_state=0).fit_transform(frame)
    assert out.notna().all().all() and out.columns.equals(frame.columns)
    frames = MultipleImputer(n_imputations=2, method="mixture", random_state=0).fit_transform(
        frame)
    assert (frames[0].to_numpy() != frames[1].to_numpy())[np.isnan(X)].mean() > 0.99


def test_a_feature_never_observed_is_refused():
    X, _ = blobs(n=50)
    X[:, 1] = np.nan
    with pytest.raises(ValueError, match="position \\[1\\]"):
        MixtureEM(2).fit(X)


def test_large_cohorts_are_fitted_on_a_subsample_and_all_imputed():
    X, y = blobs(n=4000, missing=0.2, seed=4)
    em = MixtureEM(3, max_samples=1000, random_state=0).fit(X)
    assert em.n_samples_fit_ == 1000
    order = np.argsort(em.means_[:, 0])[[0, 2, 1]]
    np.testing.assert_allclose(em.means_[order], CENTRES, atol=0.15)
    filled = em.transform(X)
    assert filled.shape == X.shape and not np.isnan(filled).any()
