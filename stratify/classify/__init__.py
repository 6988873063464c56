"""Subgroup classifiers, marker panels and centre-aware validation.

- :class:`SubgroupClassifier` — calibrated classifier for subgroup assignment
  (gradient boosting, logistic or forest), missing values and unequal
  subgroups handled, optional marker panel.
- :func:`select_panel` / :class:`PanelResult` — the smallest marker panel
  whose cross-validated balanced accuracy stays within a tolerance of the
  full model (selection inside the folds).
- :func:`cross_validate` / :class:`CrossValidationResult` — stratified or
  leave-one-centre-out cross-validation with bootstrap confidence intervals,
  calibration table and confusion matrix; pools multiply imputed data sets.
- :func:`classification_metrics` — the metrics used, from labels and
  probabilities.
- :func:`make_base_estimator` — the uncalibrated model behind the classifier.
"""

from ._classifier import SubgroupClassifier, make_base_estimator
from ._panel import PanelResult, select_panel
from ._validation import CrossValidationResult, classification_metrics, cross_validate

__all__ = [
    "SubgroupClassifier",
    "make_base_estimator",
    "select_panel",
    "PanelResult",
    "cross_validate",
    "CrossValidationResult",
    "classification_metrics",
]
