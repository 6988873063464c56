"""Run a benchmark suite and write machine-readable results plus a Markdown summary.

Each benchmark module ``benchmarks/bench_<task>.py`` exposes
``run(suite="quick"|"full", seed=0) -> list[dict]``; every dict is one
measurement with the columns ``task, method, dataset, n, seed``, its metrics,
``seconds`` and ``peak_memory_mb``. The grid of (module, seed) runs through
:func:`stratify.parallel.run`, so ``--scheduler ADDRESS`` runs it on a Dask
cluster; quality metrics are identical whatever the backend (timings are not,
so the default is one worker: timings measured one at a time).
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

MODULES = ("synthetic", "impute", "cluster", "recovery", "explain", "classify", "survival",
           "quality", "workflow")
SUITES: dict[str, dict[str, tuple[int, ...]]] = {
    "quick": {"seeds": (0,)},
    "full": {"seeds": (0, 1, 2)},
}
REQUIRED_COLUMNS = ("task", "method", "dataset", "n", "seed", "seconds", "peak_memory_mb")


def available_modules() -> list[str]:
    """Benchmark modules present in this checkout, in run order."""
    here = Path(__file__).parent
    return [m for m in MODULES if (here / f"bench_{m}.py").exists()]


def _run_module(name: str, suite: str, seed: int) -> list[dict[str, Any]]:
    """Rows of one benchmark module (``name`` of ``benchmarks/bench_<name>.py``, or a
    dotted module path) for one seed, checked for the required columns."""
    module = importlib.import_module(name if "." in name else f"benchmarks.bench_{name}")
    rows = module.run(suite=suite, seed=seed)
    for row in rows:
        row.setdefault("seed", seed)
        row.setdefault("task", name)
        missing = [c for c in REQUIRED_COLUMNS if c not in row]
        if missing:
            raise ValueError(f"benchmarks.bench_{name} returned a row without {missing}.")
    return rows


def versions() -> dict[str, str]:
    """Versions of Python, stratify and the libraries it builds on."""
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for name in ("stratify", "numpy", "pandas", "scipy", "sklearn", "lifelines", "sksurv",
                 "shap", "umap", "hdbscan", "joblib", "dask"):
        try:
            out[name] = importlib.import_module(name).__version__
        except Exception:  # noqa: BLE001 - a missing optional library is just not reported
            continue
    return out


def run_suite(suite: str = "quick", *, modules: list[str] | None = None,
              n_jobs: int | None = 1, quiet: bool = False) -> pd.DataFrame:
    """Run every benchmark module of ``suite`` over its seeds; one row per measurement."""
    from stratify.parallel import run

    if suite not in SUITES:
        raise ValueError(f"suite must be one of {sorted(SUITES)}; got {suite!r}.")
    modules = available_modules() if modules is None else modules
    tasks = [(m, suite, seed) for m in modules for seed in SUITES[suite]["seeds"]]
    results = run(_run_module, tasks, n_jobs=n_jobs, progress=not quiet, desc="benchmarks")
    rows = [row for chunk in results for row in chunk]
    frame = pd.DataFrame(rows)
    first = [c for c in REQUIRED_COLUMNS if c in frame.columns]
    return frame[first + [c for c in frame.columns if c not in first]]


def summarize(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation over seeds of every numeric column."""
    keys = ["task", "method", "dataset", "n"]
    numeric = [c for c in frame.select_dtypes("number").columns if c not in ("n", "seed")]
    grouped = frame.groupby(keys, dropna=False)[numeric]
    mean = grouped.mean()
    std = grouped.std()
    out = mean.copy()
    for col in numeric:
        if frame["seed"].nunique() > 1:
            out[col] = [f"{m:.3g} ± {s:.2g}" if pd.notna(s) else f"{m:.3g}"
                        for m, s in zip(mean[col], std[col], strict=True)]
    return out.reset_index()


def write_results(frame: pd.DataFrame, out: Path, suite: str, seconds: float) -> list[Path]:
    """Write results.csv, results.json, summary.md and figures into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    meta = {"suite": suite, "seconds_total": round(seconds, 1), "versions": versions(),
            "commit": _git_commit()}
    csv_path = out / "results.csv"
    frame.to_csv(csv_path, index=False)
    json_path = out / "results.json"
    json_path.write_text(json.dumps({"meta": meta, "rows": json.loads(frame.to_json(
        orient="records"))}, indent=1), encoding="utf-8")
    figures = _figures(frame, out)
    lines = [f"# Benchmark results ({suite} suite)", "",
             f"Commit `{meta['commit']}`; {meta['seconds_total']} s in all; "
             + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if k != "platform"),
             ""]
    summary = summarize(frame)
    for task, sub in summary.groupby("task", sort=False):
        lines += [f"## {task}", "", sub.drop(columns="task").dropna(axis=1, how="all")
                  .to_markdown(index=False, floatfmt=".3g"), ""]
        for fig in figures.get(str(task), []):
            lines += [f"![{task}]({fig.name})", ""]
    md_path = out / "summary.md"
    md_path.write_text("\n".join(lines), encoding="utf-8")
    return [csv_path, json_path, md_path, *[f for fs in figures.values() for f in fs]]


def _figures(frame: pd.DataFrame, out: Path) -> dict[str, list[Path]]:
    """One time-against-n figure per task that was measured at several sizes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from stratify.plot import PALETTE

    figures: dict[str, list[Path]] = {}
    for task, sub in frame.groupby("task", sort=False):
        if sub["n"].nunique() < 2:
            continue
        fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
        for i, (method, m) in enumerate(sub.groupby("method")):
            curve = m.groupby("n")["seconds"].mean()
            ax.plot(curve.index, curve.values, "o-", color=PALETTE[i % len(PALETTE)],
                    label=str(method))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("patients (n)")
        ax.set_ylabel("seconds")
        ax.set_title(f"{task}: time against n")
        ax.legend(frameon=False, fontsize="small")
        path = out / f"{task}_seconds.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        figures[str(task)] = [path]
    return figures


def _git_commit() -> str:
    import subprocess

    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True, cwd=Path(__file__).parent).stdout.strip()
    except Exception:  # noqa: BLE001 - outside a git checkout
        return "unknown"


def main(suite: str = "quick", out: str | Path = "bench-results", scheduler: str | None = None,
         n_jobs: int | None = 1, quiet: bool = False, modules: list[str] | None = None) -> int:
    """Run ``suite`` and write its results to ``out``; returns an exit code."""
    start = time.perf_counter()
    if scheduler is not None:
        from stratify.parallel import use_dask

        with use_dask(scheduler):
            frame = run_suite(suite, modules=modules, n_jobs=-1, quiet=quiet)
    else:
        frame = run_suite(suite, modules=modules, n_jobs=n_jobs, quiet=quiet)
    paths = write_results(frame, Path(out), suite, time.perf_counter() - start)
    if not quiet:
        print(f"{len(frame)} measurements written to {paths[0].parent}")
    return 0


def _cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--suite", choices=sorted(SUITES), default="quick")
    parser.add_argument("--out", default="bench-results")
    parser.add_argument("--scheduler", default=None)
    parser.add_argument("--n-jobs", type=int, default=1, dest="n_jobs")
    parser.add_argument("--only", nargs="*", default=None, help="benchmark modules to run")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    return main(args.suite, args.out, args.scheduler, args.n_jobs, args.quiet, args.only)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_cli())
