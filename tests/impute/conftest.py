"""Data for the imputation tests: correlated blocks and mixed-kind clinical frames."""

import numpy as np
import pandas as pd
import pytest


def make_factor_data(n=1000, d=30, k=3, noise=0.5, seed=0):
    """``d`` molecular columns driven by ``k`` latent factors (R² about 0.8 each)."""
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(n, k))
    loadings = rng.normal(size=(k, d))
    scale = np.sqrt((loadings**2).sum(axis=0))
    values = factors @ loadings + noise * scale * rng.normal(size=(n, d))
    index = pd.Index([f"p{i:05d}" for i in range(n)], name="patient_id")
    return pd.DataFrame(values, columns=[f"mol_G{j}" for j in range(d)], index=index)


def make_mixed_data(n=300, seed=0, missing=0.2):
    """Continuous, binary, ordinal and unknown columns tied by one latent activity."""
    rng = np.random.default_rng(seed)
    activity = rng.normal(size=n)
    df = pd.DataFrame({
        "igg_g_l": np.clip(15 + 4 * activity + rng.normal(0, 2, n), 2, 59),
        "crp_mg_l": np.clip(np.exp(1 + 0.5 * activity + rng.normal(0, 0.5, n)), 0, 499),
        "anti_ro": (activity + rng.normal(0, 1, n) > 0).astype(float),
        "c4_low": (activity + rng.normal(0, 1, n) > 1).astype(float),
        "essdai_articular": np.clip(np.round(1.2 + activity + rng.normal(0, 0.7, n)), 0, 3),
        "essdai_cns": rng.choice([0.0, 2.0, 3.0], n, p=[0.9, 0.07, 0.03]),
        "my_score": 3 * activity + rng.normal(0, 1, n),
    }, index=pd.Index([f"p{i:04d}" for i in range(n)], name="patient_id"))
    holes = rng.random(df.shape) < missing
    return df.mask(holes)


@pytest.fixture
def factor_data():
    return make_factor_data()


@pytest.fixture
def mixed_data():
    return make_mixed_data()


@pytest.fixture(scope="session")
def molecular_block():
    """The synthetic cohort's molecular block."""
    from stratify import synthetic

    cohort = synthetic.make_pss_cohort(n_patients=1000, random_state=0)
    return cohort.data.filter(like="mol_")
