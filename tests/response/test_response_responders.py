"""Responder rules: STAR, ESSDAI MCII (fall >= 3) and ESSPRI MCII (fall >= 1 point or 15 %)."""

import numpy as np
import pandas as pd
import pytest

from stratify.data import SchemaError
from stratify.response import RULES, responders
from stratify.scores import ESSDAI_WEIGHTS, ESSPRI_COLUMNS, star

INDEX = pd.Index(["p1", "p2", "p3", "p4"], name="patient_id")


def essdai_visits(before: dict, after: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One ESSDAI domain level per patient at each visit, the others inactive."""
    frames = []
    for levels in (before, after):
        df = pd.DataFrame(0.0, index=INDEX, columns=list(ESSDAI_WEIGHTS))
        for pid, (domain, level) in levels.items():
            df.loc[pid, f"essdai_{domain}"] = level
        frames.append(df)
    return frames[0], frames[1]


def test_essdai_mcii_is_a_fall_of_three_points():
    base, follow = essdai_visits(
        {"p1": ("constitutional", 1), "p2": ("articular", 1), "p3": ("biological", 2),
         "p4": ("renal", 1)},
        {"p1": ("constitutional", 0), "p2": ("articular", 0), "p3": ("biological", 0),
         "p4": ("renal", np.nan)},
    )
    # p1: 3 -> 0 (falls by 3); p2: 2 -> 0; p3: 2 -> 0 (biology counts in the ESSDAI); p4: unknown
    out = responders(base, follow, rule="essdai_mcii")
    assert out.tolist() == [True, False, False, pd.NA]
    assert out.name == "responder_essdai_mcii" and out.dtype == "boolean"
    assert list(out.index) == list(INDEX)


def test_esspri_mcii_point_or_percent():
    base = pd.DataFrame({c: [6.0, 6.0, 9.0, 0.0] for c in ESSPRI_COLUMNS}, index=INDEX)
    follow = base.copy()
    follow["esspri_pain"] = [3.3, 3.6, 6.0, 0.0]  # ESSPRI 5.1 (-15 %), 5.2, 8.0 (-1), 0
    assert responders(base, follow, rule="esspri_mcii").tolist() == [True, False, True, False]


def test_star_rule_is_the_star_responder():
    rng = np.random.default_rng(3)
    n = 30
    index = pd.Index([f"p{i}" for i in range(n)], name="patient_id")

    def visit():
        df = pd.DataFrame({c: rng.choice([0, 1, 2], n) for c in ESSDAI_WEIGHTS}, index=index)
        df["essdai_cns"] = rng.choice([0, 2, 3], n)
        for c in ESSPRI_COLUMNS:
            df[c] = rng.uniform(0, 10, n).round(1)
        df["schirmer_mm_5min"] = rng.uniform(0, 20, n).round()
        df["uwsf_ml_min"] = rng.uniform(0, 0.5, n).round(2)
        df["igg_g_l"] = rng.uniform(8, 25, n).round(1)
        return df

    base, follow = visit(), visit()
    out = responders(base, follow)
    expected = star(base, follow)["responder"]
    assert out.tolist() == expected.tolist() and out.name == "responder_star"
    assert 0 < out.sum() < n  # the draw holds both kinds of patients


def test_bad_input():
    base = pd.DataFrame({c: [5.0, 5.0] for c in ESSPRI_COLUMNS}, index=INDEX[:2])
    with pytest.raises(ValueError, match=r"'rule'.*\['star', 'essdai_mcii', 'esspri_mcii'\]"):
        responders(base, base, rule="acr")
    with pytest.raises(ValueError, match="only at follow-up: p9"):
        responders(base, base.rename(index={"p2": "p9"}), rule="esspri_mcii")
    bad = base.copy()
    bad.loc["p2", "esspri_pain"] = 11
    with pytest.raises(SchemaError, match=r"in followup(.|\n)*esspri_pain.*p2"):
        responders(base, bad, rule="esspri_mcii")
    assert RULES == ("star", "essdai_mcii", "esspri_mcii")
