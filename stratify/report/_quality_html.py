"""HTML of the data-quality and missingness reports.

The data layer (:func:`stratify.data.quality_report`,
:func:`stratify.data.missingness_report`) computes the tables; this module
renders them, with small counts shown as ``"<5"`` or ``"(s)"`` and no patient
identifier. ``QualityReport.to_html()`` and ``MissingnessReport.to_html()`` call
these functions.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from .._utils.suppress import MIN_CELL, TOTAL, small_count_texts, suppress_small_cells
from ._html import _CSS, _FIGURE_CHECK, _figure_html, _table_html

__all__ = ["missingness_html", "quality_html", "quality_page"]

_MAX_FLAGS = 20


def _shorten(text: str, most: int = 8) -> str:
    names = text.split(", ")
    return text if len(names) <= most else ", ".join(names[:most]) + f", ... (+{len(names) - most})"


def missingness_html(report: Any) -> str:
    """An HTML fragment of a missingness report: patterns, pairs, MCAR test, predictors.

    Parameters
    ----------
    report : MissingnessReport
        As returned by :func:`stratify.data.missingness_report` (or the
        ``missingness`` attribute of a quality report).

    Returns
    -------
    str
        HTML without ``<html>``/``<body>``; pattern counts under 5 are shown as
        ``"<5"``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stratify.data import missingness_report
    >>> from stratify.report import missingness_html
    >>> df = pd.DataFrame({"age": np.arange(40.0), "bmi": [np.nan] * 8 + [25.0] * 32})
    >>> fragment = missingness_html(missingness_report(df))
    >>> "<h4>Most frequent missing-data patterns</h4>" in fragment
    True
    """
    patterns = report.patterns.copy()
    patterns["n"] = small_count_texts(patterns["n"])
    patterns["missing_variables"] = patterns["missing_variables"].map(_shorten)
    parts = [f"<p>{html.escape(str(report.mcar))}</p>",
             "<h4>Most frequent missing-data patterns</h4>", _table_html(patterns)]
    if len(report.together):
        parts += ["<h4>Variables missing together</h4>", _table_html(report.together)]
    if len(report.predictors):
        parts += ["<h4>Is missingness predictable from observed data?</h4>",
                  '<p class="note">Cross-validated AUC of a logistic model of each '
                  "variable's missingness on the other variables and the centre; "
                  "near 0.5: unrelated to observed data.</p>",
                  _table_html(report.predictors)]
    return "".join(parts)


def _protect_findings(problems: pd.DataFrame, min_cell: int) -> pd.Series:
    """Counts of findings as text, hidden so that the totals by severity (in the
    summary) do not give a small one away."""
    shown = pd.Series("", index=problems.index, dtype=object)
    for _severity, rows in problems.groupby("severity", sort=False):
        counts = suppress_small_cells(rows["n"].astype("int64").reset_index(drop=True),
                                      min_cell).drop(TOTAL)
        marks = [small_count_texts(pd.Series([n]), min_cell)[0]
                 if pd.notna(c) or 0 < n < min_cell else "(s)"
                 for n, c in zip(rows["n"], counts, strict=True)]
        shown[rows.index] = marks
    return shown


_FLAG_KINDS = [("flag_never_measured", "never measured"),
               ("flag_implausible", "implausible values"),
               ("flag_incomplete", "incomplete"),
               ("flag_drift", "drift between centres")]


def _ranked_flags(flags: pd.DataFrame) -> pd.DataFrame:
    """The flagged rows, most serious first: a variable never measured, implausible values
    (most first), incomplete (least complete first), then drift (largest first)."""
    # every flag column is in QualityReport.flags(); False sorts before True
    incomplete = flags["flag_incomplete"]
    ranked = flags.assign(
        _never=~flags["flag_never_measured"],
        _implausible=~flags["flag_implausible"],
        _n_implausible=-flags["n_implausible"].fillna(0),
        _incomplete=~incomplete,
        _completeness=flags["completeness"].where(incomplete, 1.0).fillna(1.0),
        _drift=-flags["drift"].abs().fillna(0.0))
    keys = ["_never", "_implausible", "_n_implausible", "_incomplete", "_completeness",
            "_drift"]
    return ranked.sort_values(keys, kind="stable").drop(columns=keys)


def _flag_counts(flags: pd.DataFrame) -> str:
    """"142 flagged rows: 120 drift between centres, 15 incomplete, ..." (a row may count
    under several kinds)."""
    parts = [f"{int(flags[column].sum())} {label}" for column, label in _FLAG_KINDS
             if flags[column].any()]
    return f"{len(flags)} flagged row(s): " + ", ".join(parts) + "."


def _flags_table(report: Any, flags: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """The flagged rows as printed: hidden counts as ``"<5"`` or ``"(s)"``."""
    shown = flags[["center", "variable", "n", "n_observed", "completeness",
                   "n_implausible", "drift", "drift_adjusted", "reason"]].copy()
    raw = report.table.set_index(["center", "variable"])
    keys = pd.MultiIndex.from_frame(shown[["center", "variable"]])
    for col in ("n", "n_observed", "n_implausible"):
        counts = raw[col].reindex(keys).to_numpy()
        marks = np.where((counts > 0) & (counts < min_cell), f"<{min_cell}", "(s)")
        shown[col] = shown[col].astype(object).where(shown[col].notna(), marks)
    if not report.case_mix:
        shown = shown.drop(columns="drift_adjusted")
    return shown


def quality_html(report: Any) -> str:
    """An HTML fragment of a data-quality report: summary, flags, figures, missingness.

    Parameters
    ----------
    report : QualityReport
        As returned by :func:`stratify.data.quality_report`.

    Returns
    -------
    str
        HTML without ``<html>``/``<body>``. Figures are embedded as base64
        PNG; counts from 1 to 4 are shown as ``<5`` and no patient identifier
        is written.

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.data import quality_report
    >>> from stratify.report import quality_html
    >>> df = pd.DataFrame({"patient_id": [f"p{i}" for i in range(40)],
    ...                    "center": ["A"] * 20 + ["B"] * 20,
    ...                    "age": [40.0 + i % 9 for i in range(40)]})
    >>> fragment = quality_html(quality_report(df))
    >>> fragment.startswith('<div class="stratify-quality">')
    True
    """
    from .. import plot

    min_cell = MIN_CELL
    summary = "".join(f"<p>{html.escape(line)}</p>" for line in report.summary().splitlines())
    flags = report.flags()
    body = [f'<div class="stratify-quality">{summary}', "<h3>Flags</h3>"]
    if len(flags):
        ranked = _ranked_flags(flags)
        body.append(f"<p>{html.escape(_flag_counts(flags))}</p>")
        shown = _flags_table(report, ranked, min_cell).head(_MAX_FLAGS).reset_index(drop=True)
        body.append(_table_html(shown, float_format="{:.2f}"))
        if len(flags) > _MAX_FLAGS:
            body.append(f'<p class="note">The {_MAX_FLAGS} most serious of {len(flags)} '
                        "flagged rows (never measured, implausible values, incomplete, then "
                        "by size of drift); every row is in quality_report.csv.</p>")
    else:
        body.append("<p>No flag.</p>")
    if len(report.problems):
        problems = (report.problems.groupby(["center", "variable", "rule", "severity"],
                                            sort=False)["n"].sum().reset_index())
        problems["n"] = _protect_findings(problems, min_cell)
        body += ["<h3>Plausibility findings</h3>", _table_html(problems)]
    n_centres, n_vars = len(report.centres), report.table["variable"].nunique()
    body.append("<h3>Completeness</h3>")
    body.append(_figure_html(lambda ax: plot.completeness_heatmap(report, ax=ax),
                             "completeness by centre and variable",
                             (min(max(6.0, 0.22 * n_vars + 2), 24.0),
                              max(3.0, 0.35 * n_centres + 2.2))))
    if len(report.centres) > 1 and report.table["drift"].notna().any():
        body.append("<h3>Drift between centres</h3>")
        body.append(_figure_html(lambda ax: plot.drift(report, ax=ax), "drift", (7.0, 5.5)))
    body += ["<h3>Missing data</h3>", missingness_html(report.missingness), "</div>"]
    return "".join(body)


def quality_page(report: Any, *, title: str = "Data-quality report") -> str:
    """A complete HTML page of a data-quality report, to open in a browser.

    The page is what ``stratify validate FILE --report DIR`` writes: a
    document with its doctype, UTF-8 charset, title and the stylesheet of the
    stratification report around :func:`quality_html` (figures embedded, no
    other file needed, nothing loaded from the network).

    Parameters
    ----------
    report : QualityReport
        As returned by :func:`stratify.data.quality_report`.
    title : str, default="Data-quality report"
        The page's title and heading (escaped).

    Returns
    -------
    str
        ``<!DOCTYPE html>`` to ``</html>``.

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.data import quality_report
    >>> from stratify.report import quality_page
    >>> df = pd.DataFrame({"patient_id": [f"p{i}" for i in range(40)],
    ...                    "center": ["A"] * 20 + ["B"] * 20,
    ...                    "age": [40.0 + i % 9 for i in range(40)]})
    >>> page = quality_page(quality_report(df), title="cohort.csv")
    >>> page.startswith("<!DOCTYPE html>"), "<title>cohort.csv</title>" in page
    (True, True)
    """
    heading = html.escape(title)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{heading}</title><style>{_CSS}</style></head><body>"
            f"<h1>{heading}</h1>{quality_html(report)}{_FIGURE_CHECK}</body></html>")
