"""Harmonizer: centre exports back to the schema; every unmapped column and value reported."""

import io
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from stratify.data import Harmonizer, SchemaError, load_mapping
from stratify.synthetic import make_center_exports, make_pss_cohort


def as_text(exports):
    """Exports as a registry delivers them: CSV files read back with every cell as text."""
    out = {}
    for centre, frame in exports.items():
        text = frame.to_csv(index=False, lineterminator="\n")
        out[centre] = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    return out


def quiet_transform(harmonizer, exports):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return harmonizer.transform(exports)


@pytest.fixture(scope="module")
def cohort():
    # five centres: each of the five export styles is used once
    return make_pss_cohort(n_patients=400, n_centers=5, trial=True, random_state=4)


@pytest.fixture(scope="module")
def exported(cohort):
    return make_center_exports(cohort, random_state=3)


def simple_mapping(**columns):
    return {"centres": {"A": {"na_values": [-9, 999, ""],
                              "columns": {"id": "patient_id", **columns}}}}


def test_round_trip_gives_back_the_cohort_exactly(cohort, exported):
    exports, mapping = exported
    harmonizer = Harmonizer(mapping)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a clean export must not warn
        harmonized = harmonizer.transform(exports)
    pd.testing.assert_frame_equal(harmonized, cohort.data)
    assert harmonizer.report_.clean
    assert sum(harmonizer.report_.n_rows_out.values()) == len(cohort)


def test_round_trip_through_text_files_and_json(cohort, exported, tmp_path):
    exports, mapping = exported
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    harmonized = Harmonizer.from_file(path).transform(as_text(exports))
    pd.testing.assert_frame_equal(harmonized, cohort.data)


def test_round_trip_through_yaml(cohort, exported, tmp_path):
    yaml = pytest.importorskip("yaml")
    exports, mapping = exported
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    pd.testing.assert_frame_equal(Harmonizer(load_mapping(path)).transform(exports),
                                  cohort.data)


def test_exports_really_differ_from_the_schema(cohort, exported):
    exports, mapping = exported
    schema_names = set(cohort.data.columns)
    for centre, frame in exports.items():
        renamed = [c for c in frame.columns if c not in schema_names]
        assert len(renamed) > 40, centre
    rules = [rule for spec in mapping["centres"].values() for rule in spec["columns"].values()]
    assert any(isinstance(r, dict) and "scale" in r for r in rules)
    assert any(isinstance(r, dict) and "date" in r for r in rules)
    assert any(isinstance(r, dict) and "codes" in r for r in rules)


def test_unmapped_columns_are_reported_not_dropped_silently(cohort, exported):
    exports, mapping = exported
    centre = next(iter(exports))
    changed = dict(exports)
    changed[centre] = exports[centre].assign(mystery_score=1.0, BMI_kg=27.0)
    harmonizer = Harmonizer(mapping)
    with pytest.warns(UserWarning, match="mystery_score"):
        harmonized = harmonizer.transform(changed)
    assert harmonizer.report_.unmapped_columns[centre] == ["mystery_score", "BMI_kg"]
    assert not harmonizer.report_.clean
    pd.testing.assert_frame_equal(harmonized, cohort.data)  # the mapped data are intact
    with pytest.raises(ValueError, match="mystery_score"):
        Harmonizer(mapping, on_unmapped="error").transform(changed)


def test_unmapped_values_become_missing_and_are_counted():
    mapping = simple_mapping(SSA={"to": "anti_ro", "codes": {"pos": 1, "neg": 0}},
                             sexe={"to": "sex", "codes": {"F": "F", "H": "M"}},
                             IgG="igg_g_l")
    export = pd.DataFrame({"id": ["a", "b", "c", "d"], "SSA": ["pos", "neg", "maybe", "maybe"],
                           "sexe": ["F", "H", "X", "F"], "IgG": ["12.5", "n/a", "9", "14"]})
    harmonizer = Harmonizer(mapping)
    with pytest.warns(UserWarning, match="unmapped"):
        out = harmonizer.transform({"A": export})
    assert out["anti_ro"].tolist()[:2] == [1.0, 0.0] and out["anti_ro"].iloc[2:].isna().all()
    assert pd.isna(out.loc["c", "sex"]) and out.loc["b", "sex"] == "M"
    assert np.isnan(out.loc["b", "igg_g_l"]) and out.loc["a", "igg_g_l"] == 12.5
    values = harmonizer.report_.unmapped_values["A"]
    assert values == {"SSA": {"maybe": 2}, "sexe": {"X": 1}, "IgG": {"n/a": 1}}
    frame = harmonizer.report_.to_frame()
    assert frame.loc[frame["item"] == "unmapped_value", "count"].sum() == 4
    strict = Harmonizer(mapping, on_unmapped="error")
    with pytest.raises(ValueError, match="'SSA': 2 unmapped value") as error:
        strict.transform({"A": export})
    assert "maybe" not in str(error.value)  # counts, never the export's text
    assert strict.report_.unmapped_values["A"]["SSA"] == {"maybe": 2}


def test_unit_conversions():
    mapping = simple_mapping(
        IgG_mg_dl={"to": "igg_g_l", "scale": 0.01, "decimals": 1},
        saliva_ml_15min={"to": "uwsf_ml_min", "scale": "1/15", "decimals": 2},
        VAS_pain_100={"to": "esspri_pain", "scale": 0.1},
        follow_up_months={"to": "lymphoma_time_years", "scale": "1/12", "decimals": 2},
        expression_raw={"to": "mol_IFI44", "offset": -8.0, "decimals": 3},
        ESSDAI_CNS={"to": "essdai_cns", "offset": -1})
    export = pd.DataFrame({
        "id": ["a", "b"], "IgG_mg_dl": [1430, 987], "saliva_ml_15min": [1.5, 0.15],
        "VAS_pain_100": [70, 35], "follow_up_months": [30, 126.12],
        "expression_raw": [9.25, 6.5], "ESSDAI_CNS": [1, 4]})
    out = Harmonizer(mapping).transform({"A": export})
    assert out["igg_g_l"].tolist() == [14.3, 9.9]
    assert out["uwsf_ml_min"].tolist() == [0.1, 0.01]
    assert out["esspri_pain"].tolist() == [7.0, 3.5]
    assert out["lymphoma_time_years"].tolist() == [2.5, 10.51]
    assert out["mol_IFI44"].tolist() == [1.25, -1.5]
    assert out["essdai_cns"].tolist() == [0.0, 3.0]


def test_dates_become_ages_and_durations():
    mapping = simple_mapping(
        born={"to": "age", "date": "%d/%m/%Y", "reference": "visit", "decimals": 2},
        diagnosed={"to": "disease_duration_years", "date": "%d/%m/%Y", "reference": "visit",
                   "decimals": 2},
        visit={"role": "reference_date", "date": "%d/%m/%Y"})
    export = pd.DataFrame({"id": ["a", "b"], "born": ["01/01/1970", "-9"],
                           "diagnosed": ["01/01/2019", "15/06/2018"],
                           "visit": ["01/01/2020", "15/06/2020"]})
    harmonizer = Harmonizer(mapping)
    out = harmonizer.transform({"A": export})
    assert out.loc["a", "age"] == 50.0 and np.isnan(out.loc["b", "age"])
    assert out["disease_duration_years"].tolist() == [1.0, 2.0]
    assert harmonizer.report_.sentinels["A"] == {"born": 1}


def test_sentinels_of_the_centre_and_of_one_column():
    mapping = simple_mapping(
        Schirmer={"to": "schirmer_mm_5min", "na_values": [-1]},
        SSA={"to": "anti_ro", "codes": {"Y": 1, "N": 0, "unknown": None}},
        age="age")
    export = pd.DataFrame({"id": ["a", "b", "c", "d"], "Schirmer": [-1, 999, 12, -9],
                           "SSA": ["Y", "unknown", "", "N"], "age": [54, 999, -9, 61]})
    harmonizer = Harmonizer(mapping)
    out = harmonizer.transform({"A": export})
    assert out["schirmer_mm_5min"].isna().tolist() == [True, True, False, True]
    assert out["anti_ro"].tolist()[0] == 1.0 and out["anti_ro"].iloc[1:3].isna().all()
    assert out["age"].isna().tolist() == [False, True, True, False]
    assert harmonizer.report_.sentinels["A"] == {"Schirmer": 3, "SSA": 2, "age": 2}
    assert harmonizer.report_.clean  # sentinels are expected, not unmapped


def test_sentinels_of_the_synthetic_exports_are_reported(cohort, exported):
    exports, mapping = exported
    harmonizer = Harmonizer(mapping)
    harmonizer.transform(exports)
    counted = sum(n for per_centre in harmonizer.report_.sentinels.values()
                  for n in per_centre.values())
    missing = cohort.data.drop(columns="center").isna().sum().sum()
    assert 0 < counted <= missing


def test_mapping_problems_are_all_listed_before_any_data_are_read():
    mapping = {"centres": {"A": {"columns": {
        "id": "patient_id", "x": {"to": "not_a_column"},
        "SSA": {"to": "anti_ro", "codes": {"pos": 2}},
        "IgG": {"to": "igg_g_l", "sclae": 0.01}}}}}
    with pytest.raises(ValueError) as err:
        Harmonizer(mapping).fit()
    message = str(err.value)
    assert "3 problem(s)" in message
    assert "'not_a_column'" in message and "'sclae'" in message and "did you mean 'scale'" \
        in message and "not a level of 'anti_ro'" in message


def test_duplicate_patients_across_centres_are_an_error():
    mapping = {"centres": {c: {"columns": {"id": "patient_id", "age": "age"}}
                           for c in ("A", "B")}}
    exports = {"A": pd.DataFrame({"id": ["p1", "p2"], "age": [50, 60]}),
               "B": pd.DataFrame({"id": ["p2", "p3"], "age": [55, 65]})}
    with pytest.raises(SchemaError, match="same id appears in centres 'A' and 'B'"):
        Harmonizer(mapping).transform(exports)


def test_values_out_of_range_name_the_centre_and_rule_but_not_the_value():
    mapping = simple_mapping(IgG_mg_dl={"to": "igg_g_l", "scale": 1})  # forgot the unit
    export = pd.DataFrame({"id": ["a", "b"], "IgG_mg_dl": [1430, 12]})
    with pytest.raises(SchemaError) as err:
        Harmonizer(mapping).transform({"A": export})
    message = str(err.value)
    assert "centre 'A'" in message and "IgG_mg_dl" in message and "(1 row: a)" in message
    assert "1430" not in message


def test_identifier_values_are_withheld_from_the_report():
    mapping = simple_mapping(date_of_birth={"to": "age"})
    export = pd.DataFrame({"id": ["a"], "date_of_birth": ["Jane's birthday"]})
    harmonizer = Harmonizer(mapping)
    quiet_transform(harmonizer, {"A": export})
    assert "Jane" not in str(harmonizer.report_.unmapped_values)
    assert harmonizer.report_.unmapped_values["A"]["date_of_birth"] == {
        "<withheld: identifier-like column>": 1}


def test_empty_rows_are_excluded_and_reported():
    mapping = simple_mapping(age="age")
    export = pd.DataFrame({"id": ["a", None, "b"], "age": [50, None, 60]})
    harmonizer = Harmonizer(mapping)
    out = harmonizer.transform({"A": export})
    assert out.index.tolist() == ["a", "b"]
    assert harmonizer.report_.excluded_rows["A"] == {"all values missing (empty row)": 1}


def test_unknown_centre_and_bad_parameters():
    mapping = simple_mapping(age="age")
    with pytest.raises(ValueError, match="centre 'B' is not in the mapping"):
        Harmonizer(mapping).transform({"B": pd.DataFrame({"id": ["a"]})})
    with pytest.raises(ValueError, match="'on_unmapped' parameter of Harmonizer"):
        Harmonizer(mapping, on_unmapped="ignore").transform({"A": pd.DataFrame({"id": ["a"]})})
    with pytest.raises(TypeError, match="dict"):
        Harmonizer(mapping).transform(pd.DataFrame({"id": ["a"]}))


# --------------------------------------------------------------------------- issue 22.7
def test_a_mapped_centre_without_export_is_named():
    mapping = simple_mapping(SSA="anti_ro")
    mapping["centres"]["B"] = mapping["centres"]["A"]
    export = pd.DataFrame({"id": ["a", "b"], "SSA": [1, 0]})
    with pytest.warns(UserWarning, match=r"1 mapped centre\(s\) got no export.*\['B'\]"):
        Harmonizer(mapping).transform({"A": export})


def test_free_text_values_never_appear_in_warnings_or_the_report_text():
    mapping = simple_mapping(remarque={"to": "sex", "codes": {"femme": "F", "homme": "M"}})
    export = pd.DataFrame({"id": ["a", "b", "c"],
                           "remarque": ["femme", "Jean Dupont", "Jean Dupont"]})
    harmonizer = Harmonizer(mapping)
    with pytest.warns(UserWarning) as caught:
        harmonizer.transform({"A": export})
    messages = " ".join(str(w.message) for w in caught)
    assert "Dupont" not in messages and "2 unmapped value(s), 1 distinct" in messages
    assert "Dupont" not in str(harmonizer.report_)
