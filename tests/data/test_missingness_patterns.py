"""Missing-data patterns (``unique_rows``) and the missingness models' BLAS threads."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from stratify.data._missingness._patterns import unique_rows


def _numpy_unique(missing):
    patterns, inverse, counts = np.unique(missing, axis=0, return_inverse=True,
                                          return_counts=True)
    return patterns, np.asarray(inverse).reshape(-1), counts


def _same(missing):
    ours, reference = unique_rows(missing), _numpy_unique(missing)
    for got, expected in zip(ours, reference, strict=True):
        np.testing.assert_array_equal(got, expected)
        assert got.shape == expected.shape


@settings(max_examples=200, deadline=None)
@given(arrays(bool, st.tuples(st.integers(0, 40), st.integers(0, 140))))
def test_unique_rows_is_numpy_unique_on_any_matrix(missing):
    _same(missing)


@pytest.mark.parametrize("n, p, rate", [(5000, 96, 0.05), (3000, 51, 0.4), (2000, 64, 0.02),
                                        (1000, 65, 0.5), (800, 7, 0.3), (300, 200, 0.1)])
def test_unique_rows_is_numpy_unique_on_cohort_sized_matrices(n, p, rate):
    rng = np.random.default_rng(n + p)
    missing = rng.random((n, p)) < rate
    missing[:, : p // 3] |= (rng.random((n, 1)) < 0.3)  # blocks missing together
    _same(missing)


def test_unique_rows_orders_patterns_like_numpy_across_word_boundaries():
    # the 64th and 65th columns fall in two different words
    missing = np.zeros((4, 70), dtype=bool)
    missing[0, 63], missing[1, 64], missing[2, [63, 64]] = True, True, True
    patterns, inverse, counts = unique_rows(missing)
    assert inverse.tolist() == [2, 1, 3, 0]
    assert counts.tolist() == [1, 1, 1, 1]
    assert [np.flatnonzero(p).tolist() for p in patterns] == [[], [64], [63], [63, 64]]


_RECORD_THREADS = """
import json, sys
import numpy as np, pandas as pd
from threadpoolctl import threadpool_info
import stratify.data._missingness._tables as tables
from stratify.data import quality_report

seen = []
auc = tables._auc

def recording_auc(y, score):  # called after each model's fits, inside the limit
    seen.extend(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")
    return auc(y, score)

tables._auc = recording_auc
rng = np.random.default_rng(0)
frame = pd.DataFrame({"patient_id": [f"p{i}" for i in range(200)],
                      "center": ["A", "B"] * 100, "age": rng.normal(55, 10, 200),
                      "bmi": rng.normal(26, 4, 200), "igg_g_l": rng.normal(15, 4, 200)})
frame.loc[frame["age"] > 58, "igg_g_l"] = np.nan
report = quality_report(frame)
print(json.dumps({"threads": seen, "auc": float(
    report.missingness.predictors.set_index("variable").loc["igg_g_l", "auc"])}))
"""


def test_missingness_models_run_on_one_blas_thread():
    """Every BLAS the missingness models use runs on one thread, scipy's own too
    (L-BFGS-B's), which a fresh process loads only while the report is computed:
    two threads made the 150 fits of a 2,000-patient report 2 to 9 times slower."""
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _RECORD_THREADS], capture_output=True,
                         text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["auc"] > 0.8
    assert result["threads"] and set(result["threads"]) == {1}
