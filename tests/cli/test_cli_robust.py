"""The ``stratify`` command on hostile input: checked before any work, never a traceback,
never a lost run, never code from the working directory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from structure_off import fit_without_structure_test as _real_fit

import stratify as st
from stratify.cli import EXIT_OK, EXIT_USAGE, main
from stratify.cluster import ConsensusClustering

LIGHT_TOML = """\
n_jobs = 1

[cluster]
n_resamples = 5
k_max = 4
n_imputations = 2

[classify]
estimator = "logistic"
panel_size = 0
n_bootstrap = 10

[survival]
n_bootstrap = 0

[explain]
max_rows = 50
"""


@pytest.fixture(autouse=True)
def _planted_structure_found(monkeypatch):
    monkeypatch.setattr(ConsensusClustering, "fit", _real_fit)


@pytest.fixture(scope="module")
def cohort_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "cohort.csv"
    st.synthetic.make_pss_cohort(n_patients=100, random_state=2).to_csv(path)
    return path


def _config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "run.toml"
    path.write_text(LIGHT_TOML + extra, encoding="utf-8")
    return path


def _run(cohort_csv, config, out, *extra) -> int:
    return main(["run", "--data", str(cohort_csv), "--config", str(config), "--out", str(out),
                 "--quiet", *extra])


# -- 22.3: settings checked before the data are read -------------------------------------

@pytest.mark.parametrize("setting, key", [
    ('[cluster]\nk_min = "two"\n', "'cluster.k_min'"),
    ("[report]\nmin_cell = 4.9\n", "'report.min_cell'"),
    ("[cluster]\nk_min = 2.9\n", "'cluster.k_min'"),
    ("[impute]\nn_imputations = 0\n", "'impute.n_imputations'"),
    ("[survival]\nhorizons = []\n", "'survival.horizons'"),
    ('[cluster]\nmethod = "spectral"\n', "'cluster.method'"),
])
def test_a_wrong_setting_is_a_usage_error_before_the_data_are_read(setting, key, tmp_path,
                                                                     capsys):
    config = tmp_path / "bad.toml"
    config.write_text(setting, encoding="utf-8")
    code = _run(tmp_path / "not-read.csv", config, tmp_path / "out")
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert key in err and "Traceback" not in err and "not-read.csv" not in err
    assert not (tmp_path / "out").exists()


def test_n_jobs_zero_on_the_command_line_is_a_usage_error(cohort_csv, tmp_path, capsys):
    code = _run(cohort_csv, _config(tmp_path), tmp_path / "out", "--n-jobs", "0")
    assert code == EXIT_USAGE
    assert "'n_jobs'" in capsys.readouterr().err


@pytest.mark.parametrize("setting, key", [
    ('[preprocess]\nprotect = ["nope"]\n', "'preprocess.protect'"),
    ('[survival]\nfeatures = ["nope"]\n', "'survival.features'"),
])
def test_a_setting_naming_an_absent_column_is_a_usage_error(setting, key, cohort_csv,
                                                             tmp_path, capsys):
    # TOML: a second [section] header would be an error; replace the whole file
    config = tmp_path / "cols.toml"
    config.write_text("n_jobs = 1\n" + setting, encoding="utf-8")
    assert _run(cohort_csv, config, tmp_path / "out") == EXIT_USAGE
    err = capsys.readouterr().err
    assert key in err and "'nope'" in err and "Traceback" not in err


# -- 22.2: the output folder is checked first, the result saved before the report ---------

def test_out_an_existing_file_is_refused_before_any_computation(cohort_csv, tmp_path, capsys,
                                                                monkeypatch):
    import stratify.workflow as workflow

    monkeypatch.setattr(workflow.Cohort, "from_csv",
                        lambda *a, **k: pytest.fail("the data were read"))
    out = tmp_path / "taken"
    out.write_text("mine", encoding="utf-8")
    assert _run(cohort_csv, _config(tmp_path), out) == EXIT_USAGE
    assert "is a file, not a folder" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "mine"


def test_out_below_a_file_is_an_unwritable_path(cohort_csv, tmp_path, capsys):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert _run(cohort_csv, _config(tmp_path), tmp_path / "file" / "out") == EXIT_USAGE
    assert "cannot write to the folder" in capsys.readouterr().err


@pytest.mark.slow
def test_a_report_that_fails_loses_no_result(cohort_csv, tmp_path, monkeypatch, capsys):
    import stratify.report as report

    def broken(*args, **kwargs):
        raise ValueError("zero-size array to reduction operation fmax which has no identity")

    monkeypatch.setattr(report, "write_report", broken)
    out = tmp_path / "out"
    code = _run(cohort_csv, _config(tmp_path), out)
    assert code == 1
    err = capsys.readouterr().err
    assert "report could not be written" in err and "results are saved" in err
    meta = json.loads((out / "run.json").read_text("utf-8"))
    assert "cluster" in meta["timings"]
    labels = pd.read_csv(out / "labels.csv", index_col=0).iloc[:, 0]
    assert labels.nunique() >= 2 and (out / "models" / "cluster.skops").is_file()


def _tiny_subgroup(self, X, y=None):
    fitted = _real_fit(self, X, y)
    self.labels_ = np.asarray(self.labels_).copy()
    self.labels_[:2] = self.k_
    self.k_ += 1
    self.stability_ = pd.Series(list(self.stability_) + [0.5],
                                index=pd.RangeIndex(self.k_, name="subgroup"))
    return fitted




@pytest.mark.slow
def test_a_subgroup_under_min_cell_still_gives_report_and_result(cohort_csv, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setattr(ConsensusClustering, "fit", _tiny_subgroup)
    out = tmp_path / "out"
    assert _run(cohort_csv, _config(tmp_path), out) == EXIT_OK
    assert (out / "report.html").is_file() and (out / "run.json").is_file()
    page = (out / "report.html").read_text("utf-8")
    assert "Not drawn (fewer than 5 patients at risk from the start)" in page


# -- 21.2: no subgroups is an answer, exit 0 -----------------------------------------------

def _no_structure(self, X, y=None):
    fitted = _real_fit(self, X, y)
    n = len(self.labels_)
    self.k_, self.labels_ = 1, np.zeros(n, dtype=int)
    self.stability_ = pd.Series([1.0], index=pd.RangeIndex(1, name="subgroup"))
    self.confidence_ = np.ones(n)
    self.scores_ = self.scores_.assign(structure_p=0.7)
    return fitted


@pytest.mark.slow
def test_run_without_subgroup_structure_exits_zero_and_says_so(cohort_csv, tmp_path,
                                                               monkeypatch, capsys):
    monkeypatch.setattr(ConsensusClustering, "fit", _no_structure)
    out = tmp_path / "out"
    code = main(["run", "--data", str(cohort_csv), "--config", str(_config(tmp_path)),
                 "--out", str(out)])
    assert code == EXIT_OK
    printed = capsys.readouterr().out
    assert "no subgroup structure was found" in printed
    assert "skipped classify: no subgroup structure was found (k = 1)" in printed
    page = (out / "report.html").read_text("utf-8")
    assert page[page.index("<h2>"):].startswith("<h2>No subgroup structure was found</h2>")


# -- 22.8 / 22.9: no traceback, small cohorts exit 0 ----------------------------------------

@pytest.mark.slow
def test_a_molecular_only_file_exits_zero(tmp_path, capsys):
    data = st.synthetic.make_pss_cohort(n_patients=80, random_state=3).data
    path = tmp_path / "molecular.csv"
    data[[c for c in data.columns if c.startswith("mol_")]].to_csv(path)
    assert _run(path, _config(tmp_path), tmp_path / "out") == EXIT_OK
    assert (tmp_path / "out" / "report.html").is_file()


@pytest.mark.slow
def test_a_three_patient_validation_cohort_exits_zero(cohort_csv, tmp_path, capsys):
    external = st.synthetic.make_pss_cohort(n_patients=3, n_centers=1, random_state=9,
                                            first_patient=9001)
    path = tmp_path / "external.csv"
    external.to_csv(path)
    code = main(["run", "--data", str(cohort_csv), "--config", str(_config(tmp_path)),
                 "--out", str(tmp_path / "out"), "--validation", str(path)])
    assert code == EXIT_OK
    assert "skipped replicate: the validation cohort has 3 patient(s)" in \
        capsys.readouterr().out


def test_validate_report_into_a_file_is_a_usage_error(cohort_csv, tmp_path, capsys):
    target = tmp_path / "report.txt"
    target.write_text("x", encoding="utf-8")
    assert main(["validate", str(cohort_csv), "--report", str(target)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--report" in err and "is a file, not a folder" in err


def test_synth_out_into_a_file_is_a_usage_error(tmp_path, capsys):
    target = tmp_path / "out.txt"
    target.write_text("x", encoding="utf-8")
    assert main(["synth", "--preset", "validation", "--out", str(target)]) == EXIT_USAGE
    assert "is a file, not a folder" in capsys.readouterr().err


def test_demo_out_into_a_file_is_a_usage_error(tmp_path, capsys):
    target = tmp_path / "out.txt"
    target.write_text("x", encoding="utf-8")
    assert main(["demo", "--quick", "--out", str(target)]) == EXIT_USAGE
    assert "is a file, not a folder" in capsys.readouterr().err


def test_demo_with_n_jobs_zero_is_a_usage_error_before_any_work(tmp_path, capsys,
                                                                monkeypatch):
    import stratify.synthetic as synthetic

    monkeypatch.setattr(synthetic, "load_validation",
                        lambda: pytest.fail("the data were loaded"))
    assert main(["demo", "--quick", "--out", str(tmp_path / "out"), "--n-jobs", "0"]) == \
        EXIT_USAGE
    err = capsys.readouterr().err
    assert "'n_jobs'" in err and "Traceback" not in err


# -- 22.10: stratify bench never runs code from the working directory ---------------------

def test_bench_ignores_a_benchmarks_folder_in_the_working_directory(tmp_path):
    hostile = tmp_path / "benchmarks"
    hostile.mkdir()
    marker = tmp_path / "EXECUTED"
    (hostile / "__init__.py").write_text("", encoding="utf-8")
    (hostile / "runner.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('hostile')\n"
        "def main(**kwargs):\n    return 0\n", encoding="utf-8")
    taken = tmp_path / "taken"
    taken.write_text("x", encoding="utf-8")
    # the shipped runner is imported, then --out (a file) stops the run before any benchmark
    out = subprocess.run([sys.executable, "-m", "stratify", "bench", "--out", str(taken)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert not marker.exists(), "code from the working directory was executed"
    assert out.returncode in (EXIT_USAGE, 3), out.stderr
    if out.returncode == EXIT_USAGE:
        assert "is a file, not a folder" in out.stderr


def test_bench_imports_the_runner_beside_the_package(tmp_path, monkeypatch):
    from stratify.cli import _shipped_benchmarks

    hostile = tmp_path / "benchmarks"
    hostile.mkdir()
    (hostile / "__init__.py").write_text("", encoding="utf-8")
    (hostile / "runner.py").write_text("raise SystemExit('hostile')\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m == "benchmarks" or m.startswith("benchmarks.")]:
        monkeypatch.delitem(sys.modules, name)
    runner = _shipped_benchmarks()
    package = Path(st.__file__).resolve().parents[1] / "benchmarks"
    if not (package / "runner.py").is_file():
        assert runner is None
        return
    assert Path(runner.__file__).resolve() == package / "runner.py"
    assert Path(sys.modules["benchmarks"].__file__).resolve().parent == package


def test_exit_codes_come_from_the_command_line_the_workflow_raises(cohort_csv, tmp_path):
    from stratify.workflow import DataError, UsageError, run_files, run_from_files

    config = tmp_path / "c.toml"
    config.write_text("[cluster]\nk_min = \"two\"\n", encoding="utf-8")
    with pytest.raises(UsageError, match="k_min"):
        run_files(cohort_csv, config, tmp_path / "out")
    bad = tmp_path / "bad.csv"
    bad.write_text("patient_id,age\nP1,-5\n", encoding="utf-8")
    config.write_text("", encoding="utf-8")
    with pytest.raises(DataError):
        run_files(bad, config, tmp_path / "out2")
    # 0.1's entry point: the same, as an exit code, with a FutureWarning
    with pytest.warns(FutureWarning, match="run_files"):
        assert run_from_files(bad, config, tmp_path / "out3") == 1


def test_validate_reads_a_worksheet_of_a_workbook(tmp_path, capsys):
    pytest.importorskip("openpyxl")
    data = st.synthetic.make_pss_cohort(n_patients=20, n_centers=2, random_state=3).data
    path = tmp_path / "cohort.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"note": ["cover page"]}).to_excel(writer, sheet_name="about",
                                                        index=False)
        data.reset_index().to_excel(writer, sheet_name="patients", index=False)
    assert main(["validate", str(path), "--sheet", "patients"]) == 0
    assert "20 patients" in capsys.readouterr().out
    assert main(["validate", str(path), "--sheet", "nope"]) != 0
    assert "patients" in capsys.readouterr().err  # the sheets it has are named
