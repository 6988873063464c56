"""Shared plumbing for figures."""

from __future__ import annotations

from typing import Any


def get_ax(ax: Any = None, figsize: tuple[float, float] = (6.0, 4.5)) -> Any:
    """Return ``ax`` or a new Axes on a new figure."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def group_colors(groups: Any) -> dict[Any, str]:
    """Okabe-Ito colour per group, in sorted group order (cycled beyond 8)."""
    from . import PALETTE

    ordered = sorted(set(groups), key=str)
    return {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(ordered)}
