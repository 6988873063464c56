"""The Cohort: validated patient data, its schema and (for synthetic data) the truth."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO

import pandas as pd

from .._csv import to_csv
from ._schema import BLOCKS, PSS_SCHEMA, Schema
from ._validate import Problem, SchemaError, validate

__all__ = ["Cohort", "read_csv", "write_csv", "identifier_columns"]

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


def read_csv(path: str | os.PathLike, **kwargs) -> pd.DataFrame:
    """Read a CSV file defensively: every failure names the file and the rule.

    Empty files, undecodable bytes and rows whose number of fields differs
    from the header (truncated or overlong rows) raise ``ValueError`` naming
    the file and the line numbers, before any parsing into numbers.

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
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file.")
    raw = path.read_bytes()
    if not raw.strip():
        raise ValueError(f"{path}: the file is empty.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{path}: not valid UTF-8 (byte {exc.start}); re-save the file as UTF-8."
        ) from None
    if "\x00" in text:
        raise ValueError(f"{path}: contains NUL bytes; it is not a text CSV file.")
    rows = csv.reader(io.StringIO(text))
    try:
        header = next(rows)
        width = len(header)
        bad_lines = [rows.line_num for row in rows if row and len(row) != width]
    except csv.Error as exc:
        raise ValueError(f"{path}: malformed CSV ({exc}).") from None
    if bad_lines:
        shown = ", ".join(map(str, bad_lines[:5]))
        raise ValueError(
            f"{path}: {len(bad_lines)} line(s) do not have the {width} fields of the header "
            f"(truncated or overlong rows), e.g. line(s) {shown}."
        )
    blank_names = [i + 1 for i, h in enumerate(header) if not h.strip()]
    if blank_names:
        raise ValueError(f"{path}: header has empty column name(s) at position(s) {blank_names}.")
    try:
        return pd.read_csv(io.StringIO(text), dtype={"patient_id": str}, **kwargs)
    except pd.errors.ParserError as exc:  # e.g. a quote left open until the end of the file
        raise ValueError(f"{path}: malformed CSV ({exc}).") from None


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
            flagged = identifier_columns(data.columns)
            if flagged:
                raise SchemaError(
                    [
                        Problem(c, "looks like a direct identifier; remove it or pass "
                                   "allow_identifiers=True")
                        for c in flagged
                    ]
                )
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

    def validate(self, **kwargs) -> Cohort:
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
        """
        df = read_csv(path)
        truth_df = read_csv(truth).set_index("patient_id") if truth is not None else None
        try:
            return cls(df, schema, truth_df, allow_identifiers=allow_identifiers)
        except SchemaError as err:
            raise SchemaError(err.problems, source=str(path)) from None

    def to_csv(self, path: str | os.PathLike) -> None:
        """Write ``data`` as CSV (integer kinds without decimals)."""
        write_csv(self.data, path, self.schema)

    def select(
        self,
        blocks: Iterable[str] | None = None,
        columns: Iterable[str] | None = None,
        kinds: Iterable[str] | None = None,
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

