"""The ``stratify`` command.

Exit codes: 0 success, 1 the data failed validation or a run failed on the
data, 2 wrong usage (bad arguments, a missing file, an unreadable or invalid
configuration), 3 a feature that is not available in this installation.

Examples
--------
>>> from stratify.cli import main
>>> main(["validate", "no-such-file.csv"])
2

"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._version import __version__

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3

FORMATS = "csv, tsv, xlsx, sav, dta, sas7bdat, xpt or parquet"
"""The cohort file formats the commands read (by extension)."""


def _out_dir(path: str, option: str) -> Path | None:
    """The output folder, created and checked before any work; None (after
    printing why) when it cannot be written."""
    from .workflow import check_out_dir

    try:
        return check_out_dir(path, option)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return None


def _cmd_validate(args: argparse.Namespace) -> int:
    from .data import Cohort, SchemaError

    if args.report is not None and _out_dir(args.report, "--report") is None:
        return EXIT_USAGE
    try:
        cohort = Cohort.from_file(args.file, sheet=args.sheet)
    except (FileNotFoundError, ImportError) as err:  # ImportError: the reader's extra
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except (SchemaError, ValueError) as err:
        print(f"INVALID: {err}", file=sys.stderr)
        return EXIT_DATA
    if not args.quiet:
        print(f"OK: {args.file}: {cohort!r}")
    if args.report is not None:
        from ._csv import to_csv
        from .data import quality_report
        from .report import quality_page

        out = Path(args.report)
        report = quality_report(cohort)
        page = quality_page(report, title=f"Data-quality report: {Path(args.file).name}")
        (out / "quality_report.html").write_text(page, encoding="utf-8")
        to_csv(report.to_frame(), out / "quality_report.csv")
        if not args.quiet:
            print(f"Quality report written to {out / 'quality_report.html'}")
    return EXIT_OK


def _finished(run: Any, *args: Any, **kwargs: Any) -> int:
    """Run ``run``; print why it stopped and return the exit code it deserves."""
    from .workflow import DataError, ReportError, UsageError

    try:
        run(*args, **kwargs)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except (DataError, ReportError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_DATA
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from .workflow import run_demo

    if _out_dir(args.out, "--out") is None:
        return EXIT_USAGE
    return _finished(run_demo, out=args.out, quiet=args.quiet, n_jobs=args.n_jobs,
                     quick=args.quick)


def _cmd_run(args: argparse.Namespace) -> int:
    from .workflow import run_files

    return _finished(run_files, args.data, args.config, args.out, validation=args.validation,
                     quiet=args.quiet, n_jobs=args.n_jobs)


def _cmd_synth(args: argparse.Namespace) -> int:
    from .synthetic import write_preset

    if _out_dir(args.out, "--out") is None:
        return EXIT_USAGE
    try:
        paths = write_preset(args.preset, args.out)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if not args.quiet:
        for path in paths:
            print(path)
    return EXIT_OK


def _shipped_benchmarks() -> Any:
    """The ``benchmarks.runner`` module next to this stratify package, or None.

    Imported by its path (the folder beside the ``stratify`` package of a
    source checkout, the one holding ``pyproject.toml``), never from the
    working directory: a ``benchmarks/``
    folder there is somebody else's code. The package is registered under its
    name first and its folder put first on ``sys.path``, so that its own
    imports (``benchmarks.bench_*``, also in worker processes) resolve to it.
    """
    import importlib
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    package = root / "benchmarks"
    # a source checkout (an installed stratify sits in site-packages, where a
    # "benchmarks" package would be another distribution's)
    if not (root / "pyproject.toml").is_file() or not (package / "runner.py").is_file() \
            or not (package / "__init__.py").is_file():
        return None
    loaded = sys.modules.get("benchmarks")
    if loaded is None or Path(getattr(loaded, "__file__", "") or "").resolve().parent != package:
        for name in [m for m in sys.modules if m == "benchmarks" or m.startswith("benchmarks.")]:
            del sys.modules[name]
        spec = importlib.util.spec_from_file_location(
            "benchmarks", package / "__init__.py", submodule_search_locations=[str(package)])
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["benchmarks"] = module
        spec.loader.exec_module(module)
    sys.path[:] = [str(root)] + [p for p in sys.path if p != str(root)]
    return importlib.import_module("benchmarks.runner")


def _cmd_bench(args: argparse.Namespace) -> int:
    runner = _shipped_benchmarks()
    if runner is None:
        print("The benchmark suite lives in the source checkout (benchmarks/ beside the "
              "stratify package); this installation has none.", file=sys.stderr)
        return EXIT_UNAVAILABLE
    if _out_dir(args.out, "--out") is None:
        return EXIT_USAGE
    only = args.only or None
    if only is not None:
        unknown = sorted(set(only) - set(runner.available_modules()))
        if unknown:
            print(f"stratify bench: --only names unknown benchmark(s) {unknown}; available: "
                  f"{', '.join(runner.available_modules())}.", file=sys.stderr)
            return EXIT_USAGE
    return int(runner.main(suite=args.suite, out=args.out, scheduler=args.scheduler,
                          n_jobs=args.n_jobs, quiet=args.quiet, resume=args.resume,
                          modules=only))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``stratify`` command."""
    parser = argparse.ArgumentParser(
        prog="stratify",
        description="Patient stratification in primary Sjögren's syndrome.",
    )
    parser.add_argument("--version", action="version", version=f"stratify {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--quiet", action="store_true", help="print only errors")
        p.add_argument("--n-jobs", type=int, default=None, dest="n_jobs",
                       help="parallel workers (default: all cores)")

    p = sub.add_parser("validate", help="check a cohort file against the pSS schema")
    p.add_argument("file", help=f"cohort file ({FORMATS}) with a patient_id column")
    p.add_argument("--sheet", default=None,
                   help="worksheet of an .xlsx workbook (default: the first)")
    p.add_argument("--report", metavar="DIR", default=None,
                   help="also write the data-quality report to DIR")
    p.add_argument("--quiet", action="store_true", help="print only errors")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("demo", help="run the whole workflow on the shipped synthetic cohort")
    p.add_argument("--out", default="results", help="output folder (default: results)")
    p.add_argument("--quick", action="store_true",
                   help="smoke test: samples of the shipped cohorts, fewer resamples and "
                        "no marker panel (results differ from the full demo)")
    common(p)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("run", help="run a configured stratification on a cohort file")
    p.add_argument("--data", required=True, help=f"cohort file ({FORMATS})")
    p.add_argument("--config", required=True, help="TOML configuration")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--validation", default=None, metavar="FILE",
                   help="external cohort file to check that the subgroups replicate")
    common(p)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("synth", help="regenerate a shipped synthetic data set")
    p.add_argument("--preset", required=True,
                   help="discovery, validation, trial, exports or all")
    p.add_argument("--out", required=True, help="output folder")
    common(p)
    p.set_defaults(func=_cmd_synth)

    p = sub.add_parser("bench", help="run the benchmark suite")
    p.add_argument("--suite", choices=["quick", "full"], default="quick")
    p.add_argument("--out", default="bench-results")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address")
    p.add_argument("--only", nargs="+", default=None, metavar="TASK",
                   help="run only these benchmark tasks (e.g. validity)")
    p.add_argument("--resume", action="store_true",
                   help="go on from the tasks an interrupted run saved in OUT/.partial/")
    common(p)
    p.set_defaults(func=_cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``stratify`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
