"""The tables of the missingness report: patterns, pairs missing together, predictors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..._utils.suppress import MIN_CELL
from ._patterns import unique_rows


def _patterns_table(missing: pd.DataFrame, max_patterns: int) -> pd.DataFrame:
    n = len(missing)
    names = np.asarray(missing.columns, dtype=object)
    pats, _, counts = unique_rows(missing.to_numpy(dtype=bool))
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
    # imported before the thread limit below, which reaches only the libraries
    # already loaded: this loads scipy's own BLAS, the one L-BFGS-B calls
    import sklearn.linear_model  # noqa: F401
    from threadpoolctl import threadpool_limits

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
    # one BLAS thread for these some 150 small fits: two made them 2 to 9 times slower
    # (on 2,000 and 100,000 patients, 2 cores); the caller's own limit (quality_report's)
    # missed scipy's BLAS when scipy was first loaded inside it
    with threadpool_limits(limits=1):
        results = _fit_groups(Z, names, missing, rows, groups, n_splits=n_splits, top=top,
                              random_state=random_state)
    out = [{"variable": t, "n_missing": int(n_missing[t]),
            "fraction_missing": float(n_missing[t]) / n,
            "auc": results.get(t, (np.nan, ""))[0],
            "top_predictors": results.get(t, (np.nan, ""))[1]} for t in targets]
    return pd.DataFrame(out, columns=columns)


def _fit_groups(Z: np.ndarray, names: np.ndarray, missing: pd.DataFrame, rows: np.ndarray,
                groups: dict[bytes, list[str]], *, n_splits: int, top: int,
                random_state: int | None) -> dict[str, tuple[float, str]]:
    """Cross-validated AUC and mean coefficients of each group's missingness model."""
    from sklearn import config_context
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

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
    return results
