"""Reading a cohort file or a centre export of any supported format: :func:`read_file`.

One reader per format, each returning the file's table as written plus what
the format knows about it (value labels, variable labels, declared missing
values) in ``frame.attrs``; :func:`_normalize` then gives every format the
same conventions as the CSV reader: an empty cell is missing, numeric
columns of the schema also read :data:`~stratify.data.NUMERIC_NA_VALUES`,
text columns keep every other text, patient ids are text.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._cohort import NUMERIC_NA_VALUES, _check_named_once, _read_delimited
from .._keys import _canonical
from .._schema import PSS_SCHEMA, Schema
from ._optional import require

__all__ = ["SUPPORTED", "file_format", "read_file"]

SUPPORTED = {
    ".csv": "CSV",
    ".tsv": "TSV (tab-separated)",
    ".xlsx": "Excel workbook",
    ".sav": "SPSS",
    ".dta": "Stata",
    ".sas7bdat": "SAS data set",
    ".xpt": "SAS transport (XPORT)",
    ".parquet": "Parquet",
}
"""The extensions :func:`read_file` reads, and what they are."""

_STAT_READERS = {"sav": "read_sav", "dta": "read_dta", "sas7bdat": "read_sas7bdat",
                 "xpt": "read_xport"}
_STAT_NAMES = {"sav": "an SPSS (.sav)", "dta": "a Stata (.dta)",
               "sas7bdat": "a SAS (.sas7bdat)", "xpt": "a SAS transport (.xpt)"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: encrypted OOXML or old .xls


def file_format(path: str | os.PathLike) -> str:
    """The format of a file by its extension (``"xlsx"``, ``"sav"``...).

    Examples
    --------
    >>> file_format("centre_A.SAV")
    'sav'
    >>> file_format("centre_A.xls")
    Traceback (most recent call last):
    ...
    ValueError: centre_A.xls: cannot read '.xls' files; stratify reads .csv, .tsv, .xlsx, .sav, .dta, .sas7bdat, .xpt and .parquet files (save an old .xls workbook as .xlsx).
    """
    suffix = Path(path).suffix.lower()
    if suffix not in SUPPORTED:
        known = list(SUPPORTED)
        listed = ", ".join(known[:-1]) + " and " + known[-1]
        hint = " (save an old .xls workbook as .xlsx)" if suffix == ".xls" else ""
        raise ValueError(f"{path}: cannot read {suffix or 'extension-less'!r} files; stratify "
                         f"reads {listed} files{hint}.")
    return suffix[1:]


def read_file(path: str | os.PathLike, schema: Schema | None = PSS_SCHEMA, *,
              sheet: str | int | None = None, **kwargs: Any) -> pd.DataFrame:
    """Read a table from a file of any supported format, chosen by its extension.

    ``.csv`` and ``.tsv`` are read as :func:`read_csv` reads them (checked
    before parsing); ``.xlsx`` with openpyxl, ``.sav``, ``.dta``,
    ``.sas7bdat`` and ``.xpt`` with pyreadstat, ``.parquet`` with pyarrow:
    these need the extra (``pip install "stratify[formats]"``), and an
    ``ImportError`` naming it says so. The table is not validated (see
    :meth:`stratify.Cohort.from_file`), but every format follows the CSV
    reader's rules:

    - missing values: an empty cell is missing in every column; numeric
      columns of ``schema`` also read :data:`NUMERIC_NA_VALUES` (``NA``,
      ``NULL``...) as missing; text columns keep every other text (a centre
      ``NA`` is a centre). SPSS user-missing codes and Stata/SAS extended
      missing values (``.a``) are missing, counted in
      ``attrs["declared_missing"]``;
    - ``patient_id`` and the text columns of ``schema`` are text (an id
      stored as the number ``7`` is ``"7"``), dates are dates
      (``datetime64``; in CSV files they stay text);
    - a header naming a column twice, a column with values but no name, a
      sheet or file without data rows, a damaged or encrypted file raise
      ``ValueError`` naming the file (and sheet) and what is wrong.

    What the format knows about the columns is kept in ``frame.attrs``:
    ``"source"`` (the path), ``"format"``, ``"sheet"`` (``.xlsx``),
    ``"value_labels"`` (``{column: {code: label}}``, SPSS and Stata),
    ``"variable_labels"`` (``{column: label}``), ``"declared_missing"``
    (``{column: count}``).

    Parameters
    ----------
    path : str or path-like
    schema : Schema or None, default=PSS_SCHEMA
        Which columns are numeric and which are text. ``None`` (a centre's
        export in its own names): every column of a CSV or TSV file is read as
        text, the other formats keep their types.
    sheet : str or int, optional
        ``.xlsx`` only: the worksheet (name or 0-based position). By default
        the one sheet that holds data; several such sheets are an error that
        lists them.
    **kwargs
        Passed to the format's reader: ``pandas.read_csv`` (CSV, TSV),
        pyreadstat's ``read_*`` (e.g. ``encoding="latin1"``),
        ``pandas.read_parquet``.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cohort.tsv"
    >>> _ = path.write_text("patient_id\\tcenter\\tage\\n007\\tNA\\tNA\\n")
    >>> frame = read_file(path)
    >>> frame.to_dict("records")
    [{'patient_id': '007', 'center': 'NA', 'age': nan}]
    >>> frame.attrs["format"]
    'tsv'
    """
    path = Path(path)
    fmt = file_format(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file.")
    if sheet is not None and fmt != "xlsx":
        raise ValueError(f"{path}: sheet={sheet!r} applies to .xlsx workbooks only; a "
                         f"{SUPPORTED['.' + fmt]} file has no sheets.")
    attrs: dict[str, Any] = {"source": str(path), "format": fmt}
    if fmt in ("csv", "tsv"):
        if schema is None:
            kwargs.setdefault("dtype", str)
        frame = _read_delimited(path, schema, "," if fmt == "csv" else "\t", **kwargs)
        where = str(path)
    elif fmt == "xlsx":
        if kwargs:
            raise TypeError(f"read_file: unexpected argument(s) {sorted(kwargs)} for an .xlsx "
                            f"workbook (only sheet=).")
        frame, attrs["sheet"] = _read_xlsx(path, sheet)
        where = f"{path}, sheet {attrs['sheet']!r}"
    elif fmt == "parquet":
        frame = _read_parquet(path, **kwargs)
        for key in ("value_labels", "variable_labels"):  # kept by write_file in the metadata
            if isinstance(frame.attrs.get(key), dict):
                attrs[key] = frame.attrs[key]
        where = str(path)
    else:
        frame, meta = _read_stat(path, fmt, **kwargs)
        attrs.update(meta)
        where = str(path)
    _check_names(list(frame.columns), where)
    if len(frame) == 0:
        raise ValueError(f"{where}: no patient: the file has a header but no data rows.")
    if fmt not in ("csv", "tsv"):
        frame = _normalize(frame, schema)
    frame.attrs = attrs
    return frame


def _check_names(names: list[Any], where: str) -> None:
    """Column names given once each, none blank (the CSV reader's header rules)."""
    text = [str(n) for n in names]
    blank = [i + 1 for i, n in enumerate(text) if not n.strip()]
    if blank:
        raise ValueError(f"{where}: header has empty column name(s) at position(s) {blank}.")
    _check_named_once(text, where)


# -- Excel --------------------------------------------------------------------------------

def _check_workbook_bytes(path: Path) -> None:
    """An encrypted workbook or an old .xls is a compound file, not a zip: say which."""
    with path.open("rb") as stream:
        head = stream.read(8)
        if head == _OLE_MAGIC:
            body = head + stream.read()
            if "EncryptedPackage".encode("utf-16-le") in body:
                raise ValueError(
                    f"{path}: the workbook is encrypted (password-protected), so it cannot be "
                    f"read. Open it in Excel, remove the password (File > Info > Protect "
                    f"Workbook > Encrypt with Password, empty) and save it again as .xlsx.")
            raise ValueError(f"{path}: this is an old binary Excel (.xls) workbook or another "
                             f"compound file with an .xlsx name; open it in Excel and save it "
                             f"as .xlsx.")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: not an .xlsx workbook (an .xlsx file is a zip archive; this "
                         f"one is damaged, truncated or of another kind).")


def _read_xlsx(path: Path, sheet: str | int | None) -> tuple[pd.DataFrame, str]:
    openpyxl = require("openpyxl", who="reading .xlsx workbooks")
    _check_workbook_bytes(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip, XML and openpyxl errors alike
        raise ValueError(f"{path}: could not be read as an .xlsx workbook ({type(exc).__name__}: "
                         f"{exc}); the file may be damaged.") from None
    try:
        name = _choose_sheet(path, book, sheet)
        rows = book[name].iter_rows(values_only=True)
        header = next(rows, None)
        data = list(rows)
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 - damaged sheet XML
        raise ValueError(f"{path}: the workbook could not be read ({type(exc).__name__}: "
                         f"{exc}); the file may be damaged.") from None
    finally:
        book.close()
    where = f"{path}, sheet {name!r}"
    return _sheet_frame(header, data, where), name


def _has_values(worksheet: Any) -> bool:
    for row in worksheet.iter_rows(max_row=3, values_only=True):
        if any(v is not None for v in row):
            return True
    return False


def _choose_sheet(path: Path, book: Any, sheet: str | int | None) -> str:
    names = list(book.sheetnames)
    if sheet is None:
        with_data = [n for n in names if _has_values(book[n])]
        if len(with_data) == 1:
            return with_data[0]
        if not with_data:
            raise ValueError(f"{path}: no sheet of the workbook holds data (sheets: {names}).")
        raise ValueError(f"{path}: the workbook has {len(with_data)} sheets with data "
                         f"({with_data}); choose one with sheet=, e.g. sheet={with_data[0]!r}.")
    if isinstance(sheet, (int, np.integer)) and not isinstance(sheet, bool):
        if not 0 <= int(sheet) < len(names):
            raise ValueError(f"{path}: no sheet at position {sheet}; the workbook has "
                             f"{len(names)} sheet(s): {names}.")
        return names[int(sheet)]
    if sheet not in names:
        import difflib

        close = difflib.get_close_matches(str(sheet), names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"{path}: no sheet named {sheet!r}{hint}; the workbook's sheets are "
                         f"{names}.")
    return str(sheet)


def _column_letter(position: int) -> str:
    letters = ""
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_frame(header: tuple | None, data: list[tuple], where: str) -> pd.DataFrame:
    """The sheet's table: the first row names the columns; empty rows at the end and
    empty unnamed columns are not data."""
    if header is None or all(h is None for h in header):
        raise ValueError(f"{where}: the first row (the header) is empty; the column names "
                         f"must be in the first row.")
    while data and all(v is None for v in data[-1]):
        data.pop()
    width = max(len(header), max((len(r) for r in data), default=0))
    names = [None if h is None else (_canonical(h) if not isinstance(h, str) else h)
             for h in header] + [None] * (width - len(header))
    values = np.empty((len(data), width), dtype=object)
    for i, row in enumerate(data):
        values[i, :len(row)] = row
    keep = []
    for j, name in enumerate(names):
        if name is None or not str(name).strip():
            filled = np.flatnonzero(pd.notna(values[:, j]))
            if filled.size:
                raise ValueError(f"{where}: column {_column_letter(j + 1)} holds values (e.g. "
                                 f"row {filled[0] + 2}) but has no name in the header row.")
            continue
        keep.append(j)
    frame = pd.DataFrame({j: values[:, j] for j in keep})
    frame.columns = [str(names[j]) for j in keep]
    return frame


# -- Parquet ------------------------------------------------------------------------------

def _read_parquet(path: Path, **kwargs: Any) -> pd.DataFrame:
    require("pyarrow", who="reading .parquet files")
    import pyarrow
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
    except (pyarrow.ArrowException, OSError) as exc:
        raise ValueError(f"{path}: not readable as a Parquet file ({exc}); the file may be "
                         f"damaged or of another kind.") from None
    _check_names([n for n in names if not n.startswith("__index_level_")], str(path))
    try:
        frame = pd.read_parquet(path, engine="pyarrow", **kwargs)
    except (pyarrow.ArrowException, OSError) as exc:
        raise ValueError(f"{path}: not readable as a Parquet file ({exc}).") from None
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
        frame = frame.reset_index()
    return frame


# -- SPSS, Stata, SAS ---------------------------------------------------------------------

def _read_stat(path: Path, fmt: str, **kwargs: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    pyreadstat = require("pyreadstat", who=f"reading .{fmt} files")
    options: dict[str, Any] = {"dates_as_pandas_datetime": True}
    if fmt != "xpt":
        options["user_missing"] = True
    options.update(kwargs)
    what = _STAT_NAMES[fmt]
    try:
        frame, meta = getattr(pyreadstat, _STAT_READERS[fmt])(os.fspath(path), **options)
    except stat_errors(pyreadstat) as exc:
        raise ValueError(f"{path}: not readable as {what} file ({exc}); the file may be "
                         f"damaged, truncated or of another kind.") from None
    except UnicodeError as exc:
        raise ValueError(f"{path}: the text of {what} file could not be decoded ({exc}); "
                         f"pass its encoding, e.g. encoding='latin1'.") from None
    declared = _declared_missing(frame, meta) if options.get("user_missing") else {}
    value_labels = {str(c): dict(labels) for c, labels in
                    (meta.variable_value_labels or {}).items() if labels}
    variable_labels = {str(c): str(label) for c, label in
                       (meta.column_names_to_labels or {}).items() if label}
    return frame, {"value_labels": value_labels, "variable_labels": variable_labels,
                   "declared_missing": declared}


def stat_errors(pyreadstat: Any) -> tuple[type[BaseException], ...]:
    """pyreadstat's exceptions (``PyreadstatError`` is top-level from 1.3 on)."""
    found = [getattr(pyreadstat, name, None) for name in ("ReadstatError", "PyreadstatError")]
    if not any(found):  # older layouts keep them in the parser module
        parser = getattr(pyreadstat, "_readstat_parser", None)
        found = [getattr(parser, name, None) for name in ("ReadstatError", "PyreadstatError")]
    return tuple(e for e in found if isinstance(e, type)) or (Exception,)


def _declared_missing(frame: pd.DataFrame, meta: Any) -> dict[str, int]:
    """Set the file's own missing codes to missing (SPSS user-missing values and ranges,
    Stata and SAS extended missing values read as letters); their count per column."""
    counts: dict[str, int] = {}
    types = getattr(meta, "readstat_variable_types", None) or {}
    ranges = getattr(meta, "missing_ranges", None) or {}
    for column in frame.columns:
        values = frame[column]
        gone = np.zeros(len(frame), dtype=bool)
        if values.dtype == object and types.get(column) not in (None, "string"):
            # numeric column holding letters: extended missing values .a to .z
            gone |= values.map(lambda v: isinstance(v, str)).to_numpy(bool)
        for spec in ranges.get(column, ()):
            lo, hi = spec.get("lo"), spec.get("hi")
            if isinstance(lo, str) or isinstance(hi, str):
                gone |= (values.astype(object) == lo).to_numpy(bool)
            elif lo is not None and hi is not None:
                numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
                gone |= (numbers >= lo) & (numbers <= hi)
        if gone.any():
            counts[str(column)] = int(gone.sum())
            frame[column] = values.mask(pd.Series(gone, index=values.index))
            if types.get(column) not in (None, "string"):
                frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return counts


# -- one convention for every format ------------------------------------------------------

def _normalize(frame: pd.DataFrame, schema: Schema | None) -> pd.DataFrame:
    """The CSV reader's conventions on a typed table (see :func:`read_file`)."""
    # the reader's own fresh frame: changed in place, column by column (no copy of the
    # columns that keep their values, which are most of a typed file's)
    frame.columns = [str(c) for c in frame.columns]
    for column in frame.columns:
        original = values = frame[column]
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            values = _tidy(values)
        var = None if schema is None else schema.get(column)
        if column == "patient_id" or (var is not None and not var.is_numeric):
            values = _as_text(values)
        elif var is not None and values.dtype == object:
            cells = values.to_numpy(dtype=object)
            na = np.isin(cells, list(NUMERIC_NA_VALUES)) & np.array(
                [isinstance(v, str) for v in cells], dtype=bool)
            if na.any():
                cells = cells.copy()
                cells[na] = None
            values = pd.Series(cells, index=values.index, name=column).infer_objects()
        if values is not original:
            frame[column] = values
    return frame


def _tidy(values: pd.Series) -> pd.Series:
    """An object column with empty text as missing, then its own type (numbers, dates)."""
    cells = values.to_numpy(dtype=object, na_value=None)
    empty = cells == ""
    if np.any(empty):
        cells = cells.copy()
        cells[empty] = None
    series = pd.Series(cells, index=values.index, name=values.name, dtype=object)
    if all(v is None for v in cells):
        return series
    return series.infer_objects()


def _as_text(values: pd.Series) -> pd.Series:
    """Text as written; numbers as their shortest text (``7.0`` is ``"7"``); missing kept."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    cells = values.to_numpy(dtype=object, na_value=None)
    out = [v if isinstance(v, str) or v is None else _text_of(v) for v in cells]
    return pd.Series(out, index=values.index, name=values.name, dtype=object)


def _text_of(value: Any) -> Any:
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    return _canonical(value)


def supported_files(folder: str | os.PathLike) -> list[Path]:
    """The files of a folder that :func:`read_file` reads, sorted by name."""
    return sorted(p for p in Path(folder).iterdir()
                  if p.is_file() and p.suffix.lower() in SUPPORTED and not p.name.startswith("."))
