"""Files of every format registries export: Excel, SPSS, Stata, SAS, Parquet, REDCap.

The parts, one job each:

- ``_optional``: the optional packages (openpyxl, pyreadstat, pyarrow) behind
  the extra ``stratify[formats]``, imported when a file needs one;
- ``_read``: :func:`read_file`, one reader per extension, one convention
  for missing values, ids and dates, the metadata in ``frame.attrs``;
- ``_write``: :func:`write_file`, the same formats written (value labels and
  variable labels where the format has them);
- ``_redcap``: :func:`read_redcap`, a REDCap export (raw or labelled) with its
  data dictionary, one row per record, the choices as value labels;
- ``_labels``: value labels: which labels mean missing
  (:data:`MISSING_LABELS`), labelled codes of a cohort file as labels.
"""

from ._labels import MISSING_LABELS, apply_cohort_labels, label_lookup, means_missing
from ._read import SUPPORTED, file_format, read_file, supported_files
from ._redcap import read_redcap, redcap_choices
from ._write import write_file

__all__ = ["MISSING_LABELS", "SUPPORTED", "apply_cohort_labels", "file_format",
           "label_lookup", "means_missing", "read_file", "read_redcap", "redcap_choices",
           "supported_files", "write_file"]
