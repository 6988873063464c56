"""Internal dimension reduction before clustering: standardize, screen, then PCA.

Why: with many features of which only a minority separate the subgroups,
distances and covariance estimates in the raw space are dominated by noise
features. Standardization gives every noise feature the variance of an
informative one, so the leading principal components of all features mix
signal and noise; features that show no sign of subgroups are therefore
screened out first (:func:`screen_features`), and the principal components
of the others concentrate the between-subgroup variance in a few
dimensions, where k-means, Gaussian mixtures and Ward's linkage separate
small subgroups much better and a full-covariance mixture stays estimable.

Components above noise: parallel analysis (Horn 1965), the rule that
recovers the number of non-noise components best in simulation studies
(Zwick and Velicer 1986). A component is kept while its eigenvalue (of the
correlation matrix) exceeds the 95th percentile of the *largest* eigenvalue
of data whose columns were permuted independently (same marginals, no
correlation). Comparing every rank with the largest null eigenvalue is
conservative: comparing rank j with the rank-j null, as in Horn's original,
counts noise components as signal after a strong first component (Buja and
Eyuboglu 1992).
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np

PA_MAX_ROWS = 5000
PA_PERMUTATIONS = 20
PA_MAX_COMPONENTS = 100
PA_QUANTILE = 95
MIN_COMPONENTS = 2
SCREEN_BIC_MARGIN = 10.0
# A value held by at least 0.5 % of the patients (and by two) is an atom of a grid
ATOM_SHARE = 0.005


def parallel_analysis(values: np.ndarray, random_state: Any = None
                      ) -> tuple[int, np.ndarray, float]:
    """Number of components above the permutation null, eigenvalues and the null threshold.

    ``values`` must be standardized. At most 5,000 rows (a random sample), 20
    permutations and 100 components are used: the eigenvalues of a
    5,000-row sample are within a few percent of those of the whole data.
    """
    rng = np.random.default_rng(random_state)
    n, d = values.shape
    if n > PA_MAX_ROWS:
        values = values[np.sort(rng.choice(n, PA_MAX_ROWS, replace=False))]
    n = values.shape[0]
    observed = _eigenvalues(values, min(d, n, PA_MAX_COMPONENTS))
    null = [_eigenvalues(rng.permuted(values, axis=0), 1)[0] for _ in range(PA_PERMUTATIONS)]
    threshold = float(np.percentile(null, PA_QUANTILE))
    above = observed > threshold
    keep = int(np.argmin(above)) if not above.all() else above.size
    return keep, observed, threshold


def _eigenvalues(values: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` largest eigenvalues of the covariance of ``values``, decreasing.

    Exact SVD for narrow data; randomized SVD (Halko et al. 2011) when there
    are many features, where the exact one costs seconds per permutation.
    """
    centred = values - values.mean(axis=0)
    scale = max(values.shape[0] - 1, 1)
    if min(values.shape) <= 300:
        return (np.linalg.svd(centred, compute_uv=False) ** 2 / scale)[:count]
    from sklearn.utils.extmath import randomized_svd

    _, s, _ = randomized_svd(centred, n_components=count, n_iter=7, random_state=0)
    return s**2 / scale


def univariate_mixture_bic(values: np.ndarray, n_components: int, max_iter: int = 100,
                           tol: float = 1e-4, reg: float = 1e-3) -> np.ndarray:
    """BIC of a location mixture of ``n_components`` normals fitted to every column at once.

    The components share one variance per column (subgroups shift the mean),
    so a narrow component cannot sit on a pile of tied values: imputed
    conditional means of a noise feature pile up near its mean, and a mixture
    with free variances describes that pile better than one normal. EM on all
    columns together (vectorized), started from equally spaced quantiles, so
    the result is deterministic; it stops when the mean log-likelihood per
    patient of every column changes by less than ``tol``. ``reg`` floors the
    variance.
    """
    n, d = values.shape
    if n_components == 1:
        var = values.var(axis=0) + reg
        loglik = -0.5 * n * (np.log(2 * np.pi * var) + 1.0)
        return -2.0 * loglik + 2 * np.log(n)
    probs = (np.arange(n_components) + 0.5) / n_components
    means = np.quantile(values, probs, axis=0).T                     # (d, c)
    variances = values.var(axis=0) / n_components**2 + reg           # (d,)
    weights = np.full((d, n_components), 1.0 / n_components)
    loglik = np.full(d, -np.inf)
    active = np.arange(d)  # columns still moving: converged ones are left alone
    for _ in range(max_iter):
        x = values[:, active, None]                                  # (n, a, 1)
        var = variances[active, None]                                # (a, 1)
        log_p = (np.log(weights[active]) - 0.5 * np.log(2 * np.pi * var)
                 - 0.5 * (x - means[active]) ** 2 / var)
        top = log_p.max(axis=2, keepdims=True)
        resp = np.exp(log_p - top)
        total = resp.sum(axis=2, keepdims=True)
        current = (top[:, :, 0] + np.log(total[:, :, 0])).sum(axis=0)
        moving = np.abs(current - loglik[active]) >= tol * n
        loglik[active] = current
        resp /= total
        mass = resp.sum(axis=0) + 1e-12                              # (a, c)
        weights[active] = mass / n
        means[active] = (resp * x).sum(axis=0) / mass
        variances[active] = (resp * (x - means[active]) ** 2).sum(axis=(0, 2)) / n + reg
        active = active[moving]
        if active.size == 0:
            break
    return -2.0 * loglik + 2 * n_components * np.log(n)


def screen_features(z: np.ndarray, random_state: Any = None) -> np.ndarray:
    """Features with a sign of subgroups: a mixture-like marginal, or a share in a component.

    A feature is kept when a location mixture of 2 or 3 normals (one common
    variance) describes its (standardized) values better than one normal by
    a BIC margin of at least :data:`SCREEN_BIC_MARGIN` (very strong evidence,
    Kass and Raftery 1995), or when it shares at least 16 % of its variance
    (|correlation| >= 0.4) with a principal component above the
    parallel-analysis null. When fewer than two pass, all are kept.
    """
    rng = np.random.default_rng(random_state)
    n, d = z.shape
    sample = z if n <= 2000 else z[np.sort(rng.choice(n, 2000, replace=False))]
    one = univariate_mixture_bic(sample, 1)
    mixed = np.minimum(univariate_mixture_bic(sample, 2), univariate_mixture_bic(sample, 3))
    keep = (mixed <= one - SCREEN_BIC_MARGIN) & (np.ptp(sample, axis=0) > 0)
    n_pc, _, _ = parallel_analysis(sample, random_state)
    if n_pc:
        centred = sample - sample.mean(axis=0)
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        sd = centred.std(axis=0)
        scores_sd = s[:n_pc] / np.sqrt(len(sample))
        loading = np.abs(vt[:n_pc].T * scores_sd) / np.where(sd > 0, sd, 1.0)[:, None]
        keep |= (loading >= 0.4).any(axis=1)
    return keep if keep.sum() >= 2 else np.ones(d, dtype=bool)


def grid_step(values: np.ndarray) -> np.ndarray:
    """Step of the grid each column's values sit on (rounded scores), 0 for continuous ones.

    A column is on a grid when at least five values are *atoms* (each held
    by at least 0.5 % of the rows, and by two) and the atoms hold at least
    half of the rows; its step is the median gap between consecutive atoms.
    Questionnaire scores (integers 0-10) have step 1 even after imputation
    has added values between the integers; measurements rounded finely
    (genes to 0.001) have no atoms.
    """
    n, d = values.shape
    steps = np.zeros(d)
    least = max(2.0, ATOM_SHARE * n)
    for j in range(d):
        levels, counts = np.unique(values[:, j], return_counts=True)
        held = counts >= least
        if held.sum() >= 5 and counts[held].sum() >= 0.5 * n:
            steps[j] = float(np.median(np.diff(levels[held])))
    return steps


class Reducer:
    """Standardize and project on leading principal components (fitted once).

    ``reduce``: ``"auto"`` (parallel analysis), an int (that many components),
    a float in (0, 1) (components explaining that share of variance), or None
    (the features as given: no scaling, no projection).

    ``rounding_variance_``: per kept feature, the variance that rounding to its
    grid adds, step² / 12 in the units clustered (Sheppard's correction; 0
    for continuous features).
    """

    def __init__(self, reduce: Any = "auto", random_state: Any = None,
                 min_components: int = MIN_COMPONENTS) -> None:
        self.reduce = reduce
        self.random_state = random_state
        self.min_components = min_components

    def fit(self, values: np.ndarray) -> Reducer:
        from sklearn.decomposition import PCA

        n, d = values.shape
        self.n_features_ = d
        if self.reduce is None:
            self.mean_, self.scale_, self.pca_ = np.zeros(d), np.ones(d), None
            self.selected_ = np.ones(d, dtype=bool)
            self.n_components_ = d
            self.eigenvalues_ = self.null_ = None
            self.rounding_variance_ = grid_step(values) ** 2 / 12.0
            return self
        self.mean_ = values.mean(axis=0)
        scale = values.std(axis=0)
        # constant columns carry no information; a unit scale keeps them at zero
        self.scale_ = np.where(scale > 0, scale, 1.0)
        z = (values - self.mean_) / self.scale_
        self.selected_ = np.ones(d, dtype=bool)
        if isinstance(self.reduce, str) and d > 2:
            self.selected_ = screen_features(z, self.random_state)
            z = z[:, self.selected_]
            d = z.shape[1]
        most = max(1, min(n - 1, d))
        if isinstance(self.reduce, str):
            keep, self.eigenvalues_, self.null_ = parallel_analysis(z, self.random_state)
            n_components: Any = min(max(keep, self.min_components), most)
        elif isinstance(self.reduce, Integral):
            self.eigenvalues_ = self.null_ = None
            n_components = min(int(self.reduce), most)
        elif isinstance(self.reduce, Real):
            self.eigenvalues_ = self.null_ = None
            n_components = float(self.reduce)
        self.rounding_variance_ = (grid_step(values[:, self.selected_])
                                   / self.scale_[self.selected_]) ** 2 / 12.0
        self.pca_ = PCA(n_components=n_components, random_state=self.random_state).fit(z)
        self.n_components_ = int(self.pca_.n_components_)
        return self

    def transform(self, values: np.ndarray) -> np.ndarray:
        z = ((values - self.mean_) / self.scale_)[:, self.selected_]
        return z if self.pca_ is None else self.pca_.transform(z)

    def residual(self, values: np.ndarray) -> np.ndarray:
        """Squared distance of each standardized row to the kept principal subspace."""
        z = (values - self.mean_) / self.scale_
        dropped = np.sum(z[:, ~self.selected_] ** 2, axis=1)
        if self.pca_ is None:
            return dropped
        kept = z[:, self.selected_]
        back = self.pca_.inverse_transform(self.pca_.transform(kept))
        return np.sum((kept - back) ** 2, axis=1) + dropped
