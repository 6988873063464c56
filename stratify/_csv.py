"""Spreadsheet-safe CSV: every CSV file stratify writes goes through :func:`to_csv`.

A spreadsheet opening a CSV file runs a cell that starts with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return before one of them) as a formula:
a centre named ``=HYPERLINK("http://...", "open")`` in a harmonized export
becomes a link, a ``=cmd|...`` cell may run a command (CSV or formula
injection). Following the OWASP advice, :func:`neutralize` prefixes such text
cells with a single quote, which spreadsheets show as text.

A carriage return inside text becomes a line feed, so that the cell is quoted
and stays one cell (``"note\\r=1+1"`` would otherwise start a row whose
first cell is a formula). Only text is changed: numbers stay numbers (a float -1.5 is written as
``-1.5``), and so does text that is a plain decimal number (``"-1.5"``,
``"+3"``, ``"-2e-3"``), which a spreadsheet reads as that number, never as a
formula. Neutralization is one way: reading the file back gives the quoted
text (``'=HYPERLINK(...)``), visibly not the original value.
"""

from __future__ import annotations

import os
import re
from typing import IO, Any

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "neutralize", "to_csv"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n",
                    "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""First characters that make a spreadsheet read a cell as a formula (OWASP; a
line feed too, which some readers strip like a tab), with the full-width forms
that some East Asian locales also read as formulas."""

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _safe_text(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if "\r" in value:
        # the csv module quotes a field with a line feed, not one with a lone carriage
        # return, which a spreadsheet takes for a new row: "x\r=1+1" would start a cell
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _holds_text(values: pd.Series | pd.Index) -> bool:
    # numbers, booleans and dates are written by pandas as such, never as formulas
    return values.dtype == object or isinstance(values.dtype, (pd.StringDtype,
                                                                pd.CategoricalDtype))


def _safe_column(values: pd.Series) -> pd.Series:
    if not _holds_text(values):
        return values
    return values.astype(object).map(_safe_text)


def _safe_labels(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        levels = [_safe_labels(index.get_level_values(i)) for i in range(index.nlevels)]
        return pd.MultiIndex.from_arrays(levels, names=[_safe_text(n) for n in index.names])
    if not _holds_text(index):
        return index.rename(_safe_text(index.name))
    return pd.Index([_safe_text(v) for v in index], dtype=object, name=_safe_text(index.name))


def neutralize(frame: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """A copy of ``frame`` whose text cells, labels and names cannot run as formulas.

    Text that starts with one of :data:`FORMULA_PREFIXES` and is not a plain
    decimal number gets a leading single quote; numbers, booleans, missing
    values and all other text are unchanged. The same holds for the index,
    the column labels and their names.

    Parameters
    ----------
    frame : DataFrame or Series

    Returns
    -------
    DataFrame or Series
        A new object; ``frame`` is left untouched.

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify._csv import neutralize
    >>> df = pd.DataFrame({"center": ["=HYPERLINK(1)", "@SUM(A1)", "-", "C1"],
    ...                    "delta": [-1.5, 2.0, -3.0, 0.5],
    ...                    "note": ["-1.5", "+1+1", "\\tx", None]})
    >>> neutralize(df).to_dict("list")
    {'center': ["'=HYPERLINK(1)", "'@SUM(A1)", "'-", 'C1'], 'delta': [-1.5, 2.0, -3.0, 0.5], \
'note': ['-1.5', "'+1+1", "'\\tx", None]}
    """
    if isinstance(frame, pd.Series):
        out = _safe_column(frame).copy()
        out.index = _safe_labels(frame.index)
        return out.rename(_safe_text(frame.name))
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("The 'frame' parameter of neutralize must be a pandas DataFrame or "
                        f"Series. Got {type(frame).__name__} instead.")
    out = frame.copy()
    for i in range(frame.shape[1]):  # by position: duplicated labels stay apart
        out.isetitem(i, _safe_column(frame.iloc[:, i]))
    out.index = _safe_labels(frame.index)
    out.columns = _safe_labels(frame.columns)
    return out


def to_csv(frame: pd.DataFrame | pd.Series,
           path_or_buf: str | os.PathLike | IO[str] | None = None,
           **kwargs: Any) -> str | None:
    """``frame.to_csv(path_or_buf, **kwargs)`` after :func:`neutralize`.

    Every CSV file stratify writes (cohorts, result tables, labels, quality
    reports, synthetic data) goes through this function, so no cell of them
    starts a formula when the file is opened in a spreadsheet.

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify._csv import to_csv
    >>> frame = pd.DataFrame({"center": ["=1+1", "C2"], "delta": [-1.5, 2.0]})
    >>> print(to_csv(frame, index=False, lineterminator="\\n"))
    center,delta
    '=1+1,-1.5
    C2,2.0
    <BLANKLINE>
    """
    return neutralize(frame).to_csv(path_or_buf, **kwargs)
