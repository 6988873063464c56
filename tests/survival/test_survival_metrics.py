"""evaluate / evaluate_score / calibration: equal to lifelines and scikit-survival, reproducible."""

import numpy as np
import pandas as pd
import pytest
from survival_data import simulate_ph

from stratify.survival import (
    LymphomaRiskModel,
    calibration_slope,
    calibration_table,
    evaluate,
    evaluate_score,
    harrell_c,
    integrated_calibration_index,
)
from stratify.survival._calibration import _cox_newton
from stratify.survival._target import TARGET_DTYPE

TIMES = [2.0, 5.0]


@pytest.fixture(scope="module")
def fitted(ph_data):
    X, y, *_ = ph_data
    return LymphomaRiskModel().fit(X, y)


@pytest.fixture(scope="module")
def result(fitted, ph_data):
    X, y, *_ = ph_data
    return evaluate(fitted, X, y, times=TIMES, n_bootstrap=40, random_state=0)


@pytest.mark.parametrize("ties", [None, 0.5])
def test_harrell_c_equals_lifelines_and_scikit_survival(ties):
    from lifelines.utils import concordance_index
    from sksurv.metrics import concordance_index_censored

    X, y, *_ = simulate_ph(500, seed=1, ties=ties)
    risk = np.round(X["x0"].to_numpy() - X["x1"].to_numpy(), 1)   # tied risks too
    ours = harrell_c(y, risk)
    assert ours == pytest.approx(concordance_index(y["time"], -risk, y["event"]), abs=1e-12)
    assert ours == pytest.approx(concordance_index_censored(y["event"], y["time"], risk)[0],
                                 abs=1e-12)


def test_ipcw_metrics_equal_scikit_survival(fitted, ph_data, result):
    from sksurv.metrics import (
        brier_score,
        concordance_index_ipcw,
        cumulative_dynamic_auc,
        integrated_brier_score,
    )

    X, y, *_ = ph_data
    risk = fitted.predict(X).to_numpy()
    m = result.metrics["estimate"]
    assert m["harrell_c"] == pytest.approx(harrell_c(y, risk))
    assert m["uno_c"] == pytest.approx(concordance_index_ipcw(y, y, risk, tau=5.0)[0])
    auc, _ = cumulative_dynamic_auc(y, y, risk, TIMES)
    assert [m["auc_2y"], m["auc_5y"]] == pytest.approx(list(auc))
    surv = fitted.predict_survival(X, TIMES).to_numpy()
    _, brier = brier_score(y, y, surv, TIMES)
    assert [m["brier_2y"], m["brier_5y"]] == pytest.approx(list(brier))
    grid_surv = fitted.predict_survival(X, result.grid).to_numpy()
    assert m["integrated_brier"] == pytest.approx(
        integrated_brier_score(y, y, grid_surv, result.grid))
    assert result.grid[0] == pytest.approx(np.quantile(y["time"], 0.1))
    assert result.grid[-1] == 5.0 and result.tau == 5.0


def test_training_target_weights_the_ipcw_metrics(fitted, ph_data):
    from sksurv.metrics import concordance_index_ipcw

    X, y, *_ = ph_data
    _, y_train, *_ = simulate_ph(800, seed=7, censor=(0.5, 18.0))
    held = evaluate(fitted, X, y, times=TIMES, n_bootstrap=0, y_train=y_train)
    risk = fitted.predict(X).to_numpy()
    expected = concordance_index_ipcw(y_train, y, risk, tau=5.0)[0]
    assert held.metrics.loc["uno_c", "estimate"] == pytest.approx(expected)
    bootstrapped = [m for m in held.metrics.index if not m.startswith(("oe_", "ici_ref"))]
    assert held.metrics.loc[bootstrapped, "lower"].isna().all()


def test_result_layout(result, ph_data):
    X, *_ = ph_data
    metrics = result.metrics
    assert metrics.index.name == "metric"
    assert list(metrics.columns) == ["estimate", "lower", "upper", "se"]
    assert list(metrics.index) == ["harrell_c", "uno_c", "auc_2y", "auc_5y", "brier_2y",
                                   "brier_5y", "integrated_brier", "calibration_slope_2y",
                                   "calibration_slope_5y", "ici_2y", "ici_5y",
                                   "oe_ratio_2y", "ici_reference_2y", "oe_ratio_5y",
                                   "ici_reference_5y"]
    assert (metrics["lower"] <= metrics["upper"]).all()
    assert metrics.loc["harrell_c", "lower"] < metrics.loc["harrell_c", "estimate"] \
        < metrics.loc["harrell_c", "upper"]
    assert result.bootstrap.shape == (40, len(metrics) - 4)   # O/E and ICI reference: not
    assert list(result.calibration_in_the_large["horizon"]) == TIMES
    cal = result.calibration
    assert {"horizon", "predicted", "observed", "observed_lower", "observed_upper",
            "n"} <= set(cal.columns)
    assert sorted(cal["horizon"].unique()) == TIMES
    assert cal.groupby("horizon")["n"].sum().tolist() == [len(X), len(X)]
    assert result.predictions.index.equals(X.index)
    assert list(result.predictions.columns) == ["risk_score", "risk_2y", "risk_5y"]
    assert "harrell_c" in result.summary()


@pytest.mark.slow
def test_bootstrap_identical_for_any_n_jobs(fitted, ph_data, result):
    X, y, *_ = ph_data
    again = evaluate(fitted, X, y, times=TIMES, n_bootstrap=40, random_state=0, n_jobs=2)
    pd.testing.assert_frame_equal(again.metrics, result.metrics)
    other = evaluate(fitted, X, y, times=TIMES, n_bootstrap=40, random_state=1)
    assert not other.metrics["lower"].equals(result.metrics["lower"])


def test_well_specified_model_is_well_calibrated(result):
    m = result.metrics["estimate"]
    for h in ("2y", "5y"):
        assert 0.8 < m[f"calibration_slope_{h}"] < 1.2
        assert m[f"ici_{h}"] < 0.03
    cal = result.calibration
    assert np.abs(cal["observed"] - cal["predicted"]).mean() < 0.05


def test_calibration_slope_detects_overfitting():
    X, y, _, _, lp = simulate_ph(3000, seed=2)
    true_risk = 1 - np.exp(-5.0 / 10.0 * np.exp(lp.to_numpy()))
    extreme = 1 - np.exp(-5.0 / 10.0 * np.exp(2 * lp.to_numpy()))
    assert calibration_slope(y, true_risk, 5.0) == pytest.approx(1.0, abs=0.1)
    assert calibration_slope(y, extreme, 5.0) == pytest.approx(0.5, abs=0.06)
    assert integrated_calibration_index(y, true_risk, 5.0) < 0.02
    assert integrated_calibration_index(y, np.clip(true_risk + 0.1, 0, 1), 5.0) > 0.08


def test_newton_cox_equals_lifelines():
    from lifelines import CoxPHFitter

    X, y, *_ = simulate_ph(500, seed=4)
    Z = X[["x0", "x1"]].to_numpy()
    beta, _ = _cox_newton(y["event"], y["time"], Z)
    frame = X[["x0", "x1"]].assign(T=y["time"], E=y["event"])
    direct = CoxPHFitter().fit(frame, "T", "E").params_.to_numpy()
    np.testing.assert_allclose(beta, direct, rtol=1e-4)   # lifelines stops a little earlier
    assert _cox_newton(np.zeros(500, bool), y["time"], Z) is None


def test_calibration_table_is_kaplan_meier_by_group(ph_data, fitted):
    from lifelines import KaplanMeierFitter

    X, y, *_ = ph_data
    risk = fitted.predict_risk_at(X, 5.0).to_numpy()
    table = calibration_table(y, risk, 5.0, n_groups=5)
    assert len(table) == 5 and table["n"].tolist() == [120] * 5
    top = risk >= np.quantile(risk, 0.8)
    km = KaplanMeierFitter().fit(y["time"][top], y["event"][top])
    assert table["observed"].iloc[-1] == pytest.approx(1 - km.predict(5.0))
    lower, upper = km.confidence_interval_.iloc[:, 0], km.confidence_interval_.iloc[:, 1]
    at = km.confidence_interval_.index[km.confidence_interval_.index <= 5.0][-1]
    assert table["observed_upper"].iloc[-1] == pytest.approx(1 - lower[at], rel=1e-6)
    assert table["observed_lower"].iloc[-1] == pytest.approx(1 - upper[at], rel=1e-6)
    assert table["predicted"].iloc[-1] == pytest.approx(risk[top].mean())


def test_optimism_correction_shrinks_an_overfit_model():
    rng = np.random.default_rng(5)
    X, y, *_ = simulate_ph(120, beta=np.r_[0.7, np.zeros(14)], seed=5)
    X = X + rng.normal(scale=0.01, size=X.shape)
    model = LymphomaRiskModel().fit(X, y)
    result = evaluate(model, X, y, times=[3.0], n_bootstrap=12, optimism=True, random_state=0)
    m = result.metrics
    assert {"optimism", "corrected"} <= set(m.columns)
    assert m.loc["harrell_c", "optimism"] > 0.01
    assert m.loc["harrell_c", "corrected"] < m.loc["harrell_c", "estimate"]
    assert m.loc["calibration_slope_3y", "corrected"] < 1.0
    assert result.optimism_replicates.shape == (12, len(m))


def test_unfitted_model_is_fitted_on_the_data(ph_data, fitted):
    X, y, *_ = ph_data
    a = evaluate(LymphomaRiskModel(), X, y, times=TIMES, n_bootstrap=0, random_state=0)
    b = evaluate(fitted, X, y, times=TIMES, n_bootstrap=0, random_state=0)
    pd.testing.assert_frame_equal(a.metrics, b.metrics)


def test_evaluate_score_uses_the_score_for_discrimination():
    X, y, time, code, lp = simulate_ph(500, seed=6)
    score = pd.Series(np.digitize(lp, [-1, 0, 1]), index=X.index, name="n_factors")
    result = evaluate_score(score, y, times=TIMES, n_bootstrap=20, random_state=0)
    assert result.metrics.loc["harrell_c", "estimate"] == pytest.approx(harrell_c(y, score))
    assert result.predictions.index.equals(X.index)
    assert (result.predictions["risk_score"] == score).all()
    # Its risks come from a Cox recalibration: the same ranking as the score.
    assert result.predictions.groupby(score)["risk_5y"].nunique().eq(1).all()
    assert result.predictions.groupby(score)["risk_5y"].first().is_monotonic_increasing
    assert result.metrics["estimate"].notna().all()
    assert not result.calibration.empty
    again = evaluate_score(score, y, times=TIMES, n_bootstrap=20, random_state=0, n_jobs=2)
    pd.testing.assert_frame_equal(again.metrics, result.metrics)


def test_errors_before_any_work(fitted, ph_data):
    X, y, *_ = ph_data
    with pytest.raises(ValueError, match=r"before the end of follow-up"):
        evaluate(fitted, X, y, times=[2.0, 50.0])
    with pytest.raises(ValueError, match=r"must be > 0"):
        evaluate(fitted, X, y, times=[0.0])
    with pytest.raises(ValueError, match="X has 600 rows but y has 100"):
        evaluate(fitted, X, y[:100], times=[2.0])
    with pytest.raises(ValueError, match="'n_bootstrap' parameter of evaluate"):
        evaluate(fitted, X, y, times=[2.0], n_bootstrap=-1)
    with pytest.raises(ValueError, match="predict_survival"):
        evaluate(object(), X, y, times=[2.0])
    with pytest.raises(ValueError, match=r"score is missing or infinite in 1 row: 3"):
        evaluate_score(np.r_[0, 1, 2, np.nan, np.zeros(596)], y, times=[2.0])
    with pytest.raises(ValueError, match="all samples are censored"):
        evaluate_score(np.arange(3), np.array([(False, 1.0), (False, 2.0), (False, 3.0)],
                                              dtype=TARGET_DTYPE), times=[1.0])
