"""Shared fixtures of the classify tests: a simulated multi-centre marker cohort with a
known oracle. Imported by the test modules (not a conftest.py: test folders have no
__init__.py, so two conftest.py files would clash)."""

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

SUBGROUPS = ("healthy_like", "inflammatory", "interferon", "lymphoid")
MODULES = {  # planted marker genes of each non-healthy subgroup
    "interferon": ["mol_IFI44", "mol_IFI44L", "mol_IFIT1", "mol_MX1"],
    "lymphoid": ["mol_BTK", "mol_CD19", "mol_MS4A1", "mol_TNFRSF13B"],
    "inflammatory": ["mol_IL6", "mol_TNF", "mol_S100A8", "mol_CXCL8"],
}
PLANTED = [g for genes in MODULES.values() for g in genes]


@pytest.fixture(autouse=True)
def one_thread():
    # Tiny fits on a shared 2-core machine: threads only add contention.
    with threadpool_limits(limits=1):
        yield


def simulate_markers(n=800, n_noise=28, n_centers=4, shift=1.6, missing=0.05, seed=0):
    """Four subgroups, 12 planted genes (3 modules) among 40, centre offsets, MCAR gaps.

    Returns X (DataFrame indexed by patient_id), y (Series), centre (Series) and the
    Bayes-optimal assignment computed from the true generating parameters (before the
    values are masked).
    """
    rng = np.random.default_rng(seed)
    priors = np.array([0.35, 0.2, 0.3, 0.15])
    noise = [f"mol_G{i:02d}" for i in range(n_noise)]
    columns = PLANTED + noise
    means = np.zeros((len(SUBGROUPS), len(columns)))
    for k, group in enumerate(SUBGROUPS):
        for gene in MODULES.get(group, []):
            means[k, columns.index(gene)] = shift
    labels = rng.choice(len(SUBGROUPS), size=n, p=priors)
    centre = rng.integers(0, n_centers, size=n)
    centre_offset = rng.normal(0, 0.2, size=(n_centers, len(columns)))
    values = means[labels] + rng.normal(size=(n, len(columns))) + centre_offset[centre]
    # Oracle: knows the means, the centre offsets and the priors (identity covariance).
    centred = values - centre_offset[centre]
    log_post = np.log(priors) - 0.5 * ((centred[:, None, :] - means[None]) ** 2).sum(axis=2)
    oracle = np.asarray(SUBGROUPS)[log_post.argmax(axis=1)]
    values[rng.random(values.shape) < missing] = np.nan
    index = pd.Index([f"P{i:04d}" for i in range(n)], name="patient_id")
    X = pd.DataFrame(values, index=index, columns=columns)
    y = pd.Series(np.asarray(SUBGROUPS)[labels], index=index, name="subgroup")
    return X, y, pd.Series([f"C{c}" for c in centre], index=index, name="center"), \
        pd.Series(oracle, index=index)


@pytest.fixture(scope="session", name="markers")
def markers_fixture():
    """(X, y, centre, oracle, planted genes) of an 800-patient simulated cohort."""
    X, y, centre, oracle = simulate_markers()
    return X, y, centre, oracle, PLANTED
