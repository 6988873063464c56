"""One configured run from a Cohort to a stratification report.

``Stratification(config).run(cohort)`` chains the steps of the library:

validate -> scores -> data quality -> centre correction -> imputation ->
consensus subgroups -> profile and Table 1 -> subgroup classifier and marker
panel (leave-one-centre-out) -> lymphoma risk (Cox, competing death) ->
SHAP explanations -> replication in an external cohort (optional).

Every choice (the merged configuration) and every library version are
recorded in the result; patients excluded from a step are listed with the
reason in ``result.excluded``.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ._config import load_config, merge_config
from .data import Cohort

__all__ = ["Stratification", "StratificationResult", "demo", "run_from_files"]

_LIBRARIES = ("numpy", "pandas", "scipy", "sklearn", "lifelines", "sksurv", "shap", "umap",
              "hdbscan", "joblib", "skops", "statsmodels")


def library_versions() -> dict[str, str]:
    """Versions of Python, stratify and every library a run may use."""
    import importlib.metadata as md

    from ._version import __version__

    out = {"python": platform.python_version(), "stratify": __version__}
    dists = {"sklearn": "scikit-learn", "sksurv": "scikit-survival", "umap": "umap-learn"}
    for name in _LIBRARIES:
        try:
            out[name] = md.version(dists.get(name, name))
        except md.PackageNotFoundError:
            continue
    return out


@dataclass
class StratificationResult:
    """Everything a run produced, as plain tables plus the fitted models.

    Attributes
    ----------
    config : dict
        The merged configuration actually used.
    versions : dict
        Library versions.
    labels : Series
        Subgroup per patient (index ``patient_id``).
    excluded : DataFrame
        Patients left out of a step: ``patient_id``, ``step``, ``reason``.
    tables : dict of str to DataFrame
        Aggregate tables (``scores_summary``, ``cluster_scores``, ``stability``,
        ``profile``, ``table_one``, ``classifier_metrics``, ``panel_curve``,
        ``survival_metrics``, ``hazard_ratios``, ``replication``, ...).
    models : dict
        Fitted estimators (``imputer``, ``cluster``, ``classifier``, ``risk_model``, ...).
    artifacts : dict
        Other results used by the report (explanations, quality report, curves).
    timings : dict of str to float
        Seconds per step.
    """

    config: dict[str, Any]
    versions: dict[str, str]
    labels: pd.Series | None = None
    excluded: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["patient_id", "step", "reason"]))
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def k(self) -> int | None:
        """Number of subgroups found."""
        return None if self.labels is None else int(self.labels.nunique())

    def summary(self) -> str:
        """A one-screen text summary: k, stability, classifier accuracy, C-index."""
        lines = ["stratify run summary", "--------------------"]
        if self.labels is not None:
            sizes = self.labels.value_counts().sort_index()
            lines.append(f"subgroups (k): {self.k}; sizes: "
                         + ", ".join(f"{g}: {n}" for g, n in sizes.items()))
        if "stability" in self.tables:
            stab = self.tables["stability"]["jaccard"]
            lines.append(f"stability (bootstrap Jaccard): min {stab.min():.2f}, "
                         f"mean {stab.mean():.2f}")
        if "classifier_metrics" in self.tables:
            m = self.tables["classifier_metrics"]
            if "balanced_accuracy" in m.index:
                row = m.loc["balanced_accuracy"]
                lines.append(f"classifier balanced accuracy: {row['estimate']:.3f} "
                             f"(95% CI {row['lower']:.3f}-{row['upper']:.3f})")
        if "panel" in self.artifacts:
            lines.append(f"marker panel ({len(self.artifacts['panel'])}): "
                         + ", ".join(self.artifacts["panel"]))
        if "survival_metrics" in self.tables:
            s = self.tables["survival_metrics"]
            for model in s["model"].unique():
                row = s[(s["model"] == model) & (s["metric"] == "harrell_c")]
                if len(row):
                    r = row.iloc[0]
                    lines.append(f"lymphoma C-index ({model}): {r['estimate']:.3f} "
                                 f"(95% CI {r['lower']:.3f}-{r['upper']:.3f})")
        if "replication" in self.tables:
            rep = self.tables["replication"]
            lines.append("replication: " + ", ".join(
                f"{c} {rep[c].iloc[0]:.2f}" for c in rep.columns
                if pd.api.types.is_numeric_dtype(rep[c])))
        if len(self.excluded):
            counts = self.excluded.groupby(["step", "reason"]).size()
            for (step, reason), n in counts.items():
                lines.append(f"excluded from {step}: {n} patient(s) ({reason})")
        total = sum(self.timings.values())
        lines.append(f"total time: {total:.1f} s")
        return "\n".join(lines)

    def save(self, directory: str | os.PathLike) -> Path:
        """Write tables (CSV), configuration and versions (JSON) and models (skops)."""
        from .data import save

        out = Path(directory)
        (out / "tables").mkdir(parents=True, exist_ok=True)
        (out / "models").mkdir(exist_ok=True)
        meta = {"config": self.config, "versions": self.versions, "timings": self.timings}
        (out / "run.json").write_text(json.dumps(meta, indent=1, default=str), "utf-8")
        for name, table in self.tables.items():
            table.to_csv(out / "tables" / f"{name}.csv")
        if self.labels is not None:
            self.labels.to_csv(out / "labels.csv")
        self.excluded.to_csv(out / "excluded.csv", index=False)
        for name, model in self.models.items():
            save(model, out / "models" / f"{name}.skops")
        return out

    @classmethod
    def load(cls, directory: str | os.PathLike, trusted: list[str] | None = None
             ) -> StratificationResult:
        """Read a saved result; models are loaded safely with skops."""
        from .data import load

        src = Path(directory)
        meta = json.loads((src / "run.json").read_text("utf-8"))
        tables = {p.stem: pd.read_csv(p, index_col=0) for p in sorted((src / "tables").glob(
            "*.csv"))}
        labels = None
        if (src / "labels.csv").exists():
            labels = pd.read_csv(src / "labels.csv", index_col=0, dtype={"patient_id": str})
            labels = labels.iloc[:, 0]
        excluded = pd.read_csv(src / "excluded.csv", dtype={"patient_id": str})
        models = {p.stem: load(p, trusted=trusted) for p in sorted((src / "models").glob(
            "*.skops"))}
        return cls(config=meta["config"], versions=meta["versions"], labels=labels,
                   excluded=excluded, tables=tables, models=models,
                   timings=meta.get("timings", {}))


class Stratification:
    """A configured stratification of a pSS cohort.

    Parameters
    ----------
    config : dict, str or path, optional
        A dict or a TOML file; merged with :data:`stratify._config.DEFAULT_CONFIG`.
        Unknown keys are errors.

    Examples
    --------
    >>> import stratify as st
    >>> cohort = st.synthetic.make_pss_cohort(n_patients=300, n_centers=3, seed=0)
    >>> config = {"cluster": {"n_resamples": 5, "k_max": 5, "method": "kmeans"},
    ...           "classify": {"panel_size": None, "n_bootstrap": 20},
    ...           "survival": {"n_bootstrap": 0}, "explain": {"enabled": False},
    ...           "impute": {"kind": "simple"}}
    >>> result = st.Stratification(config).run(cohort)  # doctest: +SKIP
    >>> result.k  # doctest: +SKIP
    4
    """

    def __init__(self, config: Mapping[str, Any] | str | os.PathLike | None = None):
        self.config = config

    def _config(self) -> dict[str, Any]:
        if isinstance(self.config, (str, os.PathLike)):
            return load_config(self.config)
        return merge_config(self.config)

    def run(self, cohort: Cohort, *, validation: Cohort | None = None,
            progress: bool = False) -> StratificationResult:
        """Run every configured step on ``cohort``; ``validation`` checks replication."""
        from ._steps import run_steps

        if not isinstance(cohort, Cohort):
            raise TypeError(f"run expects a stratify.Cohort; got {type(cohort).__name__}.")
        config = self._config()
        result = StratificationResult(config=config, versions=library_versions())
        run_steps(result, cohort, validation, progress=progress)
        return result


def _print_summary(result: StratificationResult, report: Path | None) -> None:
    print(result.summary())
    if report is not None:
        print(f"report: {report}")


def demo(out: str | os.PathLike = "results", *, quiet: bool = False,
         n_jobs: int | None = None) -> int:
    """The main job: the whole workflow on the shipped synthetic discovery cohort.

    Replication is checked on the shipped external validation cohort. Writes
    the HTML report and the result tables to ``out``; returns an exit code.
    """
    from .report import write_report
    from .synthetic import load_discovery, load_validation

    start = time.perf_counter()
    discovery, validation = load_discovery(), load_validation()
    config = {"n_jobs": -1 if n_jobs is None else n_jobs}
    result = Stratification(config).run(discovery, validation=validation, progress=not quiet)
    out = Path(out)
    result.save(out)
    report = write_report(result, out)
    if not quiet:
        _print_summary(result, report)
        print(f"done in {time.perf_counter() - start:.0f} s")
    return 0


def run_from_files(data: str | os.PathLike, config: str | os.PathLike,
                   out: str | os.PathLike, *, quiet: bool = False,
                   n_jobs: int | None = None) -> int:
    """``stratify run``: read and validate a cohort, run the configured workflow, report."""
    import sys

    from .data import SchemaError
    from .report import write_report

    try:
        cohort = Cohort.from_csv(data)
        settings = load_config(config)
    except (SchemaError, ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1 if isinstance(err, SchemaError) or str(data) in str(err) else 2
    if n_jobs is not None:
        settings["n_jobs"] = n_jobs
    result = Stratification(settings).run(cohort, progress=not quiet)
    result.save(out)
    report = write_report(result, Path(out))
    if not quiet:
        _print_summary(result, report)
    return 0

