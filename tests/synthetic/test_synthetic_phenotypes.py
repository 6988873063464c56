"""The planted clinical phenotypes of make_pss_cohort(phenotypes=True)."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import lognorm
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from threadpoolctl import threadpool_limits

from stratify.synthetic import GENES, PHENOTYPE_COLUMNS, PHENOTYPES, make_pss_cohort
from stratify.synthetic._phenotypes import (
    PhenotypeCentres,
    phenotype_log_likelihood,
    simulate_phenotype_items,
)
from stratify.synthetic._symptoms import SYMPTOM_COLUMNS


@pytest.fixture(autouse=True)
def one_thread():
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def pair():
    return (make_pss_cohort(n_patients=3000, random_state=5),
            make_pss_cohort(n_patients=3000, random_state=5, phenotypes=True))


def test_molecular_and_symptom_draws_do_not_change(pair):
    plain, planted = pair
    kept = [*GENES, *SYMPTOM_COLUMNS, "center", "sex", "age", "crp_mg_l", "germinal_centres"]
    pd.testing.assert_frame_equal(plain.data[kept], planted.data[kept])
    subgroups = ["molecular_subgroup", "symptom_subgroup", "oracle_subgroup",
                 "oracle_symptom_subgroup"]
    pd.testing.assert_frame_equal(plain.truth[subgroups], planted.truth[subgroups])
    assert "clinical_phenotype" not in plain.truth
    # the phenotype variables were drawn again
    assert not plain.data["rf"].equals(planted.data["rf"])


def test_phenotypes_are_independent_of_the_other_subgroups(pair):
    truth = pair[1].truth
    table = pd.crosstab(truth["clinical_phenotype"], truth["molecular_subgroup"])
    from scipy.stats import chi2_contingency

    # the phenotype is drawn from its own stream: no association beyond the centres' case mix
    assert chi2_contingency(table).pvalue > 0.001
    shares = truth["clinical_phenotype"].value_counts(normalize=True)
    assert set(shares.index) == set(PHENOTYPES)
    assert shares["LSAHS"] > shares["BALS"] > shares["HSA"]


def test_registry_missingness_of_the_phenotype_variables(pair):
    data = pair[1].data
    share = data[list(PHENOTYPE_COLUMNS)].isna().to_numpy().mean()
    assert 0.15 < share < 0.25
    # panels go missing together
    assert (data["c3_low"].isna() == data["c4_low"].isna()).all()
    essdai = data[[c for c in PHENOTYPE_COLUMNS if c.startswith("essdai_")]].isna()
    assert (essdai.all(axis=1) | ~essdai.any(axis=1)).all()
    lower = make_pss_cohort(n_patients=3000, random_state=5, phenotypes=True,
                            phenotype_missing=0.1).data[list(PHENOTYPE_COLUMNS)]
    assert 0.07 < lower.isna().to_numpy().mean() < 0.13
    complete = make_pss_cohort(n_patients=300, random_state=5, phenotypes=True, missing=None)
    assert not complete.data.isna().any().any()


def test_derived_columns_stay_consistent_with_the_phenotype_variables(pair):
    data = pair[1].data
    for domain, item in (("essdai_glandular", "salivary_gland_enlargement"),
                         ("essdai_lymphadenopathy", "lymphadenopathy")):
        seen = data[[domain, item]].dropna()
        assert len(seen) > 2000
        assert ((seen[domain] > 0) == (seen[item] == 1)).all()
    # anti-Ro-negative patients meet the classification through their biopsy
    negative = data["anti_ro"] == 0
    assert (data.loc[negative, "focus_score"].dropna() >= 1).all()
    # ESSDAI biological domain follows the laboratory values where they are all observed
    labs = data[["cryoglobulins", "igg_g_l", "monoclonal_component", "c3_low", "c4_low"]]
    seen = labs.notna().all(axis=1)
    moderate = (labs["cryoglobulins"] == 1) | (labs["igg_g_l"] > 20)
    assert (data.loc[seen & moderate, "essdai_biological"] == 2).all()


def test_lymphoma_hazard_is_raised_in_the_bals_like_phenotype(pair):
    truth, data = pair[1].truth, pair[1].data
    lp = truth.groupby("clinical_phenotype")["lymphoma_linear_predictor"].mean()
    assert lp["BALS"] > lp["HSA"] + 0.7 > lp["LSAHS"] + 0.7
    events = (data["lymphoma_event"] == 1).groupby(truth["clinical_phenotype"]).mean()
    assert events["BALS"] > 2 * events["LSAHS"]
    none = make_pss_cohort(n_patients=3000, random_state=5, phenotypes=True,
                           phenotype_lymphoma_log_hazard_ratio=0.0).truth
    gap = (truth["lymphoma_linear_predictor"] - none["lymphoma_linear_predictor"])
    np.testing.assert_allclose(gap[truth["clinical_phenotype"] == "BALS"], 0.7, atol=1e-4)
    np.testing.assert_allclose(gap[truth["clinical_phenotype"] != "BALS"], 0.0, atol=1e-4)


def test_likelihood_matches_a_direct_computation():
    rng = np.random.default_rng(0)
    centres = PhenotypeCentres(prior=np.full((2, 3), 1 / 3),
                               lab_shift=rng.normal(0, 0.3, (2, 7)),
                               missing_factor=np.ones((2, 8)))
    phenotype = rng.integers(0, 3, 400)
    centre = rng.integers(0, 2, 400)
    igg_shift = np.array([0.0, 1.5])
    frame = pd.DataFrame(simulate_phenotype_items(rng, phenotype, centre, centres, igg_shift))
    ours = phenotype_log_likelihood(frame, centre, centres, igg_shift)
    # IgG alone: the interval probability of the rounded, shifted log-normal
    only_igg = frame.copy()
    only_igg.loc[:, [c for c in frame.columns if c != "igg_g_l"]] = np.nan
    medians = (20.0, 15.5, 11.0)
    direct = np.column_stack([
        np.log(lognorm(0.25, scale=m).cdf(only_igg["igg_g_l"] + 0.05 - igg_shift[centre])
               - lognorm(0.25, scale=m).cdf(only_igg["igg_g_l"] - 0.05 - igg_shift[centre]))
        for m in medians])
    np.testing.assert_allclose(phenotype_log_likelihood(only_igg, centre, centres, igg_shift),
                               direct, rtol=1e-6)
    # a missing value contributes nothing: hiding every value gives 0
    hidden = frame.copy()
    hidden.loc[:, :] = np.nan
    assert not phenotype_log_likelihood(hidden, centre, centres, igg_shift).any()
    # anti-La observed without anti-Ro: its marginal probability
    la_only = hidden.copy()
    la_only["anti_la"] = 1.0
    marginal = np.log([0.95 * 0.75 + 0.05 * 0.03, 0.85 * 0.55 + 0.15 * 0.03,
                       0.50 * 0.35 + 0.50 * 0.03])
    np.testing.assert_allclose(phenotype_log_likelihood(la_only, centre, centres, igg_shift),
                               np.tile(marginal, (400, 1)))
    assert np.isfinite(ours).all()


def test_oracle_beats_a_classifier_trained_on_the_truth():
    cohort = make_pss_cohort(n_patients=3000, random_state=2, phenotypes=True)
    truth = cohort.truth
    X = cohort.data[list(PHENOTYPE_COLUMNS)]
    features = pd.concat([X.fillna(X.mean()), X.isna().astype(float).add_suffix("_na"),
                          pd.get_dummies(cohort.data["center"], dtype=float)], axis=1)
    trained = cross_val_predict(LogisticRegression(max_iter=2000), features,
                                truth["clinical_phenotype"], cv=5)
    oracle = (truth["oracle_phenotype"] == truth["clinical_phenotype"]).mean()
    assert oracle >= (trained == truth["clinical_phenotype"]).mean() - 0.005
    assert 0.85 < oracle < 0.95
