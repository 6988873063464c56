"""The Cox fit converges wherever R's coxph does, and never returns a fit that did not.

FLCHAIN (scikit-survival's copy of R's ``survival::flchain``: serum free light chains
and death, 7,874 residents of Olmsted County) with R's seven covariates, sample year
as a number as in R; patients without creatinine left out (6,524), 70 % for fitting
(4,566, ``train_test_split(random_state=0)``). lifelines' default Newton step
overshoots there; lifelines with ``step_size=0.5`` is the Python reference
where R is absent.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from stratify.survival import LymphomaRiskModel, _cox, make_target
from stratify.survival._cox import (
    CoxConvergenceError,
    EfronData,
    collinear,
    diagnose_divergence,
    fit_cox,
    newton_decrement,
)

FLCHAIN_COVARIATES = ["age", "sex", "sample_yr", "kappa", "lambda", "creatinine", "mgus"]


@pytest.fixture(scope="module")
def flchain():
    """R's seven FLCHAIN covariates and target (days) of the 4,566 training patients."""
    from sklearn.model_selection import train_test_split
    from sksurv.datasets import load_flchain

    X, y = load_flchain()
    data = pd.DataFrame({
        "age": X["age"], "sex": (X["sex"] == "M").astype(float),
        "sample_yr": X["sample.yr"].astype(int).astype(float), "kappa": X["kappa"],
        "lambda": X["lambda"], "creatinine": X["creatinine"],
        "mgus": (X["mgus"] == "yes").astype(float),
        "T": y["futime"], "E": y["death"].astype(int)}).dropna()
    train, _ = train_test_split(data, test_size=0.3, random_state=0)
    return train[FLCHAIN_COVARIATES], make_target(train["T"], train["E"]), train


def _lifelines(frame, penalizer=0.0, l1_ratio=0.0, step_size=None):
    from lifelines import CoxPHFitter

    options = None if step_size is None else {"step_size": step_size}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitter = CoxPHFitter(penalizer=penalizer, l1_ratio=l1_ratio).fit(
            frame, duration_col="T", event_col="E", fit_options=options)
    return fitter, [w for w in caught if "Newton-Raphson" in str(w.message)]


def test_efron_likelihood_gradient_hessian_equal_lifelines_and_scikit_survival():
    from lifelines.datasets import load_rossi
    from sksurv.linear_model.coxph import CoxPHOptimizer

    data = load_rossi()                      # weekly times: many ties
    X = data.drop(columns=["week", "arrest"]).to_numpy(float)
    Z = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
    event, time = data["arrest"].to_numpy(bool), data["week"].to_numpy(float)
    efron = EfronData(Z, event, time)
    beta = np.random.default_rng(0).normal(0, 0.3, Z.shape[1])
    loglik, grad, hess = efron.evaluate(beta)
    direct = CoxPHOptimizer(Z, event, time, np.zeros(Z.shape[1]), "efron")
    direct.update(beta)
    n = len(data)
    assert loglik == pytest.approx(-n * direct.nlog_likelihood(beta), rel=1e-12)
    np.testing.assert_allclose(grad, -n * direct.gradient, atol=1e-10)
    np.testing.assert_allclose(hess, -n * direct.hessian, atol=1e-10)
    fitter, _ = _lifelines(data.rename(columns={"week": "T", "arrest": "E"}))
    at_fit = efron.evaluate(fitter.params_.to_numpy() * X.std(axis=0, ddof=1))
    assert at_fit[0] == pytest.approx(fitter.log_likelihood_, rel=1e-12)
    assert newton_decrement(efron, fitter.params_.to_numpy() * X.std(axis=0, ddof=1))[0] < 1e-12


def test_flchain_converges_without_penalty_as_lifelines_with_half_steps(flchain):
    X, y, frame = flchain
    default, problems = _lifelines(frame)
    assert problems                               # lifelines' default step does not converge
    model = LymphomaRiskModel().fit(X, y)          # raised "did not converge" before
    reference, problems = _lifelines(frame, step_size=0.5)
    assert not problems
    assert model.solver_ == "lifelines step_size=0.5"
    np.testing.assert_allclose(model.coef_, reference.params_[FLCHAIN_COVARIATES], atol=1e-4,
                               rtol=1e-4)
    assert np.abs(default.params_ - reference.params_).max() > 1.0   # what was at stake
    summary = reference.summary.loc[FLCHAIN_COVARIATES]
    np.testing.assert_allclose(model.summary_["se"], summary["se(coef)"], rtol=1e-4)
    assert model.inference_.startswith("unpenalized")


@pytest.mark.parametrize("penalizer", [1e-4, 1e-3, 1e-2])
def test_small_penalty_that_lifelines_does_not_converge_is_not_returned(flchain, penalizer):
    X, y, frame = flchain
    default, problems = _lifelines(frame, penalizer=penalizer)
    assert problems             # returned "successfully" before, 8-11 away from the optimum
    model = LymphomaRiskModel(penalizer=penalizer).fit(X, y)
    reference, problems = _lifelines(frame, penalizer=penalizer, step_size=0.5)
    assert not problems
    np.testing.assert_allclose(model.coef_, reference.params_[FLCHAIN_COVARIATES], atol=1e-4,
                               rtol=1e-4)
    # its hazard-ratio table comes from the unpenalized refit, which converges too
    unpenalized, _ = _lifelines(frame, step_size=0.5)
    np.testing.assert_allclose(model.summary_["coef"], unpenalized.params_[FLCHAIN_COVARIATES],
                               atol=1e-4, rtol=1e-4)


def test_no_rung_converging_raises_instead_of_returning(flchain, monkeypatch):
    X, y, _ = flchain
    # Only lifelines' default step, and a lasso part (no scikit-survival fallback):
    monkeypatch.setattr(_cox, "STEP_SIZES", (0.95,))
    with pytest.raises(ValueError, match=r"did not converge.*penalizer=0\.001.*Solvers tried: "
                                         r"lifelines step_size=0\.95: Newton-Raphson failed"):
        LymphomaRiskModel(penalizer=1e-3, l1_ratio=0.5).fit(X, y)


@pytest.mark.parametrize("penalizer", [0.0, 0.01])
def test_scikit_survival_fallback_equals_lifelines(flchain, monkeypatch, penalizer):
    X, y, frame = flchain
    monkeypatch.setattr(_cox, "STEP_SIZES", ())       # lifelines never tried
    model = LymphomaRiskModel(penalizer=penalizer).fit(X, y)
    assert model.solver_ == "scikit-survival CoxPHSurvivalAnalysis (Efron)"
    reference, _ = _lifelines(frame, penalizer=penalizer, step_size=0.5)
    np.testing.assert_allclose(model.coef_, reference.params_[FLCHAIN_COVARIATES], rtol=1e-5)
    if penalizer == 0:
        summary = reference.summary.loc[FLCHAIN_COVARIATES]
        for ours, theirs in [("se", "se(coef)"), ("lower", "exp(coef) lower 95%"),
                             ("upper", "exp(coef) upper 95%")]:
            np.testing.assert_allclose(model.summary_[ours], summary[theirs], rtol=1e-5)
        np.testing.assert_allclose(model.summary_["p_value"], summary["p"], atol=1e-6)
    # predictions come from the coefficients and the Breslow baseline, whatever the solver
    np.testing.assert_allclose(model.predict(X.iloc[:5]), X.iloc[:5].to_numpy() @ model.coef_)


def _separated(n=500, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.integers(0, 2, n).astype(float),
                      "c": rng.normal(size=n)})
    time = rng.exponential(5, n)
    event = rng.random(n) < 0.6
    X.loc[event, "b"] = 0.0            # 'b' in no patient with an event
    return X, event, time


def test_separation_names_the_covariate():
    X, event, time = _separated()
    with pytest.raises(ValueError, match=r"the coefficient of 'b' keeps growing .*coefficient "
                                         r"may be infinite.*Drop or merge it"):
        LymphomaRiskModel().fit(X, make_target(time, event))
    Z = (X - X.mean()) / X.std()
    assert diagnose_divergence(EfronData(Z.to_numpy(), event, time)) == [1]
    # a ridge penalty makes the coefficient finite: fitted, and its table says why no CI
    model = LymphomaRiskModel(penalizer=0.1).fit(X, make_target(time, event))
    assert model.coef_[1] < -0.5
    assert model.inference_.startswith("penalized coefficients without intervals")
    assert "'b' runs away" in model.inference_


def test_collinear_covariates_are_named():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=200), "c": rng.normal(size=200),
                      "d": rng.normal(size=200)})
    X["sum"] = X["a"] + X["c"]
    assert collinear(((X - X.mean()) / X.std()).to_numpy()) == [0, 1, 3]
    time, event = rng.exponential(5, 200), rng.random(200) < 0.7
    with pytest.raises(CoxConvergenceError, match=r"'a', 'c', 'sum' are collinear"):
        fit_cox(list(X.columns), X.to_numpy(), event, time)


def test_fit_is_checked_at_the_maximum(flchain):
    X, y, _ = flchain
    fit = fit_cox(FLCHAIN_COVARIATES, X.to_numpy(), y["event"], y["time"])
    assert fit.attempts and fit.attempts[0].startswith("lifelines step_size=0.95: Newton-Raphson")
    Z = (X - X.mean()) / X.std()
    efron = EfronData(Z.to_numpy(), y["event"], y["time"])
    decrement, objective, _ = newton_decrement(efron, fit.coef * X.std().to_numpy())
    assert decrement < _cox.DECREMENT_TOL * abs(objective)
    # lifelines' default answer is far from the maximum
    wrong = _lifelines(flchain[2])[0].params_[FLCHAIN_COVARIATES].to_numpy()
    assert newton_decrement(efron, wrong * X.std().to_numpy())[0] > 1.0


PSS_FACTORS = ["salivary_gland_enlargement", "lymphadenopathy", "raynaud", "anti_ro", "anti_la",
               "rf", "monoclonal_component", "c4_low", "cryoglobulins", "lymphopenia", "age"]


def test_synthetic_cohort_eleven_factors_converge_without_penalty():
    """Issue 28's synthetic case: no factor separates (every cell of factor x event has
    events); lifelines' full first Newton step lowers the likelihood and diverges."""
    from stratify.impute import make_imputer
    from stratify.synthetic import make_pss_cohort

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cohort = make_pss_cohort(n_patients=6000, n_centers=4, random_state=31)
        X = make_imputer("iterative", random_state=0).fit_transform(cohort.data[PSS_FACTORS])
    data = cohort.data
    rows = X.sample(frac=2 / 3, random_state=0).index
    X = X.loc[rows]
    event = (data.loc[rows, "lymphoma_event"] == 1).astype(int)
    y = make_target(data.loc[rows, "lymphoma_time_years"], event)
    for factor in PSS_FACTORS[:-1]:                   # events with and without each factor
        assert 0 < event[X[factor] == 1].sum() < event.sum(), factor
    model = LymphomaRiskModel().fit(X, y)
    reference, problems = _lifelines(X.assign(T=y["time"], E=y["event"]), step_size=0.5)
    assert not problems
    np.testing.assert_allclose(model.coef_, reference.params_[PSS_FACTORS], atol=1e-4, rtol=1e-4)
    assert model.summary_.loc["cryoglobulins", "estimate"] > 2     # a real hazard ratio
