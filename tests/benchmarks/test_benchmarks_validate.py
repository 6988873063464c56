"""bench_validate: the file it writes, and one measured run of ``stratify validate``."""

import pandas as pd
import pytest

from benchmarks import bench_validate, runner


def test_the_cohort_file_has_97_columns_and_distinct_ids(tmp_path):
    path = bench_validate.write_cohort_file(tmp_path / "c.csv", 450, seed=1)
    frame = pd.read_csv(path, dtype={"patient_id": str})
    assert frame.shape == (450, 97) and frame["patient_id"].is_unique


@pytest.mark.slow
def test_quick_suite_rows_follow_the_runner_convention():
    rows = bench_validate.run(suite="quick", seed=0)
    assert len(rows) == 1
    row = rows[0]
    assert set(runner.REQUIRED_COLUMNS) <= set(row)
    assert row["task"] == "validate" and row["n"] == 20_000 and row["file_mb"] > 5
    # the whole process: the interpreter and imports (about 80 MB) and the cohort
    assert 50 < row["peak_memory_mb"] < 1000
    assert row["memory_ratio"] == pytest.approx(row["peak_memory_mb"] / row["file_mb"],
                                                rel=0.05)
