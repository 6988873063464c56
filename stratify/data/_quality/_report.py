"""The data-quality report object: :class:`QualityReport`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..._utils.suppress import MIN_CELL
from ..._utils.suppress import small_count_texts as _suppress
from .._missingness import MissingnessReport
from .._prepare import ID
from ._table import _protect_table, _share


@dataclass(eq=False)
class QualityReport:
    """Data quality per centre and variable, with the findings behind each flag.

    Made by :func:`quality_report`; see there for the rules and thresholds.

    Attributes
    ----------
    problems : DataFrame
        Plausibility findings: ``center``, ``variable``, ``rule``,
        ``severity`` (``impossible`` or ``review``), ``n`` and ``rows`` (up to
        5 patient ids, never values).
    missingness : MissingnessReport
        Missing-data patterns, Little's MCAR test and predictors of missingness.
    rules : DataFrame
        Every plausibility rule with its severity and rationale; ``checked``
        says whether the data held the columns it needs.
    centres : list of str
    n_patients : int
    by : str or None
        The centre column (None: one group).
    case_mix : list of str
        Variables within whose strata drift was re-estimated.
    drift_threshold, proportion_threshold, min_completeness, alpha : float
        The thresholds used.
    notes : list of str
        Anything the reader must know about how the data were read.
    """

    table: pd.DataFrame
    problems: pd.DataFrame
    missingness: MissingnessReport
    rules: pd.DataFrame
    centres: list[str]
    n_patients: int
    by: str | None
    case_mix: list[str]
    drift_threshold: float
    proportion_threshold: float
    min_completeness: float
    alpha: float
    notes: list[str] = field(default_factory=list)
    _protected: dict[int, pd.DataFrame] = field(default_factory=dict, init=False, repr=False)

    def __repr__(self) -> str:
        flagged = self.flags()
        return (f"QualityReport({self.n_patients} patients, {len(self.centres)} centres, "
                f"{self.table['variable'].nunique()} variables, {len(flagged)} flagged rows)")

    def to_frame(self, min_cell: int = MIN_CELL) -> pd.DataFrame:
        """One row per centre and variable (the ``patient_id`` rows hold the duplicates).

        Columns: ``center``, ``variable``, ``kind``, ``n`` (patients in the
        centre), ``n_observed``, ``completeness``, ``n_implausible``,
        ``drift``, ``drift_measure`` (``smd``, ``proportion_difference`` or
        ``max_proportion_difference``), ``drift_se``, ``drift_adjusted``
        (within case-mix strata; NaN without ``case_mix``),
        ``drift_reference_excluded`` (centres left out of the reference
        because they drift themselves), and the boolean
        flags ``flag_incomplete``, ``flag_never_measured``,
        ``flag_implausible``, ``flag_drift`` and ``flag_drift_adjusted``
        (the drift still beyond its threshold after the case-mix adjustment;
        equal to ``flag_drift`` without ``case_mix``).

        Small cells are hidden (``<NA>``, an empty field in a CSV file) so that
        the frame can be shared: centre sizes from 1 to ``min_cell - 1``, with
        a second centre size so that the number of patients does not give
        them away; per variable, the observed and missing counts of each
        centre as a table centres x (observed, missing) with its totals,
        protected by :func:`stratify.report.suppress_small_cells`; the
        implausible counts per variable across centres likewise; and a
        completeness whenever its numerator or its denominator is hidden.
        ``min_cell=1`` gives every count.
        """
        if min_cell <= 1:
            return self.table.copy()
        if min_cell not in self._protected:  # the report, its CSV and figures ask several times
            self._protected[min_cell] = _protect_table(self.table, self.centres, min_cell)
        return self._protected[min_cell].copy()

    def flags(self, min_cell: int = MIN_CELL) -> pd.DataFrame:
        """The flagged rows of :meth:`to_frame`, with a ``reason`` in words."""
        table = self.to_frame(min_cell)
        flag_cols = ["flag_incomplete", "flag_never_measured", "flag_implausible", "flag_drift"]
        flagged = table[table[flag_cols].any(axis=1)].copy()
        flagged["reason"] = [self._reason(row, table) for row in flagged.itertuples(index=False)]
        return flagged.reset_index(drop=True)

    def _reason(self, row: Any, table: pd.DataFrame) -> str:
        parts = []
        if row.flag_never_measured:
            others = table[(table["variable"] == row.variable) & (table["center"] != row.center)]
            if others["n_observed"].notna().all() and others["n"].notna().all():
                share = others["n_observed"].sum() / max(others["n"].sum(), 1)
                parts.append(f"never measured in this centre (other centres: {share:.0%} "
                             "complete)")
            else:
                parts.append("never measured in this centre")
        elif row.flag_incomplete:
            parts.append(f"completeness {_share(row.completeness)} < "
                         f"{self.min_completeness:.0%}")
        if row.flag_implausible:
            found = self.problems[(self.problems["center"] == row.center)
                                  & (self.problems["variable"] == row.variable)]
            count = row.n_implausible
            if pd.isna(count):
                raw = self.table.loc[(self.table["center"] == row.center)
                                     & (self.table["variable"] == row.variable),
                                     "n_implausible"].iloc[0]
                count = f"<{MIN_CELL}" if raw < MIN_CELL else "(s)"
            parts.append(f"{count} implausible value(s): "
                         + ", ".join(dict.fromkeys(found["rule"])))
        if row.flag_drift:
            label = "SMD" if row.drift_measure == "smd" else "difference in proportion"
            limit = self._threshold(row.drift_measure)
            against = "the other centres"
            if row.drift_reference_excluded:
                against += f" except {row.drift_reference_excluded}"
            text = f"drift against {against}: {label} {row.drift:+.2f} (threshold {limit:g})"
            if self.case_mix:
                verdict = ("persists: suspect measurement or coding" if row.flag_drift_adjusted
                           else "explained by case mix")
                text += (f"; within strata of {', '.join(self.case_mix)}: "
                         f"{row.drift_adjusted:+.2f}, {verdict}")
            parts.append(text)
        return "; ".join(parts)

    def _threshold(self, measure: str) -> float:
        return self.drift_threshold if measure == "smd" else self.proportion_threshold

    def summary(self) -> str:
        """The report in a few lines of text."""
        t = self.table[self.table["variable"] != ID]
        lines = [f"Data quality: {self.n_patients} patients, {len(self.centres)} centre(s), "
                 f"{t['variable'].nunique()} variables."]
        lines += [f"Note: {note}." for note in self.notes]
        never = t[t["flag_never_measured"]]
        if len(never):
            lines.append("Never measured: " + "; ".join(
                f"{c}: {', '.join(g['variable'])}" for c, g in never.groupby("center")))
        incomplete = t[t["flag_incomplete"] & ~t["flag_never_measured"]]
        lines.append(f"{len(incomplete)} centre-variable pairs under "
                     f"{self.min_completeness:.0%} complete.")
        if len(self.problems):
            by_severity = self.problems.groupby("severity")["n"].sum()
            lines.append("Plausibility: " + ", ".join(
                f"{_suppress(pd.Series([n]))[0]} {s}" for s, n in by_severity.items())
                + " finding(s) in rules "
                + ", ".join(dict.fromkeys(self.problems["rule"])) + ".")
        else:
            lines.append("Plausibility: no finding.")
        drift = t[t["flag_drift"]]
        if len(drift):
            worst = drift.reindex(drift["drift"].abs().sort_values(ascending=False).index)
            shown = ", ".join(f"{r.variable} in {r.center} ({r.drift:+.2f})"
                              for r in worst.head(5).itertuples())
            lines.append(f"Drift flagged in {len(drift)} centre-variable pairs: {shown}"
                         + (" ..." if len(drift) > 5 else "") + ".")
            if self.case_mix:
                persists = int(drift["flag_drift_adjusted"].sum())
                lines.append(f"After adjusting for {', '.join(self.case_mix)}: {persists} "
                             f"persist, {len(drift) - persists} explained by case mix.")
        else:
            lines.append("Drift: none flagged.")
        lines.append(self.missingness.summary())
        return "\n".join(lines)

    def to_html(self, *, full_page: bool = False) -> str:
        """The report in HTML: summary, flags, figures, missingness.

        By default a fragment (no ``<html>``/``<body>``) to place in a page;
        ``full_page=True`` gives a complete page with its doctype, charset,
        title and stylesheet (what ``stratify validate --report`` writes).
        Figures are embedded as base64 PNG; counts from 1 to 4 are shown as
        ``<5`` and no patient identifier is written. Rendered by
        :func:`stratify.report.quality_html` and
        :func:`stratify.report.quality_page`.
        """
        # the report layer renders (declared in .importlinter)
        from ...report import quality_html, quality_page

        return quality_page(self) if full_page else quality_html(self)
