"""The rule for k on scikit-learn's labelled data sets (reported in the docstring)."""

import pytest
from sklearn.metrics import adjusted_rand_score

from stratify.cluster import ConsensusClustering


@pytest.mark.slow
def test_scikit_learn_data_sets():
    from sklearn.datasets import load_breast_cancer, load_iris, load_wine
    from sklearn.preprocessing import StandardScaler

    X, y = load_wine(return_X_y=True)
    wine = ConsensusClustering(n_resamples=20, random_state=0).fit(
        StandardScaler().fit_transform(X))
    assert wine.k_ == 3 and adjusted_rand_score(y, wine.labels_) > 0.85
    X, y = load_breast_cancer(return_X_y=True)
    # benign and malignant tumours: the data are more clustered than every one of
    # the 39 reference null data sets (the features' own skewed marginals and their
    # correlations, one mode) at every k, once the null data keep the data's
    # number of components; k = 2 follows benign against malignant in part
    cancer = ConsensusClustering(n_resamples=20, random_state=0).fit(X)
    assert cancer.structure_.p_null == 1 / 40 and cancer.structure_.table["z"].min() > 3
    assert cancer.k_ == 2 and adjusted_rand_score(y, cancer.labels_) > 0.4
    X, y = load_iris(return_X_y=True)
    # setosa is apart on the two petal features, which are correlated 0.96: the
    # reference null data (the features' own bimodal marginals and their correlation)
    # hold the same split, but the dip test sees two modes in each petal feature;
    # the rule's answer is setosa against the rest (versicolor and virginica overlap)
    iris = ConsensusClustering(n_resamples=20, random_state=0).fit(X)
    assert iris.structure_.p_null > 0.05 and iris.structure_.p_dip < 0.001
    assert iris.k_ == 2
    assert adjusted_rand_score(y == 0, iris.labels_) == 1.0


@pytest.mark.slow
def test_digits_criterion_finds_the_ten_digits_and_stability_holds_one_back():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    # one of the ten clusters is reproduced at Jaccard 0.54-0.58: under the
    # default min_stability (0.6) the rule steps down; at 0.5 it keeps 10
    model = ConsensusClustering(n_resamples=20, k_range=range(2, 13), min_stability=0.5,
                                random_state=0, n_jobs=2).fit(X)
    scores = model.scores_
    assert scores["criterion"].idxmin() == 10 and model.k_ == 10
    assert 0.5 <= scores.loc[10, "stability_min"] < 0.6
    assert adjusted_rand_score(y, model.labels_) > 0.5
