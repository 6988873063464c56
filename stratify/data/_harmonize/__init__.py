"""Harmonization of centre exports onto the schema with a declarative per-centre mapping.

The mapping is data (a dict, or a YAML or JSON file), not code: each centre
lists how its export's columns become schema columns (rename, unit
conversion, code list, sentinels, dates to durations). Anything the mapping
does not cover is reported in a :class:`HarmonizationReport`, never dropped
silently.

The parts, one job each:

- ``stratify/data/_keys.py`` (shared with the file readers): the canonical key
  of a raw value (codes and sentinels match on it) and numbers written as text
  (``"1/15"``);
- ``_files``: exports given as files (a folder, a list, ``{centre: path}``),
  each read with its value labels;
- ``_mapping``: the mapping compiler (checks a mapping against the schema,
  naming every problem) and :func:`load_mapping` (YAML or JSON);
- ``_convert``: applying a compiled rule to an export column (codes, numbers,
  labels, dates), counting what it could not map;
- ``_report``: :class:`HarmonizationReport`, what harmonization did;
- ``_estimator``: :class:`Harmonizer`, the transformer that runs them centre by
  centre.
"""

from ._estimator import Harmonizer
from ._mapping import load_mapping
from ._report import HarmonizationReport

__all__ = ["Harmonizer", "HarmonizationReport", "load_mapping"]
