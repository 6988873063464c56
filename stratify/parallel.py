"""The one place that decides where resampling loops run.

Every resampling loop in stratify (consensus resamples, bootstrap intervals,
benchmark grids) calls :func:`run` with tasks that each carry their own seed
from :func:`spawn_seeds`. Seeds are drawn up front from one
:class:`numpy.random.SeedSequence`, and results come back in task order, so a
given ``random_state`` gives the same result whatever the number of workers
and whether the work runs in local processes (joblib's loky) or on a Dask
cluster (:func:`use_dask`).

Inside workers, BLAS/OpenMP threads are limited to one per process: nested
parallelism on a 2-core machine slows numeric code tenfold.

Examples
--------
>>> from stratify.parallel import run, spawn_seeds
>>> import numpy as np
>>> seeds = spawn_seeds(0, 3)
>>> draws = run(lambda s: float(np.random.default_rng(s).random()),
...             [(s,) for s in seeds], n_jobs=1)
>>> draws == run(lambda s: float(np.random.default_rng(s).random()),
...              [(s,) for s in seeds], n_jobs=2)
True
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

__all__ = ["spawn_seeds", "run", "use_dask", "effective_n_jobs", "SEED_MAX"]

SEED_MAX = 2**31 - 1


def spawn_seeds(random_state: int | np.random.Generator | np.random.RandomState | None,
                n: int) -> list[int]:
    """``n`` independent integer seeds derived from ``random_state``.

    Integer seeds (not generators) are used so that tasks can be shipped to
    any backend and still draw the same numbers.

    Parameters
    ----------
    random_state : int, Generator, RandomState or None
        ``None`` draws fresh entropy (not reproducible).
    n : int
        Number of seeds.

    Returns
    -------
    list of int

    Examples
    --------
    >>> spawn_seeds(0, 3) == spawn_seeds(0, 3)
    True
    >>> spawn_seeds(0, 5)[:3] == spawn_seeds(0, 3)  # asking for more keeps the first ones
    True
    """
    if isinstance(random_state, np.random.RandomState):
        entropy = int(random_state.randint(0, SEED_MAX))
    elif isinstance(random_state, np.random.Generator):
        entropy = int(random_state.integers(0, SEED_MAX))
    elif random_state is None:
        entropy = None
    else:
        entropy = int(random_state)
    children = np.random.SeedSequence(entropy).spawn(n)
    return [int(c.generate_state(1, dtype=np.uint32)[0] & SEED_MAX) for c in children]


def effective_n_jobs(n_jobs: int | None) -> int:
    """Number of workers ``n_jobs`` means under the active joblib backend.

    Examples
    --------
    >>> effective_n_jobs(1)
    1
    """
    import joblib

    return int(joblib.effective_n_jobs(n_jobs))


def _call_limited(func: Callable[..., Any], args: tuple) -> Any:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return func(*args)


def run(
    func: Callable[..., Any],
    tasks: Iterable[Sequence[Any]],
    *,
    n_jobs: int | None = None,
    progress: bool = False,
    desc: str | None = None,
) -> list[Any]:
    """Run ``func(*task)`` for every task, in parallel, returning results in order.

    Parameters
    ----------
    func : callable
        Must be picklable for process and Dask backends (a module-level
        function; lambdas work with loky through cloudpickle).
    tasks : iterable of tuple
        Arguments of each call; put each task's seed among them.
    n_jobs : int, optional
        Workers. ``None`` means 1 unless a ``joblib.parallel_config`` or
        :func:`use_dask` context says otherwise; ``-1`` uses all cores.
    progress : bool, default=False
        Show a tqdm progress bar.
    desc : str, optional
        Label of the progress bar.

    Returns
    -------
    list
        ``[func(*task) for task in tasks]``, whatever the backend.

    Examples
    --------
    >>> run(pow, [(2, 3), (3, 2)], n_jobs=2)
    [8, 9]
    """
    import joblib

    tasks = [tuple(t) for t in tasks]
    workers = joblib.effective_n_jobs(n_jobs)
    if workers == 1 or len(tasks) <= 1:
        iterator: Iterable[Any] = (func(*t) for t in tasks)
    else:
        parallel = joblib.Parallel(n_jobs=n_jobs, return_as="generator")
        iterator = parallel(joblib.delayed(_call_limited)(func, t) for t in tasks)
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(iterator, total=len(tasks), desc=desc, leave=False)
    return list(iterator)


@contextlib.contextmanager
def use_dask(scheduler: str | Any | None = None, *, n_workers: int = 2) -> Iterator[Any]:
    """Run every :func:`run` inside the block on a Dask cluster.

    Parameters
    ----------
    scheduler : str, distributed.Client or None
        Address of a running scheduler (``"tcp://host:8786"``), an existing
        client, or ``None`` to start a local cluster of ``n_workers``
        single-threaded processes for the duration of the block.
    n_workers : int, default=2
        Workers of the local cluster when ``scheduler`` is None.

    Yields
    ------
    distributed.Client

    Examples
    --------
    >>> with use_dask(n_workers=1) as client:  # doctest: +SKIP
    ...     draws = run(pow, [(2, s) for s in range(4)], n_jobs=-1)
    """
    import joblib

    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "The Dask backend needs the 'dask' extra: pip install 'stratify[dask]'."
        ) from exc

    owned: list[Any] = []
    if scheduler is None:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
        owned += [client, cluster]
    elif isinstance(scheduler, str):
        client = Client(scheduler)
        owned.append(client)
    else:
        client = scheduler
    try:
        with joblib.parallel_config(backend="dask"):
            yield client
    finally:
        for obj in owned:
            obj.close()
