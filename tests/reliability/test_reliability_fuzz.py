"""Hostile cohort files: mutations of a valid file only ever give clear errors.

Every mutated file must either load as a valid Cohort or raise SchemaError /
ValueError whose message names the file; nothing else (no KeyError deep in
pandas, no numpy traceback) and never a patient value in the message.
"""

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stratify.data import Cohort, SchemaError

SECRET = "SECRETVALUE"


def _valid_csv() -> str:
    rng = np.random.default_rng(0)
    n = 12
    df = pd.DataFrame({
        "patient_id": [f"P{i:03d}" for i in range(n)],
        "center": rng.choice(["C1", "C2"], n),
        "sex": rng.choice(["F", "M"], n),
        "age": rng.normal(53, 10, n).round(1),
        "anti_ro": rng.integers(0, 2, n),
        "igg_g_l": rng.normal(15, 4, n).round(2),
        "essdai_cns": rng.choice([0, 2, 3], n),
        "esspri_pain": rng.integers(0, 11, n),
        "mol_IFI44": rng.normal(0, 1, n).round(3),
        "lymphoma_time_years": rng.uniform(0, 15, n).round(2),
        "lymphoma_event": rng.choice([0, 1, 2], n),
    })
    return df.to_csv(index=False)


VALID = _valid_csv()
TOKENS = ["", "NA", "-9", "999", "inf", "-inf", "nan", "1e400", SECRET, "P000", "\"", ",",
          "0x1F", "１２", "tRuE", " 3 ", "2.5.1", "-0", "\t"]


def _load(tmp_path, content: bytes, name="mutant.csv", secret_may_show=False):
    """Load ``content``; a failure must be a clear error naming the file, which
    shows no cell value (column names and the offending patient ids it may show:
    pass ``secret_may_show`` when the secret was put in the header or an id)."""
    path = tmp_path / name
    path.write_bytes(content)
    try:
        return Cohort.from_csv(path)
    except (SchemaError, ValueError) as err:
        message = str(err)
        assert name in message, message
        if not secret_may_show:
            assert SECRET not in message, message
        return err


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_cells_give_only_clear_errors(tmp_path, data):
    lines = VALID.splitlines()
    rows = [line.split(",") for line in lines]
    n_mutations = data.draw(st.integers(1, 4))
    secret_may_show = False
    for _ in range(n_mutations):
        r = data.draw(st.integers(0, len(rows) - 1))
        c = data.draw(st.integers(0, len(rows[0]) - 1))
        rows[r][c] = data.draw(st.sampled_from(TOKENS) | st.text(max_size=6))
        secret_may_show |= (r == 0 or c == 0) and SECRET in rows[r][c]
    content = "\n".join(",".join(row) for row in rows).encode("utf-8", "surrogatepass")
    _load(tmp_path, content, secret_may_show=secret_may_show)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, len(VALID) - 1), junk=st.binary(max_size=8))
def test_truncated_or_corrupted_bytes_give_only_clear_errors(tmp_path, cut, junk):
    raw = VALID.encode()
    _load(tmp_path, raw[:cut] + junk + raw[cut + len(junk):])


def test_windows_line_ends_give_the_same_cohort(tmp_path):
    valid = _load(tmp_path, VALID.encode(), name="valid.csv")
    crlf = _load(tmp_path, VALID.replace("\n", "\r\n").encode())
    assert isinstance(valid, Cohort) and isinstance(crlf, Cohort)
    assert crlf.data.equals(valid.data)


@pytest.mark.parametrize(("mutation", "error", "says"), [
    (lambda s: s.replace("P003", "P002"), SchemaError, r"must be unique.*P002"),
    (lambda s: s.replace("esspri_pain", "esspri_pain,extra", 1), ValueError,
     r"do not have the 12 fields of the header"),
    (lambda s: s.encode("utf-16").decode("latin-1"), ValueError, r"NUL bytes"),
    (lambda s: s.split("\n", 1)[0] + "\n", ValueError, r"no patient"),
], ids=["duplicated patient", "header longer than rows", "wrong encoding", "header only"])
def test_classic_breakages(tmp_path, mutation, error, says):
    content = mutation(VALID)
    raw = content.encode("latin-1") if "\x00" in content else content.encode("utf-8")
    result = _load(tmp_path, raw)  # a clear error naming the file, no cell value
    assert isinstance(result, error), result
    assert re.search(says, str(result), flags=re.DOTALL), str(result)
