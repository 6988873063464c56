"""Time and peak memory of one call, measured the same way for every method."""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from typing import Any


def measure(func: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float, float]:
    """Call ``func(*args, **kwargs)``; return ``(result, seconds, peak_memory_mb)``.

    Peak memory is the peak of memory allocated through Python's allocators
    during the call (numpy arrays included), above what was allocated before
    it, as reported by :mod:`tracemalloc`. Memory held by compiled code that
    bypasses these allocators (some BLAS and numba buffers) is not counted.
    """
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    try:
        result = func(*args, **kwargs)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, seconds, max(peak - base, 0) / 2**20
