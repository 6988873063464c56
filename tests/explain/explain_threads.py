"""Shared fixture of the explain tests (imported by the test modules, not a conftest.py:
test folders have no __init__.py, so two conftest.py files would clash)."""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def one_thread():
    # Tiny fits on a shared 2-core machine: threads only add contention.
    with threadpool_limits(limits=1):
        yield
