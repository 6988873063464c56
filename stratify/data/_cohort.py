"""The Cohort: validated patient data, its schema and (for synthetic data) the truth."""

from __future__ import annotations

import codecs
import csv
import os
import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from .._csv import to_csv
from .._utils.rows import MAX_SHOWN as MAX_ROWS_SHOWN
from .._utils.rows import row_ids as _row_ids
from ._schema import BLOCKS, PSS_SCHEMA, Schema
from ._validate import Problem, SchemaError, _validate, separator_message, validate

__all__ = ["Cohort", "read_csv", "write_csv", "identifier_columns", "check_disjoint",
           "NUMERIC_NA_VALUES"]

NUMERIC_NA_VALUES = ("", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NULL", "null",
                     "None", "#N/A", "#N/A N/A", "#NA", "<NA>", "-1.#IND", "-1.#QNAN",
                     "1.#IND", "1.#QNAN")
"""Fields read as missing in numeric columns (pandas' list). Text columns (``center``,
``sex``, ``patient_id``, columns the schema does not know) take only the empty field as
missing, so that a centre coded ``NA`` or ``None`` stays that centre."""

CHUNK_ROWS = 20_000
"""Rows read and validated at a time by :meth:`Cohort.from_csv`."""

# Column names that look like direct identifiers (GDPR Art. 4; HIPAA Safe Harbor list).
_IDENTIFIER_PATTERN = re.compile(
    r"(^|_)(first_?name|last_?name|surname|given_?name|full_?name|name|"
    r"dob|date_?of_?birth|birth_?date|birthday|address|street|postcode|zip|zip_?code|"
    r"phone|telephone|mobile|email|e_?mail|ssn|social_?security|nhs_?number|mrn|"
    r"medical_?record(_?number)?|passport|insurance_?number)($|_)",
    re.IGNORECASE,
)


def identifier_columns(columns: Iterable[str]) -> list[str]:
    """Columns whose name looks like a direct identifier (name, birth date, address...).

    Examples
    --------
    >>> identifier_columns(["age", "Last_Name", "date_of_birth", "phone", "rf"])
    ['Last_Name', 'date_of_birth', 'phone']
    """
    return [c for c in map(str, columns) if _IDENTIFIER_PATTERN.search(c.replace(" ", "_"))]


def _refuse_identifiers(columns: Iterable[str]) -> None:
    flagged = identifier_columns(columns)
    if flagged:
        raise SchemaError([Problem(c, "looks like a direct identifier; remove it or pass "
                                      "allow_identifiers=True") for c in flagged])


def read_csv(path: str | os.PathLike, schema: Schema = PSS_SCHEMA, **kwargs) -> pd.DataFrame:
    """Read a CSV file defensively and as written: every failure names the file and the rule.

    Empty files, header-only files (no patient), undecodable bytes, a header
    naming a column twice (pandas would rename the copy ``mol_MX1.1``, a new
    gene), a header that is one column holding ``;``, tabs or ``|`` (another
    delimiter) and rows whose number of fields differs from the header
    (truncated or overlong rows) raise ``ValueError`` naming the file and the
    line or column positions, before any parsing into numbers.

    Missing values: an empty field is missing in every column; numeric
    columns of ``schema`` also read :data:`NUMERIC_NA_VALUES` (``NA``,
    ``NaN``, ``NULL``, ``None``, ``#N/A`` ...) as missing. Text columns keep
    every other text as written: a centre coded ``NA`` or ``None`` is not a
    missing centre.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cohort.csv"
    >>> _ = path.write_text("patient_id,age\\n001,50\\n002,61,7\\n")
    >>> read_csv(path)
    Traceback (most recent call last):
    ...
    ValueError: ...cohort.csv: 1 line(s) do not have the 2 fields of the header ... line(s) 3.
    >>> _ = path.write_text("patient_id,age\\n001,50\\n")
    >>> read_csv(path)["patient_id"].tolist()  # ids stay text: leading zeros kept
    ['001']
    >>> _ = path.write_text("patient_id,center,age\\n001,NA,NA\\n")
    >>> row = read_csv(path).iloc[0]  # the centre called NA; a missing age
    >>> row["center"], bool(pd.isna(row["age"]))
    ('NA', True)
    """
    return _read_delimited(Path(path), schema, ",", **kwargs)


def _check_named_once(names: list[str], where: str) -> None:
    """Refuse a header naming a column twice (pandas would read the second as ``name.1``)."""
    repeated = {name: [i + 1 for i, h in enumerate(names) if h == name]
                for name in dict.fromkeys(names) if names.count(name) > 1}
    if repeated:
        shown = "; ".join(f"{name!r} at positions {pos}" for name, pos in repeated.items())
        raise ValueError(f"{where}: {len(repeated)} column name(s) appear more than once in "
                         f"the header ({shown}); each column must be named once.")


def _read_delimited(path: Path, schema: Schema | None, sep: str, **kwargs: Any) -> pd.DataFrame:
    """:func:`read_csv` for a file delimited by ``sep`` (``","`` or a tab); ``schema=None``:
    no column is numeric by the schema, so every column takes only the empty field as
    missing."""
    header, _ = _scan(path, sep)
    kwargs.setdefault("keep_default_na", False)
    kwargs.setdefault("na_values", _na_values(header, schema))
    kwargs.setdefault("dtype", {"patient_id": str})
    try:
        return pd.read_csv(path, sep=sep, encoding="utf-8-sig", **kwargs)
    except pd.errors.ParserError as exc:  # e.g. a quote left open until the end of the file
        raise ValueError(f"{path}: malformed {_KIND[sep]} ({exc}).") from None


_KIND = {",": "CSV", "\t": "TSV"}
_SEPARATED = {",": "comma-separated values (with '.' as the decimal mark)",
              "\t": "tab-separated values"}


def _scan(path: Path, sep: str = ",") -> tuple[list[str], int]:
    """Check a CSV (or, with ``sep="\\t"``, TSV) file in one streaming pass; its header
    and number of data rows.

    The bytes are read in blocks (UTF-8 and NUL checks) and the lines one at a
    time (header and field counts), so memory does not grow with the file.
    """
    kind = _KIND[sep]
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file.")
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, blank = 0, True
    with path.open("rb") as stream:
        while block := stream.read(1 << 22):
            if b"\x00" in block:
                raise ValueError(f"{path}: contains NUL bytes; it is not a text {kind} file.")
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                raise ValueError(f"{path}: not valid UTF-8 (byte {offset + exc.start}); "
                                 "re-save the file as UTF-8.") from None
            blank = blank and not block.strip()
            offset += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ValueError(f"{path}: not valid UTF-8 (the file ends inside a character); "
                             "re-save the file as UTF-8.") from None
    if blank:
        raise ValueError(f"{path}: the file is empty.")
    # plain utf-8 (C decoder) and the byte-order mark dropped by hand: utf-8-sig decodes
    # in Python, which tripled the time of this pass
    with path.open(encoding="utf-8", newline="") as stream:
        rows = csv.reader(stream, delimiter=sep)
        try:
            header = next(rows)
            if header:
                header[0] = header[0].removeprefix("\ufeff")
            width = len(header)
            if width == 1 and sep == ",":
                message = separator_message(header[0], pandas_hint=False)
                if message is not None:
                    raise ValueError(f"{path}: {message}.")
            elif width == 1:
                for mark, name in ((";", "semicolons"), ("|", "vertical bars"),
                                   (",", "commas")):
                    if mark in header[0]:
                        raise ValueError(
                            f"{path}: the header is one column holding {name}: it looks like "
                            f"{mark!r}-separated, not tab-separated. Save it as "
                            f"{_SEPARATED[sep]}.")
            bad_lines, n_rows = [], 0
            for row in rows:
                if row:
                    n_rows += 1
                    if len(row) != width:
                        bad_lines.append(rows.line_num)
        except csv.Error as exc:
            raise ValueError(f"{path}: malformed {kind} ({exc}).") from None
    _check_named_once(header, str(path))
    if bad_lines:
        shown = ", ".join(map(str, bad_lines[:5]))
        raise ValueError(
            f"{path}: {len(bad_lines)} line(s) do not have the {width} fields of the header "
            f"(truncated or overlong rows), e.g. line(s) {shown}."
        )
    blank_names = [i + 1 for i, h in enumerate(header) if not h.strip()]
    if blank_names:
        raise ValueError(f"{path}: header has empty column name(s) at position(s) {blank_names}.")
    if n_rows == 0:
        raise ValueError(f"{path}: no patient: the file has a header but no data rows.")
    return header, n_rows


def _na_values(header: list[str], schema: Schema | None) -> dict[str, list[str]]:
    """What reads as missing, per column: see :data:`NUMERIC_NA_VALUES`."""
    out = {}
    for name in header:
        var = None if schema is None else schema.get(name)
        out[name] = list(NUMERIC_NA_VALUES) if var is not None and var.is_numeric else [""]
    return out


def _read_validated(path: Path, header: list[str], n_rows: int, schema: Schema, *,
                    allow_unknown: bool, sep: str = ",") -> pd.DataFrame:
    """Read and validate a cohort file in blocks of rows, into preallocated columns.

    Each block is validated as it comes and its values copied into one
    float64 array for the numeric columns and one array per other column, so
    the peak memory is the validated cohort plus one block, not several copies
    of the whole file. Problems are gathered over all blocks (counts summed,
    the first five rows kept) and raised together; patient ids are checked for
    duplicates across blocks. ``header`` and ``n_rows`` come from :func:`_scan`.
    """
    columns = [c for c in header if c != "patient_id"]
    numeric = [c for c in columns
               if (var := schema.get(c)) is not None and var.is_numeric and var.kind != "id"]
    slot = {c: j for j, c in enumerate(numeric)}
    values = np.empty((len(numeric), n_rows))
    others: dict[str, list[np.ndarray]] = {c: [] for c in columns if c not in slot}
    ids = np.empty(n_rows, dtype=object)
    problems: dict[tuple[str, str], Problem] = {}
    # text columns as text (ids keep their leading zeros); unknown columns as pandas infers
    text = {c: str for c in header if c == "patient_id" or (c not in slot and c in schema)}
    reader = pd.read_csv(path, sep=sep, encoding="utf-8-sig", dtype=text, keep_default_na=False,
                         na_values=_na_values(header, schema), chunksize=CHUNK_ROWS)
    start = 0
    try:
        for chunk in reader:
            stop = start + len(chunk)
            if "patient_id" in chunk.columns:
                raw = chunk["patient_id"].astype(object)
                ids[start:stop] = [v.strip() if isinstance(v, str) and v.strip() else None
                                   for v in raw]
            try:
                part = _validate(chunk, schema, allow_unknown=allow_unknown, first_row=start,
                                 check_duplicates=False)
            except SchemaError as err:
                _merge(problems, err.problems)
                start = stop
                continue
            if not problems:
                for c, j in slot.items():
                    values[j, start:stop] = part[c].to_numpy(dtype=float)
                for c in others:
                    if c in part.columns:
                        # values only: a Series would keep its block's copy of the ids alive
                        others[c].append(part[c].to_numpy())
            start = stop
    except pd.errors.ParserError as exc:
        raise ValueError(f"{path}: malformed {_KIND[sep]} ({exc}).") from None
    present = np.array([i is not None for i in ids])
    index = pd.Index(ids, name="patient_id")
    dup = np.asarray(index.duplicated(keep=False)) & present
    if dup.any():
        rows, n = _row_ids(index, dup)
        _merge(problems, [Problem("patient_id", "must be unique (duplicated patients)", rows, n)])
    if problems:
        raise SchemaError(list(problems.values()))
    data = pd.DataFrame(values.T, index=index, columns=numeric, copy=False)
    for position, c in enumerate(columns):
        if c in others and others[c]:
            data.insert(position, c, np.concatenate(others[c]))
    return data


def _merge(found: dict[tuple[str, str], Problem], new: Iterable[Problem]) -> None:
    """Add problems of one block of rows to those of the others: counts summed,
    the first five rows kept."""
    for p in new:
        key = (p.column, p.rule)
        if key in found:
            old = found[key]
            rows = (old.rows + p.rows)[:MAX_ROWS_SHOWN]
            found[key] = Problem(p.column, p.rule, rows, old.n_rows + p.n_rows)
        else:
            found[key] = p


def write_csv(df: pd.DataFrame, path: str | os.PathLike | IO[str],
              schema: Schema = PSS_SCHEMA) -> None:
    """Write a schema frame as CSV: integer kinds without decimals, floats exactly.

    Examples
    --------
    >>> import io, pandas as pd
    >>> df = pd.DataFrame({"anti_ro": [1.0, None], "age": [50.5, 61.0]},
    ...                   index=pd.Index(["a", "b"], name="patient_id"))
    >>> buffer = io.StringIO()
    >>> write_csv(df, buffer)
    >>> print(buffer.getvalue())
    patient_id,anti_ro,age
    a,1,50.5
    b,,61.0
    <BLANKLINE>
    """
    out = df.copy()
    for col in out.columns:
        var = schema.get(str(col))
        if var is not None and var.kind in ("binary", "ordinal", "event"):
            out[col] = out[col].astype("Int64")
    to_csv(out, path, lineterminator="\n")


class Cohort:
    """Validated patient data, one row per patient, indexed by ``patient_id``.

    Parameters
    ----------
    data : DataFrame
        Columns in schema names; ``patient_id`` as index or column.
    schema : Schema, default=PSS_SCHEMA
    truth : DataFrame, optional
        Known truth per patient (synthetic cohorts), indexed like ``data``.
    validate : bool, default=True
        Check ``data`` against the schema on construction.
    allow_identifiers : bool, default=False
        Accept columns whose names look like direct identifiers (names, birth
        dates, addresses, phone numbers). Refused by default.

    Attributes
    ----------
    data : DataFrame
    schema : Schema
    truth : DataFrame or None

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify import Cohort
    >>> df = pd.DataFrame({"patient_id": ["a", "b"], "center": ["X", "Y"],
    ...                    "esspri_pain": [3, 7], "anti_ro": [1, 0]})
    >>> cohort = Cohort(df)
    >>> cohort.select(blocks=["symptoms"]).columns.tolist()
    ['esspri_pain']
    >>> len(cohort)
    2
    """

    def __init__(
        self,
        data: pd.DataFrame,
        schema: Schema = PSS_SCHEMA,
        truth: pd.DataFrame | None = None,
        *,
        validate: bool = True,
        allow_identifiers: bool = False,
    ):
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"Cohort data must be a pandas DataFrame; got {type(data).__name__}.")
        if not allow_identifiers:
            _refuse_identifiers(data.columns)
        self.schema = schema
        self.data = data
        if validate:
            self.validate(allow_unknown=allow_identifiers)
        elif data.index.name != "patient_id":
            self.data = data.set_index("patient_id")
        if truth is not None:
            truth = truth.copy()
            if truth.index.name != "patient_id" and "patient_id" in truth.columns:
                truth = truth.set_index("patient_id")
            truth.index = truth.index.astype(str)
            if not truth.index.equals(self.data.index):
                raise ValueError("Cohort truth must be indexed by the same patient ids as data.")
        self.truth = truth

    def validate(self, **kwargs: Any) -> Cohort:
        """Check (and canonicalize) ``data`` against the schema; returns self."""
        self.data = validate(self.data, self.schema, **kwargs)
        return self

    @classmethod
    def from_csv(
        cls,
        path: str | os.PathLike,
        schema: Schema = PSS_SCHEMA,
        *,
        truth: str | os.PathLike | None = None,
        allow_identifiers: bool = False,
    ) -> Cohort:
        """Read and validate a cohort CSV (one row per patient, ``patient_id`` column).

        Raises ``ValueError`` naming the file for unreadable files and
        ``SchemaError`` naming the file, columns, rows and rules otherwise.
        :meth:`from_file` reads the other formats (Excel, SPSS, Stata, SAS,
        Parquet, TSV) the same way.
        """
        return cls._from_delimited(Path(path), schema, ",", truth=truth,
                                   allow_identifiers=allow_identifiers)

    @classmethod
    def _from_delimited(cls, path: Path, schema: Schema, sep: str, *,
                        truth: str | os.PathLike | None, allow_identifiers: bool) -> Cohort:
        truth_df = cls._truth(truth, schema)
        try:
            header, n_rows = _scan(path, sep)
            if not allow_identifiers:
                _refuse_identifiers(header)
            # validated block by block as it is read: the whole file is never held twice
            data = _read_validated(path, header, n_rows, schema,
                                   allow_unknown=allow_identifiers, sep=sep)
            return cls(data, schema, truth_df, allow_identifiers=allow_identifiers,
                       validate=False)
        except SchemaError as err:
            raise SchemaError(err.problems, source=str(path)) from None

    @staticmethod
    def _truth(truth: str | os.PathLike | None, schema: Schema) -> pd.DataFrame | None:
        if truth is None:
            return None
        if Path(truth).suffix.lower() == ".csv":
            return read_csv(truth, schema, keep_default_na=True,
                            na_values=None).set_index("patient_id")
        from ._formats import read_file

        frame = read_file(truth, None)
        frame.attrs = {}
        return frame.set_index("patient_id")

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike,
        schema: Schema = PSS_SCHEMA,
        sheet: str | int | None = None,
        *,
        truth: str | os.PathLike | None = None,
        allow_identifiers: bool = False,
        **kwargs: Any,
    ) -> Cohort:
        """Read and validate a cohort file of any supported format, chosen by its extension.

        ``.csv`` and ``.tsv`` are read as :meth:`from_csv` reads CSV (in blocks
        of rows, checked before parsing); ``.xlsx`` (Excel), ``.sav`` (SPSS),
        ``.dta`` (Stata), ``.sas7bdat`` and ``.xpt`` (SAS) and ``.parquet`` are
        read by :func:`stratify.data.read_file` (they need the extra
        ``stratify[formats]``), then validated in the same way: every problem
        names the file (and sheet), the column, up to five patients and the
        rule. Nothing is dropped and no text is guessed to be missing: an
        empty cell is missing, numeric columns also read
        :data:`NUMERIC_NA_VALUES`, a centre coded ``NA`` stays that centre.
        Patient ids are text (a number id ``7`` becomes ``"7"``).

        Value labels (SPSS, Stata) are used: a code whose label means missing
        (``9 = "not done"``, see :data:`stratify.data.MISSING_LABELS`) becomes
        missing, with a ``UserWarning`` that counts them per column; the
        labelled codes of a text variable (``sex`` stored as ``1 = "F"``,
        ``2 = "M"``) become their labels. Labels that collide (two codes, one
        label) or contradict the codes raise ``ValueError``.

        Parameters
        ----------
        path : str or path-like
            ``.csv``, ``.tsv``, ``.xlsx``, ``.sav``, ``.dta``, ``.sas7bdat``,
            ``.xpt`` or ``.parquet``; any other extension is a ``ValueError``
            listing these.
        schema : Schema, default=PSS_SCHEMA
        sheet : str or int, optional
            The worksheet of an ``.xlsx`` workbook (name or 0-based position).
            By default the one sheet that holds data; a workbook with several
            is an error listing them.
        truth : str or path-like, optional
            A file of known truth per patient (synthetic cohorts).
        allow_identifiers : bool, default=False
            As in :class:`Cohort`.
        **kwargs
            Passed to the format's reader (e.g. ``encoding=`` for an old SPSS
            file); see :func:`stratify.data.read_file`.

        Returns
        -------
        Cohort

        Raises
        ------
        FileNotFoundError, ValueError, SchemaError, ImportError
            ``ImportError`` when the format's optional package is missing (the
            message names the extra).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "cohort.tsv"
        >>> _ = path.write_text("patient_id\\tcenter\\tage\\n001\\tNA\\t54\\n002\\tB\\tNA\\n")
        >>> cohort = Cohort.from_file(path)
        >>> cohort.data
                   center   age
        patient_id
        001            NA  54.0
        002             B   NaN
        >>> Cohort.from_file(path.with_suffix(".txt"))
        Traceback (most recent call last):
        ...
        ValueError: ...cohort.txt: cannot read '.txt' files; stratify reads .csv, .tsv, .xlsx, .sav, .dta, .sas7bdat, .xpt and .parquet files.
        """
        from ._formats import apply_cohort_labels, file_format, read_file

        path = Path(path)
        fmt = file_format(path)
        if fmt in ("csv", "tsv") and sheet is None and not kwargs:
            return cls._from_delimited(path, schema, "," if fmt == "csv" else "\t",
                                       truth=truth, allow_identifiers=allow_identifiers)
        frame = read_file(path, schema, sheet=sheet, **kwargs)
        where = str(path) + (f", sheet {frame.attrs['sheet']!r}" if frame.attrs.get("sheet")
                             else "")
        if not allow_identifiers:
            try:
                _refuse_identifiers(frame.columns)
            except SchemaError as err:
                raise SchemaError(err.problems, source=where) from None
        frame = apply_cohort_labels(frame, schema, where)
        truth_df = cls._truth(truth, schema)
        data = validate(frame, schema, allow_unknown=allow_identifiers, source=where)
        return cls(data, schema, truth_df, allow_identifiers=allow_identifiers, validate=False)

    def to_csv(self, path: str | os.PathLike) -> None:
        """Write ``data`` as CSV (integer kinds without decimals)."""
        write_csv(self.data, path, self.schema)

    def select(
        self,
        blocks: Iterable[str] | None = None,
        columns: Iterable[str] | None = None,
        kinds: Iterable[str] | None = None,
        *,
        numeric_only: bool = False,
    ) -> pd.DataFrame:
        """The feature matrix of the named blocks (or columns), indexed by patient.

        Parameters
        ----------
        blocks : iterable of str, optional
            Variable blocks, e.g. ``["clinical", "symptoms"]`` or ``["molecular"]``.
        columns : iterable of str, optional
            Explicit columns (added after the blocks' columns).
        kinds : iterable of str, optional
            Keep only these kinds (e.g. ``["continuous"]``).
        numeric_only : bool, default=False
            Leave out columns that are not numbers (e.g. ``sex``, coded F/M,
            in ``demographics``), with a ``UserWarning`` naming each column
            left out, its block and its kind: a block never loses a column
            silently.

        Examples
        --------
        >>> import warnings
        >>> import pandas as pd
        >>> cohort = Cohort(pd.DataFrame({"patient_id": ["a", "b"], "sex": ["F", "M"],
        ...                               "age": [50, 61]}))
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     cohort.select(blocks=["demographics"], numeric_only=True).columns.tolist()
        ['age']
        >>> print(caught[0].message)
        1 column(s) of the selection left out because they are not numeric: 'sex' (demographics, categorical). Encode them as numbers (e.g. 0/1) and name them in columns= to use them.
        """
        if isinstance(blocks, str):
            blocks = [blocks]
        chosen: list[str] = []
        if blocks is not None:
            blocks = list(blocks)
            unknown = [b for b in blocks if b not in BLOCKS]
            if unknown:
                raise ValueError(f"Unknown block(s) {unknown}; choose among {list(BLOCKS)}.")
            chosen = self.schema.columns_of(self.data.columns, blocks=blocks, kinds=kinds)
        if columns is not None:
            columns = list(columns)
            absent = [c for c in columns if c not in self.data.columns]
            if absent:
                raise KeyError(f"Column(s) {absent} are not in the cohort.")
            chosen += [c for c in columns if c not in chosen]
        if blocks is None and columns is None:
            chosen = self.schema.columns_of(self.data.columns, kinds=kinds)
        if numeric_only:
            lost = [c for c in chosen if not pd.api.types.is_numeric_dtype(self.data[c])]
            if lost:
                described = []
                for c in lost:
                    var = self.schema.get(c)
                    described.append(f"{c!r} ({var.block}, {var.kind})" if var is not None
                                     else f"{c!r} (not in the schema, text)")
                warnings.warn(f"{len(lost)} column(s) of the selection left out because they "
                              f"are not numeric: {', '.join(described)}. Encode them as "
                              "numbers (e.g. 0/1) and name them in columns= to use them.",
                              UserWarning, stacklevel=2)
                chosen = [c for c in chosen if c not in lost]
        return self.data[chosen].copy()

    @property
    def n_patients(self) -> int:
        return len(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        centres = self.data["center"].nunique() if "center" in self.data else 0
        truth = ", with truth" if self.truth is not None else ""
        return (
            f"Cohort({len(self.data)} patients, {self.data.shape[1]} variables, "
            f"{centres} centres{truth})"
        )

    def missing_fraction(self) -> pd.Series:
        """Fraction of missing values per column."""
        return self.data.isna().mean()

    def __eq__(self, other: object) -> bool:  # pragma: no cover - convenience
        return (
            isinstance(other, Cohort)
            and self.data.equals(other.data)
            and ((self.truth is None and other.truth is None)
                 or (self.truth is not None and other.truth is not None
                     and self.truth.equals(other.truth)))
        )

    __hash__ = None  # type: ignore[assignment]


def check_disjoint(discovery: Cohort, validation: Cohort | None) -> None:
    """Refuse a validation cohort that holds discovery patients; warn on colliding ids.

    Replication on the patients the subgroups were found in is not
    replication: the same cohort passed twice reports perfect agreement.
    Patients whose id appears in both cohorts with the same values on every
    shared column are the same patients: ``ValueError``. Ids shared with
    different values may be two numbering schemes colliding: ``UserWarning``
    (give the cohorts distinct ids, e.g. a centre prefix). Messages give
    counts, never ids or values.

    Parameters
    ----------
    discovery : Cohort
    validation : Cohort or None
        None: nothing to check.

    Examples
    --------
    >>> import pandas as pd
    >>> a = Cohort(pd.DataFrame({"patient_id": ["p1", "p2"], "age": [50, 61]}))
    >>> check_disjoint(a, a)
    Traceback (most recent call last):
    ...
    ValueError: The validation cohort holds 2 of the discovery cohort's 2 patients (same id, same values on 1 shared column(s)): replication on the same patients is not replication. Remove them from one cohort.
    """
    if validation is None:
        return
    shared = discovery.data.index.intersection(validation.data.index)
    if not len(shared):
        return
    columns = [c for c in discovery.data.columns if c in validation.data.columns]
    left = discovery.data.loc[shared, columns]
    right = validation.data.loc[shared, columns]
    same = ((left == right) | (left.isna() & right.isna())).all(axis=1)
    n_same = int(same.sum())
    if n_same:
        raise ValueError(
            f"The validation cohort holds {n_same} of the discovery cohort's "
            f"{len(discovery.data)} patients (same id, same values on {len(columns)} shared "
            "column(s)): replication on the same patients is not replication. Remove them "
            "from one cohort.")
    warnings.warn(f"{len(shared)} patient id(s) appear in both the discovery and the validation "
                  "cohort with different values: if they are the same patients, replication "
                  "is biased; otherwise give the cohorts distinct ids (e.g. a centre prefix).",
                  UserWarning, stacklevel=2)
