"""The kind of a column: its schema kind when the schema knows it, else from its values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from .checks import is_numeric


def column_kind(name: object, schema: Any, values: pd.Series | None = None, *,
                rename: Mapping[str, str | None] | None = None,
                binary: bool = False) -> str:
    """The kind of column ``name`` (``"continuous"``, ``"binary"``, ``"categorical"``...).

    The schema's kind comes first, after ``rename`` (a kind mapped to None is
    not taken from the schema, e.g. ``{"id": None}``). Otherwise the column is
    ``"categorical"`` when ``values`` are not numbers, ``"binary"`` when
    ``binary`` is true and the observed values are all 0 or 1, else
    ``"continuous"`` (also when no ``values`` are given).
    """
    var = schema.get(str(name)) if schema is not None else None
    kind: str | None = var.kind if var is not None else None
    if rename is not None and kind is not None and kind in rename:
        kind = rename[kind]
    if kind is not None:
        return kind
    if values is None:
        return "continuous"
    if not is_numeric(values):
        return "categorical"
    if binary and set(values.dropna().unique()) <= {0, 1}:
        return "binary"
    return "continuous"
