"""Shared fixtures: small synthetic cohorts made once per session."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

# Property tests draw the same examples on every run (derandomized), so that CI
# is reproducible: a red run means a regression, not an unlucky draw. To explore
# new examples, run with HYPOTHESIS_PROFILE=explore.
try:
    from hypothesis import settings as _hypothesis_settings
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    pass
else:
    _hypothesis_settings.register_profile("ci", derandomize=True)
    _hypothesis_settings.register_profile("explore", derandomize=False)
    _hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# The doctests of stratify/ that belong to the slow tier (``-m "not slow"`` skips
# them): a doctest cannot carry ``@pytest.mark.slow``, so they are listed by name.
# This hook sees every collected item, the doctests too, whenever tests/ is
# collected (as by a plain ``python -m pytest -m "not slow"``).
SLOW_DOCTESTS = {
    # a ConsensusClustering fit and profile (about 20 s of CPU)
    "stratify.explain._clusters.agreement_with_profile",
    # a ConsensusClustering fit and an explanation (about 4 s)
    "stratify.explain._clusters.explain_clusters",
}


def pytest_collection_modifyitems(items):
    import pytest
    from _pytest.doctest import DoctestItem

    for item in items:
        if isinstance(item, DoctestItem) and item.name in SLOW_DOCTESTS:
            item.add_marker(pytest.mark.slow)
