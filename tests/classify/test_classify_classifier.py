"""SubgroupClassifier: scikit-learn contract, missing values, weights, calibration, panel."""

import numpy as np
import pandas as pd
import pytest
from classify_markers import markers_fixture, one_thread  # noqa: F401
from sklearn.datasets import make_classification
from sklearn.utils.estimator_checks import parametrize_with_checks

from stratify.classify import SubgroupClassifier


@parametrize_with_checks(
    [SubgroupClassifier(estimator="logistic", random_state=0),
     SubgroupClassifier(estimator="hgb", calibrate=False, random_state=0)],
    expected_failed_checks=lambda est: {} if est.calibrate is False else {
        "check_class_weight_classifiers":
            "calibration maps the probabilities back onto the observed class frequencies "
            "(binary Platt scaling), so extreme class weights no longer decide the argmax",
    },
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_pandas_in_pandas_out_numpy_in_numpy_out(markers):
    X, y, *_ = markers
    clf = SubgroupClassifier(estimator="logistic", random_state=0).fit(X, y)
    proba = clf.predict_proba(X.iloc[:5])
    assert isinstance(proba, pd.DataFrame)
    assert proba.index.equals(X.index[:5]) and list(proba.columns) == list(clf.classes_)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    pred = clf.predict(X.iloc[:5])
    assert isinstance(pred, pd.Series) and pred.index.equals(X.index[:5])
    assert list(clf.feature_names_in_) == list(X.columns)
    assert isinstance(clf.predict(X.to_numpy()[:5]), np.ndarray)


@pytest.mark.parametrize("estimator", ["hgb", "logistic", "forest"])
def test_missing_values_are_handled(markers, estimator):
    X, y, *_ = markers
    assert X.isna().any().any()
    clf = SubgroupClassifier(estimator=estimator, calibrate=False, random_state=0)
    clf.fit(X.iloc[:400], y.iloc[:400])
    accuracy = (clf.predict(X.iloc[400:]) == y.iloc[400:]).mean()
    assert np.isfinite(clf.predict_proba(X.iloc[400:]).to_numpy()).all()
    assert accuracy > 0.7


def test_class_weights_raise_recall_of_a_small_subgroup():
    X, y = make_classification(1200, 6, n_informative=3, n_redundant=0, weights=[0.9, 0.1],
                               class_sep=0.6, random_state=1)
    recall = {}
    for weight in ("balanced", None):
        clf = SubgroupClassifier(estimator="logistic", calibrate=False, class_weight=weight)
        clf.fit(X[:800], y[:800])
        recall[weight] = (clf.predict(X[800:])[y[800:] == 1] == 1).mean()
    assert recall["balanced"] > recall[None] + 0.2


def test_calibration_restores_the_prevalence_distorted_by_class_weights():
    X, y = make_classification(3000, 6, n_informative=3, n_redundant=0, weights=[0.85, 0.15],
                               class_sep=0.5, flip_y=0.05, random_state=2)
    train, test = slice(0, 2000), slice(2000, None)
    raw = SubgroupClassifier(estimator="logistic", calibrate=False).fit(X[train], y[train])
    cal = SubgroupClassifier(estimator="logistic", random_state=0).fit(X[train], y[train])
    assert cal.calibration_method_ == "isotonic"  # binary, >= 2000 patients
    prevalence = y[test].mean()
    assert abs(raw.predict_proba(X[test])[:, 1].mean() - prevalence) > 0.15
    assert abs(cal.predict_proba(X[test])[:, 1].mean() - prevalence) < 0.03


def test_calibration_method_choice():
    X, y = make_classification(300, 5, n_informative=3, n_classes=3, random_state=0)
    assert SubgroupClassifier("logistic").fit(X, y).calibration_method_ == "temperature"
    assert SubgroupClassifier("logistic").fit(X, y == 0).calibration_method_ == "sigmoid"
    clf = SubgroupClassifier("logistic", calibrate=False).fit(X, y)
    assert clf.calibration_method_ is None and clf.decision_function(X).shape == (300, 3)
    assert not hasattr(SubgroupClassifier("logistic").fit(X, y), "decision_function")


def test_panel_is_selected_inside_fit_and_used(markers):
    X, y, _, _, planted = markers
    clf = SubgroupClassifier(estimator="logistic", panel_size=6, random_state=0).fit(X, y)
    assert 1 <= len(clf.panel_) <= 6
    assert set(clf.panel_) <= set(planted)
    assert clf.panel_result_.panel == clf.panel_
    # The model only sees the panel: changing another column changes nothing.
    other = X.copy()
    other[[c for c in X.columns if c not in clf.panel_]] = 0.0
    pd.testing.assert_frame_equal(clf.predict_proba(X), clf.predict_proba(other))


def test_same_seed_same_probabilities(markers):
    X, y, *_ = markers
    a = SubgroupClassifier(estimator="forest", random_state=3).fit(X.iloc[:200], y.iloc[:200])
    b = SubgroupClassifier(estimator="forest", random_state=3).fit(X.iloc[:200], y.iloc[:200])
    pd.testing.assert_frame_equal(a.predict_proba(X), b.predict_proba(X))


def test_bad_parameters_and_data():
    X, y = make_classification(60, 4, random_state=0)
    # scikit-learn's parameter validation raises a ValueError subclass
    with pytest.raises(ValueError, match="The 'estimator' parameter of SubgroupClassifier"):
        SubgroupClassifier(estimator="svm").fit(X, y)
    with pytest.raises(ValueError, match="The 'panel_size' parameter of SubgroupClassifier"):
        SubgroupClassifier(panel_size=0).fit(X, y)
    with pytest.raises(ValueError, match="at least 2 subgroups"):
        SubgroupClassifier().fit(X, np.zeros(60))


def test_gradient_boosting_fits_and_predicts_on_one_openmp_thread_unless_n_jobs_says(
        markers, monkeypatch):
    # Two OpenMP threads per tree on a few hundred patients mostly wait for each other
    # (on a busy 2-core machine 1,000 patients took 124 CPU-seconds instead of 6), so a
    # fit and a prediction use n_jobs threads, one when n_jobs is None.
    import functools

    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_info, threadpool_limits

    from stratify.classify._classifier import _tree_threads

    seen = []

    def openmp_threads():
        return max(p["num_threads"] for p in threadpool_info() if p["user_api"] == "openmp")

    def recording(name):
        method = getattr(HistGradientBoostingClassifier, name)

        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            seen.append((name, openmp_threads()))
            return method(self, *args, **kwargs)
        return wrapper

    for name in ("fit", "predict_proba", "decision_function"):
        monkeypatch.setattr(HistGradientBoostingClassifier, name, recording(name))
    X, y, *_ = markers
    with threadpool_limits(limits=2, user_api="openmp"):
        clf = SubgroupClassifier(estimator="hgb", random_state=0).fit(X.iloc[:200], y.iloc[:200])
        fitted = len(seen)
        clf.predict_proba(X.iloc[:5])
        clf.predict(X.iloc[:5])
        assert fitted >= 4 and len(seen) >= fitted + 2  # 3 calibration folds, the final fit
        assert {n for _, n in seen} == {1}
        assert openmp_threads() == 2                     # restored afterwards
        with _tree_threads("hgb", 2):
            assert openmp_threads() == 2
        with _tree_threads("hgb", 1):
            assert openmp_threads() == 1
        with _tree_threads("logistic", None):            # no trees: left alone
            assert openmp_threads() == 2
