"""Synthetic pSS cohorts with known truth, and the shipped data sets.

- :func:`make_pss_cohort`: a cohort with planted molecular and symptom subgroups,
  a known lymphoma model, centre effects, missingness and an optional trial.
- :func:`make_center_exports`: the same patients as heterogeneous centre exports
  (in memory, or written as CSV, Excel, SPSS, Stata, SAS or Parquet files).
- :func:`make_redcap_export`: the same patients as a REDCap project's export.
- :class:`CohortParameters`: the generative parameters and their defaults.
- :func:`load_discovery`, :func:`load_validation`, :func:`load_trial`: the shipped cohorts.
- :func:`load_exports`: the shipped raw centre exports and their mapping.
- :func:`write_preset`, :data:`PRESETS`: regenerate a shipped data set byte for byte.
- :func:`data_dictionary`: the shipped columns described from the schema.
- :data:`SUBGROUPS`, :data:`SYMPTOM_SUBGROUPS`, :data:`PHENOTYPES`: the planted subgroup
  labels (``make_pss_cohort(phenotypes=True)`` plants the clinical phenotypes).
- :data:`PHENOTYPE_COLUMNS`: the variables the clinical phenotypes are defined on.
- :data:`GENES`, :data:`MARKER_GENES`: every ``mol_`` column and the informative ones.
"""

from ._cohort import CohortParameters, make_pss_cohort
from ._exports import make_center_exports
from ._molecular import GENES, MARKER_GENES, SUBGROUPS
from ._phenotypes import PHENOTYPE_COLUMNS, PHENOTYPES
from ._presets import (
    PRESETS,
    data_dictionary,
    load_discovery,
    load_exports,
    load_trial,
    load_validation,
    write_preset,
)
from ._redcap import make_redcap_export
from ._symptoms import SYMPTOM_SUBGROUPS

__all__ = [
    "GENES",
    "MARKER_GENES",
    "PHENOTYPES",
    "PHENOTYPE_COLUMNS",
    "PRESETS",
    "SUBGROUPS",
    "SYMPTOM_SUBGROUPS",
    "CohortParameters",
    "data_dictionary",
    "load_discovery",
    "load_exports",
    "load_trial",
    "load_validation",
    "make_center_exports",
    "make_pss_cohort",
    "make_redcap_export",
    "write_preset",
]
