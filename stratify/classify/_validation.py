"""Cross-validation of subgroup classifiers: by fold or by centre, with bootstrap intervals."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold, check_cv

from .. import parallel
from ._inputs import check_labels, row_index

__all__ = ["CrossValidationResult", "classification_metrics", "cross_validate",
           "calibration_table"]

N_BINS = 10
"""Equal-width probability bins of the calibration error and table."""

BOOTSTRAP_CHUNK = 100
"""Bootstrap replicates per parallel task (fixed, so results do not depend on n_jobs)."""

SUMMARY_METRICS = ("balanced_accuracy", "macro_f1", "log_loss", "calibration_error")


def _onehot(codes: np.ndarray, width: int) -> np.ndarray:
    out = np.zeros((codes.size, width))
    out[np.arange(codes.size), codes] = 1.0
    return out


def _weighted_metrics(true: np.ndarray, proba: np.ndarray, weights: np.ndarray,
                      n_bins: int = N_BINS) -> dict[str, np.ndarray]:
    """Metrics for each row of ``weights`` (replicates x patients) at once.

    A bootstrap replicate is a vector of multiplicities, so every metric is a
    weighted sum over patients and a whole batch of replicates is a few
    matrix products.
    """
    n_classes = proba.shape[1]
    pred = proba.argmax(axis=1)
    counts = (weights @ _onehot(true * n_classes + pred, n_classes**2))
    confusion = counts.reshape(-1, n_classes, n_classes)
    support = confusion.sum(axis=2)
    predicted = confusion.sum(axis=1)
    hits = np.diagonal(confusion, axis1=1, axis2=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(support > 0, hits / support, np.nan)
        present = (support + predicted) > 0
        f1 = np.where(present, 2 * hits / (support + predicted), 0.0)
        macro_f1 = f1.sum(axis=1) / present.sum(axis=1)
    total = weights.sum(axis=1)
    eps = np.finfo(np.float64).eps
    loss = -np.log(np.clip(proba[np.arange(true.size), true], eps, 1 - eps))
    top = proba.max(axis=1)
    bins = _onehot(np.minimum((top * n_bins).astype(int), n_bins - 1), n_bins)
    gap = weights @ (bins * (pred == true)[:, None]) - weights @ (bins * top[:, None])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        balanced = np.nanmean(recall, axis=1)
    return {
        "balanced_accuracy": balanced,
        "macro_f1": macro_f1,
        "log_loss": (weights @ loss) / total,
        "calibration_error": np.abs(gap).sum(axis=1) / total,
        "recall": recall,
    }


def _flatten(metrics: dict[str, np.ndarray], classes: np.ndarray) -> dict[str, np.ndarray]:
    flat = {k: metrics[k] for k in SUMMARY_METRICS}
    for i, c in enumerate(classes):
        flat[f"recall[{c}]"] = metrics["recall"][:, i]
    return flat


def classification_metrics(y_true: Any, proba: Any, classes: Any = None, *,
                           n_bins: int = N_BINS) -> pd.Series:
    """Balanced accuracy, macro F1, log loss, calibration error and recall per class.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True subgroups.
    proba : array-like of shape (n, n_classes)
        Predicted probabilities; the prediction is the most probable class.
    classes : array-like, optional
        Labels of the columns of ``proba`` (default: the sorted labels of
        ``y_true``, or the columns of a DataFrame ``proba``).
    n_bins : int, default=10
        Equal-width bins of the calibration error.

    Returns
    -------
    Series
        ``balanced_accuracy`` and ``macro_f1`` (as scikit-learn computes
        them), ``log_loss`` (natural log, probabilities clipped to
        machine epsilon), ``calibration_error`` (top-label expected
        calibration error: the patient-weighted mean over confidence bins of
        |accuracy - mean top probability|), and ``recall[<class>]``.

    Examples
    --------
    >>> import numpy as np
    >>> proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    >>> m = classification_metrics(["a", "b", "b", "b"], proba, classes=["a", "b"])
    >>> round(float(m["balanced_accuracy"]), 4), round(float(m["recall[b]"]), 4)
    (0.8333, 0.6667)
    """
    if classes is None:
        classes = proba.columns if isinstance(proba, pd.DataFrame) else np.unique(y_true)
    classes = np.asarray(classes)
    proba = np.asarray(proba, dtype=np.float64)
    true = _encode(np.asarray(y_true), classes, "classification_metrics")
    metrics = _weighted_metrics(true, proba, np.ones((1, true.size)), n_bins)
    return pd.Series({k: float(v[0]) for k, v in _flatten(metrics, classes).items()},
                     name="estimate")


def _encode(y: np.ndarray, classes: np.ndarray, caller: str) -> np.ndarray:
    lookup = {c: i for i, c in enumerate(classes.tolist())}
    try:
        return np.array([lookup[v] for v in y.tolist()], dtype=int)
    except KeyError as exc:
        raise ValueError(f"{caller}: label {exc.args[0]!r} is not among the classes "
                         f"{classes.tolist()}.") from None


def calibration_table(y_true: Any, proba: Any, classes: Any, *,
                      n_bins: int = N_BINS) -> pd.DataFrame:
    """One-vs-rest calibration per class, in the format of :func:`stratify.plot.calibration`.

    Returns
    -------
    DataFrame
        One row per class and non-empty bin of equal width: ``class``,
        ``bin``, ``n``, ``predicted`` (mean probability), ``observed``
        (proportion in the class), ``observed_lower``/``observed_upper``
        (Wilson 95 % interval).
    """
    from statsmodels.stats.proportion import proportion_confint

    classes = np.asarray(classes)
    proba = np.asarray(proba, dtype=np.float64)
    y = np.asarray(y_true)
    rows = []
    for i, c in enumerate(classes):
        p = proba[:, i]
        bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
        for b in np.unique(bins):
            inside = bins == b
            hits = int(np.sum(y[inside] == c))
            size = int(inside.sum())
            low, high = proportion_confint(hits, size, alpha=0.05, method="wilson")
            rows.append({"class": c, "bin": int(b), "n": size,
                         "predicted": float(p[inside].mean()), "observed": hits / size,
                         "observed_lower": float(low), "observed_upper": float(high)})
    return pd.DataFrame(rows)


@dataclass
class CrossValidationResult:
    """Cross-validated performance of a subgroup classifier.

    Attributes
    ----------
    metrics : DataFrame
        Indexed by metric (``balanced_accuracy``, ``macro_f1``, ``log_loss``,
        ``calibration_error``, ``recall[<class>]``), computed on the pooled
        out-of-fold predictions: ``estimate``, 95 % ``lower``/``upper``
        (bootstrap percentiles over patients; Rubin's rules over imputations)
        and ``se``.
    fold_metrics : DataFrame
        One row per fold (and imputation): ``fold``, ``held_out`` (the centre
        for leave-one-centre-out), ``n``, and the metrics.
    predictions : DataFrame
        Out-of-fold probabilities, one column per class, indexed like ``X``
        (averaged over imputations).
    predicted : Series
        Out-of-fold most probable class.
    confusion : DataFrame
        Counts, true class (rows) by predicted class (columns).
    calibration : DataFrame
        One-vs-rest calibration table (see :func:`calibration_table`), ready
        for :func:`stratify.plot.calibration` with ``by="class"``.
    classes : ndarray
    scheme : str
        ``"stratified k-fold"``, ``"leave-one-group-out"`` or the splitter's name.
    n_bootstrap : int
    n_imputations : int
    """

    metrics: pd.DataFrame
    fold_metrics: pd.DataFrame
    predictions: pd.DataFrame
    predicted: pd.Series
    confusion: pd.DataFrame
    calibration: pd.DataFrame
    classes: np.ndarray
    scheme: str
    n_bootstrap: int
    n_imputations: int = 1
    bootstrap: pd.DataFrame | None = field(default=None, repr=False)

    def summary(self) -> str:
        """The metrics as text, one line each."""
        lines = [f"Cross-validation ({self.scheme}, {len(self.predicted)} patients, "
                 f"{self.n_imputations} imputation(s)):"]
        for name, row in self.metrics.iterrows():
            lines.append(f"  {name:<28} {row['estimate']:.3f} "
                         f"(95% CI {row['lower']:.3f} to {row['upper']:.3f})")
        return "\n".join(lines)


def _fit_fold(model: Any, X: Any, y: np.ndarray, train: np.ndarray, test: np.ndarray,
              classes: np.ndarray) -> np.ndarray:
    """Out-of-fold probabilities of one fold, columns aligned on ``classes``."""
    take = (lambda rows: X.iloc[rows]) if isinstance(X, pd.DataFrame) else (lambda rows: X[rows])
    fitted = clone(model).fit(take(train), y[train])
    proba = np.asarray(fitted.predict_proba(take(test)), dtype=np.float64)
    out = np.zeros((test.size, classes.size))
    out[:, np.searchsorted(classes, fitted.classes_)] = proba
    return out


def _bootstrap_task(true: np.ndarray, proba: np.ndarray, n_replicates: int,
                    seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = true.size
    weights = np.stack([np.bincount(rng.integers(0, n, n), minlength=n)
                        for _ in range(n_replicates)]).astype(np.float64)
    return _weighted_metrics(true, proba, weights)


def _check_frames(X: Any) -> list[Any]:
    frames = list(X) if isinstance(X, (list, tuple)) else [X]
    if not frames:
        raise ValueError("cross_validate: X is an empty list of imputed data sets.")
    first = frames[0]
    for i, frame in enumerate(frames[1:], start=2):
        if np.shape(frame) != np.shape(first):
            raise ValueError(f"cross_validate: imputed data set {i} has shape "
                             f"{np.shape(frame)}, the first has {np.shape(first)}.")
        if isinstance(first, pd.DataFrame) and not (
                isinstance(frame, pd.DataFrame) and frame.index.equals(first.index)
                and frame.columns.equals(first.columns)):
            raise ValueError(f"cross_validate: imputed data set {i} does not have the "
                             "patients (index) and columns of the first.")
    return frames


def cross_validate(model: Any, X: Any, y: Any, groups: Any = None, *, cv: Any = 5,
                   n_bootstrap: int = 1000, random_state: Any = None,
                   n_jobs: int | None = None) -> CrossValidationResult:
    """Cross-validate a classifier by fold or by centre, with bootstrap intervals.

    The model is refitted on each training part and predicts probabilities
    for the held-out part; metrics are computed on the pooled out-of-fold
    predictions, with 95 % intervals from ``n_bootstrap`` resamples of
    patients (percentile method), and per fold.

    Parameters
    ----------
    model : classifier with ``predict_proba``
        E.g. :class:`SubgroupClassifier` (its panel selection and calibration
        are then redone inside every training part). A ``random_state`` left
        at None is set from ``random_state``.
    X : DataFrame, array, or list of them
        Features. A list of m imputed data sets (as from
        ``stratify.impute.MultipleImputer(...).fit_transform``) runs the same
        folds on each and pools by Rubin's rules with the bootstrap variances
        as within-imputation variances (metrics bounded by 0 and 1 on the
        logit scale, so intervals stay inside); predictions averaged.
    y : array-like of shape (n,)
        Subgroup labels; missing labels are an error.
    groups : array-like of shape (n,), optional
        Centre of each patient: leave-one-centre-out cross-validation
        (:class:`~sklearn.model_selection.LeaveOneGroupOut`).
    cv : int or splitter, default=5
        Folds of the shuffled stratified K-fold when ``groups`` is None.
    n_bootstrap : int, default=1000
        Bootstrap resamples (0 for no intervals).
    random_state : int, RandomState or None
        Seed of the folds, the model (when its own is None) and the bootstrap.
    n_jobs : int, optional
        Workers over folds and bootstrap chunks (:func:`stratify.parallel.run`).

    Returns
    -------
    CrossValidationResult

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from stratify.classify import SubgroupClassifier, cross_validate
    >>> X, y = make_classification(150, 5, n_informative=3, n_classes=3, random_state=0)
    >>> result = cross_validate(SubgroupClassifier(estimator="logistic"), X, y,
    ...                         n_bootstrap=100, random_state=0)
    >>> list(result.metrics.columns)
    ['estimate', 'lower', 'upper', 'se']
    >>> bool(result.metrics.loc["balanced_accuracy", "estimate"] > 0.6)
    True
    """
    frames = _check_frames(X)
    first = frames[0]
    labels = check_labels(y, first, "cross_validate")
    index = row_index(first)
    classes = np.unique(labels)
    if classes.size < 2:
        raise ValueError("cross_validate needs at least 2 classes in y.")
    if not isinstance(n_bootstrap, (int, np.integer)) or n_bootstrap < 0:
        raise ValueError(f"n_bootstrap must be a non-negative integer; got {n_bootstrap!r}.")
    true = np.searchsorted(classes, labels)

    split_seed, model_seed, boot_seed = parallel.spawn_seeds(random_state, 3)
    if groups is not None:
        centre = check_labels(groups, first, "cross_validate", what="groups")
        if np.unique(centre).size < 2:
            raise ValueError("cross_validate: leave-one-centre-out needs at least 2 groups.")
        splitter: Any = LeaveOneGroupOut()
        scheme = "leave-one-group-out"
    elif isinstance(cv, (int, np.integer)):
        smallest = np.bincount(true).min()
        if smallest < cv:
            raise ValueError(f"cross_validate: the smallest class has {smallest} patients, "
                             f"fewer than cv={cv} folds.")
        splitter = StratifiedKFold(n_splits=int(cv), shuffle=True, random_state=split_seed)
        centre, scheme = None, "stratified k-fold"
    else:
        splitter = check_cv(cv, labels, classifier=True)
        centre, scheme = None, type(splitter).__name__
    splits = list(splitter.split(np.zeros((len(labels), 1)), labels, centre))

    if "random_state" in model.get_params() and model.get_params()["random_state"] is None:
        model = clone(model).set_params(random_state=model_seed)

    tasks = [(model, frame, labels, train, test, classes)
             for frame in frames for train, test in splits]
    fold_probas = parallel.run(_fit_fold, tasks, n_jobs=n_jobs)

    probas, fold_rows = [], []
    for m in range(len(frames)):
        proba = np.zeros((len(labels), classes.size))
        for k, (_, test) in enumerate(splits):
            fold = fold_probas[m * len(splits) + k]
            proba[test] = fold
            scores = _flatten(_weighted_metrics(true[test], fold, np.ones((1, test.size))),
                              classes)
            held = str(centre[test][0]) if centre is not None else str(k)
            fold_rows.append({"imputation": m, "fold": k, "held_out": held,
                              "n": int(test.size), **{k2: float(v[0]) for k2, v in scores.items()}})
        probas.append(proba)

    estimates, variances, lows, highs, boots = [], [], [], [], []
    chunks = [BOOTSTRAP_CHUNK] * (n_bootstrap // BOOTSTRAP_CHUNK)
    if n_bootstrap % BOOTSTRAP_CHUNK:
        chunks.append(n_bootstrap % BOOTSTRAP_CHUNK)
    seeds = parallel.spawn_seeds(boot_seed, len(chunks))
    for proba in probas:
        point = _flatten(_weighted_metrics(true, proba, np.ones((1, true.size))), classes)
        estimates.append({k: float(v[0]) for k, v in point.items()})
        parts = parallel.run(_bootstrap_task, [(true, proba, size, s)
                                               for size, s in zip(chunks, seeds)],
                             n_jobs=n_jobs)
        if parts:
            merged = {k: np.concatenate([_flatten(p, classes)[k] for p in parts])
                      for k in point}
            boot = pd.DataFrame(merged)
            boots.append(boot)
            variances.append(boot.var(ddof=1))
            lows.append(boot.quantile(0.025))
            highs.append(boot.quantile(0.975))
        else:
            variances.append(pd.Series(np.nan, index=list(point)))

    est = pd.DataFrame(estimates)
    if len(frames) == 1:
        lower = lows[0] if lows else est.iloc[0] * np.nan
        upper = highs[0] if highs else est.iloc[0] * np.nan
        metrics = pd.DataFrame({"estimate": est.iloc[0], "lower": lower, "upper": upper,
                                "se": np.sqrt(variances[0])})
    else:
        pooled = _pool(est, pd.DataFrame(variances))
        metrics = pd.DataFrame({"estimate": pooled["estimate"], "lower": pooled["lower"],
                                "upper": pooled["upper"], "se": np.sqrt(pooled["total"])})
    metrics.index.name = "metric"

    mean_proba = np.mean(probas, axis=0)
    predictions = pd.DataFrame(mean_proba, index=index, columns=list(classes))
    predicted = pd.Series(classes[mean_proba.argmax(axis=1)], index=index, name="predicted")
    confusion = pd.crosstab(pd.Categorical(labels, categories=classes),
                            pd.Categorical(predicted.to_numpy(), categories=classes),
                            rownames=["true"], colnames=["predicted"], dropna=False)
    fold_metrics = pd.DataFrame(fold_rows)
    if len(frames) == 1:
        fold_metrics = fold_metrics.drop(columns="imputation")
    return CrossValidationResult(
        metrics=metrics, fold_metrics=fold_metrics, predictions=predictions,
        predicted=predicted, confusion=confusion,
        calibration=calibration_table(labels, mean_proba, classes), classes=classes,
        scheme=scheme, n_bootstrap=int(n_bootstrap), n_imputations=len(frames),
        bootstrap=boots[0] if len(boots) == 1 else None)


def _pool(estimates: pd.DataFrame, variances: pd.DataFrame) -> pd.DataFrame:
    """Rubin's rules (:func:`stratify.impute.pool`) over imputations, per metric.

    Metrics bounded by 0 and 1 (all but ``log_loss``) are pooled on the logit
    scale, their variances carried over by the delta method, and the estimate
    and interval transformed back (Marshall et al., BMC Med Res Methodol 2009),
    so that an interval never leaves [0, 1]; ``log_loss`` is pooled as it is.

    Returns ``estimate``, ``total`` (variance, on the metric's own scale),
    ``lower`` and ``upper`` per metric.
    """
    from scipy.special import expit, logit

    from stratify.impute import pool

    bounded = [c for c in estimates.columns if c != "log_loss"]
    q = estimates.copy()
    u = pd.DataFrame(variances.to_numpy(), index=estimates.index, columns=estimates.columns)
    eps = 1e-6
    p = q[bounded].clip(eps, 1 - eps)
    q[bounded] = logit(p)
    u[bounded] = u[bounded] / (p * (1 - p)) ** 2
    table = pool(q, u.to_numpy())
    table.index = estimates.columns
    table = table.rename(columns={"ci_lower": "lower", "ci_upper": "upper"})
    for column in ("estimate", "lower", "upper"):
        table.loc[bounded, column] = expit(table.loc[bounded, column].astype(float))
    back = table.loc[bounded, "estimate"].astype(float)
    table.loc[bounded, "total"] = table.loc[bounded, "total"] * (back * (1 - back)) ** 2
    return table
