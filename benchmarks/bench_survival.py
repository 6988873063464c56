"""Lymphoma risk models: fit cost against the libraries called directly, and accuracy.

Three tasks:

``survival_fit``
    Time and peak memory of ``LymphomaRiskModel(method=...).fit`` on
    simulated proportional-hazards data (20 standard-normal covariates, log
    hazard ratios drawn from N(0, 0.3²), exponential times, uniform
    censoring over 1-15 years, about 45 % events), beside the same model
    fitted directly: lifelines ``CoxPHFitter`` and scikit-survival
    ``CoxPHSurvivalAnalysis`` for ``cox`` (all three with penalty 0.01 or
    none as each allows), scikit-survival's ``CoxnetSurvivalAnalysis`` path
    (one fit, no cross-validation) for ``coxnet``,
    ``RandomSurvivalForest`` and ``GradientBoostingSurvivalAnalysis`` with the
    same trees for ``forest`` and ``boosting``. Each row also gives Harrell's
    C on 2,000 held-out patients (``c_index``), that of the true linear
    predictor (``oracle_c_index``) and, for stratify's models, the held-out
    integrated Brier score (to 5 years). Cox models at 2k (quick) and
    10k/100k (full); tree models at 1k (quick) and 2k/10k/100k (full).
    Direct scikit-survival forests and boosting are skipped where their
    n²-per-tree or per-stage cost (and the forest's memory, leaves x
    distinct times) makes them impractical; the row says so.
``survival_c_index``
    Harrell's C by :func:`stratify.survival.harrell_c` (lifelines) against
    scikit-survival's ``concordance_index_censored`` on the same
    predictions (10k quick, 100k full).
``survival_synthetic``
    On ``stratify.synthetic.make_pss_cohort`` (2,000 patients quick,
    20,000 full; half for fitting, half held out): every method on the
    lymphoma risk factors plus blood BTK and the interferon genes
    (imputed), and the seven-factor count of Fragkioudaki et al. as a
    baseline: held-out ``c_index``, ``oracle_c_index`` (the true linear
    predictor) and ``integrated_brier``.

``survival_public``
    Cox models on the public data sets that scikit-survival and lifelines
    ship (GBSG2, WHAS500, veterans, FLCHAIN, AIDS, rossi, lung) and on the
    synthetic 11-factor case of issue 28: ``LymphomaRiskModel(method="cox")``
    against lifelines' ``CoxPHFitter`` (``step_size=0.5`` where its default
    does not converge) and R's ``coxph`` through ``Rscript`` where R and its
    ``survival`` package are installed (else a row says it was skipped):
    ``max_abs_diff`` of the log hazard ratios from lifelines', apparent
    Harrell's C, seconds, and the solver that converged in the note
    (:mod:`benchmarks._survival_public`).

In the full suite the fit-cost tasks (``survival_fit``, ``survival_c_index``) and
``survival_public`` (deterministic) run for seed 0 only; ``survival_synthetic``
runs for every seed.

Timings are measured by :func:`benchmarks._measure.measure` (untraced
seconds, rise of the peak resident size): compare ratios within a run, not
absolute times.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._measure import measure
from benchmarks._survival_public import rows as public_rows

SUITES: dict[str, dict[str, Any]] = {
    "quick": {"cox_n": (2_000,), "tree_n": (1_000,), "c_index_n": (10_000,),
              "synthetic_n": 2_000},
    "full": {"cox_n": (10_000, 100_000), "tree_n": (2_000, 10_000, 100_000),
             "c_index_n": (100_000,), "synthetic_n": 20_000},
}
N_FEATURES = 20
N_TEST = 2_000
N_TREES = 50
HORIZON = 5.0
DIRECT_FOREST_MAX_N = 5_000
"""Beyond this, scikit-survival's forest on all distinct times needs gigabytes and hours."""
DIRECT_BOOSTING_MAX_N = 10_000
"""Beyond this, scikit-survival's O(n²) Cox gradient takes minutes per stage."""
IFN_GENES = ("mol_IFI44", "mol_IFI44L", "mol_IFIT1", "mol_IFIT3", "mol_MX1")
SUITE_NOTES = {
    "full": ("the fit-cost rows (survival_fit, survival_c_index) and the public data sets "
             "(survival_public, deterministic) for seed 0 only (timings: 7.5 minutes a seed); "
             "the accuracy rows on the synthetic cohort (survival_synthetic) for every seed."),
}


def simulated_ph(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Features, target and true linear predictor of proportional-hazards data."""
    from stratify.survival import make_target

    rng = np.random.default_rng(seed)
    beta = np.random.default_rng(1_000 + seed).normal(0, 0.3, N_FEATURES)
    X = pd.DataFrame(rng.normal(size=(n, N_FEATURES)),
                     columns=[f"x{j}" for j in range(N_FEATURES)],
                     index=pd.Index([f"p{i:06d}" for i in range(n)], name="patient_id"))
    lp = X.to_numpy() @ beta
    lymphoma = rng.exponential(10.0 / np.exp(lp))
    followup = rng.uniform(1.0, 15.0, n)
    y = make_target(np.minimum(lymphoma, followup), (lymphoma <= followup).astype(int))
    return X, y, lp


def _held_out(model: Any, X: pd.DataFrame, y: np.ndarray, y_train: np.ndarray) -> dict:
    from stratify.survival import evaluate

    metrics = evaluate(model, X, y, times=[HORIZON], n_bootstrap=0, y_train=y_train).metrics
    return {"c_index": float(metrics.loc["harrell_c", "estimate"]),
            "integrated_brier": float(metrics.loc["integrated_brier", "estimate"])}


def _direct(method: str, seed: int) -> dict[str, Callable[[pd.DataFrame, np.ndarray], Any]]:
    """The libraries called directly, with the settings stratify gives them."""

    def lifelines_cox(X, y):
        from lifelines import CoxPHFitter

        frame = X.assign(T=y["time"], E=y["event"])
        return CoxPHFitter(penalizer=0.01).fit(frame, duration_col="T", event_col="E")

    def sksurv_cox(X, y):
        from sksurv.linear_model import CoxPHSurvivalAnalysis

        return CoxPHSurvivalAnalysis(alpha=0.01).fit(X.to_numpy(), y)

    def sksurv_coxnet(X, y):
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from sksurv.linear_model import CoxnetSurvivalAnalysis

        # Predicts with the last (smallest) penalty of the path.
        return make_pipeline(StandardScaler(), CoxnetSurvivalAnalysis(l1_ratio=0.5)).fit(
            X.to_numpy(), y)

    def sksurv_forest(X, y):
        from sksurv.ensemble import RandomSurvivalForest

        return RandomSurvivalForest(n_estimators=N_TREES, max_depth=8, min_samples_leaf=10,
                                    random_state=seed).fit(X.to_numpy(), y)

    def sksurv_boosting(X, y):
        from sksurv.ensemble import GradientBoostingSurvivalAnalysis

        return GradientBoostingSurvivalAnalysis(n_estimators=N_TREES, max_depth=3,
                                                min_samples_leaf=10,
                                                random_state=seed).fit(X.to_numpy(), y)

    return {
        "cox": {"lifelines_CoxPHFitter": lifelines_cox,
                "sksurv_CoxPHSurvivalAnalysis": sksurv_cox},
        "coxnet": {"sksurv_CoxnetSurvivalAnalysis_path": sksurv_coxnet},
        "forest": {"sksurv_RandomSurvivalForest": sksurv_forest},
        "boosting": {"sksurv_GradientBoostingSurvivalAnalysis": sksurv_boosting},
    }[method]


def _direct_risk(fitted: Any, X: pd.DataFrame) -> np.ndarray:
    if hasattr(fitted, "predict_log_partial_hazard"):
        return np.asarray(fitted.predict_log_partial_hazard(X), dtype=float)
    return np.asarray(fitted.predict(X.to_numpy()), dtype=float)


def _skip_reason(name: str, n: int) -> str:
    if name == "sksurv_RandomSurvivalForest" and n > DIRECT_FOREST_MAX_N:
        return (f"skipped: leaves x distinct times memory and n² splitting above "
                f"{DIRECT_FOREST_MAX_N:,} patients")
    if name == "sksurv_GradientBoostingSurvivalAnalysis" and n > DIRECT_BOOSTING_MAX_N:
        return f"skipped: O(n²) Cox gradient per stage above {DIRECT_BOOSTING_MAX_N:,} patients"
    return ""


def _fit_rows(method: str, n: int, seed: int) -> list[dict]:
    from stratify.survival import LymphomaRiskModel, harrell_c

    X_all, y_all, lp = simulated_ph(n + N_TEST, seed)
    X, y, X_test, y_test = X_all.iloc[:n], y_all[:n], X_all.iloc[n:], y_all[n:]
    base = {"task": "survival_fit", "dataset": f"simulated_ph_d{N_FEATURES}", "n": n,
            "seed": seed, "model": method,
            "oracle_c_index": harrell_c(y_test, lp[n:])}
    params = {"penalizer": 0.01} if method == "cox" else {}
    if method in ("forest", "boosting"):
        params["n_estimators"] = N_TREES
    model = LymphomaRiskModel(method=method, random_state=seed, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted, seconds, memory = measure(model.fit, X, y)
    rows = [{**base, "method": f"stratify_{method}", "library": "stratify",
             **_held_out(fitted, X_test, y_test, y), "seconds": seconds,
             "peak_memory_mb": memory, "note": ""}]
    for name, fit in _direct(method, seed).items():
        row = {**base, "method": name, "library": name.split("_")[0],
               "integrated_brier": np.nan}
        reason = _skip_reason(name, n)
        if reason:
            rows.append({**row, "c_index": np.nan, "seconds": np.nan, "peak_memory_mb": np.nan,
                         "note": reason})
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            direct, seconds, memory = measure(fit, X, y)
        rows.append({**row, "c_index": harrell_c(y_test, _direct_risk(direct, X_test)),
                     "seconds": seconds, "peak_memory_mb": memory, "note": ""})
    return rows


def _c_index_rows(n: int, seed: int) -> list[dict]:
    from sksurv.metrics import concordance_index_censored

    from stratify.survival import harrell_c

    _, y, lp = simulated_ph(n, seed)
    rows = []
    for name, func in (("stratify_harrell_c", lambda: harrell_c(y, lp)),
                       ("sksurv_concordance_index_censored",
                        lambda: concordance_index_censored(y["event"], y["time"], lp)[0])):
        value, seconds, memory = measure(func)
        rows.append({"task": "survival_c_index", "method": name, "library": name.split("_")[0],
                     "dataset": f"simulated_ph_d{N_FEATURES}", "n": n, "seed": seed,
                     "c_index": float(value), "seconds": seconds, "peak_memory_mb": memory,
                     "note": ""})
    return rows


def _synthetic_rows(n: int, seed: int) -> list[dict]:
    try:
        from stratify.synthetic import make_pss_cohort
    except ImportError:
        return []
    from stratify._config import LYMPHOMA_RISK_FACTORS
    from stratify.impute import make_imputer
    from stratify.scores import lymphoma_risk_score
    from stratify.survival import LymphomaRiskModel, evaluate_score, harrell_c, make_target

    cohort = make_pss_cohort(n_patients=n, random_state=seed)
    if cohort.truth is None:
        return []
    data = cohort.data
    # LYMPHOMA_RISK_FACTORS may already hold BTK and the IFN genes: no duplicate columns
    features = [c for c in dict.fromkeys([*LYMPHOMA_RISK_FACTORS, "mol_BTK", *IFN_GENES])
                if c in data.columns]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X = make_imputer("iterative", random_state=seed).fit_transform(data[features])
    y = make_target(data["lymphoma_time_years"], data["lymphoma_event"], competing="censor")
    truth = cohort.truth.loc[data.index, "lymphoma_linear_predictor"].to_numpy()
    test = np.random.default_rng(seed).random(len(X)) < 0.5
    base = {"task": "survival_synthetic", "dataset": "make_pss_cohort", "n": n, "seed": seed,
            "oracle_c_index": harrell_c(y[test], truth[test]), "note": ""}
    rows = []
    for method in ("cox", "coxnet", "forest", "boosting"):
        params = {"penalizer": 0.05} if method == "cox" else {}
        model = LymphomaRiskModel(method=method, random_state=seed, **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted, seconds, memory = measure(model.fit, X[~test], y[~test])
        rows.append({**base, "method": f"stratify_{method}", "library": "stratify",
                     "model": method, **_held_out(fitted, X[test], y[test], y[~test]),
                     "seconds": seconds, "peak_memory_mb": memory})
    start = time.perf_counter()
    count = lymphoma_risk_score(X[test].round())["n_factors"]
    metrics = evaluate_score(count, y[test], times=[HORIZON], n_bootstrap=0,
                             y_train=y[~test]).metrics["estimate"]
    rows.append({**base, "method": "fragkioudaki_count", "library": "stratify.scores",
                 "model": "seven-factor count", "c_index": float(metrics["harrell_c"]),
                 "integrated_brier": float(metrics["integrated_brier"]),
                 "seconds": time.perf_counter() - start, "peak_memory_mb": np.nan})
    return rows


def run(suite: str = "quick", seed: int = 0) -> list[dict]:
    """Fit cost, C-index cost and accuracy of the lymphoma risk models; one dict per row."""
    if suite not in SUITES:
        raise ValueError(f"suite must be one of {sorted(SUITES)}; got {suite!r}.")
    config = SUITES[suite]
    rows: list[dict] = []
    if suite == "quick" or seed == 0:
        for n in config["cox_n"]:
            for method in ("cox", "coxnet"):
                rows += _fit_rows(method, n, seed)
        for n in config["tree_n"]:
            for method in ("forest", "boosting"):
                rows += _fit_rows(method, n, seed)
        for n in config["c_index_n"]:
            rows += _c_index_rows(n, seed)
        rows += public_rows(seed)
    rows += _synthetic_rows(config["synthetic_n"], seed)
    return rows


if __name__ == "__main__":  # pragma: no cover
    pd.set_option("display.width", 200)
    frame = pd.DataFrame(run("quick"))
    print(frame.drop(columns=["note"]).round(3).to_string())
