"""Figures of the data-quality report: completeness by centre, drift between centres."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..data import display_name
from ._axes import get_ax, group_colors

__all__ = ["completeness_heatmap", "drift"]

_ANNOTATE_MAX_CELLS = 150


def completeness_heatmap(report: Any, ax: Any = None, *, annotate: bool | None = None) -> Any:
    """Fraction of patients with a value, per centre (rows) and variable (columns).

    Parameters
    ----------
    report : QualityReport
        From :func:`stratify.data.quality_report`.
    ax : matplotlib Axes, optional
    annotate : bool, optional
        Write the percentage in each cell; default when there are at most
        150 cells.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stratify.data import quality_report
    >>> from stratify.plot import completeness_heatmap
    >>> df = pd.DataFrame({"patient_id": [f"p{i}" for i in range(40)],
    ...                    "center": np.repeat(["A", "B"], 20),
    ...                    "age": np.linspace(30, 70, 40),
    ...                    "focus_score": [1.0] * 20 + [np.nan] * 20})
    >>> ax = completeness_heatmap(quality_report(df))
    >>> [t.get_text() for t in ax.get_yticklabels()], ax.get_title()
    (['A', 'B'], 'Completeness by centre')
    """
    table = report.to_frame()
    table = table[table["variable"] != "patient_id"]
    matrix = table.pivot(index="center", columns="variable", values="completeness")
    matrix = matrix.reindex(index=report.centres,
                            columns=list(dict.fromkeys(table["variable"])))
    n_rows, n_cols = matrix.shape
    ax = get_ax(ax, (max(6.0, 0.25 * n_cols + 2), max(3.0, 0.4 * n_rows + 1.5)))
    image = ax.imshow(matrix.to_numpy(dtype=float), cmap="viridis", vmin=0, vmax=1,
                      aspect="auto", interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label="fraction observed")
    ax.set_xticks(np.arange(n_cols), [display_name(c) for c in matrix.columns], rotation=90,
                  fontsize=8 if n_cols > 30 else 9)
    ax.set_yticks(np.arange(n_rows), matrix.index)
    if annotate is None:
        annotate = n_rows * n_cols <= _ANNOTATE_MAX_CELLS
    if annotate:
        for i in range(n_rows):
            for j in range(n_cols):
                value = matrix.iat[i, j]
                if np.isfinite(value):
                    # dark text on the bright (yellow) end of viridis, white elsewhere
                    ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=7,
                            color="black" if value > 0.6 else "white")
    ax.set_xlabel("variable")
    ax.set_ylabel(report.by or "centre")
    ax.set_title("Completeness by centre")
    return ax


def drift(report: Any, ax: Any = None, *, top: int = 20) -> Any:
    """The largest drifts between a centre and the other centres, with the flag thresholds.

    One row per (variable, centre) among the ``top`` largest ``|drift|``:
    standardized mean differences (circles) and differences in proportion
    (squares) share the axis; dashed lines mark the SMD threshold and dotted
    lines the proportion threshold. With a case-mix adjustment, hollow
    markers show the adjusted drift. When a drift exceeds 3, the axis turns
    symmetric-logarithmic beyond ±1 so the other rows stay readable.

    Parameters
    ----------
    report : QualityReport
    ax : matplotlib Axes, optional
    top : int, default=20

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stratify.data import quality_report
    >>> from stratify.plot import drift
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"patient_id": [f"p{i}" for i in range(200)],
    ...                    "center": np.repeat(["A", "B"], 100),
    ...                    "igg_g_l": np.r_[rng.normal(14, 4, 100), rng.normal(18, 4, 100)]})
    >>> ax = drift(quality_report(df))
    >>> ax.get_xlabel()
    'drift against the other centres (SMD or difference in proportion)'
    """
    table = report.to_frame()
    table = table[table["drift"].notna()].copy()
    ax = get_ax(ax, (7.0, 0.3 * min(top, max(len(table), 1)) + 1.8))
    if table.empty:
        ax.text(0.5, 0.5, "no drift estimate (one centre or too few values)",
                ha="center", va="center", transform=ax.transAxes)
    else:
        table["size"] = table["drift"].abs()
        table = table.sort_values("size", ascending=False, kind="stable").head(top)
        table = table.iloc[::-1]
        y = np.arange(len(table))
        colors = group_colors(report.centres)
        proportion = table["drift_measure"].to_numpy() != "smd"
        for centre in report.centres:
            for marker, keep in (("o", ~proportion), ("s", proportion)):
                rows = (table["center"].to_numpy() == centre) & keep
                if not rows.any():
                    continue
                ax.scatter(table["drift"].to_numpy()[rows], y[rows], marker=marker,
                           color=colors[centre], zorder=3,
                           label=str(centre) if marker == "o" or not (~proportion).any() else
                           None)
                adjusted = table["drift_adjusted"].to_numpy()[rows]
                if np.isfinite(adjusted).any():
                    ax.scatter(adjusted, y[rows], marker=marker, facecolors="none",
                               edgecolors=colors[centre], zorder=3)
        ax.set_yticks(y, [f"{display_name(v)} ({c})"
                          for v, c in zip(table["variable"], table["center"])])
        for limit, style, label in ((report.drift_threshold, "--", "SMD threshold"),
                                    (report.proportion_threshold, ":", "proportion threshold")):
            ax.axvline(limit, color="grey", ls=style, lw=1, label=label)
            ax.axvline(-limit, color="grey", ls=style, lw=1)
        ax.axvline(0, color="black", lw=0.8)
        if np.isfinite(table["drift_adjusted"].to_numpy(dtype=float)).any():
            ax.scatter([], [], marker="o", facecolors="none", edgecolors="grey",
                       label="within case-mix strata")
        if table["size"].max() > 3:
            # a unit error (SMD of 5 or 50) would squash every other row against zero
            ax.set_xscale("symlog", linthresh=1.0)
        handles, labels = ax.get_legend_handles_labels()
        unique = dict(zip(labels, handles))
        # beside the axes: inside, it covered the points of the top rows
        ax.legend(unique.values(), unique.keys(), fontsize=8, loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, title=report.by or "centre")
        ax.margins(x=0.08)  # no marker clipped at the edges
    ax.set_xlabel("drift against the other centres (SMD or difference in proportion)")
    ax.set_ylabel("variable (centre)")
    ax.set_title("Largest drifts between centres")
    return ax
