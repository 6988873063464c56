"""Embedder: PCA and UMAP embeddings with the patient index kept."""

import numpy as np
import pandas as pd
import pytest

from stratify.cluster import Embedder


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(80, 5)), columns=["a", "b", "c", "d", "e"],
                     index=pd.Index([f"P{i}" for i in range(80)], name="patient_id"))
    X["e"] = X["a"] * 1000.0 + rng.normal(scale=10.0, size=80)  # large unit, same signal
    return X


def test_pca_embedding_keeps_patients_and_names_components(frame):
    embedder = Embedder(method="pca", n_components=3, random_state=0)
    emb = embedder.fit_transform(frame)
    assert list(emb.columns) == ["emb1", "emb2", "emb3"]
    assert emb.index.equals(frame.index)
    assert np.allclose(embedder.transform(frame), emb)
    assert list(embedder.get_feature_names_out()) == ["emb1", "emb2", "emb3"]
    # standardized: the large-unit copy of 'a' does not take the first component alone
    loadings = np.abs(embedder.model_.components_[0])
    assert loadings[4] == pytest.approx(loadings[0], rel=0.05)
    raw = Embedder(method="pca", scale=False).fit(frame).model_.components_[0]
    assert np.abs(raw[4]) > 0.99


def test_new_patients_and_numpy_input(frame):
    embedder = Embedder(random_state=0).fit(frame.iloc[:60])
    new = embedder.transform(frame.iloc[60:])
    assert new.index.equals(frame.index[60:])
    out = Embedder(random_state=0).fit_transform(frame.to_numpy())
    assert isinstance(out, np.ndarray) and out.shape == (80, 2)


def test_bad_input_is_refused(frame):
    with pytest.raises(ValueError, match="n_components"):
        Embedder(n_components=6).fit(frame)
    broken = frame.copy()
    broken.iloc[3, 1] = np.nan
    with pytest.raises(ValueError, match="'b'.*P3.*[Ii]mpute"):
        Embedder().fit(broken)
    with pytest.raises(ValueError, match="'center' identify"):
        Embedder().fit(frame.assign(center=1))


@pytest.mark.slow
def test_umap_is_deterministic_for_a_seed_and_places_new_patients(frame):
    first = Embedder(method="umap", random_state=0, n_neighbors=10).fit(frame)
    second = Embedder(method="umap", random_state=0, n_neighbors=10).fit(frame)
    assert np.allclose(first.model_.embedding_, second.model_.embedding_)
    emb = first.fit_transform(frame)
    assert list(emb.columns) == ["emb1", "emb2"] and emb.index.equals(frame.index)
    assert first.transform(frame.iloc[:5]).shape == (5, 2)
