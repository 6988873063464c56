"""The canonical key of a raw export value, and numbers written as text.

Codes, sentinels and patient ids are matched on these keys, so that ``1``,
``1.0`` and ``"1"`` are one code whether a CSV was read as text or as numbers.
"""

from __future__ import annotations

import math
import re
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

_FRACTION = re.compile(r"^\s*([-+]?[0-9.eE+-]+)\s*/\s*([-+]?[0-9.eE+-]+)\s*$")


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
