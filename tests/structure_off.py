"""ConsensusClustering fitted without its structure test, for tests about the workflow.

The workflow and command-line robustness tests run the clustering on 60-100
patients; they are about what surrounds the clustering (the structure test is
tested with the clustering in tests/cluster), so they switch the test off to
stay fast.
"""

from stratify.cluster import ConsensusClustering

_original_fit = ConsensusClustering.fit


def fit_without_structure_test(self, X, y=None):
    """``ConsensusClustering.fit`` with ``n_null = 0``."""
    self.n_null = 0
    return _original_fit(self, X, y)
