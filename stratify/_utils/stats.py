"""The standardized mean difference, one formula for every table that prints one.

``(mean_1 - mean_0) / pooled SD``. Two poolings are in use, and the caller
says which by passing the group sizes or not:

- with ``n1`` and ``n0``: the degrees-of-freedom weighted pool,
  ``sqrt(((n1 - 1) var_1 + (n0 - 1) var_0) / (n1 + n0 - 2))`` (Cohen's d; the
  cluster profile and the SHAP agreement check, one subgroup against the rest);
- without: the plain average of the variances, ``sqrt((var_1 + var_0) / 2)``
  (Austin 2009, as Table 1 and the quality report's drift between centres use
  it, so that a large group does not dominate).

A pooled SD that is not positive (or not defined) gives NaN.
Works elementwise on floats, numpy arrays and pandas Series.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def pooled_sd(var1: Any, var0: Any, n1: Any = None, n0: Any = None) -> Any:
    """The pooled standard deviation of two groups; NaN where it is not positive."""
    if n1 is None or n0 is None:
        pooled = np.sqrt((var1 + var0) / 2)
    else:
        pooled = np.sqrt(((n1 - 1) * var1 + (n0 - 1) * var0) / (n1 + n0 - 2))
    return np.where(pooled > 0, pooled, np.nan)


def standardized_difference(mean1: Any, mean0: Any, var1: Any, var0: Any, n1: Any = None,
                            n0: Any = None) -> Any:
    """``(mean1 - mean0) / pooled_sd(var1, var0, n1, n0)``: signed, NaN without a spread."""
    return (mean1 - mean0) / pooled_sd(var1, var0, n1, n0)
