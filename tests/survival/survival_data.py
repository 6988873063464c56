"""Simulated proportional-hazards data with known coefficients, for the survival tests."""

import numpy as np
import pandas as pd

from stratify.survival import make_target

BETA = np.array([0.8, -0.5, 0.4, 0.0, 0.0])
"""True log hazard ratios of the simulated covariates x0..x4 (x3 and x4 are noise)."""


def simulate_ph(n, *, beta=BETA, seed=0, censor=(1.0, 15.0), scale=10.0, death_rate=0.0,
                ties=None):
    """Exponential proportional-hazards data: X, y (death censored), time, event codes, lp.

    Lymphoma time ~ Exp(rate exp(X beta) / scale), uniform censoring on ``censor``,
    optional competing death at rate ``death_rate``; ``ties`` rounds times to that step.
    """
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, beta.size)),
                     columns=[f"x{i}" for i in range(beta.size)],
                     index=pd.Index([f"p{i:05d}" for i in range(n)], name="patient_id"))
    lp = X.to_numpy() @ beta
    lymphoma = rng.exponential(scale / np.exp(lp))
    death = rng.exponential(1 / death_rate, n) if death_rate > 0 else np.full(n, np.inf)
    followup = rng.uniform(*censor, n)
    time = np.minimum.reduce([lymphoma, death, followup])
    if ties is not None:
        time = np.ceil(time / ties) * ties
    code = np.select([lymphoma <= np.minimum(death, followup), death <= followup], [1, 2], 0)
    time = pd.Series(time, index=X.index, name="lymphoma_time_years")
    code = pd.Series(code, index=X.index, name="lymphoma_event")
    y = make_target(time, code, competing="censor")
    return X, y, time, code, pd.Series(lp, index=X.index)
