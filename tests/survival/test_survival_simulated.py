"""Planted truth: known coefficients recovered, held-out discrimination close to the oracle."""

import numpy as np
import pytest
from survival_data import BETA, simulate_ph

from stratify.survival import LymphomaRiskModel, evaluate, harrell_c


@pytest.fixture(scope="module")
def split():
    X, y, _, _, lp = simulate_ph(3000, seed=41)
    train, test = np.arange(2000), np.arange(2000, 3000)
    return X.iloc[train], y[train], X.iloc[test], y[test], lp.iloc[test]


def test_cox_recovers_the_planted_coefficients(split):
    X, y, *_ = split
    summary = LymphomaRiskModel().fit(X, y).summary_
    log_lower, log_upper = np.log(summary["lower"]), np.log(summary["upper"])
    assert ((log_lower < BETA) & (BETA < log_upper)).all()
    assert (summary.loc[["x0", "x1", "x2"], "p_value"] < 1e-6).all()
    np.testing.assert_allclose(np.log(summary["estimate"]), BETA, atol=0.1)


@pytest.mark.parametrize("method, share", [("cox", 0.99), ("coxnet", 0.99), ("forest", 0.95),
                                           ("boosting", 0.95)])
def test_held_out_discrimination_close_to_the_oracle(split, method, share):
    X, y, X_test, y_test, lp_test = split
    model = LymphomaRiskModel(method=method, n_estimators=50, random_state=0).fit(X, y)
    oracle = harrell_c(y_test, lp_test)
    assert harrell_c(y_test, model.predict(X_test)) >= share * oracle


def test_held_out_calibration_of_the_cox_model(split):
    X, y, X_test, y_test, _ = split
    model = LymphomaRiskModel(horizon=5.0).fit(X, y)
    result = evaluate(model, X_test, y_test, times=[5.0], n_bootstrap=0, y_train=y)
    m = result.metrics["estimate"]
    assert 0.85 < m["calibration_slope_5y"] < 1.15
    assert m["ici_5y"] < 0.03


IFN_GENES = ["mol_IFI44", "mol_IFI44L", "mol_IFIT1", "mol_IFIT3", "mol_MX1"]
"""The five-gene interferon score's genes (docs/guide/synthetic.md), part of the synthetic lymphoma truth."""


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_acceptance_on_the_synthetic_cohort():
    from stratify import synthetic
    from stratify._config import LYMPHOMA_RISK_FACTORS
    from stratify.impute import make_imputer
    from stratify.scores import lymphoma_risk_score
    from stratify.survival import make_target

    cohort = synthetic.make_pss_cohort(n_patients=6000, random_state=0)
    data = cohort.data
    # The true model also holds blood BTK and the interferon score: give the model their genes.
    features = [f for f in dict.fromkeys([*LYMPHOMA_RISK_FACTORS, "mol_BTK", *IFN_GENES])
                if f in data.columns]
    X = make_imputer("iterative", random_state=0).fit_transform(data[features])
    y = make_target(data["lymphoma_time_years"], data["lymphoma_event"], competing="censor")
    truth = cohort.truth.loc[data.index, "lymphoma_linear_predictor"].to_numpy()
    test = np.random.default_rng(0).random(len(X)) < 0.5
    model = LymphomaRiskModel(penalizer=0.05).fit(X[~test], y[~test])
    c_model = harrell_c(y[test], model.predict(X[test]))
    c_oracle = harrell_c(y[test], truth[test])
    count = lymphoma_risk_score(X[test].round())["n_factors"]
    assert c_model >= 0.95 * c_oracle
    assert c_model > harrell_c(y[test], count) + 0.03
