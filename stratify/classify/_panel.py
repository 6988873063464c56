"""Marker panels: the smallest set of features that keeps cross-validated accuracy."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import RFE
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import l1_min_c

from .. import parallel
from ._inputs import check_labels, check_numeric_frame

__all__ = ["PanelResult", "select_panel"]

N_SUBSAMPLES = 30
"""Subsamples of half the patients per stability-selection ranking."""

_C_GRID = np.geomspace(1.5, 8.0, 5)
"""L1 strengths, as multiples of the smallest C that selects any feature."""


@dataclass
class PanelResult:
    """A selected marker panel and the accuracy curve over panel sizes.

    Attributes
    ----------
    panel : list of str
        The chosen features, best ranked first.
    curve : DataFrame
        Indexed by ``panel_size`` (1 .. ``max_features``): ``mean`` and ``sd``
        of the balanced accuracy over the cross-validation folds.
    full_score : float
        Mean cross-validated balanced accuracy of the model on every feature.
    full_sd : float
        Its standard deviation over folds.
    tolerance : float
        Accepted loss of balanced accuracy.
    selection_frequency : Series
        Per feature, the fraction of folds whose panel of the chosen size
        (ranked on that fold's training part) contains it; sorted descending.
    ranking : Series
        Per feature, its rank (1 = best) on all the data.
    method : str
        ``"rfe"`` or ``"stability"``.
    within_tolerance : bool
        False when no panel of at most ``max_features`` features came within
        ``tolerance`` of the full model (the best-scoring size is kept).
    """

    panel: list[str]
    curve: pd.DataFrame
    full_score: float
    full_sd: float
    tolerance: float
    selection_frequency: pd.Series
    ranking: pd.Series
    method: str
    within_tolerance: bool = True

    @property
    def size(self) -> int:
        """Number of features in the panel."""
        return len(self.panel)


def _default_estimator() -> Pipeline:
    return Pipeline([
        ("impute", SimpleImputer(strategy="median")),
        ("scale", StandardScaler()),
        ("model", LogisticRegression(class_weight="balanced", max_iter=2000)),
    ])


def _rank_rfe(Xs: np.ndarray, y: np.ndarray, max_features: int, seed: int) -> np.ndarray:
    """Rank (1 = best) by recursive elimination on a multinomial logistic model.

    Many features are first cut down 10 % at a time to ``3 x max_features``,
    then eliminated one at a time, so only the top of the ranking is exact.
    """
    model = LogisticRegression(class_weight="balanced", max_iter=2000, random_state=seed)
    p = Xs.shape[1]
    keep = np.arange(p)
    ranks = np.zeros(p, dtype=int)
    n_keep = min(p, 3 * max_features)
    if p > n_keep:
        coarse = RFE(model, n_features_to_select=n_keep, step=0.1).fit(Xs, y)
        keep = np.flatnonzero(coarse.support_)
        ranks[:] = coarse.ranking_ + n_keep - 1
    fine = RFE(model, n_features_to_select=1, step=1).fit(Xs[:, keep], y)
    ranks[keep] = fine.ranking_
    return ranks


def _stability_scores(Xs: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    """Stability selection (Meinshausen and Buehlmann 2010): per feature, the
    largest selection probability over a grid of L1 strengths, across
    subsamples of half the patients."""
    rng = np.random.default_rng(seed)
    n, p = Xs.shape
    c_min = l1_min_c(Xs, y, loss="log")
    counts = np.zeros((len(_C_GRID), p))
    for _ in range(N_SUBSAMPLES):
        rows = rng.choice(n, size=n // 2, replace=False)
        if np.unique(y[rows]).size < 2:
            continue
        model = LogisticRegression(l1_ratio=1.0, solver="saga", tol=1e-3, max_iter=1000,
                                   class_weight="balanced", warm_start=True,
                                   random_state=int(rng.integers(2**31 - 1)))
        for i, factor in enumerate(_C_GRID):
            model.set_params(C=c_min * factor).fit(Xs[rows], y[rows])
            counts[i] += np.abs(np.atleast_2d(model.coef_)).sum(axis=0) > 0
    return counts.max(axis=0) / N_SUBSAMPLES


def _rank(X: np.ndarray, y: np.ndarray, method: str, max_features: int,
          seed: int) -> np.ndarray:
    prep = Pipeline([("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                     ("scale", StandardScaler())])
    Xs = prep.fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if method == "rfe":
            return _rank_rfe(Xs, y, max_features, seed)
        scores = _stability_scores(Xs, y, seed)
    # Rank by stability; ties (common at 0 and 1) broken by recursive elimination.
    tiebreak = _rank_rfe(Xs, y, max_features, seed)
    order = np.lexsort((tiebreak, -scores))
    ranks = np.empty(X.shape[1], dtype=int)
    ranks[order] = np.arange(1, X.shape[1] + 1)
    return ranks


def _panel_task(X: np.ndarray, y: np.ndarray, train: np.ndarray | None,
                test: np.ndarray | None, method: str, max_features: int, estimator: Any,
                seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Rank on the training part; score every panel size and the full model on the test part."""
    if train is None:
        return _rank(X, y, method, max_features, seed), np.array([]), np.nan
    ranks = _rank(X[train], y[train], method, max_features, seed)
    order = np.argsort(ranks, kind="stable")
    fit_rows, test_rows = train, np.asarray(test)

    def score(columns: np.ndarray) -> float:
        model = clone(estimator).fit(X[np.ix_(fit_rows, columns)], y[fit_rows])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return balanced_accuracy_score(y[test_rows],
                                           model.predict(X[np.ix_(test_rows, columns)]))

    sizes = np.array([score(order[:k]) for k in range(1, max_features + 1)])
    return ranks, sizes, score(np.arange(X.shape[1]))


def select_panel(X: Any, y: Any, max_features: int = 10, *, tolerance: float = 0.02,
                 cv: Any = 5, method: str = "rfe", estimator: Any = None,
                 random_state: Any = None, n_jobs: int | None = None) -> PanelResult:
    """The smallest marker panel whose cross-validated accuracy stays near the full model's.

    In every cross-validation fold the features are ranked on the training
    part only, and panels of the 1, 2, ..., ``max_features`` best-ranked
    features are scored (balanced accuracy) on the held-out part, as is the
    model on every feature. The panel size is the smallest whose mean score
    is within ``tolerance`` of the full model; the panel is the ranking
    refitted on all the data, cut at that size. No test fold ever informs the
    ranking that is scored on it.

    Parameters
    ----------
    X : DataFrame or array of shape (n_patients, n_features)
        Numeric features (missing values allowed: median-imputed inside folds).
    y : array-like of shape (n_patients,)
        Subgroup labels.
    max_features : int, default=10
        Largest panel considered.
    tolerance : float, default=0.02
        Accepted loss of balanced accuracy relative to the full model.
    cv : int or cross-validation splitter, default=5
        Stratified K-fold (shuffled with ``random_state``) when an int.
    method : {"rfe", "stability"}, default="rfe"
        ``"rfe"``: recursive feature elimination with a multinomial logistic
        model. ``"stability"``: stability selection with L1-penalized logistic
        models over 30 half-subsamples (slower; ties broken by elimination).
    estimator : classifier, optional
        Model scored for each panel; by default median imputation,
        standardization and a class-balanced logistic regression.
    random_state : int, RandomState or None
        Seed of the folds and the subsamples.
    n_jobs : int, optional
        Workers over folds (through :func:`stratify.parallel.run`).

    Returns
    -------
    PanelResult

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from stratify.classify import select_panel
    >>> X, y = make_classification(150, 8, n_informative=3, n_redundant=0,
    ...                            n_classes=3, shuffle=False, random_state=0)
    >>> result = select_panel(X, y, max_features=4, cv=3, random_state=0)
    >>> set(result.panel) <= {"x0", "x1", "x2"}
    True
    >>> list(result.curve.columns)
    ['mean', 'sd']
    """
    names, values = check_numeric_frame(X, "select_panel")
    y = check_labels(y, X, "select_panel")
    if not isinstance(max_features, (int, np.integer)) or max_features < 1:
        raise ValueError(f"max_features must be a positive integer; got {max_features!r}.")
    if method not in ("rfe", "stability"):
        raise ValueError(f"method must be 'rfe' or 'stability'; got {method!r}.")
    if not 0 <= tolerance < 1:
        raise ValueError(f"tolerance must be in [0, 1); got {tolerance!r}.")
    max_features = int(min(max_features, values.shape[1]))
    estimator = _default_estimator() if estimator is None else estimator

    split_seed, task_seed = parallel.spawn_seeds(random_state, 2)
    if isinstance(cv, (int, np.integer)):
        splitter = StratifiedKFold(n_splits=int(cv), shuffle=True, random_state=split_seed)
    else:
        splitter = check_cv(cv, y, classifier=True)
    splits = list(splitter.split(values, y))
    seeds = parallel.spawn_seeds(task_seed, len(splits) + 1)
    tasks = [(values, y, train, test, method, max_features, estimator, seed)
             for (train, test), seed in zip(splits, seeds)]
    tasks.append((values, y, None, None, method, max_features, estimator, seeds[-1]))
    results = parallel.run(_panel_task, tasks, n_jobs=n_jobs)

    fold_scores = np.array([r[1] for r in results[:-1]])
    full = np.array([r[2] for r in results[:-1]])
    curve = pd.DataFrame({"mean": fold_scores.mean(axis=0),
                          "sd": fold_scores.std(axis=0, ddof=1) if len(splits) > 1 else 0.0},
                         index=pd.RangeIndex(1, max_features + 1, name="panel_size"))
    full_score = float(full.mean())
    good = np.flatnonzero(curve["mean"].to_numpy() >= full_score - tolerance)
    within = good.size > 0
    size = int(good[0] + 1) if within else int(np.argmax(curve["mean"].to_numpy()) + 1)
    if not within:
        warnings.warn(
            f"No panel of at most {max_features} features is within {tolerance} of the full "
            f"model's balanced accuracy ({full_score:.3f}); keeping the best size ({size}).",
            UserWarning, stacklevel=2)

    ranking = pd.Series(results[-1][0], index=names, name="rank")
    panel = list(ranking.sort_values(kind="stable").index[:size])
    in_panel = np.array([r[0] <= size for r in results[:-1]])
    frequency = pd.Series(in_panel.mean(axis=0), index=names, name="selection_frequency")
    return PanelResult(
        panel=panel, curve=curve, full_score=full_score,
        full_sd=float(full.std(ddof=1)) if len(splits) > 1 else 0.0, tolerance=tolerance,
        selection_frequency=frequency.sort_values(ascending=False, kind="stable"),
        ranking=ranking, method=method, within_tolerance=within)
