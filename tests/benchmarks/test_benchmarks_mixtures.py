"""The random mixtures of benchmarks/bench_mixtures.py carry their truth."""

import numpy as np

from benchmarks.bench_mixtures import MISSING, make_mixture


def test_mixtures_have_the_documented_design():
    for index in range(6):
        mix = make_mixture(index)
        k, y = mix["k"], mix["y"]
        assert 2 <= k <= 5 and set(np.unique(y)) == set(range(k))
        assert np.bincount(y).min() / len(y) > 0.05         # sizes drawn >= 10 %
        missing, complete = mix["missing"], mix["complete"]
        assert missing.index.equals(complete.index) and len(missing) == mix["n"]
        features = missing.drop(columns="center")
        assert features.shape[1] == mix["d"] and missing["center"].nunique() == 4
        assert abs(features.isna().to_numpy().mean() - MISSING) < 0.02
        observed = features.notna().to_numpy()
        values = complete.drop(columns="center").to_numpy()
        np.testing.assert_array_equal(features.to_numpy()[observed], values[observed])
    again = make_mixture(3)
    assert again["missing"].equals(make_mixture(3)["missing"])


def test_own_covariance_mixtures_give_each_subgroup_its_own_covariance():
    from benchmarks.bench_mixtures import make_own_covariance_mixture

    for index in range(4):
        mix = make_own_covariance_mixture(index)
        k, y, inf = mix["k"], mix["y"], mix["informative"]
        X = mix["complete"].to_numpy()
        assert X.shape == (mix["n"], mix["d"]) and set(np.unique(y)) == set(range(k))
        scale = X.std(axis=0)
        # the noise features have one spread in every subgroup (up to sampling)...
        noise = [X[y == j, inf:].std(axis=0) / scale[inf:] for j in range(k)]
        assert np.ptp(noise, axis=0).max() < 0.5
        # ...the informative block has per-subgroup SDs of 0.5-1.5 along a
        # rotated basis: the generalized variances differ between subgroups
        volumes = [np.linalg.det(np.cov((X[y == j, :inf] / X[:, :inf].std(axis=0)).T))
                   for j in range(k)]
        assert max(volumes) / min(volumes) > 1.5
    again = make_own_covariance_mixture(2)["complete"]
    assert again.equals(make_own_covariance_mixture(2)["complete"])
