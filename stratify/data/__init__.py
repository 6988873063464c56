"""The pSS data model, validation, harmonization, data quality and safe persistence.

- :data:`PSS_SCHEMA`, :class:`Schema`, :class:`Variable`: the reference data model;
  :data:`BLOCKS` and :data:`KINDS` name its variable blocks and kinds;
  :func:`display_name` (:data:`LABELS`): a variable's short label and unit for a reader.
- :func:`validate`, :class:`SchemaError`, :class:`Problem`: check a frame, listing
  every problem (column, rows, rule).
- :class:`Cohort`: validated data indexed by ``patient_id`` (+ truth for synthetic data);
  :func:`read_csv` and :func:`write_csv` read and write cohort files with clear errors
  (:data:`NUMERIC_NA_VALUES`: what reads as missing in numeric columns);
  :func:`identifier_columns` finds columns that look like direct identifiers;
  :func:`check_disjoint` refuses a validation cohort that holds discovery patients.
- :func:`read_file`, :func:`write_file`: every format registries export (CSV, TSV,
  Excel, SPSS, Stata, SAS, Parquet) with value and variable labels
  (:data:`SUPPORTED_FORMATS`); :data:`MISSING_LABELS`: value labels that mean missing;
  :func:`read_redcap`: a REDCap export with its data dictionary.
- :class:`Harmonizer`, :class:`HarmonizationReport`, :func:`load_mapping`: centre
  exports onto the schema, with the mapping read from TOML, YAML or JSON;
  :func:`draft_mapping` (:class:`MappingDraft`, :class:`Proposal`) proposes one centre's
  mapping from its export, with evidence and confidence.
- :func:`quality_report`, :class:`QualityReport`: completeness, plausibility, drift.
- :data:`PLAUSIBILITY_RULES`: the cross-variable plausibility rules of the quality report.
- :func:`missingness_report`, :class:`MissingnessReport`: missing-data patterns and predictors.
- :func:`little_mcar_test`, :class:`MCARTest`: Little's test of missing completely at random.
- :func:`pseudonymize`, :func:`new_key`: keyed-hash patient ids for export, and a key.
- :func:`save`, :func:`load`: model persistence with skops (no pickle).
- :data:`TRUSTED_TYPES`, :class:`UntrustedTypesError`: what :func:`load` accepts by default;
  :class:`UnsafeModelError`: a model file whose archive or trees break a safety rule.
"""

from ._cohort import (
    NUMERIC_NA_VALUES,
    Cohort,
    check_disjoint,
    identifier_columns,
    read_csv,
    write_csv,
)
from ._draft import MappingDraft, Proposal, draft_mapping
from ._formats import MISSING_LABELS, read_file, read_redcap, write_file
from ._formats import SUPPORTED as SUPPORTED_FORMATS
from ._harmonize import HarmonizationReport, Harmonizer, load_mapping
from ._labels import LABELS, display_name
from ._missingness import MCARTest, MissingnessReport, little_mcar_test, missingness_report
from ._persist import TRUSTED_TYPES, UnsafeModelError, UntrustedTypesError, load, save
from ._pseudonymize import new_key, pseudonymize
from ._quality import PLAUSIBILITY_RULES, QualityReport, quality_report
from ._schema import BLOCKS, KINDS, PSS_SCHEMA, Schema, Variable
from ._validate import Problem, SchemaError, validate

__all__ = [
    "BLOCKS",
    "KINDS",
    "LABELS",
    "MCARTest",
    "MISSING_LABELS",
    "MappingDraft",
    "MissingnessReport",
    "NUMERIC_NA_VALUES",
    "PLAUSIBILITY_RULES",
    "PSS_SCHEMA",
    "Proposal",
    "SUPPORTED_FORMATS",
    "TRUSTED_TYPES",
    "UnsafeModelError",
    "UntrustedTypesError",
    "Cohort",
    "HarmonizationReport",
    "Harmonizer",
    "Problem",
    "QualityReport",
    "Schema",
    "SchemaError",
    "Variable",
    "check_disjoint",
    "display_name",
    "draft_mapping",
    "identifier_columns",
    "little_mcar_test",
    "load",
    "load_mapping",
    "missingness_report",
    "new_key",
    "pseudonymize",
    "quality_report",
    "read_csv",
    "read_file",
    "read_redcap",
    "save",
    "validate",
    "write_csv",
    "write_file",
]
