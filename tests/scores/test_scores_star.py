"""STAR against the published domain rules, worked by hand, and its input checks."""

import numpy as np
import pandas as pd
import pytest

from stratify.data import SchemaError
from stratify.scores import CLINESSDAI_WEIGHTS, CLINESSDAI_WEIGHTS_REESTIMATED, STAR_POINTS, star

# A baseline visit that scores nothing when repeated unchanged: abnormal Schirmer (< 5 mm)
# and ocular staining (>= 3), so "stays normal" cannot give the lachrymal point.
NEUTRAL = {
    **{c: 0.0 for c in CLINESSDAI_WEIGHTS},
    "esspri_dryness": 6.0, "esspri_fatigue": 6.0, "esspri_pain": 6.0,
    "schirmer_mm_5min": 3.0, "ocular_staining_score": 4.0,
    "uwsf_ml_min": 0.2, "salivary_us_score": 8.0,
    "igg_g_l": 20.0, "rf_iu_ml": 40.0,
}


def visits(*pairs: tuple[dict, dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Patients p1, p2, ... from (baseline changes, follow-up changes) pairs."""
    index = pd.Index([f"p{i + 1}" for i in range(len(pairs))], name="patient_id")
    base = pd.DataFrame([{**NEUTRAL, **b} for b, _ in pairs], index=index)
    follow = pd.DataFrame([{**NEUTRAL, **b, **f} for b, f in pairs], index=index)
    return base, follow


def esspri_of(value: float) -> dict:
    return {"esspri_dryness": value, "esspri_fatigue": value, "esspri_pain": value}


def test_unchanged_patient_scores_nothing():
    out = star(*visits(({}, {})))
    assert out.iloc[0][list(STAR_POINTS)].tolist() == [0, 0, 0, 0, 0]
    assert out["points"].tolist() == [0] and out["responder"].tolist() == [False]


def test_responder_at_exactly_five_points_not_at_four():
    out = star(*visits(
        # systemic 3 (ClinESSDAI 6 -> 0) + lachrymal 1 (Schirmer +5) + salivary 1 (+25 %) = 5
        ({"essdai_articular": 3}, {"essdai_articular": 0, "schirmer_mm_5min": 8.0,
                                   "uwsf_ml_min": 0.25}),
        # patient 3 (ESSPRI -1) + biological 1 (IgG -10 %) = 4
        (esspri_of(6.0), {**esspri_of(5.0), "igg_g_l": 18.0}),
    ))
    assert out["points"].tolist() == [5, 4]
    assert out["responder"].tolist() == [True, False]
    assert out["responder"].dtype == "boolean"
    assert out.loc["p1", ["systemic", "lachrymal", "salivary"]].tolist() == [3, 1, 1]


def test_systemic_domain_is_a_clinessdai_fall_of_three():
    out = star(*visits(
        ({"essdai_constitutional": 1}, {"essdai_constitutional": 0}),  # 3x1: falls by 3
        ({"essdai_articular": 1}, {"essdai_articular": 0}),            # 2x1: falls by 2
    ))
    assert out["systemic"].tolist() == [3, 0]
    reestimated = star(*visits(({"essdai_articular": 1}, {"essdai_articular": 0})),
                       clinessdai_weights=CLINESSDAI_WEIGHTS_REESTIMATED)  # 3x1
    assert reestimated["systemic"].tolist() == [3]


def test_biological_essdai_domain_does_not_count():
    base, follow = visits(({}, {}))
    base["essdai_biological"], follow["essdai_biological"] = 2, 0
    assert star(base, follow)["systemic"].tolist() == [0]


def test_patient_domain_one_point_or_fifteen_percent():
    out = star(*visits(
        (esspri_of(6.0), esspri_of(5.1)),   # falls by 0.9 = 15 % of 6
        (esspri_of(6.0), esspri_of(5.2)),   # falls by 0.8: neither
        (esspri_of(8.0), esspri_of(7.0)),   # falls by 1 point (12.5 %)
        (esspri_of(2.0), esspri_of(1.7)),   # 0.3 = 15 % of 2
        (esspri_of(0.0), esspri_of(0.0)),   # a baseline of 0 cannot improve
    ))
    assert out["patient"].tolist() == [3, 0, 3, 3, 0]


def test_lachrymal_domain():
    out = star(*visits(
        ({"schirmer_mm_5min": 3.0}, {"schirmer_mm_5min": 8.0}),    # abnormal, +5 mm
        ({"schirmer_mm_5min": 3.0}, {"schirmer_mm_5min": 7.0}),    # abnormal, +4 mm
        ({"schirmer_mm_5min": 10.0}, {"schirmer_mm_5min": 5.0}),   # normal stays normal
        ({"schirmer_mm_5min": 10.0}, {"schirmer_mm_5min": 4.0}),   # normal becomes abnormal
        ({"ocular_staining_score": 5.0}, {"ocular_staining_score": 3.0}),  # abnormal, -2
        ({"ocular_staining_score": 5.0}, {"ocular_staining_score": 4.0}),  # abnormal, -1
        ({"ocular_staining_score": 2.0}, {"ocular_staining_score": 2.0}),  # normal stays normal
        ({"ocular_staining_score": 2.0}, {"ocular_staining_score": 3.0}),  # becomes abnormal
    ))
    assert out["lachrymal"].tolist() == [1, 0, 1, 0, 1, 0, 1, 0]


def test_salivary_domain_including_any_rise_from_zero():
    out = star(*visits(
        ({"uwsf_ml_min": 0.2}, {"uwsf_ml_min": 0.25}),   # +25 %
        ({"uwsf_ml_min": 0.2}, {"uwsf_ml_min": 0.24}),   # +20 %
        ({"uwsf_ml_min": 0.0}, {"uwsf_ml_min": 0.01}),   # any rise from 0
        ({"uwsf_ml_min": 0.0}, {"uwsf_ml_min": 0.0}),
        ({"salivary_us_score": 8.0}, {"salivary_us_score": 6.0}),  # -25 %
        ({"salivary_us_score": 8.0}, {"salivary_us_score": 7.0}),  # -12.5 %
        ({"salivary_us_score": 0.0}, {"salivary_us_score": 0.0}),  # nothing to fall from
    ))
    assert out["salivary"].tolist() == [1, 0, 1, 0, 1, 0, 0]


def test_biological_domain():
    out = star(*visits(
        ({}, {"igg_g_l": 18.0}),                      # -10 %
        ({}, {"igg_g_l": 18.5}),                      # -7.5 %
        ({}, {"rf_iu_ml": 30.0}),                     # -25 %
        ({}, {"rf_iu_ml": 31.0}),                     # -22.5 %
        ({"rf_iu_ml": 0.0}, {"rf_iu_ml": 0.0}),       # nothing to fall from
    ))
    assert out["biological"].tolist() == [1, 0, 1, 0, 0]


def test_missing_values_decide_only_when_they_cannot_change_the_answer():
    out = star(*visits(
        # systemic 3 + patient 3 known: responder whatever the missing saliva says
        ({"essdai_articular": 3, **esspri_of(6.0)},
         {"essdai_articular": 0, **esspri_of(5.0), "uwsf_ml_min": np.nan}),
        # 3 known points, ESSPRI missing: could reach 6
        ({"essdai_articular": 3}, {"essdai_articular": 0, "esspri_pain": np.nan}),
        # ClinESSDAI missing, nothing else changes: at most 3 points, a non-responder
        ({}, {"essdai_renal": np.nan}),
        # one lachrymal measure responds: the missing other one does not matter
        ({}, {"schirmer_mm_5min": 9.0, "ocular_staining_score": np.nan}),
    ))
    assert np.isnan(out.loc["p1", "salivary"]) and out.loc["p1", "responder"]
    assert out.loc["p1", "points_min"] == 6 and out.loc["p1", "points_max"] == 7
    assert np.isnan(out.loc["p2", "patient"]) and pd.isna(out.loc["p2", "responder"])
    assert out.loc["p3", "points_max"] == 3 and not out.loc["p3", "responder"]
    assert out.loc["p4", "lachrymal"] == 1 and out.loc["p4", "points"] == 1
    assert out["points"].isna().tolist() == [True, True, True, False]


def test_measures_absent_from_both_visits_are_not_assessed():
    base, follow = visits(({}, {"schirmer_mm_5min": 8.0}), ({}, {}))
    base = base.drop(columns=["ocular_staining_score", "salivary_us_score", "rf_iu_ml"])
    follow = follow.drop(columns=["ocular_staining_score", "salivary_us_score", "rf_iu_ml"])
    out = star(base, follow)
    assert out["lachrymal"].tolist() == [1, 0] and out["points"].notna().all()


def test_visits_are_aligned_on_patient_id():
    base, follow = visits(({}, {"igg_g_l": 18.0}), ({}, {}))
    out = star(base.reset_index(), follow.iloc[::-1])
    assert list(out.index) == ["p1", "p2"] and out["biological"].tolist() == [1, 0]


def test_mismatched_patients_are_named():
    base, follow = visits(({}, {}), ({}, {}))
    follow = follow.rename(index={"p2": "p9"})
    with pytest.raises(ValueError, match="only at baseline: p2; only at follow-up: p9"):
        star(base, follow)
    with pytest.raises(ValueError, match="duplicated patient ids p1"):
        star(pd.concat([base.iloc[:1], base.iloc[:1]]), follow)


def test_bad_columns_and_values():
    base, follow = visits(({}, {}), ({}, {}))
    with pytest.raises(SchemaError, match="salivary domain"):
        star(base.drop(columns=["uwsf_ml_min", "salivary_us_score"]),
             follow.drop(columns=["uwsf_ml_min", "salivary_us_score"]))
    with pytest.raises(ValueError, match="rf_iu_ml.*one visit only"):
        star(base, follow.drop(columns="rf_iu_ml"))
    bad = follow.copy()
    bad.loc["p2", "essdai_cns"] = 1
    with pytest.raises(SchemaError, match=r"in followup(.|\n)*essdai_cns.*p2"):
        star(base, bad)
