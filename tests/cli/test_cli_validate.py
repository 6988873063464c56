"""``stratify validate``: the report it writes is a whole page; its messages teach."""

from __future__ import annotations

import base64
import binascii
from html.parser import HTMLParser

import pandas as pd
import pytest

import stratify as st
from stratify.cli import EXIT_DATA, EXIT_OK, main

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class _Page(HTMLParser):
    """Records the doctype, the tags in order, every unclosed or misnested tag,
    the text of headings and the title, and the images' sources."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doctype: str | None = None
        self.first: str | None = None  # "doctype" or the first tag
        self.open: list[str] = []
        self.errors: list[str] = []
        self.seen: list[str] = []
        self.parents: dict[str, list[str]] = {}
        self.attrs: dict[str, list[dict[str, str | None]]] = {}
        self.text: dict[str, list[str]] = {}
        self._capture: str | None = None

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl
        self.first = self.first or "doctype"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.first = self.first or tag
        self.seen.append(tag)
        self.parents.setdefault(tag, []).append("/".join(self.open))
        self.attrs.setdefault(tag, []).append(dict(attrs))
        if tag not in VOID:
            self.open.append(tag)
        if tag in {"title", "h1", "h2", "h3", "h4"}:
            self._capture = tag
            self.text.setdefault(tag, []).append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
            return
        self.open.pop()
        if tag == self._capture:
            self._capture = None

    def handle_data(self, data: str) -> None:
        if self._capture is not None:
            self.text[self._capture][-1] += data


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


@pytest.fixture(scope="module")
def cohort_csv(tmp_path_factory):
    """300 patients in 3 centres; 8 with anti-La but not anti-Ro (a plausibility finding)."""
    path = tmp_path_factory.mktemp("data") / "cohort.csv"
    frame = st.synthetic.make_pss_cohort(n_patients=300, n_centers=3, random_state=2).data
    frame.iloc[:8, frame.columns.get_loc("anti_la")] = 1.0
    frame.iloc[:8, frame.columns.get_loc("anti_ro")] = 0.0
    st.data.write_csv(frame, path)
    return path


@pytest.fixture(scope="module")
def quality_out(cohort_csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("quality")
    assert main(["validate", str(cohort_csv), "--report", str(out), "--quiet"]) == EXIT_OK
    return out


@pytest.fixture(scope="module")
def quality_page(quality_out):
    return (quality_out / "quality_report.html").read_text(encoding="utf-8")


def test_validate_report_is_a_complete_well_formed_page(quality_page):
    page = _parse(quality_page)
    assert page.first == "doctype" and page.doctype.lower() == "doctype html"
    assert page.errors == [] and page.open == []  # every element closed, in order
    assert page.seen[:2] == ["html", "head"]
    head = [t for t in ("meta", "title", "style") if "html/head" in page.parents.get(t, [])]
    assert head == ["meta", "title", "style"]
    assert {"charset": "utf-8"} in page.attrs["meta"]
    assert page.text["title"] == ["Data-quality report: cohort.csv"]
    assert page.parents["h1"] == ["html/body"]
    # the stylesheet of the stratification report (not the browser's Times default)
    assert "font-family:system-ui" in quality_page and "border-collapse:collapse" in quality_page


def test_validate_report_page_holds_every_section_and_its_figures(quality_page):
    page = _parse(quality_page)
    assert page.text["h3"] == ["Flags", "Plausibility findings", "Completeness",
                               "Drift between centres", "Missing data"]
    assert "Most frequent missing-data patterns" in page.text["h4"]
    assert "Is missingness predictable from observed data?" in page.text["h4"]
    images = page.attrs["img"]
    assert len(images) == 2  # completeness heatmap and drift plot
    for image in images:
        source = str(image["src"])
        assert source.startswith("data:image/png;base64,")
        try:
            png = base64.b64decode(source.split(",", 1)[1], validate=True)
        except binascii.Error:  # pragma: no cover - the assertion below reports it
            png = b""
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
    # the page marks how many figures a browser decoded (checked in headless Chromium)
    assert "data-figures" in quality_page


def test_quality_report_to_html_full_page_and_fragment(cohort_csv):
    report = st.data.quality_report(st.Cohort.from_csv(cohort_csv))
    fragment = report.to_html()
    page = report.to_html(full_page=True)
    assert fragment.startswith('<div class="stratify-quality">')
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>")
    assert fragment in page
    assert _parse(page).errors == []


def test_validate_report_writes_the_table_beside_the_page(quality_out):
    table = pd.read_csv(quality_out / "quality_report.csv")
    assert {"center", "variable", "completeness"} <= set(table.columns)


# -- messages that teach ----------------------------------------------------------------


def _write(frame: pd.DataFrame, path, sep=","):
    frame.to_csv(path, sep=sep, index=False)
    return path


@pytest.fixture(scope="module")
def small_frame(cohort_csv):
    return pd.read_csv(cohort_csv, dtype=str).head(30)


@pytest.mark.parametrize("sep, name", [(";", "semicolons"), ("\t", "tabs")])
def test_validate_a_file_with_another_delimiter_names_it(small_frame, tmp_path, capsys, sep,
                                                         name):
    path = _write(small_frame, tmp_path / "cohort.csv", sep)
    assert main(["validate", str(path)]) == EXIT_DATA
    err = capsys.readouterr().err
    assert "INVALID" in err and "cohort.csv" in err
    assert f"one column holding {name}" in err and "comma-separated" in err


@pytest.mark.parametrize("sep", [";", "\t"])
def test_validate_a_file_with_another_delimiter_says_looks_like(small_frame, tmp_path, capsys,
                                                                sep):
    path = _write(small_frame, tmp_path / "cohort.csv", sep)
    assert main(["validate", str(path)]) == EXIT_DATA
    assert f"looks like {sep!r}-separated" in capsys.readouterr().err


def test_validate_a_column_in_other_case_suggests_the_schema_name(small_frame, tmp_path,
                                                                  capsys):
    frame = small_frame.rename(columns={"anxiety": "ANXIETY", "igg_g_l": "IgG-g-L"})
    path = _write(frame, tmp_path / "cohort.csv")
    assert main(["validate", str(path)]) == EXIT_DATA
    err = capsys.readouterr().err
    lines = {line.split(":")[0].strip(): line for line in err.splitlines()}
    anxiety = lines["- column 'ANXIETY'"]
    assert "unknown column" in anxiety and "did you mean 'anxiety'?" in anxiety
    assert "Harmonizer" in anxiety
    assert "did you mean 'igg_g_l'?" in lines["- column 'IgG-g-L'"]
    assert "2 problem(s)" in err  # no other column is blamed
