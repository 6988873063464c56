"""The bottom layer: helpers that several subpackages share.

Every subpackage may import these modules; they import nothing else from
stratify. What lives here is small and generic, one copy of each:

- :mod:`stratify._utils.rows`: the offending-rows formatter of error messages
  (``"3 rows: p1, p7, p9"``) and the cap of 5 ids shown.
- :mod:`stratify._utils.checks`: input checks of numeric feature frames shared by
  the estimators (numeric columns, no empty column).
- :mod:`stratify._utils.validation`: :class:`Problem` and :class:`SchemaError`
  (re-exported by :mod:`stratify.data`) and the check of one numeric column
  against its schema variable.
- :mod:`stratify._utils.stats`: the standardized mean difference and its pooled SD.
- :mod:`stratify._utils.kinds`: the kind of a column (schema kind, else from its values).
- :mod:`stratify._utils.suppress`: small-cell suppression (re-exported as
  :func:`stratify.report.suppress_small_cells`).
"""
