"""What each step of a :class:`~stratify.workflow.Stratification` run produced, typed.

Each step of the run fills one of these dataclasses; the run records it in
its :class:`~stratify.workflow.StratificationResult`, which keeps everything
in three plain dictionaries (``tables``, ``models``, ``artifacts``: what
``save`` writes and ``load`` reads back) and gives each step's part back as
a typed attribute (``result.cluster.model``, ``result.classifier.metrics``).
The name under which each field is stored is declared here, once: the steps
and the report use the attributes, never the keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import pandas as pd

__all__ = ["STEP_RESULTS", "ClassifierResult", "ClusterResult", "ExplainResult",
           "FeaturesResult", "ProfileResult", "QualityResult", "ReplicationResult",
           "ScoresResult", "StepResult", "SurvivalResult"]


def _table(key: str) -> Any:
    return field(default=None, metadata={"store": "tables", "key": key})


def _model(key: str) -> Any:
    return field(default=None, metadata={"store": "models", "key": key})


def _artifact(key: str) -> Any:
    return field(default=None, metadata={"store": "artifacts", "key": key})


@dataclass
class StepResult:
    """One step's part of a run: each field is stored under a declared key.

    ``tables`` are saved as CSV, ``models`` with skops; ``artifacts``
    (curves, explanations, notes) live in memory only.
    """

    step: ClassVar[str] = ""

    def stored(self) -> list[tuple[str, str, Any]]:
        """``(store, key, value)`` of every field that holds a value."""
        return [(f.metadata["store"], f.metadata["key"], getattr(self, f.name))
                for f in fields(self) if getattr(self, f.name) is not None]

    @classmethod
    def keys(cls) -> list[tuple[str, str]]:
        """``(store, key)`` of every field."""
        return [(f.metadata["store"], f.metadata["key"]) for f in fields(cls)]

    @classmethod
    def from_stores(cls, stores: dict[str, dict[str, Any]]) -> Any:
        """The step's part read from the run's dictionaries, or None when it holds nothing."""
        values = {f.name: stores[f.metadata["store"]].get(f.metadata["key"])
                  for f in fields(cls)}
        if all(v is None for v in values.values()):
            return None
        return cls(**values)


@dataclass
class ScoresResult(StepResult):
    """Clinical indices per patient (ESSDAI, ClinESSDAI, ESSPRI, ACR/EULAR points,
    lymphoma risk factors) and their summary."""

    step: ClassVar[str] = "scores"
    scores: pd.DataFrame | None = _artifact("scores")
    summary: pd.DataFrame | None = _table("scores_summary")


@dataclass
class QualityResult(StepResult):
    """The data-quality report by centre and its flags."""

    step: ClassVar[str] = "quality"
    report: Any = _artifact("quality")
    flags: pd.DataFrame | None = _table("quality_flags")


@dataclass
class FeaturesResult(StepResult):
    """The cluster features' centre corrector and imputer, fitted."""

    step: ClassVar[str] = "features"
    center_corrector: Any = _model("center_corrector")
    imputer: Any = _model("imputer")


@dataclass
class ClusterResult(StepResult):
    """The consensus clustering, its scores by k, stability and a 2-D embedding.

    The labels themselves are ``StratificationResult.labels``.
    """

    step: ClassVar[str] = "cluster"
    model: Any = _model("cluster")
    scores: pd.DataFrame | None = _table("cluster_scores")
    stability: pd.DataFrame | None = _table("stability")
    embedding: pd.DataFrame | None = _artifact("embedding")
    confidence: pd.Series | None = _artifact("confidence")
    no_structure: str | None = _artifact("no_structure")


@dataclass
class ProfileResult(StepResult):
    """What defines each subgroup: profiles (protected), Table 1 and descriptive names
    (column ``name``, indexed by subgroup)."""

    step: ClassVar[str] = "profile"
    cluster_features: pd.DataFrame | None = _table("profile_clusterfeatures")
    profile: pd.DataFrame | None = _table("profile")
    table_one: pd.DataFrame | None = _table("table_one")
    names: pd.DataFrame | None = _table("subgroup_names")
    note: str | None = _artifact("profile_note")


@dataclass
class ClassifierResult(StepResult):
    """The subgroup classifier, its cross-validation and marker panel."""

    step: ClassVar[str] = "classify"
    model: Any = _model("classifier")
    cv: Any = _artifact("classifier_cv")
    metrics: pd.DataFrame | None = _table("classifier_metrics")
    panel: list[str] | None = _artifact("panel")
    panel_curve: pd.DataFrame | None = _table("panel_curve")
    folds_note: str | None = _artifact("classifier_folds")


@dataclass
class SurvivalResult(StepResult):
    """The lymphoma risk model, its evaluation and the curves by subgroup."""

    step: ClassVar[str] = "survival"
    imputer: Any = _model("risk_imputer")
    model: Any = _model("risk_model")
    metrics: pd.DataFrame | None = _table("survival_metrics")
    calibration: pd.DataFrame | None = _table("survival_calibration")
    hazard_ratios: pd.DataFrame | None = _table("hazard_ratios")
    logrank: pd.DataFrame | None = _table("logrank")
    kaplan_meier: Any = _artifact("km")
    cumulative_incidence: Any = _artifact("cif")
    left_out: dict[str, str] | None = _artifact("survival_left_out")
    note: str | None = _artifact("survival_note")


@dataclass
class ExplainResult(StepResult):
    """SHAP values of the classifier and the features that define each subgroup."""

    step: ClassVar[str] = "explain"
    shap_classifier: Any = _artifact("shap_classifier")
    cluster_explanation: pd.DataFrame | None = _table("cluster_explanation")


@dataclass
class ReplicationResult(StepResult):
    """The subgroups transferred to the external cohort and compared with its own."""

    step: ClassVar[str] = "replicate"
    by_subgroup: pd.DataFrame | None = _table("replication_by_subgroup")
    table: pd.DataFrame | None = _table("replication")
    correction: str | None = _artifact("replication_correction")
    warnings: list[str] | None = _artifact("replication_warnings")
    center_corrector: Any = _model("replication_center_corrector")


STEP_RESULTS: dict[str, type[StepResult]] = {
    cls.step: cls for cls in (ScoresResult, QualityResult, FeaturesResult, ClusterResult,
                              ProfileResult, ClassifierResult, SurvivalResult, ExplainResult,
                              ReplicationResult)}
"""The result type of each step, by step name."""
