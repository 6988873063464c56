"""``stratify validate``: time and peak memory of reading and validating a cohort file.

One task, ``validate``, two methods. ``stratify_validate_cli``: the command
``python -m stratify validate FILE`` (read the CSV, check it against the
schema, build the :class:`stratify.Cohort`) run in a fresh subprocess, so
that the measure is that of the command a user runs. ``seconds`` is its wall
time and ``peak_memory_mb`` its peak resident set size (``ru_maxrss`` of the
child, from ``os.wait4``, which includes the
interpreter and the imports: about 150 MB); ``file_mb`` is the size of the
file and ``memory_ratio`` the peak over the file size.

The file: a synthetic cohort from :func:`stratify.synthetic.make_pss_cohort`
(20,000 patients, 5 centres, ``patient_id`` and 96 variables: 97 columns)
written with :func:`stratify.data.write_csv` and repeated with new ids up to
``n`` rows (about 376 bytes a row). Quick suite: 20,000 patients; full:
1,000,000 (a 376 MB file).

A second method, ``stratify_validate_report_cli``, times ``python -m stratify
validate FILE --report DIR``: the same reading and validation, then the
data-quality report (completeness, plausibility, drift between centres, the
missing-data patterns, Little's test and the cross-validated models of each
variable's missingness) written as an HTML page with its figures and a CSV
table. Its file is a cohort drawn whole by
:func:`~stratify.synthetic.make_pss_cohort` (every patient drawn, none
repeated: repeated rows would be duplicates to the report), 2,000 and 100,000
patients in both suites (the targets: under 5 s and under 60 s on 2 cores).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SUITES = {"quick": {"n": (20_000,), "report_n": (2_000, 100_000)},
          "full": {"n": (1_000_000,), "report_n": (2_000, 100_000)}}
SUITE_SEEDS = {"full": (0,)}
"""Seeds run (read by the runner): the full suite measures seed 0 only."""
BLOCK = 20_000
DATASET = "synthetic_pss_5centres_97cols_csv"
REPORT_DATASET = "synthetic_pss_5centres_97cols_drawn_csv"


def write_cohort_file(path: str | os.PathLike, n: int, seed: int = 0) -> Path:
    """Write an ``n``-patient cohort CSV (97 columns) to ``path``; returns the path."""
    from stratify.data import write_csv
    from stratify.synthetic import make_pss_cohort

    base = make_pss_cohort(n_patients=min(n, BLOCK), n_centers=5, random_state=seed).data
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as out:
        for start in range(0, n, BLOCK):
            block = base.iloc[: min(BLOCK, n - start)].copy()
            block.index = [f"B{start // BLOCK:03d}-{i}" for i in block.index]
            block.index.name = "patient_id"
            text_buffer = _csv_text(block, write_csv)
            out.write(text_buffer if start == 0 else text_buffer.split("\n", 1)[1])
    return path


def write_report_cohort(path: str | os.PathLike, n: int, seed: int = 0) -> Path:
    """Write an ``n``-patient cohort CSV (97 columns, every patient drawn) to ``path``."""
    from stratify.data import write_csv
    from stratify.synthetic import make_pss_cohort

    path = Path(path)
    write_csv(make_pss_cohort(n_patients=n, n_centers=5, random_state=seed).data, path)
    return path


def _csv_text(frame: Any, write_csv: Any) -> str:
    import io

    buffer = io.StringIO()
    write_csv(frame, buffer)
    return buffer.getvalue()


def measure_validate(path: str | os.PathLike, report: str | os.PathLike | None = None
                     ) -> dict[str, float]:
    """Wall time and peak RSS of ``python -m stratify validate path`` in a fresh process
    (with ``--report report`` when given).

    The peak is that child's own ``ru_maxrss`` (``os.wait4``), whatever other
    children this process ran before.
    """
    extra = [] if report is None else ["--report", str(report)]
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "stratify", "validate", str(path),
                                  "--quiet", *extra], stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"stratify validate exited {child.returncode}: "
                               f"{err.read()[-500:].decode(errors='replace')}")
    return {"seconds": seconds, "peak_memory_mb": usage.ru_maxrss / 1024}


def run(suite: str = "quick", seed: int = 0) -> list[dict[str, Any]]:
    rows = []
    for n in SUITES[suite]["n"]:
        with tempfile.TemporaryDirectory() as folder:
            path = write_cohort_file(Path(folder) / "cohort.csv", n, seed)
            file_mb = path.stat().st_size / 2**20
            measured = measure_validate(path)
        rows.append({"task": "validate", "method": "stratify_validate_cli", "dataset": DATASET,
                     "n": n, "seed": seed, "n_columns": 97, "file_mb": round(file_mb, 1),
                     "memory_ratio": round(measured["peak_memory_mb"] / file_mb, 2),
                     **measured})
    for n in SUITES[suite]["report_n"]:
        with tempfile.TemporaryDirectory() as folder:
            path = write_report_cohort(Path(folder) / "cohort.csv", n, seed)
            file_mb = path.stat().st_size / 2**20
            measured = measure_validate(path, report=Path(folder) / "quality")
        rows.append({"task": "validate", "method": "stratify_validate_report_cli",
                     "dataset": REPORT_DATASET, "n": n, "seed": seed, "n_columns": 97,
                     "file_mb": round(file_mb, 1),
                     "memory_ratio": round(measured["peak_memory_mb"] / file_mb, 2),
                     **measured})
    return rows
