"""The steps of :meth:`ConsensusClustering.fit` that set its fitted attributes.

:class:`_ConsensusSteps` is a private base class of the estimator: its
methods read the estimator's parameters, call the functions of
``_consensus_fit.py`` and store what they return, and hold what
:meth:`~ConsensusClustering.predict`, :meth:`~ConsensusClustering.predict_proba`
and :meth:`~ConsensusClustering.assign` share (input checks, the reduced
space, probabilities, outlier scores).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import validate_data

from .. import parallel
from ._align import order_by_size, rename
from ._checks import check_frames, check_numeric_complete
from ._consensus_fit import (
    _mahalanobis_model,
    one_group_scores,
    pooled_proba,
    subgroup_means,
    warn_about_k,
)
from ._partition import MAX_REG_COVAR, REG_COVAR, Partition, resample_labels
from ._reduce import MIN_COMPONENTS, Reducer
from ._select_k import choose_k, no_choice
from ._structure import StructureTest, structure_test

_WHO = "ConsensusClustering"
_UMAP = 'ConsensusClustering(method="hdbscan", embedding="umap")'


def _has_missing(frame: Any) -> bool:
    if isinstance(frame, pd.DataFrame):
        return bool(frame.isna().to_numpy().any())
    values = np.asarray(frame)
    return values.dtype.kind == "f" and bool(np.isnan(values).any())


def _missing_imputer(n_imputations: int, seed: int | None, n_jobs: int | None) -> Any:
    """Draws from a mixture fitted to the observed values (one, or m through
    :class:`~stratify.impute.MultipleImputer`)."""
    from ..impute import MultipleImputer, SchemaImputer

    if n_imputations == 1:
        return SchemaImputer(method="mixture", sample_posterior=True, random_state=seed)
    return MultipleImputer(n_imputations=n_imputations, method="mixture", random_state=seed,
                           n_jobs=n_jobs)


class _ConsensusSteps:
    """The steps of :meth:`ConsensusClustering.fit` that set fitted attributes, and the
    helpers its prediction methods share (inputs, reduced space, probabilities, outliers).

    A base class of :class:`ConsensusClustering` only: it reads the estimator's
    parameters and fitted attributes, declared below for the type checker.
    """

    method: str
    reduce: Any
    covariance_type: str
    n_init: int
    min_stability: float
    min_cluster_size: float
    embedding: str
    outlier_quantile: float
    n_imputations: int
    n_resamples: int
    n_null: int
    alpha: float
    n_jobs: int | None
    imputer_: Any
    reducer_: Any
    umap_: Any
    n_components_: int
    reg_covar_: float
    covariance_type_: str | None
    structure_: StructureTest | None
    models_: list[Partition]
    labels_: np.ndarray
    k_: int
    resample_indices_: np.ndarray
    resample_labels_: np.ndarray
    _chosen_index: int | None

    def consensus_matrix(self, k: int | None = None) -> np.ndarray:
        """Defined by :class:`ConsensusClustering` (declared for the type checker)."""
        raise NotImplementedError

    @staticmethod
    def _as_list(X: Any) -> list[Any]:
        if isinstance(X, (list, tuple)) and len(X) > 0 and all(
                isinstance(f, (pd.DataFrame, np.ndarray)) and np.ndim(f) == 2 for f in X):
            return list(X)
        return [X]

    def _complete(self, X: Any, *, fit: bool, seed: int = 0) -> list[Any]:
        """The m complete frames: ``X`` as given, or its imputations when it has
        missing values (imputer fitted in ``fit``); ``mixed`` takes ``X`` with its
        missing values (its likelihood leaves them out)."""
        frames = self._as_list(X)
        if self.method == "mixed":
            return frames
        if len(frames) > 1 or not _has_missing(frames[0]):
            return frames
        if not fit and getattr(self, "imputer_", None) is None:
            return frames  # the check below names the missing values
        check_numeric_complete(frames[0], who=_WHO, allow_missing=True)
        if fit:
            self.imputer_ = _missing_imputer(self.n_imputations, seed, self.n_jobs).fit(
                frames[0])
        imputed = self.imputer_.transform(frames[0])
        return imputed if isinstance(imputed, list) else [imputed]

    def _values(self, frames: list[Any], *, reset: bool) -> list[np.ndarray]:
        """Validated float arrays of the frames given by :meth:`_complete`."""
        check_frames(frames, who=_WHO)
        mixed = self.method == "mixed"
        out = []
        for i, frame in enumerate(frames):
            check_numeric_complete(frame, who=_WHO, allow_missing=mixed)
            if isinstance(frame, pd.DataFrame):
                frame = frame.astype("float64")
            out.append(validate_data(self, frame, reset=reset and i == 0, dtype=np.float64,
                                     ensure_min_samples=2 if reset else 1,
                                     ensure_all_finite="allow-nan" if mixed else True))
        return out

    def _space(self, values: list[np.ndarray]) -> list[np.ndarray]:
        reduced = [self.reducer_.transform(v) for v in values]
        if self.umap_ is not None:
            reduced = [self.umap_.transform(z) for z in reduced]
        if self.method == "hdbscan" and len(reduced) > 1:
            reduced = [np.mean(reduced, axis=0)]
        return reduced

    def _options(self, covariance_type: str) -> dict:
        return {"covariance_type": covariance_type, "n_init": self.n_init,
                "reg_covar": self.reg_covar_,
                "min_cluster_size": self.min_cluster_size, "min_samples": None,
                "encoding": getattr(self, "encoding_", None)}

    def _reduce(self, values: list[np.ndarray], ks: list[int], anchors: np.ndarray,
                seed_reduce: int, seed_embed: int) -> list[np.ndarray]:
        """Fit the reduction (``reducer_``, ``reg_covar_``) and return the space clustered."""
        if self.method == "mixed":  # the latent class model reads the features as given
            from ..data import PSS_SCHEMA
            from ._mixed import Encoding, Identity, feature_kinds, joint_pairs

            self.reducer_ = Identity(values[0].shape[1])
            self.n_components_ = values[0].shape[1]
            self.reg_covar_ = REG_COVAR
            self.umap_ = None
            self.kinds_ = feature_kinds(values[0], getattr(self, "feature_names_in_", None),
                                        PSS_SCHEMA)
            names = getattr(self, "feature_names_in_", None)
            self.encoding_ = Encoding.fit(values[0], self.kinds_,
                                          joint_pairs(names, self.kinds_))
            return values
        density = self.method == "hdbscan"
        # k subgroup means span up to k - 1 dimensions: keep room for the largest k
        min_components = MIN_COMPONENTS if density else max(MIN_COMPONENTS, ks[-1] - 1)
        self.reducer_ = Reducer(self.reduce, random_state=seed_reduce,
                                min_components=min_components).fit(np.mean(values, axis=0))
        self.n_components_ = self.reducer_.n_components_
        self.reg_covar_ = float(np.clip(np.max(self.reducer_.rounding_variance_, initial=0.0),
                                        REG_COVAR, MAX_REG_COVAR))
        reduced = self._embed([self.reducer_.transform(v) for v in values], anchors, seed_embed)
        if density and len(reduced) > 1:
            reduced = [np.mean(reduced, axis=0)]
        return reduced

    def _embed(self, reduced: list[np.ndarray], rows: np.ndarray, seed: int
               ) -> list[np.ndarray]:
        """The space hdbscan clusters: the reduced space or a UMAP of it."""
        if self.method != "hdbscan" or self.embedding == "pca":
            self.umap_ = None
            return reduced
        from ._embed import fit_umap

        self.umap_ = fit_umap(reduced[0][rows], n_components=2, random_state=seed,
                              n_neighbors=15, min_dist=0.0, who=_UMAP)
        return [self.umap_.transform(z) for z in reduced]

    def _resample(self, anchored: list[np.ndarray], n_sub: int, ks: list[int],
                  seed: int) -> None:
        """The resampled clusterings: ``resample_indices_`` and ``resample_labels_``."""
        resample_seeds = parallel.spawn_seeds(seed, self.n_resamples)
        options = self._options(self.covariance_type_ or "full")
        resamples = parallel.run(
            resample_labels,
            [(self.method, anchored[r % len(anchored)], n_sub, ks, resample_seeds[r], options)
             for r in range(self.n_resamples)],
            n_jobs=self.n_jobs)
        self.resample_indices_ = np.array([idx for idx, _ in resamples])
        self.resample_labels_ = np.array([lab for _, lab in resamples])

    def _structure_test(self, values: list[np.ndarray], anchors: np.ndarray, ks: list[int],
                        seed: int, missing: np.ndarray | None) -> StructureTest | None:
        """The structure test on the (anchor) patients of the first frame; None
        when ``n_null`` is 0.

        Its reduction keeps the components above noise only (not the
        ``max(k_range) - 1`` the clustering keeps): noise components dilute
        the share of variance that clusters explain. When ``fit`` imputed
        missing values, the null data lose the same values and are imputed
        by the same mixture engine (one draw, as the first frame is).
        """
        if self.n_null == 0:
            return None
        if self.method == "mixed":
            # the latent class model's own statistic, on the data with their missing values
            return structure_test(values[0][anchors], ks, n_null=self.n_null,
                                  alpha=self.alpha,
                                  feature_names=getattr(self, "feature_names_in_", None),
                                  random_state=seed, n_jobs=self.n_jobs,
                                  latent_class=(self.kinds_, self.encoding_.pairs))
        imputer = None
        if missing is not None:
            missing = missing[anchors]
            imputer = _missing_imputer(1, None, None)  # the engine fit used, one draw
        return structure_test(values[0][anchors], ks, reduce=self.reduce,
                              min_components=MIN_COMPONENTS, n_null=self.n_null,
                              alpha=self.alpha, missing=missing, imputer=imputer,
                              feature_names=getattr(self, "feature_names_in_", None),
                              random_state=seed, n_jobs=self.n_jobs)

    def _choose(self, scores: pd.DataFrame, reduced: list[np.ndarray], fit_ks: list[Any],
                structure: bool | None) -> pd.DataFrame:
        """The scores with k = 1 and the choice; sets ``_chosen_index`` (None: k = 1)."""
        evidence = "" if self.structure_ is None else self.structure_.evidence()
        if self.method == "hdbscan":
            self._chosen_index = 0
            scores = no_choice(scores)
            if structure is False:  # HDBSCAN's clusters overruled by the structure test
                scores = scores.assign(chosen=False, reason="not chosen: no subgroup structure")
                row = self._one_group_scores(reduced).assign(
                    admissible=False, chosen=True,
                    reason=f"chosen: no subgroup structure: {evidence}")
                scores = pd.concat([row, scores])
            return scores
        scores = pd.concat([self._one_group_scores(reduced), scores])
        k_chosen, scores = choose_k(scores, self.min_stability, structure=structure,
                                    structure_evidence=evidence)
        self._chosen_index = fit_ks.index(k_chosen) if k_chosen >= 2 else None
        # fit's caller is 5 frames up: _choose, _fit, fit, scikit-learn's _fit_context
        warn_about_k(scores, k_chosen, fit_ks, stacklevel=5)
        return scores

    def _one_group_scores(self, reduced: list[np.ndarray]) -> pd.DataFrame:
        """The row of k = 1 (:func:`one_group_scores`)."""
        if self.method == "mixed":  # one latent class: every feature independent
            from ._mixed import fit_latent_class

            models = [fit_latent_class(z, 1, 0, self.encoding_, 1) for z in reduced]
            bic = float(np.mean([m.bic(z) for m, z in zip(models, reduced)]))
            return pd.DataFrame({"pac": np.nan, "cdf_area": np.nan, "delta_area": np.nan,
                                 "silhouette": np.nan, "bic": bic, "icl": bic,
                                 "criterion": bic, "stability_min": 1.0,
                                 "stability_mean": 1.0, "smallest": 1.0},
                                index=pd.Index([1], name="k"))
        return one_group_scores(reduced, method=self.method,
                                covariance=self.covariance_type_ or "full",
                                reg_covar=self.reg_covar_)

    def _fit_chosen(self, partition: tuple, chosen: np.ndarray, values: list[np.ndarray],
                    reduced: list[np.ndarray]) -> None:
        """The final subgroups: the chosen k's partition, numbered by decreasing size."""
        models, labels, _, _, _ = partition
        # a component that no patient's pooled label uses is numbered last
        permutation = order_by_size(labels, k=max(model.k or 0 for model in models))
        for model in models:
            model.relabel(permutation)
        self.models_ = models
        self.labels_ = rename(labels, permutation)
        self.k_ = int(self.labels_.max()) + 1
        self.consensus_ = self.consensus_matrix()
        # Jaccard does not depend on the clusters' numbers: rename the chosen k's
        # (components numbered k_ and above are used by no patient)
        renamed = permutation[:chosen.size]
        used = renamed < self.k_
        stability = np.full(self.k_, np.nan)
        stability[renamed[used]] = chosen[used]
        self.stability_ = pd.Series(stability, index=pd.RangeIndex(self.k_, name="subgroup"),
                                    name="jaccard")
        proba = self._proba(reduced)
        self.confidence_ = np.where(self.labels_ >= 0, proba.max(axis=1, initial=0.0), 0.0)
        self.subgroup_means_ = subgroup_means(values, self.labels_, self.k_,
                                              getattr(self, "feature_names_in_", None))
        self._calibrate_outliers(values, reduced)

    def _fit_one_group(self, values: list[np.ndarray], reduced: list[np.ndarray]) -> None:
        """The k = 1 answer: every patient in subgroup 0."""
        n = reduced[0].shape[0]
        if self.method == "mixed":
            from ._mixed import fit_latent_class

            self.models_ = [Partition("mixed", 1, fit_latent_class(reduced[0], 1, 0,
                                                                   self.encoding_, 1),
                                      None, None)]
        else:
            centre = np.mean([z.mean(axis=0) for z in reduced], axis=0)
            self.models_ = [Partition("kmeans", 1, None, centre[None, :], 1.0)]
        self.labels_ = np.zeros(n, dtype=np.int64)
        self.k_ = 1
        self.consensus_ = self.consensus_matrix()
        self.stability_ = pd.Series([1.0], index=pd.RangeIndex(1, name="subgroup"),
                                    name="jaccard")
        self.confidence_ = np.ones(n)
        mean_values = np.mean(values, axis=0)
        names = (list(self.feature_names_in_) if hasattr(self, "feature_names_in_")
                 else [f"x{j}" for j in range(mean_values.shape[1])])
        self.subgroup_means_ = pd.DataFrame([np.nanmean(mean_values, axis=0)],
                                            index=pd.RangeIndex(1, name="subgroup"),
                                            columns=names)
        self._calibrate_outliers(values, reduced)

    def _proba(self, reduced: list[np.ndarray], models: list[Partition] | None = None
               ) -> np.ndarray:
        return pooled_proba(self.method, reduced, self.models_ if models is None else models)

    def _outlier_scores(self, values: np.ndarray, reduced: np.ndarray, labels: np.ndarray
                        ) -> np.ndarray:
        """Mahalanobis distance to the subgroup plus scaled distance off the PCA subspace.

        The second term is what probabilistic PCA adds for the discarded
        dimensions: the squared residual over the average discarded variance.
        """
        assigned = np.maximum(labels, 0)
        if self.method == "mixed":  # minus the log-likelihood per observed feature
            part = self.models_[0]
            loglik, observed = part.model.class_log_likelihood(reduced)
            own = part._columns(loglik)[np.arange(assigned.size), assigned]
            return -own / np.maximum(observed, 1)
        diff = reduced - self._means[assigned]
        score = np.einsum("ij,ijk,ik->i", diff, self._precisions[assigned], diff)
        if self._noise_variance > 0:
            score = score + self.reducer_.residual(values) / self._noise_variance
        return score

    def _calibrate_outliers(self, values: list[np.ndarray], reduced: list[np.ndarray]) -> None:
        mean_values = np.mean(values, axis=0)
        mean_reduced = np.mean(reduced, axis=0)
        if self.method == "mixed":
            scores = self._outlier_scores(mean_values, mean_reduced, self.labels_)
            self.outlier_threshold_ = float(np.quantile(scores, self.outlier_quantile))
            return
        k = max(self.k_, 1)
        self._means, self._precisions = _mahalanobis_model(
            mean_reduced, np.maximum(self.labels_, 0), k)
        discarded = self.reducer_.n_features_ - self.reducer_.n_components_
        residual = self.reducer_.residual(mean_values)
        self._noise_variance = float(residual.mean() / discarded) if discarded > 0 else 0.0
        scores = self._outlier_scores(mean_values, mean_reduced, self.labels_)
        self.outlier_threshold_ = float(np.quantile(scores, self.outlier_quantile))
