"""Plots of explanations and classifiers: they draw what they are given and return the Axes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import shap  # noqa: E402
from explain_threads import one_thread  # noqa: E402, F401

from stratify.classify import PanelResult  # noqa: E402
from stratify.plot import (  # noqa: E402
    PALETTE,
    calibration,
    confusion_matrix,
    panel_curve,
    shap_summary,
    waterfall,
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture
def multiclass():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(20, 4, 3)) * np.array([3.0, 1.0, 0.5, 0.1])[None, :, None]
    e = shap.Explanation(values, base_values=np.zeros((20, 3)), data=rng.normal(size=(20, 4)),
                         feature_names=["a", "b", "c", "d"], output_names=["x", "y", "z"],
                         instance_names=[f"P{i}" for i in range(20)])
    e.output_space = "log_odds"
    return e


def test_summary_bar_stacks_mean_abs_shap_by_class(multiclass):
    ax = shap_summary(multiclass, kind="bar", max_display=3)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["c", "b", "a"]  # most important at the top
    widths = np.array([p.get_width() for p in ax.patches]).reshape(3, 3)  # class x feature
    expected = np.abs(multiclass.values).mean(axis=0)[[2, 1, 0]].T
    assert np.allclose(widths, expected)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["x", "y", "z"]
    assert "log-odds" in ax.get_xlabel()


def test_beeswarm_needs_a_class_for_multiclass(multiclass):
    with pytest.raises(ValueError, match="class_index"):
        shap_summary(multiclass, kind="beeswarm")
    ax = shap_summary(multiclass, kind="beeswarm", class_index="y")
    assert ax.get_title() == "SHAP summary: y"


def test_waterfall_ends_at_the_model_output(multiclass):
    ax = waterfall(multiclass, "P3", class_index=1, max_display=2)
    output = multiclass.base_values[3, 1] + multiclass.values[3, :, 1].sum()
    ends = [p.get_x() + p.get_width() for p in ax.patches]
    assert ends[-1] == pytest.approx(output)
    assert ax.patches[0].get_x() == pytest.approx(multiclass.base_values[3, 1])
    assert ax.get_title() == "Patient P3: y"


def test_panel_curve_marks_the_chosen_size():
    curve = pd.DataFrame({"mean": [0.5, 0.7, 0.8, 0.81], "sd": [0.1, 0.05, 0.02, 0.02]},
                         index=pd.RangeIndex(1, 5, name="panel_size"))
    result = PanelResult(["a", "b", "c"], curve, 0.82, 0.02, 0.02,
                         pd.Series(dtype=float), pd.Series(dtype=float), "rfe")
    fig, ax = plt.subplots()
    assert panel_curve(result, ax=ax) is ax
    star = [line for line in ax.lines if line.get_marker() == "*"][0]
    assert star.get_xdata()[0] == 3 and star.get_ydata()[0] == 0.8


def test_confusion_matrix_from_counts():
    m = pd.DataFrame([[8, 2], [1, 9]], index=["a", "b"], columns=["a", "b"])
    ax = confusion_matrix(m)
    assert [t.get_text() for t in ax.texts] == ["8\n80%", "2\n20%", "1\n10%", "9\n90%"]


def test_cross_validation_result_plots():
    from sklearn.datasets import make_classification

    from stratify.classify import SubgroupClassifier, cross_validate

    X, y = make_classification(120, 4, n_informative=3, n_redundant=0, n_classes=3,
                               random_state=0)
    result = cross_validate(SubgroupClassifier(estimator="logistic"), X, y, cv=3,
                            n_bootstrap=0, random_state=0)
    ax = confusion_matrix(result)
    assert len(ax.texts) == 9
    ax = calibration(result.calibration, by="class")
    assert len(ax.get_legend().get_texts()) == 4  # 3 classes + the diagonal
    assert ax.lines[0].get_color() == PALETTE[0]


def test_summary_bar_leaves_out_unused_features_and_keeps_the_legend_off_the_bars(multiclass):
    values = multiclass.values.copy()
    values[:, 1, :] = 0.0  # a feature outside the model's marker panel
    e = shap.Explanation(values, base_values=multiclass.base_values, data=multiclass.data,
                         feature_names=multiclass.feature_names,
                         output_names=multiclass.output_names)
    ax = shap_summary(e, kind="bar", max_display=10)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["d", "c", "a"]
    ax.figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    axes = ax.get_window_extent()
    assert legend.x0 >= axes.x1  # beside the axes, not over the bars
