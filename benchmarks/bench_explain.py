"""SHAP cost: ``stratify.explain.explain`` against calling shap directly on the same model.

Data: 4 Gaussian subgroups (40/30/20/10 %) in 40 markers, 10 of them informative,
5 % of values missing for the boosting model. Models are fitted once on 2,000
patients (not timed); then ``n`` patients are explained.

Methods
-------
``stratify.explain``
    :func:`stratify.explain.explain` (model dispatch, output-shape
    normalization, per-column mapping, additivity check for trees).
``shap.TreeExplainer`` / ``shap.LinearExplainer``
    The same explainer called directly (path-dependent TreeSHAP on the
    HistGradientBoosting model behind ``SubgroupClassifier(estimator="hgb")``;
    LinearExplainer with the same background on a logistic regression).
``stratify.explain (SubgroupClassifier)``
    The calibrated ``SubgroupClassifier(estimator="logistic")`` explained
    through its calibration wrapper and imputation pipeline (no direct-shap
    counterpart: shap cannot unwrap it).

Metrics: ``per_row_ms``, ``ratio_to_shap`` (seconds / seconds of the direct
call on the same model and rows), ``max_abs_diff`` (largest difference of the
SHAP values from the direct call), ``additive`` (values + base = model output).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks._measure import measure

SIZES = {"quick": (1000,), "full": (1000, 10000)}
SUITE_SEEDS = {"full": (0,)}
"""Seeds run (read by the runner): the full suite times seed 0 only."""
N_FEATURES = 40
N_INFORMATIVE = 10
TRAIN = 2000


def _data(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.choice(4, size=n, p=[0.4, 0.3, 0.2, 0.1])
    means = np.zeros((4, N_FEATURES))
    means[:, :N_INFORMATIVE] = rng.normal(0, 1.2, size=(4, N_INFORMATIVE))
    X = pd.DataFrame(means[y] + rng.normal(size=(n, N_FEATURES)),
                     columns=[f"mol_G{i:02d}" for i in range(N_FEATURES)])
    return X, y


def run(suite: str = "quick", seed: int = 0) -> list[dict]:
    """One row per (model, method, n)."""
    import shap
    from sklearn.linear_model import LogisticRegression

    from stratify.classify import SubgroupClassifier, make_base_estimator
    from stratify.explain import explain

    X_train, y_train = _data(TRAIN, seed)
    X_missing = X_train.mask(np.random.default_rng(seed).random(X_train.shape) < 0.05)
    hgb = make_base_estimator("hgb", random_state=seed).fit(X_missing, y_train)
    logistic = LogisticRegression(max_iter=2000).fit(X_train, y_train)
    wrapped = SubgroupClassifier(estimator="logistic", random_state=seed).fit(X_train, y_train)
    background = X_train.iloc[:100]

    rows: list[dict] = []
    for n in SIZES[suite]:
        X, _ = _data(n, seed + 1)
        X_hgb = X.mask(np.random.default_rng(seed + 1).random(X.shape) < 0.05)

        def tree_direct(data=X_hgb):
            return shap.TreeExplainer(hgb, feature_perturbation="tree_path_dependent")(data)

        def linear_direct(data=X):
            return shap.LinearExplainer(logistic, background)(data)

        cases = [
            ("hgb", "shap.TreeExplainer", tree_direct, hgb.decision_function(X_hgb)),
            ("hgb", "stratify.explain", lambda d=X_hgb: explain(hgb, d),
             hgb.decision_function(X_hgb)),
            ("logistic", "shap.LinearExplainer", linear_direct, logistic.decision_function(X)),
            ("logistic", "stratify.explain",
             lambda d=X: explain(logistic, d, background=background),
             logistic.decision_function(X)),
            ("logistic (SubgroupClassifier)", "stratify.explain",
             lambda d=X: explain(wrapped, d, background=background),
             wrapped.model_.calibrated_classifiers_[0].estimator.decision_function(X.to_numpy())),
        ]
        direct: dict[str, tuple[float, np.ndarray]] = {}
        for model, method, func, output in cases:
            result, seconds, peak = measure(func)
            values = np.asarray(result.values)
            additive = bool(np.allclose(values.sum(axis=1) + result.base_values, output,
                                        atol=1e-6))
            if method.startswith("shap."):
                direct[model] = (seconds, values)
            reference = direct.get(model)
            rows.append({
                "task": "explain", "method": method, "dataset": f"{model}, 40 markers, 4 classes",
                "n": n, "seed": seed,
                "per_row_ms": 1000 * seconds / n,
                "ratio_to_shap": seconds / reference[0] if reference else np.nan,
                "max_abs_diff": float(np.abs(values - reference[1]).max()) if reference
                else np.nan,
                "additive": additive,
                "seconds": seconds, "peak_memory_mb": peak,
            })
    return rows


if __name__ == "__main__":  # pragma: no cover
    print(pd.DataFrame(run()).to_string())
