"""Imputation: accuracy by kind, mechanism and fraction; time and memory at scale.

Two tasks:

``impute_accuracy``
    NRMSE (and misclassification, for discrete columns) of every imputer
    kind (simple, knn, iterative, forest) and of scikit-learn's mean
    imputation, under MCAR, MAR and MNAR masking of 10, 20 and 40 % of the
    observed values (quick: 20 % only; full: 10 and 40 % for seed 0 only), by
    :func:`stratify.impute.evaluate_imputation`.
    Data: the synthetic cohort's molecular block when
    ``stratify.synthetic.make_pss_cohort`` exists, else simulated correlated
    data (30 columns driven by 3 latent factors).
``impute_scale``
    Time and peak memory of ``fit_transform`` on simulated correlated data
    (30 columns, 20 % MCAR) at 10k and 50k patients (quick: 2k), for each
    stratify imputer and the plain scikit-learn equivalents (SimpleImputer,
    KNNImputer, IterativeImputer with its default BayesianRidge; the forest
    kind compares with the latter), all measured by
    :func:`benchmarks._measure.measure` (untraced seconds, rise of the peak
    resident size: compare ratios, not absolute times). KNN is skipped at 50k: its distance matrix grows as n² (about
    1.6 GB already at 10k); the row says so. The accuracy rows are timed
    without tracing and carry no memory figure.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from benchmarks._measure import measure

KINDS = ("simple", "knn", "iterative", "forest")
MECHANISMS = ("MCAR", "MAR", "MNAR")
SUITES = {
    "quick": {"accuracy_n": 500, "fractions": (0.2,), "scale_n": (2_000,)},
    "full": {"accuracy_n": 1_000, "fractions": (0.1, 0.2, 0.4), "scale_n": (10_000, 50_000)},
}
SKLEARN_KINDS = ("simple", "knn", "iterative")
KNN_MAX_N = 10_000
FOREST_MAX_N = 10_000
"""The forest imputer's scale rows stop here (about 100 s at 50,000: time budget)."""
SEED0_ONLY = {"fractions": (0.1, 0.4), "scale": True}
"""In the full suite, seeds other than 0 run the 20 % accuracy rows only."""
SUITE_NOTES = {
    "full": ("accuracy on 1,000 patients; the 10 % and 40 % fractions and the scale rows "
             f"for seed 0 only; the forest imputer's scale rows up to {FOREST_MAX_N:,} "
             "patients; KNN up to 10,000 (n² memory)."),
}


def correlated_data(n: int, d: int = 30, k: int = 3, seed: int = 0) -> pd.DataFrame:
    """``d`` columns driven by ``k`` latent factors (each column R² about 0.8)."""
    rng = np.random.default_rng(seed)
    loadings = rng.normal(size=(k, d))
    scale = np.sqrt((loadings**2).sum(axis=0))
    values = rng.normal(size=(n, k)) @ loadings + 0.5 * scale * rng.normal(size=(n, d))
    index = pd.Index([f"p{i:06d}" for i in range(n)], name="patient_id")
    return pd.DataFrame(values, columns=[f"mol_G{j}" for j in range(d)], index=index)


def accuracy_data(n: int, seed: int) -> tuple[pd.DataFrame, str]:
    """The synthetic molecular block, or simulated correlated data until it exists."""
    try:
        from stratify.synthetic import make_pss_cohort
    except ImportError:
        return correlated_data(n, seed=seed), "simulated_factor_d30"
    cohort = make_pss_cohort(n_patients=n, random_state=seed)
    return cohort.data.filter(like="mol_"), "synthetic_molecular"


def _stratify_imputer(kind: str, seed: int):
    from stratify.impute import make_imputer

    return make_imputer(kind, random_state=seed)


def _sklearn_imputer(kind: str, seed: int):
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer

    if kind == "simple":
        return SimpleImputer(strategy="median")
    if kind == "knn":
        return KNNImputer()
    return IterativeImputer(random_state=seed)


def _accuracy(config: dict, seed: int) -> list[dict]:
    from sklearn.impute import SimpleImputer

    from stratify.impute import evaluate_imputation

    X, dataset = accuracy_data(config["accuracy_n"], seed)
    methods = {kind: _stratify_imputer(kind, seed) for kind in KINDS}
    methods["sklearn_mean"] = SimpleImputer(strategy="mean").set_output(transform="pandas")
    rows = []
    fractions = config["fractions"]
    if config is SUITES["full"] and seed != 0:
        fractions = tuple(f for f in fractions if f not in SEED0_ONLY["fractions"])
    for mechanism in MECHANISMS:
        for fraction in fractions:
            for name, imputer in methods.items():
                start = time.perf_counter()
                table = evaluate_imputation(X, imputer, fraction, mechanism, seed)
                seconds = time.perf_counter() - start
                rows.append({
                    "task": "impute_accuracy", "method": name, "dataset": dataset,
                    "n": len(X), "seed": seed, "mechanism": mechanism, "fraction": fraction,
                    "nrmse": float(table.loc["mean", "nrmse"]),
                    "misclassification": float(table.loc["mean", "misclassification"]),
                    "seconds": seconds, "peak_memory_mb": np.nan,
                })
    return rows


def _scale(config: dict, seed: int) -> list[dict]:
    from stratify.impute._evaluate import mask_values

    rows = []
    for n in config["scale_n"]:
        X = correlated_data(n, seed=seed)
        mask, _ = mask_values(X, 0.2, "MCAR", seed)
        X = X.mask(mask)
        pairs = [("stratify", k) for k in KINDS] + [("sklearn", k) for k in SKLEARN_KINDS]
        for library, kind in pairs:
            row = {"task": "impute_scale", "method": f"{library}_{kind}",
                   "dataset": "simulated_factor_d30_mcar20", "n": n, "seed": seed,
                   "library": library, "kind": kind}
            if kind == "knn" and n > KNN_MAX_N:
                row.update(seconds=np.nan, peak_memory_mb=np.nan,
                           note=f"skipped: KNN memory grows as n² (n > {KNN_MAX_N})")
                rows.append(row)
                continue
            if kind == "forest" and n > FOREST_MAX_N:
                row.update(seconds=np.nan, peak_memory_mb=np.nan,
                           note=f"skipped: time budget of the suite (n > {FOREST_MAX_N})")
                rows.append(row)
                continue
            factory = _stratify_imputer if library == "stratify" else _sklearn_imputer
            imputer = factory(kind, seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _, seconds, memory = measure(imputer.fit_transform, X)
            row.update(seconds=seconds, peak_memory_mb=memory, note="")
            rows.append(row)
    return rows


def run(suite: str = "quick", seed: int = 0) -> list[dict]:
    """Measure imputation accuracy and cost; one dict per measurement."""
    if suite not in SUITES:
        raise ValueError(f"suite must be one of {sorted(SUITES)}; got {suite!r}.")
    config = SUITES[suite]
    scale = [] if suite == "full" and seed != 0 and SEED0_ONLY["scale"] else _scale(config, seed)
    return _accuracy(config, seed) + scale


if __name__ == "__main__":  # pragma: no cover
    pd.set_option("display.width", 160)
    frame = pd.DataFrame(run("quick"))
    print(frame.drop(columns=["misclassification"], errors="ignore").round(3).to_string())
