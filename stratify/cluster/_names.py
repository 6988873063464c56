"""Descriptive names of subgroups, from what distinguishes them in their profile."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..data import LABELS

__all__ = ["name_subgroups"]


def _short(feature: str) -> str:
    if feature.startswith("mol_"):
        return feature[4:]
    return LABELS.get(feature, feature)


def _term(row: pd.Series) -> str:
    """``"IFI44 high"`` / ``"IgG low"`` for measurements, ``"Anti-SSA/Ro+"`` / ``"-"`` for
    binary features (more or less frequent than in the rest)."""
    name, higher = _short(str(row["feature"])), row["effect_size"] > 0
    if row.get("kind") == "binary":
        return f"{name}{'+' if higher else '-'}"
    return f"{name} {'high' if higher else 'low'}"


def name_subgroups(*profiles: pd.DataFrame, per_profile: Sequence[int] | int = 1,
                   min_effect: float = 0.5) -> pd.Series:
    """Name each subgroup by the features that set it apart most, for a reader.

    From each profile (a table of :func:`stratify.cluster.profile`), in order,
    the ``per_profile`` features of largest absolute effect size in the
    subgroup (at least ``min_effect``: a medium effect on Cohen's scale), each
    written with its direction: ``"IFI44 high"``, ``"IgG low"`` for
    measurements, ``"Anti-SSA/Ro+"`` (more frequent than in the other
    patients) or ``"Anti-SSA/Ro-"`` for binary features. The workflow passes
    the profile of the features the subgroups were found from, then that of
    the clinical variables: ``"S2 - IFIT3 high, Anti-SSA/Ro+"`` (a feature
    already named from an earlier profile is skipped). A name
    describes, it does not test: a feature the subgroups were found from
    differs between them by construction. Rows with a missing effect size
    (hidden small cells) are never used.

    Parameters
    ----------
    *profiles : DataFrame
        Tables of :func:`stratify.cluster.profile` (``feature``, ``subgroup``,
        ``kind``, ``effect_size``).
    per_profile : int or sequence of int, default=1
        Features taken from each profile (one number for all, or one each).
    min_effect : float, default=0.5
        Smallest absolute effect size used in a name.

    Returns
    -------
    Series
        Indexed by subgroup: ``"<subgroup> - <term>, <term>"``, or the
        subgroup alone when no feature reaches ``min_effect``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stratify.cluster import name_subgroups, profile
    >>> rng = np.random.default_rng(0)
    >>> labels = pd.Series(np.repeat(["S1", "S2"], 50))
    >>> X = pd.DataFrame({"mol_IFI44": rng.normal(size=100) + 2 * (labels == "S2"),
    ...                   "anti_ro": rng.random(100) < np.where(labels == "S2", 0.9, 0.3)})
    >>> X["anti_ro"] = X["anti_ro"].astype(int)
    >>> name_subgroups(profile(X, labels), per_profile=2).tolist()
    ['S1 - IFI44 low, Anti-SSA/Ro-', 'S2 - IFI44 high, Anti-SSA/Ro+']
    """
    counts = ([per_profile] * len(profiles) if isinstance(per_profile, int)
              else list(per_profile))
    if len(counts) != len(profiles):
        raise ValueError(f"per_profile has {len(counts)} numbers for {len(profiles)} "
                         "profiles.")
    subgroups: list[str] = []
    for table in profiles:
        for g in table["subgroup"].astype(str).unique():
            if g not in subgroups:
                subgroups.append(g)
    terms: dict[str, list[str]] = {g: [] for g in subgroups}
    used: dict[str, set[str]] = {g: set() for g in subgroups}
    for table, count in zip(profiles, counts, strict=True):
        usable = table[table["effect_size"].abs() >= min_effect].copy()
        usable["subgroup"] = usable["subgroup"].astype(str)
        usable["strength"] = usable["effect_size"].abs()
        for g, rows in usable.groupby("subgroup", sort=False):
            # a feature named from an earlier profile is not named twice
            rows = rows[~rows["feature"].astype(str).isin(used[str(g)])]
            top = rows.sort_values("strength", ascending=False, kind="stable").head(count)
            terms[str(g)] += [_term(row) for _, row in top.iterrows()]
            used[str(g)] |= set(top["feature"].astype(str))
    return pd.Series({g: f"{g} - {', '.join(t)}" if t else g for g, t in terms.items()},
                     name="name").rename_axis("subgroup")
