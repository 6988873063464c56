"""Every Python code block of README.md and of the user guide runs as written.

The blocks of one page run in order in one namespace, as a reader pastes them
into one session, so a block may use the names of the blocks above it. Each
page runs in a temporary working directory (files a block writes land there),
with the Agg backend. Only ```python fences are run: shell commands, TOML and
printed output have fences of their own kind. A Python block that is
deliberately not runnable is preceded by ``<!-- skip-test: why -->``.

There is one test per (page, block). A page runs once, top to bottom, when
its first test asks for it, and every test then reports its own block: under
pytest-xdist the tests of a page land on several workers, which share the
page's one run through a file lock, instead of each replaying the blocks
above its own.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "docs" / "index.md",
         *sorted((ROOT / "docs" / "guide").glob("*.md"))]
FENCE = re.compile(r"^(`{3,})\s*([\w+-]*)")
SKIP = re.compile(r"<!--\s*skip-test\b(.*?)-->")

# Pages whose blocks take more than a few seconds (fits of the clustering, the
# classifiers, the workflow, resampled intervals). Every block of such a page
# is slow: a block needs the blocks above it.
SLOW_PAGES = {"README.md", "docs/guide/classification.md", "docs/guide/clustering.md",
              "docs/guide/preprocessing.md", "docs/guide/quality.md",
              "docs/guide/survival.md", "docs/guide/workflow.md"}


@dataclass
class Block:
    page: Path
    index: int
    line: int
    source: str
    skip: str | None


def python_blocks(page: Path) -> list[Block]:
    """The ```python blocks of a Markdown page, with the reason when marked skip-test."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        ticks, lang = opening.groups()
        end = i + 1
        while end < len(lines) and not lines[end].startswith(ticks):
            end += 1
        if lang == "python":
            marker = SKIP.search(lines[i - 1]) if i else None
            skip = (marker.group(1).strip(" :") or "no reason given") if marker else None
            blocks.append(Block(page, len(blocks), i + 1, "\n".join(lines[i + 1:end]), skip))
        i = end + 1
    return blocks


def _name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


# What a page says its blocks give, checked after the block has run:
# check(namespace, what the block printed) raises AssertionError when it does not hold.
def _readme_finds_the_subgroups(ns: dict, printed: str) -> None:
    from sklearn.metrics import adjusted_rand_score

    truth = ns["cohort"].truth.loc[ns["X"].index, "molecular_subgroup"]
    assert ns["cc"].k_ == 4 and printed.startswith("4 "), printed[:200]
    ari = adjusted_rand_score(truth, ns["cc"].labels_)
    assert ari > 0.85, f"ARI {ari:.3f} to the planted subgroups"  # 0.94 when written


def _readme_finds_none_without_subgroups(ns: dict, printed: str) -> None:
    assert "no subgroup structure" in printed, printed[:200]


CHECKS: dict[tuple[str, int], Callable[[dict, str], None]] = {
    ("README.md", 0): _readme_finds_the_subgroups,
    ("README.md", 1): _readme_finds_none_without_subgroups,
}


def run_page(page: Path, directory: Path) -> list[str | None]:
    """Run a page's blocks in order in one namespace; per block None (passed) or why not."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namespace: dict = {"__name__": "__main__"}
    outcomes: list[str | None] = []
    failed = None
    here = Path.cwd()
    os.chdir(directory)
    try:
        for block in python_blocks(page):
            if block.skip is not None:
                outcomes.append(f"skipped: {block.skip}")
                continue
            if failed is not None:
                outcomes.append(f"not run: {failed} failed")
                continue
            printed = io.StringIO()
            try:
                # blank lines first, so that a traceback gives the line in the page
                code = compile("\n" * block.line + block.source, _name(page), "exec")
                with contextlib.redirect_stdout(printed):
                    exec(code, namespace)
                check = CHECKS.get((_name(page), block.index))
                if check is not None:
                    check(namespace, printed.getvalue())
                outcomes.append(None)
            except Exception:
                failed = f"block {block.index} (line {block.line})"
                outcomes.append(traceback.format_exc())
            finally:
                plt.close("all")
    finally:
        os.chdir(here)
    return outcomes


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: one process runs the tests
        yield
        return
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_OUTCOMES: dict[Path, list[str | None]] = {}


def _outcomes(page: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str | None]:
    if page in _OUTCOMES:
        return _OUTCOMES[page]
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the workers' base temps share this folder
    slug = re.sub(r"\W", "_", _name(page))
    record = shared / f"docs-blocks-{slug}.json"
    with _locked(shared / f"docs-blocks-{slug}.lock"):
        if record.exists():
            outcomes = json.loads(record.read_text(encoding="utf-8"))
        else:
            outcomes = run_page(page, tmp_path_factory.mktemp(slug))
            record.write_text(json.dumps(outcomes), encoding="utf-8")
    _OUTCOMES[page] = outcomes
    return outcomes


CASES = [block for page in PAGES for block in python_blocks(page)]


@pytest.mark.parametrize(
    "block",
    [pytest.param(b, id=f"{_name(b.page)}-{b.index}",
                  marks=[pytest.mark.slow] if _name(b.page) in SLOW_PAGES else [])
     for b in CASES])
def test_code_block_runs(block, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    outcome = _outcomes(block.page, tmp_path_factory)[block.index]
    where = f"{_name(block.page)}:{block.line}"
    if outcome is None:
        return
    if outcome.startswith("skipped: "):
        pytest.skip(f"{where}: {outcome[9:]}")
    pytest.fail(f"{where}: {outcome}", pytrace=False)


def test_pages_are_found_and_blocks_parsed():
    names = [_name(p) for p in PAGES]
    assert "README.md" in names and "docs/guide/getting-started.md" in names
    readme = python_blocks(ROOT / "README.md")
    assert len(readme) >= 2 and "import stratify as st" in readme[0].source
    assert all("```" not in b.source for b in CASES)
    assert not [(_name(b.page), b.line) for b in CASES if b.skip == "no reason given"], \
        "say why a block is skipped: <!-- skip-test: reason -->"
    assert SLOW_PAGES <= set(names)


def test_the_parser_reads_fences_and_skip_markers(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("text\n```bash\nls\n```\n```python\na = 1\n```\n"
                    "<!-- skip-test: illustrative -->\n```python\nb = a\n```\n"
                    "````markdown\n```python\nnot = a block\n```\n````\n"
                    "```toml\n[x]\n```\n```python\nc = 2\n```\n", encoding="utf-8")
    blocks = python_blocks(page)
    assert [b.source for b in blocks] == ["a = 1", "b = a", "c = 2"]
    assert [b.skip for b in blocks] == [None, "illustrative", None]
    assert [b.line for b in blocks] == [5, 9, 20]


def test_a_page_runs_in_order_in_one_namespace_and_stops_at_a_failure(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_text("```python\nopen('out.txt', 'w').write('x')\nn = 1\n```\n"
                    "<!-- skip-test: shows an error -->\n```python\n1 / 0\n```\n"
                    "```python\nassert n == 1\nmissing_name\n```\n"
                    "```python\nn = 2\n```\n", encoding="utf-8")
    monkeypatch.setattr(
        "test_docs_code_blocks._name", lambda p: p.name)
    work = tmp_path / "work"
    work.mkdir()
    outcomes = run_page(page, work)
    assert outcomes[0] is None and (work / "out.txt").exists()
    assert outcomes[1] == "skipped: shows an error"
    assert "NameError: name 'missing_name' is not defined" in outcomes[2]
    assert 'page.md", line 11' in outcomes[2]          # the page's line
    assert outcomes[3] == "not run: block 2 (line 9) failed"
