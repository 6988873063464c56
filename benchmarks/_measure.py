"""Time and peak memory of one call, measured the same way for every method.

:func:`measure` runs the call untraced and reports

- ``seconds``: wall time of the call (``time.perf_counter``);
- ``peak_memory_mb``: the rise of the process's peak resident set size during
  the call over its resident size when the call starts (Linux ``VmHWM``,
  reset before the call through ``/proc/self/clear_refs``). Before the call,
  garbage is collected and glibc gives freed heap pages back
  (``malloc_trim``; blocks of 128 KiB or more are always mapped on their own),
  so memory the call allocates shows even where it reuses what an earlier
  call freed. Every allocation counts (numpy, BLAS and numba buffers, the
  allocator's own slack), so small figures (a few MB) are noisy.

Where the kernel does not allow the reset (not Linux, some sandboxes), memory
falls back to :func:`measure_traced` (tracemalloc); :func:`memory_method`
says which one is in use and the runner records it with the results.

Why not tracemalloc by default: tracing every allocation slowed
Python-heavy code (pandas, lifelines, shap, scikit-learn's calibration and
mixtures) two- to fivefold on the benchmark machines (consensus clustering
fourfold, the workflow's SHAP step tenfold), so timings measured under it
were not those of a normal run and the full suite did not fit in its time
budget. Work done in other processes is not counted: benchmark modules run
their methods with ``n_jobs=1``.
"""

from __future__ import annotations

import functools
import gc
import re
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_mb(field: str) -> float:
    match = re.search(rf"^{field}:\s+(\d+)\s+kB", _STATUS.read_text(), re.MULTILINE)
    if match is None:
        raise OSError(f"no {field} in {_STATUS}")
    return int(match.group(1)) / 1024


def _reset_peak() -> None:
    _CLEAR_REFS.write_text("5")


@functools.cache
def _libc() -> Any:
    """glibc, with large blocks always mapped on their own (returned to the system
    when freed) so that a freed array's pages are not silently reused; None elsewhere."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD: fixed, no dynamic growth
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):
        return None


def _release_free_memory() -> None:
    """Collect garbage and give freed heap pages back, so the call starts from what
    is really in use and its own allocations show in the resident size."""
    gc.collect()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


@functools.cache
def memory_method() -> str:
    """``"rss"`` when the peak resident size can be reset and read, else ``"tracemalloc"``."""
    try:
        _reset_peak()
        _status_mb("VmHWM")
        _status_mb("VmRSS")
    except OSError:
        return "tracemalloc"
    return "rss"


def ratios(seconds: float, memory: float, plain_seconds: float, plain_memory: float
           ) -> dict[str, float]:
    """``time_ratio`` and ``memory_ratio`` of a measurement over its plain counterpart
    (memory ratio NaN when the plain call's peak rose by nothing)."""
    return {"time_ratio": seconds / plain_seconds,
            "memory_ratio": memory / plain_memory if plain_memory > 0 else float("nan")}


def measure(func: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float, float]:
    """Call ``func(*args, **kwargs)``; return ``(result, seconds, peak_memory_mb)``.

    Untraced; peak memory is the rise of the peak resident set size over the
    resident size at the start of the call (see the module docstring), or
    tracemalloc's peak where that cannot be measured.
    """
    if memory_method() != "rss":
        return measure_traced(func, *args, **kwargs)
    _release_free_memory()
    _reset_peak()
    base = _status_mb("VmRSS")
    start = time.perf_counter()
    result = func(*args, **kwargs)
    seconds = time.perf_counter() - start
    peak = _status_mb("VmHWM")
    return result, seconds, max(peak - base, 0.0)


def measure_traced(func: Callable[..., Any], *args: Any, **kwargs: Any
                   ) -> tuple[Any, float, float]:
    """As :func:`measure`, with memory from :mod:`tracemalloc`.

    Peak memory is the peak of memory allocated through Python's allocators
    during the call (numpy arrays included), above what was allocated before
    it. Memory held by compiled code that bypasses these allocators (some BLAS
    and numba buffers) is not counted, and tracing slows Python-heavy code,
    so the seconds are longer than those of a normal run.
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
