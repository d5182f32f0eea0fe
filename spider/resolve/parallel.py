"""The executor seam: the per-record, per-block and per-pair work of resolution is pure, so
slices of it run in forked workers that inherit the prepared records (nothing is pickled but
the slice bounds and the results). A distributed backend would sit beside `map_slices`,
partitioning the same slices by block key.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from typing import Any, TypeVar

PARALLEL_RECORDS = 20_000  # below this, starting workers costs more than it saves

Bounds = tuple[int, int]
T = TypeVar("T")
# What forked workers inherit: the function and the state it reads its slice of.
_SHARED: dict[str, Any] = {}


def default_workers() -> int:
    return min(os.cpu_count() or 1, 8)


def worth_forking(items: int, workers: int, *, factor: int = 1) -> bool:
    """Whether `items` of work are enough to start `workers` processes for."""
    return workers > 1 and items >= factor * PARALLEL_RECORDS


def slices(total: int, parts: int) -> list[Bounds]:
    """(start, stop) bounds cutting 0..total into `parts` slices of near equal size."""
    step = -(-total // parts)
    return [(start, start + step) for start in range(0, total, step)]


def _run(bounds: Bounds) -> Any:
    return _SHARED["func"](_SHARED["state"], bounds)


def map_slices(func: Callable[[Any, Bounds], T], bounds: list[Bounds], workers: int,
               state: Any) -> list[T]:
    """func(state, b) for every slice b, in `workers` forked processes that inherit `state`, or
    here, in order, where fork is not available (Windows) or one worker is asked for."""
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        _SHARED.update(func=func, state=state)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                return pool.map(_run, bounds, chunksize=1)
        finally:
            _SHARED.clear()
    return [func(state, b) for b in bounds]
