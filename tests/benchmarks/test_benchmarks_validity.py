"""The validity suite's structure and profile rows, on a tiny configuration."""

import numpy as np
import pytest

from benchmarks import bench_validity


def test_null_scenarios_have_no_subgroups_and_the_shape_asked_for():
    rng = np.random.default_rng(0)
    for scenario in bench_validity.NULL_SCENARIOS:
        values = bench_validity.null_data(scenario, 120, rng)
        assert values.shape[0] == 120 and np.isfinite(values).all()
    skewed = bench_validity.null_data("log-normal", 2000, rng)
    assert (skewed > 0).all() and np.mean(skewed[:, 0]) > np.median(skewed[:, 0])


def test_rows_report_rates_with_their_monte_carlo_error():
    row = bench_validity._row("c", "m", "d", 10, 0, [True, True, True, False], 0.05,
                              "at most", 1.0, 1.0)
    assert row["estimate"] == 0.75 and row["mc_se"] == pytest.approx(np.sqrt(0.75 * 0.25 / 4))
    assert row["holds"] is False  # 0.75 > 0.05 + 2 x 0.217
    fine = bench_validity._row("c", "m", "d", 10, 0, [False] * 40, 0.05, "at most", 1.0, 1.0)
    assert fine["holds"] is True and fine["mc_se"] == 0.0
    level = bench_validity._row("c", "m", "d", 10, 0, [True] * 10 + [False] * 90, 0.05,
                                "level", 1.0, 1.0)
    assert level["holds"] is True  # 0.10 within 2 x 0.03 of 0.05


@pytest.mark.slow
def test_tiny_suite_gives_every_claim(monkeypatch):
    monkeypatch.setitem(bench_validity.SUITES, "tiny", {
        "n": 150, "null_reps": 1, "power_reps": 1, "profile_reps": 6, "fit_reps": 0})
    monkeypatch.setattr(bench_validity, "NULL_SCENARIOS", ("gaussian",))
    rows = [*bench_validity._structure_rows("tiny", 0), *bench_validity._profile_rows("tiny", 0)]
    claims = {row["claim"] for row in rows}
    assert claims == {"structure found on null data", "structure found on planted subgroups",
                      "profile type-I"}
    for row in rows:
        assert {"task", "method", "dataset", "n", "seed", "seconds", "peak_memory_mb",
                "estimate", "mc_se", "replications", "holds"} <= set(row)
    power = next(r for r in rows if r["claim"] == "structure found on planted subgroups")
    assert power["estimate"] == 1.0
    descriptive = next(r for r in rows if r.get("role") == "descriptive")
    assert descriptive["estimate"] >= 0.5  # clustered features differ by construction
