"""The structure test: k = 1 ("no subgroup structure") is an answer, with its evidence."""

import numpy as np
import pandas as pd
import pytest
from cluster_data import planted
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.metrics import adjusted_rand_score

from stratify.cluster import ConsensusClustering, dip_test, reference_null, structure_test
from stratify.cluster._structure import _max_z, normal_scores


def _lognormal(n, d, seed):
    rng = np.random.default_rng(seed)
    cov = 0.3 + 0.7 * np.eye(d)
    return np.exp(rng.multivariate_normal(np.zeros(d), cov, size=n))


def _t3(n, d, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) / np.sqrt(rng.chisquare(3, size=(n, 1)) / 3)


def test_copula_null_keeps_every_marginal():
    X = _lognormal(1000, 3, 0)
    Z = reference_null(X, random_state=1)
    for j in range(3):  # every null value is one of the feature's own values
        assert np.isin(Z[:, j], X[:, j]).all()
    rank_corr = pd.DataFrame(X).corr("spearman").to_numpy()
    assert np.allclose(pd.DataFrame(Z).corr("spearman").to_numpy(), rank_corr, atol=0.07)
    # and one mode: its normal scores are a multivariate normal
    from scipy import stats

    scores = normal_scores(Z) @ np.ones(3)
    assert abs(stats.skew(scores)) < 0.2 and abs(stats.kurtosis(scores)) < 0.4


def test_normal_scores_keep_the_order_and_make_every_marginal_normal():
    X = _lognormal(999, 2, 0)
    scores = normal_scores(X)
    assert (np.argsort(scores[:, 0]) == np.argsort(X[:, 0])).all()
    assert abs(scores[:, 1].mean()) < 1e-12 and np.sort(scores[:, 1])[499] == 0.0


def test_max_z_standardizes_each_row_by_the_others():
    statistics = np.array([[0.2, 0.1], [0.5, 0.3], [0.6, 0.35], [0.55, 0.32]])
    logs = np.log(statistics)
    others = logs[1:]
    expected = ((others.mean(axis=0) - logs[0]) / others.std(axis=0, ddof=1)).max()
    assert _max_z(statistics)[0] == pytest.approx(expected)
    # rows are exchangeable: permuting the null rows permutes their z
    permuted = statistics[[0, 2, 3, 1]]
    assert np.allclose(_max_z(permuted), _max_z(statistics)[[0, 2, 3, 1]])


@pytest.mark.parametrize("make", [_lognormal, _t3], ids=["log-normal", "t with 3 df"])
def test_skewed_or_heavy_tailed_noise_is_not_structure(make):
    # Both gave the mixture criterion k = 2-4 "stable" subgroups before the test existed
    result = structure_test(make(400, 6, 3), [2, 3, 4], n_null=19, random_state=0)
    assert not result.structure
    assert result.p_value > 0.05
    assert list(result.table.index) == [2, 3, 4]


@pytest.mark.slow
def test_planted_subgroups_beat_the_null_with_the_smallest_attainable_p():
    X, _ = planted(3, n=600, seed=2)
    result = structure_test(X, [2, 3, 4], n_null=19, random_state=0)
    assert result.structure and result.p_null == pytest.approx(1 / 20)
    assert result.table.loc[3, "z"] > 3
    assert "against 19 reference null data sets p = 0.05, largest standardized gap" in (
        result.evidence())
    # one test: Bonferroni over the reference-null comparison and the dip tests
    assert result.p_value == pytest.approx(min(1.0, 2 * min(result.p_null, result.p_dip)))


def test_subgroups_in_one_feature_s_distribution_are_structure():
    # Fisher's iris: setosa stands apart in petal length and width; normal scores
    # and a null with the data's marginals cannot see it, the dip test does
    from sklearn.datasets import load_iris

    iris = load_iris(as_frame=True).data
    result = structure_test(iris.to_numpy(), [2, 3, 4], n_null=19, random_state=0,
                            feature_names=iris.columns)
    assert result.p_null > 0.05 and result.structure
    assert result.dip["p_value"].idxmin().startswith("petal")
    assert "dip test" in result.evidence() and "of 4 features" in result.evidence()


def test_the_dip_test_breaks_ties_so_discrete_unimodal_scores_are_one_mode():
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.binomial(10, 0.4, 400),                 # a 0-10 score
                         np.round(rng.normal(20, 3, 400), 1),          # measured to 0.1
                         rng.integers(0, 2, 400),                      # binary: not tested
                         np.r_[rng.normal(0, 1, 200), rng.normal(6, 1, 200)]])
    table = dip_test(X, random_state=0, feature_names=["score", "lab", "yes_no", "two"])
    assert table.loc["score", "p_value"] > 0.5 and table.loc["lab", "p_value"] > 0.5
    assert np.isnan(table.loc["yes_no", "p_value"])
    assert table.loc["two", "p_value"] < 0.001
    # without the jitter the ties alone look like many modes
    import diptest

    assert diptest.diptest(X[:, 0].astype(float))[1] < 0.001
    # imputed values are left out
    holed = np.zeros(X.shape, dtype=bool)
    holed[:200, 3] = True
    assert dip_test(X, holed, random_state=0).loc[3, "p_value"] > 0.05


def test_same_seed_same_test_whatever_the_workers():
    X = _lognormal(300, 4, 1)
    one = structure_test(X, [2, 3], n_null=9, random_state=5, n_jobs=1)
    two = structure_test(X, [2, 3], n_null=9, random_state=5, n_jobs=2)
    pd.testing.assert_frame_equal(one.table, two.table)
    assert one.p_value == two.p_value


@pytest.mark.slow
@pytest.mark.parametrize("method", ["gmm", "kmeans"])
def test_noise_gives_one_subgroup_with_its_evidence(method):
    # Before the test: gmm chose k = 7-8 on a single Gaussian (no k admissible, the
    # most stable one taken), k-means k = 2 with Jaccard 0.6-0.9
    X = np.random.default_rng(0).normal(size=(400, 8))
    model = ConsensusClustering(method=method, n_resamples=10, n_null=19,
                                random_state=0).fit(X)
    assert model.k_ == 1
    assert (model.labels_ == 0).all() and model.stability_.tolist() == [1.0]
    assert model.reason_.startswith("chosen: no subgroup structure: p = ")
    assert model.scores_.loc[1, "chosen"] and model.scores_["chosen"].sum() == 1
    assert model.scores_.loc[2:, "null_p"].notna().all()
    assert not model.structure_.structure
    assert (model.predict(X[:10]) == 0).all()
    assert np.allclose(model.predict_proba(X[:10]), 1.0)
    assert model.consensus_.shape == (400, 400) and (model.consensus_ == 1).all()
    assert model.assign(X[:10])["subgroup"].eq(0).all()


@pytest.mark.slow
def test_planted_subgroups_are_still_found_and_k_1_is_scored():
    X, y = planted(4, n=1000, seed=100)
    model = ConsensusClustering(n_resamples=20, random_state=0).fit(X)
    assert model.k_ == 4 and adjusted_rand_score(y, model.labels_) > 0.85
    assert model.structure_.structure
    # k = 1 has a criterion (one Gaussian's BIC) and is not chosen
    assert model.scores_.loc[1, "criterion"] > model.scores_.loc[4, "criterion"]
    assert model.scores_.loc[1, "reason"] == "subgroup structure against the reference null"


@pytest.mark.slow
def test_a_forced_k_on_noise_is_kept_with_a_loud_warning():
    X = np.random.default_rng(1).normal(size=(300, 5))
    with pytest.warns(UserWarning, match="only k in 'k_range'.*does not support it"):
        model = ConsensusClustering(k_range=[3], n_resamples=10, n_null=19,
                                    random_state=0).fit(X)
    assert model.k_ == 3
    assert "forced by k_range although the rule answers k = 1" in model.reason_


@pytest.mark.slow
def test_hdbscan_clusters_in_noise_are_overruled():
    X = np.random.default_rng(2).normal(size=(400, 4))
    model = ConsensusClustering(method="hdbscan", n_resamples=5, n_null=19,
                                min_cluster_size=0.05, random_state=0).fit(X)
    assert model.k_ == 1 and (model.labels_ == 0).all()
    assert model.scores_.loc[1, "chosen"]


def test_n_null_zero_skips_the_test_and_says_so():
    X, _ = planted(2, n=300, seed=0)
    model = ConsensusClustering(k_range=[2, 3], n_resamples=5, n_null=0, random_state=0).fit(X)
    assert model.structure_ is None and "null_p" not in model.scores_
    assert model.k_ == 2


class _RecordingImputer(BaseEstimator, TransformerMixin):
    """Median imputation that records where each data set it saw was missing."""

    seen: list = []

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y=None):
        _RecordingImputer.seen.append((np.isnan(X), self.random_state))
        self.median_ = np.nanmedian(X, axis=0)
        return self

    def transform(self, X):
        return np.where(np.isnan(X), self.median_, X)


def test_with_missing_values_every_null_data_set_loses_them_and_is_imputed_the_same_way():
    # A mixture imputer draws a patient's missing values from one of its
    # components, which makes clusters; the null must carry them too
    X = _lognormal(200, 4, 2)
    missing = np.random.default_rng(0).random(X.shape) < 0.15
    _RecordingImputer.seen = []
    structure_test(X, [2, 3], n_null=5, missing=missing, imputer=_RecordingImputer(),
                   random_state=0, n_jobs=1)
    assert len(_RecordingImputer.seen) == 5
    for mask, _ in _RecordingImputer.seen:
        np.testing.assert_array_equal(mask, missing)
    # each null data set is imputed with its own seed
    assert len({seed for _, seed in _RecordingImputer.seen}) == 5


def test_missing_values_default_to_the_clustering_s_mixture_imputer_and_keep_the_seed():
    X = _lognormal(200, 4, 2)
    missing = np.random.default_rng(0).random(X.shape) < 0.15
    one = structure_test(X, [2, 3], n_null=5, missing=missing, random_state=3, n_jobs=1)
    two = structure_test(X, [2, 3], n_null=5, missing=missing, random_state=3, n_jobs=2)
    pd.testing.assert_frame_equal(one.table, two.table)
    plain = structure_test(X, [2, 3], n_null=5, random_state=3, n_jobs=1)
    assert not one.table["null_within_mean"].equals(plain.table["null_within_mean"])
    # the observed statistic does not depend on the mask
    pd.testing.assert_series_equal(one.table["within"], plain.table["within"])
    # a mask without a missing value is the complete-data test
    none = structure_test(X, [2, 3], n_null=5, missing=np.zeros_like(missing),
                          random_state=3, n_jobs=1)
    pd.testing.assert_frame_equal(none.table, plain.table)


def test_missing_values_must_be_imputed_and_their_mask_must_match():
    X = _lognormal(100, 3, 0)
    with pytest.raises(ValueError, match="shape"):
        structure_test(X, [2], n_null=3, missing=np.zeros((100, 2), dtype=bool))
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="complete data"):
        structure_test(X, [2], n_null=3)


def test_the_clustering_passes_where_values_were_missing_to_its_structure_test(monkeypatch):
    import stratify.cluster._consensus_steps as consensus  # where fit calls the test

    calls = []

    def spy(values, ks, **kwargs):
        calls.append(kwargs)
        return structure_test(values, ks, **kwargs)

    monkeypatch.setattr(consensus, "structure_test", spy)
    X, _ = planted(2, n=200, seed=0)
    holed = X.copy()
    holed[np.random.default_rng(1).random(X.shape) < 0.1] = np.nan
    ConsensusClustering(k_range=[2, 3], n_resamples=5, n_null=5, n_imputations=2,
                        random_state=0).fit(holed)
    np.testing.assert_array_equal(calls[0]["missing"], np.isnan(holed))
    assert calls[0]["imputer"].get_params()["method"] == "mixture"
    ConsensusClustering(k_range=[2, 3], n_resamples=5, n_null=5, random_state=0).fit(X)
    assert calls[1]["missing"] is None
