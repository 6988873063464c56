"""Fitting the Cox model so that it converges wherever R's ``coxph`` does, or says why not.

:class:`LymphomaRiskModel` (``method="cox"``) fits through :func:`fit_cox`, which
tries a ladder of solvers and accepts a fit only when this module's own check
says it converged (the gradient of the penalized log partial likelihood at the
estimate, measured by the Newton decrement; docs/guide/survival.md):

1. lifelines ``CoxPHFitter`` with its default Newton step (0.95): the fit of
   earlier releases, identical wherever it converges;
2. lifelines again with ``step_size`` 0.5 and then 0.25 (damped Newton, which
   is what R's step halving achieves where a full step overshoots);
3. scikit-survival's ``CoxPHSurvivalAnalysis`` (Newton with step halving, Efron
   ties, ridge penalty only) on covariates standardized here; its
   coefficients are divided by the standard deviations, so they are on the
   covariates' own scale.

Every solver uses Efron's method for tied times, as R's ``coxph`` does by
default. When none converges, :func:`diagnose_divergence` runs R's algorithm
(Newton with step halving) and names the covariates whose coefficient keeps
growing while the likelihood has stopped changing (R: "Loglik converged
before variable 3; coefficient may be infinite"): monotone likelihood, for
example a binary factor present in no patient with an event.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CoxConvergenceError", "CoxFit", "EfronData", "collinear", "diagnose_divergence",
           "fit_cox"]


class CoxConvergenceError(ValueError):
    """No solver converged: ``reason`` in a few words, ``runaway`` the covariates whose
    coefficients run away (empty when none does), ``attempts`` what each solver said."""

    def __init__(self, message: str, reason: str, runaway: list[str],
                 attempts: list[str]) -> None:
        super().__init__(message)
        self.reason = reason
        self.runaway = runaway
        self.attempts = attempts

STEP_SIZES = (0.95, 0.5, 0.25)
"""lifelines' first Newton step sizes tried in turn (0.95 is lifelines' default)."""

DECREMENT_TOL = 1e-8
"""A fit has converged when the Newton decrement ``g' H⁻¹ g / 2`` of the penalized log
partial likelihood at the estimate (the log-likelihood still to gain by a full Newton
step) is below this, relative to ``max(1, |loglik|)``."""

DECREMENT_TOL_L1 = 1e-6
"""``DECREMENT_TOL`` with a lasso part: lifelines replaces |x| by a smooth function that
it sharpens over the iterations, so its estimate is the elastic net's only up to that
approximation (on veterans' data, penalizer 0.001: a decrement of 1.8e-5 for a
log-likelihood of -474 once converged)."""

INFINITE_TOL = 3.16e-5
"""R's ``coxph.control()$toler.inf`` (the square root of its ``eps``): a coefficient whose
next Newton step exceeds this share of its size once the likelihood has converged may be
infinite."""

RUNAWAY_STEP = 0.01
"""Smallest next Newton step (log hazard ratio per standard deviation) that flags a
coefficient of a converged fit as running away (see :func:`_runaway`)."""

MAX_STANDARDIZED_COEF = 15.0
"""A log hazard ratio per standard deviation beyond this (a hazard ratio above 3 million)
is separation, not an estimate."""

DIAGNOSIS_ITERATIONS = 30

COLLINEAR_TOL = 1e-8
"""Smallest singular value of the standardized covariates, relative to the largest, below
which they are collinear (:func:`collinear`)."""

L1_ZERO = 1e-4
"""With a lasso part, a standardized coefficient within this of 0 counts as 0 when its
gradient lies inside the subgradient (lifelines' smooth |x| leaves such coefficients
near 0, not at 0)."""

LOW_VARIANCE_NOTE = "have very low variance. This may harm convergence"
"""lifelines' warning, before fitting, about a covariate of variance below 1e-4: about
the data's scale (lifelines standardizes anyway), not about the fit, so the check of
this module decides. Every other lifelines ``ConvergenceWarning`` rejects the fit."""
"""Newton iterations (with step halving) of :func:`diagnose_divergence`."""


class EfronData:
    """Cox log partial likelihood with Efron's method for ties, its gradient and Hessian.

    The data are sorted once; :meth:`evaluate` then costs O(n p²) per
    coefficient vector without forming an n x p x p array. Up to rounding it
    equals lifelines' ``log_likelihood_`` and scikit-survival's Efron loss.
    """

    def __init__(self, X: np.ndarray, event: np.ndarray, time: np.ndarray) -> None:
        order = np.argsort(time, kind="stable")
        self.X = np.asarray(X, dtype=float)[order]
        self.event = np.asarray(event, dtype=bool)[order]
        t = np.asarray(time, dtype=float)[order]
        _, self.first, group = np.unique(t, return_index=True, return_inverse=True)
        self.group = group.ravel()
        self.n_events = np.bincount(self.group[self.event], minlength=self.first.size)
        ev_group = self.group[self.event]
        # rank of each event within its tied group: 0, 1, ..., d_j - 1
        starts = np.concatenate([[0], np.cumsum(self.n_events)[:-1]])
        self.ev_group = ev_group
        self.ev_share = ((np.arange(ev_group.size) - starts[ev_group])
                         / self.n_events[ev_group])

    def evaluate(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Log partial likelihood, gradient and Hessian at ``beta``."""
        X, d = self.X, self.event
        eta = X @ beta
        shift = float(eta.max())
        w = np.exp(eta - shift)
        wx = w[:, None] * X
        s0_all = np.cumsum(w[::-1])[::-1][self.first]
        s1_all = np.cumsum(wx[::-1], axis=0)[::-1][self.first]
        groups = self.first.size
        t0 = np.bincount(self.group[d], weights=w[d], minlength=groups)
        t1 = np.zeros((groups, X.shape[1]))
        np.add.at(t1, self.group[d], wx[d])
        g, share = self.ev_group, self.ev_share
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            s0 = s0_all[g] - share * t0[g]
            s1 = s1_all[g] - share[:, None] * t1[g]
            loglik = float(np.sum(eta[d]) - np.sum(np.log(s0)) - shift * s0.size)
            mean = s1 / s0[:, None]
            grad = X[d].sum(axis=0) - mean.sum(axis=0)
            a = np.bincount(g, weights=1.0 / s0, minlength=groups)
            b = np.bincount(g, weights=share / s0, minlength=groups)
            weight = w * (np.cumsum(a)[self.group] - d * b[self.group])
            hess = -(X.T @ (weight[:, None] * X) - mean.T @ mean)
        return loglik, grad, hess


@dataclass
class CoxFit:
    """A converged Cox fit on the covariates' own scale.

    ``coef`` and ``covariance`` are per unit of each covariate (the inverse of
    the observed information of the penalized likelihood, i.e. lifelines'
    ``variance_matrix_`` when lifelines fitted it); ``solver`` names the rung
    of the ladder that converged; ``attempts`` says why earlier rungs were
    not accepted.
    """

    coef: np.ndarray
    covariance: np.ndarray
    loglik: float
    solver: str
    estimator: Any
    decrement: float
    attempts: list[str] = field(default_factory=list)


def _penalty(beta: np.ndarray, n: int, penalizer: float,
             l1_ratio: float) -> tuple[float, np.ndarray, np.ndarray]:
    """lifelines' elastic-net penalty on standardized coefficients (its limit for the
    lasso part: |beta|), its gradient and the diagonal of its Hessian."""
    ridge = 0.5 * (1 - l1_ratio) * beta ** 2
    value = n * penalizer * float(np.sum(l1_ratio * np.abs(beta) + ridge))
    grad = n * penalizer * (l1_ratio * np.sign(beta) + (1 - l1_ratio) * beta)
    hess = np.full(beta.size, n * penalizer * (1 - l1_ratio))
    return value, grad, hess


def newton_decrement(data: EfronData, beta: np.ndarray, penalizer: float = 0.0,
                     l1_ratio: float = 0.0) -> tuple[float, float, np.ndarray]:
    """Newton decrement ``g' (-H)⁻¹ g / 2`` of the penalized log partial likelihood
    at ``beta`` (standardized scale), the penalized log-likelihood, and the Newton step.

    With a lasso part, coefficients within ``L1_ZERO`` of 0 are held at 0 when their
    gradient lies inside the subgradient (the optimality condition of the
    elastic net), and the step is taken over the others.
    """
    loglik, grad, hess = data.evaluate(beta)
    n = data.X.shape[0]
    value, pgrad, phess = _penalty(beta, n, penalizer, l1_ratio)
    objective = loglik - value
    grad = grad - pgrad
    hess = hess - np.diag(phess)
    free = np.ones(beta.size, dtype=bool)
    if penalizer > 0 and l1_ratio > 0:
        zero = np.abs(beta) < L1_ZERO
        inside = np.abs(grad + pgrad) <= n * penalizer * l1_ratio * (1 + 1e-6)
        free = ~(zero & inside)
        # a coefficient at 0 whose gradient leaves the subgradient should move
        grad = np.where(zero & ~inside,
                        grad + pgrad - np.sign(grad + pgrad) * n * penalizer * l1_ratio,
                        grad)
    step = np.zeros(beta.size)
    if not (np.isfinite(objective) and np.all(np.isfinite(grad))
            and np.all(np.isfinite(hess))):
        return float("inf"), objective, step
    if free.any():
        try:
            step[free] = np.linalg.solve(-hess[np.ix_(free, free)], grad[free])
        except np.linalg.LinAlgError:
            return float("inf"), objective, step
    decrement = float(grad[free] @ step[free]) / 2
    return (decrement if np.isfinite(decrement) and decrement >= 0 else float("inf"),
            objective, step)


def _converged(decrement: float, objective: float, l1_ratio: float = 0.0) -> bool:
    tol = DECREMENT_TOL if l1_ratio == 0 else DECREMENT_TOL_L1
    return bool(decrement < tol * max(1.0, abs(objective)))


def _runaway(beta: np.ndarray, step: np.ndarray) -> np.ndarray:
    """R's check of a converged fit (``coxph``: "Loglik converged before variable j;
    coefficient may be infinite"): the next Newton step of a coefficient is still
    large, above ``INFINITE_TOL`` of its size and above ``RUNAWAY_STEP`` (where the
    likelihood is flat in a direction, the Newton step tends to 1 on the
    standardized scale), or the standardized coefficient is beyond
    ``MAX_STANDARDIZED_COEF``. Positions of the covariates flagged."""
    moving = (np.abs(step) > RUNAWAY_STEP) & (np.abs(step) > INFINITE_TOL * np.abs(beta))
    return np.flatnonzero(moving | (np.abs(beta) > MAX_STANDARDIZED_COEF))


def _check(data: EfronData, beta: np.ndarray, penalizer: float,
           l1_ratio: float) -> tuple[str | None, float, list[int]]:
    """Why the fit ``beta`` (standardized scale) is not accepted (None: accepted), its
    Newton decrement, and the covariates that run away."""
    if not np.all(np.isfinite(beta)):
        return "non-finite coefficient", float("inf"), []
    decrement, objective, step = newton_decrement(data, beta, penalizer, l1_ratio)
    if not _converged(decrement, objective, l1_ratio if penalizer > 0 else 0.0):
        return f"not at the maximum (Newton decrement {decrement:.3g})", decrement, []
    runaway = [int(j) for j in _runaway(beta, step)]
    if runaway:
        return "coefficients running away", decrement, runaway
    return None, decrement, []


def _standardize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Covariates centred and scaled as lifelines does (pandas' standard deviation,
    ddof=1); a constant covariate keeps scale 1."""
    mean = values.mean(axis=0)
    scale = values.std(axis=0, ddof=1) if values.shape[0] > 1 else np.ones(values.shape[1])
    scale = np.where(scale > 0, scale, 1.0)
    return (values - mean) / scale, mean, scale


def _lifelines(frame: pd.DataFrame, names: list, penalizer: float, l1_ratio: float,
               step_size: float) -> tuple[Any, str | None]:
    """lifelines' fit with ``step_size``, or the reason it failed (exception, warning)."""
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError, ConvergenceWarning

    fitter = CoxPHFitter(penalizer=penalizer, l1_ratio=l1_ratio)
    options = None if step_size == STEP_SIZES[0] else {"step_size": step_size}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            fitter.fit(frame, duration_col="__time__", event_col="__event__",
                       fit_options=options)
        except (ConvergenceError, np.linalg.LinAlgError, ValueError) as exc:
            return None, _first_line(exc)
    problems = [_first_line(w.message) for w in caught
                if issubclass(w.category, ConvergenceWarning)
                and LOW_VARIANCE_NOTE not in str(w.message)]
    if problems:
        return None, problems[0]
    return fitter, None


def _first_line(message: Any) -> str:
    text = str(message).strip().splitlines()
    return (text[0] if text else type(message).__name__)[:200]


def _sksurv(Z: np.ndarray, event: np.ndarray, time: np.ndarray,
            penalizer: float) -> tuple[Any, str | None]:
    """scikit-survival's Efron Newton fit on standardized covariates (ridge penalty
    ``n * penalizer / 2 * |beta|²``, lifelines' scaling), or why it failed."""
    from sklearn.exceptions import ConvergenceWarning
    from sksurv.linear_model import CoxPHSurvivalAnalysis

    from ._target import TARGET_DTYPE

    y = np.empty(time.size, dtype=TARGET_DTYPE)
    y["event"], y["time"] = event, time
    model = CoxPHSurvivalAnalysis(alpha=time.size * penalizer, ties="efron")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.fit(Z, y)
        except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
            return None, _first_line(exc)
    problems = [_first_line(w.message) for w in caught
                if issubclass(w.category, ConvergenceWarning)]
    if problems:
        return None, problems[0]
    return model, None


def _covariance(data: EfronData, beta: np.ndarray, scale: np.ndarray, penalizer: float,
                l1_ratio: float) -> np.ndarray:
    """Inverse observed information of the (ridge part of the) penalized likelihood, on
    the covariates' own scale."""
    _, _, hess = data.evaluate(beta)
    hess = hess - np.diag(np.full(beta.size, data.X.shape[0] * penalizer * (1 - l1_ratio)))
    try:
        cov = np.linalg.inv(-hess)
    except np.linalg.LinAlgError:
        cov = np.full_like(hess, np.nan)
    return cov / np.outer(scale, scale)


def fit_cox(names: list, values: np.ndarray, event: np.ndarray, time: np.ndarray, *,
            penalizer: float = 0.0, l1_ratio: float = 0.0,
            caller: str = "LymphomaRiskModel (cox)") -> CoxFit:
    """Cox model through the ladder of solvers of this module; raise when none converges.

    Returns
    -------
    CoxFit
        Coefficients per unit of each covariate, their covariance, the solver.

    Raises
    ------
    ValueError
        When no solver converges, or the fit converged with coefficients that
        run away (separation): names those covariates and what each solver
        reported.
    """
    Z, _, scale = _standardize(values)
    data = EfronData(Z, event, time)
    frame = pd.DataFrame(values, columns=names)
    frame["__time__"], frame["__event__"] = time, event
    attempts: list[str] = []
    for step in STEP_SIZES:
        label = f"lifelines step_size={step}"
        fitter, reason = _lifelines(frame, names, penalizer, l1_ratio, step)
        if fitter is None:
            attempts.append(f"{label}: {reason}")
            continue
        coef = fitter.params_.reindex(names).to_numpy(dtype=float)
        reason, decrement, runaway = _check(data, coef * scale, penalizer, l1_ratio)
        if runaway:
            attempts.append(f"{label}: {reason}")
            raise _failure(caller, names, runaway, penalizer, attempts)
        if reason is not None:
            attempts.append(f"{label}: {reason}")
            continue
        cov = fitter.variance_matrix_.reindex(index=names, columns=names).to_numpy(float)
        return CoxFit(coef, cov, float(fitter.log_likelihood_), label, fitter, decrement,
                      attempts)
    if l1_ratio == 0:
        label = "scikit-survival CoxPHSurvivalAnalysis (Efron)"
        model, reason = _sksurv(Z, event, time, penalizer)
        if model is None:
            attempts.append(f"{label}: {reason}")
        else:
            beta = np.asarray(model.coef_, dtype=float)
            reason, decrement, runaway = _check(data, beta, penalizer, l1_ratio)
            if runaway:
                attempts.append(f"{label}: {reason}")
                raise _failure(caller, names, runaway, penalizer, attempts)
            if reason is None:
                loglik = data.evaluate(beta)[0]
                return CoxFit(beta / scale, _covariance(data, beta, scale, penalizer, 0.0),
                              loglik, label, model, decrement, attempts)
            attempts.append(f"{label}: {reason}")
    aliased = collinear(Z)
    if aliased and penalizer == 0:
        raise _failure(caller, names, [], penalizer, attempts, aliased)
    runaway = diagnose_divergence(data, penalizer, l1_ratio)
    raise _failure(caller, names, runaway, penalizer, attempts)


def collinear(Z: np.ndarray) -> list[int]:
    """Positions of the covariates in an exact linear dependence among the standardized
    covariates ``Z`` (R's ``coxph`` reports their coefficients as NA): those with a
    weight above 0.05 in a right singular vector whose singular value is below
    ``COLLINEAR_TOL`` times the largest."""
    if Z.shape[1] == 0:
        return []
    centred = Z - Z.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    null = vt[singular < COLLINEAR_TOL * max(float(singular[0]), 1e-300)]
    if Z.shape[0] < Z.shape[1]:
        return list(range(Z.shape[1]))
    return [int(j) for j in np.flatnonzero((np.abs(null) > 0.05).any(axis=0))]


def diagnose_divergence(data: EfronData, penalizer: float = 0.0,
                        l1_ratio: float = 0.0) -> list[int]:
    """Positions of the covariates whose coefficients run away (monotone likelihood).

    Runs R's algorithm (Newton steps from 0, halved while the penalized log
    likelihood decreases, until its relative change is below 1e-9 or after
    ``DIAGNOSIS_ITERATIONS`` steps) and applies R's check (:func:`_runaway`)
    to where it stops.
    """
    beta = np.zeros(data.X.shape[1])
    decrement, objective, step = newton_decrement(data, beta, penalizer, l1_ratio)
    for _ in range(DIAGNOSIS_ITERATIONS):
        if not np.isfinite(decrement):
            return []
        for _ in range(30):
            trial = beta + step
            new = newton_decrement(data, trial, penalizer, l1_ratio)
            if np.isfinite(new[1]) and new[1] >= objective - 1e-12:
                break
            step = step / 2
        else:
            break
        change = abs(new[1] - objective)
        beta, (decrement, objective, step) = trial, new
        if change <= 1e-9 * max(1.0, abs(objective)):
            break
    if not np.isfinite(decrement):
        return []
    return [int(j) for j in _runaway(beta, step)]


def _failure(caller: str, names: list, runaway: list[int], penalizer: float,
             attempts: list[str], aliased: list[int] | None = None) -> CoxConvergenceError:
    listed = [str(names[j]) for j in runaway]
    if aliased:
        quoted = ", ".join(repr(str(names[j])) for j in aliased)
        reason = f"collinear covariates ({quoted})"
        head = (f"{caller}: the Cox model did not converge: the covariates {quoted} are "
                "collinear (one is a linear combination of the others, e.g. a factor coded "
                "twice or every level of a categorical variable one-hot encoded), so "
                "their coefficients are not identified (R reports one as NA). Drop one of "
                "them, or use penalizer > 0")
    elif listed:
        quoted = ", ".join(repr(name) for name in listed)
        reason = f"the coefficient of {quoted} runs away (monotone likelihood)"
        head = (f"{caller}: the Cox model did not converge: the coefficient of {quoted} "
                "keeps growing while the likelihood no longer changes (monotone likelihood; "
                "R: 'Loglik converged before variable ...; coefficient may be infinite'), "
                "typically a factor present in no patient with an event (or in all of "
                "them at risk), or one that separates patients with and without events. "
                "Drop or merge it, or use penalizer > 0")
    else:
        reason = "no solver converged and no single coefficient runs away"
        head = (f"{caller}: the Cox model did not converge and no single covariate "
                "runs away (nearly collinear covariates?). Drop or merge covariates, or "
                "use penalizer > 0")
    if penalizer > 0:
        head += f" (a larger one than penalizer={penalizer:g})"
    return CoxConvergenceError(f"{head}. Solvers tried: {'; '.join(attempts)}.", reason,
                               listed, attempts)
