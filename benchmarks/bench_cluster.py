"""Consensus clustering at scale: time, peak memory, k chosen and ARI.

Data: four Gaussian subgroups of 40/30/20/10 % in 30 features, of which 6
carry the subgroup means (the others are noise), with arbitrary units.

Methods
-------
``stratify-gmm``, ``stratify-kmeans``
    ``ConsensusClustering(method)`` with its defaults
    (k in 2..8, consensus on at most 2,000 anchor patients, the documented
    rule for k).
``plain-coassociation``
    What one writes with numpy and scikit-learn, done well: standardize, the
    same number of resamples of 80 % x the same k = 2..8, ``KMeans(n_init=1)``
    per resample and k, exact n x n co-clustering and co-sampling matrices
    accumulated as products of indicator matrices (one BLAS product per k,
    float32), PAC over all pairs in row blocks, k of lowest PAC, final
    ``KMeans(n_init=10)``. Its memory is two n x n float32 matrices: 0.8 GB at
    10,000 patients, 80 GB at 100,000, where it cannot run (the row says so).

Suites: ``quick`` 1,000 patients, 20 resamples, ``stratify-kmeans`` and the
plain version (the GMM's consensus is timed in the full suite, and at 1,000
patients on the pSS cohort in the quick ``recovery`` and ``workflow`` tasks);
``full`` 1,000, 10,000 and 100,000 patients, d = 30 and 50 resamples (the
workflow's default), seed 0 only (timings). Every method runs in one process
with one BLAS thread (the runner's default), so time and memory compare like
with like (on two cores, ``n_jobs=2`` runs the resamples of ``stratify`` on both).
Time and peak memory by :func:`benchmarks._measure.measure`.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import adjusted_rand_score

from benchmarks._measure import measure

SIZES = (0.4, 0.3, 0.2, 0.1)
SUITES = {"quick": {"n": (1_000,), "n_resamples": 20, "methods": ("stratify-kmeans",)},
          "full": {"n": (1_000, 10_000, 100_000), "n_resamples": 50,
                   "methods": ("stratify-gmm", "stratify-kmeans")}}
SUITE_SEEDS = {"full": (0,)}
"""Seeds run (read by the runner): the full suite times seed 0 only."""
SUITE_NOTES = {"quick": "stratify-kmeans and the plain version only (no GMM).",
               "full": ("50 consensus resamples, d = 30; the plain exact-matrix version up to "
                        "10,000 patients (80 GB of matrices at 100,000).")}
PLAIN_MAX_N = 10_000
K_RANGE = range(2, 9)


def make_data(n: int, d: int = 30, informative: int = 6, seed: int = 0
              ) -> tuple[np.ndarray, np.ndarray]:
    """Four subgroups (40/30/20/10 %), ``informative`` of ``d`` features carry them."""
    rng = np.random.default_rng(seed)
    # 4 SDs apart on two features: moderate overlap (Bayes-optimal ARI about 0.93)
    centres = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 4.0]])
    centres = np.hstack([centres, rng.normal(0, 0.5, (4, informative - 2))])
    y = rng.choice(4, size=n, p=SIZES)
    X = rng.normal(size=(n, d))
    X[:, :informative] += centres[y]
    X = X * rng.uniform(0.5, 5.0, d) + rng.normal(0, 10, d)
    return X, y


def plain_coassociation(X: np.ndarray, k_range=K_RANGE, n_resamples: int = 50,
                        subsample: float = 0.8, seed: int = 0) -> tuple[np.ndarray, int]:
    """Monti's consensus clustering written directly with exact n x n matrices."""
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    Z = StandardScaler().fit_transform(X)
    n = len(Z)
    rng = np.random.default_rng(seed)
    draws = [np.sort(rng.choice(n, int(subsample * n), replace=False))
             for _ in range(n_resamples)]
    drawn = np.zeros((n, n_resamples), dtype=np.float32)
    for r, idx in enumerate(draws):
        drawn[idx, r] = 1.0
    sampled = drawn @ drawn.T                      # pairs drawn together (n x n)
    best_pac, best_k = np.inf, k_range[0]
    for k in k_range:
        member = np.zeros((n, n_resamples * k), dtype=np.float32)
        for r, idx in enumerate(draws):
            labels = KMeans(k, n_init=1, random_state=seed + r).fit_predict(Z[idx])
            member[idx, r * k + labels] = 1.0
        together = member @ member.T               # pairs clustered together (n x n)
        ambiguous = pairs = 0
        for start in range(0, n, 1000):            # PAC over pairs, in row blocks
            block = slice(start, min(start + 1000, n))
            with np.errstate(invalid="ignore", divide="ignore"):
                consensus = together[block] / sampled[block]
            off = np.ones(consensus.shape, dtype=bool)
            off[np.arange(consensus.shape[0]), np.arange(block.start, block.stop)] = False
            valid = off & np.isfinite(consensus)
            ambiguous += int(np.count_nonzero(valid & (consensus > 0.1) & (consensus <= 0.9)))
            pairs += int(np.count_nonzero(valid))
        del together
        pac = ambiguous / max(pairs, 1)
        if pac < best_pac:
            best_pac, best_k = pac, k
    return KMeans(best_k, n_init=10, random_state=seed).fit_predict(Z), best_k


def _stratify(X: np.ndarray, method: str, n_resamples: int, seed: int
              ) -> tuple[np.ndarray, int]:
    from stratify.cluster import ConsensusClustering

    model = ConsensusClustering(method=method, n_resamples=n_resamples, random_state=seed)
    model.fit(X)
    return model.labels_, model.k_


def run(suite: str = "quick", seed: int = 0) -> list[dict]:
    rows = []
    resamples = SUITES[suite]["n_resamples"]
    for n in SUITES[suite]["n"]:
        X, y = make_data(n, seed=seed)
        methods = list(SUITES[suite]["methods"])
        if n <= PLAIN_MAX_N:
            methods.append("plain-coassociation")
        else:
            rows.append({"task": "cluster_scale", "method": "plain-coassociation",
                         "dataset": "gaussian-4 d=30", "n": n, "seed": seed,
                         "n_resamples": resamples, "seconds": np.nan, "peak_memory_mb": np.nan,
                         "note": (f"cannot run: two exact n x n float32 matrices need "
                                  f"{2 * 4 * n * n / 1e9:.0f} GB")})
        for method in methods:
            if method == "plain-coassociation":
                (labels, k), seconds, peak = measure(plain_coassociation, X, seed=seed,
                                                     n_resamples=resamples)
            else:
                (labels, k), seconds, peak = measure(_stratify, X, method.split("-")[1],
                                                     resamples, seed)
            rows.append({
                "task": "cluster_scale", "method": method, "dataset": "gaussian-4 d=30",
                "n": n, "seed": seed, "n_resamples": resamples,
                "ari": float(adjusted_rand_score(y, labels)), "k_chosen": int(k), "k_true": 4,
                "seconds": seconds, "peak_memory_mb": peak,
            })
    return rows
