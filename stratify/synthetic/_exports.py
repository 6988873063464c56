"""The same patients as heterogeneous centre exports, and the mapping that undoes them."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._utils.deprecation import renamed_argument
from ..data import Cohort, Variable
from ._export_files import FILE_FORMATS, write_exports

__all__ = ["make_center_exports"]

_SEROLOGY = ("anti_ro", "anti_la", "ana", "rf")
_DURATIONS = {"age": "_birth", "disease_duration_years": "_diagnosis"}
_VISITS = (pd.Timestamp("2012-01-01"), pd.Timestamp("2022-12-31"))
_MAX_DATE_DECIMALS = 2  # whole days resolve 1/365.25 year: up to 2 decimals round-trip


@dataclass(frozen=True)
class _Style:
    """How one centre writes its export: names, language, units, codes, dates, sentinels."""

    language: str
    names: dict[str, str]
    rename: Callable[[str], str]
    gene: Callable[[str], str]
    yes_no: tuple[Any, Any]
    pos_neg: tuple[Any, Any]
    sex: dict[str, Any]
    date_format: str
    na_values: tuple[Any, ...]
    notes: tuple[str, ...]
    events: tuple[Any, Any, Any] | None = None
    essdai_words: tuple[str, str, str, str] | None = None
    essdai_offset: int = 0
    units: dict[str, float] = field(default_factory=dict)
    mol_offset: float = 0.0
    column_na: dict[str, tuple[Any, ...]] = field(default_factory=dict)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


_STYLES = (
    _Style(
        "English",
        {"patient_id": "PatientID", "sex": "Sex", "igg_g_l": "IgG_mg_dL",
         "uwsf_ml_min": "UWS_mL_15min", "schirmer_mm_5min": "Schirmer_mm", "anti_ro": "AntiSSA",
         "anti_la": "AntiSSB", "lymphoma_time_years": "FollowUp_months",
         "lymphoma_event": "Outcome", "_birth": "DOB", "_visit": "VisitDate",
         "_diagnosis": "DiagnosisDate", "_notes": "Comments"},
        _camel, lambda g: f"GE_{g}", ("Y", "N"), ("pos", "neg"), {"F": "Female", "M": "Male"},
        "%d/%m/%Y", (-9, 999, "", "NA"), ("", "", "see letter", "repeat labs"),
        events=("censored", "lymphoma", "death"),
        essdai_words=("none", "low", "moderate", "high"),
        units={"igg_g_l": 100.0, "uwsf_ml_min": 15.0, "lymphoma_time_years": 12.0},
        column_na={"schirmer_mm_5min": (-1,)},
    ),
    _Style(
        "German",
        {"patient_id": "Patientennummer", "sex": "Geschlecht", "igg_g_l": "IgG_mg_dl",
         "uwsf_ml_min": "Speichelfluss_ml_5min", "schirmer_mm_5min": "Schirmer_mm_5min",
         "anti_ro": "Anti_Ro_SSA", "anti_la": "Anti_La_SSB", "crp_mg_l": "CRP_mg_dl",
         "lymphoma_time_years": "Nachbeobachtung_Monate", "lymphoma_event": "Verlauf",
         "_birth": "Geburtsdatum", "_visit": "Visitendatum", "_diagnosis": "Diagnosedatum",
         "_notes": "Bemerkungen"},
        lambda n: n.upper().replace("_", "-"), lambda g: f"Expr_{g}", ("ja", "nein"),
        ("positiv", "negativ"), {"F": "w", "M": "m"}, "%d.%m.%Y", (-99, "", "k.A."),
        ("", "", "Kontrolle in 6 Monaten", "Befund folgt"),
        events=("zensiert", "Lymphom", "verstorben"),
        units={"igg_g_l": 100.0, "uwsf_ml_min": 5.0, "crp_mg_l": 0.1,
               "lymphoma_time_years": 12.0},
        mol_offset=8.0,
    ),
    _Style(
        "Swedish",
        {"patient_id": "PatID", "sex": "Kön", "igg_g_l": "IgG_g_l",
         "uwsf_ml_min": "saliv_ml_15min", "schirmer_mm_5min": "Schirmer_mm",
         "anti_ro": "antiSSA", "anti_la": "antiSSB", "lymphoma_time_years": "uppföljning_dagar",
         "lymphoma_event": "utfall", "_birth": "födelsedatum", "_visit": "besöksdatum",
         "_diagnosis": "diagnosdatum", "_notes": "kommentar"},
        str.upper, lambda g: f"GEN_{g}", (1, 2), (1, 2), {"F": "K", "M": "M"}, "%Y-%m-%d",
        (999, "", "okänt"), ("", "", "åter om 6 mån", "remiss skickad"),
        essdai_offset=1,
        units={"uwsf_ml_min": 15.0, "lymphoma_time_years": 365.25},
    ),
    _Style(
        "French",
        {"patient_id": "id_patient", "sex": "sexe", "igg_g_l": "IgG_g_L",
         "uwsf_ml_min": "debit_salivaire_ml_min", "schirmer_mm_5min": "Schirmer_mm_5min",
         "anti_ro": "anti_SSA", "anti_la": "anti_SSB", "esspri_dryness": "EVA_secheresse",
         "esspri_fatigue": "EVA_fatigue", "esspri_pain": "EVA_douleur",
         "lymphoma_time_years": "suivi_annees", "lymphoma_event": "evolution",
         "_birth": "date_naissance", "_visit": "date_visite", "_diagnosis": "date_diagnostic",
         "_notes": "remarques"},
        lambda n: n.replace("_", "."), lambda g: f"{g}.expr", ("oui", "non"),
        ("positif", "négatif"), {"F": "F", "M": "H"}, "%d/%m/%Y", (9999, "", "NR"),
        ("", "", "à revoir dans 6 mois", "bilan en cours"),
        events=("censuré", "lymphome", "décès"),
        units={"esspri_dryness": 10.0, "esspri_fatigue": 10.0, "esspri_pain": 10.0},
        column_na={"schirmer_mm_5min": (-1,)},
    ),
    _Style(
        "Spanish",
        {"patient_id": "id_paciente", "sex": "sexo", "igg_g_l": "IgG_mg_dl",
         "uwsf_ml_min": "saliva_ml_5min", "schirmer_mm_5min": "Schirmer_mm",
         "anti_ro": "anti_Ro", "anti_la": "anti_La", "lymphoma_time_years": "seguimiento_meses",
         "lymphoma_event": "evolucion", "_birth": "fecha_nacimiento", "_visit": "fecha_visita",
         "_diagnosis": "fecha_diagnostico", "_notes": "comentarios"},
        lambda n: " ".join(part.capitalize() for part in n.split("_")), lambda g: f"ARN_{g}",
        ("sí", "no"), ("positivo", "negativo"), {"F": "M", "M": "H"}, "%d-%m-%Y",
        (-9, "", "desconocido"), ("", "", "control en 6 meses", "pendiente de biopsia"),
        events=("censurado", "linfoma", "muerte"),
        essdai_words=("ninguna", "baja", "moderada", "alta"),
        units={"igg_g_l": 100.0, "uwsf_ml_min": 5.0, "lymphoma_time_years": 12.0},
    ),
)


def _decimals(values: np.ndarray, largest: int = 10) -> int | None:
    """The fewest decimals that leave every finite value unchanged, if at most ``largest``."""
    finite = values[np.isfinite(values)]
    for d in range(largest + 1):
        if np.array_equal(np.round(finite, d), finite):
            return d
    return None


def _scale(multiplier: float) -> float | str:
    """The mapping's scale that undoes ``multiplier``: a short number or a fraction text."""
    inverse = 1.0 / multiplier
    return round(inverse, 4) if round(inverse, 4) == inverse else f"1/{multiplier:g}"


def _plain(value: Any) -> Any:
    """A JSON-friendly Python scalar."""
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass
class _Column:
    """One export column: its cells (object array, ``None`` where missing) and its rule."""

    name: str
    cells: np.ndarray
    rule: Any
    numeric: bool


def _coded(values: np.ndarray, codes: dict[Any, Any]) -> np.ndarray:
    """Export codes of schema levels (``codes`` maps schema level -> export code)."""
    out = np.full(values.shape, None, dtype=object)
    for level, code in codes.items():
        out[values == level] = code
    return out


def _column(name: str, values: pd.Series, var: Variable, style: _Style,
            export_name: str) -> _Column:
    """Encode one schema column the way ``style`` would."""
    if var.kind in ("binary", "ordinal", "event", "continuous", "time"):
        x = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        x = values.to_numpy(dtype=object)
    if var.kind == "binary":
        yes, no = style.pos_neg if name in _SEROLOGY else style.yes_no
        return _Column(export_name, _coded(x, {1.0: yes, 0.0: no}),
                       {"to": name, "codes": {_plain(yes): 1, _plain(no): 0}}, False)
    if var.kind == "categorical" and name == "sex":
        return _Column(export_name, _coded(x, style.sex),
                       {"to": name, "codes": {v: k for k, v in style.sex.items()}}, False)
    if var.kind == "event" and style.events is not None:
        codes = dict(zip(var.levels or (), style.events))
        return _Column(export_name, _coded(x, {float(k): v for k, v in codes.items()}),
                       {"to": name, "codes": {v: int(k) for k, v in codes.items()}}, False)
    if var.kind == "ordinal" and name.startswith("essdai_"):
        if style.essdai_words is not None:
            codes = {int(level): style.essdai_words[int(level)] for level in var.levels or ()}
            return _Column(export_name, _coded(x, {float(k): v for k, v in codes.items()}),
                           {"to": name, "codes": {v: k for k, v in codes.items()}}, False)
        if style.essdai_offset:
            return _Column(export_name, _as_cells(x + style.essdai_offset),
                           {"to": name, "offset": -style.essdai_offset}, True)
    if var.kind in ("continuous", "time"):
        multiplier = style.units.get(name, 1.0)
        offset = style.mol_offset if name.startswith("mol_") else 0.0
        if multiplier != 1.0 or offset:
            rule: dict[str, Any] = {"to": name}
            if multiplier != 1.0:
                rule["scale"] = _scale(multiplier)
            if offset:
                rule["offset"] = -offset
            decimals = _decimals(x)
            if decimals is not None:
                rule["decimals"] = decimals
            return _Column(export_name, _as_cells(x * multiplier + offset), rule, True)
    if name in style.column_na:
        return _Column(export_name, _as_cells(x),
                       {"to": name, "na_values": list(style.column_na[name])}, True)
    return _Column(export_name, _as_cells(x) if var.is_numeric else x, name, var.is_numeric)


def _as_cells(x: np.ndarray) -> np.ndarray:
    cells = x.astype(object)
    cells[~np.isfinite(x)] = None
    return cells


def _dates_for(durations: np.ndarray, visits: pd.DatetimeIndex, decimals: int
               ) -> pd.DatetimeIndex | None:
    """Dates ``days`` before the visits such that round(days / 365.25, decimals) gives back
    the durations; ``None`` when whole days cannot (too many decimals)."""
    finite = np.isfinite(durations)
    target = np.where(finite, durations, 0.0)
    nearest = np.rint(target * 365.25)
    days = nearest
    for step in (-1.0, 1.0):  # float rounding at a half-way point: try the neighbours
        wrong = np.round(days / 365.25, decimals) != target
        days = np.where(wrong, nearest + step, days)
    if np.any(np.round(days / 365.25, decimals) != target):
        return None
    offsets = pd.to_timedelta(days, unit="D")
    dates = visits - offsets
    return dates.where(finite)


def make_center_exports(cohort: Cohort, random_state: int = 0, *,
                        out: str | os.PathLike | None = None, file_format: str = "csv",
                        seed: int | None = None) -> tuple[dict[str, pd.DataFrame], dict]:
    """The cohort as heterogeneous centre exports, with the mapping that harmonizes them.

    Each centre of ``cohort.data["center"]`` writes its patients the way a
    real registry might: column names in its language (English, German,
    Swedish, French or Spanish), other units (IgG in mg/dL, saliva per 5 or
    15 minutes, CRP in mg/dL, ESSPRI on a 0-100 scale, follow-up in months
    or days, expression on the raw log2 scale), code lists (``Y``/``N``,
    ``ja``/``nein``, ``1``/``2``, ``pos``/``neg``, ``positivo``/``negativo``,
    localized sex and outcome labels, ESSDAI levels as words or 1-based),
    missing values written as sentinels (``-9``, ``999``, ``"k.A."``...), a
    visit date, a birth date instead of the age and a diagnosis date instead
    of the disease duration, shuffled column order and a free-text column
    that the mapping ignores.

    ``Harmonizer(mapping).transform(exports)`` gives back ``cohort.data``
    (rows come back centre by centre, so the order is the same when the
    cohort lists its patients in centre blocks, as :func:`make_pss_cohort`
    does):
    codes, sentinels and dates exactly, unit conversions to the last bit where
    the cohort's values have at most 10 decimals (the mapping carries
    ``decimals``) and to about 1e-15 relative otherwise. Ages and durations
    travel as whole days, which resolves 1/365.25 year: with at most two
    decimals they round-trip exactly (the mapping carries ``decimals``); with
    more, the column is exported as a number in months instead and the
    mapping's ``description`` says so.

    Parameters
    ----------
    cohort : Cohort
        Schema columns with ``center``; every patient must have a centre.
    random_state : int, default=0
        Chooses the centres' styles, visit dates, which sentinel marks each
        missing cell, column order and free-text notes. Same seed, same exports.
    out : str or path-like, optional
        A folder to write the exports to, one file a centre
        (``<centre>.<file_format>``), with the mapping as ``mapping.json``.
        ``Harmonizer(mapping).transform(out)`` then gives back ``cohort.data``.
    file_format : {"csv", "tsv", "xlsx", "sav", "dta", "xpt", "sas7bdat", "parquet"}
        The files' format (with ``out``). The typed formats store what a
        registry's file of that kind would: Excel numbers, text and dates as
        cells of their type; SPSS (``.sav``) and Stata (``.dta``) the coded text
        columns as integer codes with value labels (so the code lists map them
        through their labels) and dates as dates; SAS and Parquet one type a
        column. Column names the format does not allow (``Kön`` in SAS,
        ``anti.SSA`` in Stata, blanks) are changed and the export's name kept
        as the variable label; the returned exports and mapping carry the
        names of the files. Text sentinels of numeric columns are missing in
        the typed formats. Needs ``stratify[formats]`` for all but CSV and TSV.

    seed : int, optional
        The name of ``random_state`` in stratify 0.1; works with a
        FutureWarning until 0.3.

    Returns
    -------
    exports : dict of str to DataFrame
        One export per centre, keyed by the centre's name, rows in cohort order
        (with ``out``: the values as made, under the files' column names).
    mapping : dict
        The harmonization mapping (plain Python types: JSON and YAML ready);
        with ``out``, for the files' column names, each centre's ``file``
        named.

    Examples
    --------
    >>> import pathlib
    >>> import pandas as pd
    >>> from stratify.data import Cohort, Harmonizer
    >>> cohort = Cohort(pd.DataFrame({
    ...     "patient_id": ["p1", "p2", "p3"], "center": ["Lund", "Lund", "Brest"],
    ...     "sex": ["F", "M", "F"], "age": [54.2, 61.0, None], "anti_ro": [1, 0, None],
    ...     "igg_g_l": [14.3, 9.9, 21.0]}))
    >>> exports, mapping = make_center_exports(cohort, random_state=0)
    >>> sorted(exports)
    ['Brest', 'Lund']
    >>> harmonized = Harmonizer(mapping).transform(exports)
    >>> pd.testing.assert_frame_equal(harmonized, cohort.data)

    Written to a folder, in Stata's format:

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> _, mapping = make_center_exports(cohort, random_state=0, out=folder, file_format="dta")
    >>> sorted(p.name for p in pathlib.Path(folder).iterdir())
    ['Brest.dta', 'Lund.dta', 'mapping.json']
    >>> pd.testing.assert_frame_equal(Harmonizer(mapping).transform(folder), cohort.data)
    """
    if not isinstance(cohort, Cohort):
        raise TypeError(f"make_center_exports expects a Cohort; got {type(cohort).__name__}.")
    if file_format not in FILE_FORMATS:
        raise ValueError(f"file_format must be one of {list(FILE_FORMATS)}; got "
                         f"{file_format!r}.")
    if out is None and file_format != "csv":
        raise ValueError(f"file_format={file_format!r} says how to write the exports: give the "
                         f"folder too (out=...).")
    data = cohort.data
    if "center" not in data.columns:
        raise ValueError("make_center_exports needs a 'center' column in cohort.data.")
    no_centre = data["center"].isna().to_numpy()
    if no_centre.any():
        shown = ", ".join(map(str, data.index[no_centre][:5]))
        raise ValueError(f"column 'center': every patient needs a centre to be exported "
                         f"({int(no_centre.sum())} rows without one: {shown}).")
    unknown = [c for c in data.columns if cohort.schema.get(str(c)) is None]
    if unknown:
        raise ValueError(f"column(s) {unknown} are not variables of the schema; exports are "
                         f"made from schema columns only.")

    seed = renamed_argument("make_center_exports()", "seed", "random_state", seed,
                            random_state, 0)
    rng = np.random.default_rng(seed)
    centres = [str(c) for c in pd.unique(data["center"])]
    order = rng.permutation(len(_STYLES))
    exports: dict[str, pd.DataFrame] = {}
    mapping: dict[str, Any] = {"centres": {}}
    notes: list[str] = []
    for i, centre in enumerate(centres):
        style = _STYLES[order[i % len(_STYLES)]]
        rows = data[data["center"].astype(str).to_numpy() == centre]
        export, spec, fallback = _export_centre(rows, cohort, style, rng)
        exports[centre] = export
        mapping["centres"][centre] = spec
        notes += [f"centre {centre!r}: {f}" for f in fallback]
    mapping["description"] = (
        f"Mapping of {len(centres)} synthetic centre exports (make_center_exports, random_state={seed})."
        + ("" if not notes else " " + "; ".join(notes) + "."))
    if out is not None:
        return write_exports(exports, mapping, out, file_format)
    return exports, mapping


def _export_centre(rows: pd.DataFrame, cohort: Cohort, style: _Style,
                   rng: np.random.Generator) -> tuple[pd.DataFrame, dict, list[str]]:
    n = len(rows)
    names = style.names
    columns: list[_Column] = [
        _Column(names["patient_id"], rows.index.to_numpy(dtype=object), "patient_id", False)]
    fallback: list[str] = []
    start, end = _VISITS
    visits = pd.DatetimeIndex(start + pd.to_timedelta(
        rng.integers(0, (end - start).days + 1, size=n), unit="D"))
    date_rule = {"date": style.date_format, "reference": names["_visit"], "unit": "years"}
    uses_visit = False
    for col in rows.columns:
        name = str(col)
        if name == "center":
            continue
        var = cohort.schema[name]
        export_name = names.get(name) or (style.gene(name[4:]) if name.startswith("mol_")
                                          else style.rename(name))
        if name in _DURATIONS:
            x = rows[name].to_numpy(dtype=float, na_value=np.nan)
            decimals = _decimals(x, _MAX_DATE_DECIMALS)
            dates = None if decimals is None else _dates_for(x, visits, decimals)
            if dates is not None:
                cells = np.asarray(dates.strftime(style.date_format), dtype=object)
                cells[dates.isna()] = None
                columns.append(_Column(names[_DURATIONS[name]], cells,
                                       {"to": name, **date_rule, "decimals": decimals}, False))
                uses_visit = True
                continue
            fallback.append(f"{name!r} has more than {_MAX_DATE_DECIMALS} decimals, so it is "
                            f"exported in months rather than as a date")
            columns.append(_Column(f"{export_name}_months", _as_cells(x * 12.0),
                                   {"to": name, "scale": "1/12"}, True))
            continue
        columns.append(_column(name, rows[name], var, style, export_name))
    if uses_visit:
        columns.append(_Column(names["_visit"], np.asarray(
            visits.strftime(style.date_format), dtype=object),
            {"role": "reference_date", "date": style.date_format}, False))
    columns.append(_Column(names["_notes"], rng.choice(np.array(style.notes, dtype=object), n),
                           None, False))
    exported = [c.name for c in columns]
    if len(set(exported)) != len(exported):  # a style's names must stay distinct
        raise RuntimeError(f"{style.language} export has duplicated column names.")

    sentinels = _free_sentinels(style.na_values, columns)
    choices = np.array([*sentinels, None], dtype=object)
    frame: dict[str, np.ndarray] = {}
    for column in columns:
        cells = column.cells.copy()
        if column.rule is not None and column.rule != "patient_id":
            missing = pd.isna(cells)
            if missing.any():
                na = (style.column_na.get(str(column.rule.get("to")), ())
                      if isinstance(column.rule, dict) else ())
                options = np.array([*na, *choices], dtype=object) if column.numeric else choices
                cells[missing] = rng.choice(options, int(missing.sum()))
        frame[column.name] = cells
    export = pd.DataFrame(frame)
    export = export[[export.columns[j] for j in rng.permutation(export.shape[1])]]
    export = export.infer_objects()
    spec = {
        "na_values": [_plain(v) for v in sentinels],
        "columns": {c.name: c.rule for c in columns if c.rule is not None},
        "ignore": [names["_notes"]],
    }
    return export, spec, fallback


def _free_sentinels(candidates: tuple[Any, ...], columns: list[_Column]) -> list[Any]:
    """The centre's sentinels that no real value of a mapped column equals (none is lost)."""
    numbers = np.array([v for v in candidates if not isinstance(v, str)], dtype=float)
    texts = {str(v) for v in candidates}
    clash: set[str] = set()
    for column in columns:
        if column.rule is None or column.rule == "patient_id":
            continue
        if column.numeric:
            values = pd.to_numeric(pd.Series(column.cells), errors="coerce").to_numpy(float)
            clash.update(str(v) for v in numbers[np.isin(numbers, values)])
        else:
            present = pd.unique(pd.Series(column.cells).dropna())
            clash.update(str(v).strip() for v in present if str(v).strip() in texts)
            clash.update(str(float(v)) for v in present
                         if isinstance(v, (int, float)) and float(v) in numbers)
    return [v for v in candidates
            if (str(float(v)) if not isinstance(v, str) else str(v)) not in clash
            and str(v) not in clash]
