"""The optional readers: openpyxl, pyreadstat and pyarrow, behind the extra ``formats``.

``pip install stratify`` reads CSV and TSV only; ``pip install "stratify[formats]"``
adds Excel (openpyxl), SPSS, Stata and SAS (pyreadstat) and Parquet (pyarrow).
Each is imported when a file of its kind is read or written, through
:func:`require`, whose error names the extra.
"""

from __future__ import annotations

import importlib
from types import ModuleType

EXTRA = "formats"
"""The extra of stratify that installs every optional reader."""

PACKAGES = {"openpyxl": "openpyxl", "pyreadstat": "pyreadstat", "pyarrow": "pyarrow"}
"""Module name -> distribution on the package index."""


def require(module: str, *, who: str) -> ModuleType:
    """Import an optional reader, or raise an ImportError naming the extra.

    Parameters
    ----------
    module : {"openpyxl", "pyreadstat", "pyarrow"}
    who : str
        What needs it, for the message (``"reading .sav files"``).

    Examples
    --------
    >>> require("no_such_module", who="reading .foo files")
    Traceback (most recent call last):
    ...
    ImportError: reading .foo files needs the optional package no_such_module, ... pip install "stratify[formats]"
    """
    distribution = PACKAGES.get(module, module)
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{who} needs the optional package {distribution}, which could not be imported "
            f"({exc}). Install it with: pip install \"stratify[{EXTRA}]\"") from exc
