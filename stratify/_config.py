"""Configuration of a stratification run: defaults, TOML loading, strict checking."""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._utils.toml import toml_value

__all__ = ["DEFAULT_CONFIG", "DEMO_CONFIG", "QUICK_CONFIG", "load_config", "merge_config",
           "defaults_toml"]

LYMPHOMA_RISK_FACTORS = [
    "salivary_gland_enlargement",
    "lymphadenopathy",
    "cryoglobulins",
    "c4_low",
    "rf",
    "monoclonal_component",
    "lymphopenia",
    "germinal_centres",
    "anti_ro",
    "anti_la",
    "raynaud",
    "age",
    "mol_BTK",
    "mol_IFI44",
    "mol_IFI44L",
    "mol_IFIT1",
    "mol_IFIT3",
    "mol_MX1",
]
"""Default covariates of the lymphoma model: the factors of Fragkioudaki et al.
(Medicine 2016), Nocturne et al. (Arthritis Rheumatol 2016), Quartuccio et al.
(2014) and Theander et al. (Ann Rheum Dis 2011), age for competing death, BTK
expression (Duret et al., Arthritis Rheumatol 2023) and the five genes of the
standard interferon score (all lymphomas of ASSESS were IFN-high). Columns absent
from a cohort are left out."""

PROFILE_BLOCKS = ["demographics", "classification", "laboratory", "clinical", "essdai",
                  "symptoms"]

DEFAULT_CONFIG: dict[str, Any] = {
    "seed": 0,
    "n_jobs": None,
    "threads": 1,
    "scores": {"enabled": True},
    "quality": {"enabled": True},
    "preprocess": {"center_correction": "combat", "protect": []},
    "impute": {"method": "iterative", "n_imputations": 1},
    "cluster": {
        "blocks": ["molecular"],
        "columns": [],
        "method": "gmm",
        "k_min": 2,
        "k_max": 8,
        "n_resamples": 50,
        "subsample": 0.8,
        "missing": "mixture",
        "n_imputations": 5,
        "n_null": 39,
        "alpha": 0.05,
    },
    "profile": {"blocks": PROFILE_BLOCKS},
    "classify": {
        "enabled": True,
        "estimator": "hgb",
        "panel_size": 10,
        "by_center": True,
        "n_bootstrap": 200,
    },
    "survival": {
        "enabled": True,
        "method": "cox",
        "penalizer": 0.05,
        "features": LYMPHOMA_RISK_FACTORS,
        "include_subgroup": True,
        "horizons": [5.0, 10.0],
        "n_bootstrap": 100,
        "optimism": True,
    },
    "explain": {"enabled": True, "max_rows": 500},
    "replicate": {"center_correction": "reference"},
    "report": {"min_cell": 5},
}
"""Every key a configuration may hold, with its default. Unknown keys are errors.

``n_jobs`` is the number of worker processes of the resampling loops (-1: every
core). ``threads`` caps the BLAS/OpenMP threads of the run's own process
(workers always use one): on a few shared cores, threads of small numeric
problems compete with the workers and with each other (a calibrated gradient
boosting fit took 7 s of CPU with one thread and 21 s with the default on a
loaded 2-core machine); 0 leaves the libraries' defaults.
``replicate.center_correction`` says how an external cohort whose centres the
discovery cohort did not have is centre-corrected (see
:func:`stratify._steps.step_replicate`): ``"reference"`` corrects it within
itself and then standardizes it to the discovery cohort's corrected features;
``"fitted"`` applies only the discovery's corrector (unseen centres stay
uncorrected)."""

DEMO_CONFIG: dict[str, Any] = {
    "n_jobs": -1,
    "cluster": {"n_resamples": 30},
    "classify": {"estimator": "logistic", "n_bootstrap": 200},
}
"""Settings of ``stratify demo`` (merged over the defaults). The panel search
and the classifier use the multinomial logistic model (0.14 s of CPU per
calibrated fit on the discovery cohort against 7.5 s for gradient boosting,
at the same leave-one-centre-out balanced accuracy on these data); the panel
is still selected inside every cross-validation fold. Consensus clustering
uses 30 resamples (stability 0.99 on the discovery cohort, as with 50)."""

QUICK_CONFIG: dict[str, Any] = {
    "n_jobs": -1,
    "cluster": {"n_resamples": 10, "k_max": 6, "n_imputations": 2},
    "classify": {"estimator": "logistic", "panel_size": 0, "n_bootstrap": 100},
    "survival": {"n_bootstrap": 20},
    "explain": {"max_rows": 150},
}
"""Settings of ``stratify demo --quick``: a smoke test on samples of the shipped
cohorts that checks the workflow runs end to end (results are not those of the
full demo). No marker panel: its selection costs about as much on 500 patients
as on 2,000 (it fits a fixed number of models)."""


CONFIG_NOTES: dict[str, str] = {
    "seed": "seed of every random step",
    "n_jobs": "worker processes of resampling, cross-validation and bootstraps; "
              "unset: one, -1: every core",
    "threads": "BLAS/OpenMP threads of the run's own process (workers use one); "
               "0: the libraries' defaults",
    "scores.enabled": "ESSDAI, ClinESSDAI, ESSPRI and the 2016 ACR/EULAR criteria",
    "quality.enabled": "the data-quality report across centres",
    "preprocess.center_correction": 'or "location_scale", "none" (or false)',
    "preprocess.protect": "covariates whose differences must survive",
    "impute.method": "or simple, knn, forest, mixture",
    "impute.n_imputations": "> 1: multiple imputation, pooled by Rubin's rules",
    "cluster.blocks": "schema blocks clustered",
    "cluster.columns": "columns clustered besides the blocks",
    "cluster.method": "or kmeans, agglomerative, hdbscan",
    "cluster.k_min": "smallest k tried (k = 1 comes from the structure test)",
    "cluster.k_max": "largest k tried",
    "cluster.n_resamples": "subsamples of the consensus and the stability",
    "cluster.subsample": "share of the patients in each subsample",
    "cluster.missing": "the clustering imputes its features by draws from a mixture "
                       'fitted to the observed values; "imputed": cluster the [impute] frames',
    "cluster.n_imputations": "draws of that imputation (>= 2 lets stability see a split "
                             "that one draw made)",
    "cluster.n_null": "reference null data sets of the structure test, which answers "
                      "one subgroup when no k beats them (0: no test)",
    "cluster.alpha": "level of the structure test",
    "profile.blocks": "blocks described by subgroup (Table 1 and profile)",
    "classify.enabled": "subgroup classifier and marker panel",
    "classify.estimator": "or logistic, forest",
    "classify.panel_size": "0: no marker panel",
    "classify.by_center": "leave-one-centre-out validation",
    "classify.n_bootstrap": "bootstrap resamples of the validation intervals",
    "survival.enabled": "the lymphoma risk model",
    "survival.method": "or coxnet, forest, boosting",
    "survival.penalizer": "ridge penalty of the Cox fit (hazard ratios: unpenalized refit)",
    "survival.features": "candidate covariates; a cohort uses those it has",
    "survival.include_subgroup": "the subgroup is a covariate too",
    "survival.horizons": "years at which risks are predicted and evaluated",
    "survival.n_bootstrap": "bootstrap resamples of the evaluation intervals",
    "survival.optimism": "also correct each metric for optimism (Harrell's bootstrap: the "
                         "model refitted n_bootstrap times); else apparent only",
    "explain.enabled": "SHAP explanations of the classifier and of the subgroups",
    "explain.max_rows": "patients explained (a random sample of them)",
    "replicate.center_correction": "external centres unseen in discovery: corrected within "
                                   'the cohort, then standardized to the discovery ("fitted": '
                                   "the discovery corrector alone)",
    "report.min_cell": 'counts below are shown as "<5"',
}
"""One line on every key of :data:`DEFAULT_CONFIG`, shown by :func:`defaults_toml`."""

_NOTE_COLUMN = 33
_WIDTH = 100


def _toml_value(value: Any, indent: int) -> str:
    return toml_value(value, indent, _NOTE_COLUMN - 1)


def _note_lines(note: str, room: int) -> list[str]:
    words, lines, line = note.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > room:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line]


def _toml_setting(key: str, value: Any, note: str) -> list[str]:
    room = _WIDTH - _NOTE_COLUMN - 2
    notes = _note_lines(note, room)
    if value is None:  # TOML has no None: the setting is shown unset
        return [f"# {key} = ...".ljust(_NOTE_COLUMN - 1) + f" # {notes[0]}",
                *[" " * _NOTE_COLUMN + f"# {n}" for n in notes[1:]]]
    text = f"{key} = {_toml_value(value, len(key) + 3)}"
    *body, last = text.split("\n")
    if len(last) >= _NOTE_COLUMN - 1:
        return [*body, last, *[" " * _NOTE_COLUMN + f"# {n}" for n in notes]]
    return [*body, last.ljust(_NOTE_COLUMN - 1) + f" # {notes[0]}",
            *[" " * _NOTE_COLUMN + f"# {n}" for n in notes[1:]]]


def defaults_toml(config: Mapping[str, Any] | None = None,
                  notes: Mapping[str, str] | None = None) -> str:
    """Every setting and its default, as a TOML file with one note per key.

    The workflow guide shows this text (a test compares the two), so the
    documented settings are the ones a run records in ``run.json``.

    Parameters
    ----------
    config : dict, optional
        Settings to show; :data:`DEFAULT_CONFIG` when None.
    notes : dict, optional
        Note of each key (``"section.key"`` or ``"key"``); :data:`CONFIG_NOTES`
        when None.

    Returns
    -------
    str
        TOML text; a setting whose default is None (TOML has none) is a
        comment.

    Raises
    ------
    KeyError
        When a key has no note.

    Examples
    --------
    >>> print(defaults_toml({"seed": 0, "report": {"min_cell": 5}},
    ...                     {"seed": "seed of every random step",
    ...                      "report.min_cell": "counts below are hidden"}))
    seed = 0                         # seed of every random step
    <BLANKLINE>
    [report]
    min_cell = 5                     # counts below are hidden
    """
    config = DEFAULT_CONFIG if config is None else config
    notes = CONFIG_NOTES if notes is None else notes
    missing = [key for key in _dotted_keys(config) if key not in notes]
    if missing:
        raise KeyError(f"no note for setting(s) {', '.join(missing)}")
    lines: list[str] = []
    for key, value in config.items():
        if not isinstance(value, Mapping):
            lines += _toml_setting(key, value, notes[key])
    for section, settings in config.items():
        if isinstance(settings, Mapping):
            lines += ["", f"[{section}]"]
            for key, value in settings.items():
                lines += _toml_setting(key, value, notes[f"{section}.{key}"])
    return "\n".join(lines) + "\n"


def _dotted_keys(config: Mapping[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for key, value in config.items():
        if isinstance(value, Mapping):
            keys += _dotted_keys(value, f"{prefix}{key}.")
        else:
            keys.append(f"{prefix}{key}")
    return keys


def _check(config: Mapping[str, Any], reference: Mapping[str, Any], path: str) -> list[str]:
    problems = []
    for key, value in config.items():
        where = f"{path}{key}"
        if key not in reference:
            problems.append(f"unknown key {where!r} (allowed: {', '.join(sorted(reference))})")
        elif isinstance(reference[key], dict):
            if not isinstance(value, Mapping):
                problems.append(f"{where!r} must be a table of settings")
            else:
                problems += _check(value, reference[key], f"{where}.")
    return problems


RENAMED_KEYS: dict[tuple[str, str], str] = {("impute", "kind"): "method"}
"""Settings renamed since stratify 0.1: (section, old key) -> new key. The old key
works until 0.3 with a FutureWarning."""


def _renamed_keys(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """``config`` with 0.1's setting names moved to today's, each with a FutureWarning."""
    from ._utils.deprecation import warn_renamed

    out: dict[str, Any] | None = None
    for (section, old), new in RENAMED_KEYS.items():
        settings = config.get(section)
        if not isinstance(settings, Mapping) or old not in settings:
            continue
        if new in settings:
            raise ValueError(f"Invalid configuration: '{section}.{old}' is the old name of "
                             f"'{section}.{new}'; give '{section}.{new}' only.")
        warn_renamed("The setting", f"{section}.{old}", f"{section}.{new}", stacklevel=4)
        out = dict(config) if out is None else out
        out[section] = {(new if k == old else k): v for k, v in settings.items()}
    return config if out is None else out


def merge_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults updated by ``config``; unknown keys raise ``ValueError`` listing all of them.

    Examples
    --------
    >>> merge_config({"cluster": {"method": "kmeans"}})["cluster"]["method"]
    'kmeans'
    >>> merge_config({"clustr": {}})
    Traceback (most recent call last):
    ...
    ValueError: Invalid configuration: unknown key 'clustr' (allowed: ...)
    """
    merged = copy.deepcopy(DEFAULT_CONFIG)
    if not config:
        return merged
    config = _renamed_keys(config)
    problems = _check(config, DEFAULT_CONFIG, "")
    if problems:
        raise ValueError("Invalid configuration: " + "; ".join(problems))
    for key, value in config.items():
        if isinstance(merged[key], dict):
            merged[key].update(value)
        else:
            merged[key] = value
    return merged


def load_config(path: str | os.PathLike) -> dict[str, Any]:
    """Read a TOML configuration file and merge it with the defaults."""
    import tomllib

    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such configuration file.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML ({exc}).") from None
    try:
        return merge_config(raw)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
