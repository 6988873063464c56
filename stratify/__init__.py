"""stratify: patient stratification in primary Sjögren's syndrome (pSS).

Find subgroups of patients, explain what defines them, assign new patients to
them, and model who goes on to develop lymphoma.

Subpackages (each imported on first use, so ``import stratify`` is fast):

- ``data``        the pSS schema, Cohort, validation, harmonization, quality, persistence
- ``synthetic``   synthetic pSS cohorts with known truth, and the shipped data sets
- ``scores``      clinical indices: ESSDAI, ClinESSDAI, ESSPRI, ACR/EULAR 2016, STAR, lymphoma risk
- ``preprocess``  type-aware encoding and scaling, centre (batch) correction
- ``impute``      single and multiple imputation, imputation evaluation by masking
- ``cluster``     embedding, consensus clustering, stability, profiling, replication
- ``classify``    subgroup classifiers, marker panels, centre-aware validation
- ``survival``    survival targets, lymphoma risk models, metrics, Kaplan-Meier, competing risks
- ``response``    treatment response and its heterogeneity by subgroup
- ``explain``     SHAP explanations of classifiers, risk models and clusters
- ``plot``        figures: every function takes ``ax=`` and returns what it drew
- ``report``      Table 1 by subgroup and the HTML report
- ``parallel``    the one place that chooses joblib's backend (local processes or Dask)

Top-level names: :class:`Cohort`, :class:`Stratification`, :class:`StratificationResult`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

_SUBPACKAGES = (
    "data",
    "synthetic",
    "scores",
    "preprocess",
    "impute",
    "cluster",
    "classify",
    "survival",
    "response",
    "explain",
    "plot",
    "report",
    "parallel",
    "workflow",
)
_NAMES = {
    "Cohort": "stratify.data",
    "Stratification": "stratify.workflow",
    "StratificationResult": "stratify.workflow",
}

__all__ = ["__version__", *_NAMES, *_SUBPACKAGES]

if TYPE_CHECKING:  # pragma: no cover
    from .data import Cohort as Cohort
    from .workflow import Stratification as Stratification
    from .workflow import StratificationResult as StratificationResult


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"stratify.{name}")
    if name in _NAMES:
        return getattr(importlib.import_module(_NAMES[name]), name)
    raise AttributeError(f"module 'stratify' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
