"""The data-quality section as a reader sees it: ranked flags with their counts, legible
figures (legend beside the points, labels with units, no marker clipped)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from stratify.data import quality_report
from stratify.plot import completeness_heatmap, drift
from stratify.report import quality_html


@pytest.fixture(scope="module")
def report():
    rng = np.random.default_rng(0)
    n = 300
    centre = np.repeat(["A", "B", "C"], n // 3)
    shift = np.select([centre == "B", centre == "C"], [6.0, 1.0], 0.0)
    frame = pd.DataFrame({
        "patient_id": [f"p{i}" for i in range(n)], "center": centre,
        "igg_g_l": rng.normal(14, 3, n) + shift,  # B drifts far, C a little
        "crp_mg_l": rng.gamma(2.0, 2.0, n),
        "focus_score": np.where(rng.random(n) < np.where(centre == "C", 0.7, 0.05), np.nan,
                                rng.normal(1.5, 0.5, n)),  # incomplete in C
        "anti_ro": rng.integers(0, 2, n).astype(float),
    })
    return quality_report(frame)


def test_flags_come_most_serious_first_with_their_counts(report):
    page = quality_html(report)
    flags = report.flags()
    assert f"{len(flags)} flagged row(s): " in page
    table = page.split("<h3>Flags</h3>")[1].split("</table>")[0]
    rows = table.split("<tr>")[1:]  # the header row opens with <tr style=...>
    # the incomplete variable before any drift, then drifts by size (B's IgG first)
    assert "focus_score" in rows[0]
    assert "igg_g_l" in rows[1] and "<td>B</td>" in rows[1]


def test_drift_figure_keeps_its_legend_beside_the_points_and_every_marker_visible(report):
    fig, ax = plt.subplots(figsize=(7, 5), layout="constrained")
    drift(report, ax=ax)
    fig.canvas.draw()
    assert ax.get_legend().get_window_extent().x0 >= ax.get_window_extent().x1
    low, high = ax.get_xlim()
    for points in ax.collections:
        x = points.get_offsets()[:, 0]
        assert ((x > low) & (x < high)).all()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "IgG (g/L) (B)" in labels
    plt.close(fig)


def test_completeness_heatmap_names_variables_with_label_and_unit(report):
    ax = completeness_heatmap(report)
    assert "Focus score (foci/4mm2)" in [t.get_text() for t in ax.get_xticklabels()]
    plt.close(ax.figure)


def test_flags_table_has_no_row_number_column(report):
    table = quality_html(report).split("<h3>Flags</h3>")[1].split("</table>")[0]
    assert "<th>0</th>" not in table and "<th>1</th>" not in table
