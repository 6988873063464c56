"""bench_formats: one stratify row and one pandas row per format, with their ratios."""

import pytest

from benchmarks import bench_formats, runner

pytest.importorskip("openpyxl")
pytest.importorskip("pyreadstat")
pytest.importorskip("pyarrow")


def test_the_cohort_has_97_columns_and_distinct_ids():
    frame = bench_formats.cohort_frame(450, seed=1)
    assert frame.shape == (450, 97) and frame["patient_id"].is_unique


def test_rows_follow_the_runner_convention(monkeypatch):
    monkeypatch.setitem(bench_formats.SUITES, "quick", {"n": 300})
    rows = bench_formats.run("quick", 0, formats=("csv", "sav", "parquet"))
    assert [(r["format"], r["method"]) for r in rows] == [
        (f, m) for f in ("csv", "sav", "parquet") for m in ("pandas", "stratify")]
    for row in rows:
        assert set(runner.REQUIRED_COLUMNS) <= set(row) and row["n"] == 300
        assert row["seconds"] > 0 and row["file_mb"] > 0
    for plain, ours in zip(rows[::2], rows[1::2]):
        assert ours["time_ratio"] == pytest.approx(ours["seconds"] / plain["seconds"])
    assert "formats" in runner.available_modules()
