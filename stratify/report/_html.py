"""The self-contained HTML report of a stratification run (figures embedded)."""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["write_report"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:3px solid #0072B2;padding-bottom:.2em}h2{color:#0072B2;margin-top:2em}
table{border-collapse:collapse;font-size:.85em;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}th{background:#f2f2f2}
img{max-width:100%;height:auto;margin:.5em 0}.note{color:#555;font-size:.9em}
nav a{margin-right:1em}
"""

# Marks the page with how many figures decoded, so a headless browser can check them.
_FIGURE_CHECK = (
    "<script>window.addEventListener('load',function(){var im=document.images,ok=0;"
    "for(var i=0;i<im.length;i++){if(im[i].complete&&im[i].naturalWidth>0)ok++;}"
    "document.body.setAttribute('data-figures',ok+'/'+im.length);});</script>"
)


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


def _table_html(table: pd.DataFrame, float_format: str = "{:.3g}") -> str:
    return table.to_html(float_format=lambda v: float_format.format(v), na_rep="",
                         border=0, escape=True)


def _section(title: str, anchor: str, body: str, note: str = "") -> str:
    note_html = f'<p class="note">{html.escape(note)}</p>' if note else ""
    return f'<section id="{anchor}"><h2>{html.escape(title)}</h2>{note_html}{body}</section>'


def write_report(result: Any, out_dir: str | os.PathLike, *, filename: str = "report.html"
                 ) -> Path:
    """Write one self-contained HTML file describing ``result``.

    Sections (each present when its step ran): data quality, Table 1 by
    subgroup, the embedding coloured by subgroup, consensus CDF and matrix,
    subgroup stability, profile heatmap, classifier performance and marker
    panel, SHAP summary, lymphoma risk (cumulative incidence by subgroup,
    C-index against the clinical score, calibration, hazard ratios) and
    replication. Figures are embedded as PNG; tables are aggregates with
    counts under ``min_cell`` suppressed. No patient identifier and no
    patient-level row is written.

    Parameters
    ----------
    result : StratificationResult
    out_dir : str or path
    filename : str, default="report.html"

    Returns
    -------
    Path of the HTML file.

    Examples
    --------
    >>> import tempfile
    >>> from stratify.workflow import StratificationResult
    >>> result = StratificationResult(config={"report": {"min_cell": 5}}, versions={})
    >>> path = write_report(result, tempfile.mkdtemp())
    >>> path.name, "<html" in path.read_text(encoding="utf-8")
    ('report.html', True)
    """
    from .. import plot

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables, artifacts, models = result.tables, result.artifacts, result.models
    sections: list[tuple[str, str, str, str]] = []

    quality = artifacts.get("quality")
    if quality is not None:
        sections.append(("Data quality", "quality", quality.to_html(), ""))

    if "table_one" in tables:
        t1 = tables["table_one"]
        sizes = ", ".join(f"{g}: {n}" for g, n in t1.attrs.get("n", {}).items())
        sections.append(("Table 1 by subgroup", "table-one", _table_html(t1),
                         f"Subgroup sizes: {sizes}. Counts under "
                         f"{result.config['report']['min_cell']} are suppressed; "
                         "q: Benjamini-Hochberg adjusted p."))

    if "cluster" in models:
        cc = models["cluster"]
        body = ""
        embedding = artifacts.get("embedding")
        if embedding is not None and result.labels is not None:
            body += _figure_html(lambda ax: plot.embedding(embedding, result.labels, ax=ax),
                                 "embedding by subgroup", (6.5, 5.0))
        body += _figure_html(lambda ax: plot.consensus_cdf(cc, ax=ax), "consensus CDF")
        body += _figure_html(lambda ax: plot.consensus(cc, ax=ax), "consensus matrix",
                             (5.5, 5.0))
        body += _figure_html(lambda ax: plot.stability(cc, ax=ax), "stability")
        body += _table_html(tables["cluster_scores"])
        sections.append((f"Subgroups (k = {result.k})", "subgroups", body,
                         "Consensus clustering; k chosen by the documented rule of "
                         "ConsensusClustering. Stability: bootstrap Jaccard per subgroup."))

    if "profile" in tables:
        body = _figure_html(lambda ax: plot.profile_heatmap(tables["profile"], ax=ax),
                            "profile heatmap", (7.0, 7.0))
        sections.append(("What defines each subgroup", "profile", body,
                         "Effect size of each variable in each subgroup against the rest."))

    if "classifier_metrics" in tables:
        body = _table_html(tables["classifier_metrics"])
        cv = artifacts.get("classifier_cv")
        if cv is not None and getattr(cv, "confusion", None) is not None:
            body += _figure_html(lambda ax: plot.confusion_matrix(cv, ax=ax), "confusion",
                                 (5.5, 4.5))
        if "panel_curve" in tables and "classifier" in models:
            body += _figure_html(lambda ax: plot.panel_curve(models["classifier"].panel_result_,
                                                             ax=ax), "panel curve")
        if "panel" in artifacts:
            body += "<p>Marker panel: " + html.escape(", ".join(artifacts["panel"])) + "</p>"
        sections.append(("Subgroup classifier", "classifier", body,
                         "Out-of-fold metrics (leave-one-centre-out when centres are "
                         "known) with bootstrap 95% CIs."))

    if "shap_classifier" in artifacts:
        body = _figure_html(lambda ax: plot.shap_summary(artifacts["shap_classifier"],
                                                         kind="bar", ax=ax), "SHAP summary",
                            (7.0, 5.5))
        if "cluster_explanation" in tables:
            body += _table_html(tables["cluster_explanation"].head(40))
        sections.append(("Explanations (SHAP)", "shap", body,
                         "Mean absolute SHAP value per feature (classifier)."))

    if "survival_metrics" in tables:
        body = ""
        if "cif" in artifacts:
            body += _figure_html(lambda ax: plot.cumulative_incidence(artifacts["cif"], ax=ax),
                                 "cumulative incidence of lymphoma by subgroup")
        if "km" in artifacts:
            body += _figure_html(lambda ax: plot.kaplan_meier(artifacts["km"], ax=ax),
                                 "Kaplan-Meier by subgroup", (7.0, 5.5))
        body += _table_html(tables["survival_metrics"])
        if "survival_calibration" in tables:
            body += _figure_html(lambda ax: plot.calibration(
                tables["survival_calibration"], by="horizon", ax=ax,
                title="Calibration of lymphoma risk"), "calibration", (5.5, 5.0))
        if "hazard_ratios" in tables:
            hr = tables["hazard_ratios"]
            body += _figure_html(lambda ax: plot.forest(hr, null=1.0, log=True,
                                                        xlabel="Hazard ratio (95% CI)", ax=ax),
                                 "hazard ratios", (6.5, 0.4 * len(hr) + 1.5))
        sections.append(("Lymphoma risk", "lymphoma", body,
                         "Cause-specific model (death censored) compared with the "
                         "seven-factor clinical score; cumulative incidence treats death "
                         "as a competing risk (Aalen-Johansen)."))

    if "replication" in tables:
        sections.append(("Replication in the external cohort", "replication",
                         _table_html(tables["replication"]),
                         "Prediction strength, in-group proportion and agreement between "
                         "transferred labels and reclustering."))

    excluded = result.excluded
    if len(excluded):
        counts = excluded.groupby(["step", "reason"]).size().rename("patients").to_frame()
        from ._table_one import suppress_small

        counts["patients"] = suppress_small(counts["patients"],
                                            int(result.config["report"]["min_cell"]))
        sections.append(("Patients excluded from a step", "excluded", _table_html(counts), ""))

    versions = pd.Series(result.versions, name="version").to_frame()
    sections.append(("Versions and settings", "settings", _table_html(versions)
                     + "<pre>" + html.escape(_config_text(result.config)) + "</pre>", ""))

    nav = "<nav>" + "".join(f'<a href="#{a}">{html.escape(t)}</a>'
                            for t, a, _, _ in sections) + "</nav>"
    body = "".join(_section(t, a, b, n) for t, a, b, n in sections)
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>stratify report</title><style>{_CSS}</style></head><body>"
            f"<h1>Stratification report</h1>{nav}{body}{_FIGURE_CHECK}</body></html>")
    path = out / filename
    path.write_text(page, encoding="utf-8")
    return path


def _config_text(config: dict, indent: str = "") -> str:
    lines = []
    for key, value in config.items():
        if isinstance(value, dict):
            lines.append(f"{indent}[{key}]")
            lines.append(_config_text(value, indent + "  "))
        else:
            lines.append(f"{indent}{key} = {value!r}")
    return "\n".join(lines)
