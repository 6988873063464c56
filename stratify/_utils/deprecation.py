"""Old names that keep working for one release, with a FutureWarning.

A public name that changes (a keyword argument, a returned column) keeps its
old spelling for one release: using it gives the new name's value and a
:class:`FutureWarning` that says what to write instead and when the old one
goes. The helpers here are the one way the library does that.
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

__all__ = ["REMOVED_IN", "RenamedColumnsFrame", "renamed_argument", "warn_renamed",
           "with_renamed_columns"]

REMOVED_IN = "0.3"
"""The release in which the names deprecated now stop working."""


def warn_renamed(what: str, old: str, new: str, stacklevel: int) -> None:
    """The FutureWarning of every renamed name: ``"<what> 'old' was renamed 'new'; ..."``.

    ``stacklevel`` counts from the caller of this function, as
    :func:`warnings.warn` counts from its own caller.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_renamed("The setting", "impute.kind", "impute.method", stacklevel=1)
    >>> str(caught[0].message).split(";")[0]
    "The setting 'impute.kind' was renamed 'impute.method'"
    """
    warnings.warn(f"{what} {old!r} was renamed {new!r}; {old!r} will stop working in "
                  f"stratify {REMOVED_IN}. Use {new!r}.", FutureWarning,
                  stacklevel=stacklevel + 1)


def renamed_argument(owner: str, old: str, new: str, old_value: Any, new_value: Any,
                     default: Any) -> Any:
    """The value of a renamed keyword argument, given under its old or new name.

    Parameters
    ----------
    owner : str
        The function or class, for the messages (e.g. ``"make_pss_cohort()"``).
    old, new : str
        The argument's old and new names.
    old_value, new_value : object
        What the caller passed under each name (``None`` for the old one
        when not passed, ``default`` for the new one).
    default : object
        The new argument's default.

    Returns
    -------
    object
        ``new_value``, or ``old_value`` (with a FutureWarning) when only the old
        name was given.

    Raises
    ------
    TypeError
        When both names are given.

    Examples
    --------
    >>> import warnings
    >>> renamed_argument("f()", "seed", "random_state", None, 3, 0)
    3
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     renamed_argument("f()", "seed", "random_state", 7, 0, 0)
    7
    >>> caught[0].category.__name__
    'FutureWarning'
    """
    if old_value is None:
        return new_value
    if new_value is not default:
        raise TypeError(f"{owner} got both {old!r} and {new!r}; {old!r} is the old name of "
                        f"{new!r}: give {new!r} only.")
    warn_renamed(f"{owner}'s argument", old, new, stacklevel=3)
    return old_value


class RenamedColumnsFrame(pd.DataFrame):
    """A DataFrame whose renamed columns can still be read under their old names.

    ``frame["old"]`` (and ``frame.old``) give the column now called ``new``,
    named ``old``, with a FutureWarning; everything else is a plain
    DataFrame, and frames derived from it (copies, selections) are plain
    DataFrames.
    """

    _metadata = ["_renamed"]
    _renamed: dict[str, str]

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    def __getitem__(self, key: Any) -> Any:
        renamed = getattr(self, "_renamed", {})
        if isinstance(key, str) and key in renamed and key not in self.columns:
            warn_renamed("The column", key, renamed[key], stacklevel=2)
            return pd.DataFrame(self)[renamed[key]].rename(key)
        if isinstance(key, list) and any(isinstance(k, str) and k in renamed
                                         and k not in self.columns for k in key):
            for k in key:
                if isinstance(k, str) and k in renamed and k not in self.columns:
                    warn_renamed("The column", k, renamed[k], stacklevel=2)
            new = [renamed.get(k, k) if k not in self.columns else k for k in key]
            out = pd.DataFrame(self)[new]
            out.columns = key
            return out
        return super().__getitem__(key)

    def __getattr__(self, name: str) -> Any:
        renamed = object.__getattribute__(self, "__dict__").get("_renamed", {})
        if name in renamed:
            return self[name]
        return super().__getattr__(name)


def with_renamed_columns(frame: pd.DataFrame, renamed: dict[str, str]) -> pd.DataFrame:
    """``frame`` whose columns ``renamed`` (old name -> new name) read under the old names.

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd
    >>> table = with_renamed_columns(pd.DataFrame({"p_unadjusted": [0.2]}),
    ...                              {"p": "p_unadjusted"})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     table["p"].tolist()
    [0.2]
    >>> str(caught[0].message).split(";")[0]
    "The column 'p' was renamed 'p_unadjusted'"
    """
    out = RenamedColumnsFrame(frame)
    out.attrs = dict(frame.attrs)
    out._renamed = dict(renamed)
    return out
