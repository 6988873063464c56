"""Done-when: leave-one-centre-out accuracy near the oracle's, a panel of planted markers."""

import numpy as np
from classify_markers import markers_fixture, one_thread  # noqa: F401
from sklearn.metrics import balanced_accuracy_score

from stratify import synthetic
from stratify.classify import SubgroupClassifier, cross_validate, select_panel


def _check_cohort(X, y, centre, oracle, planted):
    oracle_score = balanced_accuracy_score(y, oracle)
    result = cross_validate(SubgroupClassifier(estimator="logistic"), X, y, groups=centre,
                            n_bootstrap=100, random_state=0)
    assert result.metrics.loc["balanced_accuracy", "estimate"] >= 0.9 * oracle_score
    panel = select_panel(X, y, max_features=10, random_state=0)
    assert panel.size <= 10
    assert np.mean([gene in planted for gene in panel.panel]) >= 0.6


def test_simulated_marker_cohort(markers):
    _check_cohort(*markers)


def test_synthetic_pss_cohort():
    cohort = synthetic.make_pss_cohort(n_patients=800, random_state=0)
    X = cohort.data.filter(like="mol_")
    truth = cohort.truth.loc[X.index]
    planted = set(synthetic.MARKER_GENES)
    assert planted <= set(X.columns)
    _check_cohort(X, truth["molecular_subgroup"], cohort.data["center"],
                  truth["oracle_subgroup"], planted)
