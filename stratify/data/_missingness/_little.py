"""Little's (1988) test that data are missing completely at random: :func:`little_mcar_test`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._patterns import unique_rows

__all__ = ["MCARTest", "little_mcar_test"]

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
    patterns, inverse, counts = unique_rows(missing)
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


def _usable(X: Any) -> tuple[list[str], np.ndarray, np.ndarray, list[str]]:
    """The variables and rows Little's test can use, standardized, with notes on those left out."""
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
    return names, values, missing, notes


def _statistic(values: np.ndarray, missing: np.ndarray, mu: np.ndarray, sigma: np.ndarray,
               pattern_groups: tuple) -> float:
    """Little's d², the sum over patterns of the distance of their observed means from ``mu``."""
    patterns, inverse, counts, groups = pattern_groups
    p = values.shape[1]
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
    return float(np.sum(counts * quad))


def _little(X: Any, *, max_iter: int, tol: float) -> MCARTest:
    from scipy.stats import chi2

    names, values, missing, notes = _usable(X)
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
    statistic = _statistic(values, missing, mu, sigma, (patterns, inverse, counts, groups))
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
