"""read_redcap: raw and labelled REDCap exports, checkboxes, repeating instruments."""

import warnings

import pandas as pd
import pytest

from stratify.data import Harmonizer, draft_mapping, read_redcap, write_file
from stratify.synthetic import make_pss_cohort, make_redcap_export


@pytest.fixture(scope="module")
def cohort():
    return make_pss_cohort(n_patients=200, n_centers=3, random_state=11)


@pytest.mark.parametrize("labelled", [False, True])
def test_redcap_exports_harmonize_back_to_the_cohort_exactly(cohort, labelled, tmp_path):
    records, dictionary, mapping = make_redcap_export(cohort, labelled=labelled, seed=2)
    # as REDCap delivers them: two CSV files
    records_path = write_file(records, tmp_path / "project_DATA.csv")
    dictionary_path = write_file(dictionary, tmp_path / "project_DataDictionary.csv")
    frame = read_redcap(records_path, dictionary_path, repeating="first")
    assert len(frame) == len(cohort)
    assert frame.attrs["repeating"] == {("Labs" if labelled else "labs"): 2 * len(cohort)}
    harmonizer = Harmonizer(mapping)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        harmonized = harmonizer.transform({"redcap": frame})
    pd.testing.assert_frame_equal(harmonized, cohort.data)
    used = harmonizer.report_.labels_used["redcap"]
    if labelled:  # the values are the labels already
        assert not used
    else:  # raw codes mapped through the dictionary's choices
        assert used["sex"] == cohort.data["sex"].notna().sum()
        assert used["treatment___1"] == len(cohort)


def test_checkbox_columns_are_expanded_as_redcap_does(cohort):
    records, dictionary, _ = make_redcap_export(cohort)
    choices = dictionary.set_index("Variable / Field Name").loc[
        "treatment", "Choices, Calculations, OR Slider Labels"]
    assert choices == "1, hydroxychloroquine | 2, glucocorticoids | 3, immunosuppressants"
    frame = read_redcap(records, dictionary, repeating="first")
    assert set(frame["treatment___2"]) <= {"0", "1"}
    assert frame.attrs["value_labels"]["treatment___2"] == {"0": "Unchecked", "1": "Checked"}
    assert frame.attrs["variable_labels"]["treatment___2"] == (
        "Treatment at baseline (choice=glucocorticoids)")
    labelled, _, _ = make_redcap_export(cohort, labelled=True)
    own_rows = labelled[labelled["Repeat Instrument"].isna()]
    assert set(own_rows["Treatment at baseline (choice=glucocorticoids)"]) == {"Checked",
                                                                               "Unchecked"}
    assert "IFI44 expression (log2, centred)" in labelled.columns


def test_repeating_rows_are_reported_or_folded(cohort):
    records, dictionary, mapping = make_redcap_export(cohort, seed=2)
    with pytest.warns(UserWarning, match=r"400 row\(s\) of repeating instruments left out "
                                         r"\('labs' x 400\); pass repeating='first'"):
        frame = read_redcap(records, dictionary)
    assert len(frame) == len(cohort) and frame["igg_g_l"].isna().all()
    last = read_redcap(records, dictionary, repeating="last")
    first = read_redcap(records, dictionary, repeating="first")
    assert (last["igg_g_l"] != first["igg_g_l"]).any()  # the later measurement
    assert first["igg_g_l"].notna().sum() == cohort.data["igg_g_l"].notna().sum()
    with pytest.raises(ValueError, match="repeating must be"):
        read_redcap(records, dictionary, repeating="all")
    clash = records.copy()
    clash.loc[0, "igg_g_l"] = "1.5"  # a base row holding another value than its instance
    with pytest.raises(ValueError, match=r"field\(s\) \['igg_g_l'\] hold other values"):
        read_redcap(clash, dictionary, repeating="first")


def test_longitudinal_exports_need_an_event(cohort):
    records, dictionary, _ = make_redcap_export(cohort, repeating=False)
    records.insert(1, "redcap_event_name", "baseline_arm_1")
    later = records.copy()
    later["redcap_event_name"] = "month_12_arm_1"
    both = pd.concat([records, later], ignore_index=True)
    with pytest.raises(ValueError, match=r"events \['baseline_arm_1', 'month_12_arm_1'\]; "
                                         r"choose"):
        read_redcap(both, dictionary)
    assert len(read_redcap(both, dictionary, event="baseline_arm_1")) == len(cohort)
    with pytest.raises(ValueError, match="no event 'screening'"):
        read_redcap(both, dictionary, event="screening")


def test_a_dictionary_without_its_columns_is_refused(cohort):
    records, dictionary, _ = make_redcap_export(cohort)
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['Field Type'\]"):
        read_redcap(records, dictionary.drop(columns=["Field Type"]))


def test_draft_mapping_uses_the_dictionary_labels(cohort):
    records, dictionary, mapping = make_redcap_export(cohort, repeating=False)
    frame = read_redcap(records, dictionary)
    draft = draft_mapping(frame, centre="redcap").mapping()["centres"]["redcap"]["columns"]
    true = mapping["centres"]["redcap"]["columns"]
    assert draft["sex"] == {"to": "sex", "codes": {"Female": "F", "Male": "M"}}
    assert draft["anti_ro"] == {"to": "anti_ro", "codes": {"Yes": 1, "No": 0}}
    same = sum(1 for c, rule in true.items() if c in draft and
               (draft[c] if isinstance(draft[c], str) else draft[c].get("to"))
               == (rule if isinstance(rule, str) else rule.get("to")))
    assert same / len(true) >= 0.95  # measured: 97 of 97
