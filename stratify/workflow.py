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
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ._config import DEMO_CONFIG, QUICK_CONFIG, load_config, merge_config
from ._csv import to_csv
from .data import Cohort, check_disjoint

__all__ = ["Stratification", "StratificationResult", "demo", "library_versions",
           "run_from_files"]

EXCLUSION_MESSAGE = "left out of one or more steps"
"""Part of the one warning a run gives when patients were excluded (the CLI
prints the counts in its summary instead)."""

QUICK_SIZES = {"discovery": 500, "validation": 300}
"""Patients sampled from each shipped cohort by ``stratify demo --quick``."""

_LIBRARIES = ("numpy", "pandas", "scipy", "sklearn", "lifelines", "sksurv", "shap", "umap",
              "hdbscan", "joblib", "skops", "statsmodels")


def library_versions() -> dict[str, str]:
    """Versions of Python, stratify and every installed library a run may use.

    Examples
    --------
    >>> versions = library_versions()
    >>> {"python", "stratify", "sklearn"} <= set(versions)
    True
    """
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
        """A one-screen text summary: k, stability, classifier accuracy, C-index.

        Counts only: no patient identifier and no patient-level value.
        """
        lines = ["stratify run summary", "--------------------"]
        if self.labels is not None:
            from .report._suppress import size_texts

            sizes = size_texts(self.labels.value_counts().sort_index(),
                               int(self.config.get("report", {}).get("min_cell", 5)))
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
                estimator = self.config["classify"]["estimator"]
                lines.append(f"classifier balanced accuracy ({estimator}, out of fold): "
                             f"{row['estimate']:.3f} "
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
                    lines.append(f"lymphoma C-index ({model}, apparent): {r['estimate']:.3f} "
                                 f"(95% CI {r['lower']:.3f}-{r['upper']:.3f})")
        if "replication" in self.tables:
            r = self.tables["replication"].iloc[0]
            lines.append(
                f"replication ({int(r['n'])} patients): k {int(r['k_model'])} transferred, "
                f"k {int(r['k_external'])} chosen on the external cohort; prediction strength "
                f"{r['prediction_strength']:.2f}, in-group proportion "
                f"{r['in_group_proportion']:.2f}, ARI {r['ari']:.2f}, centroid correlation "
                f"{r['centroid_correlation']:.2f}")
        if len(self.excluded):
            counts = self.excluded.groupby(["step", "reason"], sort=False).size()
            for (step, reason), n in counts.items():
                lines.append(f"excluded from {step}: {n} patient(s) ({reason})")
        if self.timings:
            steps = ", ".join(f"{name} {sec:.1f}" for name, sec in self.timings.items())
            lines.append(f"time: {sum(self.timings.values()):.1f} s ({steps})")
        return "\n".join(lines)

    def save(self, directory: str | os.PathLike) -> Path:
        """Write tables (CSV), labels, exclusions, configuration, versions and models.

        Layout: ``run.json`` (configuration, versions, timings and how to
        read each table back), ``tables/<name>.csv``, ``labels.csv``,
        ``excluded.csv`` and ``models/<name>.skops`` (skops: loading never
        executes code from the file).

        Parameters
        ----------
        directory : str or path
            Created if needed; existing files of the same names are replaced.

        Returns
        -------
        Path
            ``directory``.

        Examples
        --------
        >>> import tempfile
        >>> import pandas as pd
        >>> result = StratificationResult(config={}, versions={"stratify": "0"},
        ...                               labels=pd.Series(["S1", "S2"], name="subgroup",
        ...                                                index=pd.Index(["p1", "p2"],
        ...                                                               name="patient_id")))
        >>> saved = StratificationResult.load(result.save(tempfile.mkdtemp()))
        >>> saved.labels.tolist(), saved.versions
        (['S1', 'S2'], {'stratify': '0'})
        """
        from .data import save

        out = Path(directory)
        (out / "tables").mkdir(parents=True, exist_ok=True)
        (out / "models").mkdir(exist_ok=True)
        layout = {name: {"index_levels": table.index.nlevels,
                         "text_columns": _text_columns(table),
                         "attrs": _json_attrs(table.attrs)}
                  for name, table in self.tables.items()}
        meta = {"config": self.config, "versions": self.versions, "timings": self.timings,
                "tables": layout}
        (out / "run.json").write_text(json.dumps(meta, indent=1, default=str), "utf-8")
        for name, table in self.tables.items():
            to_csv(table, out / "tables" / f"{name}.csv")
        if self.labels is not None:
            to_csv(self.labels, out / "labels.csv")
        to_csv(self.excluded, out / "excluded.csv", index=False)
        for name, model in self.models.items():
            save(model, out / "models" / f"{name}.skops")
        return out

    @classmethod
    def load(cls, directory: str | os.PathLike,
             trusted: Iterable[str | type] | None = None) -> StratificationResult:
        """Read a result written by :meth:`save`, checking every file before using it.

        ``run.json`` is read only up to 16 MiB and must be the JSON object
        :meth:`save` writes (``config`` and ``versions`` objects, ``timings``
        in seconds, each table's layout with ``index_levels`` between 1 and
        the number of columns of its CSV); models are loaded with
        :func:`stratify.data.load`, with the same ``trusted`` contract and
        the same checks (archive size limits, every tree's indices), so a
        damaged or altered folder raises an error naming the file, the key
        or the tree, and the rule; nothing is returned.

        Parameters
        ----------
        directory : str or path
        trusted : list of str or type, optional
            Types the models may hold beyond those :func:`stratify.data.load`
            trusts by default (fully qualified names or the types themselves).

        Returns
        -------
        StratificationResult
            Tables as written (index levels restored, text index levels kept as
            text), labels, exclusions, configuration, versions, timings and
            models; ``artifacts`` (curves, explanations) are not saved.

        Raises
        ------
        ValueError
            ``run.json`` or a table layout is malformed; a model file is
            refused (:class:`stratify.data.UnsafeModelError`,
            :class:`stratify.data.UntrustedTypesError`).
        TypeError
            ``trusted`` is not a list of type names or types.
        """
        from ._saved_result import read_run_json, table_layout
        from .data import load
        from .data._persist import _type_names

        _type_names(trusted)  # refuse a malformed trust list before reading anything
        src = Path(directory)
        meta = read_run_json(src / "run.json")
        tables = {}
        for path in sorted((src / "tables").glob("*.csv")):
            levels, text, attrs = table_layout(src / "run.json", meta["tables"], path)
            dtypes: dict[int | str, type] = {**dict.fromkeys(levels, str),
                                             **dict.fromkeys(text, str)}
            # only empty cells are missing ("NA" may be a level); text columns had none
            table = pd.read_csv(path, index_col=levels, keep_default_na=False,
                                na_values=[""], dtype=dtypes)
            table[text] = table[text].fillna("")
            table.index = _restore_index(table.index)
            table.attrs.update(attrs)
            tables[path.stem] = table
        labels = None
        if (src / "labels.csv").exists():
            labels = pd.read_csv(src / "labels.csv", index_col=0, dtype=str).iloc[:, 0]
        excluded = pd.read_csv(src / "excluded.csv", dtype=str)
        models = {p.stem: load(p, trusted=trusted) for p in sorted((src / "models").glob(
            "*.skops"))}
        return cls(config=meta["config"], versions=meta["versions"], labels=labels,
                   excluded=excluded, tables=tables, models=models,
                   timings=meta["timings"])


def _text_columns(table: pd.DataFrame) -> list[str]:
    """Columns holding text only (no missing cell), to be read back as text."""
    return [str(c) for c in table.columns
            if not pd.api.types.is_numeric_dtype(table[c])
            and not pd.api.types.is_bool_dtype(table[c]) and table[c].notna().all()
            and table[c].map(lambda v: isinstance(v, str)).all()]


def _json_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``DataFrame.attrs`` that JSON can hold (e.g. Table 1's group sizes)."""
    out = {}
    for key, value in attrs.items():
        try:
            json.dumps(value)
        except TypeError:
            continue
        out[key] = value
    return out


def _restore_index(index: pd.Index) -> pd.Index:
    """Index levels read as text: empty labels back to "", numbers back to numbers."""
    def level(values: pd.Index) -> pd.Index:
        text = pd.Index([("" if pd.isna(v) else str(v)) for v in values], dtype=object,
                        name=values.name)
        if len(text) and text.str.fullmatch(r"-?\d+(\.\d+)?").all():
            return pd.Index(pd.to_numeric(text), name=values.name)
        return text

    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_arrays(
            [level(index.get_level_values(i)) for i in range(index.nlevels)],
            names=index.names)
    return level(index)


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
        """Run every configured step on ``cohort``.

        Parameters
        ----------
        cohort : Cohort
            The discovery cohort.
        validation : Cohort, optional
            An independent cohort with the same cluster features: the
            subgroups are transferred to it and it is reclustered on its own
            (``result.tables["replication"]``).
        progress : bool, default=False
            Show a progress bar over the steps.

        Returns
        -------
        StratificationResult
            Patients left out of a step are listed in ``result.excluded``;
            one ``UserWarning`` gives their counts (never their identifiers).

        Raises
        ------
        ValueError
            For an invalid configuration (naming the key) or data a step
            cannot use (naming the columns).
        """
        from ._steps import run_steps

        if not isinstance(cohort, Cohort):
            raise TypeError(f"run expects a stratify.Cohort; got {type(cohort).__name__}.")
        if validation is not None and not isinstance(validation, Cohort):
            raise TypeError("run expects the validation cohort as a stratify.Cohort; got "
                            f"{type(validation).__name__}.")
        check_disjoint(cohort, validation)
        config = self._config()
        result = StratificationResult(config=config, versions=library_versions())
        run_steps(result, cohort, validation, progress=progress)
        if len(result.excluded):
            counts = result.excluded.groupby("step", sort=False).size()
            warnings.warn(
                f"{result.excluded['patient_id'].nunique()} patient(s) were {EXCLUSION_MESSAGE} ("
                + ", ".join(f"{step}: {n}" for step, n in counts.items())
                + "); result.excluded gives the reasons.", UserWarning, stacklevel=2)
        return result


def _run_and_report(config: Mapping[str, Any], cohort: Cohort, out: str | os.PathLike, *,
                    validation: Cohort | None = None, quiet: bool = False) -> int:
    """Run, write the report and the result to ``out``, print the summary; exit code 0."""
    from .report import write_report

    start = time.perf_counter()
    with warnings.catch_warnings():
        # the summary prints the exclusion counts
        warnings.filterwarnings("ignore", message=f".*{EXCLUSION_MESSAGE}", category=UserWarning)
        result = Stratification(config).run(cohort, validation=validation, progress=not quiet)
    step = time.perf_counter()
    report = write_report(result, out)
    result.timings["report"] = round(time.perf_counter() - step, 3)
    result.save(out)
    if not quiet:
        print(result.summary())
        print(f"report: {report}")
        print(f"done in {time.perf_counter() - start:.0f} s")
    return 0


def _sample(cohort: Cohort, n: int, seed: int) -> Cohort:
    """A random sample of ``n`` patients (all when the cohort is smaller), truth kept."""
    if n >= len(cohort):
        return cohort
    ids = cohort.data.sample(n=n, random_state=seed).index.sort_values()
    truth = None if cohort.truth is None else cohort.truth.loc[ids]
    return Cohort(cohort.data.loc[ids], schema=cohort.schema, truth=truth, validate=False)


def demo(out: str | os.PathLike = "results", *, quiet: bool = False,
         n_jobs: int | None = None, quick: bool = False) -> int:
    """The main job: the whole workflow on the shipped synthetic discovery cohort.

    Runs :class:`Stratification` with :data:`stratify._config.DEMO_CONFIG` on
    the shipped discovery cohort (2,000 patients, 5 centres), checks
    replication on the shipped external validation cohort (800 patients from
    2 other centres), and writes the HTML report and the result to ``out``.
    About two minutes of CPU time in all, spread over the ``n_jobs`` workers.
    ``out`` then holds patient-level files (``labels.csv``, ``excluded.csv``);
    ``report.html`` holds aggregates only.

    Parameters
    ----------
    out : str or path, default="results"
        Output folder (``report.html``, ``run.json``, ``tables/``, ``models/``).
    quiet : bool, default=False
        Print nothing (no progress bar, no summary).
    n_jobs : int, optional
        Worker processes; default all cores.
    quick : bool, default=False
        A smoke test in well under a minute: samples of 500 discovery and 300
        validation patients and :data:`stratify._config.QUICK_CONFIG` (fewer
        resamples and bootstraps, no marker panel).

    Returns
    -------
    int
        The exit code (0).

    Examples
    --------
    >>> import tempfile
    >>> demo(tempfile.mkdtemp(), quiet=True, quick=True)  # doctest: +SKIP
    0
    """
    from .synthetic import load_discovery, load_validation

    discovery, validation = load_discovery(), load_validation()
    config = merge_config(QUICK_CONFIG if quick else DEMO_CONFIG)
    if quick:
        discovery = _sample(discovery, QUICK_SIZES["discovery"], config["seed"])
        validation = _sample(validation, QUICK_SIZES["validation"], config["seed"])
    if n_jobs is not None:
        config["n_jobs"] = n_jobs
    return _run_and_report(config, discovery, out, validation=validation, quiet=quiet)


def run_from_files(data: str | os.PathLike, config: str | os.PathLike,
                   out: str | os.PathLike, *, validation: str | os.PathLike | None = None,
                   quiet: bool = False, n_jobs: int | None = None) -> int:
    """``stratify run``: read and validate a cohort, run the configured workflow, report.

    Parameters
    ----------
    data : str or path
        Cohort CSV (checked against the pSS schema).
    config : str or path
        TOML configuration (unknown keys are errors).
    out : str or path
        Output folder.
    validation : str or path, optional
        CSV of an external cohort to check replication on.
    quiet : bool, default=False
    n_jobs : int, optional
        Overrides the configuration's ``n_jobs``.

    Returns
    -------
    int
        0 success, 1 the data failed validation or a step failed on them, 2 a
        file is missing or the configuration is unreadable or invalid.
    """
    import sys

    from .data import SchemaError

    try:
        settings = load_config(config)
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        cohort = Cohort.from_csv(data)
        external = None if validation is None else Cohort.from_csv(validation)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (SchemaError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if n_jobs is not None:
        settings["n_jobs"] = n_jobs
    try:
        return _run_and_report(settings, cohort, out, validation=external, quiet=quiet)
    except ValueError as err:
        print(f"error: the run failed on the data: {err}", file=sys.stderr)
        return 1
