"""pool_cox: Rubin's rules over Cox fits on multiply imputed data."""

import numpy as np
import pandas as pd
import pytest
from survival_data import simulate_ph

from stratify.impute import pool
from stratify.survival import LymphomaRiskModel, pool_cox


@pytest.fixture(scope="module")
def imputed_fits():
    """Cox models on 5 'imputations': x0 drawn around its true value in 40 % of rows."""
    X, y, *_ = simulate_ph(400, seed=21)
    rng = np.random.default_rng(0)
    holes = rng.random(len(X)) < 0.4
    fits = []
    for _ in range(5):
        Xm = X.copy()
        Xm.loc[holes, "x0"] = X.loc[holes, "x0"] + rng.normal(size=holes.sum())
        fits.append(LymphomaRiskModel(penalizer=0.01).fit(Xm, y))
    return fits


def test_pool_cox_is_rubins_rules_on_the_log_scale(imputed_fits):
    result = pool_cox(imputed_fits)
    coef = pd.DataFrame([m.summary_["coef"] for m in imputed_fits])
    var = np.array([m.summary_["se"] ** 2 for m in imputed_fits])
    expected = pool(coef, var, n_obs=400)
    np.testing.assert_allclose(result["coef"], expected["estimate"])
    np.testing.assert_allclose(result["estimate"], np.exp(expected["estimate"]))
    np.testing.assert_allclose(result["lower"], np.exp(expected["ci_lower"]))
    np.testing.assert_allclose(result["upper"], np.exp(expected["ci_upper"]))
    np.testing.assert_allclose(result["df"], expected["df"])
    np.testing.assert_allclose(result["fmi"], expected["fmi"])
    assert result.index.name == "covariate" and list(result.index) == [f"x{i}" for i in range(5)]
    # The imputed covariate carries the most missing information.
    assert result["fmi"].idxmax() == "x0"
    assert result.loc["x0", "upper"] - result.loc["x0", "lower"] > \
        imputed_fits[0].summary_.loc["x0", "upper"] - imputed_fits[0].summary_.loc["x0", "lower"]


def test_pool_cox_accepts_lifelines_fitters_and_tables(imputed_fits):
    from_models = pool_cox(imputed_fits)
    from_tables = pool_cox([m.summary_ for m in imputed_fits], n_obs=400)
    pd.testing.assert_frame_equal(from_models, from_tables)
    # the lifelines fitters hold the penalized fit (penalizer 0.01), summary_ the
    # unpenalized refit: the same but for a slight shrinkage
    from_lifelines = pool_cox([m.estimator_ for m in imputed_fits], n_obs=400)
    np.testing.assert_allclose(from_lifelines["estimate"], from_models["estimate"], rtol=0.05)
    strong = ["x0", "x1", "x2"]
    assert (np.abs(from_lifelines.loc[strong, "coef"])
            < np.abs(from_models.loc[strong, "coef"])).all()
    rubin_1987 = pool_cox([m.summary_ for m in imputed_fits])
    assert (rubin_1987["df"] > from_models["df"]).all()


def test_pool_cox_errors(imputed_fits):
    with pytest.raises(ValueError, match="at least 2 fits"):
        pool_cox(imputed_fits[:1])
    other = imputed_fits[1].summary_.drop(index="x4")
    with pytest.raises(ValueError, match="same covariates"):
        pool_cox([imputed_fits[0].summary_, other])
    with pytest.raises(ValueError, match="item 1 is a str"):
        pool_cox([imputed_fits[0], "model"])
