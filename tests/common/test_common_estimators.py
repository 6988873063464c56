"""Every public estimator goes through scikit-learn's common checks.

The checks themselves run next to each estimator's own tests (each needs its own
fast parameters and its own documented expected failures); this test holds the
rule that none is forgotten: a new public estimator must appear in a
``parametrize_with_checks`` call, or here with the reason it cannot.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

import stratify

TESTS = Path(__file__).parents[1]

EXEMPT = {
    "Harmonizer": "transforms a dict of centre exports (one frame per centre) onto the "
                  "schema, not an array; its own tests cover fit/transform/get_params",
    "LymphomaRiskModel": "needs a structured survival target (event, time); scikit-survival's "
                         "estimators are exempt from check_estimator for the same reason",
}


def _public_estimators() -> list[str]:
    names = []
    for sub in stratify._SUBPACKAGES:
        module = importlib.import_module(f"stratify.{sub}")
        for public in getattr(module, "__all__", []):
            obj = getattr(module, public)
            if inspect.isclass(obj) and hasattr(obj, "get_params"):
                names.append(public)
    return names


def _names_checked() -> set[str]:
    checked: set[str] = set()
    for path in TESTS.rglob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None)
                    == "parametrize_with_checks" and node.args):
                checked |= {n.id for n in ast.walk(node.args[0]) if isinstance(n, ast.Name)}
    return checked


@pytest.mark.parametrize("name", _public_estimators())
def test_every_public_estimator_is_checked(name):
    if name in EXEMPT:
        assert name not in _names_checked(), f"{name} is checked now: drop its exemption"
        return
    assert name in _names_checked(), (
        f"{name} is a public estimator but no test passes it to parametrize_with_checks")
