"""ConsensusClustering: the rule for k on planted truth, prediction, scale, imputation, checks."""

import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from cluster_data import SIZES, planted, planted_own_covariances
from scipy.stats import norm
from sklearn.metrics import adjusted_rand_score

from stratify.cluster import ConsensusClustering


@pytest.mark.parametrize("k", [2, 3, 4, 5])
@pytest.mark.slow
def test_gmm_chooses_the_planted_k_with_unequal_sizes_and_few_informative_features(k):
    X, y = planted(k, n=1000, seed=100)
    model = ConsensusClustering(n_resamples=20, random_state=0).fit(X)
    assert model.k_ == k
    assert adjusted_rand_score(y, model.labels_) > 0.85
    # subgroups numbered by decreasing size, as planted
    sizes = np.bincount(model.labels_)
    assert np.all(np.diff(sizes) <= 0)
    assert np.allclose(sizes / 1000, SIZES[k], atol=0.05)
    chosen = model.scores_[model.scores_["chosen"]]
    assert chosen.index.tolist() == [k] and chosen["reason"].iloc[0].startswith("chosen")


@pytest.mark.slow
def test_shared_covariance_is_recognised_and_finds_the_planted_k():
    # The planted subgroups share one covariance (they differ only in their means).
    # Measured: with full and diagonal covariances only, BIC's lowest k was 2 here
    # (3 planted: a full covariance per subgroup costs 3 x 21 parameters in 6
    # dimensions); with the shared one it is 3, ARI 0.87.
    X, y = planted(3, n=1000, seed=1)
    model = ConsensusClustering(n_resamples=20, random_state=0).fit(X)
    assert model.covariance_type_ == "tied"
    assert model.k_ == 3
    assert adjusted_rand_score(y, model.labels_) > 0.8
    full = ConsensusClustering(n_resamples=20, random_state=0, covariance_type="full").fit(X)
    assert full.scores_["criterion"].idxmin() == 2


@pytest.mark.parametrize("k", [3, 4])
@pytest.mark.slow
def test_subgroups_with_their_own_covariance_get_full_covariances(k):
    X, y = planted_own_covariances(k, seed=1)
    model = ConsensusClustering(n_resamples=20, random_state=0).fit(X)
    assert model.covariance_type_ == "full"
    assert model.k_ == k
    assert adjusted_rand_score(y, model.labels_) > 0.9


@pytest.mark.parametrize("method", ["kmeans", "agglomerative"])
def test_kmeans_and_ward_recover_four_unequal_subgroups(method):
    X, y = planted(4, n=800, seed=4)
    model = ConsensusClustering(method=method, n_resamples=20, random_state=0).fit(X)
    assert model.k_ == 4
    assert adjusted_rand_score(y, model.labels_) > 0.9
    assert model.scores_["bic"].isna().all() and model.scores_["icl"].notna().all()


@pytest.mark.slow
def test_a_choice_at_the_largest_k_warns_that_there_may_be_more_subgroups():
    X, _ = planted(4, n=800, seed=4)
    with pytest.warns(UserWarning, match=r"k=3 .* largest k in 'k_range'.*range\(2, 8\)"):
        narrow = ConsensusClustering(k_range=range(2, 4), n_resamples=10, random_state=0).fit(X)
    assert narrow.k_ == 3 and narrow.scores_["criterion"].idxmin() == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        wide = ConsensusClustering(k_range=range(2, 7), n_resamples=10, random_state=0).fit(X)
    assert wide.k_ == 4


@pytest.fixture(scope="module")
def fitted():
    X, y = planted(3, n=600, seed=3)
    frame = pd.DataFrame(X, columns=[f"mol_G{j}" for j in range(X.shape[1])],
                         index=pd.Index([f"P{i:04d}" for i in range(len(X))], name="patient_id"))
    return frame, y, ConsensusClustering(k_range=range(2, 6), n_resamples=15,
                                         random_state=0).fit(frame)


def test_fitted_attributes_describe_the_consensus(fitted):
    frame, _, model = fitted
    n = len(frame)
    assert model.labels_.shape == (n,) and model.labels_.dtype.kind == "i"
    assert list(model.scores_.index) == [1, 2, 3, 4, 5]  # k = 1: no subgroup structure
    for column in ("pac", "cdf_area", "delta_area", "silhouette", "bic", "icl", "criterion",
                   "stability_min", "admissible", "chosen", "reason"):
        assert column in model.scores_.columns
    assert model.scores_["pac"].drop(1).between(0, 1).all()
    assert model.consensus_.shape == (n, n)
    assert np.allclose(np.diag(model.consensus_), 1.0)
    assert list(model.consensus_cdf_.columns) == [2, 3, 4, 5]
    assert model.consensus_cdf_.iloc[-1].eq(1.0).all()
    assert model.consensus_matrix(5).shape == (n, n)
    assert model.stability_.between(0, 1).all() and len(model.stability_) == model.k_
    assert model.confidence_.shape == (n,) and (model.confidence_ <= 1).all()
    assert list(model.subgroup_means_.columns) == list(frame.columns)
    assert list(model.feature_names_in_) == list(frame.columns)
    with pytest.raises(ValueError, match="not in k_range"):
        model.consensus_matrix(9)


def test_predict_reproduces_the_training_labels(fitted):
    frame, _, model = fitted
    predicted = model.predict(frame)
    assert isinstance(predicted, pd.Series) and predicted.index.equals(frame.index)
    assert (predicted.to_numpy() == model.labels_).mean() >= 0.98
    proba = model.predict_proba(frame)
    assert list(proba.columns) == list(range(model.k_))
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(np.argmax(proba.to_numpy(), axis=1), predicted.to_numpy())


def test_assign_flags_patients_who_fit_no_subgroup(fitted):
    frame, _, model = fitted
    training = model.assign(frame)
    assert list(training.columns) == ["subgroup", "probability", "outlier_score", "fits_none"]
    assert training["fits_none"].mean() == pytest.approx(0.01, abs=0.005)
    strangers = frame.iloc[:5] * 0 + frame.mean().to_numpy() + 25 * frame.std().to_numpy()
    assert model.assign(strangers)["fits_none"].all()
    # far off in a screened-out (noise) feature only: still does not fit
    odd = frame.iloc[:5].copy()
    odd["mol_G29"] = frame["mol_G29"].mean() + 30 * frame["mol_G29"].std()
    assert model.assign(odd)["fits_none"].all()


@pytest.mark.slow
def test_same_seed_same_labels_whatever_n_jobs():
    X, _ = planted(3, n=300, seed=3)
    params = {"k_range": range(2, 5), "n_resamples": 6, "random_state": 7}
    one = ConsensusClustering(n_jobs=1, **params).fit(X)
    two = ConsensusClustering(n_jobs=2, **params).fit(X)
    assert np.array_equal(one.labels_, two.labels_)
    assert np.array_equal(one.resample_labels_, two.resample_labels_)
    pd.testing.assert_frame_equal(one.scores_, two.scores_)
    with joblib.parallel_config(backend="threading"):
        threads = ConsensusClustering(n_jobs=2, **params).fit(X)
    assert np.array_equal(one.labels_, threads.labels_)


def test_large_cohorts_use_a_bounded_anchor_subsample():
    X, y = planted(4, n=3000, seed=4)
    model = ConsensusClustering(k_range=range(2, 6), n_resamples=10, max_consensus_n=400,
                                random_state=0).fit(X)
    assert model.anchors_.size == 400 and model.consensus_.shape == (400, 400)
    assert model.resample_indices_.max() < 400
    assert model.k_ == 4
    assert adjusted_rand_score(y, model.labels_) > 0.9


def test_ward_on_a_large_cohort_is_fitted_on_the_anchors_and_predicts_the_rest():
    X, y = planted(3, n=2500, seed=3)
    model = ConsensusClustering(method="agglomerative", k_range=[3], n_resamples=5,
                                max_consensus_n=500, random_state=0).fit(X)
    assert adjusted_rand_score(y, model.labels_) > 0.9
    assert np.array_equal(model.predict(X), model.labels_)


def test_multiple_imputations_are_pooled():
    X, y = planted(3, n=500, seed=3)
    rng = np.random.default_rng(0)
    frames = [pd.DataFrame(X + rng.normal(0, 0.05 * X.std(axis=0), X.shape)) for _ in range(3)]
    model = ConsensusClustering(k_range=range(2, 5), n_resamples=9, random_state=0).fit(frames)
    assert len(model.models_) == 3
    assert model.k_ == 3
    assert adjusted_rand_score(y, model.labels_) > 0.9
    assert np.array_equal(model.predict(frames), model.labels_)
    assert (model.predict(frames[1]).to_numpy() == model.labels_).mean() > 0.98
    single = ConsensusClustering(k_range=range(2, 5), n_resamples=9, random_state=0).fit(
        frames[0])
    assert adjusted_rand_score(single.labels_, model.labels_) > 0.95
    with pytest.raises(ValueError, match="imputed frame 1"):
        ConsensusClustering().fit([frames[0], frames[1].iloc[:10]])


def test_imputation_frames_after_the_first_start_from_its_models(monkeypatch):
    from stratify.cluster import _partition

    searches = []
    search = _partition._best_mixture
    monkeypatch.setattr(_partition, "_best_mixture",
                        lambda *args: searches.append(args[2]["covariance_type"]) or search(*args))
    X, y = planted(3, n=400, seed=3)
    rng = np.random.default_rng(1)
    frames = [X + rng.normal(0, 0.05 * X.std(axis=0), X.shape) for _ in range(3)]
    model = ConsensusClustering(k_range=range(2, 5), n_resamples=6, random_state=0).fit(frames)
    # frame 0: every k with every covariance compared; frames 1, 2: none
    assert sorted(searches) == sorted(["full", "tied", "diag"] * 3)
    assert [m.model.covariance_type for m in model.models_] == [model.covariance_type_] * 3
    assert model.k_ == 3 and adjusted_rand_score(y, model.labels_) > 0.9


def test_hdbscan_runs_on_the_reduced_space_and_reports_noise():
    X, y = planted(3, n=600, separation=6.0, seed=3)
    model = ConsensusClustering(method="hdbscan", n_resamples=8, random_state=0).fit(X)
    found = model.labels_[model.labels_ >= 0]
    assert model.k_ == 3 and model.scores_.index.tolist() == [3]
    assert adjusted_rand_score(y[model.labels_ >= 0], found) > 0.9
    assert (model.predict(X) == model.labels_).mean() >= 0.98
    assert model.covariance_type_ is None


@pytest.mark.slow
def test_missing_values_are_imputed_from_a_mixture_of_the_observed_values():
    X, y = planted(4, n=800, seed=1)
    complete = ConsensusClustering(n_resamples=20, random_state=0).fit(X)
    holes = np.random.default_rng(0).random(X.shape) < 0.15
    frame = pd.DataFrame(np.where(holes, np.nan, X),
                         index=pd.Index([f"P{i}" for i in range(len(X))], name="patient_id"))
    model = ConsensusClustering(n_resamples=20, n_imputations=3, random_state=0).fit(frame)
    assert model.k_ == complete.k_ == 4
    # the Bayes rule on each patient's observed values (the planted features are
    # independent within a subgroup): the best any method can do
    log_joint = np.log(np.bincount(y))[None, :] + np.stack([np.where(holes, 0.0, norm.logpdf(
        X, X[y == c].mean(axis=0), X[y == c].std(axis=0))).sum(axis=1) for c in range(4)],
        axis=1)
    oracle = adjusted_rand_score(y, log_joint.argmax(axis=1))      # 0.82 (0.89 complete)
    assert adjusted_rand_score(y, model.labels_) >= 0.9 * oracle
    assert model.imputer_.method == "mixture" and len(model.models_) == 3
    predicted = model.predict(frame)
    assert predicted.index.equals(frame.index)
    assert (predicted.to_numpy() == model.labels_).mean() >= 0.98
    assert model.assign(frame.iloc[:5]).index.equals(frame.index[:5])
    again = ConsensusClustering(n_resamples=20, n_imputations=3, random_state=0,
                                n_jobs=2).fit(frame)
    assert np.array_equal(again.labels_, model.labels_)
    assert complete.imputer_ is None


@pytest.mark.slow
def test_stability_under_heavy_missingness_is_measured_within_each_imputed_frame():
    # 30 % of values missing: a patient whose informative values were imputed
    # changes subgroup between draws. Measured: against one pooled labelling
    # the least stable subgroup's Jaccard was 0.53 and k = 3 was chosen; within
    # each frame it is 0.86 and the planted 4 are found.
    X, y = planted(4, n=1000, seed=1)
    holes = np.random.default_rng(0).random(X.shape) < 0.3
    model = ConsensusClustering(n_resamples=20, random_state=0).fit(np.where(holes, np.nan, X))
    assert model.k_ == 4 and model.scores_.loc[4, "stability_min"] > 0.6
    assert adjusted_rand_score(y, model.labels_) > 0.6
    assert model.stability_.min() == pytest.approx(model.scores_.loc[4, "stability_min"])


def test_missing_values_that_cannot_be_used_are_refused_with_rows_named():
    frame = pd.DataFrame({"mol_MX1": [1.0, np.nan, 2.0, 3.0] * 5,
                          "age": [50, np.nan, np.nan, 70.0] * 5},
                         index=pd.Index([f"P{i}" for i in range(20)], name="patient_id"))
    with pytest.raises(ValueError, match=r"5 rows: P1, P5, P9, P13, P17 have no observed"):
        ConsensusClustering(k_range=[2, 3]).fit(frame)
    complete = frame.fillna(1.0)
    model = ConsensusClustering(k_range=[2, 3], n_resamples=3, random_state=0).fit(complete)
    with pytest.raises(ValueError, match=r"'mol_MX1', 'age'.*10 rows: P1, P2, P5"):
        model.predict(frame)
    with pytest.raises(ValueError, match=r"'age'.*[Ii]mpute"):
        ConsensusClustering().fit([complete, frame.fillna({"mol_MX1": 1.0})])


def test_text_columns_and_bad_k_range_are_refused():
    frame = pd.DataFrame({"mol_MX1": np.arange(20.0), "sex": ["F", "M"] * 10})
    with pytest.raises(ValueError, match="'sex' hold text"):
        ConsensusClustering().fit(frame)
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match="k_range"):
        ConsensusClustering(k_range=[0, 3]).fit(X)
    with pytest.raises(ValueError, match="at least one of them >= 2"):
        ConsensusClustering(k_range=[1]).fit(X)
    with pytest.raises(ValueError, match="k_range"):
        ConsensusClustering(k_range=[2, 21]).fit(X)
    with pytest.raises(ValueError, match="subsample"):
        ConsensusClustering(k_range=[2, 19]).fit(X)


@pytest.mark.parametrize("codes", [["A", "B"], [1, 2]])
def test_a_centre_column_is_refused_even_when_coded_as_numbers(codes):
    # a centre code clustered as a feature would make subgroups of centres
    frame = pd.DataFrame({"mol_MX1": np.arange(20.0), "center": codes * 10})
    with pytest.raises(ValueError, match="'center' identify .*CenterCorrector"):
        ConsensusClustering().fit(frame)
