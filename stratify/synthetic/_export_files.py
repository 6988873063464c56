"""Centre exports written as files of one format, with the mapping that reads them back.

Each centre's export becomes ``<folder>/<centre>.<ext>`` the way that format
stores a registry's table: CSV and TSV as text; Excel with numbers, text and
dates as cells of their type; SPSS and Stata with the coded text columns
(``Y``/``N``, ``pos``/``neg``, localized sex and outcome words, text sentinels)
stored as integer codes with value labels, dates as dates, and the export's
own column names (which these formats do not allow) kept as variable labels;
SAS and Parquet with one type a column. The mapping is rewritten for the
names the files carry and gets each centre's ``file``; it is saved as
``mapping.json`` beside the files.
"""

from __future__ import annotations

import copy
import json
import os
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..data import write_file

__all__ = ["FILE_FORMATS", "write_exports"]

FILE_FORMATS = ("csv", "tsv", "xlsx", "sav", "dta", "xpt", "sas7bdat", "parquet")
"""The formats :func:`make_center_exports` writes (the extensions of the files)."""

_LABELLED = ("sav", "dta")
_TYPED = ("sav", "dta", "xpt", "sas7bdat", "parquet")


def write_exports(exports: Mapping[str, pd.DataFrame], mapping: Mapping[str, Any],
                  out: str | os.PathLike, file_format: str) -> tuple[dict[str, pd.DataFrame], dict]:
    """Write each centre's export to ``out`` and return the exports and the mapping
    under the names the files carry (see the module's docstring)."""
    if file_format not in FILE_FORMATS:
        raise ValueError(f"file_format must be one of {list(FILE_FORMATS)}; got "
                         f"{file_format!r}.")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    new_mapping = copy.deepcopy(dict(mapping))
    written: dict[str, pd.DataFrame] = {}
    stems: set[str] = set()
    for centre, frame in exports.items():
        spec = new_mapping["centres"][centre]
        renames = _names([str(c) for c in frame.columns], file_format)
        spec["columns"] = {renames.get(k, k): _renamed_rule(rule, renames)
                           for k, rule in spec["columns"].items()}
        spec["ignore"] = [renames.get(c, c) for c in spec.get("ignore", [])]
        stem = _file_stem(centre, stems)
        spec["file"] = f"{stem}.{file_format}"
        renamed = frame.rename(columns=renames)
        typed, value_labels = _typed(renamed, spec, file_format)
        variable_labels = {new: old for old, new in renames.items() if new != old}
        write_file(typed, folder / spec["file"], value_labels=value_labels,
                   variable_labels=variable_labels)
        written[centre] = renamed
    (folder / "mapping.json").write_text(json.dumps(new_mapping, ensure_ascii=False, indent=1),
                                         encoding="utf-8")
    return written, new_mapping


def _file_stem(centre: str, used: set[str]) -> str:
    stem = re.sub(r"[^\w.-]", "_", centre).strip(".") or "centre"
    while stem.lower() in used:
        stem += "_"
    used.add(stem.lower())
    return stem


def _names(columns: list[str], file_format: str) -> dict[str, str]:
    """Column names the format allows, each distinct (the originals become variable labels)."""
    renames: dict[str, str] = {}
    taken: set[str] = set()
    for name in columns:
        new = _valid_name(name, file_format)
        base, i = new, 2
        while new.lower() in taken:
            new, i = f"{base}_{i}", i + 1
        taken.add(new.lower())
        if new != name:
            renames[name] = new
    return renames


def _valid_name(name: str, file_format: str) -> str:
    if file_format not in _TYPED or file_format == "parquet":
        return name
    if file_format in ("xpt", "sas7bdat"):  # SAS: ASCII letters, digits, _
        folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        new = re.sub(r"[^A-Za-z0-9_]", "_", folded)
        limit = 32
    elif file_format == "dta":  # Stata: letters, digits, _
        new = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)
        limit = 32
    else:  # SPSS: letters, digits and _ . @ # $; no blank
        new = "".join(ch if ch.isalnum() or ch in "_.@#$" else "_" for ch in name).rstrip(".")
        limit = 64
    if not new or not (new[0].isalpha() or (new[0] == "_" and file_format != "sav")):
        new = "v_" + new
    return new[:limit]


def _renamed_rule(rule: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(rule, list):
        return [_renamed_rule(r, renames) for r in rule]
    if isinstance(rule, dict):
        out = dict(rule)
        for key in ("reference", "start"):
            if key in out:
                out[key] = renames.get(out[key], out[key])
        return out
    return rule


def _rules(rule: Any) -> list[dict]:
    entries = rule if isinstance(rule, list) else [rule]
    return [r for r in entries if isinstance(r, dict)]


def _typed(frame: pd.DataFrame, spec: Mapping[str, Any], file_format: str
           ) -> tuple[pd.DataFrame, dict[str, dict[int, str]]]:
    """The export as the format stores it, and the value labels of its coded columns."""
    if file_format in ("csv", "tsv"):
        return frame, {}
    text_na = {str(v) for v in spec.get("na_values", []) if isinstance(v, str)}
    out: dict[str, pd.Series] = {}
    value_labels: dict[str, dict[int, str]] = {}
    for column in frame.columns:
        rule = spec["columns"].get(column)
        cells = frame[column].to_numpy(dtype=object)
        dates = [r["date"] for r in _rules(rule) if "date" in r]
        if dates:
            text = pd.Series(cells, dtype=object).where(
                pd.Series([isinstance(v, str) for v in cells]), None)
            out[column] = pd.Series(pd.to_datetime(text, format=dates[0], errors="coerce"),
                                    index=frame.index)
            continue
        if rule is None or rule == "patient_id" or file_format == "xlsx":
            out[column] = pd.Series([None if v == "" else v for v in cells], index=frame.index,
                                    dtype=object)
            continue
        rule_na = {str(v) for r in _rules(rule) for v in r.get("na_values", [])
                   if isinstance(v, str)}
        column_values, labels = _typed_column(cells, text_na | rule_na, file_format)
        out[column] = pd.Series(column_values, index=frame.index)
        if labels:
            value_labels[column] = labels
    return pd.DataFrame(out, index=frame.index), value_labels


def _typed_column(cells: np.ndarray, text_na: set[str], file_format: str
                  ) -> tuple[np.ndarray, dict[int, str]]:
    """One column with one type: numbers (text sentinels missing), integer codes with
    value labels (SPSS, Stata) or text."""
    def is_number(v: Any) -> bool:
        return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)

    texts = [v for v in cells if isinstance(v, str) and v.strip() and v not in text_na]
    if not texts:  # a numeric column: its text sentinels are missing in a typed file
        return np.array([float(v) if is_number(v) else np.nan for v in cells]), {}
    if file_format in _LABELLED:
        numbers = {float(v) for v in cells if is_number(v)}
        words = list(dict.fromkeys(v for v in cells if isinstance(v, str) and v.strip()))
        codes: dict[str, int] = {}
        code = 1
        for word in words:
            while float(code) in numbers:
                code += 1
            codes[word] = code
            code += 1
        values = np.array([float(v) if is_number(v) else float(codes[v]) if v in codes
                           else np.nan for v in cells])
        return values, {c: w for w, c in codes.items()}
    return np.array([v if isinstance(v, str) and v != "" else None if not is_number(v)
                     else _number_text(v) for v in cells], dtype=object), {}


def _number_text(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)
