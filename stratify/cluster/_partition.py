"""The clustering methods behind ConsensusClustering, on reduced data.

Each method has two uses:

- :func:`resample_labels`: a quick clustering of one subsample for every k
  (:data:`RESAMPLE_N_INIT` starts per fit; the disagreement between
  resamples is what consensus clustering measures);
- :func:`fit_partition`: the model of the final (or reference) partition for
  one k on all patients, with ``predict_proba`` for new patients.
"""

from __future__ import annotations

import contextlib
import itertools
import warnings
from collections.abc import Callable, Iterator
from typing import Any, cast

import numpy as np

from ._align import rename
from ._optional import require

METHODS = ("kmeans", "gmm", "agglomerative", "hdbscan", "mixed")
_HDBSCAN = 'ConsensusClustering(method="hdbscan")'
# The data are standardized: a mixture component narrower than 3 % of a
# feature's SD is a point mass of tied values (rounded scores, imputed
# means), not a subgroup; this floor keeps such components from inflating
# the likelihood without bounds.
REG_COVAR = 1e-3
# Rounded scores need a higher floor: a component on one value of a 0-10 score
# (all its patients tied) has a likelihood without bound. The floor rises to the
# variance rounding adds (ConsensusClustering.reg_covar_), up to this: a grid
# coarser than about one SD is a category, not a rounded measurement.
MAX_REG_COVAR = 0.1
# Four starts per resample fit: with fewer, a fit often misses a small subgroup or
# one of subgroups with their own covariances (a local optimum), which counts
# against the true k as instability. Measured (bench_mixtures, full suite, 20
# resamples): a planted subgroup of own-covariance mixture 6 was reproduced with
# Jaccard 0.56 < 0.6 with 2 starts (k = 3 chosen for 4), 0.6 or more with 4; the
# spurious fourth cluster of mixture 8 rose from 0.57 to 0.65 (k = 4 for 3): 20 of
# 24 either way; random mixtures after iterative imputation 18 of 24 (was 17).
# The whole fit costs 25-40 % more.
RESAMPLE_N_INIT = 4
# Above this many patients the starts of a reference mixture are searched on a
# subsample of this size and one EM run on all patients finishes the fit: the
# search is what costs (n_init EM runs from k-means++ and n_init k-means).
SEARCH_MAX_N = 10_000
# Merging two components of the k + 1 fit gives k(k + 1) / 2 starts for k;
# they are compared on at most this many patients, after this many EM
# iterations each (short runs screen the starts, one long run finishes the
# best: the "em-EM" strategy of Biernacki, Celeux and Govaert 2003).
MERGE_SCREEN_N = 2_000
MERGE_SCREEN_ITER = 5


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence convergence warnings: one-start fits on subsamples often stop early."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _ward_tree(values: np.ndarray) -> np.ndarray:
    from scipy.cluster.hierarchy import ward

    return ward(values)


def _cut(tree: np.ndarray, k: int) -> np.ndarray:
    from scipy.cluster.hierarchy import fcluster

    return fcluster(tree, k, criterion="maxclust").astype(np.int64) - 1


def _softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


def _hdbscan(values: np.ndarray, options: dict, prediction_data: bool = False) -> Any:
    hdbscan = require("hdbscan", who=_HDBSCAN)

    size = options["min_cluster_size"]
    size = max(2, int(round(size * values.shape[0]))) if size < 1 else int(size)
    return hdbscan.HDBSCAN(min_cluster_size=size, min_samples=options.get("min_samples"),
                           prediction_data=prediction_data).fit(values)


def _one_clustering(method: str, values: np.ndarray, k: int, seed: int, options: dict
                    ) -> np.ndarray:
    if method == "kmeans":
        from sklearn.cluster import KMeans

        return KMeans(k, n_init=RESAMPLE_N_INIT, random_state=seed).fit(values).labels_
    from sklearn.mixture import GaussianMixture

    gm = GaussianMixture(k, covariance_type=options["covariance_type"], n_init=RESAMPLE_N_INIT,
                         init_params="kmeans", reg_covar=options["reg_covar"],
                         random_state=seed)
    return gm.fit(values).predict(values)


def resample_labels(method: str, values: np.ndarray, n_sub: int, ks: list[int], seed: int,
                    options: dict) -> tuple[np.ndarray, np.ndarray]:
    """Cluster a random subsample of ``n_sub`` rows for every k.

    Returns the sorted row positions drawn and an int16 array (len(ks), n_sub)
    of labels (``-1`` is noise for hdbscan, which has one row).
    """
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(values.shape[0], n_sub, replace=False)).astype(np.int32)
    sub = values[idx]
    with _quiet():
        if method == "hdbscan":
            labels = _hdbscan(sub, options).labels_[None, :]
        elif method == "agglomerative":
            tree = _ward_tree(sub)
            labels = np.array([_cut(tree, k) for k in ks])
        elif method == "mixed":
            from ._mixed import fit_latent_class

            seeds = rng.integers(0, 2**31 - 1, size=len(ks))
            labels = np.array([
                fit_latent_class(sub, k, int(s), options["encoding"], RESAMPLE_N_INIT).predict(sub)
                for k, s in zip(ks, seeds)])
        else:
            seeds = rng.integers(0, 2**31 - 1, size=len(ks))
            labels = np.array([_one_clustering(method, sub, k, int(s), options)
                               for k, s in zip(ks, seeds)])
    return idx, labels.astype(np.int16)


class Partition:
    """One fitted clustering: labels of the fitted rows and a rule for new rows.

    ``gmm`` and ``mixed``: the mixture's posterior. ``kmeans`` and ``agglomerative``:
    nearest centroid, with probabilities from the model k-means optimizes
    (Gaussian clusters of one shared spherical variance and equal weights), so
    that the most probable subgroup is the nearest centroid. ``hdbscan``:
    ``approximate_predict`` and ``membership_vector`` of the hdbscan package.
    """

    def __init__(self, method: str, k: int | None, model: Any, centers: np.ndarray | None,
                 variance: float | None) -> None:
        self.method = method
        self.k = k
        self.model = model
        self.centers = centers
        self.variance = variance
        self.permutation: np.ndarray | None = None

    def relabel(self, permutation: np.ndarray) -> None:
        """From now on report cluster ``c`` as ``permutation[c]``."""
        self.permutation = permutation if self.permutation is None else permutation[
            self.permutation]

    def _columns(self, proba: np.ndarray) -> np.ndarray:
        if self.permutation is None:
            return proba
        out = np.zeros((proba.shape[0], int(self.permutation.max()) + 1))
        out[:, self.permutation] = proba
        return out

    def _raw_proba(self, values: np.ndarray) -> np.ndarray:
        if self.method in ("gmm", "mixed"):
            return self.model.predict_proba(values)
        if self.method == "hdbscan":
            hdbscan = require("hdbscan", who=_HDBSCAN)
            proba = np.atleast_2d(hdbscan.membership_vector(self.model, values))
            total = proba.sum(axis=1, keepdims=True)
            return np.divide(proba, total, out=np.zeros_like(proba), where=total > 0)
        centers = np.asarray(self.centers)
        d2 = ((values[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        return _softmax(-d2 / (2.0 * cast(float, self.variance)))

    def predict_proba(self, values: np.ndarray) -> np.ndarray:
        return self._columns(self._raw_proba(values))

    def predict(self, values: np.ndarray) -> np.ndarray:
        if self.method == "hdbscan":
            hdbscan = require("hdbscan", who=_HDBSCAN)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                raw = np.asarray(hdbscan.approximate_predict(self.model, values)[0],
                                 dtype=np.int64)
            if self.permutation is None:
                return raw
            return rename(raw, self.permutation)
        raw = np.argmax(self._raw_proba(values), axis=1)
        return raw if self.permutation is None else self.permutation[raw]


def _centroids(values: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    counts = np.bincount(labels, minlength=k).astype(float)
    sums = np.zeros((k, values.shape[1]))
    np.add.at(sums, labels, values)
    return sums / np.maximum(counts, 1.0)[:, None]


def _pooled_variance(values: np.ndarray, labels: np.ndarray, centers: np.ndarray) -> float:
    resid = values - centers[labels]
    return max(float(np.mean(resid**2)), 1e-12)


COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
# What covariance_type="auto" compares: the principal components are not
# whitened, so their variances differ by construction and one variance per
# cluster in every direction ("spherical") does not describe them.
AUTO_COVARIANCE_TYPES = ("full", "tied", "diag")


def cluster_covariances(values: np.ndarray, labels: np.ndarray, k: int, covariance: str,
                        reg: float) -> tuple[np.ndarray, np.ndarray]:
    """Means and maximum-likelihood covariances of the k clusters of a hard
    partition, floored by ``reg``, in scikit-learn's ``GaussianMixture``
    layout: ``"full"`` (k, d, d), ``"tied"`` (d, d) pooled over clusters,
    ``"diag"`` (k, d), ``"spherical"`` (k,) (the mean variance)."""
    n, d = values.shape
    means = _centroids(values, labels, k)
    centred = values - means[labels]
    sizes = np.maximum(np.bincount(labels, minlength=k), 1).astype(float)
    if covariance == "tied":
        return means, centred.T @ centred / n + reg * np.eye(d)
    if covariance == "full":
        covs = np.array([centred[labels == c].T @ centred[labels == c] / sizes[c]
                         for c in range(k)])
        return means, covs + reg * np.eye(d)
    variances = np.zeros((k, d))
    np.add.at(variances, labels, centred**2)
    variances = variances / sizes[:, None] + reg
    return means, variances if covariance == "diag" else variances.mean(axis=1)


def _precisions(covariances: np.ndarray, covariance: str) -> np.ndarray:
    return np.linalg.inv(covariances) if covariance in ("full", "tied") else 1.0 / covariances


def _partition_start(values: np.ndarray, labels: np.ndarray, k: int, covariance: str,
                     reg: float) -> dict:
    """Weights, means and precisions of a hard partition: a start for EM."""
    weights = np.bincount(labels, minlength=k) / labels.size
    means, covariances = cluster_covariances(values, labels, k, covariance, reg)
    return {"weights_init": weights, "means_init": means,
            "precisions_init": _precisions(covariances, covariance)}


def _searched_mixture(values: np.ndarray, k: int, options: dict, seed: int) -> Any:
    """The mixture of highest likelihood from ``n_init`` k-means++ starts and
    one start from the best of ``n_init`` k-means partitions.

    k-means++ seeding alone can put two seeds in one subgroup and leave EM in a
    local optimum with a near-empty component, even for subgroups ten SDs apart
    (both of two starts did so for 2 seeds of 150); the best of several
    converged k-means does not, but on elongated subgroups it is the worse
    start. The reference partition keeps whichever reaches the higher
    likelihood.
    """
    from sklearn.cluster import KMeans
    from sklearn.mixture import GaussianMixture

    seeded = GaussianMixture(k, covariance_type=options["covariance_type"],
                             reg_covar=options["reg_covar"], n_init=options["n_init"],
                             init_params="k-means++", random_state=seed).fit(values)
    lloyd = KMeans(k, n_init=options["n_init"], random_state=seed).fit(values)
    from_lloyd = _mixture_from_partition(values, lloyd.labels_, k, options, seed)
    return from_lloyd if from_lloyd.lower_bound_ > seeded.lower_bound_ else seeded


def _mixture_from_partition(values: np.ndarray, labels: np.ndarray, k: int, options: dict,
                            seed: int, max_iter: int = 100) -> Any:
    """One EM run (of at most ``max_iter`` iterations) from a hard partition's
    weights, means and covariances."""
    from sklearn.mixture import GaussianMixture

    covariance, reg = options["covariance_type"], options["reg_covar"]
    return GaussianMixture(k, covariance_type=covariance, reg_covar=reg, random_state=seed,
                           max_iter=max_iter,
                           **_partition_start(values, labels, k, covariance, reg)).fit(values)


def _started_mixture(values: np.ndarray, fitted: Any, options: dict, seed: int) -> Any:
    """One EM run from a fitted mixture's weights, means and precisions."""
    from sklearn.mixture import GaussianMixture

    return GaussianMixture(fitted.n_components, covariance_type=fitted.covariance_type,
                           reg_covar=options["reg_covar"], weights_init=fitted.weights_,
                           means_init=fitted.means_, precisions_init=fitted.precisions_,
                           random_state=seed).fit(values)


def _finished_on_all(values: np.ndarray, limit: int, fit: Callable[[np.ndarray], Any],
                     options: dict, seed: int) -> Any:
    """``fit(values)``; above ``limit`` rows, ``fit`` on a random ``limit`` of
    them, then one EM run on all rows from the mixture it returns (if any)."""
    n = values.shape[0]
    if n <= limit:
        return fit(values)
    fitted = fit(values[np.sort(np.random.default_rng(seed).choice(n, limit, replace=False))])
    return None if fitted is None else _started_mixture(values, fitted, options, seed)


def _best_mixture(values: np.ndarray, k: int, options: dict, seed: int) -> Any:
    """The searched mixture; above :data:`SEARCH_MAX_N` rows the search runs on
    a random subsample of that many and one EM run on all rows finishes it
    (as mclust initializes large data sets on a subset)."""
    return _finished_on_all(values, SEARCH_MAX_N,
                            lambda rows: _searched_mixture(rows, k, options, seed), options, seed)


def _merged_mixture(values: np.ndarray, larger: Any, options: dict, seed: int) -> Any | None:
    """The best mixture of one component fewer than ``larger`` started from
    its partition with two components merged: every pair is screened by
    :data:`MERGE_SCREEN_ITER` EM iterations on at most :data:`MERGE_SCREEN_N`
    rows, EM from the best continues to convergence there, and one EM run on all
    rows finishes it."""
    k = larger.n_components - 1

    def best_merge(sub: np.ndarray) -> Any | None:
        labels = larger.predict(sub)
        best = None
        for a, b in itertools.combinations(range(k + 1), 2):
            merged = np.where(labels == b, a, labels)
            merged = merged - (merged > b)
            if np.bincount(merged, minlength=k).min() < 2:
                continue
            fitted = _mixture_from_partition(sub, merged, k, options, seed,
                                             max_iter=MERGE_SCREEN_ITER)
            if best is None or fitted.lower_bound_ > best.lower_bound_:
                best = fitted
        if best is None or best.converged_:
            return best
        return _started_mixture(sub, best, options, seed)

    return _finished_on_all(values, MERGE_SCREEN_N, best_merge, options, seed)


def merge_down(values: np.ndarray, ks: list[int], fits: list[tuple], seeds: list[int],
               options: dict) -> list[tuple]:
    """Improve the ``gmm`` reference fits from the largest k down: the fit for
    k is replaced by the best merge of two components of the fit for k + 1
    when that reaches a lower BIC.

    ``fits`` holds ``fit_partition``'s (partition, labels, BIC) for each k of
    ``ks``. Random starts can miss the optimum of a k while finding that of
    k + 1: on four subgroups (40/30/20/10 %) on the corners of a square,
    3 of 10 data sets (n = 5,000) had a k = 4 search 1,500-1,800 BIC above
    EM started from the planted subgroups, and the criterion preferred
    k = 5; merging two components of the k = 5 fit reached that optimum.
    """
    fits = list(fits)
    with _quiet():
        for i in range(len(ks) - 2, -1, -1):
            if ks[i + 1] != ks[i] + 1:
                continue
            model = _merged_mixture(values, fits[i + 1][0].model, options, seeds[i])
            if model is None:
                continue
            bic = float(model.bic(values))
            if bic < fits[i][2]:
                part = Partition("gmm", ks[i], model, model.means_, None)
                fits[i] = (part, part.predict(values), bic)
    return fits


def fit_partition(method: str, values: np.ndarray, k: int | None, seed: int, options: dict,
                  fit_rows: np.ndarray | None = None, start: Partition | None = None
                  ) -> tuple[Partition, np.ndarray, float]:
    """Fit one method for one k; return the model, labels of every row and the BIC.

    ``fit_rows`` restricts fitting to those rows (Ward's linkage and hdbscan
    on the anchor patients of a large cohort); every row is then labelled by
    the fitted model. ``start``, a partition of the same k fitted on other
    values of the same patients (another imputation draw), replaces the
    ``n_init`` starts of ``gmm`` and ``kmeans`` by one run from its
    parameters. The BIC is NaN except for ``gmm`` and ``mixed``.
    """
    bic = np.nan
    with _quiet():
        if method == "mixed":
            from ._mixed import fit_latent_class

            model = fit_latent_class(values, int(k), seed, options["encoding"],  # type: ignore[arg-type]
                                     options["n_init"],
                                     start=None if start is None else start.model)
            bic = float(model.bic(values))
            part = Partition(method, k, model, None, None)
        elif method == "gmm":
            model = (_best_mixture(values, int(k), options, seed) if start is None  # type: ignore[arg-type]
                     else _started_mixture(values, start.model, options, seed))
            bic = float(model.bic(values))
            part = Partition(method, k, model, model.means_, None)
        elif method == "kmeans":
            from sklearn.cluster import KMeans

            model = (KMeans(k, n_init=options["n_init"], random_state=seed) if start is None
                     else KMeans(k, init=start.centers, n_init=1, random_state=seed)).fit(values)
            centers = model.cluster_centers_
            part = Partition(method, k, None, centers,
                             _pooled_variance(values, model.labels_, centers))
        elif method == "agglomerative":
            fit_values = values if fit_rows is None else values[fit_rows]
            cut = _cut(_ward_tree(fit_values), int(k))  # type: ignore[arg-type]
            k = int(cut.max()) + 1
            centers = _centroids(fit_values, cut, k)
            part = Partition(method, k, None, centers,
                             _pooled_variance(fit_values, cut, centers))
        else:
            fit_values = values if fit_rows is None else values[fit_rows]
            model = _hdbscan(fit_values, options, prediction_data=True)
            found = int(model.labels_.max()) + 1
            part = Partition(method, found, model, None, None)
            if fit_rows is None:
                return part, model.labels_.astype(np.int64), bic
            labels = part.predict(values)
            labels[fit_rows] = model.labels_
            return part, labels, bic
    return part, part.predict(values), bic
