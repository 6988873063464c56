"""Cox models on public survival data: stratify against lifelines, scikit-survival and R.

The ``survival_public`` task of ``bench_survival``: on the data sets that the
installed packages ship (nothing is downloaded), ``LymphomaRiskModel(method="cox")``
is fitted beside lifelines' ``CoxPHFitter`` (its default Newton step, or
``step_size=0.5`` where the default does not converge: the row's note says so),
scikit-survival's ``CoxPHSurvivalAnalysis`` (Efron ties, on standardized
covariates, its coefficients divided by their standard deviations: an
independent Newton solver) and, where ``Rscript`` and R's ``survival`` package are installed, R's
``coxph`` (Efron ties, its defaults); otherwise a row says R was skipped. Every
row gives the fit's seconds and peak memory, the apparent Harrell's C of its
linear predictor, and ``max_abs_diff``, the largest absolute difference of its
log hazard ratios from lifelines' (per unit of each covariate). Categorical
covariates are one-hot encoded (scikit-survival's ``encode_categorical``: one
level dropped); rows with a missing value are dropped (the note says how many).

Data sets: scikit-survival's GBSG2 (686 breast-cancer patients), WHAS500 (500
heart-attack patients), veterans (137 lung-cancer patients), FLCHAIN (R's seven
covariates, sample year a number as in R; patients without creatinine
dropped; the 70 % training split of issue 28, 4,566 patients, where lifelines'
default step does not converge) and AIDS (1,151 patients; ``txgrp`` dropped:
``tx`` is a function of it, so the two are collinear and R reports NA);
lifelines' rossi (432 released prisoners) and lung (R's NCCTG lung cancer
data, 228 patients, ``inst`` left out); and the synthetic 11-factor case of
issue 28 (``make_pss_cohort(6000, 4, random_state=31)``, iteratively imputed,
two thirds of the patients).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._measure import measure

PSS_FACTORS = ["salivary_gland_enlargement", "lymphadenopathy", "raynaud", "anti_ro", "anti_la",
               "rf", "monoclonal_component", "c4_low", "cryoglobulins", "lymphopenia", "age"]


def _encoded(X: pd.DataFrame) -> pd.DataFrame:
    from sksurv.column import encode_categorical

    return encode_categorical(X).astype(float)


def _complete(X: pd.DataFrame, time: Any, event: Any, what: str
              ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, str]:
    ok = X.notna().all(axis=1).to_numpy()
    note = f"{what}; {int((~ok).sum())} rows with a missing value dropped" if (~ok).any() \
        else what
    return (X[ok].reset_index(drop=True), np.asarray(time, float)[ok],
            np.asarray(event, bool)[ok], note)


def datasets() -> dict[str, tuple[pd.DataFrame, np.ndarray, np.ndarray, str]]:
    """Covariates, time, event and a note on the preparation, per data set."""
    from lifelines.datasets import load_lung, load_rossi
    from sklearn.model_selection import train_test_split
    from sksurv import datasets as sd

    out = {}
    X, y = sd.load_gbsg2()
    out["gbsg2"] = _complete(_encoded(X), y["time"], y["cens"], "one-hot encoded")
    X, y = sd.load_whas500()
    out["whas500"] = _complete(_encoded(X), y["lenfol"], y["fstat"], "one-hot encoded")
    X, y = sd.load_veterans_lung_cancer()
    out["veterans"] = _complete(_encoded(X), y["Survival_in_days"], y["Status"],
                                "one-hot encoded")
    X, y = sd.load_flchain()
    flchain = pd.DataFrame({
        "age": X["age"], "sex": (X["sex"] == "M").astype(float),
        "sample_yr": X["sample.yr"].astype(int).astype(float), "kappa": X["kappa"],
        "lambda": X["lambda"], "creatinine": X["creatinine"],
        "mgus": (X["mgus"] == "yes").astype(float),
        "time": y["futime"], "event": y["death"]})
    dropped = int(flchain.isna().any(axis=1).sum())
    train, _ = train_test_split(flchain.dropna(), test_size=0.3, random_state=0)
    out["flchain"] = (train.drop(columns=["time", "event"]).reset_index(drop=True),
                      train["time"].to_numpy(float), train["event"].to_numpy(bool),
                      f"R's 7 covariates; {dropped} rows without creatinine dropped; 70 % "
                      "training split (random_state=0)")
    X, y = sd.load_aids()
    out["aids"] = _complete(_encoded(X.drop(columns=["txgrp"])), y["time"], y["censor"],
                            "one-hot encoded, txgrp dropped (collinear with tx)")
    rossi = load_rossi()
    out["rossi"] = (rossi.drop(columns=["week", "arrest"]).astype(float),
                    rossi["week"].to_numpy(float), rossi["arrest"].to_numpy(bool), "as shipped")
    lung = load_lung()
    out["lung"] = _complete(lung.drop(columns=["inst", "time", "status"]).astype(float),
                            lung["time"], lung["status"], "inst left out")
    pss = _pss_case()
    if pss is not None:
        out["make_pss_cohort_11_factors"] = pss
    return out


def _pss_case() -> tuple[pd.DataFrame, np.ndarray, np.ndarray, str] | None:
    try:
        from stratify.impute import make_imputer
        from stratify.synthetic import make_pss_cohort
    except ImportError:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cohort = make_pss_cohort(n_patients=6000, n_centers=4, random_state=31)
        X = make_imputer("iterative", random_state=0).fit_transform(cohort.data[PSS_FACTORS])
    rows = X.sample(frac=2 / 3, random_state=0).index
    data = cohort.data.loc[rows]
    return (X.loc[rows].reset_index(drop=True), data["lymphoma_time_years"].to_numpy(float),
            (data["lymphoma_event"] == 1).to_numpy(), "iteratively imputed; 2/3 of the "
            "patients (random_state=0); death censored")


def _lifelines(X: pd.DataFrame, time: np.ndarray, event: np.ndarray) -> tuple[Any, str]:
    """lifelines' default fit, or with ``step_size=0.5`` when the default warns or fails."""
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError, ConvergenceWarning

    frame = X.assign(__time__=time, __event__=event.astype(int))
    reason = ""
    for options in (None, {"step_size": 0.5}):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            try:
                fitter = CoxPHFitter().fit(frame, "__time__", "__event__", fit_options=options)
            except (ConvergenceError, np.linalg.LinAlgError) as exc:
                reason = str(exc).splitlines()[0][:80]
                continue
        problems = [str(w.message).splitlines()[0][:80] for w in caught
                    if issubclass(w.category, ConvergenceWarning)
                    and "have very low variance. This" not in str(w.message)]
        if not problems:
            return fitter, ("default step" if options is None
                            else f"step_size=0.5 (default: {reason})")
        reason = problems[0]
    return None, f"did not converge ({reason})"


def _sksurv(X: pd.DataFrame, y: np.ndarray) -> np.ndarray:
    """scikit-survival's Newton fit (Efron ties) on standardized covariates, per unit."""
    from sksurv.linear_model import CoxPHSurvivalAnalysis

    values = X.to_numpy(float)
    scale = values.std(axis=0, ddof=1)
    Z = (values - values.mean(axis=0)) / scale
    return CoxPHSurvivalAnalysis(ties="efron").fit(Z, y).coef_ / scale


R_SCRIPT = """
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
fit <- coxph(Surv(time, event) ~ ., data = d, ties = "efron")
write.csv(data.frame(coef = unname(coef(fit))), args[2], row.names = FALSE)
"""


def _r_available() -> str | None:
    """Why R's coxph cannot be run here, or None when it can."""
    if shutil.which("Rscript") is None:
        return "skipped: Rscript not found"
    check = subprocess.run(["Rscript", "-e", "library(survival)"], capture_output=True,
                           text=True, check=False)
    return None if check.returncode == 0 else "skipped: R package survival not installed"


def _r_coxph(X: pd.DataFrame, time: np.ndarray, event: np.ndarray) -> np.ndarray:
    with tempfile.TemporaryDirectory() as folder:
        data, coef, script = (Path(folder) / name for name in ("d.csv", "c.csv", "fit.R"))
        frame = pd.DataFrame(X.to_numpy(float), columns=[f"x{j}" for j in range(X.shape[1])])
        frame.assign(time=time, event=event.astype(int)).to_csv(data, index=False)
        script.write_text(R_SCRIPT, encoding="utf-8")
        subprocess.run(["Rscript", str(script), str(data), str(coef)], check=True,
                       capture_output=True)
        return pd.read_csv(coef)["coef"].to_numpy(float)


def rows(seed: int = 0) -> list[dict]:
    """One row per (data set, method): stratify's Cox, lifelines', R's (or a skip)."""
    from stratify.survival import LymphomaRiskModel, harrell_c, make_target

    out = []
    r_missing = _r_available()
    for name, (X, time, event, note) in datasets().items():
        y = make_target(time, event.astype(int))
        base = {"task": "survival_public", "dataset": name, "n": len(X), "seed": seed,
                "n_variables": X.shape[1]}
        note = f"{int(event.sum()):,} events; {note}"
        reference, how = _lifelines(X, time, event)
        ref = (reference.params_.reindex(X.columns).to_numpy(float) if reference is not None
               else np.full(X.shape[1], np.nan))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                model, seconds, memory = measure(LymphomaRiskModel(method="cox").fit, X, y)
                coef, solver = model.coef_, f"solver: {model.solver_}"
            except ValueError as exc:
                model, seconds, memory = None, np.nan, np.nan
                coef, solver = np.full(X.shape[1], np.nan), f"error: {str(exc)[:120]}"
        out.append({**base, "method": "stratify_cox", "library": "stratify",
                    "seconds": seconds, "peak_memory_mb": memory,
                    "c_index": harrell_c(y, X.to_numpy() @ coef) if model else np.nan,
                    "max_abs_diff": float(np.max(np.abs(coef - ref))),
                    "note": f"{note}; {solver}"})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, seconds, memory = measure(_lifelines, X, time, event)
        out.append({**base, "method": "lifelines_CoxPHFitter", "library": "lifelines",
                    "seconds": seconds, "peak_memory_mb": memory,
                    "c_index": harrell_c(y, X.to_numpy() @ ref) if reference else np.nan,
                    "max_abs_diff": 0.0 if reference is not None else np.nan,
                    "note": f"{note}; {how}"})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                sk, seconds, memory = measure(_sksurv, X, y)
                sk_note = "Efron ties, standardized covariates (coefficients rescaled)"
            except ValueError as exc:
                sk, seconds, memory = np.full(X.shape[1], np.nan), np.nan, np.nan
                sk_note = f"error: {str(exc)[:100]}"
        out.append({**base, "method": "sksurv_CoxPHSurvivalAnalysis", "library": "sksurv",
                    "seconds": seconds, "peak_memory_mb": memory,
                    "c_index": harrell_c(y, X.to_numpy() @ sk) if np.isfinite(sk).all()
                    else np.nan, "max_abs_diff": float(np.max(np.abs(sk - ref))),
                    "note": f"{note}; {sk_note}"})
        row = {**base, "method": "R_coxph", "library": "R", "peak_memory_mb": np.nan}
        if r_missing is not None:
            out.append({**row, "seconds": np.nan, "c_index": np.nan, "max_abs_diff": np.nan,
                        "note": r_missing})
            continue
        r_coef, seconds, _ = measure(_r_coxph, X, time, event)
        out.append({**row, "seconds": seconds, "c_index": harrell_c(y, X.to_numpy() @ r_coef),
                    "max_abs_diff": float(np.max(np.abs(r_coef - ref))),
                    "note": f"{note}; Rscript (process start included in seconds)"})
    return out
