"""REDCap exports: records (raw or labelled) with the project's data dictionary.

REDCap exports a project's records as CSV, either *raw* (field names as
headers, choice codes as values) or *labelled* (field labels as headers,
choice labels as values), and describes the fields in its data dictionary
(CSV with ``Variable / Field Name``, ``Field Type``, ``Field Label``,
``Choices, Calculations, OR Slider Labels``...). :func:`read_redcap` reads
both into one row per record, in field names, with the choices as value
labels in ``attrs`` (so one Harmonizer mapping keyed by the labels maps a raw
and a labelled export alike).
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from .._cohort import _read_delimited

__all__ = ["read_redcap", "redcap_choices"]

NAME, FORM, TYPE, LABEL, CHOICES = ("Variable / Field Name", "Form Name", "Field Type",
                                    "Field Label",
                                    "Choices, Calculations, OR Slider Labels")
REPEAT = ("redcap_repeat_instrument", "redcap_repeat_instance")
EVENT = "redcap_event_name"
_LABELLED_HEADERS = {"Repeat Instrument": REPEAT[0], "Repeat Instance": REPEAT[1],
                     "Data Access Group": "redcap_data_access_group", "Event Name": EVENT}
"""The headers of REDCap's own columns in a labelled export."""
_CHECKED = {"0": "Unchecked", "1": "Checked"}
_FIXED = {"yesno": {"1": "Yes", "0": "No"}, "truefalse": {"1": "True", "0": "False"}}


def redcap_choices(text: Any) -> dict[str, str]:
    """The choices of a dictionary row: ``"1, Female | 2, Male"`` -> ``{"1": "Female", ...}``.

    Examples
    --------
    >>> redcap_choices("1, Female | 2, Male | 9, Not known, or refused")
    {'1': 'Female', '2': 'Male', '9': 'Not known, or refused'}
    """
    if not isinstance(text, str) or not text.strip():
        return {}
    out = {}
    for part in text.split("|"):
        code, _, label = part.partition(",")
        if code.strip():
            out[code.strip()] = label.strip()
    return out


def checkbox_column(field: str, code: str) -> str:
    """The column REDCap exports for one checkbox choice: ``field___code`` (code in lower
    case, other characters than letters, digits and ``_`` as ``_``)."""
    return f"{field}___{re.sub(r'[^a-z0-9_]', '_', code.lower())}"


def _table(source: pd.DataFrame | str | os.PathLike, what: str) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.copy()
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file ({what}).")
    return _read_delimited(path, None, ",", dtype=str)


def read_redcap(records: pd.DataFrame | str | os.PathLike,
                dictionary: pd.DataFrame | str | os.PathLike, *,
                repeating: str = "report", event: str | None = None) -> pd.DataFrame:
    """Read a REDCap export (raw or labelled) with its data dictionary: one row per record.

    Headers that are field labels (a labelled export) become field names;
    checkbox fields are the columns REDCap exports, ``field___code``, one per
    choice (0/1 raw, ``Checked``/``Unchecked`` labelled). Every cell is read
    as text. ``attrs["value_labels"]`` holds each field's choices (radio,
    dropdown, yes/no, true/false; ``Unchecked``/``Checked`` for a checkbox
    column) and ``attrs["variable_labels"]`` the field labels (``Field label
    (choice=Dry eyes)`` for a checkbox column), so the
    :class:`~stratify.data.Harmonizer` maps codes by their labels.

    Rows of repeating instruments (``redcap_repeat_instrument`` filled) are
    not patients: with ``repeating="report"`` they are left out with a
    warning counting them per instrument (``attrs["repeating"]``);
    ``"first"`` or ``"last"`` puts the fields of each record's first or last
    instance into its row (a field holding another value on the record's own
    row is an error). A longitudinal export (``redcap_event_name``) needs ``event=``.

    Parameters
    ----------
    records, dictionary : DataFrame or path to a CSV file
    repeating : {"report", "first", "last"}, default="report"
    event : str, optional
        The event whose rows are the patients (longitudinal projects).

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> dictionary = pd.DataFrame({
    ...     "Variable / Field Name": ["record_id", "sex", "treated"],
    ...     "Form Name": ["baseline"] * 3, "Field Type": ["text", "radio", "checkbox"],
    ...     "Field Label": ["Record ID", "Sex", "Treatment"],
    ...     "Choices, Calculations, OR Slider Labels": ["", "1, Female | 2, Male",
    ...                                                 "1, HCQ | 2, Steroids"]})
    >>> records = pd.DataFrame({"record_id": ["1", "2"], "sex": ["1", "2"],
    ...                         "treated___1": ["1", "0"], "treated___2": ["0", "0"]})
    >>> frame = read_redcap(records, dictionary)
    >>> frame.attrs["value_labels"]["sex"], frame.attrs["variable_labels"]["treated___1"]
    ({'1': 'Female', '2': 'Male'}, 'Treatment (choice=HCQ)')
    """
    if repeating not in ("report", "first", "last"):
        raise ValueError(f"repeating must be 'report', 'first' or 'last'; got {repeating!r}.")
    where = records if not isinstance(records, pd.DataFrame) else "the REDCap records"
    fields = _dictionary(_table(dictionary, "REDCap data dictionary"))
    frame = _table(records, "REDCap records")
    frame = frame.rename(columns=_header_names(list(frame.columns), fields))
    value_labels, variable_labels = _labels(fields)
    if EVENT in frame.columns:
        events = list(dict.fromkeys(frame[EVENT].dropna()))
        if event is None and len(events) > 1:
            raise ValueError(f"{where}: a longitudinal export with events {events}; choose "
                             f"the event whose rows are the patients with event=.")
        if event is not None:
            if event not in events:
                raise ValueError(f"{where}: no event {event!r}; the events are {events}.")
            frame = frame[frame[EVENT] == event]
        frame = frame.drop(columns=[EVENT])
    frame, counts = _fold_repeats(frame, repeating, where)
    frame = frame.reset_index(drop=True)
    frame.attrs = {"source": str(where), "format": "redcap",
                   "value_labels": {c: v for c, v in value_labels.items() if c in frame},
                   "variable_labels": {c: v for c, v in variable_labels.items() if c in frame},
                   "repeating": counts}
    return frame


def _dictionary(table: pd.DataFrame) -> pd.DataFrame:
    names = {c: c.strip() for c in table.columns}
    table = table.rename(columns=names)
    missing = [c for c in (NAME, TYPE, LABEL, CHOICES) if c not in table.columns]
    if missing:
        raise ValueError(f"the REDCap data dictionary lacks the column(s) {missing}; export it "
                         f"from REDCap (Project Setup > Data Dictionary > Download).")
    return table.fillna("")


def _labels(fields: pd.DataFrame) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    value_labels: dict[str, dict[str, str]] = {}
    variable_labels: dict[str, str] = {}
    for _, row in fields.iterrows():
        name, kind, label = row[NAME].strip(), row[TYPE].strip(), _plain(row[LABEL])
        if kind == "checkbox":
            for code, choice in redcap_choices(row[CHOICES]).items():
                column = checkbox_column(name, code)
                value_labels[column] = dict(_CHECKED)
                variable_labels[column] = f"{label} (choice={choice})"
            continue
        if kind in ("radio", "dropdown"):
            value_labels[name] = redcap_choices(row[CHOICES])
        elif kind in _FIXED:
            value_labels[name] = dict(_FIXED[kind])
        if kind != "descriptive":
            variable_labels[name] = label
    return value_labels, variable_labels


def _plain(label: Any) -> str:
    """A field label without its HTML tags."""
    return re.sub(r"<[^>]+>", "", str(label)).strip()


def _header_names(headers: list[str], fields: pd.DataFrame) -> dict[str, str]:
    """Field names of a labelled export's headers (field labels; ``Label (choice=X)``)."""
    by_label: dict[str, list[str]] = {}
    for _, row in fields.iterrows():
        name, kind, label = row[NAME].strip(), row[TYPE].strip(), _plain(row[LABEL])
        if kind == "checkbox":
            for code, choice in redcap_choices(row[CHOICES]).items():
                by_label.setdefault(f"{label} (choice={choice})", []).append(
                    checkbox_column(name, code))
        else:
            by_label.setdefault(label, []).append(name)
    known = set(fields[NAME].str.strip())
    renames = {h: _LABELLED_HEADERS[h] for h in headers if h in _LABELLED_HEADERS}
    for header in headers:
        if header in known or header.startswith("redcap_") or "___" in header:
            continue
        names = by_label.get(header.strip(), [])
        if len(names) == 1:
            renames[header] = names[0]
    return renames


def _fold_repeats(frame: pd.DataFrame, repeating: str, where: Any
                  ) -> tuple[pd.DataFrame, dict[str, int]]:
    if REPEAT[0] not in frame.columns:
        return frame, {}
    instrument = frame[REPEAT[0]].fillna("").astype(str).str.strip()
    base = frame[instrument == ""].drop(columns=[c for c in REPEAT if c in frame.columns])
    rows = frame[instrument != ""]
    counts = {str(k): int(v) for k, v in rows[REPEAT[0]].value_counts(sort=False).items()}
    if not counts:
        return base, {}
    if repeating == "report":
        shown = ", ".join(f"{k!r} x {n}" for k, n in counts.items())
        warnings.warn(f"{where}: {sum(counts.values())} row(s) of repeating instruments left "
                      f"out ({shown}); pass repeating='first' or 'last' to keep one instance "
                      f"per record.", UserWarning, stacklevel=3)
        return base, counts
    id_column = frame.columns[0]
    order = pd.to_numeric(rows[REPEAT[1]], errors="coerce")
    rows = rows.assign(_order=order).sort_values([id_column, "_order"], kind="stable")
    chosen = rows.groupby(id_column, sort=False).nth(0 if repeating == "first" else -1)
    chosen = chosen.drop(columns=[*REPEAT, "_order"]).set_index(id_column)
    base = base.set_index(id_column)
    ids = chosen.index.intersection(base.index)
    chosen = chosen.loc[ids]
    clash = []
    for column in chosen.columns:
        new = chosen[column]
        filled_new = new.notna() & (new.astype(str) != "")
        if not filled_new.any():
            continue
        if column in base.columns:
            old = base.loc[ids, column]
            filled_old = old.notna() & (old.astype(str) != "")
            if (filled_old & filled_new & (old.astype(str) != new.astype(str))).any():
                clash.append(column)
                continue
        base.loc[ids[filled_new.to_numpy()], column] = new[filled_new]
    if clash:
        raise ValueError(f"{where}: field(s) {clash} hold other values on records' own rows "
                         f"than in their repeating instruments; read them with "
                         f"repeating='report'.")
    return base.reset_index(), counts
