"""Package-wide conventions: lazy imports, public surfaces, CLI basics."""

import importlib
import subprocess
import sys

import pytest

import stratify

HEAVY = ("shap", "umap", "lifelines", "hdbscan", "dask", "distributed", "sksurv", "numba",
         "matplotlib", "sklearn")


def test_import_stratify_imports_no_heavy_library():
    code = (
        "import sys, stratify, stratify.data; "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", [n for n in stratify._SUBPACKAGES if n != "workflow"])
def test_subpackages_declare_their_public_surface(name):
    module = importlib.import_module(f"stratify.{name}")
    assert module.__doc__, f"stratify.{name} has no docstring"
    assert isinstance(module.__all__, list)
    for public in module.__all__:
        assert not public.startswith("_") or public == "__version__"
        assert getattr(module, public) is not None


def test_package_docstring_lists_every_subpackage():
    for name in stratify._SUBPACKAGES:
        if name != "workflow":
            assert f"``{name}``" in stratify.__doc__


def test_version_and_cli():
    from stratify.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0


def test_cli_validate(tmp_path, capsys):
    from stratify.cli import main

    good = tmp_path / "good.csv"
    good.write_text("patient_id,age,anti_ro\np1,50,1\np2,61,0\n")
    assert main(["validate", str(good)]) == 0
    assert "2 patients" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("patient_id,age,anti_ro\np1,50,1\np2,61,5\n")
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "anti_ro" in err and "p2" in err
