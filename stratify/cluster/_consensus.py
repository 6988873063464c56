"""Consensus clustering: resampled clusterings, the choice of k, final subgroups."""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from .. import parallel
from .._frames import wrap_rows
from ._align import matching_permutation, order_by_size, rename
from ._checks import check_frames, check_k_range, check_numeric_complete
from ._optional import require
from ._partition import (
    AUTO_COVARIANCE_TYPES,
    COVARIANCE_TYPES,
    MAX_REG_COVAR,
    METHODS,
    REG_COVAR,
    Partition,
    fit_partition,
    merge_down,
    resample_labels,
)
from ._reduce import MIN_COMPONENTS, Reducer
from ._select_k import choose_k, classification_bic, no_choice
from ._stability import (
    CDF_GRID,
    cluster_stability,
    consensus_matrix,
    consensus_summary,
    cosampling,
)
from ._structure import StructureTest, structure_test

__all__ = ["ConsensusClustering"]

_WHO = "ConsensusClustering"
_UMAP = 'ConsensusClustering(method="hdbscan", embedding="umap")'


def _mahalanobis_model(values: np.ndarray, labels: np.ndarray, k: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Mean and precision of each subgroup in the reduced space (ridge-regularized)."""
    d = values.shape[1]
    means = np.zeros((k, d))
    precisions = np.zeros((k, d, d))
    for c in range(k):
        member = values[labels == c]
        means[c] = member.mean(axis=0) if len(member) else 0.0
        cov = np.cov(member, rowvar=False).reshape(d, d) if len(member) > 1 else np.eye(d)
        ridge = 1e-6 * max(float(np.trace(cov)) / d, 1e-12)
        precisions[c] = np.linalg.pinv(cov + ridge * np.eye(d))
    return means, precisions


def _has_missing(frame: Any) -> bool:
    if isinstance(frame, pd.DataFrame):
        return bool(frame.isna().to_numpy().any())
    values = np.asarray(frame)
    return values.dtype.kind == "f" and bool(np.isnan(values).any())


def _missing_imputer(n_imputations: int, seed: int, n_jobs: int | None) -> Any:
    """Draws from a mixture fitted to the observed values (one, or m through
    :class:`~stratify.impute.MultipleImputer`)."""
    from ..impute import MultipleImputer, SchemaImputer

    if n_imputations == 1:
        return SchemaImputer(kind="mixture", sample_posterior=True, random_state=seed)
    return MultipleImputer(n_imputations=n_imputations, kind="mixture", random_state=seed,
                           n_jobs=n_jobs)


class ConsensusClustering(ClusterMixin, BaseEstimator):
    """Consensus clustering (Monti et al. 2003) with a documented rule for k.

    Steps of :meth:`fit`:

    1. **Reduce** (``reduce="auto"``): standardize every feature; keep the
       features that show a sign of subgroups (a marginal better described by
       a location mixture of 2-3 normals than by one normal, by a BIC margin
       of 10, or at least 16 % of their variance shared with a principal
       component above noise); then
       project on principal components: as many as Horn's parallel analysis
       finds above noise, and at least ``max(k_range) - 1`` (k subgroup
       means span k - 1 dimensions), at most the features kept. Why: when a
       minority of many features separates the subgroups, standardization
       gives every noise feature the variance of an informative one, and
       clustering all features, or their leading components, mixes the
       signal with noise (on planted mixtures with 6 informative features
       of 30, PCA of all features lost a third of the ARI; screening first
       recovered it). ``hdbscan`` keeps only the parallel-analysis
       components (density needs few dimensions) and runs on them
       (``embedding="pca"``) or on a 2-D UMAP of them (``embedding="umap"``),
       never on the raw features.
    2. **Reference partition per k**: the method fitted on all patients
       (``n_init`` starts; for ``gmm`` also one EM started from the best of
       ``n_init`` k-means partitions, keeping the higher likelihood; above
       10,000 patients these starts are searched on 10,000 of them and one
       EM run on all finishes the best, as mclust initializes large data on
       a subset). ``gmm`` then works down from the largest k: the fit for k
       is replaced by the best EM started from the fit for k + 1 with two
       components merged (every pair screened by 5 EM iterations on at
       most 2,000 patients, the best run to convergence) when that has the
       lower BIC. Random starts miss the optimum of some k while finding
       that of k + 1, and the criterion then passes over the planted k
       (four subgroups on the corners of a square, n = 5,000: k = 4 in 7 of
       10 data sets without the merges, 10 of 10 with). From
       the fit, the BIC (``gmm``) or ICL (the others; see the rule) on all
       patients, and the silhouette on the anchor patients (below) in the
       reduced space. Covariances are floored (``reg_covar_``) at the
       variance that rounding adds to the coarsest kept feature on a grid
       (step² / 12 in standardized units, Sheppard's correction; at least
       0.001, at most 0.1): without it, a component on the patients tied at
       one value of a 0-10 score has a likelihood without bound, and the
       criterion rewards such components.
    3. **Resample**: ``n_resamples`` times, draw ``subsample`` of the
       (anchor) patients without replacement, with every component, and
       cluster them for every k (four starts per fit: with fewer, a fit
       often misses a small subgroup or one with its own covariance, which
       would count against the true k as instability; ``gmm`` starts EM
       from k-means partitions, because from k-means++ seeds a shared
       covariance absorbs the gap between subgroups: on a 2-subgroup
       mixture such fits agreed with the planted subgroups at ARI 0.49
       against 0.93). Each resample has its own seed from
       :func:`stratify.parallel.spawn_seeds` and runs through
       :func:`stratify.parallel.run`, so labels are identical for any
       ``n_jobs`` and backend.
    4. **Consensus statistics per k**: the consensus matrix (share of the
       resamples drawing two patients that put them together), its CDF, the
       area under the CDF and its relative increase (delta area, Monti et al.
       2003), PAC, the proportion of ambiguous clustering: pairs with
       consensus in (0.1, 0.9] (Senbabaoglu et al. 2014), and the stability
       of each cluster of the reference partition: its mean Jaccard
       coefficient with its best match in each resample (Hennig 2007, as in
       fpc::clusterboot).
    5. **Test for structure** (:func:`structure_test`): the data against
       ``n_null`` reference null data sets with the same marginals and
       correlations but one mode (a Gaussian copula), each sent through
       the same normal scores, reduction and k-means; the statistic is the
       largest standardized gap in ``W_k / W_1`` over k, its p-value the
       data's rank among the B + 1 data sets. When ``p > alpha``, the answer
       is **k = 1, no subgroup structure**: every patient in subgroup 0.
    6. **Choose k** by the rule below, and keep the reference partition of
       that k, its clusters numbered 0..k-1 by decreasing size.

    **k = 1 is an answer.** Criteria and stability find subgroups in data
    that have none: on a single multivariate normal the mixture criterion
    and the stability veto together chose k = 7-8 (no k was admissible and
    the most stable one was taken), k-means chose 2 with Jaccard 0.6-0.9,
    and a single log-normal or multivariate t gave 2-4 subgroups that passed
    the stability rule. The structure test comes first, and the rule never
    falls back to the most stable k: when no k has every cluster
    reproduced, the answer is also k = 1. A ``k_range`` holding one k
    forces it: it is kept, with a warning that says what the rule would
    have answered. ``scores_`` has a row for k = 1 (one Gaussian's BIC or
    ICL) and, for every k >= 2, the test's statistic against the null
    (``null_*`` columns); ``structure_`` holds the test and ``reason_`` the
    reason of the answer. The rates measured on null and planted data are
    in the validity suite of the benchmarks (``stratify bench --only
    validity``) and the clustering guide.

    **The rule for k: an information criterion proposes, stability
    disposes.** The criterion is the mixture's BIC for ``gmm``; for
    ``kmeans`` and ``agglomerative``, which have no likelihood, the ICL-BIC
    of the hard partition (one Gaussian per cluster; Biernacki, Celeux and
    Govaert 2000). Let k* be the k of lowest criterion. A k is *admissible*
    when every one of its clusters has Jaccard stability of at least
    ``min_stability`` (default 0.6; Hennig: under 0.5 a cluster has
    dissolved, 0.6-0.75 it is a pattern, above 0.75 it is stable). The
    chosen k is the admissible k <= k* of lowest criterion; when none is
    admissible, k = 1 (no reproducible subgroups). When the
    chosen k is the largest in ``k_range`` (the criterion still fell there),
    ``fit`` warns that the data may hold more subgroups.

    - The criteria weigh every patient, so a subgroup of 10 % that is
      clearly apart lowers them even when it barely moves PAC or the
      silhouette: PAC weighs pairs, and the pairs inside a 10 % subgroup are
      1 % of all pairs, so PAC alone merges small subgroups (docs/performance.md).
    - Stability vetoes the extra components criteria add when subgroups are
      not exactly Gaussian (skewed, imputed or rounded values): those splits
      are not reproduced by resamples. An unstable k* means the data do not
      support that many subgroups, so the rule steps down, not up.
    - ``hdbscan``: k is the number of clusters HDBSCAN finds (noise is
      ``-1``); ``k_range`` is only validated.

    How well it works (``gmm``, 20 resamples): on planted Gaussian mixtures
    (k = 2-5, sizes down to 8 %, 6 informative features of 30, n = 1,000, 5
    seeds each) it chose the planted k in 20 of 20 (19 with full and
    diagonal covariances only); on 12 mixtures whose subgroups have their
    own covariances, 12 of 12; on the synthetic pSS cohort, k = 4 for the
    molecular and the symptom block on seeds 0-5 (95-98 % and 90-95 % of
    the oracle's ARI). On scikit-learn's data sets it chooses 3 for
    ``load_wine``; 1 for ``load_breast_cancer`` (the structure test: benign
    and malignant tumours are a continuum, not two modes; BIC alone said 2)
    and for ``load_iris`` (setosa is apart on two petal features correlated
    0.96, a split that the structure test's null keeps: see its limits); with
    ``n_null=0``, 2 for ``load_iris`` (setosa against the rest: versicolor
    and virginica overlap; BIC prefers 2, as mclust's does). On ``load_digits`` (10 classes) with
    ``k_range=range(2, 13)`` the criterion's k is 10, but one of its clusters
    has Jaccard 0.54-0.58 < 0.6, so the rule steps down to 3 (ARI 0.18);
    ``min_stability=0.5`` takes 10 (ARI 0.56). ``scores_`` has every
    statistic, the ``criterion``, an ``admissible`` and a ``chosen`` flag and
    the ``reason`` of each k.

    **Large cohorts.** Above ``max_consensus_n`` patients (default 2,000),
    the consensus statistics and stabilities come from a fixed random anchor
    subsample of that size (resamples are drawn within it), so memory stays
    bounded: an exact n x n matrix needs about 100 GB at n = 100,000, while
    on 10,000 patients the anchors chose the same k as the exact matrix with
    PAC within 0.004 (docs/performance.md). The reference partitions and criteria
    still use every patient, except Ward's linkage and HDBSCAN, whose memory
    or time grows as n²: they are fitted on the anchors and the other
    patients assigned by :meth:`predict`. Measured (d = 30, 50 resamples,
    one core): 31 s and 166 MB at n = 100,000 for ``gmm``, 6 s and 166 MB
    for ``kmeans`` (``benchmarks/bench_cluster.py``).

    **Multiple imputation.** ``fit`` accepts a list of m imputed frames of
    the same patients and features (e.g. from
    :class:`stratify.impute.MultipleImputer`). The reduction is fitted on the
    average of the frames (one row per patient: stacking the frames would
    count every patient m times as evidence); resample r clusters frame
    ``r mod m``, so the consensus
    statistics pool all frames; a reference partition is fitted on every
    frame, its clusters matched to those of frame 0 (Hungarian matching, as
    :func:`align_labels`), and each patient's subgroup is the most probable
    one averaged over the m models and the m frames (HDBSCAN: one model on
    the average of the reduced frames). Criteria and silhouette are averaged
    over frames. A cluster's stability compares resample r with frame
    ``r mod m``'s reference partition (the one it reproduces given the same
    imputed values), so that a patient moved between subgroups by its
    imputed values counts as uncertainty about the patient (``confidence_``),
    not as instability of the subgroup. Frame 0 gets the full search (every covariance structure,
    ``n_init`` starts); the covariance is chosen there, and each other frame,
    the same patients with other imputed values, is fitted with that
    covariance by one EM run (``kmeans``: one Lloyd run) from frame 0's model
    of the same k. For ``gmm`` at m = 5 and k = 2-8 that is 21 searches and
    28 single runs instead of 105 searches (the pSS cohort's molecular
    block, n = 20,000, one process: the reference fits took 22 s, merges
    included, instead of 89 s; the whole fit 59 s instead of 127 s).

    **Missing values.** ``fit`` also accepts one frame with missing values
    (NaN; missing at random). It then fits a Gaussian mixture to the
    observed values only (:class:`stratify.impute.SchemaImputer` with
    ``kind="mixture"``: diagonal covariances, one more component than BIC
    chooses), draws ``n_imputations`` imputations from it (each from a
    mixture fitted to a bootstrap sample) and clusters them as a list of
    frames (above); ``imputer_`` keeps the imputer for new patients. Why
    not impute first with chained equations: they regress each feature on
    the others across subgroups, so every imputed value is pulled between
    subgroups, and with 15 % of values missing about half the patients
    have an imputed informative feature. Even imputing each patient's
    true subgroup mean is wrong: the spikes at the means are not Gaussian
    and the criterion merges subgroups; draws from the subgroup a patient's
    observed values point to keep the shape of the data. Measured on 24
    random mixtures (k = 2-5, sizes 10-45 %, 3-6 informative features of
    10 or 30, n = 500-1,000, 4 centres with shifts corrected by ComBat, 15 %
    MCAR; 20 resamples; ``benchmarks/bench_mixtures.py``, full suite): the
    planted k in 24 of 24 from the missing values imputed here, 24 of 24
    on the same data complete, 18 of 24 after ``iterative`` imputation
    (every miss but one below), 4 of 24 for ``IterativeImputer`` and
    ``GaussianMixture`` with k by BIC. Mean ARI 0.84, 0.93, 0.76 and 0.46.

    **New patients.** :meth:`predict` and :meth:`predict_proba` reduce the
    new data with the fitted standardization and projection and apply the
    final model(s): the mixture's posterior (``gmm``); the nearest centroid,
    with probabilities of a shared-variance spherical Gaussian model
    (``kmeans``; ``agglomerative``, whose patients are assigned to the
    nearest centroid of Ward's clusters); ``approximate_predict``
    (``hdbscan``). On the training data :meth:`predict` gives back
    ``labels_``. :meth:`assign` also flags patients that fit no subgroup.

    Parameters
    ----------
    method : {"gmm", "kmeans", "agglomerative", "hdbscan"}, default="gmm"
        Clustering method. ``agglomerative`` is Ward's linkage. ``hdbscan``
        needs the optional hdbscan package (``pip install "stratify[hdbscan]"``).
    k_range : iterable of int, default=range(2, 9)
        Candidate numbers of subgroups, each in [1, n_patients]; k = 1 is
        always a possible answer (the structure test), so 1 may be given or
        not. A single k >= 2 forces it (with a warning when the rule does
        not support it).
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
        the one of ``"full"`` (each subgroup its own covariance),
        ``"tied"`` (one covariance shared by the subgroups, which differ in
        their means) and ``"diag"`` (features independent within a subgroup,
        such as questionnaire scores) with the lowest criterion over k (with
        several frames, ``gmm`` compares them on the first), as mclust
        chooses its model by BIC. ``"spherical"`` is not compared: the
        principal components are not whitened, so one variance per subgroup
        in every direction does not describe them. The choice is in
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
        Imputations drawn when ``X`` has missing values (see "Missing
        values"); ignored for complete data and lists of frames. With 1,
        every resample sees the same imputed values, so a split that the
        draw made is reproduced and counts as stable (on the synthetic
        cohort with 40 % of expression values missing, k = 5 for 4 planted
        subgroups with 1, k = 4 with 5).
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
        Covariance of the Gaussian clusters used (None for ``hdbscan``).
    subgroup_means_ : DataFrame
        Mean of every feature in each subgroup (subgroups x features).
    outlier_threshold_ : float
        Outlier score above which :meth:`assign` flags a patient.
    models_ : list
        The final partition model of each imputed frame.
    imputer_ : SchemaImputer, MultipleImputer or None
        The imputer fitted to ``X`` when it had missing values (``kind="mixture"``),
        applied again by :meth:`predict` to new patients with missing values.
    resample_indices_, resample_labels_ : ndarray
        Positions (within ``anchors_``) drawn by each resample and the labels
        it gave them for each k: everything the consensus statistics are
        computed from (:meth:`consensus_matrix`).
    n_features_in_ : int
    feature_names_in_ : ndarray
        Column names, when ``X`` is a DataFrame.

    References
    ----------
    Monti S, et al. Consensus clustering. Mach Learn 2003;52:91-118.
    Senbabaoglu Y, et al. Critical limitations of consensus clustering in
    class discovery. Sci Rep 2014;4:6207.
    Hennig C. Cluster-wise assessment of cluster stability. Comput Stat Data
    Anal 2007;52:258-271.
    Horn JL. A rationale and test for the number of factors in factor
    analysis. Psychometrika 1965;30:179-185.
    John CR, et al. M3C: Monte Carlo reference-based consensus clustering.
    Sci Rep 2020;10:1816.
    Tibshirani R, Walther G, Hastie T. Estimating the number of clusters in
    a data set via the gap statistic. J R Stat Soc B 2001;63:411-423.
    Biernacki C, Celeux G, Govaert G. Assessing a mixture model for
    clustering with the integrated completed likelihood. IEEE Trans Pattern
    Anal Mach Intell 2000;22:719-725.

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

    # ------------------------------------------------------------------ input
    @staticmethod
    def _as_list(X: Any) -> list[Any]:
        if isinstance(X, (list, tuple)) and len(X) > 0 and all(
                isinstance(f, (pd.DataFrame, np.ndarray)) and np.ndim(f) == 2 for f in X):
            return list(X)
        return [X]

    def _complete(self, X: Any, *, fit: bool, seed: int = 0) -> list[Any]:
        """The m complete frames: ``X`` as given, or its imputations when it has
        missing values (imputer fitted in ``fit``)."""
        frames = self._as_list(X)
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
        out = []
        for i, frame in enumerate(frames):
            check_numeric_complete(frame, who=_WHO)
            if isinstance(frame, pd.DataFrame):
                frame = frame.astype("float64")
            out.append(validate_data(self, frame, reset=reset and i == 0, dtype=np.float64,
                                     ensure_min_samples=2 if reset else 1))
        return out

    def _options(self, covariance_type: str) -> dict:
        return {"covariance_type": covariance_type, "n_init": self.n_init,
                "reg_covar": self.reg_covar_,
                "min_cluster_size": self.min_cluster_size, "min_samples": None}

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

    def _space(self, values: list[np.ndarray]) -> list[np.ndarray]:
        reduced = [self.reducer_.transform(v) for v in values]
        if self.umap_ is not None:
            reduced = [self.umap_.transform(z) for z in reduced]
        if self.method == "hdbscan" and len(reduced) > 1:
            reduced = [np.mean(reduced, axis=0)]
        return reduced

    # -------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> ConsensusClustering:
        """Resample, choose k and fit the final subgroups.

        Parameters
        ----------
        X : DataFrame or array of shape (n_patients, n_features), or a list of them
            Numeric data. Missing values (NaN) are imputed by a mixture
            model fitted to the observed values (``imputer_``, see
            "Missing values" above). A list holds m imputed versions of the
            same data (multiple imputation), each complete.
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
        if n > self.max_consensus_n:
            rng = np.random.default_rng(seed_anchor)
            anchors = np.sort(rng.choice(n, self.max_consensus_n, replace=False))
        else:
            anchors = np.arange(n)
        n_sub = int(round(self.subsample * anchors.size))
        if not density and n_sub < ks[-1] + 1:
            raise ValueError(
                f"The 'subsample' parameter of {_WHO} leaves {n_sub} patients per resample, "
                f"too few to form k={ks[-1]} clusters; lower the largest k of 'k_range' or "
                "raise 'subsample'.")
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
        fit_ks: list[Any] = [None] if density else ks
        fit_rows = anchors if n > self.max_consensus_n and self.method in (
            "agglomerative", "hdbscan") else None
        partitions = self._reference_partitions(reduced, fit_ks, fit_rows, seed_fit)

        anchored = [z[anchors] for z in reduced]
        resample_seeds = parallel.spawn_seeds(seed_resample, self.n_resamples)
        options = self._options(self.covariance_type_ or "full")
        resamples = parallel.run(
            resample_labels,
            [(self.method, anchored[r % len(anchored)], n_sub, ks, resample_seeds[r], options)
             for r in range(self.n_resamples)],
            n_jobs=self.n_jobs)
        self.resample_indices_ = np.array([idx for idx, _ in resamples])
        self.resample_labels_ = np.array([lab for _, lab in resamples])
        self.anchors_ = anchors
        self._fit_ks = fit_ks

        counts = cosampling(list(self.resample_indices_), anchors.size)
        rows, cdfs, stabilities = [], {}, []
        for i, k in enumerate(fit_ks):
            _, labels, bic, icl, frame_labels = partitions[i]
            resample = [lab[i] for lab in self.resample_labels_]
            summary = consensus_summary(consensus_matrix(
                list(self.resample_indices_), resample, anchors.size, counts))
            found = int(labels.max()) + 1
            cdfs[found if density else k] = summary["cdf"]
            # the subgroups are the pooled labels' clusters: a component that only
            # some frame's own labels use is not one of them
            stability = cluster_stability(frame_labels[:, anchors],
                                          list(self.resample_indices_), resample)[:found]
            stabilities.append(stability)
            sizes = np.bincount(labels[labels >= 0]) if found else np.zeros(1)
            rows.append({
                "k": found if density else k,
                "pac": summary["pac"], "cdf_area": summary["cdf_area"],
                "silhouette": self._silhouette(anchored, labels[anchors]),
                "bic": bic, "icl": icl,
                "criterion": bic if self.method == "gmm" else icl,
                "stability_min": float(np.nanmin(stability)) if found else np.nan,
                "stability_mean": float(np.nanmean(stability)) if found else np.nan,
                "smallest": float(sizes.min() / n),
            })
        scores = pd.DataFrame(rows).set_index("k")
        area = scores["cdf_area"].to_numpy()
        scores.insert(2, "delta_area", np.r_[area[:1], np.diff(area) / area[:-1]])
        self.structure_ = self._structure_test(values, anchors, ks, seed_null, missing)
        structure = None if self.structure_ is None else self.structure_.structure
        evidence = "" if self.structure_ is None else self.structure_.evidence()
        self._chosen_index: int | None
        if density:
            self._chosen_index = 0
            scores = no_choice(scores)
            if structure is False:  # HDBSCAN's clusters overruled by the structure test
                scores = scores.assign(chosen=False, reason="not chosen: no subgroup structure")
                row = self._one_group_scores(reduced).assign(
                    admissible=False, chosen=True,
                    reason=f"chosen: no subgroup structure: {evidence}")
                scores = pd.concat([row, scores])
        else:
            scores = pd.concat([self._one_group_scores(reduced), scores])
            k_chosen, scores = choose_k(scores, self.min_stability, structure=structure,
                                        structure_evidence=evidence)
            self._chosen_index = fit_ks.index(k_chosen) if k_chosen >= 2 else None
            if len(fit_ks) == 1 and not scores.loc[k_chosen, "reason"].startswith(
                    "chosen: lowest"):
                warnings.warn(
                    f"k={k_chosen} is the only k in 'k_range', so it was kept, but the rule "
                    f"does not support it: {scores.loc[k_chosen, 'reason']}. Fit with a range of "
                    "k (the default range(2, 9)) to let the data answer, k = 1 included.",
                    UserWarning, stacklevel=4)
            elif len(fit_ks) > 1 and k_chosen == max(fit_ks) and scores.loc[
                    k_chosen, "admissible"]:
                warnings.warn(
                    f"k={k_chosen} was chosen and is the largest k in 'k_range': the criterion "
                    "still fell there and every cluster was reproduced, so the data may hold "
                    f"more subgroups; refit with a wider 'k_range', e.g. range(2, {k_chosen + 5})",
                    UserWarning, stacklevel=4)
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

        chosen_index = self._chosen_index
        models, labels, _, _, _ = partitions[chosen_index]
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
        chosen = stabilities[chosen_index]
        renamed = permutation[:chosen.size]
        used = renamed < self.k_
        stability = np.full(self.k_, np.nan)
        stability[renamed[used]] = chosen[used]
        self.stability_ = pd.Series(stability, index=pd.RangeIndex(self.k_, name="subgroup"),
                                    name="jaccard")
        proba = self._proba(reduced)
        self.confidence_ = np.where(self.labels_ >= 0, proba.max(axis=1, initial=0.0), 0.0)
        mean_values = np.mean(values, axis=0)
        names = (list(self.feature_names_in_) if hasattr(self, "feature_names_in_")
                 else [f"x{j}" for j in range(mean_values.shape[1])])
        self.subgroup_means_ = pd.DataFrame(
            [mean_values[self.labels_ == c].mean(axis=0) for c in range(self.k_)],
            index=pd.RangeIndex(self.k_, name="subgroup"), columns=names)
        self._calibrate_outliers(values, reduced)
        return self

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
        imputer = None
        if missing is not None:
            from ..impute import SchemaImputer

            missing = missing[anchors]
            imputer = SchemaImputer(kind="mixture", sample_posterior=True)
        return structure_test(values[0][anchors], ks, reduce=self.reduce,
                              min_components=MIN_COMPONENTS, n_null=self.n_null,
                              alpha=self.alpha, missing=missing, imputer=imputer,
                              feature_names=getattr(self, "feature_names_in_", None),
                              random_state=seed, n_jobs=self.n_jobs)

    def _one_group_scores(self, reduced: list[np.ndarray]) -> pd.DataFrame:
        """The row of k = 1: every patient in one cluster. With one cluster the
        classification likelihood is the mixture's, so its ICL is also one
        Gaussian's BIC (``gmm``'s criterion)."""
        covariance = self.covariance_type_ or "full"
        icl = float(np.mean([classification_bic(z, np.zeros(z.shape[0], dtype=np.int64),
                                                covariance, self.reg_covar_) for z in reduced]))
        bic = icl if self.method == "gmm" else np.nan
        return pd.DataFrame({"pac": np.nan, "cdf_area": np.nan, "delta_area": np.nan,
                             "silhouette": np.nan, "bic": bic, "icl": icl, "criterion": icl,
                             "stability_min": 1.0, "stability_mean": 1.0, "smallest": 1.0},
                            index=pd.Index([1], name="k"))

    def _fit_one_group(self, values: list[np.ndarray], reduced: list[np.ndarray]) -> None:
        """The k = 1 answer: every patient in subgroup 0."""
        n = reduced[0].shape[0]
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
        self.subgroup_means_ = pd.DataFrame([mean_values.mean(axis=0)],
                                            index=pd.RangeIndex(1, name="subgroup"),
                                            columns=names)
        self._calibrate_outliers(values, reduced)

    def _reference_partitions(self, reduced: list[np.ndarray], fit_ks: list[Any],
                              fit_rows: np.ndarray | None, seed: int) -> list[tuple]:
        """For every k: (models per frame, pooled labels, BIC, ICL, labels per
        frame (m, n) with clusters matched to frame 0's).

        Sets ``covariance_type_``: for ``gmm`` with ``"auto"``, the covariance
        (full, tied or diagonal) of lowest BIC over k on the first frame; for
        ``kmeans`` and ``agglomerative``, that of lowest ICL. The other
        frames (imputation draws) are fitted with the chosen covariance only,
        each from the first frame's model of the same k.
        """
        m = len(reduced)
        types = list(AUTO_COVARIANCE_TYPES) if self.covariance_type == "auto" else [
            self.covariance_type]
        fitted_types = types if self.method == "gmm" else ["full"]
        seeds = parallel.spawn_seeds(seed, len(fit_ks) * (m + 1))
        first = parallel.run(
            fit_partition,
            [(self.method, reduced[0], k, seeds[i * m], self._options(t), fit_rows)
             for t in fitted_types for i, k in enumerate(fit_ks)],
            n_jobs=self.n_jobs)
        by_type = {t: first[j * len(fit_ks):(j + 1) * len(fit_ks)]
                   for j, t in enumerate(fitted_types)}
        if self.method == "gmm":
            merged = parallel.run(
                merge_down,
                [(reduced[0], fit_ks, by_type[t], seeds[len(fit_ks) * m:], self._options(t))
                 for t in fitted_types], n_jobs=self.n_jobs)
            by_type = dict(zip(fitted_types, merged))
        fit_type = (min(fitted_types, key=lambda t: min(c[2] for c in by_type[t]))
                    if self.method == "gmm" else "full")
        started = self.method in ("gmm", "kmeans")
        rest = parallel.run(
            fit_partition,
            [(self.method, reduced[f], k, seeds[i * m + f], self._options(fit_type), fit_rows,
              by_type[fit_type][i][0] if started else None)
             for i, k in enumerate(fit_ks) for f in range(1, m)],
            n_jobs=self.n_jobs)
        rows = []
        for i in range(len(fit_ks)):
            chunk = [by_type[fit_type][i], *rest[i * (m - 1):(i + 1) * (m - 1)]]
            models = [c[0] for c in chunk]
            labels, frame_labels = self._pool(models, [c[1] for c in chunk], reduced)
            rows.append((models, labels, float(np.mean([c[2] for c in chunk])), frame_labels))
        if self.method == "hdbscan":
            self.covariance_type_ = None
            models, labels, _, frame_labels = rows[0]
            return [(models, labels, np.nan, np.nan, frame_labels)]
        reg = self.reg_covar_
        # gmm's structure is chosen by BIC: only its ICL is reported
        scored = [fit_type] if self.method == "gmm" else types
        icl = {t: [float(np.mean([classification_bic(z, labels, t, reg) for z in reduced]))
                   for _, labels, _, _ in rows] for t in scored}
        chosen = fit_type if self.method == "gmm" else min(types, key=lambda t: min(icl[t]))
        self.covariance_type_ = chosen
        return [(models, labels, bic, icl[chosen][i], frame_labels)
                for i, (models, labels, bic, frame_labels) in enumerate(rows)]

    def _pool(self, models: list[Partition], labels: list[np.ndarray],
              reduced: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Labels of frame 0, or the most probable subgroup over aligned frame
        models; and each frame's labels (m, n), renamed to match frame 0's."""
        if len(models) == 1:
            return labels[0], labels[0][None, :]
        aligned = [labels[0]]
        for model, lab in zip(models[1:], labels[1:]):
            permutation = matching_permutation(labels[0], lab, model.k or 0)
            model.relabel(permutation)
            aligned.append(rename(lab, permutation))
        return np.argmax(self._proba(reduced, models), axis=1), np.array(aligned)

    def _proba(self, reduced: list[np.ndarray], models: list[Partition] | None = None
               ) -> np.ndarray:
        models = self.models_ if models is None else models
        if self.method == "hdbscan":
            return models[0].predict_proba(reduced[0])
        probas = [model.predict_proba(z) for model in models for z in reduced]
        width = max(p.shape[1] for p in probas)
        total = np.zeros((reduced[0].shape[0], width))
        for p in probas:
            total[:, :p.shape[1]] += p
        return total / len(probas)

    @staticmethod
    def _silhouette(reduced: list[np.ndarray], labels: np.ndarray) -> float:
        from sklearn.metrics import silhouette_score

        kept = labels >= 0
        found = np.unique(labels[kept]).size
        if found < 2 or found >= kept.sum():
            return np.nan
        return float(np.mean([silhouette_score(z[kept], labels[kept]) for z in reduced]))

    def _outlier_scores(self, values: np.ndarray, reduced: np.ndarray, labels: np.ndarray
                        ) -> np.ndarray:
        """Mahalanobis distance to the subgroup plus scaled distance off the PCA subspace.

        The second term is what probabilistic PCA adds for the discarded
        dimensions: the squared residual over the average discarded variance.
        """
        assigned = np.maximum(labels, 0)
        diff = reduced - self._means[assigned]
        score = np.einsum("ij,ijk,ik->i", diff, self._precisions[assigned], diff)
        if self._noise_variance > 0:
            score = score + self.reducer_.residual(values) / self._noise_variance
        return score

    def _calibrate_outliers(self, values: list[np.ndarray], reduced: list[np.ndarray]) -> None:
        mean_values = np.mean(values, axis=0)
        mean_reduced = np.mean(reduced, axis=0)
        k = max(self.k_, 1)
        self._means, self._precisions = _mahalanobis_model(
            mean_reduced, np.maximum(self.labels_, 0), k)
        discarded = self.reducer_.n_features_ - self.reducer_.n_components_
        residual = self.reducer_.residual(mean_values)
        self._noise_variance = float(residual.mean() / discarded) if discarded > 0 else 0.0
        scores = self._outlier_scores(mean_values, mean_reduced, self.labels_)
        self.outlier_threshold_ = float(np.quantile(scores, self.outlier_quantile))

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
