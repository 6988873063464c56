"""Validation of frames against the schema: every problem at once, no patient values."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .._utils.rows import row_ids
from .._utils.validation import Problem, SchemaError, check_numeric_values
from ._schema import PSS_SCHEMA, Schema, Variable

__all__ = ["SchemaError", "Problem", "validate"]

SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}
"""Delimiters a cohort file may have been saved with instead of commas, and their names."""

HARMONIZER_HINT = ("rename the column, or let stratify.data.Harmonizer map the export's "
                   "names, units and codes onto the schema")


def separator_message(header: str, *, pandas_hint: bool = True) -> str | None:
    """What to say when a header read as one column holds another delimiter, else None.

    For a frame read with the wrong delimiter (:func:`validate`) and for a
    cohort file whose header is one column (then ``pandas_hint=False``: the
    file is to be saved again, not read otherwise).

    Examples
    --------
    >>> from stratify.data._validate import separator_message
    >>> print(separator_message("patient_id;center;age"))
    the header is one column holding semicolons: it looks like ';'-separated, not comma-separated. Save the file as comma-separated values (with '.' as the decimal mark), or read it with pandas.read_csv(..., sep=';')
    >>> print(separator_message("patient_id|age", pandas_hint=False))
    the header is one column holding vertical bars: it looks like '|'-separated, not comma-separated. Save the file as comma-separated values (with '.' as the decimal mark)
    >>> separator_message("patient_id") is None
    True
    """
    for mark, name in SEPARATORS.items():
        if mark in header:
            return (f"the header is one column holding {name}: it looks like {mark!r}-separated,"
                    " not comma-separated. Save the file as comma-separated values (with '.' "
                    "as the decimal mark)"
                    + (f", or read it with pandas.read_csv(..., sep={mark!r})"
                       if pandas_hint else ""))
    return None


def _key(name: str) -> str:
    """A column name compared without case, surrounding spaces, or ' '/'-'/'.' for '_'."""
    return "_".join(name.strip().casefold().replace("-", " ").replace(".", " ").split())


def schema_name_like(name: str, schema: Schema) -> str | None:
    """The schema name ``name`` differs from only in case or separators, else None.

    ``'ANXIETY'`` and ``'Anxiety '`` give ``'anxiety'``; ``'Patient ID'``
    gives ``'patient_id'``; ``'MOL_MX1'`` gives ``'mol_MX1'`` (a family such
    as ``mol_`` keeps the rest of the name as written).

    Examples
    --------
    >>> from stratify.data import PSS_SCHEMA
    >>> from stratify.data._validate import schema_name_like
    >>> schema_name_like("ANXIETY", PSS_SCHEMA), schema_name_like("MOL_MX1", PSS_SCHEMA)
    ('anxiety', 'mol_MX1')
    >>> schema_name_like("anxiety_score", PSS_SCHEMA) is None
    True
    """
    key = _key(name)
    matches = [n for n in dict.fromkeys(["patient_id", *schema.names])
               if _key(n) == key and n != name]
    if len(matches) == 1:
        return matches[0]
    for prefix in schema.families:
        stripped = name.strip()
        if key.startswith(_key(prefix)) and len(stripped) > len(prefix) \
                and not stripped.startswith(prefix):
            return prefix + stripped[len(prefix):]
    return None


def _unknown_column(name: str, schema: Schema) -> Problem:
    like = schema_name_like(name, schema)
    rule = "is not a variable of the schema (unknown column)"
    if like is not None:
        rule += (f"; did you mean {like!r}? It differs only in case or separators: "
                 f"{HARMONIZER_HINT}")
    return Problem(name, rule)


def _separator_problem(frame: pd.DataFrame, schema: Schema) -> Problem | None:
    """A frame read with the wrong delimiter: its header (one column, or a column name
    holding another delimiter) splits into names the schema knows."""
    for col in frame.columns:
        text = str(col)
        message = separator_message(text)
        if message is None:
            continue
        parts = [part.strip().strip('"') for mark in SEPARATORS if mark in text
                 for part in text.split(mark)]
        known = [part for part in parts if part == "patient_id" or part in schema]
        if len(known) >= 2:
            return Problem("<columns>", message)
    return None


def _check_categorical(values: pd.Series, var: Variable, problems: list[Problem]) -> pd.Series:
    out = values.astype(object).where(values.notna(), np.nan)
    out = out.map(lambda v: v.strip() if isinstance(v, str) else v)
    out = out.where(out != "", np.nan)
    if var.levels is not None:
        present = out.notna().to_numpy()
        allowed = {str(level) for level in var.levels}
        bad = present & ~out.astype(str).isin(allowed).to_numpy()
        if bad.any():
            rows, n = row_ids(values.index, bad)
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
    separator = _separator_problem(df, schema)
    if separator is not None:  # every other problem would follow from it
        raise SchemaError([separator], source)
    problems: list[Problem] = []
    frame = df
    if "patient_id" in frame.columns:
        if frame.index.name == "patient_id":
            problems.append(Problem("patient_id", "is both the index and a column"))
        frame = frame.set_index("patient_id")
    elif frame.index.name != "patient_id":
        like = [str(c) for c in frame.columns if schema_name_like(str(c), schema) == "patient_id"]
        problems.append(Problem("patient_id", "is required, as the index or a column" + (
            f" (column {like[0]!r} differs only in case or separators: rename it)"
            if like else "")))

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
        rows, n = row_ids(positions, np.asarray(missing_id))
        problems.append(Problem("patient_id", "must not be missing", rows, n))
    id_str = pd.Index(ids.astype(str).str.strip(), name="patient_id")
    dup = id_str.duplicated(keep=False) & ~np.asarray(missing_id)
    if check_duplicates and dup.any():
        rows, n = row_ids(id_str, dup)
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
                problems.append(_unknown_column(name, schema))
            continue
        if var.kind == "id":
            problems.append(Problem(name, "is an identifier and must be the index"))
            continue
        if var.is_numeric:
            out[name] = check_numeric_values(frame[col], var, problems)
        else:
            out[name] = _check_categorical(frame[col], var, problems)

    if problems:
        raise SchemaError(problems, source)
    return pd.DataFrame(out, index=id_str)
