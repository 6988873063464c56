"""Data-quality report: time and memory at 10,000+ patients, and the planted defects found.

One task, ``quality_report``, on a synthetic cohort from
:func:`stratify.synthetic.make_pss_cohort` (5 centres, its centre effects
on) padded with extra ``mol_`` genes to 100 variables, with three planted
defects: centre C2 records IgG in mg/dL (x100), centre C3 never measures
``focus_score``, and 30 patients of C1 have ESSDAI CNS level 1 (no such
level). Methods:

``stratify``
    :func:`stratify.data.quality_report` (completeness, plausibility,
    duplicates, drift, missing-data patterns, Little's test and the
    missingness models). ``defects_found`` counts the planted defects it
    flags (out of 3).
``pandas_groupby``
    The plain pandas way: completeness per centre (``notna().groupby().mean()``)
    and ``groupby().describe()`` of the numeric columns.
    It shows the numbers a reader would then have to inspect by hand, so it
    flags nothing (``defects_found`` is not applicable).

Both run on the same frame in the same process, measured by
:func:`benchmarks._measure.measure` (untraced seconds, rise of the peak
resident size). Quick suite: 10,000 patients; full: 10,000 and 50,000.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks._measure import measure

SUITES = {"quick": {"n": (10_000,)}, "full": {"n": (10_000, 50_000)}}
SUITE_SEEDS = {"full": (0,)}
"""Seeds run (read by the runner): the full suite times seed 0 only."""
N_VARIABLES = 100
N_CENTERS = 5
DATASET = "synthetic_pss_5centres_100vars_planted"


def planted_cohort(n: int, seed: int) -> pd.DataFrame:
    """The synthetic cohort with the three planted defects, as an unvalidated frame."""
    from stratify.synthetic import make_pss_cohort

    df = make_pss_cohort(n_patients=n, n_centers=N_CENTERS, random_state=seed).data.copy()
    rng = np.random.default_rng(seed)
    n_extra = N_VARIABLES - (df.shape[1] - 1)
    for j in range(max(n_extra, 0)):
        values = rng.normal(0, 1, n)
        values[rng.random(n) < 0.1] = np.nan
        df[f"mol_NOISE{j}"] = values
    centre = df["center"]
    df.loc[centre == "C2", "igg_g_l"] *= 100
    df.loc[centre == "C3", "focus_score"] = np.nan
    df.loc[df.index[centre == "C1"][:30], "essdai_cns"] = 1.0
    return df


def defects_found(report) -> int:
    table = report.to_frame().set_index(["center", "variable"])
    return int(table.loc[("C2", "igg_g_l"), "flag_implausible"]) + int(
        table.loc[("C3", "focus_score"), "flag_never_measured"]) + int(
        table.loc[("C1", "essdai_cns"), "flag_implausible"])


def pandas_baseline(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    completeness = df.notna().groupby(df["center"]).mean()
    described = df.select_dtypes("number").groupby(df["center"]).describe()
    return completeness, described


def run(suite: str = "quick", seed: int = 0) -> list[dict]:
    """One row per (n, method); see the module docstring."""
    from stratify.data import quality_report

    rows = []
    for n in SUITES[suite]["n"]:
        df = planted_cohort(n, seed)
        base = {"task": "quality_report", "dataset": DATASET, "n": n, "seed": seed,
                "n_variables": df.shape[1] - 1, "n_centers": N_CENTERS}
        quality_report(df.head(500))  # imports (scikit-learn, scipy) are not the report's cost
        report, seconds, memory = measure(quality_report, df)
        rows.append({**base, "method": "stratify", "defects_found": defects_found(report),
                     "n_flags": len(report.flags()), "seconds": seconds,
                     "peak_memory_mb": memory})
        _, seconds, memory = measure(pandas_baseline, df)
        rows.append({**base, "method": "pandas_groupby", "defects_found": np.nan,
                     "n_flags": np.nan, "seconds": seconds, "peak_memory_mb": memory})
    return rows
