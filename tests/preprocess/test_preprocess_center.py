"""CenterCorrector: planted centre shifts, protected covariates, ComBat by hand."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.pipeline import make_pipeline

from stratify.preprocess import CenterCorrector

FEATURES = [f"mol_G{j}" for j in range(8)]


def clean_cohort(n_per_center=600, prevalence=(0.5, 0.5, 0.5), effect=1.0, seed=0):
    """Correlated features, a subgroup effect on the first half, no centre effect."""
    rng = np.random.default_rng(seed)
    centers = np.repeat(["A", "B", "C"], n_per_center)
    prev = np.repeat(prevalence, n_per_center)
    subgroup = np.where(rng.random(centers.size) < prev, "interferon", "healthy_like")
    factor = rng.normal(size=(centers.size, 1))
    values = 0.6 * factor + 0.8 * rng.normal(size=(centers.size, len(FEATURES)))
    values[subgroup == "interferon", :4] += effect
    X = pd.DataFrame(values, columns=FEATURES,
                     index=pd.Index([f"p{i}" for i in range(centers.size)], name="patient_id"))
    X["center"] = centers
    X["subgroup"] = subgroup
    return X


def add_center_effects(X):
    """+2 SD in centre B; in C a -0.5 SD shift and 1.6 times the spread around the subgroup mean.

    This is the ComBat model: the centre scales the noise, not the subgroup effect.
    """
    shifted = X.copy()
    sd = X[FEATURES].std()
    shifted.loc[X.center == "B", FEATURES] += 2.0 * sd
    c = X.center == "C"
    noise = X[FEATURES] - X.groupby("subgroup")[FEATURES].transform("mean")
    shifted.loc[c, FEATURES] = X.loc[c, FEATURES] + 0.6 * noise[c] - 0.5 * sd
    return shifted


def residual_center_gap(corrected, clean):
    """How far the correction is from the clean data, in SD.

    Within a subgroup, location/scale methods map every centre onto the same
    pooled mean and within-centre SD, so there the corrected data equal
    ``a + b * clean`` with the same ``a, b`` in every centre once the centre
    effects are gone. The result is the largest spread, across centres, of
    the mean residual from that map (over subgroups and features).
    """
    gaps = []
    for _, rows in clean.groupby("subgroup"):
        for f in FEATURES:
            x, y = rows[f], corrected.loc[rows.index, f]
            b, a = np.polyfit(x, y, 1)
            resid = (y - a - b * x).groupby(rows.center).mean()
            gaps.append((resid.max() - resid.min()) / corrected[f].std())
    return max(gaps)


def group_difference(X):
    """Mean difference interferon minus healthy-like, on the features with the effect."""
    means = X.groupby("subgroup")[FEATURES[:4]].mean()
    return (means.loc["interferon"] - means.loc["healthy_like"]).to_numpy()


@pytest.mark.parametrize("method", ["location_scale", "combat"])
def test_planted_shift_is_removed(method):
    clean = clean_cohort()
    shifted = add_center_effects(clean)
    out = CenterCorrector(method=method).fit_transform(shifted.drop(columns="subgroup"))
    means = out.groupby("center")[FEATURES].mean()
    assert ((means.max() - means.min()) / clean[FEATURES].std()).max() < 0.1
    # before correction the gap was 2 SD
    raw = shifted.groupby("center")[FEATURES].mean()
    assert ((raw.max() - raw.min()) / clean[FEATURES].std()).min() > 1.5
    # the index, the columns and the centre labels are kept
    assert out.index.equals(clean.index)
    assert list(out.columns) == [*FEATURES, "center"]
    assert out["center"].equals(clean["center"])


@pytest.mark.parametrize("method", ["location_scale", "combat"])
def test_protected_subgroup_effect_survives_unbalanced_case_mix(method):
    clean = clean_cohort(n_per_center=2000, prevalence=(0.8, 0.3, 0.5))
    shifted = add_center_effects(clean)
    out = CenterCorrector(method=method, protect=["subgroup"]).fit_transform(shifted)
    assert residual_center_gap(out, clean) < 0.1
    truth = group_difference(clean)
    np.testing.assert_allclose(group_difference(out), truth, rtol=0.10)
    assert out["subgroup"].equals(clean["subgroup"])


def test_without_protection_an_unbalanced_effect_is_partly_erased():
    clean = clean_cohort(prevalence=(0.8, 0.2, 0.5))
    shifted = add_center_effects(clean)
    out = CenterCorrector(method="location_scale").fit_transform(shifted.drop(columns="subgroup"))
    out["subgroup"] = clean["subgroup"]
    # centre A is mostly interferon: its mean is pulled down, erasing part of the effect
    assert (group_difference(out) < 0.85 * group_difference(clean)).all()


def combat_by_hand(Y, batch, max_iter=1000, tol=1e-10):
    """ComBat (parametric EB, no covariates) written loop by loop as in sva::ComBat."""
    batches = sorted(set(batch))
    n, G = Y.shape
    idx = {b: np.flatnonzero(batch == b) for b in batches}
    n_b = np.array([len(idx[b]) for b in batches])
    means = np.array([Y[idx[b]].mean(axis=0) for b in batches])
    grand = (n_b[:, None] * means).sum(axis=0) / n
    fitted = np.zeros_like(Y)
    for k, b in enumerate(batches):
        fitted[idx[b]] = means[k]
    var_pooled = ((Y - fitted) ** 2).mean(axis=0)
    s = (Y - grand) / np.sqrt(var_pooled)
    gamma_star, delta_star = [], []
    for b in batches:
        sb = s[idx[b]]
        g_hat = sb.mean(axis=0)
        d_hat = sb.var(axis=0, ddof=1)
        g_bar, t2 = g_hat.mean(), g_hat.var(ddof=1)
        m, v = d_hat.mean(), d_hat.var(ddof=1)
        a, bb = (2 * v + m**2) / v, (m * v + m**3) / v
        nb = len(idx[b])
        g_old, d_old = g_hat.copy(), d_hat.copy()
        for _ in range(max_iter):
            g_new = (t2 * nb * g_hat + d_old * g_bar) / (t2 * nb + d_old)
            sum2 = ((sb - g_new) ** 2).sum(axis=0)
            d_new = (0.5 * sum2 + bb) / (nb / 2 + a - 1)
            done = max(np.max(np.abs(g_new - g_old) / np.abs(g_old)),
                       np.max(np.abs(d_new - d_old) / d_old)) < tol
            g_old, d_old = g_new, d_new
            if done:
                break
        gamma_star.append(g_old)
        delta_star.append(d_old)
    out = np.empty_like(Y)
    for k, b in enumerate(batches):
        out[idx[b]] = ((s[idx[b]] - gamma_star[k]) / np.sqrt(delta_star[k])
                       * np.sqrt(var_pooled) + grand)
    return out, np.array(gamma_star), np.array(delta_star)


def test_combat_matches_the_algorithm_written_by_hand():
    rng = np.random.default_rng(3)
    batch = np.repeat(["a", "b", "c"], [12, 7, 20])
    Y = rng.normal(size=(batch.size, 6)) * rng.uniform(0.5, 2, 6) + rng.normal(0, 3, 6)
    Y[batch == "b"] += rng.normal(1, 0.5, 6)
    Y[batch == "c"] *= 1.5
    expected, gamma, delta = combat_by_hand(Y, batch)
    X = pd.DataFrame(Y, columns=[f"f{j}" for j in range(6)]).assign(center=batch)
    corrector = CenterCorrector(method="combat", tol=1e-10, max_iter=1000).fit(X)
    np.testing.assert_allclose(corrector.gamma_.to_numpy(), gamma, rtol=1e-6)
    np.testing.assert_allclose(corrector.delta_.to_numpy(), delta, rtol=1e-6)
    out = corrector.transform(X)
    np.testing.assert_allclose(out.drop(columns="center").to_numpy(), expected, rtol=1e-6)


def test_empirical_bayes_shrinks_small_centres_more():
    rng = np.random.default_rng(7)
    sizes = {"A": 300, "B": 300, "C": 300, "D": 300, "small": 4}
    batch = np.repeat(list(sizes), list(sizes.values()))
    # true centre effects that vary across features (SD 0.3), plus unit noise
    shifts = {c: rng.normal(0, 0.3, 30) for c in sizes}
    Y = rng.normal(size=(batch.size, 30)) + np.array([shifts[c] for c in batch])
    X = pd.DataFrame(Y, columns=[f"mol_G{j}" for j in range(30)]).assign(center=batch)
    fitted = CenterCorrector(method="combat").fit(X)
    raw, shrunk = fitted.gamma_hat_, fitted.gamma_
    centre_mean = raw.mean(axis=1)
    # every estimate moves towards its centre's average over features ...
    dist_raw = raw.sub(centre_mean, axis=0).abs()
    dist_shrunk = shrunk.sub(centre_mean, axis=0).abs()
    assert (dist_shrunk <= dist_raw + 1e-12).all().all()
    # ... and the small centre (noisy estimates) is pulled in the most
    pull = 1 - dist_shrunk.sum(axis=1) / dist_raw.sum(axis=1)
    assert pull["small"] > 0.3
    assert pull.drop("small").max() < pull["small"] / 2
    # without shrinkage, combat is the location/scale model
    plain = CenterCorrector(method="combat", eb=False).fit(X)
    ls = CenterCorrector(method="location_scale").fit(X)
    pd.testing.assert_frame_equal(plain.gamma_, ls.gamma_)
    pd.testing.assert_frame_equal(plain.gamma_, plain.gamma_hat_)


def test_missing_values_are_kept_and_estimates_use_observed_values():
    clean = clean_cohort(n_per_center=200)
    shifted = add_center_effects(clean).drop(columns="subgroup")
    rng = np.random.default_rng(1)
    holes = rng.random((len(shifted), len(FEATURES))) < 0.3
    with_holes = shifted.copy()
    with_holes[FEATURES] = shifted[FEATURES].mask(holes)
    out = CenterCorrector(method="location_scale").fit_transform(with_holes)
    assert out[FEATURES].isna().to_numpy().sum() == holes.sum()
    assert (out[FEATURES].isna().to_numpy() == holes).all()
    means = out.groupby("center")[FEATURES].mean()
    assert ((means.max() - means.min()) / clean[FEATURES].std()).max() < 1e-9


def test_new_centre_gets_pooled_parameters_with_a_warning():
    shifted = add_center_effects(clean_cohort(n_per_center=100)).drop(columns="subgroup")
    corrector = CenterCorrector(method="combat").fit(shifted)
    new = shifted.iloc[:5].assign(center="Z")
    with pytest.warns(UserWarning, match=r"'Z'.*not seen in fit"):
        out = corrector.transform(new)
    pd.testing.assert_frame_equal(out, new)


def test_fits_inside_cross_validation_folds():
    shifted = add_center_effects(clean_cohort(n_per_center=100)).drop(columns="subgroup")
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LinearRegression

    drop_center = ColumnTransformer([("keep", "passthrough", FEATURES[1:])])
    model = make_pipeline(CenterCorrector(method="combat"), drop_center, LinearRegression())
    pred = cross_val_predict(model, shifted, shifted[FEATURES[0]],
                             cv=KFold(3, shuffle=True, random_state=0))
    assert pred.shape == (len(shifted),)


def test_numpy_in_numpy_out():
    X = add_center_effects(clean_cohort(n_per_center=50)).drop(columns="subgroup")
    arr = X.assign(center=X.center.map({"A": 0, "B": 1, "C": 2})).to_numpy(dtype=float)
    out = CenterCorrector(center=len(FEATURES)).fit_transform(arr)
    assert isinstance(out, np.ndarray) and out.shape == arr.shape
    np.testing.assert_array_equal(out[:, -1], arr[:, -1])


@pytest.mark.parametrize("change, message", [
    (lambda X: X.assign(mol_G1=np.nan), r"'mol_G1' have no observed value"),
    (lambda X: X.assign(center=X.center.where(X.index != "p3", "tiny")),
     r"at least 2 patients.*'tiny' \(1 patient\)"),
    (lambda X: X.assign(note="text"), r"column\(s\) 'note' hold text"),
    (lambda X: X.assign(center=X.center.where(X.index != "p4")),
     r"'center' must not be missing \(1 row: p4\)"),
    (lambda X: X.drop(columns="center"), r"centre column 'center' is not in X"),
])
def test_bad_input_is_refused_before_work(change, message):
    X = clean_cohort(n_per_center=20).drop(columns="subgroup")
    with pytest.raises(ValueError, match=message):
        CenterCorrector().fit(change(X))


def test_confounded_protected_covariate_is_refused():
    X = clean_cohort(n_per_center=20)
    X["site_type"] = X.center.map({"A": "university", "B": "district", "C": "district"})
    with pytest.raises(ValueError, match="confounded"):
        CenterCorrector(protect=["site_type"]).fit(X.drop(columns="subgroup"))


def test_pairs_without_data_are_left_uncorrected_with_a_warning():
    X = add_center_effects(clean_cohort(n_per_center=50)).drop(columns="subgroup")
    X.loc[X.center == "C", "mol_G2"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match="'mol_G2' in 'C'"):
            CenterCorrector(method="location_scale").fit(X)
    with pytest.warns(UserWarning):
        fitted = CenterCorrector(method="location_scale").fit(X)
    assert fitted.gamma_.loc["C", "mol_G2"] == 0 and fitted.delta_.loc["C", "mol_G2"] == 1
