"""Property-based checks (hypothesis) of the transformers and the clustering.

Transformers: observed values are kept, the patient index is kept, and the order
of the rows does not matter. Clustering: renaming the labels changes nothing that
matters, and the same seed gives the same partition. (The scores' properties are
in ``tests/scores/test_scores_properties.py``.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score

from stratify.cluster import ConsensusClustering, align_labels, in_group_proportion, profile
from stratify.impute import SchemaImputer
from stratify.preprocess import CenterCorrector

SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _frame(seed: int, n: int, missing: float) -> pd.DataFrame:
    """A mixed clinical frame (continuous, binary, ordinal) with holes, and centres."""
    rng = np.random.default_rng(seed)
    activity = rng.normal(size=n)
    df = pd.DataFrame({
        "igg_g_l": np.clip(15 + 4 * activity + rng.normal(0, 2, n), 2, 59),
        "crp_mg_l": np.clip(np.exp(1 + 0.5 * activity + rng.normal(0, 0.5, n)), 0, 499),
        "anti_ro": (activity + rng.normal(0, 1, n) > 0).astype(float),
        "essdai_articular": np.clip(np.round(1.2 + activity + rng.normal(0, 0.7, n)), 0, 3),
    }, index=pd.Index([f"p{i:04d}" for i in rng.permutation(n)], name="patient_id"))
    holes = rng.random(df.shape) < missing
    holes[:, 0] &= np.arange(n) >= 3  # keep a few observed values in every column
    holes[0, :] = False
    return df.mask(holes)


seeds = st.integers(0, 2**31 - 1)


@pytest.mark.parametrize("kind", ["simple", "knn", "iterative"])
@SETTINGS
@given(seed=seeds, n=st.integers(20, 60), missing=st.floats(0.0, 0.4))
def test_imputers_keep_observed_values_index_and_ignore_row_order(kind, seed, n, missing):
    X = _frame(seed, n, missing)
    out = SchemaImputer(method=kind, random_state=0).fit_transform(X)
    assert out.index.equals(X.index) and list(out.columns) == list(X.columns)
    observed = X.notna()
    assert np.array_equal(out.where(observed).to_numpy(), X.where(observed).to_numpy(),
                          equal_nan=True)
    assert not out.isna().any().any()
    assert set(np.unique(out["anti_ro"])) <= {0.0, 1.0}
    if kind == "knn":
        return  # nearest neighbours at tied distances are taken in row order (KNNImputer)
    order = np.random.default_rng(seed).permutation(n)
    shuffled = SchemaImputer(method=kind, random_state=0).fit_transform(X.iloc[order])
    np.testing.assert_allclose(shuffled.loc[X.index].to_numpy(), out.to_numpy(),
                               rtol=1e-6, atol=1e-6)


@SETTINGS
@given(seed=seeds, n=st.integers(30, 80), method=st.sampled_from(["location_scale", "combat"]))
def test_center_correction_keeps_index_and_ignores_row_order(seed, n, method):
    rng = np.random.default_rng(seed)
    X = _frame(seed, n, 0.0)[["igg_g_l", "crp_mg_l"]]
    X = X.assign(center=rng.choice(["A", "B", "C"], n))
    X.iloc[:3, -1] = ["A", "B", "C"]  # every centre present
    X.iloc[3:6, -1] = ["A", "B", "C"]
    out = CenterCorrector(method=method).fit_transform(X)
    assert out.index.equals(X.index)
    order = rng.permutation(n)
    shuffled = CenterCorrector(method=method).fit_transform(X.iloc[order])
    columns = ["igg_g_l", "crp_mg_l"]
    assert shuffled.loc[X.index, "center"].equals(out["center"])
    np.testing.assert_allclose(shuffled.loc[X.index, columns].to_numpy(dtype=float),
                               out[columns].to_numpy(dtype=float), rtol=1e-6, atol=1e-8)


@SETTINGS
@given(seed=seeds, n=st.integers(20, 100), k=st.integers(2, 5))
def test_renaming_labels_changes_nothing_that_matters(seed, n, k):
    rng = np.random.default_rng(seed)
    reference = rng.integers(0, k, n)
    labels = np.where(rng.random(n) < 0.8, reference, rng.integers(0, k, n))
    renaming = rng.permutation(k)
    renamed = renaming[labels]
    # aligned onto the same reference, the two labelings are the same partition
    assert np.array_equal(align_labels(reference, renamed), align_labels(reference, labels))
    space = rng.normal(size=(n, 3))
    igp = in_group_proportion(space, labels)
    igp_renamed = in_group_proportion(space, renamed)
    assert sorted(np.round(list(igp.values()), 12)) == \
        sorted(np.round(list(igp_renamed.values()), 12))


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    # each subgroup apart on several features (the structure test cannot see a split
    # shown by single features only: their bimodal marginals are part of its null)
    centres = np.array([[0, 0, 0, 0], [6, 6, 6, 0], [6, -6, 0, 6]], dtype=float)
    truth = np.repeat([0, 1, 2], [60, 40, 30])
    X = pd.DataFrame(centres[truth] + rng.normal(size=(len(truth), 4)),
                     columns=[f"mol_G{j}" for j in range(4)],
                     index=pd.Index([f"p{i:03d}" for i in range(len(truth))], name="patient_id"))
    return X, truth


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 1000))
@pytest.mark.slow
def test_clustering_is_deterministic_and_ignores_row_order(blobs, seed):
    X, truth = blobs
    params = {"k_range": range(2, 5), "n_resamples": 5, "n_init": 2, "random_state": seed}
    first = ConsensusClustering(**params).fit(X)
    again = ConsensusClustering(**params).fit(X)
    assert np.array_equal(np.asarray(first.labels_), np.asarray(again.labels_))
    assert first.k_ == 3 and adjusted_rand_score(truth, first.labels_) == 1.0
    order = np.random.default_rng(seed).permutation(len(X))
    shuffled = ConsensusClustering(**params).fit(X.iloc[order])
    relabelled = pd.Series(np.asarray(shuffled.labels_), index=X.index[order]).loc[X.index]
    assert adjusted_rand_score(first.labels_, relabelled) == 1.0
    # the profile does not depend on what the subgroups are called
    renamed = (np.asarray(first.labels_) + 1) % 3
    a = profile(X, first.labels_).reset_index(drop=True)
    b = profile(X, renamed).reset_index(drop=True)
    assert a.shape == b.shape
