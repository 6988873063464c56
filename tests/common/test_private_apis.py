"""Private names of other packages that stratify relies on, checked on every run.

scikit-learn, skops, scikit-survival and lifelines may rename or remove a
``_``-prefixed name in any release. Where no public equivalent exists,
stratify keeps using the private one, and these tests fail first, with a
message naming the package, its installed version and the stratify module
to adapt, instead of an obscure error deep inside a fit or a load.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
from numbers import Integral, Real

import numpy as np
import pytest

# (distribution, module, names, where stratify uses them)
PRIVATE_NAMES = [
    ("scikit-learn", "sklearn.base", ["_fit_context"],
     "the fit methods of every stratify estimator (parameter validation)"),
    ("scikit-learn", "sklearn.utils._param_validation", ["Interval", "StrOptions"],
     "the _parameter_constraints of every stratify estimator"),
    ("scikit-learn", "sklearn.tree._tree", ["Tree"],
     "stratify/data/_model_checks.py (index checks of loaded trees)"),
    ("scikit-learn", "sklearn.ensemble._hist_gradient_boosting.common",
     ["PREDICTOR_RECORD_DTYPE", "X_BITSET_INNER_DTYPE"],
     "stratify/data/_model_checks.py (index checks of loaded gradient boosting)"),
    ("skops", "skops.io._audit", ["NODE_TYPE_MAPPING", "Node", "get_tree"],
     "stratify/data/_persist.py (_register: pandas and enum loaders)"),
    ("skops", "skops.io._protocol", ["PROTOCOL"],
     "stratify/data/_persist.py (_register: pandas and enum loaders)"),
    ("skops", "skops.io._utils", ["_get_state", "get_module", "get_state", "gettype"],
     "stratify/data/_persist.py (_register: pandas and enum writers)"),
    ("scikit-survival", "sksurv.ensemble._coxph_loss", ["coxph_loss", "coxph_negative_gradient"],
     "tests/survival/test_survival_model.py (reference for the fast Cox loss)"),
]


def _broken(distribution: str, what: str, where: str, detail: str) -> str:
    version = importlib.metadata.version(distribution)
    return (f"{what} is not what stratify expects under {distribution} {version} ({detail}). "
            f"stratify relies on this private name in {where}: the upgrade to "
            f"{distribution} {version} broke it. Adapt that code to {distribution} {version}, "
            f"or cap {distribution} below {version} in pyproject.toml until it is adapted.")


@pytest.mark.parametrize(("distribution", "module", "names", "where"), PRIVATE_NAMES,
                         ids=[row[1] for row in PRIVATE_NAMES])
def test_private_names_still_exist(distribution, module, names, where):
    try:
        imported = importlib.import_module(module)
    except ImportError as exc:
        pytest.fail(_broken(distribution, f"module {module}", where, f"{exc}"))
    missing = [name for name in names if not hasattr(imported, name)]
    if missing:
        pytest.fail(_broken(distribution, f"{module}.{', '.join(missing)}", where,
                            "no such attribute"))


def test_parameter_validation_contract():
    """Interval, StrOptions and _fit_context as stratify's estimators use them."""
    from sklearn.base import BaseEstimator, _fit_context
    from sklearn.utils._param_validation import Interval, StrOptions

    class Probe(BaseEstimator):
        _parameter_constraints = {"n": [Interval(Integral, 1, None, closed="left")],
                                  "share": [Interval(Real, 0, 1, closed="both")],
                                  "method": [StrOptions({"a", "b"})]}

        def __init__(self, *, n=1, share=0.5, method="a"):
            self.n, self.share, self.method = n, share, method

        @_fit_context(prefer_skip_nested_validation=True)
        def fit(self, X, y=None):
            self.fitted_ = True
            return self

    where = "the fit methods and _parameter_constraints of every stratify estimator"
    X = np.zeros((3, 1))
    try:
        assert Probe(n=2, share=1.0, method="b").fit(X).fitted_
    except Exception as exc:  # noqa: BLE001 - any failure means the contract changed
        pytest.fail(_broken("scikit-learn", "_fit_context with Interval/StrOptions", where,
                            f"valid parameters fail: {type(exc).__name__}: {exc}"))
    for bad in ({"n": 0}, {"share": 1.5}, {"method": "c"}):
        name = next(iter(bad))
        with pytest.raises(ValueError, match=f"The '{name}' parameter of Probe must be"):
            Probe(**bad).fit(X)


def test_skops_extension_points_contract():
    """What stratify/data/_persist.py's _register does with skops's private names."""
    from skops.io._audit import NODE_TYPE_MAPPING, Node
    from skops.io._protocol import PROTOCOL
    from skops.io._utils import _get_state

    where = "stratify/data/_persist.py (_register)"
    if not callable(getattr(_get_state, "register", None)):
        pytest.fail(_broken("skops", "skops.io._utils._get_state.register", where,
                            "_get_state is no longer a singledispatch function"))
    if not isinstance(NODE_TYPE_MAPPING, dict) or not any(
            key[1] == PROTOCOL for key in NODE_TYPE_MAPPING):
        pytest.fail(_broken("skops", "skops.io._audit.NODE_TYPE_MAPPING", where,
                            "no longer a dict keyed by (loader name, PROTOCOL)"))
    parameters = list(inspect.signature(Node.__init__).parameters)
    if parameters[:4] != ["self", "state", "load_context", "trusted"] or not hasattr(
            Node, "_get_trusted") or not hasattr(Node, "_construct"):
        pytest.fail(_broken("skops", "skops.io._audit.Node", where,
                            f"__init__ takes {parameters}; _get_trusted and _construct needed"))


def _trusted_names():
    from stratify.data._persist import TRUSTED_TYPES

    distributions = {"sklearn": "scikit-learn", "sksurv": "scikit-survival",
                     "lifelines": "lifelines", "pandas": "pandas", "numpy": "numpy"}
    return [(distributions[name.split(".")[0]], name) for name in TRUSTED_TYPES
            if name.split(".")[0] in distributions]


@pytest.mark.parametrize(("distribution", "name"), _trusted_names(),
                         ids=[name for _, name in _trusted_names()])
def test_trusted_types_of_other_packages_still_exist(distribution, name):
    """Every type that load() trusts by name (many private) must still be there."""
    module, _, attribute = name.rpartition(".")
    where = "stratify/data/_persist.py (TRUSTED_TYPES)"
    try:
        found = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as exc:
        pytest.fail(_broken(distribution, name, where, f"{type(exc).__name__}: {exc}"))
    assert callable(found), name
