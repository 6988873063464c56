"""profile(): summaries, effect sizes and tests of each subgroup against the rest."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from stratify.cluster import profile


@pytest.fixture
def cohort():
    rng = np.random.default_rng(0)
    labels = np.repeat(["S1", "S2", "S3"], [60, 30, 10])
    X = pd.DataFrame({
        "mol_MX1": rng.normal(size=100),
        "anti_ro": (rng.random(100) < 0.3).astype(float),
        "age": rng.normal(55, 10, size=100),
    }, index=pd.Index([f"P{i}" for i in range(100)], name="patient_id"))
    X.loc[labels == "S2", "mol_MX1"] += 2.0
    X.loc[labels == "S3", "anti_ro"] = 1.0
    X.iloc[:5, 2] = np.nan  # five S1 patients without age
    return X, labels


def test_long_format_has_one_row_per_feature_and_subgroup(cohort):
    X, labels = cohort
    table = profile(X, labels)
    assert len(table) == 9
    assert table[["feature", "subgroup"]].values.tolist()[:3] == [
        ["mol_MX1", "S1"], ["mol_MX1", "S2"], ["mol_MX1", "S3"]]
    assert table.set_index("feature").loc["anti_ro", "kind"].eq("binary").all()
    assert table.set_index("feature").loc["age", "kind"].eq("continuous").all()


def test_continuous_summary_effect_and_mann_whitney(cohort):
    X, labels = cohort
    row = profile(X, labels).set_index(["feature", "subgroup"]).loc[("mol_MX1", "S2")]
    inside = X.loc[labels == "S2", "mol_MX1"]
    rest = X.loc[labels != "S2", "mol_MX1"]
    assert row["n"] == 30 and row["mean"] == pytest.approx(inside.mean())
    assert row["sd"] == pytest.approx(inside.std()) and row["median"] == pytest.approx(
        inside.median())
    pooled = np.sqrt((29 * inside.var() + 69 * rest.var()) / 98)
    assert row["effect_size"] == pytest.approx((inside.mean() - rest.mean()) / pooled)
    assert row["p_value"] == pytest.approx(stats.mannwhitneyu(inside, rest).pvalue)
    assert row["test"] == "mann-whitney" and np.isnan(row["proportion"])


def test_binary_proportion_cohens_h_and_fisher(cohort):
    X, labels = cohort
    row = profile(X, labels).set_index(["feature", "subgroup"]).loc[("anti_ro", "S3")]
    p0 = X.loc[labels != "S3", "anti_ro"].mean()
    assert row["proportion"] == 1.0
    assert row["effect_size"] == pytest.approx(2 * np.arcsin(1.0) - 2 * np.arcsin(np.sqrt(p0)))
    table = [[10, 0], [X.loc[labels != "S3", "anti_ro"].sum(),
                       (1 - X.loc[labels != "S3", "anti_ro"]).sum()]]
    assert row["p_value"] == pytest.approx(stats.fisher_exact(table).pvalue)


def test_missing_values_are_ignored_and_counted(cohort):
    X, labels = cohort
    row = profile(X, labels).set_index(["feature", "subgroup"]).loc[("age", "S1")]
    assert row["n"] == 55 and row["n_missing"] == 5


def test_q_values_are_benjamini_hochberg_over_every_test(cohort):
    X, labels = cohort
    table = profile(X, labels)
    expected = multipletests(table["p_value"], method="fdr_bh")[1]
    assert np.allclose(table["q_value"], expected)
    assert table.set_index(["feature", "subgroup"]).loc[("mol_MX1", "S2"), "q_value"] < 1e-6


def test_parametric_tests(cohort):
    X, labels = cohort
    table = profile(X, labels, test="parametric").set_index(["feature", "subgroup"])
    inside = X.loc[labels == "S2", "mol_MX1"]
    rest = X.loc[labels != "S2", "mol_MX1"]
    assert table.loc[("mol_MX1", "S2"), "p_value"] == pytest.approx(
        stats.ttest_ind(inside, rest, equal_var=False).pvalue)
    assert table.loc[("anti_ro", "S3"), "test"] == "chi-square"


def test_bad_input_is_refused(cohort):
    X, labels = cohort
    with pytest.raises(ValueError, match="'test' parameter"):
        profile(X, labels, test="magic")
    missing = labels.astype(object)
    missing[[3, 7]] = None
    with pytest.raises(ValueError, match="2 rows: P3, P7"):
        profile(X, missing)
    with pytest.raises(ValueError, match="'center'"):
        profile(X.assign(center="C1"), labels)
    with pytest.raises(ValueError, match="at least 2 subgroups"):
        profile(X, np.zeros(100))


def test_explain_reads_the_long_format(cohort):
    from stratify.explain._clusters import _effects

    X, labels = cohort
    wide = _effects(profile(X, labels))
    assert wide.shape == (3, 3) and wide.loc["mol_MX1", "S2"] > 1.5


def test_tests_of_the_clustered_features_are_marked_descriptive_the_others_are_tests():
    # 20 independent normal features, no structure: k-means labels found from the first
    # 10 make most of those "significant" (double dipping); the 10 others hold the level
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(300, 20)), columns=[f"f{j}" for j in range(20)])
    clustered = [f"f{j}" for j in range(10)]
    labels = KMeans(2, n_init=2, random_state=0).fit_predict(X[clustered])
    table = profile(X, labels, clustered=clustered)
    inside = table["feature"].isin(clustered)
    assert set(table.loc[inside, "inference"]) == {"descriptive"}
    assert set(table.loc[~inside, "inference"]) == {"test"}
    assert (table.loc[inside, "q_value"] < 0.05).mean() > 0.3
    assert (table.loc[~inside, "p_value"] < 0.05).mean() < 0.2
    # q-values are adjusted within each kind
    tests = table.loc[~inside, "p_value"]
    assert np.allclose(table.loc[~inside, "q_value"], multipletests(tests, method="fdr_bh")[1])
    # labels of unknown origin: every feature descriptive; clustered=[]: every one a test
    assert set(profile(X, labels)["inference"]) == {"descriptive"}
    assert set(profile(X, labels, clustered=[])["inference"]) == {"test"}


def test_predicting_held_out_patients_does_not_make_clustered_features_testable():
    # why sample splitting is not offered: the held-out patients' labels are a function
    # of the same features, so those features still differ between the predicted groups
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(4)
    X = pd.DataFrame(rng.normal(size=(400, 20)))
    discovery = rng.random(400) < 0.5
    model = KMeans(2, n_init=2, random_state=0).fit(X[discovery])
    held = ~discovery
    table = profile(X[held], model.predict(X[held]), clustered=[])
    assert (table["q_value"] < 0.05).mean() > 0.2


def test_clustered_must_name_columns_of_x():
    X = pd.DataFrame({"a": np.arange(10.0)})
    with pytest.raises(ValueError, match="'clustered'.*'nope'"):
        profile(X, np.repeat([0, 1], 5), clustered=["nope"])
