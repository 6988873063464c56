"""Validity of stratify's inference: test levels and interval coverage, by simulation.

Issue 21, items 4 and 6: every p-value holds its level and every interval
labelled 95 % covers 95 %. Each claim is simulated ``replications`` times
on data with a known answer, and one row reports the rate measured
(``estimate``), its Monte Carlo standard error (``mc_se``, binomial:
``sqrt(p (1 - p) / replications)``) and whether it ``holds``:
``|estimate - nominal| <= max(2 mc_se, tolerance)``, the tolerance being
the issue's (± 1.5 % for levels, ± 2 % for coverage).

Measured at seed 0 (full suite, a loaded 2-core machine, 2026-12-07): interaction
type-I 0.041 (MC SE 0.006; classical F 0.218); familywise error with Holm 0.053
(0.007; unadjusted 0.206); binary coverage 0.956 (0.003; HC0 0.933); Cox 0.946
(0.004; penalized Wald 0.902); O/E 0.946 (0.005); ICI reference type-I 0.065
(0.012); cross-validation: see docs/guide/classification.md.

Rows whose ``role`` is ``"before"`` measure the method stratify used
before issue 21 on the same simulated data, for comparison: they are
expected not to hold.

Claims (``claim`` column; ``dataset`` describes the scenario):

``interaction type-I``
    :func:`stratify.response.effect_by_subgroup`: rejection rate at 0.05 of
    the subgroup-by-arm interaction test when the effect is the same in 4
    subgroups whose outcome SDs are 2.4/1.2/1.2/0.6 (the noisiest subgroup
    the smallest: shares 0.1/0.2/0.3/0.4), n = 200. Library: Wald F with HC3
    covariance; before: classical F test.
``subgroup familywise error``
    The same function with no effect anywhere (4 subgroups, n = 160): share
    of trials where some subgroup row has p < 0.05. Library: ``p_holm``;
    before: ``p_unadjusted`` (the only p-value there was).
``binary effect coverage``
    Binary outcome, 4 subgroups, n = 120 (about 15 patients per arm and
    subgroup): coverage of the per-subgroup 95 % intervals of the
    difference in proportions. Library: HC3 with t; before: HC0 Wald.
``Cox hazard ratio coverage``
    :class:`stratify.survival.LymphomaRiskModel` ``(method="cox",
    penalizer=0.05)`` (the workflow's default), n = 1,000, 6 risk factors
    (4 binary, 2 continuous; log hazard ratios 0-0.7), about 7 % events:
    coverage of the 95 % intervals of ``summary_`` (unpenalized refit)
    over all coefficients; before: the penalized fit's Wald intervals.
``cv balanced accuracy coverage``, ``cv log loss coverage``
    :func:`stratify.classify.cross_validate` with linear discriminant
    analysis, 3 classes, 5 Gaussian features, n = 200, 5 folds: coverage of the
    expected performance of the model trained on 160 patients (its mean
    over ``truth_fits`` training sets, each evaluated on 20,000 new
    patients). Library: repeated CV (10 x 5) with the Nadeau-Bengio
    corrected t for the balanced accuracy, the per-patient central-limit
    interval (Bayle et al. 2020) for the log loss; before: the bootstrap of
    out-of-fold predictions.
``O/E coverage``
    :func:`stratify.survival.calibration_in_the_large` (paired bootstrap) on
    a model whose 5-year risks are half the true ones (exponential
    proportional hazards, n = 500, uniform censoring): coverage of the true
    O/E, 2.
``ICI reference type-I``
    :func:`stratify.survival.ici_reference` for the true risks on new
    outcomes (n = 500): share of samples where the ICI's p-value against
    its simulated reference is below 0.05.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._measure import measure

TASK = "validity"
LEVEL_TOLERANCE = 0.015
COVERAGE_TOLERANCE = 0.02

SUITES: dict[str, dict[str, int]] = {
    "quick": {"interaction": 400, "familywise": 300, "binary": 150, "cox": 150, "cv": 100,
              "cv_truth_fits": 100, "oe": 300, "ici": 150, "ici_simulations": 40},
    "full": {"interaction": 1000, "familywise": 1000, "binary": 1000, "cox": 500,
             "cv": 500, "cv_truth_fits": 400, "oe": 2000, "ici": 400,
             "ici_simulations": 100},
}
"""Replications per claim (and the CV truth's training sets, the ICI reference's
simulations). Intervals of one replication (4 subgroups, 6 Cox coefficients) are
counted one by one; ``replications`` is then the number of intervals. The quick suite
took 37 s on one core at 200/100/80/80/60/200/80 replications (load 3 on 2 cores),
so about 75-80 s at these counts (247 s while a test suite used both cores); the full
suite took 25 minutes, split over two processes on a loaded machine."""


def _rng(seed: int, claim: int, replication: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, claim, replication]))


def _quiet(func: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                return func(*args, **kwargs)
    return wrapped


# ---------------------------------------------------------------- response

SD = np.array([2.4, 1.2, 1.2, 0.6])
SHARES = np.array([0.1, 0.2, 0.3, 0.4])


def _classical_f(y: np.ndarray, arm: np.ndarray, group: np.ndarray, levels: int) -> float:
    from statsmodels.regression.linear_model import OLS

    dummies = (group[:, None] == np.arange(1, levels)).astype(float)
    reduced = np.column_stack([np.ones_like(y), arm, dummies])
    full = np.column_stack([reduced, dummies * arm[:, None]])
    return float(OLS(y, full).fit().compare_f_test(OLS(y, reduced).fit())[1])


@_quiet
def _interaction(replications: int, seed: int) -> dict[str, list[bool]]:
    from stratify.response import effect_by_subgroup

    out: dict[str, list[bool]] = {"robust": [], "classical": []}
    for r in range(replications):
        rng = _rng(seed, 1, r)
        group = rng.choice(4, 200, p=SHARES)
        arm = rng.integers(0, 2, 200)
        y = -0.5 * arm + rng.normal(0, SD[group])
        table = effect_by_subgroup(y, arm, group)
        out["robust"].append(table.attrs["interaction"]["p"] < 0.05)
        out["classical"].append(_classical_f(y, arm, group, 4) < 0.05)
    return out


@_quiet
def _familywise(replications: int, seed: int) -> dict[str, list[bool]]:
    from stratify.response import effect_by_subgroup

    out: dict[str, list[bool]] = {"holm": [], "unadjusted": []}
    for r in range(replications):
        rng = _rng(seed, 2, r)
        group, arm = rng.integers(0, 4, 160), rng.integers(0, 2, 160)
        table = effect_by_subgroup(rng.normal(size=160), arm, group)
        out["holm"].append(bool((table["p_holm"] < 0.05).any()))
        out["unadjusted"].append(bool((table["p_unadjusted"] < 0.05).any()))
    return out


P_PLACEBO = np.array([0.2, 0.3, 0.4, 0.1])
P_TREATED = np.array([0.2, 0.5, 0.6, 0.3])


@_quiet
def _binary(replications: int, seed: int) -> dict[str, list[bool]]:
    from statsmodels.regression.linear_model import OLS

    from stratify.response import effect_by_subgroup

    truth = P_TREATED - P_PLACEBO
    out: dict[str, list[bool]] = {"hc3": [], "hc0": []}
    for r in range(replications):
        rng = _rng(seed, 3, r)
        group, arm = rng.integers(0, 4, 120), rng.integers(0, 2, 120)
        y = (rng.random(120) < np.where(arm == 1, P_TREATED[group],
                                        P_PLACEBO[group])).astype(float)
        try:
            table = effect_by_subgroup(y, arm, group)
        except ValueError:  # a subgroup without one arm: redraw-free skip
            continue
        out["hc3"].extend(((table["lower"] <= truth) & (truth <= table["upper"])).tolist())
        for g in range(4):
            inside = group == g
            X = np.column_stack([np.ones(inside.sum()), arm[inside]])
            low, high = np.asarray(OLS(y[inside], X).fit(cov_type="HC0").conf_int())[1]
            out["hc0"].append(bool(low <= truth[g] <= high))
    return out


# ---------------------------------------------------------------- Cox

COX_BETA = np.array([0.7, 0.5, 0.0, 0.4, 0.3, 0.0])
COX_PREVALENCE = (0.3, 0.2, 0.4, 0.25)


def _cox_data(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, np.ndarray]:
    from stratify.survival import make_target

    binary = np.column_stack([rng.random(n) < p for p in COX_PREVALENCE]).astype(float)
    X = np.column_stack([binary, rng.normal(size=(n, 2))])
    frame = pd.DataFrame(X, columns=["f1", "f2", "f3", "f4", "z1", "z2"])
    lymphoma = rng.exponential(180.0 / np.exp(X @ COX_BETA))
    followup = rng.uniform(2.0, 15.0, n)
    return frame, make_target(np.minimum(lymphoma, followup),
                              (lymphoma <= followup).astype(int))


@_quiet
def _cox(replications: int, seed: int) -> dict[str, list[bool]]:
    from stratify.survival import LymphomaRiskModel

    out: dict[str, list[bool]] = {"summary": [], "penalized": [], "events": [],
                                  "fallback": []}
    for r in range(replications):
        X, y = _cox_data(_rng(seed, 4, r), 1_000)
        model = LymphomaRiskModel(method="cox", penalizer=0.05).fit(X, y)
        s = model.summary_
        low, high = np.log(s["lower"].to_numpy()), np.log(s["upper"].to_numpy())
        out["fallback"].append(not model.inference_.startswith("unpenalized"))
        out["summary"].extend(((low <= COX_BETA) & (COX_BETA <= high)).tolist())
        wald = model.estimator_.confidence_intervals_.to_numpy()
        out["penalized"].extend(((wald[:, 0] <= COX_BETA)
                                 & (COX_BETA <= wald[:, 1])).tolist())
        out["events"].append(float(np.mean(y["event"])))
    return out


# ---------------------------------------------------------------- cross-validation

CV_MEANS = np.array([[0.0, 0.0, 0, 0, 0], [1.2, 0.0, 0, 0, 0], [0.6, 1.2, 0, 0, 0]])
CV_N, CV_FOLDS, CV_TEST = 200, 5, 20_000


def _cv_draw(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 3, n)
    return CV_MEANS[y] + rng.normal(size=(n, CV_MEANS.shape[1])), y


def _learner() -> Any:
    """Linear discriminant analysis: a stable linear classifier, 1-2 ms a fit."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    return LinearDiscriminantAnalysis()


@_quiet
def _cv_truth(fits: int, seed: int) -> pd.Series:
    """Expected balanced accuracy and log loss of the model trained on n (k-1)/k patients."""
    from stratify.classify import classification_metrics

    rng = _rng(seed, 5, 10**6)
    X_test, y_test = _cv_draw(rng, CV_TEST)
    values = []
    for _ in range(fits):
        X, y = _cv_draw(rng, CV_N * (CV_FOLDS - 1) // CV_FOLDS)
        proba = _learner().fit(X, y).predict_proba(X_test)
        values.append(classification_metrics(y_test, proba, classes=[0, 1, 2])[
            ["balanced_accuracy", "log_loss"]])
    return pd.concat(values, axis=1).mean(axis=1)


@_quiet
def _cv(replications: int, seed: int, truth: pd.Series) -> dict[str, list[bool]]:
    from stratify.classify import cross_validate

    out: dict[str, list[bool]] = {}
    for r in range(replications):
        X, y = _cv_draw(_rng(seed, 6, r), CV_N)
        for method, kwargs in (("repeated-cv", {"interval": "repeated-cv"}),
                               ("bootstrap", {"interval": "bootstrap", "n_repeats": 1,
                                              "n_bootstrap": 500})):
            m = cross_validate(_learner(), X, y, cv=CV_FOLDS, random_state=r, **kwargs).metrics
            for metric in ("balanced_accuracy", "log_loss"):
                hit = bool(m.loc[metric, "lower"] <= truth[metric] <= m.loc[metric, "upper"])
                out.setdefault(f"{method}|{metric}", []).append(hit)
    return out


# ---------------------------------------------------------------- calibration

HORIZON = 5.0


def _risk_data(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    from stratify.survival import make_target

    lp = rng.normal(0, 0.8, n) - 2.0
    event_time = rng.exponential(1.0 / np.exp(lp))
    censor = rng.uniform(2.0, 12.0, n)
    y = make_target(np.minimum(event_time, censor), (event_time <= censor).astype(int))
    return y, -np.expm1(-HORIZON * np.exp(lp))


@_quiet
def _oe(replications: int, seed: int) -> dict[str, list[bool]]:
    from stratify.survival import calibration_in_the_large

    out: dict[str, list[bool]] = {"oe": [], "excludes_1": []}
    for r in range(replications):
        y, true = _risk_data(_rng(seed, 7, r), 500)
        predicted = true / 2
        oe = calibration_in_the_large(y, predicted, HORIZON, random_state=r)
        target = true.mean() / predicted.mean()
        out["oe"].append(bool(oe["lower"] <= target <= oe["upper"]))
        out["excludes_1"].append(bool(oe["lower"] > 1))
    return out


@_quiet
def _ici(replications: int, seed: int, simulations: int) -> dict[str, list[bool]]:
    from stratify.survival import ici_reference

    out: dict[str, list[bool]] = {"reference": []}
    for r in range(replications):
        y, true = _risk_data(_rng(seed, 8, r), 500)
        ref = ici_reference(y, true, HORIZON, n_simulations=simulations, random_state=r)
        out["reference"].append(bool(ref["p_value"] < 0.05))
    return out


# ---------------------------------------------------------------- rows

def _row(claim: str, method: str, role: str, dataset: str, n: int, seed: int,
         hits: list[bool], nominal: float, tolerance: float, seconds: float,
         memory: float, *, direction: str = "level", **extra: Any) -> dict[str, Any]:
    """One measured rate. ``direction="at most"`` makes the claim one-sided (a
    rate of false findings at most ``nominal`` within 2 MC errors); otherwise
    within ``tolerance`` or 2 MC errors of ``nominal``."""
    values = np.asarray(hits, dtype=float)
    reps = int(values.size)
    estimate = float(values.mean()) if reps else float("nan")
    mc_se = float(np.sqrt(estimate * (1 - estimate) / reps)) if reps else float("nan")
    if direction == "at most":
        holds = estimate <= nominal + 2 * mc_se
    else:
        holds = abs(estimate - nominal) <= max(2 * mc_se, tolerance)
    return {"task": TASK, "claim": claim, "method": method, "role": role, "dataset": dataset,
            "n": n, "seed": seed, "nominal": nominal, "estimate": estimate, "mc_se": mc_se,
            "replications": reps, "tolerance": tolerance, "direction": direction,
            "holds": bool(holds), "seconds": seconds, "peak_memory_mb": memory, **extra}


CLAIMS = ("interaction", "familywise", "binary", "cox", "cv", "oe", "ici")


def run(suite: str = "quick", seed: int = 0, *, replications: dict[str, int] | None = None,
        only: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Rows of the validity suite (see the module docstring).

    Parameters
    ----------
    suite : {"quick", "full"}
    seed : int
    replications : dict, optional
        Override of the suite's counts (keys of :data:`SUITES`), e.g. for a
        tiny run in tests.
    only : tuple of str, optional
        Subset of :data:`CLAIMS` to run.
    """
    if suite not in SUITES:
        raise ValueError(f"suite must be one of {sorted(SUITES)}; got {suite!r}.")
    counts = {**SUITES[suite], **(replications or {})}
    chosen = CLAIMS if only is None else tuple(only)
    unknown = set(chosen) - set(CLAIMS)
    if unknown:
        raise ValueError(f"unknown claims {sorted(unknown)}; choose from {CLAIMS}.")
    rows: list[dict[str, Any]] = []
    lib, before = "library", "before"

    if "interaction" in chosen:
        hits, sec, mem = measure(_interaction, counts["interaction"], seed)
        data = "4 subgroups, SD 2.4/1.2/1.2/0.6, shares 0.1/0.2/0.3/0.4, equal effects"
        common = dict(claim="interaction type-I", dataset=data, n=200, seed=seed,
                      nominal=0.05, tolerance=LEVEL_TOLERANCE, seconds=sec, memory=mem)
        rows.append(_row(method="effect_by_subgroup: Wald F (HC3)", role=lib,
                         hits=hits["robust"], **common))
        rows.append(_row(method="classical F (equal variances)", role=before,
                         hits=hits["classical"], **common))
    if "familywise" in chosen:
        hits, sec, mem = measure(_familywise, counts["familywise"], seed)
        common = dict(claim="subgroup familywise error", dataset="4 subgroups, no effect",
                      n=160, seed=seed, nominal=0.05, tolerance=LEVEL_TOLERANCE, seconds=sec,
                      memory=mem)
        rows.append(_row(method="effect_by_subgroup: any p_holm < 0.05", role=lib,
                         hits=hits["holm"], **common))
        rows.append(_row(method="any p_unadjusted < 0.05", role=before,
                         hits=hits["unadjusted"], **common))
    if "binary" in chosen:
        hits, sec, mem = measure(_binary, counts["binary"], seed)
        common = dict(claim="binary effect coverage",
                      dataset="binary outcome, 4 subgroups, risks 0.1-0.6",
                      n=120, seed=seed, nominal=0.95, tolerance=COVERAGE_TOLERANCE,
                      seconds=sec, memory=mem)
        rows.append(_row(method="effect_by_subgroup: HC3, t", role=lib, hits=hits["hc3"],
                         **common))
        rows.append(_row(method="HC0 Wald", role=before, hits=hits["hc0"], **common))
    if "cox" in chosen:
        hits, sec, mem = measure(_cox, counts["cox"], seed)
        events = float(np.mean(hits["events"]))
        common = dict(claim="Cox hazard ratio coverage",
                      dataset=f"6 risk factors, {events:.1%} events, penalizer 0.05",
                      n=1_000, seed=seed, nominal=0.95, tolerance=COVERAGE_TOLERANCE,
                      seconds=sec, memory=mem)
        rows.append(_row(method="LymphomaRiskModel.summary_ (unpenalized refit)", role=lib,
                         hits=hits["summary"], fallback_share=float(np.mean(hits["fallback"])),
                         **common))
        rows.append(_row(method="penalized fit, Wald", role=before, hits=hits["penalized"],
                         **common))
    if "cv" in chosen:
        start = time.perf_counter()
        truth = _cv_truth(counts["cv_truth_fits"], seed)
        truth_seconds = time.perf_counter() - start
        hits, sec, mem = measure(_cv, counts["cv"], seed, truth)
        for metric, label in (("balanced_accuracy", "balanced accuracy"),
                              ("log_loss", "log loss")):
            common = dict(claim=f"cv {label} coverage",
                          dataset=f"3 classes, 5 features, LDA, 5 folds; "
                                  f"truth {truth[metric]:.4f}",
                          n=CV_N, seed=seed, nominal=0.95, tolerance=COVERAGE_TOLERANCE,
                          seconds=sec + truth_seconds, memory=mem)
            how = ("per-patient CLT (Bayle et al.)" if metric == "log_loss"
                   else "Nadeau-Bengio")
            rows.append(_row(method=f"cross_validate: repeated CV 10x5, {how}",
                             role=lib, hits=hits[f"repeated-cv|{metric}"], **common))
            rows.append(_row(method="bootstrap of out-of-fold predictions", role=before,
                             hits=hits[f"bootstrap|{metric}"], **common))
    if "oe" in chosen:
        hits, sec, mem = measure(_oe, counts["oe"], seed)
        rows.append(_row(claim="O/E coverage", method="calibration_in_the_large: paired bootstrap SE",
                         role=lib, dataset="5-year risks halved (O/E about 2)", n=500,
                         seed=seed, hits=hits["oe"], nominal=0.95,
                         tolerance=COVERAGE_TOLERANCE, seconds=sec, memory=mem,
                         power_excludes_1=float(np.mean(hits["excludes_1"]))))
    if "ici" in chosen:
        hits, sec, mem = measure(_ici, counts["ici"], seed, counts["ici_simulations"])
        rows.append(_row(claim="ICI reference type-I",
                         method=f"ici_reference: p < 0.05 ({counts['ici_simulations']} "
                                "simulations)",
                         role=lib, dataset="true 5-year risks, new outcomes", n=500,
                         seed=seed, hits=hits["reference"], nominal=0.05,
                         tolerance=LEVEL_TOLERANCE, seconds=sec, memory=mem))
    return rows
