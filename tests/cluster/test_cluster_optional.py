"""umap-learn and hdbscan are optional: the option that needs one names its extra."""

import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from stratify.cluster import ConsensusClustering, Embedder


@pytest.fixture
def X():
    return np.random.default_rng(0).normal(size=(40, 4))


def _missing(monkeypatch, module):
    # None in sys.modules makes "import module" raise ImportError, as when not installed
    monkeypatch.setitem(sys.modules, module, None)


def test_embedder_umap_without_umap_learn_names_the_extra(monkeypatch, X):
    _missing(monkeypatch, "umap")
    with pytest.raises(ImportError, match=r'Embedder\(method="umap"\) needs the optional '
                                          r'package umap-learn.*pip install "stratify\[umap\]"'):
        Embedder(method="umap", random_state=0).fit(X)
    # the default needs neither package
    assert Embedder(random_state=0).fit_transform(X).shape == (40, 2)


def test_consensus_hdbscan_without_hdbscan_names_the_extra(monkeypatch, X):
    _missing(monkeypatch, "hdbscan")
    model = ConsensusClustering(method="hdbscan", n_resamples=5, random_state=0)
    with pytest.raises(ImportError, match=r'ConsensusClustering\(method="hdbscan"\) needs the '
                                          r'optional package hdbscan.*'
                                          r'pip install "stratify\[hdbscan\]"'):
        model.fit(X)
    assert not hasattr(model, "labels_")  # it failed before any work


def test_consensus_umap_embedding_without_umap_learn_names_the_extra(monkeypatch, X):
    pytest.importorskip("hdbscan")
    _missing(monkeypatch, "umap")
    with pytest.raises(ImportError, match=r'embedding="umap"\) needs the optional package '
                                          r'umap-learn.*stratify\[umap\]'):
        ConsensusClustering(method="hdbscan", embedding="umap", n_resamples=5,
                            random_state=0).fit(X)


def test_gmm_needs_neither_optional_package(monkeypatch, X):
    _missing(monkeypatch, "umap")
    _missing(monkeypatch, "hdbscan")
    model = ConsensusClustering(k_range=[2, 3], n_resamples=5, random_state=0).fit(X)
    assert model.labels_.shape == (40,)


def test_extras_declare_the_optional_packages():
    project = tomllib.loads(
        (Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = " ".join(project["dependencies"])
    extras = project["optional-dependencies"]
    assert "umap-learn" not in core and "hdbscan" not in core
    assert any(r.startswith("umap-learn") for r in extras["umap"])
    assert any(r.startswith("hdbscan") for r in extras["hdbscan"])
    for extra in ("all", "test"):  # the test suite runs every option
        assert any(r.startswith("umap-learn") for r in extras[extra]), extra
        assert any(r.startswith("hdbscan") for r in extras[extra]), extra
