"""Writing a table in any format :func:`read_file` reads: :func:`write_file`."""

from __future__ import annotations

import datetime
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..._csv import to_csv
from .._keys import _canonical
from ._optional import require
from ._read import file_format, stat_errors

__all__ = ["write_file"]

_STAT_WRITERS = {"sav": "write_sav", "dta": "write_dta", "xpt": "write_xport",
                 "sas7bdat": "write_sas7bdat"}
_LABELLED = ("sav", "dta")
"""Formats that store value labels in the file (Parquet keeps them in its metadata)."""


def write_file(frame: pd.DataFrame, path: str | os.PathLike, *,
               value_labels: Mapping[str, Mapping[Any, str]] | None = None,
               variable_labels: Mapping[str, str] | None = None,
               sheet: str = "data") -> Path:
    """Write a table in the format of the file's extension (as :func:`read_file` reads them).

    The index is not written (reset it first to keep it). ``.csv`` and
    ``.tsv`` are spreadsheet-safe text; ``.xlsx`` one worksheet (numbers,
    text and dates as cells of their type; text that starts with ``=`` stays
    text, never a formula); ``.sav``, ``.dta``, ``.xpt`` and ``.sas7bdat``
    through pyreadstat, ``.parquet`` through pyarrow (extra
    ``stratify[formats]``).

    A column mixing numbers and text is written as text in the formats whose
    columns have one type (all but CSV, TSV and Excel), numbers as their
    shortest text. Value labels are written where the format has them
    (``.sav``, ``.dta``; Stata labels integer codes only) and kept in the
    metadata of ``.parquet``; variable labels in ``.sav``, ``.dta``,
    ``.xpt``, ``.sas7bdat`` and ``.parquet``. Column names must suit the
    format (SPSS: no blanks; Stata and SAS: letters, digits and ``_``, at most
    32 characters); a name that does not is a ``ValueError`` naming it.

    Parameters
    ----------
    frame : DataFrame
    path : str or path-like
    value_labels : dict of str to dict, optional
        ``{column: {code: label}}``; by default ``frame.attrs["value_labels"]``.
    variable_labels : dict of str to str, optional
        ``{column: label}``; by default ``frame.attrs["variable_labels"]``.
    sheet : str, default="data"
        The worksheet's name (``.xlsx``).

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> from stratify.data import read_file
    >>> from stratify import Cohort
    >>> frame = pd.DataFrame({"patient_id": ["001", "002"], "sex": [1, 2], "age": [54.5, 61]})
    >>> path = write_file(frame, pathlib.Path(tempfile.mkdtemp()) / "cohort.sav",
    ...                   value_labels={"sex": {1: "F", 2: "M"}})
    >>> read_file(path).attrs["value_labels"]
    {'sex': {1.0: 'F', 2.0: 'M'}}
    >>> Cohort.from_file(path).data  # the labelled codes of a text variable: its labels
               sex   age
    patient_id
    001          F  54.5
    002          M  61.0
    """
    path = Path(path)
    fmt = file_format(path)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"write_file expects a DataFrame; got {type(frame).__name__}.")
    value_labels = dict(frame.attrs.get("value_labels") or {}) if value_labels is None \
        else dict(value_labels)
    variable_labels = dict(frame.attrs.get("variable_labels") or {}) if variable_labels is None \
        else dict(variable_labels)
    frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
    if fmt in ("csv", "tsv"):
        to_csv(frame, path, index=False, sep="," if fmt == "csv" else "\t",
               lineterminator="\n")
    elif fmt == "xlsx":
        _write_xlsx(frame, path, sheet)
    elif fmt == "parquet":
        require("pyarrow", who="writing .parquet files")
        typed = _one_type_a_column(frame)
        typed.attrs = {"value_labels": _json_labels(value_labels),
                       "variable_labels": {str(k): str(v) for k, v in variable_labels.items()}}
        typed.to_parquet(path, index=False, engine="pyarrow")
    else:
        _write_stat(frame, path, fmt, value_labels, variable_labels)
    return path


def _json_labels(value_labels: Mapping[str, Mapping[Any, str]]) -> dict[str, dict[str, str]]:
    return {str(c): {str(_canonical(k)): str(v) for k, v in labels.items()}
            for c, labels in value_labels.items()}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) \
        and not isinstance(value, (bool, np.bool_))


def _missing(value: Any) -> bool:
    return value is None or value is pd.NaT or value is pd.NA \
        or (isinstance(value, float) and math.isnan(value))


def _one_type_a_column(frame: pd.DataFrame) -> pd.DataFrame:
    """Each object column as numbers, dates or text (numbers as their shortest text)."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        if values.dtype != object:
            out[column] = values
            continue
        cells = values.to_numpy(dtype=object)
        present = [v for v in cells if not _missing(v)]
        if present and all(_is_number(v) for v in present):
            out[column] = pd.to_numeric(values.where(values.notna(), np.nan), errors="coerce")
        elif present and all(isinstance(v, (datetime.date, pd.Timestamp)) for v in present):
            out[column] = pd.to_datetime(values)
        else:
            text = [None if _missing(v) else v if isinstance(v, str) else str(_canonical(v))
                    for v in cells]
            out[column] = pd.Series(text, index=values.index, dtype=object)
    return pd.DataFrame(out, index=frame.index)


def _write_stat(frame: pd.DataFrame, path: Path, fmt: str,
                value_labels: Mapping[str, Mapping[Any, str]],
                variable_labels: Mapping[str, str]) -> None:
    pyreadstat = require("pyreadstat", who=f"writing .{fmt} files")
    writer = getattr(pyreadstat, _STAT_WRITERS[fmt], None)
    if writer is None:
        raise ImportError(f"writing .{fmt} files needs a newer pyreadstat (this one, "
                          f"{getattr(pyreadstat, '__version__', '?')}, has no "
                          f"{_STAT_WRITERS[fmt]}; 1.3 has it): pip install -U pyreadstat.")
    typed = _one_type_a_column(frame).reset_index(drop=True)
    for column in typed.columns:  # text columns: missing as empty text, as the formats store it
        if typed[column].dtype == object:
            typed[column] = typed[column].where(typed[column].notna(), "")
    options: dict[str, Any] = {}
    labels = {c: text for c, text in variable_labels.items() if c in typed.columns}
    if labels:
        options["column_labels"] = labels
    if fmt in _LABELLED:
        coded = {c: {_code(k): str(v) for k, v in lab.items()}
                 for c, lab in value_labels.items() if c in typed.columns and lab}
        if coded:
            options["variable_value_labels"] = coded
    if fmt == "xpt":
        options["file_format_version"] = 8
    errors: tuple[type[BaseException], ...] = (*stat_errors(pyreadstat), ValueError, TypeError)
    try:
        writer(typed, os.fspath(path), **options)
    except errors as exc:
        raise ValueError(f"{path}: could not be written as .{fmt} ({exc}).") from None


def _code(key: Any) -> Any:
    """A value label's code as the number (or text) the file stores."""
    if isinstance(key, str):
        try:
            number = float(key)
        except ValueError:
            return key
        return int(number) if number.is_integer() else number
    if isinstance(key, (float, np.floating)) and float(key).is_integer():
        return int(key)
    return key.item() if isinstance(key, np.generic) else key


def _write_xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> None:
    openpyxl = require("openpyxl", who="writing .xlsx workbooks")
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    worksheet = book.create_sheet(title=sheet)
    worksheet.append([_xlsx_text(worksheet, str(c), WriteOnlyCell) for c in frame.columns])
    columns = [frame[c].to_numpy(dtype=object) for c in frame.columns]
    for i in range(len(frame)):
        worksheet.append([_xlsx_cell(worksheet, col[i], WriteOnlyCell) for col in columns])
    book.save(path)


def _xlsx_text(worksheet: Any, text: str, cell_type: Any) -> Any:
    if text.startswith("="):  # text, never a formula
        cell = cell_type(worksheet, value=text)
        cell.data_type = "s"
        return cell
    return text


def _xlsx_cell(worksheet: Any, value: Any, cell_type: Any) -> Any:
    if _missing(value):
        return None
    if isinstance(value, str):
        return _xlsx_text(worksheet, value, cell_type)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value

