"""Stratification(config).run(cohort): subgroups recovered, choices recorded, results saved."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

import stratify as st
from stratify._config import DEFAULT_CONFIG, load_config
from stratify.workflow import StratificationResult

SMALL = {
    "n_jobs": 1,
    "cluster": {"n_resamples": 5, "k_max": 6},
    "classify": {"estimator": "logistic", "panel_size": 0, "n_bootstrap": 20},
    "survival": {"n_bootstrap": 0},
    "explain": {"enabled": False},
}
"""A configuration that runs in seconds on a few hundred patients."""

STEPS = ["scores", "quality", "features", "cluster", "profile", "classify", "survival",
         "replicate"]


@pytest.fixture(scope="module")
def cohort():
    return st.synthetic.make_pss_cohort(n_patients=400, random_state=4)


@pytest.fixture(scope="module")
def external():
    """An independent cohort from two centres the discovery cohort does not have."""
    return st.synthetic.make_pss_cohort(n_patients=300, n_centers=2, random_state=104,
                                        center_labels=("V1", "V2"), first_patient=5001)


@pytest.fixture(scope="module")
def run(cohort, external):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = st.Stratification(SMALL).run(cohort, validation=external)
    return result, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


@pytest.fixture(scope="module")
def result(run):
    return run[0]


@pytest.mark.slow
def test_recovers_the_four_molecular_subgroups(result, cohort):
    truth = cohort.truth.loc[result.labels.index, "molecular_subgroup"]
    assert result.k == 4
    assert adjusted_rand_score(truth, result.labels) > 0.8
    assert result.labels.index.name == "patient_id"
    assert set(result.labels) == {"S1", "S2", "S3", "S4"}


@pytest.mark.slow
def test_every_step_ran_and_was_timed(result):
    assert list(result.timings) == STEPS
    assert all(seconds >= 0 for seconds in result.timings.values())
    for table in ("table_one", "profile", "stability", "classifier_metrics",
                  "survival_metrics", "replication"):
        assert table in result.tables, table


@pytest.mark.slow
def test_config_and_versions_are_recorded(result):
    import sklearn

    assert result.config["cluster"]["n_resamples"] == 5
    assert result.config["cluster"]["method"] == DEFAULT_CONFIG["cluster"]["method"]
    assert result.versions["stratify"] == st.__version__
    assert result.versions["sklearn"] == sklearn.__version__
    assert {"python", "numpy", "pandas", "scipy"} <= set(result.versions)


@pytest.mark.slow
def test_patients_without_cluster_features_are_listed_with_reasons(result, cohort):
    molecular = cohort.select(blocks=["molecular"])
    unmeasured = set(molecular.index[molecular.isna().all(axis=1)])
    assert unmeasured, "the synthetic cohort should have patients without molecular data"
    excluded = result.excluded
    assert list(excluded.columns) == ["patient_id", "step", "reason"]
    cluster = excluded[excluded["step"] == "cluster"]
    assert set(cluster["patient_id"]) == unmeasured
    assert cluster["reason"].str.len().gt(0).all()
    assert not unmeasured & set(result.labels.index)
    # the subgroup is a covariate of the lymphoma model: no silent reference subgroup
    survival = excluded[excluded["step"] == "survival"]
    assert unmeasured <= set(survival["patient_id"])


@pytest.mark.slow
def test_one_warning_counts_exclusions_without_naming_patients(run, cohort):
    _, messages = run
    about = [m for m in messages if "left out" in m or "without a group" in m]
    assert len(about) == 1, messages
    assert "cluster:" in about[0]
    assert not any(pid in m for m in messages for pid in cohort.data.index)


@pytest.mark.slow
def test_replication_in_an_external_cohort_from_other_centres(result):
    row = result.tables["replication"].iloc[0]
    assert row["k_external"] == 4
    assert row["prediction_strength"] > 0.7
    assert row["centroid_correlation"] > 0.9
    assert "standardized" in result.artifacts["replication_correction"]


@pytest.mark.slow
def test_discovery_corrector_alone_leaves_unseen_centres_shifted(cohort, external, result):
    """The old behaviour, kept as an option: external centres uncorrected replicate worse."""
    config = {**SMALL, "scores": {"enabled": False}, "quality": {"enabled": False},
              "classify": {"enabled": False}, "survival": {"enabled": False},
              "replicate": {"center_correction": "fitted"}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = st.Stratification(config).run(cohort, validation=external)
    assert "left uncorrected" in fitted.artifacts["replication_correction"]
    assert (fitted.tables["replication"].iloc[0]["prediction_strength"]
            < result.tables["replication"].iloc[0]["prediction_strength"] - 0.2)


@pytest.mark.parametrize("config, key", [
    ({"clustr": {}}, "'clustr'"),
    ({"cluster": {"n_resample": 5}}, "'cluster.n_resample'"),
    ({"survival": {"horizon": 5}}, "'survival.horizon'"),
])
def test_unknown_keys_raise_naming_the_key(cohort, config, key):
    with pytest.raises(ValueError, match="unknown key") as info:
        st.Stratification(config).run(cohort)
    assert key in str(info.value)


def test_a_setting_that_should_be_a_table_is_an_error(cohort):
    with pytest.raises(ValueError, match="'cluster' must be a table"):
        st.Stratification({"cluster": 5}).run(cohort)


def test_run_needs_a_cohort():
    with pytest.raises(TypeError, match="stratify.Cohort"):
        st.Stratification().run(pd.DataFrame())


def test_toml_config_loads(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('seed = 7\nn_jobs = 2\n\n[cluster]\nmethod = "kmeans"\n'
                    'blocks = ["molecular"]\nn_resamples = 10\n\n[survival]\nenabled = false\n',
                    encoding="utf-8")
    config = load_config(path)
    assert config["seed"] == 7 and config["n_jobs"] == 2
    assert config["cluster"]["method"] == "kmeans" and config["cluster"]["n_resamples"] == 10
    assert config["cluster"]["k_max"] == DEFAULT_CONFIG["cluster"]["k_max"]
    assert config["survival"]["enabled"] is False
    assert st.Stratification(path)._config() == config


def test_toml_errors_name_the_file_and_the_key(tmp_path):
    bad_key = tmp_path / "bad_key.toml"
    bad_key.write_text("[cluster]\nmethd = 'gmm'\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad_key\.toml.*'cluster\.methd'"):
        load_config(bad_key)
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("[cluster\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.toml: not valid TOML"):
        load_config(bad_toml)
    with pytest.raises(FileNotFoundError, match="missing.toml"):
        load_config(tmp_path / "missing.toml")


@pytest.mark.slow
def test_save_then_load_gives_the_same_labels_tables_and_records(result, tmp_path):
    result.save(tmp_path)
    loaded = StratificationResult.load(tmp_path)
    pd.testing.assert_series_equal(loaded.labels, result.labels, check_names=False)
    assert loaded.labels.index.name == "patient_id"
    assert set(loaded.tables) == set(result.tables)
    for name, table in result.tables.items():
        pd.testing.assert_frame_equal(loaded.tables[name], table, check_dtype=False,
                                      check_index_type=False, check_column_type=False,
                                      obj=name)
    assert loaded.tables["table_one"].attrs["n"] == result.tables["table_one"].attrs["n"]
    pd.testing.assert_frame_equal(loaded.excluded.reset_index(drop=True),
                                  result.excluded.astype(str).reset_index(drop=True))
    assert loaded.config == result.config
    assert loaded.versions == result.versions
    assert loaded.timings == result.timings
    assert set(loaded.models) == set(result.models)
    cluster = loaded.models["cluster"]
    assert cluster.k_ == result.k
    np.testing.assert_array_equal(cluster.labels_, result.models["cluster"].labels_)


@pytest.mark.parametrize("config, message", [
    ({"threads": -1}, "'threads' setting"),
    ({"replicate": {"center_correction": "pooled"}}, "'replicate.center_correction'"),
    ({"cluster": {"missing": "drop"}}, "'cluster.missing'"),
    ({"cluster": {"n_imputations": 0}}, "'cluster.n_imputations'"),
])
def test_invalid_workflow_settings_fail_before_any_step(cohort, config, message):
    with pytest.raises(ValueError, match=message):
        st.Stratification(config).run(cohort)


@pytest.mark.slow
def test_multiple_imputation_reaches_clustering_classifier_and_replication(cohort, external):
    config = {**SMALL, "impute": {"n_imputations": 2}, "quality": {"enabled": False},
              "survival": {"enabled": False}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = st.Stratification(config).run(cohort, validation=external)
    assert result.k == 4
    assert result.artifacts["classifier_cv"].n_imputations == 2
    assert result.tables["replication"].iloc[0]["k_model"] == 4


@pytest.mark.slow
def test_clustering_imputes_its_features_with_several_draws(result):
    # the cohort's expression values have missing values: the clustering draws
    # cluster.n_imputations (default 5) frames from its mixture imputer, so that
    # stability sees a split made by one draw (SMALL keeps the default)
    model = result.models["cluster"]
    assert result.config["cluster"]["n_imputations"] == 5
    assert model.imputer_ is not None and model.imputer_.n_imputations == 5
    assert len(model.models_) == 5


def test_every_stored_name_belongs_to_one_step_and_reads_back_typed(result):
    from stratify._step_results import STEP_RESULTS

    declared = [key for kind in STEP_RESULTS.values() for key in kind.keys()]
    assert len(declared) == len(set(declared)), "a name is declared by two steps"
    stored = {("tables", k) for k in result.tables if k != "skipped_steps"}
    stored |= {("models", k) for k in result.models} | {("artifacts", k)
                                                         for k in result.artifacts}
    assert stored <= set(declared), f"written by no step's type: {stored - set(declared)}"
    # each step's typed part holds the very objects the dictionaries hold
    assert result.cluster.model is result.models["cluster"]
    assert result.cluster.scores is result.tables["cluster_scores"]
    assert result.classifier.metrics is result.tables["classifier_metrics"]
    assert result.classifier.cv is result.artifacts["classifier_cv"]
    assert result.survival.model is result.models["risk_model"]
    assert result.profile.table_one is result.tables["table_one"]
    assert result.replication.table is result.tables["replication"]
    assert result.features.imputer is result.models["imputer"]
    assert result.explanations is None  # the step is disabled in SMALL
    for kind in STEP_RESULTS.values():
        part = kind.from_stores({"tables": result.tables, "models": result.models,
                                 "artifacts": result.artifacts})
        if part is not None:
            again = StratificationResult(config={}, versions={})
            again.record(part)
            assert {k for _, k, _ in part.stored()} <= {
                *again.tables, *again.models, *again.artifacts}


def test_a_loaded_result_gives_its_saved_parts_typed(result, tmp_path):
    loaded = StratificationResult.load(result.save(tmp_path))
    assert loaded.cluster.model.k_ == result.k
    pd.testing.assert_frame_equal(loaded.classifier.metrics, result.classifier.metrics,
                                  check_dtype=False)
    assert loaded.cluster.embedding is None  # artifacts are not saved
    assert loaded.quality.report is None and loaded.quality.flags is not None


@pytest.mark.slow
def test_lymphoma_metrics_are_corrected_for_optimism_and_the_report_says_so(cohort, tmp_path):
    config = {**SMALL, "classify": {"enabled": False},
              "survival": {"n_bootstrap": 15, "optimism": True}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = st.Stratification(config).run(cohort)
    metrics = result.survival.metrics.set_index(["model", "metric"])
    cox = metrics.loc[("cox model", "harrell_c")]
    assert np.isfinite(cox["optimism"]) and cox["corrected"] == pytest.approx(
        cox["estimate"] - cox["optimism"])
    assert np.isnan(metrics.loc[("seven-factor score", "harrell_c")].get("corrected", np.nan))
    line = [ln for ln in result.summary().splitlines() if ln.startswith("lymphoma C-index (cox")]
    assert f"optimism-corrected {cox['corrected']:.3f}" in line[0]
    page = st.report.write_report(result, tmp_path).read_text(encoding="utf-8")
    section = page.split('id="lymphoma"')[1].split("</section>")[0]
    assert "Harrell&#x27;s bootstrap optimism" in section and "15 bootstrap samples" in section
    # without it, the metrics say they are apparent only
    apparent = {**config, "survival": {"n_bootstrap": 15, "optimism": False}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = st.Stratification(apparent).run(cohort)
    assert "corrected" not in plain.survival.metrics.columns


@pytest.mark.slow
def test_the_report_says_when_subgroup_and_its_genes_both_enter_the_lymphoma_model(
        cohort, tmp_path):
    config = {**SMALL, "classify": {"enabled": False},
              "survival": {"features": ["mol_IFI44", "mol_BTK", "anti_ro", "age"]}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = st.Stratification(config).run(cohort)
    assert "survival" not in result.skipped
    assert result.survival.note.startswith("The subgroup and 2 feature(s) it was found from "
                                           "(mol_IFI44, mol_BTK) both enter the model")
    # covariates without the seven factors: the model alone, and said
    assert "The seven-factor clinical score is not compared: 6 of its factors" in \
        result.survival.note
    assert set(result.survival.metrics["model"]) == {"cox model"}
    page = st.report.write_report(result, tmp_path).read_text(encoding="utf-8")
    assert "mol_IFI44, mol_BTK) both enter the model" in page.split('id="lymphoma"')[1]
    # without the subgroup as a covariate, the genes alone: nothing to say
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alone = st.Stratification({**config, "survival": {**config["survival"],
                                                          "include_subgroup": False}}).run(cohort)
    assert "both enter the model" not in (alone.survival.note or "")
