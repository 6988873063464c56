"""ESSPRI: patient-reported symptoms (Seror et al., Ann Rheum Dis 2011)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._checks import numeric_columns

__all__ = ["ESSPRI_COLUMNS", "esspri"]

ESSPRI_COLUMNS = ("esspri_dryness", "esspri_fatigue", "esspri_pain")
"""The three ESSPRI components, each a 0-10 numerical rating scale."""


def esspri(df: pd.DataFrame, *, allow_missing: bool = False) -> pd.Series:
    """ESSPRI: the mean of dryness, fatigue and pain, each rated 0-10.

    The score ranges from 0 to 10; below 5 is the patient-acceptable symptom
    state, and a fall of at least 1 point or 15 % is the minimal clinically
    important improvement (Seror et al., Ann Rheum Dis 2011 and 2016).

    Parameters
    ----------
    df : DataFrame
        Columns ``esspri_dryness``, ``esspri_fatigue`` and ``esspri_pain``.
    allow_missing : bool, default=False
        By default a patient with any missing component has a missing ESSPRI.
        With ``True`` the score is the mean of the components that were
        rated (missing only when none was).

    Returns
    -------
    Series
        Named ``"esspri"``, float, indexed like ``df``.

    Raises
    ------
    SchemaError
        When a component column is absent or holds values outside 0-10.

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.scores import esspri
    >>> df = pd.DataFrame({"esspri_dryness": [6, 8], "esspri_fatigue": [5, None],
    ...                    "esspri_pain": [7, 2]}, index=["p1", "p2"])
    >>> esspri(df).tolist()
    [6.0, nan]
    >>> esspri(df, allow_missing=True).tolist()
    [6.0, 5.0]
    """
    values = numeric_columns(df, ESSPRI_COLUMNS, who="esspri").to_numpy(dtype=float)
    observed = (~np.isnan(values)).sum(axis=1)
    enough = observed > 0 if allow_missing else observed == len(ESSPRI_COLUMNS)
    total = np.nansum(values, axis=1)
    score = np.where(enough, total / np.maximum(observed, 1), np.nan)
    return pd.Series(score, index=df.index, name="esspri")
