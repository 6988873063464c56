"""Applying a compiled rule to an export column, counting what it could not map.

Each ``_apply_*`` function turns one export column into the values of one
schema column: through a code list, as numbers (with unit conversion) or as
labels; :func:`_parse_dates` reads a date column. Values they cannot map
become missing and are counted in :class:`_Findings` (sentinels separately).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._schema import Schema, Variable
from ._keys import _keys
from ._mapping import _DAYS_PER_UNIT, _LEVEL_KINDS, _Rule
from ._report import _HIDDEN


@dataclass
class _Findings:
    unmapped_values: dict[str, dict[str, int]] = field(default_factory=dict)
    sentinels: dict[str, int] = field(default_factory=dict)

    def add_values(self, source: str, keys: np.ndarray, hidden: bool) -> None:
        if keys.size == 0:
            return
        counts = self.unmapped_values.setdefault(source, {})
        if hidden:
            counts[_HIDDEN] = counts.get(_HIDDEN, 0) + int(keys.size)
            return
        values, n = np.unique(keys.astype(str), return_counts=True)
        for value, count in zip(values.tolist(), n.tolist()):
            counts[value] = counts.get(value, 0) + count

    def add_sentinels(self, source: str, n: int) -> None:
        if n:
            self.sentinels[source] = self.sentinels.get(source, 0) + int(n)


def _na_numbers(keys: frozenset[str]) -> np.ndarray:
    numbers = []
    for key in keys:
        try:
            numbers.append(float(key))
        except ValueError:
            continue
    return np.array(numbers, dtype=float)


def _apply_codes(series: pd.Series, rule: _Rule, var: Variable, na: frozenset[str],
                 found: _Findings, hidden: bool) -> np.ndarray:
    keys = _keys(series)
    present = keys != None  # noqa: E711 - elementwise on an object array
    sentinel = present & np.isin(keys, list(na))
    codes = rule.codes or {}
    lookup = pd.Series(keys).map(codes)
    in_list = present & pd.Series(keys).isin(list(codes)).to_numpy()
    coded_missing = in_list & lookup.isna().to_numpy()
    found.add_sentinels(rule.source, (sentinel & ~in_list).sum() + coded_missing.sum())
    unmapped = present & ~sentinel & ~in_list
    found.add_values(rule.source, keys[unmapped], hidden)
    if var.is_numeric:
        return lookup.to_numpy(dtype=float, na_value=np.nan)
    return lookup.to_numpy(dtype=object)


def _apply_number(series: pd.Series, rule: _Rule, var: Variable, na: frozenset[str],
                  found: _Findings, hidden: bool) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        sentinel = np.isin(values, _na_numbers(na))
    else:
        keys = _keys(series)
        present = keys != None  # noqa: E711 - elementwise on an object array
        sentinel = present & np.isin(keys, list(na))
        values = pd.to_numeric(pd.Series(keys), errors="coerce").to_numpy(
            dtype=float, na_value=np.nan)
        text = present & ~sentinel & np.isnan(values)
        found.add_values(rule.source, keys[text], hidden)
    found.add_sentinels(rule.source, sentinel.sum())
    values = _scaled(np.where(sentinel, np.nan, values), rule)
    if var.kind in _LEVEL_KINDS and var.levels is not None:
        off_level = np.isfinite(values) & ~np.isin(values, np.asarray(var.levels, dtype=float))
        if off_level.any():
            found.add_values(rule.source, _keys(series[off_level]), hidden)
            values = np.where(off_level, np.nan, values)
    return values


def _scaled(values: np.ndarray, rule: _Rule) -> np.ndarray:
    """The rule's unit conversion, ``values * scale + offset``, then its rounding."""
    if rule.scale is not None:
        values = values * rule.scale
    if rule.offset is not None:
        values = values + rule.offset
    if rule.decimals is not None:
        values = np.round(values, rule.decimals)
    return values


def _duration(this: pd.Series, other: pd.Series, rule: _Rule) -> np.ndarray:
    """The duration between a date column and its reference (or start) date, in the rule's unit."""
    later, earlier = (other, this) if rule.reference else (this, other)
    days = ((later - earlier) / np.timedelta64(1, "D")).to_numpy(dtype=float)
    return _scaled(days / _DAYS_PER_UNIT[rule.unit], rule)


def _apply_label(series: pd.Series, rule: _Rule, var: Variable, na: frozenset[str],
                 found: _Findings, hidden: bool) -> np.ndarray:
    raw = series.to_numpy(dtype=object)
    keys = _keys(series)
    labels = np.array([v.strip() if isinstance(v, str) else k for v, k in zip(raw, keys)],
                      dtype=object) if raw.dtype == object else keys
    present = keys != None  # noqa: E711 - elementwise on an object array
    sentinel = present & np.isin(keys, list(na))
    found.add_sentinels(rule.source, sentinel.sum())
    labels = np.where(sentinel, np.array(None, dtype=object), labels)
    if var.levels is not None:
        off_level = present & ~sentinel & ~np.isin(labels, [str(v) for v in var.levels])
        found.add_values(rule.source, labels[off_level], hidden)
        labels = np.where(off_level, np.array(None, dtype=object), labels)
    return labels


def _parse_dates(series: pd.Series, fmt: str, source: str, na: frozenset[str],
                 found: _Findings) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return pd.Series(series.to_numpy(), index=range(len(series)))
    keys = _keys(series)
    present = keys != None  # noqa: E711 - elementwise on an object array
    sentinel = present & np.isin(keys, list(na))
    found.add_sentinels(source, sentinel.sum())
    typed = series.map(lambda v: isinstance(v, datetime.date)).to_numpy(bool)
    text = pd.Series(np.where(sentinel | typed, np.array(None, dtype=object), keys), dtype="object")
    dates = pd.to_datetime(text, format=fmt, errors="coerce")
    if typed.any():  # spreadsheet readers give date objects, not text
        dates[typed] = pd.to_datetime(series[typed].to_list())
    bad = present & ~sentinel & dates.isna().to_numpy()
    if bad.any():
        counts = found.unmapped_values.setdefault(source, {})
        label = f"<not a date in format {fmt!r}>"
        counts[label] = counts.get(label, 0) + int(bad.sum())
    return dates


def _empty_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows without any value (blank lines at the end of spreadsheet exports)."""
    text = (frame.dtypes == np.dtype(object)).to_numpy()
    empty = frame.loc[:, ~text].isna().to_numpy().all(axis=1)
    for j in np.flatnonzero(text):
        rows = np.flatnonzero(empty)
        if rows.size == 0:
            break
        values = frame.iloc[rows, j]
        empty[rows] = values.map(lambda v: v is None or (isinstance(v, str) and not v.strip())
                                 or (isinstance(v, float) and math.isnan(v))).to_numpy(bool)
    return empty


def _schema_order(columns: list[str], schema: Schema) -> list[str]:
    """Named variables in schema order, then family columns (``mol_*``) as they came,
    as in the schema's data dictionary (:meth:`Schema.to_frame`)."""
    position = {name: i for i, name in enumerate(schema.names)}
    return sorted(columns, key=lambda name: position.get(name, len(position)))
