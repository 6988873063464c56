"""Type-aware encoding and scaling, and centre (batch) correction.

- :func:`make_preprocessor`: a ``ColumnTransformer`` built from the schema's kinds
  (scale continuous, pass binary, keep ordinal ordered, one-hot categorical).
- :class:`CenterCorrector`: per-centre location/scale or ComBat correction fitted
  on training data, with protected covariates.
- :data:`SKEWED_LABS`: laboratory values log-transformed by default.
"""

from ._center import CenterCorrector
from ._preprocessor import SKEWED_LABS, make_preprocessor

__all__ = ["CenterCorrector", "SKEWED_LABS", "make_preprocessor"]
