"""The data-quality report of a cohort: :func:`quality_report`."""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np

from .._missingness._report import _from_prepared
from .._prepare import _prepare
from .._schema import Schema
from ._drift import _drift, _drift_units
from ._report import QualityReport
from ._rules import (
    PLAUSIBILITY_RULES,
    _cross_checks,
    _duplicate_checks,
    _Findings,
    _rules_frame,
    _single_variable_checks,
)
from ._table import _table


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
