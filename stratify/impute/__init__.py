"""Single and multiple imputation, and imputation evaluation by masking.

- :func:`make_imputer`, :class:`SchemaImputer`: simple, KNN, iterative (BayesianRidge)
  or forest (extra trees) imputation that keeps binary values 0/1, ordinal levels
  valid and observed values unchanged.
- :class:`MultipleImputer`: m independent stochastic imputations.
- :func:`pool`: Rubin's rules for estimates from m imputed data sets.
- :func:`evaluate_imputation`: mask observed values (MCAR, MAR, MNAR), impute,
  and score the imputations (NRMSE, misclassification).
- :func:`column_kinds`: the kind the imputers give each column.
"""

from ._evaluate import evaluate_imputation
from ._imputer import KINDS as KINDS  # the engines, for the workflow's config check
from ._imputer import SchemaImputer, column_kinds, make_imputer
from ._multiple import MultipleImputer, pool

__all__ = [
    "MultipleImputer",
    "SchemaImputer",
    "column_kinds",
    "evaluate_imputation",
    "make_imputer",
    "pool",
]
