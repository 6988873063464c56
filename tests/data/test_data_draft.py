"""draft_mapping: a centre's mapping proposed from its export, checked against the truth."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from stratify.data import Harmonizer, MappingDraft, draft_mapping, load_mapping, write_file
from stratify.synthetic import load_discovery, load_exports


def target_of(rule):
    if rule is None or isinstance(rule, str):
        return rule
    return rule.get("to") or f"<{rule.get('role')}>"


@pytest.fixture(scope="module")
def shipped():
    exports, mapping = load_exports()
    drafts = {centre: draft_mapping(frame, centre=centre) for centre, frame in exports.items()}
    return exports, mapping, drafts


def test_drafts_of_the_shipped_exports_propose_the_true_targets(shipped):
    exports, mapping, drafts = shipped
    total = correct = 0
    for centre, draft in drafts.items():
        proposed = draft.mapping()["centres"][centre]["columns"]
        true = mapping["centres"][centre]["columns"]
        for column in exports[centre].columns:
            total += 1
            correct += target_of(proposed.get(column)) == target_of(true.get(column))
        assert draft.unmapped == mapping["centres"][centre]["ignore"]  # the free text
    assert total == 490
    assert correct / total >= 0.95  # measured: 490 of 490


def test_the_drafted_mappings_harmonize_the_shipped_exports_exactly(shipped):
    exports, _, drafts = shipped
    mapping = {"centres": {c: d.mapping()["centres"][c] for c, d in drafts.items()}}
    harmonizer = Harmonizer(mapping)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the free-text columns are reported unmapped
        harmonized = harmonizer.transform(exports)
    # every rule right: codes, units and decimals, dates, sentinels, offsets
    pd.testing.assert_frame_equal(harmonized, load_discovery().data, check_like=True)
    assert harmonizer.report_.unmapped_columns["C4"] == ["Bemerkungen"]


def test_proposals_carry_evidence_and_confidence(shipped):
    _, _, drafts = shipped
    frame = drafts["C4"].to_frame()  # the German export
    assert list(frame.columns) == ["column", "target", "rule", "confidence", "evidence"]
    assert frame["confidence"].between(0, 1).all()
    igg = frame.set_index("column").loc["IgG_mg_dl"]
    assert json.loads(igg["rule"]) == {"to": "igg_g_l", "scale": 0.01, "decimals": 1}
    assert "mg/dl to g/L" in igg["evidence"]
    genes = frame[frame["column"].str.startswith("Expr_")]
    assert genes["rule"].map(lambda r: json.loads(r)["offset"]).eq(-8.0).all()
    assert "centred near 8" in genes["evidence"].iloc[0]
    notes = frame.set_index("column").loc["Bemerkungen"]
    assert notes["rule"] is None and "no schema variable" in notes["evidence"]
    swedish = drafts["C1"].to_frame().set_index("column")
    assert swedish.loc["antiSSA", "confidence"] < swedish.loc["PatID", "confidence"]
    assert "1 = yes, 2 = no" in swedish.loc["antiSSA", "evidence"]
    assert repr(drafts["C4"]) == ("MappingDraft(centre='C4', 97 of 98 columns proposed, "
                                  "1 unmapped)")


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_saved_draft_is_a_mapping_the_harmonizer_reads(shipped, tmp_path, suffix):
    exports, _, drafts = shipped
    path = drafts["C2"].save(tmp_path / f"draft{suffix}")
    text = path.read_text(encoding="utf-8")
    assert "IgG_mg_dL" in text and "confidence" in text  # the evidence travels with it
    harmonizer = Harmonizer(load_mapping(path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = harmonizer.transform({"C2": exports["C2"]})
    truth = load_discovery().data.loc[out.index]
    pd.testing.assert_frame_equal(out, truth[out.columns])
    with pytest.raises(ValueError, match="must end in .yaml, .yml or .json"):
        drafts["C2"].save(tmp_path / "draft.txt")


def test_min_confidence_leaves_the_unsure_proposals_out(shipped):
    draft = shipped[2]["C1"]
    sure = draft.mapping(min_confidence=0.8)["centres"]["C1"]["columns"]
    assert "PatID" in sure and "antiSSA" not in sure  # 1/2 coding: 0.85 x 0.7


def test_value_labels_and_variable_labels_are_evidence(tmp_path):
    pytest.importorskip("pyreadstat")
    frame = pd.DataFrame({"id": ["a", "b", "c", "d"], "q1": [1, 2, 3, 1],
                          "q2": [1200.0, 950.0, 99.0, 1100.0], "q3": [3, 1, 2, 9]})
    path = write_file(frame, tmp_path / "Lund.sav",
                      value_labels={"q1": {1: "female", 2: "male", 3: "unknown"},
                                    "q2": {99: "not measured"},
                                    "q3": {9: "unknown"}},
                      variable_labels={"q1": "Gender", "q2": "IgG (mg/dL)",
                                       "q3": "mystery score"})
    draft = draft_mapping(path)
    assert isinstance(draft, MappingDraft) and draft.centre == "Lund"
    columns = draft.mapping()["centres"]["Lund"]["columns"]
    assert columns["id"] == "patient_id"
    assert columns["q1"] == {"to": "sex", "codes": {"female": "F", "male": "M"}}
    assert columns["q2"]["to"] == "igg_g_l" and columns["q2"]["scale"] == 0.01
    assert draft.unmapped == ["q3"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        harmonizer = Harmonizer(draft.mapping())
        out = harmonizer.transform(tmp_path)
    assert out["sex"].tolist()[:2] == ["F", "M"] and pd.isna(out.loc["c", "sex"])
    assert np.isnan(out.loc["c", "igg_g_l"]) and out.loc["a", "igg_g_l"] == 12.0
    assert harmonizer.report_.labelled_missing["Lund"]["q1"] == {"unknown": 1}
