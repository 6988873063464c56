"""The survival target: scikit-survival's structured array, and its one checker."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._checks import describe_rows, row_index

__all__ = ["TARGET_DTYPE", "check_target", "make_target", "target_frame"]

TARGET_DTYPE = np.dtype([("event", bool), ("time", np.float64)])
"""``[("event", bool), ("time", float)]``, as ``sksurv.util.Surv.from_arrays`` makes it."""

EVENT_CODES = {0: "censored", 1: "lymphoma", 2: "death without lymphoma"}


def _as_float(values: pd.Series, caller: str, what: str) -> np.ndarray:
    try:
        return values.astype("float64").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise ValueError(f"{caller}: {what} must be numeric.") from None


def _check_times(time: np.ndarray, index: pd.Index, caller: str) -> None:
    for mask, rule in ((np.isnan(time), "is missing"), (np.isinf(time), "is infinite"),
                       (time < 0, "is negative (follow-up time must be >= 0)")):
        if mask.any():
            raise ValueError(f"{caller}: time {rule} in {describe_rows(index, mask)}.")


def _check_some_events(event: np.ndarray, caller: str) -> None:
    if not event.any():
        raise ValueError(f"{caller}: all samples are censored (no event in y), so no "
                         "survival model or metric can be estimated.")


def check_event_codes(time: Any, event: Any, caller: str) -> tuple[np.ndarray, np.ndarray,
                                                                   pd.Index]:
    """Times, event codes (0, 1, 2) and patient ids, checked: the first step of
    :func:`make_target` and :func:`cumulative_incidence`."""
    times = time if isinstance(time, pd.Series) else pd.Series(np.asarray(time).ravel())
    events = event if isinstance(event, pd.Series) else pd.Series(np.asarray(event).ravel())
    if len(times) != len(events):
        raise ValueError(f"{caller}: time has {len(times)} rows but event has {len(events)}.")
    if isinstance(time, pd.Series) and isinstance(event, pd.Series) \
            and not time.index.equals(event.index):
        raise ValueError(f"{caller}: time and event have different indexes (patient ids); "
                         "align them first.")
    index = row_index(time) if isinstance(time, pd.Series) else row_index(events)
    if len(times) == 0:
        raise ValueError(f"{caller}: no patients (time is empty).")
    t = _as_float(times, caller, "time")
    _check_times(t, index, caller)
    codes = _as_float(events, caller, "event")
    missing = np.isnan(codes)
    if missing.any():
        raise ValueError(f"{caller}: event is missing in {describe_rows(index, missing)}.")
    unknown = ~np.isin(codes, list(EVENT_CODES))
    if unknown.any():
        raise ValueError(f"{caller}: event must be coded 0 (censored), 1 (lymphoma) or "
                         f"2 (death without lymphoma); other codes in "
                         f"{describe_rows(index, unknown)}.")
    return t, codes.astype(int), index


def make_target(time: Any, event: Any, *, competing: str = "error") -> np.ndarray:
    """Survival target from follow-up times and event codes.

    Parameters
    ----------
    time : array-like or Series of shape (n,)
        Follow-up time (years): to lymphoma, death or censoring. Must be
        finite and >= 0.
    event : array-like or Series of shape (n,)
        Event codes as in the pSS schema's ``lymphoma_event``: 0 censored,
        1 lymphoma, 2 death without lymphoma (booleans are read as 0/1).
    competing : {"error", "censor"}, default="error"
        What to do with code 2 (death, the competing event). ``"error"``
        refuses it, so a competing death is never taken for a censoring by
        accident; ``"censor"`` censors the patient at death, which gives the
        cause-specific target of lymphoma (the right target for Cox models
        of the lymphoma hazard; for the probability of lymphoma in the real
        world, where death prevents it, use :func:`cumulative_incidence`).

    Returns
    -------
    ndarray of dtype ``[("event", bool), ("time", float)]``
        scikit-survival's structured array (``sksurv.util.Surv`` layout), so
        scikit-survival's models and metrics take it unchanged. A structured
        array has no index: its rows are in the order of ``time``, which
        must be the row order of the features ``X`` it goes with. Use
        :func:`target_frame` to put the patient ids back.

    Raises
    ------
    ValueError
        Naming up to five rows (by patient id when ``time`` or ``event`` is
        a Series) with a missing, infinite or negative time, a missing or
        unknown event code, or code 2 with ``competing="error"``; or when
        every patient is censored.

    Examples
    --------
    >>> import pandas as pd
    >>> from stratify.survival import make_target
    >>> time = pd.Series([2.0, 5.5, 3.1], index=["p1", "p2", "p3"])
    >>> y = make_target(time, [1, 0, 2], competing="censor")
    >>> y
    array([( True, 2. ), (False, 5.5), (False, 3.1)],
          dtype=[('event', '?'), ('time', '<f8')])
    >>> make_target(time, [1, 0, 2])
    Traceback (most recent call last):
    ...
    ValueError: make_target: event code 2 (death without lymphoma, a competing event) in 1 row: p3. Pass competing='censor' for the cause-specific target (death censored), or analyse the competing risk with stratify.survival.cumulative_incidence.
    """  # noqa: E501
    caller = "make_target"
    if competing not in ("error", "censor"):
        raise ValueError(f"The 'competing' parameter of make_target must be a str among "
                         f"{{'error', 'censor'}}. Got {competing!r} instead.")
    t, codes, index = check_event_codes(time, event, caller)
    death = codes == 2
    if death.any() and competing == "error":
        raise ValueError(
            f"{caller}: event code 2 (death without lymphoma, a competing event) in "
            f"{describe_rows(index, death)}. Pass competing='censor' for the cause-specific "
            "target (death censored), or analyse the competing risk with "
            "stratify.survival.cumulative_incidence.")
    e = codes == 1
    _check_some_events(e, caller)
    y = np.empty(t.size, dtype=TARGET_DTYPE)
    y["event"] = e
    y["time"] = t
    return y


def check_target(y: Any, caller: str = "check_target") -> tuple[np.ndarray, np.ndarray]:
    """Event indicator and time of a survival target, checked.

    Accepts the structured array of :func:`make_target` (or any two-field
    structured array, event first, as scikit-survival does) or the frame of
    :func:`target_frame` (columns ``event`` and ``time``).

    Parameters
    ----------
    y : structured ndarray or DataFrame
    caller : str
        Named in error messages.

    Returns
    -------
    event : ndarray of bool
    time : ndarray of float

    Raises
    ------
    ValueError
        When ``y`` is not a survival target, a time is missing, infinite or
        negative (naming up to five rows), an event is not 0/1, or all
        samples are censored.

    Examples
    --------
    >>> from stratify.survival import check_target, make_target
    >>> event, time = check_target(make_target([1.0, 2.0], [1, 0]))
    >>> event, time
    (array([ True, False]), array([1., 2.]))
    >>> check_target(make_target([1.0, 2.0], [1, 0])[1:])
    Traceback (most recent call last):
    ...
    ValueError: check_target: all samples are censored (no event in y), so no survival model or metric can be estimated.
    """  # noqa: E501
    if isinstance(y, pd.DataFrame):
        missing = {"event", "time"} - set(y.columns)
        if missing:
            raise ValueError(f"{caller}: a DataFrame target needs columns 'event' and 'time'; "
                             f"{sorted(missing)} missing.")
        event_raw, time_raw, index = y["event"], y["time"], y.index
    else:
        arr = np.asarray(y)
        names = arr.dtype.names
        if names is None or len(names) != 2 or arr.ndim != 1:
            raise ValueError(
                f"{caller}: y must be a survival target: a structured array with fields "
                f"(event, time) as made by stratify.survival.make_target; got "
                f"{type(y).__name__} of dtype {arr.dtype}.")
        event_raw, time_raw = pd.Series(arr[names[0]]), pd.Series(arr[names[1]])
        index = pd.RangeIndex(arr.size)
    if len(index) == 0:
        raise ValueError(f"{caller}: y is empty.")
    time = _as_float(pd.Series(time_raw), caller, "time")
    _check_times(time, index, caller)
    codes = _as_float(pd.Series(event_raw), caller, "event")
    bad = ~np.isin(codes, (0.0, 1.0))
    if bad.any():
        raise ValueError(f"{caller}: event must be boolean (or 0/1); other values in "
                         f"{describe_rows(index, bad)}.")
    event = codes == 1
    _check_some_events(event, caller)
    return event, time


def target_frame(y: Any, index: Any = None) -> pd.DataFrame:
    """A survival target as a DataFrame with columns ``event`` and ``time``.

    Parameters
    ----------
    y : structured ndarray or DataFrame
        A target from :func:`make_target`.
    index : array-like or Index, optional
        Patient ids to put back (e.g. ``X.index``); default row positions.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> from stratify.survival import make_target, target_frame
    >>> target_frame(make_target([1.0, 2.0], [1, 0]), index=["p1", "p2"])
        event  time
    p1   True   1.0
    p2  False   2.0
    """
    event, time = check_target(y, "target_frame")
    if index is not None and len(index) != len(time):
        raise ValueError(f"target_frame: index has {len(index)} ids but y has {len(time)} rows.")
    return pd.DataFrame({"event": event, "time": time},
                        index=pd.RangeIndex(len(time)) if index is None else pd.Index(index))
