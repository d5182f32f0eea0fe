"""Process-wide switches: for long work (the garbage collector), and for a quick start
(patterns compiled when first used)."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast


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


class _LazyPattern:
    """A regular expression compiled when first used. Each attribute read once (`search`,
    `sub`, `pattern` ...) is then kept on the instance, so later reads cost what a compiled
    pattern's do; only `re.sub(pattern, ...)` and the like, which want a real pattern, cannot
    take one."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._source = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._compiled is None:
            self._compiled = re.compile(*self._source)
        value = getattr(self._compiled, name)
        setattr(self, name, value)
        return value


def lazy_pattern(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile`, deferred to the first use: a module's patterns for reading files (statuses,
    star ratings, Japanese terms) cost a quick command such as `spider expand` a few
    milliseconds each to compile at import and are never used there."""
    return cast("re.Pattern[str]", _LazyPattern(pattern, flags))
