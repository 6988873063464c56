"""Multiple imputation and Rubin's rules."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._utils.deprecation import warn_renamed
from ..data import Schema
from ..parallel import run, spawn_seeds
from ._imputer import SchemaImputer

__all__ = ["MultipleImputer", "pool"]


def _fit_one(params: dict, X, seed: int) -> SchemaImputer:
    return SchemaImputer(**params, sample_posterior=True, random_state=seed).fit(X)


def _transform_one(imputer: SchemaImputer, X):
    return imputer.transform(X)


class MultipleImputer(TransformerMixin, BaseEstimator):
    """``m`` independent stochastic imputations, for inference by Rubin's rules.

    Each imputation is a :class:`SchemaImputer` fitted separately with its
    own seed (drawn from ``random_state`` by :func:`stratify.parallel.spawn_seeds`):

    - ``"iterative"``: chained equations whose imputations are draws from the
      BayesianRidge posterior predictive (``sample_posterior=True``), in the
      fit and in ``transform``.
    - ``"forest"``: every tree grown on a bootstrap sample, so each imputation
      has its own forests. The imputations are forest means, without residual
      noise: between-imputation variance, and hence pooled standard errors,
      tend to be too small. Prefer ``"iterative"`` for inference.
    - ``"mixture"``: each imputation fits its own Gaussian mixture to the
      observed values of a bootstrap sample of the patients (approximate
      Bayesian bootstrap, so the draws carry the uncertainty of the mixture),
      then draws the component of each patient from its posterior and the
      missing values from that component. The one to use before clustering:
      it keeps subgroups apart (see ``SchemaImputer``).

    ``simple`` and ``knn`` are deterministic (m copies would be identical and
    would understate uncertainty), so they are refused.

    Analyse each completed frame, then combine the estimates with :func:`pool`.

    Parameters
    ----------
    n_imputations : int, default=5
        Number of imputations ``m`` (at least 2).
    method : {"iterative", "forest", "mixture"}, default="iterative"
    schema : Schema, optional
        Decides each column's kind; ``None`` means ``PSS_SCHEMA``.
    max_iter : int, optional
        Rounds of chained equations (``None``: the :class:`SchemaImputer` default).
    random_state : int, RandomState or None, default=None
        Same seed, same imputations, whatever ``n_jobs``.
    n_jobs : int, optional
        Imputations fitted in parallel (through :func:`stratify.parallel.run`).
    kind : str, optional
        The name of ``method`` in stratify 0.1; works with a FutureWarning
        until 0.3.

    Attributes
    ----------
    imputers_ : list of SchemaImputer
        The ``m`` fitted imputers.
    seeds_ : list of int
        Their seeds.
    n_iter_ : int
        Most rounds of chained equations run by one imputation.
    feature_names_in_ : ndarray
        Column names, when ``X`` is a DataFrame.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stratify.impute import MultipleImputer
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.normal(size=(40, 3)), columns=["mol_A", "mol_B", "age"])
    >>> X.iloc[::5, 0] = np.nan
    >>> frames = MultipleImputer(n_imputations=3, random_state=0).fit_transform(X)
    >>> len(frames), frames[0].shape
    (3, (40, 3))
    >>> bool(frames[0].iloc[0, 0] != frames[1].iloc[0, 0])     # imputations differ
    True
    >>> bool((frames[0].iloc[1:5] == frames[2].iloc[1:5]).all().all())   # observed agree
    True
    """

    _parameter_constraints: dict = {
        "n_imputations": [Interval(Integral, 2, None, closed="left")],
        # simple and knn are refused in fit with the reason
        "method": [StrOptions({"iterative", "forest", "mixture", "simple", "knn"})],
        "schema": [Schema, None],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
        "kind": [StrOptions({"iterative", "forest", "mixture", "simple", "knn",
                             "deprecated"})],
    }

    def __init__(self, *, n_imputations=5, method="iterative", schema=None, max_iter=None,
                 random_state=None, n_jobs=None, kind="deprecated"):
        self.n_imputations = n_imputations
        self.method = method
        self.kind = kind
        self.schema = schema
        self.max_iter = max_iter
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _engine_name(self) -> str:
        """The engine: ``method``, or ``kind`` when given (0.1's name), refused when it
        is deterministic."""
        kind = getattr(self, "kind", "deprecated")
        if kind != "deprecated":
            warn_renamed("MultipleImputer's parameter", "kind", "method", stacklevel=4)
        name = kind if kind != "deprecated" else self.method
        if name in ("simple", "knn"):
            raise ValueError(
                f"MultipleImputer: method={name!r} is deterministic, so the m imputations "
                "would be identical and understate uncertainty; use 'iterative', 'forest' or "
                "'mixture'."
            )
        return name

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the ``m`` imputers.

        Parameters
        ----------
        X : DataFrame or array of shape (n_patients, n_features)
        y : None
            Ignored.

        Returns
        -------
        self
        """
        params = {"method": self._engine_name(), "schema": self.schema,
                  "max_iter": self.max_iter}
        self.seeds_ = spawn_seeds(self.random_state, self.n_imputations)
        # The first fit validates the input before the others start.
        first = _fit_one(params, X, self.seeds_[0])
        rest = run(_fit_one, [(params, X, s) for s in self.seeds_[1:]], n_jobs=self.n_jobs)
        self.imputers_ = [first, *rest]
        self.n_iter_ = max(imp.n_iter_ for imp in self.imputers_)
        self.n_features_in_ = first.n_features_in_
        if hasattr(first, "feature_names_in_"):
            self.feature_names_in_ = first.feature_names_in_
        return self

    def transform(self, X) -> list:
        """The ``m`` completed versions of ``X``.

        Returns
        -------
        list of DataFrame or ndarray
            ``m`` frames with the index and columns of ``X``; observed values
            are identical in all of them.
        """
        check_is_fitted(self)
        self.imputers_[0]._values(X, reset=False)
        return run(_transform_one, [(imp, X) for imp in self.imputers_], n_jobs=self.n_jobs)

    def fit_transform(self, X, y=None, **fit_params) -> list:
        """Fit, then return the ``m`` completed versions of ``X``."""
        return self.fit(X).transform(X)

    def get_feature_names_out(self, input_features=None):
        """The input feature names."""
        check_is_fitted(self)
        return self.imputers_[0].get_feature_names_out(input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.non_deterministic = False
        return tags


def _as_matrix(values, name: str) -> tuple[np.ndarray, list | None]:
    if isinstance(values, pd.DataFrame):
        return values.to_numpy(dtype=float), list(values.columns)
    if isinstance(values, (list, tuple)) and values and isinstance(values[0], pd.Series):
        frame = pd.DataFrame(list(values))
        return frame.to_numpy(dtype=float), list(frame.columns)
    arr = np.asarray(values, dtype=float)
    if arr.ndim not in (1, 2):
        raise ValueError(f"pool: {name} must be 1-D (m,) or 2-D (m, n_parameters); "
                         f"got {arr.ndim} dimensions.")
    return arr, None


def pool(
    estimates,
    variances,
    *,
    n_obs: int | None = None,
    n_params: int | None = None,
    alpha: float = 0.05,
) -> pd.Series | pd.DataFrame:
    """Combine estimates from ``m`` imputed data sets by Rubin's rules.

    With ``Q_i`` and ``U_i`` the estimate and its squared standard error in
    imputation ``i``: pooled estimate ``Q = mean(Q_i)``, within variance
    ``W = mean(U_i)``, between variance ``B = var(Q_i)`` (ddof 1), total
    variance ``T = W + (1 + 1/m) B``, relative increase in variance
    ``riv = (1 + 1/m) B / W``, ``lambda = (1 + 1/m) B / T``, and degrees of
    freedom ``df = (m - 1) / lambda**2`` (Rubin 1987). When ``n_obs`` is
    given, the Barnard-Rubin (1999) small-sample df replaces it:
    ``df_com = n_obs - n_params``, ``df_obs = (df_com + 1) / (df_com + 3) *
    df_com * (1 - lambda)`` and ``df = 1 / (1 / df_old + 1 / df_obs)``. The
    fraction of missing information is ``fmi = (riv + 2 / (df + 3)) / (riv + 1)``.
    Intervals and p-values use Student's t with ``df``.

    Parameters
    ----------
    estimates : array-like of shape (m,) or (m, n_parameters), or DataFrame
        One row per imputation (a DataFrame's columns, or a list of Series'
        index, name the parameters).
    variances : array-like of the same shape
        Squared standard errors (the diagonal of each covariance matrix).
    n_obs : int, optional
        Sample size of the complete-data analysis, for the Barnard-Rubin df.
    n_params : int, optional
        Parameters of the complete-data model (default: the number pooled).
    alpha : float, default=0.05
        For the ``1 - alpha`` confidence interval.

    Returns
    -------
    Series (1-D input) or DataFrame (one row per parameter)
        ``estimate, within, between, total, std_error, df, riv, lambda, fmi,
        ci_lower, ci_upper, statistic, p_value``.

    Examples
    --------
    >>> from stratify.impute import pool
    >>> r = pool([1.0, 2.0, 3.0], [1.0, 1.0, 1.0])
    >>> float(r["estimate"]), float(r["total"]), float(r["df"])
    (2.0, 2.333..., 6.125)
    """
    from scipy import stats

    Q, names = _as_matrix(estimates, "estimates")
    U, _ = _as_matrix(variances, "variances")
    if Q.shape != U.shape:
        raise ValueError(f"pool: estimates {Q.shape} and variances {U.shape} must have the "
                         "same shape (one row per imputation).")
    scalar = Q.ndim == 1
    if scalar:
        Q, U = Q[:, None], U[:, None]
    m = Q.shape[0]
    if m < 2:
        raise ValueError(f"pool: Rubin's rules need at least 2 imputations; got {m}.")
    if not (np.isfinite(Q).all() and np.isfinite(U).all()):
        raise ValueError("pool: estimates and variances must be finite.")
    if (U < 0).any():
        raise ValueError("pool: variances must be >= 0 (squared standard errors).")
    if not 0 < alpha < 1:
        raise ValueError(f"pool: alpha must be in (0, 1); got {alpha}.")

    estimate = Q.mean(axis=0)
    within = U.mean(axis=0)
    between = Q.var(axis=0, ddof=1)
    extra = (1 + 1 / m) * between
    total = within + extra
    with np.errstate(divide="ignore", invalid="ignore"):
        riv = extra / within
        lam = extra / total
        df = (m - 1) / lam**2
        if n_obs is not None:
            k = Q.shape[1] if n_params is None else int(n_params)
            df_com = float(n_obs - k)
            if df_com <= 0:
                raise ValueError(f"pool: n_obs ({n_obs}) must exceed n_params ({k}).")
            df_obs = (df_com + 1) / (df_com + 3) * df_com * (1 - lam)
            df = 1 / (1 / df + 1 / df_obs)
        fmi = (riv + 2 / (df + 3)) / (riv + 1)
        std_error = np.sqrt(total)
        statistic = estimate / std_error
    quantile = stats.t.ppf(1 - alpha / 2, df)
    table = pd.DataFrame({
        "estimate": estimate, "within": within, "between": between, "total": total,
        "std_error": std_error, "df": df, "riv": riv, "lambda": lam, "fmi": fmi,
        "ci_lower": estimate - quantile * std_error, "ci_upper": estimate + quantile * std_error,
        "statistic": statistic, "p_value": 2 * stats.t.sf(np.abs(statistic), df),
    }, index=pd.Index(names if names is not None else range(Q.shape[1]), name="parameter"))
    if scalar:
        return table.iloc[0].rename(None)
    return table

