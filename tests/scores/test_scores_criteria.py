"""2016 ACR/EULAR criteria: points, the 4-point threshold, entry, exclusions, missing items."""

import numpy as np
import pandas as pd
import pytest

from stratify.data import SchemaError
from stratify.scores import acr_eular_2016

NEGATIVE = {"focus_score": 0.0, "anti_ro": 0, "ocular_staining_score": 0,
            "schirmer_mm_5min": 20.0, "uwsf_ml_min": 0.5}


def patients(*changes: dict) -> pd.DataFrame:
    rows = [{**NEGATIVE, **c} for c in changes]
    return pd.DataFrame(rows, index=[f"p{i + 1}" for i in range(len(rows))])


def test_item_points_at_their_thresholds():
    df = patients(
        {},
        {"focus_score": 1.0},                    # 3 (>= 1 focus/4 mm2)
        {"focus_score": 0.9},                    # 0
        {"anti_ro": 1},                          # 3
        {"ocular_staining_score": 5},            # 1
        {"ocular_staining_score": 4},            # 0
        {"schirmer_mm_5min": 5.0},               # 1 (<= 5 mm)
        {"schirmer_mm_5min": 5.5},               # 0
        {"uwsf_ml_min": 0.1},                    # 1 (<= 0.1 mL/min)
        {"uwsf_ml_min": 0.11},                   # 0
    )
    out = acr_eular_2016(df)
    assert out["points"].tolist() == [0, 3, 0, 3, 1, 0, 1, 0, 1, 0]
    assert out.loc["p2", "focus_score"] == 3 and out.loc["p5", "ocular"] == 1
    assert not out["classified"].any()


def test_classified_at_exactly_four_points_not_at_three():
    df = patients(
        {"anti_ro": 1, "schirmer_mm_5min": 3.0},                                   # 3 + 1 = 4
        {"anti_ro": 1},                                                            # 3
        {"ocular_staining_score": 6, "schirmer_mm_5min": 2.0, "uwsf_ml_min": 0.0},  # 1+1+1 = 3
        {"focus_score": 2.5, "anti_ro": 1, "ocular_staining_score": 9,
         "schirmer_mm_5min": 0.0, "uwsf_ml_min": 0.05},                            # 9
    )
    out = acr_eular_2016(df)
    assert out["points"].tolist() == [4, 3, 3, 9]
    assert out["classified"].tolist() == [True, False, False, True]
    assert out["classified"].dtype == "boolean"


def test_van_bijsterveld_counts_as_the_ocular_item():
    df = patients({"anti_ro": 1}, {"anti_ro": 1}).drop(columns="ocular_staining_score")
    df["van_bijsterveld"] = [4, 3]
    out = acr_eular_2016(df)
    assert out["ocular"].tolist() == [1, 0]
    assert out["classified"].tolist() == [True, False]
    both = patients({"anti_ro": 1}).assign(van_bijsterveld=[5], ocular_staining_score=[1])
    assert acr_eular_2016(both)["ocular"].tolist() == [1]


def test_entry_criterion_and_exclusions():
    df = patients(*[{"focus_score": 2.0, "anti_ro": 1}] * 5)
    df["sicca_symptoms"] = [1, 0, 1, 1, np.nan]
    df["hepatitis_c"] = [0, 0, 1, np.nan, 0]
    df["igg4_disease"] = 0
    out = acr_eular_2016(df)
    assert out["points"].tolist() == [6] * 5
    assert out["classified"].tolist() == [True, False, False, pd.NA, pd.NA]


def test_missing_items_decide_only_when_they_cannot_change_the_answer():
    df = patients(
        {"anti_ro": 1, "schirmer_mm_5min": np.nan},                       # 3 known, 4 possible
        {"anti_ro": 1, "ocular_staining_score": 5, "focus_score": np.nan},  # 4 known
        {"anti_ro": 0, "focus_score": np.nan},                            # 0 known, max 3
        {"anti_ro": np.nan, "focus_score": np.nan},                       # max 6
    )
    out = acr_eular_2016(df)
    assert out["points_min"].tolist() == [3, 4, 0, 0]
    assert out["points_max"].tolist() == [4, 7, 3, 6]
    assert out["points"].isna().all()
    assert out["classified"].tolist() == [pd.NA, True, False, pd.NA]
    assert np.isnan(out.loc["p1", "schirmer"]) and out.loc["p1", "anti_ro"] == 3


def test_missing_ocular_test_is_undecidable_unless_the_other_is_positive():
    df = patients({"ocular_staining_score": np.nan}, {"ocular_staining_score": np.nan})
    df["van_bijsterveld"] = [4, 0]
    assert acr_eular_2016(df)["ocular"].tolist()[0] == 1
    assert np.isnan(acr_eular_2016(df)["ocular"].tolist()[1])


def test_bad_input_names_columns_and_rows():
    df = patients({}, {})
    df.loc["p2", "anti_ro"] = 2
    with pytest.raises(SchemaError, match=r"anti_ro.*\(1 row: p2\)"):
        acr_eular_2016(df)
    with pytest.raises(SchemaError, match="ocular_staining_score or van_bijsterveld"):
        acr_eular_2016(patients({}).drop(columns="ocular_staining_score"))
    with pytest.raises(SchemaError, match="uwsf_ml_min.*absent"):
        acr_eular_2016(patients({}).drop(columns="uwsf_ml_min"))
