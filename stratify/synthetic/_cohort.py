"""make_pss_cohort: a synthetic pSS cohort whose subgroups, risks and responses are known."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from .._utils.deprecation import renamed_argument
from ..data import PSS_SCHEMA, Cohort
from . import _missing, _molecular, _outcomes, _phenotypes, _symptoms
from ._molecular import GENES, IFN_SCORE_GENES, SUBGROUPS
from ._phenotypes import PHENOTYPES
from ._symptoms import SYMPTOM_COLUMNS, SYMPTOM_SUBGROUPS

__all__ = ["make_pss_cohort", "CohortParameters"]

# Probability of each binary item per molecular subgroup (healthy_like, inflammatory,
# interferon, lymphoid), weighted so that the default mixture matches the registry
# marginals (docs/guide/synthetic.md, "The generative model"); the direction of each shift
# follows PRECISESADS and the lymphoma literature (lymphoid: SGE, RF, cryoglobulins,
# low C4, germinal centres; interferon: anti-Ro/La; healthy-like: least activity).
_BINARY = {
    "anti_ro": (0.62, 0.78, 0.92, 0.88),
    "ana": (0.65, 0.78, 0.88, 0.85),
    "rf": (0.38, 0.45, 0.60, 0.80),
    "c3_low": (0.04, 0.08, 0.09, 0.13),
    "c4_low": (0.07, 0.12, 0.15, 0.33),
    "cryoglobulins": (0.02, 0.05, 0.06, 0.18),
    "monoclonal_component": (0.06, 0.10, 0.12, 0.22),
    "lymphopenia": (0.08, 0.12, 0.17, 0.18),
    "leukopenia": (0.08, 0.10, 0.18, 0.11),
    "salivary_gland_enlargement": (0.10, 0.16, 0.16, 0.40),
    "lymphadenopathy": (0.05, 0.08, 0.09, 0.22),
    "raynaud": (0.15, 0.18, 0.25, 0.22),
    "germinal_centres": (0.12, 0.20, 0.22, 0.50),
}
# anti-La given anti-Ro positive, per subgroup; given anti-Ro negative: _LA_WITHOUT_RO.
_LA_WITH_RO = (0.55, 0.62, 0.75, 0.72)
_LA_WITHOUT_RO = 0.03
# Median IgG (g/L) per subgroup; log-normal spread.
_IGG_MEDIAN = (12.0, 13.5, 17.1, 16.6)
_IGG_LOG_SD = 0.28
# Mean focus score per subgroup (Birmingham: mean 1.7, SD 0.8 among the biopsied).
_FOCUS_MEAN = (1.3, 1.6, 1.8, 2.3)
_FOCUS_SD = 0.72
# Involvement of the clinical ESSDAI domains per subgroup (Big Data Sjögren Project
# marginals: constitutional 8 %, articular 35-38 %, cutaneous 9 %, pulmonary 7 %,
# renal 2 %, muscular 1 %, PNS 5 %, CNS 2 %) and the distribution of the active levels.
_DOMAINS = {
    "constitutional": ((0.05, 0.10, 0.09, 0.11), {1: 0.7, 2: 0.3}),
    "articular": ((0.36, 0.39, 0.37, 0.35), {1: 0.55, 2: 0.35, 3: 0.10}),
    "cutaneous": ((0.05, 0.08, 0.11, 0.12), {1: 0.6, 2: 0.3, 3: 0.1}),
    "pulmonary": ((0.04, 0.08, 0.08, 0.09), {1: 0.6, 2: 0.3, 3: 0.1}),
    "renal": ((0.01, 0.02, 0.025, 0.03), {1: 0.6, 2: 0.3, 3: 0.1}),
    "muscular": ((0.005, 0.01, 0.012, 0.015), {1: 0.5, 2: 0.35, 3: 0.15}),
    "pns": ((0.03, 0.05, 0.06, 0.07), {1: 0.55, 2: 0.30, 3: 0.15}),
    "cns": ((0.01, 0.02, 0.025, 0.025), {2: 0.7, 3: 0.3}),
}
# Exclusion criteria of the 2016 classification: rare in a pSS registry (unverified).
_EXCLUSIONS = ("head_neck_radiation", "hepatitis_c", "aids", "sarcoidosis", "amyloidosis",
               "gvhd", "igg4_disease")
_EXCLUSION_RATE = 0.002
# Loading of every item on the patient's latent disease activity (Gaussian copula);
# it makes serology, labs and ESSDAI domains correlate within a subgroup.
_ACTIVITY_LOADING = 0.4
_DOMAIN_LOADING = 0.25


def _dict_default(default: Mapping[str, Any]) -> Any:
    return field(default_factory=lambda: dict(default))


@dataclass(frozen=True)
class CohortParameters:
    """The generative parameters of :func:`make_pss_cohort` (keyword ``**parameters``).

    Every field is a keyword of :func:`make_pss_cohort`; its docstring gives the
    meaning and the source of each default.
    """

    subgroup_proportions: dict[str, float] = _dict_default(
        {"interferon": 0.35, "healthy_like": 0.30, "lymphoid": 0.20, "inflammatory": 0.15})
    symptom_proportions: dict[str, float] = _dict_default(
        {"LSB": 0.142, "DDF": 0.204, "PDF": 0.394, "HSB": 0.259})
    symptom_profiles: dict[str, tuple[float, ...]] = _dict_default(
        _symptoms.SYMPTOM_PROFILES)
    symptom_sd: tuple[float, ...] = _symptoms.SYMPTOM_SD
    female_fraction: float = 0.94
    age_mean: float = 53.0
    age_sd: float = 13.0
    disease_duration_mean: float = 3.0
    molecular_effect: float = 3.0
    module_correlation: float = 0.25
    center_shift_sd: float = 1.0
    igg_shift_sd: float = 1.0
    case_mix_sd: float = 0.25
    missing_rate: float = 0.2
    lymphoma_log_hazard_ratios: dict[str, float] = _dict_default(
        _outcomes.LYMPHOMA_LOG_HAZARD_RATIOS)
    lymphoma_shape: float = 1.6
    lymphoma_scale: float = 610.0
    follow_up_years: tuple[float, float] = (1.0, 20.0)
    death_gompertz: tuple[float, float] = (-10.5, 0.085)
    treatment_effects: dict[str, float] = _dict_default(
        {"LSB": 0.0, "DDF": 0.0, "PDF": 0.0, "HSB": -1.5})
    placebo_change: float = -0.3
    change_sd: float = 1.2
    center_labels: tuple[str, ...] | None = None
    first_patient: int = 1
    phenotype_proportions: dict[str, float] = _dict_default(_phenotypes.PHENOTYPE_PROPORTIONS)
    phenotype_lymphoma_log_hazard_ratio: float = 0.7
    phenotype_missing: float = 0.2


_PARAMETER_NAMES = tuple(f.name for f in fields(CohortParameters))


def _check_arguments(n_patients: Any, n_centers: Any, missing: Any, seed: Any,
                     parameters: Mapping[str, Any]) -> CohortParameters:
    def fail(name: str, expected: str, got: Any) -> None:
        raise ValueError(f"The {name!r} parameter of make_pss_cohort must be {expected}. "
                         f"Got {got!r} instead.")

    unknown = [k for k in parameters if k not in _PARAMETER_NAMES]
    if unknown:
        close = difflib.get_close_matches(unknown[0], _PARAMETER_NAMES, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise TypeError(f"make_pss_cohort() got an unexpected keyword argument "
                        f"{unknown[0]!r}{hint}; parameters are {', '.join(_PARAMETER_NAMES)}.")
    for name, value, low in (("n_patients", n_patients, 1), ("n_centers", n_centers, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            fail(name, f"an int >= {low}", value)
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        fail("random_state", "a non-negative int", seed)
    if missing is not None and missing not in ("registry", "none", *_missing.MECHANISMS):
        fail("missing", "'registry', 'MCAR', 'MAR', 'MNAR', 'none' or None", missing)
    params = CohortParameters(**parameters)
    profiles = params.symptom_profiles
    if (not isinstance(profiles, Mapping) or set(profiles) != set(SYMPTOM_SUBGROUPS)
            or any(np.shape(v) != (5,) for v in profiles.values())
            or np.shape(params.symptom_sd) != (5,) or min(params.symptom_sd) <= 0):
        fail("symptom_profiles", f"a dict of 5 means over {sorted(SYMPTOM_SUBGROUPS)} (and "
             f"symptom_sd 5 positive SDs)", profiles)
    for name, levels in (("subgroup_proportions", SUBGROUPS),
                         ("symptom_proportions", SYMPTOM_SUBGROUPS),
                         ("phenotype_proportions", PHENOTYPES)):
        value = getattr(params, name)
        if (not isinstance(value, Mapping) or set(value) != set(levels)
                or any(not np.isfinite(v) or v < 0 for v in value.values())
                or sum(value.values()) <= 0):
            fail(name, f"a dict of non-negative weights over {sorted(levels)}", value)
    if (not isinstance(params.treatment_effects, Mapping)
            or set(params.treatment_effects) != set(SYMPTOM_SUBGROUPS)):
        fail("treatment_effects", f"a dict of ESSPRI changes over {sorted(SYMPTOM_SUBGROUPS)}",
             params.treatment_effects)
    factors = set(_outcomes.LYMPHOMA_LOG_HAZARD_RATIOS)
    if (not isinstance(params.lymphoma_log_hazard_ratios, Mapping)
            or not set(params.lymphoma_log_hazard_ratios) <= factors):
        fail("lymphoma_log_hazard_ratios", f"a dict over (some of) {sorted(factors)}",
             params.lymphoma_log_hazard_ratios)
    if not 0 <= params.missing_rate < 1:
        fail("missing_rate", "a float in [0, 1)", params.missing_rate)
    if not 0 <= params.phenotype_missing < 1:
        fail("phenotype_missing", "a float in [0, 1)", params.phenotype_missing)
    if not np.isfinite(params.phenotype_lymphoma_log_hazard_ratio):
        fail("phenotype_lymphoma_log_hazard_ratio", "a finite float",
             params.phenotype_lymphoma_log_hazard_ratio)
    if not 0 <= params.module_correlation < 1:
        fail("module_correlation", "a float in [0, 1)", params.module_correlation)
    if params.center_labels is not None and (
            len(params.center_labels) != n_centers
            or len(set(map(str, params.center_labels))) != n_centers):
        fail("center_labels", f"{n_centers} distinct names (one per centre)",
             params.center_labels)
    if isinstance(params.first_patient, bool) or not isinstance(
            params.first_patient, (int, np.integer)) or not (
            1 <= params.first_patient <= 10**6 - n_patients):
        fail("first_patient", f"an int in [1, {10**6 - n_patients}] (ids have 6 digits)",
             params.first_patient)
    return params


def _weights(proportions: Mapping[str, float], order: Sequence[str]) -> np.ndarray:
    p = np.array([proportions[name] for name in order], dtype=float)
    return p / p.sum()


def _draw(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One category per row of ``probabilities`` (rows sum to 1), by inversion."""
    u = rng.random((probabilities.shape[0], 1))
    return np.minimum((u > probabilities.cumsum(axis=1)).sum(axis=1),
                      probabilities.shape[1] - 1)


@dataclass
class _Centres:
    """Everything that differs between centres, drawn once from the parameter stream."""

    labels: list[str]
    size: np.ndarray
    molecular_prior: np.ndarray
    symptom_prior: np.ndarray
    gene_shift: np.ndarray
    igg_shift: np.ndarray
    crp_factor: np.ndarray
    esr_shift: np.ndarray
    missing_factor: np.ndarray


def _tilt(rng: np.random.Generator, p: np.ndarray, n: int, sd: float) -> np.ndarray:
    logits = np.log(np.maximum(p, 1e-12)) + sd * rng.standard_normal((n, p.size))
    w = np.exp(logits) * (p > 0)
    return w / w.sum(axis=1, keepdims=True)


def _centres(seed_sequence: np.random.SeedSequence, n_centers: int, effects: bool,
             params: CohortParameters) -> _Centres:
    streams = [np.random.default_rng(s) for s in seed_sequence.spawn(6)]
    labels = ([str(c) for c in params.center_labels] if params.center_labels is not None
              else [f"C{i + 1}" for i in range(n_centers)])
    size = streams[0].dirichlet(np.full(n_centers, 8.0)) if n_centers > 1 else np.ones(1)
    mol = _weights(params.subgroup_proportions, SUBGROUPS)
    sym = _weights(params.symptom_proportions, SYMPTOM_SUBGROUPS)
    n_patterns = len(_missing.REGISTRY_MISSING)
    if not effects:
        return _Centres(labels, size, np.tile(mol, (n_centers, 1)),
                        np.tile(sym, (n_centers, 1)), np.zeros((n_centers, len(GENES))),
                        np.zeros(n_centers), np.ones(n_centers), np.zeros(n_centers),
                        np.ones((n_centers, n_patterns)))
    return _Centres(
        labels, size,
        _tilt(streams[1], mol, n_centers, params.case_mix_sd),
        _tilt(streams[2], sym, n_centers, params.case_mix_sd),
        np.round(streams[3].normal(0.0, params.center_shift_sd, (n_centers, len(GENES))), 3),
        np.round(streams[4].normal(0.0, params.igg_shift_sd, n_centers), 1),
        np.exp(streams[4].normal(0.0, 0.2, n_centers)),
        np.round(streams[4].normal(0.0, 3.0, n_centers)),
        np.exp(streams[5].normal(0.0, 0.35, (n_centers, n_patterns))),
    )


def _copula(rng: np.random.Generator, activity: np.ndarray, probability: np.ndarray,
            loading: float = _ACTIVITY_LOADING) -> np.ndarray:
    """0/1 with the given per-patient probability, positively tied to ``activity``."""
    from scipy.special import ndtri

    noise = rng.standard_normal(activity.size)
    latent = loading * activity + np.sqrt(1 - loading**2) * noise
    return (latent > ndtri(1.0 - probability)).astype(float)


def _gamma_mean_sd(rng: np.random.Generator, mean: np.ndarray, sd: float, at_least: np.ndarray
                   ) -> np.ndarray:
    """Gamma draws with the given mean and SD, truncated below at ``at_least`` (by inversion)."""
    from scipy.special import gammainc, gammaincinv

    shape = (mean / sd) ** 2
    scale = sd**2 / mean
    floor = gammainc(shape, at_least / scale)
    u = floor + (1.0 - floor) * rng.random(mean.size)
    return gammaincinv(shape, u) * scale


def _clinical(rng: np.random.Generator, k: np.ndarray, centre: np.ndarray, centres: _Centres,
              params: CohortParameters) -> dict[str, np.ndarray]:
    """Demographics, classification items, laboratory, clinical signs, ESSDAI domains."""
    n = k.size
    out: dict[str, np.ndarray] = {}
    out["sex"] = np.where(rng.random(n) < params.female_fraction, "F", "M").astype(object)
    age_dx = np.clip(rng.normal(params.age_mean, params.age_sd, n), 18.0, 90.0)
    duration = rng.gamma(1.5, params.disease_duration_mean / 1.5, n)
    out["age_at_diagnosis"] = np.round(age_dx, 2)
    out["disease_duration_years"] = np.round(np.minimum(duration, 100.0 - age_dx), 2)
    out["age"] = np.round(out["age_at_diagnosis"] + out["disease_duration_years"], 2)

    activity = rng.standard_normal(n)
    for name, by_group in _BINARY.items():
        out[name] = _copula(rng, activity, np.asarray(by_group)[k])
    p_la = np.where(out["anti_ro"] == 1, np.asarray(_LA_WITH_RO)[k], _LA_WITHOUT_RO)
    out["anti_la"] = _copula(rng, activity, p_la)
    out["sicca_symptoms"] = (rng.random(n) < 0.97).astype(float)
    for name in _EXCLUSIONS:
        out[name] = (rng.random(n) < _EXCLUSION_RATE).astype(float)

    # Anti-Ro-negative patients are classified through their biopsy (focus score >= 1).
    at_least = np.where(out["anti_ro"] == 1, 0.0, 1.0)
    out["focus_score"] = np.round(
        _gamma_mean_sd(rng, np.asarray(_FOCUS_MEAN)[k], _FOCUS_SD, at_least), 1)
    out["ocular_staining_score"] = np.clip(np.rint(rng.normal(4.5, 2.8, n)), 0, 12)
    out["schirmer_mm_5min"] = np.clip(np.rint(np.exp(rng.normal(1.5, 1.15, n)) - 1.0), 0, 35)
    flow = np.exp(rng.normal(np.log(0.11), 0.9, n))
    out["uwsf_ml_min"] = np.where(rng.random(n) < 0.36, 0.0, np.round(np.minimum(flow, 2.0), 2))

    igg = np.exp(np.log(np.asarray(_IGG_MEDIAN)[k]) + _IGG_LOG_SD * (
        _ACTIVITY_LOADING * activity + np.sqrt(1 - _ACTIVITY_LOADING**2) * rng.standard_normal(n)))
    out["igg_g_l"] = np.round(np.clip(igg + centres.igg_shift[centre], 2.0, 60.0), 1)
    crp_median = np.where(SUBGROUPS.index("inflammatory") == k, 6.0, 2.0)
    crp = np.exp(rng.normal(np.log(crp_median), 0.8)) * centres.crp_factor[centre]
    out["crp_mg_l"] = np.round(np.clip(crp, 0.1, 300.0), 1)
    esr = np.exp(rng.normal(np.log(14.0) + 0.9 * np.log(igg / 12.0), 0.5))
    out["esr_mm_h"] = np.clip(np.rint(esr + centres.esr_shift[centre]), 1, 150)

    levels = {}
    for name, (by_group, dist) in _DOMAINS.items():
        involved = _copula(rng, activity, np.asarray(by_group)[k], _DOMAIN_LOADING)
        values = np.array(list(dist), dtype=float)
        level = values[_draw(rng, np.tile(np.array(list(dist.values())), (n, 1)))]
        levels[name] = involved * level
    sge = out["salivary_gland_enlargement"]
    levels["glandular"] = sge * np.where(rng.random(n) < 0.65, 1.0, 2.0)
    levels["lymphadenopathy"] = out["lymphadenopathy"] * np.where(rng.random(n) < 0.75, 1.0, 2.0)
    levels["haematological"] = _haematological(rng, out, n)
    levels["biological"] = _biological(out)
    for name in ("constitutional", "lymphadenopathy", "glandular", "articular", "cutaneous",
                 "pulmonary", "renal", "muscular", "pns", "cns", "haematological",
                 "biological"):
        out[f"essdai_{name}"] = levels[name]
    out.update(_treatments(rng, levels, n))
    return out


def _haematological(rng: np.random.Generator, out: dict[str, np.ndarray], n: int
                    ) -> np.ndarray:
    """ESSDAI haematological level: cytopenia (or, for 1 %, another one) and its severity."""
    cytopenia = np.maximum(out["lymphopenia"], out["leukopenia"])
    cytopenia = np.maximum(cytopenia, (rng.random(n) < 0.01).astype(float))
    return cytopenia * np.array([1.0, 2.0, 3.0])[_draw(rng, np.tile([0.8, 0.17, 0.03], (n, 1)))]


def _biological(out: dict[str, np.ndarray]) -> np.ndarray:
    """ESSDAI biological domain from the laboratory values (Seror et al. 2015 definitions)."""
    measured_igg = out["igg_g_l"]
    moderate = (out["cryoglobulins"] == 1) | (measured_igg > 20.0)
    low = ((out["monoclonal_component"] == 1) | (out["c3_low"] == 1) | (out["c4_low"] == 1)
           | (measured_igg > 16.0))
    return np.select([moderate, low], [2.0, 1.0], 0.0)


def _treatments(rng: np.random.Generator, levels: Mapping[str, np.ndarray], n: int
                ) -> dict[str, np.ndarray]:
    out = {"hydroxychloroquine": (rng.random(n) < 0.2 + 0.25 * (levels["articular"] > 0)
                                  ).astype(float)}
    systemic = sum(levels[d] for d in ("constitutional", "pulmonary", "renal", "muscular",
                                       "pns", "cns", "cutaneous"))
    out["glucocorticoids"] = (rng.random(n) < 0.08 + 0.3 * (systemic > 0)).astype(float)
    out["immunosuppressants"] = (rng.random(n) < 0.03 + 0.2 * (systemic > 1)).astype(float)
    return out


def _plant_phenotypes(rng: np.random.Generator, out: dict[str, Any], phenotype: np.ndarray,
                      k: np.ndarray, centre: np.ndarray, centres: _Centres,
                      phenotype_centres: _phenotypes.PhenotypeCentres) -> None:
    """Replace the phenotype variables of ``out`` by draws given the clinical phenotype,
    and recompute what the cohort derives from them (salivary gland enlargement and
    lymphadenopathy from their ESSDAI domains, the focus score's classification rule,
    ESR from IgG, the haematological and biological domains, treatments)."""
    n = phenotype.size
    out.update(_phenotypes.simulate_phenotype_items(rng, phenotype, centre, phenotype_centres,
                                                    centres.igg_shift))
    out["salivary_gland_enlargement"] = (out["essdai_glandular"] > 0).astype(float)
    out["lymphadenopathy"] = (out["essdai_lymphadenopathy"] > 0).astype(float)
    at_least = np.where(out["anti_ro"] == 1, 0.0, 1.0)
    out["focus_score"] = np.round(
        _gamma_mean_sd(rng, np.asarray(_FOCUS_MEAN)[k], _FOCUS_SD, at_least), 1)
    igg = np.maximum(out["igg_g_l"] - centres.igg_shift[centre], 2.0)
    esr = np.exp(rng.normal(np.log(14.0) + 0.9 * np.log(igg / 12.0), 0.5))
    out["esr_mm_h"] = np.clip(np.rint(esr + centres.esr_shift[centre]), 1, 150)
    out["essdai_haematological"] = _haematological(rng, out, n)
    out["essdai_biological"] = _biological(out)
    levels = {name: out[f"essdai_{name}"] for name in (
        "articular", "constitutional", "pulmonary", "renal", "muscular", "pns", "cns",
        "cutaneous")}
    out.update(_treatments(rng, levels, n))


def _posterior_argmax(log_likelihood: np.ndarray, prior: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):  # a subgroup of weight 0 is never chosen
        return np.argmax(np.log(prior) + log_likelihood, axis=1)


def make_pss_cohort(n_patients: int = 1000, n_centers: int = 4, molecular: bool = True,
                    missing: str | None = "registry", center_effects: bool = True,
                    trial: bool = False, random_state: int = 0, *, seed: int | None = None,
                    phenotypes: bool = False, **parameters: Any) -> Cohort:
    """A synthetic primary Sjögren's syndrome cohort with known subgroups, risks and responses.

    Each patient belongs to one of four molecular subgroups (``"interferon"``,
    ``"healthy_like"``, ``"lymphoid"``, ``"inflammatory"``; PRECISESADS,
    Soret et al., Nat Commun 2021) and, independently, to one of four symptom
    subgroups (``"LSB"``, ``"DDF"``, ``"PDF"``, ``"HSB"``; Tarn et al., Lancet
    Rheumatol 2019). The molecular subgroup drives the whole-blood expression
    of three gene modules (interferon, B cell, inflammatory) and shifts
    serology, IgG, complement, cryoglobulins, salivary gland enlargement,
    germinal centres and ESSDAI; the symptom subgroup drives the five symptom
    scores. Lymphoma follows a known proportional-hazards model with death as
    a competing risk. Every column uses the names of
    :data:`stratify.data.PSS_SCHEMA` and validates against it.

    Parameters
    ----------
    n_patients : int, default=1000
        Number of patients (ids ``"P000001"``, ``"P000002"``, ...).
    n_centers : int, default=4
        Number of centres (``"C1"`` .. ``"Cn"``), of unequal sizes.
    molecular : bool, default=True
        Include the 40 ``mol_`` expression columns: 19 informative genes in
        three modules (:data:`MARKER_GENES`) and 21 pure-noise genes.
    missing : {"registry", "MCAR", "MAR", "MNAR", "none"} or None, default="registry"
        ``"registry"``: missing by design as in registries (Big Data Sjögren
        Project 2015): biopsy not done for 28 % (``focus_score`` and
        ``germinal_centres`` together), oral test 23 %, ocular tests 10 %,
        symptom questionnaires 12 % (all five scores), serology 0.7 %, the
        expression profile 2.5 % and single genes 2 %, plus a few % of other
        laboratory values; with centre effects, each centre's rates differ.
        ``"MCAR"``, ``"MAR"`` (driven by age), ``"MNAR"`` (driven by the value
        itself) hide ``missing_rate`` of every column except identity, sex,
        age, outcome and trial columns. ``"none"`` or None: complete data.
    center_effects : bool, default=True
        Centres differ in case mix (subgroup proportions), in additive
        measurement shifts (each gene, IgG, ESR; CRP by a factor) and in
        missingness. Without them, centres are exchangeable.
    trial : bool, default=False
        Add ``arm`` (0 placebo, 1 treated, randomized 1:1) and
        ``esspri_change`` (follow-up minus baseline ESSPRI): only HSB patients
        respond (JOQUER re-analysis, Collins et al. 2021: 1.49 points).
    random_state : int, default=0
        Same seed, same cohort, byte for byte. The centres' parameters come
        from their own stream, so they do not depend on ``n_patients``. An
        integer only: the cohort is defined by it.
    seed : int, optional
        The name of ``random_state`` in stratify 0.1; works with a
        FutureWarning until 0.3.
    phenotypes : bool, default=False
        Plant a third subgroup structure, independent of the other two, on
        the clinical block: three clinical phenotypes modelled on BALS
        (B-cell active, low symptom burden), HSA (high systemic activity)
        and LSAHS (low systemic activity, high symptom burden) of Nguyen et
        al. (Lancet Rheumatol 2024). Given the phenotype (and the centre),
        the 22 phenotype variables
        (:data:`~stratify.synthetic.PHENOTYPE_COLUMNS`: 11 binary items,
        IgG, 10 ESSDAI domain levels) are drawn independently (anti-La given
        anti-Ro); salivary gland enlargement, lymphadenopathy, the focus
        score's classification rule, ESR, the haematological and biological
        domains and treatments are derived from them as without
        phenotypes. Centres differ in their phenotype case mix, in a
        log-odds shift of each laboratory flag (assays, thresholds) and in
        IgG (the same shift as without phenotypes); with
        ``missing="registry"``, test panels are also missing together
        (ESSDAI not recorded, complement, cryoglobulins, electrophoresis,
        ...) so that about ``phenotype_missing`` of the phenotype values
        are missing. The lymphoma hazard is raised in the BALS-like
        phenotype. Opt-in because the phenotype variables then no longer
        depend on the molecular subgroup (they are drawn again, from their
        own stream), so the clinical columns differ from a cohort without
        phenotypes; the molecular and symptom columns (and their missing
        values) are the same byte for byte.
    **parameters
        Generative parameters (see Other Parameters).

    Other Parameters
    ----------------
    subgroup_proportions : dict, default={"interferon": 0.35, "healthy_like": 0.30, \
"lymphoid": 0.20, "inflammatory": 0.15}
        Molecular subgroup weights. Unverified: the pSS cluster sizes of
        PRECISESADS are not published; IFN-high is common (more than half of
        patients, Arthritis Rheumatol 2023).
    symptom_proportions : dict, default={"LSB": 0.142, "DDF": 0.204, "PDF": 0.394, "HSB": 0.259}
        Symptom subgroup weights: UKPSSR (Berry et al., RMD Open 2024). ASSESS:
        0.195, 0.129, 0.422, 0.254.
    symptom_profiles : dict of str to tuple of 5 floats
        Per symptom subgroup, the means of the latent normal scores (dryness,
        fatigue, pain on 0-10; HADS anxiety, depression on 0-21) before
        rounding and clipping: LSB (2.6, 1.5, 0.6, 4, 2.5), DDF (7.5, 5.3, 1.8,
        5, 3.5), PDF (5.8, 6.1, 6.0, 6.5, 5.5), HSB (7.0, 6.9, 6.0, 12.5, 11).
        They give the published ESSPRI medians 2, 5, 6 and 6.7 (Tarn et al.
        2019) and the UKPSSR means of dryness 6.0, fatigue 5.5 and pain 4.5.
    symptom_sd : tuple of 5 floats, default=(2, 2, 2, 3.5, 3.5)
        Within-subgroup SD of each latent score (unverified): it sets the
        overlap of the subgroups (oracle ARI about 0.6 among patients with
        scores).
    female_fraction : float, default=0.94
        Share of women (Big Data Sjögren Project, UKPSSR: 93-95 %).
    age_mean, age_sd : float, default=53, 13
        Age at diagnosis, normal, clipped to 18-90 (Big Data Sjögren Project).
    disease_duration_mean : float, default=3.0
        Mean years from diagnosis to the baseline visit (gamma, shape 1.5;
        unverified: a recently diagnosed cohort).
    molecular_effect : float, default=3.0
        Size of the subgroup shifts of the gene modules, in within-subgroup
        standard deviations (before per-gene weights 1.2 .. 0.6). Calibrated so
        that the Bayes-optimal assignment reaches an ARI of about 0.9 and a
        Gaussian mixture on corrected, imputed, standardized genes about 0.93
        of that (2,000 patients, registry missingness).
    module_correlation : float, default=0.25
        Correlation between two genes of one module within a subgroup (one
        latent factor per module; unverified).
    center_shift_sd : float, default=1.0
        SD of the additive shift of each gene in each centre (log2 units;
        comparable to the subgroup shifts, so that centre correction matters).
    igg_shift_sd : float, default=1.0
        SD of the additive shift of IgG (g/L) per centre.
    case_mix_sd : float, default=0.25
        SD of the centres' log subgroup proportions around the cohort's.
    missing_rate : float, default=0.2
        Share of values hidden by ``missing="MCAR"``, ``"MAR"`` or ``"MNAR"``.
    lymphoma_log_hazard_ratios : dict
        Log hazard ratios of the true lymphoma model: salivary gland
        enlargement 0.9, cryoglobulins 0.9, low C4 0.9, RF 0.5, monoclonal
        component 0.7, lymphopenia 0.6, lymphadenopathy 0.7, germinal centres
        1.0, ``mol_BTK`` 0.5 and ``ifn_score`` 0.3 per log2 unit. Shrunk from
        Fragkioudaki 2016, Nocturne 2016, Quartuccio 2014 (RR low C4 8.3,
        cryoglobulins 6.8), Theander 2011 (GC+ 14 % vs 0.8 %), Duret 2023 (BTK
        OR 47.6) and ASSESS (all lymphomas IFN-high).
    lymphoma_shape, lymphoma_scale : float, default=1.6, 610.0
        Weibull baseline (scale in years): about 5 % of patients develop
        lymphoma over follow-up (5-10 % lifetime; Clin Rheumatol 2024), median
        onset about 7 years.
    follow_up_years : tuple of float, default=(1, 20)
        Administrative censoring, uniform over this range of years.
    death_gompertz : tuple of float, default=(-10.5, 0.085)
        Death hazard ``exp(a + b * current age)``, the competing risk
        (unverified: close to the mortality of women in Western Europe).
    treatment_effects : dict, default={"LSB": 0, "DDF": 0, "PDF": 0, "HSB": -1.5}
        ESSPRI change caused by treatment, per symptom subgroup (JOQUER,
        hydroxychloroquine: HSB improved by 1.49 points, others did not).
    placebo_change, change_sd : float, default=-0.3, 1.2
        Mean and SD of the ESSPRI change without treatment (unverified).
    center_labels : sequence of str, optional
        Centre names instead of ``"C1"`` .. ``"Cn"``.
    first_patient : int, default=1
        Number of the first patient id (to keep ids distinct between cohorts).
    phenotype_proportions : dict, default={"BALS": 0.30, "HSA": 0.15, "LSAHS": 0.55}
        Clinical phenotype weights (``phenotypes=True``), modelled on Nguyen
        et al. 2024 (LSAHS the largest, HSA the smallest; the per-phenotype
        probabilities are in ``stratify/synthetic/_phenotypes.py``, plausible
        values chosen from the article's description, not its tables).
    phenotype_lymphoma_log_hazard_ratio : float, default=0.7
        Log hazard ratio of lymphoma in the BALS-like phenotype, on top of
        its items' own (salivary gland enlargement, cryoglobulins, low C4, RF,
        ...; Nguyen et al.: every lymphoma of Paris-Saclay occurred in BALS
        or HSA).
    phenotype_missing : float, default=0.2
        Share of the phenotype values missing with ``missing="registry"``
        (each centre's rates differ around it).

    Returns
    -------
    Cohort
        ``data`` in schema names, indexed by ``patient_id``; ``truth`` with
        ``molecular_subgroup``, ``symptom_subgroup``, ``oracle_subgroup``
        (Bayes-optimal molecular subgroup given the observed expression under
        the true parameters, centre shifts and centre case mix included, missing
        genes marginalized, the centre's most likely subgroup when nothing is
        observed), ``oracle_symptom_subgroup`` (the same from the observed
        symptom scores), ``lymphoma_linear_predictor``, for trials
        ``treatment_effect`` and, with ``phenotypes=True``,
        ``clinical_phenotype`` and ``oracle_phenotype`` (the most probable
        phenotype given the observed phenotype variables under the true
        parameters, centre case mix and laboratory shifts included, missing
        values marginalized).

    See Also
    --------
    make_center_exports : the same patients as heterogeneous centre exports.
    load_discovery : the shipped 2,000-patient discovery cohort.

    Examples
    --------
    >>> from stratify.synthetic import make_pss_cohort
    >>> cohort = make_pss_cohort(n_patients=200, n_centers=3, random_state=1)
    >>> cohort
    Cohort(200 patients, 96 variables, 3 centres, with truth)
    >>> cohort.truth.columns.tolist()
    ['molecular_subgroup', 'symptom_subgroup', 'oracle_subgroup', \
'oracle_symptom_subgroup', 'lymphoma_linear_predictor']
    >>> cohort.data.index[:2].tolist()
    ['P000001', 'P000002']

    With the clinical phenotypes planted:

    >>> cohort = make_pss_cohort(n_patients=200, random_state=1, phenotypes=True)
    >>> cohort.truth["clinical_phenotype"].value_counts().index.tolist()
    ['LSAHS', 'BALS', 'HSA']
    """
    seed = renamed_argument("make_pss_cohort()", "seed", "random_state", seed,
                            random_state, 0)
    params = _check_arguments(n_patients, n_centers, missing, seed, parameters)
    n = int(n_patients)
    root = np.random.SeedSequence(int(seed))
    centre_stream, patient_stream = root.spawn(2)
    centres = _centres(centre_stream, int(n_centers), bool(center_effects), params)
    (r_centre, r_groups, r_clinical, r_symptoms, r_molecular, r_outcome, r_trial,
     r_missing) = (np.random.default_rng(s) for s in patient_stream.spawn(8))
    # the phenotypes come from streams spawned after the others: those stay as they were
    r_phenotype, r_phenotype_missing = (np.random.default_rng(s) for s in
                                        patient_stream.spawn(1)[0].spawn(2))
    phenotype_centres = _phenotypes.phenotype_centres(
        np.random.default_rng(centre_stream.spawn(1)[0]), int(n_centers), bool(center_effects),
        params.phenotype_proportions, params.case_mix_sd)

    # Patients come in centre blocks, as in a pooled registry (and as harmonized exports).
    centre = np.repeat(np.arange(int(n_centers)), r_centre.multinomial(n, centres.size))
    k = _draw(r_groups, centres.molecular_prior[centre])
    s = _draw(r_groups, centres.symptom_prior[centre])

    data: dict[str, Any] = {"center": np.asarray(centres.labels, dtype=object)[centre]}
    data.update(_clinical(r_clinical, k, centre, centres, params))
    phenotype = None
    if phenotypes:
        phenotype = _draw(r_phenotype, phenotype_centres.prior[centre])
        _plant_phenotypes(r_phenotype, data, phenotype, k, centre, centres, phenotype_centres)
    scores = _symptoms.simulate_symptoms(r_symptoms, s, params.symptom_profiles,
                                         params.symptom_sd)
    for j, name in enumerate(SYMPTOM_COLUMNS):
        data[name] = scores[:, j]

    means = _molecular.gene_means(params.molecular_effect)
    loading = float(np.sqrt(params.module_correlation))
    expression = _molecular.simulate_expression(r_molecular, k, means, loading)
    true_expression = pd.DataFrame(expression, columns=list(GENES))
    if molecular:
        measured = np.round(expression + centres.gene_shift[centre], 3)
        for j, gene in enumerate(GENES):
            data[gene] = measured[:, j]

    betas = params.lymphoma_log_hazard_ratios
    risk = {**{name: data[name] for name in betas if name in data},
            "mol_BTK": true_expression["mol_BTK"].to_numpy(),
            "ifn_score": true_expression[list(IFN_SCORE_GENES)].mean(axis=1).to_numpy()}
    linear_predictor = np.zeros(n)
    for name, beta in betas.items():
        linear_predictor += beta * risk[name]
    if phenotype is not None:
        linear_predictor += params.phenotype_lymphoma_log_hazard_ratio * (
            phenotype == PHENOTYPES.index("BALS"))
    time, event = _outcomes.simulate_lymphoma(
        r_outcome, linear_predictor, data["age"], shape=params.lymphoma_shape,
        scale=params.lymphoma_scale, follow_up=params.follow_up_years,
        death=params.death_gompertz)
    data["lymphoma_time_years"], data["lymphoma_event"] = time, event

    effect = None
    if trial:
        effect = np.array([params.treatment_effects[g] for g in SYMPTOM_SUBGROUPS])[s]
        esspri = (data["esspri_dryness"] + data["esspri_fatigue"] + data["esspri_pain"]) / 3
        data["arm"], data["esspri_change"] = _outcomes.simulate_trial(
            r_trial, esspri, effect, placebo_change=params.placebo_change,
            change_sd=params.change_sd)

    first = int(params.first_patient)
    index = pd.Index([f"P{i:06d}" for i in range(first, first + n)], name="patient_id")
    frame = pd.DataFrame(data, index=index)
    frame = frame[_schema_order(frame.columns)]
    mask = _missing_mask(r_missing, frame, missing, centre, centres, params)
    if phenotype is not None and missing == "registry":
        base = {col: rate for cols, rate in _missing.REGISTRY_MISSING.values() for col in cols}
        mask = mask | _phenotypes.phenotype_mask(
            r_phenotype_missing, frame.columns, centre, phenotype_centres.missing_factor,
            params.phenotype_missing, base)
    if mask is not None:
        frame = frame.mask(pd.DataFrame(mask, index=frame.index, columns=frame.columns))
        if trial:
            baseline_missing = frame[["esspri_dryness", "esspri_fatigue", "esspri_pain"]
                                     ].isna().any(axis=1)
            frame.loc[baseline_missing, "esspri_change"] = np.nan

    if molecular:
        observed = frame[list(GENES)].to_numpy(dtype=float)
        log_lik = _molecular.molecular_log_likelihood(observed, centres.gene_shift[centre],
                                                      means, loading)
    else:
        log_lik = np.zeros((n, len(SUBGROUPS)))
    oracle = _posterior_argmax(log_lik, centres.molecular_prior[centre])
    symptom_lik = _symptoms.symptom_log_likelihood(
        frame[list(SYMPTOM_COLUMNS)].to_numpy(dtype=float), params.symptom_profiles,
        params.symptom_sd)
    oracle_symptom = _posterior_argmax(symptom_lik, centres.symptom_prior[centre])

    truth = pd.DataFrame({
        "molecular_subgroup": np.asarray(SUBGROUPS, dtype=object)[k],
        "symptom_subgroup": np.asarray(SYMPTOM_SUBGROUPS, dtype=object)[s],
        "oracle_subgroup": np.asarray(SUBGROUPS, dtype=object)[oracle],
        "oracle_symptom_subgroup": np.asarray(SYMPTOM_SUBGROUPS, dtype=object)[oracle_symptom],
        "lymphoma_linear_predictor": np.round(linear_predictor, 4),
    }, index=index)
    if effect is not None:
        truth["treatment_effect"] = effect
    if phenotype is not None:
        phenotype_lik = _phenotypes.phenotype_log_likelihood(
            frame, centre, phenotype_centres, centres.igg_shift)
        oracle_phenotype = _posterior_argmax(phenotype_lik, phenotype_centres.prior[centre])
        truth["clinical_phenotype"] = np.asarray(PHENOTYPES, dtype=object)[phenotype]
        truth["oracle_phenotype"] = np.asarray(PHENOTYPES, dtype=object)[oracle_phenotype]
    return Cohort(frame, truth=truth)


def _schema_order(columns: pd.Index) -> list[str]:
    """Named variables in schema order, then the genes: the order of harmonized exports."""
    order = {name: i for i, name in enumerate(PSS_SCHEMA.names)}
    genes = {gene: len(order) + i for i, gene in enumerate(GENES)}
    return sorted(columns, key=lambda c: order.get(c, genes.get(c, -1)))


def _missing_mask(rng: np.random.Generator, frame: pd.DataFrame, missing: str | None,
                  centre: np.ndarray, centres: _Centres, params: CohortParameters
                  ) -> np.ndarray | None:
    if missing in (None, "none"):
        return None
    if missing == "registry":
        return _missing.registry_mask(rng, frame.columns, centre, centres.missing_factor)
    return _missing.mechanism_mask(rng, frame, str(missing), params.missing_rate)
