"""make_center_exports written as files of every format, harmonized back exactly."""

import json
import warnings

import pandas as pd
import pytest

from stratify.data import Harmonizer, read_file
from stratify.synthetic import make_center_exports, make_pss_cohort

pytest.importorskip("openpyxl")
pyreadstat = pytest.importorskip("pyreadstat")
pytest.importorskip("pyarrow")


def writable(fmt):
    """pyreadstat writes .sas7bdat from 1.3 on; with an older one those tests skip."""
    if fmt == "sas7bdat" and not hasattr(pyreadstat, "write_sas7bdat"):
        pytest.skip("this pyreadstat cannot write .sas7bdat (1.3 can)")

FORMATS = ("csv", "tsv", "xlsx", "sav", "dta", "xpt", "sas7bdat", "parquet")


@pytest.fixture(scope="module")
def cohort():
    # five centres: each of the five export styles (languages) once
    return make_pss_cohort(n_patients=300, n_centers=5, trial=True, random_state=4)


@pytest.mark.parametrize("fmt", FORMATS)
def test_written_exports_harmonize_back_to_the_cohort_exactly(cohort, fmt, tmp_path):
    writable(fmt)
    exports, mapping = make_center_exports(cohort, random_state=3, out=tmp_path, file_format=fmt)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([f"C{i}.{fmt}" for i in range(1, 6)] + ["mapping.json"])
    saved = json.loads((tmp_path / "mapping.json").read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(mapping))  # JSON turns code 1 into "1"
    harmonizer = Harmonizer(saved)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing unmapped, nothing to warn about
        harmonized = harmonizer.transform(tmp_path)
    pd.testing.assert_frame_equal(harmonized, cohort.data)
    report = harmonizer.report_
    assert report.clean and list(report.files) == list(exports)
    # the in-memory exports carry the files' names and harmonize the same way
    pd.testing.assert_frame_equal(Harmonizer(mapping).transform(exports), cohort.data)
    if fmt in ("sav", "dta"):  # coded columns are labelled codes, mapped by their labels
        assert sum(sum(v.values()) for v in report.labels_used.values()) > 1000
        assert any(report.labelled_missing.values())
    else:
        assert not any(report.labels_used.values())


@pytest.mark.parametrize("fmt", ["sav", "dta", "xpt", "sas7bdat"])
def test_names_the_format_refuses_become_variable_labels(cohort, fmt, tmp_path):
    writable(fmt)
    exports, mapping = make_center_exports(cohort, random_state=3, out=tmp_path, file_format=fmt)
    before, _ = make_center_exports(cohort, random_state=3)
    for centre, frame in exports.items():
        read = read_file(tmp_path / mapping["centres"][centre]["file"], None)
        assert list(read.columns) == list(frame.columns)
        labels = read.attrs["variable_labels"]
        for new, old in zip(frame.columns, before[centre].columns):
            assert labels.get(new, new) == old  # the export's own name, kept
            assert " " not in new


def test_coded_columns_of_spss_files_are_labelled_integer_codes(cohort, tmp_path):
    exports, mapping = make_center_exports(cohort, random_state=3, out=tmp_path, file_format="sav")
    english = next(c for c, spec in mapping["centres"].items() if "PatientID" in spec["columns"])
    read = read_file(tmp_path / f"{english}.sav", None)
    labels = read.attrs["value_labels"]["Sex"]
    assert {"Female", "Male"} <= set(labels.values())
    assert pd.api.types.is_float_dtype(read["Sex"])
    assert pd.api.types.is_datetime64_any_dtype(read["DOB"])  # dates are dates


def test_file_format_needs_a_folder_and_a_known_format(cohort, tmp_path):
    with pytest.raises(ValueError, match="give the folder too"):
        make_center_exports(cohort, file_format="sav")
    with pytest.raises(ValueError, match="file_format must be one of"):
        make_center_exports(cohort, out=tmp_path, file_format="xls")
