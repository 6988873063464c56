"""The shipped synthetic data sets: how each is made, how to regenerate and load it."""

from __future__ import annotations

import hashlib
import io
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from .._csv import to_csv
from ..data import PSS_SCHEMA, Cohort, write_csv
from ._cohort import make_pss_cohort
from ._exports import make_center_exports

__all__ = ["PRESETS", "write_preset", "load_discovery", "load_validation", "load_trial",
           "load_exports", "data_dictionary"]

PRESETS: dict[str, dict[str, Any]] = {
    "discovery": {"n_patients": 2000, "n_centers": 5, "random_state": 2016},
    "validation": {
        "n_patients": 800, "n_centers": 2, "random_state": 2019,
        "center_labels": ("C6", "C7"), "first_patient": 2001,
        # A shifted population: fewer healthy-like and more lymphoid patients, and the
        # ASSESS symptom proportions (Berry et al., RMD Open 2024).
        "subgroup_proportions": {"interferon": 0.32, "healthy_like": 0.22, "lymphoid": 0.26,
                                 "inflammatory": 0.20},
        "symptom_proportions": {"LSB": 0.195, "DDF": 0.129, "PDF": 0.422, "HSB": 0.254},
    },
    "trial": {"n_patients": 300, "n_centers": 4, "trial": True, "random_state": 2021,
              "first_patient": 3001},
}
"""The ``make_pss_cohort`` arguments of each shipped cohort."""

EXPORTS_SEED = 7
"""The ``make_center_exports`` seed of the shipped exports (of the discovery cohort)."""

_NAMES = (*PRESETS, "exports", "all")


def _data_dir() -> Path:
    return Path(str(resources.files("stratify.synthetic") / "data"))


def _call(name: str) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in PRESETS[name].items())
    return f"make_pss_cohort({args})"


def _preset_cohort(name: str) -> Cohort:
    return make_pss_cohort(**PRESETS[name])


def _csv_bytes(frame: pd.DataFrame, *, index: bool = True) -> bytes:
    buffer = io.StringIO()
    to_csv(frame, buffer, index=index, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def _cohort_files(name: str) -> dict[str, bytes]:
    cohort = _preset_cohort(name)
    buffer = io.StringIO()
    write_csv(cohort.data, buffer)
    assert cohort.truth is not None
    return {f"{name}.csv": buffer.getvalue().encode("utf-8"),
            f"{name}_truth.csv": _csv_bytes(cohort.truth)}


def _export_files() -> dict[str, bytes]:
    exports, mapping = make_center_exports(_preset_cohort("discovery"), random_state=EXPORTS_SEED)
    files = {f"exports_{centre}.csv": _csv_bytes(frame, index=False)
             for centre, frame in exports.items()}
    text = json.dumps(mapping, indent=2, ensure_ascii=False) + "\n"
    files["exports_mapping.json"] = text.encode("utf-8")
    return files


def data_dictionary(columns: list[str] | None = None) -> pd.DataFrame:
    """The data dictionary of the shipped files: one row per column, from the schema.

    Parameters
    ----------
    columns : list of str, optional
        The columns to describe (default: every column of the shipped cohorts).

    Returns
    -------
    DataFrame
        ``name``, ``block``, ``kind``, ``unit``, ``range``, ``levels``, ``description``.

    Examples
    --------
    >>> from stratify.synthetic import data_dictionary
    >>> data_dictionary(["age", "essdai_cns"])[["name", "kind", "range", "levels"]]
             name     kind      range   levels
    0         age  continuous  [16, 100]
    1  essdai_cns     ordinal             0 | 2 | 3
    """
    if columns is None:
        columns = _shipped_columns()
    rows = []
    for name in columns:
        var = PSS_SCHEMA[name]
        description = var.description
        if name.startswith("mol_"):
            description = (f"Whole-blood expression of {name[4:]} (log2, centred per gene; "
                           f"synthetic).")
        rows.append({
            "name": name, "block": var.block, "kind": var.kind, "unit": var.unit or "",
            "range": "" if var.range is None else f"[{var.range[0]}, {var.range[1]}]",
            "levels": "" if var.levels is None else " | ".join(map(str, var.levels)),
            "description": description})
    return pd.DataFrame(rows)


def _shipped_columns() -> list[str]:
    columns = list(make_pss_cohort(n_patients=1, trial=True, random_state=0).data.columns)
    return ["patient_id", *columns]


_README = """# Synthetic pSS data sets

Made by `stratify.synthetic`; regenerate any of them byte for
byte with `stratify synth --preset NAME --out DIR` or
`stratify.synthetic.write_preset(NAME, DIR)`, and load them with
`load_discovery()`, `load_validation()`, `load_trial()` and `load_exports()`.
No real patient is in these files.

| file | made by |
|---|---|
| `discovery.csv`, `discovery_truth.csv` | `{discovery}` |
| `validation.csv`, `validation_truth.csv` | `{validation}` |
| `trial.csv`, `trial_truth.csv` | `{trial}` |
| `exports_C1.csv` .. `exports_C5.csv`, `exports_mapping.json` | `make_center_exports(<discovery cohort>, random_state={exports_seed})` |
| `data_dictionary.csv` | `stratify.synthetic.data_dictionary()` (from `PSS_SCHEMA`) |
| `SHA256SUMS` | SHA-256 of every other file |

- `<name>.csv`: one row per patient, schema column names (`data_dictionary.csv`),
  `patient_id` first; empty cells are missing values.
- `<name>_truth.csv`: the planted truth per patient: `molecular_subgroup`,
  `symptom_subgroup`, `oracle_subgroup` and `oracle_symptom_subgroup` (the
  Bayes-optimal assignments from the observed data), `lymphoma_linear_predictor`
  and, in `trial_truth.csv`, `treatment_effect` (ESSPRI points if treated).
- `exports_<centre>.csv`: the discovery patients as each centre's raw export
  (other names, units, codes, dates and missing-value sentinels);
  `Harmonizer(mapping).transform(exports)` gives back `discovery.csv`.

The generative model, its parameters and their sources are described in the
docstring of `make_pss_cohort` and in `docs/guide/synthetic.md`.
"""


def _readme() -> bytes:
    text = _README.format(discovery=_call("discovery"),
                          validation=_call("validation"), trial=_call("trial"),
                          exports_seed=EXPORTS_SEED)
    return text.encode("utf-8")


def _files(name: str) -> dict[str, bytes]:
    if name in PRESETS:
        return _cohort_files(name)
    if name == "exports":
        return _export_files()
    files: dict[str, bytes] = {}
    for preset in (*PRESETS, "exports"):
        files.update(_files(preset))
    files["data_dictionary.csv"] = _csv_bytes(data_dictionary(), index=False)
    files["README.md"] = _readme()
    files["SHA256SUMS"] = "".join(
        f"{hashlib.sha256(content).hexdigest()}  {file}\n"
        for file, content in sorted(files.items())).encode("utf-8")
    return files


def write_preset(name: str, out_dir: str | os.PathLike) -> list[Path]:
    """Regenerate a shipped data set, byte for byte, into ``out_dir``.

    Parameters
    ----------
    name : {"discovery", "validation", "trial", "exports", "all"}
        ``"all"`` writes every data set plus ``data_dictionary.csv``,
        ``README.md`` and ``SHA256SUMS``: the whole shipped folder.
    out_dir : str or path-like
        Created if needed; existing files of the same names are overwritten.

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import tempfile
    >>> from stratify.synthetic import write_preset
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.name for p in write_preset("trial", tmp)]
    ['trial.csv', 'trial_truth.csv']
    """
    if name not in _NAMES:
        raise ValueError(f"The 'name' parameter of write_preset must be one of "
                         f"{', '.join(map(repr, _NAMES))}. Got {name!r} instead.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for file, content in _files(name).items():
        path = out / file
        path.write_bytes(content)
        paths.append(path)
    return paths


def _load(name: str) -> Cohort:
    folder = _data_dir()
    return Cohort.from_csv(folder / f"{name}.csv", truth=folder / f"{name}_truth.csv")


def load_discovery() -> Cohort:
    """The shipped discovery cohort: 2,000 patients from 5 centres, with truth.

    Size: 2,000 patients (``P000001`` .. ``P002000``), centres ``C1`` .. ``C5``
    of unequal sizes, 96 columns: demographics, the 2016 ACR/EULAR items and
    exclusions, laboratory values (IgG, complement, cryoglobulins, monoclonal
    component, blood counts, CRP, ESR), clinical signs, the 12 ESSDAI domain
    levels, ESSPRI items and HADS scores, baseline treatments, 40 whole-blood
    expression genes (``mol_``) and the lymphoma outcome
    (``lymphoma_time_years``, ``lymphoma_event``: 0 censored, 1 lymphoma,
    2 death). Missing by design as in registries (biopsy not done for about
    28 %, symptom questionnaires 12 %, ...), with centre-specific rates.

    Truth (``cohort.truth``): ``molecular_subgroup`` (interferon 35 %,
    healthy-like 30 %, lymphoid 20 %, inflammatory 15 %), ``symptom_subgroup``
    (LSB, DDF, PDF, HSB in the UKPSSR proportions), the Bayes-optimal
    ``oracle_subgroup`` and ``oracle_symptom_subgroup``, and the
    ``lymphoma_linear_predictor``.

    Made by ``make_pss_cohort(n_patients=2000, n_centers=5, random_state=2016)`` with
    every other parameter at its default; the sources of the defaults are in
    the docstring of :func:`make_pss_cohort` (Big Data Sjögren Project,
    UKPSSR, PRECISESADS, Tarn et al. 2019, Fragkioudaki et al. 2016, ...).

    Returns
    -------
    Cohort

    Examples
    --------
    >>> from stratify.synthetic import load_discovery
    >>> cohort = load_discovery()
    >>> cohort
    Cohort(2000 patients, 96 variables, 5 centres, with truth)
    >>> cohort.truth["molecular_subgroup"].value_counts().index[0]
    'interferon'
    """
    return _load("discovery")


def load_validation() -> Cohort:
    """The shipped external validation cohort: 800 patients from 2 other centres.

    Size: 800 patients (``P002001`` .. ``P002800``) from centres ``C6`` and
    ``C7``, the same columns as :func:`load_discovery`. The population is
    shifted: molecular subgroups interferon 32 %, healthy-like 22 %, lymphoid
    26 %, inflammatory 20 % (unverified), symptom subgroups in the ASSESS
    proportions (LSB 19.5 %, DDF 12.9 %, PDF 42.2 %, HSB 25.4 %; Berry et
    al., RMD Open 2024), and the centres' measurement shifts differ from the
    discovery centres'. Use it to check that subgroups and models replicate.

    Made by ``make_pss_cohort(n_patients=800, n_centers=2, random_state=2019,
    center_labels=("C6", "C7"), first_patient=2001, subgroup_proportions=...,
    symptom_proportions=...)`` (see ``stratify.synthetic.PRESETS``).

    Returns
    -------
    Cohort

    Examples
    --------
    >>> from stratify.synthetic import load_validation
    >>> sorted(load_validation().data["center"].unique())
    ['C6', 'C7']
    """
    return _load("validation")


def load_trial() -> Cohort:
    """The shipped randomized trial: 300 patients, placebo vs treatment, 1:1.

    Size: 300 patients (``P003001`` .. ``P003300``) from 4 centres, the
    columns of :func:`load_discovery` plus ``arm`` (0 placebo, 1 treated) and
    ``esspri_change`` (follow-up minus baseline ESSPRI; missing where the
    baseline ESSPRI is). Only high-symptom-burden (HSB) patients respond to
    treatment, by -1.5 ESSPRI points (JOQUER re-analysis: 1.49 points;
    Collins et al., Rheumatol Int 2021); ``truth["treatment_effect"]`` holds
    each patient's effect.

    Made by ``make_pss_cohort(n_patients=300, n_centers=4, trial=True,
    random_state=2021, first_patient=3001)``.

    Returns
    -------
    Cohort

    Examples
    --------
    >>> from stratify.synthetic import load_trial
    >>> trial = load_trial()
    >>> int(trial.data["arm"].sum())
    150
    >>> trial.truth.groupby("symptom_subgroup")["treatment_effect"].first().to_dict()
    {'DDF': 0.0, 'HSB': -1.5, 'LSB': 0.0, 'PDF': 0.0}
    """
    return _load("trial")


def load_exports() -> tuple[dict[str, pd.DataFrame], dict]:
    """The shipped raw centre exports of the discovery cohort, and their mapping.

    Five exports (``C1`` .. ``C5``), one per centre, each written the way a
    registry in one language might (English, German, Swedish, French,
    Spanish): other column names, units (IgG in mg/dL, saliva per 5 or 15
    minutes, follow-up in months or days, ...), code lists, birth and
    diagnosis dates instead of ages, missing-value sentinels and a free-text
    column. Every cell is read as text, as a registry file would be.
    ``Harmonizer(mapping).transform(exports)`` gives back
    ``load_discovery().data``.

    Made by ``make_center_exports(load_discovery(), random_state=7)``.

    Returns
    -------
    exports : dict of str to DataFrame
    mapping : dict

    Examples
    --------
    >>> from stratify.synthetic import load_exports
    >>> exports, mapping = load_exports()
    >>> sorted(exports)
    ['C1', 'C2', 'C3', 'C4', 'C5']
    """
    folder = _data_dir()
    mapping = json.loads((folder / "exports_mapping.json").read_text(encoding="utf-8"))
    exports = {centre: pd.read_csv(folder / f"exports_{centre}.csv", dtype=str,
                                   keep_default_na=False)
               for centre in mapping["centres"]}
    return exports, mapping

