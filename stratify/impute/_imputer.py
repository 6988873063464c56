"""Single imputation that respects the schema's kinds."""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from .._utils.checks import check_no_empty_columns, check_numeric_columns
from .._utils.deprecation import renamed_argument, warn_renamed
from .._utils.kinds import column_kind
from ..data import PSS_SCHEMA, Schema

__all__ = ["SchemaImputer", "make_imputer", "column_kinds", "KINDS"]

KINDS = ("simple", "knn", "iterative", "forest", "mixture")
_DISCRETE = ("binary", "ordinal", "categorical", "event")
_WHO = "SchemaImputer"


def column_kinds(columns, schema: Schema | None = None) -> list[str]:
    """The schema kind of each column; columns the schema does not know are continuous.

    ``time`` columns count as continuous.

    Examples
    --------
    >>> column_kinds(["age", "anti_ro", "essdai_cns", "mol_MX1", "my_score"])
    ['continuous', 'binary', 'ordinal', 'continuous', 'continuous']
    """
    schema = PSS_SCHEMA if schema is None else schema
    return [column_kind(col, schema, rename={"time": "continuous", "id": "continuous"})
            for col in columns]


def _numeric_levels(levels) -> np.ndarray | None:
    try:
        return np.asarray(sorted(float(v) for v in levels))
    except (TypeError, ValueError):
        return None


def _snap(values: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Each value replaced by the nearest of ``levels`` (sorted); ties go to the lower level."""
    pos = np.clip(np.searchsorted(levels, values), 1, len(levels) - 1)
    lower, upper = levels[pos - 1], levels[pos]
    return np.where(values - lower <= upper - values, lower, upper)


class SchemaImputer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Impute missing values, keeping binary values 0/1 and ordinal levels valid.

    The kind of each column comes from its name in the schema (``anti_ro`` is
    binary, ``essdai_articular`` ordinal with levels 0-3, ``mol_*``
    continuous); columns the schema does not know, and NumPy input, are
    continuous. After imputation, values of binary, ordinal and numerically
    coded categorical columns are snapped to the nearest allowed level (the
    schema's levels, else the levels seen in ``fit``), continuous values are
    clipped to the schema's range, and observed values are put back exactly:
    an observed value never changes.

    ``method`` chooses the engine (all scikit-learn):

    - ``"simple"``: median for continuous columns, most frequent value for the others.
    - ``"knn"``: ``KNNImputer`` on standardized columns (mean of the
      ``n_neighbors`` nearest patients by NaN-aware Euclidean distance).
      Memory grows as n_train x n_batch: ``transform`` computes distances to
      every training patient in chunks, and its cost grows as n²; prefer
      ``iterative`` beyond about 10,000 patients.
    - ``"iterative"``: ``IterativeImputer`` with ``BayesianRidge``: chained
      equations, each column regressed on all others, ``max_iter`` rounds.
    - ``"forest"``: ``IterativeImputer`` with a depth-limited
      ``ExtraTreesRegressor`` (a missForest-like chained equation that
      captures non-linear relations and interactions).
    - ``"mixture"``: a Gaussian mixture (diagonal covariances, the number of
      components by BIC, plus one) fitted by EM to the observed values only;
      a missing value is imputed from the components its patient's observed
      values point to. The engine to use before clustering: the other
      engines regress each feature on the others across subgroups, so a
      patient's imputed values are pulled between subgroups and the
      subgroups blur (on 24 random mixtures with 15 % of values missing,
      consensus clustering found the planted number of subgroups in 17 after
      ``iterative`` imputation, 24 from this engine's draws, 24 on the
      complete data, with mean ARI 0.76, 0.84 and 0.93;
      ``benchmarks/bench_mixtures.py``; see
      :class:`ConsensusClustering <stratify.cluster.ConsensusClustering>`,
      which uses it on data with missing values).

    BLAS runs on one thread inside ``fit`` and ``transform``: the many small
    regressions of chained equations gain nothing from threads, and threaded
    BLAS slows them several-fold when another process holds a core.

    Parameters
    ----------
    method : {"iterative", "knn", "simple", "forest", "mixture"}, default="iterative"
    schema : Schema, optional
        Decides the kind of each column; ``None`` means ``PSS_SCHEMA``.
    n_neighbors : int, default=5
        Neighbours for ``knn``.
    max_iter : int, optional
        Rounds of chained equations; ``None`` means 10 for ``iterative`` and 5
        for ``forest`` (trees settle in few rounds, as in missForest).
    n_estimators : int, default=10
        Trees per column for ``forest``.
    max_depth : int or None, default=8
        Depth limit of the trees for ``forest``.
    max_samples : int, default=10_000
        For ``forest``, each tree is grown on a bootstrap sample of at most
        this many patients when there are more; for ``mixture``, the mixture
        is fitted on a random subsample of at most this many patients. So
        the cost of a fit stops growing with the cohort.
    n_components : "auto" or int, default="auto"
        Components of the ``mixture`` engine (``"auto"``: one more than the
        number of lowest BIC among 1-8).
    sample_posterior : bool, default=False
        Draw imputations instead of predicting means: from the BayesianRidge
        posterior predictive (``iterative``), by fitting each tree on a
        bootstrap sample (``forest``), or a component from the posterior and
        the value from that component (``mixture``); ignored by ``simple``
        and ``knn``. Used
        by :class:`MultipleImputer`. ``transform`` restarts the draws from the
        fitted seed, so it is a function of its input.
    random_state : int, RandomState or None, default=None
        Seed of every random step (same seed, same result).
    n_jobs : int, optional
        Workers for the trees of ``forest``.
    kind : str, optional
        The name of ``method`` in stratify 0.1; works with a FutureWarning
        until 0.3.

    Attributes
    ----------
    kinds_ : list of str
        Kind used for each column.
    levels_ : dict
        Column -> allowed levels (discrete columns).
    n_iter_ : int
        Rounds of chained equations run (1 for ``simple`` and ``knn``, which
        impute in one pass; EM iterations for ``mixture``).
    imputer_ : estimator
        The fitted scikit-learn imputer (``simple``: a ``ColumnTransformer`` of two
        ``SimpleImputer``; the others work on standardized values).
    feature_names_in_ : ndarray
        Column names, when ``X`` is a DataFrame.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stratify.impute import SchemaImputer
    >>> X = pd.DataFrame({"igg_g_l": [12.0, 18.5, np.nan, 25.0, 9.0, 14.0],
    ...                   "anti_ro": [1, 1, np.nan, 1, 0, np.nan],
    ...                   "essdai_articular": [0, 2, 3, np.nan, 0, 1]},
    ...                  index=pd.Index([f"p{i}" for i in range(6)], name="patient_id"))
    >>> out = SchemaImputer(method="iterative", random_state=0).fit_transform(X)
    >>> sorted(out["anti_ro"].unique()), out["essdai_articular"].isin([0, 1, 2, 3]).all()
    ([np.float64(0.0), np.float64(1.0)], np.True_)
    >>> bool((out.loc[X["igg_g_l"].notna(), "igg_g_l"] == X["igg_g_l"].dropna()).all())
    True
    """

    _parameter_constraints: dict = {
        "method": [StrOptions(set(KINDS))],
        "schema": [Schema, None],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_depth": [Interval(Integral, 1, None, closed="left"), None],
        "max_samples": [Interval(Integral, 1, None, closed="left")],
        "n_components": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "sample_posterior": ["boolean"],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
        "kind": [StrOptions({*KINDS, "deprecated"})],
    }

    def __init__(self, *, method="iterative", schema=None, n_neighbors=5, max_iter=None,
                 n_estimators=10, max_depth=8, max_samples=10_000, n_components="auto",
                 sample_posterior=False, random_state=None, n_jobs=None, kind="deprecated"):
        self.method = method
        self.schema = schema
        self.n_neighbors = n_neighbors
        self.max_iter = max_iter
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.max_samples = max_samples
        self.n_components = n_components
        self.sample_posterior = sample_posterior
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.kind = kind

    def _engine_name(self) -> str:
        """The engine: ``method``, or ``kind`` when given (0.1's name; also what a model
        saved by 0.1 holds)."""
        kind = getattr(self, "kind", "deprecated")
        return kind if kind != "deprecated" else self.method

    def _values(self, X, *, reset: bool) -> np.ndarray:
        if isinstance(X, pd.DataFrame):
            check_numeric_columns(X, list(X.columns), who=_WHO)
            X = X.astype("float64")
        return validate_data(self, X, reset=reset, dtype=np.float64,
                             ensure_all_finite="allow-nan", ensure_min_samples=1)

    def _engine(self, seed: int, n_samples: int):
        from sklearn.impute import KNNImputer, SimpleImputer

        if self._engine_name() == "simple":
            from sklearn.compose import ColumnTransformer

            discrete = [j for j, k in enumerate(self.kinds_) if k != "continuous"]
            continuous = [j for j, k in enumerate(self.kinds_) if k == "continuous"]
            return ColumnTransformer(
                [("median", SimpleImputer(strategy="median"), continuous),
                 ("most_frequent", SimpleImputer(strategy="most_frequent"), discrete)],
                sparse_threshold=0.0,
            )
        if self._engine_name() == "knn":
            return KNNImputer(n_neighbors=self.n_neighbors, keep_empty_features=True)
        if self._engine_name() == "mixture":
            from ._mixture import MixtureEM

            return MixtureEM(self.n_components, max_samples=self.max_samples,
                             sample_posterior=self.sample_posterior, random_state=seed)
        from sklearn.experimental import enable_iterative_imputer  # noqa: F401
        from sklearn.impute import IterativeImputer

        if self._engine_name() == "iterative":
            from sklearn.linear_model import BayesianRidge

            estimator = BayesianRidge()
            posterior = self.sample_posterior
            max_iter = 10 if self.max_iter is None else self.max_iter
        else:
            from sklearn.ensemble import ExtraTreesRegressor

            subsample = n_samples > self.max_samples
            estimator = ExtraTreesRegressor(
                n_estimators=self.n_estimators, max_depth=self.max_depth, min_samples_leaf=2,
                max_features=0.5, bootstrap=self.sample_posterior or subsample,
                max_samples=min(self.max_samples, n_samples) if subsample else None,
                random_state=seed, n_jobs=self.n_jobs,
            )
            posterior = False
            max_iter = 5 if self.max_iter is None else self.max_iter
        return IterativeImputer(estimator=estimator, max_iter=max_iter,
                                sample_posterior=posterior, initial_strategy="mean",
                                keep_empty_features=True, random_state=seed)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn what is needed to impute ``X`` (and new patients).

        Parameters
        ----------
        X : DataFrame or array of shape (n_patients, n_features)
            Numeric; missing values as NaN.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        self._fit(X)
        return self

    def fit_transform(self, X, y=None, **fit_params):
        """Fit and impute ``X`` (the same result as ``fit(X).transform(X)``)."""
        return self.fit(X).transform(X)

    def _fit(self, X) -> None:
        if self.kind != "deprecated":
            warn_renamed(f"{_WHO}'s parameter", "kind", "method", stacklevel=4)
        values = self._values(X, reset=True)
        names = (list(self.feature_names_in_) if hasattr(self, "feature_names_in_")
                 else [f"x{j}" for j in range(values.shape[1])])
        check_no_empty_columns(values, names, who=_WHO)
        schema = PSS_SCHEMA if self.schema is None else self.schema
        self.kinds_ = (column_kinds(names, schema) if isinstance(X, pd.DataFrame)
                       else ["continuous"] * values.shape[1])
        self.levels_ = {}
        self._bounds = []
        for j, (name, kind) in enumerate(zip(names, self.kinds_)):
            var = schema.get(name) if isinstance(X, pd.DataFrame) else None
            if kind in _DISCRETE:
                levels = _numeric_levels(var.levels) if var and var.levels else None
                if levels is None:
                    levels = np.unique(values[~np.isnan(values[:, j]), j])
                self.levels_[name] = levels
            lo, hi = (var.range if var is not None and var.range is not None
                      else (None, None))
            self._bounds.append((-np.inf if lo is None else lo, np.inf if hi is None else hi))
        self._names = names
        rng = check_random_state(self.random_state)
        seed = self._seed = int(rng.randint(np.iinfo(np.int32).max))
        if self._engine_name() == "simple":
            # Medians and modes are scale-free: no standardization, and the
            # ColumnTransformer's output (continuous first) is put back in order.
            self._mean, self._sd = np.zeros(values.shape[1]), np.ones(values.shape[1])
            order = [j for j, k in enumerate(self.kinds_) if k == "continuous"]
            order += [j for j, k in enumerate(self.kinds_) if k != "continuous"]
            self._order = np.argsort(order)
        else:
            self._mean = np.nanmean(values, axis=0)
            sd = np.nanstd(values, axis=0)
            self._sd = np.where(sd > 0, sd, 1.0)
            self._order = np.arange(values.shape[1])
        with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
            if self._engine_name() == "forest":
                # Tree predictions keep moving between rounds, so IterativeImputer's
                # tolerance is rarely met; forests run a fixed number of rounds.
                warnings.simplefilter("ignore", ConvergenceWarning)
            self.imputer_ = self._engine(seed, values.shape[0]).fit(
                (values - self._mean) / self._sd)
        self.n_iter_ = int(getattr(self.imputer_, "n_iter_", 1))

    def transform(self, X):
        """Impute missing values; observed values are returned unchanged.

        Parameters
        ----------
        X : DataFrame or array of shape (n_patients, n_features)
            The columns seen in ``fit``.

        Returns
        -------
        DataFrame or ndarray
            Same index and columns as ``X``, without missing values.
        """
        check_is_fitted(self)
        values = self._values(X, reset=False)
        missing = np.isnan(values)
        if self._engine_name() == "iterative" and self.sample_posterior:
            # Posterior draws restart from the fitted seed: transform is a function of X.
            self.imputer_.random_state_ = np.random.RandomState(self._seed)
        with threadpool_limits(limits=1, user_api="blas"):
            imputed = self.imputer_.transform((values - self._mean) / self._sd)
        imputed = imputed[:, self._order]
        imputed = imputed * self._sd + self._mean
        for j, name in enumerate(self._names):
            lo, hi = self._bounds[j]
            imputed[:, j] = np.clip(imputed[:, j], lo, hi)
            if name in self.levels_:
                imputed[:, j] = _snap(imputed[:, j], self.levels_[name])
        imputed = np.where(missing, imputed, values)
        if isinstance(X, pd.DataFrame):
            return pd.DataFrame(imputed, index=X.index, columns=X.columns)
        return imputed

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def make_imputer(
    method: str = "iterative",
    *,
    schema: Schema = PSS_SCHEMA,
    random_state: int | np.random.RandomState | None = None,
    kind: str | None = None,
    **params,
) -> SchemaImputer:
    """An imputer that keeps binary values 0/1, ordinal levels valid and observed values.

    Parameters
    ----------
    method : {"iterative", "knn", "simple", "forest", "mixture"}, default="iterative"
        ``simple`` (median / most frequent), ``knn`` (``KNNImputer``; memory
        and time grow as n², avoid beyond about 10,000 patients),
        ``iterative`` (``IterativeImputer`` with ``BayesianRidge``) or
        ``forest`` (``IterativeImputer`` with depth-limited extra trees,
        missForest-like) or ``mixture`` (a Gaussian mixture fitted to the
        observed values; the one to use before clustering).
    schema : Schema, default=PSS_SCHEMA
        Decides each column's kind from its name; unknown columns are continuous.
    random_state : int, RandomState or None, default=None
    kind : str, optional
        The name of ``method`` in stratify 0.1; works with a FutureWarning
        until 0.3.
    **params
        Other parameters of :class:`SchemaImputer` (``n_neighbors``, ``max_iter``,
        ``n_estimators``, ``max_depth``, ``max_samples``, ``n_components``,
        ``sample_posterior``, ``n_jobs``).

    Returns
    -------
    SchemaImputer
        Unfitted; pandas in gives pandas out with the index kept.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stratify.impute import make_imputer
    >>> X = pd.DataFrame({"age": [40.0, np.nan, 61.0, 55.0], "rf": [1, 0, np.nan, 1]})
    >>> make_imputer("simple").fit_transform(X)
        age   rf
    0  40.0  1.0
    1  55.0  0.0
    2  61.0  1.0
    3  55.0  1.0
    """
    method = renamed_argument("make_imputer()", "kind", "method", kind, method, "iterative")
    return SchemaImputer(method=method, schema=schema, random_state=random_state, **params)
