"""The pSS data model, validation, harmonization, data quality and safe persistence.

- :data:`PSS_SCHEMA`, :class:`Schema`, :class:`Variable`: the reference data model.
- :func:`validate`, :class:`SchemaError`: check a frame, listing every problem.
- :class:`Cohort`: validated data indexed by ``patient_id`` (+ truth for synthetic data).
- :class:`Harmonizer`, :class:`HarmonizationReport`: centre exports onto the schema.
- :func:`quality_report`, :class:`QualityReport`: completeness, plausibility, drift.
- :func:`pseudonymize`: keyed-hash patient ids for export.
- :func:`save`, :func:`load`: model persistence with skops (no pickle).
"""

from ._cohort import Cohort, identifier_columns, read_csv, write_csv
from ._harmonize import HarmonizationReport, Harmonizer, load_mapping
from ._schema import BLOCKS, KINDS, PSS_SCHEMA, Schema, Variable
from ._validate import Problem, SchemaError, validate

__all__ = [
    "BLOCKS",
    "KINDS",
    "PSS_SCHEMA",
    "Cohort",
    "HarmonizationReport",
    "Harmonizer",
    "Problem",
    "Schema",
    "SchemaError",
    "Variable",
    "identifier_columns",
    "load_mapping",
    "read_csv",
    "validate",
    "write_csv",
]
