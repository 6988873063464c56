"""ConsensusClustering(method="mixed"): a latent class model for mixed data with missing values."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from stratify.cluster import ConsensusClustering, reference_null
from stratify.cluster._mixed import Encoding, LatentClassModel, feature_kinds, fit_latent_class
from stratify.data import PSS_SCHEMA
from stratify.synthetic import PHENOTYPE_COLUMNS, make_pss_cohort


@pytest.fixture(autouse=True)
def one_thread():
    with threadpool_limits(limits=1):
        yield


def mixed_data(n=600, seed=0, missing=0.2, classes=3):
    """Binary, ordinal (0-3) and continuous features from ``classes`` latent classes
    (or none: independent features when ``classes`` is 1); MCAR missing values."""
    rng = np.random.default_rng(seed)
    weights = np.array([0.5, 0.3, 0.2])[:classes]
    z = rng.choice(classes, n, p=weights / weights.sum())
    p_binary = np.array([[0.1, 0.8, 0.5, 0.2, 0.7, 0.3],
                         [0.8, 0.2, 0.1, 0.7, 0.6, 0.1],
                         [0.4, 0.6, 0.9, 0.9, 0.1, 0.8]])[:classes]
    levels = np.array([[0.7, 0.2, 0.08, 0.02], [0.2, 0.3, 0.3, 0.2], [0.5, 0.1, 0.1, 0.3]])
    means = np.array([[0.0, 0.0], [2.0, -1.0], [-1.5, 1.5]])[:classes]
    columns = {}
    for j in range(p_binary.shape[1]):
        columns[f"b{j}"] = (rng.random(n) < p_binary[z, j]).astype(float)
    for j in range(3):
        cumulative = np.cumsum(levels[np.roll(np.arange(3), j)][:classes][z], axis=1)
        columns[f"o{j}"] = (rng.random((n, 1)) > cumulative).sum(axis=1).astype(float)
    for j in range(2):
        columns[f"c{j}"] = rng.normal(means[z, j], 1.0)
    frame = pd.DataFrame(columns)
    frame = frame.mask(rng.random(frame.shape) < missing)
    return frame, z


def test_kinds_come_from_the_schema_then_from_the_values():
    frame = pd.DataFrame({"anti_ro": [0.0, 1.0, 1.0], "essdai_articular": [0.0, 1.0, 1.0],
                          "igg_g_l": [12.0, 13.0, 20.0], "score": [0.0, 2.0, 3.0],
                          "flag": [0.0, 1.0, np.nan], "x": [0.5, 1.7, 2.2]})
    kinds = feature_kinds(frame.to_numpy(float), list(frame.columns), PSS_SCHEMA)
    assert kinds == ["binary", "ordinal", "continuous", "ordinal", "binary", "continuous"]


def test_a_missing_value_is_left_out_of_the_likelihood():
    frame, _ = mixed_data(n=300, seed=1, missing=0.0)
    values = frame.to_numpy(float)
    kinds = feature_kinds(values, None, None)
    model = fit_latent_class(values, 3, 0, Encoding.fit(values, kinds), 2)
    hidden = values.copy()
    hidden[:, [0, 7, 10]] = np.nan  # one binary, one ordinal, one continuous feature
    # the same parameters on the data without those features
    kept = [j for j in range(values.shape[1]) if j not in (0, 7, 10)]
    reduced = Encoding.fit(values[:, kept], [kinds[j] for j in kept])
    other = LatentClassModel(reduced, 3)
    feature, _, _ = model.encoding._blocks()
    dropped_discrete = [i for i, j in enumerate(model.encoding.discrete) if j in (0, 7)]
    other.weights_ = model.weights_
    other.log_theta_ = model.log_theta_[~np.isin(feature, dropped_discrete)]
    cont = [i for i, j in enumerate(model.encoding.continuous) if j != 10]
    other.means_, other.variances_ = model.means_[:, cont], model.variances_[:, cont]
    ours, observed = model.class_log_likelihood(hidden)
    theirs, _ = other.class_log_likelihood(values[:, kept])
    np.testing.assert_allclose(ours, theirs, atol=1e-9)
    assert (observed == len(kept)).all()


def test_em_never_decreases_the_likelihood_and_bic_counts_the_hurdle_parameters():
    frame, _ = mixed_data(n=400, seed=2)
    values = frame.to_numpy(float)
    encoding = Encoding.fit(values, feature_kinds(values, None, None))
    fits = [fit_latent_class(values, k, 0, encoding, 3) for k in (1, 2, 3)]
    assert fits[0].log_likelihood_ <= fits[1].log_likelihood_ <= fits[2].log_likelihood_ + 1e-6
    # 6 binary (1 each), 3 ordinal of 4 levels (1 per class + 2 shared grades),
    # 2 continuous (mean and variance), k - 1 weights
    assert fits[2].n_parameters() == 2 + 3 * 6 + 3 * (3 + 2) + 3 * 4
    np.testing.assert_allclose(fits[2].predict_proba(values).sum(axis=1), 1.0)


@pytest.fixture(scope="module")
def planted():
    frame, z = mixed_data(n=600, seed=0)
    with threadpool_limits(limits=1):
        model = ConsensusClustering(method="mixed", k_range=range(2, 6), n_resamples=10,
                                    random_state=0).fit(frame)
    return frame, z, model


def test_recovers_planted_latent_classes_without_imputation(planted):
    frame, z, model = planted
    assert model.k_ == 3
    assert model.imputer_ is None
    assert adjusted_rand_score(z, model.labels_) > 0.7
    assert model.kinds_ == ["binary"] * 6 + ["ordinal"] * 3 + ["continuous"] * 2
    assert model.structure_.structure
    # new patients with missing values are assigned by the fitted likelihood
    assert (model.predict(frame) == model.labels_).all()
    proba = model.predict_proba(frame.iloc[:5])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    lonely = frame.iloc[:1].copy()
    lonely.iloc[0, 1:] = np.nan  # one observed value
    assert np.isfinite(model.predict_proba(lonely).to_numpy()).all()
    assigned = model.assign(frame)
    assert 0.0 < assigned["fits_none"].mean() < 0.05
    assert np.isnan(model.scores_["silhouette"]).all()
    assert model.scores_.loc[3, "criterion"] == model.scores_.loc[3, "bic"]


def test_profile_describes_the_mixed_subgroups_from_their_observed_values(planted):
    from stratify.cluster import profile

    frame, _, model = planted
    table = profile(frame, model.labels_, clustered=list(frame.columns))
    assert set(table["subgroup"].astype(int)) == {0, 1, 2}
    assert set(table["feature"]) == set(frame.columns)
    assert np.isfinite(table["effect_size"]).all()
    means = model.subgroup_means_
    assert means.notna().all().all()
    np.testing.assert_allclose(means.loc[0, "c0"],
                               frame["c0"][model.labels_ == 0].mean())


def test_matches_the_oracle_on_the_planted_clinical_phenotypes():
    cohort = make_pss_cohort(n_patients=500, random_state=0, phenotypes=True)
    X = cohort.data[list(PHENOTYPE_COLUMNS)]
    model = ConsensusClustering(method="mixed", k_range=range(2, 6), n_resamples=10,
                                random_state=0).fit(X)
    assert model.k_ == 3
    oracle = adjusted_rand_score(cohort.truth["clinical_phenotype"],
                                 cohort.truth["oracle_phenotype"])
    found = adjusted_rand_score(cohort.truth["clinical_phenotype"], model.labels_)
    assert found >= 0.9 * oracle


def test_same_result_for_the_same_random_state_whatever_n_jobs():
    frame, _ = mixed_data(n=300, seed=3)
    fits = [ConsensusClustering(method="mixed", k_range=range(2, 5), n_resamples=6, n_null=4,
                                n_jobs=n_jobs, random_state=7).fit(frame) for n_jobs in (1, 2)]
    np.testing.assert_array_equal(fits[0].labels_, fits[1].labels_)
    pd.testing.assert_frame_equal(fits[0].scores_, fits[1].scores_)
    np.testing.assert_array_equal(fits[0].resample_labels_, fits[1].resample_labels_)


def one_factor(n=500, seed=0, loading=0.6):
    """Correlated binary and ordinal features without subgroups: one latent normal
    factor behind them (a Gaussian copula), 20 % of the values missing."""
    from scipy.special import ndtri

    rng = np.random.default_rng(seed)
    factor = rng.standard_normal(n)
    latent = loading * factor[:, None] + np.sqrt(1 - loading**2) * rng.standard_normal((n, 10))
    binary = (latent[:, :6] > ndtri(1 - np.linspace(0.15, 0.6, 6))).astype(float)
    ordinal = np.column_stack([np.searchsorted(ndtri([0.6, 0.85, 0.95]), latent[:, j])
                               for j in range(6, 10)]).astype(float)
    frame = pd.DataFrame(np.hstack([binary, ordinal]),
                         columns=[f"b{j}" for j in range(6)] + [f"o{j}" for j in range(4)])
    return frame.mask(rng.random(frame.shape) < 0.2)


def test_calibrated_copula_keeps_the_correlations_of_discrete_features():
    from stratify.cluster._structure import _score_correlation, calibrated_correlation

    frame = one_factor(n=2000, seed=1).dropna()
    values = frame.to_numpy(float)
    target = _score_correlation(values)
    off = ~np.eye(values.shape[1], dtype=bool)
    plain = _score_correlation(reference_null(values, random_state=0, size=20_000))
    calibrated = _score_correlation(reference_null(
        values, random_state=0, correlation=calibrated_correlation(values, 0), size=20_000))
    # cutting a latent normal weakens its correlations: the plain copula's are lower
    assert (target - plain)[off].mean() > 0.03
    assert abs((target - calibrated)[off]).max() < 0.03


def test_null_mixed_data_give_one_group():
    frame = one_factor(n=500, seed=4)
    model = ConsensusClustering(method="mixed", k_range=range(2, 5), n_resamples=10,
                                random_state=0).fit(frame)
    assert model.k_ == 1
    assert (model.predict(frame) == 0).all()
    assert model.scores_.loc[1, "chosen"]
