"""Kaplan-Meier and cumulative incidence curves, with numbers at risk."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._axes import get_ax, group_colors

__all__ = ["cumulative_incidence", "kaplan_meier"]


def _nothing_to_draw(ax: Any, title: str) -> Any:
    """An empty panel that says so (every curve empty, e.g. cut where few remain at risk)."""
    ax.text(0.5, 0.5, "no curve to draw", ha="center", va="center", transform=ax.transAxes,
            color="grey")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    return ax


def _label(group: Any, groups: list[Any]) -> str | None:
    return None if groups == ["all"] else str(group)


def _step(ax: Any, curve: pd.DataFrame, value: str, color: str, label: str | None,
          ci: bool, linestyle: str = "-") -> None:
    time = curve["time"].to_numpy(float)
    ax.step(time, curve[value].to_numpy(float), where="post", color=color, label=label,
            linestyle=linestyle, lw=1.6)
    if ci and {"lower", "upper"} <= set(curve.columns):
        ax.fill_between(time, curve["lower"].to_numpy(float), curve["upper"].to_numpy(float),
                        step="post", color=color, alpha=0.15, linewidth=0)


def _at_risk_rows(ax: Any, at_risk: pd.DataFrame, colors: dict[Any, str]) -> None:
    """Numbers at risk under the x axis, one row per group, aligned on the time ticks.

    Each row is the tick labels of a twin x axis set further down, so that the
    figure's layout makes room for the table.
    """
    from matplotlib.transforms import ScaledTranslation

    ticks = at_risk.columns.to_numpy(float)
    right = float(ax.get_xlim()[1])
    ax.set_xticks(ticks)
    ax.set_xlim(0, right)
    start, step = 44.0, 13.0  # points below the axes: clear of the tick labels and x label
    rows: list[tuple[str, str | None, list[str]]] = [("At risk", None, [""] * ticks.size)]
    rows += [(str(g), colors[g], [f"{int(v)}" for v in counts.to_numpy()])
             for g, counts in at_risk.iterrows()]
    for i, (name, color, labels) in enumerate(rows):
        twin = ax.twiny()
        twin.set_xlim(0, right)
        twin.xaxis.set_ticks_position("bottom")
        twin.xaxis.set_label_position("bottom")
        twin.spines["bottom"].set_position(("outward", start + i * step))
        for spine in twin.spines.values():
            spine.set_visible(False)
        twin.set_xticks(ticks, labels)
        twin.tick_params(axis="x", length=0, labelsize="small", pad=0)
        # The row name is the twin's y label: the layout makes room for its width.
        twin.yaxis.set_visible(True)
        twin.tick_params(axis="y", left=False, labelleft=False, right=False, labelright=False)
        twin.set_ylabel(name, fontsize="small", color=color or "black", rotation=0,
                        ha="right", va="top", fontweight="bold" if color is None else "normal")
        offset = ScaledTranslation(-14 / 72, -(start + i * step) / 72,
                                   ax.figure.dpi_scale_trans)
        twin.yaxis.set_label_coords(0.0, 0.0, transform=ax.transAxes + offset)


def kaplan_meier(result: Any, *, ax: Any = None, at_risk: bool = True, ci: bool = True,
                 title: str = "Lymphoma-free survival", xlabel: str = "Years",
                 ylabel: str = "Survival probability") -> Any:
    """Kaplan-Meier curves per group with 95 % bands and a numbers-at-risk table.

    Parameters
    ----------
    result : KaplanMeierResult
        From :func:`stratify.survival.kaplan_meier`.
    ax : matplotlib Axes, optional
    at_risk : bool, default=True
        Draw the numbers at risk under the axes, at the x ticks.
    ci : bool, default=True
        Shade the 95 % confidence bands.
    title, xlabel, ylabel : str

    Returns
    -------
    matplotlib Axes
        A group without any curve point (e.g. one cut where fewer than a
        handful of patients remain at risk) is left out of the legend; when
        no group has one, the panel says "no curve to draw".

    Examples
    --------
    >>> from stratify.survival import kaplan_meier as fit_km, make_target
    >>> from stratify.plot import kaplan_meier
    >>> y = make_target([2.0, 3.0, 4.0, 5.0, 6.0, 8.0], [1, 0, 1, 1, 0, 1])
    >>> ax = kaplan_meier(fit_km(y, ["a", "a", "a", "b", "b", "b"]))
    >>> ax.get_ylabel(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('Survival probability', ['a', 'b'])
    """
    ax = get_ax(ax, (6.5, 5.0))
    if result.curves.empty:
        return _nothing_to_draw(ax, title)
    colors = group_colors(result.groups)
    for group in result.groups:
        curve = result.curves[result.curves["group"] == group]
        if len(curve):
            _step(ax, curve, "survival", colors[group], _label(group, result.groups), ci)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, float(result.curves["time"].max()) * 1.02)
    if at_risk:
        _at_risk_rows(ax, result.at_risk, colors)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if result.groups != ["all"]:
        ax.legend(frameon=False, fontsize="small", title=None)
    return ax


def cumulative_incidence(result: Any, *, ax: Any = None, competing: bool = True,
                         at_risk: bool = True, ci: bool = True,
                         title: str = "Cumulative incidence of lymphoma",
                         xlabel: str = "Years",
                         ylabel: str = "Cumulative incidence") -> Any:
    """Cumulative incidence of lymphoma (solid) and of death (dashed) per group.

    Parameters
    ----------
    result : CumulativeIncidenceResult
        From :func:`stratify.survival.cumulative_incidence`.
    ax : matplotlib Axes, optional
    competing : bool, default=True
        Also draw the cumulative incidence of death without lymphoma (dashed).
    at_risk : bool, default=True
        Numbers at risk under the axes.
    ci : bool, default=True
        Shade the 95 % bands of the lymphoma curves.
    title, xlabel, ylabel : str

    Returns
    -------
    matplotlib Axes
        Groups without curve points are left out, as in :func:`kaplan_meier`.

    Examples
    --------
    >>> from stratify.survival import cumulative_incidence as fit_cif
    >>> from stratify.plot import cumulative_incidence
    >>> result = fit_cif([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [1, 2, 1, 0, 2, 1],
    ...                  ["a", "a", "a", "b", "b", "b"])
    >>> ax = cumulative_incidence(result)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['a: lymphoma', 'a: death', 'b: lymphoma', 'b: death']
    """
    ax = get_ax(ax, (6.5, 5.0))
    title = title + (" (death as competing risk)" if competing else "")
    if result.curves.empty:
        return _nothing_to_draw(ax, title)
    colors = group_colors(result.groups)
    single = result.groups == ["all"]
    top = 0.0
    for group in result.groups:
        rows = result.curves[result.curves["group"] == group]
        causes = [("lymphoma", "-", ci)] + ([("death", "--", False)] if competing else [])
        for cause, style, band in causes:
            curve = rows[rows["cause"] == cause]
            if curve.empty:
                continue
            label = cause if single else f"{group}: {cause}"
            _step(ax, curve, "incidence", colors[group], label, band, style)
            top = max(top, float(np.nanmax(curve[["incidence", "upper"]].to_numpy()
                                           if band else curve["incidence"].to_numpy())))
    ax.set_ylim(0, min(1.0, max(top * 1.1, 0.05)))
    ax.set_xlim(0, float(result.curves["time"].max()) * 1.02)
    if at_risk:
        _at_risk_rows(ax, result.at_risk, colors)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize="small")
    return ax
