"""Planted Gaussian mixtures for the clustering tests.

A minority of informative features among noise: ``informative`` features
carry the subgroup means (random centres at least ``separation`` apart, in
within-subgroup SDs), the other features are independent noise, and every
feature gets an arbitrary scale and offset (as lab values in different units).
"""

import numpy as np

SIZES = {2: (0.75, 0.25), 3: (0.5, 0.35, 0.15), 4: (0.4, 0.3, 0.2, 0.1),
         5: (0.35, 0.25, 0.2, 0.12, 0.08)}


def _sizes_and_centres(rng, k, n, informative, separation):
    """Subgroup sizes (``SIZES``) and random centres at least 0.9 x ``separation`` apart."""
    sizes = (np.array(SIZES[k]) * n).astype(int)
    sizes[0] += n - sizes.sum()
    while True:
        centres = rng.normal(size=(k, informative)) * separation / np.sqrt(2)
        gaps = np.linalg.norm(centres[:, None] - centres[None], axis=2)[np.triu_indices(k, 1)]
        if gaps.min() > 0.9 * separation:
            return sizes, centres


def _scaled(blocks, y, d, rng):
    """Stack the subgroups and give every feature an arbitrary scale and offset."""
    X = np.vstack(blocks) * rng.uniform(0.5, 5, size=d) + rng.normal(0, 10, size=d)
    return X, np.array(y)


def planted(k, n=1000, d=30, informative=6, separation=3.0, seed=0):
    """``(X, y)``: n patients, k subgroups of unequal sizes (``SIZES``)."""
    rng = np.random.default_rng(seed)
    sizes, centres = _sizes_and_centres(rng, k, n, informative, separation)
    blocks, y = [], []
    for c in range(k):
        block = rng.normal(size=(sizes[c], d))
        block[:, :informative] += centres[c]
        blocks.append(block)
        y += [c] * sizes[c]
    return _scaled(blocks, y, d, rng)


def planted_own_covariances(k, n=1000, d=10, informative=4, separation=3.5, seed=0):
    """``(X, y)`` like :func:`planted`, but every subgroup has its own covariance
    on the informative features (a random rotation, SDs 0.5-1.5)."""
    rng = np.random.default_rng(seed)
    sizes, centres = _sizes_and_centres(rng, k, n, informative, separation)
    blocks, y = [], []
    for c in range(k):
        block = rng.normal(size=(sizes[c], d))
        rotation, _ = np.linalg.qr(rng.normal(size=(informative, informative)))
        block[:, :informative] = block[:, :informative] @ (
            rotation * rng.uniform(0.5, 1.5, size=informative)).T + centres[c]
        blocks.append(block)
        y += [c] * sizes[c]
    return _scaled(blocks, y, d, rng)
