"""kaplan_meier, logrank, cumulative_incidence and risk_groups against lifelines and known answers."""

import warnings

import numpy as np
import pandas as pd
import pytest
from survival_data import simulate_ph

from stratify.survival import (
    LymphomaRiskModel,
    cumulative_incidence,
    kaplan_meier,
    logrank,
    make_target,
    risk_groups,
)


@pytest.fixture(scope="module")
def grouped():
    X, y, time, code, lp = simulate_ph(400, seed=11, death_rate=0.04)
    groups = pd.Series(np.where(X["x0"] > 0.5, "S2", "S1"), index=X.index, name="subgroup")
    return X, y, time, code, groups


def test_kaplan_meier_equals_lifelines(grouped):
    from lifelines import KaplanMeierFitter

    _, y, _, _, groups = grouped
    km = kaplan_meier(y, groups)
    assert km.groups == ["S1", "S2"]
    for g in km.groups:
        rows = (groups == g).to_numpy()
        direct = KaplanMeierFitter().fit(y["time"][rows], y["event"][rows])
        curve = km.curves[km.curves["group"] == g]
        np.testing.assert_allclose(curve["time"], direct.survival_function_.index)
        np.testing.assert_allclose(curve["survival"], direct.survival_function_.iloc[:, 0])
        np.testing.assert_allclose(curve["lower"], direct.confidence_interval_.iloc[:, 0])
        np.testing.assert_allclose(curve["upper"], direct.confidence_interval_.iloc[:, 1])
        assert km.summary.loc[g, "n"] == rows.sum()
        assert km.summary.loc[g, "events"] == y["event"][rows].sum()
        median = direct.median_survival_time_
        assert km.summary.loc[g, "median"] == pytest.approx(median) if np.isfinite(median) \
            else np.isnan(km.summary.loc[g, "median"])
        for t in km.at_risk.columns:
            assert km.at_risk.loc[g, t] == np.sum(y["time"][rows] >= t)
    survival = km.survival_at([3.0])
    assert survival.loc["S1", 3.0] == pytest.approx(
        KaplanMeierFitter().fit(y["time"][(groups == "S1").to_numpy()],
                                y["event"][(groups == "S1").to_numpy()]).predict(3.0))
    assert km.to_frame() is km.curves


def test_kaplan_meier_without_groups_and_with_missing_groups(grouped):
    _, y, _, _, groups = grouped
    km = kaplan_meier(y)
    assert km.groups == ["all"] and km.summary.loc["all", "n"] == len(y)
    partial = groups.copy()
    partial.iloc[[0, 5]] = None
    with pytest.warns(UserWarning, match="2 patient"):
        km = kaplan_meier(y, partial)
    assert list(km.excluded) == [groups.index[0], groups.index[5]]
    assert km.summary["n"].sum() == len(y) - 2


def test_categorical_groups_keep_their_order(grouped):
    _, y, _, _, groups = grouped
    ordered = pd.Categorical(groups, categories=["S2", "S1"], ordered=True)
    assert kaplan_meier(y, ordered).groups == ["S2", "S1"]


def test_logrank_equals_lifelines(grouped):
    from lifelines.statistics import multivariate_logrank_test

    _, y, _, _, groups = grouped
    result = logrank(y, groups)
    direct = multivariate_logrank_test(y["time"], groups.to_numpy(), y["event"])
    assert result.statistic == pytest.approx(direct.test_statistic)
    assert result.p_value == pytest.approx(direct.p_value)
    assert result.df == 1 and result.n == len(y)
    assert result.p_value < 1e-4
    frame = result.to_frame()
    assert list(frame.columns) == ["test", "statistic", "df", "p_value", "n_groups", "n"]
    with pytest.raises(ValueError, match="at least 2 groups"):
        logrank(y, np.repeat("S1", len(y)))
    with pytest.raises(ValueError, match="groups has 3 rows but the outcome has 400"):
        logrank(y, ["a", "b", "a"])


def test_cumulative_incidence_without_censoring_is_the_empirical_proportion():
    rng = np.random.default_rng(0)
    n = 300
    time = rng.exponential(5, n)
    code = rng.choice([1, 2], n, p=[0.3, 0.7])
    cif = cumulative_incidence(time, code)
    end = time.max() + 1
    assert cif.incidence_at([end]).iloc[0, 0] == pytest.approx(np.mean(code == 1))
    assert cif.incidence_at([end], cause="death").iloc[0, 0] == pytest.approx(np.mean(code == 2))
    t = np.median(time)
    assert cif.incidence_at([t]).iloc[0, 0] == pytest.approx(np.mean((code == 1) & (time <= t)))


def test_cumulative_incidence_equals_lifelines_and_stays_below_naive_km(grouped):
    from lifelines import AalenJohansenFitter, KaplanMeierFitter

    _, _, time, code, groups = grouped
    cif = cumulative_incidence(time, code, groups)
    assert set(cif.curves["cause"]) == {"lymphoma", "death"}
    rows = (groups == "S1").to_numpy()
    direct = AalenJohansenFitter(seed=0).fit(time[rows], code[rows], event_of_interest=1)
    ours = cif.curves[(cif.curves["group"] == "S1") & (cif.curves["cause"] == "lymphoma")]
    np.testing.assert_allclose(ours["incidence"], direct.cumulative_density_.iloc[:, 0])
    # 1 - KM with deaths censored overstates the real-world incidence.
    naive = 1 - KaplanMeierFitter().fit(time[rows], code[rows] == 1).predict(8.0)
    assert cif.incidence_at([8.0]).loc["S1", 8.0] < naive - 0.01
    assert cif.summary.loc["S1", "lymphoma"] == np.sum(code[rows] == 1)
    assert cif.summary.loc["S1", "death"] == np.sum(code[rows] == 2)
    lymphoma = cif.curves[cif.curves["cause"] == "lymphoma"]
    assert (lymphoma["lower"] <= lymphoma["incidence"] + 1e-12).all()
    assert (lymphoma["upper"] >= lymphoma["incidence"] - 1e-12).all()


def test_cumulative_incidence_leaves_the_global_random_state_alone():
    time = np.array([1.0, 1.0, 2.0, 2.0, 3.0, 4.0])      # tied lymphoma and death times
    code = np.array([1, 2, 1, 2, 0, 1])
    # lifelines jitters ties through numpy's legacy global seed: it must be left as it was.
    np.random.seed(123)  # noqa: NPY002
    expected = np.random.random()  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    first = cumulative_incidence(time, code)
    assert np.random.random() == expected  # noqa: NPY002
    pd.testing.assert_frame_equal(first.curves, cumulative_incidence(time, code).curves)


def test_cumulative_incidence_input_errors():
    with pytest.raises(ValueError, match=r"other codes in 1 row: 1"):
        cumulative_incidence([1.0, 2.0], [1, 5])
    with pytest.raises(ValueError, match="time is negative"):
        cumulative_incidence([1.0, -2.0], [1, 0])
    only_censored = cumulative_incidence([1.0, 2.0, 3.0], [0, 2, 0])
    assert (only_censored.incidence_at([3.0]) == 0).all().all()


def test_risk_groups_by_quantile_and_cut_points(grouped):
    X, y, *_ = grouped
    model = LymphomaRiskModel().fit(X, y)
    groups = risk_groups(model, X)
    assert groups.index.equals(X.index) and groups.name == "risk_group"
    assert sorted(groups.value_counts()) == [133, 133, 134]
    risk = model.predict_risk_at(X)
    assert risk[groups == "high"].min() > risk[groups == "intermediate"].max()
    cuts = groups.attrs["cut_points"]
    # The same cut points reproduce the groups on the same patients.
    again = risk_groups(model, X, cut_points=cuts)
    assert (again == groups).all()
    fixed = risk_groups(model, X, cut_points=[0.1], horizon=2.0, labels=["below", "above"])
    risk2 = model.predict_risk_at(X, 2.0)
    assert ((fixed == "above") == (risk2 > 0.1)).all()
    assert fixed.attrs["horizon"] == 2.0
    assert list(risk_groups(model, X, n_groups=4).cat.categories) == ["Q1", "Q2", "Q3", "Q4"]
    with pytest.raises(ValueError, match="cut_points must be increasing"):
        risk_groups(model, X, cut_points=[0.3, 0.1])
    with pytest.raises(ValueError, match="2 groups need 2 labels"):
        risk_groups(model, X, n_groups=2, labels=["a", "b", "c"])
    with pytest.raises(ValueError, match="predict_risk_at"):
        risk_groups(object(), X)


def test_tied_risks_cannot_make_equal_groups():
    X = pd.DataFrame({"flag": np.r_[np.zeros(90), np.ones(10)]})
    rng = np.random.default_rng(0)
    y = make_target(rng.exponential(5, 100), np.ones(100, dtype=int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LymphomaRiskModel().fit(X, y)
    with pytest.raises(ValueError, match="too tied for 3 groups"):
        risk_groups(model, X)
