"""Open a stratify HTML report in headless Chromium and check that every figure decodes.

Usage: ``python scripts/check_report_in_browser.py results/report.html [--screenshot out.png]``

The report marks ``<body>`` on load with ``data-figures="decoded/total"`` and
the alt text of any figure that did not decode (``data-broken-figures``);
this script loads the page in headless Chromium, lets its scripts run, and
reads those marks from the rendered DOM.

Exit code 0 when the page loads and every figure has a non-zero decoded
size, 1 otherwise (the broken figures are named), 3 when no Chromium is
installed (``apt-get install chromium`` on Debian).
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT = 120


def find_chromium() -> str | None:
    """Path of the first Chromium-like browser on PATH, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def check(report: Path, screenshot: Path | None = None) -> tuple[int, int, list[str]]:
    """Figures decoded, figures on the page, and the alt texts of broken ones.

    ``total`` is -1 when the page never ran its check (it did not load).

    Raises
    ------
    FileNotFoundError
        When the report or Chromium is missing.
    """
    if not report.is_file():
        raise FileNotFoundError(f"{report}: no such report")
    browser = find_chromium()
    if browser is None:
        raise FileNotFoundError("no Chromium found (looked for " + ", ".join(BROWSERS) + ")")
    url = report.resolve().as_uri()
    with tempfile.TemporaryDirectory() as profile:
        out = subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=10000",
             "--dump-dom", url], capture_output=True, text=True, timeout=TIMEOUT, check=True)
        if screenshot is not None:
            subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}",
                            f"--screenshot={screenshot.resolve()}", "--window-size=1200,2400",
                            url], capture_output=True, timeout=TIMEOUT, check=True)
    match = re.search(r'data-figures="(\d+)/(\d+)"', out.stdout)
    if not match:
        return 0, -1, []
    broken = re.search(r'data-broken-figures="([^"]*)"', out.stdout)
    names = [html.unescape(n) for n in broken.group(1).split("|") if n] if broken else []
    return int(match.group(1)), int(match.group(2)), names


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--screenshot", type=Path, default=None,
                        help="also save a 1200 x 2400 screenshot of the top of the page")
    args = parser.parse_args(argv)
    try:
        ok, total, broken = check(args.report, args.screenshot)
    except FileNotFoundError as err:
        print(str(err), file=sys.stderr)
        return 3 if "Chromium" in str(err) else 1
    except subprocess.SubprocessError as err:
        print(f"Chromium failed: {err}", file=sys.stderr)
        return 1
    if total < 0:
        print(f"{args.report}: the page did not finish loading in Chromium", file=sys.stderr)
        return 1
    print(f"{ok}/{total} figures decoded in {args.report}")
    if broken:
        print("not decoded: " + ", ".join(broken), file=sys.stderr)
    return 0 if total > 0 and ok == total else 1


if __name__ == "__main__":
    sys.exit(main())
