"""Figures. Every function takes ``ax=`` (or ``fig=``), draws fitted results
(never fits anything), imports matplotlib inside, and returns what it drew.

- subgroups: :func:`embedding`, :func:`consensus`, :func:`consensus_cdf`,
  :func:`profile_heatmap`, :func:`stability`;
- classifiers and explanations: :func:`shap_summary`, :func:`waterfall`,
  :func:`panel_curve`, :func:`confusion_matrix`, :func:`calibration`, :func:`forest`;
- survival: :func:`kaplan_meier`, :func:`cumulative_incidence`;
- data quality: :func:`completeness_heatmap`, :func:`drift`.

:data:`PALETTE`: colour-blind-safe (Okabe-Ito) for groups; viridis/RdBu for maps.
"""

from __future__ import annotations

import importlib
from typing import Any

_LOCATIONS = {
    # cluster
    "embedding": "_cluster",
    "consensus": "_cluster",
    "consensus_cdf": "_cluster",
    "profile_heatmap": "_cluster",
    "stability": "_cluster",
    # classify and explain
    "shap_summary": "_explain",
    "waterfall": "_explain",
    "panel_curve": "_explain",
    "confusion_matrix": "_explain",
    # shared
    "calibration": "_calibration",
    "forest": "_forest",
    # survival
    "kaplan_meier": "_survival",
    "cumulative_incidence": "_survival",
    # data quality
    "completeness_heatmap": "_quality",
    "drift": "_quality",
}

__all__ = sorted([*_LOCATIONS, "PALETTE"])

PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # green
    "#CC79A7",  # purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
"""Okabe-Ito colour-blind-safe palette, in the order groups are coloured."""


def __getattr__(name: str) -> Any:
    if name in _LOCATIONS:
        module = importlib.import_module(f"stratify.plot.{_LOCATIONS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'stratify.plot' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
