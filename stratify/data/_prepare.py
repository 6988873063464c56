"""The data of a quality or missingness report as arrays: ids, centres, values, masks.

Both reports read any frame in schema names, including frames that fail
validation (text in numeric columns, out-of-range values, duplicated ids are
reported, not raised), so they parse the data here rather than through
:func:`stratify.data.validate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._utils.kinds import column_kind
from .._utils.rows import MAX_SHOWN as MAX_ROWS_SHOWN
from ._schema import PSS_SCHEMA, Schema

NUMERIC_KINDS = ("continuous", "binary", "ordinal", "time", "event")
ID = "patient_id"


@dataclass
class _Prepared:
    """The data as arrays: ids, centres, numeric values, labels and masks."""

    ids: np.ndarray
    missing_id: np.ndarray
    centre: np.ndarray
    centres: list[str]
    columns: list[str]
    kinds: dict[str, str]
    numbers: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]
    observed: dict[str, np.ndarray]
    text: dict[str, np.ndarray]
    levels: dict[str, tuple | None]
    ranges: dict[str, tuple | None]
    invalid: dict[str, np.ndarray]
    strata: np.ndarray | None
    case_mix: list[str]
    notes: list[str]
    by: str | None

    @property
    def n(self) -> int:
        return len(self.ids)

    def finite(self, col: str) -> np.ndarray:
        values = self.numbers[col]
        return np.where(np.isfinite(values), values, np.nan)


def _as_frame(data: Any) -> tuple[pd.DataFrame, Schema | None]:
    from ._cohort import Cohort

    if isinstance(data, Cohort):
        return data.data, data.schema
    if isinstance(data, pd.DataFrame):
        return data, None
    raise TypeError("The 'cohort' parameter of quality_report must be a Cohort or a pandas "
                    f"DataFrame. Got {type(data).__name__} instead.")


def _ids(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    if ID in frame.columns:
        raw = frame[ID]
        frame = frame.drop(columns=ID)
    else:
        raw = pd.Series(frame.index, index=frame.index)
    missing = (raw.isna() | (raw.astype(str).str.strip() == "")).to_numpy()
    ids = np.array([f"(row {i + 1})" if m else str(v).strip()
                    for i, (v, m) in enumerate(zip(raw, missing))], dtype=object)
    return frame.reset_index(drop=True), ids, missing


def _strata(case_mix: Any, frame: pd.DataFrame, ids: np.ndarray) -> tuple[np.ndarray | None,
                                                                         list[str]]:
    if case_mix is None:
        return None, []
    if isinstance(case_mix, str):
        case_mix = [case_mix]
    if isinstance(case_mix, (pd.Series, pd.DataFrame)):
        table = case_mix.to_frame() if isinstance(case_mix, pd.Series) else case_mix
        table = table.set_axis(table.index.astype(str))
        absent = [i for i in ids if i not in table.index]
        if absent:
            shown = ", ".join(absent[:MAX_ROWS_SHOWN])
            raise ValueError(
                "The 'case_mix' parameter of quality_report must be column names of the data "
                "or a Series/DataFrame indexed by patient_id covering every patient. Got one "
                f"that lacks {len(absent)} patient(s) ({shown}) instead.")
        table = table.loc[list(ids)].reset_index(drop=True)
    else:
        names = [str(c) for c in case_mix]
        absent = [c for c in names if c not in frame.columns]
        if absent:
            raise ValueError("The 'case_mix' parameter of quality_report must name columns of "
                             f"the data. Got {absent} instead.")
        table = frame[names]
    coded = {}
    for col in table.columns:
        values = table[col]
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.notna().sum() == values.notna().sum() and numeric.nunique() > 10:
            # continuous case-mix variables are compared within quartiles
            values = pd.qcut(numeric, 4, duplicates="drop").astype(str)
        coded[col] = values.astype(str).where(values.notna(), "(missing)")
    strata = pd.DataFrame(coded).groupby(list(coded), sort=True).ngroup().to_numpy()
    return strata, [str(c) for c in table.columns]


def _prepare(data: Any, *, by: str | None, schema: Schema | None, columns: list[str] | None,
             case_mix: Any) -> _Prepared:
    frame, own_schema = _as_frame(data)
    schema = schema or own_schema or PSS_SCHEMA
    frame, ids, missing_id = _ids(frame)
    notes: list[str] = []
    if by is not None and by not in frame.columns:
        notes.append(f"no {by!r} column: the cohort is treated as one centre, so there is "
                     "no drift between centres")
        by = None
    if by is None:
        centre = np.full(len(frame), "all", dtype=object)
    else:
        raw = frame[by]
        centre = np.where(raw.isna(), "(missing)", raw.astype(str)).astype(object)
        if raw.isna().any():
            notes.append(f"{int(raw.isna().sum())} patients without a centre are grouped "
                         "as '(missing)'")
    if columns is None:
        columns = [str(c) for c in frame.columns if c != by]
    else:
        # the centre and the id are analysed as such, never as variables
        columns = [str(c) for c in columns if str(c) not in (by, ID)]
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            raise ValueError("The 'columns' parameter of quality_report must name columns of "
                             f"the data. Got {absent} instead.")
    strata, case_names = _strata(case_mix, frame, ids)
    prep = _Prepared(ids=ids, missing_id=missing_id, centre=centre,
                     centres=sorted(set(centre), key=str), columns=[], kinds={}, numbers={},
                     labels={}, observed={}, text={}, levels={}, ranges={}, invalid={},
                     strata=strata, case_mix=case_names, notes=notes, by=by)
    for col in columns:
        raw = frame[col]
        var = schema.get(col)
        if var is not None and var.kind == "id":
            continue
        kind = column_kind(col, schema, raw)
        prep.columns.append(col)
        prep.kinds[col] = kind
        prep.levels[col] = var.levels if var is not None else None
        prep.ranges[col] = var.range if var is not None else None
        if kind in NUMERIC_KINDS:
            if pd.api.types.is_bool_dtype(raw):
                raw = raw.astype(float)
            if raw.dtype == object or pd.api.types.is_string_dtype(raw):
                stripped = raw.astype("string").str.strip()
                blank = (stripped.isna() | (stripped == "")).to_numpy()
                numbers = pd.to_numeric(stripped.where(~blank), errors="coerce")
                values = numbers.to_numpy(dtype=float, na_value=np.nan)
                prep.text[col] = ~blank & np.isnan(values)
                prep.observed[col] = ~blank
            else:
                values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float,
                                                                      na_value=np.nan)
                prep.observed[col] = raw.notna().to_numpy()
                prep.text[col] = np.zeros(len(raw), bool)
            prep.numbers[col] = values
        else:
            labels = raw.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
            observed = (labels.notna() & (labels != "")).to_numpy()
            prep.labels[col] = np.asarray(np.where(observed, labels.astype(str), None),
                                          dtype=object)
            prep.observed[col] = observed
    return prep
