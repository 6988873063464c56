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
from typing import Any

import numpy as np
import pandas as pd

from .._formats._labels import means_missing, shared_labels
from .._keys import _canonical, _keys
from .._schema import Schema, Variable
from ._mapping import _DAYS_PER_UNIT, _LEVEL_KINDS, _Rule
from ._report import _HIDDEN


@dataclass
class _Findings:
    unmapped_values: dict[str, dict[str, int]] = field(default_factory=dict)
    sentinels: dict[str, int] = field(default_factory=dict)
    by_label: dict[str, int] = field(default_factory=dict)
    labelled_missing: dict[str, dict[str, int]] = field(default_factory=dict)
    collisions: list[str] = field(default_factory=list)

    def add_labelled_missing(self, source: str, label: str, n: int) -> None:
        if n:
            counts = self.labelled_missing.setdefault(source, {})
            counts[label] = counts.get(label, 0) + int(n)

    def add_by_label(self, source: str, n: int) -> None:
        if n:
            self.by_label[source] = self.by_label.get(source, 0) + int(n)

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


def _missing_by_label(keys: np.ndarray, labels: dict[str, str], na: frozenset[str],
                      skip: frozenset[str] | set[str], source: str,
                      found: _Findings) -> np.ndarray:
    """Cells whose code is labelled as missing (a sentinel's text or a label meaning
    missing, :func:`means_missing`), counted per label; codes in ``skip`` excepted."""
    gone = np.zeros(keys.shape, dtype=bool)
    for code, label in labels.items():
        if code in skip or code in na:
            continue
        if means_missing(label) or _canonical(label) in na:
            hit = keys == code
            if hit.any():
                gone |= hit
                found.add_labelled_missing(source, label, int(hit.sum()))
    return gone


def _by_label(keys: np.ndarray, labels: dict[str, str], codes: dict[str, Any], na: frozenset[str],
              source: str, found: _Findings) -> np.ndarray:
    """Keys of the code list for each cell: a code listed itself is kept, a code whose
    label is listed takes its label's key. Labels that disagree with the codes or that
    several codes share are recorded in ``found.collisions``."""
    out = keys.copy()
    present = set(keys[keys != None].tolist())  # noqa: E711 - elementwise on an object array
    via_label: dict[str, str] = {}
    candidates: dict[str, str] = {}
    for code, label in labels.items():
        key = _canonical(label)
        if code not in present or code in na or key is None:
            continue
        if code not in codes:
            candidates[code] = label
        if code in codes:
            if key in codes and key != code and not _same_level(codes[key], codes[code]):
                found.collisions.append(
                    f"column {source!r}: code {code} is labelled {label!r}, which the code list "
                    f"maps to {codes[key]!r}, but code {code} itself maps to {codes[code]!r}")
            continue
        if key in codes:
            via_label[code] = label
    for label, shared in shared_labels(candidates).items():
        if any(code in via_label for code in shared):  # the code list maps by this label
            found.collisions.append(
                f"column {source!r}: the value labels collide: codes {', '.join(shared)} are "
                f"all labelled {label!r}, so the file cannot tell them apart; map the codes "
                f"themselves in 'codes'")
    for code, label in via_label.items():
        hit = keys == code
        out[hit] = _canonical(label)
        found.add_by_label(source, int(hit.sum()))
    return out


def _same_level(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(a == b)


def _apply_codes(series: pd.Series, rule: _Rule, var: Variable, na: frozenset[str],
                 found: _Findings, hidden: bool, labels: dict[str, str] | None = None
                 ) -> np.ndarray:
    keys = _keys(series)
    present = keys != None  # noqa: E711 - elementwise on an object array
    sentinel = present & np.isin(keys, list(na))
    codes = rule.codes or {}
    if labels:
        gone = _missing_by_label(keys, labels, na, set(codes), rule.source, found)
        keys = _by_label(keys, labels, codes, na, rule.source, found)
        keys[gone] = None
        present &= ~gone
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
                  found: _Findings, hidden: bool, labels: dict[str, str] | None = None
                  ) -> np.ndarray:
    if labels:
        gone = _missing_by_label(_keys(series), labels, na, set(), rule.source, found)
        if gone.any():
            series = series.mask(pd.Series(gone, index=series.index))
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
                 found: _Findings, hidden: bool, value_labels: dict[str, str] | None = None
                 ) -> np.ndarray:
    raw = series.to_numpy(dtype=object)
    keys = _keys(series)
    labels = np.array([v.strip() if isinstance(v, str) else k for v, k in zip(raw, keys)],
                      dtype=object) if raw.dtype == object else keys
    present = keys != None  # noqa: E711 - elementwise on an object array
    sentinel = present & np.isin(keys, list(na))
    found.add_sentinels(rule.source, sentinel.sum())
    if value_labels:
        gone = _missing_by_label(keys, value_labels, na, set(), rule.source, found)
        labels = np.where(gone, np.array(None, dtype=object), labels)
        present &= ~gone
        labels = _labelled_levels(keys, labels, value_labels, var, ~gone & ~sentinel,
                                  rule.source, found)
    labels = np.where(sentinel, np.array(None, dtype=object), labels)
    if var.levels is not None:
        off_level = present & ~sentinel & ~np.isin(labels, [str(v) for v in var.levels])
        found.add_values(rule.source, labels[off_level], hidden)
        labels = np.where(off_level, np.array(None, dtype=object), labels)
    return labels


def _labelled_levels(keys: np.ndarray, values: np.ndarray, value_labels: dict[str, str],
                     var: Variable, usable: np.ndarray, source: str,
                     found: _Findings) -> np.ndarray:
    """A text variable's labelled codes as their labels: where the label is a level of
    the variable (or the variable takes any label, like ``center``) and the code itself
    is not another level."""
    levels = None if var.levels is None else {str(v) for v in var.levels}
    out = values.copy()
    via_label: dict[str, str] = {}
    present = set(keys[usable & (keys != None)].tolist())  # noqa: E711 - elementwise
    for code, label in value_labels.items():
        if code not in present:
            continue
        if levels is None:
            via_label[code] = label
        elif label in levels:
            if code in levels and code != label:
                found.collisions.append(
                    f"column {source!r}: code {code} is labelled {label!r}; both are levels "
                    f"of {var.name!r}, so the codes and their labels disagree")
                continue
            via_label[code] = label
    for label, shared in shared_labels(via_label).items():
        found.collisions.append(
            f"column {source!r}: the value labels collide: codes {', '.join(shared)} are all "
            f"labelled {label!r}, so the file cannot tell them apart")
    for code, label in via_label.items():
        hit = usable & (keys == code)
        out[hit] = label
        found.add_by_label(source, int(hit.sum()))
    return out


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
