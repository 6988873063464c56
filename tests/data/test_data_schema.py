"""The pSS schema and validate(): every problem named at once, nothing leaked."""

import numpy as np
import pandas as pd
import pytest

from stratify.data import BLOCKS, KINDS, PSS_SCHEMA, Schema, SchemaError, Variable, validate

CORE = [
    "center", "sex", "age", "disease_duration_years", "focus_score", "anti_ro", "anti_la",
    "ana", "rf", "ocular_staining_score", "schirmer_mm_5min", "uwsf_ml_min", "igg_g_l",
    "c3_low", "c4_low", "cryoglobulins", "monoclonal_component", "lymphopenia",
    "salivary_gland_enlargement", "lymphadenopathy", "raynaud", "germinal_centres",
    "essdai_constitutional", "essdai_lymphadenopathy", "essdai_glandular", "essdai_articular",
    "essdai_cutaneous", "essdai_pulmonary", "essdai_renal", "essdai_muscular", "essdai_pns",
    "essdai_cns", "essdai_haematological", "essdai_biological", "esspri_dryness",
    "esspri_fatigue", "esspri_pain", "anxiety", "depression", "lymphoma_time_years",
    "lymphoma_event",
]


def test_schema_holds_every_core_variable_of_the_design():
    missing = [name for name in CORE if name not in PSS_SCHEMA]
    assert missing == []
    assert PSS_SCHEMA["patient_id"].kind == "id"


def test_every_variable_has_a_valid_kind_block_and_description():
    for var in PSS_SCHEMA:
        assert var.kind in KINDS and var.block in BLOCKS
        assert var.description, var.name
        if var.kind in ("binary", "ordinal", "event"):
            assert var.levels, var.name


def test_essdai_levels_follow_the_published_definitions():
    assert PSS_SCHEMA["essdai_cns"].levels == (0, 2, 3)
    for domain in ("constitutional", "glandular", "biological"):
        assert PSS_SCHEMA[f"essdai_{domain}"].levels == (0, 1, 2)
    for domain in ("lymphadenopathy", "articular", "cutaneous", "pulmonary", "renal",
                   "muscular", "pns", "haematological"):
        assert PSS_SCHEMA[f"essdai_{domain}"].levels == (0, 1, 2, 3)


def test_molecular_family_resolves_any_gene():
    var = PSS_SCHEMA["mol_MX1"]
    assert (var.block, var.kind) == ("molecular", "continuous")
    assert "mol_" not in PSS_SCHEMA  # the bare prefix is not a variable
    assert PSS_SCHEMA.get("not_a_variable") is None


def test_schema_rejects_duplicates_and_bad_kinds():
    with pytest.raises(ValueError, match="duplicated"):
        Schema((Variable("a", "clinical", "binary"), Variable("a", "clinical", "binary")))
    with pytest.raises(ValueError, match="kind must be one of"):
        Variable("a", "clinical", "boolean")


def _frame(**cols):
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"patient_id": [f"p{i}" for i in range(n)], **cols})


def test_validate_returns_canonical_frame_indexed_by_patient_id():
    df = _frame(age=[50, 61], anti_ro=[1, 0], sex=["F", "M"], essdai_cns=[0, 3])
    out = validate(df)
    assert out.index.name == "patient_id" and list(out.index) == ["p0", "p1"]
    assert out["age"].dtype == float and out["anti_ro"].tolist() == [1.0, 0.0]
    assert out["sex"].tolist() == ["F", "M"]


def test_partial_frames_validate_and_required_is_enforced():
    df = _frame(age=[50, 61])
    validate(df)
    with pytest.raises(SchemaError) as err:
        validate(df, required=["age", "esspri_pain"])
    assert [p.column for p in err.value.problems] == ["esspri_pain"]


def test_validate_lists_every_problem_with_column_rows_and_rule():
    df = pd.DataFrame({
        "patient_id": ["a", "b", "c", "c", "e", "f"],
        "age": [50, 250, 40, 41, 42, 43],
        "anti_ro": [1, 0, 2, 1, 0, 1],
        "essdai_cns": [0, 1, 0, 0, 0, 0],
        "sex": ["F", "female", "M", "F", "F", "F"],
        "igg_g_l": ["12.1", "high", "9", "", "10", "11"],
        "focus_score": [1.0, np.inf, 0.0, 1.0, 2.0, 0.0],
        "favourite_colour": ["red"] * 6,
    })
    with pytest.raises(SchemaError) as err:
        validate(df)
    found = {(p.column, p.rows) for p in err.value.problems}
    assert ("patient_id", ("c", "c")) in found
    assert ("age", ("b",)) in found
    assert ("anti_ro", ("c",)) in found
    assert ("essdai_cns", ("b",)) in found
    assert ("sex", ("b",)) in found
    assert ("igg_g_l", ("b",)) in found
    assert ("focus_score", ("b",)) in found
    assert ("favourite_colour", ()) in found
    message = str(err.value)
    assert "one of 0, 2, 3" in message and "text where a number is expected" in message
    # no patient values in the message
    assert "250" not in message and "female" not in message and "high" not in message


def test_validate_shows_at_most_five_rows_and_counts_the_rest():
    df = _frame(age=[200] * 12)
    with pytest.raises(SchemaError) as err:
        validate(df)
    (problem,) = err.value.problems
    assert len(problem.rows) == 5 and problem.n_rows == 12
    assert "and 7 more" in str(err.value)


def test_sentinels_are_named_as_such():
    df = _frame(anti_ro=[1, -9, 0])
    with pytest.raises(SchemaError, match="sentinels"):
        validate(df)


def test_missing_patient_id_is_an_error():
    with pytest.raises(SchemaError, match="patient_id"):
        validate(pd.DataFrame({"age": [50]}))
    with pytest.raises(SchemaError, match="must not be missing"):
        validate(pd.DataFrame({"patient_id": ["a", None], "age": [50, 51]}))


def test_missing_values_are_allowed_and_kept():
    df = _frame(age=[50, None], anti_ro=[None, 1], sex=[None, "F"])
    out = validate(df)
    assert np.isnan(out.loc["p1", "age"]) and np.isnan(out.loc["p0", "anti_ro"])
    assert pd.isna(out.loc["p0", "sex"])


def test_allow_unknown_keeps_extra_columns():
    out = validate(_frame(age=[50], extra=["x"]), allow_unknown=True)
    assert out["extra"].tolist() == ["x"]


def test_data_dictionary_lists_every_variable():
    table = PSS_SCHEMA.to_frame()
    assert set(PSS_SCHEMA.names) <= set(table["name"])
    assert "mol_*" in set(table["name"])
