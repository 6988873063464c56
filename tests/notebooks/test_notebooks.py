"""The tutorials in notebooks/ run from top to bottom and are stored executed, figures shown.

The documentation site renders the stored outputs (mkdocs-jupyter, execute: false), so
a figure must be in the committed notebook: every cell that draws one has an image.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = ["01_quickstart", "02_harmonizing_centre_exports", "03_subgroups_and_markers",
            "04_lymphoma_risk", "05_treatment_response", "06_reproducing_the_benchmark"]


def test_every_tutorial_is_there():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


PLOT_CALL = re.compile(r"\bst\.plot\.\w+\(|\bplt\.(?!show)\w+\(")


def _code(notebook):
    return [c for c in notebook.cells if c.cell_type == "code"]


def _images(cell):
    return [o for o in cell.outputs if "image/png" in o.get("data", {})]


def _missing_figures(notebook):
    return [c.source.splitlines()[0] for c in _code(notebook)
            if PLOT_CALL.search(c.source) and not _images(c)]


def test_the_plot_call_pattern():
    assert PLOT_CALL.search("st.plot.forest(effects)\nplt.show()")
    assert PLOT_CALL.search("fig, ax = plt.subplots()")
    assert not PLOT_CALL.search("plt.show()") and not PLOT_CALL.search("import stratify as st")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_executed_with_its_figures(path):
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(path, as_version=4)
    counts = [c.execution_count for c in _code(notebook)]
    assert counts == list(range(1, len(counts) + 1)), \
        f"{path.name}: execute it from top to bottom before committing (docs/guide/tutorials.md)"
    assert not [o for c in _code(notebook) for o in c.outputs if o.output_type == "error"]
    assert not _missing_figures(notebook), f"{path.name}: a plot cell shows no figure"
    assert not any('matplotlib.use("Agg")' in c.source for c in _code(notebook))


def test_the_tutorials_show_their_figures():
    nbformat = pytest.importorskip("nbformat")
    figures = sum(len(_images(c)) for p in NOTEBOOKS
                  for c in _code(nbformat.read(p, as_version=4)))
    assert figures >= 7  # seven plot calls in notebooks 03-05


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    assert not _missing_figures(notebook), f"{path.name}: a plot cell shows no figure"
