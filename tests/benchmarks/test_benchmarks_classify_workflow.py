"""bench_classify and bench_workflow produce the required columns (tiny sizes)."""

import math

import pandas as pd
import pytest

from benchmarks import bench_classify, bench_workflow, runner
from benchmarks._measure import measure, measure_traced, memory_method


@pytest.fixture(autouse=True)
def one_thread():
    """As the runner does: threaded BLAS/OpenMP crawls on a shared 2-core machine."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def _check_required(rows):
    frame = pd.DataFrame(rows)
    assert set(runner.REQUIRED_COLUMNS) <= set(frame.columns)
    assert frame["seconds"].notna().all()
    return frame


def test_measure_returns_time_and_memory():
    import numpy as np

    assert memory_method() in ("rss", "tracemalloc")
    for func in (measure, measure_traced):
        result, seconds, memory = func(lambda: float(np.ones(4_000_000).sum()))
        assert result == 4e6 and seconds >= 0
        assert 20 < memory < 200   # a 30 MB array


@pytest.mark.slow
def test_bench_classify_rows(monkeypatch):
    monkeypatch.setitem(bench_classify.SUITES, "quick",
                        {"n": (300,), "panel_n": (300,), "workflow_panel": True})
    monkeypatch.setattr(bench_classify, "PANEL_SIZES", (2,))
    monkeypatch.setattr(bench_classify, "PANEL_MAX", 3)
    monkeypatch.setattr(bench_classify, "WORKFLOW_PANEL", 3)
    frame = _check_required(bench_classify.run("quick", seed=0))
    assert set(frame["task"]) == {"classify", "classify_panel"}
    cls = frame[frame["task"] == "classify"].set_index("method")
    assert {"balanced_accuracy", "oracle_balanced_accuracy", "ratio", "log_loss",
            "time_ratio", "memory_ratio"} <= set(cls.columns)
    ours = cls.loc["stratify SubgroupClassifier(hgb)"]
    assert ours["ratio"] == pytest.approx(ours["balanced_accuracy"]
                                          / ours["oracle_balanced_accuracy"])
    assert ours["baseline"] == "sklearn HistGradientBoostingClassifier"
    assert cls.loc["stratify SubgroupClassifier(hgb, panel_size=3)", "panel_size"] <= 3
    assert (cls["oracle_balanced_accuracy"] > 0.5).all()
    panel = frame[frame["task"] == "classify_panel"]
    assert sorted(panel["panel_size"]) == [2, 3, 40]   # the selection (<= 3), top 2, all
    assert panel["informative_fraction"].between(0, 1).all()


@pytest.mark.slow
def test_bench_workflow_rows(monkeypatch):
    monkeypatch.setitem(bench_workflow.SUITES, "quick", {"workflow": (300,), "steps": (300,)})
    monkeypatch.setattr(bench_workflow, "WORKFLOW_CONFIG", {
        "n_jobs": 1, "quality": {"enabled": False}, "cluster": {"n_resamples": 3, "k_max": 4},
        "classify": {"estimator": "logistic", "panel_size": 0, "n_bootstrap": 0},
        "survival": {"n_bootstrap": 0}, "explain": {"enabled": False}})
    frame = _check_required(bench_workflow.run("quick", seed=0))
    work = frame[frame["task"] == "workflow"].set_index("library")
    assert set(work.index) == {"stratify", "sklearn+lifelines"}
    ours = work.loc["stratify"]
    assert ours["time_ratio"] == pytest.approx(ours["seconds"]
                                               / work.loc["sklearn+lifelines", "seconds"])
    assert 0 < ours["oracle_ari"] <= 1 and not math.isnan(ours["ari"])
    assert ours["step_seconds_cluster"] > 0
    steps = frame[frame["task"] == "workflow_step"]
    assert set(steps["step"]) == {"features", "cluster", "classify", "survival"}
    ratios = steps[steps["library"] == "stratify"]
    assert ratios["time_ratio"].notna().all() and ratios["baseline"].notna().all()
    assert steps.loc[steps["step"] == "survival", "c_index"].between(0.5, 1).all()


def test_full_workflow_grid_is_timed_once():
    from benchmarks import runner

    assert runner.module_seeds("workflow", "full") == (0,)
    assert runner.module_seeds("recovery", "full") == (0, 1, 2)
