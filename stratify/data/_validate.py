"""Validation of frames against the schema: every problem at once, no patient values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._schema import PSS_SCHEMA, Schema, Variable

__all__ = ["SchemaError", "Problem", "validate"]

MAX_ROWS_SHOWN = 5
_SENTINELS = {-99.0, -9.0, -1.0, 99.0, 999.0, 9999.0, 888.0, 777.0}


@dataclass(frozen=True)
class Problem:
    """One violated rule.

    Attributes
    ----------
    column : str
        The column (``"patient_id"`` for identifier problems, ``"<columns>"``
        for problems with the set of columns).
    rule : str
        The rule that was violated, in words.
    rows : tuple of str
        Up to 5 offending patient ids (or row numbers when ids are missing).
    n_rows : int
        How many rows violate the rule in all.
    """

    column: str
    rule: str
    rows: tuple[str, ...] = ()
    n_rows: int = 0

    def __str__(self) -> str:
        text = f"column {self.column!r}: {self.rule}"
        if self.n_rows:
            shown = ", ".join(self.rows)
            more = f" and {self.n_rows - len(self.rows)} more" if self.n_rows > len(self.rows) else ""
            text += f" ({self.n_rows} row{'s' if self.n_rows > 1 else ''}: {shown}{more})"
        return text


class SchemaError(ValueError):
    """Raised when data break the schema; lists every problem found.

    The message names the column, up to five offending patient ids and the
    rule; it never contains the offending values themselves.

    Attributes
    ----------
    problems : list of Problem
    source : str or None
        The file or centre the data came from, when known.
    """

    def __init__(self, problems: Sequence[Problem], source: str | None = None):
        self.problems = list(problems)
        self.source = source
        where = f" in {source}" if source else ""
        lines = [f"{len(self.problems)} problem(s) with the data{where}:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))

    def __reduce__(self):
        return (type(self), (self.problems, self.source))


def _row_ids(index: pd.Index, mask: np.ndarray) -> tuple[tuple[str, ...], int]:
    hits = np.flatnonzero(mask)
    return tuple(str(index[i]) for i in hits[:MAX_ROWS_SHOWN]), int(hits.size)


def _check_numeric(values: pd.Series, var: Variable, problems: list[Problem]) -> pd.Series:
    index = values.index
    if pd.api.types.is_bool_dtype(values):
        values = values.astype(float)
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        stripped = values.astype("string").str.strip()
        blank = stripped.isna() | (stripped == "")
        numeric = pd.to_numeric(stripped.where(~blank), errors="coerce")
        bad = (~blank & numeric.isna()).to_numpy()
        if bad.any():
            rows, n = _row_ids(index, bad)
            problems.append(Problem(var.name, "text where a number is expected", rows, n))
        values = numeric
    arr = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    inf = np.isinf(arr)
    if inf.any():
        rows, n = _row_ids(index, inf)
        problems.append(Problem(var.name, "infinite values are not allowed", rows, n))
    finite = np.isfinite(arr)
    if var.kind in ("continuous", "time"):
        lo, hi = var.range if var.range is not None else (None, None)
        if var.kind == "time":
            lo = 0.0 if lo is None else max(lo, 0.0)
        bad = np.zeros(arr.shape, bool)
        if lo is not None:
            bad |= finite & (arr < lo)
        if hi is not None:
            bad |= finite & (arr > hi)
    else:
        levels = np.asarray(var.levels, dtype=float)
        bad = finite & ~np.isin(arr, levels)
    if bad.any():
        rows, n = _row_ids(index, bad)
        rule = f"values must be {var.rule()}"
        if set(np.unique(arr[bad])) <= _SENTINELS:
            rule += " (these look like missing-value sentinels: map them to missing)"
        problems.append(Problem(var.name, rule, rows, n))
    return pd.Series(arr, index=index, name=var.name)


def _check_categorical(values: pd.Series, var: Variable, problems: list[Problem]) -> pd.Series:
    out = values.astype(object).where(values.notna(), np.nan)
    out = out.map(lambda v: v.strip() if isinstance(v, str) else v)
    out = out.where(out != "", np.nan)
    if var.levels is not None:
        present = out.notna().to_numpy()
        allowed = {str(level) for level in var.levels}
        bad = present & ~out.astype(str).isin(allowed).to_numpy()
        if bad.any():
            rows, n = _row_ids(values.index, bad)
            problems.append(Problem(var.name, f"values must be {var.rule()}", rows, n))
    return out.rename(var.name)


def validate(
    df: pd.DataFrame,
    schema: Schema = PSS_SCHEMA,
    *,
    required: Iterable[str] | None = None,
    allow_unknown: bool = False,
    source: str | None = None,
) -> pd.DataFrame:
    """Check a frame against the schema and return it in canonical form.

    Every problem is collected before anything is raised, so one call tells
    the whole story. Columns absent from ``df`` are not an error unless they
    are listed in ``required``.

    Parameters
    ----------
    df : DataFrame
        One row per patient; ``patient_id`` is the index or a column.
    schema : Schema, default=PSS_SCHEMA
    required : iterable of str, optional
        Columns that must be present.
    allow_unknown : bool, default=False
        Keep columns the schema does not describe (unchecked) instead of
        reporting them.
    source : str, optional
        File or centre name quoted in the error message.

    Returns
    -------
    DataFrame
        A copy indexed by ``patient_id`` (as strings), numeric kinds as
        float64 with NaN for missing, categorical kinds as labels.

    Raises
    ------
    SchemaError
        Listing, for every problem, the column, up to 5 patient ids and the rule.

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.data import validate, SchemaError
    >>> df = pd.DataFrame({"patient_id": ["p1", "p2"], "age": [54, 230],
    ...                    "essdai_cns": [0, 1]})
    >>> try:
    ...     validate(df)
    ... except SchemaError as err:
    ...     print(err)
    2 problem(s) with the data:
      - column 'age': values must be a number in [16, 100] (1 row: p2)
      - column 'essdai_cns': values must be one of 0, 2, 3 (1 row: p2)
    """
    return _validate(df, schema, required=required, allow_unknown=allow_unknown, source=source)


def _validate(df: pd.DataFrame, schema: Schema, *, required: Iterable[str] | None = None,
              allow_unknown: bool = False, source: str | None = None, first_row: int = 0,
              check_duplicates: bool = True) -> pd.DataFrame:
    """:func:`validate` for one block of rows of a file: rows are numbered from
    ``first_row + 1``; duplicated ids are left to the caller when it reads blocks."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"validate expects a pandas DataFrame; got {type(df).__name__}.")
    problems: list[Problem] = []
    frame = df
    if "patient_id" in frame.columns:
        if frame.index.name == "patient_id":
            problems.append(Problem("patient_id", "is both the index and a column"))
        frame = frame.set_index("patient_id")
    elif frame.index.name != "patient_id":
        problems.append(Problem("patient_id", "is required, as the index or a column"))

    if len(frame) == 0:
        problems.append(Problem("<rows>", "no patient: the data have 0 rows"))

    dupe_cols = frame.columns[frame.columns.duplicated()].unique()
    for col in dupe_cols:
        problems.append(Problem(str(col), "appears more than once in the header"))
    frame = frame.loc[:, ~frame.columns.duplicated()]

    positions = pd.Index([f"row {first_row + i + 1}" for i in range(len(frame))])
    ids = frame.index
    missing_id = pd.isna(ids) | (ids.astype(str).str.strip() == "")
    if missing_id.any():
        rows, n = _row_ids(positions, np.asarray(missing_id))
        problems.append(Problem("patient_id", "must not be missing", rows, n))
    id_str = pd.Index(ids.astype(str).str.strip(), name="patient_id")
    dup = id_str.duplicated(keep=False) & ~np.asarray(missing_id)
    if check_duplicates and dup.any():
        rows, n = _row_ids(id_str, dup)
        problems.append(Problem("patient_id", "must be unique (duplicated patients)", rows, n))
    frame = frame.set_axis(id_str, axis=0)

    for col in required or ():
        if col not in frame.columns and col != "patient_id":
            problems.append(Problem(col, "is required but absent"))

    out: dict[str, pd.Series] = {}
    for col in frame.columns:
        name = str(col)
        var = schema.get(name)
        if var is None:
            if allow_unknown:
                out[name] = frame[col]
            else:
                problems.append(Problem(name, "is not a variable of the schema (unknown column)"))
            continue
        if var.kind == "id":
            problems.append(Problem(name, "is an identifier and must be the index"))
            continue
        if var.is_numeric:
            out[name] = _check_numeric(frame[col], var, problems)
        else:
            out[name] = _check_categorical(frame[col], var, problems)

    if problems:
        raise SchemaError(problems, source)
    return pd.DataFrame(out, index=id_str)
