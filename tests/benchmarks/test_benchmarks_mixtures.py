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
