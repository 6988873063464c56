"""Which original column each output column of a fitted transformer comes from."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import OneToOneFeatureMixin
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline


def _selected(transformer: ColumnTransformer, name: str, columns: Any,
              n_inputs: int, input_names: list[str]) -> np.ndarray:
    indices = getattr(transformer, "_transformer_to_input_indices", {}).get(name)
    if indices is not None:
        return np.asarray(indices, dtype=int)
    if isinstance(columns, str):
        columns = [columns]
    if isinstance(columns, slice):
        return np.arange(n_inputs)[columns]
    columns = np.asarray(columns)
    if columns.dtype == bool:
        return np.flatnonzero(columns)
    if columns.dtype.kind in "iu":
        return columns.astype(int)
    return np.array([input_names.index(str(c)) for c in columns], dtype=int)


def _leaf_sources(transformer: Any, names: list[str]) -> tuple[list[str], np.ndarray]:
    """Output names of a simple transformer and, per output, the input it comes from."""
    if isinstance(transformer, OneToOneFeatureMixin):
        return list(names), np.arange(len(names))
    if not hasattr(transformer, "get_feature_names_out"):
        raise ValueError(
            f"cannot map the output columns of {type(transformer).__name__} back to the "
            "input columns: it has no get_feature_names_out. Explain the transformed data "
            "with the final estimator instead.")
    outputs = [str(o) for o in transformer.get_feature_names_out(np.asarray(names, dtype=object))]
    sources = np.empty(len(outputs), dtype=int)
    for j, out in enumerate(outputs):
        # Exact name (imputed, scaled), "<col>_<category>" (one-hot), or
        # "missingindicator_<col>" (SimpleImputer indicators); longest name wins.
        matches = [i for i, col in enumerate(names)
                   if out == col or out.startswith(f"{col}_") or out.endswith(f"_{col}")]
        if not matches:
            raise ValueError(
                f"cannot map output column {out!r} of {type(transformer).__name__} to one "
                f"input column (inputs: {names[:5]}...): a transformer that mixes columns "
                "(e.g. PCA) cannot be explained per original column.")
        sources[j] = max(matches, key=lambda i: (out == names[i], len(names[i])))
    return outputs, sources


def output_sources(transformer: Any, names: list[str]) -> tuple[list[str], np.ndarray]:
    """Names of the columns ``transformer`` outputs and the index (into ``names``)
    of the input column each comes from.

    Handles nested ``Pipeline`` and ``ColumnTransformer`` structurally and
    leaf transformers by their ``get_feature_names_out``.
    """
    if transformer is None or transformer == "passthrough":
        return list(names), np.arange(len(names))
    if isinstance(transformer, Pipeline):
        current, sources = list(names), np.arange(len(names))
        for _, step in transformer.steps:
            current, local = output_sources(step, current)
            sources = sources[local]
        return current, sources
    if isinstance(transformer, ColumnTransformer):
        out_names: list[str] = []
        out_sources: list[np.ndarray] = []
        for name, trans, columns in transformer.transformers_:
            if trans == "drop":
                continue
            chosen = _selected(transformer, name, columns, len(names), names)
            if chosen.size == 0:
                continue
            sub_names, local = output_sources(trans, [names[i] for i in chosen])
            out_names += sub_names
            out_sources.append(chosen[local])
        sources = np.concatenate(out_sources) if out_sources else np.array([], dtype=int)
        return out_names, sources
    return _leaf_sources(transformer, names)
