"""Forest plot shared by hazard ratios and treatment effects by subgroup."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._axes import get_ax

__all__ = ["forest"]


def forest(table: pd.DataFrame, *, estimate: str = "estimate", lower: str = "lower",
           upper: str = "upper", label: str | None = None, null: float = 0.0,
           log: bool = False, xlabel: str = "Effect (95% CI)", ax: Any = None,
           title: str | None = None) -> Any:
    """Point estimates with confidence intervals, one row per line of ``table``.

    Parameters
    ----------
    table : DataFrame
        Columns ``estimate``, ``lower``, ``upper``; labels from column
        ``label`` or, if None, the index.
    null : float, default=0.0
        Reference line (0 for differences, 1 for ratios).
    log : bool, default=False
        Log-scaled x axis (hazard or odds ratios).
    xlabel, title : str
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.plot import forest
    >>> t = pd.DataFrame({"estimate": [1.5, 0.8], "lower": [1.1, 0.5], "upper": [2.0, 1.3]},
    ...                  index=["low C4", "RF"])
    >>> ax = forest(t, null=1.0, log=True, xlabel="Hazard ratio")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['low C4', 'RF']
    """
    for col in (estimate, lower, upper):
        if col not in table.columns:
            raise ValueError(f"forest table lacks column {col!r}.")
    labels = table[label].astype(str).tolist() if label else table.index.astype(str).tolist()
    n = len(table)
    ax = get_ax(ax, (6.0, 0.45 * n + 1.2))
    y = np.arange(n)[::-1]
    est = table[estimate].to_numpy(float)
    err = np.vstack([est - table[lower].to_numpy(float), table[upper].to_numpy(float) - est])
    ax.errorbar(est, y, xerr=err, fmt="s", color="#0072B2", ecolor="#0072B2", capsize=3)
    ax.axvline(null, color="grey", ls="--", lw=1)
    ax.set_yticks(y, labels)
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    return ax
