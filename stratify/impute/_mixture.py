"""A Gaussian mixture fitted to the observed values: the engine of ``method="mixture"``.

scikit-learn's ``GaussianMixture`` needs complete data; here each patient's
likelihood uses only the features observed for that patient (valid when values
are missing at random), so imputed values never shape the model. The
components have diagonal covariances: then the marginal of any subset of
features is the product of its coordinates, and EM is a handful of matrix
products per iteration whatever the missingness pattern of each patient.
Correlation between features is carried by the mixture itself (with more
components where needed), which is what matters when the data hold subgroups:
a missing value is imputed from the subgroup its patient's observed values
point to, not from a regression across subgroups that pulls it between them.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["MixtureEM"]

# Floor on the variances, in SD units of the standardized data: a component
# cannot collapse onto tied values.
REG_VARIANCE = 1e-3


class MixtureEM(TransformerMixin, BaseEstimator):
    """Gaussian mixture with diagonal covariances fitted by EM on observed values only.

    Used by :class:`SchemaImputer` (``method="mixture"``), which standardizes
    the data and keeps discrete levels valid; prefer that class.

    The number of components, with ``n_components="auto"``, is one more than
    the number of lowest BIC among 1..``max_components`` (observed-data
    likelihood). An imputation model should be at least as rich as the
    analyses that will use the data (Meng 1994): one that merges two
    subgroups imputes each one's patients towards the other and blurs the
    subgroups an analysis looks for, whereas an extra component costs little.
    Measured on 8 random mixtures with 15 % of values missing where
    consensus clustering after chained-equation imputation missed the
    planted number of subgroups: after one draw from this mixture it found
    it in 7 with the extra component, in 6 without, and in 6 with 8
    components (whose two misses were above the planted number).

    Parameters
    ----------
    n_components : "auto" or int, default="auto"
        Number of components; ``"auto"``: one more than BIC's choice (above).
    max_components : int, default=8
        Largest number of components BIC considers (``"auto"``).
    n_init : int, default=3
        Starts per number of components (k-means on the mean-filled data,
        each with its own seed); the highest likelihood is kept.
    max_iter : int, default=300
    tol : float, default=1e-5
        EM stops when the mean log-likelihood per patient gains less.
    max_samples : int, default=10_000
        The mixture is fitted on a random subsample of at most this many
        patients (every patient is then imputed from it), so that the cost
        of a fit stops growing with the cohort: at 100,000 patients and 40
        features (one thread) 12 s, against 48 s on all patients, for the
        same number of components; imputing all of them takes 0.2 s.
    sample_posterior : bool, default=False
        ``transform`` draws each missing value (component from the posterior
        given the patient's observed values, then the value from that
        component) instead of taking its conditional mean, and ``fit`` uses
        a bootstrap sample of the patients (approximate Bayesian bootstrap,
        Rubin 1987), so that independent draws also carry the uncertainty
        of the mixture. Draws restart from the fitted seed: ``transform`` is
        a function of its input.
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    n_components_ : int
    n_samples_fit_ : int
        Patients the mixture was fitted on.
    weights_ : ndarray of shape (n_components,)
    means_, variances_ : ndarray of shape (n_components, n_features)
    bic_ : Series
        BIC of each number of components tried, indexed by it (one entry for
        an integer ``n_components``).
    log_likelihood_ : float
        Observed-data log-likelihood of the patients it was fitted on.
    n_iter_ : int
        EM iterations of the kept fit.
    converged_ : bool

    References
    ----------
    Ghahramani Z, Jordan MI. Supervised learning from incomplete data via an
    EM approach. NIPS 1994.
    Rubin DB. Multiple imputation for nonresponse in surveys. Wiley, 1987.
    Meng XL. Multiple-imputation inferences with uncongenial sources of
    input. Stat Sci 1994;9:538-558.

    Examples
    --------
    >>> import numpy as np
    >>> from stratify.impute._mixture import MixtureEM
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(-3, 1, size=(100, 3)), rng.normal(3, 1, size=(100, 3))])
    >>> X[::4, 0] = np.nan
    >>> em = MixtureEM(n_components=2, random_state=0).fit(X)
    >>> np.sort(em.means_[:, 0]).round(0)
    array([-3.,  3.])
    >>> filled = em.transform(X)
    >>> bool((np.sign(filled[::4, 0]) == np.sign(X[::4, 1])).mean() > 0.95)
    True
    """

    _parameter_constraints: dict = {
        "n_components": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_components": [Interval(Integral, 1, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "max_samples": [Interval(Integral, 2, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "sample_posterior": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(self, n_components="auto", *, max_components=8, n_init=3, max_iter=300,
                 tol=1e-5, max_samples=10_000, sample_posterior=False, random_state=None):
        self.n_components = n_components
        self.max_components = max_components
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.max_samples = max_samples
        self.sample_posterior = sample_posterior
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the mixture to the observed values of ``X`` (NaN is missing)."""
        values = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan",
                               ensure_min_samples=2)
        observed = ~np.isnan(values)
        empty = np.flatnonzero(~observed.any(axis=0))
        if empty.size:
            raise ValueError(f"MixtureEM: feature(s) at position {empty.tolist()} have no "
                             "observed value.")
        rng = check_random_state(self.random_state)
        self._seed = int(rng.randint(np.iinfo(np.int32).max))
        draw = np.random.default_rng(self._seed)
        if self.sample_posterior:
            rows = draw.integers(values.shape[0], size=min(values.shape[0], self.max_samples))
            values, observed = values[rows], observed[rows]
        elif values.shape[0] > self.max_samples:
            rows = np.sort(draw.choice(values.shape[0], self.max_samples, replace=False))
            values, observed = values[rows], observed[rows]
        n = values.shape[0]
        if self.n_components == "auto":
            candidates = range(1, min(self.max_components, n - 1) + 1)
        else:
            candidates = range(int(self.n_components), int(self.n_components) + 1)
        fits = {K: _fit_em(values, observed, K, self.n_init, self.max_iter, self.tol,
                           seed) for K, seed in zip(candidates, rng.randint(
                               np.iinfo(np.int32).max, size=len(candidates)))}
        d = values.shape[1]
        bic = pd.Series({K: -2 * f["loglik"] + (K - 1 + 2 * K * d) * np.log(n)
                         for K, f in fits.items()}, name="bic")
        bic.index.name = "n_components"
        self.bic_ = bic
        if self.n_components == "auto":
            best = int(bic.idxmin()) + 1
            chosen = fits[best] if best in fits else _fit_em(
                values, observed, best, self.n_init, self.max_iter, self.tol,
                int(rng.randint(np.iinfo(np.int32).max)))
        else:
            chosen = fits[int(self.n_components)]
        self.n_samples_fit_ = n
        self.n_components_ = chosen["weights"].size
        self.weights_ = chosen["weights"]
        self.means_ = chosen["means"]
        self.variances_ = chosen["variances"]
        self.log_likelihood_ = float(chosen["loglik"])
        self.n_iter_ = int(chosen["n_iter"])
        self.converged_ = bool(chosen["converged"])
        return self

    def _checked(self, X) -> np.ndarray:
        check_is_fitted(self)
        return validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan",
                             reset=False)

    def _posterior(self, values: np.ndarray) -> np.ndarray:
        logp = _log_joint(_statistics(values, ~np.isnan(values)), self.weights_, self.means_,
                          self.variances_)
        return _normalize(logp)[0]

    def predict_proba(self, X) -> np.ndarray:
        """Posterior of each component given each patient's observed values."""
        return self._posterior(self._checked(X))

    def transform(self, X) -> np.ndarray:
        """Fill the missing values (conditional means, or draws with ``sample_posterior``)."""
        values = self._checked(X)
        proba = self._posterior(values)
        missing = np.isnan(values)
        if not self.sample_posterior:
            return np.where(missing, proba @ self.means_, values)
        rng = np.random.default_rng(self._seed)
        component = (proba.cumsum(axis=1) < rng.random(len(proba))[:, None]).sum(axis=1)
        component = np.minimum(component, self.n_components_ - 1)
        draws = (self.means_[component]
                 + np.sqrt(self.variances_[component]) * rng.standard_normal(values.shape))
        return np.where(missing, draws, values)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def _statistics(values: np.ndarray, observed: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed values (0 where missing), their squares and the 0/1 mask."""
    filled = np.where(observed, values, 0.0)
    return filled, filled**2, observed.astype(np.float64)


def _log_joint(stats: tuple[np.ndarray, np.ndarray, np.ndarray], weights: np.ndarray,
               means: np.ndarray, variances: np.ndarray) -> np.ndarray:
    """log w_c + log N(x_obs; mu_c, diag var_c) for every patient and component."""
    filled, squares, mask = stats
    precision = 1.0 / variances
    quad = (squares @ precision.T - 2.0 * filled @ (means * precision).T
            + mask @ (means**2 * precision + np.log(2.0 * np.pi * variances)).T)
    with np.errstate(divide="ignore"):
        return -0.5 * quad + np.log(weights)


def _normalize(logp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior probabilities and the log of the normalizer of each row."""
    top = logp.max(axis=1, keepdims=True)
    prob = np.exp(logp - top)
    total = prob.sum(axis=1, keepdims=True)
    return prob / total, (np.log(total) + top)[:, 0]


def _fit_em(values: np.ndarray, observed: np.ndarray, K: int, n_init: int, max_iter: int,
            tol: float, seed: int) -> dict:
    """Best of ``n_init`` EM runs started from k-means on the mean-filled data."""
    from sklearn.cluster import KMeans

    n = values.shape[0]
    stats = _statistics(values, observed)
    filled0, squares, mask = stats
    column_mean = filled0.sum(axis=0) / mask.sum(axis=0)
    filled = np.where(observed, values, column_mean)
    starts = np.random.default_rng(seed).integers(np.iinfo(np.int32).max, size=n_init)
    best: dict | None = None
    for start in starts:
        labels = KMeans(K, n_init=1, random_state=int(start)).fit(filled).labels_
        resp = np.eye(K)[labels]
        previous = -np.inf
        converged = False
        iteration = 0
        while iteration < max_iter:
            iteration += 1
            weights = np.maximum(resp.sum(axis=0) / n, np.finfo(float).tiny)
            counts = np.maximum(resp.T @ mask, 1e-10)
            means = (resp.T @ filled0) / counts
            variances = np.maximum((resp.T @ squares) / counts - means**2, 0.0) + REG_VARIANCE
            resp, norm = _normalize(_log_joint(stats, weights, means, variances))
            loglik = float(norm.sum())
            if loglik - previous < tol * n:
                converged = True
                break
            previous = loglik
        if best is None or loglik > best["loglik"]:
            best = {"weights": weights, "means": means, "variances": variances,
                    "loglik": loglik, "n_iter": iteration, "converged": converged}
    assert best is not None
    return best
