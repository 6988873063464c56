"""Tables and the HTML report.

- :func:`table_one`: Table 1 by subgroup with tests, SMDs, missingness and
  small-cell suppression.
- :func:`suppress_small_cells`: hide small counts and the complementary cells that
  would let a reader recompute them from the totals shown.
- :func:`suppress_small`: hide counts below ``min_cell`` (no totals involved).
- :func:`write_report`: one self-contained HTML report of a stratification.
- :func:`quality_html`, :func:`missingness_html`: HTML fragments of a data-quality
  report and of a missingness report (what their ``to_html()`` returns).
- :func:`quality_page`: a data-quality report as a complete HTML page (what
  ``stratify validate --report`` writes).
"""

from .._utils.suppress import suppress_small_cells
from ._html import write_report
from ._quality_html import missingness_html, quality_html, quality_page
from ._table_one import suppress_small, table_one

__all__ = [
    "missingness_html",
    "quality_html",
    "quality_page",
    "suppress_small",
    "suppress_small_cells",
    "table_one",
    "write_report",
]
