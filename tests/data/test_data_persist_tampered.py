"""Tampered model files: load refuses them before anything can crash or hang.

Each case saves a real fitted model with ``save``, rewrites one array (or one
number of ``schema.json``) inside the skops zip archive, and checks that
``load`` raises ``UnsafeModelError`` naming the tree and the rule. Without
the checks these files load, and ``predict`` reads or writes outside memory
(the process dies of a segmentation fault) or loops forever; the checks that
call ``predict`` on them therefore run in a subprocess.
"""

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
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

from stratify.data import UnsafeModelError, load, save

N = 200


@pytest.fixture(autouse=True)
def one_thread():
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(N, 5)), columns=[f"x{i}" for i in range(5)])
    X.iloc[::11, 2] = np.nan
    y = pd.Series(np.where(X["x0"] + rng.normal(0, 0.5, N) > 0, "A",
                           np.where(X["x1"] > 0, "B", "C")), name="subgroup")
    return X, y


@pytest.fixture(scope="module")
def saved(data, tmp_path_factory):
    """One file per model: the workflow's default classifier, a forest, a tree."""
    from stratify.classify import SubgroupClassifier

    X, y = data
    folder = tmp_path_factory.mktemp("models")
    with threadpool_limits(limits=1):  # module fixtures run before the autouse one
        models = {"hgb": SubgroupClassifier("hgb", random_state=0).fit(X, y),
                  "forest": RandomForestClassifier(n_estimators=3, max_depth=4,
                                                   random_state=0).fit(X.fillna(0), y),
                  "tree": DecisionTreeClassifier(max_depth=4, random_state=0).fit(X.fillna(0),
                                                                                   y)}
    return {name: save(model, folder / f"{name}.skops") for name, model in models.items()}


def rewrite(src, dst, *, array=None, schema=None):
    """Copy a skops archive, passing the first array ``array`` accepts through it.

    ``array(a)`` returns the replacement or None to keep ``a``; ``schema(state)``
    edits the parsed ``schema.json`` in place.
    """
    done = False
    with zipfile.ZipFile(src) as z_in, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z_out:
        for name in z_in.namelist():
            content = z_in.read(name)
            if name == "schema.json" and schema is not None:
                state = json.loads(content)
                schema(state)
                content = json.dumps(state).encode()
            elif name.endswith(".npy") and array is not None and not done:
                new = array(np.load(io.BytesIO(content), allow_pickle=False))
                if new is not None:
                    buffer = io.BytesIO()
                    np.save(buffer, new, allow_pickle=False)
                    content, done = buffer.getvalue(), True
            z_out.writestr(name, content)
    assert array is None or done, "no array matched"
    return dst


def sklearn_nodes(edit):
    """Edit the first internal node of the first scikit-learn ``Tree`` node array."""
    def apply(a):
        if a.dtype.names is None or "left_child" not in a.dtype.names:
            return None
        a = a.copy()
        edit(a, int(np.flatnonzero(a["left_child"] != -1)[0]))
        return a
    return apply


def hgb_nodes(edit):
    """Edit the root of the first HistGradientBoosting ``TreePredictor`` node array."""
    def apply(a):
        if a.dtype.names is None or "feature_idx" not in a.dtype.names or a["is_leaf"][0]:
            return None
        a = a.copy()
        edit(a, 0)
        return a
    return apply


def setter(field, value):
    def edit(a, i):
        a[field][i] = value
    return edit


def self_reference(a, i):
    a["left_child"][i] = i


def back_to_root(a, i):
    leaf = int(np.flatnonzero(a["left_child"] == -1)[0])
    # the leaf becomes a well-formed split whose children are the root
    a["left_child"][leaf], a["right_child"][leaf] = 0, 0
    a["feature"][leaf], a["threshold"][leaf] = 0, 0.0


def half_leaf(a, i):
    leaf = int(np.flatnonzero(a["left_child"] == -1)[0])
    a["right_child"][leaf] = leaf + 1


def shared_child(a, i):
    a["right_child"][i] = a["left_child"][i]


SKLEARN_CASES = {
    "feature 50,000,000": (setter("feature", 50_000_000), "feature is outside"),
    "child 2,000,000,000": (setter("left_child", 2_000_000_000), "left child is not a later"),
    "negative child": (setter("right_child", -7), "right child is not a later"),
    "child refers to itself": (self_reference, "left child is not a later"),
    "cycle back to the root": (back_to_root, "child is not a later node"),
    "leaf with one child": (half_leaf, "a leaf must have both children -1"),
    "two parents": (shared_child, "from no parent or from several"),
    "threshold NaN": (setter("threshold", np.nan), "threshold is NaN"),
}

HGB_CASES = {
    "feature 50,000,000": (setter("feature_idx", 50_000_000), "feature_idx is outside"),
    "child 2,000,000,000": (setter("left", 2_000_000_000), "left child is not a later"),
    "child refers to itself": (setter("right", 0), "right child is not a later"),
    "categorical split without bitset": (
        lambda a, i: (setter("is_categorical", 1)(a, i), setter("bitset_idx", 1000)(a, i)),
        "bitset_idx is outside"),
    "leaf flag 7": (setter("is_leaf", 7), "is_leaf must be 0 or 1"),
}


@pytest.mark.parametrize("model", ["tree", "forest"])
@pytest.mark.parametrize("case", list(SKLEARN_CASES))
def test_tampered_sklearn_tree_is_refused(saved, tmp_path, model, case):
    edit, rule = SKLEARN_CASES[case]
    path = rewrite(saved[model], tmp_path / "bad.skops", array=sklearn_nodes(edit))
    with pytest.raises(UnsafeModelError, match=rule) as err:
        load(path)
    assert "tree_" in err.value.where and "(Tree)" in err.value.where
    assert "Nothing was loaded" in str(err.value)


@pytest.mark.parametrize("case", list(HGB_CASES))
def test_tampered_hist_gradient_boosting_is_refused(saved, tmp_path, case):
    edit, rule = HGB_CASES[case]
    path = rewrite(saved["hgb"], tmp_path / "bad.skops", array=hgb_nodes(edit))
    with pytest.raises(UnsafeModelError, match=rule) as err:
        load(path)
    assert "._predictors[" in err.value.where and "TreePredictor" in err.value.where


def test_split_of_missing_from_observed_values_loads(tmp_path):
    """scikit-learn gives such a split the threshold +inf: a sound tree, not a tampered one."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, 2))
    y = (rng.random(N) < 0.5).astype(int)
    X[y == 1, 0] = np.nan
    tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    assert tree.tree_.threshold[0] == np.inf
    np.testing.assert_array_equal(load(save(tree, tmp_path / "inf.skops")).predict(X), y)


def test_untouched_files_load_and_predict_as_saved(saved, data):
    X, _ = data
    for name, path in saved.items():
        model = load(path)
        Z = X if name == "hgb" else X.fillna(0)
        assert model.predict(Z).shape == (N,)


def test_hgb_baseline_and_bin_mapper_must_match_the_model(saved, tmp_path):
    def baseline(a):
        return np.zeros((1, 1)) if a.dtype == np.float64 and a.shape == (1, 3) else None

    path = rewrite(saved["hgb"], tmp_path / "baseline.skops", array=baseline)
    with pytest.raises(UnsafeModelError, match=r"_baseline_prediction has shape \(1, 1\), "
                                               r"expected \(1, 3\)"):
        load(path)

    def categorical(a):
        return np.ones(3, dtype=a.dtype) if a.dtype == np.uint8 and a.shape == (5,) else None

    path = rewrite(saved["hgb"], tmp_path / "mapper.skops", array=categorical)
    with pytest.raises(UnsafeModelError, match="is_categorical_ must flag each of the 5"):
        load(path)


def find_state(state, module_class):
    """The schema.json node of the first object of the given type."""
    stack = [state]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if f"{node.get('__module__')}.{node.get('__class__')}" == module_class:
                return node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    raise AssertionError(module_class)


def set_number(node, value):
    """Give a JSON number node of schema.json a new value (and its own id, so that skops
    does not reuse another node's value for it)."""
    node["content"], node["__id__"] = str(value), 1


@pytest.mark.parametrize("key,value,rule", [
    ("node_count", 3, r"node_count is 3 but the node array holds \d+ node"),
    ("node_count", 0, "node_count is 0"),
    ("max_depth", 0, "max_depth is 0 but a leaf lies at depth"),
])
def test_tree_counts_in_schema_must_match_the_arrays(saved, tmp_path, key, value, rule):
    def edit(state):
        set_number(find_state(state, "sklearn.tree._tree.Tree")["content"]["content"][key],
                   value)

    path = rewrite(saved["tree"], tmp_path / "counts.skops", schema=edit)
    with pytest.raises(UnsafeModelError, match=rule):
        load(path)


def test_forest_trees_must_expect_the_forest_width(saved, tmp_path):
    def edit(state):
        tree = find_state(state, "sklearn.tree._tree.Tree")
        set_number(tree["__reduce__"]["args"]["content"][0], 50)

    path = rewrite(saved["forest"], tmp_path / "width.skops", schema=edit)
    with pytest.raises(UnsafeModelError, match="its tree has n_features 50 but the estimator "
                                               "was fitted on 5 features"):
        load(path)


CRASH_PROBE = textwrap.dedent("""
    import sys, numpy as np
    from stratify.data import UnsafeModelError, load
    X = np.zeros((4, 5))
    for path in sys.argv[1:]:
        print("loading", path, flush=True)
        try:
            model = load(path)
        except UnsafeModelError:
            print("refused", flush=True)
            continue
        model.predict(X)
        model.predict_proba(X)
        print("predicted", flush=True)
""")


@pytest.mark.slow
def test_tampered_files_never_reach_predict(saved, tmp_path):
    """Today's failure mode, end to end: load then predict in a child process.

    Without the checks the child dies of SIGSEGV (return code -11) on the first
    file or hangs on a cycle; with them every file is refused.
    """
    paths = []
    for i, (edit, _) in enumerate(SKLEARN_CASES.values()):
        paths.append(rewrite(saved["forest"], tmp_path / f"forest{i}.skops",
                             array=sklearn_nodes(edit)))
    for i, (edit, _) in enumerate(HGB_CASES.values()):
        paths.append(rewrite(saved["hgb"], tmp_path / f"hgb{i}.skops", array=hgb_nodes(edit)))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", CRASH_PROBE, *map(str, paths)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    assert done.stdout.count("refused") == len(paths), done.stdout


# --------------------------------------------------------------------------- the archive
def replace_member(src, dst, payload):
    """Copy an archive, replacing its first ``.npy`` member's bytes by ``payload``."""
    with zipfile.ZipFile(src) as z_in, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z_out:
        first = next(n for n in z_in.namelist() if n.endswith(".npy"))
        for name in z_in.namelist():
            z_out.writestr(name, payload if name == first else z_in.read(name))
    return dst


def test_npy_header_declaring_32_gb_is_refused_before_allocation(saved, tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (4 * 1024**3,)})
    path = replace_member(saved["tree"], tmp_path / "huge.skops",
                          header.getvalue() + b"\0" * 64)
    with pytest.raises(UnsafeModelError, match=r"declares an array of shape \(4294967296,\) "
                                               r"and dtype float64 \(32.0 GiB\) but the member "
                                               r"holds 64 bytes"):
        load(path)


def test_npy_member_must_hold_exactly_its_declared_data(saved, tmp_path):
    buffer = io.BytesIO()
    np.save(buffer, np.arange(10.0))
    path = replace_member(saved["tree"], tmp_path / "long.skops", buffer.getvalue() + b"x")
    with pytest.raises(UnsafeModelError, match=r"declares an array of shape \(10,\)"):
        load(path)
    path = replace_member(saved["tree"], tmp_path / "garbage.skops", b"\x93NUMPY\x09\x00{}")
    with pytest.raises(UnsafeModelError, match="not a readable .npy array"):
        load(path)


def zip_bomb(path, expanded_mib):
    """A skops-looking archive whose one member is ``expanded_mib`` MiB of zeros."""
    block = bytes(1024**2)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("schema.json", json.dumps({"__class__": "dict", "__module__": "builtins",
                                              "__loader__": "DictNode", "content": {},
                                              "key_types": {}, "protocol": 2}))
        with z.open("bomb.bin", "w", force_zip64=True) as member:
            for _ in range(expanded_mib):
                member.write(block)
    return path


@pytest.mark.slow
def test_one_megabyte_expanding_to_one_gigabyte_is_refused(tmp_path):
    path = zip_bomb(tmp_path / "bomb.skops", 1024)
    assert path.stat().st_size < 1.1 * 1024**2
    with pytest.raises(UnsafeModelError, match=r"would expand to 1.0 GiB from 10\d\d.\d KiB, "
                                               r"10\d\d times its size \(limit 100 times"):
        load(path)


def test_zip_bomb_is_refused_from_the_directory(tmp_path):
    path = zip_bomb(tmp_path / "bomb.skops", 80)
    with pytest.raises(UnsafeModelError, match="a zip bomb"):
        load(path)
    # the ratio limit can be lifted; the size limit still holds
    with pytest.raises(UnsafeModelError, match=r"more than the limit of 50.0 MiB \(max_bytes\)"):
        load(path, max_ratio=None, max_bytes=50 * 1024**2)


def test_size_limit_applies_to_real_models(saved):
    with pytest.raises(UnsafeModelError, match=r"more than the limit of 1000 bytes"):
        load(saved["forest"], max_bytes=1000)
    assert load(saved["forest"], max_bytes=None, max_ratio=None).n_estimators == 3


def test_nested_archive_counts_against_the_budget(saved, tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("data.npy", bytes(80 * 1024**2))
    path = replace_member(saved["tree"], tmp_path / "nested.skops", inner.getvalue())
    with pytest.raises(UnsafeModelError, match=r"nested.skops \(.*\.npy\).*a zip bomb"):
        load(path)


def test_hgb_category_encoder_must_feed_every_feature(tmp_path):
    """The encoder's output goes to the trees unchecked: it must be as wide as they expect.

    (Category encoding holds a functools.partial, which load trusts only when told.)
    """
    from sklearn.decomposition import PCA
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(N, 3)), columns=list("abc"))
    X["s"] = pd.Categorical(rng.choice(["x", "y", "z"], N))
    y = np.where(X["a"] + (X["s"] == "x") > 0.5, "A", "B")
    with threadpool_limits(limits=1):
        model = HistGradientBoostingClassifier(max_iter=5, categorical_features="from_dtype",
                                               random_state=0).fit(X, y)
    trust = ["functools.partial", "sklearn.utils.validation.check_array"]

    def round_trip(name):
        with pytest.warns(UserWarning, match="functools.partial"):
            path = save(model, tmp_path / name)
        return load(path, trusted=trust)

    np.testing.assert_array_equal(round_trip("ok.skops").predict(X), model.predict(X))
    name, identity, columns = model._preprocessor.transformers_[1]
    model._preprocessor.transformers_[1] = (name, identity, np.array([True, False, False,
                                                                      False]))
    with pytest.raises(UnsafeModelError, match=r"_preprocessor outputs 2 column\(s\); its "
                                               r"trees read 4"):
        round_trip("narrow.skops")
    model._preprocessor.transformers_[1] = (name, PCA(n_components=1), columns)
    with pytest.raises(UnsafeModelError, match="not apply a PCA"):
        round_trip("pca.skops")


def test_damaged_compressed_member_is_a_clear_error(saved, tmp_path):
    data = bytearray(saved["forest"].read_bytes())
    with zipfile.ZipFile(saved["forest"]) as z:
        member = max(z.infolist(), key=lambda m: m.compress_size)
    start = member.header_offset + 30 + len(member.filename) + len(member.extra)
    for i in range(start + 4, start + min(member.compress_size, 200)):
        data[i] ^= 0xFF
    path = tmp_path / "damaged.skops"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="not a valid skops file"):
        load(path)
