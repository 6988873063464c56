"""Configuration of a stratification run: defaults, TOML loading, strict checking."""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_CONFIG", "DEMO_CONFIG", "QUICK_CONFIG", "load_config", "merge_config"]

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
    "impute": {"kind": "iterative", "n_imputations": 1},
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
