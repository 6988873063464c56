"""On real public survival data, stratify agrees with lifelines and scikit-survival.

The data sets ship inside the installed packages (nothing is downloaded or
copied into the repository): lifelines' ``rossi`` (432 released prisoners,
re-arrest within 52 weeks, heavily tied weekly times), scikit-survival's
``gbsg2`` (686 breast-cancer patients, German Breast Cancer Study Group 2,
with categorical covariates) and ``whas500`` (500 patients of the Worcester
Heart Attack Study).
"""

import warnings

import numpy as np
import pytest

from stratify.survival import (
    LymphomaRiskModel,
    cumulative_incidence,
    evaluate,
    harrell_c,
    kaplan_meier,
    logrank,
    make_target,
)

DAYS_PER_YEAR = 365.25
HORIZONS = [1.0, 2.0, 5.0]
"""Years; gbsg2 follows patients for up to 7.3 years."""


@pytest.fixture(scope="module")
def rossi():
    """Covariates and target of lifelines' rossi data (time in weeks)."""
    from lifelines.datasets import load_rossi

    data = load_rossi()
    return data, data.drop(columns=["week", "arrest"]), make_target(data["week"], data["arrest"])


@pytest.fixture(scope="module")
def gbsg2():
    """gbsg2 with categoricals one-hot encoded, its target in years, and tumour grade."""
    from sksurv.column import encode_categorical
    from sksurv.datasets import load_gbsg2

    X, y = load_gbsg2()
    target = make_target(y["time"] / DAYS_PER_YEAR, y["cens"])
    return encode_categorical(X).astype(float), target, X["tgrade"]


@pytest.fixture(scope="module")
def whas500():
    """whas500 with categoricals one-hot encoded, its target in years."""
    from sksurv.column import encode_categorical
    from sksurv.datasets import load_whas500

    X, y = load_whas500()
    return (encode_categorical(X).astype(float),
            make_target(y["lenfol"] / DAYS_PER_YEAR, y["fstat"]))


@pytest.mark.parametrize("penalizer", [0.0, 0.1])
def test_cox_equals_lifelines_on_rossi(rossi, penalizer):
    from lifelines import CoxPHFitter

    data, X, y = rossi
    model = LymphomaRiskModel(method="cox", penalizer=penalizer).fit(X, y)
    direct = CoxPHFitter(penalizer=penalizer).fit(data, duration_col="week", event_col="arrest")
    summary = direct.summary.loc[list(X.columns)]
    # the hazard-ratio table is the unpenalized fit's, whatever the penalty
    plain = CoxPHFitter().fit(data, duration_col="week", event_col="arrest")
    shown = plain.summary.loc[list(X.columns)]
    for ours, theirs in [("coef", "coef"), ("se", "se(coef)"), ("estimate", "exp(coef)"),
                         ("lower", "exp(coef) lower 95%"), ("upper", "exp(coef) upper 95%"),
                         ("p_value", "p")]:
        np.testing.assert_allclose(model.summary_[ours], shown[theirs], rtol=1e-6,
                                   err_msg=ours)
    np.testing.assert_allclose(model.coef_, summary["coef"], rtol=1e-6)
    # lifelines centres the covariates, so partial hazards agree up to one constant factor.
    ratio = np.exp(model.predict(X).to_numpy()) / direct.predict_partial_hazard(X).to_numpy()
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9)
    weeks = [10.0, 26.0, 52.0]
    np.testing.assert_allclose(model.predict_survival(X, weeks).to_numpy(),
                               direct.predict_survival_function(X, times=weeks).to_numpy().T,
                               rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("method", ["cox", "forest"])
def test_metrics_equal_scikit_survival_on_gbsg2(gbsg2, method):
    from sksurv.metrics import (
        brier_score,
        concordance_index_censored,
        concordance_index_ipcw,
        cumulative_dynamic_auc,
        integrated_brier_score,
    )

    X, y, _ = gbsg2
    model = LymphomaRiskModel(method=method, n_estimators=30, random_state=0).fit(X, y)
    result = evaluate(model, X, y, times=HORIZONS, n_bootstrap=0)
    metrics = result.metrics["estimate"]
    risk = model.predict(X).to_numpy()
    expected = {
        "harrell_c": concordance_index_censored(y["event"], y["time"], risk)[0],
        "uno_c": concordance_index_ipcw(y, y, risk, tau=HORIZONS[-1])[0],
        **dict(zip(["auc_1y", "auc_2y", "auc_5y"], cumulative_dynamic_auc(y, y, risk,
                                                                          HORIZONS)[0])),
        **dict(zip(["brier_1y", "brier_2y", "brier_5y"], brier_score(
            y, y, model.predict_survival(X, HORIZONS).to_numpy(), HORIZONS)[1])),
        "integrated_brier": integrated_brier_score(
            y, y, model.predict_survival(X, result.grid).to_numpy(), result.grid),
    }
    for name, value in expected.items():
        assert metrics[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name
    assert harrell_c(y, risk) == pytest.approx(expected["harrell_c"], rel=1e-9)


def test_scikit_survival_target_is_taken_as_is(gbsg2):
    from sksurv.datasets import load_gbsg2
    from sksurv.metrics import concordance_index_censored

    X, _, _ = gbsg2
    _, y = load_gbsg2()   # fields ("cens", "time"), days
    risk = LymphomaRiskModel(method="cox").fit(X, y).predict(X).to_numpy()
    assert harrell_c(y, risk) == pytest.approx(
        concordance_index_censored(y["cens"], y["time"], risk)[0], rel=1e-9)


def test_kaplan_meier_and_logrank_equal_lifelines_on_gbsg2(gbsg2):
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test
    from lifelines.utils import median_survival_times

    _, y, grade = gbsg2
    km = kaplan_meier(y, grade)
    assert km.groups == ["I", "II", "III"]
    for g in km.groups:
        rows = (grade == g).to_numpy()
        direct = KaplanMeierFitter().fit(y["time"][rows], y["event"][rows])
        curve = km.curves[km.curves["group"] == g]
        np.testing.assert_allclose(curve["time"], direct.survival_function_.index)
        np.testing.assert_allclose(curve["survival"], direct.survival_function_.iloc[:, 0],
                                   rtol=1e-12)
        np.testing.assert_allclose(curve["lower"], direct.confidence_interval_.iloc[:, 0],
                                   rtol=1e-12)
        np.testing.assert_allclose(curve["upper"], direct.confidence_interval_.iloc[:, 1],
                                   rtol=1e-12)
        np.testing.assert_array_equal(curve["at_risk"], direct.event_table["at_risk"])
        median = km.summary.loc[g]
        limits = median_survival_times(direct.confidence_interval_).replace(np.inf, np.nan)
        np.testing.assert_allclose(
            median[["median", "median_lower", "median_upper"]].to_numpy(float),
            [direct.median_survival_time_ if np.isfinite(direct.median_survival_time_)
             else np.nan, *limits.iloc[0]], rtol=1e-12)
    test = logrank(y, grade)
    direct = multivariate_logrank_test(y["time"], grade.astype(str), y["event"])
    assert test.df == 2 and test.n == len(y)
    assert test.statistic == pytest.approx(direct.test_statistic, rel=1e-12)
    assert test.p_value == pytest.approx(direct.p_value, rel=1e-9)


def test_logrank_equals_scikit_survival(gbsg2):
    from sksurv.compare import compare_survival

    _, y, grade = gbsg2
    statistic, p_value = compare_survival(y, grade.astype(str).to_numpy())
    test = logrank(y, grade)
    assert test.statistic == pytest.approx(statistic, rel=1e-9)
    assert test.p_value == pytest.approx(p_value, rel=1e-6)


def test_cumulative_incidence_without_competing_event_is_one_minus_kaplan_meier(whas500):
    from sksurv.nonparametric import kaplan_meier_estimator

    _, y = whas500
    cif = cumulative_incidence(y["time"], y["event"].astype(int))
    km = kaplan_meier(y)
    times, survival = kaplan_meier_estimator(y["event"], y["time"])
    np.testing.assert_allclose(km.survival_at(times).to_numpy()[0], survival, atol=1e-12)
    grid = np.linspace(0.0, y["time"].max(), 60)
    np.testing.assert_allclose(cif.incidence_at(grid).to_numpy(),
                               1.0 - km.survival_at(grid).to_numpy(), atol=1e-12)
    assert (cif.incidence_at(grid, cause="death").to_numpy() == 0).all()


def test_coxnet_equals_scikit_survival_on_whas500(whas500):
    from sklearn.preprocessing import StandardScaler
    from sksurv.linear_model import CoxnetSurvivalAnalysis

    X, y = whas500
    model = LymphomaRiskModel(method="coxnet", l1_ratio=0.5, random_state=0).fit(X, y)
    scaler = StandardScaler().fit(X)
    direct = CoxnetSurvivalAnalysis(l1_ratio=0.5).fit(scaler.transform(X), y)
    np.testing.assert_allclose(model.cv_results_["alpha"], direct.alphas_, rtol=1e-12)
    chosen = int(np.flatnonzero(direct.alphas_ == model.alpha_)[0])
    # The penalty chosen by cross-validation, not the last of the path.
    assert 0 < chosen < direct.alphas_.size - 1
    np.testing.assert_allclose(model.coef_, direct.coef_[:, chosen] / scaler.scale_,
                               rtol=1e-9, atol=1e-12)
    # scikit-survival predicts from standardized features: the same up to a constant.
    shift = model.predict(X).to_numpy() - direct.predict(scaler.transform(X),
                                                         alpha=model.alpha_)
    assert np.ptp(shift) < 1e-9


def test_forest_equals_scikit_survival_on_rossi(rossi):
    from sksurv.ensemble import RandomSurvivalForest

    _, X, y = rossi
    # Weekly times: a resolution of one week leaves them unchanged.
    model = LymphomaRiskModel(method="forest", n_estimators=30, time_resolution=1.0,
                              random_state=0).fit(X, y)
    direct = RandomSurvivalForest(n_estimators=30, max_depth=8, min_samples_leaf=10,
                                  max_samples=len(X), random_state=0).fit(X.to_numpy(float), y)
    np.testing.assert_allclose(model.predict(X), direct.predict(X.to_numpy(float)), rtol=1e-12)
    weeks = np.array([10.0, 26.0, 52.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        curves = direct.predict_survival_function(X.to_numpy(float), return_array=True)
    at = np.searchsorted(direct.unique_times_, weeks, side="right") - 1
    np.testing.assert_allclose(model.predict_survival(X, weeks).to_numpy(), curves[:, at],
                               rtol=1e-12)


def test_forest_equals_scikit_survival_on_raw_times_of_veterans():
    """Fewer than 250 distinct event times: the forest is scikit-survival's on the raw
    times (a coarser grid cost C on veterans: 0.664 against 0.673, mean of 10 splits)."""
    from sksurv.column import encode_categorical
    from sksurv.datasets import load_veterans_lung_cancer
    from sksurv.ensemble import RandomSurvivalForest

    X, y = load_veterans_lung_cancer()
    X = encode_categorical(X).astype(float)
    y = make_target(y["Survival_in_days"], y["Status"])
    model = LymphomaRiskModel(method="forest", n_estimators=30, random_state=0).fit(X, y)
    direct = RandomSurvivalForest(n_estimators=30, max_depth=8, min_samples_leaf=10,
                                  max_samples=len(X), random_state=0).fit(X.to_numpy(), y)
    np.testing.assert_allclose(model.predict(X), direct.predict(X.to_numpy()), rtol=1e-12)
    days = np.array([30.0, 100.0, 250.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        curves = direct.predict_survival_function(X.to_numpy(), return_array=True)
    at = np.searchsorted(direct.unique_times_, days, side="right") - 1
    np.testing.assert_allclose(model.predict_survival(X, days).to_numpy(), curves[:, at],
                               rtol=1e-12)


def test_boosting_equals_scikit_survival_on_tied_times(rossi):
    from sksurv.ensemble import GradientBoostingSurvivalAnalysis

    _, X, y = rossi
    model = LymphomaRiskModel(method="boosting", n_estimators=30, random_state=0).fit(X, y)
    direct = GradientBoostingSurvivalAnalysis(
        loss="coxph", n_estimators=30, learning_rate=0.1, max_depth=3, min_samples_leaf=10,
        random_state=0).fit(X.to_numpy(float), y)
    np.testing.assert_allclose(model.predict(X), direct.predict(X.to_numpy(float)),
                               rtol=1e-9, atol=1e-12)


def test_cox_equals_scikit_survival_cox_on_gbsg2(gbsg2):
    from sksurv.linear_model import CoxPHSurvivalAnalysis

    X, y, _ = gbsg2
    ours = LymphomaRiskModel(method="cox").fit(X, y).coef_
    theirs = CoxPHSurvivalAnalysis(ties="efron").fit(X, y).coef_
    # Two Newton solvers (Efron ties both) that stop at their own tolerances.
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)
