"""Checks that make a loaded model file safe to use: archive limits and tree arrays.

skops only checks that a file's objects are of trusted types, not that their
content is coherent. Two kinds of content can still hurt:

- the archive itself: a zip member may expand a thousandfold (a "zip
  bomb") and an ``.npy`` header may declare an array of any size, which
  NumPy allocates before reading a byte of data. :func:`check_archive`
  reads only the zip directory and the first bytes of each member, and
  refuses a file before anything is decompressed in bulk.
- decision trees: scikit-learn's ``Tree`` and the HistGradientBoosting
  ``TreePredictor`` follow child and feature indices stored in the file
  without bounds checks, in compiled code. A tampered index reads or writes
  outside memory (the process crashes) and a cycle never ends.
  :func:`check_models` walks the loaded object and checks every tree, and
  the estimators that feed data to trees, before the model is returned.

Both raise :class:`UnsafeModelError` naming the file, where in the model the
fault sits, and the rule broken.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Iterator
from typing import Any, NoReturn

import numpy as np
from numpy.lib import format as npy_format

MAX_BYTES = 2 * 1024**3
"""Default limit on what a model file may expand to (2 GiB, all members)."""

MAX_RATIO = 100
"""Default limit on expansion relative to the file's size on disk."""

RATIO_FLOOR = 64 * 1024**2
"""Files expanding to at most 64 MiB are never refused for their ratio."""

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK\x03\x04"
_NPY_MAX_HEADER = 10_000  # numpy's own default for np.load


class UnsafeModelError(ValueError):
    """A model file's content breaks a rule that keeps loading or prediction safe.

    Nothing is returned from the file. The message names the file, where in
    the archive or the model the fault sits, and the rule.

    Attributes
    ----------
    where : str
        The archive member, or the attribute path inside the loaded object
        (e.g. ``.model_.calibrated_classifiers_[0].estimator._predictors[3][0]``).
    rule : str
        The rule broken.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from stratify.data import UnsafeModelError, load, save
    >>> tree = DecisionTreeClassifier(random_state=0).fit([[0], [1], [2]], [0, 1, 1])
    >>> path = save(tree, os.path.join(tempfile.mkdtemp(), "tree.skops"))
    >>> try:
    ...     load(path, max_bytes=1000)
    ... except UnsafeModelError as err:
    ...     print(err.rule)
    would expand to ... KiB, more than the limit of 1000 bytes (max_bytes)
    """

    def __init__(self, path: str, where: str, rule: str):
        self.where = where
        self.rule = rule
        super().__init__(f"{path}: {where}: {rule}. Nothing was loaded: the file is damaged "
                         "or was altered; use a copy from a source you trust.")


# --------------------------------------------------------------------------- the archive
def _human(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


def check_archive(source: str | io.BytesIO, size_on_disk: int, *, max_bytes: int | None,
                  max_ratio: float | None, label: str, nested: bool = False) -> int:
    """Refuse an archive that expands too far or holds arrays larger than they are.

    Reads the zip directory and, for each member, its first bytes only
    (zipfile never decompresses a member beyond the size its directory
    entry gives, so the directory is a bound, not a claim). Members holding
    NumPy arrays must be exactly as long as their header says; archives
    nested in a member (scipy sparse matrices) are checked the same way
    against what remains of the budget; an archive nested deeper is refused.

    Returns the archive's expanded size in bytes.
    """
    with zipfile.ZipFile(source) as archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        if max_bytes is not None and total > max_bytes:
            raise UnsafeModelError(
                label, f"{len(members)} member(s)",
                f"would expand to {_human(total)}, more than the limit of {_human(max_bytes)} "
                "(max_bytes)")
        if max_ratio is not None and total > max(RATIO_FLOOR, max_ratio * size_on_disk):
            raise UnsafeModelError(
                label, f"{len(members)} member(s)",
                f"would expand to {_human(total)} from {_human(size_on_disk)}, "
                f"{total / max(size_on_disk, 1):.0f} times its size (limit {max_ratio:g} "
                f"times, max_ratio, for files expanding beyond {_human(RATIO_FLOOR)}): a zip "
                "bomb")
        for member in members:
            with archive.open(member) as stream:
                head = stream.read(len(_NPY_MAGIC))
                if head.startswith(_NPY_MAGIC):
                    stream.seek(0)
                    _check_npy_header(stream, member, label)
                elif head.startswith(_ZIP_MAGIC):
                    if nested:
                        raise UnsafeModelError(label, member.filename,
                                               "an archive inside an archive inside the "
                                               "file; skops never writes one")
                    budget = None if max_bytes is None else max_bytes - total
                    check_archive(io.BytesIO(archive.read(member)), member.compress_size,
                                  max_bytes=budget, max_ratio=max_ratio,
                                  label=f"{label} ({member.filename})", nested=True)
        return total


def _check_npy_header(stream: Any, member: zipfile.ZipInfo, label: str) -> None:
    try:
        version = npy_format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = npy_format.read_array_header_1_0(
                stream, max_header_size=_NPY_MAX_HEADER)
        elif version == (2, 0):
            shape, _, dtype = npy_format.read_array_header_2_0(
                stream, max_header_size=_NPY_MAX_HEADER)
        else:
            raise ValueError(f".npy format version {version} (stratify reads 1.0 and 2.0)")
    except ValueError as exc:
        raise UnsafeModelError(label, member.filename, f"not a readable .npy array ({exc})") \
            from None
    if dtype.hasobject:
        raise UnsafeModelError(label, member.filename,
                               "an array of Python objects (np.load would need "
                               "allow_pickle=True, which stratify never sets)")
    declared = math.prod(int(d) for d in shape) * dtype.itemsize
    data = member.file_size - stream.tell()
    if declared != data:
        raise UnsafeModelError(
            label, member.filename,
            f"its .npy header declares an array of shape {tuple(shape)} and dtype {dtype} "
            f"({_human(declared)}) but the member holds {_human(max(data, 0))} of data")


# --------------------------------------------------------------------------- trees
def _is_sklearn_tree(obj: Any) -> bool:
    from sklearn.tree._tree import Tree

    return isinstance(obj, Tree)


def _walk(obj: Any) -> Iterator[tuple[str, Any]]:
    """Every object reachable from ``obj`` (attributes, items, object arrays), once each."""
    seen: set[int] = set()
    stack: list[tuple[str, Any]] = [("", obj)]
    while stack:
        where, item = stack.pop()
        if id(item) in seen or item is None or isinstance(item, (str, bytes, int, float,
                                                                   bool, complex)):
            continue
        seen.add(id(item))
        yield where, item
        if isinstance(item, dict):
            children = [(f"{where}[{k!r}]", v) for k, v in item.items()]
        elif isinstance(item, (list, tuple, set, frozenset)):
            children = [(f"{where}[{i}]", v) for i, v in enumerate(item)]
        elif isinstance(item, np.ndarray):
            children = ([(f"{where}[{', '.join(map(str, i))}]", v)
                         for i, v in zip(np.ndindex(item.shape), item.flat)]
                        if item.dtype == object else [])
        elif type(item).__module__.startswith("pandas."):
            children = []  # frames hold numbers and labels, never estimators
        else:
            state = getattr(item, "__dict__", None)
            children = ([(f"{where}.{k}", v) for k, v in state.items()]
                        if isinstance(state, dict) else [])
        stack.extend(reversed(children))


def check_models(obj: Any, label: str) -> None:
    """Check every tree in ``obj`` and the estimators that pass data to trees.

    Raises :class:`UnsafeModelError` at the first fault found.
    """
    checked: set[int] = set()  # predictors already checked with their model's bounds
    for where, item in _walk(obj):
        fail = _Fault(label, where, item)
        if _is_sklearn_tree(item):
            _check_tree(item, fail)
        elif type(item).__name__ == "TreePredictor" and id(item) not in checked:
            _check_predictor(item, fail, n_features=None, categorical=None)
        if hasattr(item, "_predictors") and hasattr(item, "_bin_mapper"):
            _check_hist_gradient_boosting(item, fail, checked)
        tree: Any = getattr(item, "tree_", None)
        if _is_sklearn_tree(tree) and hasattr(item, "n_features_in_") and \
                tree.n_features != item.n_features_in_:
            fail(f"its tree has n_features {tree.n_features} but the estimator was fitted "
                 f"on {item.n_features_in_} features")
        if hasattr(item, "estimators_") and hasattr(item, "n_features_in_"):
            _check_ensemble(item, fail)


class _Fault:
    """Raises the error for one object: the file, the object's path and type, the rule."""

    def __init__(self, label: str, where: str, item: Any):
        self.label, self.where = label, where
        self.name = f"{where or 'the loaded object'} ({type(item).__name__})"

    def __call__(self, rule: str) -> NoReturn:
        raise UnsafeModelError(self.label, self.name, rule)

    def nodes(self, bad: np.ndarray, rule: str) -> None:
        """Fail if any node is flagged, saying how many and the first one."""
        if bad.any():
            self(f"{rule} ({int(bad.sum())} node(s), first node {int(np.flatnonzero(bad)[0])})")


def _check_links(left: np.ndarray, right: np.ndarray, internal: np.ndarray,
                 fail: _Fault) -> np.ndarray:
    """Children in range and after their parent, each node with one parent; returns parents.

    Both scikit-learn tree builders number a node after its parent, so
    ``child > parent`` holds in every tree they grow; with one parent per
    node it also rules out cycles and nodes unreachable from the root.
    """
    n = len(internal)
    index = np.arange(n)
    for side, child in (("left", left), ("right", right)):
        c = child.astype(np.int64)
        fail.nodes(internal & ((c <= index) | (c >= n)),
                   f"a split node's {side} child is not a later node of the tree "
                   f"(index in (node, {n}))")
    children = np.concatenate([left[internal], right[internal]]).astype(np.int64)
    parents_per_node = np.bincount(children, minlength=n)
    parents_per_node[0] += 1  # the root has none
    fail.nodes(parents_per_node != 1, "a node is reached from no parent or from several")
    parent = np.zeros(n, dtype=np.int64)
    parent[left[internal].astype(np.int64)] = index[internal]
    parent[right[internal].astype(np.int64)] = index[internal]
    return parent


def _depth(parent: np.ndarray) -> int:
    """Depth of the deepest node, by pointer jumping (log2(depth) vectorized passes)."""
    depth = (np.arange(len(parent)) > 0).astype(np.int64)
    up = parent.copy()
    while up.any():
        depth += depth[up]
        up = up[up]
    return int(depth.max())


def _check_tree(tree: Any, fail: _Fault) -> None:
    node_count, capacity = int(tree.node_count), int(tree.capacity)
    # node_count is read from the file and the node arrays are views of node_count
    # nodes over a buffer of capacity nodes: check it before touching them
    if not 1 <= node_count == capacity:
        fail(f"node_count is {node_count} but the node array holds {capacity} node(s)")
    n_features, n_outputs = int(tree.n_features), int(tree.n_outputs)
    if n_features < 1 or n_outputs < 1:
        fail(f"n_features ({n_features}) and n_outputs ({n_outputs}) must be at least 1")
    n_classes = np.asarray(tree.n_classes)
    if n_classes.shape != (n_outputs,) or (n_classes < 1).any() or \
            int(tree.max_n_classes) != int(n_classes.max()):
        fail("n_classes must give at least one class for each of the n_outputs outputs, "
             "and max_n_classes their maximum")
    state = tree.__getstate__()
    nodes, values = state["nodes"], state["values"]
    expected = (node_count, n_outputs, int(tree.max_n_classes))
    if values.shape != expected:
        fail(f"values has shape {values.shape}, expected (node_count, n_outputs, "
             f"max_n_classes) = {expected}")
    left, right = nodes["left_child"], nodes["right_child"]
    leaf = left == -1
    fail.nodes(leaf != (right == -1), "a leaf must have both children -1")
    internal = ~leaf
    fail.nodes(internal & ((nodes["feature"] < 0) | (nodes["feature"] >= n_features)),
               f"a split node's feature is outside [0, n_features = {n_features})")
    # +inf is legitimate: scikit-learn writes it when a split sends the missing values
    # one way and every observed value the other
    fail.nodes(internal & np.isnan(nodes["threshold"]), "a split node's threshold is NaN")
    parent = _check_links(left, right, internal, fail)
    deepest = _depth(parent)
    if int(state["max_depth"]) < deepest:
        fail(f"max_depth is {int(state['max_depth'])} but a leaf lies at depth {deepest} "
             "(decision_path would write past its buffer)")


def _check_predictor(predictor: Any, fail: _Fault, n_features: int | None,
                     categorical: np.ndarray | None) -> None:
    from sklearn.ensemble._hist_gradient_boosting.common import (
        PREDICTOR_RECORD_DTYPE,
        X_BITSET_INNER_DTYPE,
    )

    nodes = predictor.nodes
    if not isinstance(nodes, np.ndarray) or nodes.dtype != PREDICTOR_RECORD_DTYPE or \
            nodes.ndim != 1 or len(nodes) < 1:
        fail("nodes must be a non-empty 1-d array of scikit-learn's predictor record dtype")
    bitsets: dict[str, np.ndarray] = {}
    for name in ("binned_left_cat_bitsets", "raw_left_cat_bitsets"):
        array = getattr(predictor, name, None)
        if not isinstance(array, np.ndarray) or array.ndim != 2 or array.shape[1] != 8 or \
                array.dtype != X_BITSET_INNER_DTYPE:
            fail(f"{name} must be an array of 8 uint32 words per categorical split")
        bitsets[name] = array
    is_leaf = nodes["is_leaf"]
    fail.nodes(is_leaf > 1, "is_leaf must be 0 or 1")
    internal = is_leaf == 0
    if n_features is not None:
        fail.nodes(internal & ((nodes["feature_idx"] < 0) | (nodes["feature_idx"] >= n_features)),
                   f"a split node's feature_idx is outside [0, n_features_in_ = {n_features})")
    split_on_category = internal & (nodes["is_categorical"] != 0)
    fewest = min(len(a) for a in bitsets.values())
    fail.nodes(split_on_category & (nodes["bitset_idx"] >= fewest),
               f"a categorical split's bitset_idx is outside the {fewest} bitset row(s)")
    fail.nodes(internal & np.isnan(nodes["num_threshold"]),
               "a split node's num_threshold is NaN")
    if categorical is not None:
        on_numeric = split_on_category.copy()
        on_numeric[split_on_category] = ~categorical[nodes["feature_idx"][split_on_category]]
        fail.nodes(on_numeric, "a categorical split uses a feature the bin mapper does not "
                               "treat as categorical")
    _check_links(nodes["left"], nodes["right"], internal, fail)


def _check_hist_gradient_boosting(model: Any, fail: _Fault, checked: set[int]) -> None:
    n_features = int(getattr(model, "n_features_in_", 0))
    n_trees = int(getattr(model, "n_trees_per_iteration_", 0))
    if n_features < 1 or n_trees < 1:
        fail("n_features_in_ and n_trees_per_iteration_ must be at least 1")
    mapper = model._bin_mapper
    categorical = np.asarray(getattr(mapper, "is_categorical_", None))
    if categorical.shape != (n_features,) or categorical.dtype.kind not in "biu":
        fail(f"_bin_mapper.is_categorical_ must flag each of the {n_features} features")
    categorical = categorical.astype(bool)
    for name in ("bin_thresholds_", "n_bins_non_missing_"):
        if len(getattr(mapper, name, ())) != n_features:
            fail(f"_bin_mapper.{name} must have one entry per feature ({n_features})")
    _check_hgb_preprocessor(model, n_features, fail)
    baseline = np.asarray(getattr(model, "_baseline_prediction", None))
    if baseline.shape != (1, n_trees):
        fail(f"_baseline_prediction has shape {baseline.shape}, expected (1, {n_trees})")
    predictors = model._predictors
    if not isinstance(predictors, list):
        fail("_predictors must be a list of iterations")
    for i, iteration in enumerate(predictors):
        if not isinstance(iteration, list) or len(iteration) != n_trees:
            fail(f"_predictors[{i}] must hold n_trees_per_iteration_ = {n_trees} trees")
        for k, predictor in enumerate(iteration):
            if type(predictor).__name__ != "TreePredictor":
                fail(f"_predictors[{i}][{k}] is a {type(predictor).__name__}, not a "
                     "TreePredictor")
            _check_predictor(predictor, _Fault(fail.label, f"{fail.where}._predictors[{i}][{k}]",
                                               predictor), n_features, categorical)
            checked.add(id(predictor))


def _check_hgb_preprocessor(model: Any, n_features: int, fail: _Fault) -> None:
    """The column transformer that encodes categories must output ``n_features`` columns.

    Its output goes to the trees unchecked, so it may only be what
    scikit-learn builds: an ordinal encoder and an identity transform over
    column masks that together cover as many columns as the trees expect.
    """
    preprocessor = getattr(model, "_preprocessor", None)
    if preprocessor is None:
        return
    from sklearn.preprocessing import FunctionTransformer, OrdinalEncoder
    from sklearn.utils.validation import check_array

    steps = getattr(preprocessor, "transformers_", None)
    if not isinstance(steps, list):
        fail("_preprocessor must be a fitted column transformer")
    width = 0
    for step in steps:
        if not (isinstance(step, tuple) and len(step) == 3):
            fail("_preprocessor.transformers_ must hold (name, transformer, columns) triples")
        _, transformer, columns = step
        if isinstance(transformer, str) and transformer == "drop":
            continue
        identity = (isinstance(transformer, str) and transformer == "passthrough") or (
            type(transformer) is FunctionTransformer
            and getattr(transformer.func, "func", transformer.func) in (None, check_array))
        if not (identity or type(transformer) is OrdinalEncoder):
            fail(f"_preprocessor may only encode categories or pass columns through, not "
                 f"apply a {type(transformer).__name__} (the trees would read past its output)")
        mask = np.asarray(columns)
        if mask.dtype != bool or mask.shape != (n_features,):
            fail(f"_preprocessor's columns must be masks over the {n_features} features")
        width += int(mask.sum())
    if width != n_features:
        fail(f"_preprocessor outputs {width} column(s); its trees read {n_features}")


def _check_ensemble(model: Any, fail: _Fault) -> None:
    """Sub-estimators that the ensemble feeds its own input unchecked must match its width.

    Forests and gradient boosting hand X to their trees without the trees
    checking its width (bagging passes a column subset that the sub-estimator
    checks itself, so it is left out).
    """
    members = model.estimators_
    if hasattr(model, "estimators_features_") or not isinstance(members, (list, np.ndarray)):
        return
    flat = list(np.asarray(members, dtype=object).flat) if isinstance(members, np.ndarray) \
        else list(members)
    for i, member in enumerate(flat):
        width = getattr(member, "n_features_in_", None)
        if width is not None and width != model.n_features_in_:
            fail(f"estimators_[{i}] was fitted on {width} features, the ensemble on "
                 f"{model.n_features_in_}")
    if isinstance(members, np.ndarray) and hasattr(model, "n_trees_per_iteration_"):
        # gradient boosting writes tree k's output into column k of its predictions
        k = int(model.n_trees_per_iteration_)
        if members.ndim != 2 or members.shape[1] != k:
            fail(f"estimators_ has shape {members.shape}, expected (n_estimators, "
                 f"n_trees_per_iteration_ = {k})")
        init = getattr(model, "init_", "zero")
        if k > 1 and not (isinstance(init, str) and init == "zero"):
            _check_multiclass_init(init, k, fail)


def _check_multiclass_init(init: Any, k: int, fail: _Fault) -> None:
    from sklearn.dummy import DummyClassifier

    prior = np.asarray(getattr(init, "class_prior_", ()))
    if type(init) is not DummyClassifier or prior.shape != (k,) or \
            getattr(init, "n_classes_", None) != k:
        fail(f"init_ must give {k} class probabilities (a DummyClassifier fitted on {k} "
             "classes); other initial estimators cannot be checked and are refused")
