"""Fixtures of the survival tests."""

import pytest
from survival_data import simulate_ph


@pytest.fixture(scope="session")
def ph_data():
    """600 patients, 5 covariates (2 noise), uniform censoring, no competing death."""
    return simulate_ph(600, seed=0)
