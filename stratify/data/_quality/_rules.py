"""Plausibility rules and the checks that apply them, per value, across variables and rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..._utils.rows import MAX_SHOWN as MAX_ROWS_SHOWN
from ..._utils.validation import SENTINELS as _SENTINELS
from .._prepare import ID, _Prepared


@dataclass(frozen=True)
class Rule:
    """A plausibility rule across variables.

    Attributes
    ----------
    name : str
    variable : str
        The variable the finding is counted against in the report.
    requires : tuple of str
        Columns the rule needs; it is skipped when one is absent.
    severity : {"impossible", "review"}
        ``impossible``: the values cannot all be right; ``review``: unusual
        enough to check against the source record.
    description : str
    check : callable
        ``check(values) -> bool array``; ``values`` maps column names to
        float arrays (NaN when missing), so comparisons with a missing value
        are false and never flag.
    """

    name: str
    variable: str
    requires: tuple[str, ...]
    severity: str
    description: str
    check: Callable[[Mapping[str, np.ndarray]], np.ndarray]


PLAUSIBILITY_RULES: tuple[Rule, ...] = (
    Rule("anti_la_without_anti_ro", "anti_la", ("anti_la", "anti_ro"), "review",
         "anti-La positive with anti-Ro negative: anti-La occurs almost only with "
         "anti-Ro (Big Data Sjögren Project; UKPSSR), so check the serology",
         lambda v: (v["anti_la"] == 1) & (v["anti_ro"] == 0)),
    Rule("diagnosis_before_age_10", "disease_duration_years",
         ("disease_duration_years", "age"), "impossible",
         "disease duration longer than age - 10: diagnosis before age 10, below "
         "the schema's lowest age at diagnosis (units or dates swapped?)",
         lambda v: v["disease_duration_years"] > v["age"] - 10),
    Rule("age_at_diagnosis_mismatch", "age_at_diagnosis",
         ("age_at_diagnosis", "age", "disease_duration_years"), "review",
         "age - disease duration differs from age at diagnosis by more than 1 year",
         lambda v: np.abs(v["age"] - v["disease_duration_years"] - v["age_at_diagnosis"]) > 1),
    Rule("follow_up_beyond_age_110", "lymphoma_time_years", ("lymphoma_time_years", "age"),
         "review", "age at the end of follow-up above 110 years (time in months or days?)",
         lambda v: v["age"] + v["lymphoma_time_years"] > 110),
    Rule("event_without_time", "lymphoma_time_years",
         ("lymphoma_event", "lymphoma_time_years"), "review",
         "lymphoma event status without follow-up time, or the reverse",
         lambda v: np.isnan(v["lymphoma_event"]) != np.isnan(v["lymphoma_time_years"])),
    Rule("germinal_centres_without_biopsy", "germinal_centres",
         ("germinal_centres", "focus_score"), "review",
         "germinal centres recorded but no focus score: both come from the labial "
         "biopsy (Theander et al. 2011)",
         lambda v: ~np.isnan(v["germinal_centres"]) & np.isnan(v["focus_score"])),
    Rule("germinal_centres_without_foci", "germinal_centres",
         ("germinal_centres", "focus_score"), "review",
         "germinal centres present with focus score 0: germinal centres form "
         "within lymphocytic foci",
         lambda v: (v["germinal_centres"] == 1) & (v["focus_score"] == 0)),
    Rule("essdai_glandular_without_swelling", "essdai_glandular",
         ("essdai_glandular", "salivary_gland_enlargement"), "review",
         "ESSDAI glandular activity >= 1 (glandular swelling) with no salivary "
         "gland enlargement (Seror et al. 2010)",
         lambda v: (v["essdai_glandular"] >= 1) & (v["salivary_gland_enlargement"] == 0)),
    Rule("essdai_lymphadenopathy_without_nodes", "essdai_lymphadenopathy",
         ("essdai_lymphadenopathy", "lymphadenopathy"), "review",
         "ESSDAI lymphadenopathy level 1 (nodes >= 1 cm) with no lymphadenopathy "
         "on examination (Seror et al. 2010)",
         lambda v: (v["essdai_lymphadenopathy"] == 1) & (v["lymphadenopathy"] == 0)),
    Rule("essdai_biological_without_findings", "essdai_biological",
         ("essdai_biological", "monoclonal_component", "c4_low", "cryoglobulins"), "review",
         "ESSDAI biological level 0 despite a monoclonal component, low C4 or "
         "cryoglobulins, each of which scores in that domain (Seror et al. 2010)",
         lambda v: (v["essdai_biological"] == 0) & (
             (v["monoclonal_component"] == 1) | (v["c4_low"] == 1) | (v["cryoglobulins"] == 1))),
)
"""Plausibility rules across variables, applied by :func:`quality_report`."""

_SINGLE_RULES = {
    "not_a_number": ("impossible", "text where the schema expects a number"),
    "not_finite": ("impossible", "infinite value"),
    "out_of_range": ("impossible", "outside the schema's range"),
    "negative_time": ("impossible", "negative time: follow-up ends before it starts"),
    "missing_value_sentinel": ("impossible", "a missing-value code (e.g. -9, 999) outside "
                                             "the range: map it to missing"),
    "invalid_level": ("impossible", "not one of the schema's levels (e.g. ESSDAI CNS level 1)"),
    "missing_id": ("impossible", "no patient id"),
    "duplicate_id": ("impossible", "the same patient id on several rows"),
    "duplicate_record": ("review", "identical values on every variable under different ids "
                                   "(the same patient entered twice, maybe in two centres)"),
}


def _rules_frame() -> pd.DataFrame:
    rows = [{"rule": name, "variable": "(each)", "severity": sev, "description": text}
            for name, (sev, text) in _SINGLE_RULES.items()]
    rows += [{"rule": r.name, "variable": r.variable, "severity": r.severity,
              "description": r.description} for r in PLAUSIBILITY_RULES]
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- plausibility
class _Findings:
    """Plausibility findings, per centre, with up to 5 patient ids each."""

    def __init__(self, prep: _Prepared):
        self.prep = prep
        self.rows: list[dict[str, Any]] = []
        self.flagged: dict[str, np.ndarray] = {}

    def add(self, variable: str, rule: str, severity: str, mask: np.ndarray) -> None:
        mask = np.asarray(mask, bool)
        if not mask.any():
            return
        self.flagged[variable] = self.flagged.get(variable, np.zeros(self.prep.n, bool)) | mask
        for centre in self.prep.centres:
            hits = np.flatnonzero(mask & (self.prep.centre == centre))
            if hits.size:
                self.rows.append({"center": centre, "variable": variable, "rule": rule,
                                  "severity": severity, "n": int(hits.size),
                                  "rows": ", ".join(self.prep.ids[hits[:MAX_ROWS_SHOWN]])})

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows, columns=["center", "variable", "rule", "severity", "n",
                                                 "rows"])
        order = {c: i for i, c in enumerate(self.prep.centres)}
        return frame.sort_values("center", key=lambda c: c.map(order),
                                 kind="stable").reset_index(drop=True)


def _single_variable_checks(prep: _Prepared, findings: _Findings) -> None:
    """Schema rules per value; the union per column goes to ``prep.invalid``."""
    for col in prep.columns:
        kind = prep.kinds[col]
        found: dict[str, np.ndarray] = {}
        if col in prep.numbers:
            values = prep.numbers[col]
            finite = np.isfinite(values)
            found["not_a_number"] = prep.text[col]
            found["not_finite"] = np.isinf(values)
            if kind in ("continuous", "time"):
                lo, hi = prep.ranges[col] or (None, None)
                if kind == "time":
                    found["negative_time"] = finite & (values < 0)
                    lo = None if lo is None or lo <= 0 else lo
                bad = np.zeros(prep.n, bool)
                if lo is not None:
                    bad |= finite & (values < lo)
                if hi is not None:
                    bad |= finite & (values > hi)
                sentinel = bad & np.isin(values, list(_SENTINELS))
                found["missing_value_sentinel"] = sentinel
                found["out_of_range"] = bad & ~sentinel
            elif prep.levels[col] is not None:
                allowed = np.asarray(prep.levels[col], dtype=float)
                found["invalid_level"] = finite & ~np.isin(values, allowed)
        elif prep.levels[col] is not None:
            allowed_labels = {str(level) for level in prep.levels[col]}  # type: ignore[union-attr]
            found["invalid_level"] = np.array([v is not None and v not in allowed_labels
                                               for v in prep.labels[col]], bool)
        invalid = np.zeros(prep.n, bool)
        for rule, mask in found.items():
            findings.add(col, rule, _SINGLE_RULES[rule][0], mask)
            invalid |= mask
        prep.invalid[col] = invalid


def _cross_checks(prep: _Prepared, findings: _Findings) -> list[str]:
    checked = []
    for rule in PLAUSIBILITY_RULES:
        if not all(c in prep.numbers for c in rule.requires):
            continue
        values = {c: prep.finite(c) for c in rule.requires}
        with np.errstate(invalid="ignore"):
            findings.add(rule.variable, rule.name, rule.severity, rule.check(values))
        checked.append(rule.name)
    return checked


def _duplicate_checks(prep: _Prepared, findings: _Findings) -> None:
    missing_id = prep.missing_id
    findings.add(ID, "missing_id", "impossible", missing_id)
    ids = pd.Series(prep.ids)
    findings.add(ID, "duplicate_id", "impossible", (ids.duplicated(keep=False)
                                                      & ~missing_id).to_numpy())
    if not prep.columns:
        return
    table = pd.DataFrame({c: prep.numbers[c] if c in prep.numbers else prep.labels[c]
                          for c in prep.columns})
    n_values = np.sum([prep.observed[c] for c in prep.columns], axis=0)
    # near-empty rows are identical by chance, not because a patient was entered twice
    enough = n_values >= min(5, len(prep.columns))
    candidates = table.duplicated(keep=False).to_numpy() & enough
    if not candidates.any():
        return
    keys = pd.util.hash_pandas_object(table[candidates], index=False).to_numpy()
    distinct = pd.Series(prep.ids[candidates]).groupby(keys).transform("nunique").to_numpy()
    mask = np.zeros(prep.n, bool)
    mask[np.flatnonzero(candidates)[distinct >= 2]] = True
    findings.add(ID, "duplicate_record", "review", mask)
