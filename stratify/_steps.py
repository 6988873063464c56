"""The steps of :class:`stratify.workflow.Stratification`, one function each."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._protection import (
    protected_calibration,
    protected_metrics,
    protected_profile,
    protected_replication,
    protected_scores,
)
from ._step_results import (
    STEP_RESULTS,
    ClassifierResult,
    ClusterResult,
    ExplainResult,
    FeaturesResult,
    ProfileResult,
    QualityResult,
    ReplicationResult,
    ScoresResult,
    SurvivalResult,
)
from .data import Cohort

RISK_COLUMNS = ["salivary_gland_enlargement", "lymphadenopathy", "raynaud", "anti_ro", "rf",
                "monoclonal_component", "c4_low"]
"""Columns the seven-factor lymphoma score needs (``anti_la`` is optional)."""

ESSDAI_COLUMNS = [
    "essdai_constitutional", "essdai_lymphadenopathy", "essdai_glandular", "essdai_articular",
    "essdai_cutaneous", "essdai_pulmonary", "essdai_renal", "essdai_muscular", "essdai_pns",
    "essdai_cns", "essdai_haematological", "essdai_biological",
]
ESSPRI_COLUMNS = ["esspri_dryness", "esspri_fatigue", "esspri_pain"]

NO_STRUCTURE = "no subgroup structure was found (k = 1)"
"""Why the subgroup steps are skipped when the clustering finds one group."""

MIN_CENTER_SIZE = 2
"""Patients a centre needs for its shift and spread to be estimated (centre correction)."""


class _Skip(Exception):
    """Raised by a step that cannot run on these data; the message says why.

    The run goes on without the step, and ``result.skipped`` records the reason.
    """


@dataclass
class _State:
    cohort: Cohort
    validation: Cohort | None
    config: dict[str, Any]
    X: pd.DataFrame | None = None                # cluster features, corrected and imputed
    corrected: pd.DataFrame | None = None        # cluster features, corrected, not imputed
    frames: list[pd.DataFrame] = field(default_factory=list)  # multiple imputations
    scores: pd.DataFrame | None = None


def _exclude(result, ids, step: str, reason: str) -> None:
    ids = list(map(str, ids))
    if not ids:
        return
    rows = pd.DataFrame({"patient_id": ids, "step": step, "reason": reason})
    result.excluded = pd.concat([result.excluded, rows], ignore_index=True)


def _has(data: pd.DataFrame, columns: list[str]) -> bool:
    return all(c in data.columns for c in columns)


def _skip(result, step: str, reason: str) -> None:
    """Record that ``step`` did not run, and why (a table, so that it is saved)."""
    row = pd.DataFrame({"reason": [reason]}, index=pd.Index([step], name="step"))
    previous = result.tables.get("skipped_steps")
    result.tables["skipped_steps"] = row if previous is None else pd.concat([previous, row])


def _subgroups(result) -> pd.Series:
    """The subgroup labels, or a skip when there are none to describe."""
    if result.labels is None:
        raise _Skip("no subgroups: the clustering step did not run")
    if result.labels.nunique() < 2:
        raise _Skip(NO_STRUCTURE)
    return result.labels


def step_scores(result, state: _State, part: ScoresResult) -> None:
    from . import scores

    data = state.cohort.data
    out = pd.DataFrame(index=data.index)
    if _has(data, ESSDAI_COLUMNS):
        out["essdai"] = scores.essdai(data)
        out["clinessdai"] = scores.clinessdai(data)
    if _has(data, ESSPRI_COLUMNS):
        out["esspri"] = scores.esspri(data)
    if _has(data, ["focus_score", "anti_ro"]):
        acr = scores.acr_eular_2016(data)
        out["acr_eular_2016_points"] = acr["points"]
    if _has(data, RISK_COLUMNS):
        risk = scores.lymphoma_risk_score(data)
        out["lymphoma_risk_factors"] = risk["n_factors"]
    if out.shape[1] == 0:
        raise _Skip("the cohort has the columns of no score (ESSDAI, ESSPRI, ACR/EULAR 2016, "
                    "lymphoma risk factors)")
    state.scores = out
    part.scores = out
    part.summary = out.describe().T


def step_quality(result, state: _State, part: QualityResult) -> None:
    from .data import quality_report

    if "center" not in state.cohort.data.columns:
        raise _Skip("the cohort has no 'center' column")
    report = quality_report(state.cohort)
    part.report = report
    part.flags = report.flags()


def _cluster_frame(cohort: Cohort, config: dict[str, Any]) -> pd.DataFrame:
    c = config["cluster"]
    X = cohort.select(blocks=c["blocks"] or None, columns=c["columns"] or None,
                      numeric_only=True)
    numeric = list(X.columns)
    if not numeric:
        raise ValueError(
            f"No numeric cluster features in blocks {c['blocks']} / columns {c['columns']}."
        )
    return X[numeric]


def step_features(result, state: _State, part: FeaturesResult) -> None:
    from .impute import MultipleImputer, make_imputer
    from .preprocess import CenterCorrector

    config, seed = state.config, state.config["seed"]
    data = state.cohort.data
    X = _cluster_frame(state.cohort, config)
    empty = X.index[X.isna().all(axis=1)]
    _exclude(result, empty, "cluster", "no cluster feature observed")
    X = X.drop(index=empty)
    if X.empty:
        raise _Skip(f"no patient has an observed cluster feature ({X.shape[1]} column(s))")
    method = config["preprocess"]["center_correction"]
    correct = method not in (False, "none") and "center" in data.columns
    if correct:
        sizes = data.loc[X.index, "center"].value_counts()
        small = data.index[data["center"].isin(sizes.index[sizes < MIN_CENTER_SIZE])]
        small = X.index.intersection(small, sort=False)
        # a centre's shift cannot be estimated from one patient: its patients
        # would stay on their own scale, so they are left out of the clustering
        _exclude(result, small, "cluster",
                 f"centre with fewer than {MIN_CENTER_SIZE} patients with cluster features: "
                 "its measurements cannot be centre-corrected")
        X = X.drop(index=small)
        if X.empty:
            raise _Skip(f"every centre has fewer than {MIN_CENTER_SIZE} patients with cluster "
                        "features: none can be centre-corrected")
    if correct and data.loc[X.index, "center"].nunique() > 1:
        protect = list(config["preprocess"]["protect"])
        corrector = CenterCorrector(method=method, protect=protect or None)
        frame = X.join(data[["center", *protect]])
        X = corrector.fit_transform(frame)
        X = X[[c for c in X.columns if c not in ("center", *protect)]]
        part.center_corrector = corrector
    state.corrected = X
    m = int(config["impute"]["n_imputations"])
    method = config["impute"]["method"]
    if m > 1:
        imputer = MultipleImputer(n_imputations=m, method=method, random_state=seed)
        state.frames = imputer.fit_transform(X)
        state.X = state.frames[0]
    else:
        imputer = make_imputer(method, random_state=seed)
        state.X = imputer.fit_transform(X)
        state.frames = [state.X]
    part.imputer = imputer


def step_cluster(result, state: _State, part: ClusterResult) -> None:
    from .cluster import ConsensusClustering

    c, seed = state.config["cluster"], state.config["seed"]
    if state.X is None or state.corrected is None:
        raise _Skip("no cluster features: the features step did not run")
    model = ConsensusClustering(
        method=c["method"], k_range=range(int(c["k_min"]), int(c["k_max"]) + 1),
        n_resamples=int(c["n_resamples"]), subsample=float(c["subsample"]),
        n_imputations=int(c["n_imputations"]), n_null=int(c["n_null"]),
        alpha=float(c["alpha"]), n_jobs=state.config["n_jobs"], random_state=seed,
    )
    if c["missing"] == "mixture" and state.corrected.isna().to_numpy().any():
        # the clustering imputes its features itself, by draws from a mixture
        # fitted to the observed values (chained equations blur subgroups)
        model.fit(state.corrected)
    else:
        model.fit(state.frames if len(state.frames) > 1 else state.X)
    labels = pd.Series(np.asarray(model.labels_), index=state.X.index, name="subgroup")
    labels = labels.map(lambda v: f"S{int(v) + 1}")
    result.labels = labels
    part.model = model
    part.scores = protected_scores(
        model.scores_, len(labels), int(state.config["report"]["min_cell"]))
    part.stability = pd.DataFrame(
        {"jaccard": np.asarray(model.stability_, dtype=float)},
        index=pd.Index([f"S{i + 1}" for i in range(len(model.stability_))], name="subgroup"),
    )
    from .cluster import Embedder

    embedding = Embedder(method="pca", n_components=2, random_state=seed).fit_transform(state.X)
    part.embedding = embedding
    part.confidence = pd.Series(np.asarray(model.confidence_), index=state.X.index,
                                name="confidence")
    if model.k_ == 1:
        part.no_structure = str(getattr(model, "reason_", "") or NO_STRUCTURE)


def step_profile(result, state: _State, part: ProfileResult) -> None:
    from .cluster import name_subgroups, profile
    from .report import table_one

    labels = _subgroups(result)
    data = state.cohort.data.loc[labels.index]
    blocks = state.config["profile"]["blocks"]
    described = state.cohort.select(blocks=blocks).loc[labels.index]
    numeric = [c for c in described.columns if pd.api.types.is_numeric_dtype(described[c])]
    features = described[numeric]
    if state.scores is not None:
        features = features.join(state.scores)
    # the cluster features found the subgroups: their tests are descriptive only
    assert state.X is not None
    clustered = [str(c) for c in state.X.columns]
    min_cell = int(state.config["report"]["min_cell"])
    sizes = labels.value_counts().sort_index()
    part.cluster_features = protected_profile(
        profile(state.X, labels, clustered=clustered), sizes, min_cell)
    if features.shape[1] == 0:
        # e.g. a file of expression values only: the subgroups are described
        # by the features that made them
        part.profile = part.cluster_features
        part.note = (
            f"The cohort has no column of the profile blocks ({', '.join(blocks)}); the "
            "subgroups are described by their cluster features.")
    else:
        part.profile = protected_profile(profile(
            features, labels, clustered=[c for c in clustered if c in features.columns]),
            sizes, min_cell)
    # named by what made them (the cluster features), then by the clinic
    profiles = ([part.cluster_features] if part.profile is part.cluster_features
                else [part.cluster_features, part.profile])
    part.names = name_subgroups(*profiles).to_frame()
    t1 = described.join(state.scores) if state.scores is not None else described
    if "center" in data.columns:
        t1 = t1.join(data[["center"]])
    if t1.shape[1]:
        part.table_one = table_one(
            t1, labels, min_cell=int(state.config["report"]["min_cell"]),
            clustered=[c for c in clustered if c in t1.columns])


def step_classify(result, state: _State, part: ClassifierResult) -> None:
    from .classify import SubgroupClassifier, cross_validate

    c, seed = state.config["classify"], state.config["seed"]
    labels = _subgroups(result)
    data = state.cohort.data.loc[labels.index]
    groups = data["center"] if c["by_center"] and "center" in data.columns else None
    if groups is not None and groups.nunique() < 2:
        # one centre: leave-one-centre-out has nothing to leave out
        groups = None
        part.folds_note = ("one centre only: stratified folds instead "
                                                "of leave-one-centre-out")
    panel = c["panel_size"] or None  # 0: no marker panel
    model = SubgroupClassifier(estimator=c["estimator"], panel_size=panel, random_state=seed)
    # with multiple imputation the folds run on every imputed set, pooled by Rubin's rules
    frames = state.frames if len(state.frames) > 1 else state.X
    cv = cross_validate(model, frames, labels, groups=groups,
                        n_bootstrap=int(c["n_bootstrap"]), random_state=seed,
                        n_jobs=state.config["n_jobs"])
    # the folds above ran in parallel; the final fit parallelizes its own panel search
    model.set_params(n_jobs=state.config["n_jobs"]).fit(state.X, labels)
    part.model = model
    part.cv = cv
    part.metrics = protected_metrics(
        cv.metrics, getattr(cv, "confusion", None), labels,
        int(state.config["report"]["min_cell"]))
    if model.panel_result_ is not None:
        part.panel = list(model.panel_)
        part.panel_curve = model.panel_result_.curve


def step_survival(result, state: _State, part: SurvivalResult) -> None:
    from .impute import make_imputer
    from .scores import lymphoma_risk_score
    from .survival import LymphomaRiskModel, evaluate, evaluate_score, make_target

    c, seed = state.config["survival"], state.config["seed"]
    data = state.cohort.data
    if not _has(data, ["lymphoma_time_years", "lymphoma_event"]):
        raise _Skip("no lymphoma outcome columns (lymphoma_time_years, lymphoma_event)")
    outcome = data[["lymphoma_time_years", "lymphoma_event"]]
    no_outcome = outcome.index[outcome.isna().any(axis=1)]
    _exclude(result, no_outcome, "survival", "lymphoma time or event missing")
    keep = outcome.index.difference(no_outcome, sort=False)
    subgroups = result.labels is not None and result.labels.nunique() > 1
    with_subgroup = c["include_subgroup"] and subgroups
    if with_subgroup:
        # the subgroup is a covariate: a patient without one would silently
        # count as the reference subgroup
        unlabelled = keep.difference(result.labels.index, sort=False)
        _exclude(result, unlabelled, "survival", "no subgroup, a covariate of the model")
        keep = keep.intersection(result.labels.index, sort=False)
    if not (data.loc[keep, "lymphoma_event"] == 1).any():
        raise _Skip("no lymphoma event among the patients with an outcome")
    X = _risk_covariates(result, state, part, keep, with_subgroup)
    imputer = make_imputer("iterative", random_state=seed)
    X = imputer.fit_transform(X)
    time_, event = data.loc[keep, "lymphoma_time_years"], data.loc[keep, "lymphoma_event"]
    y = make_target(time_, event, competing="censor")
    model = LymphomaRiskModel(method=c["method"], penalizer=float(c["penalizer"]),
                              horizon=float(c["horizons"][0]), random_state=seed)
    model.fit(X, y)
    part.imputer = imputer
    part.model = model
    horizons = [float(h) for h in c["horizons"]]
    n_boot = int(c["n_bootstrap"])
    # optimism: how the fitted model does on new patients, not only on these
    evaluation = evaluate(model, X, y, times=horizons, n_bootstrap=n_boot,
                          optimism=bool(c["optimism"]) and n_boot > 0, random_state=seed,
                          n_jobs=state.config["n_jobs"])
    # the clinical score counts the imputed factors, so that patients with an
    # unmeasured factor are compared on the same rows as the model
    factors = X[[c for c in X.columns if not c.startswith("subgroup_")]]
    absent = [f for f in RISK_COLUMNS if f not in factors.columns]
    compared = [evaluation.metrics.assign(model=f"{c['method']} model")]
    if absent:
        # covariates chosen without the score's factors: the model alone is evaluated
        part.note = " ".join(filter(None, [part.note, (
            f"The seven-factor clinical score is not compared: {len(absent)} of its factors "
            f"are not covariates of the model ({', '.join(absent)}).")]))
    else:
        clinical = evaluate_score(lymphoma_risk_score(factors, allow_missing=True)["n_factors"],
                                  y, times=horizons, n_bootstrap=n_boot, random_state=seed,
                                  n_jobs=state.config["n_jobs"])
        compared.append(clinical.metrics.assign(model="seven-factor score"))
    metrics = pd.concat(compared)
    part.metrics = metrics.reset_index()
    part.calibration = protected_calibration(
        evaluation.calibration, int(state.config["report"]["min_cell"]))
    if hasattr(model, "summary_"):
        part.hazard_ratios = model.summary_
    _survival_curves(result, part, keep, y, time_, event, subgroups)


def _risk_covariates(result, state: _State, part: SurvivalResult, keep: pd.Index,
                     with_subgroup: bool) -> pd.DataFrame:
    """The lymphoma model's covariates: the configured features and, when asked, the
    subgroup (dummies); unusable columns are left out and named."""
    data, c = state.cohort.data, state.config["survival"]
    features = [f for f in c["features"] if f in data.columns]
    X = data.loc[keep, features]
    if with_subgroup:
        dummies = pd.get_dummies(result.labels.reindex(keep), prefix="subgroup",
                                 dtype=float).iloc[:, 1:]
        X = X.join(dummies)
        found_from = [f for f in features if state.X is not None and f in state.X.columns]
        if found_from:
            part.note = (f"The subgroup and {len(found_from)} feature(s) it was found from "
                         f"({', '.join(found_from[:5])}{', ...' if len(found_from) > 5 else ''})"
                         " both enter the model: they carry the same information, so their "
                         "hazard ratios share it and must be read together.")
    # a covariate never observed cannot be imputed, one with a single value has
    # no hazard ratio (the Cox fit diverges): both are left out, and said
    left_out = {col: ("no observed value" if X[col].isna().all() else "one value only")
                for col in X.columns if X[col].nunique(dropna=True) < 2}
    X = X.drop(columns=list(left_out))
    if left_out:
        part.left_out = left_out
    if X.shape[1] == 0:
        raise _Skip("no usable covariate: the 'survival.features' columns are absent, never "
                    "observed or constant")
    return X


def _survival_curves(result, part: SurvivalResult, keep: pd.Index, y: np.ndarray,
                     time_: pd.Series, event: pd.Series, subgroups: bool) -> None:
    """Kaplan-Meier and cumulative incidence curves by subgroup (or of the whole cohort)."""
    from .survival import cumulative_incidence, kaplan_meier, logrank

    if subgroups:
        # curves by subgroup: patients without a subgroup are already listed
        # in result.excluded (cluster step), so they are left out here quietly
        grouped = np.flatnonzero(keep.isin(result.labels.index))
        groups = result.labels.reindex(keep[grouped])
        part.kaplan_meier = kaplan_meier(y[grouped], groups)
        part.logrank = logrank(y[grouped], groups).to_frame()
        part.cumulative_incidence = cumulative_incidence(time_.iloc[grouped],
                                                         event.iloc[grouped], groups)
    else:
        # no subgroups (none found, or no clustering): the whole cohort's curves
        part.kaplan_meier = kaplan_meier(y)
        part.cumulative_incidence = cumulative_incidence(time_, event)


def step_explain(result, state: _State, part: ExplainResult) -> None:
    from .explain import explain, explain_clusters

    c, seed = state.config["explain"], state.config["seed"]
    labels = _subgroups(result)
    assert state.X is not None, "labels come with cluster features"
    rng = np.random.default_rng(seed)
    n = min(int(c["max_rows"]), len(state.X))
    rows = np.sort(rng.choice(len(state.X), n, replace=False))
    sample = state.X.iloc[rows]
    classifier = result.classifier
    if classifier is not None and classifier.model is not None:
        part.shap_classifier = explain(classifier.model, sample)
    part.cluster_explanation = explain_clusters(
        sample, labels.iloc[rows], random_state=seed, n_jobs=state.config["n_jobs"])


def _to_reference(X: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Standardize every feature of ``X`` to the mean and SD of ``reference``."""
    sd = X.std(ddof=1)
    sd = sd.where(sd > 0, 1.0)
    return (X - X.mean()) / sd * reference.std(ddof=1) + reference.mean()


def _correct_external(result, state: _State, part: ReplicationResult,
                      X: pd.DataFrame) -> pd.DataFrame:
    """Centre-correct the external cohort's cluster features (see :func:`step_replicate`)."""
    from .preprocess import CenterCorrector

    corrector = result.features.center_corrector if result.features is not None else None
    if corrector is None:
        return X
    assert state.validation is not None and state.corrected is not None
    external = state.validation.data
    if "center" not in external.columns:
        raise ValueError("The validation cohort has no 'center' column; the discovery cohort "
                         "was centre-corrected, so the validation cohort must name its centres.")
    protect = list(state.config["preprocess"]["protect"])
    frame = X.join(external[["center", *protect]])
    centres = frame["center"].astype(str)
    unseen = sorted(set(centres) - {str(c) for c in corrector.centers_})
    rule = state.config["replicate"]["center_correction"]
    if rule == "fitted" or not unseen:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            corrected = corrector.transform(frame)
        part.warnings = [str(w.message) for w in caught]
        part.correction = (
            "The discovery cohort's centre corrector was applied"
            + (f"; centre(s) {', '.join(unseen)} it had not seen were left uncorrected."
               if unseen else "."))
        return corrected[list(X.columns)]
    if centres.nunique() > 1:
        own = CenterCorrector(method=corrector.method, protect=protect or None)
        X = own.fit_transform(frame)[list(X.columns)]
        part.center_corrector = own
    part.correction = (
        f"The external centres ({', '.join(unseen)}) were not in the discovery cohort: the "
        f"external cohort was centre-corrected within itself ({corrector.method}) and then "
        "each feature was standardized to the mean and SD of the discovery cohort's "
        "centre-corrected values. This assumes the two cohorts have the same overall "
        "distribution of each feature: a genuine difference in subgroup mix is partly "
        "standardized away.")
    return _to_reference(X, state.corrected)


def step_replicate(result, state: _State, part: ReplicationResult) -> None:
    """Transfer the subgroups to the validation cohort and recluster it.

    The validation cohort gets the discovery's features, centre correction and
    imputer. Centre correction: when every validation centre was seen in
    discovery, the discovery's fitted corrector applies. Otherwise (an
    independent cohort from other centres, as the shipped validation cohort)
    the corrector has no parameters for those centres; left uncorrected,
    their measurement shifts (as large as the subgroup differences in the
    synthetic cohorts) create spurious structure when the external cohort is
    reclustered. With ``replicate.center_correction = "reference"`` the
    external cohort is corrected within itself and standardized to the
    discovery's corrected features (as ComBat with a reference batch);
    ``"fitted"`` keeps the discovery corrector alone.
    """
    from .cluster import replicate

    _subgroups(result)
    assert state.validation is not None and state.X is not None
    X = _cluster_frame(state.validation, state.config)
    absent = [c for c in state.X.columns if c not in X.columns]
    if absent:
        raise ValueError(f"The validation cohort lacks {len(absent)} cluster feature(s) of the "
                         f"discovery cohort: {absent[:5]}.")
    X = X[list(state.X.columns)]
    empty = X.index[X.isna().all(axis=1)]
    _exclude(result, empty, "replication", "no cluster feature observed")
    X = X.drop(index=empty)
    k = result.labels.nunique()
    if len(X) < 2 * k:
        raise _Skip(f"the validation cohort has {len(X)} patient(s) with cluster features; "
                    f"reclustering it into k = {k} subgroups needs at least {2 * k}")
    X = _correct_external(result, state, part, X)
    model = result.cluster.model
    if model.imputer_ is None:
        X = result.features.imputer.transform(X)
    # else the clustering imputes the external patients as it did the discovery ones
    rep = replicate(model, X, random_state=state.config["seed"])
    table = rep if isinstance(rep, pd.DataFrame) else pd.DataFrame(rep)
    if "per_subgroup" in rep.attrs:
        table, by_subgroup = protected_replication(
            table, rep.attrs["per_subgroup"], int(state.config["report"]["min_cell"]))
        # the subgroups' names of result.labels, not the clustering's codes 0, 1, ...
        by_subgroup.index = pd.Index([f"S{int(code) + 1}" for code in by_subgroup.index],
                                     name=by_subgroup.index.name)
        part.by_subgroup = by_subgroup
    part.table = table


STEPS: list[tuple[str, str, Callable[..., None]]] = [
    # (name, config section that can disable it, function)
    ("scores", "scores", step_scores),
    ("quality", "quality", step_quality),
    ("features", "", step_features),
    ("cluster", "", step_cluster),
    ("profile", "", step_profile),
    ("classify", "classify", step_classify),
    ("survival", "survival", step_survival),
    ("explain", "explain", step_explain),
    ("replicate", "", step_replicate),
]


def _load_native_libraries() -> None:
    """Import the compiled libraries of the steps before limiting their threads:
    threadpoolctl limits only the BLAS and OpenMP libraries already loaded (an
    OpenMP loaded later by scikit-learn's gradient boosting kept both threads,
    and fitted 2-3 times slower on a loaded 2-core machine)."""
    import scipy.linalg  # noqa: F401
    import sklearn.ensemble  # noqa: F401


def run_steps(result, cohort: Cohort, validation: Cohort | None, *, progress: bool) -> None:
    """Run the enabled steps in order, timing each (wall seconds in ``result.timings``)."""
    from threadpoolctl import threadpool_limits
    from tqdm.auto import tqdm

    state = _State(cohort=cohort, validation=validation, config=result.config)
    enabled = [(name, func) for name, section, func in STEPS
               if not section or result.config[section].get("enabled", True)]
    if validation is None:
        enabled = [(name, func) for name, func in enabled if name != "replicate"]
    threads = result.config["threads"] or None
    if threads is not None:
        _load_native_libraries()
    bar = tqdm(enabled, disable=not progress, desc="stratify", leave=False)
    with threadpool_limits(limits=threads):
        for name, func in bar:
            bar.set_postfix_str(name)
            start = time.perf_counter()
            part = STEP_RESULTS[name]()
            try:
                func(result, state, part)
            except _Skip as reason:
                _skip(result, name, str(reason))
            except (ValueError, np.linalg.LinAlgError) as error:
                # the data defeat this step (e.g. a model that cannot be fitted
                # on them): the steps that do not depend on it still run
                _skip(result, name, f"could not run on these data: {error}")
            finally:
                # what the step produced before a skip (e.g. the covariates it
                # left out) is kept, as the report says why the step stopped
                result.record(part)
            result.timings[name] = round(time.perf_counter() - start, 3)
