"""Open a stratify HTML report in headless Chromium and check every figure decodes.

Usage: ``python scripts/check_report_in_browser.py results/report.html [--screenshot out.png]``

Exit code 0 when the page loads and every embedded figure has a non-zero
decoded size, 1 otherwise, 3 when no Chromium is installed
(``apt-get install chromium`` on Debian).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def check(report: Path, screenshot: Path | None = None) -> tuple[int, int]:
    """Return (figures decoded, figures on the page) as seen by headless Chromium."""
    browser = find_chromium()
    if browser is None:
        raise FileNotFoundError("no Chromium found")
    url = report.resolve().as_uri()
    with tempfile.TemporaryDirectory() as profile:
        out = subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=10000",
             "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True)
        if screenshot is not None:
            subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}",
                            f"--screenshot={screenshot}", "--window-size=1200,2400", url],
                           capture_output=True, timeout=120, check=True)
    match = re.search(r'data-figures="(\d+)/(\d+)"', out.stdout)
    if not match:
        return 0, -1
    return int(match.group(1)), int(match.group(2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--screenshot", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        ok, total = check(args.report, args.screenshot)
    except FileNotFoundError:
        print("no Chromium installed", file=sys.stderr)
        return 3
    print(f"{ok}/{total} figures decoded in {args.report}")
    return 0 if total > 0 and ok == total else 1


if __name__ == "__main__":
    sys.exit(main())
