"""Level of the interaction test and coverage of the per-subgroup intervals, by simulation.

Small seeded simulations with known answers (the larger ones are in
``benchmarks/_validity_inference.py``).
"""

import numpy as np
import pytest
from statsmodels.regression.linear_model import OLS
from statsmodels.stats.multitest import multipletests

from stratify.response import effect_by_subgroup

SD = np.array([2.4, 1.2, 1.2, 0.6])
SHARES = [0.1, 0.2, 0.3, 0.4]


def unequal_variances(n: int, seed: int) -> tuple[np.ndarray, ...]:
    """The same effect (-0.5) in 4 subgroups whose outcome SDs differ; the noisiest
    subgroup is the smallest, so the classical F test is anticonservative."""
    rng = np.random.default_rng(seed)
    group = rng.choice(4, n, p=SHARES)
    arm = rng.integers(0, 2, n)
    return -0.5 * arm + rng.normal(0, SD[group]), arm, group


def classical_f(y, arm, group) -> float:
    dummies = (group[:, None] == np.arange(1, 4)).astype(float)
    reduced = np.column_stack([np.ones_like(y), arm, dummies])
    full = np.column_stack([reduced, dummies * arm[:, None]])
    return OLS(y, full).fit().compare_f_test(OLS(y, reduced).fit())[1]


@pytest.mark.slow
def test_robust_interaction_test_holds_its_level_where_the_classical_one_does_not():
    robust, classical = [], []
    for seed in range(200):
        y, arm, group = unequal_variances(200, seed)
        robust.append(effect_by_subgroup(y, arm, group).attrs["interaction"]["p"])
        classical.append(classical_f(y, arm, group))
    robust_rate = np.mean(np.array(robust) < 0.05)
    classical_rate = np.mean(np.array(classical) < 0.05)
    # 200 trials: MC SE 0.015 at 5 %; the classical test rejects about 20 %
    assert classical_rate > 0.12
    assert 0.02 <= robust_rate <= 0.085


def test_holm_column_is_statsmodels_holm_of_the_unadjusted_column():
    y, arm, group = unequal_variances(400, seed=3)
    y = y - 1.0 * arm * (group == 3)
    table = effect_by_subgroup(y, arm, group)
    expected = multipletests(table["p_unadjusted"].to_numpy(), method="holm")[1]
    assert table["p_holm"].to_numpy() == pytest.approx(expected)
    assert (table["p_holm"] >= table["p_unadjusted"]).all()
    assert table.attrs["adjustment"] == "holm"
    assert list(table.columns[:5]) == ["estimate", "lower", "upper", "p_unadjusted", "p_holm"]


@pytest.mark.slow
def test_holm_keeps_the_familywise_error_under_no_effect_anywhere():
    # 4 subgroups, no effect: some unadjusted row is < 0.05 in about 1 - 0.95^4 = 19 %
    any_raw, any_holm = [], []
    for seed in range(100):
        rng = np.random.default_rng(1000 + seed)
        group, arm = rng.integers(0, 4, 160), rng.integers(0, 2, 160)
        table = effect_by_subgroup(rng.normal(size=160), arm, group)
        any_raw.append((table["p_unadjusted"] < 0.05).any())
        any_holm.append((table["p_holm"] < 0.05).any())
    # 100 trials: MC SE 0.04 and 0.022
    assert np.mean(any_raw) > 0.08
    assert np.mean(any_holm) <= 0.10


@pytest.mark.slow
def test_binary_intervals_cover_at_small_n():
    # 120 patients in 2 subgroups (about 30 per arm and subgroup): the HC0 Wald
    # interval covered about 0.93-0.94 here, HC3 with t covers 0.95-0.96
    p0, p1 = np.array([0.2, 0.3]), np.array([0.2, 0.5])
    covered = []
    for seed in range(150):
        rng = np.random.default_rng(seed)
        group, arm = rng.integers(0, 2, 120), rng.integers(0, 2, 120)
        y = (rng.random(120) < np.where(arm == 1, p1[group], p0[group])).astype(float)
        table = effect_by_subgroup(y, arm, group)
        truth = p1 - p0
        covered.extend((table["lower"] <= truth) & (truth <= table["upper"]))
    # 300 intervals: MC SE 0.013
    assert 0.915 <= np.mean(covered) <= 0.985
