"""A subpackage's own _-modules and _-names are used only inside that subpackage.

``lint-imports`` (configured in ``.importlinter``) holds the layers; this test
holds the rule import-linter does not see: a private module or name (a part
of its dotted name starting with ``_``) of a subpackage (``stratify.data``,
``stratify.cluster``...) may only be imported from within that subpackage;
other subpackages use the names its ``__init__`` exports. Top-level
``stratify._x`` modules (``stratify._utils``, ``stratify._frames``...) belong to
``stratify`` itself, so every module may import them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import stratify

PACKAGE = Path(stratify.__file__).parent

# Imports that break the rule and are known (none left).
KNOWN: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """Absolute dotted names an import statement reaches (module, or module.name)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = module.split(".")
        base = base if is_package else base[:-1]
        base = base[:len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    return [f"{target}.{alias.name}" for alias in node.names if alias.name != "*"]


def _violations(module: str, tree: ast.AST, is_package: bool) -> list[tuple[str, str]]:
    """(module, private name) for each private module or name of a public subpackage
    (``stratify.<sub>._x``, ``stratify.<sub>._x._y``, ``stratify.<sub>.x._y``)
    imported from outside that subpackage."""
    found = []
    for node in ast.walk(tree):
        for name in _imported(node, module, is_package):
            parts = name.split(".")
            if parts[0] != "stratify" or len(parts) < 3 or _is_private(parts[1]):
                continue  # outside stratify, or stratify's own top-level modules
            owner = ".".join(parts[:2])
            if module == owner or module.startswith(owner + "."):
                continue
            private = next((i for i, part in enumerate(parts[2:], start=2)
                            if _is_private(part)), None)
            if private is not None:
                found.append((module, ".".join(parts[:private + 1])))
    return found


def _all_violations() -> set[tuple[str, str]]:
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found.update(_violations(_module_name(path), tree, path.name == "__init__.py"))
    return found


def test_no_import_of_another_packages_private_modules_or_names():
    unexpected = sorted(_all_violations() - KNOWN)
    assert not unexpected, ("private modules or names imported from outside their package "
                            f"(import the package's public name, or move the helper to "
                            f"stratify._utils): {unexpected}")


def test_the_scan_sees_a_cross_package_private_import():
    tree = ast.parse("from ..data._validate import Problem\nfrom ..preprocess import _quote\n"
                     "from .._utils.rows import describe_rows\nfrom ._checks import x\n")
    found = _violations("stratify.cluster._profile", tree, is_package=False)
    assert found == [("stratify.cluster._profile", "stratify.data._validate"),
                     ("stratify.cluster._profile", "stratify.preprocess._quote")]
