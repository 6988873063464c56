"""explain on real public data: original column names through one-hot encoding, additivity.

scikit-survival's ``gbsg2`` (686 breast-cancer patients of the German Breast
Cancer Study Group 2, with the categorical covariates ``horTh``,
``menostat`` and ``tgrade``) is used as a binary problem: was the event
(recurrence or death) observed? scikit-learn's ``wine`` (178 wines, 13
measurements, 3 cultivars) is the multiclass case. Both ship inside the
installed packages.
"""

import numpy as np
import pandas as pd
import pytest
from explain_threads import one_thread  # noqa: F401
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from stratify.explain import explain

CATEGORICAL = ["horTh", "menostat", "tgrade"]


@pytest.fixture(scope="module")
def gbsg2():
    from sksurv.datasets import load_gbsg2

    X, y = load_gbsg2()
    X.index = pd.Index([f"G{i:03d}" for i in range(len(X))], name="patient_id")
    return X, y["cens"]


def _pipeline(X, model):
    # Numbers first, categoricals last: the encoded columns are not in the order of X.
    numeric = [c for c in X.columns if c not in CATEGORICAL]
    encode = ColumnTransformer([("num", StandardScaler(), numeric),
                                ("cat", OneHotEncoder(), CATEGORICAL)])
    return Pipeline([("encode", encode), ("model", model)])


@pytest.mark.parametrize("model", [
    LogisticRegression(max_iter=1000),
    HistGradientBoostingClassifier(max_depth=3, max_iter=100, random_state=0),
    RandomForestClassifier(n_estimators=50, max_depth=5, random_state=0),
], ids=["logistic", "boosting", "forest"])
def test_one_hot_pipeline_on_gbsg2(gbsg2, model):
    X, y = gbsg2
    pipe = _pipeline(X, model).fit(X, y)
    e = explain(pipe, X)
    assert e.feature_names == list(X.columns)
    assert set(e.feature_names).isdisjoint(pipe["encode"].get_feature_names_out())
    assert e.values.shape == (len(X), X.shape[1])
    assert e.base_values.shape == (len(X),)
    assert e.instance_names[:2] == ["G000", "G001"]
    assert e.output_names == "True"
    if isinstance(model, RandomForestClassifier):
        assert e.output_space == "probability"
        output = pipe.predict_proba(X)[:, 1]
    else:
        assert e.output_space == "log_odds"
        output = pipe.decision_function(X)
    np.testing.assert_allclose(e.values.sum(axis=1) + e.base_values, output, rtol=0, atol=1e-6)


def test_linear_values_sum_the_one_hot_columns(gbsg2):
    """Per original column, the closed form coef * (x - mean) summed over its encoded columns."""
    X, y = gbsg2
    pipe = _pipeline(X, LogisticRegression(max_iter=1000)).fit(X, y)
    e = explain(pipe, X)
    encoded = pipe["encode"].transform(X)
    contributions = (encoded - encoded.mean(axis=0)) * pipe["model"].coef_[0]
    names = pipe["encode"].get_feature_names_out()
    for j, column in enumerate(X.columns):
        prefix = "cat" if column in CATEGORICAL else "num"
        own = [k for k, name in enumerate(names)
               if name == f"num__{column}" or name.startswith(f"{prefix}__{column}_")]
        assert len(own) == (X[column].cat.categories.size if column in CATEGORICAL else 1)
        np.testing.assert_allclose(e.values[:, j], contributions[:, own].sum(axis=1),
                                   rtol=0, atol=1e-9)


def test_binary_boosting_explanation_can_be_drawn(gbsg2):
    """A boosted binary model used to come back with one base value, not one per patient."""
    import matplotlib.pyplot as plt

    from stratify.plot import shap_summary, waterfall

    X, y = gbsg2
    pipe = _pipeline(X, HistGradientBoostingClassifier(max_depth=3, max_iter=30,
                                                       random_state=0)).fit(X, y)
    e = explain(pipe, X.iloc[:40])
    assert e.base_values.shape == (40,)
    assert waterfall(e, 0) is not None
    assert shap_summary(e, kind="beeswarm") is not None
    plt.close("all")


@pytest.mark.parametrize("model", [
    LogisticRegression(max_iter=1000),
    HistGradientBoostingClassifier(max_depth=3, max_iter=50, random_state=0),
], ids=["logistic", "boosting"])
def test_multiclass_wine_has_the_stable_shape(model):
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True, as_frame=True)
    pipe = Pipeline([("scale", StandardScaler()), ("model", model)]).fit(X, y)
    e = explain(pipe, X)
    assert e.values.shape == (len(X), X.shape[1], 3)
    assert e.base_values.shape == (len(X), 3)
    assert e.feature_names == list(X.columns)
    assert e.output_names == ["0", "1", "2"]
    assert e.output_space == "log_odds"
    np.testing.assert_allclose(e.values.sum(axis=1) + e.base_values, pipe.decision_function(X),
                               rtol=0, atol=1e-6)
