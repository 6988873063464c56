"""Cohort: construction, CSV round trip, hostile files, identifiers, select()."""

import numpy as np
import pandas as pd
import pytest

from stratify.data import Cohort, SchemaError, identifier_columns


@pytest.fixture
def frame():
    return pd.DataFrame({
        "patient_id": ["p1", "p2", "p3"],
        "center": ["A", "A", "B"],
        "age": [50.5, 61.0, np.nan],
        "anti_ro": [1, 0, np.nan],
        "essdai_articular": [0, 2, 3],
        "esspri_pain": [3.0, 7.5, 1.0],
        "mol_IFI44": [0.1, -1.2, 2.5],
    })


def test_csv_round_trip_is_exact(tmp_path, frame):
    cohort = Cohort(frame)
    path = tmp_path / "c.csv"
    cohort.to_csv(path)
    text = path.read_text()
    assert "0.0" not in text.splitlines()[1].split(",")[3]  # binary written as integer
    again = Cohort.from_csv(path)
    pd.testing.assert_frame_equal(again.data, cohort.data)


def test_select_by_block(frame):
    cohort = Cohort(frame)
    assert cohort.select(blocks=["molecular"]).columns.tolist() == ["mol_IFI44"]
    assert cohort.select(blocks="essdai").columns.tolist() == ["essdai_articular"]
    assert cohort.select(blocks=["symptoms"], columns=["age"]).columns.tolist() == [
        "esspri_pain", "age"]
    assert cohort.select().index.name == "patient_id"
    with pytest.raises(ValueError, match="Unknown block"):
        cohort.select(blocks=["genes"])


def test_identifier_columns_are_refused_unless_allowed(frame):
    frame["Last Name"] = ["x", "y", "z"]
    with pytest.raises(SchemaError, match="direct identifier"):
        Cohort(frame)
    assert "Last Name" in Cohort(frame, allow_identifiers=True).data.columns
    assert identifier_columns(["email", "e_mail", "phone_number", "age", "rf"]) == [
        "email", "e_mail", "phone_number"]


def test_truth_must_share_the_index(frame):
    truth = pd.DataFrame({"patient_id": ["p1", "p2", "p3"], "molecular_subgroup": [0, 1, 1]})
    assert Cohort(frame, truth=truth).truth.index.tolist() == ["p1", "p2", "p3"]
    with pytest.raises(ValueError, match="same patient ids"):
        Cohort(frame, truth=truth.iloc[:2])


@pytest.mark.parametrize(
    "content, match",
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"patient_id,age\np1,50\np2\n", "fields of the header"),
        (b"patient_id,age\np1,50,7\n", "fields of the header"),
        (b"patient_id,age\np1,\xff\xfe50\n", "UTF-8"),
        (b"patient_id,,age\np1,1,50\n", "empty column name"),
    ],
)
def test_hostile_files_give_clear_value_errors_naming_the_file(tmp_path, content, match):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match) as err:
        Cohort.from_csv(path)
    assert "bad.csv" in str(err.value)


def test_schema_errors_from_files_name_the_file(tmp_path):
    path = tmp_path / "cohort.csv"
    path.write_text("patient_id,age,anti_ro\np1,50,1\np1,abc,7\n")
    with pytest.raises(SchemaError) as err:
        Cohort.from_csv(path)
    message = str(err.value)
    assert "cohort.csv" in message and "unique" in message and "abc" not in message


def test_repr_reports_sizes_without_patient_data(frame):
    text = repr(Cohort(frame))
    assert text == "Cohort(3 patients, 6 variables, 2 centres)"


# --------------------------------------------------------------------------- issue 22.7
def write(tmp_path, text, name="c.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_centres_coded_na_or_none_are_read_as_written(tmp_path):
    path = write(tmp_path, "patient_id,center,age,sex\np1,NA,50,F\np2,None,NA,\np3,A,,M\n")
    cohort = Cohort.from_csv(path)
    assert cohort.data["center"].tolist() == ["NA", "None", "A"]
    assert cohort.data["age"].isna().tolist() == [False, True, True]  # NA in a number column
    assert cohort.data["sex"].isna().tolist() == [False, True, False]  # empty: missing


def test_a_duplicated_header_is_refused(tmp_path):
    path = write(tmp_path, "patient_id,mol_MX1,mol_MX1\np1,0.1,0.2\n")
    with pytest.raises(ValueError, match=r"'mol_MX1' at positions \[2, 3\]"):
        Cohort.from_csv(path)


def test_a_header_only_file_and_an_empty_frame_are_refused(tmp_path):
    with pytest.raises(ValueError, match="no patient: the file has a header but no data rows"):
        Cohort.from_csv(write(tmp_path, "patient_id,age\n"))
    with pytest.raises(SchemaError, match="no patient"):
        Cohort(pd.DataFrame({"patient_id": [], "age": []}))


@pytest.mark.parametrize("sep, name", [(";", "semicolons"), ("\t", "tabs")])
def test_another_delimiter_is_named(tmp_path, sep, name):
    path = write(tmp_path, f"patient_id{sep}age\np1{sep}50\n")
    with pytest.raises(ValueError, match=f"one column holding {name}"):
        Cohort.from_csv(path)


def test_a_block_says_which_columns_it_lost_and_why(frame):
    from stratify._steps import _cluster_frame

    frame["sex"] = ["F", "M", "F"]
    cohort = Cohort(frame)
    with pytest.warns(UserWarning, match=r"'sex' \(demographics, categorical\)"):
        assert cohort.select(blocks=["demographics"], numeric_only=True).columns.tolist() == [
            "age"]
    config = {"cluster": {"blocks": ["demographics"], "columns": []}}
    with pytest.warns(UserWarning, match="not numeric: 'sex'"):
        assert _cluster_frame(cohort, config).columns.tolist() == ["age"]


def test_a_validation_cohort_holding_the_discovery_patients_is_refused(frame):
    from stratify import Stratification
    from stratify.data import check_disjoint

    cohort = Cohort(frame)
    with pytest.raises(ValueError, match="holds 3 of the discovery cohort's 3 patients"):
        Stratification().run(cohort, validation=cohort)
    other = frame.copy()
    other["age"] = [20.0, 30.0, 40.0]
    with pytest.warns(UserWarning, match="3 patient id"):
        check_disjoint(cohort, Cohort(other))
    other["patient_id"] = ["q1", "q2", "q3"]
    check_disjoint(cohort, Cohort(other))  # distinct ids: nothing to say


# --------------------------------------------------------------------------- issue 22.11
def test_blocks_of_rows_give_the_same_problems_as_one_read(tmp_path, monkeypatch):
    import stratify.data._cohort as cohort_module

    monkeypatch.setattr(cohort_module, "CHUNK_ROWS", 2)
    path = write(tmp_path, "patient_id,age,anti_ro\np1,250,1\np2,50,0\np3,60,1\n,70,0\n"
                           "p5,300,1\np1,40,0\n")
    with pytest.raises(SchemaError) as err:
        Cohort.from_csv(path)
    text = str(err.value)
    assert "column 'age': values must be a number in [16, 100] (2 rows: p1, p5)" in text
    assert "column 'patient_id': must not be missing (1 row: row 4)" in text
    assert "must be unique (duplicated patients) (2 rows: p1, p1)" in text
    # never the values (the message names the file, whose folder may hold the digits)
    assert text.count("column 'age'") == 1 and "250" not in text.replace(str(path), "")


def test_reading_in_blocks_gives_the_frame_of_one_read(tmp_path, frame, monkeypatch):
    import stratify.data._cohort as cohort_module

    cohort = Cohort(frame)
    path = tmp_path / "c.csv"
    cohort.to_csv(path)
    monkeypatch.setattr(cohort_module, "CHUNK_ROWS", 2)
    again = Cohort.from_csv(path)
    pd.testing.assert_frame_equal(again.data, cohort.data)


@pytest.mark.slow
def test_reading_a_cohort_allocates_less_than_three_times_the_file(tmp_path, monkeypatch):
    """The file is read and validated in blocks of rows into preallocated columns:
    the peak allocation is the cohort itself (float64) plus one block, where reading
    the whole text, a copy of it and unvalidated frames took 17 times the file."""
    import tracemalloc

    import stratify.data._cohort as cohort_module
    from benchmarks.bench_validate import write_cohort_file

    path = write_cohort_file(tmp_path / "cohort.csv", 20_000)
    monkeypatch.setattr(cohort_module, "CHUNK_ROWS", 1_000)  # 1M rows in blocks of 20,000
    tracemalloc.start()
    try:
        cohort = Cohort.from_csv(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(cohort) == 20_000 and cohort.data.shape[1] == 96
    assert peak < 3 * path.stat().st_size, peak / path.stat().st_size
