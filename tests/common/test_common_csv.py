"""Every CSV file stratify writes is safe to open in a spreadsheet (no formula injection).

Each exporter writes hostile text (centre names, ids, labels); the raw file is
read back cell by cell and no cell may start a formula. Numbers stay numbers.
"""

import ast
import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stratify as st
from stratify._csv import _PLAIN_NUMBER, FORMULA_PREFIXES, neutralize, to_csv
from stratify.cli import main
from stratify.data import Cohort, write_csv
from stratify.synthetic._presets import _csv_bytes
from stratify.workflow import StratificationResult

HOSTILE = ['=HYPERLINK("http://evil.example","open")', "+1+1", "-2+3", "@SUM(A1:A9)",
           "\t=1+2", "\r=1+3", "=cmd|' /C calc'!A0", "\uff1d1+4"]


def _quoted(value):
    """What neutralize makes of a hostile value: quoted, carriage returns as line feeds."""
    return "'" + value.replace("\r", "\n")


def _cells(text):
    rows = list(csv.reader(io.StringIO(text, newline="")))
    # a bare carriage return would split a row, and start a cell after it
    assert all(len(row) == len(rows[0]) for row in rows)
    return [cell for row in rows for cell in row]


def _formula_cells(text):
    """Cells a spreadsheet would run as formulas; plain numbers such as -1.5 are numbers."""
    return [c for c in _cells(text)
            if c.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(c)]


def _hostile_cohort(n=8):
    data = pd.DataFrame({
        "patient_id": HOSTILE[:n],
        "center": [HOSTILE[(i + 3) % len(HOSTILE)] for i in range(n)],
        "age": np.linspace(40, 60, n), "anti_ro": [1, 0] * (n // 2),
        "esspri_change": [-1.5, 2.0, -0.25, 0.0, -3.0, 1.0, -2.5, 0.5][:n]})
    return Cohort(data)


def test_neutralize_quotes_text_only():
    frame = pd.DataFrame({"center": HOSTILE, "delta": -np.arange(len(HOSTILE)) - 0.5,
                          "text_number": ["-1.5", "+2", "-3e-2", ".5", "-", "+", "=", "@"]})
    out = neutralize(frame)
    assert out["center"].tolist() == [_quoted(v) for v in HOSTILE]
    assert out["delta"].equals(frame["delta"])  # numbers untouched
    assert out["text_number"].tolist() == ["-1.5", "+2", "-3e-2", ".5", "'-", "'+", "'=", "'@"]
    safe = ["C1", "Hôpital Saint-Louis", "a=b", " =x", "", "'=already", None, np.nan]
    embedded = neutralize(pd.Series(["note\r=1+1", "a\r\nb"]))
    assert embedded.tolist() == ["note\n=1+1", "a\nb"]
    assert _formula_cells(to_csv(embedded)) == []
    kept = neutralize(pd.DataFrame({"center": safe}))["center"]
    assert kept.iloc[:6].tolist() == safe[:6] and kept.iloc[6:].isna().all()
    assert frame["center"].tolist() == HOSTILE  # the input is left untouched


def test_labels_names_and_categories_are_neutralized():
    frame = pd.DataFrame({"=c": pd.Categorical(["@a", "b"]), "n": [-1, 2]},
                         index=pd.MultiIndex.from_tuples([("-x", 1), ("y", -2)],
                                                         names=["+lvl", "k"]))
    text = to_csv(frame)
    assert _formula_cells(text) == []
    assert "'=c" in text and "'@a" in text and "'-x" in text and "'+lvl" in text
    assert ",-1" in text and ",-2," in text  # negative numbers stay numbers
    series = pd.Series([-1.5, 2.0], index=["=a", "b"], name="-label")
    text = to_csv(series)
    assert _formula_cells(text) == [] and "-1.5" in text


def test_cohort_files_round_trip_to_visibly_neutralized_text(tmp_path):
    cohort = _hostile_cohort()
    path = tmp_path / "cohort.csv"
    cohort.to_csv(path)
    text = path.read_text("utf-8")
    assert _formula_cells(text) == []
    assert "-1.5" in _cells(text) and "-0.25" in _cells(text)
    back = Cohort.from_csv(path)
    # one way: the quote stays, so nobody mistakes the text for the original
    assert back.data.loc["'" + HOSTILE[0], "center"] == "'" + HOSTILE[3]
    assert set(back.data.index) == {"'" + v.strip() for v in HOSTILE}  # ids are stripped
    assert back.data["esspri_change"].tolist() == cohort.data["esspri_change"].tolist()
    buffer = io.StringIO()
    frame = cohort.data.rename(columns={"center": "=1+1"}).rename_axis("@id")
    write_csv(frame, buffer)
    assert _formula_cells(buffer.getvalue()) == []


def test_quality_report_csv_from_the_command_line(tmp_path):
    rng = np.random.default_rng(0)
    n = 60
    data = pd.DataFrame({
        "patient_id": [f"{HOSTILE[i % 4]}{i}" for i in range(n)],
        "center": [HOSTILE[i % 3] for i in range(n)],
        "age": rng.uniform(30, 70, n).round(1), "anti_ro": rng.integers(0, 2, n),
        "esspri_pain": rng.integers(0, 11, n)})
    source = tmp_path / "cohort.csv"
    data.to_csv(source, index=False)
    assert main(["validate", str(source), "--report", str(tmp_path / "q"), "--quiet"]) == 0
    text = (tmp_path / "q" / "quality_report.csv").read_text("utf-8")
    assert "'" + HOSTILE[0] in _cells(text)
    assert _formula_cells(text) == []


def test_saved_results_tables_labels_and_exclusions(tmp_path):
    table = pd.DataFrame({"center": HOSTILE[:4], "n": [10, 12, 9, 11],
                          "smd": [-0.5, 0.25, -1.0, 0.0]},
                         index=pd.Index(HOSTILE[4:8], name="=subgroup"))
    labels = pd.Series(HOSTILE, index=pd.Index([f"-{i}+1" for i in range(8)],
                                               name="patient_id"), name="subgroup")
    excluded = pd.DataFrame({"patient_id": ["@p1", "p2"], "reason": ["-no data", "=x"]})
    result = StratificationResult(config={}, versions={"stratify": st.__version__},
                                  labels=labels, excluded=excluded, tables={"t": table})
    out = result.save(tmp_path)
    files = [out / "tables" / "t.csv", out / "labels.csv", out / "excluded.csv"]
    for path in files:
        assert _formula_cells(path.read_text("utf-8")) == [], path.name
    assert "-0.5" in _cells(files[0].read_text("utf-8"))
    loaded = StratificationResult.load(out)
    assert loaded.labels.tolist() == [_quoted(v) for v in HOSTILE]
    assert loaded.tables["t"]["smd"].tolist() == [-0.5, 0.25, -1.0, 0.0]


def test_synthetic_data_files(tmp_path):
    frame = pd.DataFrame({"center": HOSTILE, "x": np.arange(8) - 4.5})
    assert _formula_cells(_csv_bytes(frame).decode("utf-8")) == []
    # the shipped files hold no formula text, so neutralizing them changes no byte
    shipped = Path(st.synthetic.__file__).parent / "data"
    for path in sorted(shipped.glob("*.csv")):
        text = path.read_text("utf-8")
        assert _formula_cells(text) == [], path.name
        assert to_csv(pd.read_csv(path, dtype=str, keep_default_na=False), index=False,
                      lineterminator="\n") == text, path.name


def test_every_csv_the_library_writes_goes_through_the_helper():
    package = Path(st.__file__).parent
    calls = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "_csv.py" and path.parent == package:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "to_csv"):
                calls.append(f"{path.relative_to(package)}:{node.lineno}")
    assert calls == [], "write CSV files with stratify._csv.to_csv: " + ", ".join(calls)


@pytest.mark.parametrize("value", HOSTILE)
def test_each_formula_prefix(value):
    assert neutralize(pd.Series([value])).iloc[0] == _quoted(value)
