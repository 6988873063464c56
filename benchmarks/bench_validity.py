"""The statistical-validity suite: does every inferential claim hold, by simulation?

Rows (task ``validity``) report a rate measured over ``replications``
simulated data sets with a known answer: ``estimate``, its Monte Carlo
standard error ``mc_se`` (binomial, ``sqrt(p (1 - p) / replications)``),
the ``nominal`` rate and whether the claim ``holds``. Claims are two-sided
(a level or a coverage within ``tolerance`` or 2 MC errors of nominal) or,
where the ``direction`` column says ``"at most"``, one-sided (a rate of
false findings at most nominal, within 2 MC errors).

Claims of this module (the others come from ``benchmarks/_validity_inference.py``:
interaction tests, per-subgroup intervals, Cox and cross-validation
intervals, calibration):

``structure found on null data``
    :func:`stratify.cluster.structure_test` with its defaults (39 reference
    null data sets, k = 2-8) on data without subgroups: a multivariate
    normal, a correlated one, a log-normal, a multivariate t with 3 degrees
    of freedom, the synthetic pSS cohort's expression block with every
    molecular subgroup effect set to 0, and its symptom block with every
    symptom profile equal; with and without 15 % of values missing (MCAR,
    imputed as :class:`~stratify.cluster.ConsensusClustering` imputes
    them; each reference null data set then loses the same values and is
    imputed the same way). Goal: at most 5 %.
``subgroups found on null data``
    The whole :class:`~stratify.cluster.ConsensusClustering` (``gmm`` and
    ``kmeans``, default rule; 20 resamples, which the structure test does
    not use) on the same null data: share of fits with ``k_ > 1``. Full
    suite only (each fit takes a minute).
``structure found on planted subgroups``
    Power: the test on the random mixtures of ``bench_mixtures`` (2-5
    subgroups, centre shifts removed by ComBat; 24 in the full suite),
    complete and with 15 % of values missing. ``nominal`` is 1.
``profile type-I``
    :func:`stratify.cluster.profile` on 20 independent normal features, the
    labels found by k-means (k = 2-4) on the first 10 (no structure): share
    of tests with p < 0.05, one test of each kind per replication. The
    features not clustered (``inference = "test"``) must hold 5 %; the
    clustered ones are what the library marks ``"descriptive"`` (role
    ``descriptive``: reported to show why, not a claim).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from benchmarks._measure import measure

TASK = "validity"
K_RANGE = list(range(2, 9))
SUITES: dict[str, dict[str, int]] = {
    "quick": {"n": 300, "null_reps": 4, "power_reps": 2, "profile_reps": 40, "fit_reps": 0},
    "full": {"n": 500, "null_reps": 100, "power_reps": 24, "profile_reps": 400,
             "fit_reps": 20},
}
NULL_SCENARIOS = ("gaussian", "correlated", "log-normal", "t3", "pss expression, no effect",
                  "pss symptoms, no effect")
TOLERANCE = 0.015


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, *keys]))


def null_data(scenario: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """One data set without subgroups (see the module docstring)."""
    d = 10
    if scenario == "gaussian":
        return rng.normal(size=(n, d))
    if scenario == "correlated":
        cov = 0.6 ** np.abs(np.subtract.outer(np.arange(d), np.arange(d)))
        return rng.multivariate_normal(np.zeros(d), cov, size=n)
    if scenario == "log-normal":
        return np.exp(rng.multivariate_normal(np.zeros(d), 0.3 + 0.7 * np.eye(d), size=n))
    if scenario == "t3":
        return rng.normal(size=(n, d)) / np.sqrt(rng.chisquare(3, size=(n, 1)) / 3)
    from stratify.synthetic import make_pss_cohort

    seed = int(rng.integers(2**31))
    if scenario == "pss expression, no effect":
        cohort = make_pss_cohort(n, missing="none", center_effects=False, molecular_effect=0.0,
                                 random_state=seed)
        return cohort.select(blocks=["molecular"]).to_numpy(dtype=float)
    if scenario == "pss symptoms, no effect":
        same = (5.5, 5.0, 4.0, 7.0, 6.0)
        profiles = {g: same for g in ("LSB", "DDF", "PDF", "HSB")}
        cohort = make_pss_cohort(n, missing="none", center_effects=False, molecular=False,
                                 symptom_profiles=profiles, random_state=seed)
        return cohort.select(blocks=["symptoms"]).to_numpy(dtype=float)
    raise ValueError(f"unknown scenario {scenario!r}")


def planted_data(index: int, missing: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Random mixture ``index`` of ``bench_mixtures`` (2-5 subgroups of 10-45 %,
    3-6 informative features of 10 or 30, n = 500-1,000), its centre shifts
    removed by ComBat: complete, or with its 15 % of values missing (MCAR)
    imputed as the clustering imputes them, and where they were missing."""
    from benchmarks.bench_mixtures import _corrected, make_mixture

    if not missing:
        return _corrected(make_mixture(index)["complete"]).to_numpy(dtype=float), None
    return _imputed(_corrected(make_mixture(index)["missing"]).to_numpy(dtype=float), index)


def _imputed(holed: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``holed`` imputed as the clustering imputes (mixture draws), and where it
    had missing values."""
    from stratify.impute import SchemaImputer

    imputed = SchemaImputer(method="mixture", sample_posterior=True,
                            random_state=seed).fit_transform(holed)
    return imputed, np.isnan(holed)


def _with_missing(values: np.ndarray, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
    """15 % of values missing completely at random, imputed as the clustering
    imputes; the imputed data and where the values were missing."""
    holed = values.copy()
    holed[rng.random(holed.shape) < 0.15] = np.nan
    return _imputed(holed, int(rng.integers(2**31)))


def _row(claim: str, method: str, dataset: str, n: int, seed: int, hits: list[bool],
         nominal: float, direction: str, seconds: float, memory: float,
         **extra: Any) -> dict[str, Any]:
    """A row of this module: the library's method, the level tolerance."""
    from benchmarks._validity_inference import _row as row

    return row(claim, method, "library", dataset, n, seed, hits, nominal, TOLERANCE, seconds,
               memory, direction=direction, **extra)


def _structure_rate(make: Any, reps: int, seed: int, key: int) -> list[bool]:
    from stratify.cluster import structure_test

    found = []
    for r in range(reps):
        values, missing = make(_rng(seed, key, r))
        found.append(structure_test(values, K_RANGE, missing=missing,
                                    random_state=r).structure)
    return found


def _structure_rows(suite: str, seed: int) -> list[dict[str, Any]]:
    config = SUITES[suite]
    n, rows = config["n"], []
    for i, scenario in enumerate(NULL_SCENARIOS):
        for missing in (False, True):
            def make(rng: np.random.Generator, scenario: str = scenario,
                     missing: bool = missing) -> tuple[np.ndarray, np.ndarray | None]:
                values = null_data(scenario, n, rng)
                return _with_missing(values, rng) if missing else (values, None)

            dataset = scenario + (", 15 % missing" if missing else "")
            start = time.perf_counter()
            hits, _, memory = measure(_structure_rate, make, config["null_reps"], seed,
                                      100 + 2 * i + missing)
            rows.append(_row("structure found on null data", "structure_test", dataset, n,
                             seed, hits, 0.05, "at most", time.perf_counter() - start,
                             memory))
    for missing in (False, True):
        start = time.perf_counter()
        hits, _, memory = measure(_power, config["power_reps"], seed, missing)
        dataset = ("bench_mixtures' random mixtures (ComBat, "
                   + ("15 % missing)" if missing else "complete)"))
        rows.append(_row("structure found on planted subgroups", "structure_test", dataset,
                         n, seed, hits, 1.0, "power", time.perf_counter() - start, memory))
    return rows


def _power(reps: int, seed: int, missing: bool) -> list[bool]:
    from stratify.cluster import structure_test

    found = []
    for i in range(reps):
        values, mask = planted_data(i, missing)
        found.append(structure_test(values, K_RANGE, missing=mask, random_state=seed).structure)
    return found


def _fit_rate(method: str, scenario: str, n: int, reps: int, seed: int, key: int
              ) -> tuple[list[bool], list[int]]:
    import warnings

    from stratify.cluster import ConsensusClustering

    found, ks = [], []
    for r in range(reps):
        values = null_data(scenario, n, _rng(seed, key, r))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ConsensusClustering(method=method, n_resamples=20, random_state=r,
                                        n_jobs=1).fit(values)
        found.append(model.k_ > 1)
        ks.append(model.k_)
    return found, ks


def _fit_rows(suite: str, seed: int) -> list[dict[str, Any]]:
    config = SUITES[suite]
    rows: list[dict[str, Any]] = []
    if not config["fit_reps"]:
        return rows
    for method in ("gmm", "kmeans"):
        for i, scenario in enumerate(NULL_SCENARIOS):
            start = time.perf_counter()
            (hits, ks), _, memory = measure(_fit_rate, method, scenario, config["n"],
                                            config["fit_reps"], seed, 300 + i)
            rows.append(_row("subgroups found on null data", f"ConsensusClustering({method})",
                             scenario, config["n"], seed, hits, 0.05, "at most",
                             time.perf_counter() - start, memory,
                             k_found=",".join(str(k) for k in ks)))
    return rows


def _profile_rates(reps: int, seed: int) -> dict[str, list[bool]]:
    """One replication: 20 independent normal features, k-means (k = 2-4) on the first
    10; one test of a clustered feature and one of another feature, each at 0.05."""
    import warnings

    from sklearn.cluster import KMeans

    from stratify.cluster import profile

    out: dict[str, list[bool]] = {"descriptive": [], "test": []}
    for r in range(reps):
        rng = _rng(seed, 400, r)
        X = rng.normal(size=(300, 20))
        k = 2 + r % 3
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            labels = KMeans(k, n_init=2, random_state=r).fit_predict(X[:, :10])
            table = profile(X, labels, clustered=[f"x{j}" for j in range(10)])
        # one row of each kind per replication, so that each rate is binomial
        for kind in out:
            rows = table[table["inference"] == kind]
            out[kind].append(bool(rows["p_value"].iloc[r % len(rows)] < 0.05))
    return out


def _profile_rows(suite: str, seed: int) -> list[dict[str, Any]]:
    reps = SUITES[suite]["profile_reps"]
    start = time.perf_counter()
    rates, _, memory = measure(_profile_rates, reps, seed)
    seconds = time.perf_counter() - start
    dataset = "20 independent normal features, k-means (k = 2-4) on 10 of them, n = 300"
    rows = [_row("profile type-I", "profile: features not clustered ('test')", dataset, 300,
                 seed, rates["test"], 0.05, "level", seconds, memory)]
    descriptive = _row("profile type-I", "profile: clustered features ('descriptive')",
                       dataset, 300, seed, rates["descriptive"], 0.05, "level", seconds,
                       memory)
    descriptive["role"] = "descriptive"  # marked descriptive by the library: not a test
    return rows + [descriptive]


def run(suite: str = "quick", seed: int = 0) -> list[dict[str, Any]]:
    """Rows of the validity suite (see the module docstring)."""
    from benchmarks import _validity_inference

    return [*_structure_rows(suite, seed), *_fit_rows(suite, seed), *_profile_rows(suite, seed),
            *_validity_inference.run(suite=suite, seed=seed)]
