"""Groups of things joined pairwise (a disjoint-set forest), for small side structures: chains
of merge decisions, rows of one hotel property. The resolver's own clustering, which also
tracks scores and sizes, is `spider.resolve.cluster`."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T", bound=Hashable)


class Groups(Generic[T]):
    """Join things two at a time; ask which group one is in, or for every group."""

    def __init__(self) -> None:
        self.parent: dict[T, T] = {}

    def find(self, x: T) -> T:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(self, a: T, b: T) -> None:
        self.parent[self.find(a)] = self.find(b)

    def __iter__(self) -> Iterator[T]:
        return iter(list(self.parent))

    def members(self) -> dict[T, list[T]]:
        """Each group's members (in the order they were first seen), by the group's root."""
        out: dict[T, list[T]] = {}
        for x in list(self.parent):
            out.setdefault(self.find(x), []).append(x)
        return out
