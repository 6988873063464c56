"""Keyed-hash pseudonyms for patient ids (HMAC-SHA-256)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import numpy as np
import pandas as pd

from ._validate import MAX_ROWS_SHOWN

__all__ = ["pseudonymize", "MIN_KEY_BYTES", "PSEUDONYM_HEX_CHARS"]

MIN_KEY_BYTES = 16
"""Shortest accepted key: 128 bits, beyond brute force for a secret drawn at random."""

PSEUDONYM_HEX_CHARS = 16
"""Hex characters kept from the HMAC: 64 bits."""

_ID = "patient_id"


def _key_bytes(key: Any) -> bytes:
    # messages describe the key's type and length only, never its content
    if isinstance(key, str):
        key = key.encode("utf-8")
    elif isinstance(key, (bytearray, memoryview)):
        key = bytes(key)
    elif not isinstance(key, bytes):
        raise TypeError("The 'key' parameter of pseudonymize must be bytes or str. "
                        f"Got an object of type {type(key).__name__} instead.")
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"The 'key' parameter of pseudonymize must be at least "
                         f"{MIN_KEY_BYTES} bytes long (e.g. secrets.token_hex(16)). Got a "
                         f"key of {len(key)} bytes instead.")
    return key


def _pseudonyms(ids: pd.Index, key: bytes, prefix: str) -> pd.Index:
    text = [str(v).strip() for v in ids]
    missing = np.asarray(pd.isna(ids)) | np.array([t == "" for t in text], bool)
    if missing.any():
        rows = ", ".join(f"row {i + 1}" for i in np.flatnonzero(missing)[:MAX_ROWS_SHOWN])
        raise ValueError(f"pseudonymize: column 'patient_id' must not be missing "
                         f"({int(missing.sum())} rows: {rows}).")
    out = [prefix + hmac.new(key, t.encode("utf-8"), hashlib.sha256).hexdigest()
           [:PSEUDONYM_HEX_CHARS] for t in text]
    clash = pd.Index(out).duplicated(keep=False) & ~pd.Index(text).duplicated(keep=False)
    if clash.any():  # pragma: no cover - about 3e-8 for a million patients
        raise ValueError("pseudonymize: two different patient ids received the same "
                         "pseudonym (a truncated-hash collision); use another key.")
    return pd.Index(out, name=_ID)


def pseudonymize(cohort: Any, key: bytes | str, *, prefix: str = "PS") -> Any:
    """Replace patient ids by keyed-hash pseudonyms, for export.

    Each id (as text, surrounding spaces removed, so ``123`` and ``"123"``
    agree) becomes ``prefix`` + the first 16 hex characters (64 bits) of
    HMAC-SHA-256(key, id). The same patient under the same key gets the same
    pseudonym in every export, so exports can be linked by whoever holds
    them; without the key the pseudonym cannot be reversed, nor recomputed
    from a guessed id (which a plain hash would allow for short ids). Among
    n patients, two share a pseudonym with probability about n² / 2^65
    (3e-8 for a million patients); such a collision raises an error rather
    than merging patients.

    The key is used, not kept: it is not stored on the result, and no message
    shows it. Keep it apart from the exported data (whoever has both can
    re-identify by hashing known ids). Columns that look like direct
    identifiers are refused: pseudonymizing the id is pointless while names
    or birth dates travel with it.

    Parameters
    ----------
    cohort : Cohort or DataFrame
        A DataFrame may hold ``patient_id`` as its index or as a column; the
        result keeps the same layout.
    key : bytes or str
        Secret of at least 16 bytes (str is UTF-8 encoded), e.g.
        ``secrets.token_hex(16)``.
    prefix : str, default="PS"
        Marks the ids as pseudonyms.

    Returns
    -------
    Cohort or DataFrame
        A new object of the input's type; a cohort's ``truth`` is re-indexed
        with the same pseudonyms.

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.data import pseudonymize
    >>> df = pd.DataFrame({"patient_id": ["P001", "P002"], "age": [54, 61]})
    >>> key = "a secret of at least 16 bytes"
    >>> out = pseudonymize(df, key)
    >>> out["patient_id"].tolist()
    ['PSeb25388aa7a72cc2', 'PS970d815105a338d0']
    >>> pseudonymize(df.iloc[[1]], key)["patient_id"].tolist()  # same patient, same pseudonym
    ['PS970d815105a338d0']
    """
    from ._cohort import Cohort, identifier_columns

    secret = _key_bytes(key)
    if not isinstance(prefix, str):
        raise TypeError(f"The 'prefix' parameter of pseudonymize must be a str. Got "
                        f"{type(prefix).__name__} instead.")
    data = cohort.data if isinstance(cohort, Cohort) else cohort
    if not isinstance(data, pd.DataFrame):
        raise TypeError("The 'cohort' parameter of pseudonymize must be a Cohort or a pandas "
                        f"DataFrame. Got {type(cohort).__name__} instead.")
    flagged = identifier_columns(data.columns)
    if flagged:
        raise ValueError(f"pseudonymize: columns {flagged} look like direct identifiers; "
                         "drop them before export.")
    if isinstance(cohort, Cohort):
        mapping = _pseudonyms(data.index, secret, prefix)
        out = data.set_axis(mapping, axis=0)
        truth = None
        if cohort.truth is not None:
            truth = cohort.truth.set_axis(mapping, axis=0)
        return Cohort(out, cohort.schema, truth, validate=False)
    if _ID in data.columns:
        out = data.copy()
        out[_ID] = _pseudonyms(pd.Index(data[_ID]), secret, prefix)
        return out
    return data.set_axis(_pseudonyms(data.index, secret, prefix), axis=0)
