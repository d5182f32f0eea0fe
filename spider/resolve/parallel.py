"""The executor seam: the per-record, per-block and per-pair work of resolution is pure, so
slices of it run in forked workers that inherit the prepared records (nothing is pickled but
the slice bounds and the results). A distributed backend would sit beside `map_slices`,
partitioning the same slices by block key.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

PARALLEL_RECORDS = 20_000  # below this, starting workers costs more than it saves
# Forked workers share the parent's records until they touch them: reading a Python object
# writes its reference count, so each worker ends up copying the pages it reads. Over this
# many prepared records the copies cost more memory and time than two workers save
# (measured at 1.2 million: blocking 48 s and 4.2 GB with two workers, 57 s and 1.5 GB in one
# process; scoring 113 s vs 89 s), so `map_slices` over records runs here instead.
SHARED_RECORDS = 400_000

Bounds = tuple[int, int]
T = TypeVar("T")
# What forked workers inherit: the function and the state it reads its slice of.
_SHARED: dict[str, Any] = {}


def default_workers() -> int:
    return min(os.cpu_count() or 1, 8)


def pool_size(items: int, workers: int | None) -> int:
    """How many workers `map_chunks` should start for ITEMS of work (`workers` None: the
    CPUs): one, here, below PARALLEL_RECORDS."""
    workers = workers or default_workers()
    return workers if worth_forking(items, workers) else 1


def worth_forking(items: int, workers: int, *, factor: int = 1, shared: int = 0) -> bool:
    """Whether `items` of work are enough to start `workers` processes for, when they would
    share `shared` prepared records with this process (see SHARED_RECORDS)."""
    return workers > 1 and items >= factor * PARALLEL_RECORDS and shared <= SHARED_RECORDS


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


def _run_chunk(start: int, chunk: Any) -> Any:
    return _SHARED["func"](_SHARED["state"], start, chunk)


def map_chunks(func: Callable[[Any, int, Any], T], chunks: Iterable[Any], workers: int,
               state: Any = None) -> Iterator[T]:
    """func(state, start, chunk) for each chunk in order, `start` counting the items before
    it, in a pool of `workers` forked processes that inherit `state` (as `map_slices`' do:
    only the chunks and the results are pickled), with at most two chunks per worker in
    flight (the chunks are read here, in this thread, as the workers need them). One worker,
    or no fork: here, in order."""
    start = 0
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in chunks:
            yield func(state, start, chunk)
            start += len(chunk)
        return
    _SHARED.update(func=func, state=state)
    try:
        pool = multiprocessing.get_context("fork").Pool(workers)  # the workers fork here
    finally:
        _SHARED.clear()
    with pool:
        pending: deque[Any] = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_run_chunk, (start, chunk)))
            start += len(chunk)
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def row_chunks(cursor: Any, size: int,
               key: int = -1) -> Iterator[list[tuple[Any, ...]]]:
    """A cursor's rows about SIZE at a time, never cutting in two a run of rows with one value
    in column KEY (a company's records, read in company order): chunks for `map_chunks`."""
    carry: list[tuple[Any, ...]] = []
    while rows := cursor.fetchmany(size):
        rows = carry + rows
        last = rows[-1][key]
        cut = len(rows)
        while cut and rows[cut - 1][key] == last:
            cut -= 1
        carry = rows[cut:]
        if cut:
            yield rows[:cut]
    if carry:
        yield carry
