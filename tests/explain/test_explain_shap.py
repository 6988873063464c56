"""explain: original column names, exact additivity, stable shapes, every explainer family."""

import numpy as np
import pandas as pd
import pytest
from explain_threads import one_thread  # noqa: F401
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import make_column_transformer
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from stratify.classify import SubgroupClassifier
from stratify.explain import explain
from stratify.explain._shap import _normalize


@pytest.fixture(scope="module")
def mixed():
    """Numeric markers with gaps, a 3-level categorical and a binary string; 3 classes."""
    rng = np.random.default_rng(0)
    n = 240
    X = pd.DataFrame({
        "mol_MX1": rng.normal(size=n), "mol_BTK": rng.normal(size=n),
        "age": rng.normal(53, 13, n),
        "center": rng.choice(["paris", "oslo", "leeds"], n),
        "sex": rng.choice(["F", "M"], n, p=[0.9, 0.1]),
    }, index=pd.Index([f"P{i:03d}" for i in range(n)], name="patient_id"))
    y = np.where(X["mol_MX1"] > 0.5, "interferon",
                 np.where(X["mol_BTK"] + (X["center"] == "oslo") > 0.7, "lymphoid", "healthy"))
    X.loc[X.sample(20, random_state=0).index, "mol_BTK"] = np.nan
    return X, y


def _pipeline(model):
    pre = make_column_transformer(
        (make_pipeline(SimpleImputer(add_indicator=True), StandardScaler()),
         ["mol_MX1", "mol_BTK", "age"]),
        (OneHotEncoder(handle_unknown="ignore"), ["center", "sex"]))
    return make_pipeline(pre, model)


@pytest.mark.parametrize("model, output", [
    (HistGradientBoostingClassifier(max_depth=3, max_iter=50, random_state=0), "decision"),
    (LogisticRegression(max_iter=1000), "decision"),
    (RandomForestClassifier(n_estimators=30, max_depth=5, random_state=0), "proba"),
])
def test_pipeline_with_one_hot_columns(mixed, model, output):
    X, y = mixed
    pipe = _pipeline(model).fit(X, y)
    e = explain(pipe, X, random_state=0)
    assert e.feature_names == list(X.columns)
    assert e.values.shape == (len(X), 5, 3)
    assert e.output_names == ["healthy", "interferon", "lymphoid"]
    assert e.instance_names[0] == "P000"
    target = pipe.decision_function(X) if output == "decision" else pipe.predict_proba(X)
    assert np.allclose(e.values.sum(axis=1) + e.base_values, target, atol=1e-6)
    # The one-hot centre columns were summed onto "center", which carries the lymphoid signal.
    assert np.abs(e.values[:, 3, 2]).mean() > np.abs(e.values[:, 2, 2]).mean()


@pytest.mark.parametrize("estimator", ["hgb", "logistic", "forest"])
def test_subgroup_classifier_shape_and_additivity(mixed, estimator):
    X, y = mixed
    X = X[["mol_MX1", "mol_BTK", "age"]]
    clf = SubgroupClassifier(estimator=estimator, random_state=0).fit(X, y)
    e = explain(clf, X)
    assert e.values.shape == (len(X), 3, 3) and e.base_values.shape == (len(X), 3)
    base = clf.model_.calibrated_classifiers_[0].estimator  # fitted on all the data
    target = base.predict_proba(X.to_numpy()) if estimator == "forest" \
        else base.decision_function(X.to_numpy())
    assert np.allclose(e.values.sum(axis=1) + e.base_values, target, atol=1e-6)
    assert e.output_space == ("probability" if estimator == "forest" else "log_odds")


def test_panel_columns_outside_the_panel_get_zero(mixed):
    rng = np.random.default_rng(1)
    X, y = mixed
    X = X[["mol_MX1", "mol_BTK", "age"]].assign(**{f"noise{i}": rng.normal(size=len(X))
                                                   for i in range(6)})
    clf = SubgroupClassifier(estimator="hgb", panel_size=3, random_state=0).fit(X, y)
    e = explain(clf, X)
    outside = [i for i, c in enumerate(X.columns) if c not in clf.panel_]
    assert e.feature_names == list(X.columns)
    assert np.all(e.values[:, outside, :] == 0)


def test_binary_models_explain_the_positive_class(mixed):
    X, y = mixed
    X, y = X[["mol_MX1", "mol_BTK", "age"]].fillna(0), y == "interferon"
    for model in (LogisticRegression(), RandomForestClassifier(20, max_depth=4, random_state=0),
                  HistGradientBoostingClassifier(max_iter=30)):
        model.fit(X, y)
        e = explain(model, X)
        assert e.values.shape == (len(X), 3)
        target = model.predict_proba(X)[:, 1] if isinstance(model, RandomForestClassifier) \
            else model.decision_function(X)
        assert np.allclose(e.values.sum(axis=1) + e.base_values, target, atol=1e-6)


def test_linear_values_are_the_closed_form(mixed):
    X, _ = mixed
    X = X[["mol_MX1", "age"]]
    target = 2 * X["mol_MX1"] - 0.5 * X["age"]
    model = LinearRegression().fit(X, target)
    e = explain(model, X, background=X)
    expected = (X - X.mean()).to_numpy() * model.coef_
    assert np.allclose(e.values, expected)
    assert e.output_space == "prediction"


def test_cox_model_through_its_coefficients(mixed):
    sksurv = pytest.importorskip("sksurv.linear_model")
    from sksurv.util import Surv

    X, _ = mixed
    X = X[["mol_MX1", "mol_BTK", "age"]].fillna(0)
    rng = np.random.default_rng(0)
    time = rng.exponential(np.exp(-0.8 * X["mol_MX1"]))
    model = sksurv.CoxPHSurvivalAnalysis().fit(X, Surv.from_arrays(rng.random(len(X)) < 0.7, time))
    e = explain(model, X)
    assert e.output_space == "linear_predictor" and e.explainer == "linear"
    assert np.allclose(e.values.sum(axis=1) + e.base_values, model.predict(X))


@pytest.mark.slow  # the first PermutationExplainer call compiles shap's numba code (~6 s)
def test_sampled_explainer_for_other_models(mixed):
    X, y = mixed
    X = X[["mol_MX1", "mol_BTK", "age"]].fillna(0)
    model = KNeighborsClassifier(5).fit(X, y)
    e = explain(model, X.iloc[:5], background=X.iloc[:30], random_state=0)
    assert e.explainer == "permutation" and e.output_space == "probability"
    assert e.values.shape == (5, 3, 3)
    assert np.allclose(e.values.sum(axis=1) + e.base_values, model.predict_proba(X.iloc[:5]))


def test_calibration_ensemble_is_averaged(mixed):
    X, y = mixed
    X = X[["mol_MX1", "mol_BTK", "age"]].fillna(0)
    model = CalibratedClassifierCV(HistGradientBoostingClassifier(max_iter=20), cv=3,
                                   ensemble=True).fit(X, y)
    e = explain(model, X)
    margins = np.mean([c.estimator.decision_function(X) for c in model.calibrated_classifiers_],
                      axis=0)
    assert np.allclose(e.values.sum(axis=1) + e.base_values, margins, atol=1e-6)


def test_old_shap_list_output_is_normalized():
    values = [np.ones((4, 2)) * k for k in range(3)]
    out, base = _normalize(values, np.array([0.1, 0.2, 0.3]), 4, 3)
    assert out.shape == (4, 2, 3) and base.shape == (4, 3)
    assert np.all(out[:, :, 2] == 2) and np.all(base[:, 1] == 0.2)


def test_mixing_transformers_are_refused(mixed):
    X, y = mixed
    X = X[["mol_MX1", "mol_BTK", "age"]].fillna(0)
    pipe = make_pipeline(PCA(2), LogisticRegression()).fit(X, y)
    with pytest.raises(ValueError, match="cannot map output column 'pca0'"):
        explain(pipe, X)
