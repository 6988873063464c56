"""Lymphoma risk-factor counts (Fragkioudaki 2016, Nocturne 2016), bands and missing factors."""

import numpy as np
import pandas as pd
import pytest

from stratify.data import SchemaError
from stratify.scores import ESSDAI_WEIGHTS, FRAGKIOUDAKI_FACTORS, lymphoma_risk_score

BINARY = ["salivary_gland_enlargement", "lymphadenopathy", "raynaud", "anti_ro", "rf",
          "monoclonal_component", "c4_low"]


def factors(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=BINARY, dtype=float,
                        index=[f"p{i + 1}" for i in range(len(rows))])


def test_counts_bands_and_published_proportions():
    df = factors([0] * 7, [1, 1, 0, 0, 0, 0, 0], [1, 1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 0],
                 [1] * 7)
    out = lymphoma_risk_score(df)
    assert out["n_factors"].tolist() == [0, 2, 3, 6, 7]
    assert out["band"].astype(str).tolist() == ["0-2", "0-2", "3-6", "3-6", "7"]
    assert out["probability"].tolist() == [0.038, 0.038, 0.399, 0.399, 1.0]
    assert out["n_observed"].tolist() == [7] * 5
    assert list(out.index) == list(df.index)


def test_anti_la_alone_counts_as_the_antibody_factor():
    df = factors([0] * 7, [0] * 7, [0] * 7)
    df["anti_la"] = [1, 0, np.nan]
    out = lymphoma_risk_score(df)
    assert out["n_factors"].tolist()[:2] == [1, 0]
    assert np.isnan(out.loc["p3", "n_factors"])  # anti-Ro negative, anti-La unknown
    assert len(FRAGKIOUDAKI_FACTORS) == 7


def test_missing_factors_strict_and_lenient():
    df = factors([1, 1, 1, 1, np.nan, 0, 0],      # 4 known positives: band 3-6 whatever rf is
                 [1, 1, np.nan, 0, 0, 0, 0],      # 2 or 3: band undecidable
                 [1, 1, 1, 1, 1, 1, np.nan],      # 6 or 7: band undecidable
                 [np.nan] * 7)
    strict = lymphoma_risk_score(df)
    assert strict["n_factors"].isna().all()
    assert strict["n_observed"].tolist() == [6, 6, 6, 0]
    assert strict["band"].cat.codes.tolist() == [1, -1, -1, -1]  # "3-6", then missing
    assert strict.loc["p1", "probability"] == 0.399 and np.isnan(strict.loc["p2", "probability"])
    lenient = lymphoma_risk_score(df, allow_missing=True)
    assert lenient["n_factors"].tolist()[:3] == [4, 2, 6]
    assert np.isnan(lenient.loc["p4", "n_factors"])
    assert lenient["band"].astype(str).tolist()[:3] == ["3-6", "0-2", "3-6"]


def test_nocturne_variant():
    df = factors([1, 0, 0, 1, 1, 0, 1], [0, 0, 0, 0, 0, 0, 0])
    df["cryoglobulins"] = [1, 0]
    df["lymphopenia"] = [0, np.nan]
    for col in ESSDAI_WEIGHTS:
        df[col] = 0.0
    df.loc["p1", "essdai_articular"] = 3          # 2x3 = 6 >= 5
    df.loc["p2", "essdai_lymphadenopathy"] = 3    # left out of the ESSDAI factor
    out = lymphoma_risk_score(df, factors="nocturne")
    # p1: enlargement, rf, low C4, cryoglobulins, ESSDAI >= 5
    assert out.loc["p1", "n_factors"] == 5 and np.isnan(out.loc["p2", "n_factors"])
    assert lymphoma_risk_score(df, factors="nocturne", allow_missing=True)["n_factors"].tolist() \
        == [5, 0]
    assert out["band"].isna().all() and out["probability"].isna().all()
    df.loc["p2", "essdai_renal"] = np.nan
    df.loc["p2", "essdai_muscular"] = 1            # 6 from known domains already
    assert lymphoma_risk_score(df, factors="nocturne", allow_missing=True).loc[
        "p2", "n_factors"] == 1


def test_bad_input():
    df = factors([0] * 7)
    with pytest.raises(ValueError, match="'factors'.*'fragkioudaki'"):
        lymphoma_risk_score(df, factors="quartuccio")
    df.loc["p1", "raynaud"] = 3
    with pytest.raises(SchemaError, match="raynaud.*p1"):
        lymphoma_risk_score(df)
    with pytest.raises(SchemaError, match="c4_low.*absent"):
        lymphoma_risk_score(factors([0] * 7).drop(columns="c4_low"))
