"""Reading back what ``StratificationResult.save`` wrote, checking it before use.

A results folder may travel between sites and be damaged or altered on the
way. ``run.json`` is read only up to :data:`RUN_JSON_MAX_BYTES`, must be a
JSON object of the documented shape, and each table's layout (how many index
levels, which columns are text) must fit the CSV it describes; anything
else is refused with the file, the key and the rule, before a table is read.
Models are checked by :func:`stratify.data.load`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

RUN_JSON_MAX_BYTES = 16 * 1024**2
"""Largest ``run.json`` read back (16 MiB; a run writes a few kilobytes)."""


class _Refusal:
    def __init__(self, path: Path):
        self.path = path

    def __call__(self, key: str, rule: str) -> ValueError:
        return ValueError(f"{self.path}: {key}: {rule}. The results folder was damaged or "
                          "altered; nothing was loaded.")


def read_run_json(path: Path) -> dict[str, Any]:
    """``run.json`` as a dict with ``config``, ``versions``, ``timings`` and ``tables``."""
    refuse = _Refusal(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file; a folder written by "
                                "StratificationResult.save holds run.json.")
    size = path.stat().st_size
    if size > RUN_JSON_MAX_BYTES:
        raise refuse("the file", f"{size} bytes, more than the {RUN_JSON_MAX_BYTES} bytes "
                                 "(16 MiB) a run record may hold")
    try:
        meta = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise refuse("the file", f"not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise refuse("the file", f"not valid JSON ({exc.msg} at line {exc.lineno}, "
                                 f"column {exc.colno})") from None
    except RecursionError:
        raise refuse("the file", "JSON nested too deeply to be a run record") from None
    if not isinstance(meta, dict):
        raise refuse("the file", f"a JSON {type(meta).__name__}, expected an object")
    for key in ("config", "versions"):
        if not isinstance(meta.get(key), dict):
            raise refuse(f"'{key}'", "missing or not an object")
    timings = meta.setdefault("timings", {})
    if not isinstance(timings, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in timings.values()):
        raise refuse("'timings'", "must map step names to finite numbers of seconds")
    tables = meta.setdefault("tables", {})
    if not isinstance(tables, dict) or not all(isinstance(v, dict) for v in tables.values()):
        raise refuse("'tables'", "must map table names to objects")
    return meta


def table_layout(run_json: Path, layout: dict[str, Any], csv: Path
                 ) -> tuple[list[int], list[str], dict[str, Any]]:
    """Index level positions, text columns and attrs of one table, checked against its CSV."""
    refuse = _Refusal(run_json)
    info = layout.get(csv.stem, {})
    key = f"'tables' -> '{csv.stem}'"
    levels = info.get("index_levels", 1)
    header = pd.read_csv(csv, nrows=0)  # the header line only
    width = header.shape[1]
    if not isinstance(levels, int) or isinstance(levels, bool) or not 1 <= levels <= \
            max(width, 1):
        raise refuse(f"{key} -> 'index_levels'",
                     f"must be an integer from 1 to the {width} column(s) of {csv.name}; "
                     f"got {levels!r:.40}")
    text = info.get("text_columns", [])
    if not isinstance(text, list) or not all(isinstance(c, str) for c in text):
        raise refuse(f"{key} -> 'text_columns'", "must be a list of column names")
    # a hint for reading, not data: names the CSV does not hold (a column label that
    # the CSV writer quoted against formula injection) are left out
    present = {str(c) for c in header.columns[levels:]}
    text = [c for c in text if c in present]
    attrs = info.get("attrs", {})
    if not isinstance(attrs, dict):
        raise refuse(f"{key} -> 'attrs'", "must be an object")
    return list(range(levels)), text, attrs
