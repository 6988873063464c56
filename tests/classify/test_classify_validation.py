"""cross_validate and the metrics: against scikit-learn, by centre, pooled over imputations."""

import numpy as np
import pandas as pd
import pytest
from classify_markers import markers_fixture, one_thread  # noqa: F401
from sklearn.datasets import make_classification
from sklearn.metrics import balanced_accuracy_score, f1_score, log_loss, recall_score

from stratify.classify import SubgroupClassifier, classification_metrics, cross_validate
from stratify.classify._validation import _pool, _weighted_metrics


@pytest.fixture(scope="module")
def predictions():
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(4), size=300)
    y = np.array([rng.choice(4, p=p) for p in proba])
    return y, proba


def test_metrics_match_scikit_learn(predictions):
    y, proba = predictions
    labels = np.array(["a", "b", "c", "d"])
    m = classification_metrics(labels[y], proba, classes=labels)
    pred = labels[proba.argmax(axis=1)]
    assert m["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(labels[y], pred))
    assert m["macro_f1"] == pytest.approx(f1_score(labels[y], pred, average="macro"))
    assert m["log_loss"] == pytest.approx(log_loss(labels[y], proba, labels=labels))
    recall = recall_score(labels[y], pred, average=None, labels=labels)
    assert [m[f"recall[{c}]"] for c in labels] == pytest.approx(recall)


def test_bootstrap_weights_match_scikit_learn_sample_weights(predictions):
    y, proba = predictions
    weights = np.bincount(np.random.default_rng(1).integers(0, 300, 300), minlength=300)
    got = _weighted_metrics(y, proba, weights[None, :].astype(float))
    pred = proba.argmax(axis=1)
    assert got["balanced_accuracy"][0] == pytest.approx(
        balanced_accuracy_score(y, pred, sample_weight=weights))
    assert got["macro_f1"][0] == pytest.approx(f1_score(y, pred, average="macro",
                                                        sample_weight=weights))
    assert got["log_loss"][0] == pytest.approx(log_loss(y, proba, sample_weight=weights))


def test_calibration_error_worked_example():
    # Bins of top probability: [0.92, 0.9] (1 of 2 right) and [0.6] (right).
    proba = np.array([[0.92, 0.08], [0.1, 0.9], [0.6, 0.4]])
    m = classification_metrics([0, 0, 0], proba, classes=[0, 1])
    expected = (abs(1 - 1.82) + abs(1 - 0.6)) / 3
    assert m["calibration_error"] == pytest.approx(expected)


def test_leave_one_centre_out(markers):
    X, y, centre, *_ = markers
    result = cross_validate(SubgroupClassifier(estimator="logistic"), X, y, groups=centre,
                            n_bootstrap=200, random_state=0)
    assert result.scheme == "leave-one-group-out"
    folds = result.fold_metrics.set_index("held_out")
    assert sorted(folds.index) == sorted(centre.unique())
    assert folds["n"].to_dict() == centre.value_counts().to_dict()
    assert result.predictions.index.equals(X.index)
    np.testing.assert_allclose(result.predictions.sum(axis=1), 1.0)
    assert int(result.confusion.to_numpy().sum()) == len(X)
    m = result.metrics
    assert (m["lower"] <= m["estimate"]).all() and (m["estimate"] <= m["upper"]).all()
    expected = balanced_accuracy_score(y, result.predicted)
    assert m.loc["balanced_accuracy", "estimate"] == pytest.approx(expected)
    assert {"class", "predicted", "observed", "observed_lower", "observed_upper"} <= set(
        result.calibration.columns)
    assert "balanced_accuracy" in result.summary()


@pytest.mark.slow
def test_same_seed_same_result_whatever_n_jobs(markers):
    X, y, *_ = markers
    X, y = X.iloc[:300], y.iloc[:300]
    a = cross_validate(SubgroupClassifier(estimator="logistic"), X, y, cv=3, n_bootstrap=250,
                       random_state=1, n_jobs=1)
    b = cross_validate(SubgroupClassifier(estimator="logistic"), X, y, cv=3, n_bootstrap=250,
                       random_state=1, n_jobs=2)
    pd.testing.assert_frame_equal(a.metrics, b.metrics)


@pytest.mark.slow
def test_multiple_imputations_are_pooled(markers):
    X, y, *_ = markers
    X, y = X.iloc[:300], y.iloc[:300]
    imputed = [X.fillna(X.mean()), X.fillna(X.median())]
    model = SubgroupClassifier(estimator="logistic")
    pooled = cross_validate(model, imputed, y, cv=3, n_bootstrap=100, random_state=0)
    singles = [cross_validate(model, frame, y, cv=3, n_bootstrap=100, random_state=0)
               for frame in imputed]
    assert pooled.n_imputations == 2
    mean = (singles[0].metrics["estimate"] + singles[1].metrics["estimate"]) / 2
    # bounded metrics are pooled on the logit scale: the mean up to rounding when the
    # imputations agree this closely
    pd.testing.assert_series_equal(pooled.metrics["estimate"], mean, check_names=False,
                                   rtol=1e-3)
    # The pooled total variance is at least the average within-imputation variance.
    within = (singles[0].metrics["se"] ** 2 + singles[1].metrics["se"] ** 2) / 2
    assert (pooled.metrics["se"] ** 2 >= within - 1e-12).all()
    # 2 imputations x 3 folds x the default 10 repeats
    assert pooled.n_repeats == 10 and len(pooled.fold_metrics) == 2 * 3 * 10


def test_pooling_worked_example_and_bounded_metrics_stay_in_0_1():
    estimates = pd.DataFrame({"log_loss": [1.0, 2.0, 3.0], "recall[A]": [0.97, 0.99, 0.995]})
    variances = pd.DataFrame({"log_loss": [1.0, 1.0, 1.0], "recall[A]": [4e-4, 4e-4, 4e-4]})
    table = _pool(estimates, variances)
    # unbounded: Rubin's rules as they are (Rubin 1987)
    assert table.loc["log_loss", "estimate"] == pytest.approx(2.0)
    assert table.loc["log_loss", "total"] == pytest.approx(1 + 4 / 3)
    assert table.loc["log_loss", "df"] == pytest.approx(2 * (1 + 1 / (4 / 3)) ** 2)
    # bounded: on the original scale the interval would pass 1 (0.985 + 1.96 x 0.025);
    # pooled on the logit scale it stays inside and around the estimate
    naive_upper = 0.985 + 1.96 * np.sqrt(4e-4 + 4 / 3 * np.var([0.97, 0.99, 0.995], ddof=1))
    assert naive_upper > 1
    low, est, high = table.loc["recall[A]", ["lower", "estimate", "upper"]].astype(float)
    assert 0 < low < est < high < 1
    assert est == pytest.approx(0.985, abs=0.01)


@pytest.mark.slow
def test_works_with_stratify_multiple_imputer(markers):
    from stratify import impute

    X, y, *_ = markers
    X, y = X.iloc[:200, :12], y.iloc[:200]
    frames = impute.MultipleImputer(n_imputations=2, random_state=0).fit_transform(X)
    result = cross_validate(SubgroupClassifier(estimator="logistic"), frames, y, cv=3,
                            n_bootstrap=100, random_state=0)
    assert result.n_imputations == 2
    assert result.metrics.loc["balanced_accuracy", "estimate"] > 0.5


def test_bad_input_is_refused_before_work(markers):
    X, y, centre, *_ = markers
    with pytest.raises(ValueError, match="groups is missing for 1 row"):
        cross_validate(SubgroupClassifier(), X, y, groups=centre.where(centre.index != "P0002"))
    with pytest.raises(ValueError, match="y has 10 rows but X has 800"):
        cross_validate(SubgroupClassifier(), X, y.iloc[:10])
    X2, y2 = make_classification(40, 3, n_informative=2, n_redundant=0, random_state=0)
    with pytest.raises(ValueError, match="fewer than cv=30"):
        cross_validate(SubgroupClassifier(), X2, y2, cv=30)


def test_log_loss_interval_is_the_per_patient_clt_for_k_fold_and_nadeau_bengio_by_centre():
    from scipy.stats import norm
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    X, y = make_classification(n_samples=240, n_features=5, n_informative=3,
                               n_redundant=0, n_classes=3, random_state=4)
    one = cross_validate(LinearDiscriminantAnalysis(), X, y, n_repeats=1, random_state=0)
    proba = one.predictions.to_numpy()
    losses = -np.log(proba[np.arange(y.size), np.searchsorted(one.classes, y)])
    half = norm.ppf(0.975) * losses.std(ddof=1) / np.sqrt(y.size)
    row = one.metrics.loc["log_loss"]
    assert row["estimate"] == pytest.approx(log_loss(y, proba))
    assert (row["lower"], row["upper"]) == pytest.approx(
        (losses.mean() - half, losses.mean() + half))
    # the balanced accuracy keeps the corrected resampled t over the folds
    folds = one.fold_metrics["balanced_accuracy"]
    from scipy.stats import t
    nb = t.ppf(0.975, folds.size - 1) * np.sqrt((1 / folds.size + 0.25) * folds.var(ddof=1))
    ba = one.metrics.loc["balanced_accuracy"]
    assert ba["upper"] - ba["estimate"] == pytest.approx(min(nb, 1 - ba["estimate"]))
    # by centre (patients of a centre are not independent): Nadeau-Bengio for the log loss too
    centres = np.repeat(np.arange(6), 40)
    loco = cross_validate(LinearDiscriminantAnalysis(), X, y, groups=centres, random_state=0)
    by_fold = loco.fold_metrics["log_loss"]
    share = float(np.mean([40 / 200] * 6))
    width = t.ppf(0.975, 5) * np.sqrt((1 / 6 + share) * by_fold.var(ddof=1))
    assert loco.metrics.loc["log_loss", "upper"] - loco.metrics.loc["log_loss", "estimate"] \
        == pytest.approx(width)
