"""The harmonization mapping: compiled and checked against the schema, or read from a file.

:func:`_compile_mapping` turns the mapping (a dict) into one :class:`_Centre`
of :class:`_Rule` objects per centre, or raises one ``ValueError`` naming
every problem with its centre and column; :func:`load_mapping` reads a
mapping from YAML or JSON.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import Any

from .._keys import _as_number, _canonical
from .._schema import Schema, Variable

_TOP_KEYS = ("centres", "description", "version")
_CENTRE_KEYS = ("columns", "na_values", "ignore", "description", "file", "sheet")
_RULE_KEYS = ("to", "scale", "offset", "codes", "na_values", "date", "reference", "start",
              "unit", "decimals", "role")
_ROLES = ("reference_date",)
_DAYS_PER_UNIT = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}
_LEVEL_KINDS = ("binary", "ordinal", "event")


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
    file: str | None = None
    sheet: str | int | None = None

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
    """One export column's rule, checked; ``None`` (problems named) if unusable."""
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
        return _compile_role(where, source, entry, role, na_values, date, problems)

    target = entry.get("to")
    if not isinstance(target, str):
        problems.append(f"{where}: the rule needs 'to' (the schema column) or 'role'")
        return None
    var = schema.get(target)
    if var is None:
        problems.append(f"{where}: unknown target column {target!r}: not a variable of the "
                        f"schema{_suggest(target, schema.names)}")
        return None

    scale, offset, decimals = _rule_numbers(where, entry, problems)
    compiled_codes = _compile_codes(where, entry, target, var, problems)
    reference, start = entry.get("reference"), entry.get("start")
    unit = entry.get("unit", "years")
    _check_combination(where, entry, target, var, problems, numbers=(scale, offset, decimals),
                       codes=compiled_codes, date=date)
    return _Rule(source, target, scale=scale, offset=offset, codes=compiled_codes,
                 na_values=na_values, date=date,
                 reference=None if reference is None else str(reference),
                 start=None if start is None else str(start), unit=str(unit),
                 decimals=None if decimals is None else int(decimals))


def _compile_role(where: str, source: str, entry: Mapping, role: Any,
                  na_values: frozenset[str], date: str | None, problems: list[str]) -> _Rule:
    """A column with a ``role`` (a reference date) instead of a target."""
    if role not in _ROLES:
        problems.append(f"{where}: role must be one of {_ROLES}; got {role!r}")
    extra = [k for k in entry if k not in ("role", "date", "na_values")]
    if extra:
        problems.append(f"{where}: a {role!r} column takes only 'date' and 'na_values'; "
                        f"remove {extra}")
    if date is None:
        problems.append(f"{where}: a {role!r} column needs its 'date' format")
    return _Rule(source, None, na_values=na_values, date=date, role=str(role))


def _rule_numbers(where: str, entry: Mapping, problems: list[str]
                  ) -> tuple[float | None, float | None, Any]:
    """The rule's ``scale``, ``offset`` and ``decimals``, checked (``None`` when absent or bad)."""

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
    return scale, offset, decimals


def _compile_codes(where: str, entry: Mapping, target: str, var: Variable,
                   problems: list[str]) -> dict[str, Any] | None:
    """The rule's code list as {canonical code: schema value}; ``None`` without one."""
    codes = entry.get("codes")
    if codes is None:
        return None
    if not isinstance(codes, Mapping) or not codes:
        problems.append(f"{where}: 'codes' must be a non-empty mapping of centre code to "
                        f"schema level")
        return None
    compiled_codes: dict[str, Any] = {}
    for code, level in codes.items():
        try:
            value = _code_level(level, var)
        except (TypeError, ValueError, ZeroDivisionError):
            problems.append(f"{where}: code {code!r} maps to {level!r}, which is not "
                            f"a level of {target!r} (must be {var.rule()})")
            continue
        key = _canonical(code)
        compiled_codes["" if key is None else key] = value
    return compiled_codes


def _check_combination(where: str, entry: Mapping, target: str, var: Variable,
                       problems: list[str], *, numbers: tuple, codes: dict[str, Any] | None, date: str | None) -> None:
    """Keys that do not go together, or do not fit the target's kind."""
    scale, offset, decimals = numbers
    reference, start = entry.get("reference"), entry.get("start")
    unit = entry.get("unit", "years")
    numeric = var.kind in ("continuous", "time", *_LEVEL_KINDS)
    if var.kind == "id":
        extra = [k for k in entry if k not in ("to", "na_values")]
        if extra:
            problems.append(f"{where}: the patient identifier is renamed only; remove {extra}")
    if codes is not None and (scale is not None or offset is not None or date):
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
    file, sheet = spec.get("file"), spec.get("sheet")
    if file is not None and not isinstance(file, str):
        problems.append(f"{where}: 'file' must be the export's file name")
        file = None
    if sheet is not None and (isinstance(sheet, bool) or not isinstance(sheet, (str, int))):
        problems.append(f"{where}: 'sheet' must be a worksheet name or a 0-based position")
        sheet = None
    centre = _Centre(name, na_values, tuple(rules), ignore, file, sheet)
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
