"""name_subgroups: each subgroup named by its strongest features, with their direction."""

import numpy as np
import pandas as pd
import pytest

from stratify.cluster import name_subgroups


def table(rows):
    return pd.DataFrame(rows, columns=["feature", "subgroup", "kind", "effect_size"])


def test_names_take_the_strongest_feature_of_each_profile_with_its_direction():
    genes = table([("mol_IFI44", "S1", "continuous", 1.9), ("mol_BTK", "S1", "continuous", -0.7),
                   ("mol_IFI44", "S2", "continuous", -1.9), ("mol_BTK", "S2", "continuous", 0.7)])
    clinic = table([("anti_ro", "S1", "binary", 0.9), ("igg_g_l", "S1", "continuous", 0.6),
                    ("anti_ro", "S2", "binary", -0.9), ("igg_g_l", "S2", "continuous", -0.2)])
    names = name_subgroups(genes, clinic)
    assert names.to_dict() == {"S1": "S1 - IFI44 high, Anti-SSA/Ro+",
                               "S2": "S2 - IFI44 low, Anti-SSA/Ro-"}
    assert name_subgroups(genes, clinic, per_profile=[2, 0])["S2"] == "S2 - IFI44 low, BTK high"


def test_small_hidden_or_repeated_effects_are_never_used():
    first = table([("age", "S1", "continuous", 0.3), ("crp_mg_l", "S1", "continuous", np.nan),
                   ("anti_la", "S2", "binary", 1.2)])
    again = table([("anti_la", "S2", "binary", 1.2), ("esr_mm_h", "S2", "continuous", 0.8)])
    names = name_subgroups(first, again)
    assert names["S1"] == "S1"  # |0.3| < 0.5 and a hidden (NaN) effect: no name
    assert names["S2"] == "S2 - Anti-SSB/La+, ESR high"  # anti_la is not named twice
    with pytest.raises(ValueError, match="per_profile"):
        name_subgroups(first, again, per_profile=[1])
