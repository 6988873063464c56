"""Harmonizer on export files: folders, lists, mixed formats, value labels, the report."""

import warnings

import numpy as np
import pandas as pd
import pytest

from stratify.data import Harmonizer, write_file
from stratify.synthetic import make_center_exports, make_pss_cohort

pytest.importorskip("openpyxl")
pytest.importorskip("pyreadstat")
pytest.importorskip("pyarrow")


def quiet(harmonizer, exports):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return harmonizer.transform(exports)


@pytest.fixture(scope="module")
def cohort():
    return make_pss_cohort(n_patients=150, n_centers=3, random_state=8)


def test_mixed_formats_one_centre_a_file(cohort, tmp_path):
    exports, mapping = make_center_exports(cohort, random_state=1)
    files = []
    for (centre, frame), fmt in zip(exports.items(), ("xlsx", "csv", "parquet")):
        files.append(write_file(frame, tmp_path / f"exports_{centre}.{fmt}"))
    harmonizer = Harmonizer(mapping)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        harmonized = harmonizer.transform(list(reversed(files)))
    pd.testing.assert_frame_equal(harmonized, cohort.data)  # centres in the mapping's order
    report = harmonizer.report_
    assert report.files["C1"].endswith("exports_C1.xlsx (Excel workbook, sheet 'data')")
    assert "(Parquet)" in report.files["C3"]
    frame = report.to_frame()
    assert (frame["item"] == "file").sum() == 3
    assert set(frame.loc[frame["item"] == "columns_in", "count"]) == {
        exports[c].shape[1] for c in exports}
    mapped = report.mapped_columns["C1"]
    assert len(mapped) == len(mapping["centres"]["C1"]["columns"])
    text = str(report)
    assert "read " in text and "mapped" in text and "converted" in text
    # paths as the values of the dict work the same
    by_name = Harmonizer(mapping).transform(dict(zip(exports, files)))
    pd.testing.assert_frame_equal(by_name, cohort.data)


def test_unclaimed_files_of_a_folder_are_reported_and_a_list_refuses_them(cohort, tmp_path):
    exports, mapping = make_center_exports(cohort, random_state=1)
    for centre, frame in exports.items():
        write_file(frame, tmp_path / f"{centre}.csv")
    write_file(pd.DataFrame({"x": [1]}), tmp_path / "readme.csv")
    harmonizer = Harmonizer(mapping)
    with pytest.warns(UserWarning, match=r"files that no centre claims \(not read\)"):
        harmonized = harmonizer.transform(tmp_path)
    pd.testing.assert_frame_equal(harmonized, cohort.data)
    assert harmonizer.report_.unmatched_files == [str(tmp_path / "readme.csv")]
    assert not harmonizer.report_.clean
    with pytest.raises(ValueError, match=r"readme\.csv: no centre of the mapping matches"):
        harmonizer.transform([tmp_path / "C1.csv", tmp_path / "readme.csv"])
    write_file(exports["C1"], tmp_path / "C1.tsv")
    with pytest.raises(ValueError, match=r"centre 'C1' has two files"):
        harmonizer.transform(tmp_path)
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        harmonizer.transform(tmp_path / "absent")


def labelled_export(tmp_path, sex_labels, codes):
    frame = pd.DataFrame({"id": ["a", "b", "c", "d"], "SEX": [1, 2, 1, 9],
                          "SSA": [1, 2, 9, 1], "IgG": [12.5, 99.0, 10.0, 11.0]})
    path = write_file(frame, tmp_path / "A.sav",
                      value_labels={"SEX": sex_labels,
                                    "SSA": {1: "positive", 2: "negative", 9: "not done"},
                                    "IgG": {99: "not measured"}},
                      variable_labels={"IgG": "IgG (g/L)"})
    mapping = {"centres": {"A": {"columns": {
        "id": "patient_id", "SEX": {"to": "sex", "codes": codes},
        "SSA": {"to": "anti_ro", "codes": {"positive": 1, "negative": 0}},
        "IgG": "igg_g_l"}}}}
    return path, mapping


def test_value_labels_drive_the_mapping_and_missing_labels_are_reported(tmp_path):
    path, mapping = labelled_export(tmp_path, {1: "female", 2: "male", 9: "unknown"},
                                    {"female": "F", "male": "M"})
    harmonizer = Harmonizer(mapping)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # labelled missing values are expected, not unmapped
        out = harmonizer.transform(tmp_path)
    assert out["sex"].tolist()[:3] == ["F", "M", "F"] and pd.isna(out.loc["d", "sex"])
    assert out["anti_ro"].tolist()[:2] == [1.0, 0.0] and np.isnan(out.loc["c", "anti_ro"])
    assert np.isnan(out.loc["b", "igg_g_l"]) and out.loc["a", "igg_g_l"] == 12.5
    report = harmonizer.report_
    assert report.labels_used["A"] == {"SEX": 3, "SSA": 3}
    assert report.labelled_missing["A"] == {"SEX": {"unknown": 1}, "SSA": {"not done": 1},
                                            "IgG": {"not measured": 1}}
    assert report.converted_columns["A"] == ["SEX", "SSA"]
    frame = report.to_frame()
    missing = frame[frame["item"] == "labelled_missing"]
    assert missing[["column", "value", "count"]].values.tolist() == [
        ["SEX", "unknown", 1], ["SSA", "not done", 1], ["IgG", "not measured", 1]]
    assert "labelled missing in 'SSA': 'not done' x 1" in str(report)
    # without its labels the same file's codes are not in the code list: reported
    raw = pd.DataFrame({"id": ["a"], "SEX": [1], "SSA": [1], "IgG": [1.0]})
    quiet(harmonizer, {"A": raw})
    assert harmonizer.report_.unmapped_values["A"]["SEX"] == {"1": 1}


@pytest.mark.parametrize("second", ["female", "Female "])
def test_colliding_labels_are_an_error(tmp_path, second):
    path, mapping = labelled_export(tmp_path, {1: "female", 2: second}, {"female": "F"})
    with pytest.raises(ValueError, match=r"1 problem\(s\) with the value labels of the "
                                         r"exports:\n  - centre 'A', column 'SEX': the value "
                                         r"labels collide: codes 1, 2 are all labelled "
                                         r"'female'"):
        Harmonizer(mapping).transform(path.parent)


def test_labels_that_contradict_the_code_list_are_an_error(tmp_path):
    path, mapping = labelled_export(tmp_path, {1: "male", 2: "female"},
                                    {"1": "F", "2": "M", "male": "M", "female": "F"})
    with pytest.raises(ValueError, match=r"column 'SEX': code 1 is labelled 'male', which the "
                                         r"code list maps to 'M', but code 1 itself maps to "
                                         r"'F'"):
        Harmonizer(mapping).transform([path])


def test_labelled_codes_of_a_text_column_take_their_labels(tmp_path):
    frame = pd.DataFrame({"id": ["a", "b"], "site": [1, 2], "gender": [2, 1]})
    write_file(frame, tmp_path / "reg.dta",
               value_labels={"site": {1: "Uppsala", 2: "Lund"}, "gender": {1: "F", 2: "M"}})
    mapping = {"centres": {"registry": {"file": "reg.dta", "columns": {
        "id": "patient_id", "site": "center", "gender": "sex"}}}}
    harmonizer = Harmonizer(mapping)
    out = harmonizer.transform(tmp_path)
    assert out["center"].tolist() == ["Uppsala", "Lund"]
    assert out["sex"].tolist() == ["M", "F"]
    assert harmonizer.report_.labels_used["registry"] == {"site": 2, "gender": 2}


def test_declared_missing_values_count_as_sentinels(tmp_path):
    import pyreadstat

    frame = pd.DataFrame({"id": ["a", "b"], "IgG": [12.0, -9.0]})
    pyreadstat.write_sav(frame, str(tmp_path / "A.sav"), missing_ranges={"IgG": [-9.0]})
    mapping = {"centres": {"A": {"columns": {"id": "patient_id", "IgG": "igg_g_l"}}}}
    harmonizer = Harmonizer(mapping)
    out = harmonizer.transform(tmp_path)
    assert np.isnan(out.loc["b", "igg_g_l"])
    assert harmonizer.report_.sentinels["A"] == {"IgG": 1}


def test_a_centres_sheet_is_read(tmp_path):
    frame = pd.DataFrame({"id": ["a", "b"], "age": [50, 61]})
    with pd.ExcelWriter(tmp_path / "A.xlsx", engine="openpyxl") as writer:
        pd.DataFrame({"note": ["x"]}).to_excel(writer, sheet_name="About", index=False)
        frame.to_excel(writer, sheet_name="Patients", index=False)
    mapping = {"centres": {"A": {"columns": {"id": "patient_id", "age": "age"}}}}
    with pytest.raises(ValueError, match="choose one with sheet="):
        Harmonizer(mapping).transform(tmp_path)
    mapping["centres"]["A"]["sheet"] = "Patients"
    out = Harmonizer(mapping).transform(tmp_path)
    assert out["age"].tolist() == [50.0, 61.0]
    mapping["centres"]["A"]["sheet"] = ["Patients"]
    with pytest.raises(ValueError, match="'sheet' must be a worksheet name"):
        Harmonizer(mapping).transform(tmp_path)
