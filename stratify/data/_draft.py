"""A harmonization mapping drafted from one centre's export: :func:`draft_mapping`.

Every export column is matched to a schema variable by what the file says
about it (its name, variable label and unit words, in English, German,
Swedish, French and Spanish), then its values decide the rule: a code list
from the value labels or from yes/no, positive/negative, sex, outcome and
ESSDAI words; a unit conversion from the unit in the name or from the range
of the values; a 1-based ordinal shifted to 0-based; dates turned into ages
and durations from the visit date. Each proposal carries its evidence and a
confidence, for a person to review; columns it cannot map are listed.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._utils.validation import SENTINELS
from ._cohort import NUMERIC_NA_VALUES
from ._formats._labels import label_lookup, means_missing
from ._keys import _canonical, _keys
from ._schema import PSS_SCHEMA, Schema, Variable

__all__ = ["MappingDraft", "Proposal", "draft_mapping"]

# -- vocabulary ---------------------------------------------------------------------------

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "patient_id": ("patient id", "patid", "patientid", "patientennummer", "id paciente",
                   "id patient", "record id", "subject id", "pid", "patient", "patientnr",
                   "patient number", "study id", "id"),
    "center": ("centre", "center", "site", "zentrum", "centro", "klinik", "hospital",
               "data access group", "redcap data access group"),
    "sex": ("sex", "gender", "kon", "geschlecht", "sexe", "sexo", "genero", "kjonn"),
    "anti_ro": ("anti ssa", "antissa", "ssa", "anti ro", "ro", "anti ro ssa", "ro ssa"),
    "anti_la": ("anti ssb", "antissb", "ssb", "anti la", "la", "anti la ssb", "la ssb"),
    "lymphoma_event": ("outcome", "utfall", "verlauf", "evolution", "evolucion", "event",
                       "status", "endpoint", "lymphoma event", "lymphoma"),
    "lymphoma_time_years": ("follow up", "followup", "uppfoljning", "nachbeobachtung", "suivi",
                            "seguimiento", "follow up time", "lymphoma time"),
    "uwsf_ml_min": ("saliva", "saliv", "speichelfluss", "debit salivaire", "uwsf", "uws",
                    "unstimulated saliva", "salivary flow", "flujo salival"),
    "schirmer_mm_5min": ("schirmer",),
    "igg_g_l": ("igg", "immunoglobulin g"),
    "crp_mg_l": ("crp", "c reactive protein"),
    "esr_mm_h": ("esr", "sr", "bsg", "vs", "vsg", "sänka"),
    "esspri_dryness": ("esspri dryness", "dryness", "secheresse", "trockenheit", "sequedad",
                       "torrhet", "eva secheresse"),
    "esspri_fatigue": ("esspri fatigue", "fatigue", "mudigkeit", "cansancio", "trotthet",
                       "eva fatigue"),
    "esspri_pain": ("esspri pain", "pain", "douleur", "schmerz", "dolor", "smarta",
                    "eva douleur"),
}
_DATE_ROLES = {
    "birth": ("dob", "birth", "geburt", "geburtsdatum", "fodelsedatum", "fodelse", "naissance",
              "nacimiento", "date of birth", "birth date", "birthdate"),
    "diagnosis": ("diagnosis", "diagnos", "diagnosdatum", "diagnosedatum", "diagnostic",
                  "diagnostico", "diagnosis date", "dx"),
    "visit": ("visit", "visitendatum", "besoksdatum", "besok", "visite", "visita",
              "visit date", "baseline"),
}
_YES = {"y", "yes", "ja", "j", "oui", "si", "sí", "sim", "true", "t", "pos", "positive",
        "positiv", "positif", "positivo", "present", "+", "checked"}
_NO = {"n", "no", "nein", "non", "nej", "false", "f", "neg", "negative", "negativ", "négatif",
       "negatif", "negativo", "absent", "-", "unchecked"}
_FEMALE = {"f", "female", "w", "weiblich", "frau", "k", "kvinna", "femme", "mujer", "femenino",
           "donna", "woman", "femenina"}
_MALE = {"m", "male", "mannlich", "männlich", "mann", "man", "homme", "h", "hombre",
         "masculino", "uomo", "masculin"}
_EVENTS = {0: {"censored", "zensiert", "censuré", "censure", "censurado", "censurerad", "alive",
               "no event", "none"},
           1: {"lymphoma", "lymphom", "lymphome", "linfoma", "lymfom", "nhl", "event"},
           2: {"death", "dead", "died", "verstorben", "tot", "décès", "deces", "muerte",
               "fallecido", "död", "avliden", "competing"}}
_ACTIVITY = {0: {"none", "no", "keine", "ingen", "aucune", "aucun", "ninguna", "ninguno",
                 "nulle", "inactive", "no activity", "keine aktivität", "ingen aktivitet",
                 "aucune activité", "sin actividad"},
             1: {"low", "niedrig", "gering", "låg", "faible", "baja", "bajo", "mild"},
             2: {"moderate", "mäßig", "maessig", "mittel", "måttlig", "modérée", "moderee",
                 "moderada", "moderado"},
             3: {"high", "hoch", "hög", "élevée", "elevee", "forte", "alta", "alto", "severe"}}
_GENE_PREFIX = re.compile(r"^(?:GE|GEN|GENE|EXPR|ARN|RNA|MRNA)[_.\- ]+([A-Za-z0-9-]+)$",
                          re.IGNORECASE)
_GENE_SUFFIX = re.compile(r"^([A-Za-z0-9-]+)[_.\- ]+(?:EXPR|EXPRESSION)$", re.IGNORECASE)
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m/%d/%Y", "%Y/%m/%d",
                 "%Y%m%d")

# unit words in a name -> factor to the schema's unit (value * factor)
_TIME_WORDS = {"months": 1 / 12, "month": 1 / 12, "monate": 1 / 12, "monat": 1 / 12,
               "meses": 1 / 12, "mois": 1 / 12, "manader": 1 / 12, "mo": 1 / 12,
               "days": 1 / 365.25, "day": 1 / 365.25, "dagar": 1 / 365.25,
               "tage": 1 / 365.25, "jours": 1 / 365.25, "dias": 1 / 365.25,
               "weeks": 7 / 365.25, "wochen": 7 / 365.25, "semaines": 7 / 365.25,
               "years": 1.0, "year": 1.0, "jahre": 1.0, "ar": 1.0, "annees": 1.0,
               "anos": 1.0, "y": 1.0}
_CONCENTRATION = {("mg", "dl"): {"g/l": 0.01, "mg/l": 10.0},
                  ("g", "dl"): {"g/l": 10.0, "mg/l": 10_000.0},
                  ("g", "l"): {"g/l": 1.0, "mg/l": 1000.0},
                  ("mg", "l"): {"g/l": 0.001, "mg/l": 1.0}}
"""Concentration units in a name (two words) -> factor to the schema's g/L or mg/L."""


def _fold(text: str) -> str:
    """ASCII, lower case, words separated by one blank (camelCase split)."""
    text = re.sub(r"([a-z0-9])([A-Z][a-z])", r"\1 \2", str(text))  # FollowUp, C3Low
    text = re.sub(r"([a-z])([A-Z]{2,})", r"\1 \2", text)  # AntiSSA, PatientID; not IgG
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _word(text: Any) -> str:
    return unicodedata.normalize("NFC", str(text)).strip().casefold()


# -- the result ---------------------------------------------------------------------------

@dataclass
class Proposal:
    """One export column's proposed rule.

    Attributes
    ----------
    column : str
        The export column.
    target : str or None
        The schema column (``None``: not mapped; a reference date has
        ``"<reference_date>"``).
    rule : str, dict or None
        The rule, in the :class:`~stratify.data.Harmonizer`'s mapping format.
    confidence : float
        From 0 to 1: how sure the draft is (name and values agreeing).
    evidence : str
        What the proposal rests on: name, label, unit, values.
    """

    column: str
    target: str | None
    rule: Any
    confidence: float
    evidence: str


@dataclass
class MappingDraft:
    """A drafted mapping for one centre: proposals, evidence, what is left unmapped.

    Attributes
    ----------
    centre : str
    proposals : list of Proposal
        One per export column, in the export's order (unmapped ones too).
    na_values : list
        The centre's sentinels found in several columns.
    unmapped : list of str
        Export columns with no proposal (free text, unknown variables).
    """

    centre: str
    proposals: list[Proposal]
    na_values: list[Any] = field(default_factory=list)

    @property
    def unmapped(self) -> list[str]:
        return [p.column for p in self.proposals if p.rule is None]

    def mapping(self, min_confidence: float = 0.0) -> dict:
        """The mapping the :class:`~stratify.data.Harmonizer` reads; proposals below
        ``min_confidence`` are left out (the Harmonizer then reports their columns)."""
        columns = {p.column: p.rule for p in self.proposals
                   if p.rule is not None and p.confidence >= min_confidence}
        spec: dict[str, Any] = {"na_values": list(self.na_values), "columns": columns}
        return {"centres": {self.centre: spec},
                "description": f"Drafted by stratify.data.draft_mapping for centre "
                               f"{self.centre!r}: review every proposal before use."}

    def to_frame(self) -> pd.DataFrame:
        """One row per export column: ``column, target, rule, confidence, evidence``."""
        return pd.DataFrame([(p.column, p.target, None if p.rule is None
                              else json.dumps(p.rule, ensure_ascii=False), p.confidence,
                              p.evidence) for p in self.proposals],
                            columns=["column", "target", "rule", "confidence", "evidence"])

    def save(self, path: str | os.PathLike, min_confidence: float = 0.0) -> Path:
        """Write :meth:`mapping` as YAML (``.yaml``/``.yml``) or JSON (``.json``), each
        proposal's evidence and confidence as a comment (YAML) or in the description
        (JSON)."""
        path = Path(path)
        mapping = self.mapping(min_confidence)
        if path.suffix.lower() == ".json":  # JSON has no comments: the description
            mapping["description"] += "\n" + "\n".join(
                f"{p.column}: {p.evidence} (confidence {p.confidence:.2f})"
                for p in self.proposals)
            path.write_text(json.dumps(mapping, ensure_ascii=False, indent=1),
                            encoding="utf-8")
        elif path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            lines = [f"# {p.column}: {p.evidence} (confidence {p.confidence:.2f})"
                     for p in self.proposals]
            text = yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False)
            path.write_text("\n".join(lines) + "\n" + text, encoding="utf-8")
        else:
            raise ValueError(f"{path}: a mapping file must end in .yaml, .yml or .json.")
        return path

    def __repr__(self) -> str:
        mapped = len(self.proposals) - len(self.unmapped)
        return (f"MappingDraft(centre={self.centre!r}, {mapped} of {len(self.proposals)} "
                f"columns proposed, {len(self.unmapped)} unmapped)")


# -- what one column looks like -----------------------------------------------------------

@dataclass
class _Column:
    name: str
    label: str | None
    words: str
    keys: np.ndarray          # canonical keys, None where missing
    numbers: np.ndarray       # float, NaN where not a number
    labels: dict[str, str]    # value labels by code key
    dates: pd.Series | None = None
    date_format: str | None = None

    @property
    def present(self) -> np.ndarray:
        return self.keys != None  # noqa: E711 - elementwise on an object array


def draft_mapping(export: pd.DataFrame | str | os.PathLike, schema: Schema = PSS_SCHEMA, *,
                  centre: str | None = None) -> MappingDraft:
    """Propose a :class:`~stratify.data.Harmonizer` mapping for one centre's export.

    Each column is matched to a schema variable by its name and variable
    label (schema names in any case and separator, and names in English,
    German, Swedish, French and Spanish: ``Kön``, ``Geschlecht``, ``sexo``;
    ``GE_IFI44``, ``IFI44.expr`` for genes), and its values decide the rule:

    - codes: value labels (SPSS, Stata, REDCap), or yes/no, positive/negative,
      sex, outcome and ESSDAI activity words in those languages; ``1``/``2``
      for a binary variable is read as 1 = yes, 2 = no (the common SPSS
      coding) with a lower confidence;
    - units: a unit in the name (``IgG_mg_dL``: x 0.01 to g/L;
      ``saliva_ml_15min``: / 15; ``follow_up_months``: / 12) or values whose
      range fits the schema's only after x 0.1 or x 0.01 (a 0-100 ESSPRI);
      ``decimals`` from the values' own precision;
    - a 1-based ordinal (ESSDAI 1-4) gets ``offset: -1``;
    - dates (text in a common format, or typed) near the words birth,
      diagnosis and visit become the age and the disease duration at the visit;
    - the centre's sentinels: numbers such as ``-9`` or ``999`` outside the
      variables' ranges, and texts such as ``NA`` or ``k.A.`` where numbers
      are expected, found in more than one column.

    Nothing is applied: the draft is for a person to review (each proposal
    has its evidence and a confidence) and save (:meth:`MappingDraft.save`).

    Parameters
    ----------
    export : DataFrame or path
        One centre's export (a file is read with :func:`read_file`, keeping
        its value and variable labels).
    schema : Schema, default=PSS_SCHEMA
    centre : str, optional
        The centre's name in the mapping (default: the file's stem, or
        ``"centre"``).

    Returns
    -------
    MappingDraft

    Examples
    --------
    >>> import pandas as pd
    >>> export = pd.DataFrame({"PatID": ["u1", "u2", "u3"], "Kön": ["K", "M", "K"],
    ...                        "IgG_mg_dL": [1430.0, 990.0, -9],
    ...                        "antiSSA": ["pos", "neg", "NA"]})
    >>> draft = draft_mapping(export, centre="Uppsala")
    >>> draft.mapping()["centres"]["Uppsala"]["columns"]
    {'PatID': 'patient_id', 'Kön': {'to': 'sex', 'codes': {'K': 'F', 'M': 'M'}}, 'IgG_mg_dL': {'to': 'igg_g_l', 'scale': 0.01, 'decimals': 1, 'na_values': [-9]}, 'antiSSA': {'to': 'anti_ro', 'codes': {'pos': 1, 'neg': 0}}}
    >>> draft.na_values  # sentinels of several columns (-9 is IgG's own here)
    ['NA']
    >>> print(draft.to_frame().loc[2, "evidence"])
    'igg mg dl' is close to 'igg_g_l'; values 990 to 1430, mg/dl to g/L: 9.9 to 14.3 g/L within [1, 60]; [-9] outside the variable's range here only: column sentinel
    """
    if not isinstance(export, pd.DataFrame):
        from ._formats import read_file

        path = Path(export)
        frame = read_file(path, None)
        centre = centre or path.stem
    else:
        frame = export
    centre = centre or "centre"
    if frame.index.name is not None and frame.index.name not in frame.columns:
        frame = frame.reset_index()
    attrs = frame.attrs or {}
    value_labels = attrs.get("value_labels") or {}
    variable_labels = attrs.get("variable_labels") or {}
    columns = [_describe(str(c), frame[c], variable_labels.get(str(c)),
                         label_lookup(value_labels.get(str(c)) or {}))
               for c in frame.columns]
    targets = {c.name: _match_name(c, schema) for c in columns}
    na_values, column_na = _sentinels(columns, targets, schema)
    proposals: list[Proposal] = []
    visit = _visit_column(columns)
    used: set[str] = set()
    gene_centre = _gene_centre(columns, targets, set(na_values))
    shifted = _one_based_blocks(columns, targets, schema, set(na_values))
    for column in columns:
        proposal = _propose(column, targets[column.name], schema, set(na_values), visit,
                            column_na.get(column.name, []), gene_centre, shifted)
        if proposal.target is not None and proposal.target in used and \
                not proposal.target.startswith("<"):
            proposal = Proposal(column.name, None, None, 0.0,
                                f"{proposal.evidence}; but {proposal.target!r} is already "
                                f"proposed for another column")
        if proposal.target is not None:
            used.add(proposal.target)
        proposals.append(proposal)
    return MappingDraft(centre, proposals, na_values)


def _gene_centre(columns: list[_Column], targets: Mapping[str, tuple[str | None, float, str]],
                 na: set[Any]) -> float | None:
    """The median of all the export's gene values (sentinels aside): near 0 when the
    genes are centred as the schema's are."""
    numbers = {float(v) for v in na if not isinstance(v, str)}
    values = [c.numbers[np.isfinite(c.numbers) & ~np.isin(c.numbers, list(numbers))]
              for c in columns if (targets[c.name][0] or "").startswith("mol_")]
    pooled = np.concatenate(values) if values else np.array([])
    return float(np.median(pooled)) if pooled.size else None


def _one_based_blocks(columns: list[_Column],
                      targets: Mapping[str, tuple[str | None, float, str]], schema: Schema,
                      na: set[Any]) -> frozenset[str]:
    """Blocks (e.g. ``essdai``) with an ordinal column plainly coded from 1: a value one
    above the top level, no 0."""
    na_keys = {str(_canonical(v)) for v in na}
    blocks = set()
    for column in columns:
        var = schema.get(targets[column.name][0] or "")
        if var is None or var.kind != "ordinal" or not var.levels:
            continue
        keys = {k for k in column.keys[column.present] if k not in na_keys}
        numbers = [_number(k) for k in keys]
        if keys and "0" not in keys and all(math.isfinite(x) for x in numbers) \
                and max(numbers) == max(var.levels) + 1 \
                and {x - 1 for x in numbers} <= {float(v) for v in var.levels}:
            blocks.add(var.block)
    return frozenset(blocks)


def _describe(name: str, values: pd.Series, label: str | None,
              labels: dict[str, str]) -> _Column:
    keys = _keys(values)
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        numbers = pd.to_numeric(pd.Series(keys, dtype=object), errors="coerce").to_numpy(
            dtype=float, na_value=np.nan)
    words = _fold(name) + (" | " + _fold(label) if label else "")
    choice = re.search(r"\(choice=([^)]*)\)", label or "")
    if choice:  # a REDCap checkbox column: the choice names the variable
        words = _fold(choice.group(1)) + " | " + words
    column = _Column(name, label, words, keys, numbers, labels)
    if pd.api.types.is_datetime64_any_dtype(values):
        column.dates, column.date_format = pd.Series(values.to_numpy()), "%Y-%m-%d"
    else:
        column.date_format = _date_format(keys)
    return column


def _date_format(keys: np.ndarray) -> str | None:
    text = [k for k in keys if isinstance(k, str) and re.search(r"\d", k) and
            re.fullmatch(r"[\d./\-]+", k)]
    if len(text) < 3 or len(text) < 0.5 * sum(k is not None for k in keys):
        return None
    sample = pd.Series(text[:500], dtype=object)
    for fmt in _DATE_FORMATS:
        parsed = pd.to_datetime(sample, format=fmt, errors="coerce")
        if parsed.notna().mean() >= 0.99:
            return fmt
    return None


# -- names --------------------------------------------------------------------------------

def _match_name(column: _Column, schema: Schema) -> tuple[str | None, float, str]:
    """The schema variable the name (or label) suggests, a score and the reason."""
    gene = _GENE_PREFIX.match(column.name) or _GENE_SUFFIX.match(column.name)
    if gene and "mol_" in schema.families:
        symbol = _symbol(gene.group(1), column.label)
        return f"mol_{symbol}", 0.9, f"gene name {symbol!r} in the column name"
    if column.name.startswith("mol_"):
        return f"mol_{_symbol(column.name[4:], column.label)}", 0.95, "a schema gene column"
    best: tuple[str | None, float, str] = (None, 0.0, "")
    for source in [s.strip() for s in column.words.split("|")]:
        flat = source.replace(" ", "_")
        if flat in schema.names:
            return flat, 0.95, f"name {column.name!r} is the schema's {flat!r}"
        for target, words in _SYNONYMS.items():
            if target not in schema.names:
                continue
            if source in words or source.replace(" ", "") in words:
                return target, 0.85, f"{source!r} is a name of {target!r}"
        for role, words in _DATE_ROLES.items():
            if source in words:
                return f"<{role}>", 0.85, f"{source!r} names a {role} date"
        tokens = source.split()
        padded = f" {source} "
        for target, words in _SYNONYMS.items():
            if target in schema.names and any(f" {w} " in padded
                                              or w.replace(" ", "") in tokens
                                              for w in words if len(w) > 2):
                score = 0.7
                if score > best[1]:
                    best = (target, score, f"{source!r} holds a name of {target!r}")
        for role, words in _DATE_ROLES.items():
            if any(w in tokens or any(t.startswith(w) for t in tokens) for w in words
                   if len(w) > 3):
                if 0.7 > best[1]:
                    best = (f"<{role}>", 0.7, f"{source!r} holds a word for a {role} date")
        close = difflib.get_close_matches(flat, schema.names, n=1, cutoff=0.85)
        if close:
            score = difflib.SequenceMatcher(None, flat, close[0]).ratio() * 0.8
            if score > best[1]:
                best = (close[0], score, f"{source!r} is close to {close[0]!r}")
    return best


def _symbol(symbol: str, label: str | None) -> str:
    """A gene symbol written in lower case (REDCap field names) in its label's case."""
    if label and symbol.islower():
        found = re.search(rf"\b{re.escape(symbol)}\b", label, re.IGNORECASE)
        return found.group(0) if found else symbol
    return symbol


# -- sentinels ----------------------------------------------------------------------------

def _sentinels(columns: list[_Column], targets: Mapping[str, tuple[str | None, float, str]],
               schema: Schema) -> tuple[list[Any], dict[str, list[Any]]]:
    """The centre's sentinels (seen in two columns or more) and each column's own."""
    numbers: dict[float, list[str]] = {}
    texts: dict[str, list[str]] = {}
    for column in columns:
        target = targets[column.name][0]
        var = schema.get(target) if target and not target.startswith("<") else None
        finite = column.numbers[np.isfinite(column.numbers)]
        for value in SENTINELS:
            if np.any(finite == value) and _outside(value, var, finite):
                numbers.setdefault(value, []).append(column.name)
        numeric_share = np.isfinite(column.numbers).sum() / max(column.present.sum(), 1)
        present = {k for k in column.keys[column.present] if isinstance(k, str)}
        for key in present:
            if math.isfinite(_number(key)):
                continue
            if key in NUMERIC_NA_VALUES or means_missing(key) or (
                    numeric_share > 0.5 and column.date_format is None):
                texts.setdefault(key, []).append(column.name)
    centre: list[Any] = []
    own: dict[str, list[Any]] = {}
    for value, where in sorted(numbers.items()):
        if len(where) > 1:
            centre.append(int(value) if float(value).is_integer() else value)
        else:
            own.setdefault(where[0], []).append(int(value) if value.is_integer() else value)
    for text, where in sorted(texts.items()):
        if len(where) > 1 or means_missing(text) or text in NUMERIC_NA_VALUES:
            centre.append(text)
    if any(not np.all(c.present) for c in columns):
        centre.append("")
    return centre, own


def _number(key: str) -> float:
    try:
        return float(key)
    except ValueError:
        return math.nan


def _outside(value: float, var: Variable | None, finite: np.ndarray) -> bool:
    """Whether ``value`` cannot be a real value of the variable (or of the column)."""
    if var is not None and var.levels is not None and var.is_numeric:
        return value not in {float(v) for v in var.levels}
    if var is not None and var.range is not None:
        lo, hi = var.range
        return (lo is not None and value < lo) or (hi is not None and value > hi * 10)
    rest = finite[finite != value]
    if rest.size < 5:
        return False
    spread = np.percentile(rest, 99) - np.percentile(rest, 1)
    return bool(value < np.percentile(rest, 1) - spread or value > np.percentile(rest, 99)
                + spread)


# -- rules --------------------------------------------------------------------------------

def _visit_column(columns: list[_Column]) -> _Column | None:
    visits = [c for c in columns if c.date_format is not None
              and any(w in c.words.split() or any(t.startswith(w) for t in c.words.split())
                      for w in _DATE_ROLES["visit"] if len(w) > 3)]
    return visits[0] if len(visits) == 1 else None


def _propose(column: _Column, match: tuple[str | None, float, str], schema: Schema,
             na: set[Any], visit: _Column | None, own_na: list[Any],
             gene_centre: float | None = None,
             shifted_blocks: frozenset[str] = frozenset()) -> Proposal:
    target, score, why = match
    if column.date_format is not None:
        return _propose_date(column, target, score, why, visit)
    if target is None or target.startswith("<"):
        distinct = len({k for k in column.keys[column.present]})
        return Proposal(column.name, None, None, 0.0,
                        f"no schema variable matches the name ({distinct} distinct values)")
    if target == "patient_id":
        return Proposal(column.name, target, "patient_id", score, why)
    var = schema.get(target)
    if var is None:
        return Proposal(column.name, None, None, 0.0, f"{why}, but {target!r} is not in the "
                                                       f"schema")
    na_keys = {str(_canonical(v)) for v in na} | {str(_canonical(v)) for v in own_na}
    usable = column.present & ~np.isin(column.keys, list(na_keys))
    if var.kind in ("binary", "ordinal", "event", "categorical"):
        rule, confidence, evidence = _levels_rule(column, var, usable, shifted_blocks,
                                                  na_keys)
    else:
        rule, confidence, evidence = _number_rule(column, var, usable, gene_centre)
    if rule is None:
        return Proposal(column.name, None, None, 0.0, f"{why}; {evidence}")
    if own_na:
        rule = {"to": target} if rule == target else dict(rule)
        rule["na_values"] = list(own_na)
        evidence += f"; {own_na} outside the variable's range here only: column sentinel"
    return Proposal(column.name, target, rule, round(score * confidence, 2),
                    f"{why}; {evidence}")


def _levels_rule(column: _Column, var: Variable, usable: np.ndarray,
                 shifted_blocks: frozenset[str] = frozenset(),
                 na_keys: frozenset[str] | set[str] = frozenset()) -> tuple[Any, float, str]:
    keys = [k for k in dict.fromkeys(column.keys[usable].tolist())]
    levels = [str(_canonical(v)) for v in var.levels or ()]
    if var.levels is None:
        return var.name, 0.9, f"{len(keys)} distinct labels"
    if column.labels:
        named = [column.labels.get(k, k) for k in keys]
        named = [n for n in named if not (means_missing(n) or str(_canonical(n)) in na_keys)]
        codes, unknown = _vocabulary_codes(named, var)
        if codes and not unknown:
            return ({"to": var.name, "codes": codes}, 1.0,
                    f"value labels {sorted(codes)} read as {var.name} levels")
    numbers = [_number(k) for k in keys]
    one_based = keys and "0" not in keys and all(math.isfinite(x) for x in numbers) \
        and {str(_canonical(x - 1)) for x in numbers} <= set(levels)
    if keys and set(keys) <= set(levels):
        if one_based and var.block in shifted_blocks:
            return ({"to": var.name, "offset": -1}, 0.7,
                    f"values {sorted(keys, key=float)} without 0, and other {var.block} "
                    f"columns of this export are coded from 1: levels + 1")
        return var.name, 1.0, f"values {sorted(keys)} are the schema's levels"
    if keys and all(math.isfinite(x) for x in numbers) and var.is_numeric:
        if var.kind == "binary" and set(keys) <= {"1", "2"}:
            return ({"to": var.name, "codes": {"1": 1, "2": 0}}, 0.7,
                    "values 1/2 read as 1 = yes, 2 = no (the common SPSS coding): check")
        shifted = {str(_canonical(x - 1)) for x in numbers}
        if shifted <= set(levels) and "0" not in keys:
            return ({"to": var.name, "offset": -1}, 0.8,
                    f"values {sorted(keys, key=float)} are the levels + 1 (1-based coding)")
    codes, unknown = _vocabulary_codes(keys, var)
    if codes and not unknown:
        return ({"to": var.name, "codes": codes}, 0.95,
                f"words {sorted(codes)} read as {var.name} levels")
    shown = sorted(map(str, unknown or keys))[:6]
    return None, 0.0, f"values {shown} are not levels of {var.name!r} nor known words"


def _vocabulary_codes(keys: list[str], var: Variable) -> tuple[dict[str, Any], list[str]]:
    """Codes of known words (yes/no, sex, outcome, ESSDAI activity) for the variable."""
    codes: dict[str, Any] = {}
    unknown: list[str] = []
    words = {_word(k) for k in keys}
    for key in keys:
        word = _word(key)
        level: Any = None
        if var.kind == "binary":
            level = 1 if word in _YES else 0 if word in _NO else None
        elif var.name == "sex":
            female_m = "h" in words or "hombre" in words  # Spanish: M = mujer, H = hombre
            if word == "m" and female_m:
                level = "F"
            else:
                level = "F" if word in _FEMALE else "M" if word in _MALE else None
        elif var.kind == "event":
            level = next((k for k, ws in _EVENTS.items() if word in ws), None)
        elif var.kind == "ordinal":
            found = next((k for k, ws in _ACTIVITY.items() if word in ws), None)
            if found is not None and var.levels is not None and found in var.levels:
                level = found
        if level is None:
            unknown.append(key)
        else:
            codes[key] = level
    if var.kind == "binary" and set(codes.values()) != {0, 1} and len(codes) > 1:
        return {}, keys
    return codes, unknown


def _number_rule(column: _Column, var: Variable, usable: np.ndarray,
                 gene_centre: float | None = None) -> tuple[Any, float, str]:
    values = column.numbers[usable]
    text = usable & ~np.isfinite(column.numbers)
    if values.size == 0 or np.isfinite(values).sum() == 0:
        return None, 0.0, "no numeric values"
    finite = values[np.isfinite(values)]
    factor, how = _unit_factor(column, var, finite)
    lo, hi = var.range if var.range is not None else (None, None)
    scaled = finite * factor
    inside = np.mean([(lo is None or v >= lo) and (hi is None or v <= hi) for v in scaled])
    evidence = (f"values {finite.min():g} to {finite.max():g}"
                + (f", {how}: {scaled.min():g} to {scaled.max():g} {var.unit or ''}".rstrip()
                   if factor != 1.0 else "")
                + (f" within [{lo}, {hi}]" if var.range is not None else ""))
    if text.any():
        evidence += f"; {int(text.sum())} text value(s) will be reported"
    confidence = 1.0 if inside >= 0.99 else 0.5
    if var.name.startswith("mol_") and gene_centre is not None \
            and abs(gene_centre) > 3:  # raw log2 instead of centred per gene
        offset = -float(round(gene_centre))
        rule_offset: dict[str, Any] = {"to": var.name, "offset": offset}
        decimals = _precision(finite + offset)
        if decimals is not None:
            rule_offset["decimals"] = decimals
        return (rule_offset, 0.8, f"{evidence}; the export's genes are centred near "
                f"{gene_centre:.1f}, the schema's expression is centred per gene: offset "
                f"{offset:g} (check)")
    if factor == 1.0:
        return var.name, confidence, evidence
    rule: dict[str, Any] = {"to": var.name, "scale": _scale_text(factor)}
    decimals = _precision(scaled)
    if decimals is not None:
        rule["decimals"] = decimals
    return rule, confidence * 0.95, evidence


def _unit_factor(column: _Column, var: Variable, finite: np.ndarray) -> tuple[float, str]:
    """value * factor is in the schema's unit: from a unit in the name, else the range."""
    tokens = column.words.replace("|", " ").split()
    unit = (var.unit or "").lower()
    if var.kind == "time" or unit == "years":
        for token in tokens:
            if token in _TIME_WORDS and _TIME_WORDS[token] != 1.0:
                return _TIME_WORDS[token], f"{token} to years"
    if unit == "ml/min":
        for token in tokens:
            match = re.fullmatch(r"(\d+)\s*min", token)
            if match and int(match.group(1)) != 1:
                return 1 / int(match.group(1)), f"per {match.group(1)} min to per min"
        joined = " ".join(tokens)
        match = re.search(r"\b(\d+) min\b", joined)
        if match and int(match.group(1)) != 1:
            return 1 / int(match.group(1)), f"per {match.group(1)} min to per min"
    if unit in ("g/l", "mg/l"):
        for pair in zip(tokens, tokens[1:]):
            factor = _CONCENTRATION.get(pair, {}).get(unit)
            if factor is not None and factor != 1.0:
                return factor, f"{pair[0]}/{pair[1]} to {var.unit}"
    if var.range is not None and finite.size:
        lo, hi = var.range
        if hi is not None and np.percentile(finite, 95) > hi:
            for factor in (0.1, 0.01, 0.001):
                scaled = finite * factor
                if np.percentile(scaled, 95) <= hi and (lo is None or scaled.min() >= lo) \
                        and np.percentile(scaled, 95) > hi * 0.2:
                    return factor, f"values above the range fit it after x {factor:g}"
    return 1.0, ""


def _scale_text(factor: float) -> float | str:
    inverse = 1 / factor
    if round(factor, 6) == factor:
        return factor
    return f"1/{round(inverse, 6):g}"


def _precision(values: np.ndarray, largest: int = 8) -> int | None:
    """The fewest decimals that leave every value unchanged (to 1e-9 relative)."""
    if values.size == 0:
        return None
    for d in range(largest + 1):
        if np.all(np.abs(np.round(values, d) - values) <= 1e-9 * np.maximum(1, np.abs(values))):
            return d
    return None


def _propose_date(column: _Column, target: str | None, score: float, why: str,
                  visit: _Column | None) -> Proposal:
    fmt = column.date_format
    if visit is not None and column.name == visit.name:
        return Proposal(column.name, "<reference_date>", {"role": "reference_date",
                                                          "date": fmt}, round(score, 2),
                        f"{why}; dates in format {fmt!r}: the visit, reference of the "
                        f"durations")
    to = {"<birth>": "age", "<diagnosis>": "disease_duration_years"}.get(target or "")
    if to is None or visit is None:
        reason = "no visit date to measure from" if visit is None else \
            "not a birth or diagnosis date"
        return Proposal(column.name, None, None, 0.0,
                        f"dates in format {fmt!r}, {reason}: map them by hand")
    return Proposal(column.name, to, {"to": to, "date": fmt, "reference": visit.name,
                                      "unit": "years", "decimals": 2}, round(score * 0.95, 2),
                    f"{why}; dates in format {fmt!r} until the visit {visit.name!r}, in "
                    f"years to 2 decimals (a day is 0.003 years)")
