"""Saving a :class:`~stratify.workflow.StratificationResult` and reading it back, checked.

:func:`save_result` writes ``run.json``, ``tables/*.csv``, ``labels.csv``,
``excluded.csv`` and ``models/*.skops``; :func:`load_parts` reads them back.
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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ._csv import to_csv

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


def _text_columns(table: pd.DataFrame) -> list[str]:
    """Columns holding text only (no missing cell), to be read back as text."""
    return [str(c) for c in table.columns
            if not pd.api.types.is_numeric_dtype(table[c])
            and not pd.api.types.is_bool_dtype(table[c]) and table[c].notna().all()
            and table[c].map(lambda v: isinstance(v, str)).all()]


def _json_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``DataFrame.attrs`` that JSON can hold (e.g. Table 1's group sizes)."""
    out = {}
    for key, value in attrs.items():
        try:
            json.dumps(value)
        except TypeError:
            continue
        out[key] = value
    return out


def _restore_index(index: pd.Index) -> pd.Index:
    """Index levels read as text: empty labels back to "", numbers back to numbers."""
    def level(values: pd.Index) -> pd.Index:
        text = pd.Index([("" if pd.isna(v) else str(v)) for v in values], dtype=object,
                        name=values.name)
        if len(text) and text.str.fullmatch(r"-?\d+(\.\d+)?").all():
            return pd.Index(pd.to_numeric(text), name=values.name)
        return text

    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_arrays(
            [level(index.get_level_values(i)) for i in range(index.nlevels)],
            names=index.names)
    return level(index)


def save_result(result: Any, out: Path) -> Path:
    """Write ``result`` to the folder ``out`` (see ``StratificationResult.save``)."""
    from .data import save

    (out / "tables").mkdir(parents=True, exist_ok=True)
    (out / "models").mkdir(exist_ok=True)
    layout = {name: {"index_levels": table.index.nlevels,
                     "text_columns": _text_columns(table),
                     "attrs": _json_attrs(table.attrs)}
              for name, table in result.tables.items()}
    meta = {"config": result.config, "versions": result.versions, "timings": result.timings,
            "tables": layout}
    (out / "run.json").write_text(json.dumps(meta, indent=1, default=str), "utf-8")
    for name, table in result.tables.items():
        to_csv(table, out / "tables" / f"{name}.csv")
    if result.labels is not None:
        to_csv(result.labels, out / "labels.csv")
    to_csv(result.excluded, out / "excluded.csv", index=False)
    for name, model in result.models.items():
        save(model, out / "models" / f"{name}.skops")
    return out


def load_parts(src: Path, trusted: Any) -> dict[str, Any]:
    """The fields of a ``StratificationResult`` read from the folder ``src``, each file
    checked before use (see ``StratificationResult.load``)."""
    from ._utils.validation import trusted_type_names
    from .data import load

    trusted_type_names(trusted)  # refuse a malformed trust list before reading anything
    meta = read_run_json(src / "run.json")
    tables = {}
    for path in sorted((src / "tables").glob("*.csv")):
        levels, text, attrs = table_layout(src / "run.json", meta["tables"], path)
        dtypes: dict[int | str, type] = {**dict.fromkeys(levels, str),
                                         **dict.fromkeys(text, str)}
        # only empty cells are missing ("NA" may be a level); text columns had none
        table = pd.read_csv(path, index_col=levels, keep_default_na=False,
                            na_values=[""], dtype=dtypes)
        table[text] = table[text].fillna("")
        table.index = _restore_index(table.index)
        table.attrs.update(attrs)
        tables[path.stem] = table
    labels = None
    if (src / "labels.csv").exists():
        labels = pd.read_csv(src / "labels.csv", index_col=0, dtype=str).iloc[:, 0]
    excluded = pd.read_csv(src / "excluded.csv", dtype=str)
    models = {p.stem: load(p, trusted=trusted) for p in sorted((src / "models").glob(
        "*.skops"))}
    return {"config": meta["config"], "versions": meta["versions"], "labels": labels,
            "excluded": excluded, "tables": tables, "models": models,
            "timings": meta["timings"]}
