"""Type-aware encoding and scaling built from the schema's kinds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted

from .._utils.rows import describe_rows
from .._utils.validation import Problem, SchemaError
from ..data import Schema

__all__ = ["make_preprocessor", "SKEWED_LABS"]

SKEWED_LABS = ("crp_mg_l", "esr_mm_h", "rf_iu_ml", "beta2_microglobulin_mg_l")
"""Right-skewed laboratory values that ``make_preprocessor`` log-transforms by default."""

_NOT_FEATURES = {
    "id": "an identifier (it belongs in the index)",
    "time": "an outcome time",
    "event": "an outcome event code",
}


def _log1p_nonnegative(X: pd.DataFrame) -> pd.DataFrame:
    """``log(1 + x)``, refusing negative values (skewed labs are never negative)."""
    X = pd.DataFrame(X)
    for col in X.columns:
        negative = (X[col] < 0).to_numpy(dtype=bool, na_value=False)
        if negative.any():
            raise ValueError(
                f"column {col!r}: the log transform needs values >= 0 "
                f"({describe_rows(X.index, negative)})."
            )
    return np.log1p(X.astype(float))


def _missing_as_nan(X: pd.DataFrame) -> pd.DataFrame:
    """Labels as objects with every kind of missing value (None, pd.NA) as NaN."""
    X = pd.DataFrame(X).astype(object)
    return X.where(X.notna(), np.nan)


class _OneHotKeepingMissing(TransformerMixin, BaseEstimator):
    """One-hot encoding in which a missing label stays missing.

    scikit-learn's ``OneHotEncoder`` turns a missing label into a category of
    its own; here every dummy of that row is NaN instead, so an imputer placed
    after the preprocessor sees the value as missing. Labels are compared as
    text; labels unseen in ``fit`` (e.g. a new centre) give all-zero dummies.
    """

    def fit(self, X, y=None):
        X = pd.DataFrame(X)
        self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        self.n_features_in_ = X.shape[1]
        categories = []
        for col in X.columns:
            observed = X[col].dropna()
            if observed.empty:
                raise ValueError(
                    f"column {col!r} has no observed label, so it cannot be one-hot encoded."
                )
            categories.append(sorted(observed.astype(str).unique()))
        self.encoder_ = OneHotEncoder(categories=categories, handle_unknown="ignore",
                                      sparse_output=False, dtype=float)
        self.encoder_.fit(self._as_text(X))
        return self

    @staticmethod
    def _as_text(X: pd.DataFrame) -> pd.DataFrame:
        # The placeholder is an unknown category: all-zero dummies, set to NaN below.
        return X.astype(object).where(X.notna(), "\x00missing").astype(str)

    def transform(self, X):
        check_is_fitted(self)
        X = pd.DataFrame(X)
        out = self.encoder_.transform(self._as_text(X))
        start = 0
        for col, cats in zip(X.columns, self.encoder_.categories_):
            out[X[col].isna().to_numpy(), start:start + len(cats)] = np.nan
            start += len(cats)
        return out

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        return self.encoder_.get_feature_names_out(self.feature_names_in_)


def make_preprocessor(
    schema: Schema,
    columns: Sequence[str],
    *,
    log_transform: Sequence[str] = SKEWED_LABS,
    one_hot: bool = True,
    scale_ordinal: bool = False,
) -> ColumnTransformer:
    """A ``ColumnTransformer`` that encodes each column according to its schema kind.

    =============  =========================================================
    kind           transformation
    =============  =========================================================
    continuous     ``log1p`` (columns in ``log_transform``), then ``StandardScaler``
    binary         passed through (0/1)
    ordinal        kept as ordered numbers (standardized if ``scale_ordinal``)
    categorical    one-hot (``one_hot=True``; unseen labels give all zeros) or
                   integer codes in sorted label order (``one_hot=False``;
                   unseen labels give NaN)
    =============  =========================================================

    Missing values stay missing (NaN; for one-hot columns every dummy of the
    row is NaN) so that an imputer can follow in the same ``Pipeline``. The
    output is a DataFrame with the input's index and readable feature names
    (``crp_mg_l``, ``sex_F``). Columns of the input not listed in ``columns``
    are dropped.

    Parameters
    ----------
    schema : Schema
        The data model whose kinds decide the encoding (usually ``PSS_SCHEMA``).
    columns : sequence of str
        The feature columns, all described by ``schema``.
    log_transform : sequence of str, default=SKEWED_LABS
        Continuous columns to transform with ``log(1 + x)`` before scaling
        (values must be >= 0). Names absent from ``columns`` are ignored.
    one_hot : bool, default=True
        One-hot encode categorical columns; otherwise integer codes.
    scale_ordinal : bool, default=False
        Standardize ordinal columns too.

    Returns
    -------
    ColumnTransformer
        Unfitted, with ``set_output(transform="pandas")``.

    Raises
    ------
    SchemaError
        A column is not in the schema, is an identifier or outcome (kinds
        ``id``, ``time``, ``event``), or a ``log_transform`` column is not continuous.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stratify.data import PSS_SCHEMA
    >>> from stratify.preprocess import make_preprocessor
    >>> df = pd.DataFrame({"crp_mg_l": [1.0, 8.0, np.nan, 30.0], "anti_ro": [1, 0, 1, np.nan],
    ...                    "essdai_glandular": [0, 2, 1, 0], "sex": ["F", "M", "F", None]},
    ...                   index=pd.Index(["p1", "p2", "p3", "p4"], name="patient_id"))
    >>> pre = make_preprocessor(PSS_SCHEMA, list(df.columns))
    >>> out = pre.fit_transform(df)
    >>> list(out.columns)
    ['crp_mg_l', 'anti_ro', 'essdai_glandular', 'sex_F', 'sex_M']
    >>> out.loc["p4", ["sex_F", "sex_M"]].isna().all(), out.index.name
    (np.True_, 'patient_id')
    """
    if isinstance(columns, str) or not len(columns):
        raise ValueError("columns must be a non-empty list of column names.")
    columns = [str(c) for c in columns]
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise ValueError(f"columns are listed more than once: {dupes}.")
    problems: list[Problem] = []
    groups: dict[str, list[str]] = {"scaled": [], "log_scaled": [], "binary": [],
                                    "ordinal": [], "categorical": []}
    log_set = set(log_transform)
    for col in columns:
        var = schema.get(col)
        if var is None:
            problems.append(Problem(col, "is not a variable of the schema (unknown column)"))
        elif var.kind in _NOT_FEATURES:
            problems.append(Problem(col, f"is {_NOT_FEATURES[var.kind]} (kind {var.kind!r}), "
                                         "not a feature"))
        elif var.kind == "continuous":
            groups["log_scaled" if col in log_set else "scaled"].append(col)
        elif col in log_set:
            problems.append(Problem(col, f"is {var.kind}; only continuous columns can be "
                                         "log-transformed"))
        elif var.kind in ("binary", "ordinal", "categorical"):
            groups[var.kind].append(col)
        else:
            problems.append(Problem(col, f"has kind {var.kind!r}, which has no encoding"))
    if problems:
        raise SchemaError(problems, source="make_preprocessor")

    if one_hot:
        categorical = _OneHotKeepingMissing()
    else:
        from sklearn.preprocessing import OrdinalEncoder

        categorical = make_pipeline(
            FunctionTransformer(_missing_as_nan, feature_names_out="one-to-one"),
            OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                           encoded_missing_value=np.nan),
        )
    log_scaler = make_pipeline(
        FunctionTransformer(_log1p_nonnegative, inverse_func=np.expm1,
                            feature_names_out="one-to-one", check_inverse=False),
        StandardScaler(),
    )
    steps = {
        "log_scaled": log_scaler,
        "scaled": StandardScaler(),
        "binary": "passthrough",
        "ordinal": StandardScaler() if scale_ordinal else "passthrough",
        "categorical": categorical,
    }
    transformers = [(name, steps[name], cols) for name, cols in groups.items() if cols]
    transformer = ColumnTransformer(transformers, remainder="drop", sparse_threshold=0.0,
                                    verbose_feature_names_out=False)
    return transformer.set_output(transform="pandas")
