"""Same random_state, same result: whatever n_jobs and whether joblib runs locally or on Dask.

Every resampling loop goes through ``stratify.parallel``; these tests run the
heavy ones three ways (1 worker, 2 local processes, a ``distributed.LocalCluster``)
and require identical output, not merely close output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stratify import parallel

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def dask_client():
    with parallel.use_dask(n_workers=2) as client:
        yield client


def _draw(seed: int) -> float:
    return float(np.random.default_rng(seed).normal())


def _three_ways(func, dask_client):
    """``func(n_jobs)`` with 1 worker, 2 local workers, and on the Dask cluster."""
    import joblib

    one = func(1)
    two = func(2)
    with joblib.parallel_config(backend="dask"):
        on_dask = func(2)
    return one, two, on_dask


def test_spawn_seeds_depend_only_on_the_seed():
    assert parallel.spawn_seeds(7, 5) == parallel.spawn_seeds(7, 5)
    assert parallel.spawn_seeds(7, 5) != parallel.spawn_seeds(8, 5)
    # the first seeds do not change when more are asked for
    assert parallel.spawn_seeds(7, 8)[:5] == parallel.spawn_seeds(7, 5)


def test_run_is_identical_locally_and_on_dask(dask_client):
    seeds = parallel.spawn_seeds(0, 20)
    one, two, on_dask = _three_ways(
        lambda n_jobs: parallel.run(_draw, [(s,) for s in seeds], n_jobs=n_jobs), dask_client)
    assert one == two == on_dask
    assert len(set(one)) == 20


def test_multiple_imputation_is_identical_locally_and_on_dask(dask_client):
    from stratify.impute import MultipleImputer

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(120, 4)), columns=[f"mol_G{i}" for i in range(4)],
                     index=pd.Index([f"p{i}" for i in range(120)], name="patient_id"))
    X = X.mask(rng.random(X.shape) < 0.2)

    def impute(n_jobs):
        frames = MultipleImputer(n_imputations=3, method="iterative", random_state=1,
                                 n_jobs=n_jobs).fit_transform(X)
        return np.stack([f.to_numpy() for f in frames])

    one, two, on_dask = _three_ways(impute, dask_client)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one, on_dask)
    assert not np.array_equal(one[0], one[1])  # the imputations are distinct draws


@pytest.mark.slow
def test_classifier_validation_is_identical_locally_and_on_dask(dask_client):
    from stratify.classify import SubgroupClassifier, cross_validate

    rng = np.random.default_rng(0)
    y = pd.Series(rng.choice(["a", "b", "c"], 150), name="subgroup")
    X = pd.DataFrame(rng.normal(size=(150, 3)) + (y.to_numpy()[:, None] == "a") * 1.5,
                     columns=["x1", "x2", "x3"])

    def validate(n_jobs):
        model = SubgroupClassifier(estimator="logistic", random_state=0)
        return cross_validate(model, X, y, n_bootstrap=30, random_state=0,
                              n_jobs=n_jobs).metrics

    one, two, on_dask = _three_ways(validate, dask_client)
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(one, on_dask)
