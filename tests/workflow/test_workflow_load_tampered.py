"""StratificationResult.load on damaged or altered results folders: clear errors, no crash."""

import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from stratify.data import UnsafeModelError, UntrustedTypesError
from stratify.workflow import StratificationResult

N = 120


class Gadget:
    """A type outside the allow-list (defined in the tests)."""

    def __init__(self, value=None):
        self.value = value


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A saved result with a two-level table, a text column and the default classifier."""
    from stratify.classify import SubgroupClassifier

    rng = np.random.default_rng(0)
    index = pd.Index([f"P{i:03d}" for i in range(N)], name="patient_id")
    X = pd.DataFrame(rng.normal(size=(N, 4)), columns=list("abcd"), index=index)
    labels = pd.Series(np.where(X["a"] > 0, "S1", "S2"), index=index, name="subgroup")
    with threadpool_limits(limits=1):
        model = SubgroupClassifier("hgb", random_state=0).fit(X, labels)
    profile = pd.DataFrame({"mean": [1.0, 2.0, 3.0, 4.0], "note": ["x", "y", "NA", ""]},
                           index=pd.MultiIndex.from_product([["S1", "S2"], ["a", "b"]],
                                                            names=["subgroup", "variable"]))
    result = StratificationResult(config={"seed": 0}, versions={"stratify": "0"},
                                  labels=labels, tables={"profile": profile},
                                  models={"classifier": model}, timings={"cluster": 1.5})
    return result.save(tmp_path_factory.mktemp("result"))


def copy(folder, tmp_path):
    """A writable copy of the saved folder."""
    out = tmp_path / "copy"
    for path in folder.rglob("*"):
        if path.is_file():
            target = out / path.relative_to(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    return out


def edit_run_json(out, edit):
    meta = json.loads((out / "run.json").read_text("utf-8"))
    edit(meta)
    (out / "run.json").write_text(json.dumps(meta), "utf-8")


def test_round_trip(folder):
    result = StratificationResult.load(folder)
    assert result.tables["profile"].index.nlevels == 2
    assert result.tables["profile"]["note"].tolist() == ["x", "y", "NA", ""]
    assert result.timings == {"cluster": 1.5}
    assert result.models["classifier"].predict(pd.DataFrame(
        np.zeros((2, 4)), columns=list("abcd"))).shape == (2,)


def tamper_classifier(out):
    """Set the first split's feature of the classifier's first boosted tree to 50,000,000."""
    path = out / "models" / "classifier.skops"
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z_in, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z_out:
        done = False
        for name in z_in.namelist():
            content = z_in.read(name)
            if name.endswith(".npy") and not done:
                a = np.load(io.BytesIO(content), allow_pickle=False)
                if a.dtype.names and "feature_idx" in a.dtype.names and not a["is_leaf"][0]:
                    a = a.copy()
                    a["feature_idx"][0] = 50_000_000
                    buffer = io.BytesIO()
                    np.save(buffer, a, allow_pickle=False)
                    content, done = buffer.getvalue(), True
            z_out.writestr(name, content)
    assert done
    return path


def test_tampered_model_is_refused(folder, tmp_path):
    out = copy(folder, tmp_path)
    tamper_classifier(out)
    with pytest.raises(UnsafeModelError, match=r"classifier.skops: .*_predictors\[\d+\]\[\d+\] "
                                               r"\(TreePredictor\): a split node's feature_idx "
                                               r"is outside \[0, n_features_in_ = 4\)"):
        StratificationResult.load(out)


PROBE = textwrap.dedent("""
    import sys, numpy as np, pandas as pd
    from stratify.data import UnsafeModelError
    from stratify.workflow import StratificationResult
    try:
        result = StratificationResult.load(sys.argv[1])
    except UnsafeModelError:
        print("refused")
    else:
        result.models["classifier"].predict(pd.DataFrame(np.zeros((3, 4)), columns=list("abcd")))
        print("predicted")
""")


@pytest.mark.slow
def test_tampered_model_never_reaches_predict(folder, tmp_path):
    """Without the checks the child process dies of SIGSEGV (return code -11)."""
    out = copy(folder, tmp_path)
    tamper_classifier(out)
    done = subprocess.run([sys.executable, "-c", PROBE, str(out)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert (done.returncode, done.stdout.strip()) == (0, "refused"), done.stderr[-2000:]


def test_trusted_has_the_contract_of_data_load(folder, tmp_path):
    with pytest.raises(TypeError, match="'trusted' parameter of load must be None or a list"):
        StratificationResult.load(folder, trusted=True)
    with pytest.raises(TypeError, match="'trusted' parameter of load"):
        StratificationResult.load(folder, trusted="numpy.dtype")
    with pytest.raises(TypeError, match="Got an item of type int"):
        StratificationResult.load(folder, trusted=[3])

    from stratify.data import save

    out = copy(folder, tmp_path)
    with pytest.warns(UserWarning, match="does not trust by default"):
        save({"gadget": Gadget(1)}, out / "models" / "extra.skops")
    with pytest.raises(UntrustedTypesError, match="Gadget"):
        StratificationResult.load(out)
    assert StratificationResult.load(out, trusted=[Gadget]).models["extra"]["gadget"].value == 1
    name = f"{Gadget.__module__}.Gadget"
    assert StratificationResult.load(out, trusted=[name]).models["extra"]["gadget"].value == 1


def test_trusted_is_checked_even_without_models(tmp_path):
    folder = StratificationResult(config={}, versions={}).save(tmp_path / "empty")
    with pytest.raises(TypeError, match="'trusted' parameter of load"):
        StratificationResult.load(folder, trusted=True)


@pytest.mark.parametrize("content,rule", [
    ('{"config": {"seed": 0}, "versions": {', r"the file: not valid JSON \(Expecting"),
    ("[1, 2, 3]", "the file: a JSON list, expected an object"),
    ('{"versions": {}}', "'config': missing or not an object"),
    ('{"config": {}, "versions": "1.0"}', "'versions': missing or not an object"),
    ('{"config": {}, "versions": {}, "timings": {"cluster": "slow"}}',
     "'timings': must map step names to finite numbers"),
    ('{"config": {}, "versions": {}, "tables": {"profile": 2}}',
     "'tables': must map table names to objects"),
    pytest.param("[" * 100_000 + "]" * 100_000, "the file: JSON nested too deeply",
                 id="nested 100,000 deep"),
    pytest.param(b"\xff\xfe{}", r"the file: not UTF-8 text \(byte 0\)", id="not UTF-8"),
])
def test_corrupted_run_json_is_refused(folder, tmp_path, content, rule):
    out = copy(folder, tmp_path)
    if isinstance(content, bytes):
        (out / "run.json").write_bytes(content)
    else:
        (out / "run.json").write_text(content, "utf-8")
    with pytest.raises(ValueError, match=r"run.json: " + rule + ".*nothing was loaded"):
        StratificationResult.load(out)


def test_oversized_run_json_is_refused_unread(folder, tmp_path):
    out = copy(folder, tmp_path)
    edit_run_json(out, lambda meta: meta["config"].update(padding="x" * (17 * 1024**2)))
    with pytest.raises(ValueError, match=r"run.json: the file: \d+ bytes, more than the "
                                         r"16777216 bytes \(16 MiB\)"):
        StratificationResult.load(out)


@pytest.mark.parametrize("levels", [10**12, 10**9, 5, 0, -3, "abc", 2.5, True, None])
def test_absurd_index_levels_are_refused(folder, tmp_path, levels):
    out = copy(folder, tmp_path)

    def edit(meta):
        meta["tables"]["profile"]["index_levels"] = levels

    edit_run_json(out, edit)
    with pytest.raises(ValueError, match=r"'tables' -> 'profile' -> 'index_levels': must be an "
                                         r"integer from 1 to the 4 column\(s\) of profile.csv"):
        StratificationResult.load(out)


@pytest.mark.parametrize("key,value,rule", [
    ("text_columns", "note", "'text_columns': must be a list of column names"),
    ("text_columns", [1, 2], "'text_columns': must be a list of column names"),
    ("attrs", [1], "'attrs': must be an object"),
])
def test_malformed_table_layout_is_refused(folder, tmp_path, key, value, rule):
    out = copy(folder, tmp_path)

    def edit(meta):
        meta["tables"]["profile"][key] = value

    edit_run_json(out, edit)
    with pytest.raises(ValueError, match=r"'tables' -> 'profile' -> " + rule):
        StratificationResult.load(out)


def test_missing_run_json(folder, tmp_path):
    out = copy(folder, tmp_path)
    (out / "run.json").unlink()
    with pytest.raises(FileNotFoundError, match="run.json: no such file"):
        StratificationResult.load(out)
