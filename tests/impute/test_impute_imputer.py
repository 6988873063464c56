"""SchemaImputer / make_imputer: kinds respected, observed values kept, accuracy."""

import numpy as np
import pandas as pd
import pytest
from conftest import make_factor_data
from sklearn.impute import SimpleImputer
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline

from stratify.impute import SchemaImputer, evaluate_imputation, make_imputer

KINDS = ["simple", "knn", "iterative", "forest", "mixture"]
QUICK = {"forest": {"n_estimators": 10}}


@pytest.mark.parametrize("kind", KINDS)
def test_observed_values_never_change_and_levels_stay_valid(kind, mixed_data):
    out = make_imputer(kind, random_state=0, **QUICK.get(kind, {})).fit_transform(mixed_data)
    assert out.index.equals(mixed_data.index) and list(out.columns) == list(mixed_data.columns)
    assert not out.isna().any().any()
    observed = mixed_data.notna()
    pd.testing.assert_frame_equal(out[observed], mixed_data[observed])
    assert set(out["anti_ro"]) <= {0.0, 1.0} and set(out["c4_low"]) <= {0.0, 1.0}
    assert set(out["essdai_articular"]) <= {0.0, 1.0, 2.0, 3.0}
    assert set(out["essdai_cns"]) <= {0.0, 2.0, 3.0}      # the schema's levels: no 1
    assert (out["crp_mg_l"] >= 0).all()                  # the schema's range
    # a column the schema does not know is continuous: not snapped to integers
    imputed = out.loc[mixed_data["my_score"].isna(), "my_score"]
    assert (imputed != imputed.round()).any()


def test_kinds_and_levels_are_read_from_the_schema(mixed_data):
    imputer = SchemaImputer(method="simple").fit(mixed_data)
    assert imputer.kinds_ == ["continuous", "continuous", "binary", "binary", "ordinal",
                              "ordinal", "continuous"]
    np.testing.assert_array_equal(imputer.levels_["essdai_cns"], [0, 2, 3])


def test_simple_uses_median_and_most_frequent_of_the_training_data():
    train = pd.DataFrame({"igg_g_l": [10.0, 11.0, 30.0, np.nan], "rf": [1.0, 1.0, 0.0, 1.0]})
    test = pd.DataFrame({"igg_g_l": [np.nan, 5.0], "rf": [np.nan, np.nan]},
                        index=pd.Index(["q1", "q2"], name="patient_id"))
    out = make_imputer("simple").fit(train).transform(test)
    assert out.loc["q1", "igg_g_l"] == 11.0 and out.loc["q2", "igg_g_l"] == 5.0
    assert (out["rf"] == 1.0).all()
    assert out.index.equals(test.index)


@pytest.mark.parametrize("kind, size", [("iterative", 2000), ("forest", 1000)])
def test_chained_equations_beat_mean_imputation_by_10_percent_under_mar(kind, size):
    X = make_factor_data(n=size, d=30)
    mean = SimpleImputer(strategy="mean").set_output(transform="pandas")
    baseline = evaluate_imputation(X, mean, 0.2, "MAR", random_state=1).loc["mean", "nrmse"]
    score = evaluate_imputation(X, make_imputer(kind, random_state=0), 0.2, "MAR",
                                random_state=1).loc["mean", "nrmse"]
    assert score <= 0.9 * baseline
    # with R² about 0.8 per column, a good imputer is far better than 10 %
    assert score < 0.7


@pytest.mark.slow
def test_beats_mean_imputation_on_the_synthetic_molecular_block(molecular_block):
    mean = SimpleImputer(strategy="mean").set_output(transform="pandas")
    baseline = evaluate_imputation(molecular_block, mean, 0.2, "MAR", random_state=0)
    for kind in ("iterative", "forest"):
        score = evaluate_imputation(molecular_block, make_imputer(kind, random_state=0),
                                    0.2, "MAR", random_state=0)
        assert score.loc["mean", "nrmse"] <= 0.9 * baseline.loc["mean", "nrmse"]


def test_same_seed_same_result_and_numpy_in_numpy_out(factor_data):
    X = factor_data.iloc[:200, :8].mask(np.random.default_rng(0).random((200, 8)) < 0.2)
    a = make_imputer("iterative", random_state=3, sample_posterior=True).fit_transform(X)
    b = make_imputer("iterative", random_state=3, sample_posterior=True).fit_transform(X)
    c = make_imputer("iterative", random_state=4, sample_posterior=True).fit_transform(X)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    arr = make_imputer("knn").fit_transform(X.to_numpy())
    assert isinstance(arr, np.ndarray) and arr.shape == X.shape


def test_works_in_pipelines_and_cross_validation(factor_data):
    from sklearn.linear_model import Ridge

    X = factor_data.iloc[:300].copy()
    y = X.pop("mol_G0")
    X = X.mask(np.random.default_rng(1).random(X.shape) < 0.1)
    model = make_pipeline(make_imputer("iterative", random_state=0), Ridge())
    scores = cross_val_score(model, X, y, cv=KFold(3, shuffle=True, random_state=0))
    assert scores.mean() > 0.5


@pytest.mark.parametrize("change, error, message", [
    (lambda X: X.assign(note="x"), ValueError, r"column\(s\) 'note' hold text"),
    (lambda X: X.assign(igg_g_l=np.nan), ValueError, r"'igg_g_l' have no observed value"),
])
def test_bad_input_is_refused(change, error, message, mixed_data):
    with pytest.raises(error, match=message):
        make_imputer("iterative").fit(change(mixed_data))


def test_transform_needs_the_columns_seen_in_fit(mixed_data):
    imputer = make_imputer("simple").fit(mixed_data)
    with pytest.raises(ValueError, match="feature names"):
        imputer.transform(mixed_data.drop(columns="crp_mg_l"))
    with pytest.raises(ValueError, match="method"):
        make_imputer("mice").fit(mixed_data)


def test_the_0_1_parameter_kind_is_method_with_a_future_warning(mixed_data):
    import warnings

    from stratify.impute import MultipleImputer, make_imputer

    new = SchemaImputer(method="simple").fit_transform(mixed_data)
    with pytest.warns(FutureWarning, match="'kind' was renamed 'method'"):
        old = SchemaImputer(kind="simple").fit_transform(mixed_data)
    pd.testing.assert_frame_equal(old, new)
    with pytest.warns(FutureWarning, match="make_imputer"):
        assert make_imputer(kind="knn").get_params()["method"] == "knn"
    with pytest.raises(TypeError, match="both 'kind' and 'method'"):
        make_imputer("simple", kind="knn")
    with pytest.warns(FutureWarning, match="MultipleImputer"):
        frames = MultipleImputer(n_imputations=2, kind="iterative", random_state=0
                                 ).fit_transform(mixed_data)
    expected = MultipleImputer(n_imputations=2, method="iterative", random_state=0
                               ).fit_transform(mixed_data)
    pd.testing.assert_frame_equal(frames[1], expected[1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make_imputer("simple").fit_transform(mixed_data)
