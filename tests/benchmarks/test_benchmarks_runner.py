"""The benchmark runner: schema of the results, Markdown summary, identical on Dask."""

import json
import sys
import types

import pandas as pd
import pytest

from benchmarks import runner


def _fake_module(name):
    def run(suite="quick", seed=0):
        import numpy as np

        rng = np.random.default_rng(seed)
        return [{"task": name, "method": m, "dataset": "toy", "n": n, "seed": seed,
                 "ari": float(rng.random()), "seconds": 0.01 * n, "peak_memory_mb": 1.0}
                for m in ("a", "b") for n in (100, 1000)]

    module = types.ModuleType(f"benchmarks.bench_{name}")
    module.run = run
    return module


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setitem(sys.modules, "benchmarks.bench_fake", _fake_module("fake"))
    return ["fake"]


def test_results_have_required_columns_and_summary(tmp_path, fake):
    frame = runner.run_suite("full", modules=fake, quiet=True)
    assert set(runner.REQUIRED_COLUMNS) <= set(frame.columns)
    assert sorted(frame["seed"].unique()) == [0, 1, 2]
    paths = runner.write_results(frame, tmp_path, "full", 1.0)
    names = {p.name for p in paths}
    assert {"results.csv", "results.json", "summary.md", "fake_seconds.png"} <= names
    summary = (tmp_path / "summary.md").read_text()
    assert "## fake" in summary and "±" in summary
    again = pd.read_csv(tmp_path / "results.csv")
    assert len(again) == len(frame)


def test_rows_missing_required_columns_are_refused(monkeypatch):
    module = types.ModuleType("benchmarks.bench_broken")
    module.run = lambda suite, seed: [{"task": "broken", "seconds": 1.0}]
    monkeypatch.setitem(sys.modules, "benchmarks.bench_broken", module)
    with pytest.raises(ValueError, match="without"):
        runner.run_suite("quick", modules=["broken"], quiet=True)


def test_unknown_suite():
    with pytest.raises(ValueError, match="suite must be one of"):
        runner.run_suite("huge", modules=[])


FAKE_SOURCE = """
import numpy as np


def run(suite="quick", seed=0):
    rng = np.random.default_rng(seed)
    return [{"task": "fake", "method": m, "dataset": "toy", "n": n, "seed": seed,
             "ari": float(rng.random()), "seconds": 0.01 * n, "peak_memory_mb": 1.0}
            for m in ("a", "b") for n in (100, 1000)]
"""


def test_grid_on_a_dask_cluster_equals_the_local_run(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    from stratify.parallel import use_dask

    package = tmp_path / "fakebench"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "bench_fake.py").write_text(FAKE_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))  # the Dask workers import it too
    modules = ["fakebench.bench_fake"]
    local = runner.run_suite("full", modules=modules, n_jobs=1, quiet=True)
    with use_dask(n_workers=2):
        on_dask = runner.run_suite("full", modules=modules, n_jobs=-1, quiet=True)
    pd.testing.assert_frame_equal(local, on_dask)


def test_an_interrupted_run_resumes_from_its_checkpoint(tmp_path, monkeypatch):
    calls = []

    def run(suite="quick", seed=0):
        calls.append(seed)
        if len(calls) == 2:
            raise RuntimeError("killed")
        return [{"task": "flaky", "method": "a", "dataset": "toy", "n": 10, "seed": seed,
                 "ari": 0.5, "seconds": 1.0, "peak_memory_mb": 1.0}]

    module = types.ModuleType("benchmarks.bench_flaky")
    module.run = run
    monkeypatch.setitem(sys.modules, "benchmarks.bench_flaky", module)
    with pytest.raises(RuntimeError, match="killed"):
        runner.main("full", tmp_path, modules=["flaky"], quiet=True)
    assert len(list((tmp_path / ".partial").glob("*.json"))) == 1   # seed 0 was saved
    runner.main("full", tmp_path, modules=["flaky"], quiet=True, resume=True)
    assert calls == [0, 1, 1, 2]                                     # seed 0 not rerun
    frame = pd.read_csv(tmp_path / "results.csv")
    assert sorted(frame["seed"]) == [0, 1, 2]
    assert not (tmp_path / ".partial").exists()
    assert json.loads((tmp_path / "results.json").read_text())["meta"]["resumed_tasks"] == 1


# -- what `stratify bench` does after its progress bar -----------------------------------

_VERSIONS_ALONE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from benchmarks import runner
found = runner.versions()
print(json.dumps({"versions": found, "imported": sorted(
    m for m in ("umap", "numba", "shap", "sksurv", "lifelines", "hdbscan", "dask", "sklearn")
    if m in sys.modules)}))
"""


def test_versions_are_read_without_importing_the_libraries():
    """versions() reads the installed distributions' metadata: importing umap compiled
    numba functions, minutes of silence after the progress bar reached 100 %."""
    import subprocess
    from importlib.metadata import version
    from pathlib import Path

    root = Path(runner.__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", _VERSIONS_ALONE, str(root)],
                         capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["imported"] == []
    found = result["versions"]
    assert found["sklearn"] == version("scikit-learn") and found["numpy"] == version("numpy")
    assert found["umap"] == version("umap-learn")  # in the test extra
    import stratify

    assert found["stratify"] == stratify.__version__


def test_versions_leave_out_a_library_that_is_not_installed(monkeypatch):
    monkeypatch.setattr(runner, "LIBRARIES", {"numpy": "numpy",
                                              "nowhere": "no-such-distribution-xyz"})
    found = runner.versions()
    assert "numpy" in found and "nowhere" not in found


def test_main_says_what_it_does_after_the_progress_bar(tmp_path, fake, capsys):
    assert runner.main("quick", tmp_path / "out", modules=fake) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-2].startswith("4 measurements; writing the results, summary and figures")
    assert lines[-1].startswith(f"4 measurements written to {tmp_path / 'out'}")
    assert (tmp_path / "out" / "summary.md").is_file()
