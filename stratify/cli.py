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

from ._version import __version__

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3


def _cmd_validate(args: argparse.Namespace) -> int:
    from .data import Cohort, SchemaError

    try:
        cohort = Cohort.from_csv(args.file)
    except FileNotFoundError as err:
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

        out = Path(args.report)
        out.mkdir(parents=True, exist_ok=True)
        report = quality_report(cohort)
        (out / "quality_report.html").write_text(report.to_html(), encoding="utf-8")
        to_csv(report.to_frame(), out / "quality_report.csv")
        if not args.quiet:
            print(f"Quality report written to {out / 'quality_report.html'}")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from .workflow import demo

    return int(demo(out=args.out, quiet=args.quiet, n_jobs=args.n_jobs, quick=args.quick))


def _cmd_run(args: argparse.Namespace) -> int:
    from .workflow import run_from_files

    return int(run_from_files(args.data, args.config, args.out, validation=args.validation,
                              quiet=args.quiet, n_jobs=args.n_jobs))


def _cmd_synth(args: argparse.Namespace) -> int:
    from .synthetic import write_preset

    try:
        paths = write_preset(args.preset, args.out)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if not args.quiet:
        for path in paths:
            print(path)
    return EXIT_OK


def _cmd_bench(args: argparse.Namespace) -> int:
    for root in (Path.cwd(), Path(__file__).resolve().parents[1]):
        if (root / "benchmarks" / "runner.py").is_file() and str(root) not in sys.path:
            sys.path.insert(0, str(root))
            break
    try:
        from benchmarks.runner import main as bench_main
    except ImportError:
        print("The benchmark suite lives in the source checkout (benchmarks/); run "
              "stratify bench from the repository root.", file=sys.stderr)
        return EXIT_UNAVAILABLE
    return int(bench_main(suite=args.suite, out=args.out, scheduler=args.scheduler,
                          n_jobs=args.n_jobs, quiet=args.quiet, resume=args.resume))


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

    p = sub.add_parser("validate", help="check a cohort CSV against the pSS schema")
    p.add_argument("file", help="cohort CSV with a patient_id column")
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
    p.add_argument("--data", required=True, help="cohort CSV")
    p.add_argument("--config", required=True, help="TOML configuration")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--validation", default=None, metavar="FILE",
                   help="external cohort CSV to check that the subgroups replicate")
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
