"""What each subgroup looks like: summaries, effect sizes and tests against the rest."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._utils.rows import describe_rows
from .._utils.rows import quote_names as _quote
from .._utils.stats import standardized_difference

__all__ = ["profile"]

_WHO = "profile"
_TESTS = ("auto", "parametric")


def _is_binary(values: np.ndarray) -> bool:
    seen = values[~np.isnan(values)]
    return seen.size > 0 and bool(np.isin(seen, (0.0, 1.0)).all())


def _continuous_test(inside: np.ndarray, rest: np.ndarray, parametric: bool) -> float:
    from scipy import stats

    if inside.size < 2 or rest.size < 2:
        return np.nan
    if parametric:
        if np.ptp(inside) == 0 and np.ptp(rest) == 0:
            return np.nan
        return float(stats.ttest_ind(inside, rest, equal_var=False).pvalue)
    if np.ptp(np.concatenate([inside, rest])) == 0:
        return 1.0
    return float(stats.mannwhitneyu(inside, rest, alternative="two-sided").pvalue)


def _binary_test(inside: np.ndarray, rest: np.ndarray, parametric: bool) -> float:
    from scipy import stats

    if inside.size == 0 or rest.size == 0:
        return np.nan
    table = np.array([[inside.sum(), inside.size - inside.sum()],
                      [rest.sum(), rest.size - rest.sum()]])
    if (table.sum(axis=0) == 0).any():
        return 1.0
    if parametric:
        return float(stats.chi2_contingency(table, correction=False).pvalue)
    return float(stats.fisher_exact(table).pvalue)


def _smd(inside: np.ndarray, rest: np.ndarray) -> float:
    n1, n0 = inside.size, rest.size
    if n1 < 2 or n0 < 2:
        return np.nan
    return float(standardized_difference(inside.mean(), rest.mean(), inside.var(ddof=1),
                                         rest.var(ddof=1), n1, n0))


def _cohens_h(p1: float, p0: float) -> float:
    return float(2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p0)))


def _check(X: Any, labels: Any, test: str) -> tuple[pd.DataFrame, np.ndarray]:
    if test not in _TESTS:
        raise ValueError(f"The 'test' parameter of {_WHO} must be one of {_TESTS}. Got "
                         f"{test!r} instead.")
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(
        np.asarray(X), columns=[f"x{j}" for j in range(np.shape(X)[1])])
    bad = [c for c in frame.columns
           if not (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))]
    if bad:
        raise ValueError(f"{_WHO} needs numeric features; column(s) {_quote(bad)} hold text or "
                         "mixed values. Encode them first or leave them out.")
    labels = np.asarray(labels, dtype=object)
    if labels.shape[0] != frame.shape[0]:
        raise ValueError(f"{_WHO}: labels has {labels.shape[0]} rows but X has "
                         f"{frame.shape[0]}.")
    missing = pd.isna(labels)
    if missing.any():
        raise ValueError(f"{_WHO}: labels are missing for "
                         f"{describe_rows(frame.index, missing)}; every patient needs a "
                         "subgroup (drop them from X and labels explicitly).")
    if len(pd.unique(labels)) < 2:
        raise ValueError(f"{_WHO} needs at least 2 subgroups to compare; got one.")
    return frame, labels


def _clustered_columns(clustered: Any, columns: pd.Index) -> set[str]:
    """The features the labels were found from (None: every feature, unknown)."""
    if clustered is None:
        return {str(c) for c in columns}
    if isinstance(clustered, str):
        clustered = [clustered]
    names = [str(c) for c in clustered]
    absent = sorted(set(names) - {str(c) for c in columns})
    if absent:
        raise ValueError(f"The 'clustered' parameter of {_WHO} names column(s) "
                         f"{_quote(absent)} that are not in X.")
    return set(names)


def profile(X: Any, labels: Any, *, test: str = "auto", clustered: Any = None) -> pd.DataFrame:
    """Per feature and subgroup: summary, effect size against the rest, p and q.

    Each subgroup is compared with all other patients pooled (one versus
    rest). Missing values are ignored feature by feature and counted.

    - A feature is *binary* when its observed values are all 0 or 1; other
      numeric features are *continuous* (ordinal scores included).
    - ``effect_size``: for continuous features the standardized mean
      difference (mean in the subgroup minus mean of the rest, over the
      pooled SD: Cohen's d); for binary features Cohen's h,
      ``2 asin(sqrt(p1)) - 2 asin(sqrt(p0))``, the difference of
      arcsine-transformed proportions, on the same scale as d (0.2 small,
      0.5 medium, 0.8 large). ``difference`` holds the plain difference
      (of means or proportions).
    - ``p_value``: ``test="auto"`` uses the Mann-Whitney U test (two-sided)
      for continuous features and Fisher's exact test for binary ones;
      ``test="parametric"`` uses Welch's t-test and the chi-square test.
    - ``q_value``: Benjamini-Hochberg false discovery rate over every test of
      the table (statsmodels ``multipletests``).
    - ``inference``: what the p- and q-values are worth. Subgroups found by
      clustering some features differ on those features by construction, so
      tests of those features are not tests ("double dipping": on 20
      independent normal features without any structure, k-means labels
      gave q < 0.05 for 65-92 % of them). Assigning other patients with
      ``predict`` does not help: their labels are a function of the same
      features, and on held-out patients of the same null data 30-45 % of
      the features still came out "significant". So the features the
      labels were found from (``clustered``) are marked ``"descriptive"``,
      and the others ``"test"``: the labels do not depend on them, so their
      p-values are valid tests of association with the subgroups. By
      default (``clustered=None``, the origin of the labels unknown) every
      feature is descriptive; ``clustered=[]`` says the labels come from
      elsewhere (a treatment arm, a clinical criterion). q-values are
      computed within each kind. The validity suite of the benchmarks
      measures the level of the ``"test"`` rows on null data
      (``stratify bench --only validity``).

    Parameters
    ----------
    X : DataFrame or array of shape (n_patients, n_features)
        Numeric features; missing values allowed.
    labels : array-like of shape (n_patients,)
        Subgroup of each patient (any labels; HDBSCAN noise ``-1`` is
        profiled as a group of its own).
    test : {"auto", "parametric"}, default="auto"
    clustered : None or list of str, default=None
        The features the labels were found from (see ``inference`` above);
        None: unknown, every feature is descriptive.

    Returns
    -------
    DataFrame
        Long format, one row per feature and subgroup (features in column
        order, subgroups sorted): ``feature``, ``subgroup``, ``kind``
        (``"continuous"`` or ``"binary"``), ``n`` (observed in the
        subgroup), ``n_missing``, ``mean``, ``sd``, ``median``,
        ``proportion`` (binary; NaN otherwise), ``mean_rest``,
        ``difference``, ``effect_size``, ``test``, ``p_value``, ``q_value``
        and ``inference`` (``"descriptive"`` or ``"test"``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stratify.cluster import profile
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"mol_MX1": rng.normal(size=80), "anti_ro": rng.integers(0, 2, 80)})
    >>> labels = np.repeat([0, 1], 40)
    >>> X.loc[labels == 1, "mol_MX1"] += 2.0
    >>> table = profile(X, labels)
    >>> row = table.set_index(["feature", "subgroup"]).loc[("mol_MX1", 1)]
    >>> bool(row["effect_size"] > 1.5), bool(row["q_value"] < 0.001), row["test"]
    (True, True, 'mann-whitney')
    >>> row["inference"]  # labels of unknown origin: descriptive unless said otherwise
    'descriptive'

    Subgroups found from the expression value: the antibody is a valid test.

    >>> table = profile(X, labels, clustered=["mol_MX1"])
    >>> table.drop_duplicates("feature").set_index("feature")["inference"].to_dict()
    {'mol_MX1': 'descriptive', 'anti_ro': 'test'}
    """
    from statsmodels.stats.multitest import multipletests

    frame, labels = _check(X, labels, test)
    descriptive = _clustered_columns(clustered, frame.columns)
    parametric = test == "parametric"
    try:
        groups = sorted(pd.unique(labels).tolist())
    except TypeError:  # mixed label types
        groups = sorted(pd.unique(labels).tolist(), key=str)
    rows = []
    for column in frame.columns:
        values = frame[column].astype("float64").to_numpy(dtype=float, na_value=np.nan)
        binary = _is_binary(values)
        seen = ~np.isnan(values)
        for group in groups:
            member = labels == group
            inside, rest = values[member & seen], values[~member & seen]
            if binary:
                p1 = inside.mean() if inside.size else np.nan
                p0 = rest.mean() if rest.size else np.nan
                effect = _cohens_h(p1, p0) if inside.size and rest.size else np.nan
                p_value = _binary_test(inside, rest, parametric)
                name = "chi-square" if parametric else "fisher"
            else:
                effect = _smd(inside, rest)
                p_value = _continuous_test(inside, rest, parametric)
                name = "welch-t" if parametric else "mann-whitney"
            mean = float(inside.mean()) if inside.size else np.nan
            mean_rest = float(rest.mean()) if rest.size else np.nan
            rows.append({
                "feature": str(column), "subgroup": group,
                "kind": "binary" if binary else "continuous",
                "n": int(inside.size), "n_missing": int((member & ~seen).sum()),
                "mean": mean,
                "sd": float(inside.std(ddof=1)) if inside.size > 1 else np.nan,
                "median": float(np.median(inside)) if inside.size else np.nan,
                "proportion": mean if binary else np.nan,
                "mean_rest": mean_rest, "difference": mean - mean_rest,
                "effect_size": effect, "test": name, "p_value": p_value,
                "inference": "descriptive" if str(column) in descriptive else "test",
            })
    table = pd.DataFrame(rows)
    inference = table.pop("inference")
    table["q_value"] = np.nan
    for kind in ("test", "descriptive"):
        tested = (table["p_value"].notna() & (inference == kind)).to_numpy()
        if tested.any():
            table.loc[tested, "q_value"] = multipletests(table.loc[tested, "p_value"],
                                                         method="fdr_bh")[1]
    table["inference"] = inference
    return table
