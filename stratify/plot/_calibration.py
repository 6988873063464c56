"""Calibration plot shared by classifiers (per class) and risk models (per horizon)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ._axes import get_ax, group_colors

__all__ = ["calibration"]


def calibration(table: pd.DataFrame, *, by: str | None = None, ax: Any = None,
                title: str = "Calibration") -> Any:
    """Observed against predicted probability, one line per group.

    Parameters
    ----------
    table : DataFrame
        One row per bin with columns ``predicted`` and ``observed`` (mean
        predicted and observed probability in the bin), optionally
        ``observed_lower``/``observed_upper`` (a confidence interval) and a
        grouping column named by ``by`` (e.g. ``"class"`` or ``"horizon"``).
        This is the format returned by the calibration tables of
        :mod:`stratify.classify` and :mod:`stratify.survival`.
    by : str, optional
        Column distinguishing lines.
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.plot import calibration
    >>> table = pd.DataFrame({"predicted": [0.1, 0.5, 0.9], "observed": [0.12, 0.45, 0.88]})
    >>> ax = calibration(table)
    >>> ax.get_xlabel()
    'Predicted probability'
    """
    missing = {"predicted", "observed"} - set(table.columns)
    if missing:
        raise ValueError(f"calibration table lacks column(s) {sorted(missing)}.")
    ax = get_ax(ax, (5.0, 5.0))
    if table[["predicted", "observed"]].dropna().empty:
        ax.text(0.5, 0.5, "no calibration bin to draw", ha="center", va="center",
                transform=ax.transAxes, color="grey")
        ax.set_title(title)
        return ax
    groups = [(None, table)] if by is None else list(table.groupby(by, sort=True))
    colors = group_colors([g for g, _ in groups])
    for group, sub in groups:
        sub = sub.sort_values("predicted")
        label = None if group is None else f"{by} {group}"
        ax.plot(sub["predicted"], sub["observed"], "o-", color=colors[group], label=label)
        if {"observed_lower", "observed_upper"} <= set(sub.columns):
            ax.fill_between(sub["predicted"], sub["observed_lower"], sub["observed_upper"],
                            color=colors[group], alpha=0.2, linewidth=0)
    hi = float(max(table["predicted"].max(), table["observed"].max(), 0.05)) * 1.05
    ax.plot([0, hi], [0, hi], ls="--", color="grey", lw=1, label="perfect calibration")
    ax.set_xlim(0, hi)
    ax.set_ylim(0, hi)
    ax.set_xlabel("Predicted probability")
    ax.set_ylabel("Observed proportion")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize="small")
    return ax
