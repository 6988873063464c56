"""pseudonymize: keyed, stable, irreversible without the key; exports carry no identifier.

Every case of the attack on the first version is here: the 13 identifying
columns it exported, duplicate ids merged into one pseudonym, and the weak
keys a dictionary recovered.
"""

import hashlib
import hmac
import logging
import pickle
import secrets
import warnings

import numpy as np
import pandas as pd
import pytest

import stratify as st
from stratify.data import Cohort, new_key, pseudonymize
from stratify.data._pseudonymize import MIN_KEY_BITS, _weakness

KEY = bytes.fromhex("9c41e07b3a5f28d6c1b9047e5a3d8f62e7104bc95d2a6f38b0e4c7195a2d3e8f")
OTHER_KEY = bytes.fromhex("0b7e2c95f1a6d3487e29c50fb1a84d6372e9c0158ab4f6d2913e7c05a8b2f4d1")

# the columns the first version exported beside the pseudonyms
IDENTIFYING = {
    "PatientName": ["Jean Dupont", "Anna Schmidt"], "nom": ["Dupont", "Schmidt"],
    "prenom": ["Jean", "Anna"], "initials": ["JD", "AS"],
    "hospital_number": ["H0471123", "H0471124"], "postal_code": ["75013", "10117"],
    "birth_year": [1961, 1958], "Geburtsdatum": ["1958-03-02", "1958-04-11"],
    "subject_id": ["S-17", "S-18"], "original_patient_id": ["UKPSSR-0001", "UKPSSR-0002"],
    "visit_date": ["2024-05-02", "2024-05-09"], "free_text": ["seen by Dr Martin", "ok"],
    "record": ["UKPSSR-0001", "UKPSSR-0002"],
}


@pytest.fixture
def cohort():
    ids = [f"UKPSSR-{i:04d}" for i in range(50)]
    data = pd.DataFrame({"patient_id": ids, "center": ["A", "B"] * 25,
                         "age": np.linspace(30, 80, 50), "anti_ro": [1, 0] * 25})
    truth = pd.DataFrame({"molecular_subgroup": ["IFN", "healthy-like"] * 25},
                         index=pd.Index(ids, name="patient_id"))
    return Cohort(data, truth=truth)


def _expected(patient_id, key=KEY):
    return "PS" + hmac.new(key, patient_id.encode(), hashlib.sha256).hexdigest()[:16]


def _quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no column dropped in these calls
        return pseudonymize(*args, **kwargs)


def test_pseudonym_is_the_truncated_hmac_sha256(cohort):
    out = _quiet(cohort, KEY)
    assert set(out.data.index) == {_expected(i) for i in cohort.data.index}
    assert out.data.index.name == "patient_id"
    assert out.data.index.str.fullmatch(r"PS[0-9a-f]{16}").all()
    assert out.data.index.is_unique


def test_same_patient_same_key_same_pseudonym_across_exports(cohort):
    full = _quiet(cohort, KEY)
    later = _quiet(Cohort(cohort.data.iloc[10:20].reset_index()), KEY)
    assert set(later.data.index) == {_expected(i) for i in cohort.data.index[10:20]}
    assert set(later.data.index) <= set(full.data.index)
    other = _quiet(cohort, OTHER_KEY)
    assert not set(other.data.index) & set(full.data.index)


def test_values_and_truth_follow_their_patient_in_pseudonym_order(cohort):
    out = _quiet(cohort, KEY, prefix="X")
    expected = cohort.data.rename(index=lambda i: "X" + _expected(i)[2:]).sort_index()
    pd.testing.assert_frame_equal(out.data, expected)
    # an input sorted by id must not come out in id order: the rank would give the id
    assert out.data.index.is_monotonic_increasing
    assert out.truth.index.equals(out.data.index)
    truth = cohort.truth.rename(index=lambda i: "X" + _expected(i)[2:])
    assert (out.truth["molecular_subgroup"]
            == truth.loc[out.truth.index, "molecular_subgroup"]).all()
    assert cohort.data.index[0] == "UKPSSR-0000"  # the input is left untouched


def test_dataframes_keep_their_layout(cohort):
    frame = cohort.data.reset_index()
    out = _quiet(frame, KEY)
    assert list(out.columns) == list(frame.columns)
    assert out.index.equals(pd.RangeIndex(50))  # fresh row numbers, not the input's
    assert out["patient_id"].tolist() == list(_quiet(cohort, KEY).data.index)
    indexed = _quiet(cohort.data, KEY)
    assert indexed.index.equals(_quiet(cohort, KEY).data.index)
    # numbers and text give the same pseudonym
    numbers = _quiet(pd.DataFrame({"patient_id": [123, 456]}), KEY)
    text = _quiet(pd.DataFrame({"patient_id": ["123", " 456 "]}), KEY)
    assert numbers["patient_id"].tolist() == text["patient_id"].tolist()


def test_columns_outside_the_schema_are_dropped_and_named(cohort):
    frame = cohort.data.reset_index().iloc[:2].assign(**IDENTIFYING)
    with pytest.warns(UserWarning, match="dropped 13 column") as caught:
        out = pseudonymize(frame, KEY)
    message = str(caught[0].message)
    assert all(repr(name) in message for name in IDENTIFYING)
    assert list(out.columns) == ["patient_id", "center", "age", "anti_ro"]
    exported = out.to_csv()
    for values in IDENTIFYING.values():
        for value in values:
            assert str(value) not in exported and str(value) not in message
    assert "UKPSSR" not in exported
    # kept on request, in the input's column order
    with pytest.warns(UserWarning, match="dropped 12 column"):
        out = pseudonymize(frame, KEY, keep=["visit_date"])
    assert list(out.columns) == ["patient_id", "center", "age", "anti_ro", "visit_date"]


def test_a_named_index_outside_the_schema_is_dropped(cohort):
    frame = cohort.data.reset_index().iloc[:4]
    frame.index = pd.Index(["H1", "H2", "H3", "H4"], name="hospital_number")
    with pytest.warns(UserWarning, match=r"the index \['hospital_number'\]"):
        out = pseudonymize(frame, KEY)
    assert out.index.equals(pd.RangeIndex(4))
    frame.index = pd.Index(["A", "B", "A", "B"], name="center")  # a schema name stays
    out = pseudonymize(frame.drop(columns="center"), KEY)
    assert out.index.name == "center"
    frame.index = pd.Index(["V1", "V2", "V1", "V3"], name="visit")  # and one kept
    assert _quiet(frame, KEY, keep=["visit"]).index.name == "visit"


@pytest.mark.parametrize("column, values, shown", [
    ("record", lambda ids: ids, "'record' (6 rows)"),
    ("record", lambda ids: [i.lower().replace("-", " ") for i in ids], "'record' (6 rows)"),
    ("record", lambda ids: ids[::-1], "'record' (6 rows)"),
    ("free_text", lambda ids: [f"seen, file {i}" if n == 2 else "" for n, i in enumerate(ids)],
     "'free_text' (1 rows)"),
])
def test_kept_columns_holding_the_ids_are_refused(cohort, column, values, shown):
    frame = cohort.data.reset_index().iloc[:6]
    frame[column] = values(frame["patient_id"].tolist())
    with pytest.raises(ValueError, match="hold the patient ids being replaced") as err:
        pseudonymize(frame, KEY, keep=[column])
    assert shown in str(err.value) and "UKPSSR" not in str(err.value)


def test_schema_columns_and_index_levels_holding_the_ids_are_refused(cohort):
    frame = cohort.data.reset_index().iloc[:6]
    with pytest.raises(ValueError, match=r"'center' \(6 rows\) hold the patient ids"):
        pseudonymize(frame.assign(center=frame["patient_id"]), KEY)
    indexed = frame.drop(columns="center").set_index(frame["patient_id"].rename("center"))
    with pytest.raises(ValueError, match=r"index level 'center' \(6 rows\)"):
        pseudonymize(indexed, KEY)
    numbers = pd.DataFrame({"patient_id": range(1, 11), "record": [float(i) for i in
                                                                   range(1, 11)]})
    with pytest.raises(ValueError, match=r"'record' \(10 rows\)"):
        pseudonymize(numbers, KEY, keep=["record"])
    with pytest.raises(ValueError, match=r"'record' \(9 rows\)"):  # one id missing
        pseudonymize(numbers.assign(record=[None, *range(2, 11)]), KEY, keep=["record"])
    # values that equal a short numeric id by chance are not ids
    chance = numbers.drop(columns="record").assign(esspri_pain=[1, 2, 0, 5, 5, 5, 5, 5, 5, 5])
    assert sorted(_quiet(chance, KEY)["esspri_pain"]) == sorted(chance["esspri_pain"])
    small = pd.DataFrame({"patient_id": ["1", "2", "3"],
                          "anti_ro": pd.array([1, None, 0], dtype="Int64"),
                          "age": pd.array([50.0, None, 3.0], dtype="Float64"),
                          "sex": pd.Categorical(["F", None, "M"]),
                          "smoking": pd.array([True, None, False], dtype="boolean")})
    assert _quiet(small, KEY)["anti_ro"].isna().sum() == 1


@pytest.mark.parametrize("ids, count, rows, variants", [
    (["P001", "P002", "P001"], 2, "rows 1, 3", 0),
    (["P001", "P002", "P001 "], 2, "rows 1, 3", 0),
    (["P001", "p001", "P 001", "P002"], 3, "rows 1, 2, 3", 3),
    ([123, "123", 7], 2, "rows 1, 2", 0),
])
def test_duplicate_and_whitespace_or_case_variant_ids_are_refused(ids, count, rows, variants):
    frame = pd.DataFrame({"patient_id": ids, "age": np.arange(len(ids)) + 40.0})
    with pytest.raises(ValueError, match="one row per patient") as err:
        pseudonymize(frame, KEY)
    message = str(err.value)
    assert f"{count} rows ({rows})" in message and f"{variants} of them" in message
    assert "P001" not in message and "123" not in message


# keys a person picks, padded or repeated to the lengths once accepted; the attack's
# 28-word dictionary found keys like these in 0.3 s from 5,000 ids
WEAK_KEYS = [
    b"password12345678", bytes(16), b"\xff" * 16, bytes(32), b"\xff" * 32,
    b"password12345678" * 2, b"password" * 8, b"0123456789abcdef" * 4,
    b"correct horse battery staple 2024", b"Sjogren registry export key 2024!",
    b"UKPSSR-UKPSSR-UKPSSR-UKPSSR-UKPSSR", b"a" * 63 + b"b", b"ab" * 40,
    bytes(range(32)), bytes(range(0, 256, 4)), bytes(range(255, 191, -1)),
    b"\x00\x01" * 16, b"\x00" * 31 + b"\x01", b"\x01\x02\x03\x04" * 8,
    b"qwertyuiopasdfghjklzxcvbnm123456", b"letmeinletmeinletmeinletmeinletm",
    b"admin" * 7, b"12345678901234567890123456789012", b"iloveyou" * 4,
    b"P@ssw0rd!P@ssw0rd!P@ssw0rd!P@ssw0rd!", b"stratify-secret-key-0000000000000",
    b"\x00" * 16 + b"\xff" * 16, bytes([7, 9] * 8 + [3] * 16),
]


@pytest.mark.parametrize("key", WEAK_KEYS, ids=range(len(WEAK_KEYS)))
def test_weak_keys_are_refused_without_showing_them(cohort, key):
    with pytest.raises(ValueError, match="'key' parameter of pseudonymize") as err:
        pseudonymize(cohort, key)
    message = str(err.value)
    assert "new_key()" in message
    assert key.decode("latin-1") not in message and key[:12].decode("latin-1") not in message


def test_text_keys_are_refused_and_random_keys_accepted(cohort):
    with pytest.raises(TypeError, match="must be bytes.*bytes.fromhex") as err:
        pseudonymize(cohort, "correct horse battery staple 2024")
    assert "horse" not in str(err.value)
    with pytest.raises(ValueError, match="at least 32 bytes .* 16 bytes"):
        pseudonymize(cohort, b"password12345678")
    with pytest.raises(ValueError, match="printable text of 33 characters"):
        pseudonymize(cohort, b"correct horse battery staple 2024")
    with pytest.raises(ValueError, match="repeats every 1 byte"):
        pseudonymize(cohort, bytes(32))
    with pytest.raises(ValueError, match=f"fewer than {MIN_KEY_BITS}"):
        pseudonymize(cohort, bytes([7, 9] * 8 + [3] * 16))
    for key in (secrets.token_bytes(32), secrets.token_hex(32).encode(),
                bytearray(secrets.token_bytes(40)), memoryview(secrets.token_bytes(64))):
        assert _weakness(bytes(key)) is None
        assert len(_quiet(cohort, key)) == 50


def test_new_key_makes_random_32_byte_keys_that_pass():
    keys = {new_key() for _ in range(200)}
    assert len(keys) == 200
    assert all(isinstance(k, bytes) and len(k) == 32 and _weakness(k) is None for k in keys)
    assert st.data.new_key is new_key and "new_key" in st.data.__all__
    frame = pd.DataFrame({"patient_id": ["P1", "P2"], "age": [50.0, 60.0]})
    key = new_key()
    again = bytes.fromhex(key.hex())  # how a key saved as text comes back
    assert _quiet(frame, key)["patient_id"].equals(_quiet(frame, again)["patient_id"])


def test_the_key_never_leaks(cohort, caplog):
    caplog.set_level(logging.DEBUG)
    out = _quiet(cohort, KEY)
    blobs = [repr(out), str(out.data), out.data.to_csv(), str(vars(out)),
             pickle.dumps(out).decode("latin-1"), caplog.text]
    for blob in blobs:
        assert KEY.decode("latin-1") not in blob and KEY.hex()[:16] not in blob
    with pytest.raises(TypeError, match="must be bytes") as err:
        pseudonymize(cohort, 12345678901234567890)
    assert "12345678901234567890" not in str(err.value)


def test_refuses_bad_input(cohort):
    with pytest.raises(ValueError, match="at least 32 bytes"):
        pseudonymize(cohort, b"")
    with pytest.raises(ValueError, match="'patient_id' must not be missing .*rows 2"):
        pseudonymize(pd.DataFrame({"patient_id": ["a", None], "age": [1, 2]}), KEY)
    with pytest.raises(ValueError, match="look like direct identifiers"):
        pseudonymize(pd.DataFrame({"patient_id": ["a"], "last_name": ["Doe"]}), KEY,
                     keep=["last_name"])
    with pytest.raises(ValueError, match=r"'keep' .* absent from the data: \['nope'\]"):
        pseudonymize(cohort, KEY, keep=["nope"])
    with pytest.raises(ValueError, match="got an index of 2 levels"):
        pseudonymize(cohort.data.set_index("center", append=True), KEY)
    with pytest.raises(TypeError, match="Cohort or a pandas DataFrame"):
        pseudonymize(["a", "b"], KEY)
