"""Choosing k on random mixtures with centre shifts, unequal sizes and missing values.

Data (:func:`make_mixture`): k = 2-5 Gaussian subgroups of random sizes (at
least 10 %, at most 45 % when k > 2), 3-6 informative features among 10 or
30 (subgroup means at least 2.7 SDs apart), n = 500, 750 or 1,000 patients in
4 centres whose additive shifts (0.5 SD per feature) ComBat removes, every
feature in arbitrary units, then 15 % of the values missing completely at
random. Seed ``s`` of the runner draws mixtures ``8 s .. 8 s + 7`` (the full
suite: 24 mixtures), the quick suite the first of seed 0.

Every method starts from the same ComBat-corrected frame
(:class:`stratify.preprocess.CenterCorrector`, not timed) and chooses k in
2..8:

``stratify``
    ``ConsensusClustering()`` on the frame with its missing values (imputed
    inside by draws from a mixture fitted to the observed values).
``stratify-iterative``
    Chained-equation imputation first (``make_imputer("iterative")``), then
    ``ConsensusClustering()``: what one would do without the mixture imputer.
``stratify-complete``
    ``ConsensusClustering()`` on the same patients before values were
    removed: the ceiling.
``plain``
    The scikit-learn way: ``IterativeImputer``, ``StandardScaler``,
    ``GaussianMixture`` (full covariances, 5 starts) for every k and the k of
    lowest BIC. The time and memory ratios are against it.

The full suite also runs ``mixtures_own_covariance``
(:func:`make_own_covariance_mixture`): complete data whose subgroups each
have their own covariance (a random rotation of the informative features
and SDs of 0.5-1.5 along its axes, subgroup means at least 3.15 SDs apart),
otherwise drawn as above without centres; ``stratify`` against ``plain``.
It measures the limit of choosing k by BIC when the shared ("tied")
covariance is cheaper than one per subgroup but does not describe them.

Rows: one per mixture and method, with ``k_true``, ``k_chosen``, ``hit``
(the planted k found) and the ARI against the planted subgroups; the
summary's headline counts the hits. ``ConsensusClustering`` runs with
``n_resamples=20`` (timings are of the whole fit, one process).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from benchmarks._measure import measure, ratios

SUITES = {"quick": {"per_seed": 1, "methods": ("stratify", "plain")},
          "full": {"per_seed": 8, "own_covariance": 8,
                   "methods": ("stratify", "stratify-iterative", "stratify-complete", "plain")}}
SUITE_NOTES = {"quick": "one mixture, stratify and the plain version only; no "
                        "own-covariance mixtures."}
K_RANGE = range(2, 9)
MISSING = 0.15
N_RESAMPLES = 20


def _design(rng: np.random.Generator, separation: float
            ) -> tuple[int, int, int, int, np.ndarray, np.ndarray, np.ndarray]:
    """k, n, d, the number of informative features, the planted labels, the
    subgroup centres (at least 0.9 x ``separation`` apart) and standard normal
    noise (n, d), drawn in that order."""
    k = int(rng.integers(2, 6))
    n = int(rng.choice([500, 750, 1000]))
    d = int(rng.choice([10, 30]))
    informative = int(rng.integers(3, 7))
    while True:
        weights = rng.dirichlet(np.full(k, 2.0))
        if weights.min() >= 0.10 and (k == 2 or weights.max() <= 0.45):
            break
    while True:
        centres = rng.normal(size=(k, informative)) * separation / np.sqrt(2)
        gaps = np.linalg.norm(centres[:, None] - centres[None], axis=2)[np.triu_indices(k, 1)]
        if gaps.min() > 0.9 * separation:
            break
    y = rng.choice(k, size=n, p=weights)
    return k, n, d, informative, y, centres, rng.normal(size=(n, d))


def _patients(n: int) -> pd.Index:
    return pd.Index([f"P{i:04d}" for i in range(n)], name="patient_id")


def make_mixture(index: int) -> dict:
    """Mixture number ``index``: the frame with missing values and a ``center``
    column, the same frame complete, the planted labels and their number."""
    rng = np.random.default_rng(index)
    k, n, d, informative, y, centres, X = _design(rng, separation=3.0)
    X[:, :informative] += centres[y]
    centre = rng.integers(0, 4, size=n)
    X += rng.normal(0, 0.5, size=(4, d))[centre]
    X = X * rng.uniform(0.5, 5, size=d) + rng.normal(0, 10, size=d)
    incomplete = np.where(rng.random(X.shape) < MISSING, np.nan, X)
    columns = [f"f{j}" for j in range(d)]
    index_ = _patients(n)
    centres_ = pd.Series([f"C{c}" for c in centre], index=index_, name="center")
    return {"k": k, "n": n, "d": d, "informative": informative, "y": y,
            "missing": pd.DataFrame(incomplete, index=index_, columns=columns).join(centres_),
            "complete": pd.DataFrame(X, index=index_, columns=columns).join(centres_)}


def make_own_covariance_mixture(index: int) -> dict:
    """Own-covariance mixture number ``index`` (complete, no centres): the
    frame, the planted labels and their number."""
    rng = np.random.default_rng(1000 + index)
    k, n, d, informative, y, centres, X = _design(rng, separation=3.5)
    for j in range(k):
        rotation, _ = np.linalg.qr(rng.normal(size=(informative, informative)))
        shape = rotation * rng.uniform(0.5, 1.5, size=informative)
        X[y == j, :informative] = X[y == j, :informative] @ shape.T
    X[:, :informative] += centres[y]
    X = X * rng.uniform(0.5, 5, size=d)
    return {"k": k, "n": n, "d": d, "informative": informative, "y": y,
            "complete": pd.DataFrame(X, index=_patients(n), columns=[f"f{j}" for j in range(d)])}


def _corrected(frame: pd.DataFrame) -> pd.DataFrame:
    from stratify.preprocess import CenterCorrector

    return CenterCorrector(method="combat").fit_transform(frame).drop(columns="center")


def _stratify(X: pd.DataFrame, seed: int, impute: bool = False) -> tuple[np.ndarray, int]:
    from stratify.cluster import ConsensusClustering

    if impute:
        from stratify.impute import make_imputer

        X = make_imputer("iterative", random_state=seed).fit_transform(X)
    model = ConsensusClustering(k_range=K_RANGE, n_resamples=N_RESAMPLES,
                                random_state=seed).fit(X)
    return np.asarray(model.labels_), int(model.k_)


def plain(X: pd.DataFrame, seed: int) -> tuple[np.ndarray, int]:
    """IterativeImputer, StandardScaler, GaussianMixture per k, lowest BIC."""
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer
    from sklearn.mixture import GaussianMixture
    from sklearn.preprocessing import StandardScaler

    Z = StandardScaler().fit_transform(IterativeImputer(random_state=seed).fit_transform(X))
    fits = [GaussianMixture(k, n_init=5, random_state=seed).fit(Z) for k in K_RANGE]
    best = min(fits, key=lambda gm: gm.bic(Z))
    return best.predict(Z), int(best.n_components)


def _measured(task: str, dataset: str, mix: dict, seed: int, calls: dict[str, tuple]
              ) -> list[dict]:
    """One row per method of ``calls`` (method: (function, *arguments)), each
    call measured alone; time and memory ratios against ``plain`` when it ran."""
    rows, measured = [], {}
    for method, (function, *arguments) in calls.items():
        (labels, k), seconds, peak = measure(function, *arguments)
        measured[method] = (seconds, peak)
        rows.append({
            "task": task, "method": method,
            "dataset": f"{dataset} k={mix['k']} d={mix['d']}", "n": mix["n"],
            "seed": seed, "k_true": mix["k"], "k_chosen": k, "hit": int(k == mix["k"]),
            "ari": float(adjusted_rand_score(mix["y"], labels)),
            "seconds": seconds, "peak_memory_mb": peak,
        })
    if "plain" in measured:
        for row in rows:
            row.update(ratios(*measured[row["method"]], *measured["plain"]))
    return rows


def run(suite: str = "quick", seed: int = 0) -> list[dict]:
    config = SUITES[suite]
    rows = []
    for index in range(8 * seed, 8 * seed + config["per_seed"]):
        mix = make_mixture(index)
        incomplete = _corrected(mix["missing"])
        calls = {method: (plain, incomplete, seed) if method == "plain"
                 else (_stratify, _corrected(mix["complete"]), seed)
                 if method == "stratify-complete"
                 else (_stratify, incomplete, seed, method == "stratify-iterative")
                 for method in config["methods"]}
        rows += _measured("mixtures_k", f"mixture-{index}", mix, seed, calls)
    for index in range(8 * seed, 8 * seed + config.get("own_covariance", 0)):
        mix = make_own_covariance_mixture(index)
        calls = {"stratify": (_stratify, mix["complete"], seed),
                 "plain": (plain, mix["complete"], seed)}
        rows += _measured("mixtures_own_covariance", f"own-covariance-{index}", mix, seed, calls)
    return rows
