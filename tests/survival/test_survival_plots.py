"""plot.kaplan_meier and plot.cumulative_incidence draw what the results hold."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from survival_data import simulate_ph  # noqa: E402

from stratify import plot  # noqa: E402
from stratify.plot import PALETTE  # noqa: E402
from stratify.survival import cumulative_incidence, kaplan_meier  # noqa: E402


@pytest.fixture(scope="module")
def data():
    X, y, time, code, _ = simulate_ph(300, seed=31, death_rate=0.05)
    groups = np.where(X["x0"] > 0, "S2", "S1")
    return y, time, code, groups


def _texts(ax):
    """Tick labels of the at-risk rows (the twin axes drawn under ``ax``)."""
    rows = {}
    for twin in ax.figure.axes:
        if twin is not ax:
            rows[twin.get_ylabel()] = [t.get_text() for t in twin.get_xticklabels()]
    return rows


def test_kaplan_meier_plot(data):
    y, _, _, groups = data
    result = kaplan_meier(y, groups)
    ax = plot.kaplan_meier(result)
    ax.figure.canvas.draw()
    assert ax.get_title() == "Lymphoma-free survival"
    assert ax.get_xlabel() == "Years" and ax.get_ylabel() == "Survival probability"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["S1", "S2"]
    assert [line.get_color() for line in ax.get_lines()] == list(PALETTE[:2])
    first = ax.get_lines()[0]
    s1 = result.curves[result.curves["group"] == "S1"]
    np.testing.assert_allclose(first.get_ydata(), s1["survival"])
    rows = _texts(ax)
    for g in ("S1", "S2"):
        assert rows[g] == [str(v) for v in result.at_risk.loc[g]]
    assert "At risk" in rows
    np.testing.assert_allclose(ax.get_xticks(), result.at_risk.columns)
    plt.close(ax.figure)


def test_kaplan_meier_plot_on_given_axes_without_table(data):
    y, *_ = data
    fig, axes = plt.subplots(1, 2)
    ax = plot.kaplan_meier(kaplan_meier(y), ax=axes[1], at_risk=False, ci=False)
    assert ax is axes[1]
    assert len(fig.axes) == 2 and not ax.collections        # no bands, no table
    assert ax.get_legend() is None                           # one curve needs no legend
    plt.close(fig)


def test_cumulative_incidence_plot(data):
    _, time, code, groups = data
    result = cumulative_incidence(time, code, groups)
    ax = plot.cumulative_incidence(result)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["S1: lymphoma", "S1: death", "S2: lymphoma", "S2: death"]
    assert [line.get_linestyle() for line in ax.get_lines()] == ["-", "--", "-", "--"]
    assert "competing risk" in ax.get_title()
    assert ax.get_ylabel() == "Cumulative incidence"
    assert ax.get_ylim()[1] <= 1.0
    plt.close(ax.figure)
    only = plot.cumulative_incidence(result, competing=False, at_risk=False)
    assert [t.get_text() for t in only.get_legend().get_texts()] == ["S1: lymphoma",
                                                                     "S2: lymphoma"]
    plt.close(only.figure)
