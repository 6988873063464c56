"""The sections of the HTML report, one function each, in the page's order.

Each section renders one step's part of a run (``result.cluster``,
``result.classifier``, ...; None when the step did not run) or a part of the
whole run (overview, exclusions, settings), and returns a :class:`Section`,
or None when it has nothing to show. :func:`stratify.report.write_report`
concatenates them. A new step adds its section function to :data:`SECTIONS`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any, NamedTuple

import pandas as pd

from ..data import display_name
from ._html import (
    _at_risk_cutoffs,
    _config_text,
    _draw_embedding,
    _draw_hazard_ratios,
    _draw_risk_calibration,
    _draw_stability,
    _figure,
    _inference_note,
    _protect_confusion,
    _subgroup_name,
    _table_html,
    _trim_curves,
    _undrawn_groups,
)

__all__ = ["SECTIONS", "Section"]


class Section(NamedTuple):
    """One section of the page: its title, anchor, HTML body and explanatory note."""

    title: str
    anchor: str
    body: str
    note: str = ""


_K_COLUMNS = ["chosen", "admissible", "criterion - best", "stability_min", "stability_mean",
              "smallest", "pac", "silhouette", "null_z", "null_p", "reason"]
"""The columns of the k-selection table the report shows (the saved CSV has them all)."""


def _k_table(scores: pd.DataFrame) -> str:
    """The clustering's scores by k, each k's criterion (BIC or ICL) as its difference to
    the best k's, to one decimal: the raw values (about 10^4) printed to three figures
    looked equal for k = 4 and 5."""
    table = scores.copy()
    if "criterion" in table.columns:
        difference = table["criterion"] - table["criterion"].min()
        table["criterion - best"] = difference.map(
            lambda v: "" if pd.isna(v) else f"{v:.1f}")
    return _table_html(table[[c for c in _K_COLUMNS if c in table.columns]])


def no_structure(result: Any, min_cell: int) -> Section | None:
    """When the clustering found one group: why, with its scores by k as the evidence."""
    cluster = result.cluster
    if result.k != 1 or cluster is None or cluster.model is None:
        return None
    reason = cluster.no_structure or ""
    note = ("The consensus clustering found no k whose subgroups beat the reference "
            "without structure: every patient is in one group, and the steps that "
            "compare subgroups (profile, Table 1, classifier, explanations, "
            "replication) were not run. The lymphoma risk model was fitted on the "
            "whole cohort.")
    body = (f"<p>{html.escape(reason)}</p>" if reason else "") + _k_table(cluster.scores)
    return Section("No subgroup structure was found", "no-structure", body,
                   note + " The table is the evidence: the clustering's score of "
                   "each k against the reference.")


def overview(result: Any, min_cell: int) -> Section | None:
    """The run's summary lines (sizes, stability, accuracy, C-index)."""
    lines = [line for line in result.summary().splitlines()[2:]
             if not line.startswith(("excluded from", "skipped ", "time:"))]
    if not lines:
        return None
    return Section("At a glance", "overview", "<pre>" + html.escape("\n".join(lines))
                   + "</pre>")


def skipped(result: Any, min_cell: int) -> Section | None:
    """The steps that did not run, and why."""
    reasons = result.skipped
    if not reasons:
        return None
    table = pd.DataFrame({"reason": list(reasons.values())},
                         index=pd.Index(list(reasons), name="step"))
    return Section("Steps not run", "skipped", _table_html(table),
                   "Each step that could not run on these data, and why; the other "
                   "steps ran.")


def _named(result: Any) -> pd.Series:
    """The subgroup labels with their descriptive names ("S2 - IFIT3 high, ..."), when the
    profile step named them."""
    profile = result.profile
    if profile is None or profile.names is None:
        return result.labels
    names = profile.names["name"]
    return result.labels.map(lambda g: names.get(g, g))


def _display_names(variables: Any) -> list[str]:
    """Each variable's label and unit, or the names as they are when two labels would
    collide (e.g. a column named like another variable's label)."""
    names = [display_name(v) for v in variables]
    return names if len(set(names)) == len(names) else [str(v) for v in variables]


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    """Table 1 with its variables as a clinician reads them ("IgG (g/L)", not igg_g_l)."""
    table = table.copy()
    variables = (table.index.levels[0] if isinstance(table.index, pd.MultiIndex)
                 else table.index)
    names = _display_names(variables)
    if isinstance(table.index, pd.MultiIndex):
        table.index = table.index.set_levels(names, level=0)
    else:
        table.index = names
    return table


def _names_html(part: Any) -> str:
    """The subgroups' descriptive names, as a list."""
    if part.names is None or not len(part.names):
        return ""
    items = "".join(f"<li>{html.escape(str(name))}</li>" for name in part.names["name"])
    return ("<p>The subgroups, by the features that set them apart most (a description, "
            f"not a test):</p><ul>{items}</ul>")


def table_one(result: Any, min_cell: int) -> Section | None:
    """Table 1 by subgroup (profile step)."""
    profile = result.profile
    if profile is None or profile.table_one is None:
        return None
    t1 = profile.table_one
    sizes = ", ".join(f"{g}: {n}" for g, n in t1.attrs.get("n", {}).items())
    names = _names_html(profile)
    return Section("Table 1 by subgroup", "table-one", names + _table_html(_readable(t1)),
                   f"Subgroup sizes: {sizes}. Counts under {min_cell} are suppressed "
                   "(shown as '<5'; '(s)': a second cell hidden so that the first "
                   "cannot be recovered); q: Benjamini-Hochberg adjusted p; SMD: "
                   "largest standardized mean difference between two subgroups. "
                   + _inference_note(t1))


def subgroups(result: Any, min_cell: int) -> Section | None:
    """The clustering: embedding, consensus CDF and matrix, stability, scores by k."""
    from .. import plot

    cluster = result.cluster
    if cluster is None or cluster.model is None:
        return None
    cc = cluster.model
    body = ""
    embedding = cluster.embedding
    if embedding is not None and result.labels is not None and result.k != 1:
        labels = _named(result)
        body += _figure(lambda ax: _draw_embedding(embedding, labels, ax),
                        "Embedding: patients coloured by subgroup", (6.5, 5.0))
    body += _figure(lambda ax: plot.consensus_cdf(cc, ax=ax),
                    "Consensus CDF for each number of subgroups k")
    if result.k != 1:
        body += _figure(lambda ax: plot.consensus(cc, ax=ax),
                        "Consensus matrix at the chosen k", (5.5, 5.0))
        body += _figure(lambda ax: _draw_stability(cc, ax), "Stability of each subgroup")
        body += _k_table(cluster.scores)
    title = ("Subgroups (k = 1: none found)" if result.k == 1
             else f"Subgroups (k = {result.k})")
    return Section(title, "subgroups", body,
                   "Consensus clustering; k chosen by the documented rule of "
                   "ConsensusClustering. Stability: bootstrap Jaccard per subgroup. "
                   "'criterion - best': each k's BIC (ICL-BIC for k-means and "
                   "agglomerative) minus the lowest, lower "
                   "is better; 'null_p': the structure test's p-value; every column is "
                   "in tables/cluster_scores.csv.")


def profile(result: Any, min_cell: int) -> Section | None:
    """The profile heatmap: what distinguishes each subgroup."""
    from .. import plot

    part = result.profile
    if part is None or part.profile is None:
        return None
    features = list(dict.fromkeys(part.profile["feature"]))
    shown = dict(zip(features, _display_names(features), strict=True))
    table = part.profile.assign(feature=part.profile["feature"].map(shown))
    body = _figure(lambda ax: plot.profile_heatmap(table, ax=ax),
                   "Profile heatmap: what distinguishes each subgroup", (7.0, 7.0))
    return Section("What defines each subgroup", "profile", body,
                   "Effect size of each variable in each subgroup against the rest. "
                   + (part.note or ""))


def classifier(result: Any, min_cell: int) -> Section | None:
    """The subgroup classifier: metrics (protected), confusion matrix, marker panel."""
    from .. import plot

    part = result.classifier
    if part is None or part.metrics is None:
        return None
    metrics = part.metrics
    body = _table_html(metrics)
    if "suppressed" in metrics.columns and metrics["suppressed"].any():
        body += ("<p class=\"note\">Empty values are withheld: with the subgroup sizes "
                 f"they would give back a count of the confusion matrix under {min_cell} "
                 "(recall: its diagonal count; balanced accuracy and macro F1: an "
                 "equation in the counts). Intervals come from resampled patients and "
                 "are kept.</p>")
    cv = part.cv
    if cv is not None and getattr(cv, "confusion", None) is not None:
        def confusion(ax: Any) -> Any:
            plot.confusion_matrix(cv, ax=ax)
            _protect_confusion(ax, cv.confusion, result.labels, min_cell)
            ax.set_title("Confusion matrix (out of fold)")
            return ax

        body += _figure(confusion, "Confusion matrix of the subgroup classifier", (5.5, 4.5))
    if part.panel_curve is not None and part.model is not None:
        model = part.model
        body += _figure(lambda ax: plot.panel_curve(model.panel_result_, ax=ax),
                        "Marker panel size")
    if part.panel is not None:
        body += "<p>Marker panel: " + html.escape(", ".join(part.panel)) + "</p>"
    settings = result.config.get("classify", {})
    panel_note = ("; the marker panel is selected again inside every training part"
                  if settings.get("panel_size") else "")
    folds = f"; {part.folds_note}" if part.folds_note else ""
    return Section("Subgroup classifier", "classifier", body,
                   f"Model: {settings.get('estimator', '')}. Out-of-fold metrics "
                   f"(leave-one-centre-out when centres are known{panel_note}{folds}) "
                   "with bootstrap 95% CIs.")


TOP_FEATURES = 5
"""Features per subgroup in the report's table of what defines the subgroups."""


def _top_features_html(table: pd.DataFrame, top: int) -> str:
    """The ``top`` features of every subgroup (not the first rows, which held one subgroup)."""
    if "rank" in table.columns:
        table = table[table["rank"] <= top]
    else:
        table = table.groupby("subgroup", sort=False).head(top)
    columns = [c for c in ("subgroup", "rank", "feature", "mean_abs_shap", "share",
                           "direction") if c in table.columns]
    return _table_html(table[columns].set_index(columns[:2]))


def explanations(result: Any, min_cell: int) -> Section | None:
    """SHAP summary of the classifier and the features that define each subgroup."""
    from .. import plot

    part = result.explanations
    if part is None or part.shap_classifier is None:
        return None
    shap_values = part.shap_classifier
    body = _figure(lambda ax: plot.shap_summary(shap_values, kind="bar", ax=ax),
                   "SHAP summary: mean |SHAP| per marker and subgroup", (7.0, 5.5))
    if part.cluster_explanation is not None:
        body += _top_features_html(part.cluster_explanation, TOP_FEATURES)
    return Section("Explanations (SHAP)", "shap", body,
                   "Mean absolute SHAP value per feature of the classifier (the "
                   "features it uses, stacked by subgroup); the table: for each subgroup, "
                   f"the {TOP_FEATURES} features that best tell it from the rest (a "
                   "surrogate model's SHAP values; direction +1: higher in the subgroup). "
                   "tables/cluster_explanation.csv has every feature.")


def lymphoma(result: Any, min_cell: int) -> Section | None:
    """Lymphoma risk: curves by subgroup (cut where few remain at risk), metrics,
    calibration and hazard ratios."""
    from .. import plot

    part = result.survival
    if part is None or part.metrics is None:
        return None
    body = ""
    km, cif = part.kaplan_meier, part.cumulative_incidence
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
    body += _table_html(part.metrics)
    calibration = part.calibration
    if calibration is not None and len(calibration):
        body += _figure(lambda ax: _draw_risk_calibration(calibration, ax),
                        "Calibration of the lymphoma model at each horizon", (5.5, 5.0))
    hr = part.hazard_ratios
    if hr is not None and len(hr):
        body += _figure(lambda ax: _draw_hazard_ratios(hr, ax),
                        "Hazard ratios of the lymphoma model", (6.5, 0.4 * len(hr) + 1.8))
    not_drawn_hr = "".join(f" Left out of the model ({reason}): {column}."
                           for column, reason in (part.left_out or {}).items())
    if part.note:
        not_drawn_hr += " " + part.note
    not_drawn = (f" Not drawn (fewer than {min_cell} patients at risk from the start): "
                 f"{', '.join(undrawn)}." if undrawn else "")
    if "corrected" in part.metrics.columns and part.metrics["corrected"].notna().any():
        n_refits = result.config.get("survival", {}).get("n_bootstrap", "")
        honesty = ("estimates and intervals are apparent (on the patients the model was "
                   "fitted on); 'corrected' subtracts Harrell's bootstrap optimism (the "
                   f"model refitted on {n_refits} bootstrap samples): what to expect on "
                   "new patients. The clinical score is not fitted: it has no optimism. "
                   "The calibration figure is apparent")
    else:
        honesty = ("C-index and calibration are apparent (on the patients the model was "
                   "fitted on)")
    return Section("Lymphoma risk", "lymphoma", body,
                   "Cause-specific model (death censored) compared with the "
                   f"seven-factor clinical score; {honesty}. Cumulative incidence "
                   "treats death as a competing risk (Aalen-Johansen). Curves stop where "
                   f"fewer than {min_cell} patients remain at risk.{not_drawn}{not_drawn_hr}")


def replication(result: Any, min_cell: int) -> Section | None:
    """Replication in the external cohort (counts protected)."""
    part = result.replication
    if part is None or part.table is None:
        return None
    body = _table_html(part.table)
    if part.by_subgroup is not None:
        by_group = part.by_subgroup.copy()
        # results saved before the codes were named carry 0, 1, ...
        by_group.index = [_subgroup_name(g) if str(g).isdigit() else g
                          for g in by_group.index]
        body += _table_html(by_group)
    note = ("Prediction strength, in-group proportion and agreement between transferred "
            "labels and reclustering. ")
    note += part.correction or ""
    return Section("Replication in the external cohort", "replication", body, note)


def quality(result: Any, min_cell: int) -> Section | None:
    """The data-quality report (before centre correction and imputation)."""
    part = result.quality
    if part is None or part.report is None:
        return None
    return Section("Data quality", "quality", part.report.to_html(),
                   "Before centre correction and imputation.")


def excluded(result: Any, min_cell: int) -> Section | None:
    """Patients excluded from each step, by reason (counts protected)."""
    from .._utils.count_texts import exclusion_texts

    if not len(result.excluded):
        return None
    counts = exclusion_texts(result.excluded, min_cell).to_frame()
    return Section("Patients excluded from a step", "excluded", _table_html(counts),
                   f"Counts under {min_cell} are shown as '<{min_cell}', with a second "
                   "count of the same step hidden ('(s)') so that the first cannot be "
                   "recovered from the step's total (the patients before the step "
                   "minus those after it).")


def settings(result: Any, min_cell: int) -> Section | None:
    """Library versions, seconds per step and the configuration used."""
    versions = pd.Series(result.versions, name="version").to_frame()
    body = _table_html(versions)
    if result.timings:
        timings = pd.Series(result.timings, name="seconds").to_frame()
        body += _table_html(timings, float_format="{:.1f}")
    body += "<pre>" + html.escape(_config_text(result.config)) + "</pre>"
    return Section("Versions, timings and settings", "settings", body)


SECTIONS: list[Callable[[Any, int], Section | None]] = [
    no_structure, overview, skipped, table_one, subgroups, profile, classifier,
    explanations, lymphoma, replication, quality, excluded, settings,
]
"""The report's sections in the page's order."""
