"""ESSPRI: mean of three 0-10 ratings, range checks and missing components."""

import numpy as np
import pandas as pd
import pytest

from stratify.data import SchemaError
from stratify.scores import ESSPRI_COLUMNS, esspri


def ratings(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(ESSPRI_COLUMNS),
                        index=[f"p{i + 1}" for i in range(len(rows))], dtype=float)


def test_mean_of_the_three_components():
    out = esspri(ratings((6, 5, 4), (0, 0, 0), (10, 10, 10), (7, 8, 2)))
    assert out.name == "esspri" and list(out.index) == ["p1", "p2", "p3", "p4"]
    assert out.tolist() == pytest.approx([5.0, 0.0, 10.0, 17 / 3])


@pytest.mark.parametrize("value", [10.5, -1])
def test_out_of_range_ratings_are_rejected(value):
    df = ratings((6, 5, 4), (1, 1, 1))
    df.loc["p2", "esspri_pain"] = value
    with pytest.raises(SchemaError) as err:
        esspri(df)
    assert "esspri_pain" in str(err.value) and "p2" in str(err.value)
    assert "[0, 10]" in str(err.value)


def test_missing_components():
    df = ratings((6, np.nan, 4), (np.nan, np.nan, np.nan))
    assert esspri(df).isna().all()
    assert esspri(df, allow_missing=True).tolist()[0] == 5.0
    assert np.isnan(esspri(df, allow_missing=True)["p2"])
    with pytest.raises(SchemaError, match="esspri_fatigue.*absent"):
        esspri(df.drop(columns="esspri_fatigue"))
