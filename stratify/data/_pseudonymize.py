"""Keyed-hash pseudonyms for patient ids (HMAC-SHA-256), for exports that leave the registry."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .._utils.rows import MAX_SHOWN as MAX_ROWS_SHOWN
from ._schema import PSS_SCHEMA, Schema

__all__ = ["pseudonymize", "new_key", "KEY_BYTES", "MIN_KEY_BYTES", "MIN_TEXT_KEY_BYTES",
           "MIN_KEY_BITS", "PSEUDONYM_HEX_CHARS"]

KEY_BYTES = 32
"""Length of the keys made by :func:`new_key`: 256 random bits."""

MIN_KEY_BYTES = 32
"""Shortest accepted key: SHA-256's output length, below which RFC 2104 discourages HMAC keys."""

MIN_TEXT_KEY_BYTES = 64
"""Shortest accepted key made of printable ASCII only (e.g. ``secrets.token_hex(32)``):
text carries at most 6.6 bits per character, and text chosen by a person far less."""

MIN_KEY_BITS = 128
"""Least entropy a key must show: its length times the Shannon entropy of its byte values."""

PSEUDONYM_HEX_CHARS = 16
"""Hex characters kept from the HMAC: 64 bits."""

_ID = "patient_id"
_NOT_WORD = re.compile(r"[\W_]+")
_MIN_CHANCE_ROWS = 3


def new_key() -> bytes:
    """A new pseudonymization key: 32 bytes from the operating system's secure generator.

    Keep it where the data manager keeps other secrets, apart from every
    export; as text it is ``key.hex()`` and comes back with ``bytes.fromhex``.

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.data import new_key, pseudonymize
    >>> key = new_key()
    >>> len(key), key == new_key()
    (32, False)
    >>> bytes.fromhex(key.hex()) == key
    True
    >>> out = pseudonymize(pd.DataFrame({"patient_id": ["P001"], "age": [54]}), key)
    >>> bool(out["patient_id"].str.fullmatch(r"PS[0-9a-f]{16}").all())
    True
    """
    key = secrets.token_bytes(KEY_BYTES)
    while _weakness(key) is not None:  # pragma: no cover - below 1e-9 per key
        key = secrets.token_bytes(KEY_BYTES)
    return key


def _pattern_period(values: bytes) -> int:
    """The shortest p such that ``values`` repeats every p bytes (its length if none)."""
    for p in range(1, len(values)):
        if values[p:] == values[:-p]:
            return p
    return len(values)


def _weakness(key: bytes) -> str | None:
    """Why ``key`` is evidently guessable, or None (which does not prove it random)."""
    n = len(key)
    if all(0x20 <= b < 0x7F for b in key) and n < MIN_TEXT_KEY_BYTES:
        return (f"it is printable text of {n} characters, a password or passphrase that a "
                f"dictionary finds; text keys must have at least {MIN_TEXT_KEY_BYTES} "
                "characters")
    steps = bytes((b - a) % 256 for a, b in zip(key, key[1:]))
    period = min(_pattern_period(key), _pattern_period(steps))
    if period <= n // 2:
        return f"it follows a pattern that repeats every {period} byte(s)"
    counts = Counter(key).values()
    bits = -n * sum(c / n * math.log2(c / n) for c in counts)
    if bits < MIN_KEY_BITS:
        return (f"it has {len(counts)} distinct byte values, about {bits:.0f} bits of "
                f"entropy (length x Shannon entropy of its bytes), fewer than {MIN_KEY_BITS}")
    return None


def _key_bytes(key: Any) -> bytes:
    # messages describe the key's type, length and weakness only, never its content
    if isinstance(key, str):
        raise TypeError("The 'key' parameter of pseudonymize must be bytes: random key "
                        "material such as stratify.data.new_key(). Got a str instead; a key "
                        "saved as hex text is read back with bytes.fromhex(text).")
    if isinstance(key, (bytearray, memoryview)):
        key = bytes(key)
    elif not isinstance(key, bytes):
        raise TypeError("The 'key' parameter of pseudonymize must be bytes, e.g. "
                        f"stratify.data.new_key(). Got an object of type {type(key).__name__} "
                        "instead.")
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"The 'key' parameter of pseudonymize must be at least "
                         f"{MIN_KEY_BYTES} bytes long (stratify.data.new_key() makes one). "
                         f"Got a key of {len(key)} bytes instead.")
    weakness = _weakness(key)
    if weakness is not None:
        raise ValueError(f"The 'key' parameter of pseudonymize is too weak: {weakness}. Use "
                         "a random key, e.g. stratify.data.new_key().")
    return key


def _rows(positions: np.ndarray) -> str:
    shown = ", ".join(str(i + 1) for i in positions[:MAX_ROWS_SHOWN])
    more = ", ..." if len(positions) > MAX_ROWS_SHOWN else ""
    return f"rows {shown}{more}"


def _id_text(ids: pd.Index) -> list[str]:
    """Each id as hashed: its text, surrounding spaces removed (123 and "123" agree)."""
    text = [str(v).strip() for v in ids]
    missing = np.asarray(pd.isna(ids)) | np.array([t == "" for t in text], bool)
    if missing.any():
        raise ValueError(f"pseudonymize: column 'patient_id' must not be missing "
                         f"({int(missing.sum())} rows: {_rows(np.flatnonzero(missing))}).")
    # one patient, one row: ids that differ only by spaces or letter case are one patient
    # written twice, or two patients a reader cannot tell apart
    canonical = pd.Index(["".join(unicodedata.normalize("NFKC", t).split()).casefold()
                          for t in text])
    shared = canonical.duplicated(keep=False)
    if shared.any():
        variants = int((shared & ~pd.Index(text).duplicated(keep=False)).sum())
        raise ValueError(
            f"pseudonymize: column 'patient_id' must hold one row per patient; "
            f"{int(shared.sum())} rows ({_rows(np.flatnonzero(shared))}) share their id with "
            f"another row once spaces and letter case are ignored ({variants} of them "
            "written differently). Merge or correct them before export: they would get "
            "one pseudonym, or pseudonyms a reader cannot tell apart.")
    return text


def _pseudonyms(text: list[str], key: bytes, prefix: str) -> pd.Index:
    out = [prefix + hmac.new(key, t.encode("utf-8"), hashlib.sha256).hexdigest()
           [:PSEUDONYM_HEX_CHARS] for t in text]
    if pd.Index(out).has_duplicates:  # pragma: no cover - about 3e-8 for a million patients
        raise ValueError("pseudonymize: two different patient ids received the same "
                         "pseudonym (a truncated-hash collision); use another key.")
    return pd.Index(out, name=_ID)


def _token(value: Any) -> str:
    """A value as compared with the ids: letters and digits only, case-folded."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", str(value))).casefold()


class _IdMatcher:
    """Counts the rows of a column that reveal a patient id.

    A value reveals an id when it is, or contains, the row's own id, or is any
    patient's id, compared on letters and digits ignoring case
    ("ukpssr 0001" reveals "UKPSSR-0001"). Ids of digits only, or shorter
    than 4 characters, are compared with their own row only and count when
    they fill at least 90 % of the column's values, and 3 rows, since a score
    or an age may equal a short number by chance.
    """

    def __init__(self, ids: list[str]):
        self.tokens = [_token(v) for v in ids]
        self.distinct = [len(t) >= 4 and not t.isdigit() for t in self.tokens]
        self.known = {t for t, d in zip(self.tokens, self.distinct) if d}
        self.numbers = pd.to_numeric(pd.Series(self.tokens), errors="coerce").to_numpy(float)

    def rows(self, values: pd.Series) -> int:
        """Rows whose value reveals an id; 0 unless the column carries ids."""
        if pd.api.types.is_bool_dtype(values):
            return 0
        present = values.notna().to_numpy()
        if pd.api.types.is_numeric_dtype(values):
            strong, chance = 0, int(np.sum(values.to_numpy(float) == self.numbers))
        else:
            cells = [_token(v) if p else "" for v, p in zip(values, present)]
            strong = chance = 0
            for cell, own, distinct in zip(cells, self.tokens, self.distinct):
                if not cell:
                    continue
                if cell in self.known or (distinct and own in cell):
                    strong += 1
                elif not distinct and cell == own:
                    chance += 1
        if strong or chance >= max(_MIN_CHANCE_ROWS, 0.9 * present.sum()):
            return strong + chance
        return 0


def _check_no_ids(columns: dict[str, pd.Series], ids: list[str]) -> None:
    matcher = _IdMatcher(ids)
    leaks = {name: matcher.rows(values) for name, values in columns.items()}
    leaks = {name: n for name, n in leaks.items() if n}
    if leaks:
        found = ", ".join(f"{name} ({n} rows)" for name, n in leaks.items())
        raise ValueError(
            f"pseudonymize: {found} hold the patient ids being replaced (or text containing "
            "them); the export would carry the ids next to their pseudonyms. Remove these "
            "columns (or index) before export.")


def pseudonymize(cohort: Any, key: bytes, *, keep: Iterable[str] = (),
                 prefix: str = "PS") -> Any:
    """Replace patient ids by keyed-hash pseudonyms and keep only the schema's columns.

    Each id (as text, surrounding spaces removed, so ``123`` and ``"123"``
    agree) becomes ``prefix`` + the first 16 hex characters (64 bits) of
    HMAC-SHA-256(key, id). The same patient under the same key gets the same
    pseudonym in every export, so exports can be linked by whoever holds
    them; among n patients two share a pseudonym with probability about
    n² / 2^65 (3e-8 for a million patients), and that raises an error.

    What goes out: the pseudonymized ids, the columns of the schema
    (:data:`~stratify.data.PSS_SCHEMA`, or the cohort's own) and the columns
    named in ``keep``, nothing else. Other columns (names, hospital numbers,
    postal codes, visit dates, free text, old ids...) are dropped, with a
    warning that names them, so a column a centre adds to its source never
    reaches an export unnoticed. Rows come out in pseudonym order (an input
    sorted by id would otherwise give each patient's rank, hence, from a list
    of ids, the id), with a fresh row index. Refused, with the rule and the rows (never
    the values):

    - an id missing, or shared by two rows, even when written differently
      (``"P001 "``, ``"p001"``): one row per patient;
    - any kept column, or the index, whose values are the ids being replaced
      or contain them (a ``record`` column copied from ``patient_id``);
    - kept columns whose names look like direct identifiers;
    - a key that is not random bytes: shorter than 32 bytes, printable text
      shorter than 64 characters, a repeating pattern or fewer than 128 bits
      of estimated entropy. :func:`new_key` makes a key that passes.

    Threat model. The attacker is anyone who holds an export without the
    key: a collaborating centre, an analyst, whoever finds the file. They
    know how ids are formed (``UKPSSR-0001``, hospital numbers) and can list
    every candidate. With a plain hash, or a key from a dictionary, they
    would hash the candidates and read each patient's id back; with a random
    256-bit key they cannot compute a single pseudonym, so the pseudonyms
    alone tell them nothing, and exports made under different keys cannot be
    linked. The key does not protect against: whoever holds both key and
    export (the data manager can re-identify, by design); linkage on the
    values that remain (age, sex, centre, a rare ESSDAI profile can single a
    patient out: pseudonymized data are still personal data under the GDPR);
    small cells in tables made from the export; linkage of exports made with
    the same key (intended). The key is used, not kept: it is not stored on
    the result, and no message shows it.

    Parameters
    ----------
    cohort : Cohort or DataFrame
        One row per patient. A DataFrame may hold ``patient_id`` as a column
        or as its index; the result keeps the same layout.
    key : bytes
        Secret random key of at least 32 bytes, from :func:`new_key`. Text
        (``str``) is refused: a key saved as ``key.hex()`` is read back with
        ``bytes.fromhex(text)``.
    keep : iterable of str, default=()
        Columns outside the schema to export as well (checked as above).
    prefix : str, default="PS"
        Marks the ids as pseudonyms.

    Returns
    -------
    Cohort or DataFrame
        A new object of the input's type; a cohort's ``truth`` is re-indexed
        with the same pseudonyms.

    Warns
    -----
    UserWarning
        Naming the columns dropped because they are not in the schema.

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.data import pseudonymize
    >>> df = pd.DataFrame({"patient_id": ["P001", "P002"], "age": [54, 61],
    ...                    "hospital_number": ["H-9-1", "H-9-2"],
    ...                    "record": ["p001", "p002"]})
    >>> key = bytes.fromhex("7f3c9a1e5d2b8f4067e1c3a95b0d2e8f"
    ...                     "41a6c7d9e3f5b2081c4d6e8fa0b3c5d7")  # new_key() in practice
    >>> pseudonymize(df, key, keep=["record"])
    Traceback (most recent call last):
    ...
    ValueError: pseudonymize: column 'record' (2 rows) hold the patient ids being replaced ...
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     out = pseudonymize(df, key)
    >>> print(caught[0].message)
    pseudonymize dropped 2 column(s) not in the schema: ['hospital_number', 'record']; ...
    >>> out
               patient_id  age
    0  PSa6ab014f8b67254a   54
    1  PSd5a62371104fc13e   61
    >>> pseudonymize(df.iloc[[1], :2], key)["patient_id"].tolist()  # same patient, same pseudonym
    ['PSd5a62371104fc13e']
    """
    from ._cohort import Cohort, identifier_columns

    secret = _key_bytes(key)
    if not isinstance(prefix, str):
        raise TypeError(f"The 'prefix' parameter of pseudonymize must be a str. Got "
                        f"{type(prefix).__name__} instead.")
    keep = [keep] if isinstance(keep, str) else list(keep)
    data = cohort.data if isinstance(cohort, Cohort) else cohort
    if not isinstance(data, pd.DataFrame):
        raise TypeError("The 'cohort' parameter of pseudonymize must be a Cohort or a pandas "
                        f"DataFrame. Got {type(cohort).__name__} instead.")
    schema: Schema = cohort.schema if isinstance(cohort, Cohort) else PSS_SCHEMA
    absent = [c for c in keep if c not in data.columns and c not in data.index.names]
    if absent:
        raise ValueError(f"The 'keep' parameter of pseudonymize names columns absent from "
                         f"the data: {absent}.")
    flagged = identifier_columns(keep)
    if flagged:
        raise ValueError(f"pseudonymize: columns {flagged} look like direct identifiers; "
                         "they cannot be exported.")

    id_in_column = not isinstance(cohort, Cohort) and _ID in data.columns
    if not id_in_column and isinstance(data.index, pd.MultiIndex):
        raise ValueError(f"pseudonymize: expected one row per patient, with 'patient_id' as "
                         f"the index or a column; got an index of {data.index.nlevels} levels "
                         f"{list(data.index.names)}.")
    ids = pd.Index(data[_ID]) if id_in_column else data.index
    text = _id_text(ids)

    kept = [c for c in data.columns if c == _ID or c in keep or c in schema]
    dropped = [str(c) for c in data.columns if c not in kept]
    out = data[kept]
    checked = {f"column {c!r}": out[c] for c in kept if c != _ID}
    # a column layout's index goes out too: named levels of the schema or of keep as
    # they are, row numbers replaced (they would give the input order), the rest dropped
    names = [n for n in out.index.names if n is not None]
    keep_index = (id_in_column and len(names) == out.index.nlevels
                  and all(n in keep or n in schema for n in names))
    if keep_index:
        checked.update({f"index level {n!r}": out.index.get_level_values(n).to_series()
                        for n in names})
    elif id_in_column and (names or not pd.api.types.is_integer_dtype(out.index)):
        dropped.append(f"the index {names}" if names else "the index")
    if isinstance(cohort, Cohort) and cohort.truth is not None:
        checked.update({f"truth column {c!r}": cohort.truth[c] for c in cohort.truth.columns})
    _check_no_ids({name: values.reset_index(drop=True) for name, values in checked.items()},
                  text)
    if dropped:
        warnings.warn(f"pseudonymize dropped {len(dropped)} column(s) not in the schema: "
                      f"{dropped}; name any that should be exported in keep=[...].",
                      UserWarning, stacklevel=2)

    mapping = _pseudonyms(text, secret, prefix)
    # rows in pseudonym order: an input sorted by id would give each patient's rank
    order = np.argsort(mapping.to_numpy(), kind="stable")
    if isinstance(cohort, Cohort):
        truth = None
        if cohort.truth is not None:
            truth = cohort.truth.set_axis(mapping, axis=0).iloc[order]
        return Cohort(out.set_axis(mapping, axis=0).iloc[order], cohort.schema, truth,
                      validate=False)
    if not id_in_column:
        return out.set_axis(mapping, axis=0).iloc[order]
    out = out.assign(**{_ID: mapping.to_numpy()}).iloc[order]
    return out if keep_index else out.reset_index(drop=True)
