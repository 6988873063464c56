"""validate() explains a frame read with the wrong delimiter and names off by case."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from stratify.data import PSS_SCHEMA, SchemaError, validate
from stratify.data._validate import schema_name_like, separator_message

TEXT = "patient_id,center,age,anxiety\np1,A,54,3\np2,B,61,\n"


def _problems(frame: pd.DataFrame) -> list[str]:
    with pytest.raises(SchemaError) as info:
        validate(frame)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_a_frame_read_with_the_wrong_delimiter_says_so_and_only_that(sep):
    frame = pd.read_csv(io.StringIO(TEXT.replace(",", sep)))  # read as one column
    assert frame.shape[1] == 1
    problems = _problems(frame)
    assert len(problems) == 1  # not 'patient_id is required' nor one unknown column
    assert f"looks like {sep!r}-separated" in problems[0]
    assert f"sep={sep!r}" in problems[0]


def test_reading_with_the_delimiter_named_gives_a_valid_frame():
    frame = pd.read_csv(io.StringIO(TEXT.replace(",", ";")))
    message = " ".join(_problems(frame))
    sep = message.split("sep=")[1][1]
    assert len(validate(pd.read_csv(io.StringIO(TEXT.replace(",", ";")), sep=sep))) == 2


def test_a_column_name_holding_a_separator_but_no_schema_names_is_just_unknown():
    frame = pd.DataFrame({"patient_id": ["p1"], "notes;free text": ["x"]})
    assert _problems(frame) == ["column 'notes;free text': is not a variable of the schema "
                                "(unknown column)"]


def test_names_differing_only_in_case_or_separators_suggest_the_schema_name():
    frame = pd.DataFrame({"Patient ID": ["p1", "p2"], "ANXIETY": [3, 4], "Age ": [50, 60],
                          "MOL_MX1": [1.0, 2.0], "anxiety_total": [1, 2]})
    problems = {p.split(":")[0]: p for p in _problems(frame)}
    assert "column 'Patient ID' differs only in case" in problems["column 'patient_id'"]
    assert "did you mean 'anxiety'?" in problems["column 'ANXIETY'"]
    assert "Harmonizer" in problems["column 'ANXIETY'"]
    assert "did you mean 'age'?" in problems["column 'Age '"]
    assert "did you mean 'mol_MX1'?" in problems["column 'MOL_MX1'"]
    # a different name gets no guess
    assert problems["column 'anxiety_total'"].endswith("(unknown column)")


def test_schema_name_like_and_separator_message_on_their_own():
    assert schema_name_like("ANXIETY", PSS_SCHEMA) == "anxiety"
    assert schema_name_like("anxiety", PSS_SCHEMA) is None  # already the schema name
    assert schema_name_like("mol_MX1", PSS_SCHEMA) is None
    assert separator_message("age") is None
    assert separator_message("a;b", pandas_hint=False).endswith("decimal mark)")
