"""Harmonization of centre exports onto the schema with a declarative per-centre mapping.

The mapping is data (a dict, or a YAML or JSON file), not code: each centre
lists how its export's columns become schema columns (rename, unit
conversion, code list, sentinels, dates to durations). Anything the mapping
does not cover is reported in a :class:`HarmonizationReport`, never dropped
silently.

scikit-learn is deliberately not imported here: ``import stratify.data`` must
stay light, so :class:`Harmonizer` implements the estimator protocol
(``get_params``/``set_params``, parameters stored in ``__init__``) itself.
"""

from __future__ import annotations

import datetime
import difflib
import inspect
import json
import math
import os
import re
import warnings
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._utils.rows import MAX_SHOWN as MAX_ROWS_SHOWN
from ._cohort import identifier_columns
from ._schema import PSS_SCHEMA, Schema, Variable
from ._validate import Problem, SchemaError, validate

__all__ = ["Harmonizer", "HarmonizationReport", "load_mapping"]

_TOP_KEYS = ("centres", "description", "version")
_CENTRE_KEYS = ("columns", "na_values", "ignore", "description")
_RULE_KEYS = ("to", "scale", "offset", "codes", "na_values", "date", "reference", "start",
              "unit", "decimals", "role")
_ROLES = ("reference_date",)
_DAYS_PER_UNIT = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}
_LEVEL_KINDS = ("binary", "ordinal", "event")
_HIDDEN = "<withheld: identifier-like column>"
_FRACTION = re.compile(r"^\s*([-+]?[0-9.eE+-]+)\s*/\s*([-+]?[0-9.eE+-]+)\s*$")


# --------------------------------------------------------------------------- keys


def _number_key(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == int(x) and abs(x) < 2**53:
        return str(int(x))
    return repr(x)


def _canonical(value: Any) -> str | None:
    """The key under which a raw value is matched against codes and sentinels.

    Numbers and number-like text share one key (``1``, ``1.0`` and ``"1"`` are
    all ``"1"``), so a code list written in YAML matches a CSV read as text or
    as numbers; other text is matched after stripping surrounding blanks.
    Missing values have no key.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            return text
        return text if math.isnan(number) else _number_key(number)
    if isinstance(value, (Real, np.number, np.bool_)):
        number = float(value)
        return None if math.isnan(number) else _number_key(number)
    return str(value).strip()


def _keys(series: pd.Series) -> np.ndarray:
    """Canonical key of every value (object array, ``None`` where missing)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    ukeys = np.array([_canonical(u) for u in uniques] + [None], dtype=object)
    return ukeys[codes]


def _as_number(value: Any) -> float:
    """A finite number from a number or a text such as ``"1/15"``."""
    if isinstance(value, bool) or value is None:
        raise ValueError
    if isinstance(value, str):
        match = _FRACTION.match(value)
        number = float(match.group(1)) / float(match.group(2)) if match else float(value)
    elif isinstance(value, (Real, np.number)):
        number = float(value)
    else:
        raise ValueError
    if not math.isfinite(number):
        raise ValueError
    return number


# --------------------------------------------------------------------------- mapping


@dataclass(frozen=True)
class _Rule:
    """One compiled rule: how one export column becomes one schema column."""

    source: str
    target: str | None
    scale: float | None = None
    offset: float | None = None
    codes: dict[str, Any] | None = None
    na_values: frozenset[str] = frozenset()
    date: str | None = None
    reference: str | None = None
    start: str | None = None
    unit: str = "years"
    decimals: int | None = None
    role: str | None = None

    def describe(self) -> str:
        parts = []
        if self.codes is not None:
            parts.append("code list")
        if self.scale is not None:
            parts.append(f"scale {self.scale:g}")
        if self.offset is not None:
            parts.append(f"offset {self.offset:g}")
        if self.date is not None and self.reference is not None:
            parts.append(f"date {self.date!r} until {self.reference!r} in {self.unit}")
        if self.date is not None and self.start is not None:
            parts.append(f"date {self.date!r} since {self.start!r} in {self.unit}")
        if self.decimals is not None:
            parts.append(f"{self.decimals} decimals")
        how = f" ({', '.join(parts)})" if parts else ""
        return f"export column {self.source!r}{how}"


@dataclass(frozen=True)
class _Centre:
    name: str
    na_values: frozenset[str]
    rules: tuple[_Rule, ...]
    ignore: tuple[str, ...]

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(rule.source for rule in self.rules))

    @property
    def date_formats(self) -> dict[str, str]:
        formats: dict[str, str] = {}
        for rule in self.rules:
            if rule.date is not None:
                formats.setdefault(rule.source, rule.date)
        return formats

    @property
    def id_rule(self) -> _Rule:
        return next(rule for rule in self.rules if rule.target == "patient_id")


def _suggest(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _na_keys(values: Any, where: str, problems: list[str]) -> frozenset[str]:
    if values is None:
        return frozenset()
    if isinstance(values, (str, Real)) or not isinstance(values, (list, tuple, set)):
        values = [values]
    keys = set()
    for value in values:
        if value is not None and not isinstance(value, (str, Real)):
            problems.append(f"{where}: na_values must be numbers or text; got a "
                            f"{type(value).__name__}")
            continue
        key = _canonical(value)
        keys.add("" if key is None else key)
    return frozenset(keys)


def _code_level(level: Any, var: Variable) -> Any:
    """The schema value a code list entry maps to; raises ValueError if not allowed."""
    if level is None:
        return None
    if var.kind in ("continuous", "time"):
        return _as_number(level)
    if var.kind in _LEVEL_KINDS:
        key = _canonical(level) if not isinstance(level, bool) else None
        for allowed in var.levels or ():
            if key == _canonical(allowed):
                return float(allowed)
        raise ValueError
    if var.levels is None:
        if not isinstance(level, (str, Real)) or isinstance(level, bool):
            raise ValueError
        return str(level)
    if isinstance(level, str) and level in {str(v) for v in var.levels}:
        return level
    raise ValueError


def _compile_rule(centre: str, source: str, entry: Any, schema: Schema,
                  problems: list[str]) -> _Rule | None:
    where = f"centre {centre!r}, column {source!r}"
    if isinstance(entry, str):
        entry = {"to": entry}
    if not isinstance(entry, Mapping):
        problems.append(f"{where}: a rule must be a schema column name or a mapping with "
                        f"'to'; got a {type(entry).__name__}")
        return None
    unknown = [k for k in entry if k not in _RULE_KEYS]
    for key in unknown:
        problems.append(f"{where}: unknown rule key {key!r}{_suggest(str(key), list(_RULE_KEYS))};"
                        f" allowed keys are {', '.join(_RULE_KEYS)}")
    na_values = _na_keys(entry.get("na_values"), where, problems)
    date = entry.get("date")
    if date is not None and not isinstance(date, str):
        problems.append(f"{where}: 'date' must be a strptime format such as '%Y-%m-%d'")
        date = None

    role = entry.get("role")
    if role is not None:
        if role not in _ROLES:
            problems.append(f"{where}: role must be one of {_ROLES}; got {role!r}")
        extra = [k for k in entry if k not in ("role", "date", "na_values")]
        if extra:
            problems.append(f"{where}: a {role!r} column takes only 'date' and 'na_values'; "
                            f"remove {extra}")
        if date is None:
            problems.append(f"{where}: a {role!r} column needs its 'date' format")
        return _Rule(source, None, na_values=na_values, date=date, role=str(role))

    target = entry.get("to")
    if not isinstance(target, str):
        problems.append(f"{where}: the rule needs 'to' (the schema column) or 'role'")
        return None
    var = schema.get(target)
    if var is None:
        problems.append(f"{where}: unknown target column {target!r}: not a variable of the "
                        f"schema{_suggest(target, schema.names)}")
        return None

    def number(key: str) -> float | None:
        if entry.get(key) is None:
            return None
        try:
            return _as_number(entry[key])
        except (TypeError, ValueError, ZeroDivisionError):
            problems.append(f"{where}: {key!r} must be a finite number (or a fraction such as "
                            f"'1/15')")
            return None

    scale, offset = number("scale"), number("offset")
    if scale == 0:
        problems.append(f"{where}: 'scale' must not be 0")
    decimals = entry.get("decimals")
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, Integral)
                                 or decimals < 0):
        problems.append(f"{where}: 'decimals' must be a non-negative integer")
        decimals = None

    codes = entry.get("codes")
    compiled_codes: dict[str, Any] | None = None
    if codes is not None:
        if not isinstance(codes, Mapping) or not codes:
            problems.append(f"{where}: 'codes' must be a non-empty mapping of centre code to "
                            f"schema level")
        else:
            compiled_codes = {}
            for code, level in codes.items():
                try:
                    value = _code_level(level, var)
                except (TypeError, ValueError, ZeroDivisionError):
                    problems.append(f"{where}: code {code!r} maps to {level!r}, which is not "
                                    f"a level of {target!r} (must be {var.rule()})")
                    continue
                key = _canonical(code)
                compiled_codes["" if key is None else key] = value

    reference, start = entry.get("reference"), entry.get("start")
    unit = entry.get("unit", "years")
    numeric = var.kind in ("continuous", "time", *_LEVEL_KINDS)
    if var.kind == "id":
        extra = [k for k in entry if k not in ("to", "na_values")]
        if extra:
            problems.append(f"{where}: the patient identifier is renamed only; remove {extra}")
    if compiled_codes is not None and (scale is not None or offset is not None or date):
        problems.append(f"{where}: 'codes' map directly to schema levels; they exclude "
                        f"'scale', 'offset' and 'date'")
    if not numeric and var.kind != "id" and (scale is not None or offset is not None
                                             or decimals is not None):
        problems.append(f"{where}: 'scale', 'offset' and 'decimals' apply to numeric "
                        f"columns; {target!r} is {var.kind}")
    if date is not None:
        if var.kind not in ("continuous", "time"):
            problems.append(f"{where}: a date becomes a duration, so 'to' must be a continuous "
                            f"or time column; {target!r} is {var.kind}")
        if (reference is None) == (start is None):
            problems.append(f"{where}: a date rule needs exactly one of 'reference' (duration "
                            f"from this date until the reference date, e.g. age) or 'start' "
                            f"(duration from the start date until this date)")
        if unit not in _DAYS_PER_UNIT:
            problems.append(f"{where}: 'unit' must be one of {list(_DAYS_PER_UNIT)}; "
                            f"got {unit!r}")
    elif any(k in entry for k in ("reference", "start", "unit")):
        problems.append(f"{where}: 'reference', 'start' and 'unit' need a 'date' format")
    return _Rule(source, target, scale=scale, offset=offset, codes=compiled_codes,
                 na_values=na_values, date=date,
                 reference=None if reference is None else str(reference),
                 start=None if start is None else str(start), unit=str(unit),
                 decimals=None if decimals is None else int(decimals))


def _compile_centre(name: str, spec: Any, schema: Schema, problems: list[str]) -> _Centre | None:
    where = f"centre {name!r}"
    if not isinstance(spec, Mapping):
        problems.append(f"{where}: must be a mapping with 'columns'")
        return None
    for key in spec:
        if key not in _CENTRE_KEYS:
            problems.append(f"{where}: unknown key {key!r}{_suggest(str(key), list(_CENTRE_KEYS))};"
                            f" allowed keys are {', '.join(_CENTRE_KEYS)}")
    na_values = _na_keys(spec.get("na_values"), where, problems)
    ignore = spec.get("ignore") or []
    if isinstance(ignore, str) or not isinstance(ignore, (list, tuple)):
        problems.append(f"{where}: 'ignore' must be a list of column names")
        ignore = []
    ignore = tuple(str(c) for c in ignore)
    columns = spec.get("columns")
    if not isinstance(columns, Mapping) or not columns:
        problems.append(f"{where}: 'columns' must be a non-empty mapping of export column to "
                        f"rule")
        return None
    rules: list[_Rule] = []
    for source, entry in columns.items():
        source = str(source)
        entries = entry if isinstance(entry, list) else [entry]
        if not entries:
            problems.append(f"centre {name!r}, column {source!r}: empty list of rules")
        if source in ignore:
            problems.append(f"centre {name!r}, column {source!r}: is both mapped and ignored")
        for item in entries:
            rule = _compile_rule(name, source, item, schema, problems)
            if rule is not None:
                rules.append(rule)

    targets = Counter(rule.target for rule in rules if rule.target is not None)
    for target, count in targets.items():
        if count > 1:
            sources = [rule.source for rule in rules if rule.target == target]
            problems.append(f"{where}: columns {sources} all map to {target!r}; map one")
    if targets["patient_id"] == 0:
        problems.append(f"{where}: no column maps to 'patient_id'")
    centre = _Centre(name, na_values, tuple(rules), ignore)
    formats = centre.date_formats
    for rule in rules:
        for ref in (rule.reference, rule.start):
            if ref is not None and ref not in formats:
                problems.append(f"centre {name!r}, column {rule.source!r}: the date "
                                f"{'reference' if ref == rule.reference else 'start'} {ref!r} "
                                f"must be an export column of this centre with a 'date' format "
                                f"(e.g. {{role: reference_date, date: '%Y-%m-%d'}})")
    return centre


def _compile_mapping(mapping: Any, schema: Schema) -> dict[str, _Centre]:
    """Check the whole mapping against the schema; raise one error listing every problem."""
    if not isinstance(mapping, Mapping):
        raise TypeError(f"The harmonization mapping must be a dict (or use load_mapping(path)); "
                        f"got {type(mapping).__name__}.")
    problems: list[str] = []
    for key in mapping:
        if key not in _TOP_KEYS:
            problems.append(f"unknown top-level key {key!r}{_suggest(str(key), list(_TOP_KEYS))};"
                            f" allowed keys are {', '.join(_TOP_KEYS)}")
    centres = mapping.get("centres")
    compiled: dict[str, _Centre] = {}
    if not isinstance(centres, Mapping) or not centres:
        problems.append("the mapping needs a non-empty 'centres' section: "
                        "{centre name: {columns: {...}}}")
    else:
        for name, spec in centres.items():
            centre = _compile_centre(str(name), spec, schema, problems)
            if centre is not None:
                compiled[str(name)] = centre
    if problems:
        lines = [f"{len(problems)} problem(s) with the harmonization mapping:"]
        lines += [f"  - {p}" for p in problems]
        raise ValueError("\n".join(lines))
    return compiled


def _yaml_loader():
    """A safe YAML loader whose only booleans are true/false (as in YAML 1.2).

    YAML 1.1 reads yes/no/on/off as booleans, which would silently turn a
    code list ``{yes: 1, no: 0}`` into ``{True: 1, False: 0}``.
    """
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    bool_tag = "tag:yaml.org,2002:bool"
    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != bool_tag]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(
        bool_tag, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    return Loader


def load_mapping(path: str | os.PathLike) -> dict:
    """Read a harmonization mapping from a YAML (``.yaml``/``.yml``) or JSON file.

    The format is described in :class:`Harmonizer`. YAML is read safely (no
    Python objects) with YAML 1.2 booleans: only ``true``/``false`` are
    booleans, so codes such as ``yes``, ``no``, ``on`` stay text. The mapping
    is checked against the schema when the :class:`Harmonizer` uses it.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    dict

    Examples
    --------
    >>> import tempfile, pathlib
    >>> text = '''
    ... centres:
    ...   Uppsala:
    ...     columns:
    ...       PatID: patient_id
    ...       SSA: {to: anti_ro, codes: {yes: 1, no: 0}}
    ... '''
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "mapping.yaml"
    ...     _ = path.write_text(text)
    ...     mapping = load_mapping(path)
    >>> mapping["centres"]["Uppsala"]["columns"]["SSA"]["codes"]
    {'yes': 1, 'no': 0}
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file.")
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        import yaml

        try:
            mapping = yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - SafeLoader subclass
        except yaml.YAMLError as exc:
            raise ValueError(f"{path}: not valid YAML ({exc}).") from None
    elif suffix == ".json":
        try:
            mapping = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc}).") from None
    else:
        raise ValueError(f"{path}: a mapping file must end in .yaml, .yml or .json.")
    if not isinstance(mapping, dict):
        raise ValueError(f"{path}: the mapping must be a mapping with a 'centres' section; "
                         f"got a {type(mapping).__name__}.")
    return mapping


# --------------------------------------------------------------------------- report


@dataclass
class HarmonizationReport:
    """What harmonization did with every export column and value, per centre.

    Every dict is keyed by centre; column names are the centres' own export
    names. Values are centre codes or text found where a number was expected;
    values of identifier-like columns (patient id, birth date, names) are
    never shown.

    Attributes
    ----------
    n_rows_in, n_rows_out : dict of str to int
        Rows in each export, and rows in the harmonized frame.
    unmapped_columns : dict of str to list of str
        Export columns the mapping neither maps nor ignores (left out).
    unmapped_values : dict of str to dict of str to dict of str to int
        Per centre and export column: values not in the code list, not a
        schema level, not a number or not a date in the given format, with
        their counts. They became missing. These values are export text (a
        free-text field may hold a name), so the text of the report and the
        warnings give counts only; only ``to_frame()`` lists them, to fix the
        mapping, and is not for sharing.
    ignored_columns : dict of str to list of str
        Export columns the mapping lists under ``ignore``.
    absent_columns : dict of str to list of str
        Columns the mapping expects that the export does not have.
    sentinels : dict of str to dict of str to int
        Per centre and export column, how many values were sentinels (or
        codes mapped to missing) and became missing.
    excluded_rows : dict of str to dict of str to int
        Per centre, rows left out and the reason.

    Examples
    --------
    >>> report = HarmonizationReport(
    ...     n_rows_in={"A": 3}, n_rows_out={"A": 3}, unmapped_columns={"A": ["notes"]},
    ...     unmapped_values={"A": {"SSA": {"?": 1}}})
    >>> report.clean
    False
    >>> report.to_frame()[["centre", "item", "column", "count"]]
      centre             item column  count
    0      A          rows_in   <NA>      3
    1      A         rows_out   <NA>      3
    2      A   unmapped_column  notes      1
    3      A    unmapped_value    SSA      1
    """

    n_rows_in: dict[str, int] = field(default_factory=dict)
    n_rows_out: dict[str, int] = field(default_factory=dict)
    unmapped_columns: dict[str, list[str]] = field(default_factory=dict)
    unmapped_values: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)
    absent_columns: dict[str, list[str]] = field(default_factory=dict)
    sentinels: dict[str, dict[str, int]] = field(default_factory=dict)
    excluded_rows: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def centres(self) -> list[str]:
        """The centres harmonized, in order."""
        return list(self.n_rows_in)

    @property
    def clean(self) -> bool:
        """True when no column and no value was left unmapped."""
        return not (any(self.unmapped_columns.values())
                    or any(any(v.values()) for v in self.unmapped_values.values()))

    def to_frame(self) -> pd.DataFrame:
        """One row per centre and finding: ``centre, item, column, value, count``.

        ``item`` is one of ``rows_in``, ``rows_out``, ``unmapped_column``,
        ``unmapped_value``, ``ignored_column``, ``absent_column``,
        ``sentinel`` and ``excluded_rows`` (with the reason in ``value``).
        """
        rows: list[tuple] = []
        na = pd.NA
        for centre in dict.fromkeys([*self.n_rows_in, *self.unmapped_columns,
                                     *self.unmapped_values]):
            if centre in self.n_rows_in:
                rows.append((centre, "rows_in", na, na, self.n_rows_in[centre]))
            if centre in self.n_rows_out:
                rows.append((centre, "rows_out", na, na, self.n_rows_out[centre]))
            for item, columns in (("unmapped_column", self.unmapped_columns),
                                  ("ignored_column", self.ignored_columns),
                                  ("absent_column", self.absent_columns)):
                rows += [(centre, item, col, na, 1) for col in columns.get(centre, [])]
            for col, values in self.unmapped_values.get(centre, {}).items():
                rows += [(centre, "unmapped_value", col, value, n) for value, n in values.items()]
            for col, n in self.sentinels.get(centre, {}).items():
                rows.append((centre, "sentinel", col, na, n))
            for reason, n in self.excluded_rows.get(centre, {}).items():
                rows.append((centre, "excluded_rows", na, reason, n))
        frame = pd.DataFrame(rows, columns=["centre", "item", "column", "value", "count"])
        frame = frame.astype({"centre": "string", "item": "string", "column": "string",
                              "value": "string", "count": "int64"})
        return frame

    def __str__(self) -> str:
        total_in, total_out = sum(self.n_rows_in.values()), sum(self.n_rows_out.values())
        lines = [f"Harmonization report: {len(self.n_rows_in)} centre(s), {total_in} row(s) in, "
                 f"{total_out} out" + ("" if self.clean else " - UNMAPPED items below")]
        for centre in self.centres:
            lines.append(f"centre {centre!r}: {self.n_rows_in[centre]} rows in, "
                         f"{self.n_rows_out.get(centre, 0)} out")
            for label, columns in (("unmapped columns (left out)", self.unmapped_columns),
                                   ("ignored columns", self.ignored_columns),
                                   ("mapped columns absent from the export",
                                    self.absent_columns)):
                if columns.get(centre):
                    lines.append(f"  {label}: {', '.join(columns[centre])}")
            values = self.unmapped_values.get(centre, {})
            if values:
                # counts only: a free-text field's values may name the patient
                lines.append("  unmapped values (set to missing):")
                lines += [f"    {col!r}: {_count_values(counts)}"
                          for col, counts in values.items()]
            if self.sentinels.get(centre):
                lines.append("  sentinels set to missing: " + ", ".join(
                    f"{col!r} x {n}" for col, n in self.sentinels[centre].items()))
            for reason, n in self.excluded_rows.get(centre, {}).items():
                lines.append(f"  rows excluded: {n} ({reason})")
        return "\n".join(lines)

    def _summary(self, limit: int = 12) -> str:
        """A short account of the unmapped items, for warnings and errors."""
        items = []
        for centre, columns in self.unmapped_columns.items():
            if columns:
                items.append(f"centre {centre!r}: unmapped column(s) {columns}")
        for centre, per_column in self.unmapped_values.items():
            for col, counts in per_column.items():
                items.append(f"centre {centre!r}, column {col!r}: {_count_values(counts)}")
        text = "\n  - ".join(items[:limit])
        more = f"\n  ... and {len(items) - limit} more" if len(items) > limit else ""
        return f"  - {text}{more}"


def _count_values(counts: dict[str, int]) -> str:
    """Unmapped values told by their number, never by their text."""
    distinct = [v for v in counts if v != _HIDDEN]
    text = f"{sum(counts.values())} unmapped value(s)"
    if distinct:
        text += f", {len(distinct)} distinct (listed in report_.to_frame())"
    return text


# --------------------------------------------------------------------------- applying rules


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
    values = np.where(sentinel, np.nan, values)
    if rule.scale is not None:
        values = values * rule.scale
    if rule.offset is not None:
        values = values + rule.offset
    if rule.decimals is not None:
        values = np.round(values, rule.decimals)
    if var.kind in _LEVEL_KINDS and var.levels is not None:
        off_level = np.isfinite(values) & ~np.isin(values, np.asarray(var.levels, dtype=float))
        if off_level.any():
            found.add_values(rule.source, _keys(series[off_level]), hidden)
            values = np.where(off_level, np.nan, values)
    return values


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


# --------------------------------------------------------------------------- estimator


class Harmonizer:
    """Map centre exports (other names, units, codes, dates) onto the schema.

    A declarative mapping says, per centre, how each export column becomes a
    schema column. :meth:`transform` applies it to ``{centre: DataFrame}``
    and returns ONE validated frame indexed by ``patient_id`` with a
    ``center`` column, columns in schema order (named variables first, then
    ``mol_*`` genes in the order met), rows centre by centre in the order of the
    exports. Every export column the mapping does not cover and every value
    it cannot map is reported in :attr:`report_` (and in a warning with
    counts), never dropped silently; with ``on_unmapped="error"`` they raise.

    The mapping is checked against the schema before any data are touched:
    unknown target columns, code lists pointing at levels the schema does not
    allow, unknown rule keys, two columns feeding one target, a date without
    a reference... each is named with its centre and column.

    Parameters
    ----------
    mapping : dict
        The mapping (format below); :func:`load_mapping` reads it from YAML or
        JSON, as does :meth:`from_file`.
    schema : Schema, default=PSS_SCHEMA
        The target data model.
    on_unmapped : {"report", "error"}, default="report"
        What to do with unmapped columns and values: report them (and warn),
        or raise ``ValueError`` listing them all.

    Attributes
    ----------
    report_ : HarmonizationReport
        What the last :meth:`transform` did, per centre.
    centres_ : list of str
        The centres of the mapping (set by :meth:`fit` and :meth:`transform`).

    Notes
    -----
    **Mapping format.** One entry per centre under ``centres``; the centre's
    name is the key of its export in ``transform``'s dict and, unless a
    column maps to ``center``, the value of the ``center`` column::

        centres:
          Uppsala:
            na_values: [-9, 999, "", "NA", "unknown"]   # sentinels, every column
            columns:
              PatID: patient_id                       # rename
              Kön: {to: sex, codes: {K: F, M: M}}     # code list -> schema levels
              IgG_mg_dl: {to: igg_g_l, scale: 0.01}   # unit: value * scale + offset
              saliva_ml_15min: {to: uwsf_ml_min, scale: 1/15}
              antiSSA: {to: anti_ro, codes: {pos: 1, neg: 0, "1": 1, "2": 0}}
              Schirmer: {to: schirmer_mm_5min, na_values: [-1]}   # column sentinels
              birth_date: {to: age, date: "%Y-%m-%d", reference: visit_date,
                           unit: years, decimals: 1}
              diagnosis_date: {to: disease_duration_years, date: "%Y-%m-%d",
                               reference: visit_date}
              visit_date: {role: reference_date, date: "%Y-%m-%d"}
              ESSDAI_CNS: {to: essdai_cns, offset: -1}     # coded 1, 3, 4
              follow_up_months: {to: lymphoma_time_years, scale: 1/12}
              GE_IFI44: mol_IFI44
            ignore: [comments]     # dropped on purpose, reported as ignored

    A rule is a schema column name (a rename) or a mapping with these keys:

    ``to``
        The schema column (required unless ``role`` is given).
    ``scale``, ``offset``
        Unit conversion ``value * scale + offset``; a number or a fraction
        written as text (``"1/15"``).
    ``codes``
        Centre code -> schema level (``{pos: 1, neg: 0}``, ``{ja: 1, nein: 0}``,
        ``{K: F}``); a level ``null`` marks a code meaning missing. ``1``,
        ``1.0`` and ``"1"`` are the same code; text is matched after
        stripping blanks, case-sensitively. Without ``codes``, values of
        binary, ordinal, event and categorical columns must already be
        schema levels.
    ``na_values``
        Sentinels for this column, added to the centre's ``na_values``.
    ``date``, ``reference`` / ``start``, ``unit``, ``decimals``
        The column holds dates in the strptime format ``date``; it becomes
        the duration until the ``reference`` date column (age from a birth
        date, disease duration from a diagnosis date) or since the ``start``
        date column (follow-up to an event date), in ``unit`` (``years``
        = days / 365.25, ``months``, ``weeks``, ``days``). ``decimals`` rounds
        any numeric result.
    ``role: reference_date``
        A date column used only as a reference (e.g. the visit date).

    A column may feed several schema columns with a list of rules, e.g. a
    birth date giving both ``age`` and ``age_at_diagnosis``. Values that are
    not in the code list, not schema levels, not numbers or not dates in the
    format become missing and are reported with their counts (values of
    identifier-like columns are withheld). Export rows without any value are
    left out and reported. Duplicate patient ids, within or across centres,
    are an error naming the ids; out-of-range results are a
    :class:`~stratify.data.SchemaError` naming the centre, the rule, up to
    five patients and the schema rule.

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd
    >>> from stratify.data import Harmonizer
    >>> mapping = {"centres": {
    ...     "Uppsala": {
    ...         "na_values": [-9, ""],
    ...         "columns": {
    ...             "PatID": "patient_id",
    ...             "Kön": {"to": "sex", "codes": {"K": "F", "M": "M"}},
    ...             "IgG_mg_dl": {"to": "igg_g_l", "scale": 0.01},
    ...             "birth": {"to": "age", "date": "%Y-%m-%d", "reference": "visit",
    ...                       "decimals": 1},
    ...             "visit": {"role": "reference_date", "date": "%Y-%m-%d"}},
    ...         "ignore": ["comments"]},
    ...     "Berlin": {"columns": {
    ...         "Patientennummer": "patient_id",
    ...         "Anti-Ro": {"to": "anti_ro", "codes": {"ja": 1, "nein": 0}}}}}}
    >>> exports = {
    ...     "Uppsala": pd.DataFrame({"PatID": ["u1", "u2"], "Kön": ["K", "X"],
    ...                              "IgG_mg_dl": [1200, -9],
    ...                              "birth": ["1970-01-01", "1980-06-30"],
    ...                              "visit": ["2020-01-01", "2021-06-30"],
    ...                              "comments": ["", "follow-up"]}),
    ...     "Berlin": pd.DataFrame({"Patientennummer": ["b1"], "Anti-Ro": ["ja"]})}
    >>> harmonizer = Harmonizer(mapping)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     df = harmonizer.transform(exports)
    >>> df
               center  sex   age  anti_ro  igg_g_l
    patient_id
    u1        Uppsala    F  50.0      NaN     12.0
    u2        Uppsala  NaN  41.0      NaN      NaN
    b1         Berlin  NaN   NaN      1.0      NaN
    >>> harmonizer.report_.unmapped_values
    {'Uppsala': {'Kön': {'X': 1}}, 'Berlin': {}}
    >>> harmonizer.report_.ignored_columns["Uppsala"]
    ['comments']
    """

    _parameter_constraints: dict = {
        "mapping": [dict],
        "schema": [Schema],
        "on_unmapped": [{"report", "error"}],
    }

    def __init__(self, mapping: dict, *, schema: Schema = PSS_SCHEMA,
                 on_unmapped: str = "report"):
        self.mapping = mapping
        self.schema = schema
        self.on_unmapped = on_unmapped

    # -- estimator protocol (as scikit-learn's BaseEstimator, without importing it)
    @classmethod
    def _get_param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [p.name for p in signature.parameters.values() if p.name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters (as scikit-learn's ``get_params``)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params: Any) -> Harmonizer:
        """Set constructor parameters (as scikit-learn's ``set_params``)."""
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"Invalid parameter {name!r} for Harmonizer; valid parameters "
                                 f"are {valid}.")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        centres = self.mapping.get("centres") if isinstance(self.mapping, Mapping) else None
        names = list(centres) if isinstance(centres, Mapping) else []
        shown = f"<{len(names)} centre(s): {', '.join(map(str, names[:4]))}" + (
            ", ...>" if len(names) > 4 else ">")
        extra = "" if self.on_unmapped == "report" else f", on_unmapped={self.on_unmapped!r}"
        return f"Harmonizer(mapping={shown}{extra})"

    def __sklearn_tags__(self):
        from sklearn.utils import Tags, TargetTags, TransformerTags
        from sklearn.utils._tags import InputTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False),
                    transformer_tags=TransformerTags(), requires_fit=False,
                    input_tags=InputTags(two_d_array=False, dict=True))

    def _validate_params(self) -> None:
        for name, allowed in self._parameter_constraints.items():
            value = getattr(self, name)
            if any(isinstance(value, c) if isinstance(c, type) else value in c for c in allowed
                   if isinstance(c, type) or isinstance(value, str)):
                continue
            expected = " or ".join(f"an instance of {c.__name__!r}" if isinstance(c, type)
                                   else f"a str among {sorted(c)}" for c in allowed)
            got = repr(value) if isinstance(value, (str, Real)) else f"a {type(value).__name__}"
            raise ValueError(f"The {name!r} parameter of Harmonizer must be {expected}. "
                             f"Got {got} instead.")

    @classmethod
    def from_file(cls, path: str | os.PathLike, **params: Any) -> Harmonizer:
        """A Harmonizer with the mapping read from a YAML or JSON file (:func:`load_mapping`)."""
        return cls(load_mapping(path), **params)

    def fit(self, X: Any = None, y: Any = None) -> Harmonizer:
        """Check the parameters and the mapping (no data are needed); returns self."""
        self._validate_params()
        self.centres_ = list(_compile_mapping(self.mapping, self.schema))
        return self

    def fit_transform(self, X: Mapping[str, pd.DataFrame], y: Any = None) -> pd.DataFrame:
        """Same as :meth:`transform` (harmonization learns nothing from the data)."""
        return self.fit().transform(X)

    def transform(self, X: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
        """Harmonize ``{centre: export}`` into one validated frame.

        Parameters
        ----------
        X : dict of str to DataFrame
            One export per centre, keyed by the centre's name in the mapping.
            An export's index is used when its name is a mapped column.

        Returns
        -------
        DataFrame
            Indexed by ``patient_id``, with ``center``; columns in schema order.

        Raises
        ------
        ValueError
            For a bad mapping, an export of a centre the mapping does not know,
            a header problem or (``on_unmapped="error"``) anything unmapped.
        SchemaError
            For duplicate patient ids (within or across centres) and values
            that break the schema after mapping.
        """
        self._validate_params()
        centres = _compile_mapping(self.mapping, self.schema)
        self.centres_ = list(centres)
        exports = self._check_exports(X, centres)
        without = [name for name in centres if name not in exports]
        if without:
            warnings.warn(f"Harmonizer: {len(without)} mapped centre(s) got no export and are "
                          f"absent from the result: {without}.", UserWarning, stacklevel=2)
        report = HarmonizationReport()
        for name, frame in exports.items():
            centre = centres[name]
            known = set(centre.sources) | set(centre.ignore)
            report.n_rows_in[name] = len(frame)
            report.unmapped_columns[name] = [c for c in frame.columns if c not in known]
            report.ignored_columns[name] = [c for c in centre.ignore if c in frame.columns]
            report.absent_columns[name] = [c for c in centre.sources if c not in frame.columns]
        if self.on_unmapped == "error" and any(report.unmapped_columns.values()):
            raise ValueError("on_unmapped='error': the mapping does not cover these export "
                             "columns (map them or list them under 'ignore'):\n"
                             + report._summary(limit=50))

        parts: dict[str, pd.DataFrame] = {}
        problems: list[Problem] = []
        for name, frame in exports.items():
            part, found, excluded = self._harmonize_centre(centres[name], frame, problems)
            report.unmapped_values[name] = found.unmapped_values
            report.sentinels[name] = found.sentinels
            report.excluded_rows[name] = excluded
            if part is not None:
                parts[name] = part
                report.n_rows_out[name] = len(part)
        if not problems:
            problems += _duplicates_across(parts)
        if problems:
            raise SchemaError(problems, source="the centre exports")
        self.report_ = report  # the values the errors and warnings count are listed there
        if self.on_unmapped == "error" and not report.clean:
            raise ValueError("on_unmapped='error': values outside the mapping's code lists or "
                             "the schema's levels:\n" + report._summary(limit=50))

        data = pd.concat(parts.values(), axis=0) if len(parts) > 1 else next(iter(parts.values()))
        data = data[_schema_order(list(data.columns), self.schema)]
        if not report.clean:
            warnings.warn("Harmonizer: unmapped export columns were left out and unmapped "
                          "values set to missing (see .report_):\n" + report._summary(),
                          UserWarning, stacklevel=2)
        return data

    def _check_exports(self, X: Any, centres: dict[str, _Centre]) -> dict[str, pd.DataFrame]:
        if isinstance(X, pd.DataFrame) or not isinstance(X, Mapping):
            raise TypeError("Harmonizer.transform expects a dict {centre name: DataFrame}; "
                            f"got {type(X).__name__}.")
        if not X:
            raise ValueError("Harmonizer.transform got no export (an empty dict).")
        problems = []
        exports: dict[str, pd.DataFrame] = {}
        for name, frame in X.items():
            name = str(name)
            if name not in centres:
                problems.append(f"centre {name!r} is not in the mapping"
                                f"{_suggest(name, list(centres))}; mapped centres: "
                                f"{list(centres)}")
                continue
            if not isinstance(frame, pd.DataFrame):
                problems.append(f"centre {name!r}: the export must be a DataFrame; "
                                f"got {type(frame).__name__}")
                continue
            centre = centres[name]
            if frame.index.name is not None and str(frame.index.name) in centre.sources:
                frame = frame.reset_index()
            frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
            dupes = sorted(set(frame.columns[frame.columns.duplicated()]))
            if dupes:
                problems.append(f"centre {name!r}: export column(s) {dupes} appear more than "
                                f"once in the header")
            id_source = centre.id_rule.source
            if id_source not in frame.columns:
                problems.append(f"centre {name!r}: the export has no column {id_source!r}, "
                                f"which the mapping maps to 'patient_id'")
            formats = centre.date_formats
            for rule in centre.rules:
                for ref in (rule.reference, rule.start):
                    if ref is not None and rule.source in frame.columns and \
                            ref not in frame.columns:
                        problems.append(f"centre {name!r}, column {rule.source!r}: needs the "
                                        f"date column {ref!r} (format {formats[ref]!r}), which "
                                        f"the export does not have")
            exports[name] = frame
        if problems:
            raise ValueError(f"{len(problems)} problem(s) with the exports:\n"
                             + "\n".join(f"  - {p}" for p in problems))
        return exports

    def _harmonize_centre(self, centre: _Centre, frame: pd.DataFrame, problems: list[Problem]
                          ) -> tuple[pd.DataFrame | None, _Findings, dict[str, int]]:
        found = _Findings()
        empty = _empty_rows(frame)
        excluded = {"all values missing (empty row)": int(empty.sum())} if empty.any() else {}
        row_numbers = np.flatnonzero(~empty) + 1
        frame = frame.iloc[np.flatnonzero(~empty)].reset_index(drop=True)
        where = f"centre {centre.name!r}"

        id_rule = centre.id_rule
        raw_ids = frame[id_rule.source]
        if pd.api.types.is_numeric_dtype(raw_ids):
            ids = _keys(raw_ids)
        else:
            ids = np.array([v.strip() if isinstance(v, str) else _canonical(v)
                            for v in raw_ids.to_numpy(dtype=object)], dtype=object)
        missing_id = np.array([v is None or v == "" for v in ids], dtype=bool)
        if missing_id.any():
            shown = tuple(f"row {r}" for r in row_numbers[missing_id][:MAX_ROWS_SHOWN])
            problems.append(Problem("patient_id", f"{where}, {id_rule.describe()}: must not be "
                                    f"missing", shown, int(missing_id.sum())))
            return None, found, excluded

        dates: dict[str, pd.Series] = {}

        def parsed(source: str) -> pd.Series:
            if source not in dates:
                dates[source] = _parse_dates(frame[source], centre.date_formats[source], source,
                                             centre.na_values | rule_na[source], found)
            return dates[source]

        rule_na: dict[str, frozenset[str]] = {}
        for rule in centre.rules:
            rule_na[rule.source] = rule_na.get(rule.source, frozenset()) | rule.na_values

        columns: dict[str, Any] = {}
        described: dict[str, str] = {}
        for rule in centre.rules:
            if rule.source not in frame.columns or rule.target in (None, "patient_id"):
                if rule.role is not None and rule.source in frame.columns:
                    parsed(rule.source)
                continue
            var = self.schema[rule.target]
            na = centre.na_values | rule.na_values
            hidden = bool(identifier_columns([rule.source]))
            series = frame[rule.source]
            if rule.date is not None:
                this = parsed(rule.source)
                other = parsed(str(rule.reference or rule.start))
                later, earlier = (other, this) if rule.reference else (this, other)
                days = ((later - earlier) / np.timedelta64(1, "D")).to_numpy(dtype=float)
                values = days / _DAYS_PER_UNIT[rule.unit]
                if rule.scale is not None:
                    values = values * rule.scale
                if rule.offset is not None:
                    values = values + rule.offset
                if rule.decimals is not None:
                    values = np.round(values, rule.decimals)
            elif rule.codes is not None:
                values = _apply_codes(series, rule, var, na, found, hidden)
            elif var.is_numeric:
                values = _apply_number(series, rule, var, na, found, hidden)
            else:
                values = _apply_label(series, rule, var, na, found, hidden)
            columns[rule.target] = values
            described[rule.target] = rule.describe()
        if "center" not in columns:
            columns = {"center": np.full(len(frame), centre.name, dtype=object), **columns}
        out = pd.DataFrame(columns, index=pd.Index(ids, name="patient_id"))
        try:
            out = validate(out, self.schema)
        except SchemaError as err:
            for p in err.problems:
                how = described.get(p.column, "the export's patient ids"
                                    if p.column == "patient_id" else "")
                problems.append(Problem(p.column, f"{where}, {how}: {p.rule}", p.rows, p.n_rows))
            return None, found, excluded
        return out, found, excluded


def _duplicates_across(parts: dict[str, pd.DataFrame]) -> list[Problem]:
    """Patients whose id appears in more than one centre."""
    ids = pd.concat([pd.Series(name, index=part.index) for name, part in parts.items()])
    dup = ids.index.duplicated(keep=False)
    if not dup.any():
        return []
    clash = ids[dup]
    names = list(dict.fromkeys(clash.index))
    pairs = sorted({tuple(dict.fromkeys(clash.loc[[i]].tolist())) for i in names[:50]})
    between = "; ".join(" and ".join(repr(c) for c in pair) for pair in pairs[:5])
    return [Problem("patient_id", f"must be unique across centres: the same id appears in "
                    f"centres {between}", tuple(map(str, names[:MAX_ROWS_SHOWN])), len(names))]
