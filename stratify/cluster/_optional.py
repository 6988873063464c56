"""Optional packages: umap-learn and hdbscan, each behind one option.

Neither is installed by ``pip install stratify``; the extras install them
(``stratify[umap]``, ``stratify[hdbscan]``, ``stratify[all]``). The option
that needs one imports it through :func:`require`, which names the extra
when the package is missing.
"""

from __future__ import annotations

import importlib
from types import ModuleType

EXTRAS = {"umap": ("umap-learn", "umap"), "hdbscan": ("hdbscan", "hdbscan")}
"""Module name -> (distribution on the package index, extra of stratify)."""


def require(module: str, *, who: str) -> ModuleType:
    """Import an optional module, or raise an ImportError naming the extra.

    Parameters
    ----------
    module : {"umap", "hdbscan"}
        The module to import.
    who : str
        The option that needs it, for the message (``'Embedder(method="umap")'``).

    Returns
    -------
    module

    Raises
    ------
    ImportError
        The package is not installed (or fails to import); the message says
        which extra installs it.

    Examples
    --------
    >>> require("hdbscan", who='ConsensusClustering(method="hdbscan")').__name__
    'hdbscan'
    """
    distribution, extra = EXTRAS[module]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{who} needs the optional package {distribution}, which could not be imported "
            f"({exc}). Install it with: pip install \"stratify[{extra}]\" "
            "(or \"stratify[all]\" for every optional package).") from exc
