"""Value labels: which labels mean "missing", and labelled codes read as their labels.

SPSS and Stata store a coded column as numbers with a label for each code
(``1 = "female"``, ``9 = "not done"``). A label that says the value is not
known (:data:`MISSING_LABELS`, in the languages of the registries) makes its
code missing wherever labels are used: in :meth:`stratify.Cohort.from_file`
and in the :class:`stratify.data.Harmonizer`, which both report how many
values they set to missing this way.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._keys import _canonical, _keys
from .._schema import Schema

MISSING_LABELS = frozenset({
    # English
    "missing", "missing value", "system missing", "sysmis", "unknown", "unk", "not known",
    "nk", "not done", "nd", "not measured", "not assessed", "not tested", "not recorded",
    "not available", "na", "n/a", "n.a.", "not applicable", "no data", "no answer",
    "refused", "don't know", "dont know", "do not know", "not specified", "unspecified",
    "not evaluated", "not examined", "not performed",
    # German
    "unbekannt", "nicht bekannt", "nicht durchgeführt", "nicht erhoben", "nicht gemessen",
    "fehlend", "fehlt", "keine angabe", "k.a.", "k. a.", "ka",
    # Swedish
    "okänt", "okänd", "ej utfört", "ej gjort", "ej känt", "saknas", "uppgift saknas",
    "vet ej",
    # French
    "inconnu", "inconnue", "non fait", "non réalisé", "non renseigné", "nr", "manquant",
    "ne sait pas", "nsp", "non disponible", "non évalué",
    # Spanish
    "desconocido", "desconocida", "no consta", "no realizado", "no disponible", "falta",
    "ns/nc", "no sabe", "perdido",
    # Italian, Dutch
    "sconosciuto", "non noto", "non eseguito", "mancante", "onbekend", "niet gedaan",
    "ontbrekend",
})
"""Labels (compared without case, accents kept, blanks squeezed) whose code means that
the value is missing: not done, unknown, not available... in English, German, Swedish,
French, Spanish, Italian and Dutch. A label made of several of them (``"unknown / not
done"``) or one of them with a note in brackets (``"not done (ND)"``) counts too."""

_BRACKETS = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]\s*")
_SPLIT = re.compile(r"\s*[/;,|]\s*")


def _plain(label: str) -> str:
    text = unicodedata.normalize("NFC", str(label)).casefold().strip()
    return re.sub(r"\s+", " ", text)


def means_missing(label: Any) -> bool:
    """Whether a value label says the value is missing (see :data:`MISSING_LABELS`).

    Examples
    --------
    >>> [means_missing(x) for x in ("not done", "Unknown / not done", "k.A.", "female",
    ...                             "Not done (ND)", "no", "n/a")]
    [True, True, True, False, True, False, True]
    """
    if not isinstance(label, str):
        return False
    text = _plain(label)
    if not text:
        return False
    if text in MISSING_LABELS:
        return True
    bare = _BRACKETS.sub(" ", text).strip()
    if bare and bare in MISSING_LABELS:
        return True
    parts = [p for p in _SPLIT.split(bare) if p]
    return len(parts) > 1 and all(p in MISSING_LABELS for p in parts)


def label_lookup(labels: Mapping[Any, Any]) -> dict[str, str]:
    """Value labels keyed by the canonical key of their code (``1``, ``1.0`` and ``"1"``
    are one code), labels stripped."""
    out: dict[str, str] = {}
    for code, label in labels.items():
        key = _canonical(code)
        if key is not None and label is not None:
            out[key] = str(label).strip()
    return out


def labels_of(frame: pd.DataFrame, column: str) -> dict[str, str]:
    """The value labels a reader kept for ``column`` (``frame.attrs["value_labels"]``)."""
    every = frame.attrs.get("value_labels") or {}
    labels = every.get(column)
    return label_lookup(labels) if isinstance(labels, Mapping) else {}


def shared_labels(labels: Mapping[str, str]) -> dict[str, list[str]]:
    """Labels given to more than one code (compared without case), missing labels aside:
    ``{label: [codes]}``."""
    codes: dict[str, list[str]] = {}
    for code, label in labels.items():
        if not means_missing(label):
            codes.setdefault(_plain(label), []).append(code)
    return {label: found for label, found in codes.items() if len(found) > 1}


def apply_cohort_labels(frame: pd.DataFrame, schema: Schema, where: str) -> pd.DataFrame:
    """A file's frame in schema codes: labelled codes that mean missing become missing
    (with a warning that counts them), and the labelled codes of a text variable of the
    schema (``sex`` stored as 1/2 labelled F/M) become their labels.

    Raises ``ValueError`` when the labels of a text variable collide (two codes with one
    label) or contradict the codes (code ``1`` labelled ``"2"`` where both are levels).
    """
    every = frame.attrs.get("value_labels") or {}
    if not every:
        return frame
    out = frame.copy()
    set_missing: dict[str, int] = {}
    problems: list[str] = []
    for column, raw_labels in every.items():
        var = schema.get(str(column))
        if column not in out.columns or var is None or var.kind == "id" \
                or not isinstance(raw_labels, Mapping):
            continue
        labels = label_lookup(raw_labels)
        keys = _keys(out[column])
        missing_codes = [code for code, label in labels.items() if means_missing(label)]
        gone = np.isin(keys, missing_codes) if missing_codes else np.zeros(len(keys), bool)
        if gone.any():
            set_missing[str(column)] = int(gone.sum())
        if var.is_numeric:
            if gone.any():
                out[column] = out[column].mask(pd.Series(gone, index=out.index))
            continue
        values = out[column].astype(object).to_numpy(copy=True)
        levels = None if var.levels is None else {str(v) for v in var.levels}
        present = set(keys[keys != None].tolist())  # noqa: E711 - elementwise
        clash = shared_labels({c: lab for c, lab in labels.items() if c in present})
        for label, codes in clash.items():
            problems.append(f"column {column!r}: the value labels collide: codes "
                            f"{', '.join(codes)} are all labelled {label!r}")
        for code, label in labels.items():
            if levels is not None and code in levels and label in levels and code != label:
                problems.append(f"column {column!r}: code {code} is labelled {label!r}, "
                                f"another level of {column!r}: the codes and their labels "
                                f"disagree")
        hit = np.array([k in labels for k in keys], dtype=bool) & ~gone
        values[hit] = [labels[k] for k in keys[hit]]
        values[gone] = None
        out[column] = pd.Series(values, index=out.index, dtype=object)
    if problems:
        raise ValueError(f"{where}: {len(problems)} problem(s) with the value labels:\n"
                         + "\n".join(f"  - {p}" for p in problems))
    if set_missing:
        shown = ", ".join(f"{c!r} x {n}" for c, n in set_missing.items())
        warnings.warn(f"{where}: {sum(set_missing.values())} value(s) whose label means "
                      f"missing (not done, unknown...) were set to missing: {shown}.",
                      UserWarning, stacklevel=3)
    out.attrs["labelled_missing"] = set_missing
    return out
