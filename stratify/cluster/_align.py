"""Keeping subgroup 1 subgroup 1: label matching across runs and imputations."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["align_labels", "matching_permutation", "order_by_size"]


def _contingency(reference: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                      np.ndarray]:
    ref_ids = np.unique(reference[reference >= 0])
    lab_ids = np.unique(labels[labels >= 0])
    both = (reference >= 0) & (labels >= 0)
    r = np.searchsorted(ref_ids, reference[both])
    c = np.searchsorted(lab_ids, labels[both])
    table = np.zeros((ref_ids.size, lab_ids.size), dtype=np.int64)
    np.add.at(table, (r, c), 1)
    return table, ref_ids, lab_ids


def align_labels(reference: Any, labels: Any) -> np.ndarray:
    """Rename ``labels`` so that they agree best with ``reference``.

    Cluster numbers are arbitrary: two runs (resamples, imputations, seeds)
    can find the same subgroups under permuted numbers. The renaming that
    maximizes the number of patients with the same label in both is found by
    the Hungarian algorithm (:func:`scipy.optimize.linear_sum_assignment` on
    the contingency table). Clusters of ``labels`` left without a partner
    (when ``labels`` has more clusters than ``reference``) get new numbers
    after the largest reference label, in order of size. Negative labels
    (noise, ``-1``) are left unchanged.

    Parameters
    ----------
    reference : array-like of int, shape (n_patients,)
        Labels to agree with.
    labels : array-like of int, shape (n_patients,)
        Labels of the same patients, to rename.

    Returns
    -------
    ndarray of int, shape (n_patients,)
        ``labels`` renamed.

    Examples
    --------
    >>> from stratify.cluster import align_labels
    >>> align_labels([0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1]).tolist()
    [0, 0, 1, 1, 2, 2]
    >>> align_labels([0, 0, 0, 1, 1, 1], [1, 1, 0, 2, 2, -1]).tolist()
    [0, 0, 2, 1, 1, -1]
    """
    from scipy.optimize import linear_sum_assignment

    reference = np.asarray(reference)
    labels = np.asarray(labels)
    if reference.shape != labels.shape or reference.ndim != 1:
        raise ValueError(f"align_labels: reference has shape {reference.shape} and labels "
                         f"{labels.shape}; both must be 1-D labels of the same patients.")
    for name, values in (("reference", reference), ("labels", labels)):
        if not np.issubdtype(values.dtype, np.integer):
            raise ValueError(f"align_labels: {name} must hold integer labels; got dtype "
                             f"{values.dtype}.")
    table, ref_ids, lab_ids = _contingency(reference, labels)
    rows, cols = linear_sum_assignment(table, maximize=True)
    mapping = {int(lab_ids[c]): int(ref_ids[r]) for r, c in zip(rows, cols)}
    spare = [int(v) for v in lab_ids if int(v) not in mapping]
    sizes = {v: int((labels == v).sum()) for v in spare}
    start = int(ref_ids.max()) + 1 if ref_ids.size else 0
    for offset, v in enumerate(sorted(spare, key=lambda v: (-sizes[v], v))):
        mapping[v] = start + offset
    out = labels.copy()
    for old, new in mapping.items():
        out[labels == old] = new
    return out


def matching_permutation(reference: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Bijection ``p`` of 0..k-1 maximizing agreement of ``p[labels]`` with ``reference``.

    Both hold labels in 0..k-1 (negative labels are ignored); unlike
    :func:`align_labels` clusters that no patient carries are matched too, so
    the result is always a permutation.

    Examples
    --------
    >>> matching_permutation(np.array([0, 0, 1, 2]), np.array([1, 1, 2, 0]), 3).tolist()
    [2, 0, 1]
    """
    from scipy.optimize import linear_sum_assignment

    both = (reference >= 0) & (labels >= 0)
    table = np.zeros((k, k), dtype=np.int64)
    np.add.at(table, (reference[both], labels[both]), 1)
    rows, cols = linear_sum_assignment(table, maximize=True)
    permutation = np.empty(k, dtype=np.int64)
    permutation[cols] = rows
    return permutation


def order_by_size(labels: np.ndarray, k: int = 0) -> np.ndarray:
    """Permutation ``p`` such that ``p[old]`` numbers clusters 0..k-1 by decreasing size.

    Ties are broken by the old number, so the order is deterministic. ``k``
    (at least the largest label + 1) counts clusters that no label uses;
    they come last.

    Examples
    --------
    >>> order_by_size(np.array([0, 1, 1, 2, 2, 2])).tolist()
    [2, 1, 0]
    >>> order_by_size(np.array([1, 1, 0]), k=3).tolist()     # cluster 2 is empty
    [1, 0, 2]
    """
    k = max(int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0, k)
    sizes = np.bincount(labels[labels >= 0], minlength=k)
    ranked = sorted(range(k), key=lambda c: (-sizes[c], c))
    permutation = np.empty(k, dtype=np.int64)
    permutation[ranked] = np.arange(k)
    return permutation


def rename(labels: np.ndarray, permutation: np.ndarray) -> np.ndarray:
    """``labels`` with cluster ``c`` renamed ``permutation[c]``; noise (negative
    labels) stays ``-1``.

    Examples
    --------
    >>> rename(np.array([0, 1, -1, 1]), np.array([1, 0])).tolist()
    [1, 0, -1, 0]
    """
    return np.where(labels >= 0, permutation[np.maximum(labels, 0)], -1)
