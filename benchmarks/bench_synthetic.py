"""Synthetic cohorts: generation time and peak memory, and the exports round trip.

Two tasks:

``synthetic_generate``
    ``make_pss_cohort`` (registry missingness, centre effects, 5 centres)
    at 1k and 10k patients (quick) and 100k (full), against scikit-learn's
    ``make_classification`` drawing a frame of the same shape (same number of
    patients and columns, 4 classes): the floor of what any generator costs.
    Metrics: ``n_columns``, ``missing_fraction``, ``oracle_ari`` (the
    Bayes-optimal molecular assignment against the planted subgroups; the
    ceiling for subgroup recovery) and ``lymphoma_events`` (share of patients).
``synthetic_exports``
    ``make_center_exports`` and ``Harmonizer(mapping).transform`` back to the
    cohort (``round_trip_exact`` is 1 when the harmonized frame equals the
    cohort exactly), at 1k (quick) and 10k (full).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks._measure import measure

SUITES = {
    "quick": {"generate": (1_000, 10_000), "exports": (1_000,)},
    "full": {"generate": (1_000, 10_000, 100_000), "exports": (1_000, 10_000)},
}
N_CENTERS = 5


def sklearn_frame(n: int, n_columns: int, seed: int) -> pd.DataFrame:
    """A frame of the same shape from scikit-learn's generic generator."""
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=n, n_features=n_columns, n_informative=19,
                               n_classes=4, random_state=seed)
    index = pd.Index([f"P{i:06d}" for i in range(1, n + 1)], name="patient_id")
    return pd.DataFrame(X, index=index).assign(label=y)


def _generate_rows(n: int, seed: int) -> list[dict]:
    from sklearn.metrics import adjusted_rand_score

    from stratify.synthetic import make_pss_cohort

    cohort, seconds, peak = measure(make_pss_cohort, n_patients=n, n_centers=N_CENTERS,
                                    seed=seed)
    truth = cohort.truth
    base = {"task": "synthetic_generate", "dataset": f"registry, {N_CENTERS} centres", "n": n,
            "seed": seed, "n_columns": cohort.data.shape[1]}
    rows = [{**base, "method": "stratify.make_pss_cohort",
             "missing_fraction": float(cohort.data.isna().to_numpy().mean()),
             "oracle_ari": adjusted_rand_score(truth["molecular_subgroup"],
                                               truth["oracle_subgroup"]),
             "lymphoma_events": float((cohort.data["lymphoma_event"] == 1).mean()),
             "seconds": seconds, "peak_memory_mb": peak}]
    _, seconds, peak = measure(sklearn_frame, n, cohort.data.shape[1] - 1, seed)
    rows.append({**base, "method": "sklearn.make_classification", "missing_fraction": 0.0,
                 "oracle_ari": np.nan, "lymphoma_events": np.nan, "seconds": seconds,
                 "peak_memory_mb": peak})
    return rows


def _round_trip(cohort):
    from stratify.data import Harmonizer
    from stratify.synthetic import make_center_exports

    exports, mapping = make_center_exports(cohort, random_state=0)
    return Harmonizer(mapping).transform(exports)


def _exports_rows(n: int, seed: int) -> list[dict]:
    from stratify.synthetic import make_pss_cohort

    cohort = make_pss_cohort(n_patients=n, n_centers=N_CENTERS, random_state=seed)
    harmonized, seconds, peak = measure(_round_trip, cohort)
    return [{"task": "synthetic_exports", "method": "make_center_exports + Harmonizer",
             "dataset": f"registry, {N_CENTERS} centres", "n": n, "seed": seed,
             "n_columns": cohort.data.shape[1],
             "round_trip_exact": int(harmonized.equals(cohort.data)),
             "seconds": seconds, "peak_memory_mb": peak}]


def run(suite: str = "quick", seed: int = 0) -> list[dict]:
    """Rows of the synthetic benchmarks (see the module docstring)."""
    if suite not in SUITES:
        raise ValueError(f"The 'suite' parameter of run must be one of {sorted(SUITES)}. "
                         f"Got {suite!r} instead.")
    grid = SUITES[suite]
    rows: list[dict] = []
    for n in grid["generate"]:
        rows += _generate_rows(n, seed)
    for n in grid["exports"]:
        rows += _exports_rows(n, seed)
    return rows


if __name__ == "__main__":  # pragma: no cover
    print(pd.DataFrame(run("full")).to_string())
