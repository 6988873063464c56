"""The self-contained HTML report of a stratification run (figures embedded)."""

from __future__ import annotations

import base64
import dataclasses
import html
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["write_report"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:3px solid #0072B2;padding-bottom:.2em}h2{color:#0072B2;margin-top:2em}
table{border-collapse:collapse;font-size:.85em;margin:1em 0;display:block;max-width:100%;
overflow-x:auto}
td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}th{background:#f2f2f2}
img{max-width:100%;height:auto;margin:.5em 0}.note{color:#555;font-size:.9em}
figure{margin:1em 0}figcaption{color:#555;font-size:.9em}pre{white-space:pre-wrap}
nav a{margin-right:1em}
"""

# Marks the page with how many figures decoded, so a headless browser can check them.
_FIGURE_CHECK = (
    "<script>window.addEventListener('load',function(){var im=document.images,ok=0,bad=[];"
    "for(var i=0;i<im.length;i++){if(im[i].complete&&im[i].naturalWidth>0)ok++;"
    "else bad.push(im[i].alt);}"
    "document.body.setAttribute('data-figures',ok+'/'+im.length);"
    "document.body.setAttribute('data-broken-figures',bad.join('|'));});</script>"
)


def _inference_note(table: pd.DataFrame) -> str:
    """What Table 1's p-values are worth (``attrs["inference"]`` of ``table_one``)."""
    if table.attrs.get("inference") == "tests":
        return ("The variables the subgroups were found from are marked 'descriptive' and "
                "have no p-value: subgroups found from them differ on them by "
                "construction. The other p-values are tests of association with the "
                "subgroups.")
    return ("The p-values are descriptive: the subgroups may have been found from these "
            "variables, which then differ between them by construction.")


def _figure_html(draw: Callable[[Any], Any], alt: str, figsize=(7.0, 4.5)) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    try:
        draw(ax)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110)
    finally:
        plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _figure(draw: Callable[[Any], Any], caption: str, figsize=(7.0, 4.5)) -> str:
    """A captioned, embedded figure (the caption names what a reader looks for).

    A figure that cannot be drawn from these results becomes a sentence saying
    so, and the rest of the report is still written: the plots handle the
    degenerate inputs known to occur (empty curves, one subgroup), this is the
    last resort for the ones not foreseen.
    """
    try:
        image = _figure_html(draw, caption, figsize)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
        return (f'<p class="note">Could not draw "{html.escape(caption)}": '
                f"{html.escape(type(error).__name__)}: {html.escape(str(error))}</p>")
    return f"<figure>{image}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _table_html(table: pd.DataFrame, float_format: str = "{:.3g}") -> str:
    """A table as HTML for a reader: missing cells empty (never ``<NA>``), a row number
    index (0, 1, 2 ...) left out, numbers to three significant figures."""
    table = table.copy()
    for column in table.columns:
        values = table[column]
        if isinstance(values.dtype, pd.api.extensions.ExtensionDtype) and values.isna().any():
            # nullable integers print <NA>: their missing cells become empty text
            table[column] = values.astype(object).where(values.notna(), "")
    plain_index = (isinstance(table.index, pd.RangeIndex) and table.index.name is None
                   and table.index.start == 0 and table.index.step == 1)
    return table.to_html(float_format=lambda v: float_format.format(v), na_rep="",
                         border=0, escape=True, index=not plain_index)


def _section(title: str, anchor: str, body: str, note: str = "") -> str:
    note_html = f'<p class="note">{html.escape(note)}</p>' if note else ""
    return f'<section id="{anchor}"><h2>{html.escape(title)}</h2>{note_html}{body}</section>'


def _subgroup_name(code: Any) -> str:
    """The report's name of a ConsensusClustering label (0 -> "S1"), as in result.labels."""
    return f"S{int(code) + 1}"


def _protect_confusion(ax: Any, matrix: pd.DataFrame, labels: pd.Series | None,
                       min_cell: int) -> None:
    """Rewrite a drawn confusion matrix's annotations and colours as printed.

    See :func:`~stratify._utils.count_texts.confusion_texts`.
    """
    from .._utils.count_texts import confusion_texts

    texts, share_shown = confusion_texts(matrix, labels, min_cell)
    totals = matrix.sum(axis=1).to_numpy(dtype=float)
    for text in ax.texts:
        j, i = (int(round(v)) for v in text.get_position())
        if not (0 <= i < texts.shape[0] and 0 <= j < texts.shape[1]):
            continue
        label = texts.iloc[i, j]
        if label.isdigit() and share_shown.iloc[i] and totals[i] > 0:
            label += f"\n{int(label) / totals[i]:.0%}"
        text.set_text(label)
    hide = ~(texts.map(str.isdigit).to_numpy() & share_shown.to_numpy()[:, None])
    for image in ax.images:
        data = np.ma.masked_array(np.asarray(image.get_array()), mask=hide)
        image.set_data(data)
        image.set_cmap(image.get_cmap().with_extremes(bad="#d9d9d9"))


def _at_risk_cutoffs(km: Any, min_cell: int) -> dict[Any, float]:
    """Per group, the first time fewer than ``min_cell`` patients are at risk."""
    cutoffs = {}
    for group in km.groups:
        curve = km.curves[km.curves["group"] == group]
        small = curve.loc[curve["at_risk"] < min_cell, "time"]
        cutoffs[group] = float(small.min()) if len(small) else np.inf
    return cutoffs


def _undrawn_groups(km: Any, cutoffs: dict[Any, float]) -> list[str]:
    """Groups whose curve is cut before its first point (too few at risk from the start)."""
    if km is None:
        return []
    first = km.curves.groupby("group")["time"].min()
    return [str(g) for g, cutoff in cutoffs.items() if g in first.index
            and cutoff <= first[g]]


def _trim_curves(result: Any, cutoffs: dict[Any, float], min_cell: int) -> Any:
    """Curves cut where fewer than ``min_cell`` patients remain at risk; at-risk columns
    holding a count from 1 to ``min_cell - 1`` dropped. Tails with a handful of
    patients are both unreliable and, in a shared report, small cells."""
    keep = np.ones(len(result.curves), dtype=bool)
    for group, cutoff in cutoffs.items():
        keep &= ~((result.curves["group"] == group) & (result.curves["time"] >= cutoff)
                  ).to_numpy()
    at_risk = result.at_risk
    small = ((at_risk > 0) & (at_risk < min_cell)).any(axis=0)
    return dataclasses.replace(result, curves=result.curves[keep],
                               at_risk=at_risk.loc[:, ~small])


def _log_ratio_axis(ax: Any) -> None:
    """Plain-number ticks (0.5, 1, 2 ...) on a log-scaled ratio axis."""
    from matplotlib.ticker import FixedLocator, NullFormatter, ScalarFormatter

    low, high = ax.get_xlim()
    ticks = [t for t in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50) if low <= t <= high]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())


def _draw_stability(model: Any, ax: Any) -> Any:
    from .. import plot

    plot.stability(model, ax=ax)
    ax.set_xticks(ax.get_xticks(), [_subgroup_name(t.get_text())
                                     for t in ax.get_xticklabels()])
    ax.set_title("Subgroup stability: bootstrap Jaccard (Hennig 2007)")
    return ax


def _draw_embedding(embedding: Any, labels: pd.Series, ax: Any) -> Any:
    from .. import plot

    frame = pd.DataFrame(np.asarray(embedding)[:, :2], columns=["PC1", "PC2"])
    plot.embedding(frame, labels.to_numpy(), ax=ax,
                   title="Patients by subgroup (first two principal components)")
    return ax


def _draw_hazard_ratios(table: pd.DataFrame, ax: Any) -> Any:
    from .. import plot

    plot.forest(table, null=1.0, log=True, ax=ax, xlabel="Hazard ratio (95% CI, log scale)",
                title="Lymphoma model: hazard ratios (death censored)")
    _log_ratio_axis(ax)
    return ax


def _draw_risk_calibration(table: pd.DataFrame, ax: Any) -> Any:
    from .. import plot

    plot.calibration(table, by="horizon", ax=ax, title="Calibration of lymphoma risk")
    for text in ax.get_legend().get_texts():
        if text.get_text().startswith("horizon "):
            text.set_text(f"{float(text.get_text().split()[1]):g}-year risk")
    return ax


def write_report(result: Any, out_dir: str | os.PathLike, *, filename: str = "report.html"
                 ) -> Path:
    """Write one self-contained HTML file describing ``result``.

    Sections (each present when its step ran): data quality, Table 1 by
    subgroup, the embedding coloured by subgroup, consensus CDF and matrix,
    subgroup stability, profile heatmap, classifier performance (confusion,
    calibration) and marker panel, SHAP summary, lymphoma risk (cumulative
    incidence and Kaplan-Meier by subgroup, C-index against the clinical
    score, calibration, hazard ratios) and replication. Figures are embedded
    as PNG (data URIs) with a caption each; the page marks on load how many
    figures decoded (``data-figures`` on ``<body>``, read by
    ``scripts/check_report_in_browser.py``).

    Disclosure: tables are aggregates; counts from 1 to ``min_cell - 1``
    (``config["report"]["min_cell"]``) are hidden in tables and in the
    confusion matrix together with complementary cells, so that none can be
    recomputed from the totals shown (subgroup sizes, numbers of patients;
    see :func:`stratify.report.suppress_small_cells`), and survival curves
    stop where fewer than ``min_cell`` patients remain at risk. No patient identifier and no patient-level row
    is written (the embedding shows patients as unlabelled points).

    Parameters
    ----------
    result : StratificationResult
    out_dir : str or path
        Created if needed.
    filename : str, default="report.html"

    Returns
    -------
    Path
        The HTML file.

    Examples
    --------
    >>> import tempfile
    >>> from stratify.workflow import StratificationResult
    >>> result = StratificationResult(config={"report": {"min_cell": 5}}, versions={})
    >>> path = write_report(result, tempfile.mkdtemp())
    >>> path.name, "<html" in path.read_text(encoding="utf-8")
    ('report.html', True)
    """
    from ._sections import SECTIONS

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    min_cell = int(result.config["report"]["min_cell"])
    sections = [part for section in SECTIONS
                if (part := section(result, min_cell)) is not None]
    nav = "<nav>" + "".join(f'<a href="#{a}">{html.escape(t)}</a>'
                            for t, a, _, _ in sections) + "</nav>"
    body = "".join(_section(t, a, b, n) for t, a, b, n in sections)
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>stratify report</title><style>{_CSS}</style></head><body>"
            f"<h1>Stratification report</h1>{nav}{body}{_FIGURE_CHECK}</body></html>")
    path = out / filename
    path.write_text(page, encoding="utf-8")
    return path


def _config_text(config: dict) -> str:
    """The configuration as TOML, readable back by ``stratify run --config``."""
    from .._utils.toml import toml_text

    return toml_text(config)
