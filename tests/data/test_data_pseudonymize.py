"""pseudonymize: keyed, stable, irreversible without the key, and the key never leaks."""

import hashlib
import hmac
import logging
import pickle

import numpy as np
import pandas as pd
import pytest

from stratify.data import Cohort, pseudonymize

KEY = "correct horse battery staple 2024"
OTHER_KEY = b"another secret key of 32 bytes!!"


@pytest.fixture
def cohort():
    ids = [f"UKPSSR-{i:04d}" for i in range(50)]
    data = pd.DataFrame({"patient_id": ids, "center": ["A", "B"] * 25,
                         "age": np.linspace(30, 80, 50), "anti_ro": [1, 0] * 25})
    truth = pd.DataFrame({"molecular_subgroup": ["IFN", "healthy-like"] * 25},
                         index=pd.Index(ids, name="patient_id"))
    return Cohort(data, truth=truth)


def test_pseudonym_is_the_truncated_hmac_sha256(cohort):
    out = pseudonymize(cohort, KEY)
    first = cohort.data.index[0]
    expected = hmac.new(KEY.encode(), first.encode(), hashlib.sha256).hexdigest()[:16]
    assert out.data.index[0] == "PS" + expected
    assert out.data.index.name == "patient_id"
    assert out.data.index.str.fullmatch(r"PS[0-9a-f]{16}").all()
    assert out.data.index.is_unique


def test_same_patient_same_key_same_pseudonym_across_exports(cohort):
    full = pseudonymize(cohort, KEY)
    later = pseudonymize(Cohort(cohort.data.iloc[10:20].reset_index()), KEY)
    assert list(later.data.index) == list(full.data.index[10:20])
    as_bytes = pseudonymize(cohort, KEY.encode("utf-8"))
    assert as_bytes.data.index.equals(full.data.index)
    other = pseudonymize(cohort, OTHER_KEY)
    assert not set(other.data.index) & set(full.data.index)


def test_values_and_truth_follow_their_patient(cohort):
    out = pseudonymize(cohort, KEY, prefix="X")
    pd.testing.assert_frame_equal(out.data.reset_index(drop=True),
                                  cohort.data.reset_index(drop=True))
    assert out.truth.index.equals(out.data.index)
    assert (out.truth["molecular_subgroup"].to_numpy()
            == cohort.truth["molecular_subgroup"].to_numpy()).all()
    assert out.data.index[0].startswith("X")
    # the input is left untouched
    assert cohort.data.index[0] == "UKPSSR-0000"


def test_dataframes_keep_their_layout(cohort):
    frame = cohort.data.reset_index()
    out = pseudonymize(frame, KEY)
    assert list(out.columns) == list(frame.columns)
    assert out["patient_id"].tolist() == list(pseudonymize(cohort, KEY).data.index)
    indexed = pseudonymize(cohort.data, KEY)
    assert indexed.index.equals(pseudonymize(cohort, KEY).data.index)
    # numbers and text give the same pseudonym
    numbers = pseudonymize(pd.DataFrame({"patient_id": [123, 456]}), KEY)
    text = pseudonymize(pd.DataFrame({"patient_id": ["123", " 456 "]}), KEY)
    assert numbers["patient_id"].tolist() == text["patient_id"].tolist()


def test_the_key_never_leaks(cohort, caplog):
    caplog.set_level(logging.DEBUG)
    out = pseudonymize(cohort, KEY)
    blobs = [repr(out), str(out.data), out.data.to_csv(), str(vars(out)),
             pickle.dumps(out).decode("latin-1"), caplog.text]
    for blob in blobs:
        assert KEY not in blob and KEY[:8] not in blob
    short = "tooshort"
    with pytest.raises(ValueError, match="at least 16 bytes") as err:
        pseudonymize(cohort, short)
    assert short not in str(err.value) and "8 bytes" in str(err.value)
    with pytest.raises(TypeError, match="bytes or str") as err:
        pseudonymize(cohort, 12345678901234567890)
    assert "12345678901234567890" not in str(err.value)


def test_refuses_bad_input(cohort):
    with pytest.raises(ValueError, match="at least 16 bytes"):
        pseudonymize(cohort, b"")
    with pytest.raises(ValueError, match="'patient_id' must not be missing .*row 2"):
        pseudonymize(pd.DataFrame({"patient_id": ["a", None], "age": [1, 2]}), KEY)
    with pytest.raises(ValueError, match="look like direct identifiers"):
        pseudonymize(pd.DataFrame({"patient_id": ["a"], "last_name": ["Doe"]}), KEY)
    with pytest.raises(TypeError, match="Cohort or a pandas DataFrame"):
        pseudonymize(["a", "b"], KEY)
