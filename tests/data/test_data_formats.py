"""read_file, write_file and Cohort.from_file: every format, its metadata, hostile files."""

import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stratify.data import (
    MISSING_LABELS,
    SUPPORTED_FORMATS,
    Cohort,
    SchemaError,
    read_file,
    write_file,
)
from stratify.synthetic import make_pss_cohort

pytest.importorskip("openpyxl")
pyreadstat = pytest.importorskip("pyreadstat")
pytest.importorskip("pyarrow")

FORMATS = ("csv", "tsv", "xlsx", "sav", "dta", "sas7bdat", "xpt", "parquet")
FILES = Path(__file__).parent / "files"


def writable(fmt):
    """pyreadstat writes .sas7bdat from 1.3 on; with an older one those tests skip."""
    if fmt == "sas7bdat" and not hasattr(pyreadstat, "write_sas7bdat"):
        pytest.skip("this pyreadstat cannot write .sas7bdat (1.3 can)")


@pytest.fixture(scope="module")
def cohort():
    data = make_pss_cohort(n_patients=120, n_centers=3, random_state=2).data.copy()
    # a centre called NA, an id with leading zeros: text that must stay text
    data.loc[data.index[:5], "center"] = "NA"
    data.index = ["007", *data.index[1:]]
    data.index.name = "patient_id"
    return Cohort(data)


def test_supported_formats_are_listed():
    assert [s[1:] for s in SUPPORTED_FORMATS] == list(FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_round_trips_a_cohort_exactly(cohort, fmt, tmp_path):
    writable(fmt)
    path = write_file(cohort.data.reset_index(), tmp_path / f"cohort.{fmt}")
    again = Cohort.from_file(path)
    pd.testing.assert_frame_equal(again.data, cohort.data)
    assert again.data.loc["007", "center"] == "NA"


@pytest.mark.parametrize("fmt", ["xlsx", "sav", "dta", "parquet", "xpt", "sas7bdat"])
def test_dates_are_dates_and_ids_text(fmt, tmp_path):
    writable(fmt)
    frame = pd.DataFrame({"patient_id": [7, 8, 9], "visit": pd.to_datetime(
        ["2020-01-31", None, "2021-06-30"]), "age": [50.5, 61.0, np.nan]})
    back = read_file(write_file(frame, tmp_path / f"x.{fmt}"), None)
    assert back["patient_id"].tolist() == ["7", "8", "9"]
    assert pd.api.types.is_datetime64_any_dtype(back["visit"])
    assert back["visit"].iloc[0] == pd.Timestamp("2020-01-31")
    assert pd.isna(back["visit"].iloc[1])
    assert back["age"].iloc[0] == 50.5 and np.isnan(back["age"].iloc[2])


def test_no_default_na_strings_in_excel(tmp_path):
    frame = pd.DataFrame({"patient_id": ["a", "b", "c"], "center": ["NA", "None", "B"],
                          "age": ["NA", 54, ""], "mystery": ["NA", "x", None]})
    path = write_file(frame, tmp_path / "c.xlsx")
    back = read_file(path)
    assert back["center"].tolist() == ["NA", "None", "B"]  # text columns keep their text
    assert back["age"].isna().tolist() == [True, False, True]  # numeric: NA is missing
    assert back["mystery"].tolist()[:2] == ["NA", "x"]  # unknown columns keep their text
    cohort = Cohort.from_file(path, allow_identifiers=True)
    assert cohort.data.loc["a", "center"] == "NA"


def test_unknown_extension_lists_the_supported_ones(tmp_path):
    path = tmp_path / "cohort.ods"
    path.write_bytes(b"x")
    with pytest.raises(ValueError, match=r"cannot read '\.ods' files; stratify reads \.csv, "
                                         r"\.tsv, \.xlsx, \.sav, \.dta, \.sas7bdat, \.xpt and "
                                         r"\.parquet"):
        Cohort.from_file(path)
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_file(tmp_path / "absent.sav")


def test_a_missing_optional_package_names_the_extra(tmp_path, monkeypatch):
    path = write_file(pd.DataFrame({"patient_id": ["a"], "age": [50]}), tmp_path / "c.sav")
    monkeypatch.setitem(sys.modules, "pyreadstat", None)
    with pytest.raises(ImportError, match=r'reading \.sav files needs the optional package '
                                          r'pyreadstat.*pip install "stratify\[formats\]"'):
        Cohort.from_file(path)


def workbook(path, sheets):
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return path


def test_sheets_chosen_by_name_position_or_the_only_one_with_data(tmp_path):
    data = pd.DataFrame({"patient_id": ["a", "b"], "age": [50, 61]})
    notes = pd.DataFrame({"note": ["exported 2024"]})
    path = workbook(tmp_path / "c.xlsx", {"Data": data, "Notes": notes,
                                          "Empty": pd.DataFrame()})
    with pytest.raises(ValueError, match=r"c\.xlsx: the workbook has 2 sheets with data "
                                         r"\(\['Data', 'Notes'\]\); choose one with sheet="):
        Cohort.from_file(path)
    with pytest.raises(ValueError, match=r"no sheet named 'data' \(did you mean 'Data'\?\); "
                                         r"the workbook's sheets are \['Data', 'Notes', "
                                         r"'Empty'\]"):
        Cohort.from_file(path, sheet="data")
    with pytest.raises(ValueError, match="no sheet at position 5"):
        read_file(path, sheet=5)
    assert Cohort.from_file(path, sheet="Data").data["age"].tolist() == [50.0, 61.0]
    assert read_file(path, sheet=1).attrs["sheet"] == "Notes"
    single = workbook(tmp_path / "d.xlsx", {"Data": data, "Empty": pd.DataFrame()})
    assert len(Cohort.from_file(single)) == 2
    with pytest.raises(ValueError, match="applies to .xlsx workbooks only"):
        read_file(write_file(data, tmp_path / "c.sav"), sheet="Data")


def test_schema_errors_name_the_file_sheet_column_rows_and_rule(tmp_path):
    frame = pd.DataFrame({"patient_id": ["a", "b", "c"], "age": [50, 231.75, 240.25]})
    path = workbook(tmp_path / "c.xlsx", {"Patients": frame})
    with pytest.raises(SchemaError) as caught:
        Cohort.from_file(path)
    text = str(caught.value)
    assert "c.xlsx, sheet 'Patients'" in text
    assert "column 'age': values must be a number in [16, 100] (2 rows: b, c)" in text
    assert "231.75" not in text and "240.25" not in text  # never the values
    sav = write_file(frame, tmp_path / "c.sav")
    with pytest.raises(SchemaError, match=r"c\.sav:\n  - column 'age'"):
        Cohort.from_file(sav)


def test_encrypted_workbook_is_a_clear_error():
    with pytest.raises(ValueError, match=r"encrypted_password_secret\.xlsx: the workbook is "
                                         r"encrypted \(password-protected\)"):
        Cohort.from_file(FILES / "encrypted_password_secret.xlsx")


def test_damaged_workbooks_are_clear_errors(tmp_path):
    good = workbook(tmp_path / "good.xlsx", {"Data": pd.DataFrame({"patient_id": ["a"]})})
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[:300])
    with pytest.raises(ValueError, match=r"truncated\.xlsx: not an \.xlsx workbook"):
        read_file(truncated)
    broken = tmp_path / "broken.xlsx"  # a zip without a workbook inside
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(ValueError, match=r"broken\.xlsx: could not be read as an \.xlsx "
                                         r"workbook"):
        read_file(broken)


def test_excel_header_problems(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["patient_id", "age", "age", None])
    sheet.append(["a", 50, 51, None])
    book.save(tmp_path / "dupes.xlsx")
    with pytest.raises(ValueError, match=r"1 column name\(s\) appear more than once in the "
                                         r"header \('age' at positions \[2, 3\]\)"):
        read_file(tmp_path / "dupes.xlsx")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["patient_id", None, "age"])
    sheet.append(["a", 3, 50])
    book.save(tmp_path / "unnamed.xlsx")
    with pytest.raises(ValueError, match="column B holds values .* but has no name"):
        read_file(tmp_path / "unnamed.xlsx")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["patient_id", "age"])
    sheet.append(["a", 50])
    sheet.append([None, None])  # formatted empty rows at the end are not patients
    sheet.append([None, None])
    book.save(tmp_path / "trailing.xlsx")
    assert len(Cohort.from_file(tmp_path / "trailing.xlsx")) == 1
    book = openpyxl.Workbook()
    book.active.append(["patient_id", "age"])
    book.save(tmp_path / "header_only.xlsx")
    with pytest.raises(ValueError, match="no patient: the file has a header but no data rows"):
        read_file(tmp_path / "header_only.xlsx")


def test_formula_like_text_stays_text_in_excel(tmp_path):
    frame = pd.DataFrame({"patient_id": ["a"], "center": ['=HYPERLINK("x")']})
    back = read_file(write_file(frame, tmp_path / "c.xlsx"))
    assert back["center"].tolist() == ['=HYPERLINK("x")']


@pytest.mark.parametrize("kept", [0.0, 0.1, 0.6, 0.95])
def test_a_damaged_spss_file_is_a_clear_error(tmp_path, kept):
    frame = pd.DataFrame({"patient_id": [f"p{i}" for i in range(50)], "age": 50.0})
    good = write_file(frame, tmp_path / "good.sav").read_bytes()
    bad = tmp_path / "bad.sav"
    bad.write_bytes(good[:int(len(good) * kept)])  # truncated: header or rows missing
    with pytest.raises(ValueError, match=r"bad\.sav: not readable as an SPSS \(\.sav\) file"):
        Cohort.from_file(bad)
    for ext, name in (("dta", r"a Stata \(\.dta\)"), ("sas7bdat", r"a SAS \(\.sas7bdat\)"),
                      ("xpt", r"a SAS transport \(\.xpt\)")):
        junk = tmp_path / f"junk.{ext}"
        junk.write_bytes(b"this is not a statistics file at all" * 20)
        with pytest.raises(ValueError, match=rf"junk\.{ext}: not readable as {name} file"):
            read_file(junk)


def test_value_labels_and_variable_labels_are_kept(tmp_path):
    frame = pd.DataFrame({"patient_id": ["a", "b", "c"], "anti_ro": [1, 0, 99],
                          "sex": [1, 2, 1]})
    path = write_file(frame, tmp_path / "c.dta",
                      value_labels={"anti_ro": {0: "negative", 1: "positive", 99: "not done"},
                                    "sex": {1: "F", 2: "M"}},
                      variable_labels={"anti_ro": "Anti-Ro/SSA antibodies"})
    read = read_file(path)
    assert read.attrs["value_labels"]["anti_ro"] == {0: "negative", 1: "positive",
                                                     99: "not done"}
    assert read.attrs["variable_labels"] == {"anti_ro": "Anti-Ro/SSA antibodies"}
    assert read["anti_ro"].tolist() == [1.0, 0.0, 99.0]  # read_file keeps the codes
    with pytest.warns(UserWarning, match=r"1 value\(s\) whose label means missing .* were set "
                                         r"to missing: 'anti_ro' x 1"):
        cohort = Cohort.from_file(path)
    assert cohort.data["anti_ro"].tolist()[:2] == [1.0, 0.0]
    assert np.isnan(cohort.data.loc["c", "anti_ro"])
    assert cohort.data["sex"].tolist() == ["F", "M", "F"]  # labelled codes of a text variable
    # the same file without the label: 99 breaks the schema, named as a likely sentinel
    plain = write_file(frame, tmp_path / "plain.dta", value_labels={})
    with pytest.raises(SchemaError, match="look like missing-value sentinels"):
        Cohort.from_file(plain)


def test_colliding_or_contradicting_labels_are_errors(tmp_path):
    frame = pd.DataFrame({"patient_id": ["a", "b"], "sex": [1, 2]})
    path = write_file(frame, tmp_path / "c.sav", value_labels={"sex": {1: "F", 2: "f "}})
    with pytest.raises(ValueError, match=r"c\.sav: 1 problem\(s\) with the value labels:\n  - "
                                         r"column 'sex': the value labels collide: codes 1, 2 "
                                         r"are all labelled 'f'"):
        Cohort.from_file(path)
    text = pd.DataFrame({"patient_id": ["a", "b"], "sex": ["F", "M"]})
    swapped = write_file(text, tmp_path / "s.sav", value_labels={"sex": {"F": "M", "M": "F"}})
    with pytest.raises(ValueError, match="code F is labelled 'M', another level of 'sex'"):
        Cohort.from_file(swapped)


def test_spss_user_missing_values_are_missing_and_counted(tmp_path):
    frame = pd.DataFrame({"patient_id": ["a", "b", "c"], "age": [50.0, -9.0, 61.0]})
    path = tmp_path / "c.sav"
    pyreadstat.write_sav(frame, str(path), missing_ranges={"age": [-9.0]})
    read = read_file(path)
    assert read.attrs["declared_missing"] == {"age": 1}
    assert np.isnan(read["age"].iloc[1])
    assert Cohort.from_file(path).data["age"].isna().tolist() == [False, True, False]


def test_a_pyreadstat_without_the_sas7bdat_writer_says_so(tmp_path, monkeypatch):
    monkeypatch.delattr(pyreadstat, "write_sas7bdat", raising=False)
    with pytest.raises(ImportError, match=r"writing \.sas7bdat files needs a newer pyreadstat "
                                          r".*1\.3 has it"):
        write_file(pd.DataFrame({"patient_id": ["a"]}), tmp_path / "c.sas7bdat")


def test_sas7bdat_is_read_as_pandas_reads_it(tmp_path):
    writable("sas7bdat")
    frame = pd.DataFrame({"patient_id": ["001", "002"], "age": [50.25, 61.0],
                          "esspri_pain": [3.0, np.nan]})
    path = write_file(frame, tmp_path / "c.sas7bdat")
    ours = read_file(path)
    theirs = pd.read_sas(path, encoding="utf-8")
    np.testing.assert_array_equal(ours["age"].to_numpy(), theirs["age"].to_numpy())
    assert ours["patient_id"].tolist() == theirs["patient_id"].tolist() == ["001", "002"]


def test_tsv_is_streamed_like_csv(tmp_path):
    path = tmp_path / "c.tsv"
    path.write_text("patient_id\tage\n001\t50\n002\t61\t7\n")
    with pytest.raises(ValueError, match=r"c\.tsv: 1 line\(s\) do not have the 2 fields"):
        Cohort.from_file(path)
    path.write_text("patient_id,age\n001,50\n")
    with pytest.raises(ValueError, match="looks like ','-separated, not tab-separated"):
        Cohort.from_file(path)


def test_missing_labels_vocabulary():
    assert {"not done", "unknown", "k.a.", "okänt", "desconocido", "inconnu"} <= MISSING_LABELS
    frame = pd.DataFrame({"patient_id": ["a"], "age": [50]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no label, nothing to report
        Cohort(frame)
