"""SHAP explanations per original column, through pipelines and calibration wrappers."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.pipeline import Pipeline
from sklearn.tree import BaseDecisionTree
from sklearn.utils.validation import check_is_fitted

from .._frames import feature_names
from ._columns import output_sources

__all__ = ["explain", "EXPLAIN_HOOK"]

EXPLAIN_HOOK = "__stratify_explain__"
"""A model defining this method (no arguments) is explained through the fitted
estimator or pipeline it returns: wrappers such as
:class:`stratify.classify.SubgroupClassifier` or a survival model around a Cox
fit use it to hand over the model that actually computes the output."""

BACKGROUND_ROWS = 100
"""Rows of background data kept for the sampled explainer."""

_TREES = (HistGradientBoostingClassifier, HistGradientBoostingRegressor,
          RandomForestClassifier, RandomForestRegressor, ExtraTreesClassifier,
          ExtraTreesRegressor, GradientBoostingClassifier, GradientBoostingRegressor,
          BaseDecisionTree)
_TREE_LIBRARIES = ("xgboost", "lightgbm", "catboost")
_MARGIN_TREES = (HistGradientBoostingClassifier, GradientBoostingClassifier)


@dataclass
class _Attribution:
    values: np.ndarray        # (n, f) or (n, f, k)
    base: np.ndarray          # (n,) or (n, k)
    names: list[str]
    output_space: str
    explainer: str


def _as_model_input(model: Any, X: Any) -> Any:
    """A DataFrame for models fitted on one, else an array (avoids name warnings)."""
    if isinstance(X, pd.DataFrame) and not hasattr(model, "feature_names_in_"):
        return X.to_numpy()
    return X


def _dense(X: Any) -> np.ndarray:
    if hasattr(X, "toarray"):
        X = X.toarray()
    return np.asarray(X, dtype=np.float64)


def _normalize(values: Any, base: Any, n: int, n_outputs: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(n, f) or (n, f, k) values and (n,) or (n, k) base values, whatever shap returned."""
    if isinstance(values, list):  # older shap: one array per output
        values = np.stack([np.asarray(v) for v in values], axis=-1)
    values = np.asarray(values, dtype=np.float64)
    base = np.asarray(base, dtype=np.float64)
    if values.ndim == 3 and values.shape[2] == 1:
        values = values[:, :, 0]
    k = values.shape[2] if values.ndim == 3 else None
    # One expected value for every patient: a scalar, one per class, or (boosted trees on
    # a binary outcome) a length-1 array.
    if base.ndim == 0 or (base.ndim == 1 and base.shape[0] == (k or 1)):
        base = np.broadcast_to(base, (n, k) if k else (n,)).copy()
    if base.ndim == 2 and k is None:
        base = base[:, 0]
    if n_outputs == 2 and k == 2:
        # Binary classifiers report the positive class only (class 0 is its mirror).
        values, base = values[:, :, 1], base[:, 1]
    return values, base


def _is_linear(model: Any, n_features: int) -> bool:
    module = type(model).__module__
    if module.startswith(("sklearn.linear_model", "sklearn.svm")) and hasattr(model, "coef_"):
        return True
    coef = getattr(model, "coef_", None)
    if coef is None:
        return False
    coef = np.asarray(coef)
    return coef.ndim in (1, 2) and coef.shape[-1] == n_features and coef.dtype.kind == "f"


def _output_space(model: Any, kind: str) -> str:
    if kind == "tree":
        if isinstance(model, _MARGIN_TREES):
            return "log_odds"
        return "probability" if is_classifier(model) else "prediction"
    if kind == "linear":
        if is_classifier(model):
            return "log_odds"
        return "prediction" if type(model).__module__.startswith("sklearn") else "linear_predictor"
    return "probability" if hasattr(model, "predict_proba") and is_classifier(model) else "prediction"


def _leaf(model: Any, X: Any, background: Any, max_evals: int | None,
          rng: np.random.Generator) -> _Attribution:
    import shap

    names = feature_names(X)
    n = X.shape[0]
    classes = getattr(model, "classes_", None)
    n_outputs = len(classes) if classes is not None and is_classifier(model) else None
    module = type(model).__module__
    if isinstance(model, _TREES) or module.startswith(_TREE_LIBRARIES):
        # Path-dependent TreeSHAP: exact, needs no background, and handles missing
        # values the way the trees route them.
        explainer = shap.TreeExplainer(model, feature_perturbation="tree_path_dependent")
        data = _dense(X)
        values = explainer.shap_values(data, check_additivity=True)
        expected = explainer.expected_value
        values, base = _normalize(values, expected, n, n_outputs)
        return _Attribution(values, base, names, _output_space(model, "tree"), "tree")

    reference = _dense(X if background is None else background)
    if _is_linear(model, len(names)):
        # Linear SHAP with independent features only needs the background mean: keep it all.
        coef = np.asarray(model.coef_, dtype=np.float64)
        intercept = np.asarray(getattr(model, "intercept_", 0.0), dtype=np.float64)
        if coef.ndim == 2 and coef.shape[0] == 1:
            coef, intercept = coef[0], intercept.reshape(-1)[0]
        explainer = shap.LinearExplainer((coef, intercept), shap.maskers.Independent(
            reference, max_samples=reference.shape[0]))
        result = explainer(_dense(X))
        values, base = _normalize(result.values, result.base_values, n, n_outputs)
        return _Attribution(values, base, names, _output_space(model, "linear"), "linear")

    if is_classifier(model) and hasattr(model, "predict_proba"):
        predict = model.predict_proba
    else:
        predict = model.predict
    columns = getattr(model, "feature_names_in_", None)

    def function(rows: np.ndarray) -> np.ndarray:
        return np.asarray(predict(rows if columns is None else pd.DataFrame(rows, columns=columns)))

    if reference.shape[0] > BACKGROUND_ROWS:
        reference = reference[rng.choice(reference.shape[0], BACKGROUND_ROWS, replace=False)]
    n_features = len(names)
    evals = max(2 * n_features + 1, 10 * n_features if max_evals is None else int(max_evals))
    explainer = shap.PermutationExplainer(
        function, shap.maskers.Independent(reference, max_samples=reference.shape[0]),
        seed=int(rng.integers(2**31 - 1)))
    result = explainer(_dense(X), max_evals=evals, silent=True)
    values, base = _normalize(result.values, result.base_values, n, n_outputs)
    return _Attribution(values, base, names, _output_space(model, "sampled"), "permutation")


def _attribute(model: Any, X: Any, background: Any, max_evals: int | None,
               rng: np.random.Generator) -> _Attribution:
    hook = getattr(model, EXPLAIN_HOOK, None)
    if callable(hook):
        return _attribute(hook(), X, background, max_evals, rng)
    if isinstance(model, CalibratedClassifierCV):
        check_is_fitted(model)
        # ensemble=False: one base model fitted on all the data. ensemble=True: the
        # explanations of the fold models are averaged (they explain their mean margin).
        parts = [_attribute(c.estimator, X, background, max_evals, rng)
                 for c in model.calibrated_classifiers_]
        first = parts[0]
        return _Attribution(np.mean([p.values for p in parts], axis=0),
                            np.mean([p.base for p in parts], axis=0), first.names,
                            first.output_space, first.explainer)
    if isinstance(model, Pipeline):
        check_is_fitted(model)
        names = feature_names(X)
        pre, final = model[:-1], model[-1]
        Xt = pre.transform(_as_model_input(pre, X))
        bt = None if background is None else pre.transform(_as_model_input(pre, background))
        out_names, sources = output_sources(pre, names)
        inner = _attribute(final, _frame(Xt, out_names), None if bt is None
                           else _frame(bt, out_names), max_evals, rng)
        mapping = np.zeros((len(out_names), len(names)))
        mapping[np.arange(len(out_names)), sources] = 1.0
        values = np.einsum("nf...,fo->no...", inner.values, mapping)
        return _Attribution(values, inner.base, names, inner.output_space, inner.explainer)
    check_is_fitted(model)
    return _leaf(model, X, background, max_evals, rng)


def _frame(X: Any, names: list[str]) -> pd.DataFrame:
    return pd.DataFrame(_dense(X), columns=names)


def explain(model: Any, X: Any, background: Any = None, *, max_evals: int | None = None,
            random_state: Any = None) -> Any:
    """SHAP values of a fitted model, per original column.

    The explainer is chosen from the model:

    - tree ensembles (HistGradientBoosting, GradientBoosting, RandomForest,
      ExtraTrees, decision trees, XGBoost/LightGBM/CatBoost):
      ``shap.TreeExplainer``, exact, path-dependent (``background`` unused).
      Cost: a few ms per patient with depth-capped trees (docs/performance.md).
    - linear models (scikit-learn ``linear_model``/``LinearSVC``, and any
      model exposing a numeric ``coef_`` of one weight per feature, such as
      scikit-survival's Cox models): ``shap.LinearExplainer`` with
      independent features, exact, microseconds per patient.
    - anything else (e.g. scikit-survival's forests, SVMs, k-NN):
      ``shap.PermutationExplainer`` on a background of at most 100 patients,
      sampled. Cost per patient: ``max_evals x |background|`` model
      evaluations (with the default ``max_evals = 10 x features``, 40
      features and 100 background rows: 40,000 predictions per patient;
      seconds per patient for slow models). Additivity holds exactly for it too.

    Wrappers are unwrapped: a ``Pipeline`` is explained as its final
    estimator on the transformed data, and the attributions of transformed
    columns are summed back onto the original column they come from (one-hot
    columns, missing-value indicators); :class:`~sklearn.calibration.CalibratedClassifierCV`
    is explained through its uncalibrated model(s) (with ``ensemble=False``
    the one fitted on all data; otherwise the average over fold models); any
    object with a ``__stratify_explain__()`` method (e.g.
    :class:`stratify.classify.SubgroupClassifier`) through the model it returns.

    Parameters
    ----------
    model : fitted estimator or Pipeline
    X : DataFrame or array of shape (n, features)
        Patients to explain, in the columns the model was fitted on.
    background : DataFrame or array, optional
        Reference patients of the linear explainer (its mean; default ``X``)
        and the sampled explainer (up to 100 of them drawn at random;
        default drawn from ``X``).
    max_evals : int, optional
        Model evaluations per patient of the sampled explainer (at least
        ``2 x features + 1``; default ``10 x features``).
    random_state : int, Generator or None
        Seed of the background sample and the permutations.

    Returns
    -------
    shap.Explanation
        ``values`` of shape ``(n, features)`` for single-output models and
        binary classifiers (explaining ``classes_[1]``), or
        ``(n, features, classes)`` for multiclass classifiers, whatever the
        shap version; ``base_values`` of shape ``(n,)`` or ``(n, classes)``;
        ``data`` the original values; ``feature_names`` the original columns;
        ``output_names`` the classes; ``instance_names`` the patient ids.
        ``values.sum(axis=1) + base_values`` equals the model output in
        ``explanation.output_space``: ``"log_odds"`` (the raw margin,
        ``decision_function``, of boosting and logistic models; for a
        calibrated classifier, of its uncalibrated model), ``"probability"``
        (forests and the sampled explainer on classifiers),
        ``"linear_predictor"`` (Cox models) or ``"prediction"``.
        ``explanation.explainer`` names the explainer used.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.compose import make_column_transformer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import OneHotEncoder, StandardScaler
    >>> from stratify.explain import explain
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.normal(50, 10, 80),
    ...                   "sex": rng.choice(["F", "M"], 80)})
    >>> y = (X["age"] + 5 * (X["sex"] == "M") + rng.normal(0, 5, 80) > 52).astype(int)
    >>> pipe = make_pipeline(make_column_transformer(
    ...     (StandardScaler(), ["age"]), (OneHotEncoder(), ["sex"])), LogisticRegression())
    >>> e = explain(pipe.fit(X, y), X)
    >>> e.feature_names, e.values.shape, e.output_space
    (['age', 'sex'], (80, 2), 'log_odds')
    >>> bool(np.allclose(e.values.sum(axis=1) + e.base_values, pipe.decision_function(X)))
    True
    """
    import shap

    if not hasattr(X, "shape") or np.ndim(X) != 2:
        raise ValueError(f"explain needs a 2-D X (DataFrame or array); got {type(X).__name__}.")
    if X.shape[0] == 0:
        raise ValueError("explain got no patients (X has 0 rows).")
    rng = np.random.default_rng(random_state)
    names = feature_names(X)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*feature names.*", category=UserWarning)
        result = _attribute(model, X, background, max_evals, rng)
    classes = _classes(model)
    output_names: list[str] | str | None = None
    if result.values.ndim == 3 and classes is not None and len(classes) == result.values.shape[2]:
        output_names = [str(c) for c in classes]
    elif classes is not None and len(classes) == 2:
        output_names = str(classes[1])
    instance = [str(i) for i in X.index] if isinstance(X, pd.DataFrame) else None
    data = X.to_numpy() if isinstance(X, pd.DataFrame) else np.asarray(X)
    explanation = shap.Explanation(values=result.values, base_values=result.base, data=data,
                                   feature_names=names, output_names=output_names,
                                   instance_names=instance)
    explanation.output_space = result.output_space
    explanation.explainer = result.explainer
    return explanation


def _classes(model: Any) -> Any:
    hook = getattr(model, EXPLAIN_HOOK, None)
    if hasattr(model, "classes_"):
        return model.classes_
    if callable(hook):
        return _classes(hook())
    return None
