"""explain_clusters: planted defining features, directions, agreement with the profile."""

import numpy as np
import pandas as pd
import pytest
from explain_threads import one_thread  # noqa: F401

from stratify.explain import agreement_with_profile, explain_clusters
from stratify.explain._clusters import standardized_mean_differences


@pytest.fixture(scope="module")
def planted():
    """Three subgroups: interferon has high MX1, lymphoid low BTK; six noise genes."""
    rng = np.random.default_rng(0)
    n = 300
    labels = np.repeat(["healthy_like", "interferon", "lymphoid"], n // 3)
    X = pd.DataFrame(rng.normal(size=(n, 8)),
                     columns=["mol_MX1", "mol_BTK"] + [f"mol_N{i}" for i in range(6)])
    X.loc[labels == "interferon", "mol_MX1"] += 2.5
    X.loc[labels == "lymphoid", "mol_BTK"] -= 2.5
    X.iloc[::13, 3] = np.nan
    return X, labels


def test_defining_features_and_directions(planted):
    X, labels = planted
    table = explain_clusters(X, labels, random_state=0)
    assert len(table) == 3 * 8
    top = table[table["rank"] == 1].set_index("subgroup")
    assert top.loc["interferon", "feature"] == "mol_MX1"
    assert top.loc["interferon", "direction"] == 1
    assert top.loc["lymphoid", "feature"] == "mol_BTK"
    assert top.loc["lymphoid", "direction"] == -1
    # Healthy-like is defined by neither being high MX1 nor low BTK.
    healthy = table[table["subgroup"] == "healthy_like"].set_index("feature")
    assert set(healthy.nsmallest(2, "rank").index) == {"mol_MX1", "mol_BTK"}
    assert healthy.loc["mol_MX1", "direction"] == -1 and healthy.loc["mol_BTK", "direction"] == 1
    assert np.allclose(table.groupby("subgroup")["share"].sum(), 1.0)


def test_agreement_with_standardized_differences(planted):
    X, labels = planted
    table = explain_clusters(X, labels, random_state=0)
    agreement = agreement_with_profile(table, X=X, labels=labels, top=2)
    assert list(agreement.index) == ["healthy_like", "interferon", "lymphoid"]
    assert (agreement["top_overlap"] == 1.0).all()
    assert (agreement["direction_agreement"] == 1.0).all()
    assert (agreement["spearman"] > 0.4).all()


def test_agreement_accepts_a_long_profile(planted):
    X, labels = planted
    table = explain_clusters(X, labels, random_state=0)
    wide = standardized_mean_differences(X, labels)
    long = wide.rename_axis("feature").reset_index().melt(
        id_vars="feature", var_name="subgroup", value_name="effect_size")
    pd.testing.assert_frame_equal(agreement_with_profile(table, long),
                                  agreement_with_profile(table, wide))


def test_standardized_mean_difference_worked_example():
    smd = standardized_mean_differences(pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]}),
                                        ["g", "g", "h", "h"])
    # means 1.5 vs 3.5, both variances 0.5: (3.5 - 1.5) / sqrt(0.5)
    assert smd.loc["a", "h"] == pytest.approx(2 / np.sqrt(0.5))
    assert smd.loc["a", "g"] == pytest.approx(-2 / np.sqrt(0.5))


def test_errors(planted):
    X, labels = planted
    with pytest.raises(ValueError, match="at least 2 subgroups"):
        explain_clusters(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="not numeric"):
        explain_clusters(X.assign(sex="F"), labels)
    with pytest.raises(ValueError, match="needs a profile"):
        agreement_with_profile(explain_clusters(X, labels, random_state=0))
