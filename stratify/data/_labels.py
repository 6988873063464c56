"""Short clinical labels of the schema's variables, for tables and figures a clinician reads."""

from __future__ import annotations

from ._schema import PSS_SCHEMA, Schema

__all__ = ["LABELS", "display_name"]

LABELS: dict[str, str] = {
    "center": "Centre",
    "sex": "Sex",
    "age": "Age",
    "disease_duration_years": "Disease duration",
    "age_at_diagnosis": "Age at diagnosis",
    "bmi": "BMI",
    "smoking": "Smoker (current or former)",
    "sicca_symptoms": "Sicca symptoms",
    "focus_score": "Focus score",
    "anti_ro": "Anti-SSA/Ro",
    "anti_la": "Anti-SSB/La",
    "ana": "ANA (>= 1:320)",
    "rf": "Rheumatoid factor",
    "ocular_staining_score": "Ocular staining score",
    "van_bijsterveld": "Van Bijsterveld score",
    "schirmer_mm_5min": "Schirmer test",
    "uwsf_ml_min": "Unstimulated saliva flow",
    "head_neck_radiation": "Head and neck radiation",
    "hepatitis_c": "Hepatitis C",
    "aids": "AIDS",
    "sarcoidosis": "Sarcoidosis",
    "amyloidosis": "Amyloidosis",
    "gvhd": "Graft-versus-host disease",
    "igg4_disease": "IgG4-related disease",
    "igg_g_l": "IgG",
    "rf_iu_ml": "Rheumatoid factor titre",
    "c3_low": "Low C3",
    "c4_low": "Low C4",
    "cryoglobulins": "Cryoglobulins",
    "monoclonal_component": "Monoclonal component",
    "lymphopenia": "Lymphopenia",
    "leukopenia": "Leukopenia",
    "beta2_microglobulin_mg_l": "Beta-2 microglobulin",
    "esr_mm_h": "ESR",
    "crp_mg_l": "CRP",
    "salivary_gland_enlargement": "Salivary gland enlargement",
    "lymphadenopathy": "Lymphadenopathy",
    "raynaud": "Raynaud's phenomenon",
    "germinal_centres": "Germinal centres",
    "salivary_us_score": "Salivary ultrasound score",
    "essdai_constitutional": "ESSDAI constitutional",
    "essdai_lymphadenopathy": "ESSDAI lymphadenopathy",
    "essdai_glandular": "ESSDAI glandular",
    "essdai_articular": "ESSDAI articular",
    "essdai_cutaneous": "ESSDAI cutaneous",
    "essdai_pulmonary": "ESSDAI pulmonary",
    "essdai_renal": "ESSDAI renal",
    "essdai_muscular": "ESSDAI muscular",
    "essdai_pns": "ESSDAI peripheral nervous",
    "essdai_cns": "ESSDAI central nervous",
    "essdai_haematological": "ESSDAI haematological",
    "essdai_biological": "ESSDAI biological",
    "esspri_dryness": "ESSPRI dryness",
    "esspri_fatigue": "ESSPRI fatigue",
    "esspri_pain": "ESSPRI pain",
    "anxiety": "HADS anxiety",
    "depression": "HADS depression",
    "hydroxychloroquine": "Hydroxychloroquine",
    "glucocorticoids": "Glucocorticoids",
    "immunosuppressants": "Immunosuppressant",
    "arm": "Arm (treated)",
    "esspri_change": "ESSPRI change",
    "lymphoma_time_years": "Time to lymphoma",
    "lymphoma_event": "Lymphoma event",
    # scores the workflow computes
    "essdai": "ESSDAI",
    "clinessdai": "ClinESSDAI",
    "esspri": "ESSPRI",
    "acr_eular_2016_points": "ACR/EULAR 2016 points",
    "lymphoma_risk_factors": "Lymphoma risk factors (of 7)",
}
"""Short label of each schema variable (and of the scores the workflow adds)."""

# units that add nothing next to the label
_SILENT_UNITS = {"level", "points"}


def display_name(column: str, schema: Schema = PSS_SCHEMA) -> str:
    """A column's name as a clinician reads it: its short label and unit.

    Schema variables get their label and unit (``"IgG (g/L)"``), expression
    columns their gene symbol (``"IFI44 (log2)"``); any other column is
    returned as it is.

    Parameters
    ----------
    column : str
        A column name (schema name, ``mol_`` gene or any other).
    schema : Schema, default=PSS_SCHEMA
        Where units come from.

    Returns
    -------
    str

    Examples
    --------
    >>> display_name("igg_g_l"), display_name("anti_ro"), display_name("mol_IFI44")
    ('IgG (g/L)', 'Anti-SSA/Ro', 'IFI44 (log2)')
    >>> display_name("essdai_glandular"), display_name("my_column")
    ('ESSDAI glandular', 'my_column')
    """
    name = str(column)
    if name.startswith("mol_"):
        return f"{name[4:]} (log2)"
    label = LABELS.get(name)
    if label is None:
        return name
    variable = schema.get(name) if hasattr(schema, "get") else None
    unit = getattr(variable, "unit", None)
    if unit and unit not in _SILENT_UNITS:
        return f"{label} ({unit})"
    return label
