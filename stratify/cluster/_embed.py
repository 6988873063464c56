"""Low-dimensional embeddings of patients for plotting and density clustering."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._frames import wrap_rows
from ._checks import check_numeric_complete
from ._optional import require

__all__ = ["Embedder", "fit_umap"]

_WHO = "Embedder"


def fit_umap(values: np.ndarray, *, n_components: int, random_state: Any, n_neighbors: int,
             min_dist: float, who: str = 'Embedder(method="umap")') -> Any:
    """A fitted ``umap.UMAP`` (imported here: it costs seconds, plus numba compilation).

    ``n_neighbors`` is capped at n - 1 so that small samples work. umap-learn
    is optional: without it this raises an ImportError naming ``who`` and the
    extra that installs it (``stratify[umap]``).
    """
    import warnings

    umap = require("umap", who=who)

    neighbors = int(max(2, min(n_neighbors, values.shape[0] - 1)))
    with warnings.catch_warnings():
        # umap warns that a seed disables its parallelism: that is the point of the seed
        warnings.simplefilter("ignore", UserWarning)
        return umap.UMAP(n_components=n_components, n_neighbors=neighbors, min_dist=min_dist,
                         random_state=random_state).fit(values)


class Embedder(TransformerMixin, BaseEstimator):
    """Embed patients in a few dimensions (PCA or UMAP), for plots and density clustering.

    Features are standardized first (``scale=True``) so that no feature
    dominates by its unit. ``"pca"`` is linear, fast and deterministic;
    ``"umap"`` (McInnes et al. 2018) keeps local neighbourhoods and separates
    groups more clearly, but distances between far-apart groups mean little,
    and it costs 20-60 s of numba compilation on first use in a process.
    With a ``random_state`` UMAP is deterministic (and single-threaded).

    Parameters
    ----------
    method : {"pca", "umap"}, default="pca"
        ``"umap"`` needs the optional umap-learn package
        (``pip install "stratify[umap]"``).
    n_components : int, default=2
    random_state : int, RandomState or None, default=None
    n_neighbors : int, default=15
        UMAP neighbourhood size (capped at n_patients - 1).
    min_dist : float, default=0.1
        UMAP minimum distance between embedded points.
    scale : bool, default=True
        Standardize every feature before embedding.

    Attributes
    ----------
    model_ : sklearn.decomposition.PCA or umap.UMAP
        The fitted embedding.
    mean_, scale_ : ndarray
        Standardization (zeros and ones when ``scale=False``).
    n_features_in_ : int
    feature_names_in_ : ndarray
        Column names, when ``X`` is a DataFrame.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stratify.cluster import Embedder
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.normal(size=(50, 4)), columns=list("abcd"),
    ...                  index=pd.Index([f"P{i}" for i in range(50)], name="patient_id"))
    >>> emb = Embedder(method="pca", random_state=0).fit_transform(X)
    >>> list(emb.columns), emb.index[:2].tolist()
    (['emb1', 'emb2'], ['P0', 'P1'])
    """

    _parameter_constraints: dict = {
        "method": [StrOptions({"pca", "umap"})],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "n_neighbors": [Interval(Integral, 2, None, closed="left")],
        "min_dist": [Interval(Real, 0, None, closed="left")],
        "scale": ["boolean"],
    }

    def __init__(self, *, method: str = "pca", n_components: int = 2, random_state: Any = None,
                 n_neighbors: int = 15, min_dist: float = 0.1, scale: bool = True) -> None:
        self.method = method
        self.n_components = n_components
        self.random_state = random_state
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.scale = scale

    def _values(self, X: Any, *, reset: bool) -> np.ndarray:
        check_numeric_complete(X, who=_WHO)
        if isinstance(X, pd.DataFrame):
            X = X.astype("float64")
        return validate_data(self, X, reset=reset, dtype=np.float64)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> Embedder:
        """Learn the embedding.

        Parameters
        ----------
        X : DataFrame or array of shape (n_patients, n_features)
            Complete numeric data.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        values = self._values(X, reset=True)
        n, d = values.shape
        if self.n_components > d or self.n_components >= n:
            raise ValueError(f"The 'n_components' parameter of {_WHO} must be at most the "
                             f"number of features ({d}) and below the number of patients "
                             f"(n_samples={n}). Got {self.n_components} instead.")
        if self.scale:
            self.mean_ = values.mean(axis=0)
            sd = values.std(axis=0)
            self.scale_ = np.where(sd > 0, sd, 1.0)
        else:
            self.mean_, self.scale_ = np.zeros(d), np.ones(d)
        z = (values - self.mean_) / self.scale_
        if self.method == "pca":
            from sklearn.decomposition import PCA

            self.model_ = PCA(n_components=self.n_components,
                              random_state=self.random_state).fit(z)
        else:
            self.model_ = fit_umap(z, n_components=self.n_components,
                                   random_state=self.random_state,
                                   n_neighbors=self.n_neighbors, min_dist=self.min_dist)
        return self

    def transform(self, X: Any) -> Any:
        """Embed patients (new ones too).

        Parameters
        ----------
        X : DataFrame or array of shape (n_patients, n_features)

        Returns
        -------
        DataFrame or ndarray of shape (n_patients, n_components)
            Columns ``emb1``, ``emb2``, ... indexed like ``X`` (an array
            when ``X`` is an array).
        """
        check_is_fitted(self)
        values = self._values(X, reset=False)
        z = (values - self.mean_) / self.scale_
        out = np.asarray(self.model_.transform(z), dtype=np.float64)
        return wrap_rows(out, X, columns=list(self.get_feature_names_out()))

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        """Fit and embed ``X``.

        For UMAP this returns UMAP's own embedding of the training patients;
        :meth:`transform` places patients into that embedding (training
        patients land close to, not exactly at, their fitted positions).
        """
        self.fit(X)
        if self.method == "pca":
            return self.transform(X)
        out = np.asarray(self.model_.embedding_, dtype=np.float64)
        return wrap_rows(out, X, columns=list(self.get_feature_names_out()))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``emb1``, ``emb2``, ... (one per component)."""
        check_is_fitted(self)
        return np.array([f"emb{i + 1}" for i in range(self.n_components)], dtype=object)
