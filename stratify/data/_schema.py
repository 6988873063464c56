"""The pSS reference data model: one :class:`Variable` per column.

The schema is the contract between harmonization, validation, scores,
preprocessing and the synthetic cohorts. Every variable has a *kind* that
decides how it is checked, encoded and summarised:

``id``
    The patient identifier (unique, never missing).
``continuous``
    A real number within ``range`` (inclusive; ``None`` is unbounded).
``binary``
    0/1 (missing allowed).
``ordinal``
    An ordered integer level among ``levels``.
``categorical``
    A label among ``levels`` (``levels=None`` accepts any label).
``time``
    A non-negative duration.
``event``
    An event code among ``levels`` (0 censored, 1 event, 2 competing event).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["KINDS", "BLOCKS", "Variable", "Schema", "PSS_SCHEMA"]

KINDS = ("id", "continuous", "binary", "ordinal", "categorical", "time", "event")

BLOCKS = (
    "identity",
    "demographics",
    "classification",
    "laboratory",
    "clinical",
    "essdai",
    "symptoms",
    "molecular",
    "treatment",
    "trial",
    "outcome",
)

NUMERIC_KINDS = ("continuous", "binary", "ordinal", "time", "event")


@dataclass(frozen=True)
class Variable:
    """One variable of the data model.

    Parameters
    ----------
    name : str
        Column name in schema (snake_case, unit in the name where one applies).
    block : str
        Variable block, one of :data:`BLOCKS`; ``Cohort.select(blocks=...)`` uses it.
    kind : str
        One of :data:`KINDS`.
    description : str
        What the variable means, with its source where relevant.
    unit : str, optional
        Unit of measurement, e.g. ``"g/L"``.
    range : tuple of (float or None, float or None), optional
        Inclusive plausible range for ``continuous`` and ``time`` variables.
    levels : tuple, optional
        Allowed values for ``binary``, ``ordinal``, ``categorical`` and ``event``
        variables. Binary variables always have ``(0, 1)``.
    """

    name: str
    block: str
    kind: str
    description: str = ""
    unit: str | None = None
    range: tuple[float | None, float | None] | None = None
    levels: tuple[Any, ...] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(
                f"Variable {self.name!r}: kind must be one of {KINDS}; got {self.kind!r}."
            )
        if self.block not in BLOCKS:
            raise ValueError(
                f"Variable {self.name!r}: block must be one of {BLOCKS}; got {self.block!r}."
            )
        if self.kind == "binary" and self.levels is None:
            object.__setattr__(self, "levels", (0, 1))

    @property
    def is_numeric(self) -> bool:
        """Whether values are stored as numbers (float64 with NaN for missing)."""
        return self.kind in NUMERIC_KINDS

    def rule(self) -> str:
        """Human-readable statement of the rule values must satisfy."""
        if self.kind in ("continuous", "time"):
            lo, hi = self.range if self.range is not None else (None, None)
            if self.kind == "time" and lo is None:
                lo = 0
            if lo is None and hi is None:
                return "a finite number"
            if lo is None:
                return f"a number <= {hi}"
            if hi is None:
                return f"a number >= {lo}"
            return f"a number in [{lo}, {hi}]"
        if self.kind == "id":
            return "a unique, non-missing identifier"
        if self.levels is None:
            return "any label"
        return "one of " + ", ".join(repr(v) for v in self.levels)


@dataclass(frozen=True)
class Schema:
    """A collection of :class:`Variable` plus prefix families (e.g. ``mol_``).

    Parameters
    ----------
    variables : iterable of Variable
        Named variables.
    families : mapping of str to Variable, optional
        Prefix -> template. Any column starting with the prefix is described by
        the template (with its name replaced), e.g. every ``mol_*`` gene.

    Examples
    --------
    >>> from stratify.data import PSS_SCHEMA
    >>> PSS_SCHEMA["essdai_cns"].levels
    (0, 2, 3)
    >>> PSS_SCHEMA["mol_IFI44"].block
    'molecular'
    >>> "igg_g_l" in PSS_SCHEMA
    True
    """

    variables: tuple[Variable, ...]
    families: Mapping[str, Variable] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [v.name for v in self.variables]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"Schema has duplicated variable names: {dupes}.")
        object.__setattr__(self, "variables", tuple(self.variables))
        object.__setattr__(self, "_by_name", {v.name: v for v in self.variables})

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __getitem__(self, name: str) -> Variable:
        var = self.get(name)
        if var is None:
            raise KeyError(f"{name!r} is not a variable of the schema.")
        return var

    def __iter__(self) -> Iterator[Variable]:
        return iter(self.variables)

    def __len__(self) -> int:
        return len(self.variables)

    def get(self, name: str) -> Variable | None:
        """The variable called ``name`` (or its family template), else ``None``."""
        var = self._by_name.get(name)  # type: ignore[attr-defined]
        if var is not None:
            return var
        for prefix, template in self.families.items():
            if name.startswith(prefix) and len(name) > len(prefix):
                return replace(template, name=name)
        return None

    @property
    def names(self) -> list[str]:
        """Names of the named variables, in schema order."""
        return [v.name for v in self.variables]

    def block(self, block: str) -> list[str]:
        """Names of the named variables in ``block``."""
        if block not in BLOCKS:
            raise ValueError(f"block must be one of {BLOCKS}; got {block!r}.")
        return [v.name for v in self.variables if v.block == block]

    def columns_of(self, columns: Iterable[str], *, blocks: Iterable[str] | None = None,
                   kinds: Iterable[str] | None = None) -> list[str]:
        """Filter ``columns`` (keeping order) to those of the given blocks/kinds."""
        blocks = None if blocks is None else set(blocks)
        kinds = None if kinds is None else set(kinds)
        out = []
        for col in columns:
            var = self.get(col)
            if var is None:
                continue
            if blocks is not None and var.block not in blocks:
                continue
            if kinds is not None and var.kind not in kinds:
                continue
            out.append(col)
        return out

    def extend(self, variables: Iterable[Variable]) -> Schema:
        """A new schema with ``variables`` added (names must be new)."""
        return Schema(self.variables + tuple(variables), dict(self.families))

    def to_frame(self):
        """The data dictionary as a DataFrame (one row per named variable)."""
        import pandas as pd

        rows = [
            {
                "name": v.name,
                "block": v.block,
                "kind": v.kind,
                "unit": v.unit or "",
                "range": "" if v.range is None else f"[{v.range[0]}, {v.range[1]}]",
                "levels": "" if v.levels is None else " | ".join(map(str, v.levels)),
                "description": v.description,
            }
            for v in self.variables
        ]
        for prefix, t in self.families.items():
            rows.append(
                {"name": prefix + "*", "block": t.block, "kind": t.kind, "unit": t.unit or "",
                 "range": "" if t.range is None else f"[{t.range[0]}, {t.range[1]}]",
                 "levels": "", "description": t.description}
            )
        return pd.DataFrame(rows)


_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


def _v(name, block, kind, description, unit=None, range=None, levels=None) -> Variable:
    return Variable(name, block, kind, description, unit, range, levels)


_ESSDAI = [
    # name, weight, levels, definition source: Seror et al., Ann Rheum Dis 2010/2016
    ("constitutional", (0, 1, 2), "fever, night sweats, weight loss"),
    ("lymphadenopathy", (0, 1, 2, 3), "lymphadenopathy and lymphoma"),
    ("glandular", (0, 1, 2), "glandular swelling"),
    ("articular", (0, 1, 2, 3), "arthralgia, synovitis"),
    ("cutaneous", (0, 1, 2, 3), "skin involvement, vasculitis"),
    ("pulmonary", (0, 1, 2, 3), "lung involvement"),
    ("renal", (0, 1, 2, 3), "renal involvement"),
    ("muscular", (0, 1, 2, 3), "myositis"),
    ("pns", (0, 1, 2, 3), "peripheral nervous system"),
    ("cns", (0, 2, 3), "central nervous system (no low level)"),
    ("haematological", (0, 1, 2, 3), "cytopenias"),
    ("biological", (0, 1, 2), "clonal component, hypocomplementaemia, hypergammaglobulinaemia"),
]

_VARIABLES: list[Variable] = [
    # identity
    _v("patient_id", "identity", "id", "Pseudonymous patient identifier (the index)."),
    _v("center", "identity", "categorical", "Contributing centre or cohort."),
    # demographics
    _v("sex", "demographics", "categorical", "Sex.", levels=("F", "M")),
    _v("age", "demographics", "continuous", "Age at the baseline visit.", "years", (16, 100)),
    _v("disease_duration_years", "demographics", "continuous",
       "Time from pSS diagnosis to the baseline visit.", "years", (0, 70)),
    _v("age_at_diagnosis", "demographics", "continuous", "Age at pSS diagnosis.", "years",
       (10, 100)),
    _v("bmi", "demographics", "continuous", "Body-mass index.", "kg/m2", (12, 70)),
    _v("smoking", "demographics", "binary", "Current or former smoker."),
    # classification (2016 ACR/EULAR items, Shiboski et al. 2017)
    _v("sicca_symptoms", "classification", "binary",
       "Entry criterion: at least one symptom of ocular or oral dryness."),
    _v("focus_score", "classification", "continuous",
       "Labial salivary gland focus score (foci per 4 mm²).", "foci/4mm2", (0, 12)),
    _v("anti_ro", "classification", "binary", "Anti-SSA/Ro antibodies positive."),
    _v("anti_la", "classification", "binary", "Anti-SSB/La antibodies positive."),
    _v("ana", "classification", "binary", "Antinuclear antibodies positive (titre >= 1:320)."),
    _v("rf", "classification", "binary", "Rheumatoid factor positive."),
    _v("ocular_staining_score", "classification", "ordinal",
       "Ocular staining score (SICCA OSS) in at least one eye.", "points", levels=tuple(range(13))),
    _v("van_bijsterveld", "classification", "ordinal",
       "Van Bijsterveld score in at least one eye.", "points", levels=tuple(range(10))),
    _v("schirmer_mm_5min", "classification", "continuous",
       "Schirmer test, lowest eye.", "mm/5 min", (0, 40)),
    _v("uwsf_ml_min", "classification", "continuous",
       "Unstimulated whole saliva flow rate.", "mL/min", (0, 3)),
    _v("head_neck_radiation", "classification", "binary", "Exclusion: head and neck radiation."),
    _v("hepatitis_c", "classification", "binary", "Exclusion: active hepatitis C (PCR)."),
    _v("aids", "classification", "binary", "Exclusion: AIDS."),
    _v("sarcoidosis", "classification", "binary", "Exclusion: sarcoidosis."),
    _v("amyloidosis", "classification", "binary", "Exclusion: amyloidosis."),
    _v("gvhd", "classification", "binary", "Exclusion: graft-versus-host disease."),
    _v("igg4_disease", "classification", "binary", "Exclusion: IgG4-related disease."),
    # laboratory
    _v("igg_g_l", "laboratory", "continuous", "Serum IgG.", "g/L", (1, 60)),
    _v("rf_iu_ml", "laboratory", "continuous", "Rheumatoid factor titre.", "IU/mL", (0, 5000)),
    _v("c3_low", "laboratory", "binary", "C3 below the laboratory's lower limit."),
    _v("c4_low", "laboratory", "binary", "C4 below the laboratory's lower limit."),
    _v("cryoglobulins", "laboratory", "binary", "Cryoglobulinaemia."),
    _v("monoclonal_component", "laboratory", "binary", "Serum monoclonal component."),
    _v("lymphopenia", "laboratory", "binary", "Lymphocytes < 1.0 x 10^9/L."),
    _v("leukopenia", "laboratory", "binary", "Leukocytes < 4.0 x 10^9/L."),
    _v("beta2_microglobulin_mg_l", "laboratory", "continuous", "Serum beta-2 microglobulin.",
       "mg/L", (0, 30)),
    _v("esr_mm_h", "laboratory", "continuous", "Erythrocyte sedimentation rate.", "mm/h",
       (0, 150)),
    _v("crp_mg_l", "laboratory", "continuous", "C-reactive protein.", "mg/L", (0, 500)),
    # clinical
    _v("salivary_gland_enlargement", "clinical", "binary", "Persistent salivary gland enlargement."),
    _v("lymphadenopathy", "clinical", "binary", "Lymphadenopathy on examination."),
    _v("raynaud", "clinical", "binary", "Raynaud's phenomenon."),
    _v("germinal_centres", "clinical", "binary", "Ectopic germinal centres in the labial biopsy."),
    _v("salivary_us_score", "clinical", "ordinal",
       "Salivary gland ultrasound score (OMERACT, sum over four glands).", "points",
       levels=tuple(range(13))),
    # ESSDAI domain activity levels
    *[
        _v(f"essdai_{name}", "essdai", "ordinal", f"ESSDAI {text} domain activity level.",
           "level", levels=levels)
        for name, levels, text in _ESSDAI
    ],
    # symptoms
    _v("esspri_dryness", "symptoms", "continuous", "ESSPRI dryness (0-10 NRS).", "points", (0, 10)),
    _v("esspri_fatigue", "symptoms", "continuous", "ESSPRI fatigue (0-10 NRS).", "points", (0, 10)),
    _v("esspri_pain", "symptoms", "continuous", "ESSPRI pain (0-10 NRS).", "points", (0, 10)),
    _v("anxiety", "symptoms", "ordinal", "HADS anxiety.", "points", levels=tuple(range(22))),
    _v("depression", "symptoms", "ordinal", "HADS depression.", "points", levels=tuple(range(22))),
    # treatment at baseline
    _v("hydroxychloroquine", "treatment", "binary", "Current hydroxychloroquine."),
    _v("glucocorticoids", "treatment", "binary", "Current systemic glucocorticoids."),
    _v("immunosuppressants", "treatment", "binary", "Current conventional immunosuppressant."),
    # randomized trial
    _v("arm", "trial", "binary", "Randomized arm (0 placebo, 1 treated)."),
    _v("esspri_change", "trial", "continuous", "ESSPRI at follow-up minus baseline.", "points",
       (-10, 10)),
    # outcome
    _v("lymphoma_time_years", "outcome", "time",
       "Time from baseline to lymphoma, death or censoring.", "years", (0, 80)),
    _v("lymphoma_event", "outcome", "event",
       "0 censored, 1 lymphoma, 2 death without lymphoma (competing).", levels=(0, 1, 2)),
]

_FAMILIES = {
    "mol_": Variable(
        "mol_", "molecular", "continuous",
        "Whole-blood expression (log2, centred per gene); gene symbol after the prefix.",
        "log2 expression", (-30, 30),
    ),
}

PSS_SCHEMA = Schema(tuple(_VARIABLES), _FAMILIES)
"""The pSS reference data model (see :class:`Schema`)."""

assert all(_SNAKE.match(v.name) for v in _VARIABLES)
