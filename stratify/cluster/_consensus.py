"""Consensus clustering: resampled clusterings, the choice of k, final subgroups.

The estimator :class:`ConsensusClustering` lives here: its parameters, ``fit``
as the sequence of its steps, and its public methods. The steps that set
fitted attributes are methods of its private base class in
``_consensus_steps.py``; the computations they call are functions in
``_consensus_fit.py``.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from .. import parallel
from .._frames import wrap_rows
from ._checks import check_k_range
from ._consensus_fit import anchor_rows, consensus_scores, reference_partitions
from ._consensus_steps import _UMAP, _WHO, _ConsensusSteps
from ._optional import require
from ._partition import COVARIANCE_TYPES, METHODS
from ._stability import CDF_GRID, consensus_matrix

__all__ = ["ConsensusClustering"]


class ConsensusClustering(_ConsensusSteps, ClusterMixin, BaseEstimator):
    """Consensus clustering (Monti et al. 2003) with a documented rule for k.

    Resampled clusterings of the patients for every candidate k, a test for
    any subgroup structure, and a rule that chooses k (1 included) from an
    information criterion and the stability of every cluster. Steps of
    :meth:`fit`:

    1. **Reduce**: standardize, screen features, keep principal components above noise.
    2. **Reference partition per k**: ``method`` fitted on all patients; its BIC or ICL.
    3. **Resample**: ``n_resamples`` clusterings of ``subsample`` of the patients, every k.
    4. **Consensus statistics per k**: consensus CDF, PAC, each cluster's Jaccard stability.
    5. **Test for structure** (:func:`structure_test`): ``p > alpha`` means k = 1.
    6. **Choose k**: among k <= the criterion's best with all clusters stable, the lowest
       criterion; none: k = 1.

    Parameters
    ----------
    method : {"gmm", "kmeans", "agglomerative", "hdbscan", "mixed"}, default="gmm"
        Clustering method. ``agglomerative`` is Ward's linkage. ``hdbscan``
        needs the optional hdbscan package (``pip install "stratify[hdbscan]"``).
        ``mixed`` is a latent class model for mixed data (clinical
        manifestations, autoantibodies, ESSDAI levels, laboratory values):
        categorical distributions for binary and nominal features, a hurdle
        model for ordinal ones (the share above the lowest level per
        subgroup), normal distributions for continuous ones, each feature's
        kind from :data:`~stratify.data.PSS_SCHEMA` (else from its values,
        ``kinds_``). Missing values stay missing: each patient's likelihood
        uses the values observed (nothing is imputed, ``n_imputations`` and
        ``reduce`` are not used, and the features are not reduced); its
        criterion is the model's BIC. See the user guide, *Clinical
        phenotypes from mixed data*.
    k_range : iterable of int, default=range(2, 9)
        Candidate numbers of subgroups, each in [1, n_patients]; k = 1 is
        always a possible answer (the structure test), so 1 may be given or
        not. A single k >= 2 forces it (with a warning when the rule does
        not support it). ``hdbscan`` finds its own k: ``k_range`` is only
        validated.
    n_resamples : int, default=100
        Resampled clusterings.
    subsample : float in (0, 1), default=0.8
        Share of the (anchor) patients drawn by each resample.
    reduce : "auto", int, float in (0, 1) or None, default="auto"
        Reduction before clustering: ``"auto"`` standardizes and keeps the
        principal components chosen by parallel analysis; an int keeps that
        many components; a float the components explaining that share of
        variance; None clusters the features as given (no scaling).
    max_consensus_n : int, default=2000
        Above this many patients, consensus statistics use a random anchor
        subsample of this size.
    covariance_type : {"auto", "full", "tied", "diag", "spherical"}, default="auto"
        Covariance of the Gaussian clusters, as in scikit-learn's
        ``GaussianMixture``: of the ``gmm`` components and of the ICL that
        scores ``kmeans`` and ``agglomerative`` partitions. ``"auto"`` takes
        the one of ``"full"``, ``"tied"`` and ``"diag"`` with the lowest
        criterion over k (with several frames, ``gmm`` compares them on the
        first). ``"spherical"`` is not compared. The choice is in
        ``covariance_type_``.
    n_init : int, default=5
        Starts of each reference fit (``gmm``, ``kmeans``); the best is kept.
    min_stability : float in [0, 1], default=0.6
        Lowest per-cluster Jaccard stability for k to be admissible.
    min_cluster_size : int or float, default=0.02
        ``hdbscan``: smallest subgroup, as a number of patients or a share of
        the patients clustered.
    embedding : {"pca", "umap"}, default="pca"
        ``hdbscan``: the space it clusters (the reduced PCA space, or a 2-D
        UMAP of it fitted on the anchor patients; UMAP compiles numba code on
        first use, 20-60 s per process). ``"umap"`` needs the optional
        umap-learn package (``pip install "stratify[umap]"``).
    outlier_quantile : float in (0, 1), default=0.99
        :meth:`assign` flags a patient as fitting no subgroup when its
        outlier score exceeds this quantile of the training patients' scores.
    n_imputations : int, default=5
        Imputations drawn when ``X`` has missing values; ignored for
        complete data and lists of frames. Keep 2 or more: with 1, every
        resample sees the same imputed values, so a split that the draw made
        is reproduced and counts as stable.
    n_null : int, default=39
        Reference null data sets of the structure test (smallest p-value
        1 / (n_null + 1) = 0.025); 0 skips the test (then k = 1 only when no
        k is reproducible; ``structure_`` is None).
    alpha : float, default=0.05
        Level of the structure test.
    n_jobs : int, optional
        Workers for the resamples, reference fits and null data sets
        (:func:`stratify.parallel.run`).
    random_state : int, RandomState or None, default=None
        Seed of every random step: same seed, same labels, whatever ``n_jobs``.

    Attributes
    ----------
    labels_ : ndarray of int, shape (n_patients,)
        Subgroup of each patient, 0..k-1 by decreasing size (-1: HDBSCAN noise).
    k_ : int
        Number of subgroups chosen; 1 means no subgroup structure.
    structure_ : StructureTest or None
        The structure test (its ``p_value``, ``structure`` and per-k
        ``table``); None when ``n_null=0``.
    reason_ : str
        Why k_ was chosen (the chosen row's ``reason``).
    scores_ : DataFrame
        Indexed by k (1 included): ``pac``, ``cdf_area``, ``delta_area``, ``silhouette``,
        ``bic`` (``gmm``; NaN otherwise), ``icl``, ``criterion`` (the one the
        rule used), ``stability_min`` and ``stability_mean`` (Jaccard over
        the k clusters), ``smallest`` (share of patients in the smallest
        cluster), ``admissible``, ``chosen`` and ``reason`` (why each k was
        or was not chosen); with the structure test, ``null_test_within``
        (W_k / W_1 of the test, on normal scores), ``null_within`` and
        ``null_within_sd`` (its mean and SD over the null data sets),
        ``null_gap``, ``null_z`` and ``null_p`` (per-k Monte Carlo p).
    consensus_ : ndarray of float32, shape (n_anchors, n_anchors)
        Consensus matrix of the chosen k over ``anchors_``.
    consensus_cdf_ : DataFrame
        CDF of the pairwise consensus per k (columns) at 101 points in [0, 1].
    stability_ : Series
        Jaccard stability of each final subgroup (index 0..k-1).
    confidence_ : ndarray, shape (n_patients,)
        Probability of each patient's subgroup (posterior averaged over
        models and frames).
    anchors_ : ndarray of int
        Row positions of the patients the consensus statistics used (all
        patients when n <= ``max_consensus_n``).
    n_components_ : int
        Dimensions of the reduced space.
    reg_covar_ : float
        Floor added to the covariances of the Gaussian clusters (step 2).
    covariance_type_ : str or None
        Covariance of the Gaussian clusters used (None for ``hdbscan`` and ``mixed``).
    kinds_ : list of str
        ``mixed`` only: the kind of every feature (``"binary"``,
        ``"categorical"``, ``"ordinal"``, ``"continuous"``).
    subgroup_means_ : DataFrame
        Mean of every feature in each subgroup (subgroups x features).
    outlier_threshold_ : float
        Outlier score above which :meth:`assign` flags a patient.
    models_ : list
        The final partition model of each imputed frame.
    imputer_ : SchemaImputer, MultipleImputer or None
        The imputer fitted to ``X`` when it had missing values (``method="mixture"``),
        applied again by :meth:`predict` to new patients with missing values.
    resample_indices_, resample_labels_ : ndarray
        Positions (within ``anchors_``) drawn by each resample and the labels
        it gave them for each k: everything the consensus statistics are
        computed from (:meth:`consensus_matrix`).
    n_features_in_ : int
    feature_names_in_ : ndarray
        Column names, when ``X`` is a DataFrame.

    Notes
    -----
    ``X`` may hold missing values (imputed inside by draws from a mixture
    fitted to the observed values, ``imputer_``) or be a list of m imputed
    frames. Above ``max_consensus_n`` patients the consensus statistics use
    an anchor subsample. The user guide, *Subgroup discovery*
    (``docs/guide/clustering.md``), gives the reasons for each step, the
    rule for k in full, large cohorts, missing values and multiple
    imputation, how new patients are assigned, what was measured on planted
    and real data sets, and the references.

    Examples
    --------
    >>> import numpy as np
    >>> from stratify.cluster import ConsensusClustering
    >>> rng = np.random.default_rng(0)
    >>> centres = np.array([[0, 0, 0], [5, 0, 0], [0, 5, 0]])
    >>> X = np.vstack([rng.normal(c, 1.0, size=(n, 3)) for c, n in zip(centres, [60, 40, 20])])
    >>> model = ConsensusClustering(k_range=range(2, 5), n_resamples=10,
    ...                             random_state=0).fit(X)
    >>> model.k_, np.bincount(model.labels_).tolist()
    (3, [60, 40, 20])
    >>> bool((model.predict(X) == model.labels_).all())
    True

    Without subgroups, the answer is k = 1:

    >>> noise = rng.lognormal(size=(200, 3))
    >>> ConsensusClustering(k_range=range(2, 5), n_resamples=10, random_state=0).fit(noise).k_
    1
    """

    _parameter_constraints: dict = {
        "method": [StrOptions(set(METHODS))],
        "k_range": ["array-like"],
        "n_resamples": [Interval(Integral, 1, None, closed="left")],
        "subsample": [Interval(Real, 0, 1, closed="neither")],
        "reduce": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left"),
                   Interval(Real, 0, 1, closed="neither"), None],
        "max_consensus_n": [Interval(Integral, 10, None, closed="left")],
        "covariance_type": [StrOptions({"auto", *COVARIANCE_TYPES})],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "min_stability": [Interval(Real, 0, 1, closed="both")],
        "min_cluster_size": [Interval(Integral, 2, None, closed="left"),
                             Interval(Real, 0, 1, closed="neither")],
        "embedding": [StrOptions({"pca", "umap"})],
        "outlier_quantile": [Interval(Real, 0, 1, closed="neither")],
        "n_imputations": [Interval(Integral, 1, None, closed="left")],
        "n_null": [Interval(Integral, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, 1, closed="right")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(self, *, method: str = "gmm", k_range: Any = range(2, 9),
                 n_resamples: int = 100, subsample: float = 0.8, reduce: Any = "auto",
                 max_consensus_n: int = 2000, covariance_type: str = "auto", n_init: int = 5,
                 min_stability: float = 0.6,
                 min_cluster_size: float = 0.02, embedding: str = "pca",
                 outlier_quantile: float = 0.99, n_imputations: int = 5,
                 n_null: int = 39, alpha: float = 0.05,
                 n_jobs: int | None = None, random_state: Any = None) -> None:
        self.method = method
        self.k_range = k_range
        self.n_resamples = n_resamples
        self.subsample = subsample
        self.reduce = reduce
        self.max_consensus_n = max_consensus_n
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.min_stability = min_stability
        self.min_cluster_size = min_cluster_size
        self.embedding = embedding
        self.outlier_quantile = outlier_quantile
        self.n_imputations = n_imputations
        self.n_null = n_null
        self.alpha = alpha
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> ConsensusClustering:
        """Resample, choose k and fit the final subgroups.

        Parameters
        ----------
        X : DataFrame or array of shape (n_patients, n_features), or a list of them
            Numeric data. Missing values (NaN) are imputed by a mixture
            model fitted to the observed values (``imputer_``, see
            the user guide); ``method="mixed"`` leaves them out of each
            patient's likelihood instead. A list holds m imputed versions
            of the same data (multiple imputation), each complete.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        if self.method == "hdbscan":  # optional packages: fail before any work
            require("hdbscan", who='ConsensusClustering(method="hdbscan")')
            if self.embedding == "umap":
                require("umap", who=_UMAP)
        self.imputer_ = None
        # asking for more seeds keeps the first ones: the seventh is the structure test's
        seeds = parallel.spawn_seeds(self.random_state, 7)
        values = self._values(self._complete(X, fit=True, seed=seeds[5]), reset=True)
        missing = None
        if self.imputer_ is not None:  # the structure test's null data lose the same values
            missing = pd.DataFrame(self._as_list(X)[0]).isna().to_numpy()
        # many small fits: threaded BLAS only adds overhead, and slows tenfold
        # when another process holds a core
        with threadpool_limits(limits=1):
            return self._fit(values, seeds[:5], seeds[6], missing)

    def _fit(self, values: list[np.ndarray], seeds: list[int], seed_null: int,
             missing: np.ndarray | None = None) -> ConsensusClustering:
        n = values[0].shape[0]
        ks = [k for k in check_k_range(self.k_range, n, who=_WHO) if k >= 2]
        density = self.method == "hdbscan"
        seed_anchor, seed_reduce, seed_embed, seed_fit, seed_resample = seeds
        anchors = anchor_rows(n, self.max_consensus_n, seed_anchor)
        n_sub = int(round(self.subsample * anchors.size))
        if not density and n_sub < ks[-1] + 1:
            raise ValueError(
                f"The 'subsample' parameter of {_WHO} leaves {n_sub} patients per resample, "
                f"too few to form k={ks[-1]} clusters; lower the largest k of 'k_range' or "
                "raise 'subsample'.")
        reduced = self._reduce(values, ks, anchors, seed_reduce, seed_embed)
        fit_ks: list[Any] = [None] if density else ks
        fit_rows = anchors if n > self.max_consensus_n and self.method in (
            "agglomerative", "hdbscan") else None
        partitions, self.covariance_type_ = reference_partitions(
            reduced, fit_ks, fit_rows, seed_fit, method=self.method,
            covariance_type=self.covariance_type, options=self._options,
            reg_covar=self.reg_covar_, n_jobs=self.n_jobs)
        anchored = [z[anchors] for z in reduced]
        self._resample(anchored, n_sub, ks, seed_resample)
        self.anchors_ = anchors
        self._fit_ks = fit_ks
        scores, cdfs, stabilities = consensus_scores(
            partitions, fit_ks, self.resample_indices_, self.resample_labels_, anchored,
            anchors, n=n, method=self.method)
        self.structure_ = self._structure_test(values, anchors, ks, seed_null, missing)
        structure = None if self.structure_ is None else self.structure_.structure
        scores = self._choose(scores, reduced, fit_ks, structure)
        if self.structure_ is not None:
            scores = scores.join(self.structure_.table.rename(columns={
                "within": "null_test_within", "null_within_mean": "null_within",
                "null_within_sd": "null_within_sd", "gap": "null_gap", "z": "null_z",
                "p_value": "null_p"}))
        self.scores_ = scores
        self.reason_ = str(scores.loc[scores["chosen"], "reason"].iloc[0])
        self.consensus_cdf_ = pd.DataFrame(cdfs, index=pd.Index(CDF_GRID, name="consensus"))
        self.consensus_cdf_.columns.name = "k"
        if self._chosen_index is None or (density and structure is False):
            self._chosen_index = None
            self._fit_one_group(values, reduced)
            return self
        self._fit_chosen(partitions[self._chosen_index], stabilities[self._chosen_index],
                         values, reduced)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    # ------------------------------------------------------------ inspection
    def consensus_matrix(self, k: int | None = None) -> np.ndarray:
        """Consensus matrix over ``anchors_`` for ``k`` (default: the chosen k).

        Computed from the stored resamples; float32, NaN for pairs never
        drawn together.
        """
        check_is_fitted(self, "resample_labels_")
        if k == 1 or (self._chosen_index is None and (k is None or self.method == "hdbscan")):
            return np.ones((self.anchors_.size, self.anchors_.size), dtype=np.float32)
        if self.method == "hdbscan" or k is None:
            position = self._chosen_index
        else:
            if k not in self._fit_ks:
                raise ValueError(f"consensus_matrix: k={k} is not in k_range "
                                 f"{list(self._fit_ks)}.")
            position = self._fit_ks.index(k)
        return consensus_matrix(list(self.resample_indices_),
                                [lab[position] for lab in self.resample_labels_],
                                self.anchors_.size)

    # ------------------------------------------------------------ prediction
    def predict_proba(self, X: Any) -> Any:
        """Probability of each subgroup for each patient.

        Parameters
        ----------
        X : DataFrame or array, or a list of m imputed versions of it
            Same features as in ``fit``.

        Returns
        -------
        DataFrame or ndarray of shape (n_patients, k_)
            Columns are the subgroups 0..k-1; averaged over the fitted
            models (and over the frames of a list).
        """
        check_is_fitted(self)
        frames = self._complete(X, fit=False)
        proba = self._proba(self._space(self._values(frames, reset=False)))[:, :self.k_]
        if isinstance(frames[0], pd.DataFrame):
            return pd.DataFrame(proba, index=frames[0].index, columns=pd.RangeIndex(self.k_))
        return proba

    def predict(self, X: Any) -> Any:
        """Subgroup of each patient (``-1``: HDBSCAN noise).

        Parameters
        ----------
        X : DataFrame or array, or a list of m imputed versions of it

        Returns
        -------
        Series or ndarray of shape (n_patients,)
        """
        check_is_fitted(self)
        frames = self._complete(X, fit=False)
        reduced = self._space(self._values(frames, reset=False))
        if self.method == "hdbscan":
            labels = self.models_[0].predict(reduced[0])
        else:
            labels = np.argmax(self._proba(reduced), axis=1)
        return wrap_rows(labels, frames[0], name="subgroup")

    def assign(self, X: Any) -> pd.DataFrame:
        """Subgroup, its probability, and whether a patient fits no subgroup.

        A patient *fits none* when its outlier score exceeds
        ``outlier_threshold_``, the ``outlier_quantile`` (default 0.99) of
        the training patients' scores, so about 1 % of patients like the
        training ones are flagged. The score is the squared Mahalanobis
        distance to the assigned subgroup's mean in the reduced space (the
        subgroup's own covariance) plus the squared distance off the kept
        principal components divided by the average variance of the
        discarded components (the probabilistic-PCA likelihood distance).
        HDBSCAN noise also fits none.

        Parameters
        ----------
        X : DataFrame or array, or a list of m imputed versions of it

        Returns
        -------
        DataFrame
            ``subgroup``, ``probability``, ``outlier_score`` and
            ``fits_none``, indexed like ``X``.
        """
        check_is_fitted(self)
        frames = self._complete(X, fit=False)
        values = self._values(frames, reset=False)
        reduced = self._space(values)
        proba = self._proba(reduced)[:, :self.k_]
        if self.method == "hdbscan":
            labels = self.models_[0].predict(reduced[0])
        else:
            labels = np.argmax(proba, axis=1)
        probability = np.take_along_axis(proba, np.maximum(labels, 0)[:, None], axis=1)[:, 0]
        probability = np.where(labels >= 0, probability, 0.0)
        mean_values = np.mean(values, axis=0)
        mean_reduced = np.mean([self.reducer_.transform(v) for v in values], axis=0)
        if self.umap_ is not None:
            mean_reduced = self.umap_.transform(mean_reduced)
        score = self._outlier_scores(mean_values, mean_reduced, labels)
        index = frames[0].index if isinstance(frames[0], pd.DataFrame) else pd.RangeIndex(
            len(labels))
        return pd.DataFrame({"subgroup": labels, "probability": probability,
                             "outlier_score": score,
                             "fits_none": (score > self.outlier_threshold_) | (labels < 0)},
                            index=index)
