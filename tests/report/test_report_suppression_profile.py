"""Small counts cannot be recovered from the profile tables the workflow saves.

A reader of ``profile.csv`` knows, for every feature and subgroup, ``n``
(observed), ``n_missing`` and, for a binary feature, the proportion of 1s
(so the count of 1s and 0s), and the subgroup sizes and cohort totals from
the other rows. Every hidden count is an unknown >= 0; the tests solve for
the smallest and largest value of each small count given everything shown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from test_report_suppression import MIN_CELL, feasible_ranges

from stratify._protection import protected_profile as _protected_profile
from stratify.cluster import profile

SIZES = pd.Series({"S1": 60, "S2": 40, "S3": 22, "S4": 3})


def _data() -> tuple[pd.DataFrame, pd.Series, dict]:
    """Known counts: ``rf`` has 3 ones in S3; ``igg`` has 2 missing in S2; S4 has 3 patients."""
    rng = np.random.default_rng(0)
    labels = pd.Series(np.repeat(SIZES.index, SIZES.to_numpy()), name="subgroup")
    labels.index = pd.Index([f"p{i}" for i in range(len(labels))], name="patient_id")
    n = len(labels)
    rf = np.where(labels == "S1", (rng.random(n) < 0.5), 0).astype(float)
    rf[np.flatnonzero(labels == "S3")[:3]] = 1  # 3 ones among 22
    rf[np.flatnonzero(labels == "S2")[:20]] = 1
    igg = rng.normal(15, 4, n)
    igg[np.flatnonzero(labels == "S2")[:2]] = np.nan  # 2 missing among 40
    frame = pd.DataFrame({"rf": rf, "igg_g_l": igg}, index=labels.index)
    truth = {"ones": pd.Series(rf).groupby(labels.to_numpy()).sum(),
             "missing": pd.Series(np.isnan(igg)).groupby(labels.to_numpy()).sum()}
    return frame, labels, truth


def _reader(protected: pd.DataFrame, feature: str, cells: dict) -> dict:
    """Feasible range of every hidden cell of ``feature``'s table (rows: its count
    categories; columns: subgroups), given the shown cells, the subgroup sizes shown
    and the cohort totals (the worst case: the reader knows them)."""
    rows = protected[protected["feature"] == feature].set_index("subgroup")
    unknowns, bounds, equations = [], {}, []
    for category, true in cells.items():
        known, coef = 0.0, {}
        for g in SIZES.index:
            shown = _shown(rows, g, category)
            if shown is None:
                unknowns.append((category, g))
                bounds[(category, g)] = (0, None)
                coef[(category, g)] = 1.0
            else:
                known += shown
        equations.append((coef, float(true.sum()) - known))  # the cohort total
    for g in SIZES.index:
        if SIZES[g] < MIN_CELL:
            continue  # its size is hidden "At a glance"
        coef, known = {}, 0.0
        for category in cells:
            if (category, g) in bounds:
                coef[(category, g)] = 1.0
            else:
                known += _shown(rows, g, category)
        equations.append((coef, float(SIZES[g]) - known))
    equations = [e for e in equations if e[0]]
    return feasible_ranges(equations, unknowns, bounds) if unknowns else {}


def _shown(rows: pd.DataFrame, g: str, category: str) -> float | None:
    n, missing = rows.loc[g, "n"], rows.loc[g, "n_missing"]
    if category == "missing":
        return None if pd.isna(missing) else float(missing)
    if pd.isna(n):
        return None
    if category == "observed":
        return float(n)
    if pd.isna(rows.loc[g, "proportion"]):
        return None
    ones = round(float(rows.loc[g, "proportion"]) * float(n))
    return float(ones if category == "1" else n - ones)


def test_profile_counts_cannot_be_recomputed():
    frame, labels, truth = _data()
    raw = profile(frame, labels, clustered=[])
    protected = _protected_profile(raw, SIZES, MIN_CELL)
    observed = labels.groupby(labels).size() - truth["missing"].reindex(SIZES.index)
    ones = truth["ones"].reindex(SIZES.index)
    tables = {"rf": {"1": ones, "0": SIZES - ones, "missing": SIZES * 0},
              "igg_g_l": {"observed": observed, "missing": truth["missing"].reindex(SIZES.index)}}
    for feature, cells in tables.items():
        ranges = _reader(protected, feature, cells)
        for category, true in cells.items():
            for g in SIZES.index:
                if 0 < true[g] < MIN_CELL:
                    assert (category, g) in ranges, f"{feature} {category} of {g} is shown"
                    lo, hi = ranges[(category, g)]
                    assert hi - lo >= 1, f"{feature} {category} of {g} recovered"
    # before protection the same reader reads them off
    assert raw.set_index(["feature", "subgroup"]).loc[("igg_g_l", "S2"), "n_missing"] == 2
    rf_s3 = raw.set_index(["feature", "subgroup"]).loc[("rf", "S3")]
    assert round(rf_s3["proportion"] * rf_s3["n"]) == 3


def test_what_the_protection_hides_and_keeps():
    frame, labels, _ = _data()
    protected = _protected_profile(profile(frame, labels, clustered=[]), SIZES, MIN_CELL)
    rows = protected.set_index(["feature", "subgroup"])
    # the 3-patient subgroup says nothing but its test's name
    assert rows.loc[("igg_g_l", "S4"), ["n", "mean", "sd", "effect_size"]].isna().all()
    assert rows.loc[("igg_g_l", "S4"), "test"] == "mann-whitney"
    # the binary statistics that give 3 of 22 back are gone, with a complement
    assert rows.loc[("rf", "S3"), ["proportion", "mean", "mean_rest", "p_value"]].isna().all()
    assert rows.xs("rf", level="feature")["suppressed"].sum() >= 2
    # a continuous feature's mean does not count patients: kept
    assert np.isfinite(rows.loc[("igg_g_l", "S2"), "mean"])
    assert pd.isna(rows.loc[("igg_g_l", "S2"), "n_missing"])
    # a subgroup of 60 with nothing small is untouched
    assert not rows.loc[("igg_g_l", "S1"), "suppressed"]
    # min_cell = 1 shows everything
    assert not _protected_profile(profile(frame, labels, clustered=[]), SIZES, 1)[
        "suppressed"].any()


def test_small_risk_groups_keep_neither_their_size_nor_their_observed_risk():
    from stratify._protection import protected_calibration as _protected_calibration

    table = pd.DataFrame({"horizon": 5.0, "group": [1, 2, 3], "n": [4, 5, 4],
                          "predicted": [0.1, 0.2, 0.3], "observed": [0.0, 0.2, 0.25],
                          "observed_lower": [0.0, 0.0, 0.0], "observed_upper": [0.5, 0.6, 0.7]})
    protected = _protected_calibration(table, MIN_CELL)
    assert protected.loc[[0, 2], ["n", "observed", "observed_lower", "observed_upper"]
                         ].isna().all().all()
    assert protected.loc[1, "n"] == 5 and protected.loc[1, "observed"] == 0.2
    assert protected["predicted"].tolist() == [0.1, 0.2, 0.3]
    assert _protected_calibration(table, 1).equals(table)
