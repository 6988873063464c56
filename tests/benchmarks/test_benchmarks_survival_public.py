"""bench_survival's survival_public task: Cox on public data against lifelines and R."""

import numpy as np
import pandas as pd
import pytest

from benchmarks import _survival_public, runner

pytestmark = pytest.mark.slow          # eight data sets fitted four ways: about 15 s


@pytest.fixture(scope="module")
def rows():
    return pd.DataFrame(_survival_public.rows(seed=0))


def test_rows_follow_the_runner_convention(rows):
    assert set(runner.REQUIRED_COLUMNS) <= set(rows.columns)
    assert set(rows["task"]) == {"survival_public"}
    assert set(rows["dataset"]) >= {"gbsg2", "whas500", "veterans", "flchain", "aids", "rossi",
                                    "lung"}
    assert (rows.groupby("dataset")["method"].apply(set) == {
        "stratify_cox", "lifelines_CoxPHFitter", "sksurv_CoxPHSurvivalAnalysis",
        "R_coxph"}).all()


def test_stratify_equals_lifelines_and_scikit_survival_on_every_data_set(rows):
    ours = rows[rows["method"] == "stratify_cox"].set_index("dataset")
    assert (ours["max_abs_diff"] < 1e-4).all()
    assert ours["c_index"].between(0.6, 0.9).all()
    sk = rows[rows["method"] == "sksurv_CoxPHSurvivalAnalysis"].set_index("dataset")
    assert (sk["max_abs_diff"] < 1e-3).all()
    # FLCHAIN: lifelines' default step fails, stratify converges to its step_size=0.5 fit
    assert ours.loc["flchain", "note"].endswith("solver: lifelines step_size=0.5")
    lifelines = rows[rows["method"] == "lifelines_CoxPHFitter"].set_index("dataset")
    assert "step_size=0.5 (default: Newton-Raphson failed" in lifelines.loc["flchain", "note"]
    assert lifelines.loc["lung", "note"].startswith("121 events; inst left out; 60 rows with a "
                                                    "missing value dropped")


def test_r_row_says_why_it_was_skipped(rows, monkeypatch):
    has_r = _survival_public.shutil.which("Rscript") is not None
    r = rows[rows["method"] == "R_coxph"]
    monkeypatch.setattr(_survival_public.shutil, "which", lambda name: None)
    assert _survival_public._r_available() == "skipped: Rscript not found"
    if not has_r:
        assert (r["note"] == "skipped: Rscript not found").all()
        assert r["max_abs_diff"].isna().all()
    else:
        assert (r["max_abs_diff"] < 1e-4).all() or r["note"].str.startswith("skipped").all()
    assert np.isfinite(rows.loc[rows["method"] != "R_coxph", "seconds"]).all()
