"""The latent class model of ``ConsensusClustering(method="mixed")``: mixed data, missing values.

A finite mixture with local independence (a latent class model, or a
latent class / latent profile model for mixed data): given the subgroup,
the features are independent, each with its own distribution:

- **binary, nominal (categorical) and ordinal** features: a categorical
  distribution over the levels observed (Bernoulli for two levels). Ordinal
  features (ESSDAI domain levels, questionnaire items) are modelled over
  their levels without an ordering constraint: a domain's level is
  "involved or not, then how much", which a latent-normal ordered model does
  not describe, and the free model costs ``L - 1`` parameters per subgroup,
  which BIC counts. Every level probability is smoothed by a pseudo-count of
  :data:`PSEUDO_COUNT` (a Dirichlet prior, maximum a posteriori), so that a
  level absent from a subgroup of the data does not get probability 0 (and
  the likelihood no unbounded value);
- **continuous** features: a normal distribution per subgroup (own mean
  and variance, on values standardized over the observed ones), its
  variance floored at :data:`VARIANCE_FLOOR`.

**Missing values** are left out of each patient's likelihood (full
information maximum likelihood): a patient contributes the features observed
for it, which is exact when values are missing at random. Nothing is
imputed.

Fitted by EM, vectorized: the log-likelihood of all patients for all
subgroups is two matrix products (the one-hot levels against the log level
probabilities; the observed continuous values, their squares and the
observation mask against the normal parameters). Several starts: each from
the partition of one k-means run (k-means++ seeds, its own seed) on the
one-hot levels and standardized values (missing entries at 0, the mean);
the start of highest likelihood after EM is kept.

Why not StepMix (MIT; Morin et al., J Stat Softw 2025), the Python peer,
as the engine: it has no ordinal model either, and its categorical model
with missing values encodes every feature over the largest number of levels;
the fits inside consensus clustering (every k, every resample, the null
data sets of a test) need control of the starts and their seeds, the
smoothing of sparse levels, and prediction on new patients with levels
never seen; written here, the EM is a few vectorized lines. The benchmark
(``benchmarks/bench_phenotypes.py``) fits StepMix on the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

KINDS = ("binary", "categorical", "ordinal", "continuous")
# one pseudo-observation spread over a feature's levels: a level absent from a subgroup
# keeps a small probability
PSEUDO_COUNT = 0.5
VARIANCE_FLOOR = 1e-3
MAX_ITER = 500
TOL = 1e-6  # change of the mean log-likelihood per patient that stops EM
# integer-valued features with at most this many distinct values and no schema kind are
# taken as ordinal (levels), others as continuous
MAX_LEVELS = 12
# Binary pairs modelled as one categorical feature: anti-La is tested and reported with
# anti-Ro and is rarely positive without it (about 3 % of anti-Ro-negative patients), so
# within a subgroup the two are not independent; as two features, a latent class model
# needs an extra subgroup to explain their association (on the planted clinical
# phenotypes, n = 2,000: a stable fourth subgroup, ARI 0.48 instead of 0.75).
JOINT = (("anti_ro", "anti_la"),)
LLOYD_ITER = 10
# EM iterations of each start before the best start is run to convergence
SCREEN_ITER = 20


def feature_kinds(values: np.ndarray, names: Any = None, schema: Any = None) -> list[str]:
    """The kind of every feature: the schema's (``binary``, ``categorical``,
    ``ordinal``, ``continuous``; other kinds count as continuous), else from
    its observed values: two values 0/1 binary, integer-valued with at most
    :data:`MAX_LEVELS` values ordinal, else continuous."""
    from .._utils.kinds import column_kind

    out = []
    for j in range(values.shape[1]):
        column = values[:, j]
        observed = column[np.isfinite(column)]
        kind = None
        if names is not None and schema is not None:
            var = schema.get(str(names[j]))
            kind = column_kind(names[j], schema) if var is not None else None
        if kind is None:
            distinct = np.unique(observed)
            if distinct.size <= 2 and set(distinct.tolist()) <= {0.0, 1.0}:
                kind = "binary"
            elif (distinct.size <= MAX_LEVELS and np.allclose(distinct, np.round(distinct))):
                kind = "ordinal"
            else:
                kind = "continuous"
        out.append(kind if kind in KINDS else "continuous")
    return out


def joint_pairs(names: Any, kinds: list[str]) -> list[tuple[int, int]]:
    """Positions of the binary pairs of :data:`JOINT` that are both among the features."""
    if names is None:
        return []
    position = {str(name): j for j, name in enumerate(names)}
    return [(position[a], position[b]) for a, b in JOINT
            if a in position and b in position
            and kinds[position[a]] == kinds[position[b]] == "binary"]


@dataclass
class Encoding:
    """How the features of ``X`` enter the model: levels of the discrete ones, centre
    and scale of the continuous ones (from the training data). A pair of ``pairs``
    (two binary columns, e.g. anti-Ro and anti-La) is one categorical feature of
    the four combinations, missing unless both are observed; it comes last among
    the discrete features."""

    kinds: list[str]
    discrete: np.ndarray  # column positions
    levels: list[np.ndarray]  # observed levels of each discrete feature
    continuous: np.ndarray
    center: np.ndarray
    scale: np.ndarray
    pairs: list[tuple[int, int]]

    @classmethod
    def fit(cls, values: np.ndarray, kinds: list[str],
            pairs: list[tuple[int, int]] | None = None) -> Encoding:
        pairs = list(pairs or [])
        paired = {j for pair in pairs for j in pair}
        discrete = np.array([j for j, k in enumerate(kinds)
                             if k != "continuous" and j not in paired], dtype=int)
        continuous = np.array([j for j, k in enumerate(kinds) if k == "continuous"], dtype=int)
        levels = [np.unique(values[np.isfinite(values[:, j]), j]) for j in discrete]
        for a, b in pairs:
            code = 2.0 * values[:, a] + values[:, b]
            levels.append(np.unique(code[np.isfinite(code)]))
        cont = values[:, continuous]
        with np.errstate(invalid="ignore"):
            center = np.nan_to_num(np.nanmean(cont, axis=0)) if continuous.size else np.zeros(0)
            scale = np.nan_to_num(np.nanstd(cont, axis=0), nan=1.0) if continuous.size else \
                np.zeros(0)
        return cls(kinds, discrete, levels, continuous, center, np.where(scale > 0, scale, 1.0),
                   pairs)

    @property
    def n_levels(self) -> np.ndarray:
        return np.array([lv.size for lv in self.levels], dtype=int)

    def _columns(self, values: np.ndarray) -> list[np.ndarray]:
        """The discrete features' values: the columns, then each pair's code."""
        out = [values[:, j] for j in self.discrete]
        return out + [2.0 * values[:, a] + values[:, b] for a, b in self.pairs]

    def _blocks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Feature of every level column, each feature's first column, and which
        level columns belong to a hurdle feature (every level but the lowest)."""
        sizes = self.n_levels
        feature = np.repeat(np.arange(sizes.size), sizes)
        first = np.r_[0, np.cumsum(sizes)[:-1]]
        kinds = [self.kinds[j] for j in self.discrete] + ["categorical"] * len(self.pairs)
        hurdle = np.array([kind == "ordinal" and lv.size > 2
                           for kind, lv in zip(kinds, self.levels)], dtype=bool)
        above = hurdle[feature] & ~np.isin(np.arange(feature.size), first)
        return feature, first, above

    def level_probabilities(self, counts: np.ndarray) -> np.ndarray:
        """The M-step of the discrete features from the expected counts (levels x k):
        categorical, or for an ordinal feature the hurdle model (class-specific share
        above the lowest level, levels above it distributed as pooled over classes),
        each smoothed by :data:`PSEUDO_COUNT`."""
        member, above, prior = self._m_step_arrays()
        smoothed = counts + prior
        theta = smoothed / (member @ (member.T @ smoothed))  # each feature's levels sum to 1
        if above.any():
            # each class's share above the lowest level, spread over those levels as they
            # are pooled over the classes
            upper = member[above]
            pooled = smoothed[above].sum(axis=1)
            grade = pooled / (upper @ (upper.T @ pooled))
            theta[above] = (upper @ (upper.T @ theta[above])) * grade[:, None]
        return theta

    def _m_step_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Level-to-feature membership (levels x features), the hurdle levels and the
        pseudo-counts, computed once."""
        cached = getattr(self, "_cached", None)
        if cached is None:
            feature, _, above = self._blocks()
            sizes = self.n_levels
            member = np.zeros((feature.size, sizes.size))
            member[np.arange(feature.size), feature] = 1.0
            cached = (member, above, (PSEUDO_COUNT / sizes)[feature][:, None])
            self._cached = cached
        return cached

    def n_level_parameters(self, k: int) -> int:
        """Free parameters of the discrete features for ``k`` classes."""
        _, _, above = self._blocks()
        sizes = self.n_levels
        hurdle_features = np.unique(self._blocks()[0][above])
        total = 0
        for i, size in enumerate(sizes):
            if i in hurdle_features:
                total += k + (size - 2)  # share above the lowest per class, shared grades
            else:
                total += k * (size - 1)
        return int(total)

    def transform(self, values: np.ndarray) -> Data:
        """One-hot levels (a level not seen in training counts as missing), the
        standardized continuous values and their observation mask."""
        n = values.shape[0]
        sizes = self.n_levels
        offsets = np.r_[0, np.cumsum(sizes)]
        onehot = np.zeros((n, int(offsets[-1])))
        seen = np.zeros((n, sizes.size), dtype=bool)
        for i, (x, lv) in enumerate(zip(self._columns(values), self.levels)):
            pos = np.searchsorted(lv, x)
            pos = np.minimum(pos, lv.size - 1)
            hit = np.isfinite(x) & (lv[pos] == x)
            onehot[np.flatnonzero(hit), offsets[i] + pos[hit]] = 1.0
            seen[:, i] = hit
        cont = (values[:, self.continuous] - self.center) / self.scale
        mask = np.isfinite(cont)
        return Data(onehot, seen, np.where(mask, cont, 0.0), mask.astype(float), offsets)


@dataclass
class Data:
    onehot: np.ndarray  # n x total levels
    seen: np.ndarray  # n x discrete features (observed, as a level seen in training)
    x: np.ndarray  # n x continuous (0 where missing)
    mask: np.ndarray  # n x continuous, 1.0 where observed
    offsets: np.ndarray

    def rows(self, idx: np.ndarray) -> Data:
        return Data(self.onehot[idx], self.seen[idx], self.x[idx], self.mask[idx], self.offsets)

    @property
    def n(self) -> int:
        return self.onehot.shape[0]


def _lloyd(values: np.ndarray, k: int, seed: int, n_iter: int = LLOYD_ITER) -> np.ndarray:
    """A k-means partition: k-means++ seeds, then at most ``n_iter`` Lloyd iterations
    (a start for EM: it need not converge)."""
    from sklearn.cluster import kmeans_plusplus

    centers, _ = kmeans_plusplus(values, k, random_state=seed)
    squares = (values**2).sum(axis=1)[:, None]
    labels = np.zeros(values.shape[0], dtype=np.int64)
    for i in range(n_iter):
        d2 = squares - 2.0 * values @ centers.T + (centers**2).sum(axis=1)[None, :]
        new = np.argmin(d2, axis=1)
        if i and np.array_equal(new, labels):
            break
        labels = new
        counts = np.bincount(labels, minlength=k)
        sums = np.zeros_like(centers)
        np.add.at(sums, labels, values)
        centers = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], centers)
    return labels


def _logsumexp(a: np.ndarray) -> np.ndarray:
    top = a.max(axis=1, keepdims=True)
    return (top + np.log(np.exp(a - top).sum(axis=1, keepdims=True)))[:, 0]


class LatentClassModel:
    """A fitted mixture of ``k`` latent classes (see the module docstring).

    Attributes: ``weights_`` (k,), ``log_theta_`` (total levels, k) log level
    probabilities, ``means_`` and ``variances_`` (k, continuous features) in
    standardized units, ``log_likelihood_`` (total, at the fitted rows),
    ``n_iter_``, ``converged_``, ``encoding``.
    """

    def __init__(self, encoding: Encoding, k: int) -> None:
        self.encoding = encoding
        self.n_components = k

    # ----------------------------------------------------------------- EM
    def _m_step(self, data: Data, resp: np.ndarray) -> None:
        nk = resp.sum(axis=0)
        self.weights_ = (nk + 1e-10) / (nk.sum() + 1e-10 * nk.size)
        if data.onehot.shape[1]:
            self.log_theta_ = np.log(self.encoding.level_probabilities(data.onehot.T @ resp))
        else:
            self.log_theta_ = np.zeros((0, resp.shape[1]))
        if data.x.shape[1]:
            weight = data.mask.T @ resp  # continuous x k
            w = np.maximum(weight, 1e-10)
            means = (data.x.T @ resp) / w
            second = ((data.x**2).T @ resp) / w
            variances = np.maximum(second - means**2, 0.0)
            # a component without observations of a feature gets the pooled values
            empty = weight < 1e-8
            means = np.where(empty, 0.0, means)
            variances = np.where(empty, 1.0, variances)
            self.means_ = means.T
            self.variances_ = np.maximum(variances.T, VARIANCE_FLOOR)
        else:
            self.means_ = np.zeros((resp.shape[1], 0))
            self.variances_ = np.ones((resp.shape[1], 0))

    def _joint(self, data: Data) -> np.ndarray:
        """log(weight_c) + log p(x_i | c), n x k."""
        out = data.onehot @ self.log_theta_ + np.log(self.weights_)[None, :]
        if data.x.shape[1]:
            precision = 1.0 / self.variances_  # k x d
            quad = ((data.x**2) @ precision.T - 2.0 * data.x @ (self.means_ * precision).T
                    + data.mask @ (self.means_**2 * precision).T)
            logdet = data.mask @ np.log(2 * np.pi * self.variances_).T
            out = out - 0.5 * (quad + logdet)
        return out

    def _em(self, data: Data, resp: np.ndarray, max_iter: int = MAX_ITER
            ) -> tuple[float, np.ndarray]:
        """EM from the responsibilities ``resp``; the log-likelihood and the last
        responsibilities."""
        previous = -np.inf
        self.converged_ = False
        for iteration in range(1, max_iter + 1):
            self._m_step(data, resp)
            joint = self._joint(data)
            norm = _logsumexp(joint)
            total = float(norm.sum())
            resp = np.exp(joint - norm[:, None])
            self.n_iter_ = iteration
            if total - previous < TOL * data.n:
                self.converged_ = True
                break
            previous = total
        self._m_step(data, resp)
        norm = _logsumexp(joint := self._joint(data))
        self.log_likelihood_ = float(norm.sum())
        return self.log_likelihood_, np.exp(joint - norm[:, None])

    def fit(self, data: Data, seed: int, n_init: int, start: LatentClassModel | None = None
            ) -> LatentClassModel:
        """EM from ``n_init`` k-means starts (or one run from ``start``'s parameters);
        keeps the parameters of highest likelihood."""
        k = self.n_components
        if start is not None:
            self._em(data, start.predict_proba_data(data))
            return self
        if k == 1:
            self._em(data, np.ones((data.n, 1)), max_iter=1)
            return self
        embedded = np.hstack([data.onehot, data.x])
        seeds = np.random.default_rng(seed).integers(0, 2**31 - 1, size=n_init)
        best: tuple[float, np.ndarray] | None = None
        for s in seeds:
            labels = _lloyd(embedded, k, int(s))
            resp = np.zeros((data.n, k))
            resp[np.arange(data.n), labels] = 1.0
            # short runs screen the starts, the best one runs to convergence (em-EM)
            total, resp = self._em(data, resp, max_iter=SCREEN_ITER if n_init > 1 else MAX_ITER)
            if best is None or total > best[0]:
                best = (total, resp)
        assert best is not None
        if n_init > 1:
            self._em(data, best[1])
        return self

    # -------------------------------------------------------- prediction
    def predict_proba_data(self, data: Data) -> np.ndarray:
        joint = self._joint(data)
        return np.exp(joint - _logsumexp(joint)[:, None])

    def predict_proba(self, values: np.ndarray) -> np.ndarray:
        return self.predict_proba_data(self.encoding.transform(values))

    def predict(self, values: np.ndarray) -> np.ndarray:
        return np.argmax(self.predict_proba(values), axis=1)

    def n_parameters(self) -> int:
        k = self.n_components
        return int((k - 1) + self.encoding.n_level_parameters(k)
                   + k * 2 * self.encoding.continuous.size)

    def bic(self, values: np.ndarray) -> float:
        """BIC of the fit at ``values`` (lower is better)."""
        data = self.encoding.transform(values)
        total = float(_logsumexp(self._joint(data)).sum())
        return -2.0 * total + self.n_parameters() * np.log(data.n)

    def icl(self, values: np.ndarray) -> float:
        """BIC plus twice the entropy of the posterior (Biernacki, Celeux and Govaert 2000)."""
        proba = self.predict_proba(values)
        entropy = -float(np.sum(proba * np.log(np.clip(proba, 1e-300, None))))
        return self.bic(values) + 2.0 * entropy

    def class_log_likelihood(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """log p(x_i | class c) (n x k) and the number of features observed per patient."""
        data = self.encoding.transform(values)
        observed = data.seen.sum(axis=1) + data.mask.sum(axis=1)
        return self._joint(data) - np.log(self.weights_)[None, :], observed


def fit_latent_class(values: np.ndarray, k: int, seed: int, encoding: Encoding, n_init: int,
                     start: Any = None) -> LatentClassModel:
    """A latent class model of ``k`` classes fitted to ``values`` (NaN = missing)."""
    return LatentClassModel(encoding, int(k)).fit(encoding.transform(values), seed, n_init,
                                                  start=start)


class Identity:
    """The reduction of ``method="mixed"``: none (the model reads the features as given)."""

    def __init__(self, n_features: int) -> None:
        self.n_features_ = n_features
        self.n_components_ = n_features
        self.pca_ = None

    def transform(self, values: np.ndarray) -> np.ndarray:
        return values

    def residual(self, values: np.ndarray) -> np.ndarray:
        return np.zeros(values.shape[0])
