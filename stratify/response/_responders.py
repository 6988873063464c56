"""Who responds between two visits: STAR and the minimal clinically important improvements."""

from __future__ import annotations

import pandas as pd

from ..scores import (
    ESSDAI_WEIGHTS,
    ESSPRI_COLUMNS,
    aligned_visits,
    essdai,
    esspri,
    fell_by,
    numeric_columns,
    star,
    to_boolean,
)

__all__ = ["RULES", "responders"]

RULES = ("star", "essdai_mcii", "esspri_mcii")


def responders(baseline: pd.DataFrame, followup: pd.DataFrame, rule: str = "star") -> pd.Series:
    """Whether each patient responded between baseline and follow-up.

    Rules:

    - ``"star"``: at least 5 of the 9 STAR points (:func:`stratify.scores.star`).
    - ``"essdai_mcii"``: the ESSDAI falls by at least 3 points, its minimal
      clinically important improvement (Seror et al., Ann Rheum Dis 2016).
    - ``"esspri_mcii"``: the ESSPRI falls by at least 1 point or at least
      15 % of its baseline value (same source); a baseline of 0 cannot fall.

    Parameters
    ----------
    baseline, followup : DataFrame
        One row per patient at each visit (``patient_id`` as the index or a
        column), same patients, with the columns the rule needs.
    rule : {"star", "essdai_mcii", "esspri_mcii"}, default="star"

    Returns
    -------
    Series
        Nullable boolean named ``"responder_<rule>"``, indexed by patient in the
        order of ``baseline``; missing where the missing values could change
        the answer (any missing ESSDAI domain or ESSPRI component makes the
        score, hence the MCII, missing).

    Raises
    ------
    SchemaError
        When a column the rule needs is absent or breaks its schema rule.
    ValueError
        When ``rule`` is unknown or the visits hold different patients.

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.response import responders
    >>> base = pd.DataFrame({"esspri_dryness": [6, 6, 2], "esspri_fatigue": [6, 6, 2],
    ...                      "esspri_pain": [6, 6, 2]},
    ...                     index=pd.Index(["p1", "p2", "p3"], name="patient_id"))
    >>> follow = base.assign(esspri_pain=[3.3, 4.0, None])  # ESSPRI 5.1, 5.33, missing
    >>> responders(base, follow, rule="esspri_mcii").tolist()
    [True, False, <NA>]
    """
    if rule not in RULES:
        raise ValueError(
            f"The 'rule' parameter of responders must be one of {list(RULES)}. "
            f"Got {rule!r} instead."
        )
    name = f"responder_{rule}"
    if rule == "star":
        return star(baseline, followup)["responder"].rename(name)
    base, follow = aligned_visits(baseline, followup, who="responders")
    columns = ESSDAI_WEIGHTS if rule == "essdai_mcii" else ESSPRI_COLUMNS
    for source, frame in (("baseline", base), ("followup", follow)):
        numeric_columns(frame, columns, who="responders", source=source)
    if rule == "essdai_mcii":
        met = fell_by(essdai(base).to_numpy(), essdai(follow).to_numpy(), points=3.0)
    else:
        met = fell_by(esspri(base).to_numpy(), esspri(follow).to_numpy(), points=1.0,
                      fraction=0.15)
    return pd.Series(to_boolean(met), index=base.index, name=name)
