"""ESSDAI, ClinESSDAI and activity levels against hand-computed worked examples."""

import numpy as np
import pandas as pd
import pytest

from stratify.data import SchemaError
from stratify.scores import (
    CLINESSDAI_WEIGHTS,
    CLINESSDAI_WEIGHTS_REESTIMATED,
    ESSDAI_WEIGHTS,
    clinessdai,
    essdai,
    essdai_activity,
)

DOMAINS = list(ESSDAI_WEIGHTS)
MAX_LEVEL = {c: 2 if c.split("_", 1)[1] in ("constitutional", "glandular", "biological") else 3
             for c in DOMAINS}


def frame(*rows: dict) -> pd.DataFrame:
    """Patients p1, p2, ... with all domains inactive except the levels given."""
    ids = [f"p{i + 1}" for i in range(len(rows))]
    df = pd.DataFrame(0.0, index=pd.Index(ids, name="patient_id"), columns=DOMAINS)
    for pid, levels in zip(ids, rows):
        for domain, level in levels.items():
            df.loc[pid, f"essdai_{domain}"] = level
    return df


def test_weights_are_the_published_ones():
    assert sum(ESSDAI_WEIGHTS.values()) == 43
    assert ESSDAI_WEIGHTS["essdai_muscular"] == 6 and ESSDAI_WEIGHTS["essdai_biological"] == 1
    assert sum(w * MAX_LEVEL[c] for c, w in ESSDAI_WEIGHTS.items()) == 123
    assert "essdai_biological" not in CLINESSDAI_WEIGHTS and len(CLINESSDAI_WEIGHTS) == 11
    assert sum(w * MAX_LEVEL[c] for c, w in CLINESSDAI_WEIGHTS_REESTIMATED.items()) == 135
    with pytest.raises(TypeError):
        ESSDAI_WEIGHTS["essdai_renal"] = 1  # type: ignore[index]


def test_worked_example():
    # constitutional 1 (3x1) + articular 2 (2x2) + haematological 1 (2x1) + biological 2 (1x2)
    # + pulmonary 1 (5x1) + CNS 2 (5x2) = 3 + 4 + 2 + 2 + 5 + 10 = 26
    df = frame({"constitutional": 1, "articular": 2, "haematological": 1, "biological": 2,
                "pulmonary": 1, "cns": 2})
    assert essdai(df).tolist() == [26.0]
    assert clinessdai(df).tolist() == [24.0]  # the same without biology
    # re-estimated weights: 4x1 + 3x2 + 2x1 + 6x1 + 5x2 = 28
    assert clinessdai(df, weights=CLINESSDAI_WEIGHTS_REESTIMATED).tolist() == [28.0]


def test_range_ends():
    df = frame({}, {c.split("_", 1)[1]: MAX_LEVEL[c] for c in DOMAINS})
    assert essdai(df).tolist() == [0.0, 123.0]
    assert clinessdai(df).tolist() == [0.0, 121.0]


def test_output_keeps_index_and_name_even_with_repeated_visits():
    df = pd.concat([frame({"renal": 1}), frame({"renal": 2})])
    out = essdai(df)
    assert out.name == "essdai" and list(out.index) == ["p1", "p1"]
    assert out.tolist() == [5.0, 10.0]


@pytest.mark.parametrize("column, level", [
    ("essdai_cns", 1),            # CNS has no low level
    ("essdai_articular", 4),
    ("essdai_constitutional", 3),  # constitutional stops at moderate
    ("essdai_renal", -1),
    ("essdai_pulmonary", 1.5),
])
def test_invalid_levels_are_rejected_naming_column_rows_and_rule(column, level):
    df = frame({}, {}, {})
    df.loc[["p2", "p3"], column] = level
    with pytest.raises(SchemaError) as err:
        essdai(df)
    message = str(err.value)
    assert column in message and "p2, p3" in message and "p1" not in message
    assert "must be one of" in message


def test_invalid_level_names_every_problem_at_once():
    df = frame({"cns": 1, "articular": 4})
    with pytest.raises(SchemaError) as err:
        essdai(df)
    assert len(err.value.problems) == 2


def test_absent_domain_and_text_are_errors():
    with pytest.raises(SchemaError, match="essdai_renal.*absent"):
        essdai(frame({}).drop(columns="essdai_renal"))
    df = frame({}).astype(object)
    df.loc["p1", "essdai_renal"] = "high"
    with pytest.raises(SchemaError, match="essdai_renal.*text"):
        essdai(df)
    with pytest.raises(TypeError, match="DataFrame"):
        essdai(np.zeros((2, 12)))


def test_missing_domains():
    df = frame({"articular": 2}, {}, {})
    df.loc["p1", "essdai_renal"] = np.nan
    df.loc["p3", :] = np.nan
    strict = essdai(df)
    assert np.isnan(strict["p1"]) and strict["p2"] == 0.0 and np.isnan(strict["p3"])
    lenient = essdai(df, allow_missing=True)
    assert lenient["p1"] == 4.0 and lenient["p2"] == 0.0
    assert np.isnan(lenient["p3"])  # nothing rated at all stays missing


def test_nullable_integer_levels_are_accepted():
    df = frame({"renal": 2}).astype("Int64")
    df.loc["p1", "essdai_glandular"] = pd.NA
    assert np.isnan(essdai(df)["p1"])
    assert essdai(df, allow_missing=True)["p1"] == 10.0


def test_clinessdai_weights_are_checked():
    df = frame({})
    with pytest.raises(ValueError, match="essdai_biological"):
        clinessdai(df, weights=ESSDAI_WEIGHTS)
    with pytest.raises(ValueError, match="non-negative"):
        clinessdai(df, weights={**CLINESSDAI_WEIGHTS, "essdai_renal": -1})


def test_activity_levels_at_the_cut_offs():
    score = pd.Series([0, 4, 5, 13, 14, 123, np.nan], index=list("abcdefg"))
    levels = essdai_activity(score)
    assert levels.tolist()[:6] == ["low", "low", "moderate", "moderate", "high", "high"]
    assert pd.isna(levels["g"]) and list(levels.index) == list("abcdefg")
    assert levels.cat.ordered and levels.cat.codes.tolist() == [0, 0, 1, 1, 2, 2, -1]
    with pytest.raises(ValueError, match="b"):
        essdai_activity(pd.Series([1, -2], index=["a", "b"]))
