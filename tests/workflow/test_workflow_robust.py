"""The workflow on hostile settings and degenerate cohorts: errors before any work,
steps skipped with their reason, "no subgroups" carried through, reports that survive."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from structure_off import fit_without_structure_test as _real_fit

import stratify as st
from stratify import plot
from stratify.cluster import ConsensusClustering
from stratify.data import Cohort, little_mcar_test, missingness_report
from stratify.report import write_report

LIGHT = {
    "n_jobs": 1,
    "cluster": {"n_resamples": 5, "k_max": 4, "n_imputations": 2},
    "classify": {"estimator": "logistic", "panel_size": 0, "n_bootstrap": 10},
    "survival": {"n_bootstrap": 0},
    "explain": {"max_rows": 50},
}
"""Every step on, each as light as it goes: seconds on 60-100 patients."""

NO_STRUCTURE = "no subgroup structure was found (k = 1)"


@pytest.fixture(autouse=True)
def _planted_structure_found(monkeypatch):
    monkeypatch.setattr(ConsensusClustering, "fit", _real_fit)


def _cohort(n: int = 80, centers: int = 3, seed: int = 0) -> Cohort:
    return st.synthetic.make_pss_cohort(n_patients=n, n_centers=centers, random_state=seed)


def _edited(cohort: Cohort, edit) -> Cohort:
    return Cohort(edit(cohort.data.copy()), validate=False)


def _run(cohort: Cohort, config: dict | None = None, **kwargs) -> st.StratificationResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return st.Stratification(config or LIGHT).run(cohort, **kwargs)


def _reported(result, tmp_path) -> str:
    """Save, then write the report; both must work on whatever the run produced."""
    result.save(tmp_path)
    return write_report(result, tmp_path).read_text(encoding="utf-8")


# -- 22.3: the whole configuration is checked before any work ------------------------------

@pytest.mark.parametrize("config, key", [
    ({"cluster": {"k_min": "two"}}, "'cluster.k_min'"),
    ({"cluster": {"k_min": 2.9}}, "'cluster.k_min'"),
    ({"report": {"min_cell": 4.9}}, "'report.min_cell'"),
    ({"impute": {"n_imputations": 0}}, "'impute.n_imputations'"),
    ({"cluster": {"n_null": -1}}, "'cluster.n_null'"),
    ({"cluster": {"alpha": 0.0}}, "'cluster.alpha'"),
    ({"n_jobs": 0}, "'n_jobs'"),
    ({"survival": {"horizons": []}}, "'survival.horizons'"),
    ({"survival": {"horizons": [5, -1]}}, "'survival.horizons'"),
    ({"cluster": {"method": "spectral"}}, "'cluster.method'"),
    ({"classify": {"estimator": "svm"}}, "'classify.estimator'"),
    ({"survival": {"method": "weibull"}}, "'survival.method'"),
    ({"impute": {"method": "mice"}}, "'impute.method'"),
    ({"preprocess": {"center_correction": "quantile"}}, "'preprocess.center_correction'"),
    ({"preprocess": {"protect": "age"}}, "'preprocess.protect'"),
    ({"classify": {"panel_size": None}}, "'classify.panel_size'"),
    ({"threads": None}, "'threads'"),
    ({"cluster": {"k_min": 5, "k_max": 3}}, "'cluster.k_max'"),
    ({"cluster": {"subsample": 1.5}}, "'cluster.subsample'"),
    ({"cluster": {"blocks": ["molecule"]}}, "'cluster.blocks'"),
    ({"explain": {"enabled": "yes"}}, "'explain.enabled'"),
])
def test_a_wrong_setting_fails_in_the_constructor_naming_the_key(config, key):
    with pytest.raises(ValueError, match="Invalid configuration") as info:
        st.Stratification(config)
    assert key in str(info.value)


@pytest.mark.parametrize("value", ["none", False, "location_scale"])
def test_centre_correction_may_be_turned_off_as_toml_writes_it(value):
    config = st.Stratification({"preprocess": {"center_correction": value}}).validate()
    assert config["preprocess"]["center_correction"] is value


def test_every_problem_is_listed_at_once():
    with pytest.raises(ValueError) as info:
        st.Stratification({"n_jobs": 0, "report": {"min_cell": 4.9}})
    assert "'n_jobs'" in str(info.value) and "'report.min_cell'" in str(info.value)


def test_the_checked_configuration_holds_plain_toml_values():
    config = st.Stratification({
        "cluster": {"k_min": np.int64(3), "blocks": ("molecular",)},
        "survival": {"horizons": [5, 10]}, "classify": {"panel_size": 0},
    }).validate()
    assert type(config["cluster"]["k_min"]) is int and config["cluster"]["k_min"] == 3
    assert config["cluster"]["blocks"] == ["molecular"]
    assert config["survival"]["horizons"] == [5.0, 10.0]

    def toml_values(value):
        if isinstance(value, dict):
            return all(toml_values(v) for v in value.values() if v is not None or value is config)
        if isinstance(value, list):
            return all(toml_values(v) for v in value)
        return isinstance(value, (str, int, float, bool))

    # None only where it is the default (n_jobs: omitted from a TOML file)
    assert [k for k, v in config.items() if v is None] == ["n_jobs"]
    assert toml_values({k: v for k, v in config.items() if v is not None})


@pytest.mark.parametrize("config, key", [
    ({"preprocess": {"protect": ["nope"]}}, "'preprocess.protect'"),
    ({"cluster": {"columns": ["nope"]}}, "'cluster.columns'"),
    ({"survival": {"features": ["age", "nope"]}}, "'survival.features'"),
])
def test_columns_named_by_the_settings_are_checked_before_the_first_step(config, key,
                                                                          monkeypatch):
    import stratify._steps as steps

    ran = []
    monkeypatch.setattr(steps, "step_scores", lambda *a: ran.append("scores"))
    with pytest.raises(ValueError, match="lacks") as info:
        st.Stratification({**LIGHT, **config}).run(_cohort(60))
    assert key in str(info.value) and "'nope'" in str(info.value)
    assert ran == []


def test_the_default_survival_features_keep_those_the_cohort_has():
    cohort = _edited(_cohort(60), lambda d: d.drop(columns=["mol_BTK"]))
    assert st.Stratification(LIGHT).validate(cohort)["survival"]["features"][0] == \
        "salivary_gland_enlargement"


def test_protected_columns_must_also_be_in_the_validation_cohort():
    cohort = _cohort(60)
    external = _edited(_cohort(60, seed=1), lambda d: d.drop(columns=["age"]))
    with pytest.raises(ValueError, match="validation cohort lacks"):
        st.Stratification({"preprocess": {"protect": ["age"]}}).validate(cohort, external)


# -- 22.9: small and single-centre cohorts degrade, not die ---------------------------------

@pytest.mark.slow
def test_ten_patients_run_and_say_what_they_skipped(tmp_path):
    result = _run(_cohort(10))
    assert set(result.timings) >= {"scores", "features", "cluster", "survival"}
    assert result.skipped, "ten patients cannot support every step"
    assert all(reason for reason in result.skipped.values())
    page = _reported(result, tmp_path)
    assert "Steps not run" in page


@pytest.mark.slow
def test_a_centre_with_one_patient_is_left_out_of_the_clustering_with_the_reason():
    cohort = _cohort(80)
    lone = cohort.data.index[0]
    cohort = _edited(cohort, lambda d: d.assign(center=np.where(d.index == lone, "Z",
                                                                d["center"])))
    result = _run(cohort)
    rows = result.excluded[result.excluded["patient_id"] == lone]
    assert rows["reason"].str.contains("centre with fewer than 2 patients").any()
    assert lone not in result.labels.index
    assert result.k >= 2 and "center_corrector" in result.models


@pytest.mark.slow
def test_a_single_centre_cohort_classifies_with_stratified_folds(tmp_path):
    result = _run(_cohort(80, centers=1))
    assert "classifier_metrics" in result.tables
    assert "one centre" in result.artifacts["classifier_folds"]
    assert "center_corrector" not in result.models
    assert "one centre" in _reported(result, tmp_path)


@pytest.mark.slow
def test_a_constant_gene_is_left_out_of_the_risk_model():
    cohort = _edited(_cohort(80), lambda d: d.assign(mol_MX1=1.0))
    result = _run(cohort)
    assert "survival" not in result.skipped
    assert result.artifacts["survival_left_out"] == {"mol_MX1": "one value only"}
    assert "mol_MX1" not in result.tables["hazard_ratios"].index


@pytest.mark.slow
def test_a_molecular_only_file_clusters_and_skips_what_needs_clinical_data(tmp_path):
    cohort = _edited(_cohort(80), lambda d: d[[c for c in d.columns if c.startswith("mol_")]])
    result = _run(cohort)
    assert result.k >= 2
    assert set(result.skipped) == {"scores", "quality", "survival"}
    assert "lymphoma outcome" in result.skipped["survival"]
    assert "profile_note" in result.artifacts
    assert "no lymphoma outcome" in _reported(result, tmp_path)


def test_all_molecular_values_missing_skips_the_clustering_and_what_needs_subgroups():
    cohort = _edited(_cohort(80), lambda d: d.assign(
        **{c: np.nan for c in d.columns if c.startswith("mol_")}))
    result = _run(cohort)
    assert "no patient has an observed cluster feature" in result.skipped["features"]
    for step in ("cluster", "profile", "classify", "explain"):
        assert step in result.skipped, step
    assert result.labels is None
    # the risk model needs no subgroup; the never-observed genes are left out of it
    assert "survival_metrics" in result.tables
    assert result.artifacts["survival_left_out"]["mol_BTK"] == "no observed value"


@pytest.mark.slow
def test_a_three_patient_validation_cohort_skips_replication_only():
    cohort, external = _cohort(80), _cohort(3, centers=1, seed=9)
    external = Cohort(external.data.rename(index=lambda i: f"V{i}"), validate=False)
    result = _run(cohort, validation=external)
    assert "3 patient(s)" in result.skipped["replicate"]
    assert "classifier_metrics" in result.tables


# -- 21.2: "no subgroups" carried through ----------------------------------------------------

def _fit_without_structure(self, X, y=None):
    """ConsensusClustering as it answers "no subgroup structure": k_ = 1, everybody in 0."""
    fitted = _real_fit(self, X, y)
    n = len(self.labels_)
    self.k_ = 1
    self.labels_ = np.zeros(n, dtype=int)
    self.stability_ = pd.Series([1.0], index=pd.RangeIndex(1, name="subgroup"))
    self.confidence_ = np.ones(n)
    self.scores_ = self.scores_.assign(null_p=0.6)
    self.reason_ = "no k beat the reference without clusters (smallest p = 0.60)"
    return fitted




@pytest.fixture(scope="module")
def no_structure():
    cohort, external = _cohort(100), _cohort(60, seed=7)
    external = Cohort(external.data.rename(index=lambda i: f"V{i}"), validate=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ConsensusClustering, "fit", _fit_without_structure)
        return _run(cohort, validation=external)


@pytest.mark.slow
def test_k_one_skips_the_subgroup_steps_with_the_reason(no_structure):
    result = no_structure
    assert result.k == 1
    for step in ("profile", "classify", "explain", "replicate"):
        assert result.skipped[step] == NO_STRUCTURE, step
    assert "no subgroup structure was found" in result.summary()
    assert "stability" not in result.summary()


@pytest.mark.slow
def test_k_one_still_fits_the_lymphoma_risk_model_on_everybody(no_structure):
    result = no_structure
    assert "survival" not in result.skipped
    assert "survival_metrics" in result.tables
    assert not result.tables["hazard_ratios"].index.str.startswith("subgroup_").any()
    assert result.artifacts["km"].groups == ["all"]


@pytest.mark.slow
def test_the_report_opens_with_no_subgroup_structure_and_its_evidence(no_structure, tmp_path):
    page = _reported(no_structure, tmp_path)
    first = page.index("<h2>")
    assert page[first:].startswith("<h2>No subgroup structure was found</h2>")
    assert "<th>null_p</th>" in page and "<td>0.6</td>" in page and "smallest p = 0.60" in page
    assert "Subgroup classifier" not in page
    saved = pd.read_csv(tmp_path / "tables" / "skipped_steps.csv", index_col="step")
    assert saved["reason"].to_dict() == no_structure.skipped


# -- 22.2: a report survives degenerate input ------------------------------------------------

def _tiny_subgroup(self, X, y=None):
    """The real fit, then two patients moved into a subgroup of their own."""
    fitted = _real_fit(self, X, y)
    self.labels_ = np.asarray(self.labels_).copy()
    self.labels_[:2] = self.k_
    self.k_ += 1
    self.stability_ = pd.Series(list(self.stability_) + [0.5],
                                index=pd.RangeIndex(self.k_, name="subgroup"))
    return fitted


@pytest.mark.slow
def test_a_subgroup_under_min_cell_gets_a_report(tmp_path, monkeypatch):
    monkeypatch.setattr(ConsensusClustering, "fit", _tiny_subgroup)
    result = _run(_cohort(100))
    assert result.labels.value_counts().min() == 2
    page = _reported(result, tmp_path)
    assert "Cumulative incidence of lymphoma by subgroup" in page
    assert "Not drawn (fewer than 5 patients at risk from the start)" in page


def test_survival_plots_of_empty_curves_say_there_is_nothing_to_draw():
    import matplotlib

    matplotlib.use("Agg")
    from stratify.survival import cumulative_incidence, kaplan_meier, make_target

    time, event = np.arange(1.0, 9.0), np.array([1, 0, 2, 1, 0, 1, 2, 0])
    groups = np.array(["a"] * 6 + ["b"] * 2)
    cif = cumulative_incidence(time, event, groups)
    km = kaplan_meier(make_target(time, event == 1), groups)
    one_empty = cif.curves[cif.curves["group"] == "a"]
    ax = plot.cumulative_incidence(type(cif)(**{**vars(cif), "curves": one_empty}))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a: lymphoma", "a: death"]
    for result, draw in ((cif, plot.cumulative_incidence), (km, plot.kaplan_meier)):
        empty = type(result)(**{**vars(result), "curves": result.curves.iloc[:0]})
        ax = draw(empty)
        assert [t.get_text() for t in ax.texts] == ["no curve to draw"]


def test_a_calibration_table_without_bins_draws_an_empty_panel():
    ax = plot.calibration(pd.DataFrame({"predicted": [], "observed": []}))
    assert [t.get_text() for t in ax.texts] == ["no calibration bin to draw"]


# -- 22.8: Little's test says "not computed" rather than a meaningless number ---------------

def test_little_at_sixty_patients_is_not_computed_with_the_reason():
    cohort = st.synthetic.make_pss_cohort(n_patients=60, random_state=3)
    mcar = missingness_report(cohort).mcar
    assert np.isnan(mcar.statistic) and np.isnan(mcar.p_value)
    assert "too few rows per missing-data pattern" in mcar.note
    assert str(mcar).startswith("Little's MCAR test not computed")


def test_little_without_enough_rows_or_with_collinear_variables():
    rng = np.random.default_rng(0)
    wide = rng.normal(size=(8, 10))
    wide[rng.random(wide.shape) < 0.1] = np.nan
    assert "fewer rows than variables" in little_mcar_test(wide).note
    X = rng.normal(size=(400, 3))
    X = np.column_stack([X, X[:, 0] + X[:, 1]])
    X[rng.random(400) < 0.3, 2] = np.nan
    result = little_mcar_test(pd.DataFrame(X, columns=["a", "b", "c", "a_plus_b"]))
    # the exact relation is left out and said; the test runs on the others
    assert "linear combination" in result.note and len(result.variables) == 3
    assert 0.0 <= result.p_value <= 1.0 and result.statistic >= 0


def test_the_0_1_setting_impute_kind_reads_as_impute_method_with_a_future_warning():
    with pytest.warns(FutureWarning, match="'impute.kind' was renamed 'impute.method'"):
        config = st.Stratification({"impute": {"kind": "simple"}}).validate()
    assert config["impute"]["method"] == "simple" and "kind" not in config["impute"]
    with pytest.raises(ValueError, match="old name of 'impute.method'"):
        st.Stratification({"impute": {"kind": "simple", "method": "knn"}}).validate()
