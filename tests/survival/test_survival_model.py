"""LymphomaRiskModel: equal to lifelines/scikit-survival, selected alpha, sklearn API, errors."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from survival_data import simulate_ph

from stratify.survival import LymphomaRiskModel, c_index_scorer, harrell_c, make_target
from stratify.survival._model import _partial_loglik


def _lifelines_cox(X, y, **params):
    from lifelines import CoxPHFitter

    frame = X.assign(T=y["time"], E=y["event"])
    return CoxPHFitter(**params).fit(frame, duration_col="T", event_col="E")


@pytest.mark.parametrize("penalizer, l1_ratio", [(0.0, None), (0.1, 0.5)])
def test_cox_equals_lifelines(ph_data, penalizer, l1_ratio):
    X, y, *_ = ph_data
    model = LymphomaRiskModel(penalizer=penalizer, l1_ratio=l1_ratio).fit(X, y)
    fitted = _lifelines_cox(X, y, penalizer=penalizer, l1_ratio=l1_ratio or 0.0).summary
    np.testing.assert_allclose(model.coef_, fitted["coef"], rtol=1e-10)
    # the hazard-ratio table is that of the unpenalized fit (its Wald intervals cover)
    direct = _lifelines_cox(X, y).summary
    assert model.inference_.startswith("unpenalized")
    np.testing.assert_allclose(model.summary_["estimate"], direct["exp(coef)"], rtol=1e-10)
    np.testing.assert_allclose(model.summary_["lower"], direct["exp(coef) lower 95%"], rtol=1e-10)
    np.testing.assert_allclose(model.summary_["upper"], direct["exp(coef) upper 95%"], rtol=1e-10)
    np.testing.assert_allclose(model.summary_["p_value"], direct["p"], rtol=1e-8)
    assert model.summary_.index.name == "covariate"
    assert list(model.summary_.index) == list(X.columns)


def test_cox_survival_equals_lifelines_at_observed_times(ph_data):
    X, y, *_ = ph_data
    model = LymphomaRiskModel().fit(X, y)
    times = np.sort(y["time"])[[5, 100, 300, 550]]
    direct = model.estimator_.predict_survival_function(X.iloc[:20], times=times).T
    ours = model.predict_survival(X.iloc[:20], times)
    np.testing.assert_allclose(ours.to_numpy(), direct.to_numpy(), rtol=1e-8)
    assert list(ours.index) == list(X.index[:20])
    # Before the first time nobody has had the event.
    assert (model.predict_survival(X.iloc[:3], [0.0]).to_numpy() == 1.0).all()


def test_predictions_keep_the_patient_index(ph_data):
    X, y, *_ = ph_data
    model = LymphomaRiskModel(horizon=4.0).fit(X, y)
    risk = model.predict(X)
    assert isinstance(risk, pd.Series) and risk.name == "risk_score"
    assert risk.index.equals(X.index)
    np.testing.assert_allclose(risk, X.to_numpy() @ model.coef_)
    at = model.predict_risk_at(X)
    assert at.name == "risk_4y" and at.index.equals(X.index)
    np.testing.assert_allclose(at, 1 - model.predict_survival(X, [4.0])[4.0])
    np.testing.assert_allclose(model.predict_risk_at(X, 2.0),
                               1 - model.predict_survival(X, [2.0])[2.0])
    # Numpy in, numpy out; columns in another order are put back in place.
    assert isinstance(model.predict(X.to_numpy()), np.ndarray)
    np.testing.assert_allclose(model.predict(X[X.columns[::-1]]), risk)


def test_partial_likelihood_equals_lifelines(ph_data):
    X, y, *_ = ph_data
    fitter = _lifelines_cox(X, y)
    eta = (X.to_numpy() @ fitter.params_.to_numpy())[:, None]
    assert _partial_loglik(y["event"], y["time"], eta)[0] == pytest.approx(
        fitter.log_likelihood_, rel=1e-9)


def test_coxnet_predicts_with_the_selected_alpha():
    X, y, *_ = simulate_ph(400, beta=np.array([1.0, -0.7, 0, 0, 0, 0, 0, 0]), seed=3)
    model = LymphomaRiskModel(method="coxnet", l1_ratio=0.9, random_state=0).fit(X, y)
    path = model.estimator_.alphas_
    assert model.alpha_ in path
    assert model.alpha_ not in (path[0], path[-1])
    best = model.cv_results_["cv_partial_loglik"].idxmax()
    assert model.alpha_ == model.cv_results_.loc[best, "alpha"]
    Z = model.scaler_.transform(X.to_numpy())
    selected = model.estimator_.predict(Z, alpha=model.alpha_)
    last = model.estimator_.predict(Z)            # scikit-survival's default: the last alpha
    ours = model.predict(X).to_numpy()
    # Same model as scikit-survival's at the chosen alpha (up to centring) ...
    np.testing.assert_allclose(ours - ours.mean(), selected - selected.mean(), atol=1e-8)
    # ... and not the one at the end of the path.
    assert np.abs((ours - ours.mean()) - (last - last.mean())).max() > 1e-3
    # The lasso part removed noise covariates but kept the true ones.
    assert model.coef_[0] > 0.5 and model.coef_[1] < -0.3
    assert np.sum(model.coef_[2:] == 0) >= 3


def test_coxnet_refuses_pure_ridge(ph_data):
    X, y, *_ = ph_data
    with pytest.raises(ValueError, match="'l1_ratio' parameter .* must be > 0 for method='coxnet'"):
        LymphomaRiskModel(method="coxnet", l1_ratio=0.0).fit(X, y)


@pytest.mark.parametrize("method", ["forest", "boosting"])
def test_tree_models(ph_data, method):
    X, y, _, _, lp = ph_data
    model = LymphomaRiskModel(method=method, n_estimators=30, random_state=0).fit(X, y)
    assert harrell_c(y, model.predict(X)) > 0.7
    assert harrell_c(y, model.predict(X)) == pytest.approx(model.score(X, y))
    surv = model.predict_survival(X.iloc[:50], [0.5, 2.0, 5.0, 10.0]).to_numpy()
    assert ((surv >= 0) & (surv <= 1)).all()
    assert (np.diff(surv, axis=1) <= 1e-12).all()
    trees = (model.estimator_.estimators_.ravel() if method == "boosting"
             else model.estimator_.estimators_)
    depths = [t.tree_.max_depth for t in trees]
    assert max(depths) <= (8 if method == "forest" else 3)
    again = LymphomaRiskModel(method=method, n_estimators=30, random_state=0).fit(X, y)
    np.testing.assert_array_equal(again.predict(X), model.predict(X))


def test_forest_time_grid_comes_from_the_data(ph_data):
    from stratify.survival._model import FOREST_MAX_TIMES, forest_time_grid

    X, y, *_ = ph_data
    event_times = np.unique(y["time"][y["event"]])
    assert event_times.size > FOREST_MAX_TIMES          # quantiles of the event times
    model = LymphomaRiskModel(method="forest", n_estimators=5, random_state=0).fit(X, y)
    assert model.time_resolution_ is None
    assert len(model.estimator_.unique_times_) <= FOREST_MAX_TIMES + 1
    np.testing.assert_array_equal(model.estimator_.unique_times_, model.time_grid_)
    assert np.isin(model.time_grid_[:-1], event_times).all()
    grid, mapped = forest_time_grid(y["event"], y["time"])
    assert (mapped >= y["time"]).all()                   # rounded up to the next point
    # few event times: kept exactly, a censoring time moved to the last event time before it
    few = forest_time_grid(np.array([False, True, False, True, False]),
                           np.array([0.5, 1.0, 1.7, 2.0, 3.0]))
    np.testing.assert_array_equal(few[1], [0.5, 1.0, 1.0, 2.0, 2.0])
    fine = LymphomaRiskModel(method="forest", n_estimators=5, time_resolution=0.01,
                             random_state=0).fit(X, y)
    assert fine.time_resolution_ == 0.01
    assert len(fine.estimator_.unique_times_) > FOREST_MAX_TIMES + 1


def test_sklearn_clone_pipeline_and_grid_search(ph_data):
    X, y, *_ = ph_data
    model = LymphomaRiskModel(method="cox", penalizer=0.2, horizon=3.0)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "coef_")
    pipe = make_pipeline(StandardScaler(), LymphomaRiskModel()).fit(X, y)
    assert pipe.score(X, y) == pytest.approx(harrell_c(y, pipe.predict(X)))
    search = GridSearchCV(LymphomaRiskModel(), {"penalizer": [0.0, 50.0]},
                          cv=KFold(3, shuffle=True, random_state=0), scoring=c_index_scorer)
    search.fit(X, y)
    assert search.best_params_ == {"penalizer": 0.0}
    default = GridSearchCV(LymphomaRiskModel(), {"penalizer": [0.0, 50.0]},
                           cv=KFold(3, shuffle=True, random_state=0)).fit(X, y)
    np.testing.assert_allclose(default.cv_results_["mean_test_score"],
                               search.cv_results_["mean_test_score"])


def test_input_errors(ph_data):
    X, y, *_ = ph_data
    holes = X.copy()
    holes.iloc[[4, 9], 2] = np.nan
    with pytest.raises(ValueError, match=r"column 'x2' holds missing values \(2 rows: p00004, "
                                         r"p00009\)\. Impute them first"):
        LymphomaRiskModel().fit(holes, y)
    with pytest.raises(ValueError, match="needs numeric features"):
        LymphomaRiskModel().fit(X.assign(sex="F"), y)
    with pytest.raises(ValueError, match="X has 600 rows but y has 10"):
        LymphomaRiskModel().fit(X, y[:10])
    with pytest.raises(ValueError, match="method"):
        LymphomaRiskModel(method="svm").fit(X, y)
    model = LymphomaRiskModel().fit(X, y)
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['x4'\]"):
        model.predict(X.drop(columns="x4"))
    with pytest.raises(ValueError, match="has 3 features, but the model was fitted on 5"):
        model.predict(X.to_numpy()[:, :3])
    with pytest.raises(ValueError, match="holds missing values"):
        model.predict(holes)
    with pytest.raises(ValueError, match="times must be finite numbers >= 0"):
        model.predict_survival(X, [-1.0])


def test_collinear_covariates_give_advice():
    rng = np.random.default_rng(0)
    x = rng.normal(size=100)
    X = pd.DataFrame({"a": x, "b": 2 * x})
    y = make_target(rng.exponential(5, 100), np.ones(100, dtype=int))
    with pytest.raises(ValueError, match=r"did not converge: the covariates 'a', 'b' are "
                                         r"collinear .*penalizer > 0"):
        LymphomaRiskModel().fit(X, y)
    penalized = LymphomaRiskModel(penalizer=0.1).fit(X, y)
    assert np.isfinite(penalized.summary_["estimate"]).all()


@pytest.mark.parametrize("ties", [None, 0.5])
def test_fast_cox_loss_equals_scikit_survival(ties):
    from sksurv.ensemble._coxph_loss import coxph_loss, coxph_negative_gradient

    from stratify.survival._boosting import cox_negative_gradient, cox_negative_loglik

    X, y, *_ = simulate_ph(800, seed=9, ties=ties)
    f = X.to_numpy() @ np.array([0.3, 0.2, -0.1, 0.5, 0.0])
    event = y["event"].astype(np.uint8)
    np.testing.assert_allclose(cox_negative_gradient(y["event"], y["time"], f),
                               coxph_negative_gradient(event, y["time"], f), atol=1e-10)
    assert cox_negative_loglik(y["event"], y["time"], f) == pytest.approx(
        coxph_loss(event, y["time"], f), rel=1e-12)


def test_boosting_equals_scikit_survival_estimator(ph_data):
    from sksurv.ensemble import GradientBoostingSurvivalAnalysis

    X, y, *_ = ph_data
    ours = LymphomaRiskModel(method="boosting", n_estimators=15, random_state=0).fit(X, y)
    direct = GradientBoostingSurvivalAnalysis(n_estimators=15, max_depth=3, min_samples_leaf=10,
                                              random_state=0).fit(X.to_numpy(), y)
    np.testing.assert_allclose(ours.predict(X), direct.predict(X.to_numpy()), rtol=1e-8)
    np.testing.assert_allclose(ours.estimator_.train_score_, direct.train_score_, rtol=1e-8)


def test_forest_trees_see_at_most_max_samples(ph_data):
    X, y, *_ = ph_data
    model = LymphomaRiskModel(method="forest", n_estimators=3, max_samples=100,
                              random_state=0).fit(X, y)
    assert model.estimator_.max_samples == 100
    assert all(t.tree_.n_node_samples[0] <= 100 for t in model.estimator_.estimators_)
    default = LymphomaRiskModel(method="forest", n_estimators=3, random_state=0).fit(X, y)
    assert default.estimator_.max_samples == len(X)          # fewer than 5,000 patients


def test_coxnet_survives_fold_paths_that_stop_early():
    from sklearn.model_selection import StratifiedKFold
    from sksurv.linear_model import CoxnetSurvivalAnalysis

    beta = np.random.default_rng(1000).normal(0, 0.3, 20)
    X, y, *_ = simulate_ph(600, beta=beta, seed=0)
    model = LymphomaRiskModel(method="coxnet", random_state=0).fit(X, y)
    alphas = model.estimator_.alphas_
    # This data set does make a fold's path stop before the last penalty.
    Z = model.scaler_.transform(X.to_numpy())
    folds = StratifiedKFold(5, shuffle=True, random_state=0).split(Z, y["event"])
    lengths = [CoxnetSurvivalAnalysis(l1_ratio=0.5, alphas=alphas).fit(Z[tr], y[tr]).coef_.shape[1]
               for tr, _ in folds]
    assert min(lengths) < alphas.size
    assert len(model.cv_results_) == alphas.size
    assert np.isfinite(model.cv_results_["cv_partial_loglik"]).all()
    assert harrell_c(y, model.predict(X)) > 0.7
