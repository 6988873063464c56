"""Data-quality report: completeness, plausibility, duplicates and drift between centres."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from .._utils.rows import MAX_SHOWN as MAX_ROWS_SHOWN
from .._utils.stats import pooled_sd, standardized_difference
from .._utils.suppress import small_count_texts as _suppress
from .._utils.validation import SENTINELS as _SENTINELS
from ._missingness import MIN_CELL, MissingnessReport, _from_prepared
from ._prepare import ID, _prepare, _Prepared
from ._schema import Schema

__all__ = ["QualityReport", "quality_report", "PLAUSIBILITY_RULES"]

_SMD_KINDS = ("continuous", "ordinal", "time")
_MAX_LEVELS = 20


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


# ----------------------------------------------------------------------------- drift
@dataclass
class _Units:
    """Columns whose centre means are compared (a categorical variable gives one per level)."""

    variables: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    columns: list[np.ndarray] = field(default_factory=list)

    def add(self, variable: str, measure: str, values: np.ndarray) -> None:
        self.variables.append(variable)
        self.measures.append(measure)
        self.columns.append(values)


def _drift_units(prep: _Prepared) -> _Units:
    """Plausible values only: values that break the schema are counted as implausible instead."""
    units = _Units()
    for col in prep.columns:
        kind = prep.kinds[col]
        valid = prep.observed[col] & ~prep.invalid[col]
        if not valid.any():
            continue
        if col in prep.numbers:
            values = np.where(valid, prep.numbers[col], np.nan)
            if kind in _SMD_KINDS:
                units.add(col, "smd", values)
                continue
            if kind == "binary":
                units.add(col, "proportion_difference", values)
                continue
            labels: np.ndarray = values
            levels = (np.asarray(prep.levels[col], dtype=float) if prep.levels[col] is not None
                      else np.unique(values[valid]))
        else:
            labels = prep.labels[col]
            levels = np.unique(labels[valid].astype(str))
        if len(levels) > _MAX_LEVELS:
            continue
        for level in levels:
            hit = np.zeros(prep.n)
            hit[valid] = (labels[valid] == level).astype(float)
            units.add(col, "max_proportion_difference", np.where(valid, hit, np.nan))
    return units


def _group_sums(groups: np.ndarray, n_groups: int, U: np.ndarray, offset: np.ndarray):
    """Per group: observed count, and sum and sum of squares of ``U - offset`` (NaN = missing)."""
    observed = ~np.isnan(U)
    # centring first keeps sums of squares exact for values far from zero
    centred = np.where(observed, U - offset, 0.0)
    onehot = np.zeros((len(groups), n_groups))
    onehot[np.arange(len(groups)), groups] = 1.0
    return onehot.T @ observed, onehot.T @ centred, onehot.T @ centred**2


def _rest(stat: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Sum over the reference centres other than each centre itself (centres on axis 0)."""
    kept = stat * reference
    return kept.sum(axis=0) - kept


@dataclass
class _Drift:
    drift: np.ndarray
    se: np.ndarray
    adjusted: np.ndarray
    reference: np.ndarray


def _compare(sums: tuple[np.ndarray, ...], reference: np.ndarray, smd: np.ndarray,
             offset: np.ndarray, min_count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cnt, s1, s2 = sums
    rest_cnt, rest_s1, rest_s2 = (_rest(x, reference) for x in sums)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean, rest_mean = s1 / cnt, rest_s1 / rest_cnt
        var = (s2 - cnt * mean**2) / (cnt - 1)
        rest_var = (rest_s2 - rest_cnt * rest_mean**2) / (rest_cnt - 1)
        pooled = pooled_sd(var, rest_var)
        drift = np.where(smd, standardized_difference(mean, rest_mean, var, rest_var),
                         mean - rest_mean)
        se_smd = np.sqrt(1 / cnt + 1 / rest_cnt + drift**2 / (2 * (cnt + rest_cnt)))
        p, q = mean + offset, rest_mean + offset
        se_prop = np.sqrt(np.clip(p * (1 - p), 0, None) / cnt
                          + np.clip(q * (1 - q), 0, None) / rest_cnt)
    enough = (cnt >= min_count) & (rest_cnt >= min_count)
    se = np.where(smd, se_smd, se_prop)
    return np.where(enough, drift, np.nan), np.where(enough, se, np.nan), pooled


def _flagged(drift: Any, se: Any, limit: Any, z: float) -> Any:
    with np.errstate(invalid="ignore"):
        return np.isfinite(drift) & (np.abs(drift) > limit) & (np.abs(drift) > z * se)


def _drift(prep: _Prepared, units: _Units, *, limit: np.ndarray, z: float,
           min_count: int) -> _Drift:
    """Per (centre, unit): drift against the reference centres, its SE and adjusted drift.

    The reference of a centre is every other centre, except centres that
    drift themselves on that variable: the most extreme flagged centre
    leaves the reference, and the comparison is repeated, while at least two
    reference centres remain. Without this, one centre on another scale
    makes every other centre look shifted the opposite way.
    """
    n_c, n_u = len(prep.centres), len(units.variables)
    empty = np.full((n_c, n_u), np.nan)
    reference = np.ones((n_c, n_u), bool)
    if not n_u or n_c < 2:
        return _Drift(empty, empty.copy(), empty.copy(), reference)
    U = np.column_stack(units.columns)
    offset = np.array([np.nanmean(c) for c in units.columns])
    code = {c: i for i, c in enumerate(prep.centres)}
    centre = np.array([code[c] for c in prep.centre])
    sums = _group_sums(centre, n_c, U, offset)
    smd = np.array([m == "smd" for m in units.measures])
    for _ in range(n_c - 2):
        drift, se, _ = _compare(sums, reference, smd, offset, min_count)
        score = np.where(_flagged(drift, se, limit, z) & reference, np.abs(drift), -np.inf)
        worst = np.argmax(score, axis=0)
        leave = np.isfinite(score.max(axis=0)) & (reference.sum(axis=0) > 2)
        if not leave.any():
            break
        reference[worst[leave], np.flatnonzero(leave)] = False
    drift, se, pooled_sd = _compare(sums, reference, smd, offset, min_count)
    adjusted = empty.copy()
    if prep.strata is not None:
        n_s = int(prep.strata.max()) + 1
        cnt2, sum2, _ = _group_sums(centre * n_s + prep.strata, n_c * n_s, U, offset)
        cnt2, sum2 = cnt2.reshape(n_c, n_s, n_u), sum2.reshape(n_c, n_s, n_u)
        ref2 = reference[:, None, :]
        rest_cnt2, rest_sum2 = _rest(cnt2, ref2), _rest(sum2, ref2)
        with np.errstate(invalid="ignore", divide="ignore"):
            within = sum2 / cnt2 - rest_sum2 / rest_cnt2
            valid = (cnt2 > 0) & (rest_cnt2 > 0)
            weight = np.where(valid, cnt2, 0.0)
            weight = weight / weight.sum(axis=1, keepdims=True)
            adj = np.where(valid, within * weight, 0.0).sum(axis=1)
            adj = np.where(valid.any(axis=1), adj, np.nan)
            adjusted = np.where(smd, adj / pooled_sd, adj)
        adjusted = np.where(np.isfinite(drift), adjusted, np.nan)
    return _Drift(drift, se, adjusted, reference)


# ----------------------------------------------------------------------------- the report
@dataclass(eq=False)
class QualityReport:
    """Data quality per centre and variable, with the findings behind each flag.

    Made by :func:`quality_report`; see there for the rules and thresholds.

    Attributes
    ----------
    problems : DataFrame
        Plausibility findings: ``center``, ``variable``, ``rule``,
        ``severity`` (``impossible`` or ``review``), ``n`` and ``rows`` (up to
        5 patient ids, never values).
    missingness : MissingnessReport
        Missing-data patterns, Little's MCAR test and predictors of missingness.
    rules : DataFrame
        Every plausibility rule with its severity and rationale; ``checked``
        says whether the data held the columns it needs.
    centres : list of str
    n_patients : int
    by : str or None
        The centre column (None: one group).
    case_mix : list of str
        Variables within whose strata drift was re-estimated.
    drift_threshold, proportion_threshold, min_completeness, alpha : float
        The thresholds used.
    notes : list of str
        Anything the reader must know about how the data were read.
    """

    table: pd.DataFrame
    problems: pd.DataFrame
    missingness: MissingnessReport
    rules: pd.DataFrame
    centres: list[str]
    n_patients: int
    by: str | None
    case_mix: list[str]
    drift_threshold: float
    proportion_threshold: float
    min_completeness: float
    alpha: float
    notes: list[str] = field(default_factory=list)
    _protected: dict[int, pd.DataFrame] = field(default_factory=dict, init=False, repr=False)

    def __repr__(self) -> str:
        flagged = self.flags()
        return (f"QualityReport({self.n_patients} patients, {len(self.centres)} centres, "
                f"{self.table['variable'].nunique()} variables, {len(flagged)} flagged rows)")

    def to_frame(self, min_cell: int = MIN_CELL) -> pd.DataFrame:
        """One row per centre and variable (the ``patient_id`` rows hold the duplicates).

        Columns: ``center``, ``variable``, ``kind``, ``n`` (patients in the
        centre), ``n_observed``, ``completeness``, ``n_implausible``,
        ``drift``, ``drift_measure`` (``smd``, ``proportion_difference`` or
        ``max_proportion_difference``), ``drift_se``, ``drift_adjusted``
        (within case-mix strata; NaN without ``case_mix``),
        ``drift_reference_excluded`` (centres left out of the reference
        because they drift themselves), and the boolean
        flags ``flag_incomplete``, ``flag_never_measured``,
        ``flag_implausible``, ``flag_drift`` and ``flag_drift_adjusted``
        (the drift still beyond its threshold after the case-mix adjustment;
        equal to ``flag_drift`` without ``case_mix``).

        Small cells are hidden (``<NA>``, an empty field in a CSV file) so that
        the frame can be shared: centre sizes from 1 to ``min_cell - 1``, with
        a second centre size so that the number of patients does not give
        them away; per variable, the observed and missing counts of each
        centre as a table centres x (observed, missing) with its totals,
        protected by :func:`stratify.report.suppress_small_cells`; the
        implausible counts per variable across centres likewise; and a
        completeness whenever its numerator or its denominator is hidden.
        ``min_cell=1`` gives every count.
        """
        if min_cell <= 1:
            return self.table.copy()
        if min_cell not in self._protected:  # the report, its CSV and figures ask several times
            self._protected[min_cell] = _protect_table(self.table, self.centres, min_cell)
        return self._protected[min_cell].copy()

    def flags(self, min_cell: int = MIN_CELL) -> pd.DataFrame:
        """The flagged rows of :meth:`to_frame`, with a ``reason`` in words."""
        table = self.to_frame(min_cell)
        flag_cols = ["flag_incomplete", "flag_never_measured", "flag_implausible", "flag_drift"]
        flagged = table[table[flag_cols].any(axis=1)].copy()
        flagged["reason"] = [self._reason(row, table) for row in flagged.itertuples(index=False)]
        return flagged.reset_index(drop=True)

    def _reason(self, row: Any, table: pd.DataFrame) -> str:
        parts = []
        if row.flag_never_measured:
            others = table[(table["variable"] == row.variable) & (table["center"] != row.center)]
            if others["n_observed"].notna().all() and others["n"].notna().all():
                share = others["n_observed"].sum() / max(others["n"].sum(), 1)
                parts.append(f"never measured in this centre (other centres: {share:.0%} "
                             "complete)")
            else:
                parts.append("never measured in this centre")
        elif row.flag_incomplete:
            parts.append(f"completeness {_share(row.completeness)} < "
                         f"{self.min_completeness:.0%}")
        if row.flag_implausible:
            found = self.problems[(self.problems["center"] == row.center)
                                  & (self.problems["variable"] == row.variable)]
            count = row.n_implausible
            if pd.isna(count):
                raw = self.table.loc[(self.table["center"] == row.center)
                                     & (self.table["variable"] == row.variable),
                                     "n_implausible"].iloc[0]
                count = f"<{MIN_CELL}" if raw < MIN_CELL else "(s)"
            parts.append(f"{count} implausible value(s): "
                         + ", ".join(dict.fromkeys(found["rule"])))
        if row.flag_drift:
            label = "SMD" if row.drift_measure == "smd" else "difference in proportion"
            limit = self._threshold(row.drift_measure)
            against = "the other centres"
            if row.drift_reference_excluded:
                against += f" except {row.drift_reference_excluded}"
            text = f"drift against {against}: {label} {row.drift:+.2f} (threshold {limit:g})"
            if self.case_mix:
                verdict = ("persists: suspect measurement or coding" if row.flag_drift_adjusted
                           else "explained by case mix")
                text += (f"; within strata of {', '.join(self.case_mix)}: "
                         f"{row.drift_adjusted:+.2f}, {verdict}")
            parts.append(text)
        return "; ".join(parts)

    def _threshold(self, measure: str) -> float:
        return self.drift_threshold if measure == "smd" else self.proportion_threshold

    def summary(self) -> str:
        """The report in a few lines of text."""
        t = self.table[self.table["variable"] != ID]
        lines = [f"Data quality: {self.n_patients} patients, {len(self.centres)} centre(s), "
                 f"{t['variable'].nunique()} variables."]
        lines += [f"Note: {note}." for note in self.notes]
        never = t[t["flag_never_measured"]]
        if len(never):
            lines.append("Never measured: " + "; ".join(
                f"{c}: {', '.join(g['variable'])}" for c, g in never.groupby("center")))
        incomplete = t[t["flag_incomplete"] & ~t["flag_never_measured"]]
        lines.append(f"{len(incomplete)} centre-variable pairs under "
                     f"{self.min_completeness:.0%} complete.")
        if len(self.problems):
            by_severity = self.problems.groupby("severity")["n"].sum()
            lines.append("Plausibility: " + ", ".join(
                f"{_suppress(pd.Series([n]))[0]} {s}" for s, n in by_severity.items())
                + " finding(s) in rules "
                + ", ".join(dict.fromkeys(self.problems["rule"])) + ".")
        else:
            lines.append("Plausibility: no finding.")
        drift = t[t["flag_drift"]]
        if len(drift):
            worst = drift.reindex(drift["drift"].abs().sort_values(ascending=False).index)
            shown = ", ".join(f"{r.variable} in {r.center} ({r.drift:+.2f})"
                              for r in worst.head(5).itertuples())
            lines.append(f"Drift flagged in {len(drift)} centre-variable pairs: {shown}"
                         + (" ..." if len(drift) > 5 else "") + ".")
            if self.case_mix:
                persists = int(drift["flag_drift_adjusted"].sum())
                lines.append(f"After adjusting for {', '.join(self.case_mix)}: {persists} "
                             f"persist, {len(drift) - persists} explained by case mix.")
        else:
            lines.append("Drift: none flagged.")
        lines.append(self.missingness.summary())
        return "\n".join(lines)

    def to_html(self) -> str:
        """An HTML fragment (no ``<html>``/``<body>``): summary, flags, figures, missingness.

        Figures are embedded as base64 PNG; counts from 1 to 4 are shown as
        ``<5`` and no patient identifier is written. Rendered by
        :func:`stratify.report.quality_html`.
        """
        from ..report import quality_html  # the report layer renders (declared in .importlinter)

        return quality_html(self)


def quality_report(
    cohort: Any,
    by: str | None = "center",
    *,
    drift_threshold: float = 0.2,
    proportion_threshold: float = 0.1,
    min_completeness: float = 0.5,
    alpha: float = 0.05,
    min_count: int = 10,
    case_mix: Any = None,
    columns: list[str] | None = None,
    schema: Schema | None = None,
    max_patterns: int = 10,
    min_missing: int = 20,
    max_rows: int = 2000,
    random_state: int | None = 0,
) -> QualityReport:
    """Completeness, plausibility, duplicates, drift between centres and missingness.

    Works on a validated :class:`Cohort` or on any DataFrame in schema names
    (``patient_id`` as the index or a column), including frames that would
    fail validation: out-of-range values, text in numeric columns and
    duplicated ids are reported, not raised.

    **Completeness.** Per centre and variable, the number and fraction of
    patients with a value. ``flag_incomplete``: completeness under
    ``min_completeness``. ``flag_never_measured``: no value at all in the
    centre while the other centres together hold at least ``min_count``
    (the centre does not collect it, or its export dropped it).

    **Plausibility.** Every value is checked against the schema (range for
    continuous and time variables, levels for the others), and every row
    against the rules below; ``n_implausible`` counts the patients with a
    finding on the variable and :attr:`QualityReport.problems` lists them
    (rule, count, up to 5 patient ids, never values).

    | rule | counted against | severity | condition |
    |---|---|---|---|
    | not_a_number, not_finite | the variable | impossible | text or infinity in a numeric variable |
    | out_of_range | the variable | impossible | outside the schema range (e.g. IgG in mg/dL) |
    | missing_value_sentinel | the variable | impossible | -9, 99, 999... outside the range |
    | negative_time | the time variable | impossible | follow-up ending before it starts |
    | invalid_level | the variable | impossible | not a schema level (ESSDAI CNS level 1) |
    | missing_id, duplicate_id | patient_id | impossible | no id, or one id on several rows |
    | duplicate_record | patient_id | review | identical values under different ids |
    | anti_la_without_anti_ro | anti_la | review | anti-La = 1 and anti-Ro = 0 |
    | diagnosis_before_age_10 | disease_duration_years | impossible | duration > age - 10 |
    | age_at_diagnosis_mismatch | age_at_diagnosis | review | abs(age - duration - age at diagnosis) > 1 |
    | follow_up_beyond_age_110 | lymphoma_time_years | review | age + follow-up > 110 years |
    | event_without_time | lymphoma_time_years | review | event status and time not both present |
    | germinal_centres_without_biopsy | germinal_centres | review | germinal centres known, focus score missing |
    | germinal_centres_without_foci | germinal_centres | review | germinal centres = 1 with focus score 0 |
    | essdai_glandular_without_swelling | essdai_glandular | review | level >= 1, no salivary gland enlargement |
    | essdai_lymphadenopathy_without_nodes | essdai_lymphadenopathy | review | level 1, no lymphadenopathy |
    | essdai_biological_without_findings | essdai_biological | review | level 0 with monoclonal component, low C4 or cryoglobulins |

    The rationale of each rule is in :data:`PLAUSIBILITY_RULES` and
    ``report.rules``.     Rules whose columns are absent are skipped (``report.rules.checked``).
    Duplicate records need at least 5 observed values in the row.

    **Drift.** Each centre is compared with all other centres pooled (so a
    centre is never compared with itself), on the values that respect the
    schema (the others are plausibility findings). Centres that drift
    themselves on a variable leave the reference for the others, most
    extreme first, while two reference centres remain, so that one centre
    on another scale does not make every other centre look shifted the
    opposite way (``drift_reference_excluded``). Continuous, ordinal and time
    variables: standardized mean difference, ``(mean_c - mean_rest) /
    sqrt((var_c + var_rest) / 2)``; ``flag_drift`` when ``|SMD| >
    drift_threshold`` (0.2: Austin, Stat Med 2009;28:3083-3107, the usual
    limit of negligible imbalance). Binary variables: difference in the
    proportion of 1s, flagged above ``proportion_threshold`` (0.1: at a
    prevalence near 50 % it equals an SMD of 0.2, and for rarer traits it is
    the stricter, clinically readable limit of 10 percentage points).
    Categorical variables: the largest difference in the proportion of any
    level, same threshold. A flag also needs the difference to be at least
    ``z(1 - alpha/2)`` standard errors from zero, so that small centres are
    not flagged for sampling noise, and ``min_count`` values on each side.

    **Case mix or measurement?** A centre that sees sicker patients differs
    on every variable that tracks disease activity; a centre that measures
    differently (other units, assay or coding) differs on that variable
    only, and whatever its patients are like. With ``case_mix`` (columns,
    e.g. ``["age", "sex"]``, or a Series/DataFrame indexed by patient such
    as a known subgroup), drift is re-estimated within strata of the
    case-mix variables (continuous ones cut into quartiles), comparing each
    centre with the other centres' patients of the same stratum and
    weighting strata by the centre's own patients (direct standardization),
    on the same SD scale. ``flag_drift_adjusted`` says whether the drift
    survives: if it does, suspect measurement or coding; if it vanishes,
    the centre's patients simply differ. This adjusts only for the
    variables given.

    **Missing data** (:class:`MissingnessReport`): the most frequent
    patterns and the variables missing together, Little's MCAR test over the
    continuous variables, and, for each variable with at least
    ``min_missing`` missing values, the cross-validated AUC of a logistic
    model of its missingness on the other numeric variables (mean-imputed)
    and the centre.

    Parameters
    ----------
    cohort : Cohort or DataFrame
    by : str or None, default="center"
        Centre column. None, or a column absent from the data, means one
        group (said in ``notes``): no drift or never-measured flags then.
    drift_threshold : float, default=0.2
        |SMD| above which continuous and ordinal variables drift.
    proportion_threshold : float, default=0.1
        Difference in proportion above which binary and categorical variables drift.
    min_completeness : float, default=0.5
        Completeness under which a centre-variable pair is flagged.
    alpha : float, default=0.05
        A drift flag needs a two-sided 1 - alpha interval of the difference
        that excludes zero.
    min_count : int, default=10
        Observed values needed on each side to estimate drift, and in the
        other centres to call a variable never measured.
    case_mix : str, list of str, Series or DataFrame, optional
        Case-mix variables for the adjusted drift.
    columns : list of str, optional
        Variables to check; default every column except ``patient_id`` and ``by``.
    schema : Schema, optional
        Default: the cohort's schema, else ``PSS_SCHEMA``. Columns the
        schema does not know are checked for completeness and drift only.
    max_patterns, min_missing, max_rows : int
        Passed to the missingness analysis (see :func:`missingness_report`).
    random_state : int or None, default=0
        Seed of the missingness models' subsample and folds.

    Returns
    -------
    QualityReport

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stratify.data import quality_report
    >>> rng = np.random.default_rng(0)
    >>> n = 300
    >>> df = pd.DataFrame({
    ...     "patient_id": [f"p{i:03d}" for i in range(n)],
    ...     "center": np.repeat(["A", "B", "C"], 100),
    ...     "igg_g_l": rng.normal(15, 4, n).clip(2),
    ...     "focus_score": rng.gamma(4, 0.4, n),
    ...     "essdai_cns": rng.choice([0, 2], n, p=[0.95, 0.05]).astype(float)})
    >>> df.loc[df.center == "B", "igg_g_l"] *= 100          # mg/dL instead of g/L
    >>> df.loc[df.center == "C", "focus_score"] = np.nan     # never measured in C
    >>> df.loc[[3, 7], "essdai_cns"] = 1                     # no such level
    >>> report = quality_report(df)
    >>> flags = report.flags()
    >>> flags[["center", "variable"]].to_numpy().tolist()
    [['A', 'essdai_cns'], ['B', 'igg_g_l'], ['C', 'focus_score']]
    >>> print(flags.loc[0, "reason"])  # 2: a small count, hidden
    <5 implausible value(s): invalid_level
    >>> report.problems[["center", "variable", "rule", "n", "rows"]].to_numpy().tolist()
    [['A', 'essdai_cns', 'invalid_level', 2, 'p003, p007'], ['B', 'igg_g_l', 'out_of_range', 100, 'p100, p101, p102, p103, p104']]
    """
    from threadpoolctl import threadpool_limits

    _check_parameters(drift_threshold=drift_threshold, proportion_threshold=proportion_threshold,
                      min_completeness=min_completeness, alpha=alpha, min_count=min_count)
    # many small matrix products and model fits: threaded BLAS only adds contention
    with threadpool_limits(limits=1):
        return _quality_report(cohort, by, drift_threshold=drift_threshold,
                               proportion_threshold=proportion_threshold,
                               min_completeness=min_completeness, alpha=alpha,
                               min_count=min_count, case_mix=case_mix, columns=columns,
                               schema=schema, max_patterns=max_patterns,
                               min_missing=min_missing, max_rows=max_rows,
                               random_state=random_state)


def _quality_report(cohort: Any, by: str | None, *, drift_threshold: float,
                    proportion_threshold: float, min_completeness: float, alpha: float,
                    min_count: int, case_mix: Any, columns: list[str] | None,
                    schema: Schema | None, max_patterns: int, min_missing: int, max_rows: int,
                    random_state: int | None) -> QualityReport:
    prep = _prepare(cohort, by=by, schema=schema, columns=columns, case_mix=case_mix)

    findings = _Findings(prep)
    _single_variable_checks(prep, findings)
    checked = _cross_checks(prep, findings)
    _duplicate_checks(prep, findings)

    units = _drift_units(prep)
    limit = np.array([drift_threshold if m == "smd" else proportion_threshold
                      for m in units.measures])
    z = NormalDist().inv_cdf(1 - alpha / 2)
    drift = _drift(prep, units, limit=limit, z=z, min_count=min_count)
    table = _table(prep, findings, units, drift, limit=limit,
                   min_completeness=min_completeness, min_count=min_count, z=z)
    rules = _rules_frame()
    rules["checked"] = [r not in {p.name for p in PLAUSIBILITY_RULES} or r in checked
                        for r in rules["rule"]]
    missingness = _from_prepared(prep, max_patterns=max_patterns, min_missing=min_missing,
                                   max_rows=max_rows, n_splits=3, top=3,
                                   random_state=random_state)
    return QualityReport(table=table, problems=findings.frame(), missingness=missingness,
                         rules=rules, centres=prep.centres, n_patients=prep.n, by=prep.by,
                         case_mix=prep.case_mix, drift_threshold=drift_threshold,
                         proportion_threshold=proportion_threshold,
                         min_completeness=min_completeness, alpha=alpha, notes=prep.notes)


def _check_parameters(**values: float) -> None:
    for name, value in values.items():
        ok = isinstance(value, (int, float, np.integer, np.floating)) and np.isfinite(value)
        if name in ("min_completeness",):
            ok = ok and 0 <= value <= 1
            rule = "a number in [0, 1]"
        elif name == "alpha":
            ok = ok and 0 < value < 1
            rule = "a number in (0, 1)"
        elif name == "min_count":
            ok = ok and int(value) == value and value >= 1
            rule = "an integer >= 1"
        else:
            ok = ok and value > 0
            rule = "a positive number"
        if not ok:
            raise ValueError(f"The '{name}' parameter of quality_report must be {rule}. "
                             f"Got {value!r} instead.")


def _table(prep: _Prepared, findings: _Findings, units: _Units, drift: _Drift, *,
           limit: np.ndarray, min_completeness: float, min_count: int, z: float
           ) -> pd.DataFrame:
    unit_index: dict[str, list[int]] = {}
    for u, var in enumerate(units.variables):
        unit_index.setdefault(var, []).append(u)
    total_observed = {col: int(prep.observed[col].sum()) for col in prep.columns}
    no_flag = np.zeros(prep.n, bool)
    rows = []
    for ci, centre in enumerate(prep.centres):
        mask = prep.centre == centre
        n = int(mask.sum())
        rows.append(_row(centre, ID, "id", n, int((~prep.missing_id & mask).sum()),
                         int((findings.flagged.get(ID, no_flag) & mask).sum())))
        for col in prep.columns:
            n_obs = int((prep.observed[col] & mask).sum())
            row = _row(centre, col, prep.kinds[col], n, n_obs,
                       int((findings.flagged.get(col, no_flag) & mask).sum()))
            row["flag_incomplete"] = n_obs / n < min_completeness
            row["flag_never_measured"] = (n_obs == 0 and len(prep.centres) > 1
                                          and total_observed[col] >= min_count)
            idx = np.asarray(unit_index.get(col, []), dtype=int)
            if idx.size:
                values = drift.drift[ci, idx]
                # a categorical variable drifts as much as its most different level
                pick = idx[int(np.nanargmax(np.abs(values)))] if np.isfinite(values).any() \
                    else idx[0]
                adjusted = drift.adjusted[ci, idx]
                adj = (adjusted[int(np.nanargmax(np.abs(adjusted)))]
                       if np.isfinite(adjusted).any() else np.nan)
                d, se = drift.drift[ci, pick], drift.se[ci, pick]
                strong = bool(_flagged(d, se, limit[pick], z))
                left_out = [c for k, c in enumerate(prep.centres)
                            if k != ci and not drift.reference[k, pick]]
                row.update(drift=d, drift_measure=units.measures[pick], drift_se=se,
                           drift_adjusted=adj, drift_reference_excluded=", ".join(left_out),
                           flag_drift=strong,
                           flag_drift_adjusted=strong if prep.strata is None else bool(
                               strong and _flagged(adj, se, limit[pick], z)))
            rows.append(row)
    return pd.DataFrame(rows)


def _share(value: Any) -> str:
    return "(hidden: small count)" if pd.isna(value) else f"{value:.0%}"


def _protect_table(table: pd.DataFrame, centres: list[str], min_cell: int) -> pd.DataFrame:
    """The quality table with small counts, their companions and their shares hidden."""
    from .._utils.suppress import TOTAL, suppress_small_cells

    out = table.copy()
    sizes = table.drop_duplicates("center").set_index("center")["n"].reindex(centres)
    hidden_sizes = suppress_small_cells(sizes.astype("int64"), min_cell).drop(TOTAL).isna()
    n_obs = pd.Series(pd.NA, index=out.index, dtype="Int64")
    n_bad = pd.Series(pd.NA, index=out.index, dtype="Int64")
    for _ in range(len(centres) + 1):
        extra = pd.Series(False, index=centres)
        for _variable, rows in table.groupby("variable", sort=False):
            by_centre = rows.set_index("center")
            counts = pd.DataFrame({"observed": by_centre["n_observed"],
                                   "missing": by_centre["n"] - by_centre["n_observed"]}
                                  ).astype("int64")
            forced = pd.DataFrame(False, index=[*counts.index, TOTAL],
                                  columns=["observed", "missing", TOTAL])
            forced.loc[hidden_sizes.index, TOTAL] = hidden_sizes.to_numpy()
            shown = suppress_small_cells(counts, min_cell, hidden=forced)
            extra |= shown.loc[counts.index, TOTAL].isna() & ~hidden_sizes
            n_obs[rows.index] = shown.loc[rows["center"], "observed"].to_numpy()
            bad = suppress_small_cells(by_centre["n_implausible"].astype("int64"), min_cell)
            n_bad[rows.index] = bad.loc[rows["center"]].to_numpy()
        if not extra.any():
            break
        hidden_sizes = suppress_small_cells(sizes.astype("int64"), min_cell,
                                            hidden=hidden_sizes | extra).drop(TOTAL).isna()
    n = out["n"].astype("Int64").mask(out["center"].map(hidden_sizes).to_numpy(bool))
    out["n"], out["n_observed"], out["n_implausible"] = n, n_obs, n_bad
    out["completeness"] = out["completeness"].where(n.notna() & n_obs.notna())
    return out


def _row(centre: str, variable: str, kind: str, n: int, n_observed: int,
         n_implausible: int) -> dict[str, Any]:
    return {"center": centre, "variable": variable, "kind": kind, "n": n,
            "n_observed": n_observed, "completeness": n_observed / n if n else np.nan,
            "n_implausible": n_implausible, "drift": np.nan, "drift_measure": "",
            "drift_se": np.nan, "drift_adjusted": np.nan, "drift_reference_excluded": "",
            "flag_incomplete": False,
            "flag_never_measured": False, "flag_implausible": n_implausible > 0,
            "flag_drift": False, "flag_drift_adjusted": False}

