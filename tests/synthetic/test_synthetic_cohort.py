"""make_pss_cohort: schema, identity, reproducibility, options, missingness, bad arguments."""

import hashlib
import io

import numpy as np
import pandas as pd
import pytest

from stratify.data import PSS_SCHEMA, Cohort, validate
from stratify.synthetic import (
    GENES,
    MARKER_GENES,
    SUBGROUPS,
    SYMPTOM_SUBGROUPS,
    make_pss_cohort,
)

TRUTH = ["molecular_subgroup", "symptom_subgroup", "oracle_subgroup",
         "oracle_symptom_subgroup", "lymphoma_linear_predictor"]


def digest(cohort):
    buffer = io.StringIO()
    cohort.data.to_csv(buffer)
    cohort.truth.to_csv(buffer)
    return hashlib.sha256(buffer.getvalue().encode()).hexdigest()


@pytest.mark.parametrize("options", [
    {}, {"trial": True}, {"molecular": False}, {"center_effects": False},
    {"missing": "MCAR"}, {"missing": "MAR"}, {"missing": "MNAR", "missing_rate": 0.4},
    {"missing": None}, {"missing": "none", "n_centers": 1},
])
def test_every_variant_validates_against_the_schema(options):
    cohort = make_pss_cohort(n_patients=300, random_state=3, **options)
    assert isinstance(cohort, Cohort)
    checked = validate(cohort.data.reset_index(), PSS_SCHEMA)
    pd.testing.assert_frame_equal(checked, cohort.data)
    assert all(PSS_SCHEMA.get(c) is not None for c in cohort.data.columns)
    expected = TRUTH + (["treatment_effect"] if options.get("trial") else [])
    assert cohort.truth.columns.tolist() == expected
    assert cohort.truth.index.equals(cohort.data.index)
    assert cohort.truth["molecular_subgroup"].isin(SUBGROUPS).all()
    assert cohort.truth["oracle_subgroup"].isin(SUBGROUPS).all()
    assert cohort.truth["symptom_subgroup"].isin(SYMPTOM_SUBGROUPS).all()
    assert cohort.truth.notna().all().all()


def test_identity_columns():
    cohort = make_pss_cohort(n_patients=250, n_centers=6, random_state=1)
    ids = cohort.data.index
    assert ids.name == "patient_id"
    assert ids[0] == "P000001" and ids[-1] == "P000250"
    assert ids.str.fullmatch(r"P\d{6}").all()
    assert set(cohort.data["center"]) <= {f"C{i}" for i in range(1, 7)}
    assert cohort.data["center"].nunique() == 6
    # centre blocks in order, as harmonized exports come back
    centre_number = cohort.data["center"].str[1:].astype(int)
    assert centre_number.is_monotonic_increasing
    other = make_pss_cohort(n_patients=10, n_centers=2, random_state=1, first_patient=501,
                            center_labels=("Lund", "Brest"))
    assert other.data.index[0] == "P000501"
    assert set(other.data["center"]) <= {"Lund", "Brest"}


def test_columns_and_genes():
    data = make_pss_cohort(n_patients=100, random_state=0).data
    genes = [c for c in data.columns if c.startswith("mol_")]
    assert genes == list(GENES) and len(genes) >= 40
    assert 15 <= len(set(GENES) - set(MARKER_GENES))
    assert len(MARKER_GENES) < len(GENES) / 2
    for gene in ("mol_IFI44", "mol_IFI44L", "mol_IFIT1", "mol_IFIT3", "mol_MX1", "mol_BTK",
                 "mol_TNFSF13", "mol_TNFSF13B", "mol_CD19", "mol_MS4A1", "mol_CXCL13",
                 "mol_IL6", "mol_TNF", "mol_IL1B", "mol_S100A8", "mol_S100A12"):
        assert gene in MARKER_GENES
    values = data[genes].to_numpy()
    finite = values[np.isfinite(values)]
    np.testing.assert_array_equal(finite, np.round(finite, 3))
    np.testing.assert_array_equal(data["igg_g_l"].dropna(), data["igg_g_l"].dropna().round(1))
    for column in ("anti_ro", "lymphoma_event", "essdai_articular", "esspri_pain"):
        observed = data[column].dropna()
        np.testing.assert_array_equal(observed, np.round(observed))
    assert (data["lymphoma_time_years"] >= 0).all()
    assert set(data["lymphoma_event"].unique()) <= {0, 1, 2}


def test_same_seed_same_bytes_and_other_seeds_differ():
    first = digest(make_pss_cohort(n_patients=400, trial=True, random_state=5))
    again = digest(make_pss_cohort(n_patients=400, trial=True, random_state=5))
    other = digest(make_pss_cohort(n_patients=400, trial=True, random_state=6))
    assert first == again
    assert first != other


def test_centre_parameters_do_not_depend_on_the_number_of_patients():
    small = make_pss_cohort(n_patients=600, n_centers=2, missing="none", random_state=4)
    large = make_pss_cohort(n_patients=3000, n_centers=2, missing="none", random_state=4)

    def shift(cohort):
        genes = cohort.data[["mol_ACTB", "mol_GAPDH", "center"]]  # noise genes: pure shifts
        means = genes.groupby("center").mean()
        return (means.loc["C2"] - means.loc["C1"]).to_numpy()

    np.testing.assert_allclose(shift(small), shift(large), atol=0.25)


def test_molecular_false_keeps_every_other_column():
    with_genes = make_pss_cohort(n_patients=200, random_state=8)
    without = make_pss_cohort(n_patients=200, molecular=False, random_state=8)
    assert not any(c.startswith("mol_") for c in without.data.columns)
    shared = [c for c in with_genes.data.columns if not c.startswith("mol_")]
    pd.testing.assert_frame_equal(without.data, with_genes.data[shared])
    # nothing molecular is observed: the oracle is the centre's most likely subgroup
    prior_argmax = without.truth.groupby(without.data["center"])["oracle_subgroup"].nunique()
    assert (prior_argmax == 1).all()


def test_centre_effects_shift_genes_and_labs():
    kwargs = {"n_patients": 4000, "n_centers": 3, "missing": "none", "random_state": 2}
    noise = ["mol_ACTB", "mol_GAPDH", "mol_TBP", "mol_PGK1"]

    def spread(cohort):
        return cohort.data.groupby("center")[noise].mean().std().mean()

    assert spread(make_pss_cohort(**kwargs)) > 0.4
    assert spread(make_pss_cohort(center_effects=False, **kwargs)) < 0.1


def test_registry_missingness():
    cohort = make_pss_cohort(n_patients=5000, n_centers=4, center_effects=False, random_state=9)
    data = cohort.data
    missing = data.isna()
    # biopsy: focus score and germinal centres together
    assert (missing["focus_score"] == missing["germinal_centres"]).all()
    assert abs(missing["focus_score"].mean() - 0.28) < 0.02
    assert abs(missing["uwsf_ml_min"].mean() - 0.23) < 0.02
    assert abs(missing["schirmer_mm_5min"].mean() - 0.10) < 0.015
    assert (missing["schirmer_mm_5min"] == missing["ocular_staining_score"]).all()
    symptoms = missing[["esspri_dryness", "esspri_fatigue", "esspri_pain", "anxiety",
                        "depression"]]
    assert (symptoms.all(axis=1) == symptoms.any(axis=1)).all()
    assert abs(symptoms.all(axis=1).mean() - 0.12) < 0.015
    assert missing["anti_ro"].mean() < 0.01
    genes = missing[list(GENES)]
    whole_profile = genes.all(axis=1).mean()
    assert 0.01 < whole_profile < 0.05
    single = genes[~genes.all(axis=1)].to_numpy().mean()
    assert 0.01 < single < 0.03
    for column in ("center", "sex", "age", "lymphoma_time_years", "lymphoma_event"):
        assert not missing[column].any()


def test_registry_missingness_differs_between_centres():
    data = make_pss_cohort(n_patients=6000, n_centers=4, random_state=9).data
    biopsy = data["focus_score"].isna().groupby(data["center"]).mean()
    assert biopsy.max() - biopsy.min() > 0.05


@pytest.mark.parametrize("mechanism", ["MCAR", "MAR", "MNAR"])
def test_mechanisms_hide_the_requested_share(mechanism):
    data = make_pss_cohort(n_patients=3000, missing=mechanism, missing_rate=0.3, random_state=1).data
    hidden = data.drop(columns=["center", "sex", "age", "lymphoma_time_years",
                                "lymphoma_event"]).isna().mean()
    assert abs(hidden.mean() - 0.3) < 0.01
    assert hidden.between(0.2, 0.4).all()
    assert not data[["center", "sex", "age", "lymphoma_event"]].isna().any().any()


def test_mar_depends_on_age_and_mnar_on_the_value():
    complete = make_pss_cohort(n_patients=4000, missing="none", random_state=2).data
    mar = make_pss_cohort(n_patients=4000, missing="MAR", random_state=2).data
    mnar = make_pss_cohort(n_patients=4000, missing="MNAR", random_state=2).data
    old = complete["age"] > complete["age"].median()
    assert mar.loc[old, "igg_g_l"].isna().mean() > 2 * mar.loc[~old, "igg_g_l"].isna().mean()
    high = complete["igg_g_l"] > complete["igg_g_l"].median()
    assert mnar.loc[high, "igg_g_l"].isna().mean() > 2 * mnar.loc[~high, "igg_g_l"].isna().mean()
    assert mnar["age"].equals(complete["age"])  # the MAR driver stays observed


@pytest.mark.parametrize("kwargs, match", [
    ({"n_patients": 0}, "'n_patients' parameter of make_pss_cohort must be an int >= 1"),
    ({"n_centers": 2.5}, "'n_centers' parameter"),
    ({"missing": "sometimes"}, "'missing' parameter"),
    ({"random_state": -1}, "'random_state' parameter"),
    ({"missing_rate": 1.5}, "'missing_rate' parameter"),
    ({"subgroup_proportions": {"interferon": 1.0}}, "'subgroup_proportions' parameter"),
    ({"center_labels": ("A",), "n_centers": 2}, "'center_labels' parameter"),
    ({"first_patient": 999_999, "n_patients": 10}, "'first_patient' parameter"),
    ({"symptom_sd": (1.0, 1.0, 1.0)}, "'symptom_profiles' parameter"),
])
def test_bad_arguments_raise_before_work(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_pss_cohort(**kwargs)


def test_unknown_parameter_suggests_the_right_name():
    with pytest.raises(TypeError, match="did you mean 'missing_rate'"):
        make_pss_cohort(n_patients=10, missing_rates=0.1)


def test_dict_parameters_are_checked():
    with pytest.raises(ValueError, match="'treatment_effects' parameter"):
        make_pss_cohort(n_patients=10, trial=True, treatment_effects={"HSB": -1.0})
    with pytest.raises(ValueError, match="'lymphoma_log_hazard_ratios' parameter"):
        make_pss_cohort(n_patients=10, lymphoma_log_hazard_ratios={"smoking": 1.0})


def test_parameters_change_the_model():
    kwargs = {"n_patients": 3000, "missing": "none", "center_effects": False, "random_state": 1}
    shares = make_pss_cohort(subgroup_proportions={"interferon": 0, "healthy_like": 1,
                                                   "lymphoid": 1, "inflammatory": 0},
                             **kwargs).truth["molecular_subgroup"].value_counts(normalize=True)
    assert set(shares.index) == {"healthy_like", "lymphoid"}
    assert shares["lymphoid"] == pytest.approx(0.5, abs=0.03)
    none = make_pss_cohort(lymphoma_log_hazard_ratios={}, **kwargs)
    assert (none.truth["lymphoma_linear_predictor"] == 0).all()
    stronger = make_pss_cohort(trial=True, treatment_effects={"LSB": 0, "DDF": 0, "PDF": -2.0,
                                                              "HSB": 0}, **kwargs)
    assert set(stronger.truth.loc[stronger.truth["symptom_subgroup"] == "PDF",
                                  "treatment_effect"]) == {-2.0}
