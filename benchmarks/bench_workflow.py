"""Scale: the whole workflow and its heavy steps against n, beside plain scikit-learn/lifelines.

Data: :func:`stratify.synthetic.make_pss_cohort` (registry missingness,
centre effects, 5 centres). Everything is measured by
:func:`benchmarks._measure.measure` in one process, one call at a time:
untraced seconds (tracemalloc slowed the workflow fourfold, its SHAP step
tenfold) and the rise of the peak resident size. Compare ratios measured in
one run; absolute seconds move with the load of a shared machine.

Two tasks:

``workflow``
    ``stratify.Stratification(WORKFLOW_CONFIG).run(cohort)``: every step
    (scores, data quality, ComBat, iterative imputation, consensus GMM imputing
    its features from a mixture of the observed values,
    profiles and Table 1, leave-one-centre-out classifier with its marker
    panel, Cox lymphoma model with the clinical score, SHAP), with a cheap
    configuration (:data:`WORKFLOW_CONFIG`: fewer resamples and bootstrap
    replicates than the defaults, the logistic classifier; one process).
    ``step_seconds_<step>`` gives the workflow's own timing of each step.
    Beside it, ``plain``: the same chain written by hand with scikit-learn
    and lifelines (:func:`plain_workflow`: per-centre standardization,
    ``IterativeImputer``, ``GaussianMixture`` with k by BIC, leave-one-centre-out
    ``LogisticRegression``, lifelines ``CoxPHFitter``) - no consensus,
    stability, panel, bootstrap intervals, quality report, profiles or
    SHAP, so its time is the floor of what the analysis costs.
    Metrics: ``ari`` of the subgroups found against the planted molecular
    subgroups, ``oracle_ari`` (the cohort's Bayes-optimal subgroups, on the
    same patients), ``k_chosen``; on the stratify row ``time_ratio`` and
    ``memory_ratio`` (over the plain row).
``workflow_step``
    Each heavy step on the same cohort, stratify's public API against the
    plain equivalent (``baseline``), with ``time_ratio`` / ``memory_ratio``:

    - ``features``: ``CenterCorrector("combat")`` + ``make_imputer("iterative")``
      against per-centre standardization + scikit-learn ``IterativeImputer``
      (on the 40 genes);
    - ``cluster``: ``ConsensusClustering("gmm")`` (the configured resamples)
      against ``GaussianMixture`` with k by BIC (``time_ratio``) and ``KMeans``
      with k by silhouette (``time_ratio_vs_kmeans``), on the corrected,
      imputed genes (``ari``, ``k_chosen``);
    - ``classify``: ``cross_validate`` (leave one centre out, bootstrap
      intervals) of the configured ``SubgroupClassifier`` and its final fit,
      against scikit-learn ``cross_val_predict`` with ``LeaveOneGroupOut``
      and a final fit of the same family (``balanced_accuracy`` against the
      planted subgroups);
    - ``survival``: ``LymphomaRiskModel("cox")`` against lifelines
      ``CoxPHFitter`` with the same penalty on the same imputed risk factors
      (in-sample ``c_index``).

Suites: ``quick`` 1,000 patients. ``full``: the workflow at 1,000, 5,000 and
20,000 patients, the steps at 1,000 and 5,000 (the workflow's own step
timings cover 20,000), seed 0 only (:data:`SUITE_SEEDS`: timings, whose
spread over seeds is machine noise; the quality metrics' spread is in
``bench_recovery``). The steps at 100,000 patients are measured once, in
their own modules: consensus clustering against plain scikit-learn in
``bench_cluster``, Cox models against lifelines and scikit-survival in
``bench_survival``, imputation (50,000) in ``bench_impute``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._measure import measure, ratios

WORKFLOW_CONFIG: dict[str, Any] = {
    "n_jobs": 1,
    "cluster": {"n_resamples": 10, "k_max": 6},
    "classify": {"estimator": "logistic", "panel_size": 0, "n_bootstrap": 50},
    "survival": {"n_bootstrap": 0},
    "explain": {"max_rows": 200},
}
"""The cheap configuration timed (merged over :data:`stratify._config.DEFAULT_CONFIG`)."""

SUITES: dict[str, dict[str, tuple[int, ...]]] = {
    "quick": {"workflow": (1_000,), "steps": (1_000,)},
    "full": {"workflow": (1_000, 5_000, 20_000, 100_000), "steps": (1_000, 5_000)},
}
SUITE_SEEDS = {"full": (0,)}
"""Seeds run (read by the runner): the full suite times seed 0 only."""
SUITE_NOTES = {
    "full": ("the steps against their plain equivalents at 1,000 and 5,000 patients (20,000 "
             "and 100,000: the workflow's own step timings; 100,000: bench_cluster, "
             "bench_survival; 50,000: bench_impute)."),
}
N_CENTERS = 5
DATASET = "registry+centres, 5 centres"
COX_PENALTY = 0.05


def _cohort(n: int, seed: int):
    from stratify.synthetic import make_pss_cohort

    return make_pss_cohort(n_patients=n, n_centers=N_CENTERS, random_state=seed)


def _ari(truth: np.ndarray, labels: Any) -> float:
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(truth, np.asarray(labels)))


# --------------------------------------------------------------------- plain
def plain_features(X: pd.DataFrame, centers: pd.Series, seed: int) -> pd.DataFrame:
    """Per-centre standardization, then scikit-learn's ``IterativeImputer``."""
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    grouped = X.groupby(centers)
    Z = (X - grouped.transform("mean")) / grouped.transform("std")
    values = IterativeImputer(random_state=seed).fit_transform(Z)
    return pd.DataFrame(values, index=X.index, columns=X.columns)


def plain_gmm(Z: pd.DataFrame, k_range: range, seed: int) -> np.ndarray:
    """``GaussianMixture`` for every k, the k of lowest BIC."""
    from sklearn.mixture import GaussianMixture

    best, labels = np.inf, None
    for k in k_range:
        model = GaussianMixture(k, random_state=seed).fit(Z)
        bic = model.bic(Z)
        if bic < best:
            best, labels = bic, model.predict(Z)
    return labels


def plain_kmeans(Z: pd.DataFrame, k_range: range, seed: int) -> np.ndarray:
    """``KMeans`` for every k, the k of highest silhouette (on at most 2,000 patients)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    best, labels = -np.inf, None
    for k in k_range:
        found = KMeans(k, n_init=10, random_state=seed).fit_predict(Z)
        score = silhouette_score(Z, found, sample_size=min(2000, len(Z)), random_state=seed)
        if score > best:
            best, labels = score, found
    return labels


def _plain_classifier(estimator: str, seed: int):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if estimator == "hgb":
        return HistGradientBoostingClassifier(random_state=seed)
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000,
                                                              random_state=seed))


def plain_classify(X: pd.DataFrame, y: np.ndarray, centers: pd.Series, estimator: str,
                   seed: int) -> tuple[Any, float]:
    """Leave-one-centre-out predictions, their balanced accuracy, and a final fit."""
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import LeaveOneGroupOut, cross_val_predict

    model = _plain_classifier(estimator, seed)
    predicted = cross_val_predict(model, X, y, groups=centers, cv=LeaveOneGroupOut())
    return model.fit(X, y), float(balanced_accuracy_score(y, predicted))


def plain_cox(X: pd.DataFrame, time: np.ndarray, event: np.ndarray):
    """lifelines ``CoxPHFitter`` with the workflow's penalty."""
    from lifelines import CoxPHFitter

    frame = X.assign(T=time, E=event)
    return CoxPHFitter(penalizer=COX_PENALTY).fit(frame, duration_col="T", event_col="E")


def plain_workflow(cohort: Any, seed: int, k_max: int) -> dict[str, Any]:
    """The workflow's analysis written by hand with scikit-learn and lifelines."""
    data = cohort.data
    X = cohort.select(blocks=["molecular"]).astype(float)
    X = X[X.notna().any(axis=1)]
    Z = plain_features(X, data.loc[X.index, "center"], seed)
    labels = plain_gmm(Z, range(2, k_max + 1), seed)
    _, accuracy = plain_classify(Z, labels, data.loc[X.index, "center"], "logistic", seed)
    risk = _risk_frame(cohort, seed, labels=pd.Series(labels, index=X.index), plain=True)
    plain_cox(risk["X"], risk["time"], risk["event"])
    return {"labels": pd.Series(labels, index=X.index), "balanced_accuracy": accuracy}


# ------------------------------------------------------------------ stratify
def stratify_features(X: pd.DataFrame, centers: pd.Series, seed: int) -> pd.DataFrame:
    """``CenterCorrector("combat")`` then ``make_imputer("iterative")``."""
    from stratify.impute import make_imputer
    from stratify.preprocess import CenterCorrector

    corrected = CenterCorrector(method="combat").fit_transform(X.assign(center=centers))
    corrected = corrected.drop(columns="center", errors="ignore")
    return make_imputer("iterative", random_state=seed).fit_transform(corrected)


def stratify_cluster(Z: pd.DataFrame, k_range: range, n_resamples: int, seed: int
                     ) -> np.ndarray:
    from stratify.cluster import ConsensusClustering

    model = ConsensusClustering(method="gmm", k_range=k_range, n_resamples=n_resamples,
                                n_jobs=1, random_state=seed)
    return np.asarray(model.fit(Z).labels_)


def stratify_classify(X: pd.DataFrame, y: np.ndarray, centers: pd.Series, config: dict,
                      seed: int) -> tuple[Any, float]:
    """``cross_validate`` by centre with bootstrap intervals, then the final fit."""
    from stratify.classify import SubgroupClassifier, cross_validate

    # the workflow's setting 0 means no marker panel (TOML has no None)
    model = SubgroupClassifier(estimator=config["estimator"],
                               panel_size=config["panel_size"] or None, random_state=seed)
    cv = cross_validate(model, X, y, groups=centers, n_bootstrap=config["n_bootstrap"],
                        random_state=seed, n_jobs=1)
    model.fit(X, y)
    return model, float(cv.metrics.loc["balanced_accuracy", "estimate"])


def stratify_cox(X: pd.DataFrame, y: np.ndarray):
    from stratify.survival import LymphomaRiskModel

    return LymphomaRiskModel(method="cox", penalizer=COX_PENALTY).fit(X, y)


def _risk_frame(cohort: Any, seed: int, labels: pd.Series | None = None,
                plain: bool = False) -> dict[str, Any]:
    """Imputed lymphoma risk factors (plus subgroup dummies), time and event (death censored)."""
    from stratify._config import LYMPHOMA_RISK_FACTORS

    data = cohort.data.dropna(subset=["lymphoma_time_years", "lymphoma_event"])
    if labels is not None:
        data = data.loc[data.index.intersection(labels.index, sort=False)]
    features = [c for c in dict.fromkeys(LYMPHOMA_RISK_FACTORS) if c in data.columns]
    X = data[features].astype(float)
    if labels is not None:
        X = X.join(pd.get_dummies(labels.reindex(X.index), prefix="subgroup",
                                  dtype=float).iloc[:, 1:])
    if plain:
        from sklearn.experimental import enable_iterative_imputer  # noqa: F401
        from sklearn.impute import IterativeImputer

        X = pd.DataFrame(IterativeImputer(random_state=seed).fit_transform(X),
                         index=X.index, columns=X.columns)
    else:
        from stratify.impute import make_imputer

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            X = make_imputer("iterative", random_state=seed).fit_transform(X)
    event = (data["lymphoma_event"].to_numpy() == 1).astype(int)
    return {"X": X, "time": data["lymphoma_time_years"].to_numpy(dtype=float), "event": event}


# -------------------------------------------------------------------- tasks
def _ratios(row: dict, plain: dict) -> dict:
    return {**row, "baseline": plain["method"],
            **ratios(row["seconds"], row["peak_memory_mb"], plain["seconds"],
                     plain["peak_memory_mb"])}


def _workflow_rows(n: int, seed: int) -> list[dict]:
    from stratify import Stratification

    cohort = _cohort(n, seed)
    truth, oracle = cohort.truth["molecular_subgroup"], cohort.truth["oracle_subgroup"]
    config = {**WORKFLOW_CONFIG, "seed": seed}
    base = {"task": "workflow", "dataset": DATASET, "n": n, "seed": seed}
    k_max = WORKFLOW_CONFIG["cluster"]["k_max"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain, p_seconds, p_memory = measure(plain_workflow, cohort, seed, k_max)
        result, seconds, memory = measure(Stratification(config).run, cohort)
    plain_row = {**base, "method": "plain sklearn+lifelines", "library": "sklearn+lifelines",
                 "ari": _ari(truth.loc[plain["labels"].index], plain["labels"]),
                 "oracle_ari": _ari(truth.loc[plain["labels"].index],
                                    oracle.loc[plain["labels"].index]),
                 "k_chosen": int(plain["labels"].nunique()),
                 "seconds": p_seconds, "peak_memory_mb": p_memory}
    labels = result.labels
    row = {**base, "method": "stratify Stratification.run", "library": "stratify",
           "ari": _ari(truth.loc[labels.index], labels), "k_chosen": int(labels.nunique()),
           "oracle_ari": _ari(truth.loc[labels.index], oracle.loc[labels.index]),
           "seconds": seconds, "peak_memory_mb": memory,
           **{f"step_seconds_{k}": float(v) for k, v in result.timings.items()}}
    return [plain_row, _ratios(row, plain_row)]


def _step_rows(n: int, seed: int) -> list[dict]:
    from stratify.survival import harrell_c, make_target

    cohort = _cohort(n, seed)
    data = cohort.data
    X = cohort.select(blocks=["molecular"]).astype(float)
    X = X[X.notna().any(axis=1)]
    centers = data.loc[X.index, "center"]
    truth = cohort.truth.loc[X.index, "molecular_subgroup"].to_numpy()
    base = {"task": "workflow_step", "dataset": DATASET, "n": n, "seed": seed}
    rows: list[dict] = []

    def timed(step: str, method: str, func, args, extra=None) -> dict:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result, seconds, memory = measure(func, *args)
        library = "stratify" if method.startswith("stratify") else method.split()[0]
        return {**base, "method": method, "step": step, "library": library,
                **(extra(result) if extra else {}), "seconds": seconds,
                "peak_memory_mb": memory}

    def pair(step: str, ours: tuple, plain: tuple, extra=None) -> dict:
        """``ours``/``plain``: (method, function, args); ``extra(result) -> dict``."""
        baseline = timed(step, *plain, extra)
        rows.append(baseline)
        rows.append(_ratios(timed(step, *ours, extra), baseline))
        return rows[-1]

    pair("features", ("stratify CenterCorrector(combat) + iterative imputer",
                      stratify_features, (X, centers, seed)),
         ("sklearn per-centre scaling + IterativeImputer", plain_features, (X, centers, seed)))
    Z = stratify_features(X, centers, seed)

    k_range = range(2, WORKFLOW_CONFIG["cluster"]["k_max"] + 1)
    resamples = WORKFLOW_CONFIG["cluster"]["n_resamples"]

    def clusters(labels):
        return {"ari": _ari(truth, labels), "k_chosen": int(len(np.unique(labels)))}

    ours = pair("cluster", (f"stratify ConsensusClustering(gmm, {resamples} resamples)",
                            stratify_cluster, (Z, k_range, resamples, seed)),
                ("sklearn GaussianMixture, k by BIC", plain_gmm, (Z, k_range, seed)), clusters)
    kmeans = timed("cluster", "sklearn KMeans, k by silhouette", plain_kmeans,
                   (Z, k_range, seed), clusters)
    rows.append(kmeans)
    ours["time_ratio_vs_kmeans"] = ours["seconds"] / kmeans["seconds"]

    config = WORKFLOW_CONFIG["classify"]

    def accuracy(result):
        return {"balanced_accuracy": result[1]}

    pair("classify", (f"stratify cross_validate(SubgroupClassifier({config['estimator']}, "
                      f"panel_size={config['panel_size']}), by centre) + fit",
                      stratify_classify, (Z, truth, centers, config, seed)),
         (f"sklearn cross_val_predict({config['estimator']}, LeaveOneGroupOut) + fit",
          plain_classify, (Z, truth, centers, config["estimator"], seed)), accuracy)

    risk = _risk_frame(cohort, seed)
    y = make_target(risk["time"], risk["event"])

    def concordance(model):
        if hasattr(model, "predict_log_partial_hazard"):
            score = np.asarray(model.predict_log_partial_hazard(risk["X"]), dtype=float)
        else:
            score = np.asarray(model.predict(risk["X"]), dtype=float)
        return {"c_index": float(harrell_c(y, score))}

    pair("survival", ("stratify LymphomaRiskModel(cox)", stratify_cox, (risk["X"], y)),
         ("lifelines CoxPHFitter", plain_cox, (risk["X"], risk["time"], risk["event"])),
         concordance)
    return rows


def run(suite: str = "quick", seed: int = 0) -> list[dict]:
    """Rows of the scale benchmarks (see the module docstring)."""
    if suite not in SUITES:
        raise ValueError(f"suite must be one of {sorted(SUITES)}; got {suite!r}.")
    config = SUITES[suite]
    rows: list[dict] = []
    for task, func in (("workflow", _workflow_rows), ("steps", _step_rows)):
        for n in config[task]:
            rows += func(n, seed)
    return rows


if __name__ == "__main__":  # pragma: no cover
    pd.set_option("display.width", 250)
    frame = pd.DataFrame(run("quick"))
    print(frame.drop(columns=[c for c in frame if c.startswith("step_seconds")]).round(3)
          .to_string())
