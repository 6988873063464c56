"""benchmarks/bench_phenotypes.py: the peers' building blocks and the rows it writes."""

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import ward

from benchmarks import bench_phenotypes as bench


def test_gower_distance_matches_a_direct_computation():
    X = pd.DataFrame({"anti_ro": [1.0, 0.0, np.nan, 1.0], "essdai_renal": [0.0, 2.0, 2.0, 1.0],
                      "igg_g_l": [10.0, 20.0, 15.0, np.nan]})
    d = bench.gower(X)
    # patients 0 and 1: every feature differs, IgG by its whole range
    assert d[0, 1] == 1.0
    # patients 1 and 2: anti-Ro missing in 2, renal equal, IgG 5 of a range of 10
    assert d[1, 2] == (0.0 + 0.5) / 2
    # patients 2 and 3: only the renal level is observed in both, and it differs
    assert d[2, 3] == 1.0
    np.testing.assert_allclose(d, d.T)
    assert (np.diag(d) == 0).all()


def test_hcpc_rule_finds_separated_groups():
    rng = np.random.default_rng(0)
    points = np.vstack([rng.normal(c, 0.3, (40, 2)) for c in ((0, 0), (6, 0), (0, 6))])
    assert bench._hcpc_k(ward(points), points.shape[0]) == 3


def test_null_data_have_the_announced_shape():
    phenotype = bench.null_mixed("one-phenotype", 300, 0)
    assert list(phenotype.columns) == bench._columns()
    factor = bench.null_mixed("one-factor", 300, 0)
    assert factor.shape == (300, 16)
    assert 0.15 < factor.isna().to_numpy().mean() < 0.25


def test_rows_name_the_oracle_and_each_method(monkeypatch):
    monkeypatch.setattr(bench, "PACKAGES", {**bench.PACKAGES, "gower-pam": "no-such-package"})
    rows = bench._cohort_rows(300, 0, 0, ("naive", "gower-pam"))
    frame = pd.DataFrame(rows).set_index("method")
    assert list(frame.index) == ["oracle", "naive", "gower-pam"]
    assert frame.loc["oracle", "ari_oracle"] == 1.0
    assert 0 < frame.loc["oracle", "ari_truth"] < 1
    assert frame.loc["naive", "k_chosen"] in bench.K_RANGE
    assert frame.loc["gower-pam", "note"].startswith("skipped")
    for column in ("task", "dataset", "n", "seed", "seconds", "peak_memory_mb"):
        assert column in frame.columns
