"""Saving and loading fitted models with skops: no pickle, an explicit list of trusted types.

skops writes an object as a zip archive holding a JSON description of its
attributes and NumPy arrays in ``.npy`` form (read with
``allow_pickle=False``). Loading rebuilds objects from that description,
and only for types the caller trusts, so a crafted file cannot run code the
way a pickle can.

skops 0.16 cannot write two things our estimators hold, and this module
adds them through skops's own extension points (a ``get_state`` function
and a loader ``Node`` per type):

- pandas ``DataFrame``, ``Series`` and ``Index`` (``CenterCorrector``
  keeps its estimates as frames; lifelines fitters keep their coefficients
  and baseline hazards as frames). pandas objects pickle through internal
  block managers whose ``__reduce__`` skops refuses. They are written as
  their parts: index and columns, and each column as a NumPy array (numeric,
  boolean and datetime columns), as codes plus categories (categoricals), or
  as a list of plain values with a dtype name taken from a fixed set
  (nullable integer, float, boolean and string columns).
- ``enum.Enum`` members (lifelines stores ``CensoringType.RIGHT``): written
  as the member's name and read back as ``EnumClass[name]``.

Loading also checks what skops does not (:mod:`stratify.data._model_checks`):
the archive may not expand beyond ``max_bytes`` (2 GiB) or, past 64 MiB,
beyond ``max_ratio`` (100) times its size on disk; every ``.npy`` member
must be exactly as long as its header declares; and every decision tree
(scikit-learn's ``Tree``, HistGradientBoosting's ``TreePredictor``) must
have its child and feature indices in bounds, no cycles and arrays of
consistent shapes, since scikit-learn follows them in compiled code without
checks. A file that fails raises :class:`UnsafeModelError` and nothing is
returned.

Objects that skops still cannot write raise a ``TypeError`` naming where
they sit in the model (e.g. lifelines' parametric fitters, which hold
formulaic model specifications with ``__slots__`` and autograd state, or
``NelsonAalenFitter``, whose bound methods refer back to the fitter).
There is no fallback to pickle: use a model that persists (lifelines'
semi-parametric ``CoxPHFitter``, scikit-survival's models), or keep the
training data and code and refit.
"""

from __future__ import annotations

import enum
import os
import warnings
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._utils.validation import trusted_type_names
from ._model_checks import MAX_BYTES, MAX_RATIO, UnsafeModelError, check_archive, check_models

__all__ = ["save", "load", "TRUSTED_TYPES", "UntrustedTypesError", "UnsafeModelError"]

TRUSTED_TYPES: tuple[str, ...] = (
    # builtins, numpy and pandas (pandas through the loader below, which builds frames
    # from arrays)
    "builtins.range",
    "numpy.dtype",
    "pandas.core.frame.DataFrame",
    "pandas.core.indexes.base.Index",
    "pandas.core.indexes.category.CategoricalIndex",
    "pandas.core.indexes.datetimes.DatetimeIndex",
    "pandas.core.indexes.multi.MultiIndex",
    "pandas.core.indexes.range.RangeIndex",
    "pandas.core.indexes.timedeltas.TimedeltaIndex",
    "pandas.core.series.Series",
    # scikit-learn internals and experimental estimators that skops does not trust by
    # default (its public estimators are trusted by skops itself)
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.calibration._TemperatureScaling",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.impute._iterative.IterativeImputer",
    "sklearn.impute._iterative._ImputerTriplet",
    "sklearn.model_selection._split.GroupKFold",
    "sklearn.model_selection._split.KFold",
    "sklearn.model_selection._split.LeaveOneGroupOut",
    "sklearn.model_selection._split.StratifiedGroupKFold",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.tree._tree.Tree",
    # lifelines (semi-parametric Cox, Kaplan-Meier, Aalen-Johansen)
    "lifelines.fitters.aalen_johansen_fitter.AalenJohansenFitter",
    "lifelines.fitters.coxph_fitter.CoxPHFitter",
    "lifelines.fitters.coxph_fitter.SemiParametricPHFitter",
    "lifelines.fitters.kaplan_meier_fitter.KaplanMeierFitter",
    "lifelines.utils.CensoringType",
    "lifelines.utils.CovariateParameterMappings",
    # scikit-survival
    "sksurv.ensemble.boosting.ComponentwiseGradientBoostingSurvivalAnalysis",
    "sksurv.ensemble.boosting.GradientBoostingSurvivalAnalysis",
    "sksurv.ensemble.boosting._ComponentwiseLeastSquares",
    "sksurv.ensemble.forest.ExtraSurvivalTrees",
    "sksurv.ensemble.forest.RandomSurvivalForest",
    "sksurv.ensemble.survival_loss.CoxPH",
    "sksurv.functions.StepFunction",
    "sksurv.linear_model.coxnet.CoxnetSurvivalAnalysis",
    "sksurv.linear_model.coxph.BreslowEstimator",
    "sksurv.linear_model.coxph.CoxPHSurvivalAnalysis",
    "sksurv.tree.tree.ExtraSurvivalTree",
    "sksurv.tree.tree.SurvivalTree",
    # stratify
    "stratify.classify._classifier.SubgroupClassifier",
    "stratify.classify._panel.PanelResult",
    "stratify.cluster._consensus.ConsensusClustering",
    "stratify.cluster._embed.Embedder",
    "stratify.cluster._partition.Partition",
    "stratify.cluster._reduce.Reducer",
    "stratify.cluster._structure.StructureTest",
    "stratify.data._schema.Schema",
    "stratify.data._schema.Variable",
    "stratify.impute._imputer.SchemaImputer",
    "stratify.impute._mixture.MixtureEM",
    "stratify.impute._multiple.MultipleImputer",
    "stratify.preprocess._center.CenterCorrector",
    "stratify.preprocess._preprocessor._OneHotKeepingMissing",
    "stratify.preprocess._preprocessor._log1p_nonnegative",
    "stratify.preprocess._preprocessor._missing_as_nan",
    "stratify.survival._boosting.CoxBoosting",
    "stratify.survival._model.LymphomaRiskModel",
)
"""Types :func:`load` accepts without being told, beyond those skops trusts itself.

Each is a class or function whose loading only sets attributes or refers to
a function that computes on the data it is given; none reaches the file
system, the network or the interpreter. The two tree types (``Tree``,
``TreePredictor``), which skops does not trust because their indices are
used unchecked, are trusted because :func:`load` checks every index before
returning the model. Extend it per call with
``load(path, trusted=[...])``, after reading the file's type list.
"""

_PANDAS_LOADER = "StratifyPandasNode"
_ENUM_LOADER = "StratifyEnumNode"
_PANDAS_CLASSES = ("DataFrame", "Series", "Index", "RangeIndex", "MultiIndex",
                   "CategoricalIndex", "DatetimeIndex", "TimedeltaIndex")
# dtypes rebuilt with ``pd.array(values, dtype=name)`` from a list of plain values
_VALUE_DTYPES = frozenset({"Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32",
                           "UInt64", "Float32", "Float64", "boolean", "string"})
_registered = False


class UntrustedTypesError(ValueError):
    """A file holds types that :func:`load` was not told to trust.

    Attributes
    ----------
    types : list of str
        The untrusted types, by fully qualified name.
    """

    def __init__(self, path: str, types: list[str]):
        self.types = types
        listed = "\n".join(f"  - {t}" for t in types)
        super().__init__(
            f"{path} holds {len(types)} type(s) that stratify does not trust by default:\n"
            f"{listed}\nNothing was loaded. If you know where the file comes from and these "
            "types are what you expect, load it with load(path, trusted=[...]) listing "
            "them; never trust a type you do not recognise (loading can run its code)."
        )


# --------------------------------------------------------------------------- skops extensions
def _encode(values: Any) -> dict[str, Any]:
    """A Series' or Index's values as audited parts: arrays, an Index, plain values."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cat = pd.Categorical(values)
        return {"dtype": "category", "codes": np.asarray(cat.codes),
                "categories": cat.categories, "ordered": bool(dtype.ordered)}
    if isinstance(dtype, np.dtype):
        return {"dtype": "numpy", "values": values.to_numpy()}
    name = str(dtype)
    if name not in _VALUE_DTYPES:
        from skops.io.exceptions import UnsupportedTypeException

        raise UnsupportedTypeException(
            f"pandas values of dtype {name} cannot be saved safely; convert them to a "
            f"NumPy dtype or one of {sorted(_VALUE_DTYPES)} first.")
    items = values.to_numpy(dtype=object, na_value=None).copy()
    return {"dtype": name, "values": items}


def _decode(part: dict[str, Any]) -> Any:
    kind = part["dtype"]
    if kind == "category":
        return pd.Categorical.from_codes(part["codes"], categories=part["categories"],
                                         ordered=part["ordered"])
    if kind == "numpy":
        return part["values"]
    if kind not in _VALUE_DTYPES:
        raise TypeError(f"Refusing to build a pandas array of unknown dtype {kind!r}.")
    return pd.array(list(part["values"]), dtype=kind)


def _pandas_parts(obj: Any) -> dict[str, Any]:
    kind = type(obj).__name__
    if not type(obj).__module__.startswith("pandas.") or kind not in _PANDAS_CLASSES:
        from skops.io.exceptions import UnsupportedTypeException

        raise UnsupportedTypeException(f"{type(obj).__module__}.{kind} is not supported; "
                                       "convert it to a plain pandas DataFrame/Series/Index.")
    if kind == "DataFrame":
        return {"index": obj.index, "columns": obj.columns, "attrs": dict(obj.attrs),
                "data": [_encode(obj.iloc[:, j]) for j in range(obj.shape[1])]}
    if kind == "Series":
        return {"index": obj.index, "name": obj.name, "attrs": dict(obj.attrs),
                "data": [_encode(obj)]}
    if kind == "RangeIndex":
        return {"start": obj.start, "stop": obj.stop, "step": obj.step, "name": obj.name}
    if kind == "MultiIndex":
        return {"levels": list(obj.levels), "codes": [np.asarray(c) for c in obj.codes],
                "names": list(obj.names)}
    return {"name": obj.name, "data": [_encode(obj)]}


def _build_pandas(kind: str, p: dict[str, Any]) -> Any:
    if kind == "DataFrame":
        frame = pd.DataFrame({j: _decode(d) for j, d in enumerate(p["data"])},
                             index=p["index"])
        frame.columns = p["columns"]
        frame.attrs.update(p["attrs"])
        return frame
    if kind == "Series":
        series = pd.Series(_decode(p["data"][0]), index=p["index"], name=p["name"])
        series.attrs.update(p["attrs"])
        return series
    if kind == "RangeIndex":
        return pd.RangeIndex(p["start"], p["stop"], p["step"], name=p["name"])
    if kind == "MultiIndex":
        return pd.MultiIndex(levels=p["levels"], codes=p["codes"], names=p["names"])
    return pd.Index(_decode(p["data"][0]), name=p["name"])


def _register() -> None:
    """Teach skops (once per process) to write and read pandas objects and enum members."""
    global _registered
    if _registered:
        return
    from skops.io._audit import NODE_TYPE_MAPPING, Node, get_tree
    from skops.io._protocol import PROTOCOL
    from skops.io._utils import _get_state, get_module, get_state, gettype

    def pandas_get_state(obj: Any, save_context: Any) -> dict[str, Any]:
        return {"__class__": type(obj).__name__, "__module__": get_module(type(obj)),
                "__loader__": _PANDAS_LOADER,
                "content": get_state(_pandas_parts(obj), save_context)}

    def enum_get_state(obj: Any, save_context: Any) -> dict[str, Any]:
        return {"__class__": type(obj).__name__, "__module__": get_module(type(obj)),
                "__loader__": _ENUM_LOADER, "content": obj.name}

    class PandasNode(Node):
        """Builds a pandas object from audited parts (arrays, indexes, plain values)."""

        def __init__(self, state: dict[str, Any], load_context: Any, trusted: Any = None):
            super().__init__(state, load_context, trusted)
            # not trusted by default: the type shows up in get_untrusted_types
            self.trusted = self._get_trusted(trusted, [])
            self.parts = get_tree(state["content"], load_context, trusted=trusted)
            self.children = {"parts": self.parts}

        def _construct(self) -> Any:
            if not self.module_name.startswith("pandas.") or self.class_name not in \
                    _PANDAS_CLASSES:
                raise TypeError(f"Refusing to build {self.module_name}.{self.class_name} "
                                "as a pandas object.")
            return _build_pandas(self.class_name, self.parts.construct())

    class EnumNode(Node):
        """An enum member, looked up by name on its (trusted) class."""

        def __init__(self, state: dict[str, Any], load_context: Any, trusted: Any = None):
            super().__init__(state, load_context, trusted)
            self.trusted = self._get_trusted(trusted, [])
            self.member = str(state["content"])
            self.children: dict[str, Any] = {}

        def _construct(self) -> Any:
            cls = gettype(self.module_name, self.class_name)
            if not (isinstance(cls, type) and issubclass(cls, enum.Enum)):
                raise TypeError(f"{self.module_name}.{self.class_name} is not an Enum.")
            return cls[self.member]

    for cls in (pd.DataFrame, pd.Series, pd.Index):
        _get_state.register(cls)(pandas_get_state)
    _get_state.register(enum.Enum)(enum_get_state)
    NODE_TYPE_MAPPING[(_PANDAS_LOADER, PROTOCOL)] = PandasNode
    NODE_TYPE_MAPPING[(_ENUM_LOADER, PROTOCOL)] = EnumNode
    _registered = True


# --------------------------------------------------------------------------- save and load
def _children(obj: Any) -> list[tuple[str, Any]]:
    if isinstance(obj, dict):
        return [(f"[{k!r}]", v) for k, v in obj.items()]
    if isinstance(obj, (list, tuple)):
        return [(f"[{i}]", v) for i, v in enumerate(obj)]
    state = getattr(obj, "__dict__", None)
    return [(f".{k}", v) for k, v in state.items()] if isinstance(state, dict) else []


def _locate_unsupported(obj: Any, dumps: Any, path: str = "", depth: int = 0) -> tuple[str, Any]:
    """Where, inside ``obj``, the object skops cannot write sits (first one found)."""
    if depth < 25:
        for name, child in _children(obj):
            try:
                dumps(child)
            except Exception:  # noqa: BLE001 - any failure marks the branch to follow
                return _locate_unsupported(child, dumps, path + name, depth + 1)
    return path, obj


def save(obj: Any, path: str | os.PathLike) -> Path:
    """Write a fitted model (or any object skops can describe) to a ``.skops`` file.

    The file is a zip archive of JSON and ``.npy`` arrays (skops format,
    compressed), written to a temporary name and then renamed, so a failed
    save never leaves a truncated model behind. pandas objects and enum
    members inside the model are written too (see the module notes). A
    warning lists the types :func:`load` will not accept by default.

    Parameters
    ----------
    obj : object
        Usually a fitted estimator or ``Pipeline``.
    path : str or path-like
        Destination, conventionally ending in ``.skops``.

    Returns
    -------
    Path

    Raises
    ------
    TypeError
        skops cannot describe part of ``obj``; the message says where
        (attribute path and type). Nothing is written.

    Examples
    --------
    >>> import numpy as np, pandas as pd, tempfile, os
    >>> from stratify.data import save, load
    >>> from stratify.impute import SchemaImputer
    >>> X = pd.DataFrame({"age": [50.0, np.nan, 61.0], "anti_ro": [1, 0, np.nan]})
    >>> imputer = SchemaImputer(method="simple").fit(X)
    >>> path = save(imputer, os.path.join(tempfile.mkdtemp(), "imputer.skops"))
    >>> load(path).transform(X).equals(imputer.transform(X))
    True
    """
    import skops.io as sio

    _register()
    path = Path(path)
    try:
        data = sio.dumps(obj, compression=zipfile.ZIP_DEFLATED)
    except Exception as exc:  # noqa: BLE001 - skops raises many kinds; all mean "cannot write"
        where, inner = _locate_unsupported(obj, sio.dumps)
        inner_type = f"{type(inner).__module__}.{type(inner).__qualname__}"
        raise TypeError(
            f"Cannot save this {type(obj).__name__} safely: skops cannot describe "
            f"{type(obj).__name__}{where} ({inner_type}): {type(exc).__name__}: {exc}. "
            "stratify does not fall back to pickle."
        ) from exc
    untrusted = set(sio.get_untrusted_types(data=data)) - set(TRUSTED_TYPES)
    if untrusted:
        warnings.warn(f"{path.name} holds types that load() does not trust by default: "
                      f"{sorted(untrusted)}; loading it will need trusted=[...].",
                      UserWarning, stacklevel=2)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def load(path: str | os.PathLike, trusted: Iterable[str | type] | None = None, *,
         max_bytes: int | None = MAX_BYTES, max_ratio: float | None = MAX_RATIO) -> Any:
    """Load an object saved by :func:`save`, refusing types nobody vouched for.

    Before anything is built, the file is checked in three steps, each of
    which refuses it with nothing loaded:

    1. The archive: from the zip directory and the first bytes of each
       member, it may expand to at most ``max_bytes`` (default 2 GiB) and,
       beyond 64 MiB, to at most ``max_ratio`` (default 100) times its size
       on disk (stratify's models expand about 6 times); every ``.npy``
       member must be exactly as long as its header says, so a header
       declaring a huge array is refused without allocating it.
    2. The types (``skops.io.get_untrusted_types``): those skops trusts
       itself (scikit-learn estimators, NumPy arrays, builtins) and those in
       :data:`TRUSTED_TYPES` load; any other must be named in ``trusted``.
    3. After loading, before returning: every decision tree in the object
       (scikit-learn ``Tree``, HistGradientBoosting ``TreePredictor``,
       found through pipelines, calibrated and ensemble models, lists and
       dicts) has children that come after their parent and exist, one
       parent per node, leaves marked consistently, feature indices below
       the number of features its estimator was fitted on, no NaN
       threshold, category bitsets that exist, and arrays whose shapes
       agree (``values``, ``max_depth``, HistGradientBoosting's bin mapper
       and baseline); ensembles feed their trees as many features as the
       trees expect. scikit-learn follows these indices in compiled code
       without bounds checks, so a tampered file would otherwise crash the
       process on ``predict``.

    Files that are not skops archives (pickle or joblib files, for
    instance) are refused without being read further: stratify never
    unpickles.

    Parameters
    ----------
    path : str or path-like
    trusted : list of str or type, optional
        Further types to trust for this call (fully qualified names as in the
        error message, or the types themselves).
    max_bytes : int or None, default=2 GiB
        Largest total size the archive's members may expand to; None lifts
        the limit.
    max_ratio : float or None, default=100
        Largest expansion relative to the file's size on disk, for files
        expanding beyond 64 MiB; None lifts the limit.

    Returns
    -------
    object

    Raises
    ------
    UntrustedTypesError
        Listing the untrusted types and how to pass them.
    UnsafeModelError
        The archive or a tree breaks one of the rules above; the message
        names the member or the attribute path and the rule.
    ValueError
        The file is not a skops archive.

    Examples
    --------
    >>> import os, pickle, tempfile
    >>> from stratify.data import load
    >>> path = os.path.join(tempfile.mkdtemp(), "model.pkl")
    >>> with open(path, "wb") as f:
    ...     pickle.dump({"a": 1}, f)
    >>> load(path)
    Traceback (most recent call last):
    ...
    ValueError: ...: not a skops file (a zip archive with schema.json). ...
    """
    import skops.io as sio

    extra = trusted_type_names(trusted)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file.")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: not a skops file (a zip archive with schema.json). "
                         "stratify never unpickles, so pickle and joblib files cannot be "
                         "loaded; save models with stratify.data.save.")
    try:
        check_archive(str(path), path.stat().st_size, max_bytes=max_bytes,
                      max_ratio=max_ratio, label=str(path))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError,
            RuntimeError, EOFError, OSError) as exc:  # damaged, encrypted or exotic archives
        raise ValueError(f"{path}: not a valid skops file ({type(exc).__name__}: {exc}).") \
            from None
    _register()
    try:
        found = sio.get_untrusted_types(file=path)
    except Exception as exc:  # noqa: BLE001 - a malformed archive can fail in many ways
        raise ValueError(f"{path}: not a valid skops file ({type(exc).__name__}: {exc}).") \
            from None
    refused = sorted(set(found) - set(TRUSTED_TYPES) - set(extra))
    if refused:
        raise UntrustedTypesError(str(path), refused)
    obj = sio.load(path, trusted=sorted(found))
    check_models(obj, str(path))
    return obj
