"""make_preprocessor: encoding by schema kind, missing values kept, clear errors."""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from stratify.data import PSS_SCHEMA, SchemaError
from stratify.impute import make_imputer
from stratify.preprocess import make_preprocessor


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    n = 40
    df = pd.DataFrame({
        "age": rng.normal(55, 12, n),
        "crp_mg_l": rng.lognormal(1, 1, n),
        "anti_ro": rng.integers(0, 2, n).astype(float),
        "essdai_articular": rng.integers(0, 4, n).astype(float),
        "sex": rng.choice(["F", "M"], n, p=[0.9, 0.1]),
        "center": rng.choice(["paris", "bergen", "brest"], n),
    }, index=pd.Index([f"p{i}" for i in range(n)], name="patient_id"))
    df.loc["p1", "age"] = np.nan
    df.loc["p2", "crp_mg_l"] = np.nan
    df.loc["p3", "anti_ro"] = np.nan
    df.loc["p4", "sex"] = None
    return df


def test_each_kind_is_encoded_as_documented(frame):
    pre = make_preprocessor(PSS_SCHEMA, list(frame.columns))
    out = pre.fit_transform(frame)
    assert out.index.equals(frame.index)
    assert list(out.columns) == ["age", "crp_mg_l", "anti_ro", "essdai_articular",
                                 "sex_F", "sex_M", "center_bergen", "center_brest",
                                 "center_paris"]
    # continuous: standardized (NaN-aware); the skewed lab after log1p
    np.testing.assert_allclose(out["age"].mean(), 0, atol=1e-12)
    np.testing.assert_allclose(out["age"].std(ddof=0), 1)
    logged = np.log1p(frame["crp_mg_l"])
    np.testing.assert_allclose(out["crp_mg_l"], (logged - logged.mean()) / logged.std(ddof=0))
    # binary and ordinal: unchanged
    pd.testing.assert_series_equal(out["anti_ro"], frame["anti_ro"])
    pd.testing.assert_series_equal(out["essdai_articular"], frame["essdai_articular"])
    # categorical: one-hot, a missing label gives missing dummies
    assert out.loc["p4", ["sex_F", "sex_M"]].isna().all()
    observed = frame.index != "p4"
    np.testing.assert_array_equal(out.loc[observed, "sex_F"], (frame.sex[observed] == "F"))
    # missing values pass through for an imputer
    assert np.isnan(out.loc["p1", "age"]) and np.isnan(out.loc["p2", "crp_mg_l"])
    assert np.isnan(out.loc["p3", "anti_ro"])


def test_unseen_label_gives_zero_dummies(frame):
    pre = make_preprocessor(PSS_SCHEMA, ["age", "center"]).fit(frame)
    new = frame.iloc[:2].assign(center="oslo")
    out = pre.transform(new)
    assert (out.filter(like="center_") == 0).all().all()


def test_options_ordinal_codes_and_scaled_ordinals(frame):
    pre = make_preprocessor(PSS_SCHEMA, ["sex", "essdai_articular", "crp_mg_l"],
                            one_hot=False, scale_ordinal=True, log_transform=())
    out = pre.fit_transform(frame)
    assert list(out.columns) == ["crp_mg_l", "essdai_articular", "sex"]
    assert set(out["sex"].dropna()) == {0.0, 1.0} and np.isnan(out.loc["p4", "sex"])
    np.testing.assert_allclose(out["essdai_articular"].std(ddof=0), 1)
    raw = frame["crp_mg_l"]
    np.testing.assert_allclose(out["crp_mg_l"], (raw - raw.mean()) / raw.std(ddof=0))


def test_in_a_pipeline_with_an_imputer_and_cross_validation(frame):
    from sklearn.linear_model import LogisticRegression

    columns = ["age", "crp_mg_l", "essdai_articular", "sex", "center"]
    model = make_pipeline(make_preprocessor(PSS_SCHEMA, columns),
                          make_imputer("simple"), LogisticRegression())
    y = (frame["essdai_articular"] > 1).astype(int)
    scores = cross_val_score(model, frame, y, cv=3)
    assert scores.shape == (3,)


@pytest.mark.parametrize("columns, message", [
    (["age", "favourite_colour"], "'favourite_colour': is not a variable of the schema"),
    (["age", "lymphoma_event"], "'lymphoma_event': is an outcome event code"),
    (["age", "lymphoma_time_years"], "'lymphoma_time_years': is an outcome time"),
])
def test_unknown_columns_and_kinds_are_refused(columns, message):
    with pytest.raises(SchemaError, match=message):
        make_preprocessor(PSS_SCHEMA, columns)


def test_log_transform_of_a_non_continuous_column_is_refused():
    with pytest.raises(SchemaError, match="'anti_ro': is binary"):
        make_preprocessor(PSS_SCHEMA, ["anti_ro"], log_transform=["anti_ro"])


def test_negative_lab_value_is_refused_with_patient_ids(frame):
    frame.loc["p7", "crp_mg_l"] = -3.0
    pre = make_preprocessor(PSS_SCHEMA, ["crp_mg_l"])
    with pytest.raises(ValueError, match=r"'crp_mg_l'.*>= 0 \(1 row: p7\)") as err:
        pre.fit(frame)
    assert "-3" not in str(err.value)
