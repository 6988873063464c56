"""select_panel: planted markers recovered, selection inside the folds only."""

import numpy as np
import pandas as pd
import pytest
from classify_markers import markers_fixture, one_thread  # noqa: F401
from sklearn.datasets import make_classification

from stratify.classify import select_panel


def test_rfe_panel_is_made_of_planted_markers(markers):
    X, y, _, _, planted = markers
    result = select_panel(X, y, max_features=10, random_state=0)
    assert 1 <= result.size <= 10
    assert np.mean([g in planted for g in result.panel]) >= 0.6
    assert list(result.curve.index) == list(range(1, 11))
    chosen = result.curve.loc[result.size, "mean"]
    assert chosen >= result.full_score - result.tolerance
    # Smallest such size: one feature fewer falls short.
    if result.size > 1:
        assert result.curve.loc[result.size - 1, "mean"] < result.full_score - result.tolerance
    assert result.selection_frequency.between(0, 1).all()
    assert set(result.selection_frequency.index[:result.size]) <= set(planted)


def test_stability_selection_recovers_informative_features():
    X, y = make_classification(300, 20, n_informative=4, n_redundant=0, n_classes=3,
                               shuffle=False, class_sep=1.5, random_state=1)
    result = select_panel(X, y, max_features=6, method="stability", cv=3, random_state=0)
    assert np.mean([f in {"x0", "x1", "x2", "x3"} for f in result.panel]) >= 0.6
    assert result.method == "stability"


def test_selection_never_sees_the_test_folds():
    # Pure noise, many more features than patients: selecting on all the data would
    # make small panels look far better than chance; selection inside folds does not.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 300))
    y = np.repeat([0, 1, 2], 20)
    result = select_panel(X, y, max_features=5, random_state=0)
    assert result.curve["mean"].max() < 0.5
    assert abs(result.full_score - 1 / 3) < 0.17


@pytest.mark.slow
def test_same_seed_same_panel_whatever_n_jobs():
    X, y = make_classification(120, 10, n_informative=3, n_redundant=0, n_classes=3,
                               shuffle=False, random_state=2)
    a = select_panel(X, y, max_features=3, cv=3, random_state=5, n_jobs=1)
    b = select_panel(X, y, max_features=3, cv=3, random_state=5, n_jobs=2)
    assert a.panel == b.panel
    pd.testing.assert_frame_equal(a.curve, b.curve)


def test_errors_name_the_problem(markers):
    X, y, *_ = markers
    y = y.copy()
    y.iloc[[3, 7]] = None
    with pytest.raises(ValueError, match=r"missing for 2 row\(s\): P0003, P0007"):
        select_panel(X, y)
    with pytest.raises(ValueError, match="method"):
        select_panel(X, y.fillna("lymphoid"), method="lasso")
    with pytest.raises(ValueError, match="not numeric"):
        select_panel(X.assign(sex="F"), y.fillna("lymphoid"))
