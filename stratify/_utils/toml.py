"""Settings written as TOML text (the standard library reads TOML but does not write it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["toml_text", "toml_value"]

WIDTH = 100
"""Longest line written."""


def toml_value(value: Any, indent: int = 0, flat_width: int = WIDTH) -> str:
    """One value in TOML: booleans, numbers, strings, lists (wrapped when long).

    Examples
    --------
    >>> toml_value(True), toml_value(0.5), toml_value("gmm"), toml_value([2, 3])
    ('true', '0.5', '"gmm"', '[2, 3]')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        items = [toml_value(v, indent, flat_width) for v in value]
        flat = "[" + ", ".join(items) + "]"
        if indent + len(flat) <= flat_width or not items:
            return flat
        lines, line = [], ""
        for item in items:
            if line and len(line) + len(item) + 2 > WIDTH - 4:
                lines.append(line)
                line = ""
            line += ("" if not line else " ") + item + ","
        lines.append(line)
        return "[\n" + "\n".join("    " + text for text in lines) + "\n]"
    raise TypeError(f"no TOML form for {value!r}")


def toml_text(config: Mapping[str, Any]) -> str:
    """Settings (top-level keys, then one table per section) as TOML a run can read back.

    TOML has no null: a setting that is None is written as a comment.

    Examples
    --------
    >>> import tomllib
    >>> text = toml_text({"seed": 0, "cluster": {"method": "gmm", "blocks": None},
    ...                   "explain": {"enabled": True}})
    >>> print(text)
    seed = 0
    <BLANKLINE>
    [cluster]
    method = "gmm"
    # blocks: not set
    <BLANKLINE>
    [explain]
    enabled = true
    >>> tomllib.loads(text)["explain"]["enabled"]
    True
    """
    lines: list[str] = []

    def setting(key: str, value: Any) -> str:
        if value is None:
            return f"# {key}: not set"
        return f"{key} = {toml_value(value, len(key) + 3)}"

    for key, value in config.items():
        if not isinstance(value, Mapping):
            lines.append(setting(key, value))
    for section, settings in config.items():
        if isinstance(settings, Mapping):
            lines += ["", f"[{section}]"]
            lines += [setting(key, value) for key, value in settings.items()]
    return "\n".join(lines).lstrip("\n")
