"""The missingness report: :class:`MissingnessReport` and :func:`missingness_report`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._prepare import _prepare, _Prepared
from .._schema import Schema
from ._little import MCARTest, _undefined, little_mcar_test
from ._tables import _patterns_table, _predictors_table, _together_table

__all__ = ["MissingnessReport", "missingness_report"]


@dataclass
class MissingnessReport:
    """Which values are missing together, whether they look MCAR, and what predicts them.

    Attributes
    ----------
    patterns : DataFrame
        The most frequent missing-data patterns (one row each): ``n``,
        ``fraction``, ``n_missing_variables``, ``missing_variables`` (names,
        comma-separated; ``"(none)"`` for complete rows). Patterns of fewer
        than 5 patients are pooled in a last row ``"other patterns"``, whose
        ``n`` is missing (suppressed) when it is under 5 too.
    together : DataFrame
        Pairs of variables that are mostly missing together: ``variable_a``,
        ``variable_b``, ``n_both_missing`` (at least 5) and ``jaccard``
        (both missing / either missing, at least 0.5).
    mcar : MCARTest
        Little's test over the continuous variables.
    predictors : DataFrame
        For each variable with enough missing values: ``n_missing``,
        ``fraction_missing``, ``auc`` (cross-validated AUC of a logistic model
        of its missingness on the other variables, mean-imputed, and the
        centre) and ``top_predictors`` (the largest standardized coefficients,
        signed, averaged over the folds). Variables missing in exactly the
        same patients share one model, on the variables outside that group. AUC near 0.5: missingness is unrelated to what was observed
        (as under MCAR); well above 0.5: it depends on observed data, so
        missing at random given those variables is plausible and complete-case
        analyses may be biased. No test can rule out missingness that depends
        on the unobserved values themselves (MNAR).
    n_rows : int
    variables : list of str
    """

    patterns: pd.DataFrame
    together: pd.DataFrame
    mcar: MCARTest
    predictors: pd.DataFrame
    n_rows: int
    variables: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A few lines of text: patterns, the MCAR test and predictable missingness."""
        complete = self.patterns.loc[self.patterns["missing_variables"] == "(none)", "n"]
        n_complete = int(complete.iloc[0]) if len(complete) and pd.notna(complete.iloc[0]) else 0
        lines = [f"{n_complete} of {self.n_rows} rows are complete; "
                 f"{len(self.patterns)} most frequent missing-data patterns listed."]
        lines.append(str(self.mcar))
        if len(self.predictors):
            strong = self.predictors[self.predictors["auc"] >= 0.7]
            if len(strong):
                lines.append("Missingness predicted by observed data (AUC >= 0.7): "
                             + ", ".join(f"{v} ({a:.2f})" for v, a in
                                         zip(strong["variable"], strong["auc"])))
        return "\n".join(lines)

    def to_html(self) -> str:
        """An HTML fragment: patterns, pairs missing together, MCAR test, predictors.

        Rendered by :func:`stratify.report.missingness_html`.
        """
        from ...report import missingness_html  # the report layer renders (see .importlinter)

        return missingness_html(self)



def _missingness(values: pd.DataFrame, missing: pd.DataFrame, continuous: list[str],
                 centre: pd.Series | None, *, max_patterns: int, min_missing: int,
                 max_rows: int, n_splits: int, top: int,
                 random_state: int | None) -> MissingnessReport:
    mcar = little_mcar_test(values[continuous]) if continuous else _undefined(
        "no continuous variables")
    return MissingnessReport(
        patterns=_patterns_table(missing, max_patterns),
        together=_together_table(missing),
        mcar=mcar,
        predictors=_predictors_table(values, missing, centre, min_missing=min_missing,
                                     max_rows=max_rows, n_splits=n_splits, top=top,
                                     random_state=random_state),
        n_rows=len(values),
        variables=list(missing.columns),
    )


def missingness_report(
    data: Any,
    *,
    columns: list[str] | None = None,
    by: str | None = "center",
    schema: Schema | None = None,
    max_patterns: int = 10,
    min_missing: int = 20,
    max_rows: int = 2000,
    n_splits: int = 3,
    top: int = 3,
    random_state: int | None = 0,
) -> MissingnessReport:
    """Missing-data patterns, Little's MCAR test and the predictors of missingness.

    Parameters
    ----------
    data : Cohort or DataFrame
        One row per patient in schema names (validated or not).
    columns : list of str, optional
        Variables to study; default every column except ``patient_id`` and ``by``.
    by : str or None, default="center"
        Centre column, used as a predictor of missingness (when present).
    schema : Schema, optional
        Decides which variables are continuous (Little's test uses those);
        default the cohort's schema or ``PSS_SCHEMA``. Numeric columns the
        schema does not know count as continuous.
    max_patterns : int, default=10
        Patterns listed (patterns of fewer than 5 patients are never listed).
    min_missing : int, default=20
        A variable's missingness is modelled when it has at least this many
        missing and this many observed values.
    max_rows : int, default=2000
        The missingness models use a random subsample of at most this many
        patients (AUC and coefficients are stable well before; the cost is
        then bounded whatever the cohort size).
    n_splits : int, default=3
        Cross-validation folds for the AUC.
    top : int, default=3
        Predictors listed per variable.
    random_state : int or None, default=0
        Seed of the subsample and of the folds.

    Returns
    -------
    MissingnessReport

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stratify.data import missingness_report
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"age": rng.normal(55, 12, 300), "bmi": rng.normal(26, 4, 300),
    ...                    "igg_g_l": rng.normal(15, 4, 300)})
    >>> df.loc[df["age"] > 60, "igg_g_l"] = np.nan  # missing at random given age
    >>> rep = missingness_report(df)
    >>> rep.patterns["missing_variables"].tolist()
    ['(none)', 'igg_g_l']
    >>> bool(rep.mcar.p_value < 0.001), bool(rep.predictors.set_index("variable").auc["igg_g_l"] > 0.9)
    (True, True)
    """
    from threadpoolctl import threadpool_limits

    prep = _prepare(data, by=by, schema=schema, columns=columns, case_mix=None)
    with threadpool_limits(limits=1):
        return _from_prepared(prep, max_patterns=max_patterns, min_missing=min_missing,
                              max_rows=max_rows, n_splits=n_splits, top=top,
                              random_state=random_state)


def _from_prepared(prep: _Prepared, **kwargs: Any) -> MissingnessReport:
    """The missingness report of data parsed by :func:`_prepare` (the quality report's too)."""
    numeric = [c for c in prep.columns if c in prep.numbers]
    values = pd.DataFrame({c: prep.finite(c) for c in numeric})
    missing = pd.DataFrame({c: ~prep.observed[c] for c in prep.columns})
    continuous = [c for c in numeric if prep.kinds[c] == "continuous"]
    centre = pd.Series(prep.centre) if len(prep.centres) > 1 else None
    return _missingness(values, missing, continuous, centre, **kwargs)
