"""SubgroupClassifier: assign new patients to subgroups with calibrated probabilities."""

from __future__ import annotations

import contextlib
import warnings
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data

from .._frames import feature_names, wrap_rows

__all__ = ["SubgroupClassifier", "make_base_estimator"]

ISOTONIC_MIN_SAMPLES = 2000
"""Below this many patients calibration uses Platt (sigmoid) scaling: isotonic
regression overfits with fewer than about 1,000 calibration samples
(scikit-learn user guide, "Probability calibration")."""

EARLY_STOPPING_MIN_SAMPLES = 1000
"""Gradient boosting stops early (on 10 % held out) only from this many patients."""

CALIBRATION_FOLDS = 3
"""Folds of the calibration (each costs one more fit of the model)."""


def _tree_threads(estimator: str, n_jobs: int | None) -> contextlib.AbstractContextManager:
    """Limit the OpenMP threads of gradient boosting to ``n_jobs`` (``None``: 1).

    HistGradientBoostingClassifier parallelizes each tree over OpenMP threads,
    one per core by default. On a few thousand patients the threads mostly
    wait for each other, and on a busy 2-core machine they spin: fitting
    ``SubgroupClassifier("hgb")`` on 1,000 patients took 380 s of wall time
    and 124 CPU-seconds with 2 threads, and 21 s and 5.7 CPU-seconds with one
    (load average 10; the same probabilities). ``n_jobs`` asks for more.
    """
    if estimator != "hgb":
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    from ..parallel import effective_n_jobs

    threads = 1 if n_jobs is None else effective_n_jobs(n_jobs)
    return threadpool_limits(limits=threads, user_api="openmp")

# Depth and leaf caps keep TreeExplainer at a few ms per patient (docs/performance.md).
# max_bins=63: with sample weights (class weights) the bin thresholds are weighted
# quantiles, whose cost grows with the number of bins (3.3 s at 255 bins, 0.9 s at
# 63 for 1,000 patients x 40 features).
_HGB_PARAMS = {"max_depth": 4, "max_leaf_nodes": 15, "max_iter": 200, "learning_rate": 0.1,
               "max_bins": 63, "l2_regularization": 1.0, "early_stopping": True,
               "validation_fraction": 0.1, "n_iter_no_change": 10}
_FOREST_PARAMS = {"n_estimators": 200, "max_depth": 8, "min_samples_leaf": 3}


def make_base_estimator(estimator: str = "hgb", *, class_weight: Any = "balanced",
                        random_state: Any = None, n_jobs: int | None = None) -> Any:
    """The uncalibrated scikit-learn model behind :class:`SubgroupClassifier`.

    Parameters
    ----------
    estimator : {"hgb", "logistic", "forest"}
        ``"hgb"``: HistGradientBoostingClassifier (missing values handled
        natively; depth <= 4, <= 15 leaves, 63 bins, at most 200 iterations,
        early stopping on 10 % of the patients from 1,000 patients on). ``"logistic"``: median imputation
        with missing-value indicators, standardization and multinomial
        logistic regression. ``"forest"``: the same imputation and a
        RandomForestClassifier (200 trees, depth <= 8).
    class_weight : "balanced", dict or None
    random_state : int, RandomState or None
    n_jobs : int, optional
        Used by the forest only.

    Returns
    -------
    estimator or Pipeline

    Examples
    --------
    >>> make_base_estimator("logistic")
    Pipeline(steps=[('impute', SimpleImputer(add_indicator=True, strategy='median')),
                    ('scale', StandardScaler()),
                    ('model', LogisticRegression(class_weight='balanced', max_iter=2000))])
    """
    if estimator == "hgb":
        return HistGradientBoostingClassifier(**_HGB_PARAMS, class_weight=class_weight,
                                              random_state=random_state)
    impute = SimpleImputer(strategy="median", add_indicator=True)
    if estimator == "logistic":
        model = LogisticRegression(class_weight=class_weight, max_iter=2000,
                                   random_state=random_state)
        return Pipeline([("impute", impute), ("scale", StandardScaler()), ("model", model)])
    if estimator == "forest":
        # Trees are invariant to scaling: no scaler.
        model = RandomForestClassifier(**_FOREST_PARAMS, class_weight=class_weight,
                                       random_state=random_state, n_jobs=n_jobs)
        return Pipeline([("impute", impute), ("model", model)])
    raise ValueError(
        f"The 'estimator' parameter must be one of 'hgb', 'logistic', 'forest'. "
        f"Got {estimator!r} instead."
    )


class SubgroupClassifier(ClassifierMixin, BaseEstimator):
    """Assign patients to subgroups with calibrated probabilities.

    A scikit-learn classifier made for subgroup assignment from blood markers:
    missing values are allowed, unequal subgroups are weighted, the
    probabilities are calibrated, and an optional marker panel is selected
    inside ``fit`` (so that cross-validating the classifier also
    cross-validates the panel selection).

    Parameters
    ----------
    estimator : {"hgb", "logistic", "forest"}, default="hgb"
        The model family; see :func:`make_base_estimator`. Trees are capped
        in depth and leaves so that SHAP explanations stay fast.
    panel_size : int, optional
        When given, ``fit`` runs :func:`select_panel` with
        ``max_features=panel_size`` and keeps the smallest panel (at most
        ``panel_size`` markers) whose cross-validated balanced accuracy is
        within the default tolerance of the full model; only those features
        are used. ``None`` uses every feature.
    calibrate : bool or {"sigmoid", "isotonic", "temperature"}, default=True
        Calibrate probabilities with :class:`~sklearn.calibration.CalibratedClassifierCV`
        (3-fold, ``ensemble=False``: the calibration map is learnt on
        out-of-fold predictions and applied to one model fitted on all the
        data). ``True`` chooses, for more than two subgroups, temperature
        scaling (one parameter, multiclass by construction; on a simulated
        4-subgroup cohort its top-label calibration error was 0.02 against
        0.12 for one-vs-rest sigmoids), and for two subgroups ``"isotonic"``
        from 2,000 patients on and ``"sigmoid"`` below.
    class_weight : "balanced", dict or None, default="balanced"
        Weights of the subgroups when fitting (calibration then restores
        probabilities on the scale of the observed subgroup frequencies).
    random_state : int, RandomState or None
        Seed of the model, the calibration folds and the panel selection.
    n_jobs : int, optional
        Workers for calibration folds and panel selection, and the threads
        of each gradient-boosting fit and prediction (``None``: one thread;
        on a few thousand patients more threads mostly wait for each other).

    Attributes
    ----------
    classes_ : ndarray
        Subgroup labels, sorted.
    model_ : estimator
        The fitted model behind ``predict_proba`` (a ``CalibratedClassifierCV``
        or the uncalibrated pipeline).
    calibration_method_ : str or None
        ``"temperature"``, ``"sigmoid"``, ``"isotonic"`` or ``None`` (not calibrated).
    panel_ : list of str
        Features used (all features when ``panel_size`` is None).
    panel_result_ : PanelResult or None
        The panel selection, when ``panel_size`` was given.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame.

    Notes
    -----
    :func:`stratify.explain.explain` explains the uncalibrated model fitted
    on all the data (the ``estimator`` of ``model_.calibrated_classifiers_[0]``),
    on its margin (log-odds) scale for ``"hgb"`` and ``"logistic"`` and its
    probability scale for ``"forest"``: calibration is a monotone map per
    subgroup applied afterwards.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from stratify.classify import SubgroupClassifier
    >>> X, y = make_classification(200, 6, n_informative=3, n_classes=3, random_state=0)
    >>> clf = SubgroupClassifier(estimator="logistic", random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    >>> clf.calibration_method_
    'temperature'
    """

    _parameter_constraints: dict = {
        "estimator": [StrOptions({"hgb", "logistic", "forest"})],
        "panel_size": [Interval(Integral, 1, None, closed="left"), None],
        "calibrate": ["boolean", StrOptions({"sigmoid", "isotonic", "temperature"})],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def __init__(self, estimator: str = "hgb", *, panel_size: int | None = None,
                 calibrate: bool | str = True, class_weight: Any = "balanced",
                 random_state: Any = None, n_jobs: int | None = None):
        self.estimator = estimator
        self.panel_size = panel_size
        self.calibrate = calibrate
        self.class_weight = class_weight
        self.random_state = random_state
        self.n_jobs = n_jobs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any) -> SubgroupClassifier:
        """Fit the classifier (and select the panel when ``panel_size`` is set).

        Parameters
        ----------
        X : DataFrame or array of shape (n_patients, n_features)
            Numeric features; missing values allowed.
        y : array-like of shape (n_patients,)
            Subgroup labels.

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype=np.float64)
        names = [str(c) for c in getattr(self, "feature_names_in_", [])] or feature_names(X)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if self.classes_.size < 2:
            raise ValueError(
                "SubgroupClassifier needs at least 2 subgroups in y; got 1 class "
                f"({self.classes_[0]!r})."
            )
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))

        base = make_base_estimator(self.estimator, class_weight=self.class_weight,
                                   random_state=seed, n_jobs=self.n_jobs)
        if self.estimator == "hgb" and X.shape[0] < EARLY_STOPPING_MIN_SAMPLES:
            base.set_params(early_stopping=False)
        self.panel_result_ = None
        self.panel_ = list(names)
        if self.panel_size is not None and self.panel_size < X.shape[1]:
            from ._panel import select_panel

            self.panel_result_ = select_panel(
                pd.DataFrame(X, columns=names), y, max_features=self.panel_size,
                random_state=seed, n_jobs=self.n_jobs)
            self.panel_ = list(self.panel_result_.panel)
            columns = [names.index(c) for c in self.panel_]
            select = ColumnTransformer([("panel", "passthrough", columns)], remainder="drop")
            base = Pipeline([("panel", select), ("model", base)])

        counts = np.unique(y, return_counts=True)[1]
        self.calibration_method_ = self._calibration_method(X.shape[0], counts.min())
        with _tree_threads(self.estimator, self.n_jobs):
            if self.calibration_method_ is None:
                self.model_ = base.fit(X, y)
            else:
                folds = StratifiedKFold(n_splits=int(min(CALIBRATION_FOLDS, counts.min())),
                                        shuffle=True, random_state=seed)
                self.model_ = CalibratedClassifierCV(base, method=self.calibration_method_,
                                                     cv=folds, ensemble=False,
                                                     n_jobs=self.n_jobs).fit(X, y)
        return self

    def _calibration_method(self, n_samples: int, smallest_class: int) -> str | None:
        if self.calibrate is False:
            return None
        if smallest_class < 2:
            warnings.warn(
                "A subgroup has a single patient: probabilities are not calibrated "
                "(calibration needs at least 2 patients per subgroup).",
                UserWarning, stacklevel=3)
            return None
        if isinstance(self.calibrate, str):
            return self.calibrate
        if self.classes_.size > 2:
            return "temperature"
        return "isotonic" if n_samples >= ISOTONIC_MIN_SAMPLES else "sigmoid"

    def _validate(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return validate_data(self, X, reset=False, ensure_all_finite="allow-nan",
                             dtype=np.float64)

    def predict_proba(self, X: Any) -> Any:
        """Calibrated probability of each subgroup.

        Returns
        -------
        DataFrame (columns ``classes_``, index of ``X``) or ndarray
        """
        values = self._validate(X)
        with _tree_threads(self.estimator, self.n_jobs):
            proba = self.model_.predict_proba(values)
        return wrap_rows(proba, X, columns=list(self.classes_))

    def predict(self, X: Any) -> Any:
        """Most probable subgroup.

        Returns
        -------
        Series (index of ``X``) or ndarray
        """
        values = self._validate(X)
        with _tree_threads(self.estimator, self.n_jobs):
            proba = self.model_.predict_proba(values)
        return wrap_rows(self.classes_[np.argmax(proba, axis=1)], X, name="subgroup")

    def _has_decision_function(self) -> bool:
        return self.calibrate is False and self.estimator != "forest"

    @available_if(_has_decision_function)
    def decision_function(self, X: Any) -> Any:
        """Margin (log-odds) of the uncalibrated model; only when ``calibrate=False``.

        Returns
        -------
        Series/ndarray (binary) or DataFrame/ndarray (one column per subgroup)
        """
        values = self._validate(X)
        with _tree_threads(self.estimator, self.n_jobs):
            scores = self.model_.decision_function(values)
        columns = list(self.classes_) if np.ndim(scores) == 2 else None
        return wrap_rows(scores, X, columns=columns)

    def __stratify_explain__(self) -> Any:
        """The fitted model :func:`stratify.explain.explain` explains in place of this one."""
        check_is_fitted(self)
        return self.model_
