"""Reading what registries export: ``Cohort.from_file`` against plain ``pandas.read_*``.

One task, ``formats``: for each format stratify reads (CSV, TSV, Excel,
SPSS, Stata, SAS, SAS transport, Parquet) the same synthetic cohort is
written once (:func:`stratify.data.write_file`; 97 columns: ``patient_id``
and 96 variables of :func:`stratify.synthetic.make_pss_cohort`, repeated with
new ids up to ``n`` rows), then read two ways in this process, each timed with
its peak memory by :func:`benchmarks._measure.measure`:

- ``stratify``: ``Cohort.from_file(path)`` - read, the CSV reader's rules for
  missing values and ids, value labels, validation against the schema, the
  validated cohort;
- ``pandas``: the plain pandas reader of that format (``read_csv``,
  ``read_excel``, ``read_spss``, ``read_stata``, ``read_sas``,
  ``read_parquet``; for ``.xpt`` version 8, which pandas cannot read,
  ``pyreadstat.read_xport``): the table, unchecked.

Each stratify row carries ``time_ratio`` and ``memory_ratio`` over its pandas
row. Quick suite: 5,000 patients; full: 100,000 (seed 0 only).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks._measure import measure, ratios

FORMATS = ("csv", "tsv", "xlsx", "sav", "dta", "sas7bdat", "xpt", "parquet")
SUITES = {"quick": {"n": 5_000}, "full": {"n": 100_000}}
SUITE_SEEDS = {"full": (0,)}
"""Seeds run (read by the runner): the full suite measures seed 0 only."""
BLOCK = 20_000


def cohort_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` patients (97 columns, ``patient_id`` a column), blocks of a synthetic cohort
    repeated with new ids."""
    from stratify.synthetic import make_pss_cohort

    base = make_pss_cohort(n_patients=min(n, BLOCK), n_centers=5, random_state=seed).data
    blocks = []
    for start in range(0, n, BLOCK):
        block = base.iloc[: min(BLOCK, n - start)].copy()
        block.index = [f"B{start // BLOCK:03d}-{i}" for i in block.index]
        blocks.append(block)
    frame = pd.concat(blocks)
    frame.index.name = "patient_id"
    return frame.reset_index()


def plain_reader(fmt: str) -> Any:
    """The plain pandas call that reads a file of this format."""
    return {
        "csv": lambda p: pd.read_csv(p),
        "tsv": lambda p: pd.read_csv(p, sep="\t"),
        "xlsx": lambda p: pd.read_excel(p, engine="openpyxl"),
        "sav": lambda p: pd.read_spss(p),
        "dta": lambda p: pd.read_stata(p),
        "sas7bdat": lambda p: pd.read_sas(p),
        "xpt": _read_xport,
        "parquet": lambda p: pd.read_parquet(p),
    }[fmt]


def _read_xport(path: Path) -> pd.DataFrame:
    """pandas reads SAS transport version 5 only (names of 8 characters); the cohort's
    names need version 8, which pyreadstat reads: the plain call is pyreadstat's."""
    import pyreadstat

    return pyreadstat.read_xport(str(path))[0]


def run(suite: str = "quick", seed: int = 0, formats: tuple[str, ...] = FORMATS
        ) -> list[dict[str, Any]]:
    from stratify.data import Cohort, write_file

    n = SUITES[suite]["n"]
    frame = cohort_frame(n, seed)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        for fmt in formats:
            path = write_file(frame, Path(folder) / f"cohort.{fmt}")
            file_mb = path.stat().st_size / 2**20
            _, plain_s, plain_mb = measure(plain_reader(fmt), path)
            cohort, seconds, memory = measure(Cohort.from_file, path)
            if len(cohort) != n:
                raise RuntimeError(f"{fmt}: read {len(cohort)} patients of {n}")
            common = {"task": "formats", "dataset": f"synthetic_pss_97cols_{fmt}", "n": n,
                      "seed": seed, "format": fmt, "file_mb": round(file_mb, 2)}
            rows.append({**common, "method": "pandas", "library": "pandas",
                         "seconds": plain_s, "peak_memory_mb": plain_mb})
            rows.append({**common, "method": "stratify", "library": "stratify",
                         "baseline": "pandas", "seconds": seconds, "peak_memory_mb": memory,
                         **ratios(seconds, memory, plain_s, plain_mb)})
    return rows
