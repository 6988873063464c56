"""A cohort as a REDCap project's export: records, data dictionary and the mapping."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..data import Cohort

__all__ = ["make_redcap_export"]

_DICTIONARY_COLUMNS = ["Variable / Field Name", "Form Name", "Section Header", "Field Type",
                       "Field Label", "Choices, Calculations, OR Slider Labels", "Field Note",
                       "Text Validation Type OR Show Slider Number", "Text Validation Min",
                       "Text Validation Max", "Identifier?",
                       "Branching Logic (Show field only if...)", "Required Field?",
                       "Custom Alignment", "Question Number (surveys only)",
                       "Matrix Group Name", "Matrix Ranking?", "Field Annotation"]
_CHECKBOXES = {"treatment": ("Treatment at baseline", "treatment"),
               "exclusion": ("Exclusion criteria present", "classification")}
"""Checkbox fields: binary variables of these blocks without missing values become one
choice each (a checkbox cannot tell 'no' from 'not recorded')."""
_ACTIVITY = ("No activity", "Low", "Moderate", "High")
_EVENTS = ("Censored", "Lymphoma", "Death")
_LABS = ("igg_g_l", "crp_mg_l", "esr_mm_h")
"""Variables measured in the repeating instrument ``labs`` (first instance: baseline)."""


def _field(name: str) -> str:
    """REDCap field names are lower case: genes become ``ge_<gene>``."""
    return f"ge_{name[4:].lower()}" if name.startswith("mol_") else name.lower()


def make_redcap_export(cohort: Cohort, *, labelled: bool = False, repeating: bool = True,
                       seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The cohort as a REDCap project's export, its data dictionary and its mapping.

    One project for all centres (the centre is the record's data access
    group); one form ``baseline`` with a field per schema column: sex, the
    ESSDAI domains and the lymphoma outcome as radio or dropdown choices,
    binary variables as yes/no fields, except the treatments and exclusion
    criteria without missing values, which are checkbox fields (exported as
    ``treatment___1``, ``treatment___2``...), numbers as text fields, genes as
    ``ge_<gene>``. With ``repeating``, IgG, CRP and ESR are in the repeating
    instrument ``labs``: instance 1 holds the cohort's values, instance 2 a
    later measurement (``seed`` draws it), so
    ``read_redcap(..., repeating="first")`` gives the cohort's values back.

    ``Harmonizer(mapping).transform({"redcap": read_redcap(records,
    dictionary, repeating="first")})`` gives back ``cohort.data``, for the raw
    export (codes, mapped through the dictionary's choices) and the labelled
    one (field labels as headers, choice labels as values) alike.

    Parameters
    ----------
    cohort : Cohort
        Schema columns with ``center``.
    labelled : bool, default=False
        Export labels (REDCap's "CSV (labels)") instead of raw codes.
    repeating : bool, default=True
        Put the laboratory values in the repeating instrument ``labs``.
    seed : int, default=0

    Returns
    -------
    records : DataFrame
        The export as REDCap writes it (every cell text, empty when missing).
    dictionary : DataFrame
        The data dictionary.
    mapping : dict
        The harmonization mapping (one centre, ``redcap``).

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.data import Harmonizer, read_redcap
    >>> from stratify.synthetic import make_pss_cohort
    >>> cohort = make_pss_cohort(n_patients=60, n_centers=2, random_state=0)
    >>> records, dictionary, mapping = make_redcap_export(cohort)
    >>> [c for c in records.columns if c.startswith("treatment___")]
    ['treatment___1', 'treatment___2', 'treatment___3']
    >>> frame = read_redcap(records, dictionary, repeating="first")
    >>> pd.testing.assert_frame_equal(
    ...     Harmonizer(mapping).transform({"redcap": frame}), cohort.data)
    """
    if not isinstance(cohort, Cohort):
        raise TypeError(f"make_redcap_export expects a Cohort; got {type(cohort).__name__}.")
    data = cohort.data
    if "center" not in data.columns or data["center"].isna().any():
        raise ValueError("make_redcap_export needs a 'center' for every patient.")
    rng = np.random.default_rng(seed)
    fields: list[dict[str, str]] = [_row("record_id", "baseline", "text", "Record ID")]
    columns: dict[str, Any] = {"record_id": "patient_id"}
    values: dict[str, list[Any]] = {}
    groups = {c: str(c).lower().replace(" ", "_") for c in pd.unique(data["center"])}
    columns["redcap_data_access_group"] = {
        "to": "center", "codes": {**{g: c for c, g in groups.items()},
                                  **{c: c for c in groups}}}
    checkbox = {name: [c for c in data.columns if cohort.schema[c].kind == "binary"
                       and cohort.schema[c].block == block and not data[c].isna().any()]
                for name, (_, block) in _CHECKBOXES.items()}
    boxed = {c for names in checkbox.values() for c in names}
    labs = [c for c in _LABS if c in data.columns] if repeating else []
    for name in data.columns:
        var = cohort.schema[name]
        if name == "center" or name in boxed:
            continue
        field, form = _field(name), "labs" if name in labs else "baseline"
        label = _label(name, var.description, fields)
        x = data[name]
        if name == "sex":
            fields.append(_row(field, form, "radio", label, "1, Female | 2, Male"))
            values[field] = _coded(x, {"F": ("1", "Female"), "M": ("2", "Male")}, labelled)
            columns[field] = {"to": "sex", "codes": {"Female": "F", "Male": "M"}}
        elif var.kind == "binary":
            fields.append(_row(field, form, "yesno", label))
            values[field] = _coded(x, {1.0: ("1", "Yes"), 0.0: ("0", "No")}, labelled)
            columns[field] = {"to": name, "codes": {"Yes": 1, "No": 0}}
        elif var.kind == "event":
            choices = {float(k): (str(k), _EVENTS[k]) for k in var.levels or ()}
            fields.append(_row(field, form, "radio", label, _choices(choices)))
            values[field] = _coded(x, choices, labelled)
            columns[field] = {"to": name, "codes": {lab: int(code) for code, lab
                                                    in choices.values()}}
        elif var.kind == "ordinal" and name.startswith("essdai_"):
            choices = {float(k): (str(k), _ACTIVITY[k]) for k in var.levels or ()}
            fields.append(_row(field, form, "dropdown", label, _choices(choices)))
            values[field] = _coded(x, choices, labelled)
            columns[field] = {"to": name, "codes": {lab: int(code) for code, lab
                                                    in choices.values()}}
        else:
            validation = "integer" if var.kind == "ordinal" else "number"
            fields.append(_row(field, form, "text", label, validation=validation))
            values[field] = [None if pd.isna(v) else _number(v) for v in x]
            columns[field] = name
    for box, (label, _) in _CHECKBOXES.items():
        if not checkbox[box]:
            continue
        options = {str(i + 1): cohort.schema[c].name for i, c in enumerate(checkbox[box])}
        fields.append(_row(box, "baseline", "checkbox", label, " | ".join(
            f"{code}, {text}" for code, text in options.items())))
        for code, name in options.items():
            column = f"{box}___{code}"
            values[column] = [("Checked" if v == 1 else "Unchecked") if labelled
                              else str(int(v)) for v in data[name]]
            columns[column] = {"to": name, "codes": {"Checked": 1, "Unchecked": 0}}
    records = _records(data, values, fields, groups, labs, labelled, rng)
    if labelled:  # REDCap's "CSV (labels)": field labels as headers
        records = records.rename(columns=_labelled_headers(fields))
    dictionary = pd.DataFrame([{c: row.get(c, "") for c in _DICTIONARY_COLUMNS}
                               for row in fields])
    ignore = [c for c in records.columns if c.endswith("_complete")]
    mapping = {"centres": {"redcap": {"columns": columns, "ignore": ignore}},
               "description": f"Mapping of the synthetic REDCap export (make_redcap_export, "
                              f"labelled={labelled}, seed={seed}); read the export with "
                              f"read_redcap(..., repeating='first')."}
    return records, dictionary, mapping


def _label(name: str, description: str | None, fields: list[dict[str, str]]) -> str:
    """The field's label: its description's first sentence, unique in the project."""
    if name.startswith("mol_"):
        return f"{name[4:]} expression (log2, centred)"
    label = (description or name).split(". ")[0].strip().rstrip(".")[:80] or name
    taken = {f["Field Label"] for f in fields}
    return label if label not in taken else f"{label} [{name}]"


def _row(name: str, form: str, kind: str, label: str, choices: str = "",
         validation: str = "") -> dict[str, str]:
    return {"Variable / Field Name": name, "Form Name": form, "Field Type": kind,
            "Field Label": label, "Choices, Calculations, OR Slider Labels": choices,
            "Text Validation Type OR Show Slider Number": validation,
            "Identifier?": "y" if name == "record_id" else ""}


def _labelled_headers(fields: list[dict[str, str]]) -> dict[str, str]:
    headers = {"redcap_repeat_instrument": "Repeat Instrument",
               "redcap_repeat_instance": "Repeat Instance",
               "redcap_data_access_group": "Data Access Group"}
    for field in fields:
        name, label = field["Variable / Field Name"], field["Field Label"]
        if field["Field Type"] == "checkbox":
            for part in field["Choices, Calculations, OR Slider Labels"].split(" | "):
                code, _, choice = part.partition(", ")
                headers[f"{name}___{code}"] = f"{label} (choice={choice})"
        else:
            headers[name] = label
    return headers


def _choices(choices: dict[float, tuple[str, str]]) -> str:
    return " | ".join(f"{code}, {label}" for code, label in choices.values())


def _coded(values: pd.Series, choices: dict[Any, tuple[str, str]], labelled: bool
           ) -> list[str | None]:
    out: list[str | None] = []
    for v in values:
        if pd.isna(v):
            out.append(None)
            continue
        code, label = choices[v if isinstance(v, str) else float(v)]
        out.append(label if labelled else code)
    return out


def _number(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _records(data: pd.DataFrame, values: dict[str, list[Any]], fields: list[dict[str, str]],
             groups: dict[Any, str], labs: list[str], labelled: bool,
             rng: np.random.Generator) -> pd.DataFrame:
    """Base rows (one a record), then the labs instances, as REDCap orders them."""
    n = len(data)
    lab_fields = [_field(c) for c in labs]
    base: dict[str, list[Any]] = {"record_id": list(map(str, data.index))}
    if labs:
        base["redcap_repeat_instrument"] = [None] * n
        base["redcap_repeat_instance"] = [None] * n
    base["redcap_data_access_group"] = [c if labelled else groups[c] for c in data["center"]]
    names = [f["Variable / Field Name"] for f in fields[1:]]
    for field in names:
        if field in values:
            base[field] = [None] * n if field in lab_fields else values[field]
        else:  # a checkbox field: its choice columns
            for column in [c for c in values if c.startswith(f"{field}___")]:
                base[column] = values[column]
    if not labelled:
        base["baseline_complete"] = ["2"] * n
    frame = pd.DataFrame(base)
    if not labs:
        return frame
    if not labelled:
        frame["labs_complete"] = None
    rows = []
    for instance in (1, 2):
        block = pd.DataFrame({c: [None] * n for c in frame.columns})
        block["record_id"] = list(map(str, data.index))
        block["redcap_repeat_instrument"] = "Labs" if labelled else "labs"
        block["redcap_repeat_instance"] = str(instance)
        block["redcap_data_access_group"] = frame["redcap_data_access_group"]
        for name, field in zip(labs, lab_fields):
            x = data[name].to_numpy(dtype=float)
            if instance == 2:  # a later measurement, within 20 %
                x = np.round(x * rng.uniform(0.8, 1.2, n), 1)
            block[field] = [None if np.isnan(v) else _number(v) for v in x]
        if not labelled:
            block["labs_complete"] = "2"
        rows.append(block)
    both = pd.concat([frame, *rows], ignore_index=True)
    order = np.argsort(np.concatenate([np.arange(n)] * 3), kind="stable")
    return both.iloc[order].reset_index(drop=True)
