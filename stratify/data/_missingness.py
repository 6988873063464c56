"""Structure of missing data: patterns, Little's MCAR test, predictors of missingness."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._utils.suppress import MIN_CELL
from ._prepare import _prepare, _Prepared
from ._schema import Schema

__all__ = ["MCARTest", "MissingnessReport", "little_mcar_test", "missingness_report"]

MIN_ROWS_PER_PATTERN = 2
"""Little's test is not computed when the rows average fewer than this per
missing-data pattern: with most patterns seen once, each pattern's mean is one
row and the chi-square approximation of the statistic fails (at n = 60 with 52
variables it gave chi2 = -4,408,346 and p = 1)."""


@dataclass(frozen=True)
class MCARTest:
    """Result of Little's (1988) test that data are missing completely at random.

    Attributes
    ----------
    statistic : float
        Little's d² (chi-square distributed under MCAR and multivariate normality).
    df : int
        Degrees of freedom: the number of observed variables summed over the
        missing-data patterns, minus the number of variables.
    p_value : float
        Upper tail of the chi-square distribution; NaN when the test is undefined.
    n_patterns : int
        Missing-data patterns with at least one observed variable.
    n_rows : int
        Rows used (rows with every variable missing carry no information).
    variables : tuple of str
        The variables tested.
    n_iter : int
        EM iterations run to estimate the mean and covariance.
    converged : bool
        Whether EM reached its tolerance.
    note : str
        Why the test is undefined or which variables were left out, if any.

    Notes
    -----
    The test is not computed (``statistic`` and ``p_value`` NaN, the reason in
    ``note``) when fewer than 2 variables are usable, nothing is missing, the
    rows are not more than the variables, the rows average fewer than
    :data:`MIN_ROWS_PER_PATTERN` per missing-data pattern, the covariance
    estimate breaks down (not finite), or the statistic comes out negative or
    infinite. A variable that is an exact linear combination of others (a
    covariance with a zero eigenvalue) is left out and named in ``note``.
    """

    statistic: float
    df: int
    p_value: float
    n_patterns: int
    n_rows: int
    variables: tuple[str, ...]
    n_iter: int = 0
    converged: bool = True
    note: str = ""

    def __str__(self) -> str:
        if not np.isfinite(self.p_value):
            return f"Little's MCAR test not computed: {self.note}"
        text = (f"Little's MCAR test: chi2 = {self.statistic:.1f}, df = {self.df}, "
                f"p = {self.p_value:.3g} ({len(self.variables)} variables, "
                f"{self.n_patterns} patterns, {self.n_rows} rows)")
        return text + (f"; {self.note}" if self.note else "")


def _undefined(note: str, variables=(), n_rows: int = 0) -> MCARTest:
    return MCARTest(np.nan, 0, np.nan, 0, n_rows, tuple(variables), note=note)


def _pattern_groups(missing: np.ndarray):
    """Unique missingness patterns, grouped by their number of missing variables.

    Returns the patterns, each row's pattern, the pattern counts and, for each
    number ``k >= 1`` of missing variables, ``(patterns, idx, rows, pos)``:
    the pattern numbers, their ``k`` missing column indices, the rows with
    these patterns and each row's position among the group's patterns.
    """
    patterns, inverse, counts = np.unique(missing, axis=0, return_inverse=True,
                                          return_counts=True)
    inverse = np.asarray(inverse).reshape(-1)
    k_of = patterns.sum(axis=1)
    groups = []
    for k in np.unique(k_of):
        if k == 0:
            continue
        pats = np.flatnonzero(k_of == k)
        idx = np.argsort(~patterns[pats], axis=1, kind="stable")[:, :k]
        rows = np.flatnonzero(np.isin(inverse, pats))
        pos = np.searchsorted(pats, inverse[rows])
        groups.append((pats, idx, rows, pos))
    return patterns, inverse, counts, groups


def _em_normal(X: np.ndarray, missing: np.ndarray, groups, counts, *, max_iter: int,
               tol: float) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Maximum-likelihood mean and covariance of a multivariate normal with missing values.

    EM works with the precision matrix ``L``: given the observed part, the
    missing part of a row has covariance ``inv(L_mm)`` and mean
    ``mu_m - inv(L_mm) (L (x - mu))_m`` with the missing entries of
    ``x - mu`` set to zero, so each step only inverts the small
    missing-by-missing blocks, batched over the rows that share a number of
    missing variables. EM crawls when much information is missing; SQUAREM
    (Varadhan & Roland, Scand J Stat 2008, scheme S3) extrapolates from two
    EM steps and then takes one more, which reaches the same fixed point in
    several times fewer steps; an extrapolation whose covariance is not
    positive definite is replaced by the plain second step. ``n_iter`` counts
    EM steps; convergence is declared when one step moves no mean or
    covariance by more than ``tol``.
    """
    n, p = X.shape
    filled = np.where(missing, 0.0, X)
    observed_part = filled.copy()

    def step(theta: np.ndarray) -> np.ndarray:
        mu, sigma = theta[:p], theta[p:].reshape(p, p)
        precision = np.linalg.inv(sigma)
        residual = (observed_part - np.where(missing, 0.0, mu)) @ precision
        cond_cov = np.zeros(p * p)
        for pats, idx, rows, pos in groups:
            block_inv = np.linalg.inv(precision[idx[:, :, None], idx[:, None, :]])
            row_idx = idx[pos]
            shift = np.einsum("nij,nj->ni", block_inv[pos],
                              np.take_along_axis(residual[rows], row_idx, axis=1))
            filled[rows[:, None], row_idx] = mu[row_idx] - shift
            flat = (idx[:, :, None] * p + idx[:, None, :]).ravel()
            weights = (block_inv * counts[pats][:, None, None]).ravel()
            cond_cov += np.bincount(flat, weights=weights, minlength=p * p)
        mu_new = filled.mean(axis=0)
        centred = filled - mu_new
        sigma_new = (centred.T @ centred + cond_cov.reshape(p, p)) / n
        return np.concatenate([mu_new, ((sigma_new + sigma_new.T) / 2).ravel()])

    def positive_definite(theta: np.ndarray) -> bool:
        try:
            np.linalg.cholesky(theta[p:].reshape(p, p))
        except np.linalg.LinAlgError:
            return False
        return True

    mu0 = filled.sum(axis=0) / (~missing).sum(axis=0)
    theta = np.concatenate([mu0, np.diag(np.nanvar(X, axis=0)).ravel()])
    n_iter, converged = 0, False
    while n_iter < max_iter:
        first = step(theta)
        n_iter += 1
        if np.abs(first - theta).max() < tol:
            theta, converged = first, True
            break
        second = step(first)
        n_iter += 1
        r, v = first - theta, second - 2 * first + theta
        alpha = -np.sqrt((r @ r) / (v @ v)) if v @ v > 0 else -1.0
        jump = theta - 2 * min(alpha, -1.0) * r + min(alpha, -1.0) ** 2 * v
        theta = jump if positive_definite(jump) else second
    return theta[:p], theta[p:].reshape(p, p), n_iter, converged


def little_mcar_test(X: Any, *, max_iter: int = 1000, tol: float = 1e-8) -> MCARTest:
    """Little's test of the hypothesis that values are missing completely at random.

    The mean and covariance are estimated by maximum likelihood under a
    multivariate normal model (EM). For each missing-data pattern ``j`` with
    ``n_j`` rows and observed variables ``O_j``, the distance of the
    pattern's observed means from the ML means is
    ``d_j² = n_j (ybar_j - mu_O)' Sigma_OO^-1 (ybar_j - mu_O)``; under MCAR
    their sum is asymptotically chi-square with ``sum_j |O_j| - p`` degrees
    of freedom (Little, J Am Stat Assoc 1988;83:1198-1202). A small p-value
    says the observed means differ between patterns, i.e. the data are not
    MCAR; a large one does not prove MCAR (the test has no power against
    missingness that leaves the means unchanged, nor against MNAR in general).

    Variables are standardized first (the statistic does not change).
    Variables with fewer than two observed values or no variance are left
    out, and rows with every variable missing carry no information; both are
    said in ``note``.

    Parameters
    ----------
    X : DataFrame or array of shape (n_samples, n_features)
        Continuous variables, NaN for missing.
    max_iter : int, default=1000
        EM steps at most.
    tol : float, default=1e-8
        EM stops when a step moves no mean or covariance (standardized scale)
        by more than this.

    Returns
    -------
    MCARTest

    Examples
    --------
    >>> import numpy as np
    >>> from stratify.data import little_mcar_test
    >>> rng = np.random.default_rng(1)
    >>> X = rng.multivariate_normal([0, 0, 0], [[1, .5, .3], [.5, 1, .4], [.3, .4, 1]], 400)
    >>> mcar = X.copy(); mcar[rng.random(400) < 0.3, 1] = np.nan   # completely at random
    >>> print(little_mcar_test(mcar))
    Little's MCAR test: chi2 = 0.5, df = 2, p = 0.774 (3 variables, 2 patterns, 400 rows)
    >>> mar = X.copy(); mar[X[:, 0] > 0.5, 1] = np.nan             # depends on column 0
    >>> print(little_mcar_test(mar))
    Little's MCAR test: chi2 = 221.2, df = 2, p = 9.3e-49 (3 variables, 2 patterns, 400 rows)
    """
    from threadpoolctl import threadpool_limits

    # many small matrix products: threaded BLAS only adds contention (10x slower when loaded)
    with threadpool_limits(limits=1):
        return _little(X, max_iter=max_iter, tol=tol)


def _little(X: Any, *, max_iter: int, tol: float) -> MCARTest:
    from scipy.stats import chi2

    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=float))
    names = [str(c) for c in frame.columns]
    values = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if values.ndim != 2:
        raise ValueError(f"little_mcar_test expects a 2-D table; got shape {values.shape}.")
    values = np.where(np.isfinite(values), values, np.nan)
    notes = []
    observed = ~np.isnan(values)
    n_obs = observed.sum(axis=0)
    sd = np.array([np.nanstd(values[:, j]) if n_obs[j] >= 2 else 0.0
                   for j in range(values.shape[1])])
    keep = (n_obs >= 2) & (sd > 0)
    if not keep.all():
        notes.append("left out (fewer than 2 values or constant): "
                     + ", ".join(n for n, k in zip(names, keep) if not k))
    names = [n for n, k in zip(names, keep) if k]
    values = values[:, keep]
    values = (values - np.nanmean(values, axis=0)) / sd[keep]
    missing = np.isnan(values)
    any_obs = ~missing.all(axis=1)
    if (~any_obs).any():
        notes.append(f"{int((~any_obs).sum())} rows with every variable missing left out")
    values, missing = values[any_obs], missing[any_obs]
    collinear: list[str] = []
    while True:
        note = "; ".join(notes + ([f"left out (a linear combination of the others): "
                                   f"{', '.join(collinear)}"] if collinear else []))
        n, p = values.shape
        if p < 2:
            return _undefined("fewer than 2 usable variables" + (f"; {note}" if note else ""),
                              names, n)
        if not missing.any():
            return _undefined("no missing values" + (f"; {note}" if note else ""), names, n)
        if n <= p:
            return _undefined(f"{n} rows for {p} variables: the covariance of the variables "
                              "cannot be estimated from fewer rows than variables", names, n)
        patterns, inverse, counts, groups = _pattern_groups(missing)
        if n < MIN_ROWS_PER_PATTERN * len(patterns):
            return _undefined(f"too few rows per missing-data pattern ({n} rows in "
                              f"{len(patterns)} patterns, fewer than {MIN_ROWS_PER_PATTERN} "
                              "each on average): the chi-square approximation does not hold",
                              names, n)
        try:
            mu, sigma, n_iter, converged = _em_normal(values, missing, groups, counts,
                                                      max_iter=max_iter, tol=tol)
            eigen, vectors = np.linalg.eigh((sigma + sigma.T) / 2)
        except np.linalg.LinAlgError:
            eigen = np.array([np.nan])
        if not np.all(np.isfinite(eigen)):
            return _undefined("the estimated covariance matrix is not positive definite "
                              "(its estimate broke down on these rows)", names, n)
        if eigen[0] > 1e-10 * eigen[-1]:
            break
        # an exact linear relation: the variable it weighs most is left out and
        # the test redone on the others (the relation carries no information)
        drop = int(np.argmax(np.abs(vectors[:, 0])))
        collinear.append(names.pop(drop))
        values, missing = np.delete(values, drop, axis=1), np.delete(missing, drop, axis=1)
        rows = ~missing.all(axis=1)
        values, missing = values[rows], missing[rows]
    precision = np.linalg.inv(sigma)

    sums = np.zeros((len(patterns), p))
    np.add.at(sums, inverse, np.where(missing, 0.0, values))
    diff = np.where(patterns, 0.0, sums / counts[:, None] - mu)
    projected = diff @ precision
    # d² uses inv(Sigma_OO) = L_OO - L_OM inv(L_MM) L_MO (block inverse of the precision L)
    quad = np.einsum("ij,ij->i", diff, projected)
    for pats, idx, _, _ in groups:
        block_inv = np.linalg.inv(precision[idx[:, :, None], idx[:, None, :]])
        part = np.take_along_axis(projected[pats], idx, axis=1)
        quad[pats] -= np.einsum("ni,nij,nj->n", part, block_inv, part)
    statistic = float(np.sum(counts * quad))
    df = int((p - patterns.sum(axis=1)).sum() - p)
    if not np.isfinite(statistic) or statistic < 0:
        # a sum of quadratic forms in a positive-definite matrix cannot be
        # negative: the estimate is numerically meaningless
        return _undefined("the statistic is invalid (negative or not finite), the covariance "
                          "estimate being too unstable for these rows", names, n)
    if not converged:
        note = "; ".join(filter(None, [note, f"EM did not converge in {max_iter} iterations"]))
    p_value = float(chi2.sf(statistic, df)) if df > 0 else np.nan
    if df <= 0:
        note = "; ".join(filter(None, [note, "no degrees of freedom (one pattern)"]))
    return MCARTest(statistic, df, p_value, len(patterns), n, tuple(names), n_iter, converged,
                    note)


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
        from ..report import missingness_html  # the report layer renders (see .importlinter)

        return missingness_html(self)


def _patterns_table(missing: pd.DataFrame, max_patterns: int) -> pd.DataFrame:
    n = len(missing)
    names = np.asarray(missing.columns, dtype=object)
    pats, counts = np.unique(missing.to_numpy(), axis=0, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    rows: list[dict[str, Any]] = []
    shown = 0
    for i in order:
        if counts[i] < MIN_CELL or len(rows) == max_patterns:
            break
        miss = names[pats[i]]
        rows.append({"n": int(counts[i]), "fraction": counts[i] / n,
                     "n_missing_variables": int(pats[i].sum()),
                     "missing_variables": ", ".join(miss) if len(miss) else "(none)"})
        shown += int(counts[i])
    rest = n - shown
    if rest:
        rows.append({"n": rest if rest >= MIN_CELL else pd.NA,
                     "fraction": rest / n if rest >= MIN_CELL else np.nan,
                     "n_missing_variables": pd.NA, "missing_variables": "other patterns"})
    table = pd.DataFrame(rows, columns=["n", "fraction", "n_missing_variables",
                                        "missing_variables"])
    table["n"] = table["n"].astype("Int64")
    table["n_missing_variables"] = table["n_missing_variables"].astype("Int64")
    return table


def _together_table(missing: pd.DataFrame, top: int = 20) -> pd.DataFrame:
    m = missing.to_numpy(dtype=float)
    both = m.T @ m
    count = np.diag(both)
    either = count[:, None] + count[None, :] - both
    with np.errstate(invalid="ignore", divide="ignore"):
        jaccard = np.where(either > 0, both / either, 0.0)
    i, j = np.triu_indices(len(count), k=1)
    keep = (both[i, j] >= MIN_CELL) & (jaccard[i, j] >= 0.5)
    i, j = i[keep], j[keep]
    names = list(missing.columns)
    table = pd.DataFrame({"variable_a": [names[a] for a in i],
                          "variable_b": [names[b] for b in j],
                          "n_both_missing": both[i, j].astype(int),
                          "jaccard": jaccard[i, j]})
    return table.sort_values(["jaccard", "n_both_missing"], ascending=False,
                             kind="stable").head(top).reset_index(drop=True)


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve by the Mann-Whitney rank sum (ties count one half)."""
    from scipy.stats import rankdata

    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    return float((rankdata(score)[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _predictors_table(values: pd.DataFrame, missing: pd.DataFrame, centre: pd.Series | None,
                      *, min_missing: int, max_rows: int, n_splits: int, top: int,
                      random_state: int | None) -> pd.DataFrame:
    from sklearn import config_context
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    columns = ["variable", "n_missing", "fraction_missing", "auc", "top_predictors"]
    n = len(values)
    n_missing = missing.sum(axis=0)
    targets = [c for c in missing.columns
               if n_missing[c] >= min_missing and n - n_missing[c] >= min_missing]
    if not targets:
        return pd.DataFrame(columns=columns)
    rng = np.random.default_rng(random_state)
    rows = np.sort(rng.choice(n, max_rows, replace=False)) if n > max_rows else np.arange(n)
    design = values.iloc[rows]
    design = design.fillna(design.mean())
    if centre is not None and centre.nunique() > 1:
        dummies = pd.get_dummies(centre.iloc[rows].astype(str), prefix="center",
                                 prefix_sep="=", dtype=float)
        design = pd.concat([design, dummies.set_axis(design.index)], axis=1)
    sd = design.std(ddof=0)
    design = design.loc[:, sd > 0]
    design = (design - design.mean()) / design.std(ddof=0)
    names = np.asarray(design.columns, dtype=object)
    Z = design.to_numpy(dtype=float)
    # variables missing in exactly the same patients share one model, on the variables
    # outside their group (a group-mate's imputed value would only echo the pattern)
    groups: dict[bytes, list[str]] = {}
    for t in targets:
        groups.setdefault(np.packbits(missing[t].to_numpy()).tobytes(), []).append(t)
    results: dict[str, tuple[float, str]] = {}
    for members in groups.values():
        y = missing[members[0]].to_numpy()[rows].astype(int)
        use = ~np.isin(names, members)
        if min(y.sum(), len(y) - y.sum()) < n_splits or not use.any():
            continue
        Zt = Z[:, use]
        score = np.empty(len(y))
        coef = np.zeros(Zt.shape[1])
        folds = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
        # inputs are checked above: skip scikit-learn's per-call validation
        with config_context(assume_finite=True, skip_parameter_validation=True):
            for train, test in folds.split(Zt, y):
                model = LogisticRegression(max_iter=200, tol=1e-3).fit(Zt[train], y[train])
                score[test] = model.decision_function(Zt[test])
                coef += model.coef_[0] / n_splits
        best = np.argsort(-np.abs(coef), kind="stable")[:top]
        text = ", ".join(f"{names[use][b]} ({coef[b]:+.2f})" for b in best)
        for m in members:
            results[m] = (_auc(y, score), text)
    out = [{"variable": t, "n_missing": int(n_missing[t]),
            "fraction_missing": float(n_missing[t]) / n,
            "auc": results.get(t, (np.nan, ""))[0],
            "top_predictors": results.get(t, (np.nan, ""))[1]} for t in targets]
    return pd.DataFrame(out, columns=columns)


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
