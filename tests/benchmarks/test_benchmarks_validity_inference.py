"""benchmarks/_validity_inference.py: rows with the columns the validity suite needs."""

import math

import pytest

from benchmarks._validity_inference import CLAIMS, SUITES, run

TINY = {"interaction": 4, "familywise": 4, "binary": 3, "cox": 2, "cv": 1,
        "cv_truth_fits": 3, "oe": 5, "ici": 2, "ici_simulations": 5}
COLUMNS = {"task", "method", "dataset", "n", "seed", "seconds", "peak_memory_mb", "claim",
           "nominal", "estimate", "mc_se", "replications", "holds", "role", "tolerance"}


@pytest.mark.slow
def test_tiny_run_gives_one_row_per_claim_and_method_with_the_columns():
    rows = run("quick", seed=0, replications=TINY)
    assert {row["claim"] for row in rows} == {
        "interaction type-I", "subgroup familywise error", "binary effect coverage",
        "Cox hazard ratio coverage", "cv balanced accuracy coverage", "cv log loss coverage",
        "O/E coverage", "ICI reference type-I"}
    for row in rows:
        assert COLUMNS <= set(row), row["claim"]
        assert row["task"] == "validity" and row["seed"] == 0
        assert row["nominal"] in (0.05, 0.95) and row["role"] in ("library", "before")
        assert 0 <= row["estimate"] <= 1 and row["replications"] >= 1
        expected_se = math.sqrt(row["estimate"] * (1 - row["estimate"]) / row["replications"])
        assert row["mc_se"] == pytest.approx(expected_se)
        assert row["holds"] == (abs(row["estimate"] - row["nominal"])
                                <= max(2 * row["mc_se"], row["tolerance"]))
        assert row["seconds"] >= 0 and row["peak_memory_mb"] >= 0
    counts = {row["claim"]: row["replications"] for row in rows}
    assert counts["interaction type-I"] == 4
    assert counts["binary effect coverage"] == 12        # 4 subgroup intervals a trial
    assert counts["Cox hazard ratio coverage"] == 12     # 6 coefficients a fit


def test_suites_and_arguments_are_checked():
    assert set(SUITES) == {"quick", "full"}
    for counts in SUITES.values():
        assert set(counts) == set(TINY)
    assert all(SUITES["full"][k] >= SUITES["quick"][k] for k in TINY)
    with pytest.raises(ValueError, match="suite"):
        run("huge")
    with pytest.raises(ValueError, match="unknown claims"):
        run("quick", only=("nothing",))
    assert set(CLAIMS) == {"interaction", "familywise", "binary", "cox", "cv", "oe", "ici"}
    rows = run("quick", seed=1, replications=TINY, only=("oe",))
    assert [row["claim"] for row in rows] == ["O/E coverage"] and rows[0]["seed"] == 1
