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

import os
import platform
import sys
import time
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ._config import DEMO_CONFIG, QUICK_CONFIG, load_config, merge_config
from ._config_checks import check_columns, check_config
from ._step_results import (
    ClassifierResult,
    ClusterResult,
    ExplainResult,
    FeaturesResult,
    ProfileResult,
    QualityResult,
    ReplicationResult,
    ScoresResult,
    StepResult,
    SurvivalResult,
)
from ._utils.deprecation import REMOVED_IN
from .data import Cohort, check_disjoint

__all__ = ["DataError", "ReportError", "RunError", "Stratification", "StratificationResult",
           "UsageError", "check_out_dir", "demo", "library_versions", "run_and_report",
           "run_demo", "run_files", "run_from_files"]

EXCLUSION_MESSAGE = "left out of one or more steps"
"""Part of the one warning a run gives when patients were excluded (the CLI
prints the counts in its summary instead)."""

SKIP_MESSAGE = "could not run on these data"
"""Part of the one warning a run gives when steps were skipped (the CLI prints
the reasons in its summary instead)."""

QUICK_SIZES = {"discovery": 500, "validation": 300}
"""Patients sampled from each shipped cohort by ``stratify demo --quick``."""

_Part = TypeVar("_Part", bound=StepResult)

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


def _interval(row: pd.Series) -> str:
    """`` (95% CI a-b)``, or nothing when there is no interval (no resampling asked for)."""
    if pd.isna(row.get("lower")) or pd.isna(row.get("upper")):
        return ""
    return f" (95% CI {row['lower']:.3f}-{row['upper']:.3f})"


@dataclass
class StratificationResult:
    """Everything a run produced, as plain tables plus the fitted models.

    Each step's part is a typed attribute: ``result.scores``,
    ``result.quality``, ``result.features``, ``result.cluster``,
    ``result.profile``, ``result.classifier``, ``result.survival``,
    ``result.explanations``, ``result.replication`` (None when the step did
    not run), e.g. ``result.cluster.model`` or ``result.classifier.metrics``.
    They are read from three dictionaries, ``tables``, ``models`` and
    ``artifacts``, which hold the same objects by name: ``save`` writes
    those, ``load`` reads them back (artifacts excepted), and code written
    against them keeps working.

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
        ``survival_metrics``, ``hazard_ratios``, ``replication``, ...);
        ``skipped_steps`` gives the reason of each step that did not run.
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

    def record(self, part: StepResult) -> None:
        """Keep one step's part: each field under its declared name (see ``tables``)."""
        stores = {"tables": self.tables, "models": self.models, "artifacts": self.artifacts}
        for store, key, value in part.stored():
            stores[store][key] = value

    def _part(self, kind: type[_Part]) -> _Part | None:
        return kind.from_stores({"tables": self.tables, "models": self.models,
                                 "artifacts": self.artifacts})

    @property
    def scores(self) -> ScoresResult | None:
        """The scores step's part (clinical indices per patient), or None if it did not run."""
        return self._part(ScoresResult)

    @property
    def quality(self) -> QualityResult | None:
        """The data-quality step's part (report and flags), or None."""
        return self._part(QualityResult)

    @property
    def features(self) -> FeaturesResult | None:
        """The cluster features' centre corrector and imputer, or None."""
        return self._part(FeaturesResult)

    @property
    def cluster(self) -> ClusterResult | None:
        """The clustering step's part (model, scores by k, stability, embedding), or None.

        Examples
        --------
        >>> StratificationResult(config={}, versions={}).cluster is None
        True
        """
        return self._part(ClusterResult)

    @property
    def profile(self) -> ProfileResult | None:
        """The profile step's part (profiles and Table 1), or None."""
        return self._part(ProfileResult)

    @property
    def classifier(self) -> ClassifierResult | None:
        """The classifier step's part (model, cross-validation, metrics, panel), or None."""
        return self._part(ClassifierResult)

    @property
    def survival(self) -> SurvivalResult | None:
        """The lymphoma-risk step's part (model, evaluation, curves), or None."""
        return self._part(SurvivalResult)

    @property
    def explanations(self) -> ExplainResult | None:
        """The explanation step's part (SHAP, cluster explanation), or None."""
        return self._part(ExplainResult)

    @property
    def replication(self) -> ReplicationResult | None:
        """The replication step's part (tables and how the external cohort was corrected),
        or None."""
        return self._part(ReplicationResult)

    @property
    def k(self) -> int | None:
        """Number of subgroups found (1: no subgroup structure; None: no clustering)."""
        return None if self.labels is None else int(self.labels.nunique())

    @property
    def skipped(self) -> dict[str, str]:
        """The steps that did not run, each with the reason (from ``tables["skipped_steps"]``).

        Examples
        --------
        >>> StratificationResult(config={}, versions={}).skipped
        {}
        """
        table = self.tables.get("skipped_steps")
        if table is None:
            return {}
        return {str(step): str(reason) for step, reason in table["reason"].items()}

    def summary(self) -> str:
        """A one-screen text summary: k, stability, classifier accuracy, C-index.

        Counts only: no patient identifier and no patient-level value.
        """
        lines = ["stratify run summary", "--------------------"]
        if self.k == 1:
            lines.append("subgroups (k): 1: no subgroup structure was found")
        elif self.labels is not None:
            from ._utils.count_texts import size_texts

            sizes = size_texts(self.labels.value_counts().sort_index(),
                               int(self.config.get("report", {}).get("min_cell", 5)))
            lines.append(f"subgroups (k): {self.k}; sizes: "
                         + ", ".join(f"{g}: {n}" for g, n in sizes.items()))
        profile = self.profile
        if profile is not None and profile.names is not None and self.k != 1:
            lines.append("subgroups by what sets them apart (descriptive): "
                         + "; ".join(profile.names["name"].astype(str)))
        cluster, classifier = self.cluster, self.classifier
        if cluster is not None and cluster.stability is not None and self.k != 1:
            stab = cluster.stability["jaccard"]
            lines.append(f"stability (bootstrap Jaccard): min {stab.min():.2f}, "
                         f"mean {stab.mean():.2f}")
        if classifier is not None and classifier.metrics is not None:
            m = classifier.metrics
            if "balanced_accuracy" in m.index:
                row = m.loc["balanced_accuracy"]
                estimator = self.config["classify"]["estimator"]
                estimate = (f"{row['estimate']:.3f}" if pd.notna(row["estimate"])
                            else "estimate withheld (it would give a small count back)")
                lines.append(f"classifier balanced accuracy ({estimator}, out of fold): "
                             f"{estimate}{_interval(row)}")
        if classifier is not None and classifier.panel is not None:
            lines.append(f"marker panel ({len(classifier.panel)}): "
                         + ", ".join(classifier.panel))
        survival = self.survival
        if survival is not None and survival.metrics is not None:
            s = survival.metrics
            for model in s["model"].unique():
                row = s[(s["model"] == model) & (s["metric"] == "harrell_c")]
                if len(row):
                    r = row.iloc[0]
                    corrected = (f"; optimism-corrected {r['corrected']:.3f}"
                                 if "corrected" in r.index and pd.notna(r["corrected"])
                                 else "")
                    lines.append(f"lymphoma C-index ({model}, apparent): {r['estimate']:.3f}"
                                 f"{_interval(r)}{corrected}")
        replication = self.replication
        if replication is not None and replication.table is not None:
            r = replication.table.iloc[0]
            lines.append(
                f"replication ({int(r['n'])} patients): k {int(r['k_model'])} transferred, "
                f"k {int(r['k_external'])} chosen on the external cohort; prediction strength "
                f"{r['prediction_strength']:.2f}, in-group proportion "
                f"{r['in_group_proportion']:.2f}, ARI {r['ari']:.2f}, centroid correlation "
                f"{r['centroid_correlation']:.2f}")
        if len(self.excluded):
            from ._utils.count_texts import exclusion_texts

            counts = exclusion_texts(self.excluded,
                                     int(self.config.get("report", {}).get("min_cell", 5)))
            for (step, reason), n in counts.items():
                lines.append(f"excluded from {step}: {n} patient(s) ({reason})")
        for step, reason in self.skipped.items():
            lines.append(f"skipped {step}: {reason}")
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
        from ._saved_result import save_result

        return save_result(self, Path(directory))

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
        from ._saved_result import load_parts

        return cls(**load_parts(Path(directory), trusted))


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
    >>> cohort = st.synthetic.make_pss_cohort(n_patients=300, n_centers=3, random_state=0)
    >>> config = {"cluster": {"n_resamples": 5, "k_max": 5, "method": "kmeans"},
    ...           "classify": {"panel_size": 0, "n_bootstrap": 20},
    ...           "survival": {"n_bootstrap": 0}, "explain": {"enabled": False},
    ...           "impute": {"method": "simple"}}
    >>> result = st.Stratification(config).run(cohort)  # doctest: +SKIP
    >>> result.k  # doctest: +SKIP
    4
    """

    def __init__(self, config: Mapping[str, Any] | str | os.PathLike | None = None):
        self.config = config
        self.validate()

    def _config(self) -> dict[str, Any]:
        if isinstance(self.config, (str, os.PathLike)):
            return load_config(self.config)
        return merge_config(self.config)

    def validate(self, cohort: Cohort | None = None, validation: Cohort | None = None
                 ) -> dict[str, Any]:
        """Check every setting (and, given the data, every column it names) before any work.

        Called by the constructor (settings) and by :meth:`run` (settings and
        columns), so that a wrong configuration fails at once rather than
        minutes later in the step that uses it.

        Rules: integers must be integers (``4.9`` is refused, not truncated),
        numbers must lie in their range, methods must be known, lists must
        hold text, ``survival.horizons`` must not be empty, and every value
        must be writable in TOML (None only where it is the default, since
        TOML has no None: ``classify.panel_size = 0`` means no marker panel).
        Given a cohort, ``preprocess.protect`` and ``cluster.columns`` must be
        columns of it (and of ``validation``), and so must every
        ``survival.features`` entry when the list is not the default one (the
        default list is the candidate covariates, of which a cohort uses those
        it has).

        Parameters
        ----------
        cohort : Cohort, optional
            The discovery cohort, to check the columns the settings name.
        validation : Cohort, optional
            The external cohort, checked for the protected columns.

        Returns
        -------
        dict
            The merged configuration, with plain Python values (numbers as
            ``int``/``float``, sequences as lists): what ``run`` records.

        Raises
        ------
        ValueError
            Naming every offending key, what it must be and what it got.

        Examples
        --------
        >>> Stratification({"cluster": {"k_min": 3}}).validate()["cluster"]["k_min"]
        3
        >>> Stratification({"report": {"min_cell": 4.9}})
        Traceback (most recent call last):
        ...
        ValueError: Invalid configuration: the 'report.min_cell' setting must be an integer >= 1. Got 4.9 instead.
        """
        config = self._config()
        problems = check_config(config)
        if not problems and cohort is not None:
            problems = check_columns(config, cohort, "the cohort")
            if validation is not None:
                problems += check_columns(config, validation, "the validation cohort",
                                           protect_only=True)
        if problems:
            raise ValueError("Invalid configuration: " + "; ".join(problems) + ".")
        return config

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
        config = self.validate(cohort, validation)
        result = StratificationResult(config=config, versions=library_versions())
        run_steps(result, cohort, validation, progress=progress)
        if len(result.excluded):
            counts = result.excluded.groupby("step", sort=False).size()
            warnings.warn(
                f"{result.excluded['patient_id'].nunique()} patient(s) were {EXCLUSION_MESSAGE} ("
                + ", ".join(f"{step}: {n}" for step, n in counts.items())
                + "); result.excluded gives the reasons.", UserWarning, stacklevel=2)
        if result.skipped:
            warnings.warn(f"{len(result.skipped)} step(s) {SKIP_MESSAGE} or had nothing to "
                          f"work on ({', '.join(result.skipped)}); result.skipped gives the "
                          "reasons.", UserWarning, stacklevel=2)
        return result


def check_out_dir(out: str | os.PathLike, option: str = "--out") -> Path:
    """Create the output folder ``out`` (if needed) and check that files can be written in it.

    Called before any computation, so that a run is not lost to a folder it
    cannot write.

    Parameters
    ----------
    out : str or path
    option : str, default="--out"
        How the user named the folder, for the message.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ValueError
        When ``out`` is an existing file, or cannot be created or written to.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> check_out_dir(folder / "run").is_dir()
    True
    >>> (folder / "notes.txt").write_text("x")
    1
    >>> check_out_dir(folder / "notes.txt")
    Traceback (most recent call last):
    ...
    ValueError: --out: ... is a file, not a folder.
    """
    import tempfile

    path = Path(out)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{option}: {str(path)!r} is a file, not a folder.")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        raise ValueError(f"{option}: cannot write to the folder {str(path)!r} "
                         f"({error.strerror or type(error).__name__}).") from None
    return path


class RunError(Exception):
    """A command-line run that could not finish; the message says why.

    :class:`UsageError` (wrong settings, a missing file, an unwritable output
    folder: nothing was computed), :class:`DataError` (the data failed
    validation, or the run failed on them) and :class:`ReportError` (the
    results are saved, the report could not be written). ``stratify`` turns
    each into its exit code.
    """


class UsageError(RunError, ValueError):
    """The settings, a file name or the output folder are wrong; nothing was computed."""


class DataError(RunError, ValueError):
    """The data failed validation, or the run failed on them."""


class ReportError(RunError):
    """The results are saved; the report could not be written."""


def run_and_report(config: Mapping[str, Any], cohort: Cohort, out: str | os.PathLike, *,
                   validation: Cohort | None = None, quiet: bool = False
                   ) -> StratificationResult:
    """Run, save the result and then write the report to ``out``; print the summary.

    Raises
    ------
    ReportError
        The report could not be written (the result is saved in ``out``).
    """
    from .report import write_report

    start = time.perf_counter()
    with warnings.catch_warnings():
        # the summary prints the exclusion counts and the skipped steps
        for message in (EXCLUSION_MESSAGE, SKIP_MESSAGE):
            warnings.filterwarnings("ignore", message=f".*{message}", category=UserWarning)
        result = Stratification(config).run(cohort, validation=validation, progress=not quiet)
    # the result first: a report that fails cannot lose the run
    result.save(out)
    step = time.perf_counter()
    try:
        report = write_report(result, out)
    except Exception as error:  # whatever it is, the saved result must be said to be there
        raise ReportError(f"the report could not be written ({type(error).__name__}: "
                          f"{error}); the results are saved in {out}") from error
    result.timings["report"] = round(time.perf_counter() - step, 3)
    result.save(out)  # again, with the report's time in run.json
    if not quiet:
        print(result.summary())
        print(f"report: {report}")
        print(f"done in {time.perf_counter() - start:.0f} s")
    return result


def _sample(cohort: Cohort, n: int, seed: int) -> Cohort:
    """A random sample of ``n`` patients (all when the cohort is smaller), truth kept."""
    if n >= len(cohort):
        return cohort
    ids = cohort.data.sample(n=n, random_state=seed).index.sort_values()
    truth = None if cohort.truth is None else cohort.truth.loc[ids]
    return Cohort(cohort.data.loc[ids], schema=cohort.schema, truth=truth, validate=False)


def run_demo(out: str | os.PathLike = "results", *, quiet: bool = False,
             n_jobs: int | None = None, quick: bool = False) -> StratificationResult:
    """The main job: the whole workflow on the shipped synthetic discovery cohort.

    Runs :class:`Stratification` with :data:`stratify._config.DEMO_CONFIG` on
    the shipped discovery cohort (2,000 patients, 5 centres), checks
    replication on the shipped external validation cohort (800 patients from
    2 other centres), and writes the HTML report and the result to ``out``
    (what ``stratify demo`` does). About two minutes of CPU time in all,
    spread over the ``n_jobs`` workers. ``out`` then holds patient-level
    files (``labels.csv``, ``excluded.csv``); ``report.html`` holds
    aggregates only.

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
    StratificationResult

    Raises
    ------
    UsageError
        Before any work, when ``out`` cannot be written or ``n_jobs`` is invalid.
    ReportError
        The report could not be written (the result is saved).

    Examples
    --------
    >>> import tempfile
    >>> run_demo(tempfile.mkdtemp(), quiet=True, quick=True).k  # doctest: +SKIP
    4
    """
    from .synthetic import load_discovery, load_validation

    config = merge_config(QUICK_CONFIG if quick else DEMO_CONFIG)
    if n_jobs is not None:
        config["n_jobs"] = n_jobs
    try:
        Stratification(config)  # e.g. n_jobs=0 fails here, before any work
        check_out_dir(out)
    except ValueError as err:
        raise UsageError(str(err)) from err
    discovery, validation = load_discovery(), load_validation()
    if quick:
        discovery = _sample(discovery, QUICK_SIZES["discovery"], config["seed"])
        validation = _sample(validation, QUICK_SIZES["validation"], config["seed"])
    return run_and_report(config, discovery, out, validation=validation, quiet=quiet)


def run_files(data: str | os.PathLike, config: str | os.PathLike,
              out: str | os.PathLike, *, validation: str | os.PathLike | None = None,
              quiet: bool = False, n_jobs: int | None = None) -> StratificationResult:
    """``stratify run``: read and validate a cohort, run the configured workflow, report.

    Parameters
    ----------
    data : str or path
        Cohort file in any format :meth:`Cohort.from_file` reads (checked
        against the pSS schema).
    config : str or path
        TOML configuration (unknown keys are errors).
    out : str or path
        Output folder.
    validation : str or path, optional
        File of an external cohort to check replication on.
    quiet : bool, default=False
    n_jobs : int, optional
        Overrides the configuration's ``n_jobs``.

    Returns
    -------
    StratificationResult
        Steps that could not run on these data are skipped, with the reason in
        the summary and the report.

    Raises
    ------
    UsageError
        A file is missing, a reader is not installed, the configuration is
        unreadable or invalid (every setting is checked before the data are
        read, the columns it names once they are), or ``out`` cannot be
        written.
    DataError
        The data failed validation, or the run failed on them.
    ReportError
        The report could not be written (the result is saved).
    """
    from .data import SchemaError

    try:
        settings = Stratification(config).validate()
        if n_jobs is not None:
            settings["n_jobs"] = n_jobs
        workflow = Stratification(settings)
        check_out_dir(out)
    except (ValueError, FileNotFoundError) as err:
        raise UsageError(str(err)) from err
    try:
        cohort = Cohort.from_file(data)
        external = None if validation is None else Cohort.from_file(validation)
    except (FileNotFoundError, ImportError) as err:
        raise UsageError(str(err)) from err
    except (SchemaError, ValueError) as err:
        raise DataError(str(err)) from err
    try:
        workflow.validate(cohort, external)
    except ValueError as err:
        raise UsageError(str(err)) from err
    try:
        return run_and_report(settings, cohort, out, validation=external, quiet=quiet)
    except (ValueError, np.linalg.LinAlgError) as err:
        raise DataError(f"the run failed on the data: {err}") from err


def _exit_code(run: Any, *args: Any, **kwargs: Any) -> int:
    """0.1's int-returning entry points: the error printed, its exit code returned."""
    try:
        run(*args, **kwargs)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (DataError, ReportError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


def demo(out: str | os.PathLike = "results", *, quiet: bool = False,
         n_jobs: int | None = None, quick: bool = False) -> int:
    """0.1's :func:`run_demo` returning an exit code (works until 0.3 with a FutureWarning).

    Returns
    -------
    int
        0 success, 1 the report could not be written, 2 wrong usage.
    """
    warnings.warn("stratify.workflow.demo returns an exit code and will stop working in "
                  f"stratify {REMOVED_IN}; use run_demo (it returns the result and raises "
                  "UsageError, DataError or ReportError) or the command 'stratify demo'.",
                  FutureWarning, stacklevel=2)
    return _exit_code(run_demo, out, quiet=quiet, n_jobs=n_jobs, quick=quick)


def run_from_files(data: str | os.PathLike, config: str | os.PathLike,
                   out: str | os.PathLike, *, validation: str | os.PathLike | None = None,
                   quiet: bool = False, n_jobs: int | None = None) -> int:
    """0.1's :func:`run_files` returning an exit code (works until 0.3 with a FutureWarning).

    Returns
    -------
    int
        0 success, 1 the data failed validation or the run failed on them, 2 wrong usage.
    """
    warnings.warn("stratify.workflow.run_from_files returns an exit code and will stop "
                  f"working in stratify {REMOVED_IN}; use run_files (it returns the result "
                  "and raises UsageError, DataError or ReportError) or the command "
                  "'stratify run'.", FutureWarning, stacklevel=2)
    return _exit_code(run_files, data, config, out, validation=validation, quiet=quiet,
                      n_jobs=n_jobs)
