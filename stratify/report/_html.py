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
table{border-collapse:collapse;font-size:.85em;margin:1em 0}
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
    return table.to_html(float_format=lambda v: float_format.format(v), na_rep="",
                         border=0, escape=True)


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
    from .. import plot
    from .._utils.count_texts import exclusion_texts

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables, artifacts, models = result.tables, result.artifacts, result.models
    min_cell = int(result.config["report"]["min_cell"])
    sections: list[tuple[str, str, str, str]] = []

    if result.k == 1 and "cluster" in models:
        reason = artifacts.get("no_structure", "")
        note = ("The consensus clustering found no k whose subgroups beat the reference "
                "without structure: every patient is in one group, and the steps that "
                "compare subgroups (profile, Table 1, classifier, explanations, "
                "replication) were not run. The lymphoma risk model was fitted on the "
                "whole cohort.")
        body = (f"<p>{html.escape(reason)}</p>" if reason else "") + _table_html(
            tables["cluster_scores"])
        sections.append(("No subgroup structure was found", "no-structure", body,
                         note + " The table is the evidence: the clustering's score of "
                         "each k against the reference."))

    overview = [line for line in result.summary().splitlines()[2:]
                if not line.startswith(("excluded from", "skipped ", "time:"))]
    if overview:
        sections.append(("At a glance", "overview",
                         "<pre>" + html.escape("\n".join(overview)) + "</pre>", ""))

    skipped = result.skipped
    if skipped:
        table = pd.DataFrame({"reason": list(skipped.values())},
                             index=pd.Index(list(skipped), name="step"))
        sections.append(("Steps not run", "skipped", _table_html(table),
                         "Each step that could not run on these data, and why; the other "
                         "steps ran."))

    if "table_one" in tables:
        t1 = tables["table_one"]
        sizes = ", ".join(f"{g}: {n}" for g, n in t1.attrs.get("n", {}).items())
        sections.append(("Table 1 by subgroup", "table-one", _table_html(t1),
                         f"Subgroup sizes: {sizes}. Counts under {min_cell} are suppressed "
                         "(shown as '<5'; '(s)': a second cell hidden so that the first "
                         "cannot be recovered); q: Benjamini-Hochberg adjusted p; SMD: "
                         "largest standardized mean difference between two subgroups. "
                         + _inference_note(t1)))

    if "cluster" in models:
        cc = models["cluster"]
        body = ""
        embedding = artifacts.get("embedding")
        if embedding is not None and result.labels is not None and result.k != 1:
            body += _figure(lambda ax: _draw_embedding(embedding, result.labels, ax),
                            "Embedding: patients coloured by subgroup", (6.5, 5.0))
        body += _figure(lambda ax: plot.consensus_cdf(cc, ax=ax),
                        "Consensus CDF for each number of subgroups k")
        if result.k != 1:
            body += _figure(lambda ax: plot.consensus(cc, ax=ax),
                            "Consensus matrix at the chosen k", (5.5, 5.0))
            body += _figure(lambda ax: _draw_stability(cc, ax), "Stability of each subgroup")
            body += _table_html(tables["cluster_scores"])
        title = ("Subgroups (k = 1: none found)" if result.k == 1
                 else f"Subgroups (k = {result.k})")
        sections.append((title, "subgroups", body,
                         "Consensus clustering; k chosen by the documented rule of "
                         "ConsensusClustering. Stability: bootstrap Jaccard per subgroup."))

    if "profile" in tables:
        body = _figure(lambda ax: plot.profile_heatmap(tables["profile"], ax=ax),
                       "Profile heatmap: what distinguishes each subgroup", (7.0, 7.0))
        sections.append(("What defines each subgroup", "profile", body,
                         "Effect size of each variable in each subgroup against the rest. "
                         + artifacts.get("profile_note", "")))

    if "classifier_metrics" in tables:
        metrics = tables["classifier_metrics"]
        body = _table_html(metrics)
        if "suppressed" in metrics.columns and metrics["suppressed"].any():
            body += ("<p class=\"note\">Empty values are withheld: with the subgroup sizes "
                     f"they would give back a count of the confusion matrix under {min_cell} "
                     "(recall: its diagonal count; balanced accuracy and macro F1: an "
                     "equation in the counts). Intervals come from resampled patients and "
                     "are kept.</p>")
        cv = artifacts.get("classifier_cv")
        if cv is not None and getattr(cv, "confusion", None) is not None:
            def confusion(ax: Any) -> Any:
                plot.confusion_matrix(cv, ax=ax)
                _protect_confusion(ax, cv.confusion, result.labels, min_cell)
                ax.set_title("Confusion matrix (out of fold)")
                return ax

            body += _figure(confusion, "Confusion matrix of the subgroup classifier",
                            (5.5, 4.5))
        if "panel_curve" in tables and "classifier" in models:
            body += _figure(lambda ax: plot.panel_curve(models["classifier"].panel_result_,
                                                        ax=ax), "Marker panel size")
        if "panel" in artifacts:
            body += "<p>Marker panel: " + html.escape(", ".join(artifacts["panel"])) + "</p>"
        settings = result.config.get("classify", {})
        panel_note = ("; the marker panel is selected again inside every training part"
                      if settings.get("panel_size") else "")
        folds = artifacts.get("classifier_folds")
        folds = f"; {folds}" if folds else ""
        sections.append(("Subgroup classifier", "classifier", body,
                         f"Model: {settings.get('estimator', '')}. Out-of-fold metrics "
                         f"(leave-one-centre-out when centres are known{panel_note}{folds}) "
                         "with bootstrap 95% CIs."))

    if "shap_classifier" in artifacts:
        body = _figure(lambda ax: plot.shap_summary(artifacts["shap_classifier"],
                                                    kind="bar", ax=ax),
                       "SHAP summary: mean |SHAP| per marker and subgroup", (7.0, 5.5))
        if "cluster_explanation" in tables:
            body += _table_html(tables["cluster_explanation"].head(40))
        sections.append(("Explanations (SHAP)", "shap", body,
                         "Mean absolute SHAP value per feature (classifier)."))

    if "survival_metrics" in tables:
        body = ""
        km, cif = artifacts.get("km"), artifacts.get("cif")
        cutoffs = _at_risk_cutoffs(km, min_cell) if km is not None else {}
        undrawn = _undrawn_groups(km, cutoffs)
        if cif is not None:
            trimmed_cif = _trim_curves(cif, cutoffs, min_cell)
            body += _figure(lambda ax: plot.cumulative_incidence(trimmed_cif, ax=ax),
                            "Cumulative incidence of lymphoma by subgroup")
        if km is not None:
            trimmed_km = _trim_curves(km, cutoffs, min_cell)
            body += _figure(lambda ax: plot.kaplan_meier(
                trimmed_km, ax=ax, title="Lymphoma-free survival (Kaplan-Meier, death censored)"),
                "Kaplan-Meier curves by subgroup", (7.0, 5.5))
        body += _table_html(tables["survival_metrics"])
        if "survival_calibration" in tables and len(tables["survival_calibration"]):
            body += _figure(lambda ax: _draw_risk_calibration(tables["survival_calibration"],
                                                              ax),
                            "Calibration of the lymphoma model at each horizon", (5.5, 5.0))
        if "hazard_ratios" in tables and len(tables["hazard_ratios"]):
            hr = tables["hazard_ratios"]
            body += _figure(lambda ax: _draw_hazard_ratios(hr, ax),
                            "Hazard ratios of the lymphoma model", (6.5, 0.4 * len(hr) + 1.8))
        left_out = artifacts.get("survival_left_out", {})
        not_drawn_hr = "".join(f" Left out of the model ({reason}): {column}."
                               for column, reason in left_out.items())
        not_drawn = (f" Not drawn (fewer than {min_cell} patients at risk from the start): "
                     f"{', '.join(undrawn)}." if undrawn else "")
        sections.append(("Lymphoma risk", "lymphoma", body,
                         "Cause-specific model (death censored) compared with the "
                         "seven-factor clinical score; C-index and calibration are apparent "
                         "(on the patients the model was fitted on). Cumulative incidence "
                         "treats death as a competing risk (Aalen-Johansen). Curves stop where "
                         f"fewer than {min_cell} patients remain at risk.{not_drawn}{not_drawn_hr}"))

    if "replication" in tables:
        body = _table_html(tables["replication"])
        if "replication_by_subgroup" in tables:
            by_group = tables["replication_by_subgroup"].copy()
            by_group.index = [_subgroup_name(g) for g in by_group.index]
            body += _table_html(by_group)
        note = ("Prediction strength, in-group proportion and agreement between transferred "
                "labels and reclustering. ")
        note += artifacts.get("replication_correction", "")
        sections.append(("Replication in the external cohort", "replication", body, note))

    quality = artifacts.get("quality")
    if quality is not None:
        sections.append(("Data quality", "quality", quality.to_html(),
                         "Before centre correction and imputation."))

    excluded = result.excluded
    if len(excluded):
        counts = exclusion_texts(excluded, min_cell).to_frame()
        sections.append(("Patients excluded from a step", "excluded", _table_html(counts),
                         f"Counts under {min_cell} are shown as '<{min_cell}', with a second "
                         "count of the same step hidden ('(s)') so that the first cannot be "
                         "recovered from the step's total (the patients before the step "
                         "minus those after it)."))

    versions = pd.Series(result.versions, name="version").to_frame()
    body = _table_html(versions)
    if result.timings:
        timings = pd.Series(result.timings, name="seconds").to_frame()
        body += _table_html(timings, float_format="{:.1f}")
    body += "<pre>" + html.escape(_config_text(result.config)) + "</pre>"
    sections.append(("Versions, timings and settings", "settings", body, ""))

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
