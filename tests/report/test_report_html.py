"""write_report: one self-contained HTML file, every section, no patient identifier, no small cell."""

from __future__ import annotations

import base64
import html
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stratify as st
from stratify.report import table_one, write_report

REPO = Path(__file__).resolve().parents[2]
CHECK_SCRIPT = REPO / "scripts" / "check_report_in_browser.py"
MIN_CELL = 5

CONFIG = {
    "n_jobs": 1,
    "cluster": {"n_resamples": 5, "k_max": 6},
    "classify": {"estimator": "logistic", "panel_size": 4, "n_bootstrap": 20},
    "survival": {"n_bootstrap": 0},
    "explain": {"max_rows": 80},
    "report": {"min_cell": MIN_CELL},
}

# What a reader looks for, as written in headings and figure captions.
EXPECTED = ["Table 1", "Embedding", "Consensus CDF", "Consensus matrix", "Stability",
            "Profile heatmap", "Marker panel", "Confusion matrix", "SHAP summary",
            "Cumulative incidence", "Kaplan-Meier", "Calibration", "Hazard ratios",
            "Replication", "Data quality", "Versions"]

_IMG = re.compile(r'<img\b[^>]*\bsrc="([^"]*)"')
_COUNT = re.compile(r"^(\d+) \(\d+(?:\.\d+)?\)$")


@pytest.fixture(scope="module")
def cohorts():
    discovery = st.synthetic.make_pss_cohort(n_patients=400, random_state=5)
    external = st.synthetic.make_pss_cohort(n_patients=250, n_centers=2, random_state=105,
                                            center_labels=("V1", "V2"), first_patient=7001)
    return discovery, external


@pytest.fixture(scope="module")
def result(cohorts):
    discovery, external = cohorts
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return st.Stratification(CONFIG).run(discovery, validation=external)


@pytest.fixture(scope="module")
def report(result, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    path = write_report(result, out)
    return path, path.read_text(encoding="utf-8")


def _without_images(page: str) -> str:
    return _IMG.sub("<img>", page)


def _section(page: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}">(.*?)</section>', page, flags=re.S)
    assert match, f"no section {anchor!r}"
    return match.group(1)


@pytest.mark.slow
def test_one_html_file_with_every_figure_embedded_or_beside_it(report):
    path, page = report
    assert path.name == "report.html"
    sources = _IMG.findall(page)
    assert len(sources) >= 12
    for src in sources:
        if src.startswith("data:"):
            assert src.startswith("data:image/png;base64,")
            png = base64.b64decode(src.split(",", 1)[1], validate=True)
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
        else:
            assert (path.parent / src).is_file(), src


@pytest.mark.slow
def test_every_section_is_there(report):
    text = html.unescape(_without_images(report[1]))
    missing = [name for name in EXPECTED if name not in text]
    assert not missing


@pytest.mark.slow
def test_every_figure_has_a_caption(report):
    page = report[1]
    assert page.count("<figure>") == page.count("<figcaption>") >= 12


@pytest.mark.slow
def test_no_patient_identifier(report, cohorts):
    text = _without_images(report[1])
    ids = [pid for cohort in cohorts for pid in cohort.data.index]
    assert ids
    leaked = [pid for pid in ids if pid in text]
    assert not leaked, f"{len(leaked)} patient ids in the report, e.g. {leaked[:3]}"


@pytest.mark.slow
def test_no_count_below_min_cell_in_table_one(report):
    cells = re.findall(r"<td>(.*?)</td>", _section(report[1], "table-one"), flags=re.S)
    counts = [int(m.group(1)) for c in cells if (m := _COUNT.match(html.unescape(c).strip()))]
    assert counts, "Table 1 shows no counts"
    small = [n for n in counts if 0 < n < MIN_CELL]
    assert not small
    assert f"&lt;{MIN_CELL}" in _section(report[1], "table-one")


@pytest.mark.slow
def test_table_one_would_have_small_cells_without_suppression(result, cohorts):
    """Guards the test above: these data do have counts under 5 to hide."""
    labels = result.labels
    data = cohorts[0].select(blocks=["clinical", "laboratory"]).loc[labels.index]
    raw = table_one(data, labels, min_cell=1)
    texts = raw.drop(columns=["summary", "test", "p", "q", "SMD"]).to_numpy().ravel()
    counts = [int(m.group(1)) for t in texts if isinstance(t, str) and (m := _COUNT.match(t))]
    assert any(0 < n < MIN_CELL for n in counts)


@pytest.mark.slow
def test_confusion_and_exclusion_counts_are_suppressed(report, result):
    excluded = _section(report[1], "excluded")
    cells = [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", excluded)]
    assert cells and all(c in (f"<{MIN_CELL}", "(s)") or int(c) >= MIN_CELL or int(c) == 0
                         for c in cells)


def test_report_of_an_empty_result_still_opens(tmp_path):
    from stratify.workflow import StratificationResult

    empty = StratificationResult(config={"report": {"min_cell": 5}}, versions={"python": "3"})
    page = write_report(empty, tmp_path).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Versions" in page


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no Chromium installed")
@pytest.mark.slow
def test_opens_in_headless_chromium_with_every_figure(report):
    out = subprocess.run([sys.executable, str(CHECK_SCRIPT), str(report[0])],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    decoded, total = map(int, re.search(r"(\d+)/(\d+) figures", out.stdout).groups())
    assert decoded == total == len(_IMG.findall(report[1]))


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no Chromium installed")
@pytest.mark.slow
def test_browser_check_names_a_broken_figure(report, tmp_path):
    broken = tmp_path / "broken.html"
    page = report[1].replace('alt="Kaplan-Meier curves by subgroup" src="data:image/png;base64,',
                             'alt="Kaplan-Meier curves by subgroup" src="data:image/png;base64,AAAA')
    assert page != report[1]
    broken.write_text(page, encoding="utf-8")
    out = subprocess.run([sys.executable, str(CHECK_SCRIPT), str(broken)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 1
    assert "Kaplan-Meier curves by subgroup" in out.stderr


def test_settings_block_is_toml_that_reads_back_as_the_run_configuration(result, report):
    import tomllib

    block = re.search(r"<pre>([^<]*)</pre>", _section(report[1], "settings")).group(1)
    read = tomllib.loads(html.unescape(block))

    def without_none(config):
        return {k: (without_none(v) if isinstance(v, dict) else v)
                for k, v in config.items() if v is not None}

    def as_lists(config):  # TOML has arrays only: tuples read back as lists
        return {k: (as_lists(v) if isinstance(v, dict) else
                    list(v) if isinstance(v, tuple) else v) for k, v in config.items()}

    assert read == as_lists(without_none(result.config))
    assert "= True" not in block and "= False" not in block


def test_k_selection_table_shows_criterion_differences_to_the_best_k(result, report):
    section = _section(report[1], "subgroups")
    scores = result.cluster.scores
    difference = scores["criterion"] - scores["criterion"].min()
    for k, value in difference.items():
        row = re.search(rf"<th>{k}</th>(.*?)</tr>", section, flags=re.S).group(1)
        assert f"<td>{value:.1f}</td>" in row
    assert "<td>0.0</td>" in section  # the best k
    assert "e+0" not in re.sub(r'src="[^"]*"', "", section)  # no value in 3-figure notation


def test_shap_section_shows_every_subgroup_and_only_features_the_classifier_uses(result,
                                                                                 report):
    section = _section(report[1], "shap")
    table = result.explanations.cluster_explanation
    for subgroup in result.labels.unique():
        top = table[(table["subgroup"] == subgroup) & (table["rank"] <= 5)]["feature"]
        assert len(top) and all(f">{feature}<" in section for feature in top)
    below = table[table["rank"] > 5]["feature"]
    shown = set(re.findall(r"<td>(mol_[^<]*)</td>", section))
    assert not shown & (set(below) - set(table[table["rank"] <= 5]["feature"]))
    # the SHAP bars: the classifier's panel of 4 markers, not 160 rows with zeros
    values = np.abs(np.asarray(result.explanations.shap_classifier.values))
    assert (values.mean(axis=(0, 2)) > 0).sum() <= 4


def test_table_one_reads_as_a_clinician_reads_it(result, report):
    section = _section(report[1], "table-one")
    # variables by label and unit, not by code name
    assert "IgG (g/L)" in section and ">igg_g_l<" not in section
    assert "Anti-SSA/Ro" in section and ">anti_ro<" not in section
    # each subgroup named by what sets it apart, as the summary names it
    names = result.profile.names["name"].tolist()
    assert len(names) == result.k and all(n.startswith(("S1", "S2", "S3", "S4", "S5", "S6"))
                                          for n in names)
    assert all(html.escape(n) in section for n in names)
    assert any(" - " in n for n in names)
    assert "; ".join(names) in result.summary()


def test_tables_show_no_missing_marker_and_no_row_numbers():
    from stratify.report._html import _table_html

    table = pd.DataFrame({"n": [64, 327], "variables": pd.array([0, None], dtype="Int64"),
                          "share": [0.128, float("nan")]})
    page = _table_html(table)
    assert "NA" not in page and "nan" not in page
    assert "<th>0</th>" not in page and "<th>1</th>" not in page  # no 0, 1, ... column
    named = _table_html(table.set_index(pd.Index(["a", "b"], name="pattern")))
    assert "<th>a</th>" in named  # a meaningful index is kept


def test_labels_that_would_collide_keep_the_column_names():
    from stratify.report._sections import _readable

    table = pd.DataFrame({"Overall": ["1", "2"]}, index=pd.MultiIndex.from_tuples(
        [("essdai", ""), ("ESSDAI", "")], names=["variable", "level"]))
    assert _readable(table).index.get_level_values(0).tolist() == ["essdai", "ESSDAI"]


def test_the_embedding_legend_names_the_subgroups(result, monkeypatch, tmp_path):
    import stratify.report._sections as sections

    drawn = {}

    def spy(embedding, labels, ax):
        drawn["labels"] = labels
        return ax

    monkeypatch.setattr(sections, "_draw_embedding", spy)
    write_report(result, tmp_path)
    names = result.profile.names["name"]
    assert set(drawn["labels"]) == set(names)
    assert (drawn["labels"].index == result.labels.index).all()
