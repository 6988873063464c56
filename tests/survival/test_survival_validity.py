"""Honest survival inference: Cox intervals with a penalty, O/E and the ICI's reference."""

import warnings

import numpy as np
import pandas as pd
import pytest

from stratify.survival import (
    LymphomaRiskModel,
    calibration_in_the_large,
    evaluate,
    ici_reference,
    make_target,
)


def ph(n: int, seed: int, beta=(0.7, 0.5, 0.0), base: float = 60.0):
    """Binary and continuous risk factors, exponential times, uniform censoring."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"f1": (rng.random(n) < 0.3).astype(float),
                      "f2": (rng.random(n) < 0.2).astype(float), "z": rng.normal(size=n)},
                     index=[f"p{i}" for i in range(n)])
    event_time = rng.exponential(base / np.exp(X.to_numpy() @ np.asarray(beta)))
    followup = rng.uniform(2.0, 15.0, n)
    return X, make_target(np.minimum(event_time, followup),
                          (event_time <= followup).astype(int))


def test_penalized_cox_shows_the_unpenalized_hazard_ratios():
    from lifelines import CoxPHFitter

    X, y = ph(600, seed=0)
    model = LymphomaRiskModel(method="cox", penalizer=0.05).fit(X, y)
    frame = X.assign(T=y["time"], E=y["event"])
    plain = CoxPHFitter().fit(frame, duration_col="T", event_col="E").summary
    penalized = CoxPHFitter(penalizer=0.05).fit(frame, duration_col="T", event_col="E")
    assert model.coef_ == pytest.approx(penalized.params_.to_numpy())
    assert model.summary_["coef"].to_numpy() == pytest.approx(plain["coef"].to_numpy())
    assert model.summary_["lower"].to_numpy() == pytest.approx(
        plain["exp(coef) lower 95%"].to_numpy())
    assert model.inference_.startswith("unpenalized")
    assert model.summary_.attrs["inference"] == model.inference_
    # the penalty shrinks: the shown hazard ratio of f1 is further from 1 than coef_ says
    assert abs(model.summary_.loc["f1", "coef"]) > abs(model.coef_[0])


def test_unpenalized_fit_is_the_summary_without_a_penalty():
    X, y = ph(400, seed=1)
    model = LymphomaRiskModel(method="cox").fit(X, y)
    assert model.summary_["coef"].to_numpy() == pytest.approx(model.coef_)
    assert model.inference_.startswith("unpenalized")


def test_separation_falls_back_to_penalized_coefficients_without_intervals():
    X, y = ph(400, seed=2)
    # a factor present only in patients without an event: the unpenalized HR is 0
    X["never"] = 0.0
    no_event = np.flatnonzero(~y["event"])
    X.iloc[no_event[:40], X.columns.get_loc("never")] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LymphomaRiskModel(method="cox", penalizer=0.1).fit(X, y)
    assert model.inference_.startswith("penalized coefficients without intervals")
    s = model.summary_
    assert s[["lower", "upper", "p_value", "se"]].isna().all().all()
    assert s["estimate"].to_numpy() == pytest.approx(np.exp(model.coef_))


@pytest.mark.slow
def test_shown_cox_intervals_cover_where_the_penalized_wald_ones_do_not():
    from benchmarks._validity_inference import COX_BETA, _cox_data

    shown, penalized = [], []
    for r in range(40):
        X, y = _cox_data(np.random.default_rng(500 + r), 1_000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = LymphomaRiskModel(method="cox", penalizer=0.05).fit(X, y)
        low, high = np.log(model.summary_["lower"]), np.log(model.summary_["upper"])
        shown.extend((low <= COX_BETA) & (COX_BETA <= high))
        wald = model.estimator_.confidence_intervals_.to_numpy()
        penalized.extend((wald[:, 0] <= COX_BETA) & (COX_BETA <= wald[:, 1]))
    # 240 intervals: MC SE 0.014 at 95 %
    assert np.mean(shown) >= 0.91
    assert np.mean(penalized) < np.mean(shown)


def risks(n: int, seed: int):
    rng = np.random.default_rng(seed)
    lp = rng.normal(0, 0.8, n) - 2.0
    event_time = rng.exponential(np.exp(-lp))
    censor = rng.uniform(2.0, 12.0, n)
    y = make_target(np.minimum(event_time, censor), (event_time <= censor).astype(int))
    return y, -np.expm1(-5.0 * np.exp(lp))


def test_observed_over_expected_is_2_for_halved_risks_and_1_for_the_true_ones():
    from sksurv.nonparametric import kaplan_meier_estimator

    y, true = risks(2000, seed=3)
    halved = calibration_in_the_large(y, true / 2, 5.0, random_state=0)
    assert halved["oe_ratio"] == pytest.approx(2.0, abs=0.15)
    assert halved["lower"] > 1.5 and halved["upper"] > halved["oe_ratio"]
    right = calibration_in_the_large(y, true, 5.0, random_state=0)
    assert right["lower"] < 1 < right["upper"]
    times, surv = kaplan_meier_estimator(y["event"], y["time"])
    km = 1 - surv[np.searchsorted(times, 5.0, side="right") - 1]
    assert right["observed"] == pytest.approx(km)
    assert right["expected"] == pytest.approx(true.mean())
    # the paired bootstrap is narrower than Greenwood's O-only interval
    greenwood = calibration_in_the_large(y, true, 5.0, n_bootstrap=0)
    assert greenwood["oe_ratio"] == pytest.approx(right["oe_ratio"])
    assert greenwood["upper"] - greenwood["lower"] > right["upper"] - right["lower"]


def test_ici_reference_flags_halved_risks_not_the_true_ones():
    y, true = risks(800, seed=4)
    good = ici_reference(y, true, 5.0, n_simulations=40, random_state=0)
    bad = ici_reference(y, true / 2, 5.0, n_simulations=40, random_state=0)
    assert good["lower"] <= good["ici"] <= good["upper"] and good["p_value"] > 0.05
    assert 0 < good["expected"] < 0.05
    assert bad["ici"] > bad["upper"] and bad["p_value"] < 0.05


def test_evaluate_reports_o_over_e_and_the_ici_reference():
    X, y = ph(500, seed=5)
    model = LymphomaRiskModel(method="cox").fit(X, y)
    result = evaluate(model, X, y, times=[5.0], n_bootstrap=0, random_state=0)
    rows = result.metrics.loc[["oe_ratio_5y", "ici_reference_5y"]]
    assert rows[["estimate", "lower", "upper"]].notna().all().all()
    oe = rows.loc["oe_ratio_5y"]
    assert oe["lower"] < 1 < oe["upper"]  # the model fitted on these patients
    large = result.calibration_in_the_large
    assert list(large["horizon"]) == [5.0]
    assert large.loc[0, "oe_ratio"] == pytest.approx(oe["estimate"])
    assert large.loc[0, "ici"] == pytest.approx(result.metrics.loc["ici_5y", "estimate"])
