"""table_one against scipy's tests and hand-computed summaries; suppression rules."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from stratify.report import suppress_small, table_one


@pytest.fixture
def df():
    rng = np.random.default_rng(0)
    n = 120
    group = np.repeat(["G1", "G2", "G3"], [50, 40, 30])
    return pd.DataFrame({
        "age": rng.normal(53, 13, n) + (group == "G3") * 8,
        "anti_ro": (rng.random(n) < np.where(group == "G1", 0.9, 0.5)).astype(float),
        "sex": np.where(rng.random(n) < 0.94, "F", "M"),
        "anxiety": rng.integers(0, 22, n).astype(float),
        "subgroup": group,
    }, index=pd.Index([f"p{i}" for i in range(n)], name="patient_id"))


def test_tests_and_summaries_match_scipy(df):
    t = table_one(df, "subgroup")
    groups = [df.loc[df.subgroup == g, "age"] for g in ["G1", "G2", "G3"]]
    assert t.loc[("age", ""), "p"] == pytest.approx(stats.f_oneway(*groups).pvalue)
    assert t.loc[("age", ""), "G1"] == f"{groups[0].mean():.1f} ({groups[0].std():.1f})"
    crosstab = pd.crosstab(df.anti_ro, df.subgroup)
    assert t.loc[("anti_ro", "1"), "p"] == pytest.approx(stats.chi2_contingency(crosstab)[1])
    # ordinal -> median [IQR] with Kruskal-Wallis
    anx = [df.loc[df.subgroup == g, "anxiety"] for g in ["G1", "G2", "G3"]]
    assert t.loc[("anxiety", ""), "test"] == "Kruskal-Wallis"
    assert t.loc[("anxiety", ""), "p"] == pytest.approx(stats.kruskal(*anx).pvalue)


def test_q_values_are_benjamini_hochberg(df):
    from statsmodels.stats.multitest import multipletests

    t = table_one(df, "subgroup")
    p = t["p"].dropna()
    expected = multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(t["q"].dropna(), expected)


def test_smd_two_groups_known_answer():
    df = pd.DataFrame({"age": [1.0, 2, 3, 4, 5, 2, 3, 4, 5, 6], "g": ["a"] * 5 + ["b"] * 5})
    t = table_one(df, "g")
    # means 3 and 4, both SD sqrt(2.5): SMD = 1 / sqrt(2.5)
    assert t.loc[("age", ""), "SMD"] == pytest.approx(1 / np.sqrt(2.5))


def test_small_cells_are_suppressed_with_complementary_suppression(df):
    t = table_one(df, "subgroup")
    males = t.loc[("sex", "M"), ["G1", "G2", "G3"]].tolist()
    assert sum(cell == "<5" for cell in males) >= 1
    if sum(cell == "<5" for cell in males) == 1:
        assert "(s)" in males
    # without suppression every count is shown
    open_ = table_one(df, "subgroup", min_cell=1)
    assert all("(" in c and "s" not in c for c in open_.loc[("sex", "M"), ["G1", "G2", "G3"]])


def test_missing_counts_and_group_series(df):
    df = df.copy()
    df.iloc[:7, 0] = np.nan
    t = table_one(df.drop(columns="subgroup"), df["subgroup"])
    assert t.loc[("age", ""), "Missing"] == "7 (5.8)"
    assert t.attrs["n"] == {"G1": 50, "G2": 40, "G3": 30}


def test_unassigned_patients_are_refused(df):
    df.loc[df.index[0], "subgroup"] = None
    with pytest.raises(ValueError, match="no subgroup"):
        table_one(df, "subgroup")


def test_no_patient_ids_in_outputs(df):
    html = table_one(df, "subgroup").to_html()
    assert not any(pid in html for pid in df.index[:20])


def test_suppress_small_frame():
    out = suppress_small(pd.DataFrame({"a": [0, 4, 5]}), min_cell=5)
    assert out["a"].tolist() == ["0", "<5", "5"]


def test_variables_the_groups_were_found_from_are_descriptive():
    import numpy as np
    import pandas as pd
    from sklearn.cluster import KMeans

    from stratify.report import table_one

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"mol_MX1": rng.normal(size=200), "mol_IFI44": rng.normal(size=200),
                       "age": rng.normal(50, 10, size=200)})
    groups = pd.Series(KMeans(2, n_init=2, random_state=0).fit_predict(
        df[["mol_MX1", "mol_IFI44"]]), index=df.index)
    naive = table_one(df, groups)
    assert naive.attrs["inference"] == "descriptive"
    assert naive.loc[("mol_MX1", ""), "p"] < 1e-6  # what double dipping looks like
    table = table_one(df, groups, clustered=["mol_MX1", "mol_IFI44"])
    assert table.attrs["inference"] == "tests"
    assert table.loc[("mol_MX1", ""), "test"] == "descriptive"
    assert np.isnan(table.loc[("mol_MX1", ""), "p"]) and np.isnan(table.loc[("mol_MX1", ""), "q"])
    assert table.loc[("age", ""), "p"] == naive.loc[("age", ""), "p"]
    assert table.loc[("age", ""), "q"] == table.loc[("age", ""), "p"]  # the only test
