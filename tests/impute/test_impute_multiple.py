"""MultipleImputer and Rubin's rules."""

import numpy as np
import pandas as pd
import pytest

from stratify.impute import MultipleImputer, pool


@pytest.fixture
def holes(factor_data):
    X = factor_data.iloc[:200, :6]
    return X.mask(np.random.default_rng(0).random(X.shape) < 0.25)


@pytest.mark.parametrize("kind", ["iterative", "forest", "mixture"])
def test_frames_differ_where_missing_and_agree_where_observed(kind, holes):
    frames = MultipleImputer(n_imputations=3, method=kind, random_state=0).fit_transform(holes)
    assert len(frames) == 3
    missing = holes.isna().to_numpy()
    for frame in frames:
        assert frame.index.equals(holes.index) and not frame.isna().any().any()
        pd.testing.assert_frame_equal(frame[~holes.isna()], holes[~holes.isna()])
    for a, b in [(0, 1), (1, 2), (0, 2)]:
        diff = frames[a].to_numpy()[missing] != frames[b].to_numpy()[missing]
        assert diff.mean() > 0.9


@pytest.mark.slow
def test_same_seed_identical_whatever_n_jobs(holes):
    one = MultipleImputer(n_imputations=3, random_state=5, n_jobs=1).fit_transform(holes)
    two = MultipleImputer(n_imputations=3, random_state=5, n_jobs=2).fit_transform(holes)
    other = MultipleImputer(n_imputations=3, random_state=6).fit_transform(holes)
    for a, b, c in zip(one, two, other):
        pd.testing.assert_frame_equal(a, b)
        assert not a.equals(c)


def test_transform_of_new_patients_is_repeatable(holes):
    imputer = MultipleImputer(n_imputations=2, random_state=0).fit(holes.iloc[:150])
    first = imputer.transform(holes.iloc[150:])
    again = imputer.transform(holes.iloc[150:])
    for a, b in zip(first, again):
        pd.testing.assert_frame_equal(a, b)


def test_deterministic_kinds_are_refused(holes):
    with pytest.raises(ValueError, match="method='knn' is deterministic"):
        MultipleImputer(method="knn").fit(holes)


def test_rubin_rules_known_answer():
    r = pool([1.0, 2.0, 3.0], [1.0, 1.0, 1.0])
    m = 3
    assert r["estimate"] == 2.0 and r["within"] == 1.0 and r["between"] == 1.0
    np.testing.assert_allclose(r["total"], 1 + (1 + 1 / 3) * 1)
    np.testing.assert_allclose(r["df"], (m - 1) * (1 + 1 / ((1 + 1 / m) * 1)) ** 2)  # 6.125
    np.testing.assert_allclose(r["df"], 6.125)
    np.testing.assert_allclose(r["riv"], 4 / 3)
    np.testing.assert_allclose(r["lambda"], (4 / 3) / (7 / 3))
    np.testing.assert_allclose(r["fmi"], (4 / 3 + 2 / (6.125 + 3)) / (4 / 3 + 1))
    from scipy import stats

    half = stats.t.ppf(0.975, 6.125) * np.sqrt(7 / 3)
    np.testing.assert_allclose([r["ci_lower"], r["ci_upper"]], [2 - half, 2 + half])


def test_barnard_rubin_degrees_of_freedom_known_answer():
    r = pool([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], n_obs=12, n_params=2)
    lam = 4 / 7
    df_com = 10
    df_obs = (df_com + 1) / (df_com + 3) * df_com * (1 - lam)   # 3.626...
    np.testing.assert_allclose(r["df"], 1 / (1 / 6.125 + 1 / df_obs))
    # a large sample gives back Rubin's df
    big = pool([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], n_obs=10**9)
    np.testing.assert_allclose(big["df"], 6.125, rtol=1e-6)


def test_pool_matches_statsmodels_mice_combining():
    from statsmodels.imputation.mice import MICE

    rng = np.random.default_rng(0)
    params = rng.normal(size=(5, 3))
    covs = [np.diag(rng.uniform(0.1, 1, 3)) for _ in range(5)]

    class Fit:   # the parts of a statsmodels results object MICE.combine reads
        def __init__(self, p, c):
            self.params, self._cov, self.scale = p, c, 1.0
            self._results = self

        def cov_params(self):
            return self._cov

    fake = type("FakeMICE", (), {})()
    fake.results_list = [Fit(p, c) for p, c in zip(params, covs)]
    fake.exog_names, fake.endog_names, fake.model_class = ["a", "b", "c"], "y", None
    combined = MICE.combine(fake)
    table = pool(pd.DataFrame(params, columns=["a", "b", "c"]),
                 np.array([np.diag(c) for c in covs]))
    np.testing.assert_allclose(table["estimate"], combined.params)
    np.testing.assert_allclose(table["total"], np.diag(combined.cov_params()))
    np.testing.assert_allclose(table["lambda"], combined.frac_miss_info)
    assert list(table.index) == ["a", "b", "c"]


def test_pool_refuses_bad_input():
    with pytest.raises(ValueError, match="at least 2 imputations"):
        pool([1.0], [1.0])
    with pytest.raises(ValueError, match="same shape"):
        pool([1.0, 2.0], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=">= 0"):
        pool([1.0, 2.0], [1.0, -1.0])


def test_pooled_mean_after_multiple_imputation_is_close_to_the_truth(factor_data):
    X = factor_data.iloc[:, :5]
    truth = X["mol_G0"].mean()
    holes = X.mask(np.random.default_rng(2).random(X.shape) < 0.3)
    frames = MultipleImputer(n_imputations=5, random_state=0).fit_transform(holes)
    estimates = [f["mol_G0"].mean() for f in frames]
    variances = [f["mol_G0"].var() / len(f) for f in frames]
    r = pool(estimates, variances, n_obs=len(X), n_params=1)
    assert r["ci_lower"] < truth < r["ci_upper"]
    assert r["between"] > 0 and 0 < r["fmi"] < 1
