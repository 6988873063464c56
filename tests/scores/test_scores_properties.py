"""Properties that must hold for any valid input: ranges, monotonicity, bounds."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from stratify.data import PSS_SCHEMA
from stratify.scores import (
    CLINESSDAI_WEIGHTS,
    ESSDAI_WEIGHTS,
    ESSPRI_COLUMNS,
    acr_eular_2016,
    clinessdai,
    essdai,
    esspri,
    star,
)

DOMAINS = list(ESSDAI_WEIGHTS)
LEVELS = {c: tuple(PSS_SCHEMA[c].levels or ()) for c in DOMAINS}

profiles = st.fixed_dictionaries({c: st.sampled_from(LEVELS[c]) for c in DOMAINS})


def one_row(levels: dict) -> pd.DataFrame:
    return pd.DataFrame([levels], index=["p1"], dtype=float)


@settings(max_examples=200, deadline=None)
@given(profiles)
def test_essdai_within_range_and_above_clinessdai_minus_biology(levels):
    df = one_row(levels)
    total = essdai(df)["p1"]
    assert 0 <= total <= 123
    assert total == clinessdai(df)["p1"] + levels["essdai_biological"]


@settings(max_examples=200, deadline=None)
@given(profiles, st.sampled_from(DOMAINS), st.data())
def test_raising_a_domain_never_lowers_essdai(levels, domain, data):
    higher = data.draw(st.sampled_from([v for v in LEVELS[domain] if v >= levels[domain]]))
    raised = {**levels, domain: higher}
    assert essdai(one_row(raised))["p1"] >= essdai(one_row(levels))["p1"]
    assert clinessdai(one_row(raised))["p1"] >= clinessdai(one_row(levels))["p1"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(*[st.floats(0, 10) | st.none()] * 3), min_size=1, max_size=20))
def test_esspri_within_zero_and_ten(rows):
    df = pd.DataFrame(rows, columns=list(ESSPRI_COLUMNS), dtype=float)
    for allow in (False, True):
        score = esspri(df, allow_missing=allow).dropna()
        assert ((score >= 0) & (score <= 10)).all()
    complete = df.notna().all(axis=1)
    assert esspri(df)[complete].notna().all() and esspri(df)[~complete].isna().all()


maybe = st.none()
criteria_rows = st.fixed_dictionaries({
    "focus_score": st.floats(0, 12) | maybe,
    "anti_ro": st.sampled_from([0.0, 1.0]) | maybe,
    "ocular_staining_score": st.integers(0, 12).map(float) | maybe,
    "schirmer_mm_5min": st.floats(0, 40) | maybe,
    "uwsf_ml_min": st.floats(0, 3) | maybe,
})


@settings(max_examples=100, deadline=None)
@given(st.lists(criteria_rows, min_size=1, max_size=10))
def test_classification_bounds_hold_and_decisions_agree_with_every_completion(rows):
    df = pd.DataFrame(rows, dtype=float)
    out = acr_eular_2016(df)
    assert ((0 <= out["points_min"]) & (out["points_min"] <= out["points_max"])
            & (out["points_max"] <= 9)).all()
    # filling every missing value as negative, then as positive, gives the bounds
    negative = df.fillna({"focus_score": 0, "anti_ro": 0, "ocular_staining_score": 0,
                          "schirmer_mm_5min": 40, "uwsf_ml_min": 3})
    positive = df.fillna({"focus_score": 12, "anti_ro": 1, "ocular_staining_score": 12,
                          "schirmer_mm_5min": 0, "uwsf_ml_min": 0})
    assert acr_eular_2016(negative)["points"].tolist() == out["points_min"].tolist()
    assert acr_eular_2016(positive)["points"].tolist() == out["points_max"].tolist()
    decided = out["classified"].notna().to_numpy()
    for completed in (negative, positive):
        again = acr_eular_2016(completed)["classified"].to_numpy()
        assert (again[decided] == out["classified"].to_numpy()[decided]).all()


visit_values = st.fixed_dictionaries({
    **{c: st.sampled_from(LEVELS[c]) for c in CLINESSDAI_WEIGHTS},
    **{c: st.floats(0, 10) for c in ESSPRI_COLUMNS},
    "schirmer_mm_5min": st.floats(0, 40),
    "uwsf_ml_min": st.floats(0, 3),
    "igg_g_l": st.floats(1, 60),
})


@settings(max_examples=100, deadline=None)
@given(visit_values, visit_values)
def test_star_points_within_zero_and_nine_and_responder_iff_five(before, after):
    base = pd.DataFrame([before], index=["p1"], dtype=float)
    follow = pd.DataFrame([after], index=["p1"], dtype=float)
    out = star(base, follow).iloc[0]
    assert out["points"] in {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
    assert bool(out["responder"]) == (out["points"] >= 5)
    assert np.isfinite(out["points"]) and out["points"] == out["points_min"] == out["points_max"]
