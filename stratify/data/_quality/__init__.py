"""Data-quality report: completeness, plausibility, duplicates and drift between centres.

- ``_rules``: the plausibility rules (:data:`PLAUSIBILITY_RULES` and the
  schema rules per value) and the checks that apply them, duplicates included;
- ``_drift``: drift of each centre against the other centres, with the
  reference centres that drift themselves left out, and its case-mix adjustment;
- ``_table``: the table of the report (one row per centre and variable) and
  its small-cell protection;
- ``_report``: :class:`QualityReport`;
- ``_compute``: :func:`quality_report`, which runs them in order.

The HTML is rendered by the report layer (:func:`stratify.report.quality_html`).
"""

from ._compute import quality_report
from ._report import QualityReport
from ._rules import PLAUSIBILITY_RULES

__all__ = ["QualityReport", "quality_report", "PLAUSIBILITY_RULES"]
