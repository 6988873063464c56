"""The ``stratify`` command: version, validate, synth, run, demo, exit codes, --quiet."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pytest

import stratify as st
from stratify.cli import EXIT_DATA, EXIT_OK, EXIT_USAGE, main

SMALL_TOML = """\
n_jobs = 1

[cluster]
n_resamples = 5
k_max = 6

[classify]
estimator = "logistic"
n_bootstrap = 20

[survival]
n_bootstrap = 0

[explain]
enabled = false
"""


@pytest.fixture(scope="module")
def cohort_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "cohort.csv"
    st.synthetic.make_pss_cohort(n_patients=300, random_state=2).to_csv(path)
    return path


@pytest.fixture(scope="module")
def cohort_ids():
    return list(st.synthetic.make_pss_cohort(n_patients=300, random_state=2).data.index)


@pytest.fixture
def config_toml(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text(SMALL_TOML, encoding="utf-8")
    return path


def test_version_from_the_installed_command():
    out = subprocess.run([sys.executable, "-m", "stratify", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == f"stratify {st.__version__}"


def test_version_exits_zero(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert st.__version__ in capsys.readouterr().out


def test_no_command_prints_help_and_is_a_usage_error(capsys):
    assert main([]) == EXIT_USAGE
    assert "validate" in capsys.readouterr().out


def test_validate_accepts_a_good_file(cohort_csv, capsys):
    assert main(["validate", str(cohort_csv)]) == EXIT_OK
    assert capsys.readouterr().out.startswith("OK:")


def test_validate_rejects_a_bad_file_naming_the_column(cohort_csv, tmp_path, capsys):
    import pandas as pd

    frame = pd.read_csv(cohort_csv)
    frame.loc[[3, 7], "age"] = 300
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    assert main(["validate", str(bad)]) == EXIT_DATA
    captured = capsys.readouterr()
    assert "INVALID" in captured.err and "'age'" in captured.err
    assert captured.out == ""


def test_validate_a_missing_file_is_a_usage_error(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "none.csv")]) == EXIT_USAGE
    assert "none.csv" in capsys.readouterr().err


def test_validate_quiet_prints_nothing(cohort_csv, capsys):
    assert main(["validate", str(cohort_csv), "--quiet"]) == EXIT_OK
    assert capsys.readouterr().out == ""


def test_synth_writes_the_preset(tmp_path, capsys):
    assert main(["synth", "--preset", "validation", "--out", str(tmp_path)]) == EXIT_OK
    written = {p.name for p in tmp_path.iterdir()}
    assert {"validation.csv", "validation_truth.csv"} <= written
    assert "validation.csv" in capsys.readouterr().out
    cohort = st.Cohort.from_csv(tmp_path / "validation.csv")
    assert len(cohort) == 800


def test_synth_unknown_preset_is_a_usage_error(tmp_path, capsys):
    assert main(["synth", "--preset", "nope", "--out", str(tmp_path)]) == EXIT_USAGE
    assert "'nope'" in capsys.readouterr().err


def test_run_with_an_unknown_config_key_names_it(cohort_csv, tmp_path, capsys):
    config = tmp_path / "bad.toml"
    config.write_text("[cluster]\nn_resample = 5\n", encoding="utf-8")
    code = main(["run", "--data", str(cohort_csv), "--config", str(config),
                 "--out", str(tmp_path / "out")])
    assert code == EXIT_USAGE
    assert "'cluster.n_resample'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_run_with_a_missing_data_file(config_toml, tmp_path, capsys):
    code = main(["run", "--data", str(tmp_path / "none.csv"), "--config", str(config_toml),
                 "--out", str(tmp_path / "out")])
    assert code == EXIT_USAGE
    assert "none.csv" in capsys.readouterr().err


@pytest.mark.slow
def test_run_quiet_writes_report_and_result_and_prints_nothing(cohort_csv, config_toml,
                                                                 tmp_path, capsys, cohort_ids):
    out = tmp_path / "out"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main(["run", "--data", str(cohort_csv), "--config", str(config_toml),
                     "--out", str(out), "--quiet"])
    assert code == EXIT_OK
    assert capsys.readouterr().out == ""
    # exclusions are counted in the summary, not repeated as warnings
    assert not [w for w in caught if "left out" in str(w.message)]
    assert (out / "report.html").is_file()
    meta = json.loads((out / "run.json").read_text("utf-8"))
    assert meta["config"]["cluster"]["n_resamples"] == 5
    assert meta["versions"]["stratify"] == st.__version__
    assert {"cluster", "report"} <= set(meta["timings"])
    page = (out / "report.html").read_text("utf-8")
    assert not [pid for pid in cohort_ids if pid in page]


@pytest.mark.slow
def test_demo_quick_prints_the_summary(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--quick", "--out", str(out), "--n-jobs", "1"]) == EXIT_OK
    printed = capsys.readouterr().out
    for line in ("subgroups (k): ", "stability (bootstrap Jaccard)",
                 "classifier balanced accuracy", "lymphoma C-index", "replication (",
                 "report: "):
        assert line in printed, line
    assert (out / "report.html").is_file()
    assert str(out / "report.html") in printed


def test_bench_only_runs_the_named_tasks_and_refuses_unknown_ones(tmp_path, monkeypatch, capsys):
    from stratify import cli

    runner = cli._shipped_benchmarks()
    if runner is None:
        pytest.skip("no benchmarks folder beside the package (installed without the checkout)")
    assert "validity" in runner.available_modules()
    assert main(["bench", "--only", "nope", "--out", str(tmp_path / "b")]) == EXIT_USAGE
    assert "unknown benchmark(s) ['nope']" in capsys.readouterr().err
    seen = {}
    monkeypatch.setattr(runner, "main", lambda **kwargs: seen.update(kwargs) or 0)
    assert main(["bench", "--only", "validity", "--out", str(tmp_path / "b")]) == EXIT_OK
    assert seen["modules"] == ["validity"]
