"""The headline of the benchmark summary, computed from (fake) result rows."""

import json
import subprocess

import numpy as np
import pandas as pd
import pytest

from benchmarks import runner


def _rows():
    rows = []
    for seed in (0, 1, 2):
        base = {"dataset": "registry+centres", "n": 2000, "seed": seed, "oracle_ari": 0.9,
                "peak_memory_mb": 1.0, "seconds": 1.0}
        rows.append({**base, "task": "recovery", "method": "naive", "ari": 0.4,
                     "k_chosen": 2})
        rows.append({**base, "task": "recovery", "method": "stratify-gmm", "ari": 0.8,
                     "k_chosen": 4})
        # another scenario and another size must not enter the headline numbers
        rows.append({**base, "task": "recovery", "dataset": "MAR 20%", "method": "naive",
                     "ari": 0.0})
        rows.append({**base, "task": "recovery", "n": 500, "method": "stratify-gmm",
                     "ari": 0.5})
        rows.append({**base, "task": "recovery", "n": 500, "method": "naive", "ari": 0.3})
        surv = {"task": "survival_synthetic", "dataset": "make_pss_cohort", "n": 20000,
                "seed": seed, "oracle_c_index": 0.8, "seconds": 1.0, "peak_memory_mb": 1.0}
        rows.append({**surv, "method": "stratify_cox", "c_index": 0.76})
        rows.append({**surv, "method": "stratify_forest", "c_index": 0.74})
        rows.append({**surv, "method": "fragkioudaki_count", "c_index": 0.70})
        cls = {"task": "classify", "dataset": "toy", "n": 2000, "n_train": 1000, "seed": seed,
               "oracle_balanced_accuracy": 0.96, "seconds": 1.0, "peak_memory_mb": 1.0,
               "log_loss": 0.2}
        rows.append({**cls, "method": "stratify SubgroupClassifier(hgb)",
                     "balanced_accuracy": 0.94, "time_ratio": 3.0})
        rows.append({**cls, "method": "sklearn HistGradientBoostingClassifier",
                     "balanced_accuracy": 0.93})
        wf = {"task": "workflow", "dataset": "toy", "n": 1000, "seed": seed,
              "peak_memory_mb": 10.0, "ari": 0.8}
        rows.append({**wf, "method": "plain", "library": "sklearn+lifelines", "seconds": 2.0})
        rows.append({**wf, "method": "stratify Stratification.run", "library": "stratify",
                     "seconds": 20.0, "time_ratio": 10.0, "memory_ratio": 2.0})
        rows.append({"task": "workflow_step", "dataset": "toy", "n": 1000, "seed": seed,
                     "method": "stratify cox", "library": "stratify", "step": "survival",
                     "baseline": "lifelines CoxPHFitter", "seconds": 1.0,
                     "peak_memory_mb": 1.0, "time_ratio": 1.5, "memory_ratio": 1.0})
    return pd.DataFrame(rows)


def test_headline_numbers_are_computed_from_the_rows():
    h = runner.headline(_rows())
    rec = h["recovery"]
    assert rec["n"] == 2000 and rec["seeds"] == 3
    assert rec["ari"] == pytest.approx(0.8) and rec["naive_ari"] == pytest.approx(0.4)
    assert rec["gain"] == pytest.approx(0.4) and rec["fold"] == pytest.approx(2.0)
    assert rec["ratio"] == pytest.approx(0.8 / 0.9)
    assert rec["naive_ratio"] == pytest.approx(0.4 / 0.9)
    assert set(rec["by_n"]) == {500, 2000}
    surv = h["survival"]
    assert surv["c_index"] == pytest.approx(0.76)
    assert surv["clinical_c_index"] == pytest.approx(0.70)
    assert surv["oracle_c_index"] == pytest.approx(0.8)
    assert surv["best_method"] == "stratify_cox"
    cls = h["classification"]
    assert cls["balanced_accuracy"] == pytest.approx(0.94)
    assert cls["ratio"] == pytest.approx(0.94 / 0.96)
    assert cls["sklearn_balanced_accuracy"] == pytest.approx(0.93)
    assert h["scale"]["time_ratio"] == pytest.approx(10.0)
    assert h["scale"]["by_step"]["survival vs lifelines CoxPHFitter"]["time_ratio"] == 1.5


def test_headline_markdown_states_the_margin():
    text = runner.headline_markdown(_rows())
    assert text.startswith("## Headline")
    assert "beats the naive baseline by 0.40 ARI (2×)" in text
    assert "89% of the oracle" in text
    assert "| measure | stratify | baseline | oracle (ceiling) | result |" in text
    assert "seven-factor clinical score" in text and "0.760" in text


def test_headline_without_its_rows():
    frame = pd.DataFrame([{"task": "fake", "method": "a", "dataset": "toy", "n": 1, "seed": 0,
                           "seconds": 1.0, "peak_memory_mb": 1.0}])
    assert runner.headline(frame) == {}
    assert "No headline rows" in runner.headline_markdown(frame)


def test_summary_opens_with_the_headline_and_readme_repeats_it(tmp_path):
    frame = _rows()
    paths = runner.write_results(frame, tmp_path, "full", 1.0)
    assert {"summary.md", "README.md", "results.json"} <= {p.name for p in paths}
    summary = (tmp_path / "summary.md").read_text()
    first_task = summary.index("## recovery")
    assert summary.index("## Headline") < first_task
    assert "beats the naive baseline by 0.40 ARI" in (tmp_path / "README.md").read_text()
    stored = json.loads((tmp_path / "results.json").read_text())
    assert stored["headline"]["recovery"]["gain"] == pytest.approx(0.4)
    assert stored["meta"]["commit"]


def test_summary_never_averages_across_design_columns():
    frame = pd.DataFrame([
        {"task": "impute_accuracy", "method": "knn", "dataset": "toy", "n": 10, "seed": s,
         "mechanism": mech, "nrmse": value, "seconds": 1.0, "peak_memory_mb": np.nan}
        for s in (0, 1) for mech, value in (("MCAR", 0.1), ("MNAR", 0.9))])
    table = runner.summarize(frame)
    assert len(table) == 2
    assert table.set_index("mechanism").loc["MNAR", "nrmse"].startswith("0.9")


@pytest.mark.parametrize(("status", "expected"), [("", "abc1234"),
                                                  (" M stratify/x.py", "abc1234+dirty")])
def test_commit_records_uncommitted_changes(monkeypatch, status, expected):
    def fake_run(cmd, **kwargs):
        out = "abc1234\n" if "rev-parse" in cmd else status
        return subprocess.CompletedProcess(cmd, 0, stdout=out, stderr="")

    monkeypatch.setattr(subprocess, "run", fake_run)
    assert runner._git_commit() == expected


def _cluster_rows():
    base = {"task": "cluster_scale", "dataset": "gaussian-4 d=30", "seed": 0,
            "n_resamples": 50}
    return pd.DataFrame([
        {**base, "n": 10_000, "method": "stratify-gmm", "seconds": 30.0, "peak_memory_mb": 100.0},
        {**base, "n": 10_000, "method": "plain-coassociation", "seconds": 60.0,
         "peak_memory_mb": 800.0},
        {**base, "n": 100_000, "method": "stratify-gmm", "seconds": 300.0,
         "peak_memory_mb": 400.0},
        {**base, "n": 100_000, "method": "plain-coassociation", "seconds": np.nan,
         "peak_memory_mb": np.nan},
    ])


def test_cluster_scale_ratios_over_the_plain_coassociation():
    h = runner.headline(_cluster_rows())["cluster_scale"]
    assert h["n_resamples"] == 50
    at = h["by_n"][10_000]["stratify-gmm"]
    assert at["time_ratio"] == pytest.approx(0.5) and at["memory_ratio"] == pytest.approx(0.125)
    assert "time_ratio" not in h["by_n"][100_000]["stratify-gmm"]   # plain could not run
    text = runner.headline_markdown(_cluster_rows())
    assert "0.5× the time, 0.12× the memory" in text
    assert "n = 100,000: stratify-gmm 300 s, 400 MB; plain cannot run" in text


def test_mixture_hits_are_counted_per_method():
    rows = pd.DataFrame([
        {"task": "mixtures_k", "method": method, "dataset": f"mixture-{i}", "n": 500,
         "seed": 0, "hit": hit, "ari": ari, "time_ratio": ratio, "seconds": 1.0,
         "peak_memory_mb": 1.0}
        for i, (method, hit, ari, ratio) in enumerate([
            ("stratify", 1, 0.8, 4.0), ("stratify", 1, 0.9, 6.0), ("stratify", 0, 0.4, 5.0),
            ("plain", 0, 0.5, 1.0), ("plain", 1, 0.6, 1.0), ("plain", 0, 0.1, 1.0)])])
    h = runner.headline(rows)["mixtures_k"]
    assert h["stratify"]["hits"] == 2 and h["stratify"]["mixtures"] == 3
    assert h["stratify"]["ari"] == pytest.approx(0.7) and h["plain"]["hits"] == 1
    text = runner.headline_markdown(rows)
    assert "stratify 2 of 3 (mean ARI 0.70, 5× the time of plain); plain 1 of 3" in text
    assert "own covariance" not in text
    # the own-covariance mixtures are counted apart
    own = rows.assign(task="mixtures_own_covariance", hit=[0, 0, 1, 1, 1, 1])
    h = runner.headline(pd.concat([rows, own]))
    assert h["mixtures_k"]["stratify"]["hits"] == 2
    assert h["mixtures_own_covariance"]["stratify"]["hits"] == 1
    assert h["mixtures_own_covariance"]["plain"]["hits"] == 3
    text = runner.headline_markdown(pd.concat([rows, own]))
    assert ("whose subgroups each have their own covariance (complete data) (planted k "
            "found): stratify 1 of 3") in text


def test_summary_is_rendered_again_with_the_run_s_own_metadata(tmp_path):
    frame = _cluster_rows()
    meta = {"suite": "full", "seconds_total": 12.0, "threads": 1, "memory_measure": "rss",
            "versions": {"numpy": "x"}, "commit": "abc1234"}
    runner.write_results(frame, tmp_path, "full", 12.0, meta=meta)
    (tmp_path / "summary.md").write_text("stale")
    runner.summarize_again(tmp_path)
    summary = (tmp_path / "summary.md").read_text()
    assert "Commit `abc1234`; 12.0 s in all" in summary
    assert "Consensus clustering at scale" in summary
    assert json.loads((tmp_path / "results.json").read_text())["meta"]["commit"] == "abc1234"
