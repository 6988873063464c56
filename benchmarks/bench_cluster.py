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
    What one writes by hand with numpy and scikit-learn: standardize, the same
    number of resamples of 80 % x k = 2..6 ``KMeans(n_init=1)`` (250 fits for 50
    resamples) accumulated
    into exact n x n co-clustering and co-sampling matrices, k of lowest PAC,
    final ``KMeans(n_init=10)``. Only where its n x n matrices fit (n <= 10,000).

Suites: ``quick`` 1,000 patients, 20 resamples, ``stratify-kmeans`` and the
plain version (the GMM's consensus costs about 2 minutes on these data, over
the quick suite's budget; it is timed in the full suite, and at 1,000
patients on the pSS cohort in the quick ``recovery`` and ``workflow`` tasks);
``full`` 1,000, 10,000 and 100,000 patients and 20 resamples (time grows
linearly with them: the workflow's default 50 costs 2.5 times as much),
seed 0 only (timings), the plain version at 1,000 only: its exact n x n
matrices took over 9 minutes at 10,000 with 50 resamples on the loaded
2-core benchmark machine (PERFORMANCE.md: 975 MB), beyond the suite's time
budget; the row says so. Time and peak memory by
:func:`benchmarks._measure.measure`.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import adjusted_rand_score

from benchmarks._measure import measure

SIZES = (0.4, 0.3, 0.2, 0.1)
SUITES = {"quick": {"n": (1_000,), "n_resamples": 20, "methods": ("stratify-kmeans",)},
          "full": {"n": (1_000, 10_000, 100_000), "n_resamples": 20,
                   "methods": ("stratify-gmm", "stratify-kmeans"), "plain_max_n": 1_000}}
SUITE_SEEDS = {"full": (0,)}
"""Seeds run (read by the runner): the full suite times seed 0 only."""
SUITE_NOTES = {"quick": "stratify-kmeans and the plain version only (no GMM).",
               "full": ("20 consensus resamples; the plain exact-matrix version at 1,000 "
                        "patients only (over 9 minutes at 10,000).")}
PLAIN_MAX_N = 10_000


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


def plain_coassociation(X: np.ndarray, k_range=range(2, 7), n_resamples: int = 50,
                        subsample: float = 0.8, seed: int = 0) -> tuple[np.ndarray, int]:
    """Monti's consensus clustering written directly with an exact n x n matrix."""
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    Z = StandardScaler().fit_transform(X)
    n = len(Z)
    rng = np.random.default_rng(seed)
    draws = [np.sort(rng.choice(n, int(subsample * n), replace=False))
             for _ in range(n_resamples)]
    sampled = np.zeros((n, n), dtype=np.float32)
    for idx in draws:
        sampled[np.ix_(idx, idx)] += 1.0
    upper = np.triu_indices(n, 1)
    best_pac, best_k = np.inf, k_range[0]
    for k in k_range:
        together = np.zeros((n, n), dtype=np.float32)
        for r, idx in enumerate(draws):
            labels = KMeans(k, n_init=1, random_state=seed + r).fit_predict(Z[idx])
            same = (labels[:, None] == labels[None, :]).astype(np.float32)
            together[np.ix_(idx, idx)] += same
        with np.errstate(invalid="ignore", divide="ignore"):
            consensus = (together / sampled)[upper]
        consensus = consensus[np.isfinite(consensus)]
        pac = np.mean((consensus > 0.1) & (consensus <= 0.9))
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
        if PLAIN_MAX_N >= n > SUITES[suite].get("plain_max_n", PLAIN_MAX_N):
            methods.remove("plain-coassociation")
            rows.append({"task": "cluster_scale", "method": "plain-coassociation",
                         "dataset": "gaussian-4 d=30", "n": n, "seed": seed,
                         "n_resamples": resamples, "seconds": np.nan, "peak_memory_mb": np.nan,
                         "note": "skipped: over the suite's time budget (exact n x n matrices)"})
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
