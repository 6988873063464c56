"""Subgroup classification: balanced accuracy against the truth and the oracle, panel sizes,
and cost against plain scikit-learn.

Data: :func:`stratify.synthetic.make_pss_cohort` (registry missingness, centre
effects, 5 centres); features are the 40 whole-blood ``mol_`` genes as
measured (missing values left in), the target is the planted
``molecular_subgroup``. Half the patients (stratified, seeded) are held out;
every model is fitted on the other half and scored on the held-out half.

Two tasks:

``classify``
    ``SubgroupClassifier(estimator="hgb")`` and ``(estimator="logistic")``
    on every gene, ``SubgroupClassifier(panel_size=10)`` (the workflow's
    default: the smallest panel of at most 10 genes within 0.02 of the full
    model, selected inside ``fit``), and the plain scikit-learn models on
    every gene: ``HistGradientBoostingClassifier()`` with its defaults and
    ``LogisticRegression`` after median imputation and standardization.
    Metrics: held-out ``balanced_accuracy``, ``oracle_balanced_accuracy``
    (the Bayes-optimal assignment ``truth["oracle_subgroup"]`` on the same
    held-out patients: the ceiling), ``ratio`` (balanced accuracy / oracle's),
    ``log_loss`` of the predicted probabilities, ``panel_size`` (genes used)
    and, on stratify's rows, ``time_ratio`` and ``memory_ratio``: seconds
    and peak memory of ``fit`` over those of the plain counterpart named in
    ``baseline`` (fitted on the same rows in the same process).
``classify_panel``
    The panel-size curve: genes ranked by :func:`stratify.classify.select_panel`
    on the training half only (``max_features=16``, recursive elimination
    with a multinomial logistic model), then
    ``SubgroupClassifier(estimator="logistic")`` (the model family that
    ranked them; as accurate as boosting on these data) fitted on the top 2,
    4, 8, 16 and all 40 genes. Metrics as above, plus
    ``informative_fraction`` (share of the panel among the 19 planted
    marker genes). The ranking's own cost is the row ``select_panel`` (its
    ``panel_size`` is the size it chose within tolerance, with
    ``cv_balanced_accuracy`` its cross-validated score).

Suites: ``quick`` 1,000 patients (without the ``panel_size=10`` classifier);
``full`` 2,000 and 20,000 patients (the panel curve at 2,000 and 20,000;
20,000 for seed 0 only).
Timings and memory by :func:`benchmarks._measure.measure` (untraced seconds,
rise of the peak resident size): compare ratios measured in one run.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._measure import measure, ratios

SUITES: dict[str, dict[str, Any]] = {
    "quick": {"n": (1_000,), "panel_n": (1_000,), "workflow_panel": False},
    "full": {"n": (2_000, 20_000), "panel_n": (2_000, 20_000), "workflow_panel": True},
}
SEED0_ONLY_N = 20_000
"""Sizes from this on run for seed 0 only in the full suite (time budget)."""
SUITE_NOTES = {"full": f"n = {SEED0_ONLY_N:,} for seed 0 only."}
PANEL_SIZES = (2, 4, 8, 16)
PANEL_MAX = 16
WORKFLOW_PANEL = 10
N_CENTERS = 5
DATASET = "registry+centres, 40 genes, half held out"


def cohort_split(n: int, seed: int) -> dict[str, Any]:
    """Training and held-out halves of a synthetic cohort's genes, truth and oracle."""
    from sklearn.model_selection import train_test_split

    from stratify.synthetic import make_pss_cohort

    cohort = make_pss_cohort(n_patients=n, n_centers=N_CENTERS, random_state=seed)
    X = cohort.select(blocks=["molecular"]).astype(float)
    truth = cohort.truth.loc[X.index]
    y = truth["molecular_subgroup"].to_numpy()
    oracle = truth["oracle_subgroup"].to_numpy()
    train, test = train_test_split(np.arange(len(X)), test_size=0.5, stratify=y,
                                   random_state=seed)
    return {"X_train": X.iloc[train], "y_train": y[train], "X_test": X.iloc[test],
            "y_test": y[test], "oracle_test": oracle[test]}


def plain_models(seed: int) -> dict[str, Any]:
    """The scikit-learn models one would fit by hand, with their defaults."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "sklearn HistGradientBoostingClassifier": HistGradientBoostingClassifier(
            random_state=seed),
        "sklearn LogisticRegression": make_pipeline(
            SimpleImputer(strategy="median"), StandardScaler(),
            LogisticRegression(max_iter=2000, random_state=seed)),
    }


def _scores(model: Any, X: pd.DataFrame, y: np.ndarray, oracle: np.ndarray) -> dict:
    from sklearn.metrics import balanced_accuracy_score, log_loss

    proba = np.asarray(model.predict_proba(X))
    classes = np.asarray(model.classes_)
    predicted = classes[np.argmax(proba, axis=1)]
    accuracy = balanced_accuracy_score(y, predicted)
    ceiling = balanced_accuracy_score(y, oracle)
    return {"balanced_accuracy": float(accuracy), "oracle_balanced_accuracy": float(ceiling),
            "ratio": float(accuracy / ceiling),
            "log_loss": float(log_loss(y, np.clip(proba, 1e-15, 1), labels=classes))}


def _fit(model: Any, X: pd.DataFrame, y: np.ndarray) -> tuple[Any, float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return measure(model.fit, X, y)


def _classify_rows(n: int, seed: int, data: dict[str, Any], workflow_panel: bool = True
                   ) -> list[dict]:
    from stratify.classify import SubgroupClassifier

    X, y = data["X_train"], data["y_train"]
    base = {"task": "classify", "dataset": DATASET, "n": n, "seed": seed,
            "n_train": len(X), "n_test": len(data["X_test"])}
    rows: list[dict] = []
    plain: dict[str, tuple[float, float]] = {}
    for name, model in plain_models(seed).items():
        fitted, seconds, memory = _fit(model, X, y)
        plain[name] = (seconds, memory)
        rows.append({**base, "method": name, "library": "sklearn",
                     **_scores(fitted, data["X_test"], data["y_test"], data["oracle_test"]),
                     "panel_size": X.shape[1], "seconds": seconds, "peak_memory_mb": memory})
    ours = [
        ("stratify SubgroupClassifier(hgb)", {"estimator": "hgb"},
         "sklearn HistGradientBoostingClassifier"),
        ("stratify SubgroupClassifier(logistic)", {"estimator": "logistic"},
         "sklearn LogisticRegression"),
        (f"stratify SubgroupClassifier(hgb, panel_size={WORKFLOW_PANEL})",
         {"estimator": "hgb", "panel_size": WORKFLOW_PANEL},
         "sklearn HistGradientBoostingClassifier"),
    ][:3 if workflow_panel else 2]
    for name, params, counterpart in ours:
        model = SubgroupClassifier(**params, random_state=seed)
        fitted, seconds, memory = _fit(model, X, y)
        rows.append({**base, "method": name, "library": "stratify",
                     **_scores(fitted, data["X_test"], data["y_test"], data["oracle_test"]),
                     "panel_size": len(fitted.panel_), "seconds": seconds,
                     "peak_memory_mb": memory, "baseline": counterpart,
                     **ratios(seconds, memory, *plain[counterpart])})
    return rows


def _panel_rows(n: int, seed: int, data: dict[str, Any]) -> list[dict]:
    from stratify.classify import SubgroupClassifier, select_panel
    from stratify.synthetic import MARKER_GENES

    X, y = data["X_train"], data["y_train"]
    base = {"task": "classify_panel", "dataset": DATASET, "n": n, "seed": seed,
            "n_train": len(X), "n_test": len(data["X_test"])}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result, seconds, memory = measure(select_panel, X, y,
                                                   max_features=PANEL_MAX, random_state=seed)
    markers = set(MARKER_GENES)
    rows = [{**base, "method": "select_panel", "library": "stratify",
             "panel_size": result.size,
             "informative_fraction": float(np.mean([g in markers for g in result.panel])),
             "cv_balanced_accuracy": float(result.curve.loc[result.size, "mean"]),
             "seconds": seconds, "peak_memory_mb": memory}]
    order = list(result.ranking.sort_values(kind="stable").index)
    for size in (*PANEL_SIZES, X.shape[1]):
        genes = order[:size]
        model = SubgroupClassifier(estimator="logistic", random_state=seed)
        fitted, seconds, memory = _fit(model, X[genes], y)
        rows.append({**base, "method": f"SubgroupClassifier(logistic), top {size}"
                     if size < X.shape[1] else "SubgroupClassifier(logistic), all genes",
                     "library": "stratify", "panel_size": size,
                     **_scores(fitted, data["X_test"][genes], data["y_test"],
                               data["oracle_test"]),
                     "informative_fraction": float(np.mean([g in markers for g in genes])),
                     "seconds": seconds, "peak_memory_mb": memory})
    return rows


def run(suite: str = "quick", seed: int = 0) -> list[dict]:
    """Rows of the classification benchmarks (see the module docstring)."""
    if suite not in SUITES:
        raise ValueError(f"suite must be one of {sorted(SUITES)}; got {suite!r}.")
    config = SUITES[suite]
    rows: list[dict] = []
    for n in sorted(set(config["n"]) | set(config["panel_n"])):
        if suite == "full" and seed != 0 and n >= SEED0_ONLY_N:
            continue
        data = cohort_split(n, seed)
        if n in config["n"]:
            rows += _classify_rows(n, seed, data, config["workflow_panel"])
        if n in config["panel_n"]:
            rows += _panel_rows(n, seed, data)
    return rows


if __name__ == "__main__":  # pragma: no cover
    pd.set_option("display.width", 220)
    print(pd.DataFrame(run("quick")).round(3).to_string())
