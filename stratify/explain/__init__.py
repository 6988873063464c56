"""SHAP explanations of classifiers, risk models and subgroups.

- :func:`explain` — SHAP values per original column (through pipelines,
  one-hot encoders and calibration), with a stable shape ``(n, features)`` or
  ``(n, features, classes)`` and exact additivity.
- :func:`explain_clusters` — the features that define each subgroup, from a
  one-vs-rest surrogate classifier per subgroup.
- :func:`agreement_with_profile` — rank agreement between those features and
  the subgroup profile's effect sizes.
"""

from ._clusters import agreement_with_profile, explain_clusters
from ._shap import explain

__all__ = ["explain", "explain_clusters", "agreement_with_profile"]
