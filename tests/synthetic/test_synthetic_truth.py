"""The planted truth: oracles, difficulty of the subgroups, lymphoma model, trial effect."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal, norm
from sklearn.cluster import KMeans
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, SimpleImputer
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from stratify.synthetic import GENES, PRESETS, make_pss_cohort
from stratify.synthetic._molecular import gene_means, molecular_log_likelihood
from stratify.synthetic._symptoms import (
    SYMPTOM_PROFILES,
    SYMPTOM_SD,
    simulate_symptoms,
    symptom_log_likelihood,
)


@pytest.fixture(autouse=True)
def one_thread():
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def discovery():
    return make_pss_cohort(**PRESETS["discovery"])


def test_molecular_likelihood_matches_the_full_gaussian_with_missing_genes():
    rng = np.random.default_rng(0)
    means, loading = gene_means(3.0), 0.5
    x = rng.normal(size=(6, len(GENES))) + means[rng.integers(0, 4, 6)]
    x[rng.random(x.shape) < 0.3] = np.nan
    x[0, :] = np.nan  # nothing observed
    shift = rng.normal(size=x.shape)
    ours = molecular_log_likelihood(x, shift, means, loading)
    # the covariance written out: unit variances, `loading**2` within a module
    module = np.repeat(np.arange(3), [8, 6, 5])
    informative = module.size
    cov = np.eye(len(GENES))
    block = (module[:, None] == module[None, :]) & ~np.eye(informative, dtype=bool)
    cov[:informative, :informative][block] = loading**2
    for i in range(x.shape[0]):
        seen = np.isfinite(x[i])
        direct = np.array([
            multivariate_normal(means[k, seen] + shift[i, seen], cov[np.ix_(seen, seen)])
            .logpdf(x[i, seen]) if seen.any() else 0.0 for k in range(4)])
        np.testing.assert_allclose(ours[i] - ours[i].max(), direct - direct.max(), atol=1e-8)


def test_symptom_likelihood_is_the_interval_probability_of_the_rounded_normal():
    rng = np.random.default_rng(1)
    scores = simulate_symptoms(rng, rng.integers(0, 4, 50), SYMPTOM_PROFILES, SYMPTOM_SD)
    scores[rng.random(scores.shape) < 0.2] = np.nan
    ours = symptom_log_likelihood(scores, SYMPTOM_PROFILES, SYMPTOM_SD)
    maxima = np.array([10, 10, 10, 21, 21])
    for k, group in enumerate(["LSB", "DDF", "PDF", "HSB"]):
        mean, sd = np.array(SYMPTOM_PROFILES[group]), np.array(SYMPTOM_SD)
        low = np.where(scores <= 0, -np.inf, scores - 0.5)
        high = np.where(scores >= maxima, np.inf, scores + 0.5)
        p = norm.cdf((high - mean) / sd) - norm.cdf((low - mean) / sd)
        direct = np.where(np.isnan(scores), 0.0, np.log(p)).sum(axis=1)
        np.testing.assert_allclose(ours[:, k], direct, rtol=1e-9)
    # scores rounded and clipped to their scales
    observed = scores[np.isfinite(scores)]
    np.testing.assert_array_equal(observed, np.round(observed))


def test_oracle_is_at_least_as_accurate_as_a_discriminant_trained_on_the_truth():
    kwargs = {"n_centers": 1, "missing": "none", "center_effects": False}
    train = make_pss_cohort(n_patients=20000, random_state=21, **kwargs)
    test = make_pss_cohort(n_patients=4000, random_state=22, **kwargs)
    lda = LinearDiscriminantAnalysis().fit(train.select(blocks=["molecular"]),
                                           train.truth["molecular_subgroup"])
    truth = test.truth["molecular_subgroup"]
    learned = (lda.predict(test.select(blocks=["molecular"])) == truth).mean()
    oracle = (test.truth["oracle_subgroup"] == truth).mean()
    assert oracle >= learned - 0.003
    assert oracle - learned < 0.02  # ...and the oracle is not out of reach


def naive_baseline(X, seed=0):
    """Mean imputation, standard scaling, k-means with k by silhouette; no centre correction."""
    Z = StandardScaler().fit_transform(SimpleImputer(strategy="mean").fit_transform(X))
    best, labels = -np.inf, None
    for k in range(2, 9):
        fitted = KMeans(k, n_init=10, random_state=seed).fit_predict(Z)
        score = silhouette_score(Z, fitted, sample_size=2000, random_state=seed)
        if score > best:
            best, labels = score, fitted
    return labels


def test_molecular_difficulty_on_the_discovery_preset(discovery):
    X = discovery.select(blocks=["molecular"])
    truth = discovery.truth["molecular_subgroup"]
    oracle = adjusted_rand_score(truth, discovery.truth["oracle_subgroup"])
    assert 0.75 <= oracle <= 0.93
    corrected = X - X.groupby(discovery.data["center"]).transform("mean")
    Z = StandardScaler().fit_transform(
        IterativeImputer(random_state=0).fit_transform(corrected))
    gmm = adjusted_rand_score(truth, GaussianMixture(4, random_state=0).fit_predict(Z))
    assert gmm >= 0.9 * oracle
    naive = adjusted_rand_score(truth, naive_baseline(X))
    assert naive <= oracle - 0.1


def test_symptom_difficulty_on_the_discovery_preset(discovery):
    scores = discovery.select(blocks=["symptoms"])
    observed = scores.notna().all(axis=1)
    truth = discovery.truth.loc[observed, "symptom_subgroup"]
    oracle = adjusted_rand_score(truth, discovery.truth.loc[observed, "oracle_symptom_subgroup"])
    assert 0.5 <= oracle <= 0.7
    Z = StandardScaler().fit_transform(scores[observed])
    gmm = adjusted_rand_score(truth, GaussianMixture(4, random_state=0).fit_predict(Z))
    assert gmm >= 0.85 * oracle
    # without scores, the oracle falls back on the centre's most likely subgroup
    unobserved = discovery.truth.loc[~observed]
    assert unobserved.groupby(discovery.data.loc[~observed, "center"])[
        "oracle_symptom_subgroup"].nunique().max() == 1


def test_subgroups_shift_serology_labs_and_activity():
    cohort = make_pss_cohort(n_patients=6000, missing="none", center_effects=False, random_state=5)
    data, group = cohort.data, cohort.truth["molecular_subgroup"]
    means = data.groupby(group).mean(numeric_only=True)
    assert means.loc["interferon", "anti_la"] > means.loc["healthy_like", "anti_la"] + 0.2
    assert means.loc["interferon", "igg_g_l"] > means.loc["healthy_like", "igg_g_l"] + 3
    for column in ("salivary_gland_enlargement", "rf", "cryoglobulins", "c4_low",
                   "germinal_centres", "mol_BTK", "mol_TNFSF13"):
        assert means[column].idxmax() == "lymphoid", column
    assert means["mol_IFI44"].idxmax() == "interferon"
    assert means["mol_IL6"].idxmax() == "inflammatory"
    weights = {"constitutional": 3, "lymphadenopathy": 4, "glandular": 2, "articular": 2,
               "cutaneous": 3, "pulmonary": 5, "renal": 5, "muscular": 6, "pns": 5, "cns": 5,
               "haematological": 2, "biological": 1}
    essdai = sum(w * data[f"essdai_{d}"] for d, w in weights.items()).groupby(group).mean()
    assert essdai.idxmin() == "healthy_like"
    noise = [g for g in GENES if g in ("mol_ACTB", "mol_GAPDH", "mol_PUM1")]
    assert (means[noise].max() - means[noise].min()).max() < 0.1


def test_lymphoma_rate_onset_and_competing_death():
    cohort = make_pss_cohort(n_patients=20000, missing="none", random_state=13)
    data, lp = cohort.data, cohort.truth["lymphoma_linear_predictor"]
    event = data["lymphoma_event"]
    assert 0.04 <= (event == 1).mean() <= 0.06
    assert 6.0 <= data.loc[event == 1, "lymphoma_time_years"].median() <= 8.0
    assert 0.03 <= (event == 2).mean() <= 0.2
    old = data["age"] > 65
    assert (event[old] == 2).mean() > 3 * (event[~old] == 2).mean()
    censored = data.loc[event == 0, "lymphoma_time_years"]
    assert censored.min() >= 1.0 - 1e-9 and censored.max() <= 20.0
    high = lp > lp.quantile(0.8)
    assert (event[high] == 1).mean() > 4 * (event[~high] == 1).mean()
    # the linear predictor is the documented model on the complete risk factors
    assert lp.groupby(data["germinal_centres"]).mean().diff().iloc[-1] > 0.9


def test_lymphoma_model_is_learnable_from_the_observed_risk_factors(discovery):
    from lifelines import CoxPHFitter
    from lifelines.utils import concordance_index

    data = discovery.data
    factors = ["salivary_gland_enlargement", "cryoglobulins", "c4_low", "rf",
               "monoclonal_component", "lymphopenia", "lymphadenopathy", "germinal_centres",
               "mol_BTK"]
    X = data[factors].assign(ifn_score=data[["mol_IFI44", "mol_IFI44L", "mol_IFIT1",
                                             "mol_IFIT3", "mol_MX1"]].mean(axis=1))
    X = X.fillna(X.median())
    X["time"] = data["lymphoma_time_years"]
    X["lymphoma"] = (data["lymphoma_event"] == 1).astype(int)
    held_out = np.random.default_rng(0).random(len(X)) < 0.5
    model = CoxPHFitter(penalizer=0.01).fit(X[~held_out], "time", "lymphoma")
    test = X[held_out]
    learned = concordance_index(test["time"], -model.predict_partial_hazard(test),
                                test["lymphoma"])
    oracle = concordance_index(test["time"], -discovery.truth.loc[held_out,
                               "lymphoma_linear_predictor"], test["lymphoma"])
    assert oracle > 0.8
    assert learned >= 0.95 * oracle


def test_trial_effect_only_in_high_symptom_burden():
    cohort = make_pss_cohort(n_patients=6000, trial=True, missing="none", random_state=17)
    data, truth = cohort.data, cohort.truth
    assert data["arm"].sum() == 3000
    assert set(truth.loc[truth["symptom_subgroup"] == "HSB", "treatment_effect"]) == {-1.5}
    assert set(truth.loc[truth["symptom_subgroup"] != "HSB", "treatment_effect"]) == {0.0}
    effect = data.groupby([truth["symptom_subgroup"], data["arm"]])["esspri_change"].mean()
    effect = effect.unstack()[1.0] - effect.unstack()[0.0]
    assert effect["HSB"] == pytest.approx(-1.5, abs=0.25)
    for group in ("LSB", "DDF", "PDF"):
        assert abs(effect[group]) < 0.25
    followup = data[["esspri_dryness", "esspri_fatigue", "esspri_pain"]].mean(axis=1) \
        + data["esspri_change"]
    assert followup.between(-0.005, 10.005).all()  # the change is rounded to 2 decimals


def test_trial_change_is_missing_with_the_baseline_esspri():
    data = make_pss_cohort(n_patients=1000, trial=True, random_state=3).data
    baseline_missing = data["esspri_pain"].isna()
    assert baseline_missing.any()
    pd.testing.assert_series_equal(data["esspri_change"].isna(), baseline_missing,
                                   check_names=False)
