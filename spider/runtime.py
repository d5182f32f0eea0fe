"""Process-wide switches for long work."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cyclic_gc(*, freeze: bool = True) -> Iterator[None]:
    """Pause the cyclic garbage collector: building the graph makes millions of small objects
    and no cycles, and the collector's full passes over a growing heap cost a third of a
    100,000-record resolution and half of reading a million records. Nested use is harmless.
    FREEZE=False for work whose objects mostly die with it (a query in a long-lived server):
    what survives is left to the collector, not frozen out of its sight for good."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled and freeze:
            # Everything allocated meanwhile would be scanned at the first collection after
            # enable (0.3 s at 100,000 records): it holds no cycles, so it is moved out of the
            # collector's sight; reference counting still frees it.
            gc.freeze()
        if enabled:
            gc.enable()
