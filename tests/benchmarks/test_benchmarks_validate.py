"""bench_validate: the file it writes, and one measured run of ``stratify validate``."""

import pandas as pd
import pytest

from benchmarks import bench_validate, runner


def test_the_cohort_file_has_97_columns_and_distinct_ids(tmp_path):
    path = bench_validate.write_cohort_file(tmp_path / "c.csv", 450, seed=1)
    frame = pd.read_csv(path, dtype={"patient_id": str})
    assert frame.shape == (450, 97) and frame["patient_id"].is_unique


def test_the_report_cohort_is_drawn_whole(tmp_path):
    path = bench_validate.write_report_cohort(tmp_path / "c.csv", 600, seed=1)
    frame = pd.read_csv(path, dtype={"patient_id": str})
    assert frame.shape == (600, 97) and frame["patient_id"].is_unique
    # no repeated block: every patient has its own values
    assert not frame.drop(columns="patient_id").duplicated().any()


def test_measure_validate_with_report_writes_the_page(tmp_path):
    path = bench_validate.write_report_cohort(tmp_path / "c.csv", 300, seed=2)
    measured = bench_validate.measure_validate(path, report=tmp_path / "quality")
    assert measured["seconds"] > 0 and measured["peak_memory_mb"] > 50
    page = (tmp_path / "quality" / "quality_report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Is missingness predictable" in page


@pytest.mark.slow
def test_quick_suite_rows_follow_the_runner_convention():
    rows = bench_validate.run(suite="quick", seed=0)
    assert [(r["method"], r["n"]) for r in rows] == [
        ("stratify_validate_cli", 20_000), ("stratify_validate_report_cli", 2_000),
        ("stratify_validate_report_cli", 100_000)]
    for row in rows:
        assert set(runner.REQUIRED_COLUMNS) <= set(row) and row["task"] == "validate"
    row = rows[0]
    assert set(runner.REQUIRED_COLUMNS) <= set(row)
    assert row["task"] == "validate" and row["n"] == 20_000 and row["file_mb"] > 5
    # the whole process: the interpreter and imports (about 80 MB) and the cohort
    assert 50 < row["peak_memory_mb"] < 1000
    assert row["memory_ratio"] == pytest.approx(row["peak_memory_mb"] / row["file_mb"],
                                                rel=0.05)
