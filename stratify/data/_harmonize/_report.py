"""What harmonization did with every export column and value: :class:`HarmonizationReport`."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

_HIDDEN = "<withheld: identifier-like column>"
"""The value shown instead of the values of an identifier-like column."""


@dataclass
class HarmonizationReport:
    """What harmonization did with every export column and value, per centre.

    Every dict is keyed by centre; column names are the centres' own export
    names. Values are centre codes or text found where a number was expected;
    values of identifier-like columns (patient id, birth date, names) are
    never shown.

    Attributes
    ----------
    n_rows_in, n_rows_out : dict of str to int
        Rows in each export, and rows in the harmonized frame.
    unmapped_columns : dict of str to list of str
        Export columns the mapping neither maps nor ignores (left out).
    unmapped_values : dict of str to dict of str to dict of str to int
        Per centre and export column: values not in the code list, not a
        schema level, not a number or not a date in the given format, with
        their counts. They became missing. These values are export text (a
        free-text field may hold a name), so the text of the report and the
        warnings give counts only; only ``to_frame()`` lists them, to fix the
        mapping, and is not for sharing.
    ignored_columns : dict of str to list of str
        Export columns the mapping lists under ``ignore``.
    absent_columns : dict of str to list of str
        Columns the mapping expects that the export does not have.
    sentinels : dict of str to dict of str to int
        Per centre and export column, how many values were sentinels (or
        codes mapped to missing) and became missing.
    excluded_rows : dict of str to dict of str to int
        Per centre, rows left out and the reason.
    files : dict of str to str
        Per centre read from a file: the file, its format (and sheet).
    unmatched_files : list of str
        Files of the folder given to ``transform`` that no centre of the
        mapping claims (not read).
    n_columns_in : dict of str to int
        Columns in each export.
    mapped_columns : dict of str to dict of str to str
        Per centre, each export column mapped and what it became
        (``"igg_g_l (scale 0.01)"``).
    converted_columns : dict of str to list of str
        Export columns whose values were converted on the way (code list,
        unit, date, value labels), not only renamed.
    labels_used : dict of str to dict of str to int
        Per centre and export column, values mapped through their value label
        (SPSS, Stata, REDCap).
    labelled_missing : dict of str to dict of str to dict of str to int
        Per centre and export column, values set to missing because their
        value label means missing (``"not done"``, ``"unknown"``; see
        :data:`stratify.data.MISSING_LABELS`) or is a sentinel, by label.

    Examples
    --------
    >>> report = HarmonizationReport(
    ...     n_rows_in={"A": 3}, n_rows_out={"A": 3}, unmapped_columns={"A": ["notes"]},
    ...     unmapped_values={"A": {"SSA": {"?": 1}}})
    >>> report.clean
    False
    >>> report.to_frame()[["centre", "item", "column", "count"]]
      centre             item column  count
    0      A          rows_in   <NA>      3
    1      A         rows_out   <NA>      3
    2      A   unmapped_column  notes      1
    3      A    unmapped_value    SSA      1
    """

    n_rows_in: dict[str, int] = field(default_factory=dict)
    n_rows_out: dict[str, int] = field(default_factory=dict)
    unmapped_columns: dict[str, list[str]] = field(default_factory=dict)
    unmapped_values: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)
    absent_columns: dict[str, list[str]] = field(default_factory=dict)
    sentinels: dict[str, dict[str, int]] = field(default_factory=dict)
    excluded_rows: dict[str, dict[str, int]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    unmatched_files: list[str] = field(default_factory=list)
    n_columns_in: dict[str, int] = field(default_factory=dict)
    mapped_columns: dict[str, dict[str, str]] = field(default_factory=dict)
    converted_columns: dict[str, list[str]] = field(default_factory=dict)
    labels_used: dict[str, dict[str, int]] = field(default_factory=dict)
    labelled_missing: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)

    @property
    def centres(self) -> list[str]:
        """The centres harmonized, in order."""
        return list(self.n_rows_in)

    @property
    def clean(self) -> bool:
        """True when no column and no value was left unmapped."""
        return not (any(self.unmapped_columns.values()) or self.unmatched_files
                    or any(any(v.values()) for v in self.unmapped_values.values()))

    def to_frame(self) -> pd.DataFrame:
        """One row per centre and finding: ``centre, item, column, value, count``.

        ``item`` is one of ``file`` (the file in ``value``), ``rows_in``,
        ``columns_in``, ``rows_out``, ``mapped_column`` (the schema column and
        how in ``value``), ``converted_column``, ``unmapped_column``,
        ``unmapped_value``, ``ignored_column``, ``absent_column``,
        ``sentinel``, ``value_labels`` (values mapped by their label),
        ``labelled_missing`` (the label in ``value``), ``excluded_rows`` (with
        the reason in ``value``) and ``unmatched_file`` (centre ``<none>``).
        """
        rows: list[tuple] = []
        na = pd.NA
        for centre in dict.fromkeys([*self.n_rows_in, *self.unmapped_columns,
                                     *self.unmapped_values]):
            if centre in self.files:
                rows.append((centre, "file", na, self.files[centre], 1))
            if centre in self.n_rows_in:
                rows.append((centre, "rows_in", na, na, self.n_rows_in[centre]))
            if centre in self.n_columns_in:
                rows.append((centre, "columns_in", na, na, self.n_columns_in[centre]))
            if centre in self.n_rows_out:
                rows.append((centre, "rows_out", na, na, self.n_rows_out[centre]))
            rows += [(centre, "mapped_column", col, how, 1)
                     for col, how in self.mapped_columns.get(centre, {}).items()]
            rows += [(centre, "converted_column", col, self.mapped_columns.get(centre, {})
                      .get(col, na), 1) for col in self.converted_columns.get(centre, [])]
            rows += [(centre, "value_labels", col, na, n)
                     for col, n in self.labels_used.get(centre, {}).items()]
            for col, labels in self.labelled_missing.get(centre, {}).items():
                rows += [(centre, "labelled_missing", col, label, n)
                         for label, n in labels.items()]
            for item, columns in (("unmapped_column", self.unmapped_columns),
                                  ("ignored_column", self.ignored_columns),
                                  ("absent_column", self.absent_columns)):
                rows += [(centre, item, col, na, 1) for col in columns.get(centre, [])]
            for col, values in self.unmapped_values.get(centre, {}).items():
                rows += [(centre, "unmapped_value", col, value, n) for value, n in values.items()]
            for col, n in self.sentinels.get(centre, {}).items():
                rows.append((centre, "sentinel", col, na, n))
            for reason, n in self.excluded_rows.get(centre, {}).items():
                rows.append((centre, "excluded_rows", na, reason, n))
        rows += [("<none>", "unmatched_file", na, path, 1) for path in self.unmatched_files]
        frame = pd.DataFrame(rows, columns=["centre", "item", "column", "value", "count"])
        frame = frame.astype({"centre": "string", "item": "string", "column": "string",
                              "value": "string", "count": "int64"})
        return frame

    def __str__(self) -> str:
        total_in, total_out = sum(self.n_rows_in.values()), sum(self.n_rows_out.values())
        lines = [f"Harmonization report: {len(self.n_rows_in)} centre(s), {total_in} row(s) in, "
                 f"{total_out} out" + ("" if self.clean else " - UNMAPPED items below")]
        for centre in self.centres:
            lines.append(f"centre {centre!r}: {self.n_rows_in[centre]} rows in, "
                         f"{self.n_rows_out.get(centre, 0)} out")
            if centre in self.files:  # read from a file: what was read, mapped, converted
                mapped = self.mapped_columns.get(centre, {})
                lines.append(f"  read {self.files[centre]}: {self.n_columns_in.get(centre, 0)} "
                             f"columns; {len(mapped)} mapped, "
                             f"{len(self.converted_columns.get(centre, []))} of them converted, "
                             f"{len(self.unmapped_columns.get(centre, []))} left out, "
                             f"{len(self.ignored_columns.get(centre, []))} ignored")
            if self.labels_used.get(centre):
                lines.append("  values mapped by their value label: " + ", ".join(
                    f"{col!r} x {n}" for col, n in self.labels_used[centre].items()))
            for col, labels in self.labelled_missing.get(centre, {}).items():
                lines.append(f"  labelled missing in {col!r}: " + ", ".join(
                    f"{label!r} x {n}" for label, n in labels.items()))
            for label, columns in (("unmapped columns (left out)", self.unmapped_columns),
                                   ("ignored columns", self.ignored_columns),
                                   ("mapped columns absent from the export",
                                    self.absent_columns)):
                if columns.get(centre):
                    lines.append(f"  {label}: {', '.join(columns[centre])}")
            values = self.unmapped_values.get(centre, {})
            if values:
                # counts only: a free-text field's values may name the patient
                lines.append("  unmapped values (set to missing):")
                lines += [f"    {col!r}: {_count_values(counts)}"
                          for col, counts in values.items()]
            if self.sentinels.get(centre):
                lines.append("  sentinels set to missing: " + ", ".join(
                    f"{col!r} x {n}" for col, n in self.sentinels[centre].items()))
            for reason, n in self.excluded_rows.get(centre, {}).items():
                lines.append(f"  rows excluded: {n} ({reason})")
        if self.unmatched_files:
            lines.append(f"files that no centre claims (not read): {self.unmatched_files}")
        return "\n".join(lines)

    def _summary(self, limit: int = 12) -> str:
        """A short account of the unmapped items, for warnings and errors."""
        items = []
        if self.unmatched_files:
            items.append(f"files that no centre claims (not read): {self.unmatched_files}")
        for centre, columns in self.unmapped_columns.items():
            if columns:
                items.append(f"centre {centre!r}: unmapped column(s) {columns}")
        for centre, per_column in self.unmapped_values.items():
            for col, counts in per_column.items():
                items.append(f"centre {centre!r}, column {col!r}: {_count_values(counts)}")
        text = "\n  - ".join(items[:limit])
        more = f"\n  ... and {len(items) - limit} more" if len(items) > limit else ""
        return f"  - {text}{more}"


def _count_values(counts: dict[str, int]) -> str:
    """Unmapped values told by their number, never by their text."""
    distinct = [v for v in counts if v != _HIDDEN]
    text = f"{sum(counts.values())} unmapped value(s)"
    if distinct:
        text += f", {len(distinct)} distinct (listed in report_.to_frame())"
    return text
