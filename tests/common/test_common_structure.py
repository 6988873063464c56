"""The package's layout conventions (public names re-exported, private helpers in
_-prefixed modules, numpydoc docstrings), held by a test (as scanpy's test_package_structure does)."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import stratify

PACKAGE = Path(stratify.__file__).parent
SUBPACKAGES = [n for n in stratify._SUBPACKAGES
               if (PACKAGE / n).is_dir()]


def _public_objects():
    for name in SUBPACKAGES:
        module = importlib.import_module(f"stratify.{name}")
        for public in module.__all__:
            obj = getattr(module, public)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                yield f"stratify.{name}.{public}", obj


PUBLIC = list(_public_objects())


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_code_lives_in_private_modules(name):
    """Each subpackage's modules are private; its ``__init__`` is the public surface."""
    public_modules = [m.name for m in pkgutil.iter_modules([str(PACKAGE / name)])
                      if not m.name.startswith("_")]
    assert public_modules == [], f"stratify.{name} has public modules {public_modules}"


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_init_docstring_names_every_public_name(name):
    module = importlib.import_module(f"stratify.{name}")
    undocumented = [p for p in module.__all__ if p not in (module.__doc__ or "")]
    assert not undocumented, f"stratify.{name}.__doc__ does not mention {undocumented}"


@pytest.mark.parametrize("qualname, obj", PUBLIC, ids=[q for q, _ in PUBLIC])
def test_public_names_have_numpydoc_with_examples(qualname, obj):
    doc = inspect.getdoc(obj) or ""
    assert doc, f"{qualname} has no docstring"
    if inspect.isclass(obj) and (issubclass(obj, Exception) or dataclasses.is_dataclass(obj)):
        return  # result containers and errors are documented by the functions that make them
    assert "Examples\n--------" in doc, f"{qualname} has no Examples section"


ESTIMATORS = [(q, o) for q, o in PUBLIC if inspect.isclass(o) and hasattr(o, "get_params")]

# Parameters an estimator cannot do without (as ColumnTransformer's ``transformers``),
# with a minimal valid value to build it.
REQUIRED = {"mapping": {"centres": {}}}

# The main argument of an estimator, which may also be given by position
# (``SubgroupClassifier("logistic")``, ``Harmonizer(mapping)``); every other
# parameter of every estimator is keyword-only.
MAIN_ARGUMENT = {"stratify.classify.SubgroupClassifier": "estimator",
                 "stratify.data.Harmonizer": "mapping"}


@pytest.mark.parametrize("qualname, cls", ESTIMATORS, ids=[q for q, _ in ESTIMATORS])
def test_estimators_store_keyword_parameters_only(qualname, cls):
    """``__init__`` takes keyword-only parameters and stores each under its own name.

    As in scikit-learn (SLEP009), the one exception is an estimator's main
    argument, listed in ``MAIN_ARGUMENT``: it comes first and may be positional.
    """
    signature = inspect.signature(cls.__init__)
    params = [p for p in signature.parameters.values() if p.name != "self"]
    main = MAIN_ARGUMENT.get(qualname)
    positional = [p.name for p in params if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    assert positional == ([main] if main else []), \
        f"{qualname}.__init__: parameters not keyword-only: {positional}"
    if main:
        assert params[0].name == main and \
            params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, qualname
    required = {p.name: REQUIRED[p.name] for p in params if p.default is p.empty}
    estimator = cls(**required)
    assert set(estimator.get_params(deep=False)) == {p.name for p in params}
    for p in params:
        if p.name in required:
            assert getattr(estimator, p.name) is required[p.name], qualname
            continue
        assert getattr(estimator, p.name) is p.default or getattr(estimator, p.name) == \
            p.default, f"{qualname}.__init__ changes {p.name!r}"


def test_plot_functions_take_ax():
    from stratify import plot

    for name in plot.__all__:
        obj = getattr(plot, name)
        if callable(obj):
            assert "ax" in inspect.signature(obj).parameters or \
                "fig" in inspect.signature(obj).parameters, f"stratify.plot.{name} has no ax="
