"""Centre exports given as files: a folder, a list of files, or ``{centre: path}``.

Each file is one centre's export, in any format :func:`stratify.data.read_file`
reads (mixed formats are fine). A file belongs to the centre whose mapping
names it (``file:``), else to the centre whose name is the file's stem
(``Uppsala.sav``) or ends or starts it after an underscore
(``exports_Uppsala.csv``, ``Uppsala_2024.xlsx``). Centres come in the
mapping's order, whatever the order of the files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .._formats._read import SUPPORTED, read_file, supported_files
from ._mapping import _Centre

PathLike = str | os.PathLike


def _is_path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


def _describe(path: Path, frame: pd.DataFrame) -> str:
    sheet = frame.attrs.get("sheet")
    where = f", sheet {sheet!r}" if sheet else ""
    return f"{path} ({SUPPORTED[path.suffix.lower()]}{where})"


def _centre_of(path: Path, centres: Mapping[str, _Centre]) -> list[str]:
    """The centres a file may belong to (see the module's docstring)."""
    named = [name for name, c in centres.items()
             if c.file is not None and (Path(c.file).name == path.name or c.file == str(path))]
    if named:
        return named
    stem = path.stem
    exact = [name for name in centres if name == stem]
    if exact:
        return exact
    return [name for name in centres
            if stem.endswith(f"_{name}") or stem.startswith(f"{name}_")]


def read_exports(X: Any, centres: Mapping[str, _Centre]
                 ) -> tuple[Any, dict[str, str], list[str]]:
    """``X`` as ``{centre: DataFrame}`` when it names files: the frames (read with their
    metadata in ``attrs``), a description of each centre's file, and the files of a
    folder that belong to no centre. Anything else is returned as it is."""
    unmatched: list[str] = []
    if _is_path(X):
        path = Path(X)
        if path.is_dir():
            files = supported_files(path)
            if not files:
                raise ValueError(f"{path}: the folder holds no export file (one of "
                                 f"{', '.join(SUPPORTED)}).")
            assigned, unmatched = _assign(files, centres, strict=False)
        elif path.is_file():
            assigned, _ = _assign([path], centres, strict=True)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder.")
    elif isinstance(X, Sequence) and not isinstance(X, (str, bytes)) and X \
            and all(_is_path(p) for p in X):
        assigned, _ = _assign([Path(p) for p in X], centres, strict=True)
    elif isinstance(X, Mapping) and any(_is_path(v) for v in X.values()):
        assigned = {str(k): Path(v) for k, v in X.items() if _is_path(v)}
        frames = {str(k): v for k, v in X.items() if not _is_path(v)}
        read, described = _read(assigned, centres)
        return {**frames, **read}, described, unmatched
    else:
        return X, {}, unmatched
    read, described = _read(assigned, centres)
    return read, described, unmatched


def _assign(files: list[Path], centres: Mapping[str, _Centre], *, strict: bool
            ) -> tuple[dict[str, Path], list[str]]:
    assigned: dict[str, Path] = {}
    unmatched: list[str] = []
    problems: list[str] = []
    for path in files:
        if not path.is_file():
            problems.append(f"{path}: no such file")
            continue
        owners = _centre_of(path, centres)
        if len(owners) > 1:
            problems.append(f"{path}: the file name fits several centres {owners}; name the "
                            f"file in each centre's mapping with 'file:'")
        elif not owners:
            if strict:
                problems.append(f"{path}: no centre of the mapping matches the file name "
                                f"(mapped centres: {list(centres)}); name the file after its "
                                f"centre or give the centre's 'file:'")
            else:
                unmatched.append(str(path))
        elif owners[0] in assigned:
            problems.append(f"centre {owners[0]!r} has two files: {assigned[owners[0]]} and "
                            f"{path}; one export a centre")
        else:
            assigned[owners[0]] = path
    if problems:
        raise ValueError(f"{len(problems)} problem(s) with the export files:\n"
                         + "\n".join(f"  - {p}" for p in problems))
    # centres in the mapping's order, as the rows of the harmonized frame come
    return {name: assigned[name] for name in centres if name in assigned}, unmatched


def _read(assigned: Mapping[str, Path], centres: Mapping[str, _Centre]
          ) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    frames: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    for name, path in assigned.items():
        centre = centres.get(name)
        sheet = None if centre is None else centre.sheet
        frame = read_file(path, None, sheet=sheet) if path.suffix.lower() == ".xlsx" \
            else read_file(path, None)
        frames[name] = frame
        files[name] = _describe(path, frame)
    return frames, files
